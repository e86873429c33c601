/* Options of `aedyn run`: one table gives every option its value type,
 * destination, default, bounds, sweepability and help; the parser, --help,
 * the JSON sidecar, --list-options (checked against the man page) and
 * aedyn-sweep all read it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli-config.h"

/* ---- the option table ---- */

#define OFF(field) offsetof(cli_config, field)

/* The names of the choice options ({ name, value, metavariable of the number
 * a CLI_CHOICE_ARG choice takes or NULL }), each list ended by a NULL name. */
static const cli_choice data_choices[] = {
    { "spiked", CLI_DATA_SPIKED, NULL }, { "gaussian", CLI_DATA_GAUSSIAN, NULL },
    { "cifar", CLI_DATA_CIFAR, NULL },   { "idx", CLI_DATA_IDX, NULL },
    { NULL, 0, NULL } };
static const cli_choice mode_choices[] = {
    { "sgd", CLI_MODE_SGD, NULL }, { "ode", CLI_MODE_ODE, NULL }, { "both", CLI_MODE_BOTH, NULL },
    { NULL, 0, NULL } };
static const cli_choice sgd_choices[] = {
    { "full", CLI_SGD_FULL, NULL }, { "reduced", CLI_SGD_REDUCED, NULL }, { NULL, 0, NULL } };
static const cli_choice band_choices[] = {
    { "none", CLI_BAND_NONE, NULL }, { "theory", CLI_BAND_THEORY, NULL }, { NULL, 0, NULL } };
static const cli_choice replica_init_choices[] = {
    { "same", CLI_REPLICA_INIT_SAME, NULL }, { "independent", CLI_REPLICA_INIT_INDEPENDENT, NULL },
    { NULL, 0, NULL } };
static const cli_choice plot_format_choices[] = {
    { "png", CLI_PLOT_PNG, NULL }, { "svg", CLI_PLOT_SVG, NULL }, { NULL, 0, NULL } };
static const cli_choice skip_choices[] = {
    { "none", CLI_SKIP_NONE, NULL }, { "fixed", CLI_SKIP_FIXED, "C" },
    { "train", CLI_SKIP_TRAIN, NULL }, { NULL, 0, NULL } };

