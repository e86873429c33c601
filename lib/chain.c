/* The exact reduced SGD chain (include/aedyn/aedyn-chain.h, docs/theory.md
 * section 12.2).
 *
 * An input is x = sum_m z_m e_m + x_b with z_m ~ N(0, rho_m) on the explicit
 * eigenvectors and x_b ~ N(0, rho_b P_b) in the bulk. Write zeta_m =
 * z_m / sqrt(D), P = [W_b; S_b] (2K x D: the bulk projections of the
 * encoders and of the decoders / sqrt(D)) and xi = x_b / sqrt(D). One SGD
 * step reads the input only through zeta, through h = P xi = (lambda_b,
 * nu_b), the bulk parts of the fields, and through |xi|^2; and it changes P
 * only within the span of its rows and of xi:
 *
 *     P' = dec (Mt P + c xi^T),   Mt = [[I, 0], [0, I - Gamma]],
 *     c = (eta_w F / D; eta_v g / D),   Gamma_ka = eta_v g_k g_a / D (a <= k truncated)
 *
 * so that the covariance of the bulk fields C = (rho_b / D) P P^T obeys
 *
 *     C' = dec^2 [ Mt C Mt^T + (rho_b / D) (Mt h c^T + c h^T Mt^T)
 *                  + (rho_b / D)^2 (|a|^2 + chi2) c c^T ].
 *
 * Sampling: with C = L L^T and u ~ N(0, I) in the bulk (x_b = sqrt(rho_b) u),
 * the coordinates a of u in an orthonormal frame of the rows of P are
 * N(0, I_2K) with h = L a, and the rest of u has a squared norm chi2 ~
 * chi-square(n_b - 2K), independent. (When P has rank r < 2K the factor has
 * 2K - r zero columns and those coordinates of a are directions outside the
 * span: the law is the same.) Everything else is the trainer's update
 * projected on the explicit eigenvectors. */
#include <stdlib.h>
#include <string.h>
#include "chain-private.h"
#include "gauss-internal.h"
#include "linalg-internal.h"
#include "rng-internal.h"
#include "schedule-internal.h"

#define LIMIT_ 1e150

static const aedyn_schedule_target rate_target_[3] = {
    AEDYN_SCHEDULE_ENCODER_RATE, AEDYN_SCHEDULE_DECODER_RATE, AEDYN_SCHEDULE_BIAS_RATE };

/* ---- lifecycle ------------------------------------------------------------------ */

AEDYN_API void aedyn_chain_destroy(aedyn_chain *chain)
{
    if (!chain)
        return;
    for (int i = 0; i < 3; i++)
        aedyn_schedule_destroy(chain->sched[i]);
    free(chain->rho);
    free(chain->wt);
    free(chain->L);
    free(chain->zeta);
    free(chain->a);
    free(chain->lam);
    free(chain);
}

static aedyn_status unsupported(const char *fn, const char *what)
{
    return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the reduced chain does not support %s", fn,
                       what);
}

/* What the chain cannot simulate, refused with a reason. */
static aedyn_status check_trainer(const aedyn_sgd *sgd, const char *fn)
{
    const aedyn_net *net = aedyn_sgd_get_net(sgd);
    const aedyn_data *data = aedyn_sgd_get_data(sgd);
    const unsigned flags = aedyn_net_get_flags(net);
    aedyn_sgd_rule rule;
    double a, sn;
    aedyn_status st;
    if ((st = aedyn_sgd_get_rule(sgd, &rule)) || (st = aedyn_sgd_get_denoising(sgd, &a, &sn)))
        return st;
    if (flags & AEDYN_NET_TIED)
        return unsupported(fn, "tied networks");
    if (rule != AEDYN_SGD_VANILLA && rule != AEDYN_SGD_TRUNCATED)
        return unsupported(fn, "Sanger's rule");
    if (flags & AEDYN_NET_SKIP)
        return unsupported(fn, "skip connections");
    const aedyn_schedule *sa = NULL, *sn_s = NULL;
    if ((st = aedyn_sgd_get_schedule(sgd, AEDYN_SCHEDULE_INPUT_SCALE, &sa)) ||
        (st = aedyn_sgd_get_schedule(sgd, AEDYN_SCHEDULE_NOISE, &sn_s)))
        return st;
    if (a != 1.0 || sn != 0.0 || sa || sn_s)
        return unsupported(fn, "denoising (input scale, noise or their schedules)");
    if (strcmp(aedyn_data_get_kind(data), "images") == 0)
        return unsupported(fn, "real images (the chain needs Gaussian inputs)");
    const size_t G = aedyn_data_get_n_groups(data), K = aedyn_net_get_n_hidden(net);
    for (size_t g = 0; g < G; g++) {
        size_t mult, n_exp;
        if ((st = aedyn_data_get_group(data, g, NULL, &mult, &n_exp)))
            return st;
        if (n_exp == 0) {
            if (mult < 2 * K)
                return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the bulk has multiplicity %zu, "
                                   "below 2K = %zu", fn, mult, 2 * K);
            return AEDYN_OK;
        }
    }
    return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the data model has no degenerate bulk (a "
                       "complement eigen-group): every eigenvalue is explicit, so the reduced "
                       "chain would not be smaller than SGD", fn);
}

