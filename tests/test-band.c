/* The linear-noise band (lib/band.c, include/aedyn/aedyn-band.h):
 *  - its mean is the ODE: error and order parameters of the band's mean
 *    against aedyn_ode from the same weights;
 *  - the quadrature's mean increment equals the ODE's drift (exactly for
 *    linear units, to the rule's accuracy for erf), which checks every term
 *    of the increment that B is made of;
 *  - B against the covariance of single chain steps (Monte Carlo);
 *  - the predicted spread of the error against reduced replicas in every
 *    phase before convergence, and the O(1/D) mean shift at convergence,
 *    with tolerances from the replicas' sampling errors;
 *  - the sampler, the Jacobian, refusals and bad input. */
#define AEDYN_EXPERIMENTAL 1
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include <float.h>
#include "band-private.h"
#include "linalg-internal.h"

typedef testutil_trainer tmpl;

static tmpl make_tmpl(size_t D, aedyn_net_activation act, unsigned flags, aedyn_sgd_rule rule,
                      double sigma0, uint64_t seed)
{
    return testutil_spiked_trainer(D, 2, 2, act, flags, rule, 1.0, sigma0, seed, 0);
}

/* Packed coordinates (aedyn-band.h) from the chain's layout, K = 2. */
static void pack(const double *yc, size_t M, bool bias, double *y)
{
    const size_t K = 2, KK = 4;
    size_t p = 2 * M * K;
    memcpy(y, yc, p * sizeof *y);
    const double *beta = yc + 2 * M * K, *Qb = beta + K, *Rb = Qb + KK, *T0b = Rb + KK;
    for (size_t k = 0; bias && k < K; k++)
        y[p++] = beta[k];
    for (size_t k = 0; k < K; k++)
        for (size_t l = k; l < K; l++)
            y[p++] = Qb[k * K + l];
    for (size_t k = 0; k < KK; k++)
        y[p++] = Rb[k];
    for (size_t k = 0; k < K; k++)
        for (size_t l = k; l < K; l++)
            y[p++] = T0b[k * K + l];
}

/* ---- the mean is the ODE ---- */

START_TEST(test_mean_is_ode)
{
    const aedyn_net_activation acts[3] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF,
                                           AEDYN_NET_ACT_RELU };
    for (int a = 0; a < 3; a++) {
        tmpl t = make_tmpl(500, acts[a], a == 2 ? AEDYN_NET_BIAS : 0,
                           a == 1 ? AEDYN_SGD_TRUNCATED : AEDYN_SGD_VANILLA, 0.3, 3);
        ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(t.sgd, 0.1));
        aedyn_band *b;
        aedyn_ode *o;
        ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
        ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&o, t.sgd));
        ck_assert_aedyn_ok(aedyn_band_set_fluctuations(b, false));
        ck_assert_aedyn_ok(aedyn_band_set_tolerances(b, 1e-10, 1e-13));
        ck_assert_aedyn_ok(aedyn_ode_set_tolerances(o, 1e-10, 1e-13));
        ck_assert_uint_eq(aedyn_band_get_n_state(b), 8 + (a == 2 ? 2 : 0) + 10);
        const double times[3] = { 2.0, 6.0, 15.0 };
        for (int i = 0; i < 3; i++) {
            ck_assert_aedyn_ok(aedyn_band_advance(b, times[i]));
            ck_assert_aedyn_ok(aedyn_ode_advance(o, times[i]));
            double e1, e2;
            ck_assert_aedyn_ok(aedyn_band_error(b, &e1, NULL, NULL, NULL));
            ck_assert_aedyn_ok(aedyn_ode_error(o, &e2));
            ck_assert_msg(fabs(e1 - e2) <= 1e-8 * e2, "act %d t %g: band %.12g ODE %.12g", a,
                          times[i], e1, e2);
        }
        aedyn_band_destroy(b);
        aedyn_ode_destroy(o);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* ---- the quadrature's mean increment is the drift ---- */

START_TEST(test_quadrature_mean_is_drift)
{
    const aedyn_net_activation acts[3] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF,
                                           AEDYN_NET_ACT_ERF };
    const unsigned flags[3] = { 0, 0, AEDYN_NET_BIAS };
    /* linear: exact (3 nodes integrate degree 5); erf: 8 nodes, 1e-5 of the
     * largest drift; 24 nodes, 1e-9 */
    const double tol[3] = { 1e-11, 1e-5, 1e-9 };
    for (int a = 0; a < 3; a++) {
        tmpl t = make_tmpl(400, acts[a], flags[a], AEDYN_SGD_VANILLA, 0.5, 11);
        ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(t.sgd, 0.2));
        ck_assert_aedyn_ok(aedyn_sgd_step(t.sgd, 1200));
        aedyn_band *b;
        ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
        if (a == 2)
            ck_assert_aedyn_ok(aedyn_band_set_quadrature(b, 24));
        const size_t P = b->P;
        double f[32], fq[32], *B = malloc(P * P * sizeof *B), f1[32], y[32], fbig = 0.0, dmax = 0.0;
        memcpy(y, b->X, P * sizeof *y);
        aedyn__band_drift(b, b->t, y, f);
        aedyn__band_noise(b, b->t, y, B, f1, fq);
        for (size_t i = 0; i < P; i++) {
            fbig = fmax(fbig, fabs(f[i]));
            dmax = fmax(dmax, fabs(f[i] - fq[i]));
        }
        ck_assert_msg(dmax <= tol[a] * fbig, "case %d: quadrature mean differs from the drift "
                      "by %g (largest drift %g)", a, dmax, fbig);
        for (size_t i = 0; i < P; i++) /* B symmetric, positive diagonal */
            ck_assert(B[i * P + i] >= 0.0 && B[i * P + (P - 1 - i)] == B[(P - 1 - i) * P + i]);
        free(B);
        aedyn_band_destroy(b);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* The largest deviation of a from ref over the largest entry of ref (NaN
 * when ref is all 0, which fails every tolerance). */
static double max_rel_diff(const double *a, const double *ref, size_t n)
{
    double m = 0.0, d = 0.0;
    for (size_t k = 0; k < n; k++) {
        m = fmax(m, fabs(ref[k]));
        d = fmax(d, fabs(a[k] - ref[k]));
    }
    return d / m;
}

/* ---- B's node loop against every pair of terms ---- */

/* B of the trainer's band at its current state against the term-by-term
 * Isserlis formula for every pair of terms at every node (b->pairwise): the
 * same sum in another order, to 1e-12 of the largest entry; f1 does not
 * depend on the path. P is the expected number of coordinates. */
static void check_noise_against_pairwise(tmpl *t, size_t P_expected, int c)
{
    aedyn_band *b;
    ck_assert_aedyn_ok(aedyn_band_create(&b, t->sgd));
    const size_t P = b->P;
    ck_assert_uint_eq(P, P_expected);
    double *B = malloc(P * P * sizeof *B), *Br = malloc(P * P * sizeof *Br), y[64], f1[64],
           f1r[64];
    memcpy(y, b->X, P * sizeof *y);
    aedyn__band_noise(b, b->t, y, B, f1, NULL);
    b->pairwise = true;
    aedyn__band_noise(b, b->t, y, Br, f1r, NULL);
    const double dif = max_rel_diff(B, Br, P * P);
    ck_assert_msg(dif <= 1e-12, "case %d: B differs by %g of its largest entry", c, dif);
    ck_assert_mem_eq(f1, f1r, P * sizeof *f1);
    free(B);
    free(Br);
    aedyn_band_destroy(b);
}

