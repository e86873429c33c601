/* The ODE stepper on a flat state vector: explicit Euler and classical
 * RK4 (stepper-fixed.c), adaptive Dormand-Prince 5(4) with dense output
 * (stepper-dopri5.c), adaptive second-order Runge-Kutta-Chebyshev (RKC,
 * explicit, for stiff but dissipative dynamics; stepper-rkc.c) and
 * variable-order implicit BDF (stepper-bdf.c, for stiff dynamics; its Newton
 * matrices come from the dynamics, or are dense for small states). The
 * dynamics module supplies the right-hand side.
 *
 * This is the stepper module's interface to the other modules (the ODE):
 * functions on an opaque handle. Its layout and the methods' operations are
 * in stepper-private.h, for the stepper's own files. A method is a table of operations
 * (aedyn__stepper_ops) with a state of its own that no other method reads;
 * the handle (aedyn__stepper) holds what all methods share: the size, the
 * tolerances, the step setting, the statistics and the structured linear
 * system. stepper.c registers the methods in a table indexed by
 * aedyn_ode_method and keeps the helpers they share.
 *
 * All memory is allocated in aedyn__stepper_create and
 * aedyn__stepper_set_method; stepping allocates nothing.
 *
 * No call loops without progress. Every step is finite and > 0 and
 * advances t; an adaptive step reduced after a failure below the floor
 * h_min max(1, |t|) ends the call. The outcomes are distinct: invalid
 * settings or times give AEDYN_ERR_INVALID; a state or right-hand side that
 * is not finite (also when every trial step down to the floor met one)
 * gives AEDYN_ERR_DIVERGED; a finite state on which the method cannot make
 * progress (step size underflow of the error test, a Newton corrector that
 * does not converge at the floor, more stiffness than RKC can take) gives
 * AEDYN_ERR_NUMERIC. On every failure *t and y are the last finite
 * accepted state. */
#ifndef AEDYN_STEPPER_INTERNAL_H
#define AEDYN_STEPPER_INTERNAL_H

#include "common-private.h"

/* dydt = f(t, y) (the learning ODEs depend on t only through schedules of
 * their rates and noise). Must write every entry of dydt. */
typedef void (*aedyn__rhs_fn)(void *ctx, double t, const double *y, double *dydt);

/* Optional structured linear algebra for BDF, supplied by the dynamics
 * module (all three set, or none: then BDF uses a dense forward-difference
 * Jacobian). jacobian(ctx, t, y) evaluates the Jacobian at (t, y) and returns the
 * number of right-hand-side equivalents it used, or -1 when it is not
 * finite; factor(ctx, c) prepares solves with I - c J and returns false
 * when that matrix is singular; solve(ctx, b) overwrites b with
 * (I - c J)^-1 b. None may allocate. */
typedef struct {
    void *ctx;
    int (*jacobian)(void *ctx, double t, const double *y);
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
    uint64_t nswitch; /* switches of the automatic method */
} aedyn__stepper_stats;

/* Largest state the BDF method accepts without a structured aedyn__linsys:
 * it then stores two dense n x n matrices (64 MiB at this size) and factors
 * one in O(n^3). */
#define AEDYN__BDF_MAX_STATE 2048

typedef struct aedyn__stepper aedyn__stepper;

/* A stepper for states of n numbers using method, with the structured
 * Newton matrices ls for BDF (NULL: dense ones); rtol 1e-6, atol 1e-9,
 * step 0 (automatic). *out is untouched on failure. */
aedyn_status aedyn__stepper_create(aedyn__stepper **out, size_t n, aedyn_ode_method method,
                                   const aedyn__linsys *ls);
void aedyn__stepper_destroy(aedyn__stepper *s);

/* Switch to another method (or the same one again), allocating what it
 * needs the first time (BDF without ls: AEDYN_ERR_UNSUPPORTED above
 * AEDYN__BDF_MAX_STATE; AEDYN_ERR_NOMEM), forgetting cached derivatives and
 * restarting its step control from the step setting; on failure nothing
 * changes. The statistics are kept. May be called between any two
 * advances. */
aedyn_status aedyn__stepper_set_method(aedyn__stepper *s, aedyn_ode_method method);
aedyn_ode_method aedyn__stepper_get_method(const aedyn__stepper *s);

/* The step setting (see struct aedyn__stepper); finite and >= 0, else
 * AEDYN_ERR_INVALID. Restarts the step-size control of the current method
 * (and the RKC spectral radius estimate). */
aedyn_status aedyn__stepper_set_step(aedyn__stepper *s, double h);
double aedyn__stepper_get_step(const aedyn__stepper *s);

/* Error control of the adaptive methods: weights atol + rtol |y|, with
 * rtol > 0 and atol > 0, finite; else AEDYN_ERR_INVALID and nothing
 * changes. atol = 0 (pure relative control) is refused: the learning
 * states have components that are 0 or at rounding level (untrained
 * biases, directions the weights hardly span), whose relative error is
 * noise, so the steps would collapse. */
aedyn_status aedyn__stepper_set_tolerances(aedyn__stepper *s, double rtol, double atol);
void aedyn__stepper_get_tolerances(const aedyn__stepper *s, double *rtol, double *atol);

aedyn__stepper_stats aedyn__stepper_get_stats(const aedyn__stepper *s);

/* Switch i (< min(nswitch, AEDYN_ODE_MAX_SWITCHES)) of the automatic method:
 * its time and the method it switched to; AEDYN_ERR_SIZE when there is no
 * such switch. */
aedyn_status aedyn__stepper_get_switch(const aedyn__stepper *s, size_t i, double *t,
                                       aedyn_ode_method *m);

/* Size of the last accepted step (0 before the first); that step ended at
 * the time the last successful aedyn__stepper_advance returned, except for
 * BDF, which steps beyond its output times and interpolates. */
double aedyn__stepper_get_last_step(const aedyn__stepper *s);

/* Forget cached derivatives and the BDF history (call after the state or the
 * right-hand side was changed from outside). */
void aedyn__stepper_reset(aedyn__stepper *s);

/* Integrate y from *t to t_end exactly (the last step is clipped, or, for
 * BDF, the output interpolated). Returns AEDYN_ERR_INVALID (times not finite
 * or backwards, a fixed step below the floor or needing more than 2^52
 * steps), AEDYN_ERR_DIVERGED or AEDYN_ERR_NUMERIC as described at the top;
 * on failure *t and y are the last finite accepted state. Allocates
 * nothing. */
aedyn_status aedyn__stepper_advance(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double *t,
                                    double *y, double t_end);

/* At most one accepted step of aedyn__stepper_advance from *t towards
 * t_end (DOPRI5 only: AEDYN_ERR_UNSUPPORTED otherwise), so that a caller can
 * follow the method's own steps, e.g. with aedyn__stepper_dense over each.
 * The steps are those of one aedyn__stepper_advance to t_end. *h_lambda
 * (optional) is h times the method's estimate of the modulus of the
 * dominant eigenvalue of the Jacobian over that step, or NaN for the step
 * that lands on t_end (the method's monitor sees only the steps before it,
 * stepper-private.h). */
aedyn_status aedyn__stepper_step(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double *t,
                                 double *y, double t_end, double *h_lambda);

/* Dense output of the last accepted step at time t (within that step), for
 * methods that have one (DOPRI5). */
aedyn_status aedyn__stepper_dense(const aedyn__stepper *s, double t, double *y);

#endif
