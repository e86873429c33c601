/**
 * @file aedyn-sgd.h
 * @brief Online SGD trainers: vanilla, truncated, and Sanger's rule.
 *
 * A trainer **borrows** a network, a data model and a generator: all three
 * must outlive it; the network and the generator must not be used elsewhere
 * while it steps. The trainer only reads the data model (it samples with
 * scratch of its own), so trainers stepping in several threads may share one
 * data model (which must then not be destroyed or changed meanwhile). Each step
 * draws one fresh input; time is t = steps / D. With delta = x - xhat and the
 * learning rates (eta_w, eta_v, eta_b) (all equal to eta by default):
 *
 *  - vanilla, untied: v^k += (eta_v/D) g(lambda^k) delta,
 *    w^k += (eta_w/D) g'(lambda^k) ((v^k . delta)/D) x / sqrt(D),
 *    beta_k += (eta_b/D) g'(lambda^k) (v^k . delta)/D (old v^k on the right);
 *  - truncated: as vanilla, unit k seeing delta_k = x - sum_{a<=k} v^a g(lambda^a);
 *  - tied (v^k == w^k): the gradient of l through both uses,
 *    w^k += (eta_w/D) [ g(lambda^k) delta + g'(lambda^k) (w^k . delta) x / sqrt(D) ]
 *    (delta_k for the truncated rule), i.e. w -= eta_w * dl/dw;
 *  - Sanger (linear, tied network only):
 *    w^k += (eta_w/D^2) (lambda^k x - lambda^k sum_{a<=k} lambda^a w^a);
 *  - weight decay kappa: after the step w <- (1 - kappa/D) w, v <- (1 - kappa/D) v.
 *
 * Denoising (aedyn_sgd_set_denoising()): the network sees the corrupted
 * input xtilde = a x + sigma_n xi, xi ~ N(0, I_D) drawn fresh each step from
 * the trainer's generator, in place of x in every field and in the encoder's
 * update; the target stays the clean x: delta = x - c xtilde - sum_k v^k g_k
 * (c: the skip weight of a network with AEDYN_NET_SKIP, 0 otherwise). The
 * skip weight moves by c += (eta_c/D) (delta . xtilde)/D per step (rate
 * aedyn_sgd_set_skip_rate(); no weight decay on c). Without a skip and with
 * (a, sigma_n) = (1, 0) the trainer is the plain autoencoder above.
 *
 * Schedules (aedyn_sgd_set_schedule()): a rate, sigma_n or a may follow a
 * function of the training time; before every step the trainer reads each
 * attached schedule at t = steps / D, which replaces the constant.
 *
 * Divergence: a step whose local fields, errors or update coefficients are
 * non-finite or exceed 1e150 in magnitude is not applied; the call returns
 * AEDYN_ERR_DIVERGED with the weights of the last good step.
 */
#ifndef AEDYN_SGD_H
#define AEDYN_SGD_H

#include "aedyn-status.h"
#include "aedyn-rng.h"
#include "aedyn-data.h"
#include "aedyn-net.h"
#include "aedyn-schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque SGD trainer. @since 0.2 */
typedef struct aedyn_sgd aedyn_sgd;

/** Update rule of a trainer. @since 0.2 */
typedef enum aedyn_sgd_rule {
    AEDYN_SGD_VANILLA = 0,   /**< plain online SGD on l */
    AEDYN_SGD_TRUNCATED = 1, /**< unit k sees the residual of units a <= k */
    AEDYN_SGD_SANGER = 2     /**< Sanger's generalised Hebbian rule (linear, tied) */
} aedyn_sgd_rule;

/**
 * Create a trainer (borrows @p net, @p data, @p rng).
 * @param out receives the new trainer (unchanged on failure)
 * @param net the network it trains (borrowed: must outlive the trainer)
 * @param data the data model it samples (borrowed)
 * @param rng the generator of the samples (borrowed)
 * @param rule vanilla, truncated or Sanger's rule
 * @param lr  learning rate eta, finite and > 0, used for encoder, decoder and bias
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (D of net and data differ),
 *         AEDYN_ERR_INVALID (lr), AEDYN_ERR_UNSUPPORTED (Sanger on a non-linear
 *         or untied network), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_create(aedyn_sgd **out, aedyn_net *net, aedyn_data *data,
                                        aedyn_rng *rng, aedyn_sgd_rule rule, double lr);

/** Destroy a trainer (not what it borrows); NULL is a no-op. @since 0.2 */
AEDYN_API void aedyn_sgd_destroy(aedyn_sgd *sgd);

