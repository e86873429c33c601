/* Real images: CIFAR-10 and IDX loaders (plain or gzip), preprocessing, and
 * the test error of a network on a set (docs/theory.md section 2, "Image
 * sets"). The data models of a set are in lib/data-images.c. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdatomic.h>
#include <zlib.h>
#include "images-internal.h"
#include "linalg-internal.h"
#include "rng-internal.h"

/* Rows per chunk of the BLAS-3 passes over a set. */
#define CHUNK_ 256
/* Largest expansion of deflate (about 1032:1), to bound the content of a
 * gzip file by its compressed size. */
#define GZ_MAX_RATIO_ 1040u
#define CIFAR_SIDE_ 32
#define CIFAR_PIXELS_ (CIFAR_SIDE_ * CIFAR_SIDE_)
#define CIFAR_RECORD_ (1 + 3 * CIFAR_PIXELS_)
#define IDX_HEADER_ 16

/* The pixel rows, shared with the data models that sample real images
 * (images-internal.h): written only while the set holds the one reference. */
struct aedyn__rows {
    atomic_size_t refs;
    size_t n, D;
    double *X;              /* n x D, row-major */
};

struct aedyn_images {
    size_t n, D, rows, cols; /* D = rows * cols <= INT_MAX */
    aedyn__rows *px;
    bool processed;         /* preprocess() or preprocess_like() was applied */
    aedyn_images_mode mode; /* the fitted mode (valid when processed) */
    double eps;             /* whitening regulariser of the fitted mode */
    double *mean;           /* D values subtracted before scaling (NULL for raw) */
    double scale;           /* multiplies after centring (1 for whitening) */
    double *W;              /* D x D whitening matrix applied after centring, or NULL */
};

aedyn__rows *aedyn__images_rows(const aedyn_images *imgs)
{
    atomic_fetch_add(&imgs->px->refs, 1);
    return imgs->px;
}

void aedyn__rows_release(aedyn__rows *rows)
{
    if (rows && atomic_fetch_sub(&rows->refs, 1) == 1) {
        free(rows->X);
        free(rows);
    }
}

const double *aedyn__rows_data(const aedyn__rows *rows) { return rows->X; }
size_t aedyn__rows_count(const aedyn__rows *rows) { return rows->n; }

/* Rows of one reference taking X (n x D); NULL when out of memory (X freed). */
static aedyn__rows *rows_new(double *X, size_t n, size_t D)
{
    aedyn__rows *r = malloc(sizeof *r);
    if (!r) {
        free(X);
        return NULL;
    }
    atomic_init(&r->refs, 1);
    r->n = n;
    r->D = D;
    r->X = X;
    return r;
}

/* The pixels of the set, writable: when a data model shares them, the set
 * moves to a copy first (the model keeps the old rows). */
static aedyn_status writable_pixels(aedyn_images *s, const char *fn, double **X)
{
    if (atomic_load(&s->px->refs) > 1) {
        double *copy = aedyn__calloc(s->n * s->D, sizeof *copy);
        aedyn__rows *r = copy ? rows_new(copy, s->n, s->D) : NULL;
        if (!r)
            return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory for a copy of the images "
                               "(a data model shares them)", fn);
        memcpy(copy, s->px->X, s->n * s->D * sizeof *copy);
        aedyn__rows_release(s->px);
        s->px = r;
    }
    *X = s->px->X;
    return AEDYN_OK;
}

static void images_free(aedyn_images *s)
{
    if (!s)
        return;
    aedyn__rows_release(s->px);
    free(s->mean);
    free(s->W);
    free(s);
}

