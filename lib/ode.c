/* The ODE module: component form of the asymptotically exact learning
 * dynamics over modes (docs/theory.md sections 5 and 6), observables, and integration
 * through the private stepper. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "act-internal.h"
#include "gauss-internal.h"
#include "linalg-internal.h"
#include "ode-internal.h"
#include "ode-private.h"
#include "schedule-internal.h"

#define TWO_OVER_PI 0.63661977236758134308

/* ---- modes ------------------------------------------------------------------ */

/* Orthonormalise the n vectors X (n x D) by modified Gram-Schmidt (two passes),
 * appending the directions whose residual norm exceeds tol to U (rows from
 * *P on). Returns the number appended. */
static size_t append_span(double *U, size_t *P, double *X, size_t n, size_t D, double tol)
{
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
        double *x = X + i * D;
        for (int pass = 0; pass < 2; pass++)
            for (size_t j = *P - added; j < *P; j++) {
                const double c = aedyn__dot(D, U + j * D, x);
                aedyn__axpy(D, -c, U + j * D, x);
            }
        const double nrm = aedyn__nrm2(D, x);
        if (nrm > tol) {
            double *u = U + (*P) * D;
            for (size_t k = 0; k < D; k++)
                u[k] = x[k] / nrm;
            (*P)++;
            added++;
        }
    }
    return added;
}

/* The spectrum of a data model as the ODE needs it, read through the public
 * API: every eigenvalue (with multiplicity, in group order), the explicit
 * eigenvectors of every group, and where each group starts in both. */
typedef struct {
    size_t D, G, n_exp;
    double *rho;    /* D eigenvalues, sorted decreasing (group by group) */
    double *E;      /* n_exp x D explicit eigenvectors, group by group */
    double *grho;   /* G: eigenvalue of group g */
    size_t *mult;   /* G */
    size_t *first;  /* G: first explicit eigenvector of group g, SIZE_MAX for the complement */
    size_t *off;    /* G: index of group g's first eigenvalue in rho */
} spectrum_view;

static void spectrum_view_free(spectrum_view *v)
{
    free(v->rho);
    free(v->E);
    free(v->grho);
    free(v->mult);
    free(v->first);
    free(v->off);
}

static aedyn_status spectrum_view_load(spectrum_view *v, const aedyn_data *d, const char *fn)
{
    memset(v, 0, sizeof *v);
    v->D = aedyn_data_get_dim(d);
    v->G = aedyn_data_get_n_groups(d);
    aedyn_status st = AEDYN_OK;
    v->grho = aedyn__calloc(v->G, sizeof *v->grho);
    v->mult = aedyn__calloc(v->G, sizeof *v->mult);
    v->first = aedyn__calloc(v->G, sizeof *v->first);
    v->off = aedyn__calloc(v->G, sizeof *v->off);
    v->rho = aedyn__calloc(v->D, sizeof *v->rho);
    if (!v->grho || !v->mult || !v->first || !v->off || !v->rho)
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory for the spectrum", fn);
    size_t off = 0;
    for (size_t g = 0; g < v->G && !st; g++) {
        size_t nexp = 0;
        st = aedyn_data_get_group(d, g, &v->grho[g], &v->mult[g], &nexp);
        v->first[g] = nexp ? v->n_exp : SIZE_MAX;
        v->off[g] = off;
        off += v->mult[g];
        v->n_exp += nexp;
    }
    if (st || (st = aedyn_data_get_eigenvalues(d, v->rho)))
        return st;
    if (!(v->E = aedyn__calloc(v->n_exp * v->D + 1, sizeof *v->E)))
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory for the eigenvectors", fn);
    for (size_t g = 0; g < v->G && !st; g++)
        if (v->first[g] != SIZE_MAX)
            st = aedyn_data_get_group_vectors(d, g, v->E + v->first[g] * v->D);
    return st;
}

/* The modes of the state (docs/theory.md section 6): each explicit eigenvector
 * of a group of multiplicity <= 2K (of every explicit group when !reduce),
 * and for every other group the <= 2K orthonormal directions spanning the
 * group-projected weights W (K x D) and V (K x D). */
static aedyn_status build_modes(aedyn_ode *o, const double *W, const double *V,
                                const spectrum_view *sv, bool reduce)
{
    const size_t D = sv->D, K = o->K, n2 = 2 * K, n_exp = sv->n_exp;
    size_t pmax = 0;
    for (size_t g = 0; g < sv->G; g++)
        pmax += (sv->mult[g] < n2 || (!reduce && sv->first[g] != SIZE_MAX)) ? sv->mult[g] : n2;
    o->U = aedyn__calloc(pmax * D + 1, sizeof *o->U);
    o->rho = aedyn__calloc(pmax + 1, sizeof *o->rho);
    o->is_eig = aedyn__calloc(pmax + 1, sizeof *o->is_eig);
    double *X = aedyn__calloc(n2 * D, sizeof *X);
    double *Cg = aedyn__calloc(n2 * (n_exp + 1), sizeof *Cg);
    aedyn_status st = AEDYN_OK;
    if (!o->U || !o->rho || !o->is_eig || !X || !Cg) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_ode_create: out of memory for %zu modes", pmax);
        goto done;
    }
    /* weights and their scale: directions below 1e-13 of it are dropped */
    double wmax = 0.0;
    for (size_t k = 0; k < K; k++) {
        wmax = fmax(wmax, aedyn__nrm2(D, W + k * D));
        wmax = fmax(wmax, aedyn__nrm2(D, V + k * D));
    }
    const double tol = 1e-13 * wmax;
    size_t P = 0;
    for (size_t g = 0; g < sv->G; g++) {
        const size_t mult = sv->mult[g], first = sv->first[g];
        if (first != SIZE_MAX && (mult <= n2 || !reduce)) {
            for (size_t j = 0; j < mult; j++, P++) {
                memcpy(o->U + P * D, sv->E + (first + j) * D, D * sizeof(double));
                o->rho[P] = sv->rho[sv->off[g] + j];
                o->is_eig[P] = true;
            }
            continue;
        }
        /* project the 2K weight vectors on the group, then reduce */
        memcpy(X, W, K * D * sizeof *X);
        memcpy(X + K * D, V, K * D * sizeof *X);
        if (first != SIZE_MAX) {
            const double *E = sv->E + first * D;
            if ((st = aedyn__gemm(false, true, n2, mult, D, 1.0, X, D, E, D, 0.0, Cg, mult)) ||
                (st = aedyn__gemm(false, false, n2, D, mult, 1.0, Cg, mult, E, D, 0.0, X, D)))
                goto done;
        } else if (n_exp > 0) {
            /* complement: X - (X E^T) E over all explicit eigenvectors */
            if ((st = aedyn__gemm(false, true, n2, n_exp, D, 1.0, X, D, sv->E, D, 0.0, Cg,
                                  n_exp)) ||
                (st = aedyn__gemm(false, false, n2, D, n_exp, -1.0, Cg, n_exp, sv->E, D, 1.0, X,
                                  D)))
                goto done;
        }
        const size_t added = append_span(o->U, &P, X, n2, D, tol);
        for (size_t j = P - added; j < P; j++) {
            o->rho[j] = sv->grho[g];
            o->is_eig[j] = mult == 1;
        }
    }
    o->P = P;
