/* Tests for the document tree and its YAML and JSON readers/writers
 * (doc.c, yaml_doc.c, json_doc.c): core-schema resolution, positions and
 * original text, refused documents (syntax errors with line:col, anchors,
 * aliases, billion laughs, depth 65, duplicate keys), round trips of
 * tricky strings and doubles, and JSON number formatting. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "doc.h"

static gz_doc *yaml(const char *text)
{
    gz_doc *d = NULL;
    gz_status st = gz_yaml_parse("t.yaml", text, strlen(text), &d);
    if (st)
        printf("# parse failed: %s\n", gz_error_message());
    return d;
}

static void yaml_fails(const char *text, const char *want_prefix, const char *needle)
{
    gz_doc *d = (gz_doc *)1;
    gz_status st = gz_yaml_parse("t.yaml", text, strlen(text), &d);
    const char *m = gz_error_message();
    CHECK_MSG(st != GZ_OK, "accepted: %s", text);
    CHECK(d == NULL);
    CHECK_MSG(strncmp(m, want_prefix, strlen(want_prefix)) == 0, "message '%s' does not start with '%s'",
              m, want_prefix);
    CHECK_MSG(strstr(m, needle) != NULL, "message '%s' lacks '%s'", m, needle);
    CHECK(strchr(m, '\n') == NULL);
}

static void test_core_schema(void)
{
    static const struct {
        const char *text;
        gz_doc_kind kind;
        double value; /* bool/int/float value */
    } cases[] = {
        {"null", GZ_DOC_NULL, 0},   {"Null", GZ_DOC_NULL, 0},    {"NULL", GZ_DOC_NULL, 0},
        {"~", GZ_DOC_NULL, 0},      {"", GZ_DOC_NULL, 0},        {"nULL", GZ_DOC_STRING, 0},
        {"true", GZ_DOC_BOOL, 1},   {"True", GZ_DOC_BOOL, 1},    {"TRUE", GZ_DOC_BOOL, 1},
        {"false", GZ_DOC_BOOL, 0},  {"False", GZ_DOC_BOOL, 0},   {"FALSE", GZ_DOC_BOOL, 0},
        {"yes", GZ_DOC_STRING, 0},  {"on", GZ_DOC_STRING, 0},    {"tRUE", GZ_DOC_STRING, 0},
        {"0", GZ_DOC_INT, 0},       {"-17", GZ_DOC_INT, -17},    {"+12", GZ_DOC_INT, 12},
        {"007", GZ_DOC_INT, 7},     {"0o17", GZ_DOC_INT, 15},    {"0x1F", GZ_DOC_INT, 31},
        {"0xff", GZ_DOC_INT, 255},  {"0o8", GZ_DOC_STRING, 0},   {"0b101", GZ_DOC_STRING, 0},
        {"1_000", GZ_DOC_STRING, 0},
        {"9223372036854775807", GZ_DOC_INT, 9223372036854775807.0},
        {"99999999999999999999", GZ_DOC_FLOAT, 1e20},
        {"1.5", GZ_DOC_FLOAT, 1.5}, {"-.5", GZ_DOC_FLOAT, -0.5}, {"1.", GZ_DOC_FLOAT, 1},
        {"1e3", GZ_DOC_FLOAT, 1000}, {"2.5E-3", GZ_DOC_FLOAT, 0.0025},
        {".inf", GZ_DOC_FLOAT, INFINITY}, {"-.Inf", GZ_DOC_FLOAT, -INFINITY},
        {"+.INF", GZ_DOC_FLOAT, INFINITY}, {".nan", GZ_DOC_FLOAT, NAN},
        {".NaN", GZ_DOC_FLOAT, NAN}, {"nan", GZ_DOC_STRING, 0}, {"inf", GZ_DOC_STRING, 0},
        {"1e", GZ_DOC_STRING, 0},   {".", GZ_DOC_STRING, 0},     {"1.2.3", GZ_DOC_STRING, 0},
        {"12:30", GZ_DOC_STRING, 0}, {"hello world", GZ_DOC_STRING, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[128];
        snprintf(text, sizeof text, "v: %s\n", cases[k].text);
        gz_doc *d = yaml(text);
        const gz_doc *v = gz_doc_map_get(d, "v");
        CHECK_MSG(v && v->kind == cases[k].kind, "'%s': kind %s, expected %s", cases[k].text,
                  v ? gz_doc_kind_name(v->kind) : "-", gz_doc_kind_name(cases[k].kind));
        if (v && v->kind == cases[k].kind) {
            CHECK(v->text && strcmp(v->text, cases[k].text) == 0);
            CHECK(!v->quoted);
            if (v->kind == GZ_DOC_BOOL)
                CHECK(v->b == (cases[k].value != 0));
            if (v->kind == GZ_DOC_INT)
                CHECK_MSG((double)v->i == cases[k].value, "'%s' -> %" PRId64, cases[k].text, v->i);
            if (v->kind == GZ_DOC_FLOAT)
                CHECK_MSG(v->f == cases[k].value || (isnan(v->f) && isnan(cases[k].value)),
                          "'%s' -> %g", cases[k].text, v->f);
            if (v->kind == GZ_DOC_STRING)
                CHECK(strcmp(v->s, cases[k].text) == 0);
        }
        gz_doc_free(d);
    }
}

