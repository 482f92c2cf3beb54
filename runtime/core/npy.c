/* NumPy .npy reading and writing: a strict parser for the header's Python
 * dict literal, shape checked against the file size before allocating,
 * and C-order writing through the atomic-write path. */
#include "npy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define GZ_HOST_BIG_ENDIAN 1
#else
#define GZ_HOST_BIG_ENDIAN 0
#endif

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

static void swap_bytes(void *data, size_t esize, size_t n)
{
    if (!GZ_HOST_BIG_ENDIAN || esize == 1)
        return;
    unsigned char *p = data;
    for (size_t k = 0; k < n; k++, p += esize)
        for (size_t a = 0, b = esize - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

/* ---- header parsing ---- */

typedef struct {
    const char *path;
    const char *s;
    size_t n, k;
} hparser;

static void skip_ws(hparser *p)
{
    while (p->k < p->n && strchr(" \t\r\n", p->s[p->k]) && p->s[p->k])
        p->k++;
}

static gz_status bad_header(const hparser *p, const char *what)
{
    return gz_error_set(GZ_ERR_FORMAT, "%s: malformed .npy header: %s (at header byte %zu)",
                        p->path, what, p->k);
}

static gz_status parse_str(hparser *p, char *out, size_t cap)
{
    skip_ws(p);
    if (p->k >= p->n || (p->s[p->k] != '\'' && p->s[p->k] != '"'))
        return bad_header(p, "expected a quoted string");
    char q = p->s[p->k++];
    size_t m = 0;
    while (p->k < p->n && p->s[p->k] != q) {
        if (p->s[p->k] == '\\' || m + 1 >= cap)
            return bad_header(p, "unexpected string");
        out[m++] = p->s[p->k++];
    }
    if (p->k >= p->n)
        return bad_header(p, "unterminated string");
    p->k++;
    out[m] = '\0';
    return GZ_OK;
}

static bool take(hparser *p, const char *word)
{
    skip_ws(p);
    size_t m = strlen(word);
    if (p->n - p->k >= m && memcmp(p->s + p->k, word, m) == 0) {
        p->k += m;
        return true;
    }
    return false;
}

static gz_status parse_shape(hparser *p, int *ndim, int64_t *shape)
{
    if (!take(p, "("))
        return bad_header(p, "'shape' must be a tuple");
    *ndim = 0;
    for (;;) {
        if (take(p, ")"))
            return GZ_OK;
        skip_ws(p);
        if (p->k >= p->n || p->s[p->k] < '0' || p->s[p->k] > '9')
            return bad_header(p, "'shape' must hold non-negative integers");
        int64_t v = 0;
        while (p->k < p->n && p->s[p->k] >= '0' && p->s[p->k] <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return bad_header(p, "dimension too large");
            v = v * 10 + (p->s[p->k++] - '0');
        }
        if (p->k < p->n && p->s[p->k] == 'L')
            p->k++;
        if (*ndim >= GZ_MAX_DIMS)
            return gz_error_set(GZ_ERR_FORMAT, "%s: arrays of more than %d dimensions are not supported",
                                p->path, GZ_MAX_DIMS);
        shape[(*ndim)++] = v;
        if (take(p, ","))
            continue;
        if (take(p, ")"))
            return GZ_OK;
        return bad_header(p, "expected ',' or ')' in 'shape'");
    }
}

static gz_status dtype_from_descr(const char *path, const char *d, gz_dtype *out)
{
    static const struct {
        const char *code;
        gz_dtype dtype;
    } known[] = {{"f4", GZ_F32}, {"f8", GZ_F64}, {"i8", GZ_I64}, {"u1", GZ_U8}};
    size_t n = strlen(d);
    if (n == 3 || n == 2) {
        char order = n == 3 ? d[0] : '|';
        const char *code = d + (n - 2);
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
            if (strcmp(code, known[k].code) != 0)
                continue;
            if (order == '<' || order == '|' || known[k].dtype == GZ_U8) {
                *out = known[k].dtype;
                return GZ_OK;
            }
            if (order == '>')
                return gz_error_set(GZ_ERR_FORMAT,
                                    "%s: big-endian dtype '%s' is not supported (save "
                                    "a.astype('<%s') instead)",
                                    path, d, code);
        }
    }
    if (strchr(d, 'O'))
        return gz_error_set(GZ_ERR_FORMAT, "%s: object arrays ('%s') are not supported", path, d);
    return gz_error_set(GZ_ERR_FORMAT,
                        "%s: dtype '%s' is not supported (use float32 '<f4', float64 '<f8', "
                        "int64 '<i8' or uint8 '|u1')",
                        path, d);
}

static gz_status parse_header(const char *path, const char *s, size_t n, gz_dtype *dtype,
                              int *ndim, int64_t *shape)
{
    hparser p = {path, s, n, 0};
    char key[32], descr[64];
    bool have_descr = false, have_order = false, have_shape = false, fortran = false;
    if (!take(&p, "{"))
        return bad_header(&p, "expected '{'");
    for (;;) {
        if (take(&p, "}"))
            break;
        gz_status st = parse_str(&p, key, sizeof key);
        if (st)
            return st;
        if (!take(&p, ":"))
            return bad_header(&p, "expected ':'");
        if (strcmp(key, "descr") == 0 && !have_descr) {
            skip_ws(&p);
            if (p.k < p.n && p.s[p.k] == '[')
                return gz_error_set(GZ_ERR_FORMAT,
                                    "%s: structured dtypes are not supported", path);
            if ((st = parse_str(&p, descr, sizeof descr)))
                return st;
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
            if (take(&p, "True"))
                fortran = true;
            else if (!take(&p, "False"))
                return bad_header(&p, "'fortran_order' must be True or False");
            have_order = true;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            if ((st = parse_shape(&p, ndim, shape)))
                return st;
            have_shape = true;
        } else {
            return gz_error_set(GZ_ERR_FORMAT, "%s: malformed .npy header: unexpected key '%s'",
                                path, key);
        }
        if (take(&p, ","))
            continue;
        if (take(&p, "}"))
            break;
        return bad_header(&p, "expected ',' or '}'");
    }
    skip_ws(&p);
    if (p.k != p.n)
        return bad_header(&p, "unexpected text after the dictionary");
    if (!have_descr || !have_order || !have_shape)
        return gz_error_set(GZ_ERR_FORMAT,
                            "%s: malformed .npy header: needs 'descr', 'fortran_order' and "
                            "'shape'",
                            path);
    gz_status st = dtype_from_descr(path, descr, dtype);
    if (st)
        return st;
    /* a 0-d or 1-d array has the same layout in both orders */
    if (fortran && *ndim > 1)
        return gz_error_set(GZ_ERR_FORMAT,
                            "%s: Fortran-order arrays are not supported (save "
                            "np.ascontiguousarray(a) instead)",
                            path);
    return GZ_OK;
}

/* ---- reading ---- */

static gz_status read_body(const char *path, FILE *fp, gz_tensor **out)
{
    unsigned char pre[12];
    size_t got = fread(pre, 1, 10, fp);
    if (got < 8 || memcmp(pre, npy_magic, 6) != 0)
        return gz_error_set(GZ_ERR_FORMAT, "%s: not a .npy file (bad magic string)", path);
    int major = pre[6], minor = pre[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return gz_error_set(GZ_ERR_FORMAT, "%s: unsupported .npy format version %d.%d", path,
                            major, minor);
    size_t prefix = major == 1 ? 10 : 12;
    if (got < 10 || (prefix == 12 && fread(pre + 10, 1, 2, fp) != 2))
        return gz_error_set(GZ_ERR_FORMAT, "%s: .npy file is truncated in its header", path);
    uint64_t hlen = major == 1 ? (uint64_t)pre[8] | (uint64_t)pre[9] << 8
                               : (uint64_t)pre[8] | (uint64_t)pre[9] << 8 |
                                     (uint64_t)pre[10] << 16 | (uint64_t)pre[11] << 24;
    if (hlen > GZ_NPY_MAX_HEADER)
        return gz_error_set(GZ_ERR_FORMAT, "%s: .npy header of %llu bytes is too long (limit %d)",
                            path, (unsigned long long)hlen, GZ_NPY_MAX_HEADER);
    char *hdr = gz_malloc((size_t)hlen + 1);
    if (!hdr)
        return GZ_ERR_NOMEM;
    if (fread(hdr, 1, (size_t)hlen, fp) != hlen) {
        free(hdr);
        return gz_error_set(GZ_ERR_FORMAT, "%s: .npy file is truncated in its header", path);
    }
    hdr[hlen] = '\0';
    gz_dtype dtype = GZ_F32;
    int ndim = 0;
    int64_t shape[GZ_MAX_DIMS];
    gz_status st = parse_header(path, hdr, (size_t)hlen, &dtype, &ndim, shape);
    free(hdr);
    if (st)
        return st;
    /* the data size the header promises, against what the file holds */
    size_t esize = gz_dtype_size(dtype);
    uint64_t numel = 1;
    bool overflow = false;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] && numel > UINT64_MAX / 16 / (uint64_t)shape[d])
            overflow = true;
        else
            numel *= (uint64_t)shape[d];
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0)
        return gz_error_set(GZ_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    uint64_t have = (uint64_t)sb.st_size > prefix + hlen ? (uint64_t)sb.st_size - prefix - hlen : 0;
    uint64_t need = numel * esize;
    if (overflow || need > have)
        return gz_error_set(GZ_ERR_FORMAT,
                            "%s: .npy header declares %s%llu elements of %s but the file holds "
                            "only %llu data bytes (truncated or lying header)",
                            path, overflow ? "more than " : "", (unsigned long long)numel,
                            gz_dtype_name(dtype), (unsigned long long)have);
    if (need < have)
        return gz_error_set(GZ_ERR_FORMAT,
                            "%s: %llu unexpected bytes after the .npy data (header declares "
                            "%llu elements of %s)",
                            path, (unsigned long long)(have - need), (unsigned long long)numel,
                            gz_dtype_name(dtype));
    gz_tensor *t;
    if ((st = gz_tensor_new(&t, dtype, ndim, shape)))
        return gz_error_prefix(st, "%s", path);
    if (need && fread(t->data, 1, (size_t)need, fp) != need) {
        gz_tensor_free(t);
        return gz_error_set(GZ_ERR_IO, "%s: read error in the .npy data", path);
    }
    swap_bytes(t->data, esize, (size_t)numel);
    *out = t;
    return GZ_OK;
}

