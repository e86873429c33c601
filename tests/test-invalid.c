/* The invalid-input suite of the C API: one table of cases, each a call of a
 * public entry point with hostile input, the status it must return and a
 * fragment of the detail message it must leave. For every case the test also
 * checks that the handles it was given are unchanged and still usable
 * (a failed call leaves the handle as it was), and, against the exported
 * symbol list, that every public function has at least one case.
 *
 * Classes (the hostile-input issue): null pointers; sizes and counts
 * (overflow-checked, explicit bounds); values (finite, in range, derived
 * quantities finite and positive); integrator progress; NaN in a reported
 * number is divergence; writes checked; loaders bounded. Functions that
 * return a value rather than a status are checked for their documented
 * neutral value on NULL. Run under ASan/UBSan by tools/run-tests. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

enum { D_ = 20, K_ = 2, NI_ = 10 };

typedef struct {
    aedyn_rng *rng;
    aedyn_data *data;
    aedyn_net *net, *tied;
    aedyn_sgd *sgd;
    aedyn_ode *ode;
    aedyn_images *im;
    aedyn_replicas *rep; /* stays NULL: a create row must not set it */
    aedyn_chain *chain;  /* likewise */
    aedyn_band *band;    /* likewise */
    double x[D_], W[K_ * D_], V[K_ * D_], b[K_], batch[4 * D_];
    double out[D_ * D_];
    double *p;
    size_t sz[4];
    uint64_t u64;
    int iv;
    const char *dir;
} fixture;

static void fixture_make(fixture *f)
{
    memset(f, 0, sizeof *f);
    ck_assert_aedyn_ok(aedyn_rng_create(&f->rng, 5, 0));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&f->data, D_, 2, NULL, 1.0,
                                                AEDYN_DATA_SPIKES_RANDOM, f->rng,
                                                AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&f->net, D_, K_, AEDYN_NET_ACT_ERF, AEDYN_NET_BIAS));
    ck_assert_aedyn_ok(aedyn_net_create(&f->tied, D_, K_, AEDYN_NET_ACT_LINEAR, AEDYN_NET_TIED));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(f->net, f->rng, 0.3));
    ck_assert_aedyn_ok(aedyn_sgd_create(&f->sgd, f->net, f->data, f->rng, AEDYN_SGD_VANILLA, 0.5));
    ck_assert_aedyn_ok(aedyn_sgd_step(f->sgd, 40));
    ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&f->ode, f->sgd));
    ck_assert_aedyn_ok(aedyn_ode_advance(f->ode, 3.0));
    double img[NI_ * 6];
    for (size_t i = 0; i < NI_ * 6; i++)
        img[i] = (double)((i * 7919) % 13) / 13.0;
    ck_assert_aedyn_ok(aedyn_images_create(&f->im, NI_, 2, 3, img));
    for (size_t i = 0; i < D_; i++)
        f->x[i] = 0.1 * (double)i;
    f->dir = testutil_tmpdir();
}

static void fixture_free(fixture *f)
{
    aedyn_ode_destroy(f->ode);
    aedyn_sgd_destroy(f->sgd);
    aedyn_net_destroy(f->net);
    aedyn_net_destroy(f->tied);
    aedyn_data_destroy(f->data);
    aedyn_images_destroy(f->im);
    aedyn_rng_destroy(f->rng);
}

/* What must not change when a call fails. */
typedef struct {
    double W[K_ * D_], V[K_ * D_], b[K_], oW[K_ * D_], oV[K_ * D_];
    double t_ode, trace, rtol, atol, eta[3], kappa;
    uint64_t steps, u;
    aedyn_ode_method method;
    size_t n_images;
} snapshot;

static void snap(fixture *f, snapshot *s)
{
    memset(s, 0, sizeof *s);
    ck_assert_aedyn_ok(aedyn_net_get_weights(f->net, s->W, s->V, s->b));
    ck_assert_aedyn_ok(aedyn_ode_get_weights(f->ode, s->oW, s->oV));
    s->t_ode = aedyn_ode_get_time(f->ode);
    s->trace = aedyn_data_get_trace(f->data);
    ck_assert_aedyn_ok(aedyn_ode_get_tolerances(f->ode, &s->rtol, &s->atol));
    ck_assert_aedyn_ok(aedyn_ode_get_learning_rates(f->ode, &s->eta[0], &s->eta[1], &s->eta[2]));
    ck_assert_aedyn_ok(aedyn_ode_get_weight_decay(f->ode, &s->kappa));
    ck_assert_aedyn_ok(aedyn_ode_get_method(f->ode, &s->method, NULL));
    s->steps = aedyn_sgd_get_n_steps(f->sgd);
    s->n_images = aedyn_images_get_n_images(f->im);
    aedyn_rng *copy;
    ck_assert_aedyn_ok(aedyn_rng_create(&copy, 0, 0));
    ck_assert_aedyn_ok(aedyn_rng_copy(copy, f->rng));
    s->u = aedyn_rng_u64(copy);
    aedyn_rng_destroy(copy);
}

/* A status encoding a value check, for the functions without a status. */
#define IS(cond) ((cond) ? AEDYN_OK : AEDYN_ERR_INVALID)

static const double nan_ = NAN, inf_ = INFINITY;

/* For the schedule rows. A create row writes to sched_out_, which must stay
 * NULL when the call fails (a schedule made by mistake is destroyed). */
static aedyn_schedule *sched_out_;

static aedyn_status sched_created_(aedyn_status st)
{
    if (st != AEDYN_OK)
        ck_assert_ptr_null(sched_out_);
    aedyn_schedule_destroy(sched_out_);
    sched_out_ = NULL;
    return st;
}

static double sched_nan_fn_(double t, void *user)
{
    (void)t;
    (void)user;
    return NAN;
}

/* A call on a schedule of its own: a piecewise one with a jump at 2, or a
 * user one with a breakpoint at 2 whose function returns NaN, both with a
 * warm-up to 1. A failed call must leave the schedule and the output as
 * they were. */
typedef enum { SCHED_SET_WARMUP_, SCHED_VALUE_, SCHED_NEXT_BREAKPOINT_ } sched_op_;

static aedyn_status sched_call_(sched_op_ op, bool user, double x)
{
    aedyn_schedule *s;
    if (user)
        ck_assert_aedyn_ok(aedyn_schedule_create_user(&s, sched_nan_fn_, NULL, 1,
                                                      (const double[]){ 2.0 }));
    else
        ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&s, 2, (const double[]){ 0.0, 2.0 },
                                                           (const double[]){ 1.0, 0.5 }));
    ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 1.0));
    double out = 42.0, w = 0.0, b = 0.0;
    aedyn_status st = AEDYN_OK;
    switch (op) {
    case SCHED_SET_WARMUP_:
        st = aedyn_schedule_set_warmup(s, x);
        break;
    case SCHED_VALUE_:
        st = aedyn_schedule_value(s, x, &out);
        break;
    case SCHED_NEXT_BREAKPOINT_:
        st = aedyn_schedule_next_breakpoint(s, x, &out);
        break;
    }
    if (st != AEDYN_OK) {
        ck_assert(out == 42.0);
        ck_assert_aedyn_ok(aedyn_schedule_get_warmup(s, &w));
        ck_assert(w == 1.0);
        ck_assert_aedyn_ok(aedyn_schedule_next_breakpoint(s, 0.0, &b));
        ck_assert(b == 1.0);
    }
    aedyn_schedule_destroy(s);
    return st;
}

/* A trainer or an ODE with a schedule whose user function returns NaN
 * attached to the noise level: the step or the integration fails before
 * changing anything; the schedule is detached afterwards. */
static aedyn_status nan_schedule_run_(fixture *f, bool ode)
{
    aedyn_schedule *s;
    ck_assert_aedyn_ok(aedyn_schedule_create_user(&s, sched_nan_fn_, NULL, 0, NULL));
    aedyn_status st;
    if (ode) {
        ck_assert_aedyn_ok(aedyn_ode_set_schedule(f->ode, AEDYN_SCHEDULE_NOISE, s));
        st = aedyn_ode_advance(f->ode, aedyn_ode_get_time(f->ode) + 1.0);
        ck_assert_aedyn_ok(aedyn_ode_set_schedule(f->ode, AEDYN_SCHEDULE_NOISE, NULL));
    } else {
        ck_assert_aedyn_ok(aedyn_sgd_set_schedule(f->sgd, AEDYN_SCHEDULE_NOISE, s));
        st = aedyn_sgd_step(f->sgd, 3);
        ck_assert_aedyn_ok(aedyn_sgd_set_schedule(f->sgd, AEDYN_SCHEDULE_NOISE, NULL));
    }
    aedyn_schedule_destroy(s);
    return st;
}

/* An analysis of the fixture's ODE, made for one call and destroyed after
 * it; what the failed call must not have changed is checked here (the
 * settings, no result) and by the snapshot (the ODE). */
typedef enum {
    AN_SET_TOL_, AN_SET_ITER_, AN_GET_ITER_NULL_, AN_SET_THETA_, AN_FIXED_SCHED_,
    AN_OUTCOME_NULL_, AN_RESIDUALS_, AN_STATE_, AN_WEIGHTS_NAN_, AN_ERROR_, AN_ORDER_PARAMS_,
    AN_EIGENVALUES_, AN_COUNTS_, AN_UNSTABLE_, AN_DIRECTION_, AN_COMPONENT_NULL_, AN_PLATEAUS_T_,
    AN_PLATEAUS_N_, AN_PLATEAU_, AN_PLATEAU_FIELD_
} an_op_;

