/* Data models: spiked Wishart model and Gaussians N(0, Omega), their samplers
 * and their spectra as eigen-groups (docs/theory.md section 2). */
#include <stdlib.h>
#include <string.h>
#include "data-private.h"
#include "linalg-private.h"

/* Rows per BLAS-3 block of aedyn_data_sample(). */
#define SAMPLE_BLOCK_ 64
#include "rng-private.h"

/* Relative tolerance under which explicit eigenvalues form one group. */
#define GROUP_RTOL 1e-12

static void data_free(aedyn_data *d)
{
    if (!d)
        return;
    if (d->img_borrow)
        (*d->img_borrow)--;
    free(d->rho_exp);
    free(d->vec_exp);
    free(d->groups);
    free(d->B);
    free(d->coef);
    free(d->scratch);
    free(d->block);
    free(d);
}

AEDYN_API void aedyn_data_destroy(aedyn_data *data)
{
    data_free(data);
}

/* Build the group table from the sorted explicit eigenvalues and the complement. */
static aedyn_status build_groups(aedyn_data *d)
{
    const size_t n = d->n_exp, D = d->D;
    const bool has_c = n < D;
    d->groups = aedyn__calloc(n + 1, sizeof *d->groups);
    if (!d->groups)
        return aedyn__fail(AEDYN_ERR_NOMEM, "data model: out of memory for the spectrum");
    double scale = has_c ? fabs(d->rho_c) : 0.0;
    for (size_t j = 0; j < n; j++)
        scale = fmax(scale, fabs(d->rho_exp[j]));
    const double tol = GROUP_RTOL * scale;
    size_t g = 0;
    bool c_done = !has_c;
    for (size_t j = 0; j < n;) {
        if (!c_done && d->rho_c > d->rho_exp[j]) {
            d->groups[g++] = (aedyn_group_){ d->rho_c, D - n, SIZE_MAX };
            c_done = true;
            continue;
        }
        size_t k = j + 1;
        while (k < n && fabs(d->rho_exp[k] - d->rho_exp[j]) <= tol)
            k++;
        double mean = 0.0;
        for (size_t i = j; i < k; i++)
            mean += d->rho_exp[i];
        d->groups[g++] = (aedyn_group_){ mean / (double)(k - j), k - j, j };
        j = k;
    }
    if (!c_done)
        d->groups[g++] = (aedyn_group_){ d->rho_c, D - n, SIZE_MAX };
    d->n_groups = g;
    d->trace = has_c ? d->rho_c * (double)(D - n) : 0.0;
    for (size_t j = 0; j < n; j++)
        d->trace += d->rho_exp[j];
    return AEDYN_OK;
}

static aedyn_data *data_alloc(size_t D, aedyn_data_kind_ kind)
{
    aedyn_data *d = calloc(1, sizeof *d);
    if (d) {
        d->D = D;
        d->kind = kind;
        d->kind_name = kind == AEDYN_KIND_SPIKED_ ? "spiked" : "gaussian";
    }
    return d;
}

static aedyn_status check_dim(const char *fn, size_t D)
{
    size_t bytes;
    if (D == 0)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: D must be >= 1, got 0", fn);
    if (!aedyn__mul_size(D, D, &bytes) || !aedyn__mul_size(bytes, sizeof(double), &bytes))
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: D = %zu is too large", fn, D);
    return AEDYN_OK;
}

/* ---- spiked model -------------------------------------------------------- */

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

