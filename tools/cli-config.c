/* Options of `aedyn run`: one table gives every option its argument, help
 * text and default, so --help, the parser and the man page agree. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli-config.h"

static const char *program_name = "aedyn";
static bool errors_quiet;
static char last_error[512];

void cli_set_program(const char *name) { program_name = name; }
bool cli_error_quiet(bool quiet)
{
    bool was = errors_quiet;
    errors_quiet = quiet;
    return was;
}
const char *cli_last_error(void) { return last_error; }
void cli_error_reset(void) { last_error[0] = '\0'; }

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    if (!errors_quiet)
        fprintf(stderr, "%s: %s\n", program_name, last_error);
}

void cli_config_defaults(cli_config *cfg)
{
    *cfg = (cli_config){
        .data = CLI_DATA_SPIKED,
        .D = 0,
        .M = 2,
        .noise = 1.0,
        .spike_vectors = AEDYN_DATA_SPIKES_RANDOM,
        .standardise = true,
        .K = 2,
        .activation = AEDYN_NET_ACT_ERF,
        .rule = AEDYN_SGD_VANILLA,
        .lr = 1.0,
        .wd = 0.0,
        .init_std = 0.1,
        .init = CLI_INIT_GAUSSIAN,
        .seed = 1,
        .t_max = 100.0,
        .t_min = 0.0,
        .points = 20,
        .mode = CLI_MODE_BOTH,
        .integrator = CLI_INTEGRATOR_AUTO,
        .rtol = 1e-6,
        .atol = 1e-9,
        .dt = 0.0,
        .preprocess = AEDYN_IMAGES_PAPER,
        .whiten_eps = 1e-2,
        .sampler = AEDYN_IMAGES_SAMPLE_REAL,
        .plot_format = CLI_PLOT_PNG,
    };
}

/* ---- names of enumerated values ---- */

typedef struct {
    const char *name;
    int value;
} cli_choice;

static const cli_choice data_choices[] = {
    { "spiked", CLI_DATA_SPIKED }, { "gaussian", CLI_DATA_GAUSSIAN },
    { "cifar", CLI_DATA_CIFAR },   { "idx", CLI_DATA_IDX },      { NULL, 0 } };
static const cli_choice act_choices[] = {
    { "linear", AEDYN_NET_ACT_LINEAR }, { "erf", AEDYN_NET_ACT_ERF }, { "relu", AEDYN_NET_ACT_RELU },
    { NULL, 0 } };
static const cli_choice rule_choices[] = {
    { "vanilla", AEDYN_SGD_VANILLA }, { "truncated", AEDYN_SGD_TRUNCATED },
    { "sanger", AEDYN_SGD_SANGER },   { NULL, 0 } };
static const cli_choice integrator_choices[] = {
    { "euler", AEDYN_ODE_EULER }, { "rk4", AEDYN_ODE_RK4 }, { "dopri5", AEDYN_ODE_DOPRI5 },
    { "rkc", AEDYN_ODE_RKC },     { "bdf", AEDYN_ODE_BDF },       { "auto", CLI_INTEGRATOR_AUTO },
    { NULL, 0 } };
static const cli_choice mode_choices[] = {
    { "sgd", CLI_MODE_SGD }, { "ode", CLI_MODE_ODE }, { "both", CLI_MODE_BOTH }, { NULL, 0 } };
static const cli_choice vectors_choices[] = {
    { "random", AEDYN_DATA_SPIKES_RANDOM }, { "sinusoidal", AEDYN_DATA_SPIKES_SINUSOIDAL }, { NULL, 0 } };
static const cli_choice preprocess_choices[] = {
    { "raw", AEDYN_IMAGES_RAW }, { "paper", AEDYN_IMAGES_PAPER }, { "centred", AEDYN_IMAGES_CENTRED },
    { "zca", AEDYN_IMAGES_ZCA }, { "pca-white", AEDYN_IMAGES_PCA_WHITE }, { NULL, 0 } };
static const cli_choice sampler_choices[] = {
    { "real", AEDYN_IMAGES_SAMPLE_REAL }, { "gaussian", AEDYN_IMAGES_SAMPLE_GAUSSIAN }, { NULL, 0 } };
