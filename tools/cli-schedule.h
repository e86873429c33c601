/* Schedules on the command line (--lr-schedule, --noise-schedule): a SPEC
 * names one form of aedyn-schedule.h and its numbers, separated by ':' (no
 * commas, so that aedyn-sweep can list several SPECs separated by commas):
 *
 *   constant:V                      v(t) = V
 *   power:V0:TAU:BETA               v(t) = V0 (1 + t/TAU)^-BETA
 *   exponential:V0:TAU              v(t) = V0 exp(-t/TAU)
 *   cosine:V0:VMIN:T                from V0 at t = 0 to VMIN at t = T, then VMIN
 *   piecewise:V0:T1=V1:T2=V2...     V0 until T1, V1 until T2, ...
 *
 * each optionally followed by +warmup:TW (times min(1, t/TW)). Every number
 * is read by the strict parser of cli-options.c (0.5, .5, 1e-3, 2.5E+2; no
 * '+' in front, no inf or nan). Values V... are >= 0 and within the option's
 * bounds (with CLI_SQUARED their squares must be finite, and > 0 unless 0:
 * a noise level); TAU, T > 0; BETA >= 0; VMIN <= V0; 0 < T1 < T2 < ...
 * (at most AEDYN_SCHEDULE_MAX_POINTS pieces); TW >= 0 (0: no warm-up).
 * Not part of the library. */
#ifndef AEDYN_CLI_SCHEDULE_H
#define AEDYN_CLI_SCHEDULE_H

#include <stdbool.h>
#include <aedyn.h>
#include "cli-options.h"

/* Read the SPEC @p spec of option @p o. With @p out, create the schedule
 * (*out, the caller destroys it); with out NULL only check the SPEC. False
 * after a one-line error naming the option and quoting the offending part of
 * the SPEC (or, with out, saying that the library could not create it: out
 * of memory, as the SPEC was checked). */
bool cli_schedule_parse(const cli_option *o, const char *spec, aedyn_schedule **out);

#endif
