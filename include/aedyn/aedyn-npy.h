/**
 * @file aedyn-npy.h
 * @brief NumPy `.npy` files of float64 arrays: read and write.
 *
 * Research pipelines exchange arrays with Python this way: weights, spectra,
 * covariances. Only what the library produces and consumes is supported:
 * little-endian float64 (`'<f8'`) in C order, with 0, 1 or 2 dimensions.
 * Files of format version 1.0, 2.0 and 3.0 are read; files are written in
 * version 1.0 (2.0 if the header would not fit), as `numpy.save` does.
 *
 * A 2-D array of shape (rows, cols) is rows x cols row-major, the layout of
 * every matrix of the API (weights K x D, covariances D x D). A 1-D array of
 * length n reads as rows = n, cols = 1; a 0-D array as 1 x 1.
 *
 * Malformed, truncated or unsupported files (wrong magic, Fortran order, another
 * dtype, more than two dimensions, data shorter or longer than the shape says)
 * are rejected with AEDYN_ERR_FORMAT and a message naming the file and the
 * problem; nothing is read out of bounds and nothing is allocated beyond what
 * the file actually holds.
 *
 * Example, reading weights written by `numpy.save("W.npy", W)`:
 * @code
 * double *W; size_t rows, cols;
 * if (aedyn_npy_read("W.npy", &W, &rows, &cols) != AEDYN_OK)
 *     fprintf(stderr, "%s\n", aedyn_error_message());
 * ...
 * aedyn_npy_free(W);
 * @endcode
 */
#ifndef AEDYN_NPY_H
#define AEDYN_NPY_H

#include "aedyn-status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Read a float64 array of 0, 1 or 2 dimensions from a `.npy` file.
 *
 * @param path  file name
 * @param data  receives a newly allocated array of rows x cols values
 *              (row-major); free it with aedyn_npy_free(). Untouched on failure.
 * @param rows  receives the first dimension (n for a 1-D array, 1 for 0-D)
 * @param cols  receives the second dimension (1 for 1-D and 0-D arrays)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_IO (cannot open or read),
 *         AEDYN_ERR_FORMAT (not a .npy file, unsupported dtype, Fortran order,
 *         more than 2 dimensions, truncated or oversized data),
 *         AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_npy_read(const char *path, double **data, size_t *rows,
                                      size_t *cols);

/**
 * Write a rows x cols row-major float64 array as a 2-D `.npy` file
 * (`'<f8'`, C order, shape (rows, cols)), replacing any existing file.
 *
 * @param rows number of rows
 * @param cols number of columns
 * @param path  file name
 * @param data  rows x cols values (may be NULL only if rows * cols == 0)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (rows * cols overflows),
 *         AEDYN_ERR_IO (cannot create or write the file)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_npy_write(const char *path, const double *data, size_t rows,
                                       size_t cols);

/**
 * Free an array returned by aedyn_npy_read() (the library's allocator, which
 * need not be the caller's). NULL is a no-op.
 * @since 0.2
 */
AEDYN_API void aedyn_npy_free(double *data);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_NPY_H */
