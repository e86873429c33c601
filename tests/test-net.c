/* The network module (lib/net.c): lifecycle and getters; weights round-trip;
 * invalid input of every function (status, non-empty message, net left
 * unchanged and usable); Gaussian and informed initialisation; reconstruction
 * and loss against a direct computation; order parameters against explicit
 * matrix products with Omega (a random SPD matrix and a spiked model);
 * population error against the Monte-Carlo error of the same network (every
 * activation, bias on/off, tied/untied, within 4 standard errors); and the
 * golden erf case of tests/data/golden-erf-d100 (t = 0 error to 1e-10). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define NACT 3
static const aedyn_net_activation acts[NACT] = {AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF, AEDYN_NET_ACT_RELU};

/* ---- helpers ------------------------------------------------------------------------ */


static double *normals(aedyn_rng *rng, size_t n, double scale)
{
    double *x = malloc(n * sizeof *x);
    ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, x, n));
    for (size_t i = 0; i < n; i++)
        x[i] *= scale;
    return x;
}

/* A copy of all weights of a network, to check that failed calls change nothing. */
typedef struct {
    size_t KD, K;
    double *W, *V, *b;
} snap_t;

static snap_t snapshot(const aedyn_net *net)
{
    snap_t s = {aedyn_net_get_n_hidden(net) * aedyn_net_get_dim(net), aedyn_net_get_n_hidden(net), NULL, NULL, NULL};
    s.W = malloc(s.KD * sizeof *s.W);
    s.V = malloc(s.KD * sizeof *s.V);
    s.b = malloc(s.K * sizeof *s.b);
    ck_assert_aedyn_ok(aedyn_net_get_weights(net, s.W, s.V, s.b));
    return s;
}

static void assert_unchanged(const aedyn_net *net, snap_t *s)
{
    snap_t now = snapshot(net);
    ck_assert(memcmp(now.W, s->W, s->KD * sizeof *s->W) == 0);
    ck_assert(memcmp(now.V, s->V, s->KD * sizeof *s->V) == 0);
    ck_assert(memcmp(now.b, s->b, s->K * sizeof *s->b) == 0);
    free(now.W);
    free(now.V);
    free(now.b);
}

static void snap_free(snap_t *s)
{
    free(s->W);
    free(s->V);
    free(s->b);
}

/* A random SPD D x D matrix A A^T / D + 0.5 I. */
static double *random_spd(aedyn_rng *rng, size_t D)
{
    double *A = normals(rng, D * D, 1.0), *O = calloc(D * D, sizeof *O);
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) {
            for (size_t k = 0; k < D; k++)
                O[i * D + j] += A[i * D + k] * A[j * D + k] / (double)D;
            if (i == j)
                O[i * D + j] += 0.5;
        }
    free(A);
    return O;
}

/* out (K x K) = A Omega B^T / scale, with the explicit D x D Omega. */
static void direct_quad(size_t K, size_t D, const double *A, const double *O, const double *B,
                        double scale, double *out)
{
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            double s = 0.0;
            for (size_t i = 0; i < D; i++)
                for (size_t j = 0; j < D; j++)
                    s += A[k * D + i] * O[i * D + j] * B[l * D + j];
            out[k * K + l] = s / scale;
        }
}

/* ---- lifecycle ------------------------------------------------------------------------ */

START_TEST(create_and_getters)
{
    aedyn_net *net;
    ck_assert_aedyn_ok(aedyn_net_create(&net, 10, 3, AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS));
    ck_assert_uint_eq(aedyn_net_get_dim(net), 10);
    ck_assert_uint_eq(aedyn_net_get_n_hidden(net), 3);
    ck_assert_int_eq(aedyn_net_get_activation(net), AEDYN_NET_ACT_RELU);
    ck_assert_uint_eq(aedyn_net_get_flags(net), AEDYN_NET_BIAS);
    /* all weights start at zero */
    snap_t s = snapshot(net);
    for (size_t i = 0; i < s.KD; i++)
        ck_assert(s.W[i] == 0.0 && s.V[i] == 0.0);
    snap_free(&s);
    aedyn_net_destroy(net);
    ck_assert_aedyn_ok(aedyn_net_create(&net, 1, 1, AEDYN_NET_ACT_ERF, AEDYN_NET_TIED | AEDYN_NET_BIAS));
    ck_assert_uint_eq(aedyn_net_get_flags(net), AEDYN_NET_TIED | AEDYN_NET_BIAS);
    ck_assert_int_eq(aedyn_net_get_activation(net), AEDYN_NET_ACT_ERF);
    aedyn_net_destroy(net);
    aedyn_net_destroy(NULL);
    ck_assert_uint_eq(aedyn_net_get_dim(NULL), 0);
    ck_assert_uint_eq(aedyn_net_get_n_hidden(NULL), 0);
    ck_assert_uint_eq(aedyn_net_get_flags(NULL), 0);
    ck_assert_int_eq(aedyn_net_get_activation(NULL), AEDYN_NET_ACT_LINEAR);
}
END_TEST

