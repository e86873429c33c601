/* The linear-noise theory of the band of SGD (include/aedyn/aedyn-band.h,
 * docs/theory.md section 12.3), in the coordinates of the exact reduced chain
 * (lib/chain.c), packed without repetitions:
 *
 *     y = (wt (M x K), s (M x K), beta (K, biases only), Q_b (upper),
 *          R_b (K x K), T0_b (upper)).
 *
 * The drift f(y) is the ODE's: its coefficients and mode maps come from the
 * ODE module (ode-internal.h) at the order parameters of y; the bulk block
 * moves as d C/dt = L_b C + C L_b^T with C = [[Q_b, R_b^T], [R_b, rho_b T0_b
 * / D]] and L_b the map of a bulk mode.
 *
 * B and the O(1/D) drift f1: one step's increment h = D dy (to first order)
 * is, given the K local fields lambda, a sum of at most two terms, each a
 * product of two affine forms (or one) in the Gaussian vector r = (zeta,
 * lambda_b, nu_b) | lambda ~ N(mu(lambda), S). With the Gram matrix G of the
 * forms' directions under S, Isserlis' theorem gives every conditional mean
 * and covariance in closed form; a tensor Gauss-Hermite rule over the
 * lambda's integrates them. Which directions appear in which component does
 * not depend on the node (node_structure reads it once), so a node adds
 * only the outer products of its means m, its linear parts' coefficients c
 * and its product terms' coefficients alpha, accumulated densely over
 * chunks of nodes (node_moments, flush_moments); the sums over c and alpha
 * are contracted with G once after the nodes (lin_moments, quad_moments).
 * The term-by-term Isserlis formula at every node (pairwise) is the tests'
 * reference.
 *
 * Integration (docs/theory.md section 12.3): the mean takes its own adaptive
 * steps; along each, J, B and f1 at five Lobatto nodes (four new ones),
 * interpolated, carry Sigma and then delta under their own error test
 * (advance_nodes). The RK4 substeps with J, B, f1 at every substep
 * (advance_stepwise, b->rk4) and the joint system of all three (band_rhs)
 * are the tests' references. */
#include <stdlib.h>
#include <string.h>
#include "act-internal.h"
#include "band-private.h"
#include "linalg-internal.h"
#include "ode-internal.h"
#include "rng-internal.h"

/* ---- coordinates -------------------------------------------------------------- */

/* tri and the offsets off_b .. off_T: band-private.h */
static size_t n_sigma(size_t P) { return P * (P + 1) / 2; }

/* Sigma full (P x P) from its upper triangle packed by rows, and back. */
static void sigma_unpack(size_t P, const double *packed, double *S)
{
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++)
            S[i * P + j] = S[j * P + i] = packed[tri(P, i, j)];
}

static void sigma_pack(size_t P, const double *S, double *packed)
{
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++)
            packed[tri(P, i, j)] = S[i * P + j];
}

/* Unpack y into wt, s, beta, Q_b, R_b, T0_b and the order parameters. */
static void unpack(aedyn_band *b, const double *y)
{
    const size_t K = b->K, M = b->M;
    const double Dd = (double)b->D, rb = b->rho_b / Dd;
    memcpy(b->wt, y, 2 * M * K * sizeof *y); /* wt, s adjacent */
    for (size_t k = 0; k < K; k++)
        b->beta[k] = b->has_bias ? y[off_b(b) + k] : 0.0;
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            const size_t lo = k < l ? k : l, hi = k < l ? l : k;
            b->Qb[k * K + l] = y[off_Q(b) + tri(K, lo, hi)];
            b->Rb[k * K + l] = y[off_R(b) + k * K + l];
            b->T0b[k * K + l] = y[off_T(b) + tri(K, lo, hi)];
        }
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            double q = b->Qb[k * K + l], r = b->Rb[k * K + l], t0 = b->T0b[k * K + l];
            double t = rb * t0;
            for (size_t m = 0; m < M; m++) {
                const double rm = b->rho[m] / Dd, *w = b->wt + m * K, *s = b->s + m * K;
                q += rm * w[k] * w[l];
                r += rm * s[k] * w[l];
                t += rm * s[k] * s[l];
                t0 += s[k] * s[l];
            }
            b->Q[k * K + l] = q;
            b->R[k * K + l] = r;
            b->T[k * K + l] = t;
            b->T0[k * K + l] = t0;
        }
}

/* The state in the chain's layout (aedyn_chain_get_state) from packed y. */
static void to_chain(const aedyn_band *b, const double *y, double *yc)
{
    const size_t K = b->K, M = b->M, KK = K * K;
    memcpy(yc, y, 2 * M * K * sizeof *y);
    double *beta = yc + 2 * M * K, *Qb = beta + K, *Rb = Qb + KK, *T0b = Rb + KK;
    for (size_t k = 0; k < K; k++)
        beta[k] = b->has_bias ? y[off_b(b) + k] : 0.0;
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            const size_t lo = k < l ? k : l, hi = k < l ? l : k;
            Qb[k * K + l] = y[off_Q(b) + tri(K, lo, hi)];
            Rb[k * K + l] = y[off_R(b) + k * K + l];
            T0b[k * K + l] = y[off_T(b) + tri(K, lo, hi)];
        }
}

static void from_chain(const aedyn_band *b, const double *yc, double *y)
{
    const size_t K = b->K, M = b->M, KK = K * K;
    memcpy(y, yc, 2 * M * K * sizeof *y);
    const double *beta = yc + 2 * M * K, *Qb = beta + K, *Rb = Qb + KK, *T0b = Rb + KK;
    for (size_t k = 0; k < K && b->has_bias; k++)
        y[off_b(b) + k] = beta[k];
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            if (l >= k) {
                y[off_Q(b) + tri(K, k, l)] = Qb[k * K + l];
                y[off_T(b) + tri(K, k, l)] = T0b[k * K + l];
            }
            y[off_R(b) + k * K + l] = Rb[k * K + l];
        }
}

/* ---- the drift ------------------------------------------------------------------ */

void aedyn__band_drift(aedyn_band *b, double t, const double *y, double *f)
{
    unpack(b, y);
    const aedyn_status st = aedyn__ode_coefficients_at(b->ode, t, b->Q, b->R, b->T0, b->beta);
    if (st != AEDYN_OK && b->rhs_err == AEDYN_OK)
        b->rhs_err = st;
    aedyn__band_read_maps(b, b->Lm, b->cm);
    aedyn__band_apply(b, b->Lm, b->cm, y, f);
}

/* ---- B and the O(1/D) drift by quadrature ----------------------------------------- */

static double form_mean(const aedyn_band *b, const aedyn__band_form *u)
{
    return u->dir >= 0 ? u->c + u->a * b->dm[u->dir] : u->c;
}

/* Covariance of two forms: a a' G[dir][dir']. */
static double form_cov(const aedyn_band *b, const aedyn__band_form *u, const aedyn__band_form *v)
{
    if (u->dir < 0 || v->dir < 0)
        return 0.0;
    return u->a * v->a * b->G[(size_t)u->dir * (b->n + b->K) + (size_t)v->dir];
}

static bool is_affine(const aedyn__band_term *t) { return t->v.dir == -2; }

static double term_mean(const aedyn_band *b, const aedyn__band_term *t)
{
    if (is_affine(t))
        return t->coef * form_mean(b, &t->u);
    return t->coef * (form_mean(b, &t->u) * form_mean(b, &t->v) + form_cov(b, &t->u, &t->v));
}

/* Cov(coef u v, coef' u' v') and the affine cases, by Isserlis' theorem. */
static double term_cov(const aedyn_band *b, const aedyn__band_term *p, const aedyn__band_term *q)
{
    const double cc = p->coef * q->coef;
    if (is_affine(p) && is_affine(q))
        return cc * form_cov(b, &p->u, &q->u);
    if (is_affine(p)) {
        const aedyn__band_term *tmp = p;
        p = q;
        q = tmp;
    }
    const double mu = form_mean(b, &p->u), mv = form_mean(b, &p->v);
    if (is_affine(q))
        return cc * (mu * form_cov(b, &p->v, &q->u) + mv * form_cov(b, &p->u, &q->u));
    const double mu2 = form_mean(b, &q->u), mv2 = form_mean(b, &q->v);
    const double guu = form_cov(b, &p->u, &q->u), gvv = form_cov(b, &p->v, &q->v);
    const double guv = form_cov(b, &p->u, &q->v), gvu = form_cov(b, &p->v, &q->u);
    return cc * (guu * gvv + guv * gvu + mu * mu2 * gvv + mu * mv2 * gvu + mv * mu2 * guv +
                 mv * mv2 * guu);
}

static aedyn__band_form form(int dir, double a, double c)
{
    return (aedyn__band_form){ dir, a, c };
}

static void add_prod(aedyn_band *b, size_t i, double coef, aedyn__band_form u, aedyn__band_form v)
{
    b->terms[i * AEDYN__BAND_TERMS + b->nterm[i]++] = (aedyn__band_term){ coef, u, v };
}

static void add_affine(aedyn_band *b, size_t i, double coef, aedyn__band_form u)
{
    b->terms[i * AEDYN__BAND_TERMS + b->nterm[i]++] = (aedyn__band_term){ coef, u, form(-2, 0, 0) };
}

/* The terms of every component of h at one node (terms, nterm; the
 * constants in cvec) from g and g' at the node's fields, and the forms F_k
 * (F). Which directions appear in which component does not depend on the
 * node: only the coefficients do (node_structure reads the directions once). */
