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
 *    t = 165 and cost 15 times BDF). After 50 steps above 0.5 (the count
 *    restarting after 6 steps below) the dynamics are stiff: switch to BDF,
 *    starting from the last explicit step. A switch to BDF costs its start
 *    (order 1, a Jacobian, factorisations, and on small states a BDF step
 *    is worth 5 to 10 evaluations): it pays only over a long stiff phase.
 *    With 15 steps, the denoising autoencoders of bench-tolerance switched
 *    for short phases where DOPRI5 took 100 to 200 steps in all, and ran 2
 *    to 3.5 times slower than DOPRI5 alone; with 50, the stiff models
 *    switch a few steps later (raw spiked: t = 5.5 instead of 3.4 at rtol
 *    1e-6) for the same evaluations. Each return from BDF raises the
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
 *  - at loose tolerances (rtol >= 1e-4, where RKC's global error stays
 *    within the factor docs/ode.md states) the stiff method is first RKC:
 *    on mildly stiff dynamics its few stages per step cost less than BDF's
 *    Newton iterations and factorisations (on the spiked and denoising
 *    problems of bench-tolerance 3 to 4 evaluations a step, 2 to 4 times
 *    faster than BDF), and it starts at no cost: 15 steps above 0.5 are
 *    enough to switch. RKC's stage count grows as the square root of h rho:
 *    when its steps need more than 12 stages at 3 steps in a row, a BDF
 *    step (about 10 evaluations' worth of work on small states) is cheaper,
 *    and BDF takes over (the raw spiked model needs 100); when h rho falls
 *    to DOPRI5's threshold (0.5, raised after each return) or below at 6
 *    steps in a row, from RKC's 11th step on, DOPRI5 would not count its
 *    steps as stiff at RKC's step and, of order 5, is more accurate: back
 *    to DOPRI5. Below 1e-4 RKC
 *    is never chosen: as a second-order method it cannot deliver tight
 *    tolerances (docs/ode.md).
 *
 * The methods keep their own states and statistics go to the common
 * handle; every switch is recorded there (aedyn__stepper_log_switch). The
 * power method's evaluations count as right-hand sides. */
#include <stdlib.h>
#include <string.h>
#include "stepper-private.h"

#define STIFF_H_LAMBDA 0.5  /* DOPRI5 steps above this feel the stiff components */
#define STIFF_H_LAMBDA_MAX 3.25 /* ... raised towards this after each return to DOPRI5 */
#define STIFF_STEPS_RKC 15  /* ... this many of them make the dynamics stiff for RKC */
#define STIFF_STEPS_BDF 50  /* ... and for BDF, whose start costs more */
#define CALM_STEPS 6        /* ... and this many below restart the count */
#define CHECK_FIRST 20      /* BDF steps before the first estimate of rho */
#define CHECK_MAX 320       /* longest interval between estimates */
#define CALM_H_RHO 1.5      /* BDF steps with h rho below this suit DOPRI5 */
#define CALM_CHECKS 2       /* ... at this many estimates in a row */
#define RKC_RTOL_MIN 1e-4   /* RKC is the stiff method from this rtol up */
#define RKC_STAGES_BDF 12   /* RKC steps needing more stages than this ... */
#define RKC_HEAVY_STEPS 3   /* ... this many in a row: BDF */
#define RKC_CALM_STEPS 6    /* RKC steps in a row with h rho <= DOPRI5's threshold: DOPRI5 */
#define RKC_SETTLE 10       /* ... counted from this many steps after the switch on */

enum { EXPLICIT, CHEBYSHEV, IMPLICIT }; /* DOPRI5, RKC, BDF */
static const aedyn__stepper_ops *const methods[3] = { &aedyn__stepper_dopri5,
                                                      &aedyn__stepper_rkc,
                                                      &aedyn__stepper_bdf };

typedef struct {
    size_t n;
    void *ms[3];       /* the states of DOPRI5, RKC and BDF */
    int cur, next;     /* the method in use, and the one to switch to */
    int stiff, calm;   /* DOPRI5: steps above / below the threshold;
                          RKC: steps needing many stages / few */
    double threshold;  /* DOPRI5: h lambda above which a step counts as stiff */
    int since, every;  /* BDF: steps since the last estimate, and the interval;
                          RKC: steps since the switch */
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
    for (int m = 0; m < 3; m++)
        methods[m]->free(a->ms[m]);
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
    aedyn_status st = AEDYN_OK;
    for (int m = 0; m < 3 && st == AEDYN_OK; m++)
        st = methods[m]->alloc(&a->ms[m], n, ls);
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
    for (int m = 0; m < 3; m++)
        methods[m]->reset(a->ms[m]);
    reset_counters(a);
}

/* A restart (a new method setting or step) begins again with DOPRI5. */
static void auto_restart(void *state, double h)
{
    auto_state *a = state;
    for (int m = 0; m < 3; m++)
        methods[m]->restart(a->ms[m], h);
    a->cur = EXPLICIT;
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
        const bool rkc = a->s->rtol >= RKC_RTOL_MIN;
        if (++a->stiff >= (rkc ? STIFF_STEPS_RKC : STIFF_STEPS_BDF)) {
            a->want_switch = true;
            a->next = rkc ? CHEBYSHEV : IMPLICIT;
            a->h_next = h;
            return true;
        }
    } else if (a->calm < CALM_STEPS && ++a->calm == CALM_STEPS) { /* (no overflow) */
        a->stiff = 0;
    }
    return false;
}