/* The state of the network's weights: components on the explicit
 * eigenvectors E (M x D) and the covariance of the bulk fields. */
static aedyn_status project(aedyn_chain *c, const double *W, const double *V, const double *b,
                            const double *E)
{
    const size_t D = c->D, K = c->K, M = c->M, K2 = 2 * K;
    const double sD = sqrt((double)D);
    double *X = aedyn__calloc(K2 * D, sizeof *X), *P = aedyn__calloc(K2 * (M + 1), sizeof *P);
    double *G = aedyn__calloc(K2 * K2, sizeof *G);
    aedyn_status st = AEDYN_OK;
    if (!X || !P || !G) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_chain_create: out of memory");
        goto done;
    }
    /* X = [W; V / sqrt(D)]; P = X E^T (2K x M); the bulk part X - P E */
    memcpy(X, W, K * D * sizeof *X);
    for (size_t i = 0; i < K * D; i++)
        X[K * D + i] = V[i] / sD;
    if (M > 0) {
        if ((st = aedyn__gemm(false, true, K2, M, D, 1.0, X, D, E, D, 0.0, P, M)) ||
            (st = aedyn__gemm(false, false, K2, D, M, -1.0, P, M, E, D, 1.0, X, D)))
            goto done;
    }
    for (size_t m = 0; m < M; m++)
        for (size_t k = 0; k < K; k++) {
            c->wt[m * K + k] = P[k * M + m];
            c->s[m * K + k] = P[(K + k) * M + m];
        }
    for (size_t k = 0; k < K; k++)
        c->beta[k] = c->has_bias ? b[k] : 0.0;
    if ((st = aedyn__syrk_upper(false, K2, D, c->rho_b / (double)D, X, D, 0.0, G, K2)))
        goto done;
    aedyn__symmetrise_upper(K2, G);
    memcpy(c->C, G, K2 * K2 * sizeof *G);
done:
    free(X);
    free(P);
    free(G);
    return st;
}

