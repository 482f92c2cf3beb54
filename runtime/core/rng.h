/* Counter-based random numbers (Philox4x32-10). [CONTRACT: implemented by
 * the infrastructure work]
 *
 * Every draw is a pure function of (seed, stream, index): no hidden state,
 * so results do not depend on thread count or order. Streams separate
 * uses (e.g. one per purpose and epoch); gz_rng_stream() derives a stream
 * id from several integers (purpose, epoch, sample, view, ...). */
#ifndef GZ_RNG_H
#define GZ_RNG_H

#include <stdint.h>

/* The four 32-bit words of Philox4x32-10 with key = seed and counter =
 * (index, stream). */
void gz_philox4x32(uint64_t seed, uint64_t stream, uint64_t index, uint32_t out[4]);

/* The bare block function: key = {seed low, seed high}, counter =
 * {index low, index high, stream low, stream high} in the call above.
 * Matches Random123's philox4x32 with 10 rounds (known-answer tests in
 * tests/c/test_rng.c). */
void gz_philox4x32_block(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* Uniform double in [0, 1) with 53 random bits, from (seed, stream, index). */
double gz_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);

/* Mixes integers into one stream id (a fixed, documented hash):
 *   h = 0x243F6A8885A308D3; for v in (a, b, c, d): h = mix(h ^ v) + 0x9E3779B97F4A7C15;
 *   return mix(h)
 * where mix is the splitmix64 finalizer (x ^= x >> 30; x *= 0xBF58476D1CE4E5B9;
 * x ^= x >> 27; x *= 0x94D049BB133111EB; x ^= x >> 31). Order matters;
 * unused slots are 0 by convention. */
uint64_t gz_rng_stream(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* A sequential generator over one (seed, stream): the k-th draw uses
 * index k. Copyable value type; its whole state is these fields. */
typedef struct gz_rng {
    uint64_t seed, stream, index;
    uint32_t buf[4];
    int left;
} gz_rng;

/* Draw order: counter block k (index k) yields the words out[0..3], used in
 * that order; `index` is the next block to compute and `left` the unused
 * words of block index-1 (still in buf). u64 = first word | second << 32.
 * double = (u64 >> 11) * 2^-53, so on a fresh generator the first
 * gz_rng_double equals gz_rng_uniform(seed, stream, 0) and each double
 * drawn at a block boundary equals gz_rng_uniform of that block.
 * normal: Box-Muller from two doubles u1, u2 (in that order):
 * sqrt(-2 ln(1 - u1)) * cos(2 pi u2); the sine half is discarded so that
 * every normal costs exactly two doubles (state stays simple).
 * below(n): rejection of the lowest (2^64 mod n) values of u64, then u64 % n
 * (n <= 1 returns 0 without drawing). */
void gz_rng_init(gz_rng *r, uint64_t seed, uint64_t stream);
uint32_t gz_rng_u32(gz_rng *r);
uint64_t gz_rng_u64(gz_rng *r);
double gz_rng_double(gz_rng *r);                 /* [0, 1) */
double gz_rng_range(gz_rng *r, double lo, double hi); /* [lo, hi) */
double gz_rng_normal(gz_rng *r);                 /* standard normal */
uint64_t gz_rng_below(gz_rng *r, uint64_t n);    /* [0, n), unbiased; n >= 1 */

/* Restores a generator from a checkpoint of (seed, stream, index, left)
 * (left is clamped to 0..4; with left > 0 buf is recomputed from block
 * index-1, so index must then be >= 1, else left becomes 0). */
void gz_rng_restore(gz_rng *r, uint64_t seed, uint64_t stream, uint64_t index, int left);

#endif
