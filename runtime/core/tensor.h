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

/* Element access by flat C-order index i (0 <= i < numel), converting to or
 * from double. No bounds check here: bindings check. */
double gz_tensor_get_flat(const gz_tensor *t, int64_t i);
void gz_tensor_set_flat(gz_tensor *t, int64_t i, double v);

#endif
