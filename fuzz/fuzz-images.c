/* libFuzzer target of the image loaders aedyn_images_load_idx() and
 * aedyn_images_load_cifar10() (aedyn-images.h). Built by fuzz/run-fuzz.sh in
 * four variants:
 *   -DFUZZ_CIFAR10=0|1  which loader (IDX or CIFAR-10)
 *   -DFUZZ_GZIP=0|1     0: the input is the file, byte for byte (it may itself
 *                       be gzip-compressed: the loaders detect the gzip magic);
 *                       1: the input is the decompressed content, written as a
 *                       valid gzip file, so that the fuzzer explores the
 *                       parsers behind the gzip path, which a mutated gzip
 *                       stream (CRC, deflate) would rarely reach.
 *
 * Besides crashes, leaks and undefined behaviour (the sanitizers), it checks
 * the documented contract: on failure the status is AEDYN_ERR_FORMAT (or
 * AEDYN_ERR_NOMEM), *out is untouched and a detail message is set; on success
 * D = rows * cols (1024 for CIFAR-10) and every pixel is in [0, 1]; and
 * loading a sub-range (first, count) either fails with AEDYN_ERR_SIZE exactly
 * when the range is outside the file or gives the same pixels as the full load. */
#include "fuzz-common.h"
#include <math.h>
#include <aedyn.h>

#ifndef FUZZ_CIFAR10
#define FUZZ_CIFAR10 0
#endif
#ifndef FUZZ_GZIP
#define FUZZ_GZIP 0
#endif

#if FUZZ_CIFAR10
#define LOAD aedyn_images_load_cifar10
#define TAG "cifar10"
#else
#define LOAD aedyn_images_load_idx
#define TAG "idx"
#endif

static fuzz_file file;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#if FUZZ_GZIP
    size_t zsize;
    uint8_t *z = fuzz_gzip(data, size, &zsize);
    fuzz_file_write(&file, TAG "-gz", z, zsize);
    free(z);
#else
    fuzz_file_write(&file, TAG, data, size);
#endif
    aedyn_images *const sentinel = (aedyn_images *)&file;
    aedyn_images *all = sentinel;
    aedyn_status st = LOAD(&all, file.path, 0, 0);
    if (st != AEDYN_OK) {
        FUZZ_CHECK(st == AEDYN_ERR_FORMAT || st == AEDYN_ERR_NOMEM,
                   "status %d (%s): %s", (int)st, aedyn_strerror(st), aedyn_error_message());
        FUZZ_CHECK(all == sentinel, "*out changed on failure");
        FUZZ_CHECK(aedyn_error_message()[0] != '\0', "no detail message for status %d", (int)st);
        return 0;
    }
    FUZZ_CHECK(all != NULL && all != sentinel, "no set returned with AEDYN_OK");
    const size_t n = aedyn_images_get_n_images(all), D = aedyn_images_get_dim(all);
    size_t rows = 0, cols = 0;
    FUZZ_CHECK(aedyn_images_get_shape(all, &rows, &cols) == AEDYN_OK, "shape failed");
    FUZZ_CHECK(n >= 1 && D >= 1 && rows * cols == D, "n = %zu, D = %zu, shape %zu x %zu", n, D,
               rows, cols);
#if FUZZ_CIFAR10
    FUZZ_CHECK(rows == 32 && cols == 32, "CIFAR-10 shape %zu x %zu", rows, cols);
#endif
    double *X = malloc(n * D * sizeof *X);
    FUZZ_CHECK(X != NULL, "out of memory for %zu x %zu", n, D);
    FUZZ_CHECK(aedyn_images_get_images(all, 0, n, X) == AEDYN_OK, "get failed");
    for (size_t i = 0; i < n * D; i++)
        FUZZ_CHECK(X[i] >= 0.0 && X[i] <= 1.0, "pixel %zu = %g outside [0, 1]", i, X[i]);

    /* a sub-range chosen by the input: first, count in 0 .. n + 1 */
    const size_t first = size ? data[size - 1] % (n + 2) : 0;
    const size_t count = size > 1 ? data[size - 2] % (n + 2) : 0;
    const bool fits = first < n && count <= n - first;
    aedyn_images *part = sentinel;
    st = LOAD(&part, file.path, first, count);
    if (!fits) {
        FUZZ_CHECK(st == AEDYN_ERR_SIZE && part == sentinel,
                   "range first = %zu, count = %zu of %zu images: status %d (%s), expected "
                   "AEDYN_ERR_SIZE", first, count, n, (int)st, aedyn_error_message());
    } else {
        FUZZ_CHECK(st == AEDYN_OK, "range first = %zu, count = %zu of %zu images: status %d (%s)",
                   first, count, n, (int)st, aedyn_error_message());
        const size_t want = count ? count : n - first;
        FUZZ_CHECK(aedyn_images_get_n_images(part) == want && aedyn_images_get_dim(part) == D,
                   "range load gave %zu images of D = %zu, expected %zu of D = %zu",
                   aedyn_images_get_n_images(part), aedyn_images_get_dim(part), want, D);
        double *Y = malloc(want * D * sizeof *Y);
        FUZZ_CHECK(Y != NULL, "out of memory");
        FUZZ_CHECK(aedyn_images_get_images(part, 0, want, Y) == AEDYN_OK, "get failed");
        FUZZ_CHECK(memcmp(Y, X + first * D, want * D * sizeof *Y) == 0,
                   "range load differs from the full load");
        free(Y);
        aedyn_images_destroy(part);
    }
    free(X);
    aedyn_images_destroy(all);
    return 0;
}
