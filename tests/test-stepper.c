/* The private ODE stepper: orders of convergence, exact landing on output
 * times, stiff problems with RKC and BDF, dense output, switching methods,
 * and hostile input (overflow, atol = 0, unbounded steps, a right-hand side
 * that stops being finite, step collapse, invalid settings): every call
 * ends, with the status that names the cause. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "stepper-private.h"

/* y0' = -y0; (y1, y2) a harmonic oscillator; y3' = -1000 (y3 - y0) (stiff) */
static void test_rhs(void *ctx, double t, const double *y, double *d)
{
    (void)t; /* autonomous */
    const double stiff = ctx ? *(const double *)ctx : 1000.0;
    d[0] = -y[0];
    d[1] = y[2];
    d[2] = -y[1];
    d[3] = -stiff * (y[3] - y[0]);
}

static double run_fixed(aedyn_ode_method m, double h, double T)
{
    aedyn__stepper *s;
    ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, m, NULL));
    ck_assert_aedyn_ok(aedyn__stepper_set_step(s, h));
    double y[4] = { 1.0, 1.0, 0.0, 1.0 }, t = 0.0, stiff = 1.0;
    ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, T));
    ck_assert(t == T);
    aedyn__stepper_destroy(s);
    return fmax(fabs(y[0] - exp(-T)), hypot(y[1] - cos(T), y[2] + sin(T)));
}

START_TEST(fixed_step_orders)
{
    /* halving the step divides the error by 2^p (within 15%) */
    const double e1 = run_fixed(AEDYN_ODE_EULER, 1e-2, 1.0), e2 = run_fixed(AEDYN_ODE_EULER, 5e-3, 1.0);
    ck_assert_double_le(fabs(e1 / e2 - 2.0), 0.3);
    const double r1 = run_fixed(AEDYN_ODE_RK4, 0.1, 1.0), r2 = run_fixed(AEDYN_ODE_RK4, 0.05, 1.0);
    ck_assert_double_le(fabs(r1 / r2 - 16.0), 2.4);
    ck_assert_double_le(r2, 1e-6);
}
END_TEST

START_TEST(lands_on_output_times)
{
    for (int m = 0; m < 5; m++) {
        aedyn__stepper *s;
        ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, (aedyn_ode_method)m, NULL));
        ck_assert_aedyn_ok(aedyn__stepper_set_step(s, m < 2 ? 0.0123 : 0.0));
        double y[4] = { 1, 1, 0, 1 }, t = 0.0, stiff = 10.0;
        /* the first interval is far below any sensible step (and the floor h_min) */
        const double times[] = { 1e-20, 1e-3, 0.1, 1.0 / 3.0, 0.7, 2.0 };
        for (int i = 0; i < 6; i++) {
            ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, times[i]));
            ck_assert(t == times[i]);
        }
        /* advancing to the current time is a no-op */
        const uint64_t nf = aedyn__stepper_get_stats(s).nfev;
        ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 2.0));
        ck_assert_uint_eq(aedyn__stepper_get_stats(s).nfev, nf);
        ck_assert_int_eq(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 1.0), AEDYN_ERR_INVALID);
        ck_assert_double_le(fabs(y[0] - exp(-2.0)), m == 0 ? 2e-2 : 1e-5);
        aedyn__stepper_destroy(s);
    }
}
END_TEST

START_TEST(adaptive_accuracy_and_dense_output)
{
    aedyn__stepper *s;
    ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, AEDYN_ODE_DOPRI5, NULL));
    ck_assert_aedyn_ok(aedyn__stepper_set_tolerances(s, 1e-10, 1e-13));
    double y[4] = { 1, 1, 0, 1 }, t = 0.0, stiff = 10.0;
    ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 3.0));
    ck_assert_double_le(fabs(y[0] - exp(-3.0)), 1e-9);
    ck_assert_double_le(hypot(y[1] - cos(3.0), y[2] + sin(3.0)), 1e-9);
    /* dense output inside the last step (which ended at t = 3): 4th order,
     * well within 1e-7 here */
    double yd[4];
    const double h = aedyn__stepper_get_last_step(s), tm = 3.0 - 0.63 * h;
    ck_assert(h > 0.0);
    ck_assert_aedyn_ok(aedyn__stepper_dense(s, tm, yd));
    ck_assert_double_le(fabs(yd[0] - exp(-tm)), 1e-9);
    ck_assert_double_le(hypot(yd[1] - cos(tm), yd[2] + sin(tm)), 1e-9);
    ck_assert_int_eq(aedyn__stepper_dense(s, 10.0, yd), AEDYN_ERR_INVALID);
    aedyn__stepper_destroy(s);
}
END_TEST

