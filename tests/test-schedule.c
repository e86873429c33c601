/* Schedules (include/aedyn/aedyn-schedule.h): every form against its closed
 * form, the pieces' boundaries, the warm-up, the breakpoints, user
 * schedules, the deep copy the trainer and the ODE keep, and bad input. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "schedule-internal.h"

static const double pi_ = 3.14159265358979323846;

/* got equals want to rel relative (exactly when want is 0) */
#define ck_assert_close(got, want, rel)                                                  \
    do {                                                                                 \
        const double g_ = (got), w_ = (want);                                            \
        ck_assert_msg(fabs(g_ - w_) <= (rel) * fabs(w_), "%s = %.17g, expected %.17g",   \
                      #got, g_, w_);                                                     \
    } while (0)

static double value_at(const aedyn_schedule *s, double t)
{
    double v = NAN;
    ck_assert_aedyn_ok(aedyn_schedule_value(s, t, &v));
    ck_assert(isfinite(v) && v >= 0.0);
    return v;
}

static double next_after(const aedyn_schedule *s, double t)
{
    double b = NAN;
    ck_assert_aedyn_ok(aedyn_schedule_next_breakpoint(s, t, &b));
    return b;
}

/* Walk the breakpoints from t = 0 to +infinity and compare them with want[n]. */
static void check_walk(const aedyn_schedule *s, const double *want, size_t n)
{
    double t = 0.0;
    size_t count = 0;
    for (;;) {
        const double b = next_after(s, t);
        ck_assert(b > t);
        if (isinf(b))
            break;
        ck_assert_msg(count < n, "more breakpoints than %zu (next %g)", n, b);
        ck_assert_msg(b == want[count], "breakpoint %zu is %.17g, expected %.17g", count, b,
                      want[count]);
        count++;
        t = b;
    }
    ck_assert_uint_eq(count, n);
}

static const double times[] = { 0.0, 1e-9, 0.1, 0.5, 1.0, 2.0, 3.7, 10.0, 123.456, 1e3, 1e6 };
#define N_TIMES (sizeof times / sizeof times[0])

START_TEST(closed_forms)
{
    aedyn_schedule *s;
    /* constant */
    ck_assert_aedyn_ok(aedyn_schedule_create_constant(&s, 0.375));
    for (size_t i = 0; i < N_TIMES; i++)
        ck_assert(value_at(s, times[i]) == 0.375);
    ck_assert(value_at(s, 1e300) == 0.375);
    ck_assert(isinf(next_after(s, 0.0)));
    aedyn_schedule_destroy(s);
    ck_assert_aedyn_ok(aedyn_schedule_create_constant(&s, 0.0));
    ck_assert(value_at(s, 5.0) == 0.0);
    aedyn_schedule_destroy(s);

    /* power law */
    const double pw[][3] = { { 1.0, 1.0, 1.0 }, { 0.5, 10.0, 0.5 }, { 2.0, 0.01, 2.0 },
                             { 3.0, 7.0, 0.0 }, { 0.25, 1e3, 1.5 } };
    for (size_t k = 0; k < sizeof pw / sizeof pw[0]; k++) {
        const double v0 = pw[k][0], tau = pw[k][1], beta = pw[k][2];
        ck_assert_aedyn_ok(aedyn_schedule_create_power(&s, v0, tau, beta));
        for (size_t i = 0; i < N_TIMES; i++)
            ck_assert_close(value_at(s, times[i]), v0 / pow(1.0 + times[i] / tau, beta), 1e-15);
        ck_assert(value_at(s, 0.0) == v0);
        ck_assert(isinf(next_after(s, 0.0)));
        if (beta == 0.0)
            ck_assert(value_at(s, 1e308) == v0);
        aedyn_schedule_destroy(s);
    }
    /* t / tau overflows: 0, or v0 when beta = 0 */
    ck_assert_aedyn_ok(aedyn_schedule_create_power(&s, 2.0, 1e-10, 1.0));
    ck_assert(value_at(s, 1e308) == 0.0);
    aedyn_schedule_destroy(s);
    ck_assert_aedyn_ok(aedyn_schedule_create_power(&s, 2.0, 1e-10, 0.0));
    ck_assert(value_at(s, 1e308) == 2.0);
    aedyn_schedule_destroy(s);

    /* exponential */
    const double ex[][2] = { { 1.0, 1.0 }, { 0.5, 10.0 }, { 4.0, 0.3 }, { 1e-3, 1e4 } };
    for (size_t k = 0; k < sizeof ex / sizeof ex[0]; k++) {
        const double v0 = ex[k][0], tau = ex[k][1];
        ck_assert_aedyn_ok(aedyn_schedule_create_exponential(&s, v0, tau));
        for (size_t i = 0; i < N_TIMES; i++)
            ck_assert_close(value_at(s, times[i]), v0 * exp(-times[i] / tau), 1e-15);
        ck_assert(value_at(s, 0.0) == v0);
        ck_assert(value_at(s, 1e300) == 0.0);
        ck_assert(isinf(next_after(s, 0.0)));
        aedyn_schedule_destroy(s);
    }

    /* cosine: the header's formula, v0 at 0, v_min from T on, T the breakpoint */
    const double co[][3] = { { 1.0, 0.1, 10.0 }, { 0.5, 0.5, 2.0 }, { 3.0, 1.0, 123.0 } };
    for (size_t k = 0; k < sizeof co / sizeof co[0]; k++) {
        const double v0 = co[k][0], v_min = co[k][1], T = co[k][2];
        ck_assert_aedyn_ok(aedyn_schedule_create_cosine(&s, v0, v_min, T));
        const double frac[] = { 0.0, 1e-6, 0.1, 0.25, 0.5, 0.6, 0.75 };
        for (size_t i = 0; i < sizeof frac / sizeof frac[0]; i++) {
            const double t = frac[i] * T;
            ck_assert_close(value_at(s, t),
                            v_min + (v0 - v_min) * (1.0 + cos(pi_ * t / T)) / 2.0, 1e-15);
        }
        ck_assert(value_at(s, 0.0) == v0);
        ck_assert(value_at(s, T) == v_min);
        ck_assert(value_at(s, 2.0 * T) == v_min);
        ck_assert(value_at(s, 1e300) == v_min);
        ck_assert(value_at(s, nextafter(T, 0.0)) >= v_min);
        ck_assert(next_after(s, 0.0) == T);
        ck_assert(next_after(s, nextafter(T, 0.0)) == T);
        ck_assert(isinf(next_after(s, T)));
        const double want[] = { T };
        check_walk(s, want, 1);
        /* non-increasing on a fine grid */
        double prev = INFINITY;
        for (int i = 0; i <= 1000; i++) {
            const double v = value_at(s, 1.2 * T * i / 1000.0);
            ck_assert(v <= prev);
            prev = v;
        }
        aedyn_schedule_destroy(s);
    }
    /* decaying to 0: accurate relative to the value, even close to T */
    ck_assert_aedyn_ok(aedyn_schedule_create_cosine(&s, 2.0, 0.0, 4.0));
    const double eps[] = { 1e-2, 1e-4, 1e-6 };
    for (size_t i = 0; i < sizeof eps / sizeof eps[0]; i++) {
        const double sn = sin(0.5 * pi_ * eps[i]); /* cos(pi t / 2T) at t = T (1 - eps) */
        ck_assert_close(value_at(s, 4.0 * (1.0 - eps[i])), 2.0 * sn * sn, 1e-8);
    }
    aedyn_schedule_destroy(s);
}
END_TEST

START_TEST(piecewise_pieces_and_boundaries)
{
    const double t[] = { 0.0, 1.0, 2.5, 7.0 }, values[] = { 0.5, 0.25, 1.0, 0.0 };
    aedyn_schedule *s;
    ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&s, 4, t, values));
    for (size_t i = 0; i < 4; i++) {
        ck_assert(value_at(s, t[i]) == values[i]);
        if (i > 0) {
            ck_assert(value_at(s, nextafter(t[i], 0.0)) == values[i - 1]);
            ck_assert(value_at(s, 0.5 * (t[i - 1] + t[i])) == values[i - 1]);
        }
    }
    ck_assert(value_at(s, -0.0) == 0.5);
    ck_assert(value_at(s, 1e300) == 0.0);
    /* the breakpoints are t[1..3] (t[0] = 0 starts the schedule) */
    check_walk(s, t + 1, 3);
    ck_assert(next_after(s, -5.0) == 1.0);
    ck_assert(next_after(s, 0.0) == 1.0);
    ck_assert(next_after(s, 1.0) == 2.5);
    ck_assert(next_after(s, nextafter(2.5, 0.0)) == 2.5);
    ck_assert(next_after(s, 3.0) == 7.0);
    ck_assert(isinf(next_after(s, 7.0)));
    ck_assert(isinf(next_after(s, 1e300)));
    aedyn_schedule_destroy(s);

    /* one piece: a constant without breakpoints */
    ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&s, 1, (const double[]){ 0.0 },
                                                       (const double[]){ 3.0 }));
    ck_assert(value_at(s, 0.0) == 3.0);
    ck_assert(value_at(s, 1e9) == 3.0);
    check_walk(s, NULL, 0);
    aedyn_schedule_destroy(s);

    /* the largest size, every piece visited */
    const size_t n = AEDYN_SCHEDULE_MAX_POINTS;
    double *tt = malloc(n * sizeof *tt), *vv = malloc(n * sizeof *vv);
    ck_assert(tt && vv);
    for (size_t i = 0; i < n; i++) {
        tt[i] = 0.125 * (double)i + 1e-3 * (double)(i % 7);
        vv[i] = (double)(i % 101);
    }
    ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&s, n, tt, vv));
    for (size_t i = 0; i < n; i++) {
        ck_assert(value_at(s, tt[i]) == vv[i]);
        if (i > 0)
            ck_assert(value_at(s, nextafter(tt[i], 0.0)) == vv[i - 1]);
    }
    check_walk(s, tt + 1, n - 1);
    aedyn_schedule_destroy(s);
    free(tt);
    free(vv);
}
END_TEST

