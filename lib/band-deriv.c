/* The band's Jacobian J = df/dy and curvature term (1/2) f''(y) : Sigma from
 * the structure of its drift (docs/theory.md section 12.3, "J and f''").
 *
 * The drift is f(y) = F(o(y), y), F(o, y) = A(o) y + c(o): for fixed ODE
 * coefficients it is linear in y (the mode maps on the explicit components,
 * C' = L_b C + C L_b^T on the bulk block), plus the biases' drift c, which
 * depends on the coefficients alone. The coefficients (lib/ode.c,
 * aedyn__ode_coefficients_at) read only the order parameters
 *
 *     o = (Q (upper), beta, T0 (upper), the diagonal of R),
 *
 * np = K (K + 1) + K (+ K) numbers, at a fixed time t (the schedules' rates;
 * the weight decay is a constant of the maps), and o is quadratic in y
 * (Q = Q_b + sum_m rho_m/D wt_m wt_m^T, T0 = T0_b + sum_m s_m s_m^T, R_kk =
 * R_b^kk + sum_m rho_m/D s_mk wt_mk). With V = do/dy (P x np, closed form),
 * U = F_o = dA/do y + dc/do (the maps' derivatives dL, dc by differences
 * in each order parameter: at most 2 np coefficient evaluations, no
 * unpacking):
 *
 *     J = A(o) + U V^T                                  (A(o) exact),
 *     f''(u, u) = 2 A_o(V^T u) u + F_oo(V^T u, V^T u) + F_o(o''(u, u)),
 *
 * and for Sigma = sum_k l_k l_k^T, with SV = Sigma V and W = V^T Sigma V,
 *
 *     f'' : Sigma = 2 sum_g A_{o_g} (SV)_g + F_oo : W + U (o'' : Sigma),
 *
 * the first term the maps' derivatives applied to the columns of SV, the
 * second by second differences of F(., y) along the columns of a factor
 * W = N N^T (F is affine in T0 and R, so only the K (K + 1) / 2 (+ K)
 * columns with a Q or beta component count; none for linear units without
 * biases, whose coefficients are affine in o), the last with o'' : Sigma
 * in closed form. The ingredients at the last two points (t, y) are kept: the
 * step-wise scheme asks for J and then f'' at each point. */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "band-private.h"
#include "linalg-internal.h"
#include "ode-internal.h"

enum { BP_Q, BP_T0, BP_R, BP_BETA };
enum { NBULK_MAX = AEDYN__BAND_MAXK * (2 * AEDYN__BAND_MAXK + 1) }; /* bulk coordinates */

static size_t nmaps_(const aedyn_band *b) { return (b->M + 1) * 4 * b->K * b->K; }

/* acc += n * m, false on overflow. */
static bool add_prod(size_t *acc, size_t n, size_t m)
{
    size_t v;
    if (!aedyn__mul_size(n, m, &v) || *acc + v < v)
        return false;
    *acc += v;
    return true;
}