static const cli_choice plot_format_choices[] = {
    { "png", CLI_PLOT_PNG }, { "svg", CLI_PLOT_SVG }, { NULL, 0 } };

static const char *choice_name(const cli_choice *c, int value)
{
    for (; c->name; c++)
        if (c->value == value)
            return c->name;
    return "?";
}

const char *cli_data_name(cli_data_kind d) { return choice_name(data_choices, (int)d); }
const char *cli_activation_name(aedyn_net_activation a) { return choice_name(act_choices, (int)a); }
const char *cli_rule_name(aedyn_sgd_rule r) { return choice_name(rule_choices, (int)r); }
const char *cli_integrator_name(int m) { return choice_name(integrator_choices, m); }
const char *cli_mode_name(cli_mode m) { return choice_name(mode_choices, (int)m); }
const char *cli_spike_vectors_name(aedyn_data_spikes v) { return choice_name(vectors_choices, (int)v); }
const char *cli_preprocess_name(aedyn_images_mode m) { return choice_name(preprocess_choices, (int)m); }
const char *cli_sampler_name(aedyn_images_sampler s) { return choice_name(sampler_choices, (int)s); }
const char *cli_plot_format_name(cli_plot_format f) { return choice_name(plot_format_choices, (int)f); }

size_t cli_effective_M(const cli_config *cfg)
{
    return cfg->n_spikes ? cfg->n_spikes : cfg->M;
}

double cli_effective_t_min(const cli_config *cfg)
{
    return cfg->t_min > 0 ? cfg->t_min : cfg->t_max / 100.0;
}

/* ---- the option table ---- */

typedef enum {
    OPT_DATA, OPT_D, OPT_M, OPT_SPIKES, OPT_NOISE, OPT_SPIKE_VECTORS, OPT_STANDARDISE, OPT_RAW,
    OPT_COVARIANCE, OPT_IMAGES, OPT_SUBSET, OPT_TEST_SIZE, OPT_PREPROCESS, OPT_WHITEN_EPS,
    OPT_SAMPLER, OPT_K, OPT_ACTIVATION, OPT_BIAS, OPT_TIED, OPT_RULE, OPT_LR, OPT_WD,
    OPT_INIT_STD, OPT_INIT_INFORMED, OPT_INIT_WEIGHTS, OPT_SEED, OPT_STREAM, OPT_T_MAX, OPT_T_MIN,
    OPT_POINTS, OPT_MODE, OPT_INTEGRATOR, OPT_RTOL, OPT_ATOL, OPT_DT, OPT_OUT, OPT_PLOT,
    OPT_PLOT_FORMAT, OPT_QUIET, OPT_HELP
} opt_id;

typedef struct {
    opt_id id;
    const char *name;    /* without the leading "--" */
    const char *arg;     /* metavariable, NULL for a flag */
    const char *dflt;    /* default, as shown by --help */
    const char *help;
    const char *section; /* non-NULL: starts a section of --help */
    cli_sweep_kind sweep;
} opt_spec;

