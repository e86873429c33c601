/* The data models of an image set (docs/theory.md section 2): the spectrum of
 * the empirical second-moment matrix Omega_hat = X^T X / N of the set's
 * (processed) images, sampled either as real images drawn with replacement
 * or as Gaussian inputs N(0, Omega_hat) (the Gaussian-equivalent model).
 * The real-image sampler holds a reference to the set's pixel rows
 * (images-internal.h), so the model stays valid whatever happens to the set. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "data-private.h"
#include "images-internal.h"
#include "linalg-internal.h"
#include "rng-internal.h"

typedef struct {
    aedyn__rows *rows; /* one reference */
    size_t n, D;
    const double *X;   /* the rows' data */
} real_images;

static void real_destroy(void *self)
{
    real_images *m = self;
    if (!m)
        return;
    aedyn__rows_release(m->rows);
    free(m);
}

static aedyn_status real_sample1(const void *self, aedyn_rng *rng, double *x, double *scratch)
{
    (void)scratch;
    const real_images *m = self;
    memcpy(x, m->X + aedyn__rng_index(rng, m->n) * m->D, m->D * sizeof *x);
    return AEDYN_OK;
}

static const aedyn__data_ops real_ops = {
    .kind = "images",
    .sample1 = real_sample1,
    .sample_block = NULL,
    .destroy = real_destroy,
};

AEDYN_API aedyn_status aedyn_data_create_images(aedyn_data **out, aedyn_images *imgs,
                                                aedyn_images_sampler sampler)
{
    static const char *fn = "aedyn_data_create_images";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(imgs);
    if (sampler != AEDYN_IMAGES_SAMPLE_REAL && sampler != AEDYN_IMAGES_SAMPLE_GAUSSIAN)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown sampler %d", fn, (int)sampler);
    const size_t D = aedyn_images_get_dim(imgs);
    aedyn_status st = aedyn__data_check_dim(fn, D);
    if (st)
        return st;
    aedyn__rows *rows = aedyn__images_rows(imgs);
    const size_t n = aedyn__rows_count(rows);
    const double *X = aedyn__rows_data(rows);
    real_images *m = NULL;
    double *Om = aedyn__calloc(D * D, sizeof *Om);
    if (!Om) {
        aedyn__rows_release(rows);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory for the %zu x %zu covariance", fn,
                           D, D);
    }
    /* Omega_hat = X^T X / n (BLAS-3), in pieces of at most INT_MAX images */
    for (size_t r0 = 0; r0 < n && !st; r0 += (size_t)INT_MAX) {
        const size_t nr = n - r0 < (size_t)INT_MAX ? n - r0 : (size_t)INT_MAX;
        st = aedyn__syrk_upper(true, D, nr, 1.0 / (double)n, X + r0 * D, D, r0 ? 1.0 : 0.0, Om,
                               D);
    }
    if (st) {
        free(Om);
        aedyn__rows_release(rows);
        return st;
    }
    aedyn__symmetrise_upper(D, Om);
    aedyn__spectrum spec;
    if ((st = aedyn__spectrum_from_covariance(&spec, D, Om, fn))) { /* takes Om */
        aedyn__rows_release(rows);
        return st;
    }
    if (sampler == AEDYN_IMAGES_SAMPLE_GAUSSIAN) {
        aedyn__rows_release(rows);
        return aedyn__data_new_gaussian(out, &spec, "images-gaussian", fn);
    }
    if (!(m = calloc(1, sizeof *m))) {
        aedyn__rows_release(rows);
        aedyn__spectrum_free(&spec);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    *m = (real_images){ .rows = rows, .n = n, .D = D, .X = X };
    return aedyn__data_new(out, &spec, &real_ops, m, fn);
}
