/* Strict reader and writer of NumPy .npy files holding float64 arrays
 * (aedyn-npy.h). Format: magic "\x93NUMPY", major and minor version bytes, a
 * little-endian header length (2 bytes in 1.0, 4 bytes in 2.0/3.0), then an
 * ASCII Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}
 * padded with spaces and ending in '\n', then the raw data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common-private.h"

/* numpy itself refuses headers longer than 10000 bytes by default; allow more
 * but keep a bound so that a corrupt length cannot make us allocate gigabytes. */
#define NPY_MAX_HEADER 1048576u
#define NPY_MAX_DIMS 2

static bool host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void swap8(double *x)
{
    unsigned char *b = (unsigned char *)x;
    for (int k = 0; k < 4; k++) {
        unsigned char t = b[k];
        b[k] = b[7 - k];
        b[7 - k] = t;
    }
}

/* ---- header dict parser: a cursor over [p, end) that never reads past end ---- */

typedef struct {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool accept(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool accept_word(cursor *c, const char *w)
{
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
        c->p += n;
        return true;
    }
    return false;
}

/* A quoted string without escapes ('...' or "..."); copies at most cap-1 chars. */
static bool parse_string(cursor *c, char *out, size_t cap)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return false;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= cap)
            return false;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return false;
    c->p++;
    out[n] = '\0';
    return true;
}

/* A tuple of non-negative integers: (), (n,), (a, b), ... */
static bool parse_shape(cursor *c, size_t *dims, size_t *nd)
{
    if (!accept(c, '('))
        return false;
    *nd = 0;
    for (;;) {
        if (accept(c, ')'))
            return true;
        skip_ws(c);
        if (c->p >= c->end || *c->p < '0' || *c->p > '9' || *nd == NPY_MAX_DIMS)
            return false;
        size_t v = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (v > (SIZE_MAX - 9) / 10)
                return false;
            v = v * 10 + (size_t)(*c->p++ - '0');
        }
        if (c->p < c->end && *c->p == 'L') /* Python 2 long literal */
            c->p++;
        dims[(*nd)++] = v;
        if (accept(c, ','))
            continue;
        return accept(c, ')'); /* "(n)" without a comma: accepted as (n,) */
    }
}

typedef struct {
    char descr[32];
    bool fortran;
    size_t dims[NPY_MAX_DIMS], nd;
} npy_header;

/* Parse the header dict. On failure *why says what was wrong. */
static bool parse_header(const char *h, size_t len, npy_header *out, const char **why)
{
    cursor c = { h, h + len };
    bool have_descr = false, have_fortran = false, have_shape = false;
    *why = "the header is not a Python dict literal";
    if (!accept(&c, '{'))
        return false;
    while (!accept(&c, '}')) {
        char key[32];
        if (!parse_string(&c, key, sizeof key) || !accept(&c, ':'))
            return false;
        if (strcmp(key, "descr") == 0 && !have_descr) {
            if (!parse_string(&c, out->descr, sizeof out->descr)) {
                *why = "unsupported 'descr' (only '<f8', little-endian float64)";
                return false;
            }
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0 && !have_fortran) {
            if (accept_word(&c, "False"))
                out->fortran = false;
            else if (accept_word(&c, "True"))
                out->fortran = true;
            else
                return false;
            have_fortran = true;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            if (!parse_shape(&c, out->dims, &out->nd)) {
                *why = "unsupported 'shape' (only 0, 1 or 2 dimensions)";
                return false;
            }
            have_shape = true;
        } else {
            *why = "unexpected or repeated key in the header";
            return false;
        }
        if (!accept(&c, ',')) {
            if (!accept(&c, '}'))
                return false;
            break;
        }
    }
    skip_ws(&c); /* padding spaces and the final '\n' */
    if (c.p != c.end) {
        *why = "garbage after the header dict";
        return false;
    }
    if (!have_descr || !have_fortran || !have_shape) {
        *why = "the header lacks 'descr', 'fortran_order' or 'shape'";
        return false;
    }
    return true;
}

/* ---- reading ---- */

/* Bytes from the current position to the end of a seekable file, or -1. */
static long remaining_bytes(FILE *f)
{
    long here = ftell(f);
    if (here < 0 || fseek(f, 0, SEEK_END) != 0)
        return -1;
    long end = ftell(f);
    if (end < 0 || fseek(f, here, SEEK_SET) != 0)
        return -1;
    return end - here;
}

