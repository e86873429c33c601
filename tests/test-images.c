/* Image sets: CIFAR-10 and IDX loaders on files written here (plain and
 * gzip), a corpus of malformed files, the moments each preprocessing mode
 * promises, whitening in the eigenbasis, and the image data models with SGD
 * and the ODE. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <lapacke.h>
#include <zlib.h>
#include "testutil.h"


static const char *write_raw(const char *name, const unsigned char *b, size_t n)
{
    const char *p = testutil_tmp_path(name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
    return p;
}

static const char *write_gz(const char *name, const unsigned char *b, size_t n)
{
    const char *p = testutil_tmp_path(name);
    gzFile g = gzopen(p, "wb");
    ck_assert_ptr_nonnull(g);
    if (n)
        ck_assert_int_eq(gzwrite(g, b, (unsigned)n), (int)n);
    ck_assert_int_eq(gzclose(g), Z_OK);
    return p;
}

static unsigned char *read_all(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n + 1);
    ck_assert_uint_eq(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

/* An IDX image file of n images rows x cols: pixel p of image i = (7i + 3p) % 256. */
static unsigned char *idx_bytes(uint32_t n, uint32_t rows, uint32_t cols, size_t *len)
{
    const size_t D = (size_t)rows * cols;
    *len = 16 + n * D;
    unsigned char *b = malloc(*len);
    const uint32_t h[4] = { 0x00000803u, n, rows, cols };
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 4; j++)
            b[4 * k + j] = (unsigned char)(h[k] >> (24 - 8 * j));
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < D; p++)
            b[16 + i * D + p] = (unsigned char)((7 * i + 3 * p) % 256);
    return b;
}

/* n CIFAR-10 records: label i % 10, R = (i + p) % 256, G = (2p) % 256, B = 255 - (p % 256). */
static unsigned char *cifar_bytes(size_t n, size_t *len)
{
    *len = n * 3073;
    unsigned char *b = malloc(*len);
    for (size_t i = 0; i < n; i++) {
        unsigned char *r = b + i * 3073;
        r[0] = (unsigned char)(i % 10);
        for (size_t p = 0; p < 1024; p++) {
            r[1 + p] = (unsigned char)((i + p) % 256);
            r[1 + 1024 + p] = (unsigned char)((2 * p) % 256);
            r[1 + 2048 + p] = (unsigned char)(255 - p % 256);
        }
    }
    return b;
}

/* Regression (found by the fuzz target): a valid file of ONE large image must
 * not reserve room for 64. A 4 KB gzip file holds one 2048 x 2048 image (32 MiB
 * as doubles); loading it in a child process whose address space may grow by
 * only 512 MiB must succeed (the old growth rule asked for 2 GiB). */
START_TEST(one_large_image_memory)
{
#if defined(__SANITIZE_ADDRESS__)
    printf("one_large_image_memory: address-space limit not checked under AddressSanitizer\n");
    return;
#else
    size_t len;
    unsigned char *b = idx_bytes(1, 2048, 2048, &len);
    const char *p = write_gz("one-large.idx.gz", b, len);
    free(b);
    fflush(stdout);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        unsigned long pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (!f || fscanf(f, "%lu", &pages) != 1)
            _exit(3);
        fclose(f);
        const rlim_t now = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
        struct rlimit lim = { now + ((rlim_t)512 << 20), now + ((rlim_t)512 << 20) };
        if (setrlimit(RLIMIT_AS, &lim) != 0)
            _exit(4);
        aedyn_images *im = NULL;
        aedyn_status st = aedyn_images_load_idx(&im, p, 0, 0);
        const int ok = st == AEDYN_OK && aedyn_images_get_n_images(im) == 1 &&
                       aedyn_images_get_dim(im) == (size_t)2048 * 2048;
        if (!ok)
            fprintf(stderr, "load: %s: %s\n", aedyn_strerror(st), aedyn_error_message());
        aedyn_images_destroy(im);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "loading one 2048 x 2048 image needed more than 512 MiB (child status %d)",
                  status);
#endif
}
END_TEST

START_TEST(idx_loader)
{
    testutil_tmpdir_make("aedyn-images");
    size_t len;
    unsigned char *b = idx_bytes(5, 3, 4, &len);
    const char *paths[2] = { write_raw("a.idx", b, len), write_gz("a.idx.gz", b, len) };
    for (int z = 0; z < 2; z++) {
        aedyn_images *im;
        ck_assert_aedyn_ok(aedyn_images_load_idx(&im, paths[z], 0, 0));
        ck_assert_uint_eq(aedyn_images_get_n_images(im), 5);
        ck_assert_uint_eq(aedyn_images_get_dim(im), 12);
        size_t rows, cols;
        ck_assert_aedyn_ok(aedyn_images_get_shape(im, &rows, &cols));
        ck_assert(rows == 3 && cols == 4);
        double X[5 * 12];
        ck_assert_aedyn_ok(aedyn_images_get_images(im, 0, 5, X));
        for (size_t i = 0; i < 5; i++)
            for (size_t p = 0; p < 12; p++)
                ck_assert_double_eq(X[i * 12 + p], (double)((7 * i + 3 * p) % 256) / 255.0);
        aedyn_images_destroy(im);
        /* a subset: images 1..3 */
        ck_assert_aedyn_ok(aedyn_images_load_idx(&im, paths[z], 1, 3));
        ck_assert_uint_eq(aedyn_images_get_n_images(im), 3);
        ck_assert_aedyn_ok(aedyn_images_get_images(im, 0, 3, X));
        ck_assert_double_eq(X[0], 7.0 / 255.0);
        ck_assert_double_eq(X[2 * 12 + 1], (double)(7 * 3 + 3) / 255.0);
        ck_assert_aedyn_fails(aedyn_images_get_images(im, 2, 2, X), AEDYN_ERR_SIZE);
        aedyn_images_destroy(im);
        im = NULL;
        ck_assert_aedyn_fails(aedyn_images_load_idx(&im, paths[z], 5, 0), AEDYN_ERR_SIZE);
        ck_assert_aedyn_fails(aedyn_images_load_idx(&im, paths[z], 2, 4), AEDYN_ERR_SIZE);
        ck_assert_ptr_null(im);
    }
    free(b);
    testutil_tmpdir_remove();
}
END_TEST

