/* Gaussian expectations (lib/gauss.c): the Gauss-Hermite rule; every closed
 * form (1-D moments with bias, 2-D products, I2, I3) against the generic
 * quadrature path (to 1e-8) and against Monte Carlo (within 4 standard
 * errors, fixed seeds); the user-function (Gauss-Hermite) path against the
 * closed forms; and finite results at the edges (zero variance, perfectly
 * correlated and slightly invalid covariances). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"
#include "gauss-internal.h"

#define NACT 3
static const aedyn_net_activation acts[NACT] = {AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF, AEDYN_NET_ACT_RELU};
static const char *act_name[NACT] = {"linear", "erf", "relu"};

/* Closed forms and quadrature both aim at ~1e-12; the brief's bar is 1e-8,
 * relative to max(1, |value|). */
#define QUAD_TOL 1e-8

static double scaled_dev(double a, double b) { return fabs(a - b) / fmax(1.0, fabs(b)); }

/* erf(x/sqrt2) and its derivatives as user functions (the generic path). */
static double u_g(double x, void *u) { (void)u; return erf(x / sqrt(2.0)); }
static double u_dg(double x, void *u) { (void)u; return sqrt(2.0 / AEDYN__PI) * exp(-0.5 * x * x); }
static double u_ddg(double x, void *u) { (void)u; return -x * sqrt(2.0 / AEDYN__PI) * exp(-0.5 * x * x); }
static aedyn__gact user_erf(void) { return (aedyn__gact){AEDYN_NET_ACT_LINEAR, {u_g, u_dg, u_ddg}, NULL}; }

/* Covariances (c11, c12, c22), including near-singular and singular ones. */
#define NCOV 9
static const double covs[NCOV][3] = {
    {1.0, 0.3, 0.5},  {0.2, -0.1, 2.0}, {4.0, 3.9, 4.0},        {1.0, 1.0 - 1e-9, 1.0},
    {1.0, 1.0, 1.0},  {2.0, -0.999999, 0.5}, {0.5, 0.0, 0.5},   {9.0, 0.29, 0.01},
    {0.05, 0.049, 0.05}};
#define NBIAS 3
static const double biases[NBIAS][2] = {{0.0, 0.0}, {0.5, -0.8}, {-1.5, 2.0}};

/* ---- Gauss-Hermite rule ------------------------------------------------------------ */

START_TEST(gauss_hermite_moments)
{
    /* An n-point rule integrates z^j exactly for j <= 2n - 1: E z^{2i} = (2i-1)!!. */
    const size_t orders[] = {1, 2, 5, 20, 64, 128};
    for (size_t t = 0; t < sizeof orders / sizeof *orders; t++) {
        aedyn__gauss_ws ws;
        ck_assert_aedyn_ok(aedyn__gauss_ws_init(&ws, orders[t]));
        for (int p = 0; p <= 12 && p <= 2 * (int)orders[t] - 1; p++) {
            double s = 0.0, exact = (p % 2) ? 0.0 : 1.0;
            for (int i = p - 1; i > 0 && p % 2 == 0; i -= 2)
                exact *= i;
            for (size_t i = 0; i < ws.n; i++)
                s += ws.w[i] * pow(ws.z[i], p);
            ck_assert_msg(fabs(s - exact) <= 1e-12 * fmax(1.0, exact), "n=%zu p=%d: %.17g vs %g",
                          ws.n, p, s, exact);
        }
        for (size_t i = 1; i < ws.n; i++)
            ck_assert(ws.z[i] > ws.z[i - 1]);
    }
    aedyn__gauss_ws ws;
    ck_assert_aedyn_fails(aedyn__gauss_ws_init(&ws, 0), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__gauss_ws_init(&ws, AEDYN__GH_MAX + 1), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn__gauss_ws_init(NULL, 10), AEDYN_ERR_NULL);
}
END_TEST

/* ---- 1-D ---------------------------------------------------------------------------- */