/* Single steps (aedyn__stepper_step) follow exactly the steps of one
 * advance: same times, bit-identical states, one step per call, each ending
 * before t_end with a finite stiffness estimate, the one landing on t_end
 * with none (NaN: the monitor does not see it); other methods refuse. */
START_TEST(single_steps_are_those_of_advance)
{
    aedyn__stepper *s, *r;
    ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, AEDYN_ODE_DOPRI5, NULL));
    ck_assert_aedyn_ok(aedyn__stepper_create(&r, 4, AEDYN_ODE_DOPRI5, NULL));
    double y[4] = { 1, 1, 0, 1 }, yr[4] = { 1, 1, 0, 1 }, t = 0.0, tr = 0.0, stiff = 10.0;
    ck_assert_aedyn_ok(aedyn__stepper_advance(r, test_rhs, &stiff, &tr, yr, 3.0));
    uint64_t calls = 0;
    while (t < 3.0) {
        double hl, t0 = t;
        ck_assert_aedyn_ok(aedyn__stepper_step(s, test_rhs, &stiff, &t, y, 3.0, &hl));
        ck_assert(t > t0 && t <= 3.0);
        if (t < 3.0)
            ck_assert_msg(hl >= 0.0 && isfinite(hl), "t %g h lambda %g", t, hl);
        else
            ck_assert_msg(isnan(hl), "the step landing on t_end: h lambda %g", hl);
        ck_assert_double_le(fabs(aedyn__stepper_get_last_step(s) - (t - t0)), 1e-14);
        calls++;
    }
    ck_assert_uint_eq(calls, aedyn__stepper_get_stats(r).nsteps);
    ck_assert_uint_eq(aedyn__stepper_get_stats(s).nsteps, aedyn__stepper_get_stats(r).nsteps);
    ck_assert_mem_eq(y, yr, sizeof y);
    aedyn__stepper_destroy(s);
    ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, AEDYN_ODE_RK4, NULL));
    t = 0.0;
    ck_assert_int_eq(aedyn__stepper_step(s, test_rhs, &stiff, &t, y, 3.0, NULL),
                     AEDYN_ERR_UNSUPPORTED);
    aedyn__stepper_destroy(s);
    aedyn__stepper_destroy(r);
}
END_TEST

/* A monitor that records what it is shown and never ends the call. */
typedef struct {
    double t_end;   /* of the advance in progress */
    uint64_t calls; /* in all */
    int late;       /* calls for a step that did not end before t_end */
} monitor_log;

static bool record_step(void *mctx, double t, const double *y, double h, double h_lambda)
{
    (void)y;
    (void)h_lambda;
    monitor_log *m = mctx;
    m->calls++;
    if (!(t < m->t_end) || !(h > 0.0))
        m->late++;
    return false;
}

/* The monitor contract (stepper-private.h): every adaptive method calls its
 * monitor after each accepted step that ends before t_end, and not for the
 * step that reaches t_end. Over 20 output times of the stiff test problem
 * DOPRI5 and RKC make exactly one call fewer than steps per output time
 * (the step clipped to land there); BDF one fewer per advance that steps. */
START_TEST(monitor_sees_steps_before_t_end)
{
    const aedyn_ode_method ms[3] = { AEDYN_ODE_DOPRI5, AEDYN_ODE_RKC, AEDYN_ODE_BDF };
    for (int i = 0; i < 3; i++) {
        aedyn__stepper *s;
        ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, ms[i], NULL));
        monitor_log log = { 0 };
        s->ops->set_monitor(s->state, record_step, &log);
        double y[4] = { 1, 1, 0, 1 }, t = 0.0, stiff = 100.0;
        for (int k = 1; k <= 20; k++) {
            log.t_end = 0.5 * k;
            ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, log.t_end));
            ck_assert(t == log.t_end);
        }
        const uint64_t nsteps = aedyn__stepper_get_stats(s).nsteps;
        ck_assert_msg(log.late == 0, "%s: %d monitor calls at or past t_end", s->ops->name,
                      log.late);
        /* DOPRI5 and RKC land on each output time; BDF steps past it and
         * interpolates, so an advance may end without a step of its own */
        const bool lands = ms[i] != AEDYN_ODE_BDF;
        ck_assert_msg(nsteps >= 40 && log.calls <= nsteps - (lands ? 20 : 1) &&
                          log.calls >= nsteps - 20,
                      "%s: %" PRIu64 " monitor calls for %" PRIu64 " steps and 20 output times",
                      s->ops->name, log.calls, nsteps);
        aedyn__stepper_destroy(s);
    }
}
END_TEST

