/* The state of one `aedyn run`, shared by the run loop (cli-run.c), its
 * outputs (cli-output.c: table, CSV, JSON sidecar, weights) and the plot
 * (cli-plot.c). Private to the programs. */
#ifndef AEDYN_CLI_STATE_H
#define AEDYN_CLI_STATE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include "cli-config.h"

/* Images per batch of the held-out denoising error. */
#define CLI_EVAL_BATCH 256

typedef struct cli_state {
    const cli_config *cfg;
    cli_config eff;                /* cfg with the values the run resolved */
    int argc;
    char **argv;
    aedyn_rng *rng;
    aedyn_images *train, *test;    /* image data: training and held-out sets */
    size_t n_train, n_test;
    aedyn_data *data;
    aedyn_net *net;
    aedyn_sgd *sgd;
    aedyn_ode *ode;
    aedyn_ode *ode_an;             /* --analyse: the copy of the ODE the analysis integrates */
    aedyn_analysis *an;            /* --analyse, aedyn analyse */
    bool analysed;                 /* its results are there */
    aedyn_replicas *rep;           /* --replicas: the ensemble (r->sgd is its template) */
    aedyn_chain *chain;            /* --sgd reduced without --replicas: the chain of r->sgd */
    aedyn_band *band;              /* --band theory */
    bool band_live;
    double band_vals[4];           /* predicted mean error (ODE + shift), std, first-order std,
                                      shift */
    size_t n_values;               /* values per replica: error, Q, R, T, T0 */
    double *band_std;              /* n_values standard deviations over the replicas */
    double *band_q;                /* n_q x n_values quantiles (n_q = cfg->quantiles.n) */
    int integrator;                /* the ODE's method (--integrator auto resolved) */
    size_t D, M, K;
    double lambda[CLI_MAX_SPIKES]; /* spike strengths used */
    bool run_sgd, run_ode;
    bool sgd_live, ode_live;       /* not diverged */
    double *pca;                   /* pca[m-1] = eps_PCA(m), m = 1..K */
    double *op_sgd, *op_ode;       /* Q, R, T, T0 each K x K, one after another */
    double sgd_err, ode_err;
    double sgd_err_se, sgd_gauss_err; /* image data: standard error on the held-out set,
                                         error under N(0, Omega_hat) */
    double last_t, last_sgd_err, last_ode_err, last_dev; /* for the outcome */
    /* denoising and schedules */
    bool dae;                      /* a denoising autoencoder (cli_denoising()) */
    bool has_skip;                 /* --skip fixed|train */
    double sgd_skip, ode_skip;     /* the skip weights c */
    double sigma_now, lr_now;      /* sigma_n(t) and eta(t) at the output time */
    aedyn_rng *eval_rng0, *eval_rng; /* image data, denoising: the noise of the held-out
                                        images (eval_rng0 is copied into eval_rng at every
                                        output time: the same draws each time) */
    double *eval_buf;              /* 3 x CLI_EVAL_BATCH x D scratch of that error */
    uint64_t *steps;               /* the output times: steps (t = steps/D) and t */
    double *times;
    size_t n_times;
    size_t rows;
    FILE *csv;
    char *path;                    /* scratch for PREFIX + suffix */
    size_t path_cap;
    struct timespec t0;
    time_t started;
    double last_progress;
    bool progress;                 /* a progress line is shown (stderr is a terminal) */
    bool progress_shown;
    const char *status;            /* "running", "ok", "diverged", "error" */
    char message[512];
} cli_state;

/* Seconds since the run started. */
double cli_elapsed(const cli_state *r);

/* PREFIX (--out) followed by @p suffix, in a buffer of @p r reused by the
 * next call. */
const char *cli_out_path(cli_state *r, const char *suffix);

/* Whether the run trains on images (--data cifar|idx). */
static inline bool cli_image_data(const cli_state *r)
{
    return r->train != NULL;
}

#endif
