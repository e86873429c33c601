/**
 * @file aedyn-data.h
 * @brief Data models: the input distribution and its covariance spectrum.
 *
 * A data model owns the input dimension D, a sampler of inputs x in R^D and
 * the spectrum of the covariance Omega = E[x x^T] as **eigen-groups**. A group
 * is an eigenvalue rho_g with multiplicity n_g whose eigenvectors are either
 * explicit (n_g orthonormal vectors of length D) or "the complement": the
 * orthogonal complement of all explicit eigenvectors of the model. At most one
 * group is a complement group. The spiked model is M explicit spikes plus one
 * complement (bulk) group, so no D x D matrix is ever formed for it.
 *
 * Groups are listed by decreasing eigenvalue. Explicit eigenvectors whose
 * eigenvalues agree to a relative 1e-12 (of the largest eigenvalue) form one
 * group.
 *
 * Layouts: matrices are row-major; a batch of n inputs is n x D (row i is
 * input i); a set of n vectors of length D is n x D.
 *
 * aedyn_data_sample() uses scratch memory inside the handle: a data model may
 * be queried from many threads at once (const functions), but sampled through
 * aedyn_data_sample() from one thread at a time. Trainers (aedyn_sgd) draw
 * their inputs with scratch of their own, so trainers in several threads may
 * share one data model.
 */
#ifndef AEDYN_DATA_H
#define AEDYN_DATA_H

#include "aedyn-status.h"
#include "aedyn-rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque data model. @since 0.2 */
typedef struct aedyn_data aedyn_data;

/** How the spike vectors a_m of the spiked model are chosen. @since 0.2 */
typedef enum aedyn_data_spikes {
    /** i.i.d. N(0,1) entries, each vector rescaled to norm sqrt(D). */
    AEDYN_DATA_SPIKES_RANDOM = 0,
    /** a_{m,i} = sin((m+1) i / 100), i = 0..D-1, m = 1..M, rescaled to norm sqrt(D). */
    AEDYN_DATA_SPIKES_SINUSOIDAL = 1
} aedyn_data_spikes;

/**
 * Flag for aedyn_data_create_spiked(): divide every input by the global
 * standard deviation sqrt(Tr Omega / D), so that Tr Omega / D = 1 and every
 * rho / D <= 1 (the authors' figures). Without it the raw model is used.
 * @since 0.2
 */
#define AEDYN_DATA_STANDARDISE 1u

/**
 * Create the spiked (Wishart) model x = sum_m c_m a_m + sigma xi, with
 * c_m ~ N(0, Lambda_m^2), xi ~ N(0, I_D) (docs/theory.md section 2).
 *
 * The spectrum is exact: the non-zero eigenvalues of sum_m Lambda_m^2 a_m a_m^T
 * come from the M x M matrix diag(Lambda) G diag(Lambda), G the Gram matrix of
 * the a_m (which need not be orthogonal), each shifted by sigma^2; the bulk
 * sigma^2 is one complement group of multiplicity D - rank. Sampling costs
 * O(M D).
 *
 * @param out     receives the model (untouched on failure)
 * @param D       input dimension, >= 1
 * @param M       number of spikes, 0 <= M <= D
 * @param lambda  M spike strengths Lambda_m > 0, or NULL for the paper's
 *                default Lambda_m = 2^m + 1 (3, 5, 9, 17, ...)
 * @param sigma   noise standard deviation, finite and >= 0
 * @param vectors choice of spike vectors
 * @param rng     generator for random spike vectors (may be NULL for
 *                AEDYN_DATA_SPIKES_SINUSOIDAL)
 * @param flags   0 or AEDYN_DATA_STANDARDISE
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE, AEDYN_ERR_INVALID,
 *         AEDYN_ERR_NOMEM, AEDYN_ERR_NUMERIC
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_create_spiked(aedyn_data **out, size_t D, size_t M,
                                                const double *lambda, double sigma,
                                                aedyn_data_spikes vectors, aedyn_rng *rng,
                                                unsigned flags);

/**
 * Create a zero-mean Gaussian model N(0, Omega) from a covariance matrix.
 * Omega is checked to be symmetric (|O_ij - O_ji| <= 1e-10 max|O|) and
 * positive semi-definite (smallest eigenvalue >= -1e-10 times the largest;
 * slightly negative eigenvalues within that tolerance are set to 0), and
 * diagonalised once with LAPACKE (O(D^3)).
 *
 * @param out receives the new model (unchanged on failure)
 * @param D input dimension, >= 1
 * @param omega D x D row-major covariance; it is copied
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE, AEDYN_ERR_INVALID (non-finite
 *         entries), AEDYN_ERR_NOT_PSD, AEDYN_ERR_NOMEM, AEDYN_ERR_NUMERIC
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_create_gaussian(aedyn_data **out, size_t D, const double *omega);

/**
 * Create a zero-mean Gaussian model from eigenpairs:
 * Omega = sum_j rho_j e_j e_j^T + bulk * P, where P projects on the orthogonal
 * complement of the n given eigenvectors (multiplicity D - n).
 *
 * @param out receives the new model (unchanged on failure)
 * @param D input dimension, >= 1
 * @param n       number of given eigenpairs, 0 <= n <= D
 * @param rho     n eigenvalues, each finite and >= 0
 * @param vectors n x D row-major, orthonormal rows (checked to 1e-8)
 * @param bulk    eigenvalue of the complement, finite and >= 0 (ignored if n == D)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE, AEDYN_ERR_INVALID,
 *         AEDYN_ERR_NOT_PSD (negative eigenvalue), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_create_eigen(aedyn_data **out, size_t D, size_t n,
                                               const double *rho, const double *vectors,
                                               double bulk);

/**
 * Create the Gaussian model N(0, Omega_hat) with the empirical covariance
 * Omega_hat = X^T X / N of N samples X drawn from @p src (a Wishart matrix:
 * this is what the authors estimate from 10^4 samples). Costs O(N D^2 + D^3).
 *
 * @param out receives the new model (unchanged on failure)
 * @param src  model to draw from (its sampling scratch is used)
 * @param rng  generator for the N samples
 * @param N    number of samples, >= 1
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_create_empirical(aedyn_data **out, aedyn_data *src,
                                                   aedyn_rng *rng, size_t N);

/** Destroy a data model; NULL is a no-op. @since 0.2 */
AEDYN_API void aedyn_data_destroy(aedyn_data *data);