START_TEST(warmup_multiplies_and_is_a_breakpoint)
{
    aedyn_schedule *s;
    double tw = -1.0;
    ck_assert_aedyn_ok(aedyn_schedule_create_power(&s, 0.8, 3.0, 0.5));
    ck_assert_aedyn_ok(aedyn_schedule_get_warmup(s, &tw));
    ck_assert(tw == 0.0);
    ck_assert(isinf(next_after(s, 0.0)));
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 2.0));
    ck_assert_aedyn_ok(aedyn_schedule_get_warmup(s, &tw));
    ck_assert(tw == 2.0);
    for (size_t i = 0; i < N_TIMES; i++) {
        const double t = times[i];
        ck_assert_close(value_at(s, t), fmin(1.0, t / 2.0) * 0.8 / pow(1.0 + t / 3.0, 0.5),
                        1e-15);
    }
    ck_assert(value_at(s, 0.0) == 0.0);
    ck_assert(!signbit(value_at(s, -0.0)));
    ck_assert_close(value_at(s, 1.0), 0.5 * 0.8 / sqrt(1.0 + 1.0 / 3.0), 1e-15);
    ck_assert_close(value_at(s, 2.0), 0.8 / sqrt(1.0 + 2.0 / 3.0), 1e-15);
    ck_assert(next_after(s, 0.0) == 2.0);
    ck_assert(next_after(s, -1.0) == 2.0);
    ck_assert(isinf(next_after(s, 2.0)));
    check_walk(s, (const double[]){ 2.0 }, 1);
    /* 0 removes it */
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 0.0));
    ck_assert_aedyn_ok(aedyn_schedule_get_warmup(s, &tw));
    ck_assert(tw == 0.0);
    ck_assert(value_at(s, 0.0) == 0.8);
    ck_assert(isinf(next_after(s, 0.0)));
    aedyn_schedule_destroy(s);

    /* merged with a piecewise schedule's breakpoints: between, on one, after all */
    const double t[] = { 0.0, 1.0, 2.5, 7.0 }, values[] = { 0.5, 0.25, 1.0, 0.125 };
    ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&s, 4, t, values));
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 2.0));
    check_walk(s, (const double[]){ 1.0, 2.0, 2.5, 7.0 }, 4);
    ck_assert(value_at(s, 0.5) == 0.5 * 0.25);
    ck_assert(value_at(s, 1.5) == 0.25 * 0.75);
    ck_assert(value_at(s, 2.0) == 0.25);
    ck_assert(value_at(s, 3.0) == 1.0);
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 2.5));
    check_walk(s, (const double[]){ 1.0, 2.5, 7.0 }, 3);
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 0.5));
    check_walk(s, (const double[]){ 0.5, 1.0, 2.5, 7.0 }, 4);
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 10.0));
    check_walk(s, (const double[]){ 1.0, 2.5, 7.0, 10.0 }, 4);
    ck_assert(next_after(s, 8.0) == 10.0);
    ck_assert(value_at(s, 8.0) == 0.125 * 0.8);
    aedyn_schedule_destroy(s);

    /* with the cosine's T, before and after it */
    ck_assert_aedyn_ok(aedyn_schedule_create_cosine(&s, 1.0, 0.0, 5.0));
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 1.0));
    check_walk(s, (const double[]){ 1.0, 5.0 }, 2);
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 6.0));
    check_walk(s, (const double[]){ 5.0, 6.0 }, 2);
    ck_assert(value_at(s, 5.5) == 0.0);
    aedyn_schedule_destroy(s);

    /* a tiny warm-up: t / t_warmup never overflows the product */
    ck_assert_aedyn_ok(aedyn_schedule_create_constant(&s, 1.5));
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 4.9e-324));
    ck_assert(value_at(s, 1.0) == 1.5);
    ck_assert(value_at(s, 0.0) == 0.0);
    ck_assert(next_after(s, 0.0) == 4.9e-324);
    aedyn_schedule_destroy(s);
}
END_TEST

