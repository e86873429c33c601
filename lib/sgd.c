/* Online SGD trainers (include/aedyn/aedyn-sgd.h): vanilla, truncated and
 * Sanger's rule, untied or tied, with separate learning rates and weight decay.
 *
 * A step is two phases so that a diverging step changes nothing:
 *  1. read-only: fields lambda, g, g', the reconstruction error (for the
 *     vanilla rule into the delta buffer; for the truncated rules as running
 *     residuals) and the projections v^k . delta_k; every quantity the update
 *     uses is checked to be finite and below AEDYN_SGD_LIMIT_ in magnitude;
 *  2. the update, fused with the weight decay, one pass per unit.
 * The hot loops are plain array loops with `omp simd` reductions (compiled
 * with -fopenmp-simd, no OpenMP runtime), so their summation order is fixed
 * by the build: the same seed gives bit-identical weights. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "data-private.h"
#include "net-private.h"
#include "sgd-private.h"

#define AEDYN_SGD_LIMIT_ 1e150

#if defined(AEDYN_HAVE_OMP_SIMD)
#define AEDYN_PRAGMA_(x) _Pragma(#x)
#define AEDYN_SIMD_REDUCE_(...) AEDYN_PRAGMA_(omp simd reduction(+ : __VA_ARGS__))
#define AEDYN_SIMD_ AEDYN_PRAGMA_(omp simd)
#else
#define AEDYN_SIMD_REDUCE_(...)
#define AEDYN_SIMD_
#endif

/* ---- lifecycle ---------------------------------------------------------------- */

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
    AEDYN_REQUIRE_NONNULL(out);
    AEDYN_REQUIRE_NONNULL(net);
    AEDYN_REQUIRE_NONNULL(data);
    AEDYN_REQUIRE_NONNULL(rng);
    if (net->D != data->D)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: network has D = %zu but data has D = %zu", fn,
                           net->D, data->D);
    if ((unsigned)rule > (unsigned)AEDYN_SGD_SANGER)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown rule %d", fn, (int)rule);
    aedyn_status st = check_rate(fn, "learning rate", lr, true);
    if (st != AEDYN_OK)
        return st;
    if (rule == AEDYN_SGD_SANGER &&
        (net->act != AEDYN_ACT_LINEAR || !aedyn__net_tied(net) || aedyn__net_has_bias(net)))
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED,
                           "%s: Sanger's rule needs a linear, tied network without bias", fn);
    aedyn_sgd *s = calloc(1, sizeof *s);
    if (!s)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    const size_t D = net->D, K = net->K;
    s->x = aedyn__calloc(2 * D, sizeof *s->x);
    s->lam = aedyn__calloc(4 * K, sizeof *s->lam);
    if (!s->x || !s->lam) {
        aedyn_sgd_destroy(s);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    s->delta = s->x + D;
    s->g = s->lam + K;
    s->dg = s->lam + 2 * K;
    s->vd = s->lam + 3 * K;
    s->net = net;
    s->data = data;
    s->rng = rng;
    s->rule = rule;
    s->eta_w = s->eta_v = s->eta_b = lr;
    *out = s;
    return AEDYN_OK;
}

AEDYN_API void aedyn_sgd_destroy(aedyn_sgd *sgd)
{
    if (!sgd)
        return;
    free(sgd->x);
    free(sgd->lam);
    free(sgd);
}

