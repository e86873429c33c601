/* Example 7 (issue 16, docs/results.md section 7): learning-rate and noise
 * schedules, SGD against the non-autonomous ODE.
 *
 * An erf denoising autoencoder (K = 2) on the standardised spiked model
 * (M = 3 spikes, Lambda = 3, 5, 9) at a noise level sigma_n = S where the
 * spikes themselves are noisy: S = 12.8 sqrt(D/1000), so that S^2/D = 0.16
 * and the Wiener gains of the spikes, rho/(rho + S^2), are 0.81, 0.57 and
 * 0.32. Four runs from the same initial weights, each SGD next to its ODE:
 *
 *   constant     eta = 1, sigma_n = S;
 *   power law    eta(t) = (1 + t/50)^(-1/2) on every rate, sigma_n = S;
 *   easy first   the power-law rate, and a noise curriculum that starts
 *                low: sigma_n = S/4 until t = 50, S/2 until 150, then S
 *                (piecewise: two breakpoints);
 *   hard first   the power-law rate, and sigma_n from 2S down to S by a
 *                cosine over t <= 150 (one breakpoint, at its end).
 *
 * Why a decay can win here, and what the ODE says about it: the limit flow
 * has no eta^2 terms (docs/theory.md section 1), so in the ODE a decaying
 * rate only slows the clock (the run at t is the constant-rate run at
 * tau(t) = int_0^t eta(s) ds, an identity of the library's tests) and ends
 * above the constant rate. At finite D the neglected second-order terms of
 * the decoder grow with eta^2 (a^2 Tr Omega/D + sigma_n^2)/D per unit time,
 * which at sigma_n^2/D = 0.16 is not small: with a constant rate SGD settles
 * above its ODE. The decay removes that excess, and SGD with the decay ends
 * below SGD with the constant rate.
 *
 * Output: PREFIX.csv (per logged time and run: eta, sigma_n, SGD and ODE
 * errors at the current sigma_n and at the target S), PREFIX.svg (gnuplot).
 * Also measured: the cost of the non-autonomous ODE against the same
 * trajectory integrated without a schedule (the constant-rate ODE to
 * tau(t_end); the piecewise noise at a constant rate as constant pieces
 * between advances).
 *
 * Checked (exit 1 if not):
 *  - SGD follows the ODE across the breakpoints of the noise schedules:
 *    within --tol (3 %) at each breakpoint and one unit of time before and
 *    after it (measured <= 2.5 % over seeds 1-3; a single run's plateau
 *    escape at D = 1000 can be 10 % off, which is why the other times are
 *    printed, not checked, and why the quick version keeps D = 1000);
 *  - constant rate: at t_end SGD is above its ODE by more than 3 %, and the
 *    excess of every run with the decaying rate is below half of that (in
 *    the quick version the SGD of the two curricula stops at t = 151, after
 *    their breakpoints, and only the power law is checked here);
 *  - at t_end SGD with the power law is below SGD with the constant rate,
 *    while its ODE is above the constant-rate ODE;
 *  - the noise curricula in the ODE (error at the target S): easy first
 *    reaches 1.05 times the constant run's final error before constant
 *    noise does, hard first after it, at rate 1 and under the power law
 *    (where the slower two may not get there by t_end);
 *  - the ODE ends a step on every breakpoint (2 for easy first, 1 for hard
 *    first, 0 for the power law), and with a schedule it integrates the
 *    same trajectory as without one, within 1e-6 relative. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ex-util.h"

enum { K_ = 2, M_ = 3, MAXT = 256 };
enum { CONSTANT, POWER, EASY, HARD, N_RUN };
static const char *const run_name[N_RUN] = {"constant", "power law", "easy first", "hard first"};
static const char *const run_key[N_RUN] = {"const", "power", "easy", "hard"};

#define TAU_ 50.0   /* power law: eta(t) = (1 + t/TAU_)^-BETA_ */
#define BETA_ 0.5
#define T1_ 50.0    /* easy first: S/4 until T1_, S/2 until T2_, then S */
#define T2_ 150.0
#define TC_ 150.0   /* hard first: cosine from 2S to S over t <= TC_ */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The learning-rate and noise schedules of a run (NULL: constant). */
static void schedules(int run, double S, aedyn_schedule **lr, aedyn_schedule **noise)
{
    *lr = *noise = NULL;
    if (run != CONSTANT)
        ex_check(aedyn_schedule_create_power(lr, 1.0, TAU_, BETA_), "power-law schedule");
    if (run == EASY) {
        const double t[3] = {0.0, T1_, T2_}, v[3] = {S / 4, S / 2, S};
        ex_check(aedyn_schedule_create_piecewise(noise, 3, t, v), "piecewise schedule");
    }
    if (run == HARD)
        ex_check(aedyn_schedule_create_cosine(noise, 2 * S, S, TC_), "cosine schedule");
}

