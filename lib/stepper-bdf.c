/* Variable-order (1..5), variable-step BDF: the implicit method of the ODE
 * stepper for stiff dynamics (see stepper-private.h and docs/ode.md).
 *
 * The backward differentiation formulas are used in the quasi-constant
 * step-size form of Shampine & Reichelt (The MATLAB ODE Suite, SIAM J. Sci.
 * Comput. 18, 1997, section 2): the history is the array of backward
 * differences D[j] = nabla^j y_n at the current step h, so the formula of
 * order k keeps constant coefficients, and a change of the step by a factor
 * r maps D[0..k] to the differences of the same interpolating polynomial on
 * the grid of step r h. The order k step solves
 *
 *     sum_{j=1..k} (1/j) nabla^j y_{n+1} = h f(y_{n+1}),
 *
 * written for the correction d = y_{n+1} - y_pred (y_pred = sum_{j<=k} D[j],
 * and d = nabla^{k+1} y_{n+1}) as d - c f(y_pred + d) + psi = 0 with
 * c = h / gamma_k, gamma_k = sum_{j<=k} 1/j and psi = sum_{j=1..k} gamma_j D[j] / gamma_k.
 * Its local error is d / (k + 1).
 *
 * The corrector is solved by a simplified Newton iteration with the matrix
 * I - c J. J and the solves come from the dynamics when it supplies them
 * (aedyn__linsys; the ODE's structured Jacobian, ode-jac.c), otherwise J is
 * a dense forward-difference Jacobian (n evaluations of f) factored by LU.
 * J is kept across steps and recomputed only when the iteration fails
 * to converge; the LU factors are kept while c changes by less than 30 %,
 * the update being scaled by 2 / (1 + c / c_lu), which halves the error of
 * the stale factor for both the stiff and the non-stiff components.
 * The order and step are reconsidered after k + 1 steps of one size, from
 * the error estimates of orders k - 1, k and k + 1; a larger step is taken
 * only when it is at least 20 % larger, so the factors can be reused.
 * Output times inside the last step are interpolated with the polynomial of
 * the differences, so the computed trajectory does not depend on them.
 *
 * Failures (stepper-private.h): a step is accepted only with a finite new
 * state. A failed corrector halves the step once the Jacobian is current;
 * a failed error test shrinks it. When the reduced step falls below the
 * floor, the cause of the last failure decides the status: non-finite
 * values of the right-hand side or the Jacobian give AEDYN_ERR_DIVERGED,
 * a corrector that does not converge, a singular Newton matrix or the
 * error test give AEDYN_ERR_NUMERIC; so does a step that the order and step
 * selection reduces below the floor after a success. A first step may be
 * below the floor (a fast transient) but must advance t. Steps that grow
 * (the error estimates vanish at rest) stop at AEDYN__STEP_MAX. */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "linalg-internal.h"
#include "stepper-private.h"

#define BDF_MAX_ORDER 5
#define BDF_NEWTON_MAX 4       /* corrector iterations per attempt */
#define BDF_LU_REUSE 0.3       /* keep the LU factors while |c / c_lu - 1| <= this */
#define BDF_GROW_MIN 1.2       /* smallest step increase worth a new factorisation */
#define BDF_GROW_MAX 10.0
#define BDF_SHRINK_MIN 0.2

/* gamma_k = sum_{j=1..k} 1/j for k = 0..BDF_MAX_ORDER */
static const double bdf_gamma[BDF_MAX_ORDER + 1] = {
    0.0, 1.0, 1.5, 11.0 / 6.0, 25.0 / 12.0, 137.0 / 60.0
};

