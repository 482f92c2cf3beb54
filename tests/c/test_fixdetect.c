/* I-DT and I-VT fixation detection (runtime/core/fixdetect.h). */
#include <string.h>

#include "check.h"
#include "fixdetect.h"

/* 100 Hz, ms: 10 samples near (100, 100), 3 saccade samples, 10 near
 * (300, 300). */
static gz_gaze *two_fixations(int with_time)
{
    gz_gaze *g;
    if (gz_gaze_new(&g, GZ_GAZE_SAMPLES, 23, with_time, 800, 600,
                    with_time ? GZ_UNIT_MS : GZ_UNIT_SAMPLES))
        return NULL;
    for (int i = 0; i < 23; i++) {
        double x, y;
        if (i < 10) {
            x = 100 + (i % 3) - 1;
            y = 100 + (i % 2);
        } else if (i < 13) {
            x = 100 + 50.0 * (i - 9);
            y = 100 + 50.0 * (i - 9);
        } else {
            x = 300 + (i % 2);
            y = 300 - (i % 3);
        }
        g->x[i] = x;
        g->y[i] = y;
        if (with_time)
            g->t[i] = 10.0 * i;
    }
    return g;
}

static void test_idt_timed(void)
{
    gz_gaze *s = two_fixations(1), *f;
    CHECK(gz_fix_idt(s, 25, 50, &f) == GZ_OK);
    CHECK(f->kind == GZ_GAZE_FIXATIONS && f->unit == GZ_UNIT_MS && f->t != NULL);
    CHECK_MSG(f->n == 2, "n = %zu", f->n);
    if (f->n == 2) {
        double sx = 0, sy = 0;
        for (int i = 0; i < 10; i++) {
            sx += s->x[i];
            sy += s->y[i];
        }
        CHECK_NEAR(f->x[0], sx / 10, 1e-12);
        CHECK_NEAR(f->y[0], sy / 10, 1e-12);
        CHECK(f->t[0] == 0 && f->dur[0] == 90);
        CHECK(f->t[1] == 130 && f->dur[1] == 90);
        CHECK(f->canvas_w == 800 && f->canvas_h == 600);
    }
    gz_gaze_free(f);
    /* a minimum longer than either fixation keeps none */
    CHECK(gz_fix_idt(s, 25, 100, &f) == GZ_OK);
    CHECK(f->n == 0);
    gz_gaze_free(f);
    /* a huge dispersion makes one fixation of everything */
    CHECK(gz_fix_idt(s, 1e6, 50, &f) == GZ_OK);
    CHECK(f->n == 1 && f->dur[0] == 220);
    gz_gaze_free(f);
    /* seconds: the minimum is converted (50 ms = 0.05 s) */
    for (size_t i = 0; i < s->n; i++)
        s->t[i] /= 1000.0;
    s->unit = GZ_UNIT_S;
    CHECK(gz_fix_idt(s, 25, 50, &f) == GZ_OK);
    CHECK(f->n == 2 && f->unit == GZ_UNIT_S);
    CHECK_NEAR(f->dur[0], 0.09, 1e-15);
    gz_gaze_free(f);
    gz_gaze_free(s);
}

static void test_idt_untimed(void)
{
    gz_gaze *s = two_fixations(0), *f;
    /* no timestamps: the minimum duration is a sample count; durations count samples */
    CHECK(gz_fix_idt(s, 25, 5, &f) == GZ_OK);
    CHECK(f->n == 2 && f->unit == GZ_UNIT_SAMPLES && f->t == NULL);
    if (f->n == 2)
        CHECK(f->dur[0] == 10 && f->dur[1] == 10);
    gz_gaze_free(f);
    /* no window of 11 samples fits: an error that says why, not an empty
     * record that would score 0 without a word */
    f = NULL;
    CHECK(gz_fix_idt(s, 25, 11, &f) == GZ_ERR_ARG && f == NULL);
    CHECK_MSG(strcmp(gz_error_message(),
                     "idt: no fixation in 23 samples: the list has no timestamps, so the minimum "
                     "duration 11 counts samples; lower it (e.g. 5) or use the mcgip grouping") == 0,
              "%s", gz_error_message());
    /* the default 50 exceeds this 23-sample list */
    CHECK(gz_fix_idt(s, 25, 50, &f) == GZ_ERR_ARG && f == NULL);
    CHECK(strstr(gz_error_message(), "minimum duration 50 counts samples") != NULL);
    gz_gaze_free(s);
    /* timestamps counted in samples: the same rule and message */
    s = two_fixations(1);
    s->unit = GZ_UNIT_SAMPLES;
    for (size_t i = 0; i < s->n; i++)
        s->t[i] = (double)i;
    CHECK(gz_fix_idt(s, 25, 5, &f) == GZ_OK && f->n == 2);
    gz_gaze_free(f);
    f = NULL;
    CHECK(gz_fix_idt(s, 25, 50, &f) == GZ_ERR_ARG && f == NULL);
    CHECK(strstr(gz_error_message(), "the timestamps count samples") != NULL);
    gz_gaze_free(s);
    /* an empty list has nothing to detect: an empty record, no error */
    CHECK(gz_gaze_new(&s, GZ_GAZE_SAMPLES, 0, 0, 10, 10, GZ_UNIT_SAMPLES) == 0);
    CHECK(gz_fix_idt(s, 25, 50, &f) == GZ_OK && f->n == 0);
    gz_gaze_free(f);
    gz_gaze_free(s);
}

