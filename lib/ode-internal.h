/* The ODE module's interface to the analyses built on it (the linear-noise
 * theory of the band, lib/band.c): the coefficients of the mode equations
 * (docs/theory.md section 5) at order parameters given directly, and the
 * linear map of one mode, so that other coordinates of the same dynamics
 * (the reduced chain's) are driven by the ODE's own right-hand side. The
 * plain autoencoder only (no denoising, no skip connection). */
#ifndef AEDYN_ODE_INTERNAL_H
#define AEDYN_ODE_INTERNAL_H

#include "common-private.h"

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

#endif