static void node_terms(aedyn_band *b, const double *g, const double *dg, double ew, double ev,
                       double eb, double kap, aedyn__band_form *F)
{
    const size_t K = b->K, M = b->M, n = b->n;
    const double rb = b->rho_b / (double)b->D;
    const double *T0 = b->T0, *Rb = b->Rb, *T0b = b->T0b;
    double *cv = b->cvec;
    /* the forms F_k = g'_k (nu_k - sum_a T0^ka g_a) */
    for (size_t k = 0; k < K; k++) {
        const size_t amax = b->trunc ? k + 1 : K;
        double ck = 0.0;
        for (size_t a = 0; a < amax; a++)
            ck += T0[k * K + a] * g[a];
        F[k] = form((int)(n + k), dg[k], -dg[k] * ck);
    }
    /* the terms of every component of h */
    memset(b->nterm, 0, b->P * sizeof *b->nterm);
    for (size_t m = 0; m < M; m++)
        for (size_t k = 0; k < K; k++) {
            const size_t amax = b->trunc ? k + 1 : K;
            const size_t iw = m * K + k, is = M * K + m * K + k;
            double sg = 0.0;
            for (size_t a = 0; a < amax; a++)
                sg += b->s[m * K + a] * g[a];
            add_prod(b, iw, ew, F[k], form((int)m, 1.0, 0.0));
            cv[iw] = -kap * b->wt[m * K + k];
            add_affine(b, is, 1.0, form((int)m, ev * g[k], -ev * g[k] * sg));
            cv[is] = -kap * b->s[m * K + k];
        }
    for (size_t k = 0; k < K && b->has_bias; k++) {
        add_affine(b, off_b(b) + k, eb, F[k]);
        cv[off_b(b) + k] = 0.0;
    }
    for (size_t k = 0; k < K; k++) {
        const size_t amax = b->trunc ? k + 1 : K;
        for (size_t l = 0; l < K; l++) {
            const size_t lmax = b->trunc ? l + 1 : K;
            if (l >= k) {
                const size_t iq = off_Q(b) + tri(K, k, l), it = off_T(b) + tri(K, k, l);
                add_prod(b, iq, rb * ew, form((int)(M + k), 1.0, 0.0), F[l]);
                add_prod(b, iq, rb * ew, F[k], form((int)(M + l), 1.0, 0.0));
                cv[iq] = -2.0 * kap * b->Qb[k * K + l];
                double s1 = 0.0, s2 = 0.0;
                for (size_t a = 0; a < amax; a++)
                    s1 += g[a] * T0b[a * K + l];
                for (size_t a = 0; a < lmax; a++)
                    s2 += g[a] * T0b[k * K + a];
                add_affine(b, it, 1.0, form((int)(M + K + l), ev * g[k], 0.0));
                add_affine(b, it, 1.0, form((int)(M + K + k), ev * g[l], 0.0));
                cv[it] = -ev * (g[k] * s1 + g[l] * s2) - 2.0 * kap * T0b[k * K + l];
            }
            const size_t ir = off_R(b) + k * K + l;
            double sr = 0.0;
            for (size_t a = 0; a < amax; a++)
                sr += g[a] * Rb[a * K + l];
            add_prod(b, ir, rb * ew, form((int)(M + K + k), 1.0, 0.0), F[l]);
            add_affine(b, ir, 1.0, form((int)(M + l), rb * ev * g[k], 0.0));
            cv[ir] = -ev * g[k] * sr - 2.0 * kap * Rb[k * K + l];
        }
    }
}

/* Which directions each component's linear part l_i has: the slots of l_i
 * (lslot[i] .. lslot[i + 1] - 1, direction ldir[z] each, every direction once
 * per component), the slot of every term's forms (tslot, u then v; SIZE_MAX
 * without direction), and the product terms with two directions (nprod; the
 * component qi and directions qu, qv of each). The terms' structure does not
 * depend on the node or the state: read once from the terms of any node. */
static void node_structure(aedyn_band *b)
{
    const size_t P = b->P, TT = AEDYN__BAND_TERMS;
    double g[AEDYN__BAND_MAXK] = { 0 }, dg[AEDYN__BAND_MAXK] = { 0 };
    aedyn__band_form F[AEDYN__BAND_MAXK];
    node_terms(b, g, dg, 0.0, 0.0, 0.0, 0.0, F);
    size_t nl = 0, np = 0;
    for (size_t i = 0; i < P; i++) {
        b->lslot[i] = nl;
        for (size_t p = 0; p < TT; p++)
            for (int f = 0; f < 2; f++) {
                const aedyn__band_term *t = &b->terms[i * TT + p];
                const int dir = p >= b->nterm[i] ? -1 : f == 0 ? t->u.dir : t->v.dir;
                size_t z = SIZE_MAX;
                if (dir >= 0) {
                    for (z = b->lslot[i]; z < nl && b->ldir[z] != dir; z++)
                        ;
                    if (z == nl)
                        b->ldir[nl++] = dir;
                }
                b->tslot[(i * TT + p) * 2 + (size_t)f] = z;
            }
        for (size_t p = 0; p < b->nterm[i]; p++) {
            const aedyn__band_term *t = &b->terms[i * TT + p];
            if (!is_affine(t) && t->u.dir >= 0 && t->v.dir >= 0) {
                b->qi[np] = i;
                b->qu[np] = (size_t)t->u.dir;
                b->qv[np++] = (size_t)t->v.dir;
            }
        }
    }
    b->lslot[P] = nl;
    b->nl = nl;
    b->nprod = np;
}

/* T += sum_r U_r^T V_r on the upper triangle of the s x s matrix T, over nr
 * rows (stride ld) of U and V: the accumulation of E[v v^T] over a chunk of
 * nodes (U_r = w_r V_r). Each tile of BAND_ROWS rows by BAND_TILE columns
 * of T sums the chunk's nodes in their order in registers (independent sums,
 * so the additions overlap) and is added to T once. Reads up to BAND_TILE - 1
 * numbers past a row's last column (the rows are padded; what they give
 * lands left of the diagonal or past s, never in T). */
#define BAND_ROWS 4
#define BAND_TILE 8
#define BAND_CHUNK 32 /* nodes per flush_moments */
AEDYN__CLONES static void syrk_upper(size_t s, size_t nr, size_t ld, const double *restrict U,
                                     const double *restrict V, double *restrict T)
{
    for (size_t y0 = 0; y0 < s; y0 += BAND_TILE) {
        const size_t y1 = y0 + BAND_TILE < s ? y0 + BAND_TILE : s;
        for (size_t z0 = 0; z0 < y1; z0 += BAND_ROWS) {
            double acc[BAND_ROWS][BAND_TILE];
            for (size_t i = 0; i < BAND_ROWS; i++) /* the first node (nr >= 1) */
                for (size_t j = 0; j < BAND_TILE; j++)
                    acc[i][j] = U[z0 + i] * V[y0 + j];
            for (size_t r = 1; r < nr; r++) {
                const double *u = U + r * ld + z0, *v = V + r * ld + y0;
                for (size_t i = 0; i < BAND_ROWS; i++)
                    for (size_t j = 0; j < BAND_TILE; j++)
                        acc[i][j] += u[i] * v[j];
            }
            for (size_t i = 0; i < BAND_ROWS && z0 + i < y1; i++) {
                const size_t z = z0 + i;
                for (size_t y = z > y0 ? z : y0; y < y1; y++)
                    T[z * s + y] += acc[i][y - y0];
            }
        }
    }
}

/* The chunk of nodes node_moments has stored (nrow rows of Vn: m, c, alpha)
 * into the upper triangle of B, Cl and Aq. */
static void flush_moments(aedyn_band *b, double *B)
{
    const size_t P = b->P, nl = b->nl, ld = b->ldv, nr = b->nrow;
    const double *V = b->Vn;
    if (nr == 0)
        return;
    for (size_t r = 0; r < nr; r++)
        for (size_t z = 0; z < ld; z++)
            b->Un[r * ld + z] = b->wn[r] * V[r * ld + z];
    syrk_upper(P, nr, ld, b->Un, V, B);
    syrk_upper(nl, nr, ld, b->Un + P, V + P, b->Cl);
    syrk_upper(b->nprod, nr, ld, b->Un + P + nl, V + P + nl, b->Aq);
    b->nrow = 0;
}

/* One node's share of E[h h^T] (weight w). With xi = r - E[r | lambda]
 * (covariance G over the directions), every component is h_i = m_i + l_i .
 * xi + sum_q alpha_q (xi_u xi_v - G_uv) over its product terms q, and odd
 * moments of xi vanish, so
 *
 *     E[h_i h_j | lambda] = m_i m_j + l_i^T G l_j
 *                           + sum_qq' alpha_q alpha_q' (G_uu' G_vv' + G_uv' G_vu')
 *
 * (Isserlis). G does not depend on the node, and neither do the directions
 * of l_i (its slots, node_structure) and of the alpha's: only the
 * coefficients do. So the node adds w m m^T to B (upper triangle), and w c
 * c^T and w alpha alpha^T to the sums Cl and Aq, c the coefficients of all
 * the l_i in their slots (nl numbers, ~2P); both are contracted with G once
 * after the nodes (lin_moments, quad_moments). The node's m, c and alpha
 * (and mean into facc) are written here, as one row of the chunk; the outer
 * products are added a chunk at a time (flush_moments). */
static void node_moments(aedyn_band *b, double w, double *B, double *facc)
{
    const size_t P = b->P, TT = AEDYN__BAND_TERMS, ld = b->ldv;
    double *mh = b->Vn + b->nrow * ld, *c = mh + P, *al = c + b->nl;
    size_t q = 0;
    memset(c, 0, b->nl * sizeof *c);
    for (size_t i = 0; i < P; i++) {
        double m = b->cvec[i]; /* the mean, as term_mean has it */
        for (size_t p = 0; p < b->nterm[i]; p++) {
            const aedyn__band_term *t = &b->terms[i * TT + p];
            const size_t *z = &b->tslot[(i * TT + p) * 2];
            const double mu = form_mean(b, &t->u);
            if (is_affine(t)) {
                m += t->coef * mu;
                if (t->u.dir >= 0)
                    c[z[0]] += t->coef * t->u.a;
                continue;
            }
            const double mv = form_mean(b, &t->v);
            m += t->coef * (mu * mv + form_cov(b, &t->u, &t->v));
            if (t->v.dir >= 0)
                c[z[1]] += t->coef * mu * t->v.a;
            if (t->u.dir >= 0)
                c[z[0]] += t->coef * mv * t->u.a;
            if (t->u.dir >= 0 && t->v.dir >= 0)
                al[q++] = t->coef * t->u.a * t->v.a;
        }
        mh[i] = m;
        facc[i] += w * m;
    }
    b->wn[b->nrow++] = w;
    if (b->nrow == BAND_CHUNK)
        flush_moments(b, B);
}

/* The linear parts of E[h h^T] from the accumulated E[c c^T]: B_ij +=
 * sum over the slots z of l_i and z' of l_j of G[dir z][dir z'] E[c_z c_z']
 * (upper triangle of B; the slots are ordered by component). */
static void lin_moments(aedyn_band *b, double *B)
{
    const size_t P = b->P, nd = b->n + b->K, nl = b->nl;
    const double *G = b->G, *Cl = b->Cl;
    const int *ld = b->ldir;
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++) {
            double v = 0.0;
            for (size_t z = b->lslot[i]; z < b->lslot[i + 1]; z++) {
                const double *Gz = G + (size_t)ld[z] * nd;
                for (size_t y = b->lslot[j]; y < b->lslot[j + 1]; y++)
                    v += Gz[ld[y]] * (z <= y ? Cl[z * nl + y] : Cl[y * nl + z]);
            }
            B[i * P + j] += v;
        }
}

/* The quadratic parts of E[h h^T] from the accumulated E[alpha alpha^T]. */
static void quad_moments(aedyn_band *b, double *B)
{
    const size_t P = b->P, nd = b->n + b->K, nq = b->nprod;
    const double *G = b->G;
    for (size_t q = 0; q < nq; q++)
        for (size_t r = q; r < nq; r++) {
            const size_t u = b->qu[q], v = b->qv[q], u2 = b->qu[r], v2 = b->qv[r];
            const double c = b->Aq[q * nq + r] *
                             (G[u * nd + u2] * G[v * nd + v2] + G[u * nd + v2] * G[v * nd + u2]);
            const size_t i = b->qi[q], j = b->qi[r];
            if (i <= j)
                B[i * P + j] += c;
            if (j <= i && (q != r))
                B[j * P + i] += c;
        }
}

