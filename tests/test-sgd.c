/* The SGD trainer (lib/sgd.c): one step against finite-difference gradients of
 * the loss (every activation, bias on/off, tied/untied, vanilla/truncated),
 * Sanger's rule against its formula, weight decay, divergence handling,
 * invalid input, bit reproducibility, and the learning outcomes of docs/theory.md
 * section 5: a linear AE reaches eps_PCA(K); truncated SGD and Sanger's rule
 * align unit k with eigenvector k while vanilla SGD learns a rotated subspace. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include "testutil.h"

#define NACT 3
static const aedyn_net_activation acts[NACT] = {AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF, AEDYN_NET_ACT_RELU};

/* ---- an independent forward pass ------------------------------------------------ */


typedef struct {
    size_t D, K;
    aedyn_net_activation act;
    bool tied;
    double *W, *V, *b; /* V == W when tied */
} model_t;

/* l_k = |x - sum_{a<=kmax} v^a g(lambda^a)|^2 / (2D) (kmax = K-1: the full loss). */
static double loss_upto(const model_t *m, const double *x, size_t kmax)
{
    double sum = 0.0;
    for (size_t i = 0; i < m->D; i++) {
        double r = x[i];
        for (size_t a = 0; a <= kmax; a++) {
            double l = m->b[a];
            for (size_t j = 0; j < m->D; j++)
                l += m->W[a * m->D + j] * x[j] / sqrt((double)m->D);
            r -= m->V[a * m->D + i] * testutil_act_g(m->act, l);
        }
        sum += r * r;
    }
    return sum / (2.0 * (double)m->D);
}

/* Central difference of loss_upto in parameter p. */
static double fd(const model_t *m, const double *x, size_t kmax, double *p)
{
    const double h = 1e-5, p0 = *p;
    *p = p0 + h;
    const double lp = loss_upto(m, x, kmax);
    *p = p0 - h;
    const double lm = loss_upto(m, x, kmax);
    *p = p0;
    return (lp - lm) / (2.0 * h);
}

static aedyn_data *spiked(size_t D, size_t M, aedyn_rng *rng)
{
    aedyn_data *d;
    ck_assert_aedyn_ok(
        aedyn_data_create_spiked(&d, D, M, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng, AEDYN_DATA_STANDARDISE));
    return d;
}

/* ---- one step against the gradient ----------------------------------------------- */

/* Untied: dv = -eta_v dl/dv, dw = -(eta_w/D) dl/dw, dbeta = -(eta_b/D) dl/dbeta;
 * tied: dw = -eta_w dl/dw (aedyn-sgd.h); truncated: l_k for unit k. The
 * three rates differ so that a mix-up shows. Tolerance: the central
 * difference with h = 1e-5 is accurate to ~1e-9 relative (smooth loss; the
 * ReLU kink is avoided by checking |lambda| > 1e-3). */
static void check_gradient_step(aedyn_net_activation act, bool bias, bool tied, aedyn_sgd_rule rule)
{
    const size_t D = 12, K = 3;
    const double ew = 0.7, ev = 0.4, eb = 0.3;
    unsigned flags = (bias ? AEDYN_NET_BIAS : 0u) | (tied ? AEDYN_NET_TIED : 0u);
    aedyn_rng *rng;
    aedyn_net *net;
    aedyn_sgd *sgd;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 11, (uint64_t)act));
    aedyn_data *data = spiked(D, 2, rng);
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, act, flags));
    model_t m = {D, K, act, tied, malloc(K * D * sizeof(double)), NULL, calloc(K, sizeof(double))};
    m.V = tied ? m.W : malloc(K * D * sizeof(double));
    double x[12];
    for (;;) { /* weights with O(1) fields away from the ReLU kink */
        ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, m.W, K * D));
        if (!tied)
            ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, m.V, K * D));
        for (size_t k = 0; k < K; k++)
            m.b[k] = bias ? 0.3 * aedyn_rng_normal(rng) : 0.0;
        ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, x, D));
        bool ok = true;
        for (size_t k = 0; k < K; k++) {
            double l = m.b[k];
            for (size_t j = 0; j < D; j++)
                l += m.W[k * D + j] * x[j] / sqrt((double)D);
            ok = ok && fabs(l) > 1e-3;
        }
        if (ok)
            break;
    }
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, m.W, tied ? NULL : m.V, bias ? m.b : NULL));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, rule, 1.0));
    ck_assert_aedyn_ok(aedyn_sgd_set_learning_rates(sgd, ew, ev, eb));
    ck_assert_aedyn_ok(aedyn_sgd_step_input(sgd, x));
    ck_assert_uint_eq(aedyn_sgd_get_n_steps(sgd), 1);
    double *W1 = malloc(K * D * sizeof *W1), *V1 = malloc(K * D * sizeof *V1), b1[3];
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, W1, V1, b1));

    const double Dd = (double)D;
    for (size_t k = 0; k < K; k++) {
        const size_t kmax = rule == AEDYN_SGD_TRUNCATED ? k : K - 1;
        for (size_t j = 0; j < D; j++) {
            const double gw = fd(&m, x, kmax, &m.W[k * D + j]);
            const double want_w = tied ? -ew * gw : -ew / Dd * gw;
            const double got_w = W1[k * D + j] - m.W[k * D + j];
            ck_assert_msg(fabs(got_w - want_w) <= 1e-7 * (fabs(want_w) + 1e-3 * ew),
                          "act %d bias %d tied %d rule %d: dw[%zu][%zu] = %.12g, want %.12g", act,
                          bias, tied, rule, k, j, got_w, want_w);
            if (!tied) {
                const double want_v = -ev * fd(&m, x, kmax, &m.V[k * D + j]);
                const double got_v = V1[k * D + j] - m.V[k * D + j];
                ck_assert_msg(fabs(got_v - want_v) <= 1e-7 * (fabs(want_v) + 1e-3 * ev),
                              "act %d rule %d: dv[%zu][%zu] = %.12g, want %.12g", act, rule, k, j,
                              got_v, want_v);
            }
        }
        const double want_b = bias ? -eb / Dd * fd(&m, x, kmax, &m.b[k]) : 0.0;
        ck_assert_msg(fabs((b1[k] - m.b[k]) - want_b) <= 1e-7 * (fabs(want_b) + 1e-3 * eb),
                      "act %d tied %d rule %d: dbeta[%zu] = %.12g, want %.12g", act, tied, rule, k,
                      b1[k] - m.b[k], want_b);
    }
    free(W1);
    free(V1);
    free(m.W);
    if (!tied)
        free(m.V);
    free(m.b);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
}

