/* Denoising autoencoders (docs/theory.md, "Denoising autoencoders"): the
 * ODE's right-hand side against the Monte-Carlo drift of the trainer, the
 * exact reduction of degenerate groups, the population error against
 * Monte-Carlo, the closed-form optimum of the linear denoiser, and the ODE
 * against the mean of SGD runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ode-private.h"
#include "testutil.h"

/* ---- drift --------------------------------------------------------------------- */

/* Skip connection: none, fixed (eta_c = 0) or trained. */
enum { SKIP_NONE, SKIP_FIXED, SKIP_TRAIN };

typedef struct {
    aedyn_net_activation act;
    unsigned flags; /* AEDYN_NET_BIAS or 0 */
    aedyn_sgd_rule rule;
    int skip;
    double a, sigma_n;
} dcase;

/* Drift test: the ODE's right-hand side equals D times the expected change
 * of one SGD step of the trainer from fixed weights (exact at any D for
 * Gaussian inputs and noise, by Stein's lemma), projected on the modes
 * (w~ = w.e, s = v.e/sqrt D), for the biases and the skip weight. The mean
 * is over N = 1e5 steps, each from the same weights on a fresh clean input
 * (the trainer draws the noise). A component passes when |RHS - mean| <= 4.5
 * standard errors of the mean + 1e-12; with about 30-50 components per case
 * and 18 cases, a false alarm at 4.5 SE has probability ~ 1e-5 x 800 < 1 %
 * (fixed seeds make it reproducible). The weights are informed plus noise so
 * that R and the off-diagonal T0 are O(1); the three learning rates and
 * eta_c differ, so each one's placement is checked. */
