/* Online SGD trainers (include/aedyn/aedyn-sgd.h): vanilla, truncated and
 * Sanger's rule, untied or tied, with separate learning rates and weight decay.
 *
 * A step is two phases so that a diverging step changes nothing:
 *  1. read-only: fields lambda, g, g', the reconstruction error (for the
 *     vanilla rule into the delta buffer; for the truncated rules as running
 *     residuals) and the projections v^k . delta_k; every quantity the update
 *     uses is checked to be finite and below AEDYN_SGD_LIMIT_ in magnitude;
 *  2. the update, fused with the weight decay, one pass per unit.
 * The hot loops are plain array loops; reductions use fixed sets of partial
 * sums (never a compiler-chosen order), so the same seed gives bit-identical
 * weights for a given build on a given kind of CPU. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "act-internal.h"
#include "data-internal.h"
#include "net-internal.h"
#include "rng-internal.h"
#include "schedule-internal.h"
#include "sgd-internal.h"
#include "sgd-private.h"

#define AEDYN_SGD_LIMIT_ 1e150

/* The step is compiled twice (AEDYN__CLONES, common-private.h). */
/* Helpers of the step are inlined into each clone. */
#if defined(__GNUC__)
#define AEDYN_HOT_INLINE_ static inline __attribute__((always_inline))
#else
#define AEDYN_HOT_INLINE_ static inline
#endif

#if defined(AEDYN_HAVE_OMP_SIMD)
#define AEDYN_PRAGMA_(x) _Pragma(#x)
#define AEDYN_SIMD_ AEDYN_PRAGMA_(omp simd)
#else
#define AEDYN_SIMD_
#endif

/* ---- lifecycle ---------------------------------------------------------------- */

/* The values of the next step: the schedules at t = steps / D where
 * attached, the constants elsewhere; the skip's rate follows the decoder's
 * until set. On failure (a user schedule's bad value) nothing changes. */
static aedyn_status refresh(aedyn_sgd *s)
{
    double v[AEDYN__N_TARGETS] = { s->eta_w, s->eta_v, s->eta_b, s->eta_c, s->sigma_n, s->a };
    const double t = (double)s->steps / (double)s->nv.D;
    for (int i = 0; i < AEDYN__N_TARGETS; i++)
        if (s->sched[i]) {
            const aedyn_status st = aedyn_schedule_value(s->sched[i], t, &v[i]);
            if (st != AEDYN_OK)
                return st;
        }
    if (!s->eta_c_set && !s->sched[AEDYN_SCHEDULE_SKIP_RATE])
        v[AEDYN_SCHEDULE_SKIP_RATE] = v[AEDYN_SCHEDULE_DECODER_RATE];
    if (!s->nv.has_skip)
        v[AEDYN_SCHEDULE_SKIP_RATE] = 0.0;
    memcpy(s->cur, v, sizeof v);
    return AEDYN_OK;
}

/* A denoising trainer corrupts its inputs and fits the skip-corrected target;
 * fixed for the duration of a call (schedules cannot switch it). */
static bool denoising(const aedyn_sgd *s)
{
    return s->a != 1.0 || s->sigma_n != 0.0 || s->nv.has_skip ||
           s->sched[AEDYN_SCHEDULE_NOISE] || s->sched[AEDYN_SCHEDULE_INPUT_SCALE];
}

