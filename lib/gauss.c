/* Gaussian expectations of activations (docs/theory.md section 4).
 *
 * Closed forms: 1-D moments E g^(n)(b + sqrt(Q) z) of every built-in
 * activation with bias; 2-D products E[g^(m)(x1) g^(n)(x2)] of the docs/theory.md
 * table (no bias), the erf products that involve a g' or g'' with bias (the
 * Gaussian g' of erf tilts the measure into another Gaussian), and I3.
 *
 * Generic path: x2 is conditioned on x1; the inner conditional expectation is
 * a 1-D closed form (built-in activations) or a Gauss-Hermite sum (user
 * functions), the outer integral is adaptive Gauss-Kronrod split at the kinks.
 * Every conventions note is in gauss-internal.h. No allocation, no globals. */
#include <float.h>
#include "gauss-internal.h"
#include "act-internal.h"

#define TWO_OVER_PI_ 0.63661977236758134308
#define INV_SQRT_2PI_ 0.39894228040143267794
#define ZMAX_ 10.0       /* outer integrals run over z in [-ZMAX_, ZMAX_] */
#define MAX_PANELS_ 256  /* adaptive subdivision limit */
#define QUAD_RTOL_ 1e-13 /* target error relative to E|integrand| */
#define GH_SMAX_ 2.0     /* Gauss-Hermite inner sums up to this conditional std */

/* ---- small helpers ---------------------------------------------------------- */

static double clamp1(double x) { return x > 1.0 ? 1.0 : (x < -1.0 ? -1.0 : x); }
static double pos(double x) { return x > 0.0 ? x : 0.0; }

/* Clamp a 2-D covariance to a valid one: variances >= 0, |c12| <= sqrt(c11 c22). */
static void sanitise2(double *c11, double *c12, double *c22)
{
    *c11 = pos(*c11);
    *c22 = pos(*c22);
    const double lim = sqrt(*c11 * *c22);
    if (*c12 > lim)
        *c12 = lim;
    else if (*c12 < -lim)
        *c12 = -lim;
}

/* Correlation coefficient, 0 when a variance is 0, clamped to [-1, 1]. */
static double corr(double c11, double c12, double c22)
{
    const double nn = sqrt(c11 * c22);
    return nn > 0.0 ? clamp1(c12 / nn) : 0.0;
}

/* asin(c12 / sqrt(c11 c22)) as atan2(c12, sqrt(det)): exact +-pi/2 at perfect
 * correlation (where asin of a rounded correlation loses half the digits). */
static double asin_corr(double c11, double c12, double c22)
{
    return atan2(c12, sqrt(pos(c11 * c22 - c12 * c12)));
}

double aedyn__act_eval(aedyn_net_activation act, int order, double x)
{
    switch (order) {
    case 0: return aedyn__act_g(act, x);
    case 1: return aedyn__act_dg(act, x);
    default: return act == AEDYN_NET_ACT_ERF ? -x * aedyn__act_dg(act, x) : 0.0;
    }
}

/* Width (in x) of the smooth feature of g around 0: 0 for the kink of ReLU
 * (an exact cut) and for linear, 1 for erf and assumed 1 for user functions. */
static double feature_width(const aedyn__gact *a)
{
    if (!aedyn__gact_is_builtin(a))
        return 1.0;
    return a->builtin == AEDYN_NET_ACT_ERF ? 1.0 : 0.0;
}

/* True when g^(order) is a delta function (ReLU's distributional g''). */
static bool is_delta(const aedyn__gact *a, int order)
{
    return aedyn__gact_is_builtin(a) && a->builtin == AEDYN_NET_ACT_RELU && order == 2;
}

/* ---- Gauss-Hermite rule ----------------------------------------------------- */

