/* Images of the synthetic reader study: textured breast tissue with masses,
 * panoramic-like rows of teeth, knee joints with narrowing joint space.
 *
 * Every scene is defined in normalised coordinates (u, v) in [0, 1]^2
 * (u to the right, v down) and sampled at pixel centres, so the image size
 * only changes the resolution. Nuisance variation (texture scale and
 * orientation, structure size and position, contrast, brightness, gamma)
 * is drawn for every item from its own stream, independently of the label
 * except where the label is the point (mass, tooth, gap). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define PI 3.14159265358979323846

static double clamp01(double x)
{
    return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
}

static double smoothstep(double e0, double e1, double x)
{
    double t = clamp01((x - e0) / (e1 - e0));
    return t * t * (3.0 - 2.0 * t);
}

static double fade(double t)
{
    return t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
}

/* ---- fractal value noise ------------------------------------------------ */

typedef struct fbm_params {
    double cells;   /* lattice cells across the image at the first octave */
    int octaves;
    double gain;    /* amplitude factor per octave */
    double angle;   /* orientation of the anisotropy */
    double aniso;   /* stretch factor (>= 1: structures elongated along angle) */
} fbm_params;

/* Adds amp * fbm(u, v) to out[S*S]; values of fbm lie in about [-1, 1].
 * Lattice values come from (seed, stream, sub = octave). */
static gz_status fbm_add(double *out, int S, double amp, uint64_t seed, uint64_t stream,
                         const fbm_params *f)
{
    double ca = cos(f->angle), sa = sin(f->angle);
    double norm = 0.0, a = 1.0;
    for (int o = 0; o < f->octaves; o++) {
        norm += a;
        a *= f->gain;
    }
    a = amp / norm;
    double freq = f->cells;
    for (int o = 0; o < f->octaves; o++) {
        /* rotated, stretched coordinates span at most |q| <= 0.71 * aniso */
        double span = 1.5 * f->aniso * freq;
        int L = (int)ceil(span) + 4;
        double *lat = gz_malloc((size_t)L * (size_t)L * sizeof(double));
        if (!lat)
            return GZ_ERR_NOMEM;
        gz_rng r;
        gz_rng_init(&r, seed, gz_rng_stream(stream, (uint64_t)o, 0, 0));
        for (int i = 0; i < L * L; i++)
            lat[i] = 2.0 * gz_rng_double(&r) - 1.0;
        double off = 1.0 + gz_rng_double(&r);
        for (int py = 0; py < S; py++) {
            double v = ((double)py + 0.5) / (double)S - 0.5;
            for (int px = 0; px < S; px++) {
                double u = ((double)px + 0.5) / (double)S - 0.5;
                double qx = (ca * u + sa * v) / f->aniso, qy = -sa * u + ca * v;
                double gx = (qx + 0.75 * f->aniso) * freq + off;
                double gy = (qy + 0.75 * f->aniso) * freq + off;
                int ix = (int)floor(gx), iy = (int)floor(gy);
                if (ix < 0) ix = 0;
                if (iy < 0) iy = 0;
                if (ix > L - 2) ix = L - 2;
                if (iy > L - 2) iy = L - 2;
                double tx = fade(clamp01(gx - ix)), ty = fade(clamp01(gy - iy));
                const double *row0 = lat + iy * L + ix, *row1 = row0 + L;
                double top = row0[0] + (row0[1] - row0[0]) * tx;
                double bot = row1[0] + (row1[1] - row1[0]) * tx;
                out[py * S + px] += a * (top + (bot - top) * ty);
            }
        }
        free(lat);
        freq *= 2.0;
        a *= f->gain;
    }
    return GZ_OK;
}

/* Final grey mapping shared by all kinds: gamma, contrast, brightness and
 * a little pixel noise, then 0..255 rounded. */