START_TEST(create_invalid)
{
    aedyn_net *sentinel = (aedyn_net *)&sentinel, *net = sentinel;
    ck_assert_aedyn_fails(aedyn_net_create(NULL, 10, 2, AEDYN_NET_ACT_ERF, 0), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_net_create(&net, 0, 1, AEDYN_NET_ACT_ERF, 0), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_net_create(&net, 10, 0, AEDYN_NET_ACT_ERF, 0), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_net_create(&net, 3, 5, AEDYN_NET_ACT_ERF, 0), AEDYN_ERR_SIZE);
    ck_assert_str_eq(aedyn_error_message(), "aedyn_net_create: K must be <= D (got K = 5, D = 3)");
    ck_assert_aedyn_fails(aedyn_net_create(&net, 10, 2, (aedyn_net_activation)3, 0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_net_create(&net, 10, 2, (aedyn_net_activation)-1, 0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_net_create(&net, 10, 2, AEDYN_NET_ACT_ERF, 8u), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_net_create(&net, SIZE_MAX / 2, SIZE_MAX / 4, AEDYN_NET_ACT_ERF, 0),
                          AEDYN_ERR_SIZE);
    ck_assert_ptr_eq(net, sentinel);
}
END_TEST

/* ---- weights ---------------------------------------------------------------------------- */

START_TEST(weights_round_trip)
{
    const size_t D = 7, K = 2;
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 1, 0));
    double *W = normals(rng, K * D, 1.0), *V = normals(rng, K * D, 1.0), b[2] = {0.5, -1.5};
    double W2[14], V2[14], b2[2];
    for (unsigned flags = 0; flags < 4; flags++) {
        const bool tied = flags & AEDYN_NET_TIED, bias = flags & AEDYN_NET_BIAS;
        aedyn_net *net;
        ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, flags));
        ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, tied ? NULL : V, bias ? b : NULL));
        ck_assert_aedyn_ok(aedyn_net_get_weights(net, W2, V2, b2));
        ck_assert(memcmp(W, W2, sizeof W2) == 0);
        ck_assert(memcmp(tied ? W : V, V2, sizeof V2) == 0);
        ck_assert_double_eq(b2[0], bias ? b[0] : 0.0);
        ck_assert_double_eq(b2[1], bias ? b[1] : 0.0);
        /* NULL keeps a value: change only the encoder */
        ck_assert_aedyn_ok(aedyn_net_set_weights(net, V, NULL, NULL));
        ck_assert_aedyn_ok(aedyn_net_get_weights(net, W2, NULL, NULL));
        ck_assert(memcmp(V, W2, sizeof W2) == 0);
        ck_assert_aedyn_ok(aedyn_net_get_weights(net, NULL, V2, b2));
        ck_assert(memcmp(V, V2, sizeof V2) == 0); /* tied: the new encoder; untied: unchanged */
        ck_assert_double_eq(b2[0], bias ? b[0] : 0.0);
        aedyn_net_destroy(net);
    }
    free(W);
    free(V);
    aedyn_rng_destroy(rng);
}
END_TEST