AEDYN_API aedyn_status aedyn_data_create_spiked(aedyn_data **out, size_t D, size_t M,
                                                const double *lambda, double sigma,
                                                aedyn_data_spikes vectors, aedyn_rng *rng,
                                                unsigned flags)
{
    static const char *fn = "aedyn_data_create_spiked";
    AEDYN_REQUIRE_NONNULL(out);
    aedyn_status st = check_dim(fn, D);
    if (st)
        return st;
    if (M > D)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: M must be <= D (got M = %zu, D = %zu)", fn, M, D);
    if (M > 62 && !lambda)
        return aedyn__fail(AEDYN_ERR_INVALID,
                           "%s: default strengths 2^m + 1 overflow for M = %zu; pass lambda", fn, M);
    if (!isfinite(sigma) || sigma < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: sigma must be finite and >= 0, got %g", fn, sigma);
    if (vectors != AEDYN_DATA_SPIKES_RANDOM && vectors != AEDYN_DATA_SPIKES_SINUSOIDAL)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown spike vector kind %d", fn, (int)vectors);
    if (vectors == AEDYN_DATA_SPIKES_RANDOM && M > 0 && !rng)
        return aedyn__fail(AEDYN_ERR_NULL, "%s: random spike vectors need an rng", fn);
    if (flags & ~AEDYN_DATA_STANDARDISE)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown flags 0x%x", fn, flags);
    if (lambda)
        for (size_t m = 0; m < M; m++)
            if (!isfinite(lambda[m]) || lambda[m] <= 0.0)
                return aedyn__fail(AEDYN_ERR_INVALID,
                                   "%s: lambda[%zu] must be finite and > 0, got %g", fn, m, lambda[m]);
    if (M == 0 && sigma == 0.0 && (flags & AEDYN_DATA_STANDARDISE))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: cannot standardise a zero covariance", fn);

    aedyn_data *d = data_alloc(D, AEDYN_KIND_SPIKED_);
    double *lam = aedyn__calloc(M + 1, sizeof *lam);
    double *G = aedyn__calloc(M * M + 1, sizeof *G);
    double *mu = aedyn__calloc(M + 1, sizeof *mu);
    if (!d || !lam || !G || !mu || !(d->B = aedyn__calloc(M * D + 1, sizeof *d->B)) ||
        !(d->scratch = aedyn__calloc(M + 1, sizeof *d->scratch)) ||
        !(d->block = aedyn__calloc(2 * SAMPLE_BLOCK_ * M + 1, sizeof *d->block))) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    double sum_l2 = 0.0;
    for (size_t m = 0; m < M; m++) {
        lam[m] = lambda ? lambda[m] : (double)((1ull << (m + 1)) + 1);
        sum_l2 += lam[m] * lam[m];
    }
    /* Tr Omega / D = sum Lambda^2 + sigma^2 since every ||a_m||^2 = D. */
    const double s = (flags & AEDYN_DATA_STANDARDISE) ? sqrt(sum_l2 + sigma * sigma) : 1.0;
    fill_spike_vectors(d->B, M, D, vectors, rng);
    for (size_t m = 0; m < M; m++)
        for (size_t i = 0; i < D; i++)
            d->B[m * D + i] *= lam[m] / s;
    d->M = M;
    d->s_noise = sigma / s;

    /* Spectrum: B^T B has the non-zero eigenvalues of B B^T (M x M). */
    if (M > 0) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)M, (int)D, 1.0, d->B, (int)D,
                    0.0, G, (int)M);
        aedyn__symmetrise_upper(M, G);
        if ((st = aedyn__eigh_desc(M, G, mu)))
            goto fail;
    }
    size_t rank = 0;
    while (rank < M && mu[rank] > 1e-12 * mu[0] * (double)M)
        rank++;
    d->n_exp = rank;
    d->rho_exp = aedyn__calloc(rank + 1, sizeof *d->rho_exp);
    d->vec_exp = aedyn__calloc(rank * D + 1, sizeof *d->vec_exp);
    if (!d->rho_exp || !d->vec_exp) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    for (size_t j = 0; j < rank; j++) {
        /* e_j = B^T u_j / sqrt(mu_j), renormalised against rounding */
        double *e = d->vec_exp + j * D;
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)M, (int)D, 1.0, d->B, (int)D, G + j * M, 1,
                    0.0, e, 1);
        const double nrm = cblas_dnrm2((int)D, e, 1);
        cblas_dscal((int)D, 1.0 / nrm, e, 1);
        d->rho_exp[j] = mu[j] + d->s_noise * d->s_noise;
    }
    d->rho_c = d->s_noise * d->s_noise;
    if ((st = build_groups(d)))
        goto fail;
    free(lam);
    free(G);
    free(mu);
    *out = d;
    return AEDYN_OK;