typedef struct {
    size_t n;
    aedyn__linsys ls; /* structured Newton matrices; ls.jacobian NULL: dense ones */
    /* backward differences D[0..BDF_MAX_ORDER + 2] of the solution at step h
     * (n each), the last accepted time t, order, steps since the last change */
    double *d, *w;    /* w: scratch of the rescaling */
    double t, h;
    int order, nequal;
    bool started;     /* the history holds the current state */
    /* without ls: the dense Jacobian and the LU factors of I - c J
     * (column-major n x n) */
    double *jac, *lu;
    size_t *piv;
    double c_lu;      /* c of the current factors */
    bool jac_current, jac_ok, lu_valid;
    /* work space (n each) */
    double *block;
    double *f0;       /* f(y) at a (re)start; f(y + e_j dj) of the dense Jacobian */
    double *fj0;      /* f at the dense Jacobian's point */
    double *yfd;      /* the perturbed state of the dense Jacobian */
    double *ypred, *psi, *sc; /* predictor, history term, error weights */
    double *corr, *ynew, *fy, *dy; /* correction, Newton iterate, f(iterate), update */
    double *tmp;      /* scratch of the initial step */
    double h_first;   /* first step after the next start (0: the setting or automatic) */
    aedyn__step_monitor mon; /* watches accepted steps (the automatic method) */
    void *mctx;
} bdf_state;

static double *diff(const bdf_state *b, int j) { return b->d + (size_t)j * b->n; }

static void bdf_free(void *state)
{
    bdf_state *b = state;
    if (!b)
        return;
    free(b->d);
    free(b->w);
    free(b->jac);
    free(b->lu);
    free(b->piv);
    free(b->block);
    free(b);
}

static aedyn_status bdf_alloc(void **state, size_t n_state, const aedyn__linsys *ls)
{
    const size_t n = n_state ? n_state : 1;
    const bool dense = !ls;
    if (dense && n > AEDYN__BDF_MAX_STATE)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED,
                           "BDF factors a dense matrix of the state size: %zu unknowns exceed "
                           "its limit of %d (use RKC for large states)", n_state,
                           AEDYN__BDF_MAX_STATE);
    bdf_state *b = calloc(1, sizeof *b);
    if (!b)
        return aedyn__fail(AEDYN_ERR_NOMEM, "BDF work space for %zu unknowns: out of memory", n);
    b->n = n_state;
    if (ls)
        b->ls = *ls;
    b->d = aedyn__calloc((BDF_MAX_ORDER + 3) * n, sizeof *b->d);
    b->w = aedyn__calloc((BDF_MAX_ORDER + 1) * n, sizeof *b->w);
    const size_t nm = dense ? n : 1; /* the dense matrices, or placeholders */
    b->jac = aedyn__calloc(nm * nm, sizeof *b->jac);
    b->lu = aedyn__calloc(nm * nm, sizeof *b->lu);
    b->piv = aedyn__calloc(nm, sizeof *b->piv);
    double *v[11];
    b->block = aedyn__stepper_vectors(n_state, 11, v);
    if (!b->d || !b->w || !b->jac || !b->lu || !b->piv || !b->block) {
        bdf_free(b);
        return aedyn__fail(AEDYN_ERR_NOMEM, "BDF work space for %zu unknowns: out of memory", n);
    }
    b->f0 = v[0];
    b->fj0 = v[1];
    b->yfd = v[2];
    b->ypred = v[3];
    b->psi = v[4];
    b->sc = v[5];
    b->corr = v[6];
    b->ynew = v[7];
    b->fy = v[8];
    b->dy = v[9];
    b->tmp = v[10];
    *state = b;
    return AEDYN_OK;
}

static void bdf_reset(void *state) { ((bdf_state *)state)->started = false; }

/* The first step of the next start: h (the setting, or a step handed over
 * by the automatic method; 0 = automatic). */
static void bdf_restart(void *state, double h) { ((bdf_state *)state)->h_first = h; }

static void bdf_set_monitor(void *state, aedyn__step_monitor m, void *mctx)
{
    bdf_state *b = state;
    b->mon = m;
    b->mctx = mctx;
}

/* Jacobian at the last accepted state D[0]: the structured one of the
 * dynamics, or by forward differences. */
