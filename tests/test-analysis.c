/* The analysis module (fixed points, stability, runaways, plateaus;
 * docs/theory.md section 11):
 *  - the saddles of a linear autoencoder on the spiked model (K = M = 3):
 *    found from nearby starts, their error, their Jacobian's eigenvalues
 *    against the closed form, the neutral count against the dimension of
 *    the symmetry orbit;
 *  - the eigenvalues from the structured Jacobian against a dense
 *    difference Jacobian of the right-hand side (linear, erf, ReLU with
 *    bias, truncated);
 *  - the linear staircase from small weights: every plateau a saddle at the
 *    ODE's level, Newton's quadratic convergence;
 *  - escape times from a saddle and from the origin against the prediction
 *    t_entry + ln(Delta / delta_0) / lambda_u, and their slope in ln(1/delta_0);
 *  - the runaway of an untied erf autoencoder at long times (example 2);
 *  - refusals (schedules, sizes, nothing analysed yet). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "linalg-internal.h"
#include "ode-private.h"

enum { D_ = 1000, K_ = 3, M_ = 3 };

typedef struct {
    aedyn_rng *rng;
    aedyn_data *data;
    double rho[M_ + 1]; /* spikes, then the bulk */
    double *E;          /* M x D spike eigenvectors */
    double *B;          /* K x D: unit bulk directions (orthogonal to the spikes) */
    double trace;
} spiked;

static void spiked_make(spiked *s, uint64_t seed)
{
    ck_assert_aedyn_ok(aedyn_rng_create(&s->rng, seed, 0));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&s->data, D_, M_, NULL, 1.0,
                                                AEDYN_DATA_SPIKES_RANDOM, s->rng,
                                                AEDYN_DATA_STANDARDISE));
    ck_assert_uint_eq(aedyn_data_get_n_groups(s->data), M_ + 1);
    s->E = malloc(M_ * D_ * sizeof *s->E);
    s->B = malloc(2 * K_ * D_ * sizeof *s->B);
    for (size_t m = 0; m <= M_; m++)
        ck_assert_aedyn_ok(aedyn_data_get_group(s->data, m, &s->rho[m], NULL, NULL));
    for (size_t m = 0; m < M_; m++)
        ck_assert_aedyn_ok(aedyn_data_get_group_vectors(s->data, m, s->E + m * D_));
    /* 2K random unit bulk directions, orthogonal to the spikes and each other */
    for (size_t i = 0; i < 2 * K_; i++) {
        double *b = s->B + i * D_;
        ck_assert_aedyn_ok(aedyn_rng_fill_normal(s->rng, b, D_));
        for (int pass = 0; pass < 2; pass++) {
            for (size_t m = 0; m < M_ + i; m++) {
                const double *e = m < M_ ? s->E + m * D_ : s->B + (m - M_) * D_;
                double c = 0.0;
                for (size_t j = 0; j < D_; j++)
                    c += e[j] * b[j];
                for (size_t j = 0; j < D_; j++)
                    b[j] -= c * e[j];
            }
        }
        double nb = 0.0;
        for (size_t j = 0; j < D_; j++)
            nb += b[j] * b[j];
        for (size_t j = 0; j < D_; j++)
            b[j] /= sqrt(nb);
    }
    s->trace = aedyn_data_get_trace(s->data);
}

static void spiked_free(spiked *s)
{
    free(s->E);
    free(s->B);
    aedyn_data_destroy(s->data);
    aedyn_rng_destroy(s->rng);
}

/* Weights from state-like coordinates: w^k = sum_m wt[m][k] e_m + sum_i
 * wb[i][k] b_i, v^k = sqrt(D) (the same with s), for M spike and nb bulk
 * directions. */
static void weights_from(const spiked *s, size_t nb, const double *wt, const double *st, double *W,
                         double *V)
{
    memset(W, 0, K_ * D_ * sizeof *W);
    memset(V, 0, K_ * D_ * sizeof *V);
    for (size_t m = 0; m < M_ + nb; m++) {
        const double *e = m < M_ ? s->E + m * D_ : s->B + (m - M_) * D_;
        for (size_t k = 0; k < K_; k++)
            for (size_t j = 0; j < D_; j++) {
                W[k * D_ + j] += wt[m * K_ + k] * e[j];
                V[k * D_ + j] += sqrt((double)D_) * st[m * K_ + k] * e[j];
            }
    }
}

/* Closed-form eigenvalues of the linear autoencoder's Jacobian at the
 * aligned saddle of the subset S = {tau_0 .. tau_{r-1}} (live unit j on
 * spike tau_j with components a_j, b_j = 1/a_j; units r..K-1 zero), with
 * P - M bulk modes of eigenvalue rho_b and rates (ew, ev): docs/theory.md
 * section 11. Writes 2 K P values; returns the expected neutral count
 * 2 K r - r^2 (the zeros). */
static size_t closed_form(const spiked *s, const size_t *S, size_t r, const double *a, size_t P,
                          double ew, double ev, double *lam, size_t *n_unst)
{
    size_t c = 0, zeros = 0;
    *n_unst = 0;
    const double D = (double)D_;
    /* the modes not occupied: the other spikes, then the bulk modes */
    double rho_un[M_ + 2 * K_];
    size_t nu = 0;
    for (size_t m = 0; m < M_; m++) {
        bool occ = false;
        for (size_t j = 0; j < r; j++)
            occ = occ || S[j] == m;
        if (!occ)
            rho_un[nu++] = s->rho[m] / D;
    }
    for (size_t i = M_; i < P; i++)
        rho_un[nu++] = s->rho[M_] / D;
    /* occupied modes: the symmetry orbit (2 K r - r^2 zeros) and r^2
     * eigenvalues -rho_i (ew b_j^2 + ev a_i^2) */
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < r; j++) {
            const double bj = 1.0 / a[j];
            lam[c++] = -s->rho[S[i]] / D * (ew * bj * bj + ev * a[i] * a[i]);
        }
    zeros = 2 * K_ * r - r * r;
    for (size_t z = 0; z < zeros; z++)
        lam[c++] = 0.0;
    for (size_t u = 0; u < nu; u++) {
        const double rs = rho_un[u];
        /* a live unit j on an unoccupied mode */
        for (size_t j = 0; j < r; j++) {
            const double rj = s->rho[S[j]] / D, aj = a[j], bj = 1.0 / aj;
            const double tr = -(ew * rs * bj * bj + ev * rj * aj * aj);
            const double det = ew * ev * rs * (rj - rs);
            const double disc = sqrt(tr * tr - 4.0 * det);
            lam[c++] = 0.5 * (tr + disc);
            lam[c++] = 0.5 * (tr - disc);
            *n_unst += det < 0.0;
        }
        /* a unit that is zero: +-rs sqrt(ew ev) */
        for (size_t j = r; j < K_; j++) {
            lam[c++] = rs * sqrt(ew * ev);
            lam[c++] = -rs * sqrt(ew * ev);
            (*n_unst)++;
        }
    }
    ck_assert_uint_eq(c, 2 * K_ * P);
    return zeros;
}

