/* Command-line options described by one table; see cli-options.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli-options.h"
#include "cli-schedule.h"

/* ---- errors ---- */

static const char *program_name = "aedyn";
static bool errors_quiet;
static char last_error[512];

void cli_set_program(const char *name) { program_name = name; }
const char *cli_program(void) { return program_name; }
bool cli_error_quiet(bool quiet)
{
    bool was = errors_quiet;
    errors_quiet = quiet;
    return was;
}
const char *cli_last_error(void) { return last_error; }
void cli_error_reset(void) { last_error[0] = '\0'; }

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    /* one line, whatever the words quoted in it hold */
    for (char *p = last_error; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (!errors_quiet)
        fprintf(stderr, "%s: %s\n", program_name, last_error);
}

void *cli_alloc(size_t a, size_t b, size_t size)
{
    if (size && b && a > SIZE_MAX / size / b)
        return NULL;
    size_t n = a * b * size;
    return malloc(n ? n : 1);
}

/* ---- the strict number parsers ---- */

static const char digits[] = "0123456789";

cli_num_status cli_parse_u64(const char *s, uint64_t *out)
{
    if (*s == '\0' || strspn(s, digits) != strlen(s))
        return CLI_NUM_SYNTAX;
    uint64_t v = 0;
    for (; *s; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return CLI_NUM_RANGE;
        v = 10 * v + d;
    }
    *out = v;
    return CLI_NUM_OK;
}

cli_num_status cli_parse_number(const char *s, double *out)
{
    const char *p = s;
    if (*p == '-')
        p++;
    size_t whole = strspn(p, digits), frac = 0;
    p += whole;
    if (*p == '.') {
        p++;
        frac = strspn(p, digits);
        p += frac;
    }
    if (whole + frac == 0)
        return CLI_NUM_SYNTAX;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        size_t e = strspn(p, digits);
        if (e == 0)
            return CLI_NUM_SYNTAX;
        p += e;
    }
    if (*p != '\0')
        return CLI_NUM_SYNTAX;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != p)
        return CLI_NUM_SYNTAX;
    /* ERANGE: beyond the largest double, or so small it rounds to 0 or a subnormal */
    if (errno == ERANGE || !isfinite(v))
        return CLI_NUM_RANGE;
    *out = v;
    return CLI_NUM_OK;
}

/* ---- values of one option ---- */

static void *field(void *base, const cli_option *o)
{
    return (char *)base + o->offset;
}

static const void *cfield(const void *base, const cli_option *o)
{
    return (const char *)base + o->offset;
}

static uint64_t type_max(const cli_option *o)
{
    return o->type == CLI_SIZE ? (uint64_t)SIZE_MAX : UINT64_MAX;
}

static uint64_t int_max(const cli_option *o)
{
    return o->ihi && o->ihi < type_max(o) ? o->ihi : type_max(o);
}

static bool parse_int(const cli_option *o, const char *s, uint64_t *out)
{
    uint64_t v = 0, hi = int_max(o);
    cli_num_status st = cli_parse_u64(s, &v);
    if (st == CLI_NUM_SYNTAX) {
        cli_error("--%s needs a decimal integer, digits only (got '%s')", o->name, s);
        return false;
    }
    if (st == CLI_NUM_RANGE || v > hi) {
        cli_error("--%s must be <= %llu (got '%s')", o->name, (unsigned long long)hi, s);
        return false;
    }
    if (v < o->ilo) {
        cli_error("--%s must be >= %llu (got '%s')", o->name, (unsigned long long)o->ilo, s);
        return false;
    }
    *out = v;
    return true;
}

/* One number of a CLI_NUMBER or CLI_NUMBERS option; `what` describes the
 * whole value for the messages of a list. */
