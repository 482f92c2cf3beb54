/* Augmentation pipelines: op defaults and checks, the pipeline object,
 * per-op seeded generators, and application through a per-thread
 * workspace (kernels are in augment_ops.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "augment.h"

static const char *const KIND_NAMES[GZ_AUG_KIND_COUNT] = {
    "random_resized_crop", "gaze_crop", "resize", "center_crop", "hflip", "vflip", "rotate",
    "color_jitter", "grayscale", "gaussian_blur", "solarize", "normalize", "random_apply",
};

const char *gz_aug_kind_name(gz_aug_kind kind)
{
    if ((int)kind < 0 || kind >= GZ_AUG_KIND_COUNT)
        return NULL;
    return KIND_NAMES[kind];
}

gz_aug_op gz_aug_op_default(gz_aug_kind kind)
{
    gz_aug_op op;
    memset(&op, 0, sizeof op);
    op.kind = kind;
    op.p = 1.0;
    op.height = op.width = 224;
    op.scale[0] = 0.08, op.scale[1] = 1.0;
    op.ratio[0] = 3.0 / 4.0, op.ratio[1] = 4.0 / 3.0;
    op.interp = GZ_INTERP_BILINEAR;
    op.antialias = true;
    op.brightness[0] = op.brightness[1] = 1.0;
    op.contrast[0] = op.contrast[1] = 1.0;
    op.saturation[0] = op.saturation[1] = 1.0;
    op.sigma[0] = 0.1, op.sigma[1] = 2.0;
    op.threshold = 0.5;
    op.nmean = 1;
    op.mean[0] = 0.5;
    op.std[0] = 0.5;
    op.min_mass = 0.5;
    op.attempts = GZ_AUG_ATTEMPTS;
    if (kind == GZ_AUG_HFLIP || kind == GZ_AUG_VFLIP)
        op.p = 0.5;
    if (kind == GZ_AUG_ROTATE)
        op.interp = GZ_INTERP_NEAREST;
    return op;
}

static bool finite2(const double v[2])
{
    return isfinite(v[0]) && isfinite(v[1]);
}

gz_status gz_aug_op_check(const gz_aug_op *op)
{
    const char *k = gz_aug_kind_name(op->kind);
    if (!k)
        return gz_error_set(GZ_ERR_ARG, "augment: unknown op kind %d", (int)op->kind);
    if (!(op->p >= 0.0 && op->p <= 1.0))
        return gz_error_set(GZ_ERR_ARG, "%s.p: must be in [0, 1], got %g", k, op->p);
    if ((int)op->interp < 0 || op->interp > GZ_INTERP_BICUBIC)
        return gz_error_set(GZ_ERR_ARG, "%s.interpolation: unknown value %d", k, (int)op->interp);
    switch (op->kind) {
    case GZ_AUG_RANDOM_RESIZED_CROP:
    case GZ_AUG_GAZE_CROP:
    case GZ_AUG_RESIZE:
    case GZ_AUG_CENTER_CROP:
        if (op->height < 1 || op->height > GZ_AUG_MAX_SIDE)
            return gz_error_set(GZ_ERR_ARG, "%s.size: height must be in 1..%d, got %d", k,
                                GZ_AUG_MAX_SIDE, op->height);
        if ((op->kind != GZ_AUG_RESIZE || op->width != 0) &&
            (op->width < 1 || op->width > GZ_AUG_MAX_SIDE))
            return gz_error_set(GZ_ERR_ARG, "%s.size: width must be in 1..%d, got %d", k,
                                GZ_AUG_MAX_SIDE, op->width);
        break;
    default:
        break;
    }
    if (op->kind == GZ_AUG_RANDOM_RESIZED_CROP || op->kind == GZ_AUG_GAZE_CROP) {
        if (!(finite2(op->scale) && op->scale[0] > 0.0 && op->scale[0] <= op->scale[1] &&
              op->scale[1] <= 1.0))
            return gz_error_set(GZ_ERR_ARG, "%s.scale: need 0 < lo <= hi <= 1, got {%g, %g}", k,
                                op->scale[0], op->scale[1]);
        if (!(finite2(op->ratio) && op->ratio[0] > 0.0 && op->ratio[0] <= op->ratio[1]))
            return gz_error_set(GZ_ERR_ARG, "%s.ratio: need 0 < lo <= hi, got {%g, %g}", k,
                                op->ratio[0], op->ratio[1]);
        if (op->attempts < 0 || op->attempts > 1000)
            return gz_error_set(GZ_ERR_ARG, "%s.attempts: must be in 0..1000, got %d", k,
                                op->attempts);
    }
    if (op->kind == GZ_AUG_GAZE_CROP && !(op->min_mass >= 0.0 && op->min_mass <= 1.0))
        return gz_error_set(GZ_ERR_ARG, "%s.min_mass: must be in [0, 1], got %g", k, op->min_mass);
    if (op->kind == GZ_AUG_ROTATE) {
        if (!(finite2(op->degrees) && op->degrees[0] <= op->degrees[1]))
            return gz_error_set(GZ_ERR_ARG, "%s.degrees: need lo <= hi, got {%g, %g}", k,
                                op->degrees[0], op->degrees[1]);
        if (!isfinite(op->fill))
            return gz_error_set(GZ_ERR_ARG, "%s.fill: must be finite", k);
    }
    if (op->kind == GZ_AUG_COLOR_JITTER) {
        const char *names[3] = {"brightness", "contrast", "saturation"};
        const double *r[3] = {op->brightness, op->contrast, op->saturation};
        for (int i = 0; i < 3; i++)
            if (!(finite2(r[i]) && r[i][0] >= 0.0 && r[i][0] <= r[i][1]))
                return gz_error_set(GZ_ERR_ARG, "%s.%s: need 0 <= lo <= hi, got {%g, %g}", k,
                                    names[i], r[i][0], r[i][1]);
        if (!(finite2(op->hue) && op->hue[0] >= -0.5 && op->hue[0] <= op->hue[1] &&
              op->hue[1] <= 0.5))
            return gz_error_set(GZ_ERR_ARG, "%s.hue: need -0.5 <= lo <= hi <= 0.5, got {%g, %g}",
                                k, op->hue[0], op->hue[1]);
    }
    if (op->kind == GZ_AUG_GAUSSIAN_BLUR &&
        !(finite2(op->sigma) && op->sigma[0] > 0.0 && op->sigma[0] <= op->sigma[1] &&
          op->sigma[1] <= 1000.0))
        return gz_error_set(GZ_ERR_ARG, "%s.sigma: need 0 < lo <= hi <= 1000, got {%g, %g}", k,
                            op->sigma[0], op->sigma[1]);
    if (op->kind == GZ_AUG_SOLARIZE && !isfinite(op->threshold))
        return gz_error_set(GZ_ERR_ARG, "%s.threshold: must be finite", k);
    if (op->kind == GZ_AUG_NORMALIZE) {
        if (op->nmean < 1 || op->nmean > 4)
            return gz_error_set(GZ_ERR_ARG, "%s.mean: need 1 to 4 values, got %d", k, op->nmean);
        for (int i = 0; i < op->nmean; i++) {
            if (!isfinite(op->mean[i]))
                return gz_error_set(GZ_ERR_ARG, "%s.mean: must be finite", k);
            if (!(isfinite(op->std[i]) && op->std[i] > 0.0))
                return gz_error_set(GZ_ERR_ARG, "%s.std: must be > 0, got %g", k, op->std[i]);
        }
    }
    if (op->kind == GZ_AUG_RANDOM_APPLY && op->span < 0)
        return gz_error_set(GZ_ERR_ARG, "%s: negative span %d", k, op->span);
    return GZ_OK;
}

struct gz_aug_pipeline {
    int n;
    bool uses_heat;
    gz_aug_op ops[];
};

static bool moves_pixels(gz_aug_kind k)
{
    return k == GZ_AUG_RANDOM_RESIZED_CROP || k == GZ_AUG_GAZE_CROP ||
           k == GZ_AUG_CENTER_CROP || k == GZ_AUG_HFLIP || k == GZ_AUG_VFLIP ||
           k == GZ_AUG_ROTATE;
}

gz_status gz_aug_pipeline_new(gz_aug_pipeline **out, const gz_aug_op *ops, int n)
{
    *out = NULL;
    if (n < 0 || n > 4096)
        return gz_error_set(GZ_ERR_ARG, "augment: a pipeline has 0..4096 ops, got %d", n);
    bool moved = false, heat = false;
    for (int k = 0; k < n; k++) {
        gz_status st = gz_aug_op_check(&ops[k]);
        if (st)
            return gz_error_prefix(st, "op %d", k + 1);
        if (ops[k].kind == GZ_AUG_RANDOM_APPLY && ops[k].span > n - 1 - k)
            return gz_error_set(GZ_ERR_ARG, "op %d: random_apply spans %d ops, only %d follow",
                                k + 1, ops[k].span, n - 1 - k);
        if (ops[k].kind == GZ_AUG_NORMALIZE && k != n - 1)
            return gz_error_set(GZ_ERR_ARG,
                                "op %d: normalize must be the last op (the others work on 0..1 "
                                "values)", k + 1);
        if (ops[k].kind == GZ_AUG_GAZE_CROP) {
            if (moved)
                return gz_error_set(GZ_ERR_ARG,
                                    "op %d: gaze_crop must come before ops that move pixels "
                                    "(crops, flips, rotate): its heat map is in the input's "
                                    "coordinates", k + 1);
            heat = true;
        }
        if (moves_pixels(ops[k].kind))
            moved = true;
    }
    /* spans must nest: a child subtree may not reach past its parent's end */
    for (int k = 0; k < n; k++) {
        if (ops[k].kind != GZ_AUG_RANDOM_APPLY)
            continue;
        int end = k + ops[k].span;
        for (int j = k + 1; j <= end; j++)
            if (ops[j].kind == GZ_AUG_RANDOM_APPLY && j + ops[j].span > end)
                return gz_error_set(GZ_ERR_ARG, "op %d: random_apply span crosses its parent's",
                                    j + 1);
    }
    gz_aug_pipeline *p = gz_malloc(sizeof *p + sizeof(gz_aug_op) * (size_t)(n > 0 ? n : 1));
    if (!p)
        return GZ_ERR_NOMEM;
    p->n = n;
    p->uses_heat = heat;
    if (n > 0)
        memcpy(p->ops, ops, sizeof(gz_aug_op) * (size_t)n);
    *out = p;
    return GZ_OK;
}

