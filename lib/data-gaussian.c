/* Zero-mean Gaussian models N(0, Omega) given by their eigenpairs: from a
 * covariance matrix, from eigenpairs and a bulk, the empirical covariance of
 * samples of another model, and (through aedyn__data_new_gaussian) the
 * Gaussian-equivalent model of an image set (docs/theory.md section 2). */
#include <stdlib.h>
#include <string.h>
#include "data-private.h"
#include "linalg-internal.h"
#include "rng-internal.h"

/* x = sum_j (sqrt(rho_j) z_j - sqrt(rho_c) e_j . xi) e_j + sqrt(rho_c) xi */
typedef struct {
    size_t D, n;
    const double *vec; /* n x D: the explicit eigenvectors (in the handle's spectrum) */
    double *coef;      /* n: sqrt(rho_j) */
    double s_noise;    /* sqrt(rho_c), 0 when n == D */
    double *block;     /* 2 AEDYN__DATA_BLOCK n: latent variates and projections */
} gaussian;

static void gaussian_destroy(void *self)
{
    gaussian *m = self;
    if (!m)
        return;
    free(m->coef);
    free(m->block);
    free(m);
}

/* scratch z: the n latent variates */
static aedyn_status gaussian_sample1(const void *self, aedyn_rng *rng, double *x, double *z)
{
    const gaussian *m = self;
    const size_t D = m->D, n = m->n;
    for (size_t j = 0; j < n; j++)
        z[j] = aedyn__rng_normal(rng);
    if (m->s_noise > 0.0) {
        const double s = m->s_noise;
        for (size_t i = 0; i < D; i++)
            x[i] = s * aedyn__rng_normal(rng);
        for (size_t j = 0; j < n; j++) /* x holds sqrt(rho_c) xi */
            z[j] = m->coef[j] * z[j] - aedyn__dot(D, m->vec + j * D, x);
    } else {
        memset(x, 0, D * sizeof *x);
        for (size_t j = 0; j < n; j++)
            z[j] *= m->coef[j];
    }
    return aedyn__gemv(true, n, D, 1.0, m->vec, D, z, 1.0, x);
}

/* n inputs with the variates in the order of n calls of gaussian_sample1;
 * X = s Xi + (Z diag(coef) - s Xi E^T) E. */
static aedyn_status gaussian_sample_block(void *self, aedyn_rng *rng, size_t nr, double *X)
{
    const gaussian *m = self;
    const size_t D = m->D, n = m->n;
    const double s = m->s_noise;
    double *Z = m->block + AEDYN__DATA_BLOCK * n, *P = m->block;
    aedyn_status st;
    if (n == 0) {
        for (size_t r = 0; r < nr; r++)
            gaussian_sample1(self, rng, X + r * D, NULL);
        return AEDYN_OK;
    }
    for (size_t r = 0; r < nr; r++) {
        double *x = X + r * D;
        for (size_t j = 0; j < n; j++)
            Z[r * n + j] = aedyn__rng_normal(rng);
        if (s > 0.0)
            for (size_t i = 0; i < D; i++)
                x[i] = aedyn__rng_normal(rng);
        else
            memset(x, 0, D * sizeof *x);
    }
    if (s > 0.0) {
        aedyn__scal(nr * D, s, X);
        if ((st = aedyn__gemm(false, true, nr, n, D, -1.0, X, D, m->vec, D, 0.0, P, n)))
            return st;
    } else {
        memset(P, 0, nr * n * sizeof *P);
    }
    for (size_t r = 0; r < nr; r++)
        for (size_t j = 0; j < n; j++)
            Z[r * n + j] = m->coef[j] * Z[r * n + j] + P[r * n + j];
    return aedyn__gemm(false, false, nr, D, n, 1.0, Z, n, m->vec, D, 1.0, X, D);
}

static size_t gaussian_scratch(const void *self) { return ((const gaussian *)self)->n; }

static const aedyn__data_ops gaussian_ops = {
    .kind = "gaussian",
    .sample1 = gaussian_sample1,
    .scratch_size = gaussian_scratch,
    .sample_block = gaussian_sample_block,
    .destroy = gaussian_destroy,
};

aedyn_status aedyn__data_new_gaussian(aedyn_data **out, aedyn__spectrum *spec, const char *kind,
                                      const char *fn)
{
    const size_t n = spec->n_exp, D = spec->D;
    gaussian *m = calloc(1, sizeof *m);
    if (!m || !(m->coef = aedyn__calloc(n + 1, sizeof *m->coef)) ||
        !(m->block = aedyn__calloc(2 * AEDYN__DATA_BLOCK * n + 1, sizeof *m->block))) {
        gaussian_destroy(m);
        aedyn__spectrum_free(spec);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    m->D = D;
    m->n = n;
    m->vec = spec->vec_exp; /* moved into the handle with the spectrum */
    for (size_t j = 0; j < n; j++)
        m->coef[j] = sqrt(spec->rho_exp[j]);
    m->s_noise = n < D ? sqrt(spec->rho_c) : 0.0;
    aedyn_status st = aedyn__data_new(out, spec, &gaussian_ops, m, fn);
    if (st == AEDYN_OK && kind)
        (*out)->kind = kind;
    return st;
}

AEDYN_API aedyn_status aedyn_data_create_gaussian(aedyn_data **out, size_t D, const double *omega)
{
    static const char *fn = "aedyn_data_create_gaussian";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(omega);
    aedyn_status st = aedyn__data_check_dim(fn, D);
    if (st)
        return st;
    double amax = 0.0;
    for (size_t i = 0; i < D * D; i++) {
        if (!isfinite(omega[i]))
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: omega[%zu][%zu] is not finite", fn,
                               i / D, i % D);
        amax = fmax(amax, fabs(omega[i]));
    }
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < i; j++)
            if (fabs(omega[i * D + j] - omega[j * D + i]) > 1e-10 * amax)
                return aedyn__fail(AEDYN_ERR_NOT_PSD,
                                   "%s: omega is not symmetric (omega[%zu][%zu] = %g, "
                                   "omega[%zu][%zu] = %g)", fn, i, j, omega[i * D + j], j, i,
                                   omega[j * D + i]);
    double *Om = aedyn__calloc(D * D, sizeof *Om);
    if (!Om)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) /* symmetrise exactly */
            Om[i * D + j] = 0.5 * (omega[i * D + j] + omega[j * D + i]);
    aedyn__spectrum spec;
    if ((st = aedyn__spectrum_from_covariance(&spec, D, Om, fn)))
        return st;
    return aedyn__data_new_gaussian(out, &spec, "gaussian", fn);
}

