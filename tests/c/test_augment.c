/* Augmentations: exact geometry of crops, flips and rotations on known
 * patterns; crop parameter statistics within scale/ratio; blur against a
 * direct 2-D convolution; jitter, solarize and normalize formulas; the
 * gaze crop's mass rule; pipeline checks and seeded determinism. */
#include <stdint.h>

#include "../../runtime/core/augment.h"
#include "aug_pipeline.h"
#include "check.h"

static float pattern(int c, int y, int x)
{
    return (float)(c * 10000 + y * 100 + x) / 100000.0f;
}

static float *make_pattern(int c, int h, int w)
{
    float *p = malloc(sizeof(float) * (size_t)(c * h * w));
    for (int k = 0; k < c; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                p[(k * h + y) * w + x] = pattern(k, y, x);
    return p;
}

/* A box resampled to its own size is an exact copy, for every filter. */
static void test_crop_exact(void)
{
    int c = 2, h = 20, w = 30;
    float *src = make_pattern(c, h, w);
    int top = 3, left = 7, ch = 11, cw = 13;
    float *dst = malloc(sizeof(float) * (size_t)(c * ch * cw));
    float *tmp = malloc(sizeof(float) * (size_t)(c * ch * cw));
    for (int f = 0; f <= GZ_INTERP_BICUBIC; f++) {
        int taps = gz_aug_resample_taps(ch, cw, ch, cw, (gz_interp)f, true);
        float *wbuf = malloc(sizeof(float) * (size_t)((ch + cw) * taps));
        int *ibuf = malloc(sizeof(int) * (size_t)((ch + cw) * 2));
        gz_aug_resample(src, c, h, w, top, left, ch, cw, dst, ch, cw, (gz_interp)f, true, tmp,
                        wbuf, ibuf);
        int bad = 0;
        for (int k = 0; k < c; k++)
            for (int y = 0; y < ch; y++)
                for (int x = 0; x < cw; x++)
                    bad += dst[(k * ch + y) * cw + x] != pattern(k, y + top, x + left);
        CHECK_MSG(bad == 0, "filter %d: %d pixels differ from the source box", f, bad);
        free(wbuf);
        free(ibuf);
    }
    free(src);
    free(dst);
    free(tmp);
}

/* Upsampling by 2 with bilinear: output pixel centres fall at quarter
 * positions, so a ramp becomes an exactly known ramp (edges clamp). */
static void test_resample_bilinear_values(void)
{
    int h = 1, w = 4;
    float src[4] = {0.0f, 0.2f, 0.4f, 0.6f};
    float dst[8], tmp[8], wbuf[256];
    int ibuf[64];
    gz_aug_resample(src, 1, h, w, 0, 0, 1, 4, dst, 1, 8, GZ_INTERP_BILINEAR, true, tmp, wbuf,
                    ibuf);
    /* centre of output o in input pixels: (o + 0.5) / 2 - 0.5 */
    double want[8] = {0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.6};
    for (int o = 0; o < 8; o++)
        CHECK_NEAR(dst[o], want[o], 1e-6);
    /* shrinking a constant image keeps it constant, any filter */
    float flat[64], small[9], t2[64];
    for (int i = 0; i < 64; i++)
        flat[i] = 0.25f;
    for (int f = 0; f <= GZ_INTERP_BICUBIC; f++) {
        gz_aug_resample(flat, 1, 8, 8, 0, 0, 8, 8, small, 3, 3, (gz_interp)f, true, t2, wbuf,
                        ibuf);
        for (int i = 0; i < 9; i++)
            CHECK_NEAR(small[i], 0.25, 1e-6);
    }
}

static void test_flips_exact(void)
{
    int c = 3, h = 5, w = 6;
    float *img = make_pattern(c, h, w);
    gz_aug_hflip(img, c, h, w);
    int bad = 0;
    for (int k = 0; k < c; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                bad += img[(k * h + y) * w + x] != pattern(k, y, w - 1 - x);
    CHECK(bad == 0);
    gz_aug_hflip(img, c, h, w);
    gz_aug_vflip(img, c, h, w);
    bad = 0;
    for (int k = 0; k < c; k++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                bad += img[(k * h + y) * w + x] != pattern(k, h - 1 - y, x);
    CHECK(bad == 0);
    free(img);
}

static void test_rotate_quarter_turns(void)
{
    int n = 7;
    float *src = make_pattern(1, n, n);
    float dst[49];
    gz_aug_rotate(src, dst, 1, n, n, 90.0, GZ_INTERP_NEAREST, 0.0f);
    int bad = 0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) /* numpy rot90: counter-clockwise */
            bad += dst[y * n + x] != pattern(0, x, n - 1 - y);
    CHECK_MSG(bad == 0, "90 degrees: %d pixels wrong", bad);
    gz_aug_rotate(src, dst, 1, n, n, 180.0, GZ_INTERP_BILINEAR, 0.0f);
    bad = 0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            bad += fabsf(dst[y * n + x] - pattern(0, n - 1 - y, n - 1 - x)) > 1e-6f;
    CHECK_MSG(bad == 0, "180 degrees: %d pixels wrong", bad);
    /* 45 degrees: corners come from outside the image and get the fill */
    gz_aug_rotate(src, dst, 1, n, n, 45.0, GZ_INTERP_NEAREST, -1.0f);
    CHECK(dst[0] == -1.0f && dst[n - 1] == -1.0f && dst[n * n - 1] == -1.0f);
    CHECK(dst[(n / 2) * n + n / 2] == pattern(0, n / 2, n / 2)); /* the centre stays */
    free(src);
}

static void test_rrc_statistics(void)
{
    int h = 90, w = 120;
    double scale[2] = {0.2, 1.0}, ratio[2] = {3.0 / 4.0, 4.0 / 3.0};
    double amin = 9, amax = 0, rmin = 9, rmax = 0;
    int fallbacks = 0, outside = 0, n = 4000;
    double tol_r = 0.0;
    for (int i = 0; i < n; i++) {
        gz_rng r;
        gz_rng_init(&r, 5, gz_aug_stream(0, (uint64_t)i, 0));
        int top, left, ch, cw;
        int a = gz_aug_rrc_params(&r, h, w, scale, ratio, 10, &top, &left, &ch, &cw);
        if (a == 0) {
            fallbacks++;
            continue;
        }
        if (top < 0 || left < 0 || top + ch > h || left + cw > w)
            outside++;
        double area = (double)ch * cw / (h * w);
        double rr = (double)cw / ch;
        /* rounding of each side by <= 0.5 pixel bounds the deviation */
        double da = (0.5 * (ch + cw) + 0.25) / (h * w);
        double dr = 0.5 / ch + 0.5 * cw / ((double)ch * (ch - 0.5));
        if (area < scale[0] - da || area > scale[1] + da)
            outside++;
        if (rr < ratio[0] - dr || rr > ratio[1] + dr)
            outside++;
        if (dr > tol_r) tol_r = dr;
        amin = fmin(amin, area), amax = fmax(amax, area);
        rmin = fmin(rmin, rr), rmax = fmax(rmax, rr);
    }
    CHECK_MSG(outside == 0, "%d crops outside the image, scale or ratio", outside);
    CHECK_MSG(amin < 0.22 && amax > 0.9, "areas span [%g, %g]", amin, amax);
    CHECK_MSG(rmin < 0.8 && rmax > 1.25, "ratios span [%g, %g]", rmin, rmax);
    CHECK_MSG(fallbacks < n / 100, "%d fallbacks", fallbacks);
    /* impossible scale forces the centre fallback with the ratio clamp */
    gz_rng r;
    gz_rng_init(&r, 1, 2);
    int top, left, ch, cw;
    double wide[2] = {2.0, 3.0}, big[2] = {0.9, 1.0};
    int a = gz_aug_rrc_params(&r, 50, 50, big, wide, 10, &top, &left, &ch, &cw);
    CHECK(a == 0);
    CHECK(cw == 50 && ch == 25 && top == 12 && left == 0);
}

/* Direct 2-D convolution with clamped (repeated) edges, in double. */
static void test_blur_reference(void)
{
    int h = 13, w = 17;
    float *img = make_pattern(1, h, w);
    for (int i = 0; i < h * w; i++) /* some structure: a bright spot and noise */
        img[i] = (float)fmod(img[i] * 7919.0, 1.0);
    img[6 * w + 8] = 1.0f;
    double sigmas[3] = {0.1, 0.8, 2.0};
    for (int s = 0; s < 3; s++) {
        double sigma = sigmas[s];
        int r = gz_aug_blur_radius(sigma);
        CHECK(r == (int)fmax(1.0, ceil(3 * sigma)));
        float *out = malloc(sizeof(float) * (size_t)(h * w));
        float *tmp = malloc(sizeof(float) * (size_t)(h * w));
        memcpy(out, img, sizeof(float) * (size_t)(h * w));
        gz_aug_blur(out, 1, h, w, sigma, tmp);
        double ksum = 0;
        for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++)
                ksum += exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
        double worst = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double acc = 0;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++) {
                        int yy = y + dy < 0 ? 0 : (y + dy >= h ? h - 1 : y + dy);
                        int xx = x + dx < 0 ? 0 : (x + dx >= w ? w - 1 : x + dx);
                        acc += exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) * img[yy * w + xx];
                    }
                acc /= ksum;
                worst = fmax(worst, fabs(acc - out[y * w + x]));
            }
        CHECK_MSG(worst < 2e-6, "sigma %g: max deviation from the 2-D convolution %g", sigma,
                  worst);
        free(out);
        free(tmp);
    }
    free(img);
}

