/**
 * @file aedyn-ode.h
 * @brief The asymptotically exact ODEs of online SGD (docs/theory.md sections 5 and 6).
 *
 * An ODE is created from a network (its current weights are the initial
 * condition) and a data model (its spectrum), so that an SGD run and its ODE
 * prediction share one origin. The state is the component form over
 * **modes**: for every eigen-direction tau, the encoder components
 * wt^k_tau = w^k . u_tau and the decoder components s^k_tau = v^k . u_tau / sqrt(D),
 * plus the biases. Every eigen-group with explicit eigenvectors and
 * multiplicity <= 2K contributes its eigenvectors as modes; every larger group
 * (in particular the complement bulk of the spiked model) is reduced, exactly,
 * to at most 2K orthonormal directions spanning the group-projected weights.
 * The spiked model therefore costs O(K (M + 2K)) state for any D.
 *
 * The ODE borrows nothing: it copies the weights, the spectrum projections and
 * Tr Omega at creation. Tied networks and Sanger's rule are not supported.
 *
 * Denoising autoencoders (docs/theory.md, "Denoising autoencoders"):
 * aedyn_ode_set_denoising() sets the corruption xtilde = a x + sigma_n xi of
 * the trainer; a network with AEDYN_NET_SKIP adds its skip weight c to the
 * state, trained at the rate aedyn_ode_set_skip_rate(). Isotropic noise keeps
 * the eigenbasis of Omega, so the modes, their reduction and the cost are
 * those of the plain autoencoder. Schedules (aedyn_ode_set_schedule()) make
 * the system non-autonomous; the adaptive methods end a step on every
 * breakpoint of a schedule rather than step across it.
 */
#ifndef AEDYN_ODE_H
#define AEDYN_ODE_H

#include "aedyn-status.h"
#include "aedyn-data.h"
#include "aedyn-net.h"
#include "aedyn-sgd.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque ODE integrator. @since 0.2 */
typedef struct aedyn_ode aedyn_ode;

/** Integration methods. @since 0.2 */
typedef enum aedyn_ode_method {
    /** explicit Euler with a fixed step (dt = 1/D reproduces the authors' scheme) */
    AEDYN_ODE_EULER = 0,
    /** classical 4th-order Runge-Kutta with a fixed step */
    AEDYN_ODE_RK4 = 1,
    /** adaptive Dormand-Prince 5(4) with error control and dense output */
    AEDYN_ODE_DOPRI5 = 2,
    /** adaptive 2nd-order Runge-Kutta-Chebyshev: explicit, with a stability
     *  interval growing as the square of its stage count, for stiff
     *  dissipative dynamics at loose tolerances (second order: useful for
     *  rtol >= 1e-4, where AEDYN_ODE_AUTO may choose it; see docs/ode.md) */
    AEDYN_ODE_RKC = 3,
    /** adaptive implicit BDF of orders 1 to 5 with a Newton corrector: steps
     *  set by accuracy however stiff the dynamics */
    AEDYN_ODE_BDF = 4,
    /** the default: DOPRI5 while the dynamics are not stiff, BDF while they
     *  are, switching by a stiffness test (DOPRI5's estimate of the step
     *  times the dominant eigenvalue; BDF's step against the explicit
     *  stability bound of a power-method estimate), as LSODA does; at
     *  rtol >= 1e-4 RKC for stiff phases first, BDF when RKC's steps need
     *  more than 12 stages (docs/ode.md); the
     *  switches are in aedyn_ode_get_switch() */
    AEDYN_ODE_AUTO = 5
} aedyn_ode_method;

/** Integration statistics of aedyn_ode_get_stat(). @since 0.2 */
typedef enum aedyn_ode_stat {
    AEDYN_ODE_STAT_RHS = 0,       /**< right-hand-side evaluations (a structured
                                       Jacobian counts as the evaluations it costs) */
    AEDYN_ODE_STAT_STEPS = 1,     /**< accepted steps */
    AEDYN_ODE_STAT_REJECTED = 2,  /**< rejected steps (error test or Newton failure) */
    AEDYN_ODE_STAT_JACOBIANS = 3, /**< Jacobian evaluations (BDF) */
    AEDYN_ODE_STAT_FACTORISATIONS = 4, /**< factorisations of Newton matrices (BDF) */
    AEDYN_ODE_STAT_SWITCHES = 5,  /**< switches between methods (AEDYN_ODE_AUTO) */
    AEDYN_ODE_STAT_BREAKPOINTS = 6 /**< breakpoints of schedules a step ended on */
} aedyn_ode_stat;

/** How many switches of AEDYN_ODE_AUTO aedyn_ode_get_switch() reports (later
 *  ones are counted by AEDYN_ODE_STAT_SWITCHES only). @since 0.2 */
#define AEDYN_ODE_MAX_SWITCHES 1024u

