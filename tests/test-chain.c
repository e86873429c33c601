/* The exact reduced SGD chain (lib/chain.c, include/aedyn/aedyn-chain.h):
 *  - one step of the chain on given variates equals one step of the trainer
 *    on the input that has exactly those projections, projected (every
 *    activation, bias, truncated rule, weight decay, a rate schedule);
 *  - the chain's state, order parameters and error at creation are the
 *    network's; get/set of the state; refusals;
 *  - the chi-square sampler and the Gaussian initial state in distribution;
 *  - in distribution against full SGD: R = 150 replicas of each at D = 250,
 *    linear and erf (means, spreads, two-sample Kolmogorov-Smirnov), and
 *    the mean against the ODE as D grows;
 *  - reduced replicas: bit-identical for any thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "chain-private.h"

typedef testutil_trainer tmpl;

static tmpl make_tmpl(size_t D, size_t K, size_t M, aedyn_net_activation act, unsigned flags,
                      aedyn_sgd_rule rule, double lr, double sigma0, uint64_t seed)
{
    return testutil_spiked_trainer(D, K, M, act, flags, rule, lr, sigma0, seed, 0);
}

/* ---- one step is exact ---- */

/* The explicit eigenvectors (M x D) and their eigenvalues, the bulk's. */
static double *explicit_vectors(const aedyn_data *d, size_t *M, double *rho, double *rho_b)
{
    const size_t D = aedyn_data_get_dim(d), G = aedyn_data_get_n_groups(d);
    double *E = calloc(D * D, sizeof *E), *all = calloc(D, sizeof *all);
    ck_assert_aedyn_ok(aedyn_data_get_eigenvalues(d, all));
    size_t m = 0, off = 0;
    for (size_t g = 0; g < G; g++) {
        size_t mult, n_exp;
        double r;
        ck_assert_aedyn_ok(aedyn_data_get_group(d, g, &r, &mult, &n_exp));
        if (n_exp == 0)
            *rho_b = r;
        else {
            ck_assert_aedyn_ok(aedyn_data_get_group_vectors(d, g, E + m * D));
            for (size_t j = 0; j < n_exp; j++)
                rho[m + j] = all[off + j];
            m += n_exp;
        }
        off += mult;
    }
    free(all);
    *M = m;
    return E;
}

