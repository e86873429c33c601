/* Schedule SPECs of the command line; see cli-schedule.h. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli-schedule.h"

/* The forms, their grammar for the messages and their number of fields
 * after the name (piecewise: at least 1). */
typedef enum { F_CONSTANT, F_POWER, F_EXPONENTIAL, F_COSINE, F_PIECEWISE, N_FORMS } form;

static const struct {
    const char *name, *grammar;
    size_t n_fields;
} forms[N_FORMS] = {
    { "constant", "constant:V", 1 },
    { "power", "power:V0:TAU:BETA", 3 },
    { "exponential", "exponential:V0:TAU", 2 },
    { "cosine", "cosine:V0:VMIN:T", 3 },
    { "piecewise", "piecewise:V0:T1=V1:T2=V2...", 1 },
};

#define GRAMMAR                                                                               \
    "constant:V, power:V0:TAU:BETA, exponential:V0:TAU, cosine:V0:VMIN:T or "                \
    "piecewise:V0:T1=V1:T2=V2..., optionally followed by +warmup:TW"

/* A part of the SPEC: pointer and length (not NUL-terminated). */
typedef struct {
    const char *p;
    size_t n;
} slice;

/* What a number of the SPEC must be. */
typedef enum { NUM_VALUE, NUM_POSITIVE, NUM_NONNEG } num_kind;

typedef struct {
    const cli_option *o;
    const char *spec;
} ctx;

/* '%.*s%s' arguments that quote at most 64 bytes of a part (then "..."). */
#define QUOTE_LEN(s) (int)((s).n > 64 ? 64 : (s).n)
#define QUOTE_MORE(s) ((s).n > 64 ? "..." : "")
#define SPEC_LEN(c) (int)(strlen((c)->spec) > 64 ? 64 : strlen((c)->spec))
#define SPEC_MORE(c) (strlen((c)->spec) > 64 ? "..." : "")

/* Read the number `s` (field `what` of `grammar`) of the kind `kind`. */
static bool number(const ctx *c, slice s, const char *what, const char *grammar, num_kind kind,
                   double *out)
{
    char word[512];
    double v = 0;
    cli_num_status st = CLI_NUM_SYNTAX;
    if (s.n > 0 && s.n < sizeof word) {
        memcpy(word, s.p, s.n);
        word[s.n] = '\0';
        st = cli_parse_number(word, &v);
    }
    if (st == CLI_NUM_SYNTAX) {
        cli_error("--%s: %s of %s needs a decimal number such as 0.5 or 1e-3 (got '%.*s%s' in "
                  "'%.*s%s')", c->o->name, what, grammar, QUOTE_LEN(s), s.p, QUOTE_MORE(s),
                  SPEC_LEN(c), c->spec, SPEC_MORE(c));
        return false;
    }
    if (st == CLI_NUM_RANGE) {
        cli_error("--%s: %s of %s: '%.*s%s' is beyond the range of a double (in '%.*s%s')",
                  c->o->name, what, grammar, QUOTE_LEN(s), s.p, QUOTE_MORE(s), SPEC_LEN(c),
                  c->spec, SPEC_MORE(c));
        return false;
    }
    /* "-0" is 0, but a sign on a number that must not be negative is a trick */
    bool ok = word[0] != '-' && (kind == NUM_POSITIVE ? v > 0 : v >= 0);
    const char *need = kind == NUM_POSITIVE ? "> 0" : ">= 0";
    if (ok && kind == NUM_VALUE && !(v >= c->o->lo && v <= c->o->hi)) {
        ok = false;
        need = "within the option's bounds";
    }
    if (ok && kind == NUM_VALUE && (c->o->flags & CLI_SQUARED)) {
        double sq = v * v;
        if (!isfinite(sq) || (v != 0 && !(sq > 0))) {
            ok = false;
            need = "a number whose square is finite, and > 0 unless it is 0";
        }
    }
    if (!ok) {
        cli_error("--%s: %s of %s must be %s (got '%.*s%s' in '%.*s%s')", c->o->name, what,
                  grammar, need, QUOTE_LEN(s), s.p, QUOTE_MORE(s), SPEC_LEN(c), c->spec,
                  SPEC_MORE(c));
        return false;
    }
    *out = v;
    return true;
}

/* The next field of `rest` up to `sep` (or its end); advances `rest`. */
static slice next_field(slice *rest, char sep)
{
    const char *end = memchr(rest->p, sep, rest->n);
    size_t n = end ? (size_t)(end - rest->p) : rest->n;
    slice f = { rest->p, n };
    rest->p += end ? n + 1 : n;
    rest->n -= end ? n + 1 : n;
    return f;
}

