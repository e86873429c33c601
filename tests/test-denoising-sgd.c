/* Cross-check: the denoising ODE predicts SGD of a denoising autoencoder
 * (docs/theory.md, "Denoising autoencoders").
 *
 * Setting: standardised spiked model with three spikes (Lambda = 3, 5, 9),
 * K = 2, erf, eta = 1, sigma0 = 0.1, additive noise (a = 1) with sigma_n in
 * {0.5, 1, 2}, without skip and with a trained skip (eta_c = eta), t <= 100.
 * The population error of each SGD run's network (exact, no Monte-Carlo
 * noise) is compared with the ODE started from that run's initial weights,
 * at 15 log-spaced times in [1, 100].
 *
 *  - D = 1000, the mean over 8 runs of the relative deviation of each run
 *    from its ODE: <= 1.5 %, or, where the runs scatter more than that
 *    allows, <= 4 standard errors of that mean (its scatter over the 8
 *    runs / sqrt 8). Single runs at this D deviate by up to ~10 % at a
 *    plateau escape, whose time fluctuates from run to run, and by a few
 *    per cent at t <~ 3 where a trained skip wanders by O(eta_c / sqrt D);
 *    the mean of 8 runs divides that by sqrt 8 only, which leaves 1.6-3.3 %
 *    at the escapes of these set-ups (seeds 500-507). That is scatter, not
 *    bias: the mean of 24 runs is within 0.4 % at every time (measured for
 *    sigma_n = 0.5 with a skip), and so the bound is the larger of 1.5 % and
 *    4 standard errors: a systematic error of the ODE above 1.5 % fails
 *    wherever the runs agree with one another.
 *  - D = 4000, single runs: <= 3 % at every time (the fluctuations shrink
 *    as 1 / sqrt D).
 *
 * The measured worst deviations are printed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

#define NT 15

typedef struct {
    double sigma_n;
    bool skip;
} case_t;

static const case_t cases[] = {
    {0.5, false}, {1.0, false}, {2.0, false}, {0.5, true}, {1.0, true}, {2.0, true},
};

/* Run n_runs seeds at dimension D: dev[r * NT + i] is run r's relative
 * deviation (SGD - ODE) / ODE at time ts[i]. */
static void run_case(const case_t *c, size_t D, int n_runs, uint64_t seed0, const double *ts,
                     double *dev)
{
    const size_t K = 2;
    const double lambda[3] = {3.0, 5.0, 9.0};
    for (int r = 0; r < n_runs; r++) {
        aedyn_rng *rng;
        aedyn_data *data;
        aedyn_net *net;
        aedyn_sgd *sgd;
        aedyn_ode *ode;
        ck_assert_aedyn_ok(aedyn_rng_create(&rng, seed0 + (uint64_t)r, 0));
        ck_assert_aedyn_ok(aedyn_data_create_spiked(&data, D, 3, lambda, 1.0,
                                                    AEDYN_DATA_SPIKES_RANDOM, rng,
                                                    AEDYN_DATA_STANDARDISE));
        ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF,
                                            c->skip ? AEDYN_NET_SKIP : 0u));
        ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.1));
        ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 1.0));
        ck_assert_aedyn_ok(aedyn_sgd_set_denoising(sgd, 1.0, c->sigma_n));
        ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&ode, sgd));
        ck_assert_aedyn_ok(aedyn_ode_set_tolerances(ode, 1e-8, 1e-10));
        for (int i = 0; i < NT; i++) {
            const uint64_t target = (uint64_t)llround(ts[i] * (double)D);
            double e1, e2;
            ck_assert_aedyn_ok(aedyn_sgd_step(sgd, target - aedyn_sgd_get_n_steps(sgd)));
            ck_assert_aedyn_ok(aedyn_ode_advance(ode, aedyn_sgd_get_time(sgd)));
            ck_assert_aedyn_ok(aedyn_net_error_denoising(net, data, 1.0, c->sigma_n, &e1));
            ck_assert_aedyn_ok(aedyn_ode_error(ode, &e2));
            dev[r * NT + i] = (e1 - e2) / e2;
        }
        aedyn_ode_destroy(ode);
        aedyn_sgd_destroy(sgd);
        aedyn_net_destroy(net);
        aedyn_data_destroy(data);
        aedyn_rng_destroy(rng);
    }
}

static void times(double *ts)
{
    for (int i = 0; i < NT; i++) /* 1 ... 100, log-spaced */
        ts[i] = pow(100.0, (double)i / (NT - 1));
}

