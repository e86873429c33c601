/* Example 10 (docs/theory.md sections 12.3-12.4): the linear-noise theory of the
 * band of SGD against replicas.
 *
 * Headline set-up: K = 2 autoencoder on the standardised spiked model (M = 2,
 * lr 1, sigma0 0.1), replicas from the same initial weights.
 *
 *  noise  B (aedyn_band_noise) against the covariance of N single steps of
 *         the reduced chain from the band's mean (linear, erf and ReLU,
 *         D = 1000, t = 3): the largest relative deviation (per entry, in
 *         units of sqrt(B_ii B_jj)) and the largest |z| (standard errors
 *         from the fourth moments).
 *  band   the predicted standard deviation of the error (first order and
 *         with the Hessian term) and the O(1/D) mean shift against R
 *         replicas, for linear and erf units, at D = 250, 1000 (full SGD;
 *         with --sgd-4000 also D = 4000, which takes hours) and D = 1000,
 *         4000, 8000 (reduced chains, R = 1000: the same law as SGD), at
 *         log-spaced times; the ratios averaged over the phases (first
 *         escape, first plateau, second escape, converged).
 *  escape two erf units sharing their spike components (independent bulk
 *         parts) leave an exchange-symmetric plateau by noise: the escape
 *         times (error <= (pca(1) + pca(2)) / 2) of R full-SGD replicas
 *         against N ODEs started at t1 = 20 from N(y, Sigma / D) (the hybrid
 *         sampler), the ODE from the common weights, and the unstable
 *         eigenvalue of J on the plateau; then the medians at D = 1000,
 *         4000, 16000 (reduced chains) against the shift ln(4) / (2
 *         lambda_u) per factor 4.
 *
 * Output: PREFIX-band.csv, PREFIX-escape.csv, PREFIX-band.svg (gnuplot);
 * tables on stdout. Checked (exit 1 if not): B within 4.5 standard errors of
 * the steps for linear and erf units (ReLU is reported); the predicted std
 * within 10 % plus 3 standard errors of the replicas' in the phase averages
 * before convergence; the hybrid's escape times and the replicas' pass a
 * two-sample Kolmogorov-Smirnov test at the 0.001 level. --quick runs a
 * small version (D = 250, few replicas). */
#define AEDYN_EXPERIMENTAL 1
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ex-util.h"

enum { NV = 17, NT = 24 };

static const char *act_name(aedyn_net_activation a)
{
    return a == AEDYN_NET_ACT_LINEAR ? "linear" : a == AEDYN_NET_ACT_ERF ? "erf" : "relu";
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    aedyn_rng *rng;
    aedyn_data *data;
    aedyn_net *net;
    aedyn_sgd *sgd;
} setup_t;

static setup_t make(size_t D, aedyn_net_activation act, uint64_t seed)
{
    setup_t s;
    ex_check(aedyn_rng_create(&s.rng, seed, 0), "rng");
    ex_check(aedyn_data_create_spiked(&s.data, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, s.rng,
                                      AEDYN_DATA_STANDARDISE), "data");
    ex_check(aedyn_net_create(&s.net, D, 2, act, 0), "net");
    ex_check(aedyn_net_init_gaussian(s.net, s.rng, 0.1), "init");
    ex_check(aedyn_sgd_create(&s.sgd, s.net, s.data, s.rng, AEDYN_SGD_VANILLA, 1.0), "sgd");
    return s;
}

static void drop(setup_t *s)
{
    aedyn_sgd_destroy(s->sgd);
    aedyn_net_destroy(s->net);
    aedyn_data_destroy(s->data);
    aedyn_rng_destroy(s->rng);
}

/* Packed coordinates (aedyn-band.h) from the chain's layout, K = 2, M = 2. */
static void pack(const double *yc, double *y)
{
    size_t p = 8;
    memcpy(y, yc, 8 * sizeof *y);
    const double *Qb = yc + 10, *Rb = Qb + 4, *T0b = Rb + 4;
    y[p++] = Qb[0];
    y[p++] = Qb[1];
    y[p++] = Qb[3];
    for (int k = 0; k < 4; k++)
        y[p++] = Rb[k];
    y[p++] = T0b[0];
    y[p++] = T0b[1];
    y[p++] = T0b[3];
}

/* ---- noise: B against single steps ---- */

