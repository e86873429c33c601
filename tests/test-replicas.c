/* Replica ensembles (lib/replicas.c, include/aedyn/aedyn-replicas.h):
 *  - bit-identical values, statistics and escape times for 1, 2, 3 and 8
 *    threads;
 *  - replica r is exactly the trainer the header describes: the template's
 *    settings and weights, stream (u, r) with u one draw from the generator
 *    (for every kind of trainer: tied, truncated, Sanger, biases, weight
 *    decay, denoising with a skip connection, schedules, a template that has
 *    stepped already);
 *  - the statistics against an independent computation from the values;
 *  - escape times against a replica stepped by hand and checked on the same
 *    grid;
 *  - independent initial weights, divergence of one replica, bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

typedef testutil_trainer tmpl;

/* A template trainer: an erf AE (flags) on the standardised spiked model. */
static tmpl make_tmpl(size_t D, size_t K, aedyn_net_activation act, unsigned flags,
                      aedyn_sgd_rule rule, double lr)
{
    return testutil_spiked_trainer(D, K, 2, act, flags, rule, lr, 0.3, 17, 3);
}

/* ---- threads do not change anything ---- */

typedef struct {
    double *values, *mean, *std, *qs, *esc, efrac, eq[3];
    uint64_t steps;
} run_result;

static run_result run_ensemble(size_t n_threads, size_t R)
{
    tmpl t = make_tmpl(300, 2, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 1.0);
    aedyn_replicas *rep;
    ck_assert_aedyn_ok(aedyn_replicas_create(&rep, t.sgd, R, t.rng));
    ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(rep, n_threads));
    ck_assert_uint_eq(aedyn_replicas_get_n_threads(rep), n_threads);
    const size_t nv = aedyn_replicas_get_n_values(rep);
    ck_assert_uint_eq(nv, 1 + 4 * t.K * t.K);
    ck_assert_aedyn_ok(aedyn_replicas_set_escape(rep, 0.3, 0.25));
    const double q[3] = { 0.1, 0.5, 0.9 };
    run_result res = { .values = malloc(R * nv * sizeof(double)),
                       .mean = malloc(nv * sizeof(double)),
                       .std = malloc(nv * sizeof(double)),
                       .qs = malloc(3 * nv * sizeof(double)),
                       .esc = malloc(R * sizeof(double)) };
    for (int i = 0; i < 4; i++) /* uneven chunks: escape checks fall inside them */
        ck_assert_aedyn_ok(aedyn_replicas_step(rep, 1111 + 700 * (uint64_t)i));
    ck_assert_aedyn_ok(aedyn_replicas_get_values(rep, res.values));
    ck_assert_aedyn_ok(aedyn_replicas_stats(rep, 3, q, res.mean, res.std, res.qs));
    ck_assert_aedyn_ok(aedyn_replicas_get_escape_times(rep, res.esc));
    ck_assert_aedyn_ok(aedyn_replicas_escape_stats(rep, 3, q, &res.efrac, res.eq));
    res.steps = aedyn_replicas_get_n_steps(rep);
    aedyn_replicas_destroy(rep);
    testutil_trainer_free(&t);
    return res;
}

static void free_result(run_result *r)
{
    free(r->values);
    free(r->mean);
    free(r->std);
    free(r->qs);
    free(r->esc);
}

START_TEST(test_threads_bit_identical)
{
    const size_t R = 7, nv = 17;
    run_result ref = run_ensemble(1, R);
    ck_assert_uint_eq(ref.steps, 4 * 1111 + 700 * 6);
    /* the replicas differ from one another (independent streams) */
    ck_assert(memcmp(ref.values, ref.values + nv, nv * sizeof(double)) != 0);
    ck_assert(ref.efrac > 0.0); /* some escaped: the comparison below means something */
    const size_t threads[3] = { 2, 3, 8 };
    for (int i = 0; i < 3; i++) {
        run_result r = run_ensemble(threads[i], R);
        ck_assert_msg(memcmp(ref.values, r.values, R * nv * sizeof(double)) == 0,
                      "values differ with %zu threads", threads[i]);
        ck_assert(memcmp(ref.mean, r.mean, nv * sizeof(double)) == 0);
        ck_assert(memcmp(ref.std, r.std, nv * sizeof(double)) == 0);
        ck_assert(memcmp(ref.qs, r.qs, 3 * nv * sizeof(double)) == 0);
        ck_assert(memcmp(ref.esc, r.esc, R * sizeof(double)) == 0);
        ck_assert(ref.efrac == r.efrac);
        ck_assert(memcmp(ref.eq, r.eq, sizeof ref.eq) == 0);
        free_result(&r);
    }
    free_result(&ref);
}
END_TEST

