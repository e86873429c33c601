/* The log-spaced output grid (aedyn_grid_log): against an independent
 * implementation of its definition, its limits, and bad input. */
#include <math.h>
#include <stdlib.h>
#include "testutil.h"

/* The definition, written here from the header's words: n geometric times
 * from t_min to t_max (t_max exactly last), rounded half away from zero to
 * whole steps, at least 1, kept when larger than the previous. */
static size_t reference(double t_min, double t_max, size_t n, size_t D, uint64_t *s)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const double t = i + 1 == n ? t_max
                                    : t_min * pow(t_max / t_min, (double)i / (double)(n - 1));
        uint64_t k = (uint64_t)llround(t * (double)D);
        if (k < 1)
            k = 1;
        if (m == 0 || k > s[m - 1])
            s[m++] = k;
    }
    return m;
}

START_TEST(grid_matches_its_definition)
{
    const double cases[][2] = { { 1, 100 }, { 0.1, 1000 }, { 0.001, 0.01 }, { 5, 5 },
                                { 1e-9, 1e3 }, { 0.25, 3e4 } };
    const size_t ns[] = { 1, 2, 3, 20, 101, 1000 }, Ds[] = { 1, 7, 100, 1000, 4096 };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
            for (size_t b = 0; b < sizeof Ds / sizeof Ds[0]; b++) {
                const size_t n = ns[a], D = Ds[b];
                uint64_t *want = malloc(n * sizeof *want), *got = malloc((n + 1) * sizeof *got);
                double *t = malloc((n + 1) * sizeof *t);
                const size_t m = reference(cases[c][0], cases[c][1], n, D, want);
                size_t count = 0;
                ck_assert_aedyn_ok(aedyn_grid_log(cases[c][0], cases[c][1], n, D, 0, got, t,
                                                  &count));
                ck_assert_uint_eq(count, m);
                for (size_t i = 0; i < m; i++) {
                    ck_assert_uint_eq(got[i], want[i]);
                    ck_assert(t[i] == (double)got[i] / (double)D);
                    if (i)
                        ck_assert_uint_gt(got[i], got[i - 1]);
                }
                /* with t = 0 first, the rest is the same grid shifted by one */
                ck_assert_aedyn_ok(aedyn_grid_log(cases[c][0], cases[c][1], n, D,
                                                  AEDYN_GRID_ZERO, got, NULL, &count));
                ck_assert_uint_eq(count, m + 1);
                ck_assert_uint_eq(got[0], 0);
                for (size_t i = 0; i < m; i++)
                    ck_assert_uint_eq(got[i + 1], want[i]);
                free(want);
                free(got);
                free(t);
            }
}
END_TEST

START_TEST(grid_ends_on_t_max_and_drops_duplicates)
{
    uint64_t s[50];
    size_t count;
    /* 50 times within 3 steps: only 3 distinct ones, t_max last */
    ck_assert_aedyn_ok(aedyn_grid_log(0.001, 0.003, 50, 1000, 0, s, NULL, &count));
    ck_assert_uint_eq(count, 3);
    ck_assert_uint_eq(s[0], 1);
    ck_assert_uint_eq(s[2], 3);
    /* n = 1 is t_max alone; times below one step become one step */
    ck_assert_aedyn_ok(aedyn_grid_log(1e-6, 1e-6, 1, 10, 0, s, NULL, &count));
    ck_assert_uint_eq(count, 1);
    ck_assert_uint_eq(s[0], 1);
    /* the largest exact horizon: t_max D = 2^53 */
    ck_assert_aedyn_ok(aedyn_grid_log(1.0, 9007199254740992.0, 2, 1, 0, s, NULL, &count));
    ck_assert_uint_eq(s[count - 1], UINT64_C(9007199254740992));
}
END_TEST

START_TEST(grid_refuses_bad_input)
{
    uint64_t s[4];
    size_t count = 77;
    ck_assert_aedyn_fails(aedyn_grid_log(1, 10, 3, 10, 0, s, NULL, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_grid_log(1, 10, 0, 10, 0, s, NULL, &count), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_grid_log(1, 10, 3, 0, 0, s, NULL, &count), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_grid_log(1, 10, (size_t)AEDYN_GRID_MAX_POINTS + 1, 10, 0, s, NULL,
                                         &count), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_grid_log(1, 10, SIZE_MAX, 10, 0, s, NULL, &count), AEDYN_ERR_SIZE);
    const double bad[][2] = { { 0, 10 }, { -1, 10 }, { 2, 1 }, { NAN, 10 }, { 1, NAN },
                              { 1, INFINITY }, { 1, 1e300 }, { 1e-3, 9.1e15 } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_aedyn_fails(aedyn_grid_log(bad[i][0], bad[i][1], 3, 1, 0, s, NULL, &count),
                              AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_grid_log(1, 10, 3, 10, 2u, s, NULL, &count), AEDYN_ERR_INVALID);
    ck_assert_uint_eq(count, 77); /* nothing written on failure */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("grid");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, grid_matches_its_definition);
    tcase_add_test(tc, grid_ends_on_t_max_and_drops_duplicates);
    tcase_add_test(tc, grid_refuses_bad_input);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
