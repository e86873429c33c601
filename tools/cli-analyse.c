/* The analyses of the `aedyn` program: `aedyn run --analyse` finds the
 * plateaus of the ODE's trajectory (aedyn_analysis_plateaus on a copy of the
 * ODE, from the same initial weights as the run), `aedyn analyse` the fixed
 * point of the ODE from the initial weights (aedyn_analysis_fixed_point). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli-analyse.h"
#include "cli-output.h"

static const char *outcome_name(double v)
{
    const char *s = aedyn_enum_name(AEDYN_ENUM_ANALYSIS_OUTCOME, (int)v);
    return s ? s : "?";
}

/* A plateau's kind in words: a fixed point, or a drifting state (no fixed
 * point near the slowest state: a runaway or nothing found there). */
static const char *kind_name(double outcome)
{
    return (int)outcome == AEDYN_ANALYSIS_FIXED_POINT ? "fixed-point" : "drifting";
}

static int lib_failed(cli_state *r, const char *what, aedyn_status st, int rc)
{
    snprintf(r->message, sizeof r->message, "%s: %s: %s", what, aedyn_strerror(st),
             aedyn_error_message());
    cli_error("%s", r->message);
    return rc;
}

int cli_analyse_setup(cli_state *r)
{
    const cli_config *c = r->cfg;
    aedyn_status st;
    if (c->command == CLI_COMMAND_ANALYSE) {
        if ((st = aedyn_analysis_create(&r->an, r->ode)) != AEDYN_OK)
            return lib_failed(r, "aedyn analyse", st,
                              st == AEDYN_ERR_NOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE);
        return CLI_EXIT_OK;
    }
    if (!c->analyse)
        return CLI_EXIT_OK;
    if (!r->run_ode) { /* --mode both with a network the ODE does not cover */
        cli_error("--analyse: this run has no ODE");
        return CLI_EXIT_USAGE;
    }
    aedyn_ode_method m;
    double step, rtol, atol;
    if ((st = aedyn_ode_create_from_sgd(&r->ode_an, r->sgd)) != AEDYN_OK ||
        (st = aedyn_ode_get_method(r->ode, &m, &step)) != AEDYN_OK ||
        (st = aedyn_ode_set_method(r->ode_an, m, step)) != AEDYN_OK ||
        (st = aedyn_ode_get_tolerances(r->ode, &rtol, &atol)) != AEDYN_OK ||
        (st = aedyn_ode_set_tolerances(r->ode_an, rtol, atol)) != AEDYN_OK)
        return lib_failed(r, "--analyse (copy of the ODE)", st, CLI_EXIT_FAILURE);
    if ((st = aedyn_analysis_create(&r->an, r->ode_an)) != AEDYN_OK)
        return lib_failed(r, "--analyse", st,
                          st == AEDYN_ERR_NOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE);
    return CLI_EXIT_OK;
}

bool cli_analyse_plateaus(cli_state *r)
{
    aedyn_status st = aedyn_analysis_plateaus(r->an, r->cfg->t_max, CLI_PLATEAU_POINTS);
    if (st != AEDYN_OK) {
        lib_failed(r, "--analyse", st, CLI_EXIT_FAILURE);
        return false;
    }
    r->analysed = true;
    return true;
}

static double field(const cli_state *r, size_t i, aedyn_analysis_plateau_field f)
{
    double v = NAN;
    aedyn_analysis_get_plateau(r->an, i, f, &v);
    return v;
}

void cli_plateau_table(const cli_state *r)
{
    double theta = NAN;
    aedyn_analysis_get_plateau_threshold(r->an, &theta);
    const size_t n = aedyn_analysis_get_n_plateaus(r->an);
    printf("\nplateaus of the ODE up to t = %g: stretches where |dy/dt| < %g of its largest value\n"
           "(lambda_u: leading unstable eigenvalue there, m its multiplicity; predicted exit\n"
           "t_entry + ln(Delta/delta0)/lambda_u; docs/theory.md section 11)\n\n",
           r->cfg->t_max, theta);
    printf("%3s %9s %9s %11s %-11s %10s %2s %6s %10s %10s\n", "#", "t_entry", "t_exit", "error",
           "kind", "lambda_u", "m", "unstab", "delta0", "predicted");
    for (size_t i = 0; i < n; i++) {
        printf("%3zu %9.4g %9.4g %11.6f %-11s %10.4g %2.0f %6.0f %10.3g %10.4g\n", i,
               field(r, i, AEDYN_ANALYSIS_PLATEAU_T_ENTRY),
               field(r, i, AEDYN_ANALYSIS_PLATEAU_T_EXIT),
               field(r, i, AEDYN_ANALYSIS_PLATEAU_ERROR),
               kind_name(field(r, i, AEDYN_ANALYSIS_PLATEAU_KIND)),
               field(r, i, AEDYN_ANALYSIS_PLATEAU_LAMBDA),
               field(r, i, AEDYN_ANALYSIS_PLATEAU_MULTIPLICITY),
               field(r, i, AEDYN_ANALYSIS_PLATEAU_N_UNSTABLE),
               field(r, i, AEDYN_ANALYSIS_PLATEAU_DELTA0),
               field(r, i, AEDYN_ANALYSIS_PLATEAU_T_PREDICTED));
    }
    if (n == 0)
        printf("(none)\n");
    fflush(stdout);
}