AEDYN_API void aedyn_images_destroy(aedyn_images *imgs)
{
    images_free(imgs);
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct {
    gzFile gz;
    const char *path;
    const char *fn;
    bool gzip;        /* the file starts with the gzip magic 1f 8b */
    bool size_known;  /* regular file: bound is meaningful */
    uint64_t bound;   /* upper bound on the decompressed content, in bytes */
    uint64_t pos;     /* content bytes consumed */
} reader_;

static aedyn_status reader_open(reader_ *r, const char *path, const char *fn)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->fn = fn;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return aedyn__fail(AEDYN_ERR_IO, "%s: cannot open '%s': %s", fn, path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return aedyn__fail(AEDYN_ERR_IO, "%s: cannot stat '%s': %s", fn, path, strerror(e));
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return aedyn__fail(AEDYN_ERR_IO, "%s: '%s' is a directory", fn, path);
    }
    unsigned char magic[2] = { 0, 0 };
    if (S_ISREG(sb.st_mode)) {
        ssize_t got = pread(fd, magic, 2, 0);
        if (got < 0) {
            int e = errno;
            close(fd);
            return aedyn__fail(AEDYN_ERR_IO, "%s: cannot read '%s': %s", fn, path, strerror(e));
        }
        r->gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        r->size_known = true;
        const uint64_t size = (uint64_t)sb.st_size;
        r->bound = r->gzip ? (size > UINT64_MAX / GZ_MAX_RATIO_ ? UINT64_MAX : size * GZ_MAX_RATIO_)
                           : size;
    }
    r->gz = gzdopen(fd, "rb");
    if (!r->gz) {
        close(fd);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: cannot set up reading '%s'", fn, path);
    }
    gzbuffer(r->gz, 1u << 17);
    return AEDYN_OK;
}

static void reader_close(reader_ *r)
{
    if (r->gz)
        gzclose(r->gz);
    r->gz = NULL;
}

/* zlib's message without the "<fd:N>: " prefix gzdopen() gives it. */
static const char *gz_msg(const char *msg)
{
    if (!msg)
        return "unknown error";
    if (strncmp(msg, "<fd:", 4) == 0) {
        const char *p = strstr(msg, ": ");
        if (p)
            return p + 2;
    }
    return msg;
}

/* True when the gzip stream ended early (its content may be incomplete). */
static bool reader_cut(reader_ *r)
{
    int errnum = 0;
    gzerror(r->gz, &errnum);
    return errnum == Z_BUF_ERROR;
}

/* Read up to n bytes; *got receives how many were read before the end of the
 * content. Errors of the file or of the gzip stream are statuses. */
static aedyn_status reader_read(reader_ *r, unsigned char *buf, size_t n, size_t *got)
{
    size_t done = 0;
    while (done < n) {
        const size_t want = n - done > (size_t)INT_MAX / 2 ? (size_t)INT_MAX / 2 : n - done;
        int k = gzread(r->gz, buf + done, (unsigned)want);
        if (k < 0 || (k == 0 && !gzeof(r->gz))) {
            int errnum = 0;
            const char *msg = gzerror(r->gz, &errnum);
            if (errnum == Z_ERRNO)
                return aedyn__fail(AEDYN_ERR_IO, "%s: error reading '%s': %s", r->fn, r->path,
                                   strerror(errno));
            if (errnum == Z_MEM_ERROR)
                return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory reading '%s'", r->fn,
                                   r->path);
            if (errnum == Z_BUF_ERROR) /* the compressed stream ends early */
                break;
            return aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': corrupt gzip data (%s)", r->fn,
                               r->path, gz_msg(msg));
        }
        if (k == 0)
            break;
        done += (size_t)k;
    }
    r->pos += done;
    *got = done;
    if (r->size_known && r->pos > r->bound) /* deflate cannot expand beyond this */
        return aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s' decompresses to more than %llu bytes, "
                           "%u times its size: not a valid gzip file", r->fn, r->path,
                           (unsigned long long)r->bound, GZ_MAX_RATIO_);
    if (done < n) { /* a gzip stream cut short is reported as truncated content */
        int errnum = 0;
        const char *msg = gzerror(r->gz, &errnum);
        if (errnum != Z_OK && errnum != Z_BUF_ERROR) {
            if (errnum == Z_ERRNO)
                return aedyn__fail(AEDYN_ERR_IO, "%s: error reading '%s': %s", r->fn, r->path,
                                   strerror(errno));
            return aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': corrupt gzip data (%s)", r->fn,
                               r->path, gz_msg(msg));
        }
    }
    return AEDYN_OK;
}

