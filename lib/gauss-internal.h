/* Gaussian expectations of activations (docs/theory.md section 4): closed
 * forms for the built-in activations and a generic quadrature path for any
 * activation, shared by the network (population error) and the ODE.
 *
 * Conventions used throughout:
 *  - g^(n) is the n-th derivative of the activation; for ReLU, g'' and g'''
 *    are the distributional derivatives (delta(x) and delta'(x)).
 *  - A 1-D field is x = b + sqrt(Q) z with z ~ N(0, 1); a 2-D field is
 *    (x1, x2) = (b1, b2) + y with y ~ N(0, C), C = [[c11, c12], [c12, c22]].
 *  - Inputs are sanitised, never rejected: negative variances are clamped to
 *    0 and |c12| to sqrt(c11 c22), so perfectly correlated and degenerate
 *    covariances give finite results (no NaN).
 *  - A field with zero variance is deterministic: expectations are the point
 *    values of the library's own functions (ReLU: g'(0) = 0, and the
 *    distributional g'', g''' are taken as 0, their value almost everywhere).
 *
 * Nothing here allocates or touches global state; every function is
 * reentrant. Never installed. */
#ifndef AEDYN_GAUSS_INTERNAL_H
#define AEDYN_GAUSS_INTERNAL_H

#include "common-private.h"

/** Largest Gauss-Hermite order of a workspace. */
#define AEDYN__GH_MAX 128
/** Default Gauss-Hermite order for user activations. */
#define AEDYN__GH_DEFAULT 64

/**
 * Gauss-Hermite rule for the standard normal weight, owned by the caller
 * (plain data: allocate with malloc/calloc and release with free, or keep it
 * on the stack). Only the user-activation path needs it.
 */
typedef struct aedyn__gauss_ws {
    size_t n;                 /**< number of nodes */
    double z[AEDYN__GH_MAX];  /**< nodes, increasing */
    double w[AEDYN__GH_MAX];  /**< weights, summing to 1: E f(z) ~ sum_i w_i f(z_i) */
} aedyn__gauss_ws;

/**
 * Compute an n-point Gauss-Hermite rule for N(0, 1) into @p ws (Newton
 * iteration on the orthonormal Hermite recurrence).
 * @param n 1 <= n <= AEDYN__GH_MAX
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE (n out of range),
 *         AEDYN_ERR_NUMERIC (Newton did not converge)
 */
aedyn_status aedyn__gauss_ws_init(aedyn__gauss_ws *ws, size_t n);

/**
 * An activation as seen by the expectation routines: a built-in one
 * (fn[0] == NULL) or user functions g = fn[0], g' = fn[1], g'' = fn[2]
 * (all three non-NULL) called with @p user.
 */
typedef struct aedyn__gact {
    aedyn_net_activation builtin; /**< used when fn[0] == NULL */
    aedyn_ode_act_fn fn[3];       /**< user g, g', g'' or all NULL */
    void *user;               /**< passed to the user functions */
} aedyn__gact;

/** Descriptor of a built-in activation. */
static inline aedyn__gact aedyn__gact_builtin(aedyn_net_activation act)
{
    aedyn__gact a = {act, {NULL, NULL, NULL}, NULL};
    return a;
}

/** True when @p a is one of the built-in activations. */
static inline bool aedyn__gact_is_builtin(const aedyn__gact *a) { return a->fn[0] == NULL; }

/**
 * g^(order)(x) of a built-in activation, order 0..2 (ReLU: g'' = 0 a.e.).
 */
double aedyn__act_eval(aedyn_net_activation act, int order, double x);

/* ---- one-dimensional expectations ---------------------------------------- */

/**
 * Closed form of E g^(order)(x), x = b + sqrt(Q) z, for a built-in activation,
 * order 0..3 (any bias):
 *  - linear: b, 1, 0, 0
 *  - erf:    erf(b/sqrt(2(1+Q))), sqrt(2/pi) e^{-b^2/(2(1+Q))}/sqrt(1+Q),
 *            then times -b/(1+Q) and (b^2/(1+Q)^2 - 1/(1+Q))
 *  - ReLU:   s phi(b/s) + b Phi(b/s), Phi(b/s), phi(b/s)/s, -b phi(b/s)/s^3
 *            (s = sqrt(Q))
 */
double aedyn__gauss1_closed(aedyn_net_activation act, int order, double Q, double b);

/**
 * E g^(order)(x), x = b + sqrt(Q) z, by adaptive Gauss-Kronrod quadrature of
 * the activation's own functions over z in [-10, 10] (split at z = -b/s and
 * around it), order 0..3. Order 3 uses Stein's lemma,
 * E g'''(x) = E[z g''(x)]/sqrt(Q). Q = 0 gives the point value g^(order)(b)
 * (order 3 of a user activation: a central difference of g''). For a built-in
 * ReLU the delta of order 2 and 3 is integrated exactly. Accuracy ~1e-13
 * relative to E|integrand|.
 * @param ws unused (may be NULL); kept so that all generic calls look alike
 */