static void test_jitter_formulas(void)
{
    /* grey 1 x 1 x 4: brightness then contrast */
    float g[4] = {0.1f, 0.2f, 0.3f, 0.8f};
    int order[4] = {0, 1, 2, 3};
    bool on[4] = {true, true, true, true};
    double f[4] = {1.5, 0.5, 0.0, 0.3};
    gz_aug_jitter(g, 1, 1, 4, order, on, f);
    /* brightness: 0.15 0.3 0.45 1.0 (clamped); mean 0.475; contrast 0.5 */
    double b[4] = {0.15, 0.3, 0.45, 1.0}, m = (0.15 + 0.3 + 0.45 + 1.0) / 4;
    for (int i = 0; i < 4; i++)
        CHECK_NEAR(g[i], 0.5 * b[i] + 0.5 * m, 1e-6);
    /* order matters: contrast first then brightness */
    float g2[4] = {0.1f, 0.2f, 0.3f, 0.8f};
    int order2[4] = {1, 0, 3, 2};
    gz_aug_jitter(g2, 1, 1, 4, order2, on, f);
    double m2 = (0.1 + 0.2 + 0.3 + 0.8) / 4;
    double v0[4] = {0.1, 0.2, 0.3, 0.8};
    for (int i = 0; i < 4; i++)
        CHECK_NEAR(g2[i], fmin(1.0, (0.5 * v0[i] + 0.5 * m2) * 1.5), 1e-6);
    /* RGB: saturation 0 gives grey; hue 1/3 turns red into green */
    float rgb[3] = {0.8f, 0.4f, 0.2f};
    bool sat_only[4] = {false, false, true, false};
    gz_aug_jitter(rgb, 3, 1, 1, order, sat_only, f);
    double grey = 0.2989 * 0.8 + 0.587 * 0.4 + 0.114 * 0.2;
    CHECK_NEAR(rgb[0], grey, 1e-6);
    CHECK_NEAR(rgb[1], grey, 1e-6);
    CHECK_NEAR(rgb[2], grey, 1e-6);
    float red[3] = {0.9f, 0.1f, 0.1f};
    bool hue_only[4] = {false, false, false, true};
    double third[4] = {1, 1, 1, 1.0 / 3.0};
    gz_aug_jitter(red, 3, 1, 1, order, hue_only, third);
    CHECK_NEAR(red[0], 0.1, 1e-5);
    CHECK_NEAR(red[1], 0.9, 1e-5);
    CHECK_NEAR(red[2], 0.1, 1e-5);
    /* hue 0 is the identity (HSV round trip) */
    float px[3] = {0.3f, 0.6f, 0.45f};
    double zero[4] = {1, 1, 1, 0.0};
    gz_aug_jitter(px, 3, 1, 1, order, hue_only, zero);
    CHECK_NEAR(px[0], 0.3, 1e-6);
    CHECK_NEAR(px[1], 0.6, 1e-6);
    CHECK_NEAR(px[2], 0.45, 1e-6);
    /* saturation and hue leave grey images alone */
    float one[2] = {0.3f, 0.7f};
    gz_aug_jitter(one, 1, 1, 2, order, sat_only, f);
    CHECK(one[0] == 0.3f && one[1] == 0.7f);
}