/* The content must end here. */
static aedyn_status reader_expect_end(reader_ *r, const char *what)
{
    unsigned char b[64];
    size_t got;
    aedyn_status st = reader_read(r, b, sizeof b, &got);
    if (st)
        return st;
    if (got > 0)
        return aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': unexpected data after %s%s", r->fn, r->path,
                           what, r->gzip ? " (decompressed)" : "");
    if (reader_cut(r)) /* the data are complete but the gzip trailer is missing */
        return aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': the gzip stream is truncated after %s",
                           r->fn, r->path, what);
    return AEDYN_OK;
}

/* Growing storage for the kept images. */
typedef struct {
    double *X;
    size_t n, cap, D;
    size_t hint; /* images that will be kept when known (0 = unknown): capacity never exceeds it */
} rows_;

static aedyn_status rows_push(rows_ *b, const char *fn, double **row)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64, bytes;
        if (b->hint && cap > b->hint)
            cap = b->hint > b->n ? b->hint : b->n + 1; /* a one-image file holds one image */
        if (!aedyn__mul_size(cap, b->D, &bytes) || !aedyn__mul_size(bytes, sizeof(double), &bytes))
            return aedyn__fail(AEDYN_ERR_NOMEM, "%s: too many images for memory", fn);
        double *X = realloc(b->X, bytes);
        if (!X)
            return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory (%zu images of %zu pixels)",
                               fn, cap, b->D);
        b->X = X;
        b->cap = cap;
    }
    *row = b->X + b->n++ * b->D;
    return AEDYN_OK;
}