START_TEST(test_gradient_step)
{
    const aedyn_net_activation act = acts[_i % NACT];
    const int v = _i / NACT;
    check_gradient_step(act, v & 1, (v >> 1) & 1,
                        (v >> 2) & 1 ? AEDYN_SGD_TRUNCATED : AEDYN_SGD_VANILLA);
}
END_TEST

/* Sanger: w^k += (eta/D^2) lambda^k (x - sum_{a<=k} lambda^a w^a), old weights on the right. */
START_TEST(test_sanger_formula)
{
    const size_t D = 10, K = 3;
    const double eta = 0.9;
    aedyn_rng *rng;
    aedyn_net *net;
    aedyn_sgd *sgd;
    double W0[30], W1[30], x[10], lam[3];
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 5, 0));
    aedyn_data *data = spiked(D, 2, rng);
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_LINEAR, AEDYN_NET_TIED));
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, W0, K * D));
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, x, D));
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, W0, NULL, NULL));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_SANGER, eta));
    ck_assert_aedyn_ok(aedyn_sgd_step_input(sgd, x));
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, W1, NULL, NULL));
    for (size_t k = 0; k < K; k++) {
        lam[k] = 0.0;
        for (size_t j = 0; j < D; j++)
            lam[k] += W0[k * D + j] * x[j] / sqrt((double)D);
    }
    for (size_t k = 0; k < K; k++)
        for (size_t j = 0; j < D; j++) {
            double r = x[j];
            for (size_t a = 0; a <= k; a++)
                r -= lam[a] * W0[a * D + j];
            const double want = W0[k * D + j] + eta / (double)(D * D) * lam[k] * r;
            ck_assert_double_eq_tol(W1[k * D + j], want, 1e-14 * (1.0 + fabs(want)));
        }
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
}
END_TEST

/* With all rates 0 a step is the pure decay w <- (1 - kappa/D) w, v likewise;
 * with rates and decay the step is the decayed plain step. */
START_TEST(test_weight_decay)
{
    const size_t D = 50, K = 2;
    const double kappa = 2.5;
    aedyn_rng *rng;
    aedyn_net *net, *ref;
    aedyn_sgd *sgd, *sref;
    double W0[100], V0[100], W1[100], V1[100], W2[100], V2[100], x[50];
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 9, 0));
    aedyn_data *data = spiked(D, 2, rng);
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_create(&ref, D, K, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, W0, K * D));
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, V0, K * D));
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, x, D));
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, W0, V0, NULL));
    ck_assert_aedyn_ok(aedyn_net_set_weights(ref, W0, V0, NULL));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.5));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sref, ref, data, rng, AEDYN_SGD_VANILLA, 0.5));
    ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(sgd, kappa));
    ck_assert_aedyn_ok(aedyn_sgd_step_input(sgd, x));
    ck_assert_aedyn_ok(aedyn_sgd_step_input(sref, x));
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, W1, V1, NULL));
    ck_assert_aedyn_ok(aedyn_net_get_weights(ref, W2, V2, NULL));
    const double dec = 1.0 - kappa / (double)D;
    for (size_t i = 0; i < K * D; i++) {
        ck_assert_double_eq_tol(W1[i], dec * W2[i], 1e-14 * (1.0 + fabs(W2[i])));
        ck_assert_double_eq_tol(V1[i], dec * V2[i], 1e-14 * (1.0 + fabs(V2[i])));
    }
    ck_assert_aedyn_ok(aedyn_sgd_set_learning_rates(sgd, 0.0, 0.0, 0.0));
    ck_assert_aedyn_ok(aedyn_sgd_step_input(sgd, x));
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, W2, V2, NULL));
    for (size_t i = 0; i < K * D; i++) {
        ck_assert_double_eq(W2[i], dec * W1[i]);
        ck_assert_double_eq(V2[i], dec * V1[i]);
    }
    aedyn_sgd_destroy(sgd);
    aedyn_sgd_destroy(sref);
    aedyn_net_destroy(net);
    aedyn_net_destroy(ref);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
}
END_TEST

