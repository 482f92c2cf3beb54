/* MultiMatch: scanpath construction, multimatch-gaze's simplification
 * (simdir / simlen with their quirks), grid-DP alignment and the medians of
 * the five dimensions. Definitions: shared/spec/similarity.md section 1.
 *
 * Exactness notes (results must equal the definition to the last bit where
 * the reference's arithmetic is fixed):
 *   rho = sqrt(x*x + y*y) (as numpy's cart2pol), theta = atan2(y, x);
 *   theta < 0 maps to pi + (pi + theta) (not 2 pi + theta: different
 *   rounding); the DP adds in path order like the reference's Dijkstra;
 *   medians pick exact order statistics and average the two middles of an
 *   even count as (a + b) / 2. */
#include "multimatch.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- working paths during simplification ------------------------------ */

/* ns saccades and nd fixation durations (nd == ns + 1, or ns + 2 after
 * simlen's last-saccade rebuild). Capacity: n_fix for every array. */
typedef struct wpath {
    size_t ns, nd;
    double *x, *y, *lx, *ly, *rho, *th, *dur;
} wpath;

static void wpath_bind(wpath *w, double *block, size_t cap)
{
    w->ns = w->nd = 0;
    w->x = block;
    w->y = block + cap;
    w->lx = block + 2 * cap;
    w->ly = block + 3 * cap;
    w->rho = block + 4 * cap;
    w->th = block + 5 * cap;
    w->dur = block + 6 * cap;
}

static void put_keep(wpath *o, const wpath *p, size_t i)
{
    size_t j = o->ns++;
    o->x[j] = p->x[i];
    o->y[j] = p->y[i];
    o->lx[j] = p->lx[i];
    o->ly[j] = p->ly[i];
    o->rho[j] = p->rho[i];
    o->th[j] = p->th[i];
    o->dur[o->nd++] = p->dur[i];
}

/* Saccades i and i+1 as one: vector sum, first start point, duration dur. */
static void put_merge(wpath *o, const wpath *p, size_t i, double dur)
{
    size_t j = o->ns++;
    double vx = p->lx[i] + p->lx[i + 1];
    double vy = p->ly[i] + p->ly[i + 1];
    o->x[j] = p->x[i];
    o->y[j] = p->y[i];
    o->lx[j] = vx;
    o->ly[j] = vy;
    o->rho[j] = sqrt(vx * vx + vy * vy);
    o->th[j] = atan2(vy, vx);
    o->dur[o->nd++] = dur;
}

/* Angle in degrees between saccades i and i+1; NaN when either has length
 * 0 (a NaN angle never merges). acos's argument is clamped to [-1, 1]. */
static double sac_angle(const wpath *p, size_t i)
{
    double x1 = p->lx[i], y1 = p->ly[i], x2 = p->lx[i + 1], y2 = p->ly[i + 1];
    double n1 = sqrt(x1 * x1 + y1 * y1), n2 = sqrt(x2 * x2 + y2 * y2);
    double den = n1 * n2;
    if (den == 0.0)
        return NAN;
    double c = (x1 * x2 + y1 * y2) / den;
    if (c > 1.0)
        c = 1.0;
    else if (c < -1.0)
        c = -1.0;
    return acos(c) * (180.0 / M_PI);
}

/* Direction pass (multimatch-gaze simdir). Writes o; returns 0 when p has
 * no saccade (then p is the result and o is untouched). */
static int simdir(const wpath *p, wpath *o, double tdir, double tdur)
{
    size_t ns = p->ns;
    if (ns < 1)
        return 0;
    o->ns = o->nd = 0;
    size_t i = 0;
    while (i < ns) {
        if (i + 1 < ns && sac_angle(p, i) < tdir && p->dur[i + 1] < tdur) {
            put_merge(o, p, i, p->dur[i]);
            i += 2;
        } else {
            put_keep(o, p, i);
            i += 1;
        }
    }
    o->dur[o->nd++] = p->dur[p->nd - 1];
    return 1;
}

/* Length pass (multimatch-gaze simlen). A path with a single saccade is
 * left unchanged (returns 0; upstream raises IndexError there). When the
 * last saccade merges, the previous output saccade is rebuilt from the two
 * ORIGINAL last saccades (keeping its start point) and an extra duration
 * dur[i - 1] is inserted, as upstream does. */