static void jacobian(bdf_state *b, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx)
{
    const size_t n = b->n;
    s->stats.njac++;
    b->jac_current = true;
    b->lu_valid = false;
    if (b->ls.jacobian) {
        const int used = b->ls.jacobian(b->ls.ctx, b->t, diff(b, 0));
        s->stats.nfev += used > 0 ? (uint64_t)used : 0;
        b->jac_ok = used >= 0;
        return;
    }
    const double *y0 = diff(b, 0);
    double *f0 = b->fj0, *yp = b->yfd, *f1 = b->f0;
    aedyn__stepper_eval(s, f, ctx, b->t, y0, f0);
    memcpy(yp, y0, n * sizeof *yp);
    const double floor = fmax(s->rtol > 0.0 ? s->atol / s->rtol : 0.0, 1e-8);
    for (size_t j = 0; j < n; j++) {
        const double yj = y0[j];
        yp[j] = yj + sqrt(DBL_EPSILON) * fmax(fabs(yj), floor);
        const double dj = yp[j] - yj; /* the increment as represented */
        aedyn__stepper_eval(s, f, ctx, b->t, yp, f1);
        double *col = b->jac + j * n;
        for (size_t i = 0; i < n; i++)
            col[i] = (f1[i] - f0[i]) / dj;
        yp[j] = yj;
    }
    /* a non-finite entry would make the factorisation fail too; knowing it
     * tells a diverging right-hand side from a singular matrix */
    b->jac_ok = aedyn__all_finite(b->jac, n * n);
}

/* LU factors of I - c J; false when singular or not finite. */
static bool factor(bdf_state *b, aedyn__stepper *s, double c)
{
    const size_t n = b->n;
    s->stats.nlu++;
    b->c_lu = c;
    if (b->ls.factor) {
        b->lu_valid = b->jac_ok && b->ls.factor(b->ls.ctx, c);
        return b->lu_valid;
    }
    if (!b->jac_ok) {
        b->lu_valid = false;
        return false;
    }
    for (size_t j = 0; j < n; j++) {
        const double *jc = b->jac + j * n;
        double *lc = b->lu + j * n;
        for (size_t i = 0; i < n; i++)
            lc[i] = -c * jc[i];
        lc[j] += 1.0;
    }
    b->lu_valid = aedyn__lu_factor(n, b->lu, b->piv);
    return b->lu_valid;
}

/* Rescale D[0..k] from step h to step r h (Shampine & Reichelt's R(r) U):
 * with R_ij(r) = prod_{l=1..i} (l - 1 - r j) / l, the new D_j = sum_i (R(r) R(1))_ij D_i. */
static void rescale(bdf_state *b, int k, double r)
{
    double R[BDF_MAX_ORDER + 1][BDF_MAX_ORDER + 1], U[BDF_MAX_ORDER + 1][BDF_MAX_ORDER + 1];
    for (int j = 0; j <= k; j++) {
        R[0][j] = U[0][j] = 1.0;
        for (int i = 1; i <= k; i++) {
            R[i][j] = R[i - 1][j] * ((double)i - 1.0 - r * j) / i;
            U[i][j] = U[i - 1][j] * ((double)i - 1.0 - (double)j) / i;
        }
    }
    const size_t n = b->n;
    for (int j = 0; j <= k; j++) {
        double *out = b->w + (size_t)j * n;
        memset(out, 0, n * sizeof *out);
        for (int i = 0; i <= k; i++) {
            double ru = 0.0;
            for (int l = 0; l <= k; l++)
                ru += R[i][l] * U[l][j];
            if (ru == 0.0)
                continue;
            const double *di = diff(b, i);
            for (size_t x = 0; x < n; x++)
                out[x] += ru * di[x];
        }
    }
    memcpy(b->d, b->w, (size_t)(k + 1) * n * sizeof(double));
    b->h *= r;
    b->nequal = 0;
}