aedyn_status aedyn__band_deriv_alloc(aedyn_band *b)
{
    const size_t K = b->K, P = b->P;
    const aedyn__ode_view v = aedyn__ode_get_view(b->ode);
    b->lin_coef = v.act == AEDYN_NET_ACT_LINEAR && !v.has_bias && !v.user_activation;
    b->np = K * (K + 1) + K + (b->has_bias ? K : 0);
    const size_t np = b->np, nL = nmaps_(b);
    size_t slot = 0, n = 0;
    bool ok = add_prod(&slot, 1, P + 2 * np + 3 * K * K + 3 * K) && add_prod(&slot, 1, nL) &&
              add_prod(&slot, np, nL) && add_prod(&slot, np, K) && add_prod(&slot, P, np);
    ok = ok && add_prod(&n, 2, slot) && add_prod(&n, 2 * P, np) && add_prod(&n, 2 * np, np) &&
         add_prod(&n, 1, np + 4 * P + 3 * K) && add_prod(&n, 3, nL) && add_prod(&n, P, np);
    size_t ni = P;
    ok = ok && add_prod(&ni, P, np);
    b->par = ok ? calloc(np, sizeof *b->par) : NULL;
    b->dVg = ok ? aedyn__calloc(ni, sizeof *b->dVg) : NULL;
    double *p = ok ? aedyn__calloc(n, sizeof *p) : NULL;
    if (!b->par || !b->dVg || !p) {
        free(p);
        return aedyn__fail(AEDYN_ERR_NOMEM, "aedyn_band_create: out of memory (derivatives)");
    }
    for (int i = 0; i < 2; i++) {
        aedyn__band_dslot *s = &b->ds[i];
        s->y = p;
        s->o = s->y + P;
        s->Q = s->o + 2 * np; /* o, then the order parameters' scales */
        s->R = s->Q + K * K;
        s->T0 = s->R + K * K;
        s->beta = s->T0 + K * K;
        s->c0 = s->beta + K;
        s->dc = s->c0 + K;
        s->L0 = s->dc + np * K;
        s->dL = s->L0 + nL;
        s->U = s->dL + np * nL;
        p = s->U + P * np;
        s->ok = false;
    }
    b->dV = p;
    b->dSV = b->dV + P * np;
    b->dW = b->dSV + P * np;
    b->dN = b->dW + np * np;
    b->do2 = b->dN + np * np;
    b->dz = b->do2 + np;
    b->dF = b->dz + P;    /* 3 P */
    b->dcw = b->dF + 3 * P; /* 3 K */
    b->dLw = b->dcw + 3 * K; /* 3 nL */
    b->dVc = b->dLw + 3 * nL;
    b->dVn = b->dVg + P * np;
    size_t g = 0;
    for (size_t k = 0; k < K; k++)
        for (size_t l = k; l < K; l++)
            b->par[g++] = (aedyn__band_par){ BP_Q, k, l };
    for (size_t k = 0; k < K && b->has_bias; k++)
        b->par[g++] = (aedyn__band_par){ BP_BETA, k, k };
    for (size_t k = 0; k < K; k++) /* those F is affine in last (aedyn__band_curv_structured) */
        for (size_t l = k; l < K; l++)
            b->par[g++] = (aedyn__band_par){ BP_T0, k, l };
    for (size_t k = 0; k < K; k++)
        b->par[g++] = (aedyn__band_par){ BP_R, k, k };
    return AEDYN_OK;
}

void aedyn__band_deriv_free(aedyn_band *b)
{
    free(b->par);
    free(b->dVg);
    free(b->ds[0].y);
}

/* ---- the maps at given order parameters -------------------------------------------- */

/* The mode maps (rho_1..M, rho_b) and the bias drift at the ODE's last
 * coefficients. */
void aedyn__band_read_maps(const aedyn_band *b, double *L, double *c)
{
    const size_t K4 = 4 * b->K * b->K;
    for (size_t m = 0; m < b->M; m++)
        aedyn__ode_mode_map(b->ode, b->rho[m], L + m * K4);
    aedyn__ode_mode_map(b->ode, b->rho_b, L + b->M * K4);
    if (b->has_bias)
        aedyn__ode_bias_drift(b->ode, c);
    else
        memset(c, 0, b->K * sizeof *c);
}

/* The maps at the order parameters held by slot s (time t). */
static void eval_maps(aedyn_band *b, double t, const aedyn__band_dslot *s, double *L, double *c)
{
    const aedyn_status st = aedyn__ode_coefficients_at(b->ode, t, s->Q, s->R, s->T0, s->beta);
    if (st != AEDYN_OK && b->rhs_err == AEDYN_OK)
        b->rhs_err = st;
    aedyn__band_read_maps(b, L, c);
}

