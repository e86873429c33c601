/* Benchmark and measurements of the analysis module (docs/results.md
 * section 8, numbers only, never pass/fail):
 *   build/bench/bench-analysis newton       Newton's iterations and times
 *   build/bench/bench-analysis ex1 [K]      example 1's erf staircase (sigma0 = 0.1): each
 *                                           plateau's frozen-time prediction vs the exit
 *   build/bench/bench-analysis escape [D] [seeds] [act]
 *                                           SGD's escapes from the plateau at eps_PCA(1)
 *                                           vs the ODE's and the prediction from SGD's own
 *                                           unstable component at entry
 *   build/bench/bench-analysis quick        a tiny version of each (the bench suite)
 * The analysis module is experimental (AEDYN_EXPERIMENTAL). */
#define _POSIX_C_SOURCE 199309L
#define AEDYN_EXPERIMENTAL
#include <math.h>
#include <string.h>
#include "bench-util.h"

static aedyn_data *spiked(size_t D, size_t M, uint64_t seed)
{
    aedyn_rng *r;
    aedyn_data *d;
    bench_check(aedyn_rng_create(&r, seed, 0), "rng");
    bench_check(aedyn_data_create_spiked(&d, D, M, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, r,
                                         AEDYN_DATA_STANDARDISE), "data");
    aedyn_rng_destroy(r);
    return d;
}

static aedyn_net *net_init(size_t D, size_t K, aedyn_net_activation act, unsigned flags,
                           uint64_t seed, uint64_t stream, double sigma0)
{
    aedyn_rng *r;
    aedyn_net *n;
    bench_check(aedyn_rng_create(&r, seed, stream), "rng");
    bench_check(aedyn_net_create(&n, D, K, act, flags), "net");
    bench_check(aedyn_net_init_gaussian(n, r, sigma0), "init");
    aedyn_rng_destroy(r);
    return n;
}

/* One search: iterations, time, outcome. */
static void newton_case(const char *what, aedyn_ode *o)
{
    aedyn_analysis *an;
    bench_check(aedyn_analysis_create(&an, o), "analysis");
    const double t0 = bench_now();
    bench_check(aedyn_analysis_fixed_point(an), "fixed point");
    const double dt = bench_now() - t0;
    aedyn_analysis_outcome out;
    bench_check(aedyn_analysis_get_outcome(an, &out), "outcome");
    const size_t it = aedyn_analysis_get_n_iterations(an);
    double r[10001];
    bench_check(aedyn_analysis_get_residuals(an, r), "residuals");
    printf("%-46s n = %4zu: %-11s %3zu iterations, %8.2f ms; residuals %.1e -> %.1e\n", what,
           aedyn_analysis_get_n_eigenvalues(an), aedyn_enum_name(AEDYN_ENUM_ANALYSIS_OUTCOME, (int)out),
           it, 1e3 * dt, r[0], r[it]);
    aedyn_analysis_destroy(an);
}