void aedyn__band_noise(aedyn_band *b, double t, const double *y, double *B, double *f1,
                       double *fq)
{
    const size_t K = b->K, M = b->M, n = b->n, P = b->P, nd = n + K;
    const double Dd = (double)b->D, rb = b->rho_b / Dd, exi2 = rb * (double)b->n_b;
    unpack(b, y);
    const aedyn_status st = aedyn__ode_coefficients_at(b->ode, t, b->Q, b->R, b->T0, b->beta);
    if (st != AEDYN_OK && b->rhs_err == AEDYN_OK)
        b->rhs_err = st;
    double ew, ev, eb, kap;
    aedyn__ode_current_rates(b->ode, &ew, &ev, &eb, &kap);
    /* the covariance of r, A (lambda - beta = A^T r), S = Sr - Mmu Mmu^T */
    double *Sr = b->Sr, *A = b->A, *SA = b->SA, *Mmu = b->Mmu, *S = b->S, *Lq = b->Lm;
    memset(Sr, 0, n * n * sizeof *Sr);
    memset(A, 0, n * K * sizeof *A);
    for (size_t m = 0; m < M; m++) {
        Sr[m * n + m] = b->rho[m] / Dd;
        for (size_t k = 0; k < K; k++)
            A[m * K + k] = b->wt[m * K + k];
    }
    for (size_t k = 0; k < K; k++) {
        A[(M + k) * K + k] = 1.0;
        for (size_t l = 0; l < K; l++) {
            Sr[(M + k) * n + M + l] = b->Qb[k * K + l];
            Sr[(M + k) * n + M + K + l] = b->Rb[l * K + k];
            Sr[(M + K + k) * n + M + l] = b->Rb[k * K + l];
            Sr[(M + K + k) * n + M + K + l] = rb * b->T0b[k * K + l];
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < K; k++) {
            double v = 0.0;
            for (size_t j = 0; j < n; j++)
                v += Sr[i * n + j] * A[j * K + k];
            SA[i * K + k] = v;
        }
    double *Qt = b->C2; /* A^T Sr A: the fields' covariance */
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++) {
            double v = 0.0;
            for (size_t j = 0; j < n; j++)
                v += A[j * K + k] * SA[j * K + l];
            Qt[k * K + l] = v;
        }
    aedyn__cholesky_psd(K, Qt, Lq);
    for (size_t i = 0; i < n; i++) /* Lq Mmu_i^T = SA_i^T */
        for (size_t k = 0; k < K; k++) {
            double v = SA[i * K + k];
            for (size_t p = 0; p < k; p++)
                v -= Lq[k * K + p] * Mmu[i * K + p];
            Mmu[i * K + k] = Lq[k * K + k] > 0.0 ? v / Lq[k * K + k] : 0.0;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double v = Sr[i * n + j];
            for (size_t k = 0; k < K; k++)
                v -= Mmu[i * K + k] * Mmu[j * K + k];
            S[i * n + j] = v;
        }
    /* the directions (coordinates, then the decoder fields nu_k) and their Gram */
    double *dirv = b->dirv, *G = b->G, *Sc = b->Sc;
    memset(dirv, 0, nd * n * sizeof *dirv);
    for (size_t d = 0; d < n; d++)
        dirv[d * n + d] = 1.0;
    for (size_t k = 0; k < K; k++) {
        for (size_t m = 0; m < M; m++)
            dirv[(n + k) * n + m] = b->s[m * K + k];
        dirv[(n + k) * n + M + K + k] = 1.0;
    }
    for (size_t d = 0; d < nd; d++)
        for (size_t i = 0; i < n; i++) {
            double v = 0.0;
            for (size_t j = 0; j < n; j++)
                v += S[i * n + j] * dirv[d * n + j];
            Sc[d * n + i] = v;
        }
    for (size_t d = 0; d < nd; d++)
        for (size_t e = 0; e < nd; e++) {
            double v = 0.0;
            for (size_t i = 0; i < n; i++)
                v += dirv[d * n + i] * Sc[e * n + i];
            G[d * nd + e] = v;
        }
    /* the nodes: E[h h^T] accumulates in B's upper triangle (the means' part;
     * node_moments), E[c c^T] in Cl and E[alpha alpha^T] in Aq, the linear
     * and quadratic parts, contracted with G after the loop */
    memset(B, 0, P * P * sizeof *B);
    memset(b->Aq, 0, b->nprod * b->nprod * sizeof *b->Aq);
    memset(b->Cl, 0, b->nl * b->nl * sizeof *b->Cl);
    b->nrow = 0;
    double *facc = b->f2, *yacc = b->Y1;
    memset(facc, 0, P * sizeof *facc);
    memset(yacc, 0, P * sizeof *yacc);
    size_t n_nodes = 1;
    for (size_t k = 0; k < K; k++)
        n_nodes *= b->nq;
    const double *T0b = b->T0b;
    double *g = b->g, *dg = b->dg, *lam = b->lam, *x = b->x, *Dm = b->Dm, *mh = b->mean_h,
           *cv = b->cvec;
    /* the directions' conditional means are linear in x: E[dir . r | lambda] =
     * dir . Mmu x = (Dm x)_dir with Dm = dirv Mmu (nd x K), once per B */
    for (size_t d = 0; d < nd; d++)
        for (size_t k = 0; k < K; k++) {
            double v = 0.0;
            for (size_t i = 0; i < n; i++)
                v += dirv[d * n + i] * Mmu[i * K + k];
            Dm[d * K + k] = v;
        }
    for (size_t node = 0; node < n_nodes; node++) {
        double w = 1.0;
        size_t rest = node;
        for (size_t k = 0; k < K; k++) {
            const size_t i = rest % b->nq;
            rest /= b->nq;
            x[k] = b->gh.z[i];
            w *= b->gh.w[i];
        }
        for (size_t k = 0; k < K; k++) {
            double v = b->beta[k];
            for (size_t p = 0; p <= k; p++)
                v += Lq[k * K + p] * x[p];
            lam[k] = v;
            g[k] = aedyn__act_eval(b->act, 0, v);
            dg[k] = aedyn__act_eval(b->act, 1, v);
        }
        for (size_t d = 0; d < nd; d++) {
            double v = 0.0;
            for (size_t k = 0; k < K; k++)
                v += Dm[d * K + k] * x[k];
            b->dm[d] = v;
        }
        aedyn__band_form F[AEDYN__BAND_MAXK];
        node_terms(b, g, dg, ew, ev, eb, kap, F);
        /* means and second moments (node_moments: both in one pass) */
        if (b->pairwise) {
            for (size_t i = 0; i < P; i++) {
                double v = cv[i];
                for (size_t p = 0; p < b->nterm[i]; p++)
                    v += term_mean(b, &b->terms[i * AEDYN__BAND_TERMS + p]);
                mh[i] = v;
                facc[i] += w * v;
            }
            for (size_t i = 0; i < P; i++)
                for (size_t j = i; j < P; j++) {
                    double c = mh[i] * mh[j];
                    for (size_t p = 0; p < b->nterm[i]; p++)
                        for (size_t q = 0; q < b->nterm[j]; q++)
                            c += term_cov(b, &b->terms[i * AEDYN__BAND_TERMS + p],
                                          &b->terms[j * AEDYN__BAND_TERMS + q]);
                    B[i * P + j] += w * c;
                }
        } else
            node_moments(b, w, B, facc);
        /* the second-order increment Y (its mean; docs/theory.md section 12.3) */
        for (size_t k = 0; k < K; k++) {
            const size_t amax = b->trunc ? k + 1 : K;
            double gnub = 0.0; /* E[(Gamma nu_b)_k] / (ev g_k) */
            for (size_t a = 0; a < amax; a++)
                gnub += g[a] * form_mean(b, &(aedyn__band_form){ (int)(M + K + a), 1.0, 0.0 });
            for (size_t l = 0; l < K; l++) {
                const size_t lmax = b->trunc ? l + 1 : K;
                const double mFl = form_mean(b, &F[l]);
                if (l >= k) {
                    const double EFF = form_mean(b, &F[k]) * mFl + form_cov(b, &F[k], &F[l]);
                    yacc[off_Q(b) + tri(K, k, l)] += w * rb * exi2 * ew * ew * EFF;
                    double gl = 0.0, gg = 0.0;
                    for (size_t a = 0; a < lmax; a++)
                        gl += g[a] * form_mean(b, &(aedyn__band_form){ (int)(M + K + a), 1.0,
                                                                        0.0 });
                    for (size_t a = 0; a < amax; a++)
                        for (size_t c = 0; c < lmax; c++)
                            gg += g[a] * T0b[a * K + c] * g[c];
                    const double yss = ev * ev * g[k] * g[l] * gg -
                                       ev * ev * g[k] * g[l] * (gnub + gl) +
                                       exi2 * ev * ev * g[k] * g[l];
                    yacc[off_T(b) + tri(K, k, l)] += w * yss;
                }
                double eGnuF = 0.0; /* E[sum_a g_a nu_b^a F_l] */
                for (size_t a = 0; a < amax; a++) {
                    const aedyn__band_form nb = form((int)(M + K + a), 1.0, 0.0);
                    eGnuF += g[a] * (form_mean(b, &nb) * mFl + form_cov(b, &nb, &F[l]));
                }
                yacc[off_R(b) + k * K + l] += w * (-rb * ew * ev * g[k] * eGnuF +
                                                   rb * exi2 * ev * ew * g[k] * mFl);
            }
        }
    }
    if (!b->pairwise) {
        flush_moments(b, B);
        lin_moments(b, B);
        quad_moments(b, B);
    }
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++) {
            const double v = B[i * P + j] - facc[i] * facc[j];
            B[i * P + j] = B[j * P + i] = v;
        }
    if (fq)
        memcpy(fq, facc, P * sizeof *fq);
    if (f1) {
        /* f1 = E[Y] - 2 kappa f - 3 kappa^2 y on the bulk blocks, -kappa (f + kappa y)
         * on the explicit components, 0 on the biases (docs/theory.md section 12.3) */
        double *f = b->f0;
        aedyn__band_drift(b, t, y, f);
        for (size_t i = 0; i < P; i++) {
            if (i < 2 * M * K)
                f1[i] = -kap * (f[i] + kap * y[i]);
            else if (i < off_Q(b))
                f1[i] = 0.0;
            else
                f1[i] = yacc[i] - 2.0 * kap * f[i] - 3.0 * kap * kap * y[i];
        }
    }
}

/* ---- the joint right-hand side ---------------------------------------------------- */

/* A finite-difference step for coordinate j: rel times its size, or 1e-3 of
 * its block's largest entry when it is small, and never below rel 1e-2 (the
 * coordinates are O(1) quantities: a coordinate that is exactly 0 with its
 * whole block, as the biases of a network that starts with none, would
 * otherwise get a step of rel 1e-10 — second differences of the error then
 * were pure rounding, 1e7 for an error of 0.1). */
double aedyn__band_fd_step(const aedyn_band *b, const double *y, size_t j, double rel)
{
    const size_t bounds[7] = { 0, b->M * b->K, 2 * b->M * b->K, off_Q(b), off_R(b), off_T(b),
                               b->P };
    size_t lo = 0, hi = b->P;
    for (int i = 0; i < 6; i++)
        if (j >= bounds[i] && j < bounds[i + 1]) {
            lo = bounds[i];
            hi = bounds[i + 1];
        }
    double scale = 0.0;
    for (size_t i = lo; i < hi; i++)
        scale = fmax(scale, fabs(y[i]));
    return rel * fmax(fmax(fabs(y[j]), 1e-3 * scale), 1e-2);
}

