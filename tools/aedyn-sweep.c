/* aedyn-sweep: a grid of `aedyn run` experiments distributed over MPI ranks
 * (see aedyn-sweep(1) and docs/sweep.md).
 *
 * Every option of `aedyn run` is accepted; options with numeric or choice
 * values also take lists (--lr 0.05,0.1  --seed 1:32  --K 2,4  --spikes
 * 3,5/3,5,9). The grid is the product of the lists, run indices in row-major
 * order (the last list varies fastest). Run i is exactly
 *     aedyn run OPTIONS-OF-RUN-i --stream i --out OUTDIR/run-i
 * performed by cli_run_outcome() (the code of `aedyn run`): the stream id i
 * gives every run its own random stream, the same whatever the number of
 * ranks. Rank 0 hands out run indices on request (a dynamic work queue) and
 * writes OUTDIR/summary.csv; with one rank it performs every run itself. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <mpi.h>
#include "cli-config.h"
#include "cli-run.h"

#define TAG_RESULT 1 /* worker -> rank 0: the result of a run (run = -1: first request) */
#define TAG_WORK 2   /* rank 0 -> worker: a run index, or -1 to stop */
#define MAX_RUNS 10000000

/* One option of the command line: fixed (one value) or a dimension of the grid. */
typedef struct {
    cli_token tok;
    char **values; /* the list (NULL for a fixed option: tok.v is used) */
    size_t n;
} item;

typedef struct {
    item *items;
    size_t n_items;
    size_t *dims;    /* indices in items of the swept options, in order */
    size_t n_dims;
    size_t n_runs;
    const char *outdir;
    bool dry_run, quiet;
} sweep;

/* Sent back to rank 0 after each run (homogeneous clusters: raw bytes). */
typedef struct {
    int64_t run;
    int32_t rank;
    cli_outcome out;
} result_msg;

static int rank_ = 0;