static void test_quoted_tags_positions(void)
{
    const char *text =
        "name: demo\n"
        "items:\n"
        "  - id: \"007\"\n"
        "    label: 2\n"
        "  - id: '0x10'\n"
        "    label: !!str 3\n"
        "    ratio: !!float 2\n"
        "'1': one\n";
    gz_doc *d = yaml(text);
    CHECK(d && d->kind == GZ_DOC_MAP && d->n == 3);
    const gz_doc *items = gz_doc_map_get(d, "items");
    CHECK(items && items->kind == GZ_DOC_SEQ && items->n == 2);
    if (items && items->n == 2) {
        const gz_doc *id0 = gz_doc_map_get(items->items[0], "id");
        CHECK(id0 && id0->kind == GZ_DOC_STRING && strcmp(id0->s, "007") == 0 && id0->quoted);
        CHECK(id0 && id0->line == 3 && id0->col == 9);
        const gz_doc *l0 = gz_doc_map_get(items->items[0], "label");
        CHECK(l0 && l0->kind == GZ_DOC_INT && l0->i == 2 && l0->line == 4 && l0->col == 12);
        CHECK(items->items[1]->line == 5 && items->items[1]->col == 5);
        const gz_doc *id1 = gz_doc_map_get(items->items[1], "id");
        CHECK(id1 && id1->kind == GZ_DOC_STRING && strcmp(id1->s, "0x10") == 0);
        const gz_doc *l1 = gz_doc_map_get(items->items[1], "label");
        CHECK(l1 && l1->kind == GZ_DOC_STRING && strcmp(l1->s, "3") == 0);
        const gz_doc *r1 = gz_doc_map_get(items->items[1], "ratio");
        CHECK(r1 && r1->kind == GZ_DOC_FLOAT && r1->f == 2.0);
    }
    /* keys keep their positions; a quoted key is the same string */
    CHECK(d && d->keys[1]->line == 2 && d->keys[1]->col == 1);
    CHECK(gz_doc_map_get(d, "1") != NULL);
    gz_doc_free(d);
    /* empty stream and empty document: null root */
    d = yaml("");
    CHECK(d && d->kind == GZ_DOC_NULL);
    gz_doc_free(d);
    d = yaml("# only a comment\n");
    CHECK(d && d->kind == GZ_DOC_NULL);
    gz_doc_free(d);
    d = yaml("--- [1, 2]\n...\n");
    CHECK(d && d->kind == GZ_DOC_SEQ && d->n == 2);
    gz_doc_free(d);
}