START_TEST(cifar_loader)
{
    testutil_tmpdir_make("aedyn-images");
    size_t len;
    unsigned char *b = cifar_bytes(4, &len);
    const char *paths[2] = { write_raw("c.bin", b, len), write_gz("c.bin.gz", b, len) };
    double *X = malloc(4 * 1024 * sizeof *X);
    for (int z = 0; z < 2; z++) {
        aedyn_images *im;
        ck_assert_aedyn_ok(aedyn_images_load_cifar10(&im, paths[z], 0, 0));
        ck_assert_uint_eq(aedyn_images_get_n_images(im), 4);
        ck_assert_uint_eq(aedyn_images_get_dim(im), 1024);
        size_t rows, cols;
        ck_assert_aedyn_ok(aedyn_images_get_shape(im, &rows, &cols));
        ck_assert(rows == 32 && cols == 32);
        ck_assert_aedyn_ok(aedyn_images_get_images(im, 0, 4, X));
        double lo = 1, hi = 0;
        for (size_t i = 0; i < 4; i++)
            for (size_t p = 0; p < 1024; p++) {
                const double want = (0.299 * (double)((i + p) % 256) + 0.587 * (double)((2 * p) % 256)
                                     + 0.114 * (double)(255 - p % 256)) / 255.0;
                ck_assert_double_le(fabs(X[i * 1024 + p] - want), 1e-15);
                lo = fmin(lo, X[i * 1024 + p]);
                hi = fmax(hi, X[i * 1024 + p]);
            }
        ck_assert(lo >= 0.0 && hi <= 1.0);
        aedyn_images_destroy(im);
        ck_assert_aedyn_ok(aedyn_images_load_cifar10(&im, paths[z], 3, 1));
        ck_assert_uint_eq(aedyn_images_get_n_images(im), 1);
        aedyn_images_destroy(im);
        im = NULL;
        ck_assert_aedyn_fails(aedyn_images_load_cifar10(&im, paths[z], 4, 0), AEDYN_ERR_SIZE);
        ck_assert_aedyn_fails(aedyn_images_load_cifar10(&im, paths[z], 1, 4), AEDYN_ERR_SIZE);
        ck_assert_ptr_null(im);
    }
    free(X);
    free(b);
    testutil_tmpdir_remove();
}
END_TEST

/* The loader must fail with `want`, leave *out untouched and say why. */
static void expect_reject(bool cifar, const char *path, aedyn_status want, const char *what)
{
    aedyn_images *sentinel = (aedyn_images *)&sentinel, *im = sentinel;
    aedyn_status st = cifar ? aedyn_images_load_cifar10(&im, path, 0, 0)
                            : aedyn_images_load_idx(&im, path, 0, 0);
    ck_assert_msg(st == want, "%s (%s): got %d (%s: %s), expected %d", what, path, (int)st,
                  aedyn_strerror(st), aedyn_error_message(), (int)want);
    ck_assert_msg(im == sentinel, "%s: *out was modified", what);
    ck_assert_msg(aedyn_error_message()[0] != '\0', "%s: no message", what);
    printf("rejected %-40s %s\n", what, aedyn_error_message());
}

static void put_be32(unsigned char *p, uint32_t v)
{
    for (int j = 0; j < 4; j++)
        p[j] = (unsigned char)(v >> (24 - 8 * j));
}