/* ---- invalid input and divergence ------------------------------------------------- */

START_TEST(test_invalid_input)
{
    aedyn_rng *rng;
    aedyn_net *net, *net2, *lin_untied, *lin_tied_bias;
    aedyn_sgd *sgd = NULL;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 1, 0));
    aedyn_data *data = spiked(20, 2, rng), *data2 = spiked(21, 2, rng);
    ck_assert_aedyn_ok(aedyn_net_create(&net, 20, 2, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_create(&net2, 20, 2, AEDYN_NET_ACT_ERF, AEDYN_NET_TIED));
    ck_assert_aedyn_ok(aedyn_net_create(&lin_untied, 20, 2, AEDYN_NET_ACT_LINEAR, 0));
    ck_assert_aedyn_ok(
        aedyn_net_create(&lin_tied_bias, 20, 2, AEDYN_NET_ACT_LINEAR, AEDYN_NET_TIED | AEDYN_NET_BIAS));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.1));

    ck_assert_aedyn_fails(aedyn_sgd_create(NULL, net, data, rng, AEDYN_SGD_VANILLA, 0.1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, NULL, data, rng, AEDYN_SGD_VANILLA, 0.1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net, NULL, rng, AEDYN_SGD_VANILLA, 0.1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net, data, NULL, AEDYN_SGD_VANILLA, 0.1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net, data2, rng, AEDYN_SGD_VANILLA, 0.1), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, -1.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, NAN), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, INFINITY),
                          AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net, data, rng, (aedyn_sgd_rule)7, 0.1), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_SANGER, 0.1), AEDYN_ERR_UNSUPPORTED);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, net2, data, rng, AEDYN_SGD_SANGER, 0.1), AEDYN_ERR_UNSUPPORTED);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, lin_untied, data, rng, AEDYN_SGD_SANGER, 0.1),
                          AEDYN_ERR_UNSUPPORTED);
    ck_assert_aedyn_fails(aedyn_sgd_create(&sgd, lin_tied_bias, data, rng, AEDYN_SGD_SANGER, 0.1),
                          AEDYN_ERR_UNSUPPORTED);
    ck_assert_ptr_null(sgd); /* untouched by failures */

    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.1));
    const double bad[] = {-0.1, NAN, INFINITY};
    for (int i = 0; i < 3; i++) {
        ck_assert_aedyn_fails(aedyn_sgd_set_learning_rates(sgd, 0.2, bad[i], 0.2), AEDYN_ERR_INVALID);
        ck_assert_aedyn_fails(aedyn_sgd_set_learning_rates(sgd, bad[i], 0.2, 0.2), AEDYN_ERR_INVALID);
        ck_assert_aedyn_fails(aedyn_sgd_set_learning_rates(sgd, 0.2, 0.2, bad[i]), AEDYN_ERR_INVALID);
        ck_assert_aedyn_fails(aedyn_sgd_set_weight_decay(sgd, bad[i]), AEDYN_ERR_INVALID);
    }
    ck_assert_aedyn_fails(aedyn_sgd_set_weight_decay(sgd, 20.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_sgd_set_learning_rates(NULL, 1, 1, 1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_get_learning_rates(NULL, NULL, NULL, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_set_weight_decay(NULL, 0.0), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_step(NULL, 1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_step_input(NULL, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_step_input(sgd, NULL), AEDYN_ERR_NULL);
    ck_assert_uint_eq(aedyn_sgd_get_n_steps(NULL), 0);
    ck_assert(isnan(aedyn_sgd_get_time(NULL)));
    aedyn_sgd_destroy(NULL);

    /* failures left the trainer as it was, and it still works */
    double ew, ev, eb;
    ck_assert_aedyn_ok(aedyn_sgd_get_learning_rates(sgd, &ew, &ev, &eb));
    ck_assert(ew == 0.1 && ev == 0.1 && eb == 0.1);
    ck_assert_aedyn_ok(aedyn_sgd_get_learning_rates(sgd, NULL, NULL, NULL));
    ck_assert_aedyn_ok(aedyn_sgd_step(sgd, 0));
    ck_assert_uint_eq(aedyn_sgd_get_n_steps(sgd), 0);
    ck_assert_aedyn_ok(aedyn_sgd_step(sgd, 40));
    ck_assert_uint_eq(aedyn_sgd_get_n_steps(sgd), 40);
    ck_assert_double_eq(aedyn_sgd_get_time(sgd), 2.0);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_net_destroy(net2);
    aedyn_net_destroy(lin_untied);
    aedyn_net_destroy(lin_tied_bias);
    aedyn_data_destroy(data);
    aedyn_data_destroy(data2);
    aedyn_rng_destroy(rng);
}
END_TEST

/* A non-finite input is refused without touching the weights; a learning rate
 * far beyond stability diverges, and the weights are those after the last good
 * step (compared bit for bit with a snapshot taken before every step). */
START_TEST(test_divergence)
{
    const size_t D = 40, K = 2;
    aedyn_rng *rng;
    aedyn_net *net;
    aedyn_sgd *sgd;
    double W[80], V[80], W1[80], V1[80], x[40];
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 3, 0));
    aedyn_data *data = spiked(D, 2, rng);
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_LINEAR, 0));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 1.0));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 200.0));
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, x, D));
    x[7] = NAN;
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, W, V, NULL));
    ck_assert_aedyn_fails(aedyn_sgd_step_input(sgd, x), AEDYN_ERR_DIVERGED);
    ck_assert_uint_eq(aedyn_sgd_get_n_steps(sgd), 0);
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, W1, V1, NULL));
    ck_assert(memcmp(W, W1, sizeof W) == 0 && memcmp(V, V1, sizeof V) == 0);

    aedyn_status st = AEDYN_OK;
    uint64_t n = 0;
    for (; n < 100000 && st == AEDYN_OK; n++) {
        ck_assert_aedyn_ok(aedyn_net_get_weights(net, W, V, NULL));
        st = aedyn_sgd_step(sgd, 1);
    }
    ck_assert_msg(st == AEDYN_ERR_DIVERGED, "lr 200 did not diverge in %llu steps",
                  (unsigned long long)n);
    ck_assert_uint_eq(aedyn_sgd_get_n_steps(sgd), n - 1);
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, W1, V1, NULL));
    ck_assert(memcmp(W, W1, sizeof W) == 0 && memcmp(V, V1, sizeof V) == 0);
    for (size_t i = 0; i < K * D; i++)
        ck_assert(isfinite(W1[i]) && isfinite(V1[i]));
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
}
END_TEST

