/* Heatmap rendering and the bilinear resize (runtime/core/heatmap.c)
 * against the golden render cases and hand-computed values. */
#include <string.h>

#include "check.h"
#include "gaze_io.h"
#include "heatmap.h"
#include "npy.h"

typedef struct {
    const char *name;
    int W, H, g;
    double sum, m00, hu1;
} render_case;

/* from shared/testdata/golden/expected.json (cases v-render-*) */
static const render_case CASES[] = {
    {"render_100x80", 100, 80, 8, 23904.20500714827, 3050.9825420060915, 0.009957609865192925},
    {"render_64x64", 64, 64, 9, 20328.082135992063, 5082.020533998016, 0.0063345310507979345},
    {"render_50x30", 50, 30, 7, 6374.867121822267, 4342.634795292643, 0.0013288960149645504},
};

/* (m00, eta20 + eta02) with r the row and c the column index. */
static void moments(const double *I, int w, int h, double *m00, double *hu1)
{
    double m0 = 0, mr = 0, mc = 0;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            double v = I[r * w + c];
            m0 += v;
            mr += r * v;
            mc += c * v;
        }
    double rb = mr / m0, cb = mc / m0, mu20 = 0, mu02 = 0;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            double v = I[r * w + c];
            mu20 += (r - rb) * (r - rb) * v;
            mu02 += (c - cb) * (c - cb) * v;
        }
    *m00 = m0;
    *hu1 = mu20 / (m0 * m0) + mu02 / (m0 * m0);
}

static void test_golden_render(void)
{
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const render_case *c = &CASES[k];
        char rel[256];
        snprintf(rel, sizeof rel, "testdata/golden/render/%s.json", c->name);
        gz_gaze *g;
        CHECK_MSG(gz_gaze_read(check_shared(rel), NULL, &g) == GZ_OK, "%s", gz_error_message());
        snprintf(rel, sizeof rel, "testdata/golden/render/%s_expected.npy", c->name);
        gz_tensor *want;
        CHECK_MSG(gz_npy_read(check_shared(rel), &want) == GZ_OK, "%s", gz_error_message());
        CHECK(want->dtype == GZ_F64 && want->ndim == 2 && want->shape[0] == c->H &&
              want->shape[1] == c->W);
        double *map = malloc((size_t)c->W * (size_t)c->H * sizeof(double));
        CHECK(gz_heatmap_render(g->x, g->y, NULL, g->n, c->W, c->H, c->g, map) == GZ_OK);
        const double *e = want->data;
        double worst = 0, sum = 0, mx = 0;
        for (int i = 0; i < c->W * c->H; i++) {
            double d = fabs(map[i] - e[i]) / fmax(1.0, fabs(e[i]));
            if (d > worst)
                worst = d;
            sum += map[i];
            if (map[i] > mx)
                mx = map[i];
        }
        CHECK_MSG(worst <= 1e-9, "%s: worst relative difference %g", c->name, worst);
        CHECK_REL(sum, c->sum, 1e-9);
        CHECK(mx == 255.0);
        double small[32 * 32], m00, hu1;
        gz_resize_bilinear(map, c->W, c->H, small, 32, 32);
        moments(small, 32, 32, &m00, &hu1);
        CHECK_REL(m00, c->m00, 1e-6);
        CHECK_NEAR(hu1, c->hu1, 1e-6 * fabs(c->hu1));
        free(map);
        gz_tensor_free(want);
        gz_gaze_free(g);
    }
}

