/* Private layout of a data model and the spectral helpers other modules use. */
#ifndef AEDYN_DATA_PRIVATE_H
#define AEDYN_DATA_PRIVATE_H

#include "common-private.h"

typedef struct aedyn_group_ {
    double rho;   /* eigenvalue */
    size_t mult;  /* multiplicity */
    size_t first; /* index of its first explicit eigenvector, or SIZE_MAX for the complement */
} aedyn_group_;

typedef enum {
    AEDYN_KIND_SPIKED_,  /* x = sum_m z_m B_m + s_noise xi, B arbitrary (M x D) */
    AEDYN_KIND_EIGEN_,   /* x = sum_j z_j sqrt(rho_j) e_j + sqrt(rho_c) P_perp xi */
    AEDYN_KIND_IMAGES_   /* x = a row of img drawn uniformly with replacement; the
                            spectrum is the empirical one (lib/images.c) */
} aedyn_data_kind_;

struct aedyn_data {
    size_t D;
    aedyn_data_kind_ kind;
    const char *kind_name; /* aedyn_data_get_kind() */
    /* spectrum */
    size_t n_exp;       /* explicit eigenpairs (sorted by decreasing rho) */
    double *rho_exp;    /* n_exp */
    double *vec_exp;    /* n_exp x D, orthonormal rows */
    double rho_c;       /* eigenvalue of the complement (multiplicity D - n_exp) */
    size_t n_groups;
    aedyn_group_ *groups;
    double trace;
    /* sampler */
    size_t M;           /* spiked: number of spikes; eigen: n_exp */
    double *B;          /* spiked: M x D scaled spike vectors (Lambda_m a_m / s) */
    double *coef;       /* eigen: sqrt(rho_j), n_exp */
    double s_noise;     /* spiked: sigma / s; eigen: sqrt(rho_c) (0 when n_exp == D) */
    double *scratch;    /* sampling scratch: M + 1 doubles at least */
    double *block;      /* block sampling scratch: 2 x 64 x M doubles */
    /* images kind: borrowed rows (img_n x D) and the borrow count of their set */
    const double *img;
    size_t img_n;
    unsigned *img_borrow; /* decremented when the model is destroyed */
};

/* out (na x nb) = A Omega B^T for A (na x D) and B (nb x D), exactly through
 * the spectrum: sum_j (rho_j - rho_c) (A e_j)(B e_j)^T + rho_c A B^T.
 * Allocates O((na + nb) n_exp) scratch. */
aedyn_status aedyn__data_quad_form(const aedyn_data *d, size_t na, const double *A, size_t nb,
                                   const double *B, double *out);

/* A new eigen-kind model diagonalising the symmetric D x D matrix Om, which it
 * takes over (freed on failure too). fn names the caller in messages. */
aedyn_status aedyn__data_from_covariance(aedyn_data **out, size_t D, double *Om, const char *fn);

/* Draw one input into x (length D) with no allocation. */
void aedyn__data_sample1(aedyn_data *d, aedyn_rng *rng, double *x);

#endif
