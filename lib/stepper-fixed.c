/* The fixed-step methods of the ODE stepper (see stepper-private.h):
 * explicit Euler (dt = 1/D is the authors' scheme) and classical RK4. Steps
 * are placed at t0 + k h, so rounding does not accumulate in t, and the last
 * one is clipped to land exactly on t_end. The step setting is checked by
 * the driver (finite, > 0, above the floor); an interval that needs more
 * steps than a double counts exactly (2^52) is refused. A step that gives
 * a non-finite state ends the call (AEDYN_ERR_DIVERGED) before it is
 * applied. Euler and RK4 have separate states of the same layout; nothing
 * is cached between calls. */
#include <stdlib.h>
#include <string.h>
#include "stepper-private.h"

typedef struct {
    size_t n;
    double *block;
    double *k[4], *ytmp, *ynew;
} fixed_state;

static void fixed_free(void *state)
{
    fixed_state *w = state;
    if (!w)
        return;
    free(w->block);
    free(w);
}

static aedyn_status fixed_alloc(void **state, size_t n, const aedyn__linsys *ls)
{
    (void)ls;
    fixed_state *w = calloc(1, sizeof *w);
    double *v[6];
    if (!w || !(w->block = aedyn__stepper_vectors(n, 6, v))) {
        free(w);
        return aedyn__fail(AEDYN_ERR_NOMEM, "ODE stepper: out of memory (n = %zu)", n);
    }
    w->n = n;
    for (int i = 0; i < 4; i++)
        w->k[i] = v[i];
    w->ytmp = v[4];
    w->ynew = v[5];
    *state = w;
    return AEDYN_OK;
}

/* nothing is carried from one step to the next */
static void fixed_reset(void *state) { (void)state; }
static void fixed_restart(void *state, double h) { (void)state; (void)h; }

static void euler_step(fixed_state *w, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                       const double *y, double h)
{
    const size_t n = w->n;
    aedyn__stepper_eval(s, f, ctx, t, y, w->k[0]);
    for (size_t i = 0; i < n; i++)
        w->ynew[i] = y[i] + h * w->k[0][i];
}

static void rk4_step(fixed_state *w, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                     const double *y, double h)
{
    const size_t n = w->n;
    double **k = w->k, *yt = w->ytmp;
    aedyn__stepper_eval(s, f, ctx, t, y, k[0]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + 0.5 * h * k[0][i];
    aedyn__stepper_eval(s, f, ctx, t + 0.5 * h, yt, k[1]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + 0.5 * h * k[1][i];
    aedyn__stepper_eval(s, f, ctx, t + 0.5 * h, yt, k[2]);
    for (size_t i = 0; i < n; i++)
        yt[i] = y[i] + h * k[2][i];
    aedyn__stepper_eval(s, f, ctx, t + h, yt, k[3]);
    for (size_t i = 0; i < n; i++)
        w->ynew[i] = y[i] + h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
}

static aedyn_status fixed_advance(fixed_state *w, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                  double *t, double *y, double t_end, bool rk4)
{
    const size_t n = w->n;
    /* n steps of h with t_k = t0 + k h (no accumulated rounding); the last
     * one is clipped to land exactly on t_end */
    const double t0 = *t, span = t_end - t0;
    const double nst = ceil(span / s->h * (1.0 - 1e-12));
    /* beyond 2^52, k += 1 would stop counting (and take forever anyway) */
    if (!(nst <= 0x1p52))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: %g steps of %g from t = %g to %g are too "
                           "many (at most 2^52)", s->ops->name, nst, s->h, t0, t_end);
    for (double k = 1.0; k <= nst; k += 1.0) {
        const double t1 = k == nst ? t_end : t0 + k * s->h, h = t1 - *t;
        if (rk4)
            rk4_step(w, s, f, ctx, *t, y, h);
        else
            euler_step(w, s, f, ctx, *t, y, h);
        if (!aedyn__all_finite(w->ynew, n))
            return aedyn__fail(AEDYN_ERR_DIVERGED, "the dynamics diverged at t = %g: a %s step "
                               "of %g gave a non-finite state", *t, s->ops->name, h);
        memcpy(y, w->ynew, n * sizeof *y);
        *t = t1;
        s->stats.nsteps++;
        s->h_last = h;
    }
    *t = t_end;
    return AEDYN_OK;
}

static aedyn_status euler_advance(void *state, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                  double *t, double *y, double t_end)
{
    return fixed_advance(state, s, f, ctx, t, y, t_end, false);
}

static aedyn_status rk4_advance(void *state, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                double *t, double *y, double t_end)
{
    return fixed_advance(state, s, f, ctx, t, y, t_end, true);
}

const aedyn__stepper_ops aedyn__stepper_euler = {
    .method = AEDYN_ODE_EULER, .name = "Euler", .adaptive = false,
    .alloc = fixed_alloc, .free = fixed_free, .reset = fixed_reset, .restart = fixed_restart,
    .advance = euler_advance, .dense = NULL,
};

const aedyn__stepper_ops aedyn__stepper_rk4 = {
    .method = AEDYN_ODE_RK4, .name = "RK4", .adaptive = false,
    .alloc = fixed_alloc, .free = fixed_free, .reset = fixed_reset, .restart = fixed_restart,
    .advance = rk4_advance, .dense = NULL,
};