static void test_refused_yaml(void)
{
    yaml_fails("a: 1\nb: [1, 2\nc: 3\n", "t.yaml:3:2:", "did not find expected ',' or ']'");
    yaml_fails("a: 1\n  b: 2\n", "t.yaml:2:4:", "mapping values are not allowed");
    yaml_fails("a: \"unterminated\n", "t.yaml:2:1:", "found unexpected end of stream");
    yaml_fails("base: &b {x: 1}\nother: 2\n", "t.yaml:1:7:", "anchors are not allowed (&b)");
    yaml_fails("a: 1\nb: *x\n", "t.yaml:2:4:", "aliases are not allowed (*x)");
    yaml_fails("- &a [1]\n- *a\n", "t.yaml:1:3:", "anchors are not allowed");
    /* billion laughs: refused at the first anchor, nothing expanded */
    yaml_fails("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
               "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
               "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
               "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
               "t.yaml:1:4:", "anchors are not allowed");
    yaml_fails("a: 1\nb: 2\na: 3\n", "t.yaml:3:1:", "duplicate key 'a'");
    yaml_fails("x: {k: 1, \"k\": 2}\n", "t.yaml:1:11:", "duplicate key 'k'");
    yaml_fails("[1]: a\n", "t.yaml:1:1:", "map key must be a scalar");
    yaml_fails("a: 1\n---\nb: 2\n", "t.yaml:2:1:", "only one YAML document");
    yaml_fails("a: !!int abc\n", "t.yaml:1:4:", "not a valid !!int");
    yaml_fails("a: !custom x\n", "t.yaml:1:4:", "tag '!custom' is not supported");
    yaml_fails("a: \"\\xff\xff\"\n", "t.yaml:1:", "invalid");
    /* many distinct keys: duplicate found by sorting */
    char big[4096];
    size_t n = 0;
    for (int k = 0; k < 200; k++)
        n += (size_t)snprintf(big + n, sizeof big - n, "k%d: %d\n", k, k);
    snprintf(big + n, sizeof big - n, "k17: again\n");
    yaml_fails(big, "t.yaml:201:1:", "duplicate key 'k17'");
}

static void test_depth_limit(void)
{
    char text[512];
    for (int depth = 64; depth <= 65; depth++) {
        size_t n = 0;
        for (int k = 0; k < depth; k++)
            text[n++] = '[';
        for (int k = 0; k < depth; k++)
            text[n++] = ']';
        text[n] = '\0';
        gz_doc *d = NULL;
        gz_status st = gz_yaml_parse("deep.yaml", text, n, &d);
        if (depth == 64) {
            CHECK_MSG(st == GZ_OK, "%s", gz_error_message());
        } else {
            CHECK(st == GZ_ERR_LIMIT);
            CHECK_MSG(strstr(gz_error_message(), "deep.yaml:1:65: nesting deeper than 64") != NULL,
                      "%s", gz_error_message());
        }
        gz_doc_free(d);
    }
    /* block style too */
    char block[8192];
    size_t n = 0;
    for (int k = 0; k < 65; k++) {
        for (int s = 0; s < k; s++)
            block[n++] = ' ';
        n += (size_t)snprintf(block + n, sizeof block - n, "k:\n");
    }
    block[n] = '\0';
    gz_doc *d = NULL;
    CHECK(gz_yaml_parse("b.yaml", block, n, &d) == GZ_ERR_LIMIT);
}

static int doc_equal(const gz_doc *a, const gz_doc *b)
{
    if (a->kind != b->kind || a->n != b->n)
        return 0;
    switch (a->kind) {
    case GZ_DOC_NULL: return 1;
    case GZ_DOC_BOOL: return a->b == b->b;
    case GZ_DOC_INT: return a->i == b->i;
    case GZ_DOC_FLOAT:
        return (isnan(a->f) && isnan(b->f)) ||
               (a->f == b->f && signbit(a->f) == signbit(b->f));
    case GZ_DOC_STRING: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    case GZ_DOC_SEQ:
    case GZ_DOC_MAP:
        for (size_t k = 0; k < a->n; k++) {
            if (!doc_equal(a->items[k], b->items[k]))
                return 0;
            if (a->kind == GZ_DOC_MAP && !doc_equal(a->keys[k], b->keys[k]))
                return 0;
        }
        return 1;
    }
    return 0;
}