START_TEST(set_weights_invalid)
{
    const size_t D = 5, K = 2;
    double W[10], V[10], b[2] = {0.1, 0.2};
    for (size_t i = 0; i < 10; i++)
        W[i] = V[i] = 0.1 * (double)i;
    aedyn_net *net, *tied, *nobias;
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, AEDYN_NET_BIAS));
    ck_assert_aedyn_ok(aedyn_net_create(&tied, D, K, AEDYN_NET_ACT_ERF, AEDYN_NET_TIED | AEDYN_NET_BIAS));
    ck_assert_aedyn_ok(aedyn_net_create(&nobias, D, K, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, V, b));
    snap_t s = snapshot(net), st = snapshot(tied), sn = snapshot(nobias);
    ck_assert_aedyn_fails(aedyn_net_set_weights(NULL, W, V, b), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_net_set_weights(tied, W, V, NULL), AEDYN_ERR_INVALID);
    assert_unchanged(tied, &st);
    ck_assert_aedyn_fails(aedyn_net_set_weights(nobias, W, NULL, b), AEDYN_ERR_INVALID);
    assert_unchanged(nobias, &sn);
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    for (int t = 0; t < 3; t++) {
        double W2[10], V2[10], b2[2] = {0.0, 0.0};
        memcpy(W2, V, sizeof W2);
        memcpy(V2, W, sizeof V2);
        /* a bad value in the last array: the valid earlier ones must not be applied */
        b2[1] = bad[t];
        ck_assert_aedyn_fails(aedyn_net_set_weights(net, W2, V2, b2), AEDYN_ERR_INVALID);
        assert_unchanged(net, &s);
        b2[1] = 0.0;
        V2[9] = bad[t];
        ck_assert_aedyn_fails(aedyn_net_set_weights(net, W2, V2, b2), AEDYN_ERR_INVALID);
        assert_unchanged(net, &s);
        W2[3] = bad[t];
        ck_assert_aedyn_fails(aedyn_net_set_weights(net, W2, NULL, NULL), AEDYN_ERR_INVALID);
        assert_unchanged(net, &s);
    }
    ck_assert_aedyn_fails(aedyn_net_get_weights(NULL, W, V, b), AEDYN_ERR_NULL);
    /* still usable */
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, V, W, NULL));
    snap_free(&s);
    snap_free(&st);
    snap_free(&sn);
    aedyn_net_destroy(net);
    aedyn_net_destroy(tied);
    aedyn_net_destroy(nobias);
}
END_TEST

START_TEST(init_gaussian)
{
    const size_t D = 200, K = 4;
    const double sigma0 = 0.1;
    for (int tied = 0; tied <= 1; tied++) {
        aedyn_rng *rng, *ref;
        ck_assert_aedyn_ok(aedyn_rng_create(&rng, 42, 0));
        ck_assert_aedyn_ok(aedyn_rng_create(&ref, 42, 0));
        aedyn_net *net;
        ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF,
                                            AEDYN_NET_BIAS | (tied ? AEDYN_NET_TIED : 0)));
        const double b[4] = {1, 2, 3, 4};
        ck_assert_aedyn_ok(aedyn_net_set_weights(net, NULL, NULL, b));
        ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, sigma0));
        /* encoder first, then decoder, row by row, sigma0 * N(0, 1) from the stream */
        snap_t s = snapshot(net);
        double *z = normals(ref, 2 * K * D, sigma0);
        for (size_t i = 0; i < K * D; i++) {
            ck_assert_double_eq(s.W[i], z[i]);
            ck_assert_double_eq(s.V[i], tied ? z[i] : z[K * D + i]);
        }
        for (size_t k = 0; k < K; k++)
            ck_assert_double_eq(s.b[k], 0.0);
        /* empirical variance of the 800 encoder entries: relative SE sqrt(2/800) = 5% */
        double v = 0.0;
        for (size_t i = 0; i < K * D; i++)
            v += s.W[i] * s.W[i];
        v /= (double)(K * D);
        ck_assert_double_le(fabs(v / (sigma0 * sigma0) - 1.0), 0.2);
        ck_assert_aedyn_fails(aedyn_net_init_gaussian(net, rng, -1.0), AEDYN_ERR_INVALID);
        ck_assert_aedyn_fails(aedyn_net_init_gaussian(net, rng, NAN), AEDYN_ERR_INVALID);
        ck_assert_aedyn_fails(aedyn_net_init_gaussian(net, rng, INFINITY), AEDYN_ERR_INVALID);
        ck_assert_aedyn_fails(aedyn_net_init_gaussian(net, NULL, 0.1), AEDYN_ERR_NULL);
        ck_assert_aedyn_fails(aedyn_net_init_gaussian(NULL, rng, 0.1), AEDYN_ERR_NULL);
        assert_unchanged(net, &s);
        ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.0)); /* sigma0 = 0 is valid */
        snap_free(&s);
        s = snapshot(net);
        for (size_t i = 0; i < K * D; i++)
            ck_assert(s.W[i] == 0.0 && s.V[i] == 0.0);
        snap_free(&s);
        free(z);
        aedyn_net_destroy(net);
        aedyn_rng_destroy(rng);
        aedyn_rng_destroy(ref);
    }
}
END_TEST

