/**
 * @file aedyn-analysis.h
 * @brief Fixed points of the learning ODEs, their stability, and the
 *        plateaus of a trajectory with predicted escape times
 *        (docs/theory.md section 11, docs/guide/analysis.md).
 *
 * **Experimental**: everything here is declared only when
 * `AEDYN_EXPERIMENTAL` is defined before including `<aedyn.h>`, and is
 * exported in the experimental version node (docs/abi.md): its shape may
 * change in any release.
 *
 * An analysis borrows an ODE (aedyn_ode_create()). It works on the ODE's
 * state over modes, with its settings at the time of each call:
 *
 * - aedyn_analysis_fixed_point() runs a globalised Newton method (a trust
 *   region around minimum-norm Gauss-Newton steps, with the ODE's
 *   structured Jacobian) from the ODE's current state, to a relative
 *   residual of 1e-12 by default. Its outcome is a fixed point, a
 *   **runaway** (the residual falls only as the weights grow without
 *   bound: sigmoidal units at long times, whose encoder keeps shrinking and
 *   decoder growing; the direction is reported), or no fixed point nearby.
 * - At a fixed point the stability is that of the Jacobian on the reduced
 *   state (the dynamic components: encoder and decoder components on every
 *   mode, trained biases, the skip weight): its eigenvalues, the counts of
 *   unstable, neutral and stable directions, the leading unstable
 *   eigenvalue and its eigenvector, also as derivatives of the order
 *   parameters. The exact symmetries of the error (a linear network:
 *   W -> A W, V -> A^-T V for invertible A; ReLU: positive rescaling of a
 *   unit) make a manifold of fixed points: its tangent directions are
 *   deflated and counted as neutral (aedyn_analysis_get_counts()), never as
 *   instabilities. aedyn_analysis_linearise() gives the frozen-time
 *   linearisation at the ODE's current state instead (no Newton, no
 *   deflation).
 * - aedyn_analysis_plateaus() integrates the ODE to a final time, finds the
 *   stretches where its speed |dy/dt| stays below a fraction theta of its
 *   scale (the largest speed from a tenth of the elapsed time on: the
 *   escape ahead, or the transition just behind), and for each reports the
 *   entry and exit times, the error, the kind (fixed point, or drifting
 *   state), the leading unstable eigenvalue lambda_u and the predicted
 *   escape time t_entry + ln(Delta / delta_0) / lambda_u.
 *
 * Refused: ODEs with schedules attached (their dynamics depend on time;
 * AEDYN_ERR_UNSUPPORTED), and states of more than AEDYN_ANALYSIS_MAX_STATE
 * numbers (the eigenvalues come from a dense matrix). Every call ends: the
 * Newton iteration and its trust-region trials are capped.
 */
#ifndef AEDYN_ANALYSIS_H
#define AEDYN_ANALYSIS_H

#include "aedyn-status.h"
#include "aedyn-ode.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(AEDYN_EXPERIMENTAL) || defined(AEDYN_DOXYGEN)

/**
 * The largest ODE state (numbers, aedyn_ode_create(): 2 K per mode, plus K
 * biases and the skip weight) an analysis accepts: its Jacobian is dense.
 * @experimental
 * @since 0.2
 */
#define AEDYN_ANALYSIS_MAX_STATE 1024u

/**
 * The most samples of a trajectory aedyn_analysis_plateaus() takes.
 * @experimental
 * @since 0.2
 */
#define AEDYN_ANALYSIS_MAX_POINTS 100000u

/** Opaque analysis of an ODE. @experimental @since 0.2 */
typedef struct aedyn_analysis aedyn_analysis;

/**
 * What the last aedyn_analysis_fixed_point() or aedyn_analysis_linearise()
 * found. The names are aedyn_enum_name(AEDYN_ENUM_ANALYSIS_OUTCOME, value).
 * @experimental
 * @since 0.2
 */
typedef enum aedyn_analysis_outcome {
    /** nothing computed yet */
    AEDYN_ANALYSIS_NONE = 0,
    /** Newton converged: the state is a fixed point, analysed there */
    AEDYN_ANALYSIS_FIXED_POINT = 1,
    /** Newton's iterates ran away along one direction, the residual falling
     *  only as the norm grew: no fixed point at finite weights. The
     *  stability is the frozen-time linearisation at the starting state. */
    AEDYN_ANALYSIS_RUNAWAY = 2,
    /** Newton stopped (iteration cap, or a trust region that collapsed on a
     *  residual that does not vanish) without either: no fixed point
     *  nearby. The stability is the frozen-time linearisation at the
     *  starting state. */
    AEDYN_ANALYSIS_NOT_FOUND = 3,
    /** aedyn_analysis_linearise(): the frozen-time linearisation at the
     *  ODE's state */
    AEDYN_ANALYSIS_LINEARISED = 4
} aedyn_analysis_outcome;

