/* The engine's window onto oneDNN (internal to the nn_*.c layer kernels).
 *
 * oneDNN is used only by the encoder engine: this header (the only one that
 * includes dnnl.h) and the nn_*.c kernels that include it. Nothing else in
 * gazelab (other core modules, Lua bindings, lib/) sees a oneDNN type; the
 * public API is nn.h.
 *
 * What lives here:
 *  - one CPU engine and one in-order stream for the process, created on
 *    first use; the OpenMP thread count follows gz_runconfig_threads()
 *    (oneDNN on Debian is built with OpenMP), checked before each execution;
 *  - gz_dnn_mem: a memory descriptor + a 64-byte aligned, zero-filled buffer
 *    (or a borrowed one) + the dnnl_memory_t bound to it, made once and
 *    reused every step;
 *  - gz_dnn_prim: a primitive with its descriptor, created once per shape
 *    by the layer caches, with a user scratchpad shared by all primitives
 *    (one process-wide buffer that only grows while primitives are made);
 *    small primitives (little data, few flops) are made for and run on one
 *    thread: a parallel region costs barriers, and on a busy machine each
 *    barrier waits for the other thread to be scheduled, which costs more
 *    than the work itself (oneDNN fixes its thread partition when a
 *    primitive is created, so the choice is made then);
 *  - reorders (optionally accumulating: dst += reorder(src)), the only
 *    layout conversions, used at the edges (plain weights <-> blocked
 *    weights, plain input -> blocked activations, blocked -> plain output).
 *
 * Failures return GZ_ERR_INTERNAL (or GZ_ERR_NOMEM) with a message naming
 * the oneDNN call and its status. Not thread-safe: one training thread. */
#ifndef GZ_ONEDNN_H
#define GZ_ONEDNN_H

#include <dnnl.h>
#include <stdbool.h>

#include "error.h"
#include "tensor.h"

/* Maps a oneDNN status to GZ_OK or GZ_ERR_INTERNAL with "oneDNN: what: status". */
gz_status gz_dnn_check(dnnl_status_t s, const char *what);

/* Creates the engine and stream on first call. */
gz_status gz_dnn_init(void);
dnnl_engine_t gz_dnn_engine(void);

/* Threads used by oneDNN (OpenMP); applied before the next execution. */
void gz_dnn_set_threads(int n);
int gz_dnn_threads(void);

typedef struct gz_dnn_mem {
    dnnl_memory_desc_t md;
    dnnl_memory_t mem; /* bound to data; NULL when empty */
    void *data;
    gz_tensor *owner;  /* storage of data when owned (or a view keeping a wrapped tensor alive) */
    int pool;          /* GZ_DNN_POOL_* + 1 when bound to a process-wide pool, else 0 */
    unsigned gen;      /* the pool's generation `data` points into */
    size_t owned;      /* bytes allocated by gz_dnn_mem_alloc (0 otherwise) */
} gz_dnn_mem;

/* Allocates a zero-filled buffer of md's size (at least 64 bytes). */
gz_status gz_dnn_mem_alloc(gz_dnn_mem *m, const dnnl_memory_desc_t *md);

/* Process-wide buffers that only grow, for data that lives within one
 * layer call (reordered gradients, weight-gradient scratch): every layer
 * binds its memories to the same few buffers instead of owning its own
 * (weight gradients, dy reordered for backward weights / backward data,
 * transient weight copies).
 * A pooled memory must be refreshed with gz_dnn_mem_sync before each use
 * (the pool moves when a later layer needs more room). Two memories of
 * one pool must never be live at the same time. */
enum { GZ_DNN_POOL_DW = 0, GZ_DNN_POOL_DYW, GZ_DNN_POOL_DYD, GZ_DNN_POOL_W, GZ_DNN_POOL_COUNT };
gz_status gz_dnn_mem_pooled(gz_dnn_mem *m, const dnnl_memory_desc_t *md, int pool);
gz_status gz_dnn_mem_sync(gz_dnn_mem *m);
/* Buffers for values that live from one layer call to the next
 * (gradients, outputs of layers without gradients): a process-wide set
 * of buffers, each lent to one value at a time; acquire returns the
 * smallest free one of at least `bytes` (a new one when none is free);
 * release lends it again. Buffers are never freed while the process
 * runs, so a stale pointer reads wrong data but never freed memory. */
