/* Canvas drawing: background, shapes, images (exact copy and scaling),
 * colour maps, heat blending with alpha, text (ink inside the box, halo),
 * tensor conversion, PNG saving through gz_png_write, error paths. */
#include "../../runtime/core/draw.h"
#include "../../runtime/core/image.h"
#include "check.h"

#include <unistd.h>

static const gz_rgba BLACK = {0, 0, 0, 1}, WHITE = {1, 1, 1, 1}, RED = {1, 0, 0, 1},
                     BLUE = {0, 0, 1, 1};

static double px(const gz_tensor *t, int64_t i, int64_t j, int ch)
{
    return gz_tensor_get_flat(t, (i * t->shape[1] + j) * t->shape[2] + ch);
}

static gz_tensor *snapshot(gz_canvas *c, int channels)
{
    gz_tensor *t = NULL;
    CHECK(gz_canvas_to_tensor(c, channels, &t) == GZ_OK);
    return t;
}

static void test_background_and_shapes(void)
{
    gz_canvas *c;
    CHECK(gz_canvas_new(&c, 40, 30, (gz_rgba){0.2, 0.4, 0.6, 1}) == GZ_OK);
    CHECK(gz_canvas_width(c) == 40 && gz_canvas_height(c) == 30);
    gz_canvas_rect(c, 10, 5, 10, 10, &RED, NULL, 0);            /* pixels x 10..19, y 5..14 */
    gz_canvas_line(c, 30.5, 0, 30.5, 30, 1.0, WHITE);           /* column 30 */
    gz_canvas_circle(c, 30, 22, 5, &BLUE, NULL, 0);
    gz_tensor *t = snapshot(c, 3);
    CHECK(t && t->shape[0] == 30 && t->shape[1] == 40 && t->shape[2] == 3);
    CHECK_NEAR(px(t, 0, 0, 0), 51, 0.5);
    CHECK_NEAR(px(t, 0, 0, 1), 102, 0.5);
    CHECK_NEAR(px(t, 0, 0, 2), 153, 0.5);
    CHECK(px(t, 5, 10, 0) == 255 && px(t, 5, 10, 1) == 0 && px(t, 14, 19, 2) == 0);
    CHECK_NEAR(px(t, 4, 10, 0), 51, 0.5); /* just outside the rectangle */
    CHECK_NEAR(px(t, 15, 19, 0), 51, 0.5);
    CHECK(px(t, 3, 30, 0) == 255 && px(t, 3, 30, 1) == 255 && px(t, 3, 30, 2) == 255);
    CHECK_NEAR(px(t, 3, 29, 0), 51, 0.5);
    CHECK(px(t, 22, 30, 2) == 255 && px(t, 22, 30, 0) == 0); /* circle centre */
    CHECK_NEAR(px(t, 22, 36, 0), 51, 0.5);                   /* outside r = 5 */
    gz_tensor_free(t);
    /* stroke only: the centre keeps the background */
    gz_canvas_circle(c, 10, 22, 5, NULL, &WHITE, 2);
    double xy[] = {1, 1, 8, 1, 8, 8};
    gz_canvas_polyline(c, xy, 3, true, &RED, NULL, 0);
    gz_canvas_polyline(c, xy, 1, false, NULL, &WHITE, 1); /* too short: nothing */
    t = snapshot(c, 4);
    CHECK_NEAR(px(t, 22, 10, 0), 51, 0.5);
    CHECK(px(t, 22, 15, 0) > 200); /* on the ring */
    CHECK(px(t, 2, 6, 0) == 255 && px(t, 2, 6, 1) == 0 && px(t, 2, 6, 3) == 255);
    CHECK_NEAR(px(t, 6, 2, 0), 51, 0.5); /* other side of the diagonal */
    gz_tensor_free(t);
    gz_canvas_free(c);
    gz_canvas_free(NULL);
}

static void test_transparent_background(void)
{
    gz_canvas *c;
    CHECK(gz_canvas_new(&c, 4, 4, (gz_rgba){0, 0, 0, 0}) == GZ_OK);
    gz_canvas_rect(c, 0, 0, 2, 4, &(gz_rgba){1, 0.5, 0, 0.5}, NULL, 0);
    gz_tensor *t = snapshot(c, 4);
    CHECK(px(t, 0, 3, 3) == 0);
    CHECK_NEAR(px(t, 0, 0, 3), 128, 1);
    CHECK_NEAR(px(t, 0, 0, 0), 255, 1); /* un-premultiplied */
    CHECK_NEAR(px(t, 0, 0, 1), 128, 2);
    gz_tensor_free(t);
    gz_canvas_free(c);
}

