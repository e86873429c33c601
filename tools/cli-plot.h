/* --plot of `aedyn run` (cli-plot.c). */
#ifndef AEDYN_CLI_PLOT_H
#define AEDYN_CLI_PLOT_H

#include "cli-state.h"

/* Write PREFIX.gp and render it to PREFIX.png or PREFIX.svg with gnuplot
 * when it is installed (a notice otherwise). False after a message naming
 * the file when the script could not be written or gnuplot failed on it. */
bool cli_plot(cli_state *r);

#endif