START_TEST(closed1_vs_quad)
{
    const double Qs[] = {1e-4, 0.01, 0.3, 1.0, 4.0, 25.0}, bs[] = {0.0, 0.7, -1.3, 3.0};
    aedyn__gauss_ws ws;
    ck_assert_aedyn_ok(aedyn__gauss_ws_init(&ws, AEDYN__GH_DEFAULT));
    const aedyn__gact ue = user_erf();
    double worst = 0.0, worst_user = 0.0;
    for (int a = 0; a < NACT; a++) {
        const aedyn__gact ga = aedyn__gact_builtin(acts[a]);
        for (size_t iq = 0; iq < 6; iq++)
            for (size_t ib = 0; ib < 4; ib++)
                for (int o = 0; o <= 3; o++) {
                    const double Q = Qs[iq], b = bs[ib];
                    const double c = aedyn__gauss1_closed(acts[a], o, Q, b);
                    const double q = aedyn__gauss1_quad(&ga, &ws, o, Q, b);
                    const double dev = scaled_dev(q, c);
                    worst = fmax(worst, dev);
                    ck_assert_msg(dev <= QUAD_TOL, "%s order %d Q=%g b=%g: closed %.15g quad %.15g",
                                  act_name[a], o, Q, b, c, q);
                    if (acts[a] == AEDYN_NET_ACT_ERF) {
                        const double qu = aedyn__gauss1_quad(&ue, &ws, o, Q, b);
                        worst_user = fmax(worst_user, scaled_dev(qu, c));
                        ck_assert_msg(scaled_dev(qu, c) <= QUAD_TOL, "user erf order %d Q=%g b=%g: %.15g vs %.15g",
                                      o, Q, b, qu, c);
                    }
                }
    }
    printf("1-D closed vs quadrature: max deviation %.3g (built-in), %.3g (user erf)\n", worst,
           worst_user);
}
END_TEST

/* Sample mean and standard error of f over n draws. */
typedef struct {
    double sum, sum2;
    size_t n;
} acc_t;
static void acc_add(acc_t *a, double x)
{
    a->sum += x;
    a->sum2 += x * x;
    a->n++;
}
static double acc_mean(const acc_t *a) { return a->sum / (double)a->n; }
static double acc_se(const acc_t *a)
{
    const double m = acc_mean(a), var = (a->sum2 / (double)a->n - m * m) * (double)a->n / (double)(a->n - 1);
    return sqrt(fmax(var, 0.0) / (double)a->n);
}

/* |estimate - exact| <= 4 SE (+ a floor of 1e-12 for quantities with zero variance,
 * e.g. g' of the linear activation). */
static void check_mc(const acc_t *a, double exact, const char *what)
{
    const double m = acc_mean(a), se = acc_se(a);
    ck_assert_msg(fabs(m - exact) <= 4.0 * se + 1e-12, "%s: MC %.6g +- %.2g vs %.10g (%.1f SE)",
                  what, m, se, exact, fabs(m - exact) / se);
}

START_TEST(closed1_vs_monte_carlo)
{
    /* 10^5 draws per (Q, b): the means below are checked within 4 standard errors. */
    const double Qs[] = {0.3, 2.0}, bs[] = {0.0, -0.9};
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 1234, 0));
    for (size_t iq = 0; iq < 2; iq++)
        for (size_t ib = 0; ib < 2; ib++) {
            const double Q = Qs[iq], b = bs[ib], s = sqrt(Q);
            acc_t acc[NACT][3] = {{{0}}};
            for (int i = 0; i < 100000; i++) {
                const double x = b + s * aedyn_rng_normal(rng);
                for (int a = 0; a < NACT; a++)
                    for (int o = 0; o < 3; o++)
                        acc_add(&acc[a][o], aedyn__act_eval(acts[a], o, x));
            }
            for (int a = 0; a < NACT; a++)
                for (int o = 0; o < 3; o++) {
                    if (acts[a] == AEDYN_NET_ACT_RELU && o == 2)
                        continue; /* a delta: no Monte Carlo */
                    char what[64];
                    snprintf(what, sizeof what, "%s order %d Q=%g b=%g", act_name[a], o, Q, b);
                    check_mc(&acc[a][o], aedyn__gauss1_closed(acts[a], o, Q, b), what);
                }
        }
    aedyn_rng_destroy(rng);
}
END_TEST