static gz_doc *tricky_tree(void)
{
    static const char *strings[] = {
        "", "007", "true", "True", "null", "~", "yes", "No", "1.5", ".inf", "-.nan", "0x10",
        "0o7", "1e3", "plain words", " leading space", "trailing space ", "a: b", "- dash",
        "#hash", "x #y", "quote ' and \" both", "multi\nline\n", "tab\there", "[flow]",
        "{curly}", "a, b", "@at", "`tick", "%percent", "!bang", "&amp", "*star", "?",
        "é ü 中文", "back\\slash", "---", "...", "\x01ctrl",
    };
    static const double floats[] = {0.1, 0.1 + 0.2, 1e-300, 3.0, -0.0, 1e300, 123456789.125,
                                    1e16, 2.5e-8, 5e-324, 1.7976931348623157e308};
    gz_doc *root = gz_doc_new(GZ_DOC_MAP);
    gz_doc *ss = gz_doc_new(GZ_DOC_SEQ);
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
        gz_doc_append(ss, gz_doc_new_string(strings[k], strlen(strings[k])));
    gz_doc_map_set(root, "strings", 7, ss);
    gz_doc *fs = gz_doc_new(GZ_DOC_SEQ);
    for (size_t k = 0; k < sizeof floats / sizeof floats[0]; k++)
        gz_doc_append(fs, gz_doc_new_float(floats[k]));
    gz_doc_append(fs, gz_doc_new_float(NAN));
    gz_doc_append(fs, gz_doc_new_float(INFINITY));
    gz_doc_append(fs, gz_doc_new_float(-INFINITY));
    gz_doc_map_set(root, "floats", 6, fs);
    gz_doc *is = gz_doc_new(GZ_DOC_SEQ);
    gz_doc_append(is, gz_doc_new_int(INT64_MAX));
    gz_doc_append(is, gz_doc_new_int(INT64_MIN));
    gz_doc_append(is, gz_doc_new_int(0));
    gz_doc_map_set(root, "ints", 4, is);
    gz_doc *misc = gz_doc_new(GZ_DOC_MAP);
    gz_doc_map_set(misc, "empty_map", 9, gz_doc_new(GZ_DOC_MAP));
    gz_doc_map_set(misc, "empty_seq", 9, gz_doc_new(GZ_DOC_SEQ));
    gz_doc_map_set(misc, "null", 4, gz_doc_new(GZ_DOC_NULL));
    gz_doc_map_set(misc, "true", 4, gz_doc_new_bool(true));
    gz_doc_map_set(misc, "", 0, gz_doc_new_bool(false));
    gz_doc_map_set(misc, "key: with colon", 15, gz_doc_new_string("v", 1));
    gz_doc_map_set(root, "misc", 4, misc);
    /* a long sequence of maps (block style) */
    gz_doc *items = gz_doc_new(GZ_DOC_SEQ);
    for (int k = 0; k < 20; k++) {
        gz_doc *it = gz_doc_new(GZ_DOC_MAP);
        char id[16];
        snprintf(id, sizeof id, "%04d", k);
        gz_doc_map_set(it, "id", 2, gz_doc_new_string(id, strlen(id)));
        gz_doc_map_set(it, "w", 1, gz_doc_new_float(k / 7.0));
        gz_doc_append(items, it);
    }
    gz_doc_map_set(root, "items", 5, items);
    return root;
}

static void test_yaml_roundtrip(void)
{
    gz_doc *root = tricky_tree();
    char *text = NULL;
    size_t len = 0;
    CHECK_MSG(gz_yaml_emit(root, &text, &len) == GZ_OK, "%s", gz_error_message());
    gz_doc *back = NULL;
    if (text)
        CHECK_MSG(gz_yaml_parse("emitted", text, len, &back) == GZ_OK, "%s", gz_error_message());
    CHECK_MSG(back && doc_equal(root, back), "round trip differs:\n%s", text ? text : "");
    /* a few spellings people read */
    CHECK(text && strstr(text, "- \"007\"\n") != NULL);
    CHECK(text && strstr(text, "0.30000000000000004") != NULL);
    CHECK(text && strstr(text, "3.0,") != NULL);
    CHECK(text && strstr(text, ".nan, .inf, -.inf]") != NULL);
    CHECK(text && strstr(text, "empty_map: {}") != NULL);
    free(text);
    gz_doc_free(back);
    /* a scalar root */
    gz_doc *s = gz_doc_new_float(0.5);
    CHECK(gz_yaml_emit(s, &text, &len) == GZ_OK);
    CHECK(gz_yaml_parse("s", text, len, &back) == GZ_OK && back->kind == GZ_DOC_FLOAT &&
          back->f == 0.5);
    free(text);
    gz_doc_free(back);
    gz_doc_free(s);
    gz_doc_free(root);
}

static void test_yaml_write_file(void)
{
    char path[] = "/tmp/gz_test_doc_XXXXXX";
    CHECK(mkdtemp(path) != NULL);
    char file[64];
    snprintf(file, sizeof file, "%s/c.yaml", path);
    gz_doc *root = tricky_tree();
    CHECK(gz_yaml_write(file, root) == GZ_OK);
    gz_doc *back = NULL;
    CHECK(gz_yaml_read(file, &back) == GZ_OK);
    CHECK(back && doc_equal(root, back));
    gz_doc_free(back);
    snprintf(file, sizeof file, "%s/c.json", path);
    CHECK(gz_json_write(file, root, 2) == GZ_OK);
    CHECK(gz_json_read(file, &back) == GZ_OK);
    CHECK(back && back->kind == GZ_DOC_MAP && back->n == root->n);
    gz_doc_free(back);
    gz_doc_free(root);
    CHECK(gz_yaml_read("/nonexistent/x.yaml", &back) == GZ_ERR_IO);
    CHECK(strstr(gz_error_message(), "/nonexistent/x.yaml: cannot open") != NULL);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    CHECK(system(cmd) == 0);
}