/* ---- replica r is the documented trainer ---- */

static double sched_fn(double t, void *user)
{
    (void)user;
    return 0.5 + 0.25 * sin(t);
}

typedef enum { CFG_PLAIN, CFG_TIED_TRUNC, CFG_SANGER, CFG_BIAS_WD, CFG_DENOISE_SKIP, CFG_SCHEDULES,
               CFG_N } cfg_kind;

static tmpl make_cfg(cfg_kind c)
{
    tmpl t;
    switch (c) {
    case CFG_TIED_TRUNC:
        t = make_tmpl(120, 3, AEDYN_NET_ACT_ERF, AEDYN_NET_TIED, AEDYN_SGD_TRUNCATED, 0.4);
        break;
    case CFG_SANGER:
        t = make_tmpl(120, 3, AEDYN_NET_ACT_LINEAR, AEDYN_NET_TIED, AEDYN_SGD_SANGER, 0.4);
        break;
    case CFG_BIAS_WD:
        t = make_tmpl(120, 3, AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_VANILLA, 0.4);
        ck_assert_aedyn_ok(aedyn_sgd_set_weight_decay(t.sgd, 0.3));
        ck_assert_aedyn_ok(aedyn_sgd_set_learning_rates(t.sgd, 0.4, 0.3, 0.2));
        break;
    case CFG_DENOISE_SKIP:
        t = make_tmpl(120, 2, AEDYN_NET_ACT_ERF, AEDYN_NET_SKIP, AEDYN_SGD_VANILLA, 0.4);
        ck_assert_aedyn_ok(aedyn_sgd_set_denoising(t.sgd, 0.8, 0.6));
        ck_assert_aedyn_ok(aedyn_sgd_set_skip_rate(t.sgd, 0.1));
        break;
    case CFG_SCHEDULES: {
        t = make_tmpl(120, 2, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.4);
        aedyn_schedule *s1, *s2;
        ck_assert_aedyn_ok(aedyn_schedule_create_user(&s1, sched_fn, NULL, 0, NULL));
        ck_assert_aedyn_ok(aedyn_schedule_create_cosine(&s2, 0.3, 0.0, 3.0));
        ck_assert_aedyn_ok(aedyn_sgd_set_schedule(t.sgd, AEDYN_SCHEDULE_ENCODER_RATE, s1));
        ck_assert_aedyn_ok(aedyn_sgd_set_schedule(t.sgd, AEDYN_SCHEDULE_NOISE, s2));
        aedyn_schedule_destroy(s1);
        aedyn_schedule_destroy(s2);
        ck_assert_aedyn_ok(aedyn_sgd_step(t.sgd, 250)); /* the replicas start at t > 0 */
        break;
    }
    default:
        t = make_tmpl(120, 2, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.4);
        break;
    }
    return t;
}

/* Replica r against a trainer made by hand from the template's weights with
 * the generator (u, r) and the same settings (make_cfg applied to a second
 * template of the same seed), stepped alone in this thread. */
