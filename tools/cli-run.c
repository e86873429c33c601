/* `aedyn run`: build the data model, network, trainer and ODE from the
 * configuration, advance them to log-spaced output times, and write the table,
 * the CSV (header and rows from one function), the JSON sidecar, the final
 * weights and the plot. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli-run.h"
#include "plot-spawn.h"

typedef struct run {
    const cli_config *cfg;
    int argc;
    char **argv;
    aedyn_rng *rng;
    aedyn_images *train, *test;    /* image data: training and held-out sets */
    size_t n_train, n_test;
    aedyn_data *data;
    aedyn_net *net;
    aedyn_sgd *sgd;
    aedyn_ode *ode;
    int integrator;                /* the ODE's method (--integrator auto resolved) */
    size_t D, M, K;
    double lambda[CLI_MAX_SPIKES]; /* spike strengths used */
    bool run_sgd, run_ode;
    bool sgd_live, ode_live;       /* not diverged */
    double *pca;                   /* pca[m-1] = eps_PCA(m), m = 1..K */
    double *op_sgd, *op_ode;       /* Q, R, T, T0 each K x K, one after another */
    double sgd_err, ode_err;
    double sgd_err_se, sgd_gauss_err; /* image data: standard error on the held-out set,
                                         error under N(0, Omega_hat) */
    double last_t, last_sgd_err, last_ode_err, last_dev; /* for the outcome */
    size_t rows;
    FILE *csv;
    char *path;                    /* scratch for PREFIX + suffix */
    size_t path_cap;
    struct timespec t0;
    time_t started;
    double last_progress;
    bool progress;                 /* a progress line is shown (stderr is a terminal) */
    bool progress_shown;
    const char *status;            /* "running", "ok", "diverged", "error" */
    char message[512];
} run;

/* ---- small helpers ---- */

static double elapsed(const run *r)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - r->t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - r->t0.tv_nsec);
}

static const char *out_path(run *r, const char *suffix)
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