done:
    free(X);
    free(Cg);
    return st;
}

/* Project the weights W, V (K x D) and biases on the modes into the state. */
static aedyn_status project_weights(aedyn_ode *o, const double *W, const double *V,
                                    const double *bias)
{
    const size_t D = o->D, K = o->K, P = o->P;
    double *wt = aedyn__ode_wt(o, o->y), *s = aedyn__ode_s(o, o->y), *b = aedyn__ode_beta(o, o->y);
    aedyn_status st;
    /* wt (P x K) = U W^T, s = U V^T / sqrt(D) */
    if ((st = aedyn__gemm(false, true, P, K, D, 1.0, o->U, D, W, D, 0.0, wt, K)) ||
        (st = aedyn__gemm(false, true, P, K, D, 1.0 / sqrt((double)D), o->U, D, V, D, 0.0, s, K)))
        return st;
    for (size_t k = 0; k < K; k++)
        b[k] = o->has_bias ? bias[k] : 0.0;
    return AEDYN_OK;
}

/* ---- right-hand side ------------------------------------------------------- */

void aedyn__ode_moments(aedyn_ode *o, const double *y)
{
    const size_t K = o->K, P = o->P;
    const double *restrict wt = y, *restrict s = y + P * K, *restrict rho = o->rho;
    const double *restrict rq = o->rq, *restrict rk = o->rk;
    const double invD = 1.0 / (double)o->D;
    /* one entry at a time with its sums over the modes in registers; Q, T
     * and T0 are symmetric */
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            double q = 0.0, r = 0.0, t = 0.0, t0 = 0.0;
            if (l >= k) {
                for (size_t tau = 0; tau < P; tau++) {
                    const double *w = wt + tau * K, *v = s + tau * K;
                    q += rq[tau] * w[k] * w[l];
                    r += rk[tau] * v[k] * w[l];
                    t += rho[tau] * v[k] * v[l];
                    t0 += v[k] * v[l];
                }
                o->Q[k * K + l] = o->Q[l * K + k] = q * invD;
                o->T[k * K + l] = o->T[l * K + k] = t * invD;
                o->T0[k * K + l] = o->T0[l * K + k] = t0;
            } else {
                for (size_t tau = 0; tau < P; tau++)
                    r += rk[tau] * s[tau * K + k] * wt[tau * K + l];
            }
            o->R[k * K + l] = r * invD;
        }
    for (size_t k = 0; k < K && o->has_skip; k++) {
        double r = 0.0;
        for (size_t tau = 0; tau < P; tau++)
            r += rq[tau] * s[tau * K + k] * wt[tau * K + k];
        o->Rt[k] = r * invD;
    }
}

aedyn_status aedyn__ode_prepare(aedyn_ode *o, double t, const double *y)
{
    double v[AEDYN__N_TARGETS] = { o->eta_w, o->eta_v, o->eta_b, o->eta_c, o->sigma_n, o->a };
    aedyn_status st = AEDYN_OK;
    if (o->n_sched) {
        /* left of a breakpoint that ends the segment: the value before it */
        double te = t < o->seg_end ? t : nextafter(o->seg_end, -INFINITY);
        te = te > 0.0 ? te : 0.0;
        for (int i = 0; i < AEDYN__N_TARGETS; i++)
            if (o->sched[i]) {
                double x;
                const aedyn_status si = aedyn_schedule_value(o->sched[i], te, &x);
                if (si == AEDYN_OK)
                    v[i] = x;
                else if (st == AEDYN_OK)
                    st = si;
            }
    }
    if (!o->eta_c_set && !o->sched[AEDYN_SCHEDULE_SKIP_RATE])
        v[AEDYN_SCHEDULE_SKIP_RATE] = v[AEDYN_SCHEDULE_DECODER_RATE];
    if (!o->has_skip)
        v[AEDYN_SCHEDULE_SKIP_RATE] = 0.0;
    memcpy(o->cur, v, sizeof v);
    o->cskip = o->has_skip ? y[aedyn__ode_skip_index(o)] : 0.0;
    if (o->dae) {
        const double a = v[AEDYN_SCHEDULE_INPUT_SCALE], sn = v[AEDYN_SCHEDULE_NOISE];
        const double s2 = sn * sn, c = o->cskip;
        for (size_t tau = 0; tau < o->P; tau++) {
            o->rq[tau] = a * a * o->rho[tau] + s2;
            o->rk[tau] = a * o->rho[tau] - c * o->rq[tau];
        }
    }
    return st;
}

/* Closed forms (no bias): A_k = E g'(lambda^k), G = E[g g], and the
 * coefficients of phi^k = A_k s^k + sum_a C_ka wt^a (docs/theory.md section 5). */
static void coefficients_closed(aedyn_ode *o)
{
    const size_t K = o->K;
    const double *Q = o->Q, *R = o->R, *T0 = o->T0;
    double *A = o->A, *C = o->C, *G = o->G;
    const bool trunc = o->rule == AEDYN_SGD_TRUNCATED;
    memset(C, 0, K * K * sizeof *C);
    memset(o->bdrift, 0, K * sizeof *o->bdrift);
    switch (o->act) {
    case AEDYN_NET_ACT_LINEAR:
        for (size_t k = 0; k < K; k++) {
            A[k] = 1.0;
            for (size_t a = 0; a < K; a++) {
                G[k * K + a] = Q[k * K + a];
                if (!trunc || a <= k)
                    C[k * K + a] = -T0[k * K + a];
            }
        }
        break;
    case AEDYN_NET_ACT_ERF:
        for (size_t k = 0; k < K; k++) {
            const double qk = 1.0 + Q[k * K + k];
            A[k] = AEDYN__SQRT_2_OVER_PI / sqrt(qk);
            C[k * K + k] = -AEDYN__SQRT_2_OVER_PI * R[k * K + k] / (qk * sqrt(qk));
            for (size_t a = 0; a < K; a++) {
                const double qa = 1.0 + Q[a * K + a], qka = Q[k * K + a];
                const double den2 = qk * qa - qka * qka;
                const double den = sqrt(den2 > 0.0 ? den2 : 0.0);
                double arg = den2 > 0.0 ? qka / sqrt(qk * qa) : (qka >= 0 ? 1.0 : -1.0);
                arg = fmax(-1.0, fmin(1.0, arg));
                G[k * K + a] = TWO_OVER_PI * asin(arg);
                if (trunc && a > k)
                    continue;
                /* -(2/pi) T0_ka (wt^a - Q_ka wt^k / (1 + Q_kk)) / den */
                const double c = den > 0.0 ? TWO_OVER_PI * T0[k * K + a] / den : 0.0;
                C[k * K + a] -= c;
                C[k * K + k] += c * qka / qk;
            }
        }
        break;
    case AEDYN_NET_ACT_RELU:
        for (size_t k = 0; k < K; k++) {
            const double qk = Q[k * K + k];
            A[k] = 0.5;
            C[k * K + k] = -0.5 * T0[k * K + k];
            for (size_t a = 0; a < K; a++) {
                const double qa = Q[a * K + a], qka = Q[k * K + a];
                const double det = fmax(qk * qa - qka * qka, 0.0), nn = sqrt(qk * qa);
                const double cosang = nn > 0.0 ? fmax(-1.0, fmin(1.0, qka / nn)) : 0.0;
                G[k * K + a] = (sqrt(det) + qka * (AEDYN__PI - acos(cosang))) / (2.0 * AEDYN__PI);
                if (a == k || (trunc && a > k))
                    continue;
                const double t0 = T0[k * K + a];
                if (qk > 0.0)
                    C[k * K + k] -= t0 * sqrt(det) / (2.0 * AEDYN__PI * qk);
                C[k * K + a] -= t0 * (0.25 + asin(cosang) / (2.0 * AEDYN__PI));
            }
        }
        break;
    }
}

