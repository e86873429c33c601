/* The cost of schedules in the ODE (issue 16): the same trajectory
 * integrated with a schedule (a non-autonomous system whose steps end on
 * every breakpoint) and without one, with the default (automatic) method at
 * rtol 1e-8, atol 1e-10. Prints wall time (best of 10, the two versions
 * alternating), right-hand-side evaluations, accepted steps and breakpoints
 * landed on, and the relative
 * difference of the final errors of the two integrations, which must agree
 * (exit 1 when they differ by more than 1e-6):
 *  - a power-law rate eta(t) = (1 + t/50)^-1/2 on every rate, against the
 *    constant-rate ODE to tau(t_end) = int_0^t_end eta (the same trajectory:
 *    with one schedule on every rate, no weight decay and constant noise,
 *    the right-hand side is eta(t) F(y));
 *  - a piecewise noise level with 10 pieces, against constant noise levels
 *    set between advances to the breakpoints;
 * for two denoising autoencoders: the erf K = 2 DAE of examples/ex7 on the
 * standardised spiked model (D = 1000, 7 modes, sigma_n = 12.8, t <= 2000)
 * and an erf K = 4 DAE on a full spectrum of 1024 distinct eigenvalues
 * (1024 modes, sigma_n = 1, t <= 100).
 * Then the cost of schedules in SGD: steps per second of the K = 2 DAE of
 * examples/ex7 (D = 1000, sigma_n = 12.8; every step draws its input and its
 * noise) without a schedule, with the power-law rate on every rate, with the
 * piecewise noise level, and with both (the variants alternate, best of 5),
 * and for reference the same network as a plain autoencoder (no noise).
 * Usage: bench-schedule [quick]   (quick: one run of each, shorter horizons) */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench-util.h"

#define N_PIECES 10

typedef struct {
    double seconds;
    uint64_t rhs, steps, breaks;
    double err;
} figures;

/* One integration: with_schedule selects the scheduled or the schedule-free
 * version of `what` (0: power-law rate, 1: piecewise noise). */
static figures integrate(const aedyn_net *net, const aedyn_data *data, double sn, int what,
                         bool with_schedule, double t_end)
{
    figures f;
    double tp[N_PIECES], vp[N_PIECES];
    for (int i = 0; i < N_PIECES; i++) { /* sigma_n from 2 sn down to sn in 10 steps */
        tp[i] = t_end * 0.5 * (double)i / N_PIECES;
        vp[i] = sn * (2.0 - (double)i / (N_PIECES - 1));
    }
    aedyn_ode *ode;
    aedyn_schedule *s;
    bench_check(aedyn_ode_create(&ode, net, data, AEDYN_SGD_VANILLA, 1.0), "ode");
    bench_check(aedyn_ode_set_denoising(ode, 1.0, sn), "denoising");
    bench_check(aedyn_ode_set_tolerances(ode, 1e-8, 1e-10), "tolerances");
    if (with_schedule) {
        if (what == 0) {
            bench_check(aedyn_schedule_create_power(&s, 1.0, 50.0, 0.5), "schedule");
            bench_check(aedyn_ode_set_schedule(ode, AEDYN_SCHEDULE_ENCODER_RATE, s), "set");
            bench_check(aedyn_ode_set_schedule(ode, AEDYN_SCHEDULE_DECODER_RATE, s), "set");
            bench_check(aedyn_ode_set_schedule(ode, AEDYN_SCHEDULE_BIAS_RATE, s), "set");
        } else {
            bench_check(aedyn_schedule_create_piecewise(&s, N_PIECES, tp, vp), "schedule");
            bench_check(aedyn_ode_set_schedule(ode, AEDYN_SCHEDULE_NOISE, s), "set");
        }
        aedyn_schedule_destroy(s);
    }
    const double t0 = bench_now();
    if (with_schedule) {
        bench_check(aedyn_ode_advance(ode, t_end), "advance");
    } else if (what == 0) {
        bench_check(aedyn_ode_advance(ode, 2.0 * 50.0 * (sqrt(1.0 + t_end / 50.0) - 1.0)),
                    "advance");
    } else {
        for (int i = 0; i < N_PIECES; i++) {
            bench_check(aedyn_ode_set_denoising(ode, 1.0, vp[i]), "denoising");
            bench_check(aedyn_ode_advance(ode, i + 1 < N_PIECES ? tp[i + 1] : t_end),
                        "advance");
        }
    }
    f.seconds = bench_now() - t0;
    bench_check(aedyn_ode_error(ode, &f.err), "error");
    bench_check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_RHS, &f.rhs), "stats");
    bench_check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_STEPS, &f.steps), "stats");
    bench_check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_BREAKPOINTS, &f.breaks), "stats");
    aedyn_ode_destroy(ode);
    return f;
}