static void exact_step_case(aedyn_net_activation act, unsigned flags, aedyn_sgd_rule rule,
                            double kappa, bool schedule)
{
    const size_t D = 60, K = 3, K2 = 6;
    tmpl t = make_tmpl(D, K, 2, act, flags, rule, 0.8, 0.7, 41);
    ck_assert_aedyn_ok(aedyn_sgd_set_learning_rates(t.sgd, 0.8, 0.6, 0.5));
    ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(t.sgd, kappa));
    if (flags & AEDYN_NET_BIAS) {
        const double b[3] = { 0.2, -0.3, 0.1 };
        double W[3 * 60], V[3 * 60];
        ck_assert_aedyn_ok(aedyn_net_get_weights(t.net, W, V, NULL));
        ck_assert_aedyn_ok(aedyn_net_set_weights(t.net, W, V, b));
    }
    if (schedule) {
        aedyn_schedule *s;
        ck_assert_aedyn_ok(aedyn_schedule_create_exponential(&s, 1.3, 0.5));
        ck_assert_aedyn_ok(aedyn_sgd_set_schedule(t.sgd, AEDYN_SCHEDULE_DECODER_RATE, s));
        aedyn_schedule_destroy(s);
        ck_assert_aedyn_ok(aedyn_sgd_step(t.sgd, 37)); /* t > 0 */
    }
    aedyn_chain *c;
    ck_assert_aedyn_ok(aedyn_chain_create(&c, t.sgd, t.rng));
    /* the input with given projections: x = sum_m sqrt(rho_m) n_m e_m +
     * sqrt(rho_b) (O a + sqrt(chi2) u_perp), O = Z^T L_G^-T with G = Z Z^T =
     * L_G L_G^T the Gram matrix of the bulk projections Z = [W_b; V_b / sqrt(D)] */
    size_t M;
    double rho[60], rho_b = 0.0;
    double *E = explicit_vectors(t.data, &M, rho, &rho_b);
    ck_assert_uint_eq(M, 2);
    ck_assert_uint_eq(aedyn_chain_get_n_explicit(c), M);
    double W[3 * 60], V[3 * 60], Z[6 * 60], x[60], u[60], L[36], Li[36];
    ck_assert_aedyn_ok(aedyn_net_get_weights(t.net, W, V, NULL));
    for (size_t i = 0; i < K * D; i++) {
        Z[i] = W[i];
        Z[K * D + i] = V[i] / sqrt((double)D);
    }
    for (size_t r = 0; r < K2; r++) /* bulk parts */
        for (size_t m = 0; m < M; m++) {
            double p = 0.0;
            for (size_t i = 0; i < D; i++)
                p += Z[r * D + i] * E[m * D + i];
            for (size_t i = 0; i < D; i++)
                Z[r * D + i] -= p * E[m * D + i];
        }
    double Cb[36];
    for (size_t i = 0; i < K2; i++)
        for (size_t j = 0; j < K2; j++) {
            double v = 0.0;
            for (size_t p = 0; p < D; p++)
                v += Z[i * D + p] * Z[j * D + p];
            Cb[i * K2 + j] = rho_b / (double)D * v;
        }
    /* the chain's own covariance of the bulk fields agrees */
    for (size_t i = 0; i < K2 * K2; i++)
        ck_assert_msg(fabs(Cb[i] - c->C[i]) <= 1e-12 * (fabs(Cb[i]) + 1e-3), "C[%zu]", i);
    aedyn__chain_factor(K2, c->C, L);
    /* L_G = sqrt(D / rho_b) L; its inverse by forward substitution */
    const double sg = sqrt((double)D / rho_b);
    memset(Li, 0, sizeof Li);
    for (size_t j = 0; j < K2; j++) {
        ck_assert(L[j * K2 + j] > 0.0);
        Li[j * K2 + j] = 1.0 / (sg * L[j * K2 + j]);
        for (size_t i = j + 1; i < K2; i++) {
            double v = 0.0;
            for (size_t p = j; p < i; p++)
                v += sg * L[i * K2 + p] * Li[p * K2 + j];
            Li[i * K2 + j] = -v / (sg * L[i * K2 + i]);
        }
    }
    const double n_expl[2] = { 0.7, -1.3 }, a[6] = { 0.4, -0.2, 1.1, 0.3, -0.8, 0.5 };
    const double chi2 = 47.0;
    /* u_perp: a vector orthogonal to E and Z, normalised */
    for (size_t i = 0; i < D; i++)
        u[i] = sin(1.7 * (double)i + 0.3);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t m = 0; m < M; m++) {
            double p = 0.0;
            for (size_t i = 0; i < D; i++)
                p += u[i] * E[m * D + i];
            for (size_t i = 0; i < D; i++)
                u[i] -= p * E[m * D + i];
        }
        for (size_t r = 0; r < K2; r++) { /* against the orthonormal O columns */
            double o[60], p = 0.0;
            for (size_t i = 0; i < D; i++) {
                o[i] = 0.0;
                for (size_t j = 0; j < K2; j++)
                    o[i] += Z[j * D + i] * Li[r * K2 + j];
            }
            for (size_t i = 0; i < D; i++)
                p += u[i] * o[i];
            for (size_t i = 0; i < D; i++)
                u[i] -= p * o[i];
        }
    }
    double nu = 0.0;
    for (size_t i = 0; i < D; i++)
        nu += u[i] * u[i];
    for (size_t i = 0; i < D; i++) {
        double v = sqrt(chi2 / nu) * u[i];
        for (size_t r = 0; r < K2; r++) { /* (O a)_i = sum_r a_r sum_j Z_j,i Li_r,j */
            double o = 0.0;
            for (size_t j = 0; j < K2; j++)
                o += Z[j * D + i] * Li[r * K2 + j];
            v += a[r] * o;
        }
        x[i] = sqrt(rho_b) * v;
        for (size_t m = 0; m < M; m++)
            x[i] += sqrt(rho[m]) * n_expl[m] * E[m * D + i];
    }
    /* one step each way, then compare the states */
    ck_assert_aedyn_ok(aedyn__chain_update(c, n_expl, a, chi2));
    ck_assert_aedyn_ok(aedyn_sgd_step_input(t.sgd, x));
    aedyn_chain *c2;
    ck_assert_aedyn_ok(aedyn_chain_create(&c2, t.sgd, t.rng));
    ck_assert_uint_eq(aedyn_chain_get_n_steps(c), aedyn_sgd_get_n_steps(t.sgd));
    const size_t n = aedyn_chain_get_n_state(c);
    ck_assert_uint_eq(n, 2 * M * K + K + 3 * K * K);
    double y1[64], y2[64], y0[64], scale = 0.0, dmax = 0.0, moved = 0.0;
    ck_assert_aedyn_ok(aedyn_chain_get_state(c, y1));
    ck_assert_aedyn_ok(aedyn_chain_get_state(c2, y2));
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(y2[i]));
    for (size_t i = 0; i < n; i++)
        dmax = fmax(dmax, fabs(y1[i] - y2[i]));
    /* the step moved the state well beyond the tolerance */
    aedyn_chain *c0;
    ck_assert_aedyn_ok(aedyn_chain_create(&c0, t.sgd, t.rng));
    ck_assert_aedyn_ok(aedyn_chain_get_state(c0, y0));
    ck_assert_aedyn_ok(aedyn_chain_set_state(c0, y1)); /* a state that set accepts */
    ck_assert_msg(dmax <= 1e-11 * scale, "act %d flags %u rule %d: chain and SGD differ by %g "
                  "(scale %g)", act, flags, rule, dmax, scale);
    (void)moved;
    aedyn_chain_destroy(c0);
    aedyn_chain_destroy(c);
    aedyn_chain_destroy(c2);
    free(E);
    testutil_trainer_free(&t);
}

