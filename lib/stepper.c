/* The stepper handle (see stepper-private.h): the table of methods, the
 * settings and statistics they share, the common driver, and the helpers
 * every adaptive method uses (weighted error norm, initial step). The
 * methods themselves live in stepper-fixed.c, stepper-dopri5.c,
 * stepper-rkc.c and stepper-bdf.c. */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "stepper-private.h"

/* The methods, indexed by aedyn_ode_method: a new method is one file and
 * one line here. */
static const aedyn__stepper_ops *const methods[AEDYN__STEPPER_N_METHODS] = {
    [AEDYN_ODE_EULER] = &aedyn__stepper_euler,
    [AEDYN_ODE_RK4] = &aedyn__stepper_rk4,
    [AEDYN_ODE_DOPRI5] = &aedyn__stepper_dopri5,
    [AEDYN_ODE_RKC] = &aedyn__stepper_rkc,
    [AEDYN_ODE_BDF] = &aedyn__stepper_bdf,
    [AEDYN_ODE_AUTO] = &aedyn__stepper_auto,
};

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
    if (ls)
        s->ls = *ls;
    const aedyn_status st = aedyn__stepper_set_method(s, method);
    if (st) {
        aedyn__stepper_destroy(s);
        return st;
    }
    *out = s;
    return AEDYN_OK;
}

void aedyn__stepper_destroy(aedyn__stepper *s)
{
    if (!s)
        return;
    for (int m = 0; m < AEDYN__STEPPER_N_METHODS; m++)
        if (s->states[m])
            methods[m]->free(s->states[m]);
    free(s);
}

aedyn_status aedyn__stepper_set_method(aedyn__stepper *s, aedyn_ode_method method)
{
    if ((int)method < 0 || (int)method >= AEDYN__STEPPER_N_METHODS || !methods[method])
        return aedyn__fail(AEDYN_ERR_INVALID, "ODE stepper: unknown method %d", (int)method);
    const aedyn__stepper_ops *ops = methods[method];
    if (!s->states[method]) {
        const aedyn_status st = ops->alloc(&s->states[method], s->n,
                                           s->ls.jacobian ? &s->ls : NULL);
        if (st)
            return st;
    }
    s->ops = ops;
    s->state = s->states[method];
    ops->reset(s->state);
    ops->restart(s->state, s->h);
    return AEDYN_OK;
}

aedyn_ode_method aedyn__stepper_get_method(const aedyn__stepper *s) { return s->ops->method; }

aedyn_status aedyn__stepper_set_step(aedyn__stepper *s, double h)
{
    if (!isfinite(h) || h < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "ODE stepper: step must be finite and >= 0, got %g",
                           h);
    s->h = h;
    s->ops->restart(s->state, h);
    return AEDYN_OK;
}

double aedyn__stepper_get_step(const aedyn__stepper *s) { return s->h; }

