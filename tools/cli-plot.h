/* --plot of `aedyn run` (cli-plot.c). */
#ifndef AEDYN_CLI_PLOT_H
#define AEDYN_CLI_PLOT_H

#include "cli-state.h"

/* Write PREFIX.gp and render it to PREFIX.png or PREFIX.svg with gnuplot
 * when it is installed (a notice otherwise). */
void cli_plot(cli_state *r);

#endif
