/* AUTO, the default method of the ODE stepper (see stepper-private.h): DOPRI5
 * while the dynamics are not stiff, BDF while they are, switching on a
 * stiffness test in the spirit of LSODA (Petzold 1983) and of DOPRI5's
 * stiffness detection (Hairer & Wanner, Solving ODEs II, section IV.2):
 *
 *  - under DOPRI5, every accepted step gives h lambda, h times the dominant
 *    eigenvalue, from its last two stages. DOPRI5's stability boundary is
 *    3.3 on the negative real axis, but its steps are held back by the stiff
 *    components well before: at tight tolerances the error of decaying fast
 *    modes, not of the slow dynamics, sets them, from h lambda ~ 0.5 on
 *    (measured on the raw spiked model: at rtol 1e-12 DOPRI5 needs 47 000
 *    evaluations between t = 5 and 23 where BDF needs 1 700, at h lambda
 *    between 0.5 and 1; a threshold of 3.25, the classic test, switched at
 *    t = 165 and cost 15 times BDF). After 15 steps above 0.5 (the count
 *    restarting after 6 steps below) the dynamics are stiff: switch to BDF,
 *    starting from the last explicit step. Each return from BDF raises the
 *    threshold by half (up to 3.25), so the methods cannot alternate for
 *    long;
 *  - under BDF, the spectral radius rho is estimated by the shared power
 *    method after 20 accepted steps, then after 40, 80, ... up to every 320
 *    while the dynamics stay stiff (so the test costs a few per cent of the
 *    evaluations); when BDF's step h has h rho <= 1.5 at two estimates in a
 *    row, DOPRI5 would be stable at that step, and (order 5 against BDF's <= 5
 *    with a Newton corrector) cheaper: switch back, starting from
 *    min(h, 1.5 / rho).
 *
 * The two methods keep their own states and statistics go to the common
 * handle; every switch is recorded there (aedyn__stepper_log_switch). The
 * power method's evaluations count as right-hand sides. RKC is never
 * chosen: as a second-order method it cannot deliver tight tolerances
 * (docs/ode.md). */
#include <stdlib.h>
#include <string.h>
#include "stepper-private.h"

#define STIFF_H_LAMBDA 0.5  /* DOPRI5 steps above this feel the stiff components */
#define STIFF_H_LAMBDA_MAX 3.25 /* ... raised towards this after each return from BDF */
#define STIFF_STEPS 15      /* ... this many of them make the dynamics stiff */
#define CALM_STEPS 6        /* ... and this many below restart the count */
#define CHECK_FIRST 20      /* BDF steps before the first estimate of rho */
#define CHECK_MAX 320       /* longest interval between estimates */
#define CALM_H_RHO 1.5      /* BDF steps with h rho below this suit DOPRI5 */
#define CALM_CHECKS 2       /* ... at this many estimates in a row */

typedef struct {
    size_t n;
    void *ex, *im;     /* the states of DOPRI5 and BDF */
    bool implicit;     /* BDF is in use */
    int stiff, calm;   /* DOPRI5: steps above / below the threshold */
    double threshold;  /* DOPRI5: h lambda above which a step counts as stiff */
    int since, every;  /* BDF: steps since the last estimate, and the interval */
    int calm_checks;   /* BDF: estimates in a row that suit DOPRI5 */
    bool want_switch;  /* set by a monitor: switch at the end of this call */
    double h_next;     /* first step of the method switched to */
    double *block, *f0, *v, *z, *fz; /* the power method */
    /* the call in progress, for the monitors */
    aedyn__stepper *s;
    aedyn__rhs_fn f;
    void *ctx;
} auto_state;

static void auto_free(void *state)
{
    auto_state *a = state;
    if (!a)
        return;
    aedyn__stepper_dopri5.free(a->ex);
    aedyn__stepper_bdf.free(a->im);
    free(a->block);
    free(a);
}

static aedyn_status auto_alloc(void **state, size_t n, const aedyn__linsys *ls)
{
    auto_state *a = calloc(1, sizeof *a);
    double *v[4];
    if (!a || !(a->block = aedyn__stepper_vectors(n, 4, v))) {
        free(a);
        return aedyn__fail(AEDYN_ERR_NOMEM, "ODE stepper: out of memory (n = %zu)", n);
    }
    a->n = n;
    a->f0 = v[0];
    a->v = v[1];
    a->z = v[2];
    a->fz = v[3];
    aedyn_status st = aedyn__stepper_dopri5.alloc(&a->ex, n, ls);
    if (st == AEDYN_OK)
        st = aedyn__stepper_bdf.alloc(&a->im, n, ls);
    if (st) {
        auto_free(a);
        return st;
    }
    *state = a;
    return AEDYN_OK;
}

