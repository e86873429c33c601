/* The linear-algebra layer: the one place that calls CBLAS and LAPACKE
 * (private dependencies), plus small dense helpers of its own.
 *
 * Every matrix is row-major with an explicit leading dimension. Sizes are
 * size_t; the BLAS and LAPACK calls take int, so every wrapper checks each
 * dimension and leading dimension against INT_MAX and returns AEDYN_ERR_SIZE
 * with a message instead of truncating. The vector operations cannot fail:
 * they process vectors longer than INT_MAX in pieces (one piece, hence the
 * same rounding as a single call, for every vector the library uses today).
 * Nothing here changes BLAS threading. */
#ifndef AEDYN_LINALG_INTERNAL_H
#define AEDYN_LINALG_INTERNAL_H

#include "common-private.h"

/* C (m x n) = alpha op(A) op(B) + beta C, op(A) m x k, op(B) k x n, op = transpose
 * when ta / tb. */
aedyn_status aedyn__gemm(bool ta, bool tb, size_t m, size_t n, size_t k, double alpha,
                         const double *A, size_t lda, const double *B, size_t ldb, double beta,
                         double *C, size_t ldc);

/* y = alpha op(A) x + beta y for the m x n matrix A (op = transpose when ta). */
aedyn_status aedyn__gemv(bool ta, size_t m, size_t n, double alpha, const double *A, size_t lda,
                         const double *x, double beta, double *y);

/* The upper triangle of C (n x n) = alpha op(A) op(A)^T + beta C, op(A) n x k
 * (op = transpose when ta); aedyn__symmetrise_upper() completes C. */
aedyn_status aedyn__syrk_upper(bool ta, size_t n, size_t k, double alpha, const double *A,
                               size_t lda, double beta, double *C, size_t ldc);

/* The upper triangle of A (n x n) += alpha x x^T. */
aedyn_status aedyn__syr_upper(size_t n, double alpha, const double *x, double *A, size_t lda);

/* Copy the upper triangle of the n x n row-major A onto its lower triangle. */
void aedyn__symmetrise_upper(size_t n, double *A);

/* Vector operations of any length (x, y contiguous). */
double aedyn__dot(size_t n, const double *x, const double *y);
double aedyn__nrm2(size_t n, const double *x);
void aedyn__axpy(size_t n, double alpha, const double *x, double *y);
void aedyn__scal(size_t n, double alpha, double *x);

/* Symmetric eigen-decomposition of the n x n row-major matrix A (overwritten
 * by eigenvectors as rows, sorted by decreasing eigenvalue) into w (n).
 * Returns AEDYN_ERR_SIZE / AEDYN_ERR_NUMERIC / AEDYN_ERR_NOMEM with a message
 * on failure. */
aedyn_status aedyn__eigh_desc(size_t n, double *A, double *w);

/* Eigenvalues of the general (nonsymmetric) n x n row-major matrix A, which
 * is overwritten, into wr and wi (n each; LAPACK's order: a complex pair is
 * adjacent, the one with positive imaginary part first), and optionally the
 * left (VL) and right (VR) eigenvectors, n x n row-major, NULL to skip: a
 * real eigenvalue j has its vector in column j, a complex pair j, j + 1 the
 * real and imaginary parts of the vector of wr[j] + i wi[j] in columns j and
 * j + 1; every vector has Euclidean norm 1. Left eigenvectors satisfy
 * u^H A = lambda u^H. A that is not finite gives AEDYN_ERR_NUMERIC (LAPACK
 * would not stop on it); so does a QR algorithm that does not converge. */
aedyn_status aedyn__eig(size_t n, double *A, double *wr, double *wi, double *VL, double *VR);

/* Thin singular value decomposition A = U diag(s) VT of the m x n row-major
 * matrix A (overwritten), k = min(m, n): s (k) decreasing, U m x k and VT
 * k x n row-major. AEDYN_ERR_NUMERIC when A is not finite or the iteration
 * does not converge. */
aedyn_status aedyn__svd(size_t m, size_t n, double *A, double *s, double *U, double *VT);

/* LU factorisation with partial pivoting of the n x n column-major A, in
 * place (unit lower L below the diagonal, U on and above it; row k was
 * swapped with row piv[k]). Returns false, with A partly factored, when a
 * pivot is zero or A has an entry that is not finite. Allocates nothing; meant
 * for the small dense systems of the implicit ODE stepper (a few hundred
 * unknowns), without BLAS. */
bool aedyn__lu_factor(size_t n, double *A, size_t *piv);

/* L (n x n, lower, row-major) with L L^T = A for a symmetric positive
 * semi-definite A (row-major): Cholesky, a pivot at or below 1e-14 of its
 * diagonal entry (rank deficiency, rounding) making its column 0, so that
 * every such A has a factor. Allocates nothing; small matrices, no BLAS. */
void aedyn__cholesky_psd(size_t n, const double *A, double *L);

/* Solve A x = b in place with the factors of aedyn__lu_factor. */
void aedyn__lu_solve(size_t n, const double *LU, const size_t *piv, double *b);

#endif