/* The test problem with the given stiffness from y = (1, 1, 0, 1) to t = 10
 * (atol = 1e-3 rtol); y gets the result, counts the evaluations, steps,
 * Jacobians and LU factorisations. */
static void run_stiff(aedyn_ode_method m, double stiff, double rtol, double *y, uint64_t counts[4])
{
    aedyn__stepper *s;
    ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, m, NULL));
    ck_assert_aedyn_ok(aedyn__stepper_set_tolerances(s, rtol, 1e-3 * rtol));
    const double y0[4] = { 1, 1, 0, 1 };
    double t = 0.0;
    memcpy(y, y0, sizeof y0);
    ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 10.0));
    const aedyn__stepper_stats st = aedyn__stepper_get_stats(s);
    counts[0] = st.nfev;
    counts[1] = st.nsteps;
    counts[2] = st.njac;
    counts[3] = st.nlu;
    aedyn__stepper_destroy(s);
}

START_TEST(rkc_handles_stiffness)
{
    /* stiffness 1e4: DOPRI5 is stability-bound (h ~ 3.3e-4), RKC is not */
    const double stiff = 1e4, e0 = exp(-10.0);
    uint64_t nd[4], nr[4];
    double y[4];
    /* slow components within 1e-4 (RKC's error estimate is a 2nd-order one) */
    run_stiff(AEDYN_ODE_DOPRI5, stiff, 1e-6, y, nd);
    ck_assert_double_le(fmax(fabs(y[0] - e0), fabs(y[3] - e0 * stiff / (stiff - 1.0))), 1e-4);
    run_stiff(AEDYN_ODE_RKC, stiff, 1e-6, y, nr);
    ck_assert_double_le(fmax(fabs(y[0] - e0), fabs(y[3] - e0 * stiff / (stiff - 1.0))), 1e-4);
    ck_assert_msg(nr[0] * 3 < nd[0], "RKC used %lu evaluations, DOPRI5 %lu",
                  (unsigned long)nr[0], (unsigned long)nd[0]);
}
END_TEST

START_TEST(bdf_handles_stiffness)
{
    /* stiffness 1e6: RKC needs ~sqrt(h 1e6 / 0.65) stages per step; BDF's
     * steps are set by the slow components alone */
    const double stiff = 1e6, e0 = exp(-10.0);
    uint64_t nr[4], nb[4];
    double y[4];
    run_stiff(AEDYN_ODE_RKC, stiff, 1e-8, y, nr);
    run_stiff(AEDYN_ODE_BDF, stiff, 1e-8, y, nb);
    /* BDF's global error over the 10 time units (1.6 periods of the
     * oscillator) measured 5e-7 relative, i.e. ~50 rtol */
    ck_assert_double_le(fabs(y[0] - e0), 2e-6 * e0);
    ck_assert_double_le(hypot(y[1] - cos(10.0), y[2] + sin(10.0)), 2e-6);
    ck_assert_double_le(fabs(y[3] - e0 * stiff / (stiff - 1.0)), 2e-6 * e0);
    printf("stiffness 1e6, rtol 1e-8: RKC %lu evaluations, BDF %lu (%lu steps, %lu Jacobians, "
           "%lu LU factorisations)\n", (unsigned long)nr[0], (unsigned long)nb[0],
           (unsigned long)nb[1], (unsigned long)nb[2], (unsigned long)nb[3]);
    ck_assert_msg(nb[0] * 5 < nr[0], "BDF used %lu evaluations, RKC %lu", (unsigned long)nb[0],
                  (unsigned long)nr[0]);
}
END_TEST