typedef struct {
    double eta[MAXT], sigma[MAXT];
    double e_sgd[MAXT], e_ode[MAXT];     /* at sigma_n(t) */
    double e_sgd_S[MAXT], e_ode_S[MAXT]; /* at the target S */
    double worst, t_worst;               /* max |SGD - ODE| / ODE over t >= 1 */
    size_t n_sgd;                        /* logged times with an SGD value (the first n_sgd) */
    uint64_t rhs, steps, breaks;
    double ode_seconds;
} trace;

/* The error at noise level sn of the weights of the ODE (through a scratch
 * network). */
static double ode_error_at(const aedyn_ode *ode, aedyn_net *scratch, double *W, double *V,
                           const aedyn_data *data, double sn)
{
    double e;
    ex_check(aedyn_ode_get_weights(ode, W, V), "ode weights");
    ex_check(aedyn_net_set_weights(scratch, W, V, NULL), "scratch weights");
    ex_check(aedyn_net_error_denoising(scratch, data, 1.0, sn, &e), "error at S");
    return e;
}

/* SGD and the ODE at the logged times; SGD stops after t_sgd (its values
 * are NaN after that), the ODE goes on to the last time. */
static void run_one(aedyn_data *data, int run, double S, const double *times, size_t nt,
                    double t_sgd, uint64_t seed, trace *tr)
{
    const size_t D = aedyn_data_get_dim(data);
    aedyn_rng *rng_init, *rng;
    aedyn_net *net, *scratch;
    aedyn_sgd *sgd;
    aedyn_ode *ode;
    ex_check(aedyn_rng_create(&rng_init, seed, 1), "rng"); /* the same weights for every run */
    ex_check(aedyn_rng_create(&rng, seed, 10 + (uint64_t)run), "rng");
    ex_check(aedyn_net_create(&net, D, K_, AEDYN_NET_ACT_ERF, 0), "network");
    ex_check(aedyn_net_create(&scratch, D, K_, AEDYN_NET_ACT_ERF, 0), "network");
    ex_check(aedyn_net_init_gaussian(net, rng_init, 0.1), "init");
    ex_check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 1.0), "sgd");
    ex_check(aedyn_sgd_set_denoising(sgd, 1.0, S), "denoising");
    aedyn_schedule *lr, *noise;
    schedules(run, S, &lr, &noise);
    if (lr) {
        ex_check(aedyn_sgd_set_schedule(sgd, AEDYN_SCHEDULE_ENCODER_RATE, lr), "schedule");
        ex_check(aedyn_sgd_set_schedule(sgd, AEDYN_SCHEDULE_DECODER_RATE, lr), "schedule");
    }
    if (noise)
        ex_check(aedyn_sgd_set_schedule(sgd, AEDYN_SCHEDULE_NOISE, noise), "schedule");
    ex_check(aedyn_ode_create_from_sgd(&ode, sgd), "ode"); /* copies the schedules */
    ex_check(aedyn_ode_set_tolerances(ode, 1e-8, 1e-10), "ode tolerances");
    double *W = ex_alloc(K_ * D, sizeof *W), *V = ex_alloc(K_ * D, sizeof *V);
    tr->worst = tr->t_worst = 0.0;
    tr->ode_seconds = 0.0;
    tr->n_sgd = 0;
    for (size_t n = 0; n < nt; n++) {
        const bool with_sgd = times[n] <= t_sgd;
        if (with_sgd) {
            const uint64_t target = (uint64_t)llround(times[n] * (double)D);
            ex_check(aedyn_sgd_step(sgd, target - aedyn_sgd_get_n_steps(sgd)), "sgd step");
            tr->n_sgd = n + 1;
        }
        const double t = times[n], t0 = now();
        ex_check(aedyn_ode_advance(ode, t), "ode advance");
        tr->ode_seconds += now() - t0;
        tr->eta[n] = 1.0;
        tr->sigma[n] = S;
        if (lr)
            ex_check(aedyn_schedule_value(lr, t, &tr->eta[n]), "eta(t)");
        if (noise)
            ex_check(aedyn_schedule_value(noise, t, &tr->sigma[n]), "sigma_n(t)");
        ex_check(aedyn_ode_error(ode, &tr->e_ode[n]), "ode error");
        tr->e_ode_S[n] = ode_error_at(ode, scratch, W, V, data, S);
        if (!with_sgd) {
            tr->e_sgd[n] = tr->e_sgd_S[n] = NAN;
            continue;
        }
        ex_check(aedyn_net_error_denoising(net, data, 1.0, tr->sigma[n], &tr->e_sgd[n]), "error");
        ex_check(aedyn_net_error_denoising(net, data, 1.0, S, &tr->e_sgd_S[n]), "error at S");
        const double d = ex_reldev(tr->e_sgd[n], tr->e_ode[n]);
        if (t >= 1.0 && d > tr->worst) {
            tr->worst = d;
            tr->t_worst = t;
        }
    }
    ex_check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_RHS, &tr->rhs), "stat");
    ex_check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_STEPS, &tr->steps), "stat");
    ex_check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_BREAKPOINTS, &tr->breaks), "stat");
    free(W);
    free(V);
    aedyn_schedule_destroy(lr);
    aedyn_schedule_destroy(noise);
    aedyn_ode_destroy(ode);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_net_destroy(scratch);
    aedyn_rng_destroy(rng);
    aedyn_rng_destroy(rng_init);
}