static aedyn_status an_call_(fixture *f, an_op_ op)
{
    aedyn_analysis *an;
    ck_assert_aedyn_ok(aedyn_analysis_create(&an, f->ode));
    double v = 42.0, y[4 * K_ * (2 + 2 * K_) + K_ + 8];
    size_t n = 7;
    aedyn_schedule *s;
    aedyn_status st = AEDYN_OK;
    switch (op) {
    case AN_SET_TOL_: st = aedyn_analysis_set_tolerances(an, nan_, 1e-8); break;
    case AN_SET_ITER_: st = aedyn_analysis_set_max_iterations(an, 0); break;
    case AN_GET_ITER_NULL_: st = aedyn_analysis_get_max_iterations(an, NULL); break;
    case AN_SET_THETA_: st = aedyn_analysis_set_plateau_threshold(an, 1.0); break;
    case AN_FIXED_SCHED_:
        ck_assert_aedyn_ok(aedyn_schedule_create_constant(&s, 0.5));
        ck_assert_aedyn_ok(aedyn_ode_set_schedule(f->ode, AEDYN_SCHEDULE_DECODER_RATE, s));
        st = aedyn_analysis_fixed_point(an);
        ck_assert_aedyn_ok(aedyn_ode_set_schedule(f->ode, AEDYN_SCHEDULE_DECODER_RATE, NULL));
        aedyn_schedule_destroy(s);
        break;
    case AN_OUTCOME_NULL_: st = aedyn_analysis_get_outcome(an, NULL); break;
    case AN_RESIDUALS_: st = aedyn_analysis_get_residuals(an, y); break;
    case AN_STATE_: st = aedyn_analysis_get_state(an, y); break;
    case AN_WEIGHTS_NAN_:
        ck_assert_aedyn_ok(aedyn_analysis_linearise(an));
        st = aedyn_analysis_get_weights(an, nan_, f->W, NULL, NULL);
        break;
    case AN_ERROR_: st = aedyn_analysis_error(an, &v); break;
    case AN_ORDER_PARAMS_: st = aedyn_analysis_order_params(an, y, NULL, NULL, NULL); break;
    case AN_EIGENVALUES_: st = aedyn_analysis_get_eigenvalues(an, y, NULL); break;
    case AN_COUNTS_: st = aedyn_analysis_get_counts(an, &n, NULL, NULL, NULL); break;
    case AN_UNSTABLE_: st = aedyn_analysis_get_unstable(an, &v, &n); break;
    case AN_DIRECTION_: st = aedyn_analysis_get_direction(an, y, NULL, NULL, NULL, NULL); break;
    case AN_COMPONENT_NULL_:
        ck_assert_aedyn_ok(aedyn_analysis_linearise(an));
        st = aedyn_analysis_unstable_component(an, NULL, f->V, NULL, &v);
        break;
    case AN_PLATEAUS_T_: st = aedyn_analysis_plateaus(an, -1.0, 100); break;
    case AN_PLATEAUS_N_: st = aedyn_analysis_plateaus(an, 10.0, 2); break;
    case AN_PLATEAU_: st = aedyn_analysis_get_plateau(an, 0, AEDYN_ANALYSIS_PLATEAU_T_EXIT, &v); break;
    case AN_PLATEAU_FIELD_:
        st = aedyn_analysis_get_plateau(an, 0, (aedyn_analysis_plateau_field)99, &v);
        break;
    }
    if (st != AEDYN_OK) {
        double res, neu, th;
        size_t it;
        ck_assert(v == 42.0 && n == 7);
        ck_assert_aedyn_ok(aedyn_analysis_get_tolerances(an, &res, &neu));
        ck_assert_aedyn_ok(aedyn_analysis_get_max_iterations(an, &it));
        ck_assert_aedyn_ok(aedyn_analysis_get_plateau_threshold(an, &th));
        ck_assert(res == 1e-12 && neu == 1e-8 && it == 100 && th == 0.1);
        ck_assert_uint_eq(aedyn_analysis_get_n_plateaus(an), 0);
    }
    aedyn_analysis_destroy(an);
    return st;
}

/* A call on an ensemble of three replicas of the fixture's trainer (with a
 * generator of its own, so that the fixture's is not drawn from): a failed
 * call must leave the ensemble's values as they were. */
typedef enum { REP_STATS_Q_, REP_STATS_Q_NULL_, REP_THREADS_, REP_ESCAPE_DT_, REP_ESCAPE_TIMES_,
               REP_ESCAPE_STATS_Q_, REP_INIT_SIGMA_, REP_INIT_AFTER_STEP_ } rep_op_;

static aedyn_status rep_call_(fixture *f, rep_op_ op)
{
    aedyn_rng *rng;
    aedyn_replicas *rep;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 8, 1));
    ck_assert_aedyn_ok(aedyn_replicas_create(&rep, f->sgd, 3, rng));
    ck_assert_aedyn_ok(aedyn_replicas_set_n_threads(rep, 2));
    ck_assert_aedyn_ok(aedyn_replicas_step(rep, 10));
    const size_t nv = aedyn_replicas_get_n_values(rep);
    double before[3 * 17], after[3 * 17], m[2 * 17], frac = 42.0;
    const double q[2] = { 0.5, nan_ };
    ck_assert_uint_eq(nv, 17);
    ck_assert_aedyn_ok(aedyn_replicas_get_values(rep, before));
    aedyn_status st = AEDYN_OK;
    switch (op) {
    case REP_STATS_Q_: st = aedyn_replicas_stats(rep, 2, q, m, m, m); break;
    case REP_STATS_Q_NULL_: st = aedyn_replicas_stats(rep, 1, NULL, m, NULL, m); break;
    case REP_THREADS_: st = aedyn_replicas_set_n_threads(rep, SIZE_MAX); break;
    case REP_ESCAPE_DT_: st = aedyn_replicas_set_escape(rep, 0.1, -1.0); break;
    case REP_ESCAPE_TIMES_: st = aedyn_replicas_get_escape_times(rep, m); break;
    case REP_ESCAPE_STATS_Q_:
        ck_assert_aedyn_ok(aedyn_replicas_set_escape(rep, 0.1, 1.0));
        st = aedyn_replicas_escape_stats(rep, 2, q, &frac, m);
        ck_assert(frac == 42.0);
        break;
    case REP_INIT_SIGMA_: st = aedyn_replicas_init_gaussian(rep, inf_); break;
    case REP_INIT_AFTER_STEP_: st = aedyn_replicas_init_gaussian(rep, 0.1); break;
    }
    if (st != AEDYN_OK) {
        ck_assert_uint_eq(aedyn_replicas_get_n_threads(rep), 2);
        ck_assert_aedyn_ok(aedyn_replicas_get_values(rep, after));
        ck_assert(memcmp(before, after, sizeof before) == 0);
    }
    aedyn_replicas_destroy(rep);
    aedyn_rng_destroy(rng);
    return st;
}

/* A call on a reduced chain of the fixture's trainer (generator of its own):
 * a failed call must leave the chain's state as it was. */
typedef enum { CH_SET_NAN_, CH_SET_NOT_PSD_, CH_SET_ASYM_, CH_INIT_SIGMA_, CH_GET_STATE_NULL_,
               CH_ERROR_NULL_, CH_CREATE_TIED_, CH_REDUCED_TIED_, CH_STEP_DIVERGE_ } chain_op_;

static aedyn_status chain_call_(fixture *f, chain_op_ op)
{
    aedyn_rng *rng;
    aedyn_chain *c, *c2 = NULL;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 9, 2));
    ck_assert_aedyn_ok(aedyn_chain_create(&c, f->sgd, rng));
    ck_assert_aedyn_ok(aedyn_chain_step(c, 7));
    const size_t n = aedyn_chain_get_n_state(c);
    double before[64], after[64], y[64];
    ck_assert_uint_le(n, 64);
    ck_assert_aedyn_ok(aedyn_chain_get_state(c, before));
    memcpy(y, before, sizeof y);
    const size_t qb = 2 * aedyn_chain_get_n_explicit(c) * K_ + K_;
    aedyn_status st = AEDYN_OK;
    aedyn_sgd *tied_sgd = NULL;
    aedyn_replicas *rep = NULL;
    switch (op) {
    case CH_SET_NAN_: y[1] = nan_; st = aedyn_chain_set_state(c, y); break;
    case CH_SET_NOT_PSD_: y[qb] = -y[qb]; st = aedyn_chain_set_state(c, y); break;
    case CH_SET_ASYM_: y[qb + 1] += 1.0; st = aedyn_chain_set_state(c, y); break;
    case CH_INIT_SIGMA_: st = aedyn_chain_init_gaussian(c, rng, -1.0); break;
    case CH_GET_STATE_NULL_: st = aedyn_chain_get_state(c, NULL); break;
    case CH_ERROR_NULL_: st = aedyn_chain_error(c, NULL); break;
    case CH_CREATE_TIED_:
    case CH_REDUCED_TIED_:
        ck_assert_aedyn_ok(aedyn_sgd_create(&tied_sgd, f->tied, f->data, rng, AEDYN_SGD_VANILLA,
                                            0.1));
        st = op == CH_CREATE_TIED_ ? aedyn_chain_create(&c2, tied_sgd, rng)
                                   : aedyn_replicas_create_reduced(&rep, tied_sgd, 3, rng);
        ck_assert_ptr_null(c2);
        ck_assert_ptr_null(rep);
        aedyn_sgd_destroy(tied_sgd);
        break;
    case CH_STEP_DIVERGE_: {
        /* a state with a huge decoder overlap: the step's update overflows */
        y[qb + 3 * K_ * K_ - 1] = 1e140;
        ck_assert_aedyn_ok(aedyn_chain_set_state(c, y));
        ck_assert_aedyn_ok(aedyn_chain_get_state(c, before));
        st = aedyn_chain_step(c, 10);
        break;
    }
    }
    if (st != AEDYN_OK) {
        ck_assert_aedyn_ok(aedyn_chain_get_state(c, after));
        ck_assert(memcmp(before, after, n * sizeof *after) == 0);
    }
    aedyn_chain_destroy(c);
    aedyn_rng_destroy(rng);
    return st;
}