void gz_aug_pipeline_free(gz_aug_pipeline *p)
{
    free(p);
}

int gz_aug_pipeline_size(const gz_aug_pipeline *p)
{
    return p->n;
}

const gz_aug_op *gz_aug_pipeline_op(const gz_aug_pipeline *p, int k)
{
    return (k >= 0 && k < p->n) ? &p->ops[k] : NULL;
}

bool gz_aug_pipeline_uses_heat(const gz_aug_pipeline *p)
{
    return p->uses_heat;
}

static void resize_size(const gz_aug_op *op, int h, int w, int *oh, int *ow)
{
    if (op->width > 0) {
        *oh = op->height, *ow = op->width;
        return;
    }
    /* shorter side becomes `height` (torchvision Resize(int)) */
    if (h <= w) {
        *oh = op->height;
        *ow = (int)((double)op->height * (double)w / (double)h);
    } else {
        *ow = op->height;
        *oh = (int)((double)op->height * (double)h / (double)w);
    }
    if (*oh < 1) *oh = 1;
    if (*ow < 1) *ow = 1;
}

void gz_aug_pipeline_out_size(const gz_aug_pipeline *p, int in_h, int in_w, int *out_h, int *out_w)
{
    int h = in_h, w = in_w;
    for (int k = 0; k < p->n; k++) {
        const gz_aug_op *op = &p->ops[k];
        switch (op->kind) {
        case GZ_AUG_RANDOM_RESIZED_CROP:
        case GZ_AUG_GAZE_CROP:
        case GZ_AUG_CENTER_CROP:
            h = op->height, w = op->width;
            break;
        case GZ_AUG_RESIZE:
            resize_size(op, h, w, &h, &w);
            break;
        default:
            break;
        }
    }
    *out_h = h;
    *out_w = w;
}

