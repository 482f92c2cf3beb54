/* Gaze files: format dispatch (extension, then content), whole-file
 * reading with limits, the record writer, and helpers shared by the
 * readers in gaze_json.c, gaze_table.c and gaze_lines.c. */
#include "gaze_read.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "atomic_file.h"

/* ---- shared helpers ---- */

gz_status gz_pointbuf_push(gz_pointbuf *b, const char *name, double x, double y, double t,
                           double dur)
{
    if (b->n == b->cap) {
        if (b->n >= GZ_GAZE_MAX_POINTS)
            return gz_error_set(GZ_ERR_LIMIT, "%s: more than %zu points in one record (limit)",
                                name, GZ_GAZE_MAX_POINTS);
        size_t cap = b->cap ? b->cap * 2 : 256;
        if (cap > GZ_GAZE_MAX_POINTS)
            cap = GZ_GAZE_MAX_POINTS;
        double **cols[4] = {&b->x, &b->y, &b->t, &b->dur};
        int use[4] = {1, 1, b->with_t, b->with_dur};
        for (int i = 0; i < 4; i++) {
            if (!use[i])
                continue;
            double *p = realloc(*cols[i], cap * sizeof(double));
            if (!p)
                return gz_error_set(GZ_ERR_NOMEM, "%s: out of memory for %zu points", name, cap);
            *cols[i] = p;
        }
        b->cap = cap;
    }
    b->x[b->n] = x;
    b->y[b->n] = y;
    if (b->with_t)
        b->t[b->n] = t;
    if (b->with_dur)
        b->dur[b->n] = dur;
    b->n++;
    return GZ_OK;
}

void gz_pointbuf_free(gz_pointbuf *b)
{
    free(b->x);
    free(b->y);
    free(b->t);
    free(b->dur);
    memset(b, 0, sizeof *b);
}

gz_status gz_pointbuf_finish(gz_pointbuf *b, gz_gaze_kind kind, double cw, double ch,
                             gz_time_unit unit, gz_gaze **out)
{
    gz_gaze *g;
    gz_status st = gz_gaze_new(&g, kind, b->n, b->with_t, cw, ch, unit);
    if (st) {
        gz_pointbuf_free(b);
        return st;
    }
    size_t bytes = b->n * sizeof(double);
    if (bytes) {
        memcpy(g->x, b->x, bytes);
        memcpy(g->y, b->y, bytes);
        if (b->with_t)
            memcpy(g->t, b->t, bytes);
        if (kind == GZ_GAZE_FIXATIONS && b->with_dur)
            memcpy(g->dur, b->dur, bytes);
    }
    gz_pointbuf_free(b);
    *out = g;
    return GZ_OK;
}

void gz_text_position(const char *text, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

int gz_parse_decimal(const char *s, size_t len, double *out)
{
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    size_t digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ed = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            ed++;
        }
        if (ed == 0)
            return 0;
    }
    if (i != len)
        return 0;
    char buf[64];
    char *heap = NULL;
    const char *p = buf;
    if (len < sizeof buf) {
        memcpy(buf, s, len);
        buf[len] = '\0';
    } else {
        heap = malloc(len + 1);
        if (!heap)
            return 0;
        memcpy(heap, s, len);
        heap[len] = '\0';
        p = heap;
    }
    double v = strtod(p, NULL);
    free(heap);
    if (!isfinite(v))
        return 0;
    *out = v;
    return 1;
}

size_t gz_gaze_count_outside(const gz_gaze *g)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++)
        if (!(g->x[i] >= 0.0 && g->x[i] < g->canvas_w && g->y[i] >= 0.0 && g->y[i] < g->canvas_h))
            n++;
    return n;
}

/* ---- reading ---- */

static gz_status slurp(const char *path, char **text, size_t *len)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return gz_error_set(GZ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    /* a regular file over the limit is refused before reading it */
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
        (unsigned long long)sb.st_size > (unsigned long long)GZ_GAZE_MAX_FILE) {
        fclose(f);
        return gz_error_set(GZ_ERR_LIMIT, "%s: file larger than %zu bytes (limit)", path,
                            GZ_GAZE_MAX_FILE);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return gz_error_set(GZ_ERR_NOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (n == cap) {
            if (cap >= GZ_GAZE_MAX_FILE) {
                free(buf);
                fclose(f);
                return gz_error_set(GZ_ERR_LIMIT, "%s: file larger than %zu bytes (limit)", path,
                                    GZ_GAZE_MAX_FILE);
            }
            cap *= 2;
            char *p = realloc(buf, cap + 1);
            if (!p) {
                free(buf);
                fclose(f);
                return gz_error_set(GZ_ERR_NOMEM, "%s: out of memory", path);
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                /* a folder opens but does not read: say why */
                int e = errno;
                free(buf);
                fclose(f);
                return gz_error_set(GZ_ERR_IO, "%s: cannot read: %s", path, strerror(e));
            }
            break;
        }
    }
    fclose(f);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return GZ_OK;
}

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash))
        return "";
    return dot + 1;
}

