/* Private ODE stepper on a flat state vector: explicit Euler, classical RK4,
 * adaptive Dormand-Prince 5(4) with dense output, and adaptive second-order
 * Runge-Kutta-Chebyshev (RKC, for the stiff but dissipative learning ODEs).
 * The dynamics module supplies the right-hand side. All memory is allocated
 * in aedyn__stepper_init; stepping allocates nothing. */
#ifndef AEDYN_STEPPER_PRIVATE_H
#define AEDYN_STEPPER_PRIVATE_H

#include "common-private.h"

/* dydt = f(y) (the learning ODEs are autonomous). Must write every entry of dydt. */
typedef void (*aedyn_rhs_fn_)(void *ctx, const double *y, double *dydt);

typedef enum {
    AEDYN_METHOD_EULER_ = 0,
    AEDYN_METHOD_RK4_ = 1,
    AEDYN_METHOD_DOPRI5_ = 2,
    AEDYN_METHOD_RKC_ = 3
} aedyn_method_;

typedef struct aedyn_stepper_ {
    size_t n;
    aedyn_method_ method;
    double h;          /* fixed step (Euler, RK4) or next trial step (adaptive; 0 = choose) */
    double rtol, atol; /* adaptive error control */
    double h_min;      /* below this an adaptive integrator reports failure */
    /* statistics */
    uint64_t nfev, nsteps, nreject;
    /* RKC: spectral radius estimate and its eigenvector guess */
    double rho_est;
    int rkc_stages_max;
    /* work space */
    double *k[7];
    double *ytmp, *ynew, *yerr, *v;
    bool fsal_valid;   /* k[0] holds f(y) of the current state */
    /* dense output of the last DOPRI5 step: y(t0 + theta h) */
    double dense_t0, dense_h;
    double *dense[5];
} aedyn_stepper_;

aedyn_status aedyn__stepper_init(aedyn_stepper_ *s, size_t n, aedyn_method_ method);
void aedyn__stepper_free(aedyn_stepper_ *s);

/* Forget cached derivatives (call after the state was changed from outside). */
void aedyn__stepper_reset(aedyn_stepper_ *s);

/* Integrate y from *t to t_end exactly (the last step is clipped). On a
 * non-finite state or a step size underflow, returns AEDYN_ERR_DIVERGED with
 * *t and y at the last finite accepted state. Allocates nothing. */
aedyn_status aedyn__stepper_advance(aedyn_stepper_ *s, aedyn_rhs_fn_ f, void *ctx, double *t,
                                    double *y, double t_end);

/* Dense output of the last accepted DOPRI5 step at time t (within that step). */
aedyn_status aedyn__stepper_dense(const aedyn_stepper_ *s, double t, double *y);

#endif
