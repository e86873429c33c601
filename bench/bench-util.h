/* Helpers shared by the benchmark programs (not part of the library). */
#ifndef AEDYN_BENCH_UTIL_H
#define AEDYN_BENCH_UTIL_H

#include <math.h>
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

/* Print the load average ("load average: ...", or "load average WHEN: ..."):
 * the machine may be shared, and the timings depend on it. */
static inline void bench_print_load(const char *when)
{
    char load[128] = "unknown\n";
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (!fgets(load, sizeof load, la))
            snprintf(load, sizeof load, "unknown\n");
        fclose(la);
    }
    printf("load average%s%s: %s", when ? " " : "", when ? when : "", load);
}

/* The benchmarks' full spectrum: D distinct eigenvalues rho_j = 0.5 D
 * (j + 1)^-1.5 + 0.5 on the coordinate axes (no degenerate group, as for an
 * image set). */
static inline aedyn_data *bench_full_spectrum(size_t D)
{
    aedyn_data *full;
    double *rho = malloc(D * sizeof *rho), *E = calloc(D * D, sizeof *E);
    if (!rho || !E) {
        fprintf(stderr, "full spectrum: out of memory\n");
        exit(1);
    }
    for (size_t j = 0; j < D; j++) {
        rho[j] = 0.5 * (double)D * pow((double)j + 1.0, -1.5) + 0.5;
        E[j * D + j] = 1.0;
    }
    bench_check(aedyn_data_create_eigen(&full, D, D, rho, E, 0.0), "full spectrum");
    free(rho);
    free(E);
    return full;
}

#endif
