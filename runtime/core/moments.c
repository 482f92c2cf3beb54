/* Gaze moments (m00, Hu's first invariant of the 32 x 32 map), the spec's
 * diff(), and a render + resize that touches only the splats' bounding box
 * yet gives the same bits as gz_heatmap_render followed by
 * gz_resize_bilinear (the same kernel, normalisation and axis sampling,
 * taken from heatmap.c; the same per-pixel summation order and two-pass
 * interpolation). */
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
        gz_resize_axis(dx, s->W, dw, &x0[dx], &x1[dx], &fx[dx]);
    for (int dy = 0; dy < dh; dy++) {
        int y0, y1;
        double fy;
        gz_resize_axis(dy, s->H, dh, &y0, &y1, &fy);
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

/* --- Render + resize without a full canvas ------------------------------------
 *
 * The resize reads at most 2 dw columns x 2 dh rows of the rendered map, so
 * only those pixels are accumulated (each in point order, as the full
 * render does). The normalising maximum is found exactly by branch and
 * bound over 16 x 16 tiles: a tile's bound is the point-ordered sum of each
 * covering point's largest kernel value inside the tile; with non-negative
 * weights every term of a pixel's sum is at most the matching term of its
 * tile's bound and rounded addition is monotone, so a tile whose bound
 * (with a 1e-9 margin for libm) does not exceed the best exact value found
 * cannot hold the maximum. Tiles are visited by decreasing bound and
 * accumulated exactly. Negative or NaN weights fall back to rendering the
 * splats' bounding box densely. Either way the result has the same bits as
 * gz_heatmap_render + gz_resize_bilinear (tests/c/test_moments.c). */

#define TILE 16

typedef struct splat {
    long left, top;   /* top-left of the kernel on the canvas */
    long c0, c1, r0, r1; /* canvas rectangle covered, clipped */
    double weight;
} splat;

/* Kernel index in [i0, i1) nearest to the kernel centre g / 2. */
static long nearest_to_centre(long i0, long i1, int g)
{
    long c = g / 2; /* g/2 or, for odd g, one of the two equidistant indices */
    if (c < i0)
        return i0;
    if (c > i1 - 1)
        return i1 - 1;
    return c;
}

static void resize_from_samples(const double *S, int ns_x, const int *x0, const int *x1,
                                const double *fx, const int *y0, const int *y1,
                                const double *fy, double *dst, int dw, int dh)
{
    for (int dy = 0; dy < dh; dy++)
        for (int dx = 0; dx < dw; dx++) {
            double t = (1.0 - fx[dx]) * S[y0[dy] * ns_x + x0[dx]] + fx[dx] * S[y0[dy] * ns_x + x1[dx]];
            double b = (1.0 - fx[dx]) * S[y1[dy] * ns_x + x0[dx]] + fx[dx] * S[y1[dy] * ns_x + x1[dx]];
            dst[(size_t)dy * (size_t)dw + (size_t)dx] = (1.0 - fy[dy]) * t + fy[dy] * b;
        }
}

/* Sorted distinct values of a[0..n) into out; returns the count. */
static int distinct(const int *a, int n, int *out)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        int v = a[i], pos = m;
        for (int j = 0; j < m; j++)
            if (out[j] == v) {
                pos = -1;
                break;
            }
        if (pos < 0)
            continue;
        while (pos > 0 && out[pos - 1] > v) {
            out[pos] = out[pos - 1];
            pos--;
        }
        out[pos] = v;
        m++;
    }
    return m;
}

static int index_of(const int *sel, int m, int v)
{
    for (int i = 0; i < m; i++)
        if (sel[i] == v)
            return i;
    return -1;
}