static int part_noise(size_t N, aedyn_net_activation act, bool checked)
{
    const size_t D = 1000, P = 18;
    setup_t s = make(D, act, 21);
    ex_check(aedyn_net_init_gaussian(s.net, s.rng, 0.3), "init");
    ex_check(aedyn_sgd_step(s.sgd, 3 * D), "step");
    aedyn_band *b;
    aedyn_chain *c;
    ex_check(aedyn_band_create(&b, s.sgd), "band");
    ex_check(aedyn_chain_create(&c, s.sgd, s.rng), "chain");
    double B[P * P], yc[64], y0[P], y1[P], m[P], s2[P * P], s4[P * P];
    ex_check(aedyn_band_noise(b, B), "noise");
    ex_check(aedyn_band_get_mean(b, yc), "mean");
    pack(yc, y0);
    memset(m, 0, sizeof m);
    memset(s2, 0, sizeof s2);
    memset(s4, 0, sizeof s4);
    double *H = ex_alloc(N * P, sizeof *H);
    for (size_t r = 0; r < N; r++) {
        double yy[64];
        ex_check(aedyn_chain_set_state(c, yc), "set");
        ex_check(aedyn_chain_step(c, 1), "step");
        ex_check(aedyn_chain_get_state(c, yy), "get");
        pack(yy, y1);
        for (size_t i = 0; i < P; i++) {
            H[r * P + i] = (double)D * (y1[i] - y0[i]);
            m[i] += H[r * P + i] / (double)N;
        }
    }
    for (size_t r = 0; r < N; r++)
        for (size_t i = 0; i < P; i++)
            for (size_t j = i; j < P; j++) {
                const double v = (H[r * P + i] - m[i]) * (H[r * P + j] - m[j]);
                s2[i * P + j] += v / (double)N;
                s4[i * P + j] += v * v / (double)N;
            }
    double zmax = 0.0, relmax = 0.0, reldiag = 0.0;
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++) {
            const double c2 = s2[i * P + j];
            const double se = sqrt(fmax(s4[i * P + j] - c2 * c2, 0.0) / (double)N);
            const double scale = sqrt(fabs(B[i * P + i] * B[j * P + j]));
            zmax = fmax(zmax, se > 0.0 ? fabs(c2 - B[i * P + j]) / se : 0.0);
            relmax = fmax(relmax, scale > 0.0 ? fabs(c2 - B[i * P + j]) / scale : 0.0);
            if (i == j)
                reldiag = fmax(reldiag, fabs(c2 / B[i * P + i] - 1.0));
        }
    printf("[noise] %-6s B against %zu single steps (D = %zu, t = 3): largest deviation "
           "%.2f %% of sqrt(B_ii B_jj) (diagonal: %.2f %%), largest |z| %.2f%s\n",
           act_name(act), N, D, 100 * relmax, 100 * reldiag, zmax,
           checked ? "" : " (not checked)");
    free(H);
    aedyn_chain_destroy(c);
    aedyn_band_destroy(b);
    drop(&s);
    if (checked && zmax > 4.5) {
        printf("  FAILED: B differs from the steps' covariance\n");
        return 1;
    }
    return 0;
}

/* ---- band: predicted std and shift against replicas ---- */

/* The phase of time t for an activation (windows of the headline set-up). */
static int phase_of(aedyn_net_activation act, double t)
{
    static const double lin[4] = { 4.5, 9.0, 17.0, 25.0 }, erf_[4] = { 6.0, 12.0, 25.0, 60.0 };
    const double *w = act == AEDYN_NET_ACT_LINEAR ? lin : erf_;
    if (t < 1.0)
        return -1;
    if (t <= w[0])
        return 0;
    if (t <= w[1])
        return 1;
    if (t <= w[2])
        return 2;
    return t >= w[3] ? 3 : -1;
}

static const char *phase_name[4] = { "first escape", "first plateau", "second escape",
                                     "converged" };

