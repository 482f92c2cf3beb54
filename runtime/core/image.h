/* Image files: PNG (libpng) read/write and JPEG (libjpeg) read.
 * [CONTRACT: implemented by the formats work; see runtime/core/image.c]
 *
 * In memory an image is a gz_tensor of dtype GZ_F32, shape H x W x C
 * (C = 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), values on the 0..255 scale
 * (16-bit PNG samples v become v * 255 / 65535; palette images expand to
 * RGB or RGBA). Dimensions are checked against GZ_IMAGE_MAX_SIDE and
 * GZ_IMAGE_MAX_PIXELS before anything is allocated. Library errors are
 * caught (setjmp inside this module) and reported as
 * "FILE: message"; never a crash. */
#ifndef GZ_IMAGE_H
#define GZ_IMAGE_H

#include "error.h"
#include "tensor.h"

#define GZ_IMAGE_MAX_SIDE 65535
#define GZ_IMAGE_MAX_PIXELS (1LL << 28)

/* Reads a PNG or JPEG (detected from the signature, not the extension).
 * Caller frees *out. */
gz_status gz_image_read(const char *path, gz_tensor **out);

/* Grey conversion used everywhere: C = 1 is copied; grey+alpha keeps the
 * grey; RGB(A) becomes 0.299 R + 0.587 G + 0.114 B (alpha ignored).
 * Returns a new GZ_F32 tensor of shape H x W. */
gz_status gz_image_to_grey(const gz_tensor *img, gz_tensor **out);

/* Writes an 8-bit PNG through the atomic-write path. img is H x W or
 * H x W x C (C = 1..4), any dtype; values are rounded to nearest and
 * clamped to 0..255. */
gz_status gz_png_write(const char *path, const gz_tensor *img);

/* The same with bit depth 8 or 16; at 16 bits a value v on the 0..255
 * scale becomes round(v * 65535 / 255) clamped to 0..65535, so reading
 * the file back gives v to within 255 / 65535 / 2. */
gz_status gz_png_write_depth(const char *path, const gz_tensor *img, int depth);

#endif
