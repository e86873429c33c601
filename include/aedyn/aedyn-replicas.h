/**
 * @file aedyn-replicas.h
 * @brief Replica ensembles of online SGD, run in parallel threads.
 *
 * At finite D one SGD run fluctuates around the ODE's prediction by
 * O(1/sqrt(D)), most where learning escapes a plateau. An ensemble of R
 * independent replicas of one trainer shows the band: the mean, standard
 * deviation and quantiles of the error and of every order parameter at each
 * time, and the distribution of the time at which the error first falls
 * below a level (escape times).
 *
 * The replicas are made from a trainer (the template): each has its own copy
 * of the template's network (same weights, biases and skip weight, unless
 * aedyn_replicas_init_gaussian() gives each its own), its own trainer with
 * every setting of the template (rule, learning rates, weight decay,
 * denoising, skip rate, schedules, time), and its own generator: replica r
 * draws from the stream (u, r), u one 64-bit draw from the generator given
 * at creation. Whatever the trainer supports, the replicas support.
 *
 * Reduced replicas (aedyn_replicas_create_reduced()) are reduced SGD chains
 * (aedyn-chain.h) instead of trainers: the same SGD in distribution, at a
 * cost per step that does not depend on D, for the models and trainers the
 * chain supports. Replica r's chain draws from the stream (u, r) likewise.
 *
 * Threads: aedyn_replicas_step() runs the replicas in up to
 * aedyn_replicas_get_n_threads() threads (by default the number of online
 * processors), each replica entirely in one thread for the duration of the
 * call; the results are **bit-identical for any number of threads** (each
 * replica's arithmetic does not depend on which thread runs it, and every
 * statistic is computed afterwards in replica order). The handle itself is
 * used from one thread at a time, any thread; no threads are left running
 * between calls. The replicas share the template's data model, which they
 * only read (aedyn-sgd.h): it must outlive them and not change while they
 * step. User schedule functions are called from the worker threads, at the
 * same time for different replicas: they must be reentrant.
 *
 * Observables: after every call that moves the replicas, each replica's
 * values are, in this order, its population error (aedyn_net_error(); for a
 * denoising trainer aedyn_net_error_denoising() at the trainer's current
 * input scale and noise, as the ODE reports it) and its order parameters
 * Q, R, T, T0 (aedyn_net_order_params(), each K x K row-major): 1 + 4 K^2
 * values (aedyn_replicas_get_n_values()).
 */
#ifndef AEDYN_REPLICAS_H
#define AEDYN_REPLICAS_H

#include "aedyn-status.h"
#include "aedyn-rng.h"
#include "aedyn-net.h"
#include "aedyn-sgd.h"
#include "aedyn-chain.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque replica ensemble. @since 0.2 */
typedef struct aedyn_replicas aedyn_replicas;

/** Largest number of replicas of one ensemble. @since 0.2 */
#define AEDYN_REPLICAS_MAX 1048576u

/** Largest number of threads of one ensemble. @since 0.2 */
#define AEDYN_REPLICAS_MAX_THREADS 1024u

/**
 * Create @p n_replicas replicas of the trainer @p sgd, all starting from its
 * network's current weights at its current time.
 * @param out        receives the ensemble (unchanged on failure)
 * @param sgd        the template trainer (read at creation only; its network
 *                   and generator are not used afterwards, its data model is
 *                   borrowed by every replica)
 * @param n_replicas R, 1 <= R <= AEDYN_REPLICAS_MAX
 * @param rng        one 64-bit draw from it seeds the replicas' streams
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (R), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_create(aedyn_replicas **out, const aedyn_sgd *sgd,
                                             size_t n_replicas, aedyn_rng *rng);

/**
 * Create @p n_replicas reduced replicas of the trainer @p sgd: reduced SGD
 * chains (aedyn_chain_create()) from its network's current weights at its
 * current time, replica r's drawing from the stream (u, r), u one 64-bit
 * draw from @p rng. Refused (before any draw) for what the chain does not
 * support.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (R),
 *         AEDYN_ERR_UNSUPPORTED (aedyn-chain.h), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_create_reduced(aedyn_replicas **out, const aedyn_sgd *sgd,
                                                     size_t n_replicas, aedyn_rng *rng);

/** Destroy an ensemble (not the data model it borrows); NULL is a no-op. @since 0.2 */
AEDYN_API void aedyn_replicas_destroy(aedyn_replicas *rep);

/**
 * Give every replica independent initial weights: replica r's network is
 * initialised by aedyn_net_init_gaussian() (a reduced replica's state by
 * aedyn_chain_init_gaussian()) with @p sigma0 from its own stream (in
 * replica order, before any of its steps). Only before the first step.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (sigma0 not finite or
 *         < 0; or the replicas have stepped already)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_init_gaussian(aedyn_replicas *rep, double sigma0);

/**
 * Set the number of threads aedyn_replicas_step() may use.
 * @param rep       the ensemble
 * @param n_threads 1 .. AEDYN_REPLICAS_MAX_THREADS, or 0 for the number of
 *                  online processors (the default)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_set_n_threads(aedyn_replicas *rep, size_t n_threads);

/** The number of threads aedyn_replicas_step() may use (0 for NULL). @since 0.2 */
AEDYN_API size_t aedyn_replicas_get_n_threads(const aedyn_replicas *rep);