/* B's node loop (dense accumulation over chunks of nodes, quadratic parts
 * contracted once after the nodes) against every pair of terms, with K = 2
 * (M = 2): vanilla linear units, truncated erf units with biases and ReLU
 * units with biases, all with weight decay. */
START_TEST(test_noise_against_pairwise)
{
    const aedyn_net_activation acts[3] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF,
                                           AEDYN_NET_ACT_RELU };
    const unsigned flags[3] = { 0, AEDYN_NET_BIAS, AEDYN_NET_BIAS };
    const aedyn_sgd_rule rules[3] = { AEDYN_SGD_VANILLA, AEDYN_SGD_TRUNCATED, AEDYN_SGD_VANILLA };
    for (int a = 0; a < 3; a++) {
        tmpl t = make_tmpl(400, acts[a], flags[a], rules[a], 0.5, 13);
        ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(t.sgd, 0.2));
        ck_assert_aedyn_ok(aedyn_sgd_step(t.sgd, 1500));
        check_noise_against_pairwise(&t, a == 0 ? 18 : 20, a);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* The same with three hidden units and three spikes (P = 39, 42 with
 * biases: row and slot counts that are not multiples of the accumulation's
 * tiles, and more nodes than one chunk): linear units (27 nodes, one
 * partial chunk) and truncated erf units with biases (512 nodes). */
START_TEST(test_noise_against_pairwise_k3)
{
    const aedyn_net_activation acts[2] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF };
    const unsigned flags[2] = { 0, AEDYN_NET_BIAS };
    const aedyn_sgd_rule rules[2] = { AEDYN_SGD_VANILLA, AEDYN_SGD_TRUNCATED };
    for (int a = 0; a < 2; a++) {
        testutil_trainer t = testutil_spiked_trainer(300, 3, 3, acts[a], flags[a], rules[a], 1.0,
                                                     0.5, 17, 0);
        ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(t.sgd, 0.1));
        ck_assert_aedyn_ok(aedyn_sgd_step(t.sgd, 900));
        check_noise_against_pairwise(&t, a == 0 ? 39 : 42, 3 + a);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* ---- J and f'' from the drift's structure against differences ---- */

/* J and (1/2) f'' : Sigma from the structure of the drift (band-deriv.c:
 * exact maps, differences in the np order parameters only) against the
 * reference by differences of f in all P coordinates (b->fd_deriv), at
 * the band's own mean and Sigma along the headline trajectory (K = 2,
 * D = 1000, t = 2, 5, 10, 20): linear units; erf with biases; erf with the
 * truncated rule and weight decay; linear with biases, truncated, weight
 * decay (coefficients no longer affine in o); ReLU (closed forms) and ReLU
 * with biases (the quadrature of the Stein forms). The tolerances (below) are
 * the reference's errors; the test fails when any one term of the
 * structured f'' is left out. */
START_TEST(test_derivatives_against_differences)
{
    const aedyn_net_activation acts[6] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF,
                                           AEDYN_NET_ACT_ERF,    AEDYN_NET_ACT_LINEAR,
                                           AEDYN_NET_ACT_RELU,   AEDYN_NET_ACT_RELU };
    const unsigned flags[6] = { 0, AEDYN_NET_BIAS, 0, AEDYN_NET_BIAS, 0, AEDYN_NET_BIAS };
    const aedyn_sgd_rule rules[6] = { AEDYN_SGD_VANILLA,   AEDYN_SGD_VANILLA,
                                      AEDYN_SGD_TRUNCATED, AEDYN_SGD_TRUNCATED,
                                      AEDYN_SGD_VANILLA,   AEDYN_SGD_VANILLA };
    const double decay[6] = { 0.0, 0.0, 0.1, 0.1, 0.0, 0.0 };
    for (int a = 0; a < 6; a++) {
        tmpl t = make_tmpl(1000, acts[a], flags[a], rules[a], 0.1, 1);
        if (decay[a] > 0.0)
            ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(t.sgd, decay[a]));
        aedyn_band *b;
        ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
        const size_t P = b->P;
        double *J = malloc(P * P * sizeof *J), *Jr = malloc(P * P * sizeof *Jr),
               *S = malloc(P * P * sizeof *S), *L = malloc(P * P * sizeof *L), y[32], fy[32],
               c[32], cr[32];
        const double times[4] = { 2, 5, 10, 20 };
        for (int i = 0; i < 4; i++) {
            ck_assert_aedyn_ok(aedyn_band_advance(b, times[i]));
            ck_assert_aedyn_ok(aedyn_band_get_covariance(b, S, NULL));
            memcpy(y, b->X, P * sizeof *y);
            aedyn__band_drift(b, b->t, y, fy);
            memset(c, 0, sizeof c);
            memset(cr, 0, sizeof cr);
            b->fd_deriv = false;
            aedyn__band_jacobian(b, b->t, y, J);
            aedyn__band_curvature(b, b->t, y, fy, S, c);
            /* f'' alone (the ingredients J left behind forgotten) is the same */
            b->ds[0].ok = b->ds[1].ok = false;
            memset(cr, 0, sizeof cr);
            aedyn__band_curvature(b, b->t, y, fy, S, cr);
            ck_assert_mem_eq(c, cr, P * sizeof *c);
            memset(cr, 0, sizeof cr);
            b->fd_deriv = true;
            aedyn__band_jacobian(b, b->t, y, Jr);
            aedyn__band_curvature(b, b->t, y, fy, S, cr);
            b->fd_deriv = false;
            double fbig = 0.0, ymax = 0.0, jmax = 0.0, cmax = 0.0, jr = 0.0, cr_ = 0.0;
            for (size_t k = 0; k < P; k++) {
                fbig = fmax(fbig, fabs(fy[k]));
                ymax = fmax(ymax, fabs(y[k]));
                cmax = fmax(cmax, fabs(cr[k]));
            }
            for (size_t k = 0; k < P * P; k++)
                jmax = fmax(jmax, fabs(Jr[k]));
            for (size_t k = 0; k < P; k++) {
                double x = 0.0;
                for (size_t q = 0; q < P; q++)
                    x += fabs(Jr[k * P + q] * y[q]);
                fbig = fmax(fbig, x);
            }
            /* Tolerances from the reference's errors. J: central differences
             * with steps h_j (aedyn__band_fd_step): rounding u F / h_j in column j, F =
             * max_i sum_j |J_ij y_j| the size of the drift's terms (not of
             * f, which vanishes at a fixed point); truncation h_j^2 f''' / 6
             * ~ 1e-12 relative, and the structured J's own differences in o
             * ~ 1e-10, within 1e-9 of the largest entry: |dJ_ij| <= 4 (1e-9
             * max|J| + u F / h_j) (measured: at most 0.8 of it without the
             * 4). f'': second differences along the columns l_k of Sigma's
             * factor, eps_k = 1e-4 (1 + |y|) / |l_k|: rounding 4 u F /
             * eps_k^2 each (times 1/2), summed; the truncation eps_k^2 f'''' /
             * 24 and the structured F_oo's ~ 2e-8 of the term: |df''_i| <= 4
             * rounding + 1e-6 max|f''| (measured: at most 0.13 of it; dropping
             * any one of the three terms of the structured f'' changes it by
             * 0.04 .. 1 max|f''|). */
            aedyn__cholesky_psd(P, S, L);
            double cround = 0.0;
            for (size_t k = 0; k < P; k++) {
                double lmax = 0.0;
                for (size_t q = k; q < P; q++)
                    lmax = fmax(lmax, fabs(L[q * P + k]));
                const double e = 1e-4 * (1.0 + ymax) / lmax;
                if (lmax > 0.0)
                    cround += 2.0 * DBL_EPSILON * fbig / (e * e);
            }
            for (size_t k = 0; k < P * P; k++) {
                const double h = aedyn__band_fd_step(b, y, k % P, 1e-6);
                const double tol = 4.0 * (1e-9 * jmax + DBL_EPSILON * fbig / h);
                jr = fmax(jr, fabs(J[k] - Jr[k]) / tol);
            }
            for (size_t k = 0; k < P; k++)
                cr_ = fmax(cr_, fabs(c[k] - cr[k]) / (1e-6 * cmax + 4.0 * cround));
            printf("derivatives case %d t = %4.1f: J within %.2f, f'' within %.2f of the "
                   "tolerance\n", a, times[i], jr, cr_);
            ck_assert_msg(jr <= 1.0 && cr_ <= 1.0, "case %d t = %g: structured J (%g) or f'' "
                          "(%g) off the reference by more than its tolerance", a, times[i], jr,
                          cr_);
        }
        free(J);
        free(Jr);
        free(S);
        free(L);
        aedyn_band_destroy(b);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* ---- the step-wise scheme against the joint system ---- */