START_TEST(bdf_accuracy_follows_tolerance)
{
    /* the global error of the smooth test problem falls with rtol (a
     * variable-order method: no fixed slope, but within 200 rtol) */
    double stiff = 10.0, prev = INFINITY;
    const double rtols[] = { 1e-4, 1e-6, 1e-8, 1e-10 };
    for (int i = 0; i < 4; i++) {
        aedyn__stepper *s;
        ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, AEDYN_ODE_BDF, NULL));
        ck_assert_aedyn_ok(aedyn__stepper_set_tolerances(s, rtols[i], rtols[i] * 1e-3));
        double y[4] = { 1, 1, 0, 1 }, t = 0.0;
        ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 5.0));
        const double e = fmax(fabs(y[0] - exp(-5.0)), hypot(y[1] - cos(5.0), y[2] + sin(5.0)));
        ck_assert_msg(e < 200.0 * rtols[i] && e < prev, "rtol %g: error %g (previous %g)",
                      rtols[i], e, prev);
        prev = e;
        aedyn__stepper_destroy(s);
    }
}
END_TEST

START_TEST(bdf_output_times_leave_trajectory_unchanged)
{
    /* outputs are interpolated inside the last step: the steps, and y at the
     * final time, are the same with and without 50 intermediate outputs */
    double stiff = 100.0, yf[2][4];
    uint64_t nf[2];
    for (int pass = 0; pass < 2; pass++) {
        aedyn__stepper *s;
        ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, AEDYN_ODE_BDF, NULL));
        double y[4] = { 1, 1, 0, 1 }, t = 0.0;
        if (pass)
            for (int i = 1; i < 50; i++) {
                const double ti = 0.06 * i;
                ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, ti));
                ck_assert(t == ti);
                ck_assert_double_le(fabs(y[0] - exp(-ti)), 1e-5);
            }
        ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 3.0));
        memcpy(yf[pass], y, sizeof y);
        nf[pass] = aedyn__stepper_get_stats(s).nfev;
        aedyn__stepper_destroy(s);
    }
    ck_assert_uint_eq(nf[0], nf[1]);
    ck_assert(memcmp(yf[0], yf[1], sizeof yf[0]) == 0);
}
END_TEST

START_TEST(bdf_restarts_after_reset)
{
    /* a state changed from outside (then reset) is integrated from itself */
    aedyn__stepper *s;
    ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, AEDYN_ODE_BDF, NULL));
    double y[4] = { 1, 1, 0, 1 }, t = 0.0, stiff = 10.0;
    ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 1.0));
    y[0] = 2.0; /* y0 = 2 exp(-(t - 1)) from here */
    aedyn__stepper_reset(s);
    ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 2.0));
    ck_assert_double_le(fabs(y[0] - 2.0 * exp(-1.0)), 1e-5);
    ck_assert_double_le(hypot(y[1] - cos(2.0), y[2] + sin(2.0)), 1e-5);
    aedyn__stepper_destroy(s);
}
END_TEST

START_TEST(bdf_refuses_large_states)
{
    /* two dense n x n matrices: refused above the limit, method unchanged */
    aedyn__stepper *s;
    ck_assert_aedyn_ok(aedyn__stepper_create(&s, AEDYN__BDF_MAX_STATE + 1, AEDYN_ODE_RKC, NULL));
    ck_assert_aedyn_fails(aedyn__stepper_set_method(s, AEDYN_ODE_BDF), AEDYN_ERR_UNSUPPORTED);
    ck_assert_int_eq(aedyn__stepper_get_method(s), AEDYN_ODE_RKC);
    aedyn__stepper_destroy(s);
    aedyn__stepper *b = NULL;
    ck_assert_aedyn_fails(aedyn__stepper_create(&b, AEDYN__BDF_MAX_STATE + 1, AEDYN_ODE_BDF, NULL),
                          AEDYN_ERR_UNSUPPORTED);
    ck_assert_ptr_null(b);
}
END_TEST

static void blowup(void *ctx, double t, const double *y, double *d)
{
    (void)t; /* autonomous */
    (void)ctx;
    d[0] = y[0] * y[0]; /* y = 1/(1 - t): infinite at t = 1 */
}

static void growth(void *ctx, double t, const double *y, double *d)
{
    (void)t; /* autonomous */
    (void)ctx;
    d[0] = 50.0 * y[0]; /* y = exp(50 t) overflows near t = 14.2 */
}