START_TEST(init_informed)
{
    const size_t D = 30, M = 3;
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 5, 0));
    aedyn_data *spiked, *gauss, *other;
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&spiked, D, M, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng, 0));
    double *O = random_spd(rng, D);
    ck_assert_aedyn_ok(aedyn_data_create_gaussian(&gauss, D, O));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&other, D + 1, M, NULL, 1.0, AEDYN_DATA_SPIKES_SINUSOIDAL, NULL, 0));
    double *rho = malloc(D * sizeof *rho);
    for (int tied = 0; tied <= 1; tied++)
        for (size_t K = 1; K <= 4; K++) {
            aedyn_data *data = K <= M ? spiked : gauss;
            aedyn_net *net;
            ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF,
                                                AEDYN_NET_BIAS | (tied ? AEDYN_NET_TIED : 0)));
            ck_assert_aedyn_ok(aedyn_net_init_informed(net, data));
            /* w^k = e_k: Q = diag(rho_k)/D, and T0 = I (untied: v = sqrt(D) e_k) or I/D (tied) */
            double Q[16], T0[16];
            ck_assert_aedyn_ok(aedyn_net_order_params(net, data, Q, NULL, NULL, T0));
            ck_assert_aedyn_ok(aedyn_data_get_eigenvalues(data, rho));
            for (size_t k = 0; k < K; k++)
                for (size_t l = 0; l < K; l++) {
                    ck_assert_double_eq_tol(Q[k * K + l], k == l ? rho[k] / D : 0.0, 1e-10 * rho[0]);
                    ck_assert_double_eq_tol(T0[k * K + l], k == l ? (tied ? 1.0 / D : 1.0) : 0.0, 1e-12);
                }
            snap_t s = snapshot(net);
            if (K > M) { /* the spiked model has only M explicit directions */
                ck_assert_aedyn_fails(aedyn_net_init_informed(net, spiked), AEDYN_ERR_UNSUPPORTED);
                assert_unchanged(net, &s);
            }
            ck_assert_aedyn_fails(aedyn_net_init_informed(net, other), AEDYN_ERR_SIZE);
            ck_assert_aedyn_fails(aedyn_net_init_informed(net, NULL), AEDYN_ERR_NULL);
            ck_assert_aedyn_fails(aedyn_net_init_informed(NULL, data), AEDYN_ERR_NULL);
            assert_unchanged(net, &s);
            snap_free(&s);
            aedyn_net_destroy(net);
        }
    free(rho);
    free(O);
    aedyn_data_destroy(spiked);
    aedyn_data_destroy(gauss);
    aedyn_data_destroy(other);
    aedyn_rng_destroy(rng);
}
END_TEST

/* ---- forward pass ------------------------------------------------------------------------ */