double aedyn__gauss1_quad(const aedyn__gact *a, const aedyn__gauss_ws *ws, int order, double Q,
                          double b);

/** E g^(order)(x): closed form for a built-in activation, quadrature otherwise. */
double aedyn__gauss1(const aedyn__gact *a, const aedyn__gauss_ws *ws, int order, double Q,
                     double b);

/* ---- two-dimensional expectations ---------------------------------------- */

/**
 * Closed form of E[g^(m)(x1) g^(n)(x2)] (orders 0..2) where one exists:
 *  - linear: every (m, n), any bias;
 *  - erf:    (m, n) in {(1,0), (0,1), (1,1), (2,0), (0,2)} with any bias (the
 *            Gaussian g' tilts the measure), and (0,0) without bias (I2);
 *  - ReLU:   (0,0), (1,0), (0,1), (1,1), (2,0), (0,2) without bias.
 * @param out receives the value when the function returns true
 * @return false when no closed form is implemented (nothing written)
 */
bool aedyn__gauss2_closed(aedyn_net_activation act, int m, int n, double c11, double c12, double c22,
                          double b1, double b2, double *out);

/**
 * E[g^(m)(x1) g^(n)(x2)] (orders 0..2) by quadrature, for any activation and
 * biases. x2 is conditioned on x1 = b1 + sqrt(c11) z; the inner expectation
 * over x2 | z is the 1-D closed form for a built-in activation; for user
 * functions it is the @p ws Gauss-Hermite sum when the conditional standard
 * deviation is <= 2, adaptive Gauss-Kronrod otherwise. The outer integral over
 * z in [-10, 10] is adaptive Gauss-Kronrod (21 points, QUADPACK error
 * estimate) with panels cut at the kink/centre of g^(m)(x1) and where the
 * conditional mean of x2 crosses the kink/centre of g^(n), plus cuts at 8
 * feature widths on either side (so that a steep but smooth feature next to a
 * cut cannot hide between nodes). A ReLU delta (order 2) is integrated exactly
 * through the conditional density. Accuracy ~1e-13 relative to E|integrand|
 * for built-in activations (measured <= 1e-14 against every closed form, also
 * for near-singular C); user activations should be smooth (a kink is resolved
 * in the outer integral only). Cost ~5-10 us for built-in activations,
 * ~0.1-0.3 ms for user functions (64-point rule).
 * @param ws Gauss-Hermite rule for user activations (NULL: a default rule is
 *           computed on the stack at each call); ignored for built-in ones
 */
double aedyn__gauss2_quad(const aedyn__gact *a, const aedyn__gauss_ws *ws, int m, int n,
                          double c11, double c12, double c22, double b1, double b2);

/** E[g^(m)(x1) g^(n)(x2)]: closed form where aedyn__gauss2_closed() has one
 *  for a built-in activation, quadrature otherwise. */
double aedyn__gauss2(const aedyn__gact *a, const aedyn__gauss_ws *ws, int m, int n, double c11,
                     double c12, double c22, double b1, double b2);

/* ---- closed forms of the docs/theory.md table (no bias) ------------------------ */

/** I2 = E[g(x1) g(x2)] for y ~ N(0, C) without bias. */
double aedyn__gauss_I2(aedyn_net_activation act, double c11, double c12, double c22);

/**
 * I3 = E[g'(x1) x2 g(x3)] for (x1, x2, x3) ~ N(0, C) without bias.
 * @param C 3 x 3 row-major covariance (only c11, c12, c13, c23, c33 are used;
 *          by Stein I3 = c12 E[g''(x1) g(x3)] + c23 E[g'(x1) g'(x3)])
 */
double aedyn__gauss_I3(aedyn_net_activation act, const double C[9]);

/* ---- the population error --------------------------------------------------- */

/**
 * The population error of K units of a built-in activation (docs/theory.md
 * section 3 and "Denoising autoencoders"):
 *   eps = (1 - c a)^2 Tr Omega / (2 D) + c^2 sigma_n^2 / 2 - sum_k R^kk E g'_k
 *         + 1/2 sum_kl T0^kl E[g_k g_l],
 * the expectations over the fields lambda ~ N(beta, Q).
 * For the plain autoencoder a = 1, sigma_n = c = 0. Q, R, T0: K x K row-major.
 */
double aedyn__gauss_error(aedyn_net_activation act, size_t K, double trace, size_t D, double a,
                          double sigma_n, double c, const double *beta, const double *Q,
                          const double *R, const double *T0);

/* ---- standard normal helpers ---------------------------------------------- */

/** Standard normal density phi(t). */
static inline double aedyn__npdf(double t) { return 0.39894228040143267794 * exp(-0.5 * t * t); }

/** Standard normal distribution function Phi(t) (accurate in both tails). */
static inline double aedyn__ncdf(double t) { return 0.5 * erfc(-t * 0.70710678118654752440); }

#endif