static aedyn_status check_rate(const char *fn, const char *name, double eta, bool positive)
{
    if (!isfinite(eta) || eta < 0.0 || (positive && eta == 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: %s must be finite and %s 0, got %g", fn, name,
                           positive ? ">" : ">=", eta);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_create(aedyn_sgd **out, aedyn_net *net, aedyn_data *data,
                                        aedyn_rng *rng, aedyn_sgd_rule rule, double lr)
{
    static const char *fn = "aedyn_sgd_create";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(data);
    AEDYN__REQUIRE_NONNULL(rng);
    const aedyn__net_view nv = aedyn__net_get_view(net);
    if (nv.D != aedyn_data_get_dim(data))
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: network has D = %zu but data has D = %zu", fn,
                           nv.D, aedyn_data_get_dim(data));
    if ((unsigned)rule > (unsigned)AEDYN_SGD_SANGER)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown rule %d", fn, (int)rule);
    aedyn_status st = check_rate(fn, "learning rate", lr, true);
    if (st != AEDYN_OK)
        return st;
    if (rule == AEDYN_SGD_SANGER &&
        (nv.act != AEDYN_NET_ACT_LINEAR || !nv.tied || nv.has_bias))
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED,
                           "%s: Sanger's rule needs a linear, tied network without bias", fn);
    aedyn_sgd *s = calloc(1, sizeof *s);
    if (!s)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    const size_t D = nv.D, K = nv.K;
    s->buf = aedyn__calloc(6 * D, sizeof *s->buf);
    s->lam = aedyn__calloc(7 * K, sizeof *s->lam);
    s->scratch = aedyn__calloc(aedyn__data_scratch_size(data), sizeof *s->scratch);
    if (!s->buf || !s->lam || !s->scratch) {
        aedyn_sgd_destroy(s);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    s->delta = s->buf + 2 * D;
    s->g = s->lam + K;
    s->dg = s->lam + 2 * K;
    s->vd = s->lam + 3 * K;
    s->part = s->lam + 4 * K;
    s->cw = s->lam + 5 * K;
    s->cv = s->lam + 6 * K;
    s->net = net;
    s->nv = nv;
    s->data = data;
    s->rng = rng;
    s->rule = rule;
    s->eta_w = s->eta_v = s->eta_b = lr;
    s->a = 1.0;
    (void)refresh(s); /* no schedules: cannot fail */
    *out = s;
    return AEDYN_OK;
}

AEDYN_API void aedyn_sgd_destroy(aedyn_sgd *sgd)
{
    if (!sgd)
        return;
    for (int i = 0; i < AEDYN__N_TARGETS; i++)
        aedyn_schedule_destroy(sgd->sched[i]);
    free(sgd->buf);
    free(sgd->lam);
    free(sgd->scratch);
    free(sgd);
}

AEDYN_API aedyn_status aedyn_sgd_set_learning_rates(aedyn_sgd *sgd, double eta_w, double eta_v,
                                                    double eta_b)
{
    static const char *fn = "aedyn_sgd_set_learning_rates";
    AEDYN__REQUIRE_NONNULL(sgd);
    aedyn_status st = check_rate(fn, "eta_w", eta_w, false);
    if (st == AEDYN_OK)
        st = check_rate(fn, "eta_v", eta_v, false);
    if (st == AEDYN_OK)
        st = check_rate(fn, "eta_b", eta_b, false);
    if (st != AEDYN_OK)
        return st;
    sgd->eta_w = eta_w;
    sgd->eta_v = eta_v;
    sgd->eta_b = eta_b;
    (void)refresh(sgd); /* the schedules' values were good at this t */
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_get_learning_rates(const aedyn_sgd *sgd, double *eta_w,
                                                    double *eta_v, double *eta_b)
{
    AEDYN__REQUIRE_NONNULL(sgd);
    if (eta_w)
        *eta_w = sgd->eta_w;
    if (eta_v)
        *eta_v = sgd->eta_v;
    if (eta_b)
        *eta_b = sgd->eta_b;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_set_weight_decay(aedyn_sgd *sgd, double kappa)
{
    AEDYN__REQUIRE_NONNULL(sgd);
    if (!isfinite(kappa) || kappa < 0.0 || kappa >= (double)sgd->nv.D)
        return aedyn__fail(AEDYN_ERR_INVALID,
                           "aedyn_sgd_set_weight_decay: kappa must be finite, >= 0 and < D = %zu, "
                           "got %g", sgd->nv.D, kappa);
    sgd->kappa = kappa;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_get_weight_decay(const aedyn_sgd *sgd, double *kappa)
{
    AEDYN__REQUIRE_NONNULL(sgd);
    AEDYN__REQUIRE_NONNULL(kappa);
    *kappa = sgd->kappa;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_get_rule(const aedyn_sgd *sgd, aedyn_sgd_rule *rule)
{
    AEDYN__REQUIRE_NONNULL(sgd);
    AEDYN__REQUIRE_NONNULL(rule);
    *rule = sgd->rule;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_set_denoising(aedyn_sgd *sgd, double a, double sigma_n)
{
    static const char *fn = "aedyn_sgd_set_denoising";
    AEDYN__REQUIRE_NONNULL(sgd);
    if (!isfinite(a) || !isfinite(sigma_n) || sigma_n < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: need a finite and sigma_n finite and >= 0 "
                           "(got a = %g, sigma_n = %g)", fn, a, sigma_n);
    if (sgd->rule == AEDYN_SGD_SANGER && (a != 1.0 || sigma_n != 0.0))
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: Sanger's rule has no reconstruction "
                           "target to denoise", fn);
    sgd->a = a;
    sgd->sigma_n = sigma_n;
    (void)refresh(sgd);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_get_denoising(const aedyn_sgd *sgd, double *a, double *sigma_n)
{
    AEDYN__REQUIRE_NONNULL(sgd);
    if (a)
        *a = sgd->a;
    if (sigma_n)
        *sigma_n = sgd->sigma_n;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_set_skip_rate(aedyn_sgd *sgd, double eta_c)
{
    static const char *fn = "aedyn_sgd_set_skip_rate";
    AEDYN__REQUIRE_NONNULL(sgd);
    if (!sgd->nv.has_skip)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the network has no skip connection "
                           "(AEDYN_NET_SKIP)", fn);
    aedyn_status st = check_rate(fn, "eta_c", eta_c, false);
    if (st != AEDYN_OK)
        return st;
    sgd->eta_c = eta_c;
    sgd->eta_c_set = true;
    (void)refresh(sgd);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_get_skip_rate(const aedyn_sgd *sgd, double *eta_c)
{
    AEDYN__REQUIRE_NONNULL(sgd);
    AEDYN__REQUIRE_NONNULL(eta_c);
    *eta_c = !sgd->nv.has_skip ? 0.0 : sgd->eta_c_set ? sgd->eta_c : sgd->eta_v;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_set_schedule(aedyn_sgd *sgd, aedyn_schedule_target target,
                                              const aedyn_schedule *schedule)
{
    static const char *fn = "aedyn_sgd_set_schedule";
    AEDYN__REQUIRE_NONNULL(sgd);
    if ((unsigned)target >= AEDYN__N_TARGETS)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown target %d", fn, (int)target);
    if (schedule && target == AEDYN_SCHEDULE_SKIP_RATE && !sgd->nv.has_skip)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the network has no skip connection", fn);
    if (schedule && sgd->rule == AEDYN_SGD_SANGER &&
        (target == AEDYN_SCHEDULE_NOISE || target == AEDYN_SCHEDULE_INPUT_SCALE))
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: Sanger's rule has no reconstruction "
                           "target to denoise", fn);
    aedyn_schedule *copy = NULL;
    if (schedule) {
        const aedyn_status st = aedyn__schedule_copy(schedule, &copy);
        if (st != AEDYN_OK)
            return st;
    }
    aedyn_schedule_destroy(sgd->sched[target]);
    sgd->n_sched += (copy != NULL) - (sgd->sched[target] != NULL);
    sgd->sched[target] = copy;
    /* with schedules every step refreshes the values first (a bad value
     * shows there); without, the constants apply again */
    if (sgd->n_sched == 0)
        (void)refresh(sgd);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_get_schedule(const aedyn_sgd *sgd, aedyn_schedule_target target,
                                              const aedyn_schedule **schedule)
{
    AEDYN__REQUIRE_NONNULL(sgd);
    AEDYN__REQUIRE_NONNULL(schedule);
    if ((unsigned)target >= AEDYN__N_TARGETS)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_sgd_get_schedule: unknown target %d",
                           (int)target);
    *schedule = sgd->sched[target];
    return AEDYN_OK;
}

aedyn_status aedyn__sgd_copy_settings(aedyn_sgd *dst, const aedyn_sgd *src)
{
    aedyn_schedule *copy[AEDYN__N_TARGETS] = { NULL };
    for (int i = 0; i < AEDYN__N_TARGETS; i++)
        if (src->sched[i]) {
            const aedyn_status st = aedyn__schedule_copy(src->sched[i], &copy[i]);
            if (st != AEDYN_OK) {
                for (int j = 0; j < i; j++)
                    aedyn_schedule_destroy(copy[j]);
                return st;
            }
        }
    dst->eta_w = src->eta_w;
    dst->eta_v = src->eta_v;
    dst->eta_b = src->eta_b;
    dst->kappa = src->kappa;
    dst->a = src->a;
    dst->sigma_n = src->sigma_n;
    dst->eta_c = src->eta_c;
    dst->eta_c_set = src->eta_c_set;
    dst->n_sched = src->n_sched;
    for (int i = 0; i < AEDYN__N_TARGETS; i++) {
        aedyn_schedule_destroy(dst->sched[i]);
        dst->sched[i] = copy[i];
    }
    dst->steps = src->steps;
    memcpy(dst->cur, src->cur, sizeof dst->cur);
    return AEDYN_OK;
}

AEDYN_API const aedyn_net *aedyn_sgd_get_net(const aedyn_sgd *sgd) { return sgd ? sgd->net : NULL; }
AEDYN_API const aedyn_data *aedyn_sgd_get_data(const aedyn_sgd *sgd)
{
    return sgd ? sgd->data : NULL;
}

AEDYN_API uint64_t aedyn_sgd_get_n_steps(const aedyn_sgd *sgd) { return sgd ? sgd->steps : 0; }

AEDYN_API double aedyn_sgd_get_time(const aedyn_sgd *sgd)
{
    return sgd ? (double)sgd->steps / (double)sgd->nv.D : NAN;
}

/* ---- one step ------------------------------------------------------------------ */

/* Reductions with fixed sets of partial sums in 4-double vectors (GNU vector
 * extensions: AVX2 registers in the x86-64-v3 clone, SSE2 pairs otherwise),
 * so that the loops are bound by loads rather than by the latency of one
 * accumulator, and the summation order is fixed by this code. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi" /* the vector helpers are always inlined */
typedef double v4d_ __attribute__((vector_size(32)));
AEDYN_HOT_INLINE_ v4d_ load4(const double *p)
{
    v4d_ v;
    memcpy(&v, p, sizeof v);
    return v;
}
AEDYN_HOT_INLINE_ double hsum4(v4d_ v) { return (v[0] + v[2]) + (v[1] + v[3]); }

AEDYN_HOT_INLINE_ double dot(const double *restrict a, const double *restrict b, size_t n)
{
    v4d_ c0 = {0.0, 0.0, 0.0, 0.0}, c1 = c0, c2 = c0, c3 = c0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        c0 += load4(a + i) * load4(b + i);
        c1 += load4(a + i + 4) * load4(b + i + 4);
        c2 += load4(a + i + 8) * load4(b + i + 8);
        c3 += load4(a + i + 12) * load4(b + i + 12);
    }
    double s = 0.0;
    for (; i < n; i++)
        s += a[i] * b[i];
    return hsum4((c0 + c2) + (c1 + c3)) + s;
}

/* out[r] = A_r . x (length D) for rows A_r = A + r ld, r < K: four rows per
 * pass over x (two partial-sum vectors per row), single rows for the rest. */
AEDYN_HOT_INLINE_ void dots(const double *restrict A, size_t K, size_t ld, size_t D,
                            const double *restrict x, double *out)
{
    size_t r = 0;
    for (; r + 4 <= K; r += 4) {
        const double *a0 = A + r * ld, *a1 = a0 + ld, *a2 = a1 + ld, *a3 = a2 + ld;
        const v4d_ z = {0.0, 0.0, 0.0, 0.0};
        v4d_ c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z;
        double t[4] = {0.0, 0.0, 0.0, 0.0};
        size_t i = 0;
        for (; i + 8 <= D; i += 8) {
            const v4d_ x0 = load4(x + i), x1 = load4(x + i + 4);
            c0 += load4(a0 + i) * x0;
            c1 += load4(a1 + i) * x0;
            c2 += load4(a2 + i) * x0;
            c3 += load4(a3 + i) * x0;
            d0 += load4(a0 + i + 4) * x1;
            d1 += load4(a1 + i + 4) * x1;
            d2 += load4(a2 + i + 4) * x1;
            d3 += load4(a3 + i + 4) * x1;
        }
        for (; i < D; i++) {
            t[0] += a0[i] * x[i];
            t[1] += a1[i] * x[i];
            t[2] += a2[i] * x[i];
            t[3] += a3[i] * x[i];
        }
        out[r] = hsum4(c0 + d0) + t[0];
        out[r + 1] = hsum4(c1 + d1) + t[1];
        out[r + 2] = hsum4(c2 + d2) + t[2];
        out[r + 3] = hsum4(c3 + d3) + t[3];
    }
    for (; r < K; r++)
        out[r] = dot(A + r * ld, x, D);
}

/* Like dots(A, K, D, D, x, out), but first applies a deferred rank-one update
 * A_r <- (A_r + c_r P) * dec to each element as it streams through (P == NULL:
 * none). Same partial sums as dots(), so the fields are bit-identical to an
 * update applied earlier; the matrix is read and written once. */
AEDYN_HOT_INLINE_ void dots_apply(double *restrict A, size_t K, size_t D, const double *restrict x,
                                  double *out, const double *restrict P, const double *c,
                                  double dec)
{
    if (P == NULL) {
        dots(A, K, D, D, x, out);
        return;
    }
    const v4d_ z = {0.0, 0.0, 0.0, 0.0};
    size_t r = 0;
    for (; r + 4 <= K; r += 4) {
        double *a[4] = {A + r * D, A + (r + 1) * D, A + (r + 2) * D, A + (r + 3) * D};
        const double cr[4] = {c[r], c[r + 1], c[r + 2], c[r + 3]};
        v4d_ cc[4] = {z, z, z, z}, dd[4] = {z, z, z, z};
        double t[4] = {0.0, 0.0, 0.0, 0.0};
        size_t i = 0;
        for (; i + 8 <= D; i += 8) {
            const v4d_ x0 = load4(x + i), x1 = load4(x + i + 4);
            const v4d_ p0 = load4(P + i), p1 = load4(P + i + 4);
            for (int q = 0; q < 4; q++) {
                const v4d_ w0 = (load4(a[q] + i) + cr[q] * p0) * dec;
                const v4d_ w1 = (load4(a[q] + i + 4) + cr[q] * p1) * dec;
                memcpy(a[q] + i, &w0, sizeof w0);
                memcpy(a[q] + i + 4, &w1, sizeof w1);
                cc[q] += w0 * x0;
                dd[q] += w1 * x1;
            }
        }
        for (; i < D; i++)
            for (int q = 0; q < 4; q++) {
                a[q][i] = (a[q][i] + cr[q] * P[i]) * dec;
                t[q] += a[q][i] * x[i];
            }
        for (int q = 0; q < 4; q++)
            out[r + q] = hsum4(cc[q] + dd[q]) + t[q];
    }
    for (; r < K; r++) {
        double *restrict a = A + r * D;
        const double cr = c[r];
        v4d_ c0 = z, c1 = z, c2 = z, c3 = z;
        size_t i = 0;
        for (; i + 16 <= D; i += 16) {
            v4d_ w[4];
            for (int q = 0; q < 4; q++) {
                w[q] = (load4(a + i + 4 * q) + cr * load4(P + i + 4 * q)) * dec;
                memcpy(a + i + 4 * q, &w[q], sizeof w[q]);
            }
            c0 += w[0] * load4(x + i);
            c1 += w[1] * load4(x + i + 4);
            c2 += w[2] * load4(x + i + 8);
            c3 += w[3] * load4(x + i + 12);
        }
        double s = 0.0;
        for (; i < D; i++) {
            a[i] = (a[i] + cr * P[i]) * dec;
            s += a[i] * x[i];
        }
        out[r] = hsum4((c0 + c2) + (c1 + c3)) + s;
    }
}
#else
AEDYN_HOT_INLINE_ double dot(const double *restrict a, const double *restrict b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

AEDYN_HOT_INLINE_ void dots(const double *restrict A, size_t K, size_t ld, size_t D,
                            const double *restrict x, double *out)
{
    for (size_t r = 0; r < K; r++)
        out[r] = dot(A + r * ld, x, D);
}

AEDYN_HOT_INLINE_ void dots_apply(double *restrict A, size_t K, size_t D, const double *restrict x,
                                  double *out, const double *restrict P, const double *c,
                                  double dec)
{
    if (P != NULL)
        for (size_t r = 0; r < K; r++)
            for (size_t i = 0; i < D; i++)
                A[r * D + i] = (A[r * D + i] + c[r] * P[i]) * dec;
    dots(A, K, D, D, x, out);
}
#endif

static inline bool ok_value(double x) { return fabs(x) <= AEDYN_SGD_LIMIT_; } /* false for NaN */

/* Phase 1 for the rules with one error vector (vanilla): delta = x - V^T g,
 * vd_k = v^k . delta. Returns |delta|^2. */
AEDYN_HOT_INLINE_ double error_full(aedyn_sgd *s, const double *restrict x)
{
    /* In chunks that stay in L1: delta on the chunk from the K decoder rows,
     * then the chunk's share of v^k . delta while those rows are still there.
     * Chunk boundaries depend only on D, so the summation order is fixed. */
    enum { CHUNK = 256 };
    const aedyn__net_view *net = &s->nv;
    const size_t D = net->D, K = net->K;
    const size_t D2 = 2 * D;
    /* the error buffer the pending update (if any) does not use */
    s->delta = s->pend_v && s->dp == s->buf + D2 ? s->buf + 3 * D : s->buf + D2;
    double *restrict delta = s->delta, *restrict vd = s->vd, *restrict part = s->part;
    const double *restrict dp = s->pend_v ? s->dp : NULL;
    const double dec = s->decp;
    double err2 = 0.0;
    for (size_t k = 0; k < K; k++)
        vd[k] = 0.0;
    for (size_t i0 = 0; i0 < D; i0 += CHUNK) {
        const size_t n = D - i0 < CHUNK ? D - i0 : CHUNK;
        double *restrict dc = delta + i0;
        const double *restrict xc = x + i0;
        if (dp) /* the previous step's decoder update, on this chunk */
            for (size_t a = 0; a < K; a++) {
                double *restrict va = net->V + a * D + i0;
                const double ca = s->cv[a], *restrict dpc = dp + i0;
                AEDYN_SIMD_
                for (size_t i = 0; i < n; i++)
                    va[i] = (va[i] + ca * dpc[i]) * dec;
            }
        size_t a = 0;
        for (; a + 4 <= K; a += 4) { /* four decoder rows per pass over the chunk */
            const double *restrict v0 = net->V + a * D + i0, *restrict v1 = v0 + D,
                                   *restrict v2 = v1 + D, *restrict v3 = v2 + D;
            const double g0 = s->g[a], g1 = s->g[a + 1], g2 = s->g[a + 2], g3 = s->g[a + 3];
            if (a == 0) {
                AEDYN_SIMD_
                for (size_t i = 0; i < n; i++)
                    dc[i] = xc[i] - ((g0 * v0[i] + g1 * v1[i]) + (g2 * v2[i] + g3 * v3[i]));
            } else {
                AEDYN_SIMD_
                for (size_t i = 0; i < n; i++)
                    dc[i] -= (g0 * v0[i] + g1 * v1[i]) + (g2 * v2[i] + g3 * v3[i]);
            }
        }
        if (a == 0)
            memcpy(dc, xc, n * sizeof *dc);
        for (; a < K; a++) {
            const double ga = s->g[a], *restrict va = net->V + a * D + i0;
            AEDYN_SIMD_
            for (size_t i = 0; i < n; i++)
                dc[i] -= ga * va[i];
        }
        dots(net->V + i0, K, D, n, dc, part);
        for (size_t k = 0; k < K; k++)
            vd[k] += part[k];
        err2 += dot(dc, dc, n);
    }
    s->pend_v = false;
    return err2;
}

/* Phase 1 for the truncated rules: delta_k = x - sum_{a<=k} c_a v^a with
 * c = g (truncated) or lambda (Sanger); vd_k = v^k . delta_k. Returns the
 * largest |delta_k|^2. */
AEDYN_HOT_INLINE_ double error_truncated(const aedyn_sgd *s, const double *restrict x, const double *c)
{
    const aedyn__net_view *net = &s->nv;
    const size_t D = net->D, K = net->K;
    double *restrict r = s->delta, worst = 0.0;
    memcpy(r, x, D * sizeof *r);
    for (size_t k = 0; k < K; k++) {
        const double ck = c[k], *restrict vk = net->V + k * D;
        double p = 0.0, r2 = 0.0;
        for (size_t i = 0; i < D; i++) {
            const double ri = r[i] - ck * vk[i];
            r[i] = ri;
            p += vk[i] * ri;
            r2 += ri * ri;
        }
        s->vd[k] = p;
        worst = fmax(worst, r2); /* fmax ignores a NaN argument: check r2 too */
        if (!(r2 <= AEDYN_SGD_LIMIT_ * AEDYN_SGD_LIMIT_))
            worst = r2;
    }
    return worst;
}

static aedyn_status diverged(const aedyn_sgd *s, const char *what)
{
    return aedyn__fail(AEDYN_ERR_DIVERGED,
                       "aedyn_sgd_step: step %llu diverged (%s non-finite or above 1e150); "
                       "weights of the last good step kept",
                       (unsigned long long)s->steps + 1, what);
}

/* Apply the deferred rank-one updates, if any (see sgd-private.h), rounding
 * exactly as the fused passes that otherwise apply them. */
AEDYN__CLONES static void flush(aedyn_sgd *s)
{
    const aedyn__net_view *net = &s->nv;
    const size_t D = net->D, K = net->K;
    const double dec = s->decp;
    for (size_t k = 0; k < K && s->pend_w; k++) {
        double *restrict w = net->W + k * D;
        const double c = s->cw[k], *restrict xp = s->xp;
        for (size_t i = 0; i < D; i++)
            w[i] = (w[i] + c * xp[i]) * dec;
    }
    for (size_t k = 0; k < K && s->pend_v; k++) {
        double *restrict v = net->V + k * D;
        const double c = s->cv[k], *restrict dp = s->dp;
        for (size_t i = 0; i < D; i++)
            v[i] = (v[i] + c * dp[i]) * dec;
    }
    s->pend_w = s->pend_v = false;
}

/* One step on input x (the fields' input), fitting the target y (x itself
 * for the plain autoencoder; x - c xtilde for a denoising one, x the noisy
 * input). x must stay untouched until the next step or flush() (it may be
 * the pending update's input); y is not read after the call. Leaves the
 * untied rank-one updates pending; on failure nothing is pending and the
 * network is that of the last good step. */
AEDYN__CLONES static aedyn_status step_on(aedyn_sgd *s, const double *restrict x,
                                          const double *restrict y)
{
    const aedyn__net_view *net = &s->nv;
    const size_t D = net->D, K = net->K;
    const double Dd = (double)D, isD = 1.0 / sqrt(Dd);
    const bool tied = net->tied, bias = net->has_bias;
    const bool sanger = s->rule == AEDYN_SGD_SANGER, trunc = s->rule != AEDYN_SGD_VANILLA;
    const aedyn_net_activation act = net->act;

    /* phase 1: the previous step's encoder update (if pending) and the
     * fields; then everything the update needs, nothing else written */
    dots_apply(net->W, K, D, x, s->lam, s->pend_w ? s->xp : NULL, s->cw, s->decp);
    s->pend_w = false;
    for (size_t k = 0; k < K; k++) {
        const double l = s->lam[k] * isD + net->bias[k];
        s->lam[k] = l;
        s->g[k] = aedyn__act_g(act, l);
        s->dg[k] = aedyn__act_dg(act, l);
        if (!ok_value(l)) {
            flush(s);
            return diverged(s, "a local field");
        }
    }
    const double err2 = trunc ? error_truncated(s, y, sanger ? s->lam : s->g) : error_full(s, y);
    if (!(err2 <= AEDYN_SGD_LIMIT_ * AEDYN_SGD_LIMIT_))
        return diverged(s, "the reconstruction error");
    for (size_t k = 0; k < K; k++)
        if (!ok_value(s->vd[k]))
            return diverged(s, "an update coefficient");
    /* the skip: dc = (eta_c/D) (delta . xtilde)/D, delta the full error */
    const double ec = s->cur[AEDYN_SCHEDULE_SKIP_RATE];
    const double dskip = ec != 0.0 ? ec / Dd * dot(s->delta, x, D) / Dd : 0.0;
    if (!ok_value(dskip) || !ok_value(*net->skip + dskip))
        return diverged(s, "the skip weight's update");

    /* phase 2: the update, with the weight decay */
    const double dec = 1.0 - s->kappa / Dd;
    const double ew = s->cur[AEDYN_SCHEDULE_ENCODER_RATE] / Dd;
    const double ev = s->cur[AEDYN_SCHEDULE_DECODER_RATE] / Dd;
    const double eb = s->cur[AEDYN_SCHEDULE_BIAS_RATE] / Dd;
    *net->skip += dskip;
    double *restrict r = s->delta;
    if (trunc)
        memcpy(r, y, D * sizeof *r);
    for (size_t k = 0; k < K; k++) {
        double *restrict w = net->W + k * D;
        double cv, cx; /* coefficients of delta_k and of x */
        if (sanger) {
            cv = ew / Dd * s->lam[k];
            cx = 0.0;
        } else if (tied) {
            cv = ew * s->g[k];
            cx = ew * s->dg[k] * s->vd[k] * isD;
        } else {
            cv = ev * s->g[k];
            cx = ew * s->dg[k] * (s->vd[k] / Dd) * isD;
        }
        if (bias)
            net->bias[k] += eb * s->dg[k] * s->vd[k] / Dd;
        if (tied) {
            if (trunc) {
                const double ck = sanger ? s->lam[k] : s->g[k];
                AEDYN_SIMD_
                for (size_t i = 0; i < D; i++) {
                    const double wi = w[i], ri = r[i] - ck * wi;
                    r[i] = ri;
                    w[i] = (wi + cv * ri + cx * x[i]) * dec;
                }
            } else {
                AEDYN_SIMD_
                for (size_t i = 0; i < D; i++)
                    w[i] = (w[i] + cv * r[i] + cx * x[i]) * dec;
            }
            continue;
        }
        s->cw[k] = cx; /* untied encoder: deferred */
        if (trunc) {
            double *restrict v = net->V + k * D;
            const double ck = s->g[k];
            AEDYN_SIMD_
            for (size_t i = 0; i < D; i++) {
                const double ri = r[i] - ck * v[i];
                r[i] = ri;
                v[i] = (v[i] + cv * ri) * dec;
            }
        } else {
            s->cv[k] = cv; /* vanilla decoder: deferred */
        }
    }
    if (!tied) {
        s->pend_w = true;
        s->xp = x;
        s->pend_v = !trunc;
        s->dp = s->delta;
        s->decp = dec;
    }
    s->steps++;
    return AEDYN_OK;
}

/* The input of a denoising step: xt = a x + sigma_n xi (xi fresh from the
 * trainer's generator), then x <- x - c xt, the target. */
static void corrupt(aedyn_sgd *s, double *restrict x, double *restrict xt)
{
    const size_t D = s->nv.D;
    const double a = s->cur[AEDYN_SCHEDULE_INPUT_SCALE], sn = s->cur[AEDYN_SCHEDULE_NOISE];
    const double c = *s->nv.skip;
    if (sn != 0.0)
        for (size_t i = 0; i < D; i++)
            xt[i] = a * x[i] + sn * aedyn__rng_normal(s->rng);
    else
        for (size_t i = 0; i < D; i++)
            xt[i] = a * x[i];
    if (c != 0.0)
        for (size_t i = 0; i < D; i++)
            x[i] -= c * xt[i];
}

/* The noisy-input buffer the pending update does not use. */
static double *noisy_buffer(aedyn_sgd *s)
{
    double *b = s->buf + 4 * s->nv.D;
    return s->pend_w && s->xp == b ? b + s->nv.D : b;
}

AEDYN_API aedyn_status aedyn_sgd_step(aedyn_sgd *sgd, uint64_t n)
{
    AEDYN__REQUIRE_NONNULL(sgd);
    const size_t D = sgd->nv.D;
    const bool dae = denoising(sgd);
    aedyn_status st = AEDYN_OK;
    for (uint64_t i = 0; i < n && st == AEDYN_OK; i++) {
        if (sgd->n_sched && (st = refresh(sgd)) != AEDYN_OK)
            break;
        if (dae) { /* the pending update's input is a noisy buffer */
            double *x = sgd->buf, *xt = noisy_buffer(sgd);
            st = aedyn__data_sample1(sgd->data, sgd->rng, x, sgd->scratch);
            if (st == AEDYN_OK) {
                corrupt(sgd, x, xt);
                st = step_on(sgd, xt, x);
            }
            continue;
        }
        /* the input buffer the pending update does not use */
        double *x = sgd->pend_w && sgd->xp == sgd->buf ? sgd->buf + D : sgd->buf;
        st = aedyn__data_sample1(sgd->data, sgd->rng, x, sgd->scratch);
        if (st == AEDYN_OK)
            st = step_on(sgd, x, x);
    }
    flush(sgd);
    return st;
}

AEDYN_API aedyn_status aedyn_sgd_step_input(aedyn_sgd *sgd, const double *x)
{
    AEDYN__REQUIRE_NONNULL(sgd);
    AEDYN__REQUIRE_NONNULL(x);
    aedyn_status st = sgd->n_sched ? refresh(sgd) : AEDYN_OK;
    if (st != AEDYN_OK)
        return st;
    if (denoising(sgd)) {
        double *y = sgd->buf, *xt = noisy_buffer(sgd);
        memcpy(y, x, sgd->nv.D * sizeof *y);
        corrupt(sgd, y, xt);
        st = step_on(sgd, xt, y);
    } else {
        st = step_on(sgd, x, x);
    }
    flush(sgd);
    return st;
}