START_TEST(third_moment_by_stein)
{
    /* E g''' = d/db E g'': check the closed g''' against a central difference of
     * the closed g'' (step 1e-4: error ~1e-8 relative). */
    for (int a = 0; a < NACT; a++)
        for (double b = -2.0; b <= 2.0; b += 0.5) {
            const double Q = 0.7, h = 1e-4;
            const double fd = (aedyn__gauss1_closed(acts[a], 2, Q, b + h) -
                               aedyn__gauss1_closed(acts[a], 2, Q, b - h)) / (2.0 * h);
            ck_assert_msg(fabs(fd - aedyn__gauss1_closed(acts[a], 3, Q, b)) < 1e-7, "%s b=%g",
                          act_name[a], b);
        }
}
END_TEST

/* ---- 2-D ---------------------------------------------------------------------------- */

START_TEST(closed2_vs_quad)
{
    aedyn__gauss_ws ws;
    ck_assert_aedyn_ok(aedyn__gauss_ws_init(&ws, AEDYN__GH_DEFAULT));
    const aedyn__gact ue = user_erf();
    double worst = 0.0, worst_user = 0.0;
    int n_closed = 0;
    for (int a = 0; a < NACT; a++) {
        const aedyn__gact ga = aedyn__gact_builtin(acts[a]);
        for (int ic = 0; ic < NCOV; ic++)
            for (int ib = 0; ib < NBIAS; ib++)
                for (int m = 0; m <= 2; m++)
                    for (int n = 0; n <= 2; n++) {
                        const double *C = covs[ic], *b = biases[ib];
                        double c;
                        if (!aedyn__gauss2_closed(acts[a], m, n, C[0], C[1], C[2], b[0], b[1], &c))
                            continue;
                        n_closed++;
                        const double q = aedyn__gauss2_quad(&ga, &ws, m, n, C[0], C[1], C[2], b[0], b[1]);
                        worst = fmax(worst, scaled_dev(q, c));
                        ck_assert_msg(scaled_dev(q, c) <= QUAD_TOL,
                                      "%s (%d,%d) C=(%g,%g,%g) b=(%g,%g): closed %.15g quad %.15g",
                                      act_name[a], m, n, C[0], C[1], C[2], b[0], b[1], c, q);
                        if (acts[a] != AEDYN_NET_ACT_ERF)
                            continue;
                        const double qu = aedyn__gauss2_quad(&ue, &ws, m, n, C[0], C[1], C[2], b[0], b[1]);
                        worst_user = fmax(worst_user, scaled_dev(qu, c));
                        ck_assert_msg(scaled_dev(qu, c) <= QUAD_TOL,
                                      "user erf (%d,%d) C=(%g,%g,%g) b=(%g,%g): closed %.15g quad %.15g",
                                      m, n, C[0], C[1], C[2], b[0], b[1], c, qu);
                    }
    }
    /* per covariance: linear all 9 pairs with any bias; erf 6 pairs without bias and
     * 5 with bias; ReLU 6 pairs without bias */
    ck_assert_int_eq(n_closed, NCOV * (9 * NBIAS + 6 + 5 * (NBIAS - 1) + 6));
    printf("2-D closed vs quadrature (%d cases): max deviation %.3g (built-in), %.3g (user erf)\n",
           n_closed, worst, worst_user);
}
END_TEST

