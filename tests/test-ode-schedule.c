/* Schedules in the ODE and in SGD (docs/theory.md, "Schedules"): the exact
 * time-reparametrisation identity, landing on breakpoints, and SGD reading
 * the schedules at t = steps / D. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

enum { D_ = 200, K_ = 2 };

/* A denoising erf autoencoder with biases and a trained skip on a spiked
 * model, every rate equal to eta0 = 1: the system whose right-hand side is
 * eta(t) F(y) when one schedule drives every rate (no weight decay, constant
 * noise). */
typedef struct {
    aedyn_rng *rng;
    aedyn_data *data;
    aedyn_net *net;
} setup;

static void setup_make(setup *s)
{
    ck_assert_aedyn_ok(aedyn_rng_create(&s->rng, 11, 0));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&s->data, D_, 2, NULL, 1.0,
                                                AEDYN_DATA_SPIKES_RANDOM, s->rng,
                                                AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&s->net, D_, K_, AEDYN_NET_ACT_ERF,
                                        AEDYN_NET_BIAS | AEDYN_NET_SKIP));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(s->net, s->rng, 0.3));
    const double b[K_] = {0.1, -0.2};
    ck_assert_aedyn_ok(aedyn_net_set_weights(s->net, NULL, NULL, b));
    ck_assert_aedyn_ok(aedyn_net_set_skip(s->net, 0.1));
}

static void setup_free(setup *s)
{
    aedyn_net_destroy(s->net);
    aedyn_data_destroy(s->data);
    aedyn_rng_destroy(s->rng);
}

static aedyn_ode *make_ode(const setup *s, aedyn_ode_method m)
{
    aedyn_ode *o;
    ck_assert_aedyn_ok(aedyn_ode_create(&o, s->net, s->data, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_set_denoising(o, 0.9, 0.6));
    ck_assert_aedyn_ok(aedyn_ode_set_method(o, m, m == AEDYN_ODE_RK4 ? 1.0 / 128.0 : 0.0));
    ck_assert_aedyn_ok(aedyn_ode_set_tolerances(o, 1e-11, 1e-14));
    return o;
}

/* ---- the time-reparametrisation identity ----------------------------------------- */

typedef enum { F_POWER, F_EXPONENTIAL, F_PIECEWISE, F_COSINE, F_WARMUP, N_FORMS } form;

static const double pw_t[3] = {0.0, 1.5, 4.0}, pw_v[3] = {1.0, 0.3, 0.7};

static aedyn_schedule *make_schedule(form f)
{
    aedyn_schedule *s = NULL;
    switch (f) {
    case F_POWER: ck_assert_aedyn_ok(aedyn_schedule_create_power(&s, 1.0, 2.0, 0.7)); break;
    case F_EXPONENTIAL: ck_assert_aedyn_ok(aedyn_schedule_create_exponential(&s, 1.0, 3.0)); break;
    case F_PIECEWISE: ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&s, 3, pw_t, pw_v)); break;
    case F_COSINE: ck_assert_aedyn_ok(aedyn_schedule_create_cosine(&s, 1.0, 0.2, 5.0)); break;
    case F_WARMUP:
        ck_assert_aedyn_ok(aedyn_schedule_create_constant(&s, 1.0));
        ck_assert_aedyn_ok(aedyn_schedule_set_warmup(s, 2.0));
        break;
    default: break;
    }
    return s;
}

/* int_0^t eta(s) ds / eta0 (eta0 = 1), in closed form. */
static double tau_of(form f, double t)
{
    switch (f) {
    case F_POWER: return 2.0 * (pow(1.0 + t / 2.0, 0.3) - 1.0) / 0.3;
    case F_EXPONENTIAL: return 3.0 * (1.0 - exp(-t / 3.0));
    case F_PIECEWISE: {
        double s = 0.0;
        for (int i = 0; i < 3; i++) {
            const double lo = pw_t[i], hi = i < 2 ? pw_t[i + 1] : INFINITY;
            if (t > lo)
                s += pw_v[i] * (fmin(t, hi) - lo);
        }
        return s;
    }
    case F_COSINE: {
        const double T = 5.0, v0 = 1.0, vm = 0.2, u = fmin(t, T);
        return vm * u + 0.5 * (v0 - vm) * (u + T / 3.14159265358979323846 * sin(3.14159265358979323846 * u / T)) +
               vm * fmax(t - T, 0.0);
    }
    case F_WARMUP: return t <= 2.0 ? t * t / 4.0 : 1.0 + (t - 2.0);
    default: return NAN;
    }
}