/* The bulk rows of A(o) v (f from off_Q on): C' = L_b C + C L_b^T. */
static void apply_bulk(const aedyn_band *b, const double *Lb, const double *v, double *f)
{
    const size_t K = b->K, K2 = 2 * K, oQ = off_Q(b), oR = off_R(b), oT = off_T(b);
    const double rb = b->rho_b / (double)b->D;
    double C[4 * AEDYN__BAND_MAXK * AEDYN__BAND_MAXK], LC[4 * AEDYN__BAND_MAXK * AEDYN__BAND_MAXK];
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            const size_t lo = k < l ? k : l, hi = k < l ? l : k;
            C[k * K2 + l] = v[oQ + tri(K, lo, hi)];
            C[(K + k) * K2 + l] = C[l * K2 + K + k] = v[oR + k * K + l];
            C[(K + k) * K2 + K + l] = rb * v[oT + tri(K, lo, hi)];
        }
    for (size_t i = 0; i < K2; i++) /* LC = L_b C; C' = LC + LC^T */
        for (size_t j = 0; j < K2; j++) {
            double x = 0.0;
            for (size_t q = 0; q < K2; q++)
                x += Lb[i * K2 + q] * C[q * K2 + j];
            LC[i * K2 + j] = x;
        }
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            if (l >= k) {
                f[oQ + tri(K, k, l)] = LC[k * K2 + l] + LC[l * K2 + k];
                f[oT + tri(K, k, l)] = (LC[(K + k) * K2 + K + l] + LC[(K + l) * K2 + K + k]) / rb;
            }
            f[oR + k * K + l] = LC[(K + k) * K2 + l] + LC[l * K2 + K + k];
        }
}

/* f = A v + c (c NULL: A v alone) with the maps L. */
void aedyn__band_apply(const aedyn_band *b, const double *L, const double *c, const double *v,
                       double *f)
{
    const size_t K = b->K, M = b->M, K2 = 2 * K, K4 = K2 * K2;
    for (size_t m = 0; m < M; m++) {
        const double *Lm = L + m * K4, *w = v + m * K, *s = v + M * K + m * K;
        for (size_t i = 0; i < K2; i++) {
            double x = 0.0;
            for (size_t j = 0; j < K; j++)
                x += Lm[i * K2 + j] * w[j] + Lm[i * K2 + K + j] * s[j];
            f[(i < K ? 0 : M * K) + m * K + i % K] = x;
        }
    }
    for (size_t k = 0; k < K && b->has_bias; k++)
        f[off_b(b) + k] = c ? c[k] : 0.0;
    apply_bulk(b, L + M * K4, v, f);
}

/* ---- the order parameters -------------------------------------------------------- */

/* Parameter g's entry in slot s's matrices, and its symmetric twin. */
static double *par_slot(const aedyn_band *b, const aedyn__band_dslot *s, size_t g, double **twin)
{
    const aedyn__band_par *q = &b->par[g];
    const size_t K = b->K, kl = q->k * K + q->l, lk = q->l * K + q->k;
    *twin = NULL;
    switch (q->kind) {
    case BP_Q:
        *twin = q->k == q->l ? NULL : s->Q + lk;
        return s->Q + kl;
    case BP_T0:
        *twin = q->k == q->l ? NULL : s->T0 + lk;
        return s->T0 + kl;
    case BP_R:
        return s->R + kl;
    default:
        return s->beta + q->k;
    }
}

static void set_par(const aedyn_band *b, aedyn__band_dslot *s, size_t g, double v)
{
    double *twin, *m = par_slot(b, s, g, &twin);
    *m = v;
    if (twin)
        *twin = v;
}

