/* Write the seed corpora of the fuzz targets (fuzz/run-fuzz.sh): small valid
 * files of every format, so that no binary file is committed.
 * Usage: gen-seeds OUTDIR   (creates OUTDIR/{idx,idx-gz,cifar10,cifar10-gz,npy,options}/)
 * The *-gz directories hold the decompressed content: their targets gzip it. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static const char *outdir;

static void put(const char *sub, const char *name, const void *p, size_t n, int gz)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, sub);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/%s/%s%s", outdir, sub, name, gz ? ".gz" : "");
    if (gz) {
        gzFile f = gzopen(path, "wb9");
        if (!f || gzwrite(f, p, (unsigned)n) != (int)n || gzclose(f) != Z_OK) {
            fprintf(stderr, "gen-seeds: cannot write %s\n", path);
            exit(1);
        }
        return;
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "gen-seeds: cannot write %s\n", path);
        exit(1);
    }
}

static size_t idx_file(unsigned char *buf, uint32_t n, uint32_t rows, uint32_t cols)
{
    const unsigned char magic[4] = { 0, 0, 8, 3 };
    const uint32_t dims[3] = { n, rows, cols };
    memcpy(buf, magic, 4);
    for (int d = 0; d < 3; d++)
        for (int b = 0; b < 4; b++)
            buf[4 + 4 * d + b] = (unsigned char)(dims[d] >> (24 - 8 * b));
    const size_t m = (size_t)n * rows * cols;
    for (size_t i = 0; i < m; i++)
        buf[16 + i] = (unsigned char)(i * 37 + 11);
    return 16 + m;
}

#define CIFAR_RECORD 3073
static size_t cifar_file(unsigned char *buf, size_t n)
{
    for (size_t r = 0; r < n; r++) {
        unsigned char *rec = buf + r * CIFAR_RECORD;
        rec[0] = (unsigned char)(r % 10);
        for (size_t i = 1; i < CIFAR_RECORD; i++)
            rec[i] = (unsigned char)(i * 7 + r * 13);
    }
    return n * CIFAR_RECORD;
}

/* A .npy file: preamble of format version major.0, the header dict padded
 * with spaces to a multiple of 64 bytes ending in '\n', then n doubles. */
static size_t npy_file(unsigned char *buf, int major, const char *dict, size_t n)
{
    const size_t pre = major == 1 ? 10 : 12, len = strlen(dict);
    const size_t hlen = len + 1 + (64 - (pre + len + 1) % 64) % 64;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    for (size_t b = 0; b < pre - 8; b++)
        buf[8 + b] = (unsigned char)(hlen >> (8 * b));
    memcpy(buf + pre, dict, len);
    memset(buf + pre + len, ' ', hlen - len - 1);
    buf[pre + hlen - 1] = '\n';
    for (size_t i = 0; i < n; i++) {
        double x = 0.25 * (double)i - 1.0;
        unsigned char b[8];
        memcpy(b, &x, 8); /* little-endian hosts (x86-64, aarch64) */
        memcpy(buf + pre + hlen + 8 * i, b, 8);
    }
    return pre + hlen + 8 * n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen-seeds OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    mkdir(outdir, 0777);
    static unsigned char buf[4 * CIFAR_RECORD + 4096];
    size_t n;

    n = idx_file(buf, 3, 4, 5);
    put("idx", "idx-3x4x5", buf, n, 0);
    put("idx", "idx-3x4x5", buf, n, 1);
    put("idx-gz", "idx-3x4x5", buf, n, 0);
    n = idx_file(buf, 1, 1, 1);
    put("idx", "idx-1x1x1", buf, n, 0);
    put("idx-gz", "idx-1x1x1", buf, n, 0);
    n = idx_file(buf, 2, 28, 28);
    put("idx", "idx-2x28x28", buf, n, 0);
    put("idx-gz", "idx-2x28x28", buf, n, 0);

    n = cifar_file(buf, 1);
    put("cifar10", "cifar-1", buf, n, 0);
    put("cifar10-gz", "cifar-1", buf, n, 0);
    n = cifar_file(buf, 2);
    put("cifar10", "cifar-2", buf, n, 0);
    put("cifar10", "cifar-2", buf, n, 1);
    put("cifar10-gz", "cifar-2", buf, n, 0);

    n = npy_file(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", 12);
    put("npy", "npy-v1-3x4", buf, n, 0);
    n = npy_file(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", 5);
    put("npy", "npy-v1-5", buf, n, 0);
    n = npy_file(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 1);
    put("npy", "npy-v1-scalar", buf, n, 0);
    n = npy_file(buf, 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", 0);
    put("npy", "npy-v2-0x3", buf, n, 0);
    n = npy_file(buf, 3, "{\"shape\": (2, 2), \"fortran_order\": False, \"descr\": \"<f8\"}", 4);
    put("npy", "npy-v3-2x2", buf, n, 0);
    n = npy_file(buf, 1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2L, 1L), }", 1);
    put("npy", "npy-v1-bad-dtype", buf, n, 0);

    /* options: argument words separated by NUL bytes */
#define SEED_(s) { s, sizeof s - 1 }
    static const struct {
        const char *words;
        size_t len;
    } command_lines[] = {
        SEED_(""),
        SEED_("--D\0" "200\0--K\0" "3\0--M\0" "3\0--t-max\0" "5\0--points\0" "5"),
        SEED_("--spikes\0" "3,5,9\0--noise\0" "0.5\0--raw\0--activation\0relu\0--bias"),
        SEED_("--data\0idx\0--images\0train.idx\0test.idx\0--subset\0" "100\0"
              "--preprocess\0zca"),
        SEED_("--data=gaussian\0--covariance=omega.npy\0--mode=ode\0--integrator=rk4\0"
              "--dt=0.01"),
        SEED_("--rule\0sanger\0--tied\0--activation\0linear\0--mode\0sgd\0--seed\0"
              "18446744073709551615"),
        SEED_("--init-weights\0W.npy\0-\0--out\0x\0--plot\0--plot-format\0svg\0--quiet"),
        SEED_("--lr\0" "1e-3\0--wd\0" "0.5\0--init-std\0.5\0--t-min\0" "0.01\0--rtol\0"
              "1E-8"),
        SEED_("--K\0" "2\0--K\0" "3"),
        SEED_("--denoise\0" "0.5\0--input-scale\0" "-0.8\0--skip\0fixed\0-0.5\0"
              "--lr-schedule\0power:1:10:0.5+warmup:2"),
        SEED_("--skip\0train\0--noise-schedule\0piecewise:2:20=1:50=0.5\0--bias"),
        SEED_("--lr-schedule=cosine:1:0.05:200\0--noise-schedule\0exponential:1:1e+2"),
        SEED_("--help"),
    };
#undef SEED_
    for (size_t i = 0; i < sizeof command_lines / sizeof command_lines[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "argv-%zu", i);
        put("options", name, command_lines[i].words, command_lines[i].len, 0);
    }
    return 0;
}
