/* The encoder engine: layers with forward and backward over oneDNN.
 *
 * A layer (gz_nn_layer) owns its parameters and gradients as plain
 * float32 gz_tensors in PyTorch's layouts and names (conv: weight
 * [out, in, k, k] + bias [out]; linear: weight [out, in] + bias [out];
 * batch norm: weight, bias [C] and the buffers running_mean, running_var
 * [C] (float32) and num_batches_tracked (int64 scalar)). Activations and
 * gradients travel between layers as gz_nn_val: a logical shape (N, C) or
 * (N, C, H, W) in whatever layout oneDNN chose (blocked, e.g. nChw16c);
 * layouts are converted only at the edges (gz_nn_val_from_tensor,
 * gz_nn_val_to_tensor, weights).
 *
 * Caching and memory: a layer keeps one cache entry per (slot, training
 * mode, input shape and layout); an entry holds the primitives and the
 * buffers a slot keeps from forward to backward, made on the first call
 * and reused afterwards, so a training step with shapes seen before
 * allocates nothing. Weights in the primitives' layouts and input
 * gradients are kept once per layer (shared by the slots); weights are
 * reordered again only when the parameter tensor's version changed
 * (gz_tensor_version: optimizer step, EMA, load, any tensor write). `slot`
 * (0 .. GZ_NN_SLOTS-1) names independent passes through the same layer
 * whose saved state must not overwrite each other (e.g. the two views of
 * BYOL): backward(slot) uses what forward(slot) saved.
 *
 * Values returned by a layer (outputs, input gradients) are owned by the
 * layer: an output is valid until the next forward of the same layer and
 * slot (a no-grad layer: any slot), an input gradient until the next
 * backward of the same layer (any slot), or until the layer is freed.
 * Input gradients and no-grad outputs live in buffers lent for the time
 * they are needed: gz_nn_val_release gives one back as soon as its
 * consumer has run, so that a backward pass holds a few gradient buffers
 * instead of one per layer. A layer's forward
 * keeps a borrowed pointer to its input(s) for the backward pass: callers
 * keep inputs alive and unchanged until then.
 *
 * Backward ACCUMULATES into the parameter gradients (zero them with
 * gz_nn_layer_zero_grad), which gives gradient accumulation over slots and
 * micro-batches for free.
 *
 * Failures: GZ_ERR_ARG for shape mismatches (message names the layer kind
 * and shapes), GZ_ERR_NOMEM, GZ_ERR_INTERNAL for oneDNN failures. */
#ifndef GZ_NN_H
#define GZ_NN_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "tensor.h"

#define GZ_NN_SLOTS 8

typedef enum gz_nn_kind {
    GZ_NN_CONV2D = 0,
    GZ_NN_BATCHNORM, /* 2-D input (N, C) or 4-D (N, C, H, W) */
    GZ_NN_RELU,
    GZ_NN_MAXPOOL,
    GZ_NN_AVGPOOL,   /* global average pooling: (N, C, H, W) -> (N, C, 1, 1) */
    GZ_NN_LINEAR,    /* (N, in) -> (N, out) */
    GZ_NN_FLATTEN,   /* (N, C, H, W) -> (N, C*H*W) plain */
    GZ_NN_ADD,       /* y = a + b (then ReLU when relu) */
    GZ_NN_KIND_COUNT
} gz_nn_kind;

typedef struct gz_nn_conf {
    gz_nn_kind kind;
    int64_t in, out;         /* conv: channels; linear: features; bn: in = channels */
    int kernel, stride, pad; /* conv and max pool (pad on every side) */
    bool bias;               /* conv, linear */
    bool affine;             /* batch norm: learnable weight and bias */
    bool relu;               /* batch norm, add: fused ReLU on the output */
    bool inplace;            /* add: the sum overwrites the first input (whose
                              * producer must not need it: e.g. a batch norm
                              * without ReLU, read by nothing else); the
                              * output then shares that input's buffer */
    double eps;              /* batch norm (PyTorch default 1e-5) */
    double momentum;         /* batch norm: running = (1 - m) running + m batch (0.1) */
} gz_nn_conf;

typedef struct gz_nn_layer gz_nn_layer;
typedef struct gz_nn_val gz_nn_val;

/* Name of a kind ("conv2d", ...); gz_nn_kind_parse returns -1 when unknown. */
const char *gz_nn_kind_name(gz_nn_kind k);
int gz_nn_kind_parse(const char *name);

/* A new layer; parameters are zero (conv/linear) or PyTorch's BN defaults
 * (weight 1, bias 0, running_var 1): initialise them through
 * gz_nn_layer_param. Fails with GZ_ERR_ARG on invalid configuration. */
gz_status gz_nn_layer_new(gz_nn_layer **out, const gz_nn_conf *c);
void gz_nn_layer_free(gz_nn_layer *l);
const gz_nn_conf *gz_nn_layer_conf(const gz_nn_layer *l);

/* Parameters and buffers, in PyTorch's state_dict order. grad is NULL for
 * buffers (running statistics) and while the layer is no_grad. Tensors are
 * borrowed: valid while the layer lives (a gradient: until no_grad
 * changes); write into them to load weights (shape and dtype fixed;
 * through the tensor API or followed by gz_tensor_touch). */