static int cmp_desc(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Tangent vectors of the GL(K) orbit at (W, V) in the metric of the ODE's
 * state, (W, V / sqrt(D)) (X = E_ab: dW = X W, dV = -X^T V), and the
 * projection of the vector (dW, dVs) (dVs = dV / sqrt(D)) on their
 * orthogonal complement. */
static void project_off_orbit(const double *W, const double *V, double *dW, double *dVs)
{
    const size_t n = 2 * K_ * D_, ng = K_ * K_;
    double *T = calloc(ng * n, sizeof *T);
    for (size_t a = 0; a < K_; a++)
        for (size_t b = 0; b < K_; b++) {
            double *t = T + (a * K_ + b) * n;
            for (size_t j = 0; j < D_; j++) {
                t[a * D_ + j] += W[b * D_ + j];
                t[K_ * D_ + b * D_ + j] -= V[a * D_ + j] / sqrt((double)D_);
            }
        }
    /* modified Gram-Schmidt on the generators, then remove their span */
    for (size_t g = 0; g < ng; g++) {
        double *t = T + g * n;
        for (int pass = 0; pass < 2; pass++)
            for (size_t h = 0; h < g; h++) {
                const double *u = T + h * n;
                double c = 0.0;
                for (size_t i = 0; i < n; i++)
                    c += u[i] * t[i];
                for (size_t i = 0; i < n; i++)
                    t[i] -= c * u[i];
            }
        double nt = 0.0;
        for (size_t i = 0; i < n; i++)
            nt += t[i] * t[i];
        nt = sqrt(nt);
        for (size_t i = 0; i < n; i++)
            t[i] = nt > 1e-12 ? t[i] / nt : 0.0;
    }
    for (size_t g = 0; g < ng; g++) {
        const double *u = T + g * n;
        double c = 0.0;
        for (size_t i = 0; i < n; i++)
            c += u[i] * (i < K_ * D_ ? dW[i] : dVs[i - K_ * D_]);
        for (size_t i = 0; i < n; i++) {
            if (i < K_ * D_)
                dW[i] -= c * u[i];
            else
                dVs[i - K_ * D_] -= c * u[i];
        }
    }
    free(T);
}

START_TEST(linear_saddles_closed_form)
{
    /* Every subset S of the three spikes (the origin, the saddles, the
     * minimum): the aligned fixed point (live unit j on spike tau_j,
     * w = a_j e, v = sqrt(D) e / a_j, the other units zero), moved by a
     * nearby displacement, is found by Newton; its error is
     * (Tr Omega - sum_S rho) / 2D; the counts of unstable and neutral
     * directions are those of the closed form, the neutral count the
     * dimension 2 K r - r^2 of the symmetry orbit. Two starts:
     *  - a random displacement of size 1e-2 in every direction (bulk
     *    included): Newton lands on another point of the manifold of fixed
     *    points; the error and the counts do not depend on which (the
     *    eigenvalues do: the symmetry is not an isometry of the flow);
     *  - a displacement of size 1e-5 orthogonal to the orbit: the
     *    minimum-norm steps land within O(1e-10) of the aligned point, and
     *    the eigenvalues must equal the closed form to 1e-8.
     * Rates (1, 0.7) so that encoder and decoder differ. */
    spiked s;
    spiked_make(&s, 21);
    const double ew = 1.0, ev = 0.7, D = (double)D_;
    const double a[K_] = { 1.3, 0.8, 1.1 };
    double *W = malloc(K_ * D_ * sizeof *W), *V = malloc(K_ * D_ * sizeof *V);
    double *dW = malloc(K_ * D_ * sizeof *dW), *dV = malloc(K_ * D_ * sizeof *dV);
    double worst_ev = 0.0;
    size_t max_iter = 0;
    for (unsigned mask = 0; mask < 8; mask++) {
        size_t S[K_], r = 0;
        for (size_t m = 0; m < M_; m++)
            if (mask & (1u << m))
                S[r++] = m;
        double wt[(M_ + 2 * K_) * K_] = { 0 }, st[(M_ + 2 * K_) * K_] = { 0 };
        for (size_t j = 0; j < r; j++) {
            wt[S[j] * K_ + j] = a[j];
            st[S[j] * K_ + j] = 1.0 / a[j];
        }
        double err_exact = s.trace;
        for (size_t j = 0; j < r; j++)
            err_exact -= s.rho[S[j]];
        err_exact /= 2.0 * D;
        for (int start = 0; start < 2; start++) {
            const double eps = start == 0 ? 1e-2 : 1e-5;
            double dwt[(M_ + 2 * K_) * K_], dst[(M_ + 2 * K_) * K_];
            ck_assert_aedyn_ok(aedyn_rng_fill_normal(s.rng, dwt, (M_ + 2 * K_) * K_));
            ck_assert_aedyn_ok(aedyn_rng_fill_normal(s.rng, dst, (M_ + 2 * K_) * K_));
            weights_from(&s, 2 * K_, dwt, dst, dW, dV);
            weights_from(&s, 0, wt, st, W, V);
            for (size_t i = 0; i < K_ * D_; i++)
                dV[i] /= sqrt(D); /* the state's metric */
            if (start == 1)
                project_off_orbit(W, V, dW, dV);
            double nd = 0.0;
            for (size_t i = 0; i < K_ * D_; i++)
                nd += dW[i] * dW[i] + dV[i] * dV[i];
            for (size_t i = 0; i < K_ * D_; i++) {
                W[i] += eps / sqrt(nd) * dW[i];
                V[i] += eps / sqrt(nd) * dV[i] * sqrt(D);
            }
            aedyn_net *net;
            aedyn_ode *o;
            aedyn_analysis *an;
            ck_assert_aedyn_ok(aedyn_net_create(&net, D_, K_, AEDYN_NET_ACT_LINEAR, 0));
            ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, V, NULL));
            ck_assert_aedyn_ok(aedyn_ode_create(&o, net, s.data, AEDYN_SGD_VANILLA, 1.0));
            ck_assert_aedyn_ok(aedyn_ode_set_learning_rates(o, ew, ev, ew));
            const size_t P = aedyn_ode_get_n_modes(o);
            ck_assert_uint_eq(P, M_ + 2 * K_);
            ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
            ck_assert_aedyn_ok(aedyn_analysis_fixed_point(an));
            aedyn_analysis_outcome out;
            ck_assert_aedyn_ok(aedyn_analysis_get_outcome(an, &out));
            const size_t it = aedyn_analysis_get_n_iterations(an);
            double res[128];
            ck_assert_uint_le(it, 100);
            ck_assert_aedyn_ok(aedyn_analysis_get_residuals(an, res));
            printf("S mask %u start %d: %zu iterations, relative residuals", mask, start, it);
            for (size_t i = 0; i <= it; i++)
                printf(" %.1e", res[i]);
            printf("\n");
            ck_assert_msg(out == AEDYN_ANALYSIS_FIXED_POINT, "mask %u start %d: outcome %d", mask,
                          start, (int)out);
            ck_assert_double_le(res[it], 1e-12);
            max_iter = it > max_iter ? it : max_iter;
            double err;
            ck_assert_aedyn_ok(aedyn_analysis_error(an, &err));
            ck_assert_msg(fabs(err - err_exact) <= 1e-10 * err_exact, "mask %u: error %.15g vs %.15g",
                          mask, err, err_exact);
            /* the closed form */
            const size_t n = aedyn_analysis_get_n_eigenvalues(an);
            ck_assert_uint_eq(n, 2 * K_ * P);
            double re[2 * K_ * (M_ + 2 * K_)], im[2 * K_ * (M_ + 2 * K_)];
            double lam[2 * K_ * (M_ + 2 * K_)];
            size_t n_unst_cf;
            const size_t zeros = closed_form(&s, S, r, a, P, ew, ev, lam, &n_unst_cf);
            qsort(lam, n, sizeof *lam, cmp_desc);
            ck_assert_aedyn_ok(aedyn_analysis_get_eigenvalues(an, re, im));
            size_t nu, nn, ns, nsym;
            ck_assert_aedyn_ok(aedyn_analysis_get_counts(an, &nu, &nn, &ns, &nsym));
            ck_assert_msg(nn == zeros && nsym == zeros && nu == n_unst_cf &&
                              ns == n - zeros - n_unst_cf,
                          "mask %u start %d: counts %zu/%zu/%zu (symmetry %zu), expected "
                          "%zu/%zu/%zu", mask, start, nu, nn, ns, nsym, n_unst_cf, zeros,
                          n - zeros - n_unst_cf);
            if (start == 1)
                for (size_t i = 0; i < n; i++) {
                    worst_ev = fmax(worst_ev, fabs(re[i] - lam[i]));
                    ck_assert_msg(fabs(re[i] - lam[i]) <= 1e-8 && fabs(im[i]) <= 1e-8,
                                  "mask %u: eigenvalue %zu: %.12g%+.3gi vs %.12g", mask, i,
                                  re[i], im[i], lam[i]);
                }
            /* the leading unstable eigenvalue is the largest of the closed form */
            double lu;
            size_t mult;
            ck_assert_aedyn_ok(aedyn_analysis_get_unstable(an, &lu, &mult));
            if (n_unst_cf)
                ck_assert_double_le(fabs(lu - lam[0]), 1e-6 * lam[0]);
            else
                ck_assert(isnan(lu) && mult == 0);
            aedyn_analysis_destroy(an);
            aedyn_ode_destroy(o);
            aedyn_net_destroy(net);
        }
    }
    printf("linear saddles: worst eigenvalue deviation from the closed form %.2g; at most %zu "
           "Newton iterations\n", worst_ev, max_iter);
    free(W);
    free(V);
    free(dW);
    free(dV);
    spiked_free(&s);
}
END_TEST

