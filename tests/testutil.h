/* Helpers shared by the unit tests (not part of the library). */
#ifndef AEDYN_TESTUTIL_H
#define AEDYN_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include "aedyn.h"

/* Path of a file under the test data directory ($AEDYN_TEST_DATA, set by meson). */
const char *testutil_data_path(const char *name);

/* Load a 1-D or 2-D float64 .npy from the test data directory; aborts the test on failure. */
double *testutil_load_npy(const char *name, size_t *rows, size_t *cols);

/* Assert a call returned AEDYN_OK, printing the detail message otherwise. */
#define ck_assert_aedyn_ok(call)                                                     \
    do {                                                                             \
        aedyn_status st_ = (call);                                                   \
        ck_assert_msg(st_ == AEDYN_OK, "%s -> %s: %s", #call, aedyn_strerror(st_),   \
                      aedyn_error_message());                                        \
    } while (0)

/* Assert a call failed with the given status and left a non-empty message. */
#define ck_assert_aedyn_fails(call, expected)                                        \
    do {                                                                             \
        aedyn_status st_ = (call);                                                   \
        ck_assert_msg(st_ == (expected), "%s -> %d (%s), expected %d", #call,        \
                      (int)st_, aedyn_strerror(st_), (int)(expected));               \
        ck_assert_msg(aedyn_error_message()[0] != '\0', "%s: empty message", #call);   \
    } while (0)

/* g(x) of a built-in activation, written independently of the library. */
double testutil_act_g(aedyn_net_activation a, double x);

/* A private temporary directory for files a test writes: make (under
 * $TMPDIR or /tmp, named PREFIX.XXXXXX), its path, a path inside it (8
 * rotating buffers, so several may be in use at once), and removal. */
void testutil_tmpdir_make(const char *prefix);
const char *testutil_tmpdir(void);
const char *testutil_tmp_path(const char *name);
void testutil_tmpdir_remove(void);

/* A trainer on the standardised spiked model: its random stream (seed,
 * stream), the data (D, M random spikes with the default strengths, noise 1),
 * a network of K units (activation, flags) with Gaussian weights of standard
 * deviation sigma0, and the trainer (rule, learning rate lr), created in
 * that order. The fixture of the replica, chain and band tests. */
typedef struct {
    aedyn_rng *rng;
    aedyn_data *data;
    aedyn_net *net;
    aedyn_sgd *sgd;
    size_t D, K;
} testutil_trainer;

testutil_trainer testutil_spiked_trainer(size_t D, size_t K, size_t M, aedyn_net_activation act,
                                         unsigned flags, aedyn_sgd_rule rule, double lr,
                                         double sigma0, uint64_t seed, uint64_t stream);
void testutil_trainer_free(testutil_trainer *t);

/* Run a suite and return the process exit status. */
int testutil_run(Suite *s);

#endif
