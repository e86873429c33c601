/**
 * @file aedyn-net.h
 * @brief The shallow autoencoder: weights, activation, forward pass, order
 *        parameters and errors.
 *
 * A network has K hidden units on inputs of dimension D: encoder rows
 * w^k in R^D, decoder vectors v^k in R^D (v^k == w^k for a tied network) and,
 * optionally, biases beta_k. Local fields are lambda^k = w^k . x / sqrt(D)
 * (+ beta_k); the reconstruction is xhat = sum_k v^k g(lambda^k); the loss of
 * one input is l = (1/2D) ||x - xhat||^2 (the 1/2 is kept; see docs/conventions.md).
 *
 * Weight layout: W and V are K x D row-major (row k = w^k, resp. v^k); biases
 * are a vector of K. A network knows nothing of SGD or ODEs.
 */
#ifndef AEDYN_NET_H
#define AEDYN_NET_H

#include "aedyn-status.h"
#include "aedyn-rng.h"
#include "aedyn-data.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque network. @since 0.2 */
typedef struct aedyn_net aedyn_net;

/** Activation functions with closed-form Gaussian integrals. @since 0.2 */
typedef enum aedyn_net_activation {
    AEDYN_NET_ACT_LINEAR = 0, /**< g(x) = x */
    AEDYN_NET_ACT_ERF = 1,    /**< g(x) = erf(x / sqrt 2) */
    AEDYN_NET_ACT_RELU = 2    /**< g(x) = max(0, x) */
} aedyn_net_activation;

/** Flag: the network has a trainable bias per hidden unit. @since 0.2 */
#define AEDYN_NET_BIAS 1u
/** Flag: tied weights, v^k == w^k (one weight set). @since 0.2 */
#define AEDYN_NET_TIED 2u
/**
 * Flag: a scalar skip connection, xhat = c x + sum_k v^k g(lambda^k) (for a
 * denoising autoencoder, c xtilde: aedyn_sgd_set_denoising()). The skip
 * weight c starts at 0 (aedyn_net_set_skip()); a trainer trains it at the
 * rate aedyn_sgd_set_skip_rate() (rate 0: a fixed skip).
 * @since 0.2
 */
#define AEDYN_NET_SKIP 4u

/**
 * Create a network with all weights and biases zero.
 * @param out receives the new network (unchanged on failure)
 * @param D     input dimension, >= 1
 * @param K     hidden units, 1 <= K <= D
 * @param act   activation
 * @param flags any of AEDYN_NET_BIAS | AEDYN_NET_TIED | AEDYN_NET_SKIP
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE, AEDYN_ERR_INVALID, AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_create(aedyn_net **out, size_t D, size_t K,
                                        aedyn_net_activation act, unsigned flags);

/** Destroy a network; NULL is a no-op. @since 0.2 */
AEDYN_API void aedyn_net_destroy(aedyn_net *net);

/** Input dimension D (0 for NULL). @since 0.2 */
AEDYN_API size_t aedyn_net_get_dim(const aedyn_net *net);
/** Number of hidden units K (0 for NULL). @since 0.2 */
AEDYN_API size_t aedyn_net_get_n_hidden(const aedyn_net *net);
/** Activation of the network (AEDYN_NET_ACT_LINEAR for NULL). @since 0.2 */
AEDYN_API aedyn_net_activation aedyn_net_get_activation(const aedyn_net *net);
/** Flags the network was created with (0 for NULL). @since 0.2 */
AEDYN_API unsigned aedyn_net_get_flags(const aedyn_net *net);

