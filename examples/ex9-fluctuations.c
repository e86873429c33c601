/* Example 9 (docs/theory.md section 12.2): finite-D fluctuations of SGD.
 *
 * The exact reduced chain against full SGD, in distribution: R replicas of
 * each (aedyn_replicas_create and aedyn_replicas_create_reduced) from the
 * same initial weights of a K = 2 autoencoder on the standardised spiked
 * model (M = 2, lr 1, sigma0 0.1) at D = 250, for linear and erf units,
 * compared at log-spaced times through both escapes: the mean of the error
 * (z = difference / its standard error), its spread (log of the variance
 * ratio against its standard error from the sample kurtoses), its law (the
 * two-sample Kolmogorov-Smirnov statistic against its 0.001 critical value
 * 1.95 sqrt(2/R)), and the largest |z| over the means of all 17 values (error,
 * Q, R, T, T0).
 *
 * Output: PREFIX-chain.csv (one row per activation and time) and
 * PREFIX-chain.svg (the two bands, erf). Checked (exit 1 if not): at every
 * time |z| <= 3.5 and |log variance ratio| <= 3.5 standard errors (about 1 %
 * false alarms over the 24 comparisons of each if the laws agree), KS below
 * its critical value, and the largest |z| over all means <= 4.5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex-util.h"

enum { NV = 17, NT_MAX = 32 };

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Two-sample Kolmogorov-Smirnov statistic (x, y sorted here, n each). */
static double ks2(double *x, double *y, size_t n)
{
    qsort(x, n, sizeof *x, cmp_double);
    qsort(y, n, sizeof *y, cmp_double);
    size_t i = 0, j = 0;
    double d = 0.0;
    while (i < n && j < n) {
        const double v = fmin(x[i], y[j]);
        while (i < n && x[i] <= v)
            i++;
        while (j < n && y[j] <= v)
            j++;
        d = fmax(d, fabs((double)i - (double)j) / (double)n);
    }
    return d;
}

/* Mean, variance (R - 1) and kurtosis of column j of R x NV values. */
static void moments(const double *v, size_t R, size_t j, double *m, double *var, double *kurt)
{
    double s = 0.0, s2 = 0.0, s4 = 0.0;
    for (size_t r = 0; r < R; r++)
        s += v[r * NV + j];
    s /= (double)R;
    for (size_t r = 0; r < R; r++) {
        const double d = v[r * NV + j] - s;
        s2 += d * d;
        s4 += d * d * d * d;
    }
    *m = s;
    *var = s2 / (double)(R - 1);
    *kurt = s2 > 0.0 ? (s4 / (double)R) / ((s2 / (double)R) * (s2 / (double)R)) : 3.0;
}

/* The chain against SGD for one activation; rows appended to csv. Returns
 * the number of failed checks. */
