/* Private helpers shared by all modules: error reporting, allocation, checks.
 * Never installed. */
#ifndef AEDYN_COMMON_PRIVATE_H
#define AEDYN_COMMON_PRIVATE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
/* the library implements its experimental tier too */
#ifndef AEDYN_EXPERIMENTAL
#define AEDYN_EXPERIMENTAL 1
#endif
#include "aedyn.h"

#if defined(__GNUC__)
#define AEDYN__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AEDYN__PRINTF(a, b)
#endif

#define AEDYN__PI 3.14159265358979323846

/* Hot kernels are compiled twice, for x86-64-v3 (AVX2 + FMA) and the
 * baseline, and the loader picks the clone the CPU runs (GNU ifunc). The
 * library is built without FMA contraction, so both clones round alike. */
#if defined(AEDYN_HAVE_TARGET_CLONES)
#define AEDYN__CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define AEDYN__CLONES
#endif

/* Record a detail message for this thread and return the status. */
aedyn_status aedyn__fail(aedyn_status status, const char *fmt, ...) AEDYN__PRINTF(2, 3);

/* Return AEDYN_ERR_NULL with a message naming the argument when p is NULL. */
#define AEDYN__REQUIRE_NONNULL(p)                                                \
    do {                                                                        \
        if ((p) == NULL)                                                        \
            return aedyn__fail(AEDYN_ERR_NULL, "%s: argument '%s' is NULL",    \
                               __func__, #p);                                   \
    } while (0)

/* calloc of n*size bytes with overflow check; NULL on failure or n*size == 0
 * (callers allocate at least one element). */
void *aedyn__calloc(size_t n, size_t size);

/* n*m with overflow detection: returns false on overflow. */
bool aedyn__mul_size(size_t n, size_t m, size_t *out);

/* True when every x[i] is finite. */
bool aedyn__all_finite(const double *x, size_t n);

/* AEDYN_OK when every x[i] is finite, else AEDYN_ERR_DIVERGED with a message
 * "fn: what is not finite ...": a NaN or infinity in a number the library
 * reports is divergence, never a result (x may be NULL: nothing to check). */
aedyn_status aedyn__check_finite(const char *fn, const char *what, const double *x, size_t n);

#endif
