/* Accuracy against cost of the ODE integrators: for a set of problems, every
 * adaptive method (and the automatic choice) at rtol = 1e-4 ... 1e-12
 * (atol = rtol * 1e-3), against a reference integrated at rtol 1e-13. Prints
 * the wall time (best of 5 repetitions, taken in turn over the methods),
 * right-hand sides, the global error
 * at the output times and its ratio to rtol, and, per problem and
 * tolerance, which methods met the tolerance (error <= 20 rtol, the factor
 * docs/ode.md states) and how the automatic choice compares with the fastest
 * of them.
 *
 * Global error: the largest, over the 12 log-spaced output times, of the
 * relative error of the population error and of each order parameter
 * matrix (Frobenius norms): max(|e - e_ref| / |e_ref|, |Q - Q_ref| / |Q_ref|,
 * |R - R_ref| / |R_ref|, |T0 - T0_ref| / |T0_ref|).
 *
 * Problems (docs/ode.md): standardised spiked, raw spiked (stiff), a
 * 1024-mode full spectrum, Fashion-MNIST's empirical spectrum (when the
 * dataset is installed), a denoising autoencoder with a trained skip weight,
 * and the same driven by schedules (breakpoints included).
 * Usage: bench-tolerance [quick] [N...] [rtol=R...]
 *   quick: rtol 1e-6 only, short horizons, one repetition; N: run only the
 *   problems with these numbers (1 standardised, 2 raw, 3 full spectrum,
 *   4 Fashion-MNIST, 5 DAE, 6 DAE with schedules; default all); rtol=R:
 *   these tolerances instead (up to 8) */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench-util.h"

#define N_TIMES 12
#define FACTOR 20.0 /* error <= FACTOR rtol meets the tolerance (docs/ode.md) */

typedef struct {
    const char *label;
    const aedyn_net *net;
    const aedyn_data *data;
    double eta, t_end;
    size_t K;
    double t[N_TIMES];
    size_t nt;
    double *ref; /* nt x (1 + 3 K^2): error, Q, R, T0 */
    void (*setup)(aedyn_ode *); /* denoising, schedules: applied after creation (or NULL) */
} problem;

static size_t obs_size(size_t K) { return 1 + 3 * K * K; }

/* The observables of ode at its current time into o. */
static void observe(aedyn_ode *ode, size_t K, double *o)
{
    bench_check(aedyn_ode_error(ode, &o[0]), "error");
    bench_check(aedyn_ode_order_params(ode, o + 1, o + 1 + K * K, NULL, o + 1 + 2 * K * K),
                "order parameters");
}

static double rel(const double *a, const double *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        den += b[i] * b[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

/* The switches of the last automatic integration, as "rkc 44.6, bdf 839". */
static char switch_log[256];

/* Integrate with method at rtol; fill obs (nt x obs_size) when not NULL.
 * Returns the wall time; *nrhs the right-hand sides; false on failure. */
static bool integrate(const problem *p, aedyn_ode_method method, double rtol, double *obs,
                      double *wall, uint64_t *nrhs)
{
    aedyn_ode *ode;
    bench_check(aedyn_ode_create(&ode, p->net, p->data, AEDYN_SGD_VANILLA, p->eta), "ode");
    bench_check(aedyn_ode_set_method(ode, method, 0.0), "method");
    bench_check(aedyn_ode_set_tolerances(ode, rtol, rtol * 1e-3), "tolerances");
    if (p->setup)
        p->setup(ode);
    const size_t m = obs_size(p->K);
    const double t0 = bench_now();
    bool ok = true;
    for (size_t i = 0; i < p->nt && ok; i++) {
        ok = aedyn_ode_advance(ode, p->t[i]) == AEDYN_OK;
        if (ok && obs)
            observe(ode, p->K, obs + i * m);
    }
    *wall = bench_now() - t0;
    aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_RHS, nrhs);
    if (method == AEDYN_ODE_AUTO) {
        uint64_t n = 0;
        size_t len = 0;
        aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_SWITCHES, &n);
        switch_log[0] = '\0';
        for (uint64_t i = 0; i < n && len + 40 < sizeof switch_log; i++) {
            double t;
            aedyn_ode_method sm;
            if (aedyn_ode_get_switch(ode, (size_t)i, &t, &sm) != AEDYN_OK)
                break;
            len += (size_t)snprintf(switch_log + len, sizeof switch_log - len, "%s%s %.3g",
                                    i ? ", " : "", aedyn_enum_name(AEDYN_ENUM_METHOD, sm), t);
        }
    }
    aedyn_ode_destroy(ode);
    return ok;
}

