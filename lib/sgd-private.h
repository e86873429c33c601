/* Private layout of the SGD trainer (the ODE reads it to start from the
 * trainer's state). Never installed. */
#ifndef AEDYN_SGD_PRIVATE_H
#define AEDYN_SGD_PRIVATE_H

#include <stdint.h>
#include "common-private.h"

struct aedyn_sgd {
    aedyn_net *net;     /* borrowed */
    aedyn_data *data;   /* borrowed */
    aedyn_rng *rng;     /* borrowed */
    aedyn_sgd_rule rule;
    double eta_w, eta_v, eta_b, kappa;
    uint64_t steps;
    /* workspace, allocated once in create */
    double *x;          /* D: the current input */
    double *delta;      /* D: reconstruction error (vanilla rules) */
    double *lam, *g, *dg, *vd; /* K each: fields, g, g', v^k . delta_k (+ K scratch) */
};

#endif
