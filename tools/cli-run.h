/* The `aedyn` program: run one experiment and write its outputs. */
#ifndef AEDYN_CLI_RUN_H
#define AEDYN_CLI_RUN_H

#include "cli-config.h"

/* Run the experiment described by @p cfg: SGD and/or the ODE from the same
 * initial weights, a table on stdout (unless quiet), and with cfg->out the
 * files PREFIX.csv, PREFIX.json, PREFIX_W.npy, PREFIX_V.npy (PREFIX_b.npy),
 * and on request the plot. argc/argv are recorded in the JSON.
 * Returns the exit code of the program. */
int cli_run(const cli_config *cfg, int argc, char **argv);

#endif
