/* Replica ensembles of online SGD (include/aedyn/aedyn-replicas.h): R
 * trainers made from one template, stepped in parallel threads, and the
 * statistics of their errors, order parameters and escape times.
 *
 * Determinism: a replica's arithmetic depends only on its own network,
 * trainer and generator, never on the thread that runs it or on the other
 * replicas; the statistics are computed afterwards in replica order. So the
 * results are bit-identical for any number of threads. The workers take the
 * replicas one at a time from a shared counter (an atomic), which balances
 * the load when other processes share the cores; no thread outlives a call. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "replicas-private.h"
#include "sgd-internal.h"

static aedyn_status remeasure(aedyn_replicas *rep);

/* ---- lifecycle ---------------------------------------------------------------- */

static void replica_free(aedyn__replica *x)
{
    aedyn_chain_destroy(x->chain);
    aedyn_sgd_destroy(x->sgd);
    aedyn_net_destroy(x->net);
    aedyn_rng_destroy(x->rng);
}

AEDYN_API void aedyn_replicas_destroy(aedyn_replicas *rep)
{
    if (!rep)
        return;
    for (size_t r = 0; r < rep->R && rep->rep; r++)
        replica_free(&rep->rep[r]);
    free(rep->rep);
    free(rep->values);
    free(rep);
}

static size_t online_processors(void)
{
#if defined(_SC_NPROCESSORS_ONLN)
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n >= 1)
        return (size_t)n < AEDYN_REPLICAS_MAX_THREADS ? (size_t)n : AEDYN_REPLICAS_MAX_THREADS;
#endif
    return 1;
}

/* Replica r: the template's network copied, a trainer with its settings, the
 * stream (u, r). */
static aedyn_status replica_make(aedyn__replica *x, const aedyn_sgd *sgd, const double *W,
                                 const double *V, const double *b, double skip, uint64_t u,
                                 size_t r)
{
    const aedyn_net *tn = aedyn_sgd_get_net(sgd);
    const unsigned flags = aedyn_net_get_flags(tn);
    aedyn_sgd_rule rule;
    aedyn_status st;
    /* the trainers only read the data model (aedyn-sgd.h), so the replicas
     * share the template's */
    aedyn_data *data = (aedyn_data *)aedyn_sgd_get_data(sgd);
    if ((st = aedyn_rng_create(&x->rng, u, (uint64_t)r)) ||
        (st = aedyn_net_create(&x->net, aedyn_net_get_dim(tn), aedyn_net_get_n_hidden(tn),
                               aedyn_net_get_activation(tn), flags)) ||
        (st = aedyn_net_set_weights(x->net, W, (flags & AEDYN_NET_TIED) ? NULL : V,
                                    (flags & AEDYN_NET_BIAS) ? b : NULL)) ||
        ((flags & AEDYN_NET_SKIP) && (st = aedyn_net_set_skip(x->net, skip))) ||
        (st = aedyn_sgd_get_rule(sgd, &rule)))
        return st;
    /* created with a positive rate; the template's rates (which may be 0)
     * are copied next */
    if ((st = aedyn_sgd_create(&x->sgd, x->net, data, x->rng, rule, 1.0)) ||
        (st = aedyn__sgd_copy_settings(x->sgd, sgd)))
        return st;
    return AEDYN_OK;
}

