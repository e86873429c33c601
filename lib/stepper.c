/* ODE steppers on a flat state vector (see stepper-private.h).
 *
 * DOPRI5: the Dormand-Prince 5(4) pair with the standard error estimate and
 * the 4th-order continuous extension (Hairer, Norsett & Wanner, Solving ODEs I,
 * section II.5 and II.6). RKC: the second-order Runge-Kutta-Chebyshev method of
 * Sommeijer, Shampine & Verwer (1997) with damping 2/13: its stability region
 * covers [-0.65 s^2, 0] of the real axis with s stages, so a stiff but
 * dissipative system is integrated with steps set by accuracy, not by the
 * fastest decay rate; the spectral radius comes from a nonlinear power method
 * on the right-hand side. */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "stepper-private.h"

#define RKC_EPS (2.0 / 13.0)
#define RKC_MAX_STAGES 400

aedyn_status aedyn__stepper_create(aedyn__stepper **out, size_t n, aedyn_ode_method method,
                                   const aedyn__linsys *ls)
{
    aedyn__stepper *s = calloc(1, sizeof *s);
    if (!s)
        return aedyn__fail(AEDYN_ERR_NOMEM, "ODE stepper: out of memory (n = %zu)", n);
    s->n = n;
    s->rtol = 1e-6;
    s->atol = 1e-9;
    s->h_min = 1e-12;
    s->rkc_stages_max = RKC_MAX_STAGES;
    s->method = AEDYN_ODE_RKC;
    if (ls)
        s->ls = *ls;
    double **bufs[] = { &s->k[0], &s->k[1], &s->k[2], &s->k[3], &s->k[4], &s->k[5], &s->k[6],
                        &s->ytmp, &s->ynew, &s->yerr, &s->v, &s->dense[0], &s->dense[1],
                        &s->dense[2], &s->dense[3], &s->dense[4] };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        if (!(*bufs[i] = aedyn__calloc(n ? n : 1, sizeof(double)))) {
            aedyn__stepper_destroy(s);
            return aedyn__fail(AEDYN_ERR_NOMEM, "ODE stepper: out of memory (n = %zu)", n);
        }
    const aedyn_status st = aedyn__stepper_set_method(s, method);
    if (st) {
        aedyn__stepper_destroy(s);
        return st;
    }
    *out = s;
    return AEDYN_OK;
}

aedyn_status aedyn__stepper_set_method(aedyn__stepper *s, aedyn_ode_method method)
{
    if (method < AEDYN_ODE_EULER || method > AEDYN_ODE_BDF)
        return aedyn__fail(AEDYN_ERR_INVALID, "ODE stepper: unknown method %d", (int)method);
    if (method == AEDYN_ODE_BDF && !s->jac) {
        const aedyn_status st = aedyn__bdf_alloc(s);
        if (st)
            return st;
    }
    s->method = method;
    aedyn__stepper_reset(s);
    return AEDYN_OK;
}

aedyn_ode_method aedyn__stepper_get_method(const aedyn__stepper *s) { return s->method; }

aedyn_status aedyn__stepper_set_step(aedyn__stepper *s, double h)
{
    if (!isfinite(h) || h < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "ODE stepper: step must be finite and >= 0, got %g",
                           h);
    s->h = h;
    s->rho_est = 0.0;
    return AEDYN_OK;
}

aedyn_status aedyn__stepper_set_tolerances(aedyn__stepper *s, double rtol, double atol)
{
    if (!isfinite(rtol) || rtol <= 0.0 || !isfinite(atol) || atol < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "ODE stepper: need rtol > 0 and atol >= 0, finite "
                           "(got %g, %g)", rtol, atol);
    s->rtol = rtol;
    s->atol = atol;
    return AEDYN_OK;
}

void aedyn__stepper_get_tolerances(const aedyn__stepper *s, double *rtol, double *atol)
{
    if (rtol)
        *rtol = s->rtol;
    if (atol)
        *atol = s->atol;
}

aedyn__stepper_stats aedyn__stepper_get_stats(const aedyn__stepper *s) { return s->stats; }

double aedyn__stepper_get_last_step(const aedyn__stepper *s) { return s->h_last; }

void aedyn__stepper_destroy(aedyn__stepper *s)
{
    if (!s)
        return;
    for (int i = 0; i < 7; i++)
        free(s->k[i]);
    for (int i = 0; i < 5; i++)
        free(s->dense[i]);
    free(s->ytmp);
    free(s->ynew);
    free(s->yerr);
    free(s->v);
    aedyn__bdf_free(s);
    free(s);
}

