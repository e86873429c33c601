/* The shallow autoencoder (include/aedyn/aedyn-net.h): lifecycle, weights,
 * initialisation, forward pass and loss, order parameters through the data
 * model's spectrum, and the population / Monte-Carlo test errors.
 *
 * Scalings (docs/theory.md sections 1 and 3), defined here once for the network:
 * lambda^k = w^k . x / sqrt(D) + beta_k, xhat = sum_k v^k g(lambda^k),
 * with a skip connection xhat = c x + sum_k v^k g(lambda^k);
 * l = |x - xhat|^2 / (2D); Q = W Omega W^T / D, R = V Omega W^T / D^{3/2},
 * T = V Omega V^T / D^2, T0 = V V^T / D. */
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include "act-internal.h"
#include "data-internal.h"
#include "gauss-internal.h"
#include "linalg-internal.h"
#include "net-internal.h"
#include "net-private.h"

#define ALL_FLAGS_ (AEDYN_NET_BIAS | AEDYN_NET_TIED | AEDYN_NET_SKIP)

/* ---- lifecycle --------------------------------------------------------------- */

static aedyn_status check_create_args(aedyn_net **out, size_t D, size_t K, aedyn_net_activation act,
                                      unsigned flags, size_t *KD)
{
    AEDYN__REQUIRE_NONNULL(out);
    if (D < 1)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_net_create: D must be >= 1 (got 0)");
    if (K < 1)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_net_create: K must be >= 1 (got 0)");
    if (K > D)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_net_create: K must be <= D (got K = %zu, D = %zu)",
                           K, D);
    if (D > (size_t)INT_MAX)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_net_create: D = %zu is too large (at most %d)",
                           D, INT_MAX);
    if (!aedyn__mul_size(K, D, KD) || *KD > SIZE_MAX / (2 * sizeof(double)))
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_net_create: K x D = %zu x %zu is too large", K, D);
    if ((unsigned)act > (unsigned)AEDYN_NET_ACT_RELU)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_net_create: unknown activation %d", (int)act);
    if ((flags & ~ALL_FLAGS_) != 0)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_net_create: unknown flags 0x%x", flags);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_net_create(aedyn_net **out, size_t D, size_t K,
                                        aedyn_net_activation act, unsigned flags)
{
    size_t KD = 0;
    const aedyn_status st = check_create_args(out, D, K, act, flags, &KD);
    if (st != AEDYN_OK)
        return st;
    aedyn_net *n = aedyn__calloc(1, sizeof *n);
    if (!n)
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_net_create: out of memory");
    *n = (aedyn_net){.D = D, .K = K, .act = act, .flags = flags};
    n->W = aedyn__calloc(KD, sizeof *n->W);
    n->V = (flags & AEDYN_NET_TIED) ? n->W : aedyn__calloc(KD, sizeof *n->V);
    n->bias = aedyn__calloc(K, sizeof *n->bias);
    if (!n->W || !n->V || !n->bias) {
        aedyn_net_destroy(n);
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_net_create: out of memory for K = %zu, D = %zu",
                           K, D);
    }
    *out = n;
    return AEDYN_OK;
}

AEDYN_API void aedyn_net_destroy(aedyn_net *net)
{
    if (!net)
        return;
    if (net->V != net->W)
        free(net->V);
    free(net->W);
    free(net->bias);
    free(net);
}

AEDYN_API size_t aedyn_net_get_dim(const aedyn_net *net) { return net ? net->D : 0; }
AEDYN_API size_t aedyn_net_get_n_hidden(const aedyn_net *net) { return net ? net->K : 0; }
AEDYN_API aedyn_net_activation aedyn_net_get_activation(const aedyn_net *net)
{
    return net ? net->act : AEDYN_NET_ACT_LINEAR;
}
AEDYN_API unsigned aedyn_net_get_flags(const aedyn_net *net) { return net ? net->flags : 0u; }

/* ---- initialisation and weights ---------------------------------------------- */

