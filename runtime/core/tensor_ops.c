/* Tensor operations: copies, dtype conversion, views (reshape, narrow),
 * seeded fills, element-wise arithmetic, reductions and a small matmul
 * (see tensor.h). Simple strided loops; the engine's heavy work is oneDNN. */
#include <math.h>
#include <string.h>

#include "rng.h"
#include "tensor.h"

static bool same_shape(const gz_tensor *a, const gz_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d])
            return false;
    return true;
}

gz_status gz_tensor_copy(gz_tensor *dst, const gz_tensor *src)
{
    int64_t n = gz_tensor_numel(src);
    if (gz_tensor_numel(dst) != n)
        return gz_error_set(GZ_ERR_ARG, "tensor copy: %lld elements into %lld", (long long)n,
                            (long long)gz_tensor_numel(dst));
    gz_tensor_touch(dst);
    if (dst->dtype == src->dtype && gz_tensor_is_contiguous(dst) && gz_tensor_is_contiguous(src)) {
        memmove(dst->data, src->data, (size_t)n * gz_dtype_size(src->dtype));
        return GZ_OK;
    }
    for (int64_t i = 0; i < n; i++)
        gz_tensor_set_flat(dst, i, gz_tensor_get_flat(src, i));
    return GZ_OK;
}

gz_status gz_tensor_to(gz_tensor **out, const gz_tensor *src, gz_dtype dtype)
{
    gz_status st = gz_tensor_new(out, dtype, src->ndim, src->shape);
    if (!st)
        st = gz_tensor_copy(*out, src);
    return st;
}

gz_status gz_tensor_reshape(gz_tensor **out, const gz_tensor *t, int ndim, const int64_t *shape)
{
    *out = NULL;
    if (ndim < 0 || ndim > GZ_MAX_DIMS)
        return gz_error_set(GZ_ERR_ARG, "reshape: rank %d out of range", ndim);
    int64_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0)
            return gz_error_set(GZ_ERR_ARG, "reshape: negative dimension");
        n *= shape[d];
    }
    if (n != gz_tensor_numel(t))
        return gz_error_set(GZ_ERR_ARG, "reshape: %lld elements cannot take a shape of %lld",
                            (long long)gz_tensor_numel(t), (long long)n);
    if (!gz_tensor_is_contiguous(t))
        return gz_error_set(GZ_ERR_ARG, "reshape: tensor is not contiguous (copy it first)");
    gz_status st = gz_tensor_view(out, t);
    if (st)
        return st;
    (*out)->ndim = ndim;
    int64_t s = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        (*out)->shape[d] = shape[d];
        (*out)->stride[d] = s;
        s *= shape[d] ? shape[d] : 1;
    }
    return GZ_OK;
}

gz_status gz_tensor_narrow(gz_tensor **out, const gz_tensor *t, int dim, int64_t start, int64_t len)
{
    *out = NULL;
    if (dim < 0 || dim >= t->ndim)
        return gz_error_set(GZ_ERR_ARG, "narrow: dimension %d not in 0..%d", dim, t->ndim - 1);
    if (start < 0 || len < 0 || start + len > t->shape[dim])
        return gz_error_set(GZ_ERR_ARG, "narrow: range %lld+%lld outside 0..%lld", (long long)start,
                            (long long)len, (long long)t->shape[dim]);
    gz_status st = gz_tensor_view(out, t);
    if (st)
        return st;
    (*out)->shape[dim] = len;
    (*out)->data = (char *)t->data + (size_t)(start * t->stride[dim]) * gz_dtype_size(t->dtype);
    return GZ_OK;
}

void gz_tensor_fill(gz_tensor *t, double v)
{
    int64_t n = gz_tensor_numel(t);
    gz_tensor_touch(t);
    if (gz_tensor_is_contiguous(t) && t->dtype == GZ_F32) { /* the same (float)v as set_flat */
        float *d = t->data, f = (float)v;
        for (int64_t i = 0; i < n; i++)
            d[i] = f;
        return;
    }
    if (gz_tensor_is_contiguous(t) && t->dtype == GZ_F64) {
        double *d = t->data;
        for (int64_t i = 0; i < n; i++)
            d[i] = v;
        return;
    }
    for (int64_t i = 0; i < n; i++)
        gz_tensor_set_flat(t, i, v);
}

