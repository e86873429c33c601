/* Schedules: a rate or a noise level as a function of the training time
 * (include/aedyn/aedyn-schedule.h), and their deep copy for the trainer and
 * the ODE (lib/schedule-internal.h). */
#include <stdlib.h>
#include <string.h>
#include "schedule-internal.h"

typedef enum {
    KIND_CONSTANT,
    KIND_PIECEWISE,
    KIND_POWER,
    KIND_EXPONENTIAL,
    KIND_COSINE,
    KIND_USER
} kind;

struct aedyn_schedule {
    kind kind;
    double v0;       /* constant value; value at t = 0 of power, exponential, cosine */
    double tau;      /* time scale of power and exponential */
    double beta;     /* exponent of power */
    double v_min;    /* cosine: value from T on */
    double T;        /* cosine: duration of the decay, its one breakpoint */
    size_t n;        /* piecewise: pieces; user: breakpoints */
    double *t;       /* piecewise: n start times (t[0] = 0); user: n breakpoints (or NULL) */
    double *values;  /* piecewise: n values */
    aedyn_schedule_fn fn; /* user */
    void *user;      /* user: passed to fn, not owned */
    double t_warmup; /* 0: no warm-up */
};

/* An empty schedule of the given kind with arrays for n_t times and n_v
 * values (none when 0); NULL when out of memory. */
static aedyn_schedule *make(kind k, size_t n_t, size_t n_v)
{
    aedyn_schedule *s = aedyn__calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->kind = k;
    if (n_t > 0 && !(s->t = aedyn__calloc(n_t, sizeof *s->t))) {
        free(s);
        return NULL;
    }
    if (n_v > 0 && !(s->values = aedyn__calloc(n_v, sizeof *s->values))) {
        free(s->t);
        free(s);
        return NULL;
    }
    return s;
}

static aedyn_status nomem(const char *fn)
{
    return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
}

/* A value a schedule may take: finite and >= 0. */
static bool admissible(double v)
{
    return isfinite(v) && v >= 0.0;
}