static bool parse_num(const cli_option *o, const char *s, const char *what, double *out)
{
    double v = 0;
    cli_num_status st = cli_parse_number(s, &v);
    if (st == CLI_NUM_SYNTAX) {
        cli_error("--%s needs %s decimal number%s such as 0.5 or 1e-3 (got '%s')", o->name,
                  o->type == CLI_NUMBERS ? "comma-separated" : "a",
                  o->type == CLI_NUMBERS ? "s" : "", what);
        return false;
    }
    if (st == CLI_NUM_RANGE) {
        cli_error("--%s: '%s' is beyond the range of a double (about 2.2e-308 to 1.8e308 "
                  "in magnitude, or 0)", o->name, s);
        return false;
    }
    bool lo_ok = o->flags & CLI_LO_OPEN ? v > o->lo : v >= o->lo;
    /* "-0" is 0, but a sign on a non-negative option is a sign trick */
    if (!lo_ok || (s[0] == '-' && o->lo >= 0)) {
        cli_error("--%s must be %s %g (got '%s')", o->name, o->flags & CLI_LO_OPEN ? ">" : ">=",
                  o->lo, s);
        return false;
    }
    if (!(v <= o->hi)) {
        cli_error("--%s must be <= %g (got '%s')", o->name, o->hi, s);
        return false;
    }
    if (o->flags & CLI_SQUARED) {
        double sq = v * v;
        if (!isfinite(sq) || (v != 0 && !(sq > 0))) {
            cli_error("--%s %s: its square %s (the model needs a finite positive variance)",
                      o->name, s, isfinite(sq) ? "underflows to 0" : "overflows");
            return false;
        }
    }
    *out = v;
    return true;
}

