/* The heatmap schemes' vtables (scheme.h): moments, dhash and tima.
 * Parameters are parsed from the command line's key=value words
 * (similarity.md section 7); features are computed once per record
 * (moments: m00, hu1; dhash: 64 bits; tima: per-cluster m00, hu1) so that
 * compare is a few arithmetic operations, pure and thread-safe. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhash.h"
#include "heatmap.h"
#include "moments.h"
#include "scheme.h"
#include "text.h"
#include "tima.h"

/* --- key=value parsing ----------------------------------------------------- */

static int key_index(const char *scheme, const char *const *keys, const char *key,
                     gz_status *st)
{
    for (int i = 0; keys[i]; i++)
        if (strcmp(keys[i], key) == 0)
            return i;
    const char *near = gz_nearest_name(key, keys);
    if (near)
        *st = gz_error_set(GZ_ERR_ARG, "unknown key '%s' for scheme %s (did you mean '%s'?)", key,
                           scheme, near);
    else
        *st = gz_error_set(GZ_ERR_ARG, "unknown key '%s' for scheme %s", key, scheme);
    return -1;
}

static gz_status parse_double(const char *scheme, const char *key, const char *value,
                              double *out)
{
    char *end = NULL;
    errno = 0;
    double v = value && *value ? strtod(value, &end) : 0.0;
    if (!value || !*value || *end != '\0' || errno == ERANGE || !isfinite(v))
        return gz_error_set(GZ_ERR_ARG, "scheme %s: %s='%s' is not a finite number", scheme,
                            key, value ? value : "");
    *out = v;
    return GZ_OK;
}

static gz_status parse_int(const char *scheme, const char *key, const char *value, long lo,
                           long hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = value && *value ? strtol(value, &end, 10) : 0;
    if (!value || !*value || *end != '\0' || errno == ERANGE || v < lo || v > hi)
        return gz_error_set(GZ_ERR_ARG, "scheme %s: %s='%s' is not an integer in %ld..%ld",
                            scheme, key, value ? value : "", lo, hi);
    *out = (int)v;
    return GZ_OK;
}

/* "WxH" with 1 <= W, H <= GZ_HEATMAP_MAX_SIDE. */
static gz_status parse_canvas(const char *scheme, const char *key, const char *value, int *w,
                              int *h)
{
    char *end = NULL;
    const char *s = value ? value : "";
    errno = 0;
    long a = strtol(s, &end, 10);
    int ok = end != s && (*end == 'x' || *end == 'X');
    long b = 0;
    if (ok) {
        const char *s2 = end + 1;
        b = strtol(s2, &end, 10);
        ok = end != s2 && *end == '\0' && errno != ERANGE;
    }
    if (!ok || a < 1 || b < 1 || a > GZ_HEATMAP_MAX_SIDE || b > GZ_HEATMAP_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG, "scheme %s: %s='%s' is not WxH with sides in 1..%d",
                            scheme, key, s, GZ_HEATMAP_MAX_SIDE);
    *w = (int)a;
    *h = (int)b;
    return GZ_OK;
}

