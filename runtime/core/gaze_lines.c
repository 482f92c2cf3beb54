/* McGIP's INbreast gaze-lines file: one image per line,
 *   path;label;[(x, y), (x, y), ...];...
 * (fields after the third are ignored; an empty list is "[]"). Points are
 * raw samples without timestamps. Every number must be finite; errors name
 * FILE:LINE:COL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gaze_read.h"

typedef struct lscan {
    const char *name;
    const char *s;
    size_t len;     /* length of the line (without newline) */
    size_t line;
} lscan;

static gz_status lerr(const lscan *l, size_t at, const char *msg, const char *detail)
{
    return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: %s%s", l->name, l->line, at + 1, msg,
                        detail ? detail : "");
}

static size_t skip_sp(const lscan *l, size_t i, size_t end)
{
    while (i < end && (l->s[i] == ' ' || l->s[i] == '\t'))
        i++;
    return i;
}

static gz_status number(const lscan *l, size_t *i, size_t end, double *v, size_t index,
                        const char *axis)
{
    size_t a = skip_sp(l, *i, end), b = a;
    while (b < end && l->s[b] != ',' && l->s[b] != ')' && l->s[b] != ' ' && l->s[b] != '\t')
        b++;
    if (!gz_parse_decimal(l->s + a, b - a, v)) {
        char msg[96], shown[40];
        size_t m = b - a < sizeof shown - 1 ? b - a : sizeof shown - 1;
        memcpy(shown, l->s + a, m);
        shown[m] = '\0';
        snprintf(msg, sizeof msg, "point %zu: %s ", index, axis);
        if (m == 0)
            return lerr(l, a, msg, "is missing");
        char detail[80];
        snprintf(detail, sizeof detail, "'%s' is not a finite number", shown);
        return lerr(l, a, msg, detail);
    }
    *i = b;
    return GZ_OK;
}

/* Parses "[(x, y), ...]" in [from, end) into b. */
static gz_status parse_points(const lscan *l, size_t from, size_t end, gz_pointbuf *b)
{
    size_t i = skip_sp(l, from, end);
    if (i >= end || l->s[i] != '[')
        return lerr(l, i, "expected '[' starting the gaze list [(x, y), ...]", NULL);
    i = skip_sp(l, i + 1, end);
    if (i < end && l->s[i] == ']')
        goto close;
    for (size_t index = 0;; index++) {
        gz_status st;
        i = skip_sp(l, i, end);
        if (i >= end || l->s[i] != '(')
            return lerr(l, i, "expected '(' starting a point (x, y)", NULL);
        i++;
        double x, y;
        if ((st = number(l, &i, end, &x, index, "x")))
            return st;
        i = skip_sp(l, i, end);
        if (i >= end || l->s[i] != ',')
            return lerr(l, i, "expected ',' between x and y", NULL);
        i++;
        if ((st = number(l, &i, end, &y, index, "y")))
            return st;
        i = skip_sp(l, i, end);
        if (i >= end || l->s[i] != ')')
            return lerr(l, i, "expected ')' closing a point", NULL);
        i = skip_sp(l, i + 1, end);
        if ((st = gz_pointbuf_push(b, l->name, x, y, 0.0, 0.0)))
            return st;
        if (i < end && l->s[i] == ',') {
            i++;
            continue;
        }
        if (i < end && l->s[i] == ']')
            break;
        return lerr(l, i, "expected ',' or ']' after a point", NULL);
    }
close:
    i = skip_sp(l, i + 1, end);
    if (i != end)
        return lerr(l, i, "unexpected text after the gaze list", NULL);
    return GZ_OK;
}

static char *trimmed_copy(const char *s, size_t n)
{
    while (n && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *out = gz_malloc(n + 1);
    if (out) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    return out;
}

gz_status gz_gaze_lines_read(const char *path, double canvas_w, double canvas_h,
                             gz_gaze_line_fn fn, void *ud)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return gz_error_set(GZ_ERR_IO, "%s: cannot open", path);
    if (canvas_w <= 0)
        canvas_w = 800;
    if (canvas_h <= 0)
        canvas_h = 800;
    char *buf = NULL;
    size_t cap = 0;
    size_t lineno = 0;
    gz_status st = GZ_OK;
    for (;;) {
        ssize_t got = getline(&buf, &cap, f);
        if (got < 0)
            break;
        lineno++;
        size_t n = (size_t)got;
        if (lineno == 1 && n >= 3 && (unsigned char)buf[0] == 0xEF &&
            (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF) {
            memmove(buf, buf + 3, n - 3);
            n -= 3;
        }
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            n--;
        size_t k = 0;
        while (k < n && (buf[k] == ' ' || buf[k] == '\t'))
            k++;
        if (k == n)
            continue;
        lscan l = {path, buf, n, lineno};
        /* fields: path ; label ; points ; rest */
        char *semi1 = memchr(buf, ';', n);
        if (!semi1) {
            st = lerr(&l, n, "expected 'path;label;[(x, y), ...]' (no ';')", NULL);
            break;
        }
        size_t p1 = (size_t)(semi1 - buf);
        char *semi2 = memchr(buf + p1 + 1, ';', n - p1 - 1);
        if (!semi2) {
            st = lerr(&l, n, "expected 'path;label;[(x, y), ...]' (missing the gaze list)", NULL);
            break;
        }
        size_t p2 = (size_t)(semi2 - buf);
        /* the gaze list ends at its closing ']' (points contain no ';') */
        char *semi3 = memchr(buf + p2 + 1, ';', n - p2 - 1);
        size_t p3 = semi3 ? (size_t)(semi3 - buf) : n;
        gz_pointbuf b;
        memset(&b, 0, sizeof b);
        if ((st = parse_points(&l, p2 + 1, p3, &b))) {
            gz_pointbuf_free(&b);
            break;
        }
        gz_gaze *g;
        if ((st = gz_pointbuf_finish(&b, GZ_GAZE_SAMPLES, canvas_w, canvas_h, GZ_UNIT_SAMPLES, &g)))
            break;
        char *ipath = trimmed_copy(buf, p1);
        char *label = trimmed_copy(buf + p1 + 1, p2 - p1 - 1);
        if (!ipath || !label) {
            free(ipath);
            free(label);
            gz_gaze_free(g);
            st = GZ_ERR_NOMEM;
            break;
        }
        gz_gaze_line entry = {lineno, ipath, label, g};
        int stop = fn(ud, &entry);
        free(ipath);
        free(label);
        gz_gaze_free(g);
        if (stop)
            break;
    }
    if (st == GZ_OK && ferror(f))
        st = gz_error_set(GZ_ERR_IO, "%s: read error", path);
    free(buf);
    fclose(f);
    return st;
}