/* ---- reproducibility ---------------------------------------------------------------- */

static void train(uint64_t seed, double *W, double *V)
{
    aedyn_rng *rng;
    aedyn_net *net;
    aedyn_sgd *sgd;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, seed, 0));
    aedyn_data *data = spiked(300, 3, rng);
    ck_assert_aedyn_ok(aedyn_net_create(&net, 300, 3, AEDYN_NET_ACT_ERF, AEDYN_NET_BIAS));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.1));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_TRUNCATED, 0.3));
    ck_assert_aedyn_ok(aedyn_sgd_step(sgd, 3000));
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, W, V, NULL));
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
}

START_TEST(test_bit_reproducible)
{
    double *W[3], *V[3];
    for (int i = 0; i < 3; i++) {
        W[i] = malloc(900 * sizeof(double));
        V[i] = malloc(900 * sizeof(double));
        train(i < 2 ? 77 : 78, W[i], V[i]);
    }
    ck_assert(memcmp(W[0], W[1], 900 * sizeof(double)) == 0);
    ck_assert(memcmp(V[0], V[1], 900 * sizeof(double)) == 0);
    ck_assert(memcmp(W[0], W[2], 900 * sizeof(double)) != 0);
    for (int i = 0; i < 3; i++) {
        free(W[i]);
        free(V[i]);
    }
}
END_TEST

/* aedyn_sgd_step(n) defers an untied step's rank-one updates into the next
 * step's passes over W and V; the weights must be bit-identical to n single
 * steps on the same inputs (drawn from a copy of the generator) through
 * aedyn_sgd_step_input(), which applies every update at once. Also when the
 * run diverges in the middle of a call (lr 60 on a linear AE). */
