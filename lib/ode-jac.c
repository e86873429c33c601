/* The structured Jacobian of the learning ODEs, for the BDF stepper.
 *
 * The right-hand side of mode tau is a linear map of its own components,
 * f_tau = L_tau(m) y_tau, whose coefficients depend on the state only
 * through a few order parameters m: Q (symmetric), the diagonal of R, T0
 * (symmetric) and the biases (aedyn__ode_coefficients reads nothing else);
 * with a skip connection also the skip weight c (in kappa_tau and dc/dt)
 * and the diagonal of Rtilde (in dc/dt), whose own right-hand side depends
 * on parameters only.
 * Hence
 *
 *     J = blockdiag_tau L_tau + U V^T,   U = df/dm (n x p),  V = dm/dy (n x p),
 *
 * with p = K (K + 1) + K (+ K biases) parameters whatever the number of
 * modes. U comes from forward differences in m (p coefficient evaluations
 * and sweeps, no moments), V in closed form from the moment sums, and the
 * Newton matrix I - c J is inverted by the Woodbury identity:
 *
 *     (B - c U V^T)^-1 = B^-1 + c W S^-1 V^T B^-1,
 *     B = I - c blockdiag L,  W = B^-1 U,  S = I_p - c V^T W,
 *
 * which costs P factorisations of 2K x 2K blocks and one of p x p instead of
 * one of n x n. For a spiked model with K = 4 that is 24 parameters against
 * 100 unknowns; for an image spectrum (784 modes, K = 3), 15 against 4 707.
 *
 * The stability analysis (lib/analysis.c) assembles the same J densely
 * (aedyn__ode_jac_dense), with U by central differences for the accuracy
 * its eigenvalues need. */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "linalg-internal.h"
#include "ode-private.h"

enum { PAR_Q, PAR_R, PAR_T0, PAR_BETA, PAR_RT, PAR_C };

typedef struct {
    int kind;
    size_t k, l; /* Q and T0: k <= l; R and beta: k */
} ode_par;

struct aedyn__ode_jac {
    size_t n, p;
    ode_par *par;
    double *f0, *f1, *ytmp;  /* n each */
    double *Um, *Vm, *Wm;    /* n x p column-major (column g at + g n), i.e. p x n
                                row-major: row g is parameter g's column */
    double *S;               /* p x p column-major (p x p row-major of S^T) */
    size_t *spiv;
    double *z;               /* p */
    double *A0, *C0, *G0;    /* coefficients at the Jacobian's state (K, K^2, K^2) */
    double *rs0, *rf0;       /* P each: the modes' self and feedback factors there */
    double ew0, ev0;         /* the rates there */
    double *blk;             /* P blocks of (2K)^2: inverses of I - c L_tau, column-major */
    double *Sblk;            /* (2K)^2 scratch */
    size_t *bpiv;            /* 2K */
    double *bvec;            /* 2K */
    double c;                /* of the current factors */
};

void aedyn__ode_jac_destroy(aedyn__ode_jac *j)
{
    if (!j)
        return;
    free(j->par);
    free(j->f0);
    free(j->Um);
    free(j->S);
    free(j->spiv);
    free(j->A0);
    free(j->rs0);
    free(j->blk);
    free(j->bpiv);
    free(j);
}