START_TEST(test_replica_is_documented_trainer)
{
    const cfg_kind c = (cfg_kind)_i;
    const size_t R = 5, r = 3;
    const uint64_t n = 900;
    tmpl t = make_cfg(c), h = make_cfg(c);
    aedyn_rng *copy;
    ck_assert_aedyn_ok(aedyn_rng_create(&copy, 0, 0));
    ck_assert_aedyn_ok(aedyn_rng_copy(copy, t.rng));
    const uint64_t u = aedyn_rng_u64(copy);
    aedyn_replicas *rep;
    ck_assert_aedyn_ok(aedyn_replicas_create(&rep, t.sgd, R, t.rng));
    ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(rep, 2));
    ck_assert_uint_eq(aedyn_replicas_get_n_steps(rep), aedyn_sgd_get_n_steps(t.sgd));
    ck_assert(aedyn_replicas_get_time(rep) == aedyn_sgd_get_time(t.sgd));
    /* the template is not used by the replicas: change its network */
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(t.net, t.rng, 1.0));
    ck_assert_aedyn_ok(aedyn_replicas_step(rep, n));
    /* by hand: h's trainer took the same steps before, with h's generator;
     * give it the stream (u, r) and step it */
    aedyn_rng *rr;
    aedyn_sgd *s;
    ck_assert_aedyn_ok(aedyn_rng_create(&rr, u, r));
    ck_assert_aedyn_ok(aedyn_rng_copy(h.rng, rr));
    s = h.sgd;
    ck_assert_aedyn_ok(aedyn_sgd_step(s, n));
    const size_t KD = h.K * h.D;
    double *W1 = malloc(KD * sizeof *W1), *V1 = malloc(KD * sizeof *V1), b1[3], c1;
    double *W2 = malloc(KD * sizeof *W2), *V2 = malloc(KD * sizeof *V2), b2[3], c2;
    const aedyn_net *nr = aedyn_replicas_get_net(rep, r);
    ck_assert_ptr_nonnull(nr);
    ck_assert_ptr_null(aedyn_replicas_get_net(rep, R));
    ck_assert_aedyn_ok(aedyn_net_get_weights(nr, W1, V1, b1));
    ck_assert_aedyn_ok(aedyn_net_get_weights(h.net, W2, V2, b2));
    ck_assert_aedyn_ok(aedyn_net_get_skip(nr, &c1));
    ck_assert_aedyn_ok(aedyn_net_get_skip(h.net, &c2));
    ck_assert_msg(memcmp(W1, W2, KD * sizeof *W1) == 0, "config %d: encoders differ", c);
    ck_assert_msg(memcmp(V1, V2, KD * sizeof *V1) == 0, "config %d: decoders differ", c);
    ck_assert(memcmp(b1, b2, h.K * sizeof *b1) == 0);
    ck_assert(c1 == c2);
    ck_assert_uint_eq(aedyn_replicas_get_n_steps(rep), aedyn_sgd_get_n_steps(s));
    /* its values: the error the ODE would report (denoising: at the current
     * a and sigma_n) and the order parameters */
    const size_t nv = aedyn_replicas_get_n_values(rep), K = h.K, KK = K * K;
    double *vals = malloc(R * nv * sizeof *vals), op[4 * 9], err;
    ck_assert_aedyn_ok(aedyn_replicas_get_values(rep, vals));
    ck_assert_aedyn_ok(aedyn_net_order_params(h.net, h.data, op, op + KK, op + 2 * KK,
                                              op + 3 * KK));
    double a = 1.0, sn = 0.0;
    ck_assert_aedyn_ok(aedyn_sgd_get_denoising(s, &a, &sn));
    const aedyn_schedule *sc;
    ck_assert_aedyn_ok(aedyn_sgd_get_schedule(s, AEDYN_SCHEDULE_NOISE, &sc));
    if (sc)
        ck_assert_aedyn_ok(aedyn_schedule_value(sc, aedyn_sgd_get_time(s), &sn));
    ck_assert_aedyn_ok(aedyn_net_error_denoising(h.net, h.data, a, sn, &err));
    ck_assert(vals[r * nv] == err);
    ck_assert(memcmp(vals + r * nv + 1, op, 4 * KK * sizeof *op) == 0);
    free(vals);
    free(W1);
    free(V1);
    free(W2);
    free(V2);
    aedyn_rng_destroy(rr);
    aedyn_rng_destroy(copy);
    aedyn_replicas_destroy(rep);
    testutil_trainer_free(&t);
    testutil_trainer_free(&h);
}
END_TEST

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.quantile's default (linear): h = (n - 1) q, between x[floor h] and x[floor h + 1] */
static double quantile_sorted(const double *x, size_t n, double q)
{
    const double h = (double)(n - 1) * q;
    const size_t lo = (size_t)floor(h);
    return lo + 1 < n ? x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]) : x[n - 1];
}