/* Simplified Newton iteration for the correction d (corr) from the
 * predictor ypred with psi and weights sc; the iterate is left in ynew.
 * Returns the number of iterations, or 0 when it did not converge; then
 * *nonfinite tells whether the right-hand side at an iterate was not
 * finite. */
static int newton(bdf_state *b, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t_new,
                  double c, bool *nonfinite)
{
    const size_t n = b->n;
    const double *yp = b->ypred, *psi = b->psi, *sc = b->sc;
    double *d = b->corr, *y = b->ynew, *fy = b->fy, *dy = b->dy;
    const double tol = fmax(10.0 * DBL_EPSILON / s->rtol, fmin(0.03, sqrt(s->rtol)));
    const double scale = c == b->c_lu ? 1.0 : 2.0 / (1.0 + c / b->c_lu);
    memcpy(y, yp, n * sizeof *y);
    memset(d, 0, n * sizeof *d);
    double prev = 0.0;
    for (int it = 1; it <= BDF_NEWTON_MAX; it++) {
        aedyn__stepper_eval(s, f, ctx, t_new, y, fy);
        for (size_t i = 0; i < n; i++)
            dy[i] = c * fy[i] - psi[i] - d[i];
        if (b->ls.solve)
            b->ls.solve(b->ls.ctx, dy);
        else
            aedyn__lu_solve(n, b->lu, b->piv, dy);
        double norm = 0.0;
        for (size_t i = 0; i < n; i++) {
            dy[i] *= scale;
            norm += (dy[i] / sc[i]) * (dy[i] / sc[i]);
        }
        norm = n ? sqrt(norm / (double)n) : 0.0;
        if (!isfinite(norm)) {
            *nonfinite = !aedyn__all_finite(fy, n);
            return 0;
        }
        const double rate = it > 1 ? norm / prev : 0.0;
        if (it > 1 && !(rate < 1.0))
            return 0;
        for (size_t i = 0; i < n; i++) {
            y[i] += dy[i];
            d[i] += dy[i];
        }
        if (norm == 0.0 || (it > 1 && rate / (1.0 - rate) * norm < tol))
            return it;
        prev = norm;
    }
    return 0;
}

/* Start (or restart) at order 1 from (t, y). */
static aedyn_status start(bdf_state *b, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                          const double *y)
{
    const size_t n = b->n;
    aedyn__stepper_eval(s, f, ctx, t, y, b->f0);
    if (!aedyn__all_finite(b->f0, n))
        return aedyn__stepper_rhs_not_finite(s, t);
    /* the first step is not bounded by the span to t_end: outputs are
     * interpolated, and a span below the step-size floor (advance to 1e-20)
     * must not fail */
    double h = b->h_first > 0.0 ? b->h_first
                          : aedyn__stepper_initial_step(s, f, ctx, t, y, b->f0, b->tmp, b->fy,
                                                        INFINITY, 1);
    /* a first step (the setting or the heuristic) below the resolution of
     * t is raised to the floor; a small one is kept, for fast transients */
    if (!(t + h > t))
        h = aedyn__stepper_floor(s, t);
    double *d0 = diff(b, 0), *d1 = diff(b, 1);
    for (size_t i = 0; i < n; i++) {
        d0[i] = y[i];
        d1[i] = h * b->f0[i];
    }
    b->t = t;
    b->h = h;
    b->order = 1;
    b->nequal = 0;
    b->jac_current = false;
    b->lu_valid = false;
    jacobian(b, s, f, ctx);
    b->started = true;
    return AEDYN_OK;
}

