/* Relation matrices: one scheme over N records (shared/spec/similarity.md,
 * "Conventions": i < j computed with record i first, mirrored, diagonal 1).
 *
 * The engine computes each record's features once (in parallel), then only
 * the upper triangle i < j (record i is the first argument of compare),
 * rows spread dynamically over worker threads because row i holds N-1-i
 * pairs. Every pair's result is written to its own slots (i, j) and
 * (j, i), so the matrix does not depend on the thread count or schedule.
 * The diagonal is set to exactly 1, never computed.
 *
 * Result: a new contiguous GZ_F64 tensor, caller frees with gz_tensor_free:
 *   - scalar (all_values = 0): shape N x N, R[i][j] = value[score_index];
 *   - all values (all_values = 1): shape N x N x K with K = n_values - 1
 *     when n_values > 1 (every value except the score, in the scheme's
 *     order: multimatch's vector, direction, length, position, duration),
 *     K = 1 otherwise; R[i][j][k] at data[(i * N + j) * K + k].
 * Memory: besides the result, N feature objects and n_values doubles per
 * worker; no other N x N buffer.
 *
 * Errors: a record whose features fail reports the lowest failing record
 * index's message (deterministic); a failing compare reports its message
 * prefixed with the two records' names; GZ_ERR_CANCELLED when
 * gz_cancel_requested() became true. On any failure *out is NULL and
 * nothing is leaked. */
#ifndef GZ_RELATION_H
#define GZ_RELATION_H

#include <stdint.h>

#include "error.h"
#include "scheme.h"
#include "tensor.h"

typedef struct gz_relation_opts {
    int threads;         /* <= 0: gz_runconfig_threads() */
    int all_values;      /* 1: N x N x K (multimatch dims=all) */
    const char *label;   /* progress label, e.g. "similarity tima"; NULL: no bar */
    /* Filled on return when not NULL: wall-clock seconds of the two phases. */
    double *seconds_features, *seconds_pairs;
} gz_relation_opts;

/* opts may be NULL (defaults: runconfig threads, scalar, no progress).
 * n may be 0 (a 0 x 0 result). params come from scheme->params_new. */
gz_status gz_relation_compute(const gz_scheme *scheme, const void *params, const gz_record *recs,
                              int64_t n, const gz_relation_opts *opts, gz_tensor **out);

/* Number of values per cell that gz_relation_compute gives with
 * all_values = 1 for this scheme. */
size_t gz_relation_depth(const gz_scheme *scheme);

#endif
