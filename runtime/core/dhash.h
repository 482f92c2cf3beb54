/* Difference hash of a heatmap (similarity.md section 4, McGIP's variant).
 *
 * The map is resized to 9 wide x 8 high with the spec's bilinear resize;
 * bit (r, c), c in 0..7, is 1 when I[r][c] > I[r][c+1]. The 64 bits are
 * kept in a uint64_t with bit (r, c) at position r * 8 + c (least
 * significant bit = row 0, column 0); the spec's row-major 0/1 string
 * reads bit 0 first. */
#ifndef GZ_DHASH_H
#define GZ_DHASH_H

#include <stdint.h>

#include "scheme.h"

#define GZ_DHASH_COLS 9
#define GZ_DHASH_ROWS 8

/* Bits of an already resized 9 x 8 map (row-major, 9 values a row). */
uint64_t gz_dhash_of_small(const double *small);

/* Resizes a w x h image (row-major doubles, w, h >= 1) and hashes it. */
uint64_t gz_dhash_of_image(const double *img, int w, int h);

/* Cosine similarity of the two 0/1 vectors, computed as
 * popcount(a & b) / sqrt(popcount(a) * popcount(b)) (the product is an
 * exact integer, so equal vectors give exactly 1); 0 when either is all
 * zeros. */
double gz_dhash_similarity(uint64_t a, uint64_t b);

/* The 64-character '0'/'1' string, row-major (bit (0,0) first), plus NUL. */
void gz_dhash_string(uint64_t bits, char out[65]);

/* The dhash scheme (vtable in scheme_heatmap.c). */
extern const gz_scheme gz_scheme_dhash;

#endif