gz_status gz_npy_read(const char *path, gz_tensor **out)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return gz_error_set(GZ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    gz_status st = read_body(path, fp, out);
    fclose(fp);
    return st;
}

/* ---- writing ---- */

static const char *descr_of(gz_dtype dtype)
{
    switch (dtype) {
    case GZ_F32: return "<f4";
    case GZ_F64: return "<f8";
    case GZ_I64: return "<i8";
    case GZ_U8: return "|u1";
    }
    return "?";
}

/* Writes t's elements in C order; strided tensors are gathered in chunks. */
static gz_status write_data(FILE *fp, const gz_tensor *t)
{
    size_t esize = gz_dtype_size(t->dtype);
    int64_t numel = gz_tensor_numel(t);
    if (numel == 0)
        return GZ_OK;
    if (gz_tensor_is_contiguous(t) && !GZ_HOST_BIG_ENDIAN) {
        if (fwrite(t->data, esize, (size_t)numel, fp) != (size_t)numel)
            return GZ_ERR_IO;
        return GZ_OK;
    }
    enum { CHUNK = 8192 };
    unsigned char buf[CHUNK * 8];
    int64_t idx[GZ_MAX_DIMS] = {0};
    const unsigned char *base = t->data;
    size_t m = 0;
    for (int64_t i = 0; i < numel; i++) {
        int64_t off = 0;
        for (int d = 0; d < t->ndim; d++)
            off += idx[d] * t->stride[d];
        memcpy(buf + m * esize, base + off * (int64_t)esize, esize);
        if (++m == CHUNK || i + 1 == numel) {
            swap_bytes(buf, esize, m);
            if (fwrite(buf, esize, m, fp) != m)
                return GZ_ERR_IO;
            m = 0;
        }
        for (int d = t->ndim - 1; d >= 0; d--) {
            if (++idx[d] < t->shape[d])
                break;
            idx[d] = 0;
        }
    }
    return GZ_OK;
}