START_TEST(reconstruct_and_loss)
{
    const size_t D = 30, K = 3, n = 5;
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 11, 0));
    double *W = normals(rng, K * D, 1.0), *V = normals(rng, K * D, 0.5), *X = normals(rng, n * D, 1.0);
    const double b[3] = {0.3, -0.7, 1.1};
    double *Xhat = malloc(n * D * sizeof *Xhat), *ref = malloc(n * D * sizeof *ref);
    for (int a = 0; a < NACT; a++)
        for (unsigned flags = 0; flags < 4; flags++) {
            const bool tied = flags & AEDYN_NET_TIED, bias = flags & AEDYN_NET_BIAS;
            aedyn_net *net;
            ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, acts[a], flags));
            ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, tied ? NULL : V, bias ? b : NULL));
            const double *Vd = tied ? W : V;
            /* direct: lambda^k = w^k . x / sqrt(D) + beta_k, xhat = sum_k v^k g(lambda^k) */
            for (size_t i = 0; i < n; i++) {
                double want_loss = 0.0, got_loss;
                for (size_t j = 0; j < D; j++)
                    ref[i * D + j] = 0.0;
                for (size_t k = 0; k < K; k++) {
                    double lam = bias ? b[k] : 0.0;
                    for (size_t j = 0; j < D; j++)
                        lam += W[k * D + j] * X[i * D + j] / sqrt((double)D);
                    for (size_t j = 0; j < D; j++)
                        ref[i * D + j] += Vd[k * D + j] * testutil_act_g(acts[a], lam);
                }
                for (size_t j = 0; j < D; j++)
                    want_loss += pow(X[i * D + j] - ref[i * D + j], 2) / (2.0 * D);
                ck_assert_aedyn_ok(aedyn_net_loss(net, X + i * D, &got_loss));
                ck_assert_double_eq_tol(got_loss, want_loss, 1e-12 * want_loss);
            }
            ck_assert_aedyn_ok(aedyn_net_reconstruct(net, n, X, Xhat));
            for (size_t i = 0; i < n * D; i++)
                ck_assert_double_eq_tol(Xhat[i], ref[i], 1e-12 * (1.0 + fabs(ref[i])));
            /* in place */
            memcpy(Xhat, X, n * D * sizeof *X);
            ck_assert_aedyn_ok(aedyn_net_reconstruct(net, n, Xhat, Xhat));
            for (size_t i = 0; i < n * D; i++)
                ck_assert_double_eq_tol(Xhat[i], ref[i], 1e-12 * (1.0 + fabs(ref[i])));
            /* invalid input */
            double l = -1.0;
            ck_assert_aedyn_ok(aedyn_net_reconstruct(net, 0, NULL, NULL));
            ck_assert_aedyn_fails(aedyn_net_reconstruct(NULL, n, X, Xhat), AEDYN_ERR_NULL);
            ck_assert_aedyn_fails(aedyn_net_reconstruct(net, n, NULL, Xhat), AEDYN_ERR_NULL);
            ck_assert_aedyn_fails(aedyn_net_reconstruct(net, n, X, NULL), AEDYN_ERR_NULL);
            ck_assert_aedyn_fails(aedyn_net_loss(NULL, X, &l), AEDYN_ERR_NULL);
            ck_assert_aedyn_fails(aedyn_net_loss(net, NULL, &l), AEDYN_ERR_NULL);
            ck_assert_aedyn_fails(aedyn_net_loss(net, X, NULL), AEDYN_ERR_NULL);
            ck_assert_double_eq(l, -1.0);
            aedyn_net_destroy(net);
        }
    free(W); free(V); free(X); free(Xhat); free(ref);
    aedyn_rng_destroy(rng);
}
END_TEST

/* ---- order parameters ------------------------------------------------------------------ */

/* Q, R, T, T0 of net against explicit products with Omega (relative 1e-10 of the largest). */
static void check_order_params(aedyn_net *net, aedyn_data *data, const double *O)
{
    const size_t D = aedyn_net_get_dim(net), K = aedyn_net_get_n_hidden(net);
    snap_t s = snapshot(net);
    double got[4][16], want[4][16];
    const double Dd = (double)D;
    ck_assert_aedyn_ok(aedyn_net_order_params(net, data, got[0], got[1], got[2], got[3]));
    direct_quad(K, D, s.W, O, s.W, Dd, want[0]);
    direct_quad(K, D, s.V, O, s.W, Dd * sqrt(Dd), want[1]);
    direct_quad(K, D, s.V, O, s.V, Dd * Dd, want[2]);
    double *I = calloc(D * D, sizeof *I);
    for (size_t i = 0; i < D; i++)
        I[i * D + i] = 1.0;
    direct_quad(K, D, s.V, I, s.V, Dd, want[3]);
    for (int p = 0; p < 4; p++) {
        double scale = 0.0;
        for (size_t i = 0; i < K * K; i++)
            scale = fmax(scale, fabs(want[p][i]));
        for (size_t i = 0; i < K * K; i++)
            ck_assert_msg(fabs(got[p][i] - want[p][i]) <= 1e-10 * scale, "param %d entry %zu: %.15g vs %.15g",
                          p, i, got[p][i], want[p][i]);
    }
    /* any output may be NULL */
    double q2[16];
    ck_assert_aedyn_ok(aedyn_net_order_params(net, data, q2, NULL, NULL, NULL));
    ck_assert(memcmp(q2, got[0], K * K * sizeof *q2) == 0);
    free(I);
    snap_free(&s);
}

