/* Image augmentations for contrastive pre-training (docs/augment.md).
 *
 * Images: float32, channels-first C x H x W (C = 1 grey or 3 RGB),
 * contiguous, values on the 0..1 scale (as torchvision's tensors) until a
 * final Normalize. gz_aug_from_image() converts the H x W x C 0..255
 * tensors of image.h.
 *
 * A pipeline is a flat list of ops in pre-order: a RANDOM_APPLY op wraps
 * the `span` ops that follow it (whole subtrees). Every random draw of an
 * application is a function of (seed, stream) only: op k of the list
 * (0-based, pre-order) draws from its own generator
 *     gz_rng_init(&r, seed, gz_rng_stream(stream, k + 1, 0, 0))
 * and the loader uses stream = gz_aug_stream(epoch, index, view), so a
 * view never depends on thread count, batch order or on the other ops'
 * settings. Each op first draws its probability test (u < p, only when
 * p < 1), then its parameters in the order documented at its kind.
 *
 * Kernels below take raw buffers so that tests can call them with known
 * patterns; none allocates except where stated. Nothing here is
 * thread-unsafe: pipelines are immutable once built, and each thread uses
 * its own gz_aug_work. */
#ifndef GZ_AUGMENT_H
#define GZ_AUGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "rng.h"
#include "tensor.h"

/* Stream purpose tag ("augm"). */
#define GZ_AUG_STREAM_PURPOSE 0x6175676du
/* Largest side an op may produce or accept. */
#define GZ_AUG_MAX_SIDE 16384
/* Default attempts of the random crops (torchvision: 10). */
#define GZ_AUG_ATTEMPTS 10

typedef enum gz_aug_kind {
    GZ_AUG_RANDOM_RESIZED_CROP = 0, /* draws: up to `attempts` x (area u, log-ratio u,
                                       then top, left below(n)) */
    GZ_AUG_GAZE_CROP,               /* as RANDOM_RESIZED_CROP, scored by heat mass */
    GZ_AUG_RESIZE,                  /* no draws */
    GZ_AUG_CENTER_CROP,             /* no draws */
    GZ_AUG_HFLIP,                   /* draws only p */
    GZ_AUG_VFLIP,                   /* draws only p */
    GZ_AUG_ROTATE,                  /* draws: angle u in [degrees0, degrees1) */
    GZ_AUG_COLOR_JITTER,            /* draws: order (3 x below), then brightness,
                                       contrast, saturation, hue factors (each only
                                       when enabled) */
    GZ_AUG_GRAYSCALE,               /* draws only p */
    GZ_AUG_GAUSSIAN_BLUR,           /* draws: sigma u in [sigma0, sigma1) */
    GZ_AUG_SOLARIZE,                /* draws only p */
    GZ_AUG_NORMALIZE,               /* no draws; must be last */
    GZ_AUG_RANDOM_APPLY,            /* draws only p; then its children run */
    GZ_AUG_KIND_COUNT
} gz_aug_kind;

typedef enum gz_interp { GZ_INTERP_NEAREST = 0, GZ_INTERP_BILINEAR, GZ_INTERP_BICUBIC } gz_interp;

/* One op with every parameter (unused ones are ignored). Use
 * gz_aug_op_default(kind) and change what you need. */
typedef struct gz_aug_op {
    gz_aug_kind kind;
    double p;                 /* probability that the op runs (1 = always) */
    int height, width;        /* output size of crops / resize; RESIZE with width 0:
                                 the shorter side becomes height (aspect kept) */
    double scale[2];          /* crops: area share range, 0 < s0 <= s1 <= 1 */
    double ratio[2];          /* crops: aspect w/h range, 0 < r0 <= r1 */
    gz_interp interp;         /* resampling (crops, resize, rotate) */
    bool antialias;           /* widen the filter when shrinking (PIL behaviour) */
    double degrees[2];        /* rotate: angle range, counter-clockwise positive */
    double fill;              /* rotate: value outside the source */
    double brightness[2];     /* jitter factor ranges; [1, 1] = off */
    double contrast[2];
    double saturation[2];
    double hue[2];            /* hue shift range within [-0.5, 0.5]; [0, 0] = off */
    double sigma[2];          /* blur: sigma range in pixels, 0 < s0 <= s1 */
    double threshold;         /* solarize: v >= threshold becomes 1 - v */
    int nmean;                /* normalize: 1 (all channels) or C values */
    double mean[4], std[4];
    double min_mass;          /* gaze crop: wanted share of heat mass, 0..1 */
    int attempts;             /* crops: tries before the fallback */
    int span;                 /* random_apply: ops that follow and belong to it */
} gz_aug_op;