static void check_deferred(aedyn_net_activation act, unsigned flags, aedyn_sgd_rule rule, double lr,
                           double kappa, uint64_t n)
{
    const size_t D = 203, K = 5; /* D and K not multiples of the vector widths */
    aedyn_rng *rng, *rng2, *rng3;
    aedyn_net *a, *b;
    aedyn_sgd *sa, *sb;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 99, 1));
    ck_assert_aedyn_ok(aedyn_rng_create(&rng2, 0, 0));
    aedyn_data *data = spiked(D, 3, rng);
    ck_assert_aedyn_ok(aedyn_net_create(&a, D, K, act, flags));
    ck_assert_aedyn_ok(aedyn_net_create(&b, D, K, act, flags));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(a, rng, 0.5));
    double *W = malloc(K * D * sizeof *W), *V = malloc(K * D * sizeof *V), bias[5];
    double *W2 = malloc(K * D * sizeof *W), *V2 = malloc(K * D * sizeof *V), bias2[5];
    ck_assert_aedyn_ok(aedyn_net_get_weights(a, W, V, bias));
    ck_assert_aedyn_ok(aedyn_net_set_weights(b, W, (flags & AEDYN_NET_TIED) ? NULL : V,
                                             (flags & AEDYN_NET_BIAS) ? bias : NULL));
    ck_assert_aedyn_ok(aedyn_rng_copy(rng2, rng));
    ck_assert_aedyn_ok(aedyn_rng_create(&rng3, 0, 0));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sa, a, data, rng, rule, lr));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sb, b, data, rng3, rule, lr));
    ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(sa, kappa));
    ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(sb, kappa));
    const aedyn_status st = aedyn_sgd_step(sa, n);
    double *x = malloc(D * sizeof *x);
    aedyn_status st2 = AEDYN_OK;
    for (uint64_t i = 0; i < n && st2 == AEDYN_OK; i++) {
        ck_assert_aedyn_ok(aedyn_data_sample(data, rng2, 1, x));
        st2 = aedyn_sgd_step_input(sb, x);
    }
    ck_assert_int_eq(st, st2);
    ck_assert_uint_eq(aedyn_sgd_get_n_steps(sa), aedyn_sgd_get_n_steps(sb));
    ck_assert_aedyn_ok(aedyn_net_get_weights(a, W, V, bias));
    ck_assert_aedyn_ok(aedyn_net_get_weights(b, W2, V2, bias2));
    ck_assert_msg(memcmp(W, W2, K * D * sizeof *W) == 0, "encoders differ (act %d rule %d)", act, rule);
    ck_assert_msg(memcmp(V, V2, K * D * sizeof *V) == 0, "decoders differ (act %d rule %d)", act, rule);
    ck_assert(memcmp(bias, bias2, sizeof bias) == 0);
    for (size_t i = 0; i < K * D; i++)
        ck_assert(isfinite(W[i]) && isfinite(V[i]));
    free(x);
    free(W);
    free(V);
    free(W2);
    free(V2);
    aedyn_sgd_destroy(sa);
    aedyn_sgd_destroy(sb);
    aedyn_net_destroy(a);
    aedyn_net_destroy(b);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
    aedyn_rng_destroy(rng2);
    aedyn_rng_destroy(rng3);
}

START_TEST(test_deferred_updates_exact)
{
    check_deferred(AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.3, 0.0, 2000);
    check_deferred(AEDYN_NET_ACT_ERF, AEDYN_NET_BIAS, AEDYN_SGD_VANILLA, 0.3, 1.5, 2000);
    check_deferred(AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_TRUNCATED, 0.3, 0.5, 2000);
    check_deferred(AEDYN_NET_ACT_ERF, AEDYN_NET_TIED, AEDYN_SGD_VANILLA, 0.3, 0.5, 2000);
    check_deferred(AEDYN_NET_ACT_LINEAR, AEDYN_NET_TIED, AEDYN_SGD_SANGER, 0.3, 0.0, 2000);
    check_deferred(AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA, 60.0, 0.0, 100000); /* diverges */
}
END_TEST

/* aedyn_ode_create_from_sgd starts the ODE from the trainer's state: its
 * time, order parameters and error equal the trainer's network's; with the
 * trainer's rates set to 0 (and no decay) the ODE does not move. Tied
 * networks and Sanger's rule have no ODE. */
