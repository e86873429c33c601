/* libFuzzer target of the option parser of the `aedyn` program and of
 * aedyn-sweep (tools/cli-options.c with the table of tools/cli-config.c):
 * the input is split at NUL bytes into argument words (at most 64), which
 * cli_parse() reads as `aedyn run` would, with the combination checks; no
 * run. Every word is also given to the two number parsers and to the value
 * parser of one option chosen by the word (cli_option_check, which reads
 * aedyn-sweep's list elements).
 *
 * Besides crashes, leaks and undefined behaviour (the sanitizers), it checks
 * the contract of the parser: the result is CLI_EXIT_OK or CLI_EXIT_USAGE; a
 * refusal leaves a one-line message that names an option (contains "--");
 * an accepted command line gives a configuration within the documented
 * bounds (counts, finite positive numbers, t-max x D <= 2^53 for the spiked
 * model, names for every enumerated value, schedule SPECs that make
 * schedules with finite values >= 0) whose JSON record can be written;
 * a number the strict parsers accept is finite and reads back. */
#include "fuzz-common.h"
#include <math.h>
#include "cli-config.h"
#include "cli-schedule.h"

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cli_set_program("aedyn");
    cli_error_quiet(true); /* messages are checked, not printed */
    sink = fopen("/dev/null", "w");
    if (!sink)
        abort();
    return 0;
}

static void check_numbers(const char *w)
{
    uint64_t u = 0;
    if (cli_parse_u64(w, &u) == CLI_NUM_OK) {
        /* digits only: the value printed back is the word without leading zeros */
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
        const char *p = w;
        while (p[0] == '0' && p[1] != '\0')
            p++;
        FUZZ_CHECK(strcmp(buf, p) == 0, "u64 '%s' read as %s", w, buf);
    }
    double d = 0;
    if (cli_parse_number(w, &d) == CLI_NUM_OK) {
        FUZZ_CHECK(isfinite(d), "number '%s' read as %g", w, d);
        FUZZ_CHECK(strspn(w, "0123456789.eE+-") == strlen(w), "number '%s' has other characters",
                   w);
        FUZZ_CHECK(w[0] != '+' && w[0] != ' ', "number '%s' accepted with a leading sign or blank",
                   w);
    }
}

static void check_message(void)
{
    const char *m = cli_last_error();
    FUZZ_CHECK(m[0] != '\0', "refused without a message");
    for (const char *p = m; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "message is not one line: %s", m);
    FUZZ_CHECK(strstr(m, "--") != NULL, "message names no option: %s", m);
}

