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
 * the differences, so the computed trajectory does not depend on them. */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "linalg-private.h"
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

static double *diff(const aedyn__stepper *s, int j) { return s->bdf_d + (size_t)j * s->n; }

aedyn_status aedyn__bdf_alloc(aedyn__stepper *s)
{
    const size_t n = s->n ? s->n : 1;
    const bool dense = !s->ls.jacobian;
    if (dense && n > AEDYN_BDF_MAX_STATE_)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED,
                           "BDF factors a dense matrix of the state size: %zu unknowns exceed "
                           "its limit of %d (use RKC for large states)", s->n,
                           AEDYN_BDF_MAX_STATE_);
    double *d = aedyn__calloc((BDF_MAX_ORDER + 3) * n, sizeof *d);
    double *w = aedyn__calloc((BDF_MAX_ORDER + 1) * n, sizeof *w);
    const size_t nm = dense ? n : 1; /* the dense matrices, or placeholders */
    double *jac = aedyn__calloc(nm * nm, sizeof *jac);
    double *lu = aedyn__calloc(nm * nm, sizeof *lu);
    size_t *piv = aedyn__calloc(nm, sizeof *piv);
    if (!d || !w || !jac || !lu || !piv) {
        free(d);
        free(w);
        free(jac);
        free(lu);
        free(piv);
        return aedyn__fail(AEDYN_ERR_NOMEM, "BDF work space for %zu unknowns: out of memory", n);
    }
    s->bdf_d = d;
    s->bdf_w = w;
    s->jac = jac;
    s->lu = lu;
    s->piv = piv;
    return AEDYN_OK;
}

void aedyn__bdf_free(aedyn__stepper *s)
{
    free(s->bdf_d);
    free(s->bdf_w);
    free(s->jac);
    free(s->lu);
    free(s->piv);
    s->bdf_d = s->bdf_w = s->jac = s->lu = NULL;
    s->piv = NULL;
}

/* Jacobian at the last accepted state D[0]: the structured one of the
 * dynamics, or by forward differences. */
static void jacobian(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx)
{
    const size_t n = s->n;
    s->stats.njac++;
    s->jac_current = true;
    s->lu_valid = false;
    if (s->ls.jacobian) {
        const int used = s->ls.jacobian(s->ls.ctx, diff(s, 0));
        s->stats.nfev += used > 0 ? (uint64_t)used : 0;
        s->jac_ok = used >= 0;
        return;
    }
    const double *y0 = diff(s, 0);
    double *f0 = s->k[6], *yp = s->yerr, *f1 = s->k[0];
    aedyn__stepper_eval(s, f, ctx, y0, f0);
    memcpy(yp, y0, n * sizeof *yp);
    const double floor = fmax(s->rtol > 0.0 ? s->atol / s->rtol : 0.0, 1e-8);
    for (size_t j = 0; j < n; j++) {
        const double yj = y0[j];
        yp[j] = yj + sqrt(DBL_EPSILON) * fmax(fabs(yj), floor);
        const double dj = yp[j] - yj; /* the increment as represented */
        aedyn__stepper_eval(s, f, ctx, yp, f1);
        double *col = s->jac + j * n;
        for (size_t i = 0; i < n; i++)
            col[i] = (f1[i] - f0[i]) / dj;
        yp[j] = yj;
    }
    s->jac_ok = true; /* a non-finite entry makes the factorisation fail */
}

/* LU factors of I - c J; false when singular or not finite. */
static bool factor(aedyn__stepper *s, double c)
{
    const size_t n = s->n;
    s->stats.nlu++;
    s->bdf_c_lu = c;
    if (s->ls.factor) {
        s->lu_valid = s->jac_ok && s->ls.factor(s->ls.ctx, c);
        return s->lu_valid;
    }
    for (size_t j = 0; j < n; j++) {
        const double *jc = s->jac + j * n;
        double *lc = s->lu + j * n;
        for (size_t i = 0; i < n; i++)
            lc[i] = -c * jc[i];
        lc[j] += 1.0;
    }
    s->lu_valid = aedyn__lu_factor(n, s->lu, s->piv);
    return s->lu_valid;
}

/* Rescale D[0..k] from step h to step r h (Shampine & Reichelt's R(r) U):
 * with R_ij(r) = prod_{l=1..i} (l - 1 - r j) / l, the new D_j = sum_i (R(r) R(1))_ij D_i. */