/* Sigma and delta of the default scheme (the mean's own steps, Sigma and
 * delta over each with J, B, f1 interpolated through Lobatto nodes under
 * their own error test; docs/theory.md section 12.3, "Integration") at the
 * default tolerances against the joint system (y, Sigma, delta integrated as
 * one, J, B and f'' at every right-hand side) at rtol 1e-10, on the headline
 * set-up (K = 2, D = 1000), linear and erf, at t = 2, 5, 10, 20 (escape,
 * learning, convergence): every entry within 2e-5 of the largest (measured:
 * 2e-6; 4e-6 by the RK4 substeps; the joint system at the default
 * tolerances is within 6e-5 on delta), and the mean within 1e-5 (its
 * tolerance rtol is 1e-6). */
START_TEST(test_stepwise_against_joint)
{
    const aedyn_net_activation acts[2] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF };
    for (int a = 0; a < 2; a++) {
        tmpl t = make_tmpl(1000, acts[a], 0, AEDYN_SGD_VANILLA, 0.1, 1);
        aedyn_band *b, *r;
        ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
        ck_assert_aedyn_ok(aedyn_band_create(&r, t.sgd));
        r->joint = true;
        ck_assert_aedyn_ok(aedyn_band_set_tolerances(r, 1e-10, 1e-13));
        const size_t P = aedyn_band_get_n_state(b);
        double *S = malloc(P * P * sizeof *S), *Sr = malloc(P * P * sizeof *Sr), d[32], dr[32],
               y[64], yr[64];
        const double times[4] = { 2, 5, 10, 20 };
        for (int i = 0; i < 4; i++) {
            ck_assert_aedyn_ok(aedyn_band_advance(b, times[i]));
            ck_assert_aedyn_ok(aedyn_band_advance(r, times[i]));
            ck_assert_aedyn_ok(aedyn_band_get_covariance(b, S, d));
            ck_assert_aedyn_ok(aedyn_band_get_covariance(r, Sr, dr));
            ck_assert_aedyn_ok(aedyn_band_get_mean(b, y));
            ck_assert_aedyn_ok(aedyn_band_get_mean(r, yr));
            const double rs = max_rel_diff(S, Sr, P * P), rd = max_rel_diff(d, dr, P),
                         ry = max_rel_diff(y, yr, P);
            printf("act %d t = %4.1f: step-wise against joint: Sigma %.1e, delta %.1e, y %.1e "
                   "(relative)\n", a, times[i], rs, rd, ry);
            ck_assert_msg(rs <= 2e-5 && rd <= 2e-5 && ry <= 1e-5, "act %d t %g: Sigma %g, "
                          "delta %g, y %g off", a, times[i], rs, rd, ry);
        }
        free(S);
        free(Sr);
        aedyn_band_destroy(b);
        aedyn_band_destroy(r);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* ---- the node scheme against the RK4 substeps ---- */

/* The default node scheme against the RK4 substeps (b->rk4, the former
 * default) on the headline set-up, linear and erf, at t = 2 .. 100: the
 * mean is the same (the same steps); Sigma and delta within 3e-5 of the
 * largest entry of the RK4 substeps at rtol 1e-10 (measured: 1.8e-5 at
 * t = 100, most of it the mean's own error, shared by both schemes at the
 * default tolerances; the RK4 substeps at the default tolerances: 2e-5 on
 * Sigma, 7e-5 on delta); the predicted shift and std of the error within
 * 1e-3 and 1e-2 relative of the RK4 substeps' at the default tolerances
 * (measured: 3e-5 and 1e-3 at the converged times, where the gradient of
 * the error vanishes and the std rests on entries of Sigma near atol: both
 * schemes' std there differ from those at rtol 1e-10 by up to 4e-2 for
 * linear units, and a build's rounding moves it by 1e-3). The node scheme
 * needs at most 2/3 of the evaluations of J and B (measured: 341 against
 * 715 for linear, 325 against 651 for erf, with these output times).
 * ReLU units keep the RK4 substeps. */
START_TEST(test_nodes_against_rk4)
{
    const aedyn_net_activation acts[2] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF };
    for (int a = 0; a < 2; a++) {
        tmpl t = make_tmpl(1000, acts[a], 0, AEDYN_SGD_VANILLA, 0.1, 1);
        aedyn_band *b, *r, *rt;
        ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
        ck_assert_aedyn_ok(aedyn_band_create(&r, t.sgd));
        ck_assert_aedyn_ok(aedyn_band_create(&rt, t.sgd));
        r->rk4 = rt->rk4 = true;
        ck_assert_aedyn_ok(aedyn_band_set_tolerances(rt, 1e-10, 1e-13));
        const size_t P = aedyn_band_get_n_state(b);
        double *S = malloc(P * P * sizeof *S), *Sr = malloc(P * P * sizeof *Sr),
               *St = malloc(P * P * sizeof *St), d[32], dr[32], dt[32], y[64], yr[64];
        const double times[8] = { 2, 5, 10, 20, 30, 50, 75, 100 };
        for (int i = 0; i < 8; i++) {
            ck_assert_aedyn_ok(aedyn_band_advance(b, times[i]));
            ck_assert_aedyn_ok(aedyn_band_advance(r, times[i]));
            ck_assert_aedyn_ok(aedyn_band_advance(rt, times[i]));
            ck_assert_aedyn_ok(aedyn_band_get_covariance(b, S, d));
            ck_assert_aedyn_ok(aedyn_band_get_covariance(r, Sr, dr));
            ck_assert_aedyn_ok(aedyn_band_get_covariance(rt, St, dt));
            ck_assert_aedyn_ok(aedyn_band_get_mean(b, y));
            ck_assert_aedyn_ok(aedyn_band_get_mean(r, yr));
            const double es = max_rel_diff(S, St, P * P), ed = max_rel_diff(d, dt, P),
                         rs = max_rel_diff(Sr, St, P * P), rd = max_rel_diff(dr, dt, P),
                         ey = max_rel_diff(y, yr, P);
            double sh, sd, shr, sdr;
            ck_assert_aedyn_ok(aedyn_band_error(b, NULL, &sh, NULL, &sd));
            ck_assert_aedyn_ok(aedyn_band_error(r, NULL, &shr, NULL, &sdr));
            const double esh = fabs(sh - shr) / fabs(shr), esd = fabs(sd - sdr) / sdr;
            printf("act %d t = %5.1f: against RK4 at rtol 1e-10: nodes Sigma %.1e, delta %.1e, "
                   "RK4 Sigma %.1e, delta %.1e; nodes against RK4: shift %.1e, std %.1e\n", a,
                   times[i], es, ed, rs, rd, esh, esd);
            ck_assert_msg(es <= 3e-5 && ed <= 3e-5 && ey <= 1e-12 && esh <= 1e-3 && esd <= 1e-2,
                          "act %d t %g: Sigma %g, delta %g, y %g, shift %g, std %g off", a,
                          times[i], es, ed, ey, esh, esd);
        }
        printf("act %d: %llu evaluations of J and B by the nodes, %llu by RK4\n", a,
               (unsigned long long)b->n_points, (unsigned long long)r->n_points);
        ck_assert_msg(3 * b->n_points <= 2 * r->n_points, "act %d: %llu points against %llu",
                      a, (unsigned long long)b->n_points, (unsigned long long)r->n_points);
        free(S);
        free(Sr);
        free(St);
        aedyn_band_destroy(b);
        aedyn_band_destroy(r);
        aedyn_band_destroy(rt);
        testutil_trainer_free(&t);
    }
    /* ReLU keeps the RK4 substeps (its B jumps) */
    tmpl t = make_tmpl(200, AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_VANILLA, 0.3, 3);
    aedyn_band *b;
    ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
    ck_assert(b->rk4);
    aedyn_band_destroy(b);
    testutil_trainer_free(&t);
}
END_TEST

