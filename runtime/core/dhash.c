/* Difference hash: 9 x 8 bilinear resize, left > right bits, cosine. */
#include "dhash.h"

#include <math.h>

#include "heatmap.h"

uint64_t gz_dhash_of_small(const double *small)
{
    uint64_t bits = 0;
    for (int r = 0; r < GZ_DHASH_ROWS; r++)
        for (int c = 0; c < GZ_DHASH_COLS - 1; c++)
            if (small[r * GZ_DHASH_COLS + c] > small[r * GZ_DHASH_COLS + c + 1])
                bits |= (uint64_t)1 << (r * 8 + c);
    return bits;
}

uint64_t gz_dhash_of_image(const double *img, int w, int h)
{
    double small[GZ_DHASH_COLS * GZ_DHASH_ROWS];
    gz_resize_bilinear(img, w, h, small, GZ_DHASH_COLS, GZ_DHASH_ROWS);
    return gz_dhash_of_small(small);
}

static int popcount64(uint64_t v)
{
    return __builtin_popcountll(v);
}

double gz_dhash_similarity(uint64_t a, uint64_t b)
{
    int na = popcount64(a), nb = popcount64(b);
    if (na == 0 || nb == 0)
        return 0.0;
    /* na * nb is an exact integer, so one rounding in sqrt and one in the
     * division: identical vectors give exactly 1. */
    return (double)popcount64(a & b) / sqrt((double)na * (double)nb);
}

void gz_dhash_string(uint64_t bits, char out[65])
{
    for (int k = 0; k < 64; k++)
        out[k] = (bits >> k) & 1 ? '1' : '0';
    out[64] = '\0';
}
