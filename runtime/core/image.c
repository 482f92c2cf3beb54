/* PNG (libpng) and JPEG (libjpeg) reading into H x W x C float32 tensors
 * on the 0..255 scale, the grey conversion, and 8-bit PNG writing through
 * the atomic-write path. Library errors longjmp back to a setjmp in this
 * file only; every resource lives in a context struct that the caller of
 * the setjmp frame releases, so nothing leaks on any error path. */
#include "image.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "atomic_file.h"

static gz_status check_size(const char *path, uint64_t w, uint64_t h)
{
    if (w == 0 || h == 0)
        return gz_error_set(GZ_ERR_FORMAT, "%s: image has a zero dimension (%llu x %llu)", path,
                            (unsigned long long)w, (unsigned long long)h);
    if (w > GZ_IMAGE_MAX_SIDE || h > GZ_IMAGE_MAX_SIDE || w * h > (uint64_t)GZ_IMAGE_MAX_PIXELS)
        return gz_error_set(GZ_ERR_LIMIT,
                            "%s: image of %llu x %llu pixels exceeds the limit (%d per side, "
                            "%lld pixels)",
                            path, (unsigned long long)w, (unsigned long long)h,
                            GZ_IMAGE_MAX_SIDE, (long long)GZ_IMAGE_MAX_PIXELS);
    return GZ_OK;
}

/* ---- PNG reading ---- */

#define PNG_MSG_CAP 256

/* libpng's error callback, for reading and writing alike: the error
 * pointer is the context's msg buffer (PNG_MSG_CAP bytes); keeps the
 * message and jumps back to the context's setjmp. */
static void png_on_error(png_structp png, png_const_charp msg)
{
    char *out = png_get_error_ptr(png);
    snprintf(out, PNG_MSG_CAP, "%s", msg ? msg : "PNG error");
    png_longjmp(png, 1);
}

typedef struct {
    const char *path;
    FILE *fp;
    char msg[PNG_MSG_CAP];
    png_structp png;
    png_infop info;
    gz_tensor *img;
    unsigned char *buf;
    png_bytep *rows;
} png_rd;

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_on_read(png_structp png, png_bytep data, size_t n)
{
    png_rd *c = png_get_io_ptr(png);
    if (fread(data, 1, n, c->fp) != n)
        png_error(png, ferror(c->fp) ? "read error" : "file is truncated (unexpected end of file)");
}

static void png_row_to_float(float *dst, const unsigned char *src, size_t n, int depth)
{
    if (depth == 16) {
        for (size_t k = 0; k < n; k++) {
            unsigned v = ((unsigned)src[2 * k] << 8) | src[2 * k + 1];
            dst[k] = (float)((double)v * 255.0 / 65535.0);
        }
    } else {
        for (size_t k = 0; k < n; k++)
            dst[k] = (float)src[k];
    }
}

