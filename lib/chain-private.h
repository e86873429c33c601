/* The reduced SGD chain's own layout (lib/chain.c; the tests read it). */
#ifndef AEDYN_CHAIN_PRIVATE_H
#define AEDYN_CHAIN_PRIVATE_H

#include <stdint.h>
#include "common-private.h"

struct aedyn_chain {
    size_t D, K, M, n_b;        /* dimension, units, explicit modes, bulk multiplicity */
    aedyn_net_activation act;
    bool has_bias, trunc;
    double eta[3], kappa;       /* encoder, decoder, bias rates; weight decay */
    aedyn_schedule *sched[3];   /* copies of the rates' schedules, or NULL */
    double trace;               /* Tr Omega */
    double *rho;                /* M explicit eigenvalues */
    double rho_b;               /* the bulk's */
    aedyn_rng *rng;             /* borrowed */
    uint64_t steps;
    /* the state: wt, s (M x K), beta (K), and the covariance of the bulk
     * fields (lambda_b, nu_b), C = [[Q_b, R_b^T], [R_b, rho_b T0_b / D]]
     * (2K x 2K, full) */
    double *wt, *s, *beta, *C;
    /* scratch of a step (allocated once) */
    double *L, *Cn;             /* (2K)^2 each: factor of C, the next C */
    double *zeta, *sg;          /* M; M x K */
    double *a, *h, *c, *hh;     /* 2K each */
    double *lam, *nu, *g, *dg, *F, *T0; /* K, K, K, K, K, K x K */
};

/* L (2K x 2K, lower, row-major) with L L^T = C: Cholesky, a pivot below
 * 1e-14 of its diagonal entry (rank deficiency, rounding) making its column
 * 0, so that any positive semi-definite C has a factor. */
void aedyn__chain_factor(size_t n, const double *C, double *L);

/* A chi-square variate with nu >= 0 degrees of freedom (real nu). */
double aedyn__chain_chi_square(aedyn_rng *r, double nu);

/* One step of the chain on given variates: n_expl (M standard normals: the
 * explicit components zeta_m = sqrt(rho_m / D) n_m), a (2K standard normals
 * in the span of the bulk projections) and chi2 (the squared norm outside
 * it, in units of rho_b). On failure the state is unchanged. */
aedyn_status aedyn__chain_update(aedyn_chain *c, const double *n_expl, const double *a,
                                 double chi2);

#endif