aedyn_status aedyn__ode_jac_create(const aedyn_ode *o, aedyn__ode_jac **out)
{
    const size_t K = o->K, P = o->P, n = o->n_state, b = 2 * K;
    aedyn__ode_jac *j = calloc(1, sizeof *j);
    if (!j)
        return aedyn__fail(AEDYN_ERR_NOMEM, "ODE Jacobian: out of memory");
    j->n = n;
    j->p = K * (K + 1) + K + (o->has_bias ? K : 0) + (o->has_skip ? K + 1 : 0);
    const size_t p = j->p;
    j->par = calloc(p, sizeof *j->par);
    j->f0 = aedyn__calloc(3 * n, sizeof(double));
    j->Um = aedyn__calloc(3 * n * p, sizeof(double));
    j->S = aedyn__calloc(p * p + p, sizeof(double));
    j->spiv = aedyn__calloc(p, sizeof(size_t));
    j->A0 = aedyn__calloc(K + 2 * K * K + b, sizeof(double));
    j->blk = aedyn__calloc((P + 1) * b * b, sizeof(double));
    j->bpiv = aedyn__calloc(b, sizeof(size_t));
    j->rs0 = aedyn__calloc(2 * P + 1, sizeof(double));
    if (!j->par || !j->f0 || !j->Um || !j->S || !j->spiv || !j->A0 || !j->blk || !j->bpiv ||
        !j->rs0) {
        aedyn__ode_jac_destroy(j);
        return aedyn__fail(AEDYN_ERR_NOMEM, "ODE Jacobian: out of memory (%zu x %zu)", n, p);
    }
    j->f1 = j->f0 + n;
    j->ytmp = j->f1 + n;
    j->Vm = j->Um + n * p;
    j->Wm = j->Vm + n * p;
    j->z = j->S + p * p;
    j->C0 = j->A0 + K;
    j->G0 = j->C0 + K * K;
    j->bvec = j->G0 + K * K;
    j->Sblk = j->blk + P * b * b;
    j->rf0 = j->rs0 + P;
    size_t g = 0;
    for (size_t k = 0; k < K; k++)
        for (size_t l = k; l < K; l++) {
            j->par[g++] = (ode_par){ PAR_Q, k, l };
            j->par[g++] = (ode_par){ PAR_T0, k, l };
        }
    for (size_t k = 0; k < K; k++) {
        j->par[g++] = (ode_par){ PAR_R, k, k };
        if (o->has_bias)
            j->par[g++] = (ode_par){ PAR_BETA, k, k };
        if (o->has_skip)
            j->par[g++] = (ode_par){ PAR_RT, k, k };
    }
    if (o->has_skip)
        j->par[g++] = (ode_par){ PAR_C, 0, 0 };
    *out = j;
    return AEDYN_OK;
}

/* The parameter's storage and a difference increment for it. */
static double *par_slot(aedyn_ode *o, const ode_par *q, double *y, double **twin, double *inc)
{
    const size_t K = o->K;
    double *m, *other = NULL, scale;
    switch (q->kind) {
    case PAR_Q:
        m = o->Q + q->k * K + q->l;
        other = o->Q + q->l * K + q->k;
        scale = sqrt(o->Q[q->k * K + q->k] * o->Q[q->l * K + q->l]);
        break;
    case PAR_T0:
        m = o->T0 + q->k * K + q->l;
        other = o->T0 + q->l * K + q->k;
        scale = sqrt(o->T0[q->k * K + q->k] * o->T0[q->l * K + q->l]);
        break;
    case PAR_R:
        m = o->R + q->k * K + q->k;
        scale = sqrt(o->Q[q->k * K + q->k] * o->T[q->k * K + q->k]);
        break;
    case PAR_RT:
        m = o->Rt + q->k;
        scale = sqrt(o->Q[q->k * K + q->k] * o->T[q->k * K + q->k]);
        break;
    case PAR_C:
        m = &o->cskip;
        scale = 1.0;
        break;
    default:
        m = aedyn__ode_beta(o, y) + q->k;
        scale = 1.0;
        break;
    }
    *twin = other == m ? NULL : other;
    *inc = sqrt(DBL_EPSILON) * fmax(fabs(*m), fmax(scale, 1e-10));
    return m;
}

/* Column g of V: the derivative of parameter g with respect to the state
 * (with the spectra rq, rk of the last prepare()). */
