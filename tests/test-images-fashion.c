/* Gaussian universality on Fashion-MNIST (docs/theory.md sections 7 and 8): the
 * ODE integrated on the empirical spectrum of the training images predicts
 * online SGD on the real images (test error on the held-out images) and on
 * the Gaussian-equivalent samples (population error), erf, K = 4, within 10 %
 * relative over t in [1, 50].
 *
 * Needs the Debian package dataset-fashion-mnist (files under
 * /usr/share/datasets/fashion-mnist, or the directory in $AEDYN_FASHION_MNIST);
 * skipped (exit 77) with a message when it is absent. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

static char train_path[4096], test_path[4096];

START_TEST(ode_predicts_sgd_on_fashion_mnist)
{
    const size_t K = 4;
    const double lr = 1.0, sigma0 = 0.1;
    aedyn_images *train, *test;
    ck_assert_aedyn_ok(aedyn_images_load_idx(&train, train_path, 0, 0));
    ck_assert_aedyn_ok(aedyn_images_load_idx(&test, test_path, 0, 0));
    const size_t D = aedyn_images_get_dim(train);
    ck_assert_uint_eq(D, 784);
    ck_assert_uint_eq(aedyn_images_get_n_images(train), 60000);
    ck_assert_uint_eq(aedyn_images_get_n_images(test), 10000);
    ck_assert_aedyn_ok(aedyn_images_preprocess(train, AEDYN_IMAGES_PAPER, 0.0));
    ck_assert_aedyn_ok(aedyn_images_preprocess_like(test, train));
    aedyn_data *real, *gauss;
    ck_assert_aedyn_ok(aedyn_data_create_images(&real, train, AEDYN_IMAGES_SAMPLE_REAL));
    ck_assert_aedyn_ok(aedyn_data_create_images(&gauss, train, AEDYN_IMAGES_SAMPLE_GAUSSIAN));
    double rho0, pca0, pcaK;
    ck_assert_aedyn_ok(aedyn_data_get_group(real, 0, &rho0, NULL, NULL));
    ck_assert_aedyn_ok(aedyn_data_pca_error(real, 0, &pca0));
    ck_assert_aedyn_ok(aedyn_data_pca_error(real, K, &pcaK));
    printf("Fashion-MNIST: D = %zu, Tr Omega/D = %.4f, rho_max/D = %.4f, eps_PCA(0) = %.4f, "
           "eps_PCA(%zu) = %.4f\n", D, aedyn_data_get_trace(real) / (double)D, rho0 / (double)D, pca0,
           K, pcaK);

    /* one initial network for the ODE and both SGD runs */
    aedyn_rng *rng_init, *rng_real, *rng_gauss;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng_init, 2022, 0));
    ck_assert_aedyn_ok(aedyn_rng_create(&rng_real, 2022, 1));
    ck_assert_aedyn_ok(aedyn_rng_create(&rng_gauss, 2022, 2));
    aedyn_net *net_real, *net_gauss;
    ck_assert_aedyn_ok(aedyn_net_create(&net_real, D, K, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_create(&net_gauss, D, K, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net_real, rng_init, sigma0));
    double *W = malloc(K * D * sizeof *W), *V = malloc(K * D * sizeof *V);
    ck_assert_aedyn_ok(aedyn_net_get_weights(net_real, W, V, NULL));
    ck_assert_aedyn_ok(aedyn_net_set_weights(net_gauss, W, V, NULL));
    aedyn_ode *ode;
    ck_assert_aedyn_ok(aedyn_ode_create(&ode, net_real, real, AEDYN_SGD_VANILLA, lr));
    ck_assert_uint_eq(aedyn_ode_get_n_modes(ode), D);
    aedyn_sgd *sgd_real, *sgd_gauss;
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd_real, net_real, real, rng_real, AEDYN_SGD_VANILLA, lr));
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd_gauss, net_gauss, gauss, rng_gauss, AEDYN_SGD_VANILLA,
                                        lr));

    const double times[] = { 1, 2, 3, 5, 7, 10, 15, 20, 25, 30, 35, 40, 45, 50 };
    double worst_real = 0, worst_gauss = 0, e_start;
    ck_assert_aedyn_ok(aedyn_ode_error(ode, &e_start));
    printf("error = E[(1/2D)|x - xhat|^2]; SGD on real images: test error on the 10000 held-out "
           "images; SGD on Gaussian samples: population error\n");
    printf("%6s %10s %10s %10s %9s %9s\n", "t", "ODE", "SGD-real", "SGD-gauss", "dev-real",
           "dev-gauss");
    printf("%6.1f %10.5f\n", 0.0, e_start);
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        const uint64_t steps = (uint64_t)llround(times[i] * (double)D);
        ck_assert_aedyn_ok(aedyn_sgd_step(sgd_real, steps - aedyn_sgd_get_n_steps(sgd_real)));
        ck_assert_aedyn_ok(aedyn_sgd_step(sgd_gauss, steps - aedyn_sgd_get_n_steps(sgd_gauss)));
        ck_assert_aedyn_ok(aedyn_ode_advance(ode, times[i]));
        double e_ode, e_real, e_gauss;
        ck_assert_aedyn_ok(aedyn_ode_error(ode, &e_ode));
        ck_assert_aedyn_ok(aedyn_net_error_images(net_real, test, &e_real, NULL));
        ck_assert_aedyn_ok(aedyn_net_error(net_gauss, gauss, &e_gauss));
        const double dr = fabs(e_real - e_ode) / e_ode, dg = fabs(e_gauss - e_ode) / e_ode;
        worst_real = fmax(worst_real, dr);
        worst_gauss = fmax(worst_gauss, dg);
        printf("%6.1f %10.5f %10.5f %10.5f %8.2f%% %8.2f%%\n", times[i], e_ode, e_real, e_gauss,
               100 * dr, 100 * dg);
    }
    double e_end;
    ck_assert_aedyn_ok(aedyn_ode_error(ode, &e_end));
    printf("max relative deviation from the ODE over t in [1, 50]: real images %.2f %%, "
           "Gaussian-equivalent %.2f %% (error %.4f -> %.4f; eps_PCA(%zu) = %.4f)\n",
           100 * worst_real, 100 * worst_gauss, e_start, e_end, K, pcaK);
    ck_assert_msg(e_end < 0.75 * e_start, "the error hardly moved: %.4f -> %.4f", e_start, e_end);
    /* the default (automatic) method finds the image spectrum not stiff: it
     * stays with DOPRI5 (docs/ode.md) */
    aedyn_ode_method method;
    uint64_t switches;
    ck_assert_aedyn_ok(aedyn_ode_get_method(ode, &method, NULL));
    ck_assert_aedyn_ok(aedyn_ode_get_stat(ode, AEDYN_ODE_STAT_SWITCHES, &switches));
    ck_assert_int_eq(method, AEDYN_ODE_AUTO);
    ck_assert_uint_eq(switches, 0);
    ck_assert_msg(worst_real < 0.10, "real images deviate by %.2f %%", 100 * worst_real);
    ck_assert_msg(worst_gauss < 0.10, "Gaussian samples deviate by %.2f %%", 100 * worst_gauss);

    aedyn_sgd_destroy(sgd_real);
    aedyn_sgd_destroy(sgd_gauss);
    aedyn_ode_destroy(ode);
    aedyn_net_destroy(net_real);
    aedyn_net_destroy(net_gauss);
    aedyn_rng_destroy(rng_init);
    aedyn_rng_destroy(rng_real);
    aedyn_rng_destroy(rng_gauss);
    aedyn_data_destroy(real);
    aedyn_data_destroy(gauss);
    aedyn_images_destroy(train);
    aedyn_images_destroy(test);
    free(W);
    free(V);
}
END_TEST