uint64_t gz_aug_stream(uint64_t epoch, uint64_t index, uint64_t view)
{
    return gz_rng_stream(GZ_AUG_STREAM_PURPOSE, epoch, index, view);
}

/* ---- workspace ---- */

typedef struct buf {
    void *p;
    size_t cap; /* bytes */
} buf;

struct gz_aug_work {
    buf img[2], tmp, wts, idx, sat;
};

gz_status gz_aug_work_new(gz_aug_work **out)
{
    *out = gz_calloc(1, sizeof(gz_aug_work));
    return *out ? GZ_OK : GZ_ERR_NOMEM;
}

void gz_aug_work_free(gz_aug_work *w)
{
    if (!w)
        return;
    free(w->img[0].p);
    free(w->img[1].p);
    free(w->tmp.p);
    free(w->wts.p);
    free(w->idx.p);
    free(w->sat.p);
    free(w);
}

static void *grow(buf *b, int64_t n, size_t elem)
{
    if (n < 1) n = 1;
    if ((uint64_t)n > SIZE_MAX / elem / 2) {
        gz_error_set(GZ_ERR_LIMIT, "augment: buffer of %lld elements is too large", (long long)n);
        return NULL;
    }
    size_t need = (size_t)n * elem;
    if (need <= b->cap)
        return b->p;
    size_t cap = need + need / 4;
    void *p = realloc(b->p, cap);
    if (!p) {
        gz_error_set(GZ_ERR_NOMEM, "augment: out of memory (%zu bytes)", cap);
        return NULL;
    }
    b->p = p;
    b->cap = cap;
    return p;
}