START_TEST(overflow_is_divergence)
{
    /* the state or the right-hand side overflows: AEDYN_ERR_DIVERGED, with
     * the last finite accepted state */
    for (int m = 0; m < 5; m++) {
        aedyn__stepper *s;
        ck_assert_aedyn_ok(aedyn__stepper_create(&s, 1, (aedyn_ode_method)m, NULL));
        ck_assert_aedyn_ok(aedyn__stepper_set_step(s, m < 2 ? 0.01 : 0.0));
        double y[1] = { 1.0 }, t = 0.0;
        const aedyn_status st = aedyn__stepper_advance(s, growth, NULL, &t, y, 20.0);
        ck_assert_msg(st == AEDYN_ERR_DIVERGED, "method %d: %s (%s)", m, aedyn_strerror(st),
                      aedyn_error_message());
        ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "diverged"));
        ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "t ="));
        ck_assert_msg(isfinite(y[0]) && t > 13.0 && t < 20.0, "method %d: t = %g", m, t);
        aedyn__stepper_destroy(s);
    }
}
END_TEST

/* ---- hostile input: every call ends, with the status that names the cause ---- */

/* y0' = -y0; (y1, y2) a harmonic oscillator with y2(0) = 0; y3' = 0 (stays
 * exactly 0); y4' = y0 from y4(0) = 0 */
static void zeros_rhs(void *ctx, double t, const double *y, double *d)
{
    (void)t; /* autonomous */
    (void)ctx;
    d[0] = -y[0];
    d[1] = y[2];
    d[2] = -y[1];
    d[3] = 0.0;
    d[4] = y[0];
}

START_TEST(atol_zero_is_refused)
{
    /* atol = 0 (pure relative control) is refused where it is set: a
     * component that is 0, or at rounding level with a right-hand side that
     * is rounding noise, has no relative error to control. A tiny atol works,
     * also with exact zeros (y3 throughout, y2 and y4 at the start). */
    const double tol[5] = { 1e-2, 1e-4, 1e-4, 1e-3, 1e-4 }; /* RKC: second order */
    for (int m = 0; m < 5; m++) {
        aedyn__stepper *s;
        ck_assert_aedyn_ok(aedyn__stepper_create(&s, 5, (aedyn_ode_method)m, NULL));
        ck_assert_aedyn_ok(aedyn__stepper_set_step(s, m < 2 ? 1e-3 : 0.0));
        ck_assert_aedyn_fails(aedyn__stepper_set_tolerances(s, 1e-6, 0.0), AEDYN_ERR_INVALID);
        double rtol, atol;
        aedyn__stepper_get_tolerances(s, &rtol, &atol);
        ck_assert(rtol == 1e-6 && atol == 1e-9);
        ck_assert_aedyn_ok(aedyn__stepper_set_tolerances(s, 1e-6, 1e-20));
        double y[5] = { 1, 1, 0, 0, 0 }, t = 0.0;
        const double times[] = { 1e-3, 0.5, 2.0, 5.0 };
        for (int i = 0; i < 4; i++) {
            const aedyn_status st = aedyn__stepper_advance(s, zeros_rhs, NULL, &t, y, times[i]);
            ck_assert_msg(st == AEDYN_OK, "method %d, t = %g: %s (%s)", m, times[i],
                          aedyn_strerror(st), aedyn_error_message());
            ck_assert(t == times[i]);
        }
        const double e5 = exp(-5.0);
        ck_assert(y[3] == 0.0);
        ck_assert_msg(fabs(y[0] / e5 - 1.0) < tol[m], "method %d: y0 %g", m, y[0] / e5 - 1.0);
        ck_assert_msg(fabs(y[4] - (1.0 - e5)) < tol[m], "method %d: y4 %g", m, y[4] - 1.0 + e5);
        ck_assert_msg(hypot(y[1] - cos(5.0), y[2] + sin(5.0)) < tol[m], "method %d", m);
        aedyn__stepper_destroy(s);
    }
}
END_TEST

static void zero_rhs(void *ctx, double t, const double *y, double *d)
{
    (void)t; /* autonomous */
    (void)ctx;
    (void)y;
    d[0] = d[1] = 0.0;
}