/* Both constructors: trainers, or reduced chains. */
static aedyn_status create(aedyn_replicas **out, const aedyn_sgd *sgd, size_t n_replicas,
                           aedyn_rng *rng, bool reduced, const char *fn)
{
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(sgd);
    AEDYN__REQUIRE_NONNULL(rng);
    if (n_replicas < 1 || n_replicas > AEDYN_REPLICAS_MAX)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: the number of replicas must be 1 .. %u, got %zu",
                           fn, AEDYN_REPLICAS_MAX, n_replicas);
    const aedyn_net *tn = aedyn_sgd_get_net(sgd);
    const aedyn_data *data = aedyn_sgd_get_data(sgd);
    const size_t D = aedyn_net_get_dim(tn), K = aedyn_net_get_n_hidden(tn), R = n_replicas;
    aedyn_replicas *rep = calloc(1, sizeof *rep);
    double *W = aedyn__calloc(2 * K * D + K, sizeof *W);
    aedyn_status st = AEDYN_OK;
    if (!rep || !W || !(rep->rep = aedyn__calloc(R, sizeof *rep->rep))) {
        free(W);
        aedyn_replicas_destroy(rep);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory for %zu replicas", fn, R);
    }
    rep->R = R;
    rep->D = D;
    rep->K = K;
    rep->n_values = 1 + 4 * K * K;
    rep->data = data;
    rep->reduced = reduced;
    rep->n_threads = online_processors();
    rep->level = rep->dt = NAN;
    rep->steps = aedyn_sgd_get_n_steps(sgd);
    if (!(rep->values = aedyn__calloc(R * rep->n_values, sizeof *rep->values))) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory for %zu replicas", fn, R);
        goto fail;
    }
    double *V = W + K * D, *b = V + K * D, skip = 0.0;
    if ((st = aedyn_net_get_weights(tn, W, V, b)) || (st = aedyn_net_get_skip(tn, &skip)))
        goto fail;
    const uint64_t u = aedyn_rng_u64(rng);
    for (size_t r = 0; r < R && !st; r++) {
        aedyn__replica *x = &rep->rep[r];
        if (!reduced)
            st = replica_make(x, sgd, W, V, b, skip, u, r);
        else if (!(st = aedyn_rng_create(&x->rng, u, (uint64_t)r)))
            st = aedyn_chain_create(&x->chain, sgd, x->rng);
    }
    if (st)
        goto fail;
    free(W);
    W = NULL;
    if ((st = remeasure(rep))) /* the values at the start */
        goto fail;
    *out = rep;
    return AEDYN_OK;
fail:
    free(W);
    aedyn_replicas_destroy(rep);
    return st;
}

AEDYN_API aedyn_status aedyn_replicas_create(aedyn_replicas **out, const aedyn_sgd *sgd,
                                             size_t n_replicas, aedyn_rng *rng)
{
    return create(out, sgd, n_replicas, rng, false, "aedyn_replicas_create");
}

AEDYN_API aedyn_status aedyn_replicas_create_reduced(aedyn_replicas **out, const aedyn_sgd *sgd,
                                                     size_t n_replicas, aedyn_rng *rng)
{
    static const char *fn = "aedyn_replicas_create_reduced";
    AEDYN__REQUIRE_NONNULL(sgd);
    aedyn_chain *probe = NULL; /* refuses what the chain cannot simulate, before any work */
    aedyn_rng *r0;
    aedyn_status st = aedyn_rng_create(&r0, 0, 0);
    if (st)
        return st;
    st = aedyn_chain_create(&probe, sgd, r0);
    aedyn_chain_destroy(probe);
    aedyn_rng_destroy(r0);
    return st ? st : create(out, sgd, n_replicas, rng, true, fn);
}

/* ---- measuring ---------------------------------------------------------------- */

static uint64_t replica_steps(const aedyn__replica *x)
{
    return x->chain ? aedyn_chain_get_n_steps(x->chain) : aedyn_sgd_get_n_steps(x->sgd);
}

static double replica_time(const aedyn__replica *x)
{
    return x->chain ? aedyn_chain_get_time(x->chain) : aedyn_sgd_get_time(x->sgd);
}

static aedyn_status replica_step(aedyn__replica *x, uint64_t n)
{
    return x->chain ? aedyn_chain_step(x->chain, n) : aedyn_sgd_step(x->sgd, n);
}

/* The input scale and noise of a trainer at time t: the schedules where
 * attached, the constants elsewhere. */
static aedyn_status denoising_now(const aedyn_sgd *s, double t, double *a, double *sn)
{
    aedyn_status st = aedyn_sgd_get_denoising(s, a, sn);
    const aedyn_schedule *sa = NULL, *ss = NULL;
    if (st || (st = aedyn_sgd_get_schedule(s, AEDYN_SCHEDULE_INPUT_SCALE, &sa)) ||
        (st = aedyn_sgd_get_schedule(s, AEDYN_SCHEDULE_NOISE, &ss)))
        return st;
    if (sa && (st = aedyn_schedule_value(sa, t, a)))
        return st;
    if (ss && (st = aedyn_schedule_value(ss, t, sn)))
        return st;
    return AEDYN_OK;
}

static aedyn_status replica_error(const aedyn_replicas *rep, const aedyn__replica *x, double *err)
{
    if (x->chain)
        return aedyn_chain_error(x->chain, err);
    double a = 1.0, sn = 0.0;
    aedyn_status st = denoising_now(x->sgd, aedyn_sgd_get_time(x->sgd), &a, &sn);
    return st ? st : aedyn_net_error_denoising(x->net, rep->data, a, sn, err);
}

