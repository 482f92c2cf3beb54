/* Internals shared by the nn_*.c layer kernels (not a public header).
 *
 * A layer has a list of cache entries, one per (slot, training, input
 * layout); each entry owns the primitives and buffers for that shape. The
 * kernel families (nn_conv.c, nn_bn.c, nn_simple.c) fill an entry on its
 * first forward (setup) and first backward (setup_bwd). */
#ifndef GZ_NN_INTERNAL_H
#define GZ_NN_INTERNAL_H

#include "nn.h"
#include "onednn.h"

struct gz_nn_val {
    gz_dnn_mem m;
    int ndims;
    int64_t dims[4];
    bool layer_owned;
};

typedef struct gz_nn_entry {
    struct gz_nn_entry *next;
    int slot;
    bool train;
    dnnl_memory_desc_t key, key2; /* input layouts */
    gz_dnn_prim fwd, bwd, bwdw, aux;
    gz_dnn_prim r_x, r_w, r_wb, r_dw, r_dyd, r_dyw, r_dx2;
    gz_nn_val y, dx, dx2;
    gz_dnn_mem xr;          /* x in the forward's src layout (when it differs) */
    gz_dnn_mem dyd, dyw;    /* dy in the layouts the backward primitives want */
    gz_dnn_mem w, wb, dw, db; /* weights (fwd / bwd layouts), their diffs */
    gz_dnn_mem pw, pb, pdw;   /* plain views of weight, bias, weight grad */
    gz_dnn_mem mean, var, ws, dscale, dshift, scale, shift, rmean, rvar;
    gz_dnn_mem alias;       /* flatten: 4-D plain view of a 2-D buffer */
    const gz_dnn_mem *src;  /* the memory the forward actually read */
    const gz_nn_val *x, *x2;
    bool bwd_ready, w_reordered, wb_separate;
} gz_nn_entry;

struct gz_nn_layer {
    gz_nn_conf c;
    int nparam;
    gz_tensor *param[5];
    gz_tensor *grad[5];
    const char *pname[5];
    bool training;
    gz_nn_entry *entries;
    gz_nn_entry *last[GZ_NN_SLOTS];
};

/* Index of parameters for the families. */
enum { P_WEIGHT = 0, P_BIAS = 1, P_RMEAN = 2, P_RVAR = 3, P_NBT = 4 };

/* Sets up *v as a layer-owned value with md (allocated). */
gz_status gz_nn__val_alloc(gz_nn_val *v, const dnnl_memory_desc_t *md);
void gz_nn__val_release(gz_nn_val *v);

/* Returns in *use the memory to pass where the primitive expects `want`:
 * `in` itself when its layout matches, otherwise `in` reordered into buf
 * (allocated and the reorder made on first use; remade when in's layout
 * changes). */
gz_status gz_nn__as_layout(const gz_dnn_mem *in, const dnnl_memory_desc_t *want, gz_dnn_prim *r,
                           gz_dnn_mem *buf, const gz_dnn_mem **use);

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
