/* The `multimatch` scheme (scheme.h vtable): key=value parameters of
 * shared/spec/similarity.md section 7, per-record features (fixations from
 * the record, then the grouped saccades of multimatch.h) and the pairwise
 * comparison (five dimensions + weighted score). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixdetect.h"
#include "mcgip.h"
#include "multimatch.h"
#include "text.h"

typedef enum mm_fix { FIX_AUTO = 0, FIX_MCGIP, FIX_IDT, FIX_IVT, FIX_NONE } mm_fix;
static const char *const fix_names[] = {"auto", "mcgip", "idt", "ivt", "none", NULL};

typedef struct mm_params {
    double screen_w, screen_h;
    gz_mm_grouping grouping;
    int short_nan;
    double weights[5];
    mm_fix fixations;
    double mcgip_ratio, mcgip_canvas;
    double idt_dispersion, idt_min_duration;
    int has_ivt_velocity;
    double ivt_velocity, ivt_min_duration;
} mm_params;

static const char *const mm_keys[] = {
    "screen",         "grouping",         "tdir",         "tdur",
    "tamp",           "short",            "weights",      "fixations",
    "mcgip_ratio",    "mcgip_canvas",     "idt_dispersion", "idt_min_duration",
    "ivt_velocity",   "ivt_min_duration", "preset",       NULL};
enum { N_KEYS = 15 };

static const char *const mm_values[] = {"vector",   "direction", "length",
                                        "position", "duration",  "score",  NULL};

/* ---- value parsing ---------------------------------------------------------- */

static gz_status bad_value(const char *key, const char *value, const char *want)
{
    return gz_error_set(GZ_ERR_ARG, "multimatch: %s=%s: expected %s", key, value, want);
}

/* A finite number; min_ok: -1 any, 0 >= 0, 1 > 0. */
static gz_status parse_num(const char *key, const char *s, int min_ok, double *out)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (!*s || end == s || *end || !isfinite(v))
        return bad_value(key, s, "a number");
    if ((min_ok == 0 && v < 0.0) || (min_ok == 1 && v <= 0.0))
        return bad_value(key, s, min_ok ? "a number > 0" : "a number >= 0");
    *out = v;
    return GZ_OK;
}

static gz_status parse_bool(const char *key, const char *s, int *out)
{
    if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "on"))
        *out = 1;
    else if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no") || !strcmp(s, "off"))
        *out = 0;
    else
        return bad_value(key, s, "true or false");
    return GZ_OK;
}

/* "WxH", both > 0. */
static gz_status parse_screen(const char *key, const char *s, double *w, double *h)
{
    char *end = NULL;
    double a = strtod(s, &end);
    if (end == s || (*end != 'x' && *end != 'X'))
        return bad_value(key, s, "WxH (e.g. 1280x720)");
    const char *p = end + 1;
    double b = strtod(p, &end);
    if (end == p || *end || !isfinite(a) || !isfinite(b) || a <= 0.0 || b <= 0.0)
        return bad_value(key, s, "WxH with positive sizes (e.g. 1280x720)");
    *w = a;
    *h = b;
    return GZ_OK;
}

/* "a,b,c,d,e": five finite numbers. */
static gz_status parse_weights(const char *key, const char *s, double w[5])
{
    const char *p = s;
    for (int k = 0; k < 5; k++) {
        char *end = NULL;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v))
            return bad_value(key, s, "five numbers a,b,c,d,e");
        w[k] = v;
        p = end;
        if (k < 4) {
            if (*p != ',')
                return bad_value(key, s, "five numbers a,b,c,d,e");
            p++;
        }
    }
    if (*p)
        return bad_value(key, s, "five numbers a,b,c,d,e");
    return GZ_OK;
}

static int key_index(const char *key)
{
    for (int k = 0; k < N_KEYS; k++)
        if (!strcmp(mm_keys[k], key))
            return k;
    return -1;
}

static void set_defaults(mm_params *p, int preset_mcgip)
{
    memset(p, 0, sizeof *p);
    p->screen_w = preset_mcgip ? 1920.0 : 1280.0;
    p->screen_h = preset_mcgip ? 1080.0 : 720.0;
    p->grouping.enabled = preset_mcgip;
    p->grouping.tdir = preset_mcgip ? 45.0 : 0.0;
    p->grouping.tdur = preset_mcgip ? 100.0 : 0.0;
    p->grouping.tamp = preset_mcgip ? 160.0 : 0.0;
    p->short_nan = 0;
    for (int k = 0; k < 5; k++)
        p->weights[k] = 0.2;
    p->fixations = preset_mcgip ? FIX_MCGIP : FIX_AUTO;
    p->mcgip_ratio = 0.05;
    p->mcgip_canvas = 800.0;
    p->idt_dispersion = 25.0;
    p->idt_min_duration = 50.0;
    p->has_ivt_velocity = 0;
    p->ivt_velocity = 0.0;
    p->ivt_min_duration = 50.0;
}

