/* Log-spaced output times on whole SGD steps (include/aedyn/aedyn-grid.h). */
#include "common-private.h"

/* 2^53: every step count up to here is exact as a double. */
#define MAX_STEPS_ 9007199254740992.0

AEDYN_API aedyn_status aedyn_grid_log(double t_min, double t_max, size_t n, size_t D,
                                      unsigned flags, uint64_t *steps, double *t, size_t *count)
{
    static const char *fn = "aedyn_grid_log";
    AEDYN__REQUIRE_NONNULL(count);
    if (n == 0 || n > AEDYN_GRID_MAX_POINTS)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: n must be in 1..%u, got %zu", fn,
                           AEDYN_GRID_MAX_POINTS, n);
    if (D == 0)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: D must be >= 1, got 0", fn);
    if (flags & ~AEDYN_GRID_ZERO)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown flags 0x%x", fn, flags);
    if (!isfinite(t_min) || !(t_min > 0.0) || !isfinite(t_max) || !(t_max >= t_min))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: need 0 < t_min <= t_max, both finite (got "
                           "t_min = %g, t_max = %g)", fn, t_min, t_max);
    const double Dd = (double)D;
    if (!(t_max * Dd <= MAX_STEPS_))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: t_max = %g is %g steps at D = %zu, beyond "
                           "2^53 (the largest exact step count)", fn, t_max, t_max * Dd, D);
    size_t m = 0;
    uint64_t last = 0;
    if (flags & AEDYN_GRID_ZERO) {
        if (steps)
            steps[m] = 0;
        if (t)
            t[m] = 0.0;
        m++;
    }
    const double ratio = t_max / t_min;
    for (size_t i = 0; i < n; i++) {
        const double ti = i + 1 == n ? t_max
                                     : t_min * pow(ratio, (double)i / (double)(n - 1));
        double s = round(ti * Dd); /* half away from zero; exact below 2^53 */
        if (s < 1.0)
            s = 1.0;
        const uint64_t si = (uint64_t)s;
        if (m > 0 && si <= last)
            continue;
        last = si;
        if (steps)
            steps[m] = si;
        if (t)
            t[m] = s / Dd;
        m++;
    }
    *count = m;
    return AEDYN_OK;
}
