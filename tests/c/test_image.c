/* Tests for runtime/core/image.c: PNG round trips (grey, GA, RGB, RGBA),
 * 16-bit, palette (with and without transparency), 1-bit and interlaced
 * PNGs made with libpng here, JPEGs made with libjpeg here, the grey
 * conversion, and the error paths (garbage, empty, truncated PNG and JPEG,
 * bad CRC, a huge declared size, unwritable output). */
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>

#include "check.h"
#include "image.h"

static int file_exists(const char *p)
{
    return access(p, F_OK) == 0;
}

static long file_size(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void truncate_copy(const char *src, const char *dst, long keep)
{
    FILE *a = fopen(src, "rb"), *b = fopen(dst, "wb");
    for (long k = 0; k < keep; k++) {
        int c = fgetc(a);
        if (c == EOF)
            break;
        fputc(c, b);
    }
    fclose(a);
    fclose(b);
}

/* Writes a PNG with libpng directly: rows are packed samples of `depth`
 * bits (16-bit samples big-endian, as PNG stores them). */
static void raw_png(const char *path, int w, int h, int depth, int ctype, int interlace,
                    const unsigned char *data, const png_color *pal, int npal,
                    const unsigned char *trns, int ntrns)
{
    FILE *fp = fopen(path, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "raw_png failed\n");
        exit(2);
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, ctype, interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pal)
        png_set_PLTE(png, info, pal, npal);
    if (trns)
        png_set_tRNS(png, info, trns, ntrns, NULL);
    png_write_info(png, info);
    int channels = ctype == PNG_COLOR_TYPE_RGB ? 3 : ctype == PNG_COLOR_TYPE_RGB_ALPHA ? 4
                 : ctype == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    size_t rowbytes = ((size_t)w * (size_t)channels * (size_t)depth + 7) / 8;
    png_bytep *rows = calloc((size_t)h, sizeof *rows);
    for (int y = 0; y < h; y++)
        rows[y] = (png_bytep)data + (size_t)y * rowbytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    fclose(fp);
}

static void raw_jpeg(const char *path, int w, int h, int comps, const unsigned char *data)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    FILE *fp = fopen(path, "wb");
    jpeg_stdio_dest(&c, fp);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = comps;
    c.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 100, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)data + (size_t)c.next_scanline * (size_t)w * (size_t)comps;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(fp);
}

static float at3(const gz_tensor *t, int64_t y, int64_t x, int64_t c)
{
    return ((const float *)t->data)[(y * t->shape[1] + x) * t->shape[2] + c];
}

static gz_tensor *make_image(int64_t h, int64_t w, int64_t c)
{
    gz_tensor *t;
    int64_t shape[3] = {h, w, c};
    if (gz_tensor_new(&t, GZ_F32, c ? 3 : 2, shape))
        return NULL;
    float *d = t->data;
    int64_t n = gz_tensor_numel(t);
    for (int64_t i = 0; i < n; i++)
        d[i] = (float)((i * 37 + 11) % 256);
    return t;
}

static void test_png_roundtrip_all_channels(void)
{
    for (int64_t c = 0; c <= 4; c++) {
        gz_tensor *img = make_image(5, 7, c);
        CHECK(img != NULL);
        const char *p = check_tmp("rt.png");
        CHECK(gz_png_write(p, img) == GZ_OK);
        gz_tensor *back = NULL;
        CHECK_MSG(gz_image_read(p, &back) == GZ_OK, "%s", gz_error_message());
        if (!back) {
            gz_tensor_free(img);
            continue;
        }
        int64_t want_c = c ? c : 1;
        CHECK(back->dtype == GZ_F32 && back->ndim == 3);
        CHECK(back->shape[0] == 5 && back->shape[1] == 7 && back->shape[2] == want_c);
        int64_t n = gz_tensor_numel(img), bad = 0;
        for (int64_t i = 0; i < n; i++)
            if (((float *)back->data)[i] != ((float *)img->data)[i])
                bad++;
        CHECK_MSG(bad == 0, "C=%lld: %lld samples differ", (long long)c, (long long)bad);
        gz_tensor_free(img);
        gz_tensor_free(back);
    }
}