aedyn_status aedyn_npy_read(const char *path, double **data, size_t *rows, size_t *cols)
{
    AEDYN__REQUIRE_NONNULL(path);
    AEDYN__REQUIRE_NONNULL(data);
    AEDYN__REQUIRE_NONNULL(rows);
    AEDYN__REQUIRE_NONNULL(cols);
    FILE *f = fopen(path, "rb");
    if (!f)
        return aedyn__fail(AEDYN_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    unsigned char pre[12];
    aedyn_status st = AEDYN_OK;
    char *hdr = NULL;
    double *buf = NULL;
    size_t got = fread(pre, 1, 10, f);
    if (got < 6 && ferror(f)) { /* e.g. a directory */
        st = aedyn__fail(AEDYN_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
        goto out;
    }
    if (got < 6 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s' is not a .npy file (bad magic)", path);
        goto out;
    }
    if (got != 10) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': truncated .npy preamble", path);
        goto out;
    }
    size_t hlen;
    if (pre[6] == 1 && pre[7] == 0) {
        hlen = pre[8] | (size_t)pre[9] << 8;
    } else if ((pre[6] == 2 || pre[6] == 3) && pre[7] == 0) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': truncated .npy preamble", path);
            goto out;
        }
        hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    } else {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': unsupported .npy format version %u.%u", path,
                         pre[6], pre[7]);
        goto out;
    }
    if (hlen == 0 || hlen > NPY_MAX_HEADER) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': implausible .npy header length %zu", path,
                         hlen);
        goto out;
    }
    if (!(hdr = malloc(hlen))) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "'%s': out of memory for the header", path);
        goto out;
    }
    if (fread(hdr, 1, hlen, f) != hlen) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': truncated .npy header", path);
        goto out;
    }
    npy_header h;
    const char *why;
    if (!parse_header(hdr, hlen, &h, &why)) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': %s", path, why);
        goto out;
    }
    if (strcmp(h.descr, "<f8") != 0) {
        st = aedyn__fail(AEDYN_ERR_FORMAT,
                         "'%s': dtype '%s' is not supported (only '<f8', little-endian float64)",
                         path, h.descr);
        goto out;
    }
    if (h.fortran) {
        st = aedyn__fail(AEDYN_ERR_FORMAT,
                         "'%s': Fortran-order arrays are not supported (save a C-order array, "
                         "e.g. numpy.ascontiguousarray)", path);
        goto out;
    }
    size_t r = h.nd >= 1 ? h.dims[0] : 1, c = h.nd == 2 ? h.dims[1] : 1, n;
    if (!aedyn__mul_size(r, c, &n) || n > SIZE_MAX / sizeof(double)) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': shape too large", path);
        goto out;
    }
    /* Check the size before allocating: a corrupt shape must not allocate. */
    long rem = remaining_bytes(f);
    if (rem >= 0 && (unsigned long)rem != n * sizeof(double)) {
        st = aedyn__fail(AEDYN_ERR_FORMAT,
                         "'%s': the data has %ld bytes, the shape (%zu, %zu) needs %zu "
                         "(truncated or corrupt file)",
                         path, rem, r, c, n * sizeof(double));
        goto out;
    }
    if (!(buf = malloc(n ? n * sizeof *buf : 1))) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "'%s': out of memory for %zu values", path, n);
        goto out;
    }
    if (fread(buf, sizeof *buf, n, f) != n) {
        st = ferror(f) ? aedyn__fail(AEDYN_ERR_IO, "'%s': read error", path)
                       : aedyn__fail(AEDYN_ERR_FORMAT, "'%s': truncated data", path);
        goto out;
    }
    if (fgetc(f) != EOF) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': trailing bytes after the data", path);
        goto out;
    }
    if (!host_little_endian())
        for (size_t i = 0; i < n; i++)
            swap8(&buf[i]);
    *data = buf;
    buf = NULL;
    *rows = r;
    *cols = c;
out:
    free(hdr);
    free(buf);
    fclose(f);
    return st;
}

void aedyn_npy_free(double *data)
{
    free(data);
}

/* ---- writing ---- */

aedyn_status aedyn_npy_write(const char *path, const double *data, size_t rows, size_t cols)
{
    AEDYN__REQUIRE_NONNULL(path);
    size_t n;
    if (!aedyn__mul_size(rows, cols, &n) || n > SIZE_MAX / sizeof(double))
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_npy_write: shape (%zu, %zu) is too large",
                           rows, cols);
    if (n > 0)
        AEDYN__REQUIRE_NONNULL(data);
    char dict[128];
    int len = snprintf(dict, sizeof dict,
                       "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }", rows,
                       cols);
    if (len < 0 || (size_t)len >= sizeof dict)
        return aedyn__fail(AEDYN_ERR_SIZE, "aedyn_npy_write: header too long");
    /* pad with spaces so that preamble + header is a multiple of 64, ending in '\n' */
    const size_t preamble = 10;
    size_t total = preamble + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)len + pad + 1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return aedyn__fail(AEDYN_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                              (unsigned char)(hlen >> 8) };
    bool ok = fwrite(pre, 1, preamble, f) == preamble &&
              fwrite(dict, 1, (size_t)len, f) == (size_t)len;
    for (size_t i = 0; ok && i < pad; i++)
        ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    if (host_little_endian()) {
        /* n == 0 (an empty array) may come with data == NULL */
        ok = ok && (n == 0 || fwrite(data, sizeof *data, n, f) == n);
    } else {
        for (size_t i = 0; ok && i < n; i++) {
            double x = data[i];
            swap8(&x);
            ok = fwrite(&x, sizeof x, 1, f) == 1;
        }
    }
    if (fclose(f) != 0)
        ok = false;
    if (!ok) {
        const int e = errno;
        struct stat sb;
        /* no truncated array left behind where a reader would take it */
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            remove(path);
        return aedyn__fail(AEDYN_ERR_IO, "error writing '%s': %s", path,
                           e ? strerror(e) : "short write");
    }
    return AEDYN_OK;
}
