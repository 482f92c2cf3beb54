/* Fixation detection from raw samples: I-DT (dispersion threshold) and
 * I-VT (velocity threshold), Salvucci & Goldberg (2000).
 *
 * Durations (and the minimum duration test) follow the record's time base:
 *   - with timestamps: duration = t[last] - t[first] of the fixation's
 *     samples, in the record's unit; min_duration_ms is converted to that
 *     unit (a record whose unit is "samples" takes it as a count);
 *   - without timestamps (McGIP raw lists, I-DT only): duration = number of
 *     samples (unit "samples") and the minimum duration is a sample count:
 *     a fixation needs at least max(1, ceil(min_duration_ms)) samples.
 *     Such a list (n > 0) in which no fixation fits is an error that says
 *     so, not an empty record (which would score 0 without a word).
 * Fixation position = centroid of its samples; onset = first sample's time
 * (no onsets without timestamps). */
#include "fixdetect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gaze_read.h"

static gz_status check_input(const gz_gaze *s, const char *who)
{
    if (s->kind != GZ_GAZE_SAMPLES)
        return gz_error_set(GZ_ERR_ARG, "%s: input must be raw samples, not fixations", who);
    for (size_t i = 0; i < s->n; i++)
        if (!isfinite(s->x[i]) || !isfinite(s->y[i]) || (s->t && !isfinite(s->t[i])))
            return gz_error_set(GZ_ERR_ARG, "%s: sample %zu is not finite", who, i);
    if (s->t)
        for (size_t i = 1; i < s->n; i++)
            if (s->t[i] < s->t[i - 1])
                return gz_error_set(GZ_ERR_ARG, "%s: timestamps decrease at sample %zu", who, i);
    return GZ_OK;
}

/* Emits the fixation made of samples [a, b] into buf. */
static gz_status emit(gz_pointbuf *buf, const gz_gaze *s, size_t a, size_t b)
{
    double sx = 0, sy = 0;
    for (size_t i = a; i <= b; i++) {
        sx += s->x[i];
        sy += s->y[i];
    }
    double cnt = (double)(b - a + 1);
    double onset = s->t ? s->t[a] : 0.0;
    double dur = s->t ? s->t[b] - s->t[a] : cnt;
    return gz_pointbuf_push(buf, "fixation detection", sx / cnt, sy / cnt, onset, dur);
}

static double min_in_unit(const gz_gaze *s, double min_ms)
{
    double k = gz_time_unit_factor(GZ_UNIT_MS, s->unit);
    return k == 0.0 ? min_ms : min_ms * k;
}

