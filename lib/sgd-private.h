/* The trainer's own layout; included only by lib/sgd.c (the ODE starts
 * from a trainer through its public getters). */
#ifndef AEDYN_SGD_PRIVATE_H
#define AEDYN_SGD_PRIVATE_H

#include <stdint.h>
#include "common-private.h"
#include "net-internal.h"

#define AEDYN__N_TARGETS 6 /* the values of aedyn_schedule_target */

struct aedyn_sgd {
    aedyn_net *net;     /* borrowed */
    aedyn__net_view nv; /* its sizes and weight arrays (they never move) */
    aedyn_data *data;   /* borrowed */
    aedyn_rng *rng;     /* borrowed */
    aedyn_sgd_rule rule;
    double eta_w, eta_v, eta_b, kappa; /* the constants set by the caller */
    double a, sigma_n;  /* denoising: xtilde = a x + sigma_n xi */
    double eta_c;       /* the skip's rate, when set (eta_c_set) */
    bool eta_c_set;
    aedyn_schedule *sched[AEDYN__N_TARGETS]; /* the trainer's copies, or NULL */
    size_t n_sched;
    /* the values of the next step: the constants, or the schedules at t */
    double cur[AEDYN__N_TARGETS]; /* indexed by aedyn_schedule_target */
    uint64_t steps;
    /* workspace, allocated once in create */
    double *buf;        /* 6 D: two input buffers, two error buffers, two noisy inputs */
    double *scratch;    /* the data model's sampling scratch (aedyn__data_scratch_size), so
                           that trainers in several threads may share one data model */
    double *delta;      /* D: the current reconstruction error / residual */
    double *lam, *g, *dg, *vd, *part; /* K each: fields, g, g', v^k . delta_k, scratch */
    /* An untied step's rank-one updates W += c_w x^T, V += c_v delta^T (times
     * the decay) are deferred inside aedyn_sgd_step() and applied while the
     * next step streams through W and V; every public call ends with none
     * pending, so the network is always up to date between calls. */
    bool pend_w, pend_v;
    const double *xp, *dp; /* the pending step's input and error */
    double *cw, *cv;       /* K each: the pending coefficients */
    double decp;           /* the pending decay factor */
};

#endif