/* New order and step after k + 1 steps of one size (err: this step's estimate). */
static void select_order_and_step(bdf_state *b, const aedyn__stepper *s, double err,
                                  double safety)
{
    const int k = b->order;
    const double *y = diff(b, 0);
    double best = pow(err, -1.0 / (k + 1));
    int knew = k;
    if (k > 1) {
        const double e = aedyn__stepper_err_max(s, diff(b, k), y, y) / k;
        const double fk = pow(e, -1.0 / k);
        if (fk > best) {
            best = fk;
            knew = k - 1;
        }
    }
    if (k < BDF_MAX_ORDER) {
        const double e = aedyn__stepper_err_max(s, diff(b, k + 2), y, y) / (k + 2);
        const double fk = pow(e, -1.0 / (k + 2));
        if (fk > best) {
            best = fk;
            knew = k + 1;
        }
    }
    b->order = knew;
    double r = fmin(fmin(BDF_GROW_MAX, safety * best), AEDYN__STEP_MAX / b->h);
    if (r > 1.0 && r < BDF_GROW_MIN)
        r = 1.0;
    if (r != 1.0)
        rescale(b, knew, r);
    b->nequal = 0;
}

/* Why the last attempt of a step failed (decides the status at the floor). */
typedef enum { FAIL_NONFINITE, FAIL_SINGULAR, FAIL_NEWTON, FAIL_ERROR } bdf_failure;

static aedyn_status collapse(const bdf_state *b, const aedyn__stepper *s, bdf_failure why)
{
    static const char *const reason[] = {
        [FAIL_NONFINITE] = "",
        [FAIL_SINGULAR] = "the Newton matrix is singular",
        [FAIL_NEWTON] = "the Newton corrector does not converge",
        [FAIL_ERROR] = "the error test fails",
    };
    return aedyn__stepper_collapse(s, b->t, b->h, why == FAIL_NONFINITE, reason[why]);
}

/* One accepted step, or the failure that ends the call. */
static aedyn_status step(bdf_state *b, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx)
{
    const size_t n = b->n;
    for (;;) {
        const int k = b->order;
        const double h = b->h;
        /* the step was checked against the floor when it was reduced; it
         * must still move t and keep it finite (t_end near DBL_MAX) */
        if (!(b->t + h > b->t))
            return aedyn__stepper_no_progress(s, b->t, h);
        if (!isfinite(b->t + h))
            return aedyn__fail(AEDYN_ERR_NUMERIC, "BDF cannot make progress at t = %g: t + h "
                               "overflows (h = %g)", b->t, h);
        const double c = h / bdf_gamma[k];
        double *yp = b->ypred, *psi = b->psi, *sc = b->sc;
        for (size_t i = 0; i < n; i++) {
            double p = 0.0, q = 0.0;
            for (int j = k; j >= 1; j--) {
                const double dj = b->d[(size_t)j * n + i];
                p += dj;
                q += bdf_gamma[j] * dj;
            }
            yp[i] = p + b->d[i];
            psi[i] = q / bdf_gamma[k];
            sc[i] = s->atol + s->rtol * fabs(yp[i]);
        }
        int iters = 0;
        bool nonfinite = false;
        bdf_failure why = FAIL_NEWTON;
        if (b->lu_valid && fabs(c / b->c_lu - 1.0) <= BDF_LU_REUSE)
            iters = newton(b, s, f, ctx, b->t + h, c, &nonfinite);
        else if (factor(b, s, c))
            iters = newton(b, s, f, ctx, b->t + h, c, &nonfinite);
        else
            why = b->jac_ok ? FAIL_SINGULAR : FAIL_NONFINITE;
        if (iters && !aedyn__all_finite(b->ynew, n)) /* converged to an overflow */
            iters = 0, nonfinite = true;
        if (nonfinite)
            why = FAIL_NONFINITE;
        if (!iters) {
            if (!b->jac_current) {
                jacobian(b, s, f, ctx);
                continue;
            }
            s->stats.nreject++;
            rescale(b, k, 0.5);
            if (!(b->h >= aedyn__stepper_floor(s, b->t)))
                return collapse(b, s, why);
            continue;
        }
        const double *d = b->corr, *ynew = b->ynew;
        const double err = aedyn__stepper_err_max(s, d, diff(b, 0), ynew) / (k + 1);
        const double safety = 0.9 * (2.0 * BDF_NEWTON_MAX + 1.0) / (2.0 * BDF_NEWTON_MAX + iters);
        if (!(err <= 1.0)) {
            s->stats.nreject++;
            rescale(b, k, fmax(BDF_SHRINK_MIN, safety * pow(err, -1.0 / (k + 1))));
            if (!(b->h >= aedyn__stepper_floor(s, b->t)))
                return collapse(b, s, FAIL_ERROR);
            continue;
        }
        /* accept: nabla^{k+1} y_{n+1} = d, and the lower differences follow */
        double *dk1 = diff(b, k + 1), *dk2 = diff(b, k + 2);
        for (size_t i = 0; i < n; i++) {
            dk2[i] = d[i] - dk1[i];
            dk1[i] = d[i];
        }
        for (int j = k; j >= 0; j--) {
            double *dj = diff(b, j);
            const double *dj1 = diff(b, j + 1);
            for (size_t i = 0; i < n; i++)
                dj[i] += dj1[i];
        }
        b->t += h;
        s->stats.nsteps++;
        s->h_last = h;
        b->jac_current = false;
        if (++b->nequal >= k + 1) {
            select_order_and_step(b, s, err, safety);
            /* a smaller step after success (towards a singularity): below
             * the floor that ends the call as well */
            if (b->h < h && !(b->h >= aedyn__stepper_floor(s, b->t)))
                return collapse(b, s, FAIL_ERROR);
        }
        return AEDYN_OK;
    }
}

