/* RKC, the explicit method of the ODE stepper for stiff but dissipative
 * dynamics (see stepper-private.h): the second-order Runge-Kutta-Chebyshev
 * method of Sommeijer, Shampine & Verwer (1997) with damping 2/13. Its
 * stability region covers [-0.65 s^2, 0] of the real axis with s stages, so
 * a stiff but dissipative system is integrated with steps set by accuracy,
 * not by the fastest decay rate; the spectral radius comes from a nonlinear
 * power method on the right-hand side, at the start of every call and every
 * 25 accepted steps. A spectral radius that would need steps below the
 * floor even with the largest stage count ends the call (AEDYN_ERR_NUMERIC:
 * too stiff for an explicit method); failures are otherwise handled as in
 * DOPRI5 (stepper-private.h). */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "stepper-private.h"

#define RKC_EPS (2.0 / 13.0)
#define RKC_MAX_STAGES 400

typedef struct {
    size_t n;
    double *block;
    double *f0;       /* f(y) of the current state when fsal_valid */
    double *f1;       /* stage derivatives; the power method's f(y + v) */
    double *ys[3];    /* the three stage vectors of the recurrence */
    double *fnew;     /* f(ynew) */
    double *ytmp, *ynew, *yerr;
    double *v;        /* the last eigenvector guess of the power method (kept across
                         restarts: it only speeds the next estimate up) */
    double h;         /* next trial step; 0 = choose */
    double rho_est;   /* spectral radius estimate */
    int stages_max;
    aedyn__step_monitor mon; /* watches accepted steps (the automatic method) */
    void *mctx;
    bool first;       /* no step accepted since the last restart */
    bool fsal_valid;
} rkc_state;

static void rkc_free(void *state)
{
    rkc_state *w = state;
    if (!w)
        return;
    free(w->block);
    free(w);
}

static aedyn_status rkc_alloc(void **state, size_t n, const aedyn__linsys *ls)
{
    (void)ls;
    rkc_state *w = calloc(1, sizeof *w);
    double *v[10];
    if (!w || !(w->block = aedyn__stepper_vectors(n, 10, v))) {
        free(w);
        return aedyn__fail(AEDYN_ERR_NOMEM, "ODE stepper: out of memory (n = %zu)", n);
    }
    w->n = n;
    w->f0 = v[0];
    w->f1 = v[1];
    for (int i = 0; i < 3; i++)
        w->ys[i] = v[2 + i];
    w->fnew = v[5];
    w->ytmp = v[6];
    w->ynew = v[7];
    w->yerr = v[8];
    w->v = v[9];
    w->stages_max = RKC_MAX_STAGES;
    *state = w;
    return AEDYN_OK;
}

static void rkc_reset(void *state) { ((rkc_state *)state)->fsal_valid = false; }

static void rkc_set_monitor(void *state, aedyn__step_monitor m, void *mctx)
{
    rkc_state *w = state;
    w->mon = m;
    w->mctx = mctx;
}

static void rkc_restart(void *state, double h)
{
    rkc_state *w = state;
    w->h = h;
    w->rho_est = 0.0;
    w->first = true;
}

/* Spectral radius of the Jacobian at y (f0 = f(y) valid): the shared power
 * method; the last eigenvector guess is kept in v. */
static double spectral_radius(rkc_state *w, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                              double t, const double *y)
{
    return aedyn__stepper_spectral_radius(s, f, ctx, t, y, w->f0, w->v, w->ytmp, w->f1);
}