static void check_config(const cli_config *c)
{
    FUZZ_CHECK(c->D >= 1 && c->D <= 1073741824u, "D = %zu", c->D);
    FUZZ_CHECK(c->K >= 1, "K = %zu", c->K);
    FUZZ_CHECK(c->points >= 1 && c->points <= 1000000, "points = %zu", c->points);
    FUZZ_CHECK(c->M <= CLI_MAX_SPIKES && c->spikes.n <= CLI_MAX_SPIKES, "M = %zu, %zu spikes",
               c->M, c->spikes.n);
    FUZZ_CHECK(isfinite(c->t_max) && c->t_max > 0, "t_max = %g", c->t_max);
    FUZZ_CHECK(c->t_min == 0 || (c->t_min > 0 && c->t_min <= c->t_max), "t_min = %g", c->t_min);
    FUZZ_CHECK(isfinite(c->lr) && c->lr > 0, "lr = %g", c->lr);
    FUZZ_CHECK(isfinite(c->wd) && c->wd >= 0, "wd = %g", c->wd);
    FUZZ_CHECK(isfinite(c->init_std) && c->init_std >= 0, "init_std = %g", c->init_std);
    FUZZ_CHECK(isfinite(c->rtol) && c->rtol > 0 && isfinite(c->atol) && c->atol >= 0,
               "rtol = %g, atol = %g", c->rtol, c->atol);
    FUZZ_CHECK(c->dt == 0 || (isfinite(c->dt) && c->dt > 0), "dt = %g", c->dt);
    FUZZ_CHECK(isfinite(c->noise * c->noise) && c->noise >= 0, "noise = %g", c->noise);
    for (size_t m = 0; m < c->spikes.n; m++)
        FUZZ_CHECK(isfinite(c->spikes.v[m] * c->spikes.v[m]) && c->spikes.v[m] * c->spikes.v[m] > 0,
                   "spike %zu = %g", m, c->spikes.v[m]);
    if (c->data == CLI_DATA_SPIKED) {
        FUZZ_CHECK(cli_effective_M(c) <= c->D && c->K <= c->D, "M = %zu, K = %zu, D = %zu",
                   cli_effective_M(c), c->K, c->D);
        FUZZ_CHECK(c->t_max * (double)c->D <= 9007199254740992.0, "t_max x D = %g",
                   c->t_max * (double)c->D);
    }
    if (c->data == CLI_DATA_CIFAR || c->data == CLI_DATA_IDX)
        FUZZ_CHECK(c->images.n >= 1 && c->images.n <= 2, "%zu image files", c->images.n);
    FUZZ_CHECK(isfinite(c->denoise * c->denoise) && c->denoise >= 0, "denoise = %g", c->denoise);
    FUZZ_CHECK(isfinite(c->input_scale * c->input_scale), "input_scale = %g", c->input_scale);
    FUZZ_CHECK(isfinite(c->skip.arg) && (c->skip.choice == CLI_SKIP_FIXED || c->skip.arg == 0),
               "skip %d %g", c->skip.choice, c->skip.arg);
    FUZZ_CHECK(!(c->lr_schedule && cli_given(c, "lr")), "--lr with --lr-schedule");
    FUZZ_CHECK(!(c->noise_schedule && cli_given(c, "denoise")), "--denoise with --noise-schedule");
    /* an accepted SPEC makes a schedule whose values are finite and >= 0 */
    const char *specs[2] = { c->lr_schedule, c->noise_schedule };
    const char *names[2] = { "lr-schedule", "noise-schedule" };
    for (int k = 0; k < 2; k++) {
        if (!specs[k])
            continue;
        aedyn_schedule *s = NULL;
        FUZZ_CHECK(cli_schedule_parse(cli_run_option(names[k]), specs[k], &s) && s,
                   "accepted --%s '%s' does not make a schedule", names[k], specs[k]);
        for (double t = 0; s && t < 1e4; t = 3 * t + 0.5) {
            double v = -1;
            FUZZ_CHECK(aedyn_schedule_value(s, t, &v) == AEDYN_OK && isfinite(v) && v >= 0 &&
                           (k == 0 || isfinite(v * v)),
                       "--%s '%s' at t = %g: %g", names[k], specs[k], t, v);
        }
        aedyn_schedule_destroy(s);
    }
    FUZZ_CHECK(!c->plot || c->out, "--plot without --out");
    FUZZ_CHECK(!(c->init_informed && c->init_weights.n), "informed and given weights");
    const cli_table *t = cli_run_options();
    for (size_t i = 0; i < t->n; i++) {
        const cli_option *o = &t->opts[i];
        if (o->type == CLI_ENUM || o->type == CLI_CHOICE || o->type == CLI_CHOICE_ARG)
            FUZZ_CHECK(strcmp(cli_option_value_name(o, c), "?") != 0, "--%s has no name",
                       o->name);
        cli_option_json(sink, o, c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the words, NUL-terminated, in a copy that lives through the parse */
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_WORDS + 1];
    int argc = 0;
    for (size_t at = 0; at <= size && argc < MAX_WORDS;) {
        argv[argc++] = buf + at;
        at += strlen(buf + at) + 1;
    }
    argv[argc] = NULL;
    if (size == 0)
        argc = 0;

    /* each word through the number parsers and through the value parser of
     * one option (chosen by the word, so that the fuzzer can steer it) */
    const cli_table *t = cli_run_options();
    for (int i = 0; i < argc; i++) {
        size_t len = strlen(argv[i]);
        check_numbers(argv[i]);
        const cli_option *o = &t->opts[(len + (len ? (unsigned char)argv[i][len - 1] : 0)) % t->n];
        cli_error_reset();
        if (!cli_option_check(o, argv[i]))
            check_message();
    }

    cli_config cfg;
    cli_config_defaults(&cfg);
    bool help = false;
    cli_error_reset();
    int rc = cli_parse(&cfg, argc, argv, &help);
    FUZZ_CHECK(rc == CLI_EXIT_OK || rc == CLI_EXIT_USAGE, "cli_parse returned %d", rc);
    if (rc == CLI_EXIT_USAGE)
        check_message();
    else if (!help)
        check_config(&cfg);
    free(buf);
    return 0;
}