static void test_png_write_rounds_and_clamps(void)
{
    gz_tensor *t;
    int64_t shape[2] = {1, 6};
    CHECK(gz_tensor_new(&t, GZ_F64, 2, shape) == GZ_OK);
    double v[6] = {-5, 300, 1.4, 1.6, NAN, 254.5};
    for (int k = 0; k < 6; k++)
        gz_tensor_set_flat(t, k, v[k]);
    CHECK(gz_png_write(check_tmp("clamp.png"), t) == GZ_OK);
    gz_tensor *back = NULL;
    CHECK(gz_image_read(check_tmp("clamp.png"), &back) == GZ_OK);
    float want[6] = {0, 255, 1, 2, 0, 255};
    for (int k = 0; back && k < 6; k++)
        CHECK_NEAR(((float *)back->data)[k], want[k], 0);
    gz_tensor_free(t);
    gz_tensor_free(back);
}

static void test_png_16bit(void)
{
    /* 2 x 2 grey, 16 bits: 0, 65535, 25700 (= 257 * 100), 1000 */
    unsigned char data[8] = {0x00, 0x00, 0xFF, 0xFF, 0x64, 0x64, 0x03, 0xE8};
    raw_png(check_tmp("g16.png"), 2, 2, 16, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, data, NULL, 0,
            NULL, 0);
    gz_tensor *t = NULL;
    CHECK_MSG(gz_image_read(check_tmp("g16.png"), &t) == GZ_OK, "%s", gz_error_message());
    if (!t)
        return;
    CHECK(t->shape[0] == 2 && t->shape[1] == 2 && t->shape[2] == 1);
    const float *d = t->data;
    CHECK_NEAR(d[0], 0, 0);
    CHECK_NEAR(d[1], 255, 0);
    CHECK_NEAR(d[2], 100, 1e-5);
    CHECK_NEAR(d[3], (float)(1000.0 * 255.0 / 65535.0), 0);
    gz_tensor_free(t);
    /* 16-bit RGBA, one pixel */
    unsigned char px[8] = {0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF};
    raw_png(check_tmp("rgba16.png"), 1, 1, 16, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, px,
            NULL, 0, NULL, 0);
    CHECK(gz_image_read(check_tmp("rgba16.png"), &t) == GZ_OK);
    if (!t)
        return;
    CHECK(t->shape[2] == 4);
    CHECK_NEAR(at3(t, 0, 0, 0), 255, 0);
    CHECK_NEAR(at3(t, 0, 0, 1), 32768.0 * 255 / 65535, 1e-4);
    CHECK_NEAR(at3(t, 0, 0, 2), 0, 0);
    CHECK_NEAR(at3(t, 0, 0, 3), 32767.0 * 255 / 65535, 1e-4);
    gz_tensor_free(t);
}

static void test_png_palette(void)
{
    png_color pal[3] = {{255, 0, 0}, {0, 255, 0}, {10, 20, 30}};
    unsigned char idx[4] = {0, 1, 2, 1}; /* 2 x 2, 8-bit indices */
    raw_png(check_tmp("pal.png"), 2, 2, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, idx, pal, 3,
            NULL, 0);
    gz_tensor *t = NULL;
    CHECK_MSG(gz_image_read(check_tmp("pal.png"), &t) == GZ_OK, "%s", gz_error_message());
    if (!t)
        return;
    CHECK(t->shape[2] == 3);
    CHECK(at3(t, 0, 0, 0) == 255 && at3(t, 0, 0, 1) == 0);
    CHECK(at3(t, 1, 0, 0) == 10 && at3(t, 1, 0, 1) == 20 && at3(t, 1, 0, 2) == 30);
    gz_tensor_free(t);
    /* with transparency: RGBA; 4-bit indices packed two per byte */
    unsigned char trns[2] = {0, 128};
    unsigned char packed[2] = {0x01, 0x21}; /* rows: (0,1), (2,1) */
    raw_png(check_tmp("palt.png"), 2, 2, 4, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, packed, pal,
            3, trns, 2);
    CHECK_MSG(gz_image_read(check_tmp("palt.png"), &t) == GZ_OK, "%s", gz_error_message());
    if (!t)
        return;
    CHECK(t->shape[2] == 4);
    CHECK(at3(t, 0, 0, 3) == 0 && at3(t, 0, 1, 3) == 128 && at3(t, 1, 0, 3) == 255);
    CHECK(at3(t, 0, 1, 1) == 255 && at3(t, 1, 0, 2) == 30);
    gz_tensor_free(t);
}

