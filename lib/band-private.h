/* The linear-noise band's own layout (lib/band.c; the tests read it). */
#ifndef AEDYN_BAND_PRIVATE_H
#define AEDYN_BAND_PRIVATE_H

#include "common-private.h"
#include "gauss-internal.h"
#include "stepper-internal.h"

/* An affine form of the Gaussian vector r = (zeta_1..M, lambda_b^1..K,
 * nu_b^1..K) given the local fields: c + a (dir . r), dir one of the n
 * coordinates or one of the K decoder fields nu_k (index n + k), or none
 * (dir < 0: a constant). */
typedef struct aedyn__band_form {
    int dir;
    double a, c;
} aedyn__band_form;

/* One term of an increment: coef * u * v (v.dir == -2: the affine coef * u). */
typedef struct aedyn__band_term {
    double coef;
    aedyn__band_form u, v;
} aedyn__band_term;

/* One order parameter the ODE's coefficients read (band-deriv.c): Q or T0
 * (upper: k <= l), the diagonal of R (k = l) or a bias (k = l). */
typedef struct aedyn__band_par {
    int kind;
    size_t k, l;
} aedyn__band_par;

/* J's ingredients at one point (t, y) (band-deriv.c): the order parameters
 * o (np, then np scales for the differences) and the matrices they come
 * from (K x K; beta K), the mode maps L0 (M + 1 of (2K)^2: rho_1..M, then
 * rho_b) and the bias drift c0 (K) at o, their derivatives dL (np x (M + 1)
 * x (2K)^2) and dc (np x K) in each order parameter, and U = df/do (P x np). */
typedef struct aedyn__band_dslot {
    bool ok;
    double t, seg; /* the point, and the segment end the schedules were read with */
    double *y, *o, *Q, *R, *T0, *beta, *L0, *c0, *dL, *dc, *U;
} aedyn__band_dslot;

#define AEDYN__BAND_TERMS 2
#define AEDYN__BAND_NODES 5 /* Lobatto nodes per interval of the node scheme */
#define AEDYN__BAND_MAXK 8 /* hidden units (the quadrature has n^K nodes) */

struct aedyn_band {
    size_t D, K, M, n_b, P, n;   /* n = M + 2K: the Gaussian vector r */
    bool has_bias, trunc, fluct;
    aedyn_net_activation act;
    double rho_b, *rho;          /* bulk, M explicit eigenvalues */
    double trace;                /* Tr Omega */
    aedyn_ode *ode;              /* the coefficients of the right-hand side */
    size_t nq;                   /* Gauss-Hermite nodes per field */
    aedyn__gauss_ws gh;
    aedyn__stepper *st;          /* the mean y alone (P numbers) */
    aedyn__stepper *sj;          /* the joint state X (nX numbers), when joint */
    bool joint;                  /* integrate y, Sigma and delta as one system with J, B
                                    and f'' at every right-hand side (the reference of
                                    the tests; default false: the scheme of
                                    docs/theory.md section 12.3, "Integration") */
    /* J and f'' from the structure of the drift (band-deriv.c) */
    bool fd_deriv;               /* by differences of f in all P coordinates instead (the
                                    tests' reference; default false) */
    bool lin_coef;               /* the coefficients are affine in o (linear units, no
                                    biases): f''_oo = 0 */
    size_t np;                   /* order parameters o the coefficients read */
    aedyn__band_par *par;        /* np */
    double seg_end;              /* the end of the schedules' segment being integrated
                                    (aedyn__ode_set_segment_end; INFINITY: none): at a
                                    breakpoint the same (t, y) has two drifts, so it is
                                    part of the key of ds */
    aedyn__band_dslot ds[2];     /* the last two points (J, then f'' at the same point) */
    size_t ds_last;              /* the slot used last */
    double *dV, *dSV, *dW, *dN, *do2, *dz, *dF, *dLw, *dcw; /* scratch */
    double *dVc;                 /* V's nonzeros row by row (P x np), */
    size_t *dVg, *dVn;           /* their columns (P x np) and number per row (P) */
    double t;
    size_t nX;                   /* P + P (P + 1) / 2 + P */
    double *X;                   /* y (packed), Sigma (upper, packed by rows), delta */
    aedyn_status rhs_err;        /* a schedule's bad value met by the right-hand side */
    /* scratch (allocated once) */
    double *y1, *y2, *f0, *f1, *f2, *J, *B, *Y1, *S, *L;  /* P or P x P */
    double *wt, *s, *beta, *Qb, *Rb, *T0b, *Q, *R, *T, *T0; /* unpacked */
    double *Lm, *cm, *C2;        /* the maps ((M + 1) (2K)^2) and bias drift (K) of the last
                                    aedyn__band_drift (B's quadrature borrows Lm for a
                                    K x K factor before its own drift); (2K)^2 */
    double *Sr, *A, *SA, *Mmu, *Sc, *G, *dirv, *Dm, *dm; /* quadrature */
    double *g, *dg, *lam, *x, *mean_h, *cvec; /* per node */
    /* the RK4 substeps (rk4): J, B, f1 (+ the curvature) at the start (0), middle
     * (1) and end (2) of a substep, Sigma and delta at its start, stages */
    double *pJ[3], *pB[3], *pf[3], *ym, *ye, *y0;
    double *Sa, *dSa, *Se, *Sk, *Ssum, *Sx, *da, *de, *dk, *dsum;
    bool have_start;             /* pJ[0], pB[0], pf[0], dSa (rk4) or node 0 belong to (t, X) */
    double hsub;                 /* the next substep or interval of Sigma and delta (0: none
                                    yet) */
    uint64_t n_points;           /* evaluations of J and B so far (statistics) */
    bool rk4;                    /* Sigma and delta by the RK4 substeps of advance_stepwise
                                    (the tests' reference of the node scheme; the default
                                    for ReLU, whose B jumps) */
    /* the node scheme (advance_nodes): at the Lobatto nodes tau of an interval
     * (node 0 its start) J, B, f1, g = f1 + (1/2) f'':Sigma, Sigma (full), y,
     * delta, and J delta(start); J, B, g and y at the previous interval's
     * middle (for the error estimate); steppers of Sigma (packed) and delta */
    double *nJ[AEDYN__BAND_NODES], *nB[AEDYN__BAND_NODES], *nF[AEDYN__BAND_NODES],
        *nG[AEDYN__BAND_NODES], *nS[AEDYN__BAND_NODES], *nY[AEDYN__BAND_NODES],
        *nd[AEDYN__BAND_NODES], *nV[AEDYN__BAND_NODES];
    double tau[AEDYN__BAND_NODES];
    double *pmJ, *pmB, *pmG, *pmY, tau_pm;
    bool have_pm;
    double *Jt, *Bt, *gt, *vt, *Xs, *dl, *dl2; /* interpolated J, B, g, J delta; Sigma,
                                                  delta, Sigma (dense output) */
    aedyn__stepper *ss, *sd;
    bool ss_live;                /* ss holds the state at node 0 (continue it) */
    /* B's node loop (node_moments): the linear parts' slots (node_structure:
     * nl <= 2 TERMS P slots, component i's from lslot[i] to lslot[i + 1],
     * direction ldir of each, the slot of every term's u and v in tslot, P x
     * TERMS x 2) and E[c c^T] over them (Cl, nl x nl); the nprod product
     * terms' components and directions (<= P TERMS) and E[alpha alpha^T]
     * (Aq); a chunk of nodes: nrow rows (stride ldv) of (m, c, alpha) in Vn,
     * times their weights wn in Un */
    bool pairwise;               /* B by every pair of terms (the tests' reference) */
    size_t nl, nprod, ldv, nrow;
    double *Cl, *Aq, *Vn, *Un, *wn;
    int *ldir;
    size_t *lslot, *tslot, *qi, *qu, *qv;
    aedyn__band_term *terms;     /* P x AEDYN__BAND_TERMS */
    size_t *nterm;               /* P */
};