static gz_status png_read_inner(png_rd *c)
{
    png_set_read_fn(c->png, c, png_on_read);
    /* our own limits are checked below, with a clearer message */
    png_set_user_limits(c->png, 0x7fffffffU, 0x7fffffffU);
    png_set_sig_bytes(c->png, 8);
    png_read_info(c->png, c->info);
    png_uint_32 w, h;
    int depth, ctype, interlace;
    png_get_IHDR(c->png, c->info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    gz_status st = check_size(c->path, w, h);
    if (st)
        return st;
    if (ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(c->png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(c->png);
    if (png_get_valid(c->png, c->info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(c->png);
    int passes = png_set_interlace_handling(c->png);
    png_read_update_info(c->png, c->info);
    int channels = png_get_channels(c->png, c->info);
    int odepth = png_get_bit_depth(c->png, c->info);
    size_t rowbytes = png_get_rowbytes(c->png, c->info);
    if (channels < 1 || channels > 4 || (odepth != 8 && odepth != 16) ||
        rowbytes != (size_t)w * (size_t)channels * (size_t)(odepth / 8))
        return gz_error_set(GZ_ERR_FORMAT, "%s: unsupported PNG layout (%d channels, %d bits)",
                            c->path, channels, odepth);
    int64_t shape[3] = {h, w, channels};
    if ((st = gz_tensor_new(&c->img, GZ_F32, 3, shape)))
        return gz_error_prefix(st, "%s", c->path);
    float *out = c->img->data;
    size_t nrow = (size_t)w * (size_t)channels;
    if (passes > 1) {
        c->buf = gz_calloc(h, rowbytes);
        c->rows = gz_calloc(h, sizeof *c->rows);
        if (!c->buf || !c->rows)
            return gz_error_prefix(GZ_ERR_NOMEM, "%s", c->path);
        for (png_uint_32 y = 0; y < h; y++)
            c->rows[y] = c->buf + (size_t)y * rowbytes;
        png_read_image(c->png, c->rows);
        for (png_uint_32 y = 0; y < h; y++)
            png_row_to_float(out + (size_t)y * nrow, c->rows[y], nrow, odepth);
    } else {
        c->buf = gz_malloc(rowbytes);
        if (!c->buf)
            return gz_error_prefix(GZ_ERR_NOMEM, "%s", c->path);
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(c->png, c->buf, NULL);
            png_row_to_float(out + (size_t)y * nrow, c->buf, nrow, odepth);
        }
    }
    png_read_end(c->png, NULL);
    return GZ_OK;
}

static gz_status png_read_guarded(png_rd *c)
{
    if (setjmp(png_jmpbuf(c->png)))
        return gz_error_set(GZ_ERR_FORMAT, "%s: %s", c->path, c->msg);
    return png_read_inner(c);
}

static gz_status read_png(const char *path, FILE *fp, gz_tensor **out)
{
    /* the IHDR chunk follows the signature: check the declared size before
     * libpng reads anything else (a header-only file must fail on size) */
    unsigned char ihdr[16];
    if (fread(ihdr, 1, sizeof ihdr, fp) == sizeof ihdr && memcmp(ihdr + 4, "IHDR", 4) == 0) {
        uint64_t w = (uint64_t)ihdr[8] << 24 | (uint64_t)ihdr[9] << 16 |
                     (uint64_t)ihdr[10] << 8 | ihdr[11];
        uint64_t h = (uint64_t)ihdr[12] << 24 | (uint64_t)ihdr[13] << 16 |
                     (uint64_t)ihdr[14] << 8 | ihdr[15];
        gz_status st = check_size(path, w, h);
        if (st)
            return st;
    }
    if (fseek(fp, 8, SEEK_SET) != 0)
        return gz_error_set(GZ_ERR_IO, "%s: cannot seek: %s", path, strerror(errno));
    png_rd c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.fp = fp;
    c.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c.msg, png_on_error, png_on_warning);
    if (!c.png)
        return gz_error_set(GZ_ERR_NOMEM, "%s: cannot start libpng", path);
    c.info = png_create_info_struct(c.png);
    gz_status st = c.info ? png_read_guarded(&c)
                          : gz_error_set(GZ_ERR_NOMEM, "%s: cannot start libpng", path);
    png_destroy_read_struct(&c.png, c.info ? &c.info : NULL, NULL);
    free(c.buf);
    free(c.rows);
    if (st) {
        gz_tensor_free(c.img);
        return st;
    }
    *out = c.img;
    return GZ_OK;
}

/* ---- JPEG reading ---- */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
} jpeg_err;

typedef struct {
    const char *path;
    FILE *fp;
    struct jpeg_decompress_struct cinfo;
    jpeg_err err;
    bool created;
    gz_tensor *img;
    unsigned char *row;
} jpeg_rd;

static void jpeg_on_exit(j_common_ptr cinfo)
{
    jpeg_err *e = (jpeg_err *)cinfo->err;
    e->pub.format_message(cinfo, e->msg);
    longjmp(e->jb, 1);
}

/* Warnings (level -1) mean corrupt or truncated data: treated as errors. */
static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    if (level < 0) {
        jpeg_err *e = (jpeg_err *)cinfo->err;
        e->pub.format_message(cinfo, e->msg);
        longjmp(e->jb, 1);
    }
}

static void jpeg_on_output(j_common_ptr cinfo)
{
    (void)cinfo;
}

static gz_status jpeg_read_inner(jpeg_rd *c)
{
    jpeg_create_decompress(&c->cinfo);
    c->created = true;
    jpeg_stdio_src(&c->cinfo, c->fp);
    jpeg_read_header(&c->cinfo, TRUE);
    gz_status st = check_size(c->path, c->cinfo.image_width, c->cinfo.image_height);
    if (st)
        return st;
    if (c->cinfo.jpeg_color_space == JCS_CMYK || c->cinfo.jpeg_color_space == JCS_YCCK)
        return gz_error_set(GZ_ERR_FORMAT, "%s: CMYK JPEG images are not supported", c->path);
    c->cinfo.out_color_space = c->cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&c->cinfo);
    int channels = c->cinfo.output_components;
    JDIMENSION w = c->cinfo.output_width, h = c->cinfo.output_height;
    if (channels != 1 && channels != 3)
        return gz_error_set(GZ_ERR_FORMAT, "%s: unsupported JPEG with %d components", c->path,
                            channels);
    int64_t shape[3] = {h, w, channels};
    if ((st = gz_tensor_new(&c->img, GZ_F32, 3, shape)))
        return gz_error_prefix(st, "%s", c->path);
    size_t nrow = (size_t)w * (size_t)channels;
    c->row = gz_malloc(nrow);
    if (!c->row)
        return gz_error_prefix(GZ_ERR_NOMEM, "%s", c->path);
    float *out = c->img->data;
    while (c->cinfo.output_scanline < h) {
        JDIMENSION y = c->cinfo.output_scanline;
        JSAMPROW rp = c->row;
        if (jpeg_read_scanlines(&c->cinfo, &rp, 1) != 1)
            return gz_error_set(GZ_ERR_FORMAT, "%s: JPEG data ends early", c->path);
        for (size_t k = 0; k < nrow; k++)
            out[(size_t)y * nrow + k] = (float)c->row[k];
    }
    jpeg_finish_decompress(&c->cinfo);
    return GZ_OK;
}