static int simlen(const wpath *p, wpath *o, double tamp, double tdur)
{
    size_t ns = p->ns, nd = p->nd;
    if (ns < 2)
        return 0;
    const double *d = p->dur;
    o->ns = o->nd = 0;
    size_t i = 0;
    while (i < ns) {
        if (i == ns - 1) {
            if (p->rho[i] < tamp && (d[nd - 1] < tdur || d[nd - 2] < tdur)) {
                size_t j = o->ns - 1; /* o->ns >= 1 here since ns >= 2 */
                double vx = p->lx[ns - 2] + p->lx[ns - 1];
                double vy = p->ly[ns - 2] + p->ly[ns - 1];
                o->lx[j] = vx;
                o->ly[j] = vy;
                o->rho[j] = sqrt(vx * vx + vy * vy);
                o->th[j] = atan2(vy, vx);
                o->dur[o->nd++] = d[i - 1];
            } else {
                put_keep(o, p, i);
            }
            i += 1;
        } else if (p->rho[i] < tamp && (d[i + 1] < tdur || d[i] < tdur)) {
            put_merge(o, p, i, d[i]);
            i += 2;
        } else {
            put_keep(o, p, i);
            i += 1;
        }
    }
    o->dur[o->nd++] = d[nd - 1];
    return 1;
}

/* ---- paths ---------------------------------------------------------------- */

void gz_mm_path_free(gz_mm_path *p)
{
    if (!p)
        return;
    free(p->x);
    free(p);
}

gz_status gz_mm_path_new(const double *x, const double *y, const double *dur, size_t n_fix,
                         const gz_mm_grouping *g, gz_mm_path **out)
{
    *out = NULL;
    for (size_t k = 0; k < n_fix; k++) {
        if (!isfinite(x[k]) || !isfinite(y[k]))
            return gz_error_set(GZ_ERR_ARG, "fixation %zu: position is not a finite number",
                                k + 1);
        if (dur && (!isfinite(dur[k]) || dur[k] < 0.0))
            return gz_error_set(GZ_ERR_ARG,
                                "fixation %zu: duration %g is not a finite number >= 0", k + 1,
                                dur[k]);
    }
    if (g && g->enabled &&
        (!(g->tdir == g->tdir) || !(g->tdur == g->tdur) || !(g->tamp == g->tamp)))
        return gz_error_set(GZ_ERR_ARG, "multimatch: grouping thresholds must be numbers");
    gz_mm_path *p = gz_calloc(1, sizeof *p);
    if (!p)
        return GZ_ERR_NOMEM;
    p->n_fix = n_fix;
    if (n_fix < 3) {
        *out = p;
        return GZ_OK;
    }
    /* Two working paths of capacity n_fix each (7 arrays). */
    double *work = gz_calloc(14 * n_fix, sizeof(double));
    if (!work) {
        free(p);
        return GZ_ERR_NOMEM;
    }
    wpath A, B;
    wpath_bind(&A, work, n_fix);
    wpath_bind(&B, work + 7 * n_fix, n_fix);
    A.ns = n_fix - 1;
    A.nd = n_fix;
    for (size_t k = 0; k + 1 < n_fix; k++) {
        double lx = x[k + 1] - x[k], ly = y[k + 1] - y[k];
        A.x[k] = x[k];
        A.y[k] = y[k];
        A.lx[k] = lx;
        A.ly[k] = ly;
        A.rho[k] = sqrt(lx * lx + ly * ly);
        A.th[k] = atan2(ly, lx);
    }
    for (size_t k = 0; k < n_fix; k++)
        A.dur[k] = dur ? dur[k] : 1.0;

    wpath *cur = &A, *tmp = &B;
    if (g && g->enabled) {
        for (;;) {
            size_t before = cur->nd;
            if (simdir(cur, tmp, g->tdir, g->tdur)) {
                wpath *s = cur;
                cur = tmp;
                tmp = s;
            }
            if (simlen(cur, tmp, g->tamp, g->tdur)) {
                wpath *s = cur;
                cur = tmp;
                tmp = s;
            }
            if (cur->nd == before)
                break;
        }
    }

    size_t n = cur->ns;
    double *block = gz_calloc(7 * (n ? n : 1), sizeof(double));
    if (!block) {
        free(work);
        free(p);
        return GZ_ERR_NOMEM;
    }
    p->n = n;
    p->x = block;
    p->y = block + n;
    p->lenx = block + 2 * n;
    p->leny = block + 3 * n;
    p->rho = block + 4 * n;
    p->theta = block + 5 * n;
    p->dur = block + 6 * n;
    for (size_t k = 0; k < n; k++) {
        p->x[k] = cur->x[k];
        p->y[k] = cur->y[k];
        p->lenx[k] = cur->lx[k];
        p->leny[k] = cur->ly[k];
        p->rho[k] = cur->rho[k];
        double t = cur->th[k];
        p->theta[k] = t < 0.0 ? M_PI + (M_PI + t) : t;
        p->dur[k] = cur->dur[k];
    }
    free(work);
    *out = p;
    return GZ_OK;
}