fail:
    free(lam);
    free(G);
    free(mu);
    data_free(d);
    return st;
}

/* ---- Gaussian models ------------------------------------------------------- */

/* Finish an eigen-type model whose rho_exp / vec_exp / rho_c are set. */
static aedyn_status finish_eigen(aedyn_data *d, const char *fn)
{
    const size_t n = d->n_exp;
    d->M = n;
    d->coef = aedyn__calloc(n + 1, sizeof *d->coef);
    d->scratch = aedyn__calloc(n + 1, sizeof *d->scratch);
    d->block = aedyn__calloc(2 * SAMPLE_BLOCK_ * n + 1, sizeof *d->block);
    if (!d->coef || !d->scratch || !d->block)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    for (size_t j = 0; j < n; j++)
        d->coef[j] = sqrt(d->rho_exp[j]);
    d->s_noise = n < d->D ? sqrt(d->rho_c) : 0.0;
    return build_groups(d);
}

/* Diagonalise the symmetric matrix Om (D x D, overwritten) into a new model. */
aedyn_status aedyn__data_from_covariance(aedyn_data **out, size_t D, double *Om, const char *fn)
{
    aedyn_status st;
    aedyn_data *d = data_alloc(D, AEDYN_KIND_EIGEN_);
    double *w = aedyn__calloc(D, sizeof *w);
    if (!d || !w) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    if ((st = aedyn__eigh_desc(D, Om, w)))
        goto fail;
    const double tol = 1e-10 * fmax(fabs(w[0]), fabs(w[D - 1]));
    if (w[D - 1] < -tol) {
        st = aedyn__fail(AEDYN_ERR_NOT_PSD,
                         "%s: covariance is not positive semi-definite (smallest eigenvalue %g, "
                         "largest %g)", fn, w[D - 1], w[0]);
        goto fail;
    }
    for (size_t j = 0; j < D; j++)
        w[j] = fmax(w[j], 0.0);
    d->n_exp = D;
    d->rho_exp = w;
    w = NULL;
    d->vec_exp = Om;
    Om = NULL;
    if ((st = finish_eigen(d, fn)))
        goto fail;
    *out = d;
    return AEDYN_OK;
fail:
    free(w);  /* NULL once owned by d */
    free(Om); /* NULL once owned by d */
    data_free(d);
    return st;
}

AEDYN_API aedyn_status aedyn_data_create_gaussian(aedyn_data **out, size_t D, const double *omega)
{
    static const char *fn = "aedyn_data_create_gaussian";
    AEDYN_REQUIRE_NONNULL(out);
    AEDYN_REQUIRE_NONNULL(omega);
    aedyn_status st = check_dim(fn, D);
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
    return aedyn__data_from_covariance(out, D, Om, fn);
}

AEDYN_API aedyn_status aedyn_data_create_eigen(aedyn_data **out, size_t D, size_t n,
                                               const double *rho, const double *vectors,
                                               double bulk)
{
    static const char *fn = "aedyn_data_create_eigen";
    AEDYN_REQUIRE_NONNULL(out);
    aedyn_status st = check_dim(fn, D);
    if (st)
        return st;
    if (n > D)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: n must be <= D (got n = %zu, D = %zu)", fn, n, D);
    if (n > 0) {
        AEDYN_REQUIRE_NONNULL(rho);
        AEDYN_REQUIRE_NONNULL(vectors);
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
    if (n > 0)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)D, 1.0, vectors, (int)D,
                    0.0, G, (int)n);
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

    aedyn_data *d = data_alloc(D, AEDYN_KIND_EIGEN_);
    size_t *order = aedyn__calloc(n + 1, sizeof *order);
    if (!d || !order || !(d->rho_exp = aedyn__calloc(n + 1, sizeof(double))) ||
        !(d->vec_exp = aedyn__calloc(n * D + 1, sizeof(double)))) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
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
        d->rho_exp[j] = rho[order[j]];
        memcpy(d->vec_exp + j * D, vectors + order[j] * D, D * sizeof(double));
    }
    d->n_exp = n;
    d->kind_name = "eigen";
    d->rho_c = n < D ? bulk : 0.0;
    if ((st = finish_eigen(d, fn)))
        goto fail;
    free(order);
    *out = d;
    return AEDYN_OK;
