/* Positive-pair selection and its diagnostics (shared/spec/similarity.md
 * section 6).
 *
 * A relation R is N x N (any dtype; values read as double); only the upper
 * triangle i < j is read. Images i < j are a candidate pair when
 * R[i][j] > t (strict; a NaN entry is never a pair). GzPT's drop keeps a
 * candidate with probability 1 - p, by a draw that is a pure function of
 * (seed, epoch, iteration, i, j), see gz_pair_kept.
 *
 * Count mode (count >= 0): t is the (count+1)-th largest non-NaN value of
 * the upper triangle, so exactly `count` candidates have R > t, or fewer
 * when values tie at the boundary (ties are broken by keeping fewer). When
 * count >= the number of non-NaN entries, t is the next double below the
 * smallest entry and every entry is a candidate. The count is reached
 * before the drop. With no entry at all (N < 2, all NaN) t is NaN.
 *
 * Labels (optional, -1 = unknown): over pairs whose two labels are known,
 *   purity        = share of kept pairs with equal labels (NaN: no kept pair),
 *   purity_chance = share of all pairs i < j with equal labels,
 *   auc           = Mann-Whitney AUC of R[i][j] for equal-label pairs
 *                   (positives) against different-label pairs, ties counted
 *                   half, NaN entries left out; NaN when a class is empty.
 * Memory: O(N) plus, in count mode, one double per upper-triangle entry
 * (the selection) and, with labels, one double per pair of the smaller
 * label class (the AUC's sorted class). */
#ifndef GZ_PAIRS_H
#define GZ_PAIRS_H

#include <stdint.h>

#include "error.h"
#include "tensor.h"

/* Purpose word mixed into the drop stream ("pair"). */
#define GZ_PAIRS_STREAM_PURPOSE 0x70616972u

/* 1 when candidate pair (i, j) is kept under drop probability p: the draw is
 *   u = gz_rng_uniform(seed, gz_rng_stream(GZ_PAIRS_STREAM_PURPOSE, epoch,
 *                                          iteration, 0),
 *                      (uint64_t)min(i,j) << 32 | max(i,j))
 * and the pair is kept when u >= p (p <= 0 keeps all, p >= 1 none).
 * `gazelab pairs` uses epoch = iteration = 0. */
int gz_pair_kept(uint64_t seed, uint64_t epoch, uint64_t iteration, int64_t i, int64_t j,
                 double p);

typedef struct gz_pairs_opts {
    double threshold;      /* used when count < 0 */
    int64_t count;         /* >= 0: pick the threshold that yields count pairs */
    double drop;           /* p in [0, 1] */
    uint64_t seed;
    const int64_t *labels; /* N labels (-1 unknown), or NULL */
    int want_list;         /* fill list */
} gz_pairs_opts;

typedef struct gz_pairs_report {
    int64_t n;                    /* images */
    double threshold;             /* used (chosen in count mode) */
    int64_t candidates;           /* pairs with R > t, before the drop */
    int64_t pairs;                /* kept pairs i < j */
    double per_image_mean;        /* 2 * pairs / n (0 when n = 0) */
    int64_t per_image_min, per_image_max, images_without_pairs;
    int has_labels;               /* 1 when some pair has two known labels */
    double purity, purity_chance, auc;
    int64_t *list;                /* want_list: 2 * pairs entries (i, j), row-major */
    int64_t *degree;              /* n entries: kept pairs per image */
} gz_pairs_report;

/* R must be 2-D and square. Fails with GZ_ERR_ARG on a bad shape, drop
 * outside [0, 1] or NaN threshold; GZ_ERR_NOMEM. On success the caller
 * frees the report's arrays with gz_pairs_report_free. */
gz_status gz_pairs_compute(const gz_tensor *R, const gz_pairs_opts *opts, gz_pairs_report *out);
void gz_pairs_report_free(gz_pairs_report *r);

#endif