static void tone_map(double *v, int S, gz_rng *r, uint64_t seed, uint64_t pixel_stream,
                     double noise_sd)
{
    double gamma = gz_rng_range(r, 0.8, 1.25);
    double contrast = gz_rng_range(r, 0.75, 1.25);
    double bright = gz_rng_range(r, -0.08, 0.08);
    gz_rng pr;
    gz_rng_init(&pr, seed, pixel_stream);
    for (int i = 0; i < S * S; i++) {
        double x = pow(clamp01(v[i]), gamma);
        x = (x - 0.5) * contrast + 0.5 + bright + noise_sd * gz_rng_normal(&pr);
        v[i] = floor(clamp01(x) * 255.0 + 0.5);
    }
}

static void add_roi(synth_scene *sc, double x, double y, double r, synth_roi_kind kind,
                    double weight)
{
    if (sc->nroi >= SYNTH_MAX_ROI)
        return;
    synth_roi *o = &sc->roi[sc->nroi++];
    o->x = x;
    o->y = y;
    o->r = r;
    o->kind = kind;
    o->weight = weight;
}

/* ---- mammo -------------------------------------------------------------- */

static gz_status mammo(const gz_synth_params *p, int64_t index, int label, double *v,
                       synth_scene *sc)
{
    int S = p->size;
    gz_rng r;
    gz_rng_init(&r, p->seed, synth_stream(p->kind, index, SYNTH_P_SCENE, 0));
    gz_status st;
    double *tex = gz_calloc((size_t)S * (size_t)S, sizeof(double));
    double *fine = gz_calloc((size_t)S * (size_t)S, sizeof(double));
    if (!tex || !fine) {
        free(tex);
        free(fine);
        return GZ_ERR_NOMEM;
    }
    fbm_params tf = {gz_rng_range(&r, 2.5, 6.0), 5, gz_rng_range(&r, 0.5, 0.62),
                     gz_rng_range(&r, 0.0, PI), gz_rng_range(&r, 1.0, 2.4)};
    fbm_params ff = {tf.cells * 4.0, 2, 0.5, 0.0, 1.0};
    if ((st = fbm_add(tex, S, 1.0, p->seed, synth_stream(p->kind, index, SYNTH_P_TEXTURE, 0), &tf)) ||
        (st = fbm_add(fine, S, 1.0, p->seed, synth_stream(p->kind, index, SYNTH_P_TEXTURE, 1), &ff))) {
        free(tex);
        free(fine);
        return st;
    }
    double density = gz_rng_range(&r, 0.35, 0.6);
    double tex_amp = gz_rng_range(&r, 0.22, 0.38);
    /* breast edge: a skin line (circle arc) on half of the patches */
    int has_edge = gz_rng_double(&r) < 0.5;
    int chest_left = gz_rng_double(&r) < 0.5;
    double edge = gz_rng_range(&r, 0.6, 0.92);
    double R = gz_rng_range(&r, 0.7, 1.8);
    double ecy = gz_rng_range(&r, 0.2, 0.8);
#define MAMMO_INSIDE(u_, v_)                                                              \
    (has_edge ? R - hypot((chest_left ? (u_) : 1.0 - (u_)) - (edge - R), (v_) - ecy) : 1.0)
    /* broad, low-contrast dense islands in every class (distractors) */
    int nisl = (int)gz_rng_below(&r, 3);
    double isl_x[2], isl_y[2], isl_r[2], isl_a[2];
    for (int k = 0; k < 2; k++) {
        isl_x[k] = gz_rng_range(&r, 0.15, 0.85);
        isl_y[k] = gz_rng_range(&r, 0.15, 0.85);
        isl_r[k] = gz_rng_range(&r, 0.08, 0.18);
        isl_a[k] = gz_rng_range(&r, 0.05, 0.12);
    }
    /* the mass (drawn for every item so that the nuisance draws line up) */
    double mx = 0.5, my = 0.5;
    for (int tries = 0; tries < 64; tries++) {
        mx = gz_rng_range(&r, 0.2, 0.8);
        my = gz_rng_range(&r, 0.2, 0.8);
        if (MAMMO_INSIDE(mx, my) > 0.18)
            break;
    }
    double r0 = gz_rng_range(&r, 0.07, 0.14);
    double amp = gz_rng_range(&r, 0.12, 0.24);
    double ell = gz_rng_range(&r, 0.7, 1.0), rot = gz_rng_range(&r, 0.0, PI);
    double harm_a[6], harm_p[6];
    for (int k = 0; k < 6; k++) {
        harm_a[k] = gz_rng_range(&r, 0.0, 0.14);
        harm_p[k] = gz_rng_range(&r, 0.0, 2.0 * PI);
    }
    int nsp = 7 + (int)gz_rng_below(&r, 8);
    double sp_t[14], sp_l[14], sp_w[14];
    for (int k = 0; k < 14; k++) {
        sp_t[k] = gz_rng_range(&r, 0.0, 2.0 * PI);
        sp_l[k] = r0 * gz_rng_range(&r, 1.6, 2.8);
        sp_w[k] = gz_rng_range(&r, 0.008, 0.016);
    }
    double cr = cos(rot), sr = sin(rot);
    for (int py = 0; py < S; py++) {
        double y = ((double)py + 0.5) / (double)S;
        for (int px = 0; px < S; px++) {
            double x = ((double)px + 0.5) / (double)S;
            int i = py * S + px;
            double inside = MAMMO_INSIDE(x, y);
            double mask = smoothstep(-0.012, 0.012, inside);
            double fall = has_edge ? smoothstep(0.0, 0.28, inside) : 1.0;
            double t = density * (0.5 + 0.5 * fall) + tex_amp * fall * tex[i] + 0.05 * fine[i];
            for (int k = 0; k < nisl; k++) {
                double d = hypot(x - isl_x[k], y - isl_y[k]) / isl_r[k];
                t += isl_a[k] * exp(-2.0 * d * d);
            }
            if (label > 0) {
                double dx = x - mx, dy = y - my;
                double prof;
                if (label == 1) {
                    double ax = (cr * dx + sr * dy) / r0, ay = (-sr * dx + cr * dy) / (r0 * ell);
                    double rho = sqrt(ax * ax + ay * ay);
                    prof = (1.0 - smoothstep(0.8, 1.12, rho)) * (0.85 + 0.15 * clamp01(1.0 - rho * rho));
                } else {
                    double th = atan2(dy, dx), rad = 1.0;
                    for (int k = 0; k < 6; k++)
                        rad += harm_a[k] * cos((double)(k + 2) * th + harm_p[k]);
                    double rho = hypot(dx, dy) / (r0 * rad) + 0.12 * fine[i];
                    prof = 1.0 - smoothstep(0.92, 1.04, rho);
                    double spic = 0.0;
                    double d0 = hypot(dx, dy);
                    for (int k = 0; k < nsp && d0 < r0 * 3.0; k++) {
                        double along = dx * cos(sp_t[k]) + dy * sin(sp_t[k]);
                        double perp = -dx * sin(sp_t[k]) + dy * cos(sp_t[k]);
                        double a0 = 0.6 * r0;
                        if (along < a0 || along > sp_l[k])
                            continue;
                        double fadeout = 1.0 - (along - a0) / (sp_l[k] - a0);
                        double w = sp_w[k] * (0.4 + 0.6 * fadeout);
                        double s = exp(-(perp * perp) / (w * w)) * fadeout;
                        if (s > spic)
                            spic = s;
                    }
                    prof = fmax(prof, 0.75 * spic);
                }
                t += amp * prof * (1.0 + 0.4 * fine[i]);
            }
            v[i] = mask * t + (1.0 - mask) * (0.04 + 0.01 * fine[i]);
        }
    }
    tone_map(v, S, &r, p->seed, synth_stream(p->kind, index, SYNTH_P_TEXTURE, 9), 0.012);
    free(tex);
    free(fine);

    /* survey area: the tissue part of the patch */
    sc->bx0 = 0.05;
    sc->by0 = 0.05;
    sc->bx1 = 0.95;
    sc->by1 = 0.95;
    if (has_edge) {
        double reach = edge + 0.02;
        if (reach < 0.95) {
            if (chest_left)
                sc->bx1 = reach;
            else
                sc->bx0 = 1.0 - reach;
        }
    }
    sc->finding = -1;
    if (label > 0) {
        sc->finding = sc->nroi;
        add_roi(sc, mx, my, label == 1 ? r0 : r0 * 1.6, ROI_FINDING, label == 1 ? 1.0 : 1.5);
    }
    for (int k = 0; k < 2; k++) {
        double dx = isl_x[k], dy = isl_y[k];
        if (k >= nisl) { /* no island: a plain textured spot still catches a noisy eye */
            dx = gz_rng_range(&r, sc->bx0 + 0.1, sc->bx1 - 0.1);
            dy = gz_rng_range(&r, 0.15, 0.85);
        }
        add_roi(sc, dx, dy, isl_r[k] * 0.6, ROI_DISTRACTOR, 0.8);
    }
#undef MAMMO_INSIDE
    return GZ_OK;
}