static void test_ivt(void)
{
    gz_gaze *s = two_fixations(1), *f;
    CHECK(gz_fix_ivt(s, 1000, 50, &f) == GZ_OK);
    /* a sample's velocity is towards the next sample, so the last sample
     * before the saccade belongs to the saccade */
    CHECK_MSG(f->n == 2, "n = %zu", f->n);
    if (f->n == 2) {
        CHECK(f->t[0] == 0 && f->dur[0] == 80);
        CHECK(f->t[1] == 130 && f->dur[1] == 90);
        double sx = 0;
        for (int i = 13; i < 23; i++)
            sx += s->x[i];
        CHECK_NEAR(f->x[1], sx / 10, 1e-12);
    }
    gz_gaze_free(f);
    CHECK(gz_fix_ivt(s, 1000, 85, &f) == GZ_OK);
    CHECK(f->n == 1 && f->t[0] == 130);
    gz_gaze_free(f);
    gz_gaze_free(s);
}

static void test_errors(void)
{
    gz_gaze *s = two_fixations(0), *f = NULL;
    CHECK(gz_fix_ivt(s, 1000, 50, &f) == GZ_ERR_ARG && f == NULL);
    CHECK(strstr(gz_error_message(), "ivt: needs timestamps") != NULL);
    CHECK(gz_fix_idt(s, -1, 50, &f) == GZ_ERR_ARG);
    CHECK(gz_fix_ivt(s, 0, 50, &f) == GZ_ERR_ARG);
    gz_gaze_free(s);
    s = two_fixations(1);
    s->t[5] = 1.0; /* goes backwards */
    CHECK(gz_fix_idt(s, 25, 50, &f) == GZ_ERR_ARG);
    CHECK(strcmp(gz_error_message(), "idt: timestamps decrease at sample 5") == 0);
    gz_gaze_free(s);
    gz_gaze *fx;
    CHECK(gz_gaze_new(&fx, GZ_GAZE_FIXATIONS, 2, 0, 10, 10, GZ_UNIT_MS) == 0);
    CHECK(gz_fix_idt(fx, 25, 50, &f) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "must be raw samples") != NULL);
    gz_gaze_free(fx);
}

static void test_edges(void)
{
    gz_gaze *s, *f;
    CHECK(gz_gaze_new(&s, GZ_GAZE_SAMPLES, 0, 1, 10, 10, GZ_UNIT_MS) == 0);
    CHECK(gz_fix_idt(s, 25, 50, &f) == 0 && f->n == 0);
    gz_gaze_free(f);
    CHECK(gz_fix_ivt(s, 100, 50, &f) == 0 && f->n == 0);
    gz_gaze_free(f);
    gz_gaze_free(s);
    CHECK(gz_gaze_new(&s, GZ_GAZE_SAMPLES, 1, 1, 10, 10, GZ_UNIT_MS) == 0);
    s->x[0] = 3;
    s->y[0] = 4;
    CHECK(gz_fix_idt(s, 25, 0, &f) == 0 && f->n == 1 && f->x[0] == 3 && f->dur[0] == 0);
    gz_gaze_free(f);
    CHECK(gz_fix_ivt(s, 100, 0, &f) == 0 && f->n == 0); /* no velocity without a second sample */
    gz_gaze_free(f);
    gz_gaze_free(s);
}

int main(void)
{
    RUN(test_idt_timed);
    RUN(test_idt_untimed);
    RUN(test_ivt);
    RUN(test_errors);
    RUN(test_edges);
    return check_done();
}
