/* Tests of the moments scheme (similarity.md section 3), the spec's
 * diff(), the window renderer (bit-identical to gz_heatmap_render +
 * gz_resize_bilinear), the section 2 render goldens, and every moments
 * case of the golden file. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "golden.h"
#include "heatmap.h"
#include "moments.h"
#include "npy.h"
#include "rng.h"

static void test_diff_rules(void)
{
    CHECK(gz_sim_diff(NAN, 1.0) == 1.0);
    CHECK(gz_sim_diff(1.0, NAN) == 1.0);
    CHECK(gz_sim_diff(NAN, NAN) == 1.0);
    CHECK(gz_sim_diff(3.0, 3.0) == 0.0);
    CHECK(gz_sim_diff(0.0, 0.0) == 0.0);
    CHECK(gz_sim_diff(0.0, -2.0) == 1.0);        /* max(a, b) == 0 */
    CHECK_NEAR(gz_sim_diff(2.0, 4.0), 0.5, 0);
    CHECK_NEAR(gz_sim_diff(4.0, 2.0), 0.5, 0);
    /* max, not max of absolute values: |(-4) - (-2)| / |-2| = 1 */
    CHECK_NEAR(gz_sim_diff(-4.0, -2.0), 1.0, 0);
    CHECK_NEAR(gz_sim_diff(-1.0, 3.0), 4.0 / 3.0, 1e-15);
}

static void test_moments_of_small_images(void)
{
    double img[4 * 5] = {0};
    double m00, hu1;
    gz_moments_of(img, 5, 4, &m00, &hu1);
    CHECK(m00 == 0.0);
    CHECK(isnan(hu1));
    img[2 * 5 + 3] = 7.0; /* one pixel: no spread */
    gz_moments_of(img, 5, 4, &m00, &hu1);
    CHECK(m00 == 7.0);
    CHECK(hu1 == 0.0);
    /* Two equal pixels one row apart: mu20 = 2 * v * 0.25, m00 = 2v:
     * hu1 = 0.5 v / (4 v^2) = 1 / (8 v). */
    img[3 * 5 + 3] = 7.0;
    gz_moments_of(img, 5, 4, &m00, &hu1);
    CHECK(m00 == 14.0);
    CHECK_NEAR(hu1, 1.0 / 56.0, 1e-17);
    /* Hand-computed: a 2x2 image [1 2; 3 4]. m00 = 10, rbar = 0.7,
     * cbar = 0.6; mu20 = 3*0.49 + 7*0.09 = 2.1; mu02 = 4*0.36 + 6*0.16 = 2.4. */
    double sq[4] = {1, 2, 3, 4};
    gz_moments_of(sq, 2, 2, &m00, &hu1);
    CHECK(m00 == 10.0);
    CHECK_NEAR(hu1, (2.1 + 2.4) / 100.0, 1e-15);
}

static void test_features_resize_32(void)
{
    /* A 32 x 32 image is resized onto itself exactly (s = d). */
    double img[32 * 32];
    for (int i = 0; i < 32 * 32; i++)
        img[i] = (double)((i * 37) % 255);
    double a0, a1, b0, b1;
    gz_moments_features(img, 32, 32, &a0, &a1);
    gz_moments_of(img, 32, 32, &b0, &b1);
    CHECK(a0 == b0 && a1 == b1);
    /* A constant image stays constant: m00 = 1024 v. */
    for (int i = 0; i < 32 * 32; i++)
        img[i] = 3.0;
    gz_moments_features(img, 17, 9, &a0, &a1);
    CHECK(a0 == 3.0 * 1024.0);
}

static void test_similarity_formula(void)
{
    CHECK(gz_moments_similarity(5, 0.1, 5, 0.1, 0.5, 0.5) == 1.0);
    /* two all-zero maps: 1 - w_hu */
    CHECK_NEAR(gz_moments_similarity(0, NAN, 0, NAN, 0.8, 0.2), 0.2, 1e-15);
    CHECK_NEAR(gz_moments_similarity(10, 0.2, 5, 0.1, 0.5, 0.5), 0.5, 1e-15);
    CHECK_NEAR(gz_moments_similarity(10, 0.2, 5, 0.2, 0.8, 0.2), 0.9, 1e-15);
}