int gz_nn_layer_nparams(const gz_nn_layer *l);
gz_tensor *gz_nn_layer_param(gz_nn_layer *l, int i, const char **name, gz_tensor **grad);
/* True for learnable parameters (weights, biases), false for buffers. */
bool gz_nn_layer_param_trainable(const gz_nn_layer *l, int i);

void gz_nn_layer_set_training(gz_nn_layer *l, bool training);
bool gz_nn_layer_training(const gz_nn_layer *l);
/* No gradients (e.g. a target network updated by EMA): every slot shares
 * one cache entry (an output is valid until the next forward of the layer,
 * whatever the slot), backward fails with GZ_ERR_ARG and the gradient
 * tensors are freed (gz_nn_layer_param gives grad NULL; clearing the flag
 * makes new zero ones, GZ_ERR_NOMEM when it cannot). Batch norm in
 * training mode still normalises with (and tracks) batch statistics.
 * Changing the flag clears the cache. */
gz_status gz_nn_layer_set_no_grad(gz_nn_layer *l, bool no_grad);
bool gz_nn_layer_no_grad(const gz_nn_layer *l);
void gz_nn_layer_zero_grad(gz_nn_layer *l);
/* Frees every cached primitive and buffer (values returned before become invalid). */
void gz_nn_layer_clear_cache(gz_nn_layer *l);

/* y = layer(x) (x2: second input of GZ_NN_ADD, NULL otherwise). */
gz_status gz_nn_forward(gz_nn_layer *l, int slot, const gz_nn_val *x, const gz_nn_val *x2,
                        const gz_nn_val **y);
/* Given dL/dy of the last forward of this slot: accumulates parameter
 * gradients and, when want_dx, sets *dx = dL/dx (and *dx2 = dL/dx2 for
 * GZ_NN_ADD; dx2 may be NULL otherwise). */
gz_status gz_nn_backward(gz_nn_layer *l, int slot, const gz_nn_val *dy, bool want_dx,
                         const gz_nn_val **dx, const gz_nn_val **dx2);

/* A value over a contiguous float32 tensor of rank 2 or 4 (shares its
 * storage; the tensor may be freed by the caller afterwards). */
gz_status gz_nn_val_from_tensor(gz_nn_val **out, const gz_tensor *t);
/* A new plain float32 tensor with the value's contents. */
gz_status gz_nn_val_to_tensor(const gz_nn_val *v, gz_tensor **out);
/* Copies a plain tensor of the same shape into a value (any layout). */
gz_status gz_nn_val_load(gz_nn_val *v, const gz_tensor *t);
/* Frees a value made by gz_nn_val_from_tensor; layer-owned values and NULL are ignored. */
void gz_nn_val_free(gz_nn_val *v);
/* Gives back the buffer of a lent layer-owned value (an input gradient, or
 * the output of a no-grad layer) once nothing will read it: the next
 * value made anywhere may reuse it. The value is unreadable afterwards
 * (inputs that were released fail with GZ_ERR_ARG) until its layer makes
 * it again. Other values and NULL are ignored. */
void gz_nn_val_release(const gz_nn_val *v);
bool gz_nn_val_readable(const gz_nn_val *v);
int gz_nn_val_shape(const gz_nn_val *v, int64_t *dims);
bool gz_nn_val_is_plain(const gz_nn_val *v);
/* Human-readable layout: "plain", "channels_last" (NHWC) or oneDNN's
 * blocking ("blocked:16b": channels in blocks of 16). */
const char *gz_nn_val_layout(const gz_nn_val *v);

/* Primitives created by the engine so far (for "no work after warm-up" tests). */
long gz_nn_prims_created(void);
/* Of those, how many run oneDNN's slow reference kernels (tests: none). */
long gz_nn_ref_prims(void);
/* Bytes held by the engine's own buffers (outputs, gradients, weight
 * copies, workspaces, pools, scratchpad; not the parameter tensors). */
size_t gz_nn_engine_bytes(void);
/* Threads used by the engine (0 = follow gz_runconfig_threads()). */
void gz_nn_set_threads(int n);

/* ---- plain float32 kernels on 2-D (N, D) tensors (nn_loss.c) ---- */

/* y_i = x_i / max(||x_i||, eps) row-wise. */
gz_status gz_nn_l2norm_forward(const gz_tensor *x, gz_tensor *y, double eps);
/* dx from x, dy (same shapes): dx = (dy - y (y . dy)) / max(||x||, eps). */
gz_status gz_nn_l2norm_backward(const gz_tensor *x, const gz_tensor *dy, gz_tensor *dx, double eps);

/* Mean softmax cross-entropy of logits (N, K) against int64 labels (N)
 * in 0..K-1; dlogits (may be NULL) = (softmax - onehot) / N. */
gz_status gz_nn_softmax_ce(const gz_tensor *logits, const gz_tensor *labels, double *loss,
                           gz_tensor *dlogits);

/* BYOL regression loss mean_i (2 - 2 cos(p_i, z_i)); dp (may be NULL)
 * receives dLoss/dp * scale. z is treated as a constant. */
gz_status gz_nn_byol_loss(const gz_tensor *p, const gz_tensor *z, double scale, double *loss,
                          gz_tensor *dp);

#endif
