/* The one gaze record model.
 *
 * A record is either a list of raw samples or a list of fixations, in
 * pixels of a canvas (canvas_w x canvas_h), x to the right, y down, origin
 * top-left. Points outside the canvas are kept (only rendering cuts them).
 *
 *   GZ_GAZE_SAMPLES:   x[k], y[k]; t[k] is the timestamp in `unit`, or the
 *                      array is NULL when the source has none (McGIP raw
 *                      lists). dur is NULL. Each sample weighs 1.
 *   GZ_GAZE_FIXATIONS: x[k], y[k], dur[k] in `unit`; t[k] is the onset in
 *                      `unit` or NULL when unknown.
 *
 * All arrays hold n doubles and are owned by the record (one allocation
 * each); gz_gaze_free releases them. n may be 0. */
#ifndef GZ_GAZE_H
#define GZ_GAZE_H

#include <stddef.h>

#include "error.h"

typedef enum gz_gaze_kind { GZ_GAZE_SAMPLES = 0, GZ_GAZE_FIXATIONS = 1 } gz_gaze_kind;

typedef enum gz_time_unit {
    GZ_UNIT_S = 0,
    GZ_UNIT_MS,
    GZ_UNIT_US,
    GZ_UNIT_SAMPLES /* durations counted in samples (McGIP grouping) */
} gz_time_unit;

typedef struct gz_gaze {
    gz_gaze_kind kind;
    size_t n;
    double *x, *y;
    double *t;   /* may be NULL */
    double *dur; /* fixations only; NULL for samples */
    double canvas_w, canvas_h;
    gz_time_unit unit;
} gz_gaze;

/* New record with n points; x, y (and t when with_time, dur when kind is
 * GZ_GAZE_FIXATIONS) are allocated and zeroed. Caller frees. */
gz_status gz_gaze_new(gz_gaze **out, gz_gaze_kind kind, size_t n, int with_time,
                      double canvas_w, double canvas_h, gz_time_unit unit);
void gz_gaze_free(gz_gaze *g);

/* Deep copy. */
gz_status gz_gaze_clone(gz_gaze **out, const gz_gaze *g);

/* Factor that converts a duration in `from` to `to` (1 for equal units;
 * 0 when either is GZ_UNIT_SAMPLES and they differ: not convertible). */
double gz_time_unit_factor(gz_time_unit from, gz_time_unit to);
const char *gz_time_unit_name(gz_time_unit u);
/* Parses "s", "ms", "us", "samples"; returns GZ_ERR_ARG otherwise. */
gz_status gz_time_unit_parse(const char *s, gz_time_unit *out);

#endif