/* V = do/dy (P x np, row-major) at y. */
static void par_gradient(const aedyn_band *b, const double *y, double *V)
{
    const size_t K = b->K, M = b->M, MK = M * K, np = b->np;
    const double *wt = y, *s = y + MK;
    memset(V, 0, b->P * np * sizeof *V);
    for (size_t g = 0; g < np; g++) {
        const size_t k = b->par[g].k, l = b->par[g].l;
        switch (b->par[g].kind) {
        case BP_Q:
            for (size_t m = 0; m < M; m++) {
                const double rm = b->rho[m] / (double)b->D;
                V[(m * K + k) * np + g] += rm * wt[m * K + l];
                V[(m * K + l) * np + g] += rm * wt[m * K + k];
            }
            V[(off_Q(b) + tri(K, k, l)) * np + g] = 1.0;
            break;
        case BP_T0:
            for (size_t m = 0; m < M; m++) {
                V[(MK + m * K + k) * np + g] += s[m * K + l];
                V[(MK + m * K + l) * np + g] += s[m * K + k];
            }
            V[(off_T(b) + tri(K, k, l)) * np + g] = 1.0;
            break;
        case BP_R:
            for (size_t m = 0; m < M; m++) {
                const double rm = b->rho[m] / (double)b->D;
                V[(m * K + k) * np + g] += rm * s[m * K + k];
                V[(MK + m * K + k) * np + g] += rm * wt[m * K + k];
            }
            V[(off_R(b) + k * K + k) * np + g] = 1.0;
            break;
        default:
            V[(off_b(b) + k) * np + g] = 1.0;
            break;
        }
    }
}

/* V (dense) and its nonzeros row by row: at most K + 1 a row (wt_mk moves
 * Q_k. and R_kk, s_mk T0_k. and R_kk, the rest one parameter each). */
static void par_gradient_sparse(const aedyn_band *b, const double *y)
{
    const size_t np = b->np;
    par_gradient(b, y, b->dV);
    for (size_t j = 0; j < b->P; j++) {
        size_t n = 0;
        for (size_t g = 0; g < np; g++)
            if (b->dV[j * np + g] != 0.0) {
                b->dVc[j * np + n] = b->dV[j * np + g];
                b->dVg[j * np + n++] = g;
            }
        b->dVn[j] = n;
    }
}

/* o'' : S (np; S full P x P): o is quadratic in the explicit components. */
static void par_curvature(const aedyn_band *b, const double *S, double *o2)
{
    const size_t K = b->K, M = b->M, MK = M * K, P = b->P;
    for (size_t g = 0; g < b->np; g++) {
        const size_t k = b->par[g].k, l = b->par[g].l;
        double x = 0.0;
        for (size_t m = 0; m < M; m++) {
            const double rm = b->rho[m] / (double)b->D;
            const size_t wk = m * K + k, wl = m * K + l, sk = MK + wk, sl = MK + wl;
            switch (b->par[g].kind) {
            case BP_Q:
                x += 2.0 * rm * S[wk * P + wl];
                break;
            case BP_T0:
                x += 2.0 * S[sk * P + sl];
                break;
            case BP_R:
                x += 2.0 * rm * S[wk * P + sk];
                break;
            default:
                break;
            }
        }
        o2[g] = x;
    }
}

/* ---- J's ingredients at (t, y) ---------------------------------------------------- */

/* The slot of (t, y): o, the maps at o, their derivatives and U, computed
 * unless one of the last two points was (t, y). */