AEDYN_API aedyn_status aedyn_chain_create(aedyn_chain **out, const aedyn_sgd *sgd,
                                          aedyn_rng *rng)
{
    static const char *fn = "aedyn_chain_create";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(sgd);
    AEDYN__REQUIRE_NONNULL(rng);
    aedyn_status st = check_trainer(sgd, fn);
    if (st)
        return st;
    const aedyn_net *net = aedyn_sgd_get_net(sgd);
    const aedyn_data *data = aedyn_sgd_get_data(sgd);
    const size_t D = aedyn_net_get_dim(net), K = aedyn_net_get_n_hidden(net), K2 = 2 * K;
    const size_t G = aedyn_data_get_n_groups(data);
    aedyn_chain *c = calloc(1, sizeof *c);
    if (!c)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    c->D = D;
    c->K = K;
    c->act = aedyn_net_get_activation(net);
    c->has_bias = (aedyn_net_get_flags(net) & AEDYN_NET_BIAS) != 0;
    c->rng = rng;
    c->steps = aedyn_sgd_get_n_steps(sgd);
    c->trace = aedyn_data_get_trace(data);
    aedyn_sgd_rule rule;
    double *W = NULL, *E = NULL;
    if ((st = aedyn_sgd_get_rule(sgd, &rule)) ||
        (st = aedyn_sgd_get_learning_rates(sgd, &c->eta[0], &c->eta[1], &c->eta[2])) ||
        (st = aedyn_sgd_get_weight_decay(sgd, &c->kappa)))
        goto fail;
    c->trunc = rule == AEDYN_SGD_TRUNCATED;
    for (int i = 0; i < 3; i++) {
        const aedyn_schedule *s;
        if ((st = aedyn_sgd_get_schedule(sgd, rate_target_[i], &s)) ||
            (s && (st = aedyn__schedule_copy(s, &c->sched[i]))))
            goto fail;
    }
    /* the explicit eigenvectors, every group but the complement */
    size_t M = 0;
    for (size_t g = 0; g < G; g++) {
        size_t mult, n_exp;
        double rho;
        if ((st = aedyn_data_get_group(data, g, &rho, &mult, &n_exp)))
            goto fail;
        M += n_exp;
        if (n_exp == 0) {
            c->rho_b = rho;
            c->n_b = mult;
        }
    }
    c->M = M;
    c->rho = aedyn__calloc(M + 1, sizeof *c->rho);
    E = aedyn__calloc(M * D + 1, sizeof *E);
    W = aedyn__calloc(2 * K * D + K, sizeof *W);
    c->wt = aedyn__calloc(2 * M * K + K + K2 * K2, sizeof *c->wt);
    c->L = aedyn__calloc(2 * K2 * K2, sizeof *c->L);
    c->zeta = aedyn__calloc(M + M * K + 1, sizeof *c->zeta);
    c->a = aedyn__calloc(4 * K2, sizeof *c->a);
    c->lam = aedyn__calloc(5 * K + K * K, sizeof *c->lam);
    if (!c->rho || !E || !W || !c->wt || !c->L || !c->zeta || !c->a || !c->lam) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    c->s = c->wt + M * K;
    c->beta = c->s + M * K;
    c->C = c->beta + K;
    c->Cn = c->L + K2 * K2;
    c->sg = c->zeta + M;
    c->h = c->a + K2;
    c->c = c->h + K2;
    c->hh = c->c + K2;
    c->nu = c->lam + K;
    c->g = c->nu + K;
    c->dg = c->g + K;
    c->F = c->dg + K;
    c->T0 = c->F + K;
    double *rho_all = aedyn__calloc(D, sizeof *rho_all);
    if (!rho_all) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    st = aedyn_data_get_eigenvalues(data, rho_all);
    size_t m = 0, off = 0;
    for (size_t g = 0; g < G && !st; g++) {
        size_t mult, n_exp;
        if ((st = aedyn_data_get_group(data, g, NULL, &mult, &n_exp)) || n_exp == 0) {
            off += mult;
            continue;
        }
        if ((st = aedyn_data_get_group_vectors(data, g, E + m * D)))
            break;
        for (size_t j = 0; j < n_exp; j++)
            c->rho[m + j] = rho_all[off + j];
        m += n_exp;
        off += mult;
    }
    free(rho_all);
    double *V = W + K * D, *b = V + K * D;
    if (st || (st = aedyn_net_get_weights(net, W, V, b)) || (st = project(c, W, V, b, E)))
        goto fail;
    free(W);
    free(E);
    *out = c;
    return AEDYN_OK;
fail:
    free(W);
    free(E);
    aedyn_chain_destroy(c);
    return st;
}

/* ---- one step ------------------------------------------------------------------ */

void aedyn__chain_factor(size_t n, const double *C, double *L)
{
    aedyn__cholesky_psd(n, C, L);
}

static bool ok_value(double x) { return fabs(x) <= LIMIT_; } /* false for NaN */

/* Y = (I - Gamma) X for the K x ncol block X (row stride ld), Gamma_ka =
 * gam_k g_a for a in the sum of unit k (a <= k truncated); X and Y may not
 * alias. */
static void one_minus_gamma(const aedyn_chain *c, const double *X, size_t ld, size_t ncol,
                            double *Y, size_t ldy)
{
    const size_t K = c->K;
    for (size_t k = 0; k < K; k++) {
        const size_t amax = c->trunc ? k + 1 : K;
        const double gk = c->c[K + k];
        for (size_t j = 0; j < ncol; j++) {
            double s = 0.0;
            for (size_t a = 0; a < amax; a++)
                s += c->g[a] * X[a * ld + j];
            Y[k * ldy + j] = X[k * ld + j] - gk * s;
        }
    }
}

