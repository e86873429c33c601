/* The analysis module (include/aedyn/aedyn-analysis.h; docs/theory.md
 * section 11): fixed points of the learning ODEs by a globalised Newton
 * method on the reduced state, their stability, runaways, and the plateaus
 * of a trajectory with predicted escape times.
 *
 * It sits on top of the ODE and reads it only through ode-internal.h: the
 * right-hand side f, the structured Jacobian assembled dense, the error and
 * the order parameters at states of its own.
 *
 * The reduced state is the dynamic part of the ODE's state: the encoder and
 * decoder components on every mode, the biases when they are trained, the
 * skip weight when there is one (untrained biases have f = 0 identically
 * and are left out). Newton works there with minimum-norm Gauss-Newton steps
 * (truncated SVD of J) inside a trust region, whose radius is enforced by a
 * Levenberg-Marquardt parameter: near a manifold of fixed points (the
 * symmetries) the steps land on its nearest point and converge
 * quadratically; far from one they cannot run off. */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "linalg-internal.h"
#include "ode-internal.h"

#define RCOND_ 1e-9          /* singular values below this x the largest are null */
#define FLOOR_ 1e-6          /* component scale of the relative residual (see rel_residual) */
/* eigenvalues within this (relative) of lambda_u share its eigenspace: over
 * the <= 40 e-foldings of an escape they grow alike (e^0.04), and equal units
 * in a gauge that mixes them split a multiple eigenvalue by ~1e-6 */
#define CLUSTER_ 1e-3
#define SCALE_FLOOR_ 1e-3    /* Newton's variable scales: at least this x the largest */
#define RUNAWAY_GROWTH_ 1e4  /* Newton stops when |x| grows by this factor */
#define MAX_TRIALS_ 60       /* trust-region trials per iteration */
#define RING_ 8              /* steps kept for the runaway test */
#define MAX_ITER_LIMIT_ 10000u
#define MAX_SAMPLES_STATE_ ((size_t)1 << 23)

typedef struct {
    double v[AEDYN_ANALYSIS_PLATEAU_MIN_SPEED + 1];
} plateau_rec;

struct aedyn_analysis {
    aedyn_ode *ode;
    size_t N, n, K, P, D;  /* state, reduced state, units, modes, input dimension */
    size_t *idx;           /* n: the state index of each reduced variable */
    aedyn__ode_jac *jac;
    double tol_res, tol_neutral, theta;
    size_t max_iter;
    /* results */
    aedyn_analysis_outcome outcome;
    size_t n_iter;
    double *hist;          /* max_iter + 1 relative residuals */
    double *xnorm, *fnorm; /* max_iter + 1: |x|, |f| of the iterates (reduced) */
    double *ystar;         /* N: the analysed state */
    double *dir;           /* N: the unit direction (reduced entries) */
    bool has_dir;
    double *wr, *wi;       /* n eigenvalues, decreasing real part */
    size_t n_unstable, n_neutral, n_stable, n_sym, mult;
    double lambda_u;
    double *Ru, *Lu;       /* m x n row-major: the unstable eigenspace, right and left */
    double *Cinv;          /* m x m row-major: (Lu Ru^T)^-1 */
    size_t m_u;            /* its real dimension (0: nothing unstable) */
    /* workspace */
    double *Jf;            /* N x N */
    double *Ja, *A1, *A2, *A3; /* n x n */
    double *Tg, *Ts, *Tu;  /* the symmetry generators (K^2 x n), their SVD's s, U */
    double *Qt;            /* d x n: orthonormal basis of the orbit's tangent space */
    double *Lie;           /* K^2 x K^2: a basis of the symmetry's Lie algebra */
    size_t d;              /* its dimension */
    double *sv, *g;        /* n */
    double *dsc;           /* n: Newton's variable scaling (Jacobian column norms) */
    double *x, *xt, *f, *ft, *p, *q, *r; /* N */
    double *ring;          /* RING_ x n: the last unit steps */
    size_t *perm;          /* n */
    bool *sym;             /* n: eigenvalue is a deflated symmetry direction */
    /* plateaus */
    plateau_rec *pl;
    size_t n_pl;
};

/* ---- small helpers ---------------------------------------------------------- */

static double norm_red(const aedyn_analysis *an, const double *x)
{
    double s = 0.0;
    for (size_t i = 0; i < an->n; i++)
        s += x[an->idx[i]] * x[an->idx[i]];
    return sqrt(s);
}

static bool ready(const aedyn_analysis *an, const char *fn, aedyn_status *st)
{
    if (an->outcome == AEDYN_ANALYSIS_NONE) {
        *st = aedyn__fail(AEDYN_ERR_INVALID, "%s: nothing analysed yet (call "
                          "aedyn_analysis_fixed_point or aedyn_analysis_linearise first)", fn);
        return false;
    }
    return true;
}

/* The ODE can be analysed now: autonomous, finite state. */
static aedyn_status check_ode(aedyn_analysis *an, const char *fn)
{
    const aedyn__ode_view v = aedyn__ode_get_view(an->ode);
    if (v.n_schedules)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the ODE has %zu schedule%s attached: its "
                           "dynamics depend on time, so it has no fixed points to analyse",
                           fn, v.n_schedules, v.n_schedules == 1 ? "" : "s");
    if (!aedyn__all_finite(v.y, v.n_state))
        return aedyn__fail(AEDYN_ERR_DIVERGED, "%s: the ODE's state at t = %g is not finite", fn,
                           v.t);
    return AEDYN_OK;
}

/* f at x (state layout), finite. */
static aedyn_status eval(aedyn_analysis *an, const double *x, double *f)
{
    aedyn_status st = aedyn__ode_eval(an->ode, x, f);
    if (st == AEDYN_OK && !aedyn__all_finite(f, an->N))
        st = aedyn__fail(AEDYN_ERR_DIVERGED, "the right-hand side is not finite");
    return st;
}

/* Ja (n x n, reduced) = the Jacobian at x. */
static aedyn_status jacobian(aedyn_analysis *an, const double *x)
{
    aedyn_status st = aedyn__ode_jac_dense(an->ode, an->jac, x, an->Jf);
    if (st)
        return st;
    const size_t n = an->n, N = an->N;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            an->Ja[i * n + j] = an->Jf[an->idx[i] * N + an->idx[j]];
    return AEDYN_OK;
}

/* |f| / | |J| max(|x|, FLOOR_) |: the residual against the size of the terms
 * that cancel in f (f_i = sum_j J_ij x_j for the part of f that is linear
 * in each mode). The floor keeps it meaningful near the origin, where every
 * term vanishes with x: a fixed point whose components are all below 1e-6
 * is the origin. */
static double rel_residual(const aedyn_analysis *an, const double *x, const double *f)
{
    const size_t n = an->n;
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double fi = f[an->idx[i]];
        num += fi * fi;
        double s = 0.0;
        for (size_t j = 0; j < n; j++)
            s += fabs(an->Ja[i * n + j]) * fmax(fabs(x[an->idx[j]]), FLOOR_);
        den += s * s;
    }
    if (num == 0.0)
        return 0.0;
    return den > 0.0 ? sqrt(num / den) : INFINITY;
}

/* The order parameters' derivative along the unit vector d (state layout)
 * at y: (m(y + d) - m(y - d)) / 2, exact for the quadratic m. */
static aedyn_status op_derivative(aedyn_analysis *an, const double *y, const double *d,
                                  double *dQ, double *dR, double *dT, double *dT0)
{
    const size_t K = an->K, KK = K * K, N = an->N;
    double *mp = calloc(8 * KK, sizeof *mp);
    double *yp = aedyn__calloc(N, sizeof *yp);
    if (!mp || !yp) {
        free(mp);
        free(yp);
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_analysis_get_direction: out of memory");
    }
    double *mm = mp + 4 * KK;
    aedyn_status st = AEDYN_OK;
    for (int s = 0; s < 2 && !st; s++) {
        double *m = s ? mm : mp;
        for (size_t i = 0; i < N; i++)
            yp[i] = y[i] + (s ? -d[i] : d[i]);
        st = aedyn__ode_order_params_at(an->ode, yp, m, m + KK, m + 2 * KK, m + 3 * KK);
    }
    if (!st) {
        double *out[4] = { dQ, dR, dT, dT0 };
        for (int q = 0; q < 4; q++)
            if (out[q])
                for (size_t i = 0; i < KK; i++)
                    out[q][i] = 0.5 * (mp[q * KK + i] - mm[q * KK + i]);
    }
    free(mp);
    free(yp);
    return st;
}

/* ---- lifecycle ---------------------------------------------------------------- */

static void free_results(aedyn_analysis *an)
{
    free(an->Ru); /* Lu and Cinv live in the same block */
    an->Ru = an->Lu = an->Cinv = NULL;
    an->m_u = 0;
}