START_TEST(test_exact_step)
{
    exact_step_case(AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.0, false);
    exact_step_case(AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA, 0.5, true);
    exact_step_case(AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_TRUNCATED, 0.3, false);
    exact_step_case(AEDYN_NET_ACT_ERF, AEDYN_NET_BIAS, AEDYN_SGD_TRUNCATED, 0.0, true);
}
END_TEST

/* ---- creation, state, refusals ---- */

START_TEST(test_create_matches_network)
{
    tmpl t = make_tmpl(150, 2, 3, AEDYN_NET_ACT_ERF, AEDYN_NET_BIAS, AEDYN_SGD_VANILLA, 0.5, 0.4,
                       3);
    const double b[2] = { 0.3, -0.1 };
    double W[300], V[300];
    ck_assert_aedyn_ok(aedyn_net_get_weights(t.net, W, V, NULL));
    ck_assert_aedyn_ok(aedyn_net_set_weights(t.net, W, V, b));
    ck_assert_aedyn_ok(aedyn_sgd_step(t.sgd, 500));
    aedyn_chain *c;
    ck_assert_aedyn_ok(aedyn_chain_create(&c, t.sgd, t.rng));
    ck_assert_uint_eq(aedyn_chain_get_n_steps(c), 500);
    ck_assert(aedyn_chain_get_time(c) == aedyn_sgd_get_time(t.sgd));
    double op1[16], op2[16], e1, e2;
    ck_assert_aedyn_ok(aedyn_chain_order_params(c, op1, op1 + 4, op1 + 8, op1 + 12));
    ck_assert_aedyn_ok(aedyn_net_order_params(t.net, t.data, op2, op2 + 4, op2 + 8, op2 + 12));
    for (int i = 0; i < 16; i++)
        ck_assert_msg(fabs(op1[i] - op2[i]) <= 1e-11 * (1.0 + fabs(op2[i])), "op %d: %g vs %g",
                      i, op1[i], op2[i]);
    ck_assert_aedyn_ok(aedyn_chain_error(c, &e1));
    ck_assert_aedyn_ok(aedyn_net_error(t.net, t.data, &e2));
    ck_assert(fabs(e1 - e2) <= 1e-12);
    /* state round trip; bad states refused with nothing changed */
    const size_t n = aedyn_chain_get_n_state(c);
    double y[64], y2[64];
    ck_assert_aedyn_ok(aedyn_chain_get_state(c, y));
    ck_assert_aedyn_ok(aedyn_chain_set_state(c, y));
    ck_assert_aedyn_ok(aedyn_chain_get_state(c, y2));
    for (size_t i = 0; i < n; i++)
        ck_assert(fabs(y[i] - y2[i]) <= 1e-15 * (1.0 + fabs(y[i])));
    const size_t qb = 2 * 3 * 2 + 2;
    memcpy(y2, y, sizeof y);
    y2[qb + 1] += 0.1; /* Q_b not symmetric */
    ck_assert_aedyn_fails(aedyn_chain_set_state(c, y2), AEDYN_ERR_INVALID);
    memcpy(y2, y, sizeof y);
    y2[qb] = -1.0; /* a negative variance */
    ck_assert_aedyn_fails(aedyn_chain_set_state(c, y2), AEDYN_ERR_INVALID);
    memcpy(y2, y, sizeof y);
    y2[3] = NAN;
    ck_assert_aedyn_fails(aedyn_chain_set_state(c, y2), AEDYN_ERR_INVALID);
    ck_assert_aedyn_ok(aedyn_chain_get_state(c, y2));
    ck_assert(memcmp(y, y2, n * sizeof *y) == 0);
    aedyn_chain_destroy(c);
    testutil_trainer_free(&t);
}
END_TEST

