/* JSON <-> document tree: parsing through cJSON (errors located by line and
 * column from cJSON's error position) and our own printer, so that every
 * double is written in a form that reads back to the same value. */
#include "doc.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

/* ---- reader ---- */

typedef struct {
    const char *name;
    char path[512];
} jreader;

static void path_push(jreader *r, size_t *saved, const char *key, long index)
{
    size_t n = strlen(r->path);
    *saved = n;
    if (key)
        snprintf(r->path + n, sizeof r->path - n, "%s%s", n ? "." : "", key);
    else
        snprintf(r->path + n, sizeof r->path - n, "[%ld]", index);
}

static gz_status convert(jreader *r, const cJSON *j, int depth, gz_doc **out)
{
    *out = NULL;
    gz_doc *d = NULL;
    if (cJSON_IsNull(j)) {
        d = gz_doc_new(GZ_DOC_NULL);
    } else if (cJSON_IsBool(j)) {
        d = gz_doc_new_bool(cJSON_IsTrue(j));
    } else if (cJSON_IsNumber(j)) {
        double v = j->valuedouble;
        if (v == floor(v) && fabs(v) <= 9007199254740992.0 && !(v == 0 && signbit(v)))
            d = gz_doc_new_int((int64_t)v);
        else
            d = gz_doc_new_float(v);
    } else if (cJSON_IsString(j)) {
        const char *s = j->valuestring ? j->valuestring : "";
        d = gz_doc_new_string(s, strlen(s));
        if (d)
            d->quoted = true;
    } else if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
        bool is_map = cJSON_IsObject(j);
        if (depth >= GZ_DOC_MAX_DEPTH)
            return gz_error_set(GZ_ERR_LIMIT, "%s: %s%snesting deeper than %d levels", r->name,
                                r->path, *r->path ? ": " : "", GZ_DOC_MAX_DEPTH);
        d = gz_doc_new(is_map ? GZ_DOC_MAP : GZ_DOC_SEQ);
        if (!d)
            return GZ_ERR_NOMEM;
        long index = 0;
        for (const cJSON *c = j->child; c; c = c->next, index++) {
            size_t saved;
            path_push(r, &saved, is_map ? (c->string ? c->string : "") : NULL, index);
            gz_doc *child;
            gz_status st = convert(r, c, depth + 1, &child);
            r->path[saved] = '\0';
            if (!st) {
                if (is_map) {
                    const char *k = c->string ? c->string : "";
                    st = gz_doc_map_set(d, k, strlen(k), child);
                } else {
                    st = gz_doc_append(d, child);
                }
            }
            if (st) {
                gz_doc_free(d);
                return st;
            }
        }
        if (is_map) {
            long dup = gz_doc_map_find_dup(d);
            if (dup != -1) {
                gz_status st = dup == -2 ? GZ_ERR_NOMEM
                                         : gz_error_set(GZ_ERR_FORMAT,
                                                        "%s: %s%sduplicate key '%.80s'", r->name,
                                                        r->path, *r->path ? ": " : "",
                                                        d->keys[dup]->s);
                gz_doc_free(d);
                return st;
            }
        }
    } else {
        return gz_error_set(GZ_ERR_FORMAT, "%s: %s: unexpected JSON value", r->name, r->path);
    }
    if (!d)
        return GZ_ERR_NOMEM;
    *out = d;
    return GZ_OK;
}

gz_status gz_json_parse(const char *name, const char *data, size_t len, gz_doc **out)
{
    *out = NULL;
    jreader r;
    r.name = name ? name : "<string>";
    r.path[0] = '\0';
    /* cJSON wants the text NUL-terminated (and counted in the length) to
     * refuse trailing garbage; an embedded NUL must not end the text early */
    char *copy = gz_malloc(len + 1);
    if (!copy)
        return gz_error_prefix(GZ_ERR_NOMEM, "%s", r.name);
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
    if (j && end != copy + len) {
        cJSON_Delete(j);
        j = NULL;
    }
    if (end)
        end = data + (end - copy);
    free(copy);
    if (!j) {
        size_t off = end && end >= data && end <= data + len ? (size_t)(end - data) : 0;
        size_t line = 1, col = 1;
        for (size_t k = 0; k < off; k++) {
            if (data[k] == '\n') {
                line++;
                col = 1;
            } else if (((unsigned char)data[k] & 0xC0) != 0x80) {
                col++;
            }
        }
        size_t rest = len - off;
        size_t blank = 0; /* data need not be NUL-terminated: no strspn */
        while (blank < len && strchr(" \t\r\n", data[blank]) && data[blank])
            blank++;
        if (len == 0 || blank == len)
            return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: empty JSON document", r.name, line,
                                col);
        if (rest == 0)
            return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: JSON syntax error: unexpected end of file",
                                r.name, line, col);
        /* show a few characters at the error position, printable ASCII only */
        char near[16];
        size_t m = 0;
        for (size_t k = off; k < len && m < 10; k++) {
            unsigned char c = (unsigned char)data[k];
            if (c == '\n' || c == '\r')
                break;
            near[m++] = (c >= 32 && c < 127) ? (char)c : '?';
        }
        near[m] = '\0';
        return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: JSON syntax error near '%s'", r.name,
                            line, col, near);
    }
    gz_status st = convert(&r, j, 0, out);
    cJSON_Delete(j);
    return st;
}