static aedyn__band_dslot *prepare(aedyn_band *b, double t, const double *y)
{
    const size_t K = b->K, KK = K * K, P = b->P, np = b->np, nL = nmaps_(b);
    for (size_t i = 0; i < 2; i++) {
        const aedyn__band_dslot *c = &b->ds[i];
        if (c->ok && c->t == t && c->seg == b->seg_end && memcmp(c->y, y, P * sizeof *y) == 0) {
            b->ds_last = i;
            return &b->ds[i];
        }
    }
    const size_t i = 1 - b->ds_last;
    aedyn__band_dslot *s = &b->ds[i];
    b->ds_last = i;
    const aedyn_status err0 = b->rhs_err;
    b->rhs_err = AEDYN_OK;
    /* o and the maps there: the drift unpacks y, evaluates the coefficients
     * and reads the maps (into b->Lm, b->cm) */
    aedyn__band_drift(b, t, y, b->dF);
    memcpy(s->Q, b->Q, KK * sizeof *s->Q);
    memcpy(s->R, b->R, KK * sizeof *s->R);
    memcpy(s->T0, b->T0, KK * sizeof *s->T0);
    memcpy(s->beta, b->beta, K * sizeof *s->beta);
    memcpy(s->L0, b->Lm, nL * sizeof *s->L0);
    memcpy(s->c0, b->cm, K * sizeof *s->c0);
    double *sc = s->o + np;
    for (size_t g = 0; g < np; g++) {
        const aedyn__band_par *q = &b->par[g];
        const size_t kk = q->k * K + q->k, ll = q->l * K + q->l;
        double *twin;
        s->o[g] = *par_slot(b, s, g, &twin);
        sc[g] = q->kind == BP_Q    ? sqrt(fabs(b->Q[kk] * b->Q[ll]))
                : q->kind == BP_T0 ? sqrt(fabs(b->T0[kk] * b->T0[ll]))
                : q->kind == BP_R  ? sqrt(fabs(b->Q[kk] * b->T[kk]))
                                   : 1.0;
        sc[g] = fmax(fabs(s->o[g]), fmax(sc[g], 1e-10));
    }
    /* dL, dc: central differences, step eps^(1/3) of the parameter's scale
     * (truncation and rounding both ~ eps^(2/3) relative); a variance too
     * close to 0 to step below it one-sided, second order; forward where
     * the maps are affine (no truncation; rounding eps^(2/3) too) */
    double *Lp = b->dLw, *Lm = Lp + nL, *cp = b->dcw, *cm = cp + K;
    for (size_t g = 0; g < np; g++) {
        const double m0 = s->o[g], up = m0 + cbrt(DBL_EPSILON) * sc[g], h = up - m0;
        const bool var = (b->par[g].kind == BP_Q || b->par[g].kind == BP_T0) &&
                         b->par[g].k == b->par[g].l;
        double *dL = s->dL + g * nL, *dc = s->dc + g * K;
        set_par(b, s, g, up);
        eval_maps(b, t, s, Lp, cp);
        if (b->lin_coef || b->par[g].kind == BP_T0 || b->par[g].kind == BP_R) {
            /* the maps are affine in T0 and R (and in all of o for linear
             * units without biases): forward differences are exact */
            const double r = 1.0 / h;
            for (size_t j = 0; j < nL; j++)
                dL[j] = (Lp[j] - s->L0[j]) * r;
            for (size_t k = 0; k < K; k++)
                dc[k] = (cp[k] - s->c0[k]) * r;
        } else if (!var || m0 - h >= 0.0) {
            set_par(b, s, g, m0 - h);
            eval_maps(b, t, s, Lm, cm);
            const double r = 0.5 / h;
            for (size_t j = 0; j < nL; j++)
                dL[j] = (Lp[j] - Lm[j]) * r;
            for (size_t k = 0; k < K; k++)
                dc[k] = (cp[k] - cm[k]) * r;
        } else { /* (-3 F(m) + 4 F(m + h) - F(m + 2h)) / 2h */
            set_par(b, s, g, m0 + 2.0 * h);
            eval_maps(b, t, s, Lm, cm);
            for (size_t j = 0; j < nL; j++)
                dL[j] = (4.0 * Lp[j] - 3.0 * s->L0[j] - Lm[j]) / (2.0 * h);
            for (size_t k = 0; k < K; k++)
                dc[k] = (4.0 * cp[k] - 3.0 * s->c0[k] - cm[k]) / (2.0 * h);
        }
        set_par(b, s, g, m0);
        aedyn__band_apply(b, dL, dc, y, b->dz); /* U's column g = dA/do_g y + dc/do_g */
        for (size_t r = 0; r < P; r++)
            s->U[r * np + g] = b->dz[r];
    }
    memcpy(s->y, y, P * sizeof *y);
    s->t = t;
    s->seg = b->seg_end;
    /* a schedule's bad value is reported, and its point not kept */
    s->ok = b->rhs_err == AEDYN_OK;
    if (err0 != AEDYN_OK)
        b->rhs_err = err0;
    return s;
}

/* ---- J and f'' ------------------------------------------------------------------- */