/* J = df/dy: from the drift's structure (band-deriv.c), or by central
 * differences in every coordinate (b->fd_deriv: the tests' reference). */
static void jacobian(aedyn_band *b, double t, const double *y, double *J)
{
    if (!b->fd_deriv) {
        aedyn__band_jac_structured(b, t, y, J);
        return;
    }
    const size_t P = b->P;
    double *yp = b->y1, *fp = b->f1, *fm = b->f2;
    memcpy(yp, y, P * sizeof *yp);
    for (size_t j = 0; j < P; j++) {
        const double h = aedyn__band_fd_step(b, y, j, 1e-6);
        yp[j] = y[j] + h;
        aedyn__band_drift(b, t, yp, fp);
        yp[j] = y[j] - h;
        aedyn__band_drift(b, t, yp, fm);
        yp[j] = y[j];
        for (size_t i = 0; i < P; i++)
            J[i * P + j] = (fp[i] - fm[i]) / (2.0 * h);
    }
}

/* out += (1/2) sum_k f''(y)(l_k, l_k) = (1/2) f''(y) : Sigma, Sigma = L L^T (full,
 * P x P): from the drift's structure (band-deriv.c), or by second differences
 * of f along the columns l_k (b->fd_deriv: the tests' reference); fy = f(y). */
static void curvature(aedyn_band *b, double t, const double *y, const double *fy,
                      const double *S, double *out)
{
    if (!b->fd_deriv) {
        aedyn__band_curv_structured(b, t, y, S, out);
        return;
    }
    const size_t P = b->P;
    double *L = b->L, *yp = b->y1, *fp = b->f1, *fm = b->f2, ymax = 0.0;
    aedyn__cholesky_psd(P, S, L);
    for (size_t i = 0; i < P; i++)
        ymax = fmax(ymax, fabs(y[i]));
    for (size_t k = 0; k < P; k++) {
        double lmax = 0.0;
        for (size_t i = k; i < P; i++)
            lmax = fmax(lmax, fabs(L[i * P + k]));
        if (lmax == 0.0)
            continue;
        const double eps = 1e-4 * (1.0 + ymax) / lmax;
        for (size_t i = 0; i < P; i++)
            yp[i] = y[i] + (i >= k ? eps * L[i * P + k] : 0.0);
        aedyn__band_drift(b, t, yp, fp);
        for (size_t i = 0; i < P; i++)
            yp[i] = y[i] - (i >= k ? eps * L[i * P + k] : 0.0);
        aedyn__band_drift(b, t, yp, fm);
        for (size_t i = 0; i < P; i++)
            out[i] += 0.5 * (fp[i] + fm[i] - 2.0 * fy[i]) / (eps * eps);
    }
}

void aedyn__band_jacobian(aedyn_band *b, double t, const double *y, double *J)
{
    jacobian(b, t, y, J);
}

void aedyn__band_curvature(aedyn_band *b, double t, const double *y, const double *fy,
                           const double *S, double *out)
{
    curvature(b, t, y, fy, S, out);
}

/* out = J S + S J^T + B (full P x P; S symmetric). A plain loop: at these sizes
 * (P ~ 20) a threaded BLAS spends more time waking its threads than working;
 * cloned for AVX2 (AEDYN__CLONES: the same sums, vectorised over j), like
 * the right-hand sides of Sigma and delta, which call it and interpolate J
 * and B. */
AEDYN__CLONES static void lyapunov(const aedyn_band *b, const double *J, const double *B, const double *S,
                     double *out)
{
    const size_t P = b->P;
    double *X = b->Sx;
    for (size_t i = 0; i < P; i++) {
        double *x = X + i * P;
        for (size_t j = 0; j < P; j++)
            x[j] = 0.0;
        for (size_t p = 0; p < P; p++) {
            const double a = J[i * P + p], *s = S + p * P;
            for (size_t j = 0; j < P; j++)
                x[j] += a * s[j];
        }
    }
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++)
            out[i * P + j] = out[j * P + i] = B[i * P + j] + X[i * P + j] + X[j * P + i];
}

/* The joint right-hand side of (y, Sigma, delta): the reference (b->joint). */
static void band_rhs(void *ctx, double t, const double *X, double *dX)
{
    aedyn_band *b = ctx;
    const size_t P = b->P, NS = n_sigma(P);
    const double *y = X, *sig = X + P, *del = X + P + NS;
    double *dsig = dX + P, *ddel = dX + P + NS;
    aedyn__band_drift(b, t, y, dX);
    if (!b->fluct) {
        memset(dsig, 0, (NS + P) * sizeof *dX);
        return;
    }
    double *J = b->J, *B = b->B, *S = b->S, *f1 = b->Y1;
    jacobian(b, t, y, J);
    aedyn__band_noise(b, t, y, B, f1, NULL);
    sigma_unpack(P, sig, S);
    /* Sigma: J Sigma + Sigma J^T + B (upper triangle) */
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++) {
            double v = B[i * P + j];
            for (size_t p = 0; p < P; p++)
                v += J[i * P + p] * S[p * P + j] + S[i * P + p] * J[j * P + p];
            dsig[tri(P, i, j)] = v;
        }
    /* delta: J delta + f1 + (1/2) f'' : Sigma */
    for (size_t i = 0; i < P; i++) {
        double v = f1[i];
        for (size_t p = 0; p < P; p++)
            v += J[i * P + p] * del[p];
        ddel[i] = v;
    }
    double *fy = b->f0;
    aedyn__band_drift(b, t, y, fy);
    curvature(b, t, y, fy, S, ddel);
}

/* ---- the RK4 substeps (the reference of the node scheme below) --------------------- */

static void mean_rhs(void *ctx, double t, const double *y, double *dy)
{
    aedyn__band_drift(ctx, t, y, dy);
}

/* J, B and f1 at (t, y) into point i. */
static void point_eval(aedyn_band *b, size_t i, double t, const double *y)
{
    memcpy(b->y2, y, b->P * sizeof *y);
    b->n_points++;
    jacobian(b, t, b->y2, b->pJ[i]);
    aedyn__band_noise(b, t, b->y2, b->pB[i], b->pf[i], NULL);
}

/* g = f1 + (1/2) f'' : S at point i (y its mean) into pf[i]. */
static void add_curvature(aedyn_band *b, size_t i, double t, const double *y, const double *S)
{
    double *fy = b->f0;
    aedyn__band_drift(b, t, y, fy);
    curvature(b, t, y, fy, S, b->pf[i]);
}

/* One classical Runge-Kutta substep of Sigma and delta over [t, t + h], with J,
 * B and g = f1 + (1/2) f'' : Sigma at the start (point 0, with Sa, dSa = Sa'
 * and da), the middle (1) and the end (2); the middle's g needs Sigma there,
 * from the cubic Hermite interpolant of Sigma's values and slopes at both
 * ends (O(h^4)). Leaves Sigma, its slope and delta at the end in Se, Sk and
 * de (point 2 then holds g), and returns the error estimate h/6 |k4 - k5|
 * (k5 the slope at the new end point: the embedded third-order solution) in
 * the weighted RMS norm of the tolerances rtol, atol. */
static double rk4_substep(aedyn_band *b, double t, double h, double rtol, double atol)
{
    const size_t P = b->P, PP = P * P;
    double *Sa = b->Sa, *dSa = b->dSa, *Se = b->Se, *Sk = b->Sk, *Ssum = b->Ssum;
    double *S4 = b->S; /* k4 of Sigma */
    /* Sigma: k1 = dSa, k2, k3 at the middle, k4 at the end */
    for (size_t i = 0; i < PP; i++) {
        Ssum[i] = dSa[i];
        Se[i] = Sa[i] + 0.5 * h * dSa[i];
    }
    lyapunov(b, b->pJ[1], b->pB[1], Se, Sk);
    for (size_t i = 0; i < PP; i++) {
        Ssum[i] += 2.0 * Sk[i];
        Se[i] = Sa[i] + 0.5 * h * Sk[i];
    }
    lyapunov(b, b->pJ[1], b->pB[1], Se, Sk);
    for (size_t i = 0; i < PP; i++) {
        Ssum[i] += 2.0 * Sk[i];
        Se[i] = Sa[i] + h * Sk[i];
    }
    lyapunov(b, b->pJ[2], b->pB[2], Se, S4);
    for (size_t i = 0; i < PP; i++)
        Se[i] = Sa[i] + h / 6.0 * (Ssum[i] + S4[i]);
    for (size_t i = 0; i < P; i++) /* exactly symmetric */
        for (size_t j = i + 1; j < P; j++)
            Se[j * P + i] = Se[i * P + j] = 0.5 * (Se[i * P + j] + Se[j * P + i]);
    lyapunov(b, b->pJ[2], b->pB[2], Se, Sk); /* k5 = Sigma' at the end */
    double err = 0.0;
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++) {
            const double sc = atol + rtol * fmax(fabs(Sa[i * P + j]), fabs(Se[i * P + j]));
            const double r = h / 6.0 * (S4[i * P + j] - Sk[i * P + j]) / sc;
            err += r * r;
        }
    /* Sigma at the middle and the curvature there and at the end */
    double *Sm = Ssum;
    for (size_t i = 0; i < PP; i++)
        Sm[i] = 0.5 * (Sa[i] + Se[i]) + 0.125 * h * (dSa[i] - Sk[i]);
    add_curvature(b, 1, t + 0.5 * h, b->ym, Sm);
    add_curvature(b, 2, t + h, b->ye, Se);
    /* delta' = J delta + g(t), g known at the three points; k5 at the end */
    double *da = b->da, *de = b->de, *dk = b->dk, *dsum = b->dsum, *dt = b->Y1;
    const double c[4] = { 0.5 * h, 0.5 * h, h, 0.0 };
    const size_t pt[5] = { 0, 1, 1, 2, 2 };
    memcpy(dt, da, P * sizeof *dt);
    memset(dsum, 0, P * sizeof *dsum);
    for (int s = 0; s < 5; s++) {
        const double *J = b->pJ[pt[s]], *g = b->pf[pt[s]];
        if (s == 4) /* k5 at the new delta; dk holds k4 */
            for (size_t i = 0; i < P; i++)
                dt[i] = de[i] = da[i] + h / 6.0 * dsum[i];
        for (size_t i = 0; i < P; i++) {
            double v = g[i];
            for (size_t p = 0; p < P; p++)
                v += J[i * P + p] * dt[p];
            if (s == 4) {
                const double sc = atol + rtol * fmax(fabs(da[i]), fabs(de[i]));
                const double r = h / 6.0 * (dk[i] - v) / sc;
                err += r * r;
            } else {
                dk[i] = v;
            }
        }
        if (s < 4)
            for (size_t i = 0; i < P; i++) {
                dsum[i] += (s == 1 || s == 2 ? 2.0 : 1.0) * dk[i];
                dt[i] = da[i] + c[s] * dk[i];
            }
    }
    return sqrt(err / (double)(n_sigma(P) + P));
}