gz_aug_op gz_aug_op_default(gz_aug_kind kind);
/* "random_resized_crop", "gaze_crop", "resize", "center_crop", "hflip", "vflip",
 * "rotate", "color_jitter", "grayscale", "gaussian_blur", "solarize",
 * "normalize", "random_apply"; NULL for a bad kind. */
const char *gz_aug_kind_name(gz_aug_kind kind);
/* GZ_ERR_ARG with a message "KIND.FIELD: ..." when a parameter is out of range. */
gz_status gz_aug_op_check(const gz_aug_op *op);

typedef struct gz_aug_pipeline gz_aug_pipeline;

/* Checks every op, the spans, and that NORMALIZE is only at the end and
 * GAZE_CROP comes before any op that moves pixels (its heat map is in the
 * input's coordinates). Copies ops. Caller frees. */
gz_status gz_aug_pipeline_new(gz_aug_pipeline **out, const gz_aug_op *ops, int n);
void gz_aug_pipeline_free(gz_aug_pipeline *p); /* NULL is ignored */
int gz_aug_pipeline_size(const gz_aug_pipeline *p);
const gz_aug_op *gz_aug_pipeline_op(const gz_aug_pipeline *p, int k);
bool gz_aug_pipeline_uses_heat(const gz_aug_pipeline *p);
/* Output size for an input of in_h x in_w (crops and resize set it). */
void gz_aug_pipeline_out_size(const gz_aug_pipeline *p, int in_h, int in_w, int *out_h, int *out_w);

/* stream = gz_rng_stream(GZ_AUG_STREAM_PURPOSE, epoch, index, view) */
uint64_t gz_aug_stream(uint64_t epoch, uint64_t index, uint64_t view);

/* Per-thread scratch (grown on demand). */
typedef struct gz_aug_work gz_aug_work;
gz_status gz_aug_work_new(gz_aug_work **out);
void gz_aug_work_free(gz_aug_work *w);

/* A borrowed image. */
typedef struct gz_aug_image {
    float *data;
    int c, h, w;
} gz_aug_image;

/* Applies p to src (not modified). heat (may be NULL; H' x W' of any size,
 * non-negative, covering the same field of view as src) is read by
 * GAZE_CROP only. *out points into w's buffers, valid until the next call
 * with w. Failures: GZ_ERR_ARG (bad channels for an op), GZ_ERR_NOMEM,
 * GZ_ERR_LIMIT. */
gz_status gz_aug_apply_work(const gz_aug_pipeline *p, const gz_aug_image *src,
                            const gz_aug_image *heat, uint64_t seed, uint64_t stream,
                            gz_aug_work *w, gz_aug_image *out);

/* Tensor form: img is a GZ_F32 C x H x W tensor (any strides), heat NULL
 * or H' x W'. *out is a new contiguous C x H x W tensor the caller frees. */
gz_status gz_aug_apply(const gz_aug_pipeline *p, const gz_tensor *img, const gz_tensor *heat,
                       uint64_t seed, uint64_t stream, gz_tensor **out);

/* H x W or H x W x C (0..255, the image.h layout, any dtype) to a new
 * C' x H x W float32 tensor on 0..1 with channels = 1 (grey by image.h's
 * weights; alpha dropped) or 3 (grey repeated; alpha dropped). */
gz_status gz_aug_from_image(const gz_tensor *img, int channels, gz_tensor **out);
/* C x H x W 0..1 to a new H x W x C float32 tensor on 0..255 (for
 * gz_png_write / drawing); values are not clamped. */
gz_status gz_aug_to_image(const gz_tensor *chw, gz_tensor **out);

/* ---- kernels (augment_ops.c) ---- */

/* torchvision RandomResizedCrop.get_params on an h x w image: up to
 * `attempts` tries of area = h*w*U(scale), log aspect U(log ratio),
 * cw = round(sqrt(area*aspect)), ch = round(sqrt(area/aspect)); accepted
 * when 0 < cw <= w and 0 < ch <= h, then top = below(h-ch+1), left =
 * below(w-cw+1). Fallback: centre crop of the whole image clamped to the
 * ratio range. Returns the number of the accepted attempt (1-based) or 0
 * for the fallback. */