/* "key": number, with a comma before unless first */
static void kv(FILE *f, bool *first, const char *key, double v)
{
    fputs(*first ? "" : ", ", f);
    *first = false;
    cli_json_string(f, key);
    fputs(": ", f);
    cli_json_number(f, v);
}

void cli_plateaus_json(FILE *f, const cli_state *r)
{
    static const struct {
        const char *key;
        aedyn_analysis_plateau_field field;
    } cols[] = {
        { "t_entry", AEDYN_ANALYSIS_PLATEAU_T_ENTRY },
        { "t_exit", AEDYN_ANALYSIS_PLATEAU_T_EXIT },
        { "t_reference", AEDYN_ANALYSIS_PLATEAU_T_REFERENCE },
        { "error", AEDYN_ANALYSIS_PLATEAU_ERROR },
        { "fixed_point_error", AEDYN_ANALYSIS_PLATEAU_FIXED_POINT_ERROR },
        { "lambda_u", AEDYN_ANALYSIS_PLATEAU_LAMBDA },
        { "multiplicity", AEDYN_ANALYSIS_PLATEAU_MULTIPLICITY },
        { "delta0", AEDYN_ANALYSIS_PLATEAU_DELTA0 },
        { "Delta", AEDYN_ANALYSIS_PLATEAU_DELTA },
        { "t_predicted", AEDYN_ANALYSIS_PLATEAU_T_PREDICTED },
        { "n_unstable", AEDYN_ANALYSIS_PLATEAU_N_UNSTABLE },
        { "n_neutral", AEDYN_ANALYSIS_PLATEAU_N_NEUTRAL },
        { "n_stable", AEDYN_ANALYSIS_PLATEAU_N_STABLE },
        { "n_symmetry", AEDYN_ANALYSIS_PLATEAU_N_SYMMETRY },
        { "newton_iterations", AEDYN_ANALYSIS_PLATEAU_ITERATIONS },
        { "min_speed", AEDYN_ANALYSIS_PLATEAU_MIN_SPEED },
    };
    const size_t n = r->analysed ? aedyn_analysis_get_n_plateaus(r->an) : 0;
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n    {" : "\n    {", f);
        const double kind = field(r, i, AEDYN_ANALYSIS_PLATEAU_KIND);
        fputs("\"kind\": ", f);
        cli_json_string(f, kind_name(kind));
        fputs(", \"newton\": ", f);
        cli_json_string(f, outcome_name(kind));
        bool first = false;
        /* null for what does not apply: no exit by t-max, nothing unstable
         * (a stable plateau's predicted exit is infinite) */
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            kv(f, &first, cols[c].key, field(r, i, cols[c].field));
        fputc('}', f);
    }
    fputs(n ? "\n  ]" : "]", f);
}

/* ---- aedyn analyse ---- */

static void print_diag(const char *name, const double *M, size_t K)
{
    printf("  %-4s", name);
    for (size_t k = 0; k < K; k++)
        printf(" %11.5g", M[k * K + k]);
    printf("\n");
}

static void json_matrix(FILE *f, const double *M, size_t K)
{
    fputc('[', f);
    for (size_t k = 0; k < K; k++) {
        fputs(k ? ", [" : "[", f);
        for (size_t l = 0; l < K; l++) {
            fputs(l ? ", " : "", f);
            cli_json_number(f, M[k * K + l]);
        }
        fputc(']', f);
    }
    fputc(']', f);
}

static void json_array(FILE *f, const double *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", f);
        cli_json_number(f, v[i]);
    }
    fputc(']', f);
}

typedef struct {
    aedyn_analysis_outcome outcome;
    size_t iter, n, nu, nn, ns, nsym, mult;
    double err, lambda;
    double *res, *re, *im, *op, *dop; /* op, dop: Q, R, T, T0 (K x K each) */
    bool has_dir;
} report;

