#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

const char *testutil_data_path(const char *name)
{
    static char buf[4096];
    const char *dir = getenv("AEDYN_TEST_DATA");
    snprintf(buf, sizeof buf, "%s/%s", dir ? dir : "tests/data", name);
    return buf;
}

double *testutil_load_npy(const char *name, size_t *rows, size_t *cols)
{
    double *data = NULL;
    aedyn_status st = aedyn_npy_read(testutil_data_path(name), &data, rows, cols);
    ck_assert_msg(st == AEDYN_OK, "loading %s: %s", name, aedyn_error_message());
    return data;
}

double testutil_act_g(aedyn_net_activation a, double x)
{
    switch (a) {
    case AEDYN_NET_ACT_ERF: return erf(x / sqrt(2.0));
    case AEDYN_NET_ACT_RELU: return x > 0 ? x : 0;
    default: return x;
    }
}

int testutil_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static char tmpdir_[256];

void testutil_tmpdir_make(const char *prefix)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir_, sizeof tmpdir_, "%s/%s.XXXXXX", base ? base : "/tmp", prefix);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir_));
}

const char *testutil_tmpdir(void)
{
    return tmpdir_;
}

const char *testutil_tmp_path(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir_, name);
    return buf[k];
}

void testutil_tmpdir_remove(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir_);
    ck_assert_int_eq(system(cmd), 0);
}

testutil_trainer testutil_spiked_trainer(size_t D, size_t K, size_t M, aedyn_net_activation act,
                                         unsigned flags, aedyn_sgd_rule rule, double lr,
                                         double sigma0, uint64_t seed, uint64_t stream)
{
    testutil_trainer t = { .D = D, .K = K };
    ck_assert_aedyn_ok(aedyn_rng_create(&t.rng, seed, stream));
    ck_assert_aedyn_ok(aedyn_data_create_spiked(&t.data, D, M, NULL, 1.0,
                                                AEDYN_DATA_SPIKES_RANDOM, t.rng,
                                                AEDYN_DATA_STANDARDISE));
    ck_assert_aedyn_ok(aedyn_net_create(&t.net, D, K, act, flags));
    ck_assert_aedyn_ok(aedyn_net_init_gaussian(t.net, t.rng, sigma0));
    ck_assert_aedyn_ok(aedyn_sgd_create(&t.sgd, t.net, t.data, t.rng, rule, lr));
    return t;
}

void testutil_trainer_free(testutil_trainer *t)
{
    aedyn_sgd_destroy(t->sgd);
    aedyn_net_destroy(t->net);
    aedyn_data_destroy(t->data);
    aedyn_rng_destroy(t->rng);
}