static aedyn_status images_from_rows(aedyn_images **out, rows_ *b, size_t rows, size_t cols,
                                     const char *fn)
{
    aedyn_images *s = calloc(1, sizeof *s);
    if (!s)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    double *X = realloc(b->X, b->n * b->D * sizeof(double)); /* shrink to fit */
    s->px = rows_new(X ? X : b->X, b->n, b->D);
    b->X = NULL;
    if (!s->px) {
        free(s);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    s->n = b->n;
    s->D = b->D;
    s->rows = rows;
    s->cols = cols;
    s->scale = 1.0;
    *out = s;
    return AEDYN_OK;
}

/* [first, first + count) of n items; count == 0 means all from first. */
static aedyn_status check_range(const char *fn, const char *path, size_t first, size_t count,
                                size_t n)
{
    if (first >= n)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: first = %zu but '%s' holds %zu images", fn, first,
                           path, n);
    if (count > n - first)
        return aedyn__fail(AEDYN_ERR_SIZE,
                           "%s: %zu images from %zu requested but '%s' holds %zu images", fn,
                           count, first, path, n);
    return AEDYN_OK;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

AEDYN_API aedyn_status aedyn_images_load_idx(aedyn_images **out, const char *path, size_t first,
                                             size_t count)
{
    static const char *fn = "aedyn_images_load_idx";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(path);
    reader_ r;
    aedyn_status st = reader_open(&r, path, fn);
    if (st)
        return st;
    rows_ b = { 0 };
    unsigned char *rec = NULL;
    unsigned char h[IDX_HEADER_];
    size_t got;
    if ((st = reader_read(&r, h, 4, &got)))
        goto done;
    if (got == 0) {
        st = reader_cut(&r)
                 ? aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': the gzip stream ends before any data",
                               fn, path)
                 : aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s' is empty", fn, path);
        goto done;
    }
    if (got < 4) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s' is truncated: %zu bytes, shorter than the "
                         "4-byte IDX magic", fn, path, got);
        goto done;
    }
    if (h[0] != 0 || h[1] != 0) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s' is not an IDX file (magic %02x %02x %02x %02x,"
                         " expected 00 00 08 03)", fn, path, h[0], h[1], h[2], h[3]);
        goto done;
    }
    if (h[2] != 0x08) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': IDX element type 0x%02x is not supported "
                         "(only unsigned bytes, 0x08)", fn, path, h[2]);
        goto done;
    }
    if (h[3] != 3) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': IDX file has %u dimension(s); images need 3 "
                         "(count, rows, cols)%s", fn, path, h[3],
                         h[3] == 1 ? " -- is this a label file?" : "");
        goto done;
    }
    if ((st = reader_read(&r, h + 4, 12, &got)))
        goto done;
    if (got < 12) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s' is truncated inside the IDX header (%zu of "
                         "16 bytes)", fn, path, 4 + got);
        goto done;
    }
    const uint32_t n32 = be32(h + 4), rows32 = be32(h + 8), cols32 = be32(h + 12);
    if (n32 == 0 || rows32 == 0 || cols32 == 0) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': IDX dimensions %u x %u x %u: every dimension "
                         "must be >= 1", fn, path, n32, rows32, cols32);
        goto done;
    }
    const uint64_t D64 = (uint64_t)rows32 * cols32; /* < 2^64: no overflow */
    /* D x D doubles must be addressable (the covariance) */
    if (D64 > ((uint64_t)1 << 28) || D64 > SIZE_MAX / 8 || D64 > (uint64_t)INT_MAX) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': images of %u x %u pixels are too large",
                         fn, path, rows32, cols32);
        goto done;
    }
    const size_t D = (size_t)D64, n = n32;
    if (D64 > UINT64_MAX / n32 || D64 * n32 > UINT64_MAX - IDX_HEADER_ ||
        (r.size_known && D64 * n32 + IDX_HEADER_ > r.bound)) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': header claims %u images of %u x %u pixels "
                         "but the file %s %llu bytes", fn, path, n32, rows32, cols32,
                         r.gzip ? "can decompress to at most" : "has only",
                         (unsigned long long)r.bound);
        goto done;
    }
    if ((st = check_range(fn, path, first, count, n)))
        goto done;
    const size_t last = count ? first + count : n;
    b.D = D;
    b.hint = last - first;
    if (!(rec = malloc(D))) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto done;
    }
    /* a stream that is not a regular file is read up to the last image wanted */
    const size_t stop = r.size_known ? n : last;
    for (size_t i = 0; i < stop; i++) {
        if ((st = reader_read(&r, rec, D, &got)))
            goto done;
        if (got < D) {
            st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s' is truncated: image %zu of %zu ends after "
                             "%zu of %zu bytes", fn, path, i, n, got, D);
            goto done;
        }
        if (i < first || i >= last)
            continue;
        double *x;
        if ((st = rows_push(&b, fn, &x)))
            goto done;
        for (size_t p = 0; p < D; p++)
            x[p] = (double)rec[p] / 255.0;
    }
    if (r.size_known && (st = reader_expect_end(&r, "the last image")))
        goto done;
    st = images_from_rows(out, &b, rows32, cols32, fn);
done:
    free(rec);
    free(b.X);
    reader_close(&r);
    return st;
}