START_TEST(malformed_files)
{
    testutil_tmpdir_make("aedyn-images");
    size_t len, glen;
    unsigned char *b = idx_bytes(6, 5, 7, &len);
    unsigned char m[64];
    const aedyn_status F = AEDYN_ERR_FORMAT;

    /* ---- IDX ---- */
    expect_reject(false, testutil_tmp_path("missing.idx"), AEDYN_ERR_IO, "missing file");
    expect_reject(false, testutil_tmpdir(), AEDYN_ERR_IO, "directory");
    expect_reject(false, write_raw("empty", b, 0), F, "empty file");
    expect_reject(false, write_gz("empty.gz", b, 0), F, "empty gzip file");
    expect_reject(false, write_raw("short-magic", b, 3), F, "3 bytes");
    expect_reject(false, write_raw("short-header", b, 10), F, "truncated header");
    expect_reject(false, write_raw("header-only", b, 16), F, "header without pixels");
    expect_reject(false, write_raw("trunc", b, len - 1), F, "one byte short");
    expect_reject(false, write_gz("trunc.gz", b, len - 1), F, "gzip content one byte short");
    memcpy(m, b, 16);
    {
        unsigned char *plus = malloc(len + 1);
        memcpy(plus, b, len);
        plus[len] = 0;
        expect_reject(false, write_raw("extra", plus, len + 1), F, "one byte too many");
        expect_reject(false, write_gz("extra.gz", plus, len + 1), F, "gzip one byte too many");
        free(plus);
    }
    const uint32_t magics[5] = { 0x00000801u, 0x00000802u, 0x00000804u, 0x00000d03u, 0x01020803u };
    for (int k = 0; k < 5; k++) {
        unsigned char *c = malloc(len);
        memcpy(c, b, len);
        put_be32(c, magics[k]);
        char name[32];
        snprintf(name, sizeof name, "magic%d", k);
        expect_reject(false, write_raw(name, c, len), F, "wrong magic");
        free(c);
    }
    /* zero dimensions, wrong sizes, huge counts */
    const uint32_t dims[][3] = { { 0, 5, 7 }, { 6, 0, 7 }, { 6, 5, 0 }, { 7, 5, 7 }, { 6, 5, 8 },
                                 { 5, 5, 7 }, { 0xffffffffu, 0xffffffffu, 0xffffffffu },
                                 { 0xffffffffu, 28, 28 }, { 1, 0xffffffffu, 0xffffffffu },
                                 { 2, 65536, 65536 }, { 0x80000000u, 1, 2 } };
    for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++) {
        unsigned char *c = malloc(len);
        memcpy(c, b, len);
        put_be32(c + 4, dims[k][0]);
        put_be32(c + 8, dims[k][1]);
        put_be32(c + 12, dims[k][2]);
        char name[32], what[96];
        snprintf(name, sizeof name, "dims%zu", k);
        snprintf(what, sizeof what, "dims %u x %u x %u", dims[k][0], dims[k][1], dims[k][2]);
        expect_reject(false, write_raw(name, c, len), F, what);
        snprintf(name, sizeof name, "dims%zu.gz", k);
        expect_reject(false, write_gz(name, c, len), F, what);
        free(c);
    }
    /* damaged gzip streams: cut in the middle, cut before the trailer, flipped bytes */
    const char *gz = write_gz("good.gz", b, len);
    unsigned char *g = read_all(gz, &glen);
    expect_reject(false, write_raw("cut.gz", g, glen / 2), F, "gzip cut in half");
    expect_reject(false, write_raw("cut8.gz", g, glen - 8), F, "gzip without trailer");
    expect_reject(false, write_raw("cut1.gz", g, glen - 1), F, "gzip trailer one byte short");
    expect_reject(false, write_raw("magiconly.gz", g, 2), F, "gzip magic only");
    {
        unsigned char *c = malloc(glen);
        memcpy(c, g, glen);
        c[glen - 5] ^= 0xff; /* length in the trailer */
        expect_reject(false, write_raw("badlen.gz", c, glen), F, "gzip bad length");
        memcpy(c, g, glen);
        c[glen - 8] ^= 0x55; /* CRC */
        expect_reject(false, write_raw("badcrc.gz", c, glen), F, "gzip bad crc");
        memcpy(c, g, glen);
        for (size_t i = 12; i < glen - 8; i += 3)
            c[i] ^= 0xa5;
        expect_reject(false, write_raw("garbled.gz", c, glen), F, "garbled deflate data");
        free(c);
    }
    /* a gzip file whose header claims far more than it can hold */
    {
        unsigned char c[16];
        memcpy(c, b, 16);
        put_be32(c + 4, 60000);
        put_be32(c + 8, 28);
        put_be32(c + 12, 28);
        expect_reject(false, write_gz("claims.gz", c, 16), F, "gzip header only, large counts");
    }
    free(g);

    /* ---- CIFAR-10 ---- */
    size_t clen;
    unsigned char *cb = cifar_bytes(3, &clen);
    expect_reject(true, testutil_tmp_path("missing.bin"), AEDYN_ERR_IO, "missing cifar");
    expect_reject(true, write_raw("c-empty", cb, 0), F, "empty cifar");
    expect_reject(true, write_gz("c-empty.gz", cb, 0), F, "empty gzip cifar");
    expect_reject(true, write_raw("c-short", cb, 3072), F, "cifar record one byte short");
    expect_reject(true, write_raw("c-long", cb, 3074), F, "cifar record one byte long");
    expect_reject(true, write_raw("c-trunc", cb, clen - 100), F, "cifar last record truncated");
    expect_reject(true, write_gz("c-trunc.gz", cb, clen - 100), F, "gzip cifar truncated");
    expect_reject(true, write_raw("c-idx", b, len), F, "an IDX file given to the CIFAR loader");
    cb[3073] = 10;
    expect_reject(true, write_raw("c-label", cb, clen), F, "cifar label 10");
    cb[3073] = 1;
    const char *cgz = write_gz("c-good.gz", cb, clen);
    unsigned char *cg = read_all(cgz, &glen);
    expect_reject(true, write_raw("c-cut.gz", cg, glen / 2), F, "gzip cifar cut");
    free(cg);
    /* the good files still load */
    aedyn_images *im;
    ck_assert_aedyn_ok(aedyn_images_load_cifar10(&im, cgz, 0, 0));
    aedyn_images_destroy(im);
    ck_assert_aedyn_ok(aedyn_images_load_idx(&im, gz, 0, 0));
    aedyn_images_destroy(im);
    ck_assert_aedyn_fails(aedyn_images_load_idx(NULL, gz, 0, 0), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_images_load_idx(&im, NULL, 0, 0), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_images_load_cifar10(&im, NULL, 0, 0), AEDYN_ERR_NULL);
    free(cb);
    free(b);
    testutil_tmpdir_remove();
}
END_TEST

