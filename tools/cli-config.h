/* The `aedyn` program: the configuration of one run and its options, one
 * table (cli-config.c) read by the parser, --help, the JSON sidecar,
 * `aedyn --list-options` and aedyn-sweep. Only the public API of libaedyn is
 * used. */
#ifndef AEDYN_CLI_CONFIG_H
#define AEDYN_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <aedyn.h>
#include "cli-options.h"

#define CLI_MAX_SPIKES CLI_MAX_NUMBERS
/* 2^53: the most SGD steps (t-max x D) or fixed ODE steps (t-max / dt) a run
 * may take; beyond it step counts and times are no longer exact doubles. */
#define CLI_MAX_STEPS 9007199254740992.0
#define CLI_MAX_OPTIONS 64 /* room of cli_config.given */

typedef enum { CLI_DATA_SPIKED, CLI_DATA_GAUSSIAN, CLI_DATA_CIFAR, CLI_DATA_IDX } cli_data_kind;

/* Bit set: which dynamics run. */
typedef enum { CLI_MODE_SGD = 1, CLI_MODE_ODE = 2, CLI_MODE_BOTH = 3 } cli_mode;

typedef enum { CLI_PLOT_PNG, CLI_PLOT_SVG } cli_plot_format;

/* What the program does with the configuration: `aedyn run` (the default) or
 * `aedyn analyse` (the fixed point of the ODE from the initial weights). */
typedef enum { CLI_COMMAND_RUN = 0, CLI_COMMAND_ANALYSE = 1 } cli_command;

/* --skip: no skip connection, a fixed skip weight, or a trained one. */
typedef enum { CLI_SKIP_NONE, CLI_SKIP_FIXED, CLI_SKIP_TRAIN } cli_skip_mode;

/* --sgd: how SGD is simulated. */
typedef enum { CLI_SGD_FULL, CLI_SGD_REDUCED } cli_sgd_kind;

/* --band: the band drawn besides the replicas'. */
typedef enum { CLI_BAND_NONE, CLI_BAND_THEORY } cli_band_kind;

/* --replica-init: the replicas' initial weights. */
typedef enum { CLI_REPLICA_INIT_SAME, CLI_REPLICA_INIT_INDEPENDENT } cli_replica_init;


/* The values of the options (the destinations of the table's entries);
 * enumerated values are ints. */
typedef struct cli_config {
    /* data */
    int data;               /* cli_data_kind */
    size_t D;               /* of the spiked model; other data: must agree when given */
    size_t M;
    cli_numbers spikes;     /* n = 0: the paper's Lambda_m = 2^m + 1 */
    double noise;
    int spike_vectors;      /* aedyn_data_spikes */
    bool standardise;
    const char *covariance;
    cli_files images;       /* TRAIN [TEST] */
    size_t subset;          /* training images, 0 = all */
    size_t test_size;       /* held-out images, 0 = default */
    int preprocess;         /* aedyn_images_mode */
    double whiten_eps;
    int sampler;            /* aedyn_images_sampler */
    /* network */
    size_t K;
    int activation;         /* aedyn_net_activation */
    bool bias, tied;
    /* training */
    int rule;               /* aedyn_sgd_rule */
    int sgd;                /* cli_sgd_kind */
    double lr, wd, init_std;
    const char *lr_schedule; /* SPEC (cli-schedule.h) on every rate, NULL: the constant lr */
    bool init_informed;
    cli_files init_weights; /* W V; V "-" keeps the random decoder */
    uint64_t seed;
    uint64_t stream;        /* stream id of the generator (aedyn-sweep: the run index) */
    /* denoising */
    double denoise;         /* sigma_n: xtilde = a x + sigma_n xi */
    double input_scale;     /* a */
    cli_choice_arg skip;    /* .choice a cli_skip_mode, .arg the C of "fixed C" */
    const char *noise_schedule; /* SPEC of sigma_n(t), NULL: the constant denoise */
    /* output times */
    double t_max, t_min;    /* t_min 0 = t_max / 100 */
    size_t points;
    /* dynamics */
    int mode;               /* cli_mode */
    int integrator;         /* an aedyn_ode_method */
    double rtol, atol, dt;  /* dt 0 = default of the integrator */
    bool analyse;           /* the plateaus of the ODE's trajectory (run) */
    /* replica ensembles */
    size_t replicas;        /* R; 0: one trainer, no ensemble */
    size_t threads;         /* 0: the online processors */
    cli_numbers quantiles;  /* probabilities of the band's quantiles */
    double escape;          /* error level of the escape times; 0: none */
    double escape_dt;       /* interval of the escape checks */
    int replica_init;       /* cli_replica_init */
    int band;               /* cli_band_kind */
    /* output */
    const char *out;
    bool plot, quiet;
    int plot_format;        /* cli_plot_format */
    bool help;
    int command;            /* cli_command: set by the program, not an option */
    bool given[CLI_MAX_OPTIONS]; /* given[i]: option i of the table was given (or, in
                                    the effective configuration of a run, resolved) */
} cli_config;

/* The option table of `aedyn run`. */
const cli_table *cli_run_options(void);

/* The defaults (every default of the table): the headline experiment
 * (spiked standardised model, D = 1000, M = 2, K = 2 erf autoencoder,
 * vanilla SGD, paper defaults). */
void cli_config_defaults(cli_config *cfg);

/* Parse the options of `aedyn run` (argv[0..argc) are options only) into
 * @p cfg (after cli_config_defaults()), then check their combination.
 * Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after printing a one-line error
 * naming the option to stderr. Each option may be given once. Sets *help
 * when --help was given (and stops there). */
int cli_parse(cli_config *cfg, int argc, char **argv, bool *help);

/* Whether option @p name was given (or resolved, see cli_config.given). */
bool cli_given(const cli_config *cfg, const char *name);
void cli_set_given(cli_config *cfg, const char *name);

/* The name of the value of the enumerated option @p name in @p cfg
 * ("erf", "spiked", "auto", ...). */
const char *cli_value_name(const cli_config *cfg, const char *name);

/* Print the usage with every option, its default and its bounds. */
void cli_usage(FILE *f);
/* Only the list of options (sections, defaults, bounds; with @p lists the
 * list syntax of aedyn-sweep), for aedyn-sweep --help. */
void cli_usage_options(FILE *f, bool lists);
/* aedyn --list-options: one line per option (see cli_table_list()). */
void cli_list_options(FILE *f);

/* Effective values after defaults are resolved. */
size_t cli_effective_M(const cli_config *cfg);
double cli_effective_t_min(const cli_config *cfg);

/* Whether the run trains a denoising autoencoder: noise, an input scale
 * other than 1, or a noise schedule (a skip alone is not denoising). */
bool cli_denoising(const cli_config *cfg);

/* The option called @p name of the table (it must exist). */
const cli_option *cli_run_option(const char *name);

#endif