static double global_error(const problem *p, const double *obs)
{
    const size_t K = p->K, m = obs_size(K), KK = K * K;
    double worst = 0;
    for (size_t i = 0; i < p->nt; i++) {
        const double *a = obs + i * m, *b = p->ref + i * m;
        worst = fmax(worst, fabs(a[0] - b[0]) / fabs(b[0]));
        for (int q = 0; q < 3; q++)
            worst = fmax(worst, rel(a + 1 + q * KK, b + 1 + q * KK, KK));
    }
    return worst;
}

static const aedyn_ode_method methods[] = { AEDYN_ODE_DOPRI5, AEDYN_ODE_RKC, AEDYN_ODE_BDF,
                                            AEDYN_ODE_AUTO };
#define N_METHODS (sizeof methods / sizeof methods[0])

static bool selected[7] = { true, true, true, true, true, true, true }; /* by number, 1..6 */

static void run_problem(int number, problem *p, const double *rtols, size_t n_rtol, int reps,
                        aedyn_ode_method ref_method)
{
    if (!selected[number])
        return;
    double wall;
    uint64_t nrhs;
    const size_t m = obs_size(p->K);
    size_t nt;
    bench_check(aedyn_grid_log(p->t_end / 1000.0, p->t_end, N_TIMES, 1000, 0, NULL, p->t, &nt),
                "grid");
    p->nt = nt;
    p->ref = malloc(nt * m * sizeof *p->ref);
    double *obs = malloc(nt * m * sizeof *obs);
    if (!integrate(p, ref_method, 1e-13, p->ref, &wall, &nrhs)) {
        printf("%s: the reference failed: %s\n", p->label, aedyn_error_message());
        exit(1);
    }
    fflush(stdout);
    printf("\n%s, t <= %g (reference: %s at rtol 1e-13, %.2f s, %llu rhs)\n", p->label,
           p->t_end, aedyn_enum_name(AEDYN_ENUM_METHOD, ref_method), wall,
           (unsigned long long)nrhs);
    printf("  %-7s %8s %12s %10s %10s %9s\n", "method", "rtol", "time (ms)", "rhs", "error",
           "err/rtol");
    for (size_t r = 0; r < n_rtol; r++) {
        double best_met = INFINITY, auto_time = NAN, tbest[N_METHODS], err[N_METHODS];
        uint64_t rhs[N_METHODS];
        bool ok[N_METHODS];
        /* the repetitions go round the methods, so that a change of the
         * machine's load hits them alike */
        for (int rep = 0; rep < reps; rep++)
            for (size_t k = 0; k < N_METHODS; k++) {
                if (rep == 0) {
                    tbest[k] = INFINITY;
                    err[k] = NAN;
                    ok[k] = integrate(p, methods[k], rtols[r], obs, &wall, &rhs[k]);
                    if (ok[k])
                        err[k] = global_error(p, obs);
                } else if (ok[k] && tbest[k] <= 1.0) { /* a second: once is enough */
                    ok[k] = integrate(p, methods[k], rtols[r], obs, &wall, &nrhs);
                } else {
                    continue;
                }
                if (ok[k])
                    tbest[k] = fmin(tbest[k], wall);
            }
        for (size_t k = 0; k < N_METHODS; k++) {
            const bool met = ok[k] && err[k] <= FACTOR * rtols[r];
            if (met && methods[k] != AEDYN_ODE_AUTO)
                best_met = fmin(best_met, tbest[k]);
            if (methods[k] == AEDYN_ODE_AUTO)
                auto_time = tbest[k];
            if (ok[k])
                printf("  %-7s %8.0e %12.2f %10llu %10.2e %9.2f%s\n",
                       aedyn_enum_name(AEDYN_ENUM_METHOD, methods[k]), rtols[r],
                       tbest[k] * 1e3, (unsigned long long)rhs[k], err[k], err[k] / rtols[r],
                       met ? "" : "  (not met)");
            else
                printf("  %-7s %8.0e   failed: %s\n",
                       aedyn_enum_name(AEDYN_ENUM_METHOD, methods[k]), rtols[r],
                       aedyn_error_message());
        }
        printf("  auto / fastest method meeting rtol %.0e: %.2f (switches: %s)\n", rtols[r],
               auto_time / best_met, switch_log[0] ? switch_log : "none");
        fflush(stdout);
    }
    free(obs);
    free(p->ref);
}