static void par_gradient(const aedyn_ode *o, const ode_par *q, const double *y, double *v)
{
    const size_t K = o->K, P = o->P;
    const double invD = 1.0 / (double)o->D;
    memset(v, 0, o->n_state * sizeof *v);
    const size_t k = q->k, l = q->l;
    if (q->kind == PAR_BETA) {
        v[2 * P * K + k] = 1.0;
        return;
    }
    if (q->kind == PAR_C) {
        v[aedyn__ode_skip_index(o)] = 1.0;
        return;
    }
    for (size_t tau = 0; tau < P; tau++) {
        const double *w = y + tau * K, *s = y + P * K + tau * K;
        double *dw = v + tau * K, *ds = v + P * K + tau * K;
        switch (q->kind) {
        case PAR_Q: { /* Q_kl = sum rq w_k w_l / D */
            const double r = o->rq[tau] * invD;
            dw[k] += r * w[l];
            dw[l] += r * w[k];
            break;
        }
        case PAR_T0: /* T0_kl = sum s_k s_l */
            ds[k] += s[l];
            ds[l] += s[k];
            break;
        case PAR_RT: { /* Rt_k = sum rq s_k w_k / D */
            const double r = o->rq[tau] * invD;
            dw[k] += r * s[k];
            ds[k] += r * w[k];
            break;
        }
        default: { /* R_kk = sum rk s_k w_k / D */
            const double r = o->rk[tau] * invD;
            dw[k] += r * s[k];
            ds[k] += r * w[k];
            break;
        }
        }
    }
    /* R_kk = sum (a rho - c rq) s_k w_k / D depends on c: -Rt_k */
    if (q->kind == PAR_R && o->has_skip)
        v[aedyn__ode_skip_index(o)] = -o->Rt[k];
}

/* Whether parameter q is a variance (a diagonal of Q or T0), which a
 * difference must not step below 0. */
static bool par_nonnegative(const ode_par *q)
{
    return (q->kind == PAR_Q || q->kind == PAR_T0) && q->k == q->l;
}

/* f1 = the sweep at y with parameter g of o's current order parameters
 * moved to value v (and restored). */
static void sweep_moved(aedyn_ode *o, aedyn__ode_jac *j, size_t g, const double *y, double v,
                        bool generic, double *f1)
{
    double *twin, inc;
    double *m = par_slot(o, &j->par[g], j->ytmp, &twin, &inc);
    const double saved = *m;
    *m = v;
    if (twin)
        *twin = v;
    aedyn__ode_coefficients(o, j->ytmp, generic);
    aedyn__ode_sweep(o, y, f1);
    *m = saved;
    if (twin)
        *twin = saved;
}

/* J = blockdiag(L_tau) + U V^T at (t, y) into j: the blocks' coefficients,
 * U by differences in the order parameters (forward, or central for the
 * analyses: see ode-internal.h) and V in closed form. Returns the number of
 * right-hand-side equivalents used, or -1 when the Jacobian is not finite
 * or a schedule failed. */