static bool parse_numbers(const cli_option *o, const char *s, cli_numbers *out)
{
    cli_numbers r = { .n = 0 };
    const char *p = s;
    for (;;) {
        size_t len = strcspn(p, ",");
        char word[512];
        if (len == 0 || len >= sizeof word) {
            if (len == 0)
                cli_error("--%s: empty element in the list '%s'", o->name, s);
            else
                cli_error("--%s: element '%.*s...' is too long", o->name, 20, p);
            return false;
        }
        if (r.n == CLI_MAX_NUMBERS) {
            cli_error("--%s: at most %d values", o->name, CLI_MAX_NUMBERS);
            return false;
        }
        memcpy(word, p, len);
        word[len] = '\0';
        if (!parse_num(o, word, s, &r.v[r.n]))
            return false;
        r.n++;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *out = r;
    return true;
}

/* The names of an enumerated option, in order: the library's, then extras. */
static const char *choice_at(const cli_option *o, size_t i, int *value)
{
    size_t n_lib = 0;
    if (o->type == CLI_ENUM) {
        while (aedyn_enum_name(o->enumeration, (int)n_lib))
            n_lib++;
        if (i < n_lib) {
            *value = (int)i;
            return aedyn_enum_name(o->enumeration, (int)i);
        }
    }
    i -= n_lib;
    for (size_t k = 0; o->choices && o->choices[k].name; k++)
        if (k == i) {
            *value = o->choices[k].value;
            return o->choices[k].name;
        }
    return NULL;
}

static bool parse_choice(const cli_option *o, const char *s, int *out)
{
    int v;
    for (size_t i = 0; choice_at(o, i, &v); i++)
        if (strcmp(choice_at(o, i, &v), s) == 0) {
            *out = v;
            return true;
        }
    /* the library also knows aliases ("centered", "pca_white") */
    if (o->type == CLI_ENUM && aedyn_enum_value(o->enumeration, s, &v) == AEDYN_OK) {
        *out = v;
        return true;
    }
    char list[256];
    cli_error("--%s must be one of %s (got '%s')", o->name,
              cli_option_metavar(o, list, sizeof list), s);
    return false;
}

/* The choice of a CLI_CHOICE_ARG option called @p name, or NULL. */
static const cli_choice *find_choice(const cli_option *o, const char *name)
{
    for (size_t k = 0; o->choices && o->choices[k].name; k++)
        if (strcmp(o->choices[k].name, name) == 0)
            return &o->choices[k];
    return NULL;
}

/* A CLI_CHOICE_ARG: a name, and the number after a name that takes one. */
static bool parse_choice_arg(const cli_option *o, const char *const *w, unsigned nw,
                             cli_choice_arg *out)
{
    const cli_choice *c = w[0] ? find_choice(o, w[0]) : NULL;
    char list[256];
    if (!c) {
        cli_error("--%s must be one of %s (got '%s')", o->name,
                  cli_option_metavar(o, list, sizeof list), w[0] ? w[0] : "");
        return false;
    }
    cli_choice_arg r = { .choice = c->value, .arg = 0 };
    if (c->arg) {
        if (nw < 2 || !w[1]) {
            cli_error("--%s %s needs a value: --%s %s %s", o->name, c->name, o->name, c->name,
                      c->arg);
            return false;
        }
        if (!parse_num(o, w[1], w[1], &r.arg))
            return false;
    } else if (nw > 1 && w[1]) {
        cli_error("--%s %s takes no value (got '%s')", o->name, c->name, w[1]);
        return false;
    }
    *out = r;
    return true;
}

const char *cli_option_value_name(const cli_option *o, const void *base)
{
    if (o->type == CLI_CHOICE_ARG) {
        int want = ((const cli_choice_arg *)cfield(base, o))->choice;
        for (size_t k = 0; o->choices && o->choices[k].name; k++)
            if (o->choices[k].value == want)
                return o->choices[k].name;
        return "?";
    }
    int want = *(const int *)cfield(base, o), v;
    for (size_t i = 0; choice_at(o, i, &v); i++)
        if (v == want)
            return choice_at(o, i, &v);
    return "?";
}

static bool word_ok(const cli_option *o, const char *w)
{
    if (!w || *w == '\0') {
        cli_error("--%s needs a non-empty %s", o->name,
                  o->type == CLI_FILES ? "file name" : "value");
        return false;
    }
    return true;
}

/* Parse (and with base != NULL store) the words of an option. */
static bool set_value(const cli_option *o, void *base, const char *const *w, unsigned nw)
{
    uint64_t u;
    double d;
    int c;
    switch (o->type) {
    case CLI_FLAG:
        if (base)
            *(bool *)field(base, o) = o->flag;
        return true;
    case CLI_SIZE:
    case CLI_U64:
        if (!parse_int(o, w[0], &u))
            return false;
        if (base && o->type == CLI_SIZE)
            *(size_t *)field(base, o) = (size_t)u;
        else if (base)
            *(uint64_t *)field(base, o) = u;
        return true;
    case CLI_NUMBER:
        if (!parse_num(o, w[0], w[0], &d))
            return false;
        if (base)
            *(double *)field(base, o) = d;
        return true;
    case CLI_ENUM:
    case CLI_CHOICE:
        if (!parse_choice(o, w[0], &c))
            return false;
        if (base)
            *(int *)field(base, o) = c;
        return true;
    case CLI_STRING:
        if (!word_ok(o, w[0]))
            return false;
        if (base)
            *(const char **)field(base, o) = w[0];
        return true;
    case CLI_NUMBERS: {
        cli_numbers r;
        if (!parse_numbers(o, w[0], &r))
            return false;
        if (base)
            *(cli_numbers *)field(base, o) = r;
        return true;
    }
    case CLI_CHOICE_ARG: {
        cli_choice_arg r;
        if (!parse_choice_arg(o, w, nw, &r))
            return false;
        if (base)
            *(cli_choice_arg *)field(base, o) = r;
        return true;
    }
    case CLI_SCHEDULE:
        if (!word_ok(o, w[0]) || !cli_schedule_parse(o, w[0], NULL))
            return false;
        if (base)
            *(const char **)field(base, o) = w[0];
        return true;
    case CLI_FILES: {
        cli_files r = { .n = nw };
        if (nw < o->min_words || nw > o->max_words || nw > 2) {
            cli_error("--%s needs %s", o->name, o->metavar);
            return false;
        }
        for (unsigned k = 0; k < nw; k++) {
            if (!word_ok(o, w[k]))
                return false;
            r.v[k] = w[k];
        }
        if (base)
            *(cli_files *)field(base, o) = r;
        return true;
    }
    }
    return false;
}

bool cli_option_set(const cli_option *o, void *base, const char *const *words, unsigned nwords)
{
    return set_value(o, base, words, nwords);
}

bool cli_option_check(const cli_option *o, const char *word)
{
    const char *w[2] = { word, NULL };
    return set_value(o, NULL, w, 1);
}

bool cli_table_defaults(const cli_table *t, void *base)
{
    for (size_t i = 0; i < t->n; i++) {
        const cli_option *o = &t->opts[i];
        const char *w[2] = { o->dflt, NULL };
        if (o->dflt && !set_value(o, base, w, 1))
            return false;
    }
    return true;
}

/* ---- the command line ---- */

const cli_option *cli_find_option(const cli_table *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->opts[i].name, name) == 0)
            return &t->opts[i];
    return NULL;
}

