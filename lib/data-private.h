/* The data module's own layout: a data model is a spectrum (eigen-groups)
 * plus a sampler behind a table of operations. Included only by the files of
 * the data module: lib/data.c (the handle, the spectrum and its queries) and
 * one file per model (lib/data-spiked.c, lib/data-gaussian.c,
 * lib/data-images.c).
 *
 * Adding a model: write lib/data-<name>.c with an aedyn__data_ops table and a
 * constructor that fills an aedyn__spectrum and its own sampler state and
 * calls aedyn__data_new(); add the file to lib_sources in meson.build (and
 * declare the public constructor in a header). Nothing else in the library
 * reads a model's fields. */
#ifndef AEDYN_DATA_PRIVATE_H
#define AEDYN_DATA_PRIVATE_H

#include "common-private.h"
#include "data-internal.h"

/* Inputs per block of the batch sampler (aedyn_data_sample). */
#define AEDYN__DATA_BLOCK 64

/* One eigen-group: an eigenvalue, its multiplicity, and its first explicit
 * eigenvector, or SIZE_MAX for the complement group. */
typedef struct aedyn__group {
    double rho;
    size_t mult;
    size_t first;
} aedyn__group;

/* Spectrum of the covariance: n_exp explicit eigenpairs sorted by decreasing
 * eigenvalue, and the eigenvalue rho_c of the orthogonal complement of their
 * span (multiplicity D - n_exp). */
typedef struct aedyn__spectrum {
    size_t D;
    size_t n_exp;
    double *rho_exp;    /* n_exp */
    double *vec_exp;    /* n_exp x D, orthonormal rows */
    double rho_c;
    size_t n_groups;
    aedyn__group *groups;
    double trace;       /* Tr Omega, every eigenvalue with its multiplicity */
} aedyn__spectrum;

/* The sampler of a model; self is its own state (owned by the handle). */
typedef struct aedyn__data_ops {
    const char *kind; /* aedyn_data_get_kind() */
    /* Draw one input into x (length D), with the model's latent variates in
     * scratch (scratch_size(self) doubles), so that several threads may draw
     * from one model at once, each with scratch and a generator of its own.
     * Reads self only; allocates nothing. */
    aedyn_status (*sample1)(const void *self, aedyn_rng *rng, double *x, double *scratch);
    /* Doubles of scratch sample1 needs (NULL: none). */
    size_t (*scratch_size)(const void *self);
    /* Draw n <= AEDYN__DATA_BLOCK inputs into X (n x D) with the random
     * variates in the order of n calls of sample1 (so that a batch equals n
     * single draws up to rounding). Uses scratch inside self: one thread at
     * a time. NULL: n calls of sample1. */
    aedyn_status (*sample_block)(void *self, aedyn_rng *rng, size_t n, double *X);
    void (*destroy)(void *self);
} aedyn__data_ops;

struct aedyn_data {
    aedyn__spectrum spec;
    const aedyn__data_ops *ops;
    void *self;
    const char *kind; /* ops->kind unless the constructor names a variant */
    double *scratch;  /* scratch_n doubles: the handle's own, for aedyn_data_sample */
    size_t scratch_n; /* >= 1 */
};

/* A new model from its spectrum (moved into the handle: its arrays keep their
 * addresses, so the sampler state may point into them) and its sampler.
 * Takes spec and self in every case: frees both on failure. The spectrum
 * must have been finished by aedyn__spectrum_finish(). */
aedyn_status aedyn__data_new(aedyn_data **out, aedyn__spectrum *spec,
                             const aedyn__data_ops *ops, void *self, const char *fn);

/* Check D for a model of dimension D (1 <= D <= INT_MAX, and a D x D matrix
 * of doubles is addressable). */
aedyn_status aedyn__data_check_dim(const char *fn, size_t D);

/* Build the groups and the trace of a spectrum whose D, n_exp, rho_exp,
 * vec_exp and rho_c are set; refuses a spectrum with a non-finite or
 * negative eigenvalue or a trace that is not finite and > 0 (a zero
 * covariance: every error would be 0). */
aedyn_status aedyn__spectrum_finish(aedyn__spectrum *s, const char *fn);

/* Diagonalise the symmetric D x D matrix Om (taken: freed in every case)
 * into a finished spectrum of D explicit eigenpairs; refuses a matrix that is
 * not positive semi-definite (smallest eigenvalue below -1e-10 times the
 * largest); eigenvalues within that tolerance below 0 are set to 0. */
aedyn_status aedyn__spectrum_from_covariance(aedyn__spectrum *s, size_t D, double *Om,
                                             const char *fn);

void aedyn__spectrum_free(aedyn__spectrum *s);

/* The Gaussian sampler N(0, Omega) of a finished spectrum (lib/data-gaussian.c),
 * for models whose spectrum comes from elsewhere (the Gaussian-equivalent
 * model of an image set). Takes spec. */
aedyn_status aedyn__data_new_gaussian(aedyn_data **out, aedyn__spectrum *spec, const char *kind,
                                      const char *fn);

#endif
