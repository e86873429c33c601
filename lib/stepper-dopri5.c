/* DOPRI5, the adaptive explicit method of the ODE stepper (see
 * stepper-private.h): the Dormand-Prince 5(4) pair with the standard error
 * estimate and the 4th-order continuous extension (Hairer, Norsett &
 * Wanner, Solving ODEs I, sections II.5 and II.6). The last stage is the
 * derivative at the new state and is reused as the first stage of the next
 * step (FSAL). The last step of an interval is clipped to land on t_end
 * without shrinking the step the controller wants. A step is accepted only
 * with a finite new state and derivative; a trial that meets non-finite
 * values is rejected with the factor 1/4, and when the step falls below the
 * floor the cause of the last rejection decides the status (stepper-private.h). */
#include <stdlib.h>
#include <string.h>
#include "stepper-private.h"

typedef struct {
    size_t n;
    double *block;
    double *k[7];
    double *ytmp, *ynew, *yerr;
    double h;        /* next trial step; 0 = choose */
    bool first;      /* no step accepted since the last restart */
    bool fsal_valid; /* k[0] holds f(y) of the current state */
    /* dense output of the last step: y(t0 + theta h) */
    double dense_t0, dense_h;
    double *dense[5];
    aedyn__step_monitor mon; /* watches accepted steps (the automatic method) */
    void *mctx;
} dopri5_state;

static void dopri5_free(void *state)
{
    dopri5_state *w = state;
    if (!w)
        return;
    free(w->block);
    free(w);
}

static aedyn_status dopri5_alloc(void **state, size_t n, const aedyn__linsys *ls)
{
    (void)ls;
    dopri5_state *w = calloc(1, sizeof *w);
    double *v[15];
    if (!w || !(w->block = aedyn__stepper_vectors(n, 15, v))) {
        free(w);
        return aedyn__fail(AEDYN_ERR_NOMEM, "ODE stepper: out of memory (n = %zu)", n);
    }
    w->n = n;
    for (int i = 0; i < 7; i++)
        w->k[i] = v[i];
    w->ytmp = v[7];
    w->ynew = v[8];
    w->yerr = v[9];
    for (int i = 0; i < 5; i++)
        w->dense[i] = v[10 + i];
    *state = w;
    return AEDYN_OK;
}

static void dopri5_reset(void *state) { ((dopri5_state *)state)->fsal_valid = false; }

static void dopri5_set_monitor(void *state, aedyn__step_monitor m, void *mctx)
{
    dopri5_state *w = state;
    w->mon = m;
    w->mctx = mctx;
}

/* h times the dominant eigenvalue of the Jacobian over the last accepted
 * step, from its last two stages, both at t + h (Hairer & Wanner, Solving
 * ODEs II, IV.2): h |f(ynew) - f(y6)| / |ynew - y6|, y6 the input of the
 * sixth stage (ytmp), f(y6) = k[5], f(ynew) = k[0] after the step. */
