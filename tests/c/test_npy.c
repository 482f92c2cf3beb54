/* Tests for runtime/core/npy.c: round trips of every dtype and rank
 * (including 0-d, empty and strided tensors), the exact bytes numpy
 * writes, versions 2.0/3.0, and refused files: bad magic, truncated
 * header, shape larger or smaller than the data, unsupported and
 * big-endian dtypes, Fortran order, structured dtypes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "npy.h"

/* Writes magic + version + header dict (padded to 64) + data bytes. */
static void craft(const char *path, int major, const char *dict, const void *data, size_t n)
{
    size_t pre = major == 1 ? 10 : 12;
    size_t dl = strlen(dict);
    size_t total = (pre + dl + 1 + 63) / 64 * 64;
    size_t hlen = total - pre;
    FILE *f = fopen(path, "wb");
    fwrite("\x93NUMPY", 1, 6, f);
    fputc(major, f);
    fputc(0, f);
    fputc((int)(hlen & 0xFF), f);
    fputc((int)((hlen >> 8) & 0xFF), f);
    if (major != 1) {
        fputc(0, f);
        fputc(0, f);
    }
    fwrite(dict, 1, dl, f);
    for (size_t k = dl; k + 1 < hlen; k++)
        fputc(' ', f);
    fputc('\n', f);
    if (n)
        fwrite(data, 1, n, f);
    fclose(f);
}

static void test_roundtrip_every_dtype(void)
{
    gz_dtype types[4] = {GZ_F32, GZ_F64, GZ_I64, GZ_U8};
    int64_t shapes[3][3] = {{5, 0, 0}, {3, 4, 0}, {2, 3, 4}};
    int ranks[3] = {1, 2, 3};
    for (int ti = 0; ti < 4; ti++)
        for (int si = 0; si < 3; si++) {
            gz_tensor *t, *back = NULL;
            CHECK(gz_tensor_new(&t, types[ti], ranks[si], shapes[si]) == GZ_OK);
            int64_t n = gz_tensor_numel(t);
            for (int64_t i = 0; i < n; i++)
                gz_tensor_set_flat(t, i, types[ti] == GZ_U8 ? (double)(i * 11 % 256)
                                         : types[ti] == GZ_I64 ? (double)(i * 1000003 - 7)
                                                               : 0.1 * (double)i - 1.0 / 3.0);
            CHECK(gz_npy_write(check_tmp("rt.npy"), t) == GZ_OK);
            CHECK_MSG(gz_npy_read(check_tmp("rt.npy"), &back) == GZ_OK, "%s", gz_error_message());
            if (back) {
                CHECK(back->dtype == t->dtype && back->ndim == t->ndim);
                for (int d = 0; d < t->ndim; d++)
                    CHECK(back->shape[d] == t->shape[d]);
                CHECK(memcmp(back->data, t->data, (size_t)n * gz_dtype_size(t->dtype)) == 0);
            }
            gz_tensor_free(t);
            gz_tensor_free(back);
        }
}

static void test_exact_int64_and_edge_shapes(void)
{
    gz_tensor *t, *back = NULL;
    int64_t s1[1] = {3};
    CHECK(gz_tensor_new(&t, GZ_I64, 1, s1) == GZ_OK);
    int64_t *d = t->data;
    d[0] = INT64_MAX;
    d[1] = INT64_MIN;
    d[2] = (1LL << 53) + 1;
    CHECK(gz_npy_write(check_tmp("i64.npy"), t) == GZ_OK);
    CHECK(gz_npy_read(check_tmp("i64.npy"), &back) == GZ_OK);
    CHECK(back && memcmp(back->data, t->data, 24) == 0);
    gz_tensor_free(t);
    gz_tensor_free(back);
    /* 0-d scalar and an empty array */
    CHECK(gz_tensor_new(&t, GZ_F64, 0, NULL) == GZ_OK);
    *(double *)t->data = 2.5;
    CHECK(gz_npy_write(check_tmp("s.npy"), t) == GZ_OK);
    CHECK(gz_npy_read(check_tmp("s.npy"), &back) == GZ_OK);
    CHECK(back && back->ndim == 0 && *(double *)back->data == 2.5);
    gz_tensor_free(t);
    gz_tensor_free(back);
    int64_t s0[2] = {0, 4};
    CHECK(gz_tensor_new(&t, GZ_F32, 2, s0) == GZ_OK);
    CHECK(gz_npy_write(check_tmp("e.npy"), t) == GZ_OK);
    CHECK(gz_npy_read(check_tmp("e.npy"), &back) == GZ_OK);
    CHECK(back && back->ndim == 2 && back->shape[0] == 0 && back->shape[1] == 4);
    gz_tensor_free(t);
    gz_tensor_free(back);
}

