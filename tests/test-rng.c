/* The generator: reproducibility, streams, and the distribution of normal and
 * uniform variates (fixed seeds; tolerances are 4 standard errors or a
 * chi-square bound with p ~ 1e-5). */
#include <math.h>
#include <stdlib.h>
#include "testutil.h"

START_TEST(reproducible_and_streams)
{
    aedyn_rng *a, *b, *c, *d;
    ck_assert_aedyn_ok(aedyn_rng_create(&a, 42, 0));
    ck_assert_aedyn_ok(aedyn_rng_create(&b, 42, 0));
    ck_assert_aedyn_ok(aedyn_rng_create(&c, 42, 1));
    ck_assert_aedyn_ok(aedyn_rng_create(&d, 43, 0));
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = aedyn_rng_u64(a);
        ck_assert_uint_eq(x, aedyn_rng_u64(b));
        same_c += x == aedyn_rng_u64(c);
        same_d += x == aedyn_rng_u64(d);
    }
    ck_assert_int_eq(same_c, 0);
    ck_assert_int_eq(same_d, 0);
    /* copy continues the same sequence */
    ck_assert_aedyn_ok(aedyn_rng_copy(c, a));
    for (int i = 0; i < 100; i++)
        ck_assert(aedyn_rng_normal(a) == aedyn_rng_normal(c));
    /* fill_normal gives what repeated aedyn_rng_normal gives */
    double buf[257];
    ck_assert_aedyn_ok(aedyn_rng_copy(b, a));
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(a, buf, 257));
    for (int i = 0; i < 257; i++)
        ck_assert(buf[i] == aedyn_rng_normal(b));
    aedyn_rng_destroy(a);
    aedyn_rng_destroy(b);
    aedyn_rng_destroy(c);
    aedyn_rng_destroy(d);
    aedyn_rng_destroy(NULL);
}
END_TEST

START_TEST(invalid_input)
{
    aedyn_rng *r;
    double x;
    ck_assert_aedyn_fails(aedyn_rng_create(NULL, 1, 2), AEDYN_ERR_NULL);
    ck_assert_aedyn_ok(aedyn_rng_create(&r, 1, 2));
    ck_assert_aedyn_fails(aedyn_rng_fill_normal(NULL, &x, 1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_rng_fill_normal(r, NULL, 1), AEDYN_ERR_NULL);
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(r, NULL, 0));
    ck_assert_aedyn_fails(aedyn_rng_fill_uniform(r, NULL, 3), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_rng_copy(NULL, r), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_rng_copy(r, NULL), AEDYN_ERR_NULL);
    aedyn_rng_destroy(r);
}
END_TEST

static double Phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

START_TEST(normal_distribution)
{
    const size_t n = 4000000;
    aedyn_rng *r;
    ck_assert_aedyn_ok(aedyn_rng_create(&r, 2026, 7));
    double *x = malloc(n * sizeof *x);
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(r, x, n));
    enum { NB = 64 };
    const double lo = -4.0, hi = 4.0, w = (hi - lo) / NB;
    size_t count[NB + 2] = { 0 }, tail = 0;
    double s1 = 0, s2 = 0, s4 = 0;
    for (size_t i = 0; i < n; i++) {
        const double v = x[i];
        ck_assert(isfinite(v));
        s1 += v;
        s2 += v * v;
        s4 += v * v * v * v;
        tail += fabs(v) > 3.6541528853610088;
        if (v < lo)
            count[0]++;
        else if (v >= hi)
            count[NB + 1]++;
        else
            count[1 + (size_t)((v - lo) / w)]++;
    }
    const double dn = (double)n;
    /* moments: standard errors 1/sqrt(n), sqrt(2/n), sqrt(96/n) */
    ck_assert_double_le(fabs(s1 / dn), 4.0 / sqrt(dn));
    ck_assert_double_le(fabs(s2 / dn - 1.0), 4.0 * sqrt(2.0 / dn));
    ck_assert_double_le(fabs(s4 / dn - 3.0), 4.0 * sqrt(96.0 / dn));
    /* chi-square over 66 cells (65 degrees of freedom): mean 65, sd 11.4;
     * 120 is beyond p = 1e-5 */
    double chi2 = 0.0;
    for (int b = 0; b < NB + 2; b++) {
        double p;
        if (b == 0)
            p = Phi(lo);
        else if (b == NB + 1)
            p = 1.0 - Phi(hi);
        else
            p = Phi(lo + b * w) - Phi(lo + (b - 1) * w);
        const double e = p * dn;
        chi2 += (count[b] - e) * (count[b] - e) / e;
    }
    ck_assert_msg(chi2 < 120.0, "chi2 = %g over 65 dof", chi2);
    /* the ziggurat's tail region beyond r: binomial count, 4 sigma */
    const double pt = 2.0 * (1.0 - Phi(3.6541528853610088));
    ck_assert_double_le(fabs((double)tail - pt * dn), 4.0 * sqrt(pt * dn));
    free(x);
    aedyn_rng_destroy(r);
}
END_TEST

START_TEST(uniform_distribution)
{
    const size_t n = 1000000;
    aedyn_rng *r;
    ck_assert_aedyn_ok(aedyn_rng_create(&r, 5, 0));
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double u = aedyn_rng_uniform(r);
        ck_assert(u >= 0.0 && u < 1.0);
        s += u;
        s2 += u * u;
    }
    /* mean 1/2 with sd sqrt(1/12 n); E u^2 = 1/3 with sd sqrt(4/45 n) */
    ck_assert_double_le(fabs(s / n - 0.5), 4.0 * sqrt(1.0 / 12.0 / n));
    ck_assert_double_le(fabs(s2 / n - 1.0 / 3.0), 4.0 * sqrt(4.0 / 45.0 / n));
    aedyn_rng_destroy(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reproducible_and_streams);
    tcase_add_test(tc, invalid_input);
    tcase_add_test(tc, normal_distribution);
    tcase_add_test(tc, uniform_distribution);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
