/* Augmentation kernels on C x H x W float images (0..1): crop parameter
 * sampling (torchvision's rule and the gaze-mass variant), separable
 * resampling, flips, rotation, colour jitter, blur, solarize, normalize.
 * The pipeline that composes them is augment.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "augment.h"

/* The inner loops (taps outer, pixels inner) are written to vectorize;
 * GCC 12 at -O2 only vectorizes the cheapest loops, so ask for it here
 * (2-3x on blur and jitter, measured with tests/bench/augment.lua).
 * Vectorizing does not reassociate float sums: results are unchanged. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize")
#endif

/* ---- crop parameters ---- */

static int round_half_even(double x)
{
    /* Python's round() (used by torchvision) rounds halves to even */
    return (int)nearbyint(x);
}

int gz_aug_rrc_params(gz_rng *r, int h, int w, const double scale[2], const double ratio[2],
                      int attempts, int *top, int *left, int *ch, int *cw)
{
    double area = (double)h * (double)w;
    double lr0 = log(ratio[0]), lr1 = log(ratio[1]);
    for (int a = 1; a <= attempts; a++) {
        double target = area * gz_rng_range(r, scale[0], scale[1]);
        double aspect = exp(lr0 == lr1 ? lr0 : gz_rng_range(r, lr0, lr1));
        int tw = round_half_even(sqrt(target * aspect));
        int th = round_half_even(sqrt(target / aspect));
        if (tw > 0 && tw <= w && th > 0 && th <= h) {
            *top = (int)gz_rng_below(r, (uint64_t)(h - th + 1));
            *left = (int)gz_rng_below(r, (uint64_t)(w - tw + 1));
            *ch = th;
            *cw = tw;
            return a;
        }
    }
    double in_ratio = (double)w / (double)h;
    int tw, th;
    if (in_ratio < ratio[0]) {
        tw = w;
        th = round_half_even((double)tw / ratio[0]);
    } else if (in_ratio > ratio[1]) {
        th = h;
        tw = round_half_even((double)th * ratio[1]);
    } else {
        tw = w;
        th = h;
    }
    if (th < 1) th = 1;
    if (tw < 1) tw = 1;
    if (th > h) th = h;
    if (tw > w) tw = w;
    *top = (h - th) / 2;
    *left = (w - tw) / 2;
    *ch = th;
    *cw = tw;
    return 0;
}

void gz_aug_sat(const float *heat, int hh, int hw, double *sat)
{
    int64_t stride = hw + 1;
    for (int x = 0; x <= hw; x++)
        sat[x] = 0.0;
    for (int y = 0; y < hh; y++) {
        double row = 0.0;
        double *s = sat + (int64_t)(y + 1) * stride;
        const double *above = sat + (int64_t)y * stride;
        const float *hr = heat + (int64_t)y * hw;
        s[0] = 0.0;
        for (int x = 0; x < hw; x++) {
            double v = hr[x] > 0.0f ? (double)hr[x] : 0.0;
            row += v;
            s[x + 1] = above[x + 1] + row;
        }
    }
}

static int map_edge(int v, int n, int hn)
{
    return (int)lround((double)v * (double)hn / (double)n);
}

double gz_aug_box_mass(const double *sat, int hh, int hw, int h, int w, int top, int left,
                       int ch, int cw)
{
    int64_t stride = hw + 1;
    double total = sat[(int64_t)hh * stride + hw];
    if (!(total > 0.0))
        return 0.0;
    int y0 = map_edge(top, h, hh), y1 = map_edge(top + ch, h, hh);
    int x0 = map_edge(left, w, hw), x1 = map_edge(left + cw, w, hw);
    double m = sat[(int64_t)y1 * stride + x1] - sat[(int64_t)y0 * stride + x1] -
               sat[(int64_t)y1 * stride + x0] + sat[(int64_t)y0 * stride + x0];
    double share = m / total;
    if (share < 0.0) share = 0.0;
    if (share > 1.0) share = 1.0;
    return share;
}

