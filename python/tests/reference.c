/* Reference results for the Python bindings' bit-for-bit tests.
 *
 * Runs fixed-seed scenarios through the public C API only and prints every
 * result as "name count v1 v2 ..." with %.17g (which round-trips a double
 * exactly). tests/test_reference.py repeats the same calls through the Python
 * module and compares with ==. Keep the two in step.
 */
#define AEDYN_EXPERIMENTAL /* the analysis (scenario 6) and the band (scenario 7) */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <aedyn.h>

static void check(aedyn_status st, const char *what)
{
    if (st == AEDYN_OK)
        return;
    fprintf(stderr, "%s: %s: %s\n", what, aedyn_strerror(st), aedyn_error_message());
    exit(EXIT_FAILURE);
}

static void emit(const char *name, const double *x, size_t n)
{
    printf("%s %zu", name, n);
    for (size_t i = 0; i < n; i++)
        printf(" %.17g", x[i]);
    putchar('\n');
}

static void emit1(const char *name, double x)
{
    emit(name, &x, 1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(EXIT_FAILURE);
    }
    return p;
}

/* 1. The generator. */
static void scenario_rng(void)
{
    aedyn_rng *rng;
    double x[5];
    check(aedyn_rng_create(&rng, 7, 3), "rng");
    printf("rng_u64 3");
    for (int i = 0; i < 3; i++)
        printf(" %" PRIu64, aedyn_rng_u64(rng));
    putchar('\n');
    emit1("rng_uniform1", aedyn_rng_uniform(rng));
    emit1("rng_normal1", aedyn_rng_normal(rng));
    check(aedyn_rng_fill_uniform(rng, x, 5), "fill_uniform");
    emit("rng_uniform", x, 5);
    check(aedyn_rng_fill_normal(rng, x, 5), "fill_normal");
    emit("rng_normal", x, 5);
    aedyn_rng_destroy(rng);
}

/* 2. Spiked model, erf network, SGD and ODE as aedyn.run() does them. */
static void scenario_spiked(void)
{
    enum { D = 40, K = 2, M = 2, NT = 6 };
    const double times[NT] = { 0, 0.5, 1, 2, 5, 10 };
    aedyn_rng *rng; aedyn_data *data; aedyn_net *net; aedyn_sgd *sgd; aedyn_ode *ode;
    double eig[D], W[K * D], V[K * D], X[3 * D], Q[K * K], R[K * K], T[K * K], T0[K * K];
    double err;

    check(aedyn_rng_create(&rng, 1, 0), "rng");
    check(aedyn_data_create_spiked(&data, D, M, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                   AEDYN_DATA_STANDARDISE), "spiked");
    check(aedyn_data_get_eigenvalues(data, eig), "eigenvalues");
    emit("sp_eig", eig, D);
    emit1("sp_trace", aedyn_data_get_trace(data));
    for (size_t m = 1; m <= K; m++) {
        check(aedyn_data_pca_error(data, m, &err), "pca");
        emit1(m == 1 ? "sp_pca1" : "sp_pca2", err);
    }
    check(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, 0), "net");
    check(aedyn_net_init_gaussian(net, rng, 0.1), "init");
    check(aedyn_net_get_weights(net, W, V, NULL), "weights");
    emit("sp_W0", W, K * D);
    emit("sp_V0", V, K * D);
    check(aedyn_data_sample(data, rng, 3, X), "sample");
    emit("sp_X", X, 3 * D);

    check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.5), "sgd");
    check(aedyn_ode_create_from_sgd(&ode, sgd), "ode");
    for (int i = 0; i < NT; i++) {
        uint64_t target = (uint64_t)(times[i] * D + 0.5);
        if (target > aedyn_sgd_get_n_steps(sgd))
            check(aedyn_sgd_step(sgd, target - aedyn_sgd_get_n_steps(sgd)), "step");
        check(aedyn_net_error(net, data, &err), "poperr");
        emit1("sp_sgd_error", err);
        check(aedyn_net_order_params(net, data, Q, R, T, T0), "op");
        emit("sp_sgd_Q", Q, K * K); emit("sp_sgd_R", R, K * K);
        emit("sp_sgd_T", T, K * K); emit("sp_sgd_T0", T0, K * K);
        check(aedyn_ode_advance(ode, (double)target / (double)D), "advance");
        check(aedyn_ode_error(ode, &err), "ode error");
        emit1("sp_ode_error", err);
        check(aedyn_ode_order_params(ode, Q, R, T, T0), "ode op");
        emit("sp_ode_Q", Q, K * K); emit("sp_ode_R", R, K * K);
        emit("sp_ode_T", T, K * K); emit("sp_ode_T0", T0, K * K);
    }
    check(aedyn_net_get_weights(net, W, V, NULL), "weights");
    emit("sp_W_end", W, K * D);
    emit("sp_V_end", V, K * D);
    check(aedyn_ode_get_weights(ode, W, V), "ode weights");
    emit("sp_ode_W_end", W, K * D);
    emit("sp_ode_V_end", V, K * D);
    aedyn_ode_destroy(ode); aedyn_sgd_destroy(sgd); aedyn_net_destroy(net);
    aedyn_data_destroy(data); aedyn_rng_destroy(rng);
}

