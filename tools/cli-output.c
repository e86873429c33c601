/* The outputs of `aedyn run`: the table on stdout, PREFIX.csv (header and
 * rows written by one function), the JSON sidecar PREFIX.json and the final
 * weights PREFIX_W.npy, PREFIX_V.npy (PREFIX_b.npy). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli-analyse.h"
#include "cli-output.h"

/* ---- the CSV ---- */

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

/* The name of the quantile p in columns and keys: q10 for 0.1, q2p5 for 0.025. */
void cli_quantile_name(double p, char *buf, size_t size)
{
    snprintf(buf, size, "q%.6g", 100.0 * p);
    for (char *c = buf; *c; c++)
        *c = *c == '.' ? 'p' : *c;
}

/* --replicas: the band after every other column: for the error and each
 * order parameter of SGD (their means are the sgd_ columns), the standard
 * deviation and the quantiles over the replicas. */
static void band_columns(row_writer *w, const cli_state *r)
{
    static const char *const op_names[4] = { "Q", "R", "T", "T0" };
    const size_t nv = r->n_values, nq = r->cfg->quantiles.n;
    char name[80], qn[32];
    for (size_t j = 0; j < nv; j++) {
        char base[48];
        if (j == 0)
            snprintf(base, sizeof base, "sgd_error");
        else
            snprintf(base, sizeof base, "sgd_%s_%zu_%zu", op_names[(j - 1) / (r->K * r->K)],
                     (j - 1) % (r->K * r->K) / r->K, (j - 1) % r->K);
        snprintf(name, sizeof name, "%s_std", base);
        column(w, name, r->band_std[j]);
        for (size_t i = 0; i < nq; i++) {
            cli_quantile_name(r->cfg->quantiles.v[i], qn, sizeof qn);
            snprintf(name, sizeof name, "%s_%s", base, qn);
            column(w, name, r->band_q[i * nv + j]);
        }
    }
}

static void csv_columns(row_writer *w, const cli_state *r, double t)
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
    if (cli_image_data(r)) {
        column(w, "sgd_error_stderr", r->sgd_err_se);
        column(w, "sgd_gauss_error", r->sgd_gauss_err);
    }
    if (r->has_skip) {
        column(w, "sgd_skip", r->sgd_skip);
        column(w, "ode_skip", r->ode_skip);
    }
    if (r->cfg->lr_schedule)
        column(w, "lr", r->lr_now);
    if (r->cfg->noise_schedule)
        column(w, "sigma_n", r->sigma_now);
    if (r->rep)
        band_columns(w, r);
    if (r->band) { /* --band theory: after everything else */
        column(w, "band_error_mean", r->band_vals[0]);
        column(w, "band_error_std", r->band_vals[1]);
        column(w, "band_error_std1", r->band_vals[2]);
        column(w, "band_error_shift", r->band_vals[3]);
    }
    fputc('\n', w->f);
}

/* Flush PREFIX.csv and check that everything so far was written. */
static bool csv_flush(cli_state *r)
{
    if (fflush(r->csv) != 0 || ferror(r->csv)) {
        cli_error("error writing '%s': %s", cli_out_path(r, ".csv"), strerror(errno));
        return false;
    }
    return true;
}

bool cli_csv_header(cli_state *r)
{
    row_writer w = { r->csv, true, 0 };
    csv_columns(&w, r, 0);
    return csv_flush(r);
}

bool cli_csv_row(cli_state *r, double t)
{
    row_writer w = { r->csv, false, 0 };
    csv_columns(&w, r, t);
    return csv_flush(r);
}

bool cli_csv_close(cli_state *r)
{
    bool ok = csv_flush(r);
    int err = fclose(r->csv);
    r->csv = NULL;
    if (ok && err != 0) {
        cli_error("error writing '%s': %s", cli_out_path(r, ".csv"), strerror(errno));
        ok = false;
    }
    return ok;
}

/* ---- the table on stdout ---- */

static size_t table_pca_columns(const cli_state *r)
{
    return r->K < 4 ? r->K : 4;
}