static void die_oom(void)
{
    fprintf(stderr, "aedyn-sweep: out of memory\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die_oom();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void usage(FILE *f)
{
    fputs("Usage: mpirun -np N aedyn-sweep [--outdir DIR] [--dry-run] [--quiet] [RUN OPTION...]\n"
          "\n"
          "Run the grid of `aedyn run` experiments spanned by the lists among the options\n"
          "and write DIR/run-NNNNN.{csv,json,_W.npy,_V.npy} per run and DIR/summary.csv.\n"
          "Lists: integers 1,2,8 or ranges A:B or A:B:STEP (--seed 1:32, --K 2:8:2);\n"
          "numbers and choices 0.05,0.1 or erf,relu; --spikes 3,5/3,5,9 ('/' between\n"
          "lists). The last list varies fastest. Run i uses the random stream i\n"
          "(--stream i), so its results do not depend on the number of ranks; rank 0\n"
          "hands out runs on request (with one rank it performs them all). A run that\n"
          "fails (divergence, a value rejected for that grid point) is reported in the\n"
          "summary and the sweep goes on.\n"
          "\n"
          "Sweep options:\n"
          "  --outdir DIR\n"
          "        directory of the outputs, created if needed [default: sweep]\n"
          "  --dry-run\n"
          "        print the command line of every run and exit\n"
          "  --quiet\n"
          "        no line per finished run on stderr\n"
          "  --help\n"
          "        show this help and exit\n"
          "\n"
          "Run options (see aedyn --help; --out and --stream are set per run):\n",
          f);
    cli_usage_options(f);
    fputs("\nExit status: 0 every run ok, 1 some run failed (see the summary), 2 bad\n"
          "options. See aedyn-sweep(1) and docs/sweep.md.\n",
          f);
}

/* ---- lists ---- */

static bool parse_uint(const char *s, size_t len, unsigned long long *out)
{
    if (len == 0 || len > 20)
        return false;
    char buf[24];
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (buf[0] < '0' || buf[0] > '9')
        return false;
    char *end;
    errno = 0;
    *out = strtoull(buf, &end, 0);
    return errno == 0 && *end == '\0';
}

static void push(item *it, size_t *cap, char *v)
{
    if (it->n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        char **p = realloc(it->values, *cap * sizeof *p);
        if (!p)
            die_oom();
        it->values = p;
    }
    it->values[it->n++] = v;
}

/* Split the value of a sweepable option into its list. */
static bool expand(item *it)
{
    const char *name = it->tok.opt->name, *s = it->tok.v[0];
    cli_list_kind kind = cli_option_list_kind(it->tok.opt);
    char sep = kind == CLI_LIST_SLASH ? '/' : ',';
    size_t cap = 0;
    const char *p = s;
    for (;;) {
        size_t len = strcspn(p, (char[]){ sep, '\0' });
        const char *colon = memchr(p, ':', len);
        if (len == 0) {
            cli_error("--%s: empty element in the list '%s'", name, s);
            return false;
        }
        if (colon && kind == CLI_LIST_INT) {
            const char *colon2 = memchr(colon + 1, ':', len - (size_t)(colon + 1 - p));
            unsigned long long a, b, step = 1;
            const char *end_b = colon2 ? colon2 : p + len;
            if (!parse_uint(p, (size_t)(colon - p), &a) ||
                !parse_uint(colon + 1, (size_t)(end_b - colon - 1), &b) ||
                (colon2 && !parse_uint(colon2 + 1, (size_t)(p + len - colon2 - 1), &step)) ||
                step == 0 || b < a) {
                cli_error("--%s: bad range '%.*s' (A:B or A:B:STEP, integers, A <= B, STEP >= 1)",
                          name, (int)len, p);
                return false;
            }
            if ((b - a) / step >= MAX_RUNS) {
                cli_error("--%s: range '%.*s' has more than %d values", name, (int)len, p,
                          MAX_RUNS);
                return false;
            }
            for (unsigned long long v = a;; v += step) {
                char buf[24];
                snprintf(buf, sizeof buf, "%llu", v);
                push(it, &cap, xstrndup(buf, strlen(buf)));
                if (b - v < step)
                    break;
            }
        } else {
            push(it, &cap, xstrndup(p, len));
        }
        if (p[len] == '\0')
            break;
        p += len + 1;
        if (*p == '\0') {
            cli_error("--%s: trailing '%c' in '%s'", name, sep, s);
            return false;
        }
    }
    return true;
}

/* Parse the command line of the sweep. Returns CLI_EXIT_OK, CLI_EXIT_USAGE,
 * or -1 after --help. */
static int parse_sweep(sweep *sw, int argc, char **argv)
{
    sw->outdir = "sweep";
    sw->items = xmalloc((size_t)argc * sizeof *sw->items);
    sw->dims = xmalloc((size_t)argc * sizeof *sw->dims);
    int i = 1;
    while (i < argc) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return -1;
        if (strcmp(a, "--dry-run") == 0 || strcmp(a, "--quiet") == 0) {
            *(a[2] == 'd' ? &sw->dry_run : &sw->quiet) = true;
            i++;
            continue;
        }
        if (strcmp(a, "--outdir") == 0 || strncmp(a, "--outdir=", 9) == 0) {
            if (a[8] == '=')
                sw->outdir = a + 9;
            else if (i + 1 < argc)
                sw->outdir = argv[++i];
            else {
                cli_error("option '--outdir' needs a value (DIR)");
                return CLI_EXIT_USAGE;
            }
            if (*sw->outdir == '\0') {
                cli_error("--outdir needs a non-empty DIR");
                return CLI_EXIT_USAGE;
            }
            i++;
            continue;
        }
        item it = { 0 };
        if (cli_next_option(cli_run_options(), argc, argv, &i, &it.tok) != CLI_EXIT_OK)
            return CLI_EXIT_USAGE;
        if (strcmp(it.tok.opt->name, "out") == 0 || strcmp(it.tok.opt->name, "stream") == 0) {
            cli_error("--%s is set per run by aedyn-sweep (use --outdir DIR)", it.tok.opt->name);
            return CLI_EXIT_USAGE;
        }
        if (strcmp(it.tok.opt->name, "help") == 0)
            return -1;
        bool list = false;
        if (cli_option_list_kind(it.tok.opt) != CLI_LIST_NONE) {
            if (!expand(&it))
                return CLI_EXIT_USAGE;
            list = it.n > 1;
            if (!list) {
                free(it.values[0]);
                free(it.values);
                it.values = NULL;
                it.n = 0;
            }
        }
        for (size_t k = 0; list && k < sw->n_items; k++)
            if (sw->items[k].values && strcmp(sw->items[k].tok.opt->name, it.tok.opt->name) == 0) {
                cli_error("--%s: give one list per option", it.tok.opt->name);
                return CLI_EXIT_USAGE;
            }
        if (list) {
            if (sw->n_runs > MAX_RUNS / it.n) {
                cli_error("--%s: the grid has more than %d runs", it.tok.opt->name, MAX_RUNS);
                return CLI_EXIT_USAGE;
            }
            sw->dims[sw->n_dims++] = sw->n_items;
        }
        if (sw->n_runs == 0)
            sw->n_runs = 1;
        if (list)
            sw->n_runs *= it.n;
        sw->items[sw->n_items++] = it;
    }
    if (sw->n_runs == 0)
        sw->n_runs = 1;
    return CLI_EXIT_OK;
}

static void free_sweep(sweep *sw)
{
    for (size_t k = 0; k < sw->n_items; k++) {
        for (size_t j = 0; j < sw->items[k].n; j++)
            free(sw->items[k].values[j]);
        free(sw->items[k].values);
    }
    free(sw->items);
    free(sw->dims);
}

/* Index into the list of dimension d of run `run`. */
static size_t choice_of(const sweep *sw, size_t run, size_t d)
{
    for (size_t e = sw->n_dims; e-- > d + 1;)
        run /= sw->items[sw->dims[e]].n;
    return run % sw->items[sw->dims[d]].n;
}

/* The command line of run `run`: aedyn run OPTIONS --quiet --stream I --out PREFIX.
 * Values point into argv and the lists; "--name", the stream and the prefix
 * are owned. */
typedef struct {
    char **av;
    int argc;
    char **owned;
    size_t n_owned;
    char *prefix;
} run_argv;

static char *own(run_argv *ra, size_t len)
{
    return ra->owned[ra->n_owned++] = xmalloc(len);
}

static void build_argv(const sweep *sw, size_t run, run_argv *ra)
{
    ra->av = xmalloc((3 * sw->n_items + 10) * sizeof *ra->av);
    ra->owned = xmalloc((sw->n_items + 2) * sizeof *ra->owned);
    ra->n_owned = 0;
    int n = 0;
    ra->av[n++] = "aedyn";
    ra->av[n++] = "run";
    size_t d = 0;
    for (size_t k = 0; k < sw->n_items; k++) {
        const item *it = &sw->items[k];
        size_t len = strlen(it->tok.opt->name) + 3;
        char *dashed = own(ra, len);
        snprintf(dashed, len, "--%s", it->tok.opt->name);
        ra->av[n++] = dashed;
        if (it->values) {
            ra->av[n++] = it->values[choice_of(sw, run, d++)];
        } else {
            if (it->tok.v[0])
                ra->av[n++] = (char *)it->tok.v[0];
            if (it->tok.v[1])
                ra->av[n++] = (char *)it->tok.v[1];
        }
    }
    char *stream = own(ra, 24);
    snprintf(stream, 24, "%zu", run);
    size_t plen = strlen(sw->outdir) + 32;
    ra->prefix = own(ra, plen);
    snprintf(ra->prefix, plen, "%s/run-%05zu", sw->outdir, run);
    ra->av[n++] = "--quiet";
    ra->av[n++] = "--stream";
    ra->av[n++] = stream;
    ra->av[n++] = "--out";
    ra->av[n++] = ra->prefix;
    ra->av[n] = NULL;
    ra->argc = n;
}

static char **run_args(run_argv *ra)
{
    return ra->av;
}

static void free_argv(const sweep *sw, run_argv *ra)
{
    (void)sw;
    for (size_t k = 0; k < ra->n_owned; k++)
        free(ra->owned[k]);
    free(ra->owned);
    free(ra->av);
}

/* Parse the configuration of run `run`; false (message in cli_last_error())
 * when the options of this grid point are rejected. */
static bool run_config(const sweep *sw, size_t run, cli_config *cfg, run_argv *ra)
{
    build_argv(sw, run, ra);
    cli_config_defaults(cfg);
    bool help, was = cli_error_quiet(true);
    cli_error_reset();
    bool ok = cli_parse(cfg, ra->argc - 2, run_args(ra) + 2, &help) == CLI_EXIT_OK;
    cli_error_quiet(was);
    return ok;
}

/* Perform run `run`, filling the result. */
static void do_run(const sweep *sw, size_t run, result_msg *msg)
{
    cli_config cfg;
    run_argv ra;
    memset(msg, 0, sizeof *msg);
    msg->run = (int64_t)run;
    msg->rank = rank_;
    if (run_config(sw, run, &cfg, &ra)) {
        cli_run_outcome(&cfg, ra.argc, run_args(&ra), &msg->out);
    } else {
        cli_outcome *o = &msg->out;
        *o = (cli_outcome){ .rc = CLI_EXIT_USAGE, .t = NAN, .sgd_error = NAN, .ode_error = NAN,
                            .rel_dev = NAN, .pca_K = NAN };
        snprintf(o->status, sizeof o->status, "invalid");
        snprintf(o->message, sizeof o->message, "%s", cli_last_error());
    }
    free_argv(sw, &ra);
}

/* ---- the summary ---- */

static void csv_text(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
    if (isnan(v))
        fputs(",nan", f);
    else
        fprintf(f, ",%.12g", v);
}

/* Columns that are always present and come from the parsed configuration. */
static bool is_fixed_column(const char *name)
{
    return strcmp(name, "seed") == 0 || strcmp(name, "D") == 0 || strcmp(name, "K") == 0 ||
           strcmp(name, "lr") == 0;
}

static void summary_header(FILE *f, const sweep *sw)
{
    fputs("run,status,seed,stream,D,K,lr", f);
    for (size_t d = 0; d < sw->n_dims; d++) {
        const char *name = sw->items[sw->dims[d]].tok.opt->name;
        if (is_fixed_column(name))
            continue;
        fputc(',', f);
        for (const char *p = name; *p; p++)
            fputc(*p == '-' ? '_' : *p, f);
    }
    fputs(",t,sgd_error,ode_error,rel_dev,pca_K,wall_s,rank,csv,message\n", f);
}

static void summary_row(FILE *f, const sweep *sw, const result_msg *m)
{
    size_t run = (size_t)m->run;
    cli_config cfg;
    run_argv ra;
    bool parsed = run_config(sw, run, &cfg, &ra);
    const cli_outcome *o = &m->out;
    fprintf(f, "%zu,", run);
    csv_text(f, o->status);
    if (parsed)
        fprintf(f, ",%llu,%zu", (unsigned long long)cfg.seed, run);
    else
        fprintf(f, ",,%zu", run);
    if (o->D)
        fprintf(f, ",%zu", o->D);
    else if (parsed && cfg.D)
        fprintf(f, ",%zu", cfg.D);
    else
        fputs(",", f);
    if (parsed)
        fprintf(f, ",%zu,%.12g", cfg.K, cfg.lr);
    else
        fputs(",,", f);
    for (size_t d = 0; d < sw->n_dims; d++) {
        const item *it = &sw->items[sw->dims[d]];
        if (is_fixed_column(it->tok.opt->name))
            continue;
        fputc(',', f);
        csv_text(f, it->values[choice_of(sw, run, d)]);
    }
    csv_num(f, o->t);
    csv_num(f, o->sgd_error);
    csv_num(f, o->ode_error);
    csv_num(f, o->rel_dev);
    csv_num(f, o->pca_K);
    fprintf(f, ",%.3f,%d,", o->wall_s, (int)m->rank);
    const char *slash = strrchr(ra.prefix, '/');
    fprintf(f, "%s.csv,", slash ? slash + 1 : ra.prefix);
    csv_text(f, o->message);
    fputc('\n', f);
    free_argv(sw, &ra);
}

static char *dir_file(const sweep *sw, const char *name)
{
    size_t n = strlen(sw->outdir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", sw->outdir, name);
    return p;
}

/* mkdir -p */
static bool make_dirs(const char *path)
{
    char *p = xstrndup(path, strlen(path));
    bool ok = true;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                ok = false;
            *s = c;
            if (!ok || c == '\0')
                break;
        }
    }
    struct stat st;
    ok = ok && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    return ok;
}

