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