/* ---- dental ------------------------------------------------------------- */

typedef struct tooth {
    double bx, by;     /* centre of the crown tip (occlusal end) */
    double ax, ay;     /* unit axis from crown tip towards the apex */
    double w, ch, rl;  /* width, crown height, root length */
    double lesion_r, lesion_depth, caries;
} tooth;

/* Grey value and coverage of a tooth at (x, y); returns coverage 0..1. */
static double tooth_eval(const tooth *t, double x, double y, double edge, double *grey)
{
    double dx = x - t->bx, dy = y - t->by;
    double along = dx * t->ax + dy * t->ay;       /* 0 at the crown tip */
    double across = -dx * t->ay + dy * t->ax;
    double len = t->ch + t->rl;
    if (along < -edge || along > len + edge)
        return 0.0;
    double half;
    if (along < t->ch) {
        double tip = 0.3 * t->ch;
        half = 0.5 * t->w;
        if (along < tip) {
            double q = (tip - along) / tip;
            half *= sqrt(fmax(0.0, 1.0 - q * q * 0.85));
        }
    } else {
        double q = (along - t->ch) / t->rl;
        half = 0.5 * t->w * (0.86 - 0.56 * q);
        if (q > 0.85)
            half *= sqrt(fmax(0.0, 1.0 - (q - 0.85) / 0.15 * 0.9));
    }
    double cover = 1.0 - smoothstep(half - edge, half + edge, fabs(across));
    cover *= smoothstep(-edge, edge, along) * (1.0 - smoothstep(len - edge, len + edge, along));
    if (cover <= 0.0)
        return 0.0;
    double g = along < 0.88 * t->ch ? 0.93 : 0.72;
    /* pulp canal */
    if (along > 0.35 * t->ch && along < len * 0.93) {
        double pw = 0.11 * t->w * (along < t->ch ? 1.6 : 1.0);
        g -= 0.2 * (1.0 - smoothstep(pw * 0.6, pw, fabs(across)));
    }
    if (t->caries > 0.0) {
        double cd = hypot(along - 0.35 * t->ch, across - 0.22 * t->w) / (0.2 * t->w);
        g -= t->caries * (1.0 - smoothstep(0.6, 1.0, cd));
    }
    *grey = g;
    return cover;
}