static void test_solarize_normalize(void)
{
    float v[4] = {0.1f, 0.5f, 0.7f, 0.49f};
    gz_aug_solarize(v, 1, 2, 2, 0.5);
    CHECK(v[0] == 0.1f && v[1] == 0.5f && fabsf(v[2] - 0.3f) < 1e-7f && v[3] == 0.49f);
    float x[4] = {0.0f, 1.0f, 0.5f, 0.25f};
    double mean[2] = {0.5, 0.25}, std[2] = {0.5, 0.25};
    gz_aug_normalize(x, 2, 1, 2, mean, std, 2);
    CHECK_NEAR(x[0], -1.0, 1e-7);
    CHECK_NEAR(x[1], 1.0, 1e-7);
    CHECK_NEAR(x[2], 1.0, 1e-7);
    CHECK_NEAR(x[3], 0.0, 1e-7);
}

static void test_gaze_crop(void)
{
    int h = 64, w = 64, hh = 32, hw = 32;
    float heat[32 * 32] = {0};
    for (int y = 12; y < 20; y++) /* all mass in heat cells 12..19 = pixels 24..39 */
        for (int x = 12; x < 20; x++)
            heat[y * hw + x] = 1.0f;
    double *sat = malloc(sizeof(double) * (size_t)((hh + 1) * (hw + 1)));
    gz_aug_sat(heat, hh, hw, sat);
    CHECK_NEAR(sat[hh * (hw + 1) + hw], 64.0, 0);
    CHECK_NEAR(gz_aug_box_mass(sat, hh, hw, h, w, 24, 24, 16, 16), 1.0, 1e-12);
    CHECK_NEAR(gz_aug_box_mass(sat, hh, hw, h, w, 0, 0, 32, 64), 0.5, 1e-12);
    CHECK_NEAR(gz_aug_box_mass(sat, hh, hw, h, w, 40, 40, 20, 20), 0.0, 1e-12);
    double scale[2] = {0.2, 0.6}, ratio[2] = {3.0 / 4.0, 4.0 / 3.0};
    int accepted = 0, best = 0, bad = 0;
    for (int i = 0; i < 500; i++) {
        gz_rng r;
        gz_rng_init(&r, 9, gz_aug_stream(0, (uint64_t)i, 1));
        int top, left, ch, cw;
        double mass;
        int a = gz_aug_gaze_crop_params(&r, h, w, sat, hh, hw, scale, ratio, 10, 0.9, &top,
                                        &left, &ch, &cw, &mass);
        /* brute-force mass of the box on the heat grid */
        int y0 = (int)lround(top * (double)hh / h), y1 = (int)lround((top + ch) * (double)hh / h);
        int x0 = (int)lround(left * (double)hw / w), x1 = (int)lround((left + cw) * (double)hw / w);
        double m = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                m += heat[y * hw + x];
        bad += fabs(m / 64.0 - mass) > 1e-12;
        if (a > 0) {
            accepted++;
            bad += mass < 0.9;
        } else if (a < 0) {
            best++;
        }
        bad += top < 0 || left < 0 || top + ch > h || left + cw > w;
    }
    CHECK_MSG(bad == 0, "%d crops break the rule", bad);
    CHECK_MSG(accepted > 250, "only %d of 500 crops reached the mass", accepted);
    CHECK_MSG(best == 0 || accepted > 0, "accepted %d best %d", accepted, best);
    /* crops too small to hold the mass: the attempt with the most mass is
     * taken; replaying the same draws as plain crops finds no better one */
    double tiny[2] = {0.04, 0.05};
    int fell = 0, positive = 0;
    for (int i = 0; i < 200; i++) {
        gz_rng r, replay;
        gz_rng_init(&r, 4, (uint64_t)i);
        replay = r;
        int top, left, ch, cw;
        double mass;
        int a = gz_aug_gaze_crop_params(&r, h, w, sat, hh, hw, tiny, ratio, 5, 0.99, &top, &left,
                                        &ch, &cw, &mass);
        fell += a < 0;
        positive += mass > 0;
        for (int k = 0; k < 5; k++) {
            int t, l, hh2, ww2;
            if (gz_aug_rrc_params(&replay, h, w, tiny, ratio, 1, &t, &l, &hh2, &ww2) > 0)
                CHECK(gz_aug_box_mass(sat, hh, hw, h, w, t, l, hh2, ww2) <= mass);
        }
    }
    CHECK_MSG(fell == 200, "best-mass fallback in %d of 200", fell);
    CHECK_MSG(positive > 100, "only %d best crops hold any mass", positive);
    /* no heat: identical to RandomResizedCrop with the same generator */
    float zero[16] = {0};
    double zsat[25];
    gz_aug_sat(zero, 4, 4, zsat);
    for (int i = 0; i < 50; i++) {
        gz_rng r1, r2;
        gz_rng_init(&r1, 3, (uint64_t)i);
        r2 = r1;
        int t1, l1, h1, w1, t2, l2, h2, w2;
        double m;
        gz_aug_gaze_crop_params(&r1, h, w, zsat, 4, 4, scale, ratio, 10, 0.5, &t1, &l1, &h1, &w1,
                                &m);
        gz_aug_rrc_params(&r2, h, w, scale, ratio, 10, &t2, &l2, &h2, &w2);
        CHECK(t1 == t2 && l1 == l2 && h1 == h2 && w1 == w2);
    }
    free(sat);
}