/* The packed layout (lib/band.c's top comment): entry (k, l), k <= l, of an
 * upper triangle of order K stored by rows, and where the blocks begin: the
 * biases, Q_b (upper), R_b (K x K), T0_b (upper). */
static inline size_t tri(size_t K, size_t k, size_t l) { return k * K - k * (k - 1) / 2 + (l - k); }
static inline size_t off_b(const aedyn_band *b) { return 2 * b->M * b->K; }
static inline size_t off_Q(const aedyn_band *b) { return off_b(b) + (b->has_bias ? b->K : 0); }
static inline size_t off_R(const aedyn_band *b) { return off_Q(b) + b->K * (b->K + 1) / 2; }
static inline size_t off_T(const aedyn_band *b) { return off_R(b) + b->K * b->K; }

/* The finite-difference step for coordinate j of y: rel times its size, or
 * 1e-3 of its block's largest entry, never below rel 1e-2 (lib/band.c;
 * the tests size their tolerances by it). */
double aedyn__band_fd_step(const aedyn_band *b, const double *y, size_t j, double rel);

/* The mode maps L (M + 1 blocks of (2K)^2: rho_1..M, then rho_b) and the
 * biases' drift c (K) at the ODE's last coefficients, and f = A v + c (c
 * NULL: A v alone), the drift's linear map with those maps applied to v
 * (band-deriv.c): the drift itself and its structured derivatives. */
void aedyn__band_read_maps(const aedyn_band *b, double *L, double *c);
void aedyn__band_apply(const aedyn_band *b, const double *L, const double *c, const double *v,
                       double *f);

/* f(y) at time t: the ODE's drift in packed coordinates. */
void aedyn__band_drift(aedyn_band *b, double t, const double *y, double *f);

/* B (P x P) and the O(1/D) drift f1 (P) at (t, y), and the quadrature's
 * mean drift fq (P, NULL to skip), which equals f to quadrature accuracy. */
void aedyn__band_noise(aedyn_band *b, double t, const double *y, double *B, double *f1,
                       double *fq);

/* J = df/dy (P x P) at (t, y), and out += (1/2) f''(y) : S (S full P x P),
 * by the structure of f (band-deriv.c; b->fd_deriv: by differences of f in
 * every coordinate, lib/band.c); fy = f(y) (the differences' centre). */
void aedyn__band_jacobian(aedyn_band *b, double t, const double *y, double *J);
void aedyn__band_curvature(aedyn_band *b, double t, const double *y, const double *fy,
                           const double *S, double *out);

/* The same by the structure alone (band-deriv.c), and its scratch (sizes
 * checked for overflow; AEDYN_ERR_NOMEM, freed by aedyn__band_deriv_free). */
void aedyn__band_jac_structured(aedyn_band *b, double t, const double *y, double *J);
void aedyn__band_curv_structured(aedyn_band *b, double t, const double *y, const double *S,
                                 double *out);
aedyn_status aedyn__band_deriv_alloc(aedyn_band *b);
void aedyn__band_deriv_free(aedyn_band *b);

#endif