#define INT CLI_SWEEP_INT
#define NUM CLI_SWEEP_NUMBER
#define WORD CLI_SWEEP_WORD
#define NONE CLI_SWEEP_NONE
static const opt_spec options[] = {
    { OPT_DATA, "data", "spiked|gaussian|cifar|idx", "spiked",
      "data model: the spiked model, N(0, Omega) from --covariance, or images from --images "
      "(CIFAR-10 binary batches or IDX files such as Fashion-MNIST)", "Data", WORD },
    { OPT_D, "D", "N", "1000",
      "input dimension (gaussian: taken from --covariance; cifar|idx: from the images, and "
      "--D must agree)", NULL, INT },
    { OPT_M, "M", "N", "2", "number of spikes of the spiked model", NULL, INT },
    { OPT_SPIKES, "spikes", "L1,L2,...", "2^m+1 = 3,5,9,...",
      "spike strengths Lambda_m (sets M to their number)", NULL, CLI_SWEEP_SLASH },
    { OPT_NOISE, "noise", "SIGMA", "1", "noise standard deviation sigma of the spiked model",
      NULL, NUM },
    { OPT_SPIKE_VECTORS, "spike-vectors", "random|sinusoidal", "random",
      "spike vectors a_m: i.i.d. N(0,1) entries or sin((m+1) i/100), norm sqrt(D)", NULL, WORD },
    { OPT_STANDARDISE, "standardise", NULL, "on",
      "divide the spiked inputs by sqrt(Tr Omega/D), as in the paper's figures", NULL, NONE },
    { OPT_RAW, "raw", NULL, "off", "use the raw (unstandardised) spiked model", NULL, NONE },
    { OPT_COVARIANCE, "covariance", "FILE.npy", "none",
      "D x D covariance of the gaussian model (float64 .npy)", NULL, NONE },
    { OPT_IMAGES, "images", "TRAIN [TEST]", "none",
      "image files of --data cifar|idx (plain or gzip): SGD trains on TRAIN and its test error "
      "is measured on the held-out TEST; without TEST the last --test-size images of TRAIN are "
      "held out and never trained on", NULL, NONE },
    { OPT_SUBSET, "subset", "N", "all",
      "train on the first N images of TRAIN only (the ODE uses their spectrum)", NULL, INT },
    { OPT_TEST_SIZE, "test-size", "N", "all of TEST, else 1/6 of TRAIN",
      "number of held-out images (the first N of TEST, or the last N of TRAIN)", NULL, INT },
    { OPT_PREPROCESS, "preprocess", "raw|paper|centred|zca|pca-white", "paper",
      "image preprocessing fitted on the training images and applied to the held-out ones: "
      "none; the paper's global mean 0, std 0.5; per-pixel centring; ZCA or PCA whitening",
      NULL, WORD },
    { OPT_WHITEN_EPS, "whiten-eps", "EPS", "0.01",
      "regulariser of --preprocess zca|pca-white", NULL, NUM },
    { OPT_SAMPLER, "sampler", "real|gaussian", "real",
      "SGD inputs: real training images drawn with replacement, or Gaussian samples with their "
      "covariance (the Gaussian-equivalent model)", NULL, WORD },
    { OPT_K, "K", "N", "2", "hidden units", "Network", INT },
    { OPT_ACTIVATION, "activation", "linear|erf|relu", "erf", "activation g", NULL, WORD },
    { OPT_BIAS, "bias", NULL, "off", "train a bias per hidden unit", NULL, NONE },
    { OPT_TIED, "tied", NULL, "off", "tied weights (decoder = encoder; SGD only)", NULL, NONE },
    { OPT_RULE, "rule", "vanilla|truncated|sanger", "vanilla",
      "update rule (sanger: linear tied network, SGD only)", "Training", WORD },
    { OPT_LR, "lr", "ETA", "1", "learning rate eta (encoder, decoder and bias)", NULL, NUM },
    { OPT_WD, "wd", "KAPPA", "0", "weight decay kappa", NULL, NUM },
    { OPT_INIT_STD, "init-std", "SIGMA0", "0.1", "initial weights i.i.d. N(0, sigma0^2)", NULL,
      NUM },
    { OPT_INIT_INFORMED, "init-informed", NULL, "off",
      "informed initialisation: w^k = e_k, v^k = sqrt(D) e_k on the leading eigenvectors", NULL,
      NONE },
    { OPT_INIT_WEIGHTS, "init-weights", "W.npy V.npy", "none",
      "initial weights, each K x D ('-' for V keeps the random decoder; tied: V must be '-')",
      NULL, NONE },
    { OPT_SEED, "seed", "N", "1", "seed of the random generator (64-bit)", NULL, INT },
    { OPT_STREAM, "stream", "N", "0",
      "stream id of the generator: (seed, stream) pairs give independent runs (aedyn-sweep "
      "gives run i the stream i)", NULL, NONE },
    { OPT_T_MAX, "t-max", "T", "100", "time horizon, t = steps/D", "Output times", NUM },
    { OPT_T_MIN, "t-min", "T", "t-max/100", "first output time after t = 0", NULL, NUM },
    { OPT_POINTS, "points", "N", "20",
      "number of log-spaced output times from t-min to t-max (plus t = 0)", NULL, INT },
    { OPT_MODE, "mode", "sgd|ode|both", "both",
      "simulate SGD, integrate the ODE, or both from the same initial weights", "Dynamics", WORD },
    { OPT_INTEGRATOR, "integrator", "euler|rk4|dopri5|rkc|bdf|auto", "auto",
      "ODE integrator (auto: bdf for small states, rkc for large)", NULL, WORD },
    { OPT_RTOL, "rtol", "TOL", "1e-6", "relative tolerance of dopri5, rkc and bdf", NULL, NUM },
    { OPT_ATOL, "atol", "TOL", "1e-9", "absolute tolerance of dopri5, rkc and bdf", NULL, NUM },
    { OPT_DT, "dt", "H", "euler 1/D, rk4 0.01, adaptive auto",
      "fixed step of euler and rk4 (first trial step of the adaptive methods)", NULL, NUM },
    { OPT_OUT, "out", "PREFIX", "none",
      "write PREFIX.csv, PREFIX.json, PREFIX_W.npy, PREFIX_V.npy (PREFIX_b.npy with --bias)",
      "Output", NONE },
    { OPT_PLOT, "plot", NULL, "off",
      "also write the gnuplot script PREFIX.gp and, when gnuplot is installed, render it to "
      "PREFIX.png or PREFIX.svg (needs --out; without gnuplot a notice, not an error)", NULL,
      NONE },
    { OPT_PLOT_FORMAT, "plot-format", "png|svg", "png", "image format of --plot", NULL, NONE },
    { OPT_QUIET, "quiet", NULL, "off", "no table on stdout and no progress line", NULL, NONE },
    { OPT_HELP, "help", NULL, NULL, "show this help and exit", NULL, NONE },
};
#undef INT
#undef NUM
#undef WORD
#undef NONE
#define N_OPTIONS (sizeof options / sizeof options[0])