static void test_image(void)
{
    int64_t shape[3] = {3, 4, 3};
    gz_tensor *img;
    CHECK(gz_tensor_new(&img, GZ_F32, 3, shape) == GZ_OK);
    for (int64_t k = 0; k < 36; k++)
        gz_tensor_set_flat(img, k, (double)(k * 7 % 256));
    gz_canvas *c;
    CHECK(gz_canvas_new(&c, 10, 10, BLACK) == GZ_OK);
    CHECK(gz_canvas_image(c, img, 2, 3, 4, 3, true) == GZ_OK); /* native size: exact */
    gz_tensor *t = snapshot(c, 3);
    int exact = 1;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            for (int ch = 0; ch < 3; ch++)
                exact &= px(t, i + 3, j + 2, ch) == px(img, i, j, ch);
    CHECK(exact);
    CHECK(px(t, 2, 2, 0) == 0 && px(t, 6, 2, 0) == 0);
    gz_tensor_free(t);
    gz_tensor_free(img);
    /* grey 2 x 2 scaled to 8 x 8 with nearest: blocks of 4 x 4 */
    int64_t gs[2] = {2, 2};
    gz_tensor *g;
    CHECK(gz_tensor_new(&g, GZ_U8, 2, gs) == GZ_OK);
    gz_tensor_set_flat(g, 0, 0);
    gz_tensor_set_flat(g, 1, 100);
    gz_tensor_set_flat(g, 2, 200);
    gz_tensor_set_flat(g, 3, 255);
    CHECK(gz_canvas_image(c, g, 0, 0, 8, 8, false) == GZ_OK);
    t = snapshot(c, 3);
    CHECK(px(t, 0, 0, 0) == 0 && px(t, 3, 3, 1) == 0);
    CHECK(px(t, 0, 4, 0) == 100 && px(t, 3, 7, 2) == 100);
    CHECK(px(t, 4, 0, 0) == 200 && px(t, 7, 7, 0) == 255);
    CHECK(px(t, 8, 8, 0) == 0); /* outside the rectangle: untouched */
    gz_tensor_free(t);
    /* smooth scaling interpolates between the extremes */
    CHECK(gz_canvas_image(c, g, 0, 0, 8, 8, true) == GZ_OK);
    t = snapshot(c, 3);
    CHECK(px(t, 0, 0, 0) < px(t, 0, 4, 0) && px(t, 0, 4, 0) < px(t, 0, 7, 0));
    gz_tensor_free(t);
    /* errors */
    CHECK(gz_canvas_image(c, g, 0, 0, 0, 8, true) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "bad rectangle") != NULL);
    int64_t bad[3] = {2, 2, 5};
    gz_tensor *b5;
    CHECK(gz_tensor_new(&b5, GZ_F32, 3, bad) == GZ_OK);
    CHECK(gz_canvas_image(c, b5, 0, 0, 2, 2, true) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "C = 1..4") != NULL);
    gz_tensor_free(b5);
    gz_tensor_free(g);
    gz_canvas_free(c);
}

static void test_colormaps(void)
{
    gz_rgba v0 = gz_colormap_color(GZ_CMAP_VIRIDIS, 0), v1 = gz_colormap_color(GZ_CMAP_VIRIDIS, 1);
    CHECK_NEAR(v0.r * 255, 68, 1e-9);
    CHECK_NEAR(v0.b * 255, 84, 1e-9);
    CHECK_NEAR(v1.r * 255, 253, 1e-9);
    CHECK_NEAR(v1.g * 255, 231, 1e-9);
    gz_rgba vm = gz_colormap_color(GZ_CMAP_VIRIDIS, 0.5); /* between points 4 and 5 */
    CHECK_NEAR(vm.g * 255, (130 + 158) / 2.0, 1e-9);
    /* viridis luminance rises monotonically */
    double prev = -1;
    int mono = 1;
    for (int k = 0; k <= 100; k++) {
        gz_rgba c = gz_colormap_color(GZ_CMAP_VIRIDIS, k / 100.0);
        double lum = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
        mono &= lum > prev;
        prev = lum;
    }
    CHECK(mono);
    gz_rgba h = gz_colormap_color(GZ_CMAP_HOT, 0.5);
    CHECK_NEAR(h.r, 1, 1e-12);
    CHECK_NEAR(h.g, 0.5, 1e-12);
    CHECK_NEAR(h.b, 0, 1e-12);
    gz_rgba j0 = gz_colormap_color(GZ_CMAP_JET, 0), j1 = gz_colormap_color(GZ_CMAP_JET, 1);
    CHECK(j0.b == 0.5 && j0.r == 0 && j1.r == 0.5 && j1.b == 0);
    CHECK(gz_colormap_color(GZ_CMAP_GREY, 2.0).r == 1.0);
    CHECK(gz_colormap_color(GZ_CMAP_GREY, NAN).a == 0);
    gz_colormap cm;
    CHECK(gz_colormap_parse("hot", &cm) == GZ_OK && cm == GZ_CMAP_HOT);
    CHECK(gz_colormap_parse("gray", &cm) == GZ_OK && cm == GZ_CMAP_GREY);
    CHECK(gz_colormap_parse("virdis", &cm) == GZ_ERR_ARG);
    CHECK(strcmp(gz_error_message(), "unknown colour map 'virdis' (did you mean 'viridis'?)") == 0);
    CHECK(strcmp(gz_colormap_name(GZ_CMAP_JET), "jet") == 0);
}