static void set_message(run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

static void clear_progress(run *r)
{
    if (r->progress_shown) {
        fputs("\r\033[K", stderr);
        r->progress_shown = false;
    }
}

static void show_progress(run *r, double t, bool force)
{
    if (!r->progress)
        return;
    double e = elapsed(r);
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
static int setup_failed(run *r, const char *what, aedyn_status st)
{
    set_message(r, "%s: %s: %s", what, aedyn_strerror(st), aedyn_error_message());
    cli_error("%s", r->message);
    /* configurations the library rejects are bad option values */
    return st == AEDYN_ERR_NOMEM || st == AEDYN_ERR_NUMERIC ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
}

static int load_weights(run *r)
{
    const cli_config *c = r->cfg;
    double *W = NULL, *V = NULL;
    size_t rows, cols;
    aedyn_status st = aedyn_npy_read(c->init_W, &W, &rows, &cols);
    if (st != AEDYN_OK)
        return setup_failed(r, "--init-weights", st);
    if (rows != r->K || cols != r->D) {
        cli_error("--init-weights: '%s' has shape (%zu, %zu), expected K x D = (%zu, %zu)",
                  c->init_W, rows, cols, r->K, r->D);
        aedyn_npy_free(W);
        return CLI_EXIT_USAGE;
    }
    bool keep_V = strcmp(c->init_V, "-") == 0;
    if (!keep_V && c->tied) {
        cli_error("--init-weights: a tied network has no decoder; give '-' for V.npy");
        aedyn_npy_free(W);
        return CLI_EXIT_USAGE;
    }
    if (!keep_V) {
        st = aedyn_npy_read(c->init_V, &V, &rows, &cols);
        if (st != AEDYN_OK) {
            aedyn_npy_free(W);
            return setup_failed(r, "--init-weights", st);
        }
        if (rows != r->K || cols != r->D) {
            cli_error("--init-weights: '%s' has shape (%zu, %zu), expected K x D = (%zu, %zu)",
                      c->init_V, rows, cols, r->K, r->D);
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

static aedyn_status load_images(const run *r, const char *path, size_t first, size_t count,
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
    double *X = malloc(n * rows * cols * sizeof *X);
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
static int load_image_sets(run *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    if (c->n_images == 2) {
        if ((st = load_images(r, c->images[0], 0, c->subset, &r->train)) != AEDYN_OK)
            return setup_failed(r, c->subset ? "--images TRAIN/--subset" : "--images TRAIN", st);
        if ((st = load_images(r, c->images[1], 0, c->test_size, &r->test)) != AEDYN_OK)
            return setup_failed(r, c->test_size ? "--images TEST/--test-size" : "--images TEST",
                                st);
        return CLI_EXIT_OK;
    }
    aedyn_images *all = NULL;
    if ((st = load_images(r, c->images[0], 0, 0, &all)) != AEDYN_OK)
        return setup_failed(r, "--images", st);
    size_t N = aedyn_images_get_n_images(all);
    size_t n_test = c->test_size ? c->test_size : N / 6;
    if (n_test < 1 || n_test >= N) {
        cli_error("--test-size: cannot hold out %zu of the %zu images of '%s' (give a TEST file "
                  "to --images or a smaller --test-size)", n_test, N, c->images[0]);
        aedyn_images_destroy(all);
        return CLI_EXIT_USAGE;
    }
    size_t n_train = c->subset ? c->subset : N - n_test;
    if (n_train > N - n_test) {
        cli_error("--subset %zu: '%s' has %zu images and %zu of them are held out (--test-size)",
                  c->subset, c->images[0], N, n_test);
        aedyn_images_destroy(all);
        return CLI_EXIT_USAGE;
    }
    st = copy_images(all, 0, n_train, &r->train);
    if (st == AEDYN_OK)
        st = copy_images(all, N - n_test, n_test, &r->test);
    aedyn_images_destroy(all);
    return st == AEDYN_OK ? CLI_EXIT_OK : setup_failed(r, "--images", st);
}

static int make_image_data(run *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    int rc = load_image_sets(r);
    if (rc != CLI_EXIT_OK)
        return rc;
    r->D = aedyn_images_get_dim(r->train);
    if (c->D && c->D != r->D) {
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
    if ((st = aedyn_images_preprocess(r->train, c->preprocess, c->whiten_eps)) != AEDYN_OK)
        return setup_failed(r, "--preprocess", st);
    if ((st = aedyn_images_preprocess_like(r->test, r->train)) != AEDYN_OK)
        return setup_failed(r, "--preprocess (held-out images)", st);
    if ((st = aedyn_data_create_images(&r->data, r->train, c->sampler)) != AEDYN_OK)
        return setup_failed(r, "image data model", st);
    return CLI_EXIT_OK;
}

static int make_data(run *r)
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
        if (rows != cols || (c->D && c->D != rows)) {
            cli_error("--covariance: '%s' has shape (%zu, %zu), expected D x D%s", c->covariance,
                      rows, cols, c->D ? " with the D of --D" : "");
            aedyn_npy_free(omega);
            return CLI_EXIT_USAGE;
        }
        r->D = rows;
        st = aedyn_data_create_gaussian(&r->data, rows, omega);
        aedyn_npy_free(omega);
        return st == AEDYN_OK ? CLI_EXIT_OK : setup_failed(r, "--covariance", st);
    }
    r->D = c->D ? c->D : 1000;
    r->M = cli_effective_M(c);
    for (size_t m = 0; m < r->M; m++)
        r->lambda[m] = c->n_spikes ? c->spikes[m] : ldexp(1.0, (int)m + 1) + 1;
    st = aedyn_data_create_spiked(&r->data, r->D, r->M, r->lambda, c->noise, c->spike_vectors,
                                  r->rng, c->standardise ? AEDYN_DATA_STANDARDISE : 0u);
    return st == AEDYN_OK ? CLI_EXIT_OK : setup_failed(r, "spiked data model", st);
}

static int setup(run *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    int rc;
    if ((st = aedyn_rng_create(&r->rng, c->seed, c->stream)) != AEDYN_OK)
        return setup_failed(r, "--seed/--stream", st);
    if ((rc = make_data(r)) != CLI_EXIT_OK)
        return rc;
    r->K = c->K;
    if (r->K > r->D) {
        cli_error("--K must be <= D (got K = %zu, D = %zu)", r->K, r->D);
        return CLI_EXIT_USAGE;
    }
    unsigned flags = (c->bias ? AEDYN_NET_BIAS : 0u) | (c->tied ? AEDYN_NET_TIED : 0u);
    if ((st = aedyn_net_create(&r->net, r->D, r->K, c->activation, flags)) != AEDYN_OK)
        return setup_failed(r, "network", st);
    if (c->init == CLI_INIT_INFORMED)
        st = aedyn_net_init_informed(r->net, r->data);
    else
        st = aedyn_net_init_gaussian(r->net, r->rng, c->init_std);
    if (st != AEDYN_OK)
        return setup_failed(r, c->init == CLI_INIT_INFORMED ? "--init-informed" : "--init-std", st);
    if (c->init_W && (rc = load_weights(r)) != CLI_EXIT_OK)
        return rc;
    /* The trainer exists in every mode: the ODE is created from it. */
    if ((st = aedyn_sgd_create(&r->sgd, r->net, r->data, r->rng, c->rule, c->lr)) != AEDYN_OK)
        return setup_failed(r, "--rule/--lr", st);
    if (c->wd > 0 && (st = aedyn_sgd_set_weight_decay(r->sgd, c->wd)) != AEDYN_OK)
        return setup_failed(r, "--wd", st);
    r->run_sgd = c->mode & CLI_MODE_SGD;
    r->run_ode = c->mode & CLI_MODE_ODE;
    if (r->run_ode && (c->tied || c->rule == AEDYN_SGD_SANGER)) {
        /* only reachable with --mode both: --mode ode was rejected by the parser */
        if (!c->quiet)
            fprintf(stderr, "aedyn: the ODE does not support %s; running SGD only\n",
                    c->tied ? "tied networks" : "Sanger's rule");
        r->run_ode = false;
    }
    if (r->run_ode) {
        if ((st = aedyn_ode_create_from_sgd(&r->ode, r->sgd)) != AEDYN_OK)
            return setup_failed(r, "ODE", st);
        double dt = c->dt;
        aedyn_ode_method m = (aedyn_ode_method)c->integrator;
        if (c->integrator == CLI_INTEGRATOR_AUTO)
            aedyn_ode_get_method(r->ode, &m, NULL);
        if (dt == 0 && m == AEDYN_ODE_EULER)
            dt = 1.0 / (double)r->D;
        else if (dt == 0 && m == AEDYN_ODE_RK4)
            dt = 0.01;
        if ((st = aedyn_ode_set_method(r->ode, m, dt)) != AEDYN_OK)
            return setup_failed(r, "--integrator/--dt", st);
        r->integrator = (int)m;
        if ((st = aedyn_ode_set_tolerances(r->ode, c->rtol, c->atol)) != AEDYN_OK)
            return setup_failed(r, "--rtol/--atol", st);
    }
    r->sgd_live = r->run_sgd;
    r->ode_live = r->run_ode;
    r->pca = calloc(r->K, sizeof *r->pca);
    r->op_sgd = malloc(4 * r->K * r->K * sizeof *r->op_sgd);
    r->op_ode = malloc(4 * r->K * r->K * sizeof *r->op_ode);
    if (!r->pca || !r->op_sgd || !r->op_ode) {
        cli_error("out of memory");
        return CLI_EXIT_FAILURE;
    }
    for (size_t m = 1; m <= r->K; m++)
        if ((st = aedyn_data_pca_error(r->data, m, &r->pca[m - 1])) != AEDYN_OK)
            return setup_failed(r, "PCA error", st);
    return CLI_EXIT_OK;
}

static void teardown(run *r)
{
    aedyn_ode_destroy(r->ode);
    aedyn_sgd_destroy(r->sgd);
    aedyn_net_destroy(r->net);
    aedyn_data_destroy(r->data); /* before the images it may borrow */
    aedyn_images_destroy(r->train);
    aedyn_images_destroy(r->test);
    aedyn_rng_destroy(r->rng);
    free(r->pca);
    free(r->op_sgd);
    free(r->op_ode);
    free(r->path);
    if (r->csv)
        fclose(r->csv);
}

/* ---- measurements and the CSV row ---- */

static bool image_data(const run *r)
{
    return r->train != NULL;
}

static void measure(run *r)
{
    size_t KK = r->K * r->K;
    double *s = r->op_sgd, *o = r->op_ode;
    r->sgd_err = r->ode_err = r->sgd_err_se = r->sgd_gauss_err = NAN;
    for (size_t i = 0; i < 4 * KK; i++)
        s[i] = o[i] = NAN;
    if (r->sgd_live) {
        double *err = image_data(r) ? &r->sgd_gauss_err : &r->sgd_err;
        if (aedyn_net_error(r->net, r->data, err) != AEDYN_OK ||
            aedyn_net_order_params(r->net, r->data, s, s + KK, s + 2 * KK, s + 3 * KK) != AEDYN_OK)
            *err = NAN;
        /* image data: the SGD error is the test error on the held-out images */
        if (image_data(r) &&
            aedyn_net_error_images(r->net, r->test, &r->sgd_err, &r->sgd_err_se) != AEDYN_OK)
            r->sgd_err = r->sgd_err_se = NAN;
    }
    if (r->ode_live) {
        if (aedyn_ode_error(r->ode, &r->ode_err) != AEDYN_OK ||
            aedyn_ode_order_params(r->ode, o, o + KK, o + 2 * KK, o + 3 * KK) != AEDYN_OK)
            r->ode_err = NAN;
    }
}

/* Writes either the header (names) or one row (values): the columns are
 * defined here and only here. */
typedef struct {
    FILE *f;
    bool header;
    size_t n;
} row_writer;

static void column(row_writer *w, const char *name, double value)
{
    if (w->n++)
        fputc(',', w->f);
    if (w->header)
        fputs(name, w->f);
    else if (isnan(value))
        fputs("nan", w->f);
    else
        fprintf(w->f, "%.12g", value);
}

static void csv_columns(row_writer *w, const run *r, double t)
{
    static const char *const op_names[4] = { "Q", "R", "T", "T0" };
    char name[64];
    column(w, "t", t);
    column(w, "sgd_error", r->sgd_err);
    column(w, "ode_error", r->ode_err);
    for (size_t m = 1; m <= r->K; m++) {
        snprintf(name, sizeof name, "pca%zu", m);
        column(w, name, r->pca[m - 1]);
    }
    for (int which = 0; which < 2; which++) {
        const double *op = which == 0 ? r->op_sgd : r->op_ode;
        for (size_t p = 0; p < 4; p++)
            for (size_t k = 0; k < r->K; k++)
                for (size_t l = 0; l < r->K; l++) {
                    snprintf(name, sizeof name, "%s_%s_%zu_%zu", which == 0 ? "sgd" : "ode",
                             op_names[p], k, l);
                    column(w, name, op[(p * r->K + k) * r->K + l]);
                }
    }
    if (image_data(r)) {
        column(w, "sgd_error_stderr", r->sgd_err_se);
        column(w, "sgd_gauss_error", r->sgd_gauss_err);
    }
    fputc('\n', w->f);
}

/* ---- the table on stdout ---- */

static size_t table_pca_columns(const run *r)
{
    return r->K < 4 ? r->K : 4;
}

static void table_header(const run *r)
{
    const cli_config *c = r->cfg;
    printf("aedyn %s: ", aedyn_version_string());
    if (c->data == CLI_DATA_SPIKED) {
        printf("spiked model, D = %zu, M = %zu, Lambda = ", r->D, r->M);
        for (size_t m = 0; m < r->M; m++)
            printf("%s%g", m ? "," : "", r->lambda[m]);
        printf(", sigma = %g, %s", c->noise, c->standardise ? "standardised" : "raw");
    } else if (image_data(r)) {
        printf("%s images, D = %zu: %zu training images from %s, %zu held out from %s\n"
               "       preprocessing %s, SGD on %s, ODE on the %zu-mode empirical spectrum",
               c->data == CLI_DATA_CIFAR ? "CIFAR-10" : "IDX", r->D, r->n_train, c->images[0],
               r->n_test, c->images[c->n_images - 1], cli_preprocess_name(c->preprocess),
               c->sampler == AEDYN_IMAGES_SAMPLE_REAL ? "real images"
                                                      : "Gaussian-equivalent samples",
               r->D);
    } else {
        printf("Gaussian model from %s, D = %zu", c->covariance, r->D);
    }
    printf("\n       K = %zu %s%s%s autoencoder, %s SGD, lr = %g%s, seed = %llu", r->K,
           cli_activation_name(c->activation), c->bias ? " biased" : "",
           c->tied ? " tied" : "", cli_rule_name(c->rule), c->lr, c->wd > 0 ? ", wd" : "",
           (unsigned long long)c->seed);
    if (c->stream)
        printf(", stream = %llu", (unsigned long long)c->stream);
    putchar('\n');
    if (r->run_ode)
        printf("       ODE: %s, rtol = %g\n", cli_integrator_name(r->integrator), c->rtol);
    printf("error = E[(1/2D)|x - xhat|^2]; pca(m) = error of PCA with m components\n");
    if (image_data(r))
        printf("sgd_error: on the %zu held-out images\n", r->n_test);
    putchar('\n');
    printf("%9s %11s %11s %9s", "t", "sgd_error", "ode_error", "sgd/ode-1");
    for (size_t m = 1; m <= table_pca_columns(r); m++)
        printf("   pca(%zu)", m);
    if (r->K > table_pca_columns(r))
        printf("  pca(%zu)", r->K);
    putchar('\n');
}

static void table_cell(double v)
{
    if (isnan(v))
        printf(" %11s", "-");
    else
        printf(" %11.6f", v);
}

static void table_row(const run *r, double t)
{
    printf("%9.4g", t);
    table_cell(r->sgd_err);
    table_cell(r->ode_err);
    if (isnan(r->sgd_err) || isnan(r->ode_err))
        printf(" %9s", "-");
    else
        printf(" %8.2f%%", 100 * (r->sgd_err - r->ode_err) / r->ode_err);
    for (size_t m = 1; m <= table_pca_columns(r); m++)
        printf(" %8.5f", r->pca[m - 1]);
    if (r->K > table_pca_columns(r))
        printf(" %8.5f", r->pca[r->K - 1]);
    putchar('\n');
    fflush(stdout);
}

/* ---- JSON sidecar ---- */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void json_number(FILE *f, double v)
{
    char buf[32];
    if (isfinite(v)) {
        /* the shortest of %.15g, %.16g, %.17g that reads back exactly */
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v);
            if (strtod(buf, NULL) == v)
                break;
        }
        fputs(buf, f);
    }
    else
        fputs("null", f);
}

static void json_key(FILE *f, int indent, const char *key)
{
    fprintf(f, ",\n%*s", indent, "");
    json_string(f, key);
    fputs(": ", f);
}

static void json_kv_str(FILE *f, int indent, const char *key, const char *v)
{
    json_key(f, indent, key);
    if (v)
        json_string(f, v);
    else
        fputs("null", f);
}

static void json_kv_num(FILE *f, int indent, const char *key, double v)
{
    json_key(f, indent, key);
    json_number(f, v);
}

static void json_kv_uint(FILE *f, int indent, const char *key, unsigned long long v)
{
    json_key(f, indent, key);
    fprintf(f, "%llu", v);
}

static void json_kv_bool(FILE *f, int indent, const char *key, bool v)
{
    json_key(f, indent, key);
    fputs(v ? "true" : "false", f);
}

static void json_parameters(FILE *f, const run *r)
{
    const cli_config *c = r->cfg;
    fputs("{\n    \"data\": ", f);
    json_string(f, cli_data_name(c->data));
    json_kv_uint(f, 4, "D", r->D);
    if (c->data == CLI_DATA_SPIKED) {
        json_kv_uint(f, 4, "M", r->M);
        json_key(f, 4, "spikes");
        fputc('[', f);
        for (size_t m = 0; m < r->M; m++) {
            if (m)
                fputs(", ", f);
            json_number(f, r->lambda[m]);
        }
        fputc(']', f);
        json_kv_num(f, 4, "noise", c->noise);
        json_kv_str(f, 4, "spike_vectors", cli_spike_vectors_name(c->spike_vectors));
        json_kv_bool(f, 4, "standardise", c->standardise);
    }
    json_kv_str(f, 4, "covariance", c->covariance);
    if (image_data(r)) {
        json_key(f, 4, "images");
        fputc('[', f);
        for (size_t i = 0; i < c->n_images; i++) {
            if (i)
                fputs(", ", f);
            json_string(f, c->images[i]);
        }
        fputc(']', f);
        json_kv_uint(f, 4, "train_images", r->n_train);
        json_kv_uint(f, 4, "test_images", r->n_test);
        json_kv_str(f, 4, "test_images_from",
                    c->n_images == 2 ? "TEST file" : "last images of TRAIN");
        json_kv_str(f, 4, "preprocess", cli_preprocess_name(c->preprocess));
        json_kv_num(f, 4, "whiten_eps", c->whiten_eps);
        json_kv_str(f, 4, "sampler", cli_sampler_name(c->sampler));
    }
    json_kv_uint(f, 4, "K", r->K);
    json_kv_str(f, 4, "activation", cli_activation_name(c->activation));
    json_kv_bool(f, 4, "bias", c->bias);
    json_kv_bool(f, 4, "tied", c->tied);
    json_kv_str(f, 4, "rule", cli_rule_name(c->rule));
    json_kv_num(f, 4, "lr", c->lr);
    json_kv_num(f, 4, "wd", c->wd);
    json_kv_str(f, 4, "init", c->init_W ? "weights"
                              : c->init == CLI_INIT_INFORMED ? "informed" : "gaussian");
    json_kv_num(f, 4, "init_std", c->init_std);
    json_kv_str(f, 4, "init_weights_W", c->init_W);
    json_kv_str(f, 4, "init_weights_V", c->init_V);
    json_kv_uint(f, 4, "seed", (unsigned long long)c->seed);
    json_kv_uint(f, 4, "stream", (unsigned long long)c->stream);
    json_kv_num(f, 4, "t_max", c->t_max);
    json_kv_num(f, 4, "t_min", cli_effective_t_min(c));
    json_kv_uint(f, 4, "points", c->points);
    json_kv_str(f, 4, "mode", cli_mode_name(c->mode));
    json_kv_str(f, 4, "integrator", cli_integrator_name(r->integrator));
    json_kv_num(f, 4, "rtol", c->rtol);
    json_kv_num(f, 4, "atol", c->atol);
    json_kv_num(f, 4, "dt", c->dt);
    fputs("\n  }", f);
}

/* Written when the run starts (status "running") and rewritten at its end. */
static void write_json(run *r, double wall)
{
    char *path = strdup(out_path(r, ".json"));
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f) {
        cli_error("cannot write '%s': %s", path ? path : "JSON", strerror(errno));
        free(path);
        return;
    }
    char started[32];
    struct tm tm;
    gmtime_r(&r->started, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fputs("{\n  \"program\": \"aedyn run\"", f);
    json_kv_str(f, 2, "library_version", aedyn_version_string());
    json_kv_str(f, 2, "header_version", AEDYN_VERSION_STRING);
    json_key(f, 2, "command_line");
    fputc('[', f);
    for (int i = 0; i < r->argc; i++) {
        if (i)
            fputs(", ", f);
        json_string(f, r->argv[i]);
    }
    fputc(']', f);
    json_kv_str(f, 2, "started", started);
    json_kv_uint(f, 2, "seed", (unsigned long long)r->cfg->seed);
    json_kv_uint(f, 2, "stream", (unsigned long long)r->cfg->stream);
    json_key(f, 2, "parameters");
    json_parameters(f, r);
    json_kv_bool(f, 2, "ran_sgd", r->run_sgd);
    json_kv_bool(f, 2, "ran_ode", r->run_ode);
    json_kv_str(f, 2, "error_convention", "E[(1/2D)|x - xhat|^2]");
    if (image_data(r))
        json_kv_str(f, 2, "sgd_error_measured_on", "held-out images");
    json_kv_num(f, 2, "trace_omega_over_D", aedyn_data_get_trace(r->data) / (double)r->D);
    json_key(f, 2, "pca_errors");
    fputc('[', f);
    for (size_t m = 0; m < r->K; m++) {
        if (m)
            fputs(", ", f);
        json_number(f, r->pca[m]);
    }
    fputc(']', f);
    json_kv_uint(f, 2, "rows", r->rows);
    json_kv_num(f, 2, "sgd_time", r->run_sgd ? aedyn_sgd_get_time(r->sgd) : NAN);
    json_kv_uint(f, 2, "sgd_steps", r->run_sgd ? aedyn_sgd_get_n_steps(r->sgd) : 0);
    json_kv_num(f, 2, "final_sgd_error", r->sgd_err);
    json_kv_num(f, 2, "ode_time", r->run_ode ? aedyn_ode_get_time(r->ode) : NAN);
    json_kv_num(f, 2, "final_ode_error", r->ode_err);
    if (r->run_ode) {
        uint64_t n_rhs = 0, n_steps = 0, n_rej = 0;
        aedyn_ode_get_stat(r->ode, AEDYN_ODE_STAT_RHS, &n_rhs);
        aedyn_ode_get_stat(r->ode, AEDYN_ODE_STAT_STEPS, &n_steps);
        aedyn_ode_get_stat(r->ode, AEDYN_ODE_STAT_REJECTED, &n_rej);
        json_kv_uint(f, 2, "ode_rhs_evaluations", n_rhs);
        json_kv_uint(f, 2, "ode_steps", n_steps);
        json_kv_uint(f, 2, "ode_rejected_steps", n_rej);
        json_kv_uint(f, 2, "ode_modes", aedyn_ode_get_n_modes(r->ode));
    }
    json_kv_num(f, 2, "wall_time_s", wall);
    json_kv_str(f, 2, "status", r->status);
    json_kv_str(f, 2, "message", r->message);
    json_key(f, 2, "files");
    fputs("{", f);
    fputs("\"csv\": ", f);
    json_string(f, out_path(r, ".csv"));
    fputs(", \"W\": ", f);
    json_string(f, out_path(r, "_W.npy"));
    fputs(", \"V\": ", f);
    json_string(f, out_path(r, "_V.npy"));
    if (r->cfg->bias) {
        fputs(", \"bias\": ", f);
        json_string(f, out_path(r, "_b.npy"));
    }
    fputs("}\n}\n", f);
    if (fclose(f) != 0)
        cli_error("error writing '%s'", path);
    free(path);
}

/* ---- final weights and plot ---- */

static bool write_weights(run *r)
{
    size_t n = r->K * r->D;
    double *W = malloc(n * sizeof *W), *V = malloc(n * sizeof *V), *b = calloc(r->K, sizeof *b);
    bool ok = W && V && b;
    aedyn_status st = AEDYN_OK;
    if (ok && r->run_sgd) {
        st = aedyn_net_get_weights(r->net, W, V, b);
    } else if (ok) {
        /* ODE only (never tied: the ODE does not support tied networks) */
        st = aedyn_ode_get_weights(r->ode, W, V);
        if (st == AEDYN_OK)
            st = aedyn_ode_get_biases(r->ode, b);
    }
    if (ok && st == AEDYN_OK)
        st = aedyn_npy_write(out_path(r, "_W.npy"), W, r->K, r->D);
    if (ok && st == AEDYN_OK)
        st = aedyn_npy_write(out_path(r, "_V.npy"), V, r->K, r->D);
    if (ok && st == AEDYN_OK && r->cfg->bias)
        st = aedyn_npy_write(out_path(r, "_b.npy"), b, r->K, 1);
    if (!ok)
        cli_error("out of memory for the final weights");
    else if (st != AEDYN_OK)
        cli_error("writing the final weights: %s", aedyn_error_message());
    free(W);
    free(V);
    free(b);
    return ok && st == AEDYN_OK;
}

/* PREFIX.gp: the errors over log time with the PCA levels; the image when
 * gnuplot is installed (PREFIX.png, or PREFIX.svg with --plot-format svg). The
 * first data row (t = 0) is skipped on the log axis. */
static void plot(run *r)
{
    char *gp = strdup(out_path(r, ".gp"));
    char *csv = strdup(out_path(r, ".csv"));
    bool svg = r->cfg->plot_format == CLI_PLOT_SVG;
    char *png = strdup(out_path(r, svg ? ".svg" : ".png"));
    if (gp && !plot_gp_quotable(gp)) {
        cli_error("--plot: the output prefix has a line break, which a gnuplot script cannot "
                  "quote; no plot written");
        goto out;
    }
    FILE *f = gp && csv && png ? fopen(gp, "w") : NULL;
    if (!f) {
        cli_error("--plot: cannot write '%s'", gp ? gp : "the gnuplot script");
        goto out;
    }
    fprintf(f, "# gnuplot script written by aedyn %s; run: gnuplot ", aedyn_version_string());
    plot_gp_string(f, gp);
    fprintf(f, "\nset terminal %s size 900,600 noenhanced\nset output ", svg ? "svg" : "png");
    plot_gp_string(f, png);
    fputs("\nset datafile separator ','\nset logscale x\nset logscale y\n"
          "set xlabel 't = steps/D'\nset ylabel 'error E[(1/2D)|x - xhat|^2]'\n"
          "set key top right\nset grid\nplot ",
          f);
    bool first = true;
    if (r->run_sgd) {
        plot_gp_string(f, csv);
        fputs(" skip 2 using 1:2 with linespoints pt 7 ps 0.6 title 'SGD'", f);
        first = false;
    }
    if (r->run_ode) {
        fputs(first ? "" : ", \\\n     ", f);
        plot_gp_string(f, csv);
        fputs(" skip 2 using 1:3 with lines lw 2 title 'ODE'", f);
        first = false;
    }
    for (size_t m = 1; m <= r->K; m++)
        fprintf(f, ", \\\n     %.17g with lines dt 2 lc rgb 'gray' title 'pca(%zu)'",
                r->pca[m - 1], m);
    fputc('\n', f);
    if (fclose(f) != 0) {
        cli_error("--plot: error writing '%s'", gp);
        goto out;
    }
    char why[128];
    switch (plot_spawn_gnuplot(gp, why, sizeof why)) {
    case PLOT_SPAWN_OK:
        if (!r->cfg->quiet)
            printf("plot: %s\n", png);
        break;
    case PLOT_SPAWN_NOT_FOUND:
        fprintf(stderr, "aedyn: gnuplot not found: wrote %s, skipped %s\n", gp, png);
        break;
    case PLOT_SPAWN_FAILED:
        cli_error("--plot: gnuplot failed on %s (%s)", gp, why);
        break;
    }
out:
    free(gp);
    free(csv);
    free(png);
}

/* ---- the run ---- */

/* Advance SGD to `target` steps, in chunks so that the progress line moves. */
static void advance_sgd(run *r, uint64_t target)
{
    uint64_t chunk = r->D * 10;
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

static void advance_ode(run *r, double t)
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

/* Fill the outcome of the run (aedyn-sweep's summary row). */
static void fill_outcome(const run *r, int rc, const char *status, cli_outcome *out)
{
    if (!out)
        return;
    *out = (cli_outcome){ .rc = rc, .D = r->D, .K = r->K, .t = r->last_t,
                          .sgd_error = r->last_sgd_err, .ode_error = r->last_ode_err,
                          .rel_dev = r->last_dev, .wall_s = elapsed(r) };
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

int cli_run_outcome(const cli_config *cfg, int argc, char **argv, cli_outcome *outcome)
{
    run r = { .cfg = cfg, .argc = argc, .argv = argv, .status = "running",
              .integrator = cfg->integrator };
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    r.started = time(NULL);
    r.sgd_err = r.ode_err = NAN;
    r.last_t = r.last_sgd_err = r.last_ode_err = r.last_dev = NAN;
    r.progress = !cfg->quiet && isatty(STDERR_FILENO);
    cli_error_reset();
    int rc = setup(&r);
    if (rc != CLI_EXIT_OK) {
        fill_outcome(&r, rc, rc == CLI_EXIT_USAGE ? "invalid" : "error", outcome);
        teardown(&r);
        return rc;
    }
    /* the output times: t = 0, then cfg->points log-spaced times on whole steps */
    size_t n_out = 0;
    uint64_t *steps = NULL;
    double *times = NULL;
    if (cfg->points < SIZE_MAX / sizeof *steps) {
        steps = malloc((cfg->points + 1) * sizeof *steps);
        times = malloc((cfg->points + 1) * sizeof *times);
    }
    if (!steps || !times) {
        cli_error("out of memory");
        free(steps);
        free(times);
        fill_outcome(&r, CLI_EXIT_FAILURE, "error", outcome);
        teardown(&r);
        return CLI_EXIT_FAILURE;
    }
    aedyn_status gst = aedyn_grid_log(cli_effective_t_min(cfg), cfg->t_max, cfg->points, r.D,
                                      AEDYN_GRID_ZERO, steps, times, &n_out);
    if (gst != AEDYN_OK) {
        set_message(&r, "--t-max/--t-min/--points: %s", aedyn_error_message());
        cli_error("%s", r.message);
        free(steps);
        free(times);
        fill_outcome(&r, CLI_EXIT_USAGE, "invalid", outcome);
        teardown(&r);
        return CLI_EXIT_USAGE;
    }
    if (cfg->out) {
        const char *csv = out_path(&r, ".csv");
        if (!(r.csv = fopen(csv, "w"))) {
            cli_error("--out: cannot create '%s': %s", csv, strerror(errno));
            free(steps);
            free(times);
            fill_outcome(&r, CLI_EXIT_USAGE, "invalid", outcome);
            teardown(&r);
            return CLI_EXIT_USAGE;
        }
        write_json(&r, elapsed(&r));
        row_writer w = { r.csv, true, 0 };
        csv_columns(&w, &r, 0);
    }
    if (!cfg->quiet)
        table_header(&r);
    for (size_t i = 0; i < n_out; i++) {
        double t = times[i];
        if (r.run_sgd)
            advance_sgd(&r, steps[i]);
        if (r.run_ode)
            advance_ode(&r, t);
        measure(&r);
        clear_progress(&r);
        if (r.csv) {
            row_writer w = { r.csv, false, 0 };
            csv_columns(&w, &r, t);
            fflush(r.csv);
        }
        r.rows++;
        if (!cfg->quiet)
            table_row(&r, t);
        if (!r.sgd_live && !r.ode_live)
            break;
        r.last_t = t;
        r.last_sgd_err = r.sgd_err;
        r.last_ode_err = r.ode_err;
        r.last_dev = (r.sgd_err - r.ode_err) / r.ode_err; /* NaN unless both ran */
    }
    free(steps);
    free(times);
    clear_progress(&r);
    if (strcmp(r.status, "running") == 0)
        r.status = "ok";
    bool ok = strcmp(r.status, "ok") == 0;
    if (cfg->out) {
        if (fflush(r.csv) != 0 || ferror(r.csv)) {
            cli_error("error writing '%s'", out_path(&r, ".csv"));
            ok = false;
        }
        ok = write_weights(&r) && ok;
        if (cfg->plot)
            plot(&r);
        write_json(&r, elapsed(&r));
        if (!cfg->quiet)
            printf("\nwrote %s.csv, %s.json, %s_W.npy, %s_V.npy%s (%.1f s)\n", cfg->out,
                   cfg->out, cfg->out, cfg->out, cfg->bias ? " and _b.npy" : "", elapsed(&r));
    } else if (!cfg->quiet) {
        printf("\n(%.1f s; --out PREFIX writes CSV, JSON and the final weights)\n", elapsed(&r));
    }
    rc = ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    fill_outcome(&r, rc, ok ? "ok" : strcmp(r.status, "ok") == 0 ? "error" : r.status, outcome);
    teardown(&r);
    return rc;
}
