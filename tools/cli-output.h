/* The outputs of `aedyn run` (cli-output.c). */
#ifndef AEDYN_CLI_OUTPUT_H
#define AEDYN_CLI_OUTPUT_H

#include "cli-state.h"

/* The table on stdout: its header (with the run's description), one row. */
void cli_table_header(const cli_state *r);
void cli_table_row(const cli_state *r, double t);

/* PREFIX.csv (r->csv, open): the header line, one row at time t (flushed),
 * and the end. Each is false after a message naming the file when a write
 * failed. */
bool cli_csv_header(cli_state *r);
bool cli_csv_row(cli_state *r, double t);
bool cli_csv_close(cli_state *r);

/* The name of the quantile p in columns and keys: q10 for 0.1, q2p5 for 0.025. */
void cli_quantile_name(double p, char *buf, size_t size);

/* PREFIX.json: written when the run starts (status "running") and rewritten
 * at its end. False after a message naming the file when a write failed. */
bool cli_json_write(cli_state *r);

/* The value of "parameters" in a JSON record: every option with its
 * effective value (see aedyn(1)). */
void cli_json_parameters(FILE *f, const cli_state *r);

/* PREFIX_W.npy, PREFIX_V.npy (PREFIX_b.npy with --bias): the final weights of
 * SGD, or of the ODE without SGD. False after a message. */
bool cli_weights_write(cli_state *r);

/* Whether the run has final weights to write (not SGD as a reduced chain). */
bool cli_weights_written(const cli_state *r);

#endif
