/* Philox4x32-10 counter-based generator (Salmon et al., SC'11), the stream
 * mixing hash, and a small sequential generator over one (seed, stream).
 * Written from the published algorithm description; checked against the
 * Random123 known-answer vectors in tests/c/test_rng.c. */
#include "rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline void philox_round(uint32_t c[4], const uint32_t k[2])
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c[1] ^ k[0];
    uint32_t n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
}

void gz_philox4x32_block(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k[2] = {key[0], key[1]};
    philox_round(c, k);
    for (int r = 1; r < 10; r++) {
        k[0] += PHILOX_W0;
        k[1] += PHILOX_W1;
        philox_round(c, k);
    }
    out[0] = c[0];
    out[1] = c[1];
    out[2] = c[2];
    out[3] = c[3];
}

void gz_philox4x32(uint64_t seed, uint64_t stream, uint64_t index, uint32_t out[4])
{
    const uint32_t ctr[4] = {(uint32_t)index, (uint32_t)(index >> 32), (uint32_t)stream,
                             (uint32_t)(stream >> 32)};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    gz_philox4x32_block(ctr, key, out);
}

static inline double u64_to_double(uint64_t x)
{
    return (double)(x >> 11) * 0x1.0p-53;
}

double gz_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint32_t w[4];
    gz_philox4x32(seed, stream, index, w);
    return u64_to_double((uint64_t)w[0] | ((uint64_t)w[1] << 32));
}

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return x;
}

uint64_t gz_rng_stream(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    const uint64_t v[4] = {a, b, c, d};
    uint64_t h = 0x243F6A8885A308D3ull;
    for (int i = 0; i < 4; i++)
        h = mix64(h ^ v[i]) + 0x9E3779B97F4A7C15ull;
    return mix64(h);
}

void gz_rng_init(gz_rng *r, uint64_t seed, uint64_t stream)
{
    r->seed = seed;
    r->stream = stream;
    r->index = 0;
    r->buf[0] = r->buf[1] = r->buf[2] = r->buf[3] = 0;
    r->left = 0;
}

void gz_rng_restore(gz_rng *r, uint64_t seed, uint64_t stream, uint64_t index, int left)
{
    gz_rng_init(r, seed, stream);
    r->index = index;
    if (left < 0 || index == 0)
        left = 0;
    if (left > 4)
        left = 4;
    if (left > 0)
        gz_philox4x32(seed, stream, index - 1, r->buf);
    r->left = left;
}

uint32_t gz_rng_u32(gz_rng *r)
{
    if (r->left <= 0) {
        gz_philox4x32(r->seed, r->stream, r->index, r->buf);
        r->index++;
        r->left = 4;
    }
    return r->buf[4 - r->left--];
}

uint64_t gz_rng_u64(gz_rng *r)
{
    uint64_t lo = gz_rng_u32(r);
    uint64_t hi = gz_rng_u32(r);
    return lo | (hi << 32);
}

double gz_rng_double(gz_rng *r)
{
    return u64_to_double(gz_rng_u64(r));
}

double gz_rng_range(gz_rng *r, double lo, double hi)
{
    double u = gz_rng_double(r);
    double v = lo + (hi - lo) * u;
    /* rounding can land exactly on hi for some lo/hi: keep [lo, hi) */
    if (v >= hi && hi > lo)
        v = nextafter(hi, lo);
    return v;
}

double gz_rng_normal(gz_rng *r)
{
    double u1 = gz_rng_double(r);
    double u2 = gz_rng_double(r);
    double rad = sqrt(-2.0 * log(1.0 - u1)); /* 1 - u1 in (0, 1] */
    return rad * cos(6.283185307179586 * u2);
}

uint64_t gz_rng_below(gz_rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
    for (;;) {
        uint64_t x = gz_rng_u64(r);
        if (x >= threshold)
            return x % n;
    }
}