/* Print text word-wrapped to `width` columns, every line indented by `indent`. */
static void print_wrapped(FILE *f, const char *text, int indent, int width)
{
    int col = 0;
    while (*text) {
        while (*text == ' ')
            text++;
        int len = (int)strcspn(text, " ");
        if (len == 0)
            break;
        if (col > 0 && col + 1 + len > width) {
            fputc('\n', f);
            col = 0;
        }
        if (col == 0)
            col = fprintf(f, "%*s%.*s", indent, "", len, text);
        else
            col += fprintf(f, " %.*s", len, text);
        text += len;
    }
    fputc('\n', f);
}

void cli_usage(FILE *f)
{
    fputs("Usage: aedyn [run] [OPTION...]\n"
          "       aedyn --version\n"
          "\n"
          "Online SGD of a shallow autoencoder side by side with the asymptotically exact\n"
          "ODEs that predict it (libaedyn). Without options: the headline experiment, a\n"
          "K = 2 erf autoencoder on the standardised spiked model with D = 1000.\n"
          "Errors are E[(1/2D)|x - xhat|^2] (the 1/2 is kept). With --data cifar|idx the SGD\n"
          "error is measured on held-out images and the ODE runs on the spectrum of the\n"
          "training images (D modes).\n",
          f);
    cli_usage_options(f);
    fputs("\nOptions also take the form --name=value. Exit status: 0 success, 1 failure\n"
          "(including divergence), 2 bad options or values. See aedyn(1).\n",
          f);
}

void cli_usage_options(FILE *f)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const opt_spec *o = &options[i];
        if (o->section)
            fprintf(f, "\n%s:\n", o->section);
        char head[64], text[512];
        snprintf(head, sizeof head, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        snprintf(text, sizeof text, "%s%s%s%s", o->help, o->dflt ? " [default: " : "",
                 o->dflt ? o->dflt : "", o->dflt ? "]" : "");
        fprintf(f, "  %s\n", head);
        print_wrapped(f, text, 8, 79);
    }
}

/* ---- value parsers: each prints the error naming the option ---- */

static bool parse_size(const char *opt, const char *s, size_t min, size_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '+' || *s == '\0')
        goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v > SIZE_MAX)
        goto bad;
    if ((size_t)v < min) {
        cli_error("--%s must be >= %zu (got '%s')", opt, min, s);
        return false;
    }
    *out = (size_t)v;
    return true;