/* Orthonormal Hermite polynomial p_n(x) (weight e^{-x^2}) and p_{n-1}. */
static void hermite_pn(size_t n, double x, double *pn, double *pn1)
{
    double p1 = 0.7511255444649425, p2 = 0.0; /* pi^{-1/4} */
    for (size_t j = 1; j <= n; j++) {
        const double p3 = p2;
        p2 = p1;
        p1 = x * sqrt(2.0 / (double)j) * p2 - sqrt((double)(j - 1) / (double)j) * p3;
    }
    *pn = p1;
    *pn1 = p2;
}

/* Initial guess of the i-th largest root (0-based) of H_n (Numerical Recipes). */
static double hermite_guess(size_t n, size_t i, const double *x)
{
    const double nd = (double)n;
    if (i == 0)
        return sqrt(2.0 * nd + 1.0) - 1.85575 * pow(2.0 * nd + 1.0, -0.16667);
    if (i == 1)
        return x[0] - 1.14 * pow(nd, 0.426) / x[0];
    if (i == 2)
        return 1.86 * x[1] - 0.86 * x[0];
    if (i == 3)
        return 1.91 * x[2] - 0.91 * x[1];
    return 2.0 * x[i - 1] - x[i - 2];
}

aedyn_status aedyn__gauss_ws_init(aedyn__gauss_ws *ws, size_t n)
{
    AEDYN__REQUIRE_NONNULL(ws);
    if (n < 1 || n > AEDYN__GH_MAX)
        return aedyn__fail(AEDYN_ERR_SIZE, "Gauss-Hermite order must be in 1..%d (got %zu)",
                           AEDYN__GH_MAX, n);
    double x[AEDYN__GH_MAX], w[AEDYN__GH_MAX];
    const size_t half = (n + 1) / 2;
    for (size_t i = 0; i < half; i++) {
        double z = hermite_guess(n, i, x), pn = 0.0, pn1 = 0.0, pp = 1.0;
        int it;
        for (it = 0; it < 100; it++) {
            hermite_pn(n, z, &pn, &pn1);
            pp = sqrt(2.0 * (double)n) * pn1;
            const double dz = pn / pp;
            z -= dz;
            if (fabs(dz) <= 1e-15 * fmax(1.0, fabs(z)))
                break;
        }
        if (it == 100 || !isfinite(z))
            return aedyn__fail(AEDYN_ERR_NUMERIC, "Gauss-Hermite: Newton failed for n = %zu", n);
        hermite_pn(n, z, &pn, &pn1);
        pp = sqrt(2.0 * (double)n) * pn1;
        x[i] = z;
        w[i] = 2.0 / (pp * pp);
    }
    /* roots x[0] > x[1] > ... >= 0; map to the N(0, 1) weight, increasing */
    ws->n = n;
    for (size_t i = 0; i < half; i++) {
        const double zn = AEDYN__SQRT2 * x[i], wn = w[i] / 1.7724538509055160273;
        ws->z[i] = -zn;
        ws->w[i] = wn;
        ws->z[n - 1 - i] = zn;
        ws->w[n - 1 - i] = wn;
    }
    if (n % 2 == 1)
        ws->z[half - 1] = 0.0;
    return AEDYN_OK;
}

/* ---- adaptive Gauss-Kronrod ------------------------------------------------- */

typedef double (*integrand_fn_)(double z, const void *ctx);

typedef struct {
    double a, b, res, err, resabs;
} panel_;

/* QUADPACK's 21-point Kronrod rule extending the 10-point Gauss rule. */
static const double xgk_[11] = {
    0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
    0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
    0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
    0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
    0.294392862701460198131126603103866, 0.148874338981631210884826001129720,
    0.0};
static const double wgk_[11] = {
    0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
    0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
    0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
    0.123491976262065851077958109831074, 0.134709217311473325928054001771707,
    0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
    0.149445554002916905664936468389821};
static const double wg_[5] = {
    0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
    0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
    0.295524224714752870173892994651338};

