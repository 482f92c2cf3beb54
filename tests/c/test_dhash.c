/* Tests of the dhash scheme (similarity.md section 4): bit order, the
 * cosine, flat and all-zero maps, sequence inputs, key errors, and every
 * dhash case of the golden file (bits and similarity). */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "dhash.h"
#include "golden.h"
#include "heatmap.h"
#include "moments.h"

static void test_bits_order(void)
{
    /* 9 x 8 map, strictly decreasing along row 0 only: bits 0..7 set. */
    double small[9 * 8] = {0};
    for (int c = 0; c < 9; c++)
        small[c] = 9.0 - c;
    uint64_t b = gz_dhash_of_small(small);
    CHECK(b == 0xFFu);
    char s[65];
    gz_dhash_string(b, s);
    CHECK(strcmp(s, "1111111100000000000000000000000000000000000000000000000000000000") == 0);
    /* Row 7, column 0 > column 1: bit 56, the 57th character. */
    memset(small, 0, sizeof small);
    small[7 * 9 + 0] = 1.0;
    b = gz_dhash_of_small(small);
    CHECK(b == (uint64_t)1 << 56);
    gz_dhash_string(b, s);
    CHECK(s[56] == '1' && strchr(s, '1') == s + 56);
    /* Equal neighbours are not "greater": a flat map hashes to zero. */
    for (int i = 0; i < 72; i++)
        small[i] = 5.0;
    CHECK(gz_dhash_of_small(small) == 0);
    /* An increasing row gives zeros (left > right only). */
    for (int c = 0; c < 9; c++)
        small[c] = c;
    CHECK(gz_dhash_of_small(small) == 0);
}

static void test_similarity(void)
{
    CHECK(gz_dhash_similarity(0, 0) == 0.0);
    CHECK(gz_dhash_similarity(0, 0xFF) == 0.0);
    CHECK(gz_dhash_similarity(0xFF, 0) == 0.0);
    CHECK(gz_dhash_similarity(0xF0F0, 0xF0F0) == 1.0);
    CHECK(gz_dhash_similarity(0xF0, 0x0F) == 0.0);
    /* a = 3 bits, b = 4 bits, 2 shared: 2 / (sqrt 3 * sqrt 4) */
    CHECK_NEAR(gz_dhash_similarity(0x7, 0x1E), 2.0 / (sqrt(3.0) * 2.0), 1e-16);
    CHECK(gz_dhash_similarity(0x7, 0x7) == 1.0);
    CHECK(gz_dhash_similarity(~(uint64_t)0, ~(uint64_t)0) == 1.0);
}

static void test_image_path(void)
{
    /* A 90 x 80 image with a bump: of_image = resize + of_small. */
    double img[90 * 80];
    for (int r = 0; r < 80; r++)
        for (int c = 0; c < 90; c++)
            img[r * 90 + c] = 255.0 * exp(-((c - 30) * (c - 30) + (r - 50) * (r - 50)) / 300.0);
    double small[72];
    gz_resize_bilinear(img, 90, 80, small, 9, 8);
    uint64_t b = gz_dhash_of_image(img, 90, 80);
    CHECK(b == gz_dhash_of_small(small));
    CHECK(b != 0);
    /* Columns right of the bump's centre (x 30 -> column 3) decrease. */
    CHECK((b >> (5 * 8 + 4)) & 1);
    CHECK(!((b >> (5 * 8 + 1)) & 1));
}