/* With one schedule eta(t) on the encoder, decoder, bias and skip rates, no
 * weight decay and constant noise, the right-hand side is eta(t) F(y): the
 * trajectory is the constant-rate one at tau(t) = int_0^t eta / eta0. The
 * two ODEs are integrated independently (tolerance 1e-11) and compared at
 * six times: weights, biases, skip weight and error within 1e-7 relative
 * (to the norm of each). Methods: the default (automatic), DOPRI5, BDF, and
 * fixed-step RK4 against DOPRI5. */
START_TEST(time_reparametrisation)
{
    static const aedyn_ode_method methods[4] = {AEDYN_ODE_AUTO, AEDYN_ODE_DOPRI5, AEDYN_ODE_BDF,
                                                AEDYN_ODE_RK4};
    const form f = (form)(_i % N_FORMS);
    const aedyn_ode_method m = methods[_i / N_FORMS];
    setup su;
    setup_make(&su);
    aedyn_schedule *sc = make_schedule(f);
    /* RK4 with a fixed step of 1/128 (steps before breakpoints and output
     * times not on the grid are clipped): its global error is small here,
     * but a stage that read a schedule right of a breakpoint its step ends
     * on would cost O(h) ~ 1e-3 per jump */
    aedyn_ode *os = make_ode(&su, m), *oc = make_ode(&su, m == AEDYN_ODE_RK4 ? AEDYN_ODE_DOPRI5 : m);
    for (int g = AEDYN_SCHEDULE_ENCODER_RATE; g <= AEDYN_SCHEDULE_SKIP_RATE; g++)
        ck_assert_aedyn_ok(aedyn_ode_set_schedule(os, (aedyn_schedule_target)g, sc));
    aedyn_schedule_destroy(sc); /* the ODE has its copy */
    const double ts[6] = {0.7, 1.5, 2.0, 3.3, 5.0, 9.0};
    double Ws[K_ * D_], Vs[K_ * D_], Wc[K_ * D_], Vc[K_ * D_], worst = 0.0;
    for (int i = 0; i < 6; i++) {
        ck_assert_aedyn_ok(aedyn_ode_advance(os, ts[i]));
        ck_assert_aedyn_ok(aedyn_ode_advance(oc, tau_of(f, ts[i])));
        ck_assert_aedyn_ok(aedyn_ode_get_weights(os, Ws, Vs));
        ck_assert_aedyn_ok(aedyn_ode_get_weights(oc, Wc, Vc));
        double nw = 0.0, dw = 0.0, nv = 0.0, dv = 0.0;
        for (size_t j = 0; j < K_ * D_; j++) {
            nw += Wc[j] * Wc[j];
            dw += (Ws[j] - Wc[j]) * (Ws[j] - Wc[j]);
            nv += Vc[j] * Vc[j];
            dv += (Vs[j] - Vc[j]) * (Vs[j] - Vc[j]);
        }
        double bs[K_], bc[K_], cs, cc, es, ec;
        ck_assert_aedyn_ok(aedyn_ode_get_biases(os, bs));
        ck_assert_aedyn_ok(aedyn_ode_get_biases(oc, bc));
        ck_assert_aedyn_ok(aedyn_ode_get_skip(os, &cs));
        ck_assert_aedyn_ok(aedyn_ode_get_skip(oc, &cc));
        ck_assert_aedyn_ok(aedyn_ode_error(os, &es));
        ck_assert_aedyn_ok(aedyn_ode_error(oc, &ec));
        const double devs[5] = {sqrt(dw / nw), sqrt(dv / nv),
                                hypot(bs[0] - bc[0], bs[1] - bc[1]) / hypot(bc[0], bc[1]),
                                fabs(cs - cc) / fabs(cc), fabs(es - ec) / ec};
        for (int q = 0; q < 5; q++) {
            worst = fmax(worst, devs[q]);
            ck_assert_msg(devs[q] <= 1e-7, "form %d method %d t = %g: quantity %d deviates by %.2e",
                          f, m, ts[i], q, devs[q]);
        }
    }
    uint64_t nb, nf, nf0;
    ck_assert_aedyn_ok(aedyn_ode_get_stat(os, AEDYN_ODE_STAT_BREAKPOINTS, &nb));
    ck_assert_aedyn_ok(aedyn_ode_get_stat(os, AEDYN_ODE_STAT_RHS, &nf));
    ck_assert_aedyn_ok(aedyn_ode_get_stat(oc, AEDYN_ODE_STAT_RHS, &nf0));
    /* breakpoints before t = 9: piecewise 1.5, 4; cosine 5; warm-up 2 */
    const uint64_t expect_nb[N_FORMS] = {0, 0, 2, 1, 1};
    ck_assert_uint_eq(nb, expect_nb[f]);
    printf("schedule identity: form %d method %d: worst deviation %.2e; %llu breakpoints; "
           "%llu right-hand sides (constant rate to tau(9) = %.3g: %llu)\n", f, m, worst,
           (unsigned long long)nb, (unsigned long long)nf, tau_of(f, 9.0),
           (unsigned long long)nf0);
    fflush(stdout);
    aedyn_ode_destroy(os);
    aedyn_ode_destroy(oc);
    setup_free(&su);
}
END_TEST