static gz_tensor *pattern_tensor(int c, int h, int w)
{
    int64_t shape[3] = {c, h, w};
    gz_tensor *t;
    if (gz_tensor_new(&t, GZ_F32, 3, shape))
        return NULL;
    float *p = make_pattern(c, h, w);
    memcpy(t->data, p, sizeof(float) * (size_t)(c * h * w));
    free(p);
    return t;
}

static int same(const gz_tensor *a, const gz_tensor *b)
{
    if (gz_tensor_numel(a) != gz_tensor_numel(b))
        return 0;
    return memcmp(a->data, b->data, sizeof(float) * (size_t)gz_tensor_numel(a)) == 0;
}

static void test_pipeline_apply(void)
{
    gz_aug_pipeline *p;
    CHECK(test_byol_pipeline(32, &p) == GZ_OK);
    if (!p)
        return;
    int oh, ow;
    gz_aug_pipeline_out_size(p, 64, 48, &oh, &ow);
    CHECK(oh == 32 && ow == 32);
    gz_tensor *img = pattern_tensor(1, 64, 48);
    gz_tensor *a, *b, *c;
    CHECK(gz_aug_apply(p, img, NULL, 7, gz_aug_stream(0, 3, 0), &a) == GZ_OK);
    CHECK(gz_aug_apply(p, img, NULL, 7, gz_aug_stream(0, 3, 0), &b) == GZ_OK);
    CHECK(gz_aug_apply(p, img, NULL, 7, gz_aug_stream(0, 3, 1), &c) == GZ_OK);
    CHECK(a->shape[0] == 1 && a->shape[1] == 32 && a->shape[2] == 32);
    CHECK(same(a, b));
    CHECK(!same(a, c));
    gz_tensor_free(a);
    gz_tensor_free(b);
    gz_tensor_free(c);
    /* probabilities: hflip p 0.5 alone flips about half of the streams */
    gz_aug_op flip = gz_aug_op_default(GZ_AUG_HFLIP);
    gz_aug_pipeline *pf;
    CHECK(gz_aug_pipeline_new(&pf, &flip, 1) == GZ_OK);
    gz_tensor *small = pattern_tensor(1, 2, 3);
    int flipped = 0;
    for (int i = 0; i < 2000; i++) {
        gz_tensor *o;
        if (gz_aug_apply(pf, small, NULL, 1, gz_aug_stream(0, (uint64_t)i, 0), &o))
            break;
        flipped += ((float *)o->data)[0] == pattern(0, 0, 2);
        gz_tensor_free(o);
    }
    CHECK_MSG(flipped > 900 && flipped < 1100, "%d of 2000 flipped", flipped);
    gz_aug_pipeline_free(pf);
    gz_tensor_free(small);
    gz_tensor_free(img);
    gz_aug_pipeline_free(p);
}