static aedyn_status replica_measure(const aedyn_replicas *rep, const aedyn__replica *x,
                                    double *v)
{
    const size_t KK = rep->K * rep->K;
    aedyn_status st = replica_error(rep, x, &v[0]);
    if (st == AEDYN_OK && x->chain)
        st = aedyn_chain_order_params(x->chain, v + 1, v + 1 + KK, v + 1 + 2 * KK,
                                      v + 1 + 3 * KK);
    else if (st == AEDYN_OK)
        st = aedyn_net_order_params(x->net, rep->data, v + 1, v + 1 + KK, v + 1 + 2 * KK,
                                    v + 1 + 3 * KK);
    return st;
}

/* Check the escape of replica x at its current time. */
static aedyn_status replica_check_escape(const aedyn_replicas *rep, aedyn__replica *x)
{
    double err;
    const aedyn_status st = replica_error(rep, x, &err);
    if (st == AEDYN_OK && err <= rep->level)
        x->t_escape = replica_time(x);
    return st;
}

/* ---- stepping ----------------------------------------------------------------- */

/* Replica r: n steps, in pieces that end on the escape checks while it has
 * not escaped, then its values. A failure is recorded with its message. */
static void replica_run(aedyn_replicas *rep, size_t r, uint64_t n)
{
    aedyn__replica *x = &rep->rep[r];
    if (x->status != AEDYN_OK)
        return;
    aedyn_status st = AEDYN_OK;
    uint64_t done = 0;
    while (done < n && st == AEDYN_OK) {
        uint64_t chunk = n - done;
        const bool watch = rep->every > 0 && isinf(x->t_escape);
        if (watch) {
            const uint64_t to_check = rep->every - replica_steps(x) % rep->every;
            chunk = chunk < to_check ? chunk : to_check;
        }
        st = replica_step(x, chunk);
        done += chunk;
        if (st == AEDYN_OK && watch && replica_steps(x) % rep->every == 0)
            st = replica_check_escape(rep, x);
    }
    if (st == AEDYN_OK)
        st = replica_measure(rep, x, rep->values + r * rep->n_values);
    if (st != AEDYN_OK) {
        x->status = st;
        snprintf(x->message, sizeof x->message, "%s", aedyn_error_message());
    }
}

typedef struct {
    aedyn_replicas *rep;
    uint64_t n;
    atomic_size_t next;
} work;

static void *worker(void *arg)
{
    work *w = arg;
    for (;;) {
        const size_t r = atomic_fetch_add(&w->next, 1);
        if (r >= w->rep->R)
            break;
        replica_run(w->rep, r, w->n);
    }
    return NULL;
}

/* Run worker() in up to n_threads threads, this one included; threads that
 * cannot be started leave their share to the others (the results are the
 * same). */
static void run_parallel(aedyn_replicas *rep, uint64_t n)
{
    work w = { .rep = rep, .n = n };
    atomic_init(&w.next, 0);
    size_t nt = rep->n_threads < rep->R ? rep->n_threads : rep->R;
    pthread_t th[AEDYN_REPLICAS_MAX_THREADS];
    size_t started = 0;
    for (size_t i = 1; i < nt; i++, started++)
        if (pthread_create(&th[started], NULL, worker, &w) != 0)
            break;
    worker(&w);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
}