/* A network with i.i.d. N(0, sigma0^2) weights (seeded). */
static aedyn_net *make_net(size_t K, aedyn_net_activation act, unsigned flags, uint64_t seed,
                           double sigma0)
{
    aedyn_net *net;
    aedyn_rng *rng;
    ck_assert_aedyn_ok(aedyn_net_create(&net, D_, K, act, flags));
    ck_assert_aedyn_ok(aedyn_rng_create(&rng, seed, 0));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, rng, sigma0));
    aedyn_rng_destroy(rng);
    return net;
}

START_TEST(structured_eigenvalues_match_dense_differences)
{
    /* The frozen-time linearisation (aedyn_analysis_linearise: the structured
     * Jacobian, U by central differences in the order parameters) against
     * the eigenvalues of a dense central-difference Jacobian of the whole
     * right-hand side (step 1e-5 relative, error ~1e-10 of |J|), on the
     * reduced state, at a state reached by the ODE from random weights:
     * linear, erf, ReLU with bias (vanilla and truncated), erf truncated.
     * Every eigenvalue must have a partner within 1e-6 of the spectral
     * radius (the two Jacobians differ by ~1e-10 of |J|; non-normal
     * eigenvalues amplify that by their condition numbers). */
    spiked s;
    spiked_make(&s, 22);
    static const struct {
        aedyn_net_activation act;
        unsigned flags;
        aedyn_sgd_rule rule;
    } cases[] = {
        { AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_VANILLA },
        { AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_VANILLA },
        { AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_VANILLA },
        { AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, AEDYN_SGD_TRUNCATED },
        { AEDYN_NET_ACT_ERF, 0, AEDYN_SGD_TRUNCATED },
        { AEDYN_NET_ACT_LINEAR, 0, AEDYN_SGD_TRUNCATED },
    };
    double worst = 0.0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        aedyn_net *net = make_net(K_, cases[c].act, cases[c].flags, 30 + c, 0.3);
        aedyn_ode *o;
        aedyn_analysis *an;
        ck_assert_aedyn_ok(aedyn_ode_create(&o, net, s.data, cases[c].rule, 0.5));
        ck_assert_aedyn_ok(aedyn_ode_advance(o, 4.0));
        ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
        ck_assert_aedyn_ok(aedyn_analysis_linearise(an));
        aedyn_analysis_outcome out;
        ck_assert_aedyn_ok(aedyn_analysis_get_outcome(an, &out));
        ck_assert_int_eq(out, AEDYN_ANALYSIS_LINEARISED);
        const size_t N = o->n_state, n = aedyn_analysis_get_n_eigenvalues(an);
        const bool bias = cases[c].flags & AEDYN_NET_BIAS;
        ck_assert_uint_eq(n, 2 * o->P * K_ + (bias ? K_ : 0));
        double *re = malloc(n * sizeof *re), *im = malloc(n * sizeof *im);
        double *J = malloc(N * N * sizeof *J), *Jr = malloc(n * n * sizeof *Jr);
        double *wr = malloc(n * sizeof *wr), *wi = malloc(n * sizeof *wi);
        double *y = malloc(N * sizeof *y), *fp = malloc(N * sizeof *fp), *fm = malloc(N * sizeof *fm);
        bool *used = calloc(n, sizeof *used);
        ck_assert_aedyn_ok(aedyn_analysis_get_eigenvalues(an, re, im));
        memcpy(y, o->y, N * sizeof *y);
        for (size_t j = 0; j < N; j++) {
            const double yj = y[j], h = 1e-5 * fmax(fabs(yj), 1e-1);
            y[j] = yj + h;
            ck_assert_aedyn_ok(aedyn__ode_eval(o, y, fp));
            y[j] = yj - h;
            ck_assert_aedyn_ok(aedyn__ode_eval(o, y, fm));
            y[j] = yj;
            for (size_t i = 0; i < N; i++)
                J[i * N + j] = (fp[i] - fm[i]) / (2.0 * h);
        }
        for (size_t i = 0; i < n; i++) /* the reduced state: wt, s (and the biases) */
            for (size_t j = 0; j < n; j++)
                Jr[i * n + j] = J[i * N + j];
        ck_assert_aedyn_ok(aedyn__eig(n, Jr, wr, wi, NULL, NULL));
        double radius = 0.0, dmax = 0.0;
        for (size_t i = 0; i < n; i++)
            radius = fmax(radius, hypot(wr[i], wi[i]));
        for (size_t i = 0; i < n; i++) {
            size_t best = n;
            double bd = INFINITY;
            for (size_t j = 0; j < n; j++)
                if (!used[j] && hypot(re[i] - wr[j], im[i] - wi[j]) < bd) {
                    bd = hypot(re[i] - wr[j], im[i] - wi[j]);
                    best = j;
                }
            used[best] = true;
            dmax = fmax(dmax, bd);
        }
        worst = fmax(worst, dmax / radius);
        printf("case %zu: %zu eigenvalues, spectral radius %.3g, worst deviation %.2g\n", c, n,
               radius, dmax);
        ck_assert_msg(dmax <= 1e-6 * radius, "case %zu: eigenvalues deviate by %g (radius %g)", c,
                      dmax, radius);
        free(re);
        free(im);
        free(J);
        free(Jr);
        free(wr);
        free(wi);
        free(y);
        free(fp);
        free(fm);
        free(used);
        aedyn_analysis_destroy(an);
        aedyn_ode_destroy(o);
        aedyn_net_destroy(net);
    }
    printf("structured vs dense difference eigenvalues: worst deviation %.2g of the spectral "
           "radius\n", worst);
    spiked_free(&s);
}
END_TEST