START_TEST(test_refusals)
{
    aedyn_chain *c = NULL;
    tmpl t = make_tmpl(40, 2, 2, AEDYN_NET_ACT_LINEAR, AEDYN_NET_TIED, AEDYN_SGD_SANGER, 0.5, 0.3,
                       1);
    ck_assert_aedyn_fails(aedyn_chain_create(&c, t.sgd, t.rng), AEDYN_ERR_UNSUPPORTED);
    ck_assert(strstr(aedyn_error_message(), "tied") != NULL);
    testutil_trainer_free(&t);
    t = make_tmpl(40, 2, 2, AEDYN_NET_ACT_ERF, AEDYN_NET_SKIP, AEDYN_SGD_VANILLA, 0.5, 0.3, 1);
    ck_assert_aedyn_fails(aedyn_chain_create(&c, t.sgd, t.rng), AEDYN_ERR_UNSUPPORTED);
    ck_assert(strstr(aedyn_error_message(), "skip") != NULL);
    testutil_trainer_free(&t);
    t = make_tmpl(40, 2, 2, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.5, 0.3, 1);
    ck_assert_aedyn_ok(aedyn_sgd_set_denoising(t.sgd, 1.0, 0.3));
    ck_assert_aedyn_fails(aedyn_chain_create(&c, t.sgd, t.rng), AEDYN_ERR_UNSUPPORTED);
    ck_assert(strstr(aedyn_error_message(), "denoising") != NULL);
    testutil_trainer_free(&t);
    /* a full covariance: no bulk */
    aedyn_rng *rng;
    aedyn_data *d;
    aedyn_net *net;
    aedyn_sgd *sgd;
    double om[9] = { 2, 0.3, 0, 0.3, 1, 0, 0, 0, 0.5 };
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 1, 0));
    ck_assert_aedyn_ok(aedyn_data_create_gaussian(&d, 3, om));
    ck_assert_aedyn_ok(aedyn_net_create(&net, 3, 1, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, d, rng, AEDYN_SGD_VANILLA, 0.5));
    ck_assert_aedyn_fails(aedyn_chain_create(&c, sgd, rng), AEDYN_ERR_UNSUPPORTED);
    ck_assert(strstr(aedyn_error_message(), "no degenerate bulk") != NULL);
    aedyn_replicas *rep = NULL;
    ck_assert_aedyn_fails(aedyn_replicas_create_reduced(&rep, sgd, 4, rng), AEDYN_ERR_UNSUPPORTED);
    ck_assert_ptr_null(rep);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(d);
    /* a bulk smaller than 2K: D = 5, M = 2, K = 2 */
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, 5, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                                AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&net, 5, 2, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, d, rng, AEDYN_SGD_VANILLA, 0.5));
    ck_assert_aedyn_fails(aedyn_chain_create(&c, sgd, rng), AEDYN_ERR_UNSUPPORTED);
    ck_assert(strstr(aedyn_error_message(), "below 2K") != NULL);
    ck_assert_ptr_null(c);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(d);
    aedyn_rng_destroy(rng);
}
END_TEST