static void test_png_1bit_and_interlaced(void)
{
    unsigned char bits[2] = {0xA0, 0x40}; /* 3 x 2: 1 0 1 / 0 1 0 */
    raw_png(check_tmp("g1.png"), 3, 2, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, bits, NULL, 0,
            NULL, 0);
    gz_tensor *t = NULL;
    CHECK(gz_image_read(check_tmp("g1.png"), &t) == GZ_OK);
    if (t) {
        float want[6] = {255, 0, 255, 0, 255, 0};
        for (int k = 0; k < 6; k++)
            CHECK_NEAR(((float *)t->data)[k], want[k], 0);
        gz_tensor_free(t);
    }
    enum { W = 13, H = 11 };
    unsigned char rgb[W * H * 3];
    for (int k = 0; k < W * H * 3; k++)
        rgb[k] = (unsigned char)(k * 7);
    raw_png(check_tmp("inter.png"), W, H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, rgb, NULL, 0,
            NULL, 0);
    CHECK_MSG(gz_image_read(check_tmp("inter.png"), &t) == GZ_OK, "%s", gz_error_message());
    if (t) {
        int bad = 0;
        for (int k = 0; k < W * H * 3; k++)
            bad += ((float *)t->data)[k] != rgb[k];
        CHECK(bad == 0);
        gz_tensor_free(t);
    }
}

static void test_jpeg_read(void)
{
    enum { W = 16, H = 8 };
    unsigned char rgb[W * H * 3], grey[W * H];
    for (int k = 0; k < W * H; k++) {
        rgb[3 * k] = 200;
        rgb[3 * k + 1] = 100;
        rgb[3 * k + 2] = 50;
        grey[k] = 77;
    }
    raw_jpeg(check_tmp("c.jpg"), W, H, 3, rgb);
    raw_jpeg(check_tmp("g.jpeg"), W, H, 1, grey);
    gz_tensor *t = NULL;
    CHECK_MSG(gz_image_read(check_tmp("c.jpg"), &t) == GZ_OK, "%s", gz_error_message());
    if (t) {
        CHECK(t->shape[0] == H && t->shape[1] == W && t->shape[2] == 3);
        CHECK_NEAR(at3(t, 3, 5, 0), 200, 3);
        CHECK_NEAR(at3(t, 3, 5, 1), 100, 3);
        CHECK_NEAR(at3(t, 3, 5, 2), 50, 3);
        gz_tensor_free(t);
    }
    CHECK(gz_image_read(check_tmp("g.jpeg"), &t) == GZ_OK);
    if (t) {
        CHECK(t->shape[2] == 1);
        CHECK_NEAR(at3(t, 7, 15, 0), 77, 1);
        gz_tensor_free(t);
    }
    /* the signature decides, not the extension */
    rename(check_tmp("g.jpeg"), check_tmp("g_is_jpeg.png"));
    CHECK(gz_image_read(check_tmp("g_is_jpeg.png"), &t) == GZ_OK);
    gz_tensor_free(t);
}