/* A variance-preserving denoising autoencoder: a = sqrt(0.7), sigma_n =
 * sqrt(0.3); the skip weight trained at the decoder's rate. */
static void setup_dae(aedyn_ode *o)
{
    bench_check(aedyn_ode_set_denoising(o, sqrt(0.7), sqrt(0.3)), "denoising");
}

/* The DAE driven by schedules: encoder and decoder rates on a cosine from
 * 1 to 0.1 over t = 200 after a warm-up to t = 5, a noise level dropping
 * from 0.8 to 0.3 at t = 40. */
static void setup_schedules(aedyn_ode *o)
{
    setup_dae(o);
    aedyn_schedule *rate, *noise;
    bench_check(aedyn_schedule_create_cosine(&rate, 1.0, 0.1, 200.0), "cosine");
    bench_check(aedyn_schedule_set_warmup(rate, 5.0), "warm-up");
    const double tn[2] = { 0.0, 40.0 }, vn[2] = { 0.8, 0.3 };
    bench_check(aedyn_schedule_create_piecewise(&noise, 2, tn, vn), "piecewise");
    bench_check(aedyn_ode_set_schedule(o, AEDYN_SCHEDULE_ENCODER_RATE, rate), "schedule");
    bench_check(aedyn_ode_set_schedule(o, AEDYN_SCHEDULE_DECODER_RATE, rate), "schedule");
    bench_check(aedyn_ode_set_schedule(o, AEDYN_SCHEDULE_NOISE, noise), "schedule");
    aedyn_schedule_destroy(rate);
    aedyn_schedule_destroy(noise);
}

