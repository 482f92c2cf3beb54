/* N-d tensors of float32, float64, int64 or uint8.
 *
 * Layout: element (i0, ..., ik) lives at data + sum(i_d * stride[d]) where
 * strides count ELEMENTS (not bytes). A new tensor is C-contiguous
 * (row-major) and zero-filled. Views share a reference-counted storage;
 * gz_tensor_free releases the caller's reference and frees the storage
 * with its last view. */
#ifndef GZ_TENSOR_H
#define GZ_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define GZ_MAX_DIMS 8

typedef enum gz_dtype { GZ_F32 = 0, GZ_F64, GZ_I64, GZ_U8 } gz_dtype;

typedef struct gz_storage gz_storage;

typedef struct gz_tensor {
    gz_dtype dtype;
    int ndim;                      /* 0 .. GZ_MAX_DIMS; 0 = scalar */
    int64_t shape[GZ_MAX_DIMS];
    int64_t stride[GZ_MAX_DIMS];   /* in elements */
    void *data;                    /* first element; points into storage */
    gz_storage *storage;           /* shared by views; owned by refcount */
} gz_tensor;

/* Bytes per element of dtype; name "float32", "float64", "int64", "uint8". */
size_t gz_dtype_size(gz_dtype dtype);
const char *gz_dtype_name(gz_dtype dtype);

/* New zero-filled contiguous tensor. Fails with GZ_ERR_ARG on a negative
 * dimension or ndim out of range, GZ_ERR_LIMIT when the element count
 * overflows, GZ_ERR_NOMEM. Caller frees with gz_tensor_free. */
gz_status gz_tensor_new(gz_tensor **out, gz_dtype dtype, int ndim, const int64_t *shape);

/* A new tensor header sharing t's storage (same shape and strides); the
 * caller may then narrow it. Caller frees with gz_tensor_free. */
gz_status gz_tensor_view(gz_tensor **out, const gz_tensor *t);

/* Releases one reference; NULL is ignored. */
void gz_tensor_free(gz_tensor *t);

int64_t gz_tensor_numel(const gz_tensor *t);
bool gz_tensor_is_contiguous(const gz_tensor *t);

/* Version of t's storage (shared by its views): every write through this
 * API (gz_tensor_set_flat, the in-place operations below) and every
 * gz_tensor_touch makes it larger. Code that writes into an existing
 * tensor through t->data calls gz_tensor_touch(t) (the engine's caches of
 * derived data, e.g. weights in a primitive's layout, compare versions). */
uint64_t gz_tensor_version(const gz_tensor *t);
void gz_tensor_touch(gz_tensor *t);

/* Element access by flat C-order index i (0 <= i < numel), converting to or
 * from double. No bounds check here: bindings check. */
double gz_tensor_get_flat(const gz_tensor *t, int64_t i);
void gz_tensor_set_flat(gz_tensor *t, int64_t i, double v);
/* Address of element i (flat C order, 0 <= i < numel, unchecked) of an
 * int64 tensor (t->dtype must be GZ_I64), for exact reads and writes that
 * do not go through double; a write through it calls gz_tensor_touch. */
int64_t *gz_tensor_i64_at(const gz_tensor *t, int64_t i);

/* ---- operations (tensor_ops.c) ----
 * Element-wise and copy operations accept any strides and convert between
 * dtypes through double; they fail with GZ_ERR_ARG on shape mismatches.
 * Results named *out are new contiguous tensors the caller frees. */

/* dst[i] = src[i] over flat C order (same element count, any dtypes). */
gz_status gz_tensor_copy(gz_tensor *dst, const gz_tensor *src);
/* A contiguous copy in dtype (use src->dtype to clone). */
gz_status gz_tensor_to(gz_tensor **out, const gz_tensor *src, gz_dtype dtype);
/* A view with another shape (same element count; t must be contiguous). */
gz_status gz_tensor_reshape(gz_tensor **out, const gz_tensor *t, int ndim, const int64_t *shape);
/* A view of indices start .. start+len-1 along dim. */
gz_status gz_tensor_narrow(gz_tensor **out, const gz_tensor *t, int dim, int64_t start, int64_t len);
void gz_tensor_fill(gz_tensor *t, double v);
/* Seeded random fills: element k gets draw k of gz_rng (seed, stream). */
void gz_tensor_fill_uniform(gz_tensor *t, double lo, double hi, uint64_t seed, uint64_t stream);
void gz_tensor_fill_normal(gz_tensor *t, double mean, double std, uint64_t seed, uint64_t stream);

typedef enum gz_tensor_op { GZ_OP_ADD, GZ_OP_SUB, GZ_OP_MUL, GZ_OP_DIV, GZ_OP_MAX, GZ_OP_MIN } gz_tensor_op;
/* out = a op b element-wise (same shapes; dtype of a). */
gz_status gz_tensor_binary(gz_tensor **out, const gz_tensor *a, const gz_tensor *b, gz_tensor_op op);
/* out = a op s for a scalar s. */
gz_status gz_tensor_scalar(gz_tensor **out, const gz_tensor *a, double s, gz_tensor_op op);
/* In place: a = a + alpha * b (same element count). */
gz_status gz_tensor_axpy(gz_tensor *a, double alpha, const gz_tensor *b);

typedef enum gz_tensor_reduce { GZ_RED_SUM, GZ_RED_MEAN, GZ_RED_MAX, GZ_RED_MIN, GZ_RED_NORM } gz_tensor_reduce;
/* Over all elements (sum in double; max/min of an empty tensor is NaN).
 * Inexact for int64 elements beyond 2^53: see gz_tensor_reduce_all_i64. */
double gz_tensor_reduce_all(const gz_tensor *t, gz_tensor_reduce r);
/* Exact sum, max or min (r = GZ_RED_SUM, GZ_RED_MAX, GZ_RED_MIN) over all
 * elements of an int64 tensor, in int64 arithmetic (never through double),
 * stored in *out. The sum of an empty tensor is 0. The sum is exact
 * whenever the result fits in int64, whatever the partial sums (a wrap of
 * the running sum is counted and must be undone by a later one); a result
 * outside -2^63 .. 2^63-1 is GZ_ERR_LIMIT "tensor sum: int64 overflow: ...",
 * never a wrapped value. GZ_ERR_ARG for another dtype or reduction, and for
 * max/min of an empty tensor (it has none; gz_tensor_reduce_all gives NaN).
 * On failure *out is unchanged. */
gz_status gz_tensor_reduce_all_i64(const gz_tensor *t, gz_tensor_reduce r, int64_t *out);
/* Along dim (that dimension removed), float64 result (also for int64
 * input, so inexact beyond 2^53). */
gz_status gz_tensor_reduce_dim(gz_tensor **out, const gz_tensor *t, int dim, gz_tensor_reduce r);
/* (m, k) x (k, n) -> (m, n) in a's dtype (float32/float64), double accumulation. */
gz_status gz_tensor_matmul(gz_tensor **out, const gz_tensor *a, const gz_tensor *b);

#endif