static double drift_case(const dcase *c)
{
    const size_t D = 60, K = 2, N = 100000;
    const double eta_w = 1.0, eta_v = 0.7, eta_b = 0.5, eta_c = 0.8, c0 = 0.3;
    aedyn_rng *rng;
    aedyn_data *d;
    aedyn_sgd *sgd;
    aedyn_ode *o;
    aedyn_net *net;
    const unsigned flags = c->flags | (c->skip != SKIP_NONE ? AEDYN_NET_SKIP : 0u);
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 1234, 0));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                                AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, c->act, flags));
    ck_assert_aedyn_ok(aedyn_net_init_informed(net, d));
    double *W0 = malloc(K * D * sizeof *W0), *V0 = malloc(K * D * sizeof *V0);
    double *W = malloc(K * D * sizeof *W), *V = malloc(K * D * sizeof *V);
    double *E = malloc(K * D * sizeof *E), b0[2] = {0.0, 0.0}, b[2];
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, E, NULL, NULL)); /* rows e_0, e_1 */
    const double sD = sqrt((double)D);
    for (size_t i = 0; i < D; i++) {
        W0[i] = 0.9 * E[i] + 0.3 * aedyn_rng_normal(rng);
        W0[D + i] = 0.6 * E[D + i] - 0.4 * E[i] + 0.3 * aedyn_rng_normal(rng);
        V0[i] = sD * (0.8 * E[i] + 0.5 * E[D + i]) + 0.7 * aedyn_rng_normal(rng);
        V0[D + i] = sD * (1.1 * E[D + i] - 0.3 * E[i]) + 0.7 * aedyn_rng_normal(rng);
    }
    const bool bias = (c->flags & AEDYN_NET_BIAS) != 0;
    if (bias) {
        b0[0] = 0.3;
        b0[1] = -0.4;
    }
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, W0, V0, bias ? b0 : NULL));
    if (c->skip != SKIP_NONE)
        ck_assert_aedyn_ok(aedyn_net_set_skip(net, c0));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, d, rng, c->rule, 1.0));
    ck_assert_aedyn_ok(aedyn_sgd_set_learning_rates(sgd, eta_w, eta_v, eta_b));
    ck_assert_aedyn_ok(aedyn_sgd_set_denoising(sgd, c->a, c->sigma_n));
    if (c->skip != SKIP_NONE)
        ck_assert_aedyn_ok(aedyn_sgd_set_skip_rate(sgd, c->skip == SKIP_TRAIN ? eta_c : 0.0));
    ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&o, sgd));
    const size_t P = o->P, n = o->n_state;
    ck_assert_uint_eq(n, 2 * P * K + K + (c->skip != SKIP_NONE));
    double *rhs = malloc(n * sizeof *rhs), *sum = calloc(n, sizeof *sum),
           *sum2 = calloc(n, sizeof *sum2), *dy = malloc(n * sizeof *dy), *x = malloc(D * sizeof *x);
    aedyn__ode_rhs(o, 0.0, o->y, rhs);
    for (size_t it = 0; it < N; it++) {
        ck_assert_aedyn_ok(aedyn_net_set_weights(net, W0, V0, bias ? b0 : NULL));
        if (c->skip != SKIP_NONE)
            ck_assert_aedyn_ok(aedyn_net_set_skip(net, c0));
        ck_assert_aedyn_ok(aedyn_data_sample(d, rng, 1, x));
        ck_assert_aedyn_ok(aedyn_sgd_step_input(sgd, x));
        ck_assert_aedyn_ok(aedyn_net_get_weights(net, W, V, b));
        for (size_t tau = 0; tau < P; tau++)
            for (size_t k = 0; k < K; k++) {
                double pw = 0.0, pv = 0.0;
                for (size_t i = 0; i < D; i++) {
                    pw += (W[k * D + i] - W0[k * D + i]) * o->U[tau * D + i];
                    pv += (V[k * D + i] - V0[k * D + i]) * o->U[tau * D + i];
                }
                dy[tau * K + k] = pw * (double)D;
                dy[P * K + tau * K + k] = pv / sD * (double)D;
            }
        for (size_t k = 0; k < K; k++)
            dy[2 * P * K + k] = (b[k] - b0[k]) * (double)D;
        if (c->skip != SKIP_NONE) {
            double c1;
            ck_assert_aedyn_ok(aedyn_net_get_skip(net, &c1));
            dy[2 * P * K + K] = (c1 - c0) * (double)D;
        }
        for (size_t i = 0; i < n; i++) {
            sum[i] += dy[i];
            sum2[i] += dy[i] * dy[i];
        }
    }
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double mean = sum[i] / (double)N, var = fmax(sum2[i] / (double)N - mean * mean, 0.0);
        const double se = sqrt(var / (double)N), diff = fabs(rhs[i] - mean);
        ck_assert_msg(diff <= 4.5 * se + 1e-12,
                      "act %d flags %u rule %d skip %d a %g sigma %g: component %zu of %zu: "
                      "RHS %.6g, SGD %.6g +- %.2g", c->act, c->flags, c->rule, c->skip, c->a,
                      c->sigma_n, i, n, rhs[i], mean, se);
        worst = fmax(worst, diff <= 1e-12 ? 0.0 : diff / se);
    }
    free(rhs); free(sum); free(sum2); free(dy); free(x);
    free(W0); free(V0); free(W); free(V); free(E);
    aedyn_sgd_destroy(sgd);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    aedyn_data_destroy(d);
    aedyn_rng_destroy(rng);
    return worst;
}

static const dcase dcases[] = {
    {AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA, SKIP_NONE, 1.0, 0.7},
    {AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA, SKIP_TRAIN, 0.8, 0.6},
    {AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_TRUNCATED, SKIP_FIXED, 0.8, 0.6},
    {AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, SKIP_NONE, 0.8, 0.6},
    {AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, SKIP_FIXED, 1.0, 1.0},
    {AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, SKIP_TRAIN, 0.8, 0.6},
    {AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_TRUNCATED, SKIP_NONE, 1.0, 0.5},
    {AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_TRUNCATED, SKIP_TRAIN, 0.8, 0.6},
    {AEDYN_NET_ACT_ERF, AEDYN_NET_BIAS, AEDYN_SGD_VANILLA, SKIP_TRAIN, 0.8, 0.6},
    {AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_VANILLA, SKIP_NONE, 0.8, 0.6},
    {AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_VANILLA, SKIP_FIXED, 1.0, 0.8},
    {AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_VANILLA, SKIP_TRAIN, 0.8, 0.6},
    {AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_TRUNCATED, SKIP_TRAIN, 0.8, 0.6},
    {AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, SKIP_TRAIN, 1.0, 0.0}, /* a skip, no noise */
};
#define N_DCASES (int)(sizeof dcases / sizeof dcases[0])