typedef struct {
    const sweep *sw;
    result_msg *results; /* by run index */
    bool *done;
    size_t n_done, n_failed;
    FILE *partial;       /* rows in the order they finish */
    double t0;
} collector;

static void collect(collector *c, const result_msg *m)
{
    size_t run = (size_t)m->run;
    c->results[run] = *m;
    c->done[run] = true;
    c->n_done++;
    bool ok = strcmp(m->out.status, "ok") == 0;
    if (!ok)
        c->n_failed++;
    if (c->partial) {
        summary_row(c->partial, c->sw, m);
        fflush(c->partial);
    }
    if (!c->sw->quiet) {
        fprintf(stderr, "[aedyn-sweep] run %zu (%zu/%zu done) %s on rank %d in %.1f s", run,
                c->n_done, c->sw->n_runs, m->out.status, (int)m->rank, m->out.wall_s);
        if (!ok)
            fprintf(stderr, ": %s", m->out.message);
        fputc('\n', stderr);
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Rank 0 with other ranks: hand out the runs, collect the results. */
static void dispatch(collector *c, int size, const bool *valid)
{
    size_t next = 0;
    int active = size - 1;
    const struct timespec nap = { 0, 2000000 }; /* 2 ms: do not spin while the workers work */
    while (active > 0) {
        result_msg m;
        MPI_Request req;
        MPI_Status st;
        int flag = 0;
        MPI_Irecv(&m, (int)sizeof m, MPI_BYTE, MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &req);
        for (;;) {
            MPI_Test(&req, &flag, &st);
            if (flag)
                break;
            nanosleep(&nap, NULL);
        }
        if (m.run >= 0)
            collect(c, &m);
        while (next < c->sw->n_runs && !valid[next])
            next++;
        int64_t work = next < c->sw->n_runs ? (int64_t)next++ : -1;
        MPI_Send(&work, 1, MPI_INT64_T, st.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
        if (work < 0)
            active--;
    }
}

static void work(const sweep *sw)
{
    result_msg m = { .run = -1, .rank = rank_ };
    for (;;) {
        MPI_Send(&m, (int)sizeof m, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        int64_t run;
        MPI_Recv(&run, 1, MPI_INT64_T, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (run < 0)
            break;
        do_run(sw, (size_t)run, &m);
    }
}

static bool write_summary(collector *c)
{
    char *path = dir_file(c->sw, "summary.csv");
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        free(path);
        return false;
    }
    summary_header(f, c->sw);
    for (size_t run = 0; run < c->sw->n_runs; run++)
        if (c->done[run])
            summary_row(f, c->sw, &c->results[run]);
    bool ok = fclose(f) == 0;
    if (!ok)
        cli_error("error writing '%s'", path);
    free(path);
    return ok;
}

static int finish(int rc)
{
    MPI_Finalize();
    return rc;
}

int main(int argc, char **argv)
{
    cli_set_program("aedyn-sweep");
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
    MPI_Init(&argc, &argv);
    int size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* every rank parses the same command line and takes the same decisions;
     * only rank 0 prints */
    cli_error_quiet(rank_ != 0);
    sweep sw = { 0 };
    int rc = parse_sweep(&sw, argc, argv);
    if (rc != CLI_EXIT_OK) {
        if (rc < 0 && rank_ == 0)
            usage(stdout);
        free_sweep(&sw);
        return finish(rc < 0 ? CLI_EXIT_OK : rc);
    }
    /* Validate every grid point up front: a point whose options are rejected
     * is reported as "invalid"; if all are, the sweep is a usage error. */
    bool *valid = xmalloc(sw.n_runs * sizeof *valid);
    size_t n_valid = 0;
    char first_error[512] = "";
    for (size_t run = 0; run < sw.n_runs; run++) {
        cli_config cfg;
        run_argv ra;
        valid[run] = run_config(&sw, run, &cfg, &ra);
        if (valid[run])
            n_valid++;
        else if (!first_error[0])
            snprintf(first_error, sizeof first_error, "%s", cli_last_error());
        free_argv(&sw, &ra);
    }
    if (n_valid == 0) {
        cli_error("%s", first_error);
        free(valid);
        free_sweep(&sw);
        return finish(CLI_EXIT_USAGE);
    }
    if (sw.dry_run) {
        for (size_t run = 0; rank_ == 0 && run < sw.n_runs; run++) {
            cli_config cfg;
            run_argv ra;
            bool ok = run_config(&sw, run, &cfg, &ra);
            char **av = run_args(&ra);
            for (int k = 0; k < ra.argc; k++)
                printf("%s%s", k ? " " : "", av[k]);
            if (ok)
                putchar('\n');
            else
                printf("   # invalid: %s\n", cli_last_error());
            free_argv(&sw, &ra);
        }
        free(valid);
        free_sweep(&sw);
        return finish(CLI_EXIT_OK);
    }
    int dir_ok = 1;
    if (rank_ == 0 && !make_dirs(sw.outdir)) {
        cli_error("--outdir: cannot create the directory '%s': %s", sw.outdir, strerror(errno));
        dir_ok = 0;
    }
    MPI_Bcast(&dir_ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!dir_ok) {
        free(valid);
        free_sweep(&sw);
        return finish(CLI_EXIT_USAGE);
    }
    cli_error_quiet(true); /* the messages of the runs go to the summary */
    rc = CLI_EXIT_OK;
    if (rank_ == 0) {
        collector c = { .sw = &sw, .t0 = now() };
        c.results = xmalloc(sw.n_runs * sizeof *c.results);
        c.done = calloc(sw.n_runs, sizeof *c.done);
        if (!c.done)
            die_oom();
        char *partial = dir_file(&sw, "summary.csv.partial");
        if ((c.partial = fopen(partial, "w")))
            summary_header(c.partial, &sw);
        if (!sw.quiet)
            fprintf(stderr, "[aedyn-sweep] %zu runs (%zu invalid) on %d rank%s, outputs in %s/\n",
                    sw.n_runs, sw.n_runs - n_valid, size, size > 1 ? "s" : "", sw.outdir);
        /* the invalid points are reported without being dispatched */
        for (size_t run = 0; run < sw.n_runs; run++)
            if (!valid[run]) {
                result_msg m;
                do_run(&sw, run, &m);
                collect(&c, &m);
            }
        if (size == 1) {
            for (size_t run = 0; run < sw.n_runs; run++)
                if (valid[run]) {
                    result_msg m;
                    do_run(&sw, run, &m);
                    collect(&c, &m);
                }
        } else {
            dispatch(&c, size, valid);
        }
        cli_error_quiet(false);
        bool written = write_summary(&c);
        if (c.partial) {
            fclose(c.partial);
            if (written)
                remove(partial);
        }
        if (!sw.quiet)
            fprintf(stderr, "[aedyn-sweep] %zu runs, %zu failed, %.1f s; summary: %s/summary.csv\n",
                    c.n_done, c.n_failed, now() - c.t0, sw.outdir);
        rc = written && c.n_failed == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        free(partial);
        free(c.results);
        free(c.done);
    } else {
        work(&sw);
    }
    free(valid);
    free_sweep(&sw);
    return finish(rc);
}