/**
 * The quantities of a plateau (aedyn_analysis_get_plateau()); times are ODE
 * times.
 * @experimental
 * @since 0.2
 */
typedef enum aedyn_analysis_plateau_field {
    /** entry: the speed falls below the threshold (the first sample if the
     *  trajectory starts on the plateau) */
    AEDYN_ANALYSIS_PLATEAU_T_ENTRY = 0,
    /** exit: the speed rises above the threshold again (NaN: the plateau
     *  lasts to the end of the trajectory) */
    AEDYN_ANALYSIS_PLATEAU_T_EXIT = 1,
    /** the slowest sample of the plateau, where it is analysed */
    AEDYN_ANALYSIS_PLATEAU_T_REFERENCE = 2,
    /** the error at the slowest sample: the plateau's level */
    AEDYN_ANALYSIS_PLATEAU_ERROR = 3,
    /** the kind, as an ::aedyn_analysis_outcome: AEDYN_ANALYSIS_FIXED_POINT
     *  when Newton from the slowest sample converged near it, otherwise a
     *  drifting state (AEDYN_ANALYSIS_RUNAWAY or AEDYN_ANALYSIS_NOT_FOUND),
     *  analysed by its frozen-time linearisation */
    AEDYN_ANALYSIS_PLATEAU_KIND = 4,
    /** the error of the fixed point (NaN for a drifting state) */
    AEDYN_ANALYSIS_PLATEAU_FIXED_POINT_ERROR = 5,
    /** the leading unstable eigenvalue lambda_u (its real part; NaN when
     *  there is none) */
    AEDYN_ANALYSIS_PLATEAU_LAMBDA = 6,
    /** how many eigenvalues share lambda_u, to 1e-3 (equal units give equal
     *  rates) */
    AEDYN_ANALYSIS_PLATEAU_MULTIPLICITY = 7,
    /** delta_0: the norm of the state's component in the unstable
     *  eigenspace of lambda_u at entry, measured from the fixed point (or,
     *  for a drifting state, from the invariant set the linearisation
     *  describes) */
    AEDYN_ANALYSIS_PLATEAU_DELTA0 = 8,
    /** Delta = theta x the scale at the exit / lambda_u: the unstable
     *  amplitude whose speed reaches the exit threshold */
    AEDYN_ANALYSIS_PLATEAU_DELTA = 9,
    /** the predicted exit t_entry + ln(Delta / delta_0) / lambda_u (from the
     *  entry sample; +infinity when nothing is unstable) */
    AEDYN_ANALYSIS_PLATEAU_T_PREDICTED = 10,
    /** unstable directions of the linearisation */
    AEDYN_ANALYSIS_PLATEAU_N_UNSTABLE = 11,
    /** neutral directions (symmetry directions included) */
    AEDYN_ANALYSIS_PLATEAU_N_NEUTRAL = 12,
    /** stable directions */
    AEDYN_ANALYSIS_PLATEAU_N_STABLE = 13,
    /** the dimension of the symmetry orbit (fixed points only) */
    AEDYN_ANALYSIS_PLATEAU_N_SYMMETRY = 14,
    /** Newton's iterations from the slowest sample */
    AEDYN_ANALYSIS_PLATEAU_ITERATIONS = 15,
    /** the speed at the slowest sample over its scale */
    AEDYN_ANALYSIS_PLATEAU_MIN_SPEED = 16
} aedyn_analysis_plateau_field;

/**
 * Create an analysis of @p ode. The analysis **borrows** the ODE: it must
 * outlive the analysis and not be used from another thread during a call.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_UNSUPPORTED (a state of more
 *         than AEDYN_ANALYSIS_MAX_STATE numbers), AEDYN_ERR_NOMEM
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_create(aedyn_analysis **out, aedyn_ode *ode);

/** Destroy an analysis (not its ODE); NULL is a no-op. @experimental @since 0.2 */
AEDYN_API void aedyn_analysis_destroy(aedyn_analysis *an);