/* ---- application ---- */

typedef struct state {
    gz_aug_image cur;   /* current image (may be the read-only source) */
    bool owned;         /* cur.data is one of the work buffers */
    int which;          /* the work buffer cur uses, when owned */
    const gz_aug_image *heat;
    bool sat_ready;
    int64_t hh, hw;
    gz_aug_work *w;
    uint64_t seed, stream;
} state;

/* A buffer for the next image that is not the current one. */
static float *other(state *s, int64_t n, int *which)
{
    int k = s->owned ? 1 - s->which : 0;
    float *p = grow(&s->w->img[k], n, sizeof(float));
    *which = k;
    return p;
}

static gz_status writable(state *s)
{
    if (s->owned)
        return GZ_OK;
    int64_t n = (int64_t)s->cur.c * s->cur.h * s->cur.w;
    int k;
    float *p = other(s, n, &k);
    if (!p)
        return GZ_ERR_NOMEM;
    memcpy(p, s->cur.data, sizeof(float) * (size_t)n);
    s->cur.data = p;
    s->owned = true;
    s->which = k;
    return GZ_OK;
}

static gz_status crop_resize(state *s, int top, int left, int ch, int cw, int oh, int ow,
                             gz_interp interp, bool antialias)
{
    int c = s->cur.c;
    if ((int64_t)oh * ow * c > (int64_t)1 << 31)
        return gz_error_set(GZ_ERR_LIMIT, "augment: output %d x %d x %d is too large", c, oh, ow);
    int taps = gz_aug_resample_taps(ch, cw, oh, ow, interp, antialias);
    float *tmp = grow(&s->w->tmp, (int64_t)c * ch * ow, sizeof(float));
    float *wts = tmp ? grow(&s->w->wts, (int64_t)(ow + oh) * taps, sizeof(float)) : NULL;
    int *idx = wts ? grow(&s->w->idx, (int64_t)(ow + oh) * 2, sizeof(int)) : NULL;
    int k;
    float *dst = idx ? other(s, (int64_t)c * oh * ow, &k) : NULL;
    if (!dst)
        return GZ_ERR_NOMEM;
    gz_aug_resample(s->cur.data, c, s->cur.h, s->cur.w, top, left, ch, cw, dst, oh, ow, interp,
                    antialias, tmp, wts, idx);
    s->cur.data = dst;
    s->cur.h = oh;
    s->cur.w = ow;
    s->owned = true;
    s->which = k;
    return GZ_OK;
}

static gz_status center_crop(state *s, int oh, int ow)
{
    int c = s->cur.c, h = s->cur.h, w = s->cur.w;
    int top = (int)nearbyint((double)(h - oh) / 2.0);
    int left = (int)nearbyint((double)(w - ow) / 2.0);
    int k;
    float *dst = other(s, (int64_t)c * oh * ow, &k);
    if (!dst)
        return GZ_ERR_NOMEM;
    for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < oh; y++) {
            float *d = dst + ((int64_t)ch * oh + y) * ow;
            int sy = y + top;
            if (sy < 0 || sy >= h) {
                memset(d, 0, sizeof(float) * (size_t)ow);
                continue;
            }
            const float *srow = s->cur.data + ((int64_t)ch * h + sy) * w;
            for (int x = 0; x < ow; x++) {
                int sx = x + left;
                d[x] = (sx >= 0 && sx < w) ? srow[sx] : 0.0f;
            }
        }
    }
    s->cur.data = dst;
    s->cur.h = oh;
    s->cur.w = ow;
    s->owned = true;
    s->which = k;
    return GZ_OK;
}

