/* Private dense linear algebra: the LU solver of the implicit ODE stepper
 * (against known solutions and LAPACK's dgesv), the symmetric
 * eigendecomposition's ordering, and the nonsymmetric eigenproblem and SVD of
 * the stability analysis (against known spectra and their own residuals). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include <lapacke.h>
#include "linalg-internal.h"

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

/* The BLAS wrappers against plain loops, on row-major matrices with leading
 * dimensions larger than the rows. */
START_TEST(blas_wrappers_match_loops)
{
    const size_t m = 7, n = 5, k = 6, ld = 9;
    double A[7 * 9], B[6 * 9], C[7 * 9], C0[7 * 9], x[9], y[9], y0[9];
    uint64_t seed = 11;
    aedyn_rng *r;
    ck_assert_aedyn_ok(aedyn_rng_create(&r, seed, 0));
    aedyn_rng_fill_normal(r, A, sizeof A / sizeof *A);
    aedyn_rng_fill_normal(r, B, sizeof B / sizeof *B);
    aedyn_rng_fill_normal(r, C0, sizeof C0 / sizeof *C0);
    aedyn_rng_fill_normal(r, x, 9);
    aedyn_rng_fill_normal(r, y0, 9);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            /* op(A) m x k, op(B) k x n */
            memcpy(C, C0, sizeof C);
            ck_assert_aedyn_ok(aedyn__gemm(ta, tb, m, n, k, 0.5, A, ld, B, ld, -2.0, C, ld));
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < n; j++) {
                    double want = -2.0 * C0[i * ld + j];
                    for (size_t l = 0; l < k; l++)
                        want += 0.5 * (ta ? A[l * ld + i] : A[i * ld + l]) *
                                (tb ? B[j * ld + l] : B[l * ld + j]);
                    ck_assert_double_eq_tol(C[i * ld + j], want, 1e-13);
                }
        }
    for (int ta = 0; ta < 2; ta++) {
        memcpy(y, y0, sizeof y);
        ck_assert_aedyn_ok(aedyn__gemv(ta, m, n, 1.5, A, ld, x, 0.25, y));
        for (size_t i = 0; i < (ta ? n : m); i++) {
            double want = 0.25 * y0[i];
            for (size_t l = 0; l < (ta ? m : n); l++)
                want += 1.5 * (ta ? A[l * ld + i] : A[i * ld + l]) * x[l];
            ck_assert_double_eq_tol(y[i], want, 1e-13);
        }
    }
    /* syrk (upper + mirror) and syr */
    double S[6 * 6] = { 0 };
    ck_assert_aedyn_ok(aedyn__syrk_upper(true, 6, 7, 2.0, A, ld, 0.0, S, 6));
    aedyn__symmetrise_upper(6, S);
    ck_assert_aedyn_ok(aedyn__syr_upper(6, 3.0, x, S, 6));
    aedyn__symmetrise_upper(6, S);
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 6; j++) {
            double want = 3.0 * x[i] * x[j];
            for (size_t l = 0; l < 7; l++)
                want += 2.0 * A[l * ld + i] * A[l * ld + j];
            ck_assert_double_eq_tol(S[i * 6 + j], want, 1e-12);
        }
    /* vector operations */
    double dot = 0, nrm = 0;
    for (size_t i = 0; i < 9; i++) {
        dot += x[i] * y0[i];
        nrm += x[i] * x[i];
    }
    ck_assert_double_eq_tol(aedyn__dot(9, x, y0), dot, 1e-14);
    ck_assert_double_eq_tol(aedyn__nrm2(9, x), sqrt(nrm), 1e-14);
    memcpy(y, y0, sizeof y);
    aedyn__axpy(9, -0.5, x, y);
    aedyn__scal(9, 4.0, y);
    for (size_t i = 0; i < 9; i++)
        ck_assert_double_eq_tol(y[i], 4.0 * (y0[i] - 0.5 * x[i]), 1e-14);
    ck_assert(aedyn__dot(0, NULL, NULL) == 0.0 && aedyn__nrm2(0, NULL) == 0.0);
    aedyn_rng_destroy(r);
}
END_TEST