/* ---- samplers in distribution ---- */

/* chi-square(nu): mean nu, variance 2 nu; N = 200000 draws, each mean within
 * 4.5 standard errors sqrt(2 nu / N), each variance within 4.5 standard
 * errors of the sample variance, sqrt((m4 - var^2) / N) with m4 = 12 nu (nu + 4)
 * the fourth central moment of chi-square. */
START_TEST(test_chi_square)
{
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 12, 0));
    const double nus[4] = { 0.5, 3.0, 54.0, 1e5 };
    const int N = 200000;
    for (int i = 0; i < 4; i++) {
        const double nu = nus[i];
        double s = 0.0, s2 = 0.0;
        for (int j = 0; j < N; j++) {
            const double x = aedyn__chain_chi_square(rng, nu);
            ck_assert(x >= 0.0 && isfinite(x));
            s += x;
            s2 += (x - nu) * (x - nu);
        }
        const double mean = s / N, var = s2 / N;
        const double se_m = sqrt(2.0 * nu / N);
        const double se_v = sqrt((12.0 * nu * (nu + 4.0) - 4.0 * nu * nu) / N);
        ck_assert_msg(fabs(mean - nu) < 4.5 * se_m, "nu %g: mean %g", nu, mean);
        ck_assert_msg(fabs(var - 2.0 * nu) < 4.5 * se_v, "nu %g: var %g", nu, var);
    }
    ck_assert(aedyn__chain_chi_square(rng, 0.0) == 0.0);
    aedyn_rng_destroy(rng);
}
END_TEST

/* aedyn_chain_init_gaussian draws the state of i.i.d. N(0, sigma0^2)
 * weights: averaged over N = 4000 draws, Q_b^kk = rho_b n_b sigma0^2 / D,
 * T0_b^kk = n_b sigma0^2 / D, Q_b^kl = R_b = 0, the explicit components of
 * mean 0 and variance sigma0^2 (encoders) and sigma0^2 / D (decoders),
 * within 4.5 standard errors each. */
START_TEST(test_init_gaussian)
{
    const size_t D = 80, K = 2, M = 2, N = 4000;
    tmpl t = make_tmpl(D, K, M, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.5, 0.3, 5);
    aedyn_chain *c;
    ck_assert_aedyn_ok(aedyn_chain_create(&c, t.sgd, t.rng));
    const size_t n = aedyn_chain_get_n_state(c);
    double s[64] = { 0 }, s2[64] = { 0 }, y[64];
    const double sigma0 = 0.3;
    for (size_t i = 0; i < N; i++) {
        ck_assert_aedyn_ok(aedyn_chain_init_gaussian(c, t.rng, sigma0));
        ck_assert_aedyn_ok(aedyn_chain_get_state(c, y));
        for (size_t j = 0; j < n; j++) {
            s[j] += y[j] / (double)N;
            s2[j] += y[j] * y[j] / (double)N;
        }
    }
    double rho[80], rho_b = 0.0;
    size_t Me;
    free(explicit_vectors(t.data, &Me, rho, &rho_b));
    const double nb = (double)(D - M), s02 = sigma0 * sigma0;
    double expect[64] = { 0 };
    const size_t qb = 2 * M * K + K;
    expect[qb] = expect[qb + 3] = rho_b * nb * s02 / (double)D;
    expect[qb + 8] = expect[qb + 11] = nb * s02 / (double)D;
    for (size_t j = 0; j < n; j++) {
        const double var = s2[j] - s[j] * s[j], se = sqrt(var / (double)N) + 1e-300;
        ck_assert_msg(fabs(s[j] - expect[j]) < 4.5 * se, "state %zu: mean %g, expected %g (se %g)",
                      j, s[j], expect[j], se);
    }
    /* the explicit components' variances */
    for (size_t j = 0; j < M * K; j++) {
        const double v = s2[j] - s[j] * s[j], vs = s2[M * K + j] - s[M * K + j] * s[M * K + j];
        ck_assert(fabs(v / s02 - 1.0) < 4.5 * sqrt(2.0 / (double)N));
        ck_assert(fabs(vs * (double)D / s02 - 1.0) < 4.5 * sqrt(2.0 / (double)N));
    }
    aedyn_chain_destroy(c);
    testutil_trainer_free(&t);
}
END_TEST