/* One packed bulk coordinate j (from off_Q on) as entries of C: positions
 * (p, q) and weights w (its symmetric twin too); returns their number. */
static size_t bulk_entries(const aedyn_band *b, size_t j, size_t p[2], size_t q[2], double w[2])
{
    const size_t K = b->K;
    const double rb = b->rho_b / (double)b->D;
    size_t k = 0, l = 0, kind = 0, i = j - off_Q(b);
    if (j >= off_T(b)) {
        kind = 2;
        i = j - off_T(b);
    } else if (j >= off_R(b)) {
        kind = 1;
        i = j - off_R(b);
    }
    if (kind == 1) {
        k = i / K;
        l = i % K;
    } else { /* the upper triangle's row and column */
        while (i >= K - k) {
            i -= K - k;
            k++;
        }
        l = k + i;
    }
    const size_t a = kind == 0 ? k : K + k, c = kind == 1 ? l : kind == 2 ? K + l : l;
    p[0] = a;
    q[0] = c;
    w[0] = w[1] = kind == 2 ? rb : 1.0;
    p[1] = c;
    q[1] = a;
    return a == c ? 1 : 2;
}

void aedyn__band_jac_structured(aedyn_band *b, double t, const double *y, double *J)
{
    const size_t K = b->K, M = b->M, K2 = 2 * K, K4 = K2 * K2, P = b->P, np = b->np;
    const aedyn__band_dslot *s = prepare(b, t, y);
    const double *Vc = b->dVc;
    const size_t *Vg = b->dVg, *Vn = b->dVn;
    par_gradient_sparse(b, y);
    for (size_t i = 0; i < P; i++) /* U V^T */
        for (size_t j = 0; j < P; j++) {
            double x = 0.0;
            for (size_t e = j * np; e < j * np + Vn[j]; e++)
                x += s->U[i * np + Vg[e]] * Vc[e];
            J[i * P + j] = x;
        }
    for (size_t m = 0; m < M; m++) /* + A(o): the explicit modes' blocks */
        for (size_t i = 0; i < K2; i++)
            for (size_t j = 0; j < K2; j++)
                J[((i < K ? 0 : M * K) + m * K + i % K) * P + (j < K ? 0 : M * K) + m * K +
                  j % K] += s->L0[m * K4 + i * K2 + j];
    /* and the bulk's: C' = L_b C + C L_b^T, so the entry (p, q) of C moves
     * entry (a, c) of C' by L_b[a][p] [q = c] + L_b[c][p] [q = a] */
    const double *Lb = s->L0 + M * K4, rb = b->rho_b / (double)b->D;
    const size_t o = off_Q(b), nb = P - o;
    size_t bp[2 * NBULK_MAX], bq[2 * NBULK_MAX], bn[NBULK_MAX];
    double bw[2 * NBULK_MAX];
    for (size_t j = 0; j < nb; j++)
        bn[j] = bulk_entries(b, o + j, bp + 2 * j, bq + 2 * j, bw + 2 * j);
    for (size_t i = 0; i < nb; i++) {
        const size_t a = bp[2 * i], c = bq[2 * i];
        const double sc = o + i >= off_T(b) ? 1.0 / rb : 1.0;
        for (size_t j = 0; j < nb; j++) {
            double x = 0.0;
            for (size_t e = 2 * j; e < 2 * j + bn[j]; e++)
                x += bw[e] * ((bq[e] == c ? Lb[a * K2 + bp[e]] : 0.0) +
                              (bq[e] == a ? Lb[c * K2 + bp[e]] : 0.0));
            J[(o + i) * P + o + j] += sc * x;
        }
    }
}

