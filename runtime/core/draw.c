/* Canvas drawing over cairo: shapes, text with halos, images and colour-
 * mapped scalar maps blended with alpha, conversion back to tensors, and
 * PNG output through gz_png_write. */
#include "draw.h"

#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "text.h"

#if defined(__SANITIZE_ADDRESS__)
/* Under AddressSanitizer only: cairo and fontconfig keep font caches for
 * the life of the process, which LeakSanitizer reports at exit. Release
 * them from an exit handler registered on first text use (FcFini is looked
 * up at run time so that no -lfontconfig is needed). */
#include <dlfcn.h>
#include <pthread.h>

static void release_font_caches(void)
{
    cairo_debug_reset_static_data();
    void (*fc_fini)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini)
        fc_fini();
}

static void register_release(void)
{
    atexit(release_font_caches);
}

static void fonts_used(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_release);
}
#else
static void fonts_used(void)
{
}
#endif

struct gz_canvas {
    cairo_surface_t *surf;
    cairo_t *cr;
    int w, h;
};

#define FONT_FACE "DejaVu Sans"

gz_status gz_canvas_new(gz_canvas **out, int w, int h, gz_rgba background)
{
    *out = NULL;
    if (w < 1 || h < 1 || w > GZ_CANVAS_MAX_SIDE || h > GZ_CANVAS_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG, "canvas size %d x %d out of range 1..%d", w, h,
                            GZ_CANVAS_MAX_SIDE);
    gz_canvas *c = gz_calloc(1, sizeof *c);
    if (!c)
        return GZ_ERR_NOMEM;
    c->surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    c->cr = cairo_create(c->surf); /* an error context when the surface failed */
    if (cairo_surface_status(c->surf) != CAIRO_STATUS_SUCCESS ||
        cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(c->cr);
        cairo_surface_destroy(c->surf);
        free(c);
        return gz_error_set(GZ_ERR_NOMEM, "canvas %d x %d: cannot allocate the image", w, h);
    }
    c->w = w;
    c->h = h;
    cairo_save(c->cr);
    cairo_set_operator(c->cr, CAIRO_OPERATOR_SOURCE);
    cairo_set_source_rgba(c->cr, background.r, background.g, background.b, background.a);
    cairo_paint(c->cr);
    cairo_restore(c->cr);
    *out = c;
    return GZ_OK;
}

void gz_canvas_free(gz_canvas *c)
{
    if (!c)
        return;
    cairo_destroy(c->cr);
    cairo_surface_destroy(c->surf);
    free(c);
}

int gz_canvas_width(const gz_canvas *c)
{
    return c->w;
}

int gz_canvas_height(const gz_canvas *c)
{
    return c->h;
}

static inline uint8_t to_byte(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 255)
        return 255;
    return (uint8_t)(v + 0.5);
}

static inline uint32_t pack_premul(double r, double g, double b, double a)
{
    /* inputs 0..255, not premultiplied */
    uint8_t A = to_byte(a);
    double f = A / 255.0;
    return ((uint32_t)A << 24) | ((uint32_t)to_byte(r * f) << 16) |
           ((uint32_t)to_byte(g * f) << 8) | (uint32_t)to_byte(b * f);
}

static gz_status image_shape(const gz_tensor *img, const char *what, int64_t *H, int64_t *W,
                             int64_t *C)
{
    if (!img)
        return gz_error_set(GZ_ERR_ARG, "%s: no tensor", what);
    if (img->ndim == 2) {
        *C = 1;
    } else if (img->ndim == 3 && img->shape[2] >= 1 && img->shape[2] <= 4) {
        *C = img->shape[2];
    } else {
        return gz_error_set(GZ_ERR_ARG, "%s: expected H x W or H x W x C (C = 1..4), got %d dims%s",
                            what, img->ndim, img->ndim == 3 ? " with a bad channel count" : "");
    }
    *H = img->shape[0];
    *W = img->shape[1];
    if (*H < 1 || *W < 1 || *H > GZ_CANVAS_MAX_SIDE || *W > GZ_CANVAS_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG, "%s: size %lld x %lld out of range 1..%d", what,
                            (long long)*H, (long long)*W, GZ_CANVAS_MAX_SIDE);
    return GZ_OK;
}