static void test_kernel_and_truncation(void)
{
    double map[16 * 16], ref[16 * 16];
    double x[1] = {-0.5}, y[1] = {-0.5};
    /* int(-0.5) is 0 (truncation toward zero), not -1 */
    CHECK(gz_heatmap_render(x, y, NULL, 1, 16, 16, 4, map) == 0);
    double x0[1] = {0}, y0[1] = {0};
    CHECK(gz_heatmap_render(x0, y0, NULL, 1, 16, 16, 4, ref) == 0);
    CHECK(memcmp(map, ref, sizeof map) == 0);
    /* kernel g = 4 at (8, 8): top-left (6, 6); K[r][c] = exp(-((c-2)^2 + (r-2)^2) / (2 (4/6)^2)),
     * peak K[2][2] = 1 at pixel (8, 8) */
    double xs[1] = {8.9}, ys[1] = {8.2};
    CHECK(gz_heatmap_render(xs, ys, NULL, 1, 16, 16, 4, map) == 0);
    CHECK(map[8 * 16 + 8] == 255.0);
    double sd = 4.0 / 6.0;
    CHECK_REL(map[6 * 16 + 7], 255.0 * exp(-(1.0 + 4.0) / (2 * sd * sd)), 1e-15);
    CHECK(map[5 * 16 + 8] == 0.0 && map[8 * 16 + 10] == 0.0);
    /* g <= 0: all zero; weights scale; an all-zero map stays zero */
    CHECK(gz_heatmap_render(xs, ys, NULL, 1, 16, 16, 0, map) == 0);
    for (int i = 0; i < 256; i++)
        CHECK(map[i] == 0.0);
    double w0[1] = {0};
    CHECK(gz_heatmap_render(xs, ys, w0, 1, 16, 16, 4, map) == 0);
    CHECK(map[8 * 16 + 8] == 0.0);
    double px[2] = {2, 12}, py[2] = {2, 12}, pw[2] = {1, 3};
    CHECK(gz_heatmap_render(px, py, pw, 2, 16, 16, 4, map) == 0);
    CHECK(map[12 * 16 + 12] == 255.0);
    CHECK_REL(map[2 * 16 + 2], 85.0, 1e-15);
    /* off-canvas points are cut, not moved */
    double fx[1] = {-100}, fy[1] = {5};
    CHECK(gz_heatmap_render(fx, fy, NULL, 1, 16, 16, 4, map) == 0);
    for (int i = 0; i < 256; i++)
        CHECK(map[i] == 0.0);
    CHECK(gz_heatmap_render(fx, fy, NULL, 1, 0, 16, 4, map) == GZ_ERR_ARG);
    CHECK(gz_heatmap_default_kernel(800) == 80 && gz_heatmap_default_kernel(9) == 0);
}

static void test_resize_rules(void)
{
    /* upsampling 2 -> 4 along x: s = d/2 - 0.25, clamped */
    double src[2] = {10, 20}, dst[4];
    gz_resize_bilinear(src, 2, 1, dst, 4, 1);
    CHECK(dst[0] == 10 && dst[3] == 20);
    CHECK_NEAR(dst[1], 0.75 * 10 + 0.25 * 20, 1e-15);
    CHECK_NEAR(dst[2], 0.25 * 10 + 0.75 * 20, 1e-15);
    /* same size is the identity */
    double a[6] = {1, 2, 3, 4, 5, 6}, b[6];
    gz_resize_bilinear(a, 3, 2, b, 3, 2);
    CHECK(memcmp(a, b, sizeof a) == 0);
    /* halving 4 -> 2: s = 2d + 0.5 -> mean of pairs */
    double c4[4] = {0, 4, 8, 16}, c2[2];
    gz_resize_bilinear(c4, 4, 1, c2, 2, 1);
    CHECK(c2[0] == 2 && c2[1] == 12);
    /* two passes (horizontal first), checked on a 2x2 -> 3x3 */
    double q[4] = {0, 10, 20, 40}, o[9];
    gz_resize_bilinear(q, 2, 2, o, 3, 3);
    /* s = (d + 0.5) * 2/3 - 0.5: d = 1 -> 0.5 */
    double top = 0.5 * 0 + 0.5 * 10, bot = 0.5 * 20 + 0.5 * 40;
    CHECK(o[4] == 0.5 * top + 0.5 * bot);
    CHECK(o[0] == 0 && o[8] == 40);
    /* 1 x 1 source fills everything */
    double one = 7, many[6];
    gz_resize_bilinear(&one, 1, 1, many, 3, 2);
    for (int i = 0; i < 6; i++)
        CHECK(many[i] == 7);
}

int main(void)
{
    RUN(test_golden_render);
    RUN(test_kernel_and_truncation);
    RUN(test_resize_rules);
    return check_done();
}