START_TEST(drift_matches_sgd)
{
    const double worst = drift_case(&dcases[_i]);
    printf("denoising drift act %d flags %u rule %d skip %d a %g sigma %g: worst %.2f SE\n",
           dcases[_i].act, dcases[_i].flags, dcases[_i].rule, dcases[_i].skip, dcases[_i].a,
           dcases[_i].sigma_n, worst);
    fflush(stdout);
}
END_TEST

/* ---- reduction, population error ---------------------------------------------------- */

/* The reduced ODE (<= 2K directions per degenerate group) and the full one
 * (every explicit eigenvector its own mode) integrate the same dynamics:
 * their errors and skip weights agree to the solver tolerance (1e-10) at
 * t = 10 (measured ~1e-10 and below). Spiked model with 3 spikes and a
 * 2-fold degenerate explicit group does not exist, so use a Gaussian model
 * with degenerate eigenvalues given by its eigenvectors. */
START_TEST(reduction_is_exact)
{
    const size_t D = 40, K = 2;
    aedyn_rng *rng;
    aedyn_data *d;
    aedyn_net *net;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 5, 0));
    /* covariance with eigenvalues 6 (x1), 3 (x8), 1 (x31) */
    double *C = calloc(D * D, sizeof *C), *Z = malloc(D * D * sizeof *Z);
    for (size_t i = 0; i < D * D; i++)
        Z[i] = aedyn_rng_normal(rng);
    /* Gram-Schmidt rows of Z */
    for (size_t i = 0; i < D; i++) {
        for (size_t j = 0; j < i; j++) {
            double p = 0.0;
            for (size_t k = 0; k < D; k++)
                p += Z[i * D + k] * Z[j * D + k];
            for (size_t k = 0; k < D; k++)
                Z[i * D + k] -= p * Z[j * D + k];
        }
        double nn = 0.0;
        for (size_t k = 0; k < D; k++)
            nn += Z[i * D + k] * Z[i * D + k];
        for (size_t k = 0; k < D; k++)
            Z[i * D + k] /= sqrt(nn);
    }
    for (size_t i = 0; i < D; i++) {
        const double ev = i == 0 ? 6.0 : i <= 8 ? 3.0 : 1.0;
        for (size_t r = 0; r < D; r++)
            for (size_t s = 0; s < D; s++)
                C[r * D + s] += ev * Z[i * D + r] * Z[i * D + s];
    }
    ck_assert_aedyn_ok(aedyn_data_create_gaussian(&d, D, C));
    free(C);
    free(Z);
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, AEDYN_NET_SKIP));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.3));
    aedyn_ode *red, *full;
    ck_assert_aedyn_ok(aedyn__ode_create_ex(&red, net, d, AEDYN_SGD_VANILLA, 0.5, true));
    ck_assert_aedyn_ok(aedyn__ode_create_ex(&full, net, d, AEDYN_SGD_VANILLA, 0.5, false));
    ck_assert_uint_lt(red->P, full->P);
    for (int m = 0; m < 2; m++) {
        aedyn_ode *o = m ? full : red;
        ck_assert_aedyn_ok(aedyn_ode_set_denoising(o, 0.9, 0.7));
        ck_assert_aedyn_ok(aedyn_ode_set_method(o, AEDYN_ODE_DOPRI5, 0.0));
        ck_assert_aedyn_ok(aedyn_ode_set_tolerances(o, 1e-10, 1e-12));
        ck_assert_aedyn_ok(aedyn_ode_advance(o, 10.0));
    }
    double e1, e2, c1, c2;
    ck_assert_aedyn_ok(aedyn_ode_error(red, &e1));
    ck_assert_aedyn_ok(aedyn_ode_error(full, &e2));
    ck_assert_aedyn_ok(aedyn_ode_get_skip(red, &c1));
    ck_assert_aedyn_ok(aedyn_ode_get_skip(full, &c2));
    printf("reduction: %zu vs %zu modes, error %.12g vs %.12g, skip %.12g vs %.12g\n", red->P,
           full->P, e1, e2, c1, c2);
    ck_assert_msg(fabs(e1 - e2) <= 1e-8 * e2, "errors %.15g vs %.15g", e1, e2);
    ck_assert_msg(fabs(c1 - c2) <= 1e-8 * (1.0 + fabs(c2)), "skip %.15g vs %.15g", c1, c2);
    ck_assert_msg(fabs(c1) > 1e-3, "the skip weight did not move (%g)", c1);
    aedyn_ode_destroy(red);
    aedyn_ode_destroy(full);
    aedyn_net_destroy(net);
    aedyn_data_destroy(d);
    aedyn_rng_destroy(rng);
}
END_TEST

