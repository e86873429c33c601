/* Example 2 (paper section 4, docs/theory.md section 8): long-time dynamics of
 * sigmoidal autoencoders.
 *
 * An untied erf AE and a tied erf AE (v^k = w^k) start from the same encoder
 * and are trained by online SGD on the standardised spiked model (M = K
 * spikes). The untied AE approaches eps_PCA(K) only slowly, by shrinking its
 * encoder (Q^kk decreases: the fields move into the linear regime of erf)
 * while its decoder grows (T0^kk increases); the ODE, integrated from the
 * same initial weights, predicts this. The tied AE cannot do that (its
 * decoder is its encoder) and stays above eps_PCA(K). The ODE does not cover
 * tied networks: the tied curve is SGD only.
 *
 * Output: PREFIX.csv, PREFIX.svg (gnuplot). Checked (exit 1 if not): the
 * untied error ends within --gap of eps_PCA(K); from t = tmax/10 to tmax every
 * Q^kk decreases and every T0^kk increases (ODE and SGD); the tied error ends
 * more than 10 % above eps_PCA(K); ODE and SGD (untied) errors agree within
 * --tol at every logged time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex-util.h"

#define MAXK 8

int main(int argc, char **argv)
{
    size_t D = 500, K = 2, per_decade = 10;
    double eta = 1.0, tmax = 20000.0, sigma0 = 0.1, tol = 0.10, gap_max = 0.05;
    uint64_t seed = 1;
    const char *out = "ex2-long-time";
    bool quick = false, no_plot = false;
    const ex_opt opts[] = {
        {"out", EX_OPT_STRING, &out, "output prefix (PREFIX.csv, PREFIX.gp, PREFIX.svg)"},
        {"quick", EX_OPT_FLAG, &quick, "small fast run (eta = 1, t <= 2000, gap 10 %) for the tests"},
        {"D", EX_OPT_SIZE, &D, "input dimension (default 500)"},
        {"K", EX_OPT_SIZE, &K, "hidden units = number of spikes, 1..8 (default 2)"},
        {"tmax", EX_OPT_DOUBLE, &tmax, "last time t = steps/D (default 20000)"},
        {"eta", EX_OPT_DOUBLE, &eta, "learning rate (default 1.0)"},
        {"sigma0", EX_OPT_DOUBLE, &sigma0, "initial weight std (default 0.1)"},
        {"seed", EX_OPT_U64, &seed, "random seed (default 1)"},
        {"gap", EX_OPT_DOUBLE, &gap_max,
         "allowed final untied error / eps_PCA(K) - 1 (default 0.05)"},
        {"tol", EX_OPT_DOUBLE, &tol, "allowed max relative ODE-SGD error deviation (default 0.10)"},
        {"no-plot", EX_OPT_FLAG, &no_plot, "do not run gnuplot"},
    };
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0) {
            tmax = 2000.0;
            eta = 1.0;
            gap_max = 0.10;
        }
    ex_parse(argc, argv, "Long-time dynamics of untied and tied erf autoencoders.", opts,
             sizeof opts / sizeof opts[0], NULL, NULL);
    if (K < 1 || K > MAXK || D < 2 * K || !(tmax >= 10.0) || !(eta > 0) || !(tol > 0)) {
        fprintf(stderr, "invalid parameters (need 1 <= K <= %d, D >= 2K, tmax >= 10, eta > 0)\n",
                MAXK);
        return 2;
    }

    aedyn_rng *rng_data, *rng_init, *rng_u, *rng_t;
    ex_check(aedyn_rng_create(&rng_data, seed, 0), "rng");
    ex_check(aedyn_rng_create(&rng_init, seed, 1), "rng");
    ex_check(aedyn_rng_create(&rng_u, seed, 2), "rng");
    ex_check(aedyn_rng_create(&rng_t, seed, 3), "rng");
    aedyn_data *data;
    ex_check(aedyn_data_create_spiked(&data, D, K, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng_data,
                                      AEDYN_DATA_STANDARDISE), "spiked model");
    aedyn_net *untied, *tied;
    ex_check(aedyn_net_create(&untied, D, K, AEDYN_NET_ACT_ERF, 0), "untied network");
    ex_check(aedyn_net_create(&tied, D, K, AEDYN_NET_ACT_ERF, AEDYN_NET_TIED), "tied network");
    ex_check(aedyn_net_init_gaussian(untied, rng_init, sigma0), "init");
    double *W = ex_alloc(K * D, sizeof *W);
    ex_check(aedyn_net_get_weights(untied, W, NULL, NULL), "weights");
    ex_check(aedyn_net_set_weights(tied, W, NULL, NULL), "tied weights"); /* same encoder */
    free(W);
    aedyn_sgd *sgd_u, *sgd_t;
    ex_check(aedyn_sgd_create(&sgd_u, untied, data, rng_u, AEDYN_SGD_VANILLA, eta), "sgd");
    ex_check(aedyn_sgd_create(&sgd_t, tied, data, rng_t, AEDYN_SGD_VANILLA, eta), "sgd (tied)");
    aedyn_ode *ode;
    ex_check(aedyn_ode_create_from_sgd(&ode, sgd_u), "ode");
    ex_check(aedyn_ode_set_method(ode, AEDYN_ODE_DOPRI5, 0.0), "ode method");
    ex_check(aedyn_ode_set_tolerances(ode, 1e-8, 1e-10), "ode tolerances");

    double pca;
    ex_check(aedyn_data_pca_error(data, K, &pca), "pca error");
    printf("Long times: erf AE, K = %zu, standardised spiked model (M = %zu), D = %zu, eta = %g, "
           "sigma0 = %g, seed %llu; eps_PCA(%zu) = %.6f\n", K, K, D, eta, sigma0,
           (unsigned long long)seed, K, pca);
    printf("error = E[(1/2D)|x - xhat|^2] (population error); Q^kk = |w^k|_Omega^2/D, "
           "T0^kk = |v^k|^2/D (averages over k shown)\n");

    char header[4096];
    size_t hl = (size_t)snprintf(header, sizeof header,
                                 "t,err_untied_sgd,err_untied_ode,err_tied_sgd,pca_K");
    static const char *names[] = {"Q_sgd", "Q_ode", "T0_sgd", "T0_ode", "Q_tied"};
    for (int j = 0; j < 5; j++)
        for (size_t k = 0; k < K; k++)
            hl += (size_t)snprintf(header + hl, sizeof header - hl, ",%s_%zu%zu", names[j], k + 1,
                                   k + 1);
    FILE *csv = ex_csv_open(out, ".csv", header);

    /* output times: t = 0, then log-spaced times from 0.1 to tmax on whole steps */
    const size_t n_log = (size_t)(per_decade * log10(tmax / 0.1)) + 1;
    uint64_t *steps = ex_alloc(n_log + 1, sizeof *steps);
    double *times = ex_alloc(n_log + 1, sizeof *times);
    size_t nt;
    ex_check(aedyn_grid_log(0.1, tmax, n_log, D, AEDYN_GRID_ZERO, steps, times, &nt),
             "output times");
    double *eu = ex_alloc(nt, sizeof(double)), *eo = ex_alloc(nt, sizeof(double));
    double *et = ex_alloc(nt, sizeof(double));
    double *diag = ex_alloc(nt * 5 * K, sizeof(double)); /* per time: Qs, Qo, T0s, T0o, Qt */
    double worst = 0.0, t_worst = 0.0, worst_op = 0.0;
    double Qs[MAXK * MAXK], Qo[MAXK * MAXK], T0s[MAXK * MAXK], T0o[MAXK * MAXK],
        Qt[MAXK * MAXK], row[5 + 5 * MAXK];

    printf("%9s %10s %10s %10s %6s | %8s %8s %8s %8s | %8s\n", "t", "untied-SGD", "untied-ODE",
           "tied-SGD", "dev", "Q-SGD", "Q-ODE", "T0-SGD", "T0-ODE", "Q-tied");
    for (size_t n = 0; n < nt; n++) {
        const uint64_t target = steps[n];
        ex_check(aedyn_sgd_step(sgd_u, target - aedyn_sgd_get_n_steps(sgd_u)), "sgd step");
        ex_check(aedyn_sgd_step(sgd_t, target - aedyn_sgd_get_n_steps(sgd_t)), "sgd step (tied)");
        ex_check(aedyn_ode_advance(ode, aedyn_sgd_get_time(sgd_u)), "ode advance");
        ex_check(aedyn_net_error(untied, data, &eu[n]), "error");
        ex_check(aedyn_net_error(tied, data, &et[n]), "error (tied)");
        ex_check(aedyn_ode_error(ode, &eo[n]), "ode error");
        ex_check(aedyn_net_order_params(untied, data, Qs, NULL, NULL, T0s), "order params");
        ex_check(aedyn_net_order_params(tied, data, Qt, NULL, NULL, NULL), "order params (tied)");
        ex_check(aedyn_ode_order_params(ode, Qo, NULL, NULL, T0o), "ode order params");
        const double dev = ex_reldev(eu[n], eo[n]);
        if (dev > worst) {
            worst = dev;
            t_worst = times[n];
        }
        double *dg = diag + n * 5 * K, mean[5] = {0};
        for (size_t k = 0; k < K; k++) {
            dg[k] = Qs[k * K + k];
            dg[K + k] = Qo[k * K + k];
            dg[2 * K + k] = T0s[k * K + k];
            dg[3 * K + k] = T0o[k * K + k];
            dg[4 * K + k] = Qt[k * K + k];
            if (times[n] >= 10.0) {
                worst_op = fmax(worst_op, ex_reldev(dg[k], dg[K + k]));
                worst_op = fmax(worst_op, ex_reldev(dg[2 * K + k], dg[3 * K + k]));
            }
            for (int j = 0; j < 5; j++)
                mean[j] += dg[(size_t)j * K + k] / (double)K;
        }
        size_t c = 0;
        row[c++] = times[n];
        row[c++] = eu[n];
        row[c++] = eo[n];
        row[c++] = et[n];
        row[c++] = pca;
        for (size_t j = 0; j < 5 * K; j++)
            row[c++] = dg[j];
        ex_csv_row(csv, c, row);
        if (n % 5 == 0 || n == nt - 1)
            printf("%9.1f %10.6f %10.6f %10.6f %5.2f%% | %8.4f %8.4f %8.3f %8.3f | %8.4f\n",
                   times[n], eu[n], eo[n], et[n], 100 * dev, mean[0], mean[1], mean[2], mean[3],
                   mean[4]);
    }
    ex_csv_close(csv);

    int fail = 0;
    const size_t last = nt - 1;
    printf("\nmax |SGD - ODE| / ODE (untied error) over %zu logged times: %.2f %% (at t = %g); "
           "allowed %.0f %%\n", nt, 100 * worst, t_worst, 100 * tol);
    printf("max relative deviation of Q^kk and T0^kk (SGD vs ODE) for t >= 10: %.2f %%\n", 100 * worst_op);
    if (!(worst <= tol)) {
        printf("FAIL: the ODE does not track SGD within %.0f %%\n", 100 * tol);
        fail = 1;
    }
    const double gap_u = eu[last] / pca - 1.0, gap_o = eo[last] / pca - 1.0,
                 gap_t = et[last] / pca - 1.0;
    printf("at t = %g: error / eps_PCA(%zu) - 1 = %.4f (untied SGD), %.4f (ODE), %.4f (tied SGD)\n",
           times[last], K, gap_u, gap_o, gap_t);
    if (!(gap_u < gap_max && gap_o < gap_max)) {
        printf("FAIL: the untied AE is not within %.1f %% of eps_PCA(%zu)\n", 100 * gap_max, K);
        fail = 1;
    }
    if (!(gap_t > 0.10)) {
        printf("FAIL: the tied AE is not stuck above eps_PCA(%zu) (gap %.4f <= 0.10)\n", K, gap_t);
        fail = 1;
    }
    /* monotone from tmax/10 on: the gap to eps_PCA(K) shrinks, Q^kk goes
     * down and T0^kk up at every logged time */
    size_t first = 0;
    while (first < last && times[first] < tmax / 10.0)
        first++;
    for (int src = 0; src < 2; src++) {
        const double *e = src ? eo : eu;
        /* the ODE at every logged time; a single SGD run (noisy) end to end */
        bool down = e[last] < e[first];
        for (size_t n = first + 1; src && n <= last; n++)
            down &= e[n] < e[n - 1];
        printf("%s: untied error %s from t = %g to %g\n", src ? "ODE" : "SGD",
               down ? (src ? "decreases monotonically" : "decreases")
                    : "does NOT decrease", times[first], times[last]);
        if (!down)
            fail = 1;
    }
    for (int src = 0; src < 2; src++)
        for (size_t k = 0; k < K; k++) {
            bool q_down = true, t0_up = true;
            for (size_t n = first + 1; n <= last; n++) {
                const double *a = diag + (n - 1) * 5 * K, *b = diag + n * 5 * K;
                q_down &= b[(size_t)src * K + k] < a[(size_t)src * K + k];
                t0_up &= b[(size_t)(2 + src) * K + k] > a[(size_t)(2 + src) * K + k];
            }
            const double *a = diag + first * 5 * K, *b = diag + last * 5 * K;
            printf("%s unit %zu, t = %g -> %g: Q^kk %.4f -> %.4f (%s), T0^kk %.3f -> %.3f (%s)\n",
                   src ? "ODE" : "SGD", k + 1, times[first], times[last], a[(size_t)src * K + k],
                   b[(size_t)src * K + k], q_down ? "decreasing" : "NOT decreasing",
                   a[(size_t)(2 + src) * K + k], b[(size_t)(2 + src) * K + k],
                   t0_up ? "increasing" : "NOT increasing");
            if (!q_down || !t0_up)
                fail = 1;
        }
    printf("%s\n", fail ? "RESULT: FAIL"
                        : "RESULT: OK (untied -> eps_PCA(K) with Q^kk down and T0^kk up; tied "
                          "stuck above; ODE tracks SGD)");

    FILE *gp = ex_plot_begin(out, !no_plot, 800, 1000);
    if (gp) {
        fprintf(gp, "set multiplot layout 3,1\nset logscale xy\nset xrange [0.1:%g]\n"
                    "set xlabel 't = steps / D'\nset key top right\n"
                    "set title 'erf AE, K = %zu, spiked model (D = %zu, eta = %g): error / "
                    "eps_PCA(K) - 1'\nset ylabel 'error / eps_PCA(K) - 1'\n", tmax, K, D, eta);
        fprintf(gp, "plot csv u 1:($2/$5-1) w p pt 7 ps 0.5 lc rgb '#1f77b4' t 'untied SGD', "
                    "'' u 1:($3/$5-1) w l lw 2 lc rgb '#000000' t 'untied ODE', "
                    "'' u 1:($4/$5-1) w p pt 5 ps 0.5 lc rgb '#d62728' t 'tied SGD'\n");
        fprintf(gp, "set title 'encoder: Q^kk = w^k Omega w^k / D'\nset ylabel 'Q^kk'\nplot ");
        static const char *col[] = {"#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e",
                                    "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};
        for (size_t k = 0; k < K; k++)
            fprintf(gp, "%scsv u 1:%zu w p pt 7 ps 0.5 lc rgb '%s' t 'SGD k=%zu', "
                        "'' u 1:%zu w l lw 2 lc rgb '%s' t 'ODE k=%zu', "
                        "'' u 1:%zu w p pt 5 ps 0.4 lc rgb '#d62728' t '%s'",
                    k ? ", " : "", 6 + k, col[k % 8], k + 1, 6 + K + k, col[k % 8], k + 1,
                    6 + 4 * K + k, k ? "" : "tied SGD");
        fprintf(gp, "\nset title 'decoder: T0^kk = |v^k|^2 / D'\nset ylabel 'T0^kk'\n"
                    "set key bottom right\nplot ");
        for (size_t k = 0; k < K; k++)
            fprintf(gp, "%scsv u 1:%zu w p pt 7 ps 0.5 lc rgb '%s' t 'SGD k=%zu', "
                        "'' u 1:%zu w l lw 2 lc rgb '%s' t 'ODE k=%zu'",
                    k ? ", " : "", 6 + 2 * K + k, col[k % 8], k + 1, 6 + 3 * K + k,
                    col[k % 8], k + 1);
        fprintf(gp, "\nunset multiplot\n");
    }
    ex_plot_end(gp, out);

    free(eu);
    free(eo);
    free(et);
    free(diag);
    aedyn_ode_destroy(ode);
    aedyn_sgd_destroy(sgd_u);
    aedyn_sgd_destroy(sgd_t);
    aedyn_net_destroy(untied);
    aedyn_net_destroy(tied);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng_data);
    aedyn_rng_destroy(rng_init);
    aedyn_rng_destroy(rng_u);
    aedyn_rng_destroy(rng_t);
    free(steps);
    free(times);
    return fail;
}