static gz_status apply_key(mm_params *p, int k, const char *key, const char *v)
{
    switch (k) {
    case 0: return parse_screen(key, v, &p->screen_w, &p->screen_h);
    case 1: return parse_bool(key, v, &p->grouping.enabled);
    case 2: return parse_num(key, v, 0, &p->grouping.tdir);
    case 3: return parse_num(key, v, 0, &p->grouping.tdur);
    case 4: return parse_num(key, v, 0, &p->grouping.tamp);
    case 5:
        if (!strcmp(v, "zero"))
            p->short_nan = 0;
        else if (!strcmp(v, "nan"))
            p->short_nan = 1;
        else
            return bad_value(key, v, "zero or nan");
        return GZ_OK;
    case 6: return parse_weights(key, v, p->weights);
    case 7:
        for (int f = 0; fix_names[f]; f++)
            if (!strcmp(fix_names[f], v)) {
                p->fixations = (mm_fix)f;
                return GZ_OK;
            }
        return bad_value(key, v, "mcgip, idt, ivt, none or auto");
    case 8: return parse_num(key, v, 1, &p->mcgip_ratio);
    case 9: return parse_num(key, v, 1, &p->mcgip_canvas);
    case 10: return parse_num(key, v, 1, &p->idt_dispersion);
    case 11: return parse_num(key, v, 0, &p->idt_min_duration);
    case 12:
        p->has_ivt_velocity = 1;
        return parse_num(key, v, 1, &p->ivt_velocity);
    case 13: return parse_num(key, v, 0, &p->ivt_min_duration);
    case 14: return GZ_OK; /* preset: applied first, see mm_params_new */
    default: return GZ_ERR_INTERNAL;
    }
}

static gz_status mm_params_new(void **params, const char *const *keys,
                               const char *const *values, size_t n)
{
    *params = NULL;
    int seen[N_KEYS] = {0};
    int preset_mcgip = 0;
    for (size_t i = 0; i < n; i++) {
        const char *key = keys[i] ? keys[i] : "";
        const char *v = values[i] ? values[i] : "";
        int k = key_index(key);
        if (k < 0)
            return gz_error_unknown("multimatch", "key", key, mm_keys);
        if (seen[k])
            return gz_error_set(GZ_ERR_ARG, "multimatch: key '%s' is given twice", key);
        seen[k] = 1;
        if (k == 14) {
            if (strcmp(v, "mcgip"))
                return bad_value(key, v, "mcgip");
            preset_mcgip = 1;
        }
    }
    mm_params *p = gz_calloc(1, sizeof *p);
    if (!p)
        return GZ_ERR_NOMEM;
    set_defaults(p, preset_mcgip);
    for (size_t i = 0; i < n; i++) {
        gz_status st = apply_key(p, key_index(keys[i]), keys[i], values[i] ? values[i] : "");
        if (st) {
            free(p);
            return st;
        }
    }
    if (p->fixations == FIX_IVT && !p->has_ivt_velocity) {
        free(p);
        return gz_error_set(GZ_ERR_ARG,
                            "multimatch: fixations=ivt needs ivt_velocity= (pixels per second)");
    }
    *params = p;
    return GZ_OK;
}

static void mm_params_free(void *params)
{
    free(params);
}