/* g'' of a linear user activation given without one. */
static double zero_fn(double x, void *user)
{
    (void)x;
    (void)user;
    return 0.0;
}

/* The general Stein form (docs/theory.md section 5), for any activation and
 * biases, from one- and two-dimensional Gaussian expectations of the fields
 * lambda^k + beta_k (covariance Q):
 *   A_k      = E g'_k
 *   C_kk     = R^kk E g'''_k - sum_a T0^ka E[g''_k g_a] - T0^kk E[g'_k^2]
 *   C_ka     = -T0^ka E[g'_k g'_a]                      (a != k)
 *   G_ka     = E[g_k g_a]
 *   bdrift_k = R^kk E g''_k - sum_a T0^ka E[g'_k g_a]   (dbeta_k/dt / eta_b)
 * with every sum over a <= k for the truncated rule.
 * A unit with Q^kk = 0 (a zero encoder row) has a deterministic field: the
 * expectations are point values, as in the trainer (ReLU: g'(beta_k), so
 * A_k = g'(0) = 0 without bias), whereas coefficients_closed() takes the
 * limit Q -> 0+ (ReLU: A_k = 1/2). The two paths agree for every Q^kk > 0. */
static void coefficients_generic(aedyn_ode *o, const double *beta)
{
    const size_t K = o->K;
    const double *Q = o->Q, *R = o->R, *T0 = o->T0;
    double *A = o->A, *C = o->C, *G = o->G, *bd = o->bdrift;
    const bool trunc = o->rule == AEDYN_SGD_TRUNCATED;
    aedyn__gact a = aedyn__gact_builtin(o->act);
    if (o->ug) {
        a.fn[0] = o->ug;
        a.fn[1] = o->udg;
        a.fn[2] = o->uddg ? o->uddg : zero_fn;
        a.user = o->user;
    }
    const aedyn__gauss_ws *ws = o->gauss_ws;
    for (size_t k = 0; k < K; k++) {
        const double qk = Q[k * K + k], bk = beta[k];
        A[k] = aedyn__gauss1(&a, ws, 1, qk, bk);
        double ckk = R[k * K + k] * aedyn__gauss1(&a, ws, 3, qk, bk) -
                     T0[k * K + k] * aedyn__gauss2(&a, ws, 1, 1, qk, qk, qk, bk, bk);
        double drift = R[k * K + k] * aedyn__gauss1(&a, ws, 2, qk, bk);
        for (size_t b = 0; b < K; b++) {
            const double qb = Q[b * K + b], qkb = Q[k * K + b], bb = beta[b];
            if (b >= k) { /* symmetric */
                G[k * K + b] = aedyn__gauss2(&a, ws, 0, 0, qk, qkb, qb, bk, bb);
                G[b * K + k] = G[k * K + b];
            }
            if (trunc && b > k) {
                C[k * K + b] = 0.0;
                continue;
            }
            const double t0 = T0[k * K + b];
            ckk -= t0 * aedyn__gauss2(&a, ws, 2, 0, qk, qkb, qb, bk, bb);
            drift -= t0 * aedyn__gauss2(&a, ws, 1, 0, qk, qkb, qb, bk, bb);
            if (b != k)
                C[k * K + b] = -t0 * aedyn__gauss2(&a, ws, 1, 1, qk, qkb, qb, bk, bb);
        }
        C[k * K + k] = ckk;
        bd[k] = drift;
    }
}

void aedyn__ode_coefficients(aedyn_ode *o, const double *y, bool generic)
{
    if (generic)
        coefficients_generic(o, y + 2 * o->P * o->K);
    else
        coefficients_closed(o);
}

aedyn_status aedyn__ode_coefficients_at(aedyn_ode *o, double t, const double *Q, const double *R,
                                        const double *T0, const double *beta)
{
    const size_t KK = o->K * o->K;
    const aedyn_status st = aedyn__ode_prepare(o, t, o->y);
    memcpy(o->Q, Q, KK * sizeof *Q);
    memcpy(o->R, R, KK * sizeof *R);
    memcpy(o->T0, T0, KK * sizeof *T0);
    if (aedyn__ode_generic(o))
        coefficients_generic(o, beta);
    else
        coefficients_closed(o);
    return st;
}

void aedyn__ode_mode_map(const aedyn_ode *o, double rho, double *L)
{
    /* sweep_plain() as a matrix: d(wt, s)/dt = L (wt, s) */
    const size_t K = o->K, K2 = 2 * K;
    const bool trunc = o->rule == AEDYN_SGD_TRUNCATED;
    const double r = rho / (double)o->D, kap = o->kappa;
    const double ew = o->cur[AEDYN_SCHEDULE_ENCODER_RATE], ev = o->cur[AEDYN_SCHEDULE_DECODER_RATE];
    memset(L, 0, K2 * K2 * sizeof *L);
    for (size_t k = 0; k < K; k++) {
        const size_t amax = trunc ? k + 1 : K;
        for (size_t a = 0; a < K; a++)
            L[k * K2 + a] = ew * r * o->C[k * K + a];
        L[k * K2 + K + k] = ew * r * o->A[k];
        L[(K + k) * K2 + k] = ev * r * o->A[k];
        for (size_t a = 0; a < amax; a++)
            L[(K + k) * K2 + K + a] = -ev * o->G[k * K + a];
        L[k * K2 + k] -= kap;
        L[(K + k) * K2 + K + k] -= kap;
    }
}