static bool write_json(cli_state *r, const report *a)
{
    const size_t K = r->K, KK = K * K;
    char *path = strdup(cli_out_path(r, ".json"));
    FILE *f = path ? fopen(path, "w") : NULL;
    if (!f) {
        cli_error("cannot write '%s': %s", path ? path : "the JSON record", strerror(errno));
        free(path);
        return false;
    }
    fputs("{\n  \"program\": \"aedyn analyse\",\n  \"library_version\": ", f);
    cli_json_string(f, aedyn_version_string());
    fputs(",\n  \"command_line\": [", f);
    for (int i = 0; i < r->argc; i++) {
        fputs(i ? ", " : "", f);
        cli_json_string(f, r->argv[i]);
    }
    fputs("],\n  \"parameters\": ", f);
    cli_json_parameters(f, r);
    fputs(",\n  \"error_convention\": \"E[(1/2D)|x - xhat|^2]\",\n  \"pca_errors\": ", f);
    json_array(f, r->pca, K);
    fputs(",\n  \"outcome\": ", f);
    cli_json_string(f, outcome_name(a->outcome));
    fprintf(f, ",\n  \"newton_iterations\": %zu,\n  \"relative_residuals\": ", a->iter);
    json_array(f, a->res, a->iter + 1);
    fputs(",\n  \"error\": ", f);
    cli_json_number(f, a->err);
    static const char *const names[4] = { "Q", "R", "T", "T0" };
    for (int q = 0; q < 4; q++) {
        fprintf(f, ",\n  \"%s\": ", names[q]);
        json_matrix(f, a->op + q * KK, K);
    }
    fputs(",\n  \"eigenvalues_re\": ", f);
    json_array(f, a->re, a->n);
    fputs(",\n  \"eigenvalues_im\": ", f);
    json_array(f, a->im, a->n);
    fprintf(f, ",\n  \"n_unstable\": %zu,\n  \"n_neutral\": %zu,\n  \"n_stable\": %zu,"
               "\n  \"n_symmetry\": %zu,\n  \"lambda_u\": ", a->nu, a->nn, a->ns, a->nsym);
    cli_json_number(f, a->lambda);
    fprintf(f, ",\n  \"multiplicity\": %zu", a->mult);
    if (a->has_dir) {
        fprintf(f, ",\n  \"direction\": \"%s\"", a->outcome == AEDYN_ANALYSIS_RUNAWAY
                                                     ? "runaway" : "leading unstable eigenvector");
        for (int q = 0; q < 4; q++) {
            fprintf(f, ",\n  \"d%s\": ", names[q]);
            json_matrix(f, a->dop + q * KK, K);
        }
    }
    fputs(",\n  \"wall_time_s\": ", f);
    cli_json_number(f, cli_elapsed(r));
    fputs(",\n  \"status\": \"ok\",\n  \"files\": {\"W\": ", f);
    cli_json_string(f, cli_out_path(r, "_W.npy"));
    fputs(", \"V\": ", f);
    cli_json_string(f, cli_out_path(r, "_V.npy"));
    fputs("}\n}\n", f);
    bool ok = fflush(f) == 0 && !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok)
        cli_error("error writing '%s': %s", path, strerror(errno));
    free(path);
    return ok;
}

/* The analysed state's weights as PREFIX_W.npy, PREFIX_V.npy (PREFIX_b.npy). */
static bool write_weights(cli_state *r)
{
    const size_t K = r->K, D = r->D;
    double *W = cli_alloc(K, D, sizeof *W), *V = cli_alloc(K, D, sizeof *V);
    double *b = calloc(K, sizeof *b);
    aedyn_status st = W && V && b ? aedyn_analysis_get_weights(r->an, 0.0, W, V, b)
                                  : AEDYN_ERR_NOMEM;
    if (st == AEDYN_OK)
        st = aedyn_npy_write(cli_out_path(r, "_W.npy"), W, K, D);
    if (st == AEDYN_OK)
        st = aedyn_npy_write(cli_out_path(r, "_V.npy"), V, K, D);
    if (st == AEDYN_OK && r->cfg->bias)
        st = aedyn_npy_write(cli_out_path(r, "_b.npy"), b, K, 1);
    if (st != AEDYN_OK)
        cli_error("writing the analysed weights: %s", aedyn_error_message());
    free(W);
    free(V);
    free(b);
    return st == AEDYN_OK;
}