START_TEST(erf_runaway_at_long_times)
{
    /* Example 2's run: untied erf autoencoder, K = M = 2, standardised spiked
     * model, D = 500, eta = 1, sigma0 = 0.1, seed 1 (data stream 0,
     * initial weights stream 1), integrated to t = 2e4. There the error is
     * within 1 % of eps_PCA(2) and still falls: the encoder shrinks and the
     * decoder grows (docs/theory.md section 8). No fixed point exists at
     * finite weights: Newton must report a runaway, with a direction along
     * which every Q^kk falls and every T0^kk grows. */
    const size_t D = 500, K = 2;
    aedyn_rng *rd, *ri;
    aedyn_data *data;
    aedyn_net *net;
    aedyn_ode *o;
    aedyn_analysis *an;
    ck_assert_aedyn_ok(aedyn_rng_create(&rd, 1, 0));
    ck_assert_aedyn_ok(aedyn_rng_create(&ri, 1, 1));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&data, D, K, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM,
                                                rd, AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&net, D, K, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, ri, 0.1));
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, data, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_advance(o, 2e4));
    double err, pca;
    ck_assert_aedyn_ok(aedyn_ode_error(o, &err));
    ck_assert_aedyn_ok(aedyn_data_pca_error(data, K, &pca));
    ck_assert_double_le(err / pca - 1.0, 0.01);
    ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
    ck_assert_aedyn_ok(aedyn_analysis_fixed_point(an));
    aedyn_analysis_outcome out;
    ck_assert_aedyn_ok(aedyn_analysis_get_outcome(an, &out));
    const size_t it = aedyn_analysis_get_n_iterations(an);
    double res[101];
    ck_assert_aedyn_ok(aedyn_analysis_get_residuals(an, res));
    printf("erf at t = 2e4: outcome %s after %zu iterations; relative residuals %.2e ... %.2e\n",
           aedyn_enum_name(AEDYN_ENUM_ANALYSIS_OUTCOME, (int)out), it, res[0], res[it]);
    ck_assert_int_eq(out, AEDYN_ANALYSIS_RUNAWAY);
    double dQ[4], dT0[4], Q[4], T0[4];
    ck_assert_aedyn_ok(aedyn_analysis_get_direction(an, NULL, dQ, NULL, NULL, dT0));
    ck_assert_aedyn_ok(aedyn_analysis_order_params(an, Q, NULL, NULL, T0));
    for (size_t k = 0; k < K; k++) {
        printf("unit %zu: Q %.4f T0 %.3f; along the runaway dQ %.3g dT0 %.3g\n", k, Q[k * K + k],
               T0[k * K + k], dQ[k * K + k], dT0[k * K + k]);
        ck_assert_msg(dQ[k * K + k] < 0.0 && dT0[k * K + k] > 0.0,
                      "unit %zu: dQ = %g, dT0 = %g", k, dQ[k * K + k], dT0[k * K + k]);
    }
    aedyn_analysis_destroy(an);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    aedyn_data_destroy(data);
    aedyn_rng_destroy(rd);
    aedyn_rng_destroy(ri);
}
END_TEST

/* Print plateau i and return one field. */
static double pf(const aedyn_analysis *an, size_t i, aedyn_analysis_plateau_field f)
{
    double v;
    ck_assert_aedyn_ok(aedyn_analysis_get_plateau(an, i, f, &v));
    return v;
}

static void print_plateaus(const aedyn_analysis *an)
{
    printf("%3s %9s %9s %9s %11s %-11s %9s %3s %11s %11s %9s %5s\n", "#", "t_entry", "t_exit",
           "t_ref", "error", "kind", "lambda_u", "m", "delta0", "Delta", "t_pred", "n_u");
    for (size_t i = 0; i < aedyn_analysis_get_n_plateaus(an); i++)
        printf("%3zu %9.3f %9.3f %9.3f %11.8f %-11s %9.5f %3.0f %11.4g %11.4g %9.3f %5.0f\n", i,
               pf(an, i, AEDYN_ANALYSIS_PLATEAU_T_ENTRY), pf(an, i, AEDYN_ANALYSIS_PLATEAU_T_EXIT),
               pf(an, i, AEDYN_ANALYSIS_PLATEAU_T_REFERENCE),
               pf(an, i, AEDYN_ANALYSIS_PLATEAU_ERROR),
               aedyn_enum_name(AEDYN_ENUM_ANALYSIS_OUTCOME,
                               (int)pf(an, i, AEDYN_ANALYSIS_PLATEAU_KIND)),
               pf(an, i, AEDYN_ANALYSIS_PLATEAU_LAMBDA),
               pf(an, i, AEDYN_ANALYSIS_PLATEAU_MULTIPLICITY),
               pf(an, i, AEDYN_ANALYSIS_PLATEAU_DELTA0), pf(an, i, AEDYN_ANALYSIS_PLATEAU_DELTA),
               pf(an, i, AEDYN_ANALYSIS_PLATEAU_T_PREDICTED),
               pf(an, i, AEDYN_ANALYSIS_PLATEAU_N_UNSTABLE));
}

