/* Minimal, strict reader and writer of .npy files holding float64 arrays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "npy-private.h"

#define NPY_MAX_HEADER 65536u

static bool host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Parse "(a, b)" / "(a,)" / "()" from the shape entry of the header dict. */
static bool parse_shape(const char *h, size_t *rows, size_t *cols)
{
    const char *p = strstr(h, "'shape'");
    if (!p || !(p = strchr(p, '(')))
        return false;
    size_t dims[2] = { 1, 1 }, nd = 0;
    p++;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == ')')
            break;
        if (nd == 2 || *p < '0' || *p > '9')
            return false;
        size_t v = 0;
        while (*p >= '0' && *p <= '9') {
            if (v > (SIZE_MAX - 9) / 10)
                return false;
            v = v * 10 + (size_t)(*p++ - '0');
        }
        dims[nd++] = v;
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
        else if (*p != ')')
            return false;
    }
    *rows = dims[0];
    *cols = nd == 2 ? dims[1] : 1;
    return true;
}

aedyn_status aedyn__npy_read(const char *path, double **data, size_t *rows, size_t *cols)
{
    AEDYN_REQUIRE_NONNULL(path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return aedyn__fail(AEDYN_ERR_IO, "cannot open '%s'", path);
    unsigned char pre[12];
    aedyn_status st = AEDYN_OK;
    char *hdr = NULL;
    double *buf = NULL;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s' is not a .npy file", path);
        goto out;
    }
    size_t hlen;
    if (pre[6] == 1) {
        hlen = pre[8] | (size_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': truncated header", path);
            goto out;
        }
        hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    } else {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': unsupported .npy version %u", path, pre[6]);
        goto out;
    }
    if (hlen == 0 || hlen > NPY_MAX_HEADER || !(hdr = calloc(hlen + 1, 1)) ||
        fread(hdr, 1, hlen, f) != hlen) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': bad or truncated header", path);
        goto out;
    }
    if (!strstr(hdr, "'descr': '<f8'") || !strstr(hdr, "'fortran_order': False")) {
        st = aedyn__fail(AEDYN_ERR_FORMAT,
                         "'%s': only little-endian float64 ('<f8') in C order is supported", path);
        goto out;
    }
    size_t r, c, n;
    if (!parse_shape(hdr, &r, &c) || !aedyn__mul_size(r, c, &n) ||
        n > SIZE_MAX / sizeof(double)) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': unsupported shape (1-D or 2-D only)", path);
        goto out;
    }
    if (!(buf = malloc(n ? n * sizeof *buf : 1))) {
        st = aedyn__fail(AEDYN_ERR_NOMEM, "'%s': out of memory", path);
        goto out;
    }
    if (fread(buf, sizeof *buf, n, f) != n) {
        st = aedyn__fail(AEDYN_ERR_FORMAT, "'%s': truncated data", path);
        goto out;
    }
    if (!host_little_endian())
        for (size_t i = 0; i < n; i++) {
            unsigned char *b = (unsigned char *)&buf[i];
            for (int k = 0; k < 4; k++) {
                unsigned char t = b[k];
                b[k] = b[7 - k];
                b[7 - k] = t;
            }
        }
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

aedyn_status aedyn__npy_write(const char *path, const double *data, size_t rows, size_t cols)
{
    AEDYN_REQUIRE_NONNULL(path);
    if (rows * cols > 0)
        AEDYN_REQUIRE_NONNULL(data);
    if (!host_little_endian())
        return aedyn__fail(AEDYN_ERR_UNSUPPORTED, "writing .npy needs a little-endian host");
    char dict[128];
    int len = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }",
                       rows, cols);
    /* pad with spaces so that 10 + header length is a multiple of 64, ending in '\n' */
    size_t total = 10 + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)len + pad + 1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return aedyn__fail(AEDYN_ERR_IO, "cannot create '%s'", path);
    unsigned char pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                              (unsigned char)(hlen >> 8) };
    bool ok = fwrite(pre, 1, 10, f) == 10 && fwrite(dict, 1, (size_t)len, f) == (size_t)len;
    for (size_t i = 0; ok && i < pad; i++)
        ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF && fwrite(data, sizeof *data, rows * cols, f) == rows * cols;
    if (fclose(f) != 0 || !ok)
        return aedyn__fail(AEDYN_ERR_IO, "error writing '%s'", path);
    return AEDYN_OK;
}