static const cli_option options[] = {
    /* ---- data ---- */
    { .name = "data", .type = CLI_CHOICE, .choices = data_choices, .offset = OFF(data),
      .dflt = "spiked", .flags = CLI_SWEEP, .section = "Data",
      .help = "data model: the spiked model, N(0, Omega) from --covariance, or images from "
              "--images (CIFAR-10 binary batches or IDX files such as Fashion-MNIST)" },
    { .name = "D", .metavar = "N", .type = CLI_SIZE, .offset = OFF(D), .dflt = "1000",
      .ilo = 1, .ihi = 1073741824, .flags = CLI_SWEEP,
      .help = "input dimension (gaussian: taken from --covariance; cifar|idx: from the images, "
              "and --D must agree)" },
    { .name = "M", .metavar = "N", .type = CLI_SIZE, .offset = OFF(M), .dflt = "2",
      .ihi = CLI_MAX_SPIKES, .flags = CLI_SWEEP | CLI_SPIKED,
      .help = "number of spikes of the spiked model (at most 62 without --spikes)" },
    { .name = "spikes", .metavar = "L1,L2,...", .type = CLI_NUMBERS, .offset = OFF(spikes),
      .dflt_doc = "2^m+1 = 3,5,9,...", .lo = 0, .hi = INFINITY,
      .flags = CLI_LO_OPEN | CLI_SQUARED | CLI_SWEEP | CLI_SPIKED,
      .help = "spike strengths Lambda_m > 0 (sets M to their number); each Lambda_m^2 and "
              "Tr Omega/D = sum Lambda_m^2 + sigma^2 must be finite and > 0" },
    { .name = "noise", .metavar = "SIGMA", .type = CLI_NUMBER, .offset = OFF(noise),
      .dflt = "1", .lo = 0, .hi = INFINITY, .flags = CLI_SQUARED | CLI_SWEEP | CLI_SPIKED,
      .help = "noise standard deviation sigma of the spiked model (sigma^2 finite, and > 0 "
              "unless sigma = 0)" },
    { .name = "spike-vectors", .type = CLI_ENUM, .enumeration = AEDYN_ENUM_SPIKES,
      .offset = OFF(spike_vectors), .dflt = "random", .flags = CLI_SWEEP | CLI_SPIKED,
      .help = "spike vectors a_m: i.i.d. N(0,1) entries or sin((m+1) i/100), norm sqrt(D)" },
    { .name = "standardise", .type = CLI_FLAG, .flag = true, .offset = OFF(standardise),
      .dflt = "on", .flags = CLI_SPIKED,
      .help = "divide the spiked inputs by sqrt(Tr Omega/D), as in the paper's figures" },
    { .name = "raw", .type = CLI_FLAG, .flag = false, .offset = OFF(standardise),
      .flags = CLI_SPIKED, .help = "use the raw (unstandardised) spiked model" },
    { .name = "covariance", .metavar = "FILE.npy", .type = CLI_STRING,
      .offset = OFF(covariance), .dflt_doc = "none", .flags = CLI_GAUSSIAN,
      .help = "D x D covariance of the gaussian model (float64 .npy)" },
    { .name = "images", .metavar = "TRAIN [TEST]", .type = CLI_FILES, .offset = OFF(images),
      .min_words = 1, .max_words = 2, .dflt_doc = "none", .flags = CLI_IMAGES,
      .help = "image files of --data cifar|idx (plain or gzip): SGD trains on TRAIN and its "
              "test error is measured on the held-out TEST; without TEST the last --test-size "
              "images of TRAIN are held out and never trained on" },
    { .name = "subset", .metavar = "N", .type = CLI_SIZE, .offset = OFF(subset), .ilo = 1,
      .dflt_doc = "all", .flags = CLI_SWEEP | CLI_IMAGES,
      .help = "train on the first N images of TRAIN only (the ODE uses their spectrum)" },
    { .name = "test-size", .metavar = "N", .type = CLI_SIZE, .offset = OFF(test_size),
      .ilo = 1, .dflt_doc = "all of TEST, else 1/6 of TRAIN", .flags = CLI_SWEEP | CLI_IMAGES,
      .help = "number of held-out images (the first N of TEST, or the last N of TRAIN)" },
    { .name = "preprocess", .type = CLI_ENUM, .enumeration = AEDYN_ENUM_IMAGES_MODE,
      .offset = OFF(preprocess), .dflt = "paper", .flags = CLI_SWEEP | CLI_IMAGES,
      .help = "image preprocessing fitted on the training images and applied to the held-out "
              "ones: none; the paper's global mean 0, std 0.5; per-pixel centring; ZCA or PCA "
              "whitening" },
    { .name = "whiten-eps", .metavar = "EPS", .type = CLI_NUMBER, .offset = OFF(whiten_eps),
      .dflt = "0.01", .lo = 0, .hi = INFINITY, .flags = CLI_LO_OPEN | CLI_SWEEP | CLI_IMAGES,
      .help = "regulariser of --preprocess zca|pca-white" },
    { .name = "sampler", .type = CLI_ENUM, .enumeration = AEDYN_ENUM_IMAGES_SAMPLER,
      .offset = OFF(sampler), .dflt = "real", .flags = CLI_SWEEP | CLI_IMAGES,
      .help = "SGD inputs: real training images drawn with replacement, or Gaussian samples "
              "with their covariance (the Gaussian-equivalent model)" },
    /* ---- network ---- */
    { .name = "K", .metavar = "N", .type = CLI_SIZE, .offset = OFF(K), .dflt = "2", .ilo = 1,
      .flags = CLI_SWEEP, .section = "Network", .help = "hidden units (at most D)" },
    { .name = "activation", .type = CLI_ENUM, .enumeration = AEDYN_ENUM_ACTIVATION,
      .offset = OFF(activation), .dflt = "erf", .flags = CLI_SWEEP, .help = "activation g" },
    { .name = "bias", .type = CLI_FLAG, .flag = true, .offset = OFF(bias),
      .help = "train a bias per hidden unit" },
    { .name = "tied", .type = CLI_FLAG, .flag = true, .offset = OFF(tied),
      .help = "tied weights (decoder = encoder; SGD only)" },
    /* ---- training ---- */
    { .name = "rule", .type = CLI_ENUM, .enumeration = AEDYN_ENUM_RULE, .offset = OFF(rule),
      .dflt = "vanilla", .flags = CLI_SWEEP, .section = "Training",
      .help = "update rule (sanger: linear tied network, SGD only)" },
    { .name = "sgd", .type = CLI_CHOICE, .choices = sgd_choices, .offset = OFF(sgd),
      .dflt = "full", .flags = CLI_SWEEP,
      .help = "simulate SGD on the full weights, or as the exact reduced chain (same law at any "
              "D, cost independent of D; needs a model with a degenerate bulk: the spiked "
              "model, an untied network, vanilla or truncated rule; no weights are written)" },
    { .name = "lr", .metavar = "ETA", .type = CLI_NUMBER, .offset = OFF(lr), .dflt = "1",
      .lo = 0, .hi = INFINITY, .flags = CLI_LO_OPEN | CLI_SWEEP,
      .help = "learning rate eta (encoder, decoder and bias)" },
    { .name = "lr-schedule", .metavar = "SPEC", .type = CLI_SCHEDULE, .offset = OFF(lr_schedule),
      .dflt_doc = "none", .lo = 0, .hi = INFINITY, .flags = CLI_SWEEP,
      .help = "learning rate eta(t) of encoder, decoder, bias and trained skip, in place of "
              "--lr: constant:V, power:V0:TAU:BETA (V0 (1 + t/TAU)^-BETA), exponential:V0:TAU, "
              "cosine:V0:VMIN:T, piecewise:V0:T1=V1:T2=V2..., each optionally followed by "
              "+warmup:TW (see aedyn(1))" },
    { .name = "wd", .metavar = "KAPPA", .type = CLI_NUMBER, .offset = OFF(wd), .dflt = "0",
      .lo = 0, .hi = INFINITY, .flags = CLI_SWEEP, .help = "weight decay kappa (below D)" },
    { .name = "init-std", .metavar = "SIGMA0", .type = CLI_NUMBER, .offset = OFF(init_std),
      .dflt = "0.1", .lo = 0, .hi = INFINITY, .flags = CLI_SWEEP,
      .help = "initial weights i.i.d. N(0, sigma0^2)" },
    { .name = "init-informed", .type = CLI_FLAG, .flag = true, .offset = OFF(init_informed),
      .help = "informed initialisation: w^k = e_k, v^k = sqrt(D) e_k on the leading "
              "eigenvectors" },
    { .name = "init-weights", .metavar = "W.npy V.npy", .type = CLI_FILES,
      .offset = OFF(init_weights), .min_words = 2, .max_words = 2, .dflt_doc = "none",
      .help = "initial weights, each K x D ('-' for V keeps the random decoder; tied: V must "
              "be '-')" },
    { .name = "seed", .metavar = "N", .type = CLI_U64, .offset = OFF(seed), .dflt = "1",
      .flags = CLI_SWEEP, .help = "seed of the random generator (64-bit)" },
    { .name = "stream", .metavar = "N", .type = CLI_U64, .offset = OFF(stream), .dflt = "0",
      .flags = CLI_SWEEP_SETS,
      .help = "stream id of the generator: (seed, stream) pairs give independent runs "
              "(aedyn-sweep gives run i the stream i)" },
    /* ---- denoising ---- */
    { .name = "denoise", .metavar = "SIGMA", .type = CLI_NUMBER, .offset = OFF(denoise),
      .dflt = "0", .lo = 0, .hi = INFINITY, .flags = CLI_SQUARED | CLI_SWEEP,
      .section = "Denoising",
      .help = "noise level sigma_n of a denoising autoencoder: the network sees xtilde = "
              "a x + sigma_n xi, xi ~ N(0, I) fresh at every step, and is trained and measured "
              "against the clean x (0 and --input-scale 1: the plain autoencoder)" },
    { .name = "input-scale", .metavar = "A", .type = CLI_NUMBER, .offset = OFF(input_scale),
      .dflt = "1", .lo = -INFINITY, .hi = INFINITY, .flags = CLI_SQUARED | CLI_SWEEP,
      .help = "the scale a of the clean input in xtilde (a = sqrt(1 - Delta) with --denoise "
              "sqrt(Delta): the variance-preserving convention)" },
    { .name = "skip", .type = CLI_CHOICE_ARG, .choices = skip_choices, .offset = OFF(skip),
      .dflt = "none", .lo = -INFINITY, .hi = INFINITY,
      .help = "a scalar skip connection, xhat = c xtilde + sum_k v^k g(lambda^k): none; fixed C "
              "keeps c = C; train trains c from 0 at the decoder's learning rate" },
    { .name = "noise-schedule", .metavar = "SPEC", .type = CLI_SCHEDULE,
      .offset = OFF(noise_schedule), .dflt_doc = "none", .lo = 0, .hi = INFINITY,
      .flags = CLI_SQUARED | CLI_SWEEP,
      .help = "noise level sigma_n(t), in place of --denoise (a SPEC as for --lr-schedule)" },
    /* ---- output times ---- */
    { .name = "t-max", .metavar = "T", .type = CLI_NUMBER, .offset = OFF(t_max), .dflt = "100",
      .lo = 0, .hi = INFINITY, .flags = CLI_LO_OPEN | CLI_SWEEP, .section = "Output times",
      .help = "time horizon, t = steps/D; t-max x D (SGD steps) and, with euler or rk4, "
              "t-max/dt (ODE steps) at most 2^53 = 9007199254740992" },
    { .name = "t-min", .metavar = "T", .type = CLI_NUMBER, .offset = OFF(t_min),
      .dflt_doc = "t-max/100", .lo = 0, .hi = INFINITY, .flags = CLI_LO_OPEN | CLI_SWEEP,
      .help = "first output time after t = 0" },
    { .name = "points", .metavar = "N", .type = CLI_SIZE, .offset = OFF(points), .dflt = "20",
      .ilo = 1, .ihi = 1000000, .flags = CLI_SWEEP,
      .help = "number of log-spaced output times from t-min to t-max (plus t = 0)" },
    /* ---- dynamics ---- */
    { .name = "mode", .type = CLI_CHOICE, .choices = mode_choices, .offset = OFF(mode),
      .dflt = "both", .flags = CLI_SWEEP, .section = "Dynamics",
      .help = "simulate SGD, integrate the ODE, or both from the same initial weights" },
    { .name = "integrator", .type = CLI_ENUM, .enumeration = AEDYN_ENUM_METHOD,
      .offset = OFF(integrator), .dflt = "auto", .flags = CLI_SWEEP,
      .help = "ODE integrator (auto: dopri5 while the dynamics are not stiff, bdf while they "
              "are; at rtol >= 1e-4 rkc first for mildly stiff phases)" },
    { .name = "rtol", .metavar = "TOL", .type = CLI_NUMBER, .offset = OFF(rtol), .dflt = "1e-6",
      .lo = 0, .hi = INFINITY, .flags = CLI_LO_OPEN | CLI_SWEEP,
      .help = "relative tolerance of dopri5, rkc and bdf" },
    { .name = "atol", .metavar = "TOL", .type = CLI_NUMBER, .offset = OFF(atol), .dflt = "1e-9",
      .lo = 0, .hi = INFINITY, .flags = CLI_SWEEP,
      .help = "absolute tolerance of dopri5, rkc and bdf" },
    { .name = "dt", .metavar = "H", .type = CLI_NUMBER, .offset = OFF(dt),
      .dflt_doc = "euler 1/D, rk4 0.01, adaptive auto", .lo = 0, .hi = INFINITY,
      .flags = CLI_LO_OPEN | CLI_SWEEP,
      .help = "fixed step of euler and rk4 (first trial step of the adaptive methods)" },
    { .name = "analyse", .type = CLI_FLAG, .flag = true, .offset = OFF(analyse),
      .help = "after the run, find the plateaus of the ODE's trajectory up to t-max (a second "
              "copy of the ODE, sampled at 2000 times): for each, entry and exit times, "
              "error, kind (fixed point or drifting state), leading unstable eigenvalue "
              "lambda_u and predicted exit t_entry + ln(Delta/delta0)/lambda_u; a table after "
              "the run's, and \"plateaus\" in the JSON (needs the ODE; the library's "
              "experimental analysis module)" },
    /* ---- replica ensembles ---- */
    { .name = "replicas", .metavar = "R", .type = CLI_SIZE, .offset = OFF(replicas),
      .dflt_doc = "none (one SGD run)", .ilo = 1, .ihi = AEDYN_REPLICAS_MAX, .flags = CLI_SWEEP,
      .section = "Replica ensembles",
      .help = "run R independent SGD replicas from the same initial weights (streams of their "
              "own) in parallel threads: the sgd_ columns become the replicas' means, with "
              "standard deviations and quantiles (the band) after them; bit-identical for any "
              "--threads" },
    { .name = "threads", .metavar = "N", .type = CLI_SIZE, .offset = OFF(threads),
      .dflt_doc = "the online processors", .ilo = 1, .ihi = AEDYN_REPLICAS_MAX_THREADS,
      .help = "threads of the replicas (needs --replicas; does not change any result)" },
    { .name = "quantiles", .metavar = "Q1,Q2,...", .type = CLI_NUMBERS, .offset = OFF(quantiles),
      .dflt = "0.1,0.5,0.9", .lo = 0, .hi = 1,
      .help = "probabilities of the band's quantiles (needs --replicas); the plot shades the "
              "band between the first and the last" },
    { .name = "escape", .metavar = "LEVEL", .type = CLI_NUMBER, .offset = OFF(escape),
      .dflt_doc = "none", .lo = 0, .hi = INFINITY, .flags = CLI_LO_OPEN | CLI_SWEEP,
      .help = "record each replica's escape time, the first check at which its error is <= "
              "LEVEL, and their fraction and quantiles in the JSON (needs --replicas)" },
    { .name = "escape-dt", .metavar = "DT", .type = CLI_NUMBER, .offset = OFF(escape_dt),
      .dflt = "0.1", .lo = 0, .hi = INFINITY, .flags = CLI_LO_OPEN,
      .help = "interval in t between the escape checks (needs --escape)" },
    { .name = "replica-init", .type = CLI_CHOICE, .choices = replica_init_choices,
      .offset = OFF(replica_init), .dflt = "same", .flags = CLI_SWEEP,
      .help = "the replicas' initial weights: the run's, or independent N(0, sigma0^2) draws "
              "from each replica's stream (needs --replicas; the ODE starts from the run's)" },
    { .name = "band", .type = CLI_CHOICE, .choices = band_choices, .offset = OFF(band),
      .dflt = "none", .flags = CLI_SWEEP,
      .help = "theory: also integrate the linear-noise theory of the band (the ODE's mean, its "
              "O(1/D) shift and the predicted standard deviation of the error; band_ columns, "
              "dashed in the plot); needs a model and network the reduced chain supports" },
    /* ---- output ---- */
    { .name = "out", .metavar = "PREFIX", .type = CLI_STRING, .offset = OFF(out),
      .dflt_doc = "none", .flags = CLI_SWEEP_SETS, .section = "Output",
      .help = "write PREFIX.csv, PREFIX.json, PREFIX_W.npy, PREFIX_V.npy (PREFIX_b.npy with "
              "--bias)" },
    { .name = "plot", .type = CLI_FLAG, .flag = true, .offset = OFF(plot),
      .help = "also write the gnuplot script PREFIX.gp and, when gnuplot is installed, render "
              "it to PREFIX.png or PREFIX.svg (needs --out; without gnuplot a notice, not an "
              "error)" },
    { .name = "plot-format", .type = CLI_CHOICE, .choices = plot_format_choices,
      .offset = OFF(plot_format), .dflt = "png", .help = "image format of --plot" },
    { .name = "quiet", .type = CLI_FLAG, .flag = true, .offset = OFF(quiet),
      .help = "no table on stdout and no progress line" },
    { .name = "help", .type = CLI_FLAG, .flag = true, .offset = OFF(help), .flags = CLI_ACTION,
      .help = "show this help and exit" },
};
#define N_OPTIONS (sizeof options / sizeof options[0])
_Static_assert(N_OPTIONS <= CLI_MAX_OPTIONS, "cli_config.given is too small");