static int jac_eval(aedyn_ode *o, aedyn__ode_jac *j, double t, const double *y, bool central)
{
    const size_t K = o->K, n = j->n, P = o->P;
    const bool generic = aedyn__ode_generic(o);
    if (aedyn__ode_prepare(o, t, y) != AEDYN_OK)
        return -1; /* a schedule failed: the right-hand side reports it */
    const double a = o->cur[AEDYN_SCHEDULE_INPUT_SCALE], Dd = (double)o->D;
    for (size_t tau = 0; tau < P; tau++) {
        j->rs0[tau] = o->rq[tau] / Dd;
        j->rf0[tau] = (o->dae ? a * o->rho[tau] - o->cskip * o->rq[tau] : o->rho[tau]) / Dd;
    }
    j->ew0 = o->cur[AEDYN_SCHEDULE_ENCODER_RATE];
    j->ev0 = o->cur[AEDYN_SCHEDULE_DECODER_RATE];
    aedyn__ode_moments(o, y);
    aedyn__ode_coefficients(o, y, generic);
    memcpy(j->A0, o->A, K * sizeof *o->A);
    memcpy(j->C0, o->C, K * K * sizeof *o->C);
    memcpy(j->G0, o->G, K * K * sizeof *o->G);
    aedyn__ode_sweep(o, y, j->f0);
    memcpy(j->ytmp, y, n * sizeof *y);
    bool finite = aedyn__all_finite(j->f0, n);
    /* central differences: step eps^(1/3) (truncation and rounding errors
     * both about eps^(2/3) = 4e-11 relative) */
    const double rel = central ? cbrt(DBL_EPSILON) : sqrt(DBL_EPSILON);
    for (size_t g = 0; g < j->p; g++) {
        double *twin, inc;
        const double m0 = *par_slot(o, &j->par[g], j->ytmp, &twin, &inc);
        inc *= rel / sqrt(DBL_EPSILON);
        double *u = j->Um + g * n;
        const double up = m0 + inc;
        const double h = up - m0;
        sweep_moved(o, j, g, y, up, generic, j->f1);
        if (!central) {
            for (size_t i = 0; i < n; i++)
                u[i] = (j->f1[i] - j->f0[i]) / h;
        } else if (!par_nonnegative(&j->par[g]) || m0 - h >= 0.0) {
            sweep_moved(o, j, g, y, m0 - h, generic, u);
            for (size_t i = 0; i < n; i++)
                u[i] = (j->f1[i] - u[i]) / (2.0 * h);
        } else { /* one-sided, second order: (-3 f(m) + 4 f(m + h) - f(m + 2h)) / 2h */
            sweep_moved(o, j, g, y, m0 + 2.0 * h, generic, u);
            for (size_t i = 0; i < n; i++)
                u[i] = (4.0 * j->f1[i] - 3.0 * j->f0[i] - u[i]) / (2.0 * h);
        }
        finite = finite && aedyn__all_finite(u, n);
        par_gradient(o, &j->par[g], y, j->Vm + g * n);
    }
    /* o->A, C, G, bdrift are scratch (every reader recomputes them) */
    return finite ? (int)(1 + (central ? 2 : 1) * j->p) : -1;
}

int aedyn__ode_jac_eval(void *ctx, double t, const double *y)
{
    aedyn_ode *o = ctx;
    return jac_eval(o, o->jac, t, y, false);
}

/* The 2K x 2K block L_tau (variables w_0..w_K-1, s_0..s_K-1), column-major. */
static void block_L(const aedyn_ode *o, const aedyn__ode_jac *j, size_t tau, double *B)
{
    const size_t K = o->K, b = 2 * K;
    const double rs = j->rs0[tau], rf = j->rf0[tau], ew = j->ew0, ev = j->ev0, kap = o->kappa;
    const bool trunc = o->rule == AEDYN_SGD_TRUNCATED;
    memset(B, 0, b * b * sizeof *B);
    for (size_t k = 0; k < K; k++) {
        for (size_t a = 0; a < K; a++) {
            B[a * b + k] = ew * rs * j->C0[k * K + a];                     /* dw_k / dw_a */
            if (!trunc || a <= k)
                B[(K + a) * b + K + k] = -ev * j->G0[k * K + a];           /* ds_k / ds_a */
        }
        B[(K + k) * b + k] += ew * rf * j->A0[k];                          /* dw_k / ds_k */
        B[k * b + K + k] += ev * rf * j->A0[k];                            /* ds_k / dw_k */
        B[k * b + k] -= kap;
        B[(K + k) * b + K + k] -= kap;
    }
}

/* The 2K x 2K block I - c L_tau, column-major. */
static void block(const aedyn_ode *o, const aedyn__ode_jac *j, size_t tau, double c, double *B)
{
    const size_t b = 2 * o->K;
    block_L(o, j, tau, B);
    for (size_t i = 0; i < b * b; i++)
        B[i] = -c * B[i];
    for (size_t i = 0; i < b; i++)
        B[i * b + i] += 1.0;
}

/* x <- B^-1 x with the blocks' inverses (the biases' block is the identity). */
static void block_solve(const aedyn_ode *o, const aedyn__ode_jac *j, double *x)
{
    const size_t K = o->K, P = o->P, b = 2 * K;
    double *v = j->bvec;
    for (size_t tau = 0; tau < P; tau++) {
        double *w = x + tau * K, *s = x + P * K + tau * K;
        const double *Bi = j->blk + tau * b * b; /* column-major inverse */
        memset(v, 0, b * sizeof *v);
        for (size_t c = 0; c < b; c++) {
            const double xc = c < K ? w[c] : s[c - K], *col = Bi + c * b;
            for (size_t r = 0; r < b; r++)
                v[r] += col[r] * xc;
        }
        memcpy(w, v, K * sizeof *v);
        memcpy(s, v + K, K * sizeof *v);
    }
}