START_TEST(steps_stay_finite)
{
    /* f = 0: the error estimates are 0, so the steps grow without bound;
     * they must stay finite and the state must stay as it is, up to
     * t = 1e308. At t_end = DBL_MAX, BDF (which steps beyond its output
     * times) cannot place a step without overflowing t: AEDYN_ERR_NUMERIC
     * with the state kept (it returned NaN as success once). A fixed step
     * that would need more steps than can be counted is refused. */
    for (int m = 0; m < 5; m++) {
        aedyn__stepper *s;
        ck_assert_aedyn_ok(aedyn__stepper_create(&s, 2, (aedyn_ode_method)m, NULL));
        ck_assert_aedyn_ok(aedyn__stepper_set_step(s, m < 2 ? 0.25 : 0.0));
        double y[2] = { 1.0, 0.0 }, t = 0.0;
        const double times[] = { 1.0, 1e10, 1e300, 1e308, DBL_MAX };
        for (int i = 0; i < 5; i++) {
            if (m < 2 && i == 1) /* 4e10 fixed steps: not refused, but long */
                continue;
            const aedyn_status st = aedyn__stepper_advance(s, zero_rhs, NULL, &t, y, times[i]);
            if (m < 2 && i > 1) { /* 4e300 steps of 0.25: refused */
                ck_assert_int_eq(st, AEDYN_ERR_INVALID);
                ck_assert(t == 1.0);
                break;
            }
            if (m == AEDYN_ODE_BDF && i == 4) {
                ck_assert_msg(st == AEDYN_ERR_NUMERIC, "%s (%s)", aedyn_strerror(st),
                              aedyn_error_message());
                ck_assert(isfinite(t) && t >= 1e308);
            } else {
                ck_assert_msg(st == AEDYN_OK, "method %d, t = %g: %s (%s)", m, times[i],
                              aedyn_strerror(st), aedyn_error_message());
                ck_assert(t == times[i]);
            }
            ck_assert(y[0] == 1.0 && y[1] == 0.0);
        }
        ck_assert_uint_lt(aedyn__stepper_get_stats(s).nsteps, 10000);
        aedyn__stepper_destroy(s);
    }
}
END_TEST

/* test_rhs (stiffness 10), but not finite once y0 < 1/2, i.e. after
 * t = ln 2 */
static void nan_rhs(void *ctx, double t, const double *y, double *d)
{
    double stiff = 10.0;
    test_rhs(&stiff, t, y, d);
    if (y[0] < 0.5)
        d[1] = NAN;
    (void)ctx;
}

START_TEST(nan_rhs_keeps_last_state)
{
    /* a right-hand side that stops being finite: AEDYN_ERR_DIVERGED with the
     * last finite accepted state, which the adaptive methods only accept with
     * a finite derivative; calling again fails the same way, at once */
    for (int m = 0; m < 5; m++) {
        aedyn__stepper *s;
        ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, (aedyn_ode_method)m, NULL));
        ck_assert_aedyn_ok(aedyn__stepper_set_step(s, m < 2 ? 0.01 : 0.0));
        double y[4] = { 1, 1, 0, 1 }, t = 0.0;
        ck_assert_aedyn_ok(aedyn__stepper_advance(s, nan_rhs, NULL, &t, y, 0.5));
        aedyn_status st = aedyn__stepper_advance(s, nan_rhs, NULL, &t, y, 2.0);
        ck_assert_msg(st == AEDYN_ERR_DIVERGED, "method %d: %s (%s)", m, aedyn_strerror(st),
                      aedyn_error_message());
        ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "diverged"));
        ck_assert(isfinite(y[0]) && isfinite(y[1]) && isfinite(y[2]) && isfinite(y[3]));
        ck_assert_msg(fabs(t - log(2.0)) < 0.02, "method %d: t = %.17g", m, t);
        if (m >= 2)
            ck_assert(y[0] >= 0.5);
        const double t1 = t, y1 = y[1];
        st = aedyn__stepper_advance(s, nan_rhs, NULL, &t, y, 2.0);
        ck_assert_int_eq(st, AEDYN_ERR_DIVERGED);
        ck_assert(t >= t1 && isfinite(y[1]) && (m < 2 || y[1] == y1 || t > t1));
        aedyn__stepper_destroy(s);
    }
}
END_TEST

