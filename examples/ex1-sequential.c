/* Example 1 (paper section 3, docs/theory.md section 8): sequential learning
 * of principal components.
 *
 * An erf autoencoder with K hidden units is trained by online SGD on the
 * standardised spiked model with M = K spikes (Lambda_m = 2^m + 1), and the
 * ODE is integrated from the same initial weights. The test error
 * E[(1/2D)|x - xhat|^2] descends in plateaus towards eps_PCA(1), eps_PCA(2),
 * ..., and the units align with the principal components one after another,
 * largest eigenvalue first.
 *
 * Output: PREFIX.csv (t, errors, PCA errors, |cos| of every encoder with every
 * leading eigenvector for SGD and ODE), PREFIX.svg through gnuplot.
 * Checked (exit 1 if not): the ODE and SGD errors agree within --tol at every
 * logged time; the error reaches the neighbourhood of eps_PCA(1), then of
 * eps_PCA(2), ... in this order, and sits on each intermediate plateau; the
 * eigenvectors are learnt in the order of their eigenvalues (ODE and SGD). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex-util.h"

#define MAXK 8

int main(int argc, char **argv)
{
    size_t D = 1000, K = 4, per_decade = 16;
    double eta = 1.0, tmax = 1000.0, sigma0 = 0.1, tol = 0.10;
    uint64_t seed = 1;
    const char *out = "ex1-sequential";
    bool quick = false, no_plot = false;
    const ex_opt opts[] = {
        {"out", EX_OPT_STRING, &out, "output prefix (PREFIX.csv, PREFIX.gp, PREFIX.svg)"},
        {"quick", EX_OPT_FLAG, &quick, "small fast run (D = 1000, K = 3, t <= 300) for the tests"},
        {"D", EX_OPT_SIZE, &D, "input dimension (default 1000)"},
        {"K", EX_OPT_SIZE, &K, "hidden units = number of spikes, 1..8 (default 4)"},
        {"tmax", EX_OPT_DOUBLE, &tmax, "last time t = steps/D (default 1000)"},
        {"eta", EX_OPT_DOUBLE, &eta, "learning rate (default 1.0)"},
        {"sigma0", EX_OPT_DOUBLE, &sigma0, "initial weight std (default 0.1)"},
        {"seed", EX_OPT_U64, &seed, "random seed (default 1)"},
        {"tol", EX_OPT_DOUBLE, &tol, "allowed max relative ODE-SGD error deviation (default 0.10)"},
        {"no-plot", EX_OPT_FLAG, &no_plot, "do not run gnuplot"},
    };
    /* --quick sets the defaults first; explicit options given with it win */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0) {
            D = 1000;
            K = 3;
            tmax = 300.0;
            per_decade = 12;
        }
    ex_parse(argc, argv, "Sequential learning of principal components (erf AE, spiked model).",
             opts, sizeof opts / sizeof opts[0], NULL, NULL);
    if (K < 1 || K > MAXK || D < 2 * K || !(tmax > 0.1) || !(eta > 0) || !(tol > 0)) {
        fprintf(stderr, "invalid parameters (need 1 <= K <= %d, D >= 2K, tmax > 0.1, eta > 0)\n",
                MAXK);
        return 2;
    }

    aedyn_rng *rng_data, *rng_init, *rng_sgd;
    ex_check(aedyn_rng_create(&rng_data, seed, 0), "rng");
    ex_check(aedyn_rng_create(&rng_init, seed, 1), "rng");
    ex_check(aedyn_rng_create(&rng_sgd, seed, 2), "rng");
    aedyn_data *data;
    ex_check(aedyn_data_create_spiked(&data, D, K, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng_data,
                                      AEDYN_DATA_STANDARDISE), "spiked model");
    aedyn_net *net;
    ex_check(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, 0), "network");
    ex_check(aedyn_net_init_gaussian(net, rng_init, sigma0), "init");
    aedyn_sgd *sgd;
    ex_check(aedyn_sgd_create(&sgd, net, data, rng_sgd, AEDYN_SGD_VANILLA, eta), "sgd");
    aedyn_ode *ode;
    ex_check(aedyn_ode_create_from_sgd(&ode, sgd), "ode");
    ex_check(aedyn_ode_set_method(ode, AEDYN_ODE_DOPRI5, 0.0), "ode method");
    ex_check(aedyn_ode_set_tolerances(ode, 1e-8, 1e-10), "ode tolerances");

    double pca[MAXK + 1], rho[MAXK];
    for (size_t m = 0; m <= K; m++)
        ex_check(aedyn_data_pca_error(data, m, &pca[m]), "pca error");
    for (size_t m = 0; m < K; m++)
        ex_check(aedyn_data_get_group(data, m, &rho[m], NULL, NULL), "spectrum");
    double *E = ex_leading_eigvecs(data, K);
    double *W = ex_alloc(K * D, sizeof *W);

    printf("Sequential learning: erf AE, K = %zu, standardised spiked model (M = %zu, "
           "Lambda_m = 2^m+1), D = %zu, eta = %g, sigma0 = %g, seed %llu\n", K, K, D, eta, sigma0,
           (unsigned long long)seed);
    printf("rho/D:");
    for (size_t m = 0; m < K; m++)
        printf(" %.4f", rho[m] / (double)D);
    printf("   eps_PCA(0..%zu):", K);
    for (size_t m = 0; m <= K; m++)
        printf(" %.5f", pca[m]);
    printf("\nerror = E[(1/2D)|x - xhat|^2] (population error of the SGD network; ODE "
           "prediction); ov_i = |P_V e_i|^2, the fraction of eigenvector e_i in the span of the decoders\n");

    /* CSV header */
    char header[8192];
    size_t hl = (size_t)snprintf(header, sizeof header, "t,err_sgd,err_ode");
    for (size_t m = 0; m <= K; m++)
        hl += (size_t)snprintf(header + hl, sizeof header - hl, ",pca%zu", m);
    for (int src = 0; src < 2; src++)
        for (size_t i = 0; i < K; i++)
            hl += (size_t)snprintf(header + hl, sizeof header - hl, ",%s_span_e%zu",
                                   src ? "ode" : "sgd", i + 1);
    for (int src = 0; src < 2; src++)
        for (size_t k = 0; k < K; k++)
            for (size_t i = 0; i < K; i++)
                hl += (size_t)snprintf(header + hl, sizeof header - hl, ",%s_cos_v%zu_e%zu",
                                       src ? "ode" : "sgd", k + 1, i + 1);
    FILE *csv = ex_csv_open(out, ".csv", header);

    /* output times: t = 0, then log-spaced times from 0.1 to tmax on whole steps */
    const size_t n_log = (size_t)(per_decade * log10(tmax / 0.1)) + 1;
    uint64_t *steps = ex_alloc(n_log + 1, sizeof *steps);
    double *times = ex_alloc(n_log + 1, sizeof *times);
    size_t nt;
    ex_check(aedyn_grid_log(0.1, tmax, n_log, D, AEDYN_GRID_ZERO, steps, times, &nt),
             "output times");
    double *e_sgd = ex_alloc(nt, sizeof(double)), *e_ode = ex_alloc(nt, sizeof(double));
    double *ov_sgd = ex_alloc(nt * K, sizeof(double)), *ov_ode = ex_alloc(nt * K, sizeof(double));
    double cs[MAXK * MAXK], co[MAXK * MAXK], row[3 + MAXK + 1 + 2 * MAXK + 2 * MAXK * MAXK];
    double worst = 0.0, t_worst = 0.0;

    printf("%9s %9s %9s %7s |", "t", "SGD", "ODE", "dev");
    for (size_t i = 0; i < K; i++)
        printf(" ov%zu:SGD/ODE", i + 1);
    printf("\n");
    for (size_t n = 0; n < nt; n++) {
        const uint64_t target = steps[n];
        ex_check(aedyn_sgd_step(sgd, target - aedyn_sgd_get_n_steps(sgd)), "sgd step");
        ex_check(aedyn_ode_advance(ode, aedyn_sgd_get_time(sgd)), "ode advance");
        ex_check(aedyn_net_error(net, data, &e_sgd[n]), "sgd error");
        ex_check(aedyn_ode_error(ode, &e_ode[n]), "ode error");
        ex_check(aedyn_net_get_weights(net, NULL, W, NULL), "weights");
        ex_cosines(W, K, D, E, K, cs);
        ex_check(aedyn_ode_overlaps(ode, K, NULL, co), "ode overlaps");
        const double dev = ex_reldev(e_sgd[n], e_ode[n]);
        if (dev > worst) {
            worst = dev;
            t_worst = times[n];
        }
        size_t c = 0;
        row[c++] = times[n];
        row[c++] = e_sgd[n];
        row[c++] = e_ode[n];
        for (size_t m = 0; m <= K; m++)
            row[c++] = pca[m];
        double T0s[MAXK * MAXK], T0o[MAXK * MAXK];
        ex_check(aedyn_net_order_params(net, data, NULL, NULL, NULL, T0s), "sgd order params");
        ex_check(aedyn_ode_order_params(ode, NULL, NULL, NULL, T0o), "ode order params");
        if (!ex_span_fraction(cs, K, K, T0s, ov_sgd + n * K) ||
            !ex_span_fraction(co, K, K, T0o, ov_ode + n * K)) {
            fprintf(stderr, "error: decoders are linearly dependent at t = %g\n", times[n]);
            return EXIT_FAILURE;
        }
        for (size_t i = 0; i < K; i++)
            row[c++] = ov_sgd[n * K + i];
        for (size_t i = 0; i < K; i++)
            row[c++] = ov_ode[n * K + i];
        for (size_t j = 0; j < K * K; j++)
            row[c++] = fabs(cs[j]);
        for (size_t j = 0; j < K * K; j++)
            row[c++] = fabs(co[j]);
        ex_csv_row(csv, c, row);
        if (n % 4 == 0 || n == nt - 1) {
            printf("%9.2f %9.5f %9.5f %6.2f%% |", times[n], e_sgd[n], e_ode[n], 100 * dev);
            for (size_t i = 0; i < K; i++)
                printf("  %.2f/%.2f  ", ov_sgd[n * K + i], ov_ode[n * K + i]);
            printf("\n");
        }
    }
    ex_csv_close(csv);

    /* --- claims --- */
    int fail = 0;
    printf("\nmax |SGD - ODE| / ODE over the %zu logged times: %.2f %% (at t = %g); allowed %.0f %%\n",
           nt, 100 * worst, t_worst, 100 * tol);
    if (!(worst <= tol)) {
        printf("FAIL: the ODE does not track SGD within %.0f %%\n", 100 * tol);
        fail = 1;
    }
    /* plateau order: t_m = first time the error is within 10 % of the gap
     * (eps_PCA(m-1) - eps_PCA(m)) of eps_PCA(m); the plateau at eps_PCA(m)
     * (m < K) is "visited" if the error stays within 25 % of the next gap
     * around it over a time span of at least a factor 1.2 */
    for (int src = 0; src < 2; src++) {
        const double *e = src ? e_ode : e_sgd;
        const char *name = src ? "ODE" : "SGD";
        double t_prev = -1.0;
        printf("%s: error reaches eps_PCA(m) (within 10 %% of the step) at t =", name);
        for (size_t m = 1; m <= K; m++) {
            const double thr = pca[m] + 0.10 * (pca[m - 1] - pca[m]);
            double tm = -1.0;
            for (size_t n = 0; n < nt; n++)
                if (e[n] <= thr) {
                    tm = times[n];
                    break;
                }
            printf(" %g", tm);
            if (tm < 0.0 || tm <= t_prev) {
                printf(" <- FAIL (not reached, or not after eps_PCA(%zu))", m - 1);
                fail = 1;
            }
            t_prev = tm;
            if (m < K && tm >= 0.0) {
                const double lo = pca[m] - 0.25 * (pca[m] - pca[m + 1]);
                double t_leave = tm;
                for (size_t n = 0; n < nt; n++)
                    if (times[n] >= tm && e[n] >= lo)
                        t_leave = times[n];
                    else if (times[n] >= tm)
                        break;
                printf(" [plateau until %g]", t_leave);
                if (t_leave < 1.2 * tm) {
                    printf(" <- FAIL (no plateau at eps_PCA(%zu))", m);
                    fail = 1;
                }
            }
        }
        printf("\n");
        /* learning order: first time |P_V e_i|^2 > 0.8 */
        printf("%s: |P_V e_i|^2 > 0.8 from t =", name);
        const double *ov = src ? ov_ode : ov_sgd;
        t_prev = -1.0;
        for (size_t i = 0; i < K; i++) {
            double ti = -1.0;
            for (size_t n = 0; n < nt; n++)
                if (ov[n * K + i] > 0.8) {
                    ti = times[n];
                    break;
                }
            printf(" %g", ti);
            if (ti < 0.0 || ti < t_prev) {
                printf(" <- FAIL (e_%zu not learnt, or before e_%zu)", i + 1, i);
                fail = 1;
            }
            t_prev = ti;
        }
        printf("\n");
    }
    printf("%s\n", fail ? "RESULT: FAIL" : "RESULT: OK (plateaus in order eps_PCA(1), eps_PCA(2), "
                                         "...; ODE tracks SGD)");

    FILE *gp = ex_plot_begin(out, !no_plot, 800, 900);
    if (gp) {
        fprintf(gp, "set multiplot layout 2,1\n"
                    "set logscale xy\nset xrange [0.1:%g]\nset xlabel 't = steps / D'\n"
                    "set ylabel 'error E[(1/2D)|x - x_hat|^2]'\n"
                    "set title 'erf AE, K = %zu, spiked model (D = %zu, eta = %g)'\n"
                    "set key top right\n", tmax, K, D, eta);
        fprintf(gp, "plot csv u 1:2 w p pt 7 ps 0.6 lc rgb '#1f77b4' t 'SGD', "
                    "'' u 1:3 w l lw 2 lc rgb '#000000' t 'ODE'");
        for (size_t m = 1; m <= K; m++)
            fprintf(gp, ", %.10g w l dt 2 lc rgb '#888888' t '%s'", pca[m],
                    m == 1 ? "eps_PCA(m), m = 1..K" : "");
        fprintf(gp, "\nset ylabel '|P_V e_i|^2'\nset yrange [0:1.05]\nunset logscale y\n"
                    "set title 'fraction of eigenvector e_i in the span of the decoders'\n"
                    "set key bottom right\n");
        static const char *col[] = {"#d62728", "#2ca02c", "#1f77b4", "#9467bd",
                                    "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
        fprintf(gp, "plot ");
        for (size_t i = 0; i < K; i++) {
            const size_t cs_col = 3 + K + 1 + i + 1, co_col = cs_col + K;
            fprintf(gp, "%scsv u 1:%zu w p pt 7 ps 0.5 lc rgb '%s' t 'SGD e_%zu', "
                        "'' u 1:%zu w l lw 2 lc rgb '%s' t 'ODE e_%zu'",
                    i ? ", " : "", cs_col, col[i % 8], i + 1, co_col, col[i % 8], i + 1);
        }
        fprintf(gp, "\nunset multiplot\n");
    }
    ex_plot_end(gp, out);

    free(W);
    free(E);
    free(e_sgd);
    free(e_ode);
    free(ov_sgd);
    free(ov_ode);
    aedyn_ode_destroy(ode);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng_data);
    aedyn_rng_destroy(rng_init);
    aedyn_rng_destroy(rng_sgd);
    free(steps);
    free(times);
    return fail;
}
