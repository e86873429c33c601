/* Data models: spectra against an independent LAPACKE diagonalisation,
 * samplers against their covariance (statistical, fixed seeds), groups, PCA
 * errors, the empirical model, and invalid input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>
#include "testutil.h"
#include "data-internal.h"

/* Eigenvalues (descending) of a symmetric D x D matrix, computed here with LAPACKE. */
static double *eig_desc(size_t D, const double *A, double *vecs_rows)
{
    double *tmp = malloc(D * D * sizeof *tmp), *w = malloc(D * sizeof *w), *out = malloc(D * sizeof *out);
    memcpy(tmp, A, D * D * sizeof *tmp);
    ck_assert_int_eq(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)D, tmp, (lapack_int)D, w), 0);
    for (size_t j = 0; j < D; j++) {
        out[j] = w[D - 1 - j];
        if (vecs_rows)
            for (size_t i = 0; i < D; i++)
                vecs_rows[j * D + i] = tmp[i * D + (D - 1 - j)];
    }
    free(tmp);
    free(w);
    return out;
}

/* The spiked model with sinusoidal (non-orthogonal) spikes, built by hand. */
static double *explicit_spiked_omega(size_t D, size_t M, double sigma, bool standardise)
{
    double *Om = calloc(D * D, sizeof *Om), *a = malloc(D * sizeof *a), s2 = sigma * sigma;
    for (size_t m = 1; m <= M; m++)
        s2 += pow(pow(2.0, (double)m) + 1.0, 2.0);
    for (size_t m = 1; m <= M; m++) {
        double nrm = 0.0, lam = pow(2.0, (double)m) + 1.0;
        for (size_t i = 0; i < D; i++) {
            a[i] = sin((double)(m + 1) * (double)i / 100.0);
            nrm += a[i] * a[i];
        }
        for (size_t i = 0; i < D; i++)
            for (size_t j = 0; j < D; j++)
                Om[i * D + j] += lam * lam * a[i] * a[j] * (double)D / nrm;
    }
    for (size_t i = 0; i < D; i++)
        Om[i * D + i] += sigma * sigma;
    if (standardise)
        for (size_t i = 0; i < D * D; i++)
            Om[i] /= s2;
    free(a);
    return Om;
}

START_TEST(spiked_spectrum_matches_lapacke)
{
    const size_t D = 300, M = 4;
    for (int stdz = 0; stdz <= 1; stdz++) {
        aedyn_data *d;
        ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, D, M, NULL, 1.0, AEDYN_DATA_SPIKES_SINUSOIDAL,
                                                    NULL, stdz ? AEDYN_DATA_STANDARDISE : 0));
        double *Om = explicit_spiked_omega(D, M, 1.0, stdz);
        double *V = malloc(D * D * sizeof *V);
        double *ref = eig_desc(D, Om, V);
        double *rho = malloc(D * sizeof *rho);
        ck_assert_aedyn_ok(aedyn_data_get_eigenvalues(d, rho));
        for (size_t j = 0; j < D; j++)
            ck_assert_msg(fabs(rho[j] - ref[j]) <= 1e-10 * ref[0], "rho[%zu] = %.15g, LAPACK %.15g",
                          j, rho[j], ref[j]);
        /* groups: M explicit spikes then the bulk complement */
        ck_assert_uint_eq(aedyn_data_get_n_groups(d), M + 1);
        double *e = malloc(D * sizeof *e);
        for (size_t g = 0; g < M; g++) {
            size_t mult, nexp;
            double r;
            ck_assert_aedyn_ok(aedyn_data_get_group(d, g, &r, &mult, &nexp));
            ck_assert_uint_eq(mult, 1);
            ck_assert_uint_eq(nexp, 1);
            ck_assert_aedyn_ok(aedyn_data_get_group_vectors(d, g, e));
            double dot = 0;
            for (size_t i = 0; i < D; i++)
                dot += e[i] * V[g * D + i];
            ck_assert_double_le(fabs(fabs(dot) - 1.0), 1e-9);
        }
        size_t mult, nexp;
        double r;
        ck_assert_aedyn_ok(aedyn_data_get_group(d, M, &r, &mult, &nexp));
        ck_assert_uint_eq(mult, D - M);
        ck_assert_uint_eq(nexp, 0);
        /* trace and covariance */
        double tr = 0;
        for (size_t i = 0; i < D; i++)
            tr += Om[i * D + i];
        ck_assert_double_le(fabs(aedyn_data_get_trace(d) - tr), 1e-10 * tr);
        if (stdz)
            ck_assert_double_le(fabs(tr / D - 1.0), 1e-12);
        double *C = malloc(D * D * sizeof *C);
        ck_assert_aedyn_ok(aedyn_data_get_covariance(d, C));
        for (size_t i = 0; i < D * D; i++)
            ck_assert_double_le(fabs(C[i] - Om[i]), 1e-10 * ref[0]);
        /* PCA errors: (1/2D) sum of the D - m smallest eigenvalues */
        for (size_t m = 0; m <= D; m += (m < 6 ? 1 : 97)) {
            double want = 0, got;
            for (size_t j = m; j < D; j++)
                want += ref[j];
            want /= 2.0 * D;
            ck_assert_aedyn_ok(aedyn_data_pca_error(d, m, &got));
            ck_assert_double_le(fabs(got - want), 1e-11 * (ref[0] + 1.0));
        }
        double got;
        ck_assert_aedyn_ok(aedyn_data_pca_error(d, D, &got));
        ck_assert_double_le(fabs(got), 1e-12);
        free(Om); free(V); free(ref); free(rho); free(e); free(C);
        aedyn_data_destroy(d);
    }
}
END_TEST