/**
 * Initialise all weights i.i.d. N(0, sigma0^2) (encoder first, then decoder,
 * row by row, from @p rng); biases are set to 0. sigma0 = 0.1 in the paper.
 * @param net the network
 * @param rng the generator that draws the weights
 * @param sigma0 finite, >= 0
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_init_gaussian(aedyn_net *net, aedyn_rng *rng, double sigma0);

/**
 * "Informed" initialisation from the spectrum of @p data: w^k = e_k and
 * v^k = sqrt(D) e_k for the K leading explicit eigenvectors (for a tied
 * network w^k = v^k = e_k); biases 0. Fails with AEDYN_ERR_UNSUPPORTED when
 * the K leading eigen-directions are not all explicit (e.g. K > M for the
 * spiked model).
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_init_informed(aedyn_net *net, const aedyn_data *data);

/**
 * Set weights. Each pointer may be NULL to keep the current value. @p V must
 * be NULL for a tied network, @p bias NULL for a network without bias. All
 * values are checked to be finite before anything is changed.
 * @param net the network (unchanged on failure)
 * @param W    K x D encoder rows
 * @param V    K x D decoder vectors
 * @param bias K biases
 * @return AEDYN_OK, AEDYN_ERR_NULL (net), AEDYN_ERR_INVALID (non-finite value,
 *         or V/bias given where the network has none)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_set_weights(aedyn_net *net, const double *W, const double *V,
                                             const double *bias);

/**
 * Copy the weights out (same layout as aedyn_net_set_weights()). Any pointer
 * may be NULL to skip it. For a tied network V receives the encoder; for a
 * network without bias, bias receives zeros.
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_get_weights(const aedyn_net *net, double *W, double *V,
                                             double *bias);

/**
 * Set the skip weight c of a network with AEDYN_NET_SKIP.
 * @param net the network (unchanged on failure)
 * @param c   the skip weight, finite
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (c not finite),
 *         AEDYN_ERR_UNSUPPORTED (no skip connection)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_set_skip(aedyn_net *net, double c);

/**
 * The skip weight c (0 for a network without skip connection).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_get_skip(const aedyn_net *net, double *c);

/**
 * Reconstruct a batch: Xhat (n x D) from X (n x D). Allocates O(K) scratch.
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_reconstruct(const aedyn_net *net, size_t n, const double *X,
                                             double *Xhat);

/**
 * Loss of one input, l = (1/2D) ||x - xhat||^2.
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_loss(const aedyn_net *net, const double *x, double *loss);

/**
 * Monte-Carlo estimate of the test error E l over @p n fresh inputs of
 * @p data (n >= 2), with its standard error.
 * @param net the network
 * @param data the data model
 * @param rng the generator that draws the test inputs
 * @param n number of test inputs, >= 1
 * @param mean    receives the sample mean of l
 * @param std_err receives the standard error of the mean (may be NULL)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_error_mc(const aedyn_net *net, aedyn_data *data,
                                          aedyn_rng *rng, size_t n, double *mean,
                                          double *std_err);

/**
 * Order parameters of the network for the covariance of @p data (docs/theory.md
 * section 3), each K x K row-major, any pointer may be NULL:
 * Q[k][l] = w^k Omega w^l / D, R[k][l] = v^k Omega w^l / D^{3/2},
 * T[k][l] = v^k Omega v^l / D^2, T0[k][l] = v^k . v^l / D.
 * Computed from the spectrum in O(K^2 (n_explicit + 1) D).
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_order_params(const aedyn_net *net, const aedyn_data *data,
                                              double *Q, double *R, double *T, double *T0);

/**
 * Exact population test error E l over x ~ N(0, Omega) of @p data (with the
 * 1/2): eps = Tr Omega/(2D) - sum_k R^kk E g'(lambda^k) + (1/2) sum_kl T0^kl
 * E[g(lambda^k) g(lambda^l)], with closed-form Gaussian integrals (and
 * quadrature for biased erf/ReLU units).
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_error(const aedyn_net *net, const aedyn_data *data,
                                                  double *err);

/**
 * Exact population error of the network as a denoiser (docs/theory.md,
 * "Denoising autoencoders"): E (1/2D) ||x - xhat(a x + sigma_n xi)||^2 over
 * clean x ~ N(0, Omega) of @p data and xi ~ N(0, I_D), the reconstruction
 * measured against the clean input. (a, sigma_n) = (1, 0) gives
 * aedyn_net_error().
 * @param net     the network (untied, or tied)
 * @param data    the clean data model
 * @param a       input scale, finite
 * @param sigma_n noise level, finite and >= 0
 * @param err     receives the error
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE, AEDYN_ERR_INVALID,
 *         AEDYN_ERR_DIVERGED (not finite), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_error_denoising(const aedyn_net *net, const aedyn_data *data,
                                                 double a, double sigma_n, double *err);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_NET_H */