static gz_status new_surface(int64_t H, int64_t W, cairo_surface_t **out)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)W, (int)H);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return gz_error_set(GZ_ERR_NOMEM, "cannot allocate a %lld x %lld image", (long long)H,
                            (long long)W);
    }
    cairo_surface_flush(s);
    *out = s;
    return GZ_OK;
}

static gz_status check_rect(double x, double y, double w, double h, const char *what)
{
    if (!(w > 0) || !(h > 0) || !isfinite(x) || !isfinite(y) || !isfinite(w) || !isfinite(h))
        return gz_error_set(GZ_ERR_ARG, "%s: bad rectangle (%g, %g, %g, %g)", what, x, y, w, h);
    return GZ_OK;
}

static void paint_surface(gz_canvas *c, cairo_surface_t *s, int64_t H, int64_t W, double x,
                          double y, double w, double h, bool smooth)
{
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, w / (double)W, h / (double)H);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_pattern_t *pat = cairo_get_source(cr);
    cairo_pattern_set_filter(pat, smooth ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST);
    cairo_pattern_set_extend(pat, CAIRO_EXTEND_PAD);
    cairo_paint(cr);
    cairo_restore(cr);
}

gz_status gz_canvas_image(gz_canvas *c, const gz_tensor *img, double x, double y, double w,
                          double h, bool smooth)
{
    int64_t H, W, C;
    gz_status st = image_shape(img, "canvas image", &H, &W, &C);
    if (st)
        return st;
    if ((st = check_rect(x, y, w, h, "canvas image")))
        return st;
    cairo_surface_t *s;
    if ((st = new_surface(H, W, &s)))
        return st;
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int64_t i = 0; i < H; i++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)i * (size_t)stride);
        for (int64_t j = 0; j < W; j++) {
            int64_t k = (i * W + j) * C;
            double r, g, b, a = 255;
            r = gz_tensor_get_flat(img, k);
            if (C >= 3) {
                g = gz_tensor_get_flat(img, k + 1);
                b = gz_tensor_get_flat(img, k + 2);
                if (C == 4)
                    a = gz_tensor_get_flat(img, k + 3);
            } else {
                g = b = r;
                if (C == 2)
                    a = gz_tensor_get_flat(img, k + 1);
            }
            row[j] = pack_premul(r, g, b, a);
        }
    }
    cairo_surface_mark_dirty(s);
    paint_surface(c, s, H, W, x, y, w, h, smooth);
    cairo_surface_destroy(s);
    return GZ_OK;
}

static void set_color(cairo_t *cr, gz_rgba col)
{
    cairo_set_source_rgba(cr, col.r, col.g, col.b, col.a);
}

static void fill_stroke(cairo_t *cr, const gz_rgba *fill, const gz_rgba *stroke, double width)
{
    if (fill) {
        set_color(cr, *fill);
        if (stroke)
            cairo_fill_preserve(cr);
        else
            cairo_fill(cr);
    }
    if (stroke) {
        set_color(cr, *stroke);
        cairo_set_line_width(cr, width > 0 ? width : 1.0);
        cairo_stroke(cr);
    }
    cairo_new_path(cr);
}

void gz_canvas_line(gz_canvas *c, double x0, double y0, double x1, double y1, double width,
                    gz_rgba color)
{
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    fill_stroke(cr, NULL, &color, width);
    cairo_restore(cr);
}

void gz_canvas_circle(gz_canvas *c, double cx, double cy, double r, const gz_rgba *fill,
                      const gz_rgba *stroke, double width)
{
    if (!(r > 0))
        return;
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_new_sub_path(cr);
    cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
    cairo_close_path(cr);
    fill_stroke(cr, fill, stroke, width);
    cairo_restore(cr);
}

void gz_canvas_rect(gz_canvas *c, double x, double y, double w, double h, const gz_rgba *fill,
                    const gz_rgba *stroke, double width)
{
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    fill_stroke(cr, fill, stroke, width);
    cairo_restore(cr);
}