aedyn_status aedyn__chain_update(aedyn_chain *c, const double *n_expl, const double *a,
                                 double chi2)
{
    const size_t K = c->K, M = c->M, K2 = 2 * K;
    const double Dd = (double)c->D, rb = c->rho_b / Dd, dec = 1.0 - c->kappa / Dd;
    double eta[3] = { c->eta[0], c->eta[1], c->eta[2] };
    const double t = (double)c->steps / Dd;
    for (int i = 0; i < 3; i++)
        if (c->sched[i]) {
            const aedyn_status st = aedyn_schedule_value(c->sched[i], t, &eta[i]);
            if (st != AEDYN_OK)
                return st;
        }
    /* the bulk fields h = L a, the explicit components, the fields */
    aedyn__chain_factor(K2, c->C, c->L);
    double a2 = 0.0;
    for (size_t i = 0; i < K2; i++) {
        double v = 0.0;
        for (size_t j = 0; j <= i; j++)
            v += c->L[i * K2 + j] * a[j];
        c->h[i] = v;
        a2 += a[i] * a[i];
    }
    for (size_t m = 0; m < M; m++)
        c->zeta[m] = sqrt(c->rho[m] / Dd) * n_expl[m];
    for (size_t k = 0; k < K; k++) {
        double l = c->h[k] + c->beta[k], v = c->h[K + k];
        for (size_t m = 0; m < M; m++) {
            l += c->wt[m * K + k] * c->zeta[m];
            v += c->s[m * K + k] * c->zeta[m];
        }
        c->lam[k] = l;
        c->nu[k] = v;
        c->g[k] = aedyn__act_eval(c->act, 0, l);
        c->dg[k] = aedyn__act_eval(c->act, 1, l);
        if (!ok_value(l))
            return aedyn__fail(AEDYN_ERR_DIVERGED, "aedyn_chain_step: step %llu diverged (a "
                               "local field non-finite or above 1e150); state of the last good "
                               "step kept", (unsigned long long)c->steps + 1);
    }
    /* T0 = sum_m s_m s_m^T + T0_b, and v^k . delta_k / D = nu^k - sum_a T0^ka g_a */
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            double t0 = c->C[(K + k) * K2 + K + l] / rb;
            for (size_t m = 0; m < M; m++)
                t0 += c->s[m * K + k] * c->s[m * K + l];
            c->T0[k * K + l] = t0;
        }
    for (size_t k = 0; k < K; k++) {
        const size_t amax = c->trunc ? k + 1 : K;
        double vd = c->nu[k];
        for (size_t b = 0; b < amax; b++)
            vd -= c->T0[k * K + b] * c->g[b];
        c->F[k] = c->dg[k] * vd;
        c->c[k] = eta[0] / Dd * c->F[k];     /* alpha */
        c->c[K + k] = eta[1] / Dd * c->g[k]; /* gamma */
        if (!ok_value(c->F[k]) || !ok_value(c->c[K + k]))
            return aedyn__fail(AEDYN_ERR_DIVERGED, "aedyn_chain_step: step %llu diverged (an "
                               "update coefficient non-finite or above 1e150); state of the "
                               "last good step kept", (unsigned long long)c->steps + 1);
    }
    /* the next covariance of the bulk fields, into Cn: hh = Mt h; Mt C Mt^T
     * blockwise into the lower triangle (the Q_b block is unchanged, the R_b
     * block is (I - Gamma) R_b, the T block (I - Gamma) T (I - Gamma)^T);
     * then the rank-two and rank-one terms, mirrored to the upper triangle */
    double *Cn = c->Cn, *C = c->C, *hh = c->hh, *cc = c->c;
    memcpy(hh, c->h, K * sizeof *hh);
    one_minus_gamma(c, c->h + K, 1, 1, hh + K, 1);
    memcpy(Cn, C, K2 * K2 * sizeof *Cn);
    /* rows K.. of Cn: (I - Gamma) [R_b, T_b]; then columns K.. of the T block */
    one_minus_gamma(c, C + K * K2, K2, K2, Cn + K * K2, K2);
    for (size_t k = 0; k < K; k++) /* T block: ((I - Gamma) [(I - Gamma) T]^T)^T */
        for (size_t l = 0; l < K; l++)
            c->L[k * K + l] = Cn[(K + l) * K2 + K + k]; /* L is free now: transpose */
    one_minus_gamma(c, c->L, K, K, Cn + K * K2 + K, K2);
    const double chi = rb * rb * (a2 + chi2);
    for (size_t i = 0; i < K2; i++)
        for (size_t j = i; j < K2; j++) {
            double v = Cn[j * K2 + i] + rb * (hh[i] * cc[j] + cc[i] * hh[j]) + chi * cc[i] * cc[j];
            v *= dec * dec;
            Cn[i * K2 + j] = Cn[j * K2 + i] = v;
        }
    for (size_t i = 0; i < K2 * K2; i++)
        if (!ok_value(Cn[i]))
            return aedyn__fail(AEDYN_ERR_DIVERGED, "aedyn_chain_step: step %llu diverged (the "
                               "bulk overlaps non-finite or above 1e150); state of the last good "
                               "step kept", (unsigned long long)c->steps + 1);
    /* the explicit components (old s in the sums), the biases */
    for (size_t m = 0; m < M; m++)
        for (size_t k = 0; k < K; k++) {
            const size_t amax = c->trunc ? k + 1 : K;
            double sg = 0.0;
            for (size_t b = 0; b < amax; b++)
                sg += c->s[m * K + b] * c->g[b];
            c->sg[m * K + k] = sg;
        }
    for (size_t m = 0; m < M; m++)
        for (size_t k = 0; k < K; k++) {
            c->wt[m * K + k] = (c->wt[m * K + k] + cc[k] * c->zeta[m]) * dec;
            c->s[m * K + k] = (c->s[m * K + k] + cc[K + k] * (c->zeta[m] - c->sg[m * K + k])) * dec;
        }
    if (c->has_bias)
        for (size_t k = 0; k < K; k++)
            c->beta[k] += eta[2] / Dd * c->F[k];
    memcpy(C, Cn, K2 * K2 * sizeof *C);
    c->steps++;
    return AEDYN_OK;
}