AEDYN_API aedyn_status aedyn_net_init_gaussian(aedyn_net *net, aedyn_rng *rng, double sigma0)
{
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(rng);
    if (!isfinite(sigma0) || sigma0 < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID,
                           "aedyn_net_init_gaussian: sigma0 must be finite and >= 0 (got %g)", sigma0);
    const size_t KD = net->K * net->D;
    aedyn_rng_fill_normal(rng, net->W, KD);
    if (!(net->flags & AEDYN_NET_TIED))
        aedyn_rng_fill_normal(rng, net->V, KD);
    for (size_t i = 0; i < KD; i++)
        net->W[i] *= sigma0;
    if (!(net->flags & AEDYN_NET_TIED))
        for (size_t i = 0; i < KD; i++)
            net->V[i] *= sigma0;
    memset(net->bias, 0, net->K * sizeof *net->bias);
    return AEDYN_OK;
}

static aedyn_status check_data_dim(const aedyn_net *net, const aedyn_data *data, const char *fn)
{
    const size_t Dd = aedyn_data_get_dim(data);
    if (Dd != net->D)
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: the network has D = %zu but the data model D = %zu",
                           fn, net->D, Dd);
    return AEDYN_OK;
}

/* Copy the K leading explicit eigenvectors of data into E (K x D). */
static aedyn_status leading_eigenvectors(const aedyn_data *data, size_t K, size_t D, double *E)
{
    size_t have = 0;
    const size_t ng = aedyn_data_get_n_groups(data);
    for (size_t g = 0; g < ng && have < K; g++) {
        size_t mult = 0, nexp = 0;
        aedyn_data_get_group(data, g, NULL, &mult, &nexp);
        if (nexp == 0)
            break;
        double *buf = aedyn__calloc(nexp * D, sizeof *buf);
        if (!buf)
            return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_net_init_informed: out of memory");
        aedyn_data_get_group_vectors(data, g, buf);
        const size_t take = nexp < K - have ? nexp : K - have;
        memcpy(E + have * D, buf, take * D * sizeof *E);
        have += take;
        free(buf);
    }
    if (have < K)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED,
                           "aedyn_net_init_informed: only the %zu leading eigen-directions are "
                           "explicit eigenvectors, K = %zu are needed", have, K);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_net_init_informed(aedyn_net *net, const aedyn_data *data)
{
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(data);
    aedyn_status st = check_data_dim(net, data, "aedyn_net_init_informed");
    if (st != AEDYN_OK)
        return st;
    const size_t K = net->K, D = net->D;
    double *E = aedyn__calloc(K * D, sizeof *E);
    if (!E)
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_net_init_informed: out of memory");
    st = leading_eigenvectors(data, K, D, E);
    if (st == AEDYN_OK) {
        memcpy(net->W, E, K * D * sizeof *E);
        if (!(net->flags & AEDYN_NET_TIED)) {
            const double sD = sqrt((double)D);
            for (size_t i = 0; i < K * D; i++)
                net->V[i] = sD * E[i];
        }
        memset(net->bias, 0, K * sizeof *net->bias);
    }
    free(E);
    return st;
}