/* RKC's accepted steps (h_lambda: h times its spectral radius estimate):
 * too many stages for BDF's cost, or few enough for DOPRI5? */
static bool watch_chebyshev(void *mctx, double t, const double *y, double h, double h_lambda)
{
    (void)t;
    (void)y;
    auto_state *a = mctx;
    const double stages = 1.0 + sqrt(1.0 + 1.54 * h_lambda); /* as RKC chooses them */
    a->stiff = stages > RKC_STAGES_BDF ? a->stiff + 1 : 0;
    /* RKC starts from DOPRI5's last step and lengthens it by up to 5 times a
     * step: small h rho says nothing before it settles */
    if (a->since <= RKC_SETTLE)
        a->since++;
    /* back to DOPRI5 only where it would not count its steps as stiff at
     * RKC's step (h rho at most DOPRI5's threshold): no ping-pong */
    a->calm = h_lambda <= a->threshold && a->since > RKC_SETTLE ? a->calm + 1 : 0;
    if (a->stiff >= RKC_HEAVY_STEPS || a->calm >= RKC_CALM_STEPS) {
        a->want_switch = true;
        a->next = a->calm >= RKC_CALM_STEPS ? EXPLICIT : IMPLICIT;
        a->h_next = h;
        return true;
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
            a->next = EXPLICIT;
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
    static const aedyn__step_monitor watch[3] = { watch_explicit, watch_chebyshev,
                                                  watch_implicit };
    while (*t < t_end) {
        const aedyn__stepper_ops *m = methods[a->cur];
        void *ms = a->ms[a->cur];
        a->want_switch = false;
        m->set_monitor(ms, watch[a->cur], a);
        const aedyn_status st = m->advance(ms, s, f, ctx, t, y, t_end);
        m->set_monitor(ms, NULL, NULL);
        if (st)
            return st;
        if (!a->want_switch)
            continue; /* reached t_end */
        a->cur = a->next;
        const aedyn__stepper_ops *next = methods[a->cur];
        next->reset(a->ms[a->cur]);
        next->restart(a->ms[a->cur], a->h_next);
        reset_counters(a);
        if (a->cur == EXPLICIT) /* back to DOPRI5: harder to leave it again (no ping-pong) */
            a->threshold = fmin(STIFF_H_LAMBDA_MAX, 1.5 * a->threshold);
        aedyn__stepper_log_switch(s, *t, next->method);
    }
    return AEDYN_OK;
}

const aedyn__stepper_ops aedyn__stepper_auto = {
    .method = AEDYN_ODE_AUTO, .name = "AUTO (DOPRI5/RKC/BDF)", .adaptive = true,
    .alloc = auto_alloc, .free = auto_free, .reset = auto_reset, .restart = auto_restart,
    .advance = auto_advance, .dense = NULL, .set_monitor = NULL,
};