void aedyn__band_curv_structured(aedyn_band *b, double t, const double *y, const double *S,
                                 double *out)
{
    const size_t P = b->P, np = b->np, nL = nmaps_(b);
    aedyn__band_dslot *s = prepare(b, t, y);
    double *SV = b->dSV, *W = b->dW, *N = b->dN, *o2 = b->do2, *z = b->dz;
    double *F0 = b->dF, *Fp = F0 + P, *Fm = Fp + P;
    const double *Vc = b->dVc;
    const size_t *Vg = b->dVg, *Vn = b->dVn;
    par_gradient_sparse(b, y);
    memset(SV, 0, P * np * sizeof *SV);
    for (size_t i = 0; i < P; i++) /* SV = S V */
        for (size_t j = 0; j < P; j++) {
            const double x = S[i * P + j];
            for (size_t e = j * np; e < j * np + Vn[j]; e++)
                SV[i * np + Vg[e]] += x * Vc[e];
        }
    par_curvature(b, S, o2);
    /* (1/2) (2 sum_g A_{o_g} (S V)_g + U (o'' : S)) */
    for (size_t g = 0; g < np; g++) {
        for (size_t i = 0; i < P; i++)
            z[i] = SV[i * np + g];
        aedyn__band_apply(b, s->dL + g * nL, NULL, z, Fp);
        for (size_t i = 0; i < P; i++)
            out[i] += Fp[i];
    }
    for (size_t i = 0; i < P; i++) {
        double x = 0.0;
        for (size_t g = 0; g < np; g++)
            x += s->U[i * np + g] * o2[g];
        out[i] += 0.5 * x;
    }
    /* (1/2) F_oo : W, W = V^T S V = N N^T, by second differences along the
     * columns of N. F is affine in T0 and R (every coefficient is a sum of
     * Gaussian expectations over the fields, which see Q and beta only, each
     * times one entry of T0 or R: docs/theory.md section 5), so F_oo vanishes
     * on directions without a Q or beta component: with those parameters
     * first (nx of them), only the first nx columns of the lower-triangular
     * N count. For linear units without biases F is affine in Q too: none.
     * Each step is at most 5e-4 of every parameter's scale, about
     * (48 eps)^(1/4): truncation (5e-4)^2 / 12 and rounding 4 eps / (5e-4)^2,
     * both ~ 2e-8 relative (measured: 3e-8 of the largest entry against the
     * reference; at 1e-4, rounding made it 4e-7). */
    const size_t nx = b->lin_coef ? 0 : b->K * (b->K + 1) / 2 + (b->has_bias ? b->K : 0);
    if (nx == 0)
        return;
    memset(W, 0, np * np * sizeof *W);
    for (size_t i = 0; i < P; i++) /* W = V^T (S V) */
        for (size_t e = i * np; e < i * np + Vn[i]; e++)
            for (size_t h = 0; h < np; h++)
                W[Vg[e] * np + h] += Vc[e] * SV[i * np + h];
    for (size_t g = 0; g < np; g++) /* exactly symmetric */
        for (size_t h = g + 1; h < np; h++)
            W[g * np + h] = W[h * np + g] = 0.5 * (W[g * np + h] + W[h * np + g]);
    aedyn__cholesky_psd(np, W, N);
    const double *sc = s->o + np;
    double *Lw = b->dLw, *cw = b->dcw;
    aedyn__band_apply(b, s->L0, s->c0, y, F0);
    for (size_t j = 0; j < nx; j++) {
        double nmax = 0.0;
        for (size_t g = j; g < np; g++)
            nmax = fmax(nmax, fabs(N[g * np + j]) / sc[g]);
        if (nmax == 0.0)
            continue;
        const double eps = 5e-4 / nmax;
        for (int side = 0; side < 2; side++) {
            const double e = side ? -eps : eps;
            for (size_t g = j; g < np; g++)
                set_par(b, s, g, s->o[g] + e * N[g * np + j]);
            eval_maps(b, t, s, Lw, cw);
            aedyn__band_apply(b, Lw, cw, y, side ? Fm : Fp);
        }
        for (size_t g = j; g < np; g++)
            set_par(b, s, g, s->o[g]);
        for (size_t i = 0; i < P; i++)
            out[i] += 0.5 * (Fp[i] + Fm[i] - 2.0 * F0[i]) / (eps * eps);
    }
}
