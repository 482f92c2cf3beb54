/* YAML <-> document tree through libyaml's event API: a reader that applies
 * the YAML 1.2 core schema and refuses anchors, aliases, deep nesting and
 * duplicate keys, and an emitter that quotes strings when a plain scalar
 * would read back as something else. */
#include "doc.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "atomic_file.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

/* ---- core schema resolution ---- */

static bool all_in(const char *s, size_t n, const char *set)
{
    if (n == 0)
        return false;
    for (size_t k = 0; k < n; k++)
        if (!strchr(set, s[k]) || s[k] == '\0')
            return false;
    return true;
}

static bool is_one_of(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(s, *words, n) == 0)
            return true;
    return false;
}

static const char *const null_words[] = {"null", "Null", "NULL", "~", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
static const char *const inf_words[] = {".inf", ".Inf", ".INF", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};
static const char *const yaml11_bool_words[] = {
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
    "on", "On", "ON", "off", "Off", "OFF", NULL};

/* [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE][-+]?[0-9]+ )? */
static bool is_float_text(const char *s, size_t n)
{
    size_t k = 0;
    if (k < n && (s[k] == '-' || s[k] == '+'))
        k++;
    size_t d0 = k;
    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++;
    size_t int_digits = k - d0, frac_digits = 0;
    if (k < n && s[k] == '.') {
        k++;
        size_t f0 = k;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        frac_digits = k - f0;
        if (int_digits == 0 && frac_digits == 0)
            return false;
    } else if (int_digits == 0) {
        return false;
    }
    if (k < n && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        if (k < n && (s[k] == '-' || s[k] == '+'))
            k++;
        size_t e0 = k;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        if (k == e0)
            return false;
    }
    return k == n;
}

/* Sets d's kind and value from the plain scalar text s[0..n). The text is
 * NUL-terminated at s[n] (libyaml guarantees it). */
static void resolve_plain(gz_doc *d, const char *s, size_t n)
{
    if (n == 0 || is_one_of(s, n, null_words)) {
        d->kind = GZ_DOC_NULL;
        return;
    }
    if (is_one_of(s, n, true_words) || is_one_of(s, n, false_words)) {
        d->kind = GZ_DOC_BOOL;
        d->b = s[0] == 't' || s[0] == 'T';
        return;
    }
    size_t sign = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (all_in(s + sign, n - sign, "0123456789")) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno == ERANGE) {
            d->kind = GZ_DOC_FLOAT;
            d->f = strtod(s, NULL);
        } else {
            d->kind = GZ_DOC_INT;
            d->i = v;
        }
        return;
    }
    if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
        bool octal = s[1] == 'o';
        if (all_in(s + 2, n - 2, octal ? "01234567" : "0123456789abcdefABCDEF")) {
            errno = 0;
            unsigned long long v = strtoull(s + 2, NULL, octal ? 8 : 16);
            if (errno == ERANGE || v > (unsigned long long)INT64_MAX) {
                d->kind = GZ_DOC_FLOAT;
                d->f = errno == ERANGE ? HUGE_VAL : (double)v;
            } else {
                d->kind = GZ_DOC_INT;
                d->i = (int64_t)v;
            }
            return;
        }
    }
    if (is_float_text(s, n)) {
        d->kind = GZ_DOC_FLOAT;
        d->f = strtod(s, NULL);
        return;
    }
    if (is_one_of(s + sign, n - sign, inf_words)) {
        d->kind = GZ_DOC_FLOAT;
        d->f = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return;
    }
    if (is_one_of(s, n, nan_words)) {
        d->kind = GZ_DOC_FLOAT;
        d->f = NAN;
        return;
    }
    d->kind = GZ_DOC_STRING;
}

/* ---- reader ---- */

typedef struct {
    gz_doc *node;   /* the open collection */
    gz_doc *key;    /* MAP: key waiting for its value (owned) */
} frame;

typedef struct {
    const char *name;
    const char *data;
    size_t len;
    gz_doc *root;
    frame stack[GZ_DOC_MAX_DEPTH + 1];
    int depth;
    int documents;
} reader;

