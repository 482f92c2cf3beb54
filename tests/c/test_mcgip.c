/* McGIP's fixation grouping (mcgip.h): the golden files' mcgip_fixations
 * details for every raw input of expected.json, the rule's edges (strict
 * threshold, final open group dropped, fewer than 2 samples) and bad
 * arguments. */
#include <cJSON.h>

#include "check.h"
#include "gaze_io.h"
#include "golden.h"
#include "mcgip.h"

static gz_gaze *samples(size_t n, const double *xy)
{
    gz_gaze *g = NULL;
    if (gz_gaze_new(&g, GZ_GAZE_SAMPLES, n, 0, 800, 600, GZ_UNIT_SAMPLES))
        return NULL;
    for (size_t k = 0; k < n; k++) {
        g->x[k] = xy[2 * k];
        g->y[k] = xy[2 * k + 1];
    }
    return g;
}

static void test_rule(void)
{
    /* thresh = 0.05 * 800 = 40: 39.9 stays, 40 breaks (strict <) */
    static const double xy[] = {100, 100, 139.9, 100, 100, 139.9, 140, 100,
                                140, 120, 500, 500, 505, 505, 506, 506};
    gz_gaze *s = samples(8, xy), *f = NULL;
    CHECK(gz_fix_mcgip(s, 0.05, 800, &f) == GZ_OK);
    CHECK(f && f->kind == GZ_GAZE_FIXATIONS && f->unit == GZ_UNIT_SAMPLES);
    CHECK(f && f->canvas_w == 800 && f->canvas_h == 600 && f->t == NULL);
    CHECK(f && f->n == 2);
    if (f && f->n == 2) {
        CHECK(f->x[0] == 100 && f->y[0] == 100 && f->dur[0] == 3); /* samples 1..3 counted */
        CHECK(f->x[1] == 140 && f->y[1] == 100 && f->dur[1] == 2);
        /* the group anchored at (500, 500) is still open: not emitted */
    }
    gz_gaze_free(f);
    /* a larger threshold keeps everything in one open group: no fixation */
    CHECK(gz_fix_mcgip(s, 1.0, 800, &f) == GZ_OK);
    CHECK(f && f->n == 0);
    gz_gaze_free(f);
    gz_gaze_free(s);

    /* fewer than 2 samples: empty */
    static const double one[] = {1, 2};
    for (size_t n = 0; n < 2; n++) {
        s = samples(n, one);
        CHECK(gz_fix_mcgip(s, 0.05, 800, &f) == GZ_OK);
        CHECK(f && f->n == 0);
        gz_gaze_free(f);
        gz_gaze_free(s);
    }
    /* two far samples: one fixation of duration 1 */
    static const double two[] = {289, 63, 535, 679};
    s = samples(2, two);
    CHECK(gz_fix_mcgip(s, 0.05, 800, &f) == GZ_OK);
    CHECK(f && f->n == 1 && f->x[0] == 289 && f->y[0] == 63 && f->dur[0] == 1);
    gz_gaze_free(f);
    /* bad arguments */
    CHECK(gz_fix_mcgip(s, 0.0, 800, &f) == GZ_ERR_ARG && f == NULL);
    CHECK(gz_fix_mcgip(s, 0.05, -1, &f) == GZ_ERR_ARG);
    CHECK(gz_fix_mcgip(s, NAN, 800, &f) == GZ_ERR_ARG);
    CHECK(gz_fix_mcgip(NULL, 0.05, 800, &f) == GZ_ERR_ARG);
    gz_gaze_free(s);
}

static void test_golden_details(void)
{
    cJSON *doc = golden_load();
    CHECK_MSG(doc != NULL, "cannot read %.300s", golden_path("expected.json"));
    if (!doc)
        return;
    int lists = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases"))
    {
        const cJSON *fx = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "details"), "mcgip_fixations");
        if (!fx)
            continue;
        const char *id = cJSON_GetObjectItem(c, "id")->valuestring;
        const cJSON *inputs = cJSON_GetObjectItem(c, "inputs");
        for (int k = 0; k < 2; k++) {
            const char *in = golden_path(cJSON_GetArrayItem(inputs, k)->valuestring);
            gz_gaze *s = NULL, *f = NULL;
            gz_status st = gz_gaze_read(in, NULL, &s);
            CHECK_MSG(st == GZ_OK, "%s: %s", id, gz_error_message());
            if (st)
                continue;
            CHECK(gz_fix_mcgip(s, 0.05, 800, &f) == GZ_OK);
            const cJSON *want = cJSON_GetArrayItem(fx, k);
            size_t n = (size_t)cJSON_GetArraySize(want);
            CHECK_MSG(f && f->n == n, "%s input %d: %zu fixations, expected %zu", id, k,
                      f ? f->n : 0, n);
            for (size_t i = 0; f && i < n && i < f->n; i++) {
                const cJSON *row = cJSON_GetArrayItem(want, (int)i);
                double x = cJSON_GetArrayItem(row, 0)->valuedouble;
                double y = cJSON_GetArrayItem(row, 1)->valuedouble;
                double d = cJSON_GetArrayItem(row, 2)->valuedouble;
                CHECK_MSG(f->x[i] == x && f->y[i] == y && f->dur[i] == d,
                          "%s input %d fixation %zu: (%g, %g, %g) vs (%g, %g, %g)", id, k, i,
                          f->x[i], f->y[i], f->dur[i], x, y, d);
            }
            lists++;
            gz_gaze_free(f);
            gz_gaze_free(s);
        }
    }
    CHECK_MSG(lists == 14, "%d lists checked, expected 14", lists);
    cJSON_Delete(doc);
}

int main(void)
{
    RUN(test_rule);
    RUN(test_golden_details);
    return check_done();
}
