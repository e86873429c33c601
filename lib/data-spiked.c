/* The spiked (Wishart) model x = sum_m c_m a_m + sigma xi (docs/theory.md
 * section 2): its exact spectrum from the M x M Gram matrix of the spikes and
 * an O(M D) sampler. */
#include <stdlib.h>
#include <string.h>
#include "data-private.h"
#include "linalg-internal.h"
#include "rng-internal.h"

typedef struct {
    size_t D, M;
    double *B;       /* M x D scaled spike vectors Lambda_m a_m / s */
    double s_noise;  /* sigma / s */
    double *block;   /* AEDYN__DATA_BLOCK x M: latent variates of a block */
} spiked;

static void spiked_destroy(void *self)
{
    spiked *m = self;
    if (!m)
        return;
    free(m->B);
    free(m->block);
    free(m);
}

/* scratch z: the M latent variates */
static aedyn_status spiked_sample1(const void *self, aedyn_rng *rng, double *x, double *z)
{
    const spiked *m = self;
    const size_t D = m->D, M = m->M;
    for (size_t k = 0; k < M; k++)
        z[k] = aedyn__rng_normal(rng);
    /* variates first (scalar), then one vectorisable pass adding the spikes */
    const double s = m->s_noise, *B = m->B;
    if (s > 0.0)
        for (size_t i = 0; i < D; i++)
            x[i] = aedyn__rng_normal(rng);
    for (size_t i = 0; i < D; i++) {
        double v = s > 0.0 ? s * x[i] : 0.0;
        for (size_t k = 0; k < M; k++)
            v += z[k] * B[k * D + i];
        x[i] = v;
    }
    return AEDYN_OK;
}

/* n inputs with the variates in the order of n calls of spiked_sample1 (per
 * input: the M latent normals, then the D noise normals); X = s Xi + Z B. */
static aedyn_status spiked_sample_block(void *self, aedyn_rng *rng, size_t n, double *X)
{
    const spiked *m = self;
    const size_t D = m->D, M = m->M;
    double *Z = m->block;
    if (M == 0) { /* nothing to mix */
        for (size_t r = 0; r < n; r++)
            spiked_sample1(self, rng, X + r * D, NULL);
        return AEDYN_OK;
    }
    for (size_t r = 0; r < n; r++) {
        double *x = X + r * D;
        for (size_t k = 0; k < M; k++)
            Z[r * M + k] = aedyn__rng_normal(rng);
        if (m->s_noise > 0.0)
            for (size_t i = 0; i < D; i++)
                x[i] = aedyn__rng_normal(rng);
        else
            memset(x, 0, D * sizeof *x);
    }
    return aedyn__gemm(false, false, n, D, M, 1.0, Z, M, m->B, D, m->s_noise, X, D);
}

static size_t spiked_scratch(const void *self) { return ((const spiked *)self)->M; }

static const aedyn__data_ops spiked_ops = {
    .kind = "spiked",
    .sample1 = spiked_sample1,
    .scratch_size = spiked_scratch,
    .sample_block = spiked_sample_block,
    .destroy = spiked_destroy,
};

static void fill_spike_vectors(double *A, size_t M, size_t D, aedyn_data_spikes kind,
                               aedyn_rng *rng)
{
    for (size_t m = 0; m < M; m++) {
        double *a = A + m * D, nrm = 0.0;
        for (size_t i = 0; i < D; i++) {
            /* spikes are numbered m = 1..M in docs/theory.md */
            a[i] = kind == AEDYN_DATA_SPIKES_RANDOM ? aedyn__rng_normal(rng)
                                                    : sin((double)(m + 2) * (double)i / 100.0);
            nrm += a[i] * a[i];
        }
        const double f = nrm > 0.0 ? sqrt((double)D / nrm) : 0.0;
        for (size_t i = 0; i < D; i++)
            a[i] *= f;
    }
}

/* Every argument, and what it implies: finite, positive strengths and
 * variances, a finite total variance. */