/* n synthetic images of D pixels in [0, 1] with pixel-dependent means,
 * variances and correlations (a few latent factors). */
static double *synthetic_images(size_t n, size_t D, uint64_t seed)
{
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, seed, 0));
    double *X = malloc(n * D * sizeof *X);
    for (size_t r = 0; r < n; r++) {
        double z[3];
        aedyn_rng_fill_normal(rng, z, 3);
        for (size_t i = 0; i < D; i++) {
            double v = 0.3 + 0.4 * (double)i / (double)D
                       + 0.08 * (z[0] * sin(0.3 * i) + z[1] * cos(0.11 * i) + 0.5 * z[2])
                       + 0.03 * aedyn_rng_normal(rng);
            X[r * D + i] = fmin(1.0, fmax(0.0, v));
        }
    }
    aedyn_rng_destroy(rng);
    return X;
}

/* Covariance (centred = true) or second moment of an n x D array. */
static double *moment_matrix(const double *X, size_t n, size_t D, bool centred)
{
    double *mu = calloc(D, sizeof *mu), *C = calloc(D * D, sizeof *C);
    if (centred)
        for (size_t r = 0; r < n; r++)
            for (size_t i = 0; i < D; i++)
                mu[i] += X[r * D + i] / (double)n;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < D; i++)
            for (size_t j = 0; j < D; j++)
                C[i * D + j] += (X[r * D + i] - mu[i]) * (X[r * D + j] - mu[j]) / (double)n;
    free(mu);
    return C;
}