/* One GK21 panel on [p->a, p->b], with QUADPACK's error estimate. */
static void gk21(integrand_fn_ f, const void *ctx, panel_ *p)
{
    const double c = 0.5 * (p->a + p->b), h = 0.5 * (p->b - p->a);
    double fv[21];
    fv[10] = f(c, ctx);
    for (int j = 0; j < 10; j++) {
        fv[j] = f(c - h * xgk_[j], ctx);
        fv[20 - j] = f(c + h * xgk_[j], ctx);
    }
    double rk = wgk_[10] * fv[10], rg = 0.0, ra = fabs(rk);
    for (int j = 0; j < 10; j++) {
        const double s = fv[j] + fv[20 - j];
        rk += wgk_[j] * s;
        ra += wgk_[j] * (fabs(fv[j]) + fabs(fv[20 - j]));
        if (j % 2 == 1)
            rg += wg_[j / 2] * s;
    }
    const double mean = 0.5 * rk;
    double rasc = wgk_[10] * fabs(fv[10] - mean);
    for (int j = 0; j < 10; j++)
        rasc += wgk_[j] * (fabs(fv[j] - mean) + fabs(fv[20 - j] - mean));
    double err = fabs((rk - rg) * h);
    rasc *= fabs(h);
    if (rasc != 0.0 && err != 0.0)
        err = rasc * fmin(1.0, pow(200.0 * err / rasc, 1.5));
    p->res = rk * h;
    p->resabs = ra * fabs(h);
    p->err = fmax(err, 50.0 * DBL_EPSILON * p->resabs);
}

static void sort_small(double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && x[j - 1] > x[j]; j--) {
            const double t = x[j];
            x[j] = x[j - 1];
            x[j - 1] = t;
        }
}

/* Append the cut z = c of a feature of width w (in z units): c itself and,
 * for 0 < w, c -+ 8w, so that no panel is much wider than a smooth feature next
 * to it (a Gauss-Kronrod panel cannot refine what none of its nodes sees). */
static void add_feature(double *cuts, size_t *n, double c, double w)
{
    if (!isfinite(c))
        return;
    cuts[(*n)++] = c;
    if (w > 0.0 && 8.0 * w < ZMAX_) {
        cuts[(*n)++] = c - 8.0 * w;
        cuts[(*n)++] = c + 8.0 * w;
    }
}

#define MAX_CUTS_ 6

/* Integral of f over [-ZMAX_, ZMAX_], with the n <= MAX_CUTS_ points cuts[]
 * (any order, outside points ignored) as initial panel boundaries; bisects the
 * panel of largest error until the total error is below QUAD_RTOL_ E|f|. */
static double integrate(integrand_fn_ f, const void *ctx, const double *cuts, size_t n)
{
    double pts[MAX_CUTS_ + 2] = {-ZMAX_};
    size_t np = 1;
    for (size_t i = 0; i < n && i < MAX_CUTS_; i++)
        if (cuts[i] > -ZMAX_ && cuts[i] < ZMAX_)
            pts[np++] = cuts[i];
    sort_small(pts + 1, np - 1);
    pts[np++] = ZMAX_;
    panel_ pan[MAX_PANELS_];
    size_t count = 0;
    for (size_t i = 0; i + 1 < np; i++) {
        if (pts[i + 1] - pts[i] <= 1e-14 * ZMAX_)
            continue;
        pan[count].a = pts[i];
        pan[count].b = pts[i + 1];
        gk21(f, ctx, &pan[count++]);
    }
    for (;;) {
        double res = 0.0, err = 0.0, rabs = 0.0;
        size_t worst = 0;
        for (size_t i = 0; i < count; i++) {
            res += pan[i].res;
            err += pan[i].err;
            rabs += pan[i].resabs;
            if (pan[i].err > pan[worst].err)
                worst = i;
        }
        if (err <= QUAD_RTOL_ * rabs || count == MAX_PANELS_ || !isfinite(err))
            return res;
        const double mid = 0.5 * (pan[worst].a + pan[worst].b);
        if (!(mid > pan[worst].a && mid < pan[worst].b))
            return res; /* cannot split further */
        pan[count].a = mid;
        pan[count].b = pan[worst].b;
        pan[worst].b = mid;
        gk21(f, ctx, &pan[worst]);
        gk21(f, ctx, &pan[count++]);
    }
}

