/* McGIP's dispersion grouping of a raw gaze list into fixations
 * (shared/spec/similarity.md, "McGIP's fixation grouping").
 * [CONTRACT: implemented by the multimatch work (mcgip.c)]
 *
 * thresh = ratio * canvas (defaults 0.05 and 800). Durations are counts of
 * samples (unit GZ_UNIT_SAMPLES); the final open group is not emitted; a
 * list of fewer than 2 samples yields an empty record. Output canvas =
 * input canvas. Caller frees *out. */
#ifndef GZ_MCGIP_H
#define GZ_MCGIP_H

#include "error.h"
#include "gaze.h"

gz_status gz_fix_mcgip(const gz_gaze *samples, double ratio, double canvas, gz_gaze **out);

#endif