static double stiffness(const dopri5_state *w, const double *ynew, double h)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < w->n; i++) {
        const double df = w->k[0][i] - w->k[5][i], dy = ynew[i] - w->ytmp[i];
        num += df * df;
        den += dy * dy;
    }
    return den > 0.0 ? h * sqrt(num / den) : 0.0;
}
static void dopri5_restart(void *state, double h)
{
    dopri5_state *w = state;
    w->h = h;
    w->first = true;
}

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
static void trial(dopri5_state *w, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                  const double *y, double h)
{
    const size_t n = w->n;
    double **k = w->k, *yt = w->ytmp;
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * a21 * k[0][i];
    aedyn__stepper_eval(s, f, ctx, t + h / 5.0, yt, k[1]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * (a31 * k[0][i] + a32 * k[1][i]);
    aedyn__stepper_eval(s, f, ctx, t + 0.3 * h, yt, k[2]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * (a41 * k[0][i] + a42 * k[1][i] + a43 * k[2][i]);
    aedyn__stepper_eval(s, f, ctx, t + 0.8 * h, yt, k[3]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * (a51 * k[0][i] + a52 * k[1][i] + a53 * k[2][i] + a54 * k[3][i]);
    aedyn__stepper_eval(s, f, ctx, t + h * (8.0 / 9.0), yt, k[4]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * (a61 * k[0][i] + a62 * k[1][i] + a63 * k[2][i] + a64 * k[3][i] +
                            a65 * k[4][i]);
    aedyn__stepper_eval(s, f, ctx, t + h, yt, k[5]);
    for (size_t i = 0; i < n; i++)
        w->ynew[i] = y[i] + h * (b1 * k[0][i] + b3 * k[2][i] + b4 * k[3][i] + b5 * k[4][i] +
                                 b6 * k[5][i]);
    aedyn__stepper_eval(s, f, ctx, t + h, w->ynew, k[6]);
    for (size_t i = 0; i < n; i++)
        w->yerr[i] = h * (e1 * k[0][i] + e3 * k[2][i] + e4 * k[3][i] + e5 * k[4][i] +
                          e6 * k[5][i] + e7 * k[6][i]);
}

static void store_dense(dopri5_state *w, const double *y, double t0, double h)
{
    double **k = w->k, **r = w->dense;
    for (size_t i = 0; i < w->n; i++) {
        const double dy = w->ynew[i] - y[i], bspl = h * k[0][i] - dy;
        r[0][i] = y[i];
        r[1][i] = dy;
        r[2][i] = bspl;
        r[3][i] = dy - h * k[6][i] - bspl;
        r[4][i] = h * (d1 * k[0][i] + d3 * k[2][i] + d4 * k[3][i] + d5 * k[4][i] +
                       d6 * k[5][i] + d7 * k[6][i]);
    }
    w->dense_t0 = t0;
    w->dense_h = h;
}

static aedyn_status dopri5_dense(const void *state, double t, double *y)
{
    const dopri5_state *w = state;
    if (w->dense_h <= 0.0)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "dense output needs a DOPRI5 step first");
    const double th = (t - w->dense_t0) / w->dense_h, th1 = 1.0 - th;
    if (th < -1e-12 || th > 1.0 + 1e-12)
        return aedyn__fail(AEDYN_ERR_INVALID, "dense output at t = %g outside the last step "
                           "[%g, %g]", t, w->dense_t0, w->dense_t0 + w->dense_h);
    double *const *r = w->dense;
    for (size_t i = 0; i < w->n; i++)
        y[i] = r[0][i] + th * (r[1][i] + th1 * (r[2][i] + th * (r[3][i] + th1 * r[4][i])));
    return AEDYN_OK;
}

static aedyn_status dopri5_advance(void *state, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                   double *t, double *y, double t_end)
{
    dopri5_state *w = state;
    const size_t n = w->n;
    const int order = 4; /* of the error estimate */
    while (*t < t_end) {
        const double span = t_end - *t;
        if (!w->fsal_valid) {
            aedyn__stepper_eval(s, f, ctx, *t, y, w->k[0]);
            if (!aedyn__all_finite(w->k[0], n))
                return aedyn__stepper_rhs_not_finite(s, *t);
            w->fsal_valid = true;
        }
        if (w->h <= 0.0)
            w->h = aedyn__stepper_initial_step(s, f, ctx, *t, y, w->k[0], w->ytmp, w->k[1],
                                                span, 5);
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
        trial(w, s, f, ctx, *t, y, h);
        const double err = aedyn__stepper_err_norm(s, w->yerr, y, w->ynew);
        const bool finite = aedyn__all_finite(w->ynew, n) && aedyn__all_finite(w->k[6], n);
        const bool ok = finite && isfinite(err);
        if (ok && err <= 1.0) {
            store_dense(w, y, *t, h);
            memcpy(y, w->ynew, n * sizeof *y);
            memcpy(w->k[0], w->k[6], n * sizeof *y); /* FSAL */
            *t = clipped ? t_end : *t + h;
            s->stats.nsteps++;
            s->h_last = h;
            w->first = false;
            const double fac = err > 0.0 ? 0.9 * pow(err, -1.0 / (order + 1)) : 5.0;
            const double hn = h * fmin(5.0, fmax(0.2, fac));
            /* a clipped step must not shrink the step the controller wants */
            w->h = fmin(clipped ? fmax(hn, w->h) : hn, AEDYN__STEP_MAX);
            /* accepted steps may shrink too (by 0.9 at most), e.g. towards a
             * singularity: below the floor that ends the call as well */
            if (!clipped && hn < h && !(hn >= aedyn__stepper_floor(s, *t)))
                return aedyn__stepper_collapse(s, *t, hn, false, "the error test fails");
            if (w->mon && *t < t_end && w->mon(w->mctx, *t, y, h, stiffness(w, y, h)))
                return AEDYN_OK; /* the monitor ends the call here */
        } else {
            s->stats.nreject++;
            const double fac = ok ? fmax(0.1, 0.9 * pow(err, -1.0 / (order + 1))) : 0.25;
            w->h = h * fmin(fac, 0.9);
            if (!(w->h >= aedyn__stepper_floor(s, *t)))
                return aedyn__stepper_collapse(s, *t, w->h, !finite, "the error test fails");
        }
    }
    return AEDYN_OK;
}

const aedyn__stepper_ops aedyn__stepper_dopri5 = {
    .method = AEDYN_ODE_DOPRI5, .name = "DOPRI5", .adaptive = true,
    .alloc = dopri5_alloc, .free = dopri5_free, .reset = dopri5_reset, .restart = dopri5_restart,
    .advance = dopri5_advance, .dense = dopri5_dense, .set_monitor = dopri5_set_monitor,
};
