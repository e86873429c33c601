/* Private layout of a network and the activation kernels the trainer and the
 * ODE share. */
#ifndef AEDYN_NET_PRIVATE_H
#define AEDYN_NET_PRIVATE_H

#include "common-private.h"

struct aedyn_net {
    size_t D, K;
    aedyn_net_activation act;
    unsigned flags;
    double *W;    /* K x D encoder rows */
    double *V;    /* K x D decoder vectors; == W for a tied network */
    double *bias; /* K (zeros without AEDYN_NET_BIAS) */
};

static inline bool aedyn__net_tied(const aedyn_net *n) { return (n->flags & AEDYN_NET_TIED) != 0; }
static inline bool aedyn__net_has_bias(const aedyn_net *n) { return (n->flags & AEDYN_NET_BIAS) != 0; }

#define AEDYN_SQRT2_ 1.41421356237309504880
#define AEDYN_SQRT_2_OVER_PI_ 0.79788456080286535588

/* g(x) */
static inline double aedyn__act_g(aedyn_net_activation a, double x)
{
    switch (a) {
    case AEDYN_NET_ACT_ERF: return erf(x / AEDYN_SQRT2_);
    case AEDYN_NET_ACT_RELU: return x > 0.0 ? x : 0.0;
    default: return x;
    }
}

/* g'(x); for ReLU g'(0) = 0. */
static inline double aedyn__act_dg(aedyn_net_activation a, double x)
{
    switch (a) {
    case AEDYN_NET_ACT_ERF: return AEDYN_SQRT_2_OVER_PI_ * exp(-0.5 * x * x);
    case AEDYN_NET_ACT_RELU: return x > 0.0 ? 1.0 : 0.0;
    default: return 1.0;
    }
}

#endif
