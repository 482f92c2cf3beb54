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
 * uneven work such as the rows of an upper triangle). grain <= 0 picks
 * max(1, n / (16 * threads)).
 *
 * Both: the caller's thread is worker 0; other workers come from a
 * persistent pool created on first use. A loop started from inside a
 * worker runs serially there (worker 0 only); a loop started while another
 * thread's loop holds the pool runs on threads spawned for that call. At
 * most 1024 threads; never more workers than chunks. A static worker that
 * starts after another failed skips its chunk. */
gz_status gz_parallel_for_dynamic(int64_t n, int threads, int64_t grain, gz_range_fn fn,
                                  void *ctx);

/* Process-wide cancel flag (SIGINT, --max-time): long kernels poll it. */
void gz_cancel_request(void);
void gz_cancel_clear(void);
bool gz_cancel_requested(void);

#endif