/* ---- breakpoints ------------------------------------------------------------------ */

/* A piecewise learning rate with jumps at t = 1, 2, ..., 9: integrating to
 * t = 10 ends a step on every one of them, with every method (fixed-step
 * RK4 included), also when the calls end between breakpoints or on one. */
START_TEST(lands_on_every_breakpoint)
{
    static const aedyn_ode_method methods[5] = {AEDYN_ODE_AUTO, AEDYN_ODE_DOPRI5, AEDYN_ODE_BDF,
                                                AEDYN_ODE_RKC, AEDYN_ODE_RK4};
    const aedyn_ode_method m = methods[_i];
    setup su;
    setup_make(&su);
    double t[10], v[10];
    for (int i = 0; i < 10; i++) {
        t[i] = i;
        v[i] = i % 2 ? 0.4 : 1.0;
    }
    aedyn_schedule *sc;
    ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&sc, 10, t, v));
    aedyn_ode *o;
    ck_assert_aedyn_ok(aedyn_ode_create(&o, su.net, su.data, AEDYN_SGD_VANILLA, 1.0));
    ck_assert_aedyn_ok(aedyn_ode_set_method(o, m, m == AEDYN_ODE_RK4 ? 0.03 : 0.0));
    ck_assert_aedyn_ok(aedyn_ode_set_schedule(o, AEDYN_SCHEDULE_ENCODER_RATE, sc));
    ck_assert_aedyn_ok(aedyn_ode_set_schedule(o, AEDYN_SCHEDULE_DECODER_RATE, sc));
    aedyn_schedule_destroy(sc);
    uint64_t nb;
    ck_assert_aedyn_ok(aedyn_ode_advance(o, 2.5)); /* lands on 1 and 2 */
    ck_assert_aedyn_ok(aedyn_ode_get_stat(o, AEDYN_ODE_STAT_BREAKPOINTS, &nb));
    ck_assert_uint_eq(nb, 2);
    ck_assert_aedyn_ok(aedyn_ode_advance(o, 4.0)); /* 3, and 4 at the end */
    ck_assert_aedyn_ok(aedyn_ode_get_stat(o, AEDYN_ODE_STAT_BREAKPOINTS, &nb));
    ck_assert_uint_eq(nb, 4);
    ck_assert(aedyn_ode_get_time(o) == 4.0);
    ck_assert_aedyn_ok(aedyn_ode_advance(o, 10.0));
    ck_assert_aedyn_ok(aedyn_ode_get_stat(o, AEDYN_ODE_STAT_BREAKPOINTS, &nb));
    ck_assert_uint_eq(nb, 9);
    ck_assert(aedyn_ode_get_time(o) == 10.0);
    double e;
    ck_assert_aedyn_ok(aedyn_ode_error(o, &e));
    ck_assert(isfinite(e));
    aedyn_ode_destroy(o);
    setup_free(&su);
}
END_TEST

