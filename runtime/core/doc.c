/* The generic document tree shared by the YAML and JSON readers/writers:
 * node construction, freeing, map helpers, whole-file reading, the
 * emitters' output buffer and the round-trip number formatting. */
#include "doc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *gz_doc_kind_name(gz_doc_kind kind)
{
    switch (kind) {
    case GZ_DOC_NULL: return "null";
    case GZ_DOC_BOOL: return "bool";
    case GZ_DOC_INT: return "int";
    case GZ_DOC_FLOAT: return "float";
    case GZ_DOC_STRING: return "string";
    case GZ_DOC_SEQ: return "sequence";
    case GZ_DOC_MAP: return "map";
    }
    return "?";
}

gz_doc *gz_doc_new(gz_doc_kind kind)
{
    gz_doc *d = gz_calloc(1, sizeof *d);
    if (d)
        d->kind = kind;
    return d;
}

gz_doc *gz_doc_new_bool(bool b)
{
    gz_doc *d = gz_doc_new(GZ_DOC_BOOL);
    if (d)
        d->b = b;
    return d;
}

gz_doc *gz_doc_new_int(int64_t i)
{
    gz_doc *d = gz_doc_new(GZ_DOC_INT);
    if (d)
        d->i = i;
    return d;
}

gz_doc *gz_doc_new_float(double f)
{
    gz_doc *d = gz_doc_new(GZ_DOC_FLOAT);
    if (d)
        d->f = f;
    return d;
}

gz_doc *gz_doc_new_string(const char *s, size_t len)
{
    gz_doc *d = gz_doc_new(GZ_DOC_STRING);
    if (!d)
        return NULL;
    d->s = gz_malloc(len + 1);
    if (!d->s) {
        free(d);
        return NULL;
    }
    if (len)
        memcpy(d->s, s, len);
    d->s[len] = '\0';
    d->len = len;
    return d;
}

void gz_doc_free(gz_doc *d)
{
    if (!d)
        return;
    for (size_t k = 0; k < d->n; k++) {
        gz_doc_free(d->items[k]);
        if (d->keys)
            gz_doc_free(d->keys[k]);
    }
    free(d->items);
    free(d->keys);
    free(d->s);
    free(d->text);
    free(d);
}

gz_status gz_doc_set_text(gz_doc *d, const char *text, size_t len)
{
    char *t = gz_malloc(len + 1);
    if (!t)
        return GZ_ERR_NOMEM;
    if (len)
        memcpy(t, text, len);
    t[len] = '\0';
    free(d->text);
    d->text = t;
    return GZ_OK;
}

static gz_status grow(gz_doc *d)
{
    if (d->n < d->cap)
        return GZ_OK;
    size_t cap = d->cap ? d->cap * 2 : 4;
    gz_doc **items = realloc(d->items, cap * sizeof *items);
    if (!items)
        return gz_error_set(GZ_ERR_NOMEM, "out of memory growing a document node");
    d->items = items;
    if (d->kind == GZ_DOC_MAP) {
        gz_doc **keys = realloc(d->keys, cap * sizeof *keys);
        if (!keys)
            return gz_error_set(GZ_ERR_NOMEM, "out of memory growing a document node");
        d->keys = keys;
    }
    d->cap = cap;
    return GZ_OK;
}

gz_status gz_doc_append(gz_doc *seq, gz_doc *item)
{
    if (!item)
        return GZ_ERR_NOMEM;
    if (seq->kind != GZ_DOC_SEQ) {
        gz_doc_free(item);
        return gz_error_set(GZ_ERR_ARG, "gz_doc_append: not a sequence");
    }
    gz_status st = grow(seq);
    if (st) {
        gz_doc_free(item);
        return st;
    }
    seq->items[seq->n++] = item;
    return GZ_OK;
}

gz_status gz_doc_map_add(gz_doc *map, gz_doc *key, gz_doc *value)
{
    if (!key || !value) {
        gz_doc_free(key);
        gz_doc_free(value);
        return GZ_ERR_NOMEM;
    }
    if (map->kind != GZ_DOC_MAP || key->kind != GZ_DOC_STRING) {
        gz_doc_free(key);
        gz_doc_free(value);
        return gz_error_set(GZ_ERR_ARG, "gz_doc_map_add: not a map or key not a string");
    }
    gz_status st = grow(map);
    if (st) {
        gz_doc_free(key);
        gz_doc_free(value);
        return st;
    }
    map->keys[map->n] = key;
    map->items[map->n] = value;
    map->n++;
    return GZ_OK;
}