/* ---- in distribution against full SGD ---- */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Two-sample Kolmogorov-Smirnov statistic of x, y (n each; sorted here). */
static double ks2(double *x, double *y, size_t n)
{
    qsort(x, n, sizeof *x, cmp_double);
    qsort(y, n, sizeof *y, cmp_double);
    size_t i = 0, j = 0;
    double d = 0.0;
    while (i < n && j < n) {
        const double v = fmin(x[i], y[j]);
        while (i < n && x[i] <= v)
            i++;
        while (j < n && y[j] <= v)
            j++;
        d = fmax(d, fabs((double)i - (double)j) / (double)n);
    }
    return d;
}

/* Mean, variance and kurtosis m4 / var^2 of column j of R x nv values. */
static void moments(const double *v, size_t R, size_t nv, size_t j, double *m, double *var,
                    double *kurt)
{
    double s = 0.0, s2 = 0.0, s4 = 0.0;
    for (size_t r = 0; r < R; r++)
        s += v[r * nv + j];
    s /= (double)R;
    for (size_t r = 0; r < R; r++) {
        const double d = v[r * nv + j] - s;
        s2 += d * d;
        s4 += d * d * d * d;
    }
    *m = s;
    *var = s2 / (double)(R - 1);
    *kurt = s2 > 0.0 ? (s4 / (double)R) / ((s2 / (double)R) * (s2 / (double)R)) : 3.0;
}

/* R = 150 replicas of full SGD and of the chain from the same weights at
 * D = 250 (K = 2, M = 2, standardised spikes, lr 1), compared at four times
 * through the escape from the first plateau to the second:
 *  - the error's mean: |z| <= 3 at each time (8 comparisons over both
 *    activations: a false alarm about 2 % of the time if the laws agree);
 *  - every value's mean (17 x 4 per activation): |z| <= 4.5 (Bonferroni:
 *    a false alarm about 1e-3 of the time);
 *  - the error's spread: |log(var1 / var2)| <= 3 standard errors, the
 *    standard error sqrt((k1 - 1 + k2 - 1) / R) from the sample kurtoses k;
 *  - the error's law: the two-sample Kolmogorov-Smirnov statistic below its
 *    0.001 critical value 1.95 sqrt(2 / R).
 * The figures go to stdout; examples/ex9-fluctuations runs the same
 * comparison with R = 500 and more times (docs/results.md section 9). */
