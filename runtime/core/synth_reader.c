/* The simulated reader of the synthetic reader study.
 *
 * A scanpath is built in normalised image coordinates: a survey phase
 * (a few fixations on a coarse grid over the anatomy, visited in
 * boustrophedon order from the centre), then class-dependent dwelling on
 * the findings (number of fixations, spread, durations, revisits), with
 * normal cases spread over the whole image. reader_noise q in [0, 1] sets
 *   P(miss the finding)          = 0.6 q
 *   P(dwell on a distractor)     = 0.5 q
 *   share of random fixations    = 0.35 q
 *   positional jitter (sd)       = 0.004 + 0.03 q   (of the image side)
 *   knee: P(perceived grade off by one) = 0.7 q
 * Draws come from the item's READER stream only, so the images never
 * depend on the reader. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

typedef struct reader {
    gz_rng r;
    const synth_scene *sc;
    synth_path *path;
    double p_rand, jitter;
    gz_status st;
} reader;

void synth_path_free(synth_path *path)
{
    free(path->x);
    free(path->y);
    free(path->d);
    memset(path, 0, sizeof *path);
}

static double clampu(double x)
{
    return x < 0.005 ? 0.005 : (x > 0.995 ? 0.995 : x);
}

static int irange(gz_rng *r, int lo, int hi) /* inclusive */
{
    return lo + (int)gz_rng_below(r, (uint64_t)(hi - lo + 1));
}

static double duration(reader *rd, double mean)
{
    double d = mean * exp(0.35 * gz_rng_normal(&rd->r) - 0.06);
    return d < 0.08 ? 0.08 : (d > 2.0 ? 2.0 : d);
}

/* Appends one fixation; with probability p_rand it lands at a random place
 * of the anatomy box instead; every fixation gets positional jitter. */
static void fix(reader *rd, double x, double y, double mean_dur)
{
    if (rd->st)
        return;
    synth_path *p = rd->path;
    const synth_scene *sc = rd->sc;
    if (gz_rng_double(&rd->r) < rd->p_rand) {
        x = gz_rng_range(&rd->r, sc->bx0, sc->bx1);
        y = gz_rng_range(&rd->r, sc->by0, sc->by1);
    }
    x = clampu(x + rd->jitter * gz_rng_normal(&rd->r));
    y = clampu(y + rd->jitter * gz_rng_normal(&rd->r));
    double d = duration(rd, mean_dur);
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 32;
        double *nx = realloc(p->x, (size_t)cap * sizeof(double));
        if (nx) p->x = nx;
        double *ny = realloc(p->y, (size_t)cap * sizeof(double));
        if (ny) p->y = ny;
        double *nd = realloc(p->d, (size_t)cap * sizeof(double));
        if (nd) p->d = nd;
        if (!nx || !ny || !nd) {
            rd->st = gz_error_set(GZ_ERR_NOMEM, "synth: out of memory for a scanpath");
            return;
        }
        p->cap = cap;
    }
    p->x[p->n] = x;
    p->y[p->n] = y;
    p->d[p->n] = d;
    p->n++;
}

/* Survey: first fixation near the centre of the anatomy, then n-1 cells of
 * a coarse grid in boustrophedon order (rows top to bottom). */
static void survey(reader *rd, int n, double mean_dur)
{
    const synth_scene *sc = rd->sc;
    double w = sc->bx1 - sc->bx0, h = sc->by1 - sc->by0;
    fix(rd, sc->bx0 + w * gz_rng_range(&rd->r, 0.4, 0.6), sc->by0 + h * gz_rng_range(&rd->r, 0.4, 0.6),
        mean_dur);
    if (n <= 1)
        return;
    int cols = (int)ceil(sqrt((double)(n - 1) * w / (h > 1e-6 ? h : 1e-6)));
    if (cols < 1) cols = 1;
    int rows = (n - 1 + cols - 1) / cols;
    int cells = rows * cols;
    int flip = gz_rng_double(&rd->r) < 0.5; /* start on the left or the right */
    for (int k = 0; k < n - 1; k++) {
        int c = (int)((int64_t)k * cells / (n - 1));
        int row = c / cols, col = c % cols;
        if ((row % 2 == 1) != flip)
            col = cols - 1 - col;
        double cxp = ((double)col + 0.5 + gz_rng_range(&rd->r, -0.35, 0.35)) / cols;
        double cyp = ((double)row + 0.5 + gz_rng_range(&rd->r, -0.35, 0.35)) / rows;
        fix(rd, sc->bx0 + w * cxp, sc->by0 + h * cyp, mean_dur);
    }
}