static bool slice_is(slice s, const char *word)
{
    return s.n == strlen(word) && memcmp(s.p, word, s.n) == 0;
}

/* Where the modifiers start: the first '+' followed by a letter (a '+' of a
 * number is followed by a digit: 1e+3). */
static size_t modifiers_at(const char *spec)
{
    for (const char *p = spec; *p; p++)
        if (p[0] == '+' && isalpha((unsigned char)p[1]))
            return (size_t)(p - spec);
    return strlen(spec);
}

/* The number of ':'-separated fields of `s` (<= its length + 1: no overflow). */
static size_t count_fields(slice s)
{
    size_t n = 1;
    for (size_t k = 0; k < s.n; k++)
        n += s.p[k] == ':';
    return n;
}

static bool create_failed(const ctx *c, aedyn_status st)
{
    cli_error("--%s: %s: %s", c->o->name, aedyn_strerror(st), aedyn_error_message());
    return false;
}

/* piecewise:V0:T1=V1:...: with `out`, the schedule is created. */
static bool parse_piecewise(const ctx *c, slice rest, aedyn_schedule **out)
{
    const char *g = forms[F_PIECEWISE].grammar;
    size_t n = count_fields(rest); /* the pieces */
    if (n > AEDYN_SCHEDULE_MAX_POINTS) {
        cli_error("--%s: '%.*s%s' has %zu pieces, at most %u", c->o->name, SPEC_LEN(c), c->spec,
                  SPEC_MORE(c), n, AEDYN_SCHEDULE_MAX_POINTS);
        return false;
    }
    double *t = NULL, *v = NULL;
    if (out) {
        t = cli_alloc(n, 1, sizeof *t);
        v = cli_alloc(n, 1, sizeof *v);
        if (!t || !v) {
            free(t);
            free(v);
            cli_error("--%s: out of memory for %zu pieces", c->o->name, n);
            return false;
        }
    }
    bool ok = true;
    double prev = 0;
    for (size_t i = 0; i < n && ok; i++) {
        slice field = next_field(&rest, ':');
        double tv = 0, vv = 0;
        if (i == 0) {
            ok = number(c, field, "V0", g, NUM_VALUE, &vv);
        } else {
            const char *eq = memchr(field.p, '=', field.n);
            if (!eq) {
                cli_error("--%s: piece '%.*s%s' of %s is not T=V (in '%.*s%s')", c->o->name,
                          QUOTE_LEN(field), field.p, QUOTE_MORE(field), g, SPEC_LEN(c), c->spec,
                          SPEC_MORE(c));
                ok = false;
                break;
            }
            slice tpart = { field.p, (size_t)(eq - field.p) };
            slice vpart = { eq + 1, field.n - tpart.n - 1 };
            char what_t[32], what_v[32];
            snprintf(what_t, sizeof what_t, "T%zu", i);
            snprintf(what_v, sizeof what_v, "V%zu", i);
            ok = number(c, tpart, what_t, g, NUM_POSITIVE, &tv) &&
                 number(c, vpart, what_v, g, NUM_VALUE, &vv);
            if (ok && !(tv > prev)) {
                cli_error("--%s: the times of %s must increase: %s = '%.*s%s' is not after %g "
                          "(in '%.*s%s')", c->o->name, g, what_t, QUOTE_LEN(tpart), tpart.p,
                          QUOTE_MORE(tpart), prev, SPEC_LEN(c), c->spec, SPEC_MORE(c));
                ok = false;
            }
            prev = tv;
        }
        if (ok && out) {
            t[i] = tv;
            v[i] = vv;
        }
    }
    if (ok && out) {
        aedyn_status st = aedyn_schedule_create_piecewise(out, n, t, v);
        if (st != AEDYN_OK)
            ok = create_failed(c, st);
    }
    free(t);
    free(v);
    return ok;
}