static void newton_bench(bool quick)
{
    printf("Newton (aedyn_analysis_fixed_point, stability included):\n");
    const size_t D = 1000, K = 3;
    aedyn_data *d = spiked(D, 3, 21);
    /* the linear autoencoder's saddles: the aligned fixed points of the
     * subsets S, from starts 1e-2 away */
    for (unsigned mask = 0; mask < 8; mask += quick ? 7 : 1) {
        double *W = calloc(K * D, sizeof *W), *V = calloc(K * D, sizeof *V), *E = calloc(D, sizeof *E);
        size_t r = 0;
        for (size_t m = 0; m < 3; m++)
            if (mask & (1u << m)) {
                bench_check(aedyn_data_get_group_vectors(d, m, E), "eigenvector");
                for (size_t j = 0; j < D; j++) {
                    W[r * D + j] = E[j];
                    V[r * D + j] = sqrt((double)D) * E[j];
                }
                r++;
            }
        aedyn_rng *rng;
        bench_check(aedyn_rng_create(&rng, 100 + mask, 0), "rng");
        for (size_t i = 0; i < K * D; i++) {
            W[i] += 1e-2 / sqrt((double)(K * D)) * aedyn_rng_normal(rng);
            V[i] += 1e-2 * sqrt((double)D) / sqrt((double)(K * D)) * aedyn_rng_normal(rng);
        }
        aedyn_net *n;
        aedyn_ode *o;
        bench_check(aedyn_net_create(&n, D, K, AEDYN_NET_ACT_LINEAR, 0), "net");
        bench_check(aedyn_net_set_weights(n, W, V, NULL), "weights");
        bench_check(aedyn_ode_create(&o, n, d, AEDYN_SGD_VANILLA, 1.0), "ode");
        char what[80];
        snprintf(what, sizeof what, "linear K = M = 3, saddle of %zu components, start 1e-2", r);
        newton_case(what, o);
        aedyn_ode_destroy(o);
        aedyn_net_destroy(n);
        aedyn_rng_destroy(rng);
        free(W);
        free(V);
        free(E);
    }
    /* slow states of trajectories */
    static const struct {
        aedyn_net_activation act;
        unsigned flags;
        double sigma0, t;
        const char *what;
    } cases[] = {
        { AEDYN_NET_ACT_LINEAR, 0, 0.3, 500.0, "linear K = 3 at t = 500 (sigma0 = 0.3)" },
        { AEDYN_NET_ACT_ERF, 0, 0.1, 300.0, "erf K = 3 at t = 300 (sigma0 = 0.1)" },
        { AEDYN_NET_ACT_RELU, 0, 0.1, 100.0, "relu K = 3 at t = 100 (sigma0 = 0.1)" },
        { AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, 0.3, 50.0, "relu+bias K = 3 at t = 50 (sigma0 = 0.3)" },
        { AEDYN_NET_ACT_LINEAR, AEDYN_NET_SKIP, 0.1, 200.0,
          "linear DAE + skip (sigma_n 0.5) at t = 200" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0] && !quick; c++) {
        aedyn_net *n = net_init(D, K, cases[c].act, cases[c].flags, 50 + c, 0, cases[c].sigma0);
        aedyn_ode *o;
        bench_check(aedyn_ode_create(&o, n, d, AEDYN_SGD_VANILLA, 1.0), "ode");
        if (cases[c].flags & AEDYN_NET_SKIP)
            bench_check(aedyn_ode_set_denoising(o, 1.0, 0.5), "denoising");
        bench_check(aedyn_ode_advance(o, cases[c].t), "advance");
        newton_case(cases[c].what, o);
        aedyn_ode_destroy(o);
        aedyn_net_destroy(n);
    }
    aedyn_data_destroy(d);
    /* the runaway of example 2 (K = M = 2, D = 500) at t = 2e4 */
    aedyn_data *d2 = spiked(500, 2, 1);
    aedyn_net *n2 = net_init(500, 2, AEDYN_NET_ACT_ERF, 0, 1, 1, 0.1);
    aedyn_ode *o2;
    bench_check(aedyn_ode_create(&o2, n2, d2, AEDYN_SGD_VANILLA, 1.0), "ode");
    bench_check(aedyn_ode_advance(o2, quick ? 2e3 : 2e4), "advance");
    newton_case(quick ? "erf K = M = 2 (example 2) at t = 2e3"
                      : "erf K = M = 2 (example 2) at t = 2e4", o2);
    aedyn_ode_destroy(o2);
    aedyn_net_destroy(n2);
    aedyn_data_destroy(d2);
    /* the largest state: a Gaussian of 170 distinct eigenvalues, K = 3 */
    if (!quick) {
        const size_t Dg = 170;
        double *om = calloc(Dg * Dg, sizeof *om);
        for (size_t i = 0; i < Dg; i++)
            om[i * Dg + i] = (i < 3 ? 40.0 / (double)(i + 1) : 1.0) * (1.0 + 0.001 * (double)i);
        aedyn_data *dg;
        bench_check(aedyn_data_create_gaussian(&dg, Dg, om), "gaussian");
        free(om);
        aedyn_net *ng = net_init(Dg, 3, AEDYN_NET_ACT_LINEAR, 0, 7, 0, 0.3);
        aedyn_ode *og;
        bench_check(aedyn_ode_create(&og, ng, dg, AEDYN_SGD_VANILLA, 0.5), "ode");
        bench_check(aedyn_ode_advance(og, 200.0), "advance");
        newton_case("linear K = 3, 170 distinct eigenvalues, t = 200", og);
        aedyn_ode_destroy(og);
        aedyn_net_destroy(ng);
        aedyn_data_destroy(dg);
    }
}

