/* The built-in activations, g and g', for every module that evaluates them
 * (the network's forward pass, the trainer's step, the Gaussian integrals):
 * one definition of each (docs/theory.md section 1). Header only. */
#ifndef AEDYN_ACT_INTERNAL_H
#define AEDYN_ACT_INTERNAL_H

#include "common-private.h"

#define AEDYN__SQRT2 1.41421356237309504880
#define AEDYN__SQRT_2_OVER_PI 0.79788456080286535588

/* g(x): x, erf(x / sqrt 2), max(0, x) */
static inline double aedyn__act_g(aedyn_net_activation a, double x)
{
    switch (a) {
    case AEDYN_NET_ACT_ERF: return erf(x / AEDYN__SQRT2);
    case AEDYN_NET_ACT_RELU: return x > 0.0 ? x : 0.0;
    default: return x;
    }
}

/* g'(x); for ReLU g'(0) = 0. */
static inline double aedyn__act_dg(aedyn_net_activation a, double x)
{
    switch (a) {
    case AEDYN_NET_ACT_ERF: return AEDYN__SQRT_2_OVER_PI * exp(-0.5 * x * x);
    case AEDYN_NET_ACT_RELU: return x > 0.0 ? 1.0 : 0.0;
    default: return 1.0;
    }
}

#endif