static int band_case(aedyn_net_activation act, size_t D, size_t R, bool reduced, double tmax,
                     FILE *csv)
{
    setup_t s = make(D, act, 1);
    aedyn_band *b;
    aedyn_replicas *rep;
    ex_check(aedyn_band_create(&b, s.sgd), "band");
    ex_check(reduced ? aedyn_replicas_create_reduced(&rep, s.sgd, R, s.rng)
                     : aedyn_replicas_create(&rep, s.sgd, R, s.rng), "replicas");
    double sum1[4] = { 0 }, sum2[4] = { 0 }, sumse[4] = { 0 }, sumsh[4] = { 0 }, sumz[4] = { 0 };
    int cnt[4] = { 0 }, fails = 0;
    double *v = ex_alloc(R * NV, sizeof *v), shconv = NAN, mconv = NAN, seconv = NAN;
    for (int i = 0; i < NT; i++) {
        const double t = pow(tmax, (double)i / (double)(NT - 1));
        const uint64_t target = (uint64_t)llround(t * (double)D);
        ex_check(aedyn_replicas_step(rep, target - aedyn_replicas_get_n_steps(rep)), "step");
        ex_check(aedyn_band_advance(b, (double)target / (double)D), "band");
        ex_check(aedyn_replicas_get_values(rep, v), "values");
        double m = 0.0, s2 = 0.0, s4 = 0.0, e, sh, sd1, sd2;
        for (size_t r = 0; r < R; r++)
            m += v[r * NV] / (double)R;
        for (size_t r = 0; r < R; r++) {
            const double d = v[r * NV] - m;
            s2 += d * d;
            s4 += d * d * d * d;
        }
        const double var = s2 / (double)(R - 1), kurt = (s4 / (double)R) /
                                                        ((s2 / (double)R) * (s2 / (double)R));
        const double sd = sqrt(var), se_ratio = sqrt((kurt - 1.0) / (4.0 * (double)R));
        ex_check(aedyn_band_error(b, &e, &sh, &sd1, &sd2), "error");
        const double se_mean = sd / sqrt((double)R);
        const int ph = phase_of(act, t);
        const double row[14] = { (double)act, (double)D, reduced ? 1.0 : 0.0, (double)R, t,
                                 (double)ph, m, sd, se_mean, e, sh, sd1, sd2, se_ratio };
        ex_csv_row(csv, 14, row);
        if (ph >= 0) {
            sum1[ph] += sd1 / sd;
            sum2[ph] += sd2 / sd;
            sumse[ph] += se_ratio;
            sumsh[ph] += (m - e) / (sh != 0.0 ? sh : 1.0);
            sumz[ph] += fabs(m - e - sh) / se_mean;
            cnt[ph]++;
        }
        if (ph == 3) {
            shconv = sh;
            mconv = m - e;
            seconv = se_mean;
        }
    }
    printf("%-6s D = %5zu %s R = %4zu |", act_name(act), D, reduced ? "chains" : "SGD   ", R);
    for (int p = 0; p < 4; p++) {
        if (!cnt[p]) {
            printf(" %21s |", "-");
            continue;
        }
        const double r1 = sum1[p] / cnt[p], r2 = sum2[p] / cnt[p], se = sumse[p] / cnt[p];
        printf(" %5.3f %5.3f +- %5.3f |", r1, r2, se);
        if (p < 3 && fabs(r2 - 1.0) > 0.1 + 3.0 * se) {
            fails++;
        }
    }
    printf(" shift at convergence: measured %+.2e +- %.1e, predicted %+.2e\n", mconv, seconv,
           shconv);
    (void)sumsh;
    (void)sumz;
    if (fails)
        printf("  FAILED: the predicted std misses by more than 10 %% + 3 standard errors\n");
    free(v);
    aedyn_replicas_destroy(rep);
    aedyn_band_destroy(b);
    drop(&s);
    return fails;
}

/* ---- escape: the hybrid sampler on a symmetric plateau ---- */

/* The symmetric start: unit 2 takes unit 1's components on the spikes, its
 * own bulk parts. */
static void symmetric_start(setup_t *s, size_t D)
{
    double *W = ex_alloc(2 * D, sizeof *W), *V = ex_alloc(2 * D, sizeof *V);
    double *E = ex_leading_eigvecs(s->data, 2);
    ex_check(aedyn_net_get_weights(s->net, W, V, NULL), "weights");
    for (size_t i = 0; i < D; i++) {
        W[D + i] = 0.1 * aedyn_rng_normal(s->rng);
        V[D + i] = 0.1 * aedyn_rng_normal(s->rng);
    }
    for (size_t j = 0; j < 2; j++) {
        double a1 = 0, a2 = 0, b1 = 0, b2 = 0;
        for (size_t i = 0; i < D; i++) {
            a1 += W[i] * E[j * D + i];
            a2 += W[D + i] * E[j * D + i];
            b1 += V[i] * E[j * D + i];
            b2 += V[D + i] * E[j * D + i];
        }
        for (size_t i = 0; i < D; i++) {
            W[D + i] += (a1 - a2) * E[j * D + i];
            V[D + i] += (b1 - b2) * E[j * D + i];
        }
    }
    ex_check(aedyn_net_set_weights(s->net, W, V, NULL), "set weights");
    free(W);
    free(V);
    free(E);
}