/* Empirical covariance of n samples vs Omega, every entry within 5 standard
 * errors sqrt((O_ii O_jj + O_ij^2) / n) (max over <= 55 entries: p < 1e-4). */
/* A batch (BLAS-3 blocks of 64 rows, here 150 rows: two full blocks and a
 * remainder) consumes the same variates as single draws and equals them up
 * to rounding of the mixing products. */
static void check_batch_equals_singles(aedyn_data *d, uint64_t seed)
{
    const size_t D = aedyn_data_get_dim(d), n = 150;
    aedyn_rng *r1, *r2;
    ck_assert_aedyn_ok(aedyn_rng_create(&r1, seed, 5));
    ck_assert_aedyn_ok(aedyn_rng_create(&r2, seed, 5));
    double *X = malloc(n * D * sizeof *X), *Y = malloc(n * D * sizeof *Y);
    ck_assert_aedyn_ok(aedyn_data_sample(d, r1, n, X));
    for (size_t r = 0; r < n; r++)
        ck_assert_aedyn_ok(aedyn_data_sample(d, r2, 1, Y + r * D));
    for (size_t i = 0; i < n * D; i++)
        ck_assert_msg(fabs(X[i] - Y[i]) <= 1e-12 * (1.0 + fabs(Y[i])), "batch %g vs single %g at %zu",
                      X[i], Y[i], i);
    ck_assert(aedyn_rng_u64(r1) == aedyn_rng_u64(r2));
    free(X);
    free(Y);
    aedyn_rng_destroy(r1);
    aedyn_rng_destroy(r2);
}

static void check_sampler(aedyn_data *d, uint64_t seed, size_t n)
{
    check_batch_equals_singles(d, seed);
    const size_t D = aedyn_data_get_dim(d);
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, seed, 0));
    double *X = malloc(1000 * D * sizeof *X), *S = calloc(D * D, sizeof *S), *C = malloc(D * D * sizeof *C);
    for (size_t done = 0; done < n; done += 1000) {
        ck_assert_aedyn_ok(aedyn_data_sample(d, rng, 1000, X));
        for (size_t r = 0; r < 1000; r++)
            for (size_t i = 0; i < D; i++)
                for (size_t j = 0; j <= i; j++)
                    S[i * D + j] += X[r * D + i] * X[r * D + j];
    }
    ck_assert_aedyn_ok(aedyn_data_get_covariance(d, C));
    double worst = 0;
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j <= i; j++) {
            double se = sqrt((C[i * D + i] * C[j * D + j] + C[i * D + j] * C[i * D + j]) / n);
            worst = fmax(worst, fabs(S[i * D + j] / n - C[i * D + j]) / se);
        }
    ck_assert_msg(worst < 5.0, "largest deviation %.2f standard errors", worst);
    free(X); free(S); free(C);
    aedyn_rng_destroy(rng);
}