/* ---- 1-D closed forms ------------------------------------------------------- */

static double erf_moment(int order, double Q, double b)
{
    const double v = 1.0 + Q;
    if (order == 0)
        return erf(b / sqrt(2.0 * v));
    const double m1 = AEDYN__SQRT_2_OVER_PI * exp(-0.5 * b * b / v) / sqrt(v);
    if (order == 1)
        return m1;
    if (order == 2)
        return -b / v * m1;
    return m1 * (b * b / (v * v) - 1.0 / v);
}

static double relu_moment(int order, double Q, double b)
{
    if (Q <= 0.0) /* deterministic field: point values, g'' = g''' = 0 a.e. */
        return order == 0 ? pos(b) : (order == 1 ? (b > 0.0 ? 1.0 : 0.0) : 0.0);
    const double s = sqrt(Q), t = b / s, ph = aedyn__npdf(t);
    if (order >= 2 && ph == 0.0) /* far tail (also avoids inf * 0) */
        return 0.0;
    switch (order) {
    case 0: return s * ph + b * aedyn__ncdf(t);
    case 1: return aedyn__ncdf(t);
    case 2: return ph / s;
    default: return -t * ph / Q;
    }
}

double aedyn__gauss1_closed(aedyn_net_activation act, int order, double Q, double b)
{
    Q = pos(Q);
    switch (act) {
    case AEDYN_NET_ACT_ERF: return erf_moment(order, Q, b);
    case AEDYN_NET_ACT_RELU: return relu_moment(order, Q, b);
    default: return order == 0 ? b : (order == 1 ? 1.0 : 0.0);
    }
}

/* ---- 1-D quadrature --------------------------------------------------------- */

/* g^(order)(x) of a built-in or user activation (order 0..2). */
static double gact_eval(const aedyn__gact *a, int order, double x)
{
    if (aedyn__gact_is_builtin(a))
        return aedyn__act_eval(a->builtin, order, x);
    return a->fn[order](x, a->user);
}

/* g'''(x): exact for built-in activations (ReLU: 0 a.e.), a central
 * difference of the user's g'' otherwise. */
static double third_derivative(const aedyn__gact *a, double x)
{
    if (aedyn__gact_is_builtin(a))
        return a->builtin == AEDYN_NET_ACT_ERF ? (x * x - 1.0) * aedyn__act_dg(AEDYN_NET_ACT_ERF, x) : 0.0;
    const double h = 1e-4 * fmax(1.0, fabs(x));
    return (a->fn[2](x + h, a->user) - a->fn[2](x - h, a->user)) / (2.0 * h);
}

typedef struct {
    const aedyn__gact *a;
    int order;     /* 0..2: g^(order); 3: z g''(x) (Stein) */
    double b, s;   /* x = b + s z */
} ctx1_;

static double integrand1(double z, const void *vctx)
{
    const ctx1_ *c = vctx;
    const double x = c->b + c->s * z;
    if (c->order == 3)
        return aedyn__npdf(z) * z * gact_eval(c->a, 2, x);
    return aedyn__npdf(z) * gact_eval(c->a, c->order, x);
}

double aedyn__gauss1_quad(const aedyn__gact *a, const aedyn__gauss_ws *ws, int order, double Q,
                          double b)
{
    (void)ws;
    const double s = sqrt(pos(Q));
    if (s == 0.0) /* deterministic field: point values */
        return order < 3 ? gact_eval(a, order, b) : third_derivative(a, b);
    if (is_delta(a, 2) && order >= 2) {
        /* E delta(b + s z) = phi(z*)/s; order 3 by Stein: E[z delta]/s */
        const double zs = -b / s, d = aedyn__npdf(zs) / s;
        return order == 2 ? d : zs * d / s;
    }
    ctx1_ c = {a, order, b, s};
    double cuts[MAX_CUTS_];
    size_t nc = 0;
    add_feature(cuts, &nc, -b / s, feature_width(a) / s);
    const double r = integrate(integrand1, &c, cuts, nc);
    return order == 3 ? r / s : r;
}