/* chi-square with nu degrees of freedom: 2 Gamma(nu / 2), Gamma by Marsaglia
 * and Tsang (2000) (shape < 1: Gamma(shape + 1) U^(1 / shape)). */
double aedyn__chain_chi_square(aedyn_rng *r, double nu)
{
    if (nu <= 0.0)
        return 0.0;
    double shape = 0.5 * nu, boost = 1.0;
    if (shape < 1.0) {
        double u = aedyn__rng_uniform(r);
        while (u <= 0.0)
            u = aedyn__rng_uniform(r);
        boost = pow(u, 1.0 / shape);
        shape += 1.0;
    }
    const double d = shape - 1.0 / 3.0, cc = 1.0 / sqrt(9.0 * d);
    for (;;) {
        const double x = aedyn__rng_normal(r);
        double v = 1.0 + cc * x;
        if (v <= 0.0)
            continue;
        v = v * v * v;
        const double u = aedyn__rng_uniform(r);
        if (u < 1.0 - 0.0331 * (x * x) * (x * x) ||
            (u > 0.0 && log(u) < 0.5 * x * x + d * (1.0 - v + log(v))))
            return 2.0 * d * v * boost;
    }
}

AEDYN_API aedyn_status aedyn_chain_step(aedyn_chain *chain, uint64_t n)
{
    AEDYN__REQUIRE_NONNULL(chain);
    const size_t M = chain->M, K2 = 2 * chain->K;
    const double nu = (double)(chain->n_b - K2);
    /* the variates of a step: the explicit ones (in sg, free until the
     * update's end), a, chi2 */
    double *ne = chain->sg;
    for (uint64_t i = 0; i < n; i++) {
        for (size_t m = 0; m < M; m++)
            ne[m] = aedyn__rng_normal(chain->rng);
        for (size_t j = 0; j < K2; j++)
            chain->a[j] = aedyn__rng_normal(chain->rng);
        const double chi2 = aedyn__chain_chi_square(chain->rng, nu);
        const aedyn_status st = aedyn__chain_update(chain, ne, chain->a, chi2);
        if (st != AEDYN_OK)
            return st;
    }
    return AEDYN_OK;
}

/* ---- state and observables ----------------------------------------------------- */

AEDYN_API uint64_t aedyn_chain_get_n_steps(const aedyn_chain *chain)
{
    return chain ? chain->steps : 0;
}

AEDYN_API double aedyn_chain_get_time(const aedyn_chain *chain)
{
    return chain ? (double)chain->steps / (double)chain->D : NAN;
}

AEDYN_API size_t aedyn_chain_get_n_explicit(const aedyn_chain *chain)
{
    return chain ? chain->M : 0;
}