static void print_plateaus(const aedyn_analysis *an)
{
    printf("%3s %9s %9s %9s %10s %-12s %9s %2s %9s %9s %7s\n", "#", "t_entry", "t_exit", "predicted",
           "error", "newton", "lambda_u", "m", "delta0", "Delta", "dev");
    for (size_t i = 0; i < aedyn_analysis_get_n_plateaus(an); i++) {
        double v[AEDYN_ANALYSIS_PLATEAU_MIN_SPEED + 1];
        for (int f = 0; f <= AEDYN_ANALYSIS_PLATEAU_MIN_SPEED; f++)
            bench_check(aedyn_analysis_get_plateau(an, i, (aedyn_analysis_plateau_field)f, &v[f]),
                        "plateau");
        const double dev = (v[AEDYN_ANALYSIS_PLATEAU_T_PREDICTED] - v[AEDYN_ANALYSIS_PLATEAU_T_EXIT]) /
                           (v[AEDYN_ANALYSIS_PLATEAU_T_EXIT] - v[AEDYN_ANALYSIS_PLATEAU_T_ENTRY]);
        printf("%3zu %9.3f %9.3f %9.4g %10.6f %-12s %9.5f %2.0f %9.3g %9.3g %6.1f%%\n", i,
               v[AEDYN_ANALYSIS_PLATEAU_T_ENTRY], v[AEDYN_ANALYSIS_PLATEAU_T_EXIT],
               v[AEDYN_ANALYSIS_PLATEAU_T_PREDICTED], v[AEDYN_ANALYSIS_PLATEAU_ERROR],
               aedyn_enum_name(AEDYN_ENUM_ANALYSIS_OUTCOME, (int)v[AEDYN_ANALYSIS_PLATEAU_KIND]),
               v[AEDYN_ANALYSIS_PLATEAU_LAMBDA], v[AEDYN_ANALYSIS_PLATEAU_MULTIPLICITY],
               v[AEDYN_ANALYSIS_PLATEAU_DELTA0], v[AEDYN_ANALYSIS_PLATEAU_DELTA], 100 * dev);
    }
}

/* Example 1: erf, K = M, sigma0 = 0.1, eta = 1, D = 1000, seed 1 (data
 * stream 0, weights stream 1), the ODE as the example integrates it. */
static void ex1_bench(size_t K, double tmax)
{
    aedyn_data *d = spiked(1000, K, 1);
    aedyn_net *n = net_init(1000, K, AEDYN_NET_ACT_ERF, 0, 1, 1, 0.1);
    aedyn_ode *o;
    aedyn_analysis *an;
    bench_check(aedyn_ode_create(&o, n, d, AEDYN_SGD_VANILLA, 1.0), "ode");
    bench_check(aedyn_ode_set_method(o, AEDYN_ODE_DOPRI5, 0.0), "method");
    bench_check(aedyn_ode_set_tolerances(o, 1e-8, 1e-10), "tolerances");
    bench_check(aedyn_analysis_create(&an, o), "analysis");
    for (int th = 0; th < 2; th++) {
        const double theta = th ? 0.2 : 0.1;
        bench_check(aedyn_ode_create(&o, n, d, AEDYN_SGD_VANILLA, 1.0), "ode");
        bench_check(aedyn_ode_set_method(o, AEDYN_ODE_DOPRI5, 0.0), "method");
        bench_check(aedyn_ode_set_tolerances(o, 1e-8, 1e-10), "tolerances");
        aedyn_analysis *a2;
        bench_check(aedyn_analysis_create(&a2, o), "analysis");
        bench_check(aedyn_analysis_set_plateau_threshold(a2, theta), "threshold");
        const double t0 = bench_now();
        bench_check(aedyn_analysis_plateaus(a2, tmax, 2000), "plateaus");
        printf("example 1 (erf, K = %zu, sigma0 = 0.1, D = 1000) to t = %g, threshold %g: %zu "
               "plateaus (%.2f s)\n", K, tmax, theta, aedyn_analysis_get_n_plateaus(a2),
               bench_now() - t0);
        print_plateaus(a2);
        aedyn_analysis_destroy(a2);
        aedyn_ode_destroy(o);
    }
    aedyn_analysis_destroy(an);
    aedyn_net_destroy(n);
    aedyn_data_destroy(d);
}

/* The first time the error falls below `level` along SGD from the current
 * state, checked every 1/20 unit of time; NaN if not by t_max. */
static double sgd_crossing(aedyn_sgd *s, aedyn_net *n, aedyn_data *d, double level, double t_max)
{
    const size_t D = aedyn_data_get_dim(d);
    while (aedyn_sgd_get_time(s) < t_max) {
        bench_check(aedyn_sgd_step(s, D / 20), "sgd");
        double e;
        bench_check(aedyn_net_error(n, d, &e), "error");
        if (e < level)
            return aedyn_sgd_get_time(s);
    }
    return NAN;
}