AEDYN_API void aedyn_analysis_destroy(aedyn_analysis *an)
{
    if (!an)
        return;
    aedyn__ode_jac_destroy(an->jac);
    free_results(an);
    free(an->idx);
    free(an->hist);
    free(an->ystar);
    free(an->Jf); /* Ja, A1, A2, A3, Tg, Ts, Tu, Qt in the same block */
    free(an->sv); /* g, wr, wi too */
    free(an->ring);
    free(an->perm);
    free(an->sym);
    free(an->pl);
    free(an);
}

static aedyn_status alloc_history(aedyn_analysis *an, size_t max_iter)
{
    double *h = aedyn__calloc(3 * (max_iter + 1), sizeof *h);
    if (!h)
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_analysis: out of memory for %zu iterations",
                           max_iter);
    free(an->hist);
    an->hist = h;
    an->xnorm = h + max_iter + 1;
    an->fnorm = an->xnorm + max_iter + 1;
    an->max_iter = max_iter;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_create(aedyn_analysis **out, aedyn_ode *ode)
{
    static const char *fn = "aedyn_analysis_create";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(ode);
    const aedyn__ode_view v = aedyn__ode_get_view(ode);
    if (v.n_state > AEDYN_ANALYSIS_MAX_STATE)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the ODE's state has %zu numbers (%zu "
                           "modes, K = %zu); the analysis takes at most %u (its Jacobian and "
                           "eigenvectors are dense)", fn, v.n_state, v.P, v.K,
                           AEDYN_ANALYSIS_MAX_STATE);
    aedyn_analysis *an = calloc(1, sizeof *an);
    if (!an)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    an->ode = ode;
    an->N = v.n_state;
    an->K = v.K;
    an->P = v.P;
    an->D = v.D;
    an->tol_res = 1e-12;
    an->tol_neutral = 1e-8;
    an->theta = 0.1;
    an->lambda_u = NAN;
    const size_t N = an->N, K = v.K, P = v.P;
    an->idx = aedyn__calloc(N + 1, sizeof *an->idx);
    aedyn_status st = AEDYN_OK;
    if (!an->idx) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    size_t n = 0;
    for (size_t i = 0; i < 2 * P * K; i++)
        an->idx[n++] = i;
    for (size_t k = 0; k < K && v.has_bias; k++)
        an->idx[n++] = 2 * P * K + k;
    if (v.has_skip)
        an->idx[n++] = 2 * P * K + K;
    an->n = n;
    an->ystar = aedyn__calloc(9 * N + 2, sizeof *an->ystar);
    const size_t KK = K * K;
    an->Jf = aedyn__calloc(N * N + 4 * n * n + 2 * KK * n + 2 * KK * KK + 7 * KK + n + 1,
                           sizeof *an->Jf);
    an->sv = aedyn__calloc(5 * n + 1, sizeof *an->sv);
    an->ring = aedyn__calloc(RING_ * n + 1, sizeof *an->ring);
    an->perm = aedyn__calloc(n + 1, sizeof *an->perm);
    an->sym = aedyn__calloc(n + 1, sizeof *an->sym);
    if (!an->ystar || !an->Jf || !an->sv || !an->ring || !an->perm || !an->sym) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory for a state of %zu", fn, N);
        goto fail;
    }
    an->dir = an->ystar + N;
    an->x = an->dir + N;
    an->xt = an->x + N;
    an->f = an->xt + N;
    an->ft = an->f + N;
    an->p = an->ft + N;
    an->q = an->p + N;
    an->r = an->q + N;
    an->Ja = an->Jf + N * N;
    an->A3 = an->Ja + n * n;
    an->A1 = an->A3 + n * n;
    an->A2 = an->A1 + n * n;
    an->Tg = an->A2 + n * n;
    an->Qt = an->Tg + KK * n;
    an->Tu = an->Qt + KK * n;
    an->Lie = an->Tu + KK * KK;
    an->Ts = an->Lie + KK * KK; /* then KK + n for the singular values and 6 KK scratch */
    an->g = an->sv + n;
    an->dsc = an->g + 3 * n;
    an->wr = an->g + n;
    an->wi = an->wr + n;
    if ((st = alloc_history(an, 100)) || (st = aedyn__ode_jac_create(ode, &an->jac)))
        goto fail;
    *out = an;
    return AEDYN_OK;
fail:
    aedyn_analysis_destroy(an);
    return st;
}

