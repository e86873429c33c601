/* The replica ensemble's own layout; included only by lib/replicas.c. */
#ifndef AEDYN_REPLICAS_PRIVATE_H
#define AEDYN_REPLICAS_PRIVATE_H

#include <stdint.h>
#include "common-private.h"

/* One replica: its network and trainer (full SGD) or its reduced chain, its
 * generator, what it escaped at, and its failure (with the message of the
 * thread that ran it). */
typedef struct aedyn__replica {
    aedyn_rng *rng;
    aedyn_net *net;
    aedyn_sgd *sgd;
    aedyn_chain *chain;
    double t_escape;   /* +infinity until it escapes */
    aedyn_status status;
    char message[480];
} aedyn__replica;

struct aedyn_replicas {
    size_t R, D, K, n_values;
    const aedyn_data *data; /* the template's, borrowed */
    bool reduced;           /* reduced chains instead of trainers */
    aedyn__replica *rep;    /* R */
    double *values;         /* R x n_values, measured after every step */
    size_t n_threads;
    uint64_t steps;         /* of every replica that has not failed */
    bool stepped;           /* a step was taken (init_gaussian is refused then) */
    double level, dt;       /* escape level and check interval (NaN: none) */
    uint64_t every;         /* check interval in steps (0: none) */
};

#endif