/* Fixations spread uniformly over the whole anatomy (normal cases). */
static void wander(reader *rd, int n, double mean_dur)
{
    const synth_scene *sc = rd->sc;
    for (int k = 0; k < n; k++)
        fix(rd, gz_rng_range(&rd->r, sc->bx0, sc->bx1), gz_rng_range(&rd->r, sc->by0, sc->by1), mean_dur);
}

/* k fixations around a region: centre + N(0, spread * r) per axis
 * (sx, sy scale the two axes). */
static void dwell(reader *rd, const synth_roi *o, int k, double spread, double sx, double sy,
                  double mean_dur)
{
    for (int i = 0; i < k; i++)
        fix(rd, o->x + spread * o->r * sx * gz_rng_normal(&rd->r),
            o->y + spread * o->r * sy * gz_rng_normal(&rd->r), mean_dur);
}

static const synth_roi *roi_of(const synth_scene *sc, synth_roi_kind kind, int nth)
{
    for (int i = 0; i < sc->nroi; i++)
        if (sc->roi[i].kind == kind && nth-- == 0)
            return &sc->roi[i];
    return NULL;
}

static void mammo_read(reader *rd, int label, double q)
{
    const synth_scene *sc = rd->sc;
    const synth_roi *f = sc->finding >= 0 ? &sc->roi[sc->finding] : NULL;
    int seen = f && gz_rng_double(&rd->r) >= 0.6 * q;
    int false_dwell = gz_rng_double(&rd->r) < 0.5 * q;
    const synth_roi *dis = roi_of(sc, ROI_DISTRACTOR, (int)gz_rng_below(&rd->r, 2));
    if (!seen) {
        /* normal reading: systematic survey, then free search everywhere */
        survey(rd, irange(&rd->r, 5, 8), 0.24);
        if (false_dwell && dis)
            dwell(rd, dis, irange(&rd->r, 2, 4), 0.6, 1.0, 1.0, 0.34);
        wander(rd, irange(&rd->r, 6, 10), 0.24);
        return;
    }
    rd->path->seen = 1;
    survey(rd, irange(&rd->r, 3, 5), 0.24);
    if (false_dwell && dis)
        dwell(rd, dis, irange(&rd->r, 1, 3), 0.6, 1.0, 1.0, 0.3);
    if (label == 1) { /* benign: short, tight dwell, few revisits */
        dwell(rd, f, irange(&rd->r, 3, 5), 0.45, 1.0, 1.0, 0.32);
        int rev = irange(&rd->r, 0, 1);
        for (int k = 0; k < rev; k++) {
            wander(rd, irange(&rd->r, 1, 2), 0.22);
            dwell(rd, f, irange(&rd->r, 1, 2), 0.45, 1.0, 1.0, 0.3);
        }
    } else { /* malignant: long dwell spread over the spicules, revisits */
        dwell(rd, f, irange(&rd->r, 5, 9), 0.9, 1.0, 1.0, 0.46);
        int rev = irange(&rd->r, 1, 3);
        for (int k = 0; k < rev; k++) {
            wander(rd, irange(&rd->r, 1, 2), 0.22);
            dwell(rd, f, irange(&rd->r, 2, 3), 0.8, 1.0, 1.0, 0.42);
        }
    }
}

/* One pass along a row of teeth (every tooth or every other one). */
static void tooth_row(reader *rd, const double *xs, const double *ys, int nt, int reverse,
                      int step, double mean_dur)
{
    int start = (int)gz_rng_below(&rd->r, (uint64_t)step);
    for (int k = start; k < nt; k += step) {
        int i = reverse ? nt - 1 - k : k;
        fix(rd, xs[i], ys[i], mean_dur);
    }
}

