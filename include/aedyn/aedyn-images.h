/**
 * @file aedyn-images.h
 * @brief Real images: CIFAR-10 and IDX loaders, preprocessing, and data
 * models built on the empirical covariance of an image set.
 *
 * An image set (aedyn_images) holds N images as an N x D row-major array of
 * doubles, D = rows * cols: every image is converted to grayscale
 * (0.299 R + 0.587 G + 0.114 B for colour images), scaled to [0, 1] and
 * flattened row by row. A set is then preprocessed once, in place
 * (aedyn_images_preprocess()); a held-out set is processed with the transform
 * fitted on the training set (aedyn_images_preprocess_like()).
 *
 * From a set, aedyn_data_create_images() makes an ordinary aedyn_data whose spectrum
 * is that of the empirical second-moment matrix Omega_hat = X^T X / N
 * (computed once: BLAS-3 for X^T X, LAPACKE for the eigenpairs; D explicit
 * eigenvectors). Every aedyn_data_* function, the SGD trainer and the ODE work
 * on it unchanged. It samples either real images drawn uniformly with
 * replacement from the set, or Gaussian inputs N(0, Omega_hat) (the
 * Gaussian-equivalent model).
 *
 * Loaders validate the whole file: a truncated, empty or oversized file, a
 * wrong magic number, inconsistent sizes or header counts that overflow are
 * rejected with AEDYN_ERR_FORMAT (AEDYN_ERR_IO when the file cannot be
 * opened or read) and a message saying what was wrong. Files may be
 * gzip-compressed (detected by the gzip magic bytes). What a loader reads is
 * bounded: a regular file by its size (a gzip file by 1040 times its size,
 * deflate's largest expansion); a stream that is not a regular file (a pipe,
 * a device) by the count of images to read, up to the last of which it is
 * read (nothing after it is checked). The IDX header gives that count; a
 * CIFAR-10 stream needs @p count > 0.
 */
#ifndef AEDYN_IMAGES_H
#define AEDYN_IMAGES_H

#include "aedyn-status.h"
#include "aedyn-rng.h"
#include "aedyn-data.h"
#include "aedyn-net.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque set of images. @since 0.2 */
typedef struct aedyn_images aedyn_images;

/** Preprocessing modes of aedyn_images_preprocess(). @since 0.2 */
typedef enum aedyn_images_mode {
    /** grayscale in [0, 1], unchanged */
    AEDYN_IMAGES_RAW = 0,
    /** the paper's: x <- (x - m) / (2 s), m and s the global mean and standard
     *  deviation over all pixels of all images (global mean 0, global std 0.5) */
    AEDYN_IMAGES_PAPER = 1,
    /** per-pixel centring and one scalar scaling: x_i <- (x_i - mu_i) / s with
     *  mu_i the mean of pixel i and s^2 the mean over pixels of their
     *  variances (every pixel has mean 0, Tr Omega_hat / D = 1) */
    AEDYN_IMAGES_CENTRED = 2,
    /** ZCA whitening: per-pixel centring, then x <- U diag(1/sqrt(rho + eps)) U^T x
     *  with C = U diag(rho) U^T the covariance of the centred set; the processed
     *  set has covariance U diag(rho / (rho + eps)) U^T */
    AEDYN_IMAGES_ZCA = 3,
    /** PCA whitening: as ZCA without the final rotation back,
     *  x <- diag(1/sqrt(rho + eps)) U^T x (component j is the j-th principal
     *  component, rho sorted decreasing); covariance diag(rho / (rho + eps)) */
    AEDYN_IMAGES_PCA_WHITE = 4
} aedyn_images_mode;

/** Samplers of aedyn_data_create_images(). @since 0.2 */
typedef enum aedyn_images_sampler {
    /** real images of the set, drawn uniformly with replacement (the model
     *  shares the set's pixels: it stays valid, sampling the images as they
     *  were, after the set is destroyed or preprocessed) */
    AEDYN_IMAGES_SAMPLE_REAL = 0,
    /** Gaussian inputs N(0, Omega_hat) (the Gaussian-equivalent model; it
     *  does not refer to the set after creation) */
    AEDYN_IMAGES_SAMPLE_GAUSSIAN = 1
} aedyn_images_sampler;

