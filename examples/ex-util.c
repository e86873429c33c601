/* Helpers of the example programs; see ex-util.h. */
#include "ex-util.h"
#include "plot-spawn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void ex_check(aedyn_status status, const char *what)
{
    if (status == AEDYN_OK)
        return;
    fprintf(stderr, "error: %s: %s (%s)\n", what, aedyn_strerror(status), aedyn_error_message());
    exit(EXIT_FAILURE);
}

void *ex_alloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "error: out of memory (%zu x %zu bytes)\n", n, size);
        exit(EXIT_FAILURE);
    }
    return p;
}

static void usage(FILE *f, const char *prog, const char *summary, const ex_opt *opts, size_t n)
{
    fprintf(f, "usage: %s [options]\n%s\noptions:\n", prog, summary);
    for (size_t i = 0; i < n; i++) {
        const char *arg = opts[i].type == EX_OPT_FLAG ? "" : opts[i].type == EX_OPT_STRING ? " S"
                          : opts[i].type == EX_OPT_DOUBLE ? " X" : " N";
        char left[64];
        snprintf(left, sizeof left, "--%s%s", opts[i].name, arg);
        fprintf(f, "  %-18s %s\n", left, opts[i].help);
    }
    fprintf(f, "  %-18s %s\n", "--help", "print this help");
}

void ex_parse(int argc, char **argv, const char *summary, const ex_opt *opts, size_t n_opts,
              void (*positional)(const char *arg, void *user), void *user)
{
    const char *prog = argc > 0 ? argv[0] : "example";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (positional) {
                positional(a, user);
                continue;
            }
            fprintf(stderr, "%s: unexpected argument '%s'\n", prog, a);
            usage(stderr, prog, summary, opts, n_opts);
            exit(2);
        }
        if (strcmp(a, "--help") == 0) {
            usage(stdout, prog, summary, opts, n_opts);
            exit(0);
        }
        const ex_opt *o = NULL;
        for (size_t j = 0; j < n_opts; j++)
            if (strcmp(a + 2, opts[j].name) == 0)
                o = &opts[j];
        if (!o) {
            fprintf(stderr, "%s: unknown option '%s'\n", prog, a);
            usage(stderr, prog, summary, opts, n_opts);
            exit(2);
        }
        if (o->type == EX_OPT_FLAG) {
            *(bool *)o->ptr = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: option '%s' needs a value\n", prog, a);
            exit(2);
        }
        const char *v = argv[++i];
        char *end = NULL;
        errno = 0;
        switch (o->type) {
        case EX_OPT_SIZE:
        case EX_OPT_U64: {
            if (v[0] == '-')
                goto bad;
            const unsigned long long x = strtoull(v, &end, 10);
            if (errno || end == v || *end)
                goto bad;
            if (o->type == EX_OPT_SIZE) {
                if (x > SIZE_MAX)
                    goto bad;
                *(size_t *)o->ptr = (size_t)x;
            } else {
                *(uint64_t *)o->ptr = (uint64_t)x;
            }
            break;
        }
        case EX_OPT_DOUBLE: {
            const double x = strtod(v, &end);
            if (errno || end == v || *end || !isfinite(x))
                goto bad;
            *(double *)o->ptr = x;
            break;
        }
        case EX_OPT_STRING:
            *(const char **)o->ptr = v;
            break;
        case EX_OPT_FLAG:
            break;
        }
        continue;
    bad:
        fprintf(stderr, "%s: invalid value '%s' for option '%s'\n", prog, v, a);
        exit(2);
    }
}

FILE *ex_csv_open(const char *prefix, const char *suffix, const char *header)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s%s", prefix, suffix) >= sizeof path) {
        fprintf(stderr, "error: output prefix too long\n");
        exit(EXIT_FAILURE);
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "error: cannot create %s: %s\n", path, strerror(errno));
        exit(EXIT_FAILURE);
    }
    if (fprintf(f, "%s\n", header) < 0 || fflush(f) != 0) {
        fprintf(stderr, "error: cannot write %s\n", path);
        exit(EXIT_FAILURE);
    }
    return f;
}

void ex_csv_row(FILE *f, size_t n, const double *v)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= fprintf(f, i ? ",%.9g" : "%.9g", v[i]) < 0;
    bad |= fputc('\n', f) == EOF;
    bad |= fflush(f) != 0;
    if (bad) {
        fprintf(stderr, "error: writing a CSV row failed\n");
        exit(EXIT_FAILURE);
    }
}

void ex_csv_close(FILE *f)
{
    if (f && fclose(f) != 0) {
        fprintf(stderr, "error: closing a CSV file failed\n");
        exit(EXIT_FAILURE);
    }
}