/* aedyn_net_error_denoising against a Monte-Carlo average of the loss of
 * corrupted inputs measured against the clean ones (2e5 samples; within 4.5
 * standard errors), and the ODE's error at t = 0 against it (1e-12). */
START_TEST(population_error_matches_mc)
{
    const size_t D = 50, K = 3, N = 200000;
    static const aedyn_net_activation acts[3] = {AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF,
                                                 AEDYN_NET_ACT_RELU};
    const aedyn_net_activation act = acts[_i];
    const unsigned flags = AEDYN_NET_SKIP | (act == AEDYN_NET_ACT_RELU ? AEDYN_NET_BIAS : 0u);
    const double a = 0.8, sn = 0.9, c = 0.35;
    aedyn_rng *rng;
    aedyn_data *d;
    aedyn_net *net;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 17, 0));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, D, 3, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                                AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, act, flags));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.5));
    ck_assert_aedyn_ok(aedyn_net_set_skip(net, c));
    if (flags & AEDYN_NET_BIAS) {
        const double b[3] = {0.2, -0.3, 0.1};
        ck_assert_aedyn_ok(aedyn_net_set_weights(net, NULL, NULL, b));
    }
    double *x = malloc(D * sizeof *x), *xt = malloc(D * sizeof *xt), *xh = malloc(D * sizeof *xh);
    double s = 0.0, s2 = 0.0;
    for (size_t it = 0; it < N; it++) {
        ck_assert_aedyn_ok(aedyn_data_sample(d, rng, 1, x));
        for (size_t i = 0; i < D; i++)
            xt[i] = a * x[i] + sn * aedyn_rng_normal(rng);
        ck_assert_aedyn_ok(aedyn_net_reconstruct(net, 1, xt, xh)); /* c xt + sum v g */
        double l = 0.0;
        for (size_t i = 0; i < D; i++)
            l += (x[i] - xh[i]) * (x[i] - xh[i]);
        l /= 2.0 * (double)D;
        s += l;
        s2 += l * l;
    }
    const double mean = s / (double)N, se = sqrt((s2 / (double)N - mean * mean) / (double)N);
    double e;
    ck_assert_aedyn_ok(aedyn_net_error_denoising(net, d, a, sn, &e));
    printf("denoising error act %d: closed form %.6g, Monte Carlo %.6g +- %.2g\n", act, e, mean,
           se);
    ck_assert_msg(fabs(e - mean) <= 4.5 * se, "closed form %.8g, MC %.8g +- %.2g", e, mean, se);
    aedyn_ode *o;
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, d, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_set_denoising(o, a, sn));
    double eo;
    ck_assert_aedyn_ok(aedyn_ode_error(o, &eo));
    ck_assert_msg(fabs(eo - e) <= 1e-12 * e, "ODE %.15g, network %.15g", eo, e);
    /* the plain error is the denoising one at (1, 0) */
    double e0, e1;
    ck_assert_aedyn_ok(aedyn_net_error(net, d, &e0));
    ck_assert_aedyn_ok(aedyn_net_error_denoising(net, d, 1.0, 0.0, &e1));
    ck_assert(e0 == e1);
    free(x); free(xt); free(xh);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    aedyn_data_destroy(d);
    aedyn_rng_destroy(rng);
}
END_TEST

/* ---- the optimum of the linear denoiser ---------------------------------------------- */

/* Best error of x_hat = c xt + M xt, rank M <= K, over c and M (docs/theory.md,
 * "The best linear denoiser"): for a set S of K kept modes the best c is
 * c_S = sum_{not S} a rho / sum_{not S} rt and
 *   eps(c, S) = (1/2D) [ sum_tau rho sigma^2 / rt + sum_{not S} rt (c - h)^2 ],
 * h = a rho / rt. Minimised here by brute force over every S (K = 2): exact.
 * Returns eps*, and c* and the kept pair in *c, *s0, *s1. */