static void reset_counters(auto_state *a)
{
    a->stiff = a->calm = a->since = a->calm_checks = 0;
    a->every = CHECK_FIRST;
}

static void auto_reset(void *state)
{
    auto_state *a = state;
    aedyn__stepper_dopri5.reset(a->ex);
    aedyn__stepper_bdf.reset(a->im);
    reset_counters(a);
}

/* A restart (a new method setting or step) begins again with DOPRI5. */
static void auto_restart(void *state, double h)
{
    auto_state *a = state;
    aedyn__stepper_dopri5.restart(a->ex, h);
    aedyn__stepper_bdf.restart(a->im, h);
    a->implicit = false;
    a->threshold = STIFF_H_LAMBDA;
    reset_counters(a);
}

/* DOPRI5's accepted steps: count those bound by stability. */
static bool watch_explicit(void *mctx, double t, const double *y, double h, double h_lambda)
{
    (void)t;
    (void)y;
    auto_state *a = mctx;
    if (h_lambda > a->threshold) {
        a->calm = 0;
        if (++a->stiff >= STIFF_STEPS) {
            a->want_switch = true;
            a->h_next = h;
            return true;
        }
    } else if (++a->calm >= CALM_STEPS) {
        a->stiff = 0;
    }
    return false;
}

/* BDF's accepted steps: now and then, would DOPRI5 be stable at this step? */
static bool watch_implicit(void *mctx, double t, const double *y, double h, double h_lambda)
{
    (void)h_lambda;
    auto_state *a = mctx;
    if (++a->since < a->every)
        return false;
    a->since = 0;
    aedyn__stepper_eval(a->s, a->f, a->ctx, t, y, a->f0);
    if (!aedyn__all_finite(a->f0, a->n))
        return false; /* BDF's own next step reports it */
    const double rho = aedyn__stepper_spectral_radius(a->s, a->f, a->ctx, t, y, a->f0, a->v,
                                                      a->z, a->fz);
    if (h * rho <= CALM_H_RHO) {
        if (++a->calm_checks >= CALM_CHECKS) {
            a->want_switch = true;
            a->h_next = rho > 0.0 ? fmin(h, CALM_H_RHO / rho) : h;
            return true;
        }
        a->every = CHECK_FIRST;
    } else {
        a->calm_checks = 0;
        a->every = a->every * 2 > CHECK_MAX ? CHECK_MAX : a->every * 2;
    }
    return false;
}

static aedyn_status auto_advance(void *state, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                 double *t, double *y, double t_end)
{
    auto_state *a = state;
    a->s = s;
    a->f = f;
    a->ctx = ctx;
    while (*t < t_end) {
        const aedyn__stepper_ops *m = a->implicit ? &aedyn__stepper_bdf : &aedyn__stepper_dopri5;
        void *ms = a->implicit ? a->im : a->ex;
        a->want_switch = false;
        m->set_monitor(ms, a->implicit ? watch_implicit : watch_explicit, a);
        const aedyn_status st = m->advance(ms, s, f, ctx, t, y, t_end);
        m->set_monitor(ms, NULL, NULL);
        if (st)
            return st;
        if (!a->want_switch)
            continue; /* reached t_end */
        a->implicit = !a->implicit;
        const aedyn__stepper_ops *next = a->implicit ? &aedyn__stepper_bdf
                                                     : &aedyn__stepper_dopri5;
        void *ns = a->implicit ? a->im : a->ex;
        next->reset(ns);
        next->restart(ns, a->h_next);
        reset_counters(a);
        if (!a->implicit) /* back from BDF: harder to leave DOPRI5 again (no ping-pong) */
            a->threshold = fmin(STIFF_H_LAMBDA_MAX, 1.5 * a->threshold);
        aedyn__stepper_log_switch(s, *t, next->method);
    }
    return AEDYN_OK;
}

const aedyn__stepper_ops aedyn__stepper_auto = {
    .method = AEDYN_ODE_AUTO, .name = "AUTO (DOPRI5/BDF)", .adaptive = true,
    .alloc = auto_alloc, .free = auto_free, .reset = auto_reset, .restart = auto_restart,
    .advance = auto_advance, .dense = NULL, .set_monitor = NULL,
};