int main(int argc, char **argv)
{
    const bool quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    double chosen[8];
    size_t n_chosen = 0;
    bool some = false;
    for (int i = 1 + quick; i < argc; i++) {
        if (strncmp(argv[i], "rtol=", 5) == 0) {
            const double r = atof(argv[i] + 5);
            if (!(r >= 1e-13 && r < 1.0) || n_chosen == 8) {
                fprintf(stderr, "bench-tolerance: rtol= takes up to 8 values in [1e-13, 1), "
                        "not '%s'\n", argv[i] + 5);
                return 2;
            }
            chosen[n_chosen++] = r;
            continue;
        }
        if (!some)
            for (int k = 1; k <= 6; k++)
                selected[k] = false;
        some = true;
        const int k = atoi(argv[i]);
        if (k < 1 || k > 6) {
            fprintf(stderr, "bench-tolerance: problems are 1 to 6, not '%s'\n", argv[i]);
            return 2;
        }
        selected[k] = true;
    }
    static const double all[] = { 1e-4, 1e-6, 1e-8, 1e-10, 1e-12 }, one[] = { 1e-6 };
    const double *rtols = n_chosen ? chosen : quick ? one : all;
    const size_t n_rtol = n_chosen ? n_chosen : quick ? 1 : 5;
    const int reps = quick ? 1 : 5;
    printf("libaedyn %s: accuracy and cost of the ODE methods (atol = 1e-3 rtol; met: global "
           "error <= %g rtol; best of %d)\n", aedyn_version_string(), FACTOR, reps);
    aedyn_rng *rng;
    aedyn_data *raw, *std, *full, *fashion = NULL;
    aedyn_net *net, *net_full, *net_fashion = NULL;
    bench_check(aedyn_rng_create(&rng, 1, 0), "rng");
    bench_check(aedyn_data_create_spiked(&raw, 1000, 4, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                         0), "raw");
    bench_check(aedyn_data_create_spiked(&std, 1000, 4, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                         AEDYN_DATA_STANDARDISE), "standardised");
    bench_check(aedyn_net_create(&net, 1000, 4, AEDYN_NET_ACT_ERF, 0), "net");
    bench_check(aedyn_net_init_gaussian(net, rng, 0.1), "init");
    problem ps = { "standardised spiked, D=1000 K=4 erf, eta 1", net, std, 1.0,
                   quick ? 100.0 : 1000.0, 4, { 0 }, 0, NULL, NULL };
    run_problem(1, &ps, rtols, n_rtol, reps, AEDYN_ODE_DOPRI5);
    problem pr = { "raw spiked (3,5,9,17), D=1000 K=4 erf, eta 0.1 (stiff)", net, raw, 0.1,
                   quick ? 100.0 : 1000.0, 4, { 0 }, 0, NULL, NULL };
    run_problem(2, &pr, rtols, n_rtol, reps, AEDYN_ODE_BDF);

    const size_t D = 1024;
    full = bench_full_spectrum(D);
    bench_check(aedyn_net_create(&net_full, D, 4, AEDYN_NET_ACT_ERF, 0), "net");
    bench_check(aedyn_net_init_gaussian(net_full, rng, 0.1), "init");
    problem pf = { "full spectrum, 1024 modes, K=4 erf, eta 0.2", net_full, full, 0.2,
                   quick ? 20.0 : 100.0, 4, { 0 }, 0, NULL, NULL };
    run_problem(3, &pf, rtols, n_rtol, reps, AEDYN_ODE_DOPRI5);

    aedyn_images *im;
    const char *path = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
    if (aedyn_images_load_idx(&im, path, 0, 10000) == AEDYN_OK) {
        bench_check(aedyn_images_preprocess(im, AEDYN_IMAGES_PAPER, 0.0), "preprocess");
        bench_check(aedyn_data_create_images(&fashion, im, AEDYN_IMAGES_SAMPLE_GAUSSIAN), "images");
        aedyn_images_destroy(im);
        bench_check(aedyn_net_create(&net_fashion, 784, 3, AEDYN_NET_ACT_ERF, 0), "net");
        bench_check(aedyn_net_init_gaussian(net_fashion, rng, 0.1), "init");
        problem pm = { "Fashion-MNIST spectrum (10000 images), 784 modes, K=3 erf, eta 0.5",
                       net_fashion, fashion, 0.5, quick ? 20.0 : 100.0, 3, { 0 }, 0, NULL,
                       NULL };
        run_problem(4, &pm, rtols, n_rtol, reps, AEDYN_ODE_DOPRI5);
    } else {
        printf("\nFashion-MNIST not installed (%s): skipped\n", path);
    }
    aedyn_net *net_skip;
    bench_check(aedyn_net_create(&net_skip, 1000, 4, AEDYN_NET_ACT_ERF, AEDYN_NET_SKIP), "net");
    bench_check(aedyn_net_init_gaussian(net_skip, rng, 0.1), "init");
    problem pd = { "denoising (a^2 = 0.7, sigma_n^2 = 0.3), trained skip, standardised spiked, "
                   "D=1000 K=4 erf, eta 1", net_skip, std, 1.0, quick ? 100.0 : 1000.0, 4, { 0 },
                   0, NULL, setup_dae };
    run_problem(5, &pd, rtols, n_rtol, reps, AEDYN_ODE_DOPRI5);
    problem pc = { "the same DAE with schedules (cosine rates with warm-up, noise 0.8 -> 0.3 at "
                   "t = 40)", net_skip, std, 1.0, quick ? 100.0 : 1000.0, 4, { 0 }, 0, NULL,
                   setup_schedules };
    run_problem(6, &pc, rtols, n_rtol, reps, AEDYN_ODE_DOPRI5);
    aedyn_net_destroy(net_skip);
    aedyn_net_destroy(net);
    aedyn_net_destroy(net_full);
    aedyn_net_destroy(net_fashion);
    aedyn_data_destroy(raw);
    aedyn_data_destroy(std);
    aedyn_data_destroy(full);
    aedyn_data_destroy(fashion);
    aedyn_rng_destroy(rng);
    return 0;
}