static double best_linear_denoiser(size_t D, const double *rho, double a, double sn, double *cbest,
                                   size_t *s0, size_t *s1)
{
    double base = 0.0, best = INFINITY;
    *cbest = NAN;
    *s0 = *s1 = 0;
    for (size_t t = 0; t < D; t++)
        base += rho[t] * sn * sn / (a * a * rho[t] + sn * sn);
    for (size_t i = 0; i < D; i++)
        for (size_t j = i + 1; j < D; j++) {
            double num = 0.0, den = 0.0;
            for (size_t t = 0; t < D; t++)
                if (t != i && t != j) {
                    num += a * rho[t];
                    den += a * a * rho[t] + sn * sn;
                }
            const double c = num / den;
            double e = base;
            for (size_t t = 0; t < D; t++)
                if (t != i && t != j) {
                    const double rt = a * a * rho[t] + sn * sn, h = a * rho[t] / rt;
                    e += rt * (c - h) * (c - h);
                }
            e /= 2.0 * (double)D;
            if (e < best) {
                best = e;
                *cbest = c;
                *s0 = i;
                *s1 = j;
            }
        }
    return best;
}

/* Error of the best denoiser that keeps the given pair of modes (S), with
 * its best c (the same closed form). */
static double denoiser_keeping(size_t D, const double *rho, double a, double sn, size_t i,
                               size_t j)
{
    double num = 0.0, den = 0.0, e = 0.0;
    for (size_t t = 0; t < D; t++) {
        e += rho[t] * sn * sn / (a * a * rho[t] + sn * sn);
        if (t != i && t != j) {
            num += a * rho[t];
            den += a * a * rho[t] + sn * sn;
        }
    }
    const double c = num / den;
    for (size_t t = 0; t < D; t++)
        if (t != i && t != j) {
            const double rt = a * a * rho[t] + sn * sn, h = a * rho[t] / rt;
            e += rt * (c - h) * (c - h);
        }
    return e / (2.0 * (double)D);
}

/* A linear denoising autoencoder with a trained skip, integrated to long
 * times on a small full spectrum (D = 60, every eigenvector a mode, so the
 * slow relaxation of the unused directions, at a rate ~ eta rt T0 / D, is
 * integrated exactly), from random weights. Returns the final error and
 * skip weight; prints the approach. */
static void linear_dae_long_run(size_t D, const double *rho, double a, double sn, double t_end,
                                double *e, double *c)
{
    const size_t K = 2;
    double *omega = calloc(D * D, sizeof *omega);
    for (size_t t = 0; t < D; t++)
        omega[t * D + t] = rho[t];
    aedyn_rng *rng;
    aedyn_data *d;
    aedyn_net *net;
    aedyn_ode *o;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 3, 0));
    ck_assert_aedyn_ok(aedyn_data_create_gaussian(&d, D, omega));
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_LINEAR, AEDYN_NET_SKIP));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.1));
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, d, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_set_denoising(o, a, sn));
    ck_assert_aedyn_ok(aedyn_ode_set_tolerances(o, 1e-10, 1e-13));
    ck_assert_uint_eq(aedyn_ode_get_n_modes(o), D);
    for (double t = 10.0; t <= t_end * 1.0001; t *= 10.0) {
        const double te = fmin(t, t_end);
        ck_assert_aedyn_ok(aedyn_ode_advance(o, te));
        ck_assert_aedyn_ok(aedyn_ode_error(o, e));
        ck_assert_aedyn_ok(aedyn_ode_get_skip(o, c));
        printf("  t = %6g: eps = %.12g, c = %.12g\n", te, *e, *c);
        if (te < t_end && t * 10.0 > t_end)
            t = t_end / 10.0;
    }
    uint64_t steps;
    ck_assert_aedyn_ok(aedyn_ode_get_stat(o, AEDYN_ODE_STAT_STEPS, &steps));
    printf("  (%llu steps)\n", (unsigned long long)steps);
    /* the network agrees: the ODE's weights give the same error */
    double *W = malloc(K * D * sizeof *W), *V = malloc(K * D * sizeof *V), en;
    ck_assert_aedyn_ok(aedyn_ode_get_weights(o, W, V));
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, V, NULL));
    ck_assert_aedyn_ok(aedyn_net_set_skip(net, *c));
    ck_assert_aedyn_ok(aedyn_net_error_denoising(net, d, a, sn, &en));
    ck_assert_msg(fabs(en - *e) <= 1e-10 * *e, "network %.15g, ODE %.15g", en, *e);
    free(W);
    free(V);
    free(omega);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    aedyn_data_destroy(d);
    aedyn_rng_destroy(rng);
}

