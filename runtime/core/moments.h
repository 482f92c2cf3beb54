/* Gaze moments (similarity.md section 3), the spec's diff(), and the
 * window renderer that every heatmap scheme (moments, dhash, tima) uses to
 * go from points to a small resized map without a full-canvas buffer.
 *
 * Images are row-major arrays of doubles, img[r * w + c], r the row (y),
 * c the column (x), grey values on the 0..255 scale. All arithmetic is
 * float64 in the spec's order of operations. */
#ifndef GZ_MOMENTS_H
#define GZ_MOMENTS_H

#include <stddef.h>

#include "error.h"
#include "scheme.h"
#include "tensor.h"

/* Side of the square image the moments are taken on. */
#define GZ_MOMENTS_SIDE 32

/* The spec's diff(a, b): 1 if a or b is NaN; 0 if a == b; 1 if
 * max(a, b) == 0; else |a - b| / |max(a, b)|. */
double gz_sim_diff(double a, double b);

/* Moment features of an image as it is (no resize): m00 = sum I, and
 * hu1 = eta20 + eta02 with eta_pq = mu_pq / m00^(1 + (p+q)/2), mu the
 * central moments about (m10/m00, m01/m00) (row, column). An image whose
 * m00 is 0 gives m00 = 0, hu1 = NaN. */
void gz_moments_of(const double *img, int w, int h, double *m00, double *hu1);

/* The moments features of section 3: resizes the w x h image to 32 x 32
 * with the spec's bilinear resize, then gz_moments_of. w, h >= 1. */
void gz_moments_features(const double *img, int w, int h, double *m00, double *hu1);

/* sim = 1 - (w_hu * diff(hu1_a, hu1_b) + w_m * diff(m00_a, m00_b)). */
double gz_moments_similarity(double m00_a, double hu1_a, double m00_b, double hu1_b,
                             double w_hu, double w_m);

/* Renders n points (x, y, weight w; w NULL = 1) exactly as
 * gz_heatmap_render does on a W x H canvas with kernel side g, then
 * resizes the map to dw x dh (each 1..64) exactly as gz_resize_bilinear
 * does, writing dw * dh doubles to dst. The result is bit-identical to
 * render + resize, without a canvas buffer: only the pixels the resize
 * reads are accumulated, and the normalising maximum is found by branch
 * and bound over 16 x 16 tiles (negative or NaN weights: the splats'
 * bounding box is rendered densely instead). Thread-safe. Fails with
 * GZ_ERR_ARG on a canvas outside 1..GZ_HEATMAP_MAX_SIDE or a kernel side
 * above 4 * GZ_HEATMAP_MAX_SIDE, GZ_ERR_NOMEM. */
gz_status gz_moments_render_resized(const double *x, const double *y, const double *w,
                                    size_t n, int W, int H, int g, double *dst, int dw,
                                    int dh);

/* Resizes a grey image tensor (any dtype, shape H x W, or H x W x 1) to
 * dw x dh with the spec's bilinear resize (values converted to double
 * first). GZ_ERR_ARG naming `what` when the tensor is not a non-empty
 * 2-d map. */
gz_status gz_moments_resize_tensor(const gz_tensor *img, const char *what, double *dst, int dw,
                                   int dh);

/* The heatmap schemes' input step: the record's heatmap image when it has
 * one, otherwise its gaze rendered on a canvas_w x canvas_h canvas with
 * kernel side g (weights: duration for fixations, 1 for samples); resized
 * to dw x dh into dst. A record with neither is GZ_ERR_ARG naming
 * rec->name and `scheme`. */
gz_status gz_moments_record_map(const gz_record *rec, const char *scheme, int canvas_w,
                                int canvas_h, int g, double *dst, int dw, int dh);

/* The moments scheme (vtable in scheme_heatmap.c). */
extern const gz_scheme gz_scheme_moments;

#endif
