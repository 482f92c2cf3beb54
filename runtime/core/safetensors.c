/* safetensors reader and writer (see safetensors.h); the JSON header is
 * parsed with cJSON and written by hand. */
#include "safetensors.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

#define MAX_HEADER (100u << 20)

struct gz_safetensors {
    int n;
    char **names;
    gz_tensor **tensors;
    int n_meta;
    char **meta_k, **meta_v;
};

static const char *st_dtype(gz_dtype d)
{
    switch (d) {
    case GZ_F32: return "F32";
    case GZ_F64: return "F64";
    case GZ_I64: return "I64";
    case GZ_U8: return "U8";
    }
    return "?";
}

static int parse_dtype(const char *s)
{
    if (!strcmp(s, "F32")) return GZ_F32;
    if (!strcmp(s, "F64")) return GZ_F64;
    if (!strcmp(s, "I64")) return GZ_I64;
    if (!strcmp(s, "U8")) return GZ_U8;
    return -1;
}

/* Appends a JSON string literal. */
static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

gz_status gz_safetensors_save(const char *path, int n, const char *const *names,
                              const gz_tensor *const *tensors, int n_meta,
                              const char *const *meta_keys, const char *const *meta_values)
{
    for (int i = 0; i < n; i++) {
        if (!names[i][0] || !strcmp(names[i], "__metadata__"))
            return gz_error_set(GZ_ERR_ARG, "%s: invalid tensor name '%s'", path, names[i]);
        for (int j = 0; j < i; j++)
            if (!strcmp(names[i], names[j]))
                return gz_error_set(GZ_ERR_ARG, "%s: duplicate tensor name '%s'", path, names[i]);
    }
    /* header into memory */
    char *hbuf = NULL;
    size_t hlen = 0;
    FILE *h = open_memstream(&hbuf, &hlen);
    if (!h)
        return gz_error_set(GZ_ERR_NOMEM, "%s: out of memory for the header", path);
    fputc('{', h);
    uint64_t off = 0;
    if (n_meta > 0) {
        fputs("\"__metadata__\":{", h);
        for (int i = 0; i < n_meta; i++) {
            if (i)
                fputc(',', h);
            put_json_string(h, meta_keys[i]);
            fputc(':', h);
            put_json_string(h, meta_values[i]);
        }
        fputc('}', h);
    }
    for (int i = 0; i < n; i++) {
        const gz_tensor *t = tensors[i];
        uint64_t bytes = (uint64_t)gz_tensor_numel(t) * gz_dtype_size(t->dtype);
        if (i || n_meta > 0)
            fputc(',', h);
        put_json_string(h, names[i]);
        fprintf(h, ":{\"dtype\":\"%s\",\"shape\":[", st_dtype(t->dtype));
        for (int d = 0; d < t->ndim; d++)
            fprintf(h, d ? ",%lld" : "%lld", (long long)t->shape[d]);
        fprintf(h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                (unsigned long long)(off + bytes));
        off += bytes;
    }
    fputc('}', h);
    while ((ftell(h) % 8) != 0) /* pad so the data starts 8-byte aligned */
        fputc(' ', h);
    fclose(h);
    gz_atomic_file *af;
    gz_status st = gz_atomic_open(&af, path);
    if (st) {
        free(hbuf);
        return st;
    }
    FILE *f = gz_atomic_stream(af);
    unsigned char len8[8];
    for (int b = 0; b < 8; b++)
        len8[b] = (unsigned char)(((uint64_t)hlen >> (8 * b)) & 0xff);
    bool ok = fwrite(len8, 1, 8, f) == 8 && fwrite(hbuf, 1, hlen, f) == hlen;
    free(hbuf);
    for (int i = 0; ok && i < n; i++) {
        const gz_tensor *t = tensors[i];
        size_t es = gz_dtype_size(t->dtype);
        int64_t cnt = gz_tensor_numel(t);
        if (gz_tensor_is_contiguous(t)) {
            ok = fwrite(t->data, es, (size_t)cnt, f) == (size_t)cnt;
        } else {
            for (int64_t k = 0; ok && k < cnt; k++) {
                unsigned char tmp[8];
                double v = gz_tensor_get_flat(t, k);
                switch (t->dtype) {
                case GZ_F32: { float x = (float)v; memcpy(tmp, &x, 4); break; }
                case GZ_F64: memcpy(tmp, &v, 8); break;
                case GZ_I64: { int64_t x = (int64_t)v; memcpy(tmp, &x, 8); break; }
                case GZ_U8: tmp[0] = (unsigned char)v; break;
                }
                ok = fwrite(tmp, es, 1, f) == 1;
            }
        }
    }
    if (!ok) {
        int e = errno;
        gz_atomic_abort(af);
        return gz_error_set(GZ_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return gz_atomic_commit(af);
}

void gz_safetensors_free(gz_safetensors *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n; i++) {
        free(f->names[i]);
        gz_tensor_free(f->tensors[i]);
    }
    for (int i = 0; i < f->n_meta; i++) {
        free(f->meta_k[i]);
        free(f->meta_v[i]);
    }
    free(f->names);
    free(f->tensors);
    free(f->meta_k);
    free(f->meta_v);
    free(f);
}

static gz_status parse_entry(gz_safetensors *f, const char *path, const cJSON *e, FILE *fp,
                             uint64_t data_start, uint64_t data_len)
{
    const char *name = e->string;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(of) || cJSON_GetArraySize(of) != 2)
        return gz_error_set(GZ_ERR_FORMAT, "%s: tensor '%s': needs dtype, shape and data_offsets",
                            path, name);
    int d = parse_dtype(dt->valuestring);
    if (d < 0)
        return gz_error_set(GZ_ERR_FORMAT, "%s: tensor '%s': unsupported dtype %s (F32, F64, I64, U8)",
                            path, name, dt->valuestring);
    int nd = cJSON_GetArraySize(sh);
    if (nd > GZ_MAX_DIMS)
        return gz_error_set(GZ_ERR_FORMAT, "%s: tensor '%s': rank %d too large", path, name, nd);
    int64_t shape[GZ_MAX_DIMS];
    for (int i = 0; i < nd; i++) {
        const cJSON *v = cJSON_GetArrayItem(sh, i);
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9e15)
            return gz_error_set(GZ_ERR_FORMAT, "%s: tensor '%s': bad shape", path, name);
        shape[i] = (int64_t)v->valuedouble;
    }
    double b = cJSON_GetArrayItem(of, 0)->valuedouble, en = cJSON_GetArrayItem(of, 1)->valuedouble;
    gz_tensor *t;
    gz_status st = gz_tensor_new(&t, (gz_dtype)d, nd, shape);
    if (st)
        return gz_error_prefix(st, "%s: tensor '%s'", path, name);
    uint64_t bytes = (uint64_t)gz_tensor_numel(t) * gz_dtype_size(t->dtype);
    if (!(b >= 0 && en >= b && en <= (double)data_len && (uint64_t)(en - b) == bytes)) {
        gz_tensor_free(t);
        return gz_error_set(GZ_ERR_FORMAT,
                            "%s: tensor '%s': data_offsets [%.0f, %.0f] do not fit %llu bytes of "
                            "shape data in a %llu-byte data section",
                            path, name, b, en, (unsigned long long)bytes, (unsigned long long)data_len);
    }
    if (bytes && (fseeko(fp, (off_t)(data_start + (uint64_t)b), SEEK_SET) != 0 ||
                  fread(t->data, 1, bytes, fp) != bytes)) {
        gz_tensor_free(t);
        return gz_error_set(GZ_ERR_IO, "%s: tensor '%s': read failed", path, name);
    }
    f->names[f->n] = strdup(name);
    f->tensors[f->n] = t;
    f->n++;
    if (!f->names[f->n - 1])
        return gz_error_set(GZ_ERR_NOMEM, "out of memory");
    return GZ_OK;
}

