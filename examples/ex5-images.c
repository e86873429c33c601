/* Example 5 (docs/theory.md sections 7 and 8): real images and Gaussian
 * universality.
 *
 * An erf AE (K = 4) is trained by online SGD on real images drawn with
 * replacement from a training set (Fashion-MNIST by default, or CIFAR-10
 * binary batches with --cifar), preprocessed as in the paper (global mean 0,
 * global std 0.5). The ODE is integrated on the spectrum of the empirical
 * second-moment matrix of the training images (one mode per eigenvalue),
 * from the same initial weights. The ODE predicts the SGD test error on
 * held-out images.
 *
 * Data: Fashion-MNIST from the Debian package dataset-fashion-mnist
 * (/usr/share/datasets/fashion-mnist, or --fashion DIR, or the directory in
 * $AEDYN_FASHION_MNIST); CIFAR-10: --cifar FILE... with data_batch_*.bin
 * (training) and test_batch.bin (held out; without it the last 10 % of the
 * training images are held out). Exits 77 (skip) when the files are absent.
 *
 * Output: PREFIX.csv, PREFIX.svg (gnuplot). Checked (exit 1 if not): SGD
 * test error and ODE error agree within --tol (10 %) at every logged time,
 * and the error falls by at least 10 %. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ex-util.h"

#define MAXK 16
#define MAXFILES 64

typedef struct {
    const char *files[MAXFILES];
    size_t n;
    bool collecting; /* positional arguments after --cifar are CIFAR files */
    bool overflow;
} cifar_args;

static void positional(const char *arg, void *user)
{
    cifar_args *c = user;
    if (!c->collecting) {
        fprintf(stderr, "unexpected argument '%s' (CIFAR files go after --cifar)\n", arg);
        exit(2);
    }
    if (c->n < MAXFILES)
        c->files[c->n++] = arg;
    else
        c->overflow = true;
}

static bool readable(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fclose(f);
    return true;
}

static bool is_test_batch(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strncmp(base, "test_batch", 10) == 0;
}

/* Concatenate images [0, count) of several sets (all rows x cols) into one. */
static aedyn_images *concat(aedyn_images **sets, size_t n, size_t skip_last)
{
    size_t total = 0, rows = 0, cols = 0;
    for (size_t i = 0; i < n; i++)
        total += aedyn_images_get_n_images(sets[i]);
    ex_check(aedyn_images_get_shape(sets[0], &rows, &cols), "image shape");
    total -= skip_last;
    const size_t D = rows * cols;
    double *X = ex_alloc(total * D, sizeof *X);
    size_t at = 0;
    for (size_t i = 0; i < n && at < total; i++) {
        size_t c = aedyn_images_get_n_images(sets[i]);
        if (c > total - at)
            c = total - at;
        ex_check(aedyn_images_get_images(sets[i], 0, c, X + at * D), "copy images");
        at += c;
    }
    aedyn_images *out;
    ex_check(aedyn_images_create(&out, total, rows, cols, X), "combine images");
    free(X);
    return out;
}

