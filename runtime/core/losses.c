/* McGIP's multi-positive losses (cosine for BYOL/SimSiam, InfoNCE for
 * MoCo v2) with backward, and the batch label / queue target matrices
 * built from a gaze relation. Plain loops in double: batches are small
 * next to the encoder, and the results do not depend on thread count. */
#include "losses.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pairs.h"

#define NORM_EPS 1e-12

static gz_status check_rows(const gz_tensor *t, const char *fn, const char *name)
{
    if (!t)
        return gz_error_set(GZ_ERR_ARG, "%s: %s is missing", fn, name);
    if ((t->dtype != GZ_F32 && t->dtype != GZ_F64) || t->ndim != 2 || !gz_tensor_is_contiguous(t))
        return gz_error_set(GZ_ERR_ARG, "%s: %s must be a contiguous 2-D float32 or float64 tensor",
                            fn, name);
    return GZ_OK;
}

static gz_status check_out(const gz_tensor *o, const gz_tensor *like, const char *fn,
                           const char *name)
{
    gz_status st = check_rows(o, fn, name);
    if (st)
        return st;
    if (o->shape[0] != like->shape[0] || o->shape[1] != like->shape[1])
        return gz_error_set(GZ_ERR_ARG, "%s: %s has shape (%lld, %lld), expected (%lld, %lld)", fn,
                            name, (long long)o->shape[0], (long long)o->shape[1],
                            (long long)like->shape[0], (long long)like->shape[1]);
    return GZ_OK;
}

static double row_get(const gz_tensor *t, int64_t i)
{
    return t->dtype == GZ_F32 ? (double)((const float *)t->data)[i] : ((const double *)t->data)[i];
}

static void row_set(gz_tensor *t, int64_t i, double v)
{
    if (t->dtype == GZ_F32)
        ((float *)t->data)[i] = (float)v;
    else
        ((double *)t->data)[i] = v;
}

/* a . row r of t (n, D) without converting the whole tensor. */
static double dot_row(const double *a, const gz_tensor *t, int64_t r, int64_t D)
{
    double s = 0;
    if (t->dtype == GZ_F32) {
        const float *x = (const float *)t->data + r * D;
        for (int64_t d = 0; d < D; d++)
            s += a[d] * (double)x[d];
    } else {
        const double *x = (const double *)t->data + r * D;
        for (int64_t d = 0; d < D; d++)
            s += a[d] * x[d];
    }
    return s;
}

/* g += c * row r of t. */
static void axpy_row(double *g, double c, const gz_tensor *t, int64_t r, int64_t D)
{
    if (t->dtype == GZ_F32) {
        const float *x = (const float *)t->data + r * D;
        for (int64_t d = 0; d < D; d++)
            g[d] += c * (double)x[d];
    } else {
        const double *x = (const double *)t->data + r * D;
        for (int64_t d = 0; d < D; d++)
            g[d] += c * x[d];
    }
}

/* Copies t (n, d) into x as doubles and normalises each row; norms[i] =
 * max(||t_i||, eps) (the divisor used). */
static void load_normalised(const gz_tensor *t, double *x, double *norms)
{
    int64_t n = t->shape[0], d = t->shape[1];
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t c = 0; c < d; c++) {
            double v = row_get(t, i * d + c);
            x[i * d + c] = v;
            s += v * v;
        }
        double nrm = fmax(sqrt(s), NORM_EPS);
        norms[i] = nrm;
        for (int64_t c = 0; c < d; c++)
            x[i * d + c] /= nrm;
    }
}

/* Gradient through y = x / max(||x||, eps) for one row: given g = dL/dy
 * and y, dL/dx = (g - y (y . g)) / nrm when ||x|| >= eps, g / eps else. */
static void norm_backward_row(const double *y, const double *g, double nrm, int64_t d,
                              double scale, gz_tensor *dx, int64_t row)
{
    double dot = 0;
    if (nrm > NORM_EPS)
        for (int64_t c = 0; c < d; c++)
            dot += y[c] * g[c];
    for (int64_t c = 0; c < d; c++)
        row_set(dx, row * d + c, scale * (g[c] - y[c] * dot) / nrm);
}