/* The form: name, then its numbers. With `out`, the schedule is created. */
static bool parse_form(const ctx *c, slice s, aedyn_schedule **out)
{
    slice rest = s, name = next_field(&rest, ':');
    form f = N_FORMS;
    for (int k = 0; k < N_FORMS; k++)
        if (slice_is(name, forms[k].name))
            f = (form)k;
    if (f == N_FORMS) {
        cli_error("--%s: unknown schedule '%.*s%s' in '%.*s%s' (%s)", c->o->name,
                  QUOTE_LEN(name), name.p, QUOTE_MORE(name), SPEC_LEN(c), c->spec, SPEC_MORE(c),
                  GRAMMAR);
        return false;
    }
    const char *g = forms[f].grammar;
    if (name.n == s.n) { /* no ':' after the name */
        cli_error("--%s: '%.*s%s' needs its numbers: %s", c->o->name, QUOTE_LEN(name), name.p,
                  QUOTE_MORE(name), g);
        return false;
    }
    if (f == F_PIECEWISE)
        return parse_piecewise(c, rest, out);
    static const char *const what[N_FORMS][3] = {
        { "V" }, { "V0", "TAU", "BETA" }, { "V0", "TAU" }, { "V0", "VMIN", "T" }, { "" } };
    static const num_kind kinds[N_FORMS][3] = {
        { NUM_VALUE },
        { NUM_VALUE, NUM_POSITIVE, NUM_NONNEG },
        { NUM_VALUE, NUM_POSITIVE },
        { NUM_VALUE, NUM_VALUE, NUM_POSITIVE },
        { NUM_VALUE } };
    const size_t want = forms[f].n_fields, have = count_fields(rest);
    if (have < want) {
        cli_error("--%s: '%.*s%s' has %zu of the %zu numbers of %s", c->o->name, SPEC_LEN(c),
                  c->spec, SPEC_MORE(c), have, want, g);
        return false;
    }
    double x[3] = { 0, 0, 0 };
    for (size_t k = 0; k < want; k++) {
        slice field = next_field(&rest, ':');
        if (!number(c, field, what[f][k], g, kinds[f][k], &x[k]))
            return false;
    }
    if (have > want) {
        /* the part after the last number, its ':' included */
        slice extra = { rest.p - 1, rest.n + 1 };
        cli_error("--%s: unexpected '%.*s%s' after the %zu numbers of %s (in '%.*s%s')",
                  c->o->name, QUOTE_LEN(extra), extra.p, QUOTE_MORE(extra), want, g,
                  SPEC_LEN(c), c->spec, SPEC_MORE(c));
        return false;
    }
    if (f == F_COSINE && !(x[1] <= x[0])) {
        cli_error("--%s: VMIN of %s must be <= V0 (got V0 = %g, VMIN = %g in '%.*s%s')",
                  c->o->name, g, x[0], x[1], SPEC_LEN(c), c->spec, SPEC_MORE(c));
        return false;
    }
    if (!out)
        return true;
    aedyn_status st = f == F_CONSTANT      ? aedyn_schedule_create_constant(out, x[0])
                      : f == F_POWER       ? aedyn_schedule_create_power(out, x[0], x[1], x[2])
                      : f == F_EXPONENTIAL ? aedyn_schedule_create_exponential(out, x[0], x[1])
                                           : aedyn_schedule_create_cosine(out, x[0], x[1], x[2]);
    return st == AEDYN_OK || create_failed(c, st);
}

bool cli_schedule_parse(const cli_option *o, const char *spec, aedyn_schedule **out)
{
    ctx c = { o, spec };
    size_t at = modifiers_at(spec);
    slice form_part = { spec, at };
    slice mods = { spec + at, strlen(spec) - at };
    double warmup = 0;
    bool has_warmup = false;
    /* the modifiers first: the SPEC is checked before anything is created */
    while (mods.n > 0) {
        mods.p++; /* the '+' */
        mods.n--;
        size_t len = modifiers_at(mods.p);
        if (len > mods.n)
            len = mods.n;
        slice m = { mods.p, len }, rest = m, name = next_field(&rest, ':');
        mods.p += len;
        mods.n -= len;
        if (!slice_is(name, "warmup")) {
            cli_error("--%s: unknown modifier '+%.*s%s' in '%.*s%s' (only +warmup:TW)", o->name,
                      QUOTE_LEN(name), name.p, QUOTE_MORE(name), SPEC_LEN(&c), spec,
                      SPEC_MORE(&c));
            return false;
        }
        if (has_warmup) {
            cli_error("--%s: +warmup is given twice in '%.*s%s'", o->name, SPEC_LEN(&c), spec,
                      SPEC_MORE(&c));
            return false;
        }
        if (name.p + name.n == m.p + m.n) {
            cli_error("--%s: '+warmup' needs its duration: +warmup:TW (in '%.*s%s')", o->name,
                      SPEC_LEN(&c), spec, SPEC_MORE(&c));
            return false;
        }
        if (!number(&c, rest, "TW", "+warmup:TW", NUM_NONNEG, &warmup))
            return false;
        has_warmup = true;
    }
    if (!parse_form(&c, form_part, out))
        return false;
    if (out && has_warmup) {
        aedyn_status st = aedyn_schedule_set_warmup(*out, warmup);
        if (st != AEDYN_OK) {
            cli_error("--%s: %s: %s", o->name, aedyn_strerror(st), aedyn_error_message());
            aedyn_schedule_destroy(*out);
            *out = NULL;
            return false;
        }
    }
    return true;
}