/* The failure of the replica with the lowest index, as the call's status. */
static aedyn_status first_failure(const aedyn_replicas *rep, const char *fn)
{
    for (size_t r = 0; r < rep->R; r++)
        if (rep->rep[r].status != AEDYN_OK)
            return aedyn__fail(rep->rep[r].status, "%s: replica %zu of %zu failed: %s", fn, r,
                               rep->R, rep->rep[r].message);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_replicas_step(aedyn_replicas *rep, uint64_t n)
{
    static const char *fn = "aedyn_replicas_step";
    AEDYN__REQUIRE_NONNULL(rep);
    aedyn_status st = first_failure(rep, fn);
    if (st != AEDYN_OK)
        return st;
    run_parallel(rep, n);
    rep->stepped = rep->stepped || n > 0;
    rep->steps = replica_steps(&rep->rep[0]);
    for (size_t r = 1; r < rep->R; r++) /* the failed ones stopped earlier */
        if (rep->rep[r].status == AEDYN_OK)
            rep->steps = replica_steps(&rep->rep[r]);
    return first_failure(rep, fn);
}

/* Measure every replica again (after its weights changed outside a step)
 * and, with a level set, reset the escape times to a check at the current
 * time. */
static aedyn_status remeasure(aedyn_replicas *rep)
{
    aedyn_status st = AEDYN_OK;
    for (size_t r = 0; r < rep->R && !st; r++) {
        aedyn__replica *x = &rep->rep[r];
        x->t_escape = INFINITY;
        if (x->status != AEDYN_OK)
            continue;
        st = replica_measure(rep, x, rep->values + r * rep->n_values);
        if (!st && rep->every > 0 && rep->values[r * rep->n_values] <= rep->level)
            x->t_escape = replica_time(x);
    }
    return st;
}

AEDYN_API aedyn_status aedyn_replicas_init_gaussian(aedyn_replicas *rep, double sigma0)
{
    static const char *fn = "aedyn_replicas_init_gaussian";
    AEDYN__REQUIRE_NONNULL(rep);
    if (!isfinite(sigma0) || sigma0 < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: sigma0 must be finite and >= 0, got %g", fn,
                           sigma0);
    if (rep->stepped)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: the replicas have stepped already; "
                           "initialise them before the first step", fn);
    aedyn_status st = AEDYN_OK;
    for (size_t r = 0; r < rep->R && !st; r++)
        st = rep->reduced ? aedyn_chain_init_gaussian(rep->rep[r].chain, rep->rep[r].rng, sigma0)
                          : aedyn_net_init_gaussian(rep->rep[r].net, rep->rep[r].rng, sigma0);
    if (st)
        return st;
    /* the new values, and the escape check at the start */
    return remeasure(rep);
}

/* ---- settings and getters ------------------------------------------------------- */

AEDYN_API aedyn_status aedyn_replicas_set_n_threads(aedyn_replicas *rep, size_t n_threads)
{
    AEDYN__REQUIRE_NONNULL(rep);
    if (n_threads > AEDYN_REPLICAS_MAX_THREADS)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_replicas_set_n_threads: at most %u threads, "
                           "got %zu", AEDYN_REPLICAS_MAX_THREADS, n_threads);
    rep->n_threads = n_threads ? n_threads : online_processors();
    return AEDYN_OK;
}

AEDYN_API size_t aedyn_replicas_get_n_threads(const aedyn_replicas *rep)
{
    return rep ? rep->n_threads : 0;
}

AEDYN_API size_t aedyn_replicas_get_n_replicas(const aedyn_replicas *rep)
{
    return rep ? rep->R : 0;
}

AEDYN_API size_t aedyn_replicas_get_n_values(const aedyn_replicas *rep)
{
    return rep ? rep->n_values : 0;
}

AEDYN_API uint64_t aedyn_replicas_get_n_steps(const aedyn_replicas *rep)
{
    return rep ? rep->steps : 0;
}

AEDYN_API double aedyn_replicas_get_time(const aedyn_replicas *rep)
{
    return rep ? (double)rep->steps / (double)rep->D : NAN;
}

AEDYN_API const aedyn_net *aedyn_replicas_get_net(const aedyn_replicas *rep, size_t r)
{
    return rep && r < rep->R ? rep->rep[r].net : NULL;
}

AEDYN_API const aedyn_chain *aedyn_replicas_get_chain(const aedyn_replicas *rep, size_t r)
{
    return rep && r < rep->R ? rep->rep[r].chain : NULL;
}

AEDYN_API aedyn_status aedyn_replicas_get_values(const aedyn_replicas *rep, double *values)
{
    AEDYN__REQUIRE_NONNULL(rep);
    AEDYN__REQUIRE_NONNULL(values);
    const aedyn_status st = first_failure(rep, "aedyn_replicas_get_values");
    if (st == AEDYN_OK)
        memcpy(values, rep->values, rep->R * rep->n_values * sizeof *values);
    return st;
}

/* ---- statistics ------------------------------------------------------------------ */

static aedyn_status check_q(size_t n_q, const double *q, const char *fn)
{
    if (n_q > 0 && !q)
        return aedyn__fail(AEDYN_ERR_NULL, "%s: argument 'q' is NULL with n_q = %zu", fn, n_q);
    for (size_t i = 0; i < n_q; i++)
        if (!(q[i] >= 0.0 && q[i] <= 1.0))
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: q[%zu] = %g is not in [0, 1]", fn, i,
                               q[i]);
    return AEDYN_OK;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The quantile q of the sorted x[0..n) (n >= 1): linear interpolation between
 * the order statistics at h = (n - 1) q (numpy's default). Infinite order
 * statistics give an infinite quantile, never a NaN. */
static double quantile_sorted(const double *x, size_t n, double q)
{
    const double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1)
        return x[n - 1];
    const double f = h - (double)lo;
    if (f == 0.0 || x[lo] == x[lo + 1])
        return x[lo];
    if (isinf(x[lo + 1]))
        return x[lo + 1];
    return x[lo] + f * (x[lo + 1] - x[lo]);
}

