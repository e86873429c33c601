/* mkimages: write small synthetic image files for the tests of the aedyn
 * program (not installed).
 *
 *   mkimages idx FILE N ROWS COLS SEED   IDX file (magic 00 00 08 03, big-endian
 *                                        N, ROWS, COLS, then N*ROWS*COLS bytes)
 *   mkimages cifar FILE N SEED           CIFAR-10 binary batch (N records of a
 *                                        label byte and 3 planes of 32 x 32)
 *
 * Every image is a random mixture of a few smooth patterns plus pixel noise,
 * so that the covariance has some large and many small eigenvalues, like
 * natural images. The same arguments give the same bytes. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static double uniform(void)
{
    /* xorshift64* */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (double)((state * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

/* One channel of one image: 3 smooth patterns with random amplitudes. */
static void image(unsigned char *px, size_t rows, size_t cols, double phase)
{
    double a[3];
    for (int p = 0; p < 3; p++)
        a[p] = (uniform() - 0.5) * (3 - p);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double y = (double)i / (double)rows, x = (double)j / (double)cols;
            double v = 0.5 + 0.25 * (a[0] * sin(3.1 * x + phase) + a[1] * cos(4.3 * y) +
                                     a[2] * sin(6.0 * (x + y))) +
                       0.05 * (uniform() - 0.5);
            v = v < 0 ? 0 : v > 1 ? 1 : v;
            px[i * cols + j] = (unsigned char)lround(255 * v);
        }
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static size_t number(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v == 0 || v > 100000) {
        fprintf(stderr, "mkimages: bad number '%s'\n", s);
        exit(2);
    }
    return (size_t)v;
}

int main(int argc, char **argv)
{
    bool idx = argc == 7 && strcmp(argv[1], "idx") == 0;
    bool cifar = argc == 5 && strcmp(argv[1], "cifar") == 0;
    if (!idx && !cifar) {
        fprintf(stderr, "usage: mkimages idx FILE N ROWS COLS SEED | mkimages cifar FILE N SEED\n");
        return 2;
    }
    size_t n = number(argv[3]);
    size_t rows = idx ? number(argv[4]) : 32, cols = idx ? number(argv[5]) : 32;
    state = 0x9E3779B97F4A7C15ull ^ (uint64_t)number(argv[idx ? 6 : 4]);
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    unsigned char *px = malloc(3 * rows * cols);
    if (!px)
        return 1;
    if (idx) {
        unsigned char head[16] = { 0, 0, 8, 3 };
        put_be32(head + 4, (uint32_t)n);
        put_be32(head + 8, (uint32_t)rows);
        put_be32(head + 12, (uint32_t)cols);
        fwrite(head, 1, sizeof head, f);
    }
    for (size_t k = 0; k < n; k++) {
        if (cifar) {
            unsigned char label = (unsigned char)(k % 10);
            fwrite(&label, 1, 1, f);
            for (int c = 0; c < 3; c++)
                image(px + (size_t)c * rows * cols, rows, cols, 0.7 * c);
            fwrite(px, 1, 3 * rows * cols, f);
        } else {
            image(px, rows, cols, 0);
            fwrite(px, 1, rows * cols, f);
        }
    }
    free(px);
    if (fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