START_TEST(samplers_match_covariance)
{
    const size_t D = 10;
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 11, 0));
    /* spiked, random spike vectors, raw and standardised */
    const double lam[2] = { 3.0, 1.5 };
    aedyn_data *d;
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, D, 2, lam, 0.7, AEDYN_DATA_SPIKES_RANDOM, rng, 0));
    check_sampler(d, 1, 200000);
    aedyn_data_destroy(d);
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, D, 3, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                                AEDYN_DATA_STANDARDISE));
    check_sampler(d, 2, 200000);
    aedyn_data_destroy(d);
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, D, 2, lam, 0.0, AEDYN_DATA_SPIKES_RANDOM, rng, 0));
    check_batch_equals_singles(d, 7); /* no noise */
    aedyn_data_destroy(d);
    /* a general SPD matrix */
    double Om[D * D], A[D * D];
    for (size_t i = 0; i < D * D; i++)
        A[i] = aedyn_rng_normal(rng);
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) {
            double s = 0;
            for (size_t k = 0; k < D; k++)
                s += A[i * D + k] * A[j * D + k];
            Om[i * D + j] = s / D + (i == j ? 0.1 : 0.0);
        }
    ck_assert_aedyn_ok(aedyn_data_create_gaussian(&d, D, Om));
    double C[D * D];
    ck_assert_aedyn_ok(aedyn_data_get_covariance(d, C));
    for (size_t i = 0; i < D * D; i++)
        ck_assert_double_le(fabs(C[i] - Om[i]), 1e-12);
    check_sampler(d, 3, 200000);
    aedyn_data_destroy(d);
    /* eigenpairs with a bulk: the first 3 eigenvectors of Om, bulk 0.5 */
    double *V = malloc(D * D * sizeof *V), *ref = eig_desc(D, Om, V);
    const double rho[3] = { 2.0, 5.0, 0.1 };
    ck_assert_aedyn_ok(aedyn_data_create_eigen(&d, D, 3, rho, V, 0.5));
    ck_assert_uint_eq(aedyn_data_get_n_groups(d), 4);
    double r0, r3, tr = 0;
    ck_assert_aedyn_ok(aedyn_data_get_group(d, 0, &r0, NULL, NULL));
    ck_assert_aedyn_ok(aedyn_data_get_group(d, 3, &r3, NULL, NULL));
    ck_assert_double_eq(r0, 5.0);
    ck_assert_double_eq(r3, 0.1);
    ck_assert_aedyn_ok(aedyn_data_get_covariance(d, C));
    for (size_t i = 0; i < D; i++)
        tr += C[i * D + i];
    ck_assert_double_le(fabs(tr - (7.1 + 0.5 * 7)), 1e-12);
    ck_assert_double_le(fabs(aedyn_data_get_trace(d) - tr), 1e-12);
    check_sampler(d, 4, 200000);
    aedyn_data_destroy(d);
    free(V); free(ref);
    aedyn_rng_destroy(rng);
}
END_TEST

START_TEST(degenerate_groups)
{
    const size_t D = 6;
    double Id[D * D];
    memset(Id, 0, sizeof Id);
    for (size_t i = 0; i < D; i++)
        Id[i * D + i] = 1.0;
    const double rho[4] = { 2.0, 3.0, 2.0, 3.0 };
    aedyn_data *d;
    ck_assert_aedyn_ok(aedyn_data_create_eigen(&d, D, 4, rho, Id, 1.0));
    ck_assert_uint_eq(aedyn_data_get_n_groups(d), 3);
    size_t mult, nexp;
    double r;
    ck_assert_aedyn_ok(aedyn_data_get_group(d, 0, &r, &mult, &nexp));
    ck_assert(r == 3.0 && mult == 2 && nexp == 2);
    double vecs[2 * D];
    ck_assert_aedyn_ok(aedyn_data_get_group_vectors(d, 0, vecs));
    ck_assert(vecs[1] == 1.0 && vecs[D + 3] == 1.0); /* e_1, e_3 */
    ck_assert_aedyn_ok(aedyn_data_get_group(d, 2, &r, &mult, &nexp));
    ck_assert(r == 1.0 && mult == 2 && nexp == 0);
    aedyn_data_destroy(d);
    /* a full isotropic matrix is one explicit group of multiplicity D */
    ck_assert_aedyn_ok(aedyn_data_create_gaussian(&d, D, Id));
    ck_assert_uint_eq(aedyn_data_get_n_groups(d), 1);
    aedyn_data_destroy(d);
    /* M = D spikes leave no complement; a zero-noise model has a zero bulk */
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, 3, 3, NULL, 0.0, AEDYN_DATA_SPIKES_SINUSOIDAL, NULL, 0));
    ck_assert_uint_eq(aedyn_data_get_n_groups(d), 3);
    aedyn_data_destroy(d);
}
END_TEST