AEDYN_API size_t aedyn_chain_get_n_state(const aedyn_chain *chain)
{
    return chain ? 2 * chain->M * chain->K + chain->K + 3 * chain->K * chain->K : 0;
}

AEDYN_API aedyn_status aedyn_chain_get_state(const aedyn_chain *chain, double *y)
{
    AEDYN__REQUIRE_NONNULL(chain);
    AEDYN__REQUIRE_NONNULL(y);
    const size_t K = chain->K, M = chain->M, K2 = 2 * K, KK = K * K;
    const double rb = chain->rho_b / (double)chain->D;
    memcpy(y, chain->wt, (2 * M * K + K) * sizeof *y);
    double *Qb = y + 2 * M * K + K, *Rb = Qb + KK, *T0b = Rb + KK;
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            Qb[k * K + l] = chain->C[k * K2 + l];
            Rb[k * K + l] = chain->C[(K + k) * K2 + l];
            T0b[k * K + l] = chain->C[(K + k) * K2 + K + l] / rb;
        }
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_chain_set_state(aedyn_chain *chain, const double *y)
{
    static const char *fn = "aedyn_chain_set_state";
    AEDYN__REQUIRE_NONNULL(chain);
    AEDYN__REQUIRE_NONNULL(y);
    const size_t K = chain->K, M = chain->M, K2 = 2 * K, KK = K * K;
    const size_t n = aedyn_chain_get_n_state(chain);
    const double rb = chain->rho_b / (double)chain->D;
    for (size_t i = 0; i < n; i++)
        if (!ok_value(y[i]))
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: y[%zu] = %g is not finite (or above "
                               "1e150)", fn, i, y[i]);
    const double *Qb = y + 2 * M * K + K, *Rb = Qb + KK, *T0b = Rb + KK;
    double *C = chain->Cn; /* scratch until the state is accepted */
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            if (Qb[k * K + l] != Qb[l * K + k] || T0b[k * K + l] != T0b[l * K + k])
                return aedyn__fail(AEDYN_ERR_INVALID, "%s: Q_b and T0_b must be symmetric "
                                   "(entry %zu, %zu)", fn, k, l);
            C[k * K2 + l] = Qb[k * K + l];
            C[(K + k) * K2 + l] = C[l * K2 + K + k] = Rb[k * K + l];
            C[(K + k) * K2 + K + l] = rb * T0b[k * K + l];
        }
    /* positive semi-definite up to rounding: C - L L^T small with the
     * clipped factor */
    aedyn__chain_factor(K2, C, chain->L);
    for (size_t i = 0; i < K2; i++)
        for (size_t j = 0; j <= i; j++) {
            double v = 0.0;
            for (size_t p = 0; p <= j; p++)
                v += chain->L[i * K2 + p] * chain->L[j * K2 + p];
            const double scale = sqrt(fabs(C[i * K2 + i] * C[j * K2 + j]));
            if (fabs(v - C[i * K2 + j]) > 1e-8 * scale + 1e-300)
                return aedyn__fail(AEDYN_ERR_INVALID, "%s: the covariance of the bulk fields "
                                   "[[Q_b, R_b^T], [R_b, rho_b T0_b / D]] is not positive "
                                   "semi-definite (entry %zu, %zu)", fn, i, j);
        }
    memcpy(chain->wt, y, 2 * M * K * sizeof *y);
    for (size_t k = 0; k < K; k++)
        chain->beta[k] = chain->has_bias ? y[2 * M * K + k] : 0.0;
    memcpy(chain->C, C, K2 * K2 * sizeof *C);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_chain_init_gaussian(aedyn_chain *chain, aedyn_rng *rng, double sigma0)
{
    AEDYN__REQUIRE_NONNULL(chain);
    AEDYN__REQUIRE_NONNULL(rng);
    if (!isfinite(sigma0) || sigma0 < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_chain_init_gaussian: sigma0 must be finite "
                           "and >= 0, got %g", sigma0);
    const size_t K = chain->K, M = chain->M, K2 = 2 * K;
    const double Dd = (double)chain->D, sD = sqrt(Dd);
    /* wt^k_m = w^k . e_m ~ N(0, sigma0^2), s^k_m = v^k . e_m / sqrt(D) ~ N(0, sigma0^2 / D) */
    for (size_t m = 0; m < M; m++)
        for (size_t k = 0; k < K; k++)
            chain->wt[m * K + k] = sigma0 * aedyn__rng_normal(rng);
    for (size_t m = 0; m < M; m++)
        for (size_t k = 0; k < K; k++)
            chain->s[m * K + k] = sigma0 / sD * aedyn__rng_normal(rng);
    for (size_t k = 0; k < K; k++)
        chain->beta[k] = 0.0;
    /* the bulk projections [W_b; S_b] = diag(sigma0, sigma0 / sqrt(D)) N, N a
     * 2K x n_b standard Gaussian matrix: N N^T ~ Wishart(n_b, I) = A A^T with
     * A lower triangular, A_ii^2 ~ chi-square(n_b - i), A_ij ~ N(0, 1) (i > j) */
    double *A = chain->L;
    memset(A, 0, K2 * K2 * sizeof *A);
    for (size_t i = 0; i < K2; i++) {
        A[i * K2 + i] = sqrt(aedyn__chain_chi_square(rng, (double)(chain->n_b - i)));
        for (size_t j = 0; j < i; j++)
            A[i * K2 + j] = aedyn__rng_normal(rng);
    }
    const double rb = chain->rho_b / Dd;
    for (size_t i = 0; i < K2; i++)
        for (size_t j = 0; j <= i; j++) {
            double v = 0.0;
            for (size_t p = 0; p <= j; p++)
                v += A[i * K2 + p] * A[j * K2 + p];
            const double si = i < K ? sigma0 : sigma0 / sD, sj = j < K ? sigma0 : sigma0 / sD;
            chain->C[i * K2 + j] = chain->C[j * K2 + i] = rb * si * sj * v;
        }
    return AEDYN_OK;
}

