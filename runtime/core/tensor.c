/* Tensor allocation, views and flat element access. */
#include "tensor.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct gz_storage {
    atomic_int refs;
    size_t bytes;
    void *base;
    uint64_t version; /* bumped by every write through the tensor API */
};

size_t gz_dtype_size(gz_dtype dtype)
{
    switch (dtype) {
    case GZ_F32: return 4;
    case GZ_F64: return 8;
    case GZ_I64: return 8;
    case GZ_U8: return 1;
    }
    return 0;
}

const char *gz_dtype_name(gz_dtype dtype)
{
    switch (dtype) {
    case GZ_F32: return "float32";
    case GZ_F64: return "float64";
    case GZ_I64: return "int64";
    case GZ_U8: return "uint8";
    }
    return "?";
}

gz_status gz_tensor_new(gz_tensor **out, gz_dtype dtype, int ndim, const int64_t *shape)
{
    *out = NULL;
    if (ndim < 0 || ndim > GZ_MAX_DIMS)
        return gz_error_set(GZ_ERR_ARG, "tensor rank %d out of range 0..%d", ndim, GZ_MAX_DIMS);
    size_t esize = gz_dtype_size(dtype);
    if (!esize)
        return gz_error_set(GZ_ERR_ARG, "unknown dtype %d", (int)dtype);
    uint64_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0)
            return gz_error_set(GZ_ERR_ARG, "negative dimension %lld", (long long)shape[d]);
        if (shape[d] && n > (UINT64_MAX / 16) / (uint64_t)shape[d])
            return gz_error_set(GZ_ERR_LIMIT, "tensor too large");
        n *= (uint64_t)shape[d];
    }
    if (n > SIZE_MAX / esize)
        return gz_error_set(GZ_ERR_LIMIT, "tensor too large");
    gz_tensor *t = gz_calloc(1, sizeof *t);
    gz_storage *s = gz_calloc(1, sizeof *s);
    /* 64-byte alignment for vector kernels and oneDNN */
    size_t bytes = (size_t)n * esize;
    void *base = NULL;
    if (t && s && posix_memalign(&base, 64, bytes ? bytes : 64) != 0)
        base = NULL;
    if (!t || !s || !base) {
        free(t);
        free(s);
        free(base);
        return gz_error_set(GZ_ERR_NOMEM, "out of memory allocating a tensor of %zu bytes", bytes);
    }
    memset(base, 0, bytes);
    atomic_init(&s->refs, 1);
    s->version = 1;
    s->bytes = bytes;
    s->base = base;
    t->dtype = dtype;
    t->ndim = ndim;
    int64_t st = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        t->shape[d] = shape[d];
        t->stride[d] = st;
        st *= shape[d] ? shape[d] : 1;
    }
    t->data = base;
    t->storage = s;
    *out = t;
    return GZ_OK;
}

gz_status gz_tensor_view(gz_tensor **out, const gz_tensor *t)
{
    gz_tensor *v = gz_malloc(sizeof *v);
    *out = NULL;
    if (!v)
        return GZ_ERR_NOMEM;
    *v = *t;
    atomic_fetch_add(&t->storage->refs, 1);
    *out = v;
    return GZ_OK;
}

void gz_tensor_free(gz_tensor *t)
{
    if (!t)
        return;
    if (atomic_fetch_sub(&t->storage->refs, 1) == 1) {
        free(t->storage->base);
        free(t->storage);
    }
    free(t);
}

int64_t gz_tensor_numel(const gz_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++)
        n *= t->shape[d];
    return n;
}

bool gz_tensor_is_contiguous(const gz_tensor *t)
{
    int64_t st = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] != 1 && t->stride[d] != st)
            return false;
        st *= t->shape[d];
    }
    return true;
}

static int64_t flat_offset(const gz_tensor *t, int64_t i)
{
    int64_t off = 0;
    for (int d = t->ndim - 1; d >= 0; d--) {
        int64_t n = t->shape[d];
        off += (i % n) * t->stride[d];
        i /= n;
    }
    return off;
}

double gz_tensor_get_flat(const gz_tensor *t, int64_t i)
{
    int64_t o = flat_offset(t, i);
    switch (t->dtype) {
    case GZ_F32: return ((const float *)t->data)[o];
    case GZ_F64: return ((const double *)t->data)[o];
    case GZ_I64: return (double)((const int64_t *)t->data)[o];
    case GZ_U8: return ((const uint8_t *)t->data)[o];
    }
    return 0;
}

int64_t *gz_tensor_i64_at(const gz_tensor *t, int64_t i)
{
    return (int64_t *)t->data + flat_offset(t, i);
}

uint64_t gz_tensor_version(const gz_tensor *t)
{
    return t->storage->version;
}

void gz_tensor_touch(gz_tensor *t)
{
    t->storage->version++;
}

void gz_tensor_set_flat(gz_tensor *t, int64_t i, double v)
{
    int64_t o = flat_offset(t, i);
    t->storage->version++;
    switch (t->dtype) {
    case GZ_F32: ((float *)t->data)[o] = (float)v; break;
    case GZ_F64: ((double *)t->data)[o] = v; break;
    case GZ_I64: ((int64_t *)t->data)[o] = (int64_t)v; break;
    case GZ_U8: ((uint8_t *)t->data)[o] = (uint8_t)v; break;
    }
}