START_TEST(linear_staircase)
{
    /* A linear autoencoder, K = M = 3, from small weights (sigma0 = 1e-4):
     * the error stays at eps_PCA(0), then eps_PCA(1), eps_PCA(2) before it
     * reaches eps_PCA(3). The plateau detector must find the three saddles
     * and the minimum, each a fixed point: saddles with an unstable
     * direction, the minimum without; each fixed point's error
     * (Tr Omega - sum of the learnt rho) / 2D to 1e-10 and within 1e-4 of the
     * error the ODE has on the plateau (the trajectory passes within
     * ~1e-3 of the saddles). Newton from the slowest state of each plateau
     * converges quadratically: r_k+1 <= C r_k^2 once r_k < 1e-2 and while
     * r_k+1 is above rounding (1e-14), with C = 1e6 (C grows with the
     * condition of J: the bulk modes' rates are 3e-5 of the leading
     * spike's; measured 7 to 1.05e5). A linearly converging iteration with
     * any rate above 1e-3 breaks this bound on its way to 1e-12. */
    spiked s;
    spiked_make(&s, 23);
    aedyn_net *net = make_net(K_, AEDYN_NET_ACT_LINEAR, 0, 40, 1e-4);
    aedyn_ode *o, *o2;
    aedyn_analysis *an, *an2;
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, s.data, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_create(&o2, net, s.data, AEDYN_SGD_VANILLA, 1.0));
    for (int i = 0; i < 2; i++) {
        ck_assert_aedyn_ok(aedyn_ode_set_method(i ? o2 : o, AEDYN_ODE_DOPRI5, 0.0));
        ck_assert_aedyn_ok(aedyn_ode_set_tolerances(i ? o2 : o, 1e-10, 1e-16));
    }
    ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
    ck_assert_aedyn_ok(aedyn_analysis_create(&an2, o2));
    ck_assert_aedyn_ok(aedyn_analysis_plateaus(an, 400.0, 2000));
    print_plateaus(an);
    const size_t np = aedyn_analysis_get_n_plateaus(an);
    ck_assert_uint_eq(np, 4);
    double level = s.trace;
    for (size_t i = 0; i < np; i++) {
        if (i > 0)
            level -= s.rho[i - 1];
        const double e_fp = pf(an, i, AEDYN_ANALYSIS_PLATEAU_FIXED_POINT_ERROR);
        const double e_ode = pf(an, i, AEDYN_ANALYSIS_PLATEAU_ERROR);
        ck_assert_int_eq((int)pf(an, i, AEDYN_ANALYSIS_PLATEAU_KIND), AEDYN_ANALYSIS_FIXED_POINT);
        ck_assert_msg(fabs(e_fp - level / (2.0 * D_)) <= 1e-10 * e_fp, "plateau %zu: %.12g vs %.12g",
                      i, e_fp, level / (2.0 * D_));
        ck_assert_msg(fabs(e_ode - e_fp) <= 1e-4 * e_fp, "plateau %zu: ODE %.10g, fixed point %.10g",
                      i, e_ode, e_fp);
        ck_assert((pf(an, i, AEDYN_ANALYSIS_PLATEAU_N_UNSTABLE) > 0) == (i < 3));
        /* Newton from the slowest state, through the public API */
        ck_assert_aedyn_ok(aedyn_ode_advance(o2, pf(an, i, AEDYN_ANALYSIS_PLATEAU_T_REFERENCE)));
        ck_assert_aedyn_ok(aedyn_analysis_fixed_point(an2));
        aedyn_analysis_outcome out;
        ck_assert_aedyn_ok(aedyn_analysis_get_outcome(an2, &out));
        ck_assert_int_eq(out, AEDYN_ANALYSIS_FIXED_POINT);
        double r[101];
        const size_t it = aedyn_analysis_get_n_iterations(an2);
        ck_assert_aedyn_ok(aedyn_analysis_get_residuals(an2, r));
        printf("plateau %zu at t = %g: Newton residuals", i,
               pf(an, i, AEDYN_ANALYSIS_PLATEAU_T_REFERENCE));
        for (size_t k = 0; k <= it; k++)
            printf(" %.1e", r[k]);
        printf("\n");
        for (size_t k = 0; k < it; k++)
            if (r[k] < 1e-2 && r[k + 1] > 1e-14)
                ck_assert_msg(r[k + 1] <= 1e6 * r[k] * r[k], "plateau %zu: %g after %g", i,
                              r[k + 1], r[k]);
    }
    aedyn_analysis_destroy(an);
    aedyn_analysis_destroy(an2);
    aedyn_ode_destroy(o);
    aedyn_ode_destroy(o2);
    aedyn_net_destroy(net);
    spiked_free(&s);
}
END_TEST

/* Start a network of activation act at the fixed point analysed by an,
 * displaced by delta0 along its unstable eigenvector, integrate its ODE to
 * t_end and return the first plateau's entry, exit, prediction, and the
 * delta_0 the detector measured (plateau threshold theta). */
