/* The random generator's interface to the other modules: its layout and inline
 * draws, so that the samplers' hot loops inline them (lib/rng.c is the rest). */
#ifndef AEDYN_RNG_INTERNAL_H
#define AEDYN_RNG_INTERNAL_H

#include "common-private.h"

#define AEDYN__ZIG_LAYERS 256

struct aedyn_rng {
    uint64_t s[4];                      /* xoshiro256++ state */
    double zx[AEDYN__ZIG_LAYERS + 1];   /* ziggurat layer edges, decreasing, zx[256] = 0 */
    double zf[AEDYN__ZIG_LAYERS + 1];   /* exp(-zx^2/2) */
};

static inline uint64_t aedyn__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t aedyn__rng_u64(aedyn_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = aedyn__rotl(s[0] + s[3], 23) + s[0];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = aedyn__rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1) with 53 bits. */
static inline double aedyn__rng_uniform(aedyn_rng *r)
{
    return (double)(aedyn__rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform index in [0, n), n >= 1, without modulo bias (rejection). */
static inline size_t aedyn__rng_index(aedyn_rng *r, size_t n)
{
    const uint64_t m = (uint64_t)n, lim = UINT64_MAX - UINT64_MAX % m;
    uint64_t u;
    do
        u = aedyn__rng_u64(r);
    while (u >= lim);
    return (size_t)(u % m);
}

double aedyn__rng_normal_slow(aedyn_rng *r, uint64_t bits);

/* Standard normal by the ziggurat: one 64-bit draw in ~99% of the calls
 * (low 8 bits pick the layer, high 52 bits give a uniform in [-1, 1)). */
static inline double aedyn__rng_normal(aedyn_rng *r)
{
    const uint64_t bits = aedyn__rng_u64(r);
    const unsigned i = (unsigned)(bits & 0xffu);
    const double u = (double)(bits >> 12) * 0x1.0p-51 - 1.0;
    const double x = u * r->zx[i];
    if (fabs(x) < r->zx[i + 1])
        return x;
    return aedyn__rng_normal_slow(r, bits);
}

#endif