/* Escape time of a band's mean ODE from its state (fluctuations off), on
 * the grid t0 + 0.1 k. */
static double ode_escape(aedyn_band *o, double t0, double level, double tmax)
{
    for (int k = 1; t0 + 0.1 * k <= tmax + 1e-9; k++) {
        double e;
        ex_check(aedyn_band_advance(o, t0 + 0.1 * k), "advance");
        ex_check(aedyn_band_error(o, &e, NULL, NULL, NULL), "error");
        if (e <= level)
            return t0 + 0.1 * k;
    }
    return INFINITY;
}

static double ks2(double *x, size_t n, double *y, size_t m)
{
    qsort(x, n, sizeof *x, cmp_double);
    qsort(y, m, sizeof *y, cmp_double);
    size_t i = 0, j = 0;
    double d = 0.0;
    while (i < n && j < m) {
        const double v = fmin(x[i], y[j]);
        while (i < n && x[i] <= v)
            i++;
        while (j < m && y[j] <= v)
            j++;
        d = fmax(d, fabs((double)i / (double)n - (double)j / (double)m));
    }
    return d;
}

/* The escape times at dimension D: R replicas (full SGD or chains), N ODEs
 * from t1; returns the KS statistic, fills quantiles and lambda_u. */
static double escape_case(size_t D, size_t R, bool reduced, size_t N, double *qr, double *qh,
                          double *t_ode, double *lambda_u, FILE *csv)
{
    const double t1 = 20.0, tmax = 200.0;
    setup_t s = make(D, AEDYN_NET_ACT_ERF, 1);
    symmetric_start(&s, D);
    double p1, p2;
    ex_check(aedyn_data_pca_error(s.data, 1, &p1), "pca");
    ex_check(aedyn_data_pca_error(s.data, 2, &p2), "pca");
    const double level = 0.5 * (p1 + p2);
    aedyn_replicas *rep;
    ex_check(reduced ? aedyn_replicas_create_reduced(&rep, s.sgd, R, s.rng)
                     : aedyn_replicas_create(&rep, s.sgd, R, s.rng), "replicas");
    ex_check(aedyn_replicas_set_escape(rep, level, 0.1), "escape");
    double *tr = ex_alloc(R, sizeof *tr), *th = ex_alloc(N, sizeof *th), y[64];
    for (double t = 10.0; t <= tmax; t += 10.0) {
        double frac;
        ex_check(aedyn_replicas_step(rep, (uint64_t)llround(t * (double)D) -
                                              aedyn_replicas_get_n_steps(rep)), "step");
        ex_check(aedyn_replicas_escape_stats(rep, 0, NULL, &frac, NULL), "stats");
        if (frac == 1.0)
            break;
    }
    ex_check(aedyn_replicas_get_escape_times(rep, tr), "times");
    aedyn_band *b, *o;
    ex_check(aedyn_band_create(&b, s.sgd), "band");
    ex_check(aedyn_band_create(&o, s.sgd), "band");
    ex_check(aedyn_band_set_fluctuations(o, false), "fluct");
    ex_check(aedyn_band_advance(b, t1), "band");
    /* the unstable eigenvalue: power iteration on J + 5 I */
    const size_t P = aedyn_band_get_n_state(b);
    double *J = ex_alloc(P * P, sizeof *J), v[64], w[64], lam = 0.0;
    ex_check(aedyn_band_jacobian(b, J), "jacobian");
    for (size_t i = 0; i < P; i++)
        v[i] = 1.0 / (double)(i + 1);
    for (int it = 0; it < 5000; it++) {
        double nrm = 0.0;
        for (size_t i = 0; i < P; i++) {
            w[i] = 5.0 * v[i];
            for (size_t j = 0; j < P; j++)
                w[i] += J[i * P + j] * v[j];
            nrm += w[i] * w[i];
        }
        nrm = sqrt(nrm);
        lam = nrm - 5.0;
        for (size_t i = 0; i < P; i++)
            v[i] = w[i] / nrm;
    }
    *lambda_u = lam;
    for (size_t n = 0; n < N; n++) {
        ex_check(aedyn_band_sample(b, s.rng, y), "sample");
        ex_check(aedyn_band_set_mean(o, t1, y), "set mean");
        th[n] = ode_escape(o, t1, level, tmax);
    }
    aedyn_band_destroy(o);
    ex_check(aedyn_band_create(&o, s.sgd), "band");
    ex_check(aedyn_band_set_fluctuations(o, false), "fluct");
    *t_ode = ode_escape(o, 0.0, level, tmax);
    const double ks = ks2(tr, R, th, N); /* sorts both */
    const double q[3] = { 0.1, 0.5, 0.9 };
    for (int i = 0; i < 3; i++) {
        qr[i] = tr[(size_t)floor(q[i] * (double)(R - 1) + 0.5)];
        qh[i] = th[(size_t)floor(q[i] * (double)(N - 1) + 0.5)];
    }
    const double row[12] = { (double)D, reduced ? 1.0 : 0.0, (double)R, (double)N, qr[0], qr[1],
                             qr[2], qh[0], qh[1], qh[2], *t_ode, lam };
    ex_csv_row(csv, 12, row);
    free(J);
    free(tr);
    free(th);
    aedyn_band_destroy(b);
    aedyn_band_destroy(o);
    aedyn_replicas_destroy(rep);
    drop(&s);
    return ks;
}