static gz_status at(const reader *r, yaml_mark_t m, gz_status st, const char *what)
{
    return gz_error_set(st, "%s:%zu:%zu: %s", r->name, m.line + 1, m.column + 1, what);
}

/* Line and column (1-based) of a byte offset, for libyaml reader errors. */
static void offset_position(const char *data, size_t len, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t k = 0; k < off && k < len; k++) {
        if (data[k] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)data[k] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static gz_status parser_error(const reader *r, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return gz_error_set(GZ_ERR_NOMEM, "%s: out of memory parsing YAML", r->name);
    const char *problem = p->problem ? p->problem : "YAML syntax error";
    if (p->error == YAML_READER_ERROR) {
        size_t line, col;
        offset_position(r->data, r->len, p->problem_offset, &line, &col);
        return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: %s", r->name, line, col, problem);
    }
    if (p->context)
        return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: %s (%s at line %zu, column %zu)", r->name,
                            p->problem_mark.line + 1, p->problem_mark.column + 1, problem,
                            p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: %s", r->name, p->problem_mark.line + 1,
                        p->problem_mark.column + 1, problem);
}

/* Attaches a new node (owned) where the document currently expects one. */
static gz_status attach(reader *r, gz_doc *node, yaml_mark_t m)
{
    if (r->depth == 0) {
        if (r->root) {
            gz_doc_free(node);
            return at(r, m, GZ_ERR_FORMAT, "more than one root node");
        }
        r->root = node;
        return GZ_OK;
    }
    frame *f = &r->stack[r->depth - 1];
    if (f->node->kind == GZ_DOC_SEQ)
        return gz_doc_append(f->node, node);
    if (!f->key) {
        /* a key: must be a scalar; keys are always strings of their text */
        if (node->kind == GZ_DOC_SEQ || node->kind == GZ_DOC_MAP) {
            gz_doc_free(node);
            return at(r, m, GZ_ERR_FORMAT, "a map key must be a scalar, not a collection");
        }
        const char *t = node->text ? node->text : "";
        gz_doc *key = gz_doc_new_string(t, node->kind == GZ_DOC_STRING ? node->len : strlen(t));
        if (!key) {
            gz_doc_free(node);
            return GZ_ERR_NOMEM;
        }
        key->line = node->line;
        key->col = node->col;
        key->quoted = node->quoted;
        key->text = node->text;
        node->text = NULL;
        gz_doc_free(node);
        f->key = key;
        return GZ_OK;
    }
    gz_doc *key = f->key;
    f->key = NULL;
    return gz_doc_map_add(f->node, key, node);
}

static gz_status check_anchor(const reader *r, const yaml_event_t *ev, const yaml_char_t *anchor)
{
    if (!anchor)
        return GZ_OK;
    return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: anchors are not allowed (&%s)", r->name,
                        ev->start_mark.line + 1, ev->start_mark.column + 1, (const char *)anchor);
}

static gz_status scalar_event(reader *r, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    gz_doc *d = gz_doc_new(GZ_DOC_STRING);
    if (!d)
        return GZ_ERR_NOMEM;
    d->line = (int)ev->start_mark.line + 1;
    d->col = (int)ev->start_mark.column + 1;
    d->quoted = !plain;
    if (gz_doc_set_text(d, v, n)) {
        gz_doc_free(d);
        return GZ_ERR_NOMEM;
    }
    if (!tag) {
        if (plain)
            resolve_plain(d, v, n);
    } else if (strcmp(tag, "!") == 0 || strcmp(tag, TAG_PREFIX "str") == 0) {
        /* a string */
    } else {
        const char *want = strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0
                               ? tag + strlen(TAG_PREFIX) : tag;
        resolve_plain(d, v, n);
        bool ok = (strcmp(want, "null") == 0 && d->kind == GZ_DOC_NULL) ||
                  (strcmp(want, "bool") == 0 && d->kind == GZ_DOC_BOOL) ||
                  (strcmp(want, "int") == 0 && d->kind == GZ_DOC_INT) ||
                  (strcmp(want, "float") == 0 &&
                   (d->kind == GZ_DOC_FLOAT || d->kind == GZ_DOC_INT));
        bool known = strcmp(want, "null") == 0 || strcmp(want, "bool") == 0 ||
                     strcmp(want, "int") == 0 || strcmp(want, "float") == 0;
        if (!ok) {
            gz_doc_free(d);
            if (!known)
                return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: tag '%s' is not supported",
                                    r->name, ev->start_mark.line + 1,
                                    ev->start_mark.column + 1, tag);
            return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: '%.40s' is not a valid !!%s",
                                r->name, ev->start_mark.line + 1, ev->start_mark.column + 1, v,
                                want);
        }
        if (d->kind == GZ_DOC_INT && strcmp(want, "float") == 0) {
            d->kind = GZ_DOC_FLOAT;
            d->f = (double)d->i;
        }
    }
    if (d->kind == GZ_DOC_STRING) {
        d->s = gz_malloc(n + 1);
        if (!d->s) {
            gz_doc_free(d);
            return GZ_ERR_NOMEM;
        }
        memcpy(d->s, v, n);
        d->s[n] = '\0';
        d->len = n;
    }
    return attach(r, d, ev->start_mark);
}