static void test_grey(void)
{
    gz_tensor *rgb = make_image(2, 3, 3), *g = NULL;
    CHECK(gz_image_to_grey(rgb, &g) == GZ_OK);
    if (g) {
        CHECK(g->ndim == 2 && g->shape[0] == 2 && g->shape[1] == 3);
        const float *s = rgb->data;
        for (int p = 0; p < 6; p++)
            CHECK_NEAR(((float *)g->data)[p], 0.299 * s[3 * p] + 0.587 * s[3 * p + 1] + 0.114 * s[3 * p + 2],
                       1e-4);
        gz_tensor_free(g);
    }
    gz_tensor *ga = make_image(2, 2, 2);
    CHECK(gz_image_to_grey(ga, &g) == GZ_OK);
    if (g) {
        for (int p = 0; p < 4; p++)
            CHECK(((float *)g->data)[p] == ((float *)ga->data)[2 * p]);
        gz_tensor_free(g);
    }
    gz_tensor *bad = make_image(2, 2, 5);
    CHECK(gz_image_to_grey(bad, &g) == GZ_ERR_ARG && g == NULL);
    gz_tensor_free(rgb);
    gz_tensor_free(ga);
    gz_tensor_free(bad);
}

static void expect_format_error(const char *path, gz_status want)
{
    gz_tensor *t = (gz_tensor *)1;
    gz_status st = gz_image_read(path, &t);
    CHECK_MSG(st == want, "%s: status %s, message '%s'", path, gz_status_name(st),
              gz_error_message());
    CHECK(t == NULL);
    CHECK_MSG(strncmp(gz_error_message(), path, strlen(path)) == 0 &&
                  gz_error_message()[strlen(path)] == ':',
              "message does not start with the file: '%s'", gz_error_message());
    CHECK(strchr(gz_error_message(), '\n') == NULL);
}

