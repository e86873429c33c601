/* The .npy module is public (aedyn-npy.h); these are the names the library's
 * own modules and the unit tests used while it was private. */
#ifndef AEDYN_NPY_PRIVATE_H
#define AEDYN_NPY_PRIVATE_H

#include "common-private.h"
#include "aedyn-npy.h"

static inline aedyn_status aedyn__npy_read(const char *path, double **data, size_t *rows,
                                           size_t *cols)
{
    return aedyn_npy_read(path, data, rows, cols);
}

static inline aedyn_status aedyn__npy_write(const char *path, const double *data, size_t rows,
                                            size_t cols)
{
    return aedyn_npy_write(path, data, rows, cols);
}

#endif