gz_status gz_npy_write(const char *path, const gz_tensor *t)
{
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr_of(t->dtype));
    for (int d = 0; d < t->ndim; d++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%s%" PRId64, d ? ", " : "", t->shape[d]);
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }", t->ndim == 1 ? "," : "");
    /* pad with spaces + '\n' so that the data starts at a multiple of 64 */
    size_t dlen = (size_t)n;
    size_t total = 10 + dlen + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t hlen = padded - 10;
    unsigned char head[10 + 600];
    memcpy(head, npy_magic, 6);
    head[6] = 1;
    head[7] = 0;
    head[8] = (unsigned char)(hlen & 0xFF);
    head[9] = (unsigned char)(hlen >> 8);
    memcpy(head + 10, dict, dlen);
    memset(head + 10 + dlen, ' ', hlen - dlen - 1);
    head[padded - 1] = '\n';
    gz_atomic_file *f;
    gz_status st = gz_atomic_open(&f, path);
    if (st)
        return st;
    FILE *fp = gz_atomic_stream(f);
    if (fwrite(head, 1, padded, fp) != padded || write_data(fp, t) != GZ_OK) {
        int e = errno;
        gz_atomic_abort(f);
        return gz_error_set(GZ_ERR_IO, "%s: write failed: %s", path, strerror(e ? e : EIO));
    }
    return gz_atomic_commit(f);
}