static int compare(const char *label, const aedyn_net *net, const aedyn_data *data, double sn,
                   double t_end, int reps)
{
    static const char *what_name[2] = {"power-law rate", "piecewise noise (10)"};
    int fail = 0;
    for (int what = 0; what < 2; what++) {
        /* the two alternate, so that both see the same machine load */
        figures w = integrate(net, data, sn, what, true, t_end);
        figures o = integrate(net, data, sn, what, false, t_end);
        for (int r = 1; r < reps; r++) {
            const double sw = integrate(net, data, sn, what, true, t_end).seconds;
            const double so = integrate(net, data, sn, what, false, t_end).seconds;
            w.seconds = sw < w.seconds ? sw : w.seconds;
            o.seconds = so < o.seconds ? so : o.seconds;
        }
        const double dev = fabs(w.err - o.err) / o.err;
        printf("%-28s %-21s t=%-5g with: %9.2f ms %7llu rhs %6llu steps %2llu breakpoints | "
               "without: %9.2f ms %7llu rhs %6llu steps | rhs x%.2f, time x%.2f | errors differ "
               "by %.1e\n", label, what_name[what], t_end, w.seconds * 1e3,
               (unsigned long long)w.rhs, (unsigned long long)w.steps,
               (unsigned long long)w.breaks, o.seconds * 1e3, (unsigned long long)o.rhs,
               (unsigned long long)o.steps, (double)w.rhs / (double)o.rhs,
               w.seconds / o.seconds, dev);
        if (!(dev <= 1e-6)) {
            printf("FAIL: the scheduled and schedule-free integrations differ\n");
            fail = 1;
        }
    }
    return fail;
}

/* SGD: one trainer per variant, stepped n steps at a time; the variants
 * alternate so that they see the same machine load. */
enum { SGD_PLAIN, SGD_NONE, SGD_RATE, SGD_NOISE, SGD_BOTH, N_SGD };