/**
 * Create the ODE for @p net trained on @p data with the given rule and
 * learning rate (encoder, decoder and bias rates all @p lr; change them with
 * aedyn_ode_set_learning_rates()). The initial condition is the current
 * weights of @p net. Default method: AEDYN_ODE_BDF when the state
 * (2 K per mode, plus K biases) has at most 160 numbers, AEDYN_ODE_RKC
 * otherwise, with rtol 1e-6, atol 1e-9.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (D of net and data differ),
 *         AEDYN_ERR_INVALID (lr), AEDYN_ERR_UNSUPPORTED (tied network, Sanger's
 *         rule), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_create(aedyn_ode **out, const aedyn_net *net,
                                        const aedyn_data *data, aedyn_sgd_rule rule, double lr);

/**
 * Create the ODE that predicts the trainer @p sgd from now on: same network
 * weights (and skip weight), data spectrum, rule, learning rates, weight
 * decay, denoising, skip rate and schedules; the ODE time starts at
 * aedyn_sgd_get_time(sgd).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_UNSUPPORTED (tied network,
 *         Sanger's rule), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_create_from_sgd(aedyn_ode **out, const aedyn_sgd *sgd);

/** Destroy an ODE; NULL is a no-op. @since 0.2 */
AEDYN_API void aedyn_ode_destroy(aedyn_ode *ode);

/** Set encoder, decoder and bias learning rates (finite, >= 0). @since 0.2 */
AEDYN_API aedyn_status aedyn_ode_set_learning_rates(aedyn_ode *ode, double eta_w, double eta_v,
                                                    double eta_b);

/** Set the weight decay kappa (finite, >= 0): dw/dt and dv/dt get -kappa w, -kappa v. @since 0.2 */
AEDYN_API aedyn_status aedyn_ode_set_weight_decay(aedyn_ode *ode, double kappa);

/**
 * The encoder, decoder and bias learning rates (any pointer may be NULL).
 * @return AEDYN_OK, AEDYN_ERR_NULL (ode)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_learning_rates(const aedyn_ode *ode, double *eta_w,
                                                    double *eta_v, double *eta_b);

/**
 * The weight decay kappa.
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_weight_decay(const aedyn_ode *ode, double *kappa);

/**
 * The update rule whose averaged dynamics the ODE integrates.
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_rule(const aedyn_ode *ode, aedyn_sgd_rule *rule);

/**
 * Choose the integrator. @p step is the fixed step of Euler and RK4 (finite,
 * > 0) and the first trial step of the adaptive methods (0 = automatic).
 * AEDYN_ODE_BDF allocates its Newton matrices here (about 3 n K^2 numbers
 * for a state of n).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID, AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_set_method(aedyn_ode *ode, aedyn_ode_method method, double step);

/**
 * The integrator in use (the default one until aedyn_ode_set_method() is
 * called) and its step setting; either output pointer may be NULL.
 * @return AEDYN_OK, AEDYN_ERR_NULL (ode)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_method(const aedyn_ode *ode, aedyn_ode_method *method,
                                            double *step);

/**
 * Tolerances of the adaptive methods: the error of each component per step
 * is kept below atol + rtol |y| (in a weighted RMS norm). Both must be
 * finite and > 0. atol = 0 (pure relative control) is refused: the state
 * has components that are 0 or at rounding level (biases that are not
 * trained, directions the weights hardly span), whose relative error is
 * rounding noise, so the steps would collapse; a tiny atol (1e-20 works)
 * gives relative control of everything else.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (then nothing changes)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_set_tolerances(aedyn_ode *ode, double rtol, double atol);

/**
 * The tolerances of the adaptive methods (either pointer may be NULL).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_tolerances(const aedyn_ode *ode, double *rtol, double *atol);

#if defined(AEDYN_EXPERIMENTAL) || defined(AEDYN_DOXYGEN)
/**
 * User-supplied activation for the generic (quadrature) path: g, g', g''.
 * Each function maps x to a value; @p user is passed through.
 * @experimental
 * @since 0.2
 */
typedef double (*aedyn_ode_act_fn)(double x, void *user);