aedyn_status aedyn__stepper_set_tolerances(aedyn__stepper *s, double rtol, double atol)
{
    if (!(rtol > 0.0 && isfinite(rtol) && atol > 0.0 && isfinite(atol)))
        return aedyn__fail(AEDYN_ERR_INVALID, "ODE stepper: need rtol > 0 and atol > 0, finite "
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

aedyn_status aedyn__stepper_get_switch(const aedyn__stepper *s, size_t i, double *t,
                                       aedyn_ode_method *m)
{
    const uint64_t kept = s->stats.nswitch < AEDYN_ODE_MAX_SWITCHES ? s->stats.nswitch
                                                                    : AEDYN_ODE_MAX_SWITCHES;
    if (i >= kept)
        return aedyn__fail(AEDYN_ERR_SIZE, "switch %zu of the automatic method does not exist "
                           "(%llu recorded)", i, (unsigned long long)kept);
    if (t)
        *t = s->switch_t[i];
    if (m)
        *m = s->switch_m[i];
    return AEDYN_OK;
}

void aedyn__stepper_log_switch(aedyn__stepper *s, double t, aedyn_ode_method m)
{
    if (s->stats.nswitch < AEDYN_ODE_MAX_SWITCHES) {
        s->switch_t[s->stats.nswitch] = t;
        s->switch_m[s->stats.nswitch] = m;
    }
    s->stats.nswitch++;
}

void aedyn__stepper_reset(aedyn__stepper *s) { s->ops->reset(s->state); }

aedyn_status aedyn__stepper_advance(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double *t,
                                    double *y, double t_end)
{
    if (!isfinite(*t) || !isfinite(t_end))
        return aedyn__fail(AEDYN_ERR_INVALID, "ODE times must be finite (t = %g, t_end = %g)",
                           *t, t_end);
    if (!(t_end >= *t))
        return aedyn__fail(AEDYN_ERR_INVALID, "cannot integrate backwards (t = %g, t_end = %g)",
                           *t, t_end);
    if (!s->ops->adaptive) {
        if (!(s->h > 0.0 && isfinite(s->h)))
            return aedyn__fail(AEDYN_ERR_INVALID, "fixed step must be finite and > 0, got %g",
                               s->h);
        /* below the floor, t_k = t0 + k h is barely (or not) resolved */
        const double floor = aedyn__stepper_floor(s, fmax(fabs(*t), fabs(t_end)));
        if (s->h < floor)
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: the fixed step %g is below the floor %g "
                               "of times up to %g", s->ops->name, s->h, floor, t_end);
    } else if (!(s->rtol > 0.0 && isfinite(s->rtol) && s->atol > 0.0 && isfinite(s->atol))) {
        return aedyn__fail(AEDYN_ERR_INVALID, "ODE stepper: need rtol > 0 and atol > 0, finite "
                           "(got %g, %g)", s->rtol, s->atol);
    }
    if (t_end == *t)
        return AEDYN_OK;
    if (!aedyn__all_finite(y, s->n))
        return aedyn__fail(AEDYN_ERR_DIVERGED, "the dynamics diverged: the state is not finite "
                           "at t = %g", *t);
    return s->ops->advance(s->state, s, f, ctx, t, y, t_end);
}

static bool stop_after_step(void *mctx, double t, const double *y, double h, double h_lambda)
{
    (void)t;
    (void)y;
    (void)h;
    *(double *)mctx = h_lambda;
    return true;
}

aedyn_status aedyn__stepper_step(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double *t,
                                 double *y, double t_end, double *h_lambda)
{
    if (s->ops != &aedyn__stepper_dopri5)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "single steps need DOPRI5 (the method is %s)",
                           s->ops->name);
    double hl = NAN;
    s->ops->set_monitor(s->state, stop_after_step, &hl);
    const aedyn_status st = aedyn__stepper_advance(s, f, ctx, t, y, t_end);
    s->ops->set_monitor(s->state, NULL, NULL);
    if (h_lambda)
        *h_lambda = hl;
    return st;
}

aedyn_status aedyn__stepper_dense(const aedyn__stepper *s, double t, double *y)
{
    if (!s->ops->dense)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "dense output needs a DOPRI5 step first");
    return s->ops->dense(s->state, t, y);
}

/* ---- shared by the methods ---------------------------------------------- */

double *aedyn__stepper_vectors(size_t n, size_t count, double **v)
{
    const size_t m = n ? n : 1;
    size_t total;
    if (!aedyn__mul_size(m, count, &total))
        return NULL;
    double *block = aedyn__calloc(total, sizeof *block);
    if (block)
        for (size_t i = 0; i < count; i++)
            v[i] = block + i * m;
    return block;
}

aedyn_status aedyn__stepper_rhs_not_finite(const aedyn__stepper *s, double t)
{
    return aedyn__fail(AEDYN_ERR_DIVERGED, "the dynamics diverged: %s found the right-hand side "
                       "not finite at t = %g", s->ops->name, t);
}