/* A user schedule with a jump at t = 3, declared as its breakpoint: the
 * right-hand side never sees the value after the jump before t = 3, and
 * never the value before it after t = 3 (every evaluation is recorded). */
typedef struct {
    double before_max, after_min;
} jump_log;

static double jump_fn(double t, void *user)
{
    jump_log *l = user;
    if (t < 3.0) {
        l->before_max = fmax(l->before_max, t);
        return 1.0;
    }
    l->after_min = fmin(l->after_min, t);
    return 0.2;
}

START_TEST(user_jump_is_respected)
{
    static const aedyn_ode_method methods[3] = {AEDYN_ODE_DOPRI5, AEDYN_ODE_BDF, AEDYN_ODE_AUTO};
    setup su;
    setup_make(&su);
    jump_log log = {-1.0, INFINITY};
    aedyn_schedule *sc;
    ck_assert_aedyn_ok(aedyn_schedule_create_user(&sc, jump_fn, &log, 1, (const double[]){3.0}));
    aedyn_ode *o = make_ode(&su, methods[_i]);
    ck_assert_aedyn_ok(aedyn_ode_set_schedule(o, AEDYN_SCHEDULE_ENCODER_RATE, sc));
    aedyn_schedule_destroy(sc);
    ck_assert_aedyn_ok(aedyn_ode_advance(o, 2.0));
    /* BDF may step past 2 (and interpolates back), but not past 3 */
    ck_assert(log.before_max < 3.0 && log.after_min == INFINITY);
    ck_assert_aedyn_ok(aedyn_ode_advance(o, 6.0));
    ck_assert(log.before_max < 3.0);
    ck_assert(log.after_min >= 3.0 && log.after_min < 6.0);
    uint64_t nb;
    ck_assert_aedyn_ok(aedyn_ode_get_stat(o, AEDYN_ODE_STAT_BREAKPOINTS, &nb));
    ck_assert_uint_eq(nb, 1);
    aedyn_ode_destroy(o);
    setup_free(&su);
}
END_TEST

/* ---- SGD ---------------------------------------------------------------------------- */

/* SGD reads the schedules before every step at t = steps / D: a run with a
 * piecewise learning rate and a piecewise noise level is bit-identical to a
 * run whose rates and noise are set by hand at the same steps. */