gz_status gz_json_read(const char *path, gz_doc **out)
{
    return gz_doc_read_file(path, gz_json_parse, out);
}

/* ---- writer ---- */

static void put(gz_doc_text *o, const char *s, size_t n)
{
    gz_doc_text_put(o, s, n);
}

static void puts_(gz_doc_text *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_string(gz_doc_text *o, const char *s, size_t n)
{
    put(o, "\"", 1);
    size_t run = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        const char *esc = NULL;
        char ubuf[8];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20) {
                snprintf(ubuf, sizeof ubuf, "\\u%04x", c);
                esc = ubuf;
            }
        }
        if (esc) {
            put(o, s + k - run, run);
            run = 0;
            puts_(o, esc);
        } else {
            run++;
        }
    }
    put(o, s + n - run, run);
    put(o, "\"", 1);
}

static void put_number(gz_doc_text *o, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        puts_(o, "null");
        return;
    }
    if (v == 0 && signbit(v)) {
        puts_(o, "-0.0");
        return;
    }
    if (v == floor(v) && v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
        snprintf(buf, sizeof buf, "%lld", (long long)v);
    } else {
        gz_doc_format_double(v, buf, sizeof buf);
    }
    puts_(o, buf);
}

static void newline(gz_doc_text *o, int indent, int level)
{
    put(o, "\n", 1);
    for (int k = 0; k < indent * level; k++)
        put(o, " ", 1);
}

static gz_status write_node(gz_doc_text *o, const gz_doc *d, int indent, int level)
{
    char buf[32];
    switch (d->kind) {
    case GZ_DOC_NULL: puts_(o, "null"); return GZ_OK;
    case GZ_DOC_BOOL: puts_(o, d->b ? "true" : "false"); return GZ_OK;
    case GZ_DOC_INT:
        snprintf(buf, sizeof buf, "%" PRId64, d->i);
        puts_(o, buf);
        return GZ_OK;
    case GZ_DOC_FLOAT: put_number(o, d->f); return GZ_OK;
    case GZ_DOC_STRING: put_string(o, d->s, d->len); return GZ_OK;
    case GZ_DOC_SEQ:
    case GZ_DOC_MAP:
        break;
    }
    if (level >= GZ_DOC_MAX_DEPTH)
        return gz_error_set(GZ_ERR_LIMIT, "cannot write JSON: nesting deeper than %d levels",
                            GZ_DOC_MAX_DEPTH);
    bool is_map = d->kind == GZ_DOC_MAP;
    put(o, is_map ? "{" : "[", 1);
    /* pretty output keeps arrays of scalars on one line */
    bool flat = indent <= 0 || !is_map;
    if (indent > 0 && !is_map)
        for (size_t k = 0; k < d->n && flat; k++)
            flat = d->items[k]->kind != GZ_DOC_SEQ && d->items[k]->kind != GZ_DOC_MAP;
    if (indent > 0 && is_map)
        flat = d->n == 0;
    for (size_t k = 0; k < d->n; k++) {
        if (k)
            puts_(o, flat && indent > 0 ? ", " : ",");
        if (!flat)
            newline(o, indent, level + 1);
        if (is_map) {
            put_string(o, d->keys[k]->s, d->keys[k]->len);
            puts_(o, indent > 0 ? ": " : ":");
        }
        gz_status st = write_node(o, d->items[k], indent, level + 1);
        if (st)
            return st;
    }
    if (!flat && d->n)
        newline(o, indent, level);
    put(o, is_map ? "}" : "]", 1);
    return GZ_OK;
}

gz_status gz_json_emit(const gz_doc *doc, int indent, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    gz_doc_text o = {0};
    if (indent > 16)
        indent = 16;
    gz_status st = write_node(&o, doc, indent, 0);
    if (!st && indent > 0)
        put(&o, "\n", 1);
    if (!st && !o.buf)
        put(&o, "", 0);
    if (!st && o.nomem)
        st = gz_error_set(GZ_ERR_NOMEM, "out of memory writing JSON");
    if (st) {
        free(o.buf);
        return st;
    }
    *text = o.buf;
    *len = o.len;
    return GZ_OK;
}

gz_status gz_json_write(const char *path, const gz_doc *doc, int indent)
{
    char *text;
    size_t len;
    gz_status st = gz_json_emit(doc, indent, &text, &len);
    if (st)
        return gz_error_prefix(st, "%s", path);
    st = gz_atomic_write(path, text, len);
    free(text);
    return st;
}