double aedyn__gauss1(const aedyn__gact *a, const aedyn__gauss_ws *ws, int order, double Q,
                     double b)
{
    if (aedyn__gact_is_builtin(a))
        return aedyn__gauss1_closed(a->builtin, order, Q, b);
    return aedyn__gauss1_quad(a, ws, order, Q, b);
}

/* ---- 2-D closed forms ------------------------------------------------------- */

double aedyn__gauss_I2(aedyn_net_activation act, double c11, double c12, double c22)
{
    sanitise2(&c11, &c12, &c22);
    switch (act) {
    case AEDYN_NET_ACT_ERF:
        return TWO_OVER_PI_ * asin_corr(1.0 + c11, c12, 1.0 + c22);
    case AEDYN_NET_ACT_RELU: {
        if (c11 * c22 <= 0.0)
            return 0.0;
        /* pi - acos(rho) = pi/2 + asin(rho) */
        const double det = pos(c11 * c22 - c12 * c12);
        return (sqrt(det) + c12 * (0.5 * AEDYN__PI + asin_corr(c11, c12, c22))) / (2.0 * AEDYN__PI);
    }
    default:
        return c12;
    }
}

/* erf: the weight g'(x1 + b1) turns N(b, C) into a Gaussian; returns its mass
 * (including sqrt(2/pi)) and the mean mt and variance vt of x2 under it. */
static double erf_tilt(double c11, double c12, double c22, double b1, double b2, double *mt,
                       double *vt)
{
    const double v1 = 1.0 + c11;
    *mt = b2 - b1 * c12 / v1;
    *vt = pos(c22 - c12 * c12 / v1);
    return AEDYN__SQRT_2_OVER_PI * exp(-0.5 * b1 * b1 / v1) / sqrt(v1);
}

/* erf: E[g^(m)(x1) g^(n)(x2)] for m >= n, m >= 1 (false for (1,2), (2,1), (2,2)). */
static bool erf_closed(int m, int n, double c11, double c12, double c22, double b1, double b2,
                       double *out)
{
    if (n > 0 && m + n > 2)
        return false;
    double mt, vt;
    const double mass = erf_tilt(c11, c12, c22, b1, b2, &mt, &vt);
    const double e0 = erf_moment(0, vt, mt), e1 = erf_moment(1, vt, mt);
    if (m == 1)
        *out = mass * (n == 0 ? e0 : e1);
    else /* E[-(x1) g'(x1) g(x2)]: tilted mean of x1 is b1/(1+c11), covariance c12/(1+c11) */
        *out = -mass * (b1 * e0 + c12 * e1) / (1.0 + c11);
    return true;
}

/* ReLU without bias: E[g^(m)(x1) g^(n)(x2)] for m >= n. */
static bool relu_closed(int m, int n, double c11, double c12, double c22, double *out)
{
    const double rho = corr(c11, c12, c22);
    if (m == 0)
        *out = aedyn__gauss_I2(AEDYN_NET_ACT_RELU, c11, c12, c22);
    else if (m == 1 && n == 0) /* E[H(x1) relu(x2)] */
        *out = c11 > 0.0 ? sqrt(c22) * INV_SQRT_2PI_ * 0.5 * (1.0 + rho) : 0.0;
    else if (m == 1 && n == 1) /* P(x1 > 0, x2 > 0) */
        *out = c11 * c22 > 0.0 ? 0.25 + asin_corr(c11, c12, c22) / (2.0 * AEDYN__PI) : 0.0;
    else if (m == 2 && n == 0) /* E[delta(x1) relu(x2)] */
        *out = c11 > 0.0 ? sqrt(pos(c11 * c22 - c12 * c12)) / (2.0 * AEDYN__PI * c11) : 0.0;
    else
        return false;
    return true;
}

