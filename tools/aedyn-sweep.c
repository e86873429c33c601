/* aedyn-sweep: a grid of `aedyn run` experiments distributed over MPI ranks
 * (see aedyn-sweep(1) and docs/sweep.md).
 *
 * Every option of `aedyn run` is accepted, read with the program's option
 * table (cli-config.c): an option the table marks sweepable also takes a
 * list (--lr 0.05,0.1  --seed 1:32  --K 2,4  --spikes 3,5/3,5,9), whose
 * elements go through the option's own strict parser and bounds, with no
 * code per option. The sweep's own options are a table too. The grid is
 * the product of the lists, run indices in row-major
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
#define MAX_RUNS 1000000 /* runs of one grid: rank 0 keeps a result of each */

/* One run option of the command line: fixed (n <= 1) or a dimension of the
 * grid (n > 1). */
typedef struct {
    cli_token tok;
    char **values; /* the expanded list of a sweepable option (owned), or NULL */
    size_t n;
} item;

typedef struct {
    item *items;
    size_t n_items;
    size_t *dims;    /* indices in items of the swept options, in order */
    size_t n_dims;
    size_t n_runs;
    bool run_given[CLI_MAX_OPTIONS];
    /* the sweep's own options (destinations of sweep_options) */
    const char *outdir;
    bool dry_run, quiet, help;
    bool given[4];
} sweep;

static const cli_option sweep_options[] = {
    { .name = "outdir", .metavar = "DIR", .type = CLI_STRING, .offset = offsetof(sweep, outdir),
      .dflt = "sweep", .help = "directory of the outputs, created if needed" },
    { .name = "dry-run", .type = CLI_FLAG, .flag = true, .offset = offsetof(sweep, dry_run),
      .help = "print the command line of every run and exit" },
    { .name = "quiet", .type = CLI_FLAG, .flag = true, .offset = offsetof(sweep, quiet),
      .help = "no line per finished run on stderr" },
    { .name = "help", .type = CLI_FLAG, .flag = true, .offset = offsetof(sweep, help),
      .flags = CLI_ACTION, .help = "show this help and exit" },
};
static const cli_table sweep_table = { sweep_options,
                                       sizeof sweep_options / sizeof sweep_options[0] };
_Static_assert(sizeof sweep_options / sizeof sweep_options[0] <= sizeof ((sweep *)0)->given,
               "sweep.given is too small");

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
          "Lists (of the options marked 'list' below): integers 1,2,8 or inclusive ranges\n"
          "A:B or A:B:STEP (--seed 1:32, --K 2:8:2 is 2,4,6,8, 1:6:2 is 1,3,5); numbers\n"
          "and choices 0.05,0.1 or erf,relu; --spikes 3,5/3,5,9 ('/' between lists). Each\n"
          "element is read like the option's value in aedyn, and each option is given\n"
          "once (one value or one list). The last list varies fastest. Run i uses the\n"
          "random stream i (--stream i), so its results do not depend on the number of\n"
          "ranks; rank 0 hands out runs on request (with one rank it performs them all).\n"
          "A run that fails (divergence, a value rejected for that grid point) is\n"
          "reported in the summary and the sweep goes on.\n"
          "\n"
          "Sweep options:\n",
          f);
    sweep defaults = { 0 };
    cli_table_defaults(&sweep_table, &defaults);
    cli_table_usage(f, &sweep_table, &defaults, false);
    fputs("\nRun options (see aedyn --help; --out and --stream are set per run):\n", f);
    cli_usage_options(f, true);
    fputs("\nExit status: 0 every run ok, 1 some run failed (see the summary), 2 bad\n"
          "options. See aedyn-sweep(1) and docs/sweep.md.\n",
          f);
}

/* ---- lists ---- */

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

/* The values of the inclusive range A:B or A:B:STEP of an integer option:
 * A, A + STEP, ... up to B (B itself only when the steps land on it). */