static void escape_run(const spiked *s, const aedyn_analysis *an, aedyn_net_activation act,
                       double delta0, double t_end, double theta, double out[4])
{
    double *W = malloc(K_ * D_ * sizeof *W), *V = malloc(K_ * D_ * sizeof *V);
    ck_assert_aedyn_ok(aedyn_analysis_get_weights(an, delta0, W, V, NULL));
    aedyn_net *net;
    aedyn_ode *o;
    aedyn_analysis *a2;
    ck_assert_aedyn_ok(aedyn_net_create(&net, D_, K_, act, 0));
    ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, V, NULL));
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, s->data, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_set_method(o, AEDYN_ODE_DOPRI5, 0.0));
    ck_assert_aedyn_ok(aedyn_ode_set_tolerances(o, 1e-11, 1e-22));
    ck_assert_aedyn_ok(aedyn_analysis_create(&a2, o));
    ck_assert_aedyn_ok(aedyn_analysis_set_plateau_threshold(a2, theta));
    ck_assert_aedyn_ok(aedyn_analysis_plateaus(a2, t_end, 3000));
    ck_assert_uint_ge(aedyn_analysis_get_n_plateaus(a2), 1);
    out[0] = pf(a2, 0, AEDYN_ANALYSIS_PLATEAU_T_ENTRY);
    out[1] = pf(a2, 0, AEDYN_ANALYSIS_PLATEAU_T_EXIT);
    out[2] = pf(a2, 0, AEDYN_ANALYSIS_PLATEAU_T_PREDICTED);
    out[3] = pf(a2, 0, AEDYN_ANALYSIS_PLATEAU_DELTA0);
    ck_assert_int_eq((int)pf(a2, 0, AEDYN_ANALYSIS_PLATEAU_KIND), AEDYN_ANALYSIS_FIXED_POINT);
    aedyn_analysis_destroy(a2);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    free(W);
    free(V);
}

/* The escape-time checks from the fixed point of an: for delta_0 = 1e-4,
 * 1e-6, 1e-8, the observed exit within 5 % of the prediction (both counted
 * from the entry, t = 0), the measured delta_0 the one put in (1e-6
 * relative), and the exit's slope in ln(1/delta_0) within 2 % of 1/lambda_u. */
static void check_escape(const spiked *s, const aedyn_analysis *an, aedyn_net_activation act,
                         double t_end, double theta, const char *what)
{
    double lam;
    size_t mult;
    ck_assert_aedyn_ok(aedyn_analysis_get_unstable(an, &lam, &mult));
    ck_assert(lam > 0.0);
    const double d0[3] = { 1e-4, 1e-6, 1e-8 };
    double tx[3];
    for (int i = 0; i < 3; i++) {
        double r[4];
        escape_run(s, an, act, d0[i], t_end, theta, r);
        tx[i] = r[1];
        const double dev = (r[1] - r[2]) / (r[1] - r[0]);
        printf("%s, theta %g: delta0 %.0e (measured %.6g): exit %.4f, predicted %.4f (%+.2f %%)\n",
               what, theta, d0[i], r[3], r[1], r[2], 100 * dev);
        ck_assert_double_eq(r[0], 0.0);
        ck_assert_msg(fabs(r[3] / d0[i] - 1.0) <= 1e-6, "%s: delta0 measured %g, put %g", what,
                      r[3], d0[i]);
        ck_assert_msg(fabs(dev) <= 0.05, "%s: delta0 %g: exit %g, predicted %g", what, d0[i], r[1],
                      r[2]);
    }
    /* least-squares slope of the exit time against ln(1/delta0) */
    double xm = 0.0, ym = 0.0, sxy = 0.0, sxx = 0.0;
    for (int i = 0; i < 3; i++) {
        xm += log(1.0 / d0[i]) / 3.0;
        ym += tx[i] / 3.0;
    }
    for (int i = 0; i < 3; i++) {
        sxy += (log(1.0 / d0[i]) - xm) * (tx[i] - ym);
        sxx += (log(1.0 / d0[i]) - xm) * (log(1.0 / d0[i]) - xm);
    }
    const double slope = sxy / sxx;
    printf("%s, theta %g: lambda_u = %.6f (multiplicity %zu): slope %.5f vs 1/lambda_u %.5f "
           "(%+.3f %%)\n", what, theta, lam, mult, slope, 1.0 / lam, 100 * (slope * lam - 1.0));
    ck_assert_msg(fabs(slope * lam - 1.0) <= 0.02, "%s: slope %g vs %g", what, slope, 1.0 / lam);
}

START_TEST(staircase_d4000)
{
    /* The linear staircase at D = 4000 (K = M = 3, sigma0 = 1e-3): the bulk
     * modes' rates are 2e-6 of the spikes', so the zero components of the
     * saddle are converged only to ~1e-8. Measured regressions: they were
     * taken for two more symmetry directions (orbit dimension 7, not 5;
     * lambda_u's multiplicity 1, not 2), and the saddle's two equal rates,
     * split by 1.5e-6 in the gauge Newton lands in, were not one eigenspace:
     * delta_0 came out 1e-4 (not 2.6e-2) and the predicted exit 48 for an
     * observed 22.8. Required: the orbit of S = {1} (2Kr - r^2 = 5),
     * multiplicity 2, the predicted exit within 5 % of the plateau's
     * duration (measured 1.3 %). */
    aedyn_rng *rd, *ri;
    aedyn_data *d;
    aedyn_net *net;
    aedyn_ode *o;
    aedyn_analysis *an;
    ck_assert_aedyn_ok(aedyn_rng_create(&rd, 1, 0));
    ck_assert_aedyn_ok(aedyn_rng_create(&ri, 1, 1));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, 4000, 3, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM,
                                                rd, AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&net, 4000, 3, AEDYN_NET_ACT_LINEAR, 0));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(net, ri, 1e-3));
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, d, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_set_method(o, AEDYN_ODE_DOPRI5, 0.0));
    ck_assert_aedyn_ok(aedyn_ode_set_tolerances(o, 1e-10, 1e-16));
    ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
    ck_assert_aedyn_ok(aedyn_analysis_plateaus(an, 300.0, 2000));
    print_plateaus(an);
    ck_assert_uint_eq(aedyn_analysis_get_n_plateaus(an), 4);
    ck_assert_double_eq(pf(an, 1, AEDYN_ANALYSIS_PLATEAU_N_SYMMETRY), 5.0);
    ck_assert_double_eq(pf(an, 1, AEDYN_ANALYSIS_PLATEAU_MULTIPLICITY), 2.0);
    const double tin = pf(an, 1, AEDYN_ANALYSIS_PLATEAU_T_ENTRY);
    const double tx = pf(an, 1, AEDYN_ANALYSIS_PLATEAU_T_EXIT);
    const double tp = pf(an, 1, AEDYN_ANALYSIS_PLATEAU_T_PREDICTED);
    ck_assert_msg(fabs(tp - tx) <= 0.05 * (tx - tin), "exit %g, predicted %g, entry %g", tx, tp,
                  tin);
    aedyn_analysis_destroy(an);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    aedyn_data_destroy(d);
    aedyn_rng_destroy(rd);
    aedyn_rng_destroy(ri);
}
END_TEST