static double linear_closed(int m, int n, double c12, double b1, double b2)
{
    if (m == 0 && n == 0)
        return c12 + b1 * b2;
    if (m == 2 || n == 2)
        return 0.0;
    return m == 1 ? (n == 1 ? 1.0 : b2) : b1;
}

bool aedyn__gauss2_closed(aedyn_net_activation act, int m, int n, double c11, double c12, double c22,
                          double b1, double b2, double *out)
{
    sanitise2(&c11, &c12, &c22);
    if (act == AEDYN_NET_ACT_LINEAR) {
        *out = linear_closed(m, n, c12, b1, b2);
        return true;
    }
    if (m < n) { /* order so that m >= n */
        const int t = m;
        m = n;
        n = t;
        const double tc = c11, tb = b1;
        c11 = c22;
        c22 = tc;
        b1 = b2;
        b2 = tb;
    }
    if (act == AEDYN_NET_ACT_ERF) {
        if (m == 0) {
            if (b1 != 0.0 || b2 != 0.0)
                return false;
            *out = aedyn__gauss_I2(act, c11, c12, c22);
            return true;
        }
        return erf_closed(m, n, c11, c12, c22, b1, b2, out);
    }
    if (b1 != 0.0 || b2 != 0.0)
        return false;
    return relu_closed(m, n, c11, c12, c22, out);
}

double aedyn__gauss_I3(aedyn_net_activation act, const double C[9])
{
    double c11 = C[0], c12 = C[1], c13 = C[2], c23 = C[5], c33 = C[8];
    sanitise2(&c11, &c13, &c33);
    switch (act) {
    case AEDYN_NET_ACT_ERF: {
        const double v1 = 1.0 + c11;
        return TWO_OVER_PI_ * (c23 * v1 - c12 * c13) / (v1 * sqrt(v1 * (1.0 + c33) - c13 * c13));
    }
    case AEDYN_NET_ACT_RELU: {
        if (c11 * c33 <= 0.0)
            return 0.0;
        return c12 * sqrt(pos(c11 * c33 - c13 * c13)) / (2.0 * AEDYN__PI * c11) +
               c23 * (0.25 + asin_corr(c11, c13, c33) / (2.0 * AEDYN__PI));
    }
    default:
        return c23;
    }
}

/* ---- 2-D quadrature --------------------------------------------------------- */

typedef struct {
    const aedyn__gact *a;
    const aedyn__gauss_ws *ws;
    int m, n;
    double b1, s1;  /* x1 = b1 + s1 z */
    double b2, a2;  /* conditional mean of x2: b2 + a2 z */
    double v2;      /* conditional variance of x2 */
} ctx2_;

/* E[g^(n)(mean + sqrt(var) u)], u ~ N(0, 1): closed form or Gauss-Hermite. */
static double inner(const ctx2_ *c, double mean)
{
    if (aedyn__gact_is_builtin(c->a))
        return aedyn__gauss1_closed(c->a->builtin, c->n, c->v2, mean);
    if (c->v2 <= 0.0)
        return gact_eval(c->a, c->n, mean);
    const double s = sqrt(c->v2);
    if (s > GH_SMAX_) { /* too wide for the fixed rule: adaptive, like the 1-D path */
        ctx1_ c1 = {c->a, c->n, mean, s};
        double cuts[MAX_CUTS_];
        size_t nc = 0;
        add_feature(cuts, &nc, -mean / s, feature_width(c->a) / s);
        return integrate(integrand1, &c1, cuts, nc);
    }
    double r = 0.0;
    for (size_t i = 0; i < c->ws->n; i++)
        r += c->ws->w[i] * c->a->fn[c->n](mean + s * c->ws->z[i], c->a->user);
    return r;
}

