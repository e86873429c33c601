/* Dense linear algebra helpers over LAPACKE. */
#include <stdlib.h>
#include <string.h>
#include "linalg-private.h"

aedyn_status aedyn__eigh_desc(size_t n, double *A, double *w)
{
    if (n == 0)
        return AEDYN_OK;
    if (n > (size_t)INT32_MAX)
        return aedyn__fail(AEDYN_ERR_SIZE, "matrix of order %zu is too large for LAPACK", n);
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

void aedyn__symmetrise_upper(size_t n, double *A)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            A[i * n + j] = A[j * n + i];
}

/* Right-looking elimination by columns: every inner loop runs down one
 * contiguous column, which the compiler vectorises (AEDYN_CLONES_). A NaN or
 * infinity anywhere reaches a pivot, so it is reported. For the
 * orders the ODE stepper uses (n <= a few hundred) this is faster than a
 * blocked, possibly threaded LAPACK call and never touches BLAS threading. */
AEDYN_CLONES_ bool aedyn__lu_factor(size_t n, double *A, size_t *piv)
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

AEDYN_CLONES_ void aedyn__lu_solve(size_t n, const double *LU, const size_t *piv, double *b)
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