START_TEST(erf_bias_builtin_vs_user_quad)
{
    /* E[g g] for biased erf has no closed form: the two quadrature paths (closed
     * inner + adaptive outer, Gauss-Hermite inner) must agree. */
    aedyn__gauss_ws ws;
    ck_assert_aedyn_ok(aedyn__gauss_ws_init(&ws, AEDYN__GH_DEFAULT));
    const aedyn__gact ue = user_erf(), ge = aedyn__gact_builtin(AEDYN_NET_ACT_ERF);
    double worst = 0.0;
    for (int ic = 0; ic < NCOV; ic++)
        for (int ib = 1; ib < NBIAS; ib++)
            for (int m = 0; m <= 2; m++)
                for (int n = 0; n <= 2; n++) {
                    const double *C = covs[ic], *b = biases[ib];
                    const double q1 = aedyn__gauss2_quad(&ge, &ws, m, n, C[0], C[1], C[2], b[0], b[1]);
                    const double q2 = aedyn__gauss2_quad(&ue, &ws, m, n, C[0], C[1], C[2], b[0], b[1]);
                    worst = fmax(worst, scaled_dev(q1, q2));
                    ck_assert_msg(scaled_dev(q1, q2) <= QUAD_TOL, "(%d,%d) C=(%g,%g,%g): %.15g vs %.15g",
                                  m, n, C[0], C[1], C[2], q1, q2);
                }
    printf("biased erf, closed-inner vs Gauss-Hermite-inner quadrature: max deviation %.3g\n", worst);
}
END_TEST

/* Draw (x1, x2) ~ N(b, C) for a valid C. */
static void draw2(aedyn_rng *rng, const double *C, const double *b, double *x1, double *x2)
{
    const double s1 = sqrt(C[0]), a = s1 > 0 ? C[1] / s1 : 0.0, s2 = sqrt(fmax(C[2] - a * a, 0.0));
    const double z1 = aedyn_rng_normal(rng), z2 = aedyn_rng_normal(rng);
    *x1 = b[0] + s1 * z1;
    *x2 = b[1] + a * z1 + s2 * z2;
}

START_TEST(gauss2_vs_monte_carlo)
{
    /* The dispatcher (closed form or quadrature, incl. biased ReLU) against 10^5
     * draws per case, within 4 standard errors. */
    const int cases[] = {0, 1, 2, 7};
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 99, 1));
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++)
        for (int ib = 0; ib < NBIAS; ib++) {
            const double *C = covs[cases[t]], *b = biases[ib];
            acc_t acc[NACT][3][3] = {{{{0}}}};
            for (int i = 0; i < 100000; i++) {
                double x1, x2;
                draw2(rng, C, b, &x1, &x2);
                for (int a = 0; a < NACT; a++)
                    for (int m = 0; m < 3; m++)
                        for (int n = 0; n < 3; n++)
                            acc_add(&acc[a][m][n], aedyn__act_eval(acts[a], m, x1) *
                                                        aedyn__act_eval(acts[a], n, x2));
            }
            for (int a = 0; a < NACT; a++) {
                const aedyn__gact ga = aedyn__gact_builtin(acts[a]);
                for (int m = 0; m < 3; m++)
                    for (int n = 0; n < 3; n++) {
                        if (acts[a] == AEDYN_NET_ACT_RELU && (m == 2 || n == 2))
                            continue; /* deltas */
                        char what[96];
                        snprintf(what, sizeof what, "%s (%d,%d) C=(%g,%g,%g) b=(%g,%g)", act_name[a], m,
                                 n, C[0], C[1], C[2], b[0], b[1]);
                        check_mc(&acc[a][m][n],
                                 aedyn__gauss2(&ga, NULL, m, n, C[0], C[1], C[2], b[0], b[1]), what);
                    }
            }
        }
    aedyn_rng_destroy(rng);
}
END_TEST