int gz_aug_gaze_crop_params(gz_rng *r, int h, int w, const double *sat, int hh, int hw,
                            const double scale[2], const double ratio[2], int attempts,
                            double min_mass, int *top, int *left, int *ch, int *cw,
                            double *mass)
{
    double total = sat ? sat[(int64_t)hh * (hw + 1) + hw] : 0.0;
    if (!(total > 0.0)) {
        int a = gz_aug_rrc_params(r, h, w, scale, ratio, attempts, top, left, ch, cw);
        *mass = 0.0;
        return a;
    }
    double area = (double)h * (double)w;
    double lr0 = log(ratio[0]), lr1 = log(ratio[1]);
    int best = 0, bt = 0, bl = 0, bh = 0, bw = 0;
    double bm = -1.0;
    for (int a = 1; a <= attempts; a++) {
        double target = area * gz_rng_range(r, scale[0], scale[1]);
        double aspect = exp(lr0 == lr1 ? lr0 : gz_rng_range(r, lr0, lr1));
        int tw = round_half_even(sqrt(target * aspect));
        int th = round_half_even(sqrt(target / aspect));
        if (tw > 0 && tw <= w && th > 0 && th <= h) {
            int t = (int)gz_rng_below(r, (uint64_t)(h - th + 1));
            int l = (int)gz_rng_below(r, (uint64_t)(w - tw + 1));
            double m = gz_aug_box_mass(sat, hh, hw, h, w, t, l, th, tw);
            if (m >= min_mass) {
                *top = t, *left = l, *ch = th, *cw = tw, *mass = m;
                return a;
            }
            if (m > bm) {
                bm = m, best = a, bt = t, bl = l, bh = th, bw = tw;
            }
        }
    }
    if (best) {
        *top = bt, *left = bl, *ch = bh, *cw = bw, *mass = bm;
        return -best;
    }
    /* no valid attempt: torchvision's centre fallback (needs no draws) */
    gz_rng dummy = *r;
    gz_aug_rrc_params(&dummy, h, w, scale, ratio, 0, top, left, ch, cw);
    *mass = gz_aug_box_mass(sat, hh, hw, h, w, *top, *left, *ch, *cw);
    return 0;
}

/* ---- resampling ---- */

static double filter_support(gz_interp interp)
{
    switch (interp) {
    case GZ_INTERP_NEAREST: return 0.5;
    case GZ_INTERP_BILINEAR: return 1.0;
    case GZ_INTERP_BICUBIC: return 2.0;
    }
    return 1.0;
}

static double filter_eval(gz_interp interp, double x)
{
    if (x < 0.0) x = -x;
    if (interp == GZ_INTERP_BILINEAR)
        return x < 1.0 ? 1.0 - x : 0.0;
    /* Keys cubic, a = -0.5 (PIL) */
    const double a = -0.5;
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0)
        return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
    return 0.0;
}

static int dim_taps(int in, int out, gz_interp interp, bool antialias)
{
    if (interp == GZ_INTERP_NEAREST)
        return 1;
    double s = (double)in / (double)out;
    double fs = (antialias && s > 1.0) ? s : 1.0;
    return (int)ceil(filter_support(interp) * fs) * 2 + 1;
}

int gz_aug_resample_taps(int ch, int cw, int oh, int ow, gz_interp interp, bool antialias)
{
    int a = dim_taps(cw, ow, interp, antialias), b = dim_taps(ch, oh, interp, antialias);
    return a > b ? a : b;
}

/* Weights of one dimension: for output o, taps first[o] .. first[o]+count[o]-1
 * (box coordinates) with weights wt[o * taps + k]. */