START_TEST(test_stats_from_values)
{
    tmpl t = make_tmpl(200, 2, AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA, 0.5);
    const size_t R = 11;
    aedyn_replicas *rep;
    ck_assert_aedyn_ok(aedyn_replicas_create(&rep, t.sgd, R, t.rng));
    ck_assert_aedyn_ok(aedyn_replicas_step(rep, 2000));
    const size_t nv = aedyn_replicas_get_n_values(rep);
    const double q[5] = { 0.0, 0.1, 0.5, 0.73, 1.0 };
    double *vals = malloc(R * nv * sizeof *vals), *mean = malloc(nv * sizeof *mean),
           *sd = malloc(nv * sizeof *sd), *qs = malloc(5 * nv * sizeof *qs), col[11];
    ck_assert_aedyn_ok(aedyn_replicas_get_values(rep, vals));
    ck_assert_aedyn_ok(aedyn_replicas_stats(rep, 5, q, mean, sd, qs));
    for (size_t j = 0; j < nv; j++) {
        double m = 0.0, v = 0.0;
        for (size_t r = 0; r < R; r++)
            m += (col[r] = vals[r * nv + j]) / (double)R;
        for (size_t r = 0; r < R; r++)
            v += (col[r] - m) * (col[r] - m) / (double)(R - 1);
        qsort(col, R, sizeof *col, cmp_double);
        ck_assert(fabs(mean[j] - m) <= 1e-13 * (1.0 + fabs(m)));
        ck_assert(fabs(sd[j] - sqrt(v)) <= 1e-12 * (1.0 + sqrt(v)));
        for (int i = 0; i < 5; i++)
            ck_assert(fabs(qs[i * nv + j] - quantile_sorted(col, R, q[i])) <=
                      1e-14 * (1.0 + fabs(col[R - 1])));
    }
    /* any output may be NULL; R = 1 has std 0 */
    ck_assert_aedyn_ok(aedyn_replicas_stats(rep, 0, NULL, NULL, NULL, NULL));
    aedyn_replicas *one;
    ck_assert_aedyn_ok(aedyn_replicas_create(&one, t.sgd, 1, t.rng));
    ck_assert_aedyn_ok(aedyn_replicas_step(one, 10));
    ck_assert_aedyn_ok(aedyn_replicas_stats(one, 1, q + 2, mean, sd, qs));
    for (size_t j = 0; j < nv; j++)
        ck_assert(sd[j] == 0.0 && qs[j] == mean[j]);
    aedyn_replicas_destroy(one);
    free(vals);
    free(mean);
    free(sd);
    free(qs);
    aedyn_replicas_destroy(rep);
    testutil_trainer_free(&t);
}
END_TEST

/* ---- escape times ---- */

/* A linear AE from small weights leaves its first plateau (error 0.5) when it
 * learns the first spike; the level 0.3 is crossed on the way to pca(1).
 * Each replica's escape time is the first multiple of the check interval at
 * which its error is <= 0.3: replayed here by hand for replica 2. */