void cli_table_header(const cli_state *r)
{
    const cli_config *c = r->cfg;
    printf("aedyn %s: ", aedyn_version_string());
    if (c->data == CLI_DATA_SPIKED) {
        printf("spiked model, D = %zu, M = %zu, Lambda = ", r->D, r->M);
        for (size_t m = 0; m < r->M; m++)
            printf("%s%g", m ? "," : "", r->lambda[m]);
        printf(", sigma = %g, %s", c->noise, c->standardise ? "standardised" : "raw");
    } else if (cli_image_data(r)) {
        printf("%s images, D = %zu: %zu training images from %s, %zu held out from %s\n"
               "       preprocessing %s, SGD on %s, ODE on the %zu-mode empirical spectrum",
               c->data == CLI_DATA_CIFAR ? "CIFAR-10" : "IDX", r->D, r->n_train, c->images.v[0],
               r->n_test, c->images.v[c->images.n - 1], cli_value_name(c, "preprocess"),
               c->sampler == AEDYN_IMAGES_SAMPLE_REAL ? "real images"
                                                      : "Gaussian-equivalent samples",
               r->D);
    } else {
        printf("Gaussian model from %s, D = %zu", c->covariance, r->D);
    }
    printf("\n       K = %zu %s%s%s%s autoencoder, %s SGD, ", r->K,
           cli_value_name(c, "activation"), c->bias ? " biased" : "", c->tied ? " tied" : "",
           r->dae ? " denoising" : "", cli_value_name(c, "rule"));
    if (c->lr_schedule)
        printf("lr schedule %s", c->lr_schedule);
    else
        printf("lr = %g", c->lr);
    printf("%s, seed = %llu", c->wd > 0 ? ", wd" : "", (unsigned long long)c->seed);
    if (c->stream)
        printf(", stream = %llu", (unsigned long long)c->stream);
    putchar('\n');
    if (r->dae || r->has_skip) {
        printf("       input xtilde = %g x + ", c->input_scale);
        if (c->noise_schedule)
            printf("sigma_n(t) xi, sigma_n schedule %s", c->noise_schedule);
        else
            printf("%g xi", c->denoise);
        if (c->skip.choice == CLI_SKIP_FIXED)
            printf("; skip c xtilde, c = %g fixed", c->skip.arg);
        else if (c->skip.choice == CLI_SKIP_TRAIN)
            printf("; skip c xtilde, c trained from 0");
        putchar('\n');
    }
    if (r->rep)
        printf("       SGD: %zu %sreplicas (%s initial weights) in %zu threads; sgd_mean, "
               "sgd_std over the replicas\n", c->replicas,
               c->sgd == CLI_SGD_REDUCED ? "reduced-chain " : "",
               c->replica_init == CLI_REPLICA_INIT_SAME ? "the same" : "independent",
               aedyn_replicas_get_n_threads(r->rep));
    else if (r->chain)
        printf("       SGD: the exact reduced chain (same law as SGD, cost independent of D)\n");
    if (r->run_ode)
        printf("       ODE: %s, rtol = %g\n", cli_value_name(&r->eff, "integrator"),
               c->rtol);
    if (r->dae)
        printf("error = E[(1/2D)|x - xhat(xtilde)|^2] against the clean x, at sigma_n(t); "
               "pca(m) = error of PCA with m components on clean inputs\n");
    else
        printf("error = E[(1/2D)|x - xhat|^2]; pca(m) = error of PCA with m components\n");
    if (cli_image_data(r))
        printf("sgd_error: on the %zu held-out images%s\n", r->n_test,
               r->dae ? ", one noise draw per image (the same at every t)" : "");
    putchar('\n');
    if (r->rep)
        printf("%9s %11s %11s %11s %9s", "t", "sgd_mean", "sgd_std", "ode_error", "mean/ode-1");
    else
        printf("%9s %11s %11s %9s", "t", "sgd_error", "ode_error", "sgd/ode-1");
    if (r->band)
        printf(" %11s", "band_std");
    for (size_t m = 1; m <= table_pca_columns(r); m++)
        printf("   pca(%zu)", m);
    if (r->K > table_pca_columns(r))
        printf("  pca(%zu)", r->K);
    if (r->has_skip)
        printf(" %9s %9s", "sgd_skip", "ode_skip");
    putchar('\n');
}

static void table_cell(double v)
{
    if (isnan(v))
        printf(" %11s", "-");
    else
        printf(" %11.6f", v);
}

