/* Names of the values of the public enumerations (include/aedyn/aedyn-enum.h):
 * the one table that the program, the examples and the Python module read. */
#include <string.h>
#include "common-private.h"

typedef struct {
    const char *const *names; /* canonical names, indexed by value */
    int count;
    const char *what;         /* for messages */
} enum_table;

static const char *const activations[] = { "linear", "erf", "relu" };
static const char *const rules[] = { "vanilla", "truncated", "sanger" };
static const char *const methods[] = { "euler", "rk4", "dopri5", "rkc", "bdf", "auto" };
static const char *const spikes[] = { "random", "sinusoidal" };
static const char *const images_modes[] = { "raw", "paper", "centred", "zca", "pca-white" };
static const char *const samplers[] = { "real", "gaussian" };
static const char *const ode_stats[] = { "rhs", "steps", "rejected", "jacobians",
                                         "factorisations", "switches", "breakpoints" };
static const char *const schedule_targets[] = { "encoder-rate", "decoder-rate", "bias-rate",
                                                "skip-rate", "noise", "input-scale" };
static const char *const analysis_outcomes[] = { "none", "fixed-point", "runaway", "not-found",
                                                 "linearised" };

#define TABLE_(a, what) { a, (int)(sizeof a / sizeof a[0]), what }
static const enum_table tables[] = {
    [AEDYN_ENUM_ACTIVATION] = TABLE_(activations, "activation"),
    [AEDYN_ENUM_RULE] = TABLE_(rules, "rule"),
    [AEDYN_ENUM_METHOD] = TABLE_(methods, "ODE method"),
    [AEDYN_ENUM_SPIKES] = TABLE_(spikes, "spike vectors"),
    [AEDYN_ENUM_IMAGES_MODE] = TABLE_(images_modes, "preprocessing mode"),
    [AEDYN_ENUM_IMAGES_SAMPLER] = TABLE_(samplers, "image sampler"),
    [AEDYN_ENUM_ODE_STAT] = TABLE_(ode_stats, "ODE statistic"),
    [AEDYN_ENUM_SCHEDULE_TARGET] = TABLE_(schedule_targets, "schedule target"),
    [AEDYN_ENUM_ANALYSIS_OUTCOME] = TABLE_(analysis_outcomes, "analysis outcome"),
};
#undef TABLE_
#define N_TABLES_ ((int)(sizeof tables / sizeof tables[0]))

/* The tables follow the enumerators' values. */
_Static_assert(AEDYN_NET_ACT_RELU == 2 && AEDYN_SGD_SANGER == 2 && AEDYN_ODE_AUTO == 5 &&
                   AEDYN_DATA_SPIKES_SINUSOIDAL == 1 && AEDYN_IMAGES_PCA_WHITE == 4 &&
                   AEDYN_IMAGES_SAMPLE_GAUSSIAN == 1 && AEDYN_ODE_STAT_BREAKPOINTS == 6 &&
                   AEDYN_SCHEDULE_INPUT_SCALE == 5 && AEDYN_ANALYSIS_LINEARISED == 4,
               "enum tables out of date");

static const enum_table *table(aedyn_enum e)
{
    return (int)e >= 0 && (int)e < N_TABLES_ ? &tables[e] : NULL;
}

AEDYN_API const char *aedyn_enum_name(aedyn_enum e, int value)
{
    const enum_table *t = table(e);
    return t && value >= 0 && value < t->count ? t->names[value] : NULL;
}

/* name equals canonical, or canonical with '-' written '_' */
static bool same_name(const char *name, const char *canonical)
{
    for (; *name && *canonical; name++, canonical++)
        if (*name != *canonical && !(*canonical == '-' && *name == '_'))
            return false;
    return *name == *canonical;
}

AEDYN_API aedyn_status aedyn_enum_value(aedyn_enum e, const char *name, int *value)
{
    AEDYN__REQUIRE_NONNULL(name);
    AEDYN__REQUIRE_NONNULL(value);
    const enum_table *t = table(e);
    if (!t)
        return aedyn__fail(AEDYN_ERR_INVALID, "aedyn_enum_value: unknown enumeration %d", (int)e);
    for (int v = 0; v < t->count; v++)
        if (same_name(name, t->names[v])) {
            *value = v;
            return AEDYN_OK;
        }
    if (e == AEDYN_ENUM_IMAGES_MODE && strcmp(name, "centered") == 0) {
        *value = AEDYN_IMAGES_CENTRED;
        return AEDYN_OK;
    }
    char list[160] = "";
    for (int v = 0; v < t->count; v++) {
        strncat(list, t->names[v], sizeof list - strlen(list) - 1);
        if (v + 1 < t->count)
            strncat(list, "|", sizeof list - strlen(list) - 1);
    }
    return aedyn__fail(AEDYN_ERR_INVALID, "unknown %s '%.64s' (one of %s)", t->what, name, list);
}