static gz_status collection_start(reader *r, const yaml_event_t *ev, gz_doc_kind kind)
{
    const char *tag = (const char *)(kind == GZ_DOC_SEQ ? ev->data.sequence_start.tag
                                                        : ev->data.mapping_start.tag);
    if (tag && strcmp(tag, "!") != 0 &&
        strcmp(tag, kind == GZ_DOC_SEQ ? TAG_PREFIX "seq" : TAG_PREFIX "map") != 0)
        return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: tag '%s' is not supported", r->name,
                            ev->start_mark.line + 1, ev->start_mark.column + 1, tag);
    if (r->depth >= GZ_DOC_MAX_DEPTH)
        return gz_error_set(GZ_ERR_LIMIT, "%s:%zu:%zu: nesting deeper than %d levels", r->name,
                            ev->start_mark.line + 1, ev->start_mark.column + 1,
                            GZ_DOC_MAX_DEPTH);
    gz_doc *d = gz_doc_new(kind);
    if (!d)
        return GZ_ERR_NOMEM;
    d->line = (int)ev->start_mark.line + 1;
    d->col = (int)ev->start_mark.column + 1;
    gz_status st = attach(r, d, ev->start_mark);
    if (st)
        return st;
    r->stack[r->depth].node = d;
    r->stack[r->depth].key = NULL;
    r->depth++;
    return GZ_OK;
}

static gz_status collection_end(reader *r)
{
    frame *f = &r->stack[r->depth - 1];
    if (f->node->kind == GZ_DOC_MAP) {
        long dup = gz_doc_map_find_dup(f->node);
        if (dup == -2)
            return GZ_ERR_NOMEM;
        if (dup >= 0) {
            const gz_doc *k = f->node->keys[dup];
            return gz_error_set(GZ_ERR_FORMAT, "%s:%d:%d: duplicate key '%.80s'", r->name,
                                k->line, k->col, k->s);
        }
    }
    r->depth--;
    return GZ_OK;
}