START_TEST(relu_delta_products)
{
    /* E[delta(x1+b1) relu(x2+b2)] (quadrature path: exact conditional formula)
     * against d/db1 E[H(x1+b1) relu(x2+b2)] by central differences (error ~1e-7). */
    const aedyn__gact gr = aedyn__gact_builtin(AEDYN_NET_ACT_RELU);
    for (int ic = 0; ic < NCOV; ic++)
        for (int ib = 0; ib < NBIAS; ib++) {
            const double *C = covs[ic], *b = biases[ib], h = 1e-4;
            if (C[0] < 0.1 || C[0] * C[2] - C[1] * C[1] < 1e-3 * C[0] * C[2])
                continue; /* finite differences need smooth, non-degenerate densities */
            for (int n = 0; n <= 1; n++) {
                const double fd = (aedyn__gauss2_quad(&gr, NULL, 1, n, C[0], C[1], C[2], b[0] + h, b[1]) -
                                   aedyn__gauss2_quad(&gr, NULL, 1, n, C[0], C[1], C[2], b[0] - h, b[1])) /
                                  (2.0 * h);
                const double d = aedyn__gauss2_quad(&gr, NULL, 2, n, C[0], C[1], C[2], b[0], b[1]);
                const double d_sw = aedyn__gauss2_quad(&gr, NULL, n, 2, C[2], C[1], C[0], b[1], b[0]);
                ck_assert_msg(fabs(fd - d) < 1e-6, "(2,%d) C=(%g,%g,%g) b=(%g,%g): %.10g vs %.10g", n,
                              C[0], C[1], C[2], b[0], b[1], d, fd);
                ck_assert_msg(fabs(d - d_sw) < 1e-13, "swap symmetry");
            }
        }
}
END_TEST

START_TEST(I2_table_and_perfect_correlation)
{
    /* I2 is the (0,0) closed form; with C11 = C12 = C22 = Q and equal biases the 2-D
     * product is a 1-D moment: E g'^2 for erf is (2/pi) e^{-b^2/(1+2Q)}/sqrt(1+2Q). */
    for (int a = 0; a < NACT; a++)
        for (int ic = 0; ic < NCOV; ic++) {
            double c;
            ck_assert(aedyn__gauss2_closed(acts[a], 0, 0, covs[ic][0], covs[ic][1], covs[ic][2], 0, 0, &c));
            ck_assert_double_eq_tol(c, aedyn__gauss_I2(acts[a], covs[ic][0], covs[ic][1], covs[ic][2]), 1e-15);
        }
    for (double Q = 0.0; Q < 5.0; Q += 0.7)
        for (double b = -1.0; b <= 1.0; b += 0.5) {
            double c;
            ck_assert(aedyn__gauss2_closed(AEDYN_NET_ACT_ERF, 1, 1, Q, Q, Q, b, b, &c));
            const double exact = 2.0 / AEDYN__PI * exp(-b * b / (1.0 + 2.0 * Q)) / sqrt(1.0 + 2.0 * Q);
            ck_assert_double_eq_tol(c, exact, 1e-14);
            /* ReLU: E[H(x)^2] = Phi(b/sqrt Q), E[relu(x)^2] = (Q + b^2) Phi + b s phi */
            const aedyn__gact gr = aedyn__gact_builtin(AEDYN_NET_ACT_RELU);
            const double s = sqrt(Q);
            const double P = Q > 0 ? aedyn__ncdf(b / s) : (b > 0), ph = Q > 0 ? aedyn__npdf(b / s) : 0.0;
            ck_assert_double_eq_tol(aedyn__gauss2(&gr, NULL, 1, 1, Q, Q, Q, b, b), P, 1e-12);
            ck_assert_double_eq_tol(aedyn__gauss2(&gr, NULL, 0, 0, Q, Q, Q, b, b),
                                    (Q + b * b) * P + b * s * ph, 1e-11);
        }
}
END_TEST

/* ---- I3 ----------------------------------------------------------------------------- */

#define NC3 4
static const double cov3[NC3][9] = {
    {1.0, 0.3, 0.2, 0.3, 1.5, -0.4, 0.2, -0.4, 0.8},
    {0.5, -0.2, 0.45, -0.2, 0.3, -0.17, 0.45, -0.17, 0.41}, /* x1, x3 nearly collinear */
    {2.0, 0.5, 1.0, 0.5, 1.0, 0.25, 1.0, 0.25, 0.5},     /* x1, x3 exactly collinear */
    {0.1, 0.05, 0.0, 0.05, 1.0, 0.6, 0.0, 0.6, 3.0}};

