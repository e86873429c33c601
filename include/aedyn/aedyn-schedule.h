/**
 * @file aedyn-schedule.h
 * @brief Schedules: a rate or a noise level as a function of training time.
 *
 * Research practice varies the learning rate and the noise level of a
 * denoising autoencoder over training (decays, warm-ups, noise curricula). A
 * schedule is a function v(t) of the training time t = steps / D; it is
 * attached to a trainer (aedyn_sgd_set_schedule()) and to an ODE
 * (aedyn_ode_set_schedule()), which copy it, so one schedule may serve many
 * and be destroyed right after. SGD reads it at t = steps / D before every
 * step; the ODE integrates the non-autonomous system, and its adaptive
 * methods land on every breakpoint (a jump of a piecewise schedule, the end
 * of a warm-up) instead of stepping across it.
 *
 * The forms (every parameter finite and v0 >= 0, checked at creation):
 *  - constant: v(t) = v0;
 *  - piecewise constant: v(t) = v_i on [t_i, t_{i+1}), t_0 = 0 < t_1 < ...;
 *  - power law: v(t) = v0 (1 + t / tau)^(-beta), tau > 0, beta >= 0;
 *  - exponential: v(t) = v0 exp(-t / tau), tau > 0;
 *  - cosine: v(t) = v_min + (v0 - v_min) (1 + cos(pi min(t, T) / T)) / 2,
 *    T > 0, 0 <= v_min <= v0 (constant v_min after T);
 *  - user: v(t) = fn(t, user), with its breakpoints declared;
 * and any of them times a linear warm-up min(1, t / t_w)
 * (aedyn_schedule_set_warmup()). Values must be finite and >= 0 (a user
 * function returning anything else makes the run that reads it fail with
 * AEDYN_ERR_INVALID).
 */
#ifndef AEDYN_SCHEDULE_H
#define AEDYN_SCHEDULE_H

#include "aedyn-status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque schedule. @since 0.2 */
typedef struct aedyn_schedule aedyn_schedule;

/** What a schedule drives (aedyn_sgd_set_schedule(), aedyn_ode_set_schedule()). @since 0.2 */
typedef enum aedyn_schedule_target {
    AEDYN_SCHEDULE_ENCODER_RATE = 0, /**< the encoder's learning rate eta_w */
    AEDYN_SCHEDULE_DECODER_RATE = 1, /**< the decoder's learning rate eta_v */
    AEDYN_SCHEDULE_BIAS_RATE = 2,    /**< the biases' learning rate eta_b */
    AEDYN_SCHEDULE_SKIP_RATE = 3,    /**< the skip weight's learning rate eta_c */
    AEDYN_SCHEDULE_NOISE = 4,        /**< the input noise sigma_n of a denoising autoencoder */
    AEDYN_SCHEDULE_INPUT_SCALE = 5   /**< the input scale a of a denoising autoencoder */
} aedyn_schedule_target;

/** A user schedule: the value at time @p t; @p user is passed through. @since 0.2 */
typedef double (*aedyn_schedule_fn)(double t, void *user);

/** Largest number of pieces or breakpoints of one schedule. @since 0.2 */
#define AEDYN_SCHEDULE_MAX_POINTS 100000u

/**
 * The constant schedule v(t) = @p value (finite, >= 0).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID, AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_create_constant(aedyn_schedule **out, double value);

/**
 * The piecewise constant schedule v(t) = values[i] for t in [t[i], t[i+1])
 * (the last value from t[n-1] on). Each t[i] with i >= 1 is a breakpoint
 * (t[0] = 0 is the start, not a breakpoint).
 * @param out    receives the schedule (untouched on failure)
 * @param n      number of pieces, 1 <= n <= #AEDYN_SCHEDULE_MAX_POINTS
 * @param t      n start times: t[0] = 0, strictly increasing, finite
 * @param values n values, finite and >= 0
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE, AEDYN_ERR_INVALID, AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_create_piecewise(aedyn_schedule **out, size_t n,
                                                       const double *t, const double *values);

/**
 * The power-law decay v(t) = v0 (1 + t / tau)^(-beta).
 * @param out  receives the schedule
 * @param v0   value at t = 0, finite and >= 0
 * @param tau  time scale, finite and > 0
 * @param beta exponent, finite and >= 0
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID, AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_create_power(aedyn_schedule **out, double v0, double tau,
                                                   double beta);

/**
 * The exponential decay v(t) = v0 exp(-t / tau) (v0 finite >= 0, tau finite > 0).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID, AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_create_exponential(aedyn_schedule **out, double v0,
                                                         double tau);

/**
 * The cosine decay v(t) = v_min + (v0 - v_min) (1 + cos(pi min(t, T) / T)) / 2
 * from v0 at t = 0 to v_min at t = T (a breakpoint), constant after.
 * @param out   receives the schedule
 * @param v0    value at t = 0, finite and >= 0
 * @param v_min value from T on, 0 <= v_min <= v0
 * @param T     duration of the decay, finite and > 0
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID, AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_create_cosine(aedyn_schedule **out, double v0,
                                                    double v_min, double T);

/**
 * A user schedule v(t) = fn(t, user). The function must be continuous
 * between the @p n_breaks declared breakpoints (jumps, kinks), at which the
 * ODE's steps end; it is called from the thread that steps SGD or
 * integrates the ODE. The copies that trainers and ODEs keep share @p fn
 * and @p user, so @p user must outlive them.
 * @param out      receives the schedule
 * @param fn       the function (not NULL)
 * @param user     passed to fn
 * @param n_breaks number of breakpoints, <= #AEDYN_SCHEDULE_MAX_POINTS
 * @param breaks   n_breaks finite times > 0, strictly increasing, copied (may be
 *                 NULL if n_breaks is 0)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_SIZE, AEDYN_ERR_INVALID, AEDYN_ERR_NOMEM
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_create_user(aedyn_schedule **out, aedyn_schedule_fn fn,
                                                  void *user, size_t n_breaks,
                                                  const double *breaks);

/** Destroy a schedule; NULL is a no-op. @since 0.2 */
AEDYN_API void aedyn_schedule_destroy(aedyn_schedule *schedule);

/**
 * Multiply the schedule by a linear warm-up min(1, t / @p t_warmup) (0 at
 * t = 0; t_warmup is a breakpoint); t_warmup = 0 removes the warm-up.
 * @param schedule the schedule
 * @param t_warmup duration of the warm-up, finite and >= 0
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_set_warmup(aedyn_schedule *schedule, double t_warmup);

/**
 * The duration of the warm-up (0: none).
 * @return AEDYN_OK, AEDYN_ERR_NULL
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_get_warmup(const aedyn_schedule *schedule,
                                                 double *t_warmup);

/**
 * The value v(t) of the schedule at time @p t (finite, >= 0), warm-up
 * included; @p v is untouched on failure.
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (t not finite or < 0,
 *         or a user function's value not finite or < 0)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_value(const aedyn_schedule *schedule, double t, double *v);

/**
 * The first breakpoint strictly after @p t, or +infinity when there is none.
 * The breakpoints are those of the form (see the constructors) and the end
 * of the warm-up; @p t may be negative (then the first breakpoint).
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (t not finite)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_schedule_next_breakpoint(const aedyn_schedule *schedule, double t,
                                                      double *t_break);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_SCHEDULE_H */