static void rescale(aedyn__stepper *s, int k, double r)
{
    double R[BDF_MAX_ORDER + 1][BDF_MAX_ORDER + 1], U[BDF_MAX_ORDER + 1][BDF_MAX_ORDER + 1];
    for (int j = 0; j <= k; j++) {
        R[0][j] = U[0][j] = 1.0;
        for (int i = 1; i <= k; i++) {
            R[i][j] = R[i - 1][j] * ((double)i - 1.0 - r * j) / i;
            U[i][j] = U[i - 1][j] * ((double)i - 1.0 - (double)j) / i;
        }
    }
    const size_t n = s->n;
    for (int j = 0; j <= k; j++) {
        double *out = s->bdf_w + (size_t)j * n;
        memset(out, 0, n * sizeof *out);
        for (int i = 0; i <= k; i++) {
            double ru = 0.0;
            for (int l = 0; l <= k; l++)
                ru += R[i][l] * U[l][j];
            if (ru == 0.0)
                continue;
            const double *di = diff(s, i);
            for (size_t x = 0; x < n; x++)
                out[x] += ru * di[x];
        }
    }
    memcpy(s->bdf_d, s->bdf_w, (size_t)(k + 1) * n * sizeof(double));
    s->bdf_h *= r;
    s->bdf_nequal = 0;
}

/* Simplified Newton iteration for the correction d (k[2]) from the predictor
 * ytmp with psi (k[1]) and weights k[5]; the iterate is left in ynew.
 * Returns the number of iterations, or 0 when it did not converge. */