static void swap_points(aedyn_band *b, size_t i, size_t j)
{
    double *t = b->pJ[i];
    b->pJ[i] = b->pJ[j];
    b->pJ[j] = t;
    t = b->pB[i];
    b->pB[i] = b->pB[j];
    b->pB[j] = t;
    t = b->pf[i];
    b->pf[i] = b->pf[j];
    b->pf[j] = t;
}

/* One step of the mean towards t_end (its start kept in b->y0 for a retreat),
 * for both schemes that follow the mean's steps (advance_stepwise,
 * advance_nodes); on failure the next call starts afresh. */
static aedyn_status step_mean(aedyn_band *b, double t_end)
{
    memcpy(b->y0, b->X, b->P * sizeof *b->X);
    const aedyn_status st = aedyn__stepper_step(b->st, mean_rhs, b, &b->t, b->X, t_end, NULL);
    if (st != AEDYN_OK || b->rhs_err != AEDYN_OK)
        b->have_start = false;
    return st;
}

/* The next substep or interval from ta within the mean's step [t0, b->t]:
 * the length the control wants (the whole step at first), clipped to the
 * step's end; true when it reaches that end. */
static bool next_interval(const aedyn_band *b, double t0, double ta, double *hs)
{
    *hs = b->hsub > 0.0 ? b->hsub : b->t - t0;
    const bool last = ta + *hs >= b->t - 1e-12 * fabs(b->t);
    if (last)
        *hs = b->t - ta;
    return last;
}

/* The step control shared by both schemes that follow the mean's steps
 * (advance_stepwise, advance_nodes). After a failed error test (err > 1 or
 * NaN; fac the controller's factor): the next substep or interval shorter,
 * true; or, below the floor or after a schedule's failure, the mean back at
 * the step's start t0 (b->y0) and false with *st the failure (AEDYN_OK for
 * a schedule's, which the caller reports). */
static bool shrink_interval(aedyn_band *b, double t0, double hs, double err, double fac,
                            aedyn_status *st)
{
    const double hn = hs * (isfinite(err) ? fmax(0.1, fmin(fac, 0.9)) : 0.25);
    if (hn >= 1e-12 * fmax(1.0, fabs(t0)) && b->rhs_err == AEDYN_OK) {
        b->hsub = hn;
        return true;
    }
    memcpy(b->X, b->y0, b->P * sizeof *b->X);
    b->t = t0;
    b->have_start = false;
    aedyn__stepper_reset(b->st);
    *st = b->rhs_err != AEDYN_OK
              ? AEDYN_OK
              : aedyn__fail(isfinite(err) ? AEDYN_ERR_NUMERIC : AEDYN_ERR_DIVERGED,
                            "the band's Sigma and delta cannot be integrated past t = %g "
                            "(error test)", t0);
    return false;
}

/* After a passed test: the next substep or interval; one clipped to the
 * mean's step (last) must not shrink the next. */
static void grow_interval(aedyn_band *b, double hs, double fac, bool last)
{
    const double hn = hs * fmin(4.0, fmax(0.2, fac));
    b->hsub = last ? fmax(b->hsub, hn) : hn;
}

/* Advance y with the mean's own adaptive steps and Sigma, delta along each
 * by substeps of their own error control (the same tolerances): the former
 * default, the reference of the node scheme (b->rk4). */
static aedyn_status advance_stepwise(aedyn_band *b, double t_end)
{
    const size_t P = b->P, PP = P * P, NS = n_sigma(P);
    double *y = b->X, *sig = b->X + P, *del = b->X + P + NS, rtol, atol;
    aedyn__stepper_get_tolerances(b->st, &rtol, &atol);
    while (b->t < t_end) {
        if (!b->have_start) {
            sigma_unpack(P, sig, b->Sa);
            memcpy(b->da, del, P * sizeof *del);
            point_eval(b, 0, b->t, y);
            add_curvature(b, 0, b->t, y, b->Sa);
            lyapunov(b, b->pJ[0], b->pB[0], b->Sa, b->dSa);
            b->have_start = true;
        }
        const double t0 = b->t;
        aedyn_status st = step_mean(b, t_end);
        if (st != AEDYN_OK || b->rhs_err != AEDYN_OK)
            return st;
        /* substeps over [t0, b->t] */
        double ta = t0;
        while (ta < b->t) {
            double hs;
            const bool last = next_interval(b, t0, ta, &hs);
            if ((st = aedyn__stepper_dense(b->st, ta + 0.5 * hs, b->ym)))
                return st;
            if (last)
                memcpy(b->ye, y, P * sizeof *y);
            else if ((st = aedyn__stepper_dense(b->st, ta + hs, b->ye)))
                return st;
            point_eval(b, 1, ta + 0.5 * hs, b->ym);
            point_eval(b, 2, last ? b->t : ta + hs, b->ye);
            const double err = rk4_substep(b, ta, hs, rtol, atol);
            const double fac = err > 0.0 ? 0.9 * pow(err, -0.25) : 4.0;
            if (!(err <= 1.0)) {
                if (!shrink_interval(b, t0, hs, err, fac, &st))
                    return st;
                continue;
            }
            grow_interval(b, hs, fac, last);
            memcpy(b->Sa, b->Se, PP * sizeof *b->Sa);
            memcpy(b->dSa, b->Sk, PP * sizeof *b->dSa);
            memcpy(b->da, b->de, P * sizeof *b->da);
            swap_points(b, 0, 2);
            ta = last ? b->t : ta + hs;
        }
        sigma_pack(P, b->Sa, sig);
        memcpy(del, b->da, P * sizeof *del);
    }
    return AEDYN_OK;
}

/* ---- the node scheme (docs/theory.md section 12.3, "Integration") ------------------ */

/* The Gauss-Lobatto nodes of 5 points on [0, 1] and their weights. */
static const double lob_c[AEDYN__BAND_NODES] = { 0.0, 0.17267316464601142810, 0.5,
                                                 0.82732683535398857190, 1.0 };
static const double lob_w[AEDYN__BAND_NODES] = { 1.0 / 20.0, 49.0 / 180.0, 16.0 / 45.0,
                                                 49.0 / 180.0, 1.0 / 20.0 };

/* Lagrange weights at t of the interval's nodes in mask (0 for the others). */
static void lagrange(const aedyn_band *b, unsigned mask, double t, double *w)
{
    for (size_t i = 0; i < AEDYN__BAND_NODES; i++) {
        w[i] = 0.0;
        if (!(mask >> i & 1u))
            continue;
        double v = 1.0;
        for (size_t j = 0; j < AEDYN__BAND_NODES; j++)
            if (j != i && (mask >> j & 1u))
                v *= (t - b->tau[j]) / (b->tau[i] - b->tau[j]);
        w[i] = v;
    }
}

/* out = sum_i w_i v_i (n numbers each). */
static void combine(const double *w, double *const *v, size_t n, double *out)
{
    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i < AEDYN__BAND_NODES; i++)
        if (w[i] != 0.0)
            for (size_t k = 0; k < n; k++)
                out[k] += w[i] * v[i][k];
}

/* Sigma' with J and B interpolated through the nodes (Sigma packed). */
AEDYN__CLONES static void sigma_rhs(void *ctx, double t, const double *x, double *dx)
{
    aedyn_band *b = ctx;
    const size_t P = b->P;
    double w[AEDYN__BAND_NODES];
    lagrange(b, (1u << AEDYN__BAND_NODES) - 1u, t, w);
    combine(w, b->nJ, P * P, b->Jt);
    combine(w, b->nB, P * P, b->Bt);
    sigma_unpack(P, x, b->Se);
    lyapunov(b, b->Jt, b->Bt, b->Se, b->Sk);
    sigma_pack(P, b->Sk, dx);
}

/* delta' = J delta(ta) + J (delta - delta(ta)) + g, the first and last terms
 * and J interpolated through the nodes. */
AEDYN__CLONES static void delta_rhs(void *ctx, double t, const double *x, double *dx)
{
    aedyn_band *b = ctx;
    const size_t P = b->P;
    const double *d0 = b->nd[0];
    double w[AEDYN__BAND_NODES];
    lagrange(b, (1u << AEDYN__BAND_NODES) - 1u, t, w);
    combine(w, b->nJ, P * P, b->Jt);
    combine(w, b->nG, P, b->gt);
    combine(w, b->nV, P, b->vt);
    for (size_t i = 0; i < P; i++) {
        double v = b->gt[i] + b->vt[i];
        for (size_t p = 0; p < P; p++)
            v += b->Jt[i * P + p] * (x[p] - d0[p]);
        dx[i] = v;
    }
}

/* out = J(y) v by central differences of f along v (out not y1 or f1). J's
 * own columns, by steps relative to their coordinates, carry the rounding of
 * tiny steps where a coordinate and its block are near 0. */
static void jdir(aedyn_band *b, double t, const double *y, const double *v, double *out)
{
    const size_t P = b->P;
    double ymax = 0.0, vmax = 0.0, *yp = b->y1, *fm = b->f1;
    bool finite = true;
    for (size_t i = 0; i < P; i++) {
        ymax = fmax(ymax, fabs(y[i]));
        vmax = fmax(vmax, fabs(v[i]));
        finite = finite && isfinite(y[i]) && isfinite(v[i]);
    }
    if (!finite || vmax == 0.0) { /* a NaN is divergence */
        for (size_t i = 0; i < P; i++)
            out[i] = finite ? 0.0 : NAN;
        return;
    }
    const double eps = 1e-5 * (1.0 + ymax) / vmax;
    for (size_t i = 0; i < P; i++)
        yp[i] = y[i] + eps * v[i];
    aedyn__band_drift(b, t, yp, out);
    for (size_t i = 0; i < P; i++)
        yp[i] = y[i] - eps * v[i];
    aedyn__band_drift(b, t, yp, fm);
    for (size_t i = 0; i < P; i++)
        out[i] = (out[i] - fm[i]) / (2.0 * eps);
}

/* J, B and f1 at node i (its y in nY[i]), and g = f1 + (1/2) f'' : Sigma once
 * Sigma is there (nS[i]). */
static void node_eval(aedyn_band *b, size_t i)
{
    b->n_points++;
    jacobian(b, b->tau[i], b->nY[i], b->nJ[i]);
    aedyn__band_noise(b, b->tau[i], b->nY[i], b->nB[i], b->nF[i], NULL);
}

static void node_curvature(aedyn_band *b, size_t i)
{
    memcpy(b->nG[i], b->nF[i], b->P * sizeof *b->nG[i]);
    aedyn__band_drift(b, b->tau[i], b->nY[i], b->f0);
    curvature(b, b->tau[i], b->nY[i], b->f0, b->nS[i], b->nG[i]);
}

/* ES += c (DJ S + S DJ^T + DB) and Ed += c (DJ d + Dg), D the values J, B, g at
 * the point (t, y) minus the interpolants with weights w there, DJ d by
 * differences of f along d. */