static gz_status dental(const gz_synth_params *p, int64_t index, int label, double *v,
                        synth_scene *sc)
{
    int S = p->size;
    gz_rng r;
    gz_rng_init(&r, p->seed, synth_stream(p->kind, index, SYNTH_P_SCENE, 0));
    double *tex = gz_calloc((size_t)S * (size_t)S, sizeof(double));
    if (!tex)
        return GZ_ERR_NOMEM;
    fbm_params tf = {gz_rng_range(&r, 3.0, 7.0), 4, 0.55, gz_rng_range(&r, 0.0, PI),
                     gz_rng_range(&r, 1.0, 1.8)};
    gz_status st = fbm_add(tex, S, 1.0, p->seed, synth_stream(p->kind, index, SYNTH_P_TEXTURE, 0), &tf);
    if (st) {
        free(tex);
        return st;
    }
    int nt = 7 + (int)gz_rng_below(&r, 4);
    double x0 = gz_rng_range(&r, 0.03, 0.1), x1 = gz_rng_range(&r, 0.9, 0.97);
    double pitch = (x1 - x0) / nt;
    double tw = pitch * gz_rng_range(&r, 0.78, 0.9);
    double yc = gz_rng_range(&r, 0.44, 0.56), curv = gz_rng_range(&r, 0.06, 0.3);
    double occ = gz_rng_range(&r, 0.012, 0.035);
    double ch = gz_rng_range(&r, 0.07, 0.1), rl = gz_rng_range(&r, 0.13, 0.19);
    double soft = gz_rng_range(&r, 0.14, 0.24), bone = gz_rng_range(&r, 0.34, 0.44);
    /* the abnormal tooth (drawn for every item) */
    int arow = (int)gz_rng_below(&r, 2), ak = 1 + (int)gz_rng_below(&r, (uint64_t)(nt - 2));
    double d_rot = gz_rng_range(&r, 18.0, 35.0) * PI / 180.0 * (gz_rng_double(&r) < 0.5 ? -1.0 : 1.0);
    double d_deep = gz_rng_range(&r, 0.25, 0.6) * ch;
    double d_side = gz_rng_range(&r, 0.15, 0.35) * pitch * (gz_rng_double(&r) < 0.5 ? -1.0 : 1.0);
    double l_r = gz_rng_range(&r, 0.5, 0.75) * tw, l_depth = gz_rng_range(&r, 0.12, 0.22);
    double l_caries = gz_rng_double(&r) < 0.6 ? gz_rng_range(&r, 0.2, 0.35) : 0.0;
    /* molars at the ends are wider than the incisors in the middle */
    double wsum = 0.0, wk[16], ck[16];
    for (int k = 0; k < nt; k++) {
        wk[k] = 0.75 + 0.7 * pow(fabs(2.0 * ((double)k + 0.5) / nt - 1.0), 1.5);
        wsum += wk[k];
    }
    for (int k = 0; k < nt; k++) {
        double before = 0.0;
        for (int j = 0; j < k; j++)
            before += wk[j];
        ck[k] = x0 + (x1 - x0) * (before + 0.5 * wk[k]) / wsum;
        wk[k] = (x1 - x0) * wk[k] / wsum / pitch; /* relative to the mean pitch */
    }
    tooth teeth[32];
    int n = 0;
    for (int row = 0; row < 2; row++) {
        for (int k = 0; k < nt; k++) {
            tooth *t = &teeth[n++];
            double uc = ck[k];
            double slope = 2.0 * curv * (uc - 0.5);
            double tilt = atan(slope) + gz_rng_range(&r, -0.07, 0.07);
            double sgn = row == 0 ? -1.0 : 1.0; /* upper teeth grow upwards */
            t->ax = -sin(tilt) * sgn;
            t->ay = cos(tilt) * sgn;
            double yocc = yc + curv * (uc - 0.5) * (uc - 0.5);
            t->bx = uc;
            t->by = yocc + sgn * occ * 0.5;
            t->w = tw * wk[k] * gz_rng_range(&r, 0.94, 1.06);
            t->ch = ch * gz_rng_range(&r, 0.93, 1.07);
            t->rl = rl * gz_rng_range(&r, 0.9, 1.1);
            t->lesion_r = 0.0;
            t->lesion_depth = 0.0;
            t->caries = 0.0;
            double cx = t->bx + t->ax * (t->ch * 0.5), cy = t->by + t->ay * (t->ch * 0.5);
            if (row == 0) {
                sc->upper_x[k] = cx;
                sc->upper_y[k] = cy;
            } else {
                sc->lower_x[k] = cx;
                sc->lower_y[k] = cy;
            }
            if (row == arow && k == ak && label == 1) {
                double a = tilt + d_rot;
                t->ax = -sin(a) * sgn;
                t->ay = cos(a) * sgn;
                t->bx += d_side + t->ax * d_deep;
                t->by += t->ay * d_deep;
            }
            if (row == arow && k == ak && label == 2) {
                t->lesion_r = l_r;
                t->lesion_depth = l_depth;
                t->caries = l_caries;
            }
        }
    }
    sc->nteeth = nt;
    double edge = fmax(0.8 / (double)S, 0.003);
    for (int py = 0; py < S; py++) {
        double y = ((double)py + 0.5) / (double)S;
        for (int px = 0; px < S; px++) {
            double x = ((double)px + 0.5) / (double)S;
            int i = py * S + px;
            double yocc = yc + curv * (x - 0.5) * (x - 0.5);
            double off = fabs(y - yocc);
            /* jaw bone around the roots, dark gap between the arches */
            double jaw = smoothstep(occ * 0.5 + ch * 0.5, occ * 0.5 + ch * 0.9, off) *
                         (1.0 - smoothstep(occ * 0.5 + ch + rl + 0.04, occ * 0.5 + ch + rl + 0.1, off));
            double inside_x = smoothstep(x0 - 0.06, x0, x) * (1.0 - smoothstep(x1, x1 + 0.06, x));
            double g = soft * (0.8 + 0.2 * smoothstep(0.0, 0.3, off)) + 0.06 * tex[i];
            g += (bone - soft) * jaw * inside_x * (1.0 + 0.35 * tex[i]);
            for (int k = 0; k < n; k++) {
                const tooth *t = &teeth[k];
                if (fabs(x - t->bx) > t->ch + t->rl + 0.05 || fabs(y - t->by) > t->ch + t->rl + 0.05)
                    continue;
                double tg = 0.0;
                double c = tooth_eval(t, x, y, edge, &tg);
                if (c > 0.0)
                    g = g * (1.0 - c) + c * (tg + 0.04 * tex[i]);
                if (t->lesion_r > 0.0) {
                    double len = t->ch + t->rl;
                    double lx = t->bx + t->ax * len, ly = t->by + t->ay * len;
                    double d = hypot(x - lx, y - ly) / t->lesion_r;
                    g -= t->lesion_depth * (1.0 - smoothstep(0.25, 1.0, d));
                }
            }
            v[i] = g;
        }
    }
    tone_map(v, S, &r, p->seed, synth_stream(p->kind, index, SYNTH_P_TEXTURE, 9), 0.012);
    free(tex);

    sc->bx0 = x0;
    sc->bx1 = x1;
    sc->by0 = clamp01(yc - occ - ch - rl);
    sc->by1 = clamp01(yc + curv * 0.2 + occ + ch + rl);
    sc->finding = -1;
    const tooth *t = &teeth[arow * nt + ak];
    if (label == 1) {
        double mid = (t->ch + t->rl) * 0.4;
        sc->finding = sc->nroi;
        add_roi(sc, t->bx + t->ax * mid, t->by + t->ay * mid, (t->ch + t->rl) * 0.5, ROI_FINDING, 1.0);
    } else if (label == 2) {
        double len = t->ch + t->rl;
        sc->finding = sc->nroi;
        add_roi(sc, t->bx + t->ax * len * 0.92, t->by + t->ay * len * 0.92, l_r * 1.2, ROI_FINDING, 1.3);
    }
    /* a neighbour of the abnormal tooth (used for comparisons) and a random
     * tooth as a distractor */
    int nb = ak + 1 < nt ? ak + 1 : ak - 1;
    const tooth *tn = &teeth[arow * nt + nb];
    add_roi(sc, tn->bx + tn->ax * (tn->ch + tn->rl) * 0.4, tn->by + tn->ay * (tn->ch + tn->rl) * 0.4,
            (tn->ch + tn->rl) * 0.5, ROI_LANDMARK, 0.5);
    int dk = (int)gz_rng_below(&r, (uint64_t)(2 * nt));
    const tooth *td = &teeth[dk];
    add_roi(sc, td->bx + td->ax * (td->ch + td->rl) * 0.5, td->by + td->ay * (td->ch + td->rl) * 0.5,
            (td->ch + td->rl) * 0.4, ROI_DISTRACTOR, 0.8);
    return GZ_OK;
}