/**
 * Tolerances: Newton stops when |f(y)| <= @p residual x the size of the
 * terms of f (|J| |y|, see docs/theory.md); an eigenvalue is neutral when
 * |Re lambda| <= @p neutral x the largest |lambda|. Defaults 1e-12 and 1e-8.
 * Each must be finite and in (0, 1).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing changes)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_set_tolerances(aedyn_analysis *an, double residual,
                                                     double neutral);

/**
 * The tolerances (either pointer may be NULL).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_tolerances(const aedyn_analysis *an, double *residual,
                                                     double *neutral);

/**
 * The most Newton iterations (1 to 10000, default 100).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID, AEDYN_ERR_NOMEM
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_set_max_iterations(aedyn_analysis *an, size_t n);

/**
 * The most Newton iterations.
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_max_iterations(const aedyn_analysis *an, size_t *n);

/**
 * The plateau threshold theta of aedyn_analysis_plateaus(): a plateau is a
 * stretch where |dy/dt| < theta x its scale, the largest speed from a tenth
 * of the elapsed time on. Finite, in (0, 1); default 0.1.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_set_plateau_threshold(aedyn_analysis *an, double theta);

/**
 * The plateau threshold.
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_plateau_threshold(const aedyn_analysis *an,
                                                            double *theta);

/**
 * Look for a fixed point from the ODE's current state (which is not
 * changed) and analyse its stability; see ::aedyn_analysis_outcome for what
 * is found. The results replace those of the previous call.
 * @return AEDYN_OK whatever the outcome, AEDYN_ERR_NULL,
 *         AEDYN_ERR_UNSUPPORTED (schedules attached to the ODE),
 *         AEDYN_ERR_DIVERGED (the state or the right-hand side there is not
 *         finite), AEDYN_ERR_NUMERIC (an eigenvalue or singular value
 *         iteration failed), AEDYN_ERR_NOMEM
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_fixed_point(aedyn_analysis *an);

/**
 * The frozen-time linearisation at the ODE's current state: eigenvalues of
 * the Jacobian there, without Newton and without deflating symmetries
 * (outcome AEDYN_ANALYSIS_LINEARISED).
 * @return as aedyn_analysis_fixed_point()
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_linearise(aedyn_analysis *an);

/**
 * The outcome of the last aedyn_analysis_fixed_point() or
 * aedyn_analysis_linearise() (AEDYN_ANALYSIS_NONE before any).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_outcome(const aedyn_analysis *an,
                                                  aedyn_analysis_outcome *outcome);

/** Newton's iterations in the last search (0 for NULL). @experimental @since 0.2 */
AEDYN_API size_t aedyn_analysis_get_n_iterations(const aedyn_analysis *an);

/**
 * The relative residual |f| / (|J| |y|) at the start and after each
 * iteration of the last search: aedyn_analysis_get_n_iterations() + 1
 * values.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed yet)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_residuals(const aedyn_analysis *an, double *residuals);

/**
 * The analysed state in the ODE's layout (aedyn_ode_get_weights() rebuilds
 * weights from the same layout): the fixed point, or the starting state for
 * the other outcomes. Encoder components wt (P x K: wt[tau * K + k] = w^k .
 * u_tau), decoder components s (P x K, v^k . u_tau / sqrt(D)), the K biases,
 * then the skip weight for a network with AEDYN_NET_SKIP; P =
 * aedyn_ode_get_n_modes().
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed yet)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_state(const aedyn_analysis *an, double *y);

/**
 * Full weights of the analysed state moved by @p shift along the unit
 * direction of aedyn_analysis_get_direction() (shift 0: the state itself):
 * W and V K x D row-major, bias K (each may be NULL). Made for starting a
 * network, and an ODE, at a fixed point displaced along its unstable
 * eigenvector.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed
 *         yet, @p shift not finite, or shift != 0 without a direction)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_weights(const aedyn_analysis *an, double shift,
                                                  double *W, double *V, double *bias);

/**
 * The population error (with the 1/2) of the analysed state.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed yet),
 *         AEDYN_ERR_DIVERGED
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_error(const aedyn_analysis *an, double *err);

/**
 * The order parameters of the analysed state (each K x K, NULL to skip),
 * as aedyn_ode_order_params().
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed yet),
 *         AEDYN_ERR_DIVERGED
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_order_params(const aedyn_analysis *an, double *Q, double *R,
                                                   double *T, double *T0);

/** The size n of the reduced state, hence of the spectrum (0 for NULL). @experimental @since 0.2 */
AEDYN_API size_t aedyn_analysis_get_n_eigenvalues(const aedyn_analysis *an);

