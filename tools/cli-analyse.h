/* The analyses of the `aedyn` program (cli-analyse.c): `aedyn run --analyse`
 * (the plateaus of the ODE's trajectory) and `aedyn analyse` (the fixed
 * point of the ODE from the initial weights), over the library's
 * experimental analysis module. */
#ifndef AEDYN_CLI_ANALYSE_H
#define AEDYN_CLI_ANALYSE_H

#include "cli-state.h"

/* How many times --analyse samples the trajectory. */
#define CLI_PLATEAU_POINTS 2000

/* At setup, with the run's ODE made (r->ode): for --analyse, a copy of it
 * from the same initial weights and the analysis of that copy; for
 * `aedyn analyse`, the analysis of r->ode. Returns CLI_EXIT_OK, or an exit
 * code after a message (a state too large for the analysis is a bad
 * option: 2). */
int cli_analyse_setup(cli_state *r);

/* --analyse, after the run: integrate the copy to t-max and find its
 * plateaus. False after a message (the run then fails). */
bool cli_analyse_plateaus(cli_state *r);

/* The plateau table on stdout. */
void cli_plateau_table(const cli_state *r);

/* The value of "plateaus" in the JSON: an array of objects. */
void cli_plateaus_json(FILE *f, const cli_state *r);

/* `aedyn analyse`: the fixed point, its report on stdout (unless quiet)
 * and, with --out, PREFIX.json, PREFIX_W.npy, PREFIX_V.npy (PREFIX_b.npy).
 * Returns the exit code. */
int cli_analyse_command(cli_state *r);

#endif