gz_status gz_safetensors_load(gz_safetensors **out, const char *path)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return gz_error_set(GZ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char len8[8];
    gz_status st = GZ_OK;
    char *hdr = NULL;
    cJSON *root = NULL;
    gz_safetensors *f = NULL;
    fseeko(fp, 0, SEEK_END);
    uint64_t fsize = (uint64_t)ftello(fp);
    fseeko(fp, 0, SEEK_SET);
    if (fread(len8, 1, 8, fp) != 8) {
        st = gz_error_set(GZ_ERR_FORMAT, "%s: not a safetensors file (shorter than 8 bytes)", path);
        goto done;
    }
    uint64_t hlen = 0;
    for (int b = 7; b >= 0; b--)
        hlen = (hlen << 8) | len8[b];
    if (hlen > MAX_HEADER || hlen + 8 > fsize) {
        st = gz_error_set(GZ_ERR_FORMAT, "%s: header length %llu does not fit the %llu-byte file",
                          path, (unsigned long long)hlen, (unsigned long long)fsize);
        goto done;
    }
    hdr = malloc(hlen + 1);
    if (!hdr || fread(hdr, 1, hlen, fp) != hlen) {
        st = gz_error_set(hdr ? GZ_ERR_IO : GZ_ERR_NOMEM, "%s: cannot read the header", path);
        goto done;
    }
    hdr[hlen] = 0;
    root = cJSON_Parse(hdr);
    if (!cJSON_IsObject(root)) {
        st = gz_error_set(GZ_ERR_FORMAT, "%s: header is not a JSON object", path);
        goto done;
    }
    int cnt = cJSON_GetArraySize(root);
    f = gz_calloc(1, sizeof *f);
    if (!f || !(f->names = gz_calloc((size_t)cnt + 1, sizeof *f->names)) ||
        !(f->tensors = gz_calloc((size_t)cnt + 1, sizeof *f->tensors)) ||
        !(f->meta_k = gz_calloc((size_t)cnt + 1, sizeof *f->meta_k)) ||
        !(f->meta_v = gz_calloc((size_t)cnt + 1, sizeof *f->meta_v))) {
        st = GZ_ERR_NOMEM;
        goto done;
    }
    for (const cJSON *e = root->child; e; e = e->next) {
        if (!strcmp(e->string, "__metadata__")) {
            const cJSON *m;
            cJSON_ArrayForEach(m, e)
            {
                if (!cJSON_IsString(m))
                    continue;
                f->meta_k = realloc(f->meta_k, sizeof *f->meta_k * (size_t)(f->n_meta + 1));
                f->meta_v = realloc(f->meta_v, sizeof *f->meta_v * (size_t)(f->n_meta + 1));
                if (!f->meta_k || !f->meta_v) {
                    st = GZ_ERR_NOMEM;
                    goto done;
                }
                f->meta_k[f->n_meta] = strdup(m->string);
                f->meta_v[f->n_meta] = strdup(m->valuestring);
                f->n_meta++;
            }
            continue;
        }
        if (!cJSON_IsObject(e)) {
            st = gz_error_set(GZ_ERR_FORMAT, "%s: entry '%s' is not an object", path, e->string);
            goto done;
        }
        if ((st = parse_entry(f, path, e, fp, 8 + hlen, fsize - 8 - hlen)))
            goto done;
    }
done:
    cJSON_Delete(root);
    free(hdr);
    fclose(fp);
    if (st) {
        gz_safetensors_free(f);
        return st;
    }
    *out = f;
    return GZ_OK;
}

int gz_safetensors_count(const gz_safetensors *f)
{
    return f->n;
}

const char *gz_safetensors_name(const gz_safetensors *f, int i)
{
    return i >= 0 && i < f->n ? f->names[i] : NULL;
}

gz_tensor *gz_safetensors_tensor(const gz_safetensors *f, int i)
{
    return i >= 0 && i < f->n ? f->tensors[i] : NULL;
}

int gz_safetensors_find(const gz_safetensors *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->names[i], name))
            return i;
    return -1;
}

const char *gz_safetensors_meta(const gz_safetensors *f, const char *key)
{
    for (int i = 0; i < f->n_meta; i++)
        if (!strcmp(f->meta_k[i], key))
            return f->meta_v[i];
    return NULL;
}

int gz_safetensors_meta_count(const gz_safetensors *f)
{
    return f->n_meta;
}

const char *gz_safetensors_meta_key(const gz_safetensors *f, int i)
{
    return i >= 0 && i < f->n_meta ? f->meta_k[i] : NULL;
}