static void test_errors_garbage_and_truncated(void)
{
    FILE *f = fopen(check_tmp("garbage.png"), "wb");
    for (int k = 0; k < 1000; k++)
        fputc((k * 131 + 7) & 0xFF, f);
    fclose(f);
    expect_format_error(check_tmp("garbage.png"), GZ_ERR_FORMAT);
    fclose(fopen(check_tmp("empty.png"), "wb"));
    expect_format_error(check_tmp("empty.png"), GZ_ERR_FORMAT);
    expect_format_error(check_tmp("missing.png"), GZ_ERR_IO);

    gz_tensor *img = make_image(40, 50, 3);
    CHECK(gz_png_write(check_tmp("full.png"), img) == GZ_OK);
    long n = file_size(check_tmp("full.png"));
    long cuts[4] = {8, 20, n / 2, n - 5};
    for (int k = 0; k < 4; k++) {
        truncate_copy(check_tmp("full.png"), check_tmp("cut.png"), cuts[k]);
        expect_format_error(check_tmp("cut.png"), GZ_ERR_FORMAT);
    }
    /* a PNG signature followed by garbage */
    f = fopen(check_tmp("siggarb.png"), "wb");
    fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
    for (int k = 0; k < 100; k++)
        fputc(k, f);
    fclose(f);
    expect_format_error(check_tmp("siggarb.png"), GZ_ERR_FORMAT);
    /* a flipped byte inside IDAT: CRC error */
    FILE *a = fopen(check_tmp("full.png"), "rb");
    unsigned char *buf = malloc((size_t)n);
    CHECK(fread(buf, 1, (size_t)n, a) == (size_t)n);
    fclose(a);
    buf[n / 2] ^= 0x55;
    f = fopen(check_tmp("crc.png"), "wb");
    fwrite(buf, 1, (size_t)n, f);
    fclose(f);
    free(buf);
    expect_format_error(check_tmp("crc.png"), GZ_ERR_FORMAT);

    unsigned char rgb[32 * 32 * 3];
    for (int k = 0; k < 32 * 32 * 3; k++)
        rgb[k] = (unsigned char)(k * 13);
    raw_jpeg(check_tmp("full.jpg"), 32, 32, 3, rgb);
    long nj = file_size(check_tmp("full.jpg"));
    long jcuts[3] = {3, 100, nj / 2};
    for (int k = 0; k < 3; k++) {
        truncate_copy(check_tmp("full.jpg"), check_tmp("cut.jpg"), jcuts[k]);
        expect_format_error(check_tmp("cut.jpg"), GZ_ERR_FORMAT);
    }
    f = fopen(check_tmp("jgarb.jpg"), "wb");
    fwrite("\xFF\xD8\xFF", 1, 3, f);
    for (int k = 0; k < 500; k++)
        fputc((k * 97) & 0xFF, f);
    fclose(f);
    expect_format_error(check_tmp("jgarb.jpg"), GZ_ERR_FORMAT);
    gz_tensor_free(img);
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t k = 0; k < n; k++) {
        c ^= p[k];
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void test_huge_declared_png(void)
{
    /* signature + a valid IHDR (correct CRC) declaring 100000 x 100000 RGBA */
    unsigned char f[8 + 25];
    memcpy(f, "\x89PNG\r\n\x1a\n", 8);
    put32(f + 8, 13);
    memcpy(f + 12, "IHDR", 4);
    put32(f + 16, 100000);
    put32(f + 20, 100000);
    f[24] = 8;
    f[25] = 6;
    f[26] = f[27] = f[28] = 0;
    put32(f + 29, crc32_of(f + 12, 17));
    FILE *fp = fopen(check_tmp("huge.png"), "wb");
    fwrite(f, 1, sizeof f, fp);
    fclose(fp);
    expect_format_error(check_tmp("huge.png"), GZ_ERR_LIMIT);
    CHECK_MSG(strstr(gz_error_message(), "100000 x 100000") != NULL, "%s", gz_error_message());
    /* within the side limit but over the pixel limit: 60000 x 60000 */
    put32(f + 16, 60000);
    put32(f + 20, 60000);
    put32(f + 29, crc32_of(f + 12, 17));
    fp = fopen(check_tmp("huge2.png"), "wb");
    fwrite(f, 1, sizeof f, fp);
    fclose(fp);
    expect_format_error(check_tmp("huge2.png"), GZ_ERR_LIMIT);
}

static void test_write_errors(void)
{
    gz_tensor *t;
    int64_t s4[4] = {2, 2, 2, 2};
    CHECK(gz_tensor_new(&t, GZ_F32, 4, s4) == GZ_OK);
    CHECK(gz_png_write(check_tmp("bad.png"), t) == GZ_ERR_ARG);
    CHECK(!file_exists(check_tmp("bad.png")));
    gz_tensor_free(t);
    int64_t s0[2] = {0, 3};
    CHECK(gz_tensor_new(&t, GZ_F32, 2, s0) == GZ_OK);
    CHECK(gz_png_write(check_tmp("empty_img.png"), t) == GZ_ERR_ARG);
    gz_tensor_free(t);
    gz_tensor *img = make_image(3, 3, 3);
    gz_status st = gz_png_write(check_tmp("no/such/folder/x.png"), img);
    CHECK(st == GZ_ERR_IO);
    CHECK(strstr(gz_error_message(), "x.png") != NULL);
    gz_tensor_free(img);
}

/* Random byte flips in valid files: every read either succeeds or fails
 * with a format/limit error naming the file; never a crash (run under ASan). */
static void test_corruptions(void)
{
    gz_tensor *img = make_image(20, 30, 4);
    CHECK(gz_png_write(check_tmp("base.png"), img) == GZ_OK);
    gz_tensor_free(img);
    unsigned char rgb[24 * 16 * 3];
    for (int k = 0; k < (int)sizeof rgb; k++)
        rgb[k] = (unsigned char)(k * 29);
    raw_jpeg(check_tmp("base.jpg"), 24, 16, 3, rgb);
    const char *bases[2] = {check_tmp("base.png"), check_tmp("base.jpg")};
    uint32_t seed = 12345;
    for (int b = 0; b < 2; b++) {
        long n = file_size(bases[b]);
        unsigned char *orig = malloc((size_t)n), *buf = malloc((size_t)n);
        FILE *f = fopen(bases[b], "rb");
        CHECK(fread(orig, 1, (size_t)n, f) == (size_t)n);
        fclose(f);
        int bad_status = 0;
        for (int round = 0; round < 300; round++) {
            memcpy(buf, orig, (size_t)n);
            int flips = 1 + round % 4;
            for (int k = 0; k < flips; k++) {
                seed = seed * 1664525u + 1013904223u;
                long at = 8 + (long)(seed >> 8) % (n - 8);
                buf[at] ^= (unsigned char)(1u << ((seed >> 3) & 7));
            }
            const char *p = check_tmp("mut.img");
            f = fopen(p, "wb");
            fwrite(buf, 1, (size_t)n, f);
            fclose(f);
            gz_tensor *t = NULL;
            gz_status st = gz_image_read(p, &t);
            if (st != GZ_OK && st != GZ_ERR_FORMAT && st != GZ_ERR_LIMIT)
                bad_status++;
            if (st != GZ_OK && strncmp(gz_error_message(), p, strlen(p)) != 0)
                bad_status++;
            gz_tensor_free(t);
        }
        CHECK_MSG(bad_status == 0, "%s: %d unexpected outcomes", bases[b], bad_status);
        free(orig);
        free(buf);
    }
}

/* 16-bit writing: a value v on the 0..255 scale reads back as
 * round(v * 65535 / 255) * 255 / 65535; 8-bit values exactly; clamping. */
static void test_png_write_16bit(void)
{
    int64_t shape[3] = {3, 4, 2};
    gz_tensor *t = NULL, *back = NULL;
    CHECK(gz_tensor_new(&t, GZ_F32, 3, shape) == GZ_OK);
    float *d = t->data;
    for (int i = 0; i < 24; i++)
        d[i] = (float)(i * 11.37);
    d[0] = -5.0f;
    d[1] = 300.0f;
    const char *path = check_tmp("deep16.png");
    CHECK(gz_png_write_depth(path, t, 16) == GZ_OK);
    CHECK(gz_image_read(path, &back) == GZ_OK);
    if (back) {
        CHECK(back->ndim == 3 && back->shape[0] == 3 && back->shape[1] == 4 && back->shape[2] == 2);
        const float *b = back->data;
        CHECK_NEAR(b[0], 0.0, 1e-6);
        CHECK_NEAR(b[1], 255.0, 1e-4);
        for (int i = 2; i < 24; i++) {
            double v = d[i] > 255 ? 255 : d[i];
            double want = floor(v * 65535.0 / 255.0 + 0.5) * 255.0 / 65535.0;
            CHECK_NEAR(b[i], want, 1e-4);
            CHECK_NEAR(b[i], v, 255.0 / 65535.0 / 2 + 1e-4);
        }
    }
    /* the file really is 16-bit: IHDR bit depth byte (offset 24) */
    FILE *f = fopen(path, "rb");
    unsigned char hdr[26] = {0};
    CHECK(f && fread(hdr, 1, sizeof hdr, f) == sizeof hdr);
    if (f)
        fclose(f);
    CHECK(hdr[24] == 16);
    CHECK(gz_png_write_depth(check_tmp("bad.png"), t, 12) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "8 or 16") != NULL);
    gz_tensor_free(t);
    gz_tensor_free(back);
}

int main(void)
{
    if (!check_tmpdir("gz_test_image"))
        return 1;
    RUN(test_png_roundtrip_all_channels);
    RUN(test_png_write_rounds_and_clamps);
    RUN(test_png_16bit);
    RUN(test_png_write_16bit);
    RUN(test_png_palette);
    RUN(test_png_1bit_and_interlaced);
    RUN(test_jpeg_read);
    RUN(test_grey);
    RUN(test_errors_garbage_and_truncated);
    RUN(test_huge_declared_png);
    RUN(test_write_errors);
    RUN(test_corruptions);
    check_tmpdir_remove();
    return check_done();
}