FILE *ex_plot_begin(const char *prefix, bool plot, int width, int height)
{
    if (!plot) {
        printf("plot: skipped (--no-plot)\n");
        return NULL;
    }
    if (!plot_gp_quotable(prefix)) {
        printf("plot: skipped (the output prefix has a line break, which gnuplot cannot quote)\n");
        return NULL;
    }
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s.gp", prefix) >= sizeof path) {
        printf("plot: skipped (output prefix too long)\n");
        return NULL;
    }
    FILE *gp = fopen(path, "w");
    if (!gp) {
        printf("plot: skipped (cannot write %s: %s)\n", path, strerror(errno));
        return NULL;
    }
    /* the file names are gnuplot string variables: the plot commands of the
     * examples use csv, never the prefix itself */
    fputs("# gnuplot script written by a libaedyn example\nprefix = ", gp);
    plot_gp_string(gp, prefix);
    fprintf(gp, "\ncsv = prefix.'.csv'\n"
                "set terminal svg size %d,%d dynamic font 'sans,13' background '#ffffff'\n"
                "set output prefix.'.svg'\n"
                "set datafile separator comma\n"
                "set termoption noenhanced\n"
                "set grid lc rgb '#dddddd'\n",
            width, height);
    return gp;
}

void ex_plot_end(FILE *gp, const char *prefix)
{
    if (!gp)
        return;
    if (fclose(gp) != 0) {
        printf("plot: skipped (writing %s.gp failed)\n", prefix);
        return;
    }
    char script[4096], why[128];
    snprintf(script, sizeof script, "%s.gp", prefix);
    switch (plot_spawn_gnuplot(script, why, sizeof why)) {
    case PLOT_SPAWN_OK:
        printf("plot: %s.svg (script %s)\n", prefix, script);
        break;
    case PLOT_SPAWN_NOT_FOUND:
        printf("plot: gnuplot not found, skipped (script kept in %s)\n", script);
        break;
    case PLOT_SPAWN_FAILED:
        printf("plot: gnuplot failed on %s (%s; ignored)\n", script, why);
        break;
    }
}

double *ex_leading_eigvecs(const aedyn_data *data, size_t n)
{
    const size_t D = aedyn_data_get_dim(data), G = aedyn_data_get_n_groups(data);
    double *E = ex_alloc(n * D, sizeof *E);
    size_t have = 0;
    for (size_t g = 0; g < G && have < n; g++) {
        size_t mult, nexp;
        ex_check(aedyn_data_get_group(data, g, NULL, &mult, &nexp), "aedyn_data_get_group");
        if (nexp == 0)
            break;
        if (have + nexp > n) { /* a degenerate group straddling n: take what fits */
            double *tmp = ex_alloc(nexp * D, sizeof *tmp);
            ex_check(aedyn_data_get_group_vectors(data, g, tmp), "aedyn_data_get_group_vectors");
            memcpy(E + have * D, tmp, (n - have) * D * sizeof *E);
            free(tmp);
            have = n;
        } else {
            ex_check(aedyn_data_get_group_vectors(data, g, E + have * D), "aedyn_data_get_group_vectors");
            have += nexp;
        }
    }
    if (have < n) {
        fprintf(stderr, "error: only %zu explicit leading eigenvectors, %zu needed\n", have, n);
        exit(EXIT_FAILURE);
    }
    return E;
}

void ex_cosines(const double *A, size_t K, size_t D, const double *E, size_t n, double *cos)
{
    for (size_t k = 0; k < K; k++) {
        const double *a = A + k * D;
        double nn = 0.0;
        for (size_t j = 0; j < D; j++)
            nn += a[j] * a[j];
        const double norm = sqrt(nn);
        for (size_t i = 0; i < n; i++) {
            const double *e = E + i * D;
            double dot = 0.0;
            for (size_t j = 0; j < D; j++)
                dot += a[j] * e[j];
            cos[k * n + i] = norm > 0.0 ? dot / norm : 0.0;
        }
    }
}

double ex_reldev(double a, double b)
{
    return fabs(a - b) / fabs(b);
}

bool ex_span_fraction(const double *c, size_t K, size_t n, const double *T0, double *p)
{
    enum { KMAX = 16 };
    if (K > KMAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        double A[KMAX][KMAX + 1];
        for (size_t k = 0; k < K; k++) {
            for (size_t l = 0; l < K; l++)
                A[k][l] = T0[k * K + l];
            A[k][K] = c[k * n + i] * sqrt(T0[k * K + k]);
        }
        double b[KMAX];
        for (size_t k = 0; k < K; k++)
            b[k] = A[k][K];
        /* Gaussian elimination with partial pivoting on [T0 | b] */
        for (size_t col = 0; col < K; col++) {
            size_t piv = col;
            for (size_t r = col + 1; r < K; r++)
                if (fabs(A[r][col]) > fabs(A[piv][col]))
                    piv = r;
            if (!(fabs(A[piv][col]) > 1e-300))
                return false;
            if (piv != col)
                for (size_t j = 0; j <= K; j++) {
                    const double tmp = A[col][j];
                    A[col][j] = A[piv][j];
                    A[piv][j] = tmp;
                }
            for (size_t r = col + 1; r < K; r++) {
                const double f = A[r][col] / A[col][col];
                for (size_t j = col; j <= K; j++)
                    A[r][j] -= f * A[col][j];
            }
        }
        double x[KMAX];
        for (size_t r = K; r-- > 0;) {
            double s = A[r][K];
            for (size_t j = r + 1; j < K; j++)
                s -= A[r][j] * x[j];
            x[r] = s / A[r][r];
        }
        double q = 0.0;
        for (size_t k = 0; k < K; k++)
            q += b[k] * x[k];
        p[i] = q;
    }
    return true;
}