void gz_canvas_polyline(gz_canvas *c, const double *xy, int n, bool closed,
                        const gz_rgba *fill, const gz_rgba *stroke, double width)
{
    if (n < 2 || !xy)
        return;
    cairo_t *cr = c->cr;
    cairo_save(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_move_to(cr, xy[0], xy[1]);
    for (int k = 1; k < n; k++)
        cairo_line_to(cr, xy[2 * k], xy[2 * k + 1]);
    if (closed)
        cairo_close_path(cr);
    fill_stroke(cr, closed ? fill : NULL, stroke, width);
    cairo_restore(cr);
}

/* cairo puts the context into an error state on invalid UTF-8: check first. */
static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n;
        uint32_t cp;
        if (*p < 0x80) {
            p++;
            continue;
        } else if ((*p & 0xE0) == 0xC0) {
            n = 1;
            cp = *p & 0x1Fu;
        } else if ((*p & 0xF0) == 0xE0) {
            n = 2;
            cp = *p & 0x0Fu;
        } else if ((*p & 0xF8) == 0xF0) {
            n = 3;
            cp = *p & 0x07u;
        } else {
            return false;
        }
        p++;
        for (int k = 0; k < n; k++, p++) {
            if ((*p & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (*p & 0x3Fu);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
    }
    return true;
}

static void select_font(cairo_t *cr, double size, bool bold)
{
    fonts_used();
    cairo_select_font_face(cr, FONT_FACE, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size > 0 ? size : 12.0);
}

void gz_canvas_text_size(gz_canvas *c, const char *s, double size, bool bold, double *w,
                         double *h)
{
    *w = *h = 0;
    if (!s || !valid_utf8(s))
        return;
    cairo_t *cr = c->cr;
    cairo_save(cr);
    select_font(cr, size, bold);
    cairo_font_extents_t fe;
    cairo_text_extents_t te;
    cairo_font_extents(cr, &fe);
    cairo_text_extents(cr, s, &te);
    *w = te.x_advance;
    *h = fe.ascent + fe.descent;
    cairo_restore(cr);
}

void gz_canvas_text(gz_canvas *c, double x, double y, const char *s, double size,
                    gz_rgba color, const gz_rgba *halo, gz_align align, bool bold)
{
    if (!s || !*s || !valid_utf8(s))
        return;
    cairo_t *cr = c->cr;
    cairo_save(cr);
    select_font(cr, size, bold);
    cairo_font_extents_t fe;
    cairo_text_extents_t te;
    cairo_font_extents(cr, &fe);
    cairo_text_extents(cr, s, &te);
    double x0 = x;
    if (align == GZ_ALIGN_CENTER)
        x0 = x - te.x_advance / 2;
    else if (align == GZ_ALIGN_RIGHT)
        x0 = x - te.x_advance;
    double base = y + fe.ascent;
    if (halo) {
        cairo_move_to(cr, x0, base);
        cairo_text_path(cr, s);
        set_color(cr, *halo);
        double hw = size / 6.0;
        cairo_set_line_width(cr, hw < 1.5 ? 1.5 : hw);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
    }
    cairo_move_to(cr, x0, base);
    set_color(cr, color);
    cairo_show_text(cr, s);
    cairo_new_path(cr);
    cairo_restore(cr);
}

/* ---- colour maps ---- */

/* Viridis at t = k / 9, k = 0..9 (sRGB bytes), interpolated linearly. */
static const unsigned char viridis_points[10][3] = {
    {68, 1, 84},    {72, 40, 120},  {62, 73, 137},  {49, 104, 142}, {38, 130, 142},
    {31, 158, 137}, {53, 183, 121}, {109, 205, 89}, {180, 222, 44}, {253, 231, 37},
};

static double clamp01(double v)
{
    return v < 0 ? 0 : (v > 1 ? 1 : v);
}

gz_rgba gz_colormap_color(gz_colormap cmap, double t)
{
    gz_rgba out = {0, 0, 0, 0};
    if (isnan(t))
        return out;
    t = clamp01(t);
    out.a = 1;
    switch (cmap) {
    case GZ_CMAP_VIRIDIS: {
        double f = t * 9.0;
        int k = (int)f;
        if (k >= 9)
            k = 8;
        double u = f - k;
        out.r = ((1 - u) * viridis_points[k][0] + u * viridis_points[k + 1][0]) / 255.0;
        out.g = ((1 - u) * viridis_points[k][1] + u * viridis_points[k + 1][1]) / 255.0;
        out.b = ((1 - u) * viridis_points[k][2] + u * viridis_points[k + 1][2]) / 255.0;
        break;
    }
    case GZ_CMAP_HOT:
        out.r = clamp01(3 * t);
        out.g = clamp01(3 * t - 1);
        out.b = clamp01(3 * t - 2);
        break;
    case GZ_CMAP_JET:
        out.r = clamp01(1.5 - fabs(4 * t - 3));
        out.g = clamp01(1.5 - fabs(4 * t - 2));
        out.b = clamp01(1.5 - fabs(4 * t - 1));
        break;
    case GZ_CMAP_GREY:
        out.r = out.g = out.b = t;
        break;
    }
    return out;
}

static const char *const cmap_names[] = {"viridis", "hot", "jet", "grey", NULL};

const char *gz_colormap_name(gz_colormap cmap)
{
    if ((int)cmap < 0 || (int)cmap > (int)GZ_CMAP_GREY)
        return "?";
    return cmap_names[cmap];
}

gz_status gz_colormap_parse(const char *name, gz_colormap *out)
{
    if (name) {
        for (int i = 0; cmap_names[i]; i++) {
            if (strcmp(name, cmap_names[i]) == 0) {
                *out = (gz_colormap)i;
                return GZ_OK;
            }
        }
        if (strcmp(name, "gray") == 0) {
            *out = GZ_CMAP_GREY;
            return GZ_OK;
        }
    }
    return gz_error_unknown(NULL, "colour map", name ? name : "", cmap_names);
}

gz_heat_opts gz_heat_defaults(void)
{
    gz_heat_opts o = {.cmap = GZ_CMAP_VIRIDIS, .alpha = 1.0, .lo = 0, .hi = 0,
                      .alpha_by_value = false, .smooth = true};
    return o;
}

static gz_status map_range(const gz_tensor *map, double lo, double hi, double *out_lo,
                           double *out_hi)
{
    if (!(lo < hi)) {
        int64_t n = gz_tensor_numel(map);
        lo = INFINITY;
        hi = -INFINITY;
        for (int64_t i = 0; i < n; i++) {
            double v = gz_tensor_get_flat(map, i);
            if (v < lo)
                lo = v;
            if (v > hi)
                hi = v;
        }
        if (!(lo <= hi)) /* all NaN */
            lo = hi = 0;
    }
    *out_lo = lo;
    *out_hi = hi;
    return GZ_OK;
}

static double normalise(double v, double lo, double hi)
{
    if (isnan(v))
        return NAN;
    if (!(hi > lo))
        return 0;
    return clamp01((v - lo) / (hi - lo));
}

static gz_status map_shape(const gz_tensor *map, const char *what, int64_t *H, int64_t *W)
{
    int64_t C;
    if (!map || map->ndim != 2)
        return gz_error_set(GZ_ERR_ARG, "%s: expected an H x W map, got %d dims", what,
                            map ? map->ndim : 0);
    return image_shape(map, what, H, W, &C);
}

gz_status gz_canvas_heat(gz_canvas *c, const gz_tensor *map, double x, double y, double w,
                         double h, const gz_heat_opts *opts)
{
    gz_heat_opts o = opts ? *opts : gz_heat_defaults();
    int64_t H, W;
    gz_status st = map_shape(map, "heat map", &H, &W);
    if (st)
        return st;
    if ((st = check_rect(x, y, w, h, "heat map")))
        return st;
    if (!(o.alpha >= 0 && o.alpha <= 1))
        return gz_error_set(GZ_ERR_ARG, "heat map: alpha %g outside 0..1", o.alpha);
    if ((int)o.cmap < 0 || (int)o.cmap > (int)GZ_CMAP_GREY)
        return gz_error_set(GZ_ERR_ARG, "heat map: unknown colour map %d", (int)o.cmap);
    double lo, hi;
    map_range(map, o.lo, o.hi, &lo, &hi);
    cairo_surface_t *s;
    if ((st = new_surface(H, W, &s)))
        return st;
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int64_t i = 0; i < H; i++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)i * (size_t)stride);
        for (int64_t j = 0; j < W; j++) {
            double t = normalise(gz_tensor_get_flat(map, i * W + j), lo, hi);
            gz_rgba col = gz_colormap_color(o.cmap, t);
            double a = isnan(t) ? 0 : o.alpha * (o.alpha_by_value ? t : 1.0);
            row[j] = pack_premul(col.r * 255, col.g * 255, col.b * 255, a * 255);
        }
    }
    cairo_surface_mark_dirty(s);
    paint_surface(c, s, H, W, x, y, w, h, o.smooth);
    cairo_surface_destroy(s);
    return GZ_OK;
}