static gz_status jpeg_read_guarded(jpeg_rd *c)
{
    if (setjmp(c->err.jb))
        return gz_error_set(GZ_ERR_FORMAT, "%s: %s", c->path, c->err.msg);
    return jpeg_read_inner(c);
}

static gz_status read_jpeg(const char *path, FILE *fp, gz_tensor **out)
{
    jpeg_rd *c = gz_calloc(1, sizeof *c);
    if (!c)
        return gz_error_prefix(GZ_ERR_NOMEM, "%s", path);
    c->path = path;
    c->fp = fp;
    c->cinfo.err = jpeg_std_error(&c->err.pub);
    c->err.pub.error_exit = jpeg_on_exit;
    c->err.pub.emit_message = jpeg_on_message;
    c->err.pub.output_message = jpeg_on_output;
    gz_status st = jpeg_read_guarded(c);
    if (c->created)
        jpeg_destroy_decompress(&c->cinfo);
    free(c->row);
    if (st)
        gz_tensor_free(c->img);
    else
        *out = c->img;
    free(c);
    return st;
}

/* ---- dispatch ---- */

gz_status gz_image_read(const char *path, gz_tensor **out)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return gz_error_set(GZ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char sig[8];
    size_t n = fread(sig, 1, sizeof sig, fp);
    gz_status st;
    if (n == 8 && png_sig_cmp(sig, 0, 8) == 0) {
        st = read_png(path, fp, out);
    } else if (n >= 3 && sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF) {
        rewind(fp);
        st = read_jpeg(path, fp, out);
    } else if (ferror(fp)) {
        st = gz_error_set(GZ_ERR_IO, "%s: read error", path);
    } else {
        st = gz_error_set(GZ_ERR_FORMAT, "%s: not a PNG or JPEG file%s", path,
                          n == 0 ? " (empty)" : "");
    }
    fclose(fp);
    return st;
}

gz_status gz_image_to_grey(const gz_tensor *img, gz_tensor **out)
{
    *out = NULL;
    int64_t c = img->ndim == 3 ? img->shape[2] : 1;
    if ((img->ndim != 2 && img->ndim != 3) || c < 1 || c > 4)
        return gz_error_set(GZ_ERR_ARG,
                            "image_to_grey: expected H x W or H x W x C (C = 1..4), got a "
                            "%d-d tensor",
                            img->ndim);
    int64_t shape[2] = {img->shape[0], img->shape[1]};
    gz_status st = gz_tensor_new(out, GZ_F32, 2, shape);
    if (st)
        return st;
    int64_t np = shape[0] * shape[1];
    float *dst = (*out)->data;
    bool fast = img->dtype == GZ_F32 && gz_tensor_is_contiguous(img);
    const float *src = img->data;
    for (int64_t p = 0; p < np; p++) {
        double v[3];
        int64_t take = c >= 3 ? 3 : 1;
        for (int64_t k = 0; k < take; k++)
            v[k] = fast ? (double)src[p * c + k] : gz_tensor_get_flat(img, p * c + k);
        dst[p] = (float)(take == 3 ? 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2] : v[0]);
    }
    return GZ_OK;
}

/* ---- PNG writing ---- */