static double integrand2(double z, const void *vctx)
{
    const ctx2_ *c = vctx;
    const double f1 = gact_eval(c->a, c->m, c->b1 + c->s1 * z);
    if (f1 == 0.0)
        return 0.0;
    return aedyn__npdf(z) * f1 * inner(c, c->b2 + c->a2 * z);
}

double aedyn__gauss2_quad(const aedyn__gact *a, const aedyn__gauss_ws *ws, int m, int n,
                          double c11, double c12, double c22, double b1, double b2)
{
    aedyn__gauss_ws local;
    if (!aedyn__gact_is_builtin(a) && ws == NULL) {
        aedyn__gauss_ws_init(&local, AEDYN__GH_DEFAULT);
        ws = &local;
    }
    sanitise2(&c11, &c12, &c22);
    if (is_delta(a, n) && !is_delta(a, m)) { /* put the delta outside */
        const int t = m;
        m = n;
        n = t;
        const double tc = c11, tb = b1;
        c11 = c22;
        c22 = tc;
        b1 = b2;
        b2 = tb;
    }
    ctx2_ c = {a, ws, m, n, b1, sqrt(c11), b2, 0.0, c22};
    if (c.s1 == 0.0) /* deterministic x1 */
        return is_delta(a, m) ? 0.0 : gact_eval(a, m, b1) * inner(&c, b2);
    c.a2 = c12 / c.s1;
    /* conditional variance det/c11, zero within rounding of c22 (perfect correlation) */
    c.v2 = pos(c11 * c22 - c12 * c12) / c11;
    if (c.v2 <= 8.0 * DBL_EPSILON * c22)
        c.v2 = 0.0;
    if (is_delta(a, m)) { /* E[delta(x1) h(x2)] = phi(z*)/s1 E[h(x2) | z = z*] */
        const double zs = -b1 / c.s1;
        return aedyn__npdf(zs) / c.s1 * inner(&c, b2 + c.a2 * zs);
    }
    double cuts[MAX_CUTS_];
    size_t nc = 0;
    const double h = feature_width(a);
    add_feature(cuts, &nc, -b1 / c.s1, h / c.s1);
    if (c.a2 != 0.0) /* where the conditional mean of x2 crosses the feature */
        add_feature(cuts, &nc, -b2 / c.a2, sqrt(h * h + c.v2) / fabs(c.a2));
    return integrate(integrand2, &c, cuts, nc);
}

double aedyn__gauss2(const aedyn__gact *a, const aedyn__gauss_ws *ws, int m, int n, double c11,
                     double c12, double c22, double b1, double b2)
{
    double r;
    if (aedyn__gact_is_builtin(a) && aedyn__gauss2_closed(a->builtin, m, n, c11, c12, c22, b1, b2, &r))
        return r;
    return aedyn__gauss2_quad(a, ws, m, n, c11, c12, c22, b1, b2);
}

double aedyn__gauss_error(aedyn_net_activation act, size_t K, double trace, size_t D, double a,
                          double sigma_n, double c, const double *beta, const double *Q,
                          const double *R, const double *T0)
{
    const aedyn__gact g = aedyn__gact_builtin(act);
    const double ca = 1.0 - c * a;
    double err = ca * ca * trace / (2.0 * (double)D) + 0.5 * c * c * sigma_n * sigma_n;
    for (size_t k = 0; k < K; k++) {
        const double qk = Q[k * K + k];
        err -= R[k * K + k] * aedyn__gauss1_closed(act, 1, qk, beta[k]);
        err += 0.5 * T0[k * K + k] * aedyn__gauss2(&g, NULL, 0, 0, qk, qk, qk, beta[k], beta[k]);
        for (size_t l = k + 1; l < K; l++)
            err += T0[k * K + l] *
                   aedyn__gauss2(&g, NULL, 0, 0, qk, Q[k * K + l], Q[l * K + l], beta[k], beta[l]);
    }
    return err;
}