int cli_analyse_command(cli_state *r)
{
    const cli_config *c = r->cfg;
    const size_t K = r->K, KK = K * K;
    report a = { .lambda = NAN, .err = NAN };
    aedyn_status st = aedyn_analysis_fixed_point(r->an);
    if (st != AEDYN_OK)
        return lib_failed(r, "aedyn analyse", st, CLI_EXIT_FAILURE);
    a.n = aedyn_analysis_get_n_eigenvalues(r->an);
    a.iter = aedyn_analysis_get_n_iterations(r->an);
    a.res = calloc(a.iter + 1, sizeof *a.res);
    a.re = calloc(a.n + 1, sizeof *a.re);
    a.im = calloc(a.n + 1, sizeof *a.im);
    a.op = calloc(8 * KK, sizeof *a.op);
    int rc = CLI_EXIT_OK;
    if (!a.res || !a.re || !a.im || !a.op) {
        cli_error("out of memory");
        rc = CLI_EXIT_FAILURE;
        goto done;
    }
    a.dop = a.op + 4 * KK;
    if ((st = aedyn_analysis_get_outcome(r->an, &a.outcome)) ||
        (st = aedyn_analysis_get_residuals(r->an, a.res)) ||
        (st = aedyn_analysis_get_eigenvalues(r->an, a.re, a.im)) ||
        (st = aedyn_analysis_get_counts(r->an, &a.nu, &a.nn, &a.ns, &a.nsym)) ||
        (st = aedyn_analysis_get_unstable(r->an, &a.lambda, &a.mult)) ||
        (st = aedyn_analysis_error(r->an, &a.err)) ||
        (st = aedyn_analysis_order_params(r->an, a.op, a.op + KK, a.op + 2 * KK,
                                          a.op + 3 * KK))) {
        rc = lib_failed(r, "aedyn analyse", st, CLI_EXIT_FAILURE);
        goto done;
    }
    a.has_dir = a.outcome == AEDYN_ANALYSIS_RUNAWAY || a.nu > 0;
    if (a.has_dir && (st = aedyn_analysis_get_direction(r->an, NULL, a.dop, a.dop + KK,
                                                        a.dop + 2 * KK, a.dop + 3 * KK))) {
        rc = lib_failed(r, "aedyn analyse", st, CLI_EXIT_FAILURE);
        goto done;
    }
    if (!c->quiet) {
        printf("aedyn %s: the ODE of a K = %zu %s%s autoencoder, D = %zu, from its %s weights\n",
               aedyn_version_string(), K, cli_value_name(c, "activation"),
               c->bias ? " biased" : "", r->D,
               c->init_weights.n ? "given" : c->init_informed ? "informed" : "initial");
        printf("Newton: %s after %zu iteration%s; relative residuals |f|/(|J||y|):",
               outcome_name(a.outcome), a.iter, a.iter == 1 ? "" : "s");
        for (size_t i = 0; i <= a.iter; i++) { /* the first 6 and last 4 (all in the JSON) */
            if (a.iter > 10 && i == 6)
                printf(" ...");
            if (a.iter <= 10 || i < 6 || i + 4 > a.iter)
                printf(" %.1e", a.res[i]);
        }
        printf("\n%s error %.8f (E[(1/2D)|x - xhat|^2]); pca(m), m = 1..%zu:",
               a.outcome == AEDYN_ANALYSIS_FIXED_POINT ? "fixed point:" : "analysed state:",
               a.err, K);
        for (size_t m = 0; m < K; m++)
            printf(" %.6f", r->pca[m]);
        printf("\norder parameters (diagonals):\n");
        print_diag("Q", a.op, K);
        print_diag("R", a.op + KK, K);
        print_diag("T0", a.op + 3 * KK, K);
        printf("%s: %zu unstable, %zu neutral (%zu symmetry directions), %zu stable of %zu\n",
               a.outcome == AEDYN_ANALYSIS_FIXED_POINT ? "stability"
                                                       : "frozen-time linearisation",
               a.nu, a.nn, a.nsym, a.ns, a.n);
        if (a.nu > 0)
            printf("leading unstable eigenvalue %.6g (multiplicity %zu)\n", a.lambda, a.mult);
        printf("largest eigenvalues:");
        for (size_t i = 0; i < a.n && i < 8; i++)
            printf(" %.4g%s", a.re[i], a.im[i] != 0.0 ? "(c)" : "");
        printf("\n");
        if (a.has_dir) {
            printf("%s, as derivatives of the order parameters:\n",
                   a.outcome == AEDYN_ANALYSIS_RUNAWAY ? "runaway direction"
                                                       : "leading unstable direction");
            print_diag("dQ", a.dop, K);
            print_diag("dT0", a.dop + 3 * KK, K);
        }
    }
    if (c->out) {
        bool ok = write_json(r, &a);
        ok = write_weights(r) && ok;
        if (!ok)
            rc = CLI_EXIT_FAILURE;
        else if (!c->quiet)
            printf("wrote %s.json, %s_W.npy, %s_V.npy%s\n", c->out, c->out, c->out,
                   c->bias ? " and _b.npy" : "");
    }
    if (!c->quiet && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_error("error writing to standard output: %s", strerror(errno));
        rc = CLI_EXIT_FAILURE;
    }
done:
    free(a.res);
    free(a.re);
    free(a.im);
    free(a.op);
    return rc;
}