/* 3. Gaussian model from a covariance matrix; ReLU network with bias,
 *    truncated SGD; an ODE created from the initial network (Dormand-Prince). */
static void scenario_gaussian(void)
{
    enum { D = 12, K = 3 };
    aedyn_rng *rng; aedyn_data *data; aedyn_net *net; aedyn_sgd *sgd; aedyn_ode *ode;
    double A[D * D], omega[D * D], eig[D], W[K * D], V[K * D], b[K], err, Q[K * K];

    check(aedyn_rng_create(&rng, 2, 0), "rng");
    check(aedyn_rng_fill_normal(rng, A, D * D), "A");
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) {
            double s = 0;
            for (size_t k = 0; k < D; k++)
                s += A[i * D + k] * A[j * D + k];
            omega[i * D + j] = s / D + (i == j ? 0.1 : 0.0);
        }
    emit("ga_omega", omega, D * D);
    check(aedyn_data_create_gaussian(&data, D, omega), "gaussian");
    check(aedyn_data_get_eigenvalues(data, eig), "eigenvalues");
    emit("ga_eig", eig, D);
    check(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS), "net");
    check(aedyn_net_init_gaussian(net, rng, 0.2), "init");
    check(aedyn_ode_create(&ode, net, data, AEDYN_SGD_TRUNCATED, 0.3), "ode");
    check(aedyn_ode_set_method(ode, AEDYN_ODE_DOPRI5, 0), "method");
    check(aedyn_ode_advance(ode, 3.0), "advance");
    check(aedyn_ode_error(ode, &err), "ode error");
    emit1("ga_ode_error", err);
    check(aedyn_ode_order_params(ode, Q, NULL, NULL, NULL), "ode op");
    emit("ga_ode_Q", Q, K * K);
    check(aedyn_ode_get_biases(ode, b), "ode bias");
    emit("ga_ode_bias", b, K);
    check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_TRUNCATED, 0.3), "sgd");
    check(aedyn_sgd_set_weight_decay(sgd, 0.01), "wd");
    check(aedyn_sgd_step(sgd, 300), "step");
    check(aedyn_net_error(net, data, &err), "poperr");
    emit1("ga_sgd_error", err);
    check(aedyn_net_get_weights(net, W, V, b), "weights");
    emit("ga_W", W, K * D);
    emit("ga_V", V, K * D);
    emit("ga_bias", b, K);
    aedyn_ode_destroy(ode); aedyn_sgd_destroy(sgd); aedyn_net_destroy(net);
    aedyn_data_destroy(data); aedyn_rng_destroy(rng);
}

/* 4. An image set from an array, the paper's preprocessing, real sampler. */
static void scenario_images(void)
{
    enum { N = 30, ROWS = 4, COLS = 5, D = ROWS * COLS, K = 2 };
    aedyn_rng *rng; aedyn_images *imgs; aedyn_data *data; aedyn_net *net; aedyn_sgd *sgd;
    double *X = xmalloc(sizeof(double) * N * D), eig[D], W[K * D], V[K * D], mean, se;

    check(aedyn_rng_create(&rng, 5, 1), "rng");
    check(aedyn_rng_fill_uniform(rng, X, N * D), "X");
    check(aedyn_images_create(&imgs, N, ROWS, COLS, X), "images");
    check(aedyn_images_preprocess(imgs, AEDYN_IMAGES_PAPER, 0), "preprocess");
    check(aedyn_images_get_images(imgs, 0, N, X), "get");
    emit("im_X", X, N * D);
    check(aedyn_data_create_images(&data, imgs, AEDYN_IMAGES_SAMPLE_REAL), "data");
    check(aedyn_data_get_eigenvalues(data, eig), "eigenvalues");
    emit("im_eig", eig, D);
    check(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_LINEAR, 0), "net");
    check(aedyn_net_init_gaussian(net, rng, 0.1), "init");
    check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.2), "sgd");
    check(aedyn_sgd_step(sgd, 500), "step");
    check(aedyn_net_error_images(net, imgs, &mean, &se), "error");
    emit1("im_err_mean", mean);
    emit1("im_err_se", se);
    check(aedyn_net_get_weights(net, W, V, NULL), "weights");
    emit("im_W", W, K * D);
    emit("im_V", V, K * D);
    aedyn_sgd_destroy(sgd); aedyn_net_destroy(net); aedyn_data_destroy(data);
    aedyn_images_destroy(imgs); aedyn_rng_destroy(rng);
    free(X);
}