bad:
    cli_error("--%s needs a non-negative integer (got '%s')", opt, s);
    return false;
}

static bool parse_u64(const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '+' || *s == '\0') {
        cli_error("--%s needs a non-negative integer (got '%s')", opt, s);
        return false;
    }
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end != '\0') {
        cli_error("--%s needs a non-negative integer (got '%s')", opt, s);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

/* A finite number; positive: > 0 required, otherwise >= 0. */
static bool parse_double(const char *opt, const char *s, bool positive, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        cli_error("--%s needs a finite number (got '%s')", opt, s);
        return false;
    }
    if (positive ? !(v > 0) : !(v >= 0)) {
        cli_error("--%s must be %s (got '%s')", opt, positive ? "> 0" : ">= 0", s);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_choice(const char *opt, const char *s, const cli_choice *c, int *out)
{
    for (const cli_choice *p = c; p->name; p++)
        if (strcmp(s, p->name) == 0) {
            *out = p->value;
            return true;
        }
    char list[128] = "";
    for (const cli_choice *p = c; p->name; p++) {
        strncat(list, p->name, sizeof list - strlen(list) - 1);
        if (p[1].name)
            strncat(list, "|", sizeof list - strlen(list) - 1);
    }
    cli_error("--%s must be one of %s (got '%s')", opt, list, s);
    return false;
}

static bool parse_spikes(const char *opt, const char *s, cli_config *cfg)
{
    size_t n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(v) || !(v > 0) ||
            (*end != ',' && *end != '\0')) {
            cli_error("--%s needs a comma-separated list of numbers > 0 (got '%s')", opt, s);
            return false;
        }
        if (n == CLI_MAX_SPIKES) {
            cli_error("--%s: at most %d spikes", opt, CLI_MAX_SPIKES);
            return false;
        }
        cfg->spikes[n++] = v;
        p = *end == ',' ? end + 1 : end;
        if (*end == ',' && *p == '\0') {
            cli_error("--%s: trailing comma in '%s'", opt, s);
            return false;
        }
    }
    if (n == 0) {
        cli_error("--%s needs at least one value", opt);
        return false;
    }
    cfg->n_spikes = n;
    return true;
}

static const opt_spec *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