static void test_scheme_sequence_and_errors(void)
{
    const gz_scheme *s = &gz_scheme_dhash;
    void *p = NULL, *f = NULL;
    char desc[128];
    CHECK(s->params_new(&p, NULL, NULL, 0) == GZ_OK);
    CHECK(s->params_describe(p, desc, sizeof desc) == GZ_OK);
    CHECK_MSG(strcmp(desc, "canvas=800x800 kernel=80") == 0, "%s", desc);
    s->params_free(p);
    /* a raw list renders with weight 1 on the canvas (a kernel wide
     * enough for the 9 x 8 samples to see the splats) */
    const char *k0[] = {"kernel"};
    const char *v0[] = {"240"};
    CHECK(s->params_new(&p, k0, v0, 1) == GZ_OK);
    gz_gaze *g = NULL;
    CHECK(gz_gaze_new(&g, GZ_GAZE_SAMPLES, 3, 0, 800, 800, GZ_UNIT_S) == GZ_OK);
    double xs[3] = {200, 210, 600}, ys[3] = {300, 305, 500};
    memcpy(g->x, xs, sizeof xs);
    memcpy(g->y, ys, sizeof ys);
    gz_record rec = {.gaze = g, .heatmap = NULL, .label = -1, .name = "r1"};
    CHECK(s->features_new(p, &rec, &f) == GZ_OK);
    double *full = malloc(800 * 800 * sizeof(double));
    gz_heatmap_render(xs, ys, NULL, 3, 800, 800, 240, full);
    if (f) {
        CHECK(*(uint64_t *)f == gz_dhash_of_image(full, 800, 800));
        CHECK(*(uint64_t *)f != 0);
        double out;
        CHECK(s->compare(p, f, f, 0, 1, &out) == GZ_OK && out == 1.0);
        s->features_free(f);
    }
    free(full);
    /* empty gaze: all-zero map, all-zero hash: similarity 0 even with itself */
    gz_gaze *e = NULL;
    CHECK(gz_gaze_new(&e, GZ_GAZE_SAMPLES, 0, 0, 800, 800, GZ_UNIT_S) == GZ_OK);
    gz_record rec0 = {.gaze = e, .heatmap = NULL, .label = -1, .name = "empty"};
    CHECK(s->features_new(p, &rec0, &f) == GZ_OK);
    if (f) {
        CHECK(*(uint64_t *)f == 0);
        double out = -1;
        CHECK(s->compare(p, f, f, 0, 1, &out) == GZ_OK && out == 0.0);
        s->features_free(f);
    }
    gz_gaze_free(e);
    gz_gaze_free(g);
    s->params_free(p);
    p = NULL;
    const char *k1[] = {"kernal"};
    const char *v1[] = {"5"};
    CHECK(s->params_new(&p, k1, v1, 1) == GZ_ERR_ARG && p == NULL);
    CHECK_MSG(strcmp(gz_error_message(),
                     "unknown key 'kernal' for scheme dhash (did you mean 'kernel'?)") == 0,
              "%s", gz_error_message());
    const char *k2[] = {"w_hu"};
    CHECK(s->params_new(&p, k2, v1, 1) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "for scheme dhash") != NULL);
    const char *k3[] = {"canvas", "kernel"};
    const char *v3[] = {"64x32", "7"};
    CHECK(s->params_new(&p, k3, v3, 2) == GZ_OK);
    CHECK(s->params_describe(p, desc, sizeof desc) == GZ_OK);
    CHECK_MSG(strcmp(desc, "canvas=64x32 kernel=7") == 0, "%s", desc);
    CHECK(s->params_describe(p, desc, 5) == GZ_ERR_ARG); /* too small a buffer */
    s->params_free(p);
}

/* Each input's 64 bits, as the golden file prints them. */
static void check_bits(const golden_case *gc, int k, const void *f)
{
    char s[65];
    gz_dhash_string(*(const uint64_t *)f, s);
    const char *want = cJSON_GetArrayItem(cJSON_GetObjectItem(gc->details, "bits"), k)->valuestring;
    CHECK_MSG(strcmp(s, want) == 0, "%s: bits %s, expected %s", gc->id, s, want);
}

static void check_dhash_case(const golden_case *gc)
{
    golden_check_scheme(&gz_scheme_dhash, gc, check_bits);
}

static void test_golden_cases(void)
{
    golden_each_pair_case("dhash", 5, check_dhash_case);
}

int main(void)
{
    RUN(test_bits_order);
    RUN(test_similarity);
    RUN(test_image_path);
    RUN(test_scheme_sequence_and_errors);
    RUN(test_golden_cases);
    return check_done();
}
