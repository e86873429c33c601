/* Example 8 (docs/theory.md section 11, docs/results.md section 8): the
 * plateaus of the learning staircase, their kind, their unstable eigenvalue
 * and their predicted escape times.
 *
 * A linear and an erf autoencoder with K units, from the same small initial
 * weights (sigma0 = 1e-3), learn the standardised spiked model with M = K
 * spikes. The analysis module (experimental: AEDYN_EXPERIMENTAL) integrates
 * the ODE of each, finds the stretches where its speed |dy/dt| falls below a
 * tenth of its scale, and analyses each: Newton from its slowest state, then
 * the eigenvalues there (a fixed point), or of the frozen-time linearisation
 * (a drifting state, where no fixed point is near). The predicted exit is
 * t_entry + ln(Delta/delta0)/lambda_u. One SGD run per network, from the same
 * weights, is drawn too. Near the origin the noise of SGD vanishes with
 * the weights (each update is a product of encoder and decoder terms), so
 * SGD leaves the first plateau when the ODE does; later plateaus are where
 * finite-D fluctuations matter (docs/results.md section 8).
 *
 * Output: PREFIX.csv (t, the ODE and SGD errors of both networks, the PCA
 * levels), PREFIX_plateaus.csv (one row per plateau), PREFIX.svg (gnuplot).
 * Checked (exit 1 if not):
 *  - linear: K + 1 plateaus, each a fixed point at eps_PCA(0), eps_PCA(1),
 *    ..., eps_PCA(K) (relative 1e-9), unstable but the last; each escape's
 *    predicted exit within --tol of the observed one (relative to the
 *    plateau's duration);
 *  - erf: K + 1 plateaus; the first is the origin, a fixed point whose
 *    leading unstable eigenvalue is eta sqrt(2/pi) rho_1/D (relative 1e-6);
 *    the others are drifting states (no fixed point near: sigmoidal units
 *    keep shrinking their encoder), the last above eps_PCA(K); each escape's
 *    predicted exit within --tol-erf. */
#define AEDYN_EXPERIMENTAL /* the analysis module is in the experimental tier */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex-util.h"

#define MAXK 8
#define MAXP 64 /* plateaus kept per network */

typedef struct {
    double v[AEDYN_ANALYSIS_PLATEAU_MIN_SPEED + 1];
} plateau;

static const char *kind(double outcome)
{
    return (int)outcome == AEDYN_ANALYSIS_FIXED_POINT ? "fixed-point" : "drifting";
}

