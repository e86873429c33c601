/* Speed of the ODE integrators (issue 3). Prints wall time, right-hand-side
 * evaluations (and their rate) and accepted/rejected steps for:
 *  1. spiked model, raw spikes Lambda = (3, 5, 9, 17), D = 1000, K = M = 4,
 *     erf, eta = 0.1, to t = 1000 at rtol 1e-6 (the stiff case; goal 20 ms);
 *  2. the same with standardised inputs (Tr Omega / D = 1);
 *  3. a full spectrum of 1024 distinct eigenvalues (1024 modes), K = 4, erf,
 *     eta = 0.2, to t = 100 (goal 2 s).
 * BDF's right-hand sides include those of its Jacobians (1 + K (K + 2) each).
 * Each figure is the best of 3 runs (the machine may be shared).
 * Usage: bench-ode [quick]   (quick: one run of each, shorter horizons) */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench-util.h"

static const char *method_name[] = {"Euler", "RK4", "DOPRI5", "RKC", "BDF", "auto"};

/* Integrate a fresh ODE of (net, data) to t_end; best wall time of reps runs. */
static void run(const char *label, const aedyn_net *net, const aedyn_data *data, double eta,
                aedyn_ode_method method, double t_end, int reps)
{
    double best = 1e300, err = NAN;
    uint64_t nrhs = 0, nsteps = 0, nrej = 0;
    size_t modes = 0;
    for (int r = 0; r < reps; r++) {
        aedyn_ode *ode;
        bench_check(aedyn_ode_create(&ode, net, data, AEDYN_SGD_VANILLA, eta), "ode");
        bench_check(aedyn_ode_set_method(ode, method, 0.0), "method");
        bench_check(aedyn_ode_set_tolerances(ode, 1e-6, 1e-9), "tolerances");
        const double t0 = bench_now();
        bench_check(aedyn_ode_advance(ode, t_end), "advance");
        const double dt = bench_now() - t0;
        best = dt < best ? dt : best;
        bench_check(aedyn_ode_error(ode, &err), "error");
        bench_check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_RHS, &nrhs), "stats");
        bench_check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_STEPS, &nsteps), "stats");
        bench_check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_REJECTED, &nrej), "stats");
        modes = aedyn_ode_get_n_modes(ode);
        aedyn_ode_destroy(ode);
    }
    printf("%-34s %-6s %5zu modes  t=%-5g %9.2f ms  %8llu rhs (%5.2f M/s)  %6llu steps "
           "%4llu rejected  error %.6f\n",
           label, method_name[method], modes, t_end, best * 1e3, (unsigned long long)nrhs,
           (double)nrhs / best * 1e-6, (unsigned long long)nsteps, (unsigned long long)nrej, err);
}

int main(int argc, char **argv)
{
    const bool quick = argc > 1 && strcmp(argv[1], "quick") == 0;
    const int reps = quick ? 1 : 3;
    printf("libaedyn %s: ODE benchmark (rtol 1e-6, atol 1e-9; best of %d)\n", aedyn_version_string(),
           reps);
    aedyn_rng *rng;
    aedyn_data *raw, *std, *full;
    aedyn_net *net, *net_full;
    bench_check(aedyn_rng_create(&rng, 1, 0), "rng");
    bench_check(aedyn_data_create_spiked(&raw, 1000, 4, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng, 0), "raw");
    bench_check(aedyn_data_create_spiked(&std, 1000, 4, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                   AEDYN_DATA_STANDARDISE), "standardised");
    bench_check(aedyn_net_create(&net, 1000, 4, AEDYN_NET_ACT_ERF, 0), "net");
    bench_check(aedyn_net_init_gaussian(net, rng, 0.1), "init");

    const double T = quick ? 100.0 : 1000.0;
    run("spiked raw (3,5,9,17), D=1000 K=4", net, raw, 0.1, AEDYN_ODE_AUTO, T, reps);
    run("spiked raw (3,5,9,17), D=1000 K=4", net, raw, 0.1, AEDYN_ODE_BDF, T, reps);
    run("spiked raw (3,5,9,17), D=1000 K=4", net, raw, 0.1, AEDYN_ODE_RKC, T, reps);
    if (!quick)
        run("spiked raw (3,5,9,17), D=1000 K=4", net, raw, 0.1, AEDYN_ODE_DOPRI5, 100.0, 1);
    run("spiked standardised, D=1000 K=4", net, std, 0.1, AEDYN_ODE_AUTO, T, reps);
    run("spiked standardised, D=1000 K=4", net, std, 0.1, AEDYN_ODE_BDF, T, reps);
    run("spiked standardised, D=1000 K=4", net, std, 0.1, AEDYN_ODE_RKC, T, reps);
    run("spiked standardised, D=1000 K=4", net, std, 0.1, AEDYN_ODE_DOPRI5, T, reps);

    /* full spectrum: rho_j = 0.5 D (j+1)^-1.5 + 0.5 on the coordinate axes */
    const size_t D = 1024;
    full = bench_full_spectrum(D);
    bench_check(aedyn_net_create(&net_full, D, 4, AEDYN_NET_ACT_ERF, 0), "net");
    bench_check(aedyn_net_init_gaussian(net_full, rng, 0.1), "init");
    run("full spectrum D=1024, K=4", net_full, full, 0.2, AEDYN_ODE_AUTO, 100.0, reps);
    run("full spectrum D=1024, K=4", net_full, full, 0.2, AEDYN_ODE_RKC, 100.0, reps);
    run("full spectrum D=1024, K=4", net_full, full, 0.2, AEDYN_ODE_BDF, 100.0, reps);
    run("full spectrum D=1024, K=4", net_full, full, 0.2, AEDYN_ODE_DOPRI5, 100.0, reps);

    aedyn_net_destroy(net);
    aedyn_net_destroy(net_full);
    aedyn_data_destroy(raw);
    aedyn_data_destroy(std);
    aedyn_data_destroy(full);
    aedyn_rng_destroy(rng);
    return 0;
}