/* The cost of a schedule: the same trajectory integrated with the schedule
 * and without one, from the same weights, to t_end. The power-law rate: the
 * constant-rate ODE to tau(t_end) = int_0^t_end eta. The piecewise noise of
 * easy first (at a constant rate): constant noise levels set between
 * advances to the breakpoints. Records the larger relative difference of
 * the errors and weights at the end. */
typedef struct {
    uint64_t rhs[2], steps[2];
    double seconds[2], dev;
} cost;

static aedyn_ode *fresh_ode(aedyn_data *data, double S, uint64_t seed, aedyn_net **net)
{
    const size_t D = aedyn_data_get_dim(data);
    aedyn_rng *rng_init;
    aedyn_ode *ode;
    ex_check(aedyn_rng_create(&rng_init, seed, 1), "rng");
    ex_check(aedyn_net_create(net, D, K_, AEDYN_NET_ACT_ERF, 0), "network");
    ex_check(aedyn_net_init_gaussian(*net, rng_init, 0.1), "init");
    ex_check(aedyn_ode_create(&ode, *net, data, AEDYN_SGD_VANILLA, 1.0), "ode");
    ex_check(aedyn_ode_set_denoising(ode, 1.0, S), "denoising");
    ex_check(aedyn_ode_set_tolerances(ode, 1e-8, 1e-10), "ode tolerances");
    aedyn_rng_destroy(rng_init);
    return ode;
}