AEDYN_API aedyn_status aedyn_schedule_create_constant(aedyn_schedule **out, double value)
{
    static const char *fn = "aedyn_schedule_create_constant";
    AEDYN__REQUIRE_NONNULL(out);
    if (!admissible(value))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: value must be finite and >= 0, got %g", fn,
                           value);
    aedyn_schedule *s = make(KIND_CONSTANT, 0, 0);
    if (!s)
        return nomem(fn);
    s->v0 = value + 0.0; /* -0 becomes +0 */
    *out = s;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_schedule_create_piecewise(aedyn_schedule **out, size_t n,
                                                       const double *t, const double *values)
{
    static const char *fn = "aedyn_schedule_create_piecewise";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(t);
    AEDYN__REQUIRE_NONNULL(values);
    if (n == 0 || n > AEDYN_SCHEDULE_MAX_POINTS)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: n must be in 1..%u, got %zu", fn,
                           AEDYN_SCHEDULE_MAX_POINTS, n);
    if (t[0] != 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: t[0] must be 0, got %g", fn, t[0]);
    for (size_t i = 1; i < n; i++)
        if (!isfinite(t[i]) || !(t[i] > t[i - 1]))
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: the times must be finite and strictly "
                               "increasing, got t[%zu] = %g after t[%zu] = %g", fn, i, t[i],
                               i - 1, t[i - 1]);
    for (size_t i = 0; i < n; i++)
        if (!admissible(values[i]))
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: values must be finite and >= 0, got "
                               "values[%zu] = %g", fn, i, values[i]);
    aedyn_schedule *s = make(KIND_PIECEWISE, n, n);
    if (!s)
        return nomem(fn);
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        s->t[i] = t[i] + 0.0;
        s->values[i] = values[i] + 0.0;
    }
    *out = s;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_schedule_create_power(aedyn_schedule **out, double v0, double tau,
                                                   double beta)
{
    static const char *fn = "aedyn_schedule_create_power";
    AEDYN__REQUIRE_NONNULL(out);
    if (!admissible(v0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: v0 must be finite and >= 0, got %g", fn, v0);
    if (!isfinite(tau) || !(tau > 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: tau must be finite and > 0, got %g", fn, tau);
    if (!admissible(beta))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: beta must be finite and >= 0, got %g", fn,
                           beta);
    aedyn_schedule *s = make(KIND_POWER, 0, 0);
    if (!s)
        return nomem(fn);
    s->v0 = v0 + 0.0;
    s->tau = tau;
    s->beta = beta;
    *out = s;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_schedule_create_exponential(aedyn_schedule **out, double v0,
                                                         double tau)
{
    static const char *fn = "aedyn_schedule_create_exponential";
    AEDYN__REQUIRE_NONNULL(out);
    if (!admissible(v0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: v0 must be finite and >= 0, got %g", fn, v0);
    if (!isfinite(tau) || !(tau > 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: tau must be finite and > 0, got %g", fn, tau);
    aedyn_schedule *s = make(KIND_EXPONENTIAL, 0, 0);
    if (!s)
        return nomem(fn);
    s->v0 = v0 + 0.0;
    s->tau = tau;
    *out = s;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_schedule_create_cosine(aedyn_schedule **out, double v0,
                                                    double v_min, double T)
{
    static const char *fn = "aedyn_schedule_create_cosine";
    AEDYN__REQUIRE_NONNULL(out);
    if (!admissible(v0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: v0 must be finite and >= 0, got %g", fn, v0);
    if (!admissible(v_min) || !(v_min <= v0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: v_min must be in [0, v0] (v0 = %g), got %g",
                           fn, v0, v_min);
    if (!isfinite(T) || !(T > 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: T must be finite and > 0, got %g", fn, T);
    aedyn_schedule *s = make(KIND_COSINE, 0, 0);
    if (!s)
        return nomem(fn);
    s->v0 = v0 + 0.0;
    s->v_min = v_min + 0.0;
    s->T = T;
    *out = s;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_schedule_create_user(aedyn_schedule **out, aedyn_schedule_fn fn,
                                                  void *user, size_t n_breaks,
                                                  const double *breaks)
{
    static const char *name = "aedyn_schedule_create_user";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(fn);
    if (n_breaks > 0)
        AEDYN__REQUIRE_NONNULL(breaks);
    if (n_breaks > AEDYN_SCHEDULE_MAX_POINTS)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: n_breaks must be <= %u, got %zu", name,
                           AEDYN_SCHEDULE_MAX_POINTS, n_breaks);
    for (size_t i = 0; i < n_breaks; i++)
        if (!isfinite(breaks[i]) || !(breaks[i] > (i ? breaks[i - 1] : 0.0)))
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: the breakpoints must be finite, > 0 and "
                               "strictly increasing, got breaks[%zu] = %g", name, i, breaks[i]);
    aedyn_schedule *s = make(KIND_USER, n_breaks, 0);
    if (!s)
        return nomem(name);
    s->fn = fn;
    s->user = user;
    s->n = n_breaks;
    if (n_breaks > 0)
        memcpy(s->t, breaks, n_breaks * sizeof *s->t);
    *out = s;
    return AEDYN_OK;
}

AEDYN_API void aedyn_schedule_destroy(aedyn_schedule *schedule)
{
    if (!schedule)
        return;
    free(schedule->t);
    free(schedule->values);
    free(schedule);
}

AEDYN_API aedyn_status aedyn_schedule_set_warmup(aedyn_schedule *schedule, double t_warmup)
{
    AEDYN__REQUIRE_NONNULL(schedule);
    if (!admissible(t_warmup))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_schedule_set_warmup: t_warmup must be "
                           "finite and >= 0, got %g", t_warmup);
    schedule->t_warmup = t_warmup + 0.0;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_schedule_get_warmup(const aedyn_schedule *schedule,
                                                 double *t_warmup)
{
    AEDYN__REQUIRE_NONNULL(schedule);
    AEDYN__REQUIRE_NONNULL(t_warmup);
    *t_warmup = schedule->t_warmup;
    return AEDYN_OK;
}

/* The number of entries of the sorted array a[0..n) that are <= x (the index
 * of the first one > x). Each pass halves [lo, hi), so it ends. */
static size_t count_le(const double *a, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

AEDYN_API aedyn_status aedyn_schedule_value(const aedyn_schedule *schedule, double t, double *v)
{
    static const char *fn = "aedyn_schedule_value";
    AEDYN__REQUIRE_NONNULL(schedule);
    AEDYN__REQUIRE_NONNULL(v);
    if (!isfinite(t) || !(t >= 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: t must be finite and >= 0, got t = %g", fn, t);
    t += 0.0; /* -0 becomes +0 */
    const aedyn_schedule *s = schedule;
    double r = 0.0;
    switch (s->kind) {
    case KIND_CONSTANT:
        r = s->v0;
        break;
    case KIND_PIECEWISE:
        /* t >= 0 = t[0]: at least one start time is <= t */
        r = s->values[count_le(s->t, s->n, t) - 1];
        break;
    case KIND_POWER:
        /* t / tau may overflow to +inf: pow gives 0 (beta > 0) or 1 (beta = 0) */
        r = s->v0 * pow(1.0 + t / s->tau, -s->beta);
        break;
    case KIND_EXPONENTIAL:
        r = s->v0 * exp(-t / s->tau);
        break;
    case KIND_COSINE:
        /* With x = pi t / T, (1 + cos x) / 2 = cos^2(x / 2): no cancellation
         * near T (accurate relative to v when v_min = 0). Exactly v0 at t = 0,
         * exactly v_min from T on, and never above v0 (fmin: v_min + (v0 -
         * v_min) may round above it), so non-increasing as far as cos is. */
        if (t >= s->T) {
            r = s->v_min;
        } else if (t == 0.0) {
            r = s->v0;
        } else {
            const double c = cos(0.5 * AEDYN__PI * (t / s->T));
            r = fmin(s->v0, s->v_min + (s->v0 - s->v_min) * (c * c));
        }
        break;
    case KIND_USER:
        r = s->fn(t, s->user);
        if (!admissible(r))
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: the user schedule's value at t = %g is "
                               "%g (must be finite and >= 0)", fn, t, r);
        break;
    }
    if (s->t_warmup > 0.0 && t < s->t_warmup)
        r *= t / s->t_warmup; /* < 1 here; exactly 1 from t_warmup on */
    *v = r + 0.0;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_schedule_next_breakpoint(const aedyn_schedule *schedule, double t,
                                                      double *t_break)
{
    AEDYN__REQUIRE_NONNULL(schedule);
    AEDYN__REQUIRE_NONNULL(t_break);
    if (!isfinite(t))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_schedule_next_breakpoint: t must be "
                           "finite, got t = %g", t);
    const aedyn_schedule *s = schedule;
    /* the form's breakpoints, sorted */
    const double *b = NULL;
    size_t nb = 0;
    switch (s->kind) {
    case KIND_PIECEWISE: /* the starts of the pieces after the first */
        b = s->t + 1;
        nb = s->n - 1;
        break;
    case KIND_COSINE:
        b = &s->T;
        nb = 1;
        break;
    case KIND_USER:
        b = s->t;
        nb = s->n;
        break;
    default:
        break;
    }
    double next = INFINITY;
    const size_t i = count_le(b, nb, t);
    if (i < nb)
        next = b[i];
    if (s->t_warmup > 0.0 && s->t_warmup > t && s->t_warmup < next)
        next = s->t_warmup;
    *t_break = next;
    return AEDYN_OK;
}

aedyn_status aedyn__schedule_copy(const aedyn_schedule *s, aedyn_schedule **out)
{
    static const char *fn = "aedyn__schedule_copy";
    AEDYN__REQUIRE_NONNULL(s);
    AEDYN__REQUIRE_NONNULL(out);
    const size_t n_v = s->kind == KIND_PIECEWISE ? s->n : 0;
    aedyn_schedule *c = make(s->kind, s->n, n_v);
    if (!c)
        return nomem(fn);
    double *t = c->t, *values = c->values;
    *c = *s; /* the user pointer and fn are shared */
    c->t = t;
    c->values = values;
    if (s->n > 0)
        memcpy(c->t, s->t, s->n * sizeof *c->t);
    if (n_v > 0)
        memcpy(c->values, s->values, n_v * sizeof *c->values);
    *out = c;
    return AEDYN_OK;
}
