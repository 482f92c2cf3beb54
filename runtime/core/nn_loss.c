/* Plain C kernels on small 2-D float32 tensors: L2 normalisation, softmax
 * cross-entropy and the BYOL regression loss, each with its backward.
 * Accumulation is in double. */
#include <math.h>

#include "nn.h"

static gz_status check_2d(const gz_tensor *t, const char *what, const char *name)
{
    if (t->dtype != GZ_F32 || t->ndim != 2 || !gz_tensor_is_contiguous(t))
        return gz_error_set(GZ_ERR_ARG, "nn.%s: %s must be a contiguous 2-D float32 tensor", what,
                            name);
    return GZ_OK;
}

static bool same_shape(const gz_tensor *a, const gz_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d])
            return false;
    return true;
}

gz_status gz_nn_l2norm_forward(const gz_tensor *x, gz_tensor *y, double eps)
{
    gz_status st;
    if ((st = check_2d(x, "l2norm", "x")) || (st = check_2d(y, "l2norm", "y")))
        return st;
    if (!same_shape(x, y))
        return gz_error_set(GZ_ERR_ARG, "nn.l2norm: x and y shapes differ");
    int64_t n = x->shape[0], d = x->shape[1];
    const float *xp = x->data;
    float *yp = y->data;
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t j = 0; j < d; j++)
            s += (double)xp[i * d + j] * xp[i * d + j];
        double nrm = fmax(sqrt(s), eps);
        for (int64_t j = 0; j < d; j++)
            yp[i * d + j] = (float)(xp[i * d + j] / nrm);
    }
    return GZ_OK;
}

gz_status gz_nn_l2norm_backward(const gz_tensor *x, const gz_tensor *dy, gz_tensor *dx, double eps)
{
    gz_status st;
    if ((st = check_2d(x, "l2norm", "x")) || (st = check_2d(dy, "l2norm", "dy")) ||
        (st = check_2d(dx, "l2norm", "dx")))
        return st;
    if (!same_shape(x, dy) || !same_shape(x, dx))
        return gz_error_set(GZ_ERR_ARG, "nn.l2norm: x, dy and dx shapes differ");
    int64_t n = x->shape[0], d = x->shape[1];
    const float *xp = x->data, *gp = dy->data;
    float *op = dx->data;
    for (int64_t i = 0; i < n; i++) {
        double s = 0, dot = 0;
        for (int64_t j = 0; j < d; j++) {
            s += (double)xp[i * d + j] * xp[i * d + j];
            dot += (double)xp[i * d + j] * gp[i * d + j];
        }
        double nrm = sqrt(s);
        if (nrm < eps) { /* y = x / eps: a linear map */
            for (int64_t j = 0; j < d; j++)
                op[i * d + j] = (float)(gp[i * d + j] / eps);
            continue;
        }
        for (int64_t j = 0; j < d; j++)
            op[i * d + j] = (float)((gp[i * d + j] - xp[i * d + j] * dot / s) / nrm);
    }
    return GZ_OK;
}

gz_status gz_nn_softmax_ce(const gz_tensor *logits, const gz_tensor *labels, double *loss,
                           gz_tensor *dlogits)
{
    gz_status st;
    if ((st = check_2d(logits, "cross_entropy", "logits")))
        return st;
    int64_t n = logits->shape[0], k = logits->shape[1];
    if (labels->dtype != GZ_I64 || labels->ndim != 1 || labels->shape[0] != n)
        return gz_error_set(GZ_ERR_ARG, "nn.cross_entropy: labels must be int64 of shape (%lld)",
                            (long long)n);
    if (dlogits && ((st = check_2d(dlogits, "cross_entropy", "dlogits")) || !same_shape(logits, dlogits)))
        return st ? st : gz_error_set(GZ_ERR_ARG, "nn.cross_entropy: dlogits shape differs");
    const float *z = logits->data;
    double total = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t y = (int64_t)gz_tensor_get_flat(labels, i);
        if (y < 0 || y >= k)
            return gz_error_set(GZ_ERR_ARG, "nn.cross_entropy: label %lld of row %lld not in 0..%lld",
                                (long long)y, (long long)i, (long long)(k - 1));
        double m = z[i * k];
        for (int64_t j = 1; j < k; j++)
            m = fmax(m, z[i * k + j]);
        double s = 0;
        for (int64_t j = 0; j < k; j++)
            s += exp(z[i * k + j] - m);
        double lse = m + log(s);
        total += lse - z[i * k + y];
        if (dlogits) {
            float *g = (float *)dlogits->data + i * k;
            for (int64_t j = 0; j < k; j++)
                g[j] = (float)((exp(z[i * k + j] - lse) - (j == y ? 1.0 : 0.0)) / (double)n);
        }
    }
    *loss = n ? total / (double)n : 0;
    return GZ_OK;
}

gz_status gz_nn_byol_loss(const gz_tensor *p, const gz_tensor *z, double scale, double *loss,
                          gz_tensor *dp)
{
    gz_status st;
    if ((st = check_2d(p, "byol_loss", "p")) || (st = check_2d(z, "byol_loss", "z")))
        return st;
    if (!same_shape(p, z) || (dp && ((st = check_2d(dp, "byol_loss", "dp")) || !same_shape(p, dp))))
        return st ? st : gz_error_set(GZ_ERR_ARG, "nn.byol_loss: p, z (and dp) shapes differ");
    int64_t n = p->shape[0], d = p->shape[1];
    const float *pp = p->data, *zp = z->data;
    const double eps = 1e-12;
    double total = 0;
    for (int64_t i = 0; i < n; i++) {
        double pp2 = 0, zz2 = 0, pz = 0;
        for (int64_t j = 0; j < d; j++) {
            double a = pp[i * d + j], b = zp[i * d + j];
            pp2 += a * a;
            zz2 += b * b;
            pz += a * b;
        }
        double np = fmax(sqrt(pp2), eps), nz = fmax(sqrt(zz2), eps);
        double cos = pz / (np * nz);
        total += 2.0 - 2.0 * cos;
        if (dp) {
            /* d(-2 cos)/dp = -2 (z/(|p||z|) - cos p/|p|^2), averaged over rows */
            float *g = (float *)dp->data + i * d;
            double k = -2.0 * scale / (double)n;
            for (int64_t j = 0; j < d; j++)
                g[j] = (float)(k * (zp[i * d + j] / (np * nz) - cos * pp[i * d + j] / (np * np)));
        }
    }
    *loss = n ? total / (double)n : 0;
    return GZ_OK;
}