static void test_json_parse(void)
{
    const char *text = "{\"a\": [1, 2.5, -3e2, 1.0, true, null, \"x\\u00e9\"], \"b\": {\"c\": "
                       "12345678901234567890}, \"d\": 1e400}";
    gz_doc *d = NULL;
    CHECK_MSG(gz_json_parse("t.json", text, strlen(text), &d) == GZ_OK, "%s", gz_error_message());
    const gz_doc *a = gz_doc_map_get(d, "a");
    CHECK(a && a->kind == GZ_DOC_SEQ && a->n == 7);
    if (a && a->n == 7) {
        CHECK(a->items[0]->kind == GZ_DOC_INT && a->items[0]->i == 1);
        CHECK(a->items[1]->kind == GZ_DOC_FLOAT && a->items[1]->f == 2.5);
        CHECK(a->items[2]->kind == GZ_DOC_INT && a->items[2]->i == -300);
        CHECK(a->items[3]->kind == GZ_DOC_INT && a->items[3]->i == 1);
        CHECK(a->items[4]->kind == GZ_DOC_BOOL && a->items[4]->b);
        CHECK(a->items[5]->kind == GZ_DOC_NULL);
        CHECK(a->items[6]->kind == GZ_DOC_STRING && strcmp(a->items[6]->s, "x\xc3\xa9") == 0);
    }
    const gz_doc *c = gz_doc_map_get(gz_doc_map_get(d, "b"), "c");
    CHECK(c && c->kind == GZ_DOC_FLOAT); /* beyond 2^53: a float */
    const gz_doc *inf = gz_doc_map_get(d, "d");
    CHECK(inf && inf->kind == GZ_DOC_FLOAT && isinf(inf->f));
    gz_doc_free(d);
}

static void json_fails(const char *text, const char *want)
{
    gz_doc *d = (gz_doc *)1;
    gz_status st = gz_json_parse("t.json", text, strlen(text), &d);
    CHECK_MSG(st != GZ_OK, "accepted: %s", text);
    CHECK(d == NULL);
    CHECK_MSG(strstr(gz_error_message(), want) == gz_error_message(), "'%s' does not start with '%s'",
              gz_error_message(), want);
}

static void test_json_errors(void)
{
    json_fails("{\"a\": 1,\n \"b\": ]}", "t.json:2:7: JSON syntax error near ']}'");
    json_fails("[1, 2", "t.json:1:");
    json_fails("", "t.json:1:1: empty JSON document");
    json_fails("  \n ", "t.json:");
    json_fails("{\"a\": 1} x", "t.json:1:");
    json_fails("[NaN]", "t.json:1:2:");
    json_fails("{\"a\": 1, \"a\": 2}", "t.json: duplicate key 'a'");
    json_fails("{\"x\": [{\"k\": 1, \"k\": 1}]}", "t.json: x[0]: duplicate key 'k'");
    char deep[256];
    for (int depth = 64; depth <= 65; depth++) {
        size_t n = 0;
        for (int k = 0; k < depth; k++)
            deep[n++] = '[';
        for (int k = 0; k < depth; k++)
            deep[n++] = ']';
        deep[n] = '\0';
        gz_doc *d = NULL;
        gz_status st = gz_json_parse("d.json", deep, n, &d);
        CHECK(depth == 64 ? st == GZ_OK : st == GZ_ERR_LIMIT);
        gz_doc_free(d);
    }
}