/* Jitter factors stay in their range and fill it; random_apply's p holds. */
static void test_jitter_statistics(void)
{
    gz_aug_op ops[2];
    ops[0] = gz_aug_op_default(GZ_AUG_RANDOM_APPLY);
    ops[0].p = 0.8;
    ops[0].span = 1;
    ops[1] = gz_aug_op_default(GZ_AUG_COLOR_JITTER);
    ops[1].brightness[0] = 0.6, ops[1].brightness[1] = 1.4;
    gz_aug_pipeline *p;
    CHECK(gz_aug_pipeline_new(&p, ops, 2) == GZ_OK);
    int64_t shape[3] = {1, 2, 2};
    gz_tensor *img;
    CHECK(gz_tensor_new(&img, GZ_F32, 3, shape) == GZ_OK);
    gz_tensor_fill(img, 0.25);
    double fmin = 9, fmax = 0;
    int applied = 0, outside = 0, n = 2000;
    for (int i = 0; i < n; i++) {
        gz_tensor *o;
        if (gz_aug_apply(p, img, NULL, 2, gz_aug_stream(3, (uint64_t)i, 0), &o))
            break;
        double f = ((float *)o->data)[0] / 0.25;
        gz_tensor_free(o);
        if (f == 1.0)
            continue; /* not applied (a drawn factor of exactly 1 has probability 0) */
        applied++;
        outside += f < 0.6 - 1e-6 || f >= 1.4 + 1e-6;
        fmin = fmin < f ? fmin : f;
        fmax = fmax > f ? fmax : f;
    }
    CHECK_MSG(outside == 0, "%d factors outside [0.6, 1.4)", outside);
    CHECK_MSG(fmin < 0.62 && fmax > 1.38, "factors span [%g, %g]", fmin, fmax);
    CHECK_MSG(applied > 0.77 * n && applied < 0.83 * n, "applied %d of %d (p 0.8)", applied, n);
    gz_tensor_free(img);
    gz_aug_pipeline_free(p);
}