void gz_tensor_fill_uniform(gz_tensor *t, double lo, double hi, uint64_t seed, uint64_t stream)
{
    gz_rng r;
    gz_rng_init(&r, seed, stream);
    int64_t n = gz_tensor_numel(t);
    for (int64_t i = 0; i < n; i++)
        gz_tensor_set_flat(t, i, gz_rng_range(&r, lo, hi));
}

void gz_tensor_fill_normal(gz_tensor *t, double mean, double std, uint64_t seed, uint64_t stream)
{
    gz_rng r;
    gz_rng_init(&r, seed, stream);
    int64_t n = gz_tensor_numel(t);
    for (int64_t i = 0; i < n; i++)
        gz_tensor_set_flat(t, i, mean + std * gz_rng_normal(&r));
}

static double apply(double a, double b, gz_tensor_op op)
{
    switch (op) {
    case GZ_OP_ADD: return a + b;
    case GZ_OP_SUB: return a - b;
    case GZ_OP_MUL: return a * b;
    case GZ_OP_DIV: return a / b;
    case GZ_OP_MAX: return a > b ? a : b;
    case GZ_OP_MIN: return a < b ? a : b;
    }
    return 0;
}

gz_status gz_tensor_binary(gz_tensor **out, const gz_tensor *a, const gz_tensor *b, gz_tensor_op op)
{
    *out = NULL;
    if (!same_shape(a, b))
        return gz_error_set(GZ_ERR_ARG, "tensor arithmetic: shapes differ");
    gz_status st = gz_tensor_new(out, a->dtype, a->ndim, a->shape);
    if (st)
        return st;
    int64_t n = gz_tensor_numel(a);
    for (int64_t i = 0; i < n; i++)
        gz_tensor_set_flat(*out, i, apply(gz_tensor_get_flat(a, i), gz_tensor_get_flat(b, i), op));
    return GZ_OK;
}

gz_status gz_tensor_scalar(gz_tensor **out, const gz_tensor *a, double s, gz_tensor_op op)
{
    gz_status st = gz_tensor_new(out, a->dtype, a->ndim, a->shape);
    if (st)
        return st;
    int64_t n = gz_tensor_numel(a);
    for (int64_t i = 0; i < n; i++)
        gz_tensor_set_flat(*out, i, apply(gz_tensor_get_flat(a, i), s, op));
    return GZ_OK;
}

gz_status gz_tensor_axpy(gz_tensor *a, double alpha, const gz_tensor *b)
{
    int64_t n = gz_tensor_numel(a);
    if (gz_tensor_numel(b) != n)
        return gz_error_set(GZ_ERR_ARG, "axpy: element counts differ");
    gz_tensor_touch(a);
    if (a->dtype == GZ_F32 && b->dtype == GZ_F32 && gz_tensor_is_contiguous(a) &&
        gz_tensor_is_contiguous(b)) {
        float *x = a->data;
        const float *y = b->data;
        for (int64_t i = 0; i < n; i++)
            x[i] = (float)(x[i] + alpha * y[i]);
        return GZ_OK;
    }
    for (int64_t i = 0; i < n; i++)
        gz_tensor_set_flat(a, i, gz_tensor_get_flat(a, i) + alpha * gz_tensor_get_flat(b, i));
    return GZ_OK;
}

typedef struct { double acc; int64_t n; } red_state;

static void red_add(red_state *s, double v, gz_tensor_reduce r)
{
    if (s->n == 0 && (r == GZ_RED_MAX || r == GZ_RED_MIN))
        s->acc = v;
    else if (r == GZ_RED_MAX)
        s->acc = v > s->acc ? v : s->acc;
    else if (r == GZ_RED_MIN)
        s->acc = v < s->acc ? v : s->acc;
    else if (r == GZ_RED_NORM)
        s->acc += v * v;
    else
        s->acc += v;
    s->n++;
}

static double red_end(const red_state *s, gz_tensor_reduce r)
{
    if (r == GZ_RED_MEAN)
        return s->n ? s->acc / (double)s->n : NAN;
    if (r == GZ_RED_NORM)
        return sqrt(s->acc);
    if ((r == GZ_RED_MAX || r == GZ_RED_MIN) && s->n == 0)
        return NAN;
    return s->acc;
}

double gz_tensor_reduce_all(const gz_tensor *t, gz_tensor_reduce r)
{
    red_state s = {0, 0};
    int64_t n = gz_tensor_numel(t);
    for (int64_t i = 0; i < n; i++)
        red_add(&s, gz_tensor_get_flat(t, i), r);
    return red_end(&s, r);
}