START_TEST(test_ode_from_sgd)
{
    const size_t D = 100, K = 2;
    aedyn_rng *rng;
    aedyn_net *net, *tied;
    aedyn_sgd *sgd, *stied;
    aedyn_ode *ode = NULL;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 4, 0));
    aedyn_data *data = spiked(D, 2, rng);
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_create(&tied, D, K, AEDYN_NET_ACT_LINEAR, AEDYN_NET_TIED));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.3));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.2));
    ck_assert_aedyn_ok(aedyn_sgd_create(&stied, tied, data, rng, AEDYN_SGD_SANGER, 0.2));
    ck_assert_aedyn_fails(aedyn_ode_create_from_sgd(&ode, stied), AEDYN_ERR_UNSUPPORTED);
    ck_assert_aedyn_fails(aedyn_ode_create_from_sgd(&ode, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_ode_create_from_sgd(NULL, sgd), AEDYN_ERR_NULL);
    ck_assert_ptr_null(ode);
    ck_assert_aedyn_ok(aedyn_sgd_step(sgd, 250));
    ck_assert_aedyn_ok(aedyn_sgd_set_learning_rates(sgd, 0.0, 0.0, 0.0));
    ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&ode, sgd));
    ck_assert_double_eq(aedyn_ode_get_time(ode), 2.5);
    aedyn_ode_destroy(ode);
    /* every setting of the trainer reaches the ODE, through the getters */
    ck_assert_aedyn_ok(aedyn_sgd_set_learning_rates(sgd, 0.3, 0.4, 0.5));
    ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(sgd, 0.25));
    ck_assert_ptr_eq(aedyn_sgd_get_net(sgd), net);
    ck_assert_ptr_eq(aedyn_sgd_get_data(sgd), data);
    ck_assert_ptr_null(aedyn_sgd_get_net(NULL));
    aedyn_sgd_rule rule = AEDYN_SGD_SANGER, orule = AEDYN_SGD_SANGER;
    double kappa = -1, okappa = -1, ew, ev, eb;
    ck_assert_aedyn_ok(aedyn_sgd_get_rule(sgd, &rule));
    ck_assert_int_eq(rule, AEDYN_SGD_VANILLA);
    ck_assert_aedyn_ok(aedyn_sgd_get_weight_decay(sgd, &kappa));
    ck_assert_double_eq(kappa, 0.25);
    ck_assert_aedyn_fails(aedyn_sgd_get_rule(NULL, &rule), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_sgd_get_weight_decay(sgd, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&ode, sgd));
    ck_assert_aedyn_ok(aedyn_ode_get_rule(ode, &orule));
    ck_assert_int_eq(orule, AEDYN_SGD_VANILLA);
    ck_assert_aedyn_ok(aedyn_ode_get_weight_decay(ode, &okappa));
    ck_assert_double_eq(okappa, 0.25);
    ck_assert_aedyn_ok(aedyn_ode_get_learning_rates(ode, &ew, &ev, &eb));
    ck_assert(ew == 0.3 && ev == 0.4 && eb == 0.5);
    double rtol = 0, atol = 0;
    ck_assert_aedyn_ok(aedyn_ode_get_tolerances(ode, &rtol, &atol));
    ck_assert(rtol == 1e-6 && atol == 1e-9);
    ck_assert_aedyn_ok(aedyn_ode_set_tolerances(ode, 1e-8, 1e-12));
    ck_assert_aedyn_ok(aedyn_ode_get_tolerances(ode, &rtol, NULL));
    ck_assert(rtol == 1e-8);
    aedyn_ode_destroy(ode);
    ck_assert_aedyn_ok(aedyn_sgd_set_learning_rates(sgd, 0.0, 0.0, 0.0));
    ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(sgd, 0.0));
    ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&ode, sgd));
    double Qn[4], Rn[4], Tn[4], T0n[4], Qo[4], Ro[4], To[4], T0o[4], en, eo, eo2;
    ck_assert_aedyn_ok(aedyn_net_order_params(net, data, Qn, Rn, Tn, T0n));
    ck_assert_aedyn_ok(aedyn_ode_order_params(ode, Qo, Ro, To, T0o));
    for (int i = 0; i < 4; i++) {
        ck_assert_double_eq_tol(Qo[i], Qn[i], 1e-10 * (1 + fabs(Qn[i])));
        ck_assert_double_eq_tol(Ro[i], Rn[i], 1e-10 * (1 + fabs(Rn[i])));
        ck_assert_double_eq_tol(To[i], Tn[i], 1e-10 * (1 + fabs(Tn[i])));
        ck_assert_double_eq_tol(T0o[i], T0n[i], 1e-10 * (1 + fabs(T0n[i])));
    }
    ck_assert_aedyn_ok(aedyn_net_error(net, data, &en));
    ck_assert_aedyn_ok(aedyn_ode_error(ode, &eo));
    ck_assert_double_eq_tol(eo, en, 1e-10 * en);
    ck_assert_aedyn_ok(aedyn_ode_advance(ode, 10.0));
    ck_assert_aedyn_ok(aedyn_ode_error(ode, &eo2));
    ck_assert_double_eq(eo2, eo);
    aedyn_ode_destroy(ode);
    aedyn_sgd_destroy(sgd);
    aedyn_sgd_destroy(stied);
    aedyn_net_destroy(net);
    aedyn_net_destroy(tied);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
}
END_TEST

/* ---- learning outcomes -------------------------------------------------------------- */

/* Data with eigenvectors e_0, e_1, ... on the coordinate axes, spikes of the
 * standardised scale rho / D = 0.8, 0.4, 0.2 and bulk 0.5, so that the
 * cosine of a unit with eigenvector j is |w_j| / |w|. */
static aedyn_data *axis_data(size_t D)
{
    const double rho[3] = {0.8 * (double)D, 0.4 * (double)D, 0.2 * (double)D};
    double *E = calloc(3 * D, sizeof *E);
    for (size_t j = 0; j < 3; j++)
        E[j * D + j] = 1.0;
    aedyn_data *d;
    ck_assert_aedyn_ok(aedyn_data_create_eigen(&d, D, 3, rho, E, 0.5));
    free(E);
    return d;
}

static double cosine_axis(const double *w, size_t D, size_t j)
{
    double n = 0.0;
    for (size_t i = 0; i < D; i++)
        n += w[i] * w[i];
    return fabs(w[j]) / sqrt(n);
}