gz_status gz_colormap_apply(const gz_tensor *map, gz_colormap cmap, double lo, double hi,
                            gz_tensor **out)
{
    *out = NULL;
    int64_t H, W;
    gz_status st = map_shape(map, "colour map", &H, &W);
    if (st)
        return st;
    if ((int)cmap < 0 || (int)cmap > (int)GZ_CMAP_GREY)
        return gz_error_set(GZ_ERR_ARG, "colour map: unknown colour map %d", (int)cmap);
    map_range(map, lo, hi, &lo, &hi);
    int64_t shape[3] = {H, W, 3};
    gz_tensor *t;
    if ((st = gz_tensor_new(&t, GZ_F32, 3, shape)))
        return st;
    float *d = t->data;
    for (int64_t i = 0; i < H * W; i++) {
        gz_rgba col = gz_colormap_color(cmap, normalise(gz_tensor_get_flat(map, i), lo, hi));
        d[3 * i] = (float)to_byte(col.r * 255);
        d[3 * i + 1] = (float)to_byte(col.g * 255);
        d[3 * i + 2] = (float)to_byte(col.b * 255);
    }
    *out = t;
    return GZ_OK;
}

/* ---- output ---- */

static gz_status canvas_status(const gz_canvas *c)
{
    cairo_status_t cs = cairo_status(c->cr);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(c->surf);
    if (cs != CAIRO_STATUS_SUCCESS)
        return gz_error_set(GZ_ERR_INTERNAL, "canvas: cairo failed: %s",
                            cairo_status_to_string(cs));
    return GZ_OK;
}