START_TEST(step_collapse_is_numeric)
{
    /* y' = y^2 towards its singularity at t = 1: the adaptive steps shrink
     * to the floor while the state is still finite (~1e10), which is a
     * failure to make progress (AEDYN_ERR_NUMERIC), not an overflow; the
     * fixed steps overflow the state first (AEDYN_ERR_DIVERGED) */
    for (int m = 0; m < 5; m++) {
        aedyn__stepper *s;
        ck_assert_aedyn_ok(aedyn__stepper_create(&s, 1, (aedyn_ode_method)m, NULL));
        ck_assert_aedyn_ok(aedyn__stepper_set_step(s, m < 2 ? 0.01 : 0.0));
        double y[1] = { 1.0 }, t = 0.0;
        const aedyn_status st = aedyn__stepper_advance(s, blowup, NULL, &t, y, 5.0);
        const aedyn_status want = m < 2 ? AEDYN_ERR_DIVERGED : AEDYN_ERR_NUMERIC;
        ck_assert_msg(st == want, "method %d: %s (%s)", m, aedyn_strerror(st),
                      aedyn_error_message());
        ck_assert(isfinite(y[0]) && isfinite(t) && t < 5.0);
        ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "t ="));
        if (m >= 2) { /* the numerical blow-up lags the exact one a little */
            ck_assert_msg(fabs(t - 1.0) < 1e-3 && y[0] > 1e6, "method %d: t = %.17g, y = %g",
                          m, t, y[0]);
            ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "below the floor"));
        }
        aedyn__stepper_destroy(s);
    }
}
END_TEST

static void very_stiff(void *ctx, double t, const double *y, double *d)
{
    (void)t; /* autonomous */
    (void)ctx;
    d[0] = -1e30 * (y[0] - 1.0);
}

START_TEST(too_stiff_is_numeric)
{
    /* a decay rate of 1e30. From y = 2 the explicit methods would need steps
     * far below the floor: AEDYN_ERR_NUMERIC at once, state kept. At rest
     * (y = 1) DOPRI5 and BDF stay there, but RKC's stability bound still
     * asks for steps of 1e-25, which it refuses (before, the stage count
     * overflowed an int and the run went on by accident). */
    for (int m = 2; m < 5; m++)
        for (int rest = 0; rest < 2; rest++) {
            if (m == AEDYN_ODE_BDF && !rest) /* a transient on the time scale 1e-30 is
                                                below BDF's floor too */
                continue;
            aedyn__stepper *s;
            ck_assert_aedyn_ok(aedyn__stepper_create(&s, 1, (aedyn_ode_method)m, NULL));
            double y[1] = { rest ? 1.0 : 2.0 }, t = 0.0;
            const aedyn_status st = aedyn__stepper_advance(s, very_stiff, NULL, &t, y, 1.0);
            if (rest && m != AEDYN_ODE_RKC) {
                ck_assert_msg(st == AEDYN_OK, "method %d: %s (%s)", m, aedyn_strerror(st),
                              aedyn_error_message());
                ck_assert(y[0] == 1.0 && t == 1.0);
            } else {
                ck_assert_msg(st == AEDYN_ERR_NUMERIC, "method %d at rest %d: %s (%s)", m, rest,
                              aedyn_strerror(st), aedyn_error_message());
                ck_assert(isfinite(y[0]) && t < 1e-9);
                if (rest)
                    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "spectral radius"));
            }
            aedyn__stepper_destroy(s);
        }
}
END_TEST

START_TEST(invalid_settings_are_refused)
{
    aedyn__stepper *s;
    ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, AEDYN_ODE_DOPRI5, NULL));
    ck_assert_aedyn_fails(aedyn__stepper_set_tolerances(s, 0.0, 1e-9), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn__stepper_set_tolerances(s, NAN, 1e-9), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn__stepper_set_tolerances(s, 1e-6, -1e-9), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn__stepper_set_tolerances(s, 1e-6, 0.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn__stepper_set_tolerances(s, 1e-6, INFINITY), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn__stepper_set_step(s, -1.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn__stepper_set_step(s, INFINITY), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn__stepper_set_method(s, (aedyn_ode_method)9), AEDYN_ERR_INVALID);
    double rtol, atol, y[4] = { 1, 1, 0, 1 }, t = 0.0, stiff = 10.0;
    aedyn__stepper_get_tolerances(s, &rtol, &atol);
    ck_assert(rtol == 1e-6 && atol == 1e-9 && aedyn__stepper_get_step(s) == 0.0);
    ck_assert_aedyn_fails(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, NAN),
                          AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, INFINITY),
                          AEDYN_ERR_INVALID);
    /* a fixed step below the resolution of t */
    ck_assert_aedyn_ok(aedyn__stepper_set_method(s, AEDYN_ODE_RK4));
    ck_assert_aedyn_ok(aedyn__stepper_set_step(s, 1e-14));
    t = 1e3;
    ck_assert_aedyn_fails(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 1e3 + 1.0),
                          AEDYN_ERR_INVALID);
    ck_assert(t == 1e3 && y[0] == 1.0);
    ck_assert_uint_eq(aedyn__stepper_get_stats(s).nfev, 0);
    aedyn__stepper_destroy(s);
}
END_TEST