START_TEST(mean_of_8_runs_d1000)
{
    enum { NR = 8 };
    const case_t *c = &cases[_i];
    double ts[NT], dev[NR * NT];
    times(ts);
    run_case(c, 1000, NR, 500, ts, dev);
    double worst = 0.0, worst_se = 0.0, worst_single = 0.0;
    int at = 0;
    for (int i = 0; i < NT; i++) {
        double m = 0.0, v = 0.0;
        for (int r = 0; r < NR; r++) {
            m += dev[r * NT + i] / NR;
            worst_single = fmax(worst_single, fabs(dev[r * NT + i]));
        }
        for (int r = 0; r < NR; r++)
            v += (dev[r * NT + i] - m) * (dev[r * NT + i] - m) / (NR - 1);
        const double se = sqrt(v / NR), bound = fmax(0.015, 4.0 * se);
        if (fabs(m) > worst) {
            worst = fabs(m);
            worst_se = se;
            at = i;
        }
        ck_assert_msg(fabs(m) <= bound, "sigma_n %g skip %d: mean deviation %.2f %% at t = %g, "
                      "above max(1.5 %%, 4 SE = %.2f %%)", c->sigma_n, c->skip, 100 * m, ts[i],
                      400 * se);
    }
    printf("denoising SGD vs ODE, D = 1000, mean of 8: sigma_n %g skip %d: worst %.2f %% +- %.2f "
           "%% (SE) at t = %.3g; worst single run %.1f %%\n", c->sigma_n, c->skip, 100 * worst,
           100 * worst_se, ts[at], 100 * worst_single);
    fflush(stdout);
}
END_TEST

START_TEST(single_run_d4000)
{
    const case_t *c = &cases[_i];
    double ts[NT], dev[NT];
    times(ts);
    run_case(c, 4000, 1, 900, ts, dev);
    double worst = 0.0;
    int at = 0;
    for (int i = 0; i < NT; i++)
        if (fabs(dev[i]) > worst) {
            worst = fabs(dev[i]);
            at = i;
        }
    printf("denoising SGD vs ODE, D = 4000, single run: sigma_n %g skip %d: worst %.2f %% at "
           "t = %.3g\n", c->sigma_n, c->skip, 100 * worst, ts[at]);
    fflush(stdout);
    ck_assert_msg(worst <= 0.03, "sigma_n %g skip %d: %.2f %% at t = %g", c->sigma_n, c->skip,
                  100 * worst, ts[at]);
}
END_TEST

/* A long run with a decaying learning rate: power law eta(t) = (1 + t/10)^-0.5
 * on every rate (the skip's follows the decoder's), denoising with
 * sigma_n = 0.5 and a trained skip, D = 1000, t up to 1e4 (1e7 steps). A
 * single run against its ODE at 20 log-spaced times in [1, 1e4]: <= 3 %
 * everywhere (the decay shrinks SGD's late fluctuations with eta). */
START_TEST(power_law_long_run)
{
    const size_t D = 1000, K = 2;
    const double lambda[3] = {3.0, 5.0, 9.0};
    enum { NL = 20 };
    aedyn_rng *rng;
    aedyn_data *data;
    aedyn_net *net;
    aedyn_sgd *sgd;
    aedyn_ode *ode;
    aedyn_schedule *sc;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 77, 0));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&data, D, 3, lambda, 1.0, AEDYN_DATA_SPIKES_RANDOM,
                                                rng, AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, AEDYN_NET_SKIP));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.1));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_sgd_set_denoising(sgd, 1.0, 0.5));
    ck_assert_aedyn_ok(aedyn_schedule_create_power(&sc, 1.0, 10.0, 0.5));
    for (int g = AEDYN_SCHEDULE_ENCODER_RATE; g <= AEDYN_SCHEDULE_DECODER_RATE; g++)
        ck_assert_aedyn_ok(aedyn_sgd_set_schedule(sgd, (aedyn_schedule_target)g, sc));
    aedyn_schedule_destroy(sc);
    ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&ode, sgd));
    ck_assert_aedyn_ok(aedyn_ode_set_tolerances(ode, 1e-8, 1e-10));
    double worst = 0.0, at = 0.0;
    for (int i = 0; i < NL; i++) {
        const double t = pow(1e4, (double)i / (NL - 1));
        const uint64_t target = (uint64_t)llround(t * (double)D);
        double e1, e2;
        ck_assert_aedyn_ok(aedyn_sgd_step(sgd, target - aedyn_sgd_get_n_steps(sgd)));
        ck_assert_aedyn_ok(aedyn_ode_advance(ode, aedyn_sgd_get_time(sgd)));
        ck_assert_aedyn_ok(aedyn_net_error_denoising(net, data, 1.0, 0.5, &e1));
        ck_assert_aedyn_ok(aedyn_ode_error(ode, &e2));
        const double dev = fabs(e1 - e2) / e2;
        if (dev > worst) {
            worst = dev;
            at = t;
        }
    }
    uint64_t nf;
    ck_assert_aedyn_ok(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_RHS, &nf));
    printf("power-law schedule, D = 1000, t <= 1e4: worst %.2f %% at t = %.3g (ODE: %llu right-hand "
           "sides)\n", 100 * worst, at, (unsigned long long)nf);
    fflush(stdout);
    ck_assert_msg(worst <= 0.03, "%.2f %% at t = %g", 100 * worst, at);
    aedyn_ode_destroy(ode);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("denoising-sgd");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 1200);
    tcase_add_loop_test(tc, mean_of_8_runs_d1000, 0, 6);
    tcase_add_loop_test(tc, single_run_d4000, 0, 6);
    tcase_add_test(tc, power_law_long_run);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
