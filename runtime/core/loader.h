/* The two-view batch loader: images decoded once and kept in memory,
 * worker threads (pthreads) that prepare the next batches while the
 * current one trains, a bounded queue of prepared batches.
 *
 * Items are numbered 0 .. n-1 in the loader; each has an image (a file
 * path decoded on first use, or a tensor given with gz_loader_set_image),
 * a dataset index (used in the random streams and returned with the
 * batch), a label and optionally a gaze heat map.
 *
 * Determinism: the order of epoch e is the identity, or with shuffle a
 * Fisher-Yates permutation drawn from gz_rng(seed,
 * gz_rng_stream(GZ_LOADER_SHUFFLE_PURPOSE, e, 0, 0)) (gz_rng_below(i + 1) for
 * i = n-1 .. 1); view v of item i is the pipeline of view v applied with
 * (seed, gz_aug_stream(e, index[i], v)). Batches are therefore identical
 * for any number of workers and any prefetch depth.
 *
 * Cache: decoded images are kept (float32 C x H x W, 0..1, after the
 * optional load resize) while the total stays within cache_bytes; images that
 * do not fit are decoded again each time they are used.
 *
 * Threads: the caller's thread owns the loader (not thread-safe itself);
 * with workers == 0 batches are prepared inside gz_loader_next. */
#ifndef GZ_LOADER_H
#define GZ_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "augment.h"
#include "error.h"
#include "tensor.h"

#define GZ_LOADER_MAX_VIEWS 8
#define GZ_LOADER_MAX_WORKERS 64
#define GZ_LOADER_SHUFFLE_PURPOSE 0x73687566u /* "shuf" */
/* Default cache limit: 2 GiB of decoded images. */
#define GZ_LOADER_CACHE_BYTES ((int64_t)2 << 30)

typedef struct gz_loader_opts {
    int batch;            /* >= 1 */
    int views;            /* 1 .. GZ_LOADER_MAX_VIEWS */
    bool shuffle;
    bool drop_last;       /* drop a last batch smaller than `batch` */
    int workers;          /* 0 .. GZ_LOADER_MAX_WORKERS (0: prepare in gz_loader_next) */
    int prefetch;         /* prepared batches kept ahead; <= 0 means 2 * workers */
    uint64_t seed;
    int channels;         /* 1 or 3 (image.h grey weights / grey repeated) */
    int load_h, load_w;   /* load_h > 0: decoded images are resized once (antialiased
                             bilinear) to load_h x load_w, or with load_w == 0 so
                             that the shorter side is load_h (aspect kept) */
    int64_t cache_bytes;  /* < 0: GZ_LOADER_CACHE_BYTES */
} gz_loader_opts;

typedef struct gz_loader gz_loader;

/* n items; paths[i] may be NULL when the image is given by
 * gz_loader_set_image before the first epoch. indices and labels may be
 * NULL (then index = i, label = -1). pipes[v] for v < opts->views (the
 * same pipeline may repeat); the loader copies what it needs. Worker
 * threads start here. Caller frees. */
gz_status gz_loader_new(gz_loader **out, const gz_loader_opts *opts, int64_t n,
                        const char *const *paths, const int64_t *indices, const int64_t *labels,
                        const gz_aug_pipeline *const *pipes);
void gz_loader_free(gz_loader *ld); /* stops and joins the workers; NULL is ignored */

/* Gives item i's image (H x W or H x W x C on 0..255, as image.h reads
 * it; copied and converted) or heat map (H' x W', non-negative, same
 * field of view as the image; copied as float32). Only between epochs. */
gz_status gz_loader_set_image(gz_loader *ld, int64_t i, const gz_tensor *img);
gz_status gz_loader_set_heat(gz_loader *ld, int64_t i, const gz_tensor *heat);

int64_t gz_loader_size(const gz_loader *ld);
/* Batches per epoch. */
int64_t gz_loader_batches(const gz_loader *ld);

/* Starts epoch e (any value) at batch `first` (0-based; > 0 resumes in
 * the middle of an epoch, giving the same batches from there on).
 * Abandons the batches of an unfinished epoch. Workers start preparing
 * at once. GZ_ERR_ARG when first is negative. */
gz_status gz_loader_start(gz_loader *ld, uint64_t epoch, int64_t first);

typedef struct gz_loader_batch {
    int64_t n;                              /* items; 0 at the end of the epoch */
    int64_t number;                         /* batch number within the epoch */
    gz_tensor *views[GZ_LOADER_MAX_VIEWS];  /* n x C x H x W float32 each */
    gz_tensor *indices;                     /* n int64 dataset indices */
    gz_tensor *labels;                      /* n int64 labels (-1 = none) */
} gz_loader_batch;

/* The next batch of the started epoch, in order; the caller owns the
 * tensors (free with gz_loader_batch_free). At the end b->n == 0. A
 * failed image (unreadable file, sizes that differ after the pipeline)
 * fails that batch with its message; later batches can still be read. */
gz_status gz_loader_next(gz_loader *ld, gz_loader_batch *b);
void gz_loader_batch_free(gz_loader_batch *b);

typedef struct gz_loader_stats {
    double wait_seconds;    /* time gz_loader_next spent waiting for workers */
    double prepare_seconds; /* worker time spent preparing batches (all workers) */
    int64_t batches, images;
    int64_t cached_images, cached_bytes, decodes;
} gz_loader_stats;
void gz_loader_get_stats(gz_loader *ld, gz_loader_stats *s);

#endif