typedef struct {
    double a, b;   /* v(t) = a + b t */
    double bad_from; /* from here on the function returns bad */
    double bad;
    size_t calls;
    double last_t;
} user_data;

static double affine(double t, void *user)
{
    user_data *u = user;
    u->calls++;
    u->last_t = t;
    return t >= u->bad_from ? u->bad : u->a + u->b * t;
}

static double half(double t, void *user)
{
    ck_assert_ptr_null(user);
    return 0.5 * t;
}

START_TEST(user_schedules)
{
    user_data u = { .a = 0.25, .b = 0.5, .bad_from = INFINITY };
    double breaks[] = { 1.0, 3.0, 3.5 };
    aedyn_schedule *s;
    ck_assert_aedyn_ok(aedyn_schedule_create_user(&s, affine, &u, 3, breaks));
    breaks[1] = 100.0; /* copied at creation */
    for (size_t i = 0; i < N_TIMES; i++) {
        const size_t calls = u.calls;
        ck_assert(value_at(s, times[i]) == 0.25 + 0.5 * times[i]);
        ck_assert_uint_eq(u.calls, calls + 1);
        ck_assert(u.last_t == times[i]);
    }
    check_walk(s, (const double[]){ 1.0, 3.0, 3.5 }, 3);
    ck_assert(next_after(s, -2.0) == 1.0);
    /* with a warm-up */
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 2.0));
    ck_assert(value_at(s, 1.0) == 0.5 * 0.75);
    check_walk(s, (const double[]){ 1.0, 2.0, 3.0, 3.5 }, 4);

    /* a value that is not finite or < 0 fails the call that reads it */
    const double bads[] = { NAN, -1.0, INFINITY, -INFINITY, -1e-300 };
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        u.bad_from = 2.0;
        u.bad = bads[i];
        double v = 42.0;
        ck_assert_aedyn_fails(aedyn_schedule_value(s, 2.5, &v), AEDYN_ERR_INVALID);
        ck_assert(v == 42.0);
        ck_assert_msg(strstr(aedyn_error_message(), "aedyn_schedule_value") != NULL &&
                          strstr(aedyn_error_message(), "t = 2.5") != NULL,
                      "%s", aedyn_error_message());
        char want[32];
        snprintf(want, sizeof want, "is %g", bads[i]);
        ck_assert_msg(strstr(aedyn_error_message(), want) != NULL, "'%s' lacks '%s'",
                      aedyn_error_message(), want);
        /* even during the warm-up (the function's value is checked, not the product) */
        u.bad_from = 0.0;
        ck_assert_aedyn_fails(aedyn_schedule_value(s, 0.0, &v), AEDYN_ERR_INVALID);
        ck_assert(v == 42.0);
    }
    u.bad_from = INFINITY;
    ck_assert(value_at(s, 2.5) == 0.25 + 0.5 * 2.5);
    aedyn_schedule_destroy(s);

    /* no breakpoints: NULL is allowed */
    ck_assert_aedyn_ok(aedyn_schedule_create_user(&s, affine, &u, 0, NULL));
    check_walk(s, NULL, 0);
    ck_assert(value_at(s, 4.0) == 2.25);
    aedyn_schedule_destroy(s);
    /* and breaks is not read when n_breaks = 0; user may be NULL (only fn reads it) */
    ck_assert_aedyn_ok(aedyn_schedule_create_user(&s, half, NULL, 0, breaks));
    check_walk(s, NULL, 0);
    ck_assert(value_at(s, 3.0) == 1.5);
    aedyn_schedule_destroy(s);
}
END_TEST