aedyn_status aedyn__stepper_collapse(const aedyn__stepper *s, double t, double h, bool nonfinite,
                                     const char *why)
{
    if (nonfinite)
        return aedyn__fail(AEDYN_ERR_DIVERGED, "the dynamics diverged near t = %g: %s met "
                           "non-finite values with every step down to h = %g (the last finite "
                           "state is kept)", t, s->ops->name, h);
    return aedyn__fail(AEDYN_ERR_NUMERIC, "%s cannot make progress at t = %g: step size %g "
                       "below the floor %g and %s, with a finite state (a singularity of the "
                       "solution, stiffness beyond the method, or tolerances too strict)",
                       s->ops->name, t, h, aedyn__stepper_floor(s, t), why);
}

aedyn_status aedyn__stepper_no_progress(const aedyn__stepper *s, double t, double h)
{
    return aedyn__fail(AEDYN_ERR_NUMERIC, "%s cannot make progress at t = %g: step size %g "
                       "does not advance t", s->ops->name, t, h);
}

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

double aedyn__stepper_spectral_radius(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                                      const double *y, const double *f0, double *v, double *z,
                                      double *fz)
{
    const size_t n = s->n;
    double ynrm = 0, vnrm = 0;
    for (size_t i = 0; i < n; i++) {
        ynrm += y[i] * y[i];
        vnrm += v[i] * v[i];
    }
    ynrm = sqrt(ynrm);
    if (vnrm == 0.0) { /* first guess: f(y), or a constant vector */
        for (size_t i = 0; i < n; i++)
            v[i] = f0[i];
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
        aedyn__stepper_eval(s, f, ctx, t, z, fz);
        double wn = 0;
        for (size_t i = 0; i < n; i++) {
            v[i] = fz[i] - f0[i];
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

double aedyn__stepper_err_max(const aedyn__stepper *s, const double *e, const double *y0,
                              const double *y1)
{
    double worst = 0.0;
    for (size_t i = 0; i < s->n; i++) {
        const double sc = s->atol + s->rtol * fmax(fabs(y0[i]), fabs(y1[i]));
        const double r = fabs(e[i]) / sc;
        worst = r > worst || isnan(r) ? r : worst; /* a NaN is reported, not skipped */
    }
    return worst;
}

double aedyn__stepper_initial_step(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                                   const double *y, const double *f0, double *ytmp, double *f1,
                                   double span, int p)
{
    const size_t n = s->n;
    double d0 = 0, d1n = 0;
    for (size_t i = 0; i < n; i++) {
        const double sc = s->atol + s->rtol * fabs(y[i]);
        d0 += (y[i] / sc) * (y[i] / sc);
        d1n += (f0[i] / sc) * (f0[i] / sc);
    }
    d0 = sqrt(d0 / (double)(n ? n : 1));
    d1n = sqrt(d1n / (double)(n ? n : 1));
    /* ratios beyond 1e154 (a tiny atol, a huge state) overflow the sums:
     * then only the fallback is sane */
    double h0 = (d0 < 1e-5 || d1n < 1e-5 || !isfinite(d0) || !isfinite(d1n))
                    ? 1e-6 : 0.01 * d0 / d1n;
    h0 = fmin(h0, span);
    for (size_t i = 0; i < n; i++)
        ytmp[i] = y[i] + h0 * f0[i];
    aedyn__stepper_eval(s, f, ctx, t + h0, ytmp, f1);
    double d2 = 0;
    for (size_t i = 0; i < n; i++) {
        const double sc = s->atol + s->rtol * fabs(y[i]);
        const double r = (f1[i] - f0[i]) / sc;
        d2 += r * r;
    }
    d2 = sqrt(d2 / (double)(n ? n : 1)) / h0;
    const double m = fmax(d1n, d2);
    const double h1 = m <= 1e-15 ? fmax(1e-6, h0 * 1e-3) : pow(0.01 / m, 1.0 / (p + 1));
    const double h = fmin(fmin(100.0 * h0, h1), span);
    /* f(ytmp) not finite or a second derivative beyond range: keep h0 */
    return h > 0.0 && isfinite(h) ? h : h0;
}