START_TEST(preprocessing_moments)
{
    const size_t n = 400, rows = 5, cols = 6, D = rows * cols;
    double *X0 = synthetic_images(n, D, 3), *X = malloc(n * D * sizeof *X);
    aedyn_images *im, *held;

    /* the paper's: global mean 0, global std 0.5 */
    ck_assert_aedyn_ok(aedyn_images_create(&im, n, rows, cols, X0));
    ck_assert_aedyn_ok(aedyn_images_preprocess(im, AEDYN_IMAGES_PAPER, 0.0));
    ck_assert_aedyn_ok(aedyn_images_get_images(im, 0, n, X));
    double m = 0, v = 0;
    for (size_t i = 0; i < n * D; i++)
        m += X[i] / (double)(n * D);
    for (size_t i = 0; i < n * D; i++)
        v += (X[i] - m) * (X[i] - m) / (double)(n * D);
    printf("paper: global mean %.3g, global std %.15g\n", m, sqrt(v));
    ck_assert_double_le(fabs(m), 1e-13);
    ck_assert_double_le(fabs(sqrt(v) - 0.5), 1e-13);
    ck_assert_aedyn_fails(aedyn_images_preprocess(im, AEDYN_IMAGES_PAPER, 0.0), AEDYN_ERR_INVALID);
    /* a held-out copy of the same images processed like the fitted set is identical */
    ck_assert_aedyn_ok(aedyn_images_create(&held, n, rows, cols, X0));
    ck_assert_aedyn_ok(aedyn_images_preprocess_like(held, im));
    double *Y = malloc(n * D * sizeof *Y);
    ck_assert_aedyn_ok(aedyn_images_get_images(held, 0, n, Y));
    ck_assert_mem_eq(X, Y, n * D * sizeof *X);
    aedyn_images_destroy(held);
    aedyn_images_destroy(im);

    /* per-pixel centring + scalar: pixel means 0, mean pixel variance 1 */
    ck_assert_aedyn_ok(aedyn_images_create(&im, n, rows, cols, X0));
    ck_assert_aedyn_ok(aedyn_images_preprocess(im, AEDYN_IMAGES_CENTRED, 0.0));
    ck_assert_aedyn_ok(aedyn_images_get_images(im, 0, n, X));
    double tv = 0;
    for (size_t i = 0; i < D; i++) {
        double mi = 0, vi = 0;
        for (size_t r = 0; r < n; r++)
            mi += X[r * D + i] / (double)n;
        for (size_t r = 0; r < n; r++)
            vi += X[r * D + i] * X[r * D + i] / (double)n;
        ck_assert_double_le(fabs(mi), 1e-13);
        tv += vi / (double)D;
    }
    ck_assert_double_le(fabs(tv - 1.0), 1e-12);
    aedyn_data *d;
    ck_assert_aedyn_ok(aedyn_data_create_images(&d, im, AEDYN_IMAGES_SAMPLE_GAUSSIAN));
    ck_assert_double_le(fabs(aedyn_data_get_trace(d) / (double)D - 1.0), 1e-12);
    aedyn_data_destroy(d);
    aedyn_images_destroy(im);

    /* whitening: in the eigenbasis (rho_j, u_j) of the centred covariance,
     * the processed covariance is diag(rho / (rho + eps)) */
    double *C0 = moment_matrix(X0, n, D, true), *U = malloc(D * D * sizeof *U), rho[D];
    memcpy(U, C0, D * D * sizeof *U);
    ck_assert_int_eq(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)D, U, (lapack_int)D, rho), 0);
    /* ascending: column j of U is u_j */
    const double epss[2] = { 1e-3, 0.05 };
    for (int mode = AEDYN_IMAGES_ZCA; mode <= AEDYN_IMAGES_PCA_WHITE; mode++)
        for (int e = 0; e < 2; e++) {
            const double eps = epss[e];
            ck_assert_aedyn_ok(aedyn_images_create(&im, n, rows, cols, X0));
            ck_assert_aedyn_ok(aedyn_images_preprocess(im, (aedyn_images_mode)mode, eps));
            ck_assert_aedyn_ok(aedyn_images_get_images(im, 0, n, X));
            double *C = moment_matrix(X, n, D, false), worst = 0, worst_mean = 0;
            for (size_t i = 0; i < D; i++) {
                double mi = 0;
                for (size_t r = 0; r < n; r++)
                    mi += X[r * D + i] / (double)n;
                worst_mean = fmax(worst_mean, fabs(mi));
            }
            for (size_t a = 0; a < D; a++)
                for (size_t b2 = 0; b2 < D; b2++) {
                    double want, got = 0;
                    if (mode == AEDYN_IMAGES_ZCA) { /* u_a^T C u_b */
                        for (size_t i = 0; i < D; i++)
                            for (size_t j = 0; j < D; j++)
                                got += U[i * D + a] * C[i * D + j] * U[j * D + b2];
                        want = a == b2 ? rho[a] / (rho[a] + eps) : 0.0;
                    } else { /* component j is the j-th principal component (decreasing) */
                        got = C[a * D + b2];
                        const double r = rho[D - 1 - a];
                        want = a == b2 ? r / (r + eps) : 0.0;
                    }
                    worst = fmax(worst, fabs(got - want));
                }
            printf("%s eps %g: max |cov - rho/(rho+eps)| in the eigenbasis %.3g, max |mean| %.3g "
                   "(rho from %.3g to %.3g)\n", mode == AEDYN_IMAGES_ZCA ? "ZCA" : "PCA-white", eps,
                   worst, worst_mean, rho[0], rho[D - 1]);
            ck_assert_double_le(worst, 1e-9);
            ck_assert_double_le(worst_mean, 1e-12);
            if (mode == AEDYN_IMAGES_ZCA) { /* ZCA whitening matrix is symmetric: C symmetric too */
                for (size_t i = 0; i < D; i++)
                    for (size_t j = 0; j < D; j++)
                        ck_assert_double_le(fabs(C[i * D + j] - C[j * D + i]), 1e-12);
            }
            /* a held-out copy processed like it */
            ck_assert_aedyn_ok(aedyn_images_create(&held, n, rows, cols, X0));
            ck_assert_aedyn_ok(aedyn_images_preprocess_like(held, im));
            ck_assert_aedyn_ok(aedyn_images_get_images(held, 0, n, Y));
            for (size_t i = 0; i < n * D; i++)
                ck_assert_double_le(fabs(X[i] - Y[i]), 1e-12);
            aedyn_images_destroy(held);
            free(C);
            aedyn_images_destroy(im);
        }

    /* invalid calls leave the set as it was */
    ck_assert_aedyn_ok(aedyn_images_create(&im, n, rows, cols, X0));
    ck_assert_aedyn_fails(aedyn_images_preprocess(im, AEDYN_IMAGES_ZCA, 0.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_images_preprocess(im, AEDYN_IMAGES_ZCA, NAN), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_images_preprocess(im, (aedyn_images_mode)9, 0.1), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_images_preprocess(NULL, AEDYN_IMAGES_RAW, 0.1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_images_preprocess_like(im, im), AEDYN_ERR_INVALID);
    ck_assert_aedyn_ok(aedyn_images_create(&held, n, rows, cols, X0));
    ck_assert_aedyn_fails(aedyn_images_preprocess_like(im, held), AEDYN_ERR_INVALID); /* not fitted */
    aedyn_images_destroy(held);
    ck_assert_aedyn_ok(aedyn_images_create(&held, 2, 1, 3, X0));
    ck_assert_aedyn_ok(aedyn_images_preprocess(held, AEDYN_IMAGES_RAW, 0.0));
    ck_assert_aedyn_fails(aedyn_images_preprocess_like(im, held), AEDYN_ERR_SIZE);
    aedyn_images_destroy(held);
    ck_assert_aedyn_ok(aedyn_images_get_images(im, 0, n, X));
    ck_assert_mem_eq(X, X0, n * D * sizeof *X);
    aedyn_images_destroy(im);
    /* constant images cannot be standardised */
    for (size_t i = 0; i < n * D; i++)
        X[i] = 0.25;
    ck_assert_aedyn_ok(aedyn_images_create(&im, n, rows, cols, X));
    ck_assert_aedyn_fails(aedyn_images_preprocess(im, AEDYN_IMAGES_PAPER, 0.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_images_preprocess(im, AEDYN_IMAGES_CENTRED, 0.0), AEDYN_ERR_INVALID);
    aedyn_images_destroy(im);
    im = NULL;
    X[3] = NAN;
    ck_assert_aedyn_fails(aedyn_images_create(&im, n, rows, cols, X), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_images_create(&im, 0, rows, cols, X0), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_images_create(&im, n, 0, cols, X0), AEDYN_ERR_SIZE);
    ck_assert_ptr_null(im);
    aedyn_images_destroy(NULL);
    ck_assert_uint_eq(aedyn_images_get_n_images(NULL), 0);
    free(C0); free(U); free(X); free(X0); free(Y);
}
END_TEST

/* Streams that are not regular files are bounded by a count: 0.1 never
 * returned from aedyn_images_load_cifar10 on /dev/zero with a count (it read
 * the endless stream to validate its end). */
START_TEST(streams_are_bounded_by_a_count)
{
    aedyn_images *im = NULL;
    ck_assert_aedyn_ok(aedyn_images_load_cifar10(&im, "/dev/zero", 2, 3));
    ck_assert_uint_eq(aedyn_images_get_n_images(im), 3);
    double x[1024];
    ck_assert_aedyn_ok(aedyn_images_get_images(im, 2, 1, x));
    for (size_t i = 0; i < 1024; i++)
        ck_assert(x[i] == 0.0);
    aedyn_images_destroy(im);
    im = NULL;
    ck_assert_aedyn_fails(aedyn_images_load_cifar10(&im, "/dev/zero", 0, 0), AEDYN_ERR_INVALID);
    ck_assert_ptr_null(im);
    /* an IDX stream: its header is its count (here a bad magic, at once) */
    ck_assert_aedyn_fails(aedyn_images_load_idx(&im, "/dev/zero", 0, 0), AEDYN_ERR_FORMAT);
    ck_assert_ptr_null(im);
    /* an endless IDX stream: read up to the last image wanted */
    testutil_tmpdir_make("aedyn-fifo");
    const char *fifo = testutil_tmp_path("images.fifo");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        unsigned char h[16 + 2 * 6];
        put_be32(h, 0x00000803u);
        put_be32(h + 4, 5); /* claims 5 images of 2 x 3, sends 2 */
        put_be32(h + 8, 2);
        put_be32(h + 12, 3);
        for (int i = 0; i < 12; i++)
            h[16 + i] = (unsigned char)(10 * i);
        FILE *f = fopen(fifo, "wb");
        if (!f || fwrite(h, 1, sizeof h, f) != sizeof h)
            _exit(1);
        static const unsigned char zeros[4096];
        for (;;) /* then an endless stream: the reader must stop on its own */
            if (fwrite(zeros, 1, sizeof zeros, f) != sizeof zeros)
                _exit(0); /* the reader closed the pipe */
    }
    ck_assert_aedyn_ok(aedyn_images_load_idx(&im, fifo, 1, 1));
    ck_assert_uint_eq(aedyn_images_get_n_images(im), 1);
    ck_assert_aedyn_ok(aedyn_images_get_images(im, 0, 1, x));
    ck_assert_double_eq_tol(x[0], 60.0 / 255.0, 1e-15);
    aedyn_images_destroy(im);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    testutil_tmpdir_remove();
}
END_TEST

START_TEST(image_data_models)
{
    const size_t n = 300, rows = 4, cols = 5, D = rows * cols;
    double *X0 = synthetic_images(n, D, 8), *X = malloc(n * D * sizeof *X);
    aedyn_images *im;
    ck_assert_aedyn_ok(aedyn_images_create(&im, n, rows, cols, X0));
    aedyn_data *real, *gauss;
    /* A model shares the set's rows: preprocessing the set afterwards copies
     * them, so the model goes on sampling the raw images (even after the set
     * is destroyed, below). */
    ck_assert_aedyn_ok(aedyn_data_create_images(&real, im, AEDYN_IMAGES_SAMPLE_REAL));
    ck_assert_str_eq(aedyn_data_get_kind(real), "images");
    ck_assert_aedyn_ok(aedyn_images_preprocess(im, AEDYN_IMAGES_PAPER, 0.0));
    aedyn_data *raw_model = real;
    ck_assert_aedyn_ok(aedyn_images_get_images(im, 0, n, X));
    ck_assert_aedyn_ok(aedyn_data_create_images(&real, im, AEDYN_IMAGES_SAMPLE_REAL));
    ck_assert_aedyn_ok(aedyn_data_create_images(&gauss, im, AEDYN_IMAGES_SAMPLE_GAUSSIAN));
    ck_assert_str_eq(aedyn_data_get_kind(gauss), "images-gaussian");
    {
        /* every draw of the first model is a raw image, of the second a processed one */
        aedyn_rng *r;
        double x[20];
        ck_assert_aedyn_ok(aedyn_rng_create(&r, 3, 0));
        for (int t = 0; t < 50; t++) {
            ck_assert_aedyn_ok(aedyn_data_sample(raw_model, r, 1, x));
            bool raw = false, processed = false;
            for (size_t i = 0; i < n && !(raw && processed); i++) {
                raw = raw || memcmp(x, X0 + i * D, sizeof x) == 0;
                processed = processed || memcmp(x, X + i * D, sizeof x) == 0;
            }
            ck_assert(raw && !processed);
            ck_assert_aedyn_ok(aedyn_data_sample(real, r, 1, x));
            processed = false;
            for (size_t i = 0; i < n && !processed; i++)
                processed = memcmp(x, X + i * D, sizeof x) == 0;
            ck_assert(processed);
        }
        aedyn_rng_destroy(r);
    }
    ck_assert_uint_eq(aedyn_data_get_dim(real), D);
    /* both have the spectrum of Omega_hat = X^T X / n */
    double *S = moment_matrix(X, n, D, false), *C = malloc(D * D * sizeof *C);
    double rho_r[D], rho_g[D];
    for (int k = 0; k < 2; k++) {
        aedyn_data *d = k ? gauss : real;
        ck_assert_aedyn_ok(aedyn_data_get_covariance(d, C));
        for (size_t i = 0; i < D * D; i++)
            ck_assert_double_le(fabs(C[i] - S[i]), 1e-12);
    }
    ck_assert_aedyn_ok(aedyn_data_get_eigenvalues(real, rho_r));
    ck_assert_aedyn_ok(aedyn_data_get_eigenvalues(gauss, rho_g));
    ck_assert_mem_eq(rho_r, rho_g, sizeof rho_r);
    double tr = 0, pca;
    for (size_t i = 0; i < D; i++)
        tr += S[i * D + i];
    ck_assert_double_le(fabs(aedyn_data_get_trace(real) - tr), 1e-12);
    ck_assert_aedyn_ok(aedyn_data_pca_error(real, 0, &pca));
    ck_assert_double_le(fabs(pca - tr / (2.0 * D)), 1e-13);
    /* the paper's preprocessing: Tr Omega_hat / D = 0.25 (mean 0, std 0.5) */
    ck_assert_double_le(fabs(tr / D - 0.25), 1e-12);

    /* real sampler: rows of the set, the same draws as aedyn_images_sample */
    aedyn_rng *r1, *r2;
    ck_assert_aedyn_ok(aedyn_rng_create(&r1, 4, 0));
    ck_assert_aedyn_ok(aedyn_rng_create(&r2, 4, 0));
    const size_t ns = 2000;
    double *A = malloc(ns * D * sizeof *A), *B = malloc(ns * D * sizeof *B);
    ck_assert_aedyn_ok(aedyn_data_sample(real, r1, ns, A));
    ck_assert_aedyn_ok(aedyn_images_sample(im, r2, ns, B));
    ck_assert_mem_eq(A, B, ns * D * sizeof *A);
    size_t *hits = calloc(n, sizeof *hits);
    for (size_t s = 0; s < ns; s++) {
        size_t found = n;
        for (size_t r = 0; r < n && found == n; r++)
            if (memcmp(A + s * D, X + r * D, D * sizeof *A) == 0)
                found = r;
        ck_assert_msg(found < n, "sample %zu is not an image of the set", s);
        hits[found]++;
    }
    size_t distinct = 0;
    for (size_t r = 0; r < n; r++)
        distinct += hits[r] > 0;
    ck_assert_uint_ge(distinct, n * 9 / 10); /* 2000 draws of 300: all but ~0.1 expected */
    free(hits);
    /* Gaussian-equivalent sampler: covariance Omega_hat (5 standard errors) */
    const size_t ng = 100000;
    double *G = malloc(1000 * D * sizeof *G), *E = calloc(D * D, sizeof *E);
    for (size_t done = 0; done < ng; done += 1000) {
        ck_assert_aedyn_ok(aedyn_data_sample(gauss, r1, 1000, G));
        for (size_t r = 0; r < 1000; r++)
            for (size_t i = 0; i < D; i++)
                for (size_t j = 0; j <= i; j++)
                    E[i * D + j] += G[r * D + i] * G[r * D + j] / (double)ng;
    }
    double worst = 0;
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j <= i; j++) {
            const double se = sqrt((S[i * D + i] * S[j * D + j] + S[i * D + j] * S[i * D + j]) / ng);
            worst = fmax(worst, fabs(E[i * D + j] - S[i * D + j]) / se);
        }
    ck_assert_msg(worst < 5.0, "Gaussian-equivalent sampler: %.2f standard errors", worst);

    /* test error on the set = mean of the per-image losses */
    aedyn_net *net;
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, 2, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, r1, 0.5));
    double mean, se, want = 0, l;
    ck_assert_aedyn_ok(aedyn_net_error_images(net, im, &mean, &se));
    for (size_t r = 0; r < n; r++) {
        ck_assert_aedyn_ok(aedyn_net_loss(net, X + r * D, &l));
        want += l / (double)n;
    }
    ck_assert_double_le(fabs(mean - want), 1e-12 * want);
    ck_assert(se > 0 && se < mean);
    aedyn_net *wrong;
    ck_assert_aedyn_ok(aedyn_net_create(&wrong, D + 1, 2, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_fails(aedyn_net_error_images(wrong, im, &mean, NULL), AEDYN_ERR_SIZE);
    aedyn_net_destroy(wrong);
    ck_assert_aedyn_fails(aedyn_data_create_images(&gauss, im, (aedyn_images_sampler)5), AEDYN_ERR_INVALID);

    aedyn_net_destroy(net);
    aedyn_data_destroy(real);
    aedyn_data_destroy(gauss);
    aedyn_rng_destroy(r2);
    aedyn_images_destroy(im);
    /* the model of the raw set outlives the set (ASan and valgrind check the reads) */
    for (int t = 0; t < 20; t++) {
        double x[20];
        ck_assert_aedyn_ok(aedyn_data_sample(raw_model, r1, 1, x));
        bool raw = false;
        for (size_t i = 0; i < n && !raw; i++)
            raw = memcmp(x, X0 + i * D, sizeof x) == 0;
        ck_assert(raw);
    }
    aedyn_data_destroy(raw_model);
    aedyn_rng_destroy(r1);
    free(A); free(B); free(G); free(E); free(S); free(C); free(X); free(X0);
}
END_TEST

/* Data models of one set released from two threads at once: the shared rows'
 * count is atomic (a plain counter loses updates here; ThreadSanitizer or a
 * leak check under valgrind/ASan shows it). */
struct release_job {
    aedyn_data **models;
    size_t n;
};

static void *release_models(void *arg)
{
    const struct release_job *j = arg;
    for (size_t i = 0; i < j->n; i++)
        aedyn_data_destroy(j->models[i]);
    return NULL;
}

START_TEST(image_models_released_from_two_threads)
{
    const size_t n = 50, D = 4, per = 400;
    double *X0 = synthetic_images(n, D, 5);
    aedyn_images *im;
    ck_assert_aedyn_ok(aedyn_images_create(&im, n, 2, 2, X0));
    aedyn_data **models = malloc(2 * per * sizeof *models);
    for (size_t i = 0; i < 2 * per; i++)
        ck_assert_aedyn_ok(aedyn_data_create_images(&models[i], im, AEDYN_IMAGES_SAMPLE_REAL));
    aedyn_images_destroy(im); /* the models hold the rows */
    struct release_job a = { models, per }, b = { models + per, per };
    pthread_t ta, tb;
    ck_assert_int_eq(pthread_create(&ta, NULL, release_models, &a), 0);
    ck_assert_int_eq(pthread_create(&tb, NULL, release_models, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    free(models);
    free(X0);
}
END_TEST

/* SGD trains on real images through the images data kind, and the ODE runs
 * on its full spectrum (D modes). */
START_TEST(images_with_sgd_and_ode)
{
    testutil_tmpdir_make("aedyn-images");
    const size_t n = 500, rows = 8, cols = 8, D = rows * cols;
    double *X0 = synthetic_images(n, D, 21);
    unsigned char *b = malloc(16 + n * D);
    put_be32(b, 0x00000803u);
    put_be32(b + 4, (uint32_t)n);
    put_be32(b + 8, (uint32_t)rows);
    put_be32(b + 12, (uint32_t)cols);
    for (size_t i = 0; i < n * D; i++)
        b[16 + i] = (unsigned char)lround(255.0 * X0[i]);
    const char *path = write_gz("train.gz", b, 16 + n * D);
    aedyn_images *train, *test;
    ck_assert_aedyn_ok(aedyn_images_load_idx(&train, path, 0, 400));
    ck_assert_aedyn_ok(aedyn_images_load_idx(&test, path, 400, 0));
    ck_assert_uint_eq(aedyn_images_get_n_images(test), 100);
    ck_assert_aedyn_ok(aedyn_images_preprocess(train, AEDYN_IMAGES_PAPER, 0.0));
    ck_assert_aedyn_ok(aedyn_images_preprocess_like(test, train));
    aedyn_data *data;
    ck_assert_aedyn_ok(aedyn_data_create_images(&data, train, AEDYN_IMAGES_SAMPLE_REAL));
    aedyn_rng *rng;
    aedyn_net *net;
    aedyn_sgd *sgd;
    aedyn_ode *ode;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 12, 0));
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, 2, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.1));
    ck_assert_aedyn_ok(aedyn_ode_create(&ode, net, data, AEDYN_SGD_VANILLA, 0.5));
    ck_assert_uint_eq(aedyn_ode_get_n_modes(ode), D);
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.5));
    double e0, e1, p0, p1;
    ck_assert_aedyn_ok(aedyn_net_error_images(net, test, &e0, NULL));
    ck_assert_aedyn_ok(aedyn_net_error(net, data, &p0));
    ck_assert_aedyn_ok(aedyn_sgd_step(sgd, 20 * D));
    ck_assert_aedyn_ok(aedyn_ode_advance(ode, 20.0));
    ck_assert_aedyn_ok(aedyn_net_error_images(net, test, &e1, NULL));
    ck_assert_aedyn_ok(aedyn_net_error(net, data, &p1));
    double o1;
    ck_assert_aedyn_ok(aedyn_ode_error(ode, &o1));
    printf("images + SGD: test error %.4f -> %.4f, population %.4f -> %.4f, ODE %.4f at t = 20\n",
           e0, e1, p0, p1, o1);
    ck_assert(isfinite(e1) && e1 < e0 && p1 < p0);
    ck_assert(isfinite(o1) && o1 < p0);
    aedyn_sgd_destroy(sgd);
    aedyn_ode_destroy(ode);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
    aedyn_images_destroy(train);
    aedyn_images_destroy(test);
    free(b);
    free(X0);
    testutil_tmpdir_remove();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("images");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, idx_loader);
    tcase_add_test(tc, one_large_image_memory);
    tcase_add_test(tc, cifar_loader);
    tcase_add_test(tc, malformed_files);
    tcase_add_test(tc, preprocessing_moments);
    tcase_add_test(tc, streams_are_bounded_by_a_count);
    tcase_add_test(tc, image_data_models);
    tcase_add_test(tc, image_models_released_from_two_threads);
    tcase_add_test(tc, images_with_sgd_and_ode);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
