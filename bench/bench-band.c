/* Cost of the linear-noise band against the mean ODE (issue 17, part 3):
 * the headline set-up (K = 2, standardised spiked model, M = 2, D = 1000,
 * lr 1), integrated to t = 100 with 20 output times, each the best of
 * `reps` timings: the ODE (aedyn_ode, default method and tolerances), the
 * band's mean alone (fluctuations off), and the band with Sigma and delta
 * (the goal was <= 10 times the ODE). Also one evaluation of B, and what
 * one B per step of the ODE alone would cost: at the present cost of B, a
 * floor for a scheme whose Sigma follows B along the mean. The machine may be shared: the load
 * average is printed.
 * Usage: bench-band [reps]   (default 3) */
#define _POSIX_C_SOURCE 200809L
#define AEDYN_EXPERIMENTAL 1
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "bench-util.h"

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 3;
    const double T = argc > 2 ? atof(argv[2]) : 100.0;
    bench_print_load(NULL);
    const aedyn_net_activation acts[2] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF };
    for (int a = 0; a < 2; a++) {
        aedyn_rng *rng;
        aedyn_data *data;
        aedyn_net *net;
        aedyn_sgd *sgd;
        bench_check(aedyn_rng_create(&rng, 1, 0), "rng");
        bench_check(aedyn_data_create_spiked(&data, 1000, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM,
                                             rng, AEDYN_DATA_STANDARDISE), "data");
        bench_check(aedyn_net_create(&net, 1000, 2, acts[a], 0), "net");
        bench_check(aedyn_net_init_gaussian(net, rng, 0.1), "init");
        bench_check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 1.0), "sgd");
        double best[3] = { 1e300, 1e300, 1e300 }, tB = 1e300;
        uint64_t ode_steps = 0;
        for (int r = 0; r < reps; r++) {
            aedyn_ode *o;
            aedyn_band *b, *m;
            bench_check(aedyn_ode_create_from_sgd(&o, sgd), "ode");
            bench_check(aedyn_band_create(&m, sgd), "band");
            bench_check(aedyn_band_set_fluctuations(m, false), "fluct");
            bench_check(aedyn_band_create(&b, sgd), "band");
            double t0 = bench_now();
            for (int i = 1; i <= 20; i++)
                bench_check(aedyn_ode_advance(o, T * i / 20.0), "advance");
            double dt = bench_now() - t0;
            best[0] = dt < best[0] ? dt : best[0];
            bench_check(aedyn_ode_get_stat(o, AEDYN_ODE_STAT_STEPS, &ode_steps), "stat");
            t0 = bench_now();
            for (int i = 1; i <= 20; i++)
                bench_check(aedyn_band_advance(m, T * i / 20.0), "advance");
            dt = bench_now() - t0;
            best[1] = dt < best[1] ? dt : best[1];
            t0 = bench_now();
            for (int i = 1; i <= 20; i++)
                bench_check(aedyn_band_advance(b, T * i / 20.0), "advance");
            dt = bench_now() - t0;
            best[2] = dt < best[2] ? dt : best[2];
            double Bm[400];
            t0 = bench_now();
            for (int i = 0; i < 20; i++)
                bench_check(aedyn_band_noise(b, Bm), "noise");
            dt = (bench_now() - t0) / 20.0;
            tB = dt < tB ? dt : tB;
            aedyn_ode_destroy(o);
            aedyn_band_destroy(b);
            aedyn_band_destroy(m);
        }
        printf("%-6s to t = %g: ODE %.3f ms; band mean only %.3f ms; band with Sigma and delta "
               "%.1f ms = %.0f x the ODE; one B %.1f us\n",
               acts[a] == AEDYN_NET_ACT_LINEAR ? "linear" : "erf", T, 1e3 * best[0],
               1e3 * best[1], 1e3 * best[2], best[2] / best[0], 1e6 * tB);
        /* at the present cost of B, a floor for a scheme that follows B
         * along the mean: one B per step the ODE takes */
        printf("       the ODE took %" PRIu64 " steps: one B per step alone = %.2f ms = %.1f x "
               "the ODE\n",
               ode_steps, 1e3 * (double)ode_steps * tB, (double)ode_steps * tB / best[0]);
        aedyn_sgd_destroy(sgd);
        aedyn_net_destroy(net);
        aedyn_data_destroy(data);
        aedyn_rng_destroy(rng);
    }
    return 0;
}