/* 5. Schedules; a denoising autoencoder with a trained skip weight, its
 *    rates and noise driven by schedules (SGD, and the ODE from the trainer). */
static void scenario_schedules(void)
{
    enum { D = 30, K = 2, NV = 7, NT = 5 };
    const double tv[NV] = { 0, 0.25, 0.5, 1, 2.5, 7, 100 };
    const double pt[3] = { 0, 1, 3 }, pv[3] = { 0.4, 0.2, 0.1 };
    const uint64_t steps[NT] = { 0, 15, 30, 75, 150 };
    aedyn_schedule *sc[4];
    const char *names[4] = { "sc_power", "sc_exponential", "sc_cosine", "sc_piecewise" };
    double v[NV], W[K * D], V[K * D], x;

    check(aedyn_schedule_create_power(&sc[0], 0.8, 2.0, 0.5), "power");
    check(aedyn_schedule_set_warmup(sc[0], 1.0), "warmup");
    check(aedyn_schedule_create_exponential(&sc[1], 0.3, 4.0), "exponential");
    check(aedyn_schedule_create_cosine(&sc[2], 1.0, 0.1, 5.0), "cosine");
    check(aedyn_schedule_create_piecewise(&sc[3], 3, pt, pv), "piecewise");
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < NV; j++)
            check(aedyn_schedule_value(sc[i], tv[j], &v[j]), "value");
        emit(names[i], v, NV);
    }
    check(aedyn_schedule_set_warmup(sc[3], 0.5), "warmup");
    size_t nb = 0;
    for (x = -1.0; nb < NV;) {
        check(aedyn_schedule_next_breakpoint(sc[3], x, &x), "breakpoint");
        if (isinf(x))
            break;
        v[nb++] = x;
    }
    emit("sc_piecewise_breaks", v, nb);

    aedyn_rng *rng; aedyn_data *data; aedyn_net *net; aedyn_sgd *sgd; aedyn_ode *ode;
    check(aedyn_rng_create(&rng, 3, 0), "rng");
    check(aedyn_data_create_spiked(&data, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                   AEDYN_DATA_STANDARDISE), "spiked");
    check(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, AEDYN_NET_SKIP), "net");
    check(aedyn_net_init_gaussian(net, rng, 0.2), "init");
    check(aedyn_net_set_skip(net, 0.1), "skip");
    check(aedyn_net_error_denoising(net, data, 0.9, 0.4, &x), "error_denoising");
    emit1("dn_err0", x);
    check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.5), "sgd");
    check(aedyn_sgd_set_denoising(sgd, 0.9, 0.4), "denoising");
    check(aedyn_sgd_set_skip_rate(sgd, 0.3), "skip rate");
    check(aedyn_sgd_set_schedule(sgd, AEDYN_SCHEDULE_ENCODER_RATE, sc[0]), "schedule");
    check(aedyn_sgd_set_schedule(sgd, AEDYN_SCHEDULE_DECODER_RATE, sc[0]), "schedule");
    check(aedyn_sgd_set_schedule(sgd, AEDYN_SCHEDULE_NOISE, sc[3]), "schedule");
    check(aedyn_ode_create_from_sgd(&ode, sgd), "ode");
    for (int i = 0; i < NT; i++) {
        if (steps[i] > aedyn_sgd_get_n_steps(sgd))
            check(aedyn_sgd_step(sgd, steps[i] - aedyn_sgd_get_n_steps(sgd)), "step");
        const double t = (double)steps[i] / D;
        double sigma;
        check(aedyn_schedule_value(sc[3], t, &sigma), "sigma(t)");
        check(aedyn_net_error_denoising(net, data, 0.9, sigma, &x), "sgd error");
        emit1("dn_sgd_error", x);
        check(aedyn_net_get_skip(net, &x), "sgd skip");
        emit1("dn_sgd_skip", x);
        check(aedyn_ode_advance(ode, t), "advance");
        check(aedyn_ode_error(ode, &x), "ode error");
        emit1("dn_ode_error", x);
        check(aedyn_ode_get_skip(ode, &x), "ode skip");
        emit1("dn_ode_skip", x);
    }
    uint64_t n_breaks;
    check(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_BREAKPOINTS, &n_breaks), "breakpoints");
    emit1("dn_ode_breakpoints", (double)n_breaks);
    check(aedyn_net_get_weights(net, W, V, NULL), "weights");
    emit("dn_W_end", W, K * D);
    emit("dn_V_end", V, K * D);
    aedyn_ode_destroy(ode); aedyn_sgd_destroy(sgd); aedyn_net_destroy(net);
    aedyn_data_destroy(data); aedyn_rng_destroy(rng);
    for (int i = 0; i < 4; i++)
        aedyn_schedule_destroy(sc[i]);
}