/** The number of replicas R (0 for NULL). @since 0.2 */
AEDYN_API size_t aedyn_replicas_get_n_replicas(const aedyn_replicas *rep);

/** The number of values per replica, 1 + 4 K^2 (0 for NULL). @since 0.2 */
AEDYN_API size_t aedyn_replicas_get_n_values(const aedyn_replicas *rep);

/**
 * Steps each replica has taken (the template's count at creation included;
 * 0 for NULL). @since 0.2
 */
AEDYN_API uint64_t aedyn_replicas_get_n_steps(const aedyn_replicas *rep);

/** Training time t = steps / D (NaN for NULL). @since 0.2 */
AEDYN_API double aedyn_replicas_get_time(const aedyn_replicas *rep);

/**
 * Advance every replica by @p n SGD steps, in parallel threads, then
 * measure their values (and, with aedyn_replicas_set_escape(), check their
 * errors on the way). Every replica runs to the end even if another fails.
 * @return AEDYN_OK, AEDYN_ERR_NULL, or the failure of the replica with the
 *         lowest index (AEDYN_ERR_DIVERGED ..., its message naming the
 *         replica); a failed replica stops at its last good step and makes
 *         every later step and statistic fail
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_step(aedyn_replicas *rep, uint64_t n);

/**
 * The values of every replica at the current time: @p values is R x
 * aedyn_replicas_get_n_values(), row r for replica r (layout in the file
 * comment).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_DIVERGED (a replica failed)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_get_values(const aedyn_replicas *rep, double *values);

/**
 * Statistics over the replicas of every value at the current time (each
 * output has aedyn_replicas_get_n_values() entries per row; any output may
 * be NULL): the mean, the standard deviation (with R - 1 in the
 * denominator; 0 for R = 1) and the quantiles @p q[i] (linear interpolation
 * between order statistics, as numpy.quantile by default), row i of
 * @p quantiles for q[i].
 * @param rep       the ensemble
 * @param n_q       number of quantiles (may be 0)
 * @param q         n_q probabilities in [0, 1]
 * @param mean      n_values means
 * @param std       n_values standard deviations
 * @param quantiles n_q x n_values quantiles
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (a q outside [0, 1]),
 *         AEDYN_ERR_DIVERGED (a replica failed), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_stats(const aedyn_replicas *rep, size_t n_q, const double *q,
                                            double *mean, double *std, double *quantiles);

/**
 * Record escape times: from the next step on, every replica checks its
 * error each time its step count is a multiple of max(1, round(@p dt D))
 * and records the first time at which the error is <= @p level (the
 * replicas' own times, on that grid). Resets the escape times recorded so
 * far; a replica already below the level at the current time escapes at
 * the current time.
 * @param rep   the ensemble
 * @param level the error level, finite
 * @param dt    the interval between checks in units of t, finite and > 0
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID, AEDYN_ERR_DIVERGED
 *         (a replica failed)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_set_escape(aedyn_replicas *rep, double level, double dt);

/**
 * The level and the check interval of the escape times (NaN when not set;
 * either pointer may be NULL).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_get_escape(const aedyn_replicas *rep, double *level,
                                                 double *dt);

/**
 * The escape time of every replica (R values): the first checked time at
 * which its error was <= the level, +infinity for a replica that has not
 * escaped yet.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (no level set)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_get_escape_times(const aedyn_replicas *rep, double *t);

/**
 * Statistics of the escape times: the fraction of replicas that have
 * escaped and the quantiles @p q[i] of the escape time over all replicas,
 * those that have not escaped counting as +infinity (so a quantile is
 * finite only when enough replicas have escaped).
 * @param rep       the ensemble
 * @param n_q       number of quantiles (may be 0)
 * @param q         n_q probabilities in [0, 1]
 * @param fraction  receives the fraction escaped (may be NULL)
 * @param quantiles n_q quantiles (may be NULL)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (no level set, a q
 *         outside [0, 1]), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_replicas_escape_stats(const aedyn_replicas *rep, size_t n_q,
                                                   const double *q, double *fraction,
                                                   double *quantiles);

/**
 * The network of replica @p r (read only; valid until the ensemble is
 * destroyed; it changes with every step).
 * @return the network, or NULL for a NULL @p rep, r >= R or reduced replicas
 * @since 0.2
 */
AEDYN_API const aedyn_net *aedyn_replicas_get_net(const aedyn_replicas *rep, size_t r);

/**
 * The reduced chain of replica @p r (read only, as aedyn_replicas_get_net()).
 * @return the chain, or NULL for a NULL @p rep, r >= R or replicas of full SGD
 * @since 0.2
 */
AEDYN_API const aedyn_chain *aedyn_replicas_get_chain(const aedyn_replicas *rep, size_t r);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_REPLICAS_H */