void cli_table_row(const cli_state *r, double t)
{
    printf("%9.4g", t);
    table_cell(r->sgd_err);
    if (r->rep)
        table_cell(r->band_std[0]);
    table_cell(r->ode_err);
    if (isnan(r->sgd_err) || isnan(r->ode_err))
        printf(" %9s", "-");
    else
        printf(" %8.2f%%", 100 * (r->sgd_err - r->ode_err) / r->ode_err);
    if (r->band)
        table_cell(r->band_vals[1]);
    for (size_t m = 1; m <= table_pca_columns(r); m++)
        printf(" %8.5f", r->pca[m - 1]);
    if (r->K > table_pca_columns(r))
        printf(" %8.5f", r->pca[r->K - 1]);
    if (r->has_skip) {
        for (int k = 0; k < 2; k++) {
            double c = k ? r->ode_skip : r->sgd_skip;
            if (isnan(c))
                printf(" %9s", "-");
            else
                printf(" %9.5f", c);
        }
    }
    putchar('\n');
    fflush(stdout);
}

/* ---- JSON sidecar ---- */

static void json_string(FILE *f, const char *s)
{
    cli_json_string(f, s ? s : "");
}

static void json_number(FILE *f, double v)
{
    cli_json_number(f, v);
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

/* "parameters": every option of the table (but actions such as --help, and
 * --raw, which shares "standardise" with --standardise) with its effective
 * value; null for an option of another data model or a default the run did
 * not resolve. Then values the options imply. */
void cli_json_parameters(FILE *f, const cli_state *r)
{
    const cli_table *t = cli_run_options();
    const cli_config *e = &r->eff;
    unsigned scope = cli_image_data(r)                 ? CLI_IMAGES
                     : e->data == CLI_DATA_GAUSSIAN    ? CLI_GAUSSIAN
                                                       : CLI_SPIKED;
    fputc('{', f);
    bool first = true;
    for (size_t i = 0; i < t->n; i++) {
        const cli_option *o = &t->opts[i];
        bool shared = false;
        for (size_t j = 0; j < i; j++)
            shared = shared || t->opts[j].offset == o->offset;
        if ((o->flags & CLI_ACTION) || shared)
            continue;
        char key[64];
        snprintf(key, sizeof key, "%s", o->name);
        for (char *p = key; *p; p++)
            *p = *p == '-' ? '_' : *p;
        fputs(first ? "\n    " : ",\n    ", f);
        first = false;
        json_string(f, key);
        fputs(": ", f);
        unsigned only = o->flags & (CLI_SPIKED | CLI_GAUSSIAN | CLI_IMAGES);
        bool unresolved = !o->dflt && o->dflt_doc && !e->given[i];
        if ((only && !(only & scope)) || unresolved)
            fputs("null", f);
        else
            cli_option_json(f, o, e);
    }
    if (cli_image_data(r)) {
        json_kv_uint(f, 4, "train_images", r->n_train);
        json_kv_uint(f, 4, "test_images", r->n_test);
        json_kv_str(f, 4, "test_images_from",
                    e->images.n == 2 ? "TEST file" : "last images of TRAIN");
    }
    json_kv_str(f, 4, "init", e->init_weights.n ? "weights"
                              : e->init_informed ? "informed" : "gaussian");
    fputs("\n  }", f);
}

/* --replicas: the ensemble, its streams and the escape times. */
static void json_replicas(FILE *f, const cli_state *r)
{
    const cli_config *c = r->cfg;
    json_key(f, 2, "replicas");
    fputc('{', f);
    fprintf(f, "\n    \"R\": %zu", c->replicas);
    json_kv_uint(f, 4, "threads", aedyn_replicas_get_n_threads(r->rep));
    json_kv_str(f, 4, "streams", "replica r draws from the stream (u, r), u the first 64-bit "
                "draw of the generator (seed, stream) after the initial weights");
    json_kv_str(f, 4, "initial_weights", c->replica_init == CLI_REPLICA_INIT_SAME
                ? "the run's (the ODE's)" : "independent N(0, sigma0^2) per replica");
    json_kv_str(f, 4, "sgd_columns", "means over the replicas; _std and _q<percent> columns "
                "follow at the end of each row");
    json_kv_str(f, 4, "weights_written", "replica 0's");
    if (cli_given(c, "escape")) {
        const size_t R = c->replicas, nq = c->quantiles.n;
        double *t = cli_alloc(R, 1, sizeof *t), frac = NAN, q[CLI_MAX_NUMBERS];
        const bool ok = t && aedyn_replicas_get_escape_times(r->rep, t) == AEDYN_OK &&
                        aedyn_replicas_escape_stats(r->rep, nq, c->quantiles.v, &frac, q) ==
                            AEDYN_OK;
        json_key(f, 4, "escape");
        fputc('{', f);
        fprintf(f, "\n      \"level\": ");
        json_number(f, c->escape);
        json_kv_num(f, 6, "check_interval", c->escape_dt);
        json_kv_num(f, 6, "fraction_escaped", ok ? frac : NAN);
        json_key(f, 6, "quantiles");
        fputc('{', f);
        for (size_t i = 0; i < nq; i++) {
            char qn[32];
            cli_quantile_name(c->quantiles.v[i], qn, sizeof qn);
            fputs(i ? ", " : "", f);
            json_string(f, qn);
            fputs(": ", f);
            json_number(f, ok ? q[i] : NAN); /* null when not enough replicas escaped */
        }
        fputc('}', f);
        json_key(f, 6, "times");
        fputc('[', f);
        for (size_t i = 0; ok && i < R; i++) {
            fputs(i ? ", " : "", f);
            json_number(f, t[i]); /* null: not escaped */
        }
        fputs("]\n    }", f);
        free(t);
    }
    fputs("\n  }", f);
}

bool cli_json_write(cli_state *r)
{
    char *path = strdup(cli_out_path(r, ".json"));
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f) {
        cli_error("cannot write '%s': %s", path ? path : "the JSON sidecar", strerror(errno));
        free(path);
        return false;
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
    cli_json_parameters(f, r);
    json_kv_bool(f, 2, "ran_sgd", r->run_sgd);
    json_kv_bool(f, 2, "ran_ode", r->run_ode);
    json_kv_str(f, 2, "error_convention",
                r->dae ? "E[(1/2D)|x - xhat(a x + sigma_n xi)|^2], xi ~ N(0, I), against the "
                         "clean x, at the noise level sigma_n(t) of the time t"
                       : "E[(1/2D)|x - xhat|^2]");
    if (cli_image_data(r))
        json_kv_str(f, 2, "sgd_error_measured_on",
                    r->dae ? "held-out images, one noise draw per image (generator seed, stream "
                             "2^64 - 1 - stream), the same draws at every output time"
                           : "held-out images");
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
    json_kv_num(f, 2, "sgd_time", !r->run_sgd ? NAN : r->rep ? aedyn_replicas_get_time(r->rep)
                                  : r->chain ? aedyn_chain_get_time(r->chain)
                                             : aedyn_sgd_get_time(r->sgd));
    json_kv_uint(f, 2, "sgd_steps", !r->run_sgd ? 0 : r->rep ? aedyn_replicas_get_n_steps(r->rep)
                                    : r->chain ? aedyn_chain_get_n_steps(r->chain)
                                               : aedyn_sgd_get_n_steps(r->sgd));
    if (r->rep)
        json_replicas(f, r);
    if (r->band) {
        json_key(f, 2, "band");
        fputs("{\n    \"theory\": \"linear-noise expansion in the reduced chain's coordinates "
              "(docs/theory.md section 12.3)\"", f);
        json_kv_str(f, 4, "columns", "band_error_mean = ODE + O(1/D) shift; band_error_std with "
                    "the Hessian term, band_error_std1 first order; for replicas from the same "
                    "weights");
        json_kv_num(f, 4, "time", aedyn_band_get_time(r->band));
        fputs("\n  }", f);
    }
    json_kv_num(f, 2, "final_sgd_error", r->sgd_err);
    json_kv_num(f, 2, "ode_time", r->run_ode ? aedyn_ode_get_time(r->ode) : NAN);
    json_kv_num(f, 2, "final_ode_error", r->ode_err);
    if (r->has_skip) {
        json_kv_num(f, 2, "final_sgd_skip", r->sgd_skip);
        json_kv_num(f, 2, "final_ode_skip", r->ode_skip);
    }
    if (r->run_ode) {
        uint64_t n_rhs = 0, n_steps = 0, n_rej = 0;
        aedyn_ode_get_stat(r->ode, AEDYN_ODE_STAT_RHS, &n_rhs);
        aedyn_ode_get_stat(r->ode, AEDYN_ODE_STAT_STEPS, &n_steps);
        aedyn_ode_get_stat(r->ode, AEDYN_ODE_STAT_REJECTED, &n_rej);
        json_kv_uint(f, 2, "ode_rhs_evaluations", n_rhs);
        json_kv_uint(f, 2, "ode_steps", n_steps);
        json_kv_uint(f, 2, "ode_rejected_steps", n_rej);
        json_kv_uint(f, 2, "ode_modes", aedyn_ode_get_n_modes(r->ode));
        uint64_t n_break = 0;
        aedyn_ode_get_stat(r->ode, AEDYN_ODE_STAT_BREAKPOINTS, &n_break);
        json_kv_uint(f, 2, "ode_breakpoints", n_break);
        /* the automatic method's switches: [time, method it switched to] */
        uint64_t n_sw = 0;
        aedyn_ode_get_stat(r->ode, AEDYN_ODE_STAT_SWITCHES, &n_sw);
        json_kv_uint(f, 2, "ode_switches", n_sw);
        json_key(f, 2, "ode_switch_log");
        fputc('[', f);
        for (size_t i = 0; i < n_sw && i < AEDYN_ODE_MAX_SWITCHES; i++) {
            double ts;
            aedyn_ode_method m;
            if (aedyn_ode_get_switch(r->ode, i, &ts, &m) != AEDYN_OK)
                break;
            fputs(i ? ", [" : "[", f);
            json_number(f, ts);
            fputs(", ", f);
            json_string(f, aedyn_enum_name(AEDYN_ENUM_METHOD, (int)m));
            fputc(']', f);
        }
        fputc(']', f);
    }
    if (r->cfg->analyse) {
        double theta = NAN;
        if (r->an)
            aedyn_analysis_get_plateau_threshold(r->an, &theta);
        json_kv_num(f, 2, "plateau_threshold", theta);
        json_kv_uint(f, 2, "plateau_samples", CLI_PLATEAU_POINTS);
        json_key(f, 2, "plateaus");
        cli_plateaus_json(f, r);
    }
    json_kv_num(f, 2, "wall_time_s", cli_elapsed(r));
    json_kv_str(f, 2, "status", r->status);
    json_kv_str(f, 2, "message", r->message);
    json_key(f, 2, "files");
    fputs("{", f);
    fputs("\"csv\": ", f);
    json_string(f, cli_out_path(r, ".csv"));
    if (cli_weights_written(r)) {
        fputs(", \"W\": ", f);
        json_string(f, cli_out_path(r, "_W.npy"));
        fputs(", \"V\": ", f);
        json_string(f, cli_out_path(r, "_V.npy"));
    }
    if (r->cfg->bias && cli_weights_written(r)) {
        fputs(", \"bias\": ", f);
        json_string(f, cli_out_path(r, "_b.npy"));
    }
    fputs("}\n}\n", f);
    bool ok = fflush(f) == 0 && !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok)
        cli_error("error writing '%s': %s", path, strerror(errno));
    free(path);
    return ok;
}