/* A call on a band of the fixture's trainer: a failed call must leave its
 * time and mean as they were. */
typedef enum { BD_ADVANCE_PAST_, BD_TOL_, BD_QUAD_, BD_SET_MEAN_NAN_, BD_SAMPLE_NULL_,
               BD_ERROR_OK_, BD_NOISE_OK_, BD_JAC_OK_ } band_op_;

static aedyn_status band_call_(fixture *f, band_op_ op)
{
    aedyn_band *b;
    ck_assert_aedyn_ok(aedyn_band_create(&b, f->sgd));
    ck_assert_aedyn_ok(aedyn_band_advance(b, aedyn_band_get_time(b) + 0.5));
    const size_t P = aedyn_band_get_n_state(b);
    double before[64] = { 0 }, after[64] = { 0 }, y[64], M[40 * 40]; /* the mean fills a prefix */
    ck_assert_uint_le(P, 40);
    ck_assert_aedyn_ok(aedyn_band_get_mean(b, before));
    const double t0 = aedyn_band_get_time(b);
    aedyn_status st = AEDYN_OK;
    switch (op) {
    case BD_ADVANCE_PAST_: st = aedyn_band_advance(b, t0 - 1.0); break;
    case BD_TOL_: st = aedyn_band_set_tolerances(b, 1e-6, -1.0); break;
    case BD_QUAD_: st = aedyn_band_set_quadrature(b, 65); break;
    case BD_SET_MEAN_NAN_:
        memcpy(y, before, sizeof y);
        y[2] = inf_;
        st = aedyn_band_set_mean(b, t0, y);
        break;
    case BD_SAMPLE_NULL_: st = aedyn_band_sample(b, NULL, y); break;
    case BD_ERROR_OK_: st = aedyn_band_error(b, M, M + 1, M + 2, M + 3); break;
    case BD_NOISE_OK_: st = aedyn_band_noise(b, M); break;
    case BD_JAC_OK_: st = aedyn_band_jacobian(b, M); break;
    }
    if (st != AEDYN_OK) {
        ck_assert_aedyn_ok(aedyn_band_get_mean(b, after));
        ck_assert(memcmp(before, after, sizeof before) == 0);
        ck_assert(aedyn_band_get_time(b) == t0);
    }
    aedyn_band_destroy(b);
    return st;
}

/* aedyn_band_create on a trainer of the tied network (generator of its own). */
static aedyn_status band_tied_(fixture *f)
{
    aedyn_rng *rng;
    aedyn_sgd *sgd;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 1, 1));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, f->tied, f->data, rng, AEDYN_SGD_VANILLA, 0.1));
    const aedyn_status st = aedyn_band_create(&f->band, sgd);
    aedyn_sgd_destroy(sgd);
    aedyn_rng_destroy(rng);
    return st;
}