START_TEST(escape_times)
{
    /* Starting the ODE at a fixed point displaced by delta_0 along its
     * unstable eigenvector: the saddle S = {1} of the linear autoencoder
     * (K = M = 3), and the origin of linear, erf and ReLU autoencoders. The
     * plateau detector must see the start as a plateau (t_entry = 0), measure
     * delta_0, and the escape it observes must match the prediction
     * ln(Delta / delta_0) / lambda_u within 5 %, with a slope in
     * ln(1/delta_0) within 2 % of 1/lambda_u. Two plateau thresholds: the
     * default 0.01 (the exit in the linear regime: measured <= 0.01 %) and
     * 0.3 (exit where the growth is no longer exponential: Delta is about a
     * third of the escape's peak amplitude; measured 0.28-0.37 %). */
    spiked s;
    spiked_make(&s, 24);
    double *W = calloc(K_ * D_, sizeof *W), *V = calloc(K_ * D_, sizeof *V);
    static const aedyn_net_activation acts[] = { AEDYN_NET_ACT_LINEAR, AEDYN_NET_ACT_LINEAR,
                                                 AEDYN_NET_ACT_ERF, AEDYN_NET_ACT_RELU };
    static const char *names[] = { "linear, saddle S = {1}", "linear, origin", "erf, origin",
                                   "relu, origin" };
    for (int c = 0; c < 4; c++) {
        memset(W, 0, K_ * D_ * sizeof *W);
        memset(V, 0, K_ * D_ * sizeof *V);
        if (c == 0) /* unit 0 on the leading spike, w = e, v = sqrt(D) e */
            for (size_t j = 0; j < D_; j++) {
                W[j] = s.E[j];
                V[j] = sqrt((double)D_) * s.E[j];
            }
        aedyn_net *net;
        aedyn_ode *o;
        aedyn_analysis *an;
        ck_assert_aedyn_ok(aedyn_net_create(&net, D_, K_, acts[c], 0));
        ck_assert_aedyn_ok(aedyn_net_set_weights(net, W, V, NULL));
        ck_assert_aedyn_ok(aedyn_ode_create(&o, net, s.data, AEDYN_SGD_VANILLA, 1.0));
        ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
        ck_assert_aedyn_ok(aedyn_analysis_fixed_point(an));
        aedyn_analysis_outcome out;
        ck_assert_aedyn_ok(aedyn_analysis_get_outcome(an, &out));
        ck_assert_int_eq(out, AEDYN_ANALYSIS_FIXED_POINT);
        for (int th = 0; th < 2; th++)
            check_escape(&s, an, acts[c],
                         c == 0 ? 150.0 : acts[c] == AEDYN_NET_ACT_RELU ? 100.0 : 60.0,
                         th ? 0.3 : 0.01, names[c]);
        aedyn_analysis_destroy(an);
        aedyn_ode_destroy(o);
        aedyn_net_destroy(net);
    }
    free(W);
    free(V);
    spiked_free(&s);
}
END_TEST

START_TEST(denoising_and_bias)
{
    /* The models beyond the plain autoencoder are handled, not refused: a
     * linear denoising autoencoder (a = 1, sigma_n = 0.5) with a trained
     * skip weight (the state ends with c; n = 2 P K + 1) converges to a
     * fixed point from its state at t = 200 (still far: its bulk encoder
     * components decay at rates ~1e-5), with a lower error, and a network
     * started there stays there: its ODE's error moves by less than 1e-9
     * (relative) in 100 units of time. A ReLU network with trained biases
     * (generic coefficients, n = 2 P K + K) is linearised and searched
     * without failing. */
    spiked s;
    spiked_make(&s, 25);
    aedyn_net *net = make_net(K_, AEDYN_NET_ACT_LINEAR, AEDYN_NET_SKIP, 50, 0.1);
    aedyn_ode *o;
    aedyn_analysis *an;
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, s.data, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_set_denoising(o, 1.0, 0.5));
    ck_assert_aedyn_ok(aedyn_ode_advance(o, 200.0));
    ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
    ck_assert_uint_eq(aedyn_analysis_get_n_eigenvalues(an), 2 * o->P * K_ + 1);
    ck_assert_aedyn_ok(aedyn_analysis_fixed_point(an));
    aedyn_analysis_outcome out;
    ck_assert_aedyn_ok(aedyn_analysis_get_outcome(an, &out));
    double r[101], e0, e1, e2, c0, *y = malloc(o->n_state * sizeof *y);
    ck_assert_aedyn_ok(aedyn_analysis_get_residuals(an, r));
    printf("denoising with skip: %s after %zu iterations (%.1e -> %.1e)\n",
           aedyn_enum_name(AEDYN_ENUM_ANALYSIS_OUTCOME, (int)out),
           aedyn_analysis_get_n_iterations(an), r[0], r[aedyn_analysis_get_n_iterations(an)]);
    ck_assert_int_eq(out, AEDYN_ANALYSIS_FIXED_POINT);
    ck_assert_aedyn_ok(aedyn_ode_error(o, &e0));
    ck_assert_aedyn_ok(aedyn_analysis_error(an, &e1));
    ck_assert_aedyn_ok(aedyn_ode_get_skip(o, &c0));
    ck_assert_aedyn_ok(aedyn_analysis_get_state(an, y));
    const double c1 = y[o->n_state - 1];
    printf("  error %.8f at t = 200, %.8f at the fixed point; skip %.6f -> %.6f\n", e0, e1, c0, c1);
    ck_assert_double_lt(e1, e0);
    double *W = malloc(K_ * D_ * sizeof *W), *V = malloc(K_ * D_ * sizeof *V);
    ck_assert_aedyn_ok(aedyn_analysis_get_weights(an, 0.0, W, V, NULL));
    aedyn_net *net2;
    aedyn_ode *o2;
    ck_assert_aedyn_ok(aedyn_net_create(&net2, D_, K_, AEDYN_NET_ACT_LINEAR, AEDYN_NET_SKIP));
    ck_assert_aedyn_ok(aedyn_net_set_weights(net2, W, V, NULL));
    ck_assert_aedyn_ok(aedyn_net_set_skip(net2, c1));
    ck_assert_aedyn_ok(aedyn_ode_create(&o2, net2, s.data, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_set_denoising(o2, 1.0, 0.5));
    ck_assert_aedyn_ok(aedyn_ode_set_tolerances(o2, 1e-10, 1e-14));
    ck_assert_aedyn_ok(aedyn_ode_error(o2, &e2));
    ck_assert_double_le(fabs(e2 / e1 - 1.0), 1e-12);
    ck_assert_aedyn_ok(aedyn_ode_advance(o2, 100.0));
    ck_assert_aedyn_ok(aedyn_ode_error(o2, &e2));
    printf("  started at the fixed point: error %.12f after t = 100\n", e2);
    ck_assert_double_le(fabs(e2 / e1 - 1.0), 1e-9);
    aedyn_ode_destroy(o2);
    aedyn_net_destroy(net2);
    free(W);
    free(V);
    free(y);
    aedyn_analysis_destroy(an);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);

    net = make_net(K_, AEDYN_NET_ACT_RELU, AEDYN_NET_BIAS, 51, 0.3);
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, s.data, AEDYN_SGD_VANILLA, 0.5));
    ck_assert_aedyn_ok(aedyn_ode_advance(o, 50.0));
    ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
    ck_assert_uint_eq(aedyn_analysis_get_n_eigenvalues(an), 2 * o->P * K_ + K_);
    ck_assert_aedyn_ok(aedyn_analysis_linearise(an));
    size_t nu, nn, ns, nsym;
    ck_assert_aedyn_ok(aedyn_analysis_get_counts(an, &nu, &nn, &ns, &nsym));
    ck_assert_uint_eq(nu + nn + ns, 2 * o->P * K_ + K_);
    ck_assert_uint_eq(nsym, 0); /* no deflation off a fixed point */
    ck_assert_aedyn_ok(aedyn_analysis_fixed_point(an));
    ck_assert_aedyn_ok(aedyn_analysis_get_outcome(an, &out));
    printf("relu with bias at t = 50: %s after %zu iterations\n",
           aedyn_enum_name(AEDYN_ENUM_ANALYSIS_OUTCOME, (int)out),
           aedyn_analysis_get_n_iterations(an));
    ck_assert(out == AEDYN_ANALYSIS_FIXED_POINT || out == AEDYN_ANALYSIS_RUNAWAY ||
              out == AEDYN_ANALYSIS_NOT_FOUND);
    aedyn_analysis_destroy(an);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    spiked_free(&s);
}
END_TEST