static gz_status handle(reader *r, const yaml_event_t *ev, bool *done)
{
    switch (ev->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_NO_EVENT:
        return GZ_OK;
    case YAML_STREAM_END_EVENT:
        *done = true;
        return GZ_OK;
    case YAML_DOCUMENT_START_EVENT:
        if (r->documents++ > 0)
            return at(r, ev->start_mark, GZ_ERR_FORMAT,
                      "only one YAML document per file is allowed");
        return GZ_OK;
    case YAML_ALIAS_EVENT:
        return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: aliases are not allowed (*%s)", r->name,
                            ev->start_mark.line + 1, ev->start_mark.column + 1,
                            (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT: {
        gz_status st = check_anchor(r, ev, ev->data.scalar.anchor);
        return st ? st : scalar_event(r, ev);
    }
    case YAML_SEQUENCE_START_EVENT: {
        gz_status st = check_anchor(r, ev, ev->data.sequence_start.anchor);
        return st ? st : collection_start(r, ev, GZ_DOC_SEQ);
    }
    case YAML_MAPPING_START_EVENT: {
        gz_status st = check_anchor(r, ev, ev->data.mapping_start.anchor);
        return st ? st : collection_start(r, ev, GZ_DOC_MAP);
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return collection_end(r);
    }
    return GZ_OK;
}

gz_status gz_yaml_parse(const char *name, const char *data, size_t len, gz_doc **out)
{
    *out = NULL;
    reader r;
    memset(&r, 0, sizeof r);
    r.name = name ? name : "<string>";
    r.data = data;
    r.len = len;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return gz_error_set(GZ_ERR_NOMEM, "%s: out of memory starting the YAML parser", r.name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    gz_status st = GZ_OK;
    bool done = false;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            st = parser_error(&r, &parser);
            break;
        }
        st = handle(&r, &ev, &done);
        yaml_event_delete(&ev);
        if (st)
            break;
    }
    yaml_parser_delete(&parser);
    for (int k = 0; k < r.depth; k++)
        gz_doc_free(r.stack[k].key);
    if (st) {
        if (st == GZ_ERR_NOMEM && strncmp(gz_error_message(), r.name, strlen(r.name)) != 0)
            gz_error_prefix(st, "%s", r.name);
        gz_doc_free(r.root);
        return st;
    }
    if (!r.root) {
        r.root = gz_doc_new(GZ_DOC_NULL);
        if (!r.root)
            return GZ_ERR_NOMEM;
        r.root->line = 1;
        r.root->col = 1;
    }
    *out = r.root;
    return GZ_OK;
}

gz_status gz_yaml_read(const char *path, gz_doc **out)
{
    return gz_doc_read_file(path, gz_yaml_parse, out);
}

/* ---- emitter ---- */

/* libyaml's output callback: 0 stops the emitter (out of memory). */
static int sink_write(void *data, unsigned char *buffer, size_t size)
{
    return gz_doc_text_put(data, (const char *)buffer, size);
}

static gz_status emit(yaml_emitter_t *e, yaml_event_t *ev)
{
    /* yaml_emitter_emit takes the event even when it fails */
    if (!yaml_emitter_emit(e, ev))
        return gz_error_set(GZ_ERR_FORMAT, "cannot write YAML: %s",
                            e->problem ? e->problem : "emitter error");
    return GZ_OK;
}

static bool string_needs_quotes(const char *s, size_t n)
{
    gz_doc probe;
    memset(&probe, 0, sizeof probe);
    if (n == 0 || memchr(s, '\0', n))
        return true;
    resolve_plain(&probe, s, n);
    return probe.kind != GZ_DOC_STRING || is_one_of(s, n, yaml11_bool_words);
}

/* Newlines and control characters read best as double-quoted escapes. */
static bool has_control(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
            return true;
    return false;
}

static gz_status emit_scalar(yaml_emitter_t *e, const char *v, size_t n, bool quote)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)v, (int)n, 1, 1,
                                      quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                            : YAML_PLAIN_SCALAR_STYLE))
        return gz_error_set(GZ_ERR_FORMAT, "cannot write YAML: string is not valid UTF-8");
    return emit(e, &ev);
}

static void float_text(double f, char *buf, size_t size)
{
    if (isnan(f)) {
        snprintf(buf, size, ".nan");
    } else if (isinf(f)) {
        snprintf(buf, size, f < 0 ? "-.inf" : ".inf");
    } else {
        gz_doc_format_double(f, buf, size);
        if (strspn(buf, "-0123456789") == strlen(buf))
            strncat(buf, ".0", size - strlen(buf) - 1);
    }
}

static bool is_scalar(const gz_doc *d)
{
    return d->kind != GZ_DOC_SEQ && d->kind != GZ_DOC_MAP;
}

