/* The `aedyn` program: run one experiment and write its outputs. */
#ifndef AEDYN_CLI_RUN_H
#define AEDYN_CLI_RUN_H

#include "cli-config.h"

/* What a run ended with (one row of the summary of aedyn-sweep). */
typedef struct cli_outcome {
    int rc;               /* exit code of the run (CLI_EXIT_*) */
    char status[16];      /* "ok", "diverged", "error", "invalid" (setup rejected the options) */
    char message[512];    /* why, when not ok */
    size_t D, K;          /* effective D (0 if setup failed early) and K */
    double t;             /* last output time at which SGD and/or the ODE were still running */
    double sgd_error;     /* errors at that time (NaN for dynamics not run) */
    double ode_error;
    double rel_dev;       /* (sgd_error - ode_error) / ode_error at that time, or NaN */
    double pca_K;         /* PCA error with K components */
    double wall_s;        /* wall time of the run */
} cli_outcome;

/* Run the experiment described by @p cfg: SGD and/or the ODE from the same
 * initial weights, a table on stdout (unless quiet), and with cfg->out the
 * files PREFIX.csv, PREFIX.json, PREFIX_W.npy, PREFIX_V.npy (PREFIX_b.npy),
 * and on request the plot. argc/argv are recorded in the JSON.
 * Returns the exit code of the program. */
int cli_run(const cli_config *cfg, int argc, char **argv);

/* The same, also filling @p outcome (may be NULL). */
int cli_run_outcome(const cli_config *cfg, int argc, char **argv, cli_outcome *outcome);

#endif
