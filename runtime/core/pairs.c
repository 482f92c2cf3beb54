/* Positive-pair selection (threshold or wanted count, GzPT drop) and the
 * diagnostics a user reads before pre-training (pairs.h). */
#include "pairs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

int gz_pair_kept(uint64_t seed, uint64_t epoch, uint64_t iteration, int64_t i, int64_t j,
                 double p)
{
    if (!(p > 0))
        return 1;
    if (p >= 1)
        return 0;
    if (i > j) {
        int64_t k = i;
        i = j;
        j = k;
    }
    uint64_t stream = gz_rng_stream(GZ_PAIRS_STREAM_PURPOSE, epoch, iteration, 0);
    uint64_t index = ((uint64_t)i << 32) | (uint64_t)(uint32_t)j;
    return gz_rng_uniform(seed, stream, index) >= p;
}

typedef struct matrix {
    const gz_tensor *t;
    const double *f64; /* contiguous float64 fast path, else NULL */
    int64_t n;
} matrix;

static inline double at(const matrix *m, int64_t i, int64_t j)
{
    if (m->f64)
        return m->f64[i * m->n + j];
    return gz_tensor_get_flat(m->t, i * m->n + j);
}

/* The element of rank k (0-based) in descending order; a[0..n) is permuted.
 * Three-way partition, so runs of equal values cost O(n). */
static double select_desc(double *a, int64_t n, int64_t k)
{
    int64_t lo = 0, hi = n; /* search in [lo, hi) */
    while (hi - lo > 1) {
        double p = a[lo + (hi - lo) / 2];
        /* [lo, gt) > p, [gt, i) == p, [lt, hi) < p after the loop */
        int64_t gt = lo, i = lo, lt = hi;
        while (i < lt) {
            if (a[i] > p) {
                double x = a[i];
                a[i++] = a[gt];
                a[gt++] = x;
            } else if (a[i] < p) {
                double x = a[i];
                a[i] = a[--lt];
                a[lt] = x;
            } else {
                i++;
            }
        }
        if (k < gt)
            hi = gt;
        else if (k < lt)
            return p;
        else
            lo = lt;
    }
    return a[lo];
}

static gz_status pick_threshold(const matrix *m, int64_t count, double *t)
{
    const int64_t n = m->n;
    int64_t total = n > 1 ? n * (n - 1) / 2 : 0;
    double *vals = gz_malloc((size_t)(total > 0 ? total : 1) * sizeof *vals);
    if (!vals)
        return GZ_ERR_NOMEM;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) {
            double v = at(m, i, j);
            if (!isnan(v))
                vals[k++] = v;
        }
    if (k == 0) {
        *t = NAN;
    } else if (count >= k) {
        double mn = vals[0];
        for (int64_t q = 1; q < k; q++)
            if (vals[q] < mn)
                mn = vals[q];
        *t = nextafter(mn, -INFINITY);
    } else {
        *t = select_desc(vals, k, count);
    }
    free(vals);
    return GZ_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Number of entries < x and == x in the sorted array s[0..n). */
static void rank_of(const double *s, int64_t n, double x, int64_t *lt, int64_t *eq)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    int64_t first = lo;
    hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    *lt = first;
    *eq = lo - first;
}

/* Mann-Whitney AUC of equal-label pairs (positives) vs different-label
 * pairs: the smaller class is sorted, the other is ranked against it. */
static gz_status label_auc(const matrix *m, const int64_t *labels, double *auc)
{
    const int64_t n = m->n;
    int64_t npos = 0, nneg = 0;
    for (int64_t i = 0; i < n; i++) {
        if (labels[i] < 0)
            continue;
        for (int64_t j = i + 1; j < n; j++) {
            if (labels[j] < 0 || isnan(at(m, i, j)))
                continue;
            if (labels[i] == labels[j])
                npos++;
            else
                nneg++;
        }
    }
    if (npos == 0 || nneg == 0) {
        *auc = NAN;
        return GZ_OK;
    }
    int small_is_pos = npos <= nneg;
    int64_t ns = small_is_pos ? npos : nneg;
    double *s = gz_malloc((size_t)ns * sizeof *s);
    if (!s)
        return GZ_ERR_NOMEM;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        if (labels[i] < 0)
            continue;
        for (int64_t j = i + 1; j < n; j++) {
            double v = at(m, i, j);
            if (labels[j] < 0 || isnan(v))
                continue;
            if ((labels[i] == labels[j]) == small_is_pos)
                s[k++] = v;
        }
    }
    qsort(s, (size_t)ns, sizeof *s, cmp_double);
    /* twice the Mann-Whitney U: 2 * #(pos > neg) + #(pos == neg) */
    unsigned long long u2 = 0;
    for (int64_t i = 0; i < n; i++) {
        if (labels[i] < 0)
            continue;
        for (int64_t j = i + 1; j < n; j++) {
            double v = at(m, i, j);
            if (labels[j] < 0 || isnan(v))
                continue;
            if ((labels[i] == labels[j]) == small_is_pos)
                continue;
            int64_t lt, eq;
            rank_of(s, ns, v, &lt, &eq);
            /* v is from the large class; count small-class entries on the
             * positive side of it */
            int64_t wins = small_is_pos ? ns - lt - eq : lt;
            u2 += 2ull * (unsigned long long)wins + (unsigned long long)eq;
        }
    }
    free(s);
    *auc = (double)u2 / (2.0 * (double)npos * (double)nneg);
    return GZ_OK;
}