/* Window render + resize must equal full render + resize bit for bit. */
static void test_window_render_identical(void)
{
    struct { int W, H, g, dw, dh; size_t n; int weighted; } cases[] = {
        {800, 800, 80, 32, 32, 200, 0}, {64, 48, 7, 32, 32, 30, 1},  {100, 80, 33, 9, 8, 50, 1},
        {31, 17, 108, 32, 32, 12, 0},   {800, 600, 0, 32, 32, 10, 0}, {50, 30, 6, 9, 8, 1, 0},
        {1920, 1080, 108, 32, 32, 60, 0}, {40, 40, 1, 32, 32, 25, 1},
        {800, 800, 80, 9, 8, 300, 0},   {800, 800, 81, 32, 32, 300, 2}, {64, 64, 200, 32, 32, 40, 2},
        {300, 200, 20, 32, 32, 150, 3}, {500, 400, 50, 9, 8, 120, 4},   {200, 200, 15, 1, 1, 80, 0},
    };
    /* weighted: 0 = weight 1, 1 = random positive, 2 = clustered gaze-like
     * points (weight 1, many near-equal maxima), 3 = some zero weights,
     * 4 = one negative weight (the dense fallback) */
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int W = cases[c].W, H = cases[c].H, g = cases[c].g;
        size_t n = cases[c].n;
        double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
        double *w = malloc(n * sizeof(double));
        gz_rng r;
        gz_rng_init(&r, 42, c);
        for (size_t k = 0; k < n; k++) {
            /* some points off the canvas on every side, some fractional */
            x[k] = gz_rng_range(&r, -0.2 * W, 1.2 * W);
            y[k] = gz_rng_range(&r, -0.2 * H, 1.2 * H);
            if (k % 3 == 0) {
                x[k] = floor(x[k]);
                y[k] = floor(y[k]);
            }
            w[k] = gz_rng_range(&r, 0.01, 2.0);
            if (cases[c].weighted == 2) {
                /* fixation-like clusters of samples on integer pixels */
                double cx = W * (0.2 + 0.6 * (double)((k / 15) % 5) / 4.0);
                double cy = H * (0.2 + 0.6 * (double)((k / 15) % 3) / 2.0);
                x[k] = floor(cx + 6 * gz_rng_normal(&r));
                y[k] = floor(cy + 6 * gz_rng_normal(&r));
            }
            if (cases[c].weighted == 3 && k % 4 == 0)
                w[k] = 0.0;
            if (cases[c].weighted == 4 && k == 7)
                w[k] = -0.5;
        }
        if (n > 3) {
            x[1] = NAN; /* non-finite points are skipped by both */
            y[2] = INFINITY;
        }
        const double *wt = cases[c].weighted == 1 || cases[c].weighted >= 3 ? w : NULL;
        double *full = malloc((size_t)W * (size_t)H * sizeof(double));
        double ref[64 * 64], got[64 * 64];
        memset(got, 0xff, sizeof got);
        CHECK(gz_heatmap_render(x, y, wt, n, W, H, g, full) == GZ_OK);
        gz_resize_bilinear(full, W, H, ref, cases[c].dw, cases[c].dh);
        CHECK(gz_moments_render_resized(x, y, wt, n, W, H, g, got, cases[c].dw, cases[c].dh) ==
              GZ_OK);
        int same = memcmp(ref, got, (size_t)cases[c].dw * (size_t)cases[c].dh * sizeof(double)) == 0;
        CHECK_MSG(same, "case %zu (%dx%d g=%d): window render differs from full render", c, W, H,
                  g);
        free(full);
        free(x);
        free(y);
        free(w);
    }
    /* all points off the canvas: all zeros, no error */
    double x[2] = {-500, 900}, y[2] = {10, 10}, out[32 * 32];
    CHECK(gz_moments_render_resized(x, y, NULL, 2, 100, 100, 10, out, 32, 32) == GZ_OK);
    double s = 0;
    for (int i = 0; i < 32 * 32; i++)
        s += fabs(out[i]);
    CHECK(s == 0.0);
    CHECK(gz_moments_render_resized(x, y, NULL, 2, 0, 100, 10, out, 32, 32) == GZ_ERR_ARG);
    CHECK(gz_moments_render_resized(x, y, NULL, 2, 100, 100, 10, out, 65, 32) == GZ_ERR_ARG);
}

/* heatmap.c (owned elsewhere) against the section 2 render goldens (the
 * window renderer is checked against it above, which closes the chain),
 * and the window renderer + moments against their resized32 features. */
