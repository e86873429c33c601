/* Private ODE stepper on a flat state vector: explicit Euler, classical RK4,
 * adaptive Dormand-Prince 5(4) with dense output, adaptive second-order
 * Runge-Kutta-Chebyshev (RKC, explicit, for stiff but dissipative dynamics)
 * and variable-order implicit BDF (stepper-bdf.c, for stiff dynamics; its
 * Newton matrices come from the dynamics, or are dense for small states).
 * The dynamics module supplies the right-hand side. All memory is allocated
 * in aedyn__stepper_create and aedyn__stepper_set_method; stepping allocates
 * nothing. */
#ifndef AEDYN_STEPPER_PRIVATE_H
#define AEDYN_STEPPER_PRIVATE_H

#include "common-private.h"

/* dydt = f(y) (the learning ODEs are autonomous). Must write every entry of dydt. */
typedef void (*aedyn__rhs_fn)(void *ctx, const double *y, double *dydt);

/* Optional structured linear algebra for BDF, supplied by the dynamics
 * module (all three set, or none: then BDF uses a dense forward-difference
 * Jacobian). jacobian(ctx, y) evaluates the Jacobian at y and returns the
 * number of right-hand-side equivalents it used, or -1 when it is not
 * finite; factor(ctx, c) prepares solves with I - c J and returns false
 * when that matrix is singular; solve(ctx, b) overwrites b with
 * (I - c J)^-1 b. None may allocate. */
typedef struct {
    void *ctx;
    int (*jacobian)(void *ctx, const double *y);
    bool (*factor)(void *ctx, double c);
    void (*solve)(void *ctx, double *b);
} aedyn__linsys;

/* Counters of a stepper since its creation, over every method it used. */
typedef struct {
    uint64_t nfev;    /* right-hand sides (a structured Jacobian counts its equivalents) */
    uint64_t nsteps;  /* accepted steps */
    uint64_t nreject; /* rejected steps (error test or corrector failure) */
    uint64_t njac;    /* Jacobians (BDF) */
    uint64_t nlu;     /* factorisations of Newton matrices (BDF) */
} aedyn__stepper_stats;

/* Largest state the BDF method accepts without a structured aedyn__linsys:
 * it then stores two dense n x n matrices (64 MiB at this size) and factors
 * one in O(n^3). */
#define AEDYN_BDF_MAX_STATE_ 2048

typedef struct aedyn__stepper {
    size_t n;
    aedyn_ode_method method;
    double h;          /* fixed step (Euler, RK4), next trial step (DOPRI5, RKC) or first
                          step after a (re)start (BDF); 0 = choose */
    double rtol, atol; /* adaptive error control */
    double h_min;      /* below this an adaptive integrator reports failure */
    double h_last;     /* size of the last accepted step (0 before any) */
    aedyn__stepper_stats stats;
    /* RKC: spectral radius estimate and its eigenvector guess */
    double rho_est;
    int rkc_stages_max;
    /* BDF (stepper-bdf.c): backward differences of the solution at step
     * bdf_h, their time bdf_t, order, steps since the last change, and,
     * without ls, the dense Jacobian and LU factors of I - c J
     * (column-major n x n) */
    aedyn__linsys ls;  /* structured Newton matrices (set at creation) */
    double *bdf_d, *bdf_w, *jac, *lu;
    size_t *piv;
    double bdf_t, bdf_h, bdf_c_lu;
    int bdf_order, bdf_nequal;
    bool jac_current, jac_ok, lu_valid;
    /* work space */
    double *k[7];
    double *ytmp, *ynew, *yerr, *v;
    bool fsal_valid;   /* k[0] holds f(y) of the current state */
    /* dense output of the last DOPRI5 step: y(t0 + theta h) */
    double dense_t0, dense_h;
    double *dense[5];
} aedyn__stepper;

/* A stepper for states of n numbers using method, with the structured
 * Newton matrices ls for BDF (NULL: dense ones); rtol 1e-6, atol 1e-9,
 * step 0 (automatic). *out is untouched on failure. */
aedyn_status aedyn__stepper_create(aedyn__stepper **out, size_t n, aedyn_ode_method method,
                                   const aedyn__linsys *ls);
void aedyn__stepper_destroy(aedyn__stepper *s);

/* Switch to another method, allocating what it needs (BDF without ls:
 * AEDYN_ERR_UNSUPPORTED above AEDYN_BDF_MAX_STATE_; AEDYN_ERR_NOMEM) and
 * forgetting cached derivatives; on failure nothing changes. The
 * statistics are kept. */
aedyn_status aedyn__stepper_set_method(aedyn__stepper *s, aedyn_ode_method method);
aedyn_ode_method aedyn__stepper_get_method(const aedyn__stepper *s);

/* The fixed step of Euler and RK4, the first trial step of the adaptive
 * methods (0 = automatic); finite and >= 0, else AEDYN_ERR_INVALID. Restarts
 * the step-size control and the RKC spectral radius estimate. */
aedyn_status aedyn__stepper_set_step(aedyn__stepper *s, double h);

/* Error control of the adaptive methods (rtol > 0, atol >= 0, finite; else
 * AEDYN_ERR_INVALID and nothing changes). */
aedyn_status aedyn__stepper_set_tolerances(aedyn__stepper *s, double rtol, double atol);
void aedyn__stepper_get_tolerances(const aedyn__stepper *s, double *rtol, double *atol);

aedyn__stepper_stats aedyn__stepper_get_stats(const aedyn__stepper *s);

/* Size of the last accepted step (0 before the first); that step ended at
 * the time the last successful aedyn__stepper_advance returned, except for
 * BDF, which steps beyond its output times and interpolates. */
double aedyn__stepper_get_last_step(const aedyn__stepper *s);

/* Forget cached derivatives and the BDF history (call after the state or the
 * right-hand side was changed from outside). */
void aedyn__stepper_reset(aedyn__stepper *s);

/* Integrate y from *t to t_end exactly (the last step is clipped). On a
 * non-finite state or a step size underflow, returns AEDYN_ERR_DIVERGED with
 * *t and y at the last finite accepted state. Allocates nothing. */
aedyn_status aedyn__stepper_advance(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double *t,
                                    double *y, double t_end);

/* Dense output of the last accepted DOPRI5 step at time t (within that step). */
aedyn_status aedyn__stepper_dense(const aedyn__stepper *s, double t, double *y);

/* The BDF integration of aedyn__stepper_advance (stepper-bdf.c); needs the
 * work space of aedyn__stepper_set_method. Output inside the last step is
 * interpolated, so the state may be carried internally beyond t_end. */
aedyn_status aedyn__bdf_advance(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double *t,
                                double *y, double t_end);
aedyn_status aedyn__bdf_alloc(aedyn__stepper *s);
void aedyn__bdf_free(aedyn__stepper *s);

/* Shared by the methods: count and call f. */
static inline void aedyn__stepper_eval(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                       const double *y, double *dy)
{
    f(ctx, y, dy);
    s->stats.nfev++;
}

/* Weighted RMS norm of e with weights atol + rtol max(|y0|, |y1|). */
double aedyn__stepper_err_norm(const aedyn__stepper *s, const double *e, const double *y0,
                               const double *y1);

/* Initial step (Hairer & Wanner's heuristic for order p); k[0] = f(y) valid. */
double aedyn__stepper_initial_step(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                                   const double *y, double span, int p);

#endif