int gz_aug_rrc_params(gz_rng *r, int h, int w, const double scale[2], const double ratio[2],
                      int attempts, int *top, int *left, int *ch, int *cw);

/* Heat mass of rectangle [top, top+ch) x [left, left+cw) of an h x w image
 * as a share of the total, from a (hh+1) x (hw+1) summed-area table of the
 * heat map (box edges mapped proportionally onto the heat grid and
 * rounded). 0 when the total is 0. */
double gz_aug_box_mass(const double *sat, int hh, int hw, int h, int w, int top, int left,
                       int ch, int cw);
/* Fills sat ((hh+1) x (hw+1)) from heat (hh x hw); negative values count 0. */
void gz_aug_sat(const float *heat, int hh, int hw, double *sat);

/* FocusContrast crop: RRC draws (same rule and order); the first attempt
 * whose box holds >= min_mass of the heat is taken (returns its 1-based
 * number). Otherwise the valid attempt with the most mass (returns
 * -number), or, when no attempt was valid or the heat is all zero, the
 * RRC centre fallback (returns 0). *mass gets the box's share. */
int gz_aug_gaze_crop_params(gz_rng *r, int h, int w, const double *sat, int hh, int hw,
                            const double scale[2], const double ratio[2], int attempts,
                            double min_mass, int *top, int *left, int *ch, int *cw,
                            double *mass);

/* Resamples box [top, top+ch) x [left, left+cw) of src (c x h x w) to
 * dst (c x oh x ow), separably, with pixel centres at +0.5 and the box's
 * edges as the image's edges (as crop-then-resize). Filters: nearest,
 * bilinear (triangle), bicubic (Keys a = -0.5, as PIL); with antialias
 * the filter is widened by the shrink factor (as PIL and torchvision
 * antialias=True); weights are normalised over the taps inside the box.
 * Bicubic results are clamped to 0..1. A box equal to the output size is
 * an exact copy. tmp holds c * ch * ow floats. wbuf holds
 * (ow + oh) * taps floats and (ow + oh) * 2 ints where taps =
 * gz_aug_resample_taps(...). */
int gz_aug_resample_taps(int ch, int cw, int oh, int ow, gz_interp interp, bool antialias);
void gz_aug_resample(const float *src, int c, int h, int w, int top, int left, int ch, int cw,
                     float *dst, int oh, int ow, gz_interp interp, bool antialias, float *tmp,
                     float *wbuf, int *ibuf);

void gz_aug_hflip(float *img, int c, int h, int w); /* in place, exact */
void gz_aug_vflip(float *img, int c, int h, int w); /* in place, exact */

/* Rotation by `degrees` counter-clockwise about the centre (w/2, h/2),
 * same size; output pixel centres map back to the source; points outside
 * get `fill`. Nearest or bilinear (bicubic is treated as bilinear). */
void gz_aug_rotate(const float *src, float *dst, int c, int h, int w, double degrees,
                   gz_interp interp, float fill);

/* ColorJitter with given factors, applied in order[0..3] (0 brightness,
 * 1 contrast, 2 saturation, 3 hue); an op whose flag in `on` is false is
 * skipped. torchvision semantics on 0..1 floats: brightness v*f,
 * contrast f*v + (1-f)*mean(grey), saturation f*v + (1-f)*grey(v), hue
 * shift in HSV; each result clamped to 0..1. Grey weights 0.2989, 0.587,
 * 0.114 (torchvision). Saturation and hue do nothing when c == 1. */
void gz_aug_jitter(float *img, int c, int h, int w, const int order[4], const bool on[4],
                   const double factor[4]);

/* RGB to grey (torchvision weights) written to every channel; c == 1
 * does nothing. */
void gz_aug_grayscale(float *img, int c, int h, int w);

/* Gaussian blur with standard deviation sigma (pixels): the sampled
 * kernel exp(-x^2 / (2 sigma^2)) for |x| <= r, r = max(1, ceil(3 sigma)),
 * normalised to sum 1, applied separably (rows then columns) with edge
 * pixels repeated. tmp holds h * w floats. */
int gz_aug_blur_radius(double sigma);
void gz_aug_blur(float *img, int c, int h, int w, double sigma, float *tmp);

void gz_aug_solarize(float *img, int c, int h, int w, double threshold);
/* (v - mean[k]) / std[k] with k = channel (or 0 when n == 1). */
void gz_aug_normalize(float *img, int c, int h, int w, const double *mean, const double *std,
                      int n);

#endif