/* X(name, entry point, expected status, message fragment, call) */
#define CASES(X)                                                                                   \
    /* status and version */                                                                       \
    X(strerror_unknown, "aedyn_strerror", AEDYN_OK, "",                                            \
      IS(strcmp(aedyn_strerror((aedyn_status)-9999), "unknown status") == 0))                      \
    X(error_message, "aedyn_error_message", AEDYN_OK, "", IS(aedyn_error_message() != NULL))       \
    X(version, "aedyn_version", AEDYN_OK, "", IS(aedyn_version() == AEDYN_VERSION_NUMBER))         \
    X(version_string, "aedyn_version_string", AEDYN_OK, "",                                        \
      IS(strcmp(aedyn_version_string(), AEDYN_VERSION_STRING) == 0))                               \
    /* rng */                                                                                      \
    X(rng_create_null, "aedyn_rng_create", AEDYN_ERR_NULL, "out", aedyn_rng_create(NULL, 1, 2))    \
    X(rng_destroy_null, "aedyn_rng_destroy", AEDYN_OK, "", (aedyn_rng_destroy(NULL), AEDYN_OK))    \
    X(rng_copy_null, "aedyn_rng_copy", AEDYN_ERR_NULL, "src", aedyn_rng_copy(f->rng, NULL))        \
    X(rng_u64_null, "aedyn_rng_u64", AEDYN_OK, "", IS(aedyn_rng_u64(NULL) == 0))                   \
    X(rng_uniform_null, "aedyn_rng_uniform", AEDYN_OK, "", IS(isnan(aedyn_rng_uniform(NULL))))     \
    X(rng_normal_null, "aedyn_rng_normal", AEDYN_OK, "", IS(isnan(aedyn_rng_normal(NULL))))        \
    X(rng_fill_normal_null, "aedyn_rng_fill_normal", AEDYN_ERR_NULL, "x",                          \
      aedyn_rng_fill_normal(f->rng, NULL, 3))                                                      \
    X(rng_fill_uniform_null, "aedyn_rng_fill_uniform", AEDYN_ERR_NULL, "rng",                      \
      aedyn_rng_fill_uniform(NULL, f->x, 3))                                                       \
    /* data */                                                                                     \
    X(spiked_d0, "aedyn_data_create_spiked", AEDYN_ERR_SIZE, "D must be",                          \
      aedyn_data_create_spiked(&f->data, 0, 0, NULL, 1, 0, f->rng, 0))                             \
    X(spiked_d_huge, "aedyn_data_create_spiked", AEDYN_ERR_SIZE, "too large",                      \
      aedyn_data_create_spiked(&f->data, SIZE_MAX / 2, 1, NULL, 1, 0, f->rng, 0))                  \
    X(spiked_sigma_overflow, "aedyn_data_create_spiked", AEDYN_ERR_INVALID, "sigma",               \
      aedyn_data_create_spiked(&f->data, D_, 2, NULL, 1e300, 0, f->rng, 0))                        \
    X(spiked_sigma_nan, "aedyn_data_create_spiked", AEDYN_ERR_INVALID, "sigma",                    \
      aedyn_data_create_spiked(&f->data, D_, 2, NULL, nan_, 0, f->rng, 0))                         \
    X(spiked_lambda_overflow, "aedyn_data_create_spiked", AEDYN_ERR_INVALID, "lambda[1]",          \
      aedyn_data_create_spiked(&f->data, D_, 2, (const double[]){ 3, 1e308 }, 1, 0, f->rng, 0))    \
    X(spiked_zero, "aedyn_data_create_spiked", AEDYN_ERR_INVALID, "zero covariance",               \
      aedyn_data_create_spiked(&f->data, D_, 0, NULL, 0, 0, f->rng, 0))                            \
    X(gaussian_null, "aedyn_data_create_gaussian", AEDYN_ERR_NULL, "omega",                        \
      aedyn_data_create_gaussian(&f->data, 2, NULL))                                               \
    X(gaussian_inf, "aedyn_data_create_gaussian", AEDYN_ERR_INVALID, "not finite",                 \
      aedyn_data_create_gaussian(&f->data, 1, &inf_))                                              \
    X(gaussian_zero, "aedyn_data_create_gaussian", AEDYN_ERR_INVALID, "trace",                     \
      aedyn_data_create_gaussian(&f->data, 2, (const double[]){ 0, 0, 0, 0 }))                     \
    X(eigen_n_gt_d, "aedyn_data_create_eigen", AEDYN_ERR_SIZE, "n must be",                        \
      aedyn_data_create_eigen(&f->data, 1, 2, f->x, f->x, 0))                                      \
    X(eigen_bulk_nan, "aedyn_data_create_eigen", AEDYN_ERR_INVALID, "bulk",                        \
      aedyn_data_create_eigen(&f->data, 3, 0, NULL, NULL, nan_))                                   \
    X(empirical_n0, "aedyn_data_create_empirical", AEDYN_ERR_SIZE, "N must be",                    \
      aedyn_data_create_empirical(&f->data, f->data, f->rng, 0))                                   \
    X(empirical_null, "aedyn_data_create_empirical", AEDYN_ERR_NULL, "rng",                        \
      aedyn_data_create_empirical(&f->data, f->data, NULL, 5))                                     \
    X(data_destroy_null, "aedyn_data_destroy", AEDYN_OK, "", (aedyn_data_destroy(NULL), AEDYN_OK)) \
    X(data_dim_null, "aedyn_data_get_dim", AEDYN_OK, "", IS(aedyn_data_get_dim(NULL) == 0))        \
    X(data_kind_null, "aedyn_data_get_kind", AEDYN_OK, "",                                         \
      IS(strcmp(aedyn_data_get_kind(NULL), "") == 0))                                              \
    X(data_groups_null, "aedyn_data_get_n_groups", AEDYN_OK, "",                                   \
      IS(aedyn_data_get_n_groups(NULL) == 0))                                                      \
    X(data_trace_null, "aedyn_data_get_trace", AEDYN_OK, "", IS(isnan(aedyn_data_get_trace(NULL)))) \
    X(data_sample_overflow, "aedyn_data_sample", AEDYN_ERR_SIZE, "overflow",                       \
      aedyn_data_sample(f->data, f->rng, SIZE_MAX / 4, f->batch))                                  \
    X(data_sample_null, "aedyn_data_sample", AEDYN_ERR_NULL, "X",                                  \
      aedyn_data_sample(f->data, f->rng, 2, NULL))                                                 \
    X(data_group_range, "aedyn_data_get_group", AEDYN_ERR_SIZE, "out of range",                    \
      aedyn_data_get_group(f->data, 99, NULL, NULL, NULL))                                         \
    X(data_group_vectors_range, "aedyn_data_get_group_vectors", AEDYN_ERR_SIZE, "out of range",    \
      aedyn_data_get_group_vectors(f->data, SIZE_MAX, f->out))                                     \
    X(data_eigenvalues_null, "aedyn_data_get_eigenvalues", AEDYN_ERR_NULL, "rho",                  \
      aedyn_data_get_eigenvalues(f->data, NULL))                                                   \
    X(data_covariance_null, "aedyn_data_get_covariance", AEDYN_ERR_NULL, "data",                   \
      aedyn_data_get_covariance(NULL, f->out))                                                     \
    X(data_pca_range, "aedyn_data_pca_error", AEDYN_ERR_SIZE, "m must be",                         \
      aedyn_data_pca_error(f->data, D_ + 1, f->x))                                                 \
    /* net */                                                                                      \
    X(net_k_gt_d, "aedyn_net_create", AEDYN_ERR_SIZE, "K must be",                                 \
      aedyn_net_create(&f->net, 2, 3, AEDYN_NET_ACT_ERF, 0))                                       \
    X(net_kd_overflow, "aedyn_net_create", AEDYN_ERR_SIZE, "too large",                            \
      aedyn_net_create(&f->net, SIZE_MAX / 2, SIZE_MAX / 4, AEDYN_NET_ACT_ERF, 0))                 \
    X(net_act, "aedyn_net_create", AEDYN_ERR_INVALID, "activation",                                \
      aedyn_net_create(&f->net, D_, K_, (aedyn_net_activation)7, 0))                               \
    X(net_flags, "aedyn_net_create", AEDYN_ERR_INVALID, "flags",                                   \
      aedyn_net_create(&f->net, D_, K_, AEDYN_NET_ACT_ERF, 64u))                                   \
    X(net_destroy_null, "aedyn_net_destroy", AEDYN_OK, "", (aedyn_net_destroy(NULL), AEDYN_OK))    \
    X(net_dim_null, "aedyn_net_get_dim", AEDYN_OK, "", IS(aedyn_net_get_dim(NULL) == 0))           \
    X(net_hidden_null, "aedyn_net_get_n_hidden", AEDYN_OK, "", IS(aedyn_net_get_n_hidden(NULL) == 0)) \
    X(net_act_null, "aedyn_net_get_activation", AEDYN_OK, "",                                      \
      IS(aedyn_net_get_activation(NULL) == AEDYN_NET_ACT_LINEAR))                                  \
    X(net_flags_null, "aedyn_net_get_flags", AEDYN_OK, "", IS(aedyn_net_get_flags(NULL) == 0))     \
    X(net_init_sigma, "aedyn_net_init_gaussian", AEDYN_ERR_INVALID, "sigma0",                      \
      aedyn_net_init_gaussian(f->net, f->rng, inf_))                                               \
    X(net_informed_null, "aedyn_net_init_informed", AEDYN_ERR_NULL, "data",                        \
      aedyn_net_init_informed(f->net, NULL))                                                       \
    X(net_set_nan, "aedyn_net_set_weights", AEDYN_ERR_INVALID, "non-finite",                       \
      (f->W[3] = nan_, aedyn_net_set_weights(f->net, f->W, NULL, NULL)))                           \
    X(net_set_tied_v, "aedyn_net_set_weights", AEDYN_ERR_INVALID, "tied",                          \
      aedyn_net_set_weights(f->tied, NULL, f->V, NULL))                                            \
    X(net_get_null, "aedyn_net_get_weights", AEDYN_ERR_NULL, "net",                                \
      aedyn_net_get_weights(NULL, f->W, NULL, NULL))                                               \
    X(net_reconstruct_overflow, "aedyn_net_reconstruct", AEDYN_ERR_SIZE, "overflow",               \
      aedyn_net_reconstruct(f->net, SIZE_MAX / 4, f->batch, f->batch))                             \
    X(net_loss_null, "aedyn_net_loss", AEDYN_ERR_NULL, "loss", aedyn_net_loss(f->net, f->x, NULL)) \
    X(net_mc_n, "aedyn_net_error_mc", AEDYN_ERR_SIZE, "n must be",                                 \
      aedyn_net_error_mc(f->net, f->data, f->rng, 1, f->x, NULL))                                  \
    X(net_order_null, "aedyn_net_order_params", AEDYN_ERR_NULL, "data",                            \
      aedyn_net_order_params(f->net, NULL, f->out, NULL, NULL, NULL))                              \
    X(net_error_null, "aedyn_net_error", AEDYN_ERR_NULL, "err", aedyn_net_error(f->net, f->data, NULL)) \
    X(net_error_images_dim, "aedyn_net_error_images", AEDYN_ERR_SIZE, "D =",                       \
      aedyn_net_error_images(f->net, f->im, f->x, NULL))                                           \
    X(net_skip_unsupported, "aedyn_net_set_skip", AEDYN_ERR_UNSUPPORTED, "no skip", \
      aedyn_net_set_skip(f->net, 0.5)) \
    X(net_get_skip_null, "aedyn_net_get_skip", AEDYN_ERR_NULL, "c", \
      aedyn_net_get_skip(f->net, NULL)) \
    X(net_error_denoising_sigma, "aedyn_net_error_denoising", AEDYN_ERR_INVALID, "sigma_n", \
      aedyn_net_error_denoising(f->net, f->data, 1.0, -0.5, f->x)) \
    X(net_error_denoising_a, "aedyn_net_error_denoising", AEDYN_ERR_INVALID, "a = inf", \
      aedyn_net_error_denoising(f->net, f->data, inf_, 0.5, f->x)) \
    /* sgd */                                                                                      \
    X(sgd_lr, "aedyn_sgd_create", AEDYN_ERR_INVALID, "learning rate",                              \
      aedyn_sgd_create(&f->sgd, f->net, f->data, f->rng, AEDYN_SGD_VANILLA, nan_))                 \
    X(sgd_rule, "aedyn_sgd_create", AEDYN_ERR_INVALID, "rule",                                     \
      aedyn_sgd_create(&f->sgd, f->net, f->data, f->rng, (aedyn_sgd_rule)9, 0.1))                  \
    X(sgd_sanger, "aedyn_sgd_create", AEDYN_ERR_UNSUPPORTED, "Sanger",                             \
      aedyn_sgd_create(&f->sgd, f->net, f->data, f->rng, AEDYN_SGD_SANGER, 0.1))                   \
    X(sgd_destroy_null, "aedyn_sgd_destroy", AEDYN_OK, "", (aedyn_sgd_destroy(NULL), AEDYN_OK))    \
    X(sgd_rates, "aedyn_sgd_set_learning_rates", AEDYN_ERR_INVALID, "eta_v",                       \
      aedyn_sgd_set_learning_rates(f->sgd, 1, -1, 1))                                              \
    X(sgd_get_rates_null, "aedyn_sgd_get_learning_rates", AEDYN_ERR_NULL, "sgd",                   \
      aedyn_sgd_get_learning_rates(NULL, NULL, NULL, NULL))                                        \
    X(sgd_wd, "aedyn_sgd_set_weight_decay", AEDYN_ERR_INVALID, "kappa",                            \
      aedyn_sgd_set_weight_decay(f->sgd, (double)D_))                                              \
    X(sgd_get_wd_null, "aedyn_sgd_get_weight_decay", AEDYN_ERR_NULL, "kappa",                      \
      aedyn_sgd_get_weight_decay(f->sgd, NULL))                                                    \
    X(sgd_get_rule_null, "aedyn_sgd_get_rule", AEDYN_ERR_NULL, "rule",                             \
      aedyn_sgd_get_rule(f->sgd, NULL))                                                            \
    X(sgd_get_net_null, "aedyn_sgd_get_net", AEDYN_OK, "", IS(aedyn_sgd_get_net(NULL) == NULL))    \
    X(sgd_get_data_null, "aedyn_sgd_get_data", AEDYN_OK, "", IS(aedyn_sgd_get_data(NULL) == NULL)) \
    X(sgd_step_null, "aedyn_sgd_step", AEDYN_ERR_NULL, "sgd", aedyn_sgd_step(NULL, 1))             \
    X(sgd_step_input_nan, "aedyn_sgd_step_input", AEDYN_ERR_DIVERGED, "diverged",                  \
      (f->x[0] = nan_, aedyn_sgd_step_input(f->sgd, f->x)))                                        \
    X(sgd_steps_null, "aedyn_sgd_get_n_steps", AEDYN_OK, "", IS(aedyn_sgd_get_n_steps(NULL) == 0)) \
    X(sgd_time_null, "aedyn_sgd_get_time", AEDYN_OK, "", IS(isnan(aedyn_sgd_get_time(NULL))))      \
    X(sgd_denoising_sigma, "aedyn_sgd_set_denoising", AEDYN_ERR_INVALID, "sigma_n", \
      aedyn_sgd_set_denoising(f->sgd, 1.0, nan_)) \
    X(sgd_get_denoising_null, "aedyn_sgd_get_denoising", AEDYN_ERR_NULL, "sgd", \
      aedyn_sgd_get_denoising(NULL, NULL, NULL)) \
    X(sgd_skip_rate_unsupported, "aedyn_sgd_set_skip_rate", AEDYN_ERR_UNSUPPORTED, "no skip", \
      aedyn_sgd_set_skip_rate(f->sgd, 1.0)) \
    X(sgd_get_skip_rate_null, "aedyn_sgd_get_skip_rate", AEDYN_ERR_NULL, "eta_c", \
      aedyn_sgd_get_skip_rate(f->sgd, NULL)) \
    X(sgd_schedule_target, "aedyn_sgd_set_schedule", AEDYN_ERR_INVALID, "unknown target", \
      aedyn_sgd_set_schedule(f->sgd, (aedyn_schedule_target)6, NULL)) \
    X(sgd_get_schedule_null, "aedyn_sgd_get_schedule", AEDYN_ERR_NULL, "schedule", \
      aedyn_sgd_get_schedule(f->sgd, AEDYN_SCHEDULE_NOISE, NULL)) \
    X(sgd_step_nan_schedule, "aedyn_sgd_step", AEDYN_ERR_INVALID, "is nan", \
      nan_schedule_run_(f, false)) \
    /* ode */                                                                                      \
    X(ode_tied, "aedyn_ode_create", AEDYN_ERR_UNSUPPORTED, "tied",                                 \
      aedyn_ode_create(&f->ode, f->tied, f->data, AEDYN_SGD_VANILLA, 0.1))                         \
    X(ode_lr, "aedyn_ode_create", AEDYN_ERR_INVALID, "learning rate",                              \
      aedyn_ode_create(&f->ode, f->net, f->data, AEDYN_SGD_VANILLA, inf_))                         \
    X(ode_from_null, "aedyn_ode_create_from_sgd", AEDYN_ERR_NULL, "sgd",                           \
      aedyn_ode_create_from_sgd(&f->ode, NULL))                                                    \
    X(ode_destroy_null, "aedyn_ode_destroy", AEDYN_OK, "", (aedyn_ode_destroy(NULL), AEDYN_OK))    \
    X(ode_rates, "aedyn_ode_set_learning_rates", AEDYN_ERR_INVALID, "rates",                       \
      aedyn_ode_set_learning_rates(f->ode, nan_, 1, 1))                                            \
    X(ode_get_rates_null, "aedyn_ode_get_learning_rates", AEDYN_ERR_NULL, "ode",                   \
      aedyn_ode_get_learning_rates(NULL, NULL, NULL, NULL))                                        \
    X(ode_wd, "aedyn_ode_set_weight_decay", AEDYN_ERR_INVALID, "kappa",                            \
      aedyn_ode_set_weight_decay(f->ode, -1))                                                      \
    X(ode_get_wd_null, "aedyn_ode_get_weight_decay", AEDYN_ERR_NULL, "kappa",                      \
      aedyn_ode_get_weight_decay(f->ode, NULL))                                                    \
    X(ode_get_rule_null, "aedyn_ode_get_rule", AEDYN_ERR_NULL, "ode", aedyn_ode_get_rule(NULL, NULL)) \
    X(ode_method, "aedyn_ode_set_method", AEDYN_ERR_INVALID, "unknown method",                     \
      aedyn_ode_set_method(f->ode, (aedyn_ode_method)42, 0))                                       \
    X(ode_method_step, "aedyn_ode_set_method", AEDYN_ERR_INVALID, "step",                          \
      aedyn_ode_set_method(f->ode, AEDYN_ODE_RK4, 0))                                              \
    X(ode_get_method_null, "aedyn_ode_get_method", AEDYN_ERR_NULL, "ode",                          \
      aedyn_ode_get_method(NULL, NULL, NULL))                                                      \
    X(ode_tol, "aedyn_ode_set_tolerances", AEDYN_ERR_INVALID, "rtol",                              \
      aedyn_ode_set_tolerances(f->ode, 0, 1e-9))                                                   \
    X(ode_atol_zero, "aedyn_ode_set_tolerances", AEDYN_ERR_INVALID, "atol",                        \
      aedyn_ode_set_tolerances(f->ode, 1e-6, 0))                                                   \
    X(ode_get_tol_null, "aedyn_ode_get_tolerances", AEDYN_ERR_NULL, "ode",                         \
      aedyn_ode_get_tolerances(NULL, NULL, NULL))                                                  \
    X(ode_activation_null, "aedyn_ode_set_activation", AEDYN_ERR_NULL, "g",                        \
      aedyn_ode_set_activation(f->ode, NULL, NULL, NULL, NULL))                                    \
    X(ode_advance_past, "aedyn_ode_advance", AEDYN_ERR_INVALID, "t_end",                           \
      aedyn_ode_advance(f->ode, 1.0))                                                              \
    X(ode_advance_nan, "aedyn_ode_advance", AEDYN_ERR_INVALID, "t_end",                            \
      aedyn_ode_advance(f->ode, nan_))                                                             \
    /* analysis (experimental) */                                                                  \
    X(an_create_null, "aedyn_analysis_create", AEDYN_ERR_NULL, "ode",                              \
      aedyn_analysis_create((aedyn_analysis **)&f->p, NULL))                                       \
    X(an_destroy_null, "aedyn_analysis_destroy", AEDYN_OK, "",                                     \
      (aedyn_analysis_destroy(NULL), AEDYN_OK))                                                    \
    X(an_set_tol_nan, "aedyn_analysis_set_tolerances", AEDYN_ERR_INVALID, "got nan",               \
      an_call_(f, AN_SET_TOL_))                                                                    \
    X(an_get_tol_null, "aedyn_analysis_get_tolerances", AEDYN_ERR_NULL, "an",                      \
      aedyn_analysis_get_tolerances(NULL, NULL, NULL))                                             \
    X(an_set_iter_zero, "aedyn_analysis_set_max_iterations", AEDYN_ERR_INVALID, "got 0",           \
      an_call_(f, AN_SET_ITER_))                                                                   \
    X(an_get_iter_null, "aedyn_analysis_get_max_iterations", AEDYN_ERR_NULL, "'n'",                \
      an_call_(f, AN_GET_ITER_NULL_))                                                              \
    X(an_set_theta_one, "aedyn_analysis_set_plateau_threshold", AEDYN_ERR_INVALID, "got 1",        \
      an_call_(f, AN_SET_THETA_))                                                                  \
    X(an_get_theta_null, "aedyn_analysis_get_plateau_threshold", AEDYN_ERR_NULL, "an",             \
      aedyn_analysis_get_plateau_threshold(NULL, f->x))                                            \
    X(an_fixed_point_schedule, "aedyn_analysis_fixed_point", AEDYN_ERR_UNSUPPORTED, "schedule",    \
      an_call_(f, AN_FIXED_SCHED_))                                                                \
    X(an_linearise_null, "aedyn_analysis_linearise", AEDYN_ERR_NULL, "an",                         \
      aedyn_analysis_linearise(NULL))                                                              \
    X(an_outcome_null, "aedyn_analysis_get_outcome", AEDYN_ERR_NULL, "outcome",                    \
      an_call_(f, AN_OUTCOME_NULL_))                                                               \
    X(an_n_iterations_null, "aedyn_analysis_get_n_iterations", AEDYN_OK, "",                       \
      IS(aedyn_analysis_get_n_iterations(NULL) == 0))                                              \
    X(an_residuals_early, "aedyn_analysis_get_residuals", AEDYN_ERR_INVALID, "nothing analysed",   \
      an_call_(f, AN_RESIDUALS_))                                                                  \
    X(an_state_early, "aedyn_analysis_get_state", AEDYN_ERR_INVALID, "nothing analysed",           \
      an_call_(f, AN_STATE_))                                                                      \
    X(an_weights_nan, "aedyn_analysis_get_weights", AEDYN_ERR_INVALID, "not finite",               \
      an_call_(f, AN_WEIGHTS_NAN_))                                                                \
    X(an_error_early, "aedyn_analysis_error", AEDYN_ERR_INVALID, "nothing analysed",               \
      an_call_(f, AN_ERROR_))                                                                      \
    X(an_order_params_early, "aedyn_analysis_order_params", AEDYN_ERR_INVALID, "nothing analysed", \
      an_call_(f, AN_ORDER_PARAMS_))                                                               \
    X(an_n_eigenvalues_null, "aedyn_analysis_get_n_eigenvalues", AEDYN_OK, "",                     \
      IS(aedyn_analysis_get_n_eigenvalues(NULL) == 0))                                             \
    X(an_eigenvalues_early, "aedyn_analysis_get_eigenvalues", AEDYN_ERR_INVALID,                   \
      "nothing analysed", an_call_(f, AN_EIGENVALUES_))                                            \
    X(an_counts_early, "aedyn_analysis_get_counts", AEDYN_ERR_INVALID, "nothing analysed",         \
      an_call_(f, AN_COUNTS_))                                                                     \
    X(an_unstable_early, "aedyn_analysis_get_unstable", AEDYN_ERR_INVALID, "nothing analysed",     \
      an_call_(f, AN_UNSTABLE_))                                                                   \
    X(an_direction_early, "aedyn_analysis_get_direction", AEDYN_ERR_INVALID, "nothing analysed",   \
      an_call_(f, AN_DIRECTION_))                                                                  \
    X(an_component_null, "aedyn_analysis_unstable_component", AEDYN_ERR_NULL, "'W'",               \
      an_call_(f, AN_COMPONENT_NULL_))                                                             \
    X(an_plateaus_t_end, "aedyn_analysis_plateaus", AEDYN_ERR_INVALID, "t_end = -1",               \
      an_call_(f, AN_PLATEAUS_T_))                                                                 \
    X(an_plateaus_points, "aedyn_analysis_plateaus", AEDYN_ERR_SIZE, "n_points = 2",               \
      an_call_(f, AN_PLATEAUS_N_))                                                                 \
    X(an_n_plateaus_null, "aedyn_analysis_get_n_plateaus", AEDYN_OK, "",                           \
      IS(aedyn_analysis_get_n_plateaus(NULL) == 0))                                                \
    X(an_plateau_none, "aedyn_analysis_get_plateau", AEDYN_ERR_SIZE, "out of range",               \
      an_call_(f, AN_PLATEAU_))                                                                    \
    X(an_plateau_field, "aedyn_analysis_get_plateau", AEDYN_ERR_SIZE, "plateau 0",                 \
      an_call_(f, AN_PLATEAU_FIELD_))                                                              \
    X(ode_denoising_sigma, "aedyn_ode_set_denoising", AEDYN_ERR_INVALID, "sigma_n", \
      aedyn_ode_set_denoising(f->ode, 1.0, -inf_)) \
    X(ode_get_denoising_null, "aedyn_ode_get_denoising", AEDYN_ERR_NULL, "ode", \
      aedyn_ode_get_denoising(NULL, NULL, NULL)) \
    X(ode_skip_rate_unsupported, "aedyn_ode_set_skip_rate", AEDYN_ERR_UNSUPPORTED, "no skip", \
      aedyn_ode_set_skip_rate(f->ode, 1.0)) \
    X(ode_get_skip_rate_null, "aedyn_ode_get_skip_rate", AEDYN_ERR_NULL, "eta_c", \
      aedyn_ode_get_skip_rate(f->ode, NULL)) \
    X(ode_get_skip_null, "aedyn_ode_get_skip", AEDYN_ERR_NULL, "c", \
      aedyn_ode_get_skip(f->ode, NULL)) \
    X(ode_schedule_target, "aedyn_ode_set_schedule", AEDYN_ERR_INVALID, "unknown target", \
      aedyn_ode_set_schedule(f->ode, (aedyn_schedule_target)-1, NULL)) \
    X(ode_get_schedule_target, "aedyn_ode_get_schedule", AEDYN_ERR_INVALID, "unknown target", \
      aedyn_ode_get_schedule(f->ode, (aedyn_schedule_target)99, (const aedyn_schedule **)&f->p)) \
    X(ode_advance_nan_schedule, "aedyn_ode_advance", AEDYN_ERR_INVALID, "schedule failed", \
      nan_schedule_run_(f, true)) \
    X(ode_time_null, "aedyn_ode_get_time", AEDYN_OK, "", IS(isnan(aedyn_ode_get_time(NULL))))      \
    X(ode_modes_null, "aedyn_ode_get_n_modes", AEDYN_OK, "", IS(aedyn_ode_get_n_modes(NULL) == 0)) \
    X(ode_mode_range, "aedyn_ode_get_mode", AEDYN_ERR_SIZE, "out of range",                        \
      aedyn_ode_get_mode(f->ode, 1000, NULL, NULL))                                                \
    X(ode_order_null, "aedyn_ode_order_params", AEDYN_ERR_NULL, "ode",                             \
      aedyn_ode_order_params(NULL, f->out, NULL, NULL, NULL))                                      \
    X(ode_biases_null, "aedyn_ode_get_biases", AEDYN_ERR_NULL, "bias",                             \
      aedyn_ode_get_biases(f->ode, NULL))                                                          \
    X(ode_error_null, "aedyn_ode_error", AEDYN_ERR_NULL, "err", aedyn_ode_error(f->ode, NULL))     \
    X(ode_overlaps_range, "aedyn_ode_overlaps", AEDYN_ERR_SIZE, "exceeds",                         \
      aedyn_ode_overlaps(f->ode, 1000, f->out, NULL))                                              \
    X(ode_weights_null, "aedyn_ode_get_weights", AEDYN_ERR_NULL, "ode",                            \
      aedyn_ode_get_weights(NULL, f->W, f->V))                                                     \
    X(ode_switch_range, "aedyn_ode_get_switch", AEDYN_ERR_SIZE, "does not exist",                  \
      aedyn_ode_get_switch(f->ode, 5, NULL, NULL))                                                 \
    X(ode_stat_unknown, "aedyn_ode_get_stat", AEDYN_ERR_INVALID, "statistic",                      \
      aedyn_ode_get_stat(f->ode, (aedyn_ode_stat)77, &f->u64))                                     \
    /* images */                                                                                   \
    X(idx_missing, "aedyn_images_load_idx", AEDYN_ERR_IO, "cannot open",                           \
      aedyn_images_load_idx(&f->im, testutil_tmp_path("missing.idx"), 0, 0))                       \
    X(idx_directory, "aedyn_images_load_idx", AEDYN_ERR_IO, "directory",                           \
      aedyn_images_load_idx(&f->im, f->dir, 0, 0))                                                 \
    X(cifar_stream_uncounted, "aedyn_images_load_cifar10", AEDYN_ERR_INVALID, "regular file",      \
      aedyn_images_load_cifar10(&f->im, "/dev/zero", 0, 0))                                        \
    X(images_create_overflow, "aedyn_images_create", AEDYN_ERR_SIZE, "too many",                   \
      aedyn_images_create(&f->im, SIZE_MAX / 2, 1 << 20, 1 << 20, f->batch))                       \
    X(images_create_nan, "aedyn_images_create", AEDYN_ERR_INVALID, "non-finite",                   \
      aedyn_images_create(&f->im, 1, 1, 1, &nan_))                                                 \
    X(images_destroy_null, "aedyn_images_destroy", AEDYN_OK, "", (aedyn_images_destroy(NULL), AEDYN_OK)) \
    X(images_n_null, "aedyn_images_get_n_images", AEDYN_OK, "",                                    \
      IS(aedyn_images_get_n_images(NULL) == 0))                                                    \
    X(images_dim_null, "aedyn_images_get_dim", AEDYN_OK, "", IS(aedyn_images_get_dim(NULL) == 0))  \
    X(images_shape_null, "aedyn_images_get_shape", AEDYN_ERR_NULL, "imgs",                         \
      aedyn_images_get_shape(NULL, f->sz, f->sz + 1))                                              \
    X(images_get_range, "aedyn_images_get_images", AEDYN_ERR_SIZE, "requested",                    \
      aedyn_images_get_images(f->im, SIZE_MAX, 2, f->batch))                                       \
    X(images_preprocess_eps, "aedyn_images_preprocess", AEDYN_ERR_INVALID, "eps",                  \
      aedyn_images_preprocess(f->im, AEDYN_IMAGES_ZCA, -1))                                        \
    X(images_preprocess_like_self, "aedyn_images_preprocess_like", AEDYN_ERR_INVALID, "itself",    \
      aedyn_images_preprocess_like(f->im, f->im))                                                  \
    X(images_sample_null, "aedyn_images_sample", AEDYN_ERR_NULL, "rng",                            \
      aedyn_images_sample(f->im, NULL, 1, f->batch))                                               \
    X(images_data_sampler, "aedyn_data_create_images", AEDYN_ERR_INVALID, "sampler",               \
      aedyn_data_create_images(&f->data, f->im, (aedyn_images_sampler)3))                          \
    /* npy */                                                                                      \
    X(npy_read_missing, "aedyn_npy_read", AEDYN_ERR_IO, "missing.npy",                             \
      aedyn_npy_read(testutil_tmp_path("missing.npy"), &f->p, f->sz, f->sz + 1))                   \
    X(npy_write_full, "aedyn_npy_write", AEDYN_ERR_IO, "/dev/full",                                \
      aedyn_npy_write("/dev/full", f->x, 1, D_))                                                   \
    X(npy_write_overflow, "aedyn_npy_write", AEDYN_ERR_SIZE, "too large",                          \
      aedyn_npy_write(testutil_tmp_path("big.npy"), f->x, SIZE_MAX, 3))                            \
    X(npy_free_null, "aedyn_npy_free", AEDYN_OK, "", (aedyn_npy_free(NULL), AEDYN_OK))             \
    /* enum and grid */                                                                            \
    X(enum_name_unknown, "aedyn_enum_name", AEDYN_OK, "",                                          \
      IS(aedyn_enum_name(AEDYN_ENUM_RULE, 3) == NULL))                                             \
    X(enum_value_unknown, "aedyn_enum_value", AEDYN_ERR_INVALID, "vanilla|truncated|sanger",       \
      aedyn_enum_value(AEDYN_ENUM_RULE, "adam", &f->iv))                                           \
    X(grid_points, "aedyn_grid_log", AEDYN_ERR_SIZE, "n must be",                                  \
      aedyn_grid_log(1, 10, SIZE_MAX, 1000, 0, NULL, NULL, f->sz))                                 \
    X(grid_horizon, "aedyn_grid_log", AEDYN_ERR_INVALID, "2^53",                                   \
      aedyn_grid_log(1, 1e300, 3, 1000, 0, NULL, NULL, f->sz))                                     \
    /* schedule */                                                                                 \
    X(sched_constant_null, "aedyn_schedule_create_constant", AEDYN_ERR_NULL, "out",                \
      aedyn_schedule_create_constant(NULL, 1.0))                                                   \
    X(sched_constant_nan, "aedyn_schedule_create_constant", AEDYN_ERR_INVALID, "value must be",    \
      sched_created_(aedyn_schedule_create_constant(&sched_out_, nan_)))                           \
    X(sched_piecewise_null, "aedyn_schedule_create_piecewise", AEDYN_ERR_NULL, "values",           \
      sched_created_(aedyn_schedule_create_piecewise(&sched_out_, 3, f->x, NULL)))                 \
    X(sched_piecewise_size, "aedyn_schedule_create_piecewise", AEDYN_ERR_SIZE, "n must be",        \
      sched_created_(aedyn_schedule_create_piecewise(&sched_out_, SIZE_MAX, f->x, f->x)))          \
    X(sched_piecewise_t0, "aedyn_schedule_create_piecewise", AEDYN_ERR_INVALID, "t[0] must be 0",  \
      sched_created_(aedyn_schedule_create_piecewise(&sched_out_, 2, (const double[]){ 1, 2 },     \
                                                     f->x)))                                       \
    X(sched_piecewise_order, "aedyn_schedule_create_piecewise", AEDYN_ERR_INVALID, "t[2] = 0.1",   \
      sched_created_(aedyn_schedule_create_piecewise(&sched_out_, 3,                               \
                                                     (const double[]){ 0, 1, 0.1 }, f->x)))        \
    X(sched_piecewise_value, "aedyn_schedule_create_piecewise", AEDYN_ERR_INVALID,                 \
      "values[1] = -inf",                                                                          \
      sched_created_(aedyn_schedule_create_piecewise(&sched_out_, 2, f->x,                         \
                                                     (const double[]){ 1, -inf_ })))               \
    X(sched_power_tau, "aedyn_schedule_create_power", AEDYN_ERR_INVALID, "tau must be",            \
      sched_created_(aedyn_schedule_create_power(&sched_out_, 1, 0, 1)))                           \
    X(sched_power_beta, "aedyn_schedule_create_power", AEDYN_ERR_INVALID, "beta must be",          \
      sched_created_(aedyn_schedule_create_power(&sched_out_, 1, 1, nan_)))                        \
    X(sched_exponential_v0, "aedyn_schedule_create_exponential", AEDYN_ERR_INVALID, "v0 must",     \
      sched_created_(aedyn_schedule_create_exponential(&sched_out_, -1, 1)))                       \
    X(sched_cosine_v_min, "aedyn_schedule_create_cosine", AEDYN_ERR_INVALID, "v_min must be",      \
      sched_created_(aedyn_schedule_create_cosine(&sched_out_, 1, 2, 1)))                          \
    X(sched_cosine_T, "aedyn_schedule_create_cosine", AEDYN_ERR_INVALID, "T must be",              \
      sched_created_(aedyn_schedule_create_cosine(&sched_out_, 1, 0, inf_)))                       \
    X(sched_user_fn, "aedyn_schedule_create_user", AEDYN_ERR_NULL, "fn",                           \
      sched_created_(aedyn_schedule_create_user(&sched_out_, NULL, NULL, 0, NULL)))                \
    X(sched_user_breaks_null, "aedyn_schedule_create_user", AEDYN_ERR_NULL, "breaks",              \
      sched_created_(aedyn_schedule_create_user(&sched_out_, sched_nan_fn_, NULL, 2, NULL)))       \
    X(sched_user_size, "aedyn_schedule_create_user", AEDYN_ERR_SIZE, "n_breaks",                   \
      sched_created_(aedyn_schedule_create_user(&sched_out_, sched_nan_fn_, NULL, SIZE_MAX,        \
                                                f->x)))                                            \
    X(sched_user_breaks_zero, "aedyn_schedule_create_user", AEDYN_ERR_INVALID, "breaks[0] = 0",    \
      sched_created_(aedyn_schedule_create_user(&sched_out_, sched_nan_fn_, NULL, 3, f->x)))       \
    X(sched_destroy_null, "aedyn_schedule_destroy", AEDYN_OK, "",                                  \
      (aedyn_schedule_destroy(NULL), AEDYN_OK))                                                    \
    X(sched_set_warmup_null, "aedyn_schedule_set_warmup", AEDYN_ERR_NULL, "schedule",              \
      aedyn_schedule_set_warmup(NULL, 1.0))                                                        \
    X(sched_set_warmup_nan, "aedyn_schedule_set_warmup", AEDYN_ERR_INVALID, "t_warmup must be",    \
      sched_call_(SCHED_SET_WARMUP_, false, nan_))                                                 \
    X(sched_set_warmup_negative, "aedyn_schedule_set_warmup", AEDYN_ERR_INVALID, "got -1",         \
      sched_call_(SCHED_SET_WARMUP_, false, -1.0))                                                 \
    X(sched_get_warmup_null, "aedyn_schedule_get_warmup", AEDYN_ERR_NULL, "schedule",              \
      aedyn_schedule_get_warmup(NULL, f->x))                                                       \
    X(sched_value_null, "aedyn_schedule_value", AEDYN_ERR_NULL, "schedule",                        \
      aedyn_schedule_value(NULL, 1.0, f->x))                                                       \
    X(sched_value_negative, "aedyn_schedule_value", AEDYN_ERR_INVALID, "t = -1",                   \
      sched_call_(SCHED_VALUE_, false, -1.0))                                                      \
    X(sched_value_inf, "aedyn_schedule_value", AEDYN_ERR_INVALID, "t = inf",                       \
      sched_call_(SCHED_VALUE_, false, inf_))                                                      \
    X(sched_value_user_nan, "aedyn_schedule_value", AEDYN_ERR_INVALID, "at t = 0.5 is nan",        \
      sched_call_(SCHED_VALUE_, true, 0.5))                                                        \
    X(sched_next_breakpoint_null, "aedyn_schedule_next_breakpoint", AEDYN_ERR_NULL, "schedule",    \
      aedyn_schedule_next_breakpoint(NULL, 0.0, f->x))                                             \
    X(sched_next_breakpoint_nan, "aedyn_schedule_next_breakpoint", AEDYN_ERR_INVALID, "t = nan",   \
      sched_call_(SCHED_NEXT_BREAKPOINT_, true, nan_))                                            \
    /* replicas */                                                                                 \
    X(rep_create_zero, "aedyn_replicas_create", AEDYN_ERR_SIZE, "number of replicas",              \
      aedyn_replicas_create(&f->rep, f->sgd, 0, f->rng))                                           \
    X(rep_create_huge, "aedyn_replicas_create", AEDYN_ERR_SIZE, "got 18446744073709551615",       \
      aedyn_replicas_create(&f->rep, f->sgd, SIZE_MAX, f->rng))                                    \
    X(rep_create_null, "aedyn_replicas_create", AEDYN_ERR_NULL, "sgd",                             \
      aedyn_replicas_create(&f->rep, NULL, 2, f->rng))                                             \
    X(rep_destroy_null, "aedyn_replicas_destroy", AEDYN_OK, "",                                    \
      (aedyn_replicas_destroy(NULL), AEDYN_OK))                                                    \
    X(rep_init_sigma, "aedyn_replicas_init_gaussian", AEDYN_ERR_INVALID, "sigma0",                 \
      rep_call_(f, REP_INIT_SIGMA_))                                                               \
    X(rep_init_after_step, "aedyn_replicas_init_gaussian", AEDYN_ERR_INVALID, "stepped already",   \
      rep_call_(f, REP_INIT_AFTER_STEP_))                                                          \
    X(rep_threads, "aedyn_replicas_set_n_threads", AEDYN_ERR_SIZE, "threads",                      \
      rep_call_(f, REP_THREADS_))                                                                  \
    X(rep_get_threads_null, "aedyn_replicas_get_n_threads", AEDYN_OK, "",                          \
      IS(aedyn_replicas_get_n_threads(NULL) == 0))                                                 \
    X(rep_get_n_null, "aedyn_replicas_get_n_replicas", AEDYN_OK, "",                               \
      IS(aedyn_replicas_get_n_replicas(NULL) == 0))                                                \
    X(rep_get_values_n_null, "aedyn_replicas_get_n_values", AEDYN_OK, "",                          \
      IS(aedyn_replicas_get_n_values(NULL) == 0))                                                  \
    X(rep_get_steps_null, "aedyn_replicas_get_n_steps", AEDYN_OK, "",                              \
      IS(aedyn_replicas_get_n_steps(NULL) == 0))                                                   \
    X(rep_get_time_null, "aedyn_replicas_get_time", AEDYN_OK, "",                                  \
      IS(isnan(aedyn_replicas_get_time(NULL))))                                                    \
    X(rep_step_null, "aedyn_replicas_step", AEDYN_ERR_NULL, "rep", aedyn_replicas_step(NULL, 5))   \
    X(rep_get_values_null, "aedyn_replicas_get_values", AEDYN_ERR_NULL, "'rep'",                   \
      aedyn_replicas_get_values(f->rep, NULL))                                                     \
    X(rep_stats_q, "aedyn_replicas_stats", AEDYN_ERR_INVALID, "q[1] = nan",                        \
      rep_call_(f, REP_STATS_Q_))                                                                  \
    X(rep_stats_q_null, "aedyn_replicas_stats", AEDYN_ERR_NULL, "'q'",                             \
      rep_call_(f, REP_STATS_Q_NULL_))                                                             \
    X(rep_escape_dt, "aedyn_replicas_set_escape", AEDYN_ERR_INVALID, "dt = -1",                    \
      rep_call_(f, REP_ESCAPE_DT_))                                                                \
    X(rep_get_escape_null, "aedyn_replicas_get_escape", AEDYN_ERR_NULL, "rep",                     \
      aedyn_replicas_get_escape(NULL, NULL, NULL))                                                 \
    X(rep_escape_times_unset, "aedyn_replicas_get_escape_times", AEDYN_ERR_INVALID, "no escape",   \
      rep_call_(f, REP_ESCAPE_TIMES_))                                                             \
    X(rep_escape_stats_q, "aedyn_replicas_escape_stats", AEDYN_ERR_INVALID, "q[1]",                \
      rep_call_(f, REP_ESCAPE_STATS_Q_))                                                           \
    X(rep_get_net_null, "aedyn_replicas_get_net", AEDYN_OK, "",                                    \
      IS(aedyn_replicas_get_net(NULL, 0) == NULL))                                                 \
    X(rep_reduced_tied, "aedyn_replicas_create_reduced", AEDYN_ERR_UNSUPPORTED, "tied",            \
      chain_call_(f, CH_REDUCED_TIED_))                                                            \
    X(rep_get_chain_null, "aedyn_replicas_get_chain", AEDYN_OK, "",                                \
      IS(aedyn_replicas_get_chain(NULL, 0) == NULL))                                               \
    /* chain */                                                                                    \
    X(chain_create_null, "aedyn_chain_create", AEDYN_ERR_NULL, "sgd",                              \
      aedyn_chain_create(&f->chain, NULL, f->rng))                                                 \
    X(chain_create_tied, "aedyn_chain_create", AEDYN_ERR_UNSUPPORTED, "tied networks",             \
      chain_call_(f, CH_CREATE_TIED_))                                                             \
    X(chain_destroy_null, "aedyn_chain_destroy", AEDYN_OK, "",                                     \
      (aedyn_chain_destroy(NULL), AEDYN_OK))                                                       \
    X(chain_step_null, "aedyn_chain_step", AEDYN_ERR_NULL, "chain", aedyn_chain_step(NULL, 3))     \
    X(chain_step_diverge, "aedyn_chain_step", AEDYN_ERR_DIVERGED, "diverged",                      \
      chain_call_(f, CH_STEP_DIVERGE_))                                                            \
    X(chain_steps_null, "aedyn_chain_get_n_steps", AEDYN_OK, "",                                   \
      IS(aedyn_chain_get_n_steps(NULL) == 0))                                                      \
    X(chain_time_null, "aedyn_chain_get_time", AEDYN_OK, "",                                       \
      IS(isnan(aedyn_chain_get_time(NULL))))                                                       \
    X(chain_explicit_null, "aedyn_chain_get_n_explicit", AEDYN_OK, "",                             \
      IS(aedyn_chain_get_n_explicit(NULL) == 0))                                                   \
    X(chain_n_state_null, "aedyn_chain_get_n_state", AEDYN_OK, "",                                 \
      IS(aedyn_chain_get_n_state(NULL) == 0))                                                      \
    X(chain_get_state_null, "aedyn_chain_get_state", AEDYN_ERR_NULL, "'y'",                        \
      chain_call_(f, CH_GET_STATE_NULL_))                                                          \
    X(chain_set_state_nan, "aedyn_chain_set_state", AEDYN_ERR_INVALID, "y[1] = nan",               \
      chain_call_(f, CH_SET_NAN_))                                                                 \
    X(chain_set_state_psd, "aedyn_chain_set_state", AEDYN_ERR_INVALID, "semi-definite",            \
      chain_call_(f, CH_SET_NOT_PSD_))                                                             \
    X(chain_set_state_sym, "aedyn_chain_set_state", AEDYN_ERR_INVALID, "symmetric",                \
      chain_call_(f, CH_SET_ASYM_))                                                                \
    X(chain_init_sigma, "aedyn_chain_init_gaussian", AEDYN_ERR_INVALID, "sigma0",                  \
      chain_call_(f, CH_INIT_SIGMA_))                                                              \
    X(chain_order_null, "aedyn_chain_order_params", AEDYN_ERR_NULL, "chain",                       \
      aedyn_chain_order_params(NULL, f->x, NULL, NULL, NULL))                                      \
    X(chain_error_null, "aedyn_chain_error", AEDYN_ERR_NULL, "'err'",                              \
      chain_call_(f, CH_ERROR_NULL_))                                                              \
    /* band (experimental) */                                                                      \
    X(band_create_null, "aedyn_band_create", AEDYN_ERR_NULL, "sgd", aedyn_band_create(&f->band, NULL)) \
    X(band_create_tied, "aedyn_band_create", AEDYN_ERR_UNSUPPORTED, "tied", band_tied_(f))         \
    X(band_destroy_null, "aedyn_band_destroy", AEDYN_OK, "", (aedyn_band_destroy(NULL), AEDYN_OK)) \
    X(band_advance_past, "aedyn_band_advance", AEDYN_ERR_INVALID, "t_end",                         \
      band_call_(f, BD_ADVANCE_PAST_))                                                             \
    X(band_time_null, "aedyn_band_get_time", AEDYN_OK, "", IS(isnan(aedyn_band_get_time(NULL))))   \
    X(band_n_state_null, "aedyn_band_get_n_state", AEDYN_OK, "",                                   \
      IS(aedyn_band_get_n_state(NULL) == 0))                                                       \
    X(band_fluct_null, "aedyn_band_set_fluctuations", AEDYN_ERR_NULL, "band",                      \
      aedyn_band_set_fluctuations(NULL, false))                                                    \
    X(band_tol, "aedyn_band_set_tolerances", AEDYN_ERR_INVALID, "atol", band_call_(f, BD_TOL_))    \
    X(band_quad, "aedyn_band_set_quadrature", AEDYN_ERR_SIZE, "got 65", band_call_(f, BD_QUAD_))   \
    X(band_get_mean_null, "aedyn_band_get_mean", AEDYN_ERR_NULL, "'band'",                          \
      aedyn_band_get_mean(f->band, NULL))                                                          \
    X(band_set_mean_inf, "aedyn_band_set_mean", AEDYN_ERR_INVALID, "y[2] = inf",                   \
      band_call_(f, BD_SET_MEAN_NAN_))                                                             \
    X(band_cov_null, "aedyn_band_get_covariance", AEDYN_ERR_NULL, "band",                          \
      aedyn_band_get_covariance(NULL, f->x, NULL))                                                 \
    X(band_noise_ok, "aedyn_band_noise", AEDYN_OK, "", band_call_(f, BD_NOISE_OK_))                \
    X(band_noise_null, "aedyn_band_noise", AEDYN_ERR_NULL, "band", aedyn_band_noise(NULL, f->x))   \
    X(band_jacobian_ok, "aedyn_band_jacobian", AEDYN_OK, "", band_call_(f, BD_JAC_OK_))            \
    X(band_jacobian_null, "aedyn_band_jacobian", AEDYN_ERR_NULL, "'band'",                          \
      aedyn_band_jacobian(f->band, NULL))                                                          \
    X(band_error_ok, "aedyn_band_error", AEDYN_OK, "", band_call_(f, BD_ERROR_OK_))                \
    X(band_error_null, "aedyn_band_error", AEDYN_ERR_NULL, "band",                                 \
      aedyn_band_error(NULL, NULL, NULL, NULL, NULL))                                              \
    X(band_sample_null, "aedyn_band_sample", AEDYN_ERR_NULL, "rng", band_call_(f, BD_SAMPLE_NULL_))

