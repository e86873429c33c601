/* The linear-algebra layer (linalg-internal.h): size-checked wrappers of the
 * CBLAS and LAPACKE calls of the whole library, and a small dense LU. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#include "linalg-internal.h"

/* Largest length of one BLAS vector call. */
#define PIECE_ ((size_t)INT_MAX)

/* Every size fits the int of BLAS and LAPACK. */
static aedyn_status fits(const char *what, size_t a, size_t b, size_t c, size_t d, size_t e,
                         size_t f)
{
    const size_t v[6] = { a, b, c, d, e, f };
    for (int i = 0; i < 6; i++)
        if (v[i] > (size_t)INT_MAX)
            return aedyn__fail(AEDYN_ERR_SIZE, "%s: dimension %zu exceeds the BLAS/LAPACK "
                               "index range (%d)", what, v[i], INT_MAX);
    return AEDYN_OK;
}

static enum CBLAS_TRANSPOSE tr(bool t) { return t ? CblasTrans : CblasNoTrans; }

aedyn_status aedyn__gemm(bool ta, bool tb, size_t m, size_t n, size_t k, double alpha,
                         const double *A, size_t lda, const double *B, size_t ldb, double beta,
                         double *C, size_t ldc)
{
    aedyn_status st = fits("matrix product", m, n, k, lda, ldb, ldc);
    if (st)
        return st;
    if (m == 0 || n == 0)
        return AEDYN_OK;
    cblas_dgemm(CblasRowMajor, tr(ta), tr(tb), (int)m, (int)n, (int)k, alpha, A, (int)lda, B,
                (int)ldb, beta, C, (int)ldc);
    return AEDYN_OK;
}

aedyn_status aedyn__gemv(bool ta, size_t m, size_t n, double alpha, const double *A, size_t lda,
                         const double *x, double beta, double *y)
{
    aedyn_status st = fits("matrix-vector product", m, n, lda, 0, 0, 0);
    if (st)
        return st;
    if ((ta ? n : m) == 0)
        return AEDYN_OK;
    cblas_dgemv(CblasRowMajor, tr(ta), (int)m, (int)n, alpha, A, (int)lda, x, 1, beta, y, 1);
    return AEDYN_OK;
}

aedyn_status aedyn__syrk_upper(bool ta, size_t n, size_t k, double alpha, const double *A,
                               size_t lda, double beta, double *C, size_t ldc)
{
    aedyn_status st = fits("symmetric rank-k update", n, k, lda, ldc, 0, 0);
    if (st)
        return st;
    if (n == 0)
        return AEDYN_OK;
    cblas_dsyrk(CblasRowMajor, CblasUpper, tr(ta), (int)n, (int)k, alpha, A, (int)lda, beta, C,
                (int)ldc);
    return AEDYN_OK;
}

aedyn_status aedyn__syr_upper(size_t n, double alpha, const double *x, double *A, size_t lda)
{
    aedyn_status st = fits("symmetric rank-1 update", n, lda, 0, 0, 0, 0);
    if (st)
        return st;
    if (n == 0)
        return AEDYN_OK;
    cblas_dsyr(CblasRowMajor, CblasUpper, (int)n, alpha, x, 1, A, (int)lda);
    return AEDYN_OK;
}

double aedyn__dot(size_t n, const double *x, const double *y)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i += PIECE_) {
        const size_t m = n - i < PIECE_ ? n - i : PIECE_;
        s += cblas_ddot((int)m, x + i, 1, y + i, 1);
    }
    return s;
}

double aedyn__nrm2(size_t n, const double *x)
{
    if (n <= PIECE_)
        return n ? cblas_dnrm2((int)n, x, 1) : 0.0;
    double r = 0.0;
    for (size_t i = 0; i < n; i += PIECE_) {
        const size_t m = n - i < PIECE_ ? n - i : PIECE_;
        r = hypot(r, cblas_dnrm2((int)m, x + i, 1));
    }
    return r;
}

void aedyn__axpy(size_t n, double alpha, const double *x, double *y)
{
    for (size_t i = 0; i < n; i += PIECE_) {
        const size_t m = n - i < PIECE_ ? n - i : PIECE_;
        cblas_daxpy((int)m, alpha, x + i, 1, y + i, 1);
    }
}

void aedyn__scal(size_t n, double alpha, double *x)
{
    for (size_t i = 0; i < n; i += PIECE_) {
        const size_t m = n - i < PIECE_ ? n - i : PIECE_;
        cblas_dscal((int)m, alpha, x + i, 1);
    }
}

aedyn_status aedyn__eigh_desc(size_t n, double *A, double *w)
{
    if (n == 0)
        return AEDYN_OK;
    aedyn_status st = fits("eigendecomposition", n, 0, 0, 0, 0, 0);
    if (st)
        return st;
    double *tmp = aedyn__calloc(n * n, sizeof *tmp);
    double *wa = aedyn__calloc(n, sizeof *wa);
    if (!tmp || !wa) {
        free(tmp);
        free(wa);
        return aedyn__fail(AEDYN_ERR_NOMEM, "eigendecomposition of order %zu: out of memory", n);
    }
    memcpy(tmp, A, n * n * sizeof *tmp);
    lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, tmp,
                                     (lapack_int)n, wa);
    if (info != 0) {
        free(tmp);
        free(wa);
        return aedyn__fail(AEDYN_ERR_NUMERIC, "LAPACKE_dsyevd failed (info = %d)", (int)info);
    }
    /* dsyevd: ascending eigenvalues, eigenvector j in column j. We want
     * descending eigenvalues with eigenvector j in row j. */
    for (size_t j = 0; j < n; j++) {
        size_t src = n - 1 - j;
        w[j] = wa[src];
        for (size_t i = 0; i < n; i++)
            A[j * n + i] = tmp[i * n + src];
    }
    free(tmp);
    free(wa);
    return AEDYN_OK;
}