/* A NaN in Sigma (poked in) makes either scheme fail with
 * AEDYN_ERR_DIVERGED and leave the time and the mean as they were. */
START_TEST(test_stepwise_divergence)
{
    for (int k = 0; k < 2; k++) {
        tmpl t = make_tmpl(200, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.3, 5);
        aedyn_band *b;
        ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
        b->rk4 = k == 1;
        ck_assert_aedyn_ok(aedyn_band_advance(b, 1.0));
        const size_t P = aedyn_band_get_n_state(b);
        double y0[64], y1[64];
        ck_assert_aedyn_ok(aedyn_band_get_mean(b, y0));
        b->X[P + 1] = NAN;
        b->have_start = false;
        ck_assert_aedyn_fails(aedyn_band_advance(b, 2.0), AEDYN_ERR_DIVERGED);
        ck_assert_double_eq(aedyn_band_get_time(b), 1.0);
        ck_assert_aedyn_ok(aedyn_band_get_mean(b, y1));
        ck_assert_mem_eq(y0, y1, P * sizeof *y0);
        aedyn_band_destroy(b);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* ---- B against single chain steps ---- */

/* N = 40000 single steps of the chain from the band's mean (erf, D = 1000,
 * t = 3, on the escape): every entry of the covariance of D times the
 * increment against B, z = difference / (standard error from the fourth
 * moments), |z| <= 4.5 over the 171 entries (false alarm about 1e-3). The
 * exact increment has O(1/D) corrections that B leaves out; at D = 1000 they
 * are far below the standard errors. */
START_TEST(test_noise_against_steps)
{
    const size_t D = 1000, N = 40000;
    tmpl t = make_tmpl(D, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.3, 21);
    ck_assert_aedyn_ok(aedyn_sgd_step(t.sgd, 3 * D));
    aedyn_band *b;
    aedyn_chain *c;
    ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
    ck_assert_aedyn_ok(aedyn_chain_create(&c, t.sgd, t.rng));
    const size_t P = aedyn_band_get_n_state(b);
    double *B = malloc(P * P * sizeof *B), *H = malloc(N * P * sizeof *H), yc[64], y0[32] = { 0 },
           y1[32] = { 0 };
    ck_assert_aedyn_ok(aedyn_band_noise(b, B));
    ck_assert_aedyn_ok(aedyn_band_get_mean(b, yc));
    pack(yc, 2, false, y0);
    for (size_t r = 0; r < N; r++) {
        double yy[64];
        ck_assert_aedyn_ok(aedyn_chain_set_state(c, yc));
        ck_assert_aedyn_ok(aedyn_chain_step(c, 1));
        ck_assert_aedyn_ok(aedyn_chain_get_state(c, yy));
        pack(yy, 2, false, y1);
        for (size_t i = 0; i < P; i++)
            H[r * P + i] = (double)D * (y1[i] - y0[i]);
    }
    double m[32] = { 0 }, zmax = 0.0;
    for (size_t r = 0; r < N; r++)
        for (size_t i = 0; i < P; i++)
            m[i] += H[r * P + i] / (double)N;
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++) {
            double c2 = 0.0, c4 = 0.0;
            for (size_t r = 0; r < N; r++) {
                const double v = (H[r * P + i] - m[i]) * (H[r * P + j] - m[j]);
                c2 += v;
                c4 += v * v;
            }
            c2 /= (double)N;
            const double se = sqrt(fmax(c4 / (double)N - c2 * c2, 0.0) / (double)N);
            if (se > 0.0)
                zmax = fmax(zmax, fabs(c2 - B[i * P + j]) / se);
        }
    printf("B against %zu single steps: largest |z| %.2f\n", N, zmax);
    ck_assert_msg(zmax <= 4.5, "B differs from the steps' covariance by %g standard errors", zmax);
    free(B);
    free(H);
    aedyn_chain_destroy(c);
    aedyn_band_destroy(b);
    testutil_trainer_free(&t);
}
END_TEST

/* ---- schedules with breakpoints ---- */

/* Learning rates that drop at t = 7.3 and 20.1 (piecewise constant, both
 * layers): a jump in f, J, B and f1. The band integrates segment by
 * segment, every scheme ending a step on the breakpoint and starting afresh
 * after it, as aedyn_ode_advance does; its mean equals the ODE's (1e-5 of
 * the largest entry, both at rtol 1e-6), and Sigma and delta at t = 5, 10,
 * 30, 60, 100 (the default scheme, default tolerances) are within 2e-5 of
 * the largest entry of the RK4 substeps at rtol 1e-10 (measured: at most
 * 3.5e-6; stepping across the breakpoints gave 4e-4, and a derivative cache
 * keyed by (t, y) alone 5e-2 on delta: at a breakpoint the same (t, y) has
 * two drifts). Linear and erf units, K = 2, D = 1000. */
START_TEST(test_schedule_breakpoints)
{
    const aedyn_net_activation acts[2] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF };
    const double tp[3] = { 0.0, 7.3, 20.1 }, vp[3] = { 1.0, 0.5, 0.2 };
    for (int a = 0; a < 2; a++) {
        tmpl t = make_tmpl(1000, acts[a], 0, AEDYN_SGD_VANILLA, 0.1, 1);
        aedyn_schedule *sc;
        ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&sc, 3, tp, vp));
        ck_assert_aedyn_ok(aedyn_sgd_set_schedule(t.sgd, AEDYN_SCHEDULE_ENCODER_RATE, sc));
        ck_assert_aedyn_ok(aedyn_sgd_set_schedule(t.sgd, AEDYN_SCHEDULE_DECODER_RATE, sc));
        aedyn_schedule_destroy(sc);
        aedyn_band *b, *r;
        aedyn_ode *o;
        ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
        ck_assert_aedyn_ok(aedyn_band_create(&r, t.sgd));
        ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&o, t.sgd));
        r->rk4 = true;
        ck_assert_aedyn_ok(aedyn_band_set_tolerances(r, 1e-10, 1e-13));
        const size_t P = b->P;
        double *S = malloc(P * P * sizeof *S), *Sr = malloc(P * P * sizeof *Sr), d[32], dr[32];
        const double times[5] = { 5, 10, 30, 60, 100 };
        for (int i = 0; i < 5; i++) {
            ck_assert_aedyn_ok(aedyn_band_advance(b, times[i]));
            ck_assert_aedyn_ok(aedyn_band_advance(r, times[i]));
            ck_assert_aedyn_ok(aedyn_ode_advance(o, times[i]));
            ck_assert_aedyn_ok(aedyn_band_get_covariance(b, S, d));
            ck_assert_aedyn_ok(aedyn_band_get_covariance(r, Sr, dr));
            const double rs = max_rel_diff(S, Sr, P * P), rd = max_rel_diff(d, dr, P);
            double eb, eo;
            ck_assert_aedyn_ok(aedyn_band_error(b, &eb, NULL, NULL, NULL));
            ck_assert_aedyn_ok(aedyn_ode_error(o, &eo));
            printf("breakpoints, act %d t = %5.1f: Sigma %.1e, delta %.1e off the reference; "
                   "error %.6f (ODE %.6f)\n", a, times[i], rs, rd, eb, eo);
            ck_assert_msg(rs <= 2e-5 && rd <= 2e-5, "act %d t %g: Sigma %g, delta %g off", a,
                          times[i], rs, rd);
            ck_assert_msg(fabs(eb - eo) <= 1e-5 * eo, "act %d t %g: the band's mean error %g, "
                          "the ODE's %g", a, times[i], eb, eo);
        }
        free(S);
        free(Sr);
        aedyn_ode_destroy(o);
        aedyn_band_destroy(b);
        aedyn_band_destroy(r);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* ---- the predicted error's derivatives ---- */