/* The ODE's limit is the best rank-K-plus-scalar linear denoiser (closed
 * form, brute force over the kept pair): error and skip weight within 1e-6
 * relative at t = 1e5 (measured 5e-16; 1e-6 at t = 1e4: the approach is
 * slow, see linear_dae_long_run). Spectrum rho_t = 5 (0.96)^t, additive
 * noise sigma_n = 1: the optimum keeps the two largest eigenvalues. */
START_TEST(linear_optimum)
{
    const size_t D = 60;
    double rho[60], cstar, e, c;
    size_t s0, s1;
    for (size_t t = 0; t < D; t++)
        rho[t] = 5.0 * pow(0.96, (double)t);
    const double estar = best_linear_denoiser(D, rho, 1.0, 1.0, &cstar, &s0, &s1);
    printf("best linear denoiser: eps* = %.12g, c* = %.12g, keeps modes %zu and %zu\n", estar,
           cstar, s0, s1);
    linear_dae_long_run(D, rho, 1.0, 1.0, 1e5, &e, &c);
    printf("  gap to the optimum: error %.2e, skip %.2e\n", (e - estar) / estar,
           (c - cstar) / cstar);
    ck_assert_msg(fabs(e - estar) <= 1e-6 * estar, "ODE limit %.12g, optimum %.12g", e, estar);
    ck_assert_msg(fabs(c - cstar) <= 1e-6 * fabs(cstar), "ODE skip %.12g, optimum %.12g", c, cstar);
}
END_TEST

/* The optimum need not keep the largest eigenvalues: 59 eigenvalues in
 * [2, 4] have Wiener coefficients h = rho/(rho + sigma_n^2) close to the
 * common skip coefficient, the one at 0.01 is far from it, so the best
 * denoiser spends a unit suppressing the skip's pass-through of that
 * noise-dominated direction (and the other on the smallest of the rest).
 * The closed form says so, and the ODE gets there: it passes near the
 * saddle that keeps the two largest eigenvalues, then leaves it; at
 * t = 1e5 error and skip are within 1e-6 of the optimum (measured 9e-9). */
START_TEST(linear_optimum_keeps_smallest)
{
    const size_t D = 60;
    double rho[60], cstar, e, c;
    size_t s0, s1;
    for (size_t t = 0; t < D - 1; t++)
        rho[t] = 4.0 - 2.0 * (double)t / (double)(D - 2);
    rho[D - 1] = 0.01;
    const double estar = best_linear_denoiser(D, rho, 1.0, 1.0, &cstar, &s0, &s1);
    const double etop = denoiser_keeping(D, rho, 1.0, 1.0, 0, 1);
    printf("best linear denoiser: eps* = %.12g keeping modes %zu and %zu; keeping the top two: "
           "%.12g\n", estar, s0, s1, etop);
    ck_assert_uint_eq(s1, D - 1);
    ck_assert(etop > estar);
    linear_dae_long_run(D, rho, 1.0, 1.0, 1e5, &e, &c);
    printf("  gap to the optimum: error %.2e, skip %.2e\n", (e - estar) / estar,
           (c - cstar) / cstar);
    ck_assert_msg(fabs(e - estar) <= 1e-6 * estar, "ODE %.12g, optimum %.12g (top two: %.12g)",
                  e, estar, etop);
    ck_assert_msg(fabs(c - cstar) <= 1e-6 * fabs(cstar), "ODE skip %.12g, optimum %.12g", c, cstar);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("denoising");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 900);
    tcase_add_loop_test(tc, drift_matches_sgd, 0, N_DCASES);
    tcase_add_test(tc, reduction_is_exact);
    tcase_add_loop_test(tc, population_error_matches_mc, 0, 3);
    tcase_add_test(tc, linear_optimum);
    tcase_add_test(tc, linear_optimum_keeps_smallest);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