fail:
    free(order);
    data_free(d);
    return st;
}

AEDYN_API aedyn_status aedyn_data_create_empirical(aedyn_data **out, aedyn_data *src,
                                                   aedyn_rng *rng, size_t N)
{
    static const char *fn = "aedyn_data_create_empirical";
    AEDYN_REQUIRE_NONNULL(out);
    AEDYN_REQUIRE_NONNULL(src);
    AEDYN_REQUIRE_NONNULL(rng);
    if (N == 0)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: N must be >= 1, got 0", fn);
    const size_t D = src->D, chunk = 256;
    double *Om = aedyn__calloc(D * D, sizeof *Om);
    double *X = aedyn__calloc(chunk * D, sizeof *X);
    if (!Om || !X) {
        free(Om);
        free(X);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    for (size_t done = 0; done < N; done += chunk) {
        const size_t n = N - done < chunk ? N - done : chunk;
        for (size_t r = 0; r < n; r++)
            aedyn__data_sample1(src, rng, X + r * D);
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)D, (int)n, 1.0 / (double)N, X,
                    (int)D, 1.0, Om, (int)D);
    }
    free(X);
    aedyn__symmetrise_upper(D, Om);
    aedyn_status st = aedyn__data_from_covariance(out, D, Om, fn);
    if (st == AEDYN_OK)
        (*out)->kind_name = "empirical";
    return st;
}

/* ---- sampling --------------------------------------------------------------- */

void aedyn__data_sample1(aedyn_data *d, aedyn_rng *rng, double *x)
{
    const size_t D = d->D, M = d->M;
    if (d->kind == AEDYN_KIND_IMAGES_) { /* a real image, with replacement */
        memcpy(x, d->img + aedyn__rng_index(rng, d->img_n) * D, D * sizeof *x);
        return;
    }
    double *z = d->scratch;
    for (size_t m = 0; m < M; m++)
        z[m] = aedyn__rng_normal(rng);
    if (d->kind == AEDYN_KIND_SPIKED_) {
        /* variates first (scalar), then one vectorisable pass adding the spikes */
        const double s = d->s_noise, *B = d->B;
        if (s > 0.0)
            for (size_t i = 0; i < D; i++)
                x[i] = aedyn__rng_normal(rng);
        for (size_t i = 0; i < D; i++) {
            double v = s > 0.0 ? s * x[i] : 0.0;
            for (size_t m = 0; m < M; m++)
                v += z[m] * B[m * D + i];
            x[i] = v;
        }
        return;
    }
    if (d->s_noise > 0.0) {
        const double s = d->s_noise;
        for (size_t i = 0; i < D; i++)
            x[i] = s * aedyn__rng_normal(rng);
    } else {
        memset(x, 0, D * sizeof *x);
    }
    /* eigen: x = sum_j (sqrt(rho_j) z_j - sqrt(rho_c) e_j.xi) e_j + sqrt(rho_c) xi */
    if (d->s_noise > 0.0)
        for (size_t j = 0; j < M; j++) /* x holds sqrt(rho_c) xi */
            z[j] = d->coef[j] * z[j] - cblas_ddot((int)D, d->vec_exp + j * D, 1, x, 1);
    else
        for (size_t j = 0; j < M; j++)
            z[j] *= d->coef[j];
    if (M > 0)
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)M, (int)D, 1.0, d->vec_exp, (int)D, z, 1, 1.0,
                    x, 1);
}

/* Draw n <= SAMPLE_BLOCK_ inputs into X with the variates in exactly the
 * order of n calls of aedyn__data_sample1() (per row: the M latent normals,
 * then the D noise normals), and the mixing done by matrix products.
 * Z: n x M scratch. */
