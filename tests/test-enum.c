/* Names of enumerated values (aedyn_enum_name / aedyn_enum_value): every
 * value has a name that parses back to it, the aliases, bad input. */
#include <string.h>
#include "testutil.h"

/* Values of each enumeration, from the enumerators of the headers. */
static const struct {
    aedyn_enum e;
    int count;
} enums[] = {
    { AEDYN_ENUM_ACTIVATION, AEDYN_NET_ACT_RELU + 1 },
    { AEDYN_ENUM_RULE, AEDYN_SGD_SANGER + 1 },
    { AEDYN_ENUM_METHOD, AEDYN_ODE_AUTO + 1 },
    { AEDYN_ENUM_SPIKES, AEDYN_DATA_SPIKES_SINUSOIDAL + 1 },
    { AEDYN_ENUM_IMAGES_MODE, AEDYN_IMAGES_PCA_WHITE + 1 },
    { AEDYN_ENUM_IMAGES_SAMPLER, AEDYN_IMAGES_SAMPLE_GAUSSIAN + 1 },
    { AEDYN_ENUM_ODE_STAT, AEDYN_ODE_STAT_BREAKPOINTS + 1 },
    { AEDYN_ENUM_SCHEDULE_TARGET, AEDYN_SCHEDULE_INPUT_SCALE + 1 },
    { AEDYN_ENUM_ANALYSIS_OUTCOME, AEDYN_ANALYSIS_LINEARISED + 1 },
};

START_TEST(every_value_has_a_name_that_parses_back)
{
    for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++) {
        for (int v = 0; v < enums[i].count; v++) {
            const char *name = aedyn_enum_name(enums[i].e, v);
            ck_assert_ptr_nonnull(name);
            ck_assert(strlen(name) > 0 && strcspn(name, " _ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
                                              strlen(name)); /* lower case, '-' between words */
            int back = -1;
            ck_assert_aedyn_ok(aedyn_enum_value(enums[i].e, name, &back));
            ck_assert_int_eq(back, v);
        }
        ck_assert_ptr_null(aedyn_enum_name(enums[i].e, enums[i].count));
        ck_assert_ptr_null(aedyn_enum_name(enums[i].e, -1));
    }
    ck_assert_str_eq(aedyn_enum_name(AEDYN_ENUM_ACTIVATION, AEDYN_NET_ACT_ERF), "erf");
    ck_assert_str_eq(aedyn_enum_name(AEDYN_ENUM_METHOD, AEDYN_ODE_BDF), "bdf");
    ck_assert_str_eq(aedyn_enum_name(AEDYN_ENUM_IMAGES_MODE, AEDYN_IMAGES_PCA_WHITE), "pca-white");
    ck_assert_str_eq(aedyn_enum_name(AEDYN_ENUM_ANALYSIS_OUTCOME, AEDYN_ANALYSIS_RUNAWAY),
                     "runaway");
    ck_assert_ptr_null(aedyn_enum_name((aedyn_enum)99, 0));
}
END_TEST

START_TEST(aliases_and_bad_names)
{
    int v = -1;
    ck_assert_aedyn_ok(aedyn_enum_value(AEDYN_ENUM_IMAGES_MODE, "pca_white", &v));
    ck_assert_int_eq(v, AEDYN_IMAGES_PCA_WHITE);
    ck_assert_aedyn_ok(aedyn_enum_value(AEDYN_ENUM_IMAGES_MODE, "centered", &v));
    ck_assert_int_eq(v, AEDYN_IMAGES_CENTRED);
    v = -1;
    const char *bad[] = { "", "Erf", " erf", "erf ", "er", "erff", "pca-white" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_aedyn_fails(aedyn_enum_value(AEDYN_ENUM_ACTIVATION, bad[i], &v),
                              AEDYN_ERR_INVALID);
    ck_assert_int_eq(v, -1);
    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "linear|erf|relu"));
    ck_assert_aedyn_fails(aedyn_enum_value((aedyn_enum)99, "erf", &v), AEDYN_ERR_INVALID);
    ck_assert_aedyn_fails(aedyn_enum_value(AEDYN_ENUM_RULE, NULL, &v), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_enum_value(AEDYN_ENUM_RULE, "vanilla", NULL), AEDYN_ERR_NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("enum");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_value_has_a_name_that_parses_back);
    tcase_add_test(tc, aliases_and_bad_names);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
