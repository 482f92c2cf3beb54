/* Drawing for every picture gazelab makes (gaze overlays, heat maps,
 * figures): a canvas over a cairo ARGB32 image surface.
 *
 * Coordinates are in pixels, origin top-left, x to the right, y down;
 * pixel (i, j) covers [j, j+1) x [i, i+1), so a 1-pixel line that should
 * cover exactly one pixel column is drawn at x = j + 0.5. Colours are
 * gz_rgba with components 0..1 (not premultiplied). All shapes are
 * antialiased. Drawing calls never fail once the canvas exists (cairo
 * records errors in the surface; they are reported by gz_canvas_to_tensor
 * and gz_canvas_save_png). Images and maps are gz_tensors of any dtype
 * read as doubles: images H x W (grey) or H x W x C (C = 1 grey, 2 grey +
 * alpha, 3 RGB, 4 RGBA) on the 0..255 scale, maps H x W of any range.
 *
 * Text uses cairo's toy text API with the "DejaVu Sans" face (fontconfig
 * falls back to any sans font). Saving goes through gz_png_write
 * (runtime/core/image.h), so files are written atomically. A canvas is not
 * thread-safe; different canvases may be used from different threads. */
#ifndef GZ_DRAW_H
#define GZ_DRAW_H

#include <stdbool.h>

#include "error.h"
#include "tensor.h"

/* cairo's image surface limit */
#define GZ_CANVAS_MAX_SIDE 32767

typedef struct gz_rgba {
    double r, g, b, a; /* 0..1 */
} gz_rgba;

typedef struct gz_canvas gz_canvas;

/* New w x h canvas filled with background. GZ_ERR_ARG unless
 * 1 <= w, h <= GZ_CANVAS_MAX_SIDE; GZ_ERR_NOMEM. Caller frees. */
gz_status gz_canvas_new(gz_canvas **out, int w, int h, gz_rgba background);
void gz_canvas_free(gz_canvas *c); /* NULL is ignored */
int gz_canvas_width(const gz_canvas *c);
int gz_canvas_height(const gz_canvas *c);

/* Draws img scaled into the rectangle (x, y, w, h) with bilinear
 * filtering (edges padded, so no dark border); alpha channels blend.
 * smooth = false uses nearest-neighbour (crisp pixels). GZ_ERR_ARG on a
 * bad shape or a non-positive rectangle. */
gz_status gz_canvas_image(gz_canvas *c, const gz_tensor *img, double x, double y, double w,
                          double h, bool smooth);

void gz_canvas_line(gz_canvas *c, double x0, double y0, double x1, double y1, double width,
                    gz_rgba color);

/* Shapes: fill and/or stroke (NULL = none); width is the stroke width. */
void gz_canvas_circle(gz_canvas *c, double cx, double cy, double r, const gz_rgba *fill,
                      const gz_rgba *stroke, double width);
void gz_canvas_rect(gz_canvas *c, double x, double y, double w, double h, const gz_rgba *fill,
                    const gz_rgba *stroke, double width);
/* n points xy[2k], xy[2k+1]; closed joins the last point to the first
 * (needed for a fill). Fewer than 2 points draws nothing. */
void gz_canvas_polyline(gz_canvas *c, const double *xy, int n, bool closed,
                        const gz_rgba *fill, const gz_rgba *stroke, double width);

typedef enum gz_align { GZ_ALIGN_LEFT = 0, GZ_ALIGN_CENTER, GZ_ALIGN_RIGHT } gz_align;

/* Text whose box's top edge is at y (the font's ascent below y) and whose
 * left edge, centre or right edge is at x. size is the font size in
 * pixels. halo (NULL = none) draws an outline of width ~size/6 in that
 * colour under the glyphs, for text over images. bold selects the bold
 * face. Only UTF-8 text; invalid UTF-8 draws nothing. */
void gz_canvas_text(gz_canvas *c, double x, double y, const char *s, double size,
                    gz_rgba color, const gz_rgba *halo, gz_align align, bool bold);

/* Width and height (ascent + descent) of s at size, in pixels. */
void gz_canvas_text_size(gz_canvas *c, const char *s, double size, bool bold, double *w,
                         double *h);

/* Colour maps: t in [0, 1] (clamped; NaN gives transparent black).
 * viridis: linear interpolation between 10 control points of the viridis
 * palette (perceptually uniform, colour-blind safe); hot: black -> red ->
 * yellow -> white; jet: blue -> cyan -> yellow -> red; grey: black ->
 * white. */
typedef enum gz_colormap {
    GZ_CMAP_VIRIDIS = 0,
    GZ_CMAP_HOT,
    GZ_CMAP_JET,
    GZ_CMAP_GREY
} gz_colormap;

gz_rgba gz_colormap_color(gz_colormap cmap, double t);
const char *gz_colormap_name(gz_colormap cmap);
/* "viridis", "hot", "jet", "grey" (also "gray"); GZ_ERR_ARG naming the
 * nearest valid name otherwise. */
gz_status gz_colormap_parse(const char *name, gz_colormap *out);

typedef struct gz_heat_opts {
    gz_colormap cmap;
    double alpha;      /* overall opacity 0..1 */
    double lo, hi;     /* value range mapped to 0..1; lo >= hi (or NaN): the map's min..max */
    bool alpha_by_value; /* opacity also scaled by the normalised value (low = clear) */
    bool smooth;       /* bilinear scaling (else nearest) */
} gz_heat_opts;

/* Default options: viridis, alpha 1, auto range, constant alpha, smooth. */
gz_heat_opts gz_heat_defaults(void);

/* Colours the H x W scalar map and blends it into the rectangle (x, y, w,
 * h) over what is already drawn. NaN values stay transparent. */
gz_status gz_canvas_heat(gz_canvas *c, const gz_tensor *map, double x, double y, double w,
                         double h, const gz_heat_opts *opts);

/* The canvas as a new GZ_F32 H x W x channels tensor on the 0..255 scale
 * (channels 3 = RGB, 4 = RGBA, not premultiplied). Caller frees. */
gz_status gz_canvas_to_tensor(const gz_canvas *c, int channels, gz_tensor **out);

/* Writes the canvas as an 8-bit RGB PNG (RGBA when alpha is true) through
 * gz_png_write (atomic). */
gz_status gz_canvas_save_png(const gz_canvas *c, const char *path, bool alpha);

/* A colour map applied to a scalar map: a new GZ_F32 H x W x 3 tensor on
 * 0..255 (NaN gives 0). lo/hi as in gz_heat_opts. */
gz_status gz_colormap_apply(const gz_tensor *map, gz_colormap cmap, double lo, double hi,
                            gz_tensor **out);

#endif