/* The chain's layout from packed coordinates (the inverse of pack), K = 2. */
static void unpack_chain(const double *y, size_t M, bool bias, double *yc)
{
    const size_t K = 2, KK = 4;
    size_t p = 2 * M * K;
    memcpy(yc, y, p * sizeof *y);
    double *beta = yc + 2 * M * K, *Qb = beta + K, *Rb = Qb + KK, *T0b = Rb + KK;
    for (size_t k = 0; k < K; k++)
        beta[k] = bias ? y[p++] : 0.0;
    for (size_t k = 0; k < K; k++)
        for (size_t l = k; l < K; l++) {
            Qb[k * K + l] = Qb[l * K + k] = y[p];
            T0b[k * K + l] = T0b[l * K + k] = y[p + 7];
            p++;
        }
    for (size_t k = 0; k < KK; k++)
        Rb[k] = y[p++];
}

/* The error of the mean state y (packed) through a second band. */
static double error_of(aedyn_band *e, double t, size_t M, bool bias, const double *y)
{
    double yc[64], v;
    unpack_chain(y, M, bias, yc);
    ck_assert_aedyn_ok(aedyn_band_set_mean(e, t, yc));
    ck_assert_aedyn_ok(aedyn_band_error(e, &v, NULL, NULL, NULL));
    return v;
}

/* aedyn_band_error's derivatives of the error against the test's own
 * differences, for networks with biases, whose biases stay exactly 0 on the
 * headline set-up (K = 2, D = 1000; linear at t = 10 and 30, erf at t = 10
 * and 15, before and after convergence): the first-order variance grad E^T
 * Sigma grad E / D, the Hessian term Tr(H Sigma H Sigma) / (2 D^2) and the
 * shift (grad E . delta + Tr(H Sigma) / 2) / D. Here every coordinate's step
 * is 1e-2 of its size, of 1e-3 of its block's largest entry or of 1e-4,
 * whichever is largest (the library's are 1e-6 and 1e-4 of that with a
 * floor of 1e-2): central differences whose truncation, about (1e-2)^2 / 12
 * relative, and rounding, 1e-16 |E| / h^2 < 1e-4 |H|, stay below 1e-3 of
 * each term; the two must agree within that. The biases' zero steps this
 * replaced (1e-10 relative, a step of 1e-14 for the Hessian) gave a Hessian
 * term of 1e6 to 1e14 for erf and one 30 % low for linear units. */