void aedyn__ode_current_rates(const aedyn_ode *o, double *eta_w, double *eta_v, double *eta_b,
                              double *kappa)
{
    *eta_w = o->cur[AEDYN_SCHEDULE_ENCODER_RATE];
    *eta_v = o->cur[AEDYN_SCHEDULE_DECODER_RATE];
    *eta_b = o->cur[AEDYN_SCHEDULE_BIAS_RATE];
    *kappa = o->kappa;
}

void aedyn__ode_bias_drift(const aedyn_ode *o, double *db)
{
    for (size_t k = 0; k < o->K; k++)
        db[k] = o->has_bias ? o->cur[AEDYN_SCHEDULE_BIAS_RATE] * o->bdrift[k] : 0.0;
}

bool aedyn__ode_generic(const aedyn_ode *o)
{
    return o->has_bias || o->ug != NULL;
}

void aedyn__ode_rhs(void *ctx, double t, const double *y, double *dydt)
{
    aedyn_ode *o = ctx;
    const aedyn_status st = aedyn__ode_prepare(o, t, y);
    if (st != AEDYN_OK) { /* a schedule's bad value: no derivative (advance reports it) */
        if (o->sched_err == AEDYN_OK) {
            o->sched_err = st;
            snprintf(o->sched_msg, sizeof o->sched_msg, "%s", aedyn_error_message());
        }
        for (size_t i = 0; i < o->n_state; i++)
            dydt[i] = NAN;
        return;
    }
    aedyn__ode_moments(o, y);
    aedyn__ode_coefficients(o, y, aedyn__ode_generic(o));
    aedyn__ode_sweep(o, y, dydt);
}

aedyn_status aedyn__ode_eval(aedyn_ode *o, const double *y, double *f)
{
    const aedyn_status st = aedyn__ode_prepare(o, o->t, y);
    if (st != AEDYN_OK)
        return st;
    aedyn__ode_moments(o, y);
    aedyn__ode_coefficients(o, y, aedyn__ode_generic(o));
    aedyn__ode_sweep(o, y, f);
    return AEDYN_OK;
}

aedyn__ode_view aedyn__ode_get_view(const aedyn_ode *o)
{
    return (aedyn__ode_view){ .D = o->D, .K = o->K, .P = o->P, .n_state = o->n_state,
                              .act = o->act, .rule = o->rule, .has_bias = o->has_bias,
                              .has_skip = o->has_skip, .user_activation = o->ug != NULL,
                              .n_schedules = o->n_sched, .eta_w = o->eta_w, .eta_v = o->eta_v,
                              .eta_b = o->eta_b, .kappa = o->kappa, .t = o->t, .rho = o->rho,
                              .U = o->U, .y = o->y };
}

/* The plain autoencoder: every mode's terms carry rho_tau / D. */
static void sweep_plain(const aedyn_ode *o, const double *y, double *dydt)
{
    const size_t K = o->K, P = o->P;
    const bool trunc = o->rule == AEDYN_SGD_TRUNCATED;
    const double *wt = y, *s = y + P * K, *A = o->A, *C = o->C, *G = o->G;
    double *dwt = dydt, *ds = dydt + P * K;
    const double invD = 1.0 / (double)o->D, kap = o->kappa;
    const double ew = o->cur[AEDYN_SCHEDULE_ENCODER_RATE], ev = o->cur[AEDYN_SCHEDULE_DECODER_RATE];
    for (size_t tau = 0; tau < P; tau++) {
        const double r = o->rho[tau] * invD, *w = wt + tau * K, *v = s + tau * K;
        double *dw = dwt + tau * K, *dv = ds + tau * K;
        for (size_t k = 0; k < K; k++) {
            double phi = A[k] * v[k], gs = 0.0;
            const size_t amax = trunc ? k + 1 : K;
            for (size_t a = 0; a < K; a++)
                phi += C[k * K + a] * w[a];
            for (size_t a = 0; a < amax; a++)
                gs += G[k * K + a] * v[a];
            dw[k] = ew * r * phi - kap * w[k];
            dv[k] = ev * (r * A[k] * w[k] - gs) - kap * v[k];
        }
    }
}

/* The denoising autoencoder (docs/theory.md, "Denoising autoencoders"): the
 * decoder-feedback terms carry the corrected covariance kappa_tau = a rho_tau
 * - c rq_tau, the self-interaction terms the input variance rq_tau. kappa is
 * formed here from o->cskip (not read from o->rk), so that the Jacobian's
 * difference in c sees it. */
static void sweep_denoising(const aedyn_ode *o, const double *y, double *dydt)
{
    const size_t K = o->K, P = o->P;
    const bool trunc = o->rule == AEDYN_SGD_TRUNCATED;
    const double *wt = y, *s = y + P * K, *A = o->A, *C = o->C, *G = o->G;
    double *dwt = dydt, *ds = dydt + P * K;
    const double invD = 1.0 / (double)o->D, kap = o->kappa, c = o->cskip;
    const double ew = o->cur[AEDYN_SCHEDULE_ENCODER_RATE], ev = o->cur[AEDYN_SCHEDULE_DECODER_RATE];
    const double a = o->cur[AEDYN_SCHEDULE_INPUT_SCALE];
    for (size_t tau = 0; tau < P; tau++) {
        const double rs = o->rq[tau] * invD, rf = (a * o->rho[tau] - c * o->rq[tau]) * invD;
        const double *w = wt + tau * K, *v = s + tau * K;
        double *dw = dwt + tau * K, *dv = ds + tau * K;
        for (size_t k = 0; k < K; k++) {
            double cw = 0.0, gs = 0.0;
            const size_t amax = trunc ? k + 1 : K;
            for (size_t b = 0; b < K; b++)
                cw += C[k * K + b] * w[b];
            for (size_t b = 0; b < amax; b++)
                gs += G[k * K + b] * v[b];
            dw[k] = ew * (rf * A[k] * v[k] + rs * cw) - kap * w[k];
            dv[k] = ev * (rf * A[k] * w[k] - gs) - kap * v[k];
        }
    }
}

void aedyn__ode_sweep(const aedyn_ode *o, const double *y, double *dydt)
{
    const size_t K = o->K;
    if (o->dae)
        sweep_denoising(o, y, dydt);
    else
        sweep_plain(o, y, dydt);
    double *db = dydt + 2 * o->P * K;
    for (size_t k = 0; k < K; k++)
        db[k] = o->has_bias ? o->cur[AEDYN_SCHEDULE_BIAS_RATE] * o->bdrift[k] : 0.0;
    if (o->has_skip) {
        /* dc/dt = eta_c E[delta . xtilde]/D (= -eta_c d eps/dc) */
        const double a = o->cur[AEDYN_SCHEDULE_INPUT_SCALE], sn = o->cur[AEDYN_SCHEDULE_NOISE];
        const double c = o->cskip, tr = o->trace / (double)o->D;
        double drift = a * tr - c * (a * a * tr + sn * sn);
        for (size_t k = 0; k < K; k++)
            drift -= o->Rt[k] * o->A[k];
        dydt[aedyn__ode_skip_index(o)] = o->cur[AEDYN_SCHEDULE_SKIP_RATE] * drift;
    }
}