/* Apply one option with its value (NULL for flags). */
static bool apply(cli_config *cfg, const opt_spec *o, const char *v, const char *v2, bool *help)
{
    const char *n = o->name;
    int c;
    switch (o->id) {
    case OPT_DATA:
        if (!parse_choice(n, v, data_choices, &c))
            return false;
        cfg->data = (cli_data_kind)c;
        return true;
    case OPT_D: return parse_size(n, v, 1, &cfg->D);
    case OPT_M:
        cfg->M_given = true;
        return parse_size(n, v, 0, &cfg->M);
    case OPT_SPIKES: return parse_spikes(n, v, cfg);
    case OPT_NOISE: return parse_double(n, v, false, &cfg->noise);
    case OPT_SPIKE_VECTORS:
        if (!parse_choice(n, v, vectors_choices, &c))
            return false;
        cfg->spike_vectors = (aedyn_data_spikes)c;
        return true;
    case OPT_STANDARDISE: cfg->standardise = true; return true;
    case OPT_RAW: cfg->standardise = false; return true;
    case OPT_COVARIANCE: cfg->covariance = v; return true;
    case OPT_IMAGES:
        if (*v == '\0' || (v2 && *v2 == '\0')) {
            cli_error("--images needs non-empty file names");
            return false;
        }
        cfg->images[0] = v;
        cfg->images[1] = v2;
        cfg->n_images = v2 ? 2 : 1;
        return true;
    case OPT_SUBSET:
        cfg->image_option = cfg->image_option ? cfg->image_option : "subset";
        return parse_size(n, v, 1, &cfg->subset);
    case OPT_TEST_SIZE:
        cfg->image_option = cfg->image_option ? cfg->image_option : "test-size";
        return parse_size(n, v, 1, &cfg->test_size);
    case OPT_PREPROCESS:
        cfg->image_option = cfg->image_option ? cfg->image_option : "preprocess";
        if (!parse_choice(n, v, preprocess_choices, &c))
            return false;
        cfg->preprocess = (aedyn_images_mode)c;
        return true;
    case OPT_WHITEN_EPS:
        cfg->image_option = cfg->image_option ? cfg->image_option : "whiten-eps";
        return parse_double(n, v, true, &cfg->whiten_eps);
    case OPT_SAMPLER:
        cfg->image_option = cfg->image_option ? cfg->image_option : "sampler";
        if (!parse_choice(n, v, sampler_choices, &c))
            return false;
        cfg->sampler = (aedyn_images_sampler)c;
        return true;
    case OPT_K: return parse_size(n, v, 1, &cfg->K);
    case OPT_ACTIVATION:
        if (!parse_choice(n, v, act_choices, &c))
            return false;
        cfg->activation = (aedyn_net_activation)c;
        return true;
    case OPT_BIAS: cfg->bias = true; return true;
    case OPT_TIED: cfg->tied = true; return true;
    case OPT_RULE:
        if (!parse_choice(n, v, rule_choices, &c))
            return false;
        cfg->rule = (aedyn_sgd_rule)c;
        return true;
    case OPT_LR: return parse_double(n, v, true, &cfg->lr);
    case OPT_WD: return parse_double(n, v, false, &cfg->wd);
    case OPT_INIT_STD: return parse_double(n, v, false, &cfg->init_std);
    case OPT_INIT_INFORMED: cfg->init = CLI_INIT_INFORMED; return true;
    case OPT_INIT_WEIGHTS:
        cfg->init_W = v;
        cfg->init_V = v2;
        return true;
    case OPT_SEED: return parse_u64(n, v, &cfg->seed);
    case OPT_STREAM: return parse_u64(n, v, &cfg->stream);
    case OPT_T_MAX: return parse_double(n, v, true, &cfg->t_max);
    case OPT_T_MIN: return parse_double(n, v, true, &cfg->t_min);
    case OPT_POINTS: return parse_size(n, v, 1, &cfg->points);
    case OPT_MODE:
        if (!parse_choice(n, v, mode_choices, &c))
            return false;
        cfg->mode = (cli_mode)c;
        return true;
    case OPT_INTEGRATOR:
        if (!parse_choice(n, v, integrator_choices, &c))
            return false;
        cfg->integrator = c;
        return true;
    case OPT_RTOL: return parse_double(n, v, true, &cfg->rtol);
    case OPT_ATOL: return parse_double(n, v, false, &cfg->atol);
    case OPT_DT: return parse_double(n, v, true, &cfg->dt);
    case OPT_OUT:
        if (*v == '\0') {
            cli_error("--out needs a non-empty PREFIX");
            return false;
        }
        cfg->out = v;
        return true;
    case OPT_PLOT: cfg->plot = true; return true;
    case OPT_PLOT_FORMAT:
        if (!parse_choice(n, v, plot_format_choices, &c))
            return false;
        cfg->plot_format = (cli_plot_format)c;
        return true;
    case OPT_QUIET: cfg->quiet = true; return true;
    case OPT_HELP: *help = true; return true;
    }
    return false;
}