int main(int argc, char **argv)
{
    size_t D = 1000, K = 3, points = 2000;
    double eta = 1.0, tmax = 1000.0, sigma0 = 1e-3, tol = 0.10, tol_erf = 0.15;
    uint64_t seed = 1;
    const char *out = "ex8-plateaus";
    bool quick = false, no_plot = false, no_sgd = false;
    const ex_opt opts[] = {
        {"out", EX_OPT_STRING, &out, "output prefix (PREFIX.csv, PREFIX_plateaus.csv, PREFIX.svg)"},
        {"quick", EX_OPT_FLAG, &quick, "the test's run (t <= 300)"},
        {"D", EX_OPT_SIZE, &D, "input dimension (default 1000)"},
        {"K", EX_OPT_SIZE, &K, "hidden units = number of spikes, 1..8 (default 3)"},
        {"tmax", EX_OPT_DOUBLE, &tmax, "last time t = steps/D (default 1000)"},
        {"eta", EX_OPT_DOUBLE, &eta, "learning rate (default 1.0)"},
        {"sigma0", EX_OPT_DOUBLE, &sigma0, "initial weight std (default 1e-3)"},
        {"seed", EX_OPT_U64, &seed, "random seed (default 1)"},
        {"points", EX_OPT_SIZE, &points, "samples of each trajectory (default 2000)"},
        {"tol", EX_OPT_DOUBLE, &tol, "allowed |predicted - observed exit| / duration, linear "
                                     "(default 0.10)"},
        {"tol-erf", EX_OPT_DOUBLE, &tol_erf, "the same for erf (default 0.15)"},
        {"no-sgd", EX_OPT_FLAG, &no_sgd, "no SGD runs"},
        {"no-plot", EX_OPT_FLAG, &no_plot, "do not run gnuplot"},
    };
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0)
            tmax = 300.0;
    ex_parse(argc, argv, "Plateaus of the staircase: kind, unstable eigenvalue, predicted escape.",
             opts, sizeof opts / sizeof opts[0], NULL, NULL);
    if (K < 1 || K > MAXK || D < 2 * K || !(tmax > 1.0) || !(eta > 0) || !(sigma0 > 0) ||
        points < 3 || !(tol > 0) || !(tol_erf > 0)) {
        fprintf(stderr, "invalid parameters (need 1 <= K <= %d, D >= 2K, tmax > 1, eta, sigma0, "
                        "tol > 0, points >= 3)\n", MAXK);
        return 2;
    }

    aedyn_rng *rng_data;
    ex_check(aedyn_rng_create(&rng_data, seed, 0), "rng");
    aedyn_data *data;
    ex_check(aedyn_data_create_spiked(&data, D, K, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng_data,
                                      AEDYN_DATA_STANDARDISE), "spiked model");
    double pca[MAXK + 1], rho[MAXK];
    for (size_t m = 0; m <= K; m++)
        ex_check(aedyn_data_pca_error(data, m, &pca[m]), "pca error");
    for (size_t m = 0; m < K; m++)
        ex_check(aedyn_data_get_group(data, m, &rho[m], NULL, NULL), "spectrum");
    printf("Plateaus of the staircase: linear and erf AEs, K = %zu, standardised spiked model "
           "(M = %zu), D = %zu, eta = %g, sigma0 = %g, seed %llu\n", K, K, D, eta, sigma0,
           (unsigned long long)seed);
    printf("eps_PCA(0..%zu):", K);
    for (size_t m = 0; m <= K; m++)
        printf(" %.5f", pca[m]);
    printf("   rho/D:");
    for (size_t m = 0; m < K; m++)
        printf(" %.4f", rho[m] / (double)D);
    printf("\nerror = E[(1/2D)|x - xhat|^2]; a plateau: |dy/dt| < 0.1 of its scale; predicted "
           "exit t_entry + ln(Delta/delta0)/lambda_u\n");

    /* output times of the series */
    const size_t n_log = (size_t)(16 * log10(tmax / 0.1)) + 1;
    uint64_t *steps = ex_alloc(n_log + 1, sizeof *steps);
    double *times = ex_alloc(n_log + 1, sizeof *times);
    size_t nt;
    ex_check(aedyn_grid_log(0.1, tmax, n_log, D, AEDYN_GRID_ZERO, steps, times, &nt),
             "output times");
    double *series = ex_alloc(4 * nt, sizeof *series); /* ode, sgd per network */
    plateau pl[2][MAXP];
    size_t npl[2] = { 0, 0 };
    const aedyn_net_activation acts[2] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF };
    int fail = 0;

    for (int a = 0; a < 2; a++) {
        aedyn_rng *rng_init, *rng_sgd;
        ex_check(aedyn_rng_create(&rng_init, seed, 1), "rng"); /* the same weights for both */
        ex_check(aedyn_rng_create(&rng_sgd, seed, 2 + (uint64_t)a), "rng");
        aedyn_net *net;
        ex_check(aedyn_net_create(&net, D, K, acts[a], 0), "network");
        ex_check(aedyn_net_init_gaussian(net, rng_init, sigma0), "init");
        aedyn_sgd *sgd;
        ex_check(aedyn_sgd_create(&sgd, net, data, rng_sgd, AEDYN_SGD_VANILLA, eta), "sgd");
        aedyn_ode *o_an, *o;
        aedyn_analysis *an;
        ex_check(aedyn_ode_create_from_sgd(&o_an, sgd), "ode");
        ex_check(aedyn_ode_create_from_sgd(&o, sgd), "ode");
        for (int i = 0; i < 2; i++) {
            ex_check(aedyn_ode_set_method(i ? o : o_an, AEDYN_ODE_DOPRI5, 0.0), "ode method");
            ex_check(aedyn_ode_set_tolerances(i ? o : o_an, 1e-10, 1e-16), "ode tolerances");
        }
        ex_check(aedyn_analysis_create(&an, o_an), "analysis");
        ex_check(aedyn_analysis_plateaus(an, tmax, points), "plateaus");
        npl[a] = aedyn_analysis_get_n_plateaus(an);
        if (npl[a] > MAXP)
            npl[a] = MAXP;
        for (size_t i = 0; i < npl[a]; i++)
            for (int f = 0; f <= AEDYN_ANALYSIS_PLATEAU_MIN_SPEED; f++)
                ex_check(aedyn_analysis_get_plateau(an, i, (aedyn_analysis_plateau_field)f,
                                                    &pl[a][i].v[f]), "plateau");
        for (size_t n = 0; n < nt; n++) {
            ex_check(aedyn_ode_advance(o, times[n]), "ode advance");
            ex_check(aedyn_ode_error(o, &series[(2 * (size_t)a) * nt + n]), "ode error");
            double e = NAN;
            if (!no_sgd) {
                ex_check(aedyn_sgd_step(sgd, steps[n] - aedyn_sgd_get_n_steps(sgd)), "sgd step");
                ex_check(aedyn_net_error(net, data, &e), "sgd error");
            }
            series[(2 * (size_t)a + 1) * nt + n] = e;
        }

        /* the table */
        printf("\n%s autoencoder: %zu plateaus\n", a ? "erf" : "linear", npl[a]);
        printf("%3s %9s %9s %9s %10s %-11s %9s %2s %8s %10s %8s\n", "#", "t_entry", "t_exit",
               "predicted", "error", "kind", "lambda_u", "m", "unstable", "delta0", "dev");
        /* dev: (predicted - observed exit) / the plateau's duration */
        for (size_t i = 0; i < npl[a]; i++) {
            const double *v = pl[a][i].v;
            const double tin = v[AEDYN_ANALYSIS_PLATEAU_T_ENTRY];
            const double tx = v[AEDYN_ANALYSIS_PLATEAU_T_EXIT];
            const double tp = v[AEDYN_ANALYSIS_PLATEAU_T_PREDICTED];
            const double dev = (tp - tx) / (tx - tin);
            printf("%3zu %9.3f %9.3f %9.4g %10.6f %-11s %9.5f %2.0f %8.0f %10.3g ", i, tin, tx, tp,
                   v[AEDYN_ANALYSIS_PLATEAU_ERROR], kind(v[AEDYN_ANALYSIS_PLATEAU_KIND]),
                   v[AEDYN_ANALYSIS_PLATEAU_LAMBDA], v[AEDYN_ANALYSIS_PLATEAU_MULTIPLICITY],
                   v[AEDYN_ANALYSIS_PLATEAU_N_UNSTABLE], v[AEDYN_ANALYSIS_PLATEAU_DELTA0]);
            if (isnan(tx))
                printf("%8s\n", "-");
            else
                printf("%7.2f%%\n", 100 * dev);
        }

        /* the claims */
        const double tl = a ? tol_erf : tol;
        if (npl[a] != K + 1) {
            printf("FAIL: %zu plateaus, expected %zu (eps_PCA(0) .. eps_PCA(%zu))\n", npl[a], K + 1,
                   K);
            fail = 1;
        }
        for (size_t i = 0; i < npl[a] && i <= K; i++) {
            const double *v = pl[a][i].v;
            const bool fixed = (int)v[AEDYN_ANALYSIS_PLATEAU_KIND] == AEDYN_ANALYSIS_FIXED_POINT;
            const bool last = i == K;
            if (!last) {
                const double tin = v[AEDYN_ANALYSIS_PLATEAU_T_ENTRY];
                const double tx = v[AEDYN_ANALYSIS_PLATEAU_T_EXIT];
                const double dev = (v[AEDYN_ANALYSIS_PLATEAU_T_PREDICTED] - tx) / (tx - tin);
                if (!(fabs(dev) <= tl)) {
                    printf("FAIL: %s plateau %zu: predicted exit off by %.1f %% of its duration "
                           "(allowed %.0f %%)\n", a ? "erf" : "linear", i, 100 * dev, 100 * tl);
                    fail = 1;
                }
            }
            if (a == 0) {
                const double efp = v[AEDYN_ANALYSIS_PLATEAU_FIXED_POINT_ERROR];
                const bool unst = v[AEDYN_ANALYSIS_PLATEAU_N_UNSTABLE] > 0;
                if (!fixed || !(fabs(efp / pca[i] - 1.0) <= 1e-9) || unst == last) {
                    printf("FAIL: linear plateau %zu: %s, error %.10g (eps_PCA(%zu) = %.10g), "
                           "%s\n", i, kind(v[AEDYN_ANALYSIS_PLATEAU_KIND]), efp, i, pca[i],
                           unst ? "unstable" : "stable");
                    fail = 1;
                }
            } else if (i == 0) {
                const double lam = eta * sqrt(2.0 / 3.14159265358979323846) * rho[0] / (double)D;
                if (!fixed || !(fabs(v[AEDYN_ANALYSIS_PLATEAU_LAMBDA] / lam - 1.0) <= 1e-6)) {
                    printf("FAIL: erf plateau 0: %s, lambda_u %.10g, expected the origin with "
                           "%.10g\n", kind(v[AEDYN_ANALYSIS_PLATEAU_KIND]),
                           v[AEDYN_ANALYSIS_PLATEAU_LAMBDA], lam);
                    fail = 1;
                }
            } else if (fixed || (last && !(v[AEDYN_ANALYSIS_PLATEAU_ERROR] > pca[K]))) {
                printf("FAIL: erf plateau %zu: %s at error %.6g (a drifting state above "
                       "eps_PCA(%zu) = %.6g expected)\n", i, kind(v[AEDYN_ANALYSIS_PLATEAU_KIND]),
                       v[AEDYN_ANALYSIS_PLATEAU_ERROR], K, pca[K]);
                fail = 1;
            }
        }
        if (!no_sgd) { /* SGD leaves the origin when its error falls below the midpoint */
            const double mid = 0.5 * (pca[0] + pca[1]);
            double ts = NAN, to = NAN;
            for (size_t n = 0; n < nt; n++) {
                if (isnan(ts) && series[(2 * (size_t)a + 1) * nt + n] < mid)
                    ts = times[n];
                if (isnan(to) && series[(2 * (size_t)a) * nt + n] < mid)
                    to = times[n];
            }
            printf("first escape (error below (eps_PCA(0) + eps_PCA(1))/2, on the output grid): "
                   "SGD at t = %g, ODE at t = %g\n", ts, to);
        }
        aedyn_analysis_destroy(an);
        aedyn_ode_destroy(o_an);
        aedyn_ode_destroy(o);
        aedyn_sgd_destroy(sgd);
        aedyn_net_destroy(net);
        aedyn_rng_destroy(rng_init);
        aedyn_rng_destroy(rng_sgd);
    }

    /* CSV files */
    char header[4096];
    size_t hl = (size_t)snprintf(header, sizeof header,
                                 "t,err_ode_linear,err_sgd_linear,err_ode_erf,err_sgd_erf");
    for (size_t m = 0; m <= K; m++)
        hl += (size_t)snprintf(header + hl, sizeof header - hl, ",pca%zu", m);
    FILE *csv = ex_csv_open(out, ".csv", header);
    double row[5 + MAXK + 1];
    for (size_t n = 0; n < nt; n++) {
        size_t c = 0;
        row[c++] = times[n];
        for (int s = 0; s < 4; s++)
            row[c++] = series[(size_t)s * nt + n];
        for (size_t m = 0; m <= K; m++)
            row[c++] = pca[m];
        ex_csv_row(csv, c, row);
    }
    ex_csv_close(csv);
    FILE *pcsv = ex_csv_open(out, "_plateaus.csv",
                             "network,index,t_entry,t_exit,t_predicted,error,fixed_point,lambda_u,"
                             "multiplicity,n_unstable,delta0,Delta,t_until");
    for (int a = 0; a < 2; a++)
        for (size_t i = 0; i < npl[a]; i++) {
            const double *v = pl[a][i].v;
            const double tx = v[AEDYN_ANALYSIS_PLATEAU_T_EXIT];
            const double r[13] = { (double)a, (double)i, v[AEDYN_ANALYSIS_PLATEAU_T_ENTRY],
                                   v[AEDYN_ANALYSIS_PLATEAU_T_EXIT],
                                   v[AEDYN_ANALYSIS_PLATEAU_T_PREDICTED],
                                   v[AEDYN_ANALYSIS_PLATEAU_ERROR],
                                   (int)v[AEDYN_ANALYSIS_PLATEAU_KIND] == AEDYN_ANALYSIS_FIXED_POINT,
                                   v[AEDYN_ANALYSIS_PLATEAU_LAMBDA],
                                   v[AEDYN_ANALYSIS_PLATEAU_MULTIPLICITY],
                                   v[AEDYN_ANALYSIS_PLATEAU_N_UNSTABLE],
                                   v[AEDYN_ANALYSIS_PLATEAU_DELTA0],
                                   v[AEDYN_ANALYSIS_PLATEAU_DELTA],
                                   isnan(tx) ? tmax : tx }; /* the plateau's end in the figure */
            ex_csv_row(pcsv, 13, r);
        }
    ex_csv_close(pcsv);

    printf("%s\n", fail ? "RESULT: FAIL"
                        : "RESULT: OK (linear plateaus are the saddles of eps_PCA(m), erf ones "
                          "drift; predicted escapes within tolerance)");

    /* the figure: one panel per network; errors over log time, each plateau
     * a bar from entry to exit at its level, the observed exit (x) and the
     * predicted one (triangle) */
    FILE *gp = ex_plot_begin(out, !no_plot, 900, 900);
    if (gp) {
        fprintf(gp, "pl = prefix.'_plateaus.csv'\n"
                    "set multiplot layout 2,1\n"
                    "set logscale xy\nset xrange [0.1:%g]\nset xlabel 't = steps / D'\n"
                    "set ylabel 'error E[(1/2D)|x - x_hat|^2]'\nset key bottom left\n", tmax);
        for (int a = 0; a < 2; a++) {
            fprintf(gp, "set title '%s AE, K = %zu (D = %zu, sigma0 = %g): plateaus, observed (x) "
                        "and predicted (triangle) exits'\n", a ? "erf" : "linear", K, D, sigma0);
            fprintf(gp, "plot csv u 1:%d w l lw 2 lc rgb '#000000' t 'ODE'", 2 + 2 * a);
            if (!no_sgd)
                fprintf(gp, ", '' u 1:%d w p pt 7 ps 0.4 lc rgb '#1f77b4' t 'SGD'", 3 + 2 * a);
            for (size_t m = 0; m <= K; m++)
                fprintf(gp, ", %.10g w l dt 2 lc rgb '#888888' t '%s'", pca[m],
                        m == 0 ? "eps_PCA(m)" : "");
            fprintf(gp, ", pl u ($1 == %d ? ($3 > 0 ? $3 : 0.1) : NaN):6:($13 - "
                        "($3 > 0 ? $3 : 0.1)):(0) w vectors nohead lw 6 lc rgb '#d62728' "
                        "t 'plateau', "
                        "pl u ($1 == %d ? $4 : NaN):6 w p pt 2 ps 1.5 lw 2 lc rgb '#d62728' "
                        "t 'observed exit', "
                        "pl u ($1 == %d ? $5 : NaN):6 w p pt 9 ps 1.5 lc rgb '#2ca02c' "
                        "t 'predicted exit'\n", a, a, a);
        }
        fprintf(gp, "unset multiplot\n");
    }
    ex_plot_end(gp, out);

    free(series);
    free(steps);
    free(times);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng_data);
    return fail;
}