bool cli_mark_option(bool *given, const cli_table *t, const cli_option *o)
{
    size_t k = (size_t)(o - t->opts);
    if (given[k]) {
        cli_error("--%s is given twice (each option takes one value)", o->name);
        return false;
    }
    for (size_t j = 0; j < t->n; j++)
        if (given[j] && t->opts[j].offset == o->offset) {
            cli_error("--%s and --%s exclude each other", t->opts[j].name, o->name);
            return false;
        }
    given[k] = true;
    return true;
}

static bool is_option_word(const char *a)
{
    return strncmp(a, "--", 2) == 0;
}

int cli_next_option(const cli_table *t, int argc, char **argv, int *i, cli_token *tok)
{
    const char *a = argv[*i];
    if (!is_option_word(a) || a[2] == '\0') {
        /* the quote is cut short so that the hint after it always fits */
        cli_error("unexpected argument '%.64s%s' (options start with --; see %s --help)", a,
                  strlen(a) > 64 ? "..." : "", program_name);
        return CLI_EXIT_USAGE;
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const cli_option *o = NULL;
    for (size_t k = 0; k < t->n && !o; k++)
        if (strlen(t->opts[k].name) == len && strncmp(t->opts[k].name, name, len) == 0)
            o = &t->opts[k];
    if (!o) {
        cli_error("unknown option '--%.*s' (see %s --help)", (int)(len > 64 ? 64 : len), name,
                  program_name);
        return CLI_EXIT_USAGE;
    }
    *tok = (cli_token){ .opt = o };
    (*i)++;
    if (o->type == CLI_FLAG) {
        if (eq) {
            cli_error("option '--%s' takes no value", o->name);
            return CLI_EXIT_USAGE;
        }
        return CLI_EXIT_OK;
    }
    char mv[256];
    if (eq)
        tok->v[0] = eq + 1;
    else if (*i < argc)
        tok->v[0] = argv[(*i)++];
    else {
        cli_error("option '--%s' needs a value (%s)", o->name,
                  cli_option_metavar(o, mv, sizeof mv));
        return CLI_EXIT_USAGE;
    }
    tok->nwords = 1;
    if (o->type == CLI_CHOICE_ARG) {
        /* a choice that takes a number takes the next argument, whatever it
         * is (a negative number such as -0.5 is not an option) */
        const cli_choice *c = find_choice(o, tok->v[0]);
        if (!c || !c->arg)
            return CLI_EXIT_OK;
        if (*i >= argc || is_option_word(argv[*i])) {
            cli_error("option '--%s %s' needs a value (--%s %s %s)", o->name, c->name, o->name,
                      c->name, c->arg);
            return CLI_EXIT_USAGE;
        }
        tok->v[tok->nwords++] = argv[(*i)++];
        return CLI_EXIT_OK;
    }
    if (o->type != CLI_FILES)
        return CLI_EXIT_OK;
    /* more words: the required ones, then an optional one when the next
     * argument is not an option (not after --name=value) */
    while (tok->nwords < o->max_words && tok->nwords < 2) {
        bool required = tok->nwords < o->min_words;
        if (!required && (eq || *i >= argc || is_option_word(argv[*i])))
            break;
        if (*i >= argc || is_option_word(argv[*i])) {
            cli_error("option '--%s' needs %s", o->name, o->metavar);
            return CLI_EXIT_USAGE;
        }
        tok->v[tok->nwords++] = argv[(*i)++];
    }
    return CLI_EXIT_OK;
}

/* ---- descriptions: metavariable, default, bound, JSON ---- */

const char *cli_option_metavar(const cli_option *o, char *buf, size_t size)
{
    if (o->metavar || o->type == CLI_FLAG)
        return o->metavar ? o->metavar : "";
    if (o->type == CLI_CHOICE_ARG) {
        size_t len = 0;
        buf[0] = '\0';
        for (size_t k = 0; o->choices && o->choices[k].name; k++) {
            const cli_choice *c = &o->choices[k];
            int n = snprintf(buf + len, size - len, "%s%s%s%s", k ? "|" : "", c->name,
                             c->arg ? " " : "", c->arg ? c->arg : "");
            if (n < 0 || (size_t)n >= size - len)
                break;
            len += (size_t)n;
        }
        return buf;
    }
    if (o->type != CLI_ENUM && o->type != CLI_CHOICE)
        return "?";
    size_t len = 0;
    buf[0] = '\0';
    int v;
    const char *nm;
    for (size_t i = 0; (nm = choice_at(o, i, &v)); i++) {
        int k = snprintf(buf + len, size - len, "%s%s", i ? "|" : "", nm);
        if (k < 0 || (size_t)k >= size - len)
            break;
        len += (size_t)k;
    }
    return buf;
}

const char *cli_option_default(const cli_option *o, const void *defaults)
{
    if (o->dflt)
        return o->dflt;
    if (o->dflt_doc)
        return o->dflt_doc;
    if (o->type == CLI_FLAG && !(o->flags & CLI_ACTION))
        return *(const bool *)cfield(defaults, o) == o->flag ? "on" : "off";
    return "";
}

const char *cli_option_bound(const cli_option *o, char *buf, size_t size)
{
    buf[0] = '\0';
    if ((o->type == CLI_SIZE || o->type == CLI_U64) && int_max(o) < type_max(o))
        snprintf(buf, size, "%llu", (unsigned long long)int_max(o));
    else if ((o->type == CLI_NUMBER || o->type == CLI_NUMBERS) && isfinite(o->hi))
        snprintf(buf, size, "%g", o->hi);
    if (o->type == CLI_NUMBERS && buf[0] == '\0')
        snprintf(buf, size, "%d values", CLI_MAX_NUMBERS);
    return buf;
}

cli_list_kind cli_option_list_kind(const cli_option *o)
{
    if (!(o->flags & CLI_SWEEP))
        return CLI_LIST_NONE;
    switch (o->type) {
    case CLI_SIZE:
    case CLI_U64: return CLI_LIST_INT;
    case CLI_NUMBER:
    case CLI_ENUM:
    case CLI_CHOICE: return CLI_LIST_COMMA;
    case CLI_NUMBERS: return CLI_LIST_SLASH;
    case CLI_SCHEDULE: return CLI_LIST_SCHEDULE;
    default: return CLI_LIST_NONE;
    }
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", f);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

void cli_json_number(FILE *f, double v)
{
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    /* the shortest of %.15g, %.16g, %.17g that reads back exactly */
    char buf[32];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

void cli_option_json(FILE *f, const cli_option *o, const void *base)
{
    const void *p = cfield(base, o);
    switch (o->type) {
    case CLI_FLAG: fputs(*(const bool *)p ? "true" : "false", f); return;
    case CLI_SIZE: fprintf(f, "%zu", *(const size_t *)p); return;
    case CLI_U64: fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)p); return;
    case CLI_NUMBER: cli_json_number(f, *(const double *)p); return;
    case CLI_ENUM:
    case CLI_CHOICE: cli_json_string(f, cli_option_value_name(o, base)); return;
    case CLI_CHOICE_ARG: {
        const cli_choice_arg *v = p;
        const cli_choice *c = NULL;
        for (size_t k = 0; o->choices && o->choices[k].name && !c; k++)
            if (o->choices[k].value == v->choice)
                c = &o->choices[k];
        fputs("{\"mode\": ", f);
        cli_json_string(f, c ? c->name : "?");
        fputs(", \"value\": ", f);
        if (c && c->arg)
            cli_json_number(f, v->arg);
        else
            fputs("null", f);
        fputc('}', f);
        return;
    }
    case CLI_SCHEDULE:
    case CLI_STRING:
        if (*(const char *const *)p)
            cli_json_string(f, *(const char *const *)p);
        else
            fputs("null", f);
        return;
    case CLI_NUMBERS: {
        const cli_numbers *v = p;
        if (!v->n) {
            fputs("null", f);
            return;
        }
        fputc('[', f);
        for (size_t k = 0; k < v->n; k++) {
            fputs(k ? ", " : "", f);
            cli_json_number(f, v->v[k]);
        }
        fputc(']', f);
        return;
    }
    case CLI_FILES: {
        const cli_files *v = p;
        if (!v->n) {
            fputs("null", f);
            return;
        }
        fputc('[', f);
        for (size_t k = 0; k < v->n; k++) {
            fputs(k ? ", " : "", f);
            cli_json_string(f, v->v[k]);
        }
        fputc(']', f);
        return;
    }
    }
}

/* ---- --help and --list-options ---- */

/* Print text word-wrapped to `width` columns, every line indented by `indent`. */
static void print_wrapped(FILE *f, const char *text, int indent, int width)
{
    int col = 0;
    while (*text) {
        while (*text == ' ')
            text++;
        int len = (int)strcspn(text, " ");
        if (len == 0)
            break;
        if (col > 0 && col + 1 + len > width) {
            fputc('\n', f);
            col = 0;
        }
        if (col == 0)
            col = fprintf(f, "%*s%.*s", indent, "", len, text);
        else
            col += fprintf(f, " %.*s", len, text);
        text += len;
    }
    fputc('\n', f);
}

void cli_table_usage(FILE *f, const cli_table *t, const void *defaults, bool lists)
{
    static const char *const list_syntax[] = { "", "list: 1,2 or A:B[:STEP]", "list: a,b",
                                               "lists: a,b/c,d", "list: SPEC,SPEC" };
    for (size_t i = 0; i < t->n; i++) {
        const cli_option *o = &t->opts[i];
        char mv[256], bound[64], text[1024];
        if (o->section)
            fprintf(f, "\n%s:\n", o->section);
        const char *m = cli_option_metavar(o, mv, sizeof mv);
        const char *notes[3] = { cli_option_default(o, defaults), cli_option_bound(o, bound,
                                                                                  sizeof bound),
                                 lists ? list_syntax[cli_option_list_kind(o)] : "" };
        static const char *const lead[3] = { "default: ", "at most ", "" };
        fprintf(f, "  --%s%s%s\n", o->name, *m ? " " : "", m);
        size_t n = (size_t)snprintf(text, sizeof text, "%s", o->help);
        const char *open = " [";
        for (int k = 0; k < 3 && n < sizeof text; k++)
            if (*notes[k]) {
                n += (size_t)snprintf(text + n, sizeof text - n, "%s%s%s", open, lead[k], notes[k]);
                open = "; ";
            }
        if (*open == ';' && n < sizeof text)
            snprintf(text + n, sizeof text - n, "]");
        print_wrapped(f, text, 8, 79);
    }
}

void cli_table_list(FILE *f, const cli_table *t, const void *defaults)
{
    static const char *const kinds[] = { "-", "int", "comma", "slash", "schedule" };
    for (size_t i = 0; i < t->n; i++) {
        const cli_option *o = &t->opts[i];
        char mv[256], bound[64];
        fprintf(f, "--%s\t%s\t%s\t%s\t%s\n", o->name, cli_option_metavar(o, mv, sizeof mv),
                cli_option_default(o, defaults),
                cli_option_bound(o, bound, sizeof bound), kinds[cli_option_list_kind(o)]);
    }
}
