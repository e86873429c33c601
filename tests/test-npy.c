/* .npy read and write (aedyn-npy.h): round trips, the format versions numpy
 * writes, and rejection of everything else without reading out of bounds. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"


/* Write a file by hand: version (major), the dict padded to a multiple of 64
 * with a final '\n' (unless raw_header), then nbytes of data. */
static const char *write_raw(const char *name, int major, const char *dict, const double *data,
                             size_t nbytes)
{
    const char *path = testutil_tmp_path(name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    size_t pre = major == 1 ? 10 : 12, len = strlen(dict);
    size_t pad = (64 - (pre + len + 1) % 64) % 64, hlen = len + pad + 1;
    unsigned char magic[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)major, 0 };
    magic[8] = (unsigned char)(hlen & 0xff);
    magic[9] = (unsigned char)(hlen >> 8);
    magic[10] = magic[11] = 0;
    fwrite(magic, 1, pre, f);
    fwrite(dict, 1, len, f);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    if (nbytes)
        fwrite(data, 1, nbytes, f);
    fclose(f);
    return path;
}

static const double vals[6] = { 1.0, -2.5, 3.25, 1e-300, -0.0, 6.0 };

START_TEST(round_trip)
{
    testutil_tmpdir_make("aedyn-npy");
    double A[12];
    for (int i = 0; i < 12; i++)
        A[i] = i * 0.5 - 3.0 + (i == 7 ? 1e300 : 0);
    const char *path = testutil_tmp_path("a.npy");
    ck_assert_aedyn_ok(aedyn_npy_write(path, A, 3, 4));
    double *B = NULL;
    size_t r = 0, c = 0;
    ck_assert_aedyn_ok(aedyn_npy_read(path, &B, &r, &c));
    ck_assert_uint_eq(r, 3);
    ck_assert_uint_eq(c, 4);
    ck_assert_mem_eq(A, B, sizeof A);
    aedyn_npy_free(B);

    /* the header is what numpy writes: version 1.0, 64-byte aligned */
    FILE *f = fopen(path, "rb");
    unsigned char pre[10];
    ck_assert_uint_eq(fread(pre, 1, 10, f), 10);
    fclose(f);
    ck_assert_int_eq(pre[6], 1);
    ck_assert_uint_eq((10u + (pre[8] | pre[9] << 8)) % 64, 0);

    /* empty arrays */
    ck_assert_aedyn_ok(aedyn_npy_write(path, NULL, 0, 5));
    ck_assert_aedyn_ok(aedyn_npy_read(path, &B, &r, &c));
    ck_assert_uint_eq(r, 0);
    ck_assert_uint_eq(c, 5);
    aedyn_npy_free(B);
    aedyn_npy_free(NULL);
    testutil_tmpdir_remove();
}
END_TEST

START_TEST(numpy_file)
{
    /* written by numpy.save */
    size_t r, c;
    double *W = NULL;
    ck_assert_aedyn_ok(aedyn_npy_read(testutil_data_path("golden-erf-d100/w0.npy"), &W, &r, &c));
    ck_assert_uint_gt(r * c, 0);
    aedyn_npy_free(W);
}
END_TEST

START_TEST(versions_and_shapes)
{
    testutil_tmpdir_make("aedyn-npy");
    double *B;
    size_t r, c;
    /* 1.0 */
    const char *p = write_raw("v1.npy", 1,
                              "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                              vals, sizeof vals);
    ck_assert_aedyn_ok(aedyn_npy_read(p, &B, &r, &c));
    ck_assert_uint_eq(r, 2);
    ck_assert_uint_eq(c, 3);
    ck_assert_mem_eq(B, vals, sizeof vals);
    aedyn_npy_free(B);
    /* 2.0 (4-byte header length), keys in another order, double quotes */
    p = write_raw("v2.npy", 2, "{\"shape\": (3,2), \"fortran_order\": False, \"descr\": \"<f8\"}",
                  vals, sizeof vals);
    ck_assert_aedyn_ok(aedyn_npy_read(p, &B, &r, &c));
    ck_assert_uint_eq(r, 3);
    ck_assert_uint_eq(c, 2);
    ck_assert_mem_eq(B, vals, sizeof vals);
    aedyn_npy_free(B);
    /* 3.0 has the 2.0 layout */
    p = write_raw("v3.npy", 3, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", vals,
                  sizeof vals);
    ck_assert_aedyn_ok(aedyn_npy_read(p, &B, &r, &c));
    ck_assert_uint_eq(r, 6);
    ck_assert_uint_eq(c, 1);
    aedyn_npy_free(B);
    /* 0-D */
    p = write_raw("s.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", vals, 8);
    ck_assert_aedyn_ok(aedyn_npy_read(p, &B, &r, &c));
    ck_assert_uint_eq(r, 1);
    ck_assert_uint_eq(c, 1);
    ck_assert_double_eq(B[0], 1.0);
    aedyn_npy_free(B);
    testutil_tmpdir_remove();
}
END_TEST

/* Each malformed file is rejected with the expected status, a message naming
 * the file, and *data left untouched. */
static void expect_reject(const char *path, aedyn_status expected)
{
    double sentinel = 0, *B = &sentinel;
    size_t r = 99, c = 99;
    ck_assert_aedyn_fails(aedyn_npy_read(path, &B, &r, &c), expected);
    ck_assert_ptr_eq(B, &sentinel);
    ck_assert_uint_eq(r, 99);
    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), path));
}