/* 6. The analysis module (experimental): the plateaus of a linear staircase
 *    (spiked model, K = M = 3, small weights), Newton from the slowest state
 *    of its second plateau (a saddle) and everything known there, the
 *    frozen-time linearisation, and the runaway of untied erf units at long
 *    times (K = M = 2, t = 2e4). */
static void scenario_analysis(void)
{
    enum { D = 200, K = 3, NF = 17 };
    aedyn_rng *rng; aedyn_data *data; aedyn_net *net; aedyn_ode *ode, *o2;
    aedyn_analysis *an, *an2;
    aedyn_analysis_outcome out;
    double v[NF], W[K * D], V[K * D], b[K], x, Q[K * K], R[K * K], T[K * K], T0[K * K];

    check(aedyn_rng_create(&rng, 23, 0), "rng");
    check(aedyn_data_create_spiked(&data, D, 3, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                   AEDYN_DATA_STANDARDISE), "spiked");
    check(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_LINEAR, 0), "net");
    check(aedyn_net_init_gaussian(net, rng, 1e-4), "init");
    check(aedyn_ode_create(&ode, net, data, AEDYN_SGD_VANILLA, 1.0), "ode");
    check(aedyn_ode_create(&o2, net, data, AEDYN_SGD_VANILLA, 1.0), "ode2");
    check(aedyn_ode_set_method(ode, AEDYN_ODE_DOPRI5, 0), "method");
    check(aedyn_ode_set_tolerances(ode, 1e-10, 1e-16), "tolerances");
    check(aedyn_analysis_create(&an, ode), "analysis");
    check(aedyn_analysis_plateaus(an, 400.0, 500), "plateaus");
    const size_t np = aedyn_analysis_get_n_plateaus(an);
    emit1("an_n_plateaus", (double)np);
    for (size_t i = 0; i < np; i++) {
        for (int f = 0; f < NF; f++)
            check(aedyn_analysis_get_plateau(an, i, (aedyn_analysis_plateau_field)f, &v[f]),
                  "plateau");
        emit("an_plateau", v, NF);
    }
    double t_ref;
    check(aedyn_analysis_get_plateau(an, 1, AEDYN_ANALYSIS_PLATEAU_T_REFERENCE, &t_ref), "t_ref");

    /* Newton from the slowest state of plateau 1 */
    check(aedyn_ode_advance(o2, t_ref), "advance");
    check(aedyn_analysis_create(&an2, o2), "analysis2");
    check(aedyn_analysis_fixed_point(an2), "fixed point");
    check(aedyn_analysis_get_outcome(an2, &out), "outcome");
    emit1("an_outcome", (double)out);
    const size_t it = aedyn_analysis_get_n_iterations(an2);
    double *r = xmalloc((it + 1) * sizeof *r);
    check(aedyn_analysis_get_residuals(an2, r), "residuals");
    emit("an_residuals", r, it + 1);
    free(r);
    const size_t N = 2 * aedyn_ode_get_n_modes(o2) * K + K, n = aedyn_analysis_get_n_eigenvalues(an2);
    double *y = xmalloc(N * sizeof *y), *re = xmalloc(n * sizeof *re), *im = xmalloc(n * sizeof *im);
    check(aedyn_analysis_get_state(an2, y), "state");
    emit("an_state", y, N);
    check(aedyn_analysis_get_eigenvalues(an2, re, im), "eigenvalues");
    emit("an_eig_re", re, n);
    emit("an_eig_im", im, n);
    size_t c[4], mult;
    check(aedyn_analysis_get_counts(an2, &c[0], &c[1], &c[2], &c[3]), "counts");
    for (int i = 0; i < 4; i++)
        v[i] = (double)c[i];
    emit("an_counts", v, 4);
    check(aedyn_analysis_get_unstable(an2, &x, &mult), "unstable");
    v[0] = x;
    v[1] = (double)mult;
    emit("an_unstable", v, 2);
    check(aedyn_analysis_get_direction(an2, y, Q, R, T, T0), "direction");
    emit("an_dir", y, N);
    emit("an_dQ", Q, K * K); emit("an_dR", R, K * K);
    emit("an_dT", T, K * K); emit("an_dT0", T0, K * K);
    check(aedyn_analysis_error(an2, &x), "error");
    emit1("an_error", x);
    check(aedyn_analysis_order_params(an2, Q, R, T, T0), "op");
    emit("an_Q", Q, K * K); emit("an_R", R, K * K);
    emit("an_T", T, K * K); emit("an_T0", T0, K * K);
    check(aedyn_analysis_get_weights(an2, 1e-3, W, V, b), "weights");
    emit("an_W", W, K * D);
    emit("an_V", V, K * D);
    emit("an_bias", b, K);
    check(aedyn_analysis_unstable_component(an2, W, V, b, &x), "component");
    emit1("an_delta0", x);
    /* the frozen-time linearisation at the same state */
    check(aedyn_analysis_linearise(an2), "linearise");
    check(aedyn_analysis_get_eigenvalues(an2, re, im), "eigenvalues");
    emit("an_lin_re", re, n);
    check(aedyn_analysis_get_counts(an2, &c[0], &c[1], &c[2], &c[3]), "counts");
    for (int i = 0; i < 4; i++)
        v[i] = (double)c[i];
    emit("an_lin_counts", v, 4);
    free(y); free(re); free(im);
    aedyn_analysis_destroy(an); aedyn_analysis_destroy(an2);
    aedyn_ode_destroy(ode); aedyn_ode_destroy(o2); aedyn_net_destroy(net);
    aedyn_data_destroy(data); aedyn_rng_destroy(rng);

    /* untied erf, K = M = 2, at t = 2e4: a runaway */
    enum { D2 = 500, K2 = 2 };
    aedyn_rng *ri;
    check(aedyn_rng_create(&rng, 1, 0), "rng");
    check(aedyn_rng_create(&ri, 1, 1), "rng init");
    check(aedyn_data_create_spiked(&data, D2, K2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                   AEDYN_DATA_STANDARDISE), "spiked");
    check(aedyn_net_create(&net, D2, K2, AEDYN_NET_ACT_ERF, 0), "net");
    check(aedyn_net_init_gaussian(net, ri, 0.1), "init");
    check(aedyn_ode_create(&ode, net, data, AEDYN_SGD_VANILLA, 1.0), "ode");
    check(aedyn_ode_advance(ode, 2e4), "advance");
    check(aedyn_analysis_create(&an, ode), "analysis");
    check(aedyn_analysis_fixed_point(an), "fixed point");
    check(aedyn_analysis_get_outcome(an, &out), "outcome");
    emit1("ru_outcome", (double)out);
    emit1("ru_iterations", (double)aedyn_analysis_get_n_iterations(an));
    check(aedyn_analysis_get_direction(an, NULL, Q, NULL, NULL, T0), "direction");
    emit("ru_dQ", Q, K2 * K2);
    emit("ru_dT0", T0, K2 * K2);
    aedyn_analysis_destroy(an); aedyn_ode_destroy(ode); aedyn_net_destroy(net);
    aedyn_data_destroy(data); aedyn_rng_destroy(rng); aedyn_rng_destroy(ri);
}