/* ---- lifecycle ---------------------------------------------------------------- */

/* Whether the denoising terms are on; the plain autoencoder's spectra are
 * rho itself. Then the values of the constants (no schedule can fail). */
static void update_dae(aedyn_ode *o)
{
    o->dae = o->a != 1.0 || o->sigma_n != 0.0 || o->has_skip ||
             o->sched[AEDYN_SCHEDULE_NOISE] || o->sched[AEDYN_SCHEDULE_INPUT_SCALE];
    if (o->dae) {
        o->rq = o->sbuf;
        o->rk = o->sbuf + o->P;
    } else {
        o->rq = o->rk = o->rho;
    }
}

/* Switch the stepper to method m, making BDF's structured Jacobian first
 * (for BDF and the automatic method, which may use BDF); on failure nothing
 * changes. */
static aedyn_status use_method(aedyn_ode *o, aedyn_ode_method m)
{
    if ((m == AEDYN_ODE_BDF || m == AEDYN_ODE_AUTO) && !o->jac) {
        const aedyn_status st = aedyn__ode_jac_create(o, &o->jac);
        if (st)
            return st;
    }
    return aedyn__stepper_set_method(o->st, m);
}

AEDYN_API void aedyn_ode_destroy(aedyn_ode *ode)
{
    if (!ode)
        return;
    aedyn__ode_jac_destroy(ode->jac);
    aedyn__stepper_destroy(ode->st);
    for (int i = 0; i < AEDYN__N_TARGETS; i++)
        aedyn_schedule_destroy(ode->sched[i]);
    free(ode->sbuf);
    free(ode->rho);
    free(ode->is_eig);
    free(ode->U);
    free(ode->y);
    free(ode->Q);
    free(ode->gauss_ws);
    free(ode);
}

AEDYN_API aedyn_status aedyn_ode_create(aedyn_ode **out, const aedyn_net *net,
                                        const aedyn_data *data, aedyn_sgd_rule rule, double lr)
{
    return aedyn__ode_create_ex(out, net, data, rule, lr, true);
}

AEDYN_API aedyn_status aedyn_ode_create_from_sgd(aedyn_ode **out, const aedyn_sgd *sgd)
{
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(sgd);
    aedyn_sgd_rule rule;
    double eta[3], kappa;
    aedyn_status st;
    if ((st = aedyn_sgd_get_rule(sgd, &rule)) ||
        (st = aedyn_sgd_get_learning_rates(sgd, &eta[0], &eta[1], &eta[2])) ||
        (st = aedyn_sgd_get_weight_decay(sgd, &kappa)))
        return st;
    aedyn_ode *o;
    /* the trainer's rates may be 0; create with 1 and copy them after */
    if ((st = aedyn__ode_create_ex(&o, aedyn_sgd_get_net(sgd), aedyn_sgd_get_data(sgd), rule, 1.0,
                                   true)))
        return st;
    o->eta_w = eta[0];
    o->eta_v = eta[1];
    o->eta_b = eta[2];
    o->kappa = kappa;
    o->t = aedyn_sgd_get_time(sgd);
    /* the denoising set-up and the schedules */
    double a, sn;
    if ((st = aedyn_sgd_get_denoising(sgd, &a, &sn)) || (st = aedyn_ode_set_denoising(o, a, sn)))
        goto fail;
    if (o->has_skip) {
        double ec;
        if ((st = aedyn_sgd_get_skip_rate(sgd, &ec)))
            goto fail;
        /* a rate that follows the decoder's stays so */
        if (ec != eta[1] && (st = aedyn_ode_set_skip_rate(o, ec)))
            goto fail;
    }
    for (int i = 0; i < AEDYN__N_TARGETS; i++) {
        const aedyn_schedule *sc;
        if ((st = aedyn_sgd_get_schedule(sgd, (aedyn_schedule_target)i, &sc)) ||
            (sc && (st = aedyn_ode_set_schedule(o, (aedyn_schedule_target)i, sc))))
            goto fail;
    }
    *out = o;
    return AEDYN_OK;
fail:
    aedyn_ode_destroy(o);
    return st;
}

aedyn_status aedyn__ode_create_ex(aedyn_ode **out, const aedyn_net *net, const aedyn_data *data,
                                  aedyn_sgd_rule rule, double lr, bool reduce)
{
    static const char *fn = "aedyn_ode_create";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(net);
    AEDYN__REQUIRE_NONNULL(data);
    const size_t D = aedyn_net_get_dim(net), K = aedyn_net_get_n_hidden(net);
    const unsigned flags = aedyn_net_get_flags(net);
    if (D != aedyn_data_get_dim(data))
        return aedyn__fail(AEDYN_ERR_SIZE, "%s: network has D = %zu but data has D = %zu", fn, D,
                           aedyn_data_get_dim(data));
    if (!isfinite(lr) || lr <= 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: learning rate must be finite and > 0, got %g",
                           fn, lr);
    if (rule != AEDYN_SGD_VANILLA && rule != AEDYN_SGD_TRUNCATED)
        return aedyn__fail(rule == AEDYN_SGD_SANGER ? AEDYN_ERR_UNSUPPORTED : AEDYN_ERR_INVALID,
                           "%s: the ODE supports the vanilla and truncated rules (got %d)", fn,
                           (int)rule);
    if (flags & AEDYN_NET_TIED)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: tied networks have no ODE here", fn);
    aedyn_ode *o = calloc(1, sizeof *o);
    double *W = aedyn__calloc(2 * K * D + K, sizeof *W), *V = W + K * D, *bias = V + K * D;
    spectrum_view sv = { 0 };
    if (!o || !W) {
        free(o);
        free(W);
        return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
    }
    o->D = D;
    o->K = K;
    o->act = aedyn_net_get_activation(net);
    o->has_bias = (flags & AEDYN_NET_BIAS) != 0;
    o->has_skip = (flags & AEDYN_NET_SKIP) != 0;
    o->a = 1.0;
    o->seg_end = INFINITY;
    o->rule = rule;
    o->eta_w = o->eta_v = o->eta_b = lr;
    o->trace = aedyn_data_get_trace(data);
    aedyn_status st;
    if ((st = aedyn_net_get_weights(net, W, V, bias)) ||
        (st = spectrum_view_load(&sv, data, fn)) || (st = build_modes(o, W, V, &sv, reduce)))
        goto fail;
    o->n_state = 2 * o->P * K + K + (o->has_skip ? 1 : 0);
    o->y = aedyn__calloc(o->n_state, sizeof *o->y);
    o->Q = aedyn__calloc(6 * K * K + 3 * K, sizeof *o->Q);
    o->sbuf = aedyn__calloc(2 * o->P + 1, sizeof *o->sbuf);
    if (!o->y || !o->Q || !o->sbuf) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    o->R = o->Q + K * K;
    o->T = o->R + K * K;
    o->T0 = o->T + K * K;
    o->C = o->T0 + K * K;
    o->G = o->C + K * K;
    o->A = o->G + K * K;
    o->bdrift = o->A + K;
    o->Rt = o->bdrift + K;
    double skip;
    if ((st = project_weights(o, W, V, bias)) || (st = aedyn_net_get_skip(net, &skip)))
        goto fail;
    if (o->has_skip)
        o->y[aedyn__ode_skip_index(o)] = skip;
    update_dae(o);
    (void)aedyn__ode_prepare(o, o->t, o->y); /* no schedules yet: cannot fail */
    free(W);
    W = NULL;
    spectrum_view_free(&sv);
    /* default: the automatic choice of DOPRI5, BDF (and RKC at loose
     * tolerances) by stiffness (docs/ode.md);
     * BDF's Newton matrices are the structured ones of ode-jac.c */
    const aedyn_ode_method m = AEDYN_ODE_AUTO;
    if ((st = aedyn__ode_jac_create(o, &o->jac)))
        goto fail;
    const aedyn__linsys ls = { o, aedyn__ode_jac_eval, aedyn__ode_jac_factor,
                               aedyn__ode_jac_solve };
    if ((st = aedyn__stepper_create(&o->st, o->n_state, m, &ls)))
        goto fail;
    *out = o;
    return AEDYN_OK;
fail:
    free(W);
    spectrum_view_free(&sv);
    aedyn_ode_destroy(o);
    return st;
}