static void dim_weights(int in, int out, gz_interp interp, bool antialias, int taps, float *wt,
                        int *first, int *count)
{
    double s = (double)in / (double)out;
    if (interp == GZ_INTERP_NEAREST) {
        for (int o = 0; o < out; o++) {
            int x = (int)floor(((double)o + 0.5) * s);
            if (x > in - 1) x = in - 1;
            first[o] = x;
            count[o] = 1;
            wt[o * taps] = 1.0f;
        }
        return;
    }
    double fs = (antialias && s > 1.0) ? s : 1.0;
    double support = filter_support(interp) * fs;
    for (int o = 0; o < out; o++) {
        double center = ((double)o + 0.5) * s;
        int x0 = (int)floor(center - support + 0.5);
        int x1 = (int)floor(center + support + 0.5);
        if (x0 < 0) x0 = 0;
        if (x1 > in) x1 = in;
        if (x1 - x0 > taps) x1 = x0 + taps;
        double sum = 0.0;
        double wv[64];
        double *wp = taps <= 64 ? wv : NULL;
        for (int x = x0; x < x1; x++) {
            double v = filter_eval(interp, ((double)x - center + 0.5) / fs);
            if (wp) wp[x - x0] = v;
            sum += v;
        }
        float *row = wt + (int64_t)o * taps;
        for (int x = x0; x < x1; x++) {
            double v = wp ? wp[x - x0] : filter_eval(interp, ((double)x - center + 0.5) / fs);
            row[x - x0] = (float)(sum != 0.0 ? v / sum : 0.0);
        }
        if (x1 <= x0) { /* cannot happen for in >= 1; keep a valid tap */
            x0 = o * in / out;
            x1 = x0 + 1;
            row[0] = 1.0f;
        }
        first[o] = x0;
        count[o] = x1 - x0;
    }
}

void gz_aug_resample(const float *src, int c, int h, int w, int top, int left, int ch, int cw,
                     float *dst, int oh, int ow, gz_interp interp, bool antialias, float *tmp,
                     float *wbuf, int *ibuf)
{
    int taps = gz_aug_resample_taps(ch, cw, oh, ow, interp, antialias);
    float *wx = wbuf, *wy = wbuf + (int64_t)ow * taps;
    int *fx = ibuf, *nx = ibuf + ow, *fy = ibuf + 2 * ow, *ny = ibuf + 2 * ow + oh;
    dim_weights(cw, ow, interp, antialias, taps, wx, fx, nx);
    dim_weights(ch, oh, interp, antialias, taps, wy, fy, ny);
    /* horizontal: rows of the box -> tmp (c x ch x ow) */
    for (int k = 0; k < c; k++) {
        for (int y = 0; y < ch; y++) {
            const float *row = src + ((int64_t)k * h + top + y) * w + left;
            float *t = tmp + ((int64_t)k * ch + y) * ow;
            for (int o = 0; o < ow; o++) {
                const float *wr = wx + (int64_t)o * taps;
                const float *sp = row + fx[o];
                float acc = 0.0f;
                for (int j = 0; j < nx[o]; j++)
                    acc += wr[j] * sp[j];
                t[o] = acc;
            }
        }
    }
    /* vertical: tmp -> dst */
    bool clamp = interp == GZ_INTERP_BICUBIC;
    for (int k = 0; k < c; k++) {
        for (int o = 0; o < oh; o++) {
            float *d = dst + ((int64_t)k * oh + o) * ow;
            const float *wr = wy + (int64_t)o * taps;
            const float *t0 = tmp + ((int64_t)k * ch + fy[o]) * ow;
            for (int x = 0; x < ow; x++)
                d[x] = wr[0] * t0[x];
            for (int j = 1; j < ny[o]; j++) {
                const float *tj = t0 + (int64_t)j * ow;
                float wj = wr[j];
                for (int x = 0; x < ow; x++)
                    d[x] += wj * tj[x];
            }
            if (clamp)
                for (int x = 0; x < ow; x++)
                    d[x] = d[x] < 0.0f ? 0.0f : (d[x] > 1.0f ? 1.0f : d[x]);
        }
    }
}

