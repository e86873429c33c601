/* Shared helpers of the libFuzzer targets (fuzz/): the loaders of libaedyn
 * take file names, so each target writes the fuzz input into a temporary file
 * of its own process (created once under $TMPDIR, rewritten for every input,
 * removed at exit) and passes its name. Not part of the library. */
#ifndef AEDYN_FUZZ_COMMON_H
#define AEDYN_FUZZ_COMMON_H

#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

typedef struct {
    char path[4096];
    int fd;
} fuzz_file;

/* Report a broken invariant: print and abort, which libFuzzer records as a
 * crash together with the input that caused it. */
#define FUZZ_CHECK(cond, ...)                                                   \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "FUZZ INVARIANT FAILED (%s:%d): %s\n  ", __FILE__,  \
                    __LINE__, #cond);                                           \
            fprintf(stderr, __VA_ARGS__);                                       \
            fprintf(stderr, "\n");                                              \
            abort();                                                            \
        }                                                                       \
    } while (0)

static fuzz_file *fuzz_files_[4];
static int fuzz_nfiles_;

static void fuzz_cleanup_(void)
{
    for (int i = 0; i < fuzz_nfiles_; i++) {
        close(fuzz_files_[i]->fd);
        unlink(fuzz_files_[i]->path);
    }
    fuzz_nfiles_ = 0;
}

/* Create the per-process temporary file on first use. */
static void fuzz_file_init(fuzz_file *f, const char *tag)
{
    if (f->path[0])
        return;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(f->path, sizeof f->path, "%s/aedyn-fuzz-%s-XXXXXX", dir, tag);
    f->fd = mkstemp(f->path);
    if (f->fd < 0) {
        perror(f->path);
        abort();
    }
    if (fuzz_nfiles_ == 0)
        atexit(fuzz_cleanup_);
    fuzz_files_[fuzz_nfiles_++] = f;
}

/* Replace the content of the temporary file by data[0..size). */
static void fuzz_file_write(fuzz_file *f, const char *tag, const uint8_t *data, size_t size)
{
    fuzz_file_init(f, tag);
    if (ftruncate(f->fd, 0) != 0) {
        perror("ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t k = pwrite(f->fd, data + done, size - done, (off_t)done);
        if (k <= 0) {
            perror("pwrite");
            abort();
        }
        done += (size_t)k;
    }
}

/* gzip-compress data[0..size) (a complete gzip member, as `gzip` writes).
 * Returns a malloc'ed buffer and its length in *out_size. */
static uint8_t *fuzz_gzip(const uint8_t *data, size_t size, size_t *out_size)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    uLong cap = deflateBound(&zs, (uLong)size) + 64;
    uint8_t *out = malloc(cap);
    if (!out)
        abort();
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)size;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_size = (size_t)zs.total_out;
    deflateEnd(&zs);
    return out;
}

#endif