/* ---- final weights ---- */

bool cli_weights_written(const cli_state *r)
{
    return !(r->run_sgd && r->cfg->sgd == CLI_SGD_REDUCED);
}

bool cli_weights_write(cli_state *r)
{
    if (!cli_weights_written(r))
        return true;
    double *W = cli_alloc(r->K, r->D, sizeof *W), *V = cli_alloc(r->K, r->D, sizeof *V);
    double *b = calloc(r->K, sizeof *b);
    bool ok = W && V && b;
    aedyn_status st = AEDYN_OK;
    if (ok && r->rep) {
        st = aedyn_net_get_weights(aedyn_replicas_get_net(r->rep, 0), W, V, b);
    } else if (ok && r->run_sgd) {
        st = aedyn_net_get_weights(r->net, W, V, b);
    } else if (ok) {
        /* ODE only (never tied: the ODE does not support tied networks) */
        st = aedyn_ode_get_weights(r->ode, W, V);
        if (st == AEDYN_OK)
            st = aedyn_ode_get_biases(r->ode, b);
    }
    if (ok && st == AEDYN_OK)
        st = aedyn_npy_write(cli_out_path(r, "_W.npy"), W, r->K, r->D);
    if (ok && st == AEDYN_OK)
        st = aedyn_npy_write(cli_out_path(r, "_V.npy"), V, r->K, r->D);
    if (ok && st == AEDYN_OK && r->cfg->bias)
        st = aedyn_npy_write(cli_out_path(r, "_b.npy"), b, r->K, 1);
    if (!ok)
        cli_error("out of memory for the final weights");
    else if (st != AEDYN_OK)
        cli_error("writing the final weights: %s", aedyn_error_message());
    free(W);
    free(V);
    free(b);
    return ok && st == AEDYN_OK;
}

