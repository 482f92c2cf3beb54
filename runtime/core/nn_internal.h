/* Internals shared by the nn_*.c layer kernels (not a public header).
 *
 * A layer has a list of cache entries, one per (slot, training, input
 * layout); each entry owns the primitives and the buffers that must
 * survive from a slot's forward to its backward (outputs, workspaces,
 * batch statistics, the input in the forward's layout). The kernel
 * families (nn_conv.c, nn_bn.c, nn_simple.c) fill an entry on its first
 * forward and first backward.
 *
 * What the slots of a layer do not need separately lives once per layer
 * or once per process:
 *  - weights in a primitive's layout (gz_nn_wcopy): reordered from the
 *    plain tensor only when its version changed (optimizer step, EMA,
 *    load), so the second view reuses them; the backward-data copies and
 *    those of layers without gradients live in a process-wide pool;
 *  - input gradients and the outputs of layers without gradients: lent
 *    buffers (onednn.h), held from the call that makes them until the
 *    consumer releases them (gz_nn_val_release: the Lua containers do,
 *    once the next layer has read them) or the layer's next call, so a
 *    backward pass needs a few live gradient buffers, not one per layer;
 *  - reordered gradients and the weight-gradient scratch: process-wide
 *    pools (onednn.h), live only within one backward call. */
#ifndef GZ_NN_INTERNAL_H
#define GZ_NN_INTERNAL_H

#include "nn.h"
#include "onednn.h"

struct gz_nn_val {
    gz_dnn_mem m;
    int ndims;
    int64_t dims[4];
    bool layer_owned;
    bool lent;   /* its buffer is lent (gz_dnn_lend) at each call, not owned */
    bool held;   /* lent: a buffer is held (the value is readable) */
};

typedef struct gz_nn_entry {
    struct gz_nn_entry *next;
    int slot;
    bool train;   /* the layer's mode (batch norm: batch statistics) */
    bool infer;   /* no backward will follow (evaluation or no-grad) */
    dnnl_memory_desc_t key, key2; /* input layouts */
    gz_dnn_prim fwd, bwd, bwdw, aux;
    gz_dnn_prim r_x, r_dw, r_dyd, r_dyw;
    gz_nn_val y, dx;
    gz_dnn_mem xr;          /* x in the forward's src layout (when it differs) */
    gz_dnn_mem dyd, dyw;    /* dy in the layouts the backward primitives want (pooled) */
    gz_dnn_mem dw, db;      /* weight gradient scratch (pooled), bias gradient */
    gz_dnn_mem mean, var, ws, dscale, dshift, scale, shift, rmean, rvar;
    gz_dnn_mem alias;       /* flatten: 4-D plain view of a 2-D buffer */
    const gz_dnn_mem *src;  /* the memory the forward actually read */
    const gz_nn_val *x, *x2;
    bool bwd_ready;
    bool wino;              /* conv: Winograd algorithm (else direct) */
} gz_nn_entry;

/* The layer's weights in one primitive layout. */
typedef struct gz_nn_wcopy {
    gz_dnn_mem m;
    gz_dnn_prim r;     /* plain -> this layout */
    uint64_t version;  /* of the plain weight tensor reordered in (0 = none) */
    uint64_t stamp;    /* pooled copies: the pool's stamp when reordered in */
    unsigned used;     /* last use (for replacing the oldest) */
} gz_nn_wcopy;

#define GZ_NN_WCOPIES 4

struct gz_nn_layer {
    gz_nn_conf c;
    int nparam;
    gz_tensor *param[5];
    gz_tensor *grad[5];     /* NULL for buffers, and for every parameter while no_grad */
    bool trainable[5];
    const char *pname[5];
    bool training;
    bool no_grad;
    gz_nn_entry *entries;
    gz_nn_entry *last[GZ_NN_SLOTS];
    gz_dnn_mem pw, pb, pdw;   /* conv, linear: plain views of weight, bias, weight grad */
    gz_nn_wcopy wcopy[GZ_NN_WCOPIES];
    unsigned wclock;
};

/* Index of parameters for the families. */
enum { P_WEIGHT = 0, P_BIAS = 1, P_RMEAN = 2, P_RVAR = 3, P_NBT = 4 };

/* Sets up *v as a layer-owned value with md (allocated). */
gz_status gz_nn__val_alloc(gz_nn_val *v, const dnnl_memory_desc_t *md);
/* Sets up *v as a layer-owned value with md whose buffer is lent at each
 * call (gradients): gz_nn__val_acquire takes one (giving back the one
 * held before), gz_nn_val_release gives it back. */
gz_status gz_nn__val_lent(gz_nn_val *v, const dnnl_memory_desc_t *md);
gz_status gz_nn__val_acquire(gz_nn_val *v);
/* A layer output: lent when the layer has no gradients (nothing reads it
 * after its consumers), owned otherwise (backward reads it). */
gz_status gz_nn__val_out(gz_nn_layer *l, gz_nn_val *v, const dnnl_memory_desc_t *md);
void gz_nn__val_release(gz_nn_val *v);

/* Returns in *use the memory to pass where the primitive expects `want`:
 * `in` itself when its layout matches, otherwise `in` reordered into buf
 * (allocated, or bound to `pool` when pool >= 0, and the reorder made on
 * first use; remade when in's layout changes). */
gz_status gz_nn__as_layout(const gz_dnn_mem *in, const dnnl_memory_desc_t *want, gz_dnn_prim *r,
                           gz_dnn_mem *buf, int pool, const gz_dnn_mem **use);

/* The layer's weight in layout md: the plain tensor itself when md is
 * plain, otherwise a copy reordered when the tensor's version changed.
 * transient: the copy lives in a process-wide pool shared by all layers
 * (reordered again whenever another layer used the pool since): for
 * copies used once or twice per weight update (backward data, layers
 * without gradients, whose weights the EMA changes at every step). */
gz_status gz_nn__weights(gz_nn_layer *l, const dnnl_memory_desc_t *md, bool transient,
                         const gz_dnn_mem **out);

/* Families: setup/forward/backward for entry e. */
gz_status gz_nn__conv_forward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x);
gz_status gz_nn__conv_backward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *dy, bool want_dx);
gz_status gz_nn__bn_forward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x);
gz_status gz_nn__bn_backward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *dy, bool want_dx);
gz_status gz_nn__simple_forward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x,
                                const gz_nn_val *x2);
gz_status gz_nn__simple_backward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *dy, bool want_dx,
                                 const gz_nn_val **dx, const gz_nn_val **dx2);

#endif