static aedyn_status check_spiked(const char *fn, size_t D, size_t M, const double *lambda,
                                 double sigma, aedyn_data_spikes vectors, const aedyn_rng *rng,
                                 unsigned flags)
{
    aedyn_status st = aedyn__data_check_dim(fn, D);
    if (st)
        return st;
    if (M > D)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: M must be <= D (got M = %zu, D = %zu)", fn, M, D);
    if (M > 62 && !lambda)
        return aedyn__fail(AEDYN_ERR_INVALID,
                           "%s: default strengths 2^m + 1 overflow for M = %zu; pass lambda", fn, M);
    if (!isfinite(sigma) || sigma < 0.0 || !isfinite(sigma * sigma))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: sigma must be finite and >= 0 with a finite "
                           "square, got %g", fn, sigma);
    if (vectors != AEDYN_DATA_SPIKES_RANDOM && vectors != AEDYN_DATA_SPIKES_SINUSOIDAL)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown spike vector kind %d", fn, (int)vectors);
    if (vectors == AEDYN_DATA_SPIKES_RANDOM && M > 0 && !rng)
        return aedyn__fail(AEDYN_ERR_NULL, "%s: random spike vectors need an rng", fn);
    if (flags & ~AEDYN_DATA_STANDARDISE)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown flags 0x%x", fn, flags);
    double sum = sigma * sigma;
    for (size_t m = 0; lambda && m < M; m++) {
        if (!isfinite(lambda[m]) || lambda[m] <= 0.0 || !isfinite(lambda[m] * lambda[m]) ||
            !(lambda[m] * lambda[m] > 0.0))
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: lambda[%zu] must be finite and > 0 with "
                               "a finite, non-zero square, got %g", fn, m, lambda[m]);
        sum += lambda[m] * lambda[m];
    }
    if (!isfinite(sum))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: the total variance sum Lambda_m^2 + sigma^2 "
                           "overflows", fn);
    if (M == 0 && sigma == 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: M = 0 and sigma = 0 give a zero covariance",
                           fn);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_create_spiked(aedyn_data **out, size_t D, size_t M,
                                                const double *lambda, double sigma,
                                                aedyn_data_spikes vectors, aedyn_rng *rng,
                                                unsigned flags)
{
    static const char *fn = "aedyn_data_create_spiked";
    AEDYN__REQUIRE_NONNULL(out);
    aedyn_status st = check_spiked(fn, D, M, lambda, sigma, vectors, rng, flags);
    if (st)
        return st;
    aedyn__spectrum spec = { .D = D };
    spiked *m = calloc(1, sizeof *m);
    double *lam = aedyn__calloc(M + 1, sizeof *lam);
    double *G = aedyn__calloc(M * M + 1, sizeof *G);
    double *mu = aedyn__calloc(M + 1, sizeof *mu);
    if (!m || !lam || !G || !mu || !(m->B = aedyn__calloc(M * D + 1, sizeof *m->B)) ||
        !(m->block = aedyn__calloc(AEDYN__DATA_BLOCK * M + 1, sizeof *m->block))) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    m->D = D;
    m->M = M;
    double sum_l2 = 0.0;
    for (size_t k = 0; k < M; k++) {
        lam[k] = lambda ? lambda[k] : (double)((1ull << (k + 1)) + 1);
        sum_l2 += lam[k] * lam[k];
    }
    /* Tr Omega / D = sum Lambda^2 + sigma^2 since every ||a_m||^2 = D. */
    const double s = (flags & AEDYN_DATA_STANDARDISE) ? sqrt(sum_l2 + sigma * sigma) : 1.0;
    fill_spike_vectors(m->B, M, D, vectors, rng);
    for (size_t k = 0; k < M; k++)
        for (size_t i = 0; i < D; i++)
            m->B[k * D + i] *= lam[k] / s;
    m->s_noise = sigma / s;

    /* Spectrum: B^T B has the non-zero eigenvalues of B B^T (M x M). */
    if (M > 0) {
        if ((st = aedyn__syrk_upper(false, M, D, 1.0, m->B, D, 0.0, G, M)))
            goto fail;
        aedyn__symmetrise_upper(M, G);
        if ((st = aedyn__eigh_desc(M, G, mu)))
            goto fail;
    }
    size_t rank = 0;
    while (rank < M && mu[rank] > 1e-12 * mu[0] * (double)M)
        rank++;
    spec.n_exp = rank;
    spec.rho_exp = aedyn__calloc(rank + 1, sizeof *spec.rho_exp);
    spec.vec_exp = aedyn__calloc(rank * D + 1, sizeof *spec.vec_exp);
    if (!spec.rho_exp || !spec.vec_exp) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    for (size_t j = 0; j < rank; j++) {
        /* e_j = B^T u_j / sqrt(mu_j), renormalised against rounding */
        double *e = spec.vec_exp + j * D;
        if ((st = aedyn__gemv(true, M, D, 1.0, m->B, D, G + j * M, 0.0, e)))
            goto fail;
        aedyn__scal(D, 1.0 / aedyn__nrm2(D, e), e);
        spec.rho_exp[j] = mu[j] + m->s_noise * m->s_noise;
    }
    spec.rho_c = m->s_noise * m->s_noise;
    if ((st = aedyn__spectrum_finish(&spec, fn)))
        goto fail;
    free(lam);
    free(G);
    free(mu);
    return aedyn__data_new(out, &spec, &spiked_ops, m, fn);
fail:
    free(lam);
    free(G);
    free(mu);
    spiked_destroy(m);
    aedyn__spectrum_free(&spec);
    return st;
}