static const cli_table run_table = { options, N_OPTIONS };

const cli_table *cli_run_options(void) { return &run_table; }

void cli_config_defaults(cli_config *cfg)
{
    *cfg = (cli_config){ .data = CLI_DATA_SPIKED };
    if (!cli_table_defaults(&run_table, cfg))
        abort(); /* a default of the table does not parse: a bug caught by every test */
}

static size_t index_of(const char *name)
{
    const cli_option *o = cli_find_option(&run_table, name);
    if (!o)
        abort(); /* an option name in the code is not in the table */
    return (size_t)(o - options);
}

const cli_option *cli_run_option(const char *name) { return &options[index_of(name)]; }

bool cli_given(const cli_config *cfg, const char *name) { return cfg->given[index_of(name)]; }
void cli_set_given(cli_config *cfg, const char *name) { cfg->given[index_of(name)] = true; }

const char *cli_value_name(const cli_config *cfg, const char *name)
{
    return cli_option_value_name(&options[index_of(name)], cfg);
}

size_t cli_effective_M(const cli_config *cfg)
{
    return cfg->spikes.n ? cfg->spikes.n : cfg->M;
}

double cli_effective_t_min(const cli_config *cfg)
{
    return cfg->t_min > 0 ? cfg->t_min : cfg->t_max / 100.0;
}