void gz_pairs_report_free(gz_pairs_report *r)
{
    if (!r)
        return;
    free(r->list);
    free(r->degree);
    r->list = NULL;
    r->degree = NULL;
}

gz_status gz_pairs_compute(const gz_tensor *R, const gz_pairs_opts *o, gz_pairs_report *out)
{
    memset(out, 0, sizeof *out);
    if (!R || R->ndim != 2 || R->shape[0] != R->shape[1])
        return gz_error_set(GZ_ERR_ARG, "pairs: the relation must be an N x N matrix%s",
                            R && R->ndim == 3 ? " (this one is N x N x K: use a scalar relation)"
                                              : "");
    if (!(o->drop >= 0 && o->drop <= 1))
        return gz_error_set(GZ_ERR_ARG, "pairs: drop must be between 0 and 1, got %g", o->drop);
    if (o->count < 0 && isnan(o->threshold))
        return gz_error_set(GZ_ERR_ARG, "pairs: threshold is NaN");

    matrix m = {R, NULL, R->shape[0]};
    if (R->dtype == GZ_F64 && gz_tensor_is_contiguous(R))
        m.f64 = R->data;
    const int64_t n = m.n;
    gz_status st;

    out->n = n;
    out->threshold = o->threshold;
    if (o->count >= 0 && (st = pick_threshold(&m, o->count, &out->threshold)))
        return st;
    const double t = out->threshold;

    out->degree = gz_calloc(n > 0 ? (size_t)n : 1, sizeof *out->degree);
    if (!out->degree)
        return GZ_ERR_NOMEM;
    size_t cap = 0;
    int64_t kept_known = 0, kept_equal = 0, all_known = 0, all_equal = 0;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = i + 1; j < n; j++) {
            int known = o->labels && o->labels[i] >= 0 && o->labels[j] >= 0;
            int equal = known && o->labels[i] == o->labels[j];
            all_known += known;
            all_equal += equal;
            if (!(at(&m, i, j) > t))
                continue;
            out->candidates++;
            if (!gz_pair_kept(o->seed, 0, 0, i, j, o->drop))
                continue;
            out->pairs++;
            out->degree[i]++;
            out->degree[j]++;
            kept_known += known;
            kept_equal += equal;
            if (o->want_list) {
                if ((size_t)out->pairs * 2 > cap) {
                    size_t ncap = cap ? cap * 2 : 256;
                    int64_t *nl = realloc(out->list, ncap * sizeof *nl);
                    if (!nl) {
                        gz_pairs_report_free(out);
                        return gz_error_set(GZ_ERR_NOMEM, "pairs: out of memory for the list");
                    }
                    out->list = nl;
                    cap = ncap;
                }
                out->list[2 * out->pairs - 2] = i;
                out->list[2 * out->pairs - 1] = j;
            }
        }
    }
    out->per_image_mean = n > 0 ? 2.0 * (double)out->pairs / (double)n : 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (i == 0 || out->degree[i] < out->per_image_min)
            out->per_image_min = out->degree[i];
        if (out->degree[i] > out->per_image_max)
            out->per_image_max = out->degree[i];
        out->images_without_pairs += out->degree[i] == 0;
    }
    out->purity = out->purity_chance = out->auc = NAN;
    if (o->labels && all_known > 0) {
        out->has_labels = 1;
        out->purity = kept_known > 0 ? (double)kept_equal / (double)kept_known : NAN;
        out->purity_chance = (double)all_equal / (double)all_known;
        if ((st = label_auc(&m, o->labels, &out->auc))) {
            gz_pairs_report_free(out);
            return st;
        }
    }
    return GZ_OK;
}