static int newton(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double c)
{
    const size_t n = s->n;
    const double *yp = s->ytmp, *psi = s->k[1], *sc = s->k[5];
    double *d = s->k[2], *y = s->ynew, *fy = s->k[3], *dy = s->k[4];
    const double tol = fmax(10.0 * DBL_EPSILON / s->rtol, fmin(0.03, sqrt(s->rtol)));
    const double scale = c == s->bdf_c_lu ? 1.0 : 2.0 / (1.0 + c / s->bdf_c_lu);
    memcpy(y, yp, n * sizeof *y);
    memset(d, 0, n * sizeof *d);
    double prev = 0.0;
    for (int it = 1; it <= BDF_NEWTON_MAX; it++) {
        aedyn__stepper_eval(s, f, ctx, y, fy);
        for (size_t i = 0; i < n; i++)
            dy[i] = c * fy[i] - psi[i] - d[i];
        if (s->ls.solve)
            s->ls.solve(s->ls.ctx, dy);
        else
            aedyn__lu_solve(n, s->lu, s->piv, dy);
        double norm = 0.0;
        for (size_t i = 0; i < n; i++) {
            dy[i] *= scale;
            norm += (dy[i] / sc[i]) * (dy[i] / sc[i]);
        }
        norm = n ? sqrt(norm / (double)n) : 0.0;
        if (!isfinite(norm))
            return 0;
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
static aedyn_status start(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                          const double *y)
{
    const size_t n = s->n;
    aedyn__stepper_eval(s, f, ctx, y, s->k[0]);
    if (!aedyn__all_finite(s->k[0], n))
        return aedyn__fail(AEDYN_ERR_DIVERGED, "ODE right-hand side not finite at t = %g", t);
    /* the first step is not bounded by the span to t_end: outputs are
     * interpolated, and a span below the step-size floor (advance to 1e-20)
     * must not fail */
    const double h = s->h > 0.0 ? s->h : aedyn__stepper_initial_step(s, f, ctx, y, INFINITY, 1);
    double *d0 = diff(s, 0), *d1 = diff(s, 1);
    for (size_t i = 0; i < n; i++) {
        d0[i] = y[i];
        d1[i] = h * s->k[0][i];
    }
    s->bdf_t = t;
    s->bdf_h = h;
    s->bdf_order = 1;
    s->bdf_nequal = 0;
    s->jac_current = false;
    s->lu_valid = false;
    jacobian(s, f, ctx);
    s->fsal_valid = true;
    return AEDYN_OK;
}

/* New order and step after k + 1 steps of one size (err: this step's estimate). */
static void select_order_and_step(aedyn__stepper *s, double err, double safety)
{
    const int k = s->bdf_order;
    const double *y = diff(s, 0);
    double best = pow(err, -1.0 / (k + 1));
    int knew = k;
    if (k > 1) {
        const double e = aedyn__stepper_err_norm(s, diff(s, k), y, y) / k;
        const double fk = pow(e, -1.0 / k);
        if (fk > best) {
            best = fk;
            knew = k - 1;
        }
    }
    if (k < BDF_MAX_ORDER) {
        const double e = aedyn__stepper_err_norm(s, diff(s, k + 2), y, y) / (k + 2);
        const double fk = pow(e, -1.0 / (k + 2));
        if (fk > best) {
            best = fk;
            knew = k + 1;
        }
    }
    s->bdf_order = knew;
    double r = fmin(BDF_GROW_MAX, safety * best);
    if (r > 1.0 && r < BDF_GROW_MIN)
        r = 1.0;
    if (r != 1.0)
        rescale(s, knew, r);
    s->bdf_nequal = 0;
}

/* One accepted step, or AEDYN_ERR_DIVERGED when the step size underflows. */
static aedyn_status step(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx)
{
    const size_t n = s->n;
    for (;;) {
        const int k = s->bdf_order;
        const double h = s->bdf_h;
        if (!(h >= s->h_min * fmax(1.0, fabs(s->bdf_t))))
            return aedyn__fail(AEDYN_ERR_DIVERGED,
                               "ODE step size underflow at t = %g (h = %g): the state diverges "
                               "or the corrector cannot converge", s->bdf_t, h);
        const double c = h / bdf_gamma[k];
        double *yp = s->ytmp, *psi = s->k[1], *sc = s->k[5];
        for (size_t i = 0; i < n; i++) {
            double p = 0.0, q = 0.0;
            for (int j = k; j >= 1; j--) {
                const double dj = s->bdf_d[(size_t)j * n + i];
                p += dj;
                q += bdf_gamma[j] * dj;
            }
            yp[i] = p + s->bdf_d[i];
            psi[i] = q / bdf_gamma[k];
            sc[i] = s->atol + s->rtol * fabs(yp[i]);
        }
        int iters = 0;
        if (s->lu_valid && fabs(c / s->bdf_c_lu - 1.0) <= BDF_LU_REUSE)
            iters = newton(s, f, ctx, c);
        else if (factor(s, c))
            iters = newton(s, f, ctx, c);
        if (!iters) {
            if (!s->jac_current) {
                jacobian(s, f, ctx);
                continue;
            }
            s->stats.nreject++;
            rescale(s, k, 0.5);
            continue;
        }
        const double *d = s->k[2], *ynew = s->ynew;
        const double err = aedyn__stepper_err_norm(s, d, diff(s, 0), ynew) / (k + 1);
        const double safety = 0.9 * (2.0 * BDF_NEWTON_MAX + 1.0) / (2.0 * BDF_NEWTON_MAX + iters);
        if (!(err <= 1.0)) {
            s->stats.nreject++;
            rescale(s, k, fmax(BDF_SHRINK_MIN, safety * pow(err, -1.0 / (k + 1))));
            continue;
        }
        /* accept: nabla^{k+1} y_{n+1} = d, and the lower differences follow */
        double *dk1 = diff(s, k + 1), *dk2 = diff(s, k + 2);
        for (size_t i = 0; i < n; i++) {
            dk2[i] = d[i] - dk1[i];
            dk1[i] = d[i];
        }
        for (int j = k; j >= 0; j--) {
            double *dj = diff(s, j);
            const double *dj1 = diff(s, j + 1);
            for (size_t i = 0; i < n; i++)
                dj[i] += dj1[i];
        }
        s->bdf_t += h;
        s->stats.nsteps++;
        s->h_last = h;
        s->jac_current = false;
        if (++s->bdf_nequal >= k + 1)
            select_order_and_step(s, err, safety);
        return AEDYN_OK;
    }
}

aedyn_status aedyn__bdf_advance(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double *t,
                                double *y, double t_end)
{
    const size_t n = s->n;
    if (!(t_end > *t))
        return AEDYN_OK;
    if (!s->fsal_valid || s->bdf_t < *t) {
        const aedyn_status st = start(s, f, ctx, *t, y);
        if (st)
            return st;
    }
    while (s->bdf_t < t_end) {
        const aedyn_status st = step(s, f, ctx);
        if (st) {
            memcpy(y, diff(s, 0), n * sizeof *y);
            *t = s->bdf_t;
            s->fsal_valid = false;
            return st;
        }
    }
    /* y(t_n + sigma h) = sum_j D_j prod_{i<j} (sigma + i) / (i + 1), sigma in [-1, 0] */
    const double sigma = (t_end - s->bdf_t) / s->bdf_h;
    memcpy(y, diff(s, 0), n * sizeof *y);
    double coef = 1.0;
    for (int j = 1; j <= s->bdf_order && sigma != 0.0; j++) {
        coef *= (sigma + j - 1.0) / j;
        const double *dj = diff(s, j);
        for (size_t i = 0; i < n; i++)
            y[i] += coef * dj[i];
    }
    *t = t_end;
    return AEDYN_OK;
}