static void test_pipeline_errors(void)
{
    gz_aug_pipeline *p = NULL;
    gz_aug_op ops[3];
    ops[0] = gz_aug_op_default(GZ_AUG_NORMALIZE);
    ops[1] = gz_aug_op_default(GZ_AUG_HFLIP);
    CHECK(gz_aug_pipeline_new(&p, ops, 2) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "normalize must be the last op") != NULL);
    ops[0] = gz_aug_op_default(GZ_AUG_HFLIP);
    ops[1] = gz_aug_op_default(GZ_AUG_GAZE_CROP);
    CHECK(gz_aug_pipeline_new(&p, ops, 2) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "gaze_crop must come before") != NULL);
    ops[0] = gz_aug_op_default(GZ_AUG_RANDOM_APPLY);
    ops[0].span = 3;
    CHECK(gz_aug_pipeline_new(&p, ops, 2) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "spans 3 ops, only 1 follow") != NULL);
    ops[0] = gz_aug_op_default(GZ_AUG_RANDOM_RESIZED_CROP);
    ops[0].scale[0] = 0.0;
    CHECK(gz_aug_pipeline_new(&p, ops, 1) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "random_resized_crop.scale") != NULL);
    ops[0] = gz_aug_op_default(GZ_AUG_GAUSSIAN_BLUR);
    ops[0].sigma[0] = 3.0, ops[0].sigma[1] = 1.0;
    CHECK(gz_aug_pipeline_new(&p, ops, 1) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "gaussian_blur.sigma") != NULL);
    CHECK(p == NULL);
    /* normalize with 3 means on a grey image fails at application */
    ops[0] = gz_aug_op_default(GZ_AUG_NORMALIZE);
    ops[0].nmean = 3;
    for (int i = 0; i < 3; i++)
        ops[0].mean[i] = 0.5, ops[0].std[i] = 0.2;
    CHECK(gz_aug_pipeline_new(&p, ops, 1) == GZ_OK);
    gz_tensor *img = pattern_tensor(1, 4, 4), *o = NULL;
    CHECK(gz_aug_apply(p, img, NULL, 0, 0, &o) == GZ_ERR_ARG);
    CHECK(o == NULL);
    gz_tensor_free(img);
    gz_aug_pipeline_free(p);
}