static void test_heat(void)
{
    int64_t shape[2] = {2, 2};
    gz_tensor *m;
    CHECK(gz_tensor_new(&m, GZ_F64, 2, shape) == GZ_OK);
    gz_tensor_set_flat(m, 0, 0.0);
    gz_tensor_set_flat(m, 1, 1.0);
    gz_tensor_set_flat(m, 2, 2.0);
    gz_tensor_set_flat(m, 3, NAN);
    gz_canvas *c;
    CHECK(gz_canvas_new(&c, 2, 2, BLACK) == GZ_OK);
    gz_heat_opts o = gz_heat_defaults();
    o.cmap = GZ_CMAP_GREY;
    o.alpha = 0.5;
    o.smooth = false;
    CHECK(gz_canvas_heat(c, m, 0, 0, 2, 2, &o) == GZ_OK);
    gz_tensor *t = snapshot(c, 3);
    /* auto range 0..2: grey 0, 127.5, 255 at alpha 0.5 over black; NaN clear */
    CHECK_NEAR(px(t, 0, 0, 0), 0, 0.5);
    CHECK_NEAR(px(t, 0, 1, 0), 64, 1.5);
    CHECK_NEAR(px(t, 1, 0, 0), 128, 1.5);
    CHECK(px(t, 1, 1, 0) == 0);
    gz_tensor_free(t);
    /* fixed range and alpha by value over white */
    gz_canvas_rect(c, 0, 0, 2, 2, &WHITE, NULL, 0);
    o.lo = 0;
    o.hi = 1;
    o.alpha = 1;
    o.alpha_by_value = true;
    o.cmap = GZ_CMAP_HOT;
    CHECK(gz_canvas_heat(c, m, 0, 0, 2, 2, &o) == GZ_OK);
    t = snapshot(c, 3);
    CHECK(px(t, 0, 0, 0) == 255 && px(t, 0, 0, 2) == 255); /* value 0: clear */
    CHECK(px(t, 0, 1, 0) == 255 && px(t, 0, 1, 2) == 255); /* value 1: hot(1) = white */
    gz_tensor_free(t);
    /* colormap_apply */
    gz_tensor *rgb;
    CHECK(gz_colormap_apply(m, GZ_CMAP_HOT, 0, 0, &rgb) == GZ_OK);
    CHECK(rgb->shape[2] == 3 && px(rgb, 0, 0, 0) == 0 && px(rgb, 1, 0, 1) == 255);
    CHECK(px(rgb, 1, 1, 0) == 0);
    gz_tensor_free(rgb);
    /* errors */
    o.alpha = 2;
    CHECK(gz_canvas_heat(c, m, 0, 0, 2, 2, &o) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "alpha") != NULL);
    int64_t s3[3] = {2, 2, 3};
    gz_tensor *bad;
    CHECK(gz_tensor_new(&bad, GZ_F32, 3, s3) == GZ_OK);
    CHECK(gz_canvas_heat(c, bad, 0, 0, 2, 2, NULL) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "H x W map") != NULL);
    gz_tensor_free(bad);
    gz_tensor_free(m);
    gz_canvas_free(c);
}