START_TEST(I3_vs_stein_and_monte_carlo)
{
    /* I3 = C12 E[g''(x1) g(x3)] + C23 E[g'(x1) g'(x3)] (Stein) with both terms by
     * quadrature (1e-8), and Monte Carlo with 2x10^5 draws (4 SE). */
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 7, 3));
    double worst = 0.0;
    for (int t = 0; t < NC3; t++) {
        const double *C = cov3[t];
        /* Cholesky of the 3x3 covariance (semi-definite: zero pivots skipped) */
        double L[9] = {0};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j <= i; j++) {
                double s = C[3 * i + j];
                for (int k = 0; k < j; k++)
                    s -= L[3 * i + k] * L[3 * j + k];
                if (i == j)
                    L[3 * i + i] = sqrt(fmax(s, 0.0));
                else
                    L[3 * i + j] = L[3 * j + j] > 1e-12 ? s / L[3 * j + j] : 0.0;
            }
        acc_t acc[NACT] = {{0}};
        for (int i = 0; i < 200000; i++) {
            double z[3], x[3];
            for (int k = 0; k < 3; k++)
                z[k] = aedyn_rng_normal(rng);
            for (int k = 0; k < 3; k++)
                x[k] = L[3 * k] * z[0] + L[3 * k + 1] * z[1] + L[3 * k + 2] * z[2];
            for (int a = 0; a < NACT; a++)
                acc_add(&acc[a], aedyn__act_eval(acts[a], 1, x[0]) * x[1] * aedyn__act_eval(acts[a], 0, x[2]));
        }
        for (int a = 0; a < NACT; a++) {
            const aedyn__gact ga = aedyn__gact_builtin(acts[a]);
            const double i3 = aedyn__gauss_I3(acts[a], C);
            const double st = C[1] * aedyn__gauss2_quad(&ga, NULL, 2, 0, C[0], C[2], C[8], 0, 0) +
                              C[5] * aedyn__gauss2_quad(&ga, NULL, 1, 1, C[0], C[2], C[8], 0, 0);
            worst = fmax(worst, scaled_dev(st, i3));
            ck_assert_msg(scaled_dev(st, i3) <= QUAD_TOL, "%s case %d: %.15g vs %.15g", act_name[a], t, i3, st);
            char what[64];
            snprintf(what, sizeof what, "I3 %s case %d", act_name[a], t);
            check_mc(&acc[a], i3, what);
        }
    }
    printf("I3 closed vs Stein/quadrature: max deviation %.3g\n", worst);
    aedyn_rng_destroy(rng);
}
END_TEST

/* ---- edges -------------------------------------------------------------------------- */

START_TEST(edges_are_finite)
{
    /* Zero variances, perfect (anti)correlation, rounding-invalid covariances and
     * far biases: every routine returns a finite number. */
    const double edge[][3] = {{0, 0, 0},     {0, 0, 1},        {1, 0, 0},          {1, 1, 1},
                              {1, -1, 1},    {4, 2 + 1e-15, 1}, {-1e-18, 0, 1},     {1e-300, 1e-300, 1e-300},
                              {1e-30, 1e-15, 1}, {2, 1.0000001, 0.5}, {1e6, 1e3, 1}};
    const double eb[][2] = {{0, 0}, {0.3, -0.2}, {-40, 40}, {1e3, -1e3}};
    aedyn__gauss_ws ws;
    ck_assert_aedyn_ok(aedyn__gauss_ws_init(&ws, 32));
    const aedyn__gact ue = user_erf();
    for (int a = 0; a < NACT; a++) {
        const aedyn__gact ga = aedyn__gact_builtin(acts[a]);
        for (size_t e = 0; e < sizeof edge / sizeof *edge; e++) {
            const double *C = edge[e];
            ck_assert(isfinite(aedyn__gauss_I2(acts[a], C[0], C[1], C[2])));
            const double C3[9] = {C[0], 0.3, C[1], 0.3, 1.0, 0.2, C[1], 0.2, C[2]};
            ck_assert(isfinite(aedyn__gauss_I3(acts[a], C3)));
            for (size_t ib = 0; ib < sizeof eb / sizeof *eb; ib++)
                for (int m = 0; m <= 2; m++) {
                    const double *b = eb[ib];
                    ck_assert_msg(isfinite(aedyn__gauss1_closed(acts[a], m, C[0], b[0])), "1-D closed");
                    ck_assert_msg(isfinite(aedyn__gauss1_quad(&ga, &ws, m, C[0], b[0])), "1-D quad");
                    ck_assert_msg(isfinite(aedyn__gauss1_quad(&ue, &ws, m + 1, C[0], b[0])), "1-D user");
                    for (int n = 0; n <= 2; n++) {
                        double c = 0.0;
                        if (aedyn__gauss2_closed(acts[a], m, n, C[0], C[1], C[2], b[0], b[1], &c))
                            ck_assert_msg(isfinite(c), "closed %s (%d,%d) edge %zu bias %zu", act_name[a], m, n, e, ib);
                        ck_assert_msg(isfinite(aedyn__gauss2_quad(&ga, &ws, m, n, C[0], C[1], C[2], b[0], b[1])),
                                      "quad %s (%d,%d) edge %zu bias %zu", act_name[a], m, n, e, ib);
                        ck_assert(isfinite(aedyn__gauss2_quad(&ue, &ws, m, n, C[0], C[1], C[2], b[0], b[1])));
                    }
                }
        }
    }
}
END_TEST