/**
 * Use a user activation through Gaussian quadrature instead of the network's
 * closed forms (the network's activation is then ignored). @p ddg may be NULL
 * only if g is linear. Call before integrating.
 * @return AEDYN_OK, AEDYN_ERR_NULL (ode, g or dg), AEDYN_ERR_INVALID (ddg NULL
 *         for a non-linear g), AEDYN_ERR_NOMEM
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_set_activation(aedyn_ode *ode, aedyn_ode_act_fn g,
                                                aedyn_ode_act_fn dg, aedyn_ode_act_fn ddg,
                                                void *user);
#endif

/**
 * Integrate to time @p t_end (>= the current time), landing exactly on it.
 * There is no early stop: plateaus are physics. Every call ends: on a
 * failure the state and time are those of the last finite accepted step,
 * and aedyn_error_message() says what happened and at which time.
 * @return AEDYN_OK, AEDYN_ERR_NULL,
 *         AEDYN_ERR_INVALID (t_end in the past or not finite; a fixed step
 *         below 1e-12 max(1, |t|), or one that would need more than 2^52
 *         steps),
 *         AEDYN_ERR_DIVERGED (the dynamics diverged: the state or the
 *         right-hand side is not finite, also when every trial step down
 *         to the smallest one met such values),
 *         AEDYN_ERR_NUMERIC (the state is finite but the integrator cannot
 *         make progress: the step size fell below 1e-12 max(1, |t|)
 *         because the error test or BDF's Newton corrector kept failing,
 *         e.g. at a finite-time blow-up or with tolerances too strict, or
 *         RKC would need such steps for stability)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_advance(aedyn_ode *ode, double t_end);

/**
 * Integrate a denoising autoencoder: input xtilde = a x + sigma_n xi, target
 * the clean x, as aedyn_sgd_set_denoising(). (1, 0) is the default.
 * @param ode     the ODE (unchanged on failure)
 * @param a       input scale, finite
 * @param sigma_n noise level, finite and >= 0
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_set_denoising(aedyn_ode *ode, double a, double sigma_n);

/**
 * The input scale a and noise level sigma_n (any pointer may be NULL).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_denoising(const aedyn_ode *ode, double *a, double *sigma_n);

/**
 * The skip weight's learning rate eta_c (finite, >= 0; 0 keeps c fixed);
 * until set it follows the decoder's rate, as in the trainer.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID,
 *         AEDYN_ERR_UNSUPPORTED (the network had no skip connection)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_set_skip_rate(aedyn_ode *ode, double eta_c);

/**
 * The skip weight's learning rate eta_c (0 without skip connection).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_skip_rate(const aedyn_ode *ode, double *eta_c);

/**
 * The skip weight c at the current time (0 without skip connection).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_DIVERGED (not finite)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_skip(const aedyn_ode *ode, double *c);

/**
 * Attach a copy of @p schedule to drive @p target, as
 * aedyn_sgd_set_schedule() (NULL detaches). aedyn_ode_advance() evaluates
 * the schedules at the stages of its steps; a schedule whose value is not
 * finite or < 0 makes it fail with AEDYN_ERR_INVALID at the time of the
 * last good step.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (unknown target),
 *         AEDYN_ERR_UNSUPPORTED (skip rate without skip connection),
 *         AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_set_schedule(aedyn_ode *ode, aedyn_schedule_target target,
                                              const aedyn_schedule *schedule);

/**
 * The ODE's copy of the schedule of @p target, or NULL when none is attached.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (unknown target)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_schedule(const aedyn_ode *ode, aedyn_schedule_target target,
                                              const aedyn_schedule **schedule);

/** Current ODE time (NaN for NULL). @since 0.2 */
AEDYN_API double aedyn_ode_get_time(const aedyn_ode *ode);

/** Number of modes of the state (0 for NULL). @since 0.2 */
AEDYN_API size_t aedyn_ode_get_n_modes(const aedyn_ode *ode);

/**
 * Describe mode @p i: its eigenvalue, and whether it is an eigenvector of the
 * data model (true) or a reduced direction inside a degenerate group (false).
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_mode(const aedyn_ode *ode, size_t i, double *rho,
                                      bool *is_eigenvector);

/**
 * Order parameters at the current time (each K x K row-major, NULL to skip),
 * with the definitions of aedyn_net_order_params().
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_order_params(const aedyn_ode *ode, double *Q, double *R,
                                              double *T, double *T0);

/** Biases at the current time (K values; zeros without trained bias). @since 0.2 */
AEDYN_API aedyn_status aedyn_ode_get_biases(const aedyn_ode *ode, double *bias);

/**
 * Population test error at the current time (with the 1/2 of the loss); for
 * a denoising autoencoder against the clean input, at the current a and
 * sigma_n (their schedules read at the current time).
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_error(const aedyn_ode *ode, double *err);

/**
 * Cosines of each encoder and decoder with the modes: enc[k * n + i] =
 * w^k . u_i / ||w^k||, dec likewise for v^k, for the first @p n modes
 * (n <= aedyn_ode_get_n_modes(); modes come in order of decreasing eigenvalue, so
 * for the spiked model the first M are the spikes). Any output may be NULL.
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_overlaps(const aedyn_ode *ode, size_t n, double *enc,
                                          double *dec);

/**
 * Full weight vectors at the current time, reconstructed from the modes
 * (W, V: K x D row-major, either may be NULL). Exact: the modes span the
 * weights at all times.
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_weights(const aedyn_ode *ode, double *W, double *V);

/**
 * Switch @p i of the automatic method (0 <= i < min(AEDYN_ODE_STAT_SWITCHES,
 * AEDYN_ODE_MAX_SWITCHES)): the time at which it happened and the method it
 * switched to (AEDYN_ODE_DOPRI5 or AEDYN_ODE_BDF). The method in use before
 * the first switch is DOPRI5.
 * @param ode    the ODE
 * @param i      index of the switch, in the order they happened
 * @param t      receives its time (may be NULL)
 * @param method receives the method switched to (may be NULL)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (no such switch)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_switch(const aedyn_ode *ode, size_t i, double *t,
                                            aedyn_ode_method *method);

/**
 * One integration statistic, counted since the ODE was created.
 * @param ode   the ODE
 * @param which the statistic
 * @param value receives its value
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (unknown @p which)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_ode_get_stat(const aedyn_ode *ode, aedyn_ode_stat which,
                                          uint64_t *value);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_ODE_H */