/* Shortest "%.Ng" that reads back to the same double. */
static void fmt_num(char *buf, size_t cap, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static gz_status mm_params_describe(const void *params, char *buf, size_t cap)
{
    const mm_params *p = params;
    char a[40], b[40], c[40], d[40], e[40];
    char out[1024];
    size_t len = 0;
#define APPEND(...)                                                                    \
    do {                                                                               \
        int w_ = snprintf(out + len, sizeof out - len, __VA_ARGS__);                   \
        if (w_ < 0 || (size_t)w_ >= sizeof out - len)                                  \
            return gz_error_set(GZ_ERR_LIMIT, "multimatch: parameter text too long");  \
        len += (size_t)w_;                                                             \
    } while (0)
    fmt_num(a, sizeof a, p->screen_w);
    fmt_num(b, sizeof b, p->screen_h);
    APPEND("screen=%sx%s grouping=%s", a, b, p->grouping.enabled ? "true" : "false");
    fmt_num(a, sizeof a, p->grouping.tdir);
    fmt_num(b, sizeof b, p->grouping.tdur);
    fmt_num(c, sizeof c, p->grouping.tamp);
    APPEND(" tdir=%s tdur=%s tamp=%s short=%s", a, b, c, p->short_nan ? "nan" : "zero");
    fmt_num(a, sizeof a, p->weights[0]);
    fmt_num(b, sizeof b, p->weights[1]);
    fmt_num(c, sizeof c, p->weights[2]);
    fmt_num(d, sizeof d, p->weights[3]);
    fmt_num(e, sizeof e, p->weights[4]);
    APPEND(" weights=%s,%s,%s,%s,%s fixations=%s", a, b, c, d, e, fix_names[p->fixations]);
    fmt_num(a, sizeof a, p->mcgip_ratio);
    fmt_num(b, sizeof b, p->mcgip_canvas);
    fmt_num(c, sizeof c, p->idt_dispersion);
    fmt_num(d, sizeof d, p->idt_min_duration);
    APPEND(" mcgip_ratio=%s mcgip_canvas=%s idt_dispersion=%s idt_min_duration=%s", a, b, c,
           d);
    if (p->has_ivt_velocity) {
        fmt_num(a, sizeof a, p->ivt_velocity);
        APPEND(" ivt_velocity=%s", a);
    }
    fmt_num(a, sizeof a, p->ivt_min_duration);
    APPEND(" ivt_min_duration=%s", a);
#undef APPEND
    if (len + 1 > cap)
        return gz_error_set(GZ_ERR_LIMIT, "multimatch: parameter text needs %zu bytes", len + 1);
    memcpy(buf, out, len + 1);
    return GZ_OK;
}

/* ---- features ----------------------------------------------------------------- */

static gz_status mm_features_new(const void *params, const gz_record *rec, void **features)
{
    const mm_params *p = params;
    *features = NULL;
    const char *name = rec && rec->name ? rec->name : "record";
    if (!rec || !rec->gaze)
        return gz_error_set(GZ_ERR_ARG, "%s: multimatch needs a gaze record", name);
    const gz_gaze *g = rec->gaze;
    gz_gaze *fix = NULL; /* owned when made here */
    gz_status st = GZ_OK;
    mm_fix mode = p->fixations;
    if (g->kind == GZ_GAZE_FIXATIONS) {
        if (mode != FIX_AUTO && mode != FIX_NONE)
            return gz_error_set(GZ_ERR_ARG,
                                "%s: fixations=%s needs raw samples, but the record holds "
                                "fixations (use fixations=none)",
                                name, fix_names[mode]);
    } else {
        if (mode == FIX_AUTO)
            mode = FIX_MCGIP;
        switch (mode) {
        case FIX_MCGIP: st = gz_fix_mcgip(g, p->mcgip_ratio, p->mcgip_canvas, &fix); break;
        case FIX_IDT:
            st = gz_fix_idt(g, p->idt_dispersion, p->idt_min_duration, &fix);
            break;
        case FIX_IVT:
            st = gz_fix_ivt(g, p->ivt_velocity, p->ivt_min_duration, &fix);
            break;
        default: break; /* FIX_NONE: every sample, duration 1 */
        }
        if (st)
            return gz_error_prefix(st, "%s", name);
    }
    const gz_gaze *src = fix ? fix : g;
    gz_mm_path *path = NULL;
    st = gz_mm_path_new(src->x, src->y, src->kind == GZ_GAZE_FIXATIONS ? src->dur : NULL, src->n,
                        &p->grouping, &path);
    gz_gaze_free(fix);
    if (st)
        return gz_error_prefix(st, "%s", name);
    *features = path;
    return GZ_OK;
}

static void mm_features_free(void *features)
{
    gz_mm_path_free(features);
}

static gz_status mm_compare(const void *params, const void *fa, const void *fb, int64_t i,
                            int64_t j, double *out)
{
    (void)i;
    (void)j;
    const mm_params *p = params;
    gz_status st = gz_mm_compare(fa, fb, p->screen_w, p->screen_h, p->short_nan, out, NULL);
    if (st)
        return st;
    double s = 0.0;
    for (int k = 0; k < 5; k++)
        s += p->weights[k] * out[k];
    out[5] = s;
    return GZ_OK;
}

const gz_scheme gz_scheme_multimatch = {
    .name = "multimatch",
    .keys = mm_keys,
    .n_values = 6,
    .value_names = mm_values,
    .score_index = 5,
    .params_new = mm_params_new,
    .params_free = mm_params_free,
    .params_describe = mm_params_describe,
    .features_new = mm_features_new,
    .features_free = mm_features_free,
    .compare = mm_compare,
};