#define DEFINE_CASE(name, entry, expect, fragment, call)                                           \
    static aedyn_status case_##name(fixture *f)                                                    \
    {                                                                                              \
        (void)f;                                                                                   \
        return (call);                                                                             \
    }
CASES(DEFINE_CASE)

typedef struct {
    const char *name, *entry;
    aedyn_status expect;
    const char *fragment;
    aedyn_status (*run)(fixture *f);
} case_row;

#define ROW(name, entry, expect, fragment, call) { #name, entry, expect, fragment, case_##name },
static const case_row cases[] = { CASES(ROW) };
#define N_CASES (sizeof cases / sizeof cases[0])

START_TEST(every_case)
{
    const case_row *c = &cases[_i];
    testutil_tmpdir_make("aedyn-invalid");
    fixture f;
    fixture_make(&f);
    aedyn_rng *r0 = f.rng;
    aedyn_data *d0 = f.data;
    aedyn_net *n0 = f.net;
    aedyn_sgd *s0 = f.sgd;
    aedyn_ode *o0 = f.ode;
    aedyn_images *i0 = f.im;
    snapshot before, after;
    snap(&f, &before);
    memcpy(f.W, before.W, sizeof f.W);
    /* a message left by the fixture must not pass for the case's */
    aedyn_enum_value(AEDYN_ENUM_SPIKES, "x", &f.iv);
    aedyn_status st = c->run(&f);
    ck_assert_msg(st == c->expect, "%s (%s): status %d (%s), expected %d (%s); message: %s",
                  c->name, c->entry, (int)st, aedyn_strerror(st), (int)c->expect,
                  aedyn_strerror(c->expect), aedyn_error_message());
    if (c->expect != AEDYN_OK)
        ck_assert_msg(strstr(aedyn_error_message(), c->fragment) != NULL,
                      "%s (%s): message '%s' lacks '%s'", c->name, c->entry,
                      aedyn_error_message(), c->fragment);
    /* outputs untouched on failure, handles unchanged and usable */
    ck_assert_ptr_eq(f.rng, r0);
    ck_assert_ptr_eq(f.data, d0);
    ck_assert_ptr_eq(f.net, n0);
    ck_assert_ptr_eq(f.sgd, s0);
    ck_assert_ptr_eq(f.ode, o0);
    ck_assert_ptr_eq(f.im, i0);
    ck_assert_ptr_null(f.rep);
    ck_assert_ptr_null(f.chain);
    ck_assert_ptr_null(f.band);
    snap(&f, &after);
    ck_assert_msg(memcmp(&before, &after, sizeof before) == 0, "%s: a handle changed", c->name);
    ck_assert_aedyn_ok(aedyn_sgd_step(f.sgd, 5));
    ck_assert_aedyn_ok(aedyn_ode_advance(f.ode, 4.0));
    double e;
    ck_assert_aedyn_ok(aedyn_ode_error(f.ode, &e));
    ck_assert(isfinite(e));
    fixture_free(&f);
    testutil_tmpdir_remove();
}
END_TEST

/* Every exported function has at least one case. */
START_TEST(every_entry_point_has_a_case)
{
    const char *path = testutil_data_path("../abi/symbols.txt");
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    char line[256];
    size_t n = 0, missing = 0;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "@\n")] = '\0';
        n++;
        bool found = false;
        for (size_t i = 0; i < N_CASES && !found; i++)
            found = strcmp(cases[i].entry, line) == 0;
        if (!found) {
            fprintf(stderr, "no invalid-input case for %s\n", line);
            missing++;
        }
    }
    fclose(fp);
    ck_assert_uint_gt(n, 90);
    ck_assert_msg(missing == 0, "%zu public functions without a case", missing);
    /* and every case names a public function */
    for (size_t i = 0; i < N_CASES; i++)
        ck_assert_msg(strncmp(cases[i].entry, "aedyn_", 6) == 0, "%s", cases[i].name);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("invalid");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, every_case, 0, (int)N_CASES);
    tcase_add_test(tc, every_entry_point_has_a_case);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