/* Sizes beyond the int of BLAS and LAPACK are refused before any call (the
 * matrices are never touched: NULL would crash a real call). */
START_TEST(eig_known_spectra_and_vectors)
{
    /* the companion matrix of (x - 1)(x + 2)(x^2 + 2x + 5): roots 1, -2,
     * -1 +- 2i; x^4 + 3x^3 + 5x^2 + x - 10 (row-major, last row the
     * negated coefficients) */
    const size_t n = 4;
    const double C[16] = { 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 10, -1, -5, -3 };
    double A[16], wr[4], wi[4], VL[16], VR[16];
    memcpy(A, C, sizeof A);
    ck_assert_aedyn_ok(aedyn__eig(n, A, wr, wi, VL, VR));
    int found[4] = { 0 };
    const double er[4] = { 1, -2, -1, -1 }, ei[4] = { 0, 0, 2, -2 };
    for (size_t j = 0; j < n; j++)
        for (int r = 0; r < 4; r++)
            if (fabs(wr[j] - er[r]) < 1e-12 && fabs(wi[j] - ei[r]) < 1e-12)
                found[r]++;
    for (int r = 0; r < 4; r++)
        ck_assert_msg(found[r] == 1, "root %g%+gi found %d times", er[r], ei[r], found[r]);
    /* residuals |A v - lambda v| and |u^H A - lambda u^H| of every pair,
     * with the complex vectors of the LAPACK layout */
    for (size_t j = 0; j < n; j++) {
        const bool cplx = wi[j] != 0.0;
        const size_t jr = cplx && wi[j] < 0 ? j - 1 : j; /* column of the real part */
        const double sgn = cplx && wi[j] < 0 ? -1.0 : 1.0;
        double res = 0.0, resl = 0.0, nv = 0.0;
        for (size_t i = 0; i < n; i++) {
            double avr = 0, avi = 0, uar = 0, uai = 0;
            for (size_t k = 0; k < n; k++) {
                const double vr = VR[k * n + jr], vi = cplx ? sgn * VR[k * n + jr + 1] : 0.0;
                avr += C[i * n + k] * vr;
                avi += C[i * n + k] * vi;
                const double ur = VL[k * n + jr], ui = cplx ? sgn * VL[k * n + jr + 1] : 0.0;
                uar += ur * C[k * n + i]; /* u^T A, then conjugate: (u^H A)_i */
                uai += ui * C[k * n + i];
            }
            const double vr = VR[i * n + jr], vi = cplx ? sgn * VR[i * n + jr + 1] : 0.0;
            const double ur = VL[i * n + jr], ui = cplx ? sgn * VL[i * n + jr + 1] : 0.0;
            res = fmax(res, hypot(avr - (wr[j] * vr - wi[j] * vi), avi - (wr[j] * vi + wi[j] * vr)));
            /* u^H A = lambda u^H  <=>  A^T conj(u) = lambda conj(u) */
            resl = fmax(resl, hypot(uar - (wr[j] * ur + wi[j] * ui),
                                    -uai - (wi[j] * ur - wr[j] * ui)));
            nv += vr * vr + vi * vi;
        }
        ck_assert_msg(res < 1e-12 && resl < 1e-12, "eigenpair %zu: residuals %g, %g", j, res,
                      resl);
        ck_assert_double_eq_tol(nv, 1.0, 1e-12);
    }
    /* eigenvalues only; a zero-order problem; a NaN is refused, not looped on */
    memcpy(A, C, sizeof A);
    ck_assert_aedyn_ok(aedyn__eig(n, A, wr, wi, NULL, NULL));
    ck_assert_aedyn_ok(aedyn__eig(0, NULL, NULL, NULL, NULL, NULL));
    memcpy(A, C, sizeof A);
    A[5] = NAN;
    ck_assert_aedyn_fails(aedyn__eig(n, A, wr, wi, NULL, VR), AEDYN_ERR_NUMERIC);
}
END_TEST