static void add_difference(aedyn_band *b, const double *w, const double *J, const double *B,
                           const double *g, double t, const double *y, const double *S,
                           const double *d, double c, double *ES, double *Ed)
{
    const size_t P = b->P, PP = P * P;
    double *DJ = b->Jt, *DB = b->Bt, *Dd = b->gt, *E = b->Sk, *u = b->f2;
    combine(w, b->nJ, PP, DJ);
    combine(w, b->nB, PP, DB);
    for (size_t k = 0; k < PP; k++) {
        DJ[k] = J[k] - DJ[k];
        DB[k] = B[k] - DB[k];
    }
    lyapunov(b, DJ, DB, S, E);
    for (size_t k = 0; k < PP; k++)
        ES[k] += c * E[k];
    combine(w, b->nG, P, Dd);
    jdir(b, t, y, d, u);
    for (size_t i = 0; i < P; i++)
        Dd[i] = g[i] - Dd[i] + u[i];
    for (size_t k = 0; k < AEDYN__BAND_NODES; k++)
        if (w[k] != 0.0) {
            jdir(b, b->tau[k], b->nY[k], d, u);
            for (size_t i = 0; i < P; i++)
                Dd[i] -= w[k] * u[i];
        }
    for (size_t i = 0; i < P; i++)
        Ed[i] += c * Dd[i];
}

/* The error estimate of an interval (its nodes done) in the weighted RMS norm
 * of rtol, atol. With the previous interval's middle (t_p), the interpolants
 * through it and the nodes differ from ours by a multiple of w(t) = prod_k (t
 * - tau_k); its effect on Sigma and delta at the end, J frozen, Sigma and delta
 * those of the middle, with |w| integrated (no cancellation). Without (the
 * first interval): the interpolants through nodes 0, 2, 4 against ours, by
 * the quadrature of the nodes. */
static double node_error(aedyn_band *b, double rtol, double atol)
{
    const size_t P = b->P, s = AEDYN__BAND_NODES, m = s / 2;
    const double ta = b->tau[0], te = b->tau[s - 1];
    double *ES = b->Ssum, *Ed = b->dk, w[AEDYN__BAND_NODES];
    memset(ES, 0, P * P * sizeof *ES);
    memset(Ed, 0, P * sizeof *Ed);
    if (b->have_pm) {
        const double tp = b->tau_pm;
        double wp = 1.0, I = 0.0;
        for (size_t j = 0; j < s; j++)
            wp *= tp - b->tau[j];
        for (int q = 0; q < 32; q++) { /* midpoint rule: a rough size is enough */
            const double tq = ta + (q + 0.5) / 32.0 * (te - ta);
            double v = 1.0;
            for (size_t j = 0; j < s; j++)
                v *= tq - b->tau[j];
            I += fabs(v);
        }
        I *= (te - ta) / 32.0 / fabs(wp);
        lagrange(b, (1u << s) - 1u, tp, w);
        add_difference(b, w, b->pmJ, b->pmB, b->pmG, tp, b->pmY, b->nS[m], b->nd[m], I, ES, Ed);
    } else {
        const unsigned sub = 1u | 1u << m | 1u << (s - 1);
        for (size_t k = 1; k < s - 1; k++)
            if (!(sub >> k & 1u)) {
                lagrange(b, sub, b->tau[k], w);
                add_difference(b, w, b->nJ[k], b->nB[k], b->nG[k], b->tau[k], b->nY[k],
                               b->nS[k], b->nd[k], lob_w[k] * (te - ta), ES, Ed);
            }
    }
    double err = 0.0;
    const double *S0 = b->nS[0], *S1 = b->nS[s - 1], *d0 = b->nd[0], *d1 = b->nd[s - 1];
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++) {
            const double sc = atol + rtol * fmax(fabs(S0[i * P + j]), fabs(S1[i * P + j]));
            const double r = ES[i * P + j] / sc;
            err += r * r;
        }
    for (size_t i = 0; i < P; i++) {
        const double sc = atol + rtol * fmax(fabs(d0[i]), fabs(d1[i]));
        const double r = Ed[i] / sc;
        err += r * r;
    }
    return sqrt(err / (double)(n_sigma(P) + P));
}

/* One interval [ta, ta + h] (last: it ends at the mean's step end b->t, y
 * there b->X) from node 0: J, B, f1 at the other nodes (y from the mean's
 * dense output), Sigma through the nodes with the interpolants of J and B,
 * g at the nodes, then delta. Returns the error estimate (NaN: a failure). */
static double node_interval(aedyn_band *b, double ta, double h, bool last, double rtol,
                            double atol)
{
    const size_t P = b->P, s = AEDYN__BAND_NODES;
    for (size_t i = 1; i < s; i++) {
        b->tau[i] = i == s - 1 && last ? b->t : ta + lob_c[i] * h;
        if (i == s - 1 && last)
            memcpy(b->nY[i], b->X, P * sizeof *b->X);
        else if (aedyn__stepper_dense(b->st, b->tau[i], b->nY[i]))
            return NAN;
        node_eval(b, i);
    }
    /* Sigma by the stepper's own steps (continued from the previous interval
     * when that was accepted: the right-hand side is continuous there), at
     * the nodes from its dense output; then g there */
    sigma_pack(P, b->nS[0], b->Xs);
    if (!b->ss_live)
        aedyn__stepper_reset(b->ss);
    b->ss_live = false;
    double t = ta;
    for (size_t k = 1; k < s;) {
        if (aedyn__stepper_step(b->ss, sigma_rhs, b, &t, b->Xs, b->tau[s - 1], NULL))
            return NAN;
        for (; k < s && b->tau[k] <= t; k++) {
            const double *x = b->Xs;
            if (k < s - 1) {
                if (aedyn__stepper_dense(b->ss, b->tau[k], b->dl2))
                    return NAN;
                x = b->dl2;
            }
            sigma_unpack(P, x, b->nS[k]);
            node_curvature(b, k);
        }
    }
    /* delta likewise (from scratch: its right-hand side starts from delta(ta)) */
    for (size_t k = 0; k < s; k++)
        jdir(b, b->tau[k], b->nY[k], b->nd[0], b->nV[k]);
    memcpy(b->dl, b->nd[0], P * sizeof *b->dl);
    aedyn__stepper_reset(b->sd);
    t = ta;
    for (size_t k = 1; k < s;) {
        if (aedyn__stepper_step(b->sd, delta_rhs, b, &t, b->dl, b->tau[s - 1], NULL))
            return NAN;
        for (; k < s && b->tau[k] <= t; k++)
            if (k == s - 1)
                memcpy(b->nd[k], b->dl, P * sizeof *b->dl);
            else if (aedyn__stepper_dense(b->sd, b->tau[k], b->nd[k]))
                return NAN;
    }
    b->ss_live = true;
    return node_error(b, rtol, atol);
}

/* Exchange the node arrays of slots i and j. */
static void swap_nodes(aedyn_band *b, size_t i, size_t j)
{
    double **arr[7] = { b->nJ, b->nB, b->nF, b->nG, b->nS, b->nY, b->nd };
    for (int a = 0; a < 7; a++) {
        double *t = arr[a][i];
        arr[a][i] = arr[a][j];
        arr[a][j] = t;
    }
    const double t = b->tau[i];
    b->tau[i] = b->tau[j];
    b->tau[j] = t;
}

/* Keep the middle of an accepted interval for the next one's error estimate. */
static void keep_middle(aedyn_band *b)
{
    const size_t m = AEDYN__BAND_NODES / 2;
    double *t = b->pmJ;
    b->pmJ = b->nJ[m];
    b->nJ[m] = t;
    t = b->pmB;
    b->pmB = b->nB[m];
    b->nB[m] = t;
    t = b->pmG;
    b->pmG = b->nG[m];
    b->nG[m] = t;
    t = b->pmY;
    b->pmY = b->nY[m];
    b->nY[m] = t;
    b->tau_pm = b->tau[m];
    b->have_pm = true;
}

/* Advance y with the mean's own steps and Sigma, delta along each over
 * intervals of Lobatto nodes (normally the whole step) under their own
 * error control (the band's tolerances). */
static aedyn_status advance_nodes(aedyn_band *b, double t_end)
{
    const size_t P = b->P, NS = n_sigma(P), s = AEDYN__BAND_NODES;
    double *y = b->X, *sig = b->X + P, *del = b->X + P + NS, rtol, atol;
    aedyn__stepper_get_tolerances(b->st, &rtol, &atol);
    while (b->t < t_end) {
        if (!b->have_start) {
            sigma_unpack(P, sig, b->nS[0]);
            memcpy(b->nd[0], del, P * sizeof *del);
            memcpy(b->nY[0], y, P * sizeof *y);
            b->tau[0] = b->t;
            node_eval(b, 0);
            node_curvature(b, 0);
            b->have_start = true;
            b->have_pm = false;
            b->ss_live = false;
        }
        const double t0 = b->t;
        aedyn_status st = step_mean(b, t_end);
        if (st != AEDYN_OK || b->rhs_err != AEDYN_OK)
            return st;
        /* intervals over [t0, b->t] */
        double ta = t0;
        while (ta < b->t) {
            double hs;
            const bool last = next_interval(b, t0, ta, &hs);
            const double err = node_interval(b, ta, hs, last, rtol, atol);
            const double q = b->have_pm ? 1.0 / 6.0 : 1.0 / 5.0; /* the estimate's order */
            const double fac = err > 0.0 ? 0.9 * pow(err, -q) : 4.0;
            if (!(err <= 1.0)) {
                if (!shrink_interval(b, t0, hs, err, fac, &st))
                    return st;
                b->ss_live = false;
                continue;
            }
            grow_interval(b, hs, fac, last);
            keep_middle(b);
            swap_nodes(b, 0, s - 1);
            ta = last ? b->t : ta + hs;
        }
        sigma_pack(P, b->nS[0], sig);
        memcpy(del, b->nd[0], P * sizeof *del);
    }
    return AEDYN_OK;
}

/* ---- lifecycle -------------------------------------------------------------------- */

AEDYN_API void aedyn_band_destroy(aedyn_band *band)
{
    if (!band)
        return;
    aedyn__stepper_destroy(band->st);
    aedyn__stepper_destroy(band->sj);
    aedyn__stepper_destroy(band->ss);
    aedyn__stepper_destroy(band->sd);
    aedyn_ode_destroy(band->ode);
    free(band->rho);
    free(band->X);
    free(band->y1);
    free(band->terms);
    free(band->nterm);
    free(band->ldir);
    free(band->lslot);
    free(band->qi);
    free(band->Cl);
    aedyn__band_deriv_free(band);
    free(band);
}

static size_t default_nodes(aedyn_net_activation act)
{
    return act == AEDYN_NET_ACT_LINEAR ? 3 : act == AEDYN_NET_ACT_ERF ? 8 : 32;
}

