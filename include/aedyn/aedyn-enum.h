/**
 * @file aedyn-enum.h
 * @brief Names of the values of the API's enumerations.
 *
 * Programs, bindings and output files spell enumerated values the same way
 * by asking the library: aedyn_enum_name() gives the canonical name of a
 * value ("erf", "truncated", "bdf", "pca-white"), aedyn_enum_value() parses a
 * name back (also the accepted aliases, e.g. "centered" and "pca_white").
 * The values of every enumeration listed here run from 0 without gaps, so
 * the names of one enumeration are aedyn_enum_name(e, 0), (e, 1), ... up to
 * the first NULL.
 */
#ifndef AEDYN_ENUM_H
#define AEDYN_ENUM_H

#include "aedyn-status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The enumerations whose values have names. @since 0.2 */
typedef enum aedyn_enum {
    AEDYN_ENUM_ACTIVATION = 0,     /**< ::aedyn_net_activation: linear, erf, relu */
    AEDYN_ENUM_RULE = 1,           /**< ::aedyn_sgd_rule: vanilla, truncated, sanger */
    AEDYN_ENUM_METHOD = 2,         /**< ::aedyn_ode_method: euler, rk4, dopri5, rkc, bdf, auto */
    AEDYN_ENUM_SPIKES = 3,         /**< ::aedyn_data_spikes: random, sinusoidal */
    AEDYN_ENUM_IMAGES_MODE = 4,    /**< ::aedyn_images_mode: raw, paper, centred, zca, pca-white */
    AEDYN_ENUM_IMAGES_SAMPLER = 5, /**< ::aedyn_images_sampler: real, gaussian */
    AEDYN_ENUM_ODE_STAT = 6,       /**< ::aedyn_ode_stat: rhs, steps, rejected, jacobians,
                                        factorisations, switches, breakpoints */
    AEDYN_ENUM_SCHEDULE_TARGET = 7, /**< ::aedyn_schedule_target: encoder-rate, decoder-rate,
                                        bias-rate, skip-rate, noise, input-scale */
    AEDYN_ENUM_ANALYSIS_OUTCOME = 8 /**< aedyn_analysis_outcome (experimental tier,
                                         aedyn-analysis.h): none, fixed-point, runaway,
                                         not-found, linearised */
} aedyn_enum;

/**
 * Canonical name of @p value in enumeration @p e (lower case, words joined
 * by '-'), or NULL when @p value is not one of its values or @p e is unknown.
 * @since 0.2
 */
AEDYN_API const char *aedyn_enum_name(aedyn_enum e, int value);

/**
 * Parse the name of a value of enumeration @p e: the canonical name or an
 * accepted alias ("centered" for "centred", '_' for '-'), compared exactly
 * (case-sensitive, no surrounding blanks).
 * @param e     the enumeration
 * @param name  the name
 * @param value receives the value (untouched on failure)
 * @return AEDYN_OK, AEDYN_ERR_NULL, AEDYN_ERR_INVALID (unknown enumeration or
 *         name; the message lists the valid names)
 * @since 0.2
 */
AEDYN_API aedyn_status aedyn_enum_value(aedyn_enum e, const char *name, int *value);

#ifdef __cplusplus
}
#endif
#endif /* AEDYN_ENUM_H */