/* SGD against the ODE at the escape from the plateau at eps_PCA(1): the
 * ODE's plateau (entry, lambda_u, projector at its slowest state), the
 * exit of the error below the midpoint to eps_PCA(2) for the ODE and for
 * SGD with `seeds` noise streams from the same weights, and the prediction
 * t_x(SGD) = t_x(ODE) + ln(delta0_ODE / delta0_SGD) / lambda_u with both
 * delta0 measured at the ODE's entry. */
static void escape_bench(size_t D, int seeds, aedyn_net_activation act)
{
    const size_t K = 3;
    const double sigma0 = 1e-3, eta = 1.0;
    aedyn_data *d = spiked(D, K, 1);
    double pca[4];
    for (size_t m = 0; m <= K; m++)
        bench_check(aedyn_data_pca_error(d, m, &pca[m]), "pca");
    aedyn_net *n0 = net_init(D, K, act, 0, 1, 1, sigma0);
    aedyn_ode *o;
    aedyn_analysis *an;
    bench_check(aedyn_ode_create(&o, n0, d, AEDYN_SGD_VANILLA, eta), "ode");
    bench_check(aedyn_ode_set_method(o, AEDYN_ODE_DOPRI5, 0.0), "method");
    bench_check(aedyn_ode_set_tolerances(o, 1e-10, 1e-16), "tolerances");
    bench_check(aedyn_analysis_create(&an, o), "analysis");
    bench_check(aedyn_analysis_plateaus(an, 300.0, 2000), "plateaus");
    if (aedyn_analysis_get_n_plateaus(an) < 3) {
        printf("D = %zu: fewer than 3 plateaus\n", D);
        exit(1);
    }
    double tin, tref, kind, lam, tpred, texit;
    bench_check(aedyn_analysis_get_plateau(an, 1, AEDYN_ANALYSIS_PLATEAU_T_ENTRY, &tin), "p");
    bench_check(aedyn_analysis_get_plateau(an, 1, AEDYN_ANALYSIS_PLATEAU_T_REFERENCE, &tref), "p");
    bench_check(aedyn_analysis_get_plateau(an, 1, AEDYN_ANALYSIS_PLATEAU_KIND, &kind), "p");
    bench_check(aedyn_analysis_get_plateau(an, 1, AEDYN_ANALYSIS_PLATEAU_LAMBDA, &lam), "p");
    bench_check(aedyn_analysis_get_plateau(an, 1, AEDYN_ANALYSIS_PLATEAU_T_PREDICTED, &tpred), "p");
    bench_check(aedyn_analysis_get_plateau(an, 1, AEDYN_ANALYSIS_PLATEAU_T_EXIT, &texit), "p");
    aedyn_analysis_destroy(an);
    aedyn_ode_destroy(o);
    /* the projector at the plateau's slowest state (Newton: a fixed point
     * for linear units, else the frozen-time linearisation there) */
    bench_check(aedyn_ode_create(&o, n0, d, AEDYN_SGD_VANILLA, eta), "ode");
    bench_check(aedyn_ode_set_method(o, AEDYN_ODE_DOPRI5, 0.0), "method");
    bench_check(aedyn_ode_set_tolerances(o, 1e-10, 1e-16), "tolerances");
    bench_check(aedyn_analysis_create(&an, o), "analysis");
    bench_check(aedyn_ode_advance(o, tref), "advance");
    bench_check(aedyn_analysis_fixed_point(an), "fixed point");
    aedyn_analysis_outcome out;
    bench_check(aedyn_analysis_get_outcome(an, &out), "outcome");
    if (out != AEDYN_ANALYSIS_FIXED_POINT) /* a drifting state: its own linearisation */
        bench_check(aedyn_analysis_linearise(an), "linearise");
    double lam2;
    bench_check(aedyn_analysis_get_unstable(an, &lam2, NULL), "unstable");
    /* the ODE at entry and its error-midpoint exit */
    aedyn_ode *o2;
    bench_check(aedyn_ode_create(&o2, n0, d, AEDYN_SGD_VANILLA, eta), "ode");
    bench_check(aedyn_ode_set_method(o2, AEDYN_ODE_DOPRI5, 0.0), "method");
    bench_check(aedyn_ode_set_tolerances(o2, 1e-10, 1e-16), "tolerances");
    double *W = malloc(K * D * sizeof *W), *V = malloc(K * D * sizeof *V);
    const uint64_t entry_steps = (uint64_t)llround(tin * (double)D);
    const double t_entry = (double)entry_steps / (double)D;
    bench_check(aedyn_ode_advance(o2, t_entry), "advance");
    bench_check(aedyn_ode_get_weights(o2, W, V), "weights");
    double d0_ode;
    bench_check(aedyn_analysis_unstable_component(an, W, V, NULL, &d0_ode), "delta0");
    const double level = 0.5 * (pca[1] + pca[2]);
    double tx_ode = NAN, e;
    for (double t = t_entry; t < 300.0; t += 0.05) {
        bench_check(aedyn_ode_advance(o2, t), "advance");
        bench_check(aedyn_ode_error(o2, &e), "error");
        if (e < level) {
            tx_ode = t;
            break;
        }
    }
    printf("%s, K = M = 3, sigma0 = %g, D = %zu: plateau at eps_PCA(1) (%s), entry %.3f, "
           "lambda_u %.5f (slowest state: %.5f), speed exit %.3f (predicted %.3f)\n",
           act == AEDYN_NET_ACT_ERF ? "erf" : "linear", sigma0, D,
           (int)kind == AEDYN_ANALYSIS_FIXED_POINT ? "fixed point" : "drifting", tin, lam, lam2,
           texit, tpred);
    printf("  ODE: delta0 at entry %.4g; error below (eps_PCA(1)+eps_PCA(2))/2 at t = %.3f\n",
           d0_ode, tx_ode);
    double sx = 0, sxx = 0, sp = 0, spp = 0, sdev = 0, sdev2 = 0, sd0 = 0;
    int ns = 0;
    for (int s = 0; s < seeds; s++) {
        aedyn_rng *r;
        aedyn_net *n = net_init(D, K, act, 0, 1, 1, sigma0);
        aedyn_sgd *sg;
        bench_check(aedyn_rng_create(&r, 1000 + (uint64_t)s, 7), "rng");
        bench_check(aedyn_sgd_create(&sg, n, d, r, AEDYN_SGD_VANILLA, eta), "sgd");
        bench_check(aedyn_sgd_step(sg, entry_steps), "sgd");
        bench_check(aedyn_net_get_weights(n, W, V, NULL), "weights");
        double d0;
        bench_check(aedyn_analysis_unstable_component(an, W, V, NULL, &d0), "delta0");
        const double tx = sgd_crossing(sg, n, d, level, 300.0);
        const double pred = tx_ode + log(d0_ode / d0) / lam2;
        printf("  seed %2d: delta0 %.4g, exit %.3f, predicted %.3f (%+.3f)\n", s, d0, tx, pred,
               pred - tx);
        if (!isnan(tx)) {
            sx += tx;
            sxx += tx * tx;
            sp += pred;
            spp += pred * pred;
            sdev += pred - tx;
            sdev2 += (pred - tx) * (pred - tx);
            sd0 += d0;
            ns++;
        }
        aedyn_sgd_destroy(sg);
        aedyn_net_destroy(n);
        aedyn_rng_destroy(r);
    }
    if (ns > 1) {
        const double mx = sx / ns, mp = sp / ns, md = sdev / ns;
        printf("  SGD over %d seeds: exit %.3f +- %.3f (sd); predicted %.3f +- %.3f; "
               "predicted - observed %.3f +- %.3f (sd); mean delta0 %.4g; ODE exit %.3f\n", ns, mx,
               sqrt(fmax(0, sxx / ns - mx * mx)), mp, sqrt(fmax(0, spp / ns - mp * mp)), md,
               sqrt(fmax(0, sdev2 / ns - md * md)), sd0 / ns, tx_ode);
    }
    free(W);
    free(V);
    aedyn_ode_destroy(o2);
    aedyn_analysis_destroy(an);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(n0);
    aedyn_data_destroy(d);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "quick";
    if (strcmp(mode, "newton") == 0) {
        newton_bench(false);
    } else if (strcmp(mode, "ex1") == 0) {
        const size_t K = argc > 2 ? (size_t)atoi(argv[2]) : 4;
        ex1_bench(K, K == 3 ? 300.0 : 1000.0);
    } else if (strcmp(mode, "escape") == 0) {
        const size_t D = argc > 2 ? (size_t)atoi(argv[2]) : 1000;
        const int seeds = argc > 3 ? atoi(argv[3]) : 16;
        const aedyn_net_activation act = argc > 4 && strcmp(argv[4], "linear") == 0
                                             ? AEDYN_NET_ACT_LINEAR : AEDYN_NET_ACT_ERF;
        escape_bench(D, seeds, act);
    } else if (strcmp(mode, "quick") == 0) {
        newton_bench(true);
        escape_bench(200, 2, AEDYN_NET_ACT_LINEAR);
    } else {
        fprintf(stderr, "usage: %s newton | ex1 [K] | escape [D] [seeds] [linear|erf] | quick\n",
                argv[0]);
        return 2;
    }
    return 0;
}