gz_status gz_canvas_to_tensor(const gz_canvas *c, int channels, gz_tensor **out)
{
    *out = NULL;
    if (channels != 3 && channels != 4)
        return gz_error_set(GZ_ERR_ARG, "canvas: channels must be 3 or 4, got %d", channels);
    gz_status st = canvas_status(c);
    if (st)
        return st;
    int64_t shape[3] = {c->h, c->w, channels};
    gz_tensor *t;
    if ((st = gz_tensor_new(&t, GZ_F32, 3, shape)))
        return st;
    cairo_surface_flush(c->surf);
    const unsigned char *data = cairo_image_surface_get_data(c->surf);
    int stride = cairo_image_surface_get_stride(c->surf);
    float *d = t->data;
    for (int i = 0; i < c->h; i++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)i * (size_t)stride);
        for (int j = 0; j < c->w; j++) {
            uint32_t p = row[j];
            unsigned a = p >> 24, r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
            if (a != 255 && a != 0) { /* un-premultiply, rounded */
                r = (r * 255 + a / 2) / a;
                g = (g * 255 + a / 2) / a;
                b = (b * 255 + a / 2) / a;
            }
            float *q = d + ((size_t)i * (size_t)c->w + (size_t)j) * (size_t)channels;
            q[0] = (float)(r > 255 ? 255 : r);
            q[1] = (float)(g > 255 ? 255 : g);
            q[2] = (float)(b > 255 ? 255 : b);
            if (channels == 4)
                q[3] = (float)a;
        }
    }
    *out = t;
    return GZ_OK;
}

gz_status gz_canvas_save_png(const gz_canvas *c, const char *path, bool alpha)
{
    gz_tensor *t;
    gz_status st = gz_canvas_to_tensor(c, alpha ? 4 : 3, &t);
    if (st)
        return gz_error_prefix(st, "%s", path);
    st = gz_png_write(path, t);
    gz_tensor_free(t);
    return st;
}