/* ---- knee --------------------------------------------------------------- */

static gz_status knee(const gz_synth_params *p, int64_t index, int label, double *v,
                      synth_scene *sc)
{
    int S = p->size;
    gz_rng r;
    gz_rng_init(&r, p->seed, synth_stream(p->kind, index, SYNTH_P_SCENE, 0));
    double *tex = gz_calloc((size_t)S * (size_t)S, sizeof(double));
    double *soft_tex = gz_calloc((size_t)S * (size_t)S, sizeof(double));
    if (!tex || !soft_tex) {
        free(tex);
        free(soft_tex);
        return GZ_ERR_NOMEM;
    }
    fbm_params tf = {gz_rng_range(&r, 7.0, 13.0), 4, 0.6, PI / 2.0 + gz_rng_range(&r, -0.2, 0.2),
                     gz_rng_range(&r, 1.4, 2.6)};
    fbm_params sf = {gz_rng_range(&r, 2.0, 4.0), 3, 0.5, 0.0, 1.0};
    gz_status st;
    if ((st = fbm_add(tex, S, 1.0, p->seed, synth_stream(p->kind, index, SYNTH_P_TEXTURE, 0), &tf)) ||
        (st = fbm_add(soft_tex, S, 1.0, p->seed, synth_stream(p->kind, index, SYNTH_P_TEXTURE, 1), &sf))) {
        free(tex);
        free(soft_tex);
        return st;
    }
    static const double gap_factor[5] = {1.0, 0.85, 0.66, 0.44, 0.18};
    static const double osteo_size[5] = {0.0, 0.05, 0.09, 0.14, 0.2};
    int grade = label;
    double cx = gz_rng_range(&r, 0.42, 0.58), jl = gz_rng_range(&r, 0.44, 0.56);
    double hw = gz_rng_range(&r, 0.27, 0.35);
    int medial_left = gz_rng_double(&r) < 0.5;
    double g0 = gz_rng_range(&r, 0.07, 0.09) * hw / 0.31;
    double gm = g0 * gap_factor[grade] * exp(0.07 * gz_rng_normal(&r));
    double gl = g0 * (0.5 + 0.5 * gap_factor[grade]) * exp(0.07 * gz_rng_normal(&r));
    double bone = gz_rng_range(&r, 0.5, 0.62), soft = gz_rng_range(&r, 0.16, 0.24);
    double osz = osteo_size[grade] * hw * gz_rng_range(&r, 0.8, 1.2);
    int osteo_present = grade >= 2 || (grade == 1 && gz_rng_double(&r) < 0.5);
    double med = medial_left ? -1.0 : 1.0; /* sign of x on the medial side */
    for (int py = 0; py < S; py++) {
        double y = ((double)py + 0.5) / (double)S;
        for (int px = 0; px < S; px++) {
            double xu = ((double)px + 0.5) / (double)S;
            int i = py * S + px;
            double x = (xu - cx) / hw; /* -1..1 across the joint */
            double wm = smoothstep(-0.3, 0.3, x * med);
            double gap = gm * wm + gl * (1.0 - wm);
            double ax = fabs(x);
            double yf = jl - gap * 0.5 - 0.07 * hw * exp(-(x / 0.15) * (x / 0.15)) -
                        0.12 * hw * pow(fmax(0.0, ax - 0.7) / 0.3, 2.0);
            double spine = 0.045 * hw * (exp(-pow((x - 0.07) / 0.05, 2.0)) + exp(-pow((x + 0.07) / 0.05, 2.0)));
            double yt = jl + gap * 0.5 + 0.02 * hw * x * x - spine +
                        0.08 * hw * pow(fmax(0.0, ax - 0.85) / 0.15, 2.0);
            double fw = 0.62 + 0.38 * smoothstep(jl - 0.38, jl - 0.12, y);
            double tw = 0.66 + 0.32 * (1.0 - smoothstep(jl + 0.1, jl + 0.32, y));
            double e = fmax(0.8 / (double)S, 0.003);
            double fem = (1.0 - smoothstep(yf - e, yf + e, y)) * (1.0 - smoothstep(fw - e / hw, fw + e / hw, ax));
            double tib = smoothstep(yt - e, yt + e, y) * (1.0 - smoothstep(tw - e / hw, tw + e / hw, ax));
            /* fibular head on the lateral side */
            double fx = (xu - (cx - med * 0.86 * hw)) / (0.13 * hw), fy = (y - (jl + 0.16)) / 0.09;
            double fib = 1.0 - smoothstep(0.9, 1.1, sqrt(fx * fx + fy * fy));
            /* osteophytes: beaks at the medial margins (lateral too from grade 3) */
            double ost = 0.0;
            if (osteo_present && osz > 0.0) {
                for (int side = 0; side < 2; side++) {
                    double s = side == 0 ? med : -med;
                    double size = side == 0 ? osz : (grade >= 3 ? osz * 0.5 : 0.0);
                    if (size <= 0.0)
                        continue;
                    for (int bonei = 0; bonei < 2; bonei++) {
                        double by = bonei == 0 ? jl - gap * 0.5 - 0.01 : jl + gap * 0.5 + 0.01;
                        double bxp = cx + s * hw * (bonei == 0 ? 0.97 : 0.95);
                        double along = (xu - bxp) * s;     /* outwards */
                        double vert = (y - by) * (bonei == 0 ? 1.0 : -1.0); /* towards the gap */
                        if (along < -0.01 || along > size)
                            continue;
                        double q = clamp01(along / size);
                        double thick = 0.5 * size * (1.0 - q) + 0.004;
                        double centre = 0.25 * size * q; /* curls towards the joint */
                        double c = 1.0 - smoothstep(thick - e, thick + e, fabs(vert + thick * 0.3 - centre));
                        if (c > ost)
                            ost = c;
                    }
                }
            }
            double b = fmax(fmax(fem, tib), fmax(0.85 * fib, ost));
            double leg = 1.0 - smoothstep(1.3, 1.6, ax + 0.15 * soft_tex[i]);
            double bg = 0.06 + (soft - 0.06) * leg * (1.0 - 0.25 * x * x / 2.25) + 0.05 * soft_tex[i];
            double bv = bone + 0.1 * tex[i] + 0.08 * (1.0 - fmin(1.0, x * x));
            /* cortex and subchondral bone are brighter */
            double dsurf = fem > tib ? yf - y : y - yt;
            if (dsurf >= 0.0)
                bv += 0.1 * exp(-dsurf / 0.012);
            if (grade >= 3 && x * med > 0.0 && dsurf >= 0.0)
                bv += 0.07 * (grade - 2) * exp(-dsurf / 0.035);
            v[i] = bg * (1.0 - b) + bv * b;
        }
    }
    tone_map(v, S, &r, p->seed, synth_stream(p->kind, index, SYNTH_P_TEXTURE, 9), 0.012);
    free(tex);
    free(soft_tex);

    sc->bx0 = clamp01(cx - hw * 1.1);
    sc->bx1 = clamp01(cx + hw * 1.1);
    sc->by0 = clamp01(jl - 0.3);
    sc->by1 = clamp01(jl + 0.3);
    sc->knee_cx = cx;
    sc->knee_jl = jl;
    sc->knee_hw = hw;
    sc->medial_left = medial_left;
    sc->gap_px = 0.5 * (gm + gl) * (double)S;
    /* roi 0: medial compartment (the finding), 1: lateral compartment,
     * 2, 3: medial osteophytes (femur, tibia) */
    sc->finding = grade > 0 ? 0 : -1;
    add_roi(sc, cx + med * 0.5 * hw, jl, 0.25 * hw, ROI_FINDING, 1.0);
    add_roi(sc, cx - med * 0.5 * hw, jl, 0.25 * hw, ROI_LANDMARK, 0.6);
    add_roi(sc, cx + med * (0.97 * hw + 0.5 * osz), jl - 0.02, fmax(osz, 0.02), ROI_FINDING, 0.7);
    add_roi(sc, cx + med * (0.95 * hw + 0.5 * osz), jl + 0.02, fmax(osz, 0.02), ROI_FINDING, 0.7);
    return GZ_OK;
}

gz_status synth_scene_make(const gz_synth_params *p, int64_t index, int label, double *img,
                           synth_scene *scene)
{
    memset(scene, 0, sizeof *scene);
    scene->finding = -1;
    switch (p->kind) {
    case GZ_SYNTH_MAMMO: return mammo(p, index, label, img, scene);
    case GZ_SYNTH_DENTAL: return dental(p, index, label, img, scene);
    case GZ_SYNTH_KNEE: return knee(p, index, label, img, scene);
    }
    return gz_error_set(GZ_ERR_ARG, "synth: unknown kind %d", (int)p->kind);
}