AEDYN_API aedyn_status aedyn_images_load_cifar10(aedyn_images **out, const char *path,
                                                 size_t first, size_t count)
{
    static const char *fn = "aedyn_images_load_cifar10";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(path);
    reader_ r;
    aedyn_status st = reader_open(&r, path, fn);
    if (st)
        return st;
    if (r.size_known && !r.gzip && r.bound % CIFAR_RECORD_ != 0) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s' has %llu bytes, not a whole number of "
                         "%d-byte CIFAR-10 records (%llu records and %llu bytes)", fn, path,
                         (unsigned long long)r.bound, CIFAR_RECORD_,
                         (unsigned long long)(r.bound / CIFAR_RECORD_),
                         (unsigned long long)(r.bound % CIFAR_RECORD_));
        reader_close(&r);
        return st;
    }
    /* A stream that is not a regular file (a pipe, a device) has no size to
     * bound the read: it needs a count, and is read up to the last record
     * wanted (nothing after it is checked). */
    if (!r.size_known && count == 0) {
        reader_close(&r);
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: '%s' is not a regular file: give the number "
                           "of records to read from it (count > 0)", fn, path);
    }
    rows_ b = { .D = CIFAR_PIXELS_, .hint = count };
    unsigned char rec[CIFAR_RECORD_];
    size_t n = 0, got;
    const size_t last = count ? (first > SIZE_MAX - count ? SIZE_MAX : first + count) : SIZE_MAX;
    for (;; n++) {
        if (!r.size_known && n == last)
            break;
        if ((st = reader_read(&r, rec, CIFAR_RECORD_, &got)))
            goto done;
        if (got == 0)
            break;
        if (got < CIFAR_RECORD_) {
            st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s' is truncated: record %zu ends after %zu "
                             "of %d bytes", fn, path, n, got, CIFAR_RECORD_);
            goto done;
        }
        if (rec[0] > 9) {
            st = aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': record %zu has label %u; CIFAR-10 "
                             "labels are 0..9 (not a CIFAR-10 binary batch?)", fn, path, n,
                             rec[0]);
            goto done;
        }
        if (n < first || n >= last)
            continue;
        double *x;
        if ((st = rows_push(&b, fn, &x)))
            goto done;
        const unsigned char *R = rec + 1, *G = R + CIFAR_PIXELS_, *B = G + CIFAR_PIXELS_;
        for (size_t p = 0; p < CIFAR_PIXELS_; p++)
            x[p] = (0.299 * R[p] + 0.587 * G[p] + 0.114 * B[p]) / 255.0;
    }
    if (n == 0) {
        st = reader_cut(&r)
                 ? aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s': the gzip stream ends before any data",
                               fn, path)
                 : aedyn__fail(AEDYN_ERR_FORMAT, "%s: '%s' is empty (no CIFAR-10 records)", fn,
                               path);
        goto done;
    }
    if ((st = check_range(fn, path, first, count, n)))
        goto done;
    st = images_from_rows(out, &b, CIFAR_SIDE_, CIFAR_SIDE_, fn);
done:
    free(b.X);
    reader_close(&r);
    return st;
}

AEDYN_API aedyn_status aedyn_images_create(aedyn_images **out, size_t n, size_t rows, size_t cols,
                                           const double *X)
{
    static const char *fn = "aedyn_images_create";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(X);
    size_t D, nD;
    if (n == 0 || rows == 0 || cols == 0)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: n, rows and cols must be >= 1 (got %zu, %zu, %zu)",
                           fn, n, rows, cols);
    if (!aedyn__mul_size(rows, cols, &D) || D > INT_MAX || n > INT_MAX ||
        !aedyn__mul_size(n, D, &nD) || !aedyn__mul_size(nD, sizeof(double), &nD) ||
        !aedyn__mul_size(D, D * sizeof(double), &nD))
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: %zu images of %zu x %zu pixels are too many", fn,
                           n, rows, cols);
    if (!aedyn__all_finite(X, n * D))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: images contain non-finite values", fn);
    rows_ b = { .D = D, .n = n, .cap = n, .X = aedyn__calloc(n * D, sizeof(double)) };
    if (!b.X)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    memcpy(b.X, X, n * D * sizeof(double));
    aedyn_status st = images_from_rows(out, &b, rows, cols, fn);
    free(b.X);
    return st;
}

/* ---- queries ------------------------------------------------------------------ */

AEDYN_API size_t aedyn_images_get_n_images(const aedyn_images *imgs) { return imgs ? imgs->n : 0; }
AEDYN_API size_t aedyn_images_get_dim(const aedyn_images *imgs) { return imgs ? imgs->D : 0; }