static int check_render_case(const cJSON *c, void *user)
{
    (void)user;
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(c, "id"));
    const char *rel = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "inputs"), 0)->valuestring;
    const cJSON *params = cJSON_GetObjectItem(c, "params");
    const cJSON *expected = cJSON_GetObjectItem(c, "expected");
    double tol = golden_num(cJSON_GetObjectItem(c, "tolerance"));
    int W = 0, H = 0;
    sscanf(cJSON_GetStringValue(cJSON_GetObjectItem(params, "canvas")), "%dx%d", &W, &H);
    int G = (int)golden_num(cJSON_GetObjectItem(params, "kernel"));
    gz_gaze *g = NULL;
    gz_status st = gz_gaze_read(golden_path(rel), NULL, &g);
    CHECK_MSG(st == GZ_OK, "%s: %s", rel, gz_error_message());
    if (st != GZ_OK)
        return 0;
    int ran = 0;
    const char *npy = cJSON_GetStringValue(cJSON_GetObjectItem(expected, "map_npy"));
    gz_tensor *want = NULL;
    st = gz_npy_read(golden_path(npy), &want);
    CHECK_MSG(st == GZ_OK, "%s: %s", npy, gz_error_message());
    int ok = want && want->dtype == GZ_F64 && want->ndim == 2 && want->shape[0] == H &&
             want->shape[1] == W;
    CHECK_MSG(!want || ok, "%s: not a %dx%d float64 map", npy, H, W);
    int64_t rows = H, cols = W;
    const double *expect = ok ? want->data : NULL;
    if (expect && W > 0) {
        double *map = malloc((size_t)W * (size_t)H * sizeof(double));
        CHECK(gz_heatmap_render(g->x, g->y, NULL, g->n, W, H, G, map) == GZ_OK);
        double worst = 0, sum = 0;
        for (int64_t k = 0; k < rows * cols; k++) {
            double e = fabs(map[k] - expect[k]) / fmax(fabs(expect[k]), 1e-300);
            if (expect[k] == 0.0)
                e = fabs(map[k]);
            if (e > worst)
                worst = e;
            sum += map[k];
        }
        CHECK_MSG(worst <= tol, "%s: worst relative error %g", id, worst);
        CHECK_GOLDEN(sum, golden_num(cJSON_GetObjectItem(expected, "sum")), tol, id);
        free(map);
        double small[32 * 32], m00, hu1;
        CHECK(gz_moments_render_resized(g->x, g->y, NULL, g->n, W, H, G, small, 32, 32) ==
              GZ_OK);
        gz_moments_of(small, 32, 32, &m00, &hu1);
        const cJSON *mh = cJSON_GetObjectItem(expected, "resized32_m00_hu1");
        CHECK_GOLDEN(m00, golden_num(cJSON_GetArrayItem(mh, 0)), tol, id);
        CHECK_GOLDEN(hu1, golden_num(cJSON_GetArrayItem(mh, 1)), tol, id);
        ran = 1;
    }
    gz_tensor_free(want);
    gz_gaze_free(g);
    return ran;
}

static void test_render_goldens(void)
{
    golden_each_case("render", 3, check_render_case, NULL);
}

/* Each input's (m00, hu1) features. */
static void check_features(const golden_case *gc, int k, const void *f)
{
    const double *m = f;
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(gc->details, "features_m00_hu1"), k);
    CHECK_GOLDEN(m[0], golden_num(cJSON_GetArrayItem(e, 0)), gc->tol, gc->id);
    CHECK_GOLDEN(m[1], golden_num(cJSON_GetArrayItem(e, 1)), gc->tol, gc->id);
}

static void check_moments_case(const golden_case *gc)
{
    golden_check_scheme(&gz_scheme_moments, gc, check_features);
}

static void test_golden_cases(void)
{
    golden_each_pair_case("moments", 8, check_moments_case);
}

/* A gaze record renders on canvas/kernel with duration weights for
 * fixations, weight 1 for samples. */
static void test_sequence_inputs(void)
{
    gz_gaze *g = NULL;
    CHECK(gz_gaze_new(&g, GZ_GAZE_FIXATIONS, 4, 0, 800, 800, GZ_UNIT_S) == GZ_OK);
    double xs[4] = {100, 400, 420, 700}, ys[4] = {120, 300, 310, 650}, ds[4] = {0.2, 0.5, 0.1, 0.9};
    for (int k = 0; k < 4; k++) {
        g->x[k] = xs[k];
        g->y[k] = ys[k];
        g->dur[k] = ds[k];
    }
    gz_record rec = {.gaze = g, .heatmap = NULL, .label = -1, .name = "seq"};
    const char *keys[] = {"canvas", "kernel"};
    const char *vals[] = {"1000x900", "50"};
    void *params = NULL, *f = NULL;
    CHECK(gz_scheme_moments.params_new(&params, keys, vals, 2) == GZ_OK);
    CHECK(gz_scheme_moments.features_new(params, &rec, &f) == GZ_OK);
    double *full = malloc(1000 * 900 * sizeof(double)), small[32 * 32], m00, hu1;
    gz_heatmap_render(xs, ys, ds, 4, 1000, 900, 50, full);
    gz_resize_bilinear(full, 1000, 900, small, 32, 32);
    gz_moments_of(small, 32, 32, &m00, &hu1);
    if (f) {
        CHECK(((double *)f)[0] == m00);
        CHECK(((double *)f)[1] == hu1);
        gz_scheme_moments.features_free(f);
    }
    /* samples weigh 1 */
    g->kind = GZ_GAZE_SAMPLES;
    CHECK(gz_scheme_moments.features_new(params, &rec, &f) == GZ_OK);
    gz_heatmap_render(xs, ys, NULL, 4, 1000, 900, 50, full);
    gz_resize_bilinear(full, 1000, 900, small, 32, 32);
    gz_moments_of(small, 32, 32, &m00, &hu1);
    if (f) {
        CHECK(((double *)f)[0] == m00);
        gz_scheme_moments.features_free(f);
    }
    char desc[256];
    CHECK(gz_scheme_moments.params_describe(params, desc, sizeof desc) == GZ_OK);
    CHECK_MSG(strcmp(desc, "w_hu=0.5 w_m=0.5 canvas=1000x900 kernel=50") == 0, "%s", desc);
    gz_scheme_moments.params_free(params);
    /* defaults: 800x800, kernel int(800 / 10) */
    CHECK(gz_scheme_moments.params_new(&params, NULL, NULL, 0) == GZ_OK);
    CHECK(gz_scheme_moments.params_describe(params, desc, sizeof desc) == GZ_OK);
    CHECK_MSG(strcmp(desc, "w_hu=0.5 w_m=0.5 canvas=800x800 kernel=80") == 0, "%s", desc);
    gz_scheme_moments.params_free(params);
    free(full);
    gz_gaze_free(g);
}

