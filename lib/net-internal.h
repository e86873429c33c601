/* The network's interface to the trainer, which updates the weights in place
 * in its hot loop: a view of the sizes, the activation and the weight arrays.
 * The arrays live as long as the network and never move. */
#ifndef AEDYN_NET_INTERNAL_H
#define AEDYN_NET_INTERNAL_H

#include "common-private.h"

typedef struct aedyn__net_view {
    size_t D, K;
    aedyn_net_activation act;
    bool tied, has_bias, has_skip;
    double *W;    /* K x D encoder rows */
    double *V;    /* K x D decoder vectors; == W for a tied network */
    double *bias; /* K (zeros without a trained bias) */
    double *skip; /* the skip weight c (stays 0 without a skip connection) */
} aedyn__net_view;

aedyn__net_view aedyn__net_get_view(aedyn_net *net);

#endif