/**
 * Load images from a CIFAR-10 binary batch (data_batch_*.bin, test_batch.bin):
 * records of 1 label byte (0..9) and 3072 bytes, the R, G and B planes of a
 * 32 x 32 image, row-major; a file is N >= 1 whole records. D = 1024.
 *
 * @param out    receives the set (untouched on failure)
 * @param path   file name (plain or gzip-compressed)
 * @param first  index of the first record to keep
 * @param count  number of records to keep, 0 for all from @p first on
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_IO, AEDYN_ERR_FORMAT,
 *         AEDYN_ERR_SIZE (@p first / @p count beyond the file),
 *         AEDYN_ERR_INVALID (count 0 for a file that is not a regular file),
 *         AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_images_load_cifar10(aedyn_images **out, const char *path,
                                                 size_t first, size_t count);

/**
 * Load images from an IDX file (the MNIST / Fashion-MNIST format): the magic
 * bytes 00 00 08 03 (unsigned bytes, 3 dimensions), the big-endian 32-bit
 * dimensions N, rows, cols, then N * rows * cols bytes. The file may be
 * gzip-compressed (e.g. train-images-idx3-ubyte.gz). D = rows * cols.
 *
 * @param out    receives the set (untouched on failure)
 * @param path   file name
 * @param first  index of the first image to keep
 * @param count  number of images to keep, 0 for all from @p first on
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_IO, AEDYN_ERR_FORMAT,
 *         AEDYN_ERR_SIZE (@p first / @p count beyond the file), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_images_load_idx(aedyn_images **out, const char *path,
                                             size_t first, size_t count);

/**
 * Create a set from @p n images given as an n x (rows * cols) row-major array
 * of finite values (already grayscale; no scaling is applied).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE, AEDYN_ERR_INVALID
 *         (non-finite values), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_images_create(aedyn_images **out, size_t n, size_t rows,
                                           size_t cols, const double *X);

/**
 * Destroy a set; NULL is a no-op. Data models made from it stay valid (they
 * keep the pixels they sample).
 * @since 0.2
 */
AEDYN_API void aedyn_images_destroy(aedyn_images *imgs);

/** Number of images N (0 if @p imgs is NULL). @since 0.2 */
AEDYN_API size_t aedyn_images_get_n_images(const aedyn_images *imgs);

/** Image dimension D = rows * cols (0 if @p imgs is NULL). @since 0.2 */
AEDYN_API size_t aedyn_images_get_dim(const aedyn_images *imgs);

/**
 * Image shape.
 * @param imgs the image set
 * @param rows receives the number of rows (may be NULL)
 * @param cols receives the number of columns (may be NULL)
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_images_get_shape(const aedyn_images *imgs, size_t *rows, size_t *cols);

/**
 * Copy images @p first .. @p first + @p n - 1 (as currently processed) into
 * @p X (n x D row-major).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (range beyond the set)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_images_get_images(const aedyn_images *imgs, size_t first, size_t n,
                                        double *X);

/**
 * Fit preprocessing @p mode on the set and apply it, in place. A set is
 * preprocessed at most once (AEDYN_IMAGES_RAW counts). Data models made from
 * the set before keep sampling its images as they were: when one shares the
 * pixels, the set moves to a processed copy (N x D more memory meanwhile).
 * @param imgs the image set, modified in place
 * @param mode the preprocessing (see aedyn_images_mode)
 * @param eps  whitening regulariser, finite and > 0 (ZCA and PCA whitening
 *             only; ignored otherwise)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (unknown mode, bad eps,
 *         set already preprocessed, constant images for
 *         AEDYN_IMAGES_PAPER / AEDYN_IMAGES_CENTRED), AEDYN_ERR_NOMEM,
 *         AEDYN_ERR_NUMERIC
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_images_preprocess(aedyn_images *imgs, aedyn_images_mode mode,
                                               double eps);

/**
 * Apply to @p imgs (not yet preprocessed) the transform fitted on @p fitted by
 * aedyn_images_preprocess(): e.g. process a held-out test set exactly like the
 * training set.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (different D),
 *         AEDYN_ERR_INVALID (@p fitted not preprocessed, @p imgs already
 *         preprocessed), AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_images_preprocess_like(aedyn_images *imgs,
                                                    const aedyn_images *fitted);

/**
 * Draw @p n images uniformly with replacement into @p X (n x D row-major).
 * Allocates nothing.
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_images_sample(const aedyn_images *imgs, aedyn_rng *rng, size_t n,
                                           double *X);

/**
 * Create a data model with the spectrum of Omega_hat = X^T X / N of the
 * (processed) set and the chosen sampler. Costs O(N D^2 + D^3) time and
 * O(D^2) memory. With AEDYN_IMAGES_SAMPLE_REAL the model shares the set's
 * pixels (reference counted, safely from several threads): it does not copy
 * them and does not depend on the set's lifetime.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (unknown sampler),
 *         AEDYN_ERR_NOMEM, AEDYN_ERR_NUMERIC
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_data_create_images(aedyn_data **out, aedyn_images *imgs,
                                         aedyn_images_sampler sampler);

/**
 * Test error of @p net on the set: the mean over its images of
 * l = (1/2D) ||x - xhat||^2 (with the 1/2), and its standard error.
 * @param net the network (its D must equal the images' D)
 * @param imgs the held-out image set
 * @param mean    receives the mean
 * @param std_err receives the standard error of the mean (may be NULL; 0 for
 *                a single image)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (D of net and set differ),
 *         AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_net_error_images(const aedyn_net *net, const aedyn_images *imgs,
                                          double *mean, double *std_err);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_IMAGES_H */