static void sgd_speed(aedyn_data *data, int reps, long n)
{
    static const char *name[N_SGD] = {"plain AE (no noise), no schedule",
                                      "DAE, no schedule",
                                      "DAE, power-law rate (every rate)",
                                      "DAE, piecewise noise (10 pieces)",
                                      "DAE, power-law rate + piecewise noise"};
    const size_t D = aedyn_data_get_dim(data);
    const double sn = 12.8, t_half = 0.5 * (double)(reps * n) / (double)D;
    double tp[N_PIECES], vp[N_PIECES];
    for (int i = 0; i < N_PIECES; i++) { /* breakpoints inside the steps the benchmark takes */
        tp[i] = t_half * (double)i / N_PIECES;
        vp[i] = sn * (2.0 - (double)i / (N_PIECES - 1));
    }
    aedyn_schedule *rate, *noise;
    bench_check(aedyn_schedule_create_power(&rate, 1.0, 50.0, 0.5), "schedule");
    bench_check(aedyn_schedule_create_piecewise(&noise, N_PIECES, tp, vp), "schedule");
    aedyn_rng *rng[N_SGD];
    aedyn_net *net[N_SGD];
    aedyn_sgd *sgd[N_SGD];
    double best[N_SGD];
    for (int v = 0; v < N_SGD; v++) {
        aedyn_rng *init;
        bench_check(aedyn_rng_create(&init, 3, 0), "rng");
        bench_check(aedyn_rng_create(&rng[v], 3, 1 + (uint64_t)v), "rng");
        bench_check(aedyn_net_create(&net[v], D, 2, AEDYN_NET_ACT_ERF, 0), "net");
        bench_check(aedyn_net_init_gaussian(net[v], init, 0.1), "init");
        aedyn_rng_destroy(init);
        bench_check(aedyn_sgd_create(&sgd[v], net[v], data, rng[v], AEDYN_SGD_VANILLA, 1.0), "sgd");
        if (v != SGD_PLAIN)
            bench_check(aedyn_sgd_set_denoising(sgd[v], 1.0, sn), "denoising");
        if (v == SGD_RATE || v == SGD_BOTH) {
            bench_check(aedyn_sgd_set_schedule(sgd[v], AEDYN_SCHEDULE_ENCODER_RATE, rate), "set");
            bench_check(aedyn_sgd_set_schedule(sgd[v], AEDYN_SCHEDULE_DECODER_RATE, rate), "set");
            bench_check(aedyn_sgd_set_schedule(sgd[v], AEDYN_SCHEDULE_BIAS_RATE, rate), "set");
        }
        if (v == SGD_NOISE || v == SGD_BOTH)
            bench_check(aedyn_sgd_set_schedule(sgd[v], AEDYN_SCHEDULE_NOISE, noise), "set");
        best[v] = INFINITY;
    }
    for (int r = 0; r < reps; r++)
        for (int v = 0; v < N_SGD; v++) {
            const double t0 = bench_now();
            bench_check(aedyn_sgd_step(sgd[v], (uint64_t)n), "step");
            const double dt = bench_now() - t0;
            best[v] = dt < best[v] ? dt : best[v];
        }
    printf("\nSGD, erf K=2 on the spiked model (ex7), D=%zu, sigma_n=%g: steps per second (best of "
           "%d x %ld steps; each step draws its input and noise)\n", D, sn, reps, n);
    for (int v = 0; v < N_SGD; v++)
        printf("  %-40s %9.0f steps/s  %6.2f us/step  x%.3f\n", name[v], (double)n / best[v],
               best[v] / (double)n * 1e6, best[v] / best[SGD_NONE]);
    for (int v = 0; v < N_SGD; v++) {
        aedyn_sgd_destroy(sgd[v]);
        aedyn_net_destroy(net[v]);
        aedyn_rng_destroy(rng[v]);
    }
    aedyn_schedule_destroy(rate);
    aedyn_schedule_destroy(noise);
}

int main(int argc, char **argv)
{
    const bool quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    const int reps = quick ? 1 : 10; /* ODE runs take milliseconds: the best of 10 */
    printf("libaedyn %s: the cost of schedules in the ODE (automatic method, rtol 1e-8, "
           "atol 1e-10; best of %d)\n", aedyn_version_string(), reps);
    aedyn_rng *rng;
    aedyn_data *spiked, *full;
    aedyn_net *net, *net_full;
    bench_check(aedyn_rng_create(&rng, 1, 0), "rng");
    const double lambda[3] = {3.0, 5.0, 9.0};
    bench_check(aedyn_data_create_spiked(&spiked, 1000, 3, lambda, 1.0, AEDYN_DATA_SPIKES_RANDOM,
                                         rng, AEDYN_DATA_STANDARDISE), "spiked");
    bench_check(aedyn_net_create(&net, 1000, 2, AEDYN_NET_ACT_ERF, 0), "net");
    bench_check(aedyn_net_init_gaussian(net, rng, 0.1), "init");
    int fail = compare("spiked (ex7), D=1000 K=2", net, spiked, 12.8, quick ? 200.0 : 2000.0, reps);

    /* full spectrum: rho_j = 0.5 D (j+1)^-1.5 + 0.5 on the coordinate axes (as bench-ode) */
    const size_t D = 1024;
    full = bench_full_spectrum(D);
    bench_check(aedyn_net_create(&net_full, D, 4, AEDYN_NET_ACT_ERF, 0), "net");
    bench_check(aedyn_net_init_gaussian(net_full, rng, 0.1), "init");
    fail |= compare("full spectrum D=1024, K=4", net_full, full, 1.0, quick ? 10.0 : 100.0, reps);

    sgd_speed(spiked, quick ? 1 : 5, quick ? 2000 : 100000); /* about 5 s per variant */

    aedyn_net_destroy(net);
    aedyn_net_destroy(net_full);
    aedyn_data_destroy(spiked);
    aedyn_data_destroy(full);
    aedyn_rng_destroy(rng);
    return fail;
}