AEDYN_API aedyn_status aedyn_band_create(aedyn_band **out, const aedyn_sgd *sgd)
{
    static const char *fn = "aedyn_band_create";
    AEDYN__REQUIRE_NONNULL(out);
    AEDYN__REQUIRE_NONNULL(sgd);
    /* the chain checks the scope and gives the initial state */
    aedyn_rng *r0 = NULL;
    aedyn_chain *chain = NULL;
    aedyn_status st = aedyn_rng_create(&r0, 0, 0);
    if (st || (st = aedyn_chain_create(&chain, sgd, r0))) {
        aedyn_rng_destroy(r0);
        return st;
    }
    const aedyn_net *net = aedyn_sgd_get_net(sgd);
    const aedyn_data *data = aedyn_sgd_get_data(sgd);
    const size_t K = aedyn_net_get_n_hidden(net), M = aedyn_chain_get_n_explicit(chain);
    aedyn_band *b = calloc(1, sizeof *b);
    double *yc = aedyn__calloc(aedyn_chain_get_n_state(chain), sizeof *yc);
    if (!b || !yc) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    if (K > AEDYN__BAND_MAXK) {
        st = aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: at most %d hidden units (got %zu)", fn,
                         AEDYN__BAND_MAXK, K);
        goto fail;
    }
    b->D = aedyn_net_get_dim(net);
    b->K = K;
    b->M = M;
    b->n = M + 2 * K;
    b->act = aedyn_net_get_activation(net);
    /* ReLU's B by quadrature jumps where a node crosses the kink: the node
     * scheme's interpolants would chase the jumps (docs/theory.md 12.3) */
    b->rk4 = b->act == AEDYN_NET_ACT_RELU;
    b->has_bias = (aedyn_net_get_flags(net) & AEDYN_NET_BIAS) != 0;
    b->fluct = true;
    b->seg_end = INFINITY;
    b->trace = aedyn_data_get_trace(data);
    b->t = aedyn_sgd_get_time(sgd);
    b->P = 2 * M * K + (b->has_bias ? K : 0) + K * (2 * K + 1);
    aedyn_sgd_rule rule;
    if ((st = aedyn_sgd_get_rule(sgd, &rule)))
        goto fail;
    b->trunc = rule == AEDYN_SGD_TRUNCATED;
    /* the spectrum: explicit eigenvalues in group order, the bulk */
    const size_t G = aedyn_data_get_n_groups(data);
    double *all = aedyn__calloc(b->D, sizeof *all);
    b->rho = aedyn__calloc(M + 1, sizeof *b->rho);
    if (!all || !b->rho) {
        free(all);
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    st = aedyn_data_get_eigenvalues(data, all);
    for (size_t g = 0, m = 0, off = 0; g < G && !st; g++) {
        size_t mult, n_exp;
        double rho;
        if ((st = aedyn_data_get_group(data, g, &rho, &mult, &n_exp)))
            break;
        if (n_exp == 0) {
            b->rho_b = rho;
            b->n_b = mult;
        }
        for (size_t j = 0; j < n_exp; j++)
            b->rho[m++] = all[off + j];
        off += mult;
    }
    free(all);
    if (st || (st = aedyn_ode_create_from_sgd(&b->ode, sgd)))
        goto fail;
    /* Sigma has P (P + 1) / 2 entries and every node of B's quadrature O(P^2)
     * work: beyond 2^16 coordinates (M K > 2^15 explicit components) the band
     * is out of reach anyway, and the bound keeps every size below in size_t
     * (the largest, about 60 P^2 doubles, is under 2^38) */
    if (b->P > ((size_t)1 << 16)) {
        st = aedyn__fail(AEDYN_ERR_UNSUPPORTED, "%s: the band has %zu coordinates (%zu explicit "
                         "directions, %zu hidden units); at most 65536", fn, b->P, M, K);
        goto fail;
    }
    const size_t P = b->P, n = b->n, nd = n + K, K2 = 2 * K;
    b->nX = P + n_sigma(P) + P;
    b->X = aedyn__calloc(b->nX, sizeof *b->X);
    /* scratch: P-vectors, P x P matrices, the unpacked state, quadrature */
    const size_t nscr = 6 * P + 4 * P * P + 2 * M * K + K + 7 * K * K + (M + 2) * K2 * K2 + K +
                        n * n + 2 * n * K + n * K + n * n + 2 * nd * n + nd * nd + nd * K + nd +
                        4 * K + P + P + 12 * P * P + 10 * P +
                        AEDYN__BAND_TERMS * AEDYN__BAND_TERMS * P * P;
    /* the node scheme: per node 3 P x P and 5 P, 4 P x P and 6 P more, Sigma
     * packed twice; with the above at most 128 P^2 (P >= 3), which must fit */
    size_t P128;
    if (!aedyn__mul_size(P, P, &P128) || !aedyn__mul_size(P128, 128, &P128)) {
        st = aedyn__fail(AEDYN_ERR_SIZE, "%s: %zu coordinates are too many", fn, P);
        goto fail;
    }
    const size_t nnode = AEDYN__BAND_NODES * (3 * P * P + 5 * P) + 4 * P * P + 6 * P +
                         2 * n_sigma(P);
    b->y1 = aedyn__calloc(nscr + nnode, sizeof *b->y1);
    b->terms = aedyn__calloc(P * AEDYN__BAND_TERMS, sizeof *b->terms);
    b->nterm = aedyn__calloc(P, sizeof *b->nterm);
    b->ldir = aedyn__calloc(2 * AEDYN__BAND_TERMS * P, sizeof *b->ldir);
    b->qi = aedyn__calloc(3 * AEDYN__BAND_TERMS * P, sizeof *b->qi);
    b->lslot = aedyn__calloc(P + 1 + 2 * AEDYN__BAND_TERMS * P, sizeof *b->lslot);
    if (!b->X || !b->y1 || !b->terms || !b->nterm || !b->ldir || !b->qi || !b->lslot) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    double *p = b->y1;
#define TAKE_(field, count) (b->field = p, p += (count))
    TAKE_(y1, P);
    TAKE_(y2, P);
    TAKE_(f0, P);
    TAKE_(f1, P);
    TAKE_(f2, P);
    TAKE_(Y1, P);
    TAKE_(J, P * P);
    TAKE_(B, P * P);
    TAKE_(S, P * P);
    TAKE_(L, P * P);
    TAKE_(wt, M * K);
    TAKE_(s, M * K);
    TAKE_(beta, K);
    TAKE_(Qb, K * K);
    TAKE_(Rb, K * K);
    TAKE_(T0b, K * K);
    TAKE_(Q, K * K);
    TAKE_(R, K * K);
    TAKE_(T, K * K);
    TAKE_(T0, K * K);
    TAKE_(Lm, (M + 1) * K2 * K2);
    TAKE_(cm, K);
    TAKE_(C2, K2 * K2);
    TAKE_(Sr, n * n);
    TAKE_(A, n * K);
    TAKE_(SA, n * K);
    TAKE_(Mmu, n * K);
    TAKE_(Sc, nd * n);
    TAKE_(G, nd * nd);
    TAKE_(dirv, nd * n);
    TAKE_(Dm, nd * K);
    TAKE_(dm, nd);
    TAKE_(g, K);
    TAKE_(dg, K);
    TAKE_(lam, K);
    TAKE_(x, K);
    TAKE_(mean_h, P);
    TAKE_(cvec, P);
    for (int i = 0; i < 3; i++) {
        TAKE_(pJ[i], P * P);
        TAKE_(pB[i], P * P);
        TAKE_(pf[i], P);
    }
    TAKE_(ym, P);
    TAKE_(ye, P);
    TAKE_(y0, P);
    TAKE_(Sa, P * P);
    TAKE_(dSa, P * P);
    TAKE_(Se, P * P);
    TAKE_(Sk, P * P);
    TAKE_(Ssum, P * P);
    TAKE_(Sx, P * P);
    TAKE_(da, P);
    TAKE_(de, P);
    TAKE_(dk, P);
    TAKE_(dsum, P);
    TAKE_(Aq, AEDYN__BAND_TERMS * AEDYN__BAND_TERMS * P * P);
    for (int i = 0; i < AEDYN__BAND_NODES; i++) {
        TAKE_(nJ[i], P * P);
        TAKE_(nB[i], P * P);
        TAKE_(nS[i], P * P);
        TAKE_(nF[i], P);
        TAKE_(nG[i], P);
        TAKE_(nY[i], P);
        TAKE_(nd[i], P);
        TAKE_(nV[i], P);
    }
    TAKE_(Jt, P * P);
    TAKE_(Bt, P * P);
    TAKE_(pmJ, P * P);
    TAKE_(pmB, P * P);
    TAKE_(gt, P);
    TAKE_(vt, P);
    TAKE_(dl, P);
    TAKE_(pmG, P);
    TAKE_(pmY, P);
    TAKE_(Xs, n_sigma(P));
    TAKE_(dl2, n_sigma(P));
    b->qu = b->qi + AEDYN__BAND_TERMS * P;
    b->qv = b->qu + AEDYN__BAND_TERMS * P;
    b->tslot = b->lslot + P + 1;
#undef TAKE_
    /* the slots of the linear parts, E[c c^T] over them (nl x nl), and the
     * chunk of node rows (m, c, alpha, padding; U and V, BAND_CHUNK each) */
    node_structure(b);
    b->ldv = P + b->nl + b->nprod + BAND_TILE;
    size_t ncl, nrows;
    if (!aedyn__mul_size(b->nl, b->nl, &ncl) || !aedyn__mul_size(b->ldv, 2 * BAND_CHUNK, &nrows) ||
        ncl > SIZE_MAX - nrows - BAND_CHUNK ||
        !(b->Cl = aedyn__calloc(ncl + nrows + BAND_CHUNK, sizeof *b->Cl))) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "%s: out of memory", fn);
        goto fail;
    }
    b->Vn = b->Cl + ncl;
    b->Un = b->Vn + BAND_CHUNK * b->ldv;
    b->wn = b->Un + BAND_CHUNK * b->ldv;
    b->nq = default_nodes(b->act);
    if ((st = aedyn__band_deriv_alloc(b)) || (st = aedyn__gauss_ws_init(&b->gh, b->nq)) ||
        (st = aedyn__stepper_create(&b->st, P, AEDYN_ODE_DOPRI5, NULL)) ||
        (st = aedyn__stepper_create(&b->sj, b->nX, AEDYN_ODE_DOPRI5, NULL)) ||
        (st = aedyn__stepper_create(&b->ss, n_sigma(P), AEDYN_ODE_DOPRI5, NULL)) ||
        (st = aedyn__stepper_create(&b->sd, P, AEDYN_ODE_DOPRI5, NULL)) ||
        (st = aedyn_chain_get_state(chain, yc)))
        goto fail;
    from_chain(b, yc, b->X);
    free(yc);
    aedyn_chain_destroy(chain);
    aedyn_rng_destroy(r0);
    *out = b;
    return AEDYN_OK;
fail:
    free(yc);
    aedyn_chain_destroy(chain);
    aedyn_rng_destroy(r0);
    aedyn_band_destroy(b);
    return st;
}

/* ---- integration and settings ------------------------------------------------------ */

/* Forget what the steppers and the step-wise schemes cached about the state. */
static void restart(aedyn_band *band)
{
    aedyn__stepper_reset(band->st);
    aedyn__stepper_reset(band->sj);
    band->have_start = false;
    band->hsub = 0.0;
}