START_TEST(switching_methods_keeps_statistics)
{
    /* methods switched between advances continue the trajectory and add to
     * one set of statistics (what an automatic method will need) */
    aedyn__stepper *s;
    ck_assert_aedyn_ok(aedyn__stepper_create(&s, 4, AEDYN_ODE_DOPRI5, NULL));
    ck_assert_aedyn_ok(aedyn__stepper_set_tolerances(s, 1e-9, 1e-12));
    double y[4] = { 1, 1, 0, 1 }, t = 0.0, stiff = 10.0;
    const aedyn_ode_method seq[] = { AEDYN_ODE_DOPRI5, AEDYN_ODE_BDF, AEDYN_ODE_RKC,
                                     AEDYN_ODE_DOPRI5, AEDYN_ODE_BDF, AEDYN_ODE_RK4 };
    aedyn__stepper_stats prev = aedyn__stepper_get_stats(s);
    for (int i = 0; i < 6; i++) {
        ck_assert_aedyn_ok(aedyn__stepper_set_method(s, seq[i]));
        ck_assert_aedyn_ok(aedyn__stepper_set_step(s, seq[i] == AEDYN_ODE_RK4 ? 1e-3 : 0.0));
        ck_assert_int_eq(aedyn__stepper_get_method(s), seq[i]);
        ck_assert_aedyn_ok(aedyn__stepper_advance(s, test_rhs, &stiff, &t, y, 0.5 * (i + 1)));
        const aedyn__stepper_stats now = aedyn__stepper_get_stats(s);
        ck_assert_uint_gt(now.nfev, prev.nfev);
        ck_assert_uint_gt(now.nsteps, prev.nsteps);
        ck_assert_uint_ge(now.njac, prev.njac);
        prev = now;
    }
    ck_assert(t == 3.0);
    ck_assert_uint_gt(prev.njac, 0);
    /* RKC's segment is second order: 1.3e-7 measured */
    ck_assert_double_le(fabs(y[0] - exp(-3.0)), 1e-6);
    ck_assert_double_le(hypot(y[1] - cos(3.0), y[2] + sin(3.0)), 1e-6);
    aedyn__stepper_destroy(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stepper");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, fixed_step_orders);
    tcase_add_test(tc, lands_on_output_times);
    tcase_add_test(tc, adaptive_accuracy_and_dense_output);
    tcase_add_test(tc, single_steps_are_those_of_advance);
    tcase_add_test(tc, monitor_sees_steps_before_t_end);
    tcase_add_test(tc, rkc_handles_stiffness);
    tcase_add_test(tc, bdf_handles_stiffness);
    tcase_add_test(tc, bdf_accuracy_follows_tolerance);
    tcase_add_test(tc, bdf_output_times_leave_trajectory_unchanged);
    tcase_add_test(tc, bdf_restarts_after_reset);
    tcase_add_test(tc, bdf_refuses_large_states);
    tcase_add_test(tc, switching_methods_keeps_statistics);
    suite_add_tcase(s, tc);
    /* each of these hung or misreported its cause once: a short timeout */
    TCase *th = tcase_create("hostile");
    tcase_set_timeout(th, 20);
    tcase_add_test(th, overflow_is_divergence);
    tcase_add_test(th, atol_zero_is_refused);
    tcase_add_test(th, steps_stay_finite);
    tcase_add_test(th, nan_rhs_keeps_last_state);
    tcase_add_test(th, step_collapse_is_numeric);
    tcase_add_test(th, too_stiff_is_numeric);
    tcase_add_test(th, invalid_settings_are_refused);
    suite_add_tcase(s, th);
    return testutil_run(s);
}