static void test_strided_view_written_in_c_order(void)
{
    gz_tensor *t, *v, *back = NULL;
    int64_t s[2] = {3, 4};
    CHECK(gz_tensor_new(&t, GZ_F64, 2, s) == GZ_OK);
    for (int i = 0; i < 12; i++)
        gz_tensor_set_flat(t, i, i);
    /* transpose as a view: shape 4 x 3, strides 1, 4 */
    CHECK(gz_tensor_view(&v, t) == GZ_OK);
    v->shape[0] = 4;
    v->shape[1] = 3;
    v->stride[0] = 1;
    v->stride[1] = 4;
    CHECK(gz_npy_write(check_tmp("tr.npy"), v) == GZ_OK);
    CHECK(gz_npy_read(check_tmp("tr.npy"), &back) == GZ_OK);
    if (back) {
        const double *b = back->data;
        CHECK(back->shape[0] == 4 && back->shape[1] == 3);
        CHECK(b[0] == 0 && b[1] == 4 && b[2] == 8 && b[3] == 1 && b[11] == 11);
    }
    gz_tensor_free(back);
    gz_tensor_free(v);
    gz_tensor_free(t);
}

static void test_header_bytes_like_numpy(void)
{
    /* numpy.save(np.zeros((2, 3), '<f4')) header, byte for byte */
    gz_tensor *t;
    int64_t s[2] = {2, 3};
    CHECK(gz_tensor_new(&t, GZ_F32, 2, s) == GZ_OK);
    CHECK(gz_npy_write(check_tmp("h.npy"), t) == GZ_OK);
    gz_tensor_free(t);
    FILE *f = fopen(check_tmp("h.npy"), "rb");
    unsigned char buf[128 + 24];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    CHECK(n == 128 + 24);
    const char *want = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    CHECK(memcmp(buf, "\x93NUMPY\x01\x00\x76\x00", 10) == 0);
    CHECK(memcmp(buf + 10, want, strlen(want)) == 0);
    CHECK(buf[127] == '\n' && buf[126] == ' ');
}

static void test_versions_2_and_3_and_forms(void)
{
    double v[2] = {1.5, -2.25};
    craft(check_tmp("v2.npy"), 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", v,
          16);
    craft(check_tmp("v3.npy"), 3, "{\"descr\": \"<f8\", \"shape\": (2,), \"fortran_order\": False}",
          v, 16);
    unsigned char u[3] = {1, 2, 255};
    craft(check_tmp("u1.npy"), 1, "{'descr': '<u1', 'fortran_order': False, 'shape': (3L,), }", u,
          3);
    const char *ok[3] = {check_tmp("v2.npy"), check_tmp("v3.npy"), check_tmp("u1.npy")};
    for (int k = 0; k < 3; k++) {
        gz_tensor *t = NULL;
        CHECK_MSG(gz_npy_read(ok[k], &t) == GZ_OK, "%s", gz_error_message());
        if (t && k < 2)
            CHECK(((double *)t->data)[1] == -2.25);
        if (t && k == 2)
            CHECK(t->dtype == GZ_U8 && ((unsigned char *)t->data)[2] == 255);
        gz_tensor_free(t);
    }
}

static void expect_refused(const char *path, const char *needle)
{
    gz_tensor *t = (gz_tensor *)1;
    gz_status st = gz_npy_read(path, &t);
    const char *m = gz_error_message();
    CHECK_MSG(st == GZ_ERR_FORMAT, "%s: status %s (%s)", path, gz_status_name(st), m);
    CHECK(t == NULL);
    CHECK_MSG(strncmp(m, path, strlen(path)) == 0, "message does not name the file: %s", m);
    CHECK_MSG(strstr(m, needle) != NULL, "message '%s' lacks '%s'", m, needle);
}