/* ---- flips and rotation ---- */

void gz_aug_hflip(float *img, int c, int h, int w)
{
    for (int64_t r = 0; r < (int64_t)c * h; r++) {
        float *row = img + r * w;
        for (int i = 0, j = w - 1; i < j; i++, j--) {
            float t = row[i];
            row[i] = row[j];
            row[j] = t;
        }
    }
}

void gz_aug_vflip(float *img, int c, int h, int w)
{
    for (int k = 0; k < c; k++) {
        float *plane = img + (int64_t)k * h * w;
        for (int i = 0, j = h - 1; i < j; i++, j--) {
            float *a = plane + (int64_t)i * w, *b = plane + (int64_t)j * w;
            for (int x = 0; x < w; x++) {
                float t = a[x];
                a[x] = b[x];
                b[x] = t;
            }
        }
    }
}

void gz_aug_rotate(const float *src, float *dst, int c, int h, int w, double degrees,
                   gz_interp interp, float fill)
{
    double th = degrees * (M_PI / 180.0);
    double cs = cos(th), sn = sin(th);
    /* exact quarter turns: cos/sin of multiples of 90 degrees */
    double q = degrees / 90.0;
    if (q == floor(q)) {
        long m = ((long)q % 4 + 4) % 4;
        cs = (m == 0) ? 1.0 : (m == 2 ? -1.0 : 0.0);
        sn = (m == 1) ? 1.0 : (m == 3 ? -1.0 : 0.0);
    }
    double cx = (double)w * 0.5, cy = (double)h * 0.5;
    int64_t plane = (int64_t)h * w;
    for (int y = 0; y < h; y++) {
        double oy = (double)y + 0.5 - cy;
        for (int x = 0; x < w; x++) {
            double ox = (double)x + 0.5 - cx;
            /* inverse of a counter-clockwise turn on screen (y down) */
            double sx = ox * cs - oy * sn + cx - 0.5;
            double sy = ox * sn + oy * cs + cy - 0.5;
            int64_t o = (int64_t)y * w + x;
            if (interp == GZ_INTERP_NEAREST) {
                double fx = floor(sx + 0.5), fy = floor(sy + 0.5);
                if (fx < 0 || fy < 0 || fx > w - 1 || fy > h - 1) {
                    for (int k = 0; k < c; k++)
                        dst[k * plane + o] = fill;
                } else {
                    int64_t i = (int64_t)fy * w + (int64_t)fx;
                    for (int k = 0; k < c; k++)
                        dst[k * plane + o] = src[k * plane + i];
                }
                continue;
            }
            double x0 = floor(sx), y0 = floor(sy);
            double ax = sx - x0, ay = sy - y0;
            int ix = (int)x0, iy = (int)y0;
            if (ix < -1 || iy < -1 || ix > w - 1 || iy > h - 1) {
                for (int k = 0; k < c; k++)
                    dst[k * plane + o] = fill;
                continue;
            }
            for (int k = 0; k < c; k++) {
                const float *p = src + k * plane;
                double v00 = (ix >= 0 && iy >= 0) ? p[(int64_t)iy * w + ix] : fill;
                double v01 = (ix + 1 < w && iy >= 0) ? p[(int64_t)iy * w + ix + 1] : fill;
                double v10 = (ix >= 0 && iy + 1 < h) ? p[(int64_t)(iy + 1) * w + ix] : fill;
                double v11 = (ix + 1 < w && iy + 1 < h) ? p[(int64_t)(iy + 1) * w + ix + 1] : fill;
                double v = (1 - ay) * ((1 - ax) * v00 + ax * v01) + ay * ((1 - ax) * v10 + ax * v11);
                dst[k * plane + o] = (float)v;
            }
        }
    }
}

/* ---- colour ---- */

static inline float clamp01(float v)
{
    return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
}

#define GREY_R 0.2989f
#define GREY_G 0.587f
#define GREY_B 0.114f