static gz_gaze_format detect(const char *path, const char *text, size_t len)
{
    const char *ext = extension(path);
    if (strcasecmp(ext, "json") == 0)
        return GZ_FMT_MCGIP_JSON;
    if (strcasecmp(ext, "tsv") == 0 || strcasecmp(ext, "csv") == 0 || strcasecmp(ext, "txt") == 0)
        return GZ_FMT_TABLE;
    size_t i = 0;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        i = 3;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i < len && text[i] == '{')
        return GZ_FMT_MCGIP_JSON;
    return GZ_FMT_TABLE;
}

gz_status gz_gaze_read_ex(const char *path, const gz_gaze_read_options *opt, gz_gaze **out,
                          gz_gaze_read_info *info)
{
    *out = NULL;
    gz_gaze_read_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    gz_gaze_read_options defaults;
    if (!opt) {
        memset(&defaults, 0, sizeof defaults);
        opt = &defaults;
    }
    if (opt->canvas_w < 0 || opt->canvas_h < 0 || !isfinite(opt->canvas_w) ||
        !isfinite(opt->canvas_h))
        return gz_error_set(GZ_ERR_ARG, "%s: canvas must be positive", path);
    char *text;
    size_t len;
    gz_status st = slurp(path, &text, &len);
    if (st)
        return st;
    gz_gaze_format fmt = opt->format;
    if (fmt == GZ_FMT_AUTO)
        fmt = detect(path, text, len);
    if (fmt == GZ_FMT_MCGIP_JSON)
        st = gz_gaze_parse_json(path, text, len, opt, out, info);
    else if (fmt == GZ_FMT_TABLE)
        st = gz_gaze_parse_table(path, text, len, opt, out, info);
    else
        st = gz_error_set(GZ_ERR_ARG, "%s: unknown gaze format %d", path, (int)fmt);
    free(text);
    if (st == GZ_OK)
        info->outside = gz_gaze_count_outside(*out);
    return st;
}

gz_status gz_gaze_read(const char *path, const gz_gaze_read_options *opt, gz_gaze **out)
{
    return gz_gaze_read_ex(path, opt, out, NULL);
}

/* ---- writing ---- */

gz_status gz_gaze_write(const char *path, const gz_gaze *g)
{
    const char *ext = extension(path);
    int json = strcasecmp(ext, "json") == 0;
    int csv = strcasecmp(ext, "csv") == 0;
    int tsv = strcasecmp(ext, "tsv") == 0;
    int want_json = g->kind == GZ_GAZE_SAMPLES && !g->t;
    if (want_json && !json)
        return gz_error_set(GZ_ERR_ARG,
                            "%s: a raw list without timestamps is written as McGIP JSON (.json)",
                            path);
    if (!want_json && !(csv || tsv))
        return gz_error_set(GZ_ERR_ARG, "%s: this record is written as a table (.tsv or .csv)",
                            path);
    for (size_t i = 0; i < g->n; i++) {
        int bad = !isfinite(g->x[i]) || !isfinite(g->y[i]) || (g->t && !isfinite(g->t[i])) ||
                  (g->dur && !isfinite(g->dur[i]));
        if (bad)
            return gz_error_set(GZ_ERR_ARG, "%s: point %zu is not finite", path, i);
    }
    gz_atomic_file *f;
    gz_status st = gz_atomic_open(&f, path);
    if (st)
        return st;
    FILE *s = gz_atomic_stream(f);
    char sep = csv ? ',' : '\t';
    /* times and durations are written in seconds when convertible */
    double k = gz_time_unit_factor(g->unit, GZ_UNIT_S);
    if (k == 0.0)
        k = 1.0;
    if (want_json) {
        fputs("{\"gaze\": [", s);
        for (size_t i = 0; i < g->n; i++)
            fprintf(s, "%s[%.17g, %.17g]", i ? ", " : "", g->x[i], g->y[i]);
        fputs("]}\n", s);
    } else if (g->kind == GZ_GAZE_SAMPLES) {
        fprintf(s, "t%cx%cy\n", sep, sep);
        for (size_t i = 0; i < g->n; i++)
            fprintf(s, "%.17g%c%.17g%c%.17g\n", g->t[i] * k, sep, g->x[i], sep, g->y[i]);
    } else {
        fprintf(s, "start_x%cstart_y%cduration%s\n", sep, sep,
                g->t ? (csv ? ",onset" : "\tonset") : "");
        for (size_t i = 0; i < g->n; i++) {
            fprintf(s, "%.17g%c%.17g%c%.17g", g->x[i], sep, g->y[i], sep, g->dur[i] * k);
            if (g->t)
                fprintf(s, "%c%.17g", sep, g->t[i] * k);
            fputc('\n', s);
        }
    }
    if (ferror(s)) {
        gz_atomic_abort(f);
        return gz_error_set(GZ_ERR_IO, "%s: write error", path);
    }
    return gz_atomic_commit(f);
}