AEDYN_API aedyn_status aedyn_data_create_eigen(aedyn_data **out, size_t D, size_t n,
                                               const double *rho, const double *vectors,
                                               double bulk)
{
    static const char *fn = "aedyn_data_create_eigen";
    AEDYN__REQUIRE_NONNULL(out);
    aedyn_status st = aedyn__data_check_dim(fn, D);
    if (st)
        return st;
    if (n > D)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: n must be <= D (got n = %zu, D = %zu)", fn, n, D);
    if (n > 0) {
        AEDYN__REQUIRE_NONNULL(rho);
        AEDYN__REQUIRE_NONNULL(vectors);
    }
    if (n < D && (!isfinite(bulk) || bulk < 0.0))
        return aedyn__fail(isfinite(bulk) ? AEDYN_ERR_NOT_PSD : AEDYN_ERR_INVALID,
                           "%s: bulk eigenvalue must be finite and >= 0, got %g", fn, bulk);
    for (size_t j = 0; j < n; j++)
        if (!isfinite(rho[j]) || rho[j] < 0.0)
            return aedyn__fail(isfinite(rho[j]) ? AEDYN_ERR_NOT_PSD : AEDYN_ERR_INVALID,
                               "%s: rho[%zu] must be finite and >= 0, got %g", fn, j, rho[j]);
    if (!aedyn__all_finite(vectors, n * D))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: eigenvectors contain non-finite values", fn);
    /* orthonormality: V V^T = I to 1e-8 */
    double *G = aedyn__calloc(n * n + 1, sizeof *G);
    if (!G)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    if ((st = aedyn__syrk_upper(false, n, D, 1.0, vectors, D, 0.0, G, n))) {
        free(G);
        return st;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            if (fabs(G[i * n + j] - (i == j ? 1.0 : 0.0)) > 1e-8) {
                double g = G[i * n + j];
                free(G);
                return aedyn__fail(AEDYN_ERR_INVALID,
                                   "%s: eigenvectors are not orthonormal (e_%zu . e_%zu = %g)", fn,
                                   i, j, g);
            }
    free(G);

    aedyn__spectrum spec = { .D = D, .n_exp = n, .rho_c = n < D ? bulk : 0.0 };
    size_t *order = aedyn__calloc(n + 1, sizeof *order);
    if (!order || !(spec.rho_exp = aedyn__calloc(n + 1, sizeof(double))) ||
        !(spec.vec_exp = aedyn__calloc(n * D + 1, sizeof(double)))) {
        free(order);
        aedyn__spectrum_free(&spec);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    /* sort by decreasing eigenvalue (insertion sort on indices; stable) */
    for (size_t j = 0; j < n; j++) {
        size_t k = j;
        while (k > 0 && rho[order[k - 1]] < rho[j]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = j;
    }
    for (size_t j = 0; j < n; j++) {
        spec.rho_exp[j] = rho[order[j]];
        memcpy(spec.vec_exp + j * D, vectors + order[j] * D, D * sizeof(double));
    }
    free(order);
    if ((st = aedyn__spectrum_finish(&spec, fn))) {
        aedyn__spectrum_free(&spec);
        return st;
    }
    return aedyn__data_new_gaussian(out, &spec, "eigen", fn);
}

AEDYN_API aedyn_status aedyn_data_create_empirical(aedyn_data **out, aedyn_data *src,
                                                   aedyn_rng *rng, size_t N)
{
    static const char *fn = "aedyn_data_create_empirical";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(src);
    AEDYN__REQUIRE_NONNULL(rng);
    if (N == 0)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: N must be >= 1, got 0", fn);
    const size_t D = src->spec.D, chunk = 256;
    double *Om = aedyn__calloc(D * D, sizeof *Om);
    double *X = aedyn__calloc(chunk * D, sizeof *X);
    aedyn_status st = AEDYN_OK;
    if (!Om || !X) {
        free(Om);
        free(X);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    for (size_t done = 0; done < N && !st; done += chunk) {
        const size_t n = N - done < chunk ? N - done : chunk;
        for (size_t r = 0; r < n && !st; r++)
            st = aedyn__data_sample1(src, rng, X + r * D, src->scratch);
        if (!st)
            st = aedyn__syrk_upper(true, D, n, 1.0 / (double)N, X, D, 1.0, Om, D);
    }
    free(X);
    if (st) {
        free(Om);
        return st;
    }
    aedyn__symmetrise_upper(D, Om);
    aedyn__spectrum spec;
    if ((st = aedyn__spectrum_from_covariance(&spec, D, Om, fn)))
        return st;
    return aedyn__data_new_gaussian(out, &spec, "empirical", fn);
}
