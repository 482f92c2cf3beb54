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

/* Uniform double in [0, 1) with 53 random bits, from (seed, stream, index). */
double gz_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);

/* Mixes integers into one stream id (a fixed, documented hash). */
uint64_t gz_rng_stream(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* A sequential generator over one (seed, stream): the k-th draw uses
 * index k. Copyable value type; its whole state is these fields. */
typedef struct gz_rng {
    uint64_t seed, stream, index;
    uint32_t buf[4];
    int left;
} gz_rng;

void gz_rng_init(gz_rng *r, uint64_t seed, uint64_t stream);
uint32_t gz_rng_u32(gz_rng *r);
uint64_t gz_rng_u64(gz_rng *r);
double gz_rng_double(gz_rng *r);                 /* [0, 1) */
double gz_rng_range(gz_rng *r, double lo, double hi); /* [lo, hi) */
double gz_rng_normal(gz_rng *r);                 /* standard normal */
uint64_t gz_rng_below(gz_rng *r, uint64_t n);    /* [0, n), unbiased; n >= 1 */

#endif
