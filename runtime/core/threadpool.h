/* Parallel loops over index ranges. [CONTRACT: implemented by the
 * infrastructure work]
 *
 * fn(ctx, begin, end, worker) processes indices [begin, end); worker is
 * 0 .. threads-1 (for per-worker scratch). Results must not depend on the
 * split: callers write each index's result to its own slot. threads <= 0
 * means gz_runconfig_threads(). Returns the first non-OK status any call
 * returned (fn returns gz_status), after all workers stopped; the error
 * message of that worker is copied to the calling thread. Work stops early
 * when a call fails or gz_cancel_requested() becomes true
 * (GZ_ERR_CANCELLED). */
#ifndef GZ_THREADPOOL_H
#define GZ_THREADPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

typedef gz_status (*gz_range_fn)(void *ctx, int64_t begin, int64_t end, int worker);

/* Static split into `threads` contiguous, nearly equal chunks. */
gz_status gz_parallel_for(int64_t n, int threads, gz_range_fn fn, void *ctx);

/* Dynamic split: workers take chunks of `grain` indices in order (for
 * uneven work such as the rows of an upper triangle). */
gz_status gz_parallel_for_dynamic(int64_t n, int threads, int64_t grain, gz_range_fn fn,
                                  void *ctx);

/* Process-wide cancel flag (SIGINT, --max-time): long kernels poll it. */
void gz_cancel_request(void);
void gz_cancel_clear(void);
bool gz_cancel_requested(void);

#endif