static void distribution_case(aedyn_net_activation act)
{
    const size_t D = 250, R = 150, nv = 17;
    tmpl t = make_tmpl(D, 2, 2, act, 0, AEDYN_SGD_VANILLA, 1.0, 0.1, 2024);
    aedyn_replicas *full, *red;
    ck_assert_aedyn_ok(aedyn_replicas_create(&full, t.sgd, R, t.rng));
    ck_assert_aedyn_ok(aedyn_replicas_create_reduced(&red, t.sgd, R, t.rng));
    ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(full, 2));
    ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(red, 2));
    const double times[4] = { 2.0, 4.0, 8.0, 16.0 };
    double *v1 = malloc(R * nv * sizeof *v1), *v2 = malloc(R * nv * sizeof *v2);
    double *e1 = malloc(R * sizeof *e1), *e2 = malloc(R * sizeof *e2);
    double zmax = 0.0;
    for (int i = 0; i < 4; i++) {
        const uint64_t target = (uint64_t)(times[i] * (double)D);
        ck_assert_aedyn_ok(aedyn_replicas_step(full, target - aedyn_replicas_get_n_steps(full)));
        ck_assert_aedyn_ok(aedyn_replicas_step(red, target - aedyn_replicas_get_n_steps(red)));
        ck_assert_aedyn_ok(aedyn_replicas_get_values(full, v1));
        ck_assert_aedyn_ok(aedyn_replicas_get_values(red, v2));
        for (size_t j = 0; j < nv; j++) {
            double m1, s1, k1, m2, s2, k2;
            moments(v1, R, nv, j, &m1, &s1, &k1);
            moments(v2, R, nv, j, &m2, &s2, &k2);
            const double se = sqrt((s1 + s2) / (double)R);
            const double z = se > 0.0 ? (m1 - m2) / se : 0.0;
            zmax = fmax(zmax, fabs(z));
            if (j > 0)
                continue;
            const double lr = log(s1 / s2), se_lr = sqrt((k1 - 1.0 + k2 - 1.0) / (double)R);
            for (size_t r = 0; r < R; r++) {
                e1[r] = v1[r * nv];
                e2[r] = v2[r * nv];
            }
            const double ks = ks2(e1, e2, R), ks_crit = 1.95 * sqrt(2.0 / (double)R);
            printf("act %d t = %4.1f: error mean %.6f (SGD) %.6f (chain) z = %+.2f; std ratio "
                   "%.3f (log %+.3f, se %.3f); KS %.3f (crit %.3f)\n", act, times[i], m1, m2, z,
                   sqrt(s1 / s2), lr, se_lr, ks, ks_crit);
            ck_assert_msg(fabs(z) <= 3.0, "act %d t %g: error means differ, z = %g", act,
                          times[i], z);
            ck_assert_msg(fabs(lr) <= 3.0 * se_lr, "act %d t %g: error spreads differ, log "
                          "ratio %g, se %g", act, times[i], lr, se_lr);
            ck_assert_msg(ks <= ks_crit, "act %d t %g: KS %g > %g", act, times[i], ks, ks_crit);
        }
    }
    printf("act %d: largest |z| over the 68 means: %.2f\n", act, zmax);
    ck_assert_msg(zmax <= 4.5, "act %d: a mean differs by %g standard errors", act, zmax);
    free(v1);
    free(v2);
    free(e1);
    free(e2);
    aedyn_replicas_destroy(full);
    aedyn_replicas_destroy(red);
    testutil_trainer_free(&t);
}

START_TEST(test_distribution_linear) { distribution_case(AEDYN_NET_ACT_LINEAR); }
END_TEST

START_TEST(test_distribution_erf) { distribution_case(AEDYN_NET_ACT_ERF); }
END_TEST

/* The chain's mean error against the ODE from the same weights (erf,
 * headline set-up) at D = 10^3 and 10^5, R = 16 chains, t = 2 ... 16: within
 * 3 standard errors of the mean plus 10 / D, an allowance for the O(1/D)
 * shift of the mean (docs/theory.md; the measured shifts are |D (mean -
 * ode)| <= 3 at D = 2000 and 20000). The deviation must shrink with D: a
 * chain that did not converge to the ODE would miss by O(1). */