/* Shortest "%.*g" that reads back to the same double. */
static void fmt_double(char *buf, size_t cap, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static gz_status describe_done(int n, size_t cap)
{
    if (n < 0 || (size_t)n >= cap)
        return gz_error_set(GZ_ERR_ARG, "scheme parameters do not fit in %zu bytes", cap);
    return GZ_OK;
}

static const char *const value_names[] = {"similarity", NULL};
static const char *record_name(const gz_record *rec)
{
    return rec->name ? rec->name : "record";
}

#define KERNEL_MAX (4 * GZ_HEATMAP_MAX_SIDE)

/* A heap copy of parsed parameters (what the vtable's params_free frees). */
static gz_status params_dup(void **out, const void *p, size_t size)
{
    void *m = gz_malloc(size);
    if (!m)
        return GZ_ERR_NOMEM;
    memcpy(m, p, size);
    *out = m;
    return GZ_OK;
}

/* --- moments and dhash: parameters ------------------------------------------ */

/* Both render the record's map on canvas with kernel (default from the
 * canvas height) and reduce it to a small image; moments also weighs its
 * two terms. One parser serves both: the scheme's key table decides which
 * keys it accepts (dhash's has no weights, so they keep their defaults). */
typedef struct map_params {
    double w_hu, w_m;
    int canvas_w, canvas_h, kernel;
} map_params;

static gz_status map_params_new(const char *scheme, const char *const *table, void **out,
                                const char *const *keys, const char *const *values, size_t n)
{
    *out = NULL;
    map_params p = {0.5, 0.5, 800, 800, 0};
    int kernel_set = 0;
    gz_status st = GZ_OK;
    for (size_t i = 0; i < n && st == GZ_OK; i++) {
        int k = key_index(scheme, table, keys[i], &st);
        if (k < 0)
            break;
        const char *key = table[k];
        if (strcmp(key, "w_hu") == 0) {
            st = parse_double(scheme, key, values[i], &p.w_hu);
        } else if (strcmp(key, "w_m") == 0) {
            st = parse_double(scheme, key, values[i], &p.w_m);
        } else if (strcmp(key, "canvas") == 0) {
            st = parse_canvas(scheme, key, values[i], &p.canvas_w, &p.canvas_h);
        } else { /* kernel */
            st = parse_int(scheme, key, values[i], 0, KERNEL_MAX, &p.kernel);
            kernel_set = 1;
        }
    }
    if (st != GZ_OK)
        return st;
    if (!kernel_set)
        p.kernel = gz_heatmap_default_kernel(p.canvas_h);
    return params_dup(out, &p, sizeof p);
}

/* --- moments --------------------------------------------------------------- */

static const char *const moments_keys[] = {"w_hu", "w_m", "canvas", "kernel", NULL};

static gz_status moments_params_new(void **out, const char *const *keys,
                                    const char *const *values, size_t n)
{
    return map_params_new("moments", moments_keys, out, keys, values, n);
}

static gz_status moments_params_describe(const void *params, char *buf, size_t cap)
{
    const map_params *p = params;
    char a[32], b[32];
    fmt_double(a, sizeof a, p->w_hu);
    fmt_double(b, sizeof b, p->w_m);
    return describe_done(snprintf(buf, cap, "w_hu=%s w_m=%s canvas=%dx%d kernel=%d", a, b,
                                  p->canvas_w, p->canvas_h, p->kernel),
                         cap);
}

static gz_status moments_features_new(const void *params, const gz_record *rec, void **out)
{
    const map_params *p = params;
    *out = NULL;
    double small[GZ_MOMENTS_SIDE * GZ_MOMENTS_SIDE];
    gz_status st = gz_moments_record_map(rec, "moments", p->canvas_w, p->canvas_h, p->kernel,
                                         small, GZ_MOMENTS_SIDE, GZ_MOMENTS_SIDE);
    if (st != GZ_OK)
        return st;
    double *f = gz_malloc(2 * sizeof(double));
    if (!f)
        return GZ_ERR_NOMEM;
    gz_moments_of(small, GZ_MOMENTS_SIDE, GZ_MOMENTS_SIDE, &f[0], &f[1]);
    *out = f;
    return GZ_OK;
}

static gz_status moments_compare(const void *params, const void *fa, const void *fb, int64_t i,
                                 int64_t j, double *out)
{
    (void)i;
    (void)j;
    const map_params *p = params;
    const double *a = fa, *b = fb;
    out[0] = gz_moments_similarity(a[0], a[1], b[0], b[1], p->w_hu, p->w_m);
    return GZ_OK;
}

const gz_scheme gz_scheme_moments = {
    .name = "moments",
    .keys = moments_keys,
    .n_values = 1,
    .value_names = value_names,
    .score_index = 0,
    .params_new = moments_params_new,
    .params_free = free,
    .params_describe = moments_params_describe,
    .features_new = moments_features_new,
    .features_free = free,
    .compare = moments_compare,
};

/* --- dhash ----------------------------------------------------------------- */

static const char *const dhash_keys[] = {"canvas", "kernel", NULL};

static gz_status dhash_params_new(void **out, const char *const *keys, const char *const *values,
                                  size_t n)
{
    return map_params_new("dhash", dhash_keys, out, keys, values, n);
}

static gz_status dhash_params_describe(const void *params, char *buf, size_t cap)
{
    const map_params *p = params;
    return describe_done(
        snprintf(buf, cap, "canvas=%dx%d kernel=%d", p->canvas_w, p->canvas_h, p->kernel), cap);
}

static gz_status dhash_features_new(const void *params, const gz_record *rec, void **out)
{
    const map_params *p = params;
    *out = NULL;
    double small[GZ_DHASH_COLS * GZ_DHASH_ROWS];
    gz_status st = gz_moments_record_map(rec, "dhash", p->canvas_w, p->canvas_h, p->kernel, small,
                                         GZ_DHASH_COLS, GZ_DHASH_ROWS);
    if (st != GZ_OK)
        return st;
    uint64_t *f = gz_malloc(sizeof(uint64_t));
    if (!f)
        return GZ_ERR_NOMEM;
    *f = gz_dhash_of_small(small);
    *out = f;
    return GZ_OK;
}

static gz_status dhash_compare(const void *params, const void *fa, const void *fb, int64_t i,
                               int64_t j, double *out)
{
    (void)params;
    (void)i;
    (void)j;
    out[0] = gz_dhash_similarity(*(const uint64_t *)fa, *(const uint64_t *)fb);
    return GZ_OK;
}

const gz_scheme gz_scheme_dhash = {
    .name = "dhash",
    .keys = dhash_keys,
    .n_values = 1,
    .value_names = value_names,
    .score_index = 0,
    .params_new = dhash_params_new,
    .params_free = free,
    .params_describe = dhash_params_describe,
    .features_new = dhash_features_new,
    .features_free = free,
    .compare = dhash_compare,
};

/* --- tima ------------------------------------------------------------------ */

static const char *const tima_keys[] = {"canvas", "render", "kernel", "div", "eps", NULL};

static gz_status tima_params_new(void **out, const char *const *keys, const char *const *values,
                                 size_t n)
{
    *out = NULL;
    gz_tima_params p;
    gz_tima_params_default(&p);
    int render_set = 0, kernel_set = 0;
    gz_status st = GZ_OK;
    for (size_t i = 0; i < n && st == GZ_OK; i++) {
        switch (key_index("tima", tima_keys, keys[i], &st)) {
        case 0: st = parse_canvas("tima", keys[i], values[i], &p.canvas_w, &p.canvas_h); break;
        case 1:
            st = parse_canvas("tima", keys[i], values[i], &p.render_w, &p.render_h);
            render_set = 1;
            break;
        case 2:
            st = parse_int("tima", keys[i], values[i], 0, KERNEL_MAX, &p.kernel);
            kernel_set = 1;
            break;
        case 3: st = parse_int("tima", keys[i], values[i], 1, 1000000000L, &p.div); break;
        case 4:
            st = parse_double("tima", keys[i], values[i], &p.eps);
            if (st == GZ_OK && p.eps < 0.0)
                st = gz_error_set(GZ_ERR_ARG, "scheme tima: eps='%s' must be >= 0", values[i]);
            break;
        default: break;
        }
    }
    if (st != GZ_OK)
        return st;
    if (!render_set) {
        p.render_w = p.canvas_w;
        p.render_h = p.canvas_h;
    }
    if (!kernel_set)
        p.kernel = gz_heatmap_default_kernel(p.render_h);
    return params_dup(out, &p, sizeof p);
}

static gz_status tima_params_describe(const void *params, char *buf, size_t cap)
{
    const gz_tima_params *p = params;
    char e[32];
    fmt_double(e, sizeof e, p->eps);
    return describe_done(snprintf(buf, cap, "canvas=%dx%d render=%dx%d kernel=%d div=%d eps=%s",
                                  p->canvas_w, p->canvas_h, p->render_w, p->render_h, p->kernel,
                                  p->div, e),
                         cap);
}

static gz_status tima_features_new(const void *params, const gz_record *rec, void **out)
{
    *out = NULL;
    if (!rec->gaze)
        return gz_error_set(GZ_ERR_ARG, "%s: scheme tima needs gaze data, the item has none",
                            record_name(rec));
    gz_tima_features *f = NULL;
    gz_status st = gz_tima_features_new(params, rec->gaze->x, rec->gaze->y, rec->gaze->n, &f);
    if (st != GZ_OK)
        return gz_error_prefix(st, "%s", record_name(rec));
    *out = f;
    return GZ_OK;
}

static void tima_features_free(void *f)
{
    gz_tima_features_free(f);
}

static gz_status tima_compare(const void *params, const void *fa, const void *fb, int64_t i,
                              int64_t j, double *out)
{
    (void)params;
    (void)i;
    (void)j;
    return gz_tima_similarity(fa, fb, &out[0]);
}

const gz_scheme gz_scheme_tima = {
    .name = "tima",
    .keys = tima_keys,
    .n_values = 1,
    .value_names = value_names,
    .score_index = 0,
    .params_new = tima_params_new,
    .params_free = free,
    .params_describe = tima_params_describe,
    .features_new = tima_features_new,
    .features_free = tima_features_free,
    .compare = tima_compare,
};
