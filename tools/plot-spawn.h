/* Starting gnuplot, the one way shared by the `aedyn` program and the example
 * programs: gnuplot is looked up on $PATH and started with posix_spawn() and
 * the argument vector {gnuplot, SCRIPT}: no shell ever sees a file name, so
 * an output prefix with quotes, ';', '$' or blanks is only a file name.
 * Not part of the library; uses POSIX only. */
#ifndef AEDYN_PLOT_SPAWN_H
#define AEDYN_PLOT_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    PLOT_SPAWN_OK = 0,        /* gnuplot ran the script and exited 0 */
    PLOT_SPAWN_NOT_FOUND = 1, /* no executable gnuplot on $PATH */
    PLOT_SPAWN_FAILED = 2     /* could not be started, or it failed on the script */
} plot_spawn_status;

/* Run `gnuplot SCRIPT` and wait for it. On PLOT_SPAWN_FAILED, @p why (of
 * @p why_size bytes, may be NULL) receives a short reason ("exit status 1",
 * "killed by signal 9", "posix_spawn: ..."). */
plot_spawn_status plot_spawn_gnuplot(const char *script, char *why, size_t why_size);

/* Whether @p s can be written as a gnuplot string literal: it has no line
 * break (a newline would end the literal and start a gnuplot command, and
 * gnuplot's `!` and system() run shell commands). */
bool plot_gp_quotable(const char *s);

/* Write @p s as a gnuplot string literal in single quotes (a quote inside is
 * doubled, the only escape such literals have). Returns false, writing
 * nothing, when !plot_gp_quotable(s). */
bool plot_gp_string(FILE *f, const char *s);

#endif