static int chain_vs_sgd(aedyn_net_activation act, size_t D, size_t R, size_t n_threads,
                        const double *times, size_t nt, FILE *csv, double *worst)
{
    aedyn_rng *rng;
    aedyn_data *data;
    aedyn_net *net;
    aedyn_sgd *sgd;
    aedyn_replicas *full, *red;
    ex_check(aedyn_rng_create(&rng, 2024, 0), "rng");
    ex_check(aedyn_data_create_spiked(&data, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                      AEDYN_DATA_STANDARDISE), "data");
    ex_check(aedyn_net_create(&net, D, 2, act, 0), "net");
    ex_check(aedyn_net_init_gaussian(net, rng, 0.1), "init");
    ex_check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 1.0), "sgd");
    ex_check(aedyn_replicas_create(&full, sgd, R, rng), "replicas");
    ex_check(aedyn_replicas_create_reduced(&red, sgd, R, rng), "reduced replicas");
    ex_check(aedyn_replicas_set_n_threads(full, n_threads), "threads");
    ex_check(aedyn_replicas_set_n_threads(red, n_threads), "threads");
    double *v1 = ex_alloc(R * NV, sizeof *v1), *v2 = ex_alloc(R * NV, sizeof *v2);
    double *e1 = ex_alloc(R, sizeof *e1), *e2 = ex_alloc(R, sizeof *e2);
    const double ks_crit = 1.95 * sqrt(2.0 / (double)R);
    int fails = 0;
    double zall = 0.0;
    printf("\n%s units, D = %zu, R = %zu replicas of each\n", act == AEDYN_NET_ACT_ERF ? "erf"
           : "linear", D, R);
    printf("%7s %10s %10s %7s %9s %9s %7s\n", "t", "SGD mean", "chain", "z", "std ratio",
           "(log/se)", "KS");
    for (size_t i = 0; i < nt; i++) {
        const uint64_t target = (uint64_t)llround(times[i] * (double)D);
        ex_check(aedyn_replicas_step(full, target - aedyn_replicas_get_n_steps(full)), "step");
        ex_check(aedyn_replicas_step(red, target - aedyn_replicas_get_n_steps(red)), "step");
        ex_check(aedyn_replicas_get_values(full, v1), "values");
        ex_check(aedyn_replicas_get_values(red, v2), "values");
        double m1 = 0, s1 = 0, k1 = 0, m2 = 0, s2 = 0, k2 = 0;
        for (size_t j = NV; j-- > 0;) { /* the error (j = 0) last: its moments stay */
            moments(v1, R, j, &m1, &s1, &k1);
            moments(v2, R, j, &m2, &s2, &k2);
            const double se = sqrt((s1 + s2) / (double)R);
            if (se > 0.0)
                zall = fmax(zall, fabs(m1 - m2) / se);
        }
        const double z = (m1 - m2) / sqrt((s1 + s2) / (double)R);
        const double lr = log(s1 / s2), se_lr = sqrt((k1 - 1.0 + k2 - 1.0) / (double)R);
        for (size_t r = 0; r < R; r++) {
            e1[r] = v1[r * NV];
            e2[r] = v2[r * NV];
        }
        const double ks = ks2(e1, e2, R); /* sorts e1, e2 */
        const double q1[2] = { e1[R / 10], e1[R - 1 - R / 10] }, q2[2] = { e2[R / 10],
                                                                            e2[R - 1 - R / 10] };
        printf("%7.3g %10.6f %10.6f %+7.2f %9.3f %+9.2f %7.3f\n", times[i], m1, m2, z,
               sqrt(s1 / s2), lr / se_lr, ks);
        const double row[16] = { (double)act, times[i], m1, sqrt(s1), q1[0], q1[1], m2, sqrt(s2),
                                 q2[0], q2[1], z, lr, se_lr, ks, ks_crit, sqrt(s1 / s2) };
        ex_csv_row(csv, 16, row);
        if (fabs(z) > 3.5 || fabs(lr) > 3.5 * se_lr || ks > ks_crit) {
            printf("  ^ FAILED: the chain and SGD differ at t = %g\n", times[i]);
            fails++;
        }
    }
    printf("largest |z| over the means of all %d values at all times: %.2f (KS critical "
           "value %.3f)\n", NV, zall, ks_crit);
    if (zall > 4.5) {
        printf("  FAILED: a mean differs by more than 4.5 standard errors\n");
        fails++;
    }
    *worst = zall;
    free(v1);
    free(v2);
    free(e1);
    free(e2);
    aedyn_replicas_destroy(full);
    aedyn_replicas_destroy(red);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng);
    return fails;
}