static void rgb_to_hsv(float r, float g, float b, float *h, float *s, float *v)
{
    float mx = fmaxf(r, fmaxf(g, b)), mn = fminf(r, fminf(g, b));
    float d = mx - mn;
    *v = mx;
    *s = mx > 0.0f ? d / mx : 0.0f;
    if (d <= 0.0f) {
        *h = 0.0f;
        return;
    }
    float hh;
    if (mx == r)
        hh = (g - b) / d;
    else if (mx == g)
        hh = 2.0f + (b - r) / d;
    else
        hh = 4.0f + (r - g) / d;
    hh /= 6.0f;
    hh -= floorf(hh);
    *h = hh;
}

static void hsv_to_rgb(float h, float s, float v, float *r, float *g, float *b)
{
    float h6 = h * 6.0f;
    int i = (int)floorf(h6);
    float f = h6 - (float)i;
    i %= 6;
    if (i < 0) i += 6;
    float p = clamp01(v * (1.0f - s));
    float q = clamp01(v * (1.0f - s * f));
    float t = clamp01(v * (1.0f - s * (1.0f - f)));
    switch (i) {
    case 0: *r = v, *g = t, *b = p; break;
    case 1: *r = q, *g = v, *b = p; break;
    case 2: *r = p, *g = v, *b = t; break;
    case 3: *r = p, *g = q, *b = v; break;
    case 4: *r = t, *g = p, *b = v; break;
    default: *r = v, *g = p, *b = q; break;
    }
}

static double grey_mean(const float *img, int c, int64_t n)
{
    /* eight partial sums: independent chains (fast) in double (accurate) */
    double part[8] = {0};
    int64_t i = 0;
    if (c >= 3) {
        const float *r = img, *g = img + n, *b = img + 2 * n;
        for (; i + 8 <= n; i += 8)
            for (int j = 0; j < 8; j++)
                part[j] += (double)(GREY_R * r[i + j] + GREY_G * g[i + j] + GREY_B * b[i + j]);
        for (; i < n; i++)
            part[0] += (double)(GREY_R * r[i] + GREY_G * g[i] + GREY_B * b[i]);
    } else {
        for (; i + 8 <= n; i += 8)
            for (int j = 0; j < 8; j++)
                part[j] += (double)img[i + j];
        for (; i < n; i++)
            part[0] += (double)img[i];
    }
    double sum = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
    return n > 0 ? sum / (double)n : 0.0;
}

void gz_aug_jitter(float *img, int c, int h, int w, const int order[4], const bool on[4],
                   const double factor[4])
{
    int64_t n = (int64_t)h * w, total = n * c;
    for (int s = 0; s < 4; s++) {
        int op = order[s];
        if (op < 0 || op > 3 || !on[op])
            continue;
        float f = (float)factor[op];
        if (op == 0) {
            for (int64_t i = 0; i < total; i++)
                img[i] = clamp01(img[i] * f);
        } else if (op == 1) {
            float m = (float)grey_mean(img, c, n);
            float add = (1.0f - f) * m;
            for (int64_t i = 0; i < total; i++)
                img[i] = clamp01(f * img[i] + add);
        } else if (c >= 3 && op == 2) {
            float *r = img, *g = img + n, *b = img + 2 * n;
            for (int64_t i = 0; i < n; i++) {
                float gr = (1.0f - f) * (GREY_R * r[i] + GREY_G * g[i] + GREY_B * b[i]);
                r[i] = clamp01(f * r[i] + gr);
                g[i] = clamp01(f * g[i] + gr);
                b[i] = clamp01(f * b[i] + gr);
            }
        } else if (c >= 3 && op == 3) {
            float *r = img, *g = img + n, *b = img + 2 * n;
            for (int64_t i = 0; i < n; i++) {
                float hh, ss, vv;
                rgb_to_hsv(r[i], g[i], b[i], &hh, &ss, &vv);
                hh += f;
                hh -= floorf(hh);
                hsv_to_rgb(hh, ss, vv, &r[i], &g[i], &b[i]);
            }
        }
    }
}

