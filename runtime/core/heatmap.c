/* Gaussian-splat heatmaps and the spec's two-pass bilinear resize. */
#include "heatmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int gz_heatmap_default_kernel(int canvas_h)
{
    return canvas_h / 10;
}

double *gz_heatmap_kernel_new(int g)
{
    double *kernel = gz_malloc((size_t)g * (size_t)g * sizeof(double));
    if (!kernel)
        return NULL;
    double sd = (double)g / 6.0;
    double half = (double)g / 2.0;
    for (int r = 0; r < g; r++)
        for (int c = 0; c < g; c++) {
            double dc = (double)c - half, dr = (double)r - half;
            kernel[r * g + c] = exp(-(dc * dc + dr * dr) / (2.0 * sd * sd));
        }
    return kernel;
}

void gz_heatmap_normalise(double *map, size_t n)
{
    double mx = 0.0;
    for (size_t i = 0; i < n; i++)
        if (map[i] > mx)
            mx = map[i];
    if (mx > 0.0)
        for (size_t i = 0; i < n; i++)
            map[i] = map[i] / mx * 255.0;
}

gz_status gz_heatmap_render(const double *x, const double *y, const double *w, size_t n,
                            int W, int H, int g, double *out)
{
    if (W < 1 || H < 1 || W > GZ_HEATMAP_MAX_SIDE || H > GZ_HEATMAP_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG, "heatmap canvas %dx%d outside 1..%d", W, H,
                            GZ_HEATMAP_MAX_SIDE);
    memset(out, 0, (size_t)W * (size_t)H * sizeof(double));
    if (g <= 0 || n == 0)
        return GZ_OK;
    if (g > 4 * GZ_HEATMAP_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG, "heatmap kernel side %d too large", g);
    double *kernel = gz_heatmap_kernel_new(g);
    if (!kernel)
        return GZ_ERR_NOMEM;
    int ghalf = g / 2;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(x[k]) || !isfinite(y[k]))
            continue;
        /* int() truncates toward zero; clamp far-off points so the int
         * conversion is defined (they are cut entirely anyway). */
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
            double *row = out + (size_t)(top + r) * (size_t)W + (size_t)left;
            const double *krow = kernel + r * g;
            for (long c = c0; c < c1; c++)
                row[c] += weight * krow[c];
        }
    }
    free(kernel);
    gz_heatmap_normalise(out, (size_t)W * (size_t)H);
    return GZ_OK;
}

void gz_resize_axis(int d, int n_src, int n_dst, int *i0, int *i1, double *f)
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

void gz_resize_bilinear(const double *src, int sw, int sh, double *dst, int dw, int dh)
{
    for (int dy = 0; dy < dh; dy++) {
        int y0, y1;
        double fy;
        gz_resize_axis(dy, sh, dh, &y0, &y1, &fy);
        const double *top = src + (size_t)y0 * (size_t)sw;
        const double *bottom = src + (size_t)y1 * (size_t)sw;
        for (int dx = 0; dx < dw; dx++) {
            int x0, x1;
            double fx;
            gz_resize_axis(dx, sw, dw, &x0, &x1, &fx);
            double t = (1.0 - fx) * top[x0] + fx * top[x1];
            double b = (1.0 - fx) * bottom[x0] + fx * bottom[x1];
            dst[(size_t)dy * (size_t)dw + (size_t)dx] = (1.0 - fy) * t + fy * b;
        }
    }
}
