/* The one place that includes CBLAS and LAPACKE (private dependencies). */
#ifndef AEDYN_LINALG_PRIVATE_H
#define AEDYN_LINALG_PRIVATE_H

#include <cblas.h>
#include <lapacke.h>
#include "common-private.h"

/* Symmetric eigen-decomposition of the n x n row-major matrix A (overwritten
 * by eigenvectors as rows, sorted by decreasing eigenvalue) into w (n).
 * Returns AEDYN_ERR_NUMERIC / AEDYN_ERR_NOMEM with a message on failure. */
aedyn_status aedyn__eigh_desc(size_t n, double *A, double *w);

/* Copy the upper triangle of the n x n row-major A onto its lower triangle
 * (after a cblas_dsyrk with CblasUpper). */
void aedyn__symmetrise_upper(size_t n, double *A);

#endif