AEDYN_API aedyn_status aedyn_net_set_weights(aedyn_net *net, const double *W, const double *V,
                                             const double *bias)
{
    AEDYN__REQUIRE_NONNULL(net);
    const size_t KD = net->K * net->D;
    if (V && (net->flags & AEDYN_NET_TIED))
        return aedyn__fail(AEDYN_ERR_INVALID,
                           "aedyn_net_set_weights: V must be NULL for a tied network");
    if (bias && !(net->flags & AEDYN_NET_BIAS))
        return aedyn__fail(AEDYN_ERR_INVALID,
                           "aedyn_net_set_weights: bias must be NULL for a network without bias");
    if (W && !aedyn__all_finite(W, KD))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_net_set_weights: W has a non-finite entry");
    if (V && !aedyn__all_finite(V, KD))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_net_set_weights: V has a non-finite entry");
    if (bias && !aedyn__all_finite(bias, net->K))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_net_set_weights: bias has a non-finite entry");
    if (W)
        memmove(net->W, W, KD * sizeof *W);
    if (V)
        memmove(net->V, V, KD * sizeof *V);
    if (bias)
        memmove(net->bias, bias, net->K * sizeof *bias);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_net_get_weights(const aedyn_net *net, double *W, double *V,
                                             double *bias)
{
    AEDYN__REQUIRE_NONNULL(net);
    const size_t KD = net->K * net->D;
    if (W)
        memmove(W, net->W, KD * sizeof *W);
    if (V)
        memmove(V, net->V, KD * sizeof *V);
    if (bias)
        memmove(bias, net->bias, net->K * sizeof *bias);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_net_set_skip(aedyn_net *net, double c)
{
    AEDYN__REQUIRE_NONNULL(net);
    if (!(net->flags & AEDYN_NET_SKIP))
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "aedyn_net_set_skip: the network has no skip "
                           "connection (create it with AEDYN_NET_SKIP)");
    if (!isfinite(c))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_net_set_skip: c must be finite, got %g", c);
    net->skip = c;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_net_get_skip(const aedyn_net *net, double *c)
{
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(c);
    *c = net->skip;
    return AEDYN_OK;
}

/* ---- forward pass and loss ----------------------------------------------------- */

aedyn__net_view aedyn__net_get_view(aedyn_net *net)
{
    return (aedyn__net_view){ .D = net->D, .K = net->K, .act = net->act,
                              .tied = (net->flags & AEDYN_NET_TIED) != 0,
                              .has_bias = (net->flags & AEDYN_NET_BIAS) != 0,
                              .has_skip = (net->flags & AEDYN_NET_SKIP) != 0,
                              .W = net->W, .V = net->V, .bias = net->bias,
                              .skip = &net->skip };
}

/* g[k] = g(w^k . x / sqrt(D) + beta_k). */
static aedyn_status activations(const aedyn_net *net, const double *x, double *g)
{
    const size_t K = net->K, D = net->D;
    aedyn_status st = aedyn__gemv(false, K, D, 1.0 / sqrt((double)D), net->W, D, x, 0.0, g);
    for (size_t k = 0; k < K && !st; k++)
        g[k] = aedyn__act_g(net->act, g[k] + net->bias[k]);
    return st;
}

/* l = |x - c x - sum_k v^k g_k|^2 / (2D), given the activations g. */
static double loss_from_activations(const aedyn_net *net, const double *x, const double *g)
{
    const size_t K = net->K, D = net->D;
    const double c = net->skip;
    double sum = 0.0;
    for (size_t i = 0; i < D; i++) {
        double r = x[i] - c * x[i];
        for (size_t k = 0; k < K; k++)
            r -= net->V[k * D + i] * g[k];
        sum += r * r;
    }
    return sum / (2.0 * (double)D);
}

AEDYN_API aedyn_status aedyn_net_reconstruct(const aedyn_net *net, size_t n, const double *X,
                                             double *Xhat)
{
    AEDYN__REQUIRE_NONNULL(net);
    if (n == 0)
        return AEDYN_OK;
    AEDYN__REQUIRE_NONNULL(X);
    AEDYN__REQUIRE_NONNULL(Xhat);
    size_t nD;
    if (!aedyn__mul_size(n, net->D, &nD))
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_net_reconstruct: %zu inputs of dimension %zu "
                           "overflow the address space", n, net->D);
    double *g = aedyn__calloc(net->K, sizeof *g);
    if (!g)
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_net_reconstruct: out of memory");
    const size_t D = net->D;
    aedyn_status st = AEDYN_OK;
    for (size_t i = 0; i < n && !st; i++) {
        /* X is read before Xhat is written: in place is fine */
        st = activations(net, X + i * D, g);
        if (st)
            break;
        if (net->skip != 0.0) { /* c x first: the rows may alias */
            for (size_t j = 0; j < D; j++)
                Xhat[i * D + j] = net->skip * X[i * D + j];
            st = aedyn__gemv(true, net->K, D, 1.0, net->V, D, g, 1.0, Xhat + i * D);
        } else {
            st = aedyn__gemv(true, net->K, D, 1.0, net->V, D, g, 0.0, Xhat + i * D);
        }
    }
    free(g);
    return st;
}

AEDYN_API aedyn_status aedyn_net_loss(const aedyn_net *net, const double *x, double *loss)
{
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(x);
    AEDYN__REQUIRE_NONNULL(loss);
    double *g = aedyn__calloc(net->K, sizeof *g);
    if (!g)
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_net_loss: out of memory");
    aedyn_status st = activations(net, x, g);
    if (!st)
        *loss = loss_from_activations(net, x, g);
    free(g);
    return st;
}

/* Samples per chunk of the Monte-Carlo error: about 2^16 doubles. */
static size_t mc_chunk(size_t n, size_t D)
{
    size_t c = ((size_t)1 << 16) / D;
    if (c < 1)
        c = 1;
    return c < n ? c : n;
}

AEDYN_API aedyn_status aedyn_net_error_mc(const aedyn_net *net, aedyn_data *data,
                                          aedyn_rng *rng, size_t n, double *mean,
                                          double *std_err)
{
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(data);
    AEDYN__REQUIRE_NONNULL(rng);
    AEDYN__REQUIRE_NONNULL(mean);
    aedyn_status st = check_data_dim(net, data, "aedyn_net_error_mc");
    if (st != AEDYN_OK)
        return st;
    if (n < 2)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_net_error_mc: n must be >= 2 (got %zu)", n);
    const size_t D = net->D, chunk = mc_chunk(n, D);
    double *X = aedyn__calloc(chunk * D, sizeof *X), *g = aedyn__calloc(net->K, sizeof *g);
    if (!X || !g) {
        free(X);
        free(g);
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_net_error_mc: out of memory");
    }
    double avg = 0.0, m2 = 0.0; /* Welford */
    size_t done = 0;
    while (done < n && st == AEDYN_OK) {
        const size_t c = n - done < chunk ? n - done : chunk;
        st = aedyn_data_sample(data, rng, c, X);
        for (size_t i = 0; i < c && st == AEDYN_OK; i++) {
            if ((st = activations(net, X + i * D, g)))
                break;
            const double l = loss_from_activations(net, X + i * D, g), d = l - avg;
            done++;
            avg += d / (double)done;
            m2 += d * (l - avg);
        }
    }
    free(X);
    free(g);
    if (st != AEDYN_OK)
        return st;
    if ((st = aedyn__check_finite("aedyn_net_error_mc", "the mean loss", &avg, 1)))
        return st;
    *mean = avg;
    if (std_err)
        *std_err = sqrt(m2 / (double)(n - 1) / (double)n);
    return AEDYN_OK;
}

/* ---- order parameters and population error -------------------------------------- */

/* out = A Omega B^T / scale (K x K). */
static aedyn_status scaled_quad_form(const aedyn_net *net, const aedyn_data *data,
                                     const double *A, const double *B, double scale, double *out)
{
    const size_t K = net->K;
    const aedyn_status st = aedyn__data_quad_form(data, K, A, K, B, out);
    if (st != AEDYN_OK)
        return st;
    for (size_t i = 0; i < K * K; i++)
        out[i] /= scale;
    return AEDYN_OK;
}

static aedyn_status order_params(const aedyn_net *net, const aedyn_data *data, double *Q,
                                 double *R, double *T, double *T0)
{
    const double D = (double)net->D;
    aedyn_status st = AEDYN_OK;
    if (Q)
        st = scaled_quad_form(net, data, net->W, net->W, D, Q);
    if (R && st == AEDYN_OK)
        st = scaled_quad_form(net, data, net->V, net->W, D * sqrt(D), R);
    if (T && st == AEDYN_OK)
        st = scaled_quad_form(net, data, net->V, net->V, D * D, T);
    if (T0 && st == AEDYN_OK)
        st = aedyn__gemm(false, true, net->K, net->K, net->D, 1.0 / D, net->V, net->D, net->V,
                         net->D, 0.0, T0, net->K);
    return st;
}

AEDYN_API aedyn_status aedyn_net_order_params(const aedyn_net *net, const aedyn_data *data,
                                              double *Q, double *R, double *T, double *T0)
{
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(data);
    static const char *fn = "aedyn_net_order_params";
    aedyn_status st = check_data_dim(net, data, fn);
    if (st != AEDYN_OK)
        return st;
    const size_t KK = net->K * net->K;
    if ((st = order_params(net, data, Q, R, T, T0)) ||
        (st = aedyn__check_finite(fn, "Q", Q, KK)) || (st = aedyn__check_finite(fn, "R", R, KK)) ||
        (st = aedyn__check_finite(fn, "T", T, KK)) || (st = aedyn__check_finite(fn, "T0", T0, KK)))
        return st;
    return AEDYN_OK;
}

/* The population error of the network as a denoiser (docs/theory.md,
 * "Denoising autoencoders"), from the order parameters of the noisy input
 * (Qt = Q of xtilde) and Rk = E[(v^k . (x - c xtilde)/D) lambda_l]:
 *   eps = (1 - c a)^2 Tr Omega/(2D) + c^2 sigma_n^2 / 2
 *         - sum_k Rk^kk E g'_k + 1/2 sum_kl T0^kl E[g_k g_l],
 * the expectations over lambda ~ N(0, Qt) shifted by the biases. */
static double population_error(const aedyn_net *net, double trace, double a, double sigma_n,
                               const double *Qt, const double *Rk, const double *T0)
{
    return aedyn__gauss_error(net->act, net->K, trace, net->D, a, sigma_n, net->skip, net->bias,
                              Qt, Rk, T0);
}

static aedyn_status error_denoising(const aedyn_net *net, const aedyn_data *data, double a,
                                    double sigma_n, double *err, const char *fn)
{
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(data);
    AEDYN__REQUIRE_NONNULL(err);
    aedyn_status st = check_data_dim(net, data, fn);
    if (st != AEDYN_OK)
        return st;
    if (!isfinite(a) || !isfinite(sigma_n) || sigma_n < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: need a finite and sigma_n finite and >= 0 "
                           "(got a = %g, sigma_n = %g)", fn, a, sigma_n);
    const size_t K = net->K, D = net->D;
    double *buf = aedyn__calloc(5 * K * K, sizeof *buf);
    if (!buf)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    double *Q = buf, *R = buf + K * K, *T0 = buf + 2 * K * K, *WW = buf + 3 * K * K,
           *VW = buf + 4 * K * K;
    st = order_params(net, data, Q, R, NULL, T0);
    const double s2 = sigma_n * sigma_n, Dd = (double)D, c = net->skip;
    if (st == AEDYN_OK && s2 > 0.0) /* the noise's share: W W^T / D, V W^T / D^{3/2} */
        if ((st = aedyn__gemm(false, true, K, K, D, 1.0 / Dd, net->W, D, net->W, D, 0.0, WW, K)) ==
            AEDYN_OK)
            st = aedyn__gemm(false, true, K, K, D, 1.0 / (Dd * sqrt(Dd)), net->V, D, net->W, D,
                             0.0, VW, K);
    if (st == AEDYN_OK) {
        /* Qt = a^2 Q + s2 WW; Rk = a R - c Rt, Rt = a^2 R + s2 VW */
        for (size_t i = 0; i < K * K; i++) {
            const double rt = a * a * R[i] + s2 * VW[i];
            Q[i] = a * a * Q[i] + s2 * WW[i];
            R[i] = a * R[i] - c * rt;
        }
        const double e = population_error(net, aedyn_data_get_trace(data), a, sigma_n, Q, R, T0);
        if ((st = aedyn__check_finite(fn, "the population error", &e, 1)) == 0)
            *err = e;
    }
    free(buf);
    return st;
}

AEDYN_API aedyn_status aedyn_net_error(const aedyn_net *net, const aedyn_data *data, double *err)
{
    return error_denoising(net, data, 1.0, 0.0, err, "aedyn_net_error");
}

AEDYN_API aedyn_status aedyn_net_error_denoising(const aedyn_net *net, const aedyn_data *data,
                                                 double a, double sigma_n, double *err)
{
    return error_denoising(net, data, a, sigma_n, err, "aedyn_net_error_denoising");
}