START_TEST(sgd_reads_schedules_per_step)
{
    const double tt[3] = {0.0, 0.25, 0.6}, lr[3] = {1.0, 0.3, 0.7}, nz[3] = {0.5, 1.0, 0.2};
    aedyn_net *nets[2];
    aedyn_rng *rngs[2];
    aedyn_data *d;
    aedyn_rng *r0;
    ck_assert_aedyn_ok(aedyn_rng_create(&r0, 4, 0));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&d, D_, 2, NULL, 1.0, AEDYN_DATA_SPIKES_RANDOM, r0,
                                                AEDYN_DATA_STANDARDISE));
    aedyn_sgd *sg[2];
    for (int i = 0; i < 2; i++) {
        ck_assert_aedyn_ok(aedyn_rng_create(&rngs[i], 8, 0));
        ck_assert_aedyn_ok(aedyn_net_create(&nets[i], D_, K_, AEDYN_NET_ACT_ERF, AEDYN_NET_SKIP));
        ck_assert_aedyn_ok(aedyn_net_init_gaussian(nets[i], rngs[i], 0.2));
        ck_assert_aedyn_ok(aedyn_sgd_create(&sg[i], nets[i], d, rngs[i], AEDYN_SGD_VANILLA, 1.0));
    }
    aedyn_schedule *sl, *sn;
    ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&sl, 3, tt, lr));
    ck_assert_aedyn_ok(aedyn_schedule_create_piecewise(&sn, 3, tt, nz));
    for (int g = AEDYN_SCHEDULE_ENCODER_RATE; g <= AEDYN_SCHEDULE_DECODER_RATE; g++)
        ck_assert_aedyn_ok(aedyn_sgd_set_schedule(sg[0], (aedyn_schedule_target)g, sl));
    ck_assert_aedyn_ok(aedyn_sgd_set_schedule(sg[0], AEDYN_SCHEDULE_NOISE, sn));
    aedyn_schedule_destroy(sl);
    aedyn_schedule_destroy(sn);
    /* breakpoints 0.25 and 0.6 are steps 50 and 120 at D = 200 */
    ck_assert_aedyn_ok(aedyn_sgd_step(sg[0], 200));
    const uint64_t at[3] = {0, 50, 120};
    for (int i = 0; i < 3; i++) {
        ck_assert_aedyn_ok(aedyn_sgd_set_learning_rates(sg[1], lr[i], lr[i], lr[i]));
        ck_assert_aedyn_ok(aedyn_sgd_set_denoising(sg[1], 1.0, nz[i]));
        ck_assert_aedyn_ok(aedyn_sgd_step(sg[1], (i < 2 ? at[i + 1] : 200) - at[i]));
    }
    double W[2][K_ * D_], V[2][K_ * D_], c[2];
    for (int i = 0; i < 2; i++) {
        ck_assert_aedyn_ok(aedyn_net_get_weights(nets[i], W[i], V[i], NULL));
        ck_assert_aedyn_ok(aedyn_net_get_skip(nets[i], &c[i]));
    }
    ck_assert(memcmp(W[0], W[1], sizeof W[0]) == 0);
    ck_assert(memcmp(V[0], V[1], sizeof V[0]) == 0);
    ck_assert(c[0] == c[1] && c[0] != 0.0);
    /* the trainer's getters report the constants, the ODE copies the schedules */
    const aedyn_schedule *got;
    ck_assert_aedyn_ok(aedyn_sgd_get_schedule(sg[0], AEDYN_SCHEDULE_NOISE, &got));
    ck_assert_ptr_nonnull(got);
    ck_assert_aedyn_ok(aedyn_sgd_get_schedule(sg[0], AEDYN_SCHEDULE_BIAS_RATE, &got));
    ck_assert_ptr_null(got);
    aedyn_ode *o;
    ck_assert_aedyn_ok(aedyn_ode_create_from_sgd(&o, sg[0]));
    ck_assert_aedyn_ok(aedyn_ode_get_schedule(o, AEDYN_SCHEDULE_NOISE, &got));
    ck_assert_ptr_nonnull(got);
    double v;
    ck_assert_aedyn_ok(aedyn_schedule_value(got, 0.3, &v));
    ck_assert(v == 1.0);
    aedyn_ode_destroy(o);
    for (int i = 0; i < 2; i++) {
        aedyn_sgd_destroy(sg[i]);
        aedyn_net_destroy(nets[i]);
        aedyn_rng_destroy(rngs[i]);
    }
    aedyn_data_destroy(d);
    aedyn_rng_destroy(r0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ode-schedule");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, time_reparametrisation, 0, 4 * N_FORMS);
    tcase_add_loop_test(tc, lands_on_every_breakpoint, 0, 5);
    tcase_add_loop_test(tc, user_jump_is_respected, 0, 3);
    tcase_add_test(tc, sgd_reads_schedules_per_step);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
