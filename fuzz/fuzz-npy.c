/* libFuzzer target of the .npy reader aedyn_npy_read() (aedyn-npy.h): the
 * input is the file, byte for byte.
 *
 * Besides crashes, leaks and undefined behaviour (the sanitizers), it checks
 * the documented contract: on failure the status is AEDYN_ERR_FORMAT (or
 * AEDYN_ERR_NOMEM), *data is untouched and a detail message is set; on
 * success the array round-trips bit for bit through aedyn_npy_write() and
 * aedyn_npy_read() with the same shape. */
#include "fuzz-common.h"
#include <aedyn.h>

static fuzz_file file, copy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file_write(&file, "npy", data, size);
    double sentinel_value = 0.0;
    double *const sentinel = &sentinel_value;
    double *A = sentinel;
    size_t rows = 0, cols = 0;
    aedyn_status st = aedyn_npy_read(file.path, &A, &rows, &cols);
    if (st != AEDYN_OK) {
        FUZZ_CHECK(st == AEDYN_ERR_FORMAT || st == AEDYN_ERR_NOMEM,
                   "status %d (%s): %s", (int)st, aedyn_strerror(st), aedyn_error_message());
        FUZZ_CHECK(A == sentinel, "*data changed on failure");
        FUZZ_CHECK(aedyn_error_message()[0] != '\0', "no detail message for status %d", (int)st);
        return 0;
    }
    FUZZ_CHECK(A != NULL && A != sentinel, "no array returned with AEDYN_OK");
    /* the data must fill the file exactly: 8 bytes per value after the header */
    FUZZ_CHECK(cols == 0 || rows <= size / 8 / cols, "shape %zu x %zu from a %zu-byte file",
               rows, cols, size);
    fuzz_file_init(&copy, "npy-copy");
    st = aedyn_npy_write(copy.path, A, rows, cols);
    FUZZ_CHECK(st == AEDYN_OK, "write back failed: %s", aedyn_error_message());
    double *B = sentinel;
    size_t r2 = 0, c2 = 0;
    st = aedyn_npy_read(copy.path, &B, &r2, &c2);
    FUZZ_CHECK(st == AEDYN_OK, "reading the written copy failed: %s", aedyn_error_message());
    FUZZ_CHECK(r2 == rows && c2 == cols, "shape %zu x %zu read back as %zu x %zu", rows, cols,
               r2, c2);
    FUZZ_CHECK(memcmp(A, B, rows * cols * sizeof *A) == 0, "values differ after a round trip");
    aedyn_npy_free(B);
    aedyn_npy_free(A);
    return 0;
}
