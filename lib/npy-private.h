/* NumPy .npy arrays of little-endian float64 in C order (format 1.0 and 2.0).
 * Private for now; the npy module becomes public with the command-line tool. */
#ifndef AEDYN_NPY_PRIVATE_H
#define AEDYN_NPY_PRIVATE_H

#include "common-private.h"

/* Read a 1-D or 2-D array. On success *data (malloc'ed, caller frees) holds
 * rows*cols values; a 1-D array gives rows = n, cols = 1. */
aedyn_status aedyn__npy_read(const char *path, double **data, size_t *rows, size_t *cols);

/* Write a 2-D array rows x cols (format 1.0). */
aedyn_status aedyn__npy_write(const char *path, const double *data, size_t rows, size_t cols);

#endif
