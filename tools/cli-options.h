/* Command-line options described by one table.
 *
 * Each entry of a table holds everything about one option: its name, its
 * metavariable, the type of its value, where the value goes (an offset into
 * the program's configuration struct), its default, its bounds, whether
 * aedyn-sweep may give it a list of values, and its help. From the table
 * come the parsing (no per-option code), --help, the JSON record of the
 * values, `aedyn --list-options` (which the test of the man page reads) and
 * the lists of aedyn-sweep.
 *
 * Numbers are parsed strictly, by one parser for every option of both
 * programs: integers are decimal digits only ("010" is ten; no sign, no
 * blanks, no 0x); other numbers are decimal, an optional '-', digits with an
 * optional '.', an optional exponent (0.5, .5, 1e-3, 2.5E+2); no blanks, no
 * '+', no hexadecimal, inf or nan; values beyond the range of a double
 * (including those that would round to 0 or to a subnormal) are refused.
 * Not part of the library. */
#ifndef AEDYN_CLI_OPTIONS_H
#define AEDYN_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <aedyn.h>

/* Exit codes of the programs. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

/* The type of an option's value, and of its destination. */
typedef enum cli_type {
    CLI_FLAG,    /* no value; stores .flag into a bool */
    CLI_SIZE,    /* size_t: decimal digits, within [.ilo, .ihi] */
    CLI_U64,     /* uint64_t: decimal digits, within [.ilo, .ihi] */
    CLI_NUMBER,  /* double: a decimal number within .lo, .hi (see .flags) */
    CLI_ENUM,    /* int: a value of the library enumeration .enumeration (names
                    from aedyn_enum_name/aedyn_enum_value), or one of .choices */
    CLI_CHOICE,  /* int: one of the program's .choices */
    CLI_STRING,  /* const char *: a non-empty word (NULL when not given) */
    CLI_NUMBERS, /* cli_numbers: comma-separated numbers, each like CLI_NUMBER */
    CLI_FILES,   /* cli_files: .min_words to .max_words non-empty words */
    CLI_CHOICE_ARG, /* cli_choice_arg: one of .choices; a choice with an .arg takes one more
                       word, a number like CLI_NUMBER within .lo, .hi ("fixed 0.5") */
    CLI_SCHEDULE /* const char *: a schedule SPEC (cli-schedule.h), checked when parsed;
                    NULL when not given */
} cli_type;

/* A named value of a CLI_CHOICE option (or an extra one of a CLI_ENUM, or a
 * choice of a CLI_CHOICE_ARG, where a non-NULL .arg is the metavariable of
 * the number that follows the name). */
typedef struct cli_choice {
    const char *name;
    int value;
    const char *arg;
} cli_choice;

/* The value of a CLI_CHOICE_ARG option: the choice and its number (0 when
 * the choice takes none). */
typedef struct cli_choice_arg {
    int choice;
    double arg;
} cli_choice_arg;

#define CLI_MAX_NUMBERS 64
typedef struct cli_numbers {
    double v[CLI_MAX_NUMBERS];
    size_t n; /* 0: not given */
} cli_numbers;

typedef struct cli_files {
    const char *v[2];
    size_t n; /* 0: not given */
} cli_files;

/* Bits of cli_option.flags. */
enum {
    CLI_LO_OPEN = 1u << 0,    /* numbers: > .lo (otherwise >= .lo) */
    CLI_SQUARED = 1u << 1,    /* numbers: the value enters squared (a variance), and its
                                 square must be finite, and > 0 when the value is */
    CLI_SWEEP = 1u << 2,      /* aedyn-sweep accepts a list of values */
    CLI_SWEEP_SETS = 1u << 3, /* aedyn-sweep sets it for every run (--out, --stream) */
    CLI_ACTION = 1u << 4,     /* an action, not a parameter (--help): not recorded */
    CLI_SPIKED = 1u << 5,     /* used by the spiked model only */
    CLI_GAUSSIAN = 1u << 6,   /* used by --data gaussian only (and needs it) */
    CLI_IMAGES = 1u << 7      /* used by --data cifar|idx only (and needs it) */
};

typedef struct cli_option {
    const char *name;     /* without the leading "--" */
    const char *metavar;  /* NULL: none for flags, the names for choices */
    cli_type type;
    size_t offset;        /* destination: offsetof(the configuration, field) */
    const char *dflt;     /* default value, parsed like a command-line value; NULL: none */
    const char *dflt_doc; /* when dflt is NULL: the default in words ("t-max/100");
                             the value is then resolved by the run */
    double lo, hi;        /* CLI_NUMBER, CLI_NUMBERS, the number of a CLI_CHOICE_ARG and
                             the values of a CLI_SCHEDULE: bounds */
    uint64_t ilo, ihi;    /* CLI_SIZE, CLI_U64: bounds */
    unsigned flags;
    bool flag;            /* CLI_FLAG: the value it stores */
    aedyn_enum enumeration;    /* CLI_ENUM */
    const cli_choice *choices; /* CLI_CHOICE, CLI_CHOICE_ARG: the names; CLI_ENUM: extra
                                  names, or NULL; terminated by { NULL, 0, NULL } */
    unsigned min_words, max_words; /* CLI_FILES */
    const char *section;  /* non-NULL: starts a section of --help */
    const char *help;
} cli_option;