void *gz_dnn_lend(size_t bytes);
void gz_dnn_unlend(void *p);

/* Bytes held by engine buffers: owned memories, pools and the scratchpad. */
size_t gz_dnn_bytes(void);
/* Binds md to borrowed data (not freed by gz_dnn_mem_free). */
gz_status gz_dnn_mem_wrap(gz_dnn_mem *m, const dnnl_memory_desc_t *md, void *data);
/* Points an existing memory at other data (same descriptor). */
gz_status gz_dnn_mem_rebind(gz_dnn_mem *m, void *data);
void gz_dnn_mem_free(gz_dnn_mem *m);
size_t gz_dnn_mem_bytes(const gz_dnn_mem *m);

/* Plain row-major descriptor (a, ab, abc, abcd) of float32. */
void gz_dnn_md_plain(dnnl_memory_desc_t *md, int ndims, const int64_t *dims);
/* Float32 descriptor with format_tag_any (the primitive chooses). */
void gz_dnn_md_any(dnnl_memory_desc_t *md, int ndims, const int64_t *dims);
/* Float32 descriptor with a given format tag (e.g. dnnl_acdb, channels last). */
void gz_dnn_md_tag(dnnl_memory_desc_t *md, int ndims, const int64_t *dims, dnnl_format_tag_t tag);
bool gz_dnn_md_equal(const dnnl_memory_desc_t *a, const dnnl_memory_desc_t *b);
/* True when md is the plain row-major layout of its dims. */
bool gz_dnn_md_is_plain(const dnnl_memory_desc_t *md);

typedef struct gz_dnn_prim {
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t p;
    dnnl_memory_t scratch;
    unsigned gen; /* scratchpad generation bound to `scratch` */
    int nthr;     /* OpenMP threads it was made for (and runs with) */
} gz_dnn_prim;

/* Creates a primitive from an operation descriptor (e.g. a
 * dnnl_convolution_desc_t *) with a user scratchpad; post_ops may be NULL;
 * hint is the forward primitive descriptor for backward ones (or NULL). */
gz_status gz_dnn_prim_create(gz_dnn_prim *out, const void *op_desc, const_dnnl_post_ops_t post_ops,
                             const_dnnl_primitive_desc_t hint, const char *what);
/* The same, but fails with GZ_ERR_LIMIT (no message, nothing made) when
 * the primitive would need a scratchpad of more than max_scratch bytes
 * (callers then fall back to another algorithm). */
gz_status gz_dnn_prim_create_capped(gz_dnn_prim *out, const void *op_desc,
                                    const_dnnl_post_ops_t post_ops,
                                    const_dnnl_primitive_desc_t hint, const char *what,
                                    size_t max_scratch);
/* Reorder src_md -> dst_md; accumulate: dst = reorder(src) + dst. */
gz_status gz_dnn_prim_reorder(gz_dnn_prim *out, const dnnl_memory_desc_t *src_md,
                              const dnnl_memory_desc_t *dst_md, bool accumulate);
/* A memory descriptor the primitive expects (dnnl_query_src_md, ...). */
const dnnl_memory_desc_t *gz_dnn_prim_md(const gz_dnn_prim *p, dnnl_query_t what, int index);
bool gz_dnn_prim_ok(const gz_dnn_prim *p);
void gz_dnn_prim_free(gz_dnn_prim *p);

/* Executes with the arguments plus the shared scratchpad, then waits. */
gz_status gz_dnn_exec(gz_dnn_prim *p, int nargs, dnnl_exec_arg_t *args);
/* dst = reorder(src) (or += when the primitive accumulates), creating the
 * reorder primitive in *cache on first use. */
gz_status gz_dnn_reorder(gz_dnn_prim *cache, const gz_dnn_mem *src, gz_dnn_mem *dst, bool accumulate);

/* Number of primitives created so far (tests check that a second step
 * creates none). */
long gz_dnn_prims_created(void);
/* How many of them use oneDNN's reference kernels ("ref:..."): correct but
 * 10-100x slower than the jit ones; tests check that networks have none. */
long gz_dnn_ref_prims(void);

#endif