START_TEST(svd_reconstructs)
{
    /* A = U diag(s) VT to rounding, U and V orthonormal, s decreasing,
     * for tall, wide and rank-deficient matrices */
    const size_t shapes[][2] = { { 7, 4 }, { 4, 7 }, { 30, 30 } };
    for (int c = 0; c < 3; c++) {
        const size_t m = shapes[c][0], n = shapes[c][1], k = m < n ? m : n;
        double *A0 = random_matrix(m > n ? m : n, 0.0, 40 + c), *A = malloc(m * n * sizeof *A);
        double *s = malloc(k * sizeof *s), *U = malloc(m * k * sizeof *U);
        double *VT = malloc(k * n * sizeof *VT);
        if (c == 2) /* rank 29: the last column is the sum of two others */
            for (size_t i = 0; i < m; i++)
                A0[i * n + n - 1] = A0[i * n] + A0[i * n + 1];
        memcpy(A, A0, m * n * sizeof *A);
        ck_assert_aedyn_ok(aedyn__svd(m, n, A, s, U, VT));
        double err = 0.0, orth = 0.0;
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                double r = 0.0;
                for (size_t l = 0; l < k; l++)
                    r += U[i * k + l] * s[l] * VT[l * n + j];
                err = fmax(err, fabs(r - A0[i * n + j]));
            }
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++) {
                double u = 0.0, v = 0.0;
                for (size_t i = 0; i < m; i++)
                    u += U[i * k + a] * U[i * k + b];
                for (size_t j = 0; j < n; j++)
                    v += VT[a * n + j] * VT[b * n + j];
                orth = fmax(orth, fmax(fabs(u - (a == b)), fabs(v - (a == b))));
            }
        for (size_t l = 1; l < k; l++)
            ck_assert(s[l] <= s[l - 1]);
        ck_assert_msg(err < 1e-12 * s[0] && orth < 1e-12, "%zu x %zu: %g, %g", m, n, err, orth);
        if (c == 2)
            ck_assert_msg(s[k - 1] < 1e-13 * s[0], "rank-deficient: s_min/s_max = %g",
                          s[k - 1] / s[0]);
        A[0] = INFINITY;
        ck_assert_aedyn_fails(aedyn__svd(m, n, A, s, U, VT), AEDYN_ERR_NUMERIC);
        free(A0);
        free(A);
        free(s);
        free(U);
        free(VT);
    }
}
END_TEST

START_TEST(blas_sizes_beyond_int_are_refused)
{
    const size_t big = (size_t)INT_MAX + 1;
    ck_assert_aedyn_fails(aedyn__gemm(false, false, big, 1, 1, 1, NULL, 1, NULL, 1, 0, NULL, 1),
                          AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__gemm(false, false, 1, 1, big, 1, NULL, big, NULL, 1, 0, NULL, 1),
                          AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__gemm(true, true, 1, 1, 1, 1, NULL, 1, NULL, 1, 0, NULL, big),
                          AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__gemv(false, 1, big, 1, NULL, big, NULL, 0, NULL),
                          AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__syrk_upper(false, big, 1, 1, NULL, 1, 0, NULL, big),
                          AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__syr_upper(big, 1, NULL, NULL, big), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__eigh_desc(big, NULL, NULL), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__eig(big, NULL, NULL, NULL, NULL, NULL), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__svd(big, 2, NULL, NULL, NULL, NULL), AEDYN_ERR_SIZE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linalg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, lu_solves_random_systems);
    tcase_add_test(tc, lu_pivots_on_zero_diagonal);
    tcase_add_test(tc, lu_reports_singular_and_nonfinite);
    tcase_add_test(tc, blas_wrappers_match_loops);
    tcase_add_test(tc, eig_known_spectra_and_vectors);
    tcase_add_test(tc, svd_reconstructs);
    tcase_add_test(tc, blas_sizes_beyond_int_are_refused);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