bool cli_denoising(const cli_config *cfg)
{
    return cfg->denoise != 0 || cfg->input_scale != 1 || cfg->noise_schedule;
}

/* ---- usage ---- */

void cli_usage(FILE *f)
{
    fputs("Usage: aedyn [run] [OPTION...]\n"
          "       aedyn analyse [OPTION...]\n"
          "       aedyn --version\n"
          "\n"
          "Online SGD of a shallow autoencoder side by side with the asymptotically exact\n"
          "ODEs that predict it (libaedyn). Without options: the headline experiment, a\n"
          "K = 2 erf autoencoder on the standardised spiked model with D = 1000.\n"
          "Errors are E[(1/2D)|x - xhat|^2] (the 1/2 is kept). With --data cifar|idx the SGD\n"
          "error is measured on held-out images and the ODE runs on the spectrum of the\n"
          "training images (D modes).\n"
          "\n"
          "aedyn analyse builds the same data, network and ODE and, instead of running them,\n"
          "looks for a fixed point of the ODE from the initial weights (--init-weights W V\n"
          "analyses given weights) and reports its error, its stability (eigenvalues,\n"
          "unstable, neutral and stable directions) or the runaway it found instead; --out\n"
          "PREFIX writes PREFIX.json and the analysed weights PREFIX_W.npy, PREFIX_V.npy.\n",
          f);
    cli_usage_options(f, false);
    fputs("\nOptions also take the form --name=value; each is given at most once. Numbers\n"
          "are decimal: integers are digits only (010 is ten), other numbers look like\n"
          "0.5, .5, 1e-3 or 2.5E+2 (no blanks, no '+', no hexadecimal, inf or nan).\n"
          "Exit status: 0 success, 1 failure (including divergence), 2 bad options or\n"
          "values. See aedyn(1).\n",
          f);
}