/* Q, R, T, T0 (K x K each) of the state. */
static void order_params(const aedyn_chain *c, double *Q, double *R, double *T, double *T0)
{
    const size_t K = c->K, M = c->M, K2 = 2 * K;
    const double Dd = (double)c->D, rb = c->rho_b / Dd;
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            double q = c->C[k * K2 + l], r = c->C[(K + k) * K2 + l];
            double t = c->C[(K + k) * K2 + K + l], t0 = t / rb;
            for (size_t m = 0; m < M; m++) {
                const double rm = c->rho[m] / Dd, *w = c->wt + m * K, *s = c->s + m * K;
                q += rm * w[k] * w[l];
                r += rm * s[k] * w[l];
                t += rm * s[k] * s[l];
                t0 += s[k] * s[l];
            }
            Q[k * K + l] = q;
            R[k * K + l] = r;
            T[k * K + l] = t;
            T0[k * K + l] = t0;
        }
}

AEDYN_API aedyn_status aedyn_chain_order_params(const aedyn_chain *chain, double *Q, double *R,
                                               double *T, double *T0)
{
    static const char *fn = "aedyn_chain_order_params";
    AEDYN__REQUIRE_NONNULL(chain);
    const size_t KK = chain->K * chain->K;
    double *buf = aedyn__calloc(4 * KK, sizeof *buf);
    if (!buf)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    order_params(chain, buf, buf + KK, buf + 2 * KK, buf + 3 * KK);
    aedyn_status st = aedyn__check_finite(fn, "the order parameters", buf, 4 * KK);
    if (st == AEDYN_OK) {
        if (Q) memcpy(Q, buf, KK * sizeof *Q);
        if (R) memcpy(R, buf + KK, KK * sizeof *R);
        if (T) memcpy(T, buf + 2 * KK, KK * sizeof *T);
        if (T0) memcpy(T0, buf + 3 * KK, KK * sizeof *T0);
    }
    free(buf);
    return st;
}

AEDYN_API aedyn_status aedyn_chain_error(const aedyn_chain *chain, double *err)
{
    static const char *fn = "aedyn_chain_error";
    AEDYN__REQUIRE_NONNULL(chain);
    AEDYN__REQUIRE_NONNULL(err);
    const size_t KK = chain->K * chain->K;
    double *buf = aedyn__calloc(4 * KK, sizeof *buf);
    if (!buf)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    order_params(chain, buf, buf + KK, buf + 2 * KK, buf + 3 * KK);
    const double e = aedyn__gauss_error(chain->act, chain->K, chain->trace, chain->D, 1.0, 0.0,
                                        0.0, chain->beta, buf, buf + KK, buf + 3 * KK);
    free(buf);
    const aedyn_status st = aedyn__check_finite(fn, "the error", &e, 1);
    if (st == AEDYN_OK)
        *err = e;
    return st;
}