/**
 * The n eigenvalues of the Jacobian on the reduced state, real and
 * imaginary parts, in decreasing order of the real part; at a fixed point
 * the symmetry directions are exact zeros.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed yet)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_eigenvalues(const aedyn_analysis *an, double *re,
                                                      double *im);

/**
 * How many eigenvalues are unstable (Re > neutral tolerance), neutral and
 * stable, and the dimension of the symmetry orbit among the neutral ones
 * (0 except at fixed points); any pointer may be NULL.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed yet)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_counts(const aedyn_analysis *an, size_t *n_unstable,
                                                 size_t *n_neutral, size_t *n_stable,
                                                 size_t *n_symmetry);

/**
 * The leading unstable eigenvalue (its real part; NaN when none is
 * unstable) and how many eigenvalues share it, to a relative 1e-3 (0 when
 * none); either pointer may be NULL.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed yet)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_unstable(const aedyn_analysis *an, double *lambda,
                                                   size_t *multiplicity);

/**
 * The direction of the outcome as a unit vector @p y in the ODE's state
 * layout (see aedyn_analysis_get_state(); inactive entries 0): the runaway
 * direction for AEDYN_ANALYSIS_RUNAWAY, else the eigenvector of the leading
 * unstable eigenvalue (the first of its eigenspace; its real part for a
 * complex pair; the sign that makes its largest entry positive). Also the
 * derivatives of the order parameters along it, dQ, dR, dT, dT0 (K x K
 * each; any output may be NULL).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed yet,
 *         or no unstable direction)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_direction(const aedyn_analysis *an, double *y,
                                                    double *dQ, double *dR, double *dT,
                                                    double *dT0);

/**
 * delta_0 of given weights: the norm of the component of (their state on
 * the ODE's modes) - (the analysed state) in the unstable eigenspace of the
 * leading unstable eigenvalue (spectral projection with the left and right
 * eigenvectors). W, V are K x D row-major, @p bias K values or NULL (zeros).
 * Components outside the span of the modes are not seen.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (nothing computed yet,
 *         or nothing unstable)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_unstable_component(const aedyn_analysis *an,
                                                         const double *W, const double *V,
                                                         const double *bias, double *delta);

/**
 * Integrate the borrowed ODE from its current time to @p t_end (it is left
 * there), sampling its state at @p n_points times (the current one, then
 * times whose distance from it is log-spaced from 1e-4 of the span to the
 * whole span), and find its plateaus: maximal stretches of at least 3
 * samples where the speed |dy/dt| (over the reduced state) stays below the
 * plateau threshold theta times its scale, the largest speed sampled from a
 * tenth of the elapsed time t - t_0 on (for a plateau, the escape ahead of
 * it or the transition that led to it; entry and exit interpolated in
 * log(speed / scale)). Each is analysed at its slowest sample (Newton, then the
 * stability there or the frozen-time linearisation); read them with
 * aedyn_analysis_get_plateau(). The fixed-point results (outcome,
 * eigenvalues, ...) are then those of the last plateau. For escape times
 * from small displacements, give the ODE tolerances well below them
 * (aedyn_ode_set_tolerances()).
 * @param an       the analysis
 * @param t_end    final time, finite and > the ODE's time
 * @param n_points samples, 3 to AEDYN_ANALYSIS_MAX_POINTS, with n_points x
 *                 the state size at most 2^23
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (t_end), AEDYN_ERR_SIZE
 *         (n_points), AEDYN_ERR_UNSUPPORTED (schedules), AEDYN_ERR_NOMEM, or
 *         the failure of aedyn_ode_advance() (the ODE stops where it
 *         failed; no plateau is reported)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_plateaus(aedyn_analysis *an, double t_end, size_t n_points);

/** Plateaus found by the last aedyn_analysis_plateaus() (0 for NULL). @experimental @since 0.2 */
AEDYN_API size_t aedyn_analysis_get_n_plateaus(const aedyn_analysis *an);

/**
 * One quantity of plateau @p i (in order of entry).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (no plateau @p i),
 *         AEDYN_ERR_INVALID (unknown @p field)
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_analysis_get_plateau(const aedyn_analysis *an, size_t i,
                                                  aedyn_analysis_plateau_field field,
                                                  double *value);

#endif /* AEDYN_EXPERIMENTAL */

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_ANALYSIS_H */
