/* The data module's interface to the other modules of the library (the
 * trainer draws inputs, the network computes quadratic forms through the
 * spectrum). The layout of a data model stays in data-private.h. */
#ifndef AEDYN_DATA_INTERNAL_H
#define AEDYN_DATA_INTERNAL_H

#include "common-private.h"

/* Doubles of scratch aedyn__data_sample1() needs (>= 1). */
size_t aedyn__data_scratch_size(const aedyn_data *d);

/* Draw one input into x (length D) with the caller's scratch
 * (aedyn__data_scratch_size() doubles). Reentrant: a model is only read, so
 * several threads may draw from one model at once, each with scratch and a
 * generator of its own. Allocates nothing. */
aedyn_status aedyn__data_sample1(const aedyn_data *d, aedyn_rng *rng, double *x, double *scratch);

/* out (na x nb) = A Omega B^T for A (na x D) and B (nb x D), exactly through
 * the spectrum: sum_j (rho_j - rho_c) (A e_j)(B e_j)^T + rho_c A B^T.
 * Allocates O((na + nb) n_explicit) scratch. */
aedyn_status aedyn__data_quad_form(const aedyn_data *d, size_t na, const double *A, size_t nb,
                                   const double *B, double *out);

#endif