START_TEST(test_escape_times)
{
    tmpl t = make_tmpl(200, 2, AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA, 1.0);
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(t.net, t.rng, 0.05));
    tmpl h = make_tmpl(200, 2, AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA, 1.0);
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(h.net, h.rng, 0.05));
    const size_t R = 6, r = 2, D = 200;
    const double level = 0.3, dt = 0.13; /* round(0.13 D) = 26 steps */
    aedyn_rng *copy, *rr;
    ck_assert_aedyn_ok(aedyn_rng_create(&copy, 0, 0));
    ck_assert_aedyn_ok(aedyn_rng_copy(copy, t.rng));
    ck_assert_aedyn_ok(aedyn_rng_create(&rr, aedyn_rng_u64(copy), r));
    aedyn_replicas *rep;
    ck_assert_aedyn_ok(aedyn_replicas_create(&rep, t.sgd, R, t.rng));
    double tq[2], lv, dd;
    ck_assert_aedyn_fails(aedyn_replicas_get_escape_times(rep, tq), AEDYN_ERR_INVALID);
    ck_assert_aedyn_ok(aedyn_replicas_get_escape(rep, &lv, &dd));
    ck_assert(isnan(lv) && isnan(dd));
    ck_assert_aedyn_ok(aedyn_replicas_set_escape(rep, level, dt));
    ck_assert_aedyn_ok(aedyn_replicas_get_escape(rep, &lv, &dd));
    ck_assert(lv == level && dd == dt);
    const double q[3] = { 0.0, 0.5, 1.0 };
    double frac, eq[3], esc[6];
    ck_assert_aedyn_ok(aedyn_replicas_escape_stats(rep, 3, q, &frac, eq));
    ck_assert(frac == 0.0 && isinf(eq[0]) && isinf(eq[2]));
    for (int i = 0; i < 40; i++)
        ck_assert_aedyn_ok(aedyn_replicas_step(rep, 97));
    ck_assert_aedyn_ok(aedyn_replicas_get_escape_times(rep, esc));
    ck_assert_aedyn_ok(aedyn_replicas_escape_stats(rep, 3, q, &frac, eq));
    /* by hand */
    ck_assert_aedyn_ok(aedyn_rng_copy(h.rng, rr));
    double t_esc = INFINITY, err;
    for (uint64_t step = 26; step <= 40 * 97; step += 26) {
        ck_assert_aedyn_ok(aedyn_sgd_step(h.sgd, 26));
        ck_assert_aedyn_ok(aedyn_net_error(h.net, h.data, &err));
        if (err <= level) {
            t_esc = (double)step / (double)D;
            break;
        }
    }
    ck_assert_msg(isfinite(t_esc), "replica %zu never escaped by hand", r);
    ck_assert_msg(esc[r] == t_esc, "escape time %g, by hand %g", esc[r], t_esc);
    size_t n_esc = 0;
    double mn = INFINITY, mx = 0.0;
    for (size_t i = 0; i < R; i++) {
        n_esc += isfinite(esc[i]);
        mn = fmin(mn, esc[i]);
        mx = fmax(mx, esc[i]);
        /* on the check grid */
        if (isfinite(esc[i]))
            ck_assert(fabs(esc[i] * (double)D / 26.0 - round(esc[i] * (double)D / 26.0)) < 1e-9);
    }
    ck_assert(frac == (double)n_esc / (double)R);
    ck_assert(eq[0] == mn && eq[2] == mx);
    /* a new level resets; replicas already below it escape now */
    ck_assert_aedyn_ok(aedyn_replicas_set_escape(rep, 0.499, dt));
    ck_assert_aedyn_ok(aedyn_replicas_get_escape_times(rep, esc));
    for (size_t i = 0; i < R; i++)
        ck_assert(esc[i] == aedyn_replicas_get_time(rep));
    aedyn_rng_destroy(copy);
    aedyn_rng_destroy(rr);
    aedyn_replicas_destroy(rep);
    testutil_trainer_free(&t);
    testutil_trainer_free(&h);
}
END_TEST

/* ---- independent initial weights, divergence, bad input ---- */

