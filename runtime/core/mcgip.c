/* McGIP's dispersion grouping of a raw gaze list into fixations
 * (shared/spec/similarity.md, "McGIP's fixation grouping"): a running
 * count and an anchor; a sample farther than thresh from the anchor on
 * either axis closes the group. The final open group is not emitted. */
#include "mcgip.h"

#include <math.h>

gz_status gz_fix_mcgip(const gz_gaze *samples, double ratio, double canvas, gz_gaze **out)
{
    *out = NULL;
    if (!samples)
        return gz_error_set(GZ_ERR_ARG, "mcgip grouping: no gaze record");
    if (!(ratio > 0.0) || !isfinite(ratio) || !(canvas > 0.0) || !isfinite(canvas))
        return gz_error_set(GZ_ERR_ARG,
                            "mcgip grouping: ratio %g and canvas %g must be positive numbers",
                            ratio, canvas);
    double thresh = ratio * canvas;
    const double *x = samples->x, *y = samples->y;
    size_t n = samples->n;

    /* First pass counts the fixations, second pass fills them. */
    size_t count = 0;
    for (int pass = 0; pass < 2; pass++) {
        gz_gaze *g = NULL;
        if (pass == 1) {
            gz_status st = gz_gaze_new(&g, GZ_GAZE_FIXATIONS, count, 0, samples->canvas_w,
                                       samples->canvas_h, GZ_UNIT_SAMPLES);
            if (st)
                return st;
        }
        size_t k = 0;
        if (n >= 2) {
            double ax = x[0], ay = y[0];
            double c = 0.0;
            for (size_t s = 1; s < n; s++) {
                c += 1.0;
                if (fabs(x[s] - ax) < thresh && fabs(y[s] - ay) < thresh)
                    continue;
                if (g) {
                    g->x[k] = ax;
                    g->y[k] = ay;
                    g->dur[k] = c;
                }
                k++;
                ax = x[s];
                ay = y[s];
                c = 0.0;
            }
        }
        if (pass == 0)
            count = k;
        else
            *out = g;
    }
    return GZ_OK;
}