START_TEST(zero_variance_is_the_point_value)
{
    /* A deterministic field gives the library's own g(b), g'(b) (ReLU: g'(0) = 0),
     * and the 2-D products factorise; erf and linear are continuous in Q -> 0. */
    for (int a = 0; a < NACT; a++)
        for (double b = -1.0; b <= 1.0; b += 0.5)
            for (int o = 0; o <= 1; o++) {
                ck_assert_double_eq_tol(aedyn__gauss1_closed(acts[a], o, 0.0, b), aedyn__act_eval(acts[a], o, b), 1e-15);
                const double c = aedyn__gauss2(&(aedyn__gact){acts[a], {0}, 0}, NULL, o, 0, 0.0, 0.0, 0.7, b, 0.4);
                ck_assert_double_eq_tol(c, aedyn__act_eval(acts[a], o, b) * aedyn__gauss1_closed(acts[a], 0, 0.7, 0.4), 1e-12);
            }
    ck_assert_double_eq(aedyn__gauss1_closed(AEDYN_NET_ACT_RELU, 1, 0.0, 0.0), 0.0);
    for (int o = 0; o <= 3; o++)
        ck_assert_double_eq_tol(aedyn__gauss1_closed(AEDYN_NET_ACT_ERF, o, 1e-14, 0.3),
                                aedyn__gauss1_closed(AEDYN_NET_ACT_ERF, o, 0.0, 0.3), 1e-12);
    double c0, c1;
    ck_assert(aedyn__gauss2_closed(AEDYN_NET_ACT_ERF, 2, 0, 1e-14, 1e-8, 1.0, 0.2, 0.1, &c1));
    ck_assert(aedyn__gauss2_closed(AEDYN_NET_ACT_ERF, 2, 0, 0.0, 0.0, 1.0, 0.2, 0.1, &c0));
    ck_assert_double_eq_tol(c0, c1, 1e-7);
}
END_TEST

static Suite *gauss_suite(void)
{
    Suite *s = suite_create("gauss");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, gauss_hermite_moments);
    tcase_add_test(tc, closed1_vs_quad);
    tcase_add_test(tc, closed1_vs_monte_carlo);
    tcase_add_test(tc, third_moment_by_stein);
    tcase_add_test(tc, closed2_vs_quad);
    tcase_add_test(tc, erf_bias_builtin_vs_user_quad);
    tcase_add_test(tc, gauss2_vs_monte_carlo);
    tcase_add_test(tc, relu_delta_products);
    tcase_add_test(tc, I2_table_and_perfect_correlation);
    tcase_add_test(tc, I3_vs_stein_and_monte_carlo);
    tcase_add_test(tc, edges_are_finite);
    tcase_add_test(tc, zero_variance_is_the_point_value);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return testutil_run(gauss_suite()); }