static bool expand_range(item *it, size_t *cap, const char *range)
{
    const cli_option *o = it->tok.opt;
    char part[3][32];
    size_t n_parts = 0;
    const char *p = range;
    for (;;) {
        size_t len = strcspn(p, ":");
        if (n_parts == 3 || len >= sizeof part[0])
            goto bad;
        memcpy(part[n_parts], p, len);
        part[n_parts++][len] = '\0';
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    uint64_t a, b, step = 1;
    if (n_parts < 2 || cli_parse_u64(part[0], &a) != CLI_NUM_OK ||
        cli_parse_u64(part[1], &b) != CLI_NUM_OK ||
        (n_parts == 3 && cli_parse_u64(part[2], &step) != CLI_NUM_OK) || step == 0 || b < a)
        goto bad;
    if ((b - a) / step >= MAX_RUNS) {
        cli_error("--%s: the range '%s' has more than %d values", o->name, range, MAX_RUNS);
        return false;
    }
    for (uint64_t v = a;; v += step) {
        char buf[24];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
        if (!cli_option_check(o, buf))
            return false;
        push(it, cap, xstrndup(buf, strlen(buf)));
        if (b - v < step)
            break;
    }
    return true;
bad:
    cli_error("--%s: bad range '%s' (A:B or A:B:STEP: decimal integers, A <= B, STEP >= 1)",
              o->name, range);
    return false;
}

/* Split the value of a sweepable option into its list; every element is
 * read by the option's own parser (cli_option_check), so the sweep accepts
 * exactly the values aedyn accepts. */
static bool expand(item *it)
{
    const cli_option *o = it->tok.opt;
    const char *s = it->tok.v[0];
    cli_list_kind kind = cli_option_list_kind(o);
    const char sep[2] = { kind == CLI_LIST_SLASH ? '/' : ',', '\0' };
    size_t cap = 0;
    const char *p = s;
    for (;;) {
        size_t len = strcspn(p, sep);
        if (len == 0) {
            cli_error("--%s: empty element in the list '%s'", o->name, s);
            return false;
        }
        char *elem = xstrndup(p, len);
        if (kind == CLI_LIST_INT && strchr(elem, ':')) {
            bool ok = expand_range(it, &cap, elem);
            free(elem);
            if (!ok)
                return false;
        } else if (!cli_option_check(o, elem)) {
            free(elem);
            return false;
        } else {
            push(it, &cap, elem);
        }
        if (p[len] == '\0')
            break;
        p += len + 1;
        if (*p == '\0') {
            cli_error("--%s: trailing '%s' in '%s'", o->name, sep, s);
            return false;
        }
    }
    return true;
}

/* The table an argument belongs to: the sweep's options, else the run's. */
static const cli_table *table_of(const char *arg)
{
    if (strncmp(arg, "--", 2) == 0) {
        size_t len = strcspn(arg + 2, "=");
        for (size_t k = 0; k < sweep_table.n; k++)
            if (strlen(sweep_options[k].name) == len &&
                strncmp(sweep_options[k].name, arg + 2, len) == 0)
                return &sweep_table;
    }
    return cli_run_options();
}

/* Parse the command line of the sweep. Returns CLI_EXIT_OK, CLI_EXIT_USAGE,
 * or -1 after --help. */
static int parse_sweep(sweep *sw, int argc, char **argv)
{
    if (!cli_table_defaults(&sweep_table, sw))
        return CLI_EXIT_USAGE;
    sw->items = xmalloc((size_t)argc * sizeof *sw->items);
    sw->dims = xmalloc((size_t)argc * sizeof *sw->dims);
    sw->n_runs = 1;
    int i = 1;
    while (i < argc) {
        const cli_table *t = table_of(argv[i]);
        item it = { 0 };
        if (cli_next_option(t, argc, argv, &i, &it.tok) != CLI_EXIT_OK)
            return CLI_EXIT_USAGE;
        const cli_option *o = it.tok.opt;
        if (o->flags & CLI_ACTION)
            return -1;
        if (t == &sweep_table) {
            if (!cli_mark_option(sw->given, t, o) ||
                !cli_option_set(o, sw, it.tok.v, it.tok.nwords))
                return CLI_EXIT_USAGE;
            continue;
        }
        if (o->flags & CLI_SWEEP_SETS) {
            cli_error("--%s is set per run by aedyn-sweep (use --outdir DIR)", o->name);
            return CLI_EXIT_USAGE;
        }
        if (!cli_mark_option(sw->run_given, t, o))
            return CLI_EXIT_USAGE;
        sw->items[sw->n_items++] = it; /* owned by the sweep from here on */
        item *in = &sw->items[sw->n_items - 1];
        if (cli_option_list_kind(o) != CLI_LIST_NONE && !expand(in))
            return CLI_EXIT_USAGE;
        if (in->n > 1) {
            if (sw->n_runs > MAX_RUNS / in->n) {
                cli_error("--%s: the grid has more than %d runs", o->name, MAX_RUNS);
                return CLI_EXIT_USAGE;
            }
            sw->n_runs *= in->n;
            sw->dims[sw->n_dims++] = sw->n_items - 1;
        }
    }
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
        if (it->n > 1) {
            ra->av[n++] = it->values[choice_of(sw, run, d++)];
        } else if (it->n == 1) {
            ra->av[n++] = it->values[0];
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
    if (parsed && !cfg.lr_schedule)
        fprintf(f, ",%zu,%.12g", cfg.K, cfg.lr);
    else if (parsed) /* the schedule gives the rate: its own column */
        fprintf(f, ",%zu,nan", cfg.K);
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
    const char *partial_path;
    bool partial_failed; /* a write of it failed: reported at the end, exit 1 */
    char partial_error[512];
    double t0;
} collector;

/* The partial summary could not be written: stop writing it, and remember
 * why (the messages of cli_error() are muted while the runs go). */
static void partial_failed(collector *c, const char *what)
{
    if (!c->partial_failed)
        snprintf(c->partial_error, sizeof c->partial_error, "%s '%s': %s", what,
                 c->partial_path, strerror(errno));
    c->partial_failed = true;
    if (c->partial)
        fclose(c->partial);
    c->partial = NULL;
}

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
        if (fflush(c->partial) != 0 || ferror(c->partial))
            partial_failed(c, "error writing");
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
    bool ok = fflush(f) == 0 && !ferror(f);
    ok = fclose(f) == 0 && ok;
    if (!ok)
        cli_error("error writing '%s': %s", path, strerror(errno));
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
        rc = CLI_EXIT_OK;
        if (rank_ == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
            cli_error("error writing the command lines to standard output: %s", strerror(errno));
            rc = CLI_EXIT_FAILURE;
        }
        free(valid);
        free_sweep(&sw);
        return finish(rc);
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
        c.partial_path = partial;
        if ((c.partial = fopen(partial, "w"))) {
            summary_header(c.partial, &sw);
            if (fflush(c.partial) != 0 || ferror(c.partial))
                partial_failed(&c, "error writing");
        } else {
            partial_failed(&c, "cannot create");
        }
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
        if (c.partial && fclose(c.partial) != 0)
            partial_failed(&c, "error writing");
        c.partial = NULL;
        if (c.partial_failed)
            cli_error("%s", c.partial_error);
        bool written = write_summary(&c);
        if (written)
            remove(partial); /* complete in summary.csv */
        if (!sw.quiet)
            fprintf(stderr, "[aedyn-sweep] %zu runs, %zu failed, %.1f s; summary: %s/summary.csv\n",
                    c.n_done, c.n_failed, now() - c.t0, sw.outdir);
        rc = written && !c.partial_failed && c.n_failed == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
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