START_TEST(rejects_malformed)
{
    testutil_tmpdir_make("aedyn-npy");
    expect_reject(write_raw("fortran.npy", 1,
                            "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", vals,
                            sizeof vals),
                  AEDYN_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "Fortran"));
    expect_reject(write_raw("f4.npy", 1,
                            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", vals,
                            24),
                  AEDYN_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "<f4"));
    expect_reject(write_raw("be.npy", 1,
                            "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", vals,
                            sizeof vals),
                  AEDYN_ERR_FORMAT);
    expect_reject(write_raw("i8.npy", 1,
                            "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", vals,
                            sizeof vals),
                  AEDYN_ERR_FORMAT);
    /* truncated data, and too much data */
    expect_reject(write_raw("short.npy", 1,
                            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", vals,
                            sizeof vals - 3),
                  AEDYN_ERR_FORMAT);
    expect_reject(write_raw("long.npy", 1,
                            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", vals,
                            sizeof vals),
                  AEDYN_ERR_FORMAT);
    /* a huge shape must not allocate */
    expect_reject(write_raw("huge.npy", 1,
                            "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, "
                            "1000000000), }",
                            vals, sizeof vals),
                  AEDYN_ERR_FORMAT);
    expect_reject(write_raw("overflow.npy", 1,
                            "{'descr': '<f8', 'fortran_order': False, 'shape': "
                            "(99999999999999999999999, 1), }",
                            vals, sizeof vals),
                  AEDYN_ERR_FORMAT);
    /* 3-D, missing key, unknown key, unterminated dict or string */
    expect_reject(write_raw("3d.npy", 1,
                            "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }",
                            vals, sizeof vals),
                  AEDYN_ERR_FORMAT);
    expect_reject(write_raw("nokey.npy", 1, "{'descr': '<f8', 'shape': (2, 3), }", vals,
                            sizeof vals),
                  AEDYN_ERR_FORMAT);
    expect_reject(write_raw("extra.npy", 1,
                            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1}",
                            vals, sizeof vals),
                  AEDYN_ERR_FORMAT);
    expect_reject(write_raw("open.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2",
                            vals, sizeof vals),
                  AEDYN_ERR_FORMAT);
    expect_reject(write_raw("quote.npy", 1, "{'descr: <f8", vals, 0), AEDYN_ERR_FORMAT);

    /* bad magic, unknown version, truncated preamble and header */
    const char *p = testutil_tmp_path("magic.npy");
    FILE *f = fopen(p, "wb");
    fputs("\x93NUMPX\x01\x00\x10\x00{}              \n", f);
    fclose(f);
    expect_reject(p, AEDYN_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(aedyn_error_message(), "not a .npy"));
    f = fopen(p, "wb");
    fputs("hello, world", f);
    fclose(f);
    expect_reject(p, AEDYN_ERR_FORMAT);
    p = write_raw("v9.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", vals,
                  8);
    f = fopen(p, "r+b");
    fseek(f, 6, SEEK_SET);
    fputc(9, f);
    fclose(f);
    expect_reject(p, AEDYN_ERR_FORMAT);
    p = testutil_tmp_path("pre.npy");
    f = fopen(p, "wb");
    fwrite("\x93NUMPY\x01", 1, 7, f);
    fclose(f);
    expect_reject(p, AEDYN_ERR_FORMAT);
    p = testutil_tmp_path("hdr.npy");
    f = fopen(p, "wb");
    fwrite("\x93NUMPY\x01\x00\x40\x00{'descr'", 1, 18, f);
    fclose(f);
    expect_reject(p, AEDYN_ERR_FORMAT);
    p = testutil_tmp_path("empty.npy");
    f = fopen(p, "wb");
    fclose(f);
    expect_reject(p, AEDYN_ERR_FORMAT);

    /* missing file, unwritable path */
    expect_reject(testutil_tmp_path("does-not-exist.npy"), AEDYN_ERR_IO);
    expect_reject(testutil_tmpdir(), AEDYN_ERR_IO); /* a directory: cannot read, not "bad magic" */
    ck_assert_aedyn_fails(aedyn_npy_write(testutil_tmp_path("no/such/dir.npy"), vals, 2, 3), AEDYN_ERR_IO);
    testutil_tmpdir_remove();
}
END_TEST

START_TEST(bad_arguments)
{
    double *B = NULL;
    size_t r, c;
    ck_assert_aedyn_fails(aedyn_npy_read(NULL, &B, &r, &c), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_npy_read("x.npy", NULL, &r, &c), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_npy_read("x.npy", &B, NULL, &c), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_npy_write(NULL, vals, 1, 1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_npy_write("x.npy", NULL, 1, 1), AEDYN_ERR_NULL);
    ck_assert_aedyn_fails(aedyn_npy_write("x.npy", vals, SIZE_MAX, 2), AEDYN_ERR_SIZE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("npy");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, numpy_file);
    tcase_add_test(tc, versions_and_shapes);
    tcase_add_test(tc, rejects_malformed);
    tcase_add_test(tc, bad_arguments);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
