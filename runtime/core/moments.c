/* Gaze moments (m00, Hu's first invariant of the 32 x 32 map), the spec's
 * diff(), and a render + resize that touches only the splats' bounding box
 * yet gives the same bits as gz_heatmap_render followed by
 * gz_resize_bilinear (same kernel formula, same per-pixel summation order,
 * same normalisation, same two-pass interpolation). */
#include "moments.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "heatmap.h"

double gz_sim_diff(double a, double b)
{
    if (isnan(a) || isnan(b))
        return 1.0;
    if (a == b)
        return 0.0;
    double mx = a > b ? a : b;
    if (mx == 0.0)
        return 1.0;
    return fabs(a - b) / fabs(mx);
}

void gz_moments_of(const double *img, int w, int h, double *m00_out, double *hu1_out)
{
    double m00 = 0.0, m10 = 0.0, m01 = 0.0;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            double v = img[(size_t)r * (size_t)w + (size_t)c];
            m00 += v;
            m10 += (double)r * v;
            m01 += (double)c * v;
        }
    *m00_out = m00;
    if (m00 == 0.0) {
        *hu1_out = NAN;
        return;
    }
    double rbar = m10 / m00, cbar = m01 / m00;
    double mu20 = 0.0, mu02 = 0.0;
    for (int r = 0; r < h; r++) {
        double dr = (double)r - rbar;
        for (int c = 0; c < w; c++) {
            double v = img[(size_t)r * (size_t)w + (size_t)c];
            double dc = (double)c - cbar;
            mu20 += dr * dr * v;
            mu02 += dc * dc * v;
        }
    }
    double norm = m00 * m00; /* m00^(1 + 2/2) */
    *hu1_out = mu20 / norm + mu02 / norm;
}

/* --- The spec's bilinear resize over a sparse source ---------------------- */

/* Source index pair and fraction for destination index d (as heatmap.c). */
static void axis_sample(int d, int n_src, int n_dst, int *i0, int *i1, double *f)
{
    double s = (((double)d + 0.5) * (double)n_src) / (double)n_dst - 0.5;
    if (s < 0.0)
        s = 0.0;
    if (s > (double)(n_src - 1))
        s = (double)(n_src - 1);
    double fl = floor(s);
    *i0 = (int)fl;
    *i1 = *i0 + 1 < n_src ? *i0 + 1 : n_src - 1;
    *f = s - fl;
}

/* A W x H source: a dense window (bx, by, bw, bh) of doubles with zeros
 * outside it, or a tensor (any dtype, 2 strides). */
typedef struct source {
    int W, H;
    const double *win;
    int bx, by, bw, bh;
    const gz_tensor *t;
} source;

static double source_at(const source *s, int r, int c)
{
    if (s->t) {
        const gz_tensor *t = s->t;
        int64_t off = (int64_t)r * t->stride[0] + (int64_t)c * t->stride[1];
        switch (t->dtype) {
        case GZ_F32: return (double)((const float *)t->data)[off];
        case GZ_F64: return ((const double *)t->data)[off];
        case GZ_I64: return (double)((const int64_t *)t->data)[off];
        case GZ_U8: return (double)((const uint8_t *)t->data)[off];
        }
        return 0.0;
    }
    r -= s->by;
    c -= s->bx;
    if (r < 0 || c < 0 || r >= s->bh || c >= s->bw)
        return 0.0;
    return s->win[(size_t)r * (size_t)s->bw + (size_t)c];
}

#define MAX_DST 64

static void resize_source(const source *s, double *dst, int dw, int dh)
{
    int x0[MAX_DST], x1[MAX_DST];
    double fx[MAX_DST];
    for (int dx = 0; dx < dw; dx++)
        axis_sample(dx, s->W, dw, &x0[dx], &x1[dx], &fx[dx]);
    for (int dy = 0; dy < dh; dy++) {
        int y0, y1;
        double fy;
        axis_sample(dy, s->H, dh, &y0, &y1, &fy);
        for (int dx = 0; dx < dw; dx++) {
            double t = (1.0 - fx[dx]) * source_at(s, y0, x0[dx]) + fx[dx] * source_at(s, y0, x1[dx]);
            double b = (1.0 - fx[dx]) * source_at(s, y1, x0[dx]) + fx[dx] * source_at(s, y1, x1[dx]);
            dst[(size_t)dy * (size_t)dw + (size_t)dx] = (1.0 - fy) * t + fy * b;
        }
    }
}

void gz_moments_features(const double *img, int w, int h, double *m00, double *hu1)
{
    double small[GZ_MOMENTS_SIDE * GZ_MOMENTS_SIDE];
    source s = {.W = w, .H = h, .win = img, .bx = 0, .by = 0, .bw = w, .bh = h, .t = NULL};
    resize_source(&s, small, GZ_MOMENTS_SIDE, GZ_MOMENTS_SIDE);
    gz_moments_of(small, GZ_MOMENTS_SIDE, GZ_MOMENTS_SIDE, m00, hu1);
}

double gz_moments_similarity(double m00_a, double hu1_a, double m00_b, double hu1_b,
                             double w_hu, double w_m)
{
    return 1.0 - (w_hu * gz_sim_diff(hu1_a, hu1_b) + w_m * gz_sim_diff(m00_a, m00_b));
}