static void test_image_conversion(void)
{
    int64_t shape[3] = {2, 3, 3};
    gz_tensor *img, *chw, *back;
    CHECK(gz_tensor_new(&img, GZ_F32, 3, shape) == GZ_OK);
    float *d = img->data;
    for (int i = 0; i < 6; i++) {
        d[i * 3 + 0] = (float)(10 * i);
        d[i * 3 + 1] = (float)(20 * i);
        d[i * 3 + 2] = (float)(30 * i);
    }
    CHECK(gz_aug_from_image(img, 3, &chw) == GZ_OK);
    CHECK(chw->shape[0] == 3 && chw->shape[1] == 2 && chw->shape[2] == 3);
    CHECK_NEAR(((float *)chw->data)[6 + 4], 80.0 / 255.0, 1e-7);
    CHECK(gz_aug_to_image(chw, &back) == GZ_OK);
    for (int i = 0; i < 18; i++)
        CHECK_NEAR(((float *)back->data)[i], d[i], 1e-4);
    gz_tensor *grey;
    CHECK(gz_aug_from_image(img, 1, &grey) == GZ_OK);
    CHECK_NEAR(((float *)grey->data)[1], (0.299 * 10 + 0.587 * 20 + 0.114 * 30) / 255.0, 1e-6);
    gz_tensor *none;
    CHECK(gz_aug_from_image(img, 2, &none) == GZ_ERR_ARG && none == NULL);
    gz_tensor_free(grey);
    gz_tensor_free(img);
    gz_tensor_free(chw);
    gz_tensor_free(back);
}

int main(void)
{
    RUN(test_crop_exact);
    RUN(test_resample_bilinear_values);
    RUN(test_flips_exact);
    RUN(test_rotate_quarter_turns);
    RUN(test_rrc_statistics);
    RUN(test_blur_reference);
    RUN(test_jitter_formulas);
    RUN(test_solarize_normalize);
    RUN(test_gaze_crop);
    RUN(test_pipeline_apply);
    RUN(test_jitter_statistics);
    RUN(test_pipeline_errors);
    RUN(test_image_conversion);
    return check_done();
}