/* Train K = 2 units on axis_data for time t and return the smallest
 * cos(v^k, e_k) over k (the decoder is the unit's reconstruction direction;
 * a linear encoder keeps part of its random bulk component for a long time)
 * and the final population error. rotated: start on the principal subspace
 * rotated by 45 degrees (w^k = v^k = D^{1/4} r_k, r_0/1 = (e_0 +- e_1)/sqrt 2),
 * a minimum of the vanilla loss; otherwise i.i.d. N(0, 0.1^2) weights. */
static double alignment(unsigned flags, aedyn_sgd_rule rule, double lr, double t, bool rotated,
                        double *err)
{
    const size_t D = 200, K = 2;
    aedyn_rng *rng;
    aedyn_net *net;
    aedyn_sgd *sgd;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 2024, 0));
    aedyn_data *data = axis_data(D);
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_LINEAR, flags));
    double *W = calloc(K * D, sizeof *W), *V = calloc(K * D, sizeof *V), worst = 1.0;
    if (rotated) {
        const double a = pow((double)D, 0.25) / sqrt(2.0);
        W[0] = W[1] = W[D] = a;
        W[D + 1] = -a;
        memcpy(V, W, K * D * sizeof *V);
        ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, (flags & AEDYN_NET_TIED) ? NULL : V, NULL));
    } else {
        ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.1));
    }
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, rule, lr));
    ck_assert_aedyn_ok(aedyn_sgd_step(sgd, (uint64_t)(t * D)));
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, W, V, NULL));
    for (size_t k = 0; k < K; k++)
        worst = fmin(worst, cosine_axis(V + k * D, D, k));
    ck_assert_aedyn_ok(aedyn_net_error(net, data, err));
    free(W);
    free(V);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
    return worst;
}

/* A linear AE reaches eps_PCA(2) at t = 800: what remains is the stationary
 * fluctuation of online SGD at a fixed learning rate plus the slow decay of the
 * encoder's random bulk component (measured 0.02-0.8 % above eps_PCA(2) for
 * these runs), so 2 % is the bound. Truncated SGD and Sanger's rule end with unit k on e_k
 * (cos > 0.95), from random and from rotated starts; vanilla SGD learns the
 * subspace only: started on a rotated minimum it stays rotated (cos ~ 0.71). */
START_TEST(test_truncated_aligns)
{
    double err[6], pca2;
    aedyn_data *d = axis_data(200);
    ck_assert_aedyn_ok(aedyn_data_pca_error(d, 2, &pca2));
    aedyn_data_destroy(d);
    const double c[6] = {
        alignment(0, AEDYN_SGD_VANILLA, 0.2, 800, false, &err[0]),
        alignment(0, AEDYN_SGD_TRUNCATED, 0.2, 800, false, &err[1]),
        alignment(AEDYN_NET_TIED, AEDYN_SGD_SANGER, 0.5, 800, false, &err[2]),
        alignment(0, AEDYN_SGD_VANILLA, 0.2, 800, true, &err[3]),
        alignment(0, AEDYN_SGD_TRUNCATED, 0.2, 800, true, &err[4]),
        alignment(AEDYN_NET_TIED, AEDYN_SGD_SANGER, 0.5, 800, true, &err[5]),
    };
    static const char *name[6] = {"vanilla", "truncated", "Sanger", "vanilla (rotated start)",
                                  "truncated (rotated start)", "Sanger (rotated start)"};
    for (int i = 0; i < 6; i++)
        printf("%-26s min_k cos(v^k, e_k) = %.4f, error / eps_PCA(2) = %.4f\n", name[i], c[i],
               err[i] / pca2);
    fflush(stdout);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(err[i] < 1.02 * pca2, "%s: error %g vs eps_PCA(2) %g", name[i], err[i], pca2);
    for (int i = 1; i < 6; i++)
        if (i != 3)
            ck_assert_msg(c[i] > 0.95, "%s: min cos = %g", name[i], c[i]);
    ck_assert_msg(c[3] < 0.8, "vanilla from a rotated minimum aligned (min cos = %g)", c[3]);
}
END_TEST

/* A linear AE (K = 2, untied) trained by vanilla SGD on the standardised
 * spiked model (D = 500, M = 3) reaches eps_PCA(2): measured 0.26 % above it
 * at t = 400 (the remaining gap is the stationary SGD fluctuation plus the
 * slow decay of the encoder's bulk part), bound 2 %; at t = 50 it is still
 * 3.4x above, so the test sees learning, not the initial state. */
