/* The ODE module's interface to the analyses that sit on top of it: the
 * fixed points, stability and plateaus of lib/analysis.c, and the
 * linear-noise theory of the band, lib/band.c.
 *
 * An analysis borrows an ODE and evaluates its right-hand side, its
 * structured Jacobian, its error and its order parameters at states of its
 * own, in the ODE's layout (wt: P x K, s: P x K, beta: K, then the skip
 * weight c with AEDYN_NET_SKIP), at the ODE's current time. These calls use
 * the ODE's workspace (the order parameters and coefficients of the last
 * evaluation), as the public observables do, but change neither its state,
 * its time nor its stepper: the Jacobian lives in a handle of the caller's.
 *
 * The band uses the coefficients of the mode equations (docs/theory.md
 * section 5) at order parameters given directly, and the linear map of one
 * mode, so that other coordinates of the same dynamics (the reduced chain's)
 * are driven by the ODE's own right-hand side (the plain autoencoder only:
 * no denoising, no skip connection).
 *
 * The layout of the ODE stays in ode-private.h. */
#ifndef AEDYN_ODE_INTERNAL_H
#define AEDYN_ODE_INTERNAL_H

#include "common-private.h"

/* What an analysis reads of an ODE (pointers into the ODE, valid while it
 * lives; y is its current state). */
typedef struct aedyn__ode_view {
    size_t D, K, P, n_state;
    aedyn_net_activation act;
    aedyn_sgd_rule rule;
    bool has_bias, has_skip;
    bool user_activation;     /* aedyn_ode_set_activation() replaced the activation */
    size_t n_schedules;       /* schedules attached: the dynamics depend on t */
    double eta_w, eta_v, eta_b, kappa;
    double t;
    const double *rho;        /* P eigenvalues of the modes */
    const double *U;          /* P x D orthonormal mode directions */
    const double *y;          /* the current state (n_state) */
} aedyn__ode_view;

aedyn__ode_view aedyn__ode_get_view(const aedyn_ode *o);

/* f = dy/dt at the state y (n_state each), at the ODE's current time.
 * AEDYN_ERR_INVALID when a schedule has a bad value there. */
aedyn_status aedyn__ode_eval(aedyn_ode *o, const double *y, double *f);

/* The structured Jacobian J = blockdiag(L_tau) + U V^T (ode-jac.c): a
 * handle of its own per user (BDF keeps one in the ODE). */
typedef struct aedyn__ode_jac aedyn__ode_jac;
aedyn_status aedyn__ode_jac_create(const aedyn_ode *o, aedyn__ode_jac **out);
void aedyn__ode_jac_destroy(aedyn__ode_jac *j);

/* The Jacobian at y assembled into the dense n_state x n_state row-major J,
 * J[i * n + j] = d f_i / d y_j, from its structure: the blocks L_tau exactly,
 * V = dm/dy exactly and U = df/dm by central differences in the p order
 * parameters (one-sided second-order differences for a diagonal of Q or T0
 * too close to 0 to step below it), accurate to about 1e-10 relative where
 * BDF's forward differences give 1e-8. Costs 2 p evaluations of the
 * coefficients and the sweep, and one n x n x p product.
 * AEDYN_ERR_INVALID (a schedule's bad value), AEDYN_ERR_DIVERGED (J not
 * finite). */
aedyn_status aedyn__ode_jac_dense(aedyn_ode *o, aedyn__ode_jac *j, const double *y, double *J);

/* The population error (with the 1/2) and the order parameters Q, R, T, T0
 * (K x K each, NULL to skip; those of the clean data, as
 * aedyn_ode_order_params()) of the network whose state is y. */
aedyn_status aedyn__ode_error_at(aedyn_ode *o, const double *y, double *err);
aedyn_status aedyn__ode_order_params_at(aedyn_ode *o, const double *y, double *Q, double *R,
                                        double *T, double *T0);

/* ---- for the band ---- */

/* Evaluate the coefficients A, C, G and the bias drift at time t (the
 * schedules' values), order parameters Q, R, T0 (K x K) and biases beta
 * (K), as the right-hand side does. Returns a schedule's bad value (the
 * constants are then used). */
aedyn_status aedyn__ode_coefficients_at(aedyn_ode *o, double t, const double *Q, const double *R,
                                        const double *T0, const double *beta);

/* The 2K x 2K matrix L (row-major) of d(wt_tau, s_tau)/dt = L (wt_tau, s_tau)
 * for a mode of eigenvalue rho, at the last coefficients (weight decay
 * included). */
void aedyn__ode_mode_map(const aedyn_ode *o, double rho, double *L);

/* The biases' drift d beta/dt (K; zeros without trained biases) at the last
 * coefficients. */
void aedyn__ode_bias_drift(const aedyn_ode *o, double *db);

/* The encoder, decoder and bias rates at the time of the last coefficients
 * (the schedules' values there), and the weight decay. */
void aedyn__ode_current_rates(const aedyn_ode *o, double *eta_w, double *eta_v, double *eta_b,
                              double *kappa);

/* The first breakpoint of the schedules strictly after t (+infinity: none),
 * and the end of the segment being integrated: at t >= seg_end the schedules
 * are read just left of it, so that a step ending on a breakpoint sees the
 * values before it (aedyn_ode_advance's segments; INFINITY: none). */
double aedyn__ode_next_breakpoint(const aedyn_ode *o, double t);
void aedyn__ode_set_segment_end(aedyn_ode *o, double seg_end);

#endif