void cli_usage_options(FILE *f, bool lists)
{
    cli_config d;
    cli_config_defaults(&d);
    cli_table_usage(f, &run_table, &d, lists);
}

void cli_list_options(FILE *f)
{
    cli_config d;
    cli_config_defaults(&d);
    cli_table_list(f, &run_table, &d);
}

/* ---- checks that involve several options ---- */

static bool check_combination(const cli_config *cfg)
{
    bool images = cfg->data == CLI_DATA_CIFAR || cfg->data == CLI_DATA_IDX;
    bool spiked = cfg->data == CLI_DATA_SPIKED;
    if (images && !cfg->images.n) {
        cli_error("--data %s needs --images TRAIN [TEST]", cli_value_name(cfg, "data"));
        return false;
    }
    /* options of one data model: the image and gaussian ones need it (the
     * spiked model's are ignored with other data) */
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const cli_option *o = &options[i];
        if (cfg->given[i] && (o->flags & CLI_IMAGES) && !images) {
            cli_error("--%s needs --data cifar or --data idx", o->name);
            return false;
        }
        if (cfg->given[i] && (o->flags & CLI_GAUSSIAN) && cfg->data != CLI_DATA_GAUSSIAN) {
            cli_error("--%s needs --data gaussian", o->name);
            return false;
        }
    }
    if (cfg->data == CLI_DATA_GAUSSIAN && !cfg->covariance) {
        cli_error("--data gaussian needs --covariance FILE.npy");
        return false;
    }
    if (cfg->spikes.n && cli_given(cfg, "M") && cfg->M != cfg->spikes.n) {
        cli_error("--M %zu disagrees with the %zu values of --spikes", cfg->M, cfg->spikes.n);
        return false;
    }
    if (spiked) {
        size_t M = cli_effective_M(cfg);
        if (M > cfg->D) {
            cli_error("--M must be <= D (got M = %zu, D = %zu)", M, cfg->D);
            return false;
        }
        if (!cfg->spikes.n && M > 62) {
            cli_error("--M: the default spikes 2^m+1 overflow beyond M = 62; give --spikes");
            return false;
        }
        /* Tr Omega / D = sum Lambda_m^2 + sigma^2: a model whose variance is
         * not a finite positive number is all zeros or infinities */
        double tr = cfg->noise * cfg->noise;
        for (size_t m = 0; m < M; m++) {
            double l = cfg->spikes.n ? cfg->spikes.v[m] : ldexp(1.0, (int)m + 1) + 1;
            tr += l * l;
        }
        if (!isfinite(tr) || !(tr > 0)) {
            cli_error("--noise/--spikes: Tr Omega/D = sum Lambda_m^2 + sigma^2 is %g, not a "
                      "finite positive number", tr);
            return false;
        }
        if (cfg->K > cfg->D) {
            cli_error("--K must be <= D (got K = %zu, D = %zu)", cfg->K, cfg->D);
            return false;
        }
        /* with other data D is known once they are loaded: checked by the run */
        if (!(cfg->t_max * (double)cfg->D <= CLI_MAX_STEPS)) {
            cli_error("--t-max %g is %g SGD steps at D = %zu, beyond 2^53", cfg->t_max,
                      cfg->t_max * (double)cfg->D, cfg->D);
            return false;
        }
    }
    if (cfg->t_min > 0 && cfg->t_min > cfg->t_max) {
        cli_error("--t-min must be <= --t-max (got %g > %g)", cfg->t_min, cfg->t_max);
        return false;
    }
    if (cfg->plot && !cfg->out) {
        cli_error("--plot needs --out PREFIX");
        return false;
    }
    /* the ensemble's options need it */
    static const char *const ens_opts[] = { "threads", "quantiles", "escape", "escape-dt",
                                            "replica-init" };
    for (size_t i = 0; i < sizeof ens_opts / sizeof ens_opts[0]; i++)
        if (cli_given(cfg, ens_opts[i]) && !cfg->replicas) {
            cli_error("--%s needs --replicas R", ens_opts[i]);
            return false;
        }
    for (size_t i = 1; i < cfg->quantiles.n; i++)
        if (!(cfg->quantiles.v[i] > cfg->quantiles.v[i - 1])) {
            cli_error("--quantiles must increase strictly (got %g after %g)",
                      cfg->quantiles.v[i], cfg->quantiles.v[i - 1]);
            return false;
        }
    if (cli_given(cfg, "escape-dt") && !cli_given(cfg, "escape")) {
        cli_error("--escape-dt needs --escape LEVEL");
        return false;
    }
    if (cfg->sgd == CLI_SGD_REDUCED && !(cfg->mode & CLI_MODE_SGD)) {
        cli_error("--sgd reduced: --mode ode simulates no SGD");
        return false;
    }
    if (cfg->sgd == CLI_SGD_REDUCED && (cfg->tied || cfg->rule == AEDYN_SGD_SANGER)) {
        cli_error("--sgd reduced: the reduced chain simulates untied networks with the vanilla "
                  "or truncated rule (not %s)", cfg->tied ? "--tied" : "--rule sanger");
        return false;
    }
    if (cfg->band == CLI_BAND_THEORY &&
        (cfg->tied || cfg->rule == AEDYN_SGD_SANGER || cfg->data != CLI_DATA_SPIKED)) {
        cli_error("--band theory: the theory covers untied networks with the vanilla or "
                  "truncated rule on the spiked model (not %s)",
                  cfg->tied ? "--tied" : cfg->rule == AEDYN_SGD_SANGER ? "--rule sanger"
                                                                       : "this --data");
        return false;
    }
    if (cfg->sgd == CLI_SGD_REDUCED && cfg->data != CLI_DATA_SPIKED) {
        cli_error("--sgd reduced needs a model with a degenerate bulk (--data spiked); %s has "
                  "every eigenvalue explicit", cli_value_name(cfg, "data"));
        return false;
    }
    if (cfg->replicas && !(cfg->mode & CLI_MODE_SGD)) {
        cli_error("--replicas: the replicas are SGD runs; --mode ode has none");
        return false;
    }
    if (cfg->replicas && images) {
        cli_error("--replicas: image data measures SGD on held-out images, which the replicas' "
                  "band does not (use --data spiked or gaussian)");
        return false;
    }
    if (cfg->replica_init == CLI_REPLICA_INIT_INDEPENDENT &&
        (cfg->init_informed || cfg->init_weights.n)) {
        cli_error("--replica-init independent draws Gaussian weights: it excludes %s",
                  cfg->init_informed ? "--init-informed" : "--init-weights");
        return false;
    }
    if (cfg->init_informed && cfg->init_weights.n) {
        cli_error("--init-informed and --init-weights exclude each other");
        return false;
    }
    if (cfg->rule == AEDYN_SGD_SANGER && (!cfg->tied || cfg->activation != AEDYN_NET_ACT_LINEAR)) {
        cli_error("--rule sanger needs --tied and --activation linear");
        return false;
    }
    /* a schedule is the value: the constant it replaces is not given with it */
    if (cfg->lr_schedule && cli_given(cfg, "lr")) {
        cli_error("--lr and --lr-schedule exclude each other (the schedule gives the rate)");
        return false;
    }
    if (cfg->noise_schedule && cli_given(cfg, "denoise")) {
        cli_error("--denoise and --noise-schedule exclude each other (the schedule gives "
                  "sigma_n)");
        return false;
    }
    if (cfg->rule == AEDYN_SGD_SANGER
        && (cli_denoising(cfg) || cfg->skip.choice != CLI_SKIP_NONE)) {
        cli_error("--rule sanger has no reconstruction target: it trains no denoising autoencoder "
                  "(--denoise, --input-scale, --noise-schedule) and no skip (--skip)");
        return false;
    }
    if (cfg->analyse && cfg->command == CLI_COMMAND_ANALYSE) {
        cli_error("--analyse is an option of 'aedyn run' ('aedyn analyse' analyses anyway)");
        return false;
    }
    bool needs_ode = cfg->analyse || cfg->command == CLI_COMMAND_ANALYSE;
    const char *who = cfg->command == CLI_COMMAND_ANALYSE ? "aedyn analyse" : "--analyse";
    if (needs_ode && cfg->mode == CLI_MODE_SGD) {
        cli_error("%s needs the ODE (--mode ode or both)", who);
        return false;
    }
    if (needs_ode && (cfg->lr_schedule || cfg->noise_schedule)) {
        cli_error("%s: the analysis needs autonomous dynamics, not schedules (--lr-schedule, "
                  "--noise-schedule)", who);
        return false;
    }
    if (needs_ode && (cfg->tied || cfg->rule == AEDYN_SGD_SANGER)) {
        cli_error("%s: the ODE does not support %s", who,
                  cfg->tied ? "tied networks (--tied)" : "Sanger's rule");
        return false;
    }
    if ((cfg->tied || cfg->rule == AEDYN_SGD_SANGER) && cfg->mode == CLI_MODE_ODE) {
        cli_error("--mode ode: the ODE does not support %s",
                  cfg->tied ? "tied networks (--tied)" : "Sanger's rule");
        return false;
    }
    return true;
}

/* ---- the parser ---- */

int cli_parse(cli_config *cfg, int argc, char **argv, bool *help)
{
    *help = false;
    int i = 0;
    while (i < argc) {
        cli_token tok;
        if (cli_next_option(&run_table, argc, argv, &i, &tok) != CLI_EXIT_OK)
            return CLI_EXIT_USAGE;
        const cli_option *o = tok.opt;
        if (!cli_mark_option(cfg->given, &run_table, o))
            return CLI_EXIT_USAGE;
        if (!cli_option_set(o, cfg, tok.v, tok.nwords))
            return CLI_EXIT_USAGE;
        if (cfg->help) {
            *help = true;
            return CLI_EXIT_OK;
        }
    }
    return check_combination(cfg) ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}