/* Reads a weight matrix (rows x cols) as doubles, checking the values. */
static gz_status load_weights(const gz_tensor *w, int64_t rows, int64_t cols, const char *fn,
                              const char *name, double *out, double *total)
{
    if (!w)
        return gz_error_set(GZ_ERR_ARG, "%s: %s is missing", fn, name);
    if (w->ndim != 2 || w->shape[0] != rows || w->shape[1] != cols)
        return gz_error_set(GZ_ERR_ARG, "%s: %s must have shape (%lld, %lld)", fn, name,
                            (long long)rows, (long long)cols);
    double s = 0;
    /* gz_tensor_get_flat honours strides: any layout is accepted */
    for (int64_t i = 0; i < rows * cols; i++) {
        double v = gz_tensor_get_flat(w, i);
        if (!(v >= 0) || isinf(v))
            return gz_error_set(GZ_ERR_ARG, "%s: %s[%lld][%lld] = %g (weights must be finite and >= 0)",
                                fn, name, (long long)(i / cols), (long long)(i % cols), v);
        out[i] = v;
        s += v;
    }
    if (!(s > 0))
        return gz_error_set(GZ_ERR_ARG, "%s: %s is all zero (no positive pair)", fn, name);
    *total = s;
    return GZ_OK;
}

gz_status gz_loss_cosine(const gz_tensor *p, const gz_tensor *z, const gz_tensor *label,
                         double scale, double *loss, gz_tensor *dp, gz_tensor *dz)
{
    static const char fn[] = "loss.cosine";
    gz_status st;
    if ((st = check_rows(p, fn, "p")) || (st = check_rows(z, fn, "z")))
        return st;
    if (p->shape[0] != z->shape[0] || p->shape[1] != z->shape[1])
        return gz_error_set(GZ_ERR_ARG, "%s: p is (%lld, %lld) but z is (%lld, %lld)", fn,
                            (long long)p->shape[0], (long long)p->shape[1],
                            (long long)z->shape[0], (long long)z->shape[1]);
    if ((dp && (st = check_out(dp, p, fn, "dp"))) || (dz && (st = check_out(dz, z, fn, "dz"))))
        return st;
    int64_t B = p->shape[0], D = p->shape[1];
    if (B < 1 || D < 1)
        return gz_error_set(GZ_ERR_ARG, "%s: empty batch (%lld, %lld)", fn, (long long)B,
                            (long long)D);
    double *w = gz_calloc((size_t)(B * B), sizeof *w);
    double *pn = gz_calloc((size_t)(B * D), sizeof *pn);
    double *zn = gz_calloc((size_t)(B * D), sizeof *zn);
    double *np = gz_calloc((size_t)B, sizeof *np);
    double *nz = gz_calloc((size_t)B, sizeof *nz);
    double *g = gz_calloc((size_t)D, sizeof *g);
    double total = 0;
    if (!w || !pn || !zn || !np || !nz || !g) {
        st = GZ_ERR_NOMEM;
        goto done;
    }
    if ((st = load_weights(label, B, B, fn, "label", w, &total)))
        goto done;
    load_normalised(p, pn, np);
    load_normalised(z, zn, nz);

    double acc = 0;
    for (int64_t i = 0; i < B; i++)
        for (int64_t j = 0; j < B; j++) {
            double wij = w[i * B + j];
            if (wij == 0)
                continue;
            double c = 0;
            for (int64_t d = 0; d < D; d++)
                c += pn[i * D + d] * zn[j * D + d];
            acc += wij * c;
        }
    *loss = -acc / total;

    /* dL/dpn_i = -(1/S) sum_j w_ij zn_j ; dL/dzn_j = -(1/S) sum_i w_ij pn_i */
    if (dp)
        for (int64_t i = 0; i < B; i++) {
            memset(g, 0, (size_t)D * sizeof *g);
            for (int64_t j = 0; j < B; j++) {
                double wij = w[i * B + j];
                if (wij != 0)
                    for (int64_t d = 0; d < D; d++)
                        g[d] -= wij * zn[j * D + d];
            }
            for (int64_t d = 0; d < D; d++)
                g[d] /= total;
            norm_backward_row(pn + i * D, g, np[i], D, scale, dp, i);
        }
    if (dz)
        for (int64_t j = 0; j < B; j++) {
            memset(g, 0, (size_t)D * sizeof *g);
            for (int64_t i = 0; i < B; i++) {
                double wij = w[i * B + j];
                if (wij != 0)
                    for (int64_t d = 0; d < D; d++)
                        g[d] -= wij * pn[i * D + d];
            }
            for (int64_t d = 0; d < D; d++)
                g[d] /= total;
            norm_backward_row(zn + j * D, g, nz[j], D, scale, dz, j);
        }
done:
    free(w);
    free(pn);
    free(zn);
    free(np);
    free(nz);
    free(g);
    return st;
}