START_TEST(order_params_vs_direct)
{
    const size_t D = 24, K = 3;
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 21, 0));
    double *O = random_spd(rng, D);
    aedyn_data *gauss, *spiked;
    ck_assert_aedyn_ok(aedyn_data_create_gaussian(&gauss, D, O));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&spiked, 40, 3, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng, 0));
    double *Osp = malloc(40 * 40 * sizeof *Osp);
    ck_assert_aedyn_ok(aedyn_data_get_covariance(spiked, Osp));
    for (int tied = 0; tied <= 1; tied++) {
        aedyn_net *n1, *n2;
        ck_assert_aedyn_ok(aedyn_net_create(&n1, D, K, AEDYN_NET_ACT_ERF, tied ? AEDYN_NET_TIED : 0));
        ck_assert_aedyn_ok(aedyn_net_create(&n2, 40, K, AEDYN_NET_ACT_RELU, tied ? AEDYN_NET_TIED : 0));
        ck_assert_aedyn_ok(aedyn_net_init_gaussian(n1, rng, 1.0));
        ck_assert_aedyn_ok(aedyn_net_init_gaussian(n2, rng, 1.0));
        check_order_params(n1, gauss, O);
        check_order_params(n2, spiked, Osp);
        double Q[9] = {0};
        ck_assert_aedyn_fails(aedyn_net_order_params(n1, spiked, Q, NULL, NULL, NULL), AEDYN_ERR_SIZE);
        ck_assert_aedyn_fails(aedyn_net_order_params(NULL, gauss, Q, NULL, NULL, NULL), AEDYN_ERR_NULL);
        ck_assert_aedyn_fails(aedyn_net_order_params(n1, NULL, Q, NULL, NULL, NULL), AEDYN_ERR_NULL);
        aedyn_net_destroy(n1);
        aedyn_net_destroy(n2);
    }
    free(O);
    free(Osp);
    aedyn_data_destroy(gauss);
    aedyn_data_destroy(spiked);
    aedyn_rng_destroy(rng);
}
END_TEST

/* ---- errors ---------------------------------------------------------------------------- */

START_TEST(population_vs_monte_carlo)
{
    /* Spiked data (D = 40, M = 2, Lambda = 3, 5 standardised): informed weights plus
     * noise, so that every term of eps is O(1); biases (0.4, -0.3) when present.
     * The MC error over 4x10^4 inputs must lie within 4 standard errors. */
    const size_t D = 40, K = 2, n = 40000;
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 2024, 0));
    aedyn_data *data;
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&data, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                                AEDYN_DATA_STANDARDISE));
    const double b[2] = {0.4, -0.3};
    for (int a = 0; a < NACT; a++)
        for (unsigned flags = 0; flags < 4; flags++) {
            const bool tied = flags & AEDYN_NET_TIED, bias = flags & AEDYN_NET_BIAS;
            aedyn_net *net;
            ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, acts[a], flags));
            ck_assert_aedyn_ok(aedyn_net_init_informed(net, data));
            snap_t s = snapshot(net);
            /* encoder 3 e_k plus noise, so that lambda = O(1); tied: 4.5 e_k (with 3 e_k the
             * R and T0 terms of the tied linear network happen to cancel) */
            const double ws = tied ? 4.5 : 3.0;
            for (size_t i = 0; i < K * D; i++) {
                s.W[i] = ws * s.W[i] + 0.3 * aedyn_rng_normal(rng);
                s.V[i] = 0.8 * s.V[i] + 0.3 * aedyn_rng_normal(rng);
            }
            ck_assert_aedyn_ok(aedyn_net_set_weights(net, s.W, tied ? NULL : s.V, bias ? b : NULL));
            double pop, mc, se;
            ck_assert_aedyn_ok(aedyn_net_error(net, data, &pop));
            ck_assert_aedyn_ok(aedyn_net_error_mc(net, data, rng, n, &mc, &se));
            ck_assert_msg(fabs(pop - mc) <= 4.0 * se, "act %d flags %u: population %.6f, MC %.6f +- %.6f",
                          (int)acts[a], flags, pop, mc, se);
            /* the check is sharp: the error is not just Tr Omega / 2D */
            ck_assert_msg(fabs(pop - aedyn_data_get_trace(data) / (2.0 * D)) > 20.0 * se,
                          "act %d flags %u: network does not matter", (int)acts[a], flags);
            snap_free(&s);
            aedyn_net_destroy(net);
        }
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
}
END_TEST

