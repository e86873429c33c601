/* Private layout of the ODE and its right-hand side (for tests). */
#ifndef AEDYN_ODE_PRIVATE_H
#define AEDYN_ODE_PRIVATE_H

#include "common-private.h"
#include "ode-internal.h"
#include "stepper-internal.h"

#define AEDYN__N_TARGETS 6 /* the values of aedyn_schedule_target */

struct aedyn_ode {
    size_t D, K, P;          /* input dimension, hidden units, modes */
    aedyn_net_activation act;
    bool has_bias;
    aedyn_sgd_rule rule;
    double eta_w, eta_v, eta_b, kappa;
    double trace;            /* Tr Omega with full multiplicities */
    double *rho;             /* P eigenvalues of the modes */
    /* denoising autoencoder (docs/theory.md, "Denoising autoencoders") */
    double a, sigma_n;       /* the constants: xtilde = a x + sigma_n xi */
    double eta_c;            /* the skip's rate, when set (eta_c_set) */
    bool eta_c_set;
    bool has_skip;           /* the state ends with the skip weight c */
    bool dae;                /* a != 1, sigma_n != 0, a skip, or their schedules */
    aedyn_schedule *sched[AEDYN__N_TARGETS]; /* the ODE's copies, or NULL */
    size_t n_sched;
    double seg_end;          /* schedules are read left of it (the next breakpoint) */
    aedyn_status sched_err;  /* a schedule's bad value met by the right-hand side */
    char sched_msg[200];     /* and its message */
    uint64_t n_breaks;       /* breakpoints a step ended on */
    /* the values at the time of the last prepare(): rates, noise, scale
     * (indexed by aedyn_schedule_target) and the skip weight */
    double cur[AEDYN__N_TARGETS];
    double cskip;
    double *rq, *rk;         /* P each: the input variance a^2 rho + sigma_n^2 and the
                                corrected covariance kappa = a rho - c rq of each mode
                                (both == rho for the plain autoencoder) */
    double *sbuf;            /* 2 P: where rq, rk live for a denoising autoencoder */
    double *Rt;              /* K: diagonal of Rtilde = sum rq s w^T / D (skip only) */
    bool *is_eig;            /* P: mode is an eigenvector of the data model */
    double *U;               /* P x D orthonormal mode directions */
    size_t n_state;          /* 2 P K + K (+ 1 with a skip) */
    double *y;               /* state: wt (P x K), s (P x K), beta (K) (, c) */
    double t;
    aedyn__stepper *st;      /* integrates y: method, tolerances, step, statistics */
    /* user activation for the generic path */
    aedyn_ode_act_fn ug, udg, uddg;
    void *user;
    /* right-hand-side workspace (K x K each unless noted) */
    double *Q, *R, *T, *T0, *C, *G;
    double *A, *bdrift;      /* K each */
    void *gauss_ws;          /* quadrature workspace of the generic path */
    aedyn__ode_jac *jac;     /* made when BDF is chosen */
};

/* State offsets. */
static inline double *aedyn__ode_wt(const aedyn_ode *o, double *y) { (void)o; return y; }
static inline double *aedyn__ode_s(const aedyn_ode *o, double *y) { return y + o->P * o->K; }
static inline double *aedyn__ode_beta(const aedyn_ode *o, double *y) { return y + 2 * o->P * o->K; }
/* Index of the skip weight in the state (has_skip only). */
static inline size_t aedyn__ode_skip_index(const aedyn_ode *o) { return 2 * o->P * o->K + o->K; }

/* Read the schedules at t (left of o->seg_end), the skip weight of y, and
 * the per-mode spectra rq, rk: everything the right-hand side's parts take
 * from the time and from outside the modes. A schedule's bad value is
 * returned (and the constants used). */
aedyn_status aedyn__ode_prepare(aedyn_ode *o, double t, const double *y);

/* aedyn_ode_create with a choice: reduce == false keeps every explicit
 * eigenvector as its own mode (only the implicit complement is still reduced);
 * the exactness tests compare both. */
aedyn_status aedyn__ode_create_ex(aedyn_ode **out, const aedyn_net *net, const aedyn_data *data,
                                  aedyn_sgd_rule rule, double lr, bool reduce);

/* dydt = f(y): the right-hand side (allocates nothing): moments, then
 * coefficients, then the sweep over the modes. */
void aedyn__ode_rhs(void *ode, double t, const double *y, double *dydt);

/* The last part of the right-hand side: dydt from y with the coefficients
 * A, C, G, bdrift already in o. */
void aedyn__ode_sweep(const aedyn_ode *o, const double *y, double *dydt);

/* True when the coefficients need the generic path (bias or user activation). */
bool aedyn__ode_generic(const aedyn_ode *o);

/* Fill Q, R, T, T0 of o from the state y; for a denoising autoencoder Q is
 * that of the noisy input (Qtilde), R the corrected R_kappa, and Rt is
 * filled (docs/theory.md), with the spectra of the last prepare(). */
void aedyn__ode_moments(aedyn_ode *o, const double *y);

/* Fill the coefficients A, C, G, bdrift from o->Q, R, T0 and the biases in y,
 * by closed forms (generic == false, activations without bias only) or by the
 * general Stein form with Gaussian quadrature (generic == true). */
void aedyn__ode_coefficients(aedyn_ode *o, const double *y, bool generic);

/* The structured Jacobian of o->jac (forward differences) and the Woodbury
 * solves of I - c J that the BDF stepper calls through aedyn__linsys
 * (ode-jac.c; create, destroy and the dense assembly are in ode-internal.h). */
int aedyn__ode_jac_eval(void *ode, double t, const double *y);
bool aedyn__ode_jac_factor(void *ode, double c);
void aedyn__ode_jac_solve(void *ode, double *b);

#endif