int main(int argc, char **argv)
{
    size_t D = 250, R = 500, threads = 0, points = 12;
    double tmax = 20.0;
    const char *out = "ex9-fluctuations";
    bool quick = false, no_plot = false;
    const ex_opt opts[] = {
        {"out", EX_OPT_STRING, &out, "output prefix (PREFIX-chain.csv, .gp, .svg)"},
        {"quick", EX_OPT_FLAG, &quick, "small fast run for the tests (R = 100, t <= 8)"},
        {"D", EX_OPT_SIZE, &D, "input dimension (default 250)"},
        {"R", EX_OPT_SIZE, &R, "replicas of SGD and of the chain (default 500)"},
        {"tmax", EX_OPT_DOUBLE, &tmax, "last time (default 20)"},
        {"points", EX_OPT_SIZE, &points, "log-spaced times from 0.5 to tmax (default 12)"},
        {"threads", EX_OPT_SIZE, &threads, "threads (default 0: the online processors)"},
        {"no-plot", EX_OPT_FLAG, &no_plot, "do not run gnuplot"},
    };
    ex_parse(argc, argv, "Finite-D fluctuations: the exact reduced chain against SGD.", opts,
             sizeof opts / sizeof opts[0], NULL, NULL);
    if (quick) {
        R = 100;
        tmax = 8.0;
        points = 6;
    }
    if (R < 10 || D < 10 || points < 1 || points > NT_MAX || !(tmax > 0.5)) {
        fprintf(stderr, "invalid parameters (need R >= 10, D >= 10, 1 <= points <= %d, "
                        "tmax > 0.5)\n", NT_MAX);
        return 2;
    }
    double times[NT_MAX];
    for (size_t i = 0; i < points; i++)
        times[i] = points == 1 ? tmax : 0.5 * pow(tmax / 0.5, (double)i / (double)(points - 1));
    char prefix[1024];
    snprintf(prefix, sizeof prefix, "%s-chain", out);
    FILE *csv = ex_csv_open(prefix, ".csv",
                            "act,t,sgd_mean,sgd_std,sgd_q10,sgd_q90,chain_mean,chain_std,"
                            "chain_q10,chain_q90,z,log_var_ratio,se_log_var_ratio,ks,ks_crit,"
                            "std_ratio");
    double zl, ze;
    int fails = chain_vs_sgd(AEDYN_NET_ACT_LINEAR, D, R, threads, times, points, csv, &zl);
    fails += chain_vs_sgd(AEDYN_NET_ACT_ERF, D, R, threads, times, points, csv, &ze);
    ex_csv_close(csv);
    FILE *gp = ex_plot_begin(prefix, !no_plot, 800, 800);
    if (gp) {
        /* top: the erf error's 10-90 % bands; bottom: the error's standard
         * deviation, both activations */
        fprintf(gp, "set multiplot layout 2,1\nset logscale x\nset logscale y\n"
                    "set xlabel 't = steps / D'\nset key top right\n"
                    "set ylabel 'error E[(1/2D)|x - xhat|^2]'\n"
                    "set title 'erf AE, K = 2, D = %zu: %zu SGD runs and %zu reduced chains "
                    "(10-90 %% and mean)'\n", D, R, R);
        fprintf(gp, "plot csv skip 1 u ($1 == 1 ? $2 : 1/0):5:6 w filledcurves fs transparent "
                    "solid 0.3 lc rgb '#1f77b4' t 'SGD', "
                    "'' skip 1 u ($1 == 1 ? $2 : 1/0):3 w l lw 2 lc rgb '#1f77b4' t 'SGD mean', "
                    "'' skip 1 u ($1 == 1 ? $2 : 1/0):9 w l dt 2 lc rgb '#d62728' t 'chain q10', "
                    "'' skip 1 u ($1 == 1 ? $2 : 1/0):10 w l dt 2 lc rgb '#d62728' t 'chain q90', "
                    "'' skip 1 u ($1 == 1 ? $2 : 1/0):7 w p pt 5 lc rgb '#d62728' "
                    "t 'chain mean'\n");
        fprintf(gp, "set title 'standard deviation of the error over the replicas'\n"
                    "set ylabel 'std of the error'\n"
                    "plot csv skip 1 u ($1 == 1 ? $2 : 1/0):4 w lp pt 7 lc rgb '#1f77b4' "
                    "t 'erf, SGD', '' skip 1 u ($1 == 1 ? $2 : 1/0):8 w lp pt 5 dt 2 "
                    "lc rgb '#d62728' t 'erf, chain', '' skip 1 u ($1 == 0 ? $2 : 1/0):4 "
                    "w lp pt 6 lc rgb '#2ca02c' t 'linear, SGD', '' skip 1 "
                    "u ($1 == 0 ? $2 : 1/0):8 w lp pt 4 dt 2 lc rgb '#9467bd' t 'linear, chain'\n"
                    "unset multiplot\n");
        ex_plot_end(gp, prefix);
    }
    printf("\n%s: the chain and SGD agree in distribution (largest |z| %.2f linear, %.2f erf)\n",
           fails ? "FAILED" : "ok", zl, ze);
    return fails ? 1 : 0;
}