/* The denoising error of a network on held-out images: each image x gets
 * one fresh noise draw, xtilde = a x + sigma_n xi, and the loss of the
 * reconstruction of xtilde against x is averaged over the set (its standard
 * error over 10000 images is ~0.5 % of the mean here). */
static double heldout_denoising_error(const aedyn_net *net, const aedyn_images *imgs, double a,
                                      double sn, aedyn_rng *rng)
{
    const size_t D = aedyn_images_get_dim(imgs), n = aedyn_images_get_n_images(imgs), B = 500;
    double *X = malloc(B * D * sizeof *X), *Xt = malloc(B * D * sizeof *Xt),
           *Xh = malloc(B * D * sizeof *Xh), sum = 0.0;
    for (size_t first = 0; first < n; first += B) {
        const size_t m = n - first < B ? n - first : B;
        ck_assert_aedyn_ok(aedyn_images_get_images(imgs, first, m, X));
        ck_assert_aedyn_ok(aedyn_rng_fill_normal(rng, Xt, m * D));
        for (size_t i = 0; i < m * D; i++)
            Xt[i] = a * X[i] + sn * Xt[i];
        ck_assert_aedyn_ok(aedyn_net_reconstruct(net, m, Xt, Xh));
        for (size_t i = 0; i < m * D; i++)
            sum += (X[i] - Xh[i]) * (X[i] - Xh[i]);
    }
    free(X);
    free(Xt);
    free(Xh);
    return sum / (2.0 * (double)D * (double)n);
}

