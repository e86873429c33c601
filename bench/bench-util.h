/* Helpers shared by the benchmark programs (not part of the library). */
#ifndef AEDYN_BENCH_UTIL_H
#define AEDYN_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <aedyn.h>

/* Monotonic wall-clock time in seconds. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Exit with the library's message when a call failed. */
static inline void bench_check(aedyn_status st, const char *what)
{
    if (st != AEDYN_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, aedyn_strerror(st), aedyn_error_message());
        exit(1);
    }
}

#endif