START_TEST(refusals)
{
    /* what the analysis refuses, with a status and a message: schedules
     * (the dynamics depend on t), states beyond AEDYN_ANALYSIS_MAX_STATE,
     * results asked for before any analysis, a direction where nothing is
     * unstable, bad times and sample counts; a failed call changes nothing */
    spiked s;
    spiked_make(&s, 26);
    aedyn_net *net = make_net(K_, AEDYN_NET_ACT_ERF, 0, 52, 0.1);
    aedyn_ode *o;
    aedyn_analysis *an;
    aedyn_schedule *sc;
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, s.data, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
    double v, y[1024];
    ck_assert_aedyn_fails(aedyn_analysis_error(an, &v), AEDYN_ERR_INVALID);
    ck_assert(strstr(aedyn_error_message(), "nothing analysed") != NULL);
    ck_assert_aedyn_fails(aedyn_analysis_get_state(an, y), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_analysis_get_plateau(an, 0, AEDYN_ANALYSIS_PLATEAU_T_EXIT, &v),
                          AEDYN_ERR_SIZE);
    ck_assert_aedyn_ok(aedyn_schedule_create_constant(&sc, 0.5));
    ck_assert_aedyn_ok(aedyn_ode_set_schedule(o, AEDYN_SCHEDULE_ENCODER_RATE, sc));
    ck_assert_aedyn_fails(aedyn_analysis_fixed_point(an), AEDYN_ERR_UNSUPPORTED);
    ck_assert(strstr(aedyn_error_message(), "schedule") != NULL);
    ck_assert_aedyn_fails(aedyn_analysis_linearise(an), AEDYN_ERR_UNSUPPORTED);
    ck_assert_aedyn_fails(aedyn_analysis_plateaus(an, 10.0, 100), AEDYN_ERR_UNSUPPORTED);
    ck_assert_double_eq(aedyn_ode_get_time(o), 0.0);
    ck_assert_aedyn_ok(aedyn_ode_set_schedule(o, AEDYN_SCHEDULE_ENCODER_RATE, NULL));
    aedyn_schedule_destroy(sc);
    ck_assert_aedyn_fails(aedyn_analysis_plateaus(an, 0.0, 100), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_analysis_plateaus(an, NAN, 100), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_analysis_plateaus(an, 10.0, 2), AEDYN_ERR_SIZE);
    ck_assert_aedyn_fails(aedyn_analysis_plateaus(an, 10.0, AEDYN_ANALYSIS_MAX_POINTS + 1),
                          AEDYN_ERR_SIZE);
    ck_assert_double_eq(aedyn_ode_get_time(o), 0.0);
    /* the minimum of a linear network after learning: nothing unstable */
    aedyn_analysis_destroy(an);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    net = make_net(K_, AEDYN_NET_ACT_LINEAR, 0, 53, 0.3);
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, s.data, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_advance(o, 500.0));
    ck_assert_aedyn_ok(aedyn_analysis_create(&an, o));
    ck_assert_aedyn_ok(aedyn_analysis_fixed_point(an));
    size_t nu;
    ck_assert_aedyn_ok(aedyn_analysis_get_counts(an, &nu, NULL, NULL, NULL));
    ck_assert_uint_eq(nu, 0);
    ck_assert_aedyn_fails(aedyn_analysis_get_direction(an, y, NULL, NULL, NULL, NULL),
                          AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_analysis_get_weights(an, 1e-3, NULL, NULL, NULL),
                          AEDYN_ERR_INVALID);
    double W[K_ * D_] = { 0 };
    ck_assert_aedyn_fails(aedyn_analysis_unstable_component(an, W, W, NULL, &v), AEDYN_ERR_INVALID);
    aedyn_analysis_destroy(an);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    /* a full spectrum of 200 distinct eigenvalues, K = 3: 1203 numbers */
    double *om = calloc(200 * 200, sizeof *om);
    for (size_t i = 0; i < 200; i++)
        om[i * 200 + i] = 1.0 + 0.01 * (double)i;
    aedyn_data *big;
    ck_assert_aedyn_ok(aedyn_data_create_gaussian(&big, 200, om));
    free(om);
    ck_assert_aedyn_ok(aedyn_net_create(&net, 200, 3, AEDYN_NET_ACT_ERF, 0));
    ck_assert_aedyn_ok(aedyn_ode_create(&o, net, big, AEDYN_SGD_VANILLA, 1.0));
    an = NULL;
    ck_assert_aedyn_fails(aedyn_analysis_create(&an, o), AEDYN_ERR_UNSUPPORTED);
    ck_assert(strstr(aedyn_error_message(), "1203") != NULL);
    ck_assert_ptr_null(an);
    aedyn_ode_destroy(o);
    aedyn_net_destroy(net);
    aedyn_data_destroy(big);
    spiked_free(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analysis");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, linear_saddles_closed_form);
    tcase_add_test(tc, structured_eigenvalues_match_dense_differences);
    tcase_add_test(tc, erf_runaway_at_long_times);
    tcase_add_test(tc, linear_staircase);
    tcase_add_test(tc, staircase_d4000);
    tcase_add_test(tc, escape_times);
    tcase_add_test(tc, denoising_and_bias);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