int main(int argc, char **argv)
{
    const char *out = "ex10-band", *part = "all";
    size_t R = 300, N_noise = 1000000, N_ode = 500;
    bool quick = false, no_plot = false, sgd4000 = false;
    const ex_opt opts[] = {
        {"out", EX_OPT_STRING, &out, "output prefix (PREFIX-band.csv, PREFIX-escape.csv, .svg)"},
        {"sgd-4000", EX_OPT_FLAG, &sgd4000, "band part: also R * 2/3 full-SGD replicas at "
                                             "D = 4000 (hours)"},
        {"quick", EX_OPT_FLAG, &quick, "small fast run for the tests"},
        {"part", EX_OPT_STRING, &part, "noise, band, escape or all (default all)"},
        {"R", EX_OPT_SIZE, &R, "full-SGD replicas per case (default 300)"},
        {"noise-steps", EX_OPT_SIZE, &N_noise, "single steps against B (default 10^6)"},
        {"odes", EX_OPT_SIZE, &N_ode, "ODEs of the hybrid sampler (default 500)"},
        {"no-plot", EX_OPT_FLAG, &no_plot, "do not run gnuplot"},
    };
    ex_parse(argc, argv, "The linear-noise theory of the band against replicas.", opts,
             sizeof opts / sizeof opts[0], NULL, NULL);
    const bool all = strcmp(part, "all") == 0;
    if (!all && strcmp(part, "noise") && strcmp(part, "band") && strcmp(part, "escape")) {
        fprintf(stderr, "--part must be noise, band, escape or all\n");
        return 2;
    }
    if (quick) {
        R = 60;
        N_noise = 20000;
        N_ode = 60;
    }
    if (R < 10 || N_ode < 10 || N_noise < 100) {
        fprintf(stderr, "invalid parameters (R >= 10, odes >= 10, noise-steps >= 100)\n");
        return 2;
    }
    int fails = 0;
    if (all || strcmp(part, "noise") == 0) {
        putchar('\n');
        fails += part_noise(N_noise, AEDYN_NET_ACT_LINEAR, true);
        fails += part_noise(N_noise, AEDYN_NET_ACT_ERF, true);
        /* ReLU: the default 32 nodes per field converge only as 1/n at the kink */
        fails += part_noise(N_noise, AEDYN_NET_ACT_RELU, false);
    }
    char prefix[1024];
    if (all || strcmp(part, "band") == 0) {
        snprintf(prefix, sizeof prefix, "%s-band", out);
        FILE *csv = ex_csv_open(prefix, ".csv", "act,D,reduced,R,t,phase,rep_mean,rep_std,"
                                "rep_se_mean,ode_error,shift,std1,std,se_std_ratio");
        printf("\n[band] predicted / replica std of the error, phase averages: first order, "
               "with the Hessian term +- standard error\n%34s |", "");
        for (int p = 0; p < 4; p++)
            printf(" %21s |", phase_name[p]);
        putchar('\n');
        const aedyn_net_activation acts[2] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_ERF };
        for (int a = 0; a < 2; a++) {
            const double tmax = acts[a] == AEDYN_NET_ACT_LINEAR ? 40.0 : 80.0;
            if (quick) {
                fails += band_case(acts[a], 250, R, false, 12.0, csv);
                continue;
            }
            fails += band_case(acts[a], 250, R, false, tmax, csv);
            fails += band_case(acts[a], 1000, R, false, tmax, csv);
            if (sgd4000) /* hours on 2 cores: the cost of full SGD grows as R D^2 */
                fails += band_case(acts[a], 4000, R * 2 / 3, false, tmax, csv);
            fails += band_case(acts[a], 1000, 1000, true, tmax, csv);
            fails += band_case(acts[a], 4000, 1000, true, tmax, csv);
            fails += band_case(acts[a], 8000, 1000, true, tmax, csv);
        }
        ex_csv_close(csv);
        FILE *gp = ex_plot_begin(prefix, !no_plot, 800, 500);
        if (gp) {
            fprintf(gp, "set logscale x\nset xlabel 't = steps / D'\nset ylabel 'predicted / "
                        "replica std of the error'\nset yrange [0:1.5]\nset key bottom left\n"
                        "set title 'linear-noise theory against replicas (K = 2, headline "
                        "set-up)'\n");
            fprintf(gp, "plot csv skip 1 u ($1 == 0 && $3 == 0 ? $5 : 1/0):($13/$8) w lp "
                        "t 'linear, SGD', '' skip 1 u ($1 == 1 && $3 == 0 ? $5 : 1/0):($13/$8) "
                        "w lp t 'erf, SGD', '' skip 1 u ($1 == 0 && $3 == 1 ? $5 : 1/0):($13/$8) "
                        "w lp t 'linear, chains', '' skip 1 u ($1 == 1 && $3 == 1 ? $5 : 1/0):"
                        "($13/$8) w lp t 'erf, chains', 1 w l dt 2 lc rgb 'gray' t ''\n");
            ex_plot_end(gp, prefix);
        }
    }
    if (all || strcmp(part, "escape") == 0) {
        snprintf(prefix, sizeof prefix, "%s-escape", out);
        FILE *csv = ex_csv_open(prefix, ".csv", "D,reduced,R,N,rep_q10,rep_q50,rep_q90,hyb_q10,"
                                "hyb_q50,hyb_q90,t_ode,lambda_u");
        printf("\n[escape] symmetric plateau (erf, units sharing their spike components): "
               "escape-time quantiles 10/50/90 %%\n");
        const size_t Ds[4] = { 1000, 1000, 4000, 16000 };
        const bool red[4] = { false, true, true, true };
        const size_t nd = quick ? 1 : 4;
        double med[4], lam = 0.0;
        for (size_t i = 0; i < nd; i++) {
            double qr[3], qh[3], t_ode;
            const size_t D = quick ? 250 : Ds[i], Rr = quick ? R : red[i] ? 300 : R;
            const double ks = escape_case(D, Rr, red[i] && !quick, N_ode, qr, qh, &t_ode, &lam,
                                          csv);
            const double crit = 1.95 * sqrt((double)(Rr + N_ode) / ((double)Rr * (double)N_ode));
            med[i] = qr[1];
            printf("D = %5zu, %4zu %s: %.1f/%.1f/%.1f; hybrid (%zu ODEs from t = 20): "
                   "%.1f/%.1f/%.1f (KS %.3f, crit %.3f); ODE from the common weights %.1f; "
                   "lambda_u %.3f\n", D, Rr, red[i] && !quick ? "chains    " : "SGD runs  ", qr[0],
                   qr[1], qr[2], N_ode, qh[0], qh[1], qh[2], ks, crit, t_ode, lam);
            if (ks > crit) {
                printf("  FAILED: the hybrid's escape times differ from the replicas'\n");
                fails++;
            }
        }
        if (nd == 4)
            printf("median shift per factor 4 of D: %.1f, %.1f (ln(4) / (2 lambda_u) = %.1f)\n",
                   med[2] - med[1], med[3] - med[2], log(4.0) / (2.0 * lam));
        ex_csv_close(csv);
    }
    printf("\n%s\n", fails ? "FAILED" : "ok: the theory of the band agrees with the replicas");
    return fails ? 1 : 0;
}