AEDYN_API aedyn_status aedyn_analysis_set_tolerances(aedyn_analysis *an, double residual,
                                                     double neutral)
{
    AEDYN__REQUIRE_NONNULL(an);
    if (!(residual > 0.0 && residual < 1.0 && neutral > 0.0 && neutral < 1.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_analysis_set_tolerances: need residual and "
                           "neutral tolerances in (0, 1), got %g and %g", residual, neutral);
    an->tol_res = residual;
    an->tol_neutral = neutral;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_get_tolerances(const aedyn_analysis *an, double *residual,
                                                     double *neutral)
{
    AEDYN__REQUIRE_NONNULL(an);
    if (residual)
        *residual = an->tol_res;
    if (neutral)
        *neutral = an->tol_neutral;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_set_max_iterations(aedyn_analysis *an, size_t n)
{
    AEDYN__REQUIRE_NONNULL(an);
    if (n < 1 || n > MAX_ITER_LIMIT_)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_analysis_set_max_iterations: n must be in "
                           "[1, %u], got %zu", MAX_ITER_LIMIT_, n);
    if (n == an->max_iter)
        return AEDYN_OK;
    /* the last search's history goes with the old buffer */
    const aedyn_status st = alloc_history(an, n);
    if (st == AEDYN_OK && an->n_iter > n)
        an->n_iter = n;
    return st;
}

AEDYN_API aedyn_status aedyn_analysis_get_max_iterations(const aedyn_analysis *an, size_t *n)
{
    AEDYN__REQUIRE_NONNULL(an);
    AEDYN__REQUIRE_NONNULL(n);
    *n = an->max_iter;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_set_plateau_threshold(aedyn_analysis *an, double theta)
{
    AEDYN__REQUIRE_NONNULL(an);
    if (!(theta > 0.0 && theta < 1.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_analysis_set_plateau_threshold: theta must "
                           "be in (0, 1), got %g", theta);
    an->theta = theta;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_get_plateau_threshold(const aedyn_analysis *an,
                                                            double *theta)
{
    AEDYN__REQUIRE_NONNULL(an);
    AEDYN__REQUIRE_NONNULL(theta);
    *theta = an->theta;
    return AEDYN_OK;
}

/* The symmetries of the fixed points (docs/theory.md section 11): a group
 * acting on each mode as w_tau -> A w_tau, s_tau -> A^-T s_tau, and on the
 * biases as beta -> A beta:
 *  - a linear network without weight decay: every A in GL(K) (vanilla), or
 *    the diagonal ones (truncated: only rescalings keep every partial
 *    reconstruction sum_{a <= k} v^a g(lambda^a));
 *  - a linear network with weight decay, vanilla: the rotations;
 *  - ReLU without weight decay: positive rescalings of each unit (w and
 *    beta times c, v over c; relu(c x) = c relu(x)).
 * Writes a basis of its Lie algebra (K x K row-major matrices) into X and
 * returns their number (0: no continuous symmetry; erf, user activations). */
static size_t lie_basis(const aedyn_analysis *an, double *X)
{
    const aedyn__ode_view v = aedyn__ode_get_view(an->ode);
    const size_t K = an->K;
    const bool trunc = v.rule == AEDYN_SGD_TRUNCATED;
    size_t g = 0;
    if (v.user_activation)
        return 0;
    for (size_t a = 0; a < K; a++)
        for (size_t b = 0; b < K; b++) {
            int kind = 0; /* 1: E_ab; 2: E_ab - E_ba */
            if (v.act == AEDYN_NET_ACT_LINEAR && v.kappa == 0.0)
                kind = !trunc || a == b;
            else if (v.act == AEDYN_NET_ACT_LINEAR && !trunc)
                kind = a < b ? 2 : 0;
            else if (v.act == AEDYN_NET_ACT_RELU && v.kappa == 0.0)
                kind = a == b;
            if (!kind)
                continue;
            double *m = X + g * K * K;
            memset(m, 0, K * K * sizeof *m);
            m[a * K + b] = 1.0;
            if (kind == 2)
                m[b * K + a] = -1.0;
            g++;
        }
    return g;
}

/* The tangent vector t (reduced layout) of the orbit at x along the Lie
 * algebra element X: dw_tau = X w_tau, ds_tau = -X^T s_tau, dbeta = X beta. */
static void tangent(const aedyn_analysis *an, const double *X, const double *x, double *t)
{
    const size_t K = an->K, P = an->P;
    memset(t, 0, an->n * sizeof *t);
    for (size_t tau = 0; tau < P; tau++) {
        const double *w = x + tau * K, *s = x + P * K + tau * K;
        double *dw = t + tau * K, *ds = t + P * K + tau * K; /* reduced = state here */
        for (size_t k = 0; k < K; k++)
            for (size_t l = 0; l < K; l++) {
                dw[k] += X[k * K + l] * w[l];
                ds[k] -= X[l * K + k] * s[l];
            }
    }
    if (aedyn__ode_get_view(an->ode).has_bias) { /* the biases follow wt, s in both layouts */
        const double *beta = x + 2 * P * K;
        double *db = t + 2 * P * K;
        for (size_t k = 0; k < K; k++)
            for (size_t l = 0; l < K; l++)
                db[k] += X[k * K + l] * beta[l];
    }
}

/* Tangent vectors of the symmetry orbit at x (rows of T, reduced layout);
 * returns their number. */
static size_t symmetry_generators(aedyn_analysis *an, const double *x, double *T)
{
    const size_t KK = an->K * an->K, gn = lie_basis(an, an->Lie);
    for (size_t g = 0; g < gn; g++)
        tangent(an, an->Lie + g * KK, x, T + g * an->n);
    return gn;
}

/* E = exp(X) for a K x K matrix (scaling and squaring of the Taylor series;
 * X is small here). */
static void expm(size_t K, const double *X, double *E, double *tmp)
{
    double nx = 0.0;
    for (size_t i = 0; i < K * K; i++)
        nx += X[i] * X[i];
    int sq = 0;
    for (nx = sqrt(nx); nx > 0.25 && sq < 60; nx /= 2.0)
        sq++;
    const double sc = ldexp(1.0, -sq);
    double *term = tmp, *next = tmp + K * K;
    for (size_t i = 0; i < K * K; i++)
        E[i] = term[i] = (i % (K + 1) == 0) ? 1.0 : 0.0;
    for (int j = 1; j <= 20; j++) {
        for (size_t r = 0; r < K; r++)
            for (size_t c = 0; c < K; c++) {
                double v = 0.0;
                for (size_t l = 0; l < K; l++)
                    v += term[r * K + l] * X[l * K + c] * sc;
                next[r * K + c] = v / j;
            }
        for (size_t i = 0; i < K * K; i++) {
            term[i] = next[i];
            E[i] += term[i];
        }
    }
    for (int q = 0; q < sq; q++) {
        for (size_t r = 0; r < K; r++)
            for (size_t c = 0; c < K; c++) {
                double v = 0.0;
                for (size_t l = 0; l < K; l++)
                    v += E[r * K + l] * E[l * K + c];
                next[r * K + c] = v;
            }
        memcpy(E, next, K * K * sizeof *E);
    }
}

/* x <- the point of the symmetry orbit of the fixed point x nearest to x0
 * (Gauss-Newton on the orbit, moving by exp(X) so that x stays on the
 * group's orbit, hence a fixed point). The fixed points of a symmetric
 * network form a manifold; Newton lands on it O(distance) from where it
 * started, and this makes the reported fixed point the one closest to the
 * start (O(distance^2) from the foot of the perpendicular). */
static aedyn_status nearest_on_orbit(aedyn_analysis *an, const double *x0, double *x)
{
    const size_t n = an->n, K = an->K, P = an->P, KK = K * K;
    const size_t gn = lie_basis(an, an->Lie);
    if (gn == 0 || n == 0 || K > 64) /* (K > 64: no buffers below; nothing moves) */
        return AEDYN_OK;
    double *A = an->Ts + KK + n, *Ai = A + KK, *X = Ai + KK, *tmp = X + KK;
    double *c = tmp + 2 * KK, *v = an->r;
    for (int it = 0; it < 30; it++) {
        for (size_t g = 0; g < gn; g++)
            tangent(an, an->Lie + g * KK, x, an->Tg + g * n);
        aedyn_status st = aedyn__svd(gn, n, an->Tg, an->Ts, an->Tu, an->Qt);
        if (st)
            return st;
        const size_t kk = gn < n ? gn : n;
        /* c = -(T^T)^+ (x - x0) = -U S^+ VT (x - x0) */
        for (size_t i = 0; i < n; i++)
            v[i] = x[an->idx[i]] - x0[an->idx[i]];
        memset(c, 0, gn * sizeof *c);
        for (size_t q = 0; q < kk && an->Ts[q] > 1e-10 * an->Ts[0]; q++) {
            double z = 0.0;
            for (size_t i = 0; i < n; i++)
                z += an->Qt[q * n + i] * v[i];
            for (size_t g = 0; g < gn; g++)
                c[g] -= an->Tu[g * kk + q] * z / an->Ts[q];
        }
        double nxx = 0.0;
        memset(X, 0, KK * sizeof *X);
        for (size_t g = 0; g < gn; g++)
            for (size_t i = 0; i < KK; i++)
                X[i] += c[g] * an->Lie[g * KK + i];
        for (size_t i = 0; i < KK; i++)
            nxx += X[i] * X[i];
        if (!(sqrt(nxx) > 1e-14))
            break;
        expm(K, X, A, tmp);
        for (size_t i = 0; i < KK; i++)
            X[i] = -X[i];
        expm(K, X, Ai, tmp);
        /* w_tau <- A w_tau, s_tau <- A^-T s_tau, beta <- A beta */
        double wk[64], sk[64];
        for (size_t tau = 0; tau <= P; tau++) {
            double *w = tau < P ? x + tau * K : x + 2 * P * K, *s = x + P * K + tau * K;
            if (tau == P && !aedyn__ode_get_view(an->ode).has_bias)
                break;
            for (size_t k = 0; k < K; k++) {
                wk[k] = 0.0;
                sk[k] = 0.0;
                for (size_t l = 0; l < K; l++) {
                    wk[k] += A[k * K + l] * w[l];
                    if (tau < P)
                        sk[k] += Ai[l * K + k] * s[l];
                }
            }
            memcpy(w, wk, K * sizeof *w);
            if (tau < P)
                memcpy(s, sk, K * sizeof *s);
        }
    }
    return AEDYN_OK;
}

/* An orthonormal basis an->Qt (an->d rows, reduced layout) of the tangent
 * space of the symmetry orbit at x, from the SVD of the generators: the
 * directions above 1e-5 of the largest (none at the origin, where every
 * generator vanishes). Components that vanish at a fixed point are only
 * converged to |f| / (their rate): bulk components of a zero unit are
 * ~1e-8 when the bulk's rates are 1e-6 of the spikes' (D = 4000), and a
 * threshold of 1e-8 took the directions they span for two more symmetries. */
static aedyn_status orbit_basis(aedyn_analysis *an, const double *x)
{
    const size_t n = an->n;
    an->d = 0;
    const size_t gn = symmetry_generators(an, x, an->Tg);
    if (gn == 0 || n == 0)
        return AEDYN_OK;
    const aedyn_status st = aedyn__svd(gn, n, an->Tg, an->Ts, an->Tu, an->Qt);
    if (st)
        return st;
    const size_t kk = gn < n ? gn : n;
    size_t d = 0;
    while (d < kk && an->Ts[d] > 1e-5 * an->Ts[0])
        d++;
    an->d = d;
    return AEDYN_OK;
}

/* After Newton converged from y0 to an->x (with an->f, an->Ja there): move
 * it to the point of its symmetry orbit nearest y0, and keep that only if
 * it is still a fixed point to the tolerance. */
static aedyn_status land_near(aedyn_analysis *an, const double *y0)
{
    const size_t N = an->N;
    if (lie_basis(an, an->Lie) == 0)
        return AEDYN_OK;
    double *keep = an->xt;
    memcpy(keep, an->x, N * sizeof *keep);
    const double r0 = rel_residual(an, an->x, an->f);
    aedyn_status st = nearest_on_orbit(an, y0, an->x);
    if (!st && !(st = eval(an, an->x, an->ft)) && !(st = jacobian(an, an->x)) &&
        rel_residual(an, an->x, an->ft) <= fmax(an->tol_res, 2.0 * r0)) {
        memcpy(an->f, an->ft, N * sizeof *an->f);
        return AEDYN_OK;
    }
    /* not better: back to Newton's point (a failure above is no failure of
     * the search) */
    memcpy(an->x, keep, N * sizeof *an->x);
    if ((st = eval(an, an->x, an->f)) || (st = jacobian(an, an->x)))
        return st;
    return AEDYN_OK;
}

/* ---- Newton --------------------------------------------------------------------- */

/* The step -sum_i s_i g_i / (s_i^2 + mu) v_i over the first k singular
 * triplets of the scaled Jacobian J D^-1 (mu = 0: the minimum-norm
 * Gauss-Newton step), mapped back by D^-1 into p (reduced entries of the
 * state layout); returns the norm of the scaled step. */
static double lm_step(aedyn_analysis *an, size_t k, double mu, double *p)
{
    const size_t n = an->n;
    const double *VT = an->A3;
    for (size_t j = 0; j < n; j++)
        p[an->idx[j]] = 0.0;
    double nn = 0.0;
    for (size_t i = 0; i < k; i++) {
        const double c = -an->sv[i] * an->g[i] / (an->sv[i] * an->sv[i] + mu);
        for (size_t j = 0; j < n; j++)
            p[an->idx[j]] += c * VT[i * n + j];
        nn += c * c;
    }
    for (size_t j = 0; j < n; j++)
        p[an->idx[j]] /= an->dsc[j];
    return sqrt(nn);
}

/* The step of norm delta (< the Gauss-Newton step's): the
 * Levenberg-Marquardt parameter by bisection in log mu. */
static double tr_step(aedyn_analysis *an, size_t k, double delta, double *p)
{
    double sg = 0.0;
    for (size_t i = 0; i < k; i++)
        sg += an->sv[i] * an->sv[i] * an->g[i] * an->g[i];
    double hi = sqrt(sg) / delta, lo = hi * 1e-30; /* |p(hi)| <= delta < |p(0)| */
    for (int it = 0; it < 200 && hi > lo * (1.0 + 1e-10); it++) {
        const double mid = sqrt(lo * hi);
        double nn = 0.0;
        for (size_t i = 0; i < k; i++) {
            const double c = an->sv[i] * an->g[i] / (an->sv[i] * an->sv[i] + mid);
            nn += c * c;
        }
        if (sqrt(nn) > delta)
            lo = mid;
        else
            hi = mid;
    }
    return lm_step(an, k, hi, p);
}

/* Unit vector of the reduced entries of v into out (length n). */
static void unit_red(const aedyn_analysis *an, const double *v, double *out)
{
    const double nv = norm_red(an, v);
    for (size_t i = 0; i < an->n; i++)
        out[i] = nv > 0.0 ? v[an->idx[i]] / nv : 0.0;
}

/* The runaway pattern over the iterations [w0, it] of a search that has not
 * converged: the norm grows and the residual falls at every iteration,
 * the residual at least as fast as 1/|x| (log-log slope <= -1) but with the
 * relative residual falling by less than a factor 10 (not converging), and
 * the last steps go one way (cosines with their mean direction >= 0.5,
 * mean >= 0.8). */
static bool runaway_pattern(aedyn_analysis *an, size_t w0, size_t it, size_t n_ring)
{
    const size_t n = an->n, nr = n_ring < RING_ ? n_ring : RING_;
    if (it < w0 + 5 || nr < 3)
        return false;
    for (size_t i = w0 + 1; i <= it; i++)
        if (!(an->xnorm[i] > an->xnorm[i - 1]) || !(an->fnorm[i] < an->fnorm[i - 1]))
            return false;
    const double slope = log(an->fnorm[it] / an->fnorm[w0]) / log(an->xnorm[it] / an->xnorm[w0]);
    if (!(slope <= -1.0) || !(an->hist[it] > 0.1 * an->hist[w0]))
        return false;
    double *u = an->r, nu = 0.0;
    memset(u, 0, n * sizeof *u);
    for (size_t q = 0; q < nr; q++)
        for (size_t i = 0; i < n; i++)
            u[i] += an->ring[q * n + i];
    for (size_t i = 0; i < n; i++)
        nu += u[i] * u[i];
    if (!(nu > 0.0))
        return false;
    double cmin = 1.0, cmean = 0.0;
    for (size_t q = 0; q < nr; q++) {
        double c = 0.0;
        for (size_t i = 0; i < n; i++)
            c += an->ring[q * n + i] * u[i];
        c /= sqrt(nu);
        cmin = fmin(cmin, c);
        cmean += c / (double)nr;
    }
    return cmin >= 0.5 && cmean >= 0.8;
}

/* Newton from the state y0; on return an->x is the last iterate, an->f its
 * f, an->Ja its Jacobian, the history filled, and *outcome set. */
static aedyn_status newton(aedyn_analysis *an, const double *y0, aedyn_analysis_outcome *outcome)
{
    const size_t n = an->n, N = an->N;
    double *x = an->x, *f = an->f, *xt = an->xt, *ft = an->ft, *p = an->p;
    aedyn_status st;
    memcpy(x, y0, N * sizeof *x);
    if ((st = eval(an, x, f)) || (st = jacobian(an, x)))
        return st;
    const double x0n = norm_red(an, x);
    double delta = 0.0; /* set at the first iteration */
    size_t n_ring = 0, it = 0;
    bool converged = false, runaway = false;
    for (;; it++) {
        const double r = rel_residual(an, x, f);
        an->hist[it] = r;
        an->xnorm[it] = norm_red(an, x);
        an->fnorm[it] = norm_red(an, f);
        if (r <= an->tol_res) {
            converged = true;
            break;
        }
        if (it == an->max_iter || an->xnorm[it] > RUNAWAY_GROWTH_ * fmax(x0n, 1.0))
            break;
        /* a runaway shows within 20 iterations: stop there */
        if (it >= 30 && it % 10 == 0 && runaway_pattern(an, it - 20, it, n_ring)) {
            runaway = true;
            break;
        }
        /* SVD of the scaled J D^-1 (U in A2, VT in A3), D the largest column
         * norms of J so far (More's scaling, as MINPACK's): the variables
         * whose rates are small (bulk modes: 1e-5 of the spikes') may move
         * as far as the others in one trust region */
        double cmax = 0.0;
        for (size_t j = 0; j < n; j++) {
            double c = 0.0;
            for (size_t i = 0; i < n; i++)
                c += an->Ja[i * n + j] * an->Ja[i * n + j];
            an->dsc[j] = it == 0 ? sqrt(c) : fmax(an->dsc[j], sqrt(c));
            cmax = fmax(cmax, an->dsc[j]);
        }
        if (!(cmax > 0.0))
            break; /* J = 0 with f != 0: nothing to do */
        /* a floor: a variable f hardly depends on (a unit that is zero, in
         * a bulk mode) would otherwise be free to move by the inverse of its
         * scale; measured on the saddles, starts 1e-2 away: 3-7 iterations
         * with 1e-3, up to 63 with 1e-6 (and ReLU at t = 100 converged only
         * with the floor) */
        for (size_t j = 0; j < n; j++)
            an->dsc[j] = fmax(an->dsc[j], SCALE_FLOOR_ * cmax);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                an->A1[i * n + j] = an->Ja[i * n + j] / an->dsc[j];
        if ((st = aedyn__svd(n, n, an->A1, an->sv, an->A2, an->A3)))
            return st;
        if (it == 0) { /* the first trust region: the scaled length of x */
            double dx = 0.0;
            for (size_t j = 0; j < n; j++)
                dx += (an->dsc[j] * x[an->idx[j]]) * (an->dsc[j] * x[an->idx[j]]);
            delta = fmax(sqrt(dx), DBL_MIN);
        }
        for (size_t i = 0; i < n; i++) { /* g = U^T f */
            double gi = 0.0;
            for (size_t j = 0; j < n; j++)
                gi += an->A2[j * n + i] * f[an->idx[j]];
            an->g[i] = gi;
        }
        size_t k = 0;
        while (k < n && an->sv[k] > RCOND_ * an->sv[0])
            k++;
        const double f2 = an->fnorm[it] * an->fnorm[it];
        bool accepted = false;
        for (int trial = 0; trial < MAX_TRIALS_ && !accepted; trial++) {
            double pn = lm_step(an, k, 0.0, p);
            if (pn > delta)
                pn = tr_step(an, k, delta, p);
            if (!(pn > 0.0))
                break;
            for (size_t i = 0; i < N; i++)
                xt[i] = x[i] + p[i];
            const aedyn_status se = eval(an, xt, ft);
            double ratio = -1.0;
            if (se == AEDYN_OK) {
                /* predicted: |f|^2 - |f + J p|^2; actual: |f|^2 - |f(x + p)|^2 */
                double lin = 0.0, ft2 = 0.0;
                for (size_t i = 0; i < n; i++) {
                    double v = f[an->idx[i]];
                    for (size_t j = 0; j < n; j++)
                        v += an->Ja[i * n + j] * p[an->idx[j]];
                    lin += v * v;
                    ft2 += ft[an->idx[i]] * ft[an->idx[i]];
                }
                const double pred = f2 - lin, act = f2 - ft2;
                ratio = pred > 0.0 ? act / pred : (act > 0.0 ? 1.0 : -1.0);
            }
            if (ratio < 0.25)
                delta = 0.25 * pn;
            else if (ratio > 0.75 && pn > 0.99 * delta)
                delta *= 2.0;
            if (ratio > 1e-4) {
                accepted = true;
                unit_red(an, p, an->ring + (n_ring % RING_) * n);
                n_ring++;
                memcpy(x, xt, N * sizeof *x);
                memcpy(f, ft, N * sizeof *f);
                if ((st = jacobian(an, x)))
                    return st;
            } else if (delta < 1e-15 * (1.0 + norm_red(an, x))) {
                break;
            }
        }
        if (!accepted) /* the trust region collapsed: no progress from here */
            break;
    }
    an->n_iter = it;
    if (converged) {
        *outcome = AEDYN_ANALYSIS_FIXED_POINT;
        return AEDYN_OK;
    }
    /* a runaway (found early, or over the last 20 iterations); the
     * direction is the whole displacement. With a continuous symmetry, a
     * displacement mostly along the symmetry orbit is no runaway: the
     * residual is not constant along the orbit (only the set of fixed
     * points is invariant), and iterates that stall away from the fixed
     * points can creep along it (measured: a linear network on a spectrum of
     * 170 eigenvalues) */
    const size_t w0 = it > 20 ? it - 20 : 0;
    *outcome = runaway || runaway_pattern(an, w0, it, n_ring) ? AEDYN_ANALYSIS_RUNAWAY
                                                               : AEDYN_ANALYSIS_NOT_FOUND;
    if (*outcome == AEDYN_ANALYSIS_RUNAWAY) {
        for (size_t i = 0; i < N; i++)
            an->q[i] = x[i] - y0[i];
        unit_red(an, an->q, an->r);
        if ((st = orbit_basis(an, x)))
            return st;
        double along = 0.0;
        for (size_t qq = 0; qq < an->d; qq++) {
            double c = 0.0;
            for (size_t i = 0; i < n; i++)
                c += an->Qt[qq * n + i] * an->r[i];
            along += c * c;
        }
        if (along > 0.5)
            *outcome = AEDYN_ANALYSIS_NOT_FOUND;
    }
    if (*outcome == AEDYN_ANALYSIS_RUNAWAY) {
        memset(an->dir, 0, N * sizeof *an->dir);
        for (size_t i = 0; i < n; i++)
            an->dir[an->idx[i]] = an->r[i];
        an->has_dir = true;
    }
    return AEDYN_OK;
}

/* ---- stability ------------------------------------------------------------------ */

/* Stability of the Jacobian an->Ja (at the state x): eigenvalues, counts,
 * the leading unstable eigenspace. With `deflate`, x is a fixed point and
 * the tangent directions of its symmetry orbit are deflated (exact zeros). */
static aedyn_status stability(aedyn_analysis *an, const double *x, bool deflate)
{
    const size_t n = an->n;
    aedyn_status st = AEDYN_OK;
    free_results(an);
    an->n_sym = 0;
    memcpy(an->A1, an->Ja, n * n * sizeof *an->A1);
    double jf = 0.0;
    for (size_t i = 0; i < n * n; i++)
        jf += an->Ja[i] * an->Ja[i];
    jf = sqrt(jf);
    const double sigma = -(4.0 * jf + 1.0);
    size_t d = 0;
    const double *Qt = an->Qt;
    if (deflate && n > 0) {
        if ((st = orbit_basis(an, x)))
            return st;
        /* the tangent directions must be null directions of J (they are at a
         * fixed point): |J Qt^T| <= 1e-6 |J| sqrt(d); otherwise nothing is
         * deflated. (Measured: 1e-12 to 1e-8 of |J|, the larger where the
         * tangent directions move units J hardly acts on, whose components
         * are converged only to |f| over their small rates.) */
        d = an->d;
        double res = 0.0;
        for (size_t q = 0; q < d; q++)
            for (size_t i = 0; i < n; i++) {
                double v = 0.0;
                for (size_t j = 0; j < n; j++)
                    v += an->Ja[i * n + j] * Qt[q * n + j];
                res += v * v;
            }
        if (!(sqrt(res) <= 1e-6 * (jf + DBL_MIN) * sqrt((double)(d > 0 ? d : 1))))
            d = 0;
        /* J + sigma Qt^T Qt: the tangent directions become eigenvalues sigma,
         * far below the spectrum, the others stay (J Qt^T = 0) */
        for (size_t q = 0; q < d; q++)
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    an->A1[i * n + j] += sigma * Qt[q * n + i] * Qt[q * n + j];
    }
    double *VL = an->A2, *VR = an->A3;
    if ((st = aedyn__eig(n, an->A1, an->wr, an->wi, VL, VR)))
        return st;
    /* the d eigenvalues nearest sigma are the symmetry directions */
    memset(an->sym, 0, n * sizeof *an->sym);
    for (size_t q = 0; q < d; q++) {
        size_t best = n;
        double bd = INFINITY;
        for (size_t i = 0; i < n; i++)
            if (!an->sym[i] && hypot(an->wr[i] - sigma, an->wi[i]) < bd) {
                bd = hypot(an->wr[i] - sigma, an->wi[i]);
                best = i;
            }
        an->sym[best] = true;
    }
    an->n_sym = d;
    /* order: decreasing real part (symmetry directions as 0), then imaginary */
    double *er = an->q, *ei = an->r; /* effective values, n <= N */
    for (size_t i = 0; i < n; i++) {
        er[i] = an->sym[i] ? 0.0 : an->wr[i];
        ei[i] = an->sym[i] ? 0.0 : an->wi[i];
        an->perm[i] = i;
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort: n is small */
        const size_t pi = an->perm[i];
        size_t j = i;
        while (j > 0 && (er[an->perm[j - 1]] < er[pi] ||
                         (er[an->perm[j - 1]] == er[pi] && ei[an->perm[j - 1]] < ei[pi]))) {
            an->perm[j] = an->perm[j - 1];
            j--;
        }
        an->perm[j] = pi;
    }
    double radius = 0.0;
    for (size_t i = 0; i < n; i++)
        if (!an->sym[i])
            radius = fmax(radius, hypot(er[i], ei[i]));
    const double tol = an->tol_neutral * radius;
    an->n_unstable = an->n_neutral = an->n_stable = 0;
    for (size_t i = 0; i < n; i++) {
        if (an->sym[i] || fabs(er[i]) <= tol)
            an->n_neutral++;
        else if (er[i] > 0.0)
            an->n_unstable++;
        else
            an->n_stable++;
    }
    /* the leading unstable eigenspace: eigenvalues within CLUSTER_ of
     * lambda_u (or of its conjugate) */
    an->lambda_u = NAN;
    an->mult = 0;
    size_t *cl = NULL;
    if (an->n_unstable > 0) {
        const size_t lead = an->perm[0];
        const double lr = er[lead], li = ei[lead], lm = hypot(lr, li);
        an->lambda_u = lr;
        cl = aedyn__calloc(n, sizeof *cl);
        if (!cl) {
            return aedyn__fail(AEDYN_ERR_NOMEM, "stability analysis: out of memory");
        }
        size_t m = 0; /* real dimension: columns of VR/VL involved */
        for (size_t i = 0; i < n; i++) {
            if (an->sym[i])
                continue;
            const bool near = hypot(er[i] - lr, ei[i] - li) <= CLUSTER_ * lm ||
                              hypot(er[i] - lr, ei[i] + li) <= CLUSTER_ * lm;
            if (near) {
                cl[m++] = i;
                an->mult++;
            }
        }
        /* real basis of the eigenspace: a real eigenvalue's vector; a complex
         * pair (i, i + 1 in LAPACK's order) gives its real and imaginary
         * parts, once for the pair */
        an->Ru = aedyn__calloc(2 * m * n + m * m + 1, sizeof *an->Ru);
        if (!an->Ru) {
            free(cl);
            return aedyn__fail(AEDYN_ERR_NOMEM, "stability analysis: out of memory");
        }
        an->Lu = an->Ru + m * n;
        an->Cinv = an->Lu + m * n;
        size_t mu = 0;
        for (size_t c = 0; c < m; c++) {
            const size_t i = cl[c];
            const bool cplx = an->wi[i] != 0.0;
            if (cplx && an->wi[i] < 0.0 && c > 0 && cl[c - 1] == i - 1)
                continue; /* the second of a pair taken with the first */
            const size_t i0 = cplx && an->wi[i] < 0.0 ? i - 1 : i;
            const int nv = cplx ? 2 : 1;
            for (int part = 0; part < nv; part++, mu++)
                for (size_t j = 0; j < n; j++) {
                    an->Ru[mu * n + j] = VR[j * n + i0 + (size_t)part];
                    an->Lu[mu * n + j] = VL[j * n + i0 + (size_t)part];
                }
            if (d > 0) {
                /* right vectors of J from those of J + sigma Qt^T Qt:
                 * v - (sigma / lambda) Qt^T Qt v (left vectors agree) */
                const double lr_i = an->wr[i0], li_i = fabs(an->wi[i0]);
                const double l2 = lr_i * lr_i + li_i * li_i;
                const double cr = sigma * lr_i / l2, ci = -sigma * li_i / l2;
                double *vr = an->Ru + (mu - (size_t)nv) * n, *vi = nv == 2 ? vr + n : NULL;
                for (size_t q = 0; q < d; q++) {
                    double qr = 0.0, qi = 0.0;
                    for (size_t j = 0; j < n; j++) {
                        qr += Qt[q * n + j] * vr[j];
                        if (vi)
                            qi += Qt[q * n + j] * vi[j];
                    }
                    const double zr = cr * qr - ci * qi, zi = cr * qi + ci * qr;
                    for (size_t j = 0; j < n; j++) {
                        vr[j] -= zr * Qt[q * n + j];
                        if (vi)
                            vi[j] -= zi * Qt[q * n + j];
                    }
                }
            }
        }
        an->m_u = mu;
        /* Cinv = (Lu Ru^T)^-1: biorthogonalisation of the two bases */
        double *C = aedyn__calloc(mu * mu + 1, sizeof *C);
        size_t *piv = aedyn__calloc(mu + 1, sizeof *piv);
        bool ok = C && piv;
        if (ok) {
            for (size_t a = 0; a < mu; a++) /* column-major C[b * mu + a] = (Lu Ru^T)_ab */
                for (size_t b = 0; b < mu; b++) {
                    double v = 0.0;
                    for (size_t j = 0; j < n; j++)
                        v += an->Lu[a * n + j] * an->Ru[b * n + j];
                    C[b * mu + a] = v;
                }
            ok = aedyn__lu_factor(mu, C, piv);
            for (size_t c = 0; c < mu && ok; c++) {
                double *e = an->Cinv + c * mu; /* column c of the inverse, column-major */
                memset(e, 0, mu * sizeof *e);
                e[c] = 1.0;
                aedyn__lu_solve(mu, C, piv, e);
            }
        }
        free(C);
        free(piv);
        if (!ok) {
            free(cl);
            free_results(an);
            return aedyn__fail(AEDYN_ERR_NUMERIC, "stability analysis: the leading unstable "
                               "eigenvalue %g has no regular spectral projector (a defective "
                               "eigenvalue?)", an->lambda_u);
        }
        /* the direction: the first right vector, unit, largest entry > 0 */
        if (an->outcome != AEDYN_ANALYSIS_RUNAWAY) {
            const double *v0 = an->Ru;
            double nv = 0.0, big = 0.0;
            for (size_t j = 0; j < n; j++) {
                nv += v0[j] * v0[j];
                if (fabs(v0[j]) > fabs(big))
                    big = v0[j];
            }
            const double sc = (big < 0.0 ? -1.0 : 1.0) / sqrt(nv);
            memset(an->dir, 0, an->N * sizeof *an->dir);
            for (size_t j = 0; j < n; j++)
                an->dir[an->idx[j]] = sc * v0[j];
            an->has_dir = true;
        }
    }
    free(cl);
    /* the sorted spectrum for the getters */
    for (size_t i = 0; i < n; i++) {
        an->g[i] = er[an->perm[i]];
        an->sv[i] = ei[an->perm[i]];
    }
    memcpy(an->wr, an->g, n * sizeof *an->wr);
    memcpy(an->wi, an->sv, n * sizeof *an->wi);
    return AEDYN_OK;
}

/* The coordinates of the state-layout vector d in the unstable eigenspace,
 * mapped back: P d, into out (length n, reduced); returns |P d|. */
static double project_unstable(const aedyn_analysis *an, const double *d, double *out)
{
    const size_t n = an->n, m = an->m_u;
    double c[64], *cc = m <= 32 ? c : malloc(2 * m * sizeof *cc);
    if (!cc)
        return NAN;
    double *z = cc + m;
    for (size_t a = 0; a < m; a++) {
        double v = 0.0;
        for (size_t j = 0; j < n; j++)
            v += an->Lu[a * n + j] * d[an->idx[j]];
        z[a] = v;
    }
    for (size_t a = 0; a < m; a++) { /* cc = Cinv z (column-major Cinv) */
        double v = 0.0;
        for (size_t b = 0; b < m; b++)
            v += an->Cinv[b * m + a] * z[b];
        cc[a] = v;
    }
    double nn = 0.0;
    for (size_t j = 0; j < n; j++) {
        double v = 0.0;
        for (size_t a = 0; a < m; a++)
            v += an->Ru[a * n + j] * cc[a];
        if (out)
            out[j] = v;
        nn += v * v;
    }
    if (cc != c)
        free(cc);
    return sqrt(nn);
}

/* ---- the public calls ---------------------------------------------------------------- */

static void reset_results(aedyn_analysis *an)
{
    an->outcome = AEDYN_ANALYSIS_NONE;
    an->has_dir = false;
    an->n_iter = 0;
    an->lambda_u = NAN;
    an->mult = an->n_unstable = an->n_neutral = an->n_stable = an->n_sym = 0;
    free_results(an);
}

/* Newton from y0 (or only the linearisation there), then the stability. */
static aedyn_status analyse(aedyn_analysis *an, const double *y0, bool newton_first)
{
    const size_t N = an->N;
    reset_results(an);
    aedyn_status st;
    aedyn_analysis_outcome out = AEDYN_ANALYSIS_LINEARISED;
    if (newton_first) {
        if ((st = newton(an, y0, &out)))
            return st;
    } else {
        an->hist[0] = NAN;
        memcpy(an->x, y0, N * sizeof *an->x);
        if ((st = eval(an, an->x, an->f)) || (st = jacobian(an, an->x)))
            return st;
        an->hist[0] = rel_residual(an, an->x, an->f);
        an->xnorm[0] = norm_red(an, an->x);
        an->fnorm[0] = norm_red(an, an->f);
    }
    an->outcome = out; /* the direction of a runaway is kept by stability() */
    if (out == AEDYN_ANALYSIS_FIXED_POINT) {
        if ((st = land_near(an, y0)))
            goto fail;
        memcpy(an->ystar, an->x, N * sizeof *an->ystar);
    } else {
        /* the frozen-time linearisation at the start */
        memcpy(an->ystar, y0, N * sizeof *an->ystar);
        if (newton_first && (st = jacobian(an, an->ystar)))
            goto fail;
    }
    if ((st = stability(an, an->ystar, out == AEDYN_ANALYSIS_FIXED_POINT)))
        goto fail;
    return AEDYN_OK;
fail:
    reset_results(an);
    return st;
}

AEDYN_API aedyn_status aedyn_analysis_fixed_point(aedyn_analysis *an)
{
    AEDYN__REQUIRE_NONNULL(an);
    aedyn_status st = check_ode(an, "aedyn_analysis_fixed_point");
    if (st)
        return st;
    return analyse(an, aedyn__ode_get_view(an->ode).y, true);
}

AEDYN_API aedyn_status aedyn_analysis_linearise(aedyn_analysis *an)
{
    AEDYN__REQUIRE_NONNULL(an);
    aedyn_status st = check_ode(an, "aedyn_analysis_linearise");
    if (st)
        return st;
    return analyse(an, aedyn__ode_get_view(an->ode).y, false);
}

AEDYN_API aedyn_status aedyn_analysis_get_outcome(const aedyn_analysis *an,
                                                  aedyn_analysis_outcome *outcome)
{
    AEDYN__REQUIRE_NONNULL(an);
    AEDYN__REQUIRE_NONNULL(outcome);
    *outcome = an->outcome;
    return AEDYN_OK;
}

AEDYN_API size_t aedyn_analysis_get_n_iterations(const aedyn_analysis *an)
{
    return an ? an->n_iter : 0;
}

AEDYN_API aedyn_status aedyn_analysis_get_residuals(const aedyn_analysis *an, double *residuals)
{
    AEDYN__REQUIRE_NONNULL(an);
    AEDYN__REQUIRE_NONNULL(residuals);
    aedyn_status st;
    if (!ready(an, "aedyn_analysis_get_residuals", &st))
        return st;
    memcpy(residuals, an->hist, (an->n_iter + 1) * sizeof *residuals);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_get_state(const aedyn_analysis *an, double *y)
{
    AEDYN__REQUIRE_NONNULL(an);
    AEDYN__REQUIRE_NONNULL(y);
    aedyn_status st;
    if (!ready(an, "aedyn_analysis_get_state", &st))
        return st;
    memcpy(y, an->ystar, an->N * sizeof *y);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_get_weights(const aedyn_analysis *an, double shift,
                                                  double *W, double *V, double *bias)
{
    static const char *fn = "aedyn_analysis_get_weights";
    AEDYN__REQUIRE_NONNULL(an);
    aedyn_status st;
    if (!ready(an, fn, &st))
        return st;
    if (!isfinite(shift) || (shift != 0.0 && !an->has_dir))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: shift = %g %s", fn, shift,
                           isfinite(shift) ? "needs a direction, and the analysed state has no "
                                             "unstable or runaway direction"
                                           : "is not finite");
    const aedyn__ode_view v = aedyn__ode_get_view(an->ode);
    const size_t K = an->K, P = an->P, D = an->D, N = an->N;
    double *y = malloc(N * sizeof *y);
    if (!y)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    st = AEDYN_OK;
    for (size_t i = 0; i < N; i++)
        y[i] = an->ystar[i] + (shift != 0.0 ? shift * an->dir[i] : 0.0);
    if (W) { /* W (K x D) = wt^T U */
        memset(W, 0, K * D * sizeof *W);
        if (P > 0)
            st = aedyn__gemm(true, false, K, D, P, 1.0, y, K, v.U, D, 0.0, W, D);
    }
    if (V && !st) {
        memset(V, 0, K * D * sizeof *V);
        if (P > 0)
            st = aedyn__gemm(true, false, K, D, P, sqrt((double)D), y + P * K, K, v.U, D, 0.0, V,
                             D);
    }
    if (bias && !st)
        memcpy(bias, y + 2 * P * K, K * sizeof *bias);
    free(y);
    return st;
}

AEDYN_API aedyn_status aedyn_analysis_error(const aedyn_analysis *an, double *err)
{
    AEDYN__REQUIRE_NONNULL(an);
    AEDYN__REQUIRE_NONNULL(err);
    aedyn_status st;
    if (!ready(an, "aedyn_analysis_error", &st))
        return st;
    return aedyn__ode_error_at(an->ode, an->ystar, err);
}

AEDYN_API aedyn_status aedyn_analysis_order_params(const aedyn_analysis *an, double *Q, double *R,
                                                   double *T, double *T0)
{
    AEDYN__REQUIRE_NONNULL(an);
    aedyn_status st;
    if (!ready(an, "aedyn_analysis_order_params", &st))
        return st;
    return aedyn__ode_order_params_at(an->ode, an->ystar, Q, R, T, T0);
}

AEDYN_API size_t aedyn_analysis_get_n_eigenvalues(const aedyn_analysis *an)
{
    return an ? an->n : 0;
}

AEDYN_API aedyn_status aedyn_analysis_get_eigenvalues(const aedyn_analysis *an, double *re,
                                                      double *im)
{
    AEDYN__REQUIRE_NONNULL(an);
    aedyn_status st;
    if (!ready(an, "aedyn_analysis_get_eigenvalues", &st))
        return st;
    if (re)
        memcpy(re, an->wr, an->n * sizeof *re);
    if (im)
        memcpy(im, an->wi, an->n * sizeof *im);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_get_counts(const aedyn_analysis *an, size_t *n_unstable,
                                                 size_t *n_neutral, size_t *n_stable,
                                                 size_t *n_symmetry)
{
    AEDYN__REQUIRE_NONNULL(an);
    aedyn_status st;
    if (!ready(an, "aedyn_analysis_get_counts", &st))
        return st;
    if (n_unstable)
        *n_unstable = an->n_unstable;
    if (n_neutral)
        *n_neutral = an->n_neutral;
    if (n_stable)
        *n_stable = an->n_stable;
    if (n_symmetry)
        *n_symmetry = an->n_sym;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_get_unstable(const aedyn_analysis *an, double *lambda,
                                                   size_t *multiplicity)
{
    AEDYN__REQUIRE_NONNULL(an);
    aedyn_status st;
    if (!ready(an, "aedyn_analysis_get_unstable", &st))
        return st;
    if (lambda)
        *lambda = an->lambda_u;
    if (multiplicity)
        *multiplicity = an->mult;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_get_direction(const aedyn_analysis *an, double *y,
                                                    double *dQ, double *dR, double *dT,
                                                    double *dT0)
{
    static const char *fn = "aedyn_analysis_get_direction";
    AEDYN__REQUIRE_NONNULL(an);
    aedyn_status st;
    if (!ready(an, fn, &st))
        return st;
    if (!an->has_dir)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: the analysed state has no unstable "
                           "direction (%zu unstable eigenvalues) and is no runaway", fn,
                           an->n_unstable);
    if (y)
        memcpy(y, an->dir, an->N * sizeof *y);
    if (dQ || dR || dT || dT0)
        return op_derivative((aedyn_analysis *)an, an->ystar, an->dir, dQ, dR, dT, dT0);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_unstable_component(const aedyn_analysis *an,
                                                         const double *W, const double *V,
                                                         const double *bias, double *delta)
{
    static const char *fn = "aedyn_analysis_unstable_component";
    AEDYN__REQUIRE_NONNULL(an);
    AEDYN__REQUIRE_NONNULL(W);
    AEDYN__REQUIRE_NONNULL(V);
    AEDYN__REQUIRE_NONNULL(delta);
    aedyn_status st;
    if (!ready(an, fn, &st))
        return st;
    if (an->m_u == 0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: nothing is unstable at the analysed state",
                           fn);
    const aedyn__ode_view v = aedyn__ode_get_view(an->ode);
    const size_t K = an->K, P = an->P, D = an->D, N = an->N;
    if (!aedyn__all_finite(W, K * D) || !aedyn__all_finite(V, K * D) ||
        (bias && !aedyn__all_finite(bias, K)))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: the weights are not finite", fn);
    double *y = aedyn__calloc(N, sizeof *y);
    if (!y)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    /* wt (P x K) = U W^T, s = U V^T / sqrt(D), as the ODE projects them */
    if (!(st = aedyn__gemm(false, true, P, K, D, 1.0, v.U, D, W, D, 0.0, y, K)) &&
        !(st = aedyn__gemm(false, true, P, K, D, 1.0 / sqrt((double)D), v.U, D, V, D, 0.0,
                           y + P * K, K))) {
        for (size_t k = 0; k < K; k++)
            y[2 * P * K + k] = bias ? bias[k] : 0.0;
        if (v.has_skip)
            y[N - 1] = an->ystar[N - 1];
        for (size_t i = 0; i < N; i++)
            y[i] -= an->ystar[i];
        const double dd = project_unstable(an, y, NULL);
        if (isnan(dd))
            st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        else
            *delta = dd;
    }
    free(y);
    return st;
}

/* ---- plateaus ------------------------------------------------------------------------ */

/* The time where log(q) (q = speed / scale) crosses log(theta) between
 * samples a and b. */
static double crossing(const double *t, const double *q, size_t a, size_t b, double theta)
{
    const double la = log(fmax(q[a], DBL_MIN)), lb = log(fmax(q[b], DBL_MIN)), lt = log(theta);
    if (!(la != lb))
        return t[b];
    const double u = (lt - la) / (lb - la);
    return t[a] + fmin(1.0, fmax(0.0, u)) * (t[b] - t[a]);
}

/* Analyse the stretch [i0, i1] of the samples (states Y, times t, speeds v,
 * their scales sc and ratios q = v / sc) into rec; *keep is false when it
 * is not a plateau: fewer than 3 samples (a dip between two of them). */
static aedyn_status analyse_stretch(aedyn_analysis *an, const double *Y, const double *t,
                                    const double *v, const double *sc, const double *q,
                                    size_t ns, size_t i0, size_t i1, plateau_rec *rec, bool *keep)
{
    const size_t N = an->N;
    size_t ref = i0;
    for (size_t i = i0; i <= i1; i++)
        if (q[i] < q[ref])
            ref = i;
    const double *yref = Y + ref * N, *yin = Y + i0 * N;
    double *r = rec->v;
    for (int f = 0; f <= AEDYN_ANALYSIS_PLATEAU_MIN_SPEED; f++)
        r[f] = NAN;
    r[AEDYN_ANALYSIS_PLATEAU_T_ENTRY] = i0 == 0 ? t[0] : crossing(t, q, i0 - 1, i0, an->theta);
    r[AEDYN_ANALYSIS_PLATEAU_T_EXIT] = i1 + 1 >= ns ? NAN
                                                    : crossing(t, q, i1, i1 + 1, an->theta);
    r[AEDYN_ANALYSIS_PLATEAU_T_REFERENCE] = t[ref];
    r[AEDYN_ANALYSIS_PLATEAU_MIN_SPEED] = q[ref];
    *keep = i1 >= i0 + 2;
    if (!*keep)
        return AEDYN_OK;
    /* the exit threshold: theta x the scale where the speed crosses it */
    const double thr = an->theta * sc[i1 + 1 < ns ? i1 + 1 : ns - 1];
    (void)v;
    aedyn_status st = aedyn__ode_error_at(an->ode, yref, &r[AEDYN_ANALYSIS_PLATEAU_ERROR]);
    if (st)
        return st;
    /* Newton from the slowest sample: a fixed point if it converges near it
     * (within 1/4 of max(|state|, 1): the components' natural scale is 1),
     * otherwise a drifting state, linearised there */
    reset_results(an);
    aedyn_analysis_outcome out;
    if ((st = newton(an, yref, &out)))
        return st;
    r[AEDYN_ANALYSIS_PLATEAU_ITERATIONS] = (double)an->n_iter;
    bool fixed = out == AEDYN_ANALYSIS_FIXED_POINT;
    if (fixed && (st = land_near(an, yref)))
        return st;
    if (fixed) {
        double dist = 0.0;
        for (size_t i = 0; i < an->n; i++) {
            const double d = an->x[an->idx[i]] - yref[an->idx[i]];
            dist += d * d;
        }
        fixed = sqrt(dist) <= 0.25 * fmax(norm_red(an, yref), 1.0);
        if (!fixed)
            out = AEDYN_ANALYSIS_NOT_FOUND;
    }
    an->outcome = out;
    if (fixed) {
        memcpy(an->ystar, an->x, N * sizeof *an->ystar);
        if ((st = aedyn__ode_error_at(an->ode, an->ystar,
                                      &r[AEDYN_ANALYSIS_PLATEAU_FIXED_POINT_ERROR])))
            return st;
    } else {
        memcpy(an->ystar, yref, N * sizeof *an->ystar);
        if ((st = jacobian(an, an->ystar)))
            return st;
    }
    if ((st = stability(an, an->ystar, fixed)))
        return st;
    r[AEDYN_ANALYSIS_PLATEAU_KIND] = (double)out;
    r[AEDYN_ANALYSIS_PLATEAU_N_UNSTABLE] = (double)an->n_unstable;
    r[AEDYN_ANALYSIS_PLATEAU_N_NEUTRAL] = (double)an->n_neutral;
    r[AEDYN_ANALYSIS_PLATEAU_N_STABLE] = (double)an->n_stable;
    r[AEDYN_ANALYSIS_PLATEAU_N_SYMMETRY] = (double)an->n_sym;
    r[AEDYN_ANALYSIS_PLATEAU_MULTIPLICITY] = (double)an->mult;
    if (an->m_u == 0) {
        r[AEDYN_ANALYSIS_PLATEAU_T_PREDICTED] = INFINITY;
        return AEDYN_OK;
    }
    const double lam = an->lambda_u;
    r[AEDYN_ANALYSIS_PLATEAU_LAMBDA] = lam;
    /* delta_0: the entry state's component in the unstable eigenspace,
     * from the fixed point; for a drifting state from yref with its own
     * unstable component removed (the invariant set the frozen
     * linearisation describes), i.e. P (y_in - yref + P yref) = P y_in */
    double *d = an->q;
    for (size_t i = 0; i < N; i++)
        d[i] = fixed ? yin[i] - an->ystar[i] : yin[i];
    const double delta0 = project_unstable(an, d, NULL);
    if (isnan(delta0))
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_analysis_plateaus: out of memory");
    const double Delta = thr / lam;
    r[AEDYN_ANALYSIS_PLATEAU_DELTA0] = delta0;
    r[AEDYN_ANALYSIS_PLATEAU_DELTA] = Delta;
    r[AEDYN_ANALYSIS_PLATEAU_T_PREDICTED] = delta0 > 0.0 ? t[i0] + log(Delta / delta0) / lam
                                                         : INFINITY;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_analysis_plateaus(aedyn_analysis *an, double t_end, size_t n_points)
{
    static const char *fn = "aedyn_analysis_plateaus";
    AEDYN__REQUIRE_NONNULL(an);
    aedyn_status st = check_ode(an, fn);
    if (st)
        return st;
    const double t0 = aedyn_ode_get_time(an->ode);
    if (!isfinite(t_end) || !(t_end > t0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: t_end = %g must be finite and after the "
                           "ODE's time %g", fn, t_end, t0);
    const size_t N = an->N;
    if (n_points < 3 || n_points > AEDYN_ANALYSIS_MAX_POINTS || n_points * N > MAX_SAMPLES_STATE_)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: n_points = %zu must be in [3, %u] with "
                           "n_points x %zu (the state) <= %zu", fn, n_points,
                           AEDYN_ANALYSIS_MAX_POINTS, N, MAX_SAMPLES_STATE_);
    double *Y = aedyn__calloc(n_points * N, sizeof *Y);
    double *t = aedyn__calloc(4 * n_points, sizeof *t), *v = t + n_points, *sc = v + n_points;
    double *q = sc + n_points;
    plateau_rec *pl = aedyn__calloc(n_points / 2 + 1, sizeof *pl);
    if (!Y || !t || !pl) {
        free(Y);
        free(t);
        free(pl);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory for %zu samples of %zu", fn,
                           n_points, N);
    }
    free(an->pl);
    an->pl = NULL;
    an->n_pl = 0;
    reset_results(an);
    /* samples: t0, then t0 + span 10^(-4 (1 - u)) for u = 0 ... 1 */
    double vmax = 0.0;
    for (size_t i = 0; i < n_points && !st; i++) {
        const double u = i == 0 ? 0.0 : (double)(i - 1) / (double)(n_points - 2);
        double ti = i == 0 ? t0 : t0 + (t_end - t0) * pow(10.0, -4.0 * (1.0 - u));
        if (i == n_points - 1)
            ti = t_end;
        if (i > 0 && ti <= t[i - 1])
            ti = nextafter(t[i - 1], INFINITY);
        if (i > 0 && (st = aedyn_ode_advance(an->ode, ti)))
            break;
        t[i] = aedyn_ode_get_time(an->ode);
        memcpy(Y + i * N, aedyn__ode_get_view(an->ode).y, N * sizeof *Y);
        if ((st = eval(an, Y + i * N, an->f)))
            break;
        v[i] = norm_red(an, an->f);
        vmax = fmax(vmax, v[i]);
    }
    /* the scale of sample i: the largest speed from a tenth of its elapsed
     * time on (the escape ahead of a plateau, or the transition that led to
     * it); a suffix maximum read from a pointer that only moves forward */
    size_t np = 0;
    if (!st && vmax > 0.0) {
        for (size_t i = n_points; i-- > 0;)
            q[i] = i + 1 < n_points ? fmax(v[i], q[i + 1]) : v[i];
        size_t j = 0;
        for (size_t i = 0; i < n_points; i++) {
            while (j < i && t[j] - t0 < 0.1 * (t[i] - t0))
                j++;
            sc[i] = q[j];
        }
        for (size_t i = 0; i < n_points; i++)
            q[i] = sc[i] > 0.0 ? v[i] / sc[i] : 1.0;
        for (size_t i = 0; i < n_points && !st;) {
            if (!(q[i] < an->theta)) {
                i++;
                continue;
            }
            size_t k = i;
            while (k + 1 < n_points && q[k + 1] < an->theta)
                k++;
            bool keep = false;
            st = analyse_stretch(an, Y, t, v, sc, q, n_points, i, k, &pl[np], &keep);
            if (!st && keep)
                np++;
            i = k + 1;
        }
    }
    free(Y);
    free(t);
    if (st) {
        free(pl);
        reset_results(an);
        return st;
    }
    an->pl = pl;
    an->n_pl = np;
    return AEDYN_OK;
}

AEDYN_API size_t aedyn_analysis_get_n_plateaus(const aedyn_analysis *an)
{
    return an ? an->n_pl : 0;
}

AEDYN_API aedyn_status aedyn_analysis_get_plateau(const aedyn_analysis *an, size_t i,
                                                  aedyn_analysis_plateau_field field,
                                                  double *value)
{
    static const char *fn = "aedyn_analysis_get_plateau";
    AEDYN__REQUIRE_NONNULL(an);
    AEDYN__REQUIRE_NONNULL(value);
    if (i >= an->n_pl)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: plateau %zu out of range (%zu plateaus)", fn, i,
                           an->n_pl);
    if ((unsigned)field > (unsigned)AEDYN_ANALYSIS_PLATEAU_MIN_SPEED)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown field %d", fn, (int)field);
    *value = an->pl[i].v[field];
    return AEDYN_OK;
}