void gz_aug_grayscale(float *img, int c, int h, int w)
{
    if (c < 3)
        return;
    int64_t n = (int64_t)h * w;
    float *r = img, *g = img + n, *b = img + 2 * n;
    for (int64_t i = 0; i < n; i++) {
        float v = GREY_R * r[i] + GREY_G * g[i] + GREY_B * b[i];
        r[i] = g[i] = b[i] = v;
    }
}

/* ---- blur, solarize, normalize ---- */

int gz_aug_blur_radius(double sigma)
{
    double r = ceil(3.0 * sigma);
    if (!(r >= 1.0)) r = 1.0;
    if (r > GZ_AUG_MAX_SIDE) r = GZ_AUG_MAX_SIDE;
    return (int)r;
}

static inline int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

void gz_aug_blur(float *img, int c, int h, int w, double sigma, float *tmp)
{
    int r = gz_aug_blur_radius(sigma);
    int kn = 2 * r + 1;
    /* one allocation: the kernel and a padded row (edges repeated) */
    float stack[1024];
    size_t need = (size_t)kn + (size_t)w + 2 * (size_t)r;
    float *k = need <= 1024 ? stack : malloc(sizeof(float) * need);
    if (!k)
        return; /* only for absurd sizes: leave the image as it is */
    float *pad = k + kn;
    double sum = 0.0;
    for (int i = -r; i <= r; i++)
        sum += exp(-(double)(i * i) / (2.0 * sigma * sigma));
    for (int i = -r; i <= r; i++)
        k[i + r] = (float)(exp(-(double)(i * i) / (2.0 * sigma * sigma)) / sum);
    for (int ch = 0; ch < c; ch++) {
        float *p = img + (int64_t)ch * h * w;
        /* rows: p -> tmp, through the padded row (taps outer, pixels inner) */
        for (int y = 0; y < h; y++) {
            const float *row = p + (int64_t)y * w;
            for (int x = -r; x < w + r; x++)
                pad[x + r] = row[clampi(x, 0, w - 1)];
            float *t = tmp + (int64_t)y * w;
            float k0 = k[0];
            for (int x = 0; x < w; x++)
                t[x] = k0 * pad[x];
            for (int j = 1; j < kn; j++) {
                float kj = k[j];
                const float *pj = pad + j;
                for (int x = 0; x < w; x++)
                    t[x] += kj * pj[x];
            }
        }
        /* columns: tmp -> p */
        for (int y = 0; y < h; y++) {
            float *d = p + (int64_t)y * w;
            const float *t0 = tmp + (int64_t)clampi(y - r, 0, h - 1) * w;
            float k0 = k[0];
            for (int x = 0; x < w; x++)
                d[x] = k0 * t0[x];
            for (int j = 1; j < kn; j++) {
                const float *tj = tmp + (int64_t)clampi(y + j - r, 0, h - 1) * w;
                float kj = k[j];
                for (int x = 0; x < w; x++)
                    d[x] += kj * tj[x];
            }
        }
    }
    if (k != stack)
        free(k);
}

void gz_aug_solarize(float *img, int c, int h, int w, double threshold)
{
    int64_t total = (int64_t)c * h * w;
    float t = (float)threshold;
    for (int64_t i = 0; i < total; i++)
        if (img[i] >= t)
            img[i] = 1.0f - img[i];
}

void gz_aug_normalize(float *img, int c, int h, int w, const double *mean, const double *std,
                      int n)
{
    int64_t plane = (int64_t)h * w;
    for (int k = 0; k < c; k++) {
        int j = n == 1 ? 0 : k;
        float m = (float)mean[j], inv = (float)(1.0 / std[j]);
        float *p = img + k * plane;
        for (int64_t i = 0; i < plane; i++)
            p[i] = (p[i] - m) * inv;
    }
}
