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

/* LU factorisation with partial pivoting of the n x n column-major A, in
 * place (unit lower L below the diagonal, U on and above it; row k was
 * swapped with row piv[k]). Returns false, with A partly factored, when a
 * pivot is zero or A has an entry that is not finite. Allocates nothing; meant for the small dense
 * systems of the implicit ODE stepper (a few hundred unknowns). */
bool aedyn__lu_factor(size_t n, double *A, size_t *piv);

/* Solve A x = b in place with the factors of aedyn__lu_factor. */
void aedyn__lu_solve(size_t n, const double *LU, const size_t *piv, double *b);

#endif
