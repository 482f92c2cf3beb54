/* McGIP's JSON gaze lists {"gaze": [[x, y], ...], "img": ..., "gt": ...}.
 *
 * A small position-aware JSON scanner: the "gaze" member is read as raw
 * samples; every other member is checked for JSON syntax and skipped.
 * Errors name FILE:LINE:COL of the offending byte. NaN, Infinity and
 * numbers that overflow a double are errors (McGIP raw lists must be
 * finite). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gaze_read.h"

#define JSON_MAX_DEPTH 64

typedef struct jscan {
    const char *name;
    const char *s;
    size_t len, pos;
} jscan;

static gz_status jerr(jscan *j, size_t off, const char *msg, const char *detail)
{
    size_t line, col;
    gz_text_position(j->s, off, &line, &col);
    return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: %s%s", j->name, line, col, msg,
                        detail ? detail : "");
}

static void skip_ws(jscan *j)
{
    while (j->pos < j->len) {
        char c = j->s[j->pos];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
        j->pos++;
    }
}

static int peek(jscan *j)
{
    skip_ws(j);
    return j->pos < j->len ? (unsigned char)j->s[j->pos] : -1;
}

static gz_status expect(jscan *j, char c, const char *what)
{
    if (peek(j) != (unsigned char)c)
        return jerr(j, j->pos, j->pos < j->len ? "expected " : "unexpected end of file, expected ",
                    what);
    j->pos++;
    return GZ_OK;
}

/* A string at j->pos; sets [*start, *end) to its raw contents. */
static gz_status scan_string(jscan *j, size_t *start, size_t *end)
{
    size_t open = j->pos;
    j->pos++; /* opening quote */
    *start = j->pos;
    while (j->pos < j->len) {
        unsigned char c = (unsigned char)j->s[j->pos];
        if (c == '"') {
            *end = j->pos;
            j->pos++;
            return GZ_OK;
        }
        if (c < 0x20)
            return jerr(j, j->pos, "control character in string", NULL);
        if (c == '\\') {
            j->pos++;
            if (j->pos >= j->len)
                break;
            char e = j->s[j->pos];
            if (e == 'u') {
                for (int k = 1; k <= 4; k++) {
                    char h = j->pos + (size_t)k < j->len ? j->s[j->pos + (size_t)k] : 0;
                    int hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
                    if (!hex)
                        return jerr(j, j->pos, "bad \\u escape in string", NULL);
                }
                j->pos += 4;
            } else if (!strchr("\"\\/bfnrt", e) || e == 0) {
                return jerr(j, j->pos - 1, "bad escape in string", NULL);
            }
        }
        j->pos++;
    }
    return jerr(j, open, "unterminated string", NULL);
}

static int is_num_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static gz_status scan_number(jscan *j, double *out)
{
    size_t start = j->pos;
    while (j->pos < j->len && is_num_char(j->s[j->pos]))
        j->pos++;
    size_t n = j->pos - start;
    const char *p = j->s + start;
    /* JSON: no leading '+', no leading zeros, digits on both sides of '.' */
    int ok = n > 0 && p[0] != '+';
    if (ok) {
        size_t i = p[0] == '-' ? 1 : 0;
        if (i < n && p[i] == '0' && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9')
            ok = 0;
        if (i < n && p[i] == '.')
            ok = 0;
        for (size_t k = 0; k + 1 < n; k++)
            if (p[k] == '.' && !(p[k + 1] >= '0' && p[k + 1] <= '9'))
                ok = 0;
        if (n && p[n - 1] == '.')
            ok = 0;
    }
    double v = 0.0;
    if (ok && !gz_parse_decimal(p, n, &v)) {
        /* syntactically a number but out of range */
        int syntax = 1;
        for (size_t k = 0; k < n; k++)
            if (!is_num_char(p[k]))
                syntax = 0;
        if (syntax && n > 0 && (p[n - 1] >= '0' && p[n - 1] <= '9')) {
            char buf[40];
            size_t m = n < sizeof buf - 1 ? n : sizeof buf - 1;
            memcpy(buf, p, m);
            buf[m] = '\0';
            return jerr(j, start, "number out of range: ", buf);
        }
        ok = 0;
    }
    if (!ok)
        return jerr(j, start, "malformed number", NULL);
    if (out)
        *out = v;
    return GZ_OK;
}

/* Words that are not JSON: name them so that NaN/Infinity read clearly. */
static gz_status bad_word(jscan *j)
{
    size_t start = j->pos, end = j->pos;
    while (end < j->len && end - start < 24) {
        char c = j->s[end];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '+' ||
              (c >= '0' && c <= '9') || c == '.'))
            break;
        end++;
    }
    char word[32];
    size_t m = end - start;
    if (m == 0) {
        word[0] = j->s[start];
        m = 1;
    } else {
        memcpy(word, j->s + start, m);
    }
    word[m] = '\0';
    const char *w = word[0] == '-' || word[0] == '+' ? word + 1 : word;
    if (strcmp(w, "NaN") == 0 || strcmp(w, "nan") == 0 || strcmp(w, "Infinity") == 0 ||
        strcmp(w, "inf") == 0 || strcmp(w, "Inf") == 0)
        return jerr(j, start, "non-finite number ", word);
    char msg[64];
    snprintf(msg, sizeof msg, "'%s'", word);
    return jerr(j, start, "unexpected ", msg);
}

