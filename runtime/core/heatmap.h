/* Gaze heatmap rendering and the bilinear resize of the similarity spec
 * (shared/spec/similarity.md, "Conventions" and section 2). Everything is
 * float64 and follows the spec's order of operations exactly, so results
 * match the golden values to rounding.
 *
 * Maps are row-major H x W arrays of doubles: map[r * W + c], r the row
 * (y), c the column (x). */
#ifndef GZ_HEATMAP_H
#define GZ_HEATMAP_H

#include <stddef.h>

#include "error.h"

/* Largest canvas side accepted by the renderer (pixels). */
#define GZ_HEATMAP_MAX_SIDE 16384

/* Default kernel side for a canvas of height H: int(H / 10). */
int gz_heatmap_default_kernel(int canvas_h);

/* Renders n points (x[k], y[k]) with weights w[k] (w NULL = weight 1) as a
 * Gaussian splat on a W x H canvas, kernel side g (g <= 0: all-zero map),
 * sd = g / 6, top-left of each splat at (int(x) - int(g/2), int(y) - int(g/2))
 * with truncation toward zero, parts off the canvas cut; then divides by
 * the maximum (an all-zero map stays zero) and multiplies by 255.
 * `out` must hold W * H doubles; it is overwritten. Non-finite coordinates
 * are skipped. Fails with GZ_ERR_ARG on W or H outside 1..GZ_HEATMAP_MAX_SIDE. */
gz_status gz_heatmap_render(const double *x, const double *y, const double *w, size_t n,
                            int W, int H, int g, double *out);

/* The splat of gz_heatmap_render: a new g x g row-major kernel (g >= 1),
 * k[r * g + c] = exp(-((c - g/2)^2 + (r - g/2)^2) / (2 sd^2)), sd = g / 6,
 * g/2 taken as a real number. The caller frees it with free(); NULL when
 * out of memory (error set). Renderers that must give the same bits as
 * gz_heatmap_render (moments.c) take their kernel from here. */
double *gz_heatmap_kernel_new(int g);

/* gz_heatmap_render's last step on n values: divides by the maximum and
 * multiplies by 255 (when the maximum is not > 0 the values are left as
 * they are). */
void gz_heatmap_normalise(double *map, size_t n);

/* The spec's bilinear resize: src is sh x sw, dst is dh x dw (all >= 1).
 * Per axis s = ((d + 0.5) * n_src) / n_dst - 0.5 clamped to [0, n_src-1],
 * i0 = floor(s), i1 = min(i0 + 1, n_src - 1), f = s - i0; horizontal pass
 * first, then vertical. */
void gz_resize_bilinear(const double *src, int sw, int sh, double *dst, int dw, int dh);

/* One axis of gz_resize_bilinear: for destination index d (n_dst of them)
 * the source indices *i0, *i1 and the fraction *f, by the formula above.
 * Resizers that must give the same bits as gz_resize_bilinear (moments.c)
 * sample through this. */
void gz_resize_axis(int d, int n_src, int n_dst, int *i0, int *i1, double *f);

#endif