/**
 * Set separate learning rates for encoder, decoder and bias (each finite and
 * >= 0; the scalings of the file comment are applied on top).
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_set_learning_rates(aedyn_sgd *sgd, double eta_w, double eta_v,
                                                    double eta_b);

/** Get the three learning rates (any pointer may be NULL). @since 0.2 */
AEDYN_API aedyn_status aedyn_sgd_get_learning_rates(const aedyn_sgd *sgd, double *eta_w,
                                                    double *eta_v, double *eta_b);

/** Set the weight decay kappa (finite, >= 0, kappa < D). @since 0.2 */
AEDYN_API aedyn_status aedyn_sgd_set_weight_decay(aedyn_sgd *sgd, double kappa);

/**
 * The weight decay kappa.
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_get_weight_decay(const aedyn_sgd *sgd, double *kappa);

/**
 * The update rule the trainer was created with.
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_get_rule(const aedyn_sgd *sgd, aedyn_sgd_rule *rule);

/** The network the trainer borrows (NULL for NULL). @since 0.2 */
AEDYN_API const aedyn_net *aedyn_sgd_get_net(const aedyn_sgd *sgd);

/** The data model the trainer borrows (NULL for NULL). @since 0.2 */
AEDYN_API const aedyn_data *aedyn_sgd_get_data(const aedyn_sgd *sgd);

/**
 * Perform @p n online steps, each on a fresh input drawn from the data model.
 * Allocates nothing.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_DIVERGED (weights of the last
 *         good step kept; aedyn_sgd_get_n_steps() counts the good steps)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_step(aedyn_sgd *sgd, uint64_t n);

/**
 * Perform one step on the given input @p x (length D) instead of a drawn one
 * (the clean input: a denoising trainer corrupts it with noise from its
 * generator).
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_step_input(aedyn_sgd *sgd, const double *x);

/**
 * Train as a denoising autoencoder: input xtilde = a x + sigma_n xi, target
 * the clean x (file comment). (a, sigma_n) = (1, 0), the default, is the
 * plain autoencoder; a = sqrt(1 - Delta), sigma_n = sqrt(Delta) the
 * variance-preserving convention.
 * @param sgd     the trainer (unchanged on failure)
 * @param a       input scale, finite
 * @param sigma_n noise level, finite and >= 0
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID,
 *         AEDYN_ERR_UNSUPPORTED (Sanger's rule, which has no target)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_set_denoising(aedyn_sgd *sgd, double a, double sigma_n);

/**
 * The input scale a and noise level sigma_n (any pointer may be NULL).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_get_denoising(const aedyn_sgd *sgd, double *a, double *sigma_n);

/**
 * Set the skip weight's learning rate eta_c (finite, >= 0; 0 keeps c
 * fixed). Until this is called eta_c follows the decoder's rate eta_v (the
 * decoder's own scaling for a skip matrix tied to c I; docs/theory.md).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID,
 *         AEDYN_ERR_UNSUPPORTED (the network has no skip connection)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_set_skip_rate(aedyn_sgd *sgd, double eta_c);

/**
 * The skip weight's learning rate eta_c (0 without skip connection).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_get_skip_rate(const aedyn_sgd *sgd, double *eta_c);

/**
 * Attach a copy of @p schedule to drive @p target (NULL detaches: the
 * constant set by the other calls applies again). The schedule's values are
 * checked when read: a value that is not finite or < 0 (a user schedule)
 * makes aedyn_sgd_step() fail with AEDYN_ERR_INVALID before the step.
 * @param sgd      the trainer (unchanged on failure)
 * @param target   what the schedule drives
 * @param schedule the schedule (copied), or NULL
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (unknown target),
 *         AEDYN_ERR_UNSUPPORTED (skip rate without skip connection, noise
 *         or input scale with Sanger's rule), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_set_schedule(aedyn_sgd *sgd, aedyn_schedule_target target,
                                              const aedyn_schedule *schedule);

/**
 * The trainer's copy of the schedule of @p target, or NULL when none is
 * attached (valid until the schedule is replaced or the trainer destroyed).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (unknown target)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_sgd_get_schedule(const aedyn_sgd *sgd, aedyn_schedule_target target,
                                              const aedyn_schedule **schedule);

/** Number of steps taken so far (0 for NULL). @since 0.2 */
AEDYN_API uint64_t aedyn_sgd_get_n_steps(const aedyn_sgd *sgd);

/** Training time t = steps / D (NaN for NULL). @since 0.2 */
AEDYN_API double aedyn_sgd_get_time(const aedyn_sgd *sgd);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_SGD_H */
