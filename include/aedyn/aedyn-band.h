/**
 * @file aedyn-band.h
 * @brief The linear-noise theory of the band of SGD around the ODE (experimental).
 *
 * At finite D the state y of the exact reduced chain (aedyn-chain.h) of SGD
 * is y(t) ~ y_ODE(t) + eps(t) / sqrt(D) + delta(t) / D, with eps Gaussian of
 * covariance Sigma and delta the O(1/D) shift of the mean
 * (docs/theory.md section 12.3):
 *
 *     dy/dt = f(y)                       the ODE (its coefficients are the ODE
 *                                        module's), in the chain's coordinates
 *     dSigma/dt = J Sigma + Sigma J^T + B(y),   Sigma(0) = 0
 *     ddelta/dt = J delta + f1(y) + (1/2) f''(y) : Sigma,   delta(0) = 0
 *
 * with J = df/dy (central differences), B the covariance of one step's
 * increment times D^2 per unit time (exactly: Gauss-Hermite quadrature over
 * the K local fields, Wick's theorem for the rest), f1 the O(1/D) part of
 * the exact mean drift (the out-of-span chi-square term and the squared
 * updates). A band integrates y, Sigma and delta together and predicts the
 * mean of the error, its O(1/D) shift and its standard deviation,
 *
 *     Var E ~ grad E^T Sigma grad E / D + (1/2) Tr(H Sigma H Sigma) / D^2,
 *     E[E] ~ E(y) + (grad E . delta + (1/2) Tr(H Sigma)) / D,
 *
 * (H the Hessian of the error in y), for replicas of a trainer that start
 * from the same weights. Scope: that of the reduced chain (models with a
 * bulk; untied, vanilla or truncated, any built-in activation, biases,
 * weight decay, rate schedules).
 *
 * The state's coordinates ("packed", aedyn_band_get_n_state() = P numbers):
 * wt (M x K), s (M x K), the biases (K, only with AEDYN_NET_BIAS), then the
 * upper triangle of Q_b (row by row), R_b (K x K), the upper triangle of
 * T0_b: the chain's state without repetitions. aedyn_band_get_mean() and
 * aedyn_band_sample() use the chain's layout (aedyn_chain_get_state()).
 *
 * Near an unstable (e.g. symmetric) plateau the linear theory fails: the
 * ODE from the common weights stays on the plateau far longer than any
 * replica. There, sample the state at a time on the plateau
 * (aedyn_band_sample()) and integrate the ODE from each sample
 * (aedyn_band_set_mean() with the fluctuations off): the ensemble of ODEs
 * predicts the escape times (docs/theory.md section 12.4).
 *
 * Everything here is experimental (declared only with AEDYN_EXPERIMENTAL):
 * its shape may change in any release.
 */
#ifndef AEDYN_BAND_H
#define AEDYN_BAND_H

#include "aedyn-status.h"
#include "aedyn-rng.h"
#include "aedyn-sgd.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(AEDYN_EXPERIMENTAL) || defined(AEDYN_DOXYGEN)

/** Opaque linear-noise band. @experimental @since 0.2 */
typedef struct aedyn_band aedyn_band;

/**
 * Create the band of the trainer @p sgd: the mean at its network's current
 * weights and time, Sigma = 0, delta = 0 (replicas from the same weights).
 * Costs O(K M D) once.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_UNSUPPORTED (as
 *         aedyn_chain_create(); also more than 8 hidden units or more than
 *         65536 packed coordinates), AEDYN_ERR_NOMEM
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_create(aedyn_band **out, const aedyn_sgd *sgd);

/** Destroy a band; NULL is a no-op. @experimental @since 0.2 */
AEDYN_API void aedyn_band_destroy(aedyn_band *band);

/**
 * Integrate the mean (and, unless switched off, Sigma and delta) to time
 * @p t_end (>= the current time), landing on it: the mean by adaptive
 * Dormand-Prince steps, Sigma and delta along each with J, B and the O(1/D)
 * drift interpolated through Lobatto nodes (ReLU: by fourth-order
 * Runge-Kutta substeps), all under the band's tolerances, segment by
 * segment between the schedules' breakpoints like aedyn_ode_advance()
 * (docs/theory.md section 12.3, "Integration").
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (t_end), AEDYN_ERR_DIVERGED,
 *         AEDYN_ERR_NUMERIC (as aedyn_ode_advance())
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_advance(aedyn_band *band, double t_end);

/** The band's time (NaN for NULL). @experimental @since 0.2 */
AEDYN_API double aedyn_band_get_time(const aedyn_band *band);

/** The number P of packed coordinates (0 for NULL). @experimental @since 0.2 */
AEDYN_API size_t aedyn_band_get_n_state(const aedyn_band *band);

/**
 * Switch the integration of Sigma and delta on (the default) or off (then
 * only the mean moves, at the cost of the ODE; Sigma and delta keep their
 * values).
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_set_fluctuations(aedyn_band *band, bool on);

/**
 * Tolerances of the integration (as aedyn_ode_set_tolerances(); default
 * rtol 1e-6, atol 1e-9).
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_set_tolerances(aedyn_band *band, double rtol, double atol);

/**
 * The number of Gauss-Hermite nodes per local field of the quadrature of B
 * (n^K nodes in all; default 3 for linear units, for which it is exact, 8
 * for erf, 32 for ReLU; 1 .. 64).
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_set_quadrature(aedyn_band *band, size_t n);

/**
 * The mean state in the chain's layout (aedyn_chain_get_state()).
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_get_mean(const aedyn_band *band, double *y);

/**
 * Restart at time @p t (finite, >= 0) from the mean @p y (the chain's
 * layout; every value finite, Q_b and T0_b symmetric) with Sigma and delta
 * 0: the start of an ODE from a sampled state.
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_set_mean(aedyn_band *band, double t, const double *y);

/**
 * Sigma (P x P, symmetric, packed coordinates) and delta (P); either may
 * be NULL.
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_get_covariance(const aedyn_band *band, double *sigma,
                                                 double *delta);

/**
 * B at the current mean (P x P, packed coordinates): the covariance of one
 * SGD step's increment of the packed state times D^2, per unit time.
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_noise(aedyn_band *band, double *B);

/**
 * J = df/dy at the current mean (P x P, packed coordinates; from the
 * structure of the ODE's drift: its maps exactly, differences only in the
 * order parameters, docs/theory.md section 12.3): its eigenvalues with
 * positive real part are the unstable directions of a plateau.
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_jacobian(aedyn_band *band, double *J);

/**
 * The predicted error of the replicas at the current time: @p mean the
 * error of the mean state y (the ODE), @p shift its O(1/D) shift
 * (grad E . delta + Tr(H Sigma) / 2) / D, @p std_first the first-order
 * standard deviation sqrt(grad E^T Sigma grad E / D) and @p std with the
 * second-order term Tr(H Sigma H Sigma) / (2 D^2). Any pointer may be NULL.
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_error(aedyn_band *band, double *mean, double *shift,
                                        double *std_first, double *std);

/**
 * Draw a state from N(y, Sigma / D) (the chain's layout) with @p rng: the
 * hybrid sampler of plateau escapes.
 * @experimental
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_band_sample(const aedyn_band *band, aedyn_rng *rng, double *y);

#endif /* AEDYN_EXPERIMENTAL */

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_BAND_H */
