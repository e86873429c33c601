/* The stepper module's own layout (see stepper-internal.h for what it does):
 * the table of operations of one method, with a state of its own that no
 * other method reads, and the handle's fields that all methods share.
 * Included only by lib/stepper.c and the method files lib/stepper-*.c. */
#ifndef AEDYN_STEPPER_PRIVATE_H
#define AEDYN_STEPPER_PRIVATE_H

#include <float.h>
#include "stepper-internal.h"

/* Largest step any method takes: when the error estimates vanish (f = 0,
 * or a state at rest) steps grow without bound, and t + h must stay finite
 * for every representable t_end up to about 1.6e308. */
#define AEDYN__STEP_MAX (DBL_MAX / 16.0)

/* Called by a method after each accepted step that ends before t_end, with
 * the new time and state, the step taken and an estimate of h times the
 * dominant eigenvalue of the Jacobian (DOPRI5's stage estimate; NaN when the
 * method has none); returns true to end the advance there (the method then
 * returns AEDYN_OK with *t and y at that step, before t_end). */
typedef bool (*aedyn__step_monitor)(void *mctx, double t, const double *y, double h,
                                    double h_lambda);

/* One integration method. The state is the method's own: alloc makes it for
 * states of n numbers (ls: the structured linear system, or NULL), free
 * releases it (NULL is a no-op). reset forgets what was cached about the
 * current state (derivatives, history), because the state or the
 * right-hand side changed from outside. restart makes the next advance
 * begin its step-size control from h (the step setting; 0 = choose). advance
 * integrates y from *t to t_end > *t, landing on t_end, and updates the
 * common statistics in s; it allocates nothing and, on failure, leaves *t
 * and y at the last finite accepted state. dense (NULL when the method has
 * none) evaluates the continuous extension of the last accepted step. */
typedef struct aedyn__stepper_ops {
    aedyn_ode_method method;
    const char *name;
    bool adaptive; /* error control by rtol and atol; else steps of exactly h > 0 */
    aedyn_status (*alloc)(void **state, size_t n, const aedyn__linsys *ls);
    void (*free)(void *state);
    void (*reset)(void *state);
    void (*restart)(void *state, double h);
    aedyn_status (*advance)(void *state, aedyn__stepper *s, aedyn__rhs_fn f, void *ctx,
                            double *t, double *y, double t_end);
    aedyn_status (*dense)(const void *state, double t, double *y);
    /* Optional (NULL when the method has none): watch every accepted step
     * (m NULL: stop watching); the automatic method uses it to switch. */
    void (*set_monitor)(void *state, aedyn__step_monitor m, void *mctx);
} aedyn__stepper_ops;

/* The methods (one file each; stepper.c indexes them by aedyn_ode_method). */
extern const aedyn__stepper_ops aedyn__stepper_euler, aedyn__stepper_rk4, aedyn__stepper_dopri5,
    aedyn__stepper_rkc, aedyn__stepper_bdf, aedyn__stepper_auto;

#define AEDYN__STEPPER_N_METHODS (AEDYN_ODE_AUTO + 1)

/* What the methods share. The methods read the settings and update stats
 * and h_last; other modules go through the functions below. */
struct aedyn__stepper {
    size_t n;
    double h;          /* step setting: the fixed step (Euler, RK4), the first trial
                          step (DOPRI5, RKC) or the first step after a (re)start
                          (BDF); 0 = choose */
    double rtol, atol; /* adaptive error control */
    double h_min;      /* relative floor of adaptive steps: h_min max(1, |t|) */
    double h_last;     /* size of the last accepted step (0 before any) */
    aedyn__stepper_stats stats;
    aedyn__linsys ls;  /* structured Newton matrices (zero: none) */
    const aedyn__stepper_ops *ops; /* the current method */
    void *state;                   /* its state */
    /* the state of every method used so far, kept until destroyed: switching
     * back needs no allocation and finds the method as it was left */
    void *states[AEDYN__STEPPER_N_METHODS];
    /* the switches of the automatic method: time and method switched to */
    double switch_t[AEDYN_ODE_MAX_SWITCHES];
    aedyn_ode_method switch_m[AEDYN_ODE_MAX_SWITCHES];
};

/* Record a switch of the automatic method at time t to method m. */
void aedyn__stepper_log_switch(aedyn__stepper *s, double t, aedyn_ode_method m);

/* Spectral radius of the Jacobian of f at y by a nonlinear power method on
 * differences of f (f0 = f(y) valid; each iteration costs one evaluation,
 * at most 50), times 1.2 for safety. v (n) is the eigenvector guess, kept
 * between calls (all zero: start from f0); z, fz (n each) are scratch. */
double aedyn__stepper_spectral_radius(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                                      const double *y, const double *f0, double *v, double *z,
                                      double *fz);

/* ---- shared by the methods ---- */

/* Count and call f. */
static inline void aedyn__stepper_eval(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                                       const double *y, double *dy)
{
    f(ctx, t, y, dy);
    s->stats.nfev++;
}

/* Smallest adaptive step at time t after a failure: h_min max(1, |t|)
 * (1e-12 relative, far above the resolution of t). */
static inline double aedyn__stepper_floor(const aedyn__stepper *s, double t)
{
    return s->h_min * fmax(1.0, fabs(t));
}

/* Weighted RMS norm of e with weights atol + rtol max(|y0|, |y1|) (> 0:
 * atol > 0 is required). */
double aedyn__stepper_err_norm(const aedyn__stepper *s, const double *e, const double *y0,
                               const double *y1);

/* The same weights, largest component instead of the mean square: BDF's
 * error test (docs/ode.md: its global error stays within a few rtol only
 * when no component may exceed the tolerance, whereas the mean square over
 * thousands of components lets the few that carry the order parameters
 * drift). */
double aedyn__stepper_err_max(const aedyn__stepper *s, const double *e, const double *y0,
                              const double *y1);

/* Initial step for a method of order p (Hairer & Wanner's heuristic), at
 * most span, always finite and > 0: f0 = f(y) on entry (finite), ytmp and
 * f1 are scratch (n each). */
double aedyn__stepper_initial_step(aedyn__stepper *s, aedyn__rhs_fn f, void *ctx, double t,
                                   const double *y, const double *f0, double *ytmp, double *f1,
                                   double span, int p);

/* The failures every method reports alike (see the top of this file), for
 * the current method of s at time t:
 * - the right-hand side at the accepted state is not finite (DIVERGED);
 * - the step was reduced below the floor to h, and the last trial met
 *   non-finite values (nonfinite: DIVERGED) or failed for the reason why
 *   (NUMERIC), e.g. "the error test fails";
 * - a step h that does not advance t (NUMERIC). */
aedyn_status aedyn__stepper_rhs_not_finite(const aedyn__stepper *s, double t);
aedyn_status aedyn__stepper_collapse(const aedyn__stepper *s, double t, double h, bool nonfinite,
                                     const char *why);
aedyn_status aedyn__stepper_no_progress(const aedyn__stepper *s, double t, double h);

/* count vectors of n numbers (at least one each) in one zeroed block:
 * v[i] = block + i n; returns the block (to free) or NULL. */
double *aedyn__stepper_vectors(size_t n, size_t count, double **v);

#endif