START_TEST(copies_are_independent)
{
    const double t[] = { 0.0, 1.0, 2.5 }, values[] = { 0.5, 0.25, 1.0 };
    aedyn_schedule *forms[6];
    user_data u = { .a = 1.0, .b = 0.125, .bad_from = INFINITY };
    ck_assert_aedyn_ok(aedyn_schedule_create_constant(&forms[0], 0.3));
    ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&forms[1], 3, t, values));
    ck_assert_aedyn_ok(aedyn_schedule_create_power(&forms[2], 1.0, 2.0, 0.7));
    ck_assert_aedyn_ok(aedyn_schedule_create_exponential(&forms[3], 1.0, 2.0));
    ck_assert_aedyn_ok(aedyn_schedule_create_cosine(&forms[4], 1.0, 0.1, 3.0));
    ck_assert_aedyn_ok(aedyn_schedule_create_user(&forms[5], affine, &u, 2,
                                                  (const double[]){ 0.5, 4.0 }));
    for (size_t k = 0; k < 6; k++) {
        aedyn_schedule *s = forms[k], *c = NULL, *c2 = NULL;
        ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 1.5));
        double v[N_TIMES], b[N_TIMES];
        for (size_t i = 0; i < N_TIMES; i++) {
            v[i] = value_at(s, times[i]);
            b[i] = next_after(s, times[i]);
        }
        ck_assert_aedyn_ok(aedyn__schedule_copy(s, &c));
        ck_assert_aedyn_ok(aedyn__schedule_copy(s, &c2));
        ck_assert_ptr_nonnull(c);
        ck_assert_ptr_ne(c, s);
        aedyn_schedule_destroy(s); /* the copies outlive the original */
        for (size_t i = 0; i < N_TIMES; i++) {
            ck_assert(value_at(c, times[i]) == v[i]);
            ck_assert(next_after(c, times[i]) == b[i]);
        }
        /* a setter on one copy leaves the other */
        double tw;
        ck_assert_aedyn_ok(aedyn_schedule_set_warmup(c, 0.0));
        ck_assert_aedyn_ok(aedyn_schedule_get_warmup(c2, &tw));
        ck_assert(tw == 1.5);
        ck_assert(value_at(c2, 0.75) == 0.5 * value_at(c, 0.75));
        for (size_t i = 0; i < N_TIMES; i++)
            ck_assert(value_at(c2, times[i]) == v[i]);
        aedyn_schedule_destroy(c);
        aedyn_schedule_destroy(c2);
    }
    /* a user schedule's copy shares the function and its data */
    aedyn_schedule *s, *c;
    ck_assert_aedyn_ok(aedyn_schedule_create_user(&s, affine, &u, 0, NULL));
    ck_assert_aedyn_ok(aedyn__schedule_copy(s, &c));
    aedyn_schedule_destroy(s);
    u.a = 2.0;
    const size_t calls = u.calls;
    ck_assert(value_at(c, 0.0) == 2.0);
    ck_assert_uint_eq(u.calls, calls + 1);
    aedyn_schedule_destroy(c);
    /* a copy of a copy, and the warm-up goes with it */
    ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&s, 3, t, values));
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 2.0));
    ck_assert_aedyn_ok(aedyn__schedule_copy(s, &c));
    aedyn_schedule_destroy(s);
    ck_assert_aedyn_ok(aedyn__schedule_copy(c, &s));
    aedyn_schedule_destroy(c);
    check_walk(s, (const double[]){ 1.0, 2.0, 2.5 }, 3);
    ck_assert(value_at(s, 1.0) == 0.125);
    aedyn_schedule_destroy(s);
    /* bad arguments */
    ck_assert_aedyn_fails(aedyn__schedule_copy(NULL, &c), AEDYN_ERR_NULL);
    ck_assert_aedyn_ok(aedyn_schedule_create_constant(&s, 1.0));
    ck_assert_aedyn_fails(aedyn__schedule_copy(s, NULL), AEDYN_ERR_NULL);
    aedyn_schedule_destroy(s);
    aedyn_schedule_destroy(NULL);
}
END_TEST