gz_status gz_loss_infonce(const gz_tensor *q, const gz_tensor *k, const gz_tensor *queue,
                          const gz_tensor *target, double tau, double scale, double *loss,
                          gz_tensor *dq, gz_tensor *kn)
{
    static const char fn[] = "loss.infonce";
    gz_status st;
    if ((st = check_rows(q, fn, "q")) || (st = check_rows(k, fn, "k")) ||
        (st = check_rows(queue, fn, "queue")))
        return st;
    int64_t B = q->shape[0], D = q->shape[1], K = queue->shape[0];
    if (k->shape[0] != B || k->shape[1] != D)
        return gz_error_set(GZ_ERR_ARG, "%s: q is (%lld, %lld) but k is (%lld, %lld)", fn,
                            (long long)B, (long long)D, (long long)k->shape[0],
                            (long long)k->shape[1]);
    if (K > 0 && queue->shape[1] != D)
        return gz_error_set(GZ_ERR_ARG, "%s: queue rows have %lld values, q has %lld", fn,
                            (long long)queue->shape[1], (long long)D);
    if (!(tau > 0) || isinf(tau))
        return gz_error_set(GZ_ERR_ARG, "%s: temperature must be > 0 (got %g)", fn, tau);
    if ((dq && (st = check_out(dq, q, fn, "dq"))) || (kn && (st = check_out(kn, k, fn, "kn"))))
        return st;
    if (B < 1 || D < 1)
        return gz_error_set(GZ_ERR_ARG, "%s: empty batch (%lld, %lld)", fn, (long long)B,
                            (long long)D);
    int64_t C = 1 + K;
    double *t = gz_calloc((size_t)(B * C), sizeof *t);
    double *qn = gz_calloc((size_t)(B * D), sizeof *qn);
    double *knn = gz_calloc((size_t)(B * D), sizeof *knn);
    double *nq = gz_calloc((size_t)B, sizeof *nq);
    double *nk = gz_calloc((size_t)B, sizeof *nk);
    double *lg = gz_calloc((size_t)C, sizeof *lg);
    double *g = gz_calloc((size_t)D, sizeof *g);
    double total = 0;
    if (!t || !qn || !knn || !nq || !nk || !lg || !g) {
        st = GZ_ERR_NOMEM;
        goto done;
    }
    if ((st = load_weights(target, B, C, fn, "target", t, &total)))
        goto done;
    load_normalised(q, qn, nq);
    load_normalised(k, knn, nk);

    double acc = 0;
    for (int64_t i = 0; i < B; i++) {
        const double *qi = qn + i * D;
        double m = -INFINITY;
        for (int64_t j = 0; j < C; j++) {
            double s = 0;
            if (j == 0)
                for (int64_t d = 0; d < D; d++)
                    s += qi[d] * knn[i * D + d];
            else
                s = dot_row(qi, queue, j - 1, D);
            lg[j] = s / tau;
            m = fmax(m, lg[j]);
        }
        double se = 0;
        for (int64_t j = 0; j < C; j++)
            se += exp(lg[j] - m);
        double lse = m + log(se);
        double ti = 0;
        for (int64_t j = 0; j < C; j++) {
            double tij = t[i * C + j];
            ti += tij;
            if (tij != 0)
                acc += tij * (lg[j] - lse);
        }
        if (dq) {
            /* dL/dlogit_ij = (T_i softmax_ij - t_ij) / S; dlogit/dqn = key / tau */
            memset(g, 0, (size_t)D * sizeof *g);
            for (int64_t j = 0; j < C; j++) {
                double dl = (ti * exp(lg[j] - lse) - t[i * C + j]) / total;
                if (dl == 0)
                    continue;
                if (j == 0)
                    for (int64_t d = 0; d < D; d++)
                        g[d] += dl * knn[i * D + d] / tau;
                else
                    axpy_row(g, dl / tau, queue, j - 1, D);
            }
            norm_backward_row(qi, g, nq[i], D, scale, dq, i);
        }
    }
    *loss = -acc / total;
    if (kn)
        for (int64_t i = 0; i < B * D; i++)
            row_set(kn, i, knn[i]);
done:
    free(t);
    free(qn);
    free(knn);
    free(nq);
    free(nk);
    free(lg);
    free(g);
    return st;
}

static gz_status check_policy(const gz_pair_policy *pol, const char *fn, int64_t *n)
{
    *n = 0;
    if (!pol)
        return GZ_OK;
    const gz_tensor *R = pol->R;
    if (!R || R->ndim != 2 || R->shape[0] != R->shape[1])
        return gz_error_set(GZ_ERR_ARG, "%s: the relation must be a square N x N matrix", fn);
    if (isnan(pol->threshold))
        return gz_error_set(GZ_ERR_ARG, "%s: threshold is NaN", fn);
    if (!(pol->drop >= 0 && pol->drop <= 1))
        return gz_error_set(GZ_ERR_ARG, "%s: drop must be in [0, 1] (got %g)", fn, pol->drop);
    *n = R->shape[0];
    return GZ_OK;
}

