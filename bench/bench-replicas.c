/* Speed of replica ensembles (issue 17, part 1): R = 8 replicas of the
 * headline set-up (K = 2 erf autoencoder, standardised spiked model,
 * D = 1000, lr 1) for t = T, stepped in the output-time chunks of a run
 *  (a) as 8 separate trainers one after another in this thread (the same
 *      8 runs in one thread: the reference),
 *  (b) as an ensemble with 1 thread,
 *  (c) as an ensemble with 2 threads (goal: (c) <= 0.55 (a) on 2 cores).
 * The three alternate, each repeated; the best time of each is reported
 * (the machine may be shared: compare with the load average printed first).
 * Usage: bench-replicas [T [reps [threads]]]   (defaults 40, 5, 2) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include "bench-util.h"

enum { R = 8, CHUNKS = 20 };

typedef struct {
    aedyn_rng *rng;
    aedyn_data *data;
    aedyn_net *net;
    aedyn_sgd *sgd;
} tmpl_t;

static tmpl_t make(size_t D)
{
    tmpl_t t;
    bench_check(aedyn_rng_create(&t.rng, 1, 0), "rng");
    bench_check(aedyn_data_create_spiked(&t.data, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM,
                                         t.rng, AEDYN_DATA_STANDARDISE), "data");
    bench_check(aedyn_net_create(&t.net, D, 2, AEDYN_NET_ACT_ERF, 0), "net");
    bench_check(aedyn_net_init_gaussian(t.net, t.rng, 0.1), "init");
    bench_check(aedyn_sgd_create(&t.sgd, t.net, t.data, t.rng, AEDYN_SGD_VANILLA, 1.0), "sgd");
    return t;
}

/* (a): 8 trainers from the template's weights, each on its own stream,
 * stepped one after another, with the error and order parameters measured
 * after each chunk as the ensemble does. */
static double run_sequential(const tmpl_t *t, size_t D, uint64_t steps)
{
    double W[2 * 1000 * 2], V[2 * 1000 * 2], Q[16], err;
    bench_check(aedyn_net_get_weights(t->net, W, V, NULL), "weights");
    const double t0 = bench_now();
    for (int r = 0; r < R; r++) {
        aedyn_rng *rng;
        aedyn_net *net;
        aedyn_sgd *sgd;
        bench_check(aedyn_rng_create(&rng, 99, (uint64_t)r), "rng");
        bench_check(aedyn_net_create(&net, D, 2, AEDYN_NET_ACT_ERF, 0), "net");
        bench_check(aedyn_net_set_weights(net, W, V, NULL), "set");
        bench_check(aedyn_sgd_create(&sgd, net, t->data, rng, AEDYN_SGD_VANILLA, 1.0), "sgd");
        for (int c = 0; c < CHUNKS; c++) {
            bench_check(aedyn_sgd_step(sgd, steps / CHUNKS), "step");
            bench_check(aedyn_net_error(net, t->data, &err), "error");
            bench_check(aedyn_net_order_params(net, t->data, Q, Q + 4, Q + 8, Q + 12), "op");
        }
        aedyn_sgd_destroy(sgd);
        aedyn_net_destroy(net);
        aedyn_rng_destroy(rng);
    }
    return bench_now() - t0;
}

/* (b), (c): the ensemble with n threads, stepped in the same chunks. */
static double run_ensemble(const tmpl_t *t, uint64_t steps, size_t n_threads)
{
    aedyn_replicas *rep;
    bench_check(aedyn_replicas_create(&rep, t->sgd, R, t->rng), "replicas");
    bench_check(aedyn_replicas_set_n_threads(rep, n_threads), "threads");
    const double t0 = bench_now();
    for (int c = 0; c < CHUNKS; c++)
        bench_check(aedyn_replicas_step(rep, steps / CHUNKS), "step");
    const double dt = bench_now() - t0;
    aedyn_replicas_destroy(rep);
    return dt;
}

int main(int argc, char **argv)
{
    const double T = argc > 1 ? atof(argv[1]) : 40.0;
    const int reps = argc > 2 ? atoi(argv[2]) : 5;
    const size_t nt = argc > 3 ? (size_t)atoi(argv[3]) : 2;
    const size_t D = 1000;
    const uint64_t steps = (uint64_t)(T * (double)D);
    bench_print_load("before");
    printf("R = %d replicas, D = %zu, K = 2 erf, t = %g (%llu steps each), %d repetitions\n", R,
           D, T, (unsigned long long)steps, reps);
    tmpl_t t = make(D);
    double best[3] = { 1e300, 1e300, 1e300 };
    for (int i = 0; i < reps; i++) {
        const double a = run_sequential(&t, D, steps);
        const double b = run_ensemble(&t, steps, 1);
        const double c = run_ensemble(&t, steps, nt);
        best[0] = a < best[0] ? a : best[0];
        best[1] = b < best[1] ? b : best[1];
        best[2] = c < best[2] ? c : best[2];
        printf("  repetition %d: sequential %.3f s, ensemble 1 thread %.3f s, %zu threads %.3f s "
               "(ratio %.3f)\n", i + 1, a, b, nt, c, c / a);
        fflush(stdout);
    }
    printf("best: sequential %.3f s, ensemble 1 thread %.3f s (%.3f), %zu threads %.3f s\n",
           best[0], best[1], best[1] / best[0], nt, best[2]);
    printf("ratio %zu threads / 8 sequential runs: %.3f (goal <= 0.55 with 2 threads)\n", nt,
           best[2] / best[0]);
    bench_print_load("after");
    aedyn_sgd_destroy(t.sgd);
    aedyn_net_destroy(t.net);
    aedyn_data_destroy(t.data);
    aedyn_rng_destroy(t.rng);
    return 0;
}