/* Output inside the last step is interpolated, so the state may be carried
 * internally beyond t_end. */
static aedyn_status bdf_advance(void *state, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                double *t, double *y, double t_end)
{
    bdf_state *b = state;
    const size_t n = b->n;
    if (!b->started || b->t < *t) {
        const aedyn_status st = start(b, s, f, ctx, *t, y);
        if (st)
            return st;
    }
    while (b->t < t_end) {
        const aedyn_status st = step(b, s, f, ctx);
        if (st) {
            memcpy(y, diff(b, 0), n * sizeof *y);
            *t = b->t;
            b->started = false;
            return st;
        }
        /* the monitor may end the call at a step before t_end (the state
         * there is D[0], exactly, not interpolated) */
        if (b->mon && b->t < t_end && b->mon(b->mctx, b->t, diff(b, 0), s->h_last, NAN)) {
            memcpy(y, diff(b, 0), n * sizeof *y);
            *t = b->t;
            b->started = false;
            return AEDYN_OK;
        }
    }
    /* y(t_n + sigma h) = sum_j D_j prod_{i<j} (sigma + i) / (i + 1), sigma in [-1, 0] */
    const double sigma = (t_end - b->t) / b->h;
    double *yi = b->tmp;
    memcpy(yi, diff(b, 0), n * sizeof *yi);
    double coef = 1.0;
    for (int j = 1; j <= b->order && sigma != 0.0; j++) {
        coef *= (sigma + j - 1.0) / j;
        const double *dj = diff(b, j);
        for (size_t i = 0; i < n; i++)
            yi[i] += coef * dj[i];
    }
    if (!aedyn__all_finite(yi, n)) { /* only next to overflow: keep (t, y) as they were */
        b->started = false;
        return aedyn__fail(AEDYN_ERR_DIVERGED, "the dynamics diverged: BDF's interpolation at "
                           "t = %g is not finite", t_end);
    }
    memcpy(y, yi, n * sizeof *y);
    *t = t_end;
    return AEDYN_OK;
}

const aedyn__stepper_ops aedyn__stepper_bdf = {
    .method = AEDYN_ODE_BDF, .name = "BDF", .adaptive = true,
    .alloc = bdf_alloc, .free = bdf_free, .reset = bdf_reset, .restart = bdf_restart,
    .advance = bdf_advance, .dense = NULL, .set_monitor = bdf_set_monitor,
};