static gz_status emit_node(yaml_emitter_t *e, const gz_doc *d, int depth)
{
    char buf[64];
    yaml_event_t ev;
    gz_status st;
    switch (d->kind) {
    case GZ_DOC_NULL:
        return emit_scalar(e, "null", 4, false);
    case GZ_DOC_BOOL:
        return emit_scalar(e, d->b ? "true" : "false", d->b ? 4 : 5, false);
    case GZ_DOC_INT:
        snprintf(buf, sizeof buf, "%" PRId64, d->i);
        return emit_scalar(e, buf, strlen(buf), false);
    case GZ_DOC_FLOAT:
        float_text(d->f, buf, sizeof buf);
        return emit_scalar(e, buf, strlen(buf), false);
    case GZ_DOC_STRING:
        if (d->len > (size_t)INT32_MAX)
            return gz_error_set(GZ_ERR_LIMIT, "cannot write YAML: string too long");
        return emit_scalar(e, d->s, d->len,
                           string_needs_quotes(d->s, d->len) || has_control(d->s, d->len));
    case GZ_DOC_SEQ:
    case GZ_DOC_MAP:
        break;
    }
    if (depth >= GZ_DOC_MAX_DEPTH)
        return gz_error_set(GZ_ERR_LIMIT, "cannot write YAML: nesting deeper than %d levels",
                            GZ_DOC_MAX_DEPTH);
    if (d->kind == GZ_DOC_SEQ) {
        bool flow = d->n <= 16;
        for (size_t k = 0; k < d->n && flow; k++)
            flow = is_scalar(d->items[k]);
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                             flow ? YAML_FLOW_SEQUENCE_STYLE
                                                  : YAML_BLOCK_SEQUENCE_STYLE);
        if ((st = emit(e, &ev)))
            return st;
        for (size_t k = 0; k < d->n; k++)
            if ((st = emit_node(e, d->items[k], depth + 1)))
                return st;
        yaml_sequence_end_event_initialize(&ev);
        return emit(e, &ev);
    }
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                        d->n ? YAML_BLOCK_MAPPING_STYLE
                                             : YAML_FLOW_MAPPING_STYLE);
    if ((st = emit(e, &ev)))
        return st;
    for (size_t k = 0; k < d->n; k++) {
        if ((st = emit_node(e, d->keys[k], depth + 1)))
            return st;
        if ((st = emit_node(e, d->items[k], depth + 1)))
            return st;
    }
    yaml_mapping_end_event_initialize(&ev);
    return emit(e, &ev);
}

gz_status gz_yaml_emit(const gz_doc *doc, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    gz_doc_text s = {0};
    yaml_emitter_t e;
    if (!yaml_emitter_initialize(&e))
        return gz_error_set(GZ_ERR_NOMEM, "out of memory starting the YAML emitter");
    yaml_emitter_set_output(&e, sink_write, &s);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1);
    yaml_emitter_set_indent(&e, 2);
    yaml_event_t ev;
    gz_status st;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    st = emit(&e, &ev);
    if (!st) {
        yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
        st = emit(&e, &ev);
    }
    if (!st)
        st = emit_node(&e, doc, 0);
    if (!st) {
        yaml_document_end_event_initialize(&ev, 1);
        st = emit(&e, &ev);
    }
    if (!st) {
        yaml_stream_end_event_initialize(&ev);
        st = emit(&e, &ev);
    }
    if (!st && !yaml_emitter_flush(&e))
        st = gz_error_set(GZ_ERR_FORMAT, "cannot write YAML: flush failed");
    yaml_emitter_delete(&e);
    if (s.nomem) {
        free(s.buf);
        return gz_error_set(GZ_ERR_NOMEM, "out of memory writing YAML");
    }
    if (st) {
        free(s.buf);
        return st;
    }
    if (!s.buf) {
        s.buf = gz_malloc(1);
        if (!s.buf)
            return GZ_ERR_NOMEM;
        s.buf[0] = '\0';
    }
    *text = s.buf;
    *len = s.len;
    return GZ_OK;
}

gz_status gz_yaml_write(const char *path, const gz_doc *doc)
{
    char *text;
    size_t len;
    gz_status st = gz_yaml_emit(doc, &text, &len);
    if (st)
        return gz_error_prefix(st, "%s", path);
    st = gz_atomic_write(path, text, len);
    free(text);
    return st;
}
