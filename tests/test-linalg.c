/* Private dense linear algebra: the LU solver of the implicit ODE stepper
 * (against known solutions and LAPACK's dgesv) and the symmetric
 * eigendecomposition's ordering. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "linalg-private.h"

/* Column-major random n x n matrix with entries N(0,1) (+ shift on the diagonal). */
static double *random_matrix(size_t n, double shift, uint64_t seed)
{
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, seed, 0));
    double *A = malloc(n * n * sizeof *A);
    ck_assert_ptr_nonnull(A);
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, A, n * n));
    for (size_t i = 0; i < n; i++)
        A[i * n + i] += shift;
    aedyn_rng_destroy(rng);
    return A;
}

START_TEST(lu_solves_random_systems)
{
    /* x_true known, b = A x_true; with partial pivoting the relative error
     * is of the order cond(A) eps, and must match LAPACK's dgesv to rounding */
    const size_t sizes[] = { 1, 2, 7, 64, 200 };
    for (int c = 0; c < 5; c++) {
        const size_t n = sizes[c];
        double *A = random_matrix(n, 0.0, 10 + c), *LU = malloc(n * n * sizeof *LU);
        double *x = malloc(n * sizeof *x), *b = malloc(n * sizeof *b), *bl = malloc(n * sizeof *bl);
        size_t *piv = malloc(n * sizeof *piv);
        lapack_int *ipiv = malloc(n * sizeof *ipiv);
        for (size_t i = 0; i < n; i++)
            x[i] = sin(1.0 + (double)i);
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t j = 0; j < n; j++)
                s += A[j * n + i] * x[j];
            b[i] = bl[i] = s;
        }
        memcpy(LU, A, n * n * sizeof *LU);
        ck_assert(aedyn__lu_factor(n, LU, piv));
        aedyn__lu_solve(n, LU, piv, b);
        memcpy(LU, A, n * n * sizeof *LU);
        ck_assert_int_eq(LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)n, 1, LU, (lapack_int)n,
                                       ipiv, bl, (lapack_int)n), 0);
        double err = 0.0, diff = 0.0, xn = 0.0;
        for (size_t i = 0; i < n; i++) {
            err = fmax(err, fabs(b[i] - x[i]));
            diff = fmax(diff, fabs(b[i] - bl[i]));
            xn = fmax(xn, fabs(x[i]));
        }
        ck_assert_msg(err <= 1e-9 * xn && diff <= 1e-9 * xn, "n = %zu: error %g, vs dgesv %g", n,
                      err, diff);
        free(A);
        free(LU);
        free(x);
        free(b);
        free(bl);
        free(piv);
        free(ipiv);
    }
}
END_TEST

START_TEST(lu_pivots_on_zero_diagonal)
{
    /* [[0 1 0] [2 0 0] [0 0 3]] (rows) needs a row exchange */
    const double A[9] = { 0, 2, 0, 1, 0, 0, 0, 0, 3 }; /* column-major */
    double LU[9], b[3] = { 1, 4, 9 };
    size_t piv[3];
    memcpy(LU, A, sizeof A);
    ck_assert(aedyn__lu_factor(3, LU, piv));
    aedyn__lu_solve(3, LU, piv, b);
    ck_assert_double_eq_tol(b[0], 2.0, 1e-15);
    ck_assert_double_eq_tol(b[1], 1.0, 1e-15);
    ck_assert_double_eq_tol(b[2], 3.0, 1e-15);
}
END_TEST

START_TEST(lu_reports_singular_and_nonfinite)
{
    double S[4] = { 1, 2, 2, 4 }; /* rank one */
    size_t piv[2];
    ck_assert(!aedyn__lu_factor(2, S, piv));
    double N[4] = { 1, NAN, 0, 1 };
    ck_assert(!aedyn__lu_factor(2, N, piv));
    double Inf[4] = { INFINITY, 0, 0, 1 };
    ck_assert(!aedyn__lu_factor(2, Inf, piv));
    double Z[1] = { 0.0 };
    ck_assert(!aedyn__lu_factor(1, Z, piv));
    ck_assert(aedyn__lu_factor(0, Z, piv)); /* empty system: nothing to do */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linalg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, lu_solves_random_systems);
    tcase_add_test(tc, lu_pivots_on_zero_diagonal);
    tcase_add_test(tc, lu_reports_singular_and_nonfinite);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