static void dental_read(reader *rd, int label, double q)
{
    const synth_scene *sc = rd->sc;
    const synth_roi *f = sc->finding >= 0 ? &sc->roi[sc->finding] : NULL;
    const synth_roi *nb = roi_of(sc, ROI_LANDMARK, 0);
    const synth_roi *dis = roi_of(sc, ROI_DISTRACTOR, 0);
    int seen = f && gz_rng_double(&rd->r) >= 0.6 * q;
    int false_dwell = gz_rng_double(&rd->r) < 0.5 * q;
    int nt = sc->nteeth;
    fix(rd, 0.5 * (sc->bx0 + sc->bx1), 0.5 * (sc->by0 + sc->by1), 0.25);
    if (!seen) {
        /* systematic: upper row left to right, lower row right to left */
        tooth_row(rd, sc->upper_x, sc->upper_y, nt, 0, 1, 0.22);
        if (false_dwell && dis)
            dwell(rd, dis, irange(&rd->r, 2, 3), 0.5, 1.0, 1.0, 0.32);
        tooth_row(rd, sc->lower_x, sc->lower_y, nt, 1, 1, 0.22);
        wander(rd, irange(&rd->r, 0, 2), 0.22);
        return;
    }
    rd->path->seen = 1;
    /* a quicker scan of both rows, then the abnormal tooth */
    tooth_row(rd, sc->upper_x, sc->upper_y, nt, 0, 2, 0.2);
    tooth_row(rd, sc->lower_x, sc->lower_y, nt, 1, 2, 0.2);
    if (false_dwell && dis)
        dwell(rd, dis, irange(&rd->r, 1, 2), 0.5, 1.0, 1.0, 0.3);
    if (label == 1) { /* displaced: dwell and compare with the neighbour */
        dwell(rd, f, irange(&rd->r, 3, 5), 0.55, 1.0, 1.0, 0.34);
        int cmp = irange(&rd->r, 2, 3);
        for (int k = 0; k < cmp && nb; k++) {
            dwell(rd, nb, 1, 0.4, 1.0, 1.0, 0.24);
            dwell(rd, f, 1, 0.4, 1.0, 1.0, 0.34);
        }
    } else { /* lesion: tight, long dwell on the apex, revisits */
        dwell(rd, f, irange(&rd->r, 4, 7), 0.35, 1.0, 1.0, 0.46);
        int rev = irange(&rd->r, 1, 2);
        for (int k = 0; k < rev; k++) {
            wander(rd, 1, 0.22);
            dwell(rd, f, irange(&rd->r, 1, 2), 0.35, 1.0, 1.0, 0.42);
        }
    }
}

static void knee_read(reader *rd, int grade, double q)
{
    const synth_scene *sc = rd->sc;
    const synth_roi *medial = &sc->roi[0], *lateral = &sc->roi[1];
    int pg = grade;
    if (gz_rng_double(&rd->r) < 0.7 * q)
        pg += gz_rng_double(&rd->r) < 0.5 ? -1 : 1;
    if (pg < 0) pg = 0;
    if (pg > 4) pg = 4;
    rd->path->seen = grade > 0 && pg > 0;
    survey(rd, irange(&rd->r, 3, 5), 0.25);
    int lateral_first = gz_rng_double(&rd->r) < 0.5;
    if (lateral_first)
        dwell(rd, lateral, irange(&rd->r, 1, 2), 0.5, 1.6, 0.4, 0.24);
    /* the narrowed compartment: more, longer fixations along the joint line */
    dwell(rd, medial, 1 + pg + irange(&rd->r, 0, 1), 0.5, 1.6, 0.4, 0.22 + 0.07 * pg);
    if (!lateral_first)
        dwell(rd, lateral, irange(&rd->r, 1, 2), 0.5, 1.6, 0.4, 0.24);
    if (pg >= 2) { /* osteophytes at the margins */
        for (int k = 2; k < 4 && k < sc->nroi; k++)
            dwell(rd, &sc->roi[k], 1 + (pg >= 3), 0.5, 1.0, 1.0, 0.3);
    }
    for (int k = 0; k < pg / 2; k++) {
        wander(rd, 1, 0.22);
        dwell(rd, medial, irange(&rd->r, 1, 2), 0.4, 1.6, 0.4, 0.3);
    }
    if (pg == 0)
        wander(rd, irange(&rd->r, 2, 4), 0.22);
}

gz_status synth_reader_run(const gz_synth_params *p, int64_t index, int label,
                           const synth_scene *scene, synth_path *path)
{
    memset(path, 0, sizeof *path);
    reader rd;
    memset(&rd, 0, sizeof rd);
    gz_rng_init(&rd.r, p->seed, synth_stream(p->kind, index, SYNTH_P_READER, 0));
    rd.sc = scene;
    rd.path = path;
    double q = p->reader_noise;
    rd.p_rand = 0.35 * q;
    rd.jitter = 0.004 + 0.03 * q;
    switch (p->kind) {
    case GZ_SYNTH_MAMMO: mammo_read(&rd, label, q); break;
    case GZ_SYNTH_DENTAL: dental_read(&rd, label, q); break;
    case GZ_SYNTH_KNEE: knee_read(&rd, label, q); break;
    }
    if (rd.st)
        synth_path_free(path);
    return rd.st;
}