/* The call fails with status and a message containing every fragment given. */
#define ck_assert_fails_saying(call, status, ...)                                        \
    do {                                                                                 \
        ck_assert_aedyn_fails(call, status);                                             \
        const char *frags_[] = { __VA_ARGS__ };                                          \
        for (size_t j_ = 0; j_ < sizeof frags_ / sizeof frags_[0]; j_++)                 \
            ck_assert_msg(strstr(aedyn_error_message(), frags_[j_]) != NULL,             \
                          "%s: message '%s' lacks '%s'", #call, aedyn_error_message(),   \
                          frags_[j_]);                                                   \
    } while (0)

START_TEST(bad_input)
{
    aedyn_schedule *const sentinel = (aedyn_schedule *)(uintptr_t)0x5a5a;
    aedyn_schedule *out = sentinel;

    /* NULL outputs and arguments */
    ck_assert_fails_saying(aedyn_schedule_create_constant(NULL, 1.0), AEDYN_ERR_NULL, "out");
    ck_assert_fails_saying(aedyn_schedule_create_piecewise(NULL, 1, (double[]){ 0 },
                                                           (double[]){ 1 }),
                           AEDYN_ERR_NULL, "out");
    ck_assert_fails_saying(aedyn_schedule_create_piecewise(&out, 1, NULL, (double[]){ 1 }),
                           AEDYN_ERR_NULL, "'t'");
    ck_assert_fails_saying(aedyn_schedule_create_piecewise(&out, 1, (double[]){ 0 }, NULL),
                           AEDYN_ERR_NULL, "values");
    ck_assert_fails_saying(aedyn_schedule_create_power(NULL, 1, 1, 1), AEDYN_ERR_NULL, "out");
    ck_assert_fails_saying(aedyn_schedule_create_exponential(NULL, 1, 1), AEDYN_ERR_NULL, "out");
    ck_assert_fails_saying(aedyn_schedule_create_cosine(NULL, 1, 0, 1), AEDYN_ERR_NULL, "out");
    ck_assert_fails_saying(aedyn_schedule_create_user(NULL, affine, NULL, 0, NULL),
                           AEDYN_ERR_NULL, "out");
    ck_assert_fails_saying(aedyn_schedule_create_user(&out, NULL, NULL, 0, NULL),
                           AEDYN_ERR_NULL, "fn");
    ck_assert_fails_saying(aedyn_schedule_create_user(&out, affine, NULL, 2, NULL),
                           AEDYN_ERR_NULL, "breaks");

    /* sizes */
    const double t0[] = { 0.0 }, v0[] = { 1.0 };
    ck_assert_fails_saying(aedyn_schedule_create_piecewise(&out, 0, t0, v0), AEDYN_ERR_SIZE,
                           "aedyn_schedule_create_piecewise", "got 0");
    ck_assert_fails_saying(aedyn_schedule_create_piecewise(&out, AEDYN_SCHEDULE_MAX_POINTS + 1,
                                                           t0, v0),
                           AEDYN_ERR_SIZE, "100001");
    ck_assert_aedyn_fails(aedyn_schedule_create_piecewise(&out, SIZE_MAX, t0, v0),
                          AEDYN_ERR_SIZE);
    ck_assert_fails_saying(aedyn_schedule_create_user(&out, affine, NULL,
                                                      AEDYN_SCHEDULE_MAX_POINTS + 1, t0),
                           AEDYN_ERR_SIZE, "aedyn_schedule_create_user", "n_breaks");
    ck_assert_aedyn_fails(aedyn_schedule_create_user(&out, affine, NULL, SIZE_MAX, t0),
                          AEDYN_ERR_SIZE);

    /* values of the simple forms */
    const double bad_v[] = { NAN, INFINITY, -INFINITY, -1.0, -1e-300 };
    for (size_t i = 0; i < sizeof bad_v / sizeof bad_v[0]; i++) {
        char got[40];
        snprintf(got, sizeof got, "got %g", bad_v[i]);
        const double x = bad_v[i];
        ck_assert_fails_saying(aedyn_schedule_create_constant(&out, x), AEDYN_ERR_INVALID,
                               "aedyn_schedule_create_constant", "value", got);
        ck_assert_fails_saying(aedyn_schedule_create_power(&out, x, 1, 1), AEDYN_ERR_INVALID,
                               "aedyn_schedule_create_power", "v0", got);
        ck_assert_fails_saying(aedyn_schedule_create_power(&out, 1, x, 1), AEDYN_ERR_INVALID,
                               "tau", got);
        ck_assert_fails_saying(aedyn_schedule_create_power(&out, 1, 1, x), AEDYN_ERR_INVALID,
                               "beta", got);
        ck_assert_fails_saying(aedyn_schedule_create_exponential(&out, x, 1), AEDYN_ERR_INVALID,
                               "aedyn_schedule_create_exponential", "v0", got);
        ck_assert_fails_saying(aedyn_schedule_create_exponential(&out, 1, x), AEDYN_ERR_INVALID,
                               "tau", got);
        ck_assert_fails_saying(aedyn_schedule_create_cosine(&out, x, 0, 1), AEDYN_ERR_INVALID,
                               "aedyn_schedule_create_cosine", "v0", got);
        ck_assert_fails_saying(aedyn_schedule_create_cosine(&out, 1, x, 1), AEDYN_ERR_INVALID,
                               "v_min", got);
        ck_assert_fails_saying(aedyn_schedule_create_cosine(&out, 1, 0, x), AEDYN_ERR_INVALID,
                               "T must", got);
    }
    ck_assert_fails_saying(aedyn_schedule_create_power(&out, 1, 0, 1), AEDYN_ERR_INVALID,
                           "tau", "got 0");
    ck_assert_fails_saying(aedyn_schedule_create_exponential(&out, 1, -0.0), AEDYN_ERR_INVALID,
                           "tau");
    ck_assert_fails_saying(aedyn_schedule_create_cosine(&out, 1, 0, 0), AEDYN_ERR_INVALID,
                           "T must", "got 0");
    ck_assert_fails_saying(aedyn_schedule_create_cosine(&out, 1, 1.5, 2), AEDYN_ERR_INVALID,
                           "v_min", "got 1.5");

    /* piecewise times and values */
    const double ok_t[] = { 0, 1, 2 }, ok_v[] = { 1, 2, 3 };
    const double bad_t[][3] = { { 1e-300, 1, 2 }, { -1, 1, 2 }, { NAN, 1, 2 }, { 0, 0, 2 },
                                { 0, 1, 1 }, { 0, 2, 1 }, { 0, 1, NAN }, { 0, 1, INFINITY },
                                { 0, -1, 2 } };
    const char *bad_t_frag[] = { "t[0]", "t[0]", "t[0]", "t[1]", "t[2]",
                                 "t[2]", "t[2]", "t[2]", "t[1]" };
    for (size_t i = 0; i < sizeof bad_t / sizeof bad_t[0]; i++)
        ck_assert_fails_saying(aedyn_schedule_create_piecewise(&out, 3, bad_t[i], ok_v),
                               AEDYN_ERR_INVALID, "aedyn_schedule_create_piecewise",
                               bad_t_frag[i]);
    const double bad_vals[][3] = { { NAN, 1, 2 }, { 1, -1, 2 }, { 1, 2, INFINITY } };
    for (size_t i = 0; i < sizeof bad_vals / sizeof bad_vals[0]; i++) {
        char frag[40];
        snprintf(frag, sizeof frag, "values[%zu] = %g", i, bad_vals[i][i]);
        ck_assert_fails_saying(aedyn_schedule_create_piecewise(&out, 3, ok_t, bad_vals[i]),
                               AEDYN_ERR_INVALID, "aedyn_schedule_create_piecewise", frag);
    }

    /* user breakpoints */
    const double bad_b[][2] = { { 0, 1 }, { -1, 1 }, { 1, 1 }, { 2, 1 }, { NAN, 1 },
                                { 1, INFINITY }, { -0.0, 1 } };
    const char *bad_b_frag[] = { "breaks[0]", "breaks[0]", "breaks[1]", "breaks[1]",
                                 "breaks[0]", "breaks[1]", "breaks[0]" };
    for (size_t i = 0; i < sizeof bad_b / sizeof bad_b[0]; i++)
        ck_assert_fails_saying(aedyn_schedule_create_user(&out, affine, NULL, 2, bad_b[i]),
                               AEDYN_ERR_INVALID, "aedyn_schedule_create_user", bad_b_frag[i]);
    ck_assert_ptr_eq(out, sentinel); /* no create wrote its output */

    /* the calls on a schedule; failures leave it and the outputs as they were */
    aedyn_schedule *s;
    ck_assert_aedyn_ok(aedyn_schedule_create_exponential(&s, 1.0, 2.0));
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 0.5));
    double x = 42.0;
    ck_assert_fails_saying(aedyn_schedule_set_warmup(NULL, 1.0), AEDYN_ERR_NULL, "schedule");
    const double bad_w[] = { NAN, INFINITY, -INFINITY, -1.0 };
    for (size_t i = 0; i < sizeof bad_w / sizeof bad_w[0]; i++) {
        char got[40];
        snprintf(got, sizeof got, "got %g", bad_w[i]);
        ck_assert_fails_saying(aedyn_schedule_set_warmup(s, bad_w[i]), AEDYN_ERR_INVALID,
                               "aedyn_schedule_set_warmup", "t_warmup", got);
    }
    ck_assert_aedyn_ok(aedyn_schedule_get_warmup(s, &x));
    ck_assert(x == 0.5);
    x = 42.0;
    ck_assert_fails_saying(aedyn_schedule_get_warmup(NULL, &x), AEDYN_ERR_NULL, "schedule");
    ck_assert_fails_saying(aedyn_schedule_get_warmup(s, NULL), AEDYN_ERR_NULL, "t_warmup");
    ck_assert_fails_saying(aedyn_schedule_value(NULL, 1.0, &x), AEDYN_ERR_NULL, "schedule");
    ck_assert_fails_saying(aedyn_schedule_value(s, 1.0, NULL), AEDYN_ERR_NULL, "'v'");
    const double bad_tv[] = { NAN, INFINITY, -INFINITY, -1.0, -1e-300 };
    for (size_t i = 0; i < sizeof bad_tv / sizeof bad_tv[0]; i++) {
        char got[40];
        snprintf(got, sizeof got, "t = %g", bad_tv[i]);
        ck_assert_fails_saying(aedyn_schedule_value(s, bad_tv[i], &x), AEDYN_ERR_INVALID,
                               "aedyn_schedule_value", got);
    }
    ck_assert_fails_saying(aedyn_schedule_next_breakpoint(NULL, 1.0, &x), AEDYN_ERR_NULL,
                           "schedule");
    ck_assert_fails_saying(aedyn_schedule_next_breakpoint(s, 1.0, NULL), AEDYN_ERR_NULL,
                           "t_break");
    const double bad_tb[] = { NAN, INFINITY, -INFINITY };
    for (size_t i = 0; i < sizeof bad_tb / sizeof bad_tb[0]; i++)
        ck_assert_fails_saying(aedyn_schedule_next_breakpoint(s, bad_tb[i], &x),
                               AEDYN_ERR_INVALID, "aedyn_schedule_next_breakpoint", "t =");
    ck_assert(x == 42.0); /* no output written */
    ck_assert_close(value_at(s, 1.0), exp(-0.5), 1e-15);
    ck_assert(next_after(s, 0.0) == 0.5);
    aedyn_schedule_destroy(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("schedule");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, closed_forms);
    tcase_add_test(tc, piecewise_pieces_and_boundaries);
    tcase_add_test(tc, warmup_multiplies_and_is_a_breakpoint);
    tcase_add_test(tc, user_schedules);
    tcase_add_test(tc, copies_are_independent);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
