/* Seeded generator: xoshiro256++ (Blackman & Vigna) seeded through SplitMix64,
 * and a 256-layer ziggurat for normal variates (Marsaglia & Tsang 2000, with
 * Doornik's symmetric variant). Tables live in the handle: no global state. */
#include <stdlib.h>
#include <string.h>
#include "rng-internal.h"

/* Right edge of the base layer for 256 layers. */
static const double zig_r = 3.6541528853610088;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void zig_tables(aedyn_rng *r)
{
    const double f_r = exp(-0.5 * zig_r * zig_r);
    /* area of each layer: base rectangle plus the tail beyond r */
    const double v = zig_r * f_r + sqrt(AEDYN__PI / 2.0) * erfc(zig_r / sqrt(2.0));
    r->zx[0] = v / f_r;
    r->zx[1] = zig_r;
    for (int i = 1; i < AEDYN__ZIG_LAYERS - 1; i++) {
        double arg = v / r->zx[i] + exp(-0.5 * r->zx[i] * r->zx[i]);
        r->zx[i + 1] = arg < 1.0 ? sqrt(-2.0 * log(arg)) : 0.0;
    }
    r->zx[AEDYN__ZIG_LAYERS] = 0.0;
    for (int i = 0; i <= AEDYN__ZIG_LAYERS; i++)
        r->zf[i] = exp(-0.5 * r->zx[i] * r->zx[i]);
}

double aedyn__rng_normal_slow(aedyn_rng *r, uint64_t bits)
{
    for (;;) {
        const unsigned i = (unsigned)(bits & 0xffu);
        const double u = (double)(bits >> 12) * 0x1.0p-51 - 1.0;
        const double x = u * r->zx[i];
        if (fabs(x) < r->zx[i + 1])
            return x;
        if (i == 0) {
            /* tail beyond r (Marsaglia 1964) */
            double t, y;
            do {
                t = -log1p(-aedyn__rng_uniform(r)) / zig_r;
                y = -log1p(-aedyn__rng_uniform(r));
            } while (2.0 * y < t * t);
            return u < 0.0 ? -(zig_r + t) : zig_r + t;
        }
        if (r->zf[i + 1] + (r->zf[i] - r->zf[i + 1]) * aedyn__rng_uniform(r) < exp(-0.5 * x * x))
            return x;
        bits = aedyn__rng_u64(r);
    }
}

AEDYN_API aedyn_status aedyn_rng_create(aedyn_rng **out, uint64_t seed, uint64_t stream)
{
    AEDYN__REQUIRE_NONNULL(out);
    aedyn_rng *r = malloc(sizeof *r);
    if (!r)
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_rng_create: out of memory");
    /* Two SplitMix64 sequences, one from the seed and one from the stream id,
     * are combined word by word; distinct (seed, stream) pairs give unrelated
     * states, and the all-zero state cannot occur in practice (checked). */
    uint64_t a = seed, b = ~stream * 0xd1342543de82ef95ull + 0x2545f4914f6cdd1dull;
    for (int i = 0; i < 4; i++) {
        r->s[i] = splitmix64(&a) ^ aedyn__rotl(splitmix64(&b), 17);
    }
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 0x9e3779b97f4a7c15ull;
    zig_tables(r);
    *out = r;
    return AEDYN_OK;
}

AEDYN_API void aedyn_rng_destroy(aedyn_rng *rng)
{
    free(rng);
}

AEDYN_API aedyn_status aedyn_rng_copy(aedyn_rng *dst, const aedyn_rng *src)
{
    AEDYN__REQUIRE_NONNULL(dst);
    AEDYN__REQUIRE_NONNULL(src);
    if (dst != src)
        memcpy(dst, src, sizeof *dst);
    return AEDYN_OK;
}

/* The single draws return a value, not a status: a NULL generator gives a
 * value that cannot be mistaken for a draw where one exists (NaN), and 0 for
 * the integer draw, with the detail message set. */
AEDYN_API uint64_t aedyn_rng_u64(aedyn_rng *rng)
{
    if (!rng) {
        aedyn__fail(AEDYN_ERR_NULL, "aedyn_rng_u64: argument 'rng' is NULL");
        return 0;
    }
    return aedyn__rng_u64(rng);
}

AEDYN_API double aedyn_rng_uniform(aedyn_rng *rng)
{
    if (!rng) {
        aedyn__fail(AEDYN_ERR_NULL, "aedyn_rng_uniform: argument 'rng' is NULL");
        return NAN;
    }
    return aedyn__rng_uniform(rng);
}

AEDYN_API double aedyn_rng_normal(aedyn_rng *rng)
{
    if (!rng) {
        aedyn__fail(AEDYN_ERR_NULL, "aedyn_rng_normal: argument 'rng' is NULL");
        return NAN;
    }
    return aedyn__rng_normal(rng);
}

AEDYN_API aedyn_status aedyn_rng_fill_normal(aedyn_rng *rng, double *x, size_t n)
{
    AEDYN__REQUIRE_NONNULL(rng);
    if (n == 0)
        return AEDYN_OK;
    AEDYN__REQUIRE_NONNULL(x);
    for (size_t i = 0; i < n; i++)
        x[i] = aedyn__rng_normal(rng);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_rng_fill_uniform(aedyn_rng *rng, double *x, size_t n)
{
    AEDYN__REQUIRE_NONNULL(rng);
    if (n == 0)
        return AEDYN_OK;
    AEDYN__REQUIRE_NONNULL(x);
    for (size_t i = 0; i < n; i++)
        x[i] = aedyn__rng_uniform(rng);
    return AEDYN_OK;
}