static gz_status skip_value(jscan *j, int depth);

static gz_status skip_container(jscan *j, int depth, char close)
{
    if (depth >= JSON_MAX_DEPTH)
        return jerr(j, j->pos, "nesting deeper than 64", NULL);
    j->pos++;
    if (peek(j) == (unsigned char)close) {
        j->pos++;
        return GZ_OK;
    }
    for (;;) {
        gz_status st;
        if (close == '}') {
            if (peek(j) != '"')
                return jerr(j, j->pos, "expected a member name", NULL);
            size_t a, b;
            if ((st = scan_string(j, &a, &b)))
                return st;
            if ((st = expect(j, ':', "':'")))
                return st;
        }
        if ((st = skip_value(j, depth + 1)))
            return st;
        int c = peek(j);
        if (c == ',') {
            j->pos++;
            continue;
        }
        if (c == (unsigned char)close) {
            j->pos++;
            return GZ_OK;
        }
        return jerr(j, j->pos, c < 0 ? "unexpected end of file" : "expected ',' or closing bracket",
                    NULL);
    }
}

static gz_status skip_value(jscan *j, int depth)
{
    int c = peek(j);
    if (c < 0)
        return jerr(j, j->pos, "unexpected end of file, expected a value", NULL);
    if (c == '{')
        return skip_container(j, depth, '}');
    if (c == '[')
        return skip_container(j, depth, ']');
    if (c == '"') {
        size_t a, b;
        return scan_string(j, &a, &b);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        if (c == '-' && j->pos + 1 < j->len && !(j->s[j->pos + 1] >= '0' && j->s[j->pos + 1] <= '9'))
            return bad_word(j);
        return scan_number(j, NULL);
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int k = 0; k < 3; k++) {
        size_t n = strlen(words[k]);
        if (j->len - j->pos >= n && memcmp(j->s + j->pos, words[k], n) == 0) {
            j->pos += n;
            return GZ_OK;
        }
    }
    return bad_word(j);
}

/* One finite number as a gaze coordinate. */
static gz_status gaze_number(jscan *j, double *v, size_t index, const char *axis)
{
    int c = peek(j);
    if (c == '-' || (c >= '0' && c <= '9')) {
        if (c == '-' && j->pos + 1 < j->len && !(j->s[j->pos + 1] >= '0' && j->s[j->pos + 1] <= '9'))
            return bad_word(j);
        return scan_number(j, v);
    }
    if (c < 0)
        return jerr(j, j->pos, "unexpected end of file in gaze list", NULL);
    if (c == '"' || c == 't' || c == 'f' || c == 'n' || c == '[' || c == '{') {
        char msg[96];
        snprintf(msg, sizeof msg, "gaze[%zu]: %s must be a number", index, axis);
        if (c == 'n' && j->len - j->pos >= 4 && memcmp(j->s + j->pos, "null", 4) == 0)
            snprintf(msg, sizeof msg, "gaze[%zu]: %s is null (must be a finite number)", index, axis);
        return jerr(j, j->pos, msg, NULL);
    }
    return bad_word(j);
}

