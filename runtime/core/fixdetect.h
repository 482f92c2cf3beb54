/* Fixation detection from raw samples. [CONTRACT: I-DT and I-VT are
 * implemented by the gaze-data work (fixdetect.c); McGIP's grouping is in
 * mcgip.h]
 *
 * Input: a GZ_GAZE_SAMPLES record. Output: a new GZ_GAZE_FIXATIONS record
 * on the same canvas (caller frees). Fixation position = centroid of its
 * samples; onset = first sample's time; duration in the input's unit.
 * Thresholds: dispersion in pixels ((max x - min x) + (max y - min y),
 * Salvucci & Goldberg 2000), velocity in pixels per second, minimum
 * durations in milliseconds. I-VT requires timestamps (GZ_ERR_ARG
 * otherwise). I-DT on a list without timestamps (or with timestamps in
 * samples) reads the minimum duration as a sample count; when such a
 * non-empty list yields no fixation it returns GZ_ERR_ARG with a message
 * saying so, rather than an empty record. */
#ifndef GZ_FIXDETECT_H
#define GZ_FIXDETECT_H

#include "error.h"
#include "gaze.h"

gz_status gz_fix_idt(const gz_gaze *samples, double dispersion_px, double min_duration_ms,
                     gz_gaze **out);
gz_status gz_fix_ivt(const gz_gaze *samples, double velocity_px_s, double min_duration_ms,
                     gz_gaze **out);

#endif