AEDYN_API aedyn_status aedyn_sgd_set_learning_rates(aedyn_sgd *sgd, double eta_w, double eta_v,
                                                    double eta_b)
{
    static const char *fn = "aedyn_sgd_set_learning_rates";
    AEDYN_REQUIRE_NONNULL(sgd);
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
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_get_learning_rates(const aedyn_sgd *sgd, double *eta_w,
                                                    double *eta_v, double *eta_b)
{
    AEDYN_REQUIRE_NONNULL(sgd);
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
    AEDYN_REQUIRE_NONNULL(sgd);
    if (!isfinite(kappa) || kappa < 0.0 || kappa >= (double)sgd->net->D)
        return aedyn__fail(AEDYN_ERR_INVALID,
                           "aedyn_sgd_set_weight_decay: kappa must be finite, >= 0 and < D = %zu, "
                           "got %g", sgd->net->D, kappa);
    sgd->kappa = kappa;
    return AEDYN_OK;
}

AEDYN_API uint64_t aedyn_sgd_steps(const aedyn_sgd *sgd) { return sgd ? sgd->steps : 0; }

AEDYN_API double aedyn_sgd_time(const aedyn_sgd *sgd)
{
    return sgd ? (double)sgd->steps / (double)sgd->net->D : NAN;
}

/* ---- one step ------------------------------------------------------------------ */

static inline double dot(const double *restrict a, const double *restrict b, size_t n)
{
    double s = 0.0;
    AEDYN_SIMD_REDUCE_(s)
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static inline bool ok_value(double x) { return fabs(x) <= AEDYN_SGD_LIMIT_; } /* false for NaN */

/* Phase 1 for the rules with one error vector (vanilla): delta = x - V^T g,
 * vd_k = v^k . delta. Returns |delta|^2. */
static double error_full(const aedyn_sgd *s, const double *restrict x)
{
    const aedyn_net *net = s->net;
    const size_t D = net->D, K = net->K;
    double *restrict delta = s->delta;
    memcpy(delta, x, D * sizeof *delta);
    for (size_t a = 0; a < K; a++) {
        const double ga = s->g[a], *restrict va = net->V + a * D;
        AEDYN_SIMD_
        for (size_t i = 0; i < D; i++)
            delta[i] -= ga * va[i];
    }
    for (size_t k = 0; k < K; k++)
        s->vd[k] = dot(net->V + k * D, delta, D);
    return dot(delta, delta, D);
}

/* Phase 1 for the truncated rules: delta_k = x - sum_{a<=k} c_a v^a with
 * c = g (truncated) or lambda (Sanger); vd_k = v^k . delta_k. Returns the
 * largest |delta_k|^2. */
static double error_truncated(const aedyn_sgd *s, const double *restrict x, const double *c)
{
    const aedyn_net *net = s->net;
    const size_t D = net->D, K = net->K;
    double *restrict r = s->delta, worst = 0.0;
    memcpy(r, x, D * sizeof *r);
    for (size_t k = 0; k < K; k++) {
        const double ck = c[k], *restrict vk = net->V + k * D;
        double p = 0.0, r2 = 0.0;
        AEDYN_SIMD_REDUCE_(p, r2)
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

/* One step on input x (which may alias s->x). */
static aedyn_status step_on(aedyn_sgd *s, const double *restrict x)
{
    aedyn_net *net = s->net;
    const size_t D = net->D, K = net->K;
    const double Dd = (double)D, isD = 1.0 / sqrt(Dd);
    const bool tied = aedyn__net_tied(net), bias = aedyn__net_has_bias(net);
    const bool sanger = s->rule == AEDYN_SGD_SANGER, trunc = s->rule != AEDYN_SGD_VANILLA;
    const aedyn_activation act = net->act;

    /* phase 1: everything the update needs, nothing written to the network */
    for (size_t k = 0; k < K; k++) {
        const double l = dot(net->W + k * D, x, D) * isD + net->bias[k];
        s->lam[k] = l;
        s->g[k] = aedyn__act_g(act, l);
        s->dg[k] = aedyn__act_dg(act, l);
        if (!ok_value(l))
            return diverged(s, "a local field");
    }
    const double err2 = trunc ? error_truncated(s, x, sanger ? s->lam : s->g) : error_full(s, x);
    if (!(err2 <= AEDYN_SGD_LIMIT_ * AEDYN_SGD_LIMIT_))
        return diverged(s, "the reconstruction error");
    for (size_t k = 0; k < K; k++)
        if (!ok_value(s->vd[k]))
            return diverged(s, "an update coefficient");

    /* phase 2: the update, fused with the weight decay */
    const double dec = 1.0 - s->kappa / Dd;
    const double ew = s->eta_w / Dd, ev = s->eta_v / Dd;
    double *restrict r = s->delta;
    if (trunc)
        memcpy(r, x, D * sizeof *r);
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
            net->bias[k] += s->eta_b / Dd * s->dg[k] * s->vd[k] / Dd;
        if (tied && trunc) {
            const double ck = sanger ? s->lam[k] : s->g[k];
            AEDYN_SIMD_
            for (size_t i = 0; i < D; i++) {
                const double wi = w[i], ri = r[i] - ck * wi;
                r[i] = ri;
                w[i] = (wi + cv * ri + cx * x[i]) * dec;
            }
        } else if (tied) {
            AEDYN_SIMD_
            for (size_t i = 0; i < D; i++)
                w[i] = (w[i] + cv * r[i] + cx * x[i]) * dec;
        } else {
            double *restrict v = net->V + k * D;
            if (trunc) {
                const double ck = s->g[k];
                AEDYN_SIMD_
                for (size_t i = 0; i < D; i++) {
                    const double ri = r[i] - ck * v[i];
                    r[i] = ri;
                    v[i] = (v[i] + cv * ri) * dec;
                }
            } else {
                AEDYN_SIMD_
                for (size_t i = 0; i < D; i++)
                    v[i] = (v[i] + cv * r[i]) * dec;
            }
            AEDYN_SIMD_
            for (size_t i = 0; i < D; i++)
                w[i] = (w[i] + cx * x[i]) * dec;
        }
    }
    s->steps++;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_step(aedyn_sgd *sgd, uint64_t n)
{
    AEDYN_REQUIRE_NONNULL(sgd);
    for (uint64_t i = 0; i < n; i++) {
        aedyn__data_sample1(sgd->data, sgd->rng, sgd->x);
        aedyn_status st = step_on(sgd, sgd->x);
        if (st != AEDYN_OK)
            return st;
    }
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_sgd_step_input(aedyn_sgd *sgd, const double *x)
{
    AEDYN_REQUIRE_NONNULL(sgd);
    AEDYN_REQUIRE_NONNULL(x);
    return step_on(sgd, x);
}