static int ink_in(const gz_tensor *t, int64_t i0, int64_t i1, int64_t j0, int64_t j1, int ch,
                  double thr, int above)
{
    int n = 0;
    for (int64_t i = i0; i < i1; i++)
        for (int64_t j = j0; j < j1; j++) {
            double v = px(t, i, j, ch);
            n += above ? v > thr : v < thr;
        }
    return n;
}

static void test_text(void)
{
    gz_canvas *c;
    CHECK(gz_canvas_new(&c, 200, 60, BLACK) == GZ_OK);
    double w, h;
    gz_canvas_text_size(c, "Gaze 42", 20, false, &w, &h);
    CHECK(w > 40 && w < 120);
    CHECK(h > 18 && h < 30);
    gz_canvas_text(c, 10, 10, "Gaze 42", 20, WHITE, NULL, GZ_ALIGN_LEFT, false);
    gz_tensor *t = snapshot(c, 3);
    int inside = ink_in(t, 10, 10 + (int64_t)h, 10, 10 + (int64_t)w + 1, 0, 128, 1);
    int all = ink_in(t, 0, 60, 0, 200, 0, 128, 1);
    CHECK(inside > 50);
    CHECK(all == inside); /* no ink outside the reported box */
    gz_tensor_free(t);
    /* right alignment ends at x; halo paints dark pixels around white text on white */
    gz_canvas_rect(c, 0, 0, 200, 60, &WHITE, NULL, 0);
    gz_canvas_text_size(c, "Gaze 42", 20, true, &w, &h);
    gz_canvas_text(c, 190, 10, "Gaze 42", 20, WHITE, &BLACK, GZ_ALIGN_RIGHT, true);
    t = snapshot(c, 3);
    CHECK(ink_in(t, 0, 60, 0, 190 - (int64_t)w - 6, 0, 128, 0) == 0);
    CHECK(ink_in(t, 5, 40, 190 - (int64_t)w - 6, 195, 0, 128, 0) > 50);
    gz_tensor_free(t);
    /* invalid UTF-8 draws nothing and leaves the canvas usable */
    gz_canvas_text(c, 10, 10, "bad \xff\xfe", 20, BLACK, NULL, GZ_ALIGN_LEFT, false);
    gz_canvas_text_size(c, "bad \xc3", 20, false, &w, &h);
    CHECK(w == 0 && h == 0);
    gz_canvas_rect(c, 0, 0, 1, 1, &RED, NULL, 0);
    t = snapshot(c, 3);
    CHECK(t && px(t, 0, 0, 0) == 255 && px(t, 0, 0, 1) == 0);
    gz_tensor_free(t);
    gz_canvas_free(c);
}

static void test_save_png(void)
{
    gz_canvas *c;
    CHECK(gz_canvas_new(&c, 16, 8, WHITE) == GZ_OK);
    gz_canvas_rect(c, 0, 0, 8, 8, &RED, NULL, 0);
    char path[] = "/tmp/gz_test_draw_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(gz_canvas_save_png(c, path, false) == GZ_OK);
    gz_tensor *back = NULL;
    CHECK(gz_image_read(path, &back) == GZ_OK);
    if (back) {
        CHECK(back->ndim == 3 && back->shape[0] == 8 && back->shape[1] == 16 &&
              back->shape[2] == 3);
        CHECK(px(back, 0, 0, 0) == 255 && px(back, 0, 0, 1) == 0);
        CHECK(px(back, 7, 15, 0) == 255 && px(back, 7, 15, 1) == 255);
        gz_tensor_free(back);
    }
    unlink(path);
    CHECK(gz_canvas_save_png(c, "/nonexistent-dir-gz/x.png", false) != GZ_OK);
    CHECK(strstr(gz_error_message(), "/nonexistent-dir-gz/x.png") != NULL);
    gz_tensor *t = NULL;
    CHECK(gz_canvas_to_tensor(c, 2, &t) == GZ_ERR_ARG && t == NULL);
    gz_canvas_free(c);
}

static void test_canvas_errors(void)
{
    gz_canvas *c = (gz_canvas *)1;
    CHECK(gz_canvas_new(&c, 0, 10, WHITE) == GZ_ERR_ARG && c == NULL);
    CHECK(gz_canvas_new(&c, 10, GZ_CANVAS_MAX_SIDE + 1, WHITE) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "out of range") != NULL);
}

int main(void)
{
    RUN(test_background_and_shapes);
    RUN(test_transparent_background);
    RUN(test_image);
    RUN(test_colormaps);
    RUN(test_heat);
    RUN(test_text);
    RUN(test_save_png);
    RUN(test_canvas_errors);
    return check_done();
}