gz_status gz_doc_map_set(gz_doc *map, const char *key, size_t keylen, gz_doc *value)
{
    gz_doc *k = gz_doc_new_string(key, keylen);
    return gz_doc_map_add(map, k, value);
}

const gz_doc *gz_doc_map_get(const gz_doc *map, const char *key)
{
    if (!map || map->kind != GZ_DOC_MAP)
        return NULL;
    size_t len = strlen(key);
    for (size_t k = 0; k < map->n; k++)
        if (map->keys[k]->len == len && memcmp(map->keys[k]->s, key, len) == 0)
            return map->items[k];
    return NULL;
}

static int key_cmp(const gz_doc *a, const gz_doc *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    if (c)
        return c;
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* qsort has no context argument: sort (key, index) pairs instead. */
typedef struct {
    const gz_doc *key;
    size_t index;
} key_ref;

static int key_ref_cmp(const void *pa, const void *pb)
{
    const key_ref *a = pa, *b = pb;
    int c = key_cmp(a->key, b->key);
    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index ? 1 : 0;
}

long gz_doc_map_find_dup(const gz_doc *map)
{
    if (!map || map->kind != GZ_DOC_MAP || map->n < 2)
        return -1;
    if (map->n <= 8) {
        for (size_t j = 1; j < map->n; j++)
            for (size_t k = 0; k < j; k++)
                if (key_cmp(map->keys[j], map->keys[k]) == 0)
                    return (long)j;
        return -1;
    }
    key_ref *refs = gz_calloc(map->n, sizeof *refs);
    if (!refs)
        return -2;
    for (size_t k = 0; k < map->n; k++) {
        refs[k].key = map->keys[k];
        refs[k].index = k;
    }
    qsort(refs, map->n, sizeof *refs, key_ref_cmp);
    long best = -1;
    for (size_t k = 1; k < map->n; k++)
        if (key_cmp(refs[k].key, refs[k - 1].key) == 0 &&
            (best < 0 || (long)refs[k].index < best))
            best = (long)refs[k].index;
    free(refs);
    return best;
}

gz_status gz_doc_read_file(const char *path,
                           gz_status (*parse)(const char *name, const char *data, size_t len,
                                              gz_doc **out),
                           gz_doc **out)
{
    char *data;
    size_t len;
    *out = NULL;
    gz_status st = gz_doc_slurp(path, GZ_DOC_MAX_FILE_BYTES, &data, &len);
    if (st)
        return st;
    st = parse(path, data, len, out);
    free(data);
    return st;
}

bool gz_doc_text_put(gz_doc_text *t, const char *s, size_t n)
{
    if (t->nomem)
        return false;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *nb = realloc(t->buf, cap);
        if (!nb) {
            t->nomem = true;
            return false;
        }
        t->buf = nb;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return true;
}

gz_status gz_doc_slurp(const char *path, size_t max, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return gz_error_set(GZ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(fp);
        return gz_error_set(GZ_ERR_IO, "%s: is a folder, not a file", path);
    }
    /* a regular file over the limit is refused before reading it */
    if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > (uint64_t)max) {
        fclose(fp);
        return gz_error_set(GZ_ERR_LIMIT, "%s: file larger than %zu bytes", path, max);
    }
    size_t cap = 4096, n = 0;
    if (sb.st_size > 0 && (uint64_t)sb.st_size < (uint64_t)max)
        cap = (size_t)sb.st_size + 1;
    char *buf = gz_malloc(cap);
    if (!buf) {
        fclose(fp);
        return GZ_ERR_NOMEM;
    }
    for (;;) {
        if (n + 1 >= cap) {
            int c = fgetc(fp);
            if (c == EOF)
                break;
            ungetc(c, fp);
            if (cap > max) {
                free(buf);
                fclose(fp);
                return gz_error_set(GZ_ERR_LIMIT, "%s: file larger than %zu bytes", path, max);
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(fp);
                return gz_error_set(GZ_ERR_NOMEM, "%s: out of memory reading the file", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    int failed = ferror(fp);
    fclose(fp);
    if (failed) {
        free(buf);
        return gz_error_set(GZ_ERR_IO, "%s: read error", path);
    }
    if (n > max) {
        free(buf);
        return gz_error_set(GZ_ERR_LIMIT, "%s: file larger than %zu bytes", path, max);
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return GZ_OK;
}

void gz_doc_format_double(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            return;
    }
}
