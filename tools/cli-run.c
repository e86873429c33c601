/* `aedyn run`: build the data model, network, trainer and ODE from the
 * configuration and advance them to the output times (aedyn_grid_log); at
 * each, measure the errors and order parameters and hand them to the outputs
 * (cli-output.c) and, at the end, to the plot (cli-plot.c). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli-analyse.h"
#include "cli-output.h"
#include "cli-plot.h"
#include "cli-run.h"
#include "cli-schedule.h"
#include "cli-state.h"

/* ---- small helpers ---- */

double cli_elapsed(const cli_state *r)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - r->t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - r->t0.tv_nsec);
}

const char *cli_out_path(cli_state *r, const char *suffix)
{
    size_t need = strlen(r->cfg->out) + strlen(suffix) + 1;
    if (need > r->path_cap) {
        char *p = realloc(r->path, need);
        if (!p) {
            fprintf(stderr, "aedyn: out of memory\n");
            exit(CLI_EXIT_FAILURE);
        }
        r->path = p;
        r->path_cap = need;
    }
    snprintf(r->path, need, "%s%s", r->cfg->out, suffix);
    return r->path;
}

static void set_message(cli_state *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

static void clear_progress(cli_state *r)
{
    if (r->progress_shown) {
        fputs("\r\033[K", stderr);
        r->progress_shown = false;
    }
}

static void show_progress(cli_state *r, double t, bool force)
{
    if (!r->progress)
        return;
    double e = cli_elapsed(r);
    if (!force && e - r->last_progress < 0.2)
        return;
    r->last_progress = e;
    double frac = t / r->cfg->t_max;
    fprintf(stderr, "\r\033[K[aedyn] t = %.4g / %g (%3.0f%%)  elapsed %.1f s", t, r->cfg->t_max,
            100 * frac, e);
    if (frac > 0.01)
        fprintf(stderr, "  ETA %.1f s", e * (1 - frac) / frac);
    r->progress_shown = true;
}

/* ---- setup ---- */

/* A library call failed during setup: say which and what. */
static int setup_failed(cli_state *r, const char *what, aedyn_status st)
{
    set_message(r, "%s: %s: %s", what, aedyn_strerror(st), aedyn_error_message());
    cli_error("%s", r->message);
    /* configurations the library rejects are bad option values */
    return st == AEDYN_ERR_NOMEM || st == AEDYN_ERR_NUMERIC ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
}

static int load_weights(cli_state *r)
{
    const cli_config *c = r->cfg;
    double *W = NULL, *V = NULL;
    size_t rows, cols;
    aedyn_status st = aedyn_npy_read(c->init_weights.v[0], &W, &rows, &cols);
    if (st != AEDYN_OK)
        return setup_failed(r, "--init-weights", st);
    if (rows != r->K || cols != r->D) {
        cli_error("--init-weights: '%s' has shape (%zu, %zu), expected K x D = (%zu, %zu)",
                  c->init_weights.v[0], rows, cols, r->K, r->D);
        aedyn_npy_free(W);
        return CLI_EXIT_USAGE;
    }
    bool keep_V = strcmp(c->init_weights.v[1], "-") == 0;
    if (!keep_V && c->tied) {
        cli_error("--init-weights: a tied network has no decoder; give '-' for V.npy");
        aedyn_npy_free(W);
        return CLI_EXIT_USAGE;
    }
    if (!keep_V) {
        st = aedyn_npy_read(c->init_weights.v[1], &V, &rows, &cols);
        if (st != AEDYN_OK) {
            aedyn_npy_free(W);
            return setup_failed(r, "--init-weights", st);
        }
        if (rows != r->K || cols != r->D) {
            cli_error("--init-weights: '%s' has shape (%zu, %zu), expected K x D = (%zu, %zu)",
                      c->init_weights.v[1], rows, cols, r->K, r->D);
            aedyn_npy_free(W);
            aedyn_npy_free(V);
            return CLI_EXIT_USAGE;
        }
    }
    st = aedyn_net_set_weights(r->net, W, V, NULL);
    aedyn_npy_free(W);
    aedyn_npy_free(V);
    return st == AEDYN_OK ? CLI_EXIT_OK : setup_failed(r, "--init-weights", st);
}

/* ---- image data ---- */

static aedyn_status load_images(const cli_state *r, const char *path, size_t first, size_t count,
                                aedyn_images **out)
{
    return r->cfg->data == CLI_DATA_CIFAR ? aedyn_images_load_cifar10(out, path, first, count)
                                          : aedyn_images_load_idx(out, path, first, count);
}

/* A new set with images [first, first + n) of src (as loaded: not yet preprocessed). */
static aedyn_status copy_images(const aedyn_images *src, size_t first, size_t n,
                                aedyn_images **out)
{
    size_t rows, cols;
    aedyn_status st = aedyn_images_get_shape(src, &rows, &cols);
    if (st != AEDYN_OK)
        return st;
    double *X = cli_alloc(n, rows * cols, sizeof *X); /* the pixels of one loaded image */
    if (!X)
        return AEDYN_ERR_NOMEM;
    st = aedyn_images_get_images(src, first, n, X);
    if (st == AEDYN_OK)
        st = aedyn_images_create(out, n, rows, cols, X);
    free(X);
    return st;
}

/* The training and held-out sets. With TEST: the first --subset images of
 * TRAIN and the first --test-size images of TEST. Without: TRAIN is split,
 * its last --test-size images (default 1/6) held out and the training images
 * taken from the rest. */
static int load_image_sets(cli_state *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    if (c->images.n == 2) {
        if ((st = load_images(r, c->images.v[0], 0, c->subset, &r->train)) != AEDYN_OK)
            return setup_failed(r, c->subset ? "--images TRAIN/--subset" : "--images TRAIN", st);
        if ((st = load_images(r, c->images.v[1], 0, c->test_size, &r->test)) != AEDYN_OK)
            return setup_failed(r, c->test_size ? "--images TEST/--test-size" : "--images TEST",
                                st);
        return CLI_EXIT_OK;
    }
    aedyn_images *all = NULL;
    if ((st = load_images(r, c->images.v[0], 0, 0, &all)) != AEDYN_OK)
        return setup_failed(r, "--images", st);
    size_t N = aedyn_images_get_n_images(all);
    size_t n_test = c->test_size ? c->test_size : N / 6;
    if (n_test < 1 || n_test >= N) {
        cli_error("--test-size: cannot hold out %zu of the %zu images of '%s' (give a TEST file "
                  "to --images or a smaller --test-size)", n_test, N, c->images.v[0]);
        aedyn_images_destroy(all);
        return CLI_EXIT_USAGE;
    }
    size_t n_train = c->subset ? c->subset : N - n_test;
    if (n_train > N - n_test) {
        cli_error("--subset %zu: '%s' has %zu images and %zu of them are held out (--test-size)",
                  c->subset, c->images.v[0], N, n_test);
        aedyn_images_destroy(all);
        return CLI_EXIT_USAGE;
    }
    st = copy_images(all, 0, n_train, &r->train);
    if (st == AEDYN_OK)
        st = copy_images(all, N - n_test, n_test, &r->test);
    aedyn_images_destroy(all);
    return st == AEDYN_OK ? CLI_EXIT_OK : setup_failed(r, "--images", st);
}

static int make_image_data(cli_state *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    int rc = load_image_sets(r);
    if (rc != CLI_EXIT_OK)
        return rc;
    r->D = aedyn_images_get_dim(r->train);
    if (cli_given(c, "D") && c->D != r->D) {
        cli_error("--D %zu disagrees with the images (D = %zu); omit --D", c->D, r->D);
        return CLI_EXIT_USAGE;
    }
    if (aedyn_images_get_dim(r->test) != r->D) {
        cli_error("--images: the held-out images have D = %zu, the training images D = %zu",
                  aedyn_images_get_dim(r->test), r->D);
        return CLI_EXIT_USAGE;
    }
    r->n_train = aedyn_images_get_n_images(r->train);
    r->n_test = aedyn_images_get_n_images(r->test);
    st = aedyn_images_preprocess(r->train, (aedyn_images_mode)c->preprocess, c->whiten_eps);
    if (st != AEDYN_OK)
        return setup_failed(r, "--preprocess", st);
    if ((st = aedyn_images_preprocess_like(r->test, r->train)) != AEDYN_OK)
        return setup_failed(r, "--preprocess (held-out images)", st);
    st = aedyn_data_create_images(&r->data, r->train, (aedyn_images_sampler)c->sampler);
    if (st != AEDYN_OK)
        return setup_failed(r, "image data model", st);
    return CLI_EXIT_OK;
}

static int make_data(cli_state *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    if (c->data == CLI_DATA_CIFAR || c->data == CLI_DATA_IDX)
        return make_image_data(r);
    if (c->data == CLI_DATA_GAUSSIAN) {
        double *omega = NULL;
        size_t rows, cols;
        st = aedyn_npy_read(c->covariance, &omega, &rows, &cols);
        if (st != AEDYN_OK)
            return setup_failed(r, "--covariance", st);
        if (rows != cols || (cli_given(c, "D") && c->D != rows)) {
            cli_error("--covariance: '%s' has shape (%zu, %zu), expected D x D%s", c->covariance,
                      rows, cols, cli_given(c, "D") ? " with the D of --D" : "");
            aedyn_npy_free(omega);
            return CLI_EXIT_USAGE;
        }
        r->D = rows;
        st = aedyn_data_create_gaussian(&r->data, rows, omega);
        aedyn_npy_free(omega);
        return st == AEDYN_OK ? CLI_EXIT_OK : setup_failed(r, "--covariance", st);
    }
    r->D = c->D;
    r->M = cli_effective_M(c);
    for (size_t m = 0; m < r->M; m++)
        r->lambda[m] = c->spikes.n ? c->spikes.v[m] : ldexp(1.0, (int)m + 1) + 1;
    st = aedyn_data_create_spiked(&r->data, r->D, r->M, r->lambda, c->noise,
                                  (aedyn_data_spikes)c->spike_vectors,
                                  r->rng, c->standardise ? AEDYN_DATA_STANDARDISE : 0u);
    return st == AEDYN_OK ? CLI_EXIT_OK : setup_failed(r, "spiked data model", st);
}

/* The effective configuration (r->eff): the options as given, with the
 * values the run resolved (D of the data, the spikes, the image counts,
 * t-min, the integrator and step that ran). */
static void resolve(cli_state *r, double dt)
{
    const cli_config *c = r->cfg;
    cli_config *e = &r->eff;
    *e = *c;
    e->D = r->D;
    if (c->data == CLI_DATA_SPIKED) {
        e->M = r->M;
        e->spikes.n = r->M;
        for (size_t m = 0; m < r->M; m++)
            e->spikes.v[m] = r->lambda[m];
        cli_set_given(e, "spikes");
    }
    if (cli_image_data(r)) {
        e->subset = r->n_train;
        e->test_size = r->n_test;
        cli_set_given(e, "subset");
        cli_set_given(e, "test-size");
    }
    e->t_min = cli_effective_t_min(c);
    cli_set_given(e, "t-min");
    /* a schedule replaces its constant, which the run did not use: null */
    if (c->lr_schedule)
        e->lr = NAN;
    if (c->noise_schedule)
        e->denoise = NAN;
    e->integrator = r->integrator;
    if (r->rep) {
        e->threads = aedyn_replicas_get_n_threads(r->rep);
        cli_set_given(e, "threads");
    }
    if (r->run_ode && dt > 0) {
        e->dt = dt;
        cli_set_given(e, "dt");
    }
}

/* Attach the schedule of option @p name (a SPEC checked by the parser) to
 * the trainer for each of the @p n targets; the ODE copies them from it. */
static int attach_schedule(cli_state *r, const char *name, const char *spec,
                           const aedyn_schedule_target *targets, size_t n)
{
    aedyn_schedule *s = NULL;
    if (!cli_schedule_parse(cli_run_option(name), spec, &s)) {
        /* the SPEC was checked: only the system can fail here */
        set_message(r, "%s", cli_last_error());
        return CLI_EXIT_FAILURE;
    }
    aedyn_status st = AEDYN_OK;
    for (size_t i = 0; i < n && st == AEDYN_OK; i++)
        st = aedyn_sgd_set_schedule(r->sgd, targets[i], s);
    aedyn_schedule_destroy(s);
    if (st != AEDYN_OK) {
        char what[64];
        snprintf(what, sizeof what, "--%s", name);
        return setup_failed(r, what, st);
    }
    return CLI_EXIT_OK;
}

/* The denoising autoencoder, the skip connection and the schedules of the
 * trainer (the ODE copies all of them in aedyn_ode_create_from_sgd()); for
 * image data the generator and scratch of the held-out denoising error. */
static int setup_denoising(cli_state *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    int rc;
    if (c->skip.choice == CLI_SKIP_FIXED) {
        if ((st = aedyn_net_set_skip(r->net, c->skip.arg)) != AEDYN_OK ||
            (st = aedyn_sgd_set_skip_rate(r->sgd, 0.0)) != AEDYN_OK)
            return setup_failed(r, "--skip fixed", st);
    }
    /* --skip train: c starts at 0 and its rate follows the decoder's, also
     * when the decoder's follows --lr-schedule */
    if (r->dae && (st = aedyn_sgd_set_denoising(r->sgd, c->input_scale,
                                                c->noise_schedule ? 0.0 : c->denoise)) != AEDYN_OK)
        return setup_failed(r, "--denoise/--input-scale", st);
    if (c->noise_schedule) {
        const aedyn_schedule_target t[1] = { AEDYN_SCHEDULE_NOISE };
        if ((rc = attach_schedule(r, "noise-schedule", c->noise_schedule, t, 1)) != CLI_EXIT_OK)
            return rc;
    }
    if (c->lr_schedule) {
        const aedyn_schedule_target t[3] = { AEDYN_SCHEDULE_ENCODER_RATE,
                                             AEDYN_SCHEDULE_DECODER_RATE,
                                             AEDYN_SCHEDULE_BIAS_RATE };
        if ((rc = attach_schedule(r, "lr-schedule", c->lr_schedule, t, 3)) != CLI_EXIT_OK)
            return rc;
    }
    if (r->dae && cli_image_data(r)) {
        /* its own stream: (seed, 2^64 - 1 - stream) is never the trainer's */
        if ((st = aedyn_rng_create(&r->eval_rng0, c->seed, ~c->stream)) != AEDYN_OK ||
            (st = aedyn_rng_create(&r->eval_rng, c->seed, ~c->stream)) != AEDYN_OK)
            return setup_failed(r, "held-out noise generator", st);
        r->eval_buf = cli_alloc(3 * CLI_EVAL_BATCH, r->D, sizeof *r->eval_buf);
        if (!r->eval_buf) {
            set_message(r, "out of memory for the held-out denoising error (D = %zu)", r->D);
            cli_error("%s", r->message);
            return CLI_EXIT_FAILURE;
        }
    }
    return CLI_EXIT_OK;
}

/* --replicas: the ensemble of the template trainer r->sgd (after the ODE
 * was made from it), its threads, initial weights and escape level, and the
 * band's arrays. */
static int make_replicas(cli_state *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    st = c->sgd == CLI_SGD_REDUCED
             ? aedyn_replicas_create_reduced(&r->rep, r->sgd, c->replicas, r->rng)
             : aedyn_replicas_create(&r->rep, r->sgd, c->replicas, r->rng);
    if (st != AEDYN_OK)
        return setup_failed(r, c->sgd == CLI_SGD_REDUCED ? "--sgd reduced" : "--replicas", st);
    if ((st = aedyn_replicas_set_n_threads(r->rep, c->threads)) != AEDYN_OK)
        return setup_failed(r, "--threads", st);
    if (c->replica_init == CLI_REPLICA_INIT_INDEPENDENT &&
        (st = aedyn_replicas_init_gaussian(r->rep, c->init_std)) != AEDYN_OK)
        return setup_failed(r, "--replica-init independent", st);
    if (cli_given(c, "escape") &&
        (st = aedyn_replicas_set_escape(r->rep, c->escape, c->escape_dt)) != AEDYN_OK)
        return setup_failed(r, "--escape/--escape-dt", st);
    r->n_values = aedyn_replicas_get_n_values(r->rep);
    r->band_std = cli_alloc(r->n_values, 1, sizeof *r->band_std);
    r->band_q = cli_alloc(r->n_values, c->quantiles.n, sizeof *r->band_q);
    if (!r->band_std || !r->band_q) {
        cli_error("out of memory");
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

static int setup(cli_state *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    int rc;
    if ((st = aedyn_rng_create(&r->rng, c->seed, c->stream)) != AEDYN_OK)
        return setup_failed(r, "--seed/--stream", st);
    if ((rc = make_data(r)) != CLI_EXIT_OK)
        return rc;
    /* a covariance whose trace is not a finite positive number makes every
     * error 0 (or infinite): refuse it rather than report it */
    double trace = aedyn_data_get_trace(r->data);
    if (!isfinite(trace) || !(trace > 0)) {
        cli_error("%s: Tr Omega = %g is not a finite positive number",
                  c->data == CLI_DATA_SPIKED     ? "--noise/--spikes"
                  : c->data == CLI_DATA_GAUSSIAN ? "--covariance"
                                                 : "--images/--preprocess",
                  trace);
        return CLI_EXIT_USAGE;
    }
    r->K = c->K;
    if (r->K > r->D) {
        cli_error("--K must be <= D (got K = %zu, D = %zu)", r->K, r->D);
        return CLI_EXIT_USAGE;
    }
    r->has_skip = c->skip.choice != CLI_SKIP_NONE;
    r->dae = cli_denoising(c);
    unsigned flags = (c->bias ? AEDYN_NET_BIAS : 0u) | (c->tied ? AEDYN_NET_TIED : 0u) |
                     (r->has_skip ? AEDYN_NET_SKIP : 0u);
    if ((st = aedyn_net_create(&r->net, r->D, r->K, (aedyn_net_activation)c->activation,
                               flags)) != AEDYN_OK)
        return setup_failed(r, "--K/--D (network)", st);
    if (c->init_informed)
        st = aedyn_net_init_informed(r->net, r->data);
    else
        st = aedyn_net_init_gaussian(r->net, r->rng, c->init_std);
    if (st != AEDYN_OK)
        return setup_failed(r, c->init_informed ? "--init-informed" : "--init-std", st);
    if (c->init_weights.n && (rc = load_weights(r)) != CLI_EXIT_OK)
        return rc;
    /* The trainer exists in every mode: the ODE is created from it. */
    if ((st = aedyn_sgd_create(&r->sgd, r->net, r->data, r->rng, (aedyn_sgd_rule)c->rule,
                               c->lr)) != AEDYN_OK)
        return setup_failed(r, "--rule/--lr", st);
    if (c->wd > 0 && (st = aedyn_sgd_set_weight_decay(r->sgd, c->wd)) != AEDYN_OK)
        return setup_failed(r, "--wd", st);
    if ((rc = setup_denoising(r)) != CLI_EXIT_OK)
        return rc;
    r->run_sgd = c->mode & CLI_MODE_SGD;
    r->run_ode = c->mode & CLI_MODE_ODE;
    if (r->run_ode && (c->tied || c->rule == AEDYN_SGD_SANGER)) {
        /* only reachable with --mode both: --mode ode was rejected by the parser */
        if (!c->quiet)
            fprintf(stderr, "aedyn: the ODE does not support %s; running SGD only\n",
                    c->tied ? "tied networks" : "Sanger's rule");
        r->run_ode = false;
    }
    double dt = c->dt;
    if (r->run_ode) {
        if ((st = aedyn_ode_create_from_sgd(&r->ode, r->sgd)) != AEDYN_OK)
            return setup_failed(r, "ODE", st);
        const aedyn_ode_method m = (aedyn_ode_method)c->integrator;
        if (dt == 0 && m == AEDYN_ODE_EULER)
            dt = 1.0 / (double)r->D;
        else if (dt == 0 && m == AEDYN_ODE_RK4)
            dt = 0.01;
        if ((m == AEDYN_ODE_EULER || m == AEDYN_ODE_RK4) && !(c->t_max / dt <= CLI_MAX_STEPS)) {
            /* beyond 2^53 steps t + dt no longer moves t: the run would never end */
            cli_error("--dt %g: %s takes %g steps to t-max = %g, beyond 2^53", dt,
                      aedyn_enum_name(AEDYN_ENUM_METHOD, (int)m), c->t_max / dt, c->t_max);
            return CLI_EXIT_USAGE;
        }
        if ((st = aedyn_ode_set_method(r->ode, m, dt)) != AEDYN_OK)
            return setup_failed(r, "--integrator/--dt", st);
        r->integrator = (int)m;
        if ((st = aedyn_ode_set_tolerances(r->ode, c->rtol, c->atol)) != AEDYN_OK)
            return setup_failed(r, "--rtol/--atol", st);
    }
    if ((rc = cli_analyse_setup(r)) != CLI_EXIT_OK)
        return rc;
    if (c->replicas && (rc = make_replicas(r)) != CLI_EXIT_OK)
        return rc;
    if (!c->replicas && c->sgd == CLI_SGD_REDUCED && r->run_sgd &&
        (st = aedyn_chain_create(&r->chain, r->sgd, r->rng)) != AEDYN_OK)
        return setup_failed(r, "--sgd reduced", st);
    if (c->band == CLI_BAND_THEORY) {
        if ((st = aedyn_band_create(&r->band, r->sgd)) != AEDYN_OK)
            return setup_failed(r, "--band theory", st);
        r->band_live = true;
    }
    r->sgd_live = r->run_sgd;
    r->ode_live = r->run_ode;
    r->pca = calloc(r->K, sizeof *r->pca);
    r->op_sgd = cli_alloc(r->K, 4 * r->K, sizeof *r->op_sgd); /* 4 K <= 4 D: no overflow */
    r->op_ode = cli_alloc(r->K, 4 * r->K, sizeof *r->op_ode);
    if (!r->pca || !r->op_sgd || !r->op_ode) {
        cli_error("out of memory");
        return CLI_EXIT_FAILURE;
    }
    for (size_t m = 1; m <= r->K; m++)
        if ((st = aedyn_data_pca_error(r->data, m, &r->pca[m - 1])) != AEDYN_OK)
            return setup_failed(r, "PCA error", st);
    resolve(r, dt);
    return CLI_EXIT_OK;
}

static void teardown(cli_state *r)
{
    aedyn_analysis_destroy(r->an);
    aedyn_ode_destroy(r->ode_an);
    aedyn_replicas_destroy(r->rep);
    aedyn_chain_destroy(r->chain);
    aedyn_band_destroy(r->band);
    free(r->band_std);
    free(r->band_q);
    aedyn_ode_destroy(r->ode);
    aedyn_sgd_destroy(r->sgd);
    aedyn_net_destroy(r->net);
    aedyn_data_destroy(r->data); /* before the images it may borrow */
    aedyn_images_destroy(r->train);
    aedyn_images_destroy(r->test);
    aedyn_rng_destroy(r->rng);
    aedyn_rng_destroy(r->eval_rng0);
    aedyn_rng_destroy(r->eval_rng);
    free(r->eval_buf);
    free(r->pca);
    free(r->op_sgd);
    free(r->op_ode);
    free(r->path);
    free(r->steps);
    free(r->times);
    if (r->csv)
        fclose(r->csv);
}

/* ---- measurements ---- */

/* The denoising test error on the held-out images: each image x gets one
 * noise draw xi, the same at every output time (eval_rng0 is copied
 * afresh), and the loss (1/2D)|x - xhat(a x + sigma_n xi)|^2 is averaged
 * over the images, with its standard error. */
static aedyn_status heldout_denoising_error(cli_state *r, double a, double sigma_n, double *mean,
                                            double *std_err)
{
    const size_t D = r->D, n = r->n_test, B = CLI_EVAL_BATCH;
    double *X = r->eval_buf, *Xt = X + B * D, *Xh = Xt + B * D, s = 0, s2 = 0;
    aedyn_status st = aedyn_rng_copy(r->eval_rng, r->eval_rng0);
    for (size_t first = 0; st == AEDYN_OK && first < n; first += B) {
        const size_t m = n - first < B ? n - first : B;
        if ((st = aedyn_images_get_images(r->test, first, m, X)) != AEDYN_OK ||
            (st = aedyn_rng_fill_normal(r->eval_rng, Xt, m * D)) != AEDYN_OK)
            break;
        for (size_t i = 0; i < m * D; i++)
            Xt[i] = a * X[i] + sigma_n * Xt[i];
        if ((st = aedyn_net_reconstruct(r->net, m, Xt, Xh)) != AEDYN_OK)
            break;
        for (size_t j = 0; j < m; j++) {
            double l = 0;
            for (size_t i = j * D; i < (j + 1) * D; i++)
                l += (X[i] - Xh[i]) * (X[i] - Xh[i]);
            l /= 2.0 * (double)D;
            s += l;
            s2 += l * l;
        }
    }
    if (st != AEDYN_OK)
        return st;
    *mean = s / (double)n;
    double var = n > 1 ? fmax(s2 / (double)n - *mean * *mean, 0) * (double)n / (double)(n - 1)
                       : 0;
    *std_err = sqrt(var / (double)n);
    return AEDYN_OK;
}

/* The values of the schedules at time t: sigma_n(t) (the constant without a
 * noise schedule) and eta(t) (NaN without a learning-rate schedule). */
static void schedules_at(cli_state *r, double t)
{
    const cli_config *c = r->cfg;
    const aedyn_schedule *s;
    r->sigma_now = c->denoise;
    r->lr_now = NAN;
    if (c->noise_schedule &&
        (aedyn_sgd_get_schedule(r->sgd, AEDYN_SCHEDULE_NOISE, &s) != AEDYN_OK || !s ||
         aedyn_schedule_value(s, t, &r->sigma_now) != AEDYN_OK))
        r->sigma_now = NAN;
    if (c->lr_schedule &&
        (aedyn_sgd_get_schedule(r->sgd, AEDYN_SCHEDULE_ENCODER_RATE, &s) != AEDYN_OK || !s ||
         aedyn_schedule_value(s, t, &r->lr_now) != AEDYN_OK))
        r->lr_now = NAN;
}

/* The errors (of a denoising autoencoder: against the clean input, at
 * sigma_n(t)), the order parameters and the skip weights at time t. */
static void measure(cli_state *r, double t)
{
    size_t KK = r->K * r->K;
    double *s = r->op_sgd, *o = r->op_ode;
    const double a = r->cfg->input_scale;
    r->sgd_err = r->ode_err = r->sgd_err_se = r->sgd_gauss_err = NAN;
    r->sgd_skip = r->ode_skip = NAN;
    for (size_t i = 0; i < 4 * KK; i++)
        s[i] = o[i] = NAN;
    schedules_at(r, t);
    const double sn = r->sigma_now;
    if (r->sgd_live && r->rep) {
        /* the replicas' means (the band: their spread and quantiles) */
        const size_t nv = r->n_values, nq = r->cfg->quantiles.n;
        double *mean = cli_alloc(nv, 1, sizeof *mean);
        if (!mean || aedyn_replicas_stats(r->rep, nq, r->cfg->quantiles.v, mean, r->band_std,
                                          r->band_q) != AEDYN_OK) {
            for (size_t i = 0; mean && i < nv; i++)
                mean[i] = NAN;
            for (size_t i = 0; i < nv; i++)
                r->band_std[i] = NAN;
            for (size_t i = 0; i < nv * nq; i++)
                r->band_q[i] = NAN;
        }
        if (mean) {
            r->sgd_err = mean[0];
            memcpy(s, mean + 1, 4 * KK * sizeof *s);
        }
        free(mean);
    } else if (r->sgd_live && r->chain) {
        if (aedyn_chain_error(r->chain, &r->sgd_err) != AEDYN_OK ||
            aedyn_chain_order_params(r->chain, s, s + KK, s + 2 * KK, s + 3 * KK) != AEDYN_OK)
            r->sgd_err = NAN;
    } else if (r->sgd_live) {
        /* (a, sigma_n) = (1, 0) is the plain error, exactly */
        double *err = cli_image_data(r) ? &r->sgd_gauss_err : &r->sgd_err;
        if (aedyn_net_error_denoising(r->net, r->data, a, sn, err) != AEDYN_OK ||
            aedyn_net_order_params(r->net, r->data, s, s + KK, s + 2 * KK, s + 3 * KK) != AEDYN_OK)
            *err = NAN;
        /* image data: the SGD error is the test error on the held-out images */
        if (cli_image_data(r)) {
            aedyn_status st = r->dae && !(a == 1 && sn == 0)
                                  ? heldout_denoising_error(r, a, sn, &r->sgd_err, &r->sgd_err_se)
                                  : aedyn_net_error_images(r->net, r->test, &r->sgd_err,
                                                           &r->sgd_err_se);
            if (st != AEDYN_OK)
                r->sgd_err = r->sgd_err_se = NAN;
        }
        if (r->has_skip && aedyn_net_get_skip(r->net, &r->sgd_skip) != AEDYN_OK)
            r->sgd_skip = NAN;
    }
    for (int i = 0; i < 4; i++)
        r->band_vals[i] = NAN;
    if (r->band_live) {
        double m, shift, s1, s2;
        if (aedyn_band_error(r->band, &m, &shift, &s1, &s2) == AEDYN_OK) {
            r->band_vals[0] = m + shift;
            r->band_vals[1] = s2;
            r->band_vals[2] = s1;
            r->band_vals[3] = shift;
        }
    }
    if (r->ode_live) {
        if (aedyn_ode_error(r->ode, &r->ode_err) != AEDYN_OK ||
            aedyn_ode_order_params(r->ode, o, o + KK, o + 2 * KK, o + 3 * KK) != AEDYN_OK)
            r->ode_err = NAN;
        if (r->has_skip && aedyn_ode_get_skip(r->ode, &r->ode_skip) != AEDYN_OK)
            r->ode_skip = NAN;
    }
}

/* A NaN or an infinity among the numbers a dynamics reports means it
 * diverged, whether or not the library noticed (weights can blow up below
 * the trainer's own guard): that dynamics stops, and the run ends
 * "diverged" with exit status 1. */
static const char *first_non_finite(const double *v, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return what;
    return NULL;
}

static void stop_diverged(cli_state *r, bool *live, const char *who, const char *what, double t)
{
    *live = false;
    set_message(r, "%s diverged at t = %g: its %s is not finite", who, t, what);
    r->status = "diverged";
    clear_progress(r);
    cli_error("%s", r->message);
}

static void check_finite(cli_state *r, double t)
{
    size_t n = 4 * r->K * r->K;
    if (r->sgd_live) {
        const double extra[2] = { r->sgd_err_se, r->sgd_gauss_err };
        const char *what = first_non_finite(&r->sgd_err, 1, "error");
        if (!what)
            what = first_non_finite(r->op_sgd, n, "order parameters");
        if (!what && cli_image_data(r))
            what = first_non_finite(extra, 2, "population error or standard error");
        if (!what && r->has_skip)
            what = first_non_finite(&r->sgd_skip, 1, "skip weight");
        if (what)
            stop_diverged(r, &r->sgd_live, "SGD", what, t);
    }
    if (r->ode_live) {
        const char *what = first_non_finite(&r->ode_err, 1, "error");
        if (!what)
            what = first_non_finite(r->op_ode, n, "order parameters");
        if (!what && r->has_skip)
            what = first_non_finite(&r->ode_skip, 1, "skip weight");
        if (what)
            stop_diverged(r, &r->ode_live, "ODE", what, t);
    }
}

/* ---- the run ---- */

/* The replicas to `target` steps, likewise. */
static void advance_replicas(cli_state *r, uint64_t target)
{
    const uint64_t chunk = r->D * 10;
    while (r->sgd_live && aedyn_replicas_get_n_steps(r->rep) < target) {
        uint64_t n = target - aedyn_replicas_get_n_steps(r->rep);
        aedyn_status st = aedyn_replicas_step(r->rep, n < chunk ? n : chunk);
        if (st != AEDYN_OK) {
            r->sgd_live = false;
            set_message(r, "SGD replicas stopped at t = %g: %s: %s",
                        aedyn_replicas_get_time(r->rep), aedyn_strerror(st),
                        aedyn_error_message());
            r->status = st == AEDYN_ERR_DIVERGED ? "diverged" : "error";
            clear_progress(r);
            cli_error("%s", r->message);
        }
        show_progress(r, aedyn_replicas_get_time(r->rep), false);
    }
}

/* The reduced chain to `target` steps, likewise. */
static void advance_chain(cli_state *r, uint64_t target)
{
    const uint64_t chunk = r->D * 10;
    while (r->sgd_live && aedyn_chain_get_n_steps(r->chain) < target) {
        uint64_t n = target - aedyn_chain_get_n_steps(r->chain);
        aedyn_status st = aedyn_chain_step(r->chain, n < chunk ? n : chunk);
        if (st != AEDYN_OK) {
            r->sgd_live = false;
            set_message(r, "SGD (reduced chain) stopped at t = %g: %s: %s",
                        aedyn_chain_get_time(r->chain), aedyn_strerror(st), aedyn_error_message());
            r->status = st == AEDYN_ERR_DIVERGED ? "diverged" : "error";
            clear_progress(r);
            cli_error("%s", r->message);
        }
        show_progress(r, aedyn_chain_get_time(r->chain), false);
    }
}

/* Advance SGD to `target` steps, in chunks so that the progress line moves. */
static void advance_sgd(cli_state *r, uint64_t target)
{
    uint64_t chunk = r->D * 10;
    if (r->rep) {
        advance_replicas(r, target);
        return;
    }
    if (r->chain) {
        advance_chain(r, target);
        return;
    }
    while (r->sgd_live && aedyn_sgd_get_n_steps(r->sgd) < target) {
        uint64_t n = target - aedyn_sgd_get_n_steps(r->sgd);
        aedyn_status st = aedyn_sgd_step(r->sgd, n < chunk ? n : chunk);
        if (st != AEDYN_OK) {
            r->sgd_live = false;
            set_message(r, "SGD stopped at t = %g: %s: %s", aedyn_sgd_get_time(r->sgd),
                        aedyn_strerror(st), aedyn_error_message());
            r->status = st == AEDYN_ERR_DIVERGED ? "diverged" : "error";
            clear_progress(r);
            cli_error("%s", r->message);
        }
        show_progress(r, aedyn_sgd_get_time(r->sgd), false);
    }
}

/* The band to time t; a failure stops it (the run then fails). */
static void advance_band(cli_state *r, double t)
{
    if (!r->band_live)
        return;
    aedyn_status st = aedyn_band_advance(r->band, t);
    if (st != AEDYN_OK) {
        r->band_live = false;
        set_message(r, "--band theory stopped at t = %g: %s: %s", aedyn_band_get_time(r->band),
                    aedyn_strerror(st), aedyn_error_message());
        r->status = st == AEDYN_ERR_DIVERGED ? "diverged" : "error";
        clear_progress(r);
        cli_error("%s", r->message);
    }
}

static void advance_ode(cli_state *r, double t)
{
    if (!r->ode_live)
        return;
    aedyn_status st = aedyn_ode_advance(r->ode, t);
    if (st != AEDYN_OK) {
        r->ode_live = false;
        set_message(r, "ODE stopped at t = %g: %s: %s", aedyn_ode_get_time(r->ode),
                    aedyn_strerror(st), aedyn_error_message());
        r->status = st == AEDYN_ERR_DIVERGED ? "diverged" : "error";
        clear_progress(r);
        cli_error("%s", r->message);
    }
    show_progress(r, t, false);
}

/* An output could not be written (the message names the file): the run
 * fails, unless it already failed for another reason. */
static void output_failed(cli_state *r)
{
    if (strcmp(r->status, "running") == 0 || strcmp(r->status, "ok") == 0) {
        r->status = "error";
        set_message(r, "%s", cli_last_error());
    }
}

/* Fill the outcome of the run (aedyn-sweep's summary row). */
static void fill_outcome(const cli_state *r, int rc, const char *status, cli_outcome *out)
{
    if (!out)
        return;
    *out = (cli_outcome){ .rc = rc, .D = r->D, .K = r->K, .t = r->last_t,
                          .sgd_error = r->last_sgd_err, .ode_error = r->last_ode_err,
                          .rel_dev = r->last_dev, .wall_s = cli_elapsed(r) };
    out->pca_K = r->pca && r->K ? r->pca[r->K - 1] : NAN;
    snprintf(out->status, sizeof out->status, "%s", status);
    if (rc != CLI_EXIT_OK)
        snprintf(out->message, sizeof out->message, "%s",
                 r->message[0] ? r->message : cli_last_error());
}

int cli_run(const cli_config *cfg, int argc, char **argv)
{
    return cli_run_outcome(cfg, argc, argv, NULL);
}

/* The output times: t = 0, then cfg->points log-spaced times on whole steps
 * (aedyn_grid_log), into r->steps and r->times. */
static int make_times(cli_state *r)
{
    const cli_config *c = r->cfg;
    /* points <= 1000000 (the option table): points + 1 does not overflow */
    r->steps = cli_alloc(c->points + 1, 1, sizeof *r->steps);
    r->times = cli_alloc(c->points + 1, 1, sizeof *r->times);
    if (!r->steps || !r->times) {
        set_message(r, "out of memory for %zu output times", c->points);
        cli_error("%s", r->message);
        return CLI_EXIT_FAILURE;
    }
    if (aedyn_grid_log(cli_effective_t_min(c), c->t_max, c->points, r->D, AEDYN_GRID_ZERO,
                       r->steps, r->times, &r->n_times) != AEDYN_OK) {
        /* the options were checked: only t-max x D > 2^53 is left (D of the data) */
        set_message(r, "--t-max %g is %g SGD steps at D = %zu, beyond 2^53 (%s)", c->t_max,
                    c->t_max * (double)r->D, r->D, aedyn_error_message());
        cli_error("%s", r->message);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* PREFIX.csv with its header and PREFIX.json (status "running"). */
static int open_outputs(cli_state *r)
{
    const char *csv = cli_out_path(r, ".csv");
    if (!(r->csv = fopen(csv, "w"))) {
        cli_error("--out: cannot create '%s': %s", csv, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    return cli_json_write(r) && cli_csv_header(r) ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* Advance the dynamics through the output times; a row of the CSV and of
 * the table at each. */
static void run_loop(cli_state *r)
{
    const cli_config *c = r->cfg;
    if (!c->quiet)
        cli_table_header(r);
    for (size_t i = 0; i < r->n_times; i++) {
        double t = r->times[i];
        if (r->run_sgd)
            advance_sgd(r, r->steps[i]);
        if (r->run_ode)
            advance_ode(r, t);
        advance_band(r, t);
        measure(r, t);
        check_finite(r, t);
        clear_progress(r);
        if (r->csv && !cli_csv_row(r, t)) {
            output_failed(r);
            break;
        }
        r->rows++;
        if (!c->quiet)
            cli_table_row(r, t);
        if (!r->sgd_live && !r->ode_live)
            break;
        r->last_t = t;
        r->last_sgd_err = r->sgd_err;
        r->last_ode_err = r->ode_err;
        r->last_dev = (r->sgd_err - r->ode_err) / r->ode_err; /* NaN unless both ran */
    }
    clear_progress(r);
    if (strcmp(r->status, "running") == 0)
        r->status = "ok";
}

/* The final outputs, every one checked: a file that was not written fails
 * the run. */
static void close_outputs(cli_state *r)
{
    const cli_config *c = r->cfg;
    if (c->out) {
        bool written = !r->csv || cli_csv_close(r);
        written = cli_weights_write(r) && written;
        if (c->plot)
            written = cli_plot(r) && written;
        if (!written)
            output_failed(r);
        if (!cli_json_write(r)) {
            output_failed(r);
            written = false;
        }
        if (!c->quiet && written && cli_weights_written(r))
            printf("\nwrote %s.csv, %s.json, %s_W.npy, %s_V.npy%s (%.1f s)\n", c->out, c->out,
                   c->out, c->out, c->bias ? " and _b.npy" : "", cli_elapsed(r));
        else if (!c->quiet && written)
            printf("\nwrote %s.csv, %s.json (%.1f s; the reduced chain has no weights)\n",
                   c->out, c->out, cli_elapsed(r));
    } else if (!c->quiet) {
        printf("\n(%.1f s; --out PREFIX writes CSV, JSON and the final weights)\n",
               cli_elapsed(r));
    }
    if (!c->quiet && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_error("error writing the table to standard output: %s", strerror(errno));
        output_failed(r);
    }
}

int cli_run_outcome(const cli_config *cfg, int argc, char **argv, cli_outcome *outcome)
{
    cli_state r = { .cfg = cfg, .argc = argc, .argv = argv, .status = "running",
                    .integrator = cfg->integrator };
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    r.started = time(NULL);
    r.sgd_err = r.ode_err = r.sgd_skip = r.ode_skip = r.sigma_now = r.lr_now = NAN;
    r.last_t = r.last_sgd_err = r.last_ode_err = r.last_dev = NAN;
    r.progress = !cfg->quiet && isatty(STDERR_FILENO);
    cli_error_reset();
    int rc = setup(&r);
    if (rc == CLI_EXIT_OK && cfg->command == CLI_COMMAND_ANALYSE) {
        /* aedyn analyse: the fixed point from the initial weights, no run */
        rc = cli_analyse_command(&r);
        fill_outcome(&r, rc, rc == CLI_EXIT_OK ? "ok" : "error", outcome);
        teardown(&r);
        return rc;
    }
    if (rc == CLI_EXIT_OK)
        rc = make_times(&r);
    if (rc == CLI_EXIT_OK && cfg->out)
        rc = open_outputs(&r);
    if (rc == CLI_EXIT_OK) {
        run_loop(&r);
        if (cfg->analyse && strcmp(r.status, "ok") == 0) {
            if (!cli_analyse_plateaus(&r))
                r.status = "error";
            else if (!cfg->quiet)
                cli_plateau_table(&r);
        }
        close_outputs(&r);
        rc = strcmp(r.status, "ok") == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        fill_outcome(&r, rc, r.status, outcome);
    } else {
        /* the run did not start: its options (2) or the system (1) */
        fill_outcome(&r, rc, rc == CLI_EXIT_USAGE ? "invalid" : "error", outcome);
    }
    teardown(&r);
    return rc;
}