AEDYN_API aedyn_status aedyn_ode_set_learning_rates(aedyn_ode *ode, double eta_w, double eta_v,
                                                    double eta_b)
{
    AEDYN__REQUIRE_NONNULL(ode);
    const double e[3] = { eta_w, eta_v, eta_b };
    for (int i = 0; i < 3; i++)
        if (!isfinite(e[i]) || e[i] < 0.0)
            return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_ode_set_learning_rates: rates must be "
                               "finite and >= 0 (got %g, %g, %g)", eta_w, eta_v, eta_b);
    ode->eta_w = eta_w;
    ode->eta_v = eta_v;
    ode->eta_b = eta_b;
    aedyn__stepper_reset(ode->st);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_get_learning_rates(const aedyn_ode *ode, double *eta_w,
                                                    double *eta_v, double *eta_b)
{
    AEDYN__REQUIRE_NONNULL(ode);
    if (eta_w)
        *eta_w = ode->eta_w;
    if (eta_v)
        *eta_v = ode->eta_v;
    if (eta_b)
        *eta_b = ode->eta_b;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_get_weight_decay(const aedyn_ode *ode, double *kappa)
{
    AEDYN__REQUIRE_NONNULL(ode);
    AEDYN__REQUIRE_NONNULL(kappa);
    *kappa = ode->kappa;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_get_rule(const aedyn_ode *ode, aedyn_sgd_rule *rule)
{
    AEDYN__REQUIRE_NONNULL(ode);
    AEDYN__REQUIRE_NONNULL(rule);
    *rule = ode->rule;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_set_weight_decay(aedyn_ode *ode, double kappa)
{
    AEDYN__REQUIRE_NONNULL(ode);
    if (!isfinite(kappa) || kappa < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_ode_set_weight_decay: kappa must be finite "
                           "and >= 0, got %g", kappa);
    ode->kappa = kappa;
    aedyn__stepper_reset(ode->st);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_set_method(aedyn_ode *ode, aedyn_ode_method method, double step)
{
    static const char *fn = "aedyn_ode_set_method";
    AEDYN__REQUIRE_NONNULL(ode);
    if (method < AEDYN_ODE_EULER || method > AEDYN_ODE_AUTO)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown method %d", fn, (int)method);
    const bool fixed = method == AEDYN_ODE_EULER || method == AEDYN_ODE_RK4;
    if (!isfinite(step) || step < 0.0 || (fixed && step == 0.0))
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: step must be finite and %s, got %g", fn,
                           fixed ? "> 0 for a fixed-step method" : ">= 0", step);
    aedyn_status st = use_method(ode, method);
    if (st)
        return st;
    return aedyn__stepper_set_step(ode->st, step); /* checked above: cannot fail */
}

AEDYN_API aedyn_status aedyn_ode_get_method(const aedyn_ode *ode, aedyn_ode_method *method,
                                            double *step)
{
    AEDYN__REQUIRE_NONNULL(ode);
    if (method)
        *method = aedyn__stepper_get_method(ode->st);
    if (step)
        *step = aedyn__stepper_get_step(ode->st);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_set_tolerances(aedyn_ode *ode, double rtol, double atol)
{
    AEDYN__REQUIRE_NONNULL(ode);
    if (!(rtol > 0.0 && isfinite(rtol) && atol > 0.0 && isfinite(atol)))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_ode_set_tolerances: need rtol > 0 and "
                           "atol > 0, finite (got %g, %g)%s", rtol, atol, atol == 0.0 ?
                           ": pure relative control cannot weigh the components that are 0 "
                           "or at rounding level, which the state has (a tiny atol such as "
                           "1e-20 works)" : "");
    return aedyn__stepper_set_tolerances(ode->st, rtol, atol);
}

AEDYN_API aedyn_status aedyn_ode_get_tolerances(const aedyn_ode *ode, double *rtol, double *atol)
{
    AEDYN__REQUIRE_NONNULL(ode);
    aedyn__stepper_get_tolerances(ode->st, rtol, atol);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_set_activation(aedyn_ode *ode, aedyn_ode_act_fn g, aedyn_ode_act_fn dg,
                                                aedyn_ode_act_fn ddg, void *user)
{
    static const char *fn = "aedyn_ode_set_activation";
    AEDYN__REQUIRE_NONNULL(ode);
    AEDYN__REQUIRE_NONNULL(g);
    AEDYN__REQUIRE_NONNULL(dg);
    if (!ddg) { /* allowed for a linear g only: g' must be constant */
        const double x[4] = {-2.0, -0.5, 0.7, 3.0}, d0 = dg(0.0, user);
        for (int i = 0; i < 4; i++) {
            const double di = dg(x[i], user);
            if (!isfinite(di) || fabs(di - d0) > 1e-12 * (1.0 + fabs(d0)))
                return aedyn__fail(AEDYN_ERR_INVALID,
                                   "%s: g'' may be NULL only for a linear g, but g'(0) = %g and "
                                   "g'(%g) = %g", fn, d0, x[i], di);
        }
    }
    if (!ode->gauss_ws) {
        aedyn__gauss_ws *ws = malloc(sizeof *ws);
        if (!ws)
            return aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        const aedyn_status st = aedyn__gauss_ws_init(ws, AEDYN__GH_DEFAULT);
        if (st != AEDYN_OK) {
            free(ws);
            return st;
        }
        ode->gauss_ws = ws;
    }
    ode->ug = g;
    ode->udg = dg;
    ode->uddg = ddg;
    ode->user = user;
    aedyn__stepper_reset(ode->st);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_set_denoising(aedyn_ode *ode, double a, double sigma_n)
{
    AEDYN__REQUIRE_NONNULL(ode);
    if (!isfinite(a) || !isfinite(sigma_n) || sigma_n < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_ode_set_denoising: need a finite and "
                           "sigma_n finite and >= 0 (got a = %g, sigma_n = %g)", a, sigma_n);
    ode->a = a;
    ode->sigma_n = sigma_n;
    update_dae(ode);
    aedyn__stepper_reset(ode->st);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_get_denoising(const aedyn_ode *ode, double *a, double *sigma_n)
{
    AEDYN__REQUIRE_NONNULL(ode);
    if (a)
        *a = ode->a;
    if (sigma_n)
        *sigma_n = ode->sigma_n;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_set_skip_rate(aedyn_ode *ode, double eta_c)
{
    static const char *fn = "aedyn_ode_set_skip_rate";
    AEDYN__REQUIRE_NONNULL(ode);
    if (!ode->has_skip)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the network had no skip connection "
                           "(AEDYN_NET_SKIP)", fn);
    if (!isfinite(eta_c) || eta_c < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: eta_c must be finite and >= 0, got %g", fn,
                           eta_c);
    ode->eta_c = eta_c;
    ode->eta_c_set = true;
    aedyn__stepper_reset(ode->st);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_get_skip_rate(const aedyn_ode *ode, double *eta_c)
{
    AEDYN__REQUIRE_NONNULL(ode);
    AEDYN__REQUIRE_NONNULL(eta_c);
    *eta_c = !ode->has_skip ? 0.0 : ode->eta_c_set ? ode->eta_c : ode->eta_v;
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_get_skip(const aedyn_ode *ode, double *c)
{
    AEDYN__REQUIRE_NONNULL(ode);
    AEDYN__REQUIRE_NONNULL(c);
    const double v = ode->has_skip ? ode->y[aedyn__ode_skip_index(ode)] : 0.0;
    const aedyn_status st = aedyn__check_finite("aedyn_ode_get_skip", "the skip weight", &v, 1);
    if (st == AEDYN_OK)
        *c = v;
    return st;
}

AEDYN_API aedyn_status aedyn_ode_set_schedule(aedyn_ode *ode, aedyn_schedule_target target,
                                              const aedyn_schedule *schedule)
{
    static const char *fn = "aedyn_ode_set_schedule";
    AEDYN__REQUIRE_NONNULL(ode);
    if ((unsigned)target >= AEDYN__N_TARGETS)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: unknown target %d", fn, (int)target);
    if (schedule && target == AEDYN_SCHEDULE_SKIP_RATE && !ode->has_skip)
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the network had no skip connection", fn);
    aedyn_schedule *copy = NULL;
    if (schedule) {
        const aedyn_status st = aedyn__schedule_copy(schedule, &copy);
        if (st != AEDYN_OK)
            return st;
    }
    ode->n_sched += (copy != NULL) - (ode->sched[target] != NULL);
    aedyn_schedule_destroy(ode->sched[target]);
    ode->sched[target] = copy;
    update_dae(ode);
    aedyn__stepper_reset(ode->st);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_get_schedule(const aedyn_ode *ode, aedyn_schedule_target target,
                                              const aedyn_schedule **schedule)
{
    AEDYN__REQUIRE_NONNULL(ode);
    AEDYN__REQUIRE_NONNULL(schedule);
    if ((unsigned)target >= AEDYN__N_TARGETS)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_ode_get_schedule: unknown target %d",
                           (int)target);
    *schedule = ode->sched[target];
    return AEDYN_OK;
}

/* The first breakpoint of the schedules after t (+infinity: none). */
static double next_breakpoint(const aedyn_ode *o, double t)
{
    double tb = INFINITY;
    for (int i = 0; i < AEDYN__N_TARGETS; i++)
        if (o->sched[i]) {
            double b;
            if (aedyn_schedule_next_breakpoint(o->sched[i], t, &b) == AEDYN_OK && b < tb)
                tb = b;
        }
    return tb;
}

double aedyn__ode_next_breakpoint(const aedyn_ode *o, double t)
{
    return o->n_sched ? next_breakpoint(o, t) : INFINITY;
}

void aedyn__ode_set_segment_end(aedyn_ode *o, double seg_end) { o->seg_end = seg_end; }

AEDYN_API aedyn_status aedyn_ode_advance(aedyn_ode *ode, double t_end)
{
    AEDYN__REQUIRE_NONNULL(ode);
    if (!isfinite(t_end) || t_end < ode->t)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_ode_advance: t_end = %g must be finite and "
                           ">= the current time %g", t_end, ode->t);
    /* Segment by segment between the schedules' breakpoints: every step
     * ends on a breakpoint (BDF interpolates back to it) and reads the
     * schedules left of it; the next segment starts afresh (a jump in the
     * rates is a jump in the derivative). Every segment ends later than it
     * starts (breakpoints are strictly after t), so the loop progresses. */
    aedyn_status st = AEDYN_OK;
    ode->sched_err = AEDYN_OK;
    do {
        const double tb = ode->n_sched ? next_breakpoint(ode, ode->t) : INFINITY;
        const double te = tb < t_end ? tb : t_end;
        ode->seg_end = tb;
        st = aedyn__stepper_advance(ode->st, aedyn__ode_rhs, ode, &ode->t, ode->y, te);
        ode->seg_end = INFINITY;
        if (st == AEDYN_OK && te == tb) {
            ode->n_breaks++;
            aedyn__stepper_reset(ode->st);
        }
    } while (st == AEDYN_OK && ode->t < t_end);
    if (ode->sched_err != AEDYN_OK) {
        /* the schedule's message, with where it stopped */
        const aedyn_status se = ode->sched_err;
        ode->sched_err = AEDYN_OK;
        aedyn__stepper_reset(ode->st);
        return aedyn__fail(se, "aedyn_ode_advance: a schedule failed (%s); stopped at t = %g",
                           ode->sched_msg, ode->t);
    }
    return st;
}

/* ---- observables ---------------------------------------------------------------- */

AEDYN_API double aedyn_ode_get_time(const aedyn_ode *ode) { return ode ? ode->t : NAN; }
AEDYN_API size_t aedyn_ode_get_n_modes(const aedyn_ode *ode) { return ode ? ode->P : 0; }

AEDYN_API aedyn_status aedyn_ode_get_mode(const aedyn_ode *ode, size_t i, double *rho,
                                      bool *is_eigenvector)
{
    AEDYN__REQUIRE_NONNULL(ode);
    if (i >= ode->P)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_ode_get_mode: mode %zu out of range (%zu modes)", i,
                           ode->P);
    if (rho)
        *rho = ode->rho[i];
    if (is_eigenvector)
        *is_eigenvector = ode->is_eig[i];
    return AEDYN_OK;
}

aedyn_status aedyn__ode_order_params_at(aedyn_ode *o, const double *y, double *Q, double *R,
                                        double *T, double *T0)
{
    /* the network's order parameters on the clean data: spectra rho */
    double *rq = o->rq, *rk = o->rk;
    o->rq = o->rk = o->rho;
    aedyn__ode_moments(o, y);
    o->rq = rq;
    o->rk = rk;
    const size_t KK = o->K * o->K, kk = KK * sizeof(double);
    static const char *fn = "aedyn_ode_order_params";
    aedyn_status st;
    if ((st = aedyn__check_finite(fn, "Q", o->Q, KK)) ||
        (st = aedyn__check_finite(fn, "R", o->R, KK)) ||
        (st = aedyn__check_finite(fn, "T", o->T, KK)) ||
        (st = aedyn__check_finite(fn, "T0", o->T0, KK)))
        return st;
    if (Q) memcpy(Q, o->Q, kk);
    if (R) memcpy(R, o->R, kk);
    if (T) memcpy(T, o->T, kk);
    if (T0) memcpy(T0, o->T0, kk);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_order_params(const aedyn_ode *ode, double *Q, double *R,
                                              double *T, double *T0)
{
    AEDYN__REQUIRE_NONNULL(ode);
    aedyn_ode *o = (aedyn_ode *)ode; /* workspace only */
    return aedyn__ode_order_params_at(o, o->y, Q, R, T, T0);
}

AEDYN_API aedyn_status aedyn_ode_get_biases(const aedyn_ode *ode, double *bias)
{
    AEDYN__REQUIRE_NONNULL(ode);
    AEDYN__REQUIRE_NONNULL(bias);
    memcpy(bias, aedyn__ode_beta(ode, ode->y), ode->K * sizeof *bias);
    return AEDYN_OK;
}

aedyn_status aedyn__ode_error_at(aedyn_ode *o, const double *y, double *err)
{
    const size_t K = o->K;
    aedyn_status st = aedyn__ode_prepare(o, o->t, y);
    if (st != AEDYN_OK)
        return st;
    aedyn__ode_moments(o, y);
    aedyn__ode_coefficients(o, y, aedyn__ode_generic(o));
    /* (1 - c a)^2 Tr Omega/(2D) + c^2 sigma_n^2/2 - sum R^kk E g' + 1/2 sum T0 E[g g],
     * with R = R_kappa and the fields of the noisy input (docs/theory.md) */
    const double a = o->cur[AEDYN_SCHEDULE_INPUT_SCALE], sn = o->cur[AEDYN_SCHEDULE_NOISE];
    const double c = o->cskip, ca = 1.0 - c * a;
    double e = ca * ca * o->trace / (2.0 * (double)o->D) + 0.5 * c * c * sn * sn;
    for (size_t k = 0; k < K; k++) {
        e -= o->R[k * K + k] * o->A[k];
        for (size_t l = 0; l < K; l++)
            e += 0.5 * o->T0[k * K + l] * o->G[k * K + l];
    }
    st = aedyn__check_finite("aedyn_ode_error", "the error", &e, 1);
    if (st == AEDYN_OK)
        *err = e;
    return st;
}

AEDYN_API aedyn_status aedyn_ode_error(const aedyn_ode *ode, double *err)
{
    AEDYN__REQUIRE_NONNULL(ode);
    AEDYN__REQUIRE_NONNULL(err);
    aedyn_ode *o = (aedyn_ode *)ode; /* workspace only */
    return aedyn__ode_error_at(o, o->y, err);
}

AEDYN_API aedyn_status aedyn_ode_overlaps(const aedyn_ode *ode, size_t n, double *enc,
                                          double *dec)
{
    AEDYN__REQUIRE_NONNULL(ode);
    if (n > ode->P)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_ode_overlaps: n = %zu exceeds the %zu modes", n,
                           ode->P);
    const size_t K = ode->K, P = ode->P;
    const double *wt = ode->y, *s = ode->y + P * K;
    for (size_t k = 0; k < K; k++) {
        double nw = 0, nv = 0;
        for (size_t tau = 0; tau < P; tau++) {
            nw += wt[tau * K + k] * wt[tau * K + k];
            nv += s[tau * K + k] * s[tau * K + k];
        }
        nw = sqrt(nw);
        nv = sqrt(nv);
        for (size_t i = 0; i < n; i++) {
            if (enc)
                enc[k * n + i] = nw > 0.0 ? wt[i * K + k] / nw : 0.0;
            if (dec)
                dec[k * n + i] = nv > 0.0 ? s[i * K + k] / nv : 0.0;
        }
    }
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_ode_get_weights(const aedyn_ode *ode, double *W, double *V)
{
    AEDYN__REQUIRE_NONNULL(ode);
    const size_t K = ode->K, P = ode->P, D = ode->D;
    aedyn_status st = AEDYN_OK;
    if (W) {
        memset(W, 0, K * D * sizeof *W);
        if (P > 0) /* W (K x D) = wt^T U */
            st = aedyn__gemm(true, false, K, D, P, 1.0, ode->y, K, ode->U, D, 0.0, W, D);
    }
    if (V && !st) {
        memset(V, 0, K * D * sizeof *V);
        if (P > 0)
            st = aedyn__gemm(true, false, K, D, P, sqrt((double)D), ode->y + P * K, K, ode->U, D,
                             0.0, V, D);
    }
    return st;
}

AEDYN_API aedyn_status aedyn_ode_get_switch(const aedyn_ode *ode, size_t i, double *t,
                                            aedyn_ode_method *method)
{
    AEDYN__REQUIRE_NONNULL(ode);
    return aedyn__stepper_get_switch(ode->st, i, t, method);
}

AEDYN_API aedyn_status aedyn_ode_get_stat(const aedyn_ode *ode, aedyn_ode_stat which,
                                          uint64_t *value)
{
    AEDYN__REQUIRE_NONNULL(ode);
    AEDYN__REQUIRE_NONNULL(value);
    const aedyn__stepper_stats s = aedyn__stepper_get_stats(ode->st);
    switch (which) {
    case AEDYN_ODE_STAT_RHS: *value = s.nfev; return AEDYN_OK;
    case AEDYN_ODE_STAT_STEPS: *value = s.nsteps; return AEDYN_OK;
    case AEDYN_ODE_STAT_REJECTED: *value = s.nreject; return AEDYN_OK;
    case AEDYN_ODE_STAT_JACOBIANS: *value = s.njac; return AEDYN_OK;
    case AEDYN_ODE_STAT_FACTORISATIONS: *value = s.nlu; return AEDYN_OK;
    case AEDYN_ODE_STAT_SWITCHES: *value = s.nswitch; return AEDYN_OK;
    case AEDYN_ODE_STAT_BREAKPOINTS: *value = ode->n_breaks; return AEDYN_OK;
    }
    return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_ode_get_stat: unknown statistic %d", (int)which);
}