typedef struct {
    const char *path;
    FILE *fp;
    char msg[PNG_MSG_CAP];
    png_structp png;
    png_infop info;
    const gz_tensor *img;
    int depth; /* 8 or 16 */
    unsigned char *row;
} png_wr;

static unsigned char to_byte(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 255)
        return 255;
    return (unsigned char)(v + 0.5);
}

/* A 0..255-scale value as a 16-bit sample: v * 65535 / 255, rounded,
 * clamped (so 8-bit values map exactly to v * 257). */
static unsigned to_word(double v)
{
    if (!(v > 0))
        return 0;
    double s = v * (65535.0 / 255.0);
    if (s >= 65535.0)
        return 65535;
    return (unsigned)(s + 0.5);
}

static gz_status png_write_inner(png_wr *c)
{
    const gz_tensor *img = c->img;
    int64_t h = img->shape[0], w = img->shape[1];
    int ch = img->ndim == 3 ? (int)img->shape[2] : 1;
    static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                 PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    png_init_io(c->png, c->fp);
    png_set_IHDR(c->png, c->info, (png_uint_32)w, (png_uint_32)h, c->depth, types[ch],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(c->png, c->info);
    size_t nrow = (size_t)w * (size_t)ch;
    bool fast = img->dtype == GZ_F32 && gz_tensor_is_contiguous(img);
    const float *src = img->data;
    for (int64_t y = 0; y < h; y++) {
        int64_t base = y * (int64_t)nrow;
        for (size_t k = 0; k < nrow; k++) {
            double v = fast ? (double)src[base + (int64_t)k]
                            : gz_tensor_get_flat(img, base + (int64_t)k);
            if (c->depth == 16) {
                unsigned word = to_word(v); /* PNG samples are big-endian */
                c->row[2 * k] = (unsigned char)(word >> 8);
                c->row[2 * k + 1] = (unsigned char)(word & 0xff);
            } else {
                c->row[k] = to_byte(v);
            }
        }
        png_write_row(c->png, c->row);
    }
    png_write_end(c->png, NULL);
    return GZ_OK;
}

static gz_status png_write_guarded(png_wr *c)
{
    if (setjmp(png_jmpbuf(c->png)))
        return gz_error_set(GZ_ERR_IO, "%s: %s", c->path, c->msg);
    return png_write_inner(c);
}

gz_status gz_png_write(const char *path, const gz_tensor *img)
{
    return gz_png_write_depth(path, img, 8);
}

gz_status gz_png_write_depth(const char *path, const gz_tensor *img, int depth)
{
    if (depth != 8 && depth != 16)
        return gz_error_set(GZ_ERR_ARG, "%s: PNG bit depth must be 8 or 16, not %d", path, depth);
    int64_t ch = img->ndim == 3 ? img->shape[2] : 1;
    if ((img->ndim != 2 && img->ndim != 3) || ch < 1 || ch > 4)
        return gz_error_set(GZ_ERR_ARG,
                            "%s: PNG images are H x W or H x W x C with C = 1..4 (got a %d-d "
                            "tensor)",
                            path, img->ndim);
    if (img->shape[0] < 1 || img->shape[1] < 1)
        return gz_error_set(GZ_ERR_ARG, "%s: cannot write an empty image (%lld x %lld)", path,
                            (long long)img->shape[0], (long long)img->shape[1]);
    gz_status st = check_size(path, (uint64_t)img->shape[1], (uint64_t)img->shape[0]);
    if (st)
        return st;
    png_wr c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.img = img;
    c.depth = depth;
    c.row = gz_malloc((size_t)img->shape[1] * (size_t)ch * (size_t)(depth / 8));
    if (!c.row)
        return gz_error_prefix(GZ_ERR_NOMEM, "%s", path);
    gz_atomic_file *f = NULL;
    if ((st = gz_atomic_open(&f, path))) {
        free(c.row);
        return st;
    }
    c.fp = gz_atomic_stream(f);
    c.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, c.msg, png_on_error, png_on_warning);
    c.info = c.png ? png_create_info_struct(c.png) : NULL;
    if (!c.png || !c.info)
        st = gz_error_set(GZ_ERR_NOMEM, "%s: cannot start libpng", path);
    else
        st = png_write_guarded(&c);
    if (c.png)
        png_destroy_write_struct(&c.png, c.info ? &c.info : NULL);
    free(c.row);
    if (st) {
        gz_atomic_abort(f);
        return st;
    }
    return gz_atomic_commit(f);
}