START_TEST(mc_error_is_the_mean_loss)
{
    /* aedyn_net_error_mc equals the mean of aedyn_net_loss over the same inputs
     * (same seed), and its standard error is the sample std / sqrt(n). */
    const size_t D = 20, K = 2, n = 5000;
    aedyn_rng *r1, *r2, *r0;
    ck_assert_aedyn_ok(aedyn_rng_create(&r0, 3, 0));
    aedyn_data *data;
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&data, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, r0, 0));
    aedyn_net *net;
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, r0, 1.0));
    ck_assert_aedyn_ok(aedyn_rng_create(&r1, 8, 1));
    ck_assert_aedyn_ok(aedyn_rng_create(&r2, 8, 1));
    double mean, se, sum = 0.0, sum2 = 0.0, *X = malloc(n * D * sizeof *X);
    ck_assert_aedyn_ok(aedyn_net_error_mc(net, data, r1, n, &mean, &se));
    ck_assert_aedyn_ok(aedyn_data_sample(data, r2, n, X));
    for (size_t i = 0; i < n; i++) {
        double l;
        ck_assert_aedyn_ok(aedyn_net_loss(net, X + i * D, &l));
        sum += l;
        sum2 += l * l;
    }
    const double m = sum / n, sd = sqrt((sum2 / n - m * m) * n / (n - 1.0));
    ck_assert_double_eq_tol(mean, m, 1e-12 * m);
    ck_assert_double_eq_tol(se, sd / sqrt((double)n), 1e-9 * se);
    ck_assert_aedyn_ok(aedyn_net_error_mc(net, data, r1, 2, &mean, NULL)); /* std_err optional */
    /* invalid input leaves the outputs alone */
    double keep = 123.0;
    ck_assert_aedyn_fails(aedyn_net_error_mc(net, data, r1, 1, &keep, NULL), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_net_error_mc(NULL, data, r1, n, &keep, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_net_error_mc(net, NULL, r1, n, &keep, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_net_error_mc(net, data, NULL, n, &keep, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_net_error_mc(net, data, r1, n, NULL, NULL), AEDYN_ERR_NULL);
    aedyn_data *other;
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&other, D + 1, 1, NULL, 1.0, AEDYN_DATA_SPIKES_SINUSOIDAL, NULL, 0));
    ck_assert_aedyn_fails(aedyn_net_error_mc(net, other, r1, n, &keep, NULL), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_net_error(net, other, &keep), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_net_error(NULL, data, &keep), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_net_error(net, NULL, &keep), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_net_error(net, data, NULL), AEDYN_ERR_NULL);
    ck_assert_double_eq(keep, 123.0);
    free(X);
    aedyn_data_destroy(data);
    aedyn_data_destroy(other);
    aedyn_net_destroy(net);
    aedyn_rng_destroy(r0);
    aedyn_rng_destroy(r1);
    aedyn_rng_destroy(r2);
}
END_TEST