/* LAPACKE could not allocate its workspace. */
static bool lapack_nomem(lapack_int info)
{
    return info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR;
}

aedyn_status aedyn__eig(size_t n, double *A, double *wr, double *wi, double *VL, double *VR)
{
    if (n == 0)
        return AEDYN_OK;
    aedyn_status st = fits("nonsymmetric eigenproblem", n, 0, 0, 0, 0, 0);
    if (st)
        return st;
    if (!aedyn__all_finite(A, n * n))
        return aedyn__fail(AEDYN_ERR_NUMERIC, "nonsymmetric eigenproblem of order %zu: the "
                           "matrix is not finite", n);
    double dummy = 0.0;
    lapack_int info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, VL ? 'V' : 'N', VR ? 'V' : 'N',
                                    (lapack_int)n, A, (lapack_int)n, wr, wi, VL ? VL : &dummy,
                                    (lapack_int)n, VR ? VR : &dummy, (lapack_int)n);
    if (info != 0)
        return aedyn__fail(lapack_nomem(info) ? AEDYN_ERR_NOMEM : AEDYN_ERR_NUMERIC,
                           "LAPACKE_dgeev failed for order %zu (info = %d)", n, (int)info);
    return AEDYN_OK;
}

aedyn_status aedyn__svd(size_t m, size_t n, double *A, double *s, double *U, double *VT)
{
    const size_t k = m < n ? m : n;
    if (k == 0)
        return AEDYN_OK;
    aedyn_status st = fits("singular value decomposition", m, n, 0, 0, 0, 0);
    if (st)
        return st;
    if (!aedyn__all_finite(A, m * n))
        return aedyn__fail(AEDYN_ERR_NUMERIC, "singular value decomposition of a %zu x %zu "
                           "matrix: the matrix is not finite", m, n);
    lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)m, (lapack_int)n, A,
                                     (lapack_int)n, s, U, (lapack_int)k, VT, (lapack_int)n);
    if (info != 0)
        return aedyn__fail(lapack_nomem(info) ? AEDYN_ERR_NOMEM : AEDYN_ERR_NUMERIC,
                           "LAPACKE_dgesdd failed for a %zu x %zu matrix (info = %d)", m, n,
                           (int)info);
    return AEDYN_OK;
}

void aedyn__symmetrise_upper(size_t n, double *A)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            A[i * n + j] = A[j * n + i];
}

/* Right-looking elimination by columns: every inner loop runs down one
 * contiguous column, which the compiler vectorises (AEDYN__CLONES). A NaN or
 * infinity anywhere reaches a pivot, so it is reported. For the
 * orders the ODE stepper uses (n <= a few hundred) this is faster than a
 * blocked, possibly threaded LAPACK call and never touches BLAS threading. */
AEDYN__CLONES bool aedyn__lu_factor(size_t n, double *A, size_t *piv)
{
    for (size_t k = 0; k < n; k++) {
        double *ck = A + k * n;
        size_t p = k;
        double amax = fabs(ck[k]);
        for (size_t i = k + 1; i < n; i++) /* a NaN is chosen, and reported below */
            if (fabs(ck[i]) > amax || isnan(ck[i])) {
                amax = fabs(ck[i]);
                p = i;
            }
        piv[k] = p;
        amax = fabs(ck[p]);
        if (!(amax > 0.0) || !isfinite(amax))
            return false;
        if (p != k)
            for (size_t j = 0; j < n; j++) {
                double *cj = A + j * n;
                const double t = cj[k];
                cj[k] = cj[p];
                cj[p] = t;
            }
        const double inv = 1.0 / ck[k];
        for (size_t i = k + 1; i < n; i++)
            ck[i] *= inv;
        for (size_t j = k + 1; j < n; j++) {
            double *cj = A + j * n;
            const double a = cj[k];
            if (a != 0.0)
                for (size_t i = k + 1; i < n; i++)
                    cj[i] -= a * ck[i];
        }
    }
    return true;
}

AEDYN__CLONES void aedyn__lu_solve(size_t n, const double *LU, const size_t *piv, double *b)
{
    for (size_t k = 0; k < n; k++)
        if (piv[k] != k) {
            const double t = b[k];
            b[k] = b[piv[k]];
            b[piv[k]] = t;
        }
    for (size_t j = 0; j < n; j++) { /* L y = P b, unit diagonal */
        const double *c = LU + j * n, bj = b[j];
        for (size_t i = j + 1; i < n; i++)
            b[i] -= bj * c[i];
    }
    for (size_t j = n; j-- > 0;) { /* U x = y */
        const double *c = LU + j * n;
        b[j] /= c[j];
        const double bj = b[j];
        for (size_t i = 0; i < j; i++)
            b[i] -= bj * c[i];
    }
}

void aedyn__cholesky_psd(size_t n, const double *A, double *L)
{
    memset(L, 0, n * n * sizeof *L);
    for (size_t j = 0; j < n; j++) {
        double d = A[j * n + j];
        for (size_t p = 0; p < j; p++)
            d -= L[j * n + p] * L[j * n + p];
        if (!(d > 1e-14 * A[j * n + j])) /* rank deficient (or rounding): column 0 */
            continue;
        const double ljj = sqrt(d);
        L[j * n + j] = ljj;
        for (size_t i = j + 1; i < n; i++) {
            double v = A[i * n + j];
            for (size_t p = 0; p < j; p++)
                v -= L[i * n + p] * L[j * n + p];
            L[i * n + j] = v / ljj;
        }
    }
}