/* One RKC step of size h with st stages from y (f0 = f(y)): ynew. */
static void trial(rkc_state *w, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                  const double *y, double h, int st)
{
    const size_t n = w->n;
    const double w0 = 1.0 + RKC_EPS / ((double)st * st);
    /* w1 = T_s'(w0) / T_s''(w0), Chebyshev polynomials by their recurrences */
    double w1;
    {
        double t0 = 1.0, t1 = w0, d0 = 0.0, d1 = 1.0, dd0 = 0.0, dd1 = 0.0;
        for (int j = 2; j <= st; j++) {
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
    const double *Y0 = y;
    double *Yjm2 = w->ys[0], *Yjm1 = w->ys[1], *Yj = w->ys[2], *F = w->f1;
    const double mu1 = bjm1 * w1;
    /* stage abscissae: the same recurrence applied to y(t) = t, f = 1 */
    double cjm2 = 0.0, cjm1 = mu1;
    for (size_t i = 0; i < n; i++) {
        Yjm2[i] = Y0[i];
        Yjm1[i] = Y0[i] + mu1 * h * w->f0[i];
    }
    for (int j = 2; j <= st; j++) {
        const double tj = 2.0 * w0 * tjm1 - tjm2, dj = 2.0 * tjm1 + 2.0 * w0 * djm1 - djm2,
                     ddj = 4.0 * djm1 + 2.0 * w0 * ddjm1 - ddjm2;
        const double bj = ddj / (dj * dj);
        const double mu = 2.0 * w0 * bj / bjm1, nu = -bj / bjm2, mut = 2.0 * w1 * bj / bjm1;
        const double ajm1 = 1.0 - bjm1 * tjm1;
        const double gam = -ajm1 * mut;
        aedyn__stepper_eval(s, f, ctx, t + cjm1 * h, Yjm1, F);
        for (size_t i = 0; i < n; i++)
            Yj[i] = (1.0 - mu - nu) * Y0[i] + mu * Yjm1[i] + nu * Yjm2[i] +
                    h * (mut * F[i] + gam * w->f0[i]);
        const double cj = mu * cjm1 + nu * cjm2 + mut + gam;
        cjm2 = cjm1;
        cjm1 = cj;
        double *tmp = Yjm2;
        Yjm2 = Yjm1;
        Yjm1 = Yj;
        Yj = tmp;
        tjm2 = tjm1; tjm1 = tj;
        djm2 = djm1; djm1 = dj;
        ddjm2 = ddjm1; ddjm1 = ddj;
        bjm2 = bjm1; bjm1 = bj;
    }
    memcpy(w->ynew, Yjm1, n * sizeof(double));
}

static aedyn_status rkc_advance(void *state, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                double *t, double *y, double t_end)
{
    rkc_state *w = state;
    const size_t n = w->n;
    const int order = 2; /* of the error estimate */
    int since_rho = 1000;
    while (*t < t_end) {
        const double span = t_end - *t;
        if (!w->fsal_valid) {
            aedyn__stepper_eval(s, f, ctx, *t, y, w->f0);
            if (!aedyn__all_finite(w->f0, n))
                return aedyn__stepper_rhs_not_finite(s, *t);
            w->fsal_valid = true;
        }
        if (w->h <= 0.0)
            w->h = aedyn__stepper_initial_step(s, f, ctx, *t, y, w->f0, w->ytmp, w->f1, span, 2);
        double h = w->h;
        bool clipped = false;
        if (h >= span * (1.0 - 1e-12)) {
            h = span;
            clipped = true;
        }
        if (!clipped && !(*t + h > *t)) {
            /* a first step (the setting or the heuristic) may be raised; a
             * controlled one that cannot move t ends the call */
            if (!w->first)
                return aedyn__stepper_no_progress(s, *t, h);
            h = w->h = aedyn__stepper_floor(s, *t);
        }
        if (since_rho >= 25) {
            w->rho_est = spectral_radius(w, s, f, ctx, *t, y);
            since_rho = 0;
        }
        /* stages from the stability interval [-0.653 (s^2 - 1), 0]; the
         * square root is compared before the conversion, which would not
         * be defined for an infinite h rho */
        const double sq = sqrt(1.0 + 1.54 * h * w->rho_est);
        int stages;
        if (sq < w->stages_max) {
            stages = 1 + (int)sq;
            if (stages < 2)
                stages = 2;
        } else {
            stages = w->stages_max;
            h = 0.653 * ((double)stages * stages - 1.0) / w->rho_est;
            clipped = false;
            const double floor = aedyn__stepper_floor(s, *t);
            if (!(h >= floor))
                return aedyn__fail(AEDYN_ERR_NUMERIC, "RKC cannot make progress at t = %g: the "
                                   "spectral radius %g needs steps of %g, below the floor %g, "
                                   "with %d stages (too stiff for an explicit method; BDF is "
                                   "not bound by it)", *t, w->rho_est, h, floor, stages);
        }
        trial(w, s, f, ctx, *t, y, h, stages);
        aedyn__stepper_eval(s, f, ctx, *t + h, w->ynew, w->fnew);
        for (size_t i = 0; i < n; i++)
            w->yerr[i] = 0.8 * (y[i] - w->ynew[i]) + 0.4 * h * (w->f0[i] + w->fnew[i]);
        const double err = aedyn__stepper_err_norm(s, w->yerr, y, w->ynew);
        const bool finite = aedyn__all_finite(w->ynew, n) && aedyn__all_finite(w->fnew, n);
        const bool ok = finite && isfinite(err);
        if (ok && err <= 1.0) {
            memcpy(y, w->ynew, n * sizeof *y);
            memcpy(w->f0, w->fnew, n * sizeof *y); /* FSAL */
            *t = clipped ? t_end : *t + h;
            s->stats.nsteps++;
            s->h_last = h;
            w->first = false;
            since_rho++;
            const double fac = err > 0.0 ? 0.9 * pow(err, -1.0 / (order + 1)) : 5.0;
            const double hn = h * fmin(5.0, fmax(0.2, fac));
            /* a clipped step must not shrink the step the controller wants */
            w->h = fmin(clipped ? fmax(hn, w->h) : hn, AEDYN__STEP_MAX);
            /* accepted steps may shrink too (by 0.9 at most), e.g. towards a
             * singularity: below the floor that ends the call as well */
            if (!clipped && hn < h && !(hn >= aedyn__stepper_floor(s, *t)))
                return aedyn__stepper_collapse(s, *t, hn, false, "the error test fails");
            /* the monitor sees h times the spectral radius estimate */
            if (w->mon && *t < t_end && w->mon(w->mctx, *t, y, h, h * w->rho_est))
                return AEDYN_OK; /* the monitor ends the call here */
        } else {
            s->stats.nreject++;
            const double fac = ok ? fmax(0.1, 0.9 * pow(err, -1.0 / (order + 1))) : 0.25;
            w->h = h * fmin(fac, 0.9);
            if (!ok)
                since_rho = 1000; /* re-estimate the spectral radius */
            if (!(w->h >= aedyn__stepper_floor(s, *t)))
                return aedyn__stepper_collapse(s, *t, w->h, !finite, "the error test fails");
        }
    }
    return AEDYN_OK;
}

const aedyn__stepper_ops aedyn__stepper_rkc = {
    .method = AEDYN_ODE_RKC, .name = "RKC", .adaptive = true,
    .alloc = rkc_alloc, .free = rkc_free, .reset = rkc_reset, .restart = rkc_restart,
    .advance = rkc_advance, .dense = NULL, .set_monitor = rkc_set_monitor,
};