gz_status gz_tensor_reduce_all_i64(const gz_tensor *t, gz_tensor_reduce r, int64_t *out)
{
    const char *op = r == GZ_RED_SUM ? "sum" : r == GZ_RED_MAX ? "max" : r == GZ_RED_MIN ? "min" : NULL;
    if (!op)
        return gz_error_set(GZ_ERR_ARG, "tensor reduce: only sum, max and min are exact int64 reductions");
    if (t->dtype != GZ_I64)
        return gz_error_set(GZ_ERR_ARG, "tensor %s: an exact integer %s needs an int64 tensor, not %s", op, op,
                            gz_dtype_name(t->dtype));
    int64_t n = gz_tensor_numel(t);
    if (r != GZ_RED_SUM) {
        if (n == 0)
            return gz_error_set(GZ_ERR_ARG, "tensor %s: an empty tensor has no %s", op,
                                r == GZ_RED_MAX ? "maximum" : "minimum");
        int64_t m = *gz_tensor_i64_at(t, 0);
        for (int64_t i = 1; i < n; i++) {
            int64_t v = *gz_tensor_i64_at(t, i);
            if (r == GZ_RED_MAX ? v > m : v < m)
                m = v;
        }
        *out = m;
        return GZ_OK;
    }
    /* The running sum wraps modulo 2^64 (through uint64, so no undefined
     * behaviour) and `wraps` counts each crossing of the int64 range (+1
     * up, -1 down): the exact sum is acc + wraps * 2^64, which fits in
     * int64 exactly when wraps ends at 0. |wraps| <= n, so it cannot
     * overflow itself. */
    int64_t acc = 0, wraps = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = *gz_tensor_i64_at(t, i);
        if (v > 0 && acc > INT64_MAX - v)
            wraps++;
        else if (v < 0 && acc < INT64_MIN - v)
            wraps--;
        acc = (int64_t)((uint64_t)acc + (uint64_t)v);
    }
    if (wraps != 0)
        return gz_error_set(GZ_ERR_LIMIT,
                            "tensor sum: int64 overflow: the exact sum of the %lld elements is %s "
                            "(convert to float64 first for an approximate sum)",
                            (long long)n, wraps > 0 ? "above 2^63-1" : "below -2^63");
    *out = acc;
    return GZ_OK;
}

gz_status gz_tensor_reduce_dim(gz_tensor **out, const gz_tensor *t, int dim, gz_tensor_reduce r)
{
    *out = NULL;
    if (dim < 0 || dim >= t->ndim)
        return gz_error_set(GZ_ERR_ARG, "reduce: dimension %d not in 0..%d", dim, t->ndim - 1);
    int64_t shape[GZ_MAX_DIMS];
    int k = 0;
    for (int d = 0; d < t->ndim; d++)
        if (d != dim)
            shape[k++] = t->shape[d];
    gz_status st = gz_tensor_new(out, GZ_F64, t->ndim - 1, shape);
    if (st)
        return st;
    int64_t outer = 1, inner = 1, len = t->shape[dim];
    for (int d = 0; d < dim; d++)
        outer *= t->shape[d];
    for (int d = dim + 1; d < t->ndim; d++)
        inner *= t->shape[d];
    double *o = (*out)->data;
    for (int64_t a = 0; a < outer; a++)
        for (int64_t c = 0; c < inner; c++) {
            red_state s = {0, 0};
            for (int64_t b = 0; b < len; b++)
                red_add(&s, gz_tensor_get_flat(t, (a * len + b) * inner + c), r);
            o[a * inner + c] = red_end(&s, r);
        }
    return GZ_OK;
}

gz_status gz_tensor_matmul(gz_tensor **out, const gz_tensor *a, const gz_tensor *b)
{
    *out = NULL;
    if (a->ndim != 2 || b->ndim != 2 || a->shape[1] != b->shape[0])
        return gz_error_set(GZ_ERR_ARG, "matmul: shapes do not chain ((m, k) x (k, n))");
    int64_t m = a->shape[0], k = a->shape[1], n = b->shape[1];
    int64_t shape[2] = {m, n};
    gz_dtype dt = a->dtype == GZ_F64 ? GZ_F64 : GZ_F32;
    gz_status st = gz_tensor_new(out, dt, 2, shape);
    if (st)
        return st;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t q = 0; q < k; q++)
                s += gz_tensor_get_flat(a, i * k + q) * gz_tensor_get_flat(b, q * n + j);
            gz_tensor_set_flat(*out, i * n + j, s);
        }
    return GZ_OK;
}