AEDYN_API aedyn_status aedyn_images_get_shape(const aedyn_images *imgs, size_t *rows, size_t *cols)
{
    AEDYN__REQUIRE_NONNULL(imgs);
    if (rows)
        *rows = imgs->rows;
    if (cols)
        *cols = imgs->cols;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_images_get_images(const aedyn_images *imgs, size_t first, size_t n,
                                        double *X)
{
    AEDYN__REQUIRE_NONNULL(imgs);
    if (first > imgs->n || n > imgs->n - first)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_images_get_images: images %zu..%zu requested, the set "
                           "has %zu", first, first + n, imgs->n);
    if (n == 0)
        return AEDYN_OK;
    AEDYN__REQUIRE_NONNULL(X);
    memcpy(X, imgs->px->X + first * imgs->D, n * imgs->D * sizeof *X);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_images_sample(const aedyn_images *imgs, aedyn_rng *rng, size_t n,
                                           double *X)
{
    AEDYN__REQUIRE_NONNULL(imgs);
    AEDYN__REQUIRE_NONNULL(rng);
    if (n == 0)
        return AEDYN_OK;
    AEDYN__REQUIRE_NONNULL(X);
    const size_t D = imgs->D;
    for (size_t r = 0; r < n; r++)
        memcpy(X + r * D, imgs->px->X + aedyn__rng_index(rng, imgs->n) * D, D * sizeof *X);
    return AEDYN_OK;
}

/* ---- preprocessing ------------------------------------------------------------ */

/* X <- W ((X - mean) * scale) row by row (W may be NULL, mean may be NULL).
 * T: CHUNK_ x D scratch (needed only with W). Cannot fail: the product's
 * sizes (CHUNK_, D <= INT_MAX) were checked when the set was made. */
static void apply_transform(double *X, size_t n, size_t D, const double *mean, double scale,
                            const double *W, double *T)
{
    for (size_t r0 = 0; r0 < n; r0 += CHUNK_) {
        const size_t nr = n - r0 < CHUNK_ ? n - r0 : CHUNK_;
        double *Xc = X + r0 * D, *dst = W ? T : Xc;
        for (size_t r = 0; r < nr; r++)
            for (size_t i = 0; i < D; i++)
                dst[r * D + i] = ((mean ? Xc[r * D + i] - mean[i] : Xc[r * D + i])) * scale;
        if (W) /* Xc = T W^T */
            (void)aedyn__gemm(false, true, nr, D, D, 1.0, T, D, W, D, 0.0, Xc, D);
    }
}

static aedyn_status check_modifiable(const aedyn_images *s, const char *fn)
{
    if (s->processed)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: the set is already preprocessed", fn);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_images_preprocess(aedyn_images *imgs, aedyn_images_mode mode,
                                               double eps)
{
    static const char *fn = "aedyn_images_preprocess";
    AEDYN__REQUIRE_NONNULL(imgs);
    aedyn_status st = check_modifiable(imgs, fn);
    if (st)
        return st;
    const bool whiten = mode == AEDYN_IMAGES_ZCA || mode == AEDYN_IMAGES_PCA_WHITE;
    if (mode != AEDYN_IMAGES_RAW && mode != AEDYN_IMAGES_PAPER && mode != AEDYN_IMAGES_CENTRED &&
        !whiten)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown mode %d", fn, (int)mode);
    if (whiten && (!isfinite(eps) || eps <= 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: eps must be finite and > 0, got %g", fn, eps);
    const size_t n = imgs->n, D = imgs->D;
    const double *X = imgs->px->X;
    if (mode == AEDYN_IMAGES_RAW) {
        imgs->processed = true;
        imgs->mode = mode;
        return AEDYN_OK;
    }
    double *mean = aedyn__calloc(D, sizeof *mean);
    double *W = NULL, *T = NULL, *rho = NULL;
    if (!mean) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < D; i++)
            mean[i] += X[r * D + i];
    for (size_t i = 0; i < D; i++)
        mean[i] /= (double)n;
    double scale = 1.0;
    if (mode == AEDYN_IMAGES_PAPER) {
        double m = 0.0, v = 0.0;
        for (size_t i = 0; i < D; i++)
            m += mean[i];
        m /= (double)D;
        for (size_t r = 0; r < n; r++)
            for (size_t i = 0; i < D; i++)
                v += (X[r * D + i] - m) * (X[r * D + i] - m);
        v /= (double)n * (double)D;
        if (!(v > 0.0)) {
            st = aedyn__fail(AEDYN_ERR_INVALID, "%s: every pixel of every image has the same value "
                             "%g: cannot scale to standard deviation 0.5", fn, m);
            goto fail;
        }
        for (size_t i = 0; i < D; i++)
            mean[i] = m;
        scale = 0.5 / sqrt(v);
    } else if (mode == AEDYN_IMAGES_CENTRED) {
        double v = 0.0;
        for (size_t r = 0; r < n; r++)
            for (size_t i = 0; i < D; i++)
                v += (X[r * D + i] - mean[i]) * (X[r * D + i] - mean[i]);
        v /= (double)n * (double)D;
        if (!(v > 0.0)) {
            st = aedyn__fail(AEDYN_ERR_INVALID, "%s: all images are equal: per-pixel variances are "
                             "all 0, cannot scale", fn);
            goto fail;
        }
        scale = 1.0 / sqrt(v);
    } else { /* whitening: C = Xc^T Xc / n = E^T diag(rho) E */
        W = aedyn__calloc(D * D, sizeof *W);
        T = aedyn__calloc(CHUNK_ * D, sizeof *T);
        rho = aedyn__calloc(D, sizeof *rho);
        double *E = aedyn__calloc(D * D, sizeof *E);
        if (!W || !T || !rho || !E) {
            free(E);
            st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
            goto fail;
        }
        for (size_t r0 = 0; r0 < n; r0 += CHUNK_) {
            const size_t nr = n - r0 < CHUNK_ ? n - r0 : CHUNK_;
            for (size_t r = 0; r < nr; r++)
                for (size_t i = 0; i < D; i++)
                    T[r * D + i] = X[(r0 + r) * D + i] - mean[i];
            if ((st = aedyn__syrk_upper(true, D, nr, 1.0 / (double)n, T, D, 1.0, E, D))) {
                free(E);
                goto fail;
            }
        }
        aedyn__symmetrise_upper(D, E);
        if ((st = aedyn__eigh_desc(D, E, rho))) { /* rows of E: eigenvectors */
            free(E);
            goto fail;
        }
        /* PCA: W = diag(f) E; ZCA: W = E^T diag(f) E, f = 1/sqrt(rho + eps) */
        for (size_t j = 0; j < D; j++) {
            const double f = 1.0 / sqrt(fmax(rho[j], 0.0) + eps);
            for (size_t i = 0; i < D; i++)
                W[j * D + i] = f * E[j * D + i];
        }
        if (mode == AEDYN_IMAGES_ZCA) {
            double *Z = aedyn__calloc(D * D, sizeof *Z);
            if (!Z) {
                free(E);
                st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
                goto fail;
            }
            if ((st = aedyn__gemm(true, false, D, D, D, 1.0, E, D, W, D, 0.0, Z, D))) {
                free(E);
                free(Z);
                goto fail;
            }
            /* symmetrise exactly */
            for (size_t i = 0; i < D; i++)
                for (size_t j = 0; j < i; j++)
                    Z[i * D + j] = Z[j * D + i] = 0.5 * (Z[i * D + j] + Z[j * D + i]);
            free(W);
            W = Z;
        }
        free(E);
    }
    double *Xw;
    if ((st = writable_pixels(imgs, fn, &Xw)))
        goto fail;
    /* nothing can fail from here on */
    apply_transform(Xw, n, D, mean, scale, W, T);
    free(T);
    free(rho);
    imgs->processed = true;
    imgs->mode = mode;
    imgs->eps = whiten ? eps : 0.0;
    imgs->mean = mean;
    imgs->scale = scale;
    imgs->W = W;
    return AEDYN_OK;
fail:
    free(mean);
    free(W);
    free(T);
    free(rho);
    return st;
}

AEDYN_API aedyn_status aedyn_images_preprocess_like(aedyn_images *imgs, const aedyn_images *fitted)
{
    static const char *fn = "aedyn_images_preprocess_like";
    AEDYN__REQUIRE_NONNULL(imgs);
    AEDYN__REQUIRE_NONNULL(fitted);
    if (imgs == fitted)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: a set cannot be processed like itself", fn);
    if (!fitted->processed)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: the fitted set is not preprocessed", fn);
    aedyn_status st = check_modifiable(imgs, fn);
    if (st)
        return st;
    if (imgs->D != fitted->D)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: images have D = %zu, the fitted set D = %zu", fn,
                           imgs->D, fitted->D);
    const size_t D = imgs->D;
    double *mean = NULL, *W = NULL, *T = NULL;
    if ((fitted->mean && !(mean = aedyn__calloc(D, sizeof *mean))) ||
        (fitted->W && (!(W = aedyn__calloc(D * D, sizeof *W)) ||
                       !(T = aedyn__calloc(CHUNK_ * D, sizeof *T))))) {
        free(mean);
        free(W);
        free(T);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    if (mean)
        memcpy(mean, fitted->mean, D * sizeof *mean);
    if (W)
        memcpy(W, fitted->W, D * D * sizeof *W);
    double *Xw;
    if ((st = writable_pixels(imgs, fn, &Xw))) {
        free(mean);
        free(W);
        free(T);
        return st;
    }
    apply_transform(Xw, imgs->n, D, mean, fitted->scale, W, T);
    free(T);
    imgs->processed = true;
    imgs->mode = fitted->mode;
    imgs->eps = fitted->eps;
    imgs->mean = mean;
    imgs->scale = fitted->scale;
    imgs->W = W;
    return AEDYN_OK;
}

/* ---- test error (the data models of a set are in lib/data-images.c) --------------- */

AEDYN_API aedyn_status aedyn_net_error_images(const aedyn_net *net, const aedyn_images *imgs,
                                          double *mean, double *std_err)
{
    static const char *fn = "aedyn_net_error_images";
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(imgs);
    AEDYN__REQUIRE_NONNULL(mean);
    const size_t n = imgs->n, D = imgs->D;
    if (aedyn_net_get_dim(net) != D)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: the network has D = %zu, the images D = %zu", fn,
                           aedyn_net_get_dim(net), D);
    double *Xh = aedyn__calloc(CHUNK_ * D, sizeof *Xh);
    if (!Xh)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    double s = 0.0, s2 = 0.0;
    for (size_t r0 = 0; r0 < n; r0 += CHUNK_) {
        const size_t nr = n - r0 < CHUNK_ ? n - r0 : CHUNK_;
        const double *X = imgs->px->X + r0 * D;
        aedyn_status st = aedyn_net_reconstruct(net, nr, X, Xh);
        if (st) {
            free(Xh);
            return st;
        }
        for (size_t r = 0; r < nr; r++) {
            double l = 0.0;
            for (size_t i = 0; i < D; i++) {
                const double e = X[r * D + i] - Xh[r * D + i];
                l += e * e;
            }
            l /= 2.0 * (double)D;
            s += l;
            s2 += l * l;
        }
    }
    free(Xh);
    const double m = s / (double)n;
    aedyn_status st = aedyn__check_finite(fn, "the mean loss", &m, 1);
    if (st)
        return st;
    *mean = m;
    if (std_err) {
        const double var = n > 1 ? fmax(s2 / (double)n - m * m, 0.0) * (double)n / (double)(n - 1)
                                 : 0.0;
        *std_err = sqrt(var / (double)n);
    }
    return AEDYN_OK;
}