START_TEST(test_linear_reaches_pca_spiked)
{
    const size_t D = 500;
    aedyn_rng *rng;
    aedyn_net *net;
    aedyn_sgd *sgd;
    double pca2, err;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 8, 0));
    aedyn_data *data = spiked(D, 3, rng);
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, 2, AEDYN_NET_ACT_LINEAR, 0));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.1));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.2));
    ck_assert_aedyn_ok(aedyn_data_pca_error(data, 2, &pca2));
    ck_assert_aedyn_ok(aedyn_sgd_step(sgd, 50 * D));
    ck_assert_aedyn_ok(aedyn_net_error(net, data, &err));
    ck_assert_msg(err > 1.5 * pca2, "t = 50: already at %g (pca2 %g)", err, pca2);
    ck_assert_aedyn_ok(aedyn_sgd_step(sgd, 350 * D));
    ck_assert_aedyn_ok(aedyn_net_error(net, data, &err));
    printf("linear AE on the spiked model, t = 400: error / eps_PCA(2) = %.4f\n", err / pca2);
    ck_assert_msg(err >= pca2 * (1 - 1e-9) && err < 1.02 * pca2, "error %g vs eps_PCA(2) %g", err,
                  pca2);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
}
END_TEST

/* Trainers in several threads may share one data model (each samples with
 * scratch of its own): four trainers on one spiked model and four on one
 * eigen-type model, stepping at the same time in four threads, end with the
 * weights they reach when run one after another. (Run under TSan or helgrind,
 * a write to the shared model would also show as a race.) */
typedef struct {
    aedyn_sgd *sgd;
    aedyn_status st;
} shared_job;

static void *shared_job_run(void *arg)
{
    shared_job *j = arg;
    j->st = aedyn_sgd_step(j->sgd, 3000);
    return NULL;
}

static void shared_data_case(aedyn_data *data, bool threads, double *W)
{
    enum { NJ = 4 };
    const size_t D = aedyn_data_get_dim(data), K = 3;
    aedyn_rng *rng[NJ];
    aedyn_net *net[NJ];
    shared_job job[NJ];
    pthread_t th[NJ];
    for (size_t j = 0; j < NJ; j++) {
        ck_assert_aedyn_ok(aedyn_rng_create(&rng[j], 5, j));
        ck_assert_aedyn_ok(aedyn_net_create(&net[j], D, K, AEDYN_NET_ACT_ERF, 0));
        ck_assert_aedyn_ok(aedyn_net_init_gaussian(net[j], rng[j], 0.3));
        ck_assert_aedyn_ok(aedyn_sgd_create(&job[j].sgd, net[j], data, rng[j],
                                            AEDYN_SGD_VANILLA, 0.5));
    }
    for (size_t j = 0; j < NJ; j++)
        if (threads)
            ck_assert_int_eq(pthread_create(&th[j], NULL, shared_job_run, &job[j]), 0);
        else
            shared_job_run(&job[j]);
    for (size_t j = 0; j < NJ; j++) {
        if (threads)
            ck_assert_int_eq(pthread_join(th[j], NULL), 0);
        ck_assert_aedyn_ok(job[j].st);
        ck_assert_aedyn_ok(aedyn_net_get_weights(net[j], W + j * K * D, NULL, NULL));
        aedyn_sgd_destroy(job[j].sgd);
        aedyn_net_destroy(net[j]);
        aedyn_rng_destroy(rng[j]);
    }
}

START_TEST(test_shared_data_threads)
{
    const size_t D = 150, n = 3, K = 3;
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 3, 0));
    aedyn_data *models[2];
    models[0] = spiked(D, 3, rng);
    double rho[3] = { 4.0, 2.5, 1.5 }, *E = calloc(n * D, sizeof *E);
    for (size_t j = 0; j < n; j++)
        E[j * D + 7 * j] = 1.0;
    ck_assert_aedyn_ok(aedyn_data_create_eigen(&models[1], D, n, rho, E, 0.5));
    double *Wseq = malloc(4 * K * D * sizeof *Wseq), *Wpar = malloc(4 * K * D * sizeof *Wpar);
    for (int m = 0; m < 2; m++) {
        shared_data_case(models[m], false, Wseq);
        shared_data_case(models[m], true, Wpar);
        ck_assert_msg(memcmp(Wseq, Wpar, 4 * K * D * sizeof *Wseq) == 0,
                      "model %d: threads changed the trainers' results", m);
        ck_assert_msg(memcmp(Wseq, Wseq + K * D, K * D * sizeof *Wseq) != 0,
                      "model %d: two streams trained alike", m);
        aedyn_data_destroy(models[m]);
    }
    free(E);
    free(Wseq);
    free(Wpar);
    aedyn_rng_destroy(rng);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sgd");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_gradient_step, 0, NACT * 8);
    tcase_add_test(tc, test_sanger_formula);
    tcase_add_test(tc, test_weight_decay);
    tcase_add_test(tc, test_invalid_input);
    tcase_add_test(tc, test_divergence);
    tcase_add_test(tc, test_bit_reproducible);
    tcase_add_test(tc, test_shared_data_threads);
    tcase_add_test(tc, test_deferred_updates_exact);
    tcase_add_test(tc, test_ode_from_sgd);
    tcase_add_test(tc, test_truncated_aligns);
    tcase_add_test(tc, test_linear_reaches_pca_spiked);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