static gz_status parse_gaze(jscan *j, gz_pointbuf *b)
{
    if (peek(j) != '[')
        return jerr(j, j->pos, "\"gaze\" must be a list of [x, y] pairs", NULL);
    j->pos++;
    if (peek(j) == ']') {
        j->pos++;
        return GZ_OK;
    }
    for (size_t index = 0;; index++) {
        gz_status st;
        size_t at = j->pos;
        if (peek(j) != '[') {
            char msg[80];
            snprintf(msg, sizeof msg, "gaze[%zu] must be a pair [x, y]", index);
            return jerr(j, j->pos, msg, NULL);
        }
        at = j->pos;
        j->pos++;
        double x, y;
        if ((st = gaze_number(j, &x, index, "x")))
            return st;
        if (peek(j) != ',') {
            char msg[80];
            snprintf(msg, sizeof msg, "gaze[%zu] must be a pair [x, y]", index);
            return jerr(j, peek(j) == ']' ? at : j->pos, msg, NULL);
        }
        j->pos++;
        if ((st = gaze_number(j, &y, index, "y")))
            return st;
        if (peek(j) != ']') {
            char msg[80];
            snprintf(msg, sizeof msg, "gaze[%zu] must be a pair [x, y] (more than 2 values)", index);
            return jerr(j, at, msg, NULL);
        }
        j->pos++;
        if ((st = gz_pointbuf_push(b, j->name, x, y, 0.0, 0.0)))
            return st;
        int c = peek(j);
        if (c == ',') {
            j->pos++;
            continue;
        }
        if (c == ']') {
            j->pos++;
            return GZ_OK;
        }
        return jerr(j, j->pos, c < 0 ? "unexpected end of file in gaze list" : "expected ',' or ']' in gaze list",
                    NULL);
    }
}

gz_status gz_gaze_parse_json(const char *name, const char *text, size_t len,
                             const gz_gaze_read_options *opt, gz_gaze **out,
                             gz_gaze_read_info *info)
{
    *out = NULL;
    jscan j = {name, text, len, 0};
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        j.pos = 3;
    if (info)
        snprintf(info->layout, sizeof info->layout, "mcgip-json");
    gz_pointbuf b;
    memset(&b, 0, sizeof b);
    gz_status st = GZ_OK;
    int have_gaze = 0;
    int c = peek(&j);
    if (c != '{') {
        st = c < 0 ? jerr(&j, j.pos, "empty file, expected a JSON object {\"gaze\": [...]}", NULL)
                   : jerr(&j, j.pos, "expected a JSON object {\"gaze\": [...]}", NULL);
        goto fail;
    }
    j.pos++;
    if (peek(&j) == '}') {
        j.pos++;
    } else {
        for (;;) {
            if (peek(&j) != '"') {
                st = jerr(&j, j.pos, "expected a member name", NULL);
                goto fail;
            }
            size_t key_at = j.pos, a, e;
            if ((st = scan_string(&j, &a, &e)))
                goto fail;
            if ((st = expect(&j, ':', "':'")))
                goto fail;
            if (e - a == 4 && memcmp(text + a, "gaze", 4) == 0) {
                if (have_gaze) {
                    st = jerr(&j, key_at, "duplicate member \"gaze\"", NULL);
                    goto fail;
                }
                have_gaze = 1;
                if ((st = parse_gaze(&j, &b)))
                    goto fail;
            } else if ((st = skip_value(&j, 1))) {
                goto fail;
            }
            c = peek(&j);
            if (c == ',') {
                j.pos++;
                continue;
            }
            if (c == '}') {
                j.pos++;
                break;
            }
            st = jerr(&j, j.pos, c < 0 ? "unexpected end of file" : "expected ',' or '}'", NULL);
            goto fail;
        }
    }
    if (peek(&j) >= 0) {
        st = jerr(&j, j.pos, "unexpected data after the JSON object", NULL);
        goto fail;
    }
    if (!have_gaze) {
        st = jerr(&j, 0, "no \"gaze\" member (expected {\"gaze\": [[x, y], ...]})", NULL);
        goto fail;
    }
    double cw = opt && opt->canvas_w > 0 ? opt->canvas_w : 800.0;
    double ch = opt && opt->canvas_h > 0 ? opt->canvas_h : 800.0;
    gz_time_unit unit = opt && opt->has_duration_unit ? opt->duration_unit : GZ_UNIT_SAMPLES;
    return gz_pointbuf_finish(&b, GZ_GAZE_SAMPLES, cw, ch, unit, out);
fail:
    gz_pointbuf_free(&b);
    return st;
}