/* First index i of the sorted sel[0..m) with sel[i] >= v (m when none). */
static int first_at_least(const int *sel, int m, long v)
{
    int lo = 0, hi = m;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (sel[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct tile_order {
    double ub;
    int index;
} tile_order;

static int by_bound_desc(const void *pa, const void *pb)
{
    const tile_order *a = pa, *b = pb;
    if (a->ub != b->ub)
        return a->ub < b->ub ? 1 : -1;
    return a->index - b->index;
}

/* Exact maximum of the rendered (unnormalised) map, never below 0. */
static gz_status exact_max(const splat *sp, size_t m, int g, const double *kernel, long bx0,
                           long by0, long bx1, long by1, double *max_out)
{
    long ntx = (bx1 - bx0 + TILE - 1) / TILE, nty = (by1 - by0 + TILE - 1) / TILE;
    size_t nt = (size_t)ntx * (size_t)nty;
    tile_order *order = gz_calloc(nt, sizeof *order);
    if (!order)
        return GZ_ERR_NOMEM;
    for (size_t t = 0; t < nt; t++)
        order[t].index = (int)t;
    for (size_t k = 0; k < m; k++) {
        const splat *p = &sp[k];
        long tx0 = (p->c0 - bx0) / TILE, tx1 = (p->c1 - 1 - bx0) / TILE;
        long ty0 = (p->r0 - by0) / TILE, ty1 = (p->r1 - 1 - by0) / TILE;
        for (long ty = ty0; ty <= ty1; ty++) {
            long rr0 = by0 + ty * TILE, rr1 = rr0 + TILE;
            if (rr0 < p->r0) rr0 = p->r0;
            if (rr1 > p->r1) rr1 = p->r1;
            long kr = nearest_to_centre(rr0 - p->top, rr1 - p->top, g);
            for (long tx = tx0; tx <= tx1; tx++) {
                long cc0 = bx0 + tx * TILE, cc1 = cc0 + TILE;
                if (cc0 < p->c0) cc0 = p->c0;
                if (cc1 > p->c1) cc1 = p->c1;
                long kc = nearest_to_centre(cc0 - p->left, cc1 - p->left, g);
                order[ty * ntx + tx].ub += p->weight * kernel[kr * g + kc];
            }
        }
    }
    qsort(order, nt, sizeof *order, by_bound_desc);
    double best = 0.0;
    double tile[TILE * TILE];
    for (size_t t = 0; t < nt; t++) {
        if (order[t].ub * (1.0 + 1e-9) <= best)
            break;
        long ty = order[t].index / ntx, tx = order[t].index % ntx;
        long tr0 = by0 + ty * TILE, tc0 = bx0 + tx * TILE;
        long tr1 = tr0 + TILE < by1 ? tr0 + TILE : by1, tc1 = tc0 + TILE < bx1 ? tc0 + TILE : bx1;
        memset(tile, 0, sizeof tile);
        for (size_t k = 0; k < m; k++) {
            const splat *p = &sp[k];
            long r0 = p->r0 > tr0 ? p->r0 : tr0, r1 = p->r1 < tr1 ? p->r1 : tr1;
            long c0 = p->c0 > tc0 ? p->c0 : tc0, c1 = p->c1 < tc1 ? p->c1 : tc1;
            if (r0 >= r1 || c0 >= c1)
                continue;
            for (long r = r0; r < r1; r++) {
                double *row = tile + (r - tr0) * TILE;
                const double *krow = kernel + (r - p->top) * g;
                for (long c = c0; c < c1; c++)
                    row[c - tc0] += p->weight * krow[c - p->left];
            }
        }
        for (long r = 0; r < tr1 - tr0; r++)
            for (long c = 0; c < tc1 - tc0; c++)
                if (tile[r * TILE + c] > best)
                    best = tile[r * TILE + c];
    }
    free(order);
    *max_out = best;
    return GZ_OK;
}

/* Dense fallback: render the splats' bounding box, as heatmap.c does. */
static gz_status render_dense(const splat *sp, size_t m, int W, int H, int g,
                              const double *kernel, long bx0, long by0, long bx1, long by1,
                              double *dst, int dw, int dh)
{
    int bw = (int)(bx1 - bx0), bh = (int)(by1 - by0);
    double *win = gz_calloc((size_t)bw * (size_t)bh, sizeof(double));
    if (!win)
        return GZ_ERR_NOMEM;
    for (size_t k = 0; k < m; k++) {
        const splat *p = &sp[k];
        for (long r = p->r0; r < p->r1; r++) {
            double *row = win + (size_t)(r - by0) * (size_t)bw;
            const double *krow = kernel + (r - p->top) * g;
            for (long c = p->c0; c < p->c1; c++)
                row[c - bx0] += p->weight * krow[c - p->left];
        }
    }
    gz_heatmap_normalise(win, (size_t)bw * (size_t)bh);
    source s = {.W = W, .H = H, .win = win, .bx = (int)bx0, .by = (int)by0, .bw = bw, .bh = bh};
    resize_source(&s, dst, dw, dh);
    free(win);
    return GZ_OK;
}

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
    splat *sp = gz_malloc(n * sizeof *sp);
    if (!sp)
        return GZ_ERR_NOMEM;
    /* The splats that touch the canvas, in point order, and their box. */
    int ghalf = g / 2, dense = 0;
    long bx0 = W, by0 = H, bx1 = 0, by1 = 0;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(x[k]) || !isfinite(y[k]))
            continue;
        /* int() truncates toward zero; far-off points are clamped first so
         * the conversion is defined (they are cut entirely anyway). */
        double xs = fmax(fmin(x[k], 1e9), -1e9), ys = fmax(fmin(y[k], 1e9), -1e9);
        splat p;
        p.left = (long)xs - ghalf;
        p.top = (long)ys - ghalf;
        p.c0 = p.left < 0 ? 0 : p.left;
        p.r0 = p.top < 0 ? 0 : p.top;
        p.c1 = p.left + g > W ? W : p.left + g;
        p.r1 = p.top + g > H ? H : p.top + g;
        p.weight = w ? w[k] : 1.0;
        if (p.c0 >= p.c1 || p.r0 >= p.r1)
            continue;
        if (!(p.weight >= 0.0))
            dense = 1; /* negative or NaN weight: the bound does not hold */
        if (p.c0 < bx0) bx0 = p.c0;
        if (p.r0 < by0) by0 = p.r0;
        if (p.c1 > bx1) bx1 = p.c1;
        if (p.r1 > by1) by1 = p.r1;
        sp[m++] = p;
    }
    if (m == 0) {
        free(sp);
        return GZ_OK; /* nothing lands on the canvas: all-zero map */
    }
    double *kernel = gz_heatmap_kernel_new(g);
    if (!kernel) {
        free(sp);
        return GZ_ERR_NOMEM;
    }
    gz_status st;
    if (dense) {
        st = render_dense(sp, m, W, H, g, kernel, bx0, by0, bx1, by1, dst, dw, dh);
        free(kernel);
        free(sp);
        return st;
    }
    /* The sampled rows and columns, and the resize in their index space. */
    int ax0[MAX_DST], ax1[MAX_DST], ay0[MAX_DST], ay1[MAX_DST];
    double fx[MAX_DST], fy[MAX_DST];
    int all_x[2 * MAX_DST], all_y[2 * MAX_DST], selx[2 * MAX_DST], sely[2 * MAX_DST];
    for (int d = 0; d < dw; d++) {
        gz_resize_axis(d, W, dw, &ax0[d], &ax1[d], &fx[d]);
        all_x[2 * d] = ax0[d];
        all_x[2 * d + 1] = ax1[d];
    }
    for (int d = 0; d < dh; d++) {
        gz_resize_axis(d, H, dh, &ay0[d], &ay1[d], &fy[d]);
        all_y[2 * d] = ay0[d];
        all_y[2 * d + 1] = ay1[d];
    }
    int nsx = distinct(all_x, 2 * dw, selx), nsy = distinct(all_y, 2 * dh, sely);
    for (int d = 0; d < dw; d++) {
        ax0[d] = index_of(selx, nsx, ax0[d]);
        ax1[d] = index_of(selx, nsx, ax1[d]);
    }
    for (int d = 0; d < dh; d++) {
        ay0[d] = index_of(sely, nsy, ay0[d]);
        ay1[d] = index_of(sely, nsy, ay1[d]);
    }
    double *S = gz_calloc((size_t)nsx * (size_t)nsy, sizeof(double));
    if (!S) {
        free(kernel);
        free(sp);
        return GZ_ERR_NOMEM;
    }
    for (size_t k = 0; k < m; k++) {
        const splat *p = &sp[k];
        int i0 = first_at_least(sely, nsy, p->r0), j0 = first_at_least(selx, nsx, p->c0);
        for (int i = i0; i < nsy && sely[i] < p->r1; i++) {
            const double *krow = kernel + (sely[i] - p->top) * g;
            double *srow = S + i * nsx;
            for (int j = j0; j < nsx && selx[j] < p->c1; j++)
                srow[j] += p->weight * krow[selx[j] - p->left];
        }
    }
    double mx = 0.0;
    st = exact_max(sp, m, g, kernel, bx0, by0, bx1, by1, &mx);
    free(kernel);
    free(sp);
    if (st == GZ_OK) {
        if (mx > 0.0)
            for (int i = 0; i < nsx * nsy; i++)
                S[i] = S[i] / mx * 255.0;
        resize_from_samples(S, nsx, ax0, ax1, fx, ay0, ay1, fy, dst, dw, dh);
    }
    free(S);
    return st;
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
