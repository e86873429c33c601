/* The `aedyn` program: the configuration of one run and its command-line
 * parsing. Only the public API of libaedyn is used. */
#ifndef AEDYN_CLI_CONFIG_H
#define AEDYN_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <aedyn.h>

/* Exit codes of the program. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

#define CLI_MAX_SPIKES 64

typedef enum { CLI_DATA_SPIKED, CLI_DATA_GAUSSIAN, CLI_DATA_CIFAR, CLI_DATA_IDX } cli_data_kind;

/* Bit set: which dynamics run. */
typedef enum { CLI_MODE_SGD = 1, CLI_MODE_ODE = 2, CLI_MODE_BOTH = 3 } cli_mode;

typedef enum { CLI_INIT_GAUSSIAN, CLI_INIT_INFORMED } cli_init;

typedef enum { CLI_PLOT_PNG, CLI_PLOT_SVG } cli_plot_format;

typedef struct cli_config {
    /* data */
    cli_data_kind data;
    size_t D;             /* 0 = not given (default 1000, or from the covariance) */
    size_t M;             /* spikes; 0 with spikes_given = false means the default */
    bool M_given;
    double spikes[CLI_MAX_SPIKES];
    size_t n_spikes;      /* 0 = paper default Lambda_m = 2^m + 1 */
    double noise;
    aedyn_data_spikes spike_vectors;
    bool standardise;
    const char *covariance;
    /* image data (--data cifar|idx) */
    const char *images[2]; /* TRAIN and optional TEST file */
    size_t n_images;
    size_t subset;         /* training images, 0 = all */
    size_t test_size;      /* held-out images, 0 = default */
    aedyn_images_mode preprocess;
    double whiten_eps;
    aedyn_images_sampler sampler;
    const char *image_option; /* name of the first image-only option given, or NULL */
    /* network */
    size_t K;
    aedyn_net_activation activation;
    bool bias, tied;
    /* training */
    aedyn_sgd_rule rule;
    double lr, wd, init_std;
    cli_init init;
    const char *init_W, *init_V; /* NULL = not given; init_V "-" = keep */
    uint64_t seed;
    uint64_t stream;      /* stream id of the generator (aedyn-sweep: the run index) */
    /* output times */
    double t_max, t_min; /* t_min 0 = t_max / 100 */
    size_t points;
    /* dynamics */
    cli_mode mode;
    int integrator;        /* an aedyn_ode_method, or CLI_INTEGRATOR_AUTO */
    double rtol, atol, dt; /* dt 0 = default of the integrator */
    /* output */
    const char *out;
    bool plot, quiet;
    cli_plot_format plot_format;
} cli_config;

/* The defaults: the headline experiment (spiked standardised model, D = 1000,
 * M = 2, K = 2 erf autoencoder, vanilla SGD, paper defaults). */
void cli_config_defaults(cli_config *cfg);

/* Parse the options of `aedyn run` (argv[0..argc) are options only).
 * Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after printing a one-line error
 * naming the option to stderr. Sets *help when --help was given. */
int cli_parse(cli_config *cfg, int argc, char **argv, bool *help);

/* Print the usage with every option and its default. */
void cli_usage(FILE *f);
/* Only the list of options (sections, defaults), for aedyn-sweep --help. */
void cli_usage_options(FILE *f);

/* Names of enumerated values (for the table, the JSON and the plot). */
const char *cli_data_name(cli_data_kind d);
const char *cli_activation_name(aedyn_net_activation a);
const char *cli_rule_name(aedyn_sgd_rule r);
/* --integrator auto: the library's default choice for the ODE's size */
#define CLI_INTEGRATOR_AUTO (-1)
const char *cli_integrator_name(int m);
const char *cli_mode_name(cli_mode m);
const char *cli_spike_vectors_name(aedyn_data_spikes v);
const char *cli_preprocess_name(aedyn_images_mode m);
const char *cli_sampler_name(aedyn_images_sampler s);
const char *cli_plot_format_name(cli_plot_format f);

/* Effective values after defaults are resolved. */
size_t cli_effective_M(const cli_config *cfg);
double cli_effective_t_min(const cli_config *cfg);

/* How the value of an option may be swept by aedyn-sweep. */
typedef enum {
    CLI_SWEEP_NONE,    /* flags, files, outputs: one value only */
    CLI_SWEEP_INT,     /* integers: comma lists and inclusive ranges A:B or A:B:STEP */
    CLI_SWEEP_NUMBER,  /* numbers: comma lists */
    CLI_SWEEP_WORD,    /* choices: comma lists */
    CLI_SWEEP_SLASH    /* values that contain commas themselves (--spikes): '/' lists */
} cli_sweep_kind;

/* One option of a command line, as split by cli_next_option(). */
typedef struct cli_token {
    const char *name;     /* option name without "--" (points into the option table) */
    const char *v, *v2;   /* its value(s), NULL when absent */
    int nvalues;          /* 0 (flag), 1 or 2 */
    cli_sweep_kind sweep; /* how aedyn-sweep may expand v */
} cli_token;

/* Split the option at argv[*i] (and its values) into @p tok and advance *i
 * past it. Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after a one-line error
 * (unknown option, missing value, stray argument). */
int cli_next_option(int argc, char **argv, int *i, cli_token *tok);

/* Program name used by cli_error() (default "aedyn"). */
void cli_set_program(const char *name);

/* With @p quiet, cli_error() only records its message (cli_last_error())
 * instead of printing it: aedyn-sweep puts the messages of its runs in the
 * summary. Returns the previous setting. */
bool cli_error_quiet(bool quiet);

/* The last message of cli_error() ("" after cli_error_reset()). */
const char *cli_last_error(void);
void cli_error_reset(void);

/* Print a one-line error "aedyn: ..." to stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
