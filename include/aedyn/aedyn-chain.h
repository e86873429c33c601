/**
 * @file aedyn-chain.h
 * @brief The exact reduced SGD chain of models with a degenerate bulk.
 *
 * For a data model whose spectrum has a bulk, the complement eigen-group of
 * eigenvalue rho_b and multiplicity n_b (the spiked model, the eigen-type
 * model), online SGD has an exact finite-D description in few coordinates
 * (docs/theory.md section 12.2): the state
 *
 *     y = ( wt^k_m = w^k . e_m, s^k_m = v^k . e_m / sqrt(D)   for every explicit
 *           eigenvector e_m (m < M, the model's explicit eigenvectors),
 *           the biases beta_k,
 *           Q_b = rho_b W_b W_b^T / D, R_b = rho_b S_b W_b^T / D, T0_b = S_b S_b^T )
 *
 * with W_b, V_b the projections of the weights on the bulk and S_b = V_b /
 * sqrt(D), is a Markov chain: the bulk is rotation invariant, so one step's
 * increment depends on y, on M + 2K standard normal variates and on one
 * chi-square variate with n_b - 2K degrees of freedom (the squared norm of
 * the input outside the span of the weights' bulk projections). A chain
 * simulates SGD in these coordinates, exactly in distribution at any D, in
 * O(K^3 + M K^2) operations per step instead of O(K D): its cost does not
 * depend on D.
 *
 * A chain is made from a trainer (aedyn_chain_create()): its network's
 * weights (projected), rule, learning rates and their schedules, weight
 * decay and time. Supported: untied networks of any built-in activation,
 * with or without biases, the vanilla and truncated rules, weight decay,
 * schedules of the three learning rates, on data models with a complement
 * group of multiplicity n_b >= 2K whose inputs are Gaussian. Refused with
 * AEDYN_ERR_UNSUPPORTED: tied networks, Sanger's rule, denoising (input
 * scale, noise or their schedules, skip connections), models without a
 * complement group (every eigenvalue explicit, e.g. a full covariance) and
 * real-image samplers.
 *
 * State layout (aedyn_chain_get_state(), aedyn_chain_get_n_state() =
 * 2 M K + K + 3 K^2 numbers): wt (M x K, row m for e_m), s (M x K), beta
 * (K; zeros without biases), Q_b, R_b, T0_b (each K x K row-major; R_b is
 * decoder x encoder as R). The order parameters are
 * Q = sum_m rho_m wt_m wt_m^T / D + Q_b, R = sum_m rho_m s_m wt_m^T / D + R_b,
 * T = sum_m rho_m s_m s_m^T / D + rho_b T0_b / D, T0 = sum_m s_m s_m^T + T0_b.
 *
 * A chain borrows its generator (which must outlive it and not be used
 * elsewhere while it steps) and nothing else.
 */
#ifndef AEDYN_CHAIN_H
#define AEDYN_CHAIN_H

#include "aedyn-status.h"
#include "aedyn-rng.h"
#include "aedyn-sgd.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque reduced SGD chain. @since 0.2 */
typedef struct aedyn_chain aedyn_chain;

/**
 * Create the reduced chain of the trainer @p sgd: the same network (its
 * current weights projected), rule, rates, schedules, decay and time.
 * Costs O(K M D) once.
 * @param out receives the chain (unchanged on failure)
 * @param sgd the trainer (read at creation only)
 * @param rng the generator of the chain's variates (borrowed)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_UNSUPPORTED (file comment),
 *         AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_chain_create(aedyn_chain **out, const aedyn_sgd *sgd,
                                          aedyn_rng *rng);

/** Destroy a chain (not its generator); NULL is a no-op. @since 0.2 */
AEDYN_API void aedyn_chain_destroy(aedyn_chain *chain);

/**
 * Perform @p n steps of the chain (n online SGD steps in distribution).
 * Allocates nothing.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_DIVERGED (a field, an update
 *         or the state not finite or above 1e150: the state of the last good
 *         step is kept), AEDYN_ERR_INVALID (a schedule's bad value)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_chain_step(aedyn_chain *chain, uint64_t n);

/** Steps taken (the trainer's count at creation included; 0 for NULL). @since 0.2 */
AEDYN_API uint64_t aedyn_chain_get_n_steps(const aedyn_chain *chain);

/** Time t = steps / D (NaN for NULL). @since 0.2 */
AEDYN_API double aedyn_chain_get_time(const aedyn_chain *chain);

/** The number M of explicit eigenvectors in the state (0 for NULL). @since 0.2 */
AEDYN_API size_t aedyn_chain_get_n_explicit(const aedyn_chain *chain);

/** The number of state values, 2 M K + K + 3 K^2 (0 for NULL). @since 0.2 */
AEDYN_API size_t aedyn_chain_get_n_state(const aedyn_chain *chain);

/**
 * The state y (aedyn_chain_get_n_state() values, layout in the file
 * comment).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_chain_get_state(const aedyn_chain *chain, double *y);

/**
 * Replace the state by @p y (same layout): every value finite, Q_b and T0_b
 * symmetric, and the bulk block [[Q_b, R_b^T], [R_b, rho_b T0_b / D]] (the
 * covariance of the bulk fields) positive semi-definite up to rounding; the
 * biases are ignored without AEDYN_NET_BIAS.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (then nothing changes)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_chain_set_state(aedyn_chain *chain, const double *y);

/**
 * Replace the state by that of a network with i.i.d. N(0, sigma0^2) weights
 * (zero biases), drawn from @p rng exactly in distribution without forming
 * the weights: the explicit components as normal variates, the bulk block
 * from the Wishart law of the bulk projections (Bartlett's decomposition).
 * O(K^2 + M K) draws.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (sigma0 not finite or < 0)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_chain_init_gaussian(aedyn_chain *chain, aedyn_rng *rng, double sigma0);

/**
 * Order parameters at the current state (each K x K row-major, NULL to
 * skip), as aedyn_net_order_params() gives them for the network.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_DIVERGED (not finite)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_chain_order_params(const aedyn_chain *chain, double *Q, double *R,
                                               double *T, double *T0);

/**
 * Population error at the current state (with the 1/2 of the loss), as
 * aedyn_net_error() gives it for the network.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_DIVERGED (not finite)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_chain_error(const aedyn_chain *chain, double *err);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_CHAIN_H */