static double rel_at(const gz_tensor *R, int64_t a, int64_t b)
{
    const char *base = R->data;
    int64_t off = a * R->stride[0] + b * R->stride[1];
    switch (R->dtype) {
    case GZ_F64: return ((const double *)base)[off];
    case GZ_F32: return (double)((const float *)base)[off];
    case GZ_I64: return (double)((const int64_t *)base)[off];
    default: return (double)((const uint8_t *)base)[off];
    }
}

/* 1 when images a != b form a kept pair under pol. */
static int kept(const gz_pair_policy *pol, int64_t a, int64_t b)
{
    double r = rel_at(pol->R, a, b);
    if (!(r > pol->threshold))
        return 0;
    return gz_pair_kept(pol->seed, pol->epoch, pol->iteration, a, b, pol->drop);
}

static gz_status check_idx(const int64_t *idx, int64_t B, int64_t N, const gz_pair_policy *pol,
                           const char *fn, const char *name)
{
    for (int64_t i = 0; i < B; i++)
        if (idx[i] < 0 || (pol && idx[i] >= N))
            return gz_error_set(GZ_ERR_ARG, "%s: %s[%lld] = %lld is not an image of the relation (N = %lld)",
                                fn, name, (long long)i, (long long)idx[i], (long long)N);
    return GZ_OK;
}

static gz_status check_matrix_out(const gz_tensor *out, int64_t rows, int64_t cols, const char *fn)
{
    if (!out || (out->dtype != GZ_F32 && out->dtype != GZ_F64) || out->ndim != 2 ||
        !gz_tensor_is_contiguous(out) || out->shape[0] != rows || out->shape[1] != cols)
        return gz_error_set(GZ_ERR_ARG, "%s: out must be a contiguous float (%lld, %lld) tensor", fn,
                            (long long)rows, (long long)cols);
    return GZ_OK;
}

gz_status gz_loss_batch_labels(const gz_pair_policy *pol, const int64_t *idx, int64_t B,
                               gz_tensor *out, int64_t *pairs)
{
    static const char fn[] = "loss.batch_labels";
    int64_t N;
    gz_status st;
    if ((st = check_policy(pol, fn, &N)) || (st = check_matrix_out(out, B, B, fn)) ||
        (st = check_idx(idx, B, N, pol, fn, "idx")))
        return st;
    int64_t count = 0;
    for (int64_t i = 0; i < B; i++) {
        row_set(out, i * B + i, 1.0);
        for (int64_t j = i + 1; j < B; j++) {
            int on;
            if (idx[i] == idx[j])
                on = 1;
            else {
                on = pol ? kept(pol, idx[i], idx[j]) : 0;
                count += on;
            }
            row_set(out, i * B + j, on);
            row_set(out, j * B + i, on);
        }
    }
    if (pairs)
        *pairs = count;
    return GZ_OK;
}

gz_status gz_loss_queue_targets(const gz_pair_policy *pol, const int64_t *idx, int64_t B,
                                const int64_t *qidx, int64_t K, gz_tensor *out,
                                int64_t *positives)
{
    static const char fn[] = "loss.queue_targets";
    int64_t N;
    gz_status st;
    if ((st = check_policy(pol, fn, &N)) || (st = check_matrix_out(out, B, 1 + K, fn)) ||
        (st = check_idx(idx, B, N, pol, fn, "idx")))
        return st;
    for (int64_t j = 0; j < K; j++)
        if (qidx[j] < -1 || (pol && qidx[j] >= N))
            return gz_error_set(GZ_ERR_ARG, "%s: queue index %lld = %lld is not an image of the relation (N = %lld)",
                                fn, (long long)j, (long long)qidx[j], (long long)N);
    int64_t count = 0;
    int64_t C = 1 + K;
    for (int64_t i = 0; i < B; i++) {
        row_set(out, i * C, 1.0);
        for (int64_t j = 0; j < K; j++) {
            int on = 0;
            if (pol && qidx[j] >= 0 && qidx[j] != idx[i])
                on = kept(pol, idx[i], qidx[j]);
            count += on;
            row_set(out, i * C + 1 + j, on);
        }
    }
    if (positives)
        *positives = count;
    return GZ_OK;
}