static void test_json_emit_numbers(void)
{
    gz_doc *s = gz_doc_new(GZ_DOC_SEQ);
    double vals[] = {0.1 + 0.2, 1e-300, 3.0, -0.0, 1e16, 1e20, 0.1, 5e-324, NAN, INFINITY, -2.5};
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++)
        gz_doc_append(s, gz_doc_new_float(vals[k]));
    gz_doc_append(s, gz_doc_new_int(INT64_MIN));
    gz_doc_append(s, gz_doc_new_string("q\"\\\n\x01", 5));
    char *text = NULL;
    size_t len;
    CHECK(gz_json_emit(s, 0, &text, &len) == GZ_OK);
    const char *want = "[0.30000000000000004,1e-300,3,-0.0,10000000000000000,1e+20,"
                       "0.1,4.94065645841247e-324,null,null,-2.5,-9223372036854775808,"
                       "\"q\\\"\\\\\\n\\u0001\"]";
    CHECK_MSG(text && strcmp(text, want) == 0, "got %s", text ? text : "");
    /* every finite double reads back the same */
    gz_doc *back = NULL;
    CHECK(text && gz_json_parse("e", text, len, &back) == GZ_OK);
    for (size_t k = 0; back && k < 8; k++) {
        double got = back->items[k]->kind == GZ_DOC_INT ? (double)back->items[k]->i
                                                        : back->items[k]->f;
        CHECK_MSG(got == vals[k], "item %zu: %.17g != %.17g", k, got, vals[k]);
    }
    gz_doc_free(back);
    free(text);
    /* pretty */
    gz_doc *m = gz_doc_new(GZ_DOC_MAP);
    gz_doc *arr = gz_doc_new(GZ_DOC_SEQ);
    gz_doc_append(arr, gz_doc_new_int(1));
    gz_doc_append(arr, gz_doc_new_int(2));
    gz_doc_map_set(m, "a", 1, arr);
    gz_doc_map_set(m, "b", 1, gz_doc_new(GZ_DOC_MAP));
    CHECK(gz_json_emit(m, 2, &text, &len) == GZ_OK);
    CHECK_MSG(text && strcmp(text, "{\n  \"a\": [1, 2],\n  \"b\": {}\n}\n") == 0, "got %s", text);
    free(text);
    gz_doc_free(m);
    gz_doc_free(s);
}

static void test_format_double(void)
{
    char buf[40];
    double vals[] = {0.1, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 123.456, 4.35, 1e23, 9007199254740993.0};
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
        gz_doc_format_double(vals[k], buf, sizeof buf);
        CHECK_MSG(strtod(buf, NULL) == vals[k], "%s", buf);
    }
    gz_doc_format_double(0.1, buf, sizeof buf);
    CHECK(strcmp(buf, "0.1") == 0);
}

/* Random byte flips in a valid YAML and JSON document: each parse either
 * succeeds or fails with one line naming the document; never a crash. */
static void test_corruptions(void)
{
    gz_doc *root = tricky_tree();
    char *texts[2];
    size_t lens[2];
    CHECK(gz_yaml_emit(root, &texts[0], &lens[0]) == GZ_OK);
    CHECK(gz_json_emit(root, 2, &texts[1], &lens[1]) == GZ_OK);
    gz_doc_free(root);
    uint32_t seed = 99;
    int bad = 0;
    for (int which = 0; which < 2; which++) {
        char *buf = malloc(lens[which] + 1);
        for (int round = 0; round < 400; round++) {
            memcpy(buf, texts[which], lens[which] + 1);
            for (int k = 0; k < 1 + round % 3; k++) {
                seed = seed * 1664525u + 1013904223u;
                size_t at = (seed >> 8) % lens[which];
                static const char pool[] = "[]{}:,-&*!'\"\\ \n#?|>0a\x01\xff";
                buf[at] = pool[(seed >> 3) % (sizeof pool - 1)];
            }
            gz_doc *d = NULL;
            gz_status st = which ? gz_json_parse("m.json", buf, lens[which], &d)
                                 : gz_yaml_parse("m.yaml", buf, lens[which], &d);
            const char *m = gz_error_message();
            if (st && (strncmp(m, which ? "m.json" : "m.yaml", 6) != 0 || strchr(m, '\n')))
                bad++;
            gz_doc_free(d);
        }
        free(buf);
        free(texts[which]);
    }
    CHECK_MSG(bad == 0, "%d unexpected messages", bad);
}

int main(void)
{
    RUN(test_core_schema);
    RUN(test_quoted_tags_positions);
    RUN(test_refused_yaml);
    RUN(test_depth_limit);
    RUN(test_yaml_roundtrip);
    RUN(test_yaml_write_file);
    RUN(test_json_parse);
    RUN(test_json_errors);
    RUN(test_json_emit_numbers);
    RUN(test_format_double);
    RUN(test_corruptions);
    return check_done();
}