START_TEST(test_error_derivatives_with_biases)
{
    const aedyn_net_activation acts[2] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF };
    const double times[2][2] = { { 10, 30 }, { 10, 15 } };
    for (int a = 0; a < 2; a++) {
        tmpl t = make_tmpl(1000, acts[a], AEDYN_NET_BIAS, AEDYN_SGD_VANILLA, 0.1, 1);
        aedyn_band *b, *e;
        ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
        ck_assert_aedyn_ok(aedyn_band_create(&e, t.sgd));
        ck_assert_aedyn_ok(aedyn_band_set_fluctuations(e, false));
        const size_t P = b->P, M = b->M;
        const double Dd = (double)b->D;
        ck_assert_uint_eq(P, 20);
        double *S = malloc(P * P * sizeof *S), *H = malloc(P * P * sizeof *H), d[32], y[32],
               yp[32], yc[64], g[32], h[32];
        for (int i = 0; i < 2; i++) {
            const double ti = times[a][i];
            ck_assert_aedyn_ok(aedyn_band_advance(b, ti));
            double e0, shift, s1, s2;
            ck_assert_aedyn_ok(aedyn_band_error(b, &e0, &shift, &s1, &s2));
            ck_assert_aedyn_ok(aedyn_band_get_mean(b, yc));
            ck_assert_aedyn_ok(aedyn_band_get_covariance(b, S, d));
            pack(yc, M, true, y);
            ck_assert(y[off_b(b)] == 0.0 && y[off_b(b) + 1] == 0.0); /* the case in question */
            const size_t bounds[7] = { 0, M * 2, 4 * M, off_Q(b), off_R(b), off_T(b), P };
            for (size_t j = 0; j < P; j++) {
                double sc = 0.0;
                for (int q = 0; q < 6; q++)
                    if (j >= bounds[q] && j < bounds[q + 1])
                        for (size_t r = bounds[q]; r < bounds[q + 1]; r++)
                            sc = fmax(sc, fabs(y[r]));
                h[j] = 1e-2 * fmax(fmax(fabs(y[j]), 1e-3 * sc), 1e-4);
            }
            const double ey = error_of(e, ti, M, true, y);
            for (size_t j = 0; j < P; j++) {
                memcpy(yp, y, P * sizeof *y);
                yp[j] = y[j] + h[j];
                const double ep = error_of(e, ti, M, true, yp);
                yp[j] = y[j] - h[j];
                const double em = error_of(e, ti, M, true, yp);
                g[j] = (ep - em) / (2.0 * h[j]);
                H[j * P + j] = (ep + em - 2.0 * ey) / (h[j] * h[j]);
            }
            for (size_t j = 0; j < P; j++)
                for (size_t k = j + 1; k < P; k++) {
                    const double sj[4] = { 1, 1, -1, -1 }, sk[4] = { 1, -1, 1, -1 };
                    double v[4];
                    for (int c = 0; c < 4; c++) {
                        memcpy(yp, y, P * sizeof *y);
                        yp[j] += sj[c] * h[j];
                        yp[k] += sk[c] * h[k];
                        v[c] = error_of(e, ti, M, true, yp);
                    }
                    H[j * P + k] = H[k * P + j] =
                        (v[0] - v[1] - v[2] + v[3]) / (4.0 * h[j] * h[k]);
                }
            double gsg = 0.0, gd = 0.0, ths = 0.0, thshs = 0.0;
            for (size_t j = 0; j < P; j++) {
                gd += g[j] * d[j];
                for (size_t k = 0; k < P; k++) {
                    gsg += g[j] * S[j * P + k] * g[k];
                    ths += H[j * P + k] * S[k * P + j];
                    double hs_jk = 0.0, hs_kj = 0.0; /* (H S)_jk (H S)_kj */
                    for (size_t q = 0; q < P; q++) {
                        hs_jk += H[j * P + q] * S[q * P + k];
                        hs_kj += H[k * P + q] * S[q * P + j];
                    }
                    thshs += hs_jk * hs_kj;
                }
            }
            const double var1 = gsg / Dd, var2 = 0.5 * thshs / (Dd * Dd),
                         sh = (gd + 0.5 * ths) / Dd;
            const double r1 = fabs(s1 * s1 / var1 - 1.0), r2 = fabs((s2 * s2 - s1 * s1) / var2 - 1.0),
                         rs = fabs(shift / sh - 1.0);
            printf("biases, act %d t = %4.1f: first-order variance %.3e (off %.1e), Hessian term "
                   "%.3e (off %.1e), shift %.3e (off %.1e)\n", a, ti, var1, r1, var2, r2, sh, rs);
            ck_assert_msg(r1 <= 1e-3 && r2 <= 1e-3 && rs <= 1e-3, "act %d t %g: aedyn_band_error "
                          "off its derivatives: variance %g, Hessian term %g, shift %g", a, ti,
                          r1, r2, rs);
            ck_assert(fabs(e0 - ey) <= 1e-15 * fabs(ey) + 1e-300);
        }
        free(S);
        free(H);
        aedyn_band_destroy(b);
        aedyn_band_destroy(e);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* ---- the band against replicas ---- */

/* Kurtosis of the replicas' errors (for the standard error of their std). */
static double error_kurtosis(const double *v, size_t R, size_t nv, double *mean, double *var)
{
    double s = 0.0, s2 = 0.0, s4 = 0.0;
    for (size_t r = 0; r < R; r++)
        s += v[r * nv] / (double)R;
    for (size_t r = 0; r < R; r++) {
        const double d = v[r * nv] - s;
        s2 += d * d;
        s4 += d * d * d * d;
    }
    *mean = s;
    *var = s2 / (double)(R - 1);
    return (s4 / (double)R) / ((s2 / (double)R) * (s2 / (double)R));
}

/* R = 150 reduced replicas of a linear K = 2 autoencoder (D = 1000,
 * headline set-up) against the band: at t = 1, 2, 3, 4, 10, 12, 15 (every
 * phase before convergence) the predicted standard deviation of the error
 * within 3.5 standard errors of the replicas' (the standard error of log std
 * is sqrt((kurtosis - 1) / (4 R))); at t = 40 (converged) the replicas'
 * mean error within 3.5 standard errors of the ODE plus the predicted
 * O(1/D) shift, which is itself more than 50 standard errors away from the
 * ODE (so the shift is tested, not hidden in the noise). */
START_TEST(test_band_against_replicas)
{
    const size_t D = 1000, R = 150, nv = 17;
    tmpl t = make_tmpl(D, AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA, 0.1, 1);
    aedyn_band *b;
    aedyn_replicas *rep;
    ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
    ck_assert_aedyn_ok(aedyn_replicas_create_reduced(&rep, t.sgd, R, t.rng));
    ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(rep, 2));
    const double times[8] = { 1, 2, 3, 4, 10, 12, 15, 40 };
    double *v = malloc(R * nv * sizeof *v);
    for (int i = 0; i < 8; i++) {
        const uint64_t target = (uint64_t)(times[i] * (double)D);
        ck_assert_aedyn_ok(aedyn_replicas_step(rep, target - aedyn_replicas_get_n_steps(rep)));
        ck_assert_aedyn_ok(aedyn_band_advance(b, times[i]));
        ck_assert_aedyn_ok(aedyn_replicas_get_values(rep, v));
        double m, var, e, shift, s1, s2;
        const double kurt = error_kurtosis(v, R, nv, &m, &var);
        ck_assert_aedyn_ok(aedyn_band_error(b, &e, &shift, &s1, &s2));
        const double se = sqrt(var / (double)R), lr = log(s2 / sqrt(var));
        const double se_lr = sqrt((kurt - 1.0) / (4.0 * (double)R));
        printf("t = %4.1f: replicas %.6f +- %.1e (std %.3e), band %.6f %+.2e (std %.3e, ratio "
               "%.3f, first order %.3f)\n", times[i], m, se, sqrt(var), e, shift, s2,
               s2 / sqrt(var), s1 / sqrt(var));
        if (times[i] < 30.0) {
            ck_assert_msg(fabs(lr) <= 3.5 * se_lr, "t %g: predicted std %g, replicas %g (log "
                          "ratio %g, se %g)", times[i], s2, sqrt(var), lr, se_lr);
        } else {
            ck_assert_msg(fabs(shift) > 50.0 * se, "t %g: the shift %g is within the noise",
                          times[i], shift);
            ck_assert_msg(fabs(m - e - shift) <= 3.5 * se, "t %g: replicas %.9g, ODE %.9g + "
                          "shift %.3g (se %g)", times[i], m, e, shift, se);
            ck_assert(s2 > s1); /* the Hessian term counts once grad E -> 0 */
        }
    }
    free(v);
    aedyn_replicas_destroy(rep);
    aedyn_band_destroy(b);
    testutil_trainer_free(&t);
}
END_TEST

/* ---- the hybrid sampler of symmetric-plateau escapes ---- */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The plateau set-up: both units of an erf autoencoder (D, sigma0 0.1) share
 * their components on the spikes; their bulk parts are independent. */
static tmpl shared_spikes_tmpl(size_t D)
{
    tmpl t = make_tmpl(D, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.1, 1);
    double *W = malloc(2 * D * sizeof *W), *V = malloc(2 * D * sizeof *V);
    double *E = malloc(2 * D * sizeof *E);
    ck_assert_aedyn_ok(aedyn_net_get_weights(t.net, W, V, NULL));
    size_t m = 0;
    for (size_t g = 0; g < aedyn_data_get_n_groups(t.data); g++) {
        size_t mult, ne;
        ck_assert_aedyn_ok(aedyn_data_get_group(t.data, g, NULL, &mult, &ne));
        if (ne) {
            ck_assert_aedyn_ok(aedyn_data_get_group_vectors(t.data, g, E + m * D));
            m += ne;
        }
    }
    ck_assert_uint_eq(m, 2);
    for (size_t i = 0; i < D; i++) {
        W[D + i] = 0.1 * aedyn_rng_normal(t.rng);
        V[D + i] = 0.1 * aedyn_rng_normal(t.rng);
    }
    for (size_t j = 0; j < m; j++) { /* unit 2 takes unit 1's spike components */
        double a1 = 0, a2 = 0, b1 = 0, b2 = 0;
        for (size_t i = 0; i < D; i++) {
            a1 += W[i] * E[j * D + i];
            a2 += W[D + i] * E[j * D + i];
            b1 += V[i] * E[j * D + i];
            b2 += V[D + i] * E[j * D + i];
        }
        for (size_t i = 0; i < D; i++) {
            W[D + i] += (a1 - a2) * E[j * D + i];
            V[D + i] += (b1 - b2) * E[j * D + i];
        }
    }
    ck_assert_aedyn_ok(aedyn_net_set_weights(t.net, W, V, NULL));
    free(W);
    free(V);
    free(E);
    return t;
}

