/* Data models (include/aedyn/aedyn-data.h): the handle, the spectrum as
 * eigen-groups and every query of it (docs/theory.md section 2). The
 * samplers are the models' own (data-private.h): lib/data-spiked.c,
 * lib/data-gaussian.c, lib/data-images.c. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "data-private.h"
#include "linalg-internal.h"

/* Relative tolerance under which explicit eigenvalues form one group. */
#define GROUP_RTOL 1e-12

/* ---- the spectrum ---------------------------------------------------------- */

void aedyn__spectrum_free(aedyn__spectrum *s)
{
    free(s->rho_exp);
    free(s->vec_exp);
    free(s->groups);
    memset(s, 0, sizeof *s);
}

aedyn_status aedyn__spectrum_finish(aedyn__spectrum *s, const char *fn)
{
    const size_t n = s->n_exp, D = s->D;
    const bool has_c = n < D;
    for (size_t j = 0; j < n; j++)
        if (!isfinite(s->rho_exp[j]) || s->rho_exp[j] < 0.0)
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: eigenvalue %zu of the covariance is %g "
                               "(must be finite and >= 0)", fn, j, s->rho_exp[j]);
    if (has_c && (!isfinite(s->rho_c) || s->rho_c < 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: the bulk eigenvalue is %g (must be finite "
                           "and >= 0)", fn, s->rho_c);
    double trace = has_c ? s->rho_c * (double)(D - n) : 0.0;
    for (size_t j = 0; j < n; j++)
        trace += s->rho_exp[j];
    if (!isfinite(trace) || !(trace > 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: the covariance has trace %g; it must be "
                           "finite and > 0 (a zero covariance makes every error 0)", fn, trace);
    s->groups = aedyn__calloc(n + 1, sizeof *s->groups);
    if (!s->groups)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory for the spectrum", fn);
    double scale = has_c ? s->rho_c : 0.0;
    for (size_t j = 0; j < n; j++)
        scale = fmax(scale, s->rho_exp[j]);
    const double tol = GROUP_RTOL * scale;
    size_t g = 0;
    bool c_done = !has_c;
    for (size_t j = 0; j < n;) {
        if (!c_done && s->rho_c > s->rho_exp[j]) {
            s->groups[g++] = (aedyn__group){ s->rho_c, D - n, SIZE_MAX };
            c_done = true;
            continue;
        }
        size_t k = j + 1;
        while (k < n && fabs(s->rho_exp[k] - s->rho_exp[j]) <= tol)
            k++;
        double mean = 0.0;
        for (size_t i = j; i < k; i++)
            mean += s->rho_exp[i];
        s->groups[g++] = (aedyn__group){ mean / (double)(k - j), k - j, j };
        j = k;
    }
    if (!c_done)
        s->groups[g++] = (aedyn__group){ s->rho_c, D - n, SIZE_MAX };
    s->n_groups = g;
    s->trace = trace;
    return AEDYN_OK;
}

aedyn_status aedyn__spectrum_from_covariance(aedyn__spectrum *s, size_t D, double *Om,
                                             const char *fn)
{
    memset(s, 0, sizeof *s);
    double *w = aedyn__calloc(D, sizeof *w);
    aedyn_status st;
    if (!w) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    if ((st = aedyn__eigh_desc(D, Om, w)))
        goto fail;
    if (!isfinite(w[0]) || !isfinite(w[D - 1])) {
        st = aedyn__fail(AEDYN_ERR_INVALID, "%s: the covariance has non-finite eigenvalues "
                         "(entries too large)", fn);
        goto fail;
    }
    const double tol = 1e-10 * fmax(fabs(w[0]), fabs(w[D - 1]));
    if (w[D - 1] < -tol) {
        st = aedyn__fail(AEDYN_ERR_NOT_PSD,
                         "%s: covariance is not positive semi-definite (smallest eigenvalue %g, "
                         "largest %g)", fn, w[D - 1], w[0]);
        goto fail;
    }
    for (size_t j = 0; j < D; j++)
        w[j] = fmax(w[j], 0.0);
    s->D = D;
    s->n_exp = D;
    s->rho_exp = w;
    s->vec_exp = Om;
    if ((st = aedyn__spectrum_finish(s, fn))) {
        aedyn__spectrum_free(s);
        return st;
    }
    return AEDYN_OK;
fail:
    free(w);
    free(Om);
    return st;
}

/* ---- the handle -------------------------------------------------------------- */

aedyn_status aedyn__data_check_dim(const char *fn, size_t D)
{
    size_t bytes;
    if (D == 0)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: D must be >= 1, got 0", fn);
    if (D > (size_t)INT_MAX || !aedyn__mul_size(D, D, &bytes) ||
        !aedyn__mul_size(bytes, sizeof(double), &bytes))
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: D = %zu is too large (at most %d)", fn, D,
                           INT_MAX);
    return AEDYN_OK;
}

aedyn_status aedyn__data_new(aedyn_data **out, aedyn__spectrum *spec,
                             const aedyn__data_ops *ops, void *self, const char *fn)
{
    aedyn_data *d = calloc(1, sizeof *d);
    const size_t ns = ops->scratch_size ? ops->scratch_size(self) : 0;
    double *scratch = aedyn__calloc(ns + 1, sizeof *scratch);
    if (!d || !scratch) {
        free(d);
        free(scratch);
        ops->destroy(self);
        aedyn__spectrum_free(spec);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    d->spec = *spec;
    memset(spec, 0, sizeof *spec);
    d->ops = ops;
    d->self = self;
    d->kind = ops->kind;
    d->scratch = scratch;
    d->scratch_n = ns + 1;
    *out = d;
    return AEDYN_OK;
}

AEDYN_API void aedyn_data_destroy(aedyn_data *data)
{
    if (!data)
        return;
    data->ops->destroy(data->self);
    aedyn__spectrum_free(&data->spec);
    free(data->scratch);
    free(data);
}

/* ---- sampling ------------------------------------------------------------------ */

size_t aedyn__data_scratch_size(const aedyn_data *d) { return d->scratch_n; }

aedyn_status aedyn__data_sample1(const aedyn_data *d, aedyn_rng *rng, double *x, double *scratch)
{
    return d->ops->sample1(d->self, rng, x, scratch);
}

AEDYN_API aedyn_status aedyn_data_sample(aedyn_data *data, aedyn_rng *rng, size_t n, double *X)
{
    AEDYN__REQUIRE_NONNULL(data);
    AEDYN__REQUIRE_NONNULL(rng);
    if (n == 0)
        return AEDYN_OK;
    AEDYN__REQUIRE_NONNULL(X);
    const size_t D = data->spec.D;
    size_t nD;
    if (!aedyn__mul_size(n, D, &nD))
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_data_sample: %zu inputs of dimension %zu "
                           "overflow the address space", n, D);
    aedyn_status st = AEDYN_OK;
    if (n == 1 || !data->ops->sample_block) {
        for (size_t r = 0; r < n && !st; r++)
            st = data->ops->sample1(data->self, rng, X + r * D, data->scratch);
        return st;
    }
    for (size_t r = 0; r < n && !st; r += AEDYN__DATA_BLOCK) {
        const size_t nb = n - r < AEDYN__DATA_BLOCK ? n - r : AEDYN__DATA_BLOCK;
        st = data->ops->sample_block(data->self, rng, nb, X + r * D);
    }
    return st;
}

/* ---- spectrum queries ------------------------------------------------------------ */

AEDYN_API const char *aedyn_data_get_kind(const aedyn_data *data)
{
    return data ? data->kind : "";
}

AEDYN_API size_t aedyn_data_get_dim(const aedyn_data *data) { return data ? data->spec.D : 0; }
AEDYN_API size_t aedyn_data_get_n_groups(const aedyn_data *data)
{
    return data ? data->spec.n_groups : 0;
}
AEDYN_API double aedyn_data_get_trace(const aedyn_data *data)
{
    return data ? data->spec.trace : NAN;
}

static aedyn_status check_group(const aedyn_data *data, size_t g, const char *fn)
{
    AEDYN__REQUIRE_NONNULL(data);
    if (g >= data->spec.n_groups)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: group %zu out of range (%zu groups)", fn, g,
                           data->spec.n_groups);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_get_group(const aedyn_data *data, size_t g, double *rho,
                                            size_t *mult, size_t *n_explicit)
{
    aedyn_status st = check_group(data, g, "aedyn_data_get_group");
    if (st)
        return st;
    const aedyn__group *gr = &data->spec.groups[g];
    if (rho)
        *rho = gr->rho;
    if (mult)
        *mult = gr->mult;
    if (n_explicit)
        *n_explicit = gr->first == SIZE_MAX ? 0 : gr->mult;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_get_group_vectors(const aedyn_data *data, size_t g,
                                                    double *vectors)
{
    aedyn_status st = check_group(data, g, "aedyn_data_get_group_vectors");
    if (st)
        return st;
    const aedyn__group *gr = &data->spec.groups[g];
    if (gr->first == SIZE_MAX)
        return AEDYN_OK;
    AEDYN__REQUIRE_NONNULL(vectors);
    memcpy(vectors, data->spec.vec_exp + gr->first * data->spec.D,
           gr->mult * data->spec.D * sizeof(double));
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_get_eigenvalues(const aedyn_data *data, double *rho)
{
    AEDYN__REQUIRE_NONNULL(data);
    AEDYN__REQUIRE_NONNULL(rho);
    const aedyn__spectrum *s = &data->spec;
    size_t k = 0;
    for (size_t g = 0; g < s->n_groups; g++) {
        const aedyn__group *gr = &s->groups[g];
        for (size_t i = 0; i < gr->mult; i++)
            rho[k++] = gr->first == SIZE_MAX ? gr->rho : s->rho_exp[gr->first + i];
    }
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_get_covariance(const aedyn_data *data, double *omega)
{
    AEDYN__REQUIRE_NONNULL(data);
    AEDYN__REQUIRE_NONNULL(omega);
    const aedyn__spectrum *s = &data->spec;
    const size_t D = s->D, n = s->n_exp;
    const double rc = n < D ? s->rho_c : 0.0;
    memset(omega, 0, D * D * sizeof *omega);
    for (size_t i = 0; i < D; i++)
        omega[i * D + i] = rc;
    for (size_t j = 0; j < n; j++) {
        aedyn_status st = aedyn__syr_upper(D, s->rho_exp[j] - rc, s->vec_exp + j * D, omega, D);
        if (st)
            return st;
    }
    aedyn__symmetrise_upper(D, omega);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_data_pca_error(const aedyn_data *data, size_t m, double *err)
{
    AEDYN__REQUIRE_NONNULL(data);
    AEDYN__REQUIRE_NONNULL(err);
    const aedyn__spectrum *s = &data->spec;
    if (m > s->D)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_data_pca_error: m must be <= D (got m = %zu, "
                           "D = %zu)", m, s->D);
    /* sum of the D - m smallest eigenvalues, walking the sorted groups */
    double rest = 0.0;
    size_t skipped = 0;
    for (size_t g = 0; g < s->n_groups; g++) {
        const aedyn__group *gr = &s->groups[g];
        for (size_t i = 0; i < gr->mult; i++, skipped++) {
            if (skipped < m)
                continue;
            if (gr->first == SIZE_MAX) { /* the rest of a complement group at once */
                rest += gr->rho * (double)(gr->mult - i);
                skipped += gr->mult - i - 1;
                break;
            }
            rest += s->rho_exp[gr->first + i];
        }
    }
    *err = rest / (2.0 * (double)s->D);
    return AEDYN_OK;
}

aedyn_status aedyn__data_quad_form(const aedyn_data *d, size_t na, const double *A, size_t nb,
                                   const double *B, double *out)
{
    const aedyn__spectrum *s = &d->spec;
    const size_t D = s->D, n = s->n_exp;
    const double rc = n < D ? s->rho_c : 0.0;
    double *PA = aedyn__calloc(na * n + 1, sizeof *PA);
    double *PB = aedyn__calloc(nb * n + 1, sizeof *PB);
    aedyn_status st;
    if (!PA || !PB) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "order parameters: out of memory");
        goto done;
    }
    /* out = rho_c A B^T + (A E^T) diag(rho - rho_c) (B E^T)^T */
    if ((st = aedyn__gemm(false, true, na, nb, D, rc, A, D, B, D, 0.0, out, nb)) || n == 0)
        goto done;
    if ((st = aedyn__gemm(false, true, na, n, D, 1.0, A, D, s->vec_exp, D, 0.0, PA, n)) ||
        (st = aedyn__gemm(false, true, nb, n, D, 1.0, B, D, s->vec_exp, D, 0.0, PB, n)))
        goto done;
    for (size_t a = 0; a < na; a++)
        for (size_t j = 0; j < n; j++)
            PA[a * n + j] *= s->rho_exp[j] - rc;
    st = aedyn__gemm(false, true, na, nb, n, 1.0, PA, n, PB, n, 1.0, out, nb);
done:
    free(PA);
    free(PB);
    return st;
}