typedef struct cli_table {
    const cli_option *opts;
    size_t n;
} cli_table;

/* One option of a command line, as split by cli_next_option(). */
typedef struct cli_token {
    const cli_option *opt;
    const char *v[2]; /* its words, NULL when absent */
    unsigned nwords;  /* 0 (flag), 1 or 2 (a file list, a choice with its number) */
} cli_token;

/* Split the option at argv[*i] (with its words) into @p tok and advance *i
 * past it. Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after a one-line error
 * (unknown option, missing value, stray argument, value given to a flag). */
int cli_next_option(const cli_table *t, int argc, char **argv, int *i, cli_token *tok);

/* The option called @p name (without "--") in @p t, or NULL. */
const cli_option *cli_find_option(const cli_table *t, const char *name);

/* Note that option @p o of @p t is given: given[i] for option i of the table.
 * False after a one-line error when it was given before, or when another
 * given option has the same destination (--standardise, --raw): each option
 * takes one value. */
bool cli_mark_option(bool *given, const cli_table *t, const cli_option *o);

/* Parse the words of an option and store the value at base + o->offset.
 * False after a one-line error naming the option (syntax, bounds). */
bool cli_option_set(const cli_option *o, void *base, const char *const *words,
                    unsigned nwords);

/* Whether @p word is a valid value of @p o (as cli_option_set() would
 * accept it), without storing it. False after a one-line error. */
bool cli_option_check(const cli_option *o, const char *word);

/* Store every default (o->dflt) of @p t into @p base; false (with a message)
 * only when the table itself is wrong. */
bool cli_table_defaults(const cli_table *t, void *base);

/* The metavariable of @p o ("N", "linear|erf|relu"), "" for a flag. */
const char *cli_option_metavar(const cli_option *o, char *buf, size_t size);

/* The default as shown by --help: o->dflt, o->dflt_doc, "on"/"off" for a
 * flag (from @p defaults, the configuration after cli_table_defaults()), or
 * "" when there is none. */
const char *cli_option_default(const cli_option *o, const void *defaults);

/* The upper bound of @p o in words ("1000000"), or "" when only the type
 * limits it. */
const char *cli_option_bound(const cli_option *o, char *buf, size_t size);

/* The name of the value of a CLI_ENUM or CLI_CHOICE option at @p base ("?"
 * when unknown). */
const char *cli_option_value_name(const cli_option *o, const void *base);

/* Write the value of @p o at @p base as a JSON value (null for an absent
 * string, schedule, file list or number list, or a non-finite number; an
 * object {"mode": NAME, "value": NUMBER or null} for a CLI_CHOICE_ARG). */
void cli_option_json(FILE *f, const cli_option *o, const void *base);

/* A JSON string (escaped) and a JSON number (the shortest form that reads
 * back exactly; null when not finite). */
void cli_json_string(FILE *f, const char *s);
void cli_json_number(FILE *f, double v);

/* How aedyn-sweep splits a list of values of an option. */
typedef enum {
    CLI_LIST_NONE,  /* one value only */
    CLI_LIST_INT,   /* integers: 1,2,8 and inclusive ranges A:B, A:B:STEP */
    CLI_LIST_COMMA, /* numbers and names: comma-separated */
    CLI_LIST_SLASH, /* number lists (values with commas): '/'-separated */
    CLI_LIST_SCHEDULE /* schedule SPECs (no commas in them): comma-separated */
} cli_list_kind;
cli_list_kind cli_option_list_kind(const cli_option *o);

/* --help of a table: sections, every option with its metavariable, help,
 * default and upper bound (and with @p lists, the list syntax aedyn-sweep
 * accepts for it), word-wrapped to 79 columns. */
void cli_table_usage(FILE *f, const cli_table *t, const void *defaults, bool lists);

/* One line per option: "--name<TAB>metavar<TAB>default<TAB>upper bound<TAB>
 * list kind" (aedyn --list-options; read by the test of the man page). */
void cli_table_list(FILE *f, const cli_table *t, const void *defaults);

/* The strict number parsers (see above): CLI_NUM_OK, CLI_NUM_SYNTAX or
 * CLI_NUM_RANGE (a u64 beyond 2^64 - 1, a number beyond a double). */
typedef enum { CLI_NUM_OK, CLI_NUM_SYNTAX, CLI_NUM_RANGE } cli_num_status;
cli_num_status cli_parse_u64(const char *s, uint64_t *out);
cli_num_status cli_parse_number(const char *s, double *out);

/* malloc(a * b * size), or NULL when that product overflows size_t (every
 * count the programs derive from their input is allocated through it). */
void *cli_alloc(size_t a, size_t b, size_t size);

/* ---- errors ---- */

/* Program name used by cli_error() (default "aedyn"). */
void cli_set_program(const char *name);
const char *cli_program(void);

/* With @p quiet, cli_error() only records its message (cli_last_error())
 * instead of printing it: aedyn-sweep puts the messages of its runs in the
 * summary. Returns the previous setting. */
bool cli_error_quiet(bool quiet);

/* The last message of cli_error() ("" after cli_error_reset()). */
const char *cli_last_error(void);
void cli_error_reset(void);

/* Print a one-line error "aedyn: ..." to stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
