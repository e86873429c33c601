/* Speed of the exact reduced SGD chain against full SGD (issue 17, part 2):
 * ns per step of one K = 2 erf autoencoder on the standardised spiked model
 * (M = 2, lr 1) for D = 10^3, 10^4, 10^5, each the best of `reps` timings of
 * `steps` steps (the machine may be shared: the load average is printed).
 * The chain's cost does not depend on D; SGD's grows as K D.
 * Usage: bench-chain [steps [reps]]   (defaults 200000, 5) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include "bench-util.h"

int main(int argc, char **argv)
{
    const long steps = argc > 1 ? atol(argv[1]) : 200000;
    const int reps = argc > 2 ? atoi(argv[2]) : 5;
    bench_print_load(NULL);
    printf("%8s %14s %14s %8s\n", "D", "SGD ns/step", "chain ns/step", "speed-up");
    const size_t Ds[3] = { 1000, 10000, 100000 };
    for (int i = 0; i < 3; i++) {
        const size_t D = Ds[i];
        aedyn_rng *rng;
        aedyn_data *data;
        aedyn_net *net;
        aedyn_sgd *sgd;
        aedyn_chain *chain;
        bench_check(aedyn_rng_create(&rng, 1, 0), "rng");
        bench_check(aedyn_data_create_spiked(&data, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                             AEDYN_DATA_STANDARDISE), "data");
        bench_check(aedyn_net_create(&net, D, 2, AEDYN_NET_ACT_ERF, 0), "net");
        bench_check(aedyn_net_init_gaussian(net, rng, 0.1), "init");
        bench_check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 1.0), "sgd");
        bench_check(aedyn_chain_create(&chain, sgd, rng), "chain");
        double best_s = 1e300, best_c = 1e300;
        /* SGD: fewer steps at large D (the same total work as 10^3) */
        const long n_sgd = steps * 1000 / (long)D > 1000 ? steps * 1000 / (long)D : 1000;
        for (int r = 0; r < reps; r++) {
            double t0 = bench_now();
            bench_check(aedyn_sgd_step(sgd, (uint64_t)n_sgd), "step");
            const double ts = (bench_now() - t0) / (double)n_sgd * 1e9;
            t0 = bench_now();
            bench_check(aedyn_chain_step(chain, (uint64_t)steps), "chain step");
            const double tc = (bench_now() - t0) / (double)steps * 1e9;
            best_s = ts < best_s ? ts : best_s;
            best_c = tc < best_c ? tc : best_c;
        }
        printf("%8zu %14.1f %14.1f %7.0fx\n", D, best_s, best_c, best_s / best_c);
        aedyn_chain_destroy(chain);
        aedyn_sgd_destroy(sgd);
        aedyn_net_destroy(net);
        aedyn_data_destroy(data);
        aedyn_rng_destroy(rng);
    }
    return 0;
}