/* The eigenvalue of largest real part of the P x P matrix J (P <= 32), when
 * it is real and J's spectrum lies right of -5: power iteration on J + 5 I. */
static double leading_eigenvalue(const double *J, size_t P)
{
    double v[32], w[32], lam = 0.0;
    ck_assert_uint_le(P, 32);
    for (size_t i = 0; i < P; i++)
        v[i] = 1.0 / (double)(i + 1);
    for (int it = 0; it < 3000; it++) {
        double nrm = 0.0;
        for (size_t i = 0; i < P; i++) {
            w[i] = 5.0 * v[i];
            for (size_t j = 0; j < P; j++)
                w[i] += J[i * P + j] * v[j];
            nrm += w[i] * w[i];
        }
        nrm = sqrt(nrm);
        lam = nrm - 5.0;
        for (size_t i = 0; i < P; i++)
            v[i] = w[i] / nrm;
    }
    return lam;
}

/* Both units of an erf autoencoder share their components on the spikes;
 * their bulk parts are independent (D = 1000, sigma0 0.1). They learn the
 * first spike together and sit on an exchange-symmetric plateau near
 * pca(1), which SGD leaves by its noise. The escape time (error <= the
 * midpoint of pca(1) and pca(2), checked every 0.1) of R = 150 reduced
 * replicas against N = 150 ODEs started at t1 = 20 from N(y(t1),
 * Sigma(t1) / D): two-sample Kolmogorov-Smirnov below its 0.001 critical
 * value 1.95 sqrt(2 / 150); the ODE from the common weights escapes after
 * 90 % of the replicas; J has a positive eigenvalue on the plateau. */
START_TEST(test_hybrid_escapes)
{
    const size_t D = 1000, R = 150, N = 150;
    tmpl t = shared_spikes_tmpl(D);
    double p1, p2;
    ck_assert_aedyn_ok(aedyn_data_pca_error(t.data, 1, &p1));
    ck_assert_aedyn_ok(aedyn_data_pca_error(t.data, 2, &p2));
    const double level = 0.5 * (p1 + p2), t1 = 20.0, tmax = 150.0;
    /* the replicas */
    aedyn_replicas *rep;
    ck_assert_aedyn_ok(aedyn_replicas_create_reduced(&rep, t.sgd, R, t.rng));
    ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(rep, 2));
    ck_assert_aedyn_ok(aedyn_replicas_set_escape(rep, level, 0.1));
    ck_assert_aedyn_ok(aedyn_replicas_step(rep, (uint64_t)(tmax * (double)D)));
    double *tr = malloc(R * sizeof *tr), *th = malloc(N * sizeof *th), frac;
    ck_assert_aedyn_ok(aedyn_replicas_get_escape_times(rep, tr));
    ck_assert_aedyn_ok(aedyn_replicas_escape_stats(rep, 0, NULL, &frac, NULL));
    ck_assert(frac == 1.0);
    /* the band to t1, its unstable direction, the ensemble of ODEs */
    aedyn_band *b, *o;
    ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
    ck_assert_aedyn_ok(aedyn_band_create(&o, t.sgd));
    ck_assert_aedyn_ok(aedyn_band_set_fluctuations(o, false));
    ck_assert_aedyn_ok(aedyn_band_advance(b, t1));
    const size_t P = aedyn_band_get_n_state(b);
    double *J = malloc(P * P * sizeof *J), lam, y[64];
    ck_assert_aedyn_ok(aedyn_band_jacobian(b, J));
    lam = leading_eigenvalue(J, P);
    ck_assert_msg(lam > 0.05, "no unstable direction on the plateau: %g", lam);
    for (size_t s = 0; s < N; s++) {
        ck_assert_aedyn_ok(aedyn_band_sample(b, t.rng, y));
        ck_assert_aedyn_ok(aedyn_band_set_mean(o, t1, y));
        th[s] = INFINITY;
        for (int k = 1; t1 + 0.1 * k <= tmax; k++) {
            double e;
            ck_assert_aedyn_ok(aedyn_band_advance(o, t1 + 0.1 * k));
            ck_assert_aedyn_ok(aedyn_band_error(o, &e, NULL, NULL, NULL));
            if (e <= level) {
                th[s] = t1 + 0.1 * k;
                break;
            }
        }
    }
    /* the ODE from the common weights */
    aedyn_band_destroy(o);
    ck_assert_aedyn_ok(aedyn_band_create(&o, t.sgd));
    ck_assert_aedyn_ok(aedyn_band_set_fluctuations(o, false));
    double t_ode = INFINITY;
    for (int k = 1; 0.1 * k <= tmax; k++) {
        double e;
        ck_assert_aedyn_ok(aedyn_band_advance(o, 0.1 * k));
        ck_assert_aedyn_ok(aedyn_band_error(o, &e, NULL, NULL, NULL));
        if (e <= level) {
            t_ode = 0.1 * k;
            break;
        }
    }
    qsort(tr, R, sizeof *tr, cmp_double);
    qsort(th, N, sizeof *th, cmp_double);
    size_t i = 0, j = 0;
    double ks = 0.0;
    while (i < R && j < N) {
        const double x = fmin(tr[i], th[j]);
        while (i < R && tr[i] <= x)
            i++;
        while (j < N && th[j] <= x)
            j++;
        ks = fmax(ks, fabs((double)i / (double)R - (double)j / (double)N));
    }
    printf("escape times q10/q50/q90: replicas %.1f/%.1f/%.1f, hybrid %.1f/%.1f/%.1f; KS %.3f; "
           "ODE from the common weights %.1f; lambda_u %.3f\n", tr[R / 10], tr[R / 2],
           tr[R - 1 - R / 10], th[N / 10], th[N / 2], th[N - 1 - N / 10], ks, t_ode, lam);
    ck_assert_msg(ks <= 1.95 * sqrt(2.0 / 150.0), "KS %g", ks);
    ck_assert_msg(t_ode > tr[R - 1 - R / 10], "the ODE escaped at %g, before the replicas' q90 %g",
                  t_ode, tr[R - 1 - R / 10]);
    free(J);
    free(tr);
    free(th);
    aedyn_band_destroy(b);
    aedyn_band_destroy(o);
    aedyn_replicas_destroy(rep);
    testutil_trainer_free(&t);
}
END_TEST

/* The band and the plateau analysis (aedyn-analysis.h) linearise the same
 * mean dynamics in different coordinates (the band's reduced-chain
 * coordinates, the ODE's modes): on the symmetric plateau of the escape test
 * the unstable eigenvalue of the band's J equals the frozen-time lambda_u of
 * aedyn_analysis_linearise at the ODE's state. Frozen-time eigenvalues are
 * invariant under a change of coordinates y -> g(y) only up to terms in
 * the drift f (J' = G J G^-1 + (dG f) G^-1), so they agree to O(|f|) off
 * a fixed point; here they agree to 1e-8 (measured: the finite differences
 * of the band's J), and the tolerance is 1e-5 relative. The analysis must see
 * one clearly unstable direction (the frozen-time spectrum also has a few
 * eigenvalues within 1 % of lambda_u of zero: the slow drift along the
 * plateau). */
