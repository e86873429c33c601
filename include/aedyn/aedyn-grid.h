/**
 * @file aedyn-grid.h
 * @brief Output time grids: log-spaced times on whole SGD steps.
 *
 * Learning curves span decades (plateaus at t ~ 1 to 10^4), so outputs are
 * logged at log-spaced times. Since SGD moves in steps of 1/D, a time is only
 * meaningful on a whole step: the grid rounds every time to the nearest step
 * and drops the duplicates rounding makes. The `aedyn` program, the examples
 * and the Python module use this one grid, so their outputs line up.
 */
#ifndef AEDYN_GRID_H
#define AEDYN_GRID_H

#include "aedyn-status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flag of aedyn_grid_log(): put t = 0 (step 0) first. @since 0.2 */
#define AEDYN_GRID_ZERO 1u

/** Largest number of log-spaced times aedyn_grid_log() accepts. @since 0.2 */
#define AEDYN_GRID_MAX_POINTS 10000000u

/**
 * Log-spaced output times on whole steps: the @p n times
 * t_i = t_min (t_max / t_min)^(i / (n - 1)), i = 0..n-1 (t_{n-1} = t_max
 * exactly; n = 1 gives t_max alone), each rounded to the nearest whole number
 * of steps s_i = round(t_i D), at least 1, and kept only when larger than the
 * previous one. With #AEDYN_GRID_ZERO the grid starts with step 0.
 *
 * Step counts are exact as doubles: t_max D must not exceed 2^53.
 *
 * @param t_min  first time, finite and > 0
 * @param t_max  last time, finite and >= t_min
 * @param n      number of log-spaced times, 1 <= n <= #AEDYN_GRID_MAX_POINTS
 * @param D      input dimension (steps per unit of time), >= 1
 * @param flags  0 or #AEDYN_GRID_ZERO
 * @param steps  receives the step counts (room for n, or n + 1 with
 *               #AEDYN_GRID_ZERO, values); may be NULL
 * @param t      receives the times steps / D (same room); may be NULL
 * @param count  receives the number of grid points written (<= the room)
 * @return AEDYN_OK, AEDYN_ERR_NULL (count), AEDYN_ERR_SIZE (n or D is 0, n
 *         above #AEDYN_GRID_MAX_POINTS), AEDYN_ERR_INVALID (t_min, t_max or flags out of
 *         range; t_max D > 2^53)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_grid_log(double t_min, double t_max, size_t n, size_t D,
                                      unsigned flags, uint64_t *steps, double *t, size_t *count);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_GRID_H */
