/* Online SGD of a 2-unit erf autoencoder on the spiked model: the test error
 * E[(1/2D)|x - xhat|^2] falls in plateaus towards the PCA errors pca(1), pca(2). */
#include <stdio.h>
#include <stdlib.h>
#include <aedyn.h>

static void check(aedyn_status status, const char *what)
{
    if (status == AEDYN_OK)
        return;
    fprintf(stderr, "%s: %s: %s\n", what, aedyn_strerror(status), aedyn_error_message());
    exit(EXIT_FAILURE);
}

int main(void)
{
    const size_t D = 500, K = 2, M = 2;
    aedyn_rng *rng; aedyn_data *data; aedyn_net *net; aedyn_sgd *sgd;
    double err, pca1, pca2;

    check(aedyn_rng_create(&rng, 42, 0), "rng");
    check(aedyn_data_create_spiked(&data, D, M, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, rng,
                                   AEDYN_DATA_STANDARDISE), "data");
    check(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, 0), "net");
    check(aedyn_net_init_gaussian(net, rng, 0.1), "init");
    check(aedyn_sgd_create(&sgd, net, data, rng, AEDYN_SGD_VANILLA, 0.5), "sgd");
    check(aedyn_data_pca_error(data, 1, &pca1), "pca(1)");
    check(aedyn_data_pca_error(data, 2, &pca2), "pca(2)");
    printf("%7s %9s %9s %9s\n", "t", "error", "pca(1)", "pca(2)");
    for (int chunk = 0; chunk <= 20; chunk++) { /* every 5 units of time t = steps/D */
        if (chunk > 0)
            check(aedyn_sgd_step(sgd, 5 * D), "step");
        check(aedyn_net_error(net, data, &err), "error");
        printf("%7.1f %9.5f %9.5f %9.5f\n", aedyn_sgd_get_time(sgd), err, pca1, pca2);
    }
    aedyn_sgd_destroy(sgd); aedyn_net_destroy(net);
    aedyn_data_destroy(data); aedyn_rng_destroy(rng);
    return 0;
}