static void sample_block(aedyn_data *d, aedyn_rng *rng, size_t n, double *X, double *Z)
{
    const size_t D = d->D, M = d->M;
    const double s = d->s_noise;
    for (size_t r = 0; r < n; r++) {
        double *x = X + r * D;
        for (size_t m = 0; m < M; m++)
            Z[r * M + m] = aedyn__rng_normal(rng);
        if (s > 0.0)
            for (size_t i = 0; i < D; i++)
                x[i] = aedyn__rng_normal(rng);
        else
            memset(x, 0, D * sizeof *x);
    }
    if (d->kind == AEDYN_KIND_SPIKED_) { /* X = s Xi + Z B */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)D, (int)M, 1.0, Z,
                    (int)M, d->B, (int)D, s, X, (int)D);
        return;
    }
    /* eigen: X = s Xi + (Z diag(coef) - s Xi E^T) E */
    if (s > 0.0) {
        cblas_dscal((int)(n * D), s, X, 1);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)M, (int)D, -1.0, X,
                    (int)D, d->vec_exp, (int)D, 0.0, d->block, (int)M);
    } else {
        memset(d->block, 0, n * M * sizeof *d->block);
    }
    for (size_t r = 0; r < n; r++)
        for (size_t m = 0; m < M; m++)
            Z[r * M + m] = d->coef[m] * Z[r * M + m] + d->block[r * M + m];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)D, (int)M, 1.0, Z, (int)M,
                d->vec_exp, (int)D, 1.0, X, (int)D);
}

AEDYN_API aedyn_status aedyn_data_sample(aedyn_data *data, aedyn_rng *rng, size_t n, double *X)
{
    AEDYN_REQUIRE_NONNULL(data);
    AEDYN_REQUIRE_NONNULL(rng);
    if (n == 0)
        return AEDYN_OK;
    AEDYN_REQUIRE_NONNULL(X);
    if (n == 1 || data->M == 0 || !data->block || data->kind == AEDYN_KIND_IMAGES_) {
        for (size_t r = 0; r < n; r++)
            aedyn__data_sample1(data, rng, X + r * data->D);
        return AEDYN_OK;
    }
    for (size_t r = 0; r < n; r += SAMPLE_BLOCK_) {
        const size_t nb = n - r < SAMPLE_BLOCK_ ? n - r : SAMPLE_BLOCK_;
        sample_block(data, rng, nb, X + r * data->D, data->block + SAMPLE_BLOCK_ * data->M);
    }
    return AEDYN_OK;
}

/* ---- spectrum queries ------------------------------------------------------- */

AEDYN_API const char *aedyn_data_get_kind(const aedyn_data *data)
{
    return data ? data->kind_name : "";
}

AEDYN_API size_t aedyn_data_get_dim(const aedyn_data *data) { return data ? data->D : 0; }
AEDYN_API size_t aedyn_data_get_n_groups(const aedyn_data *data) { return data ? data->n_groups : 0; }
AEDYN_API double aedyn_data_get_trace(const aedyn_data *data) { return data ? data->trace : NAN; }