static void measure_cost(aedyn_data *data, bool rate, double S, double t_end, uint64_t seed,
                         cost *c)
{
    const size_t D = aedyn_data_get_dim(data);
    c->seconds[0] = c->seconds[1] = INFINITY;
    for (int rep = 0; rep < 5; rep++) { /* wall times: the best of 5 (a shared machine) */
        aedyn_ode *o[2];
        aedyn_net *nets[2];
        for (int k = 0; k < 2; k++)
            o[k] = fresh_ode(data, S, seed, &nets[k]);
        aedyn_schedule *lr, *noise;
        schedules(rate ? POWER : EASY, S, &lr, &noise);
        if (!rate) { /* the noise schedule alone */
            aedyn_schedule_destroy(lr);
            lr = NULL;
        }
        if (lr) {
            ex_check(aedyn_ode_set_schedule(o[0], AEDYN_SCHEDULE_ENCODER_RATE, lr), "schedule");
            ex_check(aedyn_ode_set_schedule(o[0], AEDYN_SCHEDULE_DECODER_RATE, lr), "schedule");
        }
        if (noise)
            ex_check(aedyn_ode_set_schedule(o[0], AEDYN_SCHEDULE_NOISE, noise), "schedule");
        double t0 = now();
        ex_check(aedyn_ode_advance(o[0], t_end), "ode advance");
        c->seconds[0] = fmin(c->seconds[0], now() - t0);
        t0 = now();
        if (rate) {
            const double tau = 2.0 * TAU_ * (sqrt(1.0 + t_end / TAU_) - 1.0); /* BETA_ = 1/2 */
            ex_check(aedyn_ode_advance(o[1], tau), "ode advance");
        } else { /* the pieces by hand */
            ex_check(aedyn_ode_set_denoising(o[1], 1.0, S / 4), "denoising");
            ex_check(aedyn_ode_advance(o[1], T1_), "ode advance");
            ex_check(aedyn_ode_set_denoising(o[1], 1.0, S / 2), "denoising");
            ex_check(aedyn_ode_advance(o[1], T2_), "ode advance");
            ex_check(aedyn_ode_set_denoising(o[1], 1.0, S), "denoising");
            ex_check(aedyn_ode_advance(o[1], t_end), "ode advance");
        }
        c->seconds[1] = fmin(c->seconds[1], now() - t0);
        double e[2], *W[2], *V[2];
        for (int k = 0; k < 2; k++) {
            ex_check(aedyn_ode_get_stat(o[k], AEDYN_ODE_STAT_RHS, &c->rhs[k]), "stat");
            ex_check(aedyn_ode_get_stat(o[k], AEDYN_ODE_STAT_STEPS, &c->steps[k]), "stat");
            ex_check(aedyn_ode_error(o[k], &e[k]), "ode error");
            W[k] = ex_alloc(K_ * D, sizeof(double));
            V[k] = ex_alloc(K_ * D, sizeof(double));
            ex_check(aedyn_ode_get_weights(o[k], W[k], V[k]), "ode weights");
        }
        double dw = 0.0, nw = 0.0;
        for (size_t j = 0; j < K_ * D; j++) {
            dw += (W[0][j] - W[1][j]) * (W[0][j] - W[1][j]) +
                  (V[0][j] - V[1][j]) * (V[0][j] - V[1][j]);
            nw += W[1][j] * W[1][j] + V[1][j] * V[1][j];
        }
        c->dev = fmax(ex_reldev(e[0], e[1]), sqrt(dw / nw));
        for (int k = 0; k < 2; k++) {
            free(W[k]);
            free(V[k]);
            aedyn_ode_destroy(o[k]);
            aedyn_net_destroy(nets[k]);
        }
        aedyn_schedule_destroy(lr);
        aedyn_schedule_destroy(noise);
    }
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The ODE of the noise schedule of run `run` (constant S for CONSTANT and
 * POWER) at a constant rate 1 (rate false) or at the power-law rate, alone,
 * advanced from t_from in steps of dt up to t_end: the first time at which
 * its error at the target S is <= level (INFINITY: never). */
static double ode_reach(aedyn_data *data, int run, bool rate, double S, uint64_t seed,
                        double t_from, double dt, double t_end, double level)
{
    const size_t D = aedyn_data_get_dim(data);
    aedyn_net *net, *scratch;
    aedyn_ode *ode = fresh_ode(data, S, seed, &net);
    ex_check(aedyn_net_create(&scratch, D, K_, AEDYN_NET_ACT_ERF, 0), "network");
    aedyn_schedule *lr, *noise;
    schedules(run, S, &lr, &noise);
    if (lr && rate) {
        ex_check(aedyn_ode_set_schedule(ode, AEDYN_SCHEDULE_ENCODER_RATE, lr), "schedule");
        ex_check(aedyn_ode_set_schedule(ode, AEDYN_SCHEDULE_DECODER_RATE, lr), "schedule");
    }
    if (noise)
        ex_check(aedyn_ode_set_schedule(ode, AEDYN_SCHEDULE_NOISE, noise), "schedule");
    double *W = ex_alloc(K_ * D, sizeof *W), *V = ex_alloc(K_ * D, sizeof *V), found = INFINITY;
    for (double t = t_from; t <= t_end && isinf(found); t += dt) {
        ex_check(aedyn_ode_advance(ode, t), "ode advance");
        if (ode_error_at(ode, scratch, W, V, data, S) <= level)
            found = t;
    }
    free(W);
    free(V);
    aedyn_schedule_destroy(lr);
    aedyn_schedule_destroy(noise);
    aedyn_ode_destroy(ode);
    aedyn_net_destroy(net);
    aedyn_net_destroy(scratch);
    return found;
}

int main(int argc, char **argv)
{
    size_t D = 1000, per_decade = 10;
    double tmax = 2000.0, tol = 0.03, S = 0.0, t_curricula = INFINITY;
    uint64_t seed = 1;
    const char *out = "ex7-schedules";
    bool quick = false, no_plot = false;
    const ex_opt opts[] = {
        {"out", EX_OPT_STRING, &out, "output prefix (PREFIX.csv, PREFIX.gp, PREFIX.svg)"},
        {"quick", EX_OPT_FLAG, &quick, "shorter run (t <= 1000) for the tests"},
        {"D", EX_OPT_SIZE, &D, "input dimension (default 1000)"},
        {"tmax", EX_OPT_DOUBLE, &tmax, "last time t = steps/D (default 2000)"},
        {"sigma", EX_OPT_DOUBLE, &S, "target noise level S (default 12.8 sqrt(D/1000))"},
        {"seed", EX_OPT_U64, &seed, "random seed (default 1)"},
        {"tol", EX_OPT_DOUBLE, &tol, "allowed |SGD - ODE| / ODE at the breakpoints (default 0.03)"},
        {"no-plot", EX_OPT_FLAG, &no_plot, "do not run gnuplot"},
    };
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0) {
            /* D = 1000 still: at D = 500 single runs' plateau escapes move
             * them 7-14 % off the ODE in this regime (measured, seeds 1-2) */
            tmax = 1000.0;
            per_decade = 8;
            /* SGD of the two noise curricula only to t = T2_ + 1, the last
             * time claim 1 checks: nearly all of the example's time is SGD
             * (sampling the inputs and the noise), and this halves it. Their
             * excess at t_end (claim 2) is then checked by the full run
             * only: at t ~ 300 they are still escaping plateaus (measured
             * 4.1 % off for hard first, seed 3), which says nothing about
             * the excess that the decay removes. */
            t_curricula = T2_ + 1.0;
        }
    ex_parse(argc, argv, "Learning-rate and noise schedules: SGD against the non-autonomous ODE.",
             opts, sizeof opts / sizeof opts[0], NULL, NULL);
    if (!(S > 0.0))
        S = 12.8 * sqrt((double)D / 1000.0);
    if (D < 16 || !(tmax >= 4.0 * T2_) || !(tol > 0) || !isfinite(S)) {
        fprintf(stderr, "invalid parameters (need D >= 16, tmax >= %g, tol > 0, sigma > 0)\n",
                4.0 * T2_);
        return 2;
    }
    /* logged times: log-spaced from 1 to tmax, the breakpoints and just
     * after each (one unit of time), on whole steps */
    double times[MAXT];
    size_t nt = 0;
    const size_t n_log = (size_t)(per_decade * log10(tmax)) + 1;
    if (n_log + 7 > MAXT) {
        fprintf(stderr, "too many logged times (%zu)\n", n_log + 7);
        return 2;
    }
    times[nt++] = 0.0;
    for (size_t i = 0; i < n_log; i++)
        times[nt++] = pow(tmax, (double)i / (double)(n_log - 1));
    const double extra[6] = {T1_ - 1.0, T1_, T1_ + 1.0, T2_ - 1.0, T2_, T2_ + 1.0}; /* TC_ = T2_ */
    for (int i = 0; i < 6; i++)
        times[nt++] = extra[i];
    for (size_t i = 0; i < nt; i++) /* whole steps */
        times[i] = (double)llround(times[i] * (double)D) / (double)D;
    qsort(times, nt, sizeof *times, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < nt; i++)
        if (u == 0 || times[i] > times[u - 1])
            times[u++] = times[i];
    nt = u;

    aedyn_rng *rng_data;
    aedyn_data *data;
    const double lambda[M_] = {3.0, 5.0, 9.0};
    ex_check(aedyn_rng_create(&rng_data, seed, 0), "rng");
    ex_check(aedyn_data_create_spiked(&data, D, M_, lambda, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng_data,
                                      AEDYN_DATA_STANDARDISE), "spiked model");
    double rho[M_];
    for (size_t m = 0; m < M_; m++)
        ex_check(aedyn_data_get_group(data, m, &rho[m], NULL, NULL), "spectrum");
    printf("Schedules: erf denoising AE, K = %d, standardised spiked model (Lambda = 3, 5, 9), "
           "D = %zu, target sigma_n S = %.4g (S^2/D = %.3f), seed %llu\n", K_, D, S, S * S / (double)D,
           (unsigned long long)seed);
    printf("Wiener gains of the spikes at S:");
    for (size_t m = 0; m < M_; m++)
        printf(" %.3f", rho[m] / (rho[m] + S * S));
    printf("\nruns: constant eta = 1; power law eta = (1 + t/%g)^-%g; easy first sigma_n = S/4, "
           "S/2, S from t = 0, %g, %g; hard first sigma_n = cosine 2S -> S over t <= %g\n",
           TAU_, BETA_, T1_, T2_, TC_);
    printf("error = E[(1/2D)|x - xhat(x + sigma_n xi)|^2] against the clean x, at the current "
           "sigma_n(t) (SGD: population error of the SGD network)\n\n");

    static trace tr[N_RUN];
    const double c0 = now();
    for (int r = 0; r < N_RUN; r++)
        run_one(data, r, S, times, nt, r == EASY || r == HARD ? t_curricula : INFINITY, seed,
                &tr[r]);
    printf("(the four runs: %.1f s)\n", now() - c0);

    printf("%9s |", "t");
    for (int r = 0; r < N_RUN; r++)
        printf(" %-31s|", run_name[r]);
    printf("\n%9s |", "");
    for (int r = 0; r < N_RUN; r++)
        printf(" %6s %6s %8s %8s|", "eta", "sigma", "SGD", "ODE");
    printf("\n");
    for (size_t n = 0; n < nt; n++) {
        const bool show = n % 3 == 0 || n == nt - 1 || fabs(times[n] - T1_) < 1.01 ||
                          fabs(times[n] - T2_) < 1.01;
        if (!show)
            continue;
        printf("%9.4g |", times[n]);
        for (int r = 0; r < N_RUN; r++)
            printf(" %6.3f %6.3g %8.5f %8.5f|", tr[r].eta[n], tr[r].sigma[n], tr[r].e_sgd[n],
                   tr[r].e_ode[n]);
        printf("\n");
    }

    /* CSV */
    char header[2048];
    size_t hl = (size_t)snprintf(header, sizeof header, "t");
    for (int r = 0; r < N_RUN; r++)
        hl += (size_t)snprintf(header + hl, sizeof header - hl,
                               ",%s_eta,%s_sigma,%s_sgd,%s_ode,%s_sgd_S,%s_ode_S", run_key[r],
                               run_key[r], run_key[r], run_key[r], run_key[r], run_key[r]);
    FILE *csv = ex_csv_open(out, ".csv", header);
    for (size_t n = 0; n < nt; n++) {
        double row[1 + 6 * N_RUN];
        size_t c = 0;
        row[c++] = times[n];
        for (int r = 0; r < N_RUN; r++) {
            row[c++] = tr[r].eta[n];
            row[c++] = tr[r].sigma[n];
            row[c++] = tr[r].e_sgd[n];
            row[c++] = tr[r].e_ode[n];
            row[c++] = tr[r].e_sgd_S[n];
            row[c++] = tr[r].e_ode_S[n];
        }
        ex_csv_row(csv, c, row);
    }
    ex_csv_close(csv);

    /* ---- claims ---- */
    int fail = 0;
    const size_t end = nt - 1;
    printf("\n1. SGD vs ODE: max |SGD - ODE| / ODE over the %zu logged times t >= 1 (plateau "
           "escapes included), and at the breakpoints and one unit before and after them "
           "(allowed %.0f %%)%s:\n", nt - 1, 100 * tol,
           isfinite(t_curricula) ? "; the curricula's SGD stops there" : "");
    for (int r = 0; r < N_RUN; r++) {
        printf("   %-10s: %.2f %% at t = %g", run_name[r], 100 * tr[r].worst, tr[r].t_worst);
        for (size_t n = 0; n < nt; n++)
            if ((r == EASY && (fabs(times[n] - T1_) < 1.01 || fabs(times[n] - T2_) < 1.01)) ||
                (r == HARD && fabs(times[n] - TC_) < 1.01)) {
                const double d = ex_reldev(tr[r].e_sgd[n], tr[r].e_ode[n]);
                printf("; t = %g: %.2f %%", times[n], 100 * d);
                if (!(d <= tol)) {
                    printf(" <- FAIL");
                    fail = 1;
                }
            }
        printf("\n");
    }
    const double ex_const = tr[CONSTANT].e_sgd[end] / tr[CONSTANT].e_ode[end] - 1.0;
    printf("2. excess of SGD over its ODE at t = %g: constant rate %.2f %%;", times[end],
           100 * ex_const);
    if (!(ex_const > 0.03)) {
        printf(" <- FAIL (not above 3 %%)");
        fail = 1;
    }
    for (int r = POWER; r < N_RUN; r++) {
        if (tr[r].n_sgd != nt) { /* the quick version's curricula */
            printf(" %s: SGD stopped at t = %g (not checked);", run_name[r],
                   times[tr[r].n_sgd - 1]);
            continue;
        }
        const double ex = tr[r].e_sgd[end] / tr[r].e_ode[end] - 1.0;
        printf(" %s %.2f %%", run_name[r], 100 * ex);
        if (!(fabs(ex) < 0.5 * ex_const)) {
            printf(" <- FAIL (not below half the constant rate's)");
            fail = 1;
        }
        printf(";");
    }
    printf(" (eta(t_end) = %.3f)\n", tr[POWER].eta[end]);
    printf("3. at t = %g: SGD constant %.5f, power law %.5f; ODE constant %.5f, power law %.5f\n",
           times[end], tr[CONSTANT].e_sgd[end], tr[POWER].e_sgd[end], tr[CONSTANT].e_ode[end],
           tr[POWER].e_ode[end]);
    if (!(tr[POWER].e_sgd[end] < tr[CONSTANT].e_sgd[end] &&
          tr[POWER].e_ode[end] > tr[CONSTANT].e_ode[end])) {
        printf("FAIL: expected SGD(power law) < SGD(constant) and ODE(power law) > ODE(constant)\n");
        fail = 1;
    }
    const double level = 1.05 * tr[CONSTANT].e_ode_S[end];
    printf("4. the noise curricula in the ODE (error at the target S): the first t (to 0.5) after "
           "%g at which it is <= 1.05 x %.5f (the constant run's final value):\n", T2_,
           tr[CONSTANT].e_ode_S[end]);
    for (int rate = 0; rate < 2; rate++) {
        double reach[3];
        const int which[3] = {EASY, rate ? POWER : CONSTANT, HARD};
        printf("   %s:", rate ? "power-law rate" : "rate 1        ");
        for (int k = 0; k < 3; k++) {
            reach[k] = ode_reach(data, which[k], rate, S, seed, T2_, 0.5, times[end], level);
            printf(" %s %g;", k == 0 ? "easy first" : k == 1 ? "constant noise" : "hard first",
                   reach[k]);
        }
        /* at rate 1 all three get there (checked); under the decay hard first,
         * and at t_end = 1000 (quick) constant noise too, may not get there
         * by t_end (seed 3: constant noise's ODE is 0.1 % above the level
         * then): two runs that never get there are not ordered */
        const bool later = reach[1] < reach[2] || (rate && isinf(reach[1]) && isinf(reach[2]));
        if (!(reach[0] < reach[1] && later && (rate || isfinite(reach[2])))) {
            printf(" <- FAIL (expected easy first < constant noise < hard first)");
            fail = 1;
        }
        printf("\n");
    }
    const uint64_t want_breaks[N_RUN] = {0, 0, 2, 1};
    printf("5. ODE cost of the runs to t = %g (rhs evaluations, steps, breakpoints landed on, "
           "wall time of aedyn_ode_advance):\n", times[end]);
    for (int r = 0; r < N_RUN; r++) {
        printf("   %-10s: %7llu rhs, %6llu steps, %llu breakpoints, %.3f s\n", run_name[r],
               (unsigned long long)tr[r].rhs, (unsigned long long)tr[r].steps,
               (unsigned long long)tr[r].breaks, tr[r].ode_seconds);
        if (tr[r].breaks != want_breaks[r]) {
            printf("FAIL: %s landed on %llu breakpoints, expected %llu\n", run_name[r],
                   (unsigned long long)tr[r].breaks, (unsigned long long)want_breaks[r]);
            fail = 1;
        }
    }
    printf("   the same trajectory with and without a schedule (to t = %g; wall time the best of "
           "5):\n", times[end]);
    for (int k = 0; k < 2; k++) {
        cost c;
        measure_cost(data, k == 0, S, times[end], seed, &c);
        printf("   %-15s: with %7llu rhs %6llu steps %.4f s; without (%s) %7llu rhs %6llu "
               "steps %.4f s; they differ by %.1e\n", k == 0 ? "power-law rate" : "piecewise noise",
               (unsigned long long)c.rhs[0], (unsigned long long)c.steps[0], c.seconds[0],
               k == 0 ? "constant rate to tau(t_end)" : "constant pieces",
               (unsigned long long)c.rhs[1], (unsigned long long)c.steps[1], c.seconds[1], c.dev);
        if (!(c.dev <= 1e-6)) {
            printf("FAIL: the scheduled ODE differs from its schedule-free version\n");
            fail = 1;
        }
    }
    printf("%s\n", fail ? "RESULT: FAIL"
                        : "RESULT: OK (SGD follows the ODE under the decaying rates and across "
                          "the breakpoints; the decay wins only through finite-D noise; easy first "
                          "is fastest)");

    FILE *gp = ex_plot_begin(out, !no_plot, 900, 1000);
    if (gp) {
        static const char *col[N_RUN] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"};
        fprintf(gp, "set multiplot layout 3,1\nset logscale x\nset xrange [1:%g]\n"
                    "set xlabel 't = steps / D'\nset key outside right\n"
                    "set lmargin 10\nset rmargin 24\n", tmax);
        fprintf(gp, "set logscale y\nset ylabel 'error at sigma_n(t)'\n"
                    "set title 'erf DAE, K = 2, D = %zu, S = %.3g: ODE (lines), SGD (dots)'\n"
                    "plot ", D, S);
        for (int r = 0; r < N_RUN; r++)
            fprintf(gp, "%scsv u 1:%d w l lw 2 lc rgb '%s' t '%s', csv u 1:%d w p pt 7 ps 0.6 "
                        "lc rgb '%s' notitle",
                    r ? ", " : "", 5 + 6 * r, col[r], run_name[r], 4 + 6 * r, col[r]);
        fprintf(gp, "\nset ylabel 'error at the target S'\nset title 'the same runs measured at "
                    "the target noise level S'\nplot ");
        for (int r = 0; r < N_RUN; r++)
            fprintf(gp, "%scsv u 1:%d w l lw 2 lc rgb '%s' t '%s', csv u 1:%d w p pt 7 ps 0.6 "
                        "lc rgb '%s' notitle",
                    r ? ", " : "", 7 + 6 * r, col[r], run_name[r], 6 + 6 * r, col[r]);
        fprintf(gp, "\nunset logscale y\nset ylabel 'SGD / ODE - 1'\nset format y '%%.0f%%%%'\n"
                    "set title 'deviation of SGD from its ODE'\nplot ");
        for (int r = 0; r < N_RUN; r++)
            fprintf(gp, "%scsv u 1:(100*($%d/$%d-1)) w lp pt 7 ps 0.5 lc rgb '%s' t '%s'",
                    r ? ", " : "", 4 + 6 * r, 5 + 6 * r, col[r], run_name[r]);
        fprintf(gp, "\nunset multiplot\n");
    }
    ex_plot_end(gp, out);

    aedyn_data_destroy(data);
    aedyn_rng_destroy(rng_data);
    return fail;
}