START_TEST(test_init_gaussian)
{
    tmpl t = make_tmpl(100, 2, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.5);
    aedyn_replicas *rep;
    ck_assert_aedyn_ok(aedyn_replicas_create(&rep, t.sgd, 3, t.rng));
    ck_assert_aedyn_ok(aedyn_replicas_step(rep, 0));
    const size_t nv = aedyn_replicas_get_n_values(rep);
    double v[3 * 17];
    ck_assert_aedyn_ok(aedyn_replicas_get_values(rep, v));
    ck_assert(memcmp(v, v + nv, nv * sizeof *v) == 0); /* same weights */
    ck_assert_aedyn_ok(aedyn_replicas_init_gaussian(rep, 0.2));
    ck_assert_aedyn_ok(aedyn_replicas_get_values(rep, v));
    ck_assert(memcmp(v, v + nv, nv * sizeof *v) != 0);
    /* each replica's weights are N(0, sigma0^2): the mean square of its K D =
     * 200 encoder entries is sigma0^2 within 4 standard errors,
     * sigma0^2 sqrt(2 / 200) each */
    double W[200];
    for (size_t r = 0; r < 3; r++) {
        ck_assert_aedyn_ok(aedyn_net_get_weights(aedyn_replicas_get_net(rep, r), W, NULL, NULL));
        double m2 = 0.0;
        for (int i = 0; i < 200; i++)
            m2 += W[i] * W[i] / 200.0;
        ck_assert_msg(fabs(m2 - 0.04) < 4.0 * 0.04 * sqrt(2.0 / 200.0), "replica %zu: %g", r, m2);
    }
    ck_assert_aedyn_ok(aedyn_replicas_step(rep, 5));
    ck_assert_aedyn_fails(aedyn_replicas_init_gaussian(rep, 0.2), AEDYN_ERR_INVALID);
    aedyn_replicas_destroy(rep);
    testutil_trainer_free(&t);
}
END_TEST

START_TEST(test_divergence)
{
    tmpl t = make_tmpl(100, 2, AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA, 60.0);
    aedyn_replicas *rep;
    ck_assert_aedyn_ok(aedyn_replicas_create(&rep, t.sgd, 4, t.rng));
    ck_assert_aedyn_fails(aedyn_replicas_step(rep, 100000), AEDYN_ERR_DIVERGED);
    ck_assert_msg(strstr(aedyn_error_message(), "replica 0") != NULL, "%s", aedyn_error_message());
    double m[17];
    ck_assert_aedyn_fails(aedyn_replicas_stats(rep, 0, NULL, m, NULL, NULL), AEDYN_ERR_DIVERGED);
    ck_assert_aedyn_fails(aedyn_replicas_step(rep, 1), AEDYN_ERR_DIVERGED);
    aedyn_replicas_destroy(rep);
    testutil_trainer_free(&t);
}
END_TEST

START_TEST(test_bad_input)
{
    tmpl t = make_tmpl(50, 2, AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA, 0.5);
    aedyn_replicas *rep = NULL;
    ck_assert_aedyn_fails(aedyn_replicas_create(&rep, t.sgd, 0, t.rng), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_replicas_create(&rep, t.sgd, (size_t)AEDYN_REPLICAS_MAX + 1, t.rng),
                          AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_replicas_create(&rep, NULL, 2, t.rng), AEDYN_ERR_NULL);
    ck_assert_ptr_null(rep);
    ck_assert_aedyn_ok(aedyn_replicas_create(&rep, t.sgd, 2, t.rng));
    ck_assert_aedyn_fails(aedyn_replicas_set_n_threads(rep, AEDYN_REPLICAS_MAX_THREADS + 1),
                          AEDYN_ERR_SIZE);
    ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(rep, 0));
    ck_assert_uint_ge(aedyn_replicas_get_n_threads(rep), 1);
    const double bad[2] = { 0.5, 1.5 };
    double m[17];
    ck_assert_aedyn_fails(aedyn_replicas_stats(rep, 2, bad, m, NULL, m), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_replicas_stats(rep, 2, NULL, m, NULL, m), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_replicas_set_escape(rep, NAN, 1.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_replicas_set_escape(rep, 0.1, 0.0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_replicas_set_escape(rep, 0.1, INFINITY), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_replicas_init_gaussian(rep, -1.0), AEDYN_ERR_INVALID);
    ck_assert_uint_eq(aedyn_replicas_get_n_replicas(NULL), 0);
    ck_assert(isnan(aedyn_replicas_get_time(NULL)));
    aedyn_replicas_destroy(rep);
    aedyn_replicas_destroy(NULL);
    testutil_trainer_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("replicas");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_threads_bit_identical);
    tcase_add_loop_test(tc, test_replica_is_documented_trainer, 0, CFG_N);
    tcase_add_test(tc, test_stats_from_values);
    tcase_add_test(tc, test_escape_times);
    tcase_add_test(tc, test_init_gaussian);
    tcase_add_test(tc, test_divergence);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
