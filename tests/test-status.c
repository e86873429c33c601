/* Status codes, messages and the run-time version. */
#include <stdio.h>
#include <string.h>
#include "testutil.h"
#include "common-private.h"

START_TEST(strerror_never_null)
{
#define CHECK_(name, value, text)                                   \
    ck_assert_int_eq(AEDYN_##name, value);                          \
    ck_assert_str_eq(aedyn_strerror(AEDYN_##name), text);
    AEDYN_STATUS_LIST(CHECK_)
#undef CHECK_
    ck_assert_str_eq(aedyn_strerror((aedyn_status)12345), "unknown status");
    ck_assert_str_eq(aedyn_strerror((aedyn_status)-999), "unknown status");
}
END_TEST

START_TEST(detail_message)
{
    ck_assert_ptr_nonnull(aedyn_error_message());
    ck_assert_int_eq(aedyn__fail(AEDYN_ERR_SIZE, "D must be >= 1, got %d", 0), AEDYN_ERR_SIZE);
    ck_assert_str_eq(aedyn_error_message(), "D must be >= 1, got 0");
    /* a real call */
    aedyn_rng *r = NULL;
    ck_assert_int_eq(aedyn_rng_create(NULL, 1, 0), AEDYN_ERR_NULL);
    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "out"));
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(version)
{
    ck_assert_uint_eq(aedyn_version(), AEDYN_VERSION_NUMBER);
    ck_assert_str_eq(aedyn_version_string(), AEDYN_VERSION_STRING);
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", AEDYN_VERSION_MAJOR, AEDYN_VERSION_MINOR,
             AEDYN_VERSION_PATCH);
    ck_assert_str_eq(buf, aedyn_version_string());
}
END_TEST

int main(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, strerror_never_null);
    tcase_add_test(tc, detail_message);
    tcase_add_test(tc, version);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
