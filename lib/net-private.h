/* The network's own layout. Included only by lib/net.c; the trainer reaches
 * the weights through net-internal.h. */
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
    double skip;  /* the skip weight c (0 without AEDYN_NET_SKIP) */
};

#endif