int main(int argc, char **argv)
{
    size_t K = 4, ntrain = 0, ntest = 0, per_decade = 12;
    double eta = 1.0, tmax = 300.0, sigma0 = 0.1, tol = 0.10;
    uint64_t seed = 2022;
    const char *out = "ex5-images", *fashion = NULL;
    bool quick = false, no_plot = false, cifar_flag = false;
    cifar_args cifar = {{0}, 0, false, false};
    const ex_opt opts[] = {
        {"out", EX_OPT_STRING, &out, "output prefix (PREFIX.csv, PREFIX.gp, PREFIX.svg)"},
        {"quick", EX_OPT_FLAG, &quick,
         "small fast run (10000 training, 2000 test images, t <= 60) for the tests"},
        {"fashion", EX_OPT_STRING, &fashion,
         "Fashion-MNIST directory (default $AEDYN_FASHION_MNIST or "
         "/usr/share/datasets/fashion-mnist)"},
        {"cifar", EX_OPT_FLAG, &cifar_flag,
         "use the CIFAR-10 binary files that follow (data_batch_*.bin, test_batch.bin)"},
        {"ntrain", EX_OPT_SIZE, &ntrain, "training images to use, 0 = all (default 0)"},
        {"ntest", EX_OPT_SIZE, &ntest, "held-out images to use, 0 = all (default 0)"},
        {"K", EX_OPT_SIZE, &K, "hidden units (default 4)"},
        {"tmax", EX_OPT_DOUBLE, &tmax, "last time t = steps/D (default 300)"},
        {"eta", EX_OPT_DOUBLE, &eta, "learning rate (default 1.0)"},
        {"sigma0", EX_OPT_DOUBLE, &sigma0, "initial weight std (default 0.1)"},
        {"seed", EX_OPT_U64, &seed, "random seed (default 2022)"},
        {"tol", EX_OPT_DOUBLE, &tol, "allowed max relative ODE-SGD error deviation (default 0.10)"},
        {"no-plot", EX_OPT_FLAG, &no_plot, "do not run gnuplot"},
    };
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0) {
            ntrain = 10000;
            ntest = 2000;
            tmax = 60.0;
        }
    /* everything after --cifar that is not an option is a CIFAR file */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--cifar") == 0)
            cifar.collecting = true;
    ex_parse(argc, argv, "erf AE on real images (Fashion-MNIST or CIFAR-10): SGD vs the ODE on "
                         "the empirical spectrum.", opts, sizeof opts / sizeof opts[0],
             positional, &cifar);
    if (K < 1 || K > MAXK || !(tmax >= 1.0) || !(eta > 0) || !(tol > 0)) {
        fprintf(stderr, "invalid parameters (need 1 <= K <= %d, tmax >= 1, eta > 0)\n", MAXK);
        return 2;
    }
    if (cifar.overflow) {
        fprintf(stderr, "at most %d CIFAR files\n", MAXFILES);
        return 2;
    }

    aedyn_images *train = NULL, *test = NULL;
    char name[64];
    if (cifar_flag) {
        if (cifar.n == 0) {
            fprintf(stderr, "--cifar needs at least one file (data_batch_1.bin ...)\n");
            return 2;
        }
        aedyn_images *tr[MAXFILES], *te[MAXFILES];
        size_t ntr = 0, nte = 0;
        for (size_t i = 0; i < cifar.n; i++) {
            if (!readable(cifar.files[i])) {
                printf("SKIP: cannot read the CIFAR-10 file %s\n", cifar.files[i]);
                return 77;
            }
            aedyn_images **dst = is_test_batch(cifar.files[i]) ? &te[nte++] : &tr[ntr++];
            ex_check(aedyn_images_load_cifar10(dst, cifar.files[i], 0, 0), cifar.files[i]);
        }
        if (ntr == 0) {
            fprintf(stderr, "--cifar: no training batch given (only test_batch files)\n");
            return 2;
        }
        size_t total = 0;
        for (size_t i = 0; i < ntr; i++)
            total += aedyn_images_get_n_images(tr[i]);
        if (nte == 0) { /* hold out the last 10 % of the training images */
            const size_t hold = total / 10 ? total / 10 : 1;
            if (total < 2) {
                fprintf(stderr, "--cifar: need at least 2 images to hold some out\n");
                return 2;
            }
            aedyn_images *all = concat(tr, ntr, 0);
            double *X = ex_alloc(hold * 1024, sizeof *X);
            ex_check(aedyn_images_get_images(all, total - hold, hold, X), "held-out images");
            ex_check(aedyn_images_create(&test, hold, 32, 32, X), "held-out set");
            free(X);
            aedyn_images_destroy(all);
            train = concat(tr, ntr, hold);
        } else {
            train = concat(tr, ntr, 0);
            test = concat(te, nte, 0);
        }
        for (size_t i = 0; i < ntr; i++)
            aedyn_images_destroy(tr[i]);
        for (size_t i = 0; i < nte; i++)
            aedyn_images_destroy(te[i]);
        snprintf(name, sizeof name, "CIFAR-10 (grayscale)");
    } else {
        if (!fashion || !*fashion)
            fashion = getenv("AEDYN_FASHION_MNIST");
        if (!fashion || !*fashion)
            fashion = "/usr/share/datasets/fashion-mnist";
        char trp[4096], tep[4096];
        snprintf(trp, sizeof trp, "%s/train-images-idx3-ubyte.gz", fashion);
        snprintf(tep, sizeof tep, "%s/t10k-images-idx3-ubyte.gz", fashion);
        if (!readable(trp) || !readable(tep)) {
            printf("SKIP: Fashion-MNIST not found (%s, %s); install the Debian package "
                   "dataset-fashion-mnist, pass --fashion DIR, or use --cifar FILE...\n", trp,
                   tep);
            return 77;
        }
        ex_check(aedyn_images_load_idx(&train, trp, 0, ntrain), trp);
        ex_check(aedyn_images_load_idx(&test, tep, 0, ntest), tep);
        snprintf(name, sizeof name, "Fashion-MNIST");
    }
    if (cifar_flag && (ntrain || ntest)) { /* restrict after loading */
        const size_t D0 = aedyn_images_get_dim(train);
        for (int s = 0; s < 2; s++) {
            aedyn_images **set = s ? &test : &train;
            const size_t want = s ? ntest : ntrain;
            if (want == 0 || want >= aedyn_images_get_n_images(*set))
                continue;
            double *X = ex_alloc(want * D0, sizeof *X);
            ex_check(aedyn_images_get_images(*set, 0, want, X), "subset");
            aedyn_images_destroy(*set);
            ex_check(aedyn_images_create(set, want, 32, 32, X), "subset");
            free(X);
        }
    }
    ex_check(aedyn_images_preprocess(train, AEDYN_IMAGES_PAPER, 0.0), "preprocess");
    ex_check(aedyn_images_preprocess_like(test, train), "preprocess held-out set");
    const size_t D = aedyn_images_get_dim(train);
    if (K > D) {
        fprintf(stderr, "K = %zu > D = %zu\n", K, D);
        return 2;
    }
    aedyn_data *data;
    ex_check(aedyn_data_create_images(&data, train, AEDYN_IMAGES_SAMPLE_REAL), "empirical spectrum");
    double rho0, pca0, pcaK;
    ex_check(aedyn_data_get_group(data, 0, &rho0, NULL, NULL), "spectrum");
    ex_check(aedyn_data_pca_error(data, 0, &pca0), "pca error");
    ex_check(aedyn_data_pca_error(data, K, &pcaK), "pca error");

    aedyn_rng *rng_init, *rng_sgd;
    ex_check(aedyn_rng_create(&rng_init, seed, 0), "rng");
    ex_check(aedyn_rng_create(&rng_sgd, seed, 1), "rng");
    aedyn_net *net;
    ex_check(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, 0), "network");
    ex_check(aedyn_net_init_gaussian(net, rng_init, sigma0), "init");
    aedyn_sgd *sgd;
    ex_check(aedyn_sgd_create(&sgd, net, data, rng_sgd, AEDYN_SGD_VANILLA, eta), "sgd");
    aedyn_ode *ode;
    ex_check(aedyn_ode_create_from_sgd(&ode, sgd), "ode");
    ex_check(aedyn_ode_set_method(ode, AEDYN_ODE_DOPRI5, 0.0), "ode method");
    ex_check(aedyn_ode_set_tolerances(ode, 1e-8, 1e-10), "ode tolerances");

    printf("%s: %zu training and %zu held-out images, D = %zu, paper preprocessing; "
           "Tr Omega/D = %.4f, rho_max/D = %.4f; ODE on %zu modes\n", name,
           aedyn_images_get_n_images(train), aedyn_images_get_n_images(test), D,
           aedyn_data_get_trace(data) / (double)D, rho0 / (double)D, aedyn_ode_get_n_modes(ode));
    printf("erf AE, K = %zu, eta = %g, sigma0 = %g, seed %llu; eps_PCA(0) = %.5f, eps_PCA(%zu) = "
           "%.5f\n", K, eta, sigma0, (unsigned long long)seed, pca0, K, pcaK);
    printf("error = E[(1/2D)|x - xhat|^2]: SGD = mean over the held-out images; SGD-pop = the SGD "
           "network's error on Omega_hat; ODE = prediction on Omega_hat\n");

    FILE *csv = ex_csv_open(out, ".csv", "t,err_sgd_test,err_sgd_pop,err_ode,pca_K");
    /* output times: t = 0, then log-spaced times from 0.1 to tmax on whole steps */
    const size_t n_log = (size_t)(per_decade * log10(tmax / 0.1)) + 1;
    uint64_t *steps = ex_alloc(n_log + 1, sizeof *steps);
    double *times = ex_alloc(n_log + 1, sizeof *times);
    size_t nt;
    ex_check(aedyn_grid_log(0.1, tmax, n_log, D, AEDYN_GRID_ZERO, steps, times, &nt),
             "output times");
    double worst = 0.0, t_worst = 0.0, e_first = 0.0, e_last = 0.0;
    printf("%8s %10s %10s %10s %10s %7s\n", "t", "SGD", "SGD-pop", "ODE", "eps_PCA(K)", "dev");
    for (size_t n = 0; n < nt; n++) {
        const uint64_t target = steps[n];
        ex_check(aedyn_sgd_step(sgd, target - aedyn_sgd_get_n_steps(sgd)), "sgd step");
        ex_check(aedyn_ode_advance(ode, aedyn_sgd_get_time(sgd)), "ode advance");
        double es, ep, eo;
        ex_check(aedyn_net_error_images(net, test, &es, NULL), "test error");
        ex_check(aedyn_net_error(net, data, &ep), "population error");
        ex_check(aedyn_ode_error(ode, &eo), "ode error");
        const double dev = ex_reldev(es, eo);
        if (dev > worst) {
            worst = dev;
            t_worst = times[n];
        }
        if (n == 0)
            e_first = eo;
        e_last = eo;
        const double row[5] = {times[n], es, ep, eo, pcaK};
        ex_csv_row(csv, 5, row);
        if (n % 4 == 0 || n == nt - 1)
            printf("%8.2f %10.5f %10.5f %10.5f %10.5f %6.2f%%\n", times[n], es, ep, eo, pcaK,
                   100 * dev);
    }
    ex_csv_close(csv);

    int fail = 0;
    printf("\nmax |SGD test - ODE| / ODE over the %zu logged times: %.2f %% (at t = %g); "
           "allowed %.0f %%\n", nt, 100 * worst, t_worst, 100 * tol);
    printf("ODE error %.5f -> %.5f (%.1f %% lower); eps_PCA(%zu) = %.5f\n", e_first, e_last,
           100 * (1 - e_last / e_first), K, pcaK);
    if (!(worst <= tol)) {
        printf("FAIL: the ODE does not predict SGD on the real images within %.0f %%\n",
               100 * tol);
        fail = 1;
    }
    if (!(e_last < 0.9 * e_first)) {
        printf("FAIL: the error hardly moved, the comparison says little\n");
        fail = 1;
    }
    printf("%s\n", fail ? "RESULT: FAIL" : "RESULT: OK (the ODE on the empirical spectrum "
                                           "predicts SGD on the real images)");

    FILE *gp = ex_plot_begin(out, !no_plot, 800, 500);
    if (gp) {
        fprintf(gp, "set logscale x\nset xrange [0.1:%g]\nset xlabel 't = steps / D'\n"
                    "set ylabel 'error E[(1/2D)|x - xhat|^2]'\nset key top right\n"
                    "set title '%s, erf AE K = %zu, eta = %g: SGD on real images vs ODE on the "
                    "empirical spectrum'\n", tmax, name, K, eta);
        fprintf(gp, "plot csv u 1:2 w p pt 7 ps 0.6 lc rgb '#1f77b4' t 'SGD, held-out "
                    "images', '' u 1:4 w l lw 2 lc rgb '#000000' t 'ODE', "
                    "'' u 1:5 w l dt 2 lc rgb '#888888' t 'eps_PCA(K)'\n");
    }
    ex_plot_end(gp, out);

    aedyn_ode_destroy(ode);
    aedyn_sgd_destroy(sgd);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_images_destroy(train);
    aedyn_images_destroy(test);
    aedyn_rng_destroy(rng_init);
    aedyn_rng_destroy(rng_sgd);
    free(steps);
    free(times);
    return fail;
}