START_TEST(empirical_model)
{
    const size_t D = 8, N = 500;
    aedyn_rng *rng, *copy;
    aedyn_data *src, *emp;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 99, 0));
    ck_assert_aedyn_ok(aedyn_rng_create(&copy, 0, 0));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&src, D, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng, 0));
    ck_assert_aedyn_ok(aedyn_rng_copy(copy, rng));
    ck_assert_aedyn_ok(aedyn_data_create_empirical(&emp, src, rng, N));
    /* the same N samples drawn again give X^T X / N by hand */
    double *X = malloc(N * D * sizeof *X), C[D * D], S[D * D];
    ck_assert_aedyn_ok(aedyn_data_sample(src, copy, N, X));
    for (size_t i = 0; i < D; i++)
        for (size_t j = 0; j < D; j++) {
            S[i * D + j] = 0;
            for (size_t r = 0; r < N; r++)
                S[i * D + j] += X[r * D + i] * X[r * D + j] / N;
        }
    ck_assert_aedyn_ok(aedyn_data_get_covariance(emp, C));
    for (size_t i = 0; i < D * D; i++)
        ck_assert_double_le(fabs(C[i] - S[i]), 1e-10 * fabs(S[0] + 1));
    ck_assert_uint_eq(aedyn_data_get_dim(emp), D);
    free(X);
    aedyn_data_destroy(src);
    aedyn_data_destroy(emp);
    aedyn_rng_destroy(rng);
    aedyn_rng_destroy(copy);
}
END_TEST

START_TEST(quad_form_matches_matrix)
{
    const size_t D = 40, na = 3, nb = 2;
    aedyn_rng *rng;
    aedyn_data *d;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 5, 1));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, D, 3, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng, 0));
    double A[na * D], B[nb * D], C[D * D], out[na * nb];
    aedyn_rng_fill_normal(rng, A, na * D);
    aedyn_rng_fill_normal(rng, B, nb * D);
    ck_assert_aedyn_ok(aedyn_data_get_covariance(d, C));
    ck_assert_aedyn_ok(aedyn__data_quad_form(d, na, A, nb, B, out));
    for (size_t a = 0; a < na; a++)
        for (size_t b = 0; b < nb; b++) {
            double s = 0;
            for (size_t i = 0; i < D; i++)
                for (size_t j = 0; j < D; j++)
                    s += A[a * D + i] * C[i * D + j] * B[b * D + j];
            ck_assert_double_le(fabs(out[a * nb + b] - s), 1e-10 * (fabs(s) + D));
        }
    aedyn_data_destroy(d);
    aedyn_rng_destroy(rng);
}
END_TEST