static void test_refused_files(void)
{
    /* crafted headers: file, header dict, data bytes, what the message says */
    static const struct {
        const char *file, *dict;
        size_t bytes;
        const char *needle;
    } bad[] = {
        {"lie.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", 32,
         "truncated or lying header"},
        {"lie2.npy",
         "{'descr': '<f8', 'fortran_order': False, "
         "'shape': (4294967296, 4294967296, 4294967296), }",
         32, "more than"},
        {"extra.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 32,
         "unexpected bytes"},
        {"i4.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8,
         "dtype '<i4' is not supported"},
        {"be.npy", "{'descr': '>f8', 'fortran_order': False, 'shape': (4,), }", 32, "big-endian"},
        {"obj.npy", "{'descr': '|O', 'fortran_order': False, 'shape': (4,), }", 32,
         "object arrays"},
        {"rec.npy", "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (4,), }", 32,
         "structured"},
        {"f.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", 32,
         "Fortran-order"},
        {"junk.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), 'x': 1}", 32,
         "unexpected key 'x'"},
        {"bad.npy", "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (4,), }", 32,
         "malformed .npy header"},
        {"neg.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (-4,), }", 32,
         "non-negative"},
    };
    double v[4] = {1, 2, 3, 4};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        craft(check_tmp(bad[k].file), 1, bad[k].dict, v, bad[k].bytes);
        expect_refused(check_tmp(bad[k].file), bad[k].needle);
    }
    FILE *f = fopen(check_tmp("magic.npy"), "wb");
    fwrite("\x93NUMPX\x01\x00\x10\x00", 1, 10, f);
    fclose(f);
    expect_refused(check_tmp("magic.npy"), "bad magic");
    f = fopen(check_tmp("ver.npy"), "wb");
    fwrite("\x93NUMPY\x09\x00\x10\x00", 1, 10, f);
    fclose(f);
    expect_refused(check_tmp("ver.npy"), "version 9.0");
    f = fopen(check_tmp("trunc.npy"), "wb");
    fwrite("\x93NUMPY\x01\x00\x76\x00{'descr'", 1, 18, f);
    fclose(f);
    expect_refused(check_tmp("trunc.npy"), "truncated in its header");
    fclose(fopen(check_tmp("empty.npy"), "wb"));
    expect_refused(check_tmp("empty.npy"), "bad magic");
    gz_tensor *t = NULL;
    CHECK(gz_npy_read(check_tmp("missing.npy"), &t) == GZ_ERR_IO);
    /* a truncated file written by us */
    int64_t s[1] = {100};
    CHECK(gz_tensor_new(&t, GZ_F64, 1, s) == GZ_OK);
    CHECK(gz_npy_write(check_tmp("full.npy"), t) == GZ_OK);
    gz_tensor_free(t);
    CHECK(truncate(check_tmp("full.npy"), 128 + 400) == 0);
    expect_refused(check_tmp("full.npy"), "only 400 data bytes");
}

static void test_write_failure_leaves_nothing(void)
{
    gz_tensor *t;
    int64_t s[1] = {3};
    CHECK(gz_tensor_new(&t, GZ_F32, 1, s) == GZ_OK);
    CHECK(gz_npy_write(check_tmp("nodir/x.npy"), t) == GZ_ERR_IO);
    CHECK(strstr(gz_error_message(), "x.npy") != NULL);
    CHECK(access(check_tmp("nodir/x.npy"), F_OK) != 0);
    gz_tensor_free(t);
}

int main(void)
{
    if (!check_tmpdir("gz_test_npy"))
        return 1;
    RUN(test_roundtrip_every_dtype);
    RUN(test_exact_int64_and_edge_shapes);
    RUN(test_strided_view_written_in_c_order);
    RUN(test_header_bytes_like_numpy);
    RUN(test_versions_2_and_3_and_forms);
    RUN(test_refused_files);
    RUN(test_write_failure_leaves_nothing);
    check_tmpdir_remove();
    return check_done();
}
