/* MultiMatch scanpath comparison (Jarodzka et al. 2010; Dewhurst et al.
 * 2012), exactly as shared/spec/similarity.md section 1 defines it,
 * including multimatch-gaze's simplification quirks.
 *
 * Two steps, so that a matrix computes per-record work once:
 *   gz_mm_path_new  fixations -> saccades (lenx, leny, rho, theta mapped to
 *                   [0, 2 pi), start points, durations), grouped when asked;
 *   gz_mm_compare   grid DP alignment + medians of the five dimensions.
 *
 * Units: x, y in pixels; durations in any unit (the record's own unit;
 * tdur is in that same unit); tdir in degrees; tamp in pixels.
 * gz_mm_compare is pure and thread-safe (no globals: scratch lives on the
 * stack for paths up to 64 x 64 saccades, else one heap block per call). */
#ifndef GZ_MULTIMATCH_H
#define GZ_MULTIMATCH_H

#include <stddef.h>

#include "error.h"
#include "scheme.h"

/* Output order of gz_mm_compare (and of the scheme's first five values). */
enum { GZ_MM_VECTOR = 0, GZ_MM_DIRECTION, GZ_MM_LENGTH, GZ_MM_POSITION, GZ_MM_DURATION };

typedef struct gz_mm_grouping {
    int enabled;            /* 0: no simplification */
    double tdir, tdur, tamp; /* degrees, duration unit, pixels */
} gz_mm_grouping;

/* A scanpath ready for comparison. n_fix is the number of fixations given
 * (before grouping); when n_fix < 3 the path is "short": n == 0 and the
 * arrays are NULL. Otherwise n >= 1 saccades; saccade k starts at (x[k],
 * y[k]) (a fixation), has the vector (lenx[k], leny[k]), length rho[k],
 * direction theta[k] in [0, 2 pi) (atan2 mapped as t < 0 ? pi + (pi + t)),
 * and dur[k] is the duration of its starting fixation after grouping.
 * All arrays live in one block owned by the path. */
typedef struct gz_mm_path {
    size_t n_fix;
    size_t n;
    double *x, *y, *lenx, *leny, *rho, *theta, *dur;
} gz_mm_path;

/* Builds the path of n_fix fixations (x, y, dur each n_fix doubles; dur
 * may be NULL for "every duration is 1"). Every value must be finite
 * (GZ_ERR_ARG naming the index otherwise). g may be NULL (no grouping).
 * Caller frees with gz_mm_path_free. */
gz_status gz_mm_path_new(const double *x, const double *y, const double *dur, size_t n_fix,
                         const gz_mm_grouping *g, gz_mm_path **out);
void gz_mm_path_free(gz_mm_path *p);

/* Optional diagnostics of one comparison (the golden files' `details`). */
typedef struct gz_mm_detail {
    size_t path_cells; /* cells on the alignment path (0 for short paths) */
    double path_cost;  /* sum of M over the path, excluding cell (0, 0) */
} gz_mm_detail;

/* Compares two paths on a screen_w x screen_h screen, writing vector,
 * direction, length, position, duration to out[0..4]. When either path is
 * short (n_fix < 3) all five are 0, or NaN when short_nan. detail may be
 * NULL. Fails only with GZ_ERR_NOMEM (large paths) or GZ_ERR_ARG (bad
 * screen). */
gz_status gz_mm_compare(const gz_mm_path *a, const gz_mm_path *b, double screen_w,
                        double screen_h, int short_nan, double out[5], gz_mm_detail *detail);

/* The scheme object (scheme_multimatch.c); found through gz_scheme_find. */
extern const gz_scheme gz_scheme_multimatch;

#endif