/**
 * Kind of the model, one word: "spiked", "gaussian" (from a covariance
 * matrix), "eigen" (from eigenpairs), "empirical", "images" (real images)
 * or "images-gaussian" (the Gaussian-equivalent model of an image set).
 * Never NULL ("" for NULL).
 * @since 0.2
 */
AEDYN_API const char *aedyn_data_get_kind(const aedyn_data *data);

/** Input dimension D (0 if @p data is NULL). @since 0.2 */
AEDYN_API size_t aedyn_data_get_dim(const aedyn_data *data);

/**
 * Draw @p n independent inputs into @p X (n x D row-major).
 * Allocates nothing; uses the handle's scratch (one thread at a time).
 * Blocks of up to 64 inputs are mixed by matrix products (BLAS-3); the random
 * variates are drawn in the same order as by n single draws, so a batch
 * equals n calls with n = 1 up to rounding.
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_sample(aedyn_data *data, aedyn_rng *rng, size_t n, double *X);

/** Number of eigen-groups of the spectrum (0 if @p data is NULL). @since 0.2 */
AEDYN_API size_t aedyn_data_get_n_groups(const aedyn_data *data);

/**
 * Describe eigen-group @p g (0 <= g < aedyn_data_get_n_groups()).
 * @param data the data model
 * @param g group index
 * @param rho        receives the eigenvalue (may be NULL)
 * @param mult       receives the multiplicity (may be NULL)
 * @param n_explicit receives the number of explicit eigenvectors: equal to the
 *                   multiplicity for explicit groups, 0 for the complement group
 *                   (may be NULL)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (g out of range)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_get_group(const aedyn_data *data, size_t g, double *rho,
                                        size_t *mult, size_t *n_explicit);

/**
 * Copy the explicit eigenvectors of group @p g into @p vectors (n_explicit x D
 * row-major). For a complement group nothing is written.
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_get_group_vectors(const aedyn_data *data, size_t g, double *vectors);

/**
 * All D eigenvalues, with multiplicity, sorted decreasing, into @p rho.
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_get_eigenvalues(const aedyn_data *data, double *rho);

/**
 * The population covariance Omega as a D x D row-major matrix (O(D^2) memory;
 * meant for checks and small D).
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_get_covariance(const aedyn_data *data, double *omega);

/** Tr Omega, every eigenvalue counted with its multiplicity (NaN if NULL). @since 0.2 */
AEDYN_API double aedyn_data_get_trace(const aedyn_data *data);

/**
 * PCA reconstruction error with m components, with the 1/2 of the loss:
 * eps_PCA(m) = (1/2D) sum_{j > m} rho_(j), eigenvalues sorted decreasing.
 * @param data the data model
 * @param m    0 <= m <= D
 * @param err  receives the error
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_pca_error(const aedyn_data *data, size_t m, double *err);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_DATA_H */
