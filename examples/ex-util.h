/* Small helpers shared by the example programs (not part of the library):
 * status checks, option parsing, CSV logs, gnuplot scripts and overlaps of
 * weights with eigenvectors. Everything here uses only the public API of
 * libaedyn; the output times come from the library (aedyn_grid_log). */
#ifndef AEDYN_EX_UTIL_H
#define AEDYN_EX_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <aedyn.h>

/* Exit with a message (aedyn_strerror + detail) unless status is AEDYN_OK. */
void ex_check(aedyn_status status, const char *what);
/* malloc/calloc that exit on failure (n elements of size bytes). */
void *ex_alloc(size_t n, size_t size);

/* Command-line options: --name VALUE for sizes, doubles, integers and
 * strings, --name alone for flags. */
typedef enum { EX_OPT_SIZE, EX_OPT_DOUBLE, EX_OPT_U64, EX_OPT_STRING, EX_OPT_FLAG } ex_opt_type;
typedef struct {
    const char *name; /* without the leading "--" */
    ex_opt_type type;
    void *ptr;        /* size_t *, double *, uint64_t *, const char **, bool * */
    const char *help;
} ex_opt;

/* Parse argv against opts; --help prints the usage and exits 0, an error
 * prints it and exits 2. Arguments that do not start with "--" are passed to
 * @p positional (may be NULL: then they are errors). */
void ex_parse(int argc, char **argv, const char *summary, const ex_opt *opts, size_t n_opts,
              void (*positional)(const char *arg, void *user), void *user);

/* Open PREFIX SUFFIX (e.g. "out/ex1" ".csv") for writing and write the
 * header line; exits on failure. */
FILE *ex_csv_open(const char *prefix, const char *suffix, const char *header);
/* One CSV row of n values, then fflush; exits on a write error. */
void ex_csv_row(FILE *f, size_t n, const double *v);
/* fclose with error check. */
void ex_csv_close(FILE *f);

/* Begin PREFIX.gp: a gnuplot script writing PREFIX.svg (comma-separated
 * data, a size in pixels). It defines the gnuplot string variables `prefix`
 * and `csv` (PREFIX.csv): the caller fprintf()s the plot commands using them
 * (never pasting the prefix into the script), then calls ex_plot_end(), which
 * runs gnuplot (tools/plot-spawn.h: no shell) when it is installed and `plot`
 * is true, and otherwise says why it skipped. Never fails the program because
 * gnuplot is absent or fails. Returns NULL (with a message) when the script
 * cannot be written or plotting is disabled. */
FILE *ex_plot_begin(const char *prefix, bool plot, int width, int height);
void ex_plot_end(FILE *gp, const char *prefix);

/* The leading n eigenvectors of @p data (explicit eigen-groups, in order of
 * decreasing eigenvalue), n x D row-major, allocated; exits if fewer than n
 * explicit eigenvectors lead the spectrum. */
double *ex_leading_eigvecs(const aedyn_data *data, size_t n);

/* cos[k * n + i] = a^k . e_i / |a^k| for the K rows of A (K x D) and the n
 * rows of E (n x D, unit vectors). */
void ex_cosines(const double *A, size_t K, size_t D, const double *E, size_t n, double *cos);

/* Relative deviation |a - b| / |b|. */
double ex_reldev(double a, double b);

/* Fraction of the unit vector e_i that lies in the span of the K decoder
 * vectors, from observables only: with c[k * n + i] = cos(v^k, e_i) and the
 * Gram matrix T0 (K x K, T0^kl = v^k . v^l / D),
 * p_i = b^T T0^{-1} b with b_k = c[k * n + i] sqrt(T0^kk); 0 <= p_i <= 1.
 * Writes p[0..n). Returns false if T0 is singular. */
bool ex_span_fraction(const double *c, size_t K, size_t n, const double *T0, double *p);
#endif