START_TEST(population_error_limits)
{
    /* Zero weights give Tr Omega / 2D; the informed linear network gives the PCA
     * error eps_PCA(K) exactly (v = sqrt(D) e_k, w = e_k reconstructs the top K
     * components). */
    const size_t D = 50, K = 3;
    aedyn_data *data;
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&data, D, 4, NULL, 1.0, AEDYN_DATA_SPIKES_SINUSOIDAL, NULL, 0));
    aedyn_net *net;
    double err, pca;
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_LINEAR, 0));
    ck_assert_aedyn_ok(aedyn_net_error(net, data, &err));
    ck_assert_double_eq_tol(err, aedyn_data_get_trace(data) / (2.0 * D), 1e-12 * err);
    ck_assert_aedyn_ok(aedyn_net_init_informed(net, data));
    ck_assert_aedyn_ok(aedyn_net_error(net, data, &err));
    ck_assert_aedyn_ok(aedyn_data_pca_error(data, K, &pca));
    ck_assert_double_eq_tol(err, pca, 1e-10 * aedyn_data_get_trace(data) / D);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
}
END_TEST

START_TEST(golden_erf_d100)
{
    /* t = 0 line of tests/data/golden-erf-d100/expected.txt (12 digits). */
    size_t r, c, rw, cw, rv, cv;
    double *O = testutil_load_npy("golden-erf-d100/omega.npy", &r, &c);
    double *W = testutil_load_npy("golden-erf-d100/w0.npy", &rw, &cw);
    double *V = testutil_load_npy("golden-erf-d100/v0.npy", &rv, &cv);
    ck_assert_uint_eq(r, 100);
    ck_assert_uint_eq(c, 100);
    ck_assert(rw == 2 && cw == 100 && rv == 2 && cv == 100);
    aedyn_data *data;
    ck_assert_aedyn_ok(aedyn_data_create_gaussian(&data, 100, O));
    aedyn_net *net;
    ck_assert_aedyn_ok(aedyn_net_create(&net, 100, 2, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, V, NULL));
    double err;
    ck_assert_aedyn_ok(aedyn_net_error(net, data, &err));
    const double want = 0.499993325049;
    printf("golden erf D=100: population error %.15f, expected %.12f, relative deviation %.2g\n", err,
           want, fabs(err - want) / want);
    ck_assert_msg(fabs(err - want) <= 1e-10 * want, "%.15f vs %.12f", err, want);
    free(O); free(W); free(V);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
}
END_TEST

/* A number the library reports is never NaN or infinite with AEDYN_OK: weights
 * whose order parameters overflow give AEDYN_ERR_DIVERGED (0.1 returned
 * AEDYN_OK with a NaN error). */
START_TEST(overflowing_weights_are_divergence)
{
    const size_t D = 20, K = 2;
    aedyn_rng *rng;
    aedyn_data *d;
    aedyn_net *net;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 4, 0));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, D, 2, NULL, 1, 0, rng, AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_LINEAR, 0));
    double W[2 * 20], Q[4], err = 42.0, se;
    for (size_t i = 0; i < K * D; i++)
        W[i] = 1e160; /* finite, but W W^T overflows */
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, W, NULL));
    ck_assert_aedyn_fails(aedyn_net_error(net, d, &err), AEDYN_ERR_DIVERGED);
    ck_assert(err == 42.0);
    ck_assert_aedyn_fails(aedyn_net_order_params(net, d, Q, NULL, NULL, NULL), AEDYN_ERR_DIVERGED);
    ck_assert_aedyn_fails(aedyn_net_error_mc(net, d, rng, 4, &err, &se), AEDYN_ERR_DIVERGED);
    ck_assert(err == 42.0);
    aedyn_net_destroy(net);
    aedyn_data_destroy(d);
    aedyn_rng_destroy(rng);
}
END_TEST

static Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, create_and_getters);
    tcase_add_test(tc, create_invalid);
    tcase_add_test(tc, weights_round_trip);
    tcase_add_test(tc, set_weights_invalid);
    tcase_add_test(tc, init_gaussian);
    tcase_add_test(tc, init_informed);
    tcase_add_test(tc, reconstruct_and_loss);
    tcase_add_test(tc, order_params_vs_direct);
    tcase_add_test(tc, population_vs_monte_carlo);
    tcase_add_test(tc, mc_error_is_the_mean_loss);
    tcase_add_test(tc, population_error_limits);
    tcase_add_test(tc, golden_erf_d100);
    tcase_add_test(tc, overflowing_weights_are_divergence);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return testutil_run(net_suite()); }