/* ---- medians ---------------------------------------------------------------- */

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* Rearranges v[0..n) so that v[k] holds the k-th smallest value, every
 * element before it is <= v[k] and every one after it >= v[k]. Values are
 * finite. */
static void nth_element(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo + 16) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three to v[lo] as pivot; sentinels at lo+1 and hi */
        if (v[mid] < v[lo])
            swap_d(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swap_d(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swap_d(&v[hi], &v[mid]);
        /* v[lo] <= v[mid] <= v[hi] */
        swap_d(&v[mid], &v[lo + 1]);
        double pivot = v[lo + 1];
        size_t i = lo + 1, j = hi;
        for (;;) {
            do
                i++;
            while (v[i] < pivot);
            do
                j--;
            while (v[j] > pivot);
            if (j < i)
                break;
            swap_d(&v[i], &v[j]);
        }
        v[lo + 1] = v[j];
        v[j] = pivot;
        if (j >= k)
            hi = j - 1 < lo ? lo : j - 1;
        if (j <= k)
            lo = j + 1;
        if (j == k)
            return;
    }
    /* insertion sort of the small remaining range */
    for (size_t i = lo + 1; i <= hi; i++) {
        double t = v[i];
        size_t j = i;
        while (j > lo && v[j - 1] > t) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

/* Median of v[0..n), n >= 1 (v is reordered). */
static double median(double *v, size_t n)
{
    size_t k = n / 2;
    nth_element(v, n, k);
    if (n & 1)
        return v[k];
    double lower = v[0];
    for (size_t i = 1; i < k; i++)
        if (v[i] > lower)
            lower = v[i];
    return (lower + v[k]) / 2.0;
}

/* ---- comparison ------------------------------------------------------------ */

enum { STEP_DIAG = 0, STEP_UP = 1, STEP_LEFT = 2 };

#define GZ_MM_STACK_BYTES 32768

gz_status gz_mm_compare(const gz_mm_path *a, const gz_mm_path *b, double screen_w,
                        double screen_h, int short_nan, double out[5], gz_mm_detail *detail)
{
    if (detail) {
        detail->path_cells = 0;
        detail->path_cost = 0.0;
    }
    if (!(screen_w > 0.0) || !(screen_h > 0.0) || !isfinite(screen_w) || !isfinite(screen_h))
        return gz_error_set(GZ_ERR_ARG, "multimatch: screen %gx%g must be positive", screen_w,
                            screen_h);
    if (a->n_fix < 3 || b->n_fix < 3 || a->n == 0 || b->n == 0) {
        double v = short_nan ? NAN : 0.0;
        for (int k = 0; k < 5; k++)
            out[k] = v;
        return GZ_OK;
    }
    size_t n = a->n, m = b->n;
    size_t L = n + m - 1; /* longest possible path */
    /* Scratch: 2 DP rows + 5 value arrays (doubles), then n*m step bytes. */
    size_t n_dbl = 2 * m + 5 * L;
    if (n > SIZE_MAX / m || n * m > (SIZE_MAX - n_dbl * sizeof(double)) / 2)
        return gz_error_set(GZ_ERR_LIMIT, "multimatch: %zu x %zu saccades is too large", n, m);
    size_t bytes = n_dbl * sizeof(double) + n * m;
    union {
        double d[GZ_MM_STACK_BYTES / sizeof(double)];
        unsigned char c[GZ_MM_STACK_BYTES];
    } stackbuf;
    double *heap = NULL, *dbl = stackbuf.d;
    if (bytes > sizeof stackbuf) {
        heap = gz_malloc(bytes);
        if (!heap)
            return GZ_ERR_NOMEM;
        dbl = heap;
    }
    double *prev = dbl, *cur = dbl + m;
    double *v_vec = dbl + 2 * m, *v_dir = v_vec + L, *v_len = v_dir + L, *v_pos = v_len + L,
           *v_dur = v_pos + L;
    unsigned char *step = (unsigned char *)(dbl + n_dbl);

    const double *ax = a->lenx, *ay = a->leny, *bx = b->lenx, *by = b->leny;

    /* Row 0: only moves to the right. */
    {
        double x0 = ax[0], y0 = ay[0];
        prev[0] = 0.0;
        step[0] = STEP_DIAG;
        for (size_t j = 1; j < m; j++) {
            double dx = x0 - bx[j], dy = y0 - by[j];
            prev[j] = prev[j - 1] + sqrt(dx * dx + dy * dy);
            step[j] = STEP_LEFT;
        }
    }
    for (size_t i = 1; i < n; i++) {
        double xi = ax[i], yi = ay[i];
        unsigned char *srow = step + i * m;
        /* The costs of the row first (independent, vectorisable). */
        for (size_t j = 0; j < m; j++) {
            double dx = xi - bx[j], dy = yi - by[j];
            cur[j] = sqrt(dx * dx + dy * dy);
        }
        double left = prev[0] + cur[0];
        cur[0] = left;
        srow[0] = STEP_UP;
        for (size_t j = 1; j < m; j++) {
            double dg = prev[j - 1], up = prev[j], best;
            unsigned char s;
            if (dg <= up && dg <= left) {
                best = dg;
                s = STEP_DIAG;
            } else if (up <= left) {
                best = up;
                s = STEP_UP;
            } else {
                best = left;
                s = STEP_LEFT;
            }
            left = best + cur[j];
            cur[j] = left;
            srow[j] = s;
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double cost = prev[m - 1];

    /* Trace back and collect the five differences per cell. */
    size_t cells = 0, i = n - 1, j = m - 1;
    for (;;) {
        double dx = ax[i] - bx[j], dy = ay[i] - by[j];
        v_vec[cells] = sqrt(dx * dx + dy * dy);
        double d = fabs(a->theta[i] - b->theta[j]);
        if (d > M_PI)
            d = 2 * M_PI - d;
        v_dir[cells] = d;
        v_len[cells] = fabs(a->rho[i] - b->rho[j]);
        double px = a->x[i] - b->x[j], py = a->y[i] - b->y[j];
        v_pos[cells] = sqrt(px * px + py * py);
        double d1 = a->dur[i], d2 = b->dur[j];
        double mx = d1 > d2 ? d1 : d2;
        v_dur[cells] = mx == 0.0 ? 0.0 : fabs(d1 - d2) / mx;
        cells++;
        if (i == 0 && j == 0)
            break;
        unsigned char s = step[i * m + j];
        if (s == STEP_DIAG) {
            i--;
            j--;
        } else if (s == STEP_UP) {
            i--;
        } else {
            j--;
        }
    }

    double diag = sqrt(screen_w * screen_w + screen_h * screen_h);
    out[GZ_MM_VECTOR] = 1.0 - median(v_vec, cells) / (2.0 * diag);
    out[GZ_MM_DIRECTION] = 1.0 - median(v_dir, cells) / M_PI;
    out[GZ_MM_LENGTH] = 1.0 - median(v_len, cells) / diag;
    out[GZ_MM_POSITION] = 1.0 - median(v_pos, cells) / diag;
    out[GZ_MM_DURATION] = 1.0 - median(v_dur, cells);
    if (detail) {
        detail->path_cells = cells;
        detail->path_cost = cost;
    }
    free(heap);
    return GZ_OK;
}