bool aedyn__ode_jac_factor(void *ctx, double c)
{
    aedyn_ode *o = ctx;
    aedyn__ode_jac *j = o->jac;
    const size_t K = o->K, P = o->P, b = 2 * K, n = j->n, p = j->p;
    double *B = j->Sblk; /* scratch for one block's factors */
    for (size_t tau = 0; tau < P; tau++) {
        double *Bi = j->blk + tau * b * b;
        block(o, j, tau, c, B);
        if (!aedyn__lu_factor(b, B, j->bpiv))
            return false;
        for (size_t col = 0; col < b; col++) { /* the inverse, a column at a time */
            double *e = Bi + col * b;
            memset(e, 0, b * sizeof *e);
            e[col] = 1.0;
            aedyn__lu_solve(b, B, j->bpiv, e);
        }
    }
    memcpy(j->Wm, j->Um, n * p * sizeof *j->Wm);
    for (size_t g = 0; g < p; g++)
        block_solve(o, j, j->Wm + g * n);
    /* S = I - c V^T W, column-major: row-major S^T = -c Wr Vr^T for the p x n
     * row-major views Wr, Vr of the column-major W, V (the same BLAS call) */
    if (aedyn__gemm(false, true, p, p, n, -c, j->Wm, n, j->Vm, n, 0.0, j->S, p))
        return false;
    for (size_t g = 0; g < p; g++)
        j->S[g * p + g] += 1.0;
    j->c = c;
    return aedyn__lu_factor(p, j->S, j->spiv);
}

void aedyn__ode_jac_solve(void *ctx, double *x)
{
    aedyn_ode *o = ctx;
    aedyn__ode_jac *j = o->jac;
    const size_t n = j->n, p = j->p;
    block_solve(o, j, x);
    /* z = V^T x, x += c W z, with the p x n row-major views of V and W; sizes
     * were checked by the factorisation */
    (void)aedyn__gemv(false, p, n, 1.0, j->Vm, n, x, 0.0, j->z);
    aedyn__lu_solve(p, j->S, j->spiv, j->z);
    (void)aedyn__gemv(true, p, n, j->c, j->Wm, n, j->z, 1.0, x);
}

aedyn_status aedyn__ode_jac_dense(aedyn_ode *o, aedyn__ode_jac *j, const double *y, double *J)
{
    const size_t K = o->K, P = o->P, n = j->n, b = 2 * K;
    if (jac_eval(o, j, o->t, y, true) < 0) {
        if (aedyn__ode_prepare(o, o->t, y) != AEDYN_OK)
            return aedyn__fail(AEDYN_ERR_INVALID, "ODE Jacobian at t = %g: a schedule failed: "
                               "%s", o->t, aedyn_error_message());
        return aedyn__fail(AEDYN_ERR_DIVERGED, "ODE Jacobian at t = %g: not finite", o->t);
    }
    /* U V^T: J (n x n) = Ur^T Vr for the p x n row-major views of U and V */
    aedyn_status st = aedyn__gemm(true, false, n, n, j->p, 1.0, j->Um, n, j->Vm, n, 0.0, J, n);
    if (st)
        return st;
    double *B = j->Sblk;
    for (size_t tau = 0; tau < P; tau++) {
        block_L(o, j, tau, B);
        for (size_t c = 0; c < b; c++) {
            const size_t col = c < K ? tau * K + c : P * K + tau * K + (c - K);
            for (size_t r = 0; r < b; r++) {
                const size_t row = r < K ? tau * K + r : P * K + tau * K + (r - K);
                J[row * n + col] += B[c * b + r];
            }
        }
    }
    return aedyn__check_finite("ODE Jacobian", "the Jacobian", J, n * n);
}