static aedyn_status check_group(const aedyn_data *data, size_t g, const char *fn)
{
    AEDYN_REQUIRE_NONNULL(data);
    if (g >= data->n_groups)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: group %zu out of range (%zu groups)", fn, g,
                           data->n_groups);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_get_group(const aedyn_data *data, size_t g, double *rho,
                                        size_t *mult, size_t *n_explicit)
{
    aedyn_status st = check_group(data, g, "aedyn_data_get_group");
    if (st)
        return st;
    const aedyn_group_ *gr = &data->groups[g];
    if (rho)
        *rho = gr->rho;
    if (mult)
        *mult = gr->mult;
    if (n_explicit)
        *n_explicit = gr->first == SIZE_MAX ? 0 : gr->mult;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_get_group_vectors(const aedyn_data *data, size_t g, double *vectors)
{
    aedyn_status st = check_group(data, g, "aedyn_data_get_group_vectors");
    if (st)
        return st;
    const aedyn_group_ *gr = &data->groups[g];
    if (gr->first == SIZE_MAX)
        return AEDYN_OK;
    AEDYN_REQUIRE_NONNULL(vectors);
    memcpy(vectors, data->vec_exp + gr->first * data->D, gr->mult * data->D * sizeof(double));
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_get_eigenvalues(const aedyn_data *data, double *rho)
{
    AEDYN_REQUIRE_NONNULL(data);
    AEDYN_REQUIRE_NONNULL(rho);
    size_t k = 0;
    for (size_t g = 0; g < data->n_groups; g++) {
        const aedyn_group_ *gr = &data->groups[g];
        for (size_t i = 0; i < gr->mult; i++)
            rho[k++] = gr->first == SIZE_MAX ? gr->rho : data->rho_exp[gr->first + i];
    }
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_get_covariance(const aedyn_data *data, double *omega)
{
    AEDYN_REQUIRE_NONNULL(data);
    AEDYN_REQUIRE_NONNULL(omega);
    const size_t D = data->D, n = data->n_exp;
    const double rc = n < D ? data->rho_c : 0.0;
    memset(omega, 0, D * D * sizeof *omega);
    for (size_t i = 0; i < D; i++)
        omega[i * D + i] = rc;
    for (size_t j = 0; j < n; j++)
        cblas_dsyr(CblasRowMajor, CblasUpper, (int)D, data->rho_exp[j] - rc,
                   data->vec_exp + j * D, 1, omega, (int)D);
    aedyn__symmetrise_upper(D, omega);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_pca_error(const aedyn_data *data, size_t m, double *err)
{
    AEDYN_REQUIRE_NONNULL(data);
    AEDYN_REQUIRE_NONNULL(err);
    if (m > data->D)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_data_pca_error: m must be <= D (got m = %zu, "
                           "D = %zu)", m, data->D);
    /* sum of the D - m smallest eigenvalues, walking the sorted groups */
    double rest = 0.0;
    size_t skipped = 0;
    for (size_t g = 0; g < data->n_groups; g++) {
        const aedyn_group_ *gr = &data->groups[g];
        for (size_t i = 0; i < gr->mult; i++, skipped++) {
            if (skipped < m)
                continue;
            if (gr->first == SIZE_MAX) { /* the rest of a complement group at once */
                rest += gr->rho * (double)(gr->mult - i);
                skipped += gr->mult - i - 1;
                break;
            }
            rest += data->rho_exp[gr->first + i];
        }
    }
    *err = rest / (2.0 * (double)data->D);
    return AEDYN_OK;
}

aedyn_status aedyn__data_quad_form(const aedyn_data *d, size_t na, const double *A, size_t nb,
                                   const double *B, double *out)
{
    const size_t D = d->D, n = d->n_exp;
    const double rc = n < D ? d->rho_c : 0.0;
    double *PA = aedyn__calloc(na * n + 1, sizeof *PA);
    double *PB = aedyn__calloc(nb * n + 1, sizeof *PB);
    if (!PA || !PB) {
        free(PA);
        free(PB);
        return aedyn__fail(AEDYN_ERR_NOMEM, "order parameters: out of memory");
    }
    /* out = rho_c A B^T + (A E^T) diag(rho - rho_c) (B E^T)^T */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)na, (int)nb, (int)D, rc, A, (int)D,
                B, (int)D, 0.0, out, (int)nb);
    if (n > 0) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)na, (int)n, (int)D, 1.0, A,
                    (int)D, d->vec_exp, (int)D, 0.0, PA, (int)n);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)n, (int)D, 1.0, B,
                    (int)D, d->vec_exp, (int)D, 0.0, PB, (int)n);
        for (size_t a = 0; a < na; a++)
            for (size_t j = 0; j < n; j++)
                PA[a * n + j] *= d->rho_exp[j] - rc;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)na, (int)nb, (int)n, 1.0, PA,
                    (int)n, PB, (int)n, 1.0, out, (int)nb);
    }
    free(PA);
    free(PB);
    return AEDYN_OK;
}