gz_status gz_fix_idt(const gz_gaze *samples, double dispersion_px, double min_duration_ms,
                     gz_gaze **out)
{
    *out = NULL;
    if (!(dispersion_px >= 0) || !isfinite(dispersion_px))
        return gz_error_set(GZ_ERR_ARG, "idt: dispersion must be a finite number >= 0");
    if (!(min_duration_ms >= 0) || !isfinite(min_duration_ms))
        return gz_error_set(GZ_ERR_ARG, "idt: minimum duration must be a finite number >= 0");
    gz_status st = check_input(samples, "idt");
    if (st)
        return st;
    const gz_gaze *s = samples;
    size_t n = s->n;
    gz_pointbuf buf;
    memset(&buf, 0, sizeof buf);
    buf.with_t = s->t != NULL;
    buf.with_dur = 1;
    double minv = s->t ? min_in_unit(s, min_duration_ms) : 0.0;
    size_t min_count = (size_t)fmax(1.0, ceil(min_duration_ms));
    size_t i = 0;
    while (i < n) {
        /* initial window covering the minimum duration */
        size_t j = i;
        if (s->t) {
            while (j < n && s->t[j] - s->t[i] < minv)
                j++;
            if (j >= n)
                break;
        } else {
            if (i + min_count > n)
                break;
            j = i + min_count - 1;
        }
        double x0 = s->x[i], x1 = s->x[i], y0 = s->y[i], y1 = s->y[i];
        for (size_t k = i + 1; k <= j; k++) {
            x0 = fmin(x0, s->x[k]);
            x1 = fmax(x1, s->x[k]);
            y0 = fmin(y0, s->y[k]);
            y1 = fmax(y1, s->y[k]);
        }
        if ((x1 - x0) + (y1 - y0) > dispersion_px) {
            i++;
            continue;
        }
        /* grow while the dispersion stays within the threshold */
        while (j + 1 < n) {
            double nx0 = fmin(x0, s->x[j + 1]), nx1 = fmax(x1, s->x[j + 1]);
            double ny0 = fmin(y0, s->y[j + 1]), ny1 = fmax(y1, s->y[j + 1]);
            if ((nx1 - nx0) + (ny1 - ny0) > dispersion_px)
                break;
            x0 = nx0;
            x1 = nx1;
            y0 = ny0;
            y1 = ny1;
            j++;
        }
        if ((st = emit(&buf, s, i, j))) {
            gz_pointbuf_free(&buf);
            return st;
        }
        i = j + 1;
    }
    /* With the minimum read as a sample count, an empty result almost
     * always means the millisecond default (50) was taken for samples:
     * say so instead of handing back a record that silently scores 0. */
    if (n > 0 && buf.n == 0 && (!s->t || s->unit == GZ_UNIT_SAMPLES)) {
        gz_pointbuf_free(&buf);
        return gz_error_set(GZ_ERR_ARG,
                            "idt: no fixation in %zu sample%s: %s, so the minimum duration %g "
                            "counts samples; lower it (e.g. 5) or use the mcgip grouping",
                            n, n == 1 ? "" : "s", s->t ? "the timestamps count samples" : "the list has no timestamps",
                            min_duration_ms);
    }
    return gz_pointbuf_finish(&buf, GZ_GAZE_FIXATIONS, s->canvas_w, s->canvas_h,
                              s->t ? s->unit : GZ_UNIT_SAMPLES, out);
}

gz_status gz_fix_ivt(const gz_gaze *samples, double velocity_px_s, double min_duration_ms,
                     gz_gaze **out)
{
    *out = NULL;
    if (!(velocity_px_s > 0) || !isfinite(velocity_px_s))
        return gz_error_set(GZ_ERR_ARG, "ivt: velocity threshold must be a positive number (px/s)");
    if (!(min_duration_ms >= 0) || !isfinite(min_duration_ms))
        return gz_error_set(GZ_ERR_ARG, "ivt: minimum duration must be a finite number >= 0");
    if (!samples->t)
        return gz_error_set(GZ_ERR_ARG, "ivt: needs timestamps (this raw list has none; use "
                                        "idt or mcgip)");
    double to_s = gz_time_unit_factor(samples->unit, GZ_UNIT_S);
    if (to_s == 0.0)
        return gz_error_set(GZ_ERR_ARG, "ivt: timestamps counted in samples cannot give px/s");
    gz_status st = check_input(samples, "ivt");
    if (st)
        return st;
    const gz_gaze *s = samples;
    size_t n = s->n;
    gz_pointbuf buf;
    memset(&buf, 0, sizeof buf);
    buf.with_t = 1;
    buf.with_dur = 1;
    double minv = min_in_unit(s, min_duration_ms);
    /* sample k is a fixation sample when the velocity to the next sample
     * (the previous one for the last sample) is below the threshold;
     * repeated timestamps count as infinitely fast */
    size_t start = 0;
    int open = 0;
    for (size_t k = 0; k <= n; k++) {
        int fix = 0;
        if (k < n && n >= 2) {
            size_t a = k + 1 < n ? k : k - 1, b = a + 1;
            double dt = (s->t[b] - s->t[a]) * to_s;
            double d = hypot(s->x[b] - s->x[a], s->y[b] - s->y[a]);
            fix = dt > 0 && d / dt < velocity_px_s;
        }
        if (fix && !open) {
            open = 1;
            start = k;
        } else if (!fix && open) {
            open = 0;
            size_t last = k - 1;
            if (s->t[last] - s->t[start] >= minv && (st = emit(&buf, s, start, last))) {
                gz_pointbuf_free(&buf);
                return st;
            }
        }
    }
    return gz_pointbuf_finish(&buf, GZ_GAZE_FIXATIONS, s->canvas_w, s->canvas_h, s->unit, out);
}