static void test_errors(void)
{
    void *params = NULL;
    const char *k1[] = {"w_h"};
    const char *v1[] = {"0.3"};
    CHECK(gz_scheme_moments.params_new(&params, k1, v1, 1) == GZ_ERR_ARG);
    CHECK(params == NULL);
    CHECK_MSG(strcmp(gz_error_message(),
                     "unknown key 'w_h' for scheme moments (did you mean 'w_hu'?)") == 0,
              "%s", gz_error_message());
    const char *k2[] = {"eps"};
    CHECK(gz_scheme_moments.params_new(&params, k2, v1, 1) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "unknown key 'eps' for scheme moments") != NULL);
    const char *k3[] = {"w_m"};
    const char *v3[] = {"abc"};
    CHECK(gz_scheme_moments.params_new(&params, k3, v3, 1) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "w_m='abc'") != NULL);
    const char *k4[] = {"canvas"};
    const char *bad_canvas[] = {"800", "0x10", "10x", "x10", "10x10x", "-5x5", "100000x5"};
    for (size_t i = 0; i < sizeof bad_canvas / sizeof bad_canvas[0]; i++) {
        CHECK_MSG(gz_scheme_moments.params_new(&params, k4, &bad_canvas[i], 1) == GZ_ERR_ARG,
                  "canvas=%s accepted", bad_canvas[i]);
        CHECK(params == NULL);
    }
    const char *k5[] = {"kernel"};
    const char *v5[] = {"-3"};
    CHECK(gz_scheme_moments.params_new(&params, k5, v5, 1) == GZ_ERR_ARG);
    /* a record with neither heatmap nor gaze */
    CHECK(gz_scheme_moments.params_new(&params, NULL, NULL, 0) == GZ_OK);
    gz_record rec = {.gaze = NULL, .heatmap = NULL, .label = -1, .name = "item7"};
    void *f = NULL;
    CHECK(gz_scheme_moments.features_new(params, &rec, &f) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "item7") != NULL);
    /* a heatmap that is not 2-d */
    gz_tensor *t = NULL;
    int64_t shape[3] = {4, 4, 3};
    CHECK(gz_tensor_new(&t, GZ_F32, 3, shape) == GZ_OK);
    rec.heatmap = t;
    CHECK(gz_scheme_moments.features_new(params, &rec, &f) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "item7") != NULL);
    gz_tensor_free(t);
    /* an all-zero heatmap: m00 = 0, hu1 = NaN; empty gaze: the same */
    int64_t s2[2] = {10, 12};
    CHECK(gz_tensor_new(&t, GZ_F32, 2, s2) == GZ_OK);
    rec.heatmap = t;
    CHECK(gz_scheme_moments.features_new(params, &rec, &f) == GZ_OK);
    if (f) {
        CHECK(((double *)f)[0] == 0.0 && isnan(((double *)f)[1]));
        double out;
        CHECK(gz_scheme_moments.compare(params, f, f, 0, 1, &out) == GZ_OK);
        CHECK(out == 0.5);
        gz_scheme_moments.features_free(f);
    }
    gz_tensor_free(t);
    gz_scheme_moments.params_free(params);
}

int main(void)
{
    RUN(test_diff_rules);
    RUN(test_moments_of_small_images);
    RUN(test_features_resize_32);
    RUN(test_similarity_formula);
    RUN(test_window_render_identical);
    RUN(test_render_goldens);
    RUN(test_golden_cases);
    RUN(test_sequence_inputs);
    RUN(test_errors);
    return check_done();
}