/* Checks that involve several options. */
static bool check_combination(cli_config *cfg)
{
    bool images = cfg->data == CLI_DATA_CIFAR || cfg->data == CLI_DATA_IDX;
    if (images && !cfg->n_images) {
        cli_error("--data %s needs --images TRAIN [TEST]", cli_data_name(cfg->data));
        return false;
    }
    if (!images && cfg->n_images) {
        cli_error("--images needs --data cifar or --data idx");
        return false;
    }
    if (!images && cfg->image_option) {
        cli_error("--%s needs --data cifar or --data idx", cfg->image_option);
        return false;
    }
    if (cfg->data == CLI_DATA_GAUSSIAN && !cfg->covariance) {
        cli_error("--data gaussian needs --covariance FILE.npy");
        return false;
    }
    if (cfg->data != CLI_DATA_GAUSSIAN && cfg->covariance) {
        cli_error("--covariance needs --data gaussian");
        return false;
    }
    if (cfg->n_spikes && cfg->M_given && cfg->M != cfg->n_spikes) {
        cli_error("--M %zu disagrees with the %zu values of --spikes", cfg->M, cfg->n_spikes);
        return false;
    }
    if (cfg->data == CLI_DATA_SPIKED) {
        size_t D = cfg->D ? cfg->D : 1000, M = cli_effective_M(cfg);
        if (M > D) {
            cli_error("--M must be <= D (got M = %zu, D = %zu)", M, D);
            return false;
        }
        if (!cfg->n_spikes && M > 62) {
            cli_error("--M: the default spikes 2^m+1 overflow beyond M = 62; give --spikes");
            return false;
        }
    }
    if (cfg->data == CLI_DATA_SPIKED && cfg->K > (cfg->D ? cfg->D : 1000)) {
        cli_error("--K must be <= D (got K = %zu, D = %zu)", cfg->K, cfg->D ? cfg->D : 1000);
        return false;
    }
    if (cfg->t_min > 0 && cfg->t_min > cfg->t_max) {
        cli_error("--t-min must be <= --t-max (got %g > %g)", cfg->t_min, cfg->t_max);
        return false;
    }
    if (cfg->plot && !cfg->out) {
        cli_error("--plot needs --out PREFIX");
        return false;
    }
    if (cfg->init == CLI_INIT_INFORMED && cfg->init_W) {
        cli_error("--init-informed and --init-weights exclude each other");
        return false;
    }
    if (cfg->rule == AEDYN_SGD_SANGER && (!cfg->tied || cfg->activation != AEDYN_NET_ACT_LINEAR)) {
        cli_error("--rule sanger needs --tied and --activation linear");
        return false;
    }
    if ((cfg->tied || cfg->rule == AEDYN_SGD_SANGER) && cfg->mode == CLI_MODE_ODE) {
        cli_error("--mode ode: the ODE does not support %s",
                  cfg->tied ? "tied networks (--tied)" : "Sanger's rule");
        return false;
    }
    return true;
}

int cli_next_option(int argc, char **argv, int *i, cli_token *tok)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
        cli_error("unexpected argument '%s' (options start with --; see %s --help)", a,
                  program_name);
        return CLI_EXIT_USAGE;
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const opt_spec *o = find_option(name, len);
    if (!o) {
        cli_error("unknown option '--%.*s' (see %s --help)", (int)len, name, program_name);
        return CLI_EXIT_USAGE;
    }
    *tok = (cli_token){ .name = o->name, .sweep = o->sweep };
    (*i)++;
    if (!o->arg) {
        if (eq) {
            cli_error("option '--%s' takes no value", o->name);
            return CLI_EXIT_USAGE;
        }
        return CLI_EXIT_OK;
    }
    if (eq)
        tok->v = eq + 1;
    else if (*i < argc)
        tok->v = argv[(*i)++];
    else {
        cli_error("option '--%s' needs a value (%s)", o->name, o->arg);
        return CLI_EXIT_USAGE;
    }
    tok->nvalues = 1;
    if (o->id == OPT_INIT_WEIGHTS) {
        if (*i >= argc) {
            cli_error("option '--%s' needs two files (W.npy V.npy, V may be '-')", o->name);
            return CLI_EXIT_USAGE;
        }
        tok->v2 = argv[(*i)++];
        tok->nvalues = 2;
    } else if (o->id == OPT_IMAGES && !eq && *i < argc && strncmp(argv[*i], "--", 2) != 0) {
        tok->v2 = argv[(*i)++]; /* the optional TEST file */
        tok->nvalues = 2;
    }
    return CLI_EXIT_OK;
}

int cli_parse(cli_config *cfg, int argc, char **argv, bool *help)
{
    *help = false;
    int i = 0;
    while (i < argc) {
        cli_token tok;
        int rc = cli_next_option(argc, argv, &i, &tok);
        if (rc != CLI_EXIT_OK)
            return rc;
        const opt_spec *o = find_option(tok.name, strlen(tok.name));
        if (!apply(cfg, o, tok.v, tok.v2, help))
            return CLI_EXIT_USAGE;
        if (*help)
            return CLI_EXIT_OK;
    }
    return check_combination(cfg) ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}