void aedyn__stepper_reset(aedyn__stepper *s)
{
    s->fsal_valid = false;
}

/* Weighted RMS norm of e with weights atol + rtol max(|y0|, |y1|). */
double aedyn__stepper_err_norm(const aedyn__stepper *s, const double *e, const double *y0,
                               const double *y1)
{
    double sum = 0.0;
    for (size_t i = 0; i < s->n; i++) {
        const double sc = s->atol + s->rtol * fmax(fabs(y0[i]), fabs(y1[i]));
        const double r = e[i] / sc;
        sum += r * r;
    }
    return s->n ? sqrt(sum / (double)s->n) : 0.0;
}

#define eval aedyn__stepper_eval

/* ---- fixed-step methods ------------------------------------------------- */

static void euler_step(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, const double *y, double h)
{
    const size_t n = s->n;
    eval(s, f, ctx, y, s->k[0]);
    for (size_t i = 0; i < n; i++)
        s->ynew[i] = y[i] + h * s->k[0][i];
}

static void rk4_step(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, const double *y, double h)
{
    const size_t n = s->n;
    double **k = s->k, *yt = s->ytmp;
    eval(s, f, ctx, y, k[0]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + 0.5 * h * k[0][i];
    eval(s, f, ctx, yt, k[1]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + 0.5 * h * k[1][i];
    eval(s, f, ctx, yt, k[2]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * k[2][i];
    eval(s, f, ctx, yt, k[3]);
    for (size_t i = 0; i < n; i++)
        s->ynew[i] = y[i] + h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
}

/* ---- Dormand-Prince 5(4) ---------------------------------------------------- */

static const double
    a21 = 1.0 / 5.0,
    a31 = 3.0 / 40.0, a32 = 9.0 / 40.0,
    a41 = 44.0 / 45.0, a42 = -56.0 / 15.0, a43 = 32.0 / 9.0,
    a51 = 19372.0 / 6561.0, a52 = -25360.0 / 2187.0, a53 = 64448.0 / 6561.0, a54 = -212.0 / 729.0,
    a61 = 9017.0 / 3168.0, a62 = -355.0 / 33.0, a63 = 46732.0 / 5247.0, a64 = 49.0 / 176.0,
    a65 = -5103.0 / 18656.0,
    b1 = 35.0 / 384.0, b3 = 500.0 / 1113.0, b4 = 125.0 / 192.0, b5 = -2187.0 / 6784.0,
    b6 = 11.0 / 84.0,
    e1 = 71.0 / 57600.0, e3 = -71.0 / 16695.0, e4 = 71.0 / 1920.0, e5 = -17253.0 / 339200.0,
    e6 = 22.0 / 525.0, e7 = -1.0 / 40.0,
    d1 = -12715105075.0 / 11282082432.0, d3 = 87487479700.0 / 32700410799.0,
    d4 = -10690763975.0 / 1880347072.0, d5 = 701980252875.0 / 199316789632.0,
    d6 = -1453857185.0 / 822651844.0, d7 = 69997945.0 / 29380423.0;

/* One trial step from y (k[0] = f(y) valid): ynew, yerr, k[6] = f(ynew). */
static void dopri_trial(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, const double *y, double h)
{
    const size_t n = s->n;
    double **k = s->k, *yt = s->ytmp;
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * a21 * k[0][i];
    eval(s, f, ctx, yt, k[1]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * (a31 * k[0][i] + a32 * k[1][i]);
    eval(s, f, ctx, yt, k[2]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * (a41 * k[0][i] + a42 * k[1][i] + a43 * k[2][i]);
    eval(s, f, ctx, yt, k[3]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * (a51 * k[0][i] + a52 * k[1][i] + a53 * k[2][i] + a54 * k[3][i]);
    eval(s, f, ctx, yt, k[4]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * (a61 * k[0][i] + a62 * k[1][i] + a63 * k[2][i] + a64 * k[3][i] +
                            a65 * k[4][i]);
    eval(s, f, ctx, yt, k[5]);
    for (size_t i = 0; i < n; i++)
        s->ynew[i] = y[i] + h * (b1 * k[0][i] + b3 * k[2][i] + b4 * k[3][i] + b5 * k[4][i] +
                                 b6 * k[5][i]);
    eval(s, f, ctx, s->ynew, k[6]);
    for (size_t i = 0; i < n; i++)
        s->yerr[i] = h * (e1 * k[0][i] + e3 * k[2][i] + e4 * k[3][i] + e5 * k[4][i] +
                          e6 * k[5][i] + e7 * k[6][i]);
}

static void dopri_store_dense(aedyn__stepper *s, const double *y, double t0, double h)
{
    double **k = s->k, **r = s->dense;
    for (size_t i = 0; i < s->n; i++) {
        const double dy = s->ynew[i] - y[i], bspl = h * k[0][i] - dy;
        r[0][i] = y[i];
        r[1][i] = dy;
        r[2][i] = bspl;
        r[3][i] = dy - h * k[6][i] - bspl;
        r[4][i] = h * (d1 * k[0][i] + d3 * k[2][i] + d4 * k[3][i] + d5 * k[4][i] +
                       d6 * k[5][i] + d7 * k[6][i]);
    }
    s->dense_t0 = t0;
    s->dense_h = h;
}

aedyn_status aedyn__stepper_dense(const aedyn__stepper *s, double t, double *y)
{
    if (s->method != AEDYN_ODE_DOPRI5 || s->dense_h <= 0.0)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "dense output needs a DOPRI5 step first");
    const double th = (t - s->dense_t0) / s->dense_h, th1 = 1.0 - th;
    if (th < -1e-12 || th > 1.0 + 1e-12)
        return aedyn__fail(AEDYN_ERR_INVALID, "dense output at t = %g outside the last step "
                           "[%g, %g]", t, s->dense_t0, s->dense_t0 + s->dense_h);
    double *const *r = s->dense;
    for (size_t i = 0; i < s->n; i++)
        y[i] = r[0][i] + th * (r[1][i] + th1 * (r[2][i] + th * (r[3][i] + th1 * r[4][i])));
    return AEDYN_OK;
}

double aedyn__stepper_initial_step(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                   const double *y, double span, int p)
{
    const size_t n = s->n;
    double d0 = 0, d1n = 0;
    for (size_t i = 0; i < n; i++) {
        const double sc = s->atol + s->rtol * fabs(y[i]);
        d0 += (y[i] / sc) * (y[i] / sc);
        d1n += (s->k[0][i] / sc) * (s->k[0][i] / sc);
    }
    d0 = sqrt(d0 / (double)(n ? n : 1));
    d1n = sqrt(d1n / (double)(n ? n : 1));
    double h0 = (d0 < 1e-5 || d1n < 1e-5) ? 1e-6 : 0.01 * d0 / d1n;
    h0 = fmin(h0, span);
    for (size_t i = 0; i < n; i++)
        s->ytmp[i] = y[i] + h0 * s->k[0][i];
    eval(s, f, ctx, s->ytmp, s->k[1]);
    double d2 = 0;
    for (size_t i = 0; i < n; i++) {
        const double sc = s->atol + s->rtol * fabs(y[i]);
        const double r = (s->k[1][i] - s->k[0][i]) / sc;
        d2 += r * r;
    }
    d2 = sqrt(d2 / (double)(n ? n : 1)) / h0;
    const double m = fmax(d1n, d2);
    const double h1 = m <= 1e-15 ? fmax(1e-6, h0 * 1e-3) : pow(0.01 / m, 1.0 / (p + 1));
    return fmin(fmin(100.0 * h0, h1), span);
}

/* ---- Runge-Kutta-Chebyshev ------------------------------------------------ */

/* Spectral radius of the Jacobian at y by a nonlinear power method
 * (k[0] = f(y) valid); the last eigenvector guess is kept in s->v. */
static double rkc_spectral_radius(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, const double *y)
{
    const size_t n = s->n;
    double *v = s->v, *z = s->ytmp, *fz = s->k[1];
    double ynrm = 0, vnrm = 0;
    for (size_t i = 0; i < n; i++) {
        ynrm += y[i] * y[i];
        vnrm += v[i] * v[i];
    }
    ynrm = sqrt(ynrm);
    if (vnrm == 0.0) { /* first guess: f(y), or a constant vector */
        for (size_t i = 0; i < n; i++)
            v[i] = s->k[0][i];
        vnrm = 0;
        for (size_t i = 0; i < n; i++)
            vnrm += v[i] * v[i];
        if (vnrm == 0.0) {
            for (size_t i = 0; i < n; i++)
                v[i] = 1.0;
            vnrm = (double)n;
        }
    }
    vnrm = sqrt(vnrm);
    const double dyn = ynrm > 0.0 ? ynrm * sqrt(DBL_EPSILON) : sqrt(DBL_EPSILON);
    for (size_t i = 0; i < n; i++)
        v[i] *= dyn / vnrm;
    double rho = 0.0;
    for (int it = 0; it < 50; it++) {
        for (size_t i = 0; i < n; i++)
            z[i] = y[i] + v[i];
        eval(s, f, ctx, z, fz);
        double wn = 0;
        for (size_t i = 0; i < n; i++) {
            v[i] = fz[i] - s->k[0][i];
            wn += v[i] * v[i];
        }
        wn = sqrt(wn);
        const double r = wn / dyn;
        if (wn == 0.0 || !isfinite(wn)) { /* linear-free or broken: keep the last estimate */
            for (size_t i = 0; i < n; i++)
                v[i] = 0.0;
            break;
        }
        for (size_t i = 0; i < n; i++)
            v[i] *= dyn / wn;
        if (it >= 2 && fabs(r - rho) <= 0.01 * fmax(r, rho)) {
            rho = r;
            break;
        }
        rho = r;
    }
    return 1.2 * rho;
}

/* One RKC step of size h with s stages from y (k[0] = f(y)): ynew. */
static void rkc_trial(aedyn__stepper *st, aedyn__rhs_fn f, void *ctx, const double *y, double h,
                      int s)
{
    const size_t n = st->n;
    const double w0 = 1.0 + RKC_EPS / ((double)s * s);
    /* w1 = T_s'(w0) / T_s''(w0), Chebyshev polynomials by their recurrences */
    double w1;
    {
        double t0 = 1.0, t1 = w0, d0 = 0.0, d1 = 1.0, dd0 = 0.0, dd1 = 0.0;
        for (int j = 2; j <= s; j++) {
            const double t2 = 2.0 * w0 * t1 - t0, d2 = 2.0 * t1 + 2.0 * w0 * d1 - d0,
                         dd2 = 4.0 * d1 + 2.0 * w0 * dd1 - dd0;
            t0 = t1; t1 = t2; d0 = d1; d1 = d2; dd0 = dd1; dd1 = dd2;
        }
        w1 = d1 / dd1;
    }
    /* b_j = T_j''/T_j'^2 for j >= 2 and b0 = b1 = b2 = T_2''/T_2'^2 = 1/(4 w0^2) */
    double tjm2 = 1.0, tjm1 = w0, djm2 = 0.0, djm1 = 1.0, ddjm2 = 0.0, ddjm1 = 0.0;
    const double b2 = 4.0 / (16.0 * w0 * w0);
    double bjm2 = b2, bjm1 = b2; /* b_{j-2}, b_{j-1} at j = 2 */
    double *Y0 = (double *)y, *Yjm2 = st->k[2], *Yjm1 = st->k[3], *Yj = st->k[4], *F = st->k[1];
    const double mu1 = bjm1 * w1;
    for (size_t i = 0; i < n; i++) {
        Yjm2[i] = Y0[i];
        Yjm1[i] = Y0[i] + mu1 * h * st->k[0][i];
    }
    for (int j = 2; j <= s; j++) {
        const double tj = 2.0 * w0 * tjm1 - tjm2, dj = 2.0 * tjm1 + 2.0 * w0 * djm1 - djm2,
                     ddj = 4.0 * djm1 + 2.0 * w0 * ddjm1 - ddjm2;
        const double bj = ddj / (dj * dj);
        const double mu = 2.0 * w0 * bj / bjm1, nu = -bj / bjm2, mut = 2.0 * w1 * bj / bjm1;
        const double ajm1 = 1.0 - bjm1 * tjm1;
        const double gam = -ajm1 * mut;
        eval(st, f, ctx, Yjm1, F);
        for (size_t i = 0; i < n; i++)
            Yj[i] = (1.0 - mu - nu) * Y0[i] + mu * Yjm1[i] + nu * Yjm2[i] +
                    h * (mut * F[i] + gam * st->k[0][i]);
        double *tmp = Yjm2;
        Yjm2 = Yjm1;
        Yjm1 = Yj;
        Yj = tmp;
        tjm2 = tjm1; tjm1 = tj;
        djm2 = djm1; djm1 = dj;
        ddjm2 = ddjm1; ddjm1 = ddj;
        bjm2 = bjm1; bjm1 = bj;
    }
    memcpy(st->ynew, Yjm1, n * sizeof(double));
}

/* ---- driver --------------------------------------------------------------- */

static bool finite_vec(const double *y, size_t n)
{
    return aedyn__all_finite(y, n);
}

aedyn_status aedyn__stepper_advance(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double *t,
                                    double *y, double t_end)
{
    const size_t n = s->n;
    if (!(t_end >= *t))
        return aedyn__fail(AEDYN_ERR_INVALID, "cannot integrate backwards (t = %g, t_end = %g)",
                           *t, t_end);
    if (s->method == AEDYN_ODE_BDF)
        return aedyn__bdf_advance(s, f, ctx, t, y, t_end);
    const bool adaptive = s->method == AEDYN_ODE_DOPRI5 || s->method == AEDYN_ODE_RKC;
    if (!adaptive && !(s->h > 0.0 && isfinite(s->h)))
        return aedyn__fail(AEDYN_ERR_INVALID, "fixed step must be finite and > 0, got %g", s->h);
    int since_rho = 1000;
    while (*t < t_end) {
        const double span = t_end - *t;
        if (!adaptive) {
            /* n steps of h with t_k = t0 + k h (no accumulated rounding); the
             * last one is clipped to land exactly on t_end */
            const double t0 = *t;
            const double nst = ceil(span / s->h * (1.0 - 1e-12));
            for (double k = 1.0; k <= nst; k += 1.0) {
                const double t1 = k == nst ? t_end : t0 + k * s->h, h = t1 - *t;
                if (s->method == AEDYN_ODE_EULER)
                    euler_step(s, f, ctx, y, h);
                else
                    rk4_step(s, f, ctx, y, h);
                if (!finite_vec(s->ynew, n))
                    return aedyn__fail(AEDYN_ERR_DIVERGED, "ODE diverged at t = %g (step %g)",
                                       *t, h);
                memcpy(y, s->ynew, n * sizeof *y);
                *t = t1;
                s->stats.nsteps++;
                s->h_last = h;
            }
            *t = t_end;
            continue;
        }
        if (!s->fsal_valid) {
            eval(s, f, ctx, y, s->k[0]);
            if (!finite_vec(s->k[0], n))
                return aedyn__fail(AEDYN_ERR_DIVERGED, "ODE right-hand side not finite at t = %g", *t);
            s->fsal_valid = true;
        }
        if (s->h <= 0.0)
            s->h = aedyn__stepper_initial_step(s, f, ctx, y, span, s->method == AEDYN_ODE_DOPRI5 ? 5 : 2);
        double h = s->h;
        bool clipped = false;
        if (h >= span * (1.0 - 1e-12)) {
            h = span;
            clipped = true;
        }
        int stages = 0;
        if (s->method == AEDYN_ODE_RKC) {
            if (since_rho >= 25) {
                s->rho_est = rkc_spectral_radius(s, f, ctx, y);
                since_rho = 0;
            }
            stages = 1 + (int)sqrt(1.0 + 1.54 * h * s->rho_est);
            if (stages < 2)
                stages = 2;
            if (stages > s->rkc_stages_max) {
                stages = s->rkc_stages_max;
                h = 0.653 * ((double)stages * stages - 1.0) / s->rho_est;
                clipped = false;
            }
            rkc_trial(s, f, ctx, y, h, stages);
            eval(s, f, ctx, s->ynew, s->k[6]);
            for (size_t i = 0; i < n; i++)
                s->yerr[i] = 0.8 * (y[i] - s->ynew[i]) + 0.4 * h * (s->k[0][i] + s->k[6][i]);
        } else {
            dopri_trial(s, f, ctx, y, h);
        }
        double err = aedyn__stepper_err_norm(s, s->yerr, y, s->ynew);
        const bool ok = finite_vec(s->ynew, n) && finite_vec(s->k[6], n) && isfinite(err);
        const int order = s->method == AEDYN_ODE_RKC ? 2 : 4;
        if (ok && err <= 1.0) {
            if (s->method == AEDYN_ODE_DOPRI5)
                dopri_store_dense(s, y, *t, h);
            memcpy(y, s->ynew, n * sizeof *y);
            memcpy(s->k[0], s->k[6], n * sizeof *y); /* FSAL */
            *t = clipped ? t_end : *t + h;
            s->stats.nsteps++;
            s->h_last = h;
            since_rho++;
            const double fac = err > 0.0 ? 0.9 * pow(err, -1.0 / (order + 1)) : 5.0;
            const double hn = h * fmin(5.0, fmax(0.2, fac));
            /* a clipped step must not shrink the step the controller wants */
            s->h = clipped ? fmax(hn, s->h) : hn;
        } else {
            s->stats.nreject++;
            const double fac = ok ? fmax(0.1, 0.9 * pow(err, -1.0 / (order + 1))) : 0.25;
            s->h = h * fmin(fac, 0.9);
            if (!ok)
                since_rho = 1000; /* re-estimate the spectral radius */
            if (s->h < s->h_min * fmax(1.0, fabs(*t)))
                return aedyn__fail(AEDYN_ERR_DIVERGED,
                                   "ODE step size underflow at t = %g (h = %g): the state "
                                   "diverges or the problem is too stiff", *t, s->h);
        }
    }
    return AEDYN_OK;
}
