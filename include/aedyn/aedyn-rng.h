/**
 * @file aedyn-rng.h
 * @brief Seeded random number generator (no global state).
 *
 * A generator is xoshiro256++ seeded through SplitMix64 from a 64-bit seed and
 * a 64-bit stream id; different stream ids give statistically independent
 * streams for parallel runs. Normal variates use a 256-layer ziggurat. The same
 * (seed, stream) gives bit-identical sequences for a given build.
 * A generator is mutable state: use one per thread.
 */
#ifndef AEDYN_RNG_H
#define AEDYN_RNG_H

#include "aedyn-status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque random number generator. @since 0.2 */
typedef struct aedyn_rng aedyn_rng;

/**
 * Create a generator.
 * @param out    receives the new generator (untouched on failure)
 * @param seed   any 64-bit seed
 * @param stream stream id; (seed, s1) and (seed, s2) are independent for s1 != s2
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_rng_create(aedyn_rng **out, uint64_t seed, uint64_t stream);

/** Destroy a generator; NULL is a no-op. @since 0.2 */
AEDYN_API void aedyn_rng_destroy(aedyn_rng *rng);

/**
 * Copy the complete state of @p src into @p dst (both created), so that both
 * produce the same sequence from here on.
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_rng_copy(aedyn_rng *dst, const aedyn_rng *src);

/** Next raw 64-bit output (0 for a NULL @p rng, with the detail message set). @since 0.2 */
AEDYN_API uint64_t aedyn_rng_u64(aedyn_rng *rng);

/** Uniform double in [0, 1) with 53 random bits (NaN for a NULL @p rng). @since 0.2 */
AEDYN_API double aedyn_rng_uniform(aedyn_rng *rng);

/** One standard normal variate N(0, 1) (NaN for a NULL @p rng). @since 0.2 */
AEDYN_API double aedyn_rng_normal(aedyn_rng *rng);

/**
 * Fill @p x[0..n) with independent N(0, 1) variates (the same values n calls
 * of aedyn_rng_normal() would give).
 * @return AEDYN_OK, or AEDYN_ERR_NULL if rng is NULL or x is NULL with n > 0
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_rng_fill_normal(aedyn_rng *rng, double *x, size_t n);

/**
 * Fill @p x[0..n) with independent uniform variates in [0, 1).
 * @return AEDYN_OK, or AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_rng_fill_uniform(aedyn_rng *rng, double *x, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_RNG_H */