/* 7. Finite-D fluctuations: replicas of SGD in two threads with escape
 *    times, reduced replicas, the reduced chain and the band of one trainer
 *    (tests/test_fluct.py). */
static void scenario_fluct(void)
{
    enum { D = 60, K = 2, NV = 1 + 4 * K * K, R = 5, NQ = 3, NC = 2 * 2 * K + K + 3 * K * K };
    const double q[NQ] = { 0.1, 0.5, 0.9 };
    aedyn_rng *rng, *crng; aedyn_data *data; aedyn_net *net; aedyn_sgd *sgd;
    aedyn_replicas *rep; aedyn_chain *chain; aedyn_band *band;
    double v[R * NV], mean[NV], std[NV], qs[NQ * NV], t[R], frac, y[NC], x[4];
    double Q[K * K], Rm[K * K], T[K * K], T0[K * K];

    check(aedyn_rng_create(&rng, 6, 0), "rng");
    check(aedyn_data_create_spiked(&data, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                   AEDYN_DATA_STANDARDISE), "spiked");
    check(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, 0), "net");
    check(aedyn_net_init_gaussian(net, rng, 0.1), "init");
    check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 1.0), "sgd");

    check(aedyn_replicas_create(&rep, sgd, R, rng), "replicas");
    check(aedyn_replicas_set_n_threads(rep, 2), "threads");
    check(aedyn_replicas_set_escape(rep, 0.485, 0.1), "escape");
    check(aedyn_replicas_step(rep, 3 * D), "replicas step");
    check(aedyn_replicas_get_values(rep, v), "values");
    emit("fl_rep_values", v, R * NV);
    check(aedyn_replicas_stats(rep, NQ, q, mean, std, qs), "stats");
    emit("fl_rep_mean", mean, NV);
    emit("fl_rep_std", std, NV);
    emit("fl_rep_quantiles", qs, NQ * NV);
    check(aedyn_replicas_get_escape_times(rep, t), "escape times");
    emit("fl_rep_escape", t, R);
    check(aedyn_replicas_escape_stats(rep, NQ, q, &frac, qs), "escape stats");
    emit1("fl_rep_escaped", frac);
    emit("fl_rep_escape_q", qs, NQ);
    aedyn_replicas_destroy(rep);

    check(aedyn_replicas_create_reduced(&rep, sgd, R, rng), "reduced replicas");
    check(aedyn_replicas_init_gaussian(rep, 0.2), "reduced init");
    check(aedyn_replicas_step(rep, 2 * D), "reduced step");
    check(aedyn_replicas_get_values(rep, v), "reduced values");
    emit("fl_red_values", v, R * NV);
    aedyn_replicas_destroy(rep);

    check(aedyn_rng_create(&crng, 6, 1), "chain rng");
    check(aedyn_chain_create(&chain, sgd, crng), "chain");
    check(aedyn_chain_get_state(chain, y), "chain state");
    emit("fl_chain_y0", y, NC);
    check(aedyn_chain_step(chain, 2 * D), "chain step");
    check(aedyn_chain_get_state(chain, y), "chain state");
    emit("fl_chain_y", y, NC);
    check(aedyn_chain_error(chain, x), "chain error");
    emit1("fl_chain_error", x[0]);
    check(aedyn_chain_order_params(chain, Q, Rm, T, T0), "chain op");
    emit("fl_chain_Q", Q, K * K); emit("fl_chain_R", Rm, K * K);
    emit("fl_chain_T", T, K * K); emit("fl_chain_T0", T0, K * K);

    check(aedyn_band_create(&band, sgd), "band");
    check(aedyn_band_advance(band, 2.0), "band advance");
    check(aedyn_band_error(band, &x[0], &x[1], &x[2], &x[3]), "band error");
    emit("fl_band_error", x, 4);
    const size_t P = aedyn_band_get_n_state(band);
    double *S = xmalloc(sizeof(double) * P * P), *d = xmalloc(sizeof(double) * P);
    check(aedyn_band_get_covariance(band, S, d), "band covariance");
    emit("fl_band_sigma", S, P * P);
    emit("fl_band_delta", d, P);
    check(aedyn_band_get_mean(band, y), "band mean");
    emit("fl_band_mean", y, NC);
    check(aedyn_band_sample(band, crng, y), "band sample");
    emit("fl_band_sample", y, NC);
    free(S);
    free(d);
    aedyn_band_destroy(band);
    aedyn_chain_destroy(chain);
    aedyn_sgd_destroy(sgd); aedyn_net_destroy(net); aedyn_data_destroy(data);
    aedyn_rng_destroy(crng); aedyn_rng_destroy(rng);
}

int main(void)
{
    scenario_rng();
    scenario_spiked();
    scenario_gaussian();
    scenario_images();
    scenario_schedules();
    scenario_analysis();
    scenario_fluct();
    return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