gz_status gz_moments_resize_tensor(const gz_tensor *img, const char *what, double *dst, int dw,
                                   int dh)
{
    if (dw < 1 || dh < 1 || dw > MAX_DST || dh > MAX_DST)
        return gz_error_set(GZ_ERR_ARG, "resize target %dx%d outside 1..%d", dw, dh, MAX_DST);
    if (!img || !(img->ndim == 2 || (img->ndim == 3 && img->shape[2] == 1)))
        return gz_error_set(GZ_ERR_ARG, "%s: heatmap must be a grey H x W image", what);
    if (img->shape[0] < 1 || img->shape[1] < 1 || img->shape[0] > INT32_MAX ||
        img->shape[1] > INT32_MAX)
        return gz_error_set(GZ_ERR_ARG, "%s: heatmap of size %lldx%lld is empty or too large",
                            what, (long long)img->shape[1], (long long)img->shape[0]);
    source s = {.W = (int)img->shape[1], .H = (int)img->shape[0], .t = img};
    resize_source(&s, dst, dw, dh);
    return GZ_OK;
}

/* --- Window renderer --------------------------------------------------------- */

gz_status gz_moments_render_resized(const double *x, const double *y, const double *w,
                                    size_t n, int W, int H, int g, double *dst, int dw,
                                    int dh)
{
    if (W < 1 || H < 1 || W > GZ_HEATMAP_MAX_SIDE || H > GZ_HEATMAP_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG, "heatmap canvas %dx%d outside 1..%d", W, H,
                            GZ_HEATMAP_MAX_SIDE);
    if (dw < 1 || dh < 1 || dw > MAX_DST || dh > MAX_DST)
        return gz_error_set(GZ_ERR_ARG, "resize target %dx%d outside 1..%d", dw, dh, MAX_DST);
    if (g > 4 * GZ_HEATMAP_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG, "heatmap kernel side %d too large", g);
    memset(dst, 0, (size_t)dw * (size_t)dh * sizeof(double));
    if (g <= 0 || n == 0)
        return GZ_OK;
    int ghalf = g / 2;
    /* Bounding box of the parts of the splats that lie on the canvas. */
    long bx0 = W, by0 = H, bx1 = 0, by1 = 0;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(x[k]) || !isfinite(y[k]))
            continue;
        double xs = fmax(fmin(x[k], 1e9), -1e9), ys = fmax(fmin(y[k], 1e9), -1e9);
        long left = (long)xs - ghalf, top = (long)ys - ghalf;
        long c0 = left < 0 ? 0 : left, r0 = top < 0 ? 0 : top;
        long c1 = left + g > W ? W : left + g, r1 = top + g > H ? H : top + g;
        if (c0 >= c1 || r0 >= r1)
            continue;
        if (c0 < bx0) bx0 = c0;
        if (r0 < by0) by0 = r0;
        if (c1 > bx1) bx1 = c1;
        if (r1 > by1) by1 = r1;
    }
    if (bx0 >= bx1 || by0 >= by1)
        return GZ_OK; /* nothing lands on the canvas: all-zero map */
    int bw = (int)(bx1 - bx0), bh = (int)(by1 - by0);
    double *kernel = gz_malloc((size_t)g * (size_t)g * sizeof(double));
    double *win = gz_calloc((size_t)bw * (size_t)bh, sizeof(double));
    if (!kernel || !win) {
        free(kernel);
        free(win);
        return GZ_ERR_NOMEM;
    }
    double sd = (double)g / 6.0;
    double half = (double)g / 2.0;
    for (int r = 0; r < g; r++)
        for (int c = 0; c < g; c++) {
            double dc = (double)c - half, dr = (double)r - half;
            kernel[r * g + c] = exp(-(dc * dc + dr * dr) / (2.0 * sd * sd));
        }
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(x[k]) || !isfinite(y[k]))
            continue;
        double xs = fmax(fmin(x[k], 1e9), -1e9), ys = fmax(fmin(y[k], 1e9), -1e9);
        long left = (long)xs - ghalf, top = (long)ys - ghalf;
        double weight = w ? w[k] : 1.0;
        long r0 = top < 0 ? -top : 0, c0 = left < 0 ? -left : 0;
        long r1 = g, c1 = g;
        if (top + r1 > H)
            r1 = H - top;
        if (left + c1 > W)
            c1 = W - left;
        for (long r = r0; r < r1; r++) {
            double *row = win + (size_t)(top + r - by0) * (size_t)bw + (size_t)(left - bx0);
            const double *krow = kernel + r * g;
            for (long c = c0; c < c1; c++)
                row[c] += weight * krow[c];
        }
    }
    free(kernel);
    size_t total = (size_t)bw * (size_t)bh;
    double mx = 0.0;
    for (size_t i = 0; i < total; i++)
        if (win[i] > mx)
            mx = win[i];
    if (mx > 0.0)
        for (size_t i = 0; i < total; i++)
            win[i] = win[i] / mx * 255.0;
    source s = {.W = W, .H = H, .win = win, .bx = (int)bx0, .by = (int)by0, .bw = bw, .bh = bh};
    resize_source(&s, dst, dw, dh);
    free(win);
    return GZ_OK;
}

gz_status gz_moments_record_map(const gz_record *rec, const char *scheme, int canvas_w,
                                int canvas_h, int g, double *dst, int dw, int dh)
{
    const char *name = rec->name ? rec->name : "record";
    if (rec->heatmap)
        return gz_moments_resize_tensor(rec->heatmap, name, dst, dw, dh);
    if (!rec->gaze)
        return gz_error_set(GZ_ERR_ARG, "%s: no heatmap and no gaze for scheme %s", name, scheme);
    const gz_gaze *gz = rec->gaze;
    const double *wt = gz->kind == GZ_GAZE_FIXATIONS ? gz->dur : NULL;
    gz_status st = gz_moments_render_resized(gz->x, gz->y, wt, gz->n, canvas_w, canvas_h, g, dst,
                                             dw, dh);
    if (st != GZ_OK)
        return gz_error_prefix(st, "%s", name);
    return GZ_OK;
}