AEDYN_API aedyn_status aedyn_replicas_stats(const aedyn_replicas *rep, size_t n_q, const double *q,
                                            double *mean, double *std, double *quantiles)
{
    static const char *fn = "aedyn_replicas_stats";
    AEDYN__REQUIRE_NONNULL(rep);
    aedyn_status st = check_q(n_q, q, fn);
    if (st || (st = first_failure(rep, fn)))
        return st;
    const size_t R = rep->R, nv = rep->n_values;
    double *col = aedyn__calloc(R, sizeof *col);
    if (!col)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    for (size_t j = 0; j < nv; j++) {
        double m = 0.0, v = 0.0;
        for (size_t r = 0; r < R; r++)
            m += (col[r] = rep->values[r * nv + j]);
        m /= (double)R;
        for (size_t r = 0; r < R; r++)
            v += (col[r] - m) * (col[r] - m);
        if (mean)
            mean[j] = m;
        if (std)
            std[j] = R > 1 ? sqrt(v / (double)(R - 1)) : 0.0;
        if (quantiles && n_q) {
            qsort(col, R, sizeof *col, cmp_double);
            for (size_t i = 0; i < n_q; i++)
                quantiles[i * nv + j] = quantile_sorted(col, R, q[i]);
        }
    }
    free(col);
    return AEDYN_OK;
}

/* ---- escape times ----------------------------------------------------------------- */

AEDYN_API aedyn_status aedyn_replicas_set_escape(aedyn_replicas *rep, double level, double dt)
{
    static const char *fn = "aedyn_replicas_set_escape";
    AEDYN__REQUIRE_NONNULL(rep);
    if (!isfinite(level) || !isfinite(dt) || !(dt > 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: need a finite level and a finite dt > 0 "
                           "(got level = %g, dt = %g)", fn, level, dt);
    aedyn_status st = first_failure(rep, fn);
    if (st)
        return st;
    const double every = round(dt * (double)rep->D);
    if (!(every <= 9007199254740992.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: dt = %g is %g steps at D = %zu, beyond "
                           "2^53", fn, dt, every, rep->D);
    rep->level = level;
    rep->dt = dt;
    rep->every = every >= 1.0 ? (uint64_t)every : 1;
    return remeasure(rep);
}

AEDYN_API aedyn_status aedyn_replicas_get_escape(const aedyn_replicas *rep, double *level,
                                                 double *dt)
{
    AEDYN__REQUIRE_NONNULL(rep);
    if (level)
        *level = rep->level;
    if (dt)
        *dt = rep->dt;
    return AEDYN_OK;
}

static aedyn_status need_level(const aedyn_replicas *rep, const char *fn)
{
    if (rep->every == 0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: no escape level set "
                           "(aedyn_replicas_set_escape)", fn);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_replicas_get_escape_times(const aedyn_replicas *rep, double *t)
{
    static const char *fn = "aedyn_replicas_get_escape_times";
    AEDYN__REQUIRE_NONNULL(rep);
    AEDYN__REQUIRE_NONNULL(t);
    const aedyn_status st = need_level(rep, fn);
    if (st)
        return st;
    for (size_t r = 0; r < rep->R; r++)
        t[r] = rep->rep[r].t_escape;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_replicas_escape_stats(const aedyn_replicas *rep, size_t n_q,
                                                   const double *q, double *fraction,
                                                   double *quantiles)
{
    static const char *fn = "aedyn_replicas_escape_stats";
    AEDYN__REQUIRE_NONNULL(rep);
    aedyn_status st = need_level(rep, fn);
    if (st || (st = check_q(n_q, q, fn)))
        return st;
    const size_t R = rep->R;
    double *t = aedyn__calloc(R, sizeof *t);
    if (!t)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    size_t n_esc = 0;
    for (size_t r = 0; r < R; r++)
        n_esc += isfinite(t[r] = rep->rep[r].t_escape);
    if (fraction)
        *fraction = (double)n_esc / (double)R;
    if (quantiles && n_q) {
        qsort(t, R, sizeof *t, cmp_double);
        for (size_t i = 0; i < n_q; i++)
            quantiles[i] = quantile_sorted(t, R, q[i]);
    }
    free(t);
    return AEDYN_OK;
}