/* Denoising autoencoder on the real images: sigma_n = 0.5 additive noise,
 * trained skip, erf, K = 4. The ODE on the training images' spectrum
 * (noise isotropic: the modes are those of the clean images) predicts SGD on
 * the real images (held-out denoising error) within 10 % over t in [1, 30],
 * as for the plain autoencoder above. */
START_TEST(denoising_on_fashion_mnist)
{
    const size_t K = 4;
    const double sn = 0.5;
    aedyn_images *train, *test;
    ck_assert_aedyn_ok(aedyn_images_load_idx(&train, train_path, 0, 0));
    ck_assert_aedyn_ok(aedyn_images_load_idx(&test, test_path, 0, 0));
    ck_assert_aedyn_ok(aedyn_images_preprocess(train, AEDYN_IMAGES_PAPER, 0.0));
    ck_assert_aedyn_ok(aedyn_images_preprocess_like(test, train));
    const size_t D = aedyn_images_get_dim(train);
    aedyn_data *real;
    ck_assert_aedyn_ok(aedyn_data_create_images(&real, train, AEDYN_IMAGES_SAMPLE_REAL));
    aedyn_rng *rng, *rng_eval;
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, 2023, 0));
    ck_assert_aedyn_ok(aedyn_rng_create(&rng_eval, 2023, 1));
    aedyn_net *net;
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, AEDYN_NET_SKIP));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, 0.1));
    aedyn_sgd *sgd;
    aedyn_ode *ode;
    ck_assert_aedyn_ok(aedyn_sgd_create(&sgd, net, real, rng, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_sgd_set_denoising(sgd, 1.0, sn));
    ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&ode, sgd));
    const double times[] = { 1, 2, 3, 5, 7, 10, 15, 20, 25, 30 };
    double worst = 0.0, e0, c;
    ck_assert_aedyn_ok(aedyn_ode_error(ode, &e0));
    printf("denoising (sigma_n = %g, trained skip) on Fashion-MNIST: t = 0: ODE %.5f\n", sn, e0);
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        const uint64_t steps = (uint64_t)llround(times[i] * (double)D);
        ck_assert_aedyn_ok(aedyn_sgd_step(sgd, steps - aedyn_sgd_get_n_steps(sgd)));
        ck_assert_aedyn_ok(aedyn_ode_advance(ode, times[i]));
        double e_ode, e_real;
        ck_assert_aedyn_ok(aedyn_ode_error(ode, &e_ode));
        e_real = heldout_denoising_error(net, test, 1.0, sn, rng_eval);
        ck_assert_aedyn_ok(aedyn_ode_get_skip(ode, &c));
        const double dev = fabs(e_real - e_ode) / e_ode;
        worst = fmax(worst, dev);
        printf("%6.1f ODE %.5f SGD-real %.5f (%.2f %%), skip ODE %.4f\n", times[i], e_ode,
               e_real, 100 * dev, c);
    }
    double e_end;
    ck_assert_aedyn_ok(aedyn_ode_error(ode, &e_end));
    printf("max relative deviation over t in [1, 30]: %.2f %%\n", 100 * worst);
    ck_assert_msg(e_end < 0.75 * e0, "the error hardly moved: %.4f -> %.4f", e0, e_end);
    ck_assert_msg(worst < 0.10, "real images deviate by %.2f %%", 100 * worst);
    aedyn_ode_destroy(ode);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_rng_destroy(rng);
    aedyn_rng_destroy(rng_eval);
    aedyn_data_destroy(real);
    aedyn_images_destroy(train);
    aedyn_images_destroy(test);
}
END_TEST

int main(void)
{
    const char *dir = getenv("AEDYN_FASHION_MNIST");
    if (!dir || !*dir)
        dir = "/usr/share/datasets/fashion-mnist";
    snprintf(train_path, sizeof train_path, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(test_path, sizeof test_path, "%s/t10k-images-idx3-ubyte.gz", dir);
    if (access(train_path, R_OK) != 0 || access(test_path, R_OK) != 0) {
        printf("SKIP: Fashion-MNIST not found (%s, %s); install the Debian package "
               "dataset-fashion-mnist or set AEDYN_FASHION_MNIST to its directory\n", train_path,
               test_path);
        return 77;
    }
    Suite *s = suite_create("images-fashion");
    TCase *tc = tcase_create("universality");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, ode_predicts_sgd_on_fashion_mnist);
    tcase_add_test(tc, denoising_on_fashion_mnist);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