AEDYN_API aedyn_status aedyn_band_advance(aedyn_band *band, double t_end)
{
    AEDYN__REQUIRE_NONNULL(band);
    if (!isfinite(t_end) || t_end < band->t)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_band_advance: t_end = %g must be finite and "
                           ">= the current time %g", t_end, band->t);
    band->rhs_err = AEDYN_OK;
    /* Segment by segment between the schedules' breakpoints, as
     * aedyn_ode_advance: a jump in a rate is a jump in f, J, B and f1, so
     * every scheme ends a step on it (reading the values left of it) and
     * starts afresh after it. Breakpoints are strictly after t: progress. */
    aedyn_status st = AEDYN_OK;
    do {
        const double tb = aedyn__ode_next_breakpoint(band->ode, band->t);
        const double te = tb < t_end ? tb : t_end;
        aedyn__ode_set_segment_end(band->ode, tb);
        band->seg_end = tb;
        if (band->joint)
            st = aedyn__stepper_advance(band->sj, band_rhs, band, &band->t, band->X, te);
        else if (!band->fluct)
            st = aedyn__stepper_advance(band->st, mean_rhs, band, &band->t, band->X, te);
        else if (band->rk4)
            st = advance_stepwise(band, te);
        else
            st = advance_nodes(band, te);
        aedyn__ode_set_segment_end(band->ode, INFINITY);
        band->seg_end = INFINITY;
        if (st == AEDYN_OK && band->rhs_err == AEDYN_OK && band->t == tb) {
            aedyn__stepper_reset(band->st);
            aedyn__stepper_reset(band->sj);
            band->have_start = false;
        }
    } while (st == AEDYN_OK && band->rhs_err == AEDYN_OK && band->t < t_end);
    if (band->rhs_err != AEDYN_OK) {
        restart(band);
        return aedyn__fail(band->rhs_err, "aedyn_band_advance: a schedule failed; stopped at "
                           "t = %g", band->t);
    }
    return st;
}

AEDYN_API double aedyn_band_get_time(const aedyn_band *band) { return band ? band->t : NAN; }

AEDYN_API size_t aedyn_band_get_n_state(const aedyn_band *band) { return band ? band->P : 0; }

AEDYN_API aedyn_status aedyn_band_set_fluctuations(aedyn_band *band, bool on)
{
    AEDYN__REQUIRE_NONNULL(band);
    band->fluct = on;
    restart(band);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_band_set_tolerances(aedyn_band *band, double rtol, double atol)
{
    AEDYN__REQUIRE_NONNULL(band);
    if (!(rtol > 0.0 && isfinite(rtol) && atol > 0.0 && isfinite(atol)))
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_band_set_tolerances: need rtol > 0 and "
                           "atol > 0, finite (got %g, %g)", rtol, atol);
    aedyn__stepper *all[4] = { band->st, band->sj, band->ss, band->sd };
    for (int i = 0; i < 4; i++) {
        const aedyn_status st = aedyn__stepper_set_tolerances(all[i], rtol, atol);
        if (st)
            return st;
    }
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_band_set_quadrature(aedyn_band *band, size_t n)
{
    AEDYN__REQUIRE_NONNULL(band);
    if (n < 1 || n > 64)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_band_set_quadrature: n must be 1 .. 64, got "
                           "%zu", n);
    size_t total = 1;
    for (size_t k = 0; k < band->K; k++)
        if (!aedyn__mul_size(total, n, &total) || total > 16777216)
            return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_band_set_quadrature: %zu^%zu nodes are "
                               "too many (at most 2^24)", n, band->K);
    aedyn__gauss_ws gh;
    const aedyn_status st = aedyn__gauss_ws_init(&gh, n);
    if (st)
        return st;
    band->gh = gh;
    band->nq = n;
    restart(band);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_band_get_mean(const aedyn_band *band, double *y)
{
    AEDYN__REQUIRE_NONNULL(band);
    AEDYN__REQUIRE_NONNULL(y);
    to_chain(band, band->X, y);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_band_set_mean(aedyn_band *band, double t, const double *y)
{
    static const char *fn = "aedyn_band_set_mean";
    AEDYN__REQUIRE_NONNULL(band);
    AEDYN__REQUIRE_NONNULL(y);
    if (!isfinite(t) || t < 0.0)
        return aedyn__fail(AEDYN_ERR_INVALID, "%s: t = %g must be finite and >= 0", fn, t);
    const size_t K = band->K, M = band->M, KK = K * K, n = 2 * M * K + K + 3 * KK;
    for (size_t i = 0; i < n; i++)
        if (!(fabs(y[i]) <= 1e150))
            return aedyn__fail(AEDYN_ERR_INVALID, "%s: y[%zu] = %g is not finite (or above "
                               "1e150)", fn, i, y[i]);
    const double *Qb = y + 2 * M * K + K, *T0b = Qb + 2 * KK;
    for (size_t k = 0; k < K; k++)
        for (size_t l = 0; l < K; l++)
            if (Qb[k * K + l] != Qb[l * K + k] || T0b[k * K + l] != T0b[l * K + k])
                return aedyn__fail(AEDYN_ERR_INVALID, "%s: Q_b and T0_b must be symmetric "
                                   "(entry %zu, %zu)", fn, k, l);
    from_chain(band, y, band->X);
    memset(band->X + band->P, 0, (band->nX - band->P) * sizeof *band->X);
    band->t = t;
    restart(band);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_band_get_covariance(const aedyn_band *band, double *sigma,
                                                 double *delta)
{
    AEDYN__REQUIRE_NONNULL(band);
    const size_t P = band->P;
    if (sigma)
        sigma_unpack(P, band->X + P, sigma);
    if (delta)
        memcpy(delta, band->X + P + n_sigma(P), P * sizeof *delta);
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_band_jacobian(aedyn_band *band, double *J)
{
    AEDYN__REQUIRE_NONNULL(band);
    AEDYN__REQUIRE_NONNULL(J);
    memcpy(band->y2, band->X, band->P * sizeof *band->y2);
    band->rhs_err = AEDYN_OK;
    jacobian(band, band->t, band->y2, J);
    return aedyn__check_finite("aedyn_band_jacobian", "J", J, band->P * band->P);
}

AEDYN_API aedyn_status aedyn_band_noise(aedyn_band *band, double *B)
{
    AEDYN__REQUIRE_NONNULL(band);
    AEDYN__REQUIRE_NONNULL(B);
    memcpy(band->y2, band->X, band->P * sizeof *band->y2);
    band->rhs_err = AEDYN_OK;
    aedyn__band_noise(band, band->t, band->y2, B, NULL, NULL);
    return aedyn__check_finite("aedyn_band_noise", "B", B, band->P * band->P);
}

/* ---- the error and its band ----------------------------------------------------------- */

static double error_at(aedyn_band *b, const double *y)
{
    unpack(b, y);
    return aedyn__gauss_error(b->act, b->K, b->trace, b->D, 1.0, 0.0, 0.0,
                              b->beta, b->Q, b->R, b->T0);
}

AEDYN_API aedyn_status aedyn_band_error(aedyn_band *band, double *mean, double *shift,
                                        double *std_first, double *std)
{
    static const char *fn = "aedyn_band_error";
    AEDYN__REQUIRE_NONNULL(band);
    const size_t P = band->P;
    const double Dd = (double)band->D;
    double *y = band->y2, *grad = band->f1, *H = band->J, *S = band->S, *HS = band->L;
    memcpy(y, band->X, P * sizeof *y);
    const double e0 = error_at(band, y);
    if (!shift && !std_first && !std) { /* the mean alone: no derivatives */
        const aedyn_status st = aedyn__check_finite(fn, "the predicted error", &e0, 1);
        if (st == AEDYN_OK && mean)
            *mean = e0;
        return st;
    }
    /* gradient (central, step 1e-6) and Hessian (central, step 1e-4) */
    for (size_t j = 0; j < P; j++) {
        const double h = aedyn__band_fd_step(band, band->X, j, 1e-6);
        y[j] = band->X[j] + h;
        const double ep = error_at(band, y);
        y[j] = band->X[j] - h;
        const double em = error_at(band, y);
        y[j] = band->X[j];
        grad[j] = (ep - em) / (2.0 * h);
    }
    for (size_t i = 0; i < P; i++)
        for (size_t j = i; j < P; j++) {
            const double hi = aedyn__band_fd_step(band, band->X, i, 1e-4),
                         hj = aedyn__band_fd_step(band, band->X, j, 1e-4);
            double v;
            if (i == j) {
                y[i] = band->X[i] + hi;
                const double ep = error_at(band, y);
                y[i] = band->X[i] - hi;
                const double em = error_at(band, y);
                y[i] = band->X[i];
                v = (ep + em - 2.0 * e0) / (hi * hi);
            } else {
                double e[4];
                const double si[4] = { 1, 1, -1, -1 }, sj[4] = { 1, -1, 1, -1 };
                for (int c = 0; c < 4; c++) {
                    y[i] = band->X[i] + si[c] * hi;
                    y[j] = band->X[j] + sj[c] * hj;
                    e[c] = error_at(band, y);
                }
                y[i] = band->X[i];
                y[j] = band->X[j];
                v = (e[0] - e[1] - e[2] + e[3]) / (4.0 * hi * hj);
            }
            H[i * P + j] = H[j * P + i] = v;
        }
    double *delta = band->X + P + n_sigma(P);
    (void)aedyn_band_get_covariance(band, S, NULL);
    double gsg = 0.0, trhs = 0.0, trhshs = 0.0, gd = 0.0;
    for (size_t i = 0; i < P; i++) {
        gd += grad[i] * delta[i];
        for (size_t j = 0; j < P; j++) {
            gsg += grad[i] * S[i * P + j] * grad[j];
            trhs += H[i * P + j] * S[j * P + i];
        }
    }
    for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < P; j++) {
            double v = 0.0;
            for (size_t p = 0; p < P; p++)
                v += H[i * P + p] * S[p * P + j];
            HS[i * P + j] = v;
        }
    for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < P; j++)
            trhshs += HS[i * P + j] * HS[j * P + i];
    const double out[4] = { e0, (gd + 0.5 * trhs) / Dd, sqrt(fmax(gsg, 0.0) / Dd),
                            sqrt(fmax(gsg / Dd + 0.5 * trhshs / (Dd * Dd), 0.0)) };
    const aedyn_status st = aedyn__check_finite(fn, "the predicted error", out, 4);
    if (st)
        return st;
    if (mean)
        *mean = out[0];
    if (shift)
        *shift = out[1];
    if (std_first)
        *std_first = out[2];
    if (std)
        *std = out[3];
    return AEDYN_OK;
}

AEDYN_API aedyn_status aedyn_band_sample(const aedyn_band *band, aedyn_rng *rng, double *y)
{
    AEDYN__REQUIRE_NONNULL(band);
    AEDYN__REQUIRE_NONNULL(rng);
    AEDYN__REQUIRE_NONNULL(y);
    aedyn_band *b = (aedyn_band *)band; /* scratch only */
    const size_t P = b->P;
    (void)aedyn_band_get_covariance(b, b->S, NULL);
    aedyn__cholesky_psd(P, b->S, b->L);
    const double sD = sqrt((double)b->D);
    for (size_t i = 0; i < P; i++)
        b->f1[i] = aedyn__rng_normal(rng);
    for (size_t i = 0; i < P; i++) {
        double v = 0.0;
        for (size_t k = 0; k <= i; k++)
            v += b->L[i * P + k] * b->f1[k];
        b->y2[i] = b->X[i] + v / sD;
    }
    to_chain(b, b->y2, y);
    return AEDYN_OK;
}