static gz_status run_ops(const gz_aug_pipeline *p, int k0, int k1, state *s);

static gz_status run_op(const gz_aug_pipeline *p, int k, state *s, int *next)
{
    const gz_aug_op *op = &p->ops[k];
    *next = k + 1 + (op->kind == GZ_AUG_RANDOM_APPLY ? op->span : 0);
    gz_rng r;
    gz_rng_init(&r, s->seed, gz_rng_stream(s->stream, (uint64_t)k + 1, 0, 0));
    if (op->p < 1.0 && !(gz_rng_double(&r) < op->p))
        return GZ_OK;
    int c = s->cur.c, h = s->cur.h, w = s->cur.w;
    gz_status st = GZ_OK;
    switch (op->kind) {
    case GZ_AUG_RANDOM_RESIZED_CROP: {
        int top, left, ch, cw;
        gz_aug_rrc_params(&r, h, w, op->scale, op->ratio, op->attempts, &top, &left, &ch, &cw);
        return crop_resize(s, top, left, ch, cw, op->height, op->width, op->interp,
                           op->antialias);
    }
    case GZ_AUG_GAZE_CROP: {
        const double *sat = NULL;
        int hh = 0, hw = 0;
        if (s->heat && s->heat->h > 0 && s->heat->w > 0) {
            hh = s->heat->h, hw = s->heat->w;
            double *b = grow(&s->w->sat, (int64_t)(hh + 1) * (hw + 1), sizeof(double));
            if (!b)
                return GZ_ERR_NOMEM;
            if (!s->sat_ready)
                gz_aug_sat(s->heat->data, hh, hw, b);
            s->sat_ready = true;
            sat = b;
        }
        int top, left, ch, cw;
        double mass;
        gz_aug_gaze_crop_params(&r, h, w, sat, hh, hw, op->scale, op->ratio, op->attempts,
                                op->min_mass, &top, &left, &ch, &cw, &mass);
        return crop_resize(s, top, left, ch, cw, op->height, op->width, op->interp,
                           op->antialias);
    }
    case GZ_AUG_RESIZE: {
        int oh, ow;
        resize_size(op, h, w, &oh, &ow);
        if (oh == h && ow == w)
            return GZ_OK;
        return crop_resize(s, 0, 0, h, w, oh, ow, op->interp, op->antialias);
    }
    case GZ_AUG_CENTER_CROP:
        return center_crop(s, op->height, op->width);
    case GZ_AUG_HFLIP:
        if ((st = writable(s)))
            return st;
        gz_aug_hflip(s->cur.data, c, h, w);
        return GZ_OK;
    case GZ_AUG_VFLIP:
        if ((st = writable(s)))
            return st;
        gz_aug_vflip(s->cur.data, c, h, w);
        return GZ_OK;
    case GZ_AUG_ROTATE: {
        double deg = op->degrees[0] == op->degrees[1]
                         ? op->degrees[0]
                         : gz_rng_range(&r, op->degrees[0], op->degrees[1]);
        int kk;
        float *dst = other(s, (int64_t)c * h * w, &kk);
        if (!dst)
            return GZ_ERR_NOMEM;
        gz_aug_rotate(s->cur.data, dst, c, h, w, deg, op->interp, (float)op->fill);
        s->cur.data = dst;
        s->owned = true;
        s->which = kk;
        return GZ_OK;
    }
    case GZ_AUG_COLOR_JITTER: {
        /* torchvision: a random order of the four ops (randperm), then one
         * factor per enabled op in the order b, c, s, h */
        int order[4] = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = (int)gz_rng_below(&r, (uint64_t)i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        const double *rg[4] = {op->brightness, op->contrast, op->saturation, op->hue};
        bool on[4];
        double f[4];
        for (int i = 0; i < 4; i++) {
            double off = i == 3 ? 0.0 : 1.0;
            on[i] = !(rg[i][0] == off && rg[i][1] == off);
            f[i] = on[i] ? (rg[i][0] == rg[i][1] ? rg[i][0] : gz_rng_range(&r, rg[i][0], rg[i][1]))
                         : off;
        }
        if ((st = writable(s)))
            return st;
        gz_aug_jitter(s->cur.data, c, h, w, order, on, f);
        return GZ_OK;
    }
    case GZ_AUG_GRAYSCALE:
        if ((st = writable(s)))
            return st;
        gz_aug_grayscale(s->cur.data, c, h, w);
        return GZ_OK;
    case GZ_AUG_GAUSSIAN_BLUR: {
        double sigma = op->sigma[0] == op->sigma[1] ? op->sigma[0]
                                                    : gz_rng_range(&r, op->sigma[0], op->sigma[1]);
        float *tmp = grow(&s->w->tmp, (int64_t)h * w, sizeof(float));
        if (!tmp || (st = writable(s)))
            return tmp ? st : GZ_ERR_NOMEM;
        gz_aug_blur(s->cur.data, c, h, w, sigma, tmp);
        return GZ_OK;
    }
    case GZ_AUG_SOLARIZE:
        if ((st = writable(s)))
            return st;
        gz_aug_solarize(s->cur.data, c, h, w, op->threshold);
        return GZ_OK;
    case GZ_AUG_NORMALIZE:
        if (op->nmean != 1 && op->nmean != c)
            return gz_error_set(GZ_ERR_ARG, "normalize: %d means for an image with %d channels",
                                op->nmean, c);
        if ((st = writable(s)))
            return st;
        gz_aug_normalize(s->cur.data, c, h, w, op->mean, op->std, op->nmean);
        return GZ_OK;
    case GZ_AUG_RANDOM_APPLY:
        return run_ops(p, k + 1, k + 1 + op->span, s);
    case GZ_AUG_KIND_COUNT:
        break;
    }
    return gz_error_set(GZ_ERR_INTERNAL, "augment: bad op kind %d", (int)op->kind);
}

static gz_status run_ops(const gz_aug_pipeline *p, int k0, int k1, state *s)
{
    int k = k0;
    while (k < k1) {
        int next;
        gz_status st = run_op(p, k, s, &next);
        if (st)
            return st;
        k = next;
    }
    return GZ_OK;
}

gz_status gz_aug_apply_work(const gz_aug_pipeline *p, const gz_aug_image *src,
                            const gz_aug_image *heat, uint64_t seed, uint64_t stream,
                            gz_aug_work *w, gz_aug_image *out)
{
    if (src->c < 1 || src->h < 1 || src->w < 1)
        return gz_error_set(GZ_ERR_ARG, "augment: empty image %d x %d x %d", src->c, src->h,
                            src->w);
    state s = {.cur = *src, .owned = false, .which = 0, .heat = heat, .sat_ready = false,
               .w = w, .seed = seed, .stream = stream};
    gz_status st = run_ops(p, 0, p->n, &s);
    if (st)
        return st;
    if (!s.owned && (st = writable(&s)))
        return st;
    *out = s.cur;
    return GZ_OK;
}

/* A contiguous float32 copy of t when needed (*tmp gets it for freeing). */
static gz_status as_f32(const gz_tensor *t, gz_tensor **tmp, const float **data)
{
    *tmp = NULL;
    if (t->dtype == GZ_F32 && gz_tensor_is_contiguous(t)) {
        *data = t->data;
        return GZ_OK;
    }
    gz_status st = gz_tensor_to(tmp, t, GZ_F32);
    if (st)
        return st;
    *data = (*tmp)->data;
    return GZ_OK;
}

gz_status gz_aug_apply(const gz_aug_pipeline *p, const gz_tensor *img, const gz_tensor *heat,
                       uint64_t seed, uint64_t stream, gz_tensor **out)
{
    *out = NULL;
    if (img->ndim != 3 || img->shape[0] < 1 || img->shape[0] > 4 || img->shape[1] < 1 ||
        img->shape[2] < 1 || img->shape[1] > GZ_AUG_MAX_SIDE || img->shape[2] > GZ_AUG_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG,
                            "augment: need a C x H x W image with 1 <= C <= 4 and sides <= %d",
                            GZ_AUG_MAX_SIDE);
    if (heat && (heat->ndim != 2 || heat->shape[0] < 1 || heat->shape[1] < 1 ||
                 heat->shape[0] > GZ_AUG_MAX_SIDE || heat->shape[1] > GZ_AUG_MAX_SIDE))
        return gz_error_set(GZ_ERR_ARG, "augment: the heat map must be H x W");
    gz_tensor *ti = NULL, *th = NULL;
    const float *di, *dh = NULL;
    gz_status st = as_f32(img, &ti, &di);
    if (!st && heat)
        st = as_f32(heat, &th, &dh);
    gz_aug_work *w = NULL;
    if (!st)
        st = gz_aug_work_new(&w);
    if (!st) {
        gz_aug_image src = {(float *)di, (int)img->shape[0], (int)img->shape[1],
                            (int)img->shape[2]};
        gz_aug_image hm = {(float *)dh, 1, heat ? (int)heat->shape[0] : 0,
                           heat ? (int)heat->shape[1] : 0};
        gz_aug_image res;
        st = gz_aug_apply_work(p, &src, heat ? &hm : NULL, seed, stream, w, &res);
        if (!st) {
            int64_t shape[3] = {res.c, res.h, res.w};
            st = gz_tensor_new(out, GZ_F32, 3, shape);
            if (!st)
                memcpy((*out)->data, res.data, sizeof(float) * (size_t)(res.c * res.h * res.w));
        }
    }
    gz_aug_work_free(w);
    gz_tensor_free(ti);
    gz_tensor_free(th);
    return st;
}

gz_status gz_aug_from_image(const gz_tensor *img, int channels, gz_tensor **out)
{
    *out = NULL;
    if (channels != 1 && channels != 3)
        return gz_error_set(GZ_ERR_ARG, "augment: channels must be 1 or 3, got %d", channels);
    if (!(img->ndim == 2 || (img->ndim == 3 && img->shape[2] >= 1 && img->shape[2] <= 4)))
        return gz_error_set(GZ_ERR_ARG, "augment: need an H x W or H x W x C image (C = 1..4)");
    int64_t h = img->shape[0], w = img->shape[1], cin = img->ndim == 3 ? img->shape[2] : 1;
    if (h < 1 || w < 1)
        return gz_error_set(GZ_ERR_ARG, "augment: empty image");
    gz_tensor *tmp;
    const float *d;
    gz_status st = as_f32(img, &tmp, &d);
    if (st)
        return st;
    int64_t shape[3] = {channels, h, w};
    st = gz_tensor_new(out, GZ_F32, 3, shape);
    if (st) {
        gz_tensor_free(tmp);
        return st;
    }
    float *o = (*out)->data;
    int64_t n = h * w;
    const float k = 1.0f / 255.0f;
    for (int64_t i = 0; i < n; i++) {
        const float *px = d + i * cin;
        if (cin >= 3) {
            if (channels == 1) {
                o[i] = (float)((0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2]) / 255.0);
            } else {
                o[i] = px[0] * k;
                o[n + i] = px[1] * k;
                o[2 * n + i] = px[2] * k;
            }
        } else {
            float v = px[0] * k;
            o[i] = v;
            if (channels == 3)
                o[n + i] = o[2 * n + i] = v;
        }
    }
    gz_tensor_free(tmp);
    return GZ_OK;
}

gz_status gz_aug_to_image(const gz_tensor *chw, gz_tensor **out)
{
    *out = NULL;
    if (chw->ndim != 3 || chw->shape[0] < 1 || chw->shape[0] > 4)
        return gz_error_set(GZ_ERR_ARG, "augment: need a C x H x W tensor with 1 <= C <= 4");
    gz_tensor *tmp;
    const float *d;
    gz_status st = as_f32(chw, &tmp, &d);
    if (st)
        return st;
    int64_t c = chw->shape[0], h = chw->shape[1], w = chw->shape[2];
    int64_t shape[3] = {h, w, c};
    st = gz_tensor_new(out, GZ_F32, 3, shape);
    if (!st) {
        float *o = (*out)->data;
        for (int64_t k = 0; k < c; k++)
            for (int64_t i = 0; i < h * w; i++)
                o[i * c + k] = d[k * h * w + i] * 255.0f;
    }
    gz_tensor_free(tmp);
    return st;
}