START_TEST(invalid_input)
{
    aedyn_rng *rng;
    aedyn_data *d = NULL;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 1, 0));
    const double bad_lam[2] = { 3.0, -1.0 }, nan_lam[1] = { NAN };
    ck_assert_aedyn_fails(aedyn_data_create_spiked(NULL, 10, 2, NULL, 1, 0, rng, 0), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 0, 0, NULL, 1, 0, rng, 0), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 3, 4, NULL, 1, 0, rng, 0), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 2, NULL, NAN, 0, rng, 0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 2, NULL, -1, 0, rng, 0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 2, bad_lam, 1, 0, rng, 0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 1, nan_lam, 1, 0, rng, 0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 2, NULL, 1, (aedyn_data_spikes)7, rng, 0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 2, NULL, 1, AEDYN_DATA_SPIKES_RANDOM, NULL, 0), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 2, NULL, 1, 0, rng, 0x80), AEDYN_ERR_INVALID);
    ck_assert_ptr_null(d);

    double nonpsd[4] = { 1.0, 2.0, 2.0, 1.0 }, asym[4] = { 1.0, 0.5, 0.0, 1.0 }, nanm[4] = { 1, NAN, NAN, 1 };
    ck_assert_aedyn_fails(aedyn_data_create_gaussian(&d, 2, nonpsd), AEDYN_ERR_NOT_PSD);
    ck_assert_aedyn_fails(aedyn_data_create_gaussian(&d, 2, asym), AEDYN_ERR_NOT_PSD);
    ck_assert_aedyn_fails(aedyn_data_create_gaussian(&d, 2, nanm), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_gaussian(&d, 0, nonpsd), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_data_create_gaussian(&d, 2, NULL), AEDYN_ERR_NULL);
    ck_assert_ptr_null(d);

    double e2[4] = { 1, 0, 0, 1 }, notorth[4] = { 1, 0, 1, 0 }, rho2[2] = { 1, 2 }, negrho[2] = { 1, -2 };
    ck_assert_aedyn_fails(aedyn_data_create_eigen(&d, 2, 3, rho2, e2, 0), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_data_create_eigen(&d, 2, 2, rho2, notorth, 0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_eigen(&d, 2, 2, negrho, e2, 0), AEDYN_ERR_NOT_PSD);
    ck_assert_aedyn_fails(aedyn_data_create_eigen(&d, 2, 1, rho2, e2, -1.0), AEDYN_ERR_NOT_PSD);
    ck_assert_aedyn_fails(aedyn_data_create_eigen(&d, 2, 1, rho2, e2, NAN), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_eigen(&d, 2, 1, NULL, e2, 1), AEDYN_ERR_NULL);
    ck_assert_ptr_null(d);

    /* queries on a valid model */
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, 10, 2, NULL, 1, AEDYN_DATA_SPIKES_SINUSOIDAL, NULL, 0));
    double x[10], err;
    ck_assert_aedyn_fails(aedyn_data_get_group(d, 3, NULL, NULL, NULL), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_data_get_group(NULL, 0, NULL, NULL, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_get_group_vectors(d, 0, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_pca_error(d, 11, &err), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_data_pca_error(d, 1, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_sample(d, NULL, 1, x), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_sample(d, rng, 1, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_sample(NULL, rng, 1, x), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_get_eigenvalues(d, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_get_covariance(d, NULL), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_data_create_empirical(&d, d, rng, 0), AEDYN_ERR_SIZE);
    ck_assert_uint_eq(aedyn_data_get_dim(NULL), 0);
    ck_assert(isnan(aedyn_data_get_trace(NULL)));
    /* the model still works after the failed calls */
    ck_assert_aedyn_ok(aedyn_data_sample(d, rng, 1, x));
    ck_assert(aedyn__all_finite(x, 10));
    aedyn_data_destroy(d);
    aedyn_data_destroy(NULL);
    aedyn_rng_destroy(rng);
}
END_TEST

/* Values whose model would be degenerate (a zero covariance, or variances
 * whose squares overflow) are refused with a message naming them, instead of
 * an all-zero model whose every error is 0 (0.1 accepted them). */
START_TEST(degenerate_models_refused)
{
    aedyn_rng *rng;
    aedyn_data *d = NULL;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 1, 0));
    const double huge2[2] = { 1e308, 1e308 }, huge1[1] = { 1e200 }, tiny[1] = { 1e-170 };
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 2, NULL, 1e300, 0, rng, 0),
                          AEDYN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "sigma"));
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 2, NULL, 1e300, 0, rng,
                                                   AEDYN_DATA_STANDARDISE), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 2, huge2, 1, 0, rng, 0),
                          AEDYN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "lambda[0]"));
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 1, huge1, 1, 0, rng,
                                                   AEDYN_DATA_STANDARDISE), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 1, tiny, 0, 0, rng, 0),
                          AEDYN_ERR_INVALID); /* Lambda^2 underflows to 0 */
    ck_assert_aedyn_fails(aedyn_data_create_spiked(&d, 10, 0, NULL, 0, 0, rng, 0),
                          AEDYN_ERR_INVALID);
    const double zero4[4] = { 0 }, e2[4] = { 1, 0, 0, 1 }, rho0[2] = { 0, 0 };
    ck_assert_aedyn_fails(aedyn_data_create_gaussian(&d, 2, zero4), AEDYN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "trace"));
    ck_assert_aedyn_fails(aedyn_data_create_eigen(&d, 2, 2, rho0, e2, 0), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_eigen(&d, 3, 0, NULL, NULL, 0), AEDYN_ERR_INVALID);
    const double big[4] = { 1e308, 0, 0, 1e308 }, bigrho[2] = { 1e308, 1e308 };
    ck_assert_aedyn_fails(aedyn_data_create_gaussian(&d, 2, big), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_data_create_eigen(&d, 2, 2, bigrho, e2, 0), AEDYN_ERR_INVALID);
    ck_assert_ptr_null(d);
    /* the edge that is fine: sigma = 0 with spikes, a covariance with zero eigenvalues */
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, 10, 1, NULL, 0, 0, rng, 0));
    ck_assert_double_eq_tol(aedyn_data_get_trace(d), 9.0 * 10.0, 1e-9);
    aedyn_data_destroy(d);
    aedyn_rng_destroy(rng);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("data");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, spiked_spectrum_matches_lapacke);
    tcase_add_test(tc, samplers_match_covariance);
    tcase_add_test(tc, degenerate_groups);
    tcase_add_test(tc, empirical_model);
    tcase_add_test(tc, quad_form_matches_matrix);
    tcase_add_test(tc, invalid_input);
    tcase_add_test(tc, degenerate_models_refused);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