START_TEST(test_plateau_eigenvalue)
{
    tmpl t = shared_spikes_tmpl(1000);
    aedyn_ode *ode;
    aedyn_band *b;
    ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&ode, t.sgd));
    ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
    ck_assert_aedyn_ok(aedyn_band_set_fluctuations(b, false));
    const size_t P = aedyn_band_get_n_state(b);
    double *J = malloc(P * P * sizeof *J);
    const double times[3] = { 15.0, 20.0, 30.0 };
    for (int i = 0; i < 3; i++) {
        aedyn_analysis *an;
        double lam_a, lam_b, e_o, e_b;
        size_t mult, n_unstable;
        ck_assert_aedyn_ok(aedyn_ode_advance(ode, times[i]));
        ck_assert_aedyn_ok(aedyn_analysis_create(&an, ode));
        ck_assert_aedyn_ok(aedyn_analysis_linearise(an));
        ck_assert_aedyn_ok(aedyn_analysis_get_unstable(an, &lam_a, &mult));
        const size_t ne = aedyn_analysis_get_n_eigenvalues(an);
        double *re = malloc(ne * sizeof *re), second = -INFINITY;
        ck_assert_aedyn_ok(aedyn_analysis_get_eigenvalues(an, re, NULL));
        n_unstable = 0;
        for (size_t q = 0; q < ne; q++) {
            n_unstable += re[q] > 0.1 * lam_a;
            if (re[q] < lam_a)
                second = fmax(second, re[q]);
        }
        free(re);
        aedyn_analysis_destroy(an);
        ck_assert_aedyn_ok(aedyn_band_advance(b, times[i]));
        ck_assert_aedyn_ok(aedyn_band_jacobian(b, J));
        lam_b = leading_eigenvalue(J, P);
        ck_assert_aedyn_ok(aedyn_ode_error(ode, &e_o));
        ck_assert_aedyn_ok(aedyn_band_error(b, &e_b, NULL, NULL, NULL));
        printf("plateau t = %g: error %.6f (band %.6f); lambda_u analysis %.6f (mult. %zu, "
               "next eigenvalue %.1e), band %.6f, relative difference %.1e\n", times[i], e_o,
               e_b, lam_a, mult, second, lam_b, fabs(lam_b - lam_a) / lam_a);
        ck_assert_msg(lam_a > 0.05 && mult == 1 && n_unstable == 1,
                      "analysis: lambda_u %g (multiplicity %zu, %zu above lambda_u / 10)", lam_a,
                      mult, n_unstable);
        ck_assert_msg(fabs(lam_b - lam_a) <= 1e-5 * lam_a, "lambda_u: band %g, analysis %g",
                      lam_b, lam_a);
    }
    free(J);
    aedyn_band_destroy(b);
    aedyn_ode_destroy(ode);
    testutil_trainer_free(&t);
}
END_TEST

/* ---- sampler, Jacobian, refusals ---- */

/* N = 20000 draws of aedyn_band_sample: their mean within 4 standard errors
 * of the band's mean and their variance within 4 standard errors of
 * Sigma / D, for every packed coordinate. */
START_TEST(test_sample)
{
    const size_t D = 1000, N = 20000;
    tmpl t = make_tmpl(D, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.1, 5);
    aedyn_band *b;
    ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
    ck_assert_aedyn_ok(aedyn_band_advance(b, 4.0));
    const size_t P = aedyn_band_get_n_state(b);
    double *S = malloc(P * P * sizeof *S), yc[64], y[32], mean[32], s1[32] = { 0 }, s2[32] = { 0 };
    ck_assert_aedyn_ok(aedyn_band_get_covariance(b, S, NULL));
    ck_assert_aedyn_ok(aedyn_band_get_mean(b, yc));
    pack(yc, 2, false, mean);
    for (size_t r = 0; r < N; r++) {
        ck_assert_aedyn_ok(aedyn_band_sample(b, t.rng, yc));
        pack(yc, 2, false, y);
        for (size_t i = 0; i < P; i++) {
            s1[i] += (y[i] - mean[i]) / (double)N;
            s2[i] += (y[i] - mean[i]) * (y[i] - mean[i]) / (double)N;
        }
    }
    for (size_t i = 0; i < P; i++) {
        const double var = S[i * P + i] / (double)D;
        ck_assert_msg(fabs(s1[i]) <= 4.0 * sqrt(var / (double)N) + 1e-300, "coordinate %zu", i);
        ck_assert_msg(fabs(s2[i] - var) <= 4.0 * var * sqrt(2.0 / (double)N) + 1e-300,
                      "coordinate %zu: variance %g, expected %g", i, s2[i], var);
    }
    /* the Jacobian: finite; set_mean restarts Sigma and delta at 0 */
    double *J = malloc(P * P * sizeof *J), d[32];
    ck_assert_aedyn_ok(aedyn_band_jacobian(b, J));
    ck_assert_aedyn_ok(aedyn_band_set_mean(b, 4.0, yc));
    ck_assert(aedyn_band_get_time(b) == 4.0);
    ck_assert_aedyn_ok(aedyn_band_get_covariance(b, S, d));
    for (size_t i = 0; i < P * P; i++)
        ck_assert(S[i] == 0.0);
    free(J);
    free(S);
    aedyn_band_destroy(b);
    testutil_trainer_free(&t);
}
END_TEST

START_TEST(test_refusals)
{
    aedyn_band *b = NULL;
    tmpl t = make_tmpl(40, AEDYN_NET_ACT_ERF, AEDYN_NET_TIED, AEDYN_SGD_VANILLA, 0.3, 1);
    ck_assert_aedyn_fails(aedyn_band_create(&b, t.sgd), AEDYN_ERR_UNSUPPORTED);
    ck_assert_ptr_null(b);
    testutil_trainer_free(&t);
    t = make_tmpl(40, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.3, 1);
    ck_assert_aedyn_ok(aedyn_band_create(&b, t.sgd));
    ck_assert_aedyn_fails(aedyn_band_advance(b, -1.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_band_set_quadrature(b, 0), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_band_set_tolerances(b, 0.0, 1e-9), AEDYN_ERR_INVALID);
    double y[64];
    ck_assert_aedyn_ok(aedyn_band_get_mean(b, y));
    y[0] = NAN;
    ck_assert_aedyn_fails(aedyn_band_set_mean(b, 0.0, y), AEDYN_ERR_INVALID);
    ck_assert_aedyn_ok(aedyn_band_get_mean(b, y));
    ck_assert_aedyn_fails(aedyn_band_set_mean(b, -1.0, y), AEDYN_ERR_INVALID);
    aedyn_band_destroy(b);
    aedyn_band_destroy(NULL);
    testutil_trainer_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("band");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_mean_is_ode);
    tcase_add_test(tc, test_quadrature_mean_is_drift);
    tcase_add_test(tc, test_noise_against_pairwise);
    tcase_add_test(tc, test_noise_against_pairwise_k3);
    tcase_add_test(tc, test_derivatives_against_differences);
    tcase_add_test(tc, test_stepwise_against_joint);
    tcase_add_test(tc, test_nodes_against_rk4);
    tcase_add_test(tc, test_stepwise_divergence);
    tcase_add_test(tc, test_noise_against_steps);
    tcase_add_test(tc, test_schedule_breakpoints);
    tcase_add_test(tc, test_error_derivatives_with_biases);
    tcase_add_test(tc, test_band_against_replicas);
    tcase_add_test(tc, test_hybrid_escapes);
    tcase_add_test(tc, test_plateau_eigenvalue);
    tcase_add_test(tc, test_sample);
    tcase_add_test(tc, test_refusals);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
