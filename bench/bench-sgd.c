/* Speed of online SGD against the cost of its input sampling (issue 2):
 *  1. normal variates per ns (aedyn_rng_fill_normal);
 *  2. one spiked input (D = 1000, M = 4) alone vs one SGD step (which draws its
 *     own input) of a K = 4 erf AE on it: the ratio step / sample;
 *  3. steps per second for D in {500, 1000, 2000} x K in {2, 4, 8}.
 * Each figure is the best of 5-7 repetitions (the machine may be shared); the
 * sample and step timings alternate.
 * Usage: bench-sgd [scale]   (scale multiplies the repetition counts; default 1) */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bench-util.h"

typedef struct {
    aedyn_rng *rng;
    aedyn_data *data;
    aedyn_net *net;
    aedyn_sgd *sgd;
    double *x;
} setup_t;

static setup_t make(size_t D, size_t K, size_t M)
{
    setup_t s;
    bench_check(aedyn_rng_create(&s.rng, 1, 0), "rng");
    bench_check(aedyn_data_create_spiked(&s.data, D, M, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, s.rng,
                                   AEDYN_DATA_STANDARDISE), "data");
    bench_check(aedyn_net_create(&s.net, D, K, AEDYN_NET_ACT_ERF, 0), "net");
    bench_check(aedyn_net_init_gaussian(s.net, s.rng, 0.1), "init");
    bench_check(aedyn_sgd_create(&s.sgd, s.net, s.data, s.rng, AEDYN_SGD_VANILLA, 0.1), "sgd");
    s.x = malloc(D * sizeof *s.x);
    return s;
}

static void drop(setup_t *s)
{
    free(s->x);
    aedyn_sgd_destroy(s->sgd);
    aedyn_net_destroy(s->net);
    aedyn_data_destroy(s->data);
    aedyn_rng_destroy(s->rng);
}

/* Time per call in ns of n calls. */
static double ns_sample(setup_t *s, long n)
{
    double t0 = bench_now();
    for (long i = 0; i < n; i++)
        bench_check(aedyn_data_sample(s->data, s->rng, 1, s->x), "sample");
    return (bench_now() - t0) / (double)n * 1e9;
}

static double ns_step(setup_t *s, long n)
{
    double t0 = bench_now();
    bench_check(aedyn_sgd_step(s->sgd, (uint64_t)n), "step");
    return (bench_now() - t0) / (double)n * 1e9;
}

static double best_step(setup_t *s, long n)
{
    double best = 1e300;
    for (int r = 0; r < 5; r++) {
        const double t = ns_step(s, n);
        best = t < best ? t : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    const double scale = argc > 1 ? atof(argv[1]) : 1.0;
    printf("libaedyn %s: SGD benchmark (best of 5)\n\n", aedyn_version_string());

    aedyn_rng *rng;
    bench_check(aedyn_rng_create(&rng, 7, 0), "rng");
    const size_t nbuf = 1 << 16;
    double *buf = malloc(nbuf * sizeof *buf), best = 1e300;
    for (int r = 0; r < 5; r++) {
        const long reps = (long)(100 * scale) + 1;
        double t0 = bench_now();
        for (long i = 0; i < reps; i++)
            bench_check(aedyn_rng_fill_normal(rng, buf, nbuf), "fill");
        double dt = (bench_now() - t0) / ((double)reps * (double)nbuf) * 1e9;
        best = dt < best ? dt : best;
    }
    printf("normal variates:            %6.2f ns each (goal < 5)\n", best);
    free(buf);
    aedyn_rng_destroy(rng);

    const long n = (long)(20000 * scale) + 1;
    setup_t s = make(1000, 4, 4);
    /* sample and step alternate, so that both see the same machine load */
    double samp = 1e300, step = 1e300;
    for (int r = 0; r < 7; r++) {
        const double a = ns_sample(&s, n), b = ns_step(&s, n);
        samp = a < samp ? a : samp;
        step = b < step ? b : step;
    }
    printf("spiked input, D=1000, M=4:  %6.0f ns\n", samp);
    printf("SGD step incl. its input, K=4 erf: %6.0f ns  -> ratio step/sample = %.2f (goal <= 1.5)\n\n",
           step, step / samp);
    drop(&s);

    const size_t Ds[3] = {500, 1000, 2000}, Ks[3] = {2, 4, 8};
    printf("steps per second (spiked M=4, erf, vanilla; includes sampling)\n%8s", "D \\ K");
    for (int j = 0; j < 3; j++)
        printf(" %10zu", Ks[j]);
    printf("\n");
    for (int i = 0; i < 3; i++) {
        printf("%8zu", Ds[i]);
        for (int j = 0; j < 3; j++) {
            setup_t t = make(Ds[i], Ks[j], 4);
            printf(" %10.3g", 1e9 / best_step(&t, (long)(2e7 * scale / (double)Ds[i]) + 1));
            drop(&t);
        }
        printf("\n");
    }
    return 0;
}