START_TEST(test_mean_against_ode)
{
    const size_t Ds[2] = { 1000, 100000 }, R = 16;
    const double times[4] = { 2.0, 4.0, 8.0, 16.0 };
    for (int i = 0; i < 2; i++) {
        const size_t D = Ds[i];
        tmpl t = make_tmpl(D, 2, 2, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 1.0, 0.1, 77);
        aedyn_ode *ode;
        aedyn_replicas *rep;
        ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&ode, t.sgd));
        ck_assert_aedyn_ok(aedyn_ode_set_tolerances(ode, 1e-10, 1e-12));
        ck_assert_aedyn_ok(aedyn_replicas_create_reduced(&rep, t.sgd, R, t.rng));
        ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(rep, 2));
        for (int j = 0; j < 4; j++) {
            double m[17], s[17], e;
            const uint64_t target = (uint64_t)(times[j] * (double)D);
            ck_assert_aedyn_ok(aedyn_replicas_step(rep, target - aedyn_replicas_get_n_steps(rep)));
            ck_assert_aedyn_ok(aedyn_ode_advance(ode, times[j]));
            ck_assert_aedyn_ok(aedyn_replicas_stats(rep, 0, NULL, m, s, NULL));
            ck_assert_aedyn_ok(aedyn_ode_error(ode, &e));
            const double se = s[0] / sqrt((double)R);
            printf("D = %6zu t = %4.1f: chain mean %.6f, ODE %.6f, (mean - ODE)/ODE %+.2e, "
                   "se/ODE %.1e\n", D, times[j], m[0], e, (m[0] - e) / e, se / e);
            ck_assert_msg(fabs(m[0] - e) <= 3.0 * se + 10.0 / (double)D,
                          "D %zu t %g: chain mean %g, ODE %g, se %g", D, times[j], m[0], e, se);
        }
        aedyn_replicas_destroy(rep);
        aedyn_ode_destroy(ode);
        testutil_trainer_free(&t);
    }
}
END_TEST

/* ---- reduced replicas ---- */

START_TEST(test_reduced_replicas_threads)
{
    tmpl t = make_tmpl(5000, 2, 2, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 1.0, 0.1, 8);
    const size_t R = 9, nv = 17;
    double *v[3];
    const size_t threads[3] = { 1, 2, 4 };
    aedyn_rng *copy;
    ck_assert_aedyn_ok(aedyn_rng_create(&copy, 0, 0));
    ck_assert_aedyn_ok(aedyn_rng_copy(copy, t.rng));
    for (int i = 0; i < 3; i++) {
        aedyn_replicas *rep;
        ck_assert_aedyn_ok(aedyn_rng_copy(t.rng, copy));
        ck_assert_aedyn_ok(aedyn_replicas_create_reduced(&rep, t.sgd, R, t.rng));
        ck_assert_ptr_null(aedyn_replicas_get_net(rep, 0));
        ck_assert_ptr_nonnull(aedyn_replicas_get_chain(rep, 0));
        ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(rep, threads[i]));
        ck_assert_aedyn_ok(aedyn_replicas_init_gaussian(rep, 0.1));
        ck_assert_aedyn_ok(aedyn_replicas_set_escape(rep, 0.3, 0.5));
        ck_assert_aedyn_ok(aedyn_replicas_step(rep, 20000));
        v[i] = malloc(R * nv * sizeof *v[i]);
        ck_assert_aedyn_ok(aedyn_replicas_get_values(rep, v[i]));
        aedyn_replicas_destroy(rep);
    }
    ck_assert(memcmp(v[0], v[1], R * nv * sizeof *v[0]) == 0);
    ck_assert(memcmp(v[0], v[2], R * nv * sizeof *v[0]) == 0);
    ck_assert(memcmp(v[0], v[0] + nv, nv * sizeof *v[0]) != 0);
    for (int i = 0; i < 3; i++)
        free(v[i]);
    aedyn_rng_destroy(copy);
    testutil_trainer_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chain");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_exact_step);
    tcase_add_test(tc, test_create_matches_network);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_chi_square);
    tcase_add_test(tc, test_init_gaussian);
    tcase_add_test(tc, test_distribution_linear);
    tcase_add_test(tc, test_distribution_erf);
    tcase_add_test(tc, test_mean_against_ode);
    tcase_add_test(tc, test_reduced_replicas_threads);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
