/* The linear probe (L2-regularised multinomial logistic regression by
 * L-BFGS on standardised frozen features) and the weighted kNN probe;
 * contracts in linprobe.h. */
#include "linprobe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LBFGS_M 10

static gz_status check_features(const gz_tensor *X, const char *fn, const char *name)
{
    if (!X || (X->dtype != GZ_F32 && X->dtype != GZ_F64) || X->ndim != 2 ||
        !gz_tensor_is_contiguous(X))
        return gz_error_set(GZ_ERR_ARG, "%s: %s must be a contiguous 2-D float tensor (n, d)", fn,
                            name);
    return GZ_OK;
}

static double xget(const gz_tensor *X, int64_t i)
{
    return X->dtype == GZ_F32 ? (double)((const float *)X->data)[i] : ((const double *)X->data)[i];
}

void gz_linmodel_free(gz_linmodel *m)
{
    if (!m)
        return;
    free(m->w);
    free(m->b);
    free(m->mean);
    free(m->scale);
    free(m);
}

static gz_linmodel *model_new(int64_t d, int64_t k)
{
    gz_linmodel *m = gz_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->d = d;
    m->k = k;
    m->w = gz_calloc((size_t)(k * d + 1), sizeof *m->w);
    m->b = gz_calloc((size_t)k, sizeof *m->b);
    m->mean = gz_calloc((size_t)d + 1, sizeof *m->mean);
    m->scale = gz_calloc((size_t)d + 1, sizeof *m->scale);
    if (!m->w || !m->b || !m->mean || !m->scale) {
        gz_linmodel_free(m);
        return NULL;
    }
    return m;
}

/* The problem in standardised coordinates. theta = [W (k x d), b (k)]. */
typedef struct {
    const double *x; /* n x d standardised */
    const int64_t *y;
    const double *sw; /* sample weights, normalised to sum 1 */
    int64_t n, d, k;
    double l2;
    double *z; /* k scratch */
} problem;

static double objective(const problem *P, const double *theta, double *grad)
{
    int64_t n = P->n, d = P->d, k = P->k;
    const double *W = theta, *b = theta + k * d;
    memset(grad, 0, (size_t)(k * (d + 1)) * sizeof *grad);
    double *gW = grad, *gb = grad + k * d;
    double f = 0;
    for (int64_t i = 0; i < n; i++) {
        const double *xi = P->x + i * d;
        double m = -INFINITY;
        for (int64_t c = 0; c < k; c++) {
            double s = b[c];
            const double *wc = W + c * d;
            for (int64_t j = 0; j < d; j++)
                s += wc[j] * xi[j];
            P->z[c] = s;
            m = fmax(m, s);
        }
        double se = 0;
        for (int64_t c = 0; c < k; c++)
            se += exp(P->z[c] - m);
        double lse = m + log(se);
        f += P->sw[i] * (lse - P->z[P->y[i]]);
        for (int64_t c = 0; c < k; c++) {
            double g = P->sw[i] * (exp(P->z[c] - lse) - (c == P->y[i] ? 1.0 : 0.0));
            if (g == 0)
                continue;
            double *gc = gW + c * d;
            for (int64_t j = 0; j < d; j++)
                gc[j] += g * xi[j];
            gb[c] += g;
        }
    }
    double reg = 0;
    for (int64_t t = 0; t < k * d; t++) {
        reg += W[t] * W[t];
        gW[t] += P->l2 * W[t];
    }
    return f + 0.5 * P->l2 * reg;
}

static double dot(const double *a, const double *b, int64_t n)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static double norm_inf(const double *a, int64_t n)
{
    double m = 0;
    for (int64_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

/* Minimises the objective from theta (in place); returns iterations used. */
static int lbfgs(const problem *P, double *theta, int max_iter, double tol, double *fout,
                 double *work)
{
    int64_t np = P->k * (P->d + 1);
    double *g = work, *dir = g + np, *xn = dir + np, *gn = xn + np;
    double *S = gn + np, *Y = S + LBFGS_M * np;
    double rho[LBFGS_M], alpha[LBFGS_M];
    int head = 0, count = 0, it;
    double f = objective(P, theta, g);
    for (it = 0; it < max_iter; it++) {
        if (norm_inf(g, np) <= tol)
            break;
        /* two-loop recursion: dir = -H g */
        for (int64_t t = 0; t < np; t++)
            dir[t] = -g[t];
        for (int c = 0; c < count; c++) {
            int s = (head - 1 - c + LBFGS_M) % LBFGS_M;
            alpha[s] = rho[s] * dot(S + s * np, dir, np);
            for (int64_t t = 0; t < np; t++)
                dir[t] -= alpha[s] * Y[s * np + t];
        }
        double gamma;
        if (count > 0) {
            int s = (head - 1 + LBFGS_M) % LBFGS_M;
            gamma = dot(S + s * np, Y + s * np, np) / dot(Y + s * np, Y + s * np, np);
        } else {
            gamma = 1.0 / fmax(sqrt(dot(g, g, np)), 1e-300);
        }
        for (int64_t t = 0; t < np; t++)
            dir[t] *= gamma;
        for (int c = count - 1; c >= 0; c--) {
            int s = (head - 1 - c + LBFGS_M) % LBFGS_M;
            double beta = rho[s] * dot(Y + s * np, dir, np);
            for (int64_t t = 0; t < np; t++)
                dir[t] += (alpha[s] - beta) * S[s * np + t];
        }
        double dg = dot(g, dir, np);
        if (!(dg < 0)) { /* not a descent direction: restart from steepest descent */
            count = 0;
            gamma = 1.0 / fmax(sqrt(dot(g, g, np)), 1e-300);
            for (int64_t t = 0; t < np; t++)
                dir[t] = -gamma * g[t];
            dg = dot(g, dir, np);
        }
        double step = 1, fn = f;
        int ok = 0;
        for (int tries = 0; tries < 50; tries++) {
            for (int64_t t = 0; t < np; t++)
                xn[t] = theta[t] + step * dir[t];
            fn = objective(P, xn, gn);
            if (fn <= f + 1e-4 * step * dg) {
                ok = 1;
                break;
            }
            step *= 0.5;
        }
        if (!ok)
            break;
        double *s_new = S + head * np, *y_new = Y + head * np;
        for (int64_t t = 0; t < np; t++) {
            s_new[t] = xn[t] - theta[t];
            y_new[t] = gn[t] - g[t];
        }
        double sy = dot(s_new, y_new, np);
        if (sy > 1e-12 * dot(y_new, y_new, np)) {
            rho[head] = 1.0 / sy;
            head = (head + 1) % LBFGS_M;
            if (count < LBFGS_M)
                count++;
        }
        memcpy(theta, xn, (size_t)np * sizeof *theta);
        memcpy(g, gn, (size_t)np * sizeof *g);
        double df = f - fn;
        f = fn;
        if (df <= 1e-15 * fmax(1.0, fabs(f)))
            break;
    }
    *fout = f;
    return it;
}

gz_status gz_linprobe_fit(const gz_tensor *X, const int64_t *y, int64_t k,
                          const gz_linprobe_opts *opts, gz_linmodel **out)
{
    static const char fn[] = "linear probe";
    *out = NULL;
    gz_status st = check_features(X, fn, "features");
    if (st)
        return st;
    int64_t n = X->shape[0], d = X->shape[1];
    if (n < 1 || d < 1)
        return gz_error_set(GZ_ERR_ARG, "%s: no training data (%lld x %lld features)", fn,
                            (long long)n, (long long)d);
    if (k < 2)
        return gz_error_set(GZ_ERR_ARG, "%s: need at least 2 classes (got %lld)", fn, (long long)k);
    double l2 = opts ? opts->l2 : 0;
    if (!(l2 >= 0) || isinf(l2))
        return gz_error_set(GZ_ERR_ARG, "%s: l2 must be >= 0 (got %g)", fn, l2);
    const gz_linmodel *init = opts ? opts->init : NULL;
    if (init && (init->d != d || init->k != k))
        return gz_error_set(GZ_ERR_ARG, "%s: warm start has %lld x %lld weights, need %lld x %lld",
                            fn, (long long)init->k, (long long)init->d, (long long)k, (long long)d);
    int64_t *count = gz_calloc((size_t)k, sizeof *count);
    if (!count)
        return GZ_ERR_NOMEM;
    for (int64_t i = 0; i < n; i++) {
        if (y[i] < 0 || y[i] >= k) {
            free(count);
            return gz_error_set(GZ_ERR_ARG, "%s: label of row %lld is %lld, not in 0..%lld", fn,
                                (long long)i, (long long)y[i], (long long)(k - 1));
        }
        count[y[i]]++;
        for (int64_t j = 0; j < d; j++)
            if (!isfinite(xget(X, i * d + j))) {
                free(count);
                return gz_error_set(GZ_ERR_ARG, "%s: feature [%lld][%lld] is not finite", fn,
                                    (long long)i, (long long)j);
            }
    }
    int64_t np = k * (d + 1);
    gz_linmodel *m = model_new(d, k);
    double *x = gz_calloc((size_t)(n * d), sizeof *x);
    double *sw = gz_calloc((size_t)n, sizeof *sw);
    double *z = gz_calloc((size_t)k, sizeof *z);
    double *theta = gz_calloc((size_t)np, sizeof *theta);
    double *work = gz_calloc((size_t)np * (4 + 2 * LBFGS_M), sizeof *work);
    if (!m || !x || !sw || !z || !theta || !work) {
        st = GZ_ERR_NOMEM;
        goto done;
    }
    if (init) {
        memcpy(m->mean, init->mean, (size_t)d * sizeof *m->mean);
        memcpy(m->scale, init->scale, (size_t)d * sizeof *m->scale);
    } else {
        for (int64_t j = 0; j < d; j++) {
            double s = 0;
            for (int64_t i = 0; i < n; i++)
                s += xget(X, i * d + j);
            double mu = s / (double)n, v = 0;
            for (int64_t i = 0; i < n; i++) {
                double e = xget(X, i * d + j) - mu;
                v += e * e;
            }
            double sd = sqrt(v / (double)n);
            m->mean[j] = mu;
            m->scale[j] = sd > 1e-12 * fmax(1.0, fabs(mu)) ? sd : 1.0;
        }
    }
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++)
            x[i * d + j] = (xget(X, i * d + j) - m->mean[j]) / m->scale[j];
    double wsum = 0;
    for (int64_t i = 0; i < n; i++) {
        sw[i] = (opts && opts->balanced) ? (double)n / ((double)k * (double)count[y[i]]) : 1.0;
        wsum += sw[i];
    }
    for (int64_t i = 0; i < n; i++)
        sw[i] /= wsum;
    if (init) {
        memcpy(theta, init->w, (size_t)(k * d) * sizeof *theta);
        memcpy(theta + k * d, init->b, (size_t)k * sizeof *theta);
    }
    problem P = {x, y, sw, n, d, k, l2, z};
    int max_iter = (opts && opts->max_iter > 0) ? opts->max_iter : 500;
    double tol = (opts && opts->tol > 0) ? opts->tol : 1e-6;
    m->iterations = lbfgs(&P, theta, max_iter, tol, &m->objective, work);
    memcpy(m->w, theta, (size_t)(k * d) * sizeof *theta);
    memcpy(m->b, theta + k * d, (size_t)k * sizeof *theta);
done:
    free(count);
    free(x);
    free(sw);
    free(z);
    free(theta);
    free(work);
    if (st)
        gz_linmodel_free(m);
    else
        *out = m;
    return st;
}

static gz_status check_scores(const gz_tensor *s, int64_t rows, int64_t cols, const char *fn)
{
    if (!s || s->dtype != GZ_F64 || s->ndim != 2 || !gz_tensor_is_contiguous(s) ||
        s->shape[0] != rows || s->shape[1] != cols)
        return gz_error_set(GZ_ERR_ARG, "%s: output must be a contiguous float64 (%lld, %lld) tensor",
                            fn, (long long)rows, (long long)cols);
    return GZ_OK;
}

gz_status gz_linprobe_predict(const gz_linmodel *m, const gz_tensor *X, gz_tensor *probs)
{
    static const char fn[] = "linear probe";
    gz_status st = check_features(X, fn, "features");
    if (st)
        return st;
    int64_t n = X->shape[0], d = X->shape[1], k = m->k;
    if (d != m->d)
        return gz_error_set(GZ_ERR_ARG, "%s: features have %lld columns, the model %lld", fn,
                            (long long)d, (long long)m->d);
    if ((st = check_scores(probs, n, k, fn)))
        return st;
    double *out = probs->data;
    for (int64_t i = 0; i < n; i++) {
        double mx = -INFINITY;
        for (int64_t c = 0; c < k; c++) {
            double s = m->b[c];
            for (int64_t j = 0; j < d; j++)
                s += m->w[c * d + j] * (xget(X, i * d + j) - m->mean[j]) / m->scale[j];
            out[i * k + c] = s;
            mx = fmax(mx, s);
        }
        double se = 0;
        for (int64_t c = 0; c < k; c++) {
            out[i * k + c] = exp(out[i * k + c] - mx);
            se += out[i * k + c];
        }
        for (int64_t c = 0; c < k; c++)
            out[i * k + c] /= se;
    }
    return GZ_OK;
}

static void normalised_rows(const gz_tensor *X, double *out)
{
    int64_t n = X->shape[0], d = X->shape[1];
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t j = 0; j < d; j++) {
            out[i * d + j] = xget(X, i * d + j);
            s += out[i * d + j] * out[i * d + j];
        }
        double nrm = fmax(sqrt(s), 1e-12);
        for (int64_t j = 0; j < d; j++)
            out[i * d + j] /= nrm;
    }
}

gz_status gz_knn_predict(const gz_tensor *X, const int64_t *y, int64_t classes,
                         const gz_tensor *Q, int64_t knn, double T, gz_tensor *scores)
{
    static const char fn[] = "knn";
    gz_status st;
    if ((st = check_features(X, fn, "train features")) || (st = check_features(Q, fn, "query features")))
        return st;
    int64_t n = X->shape[0], d = X->shape[1], m = Q->shape[0];
    if (Q->shape[1] != d)
        return gz_error_set(GZ_ERR_ARG, "%s: query features have %lld columns, train %lld", fn,
                            (long long)Q->shape[1], (long long)d);
    if (n < 1)
        return gz_error_set(GZ_ERR_ARG, "%s: no training rows", fn);
    if (classes < 1 || knn < 1 || !(T > 0))
        return gz_error_set(GZ_ERR_ARG, "%s: need classes >= 1, k >= 1 and temperature > 0", fn);
    if ((st = check_scores(scores, m, classes, fn)))
        return st;
    for (int64_t i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= classes)
            return gz_error_set(GZ_ERR_ARG, "%s: label of train row %lld is %lld, not in 0..%lld",
                                fn, (long long)i, (long long)y[i], (long long)(classes - 1));
    if (knn > n)
        knn = n;
    double *xn = gz_calloc((size_t)(n * d), sizeof *xn);
    double *qn = gz_calloc((size_t)(m * d + 1), sizeof *qn);
    double *best = gz_calloc((size_t)knn, sizeof *best);
    int64_t *bi = gz_calloc((size_t)knn, sizeof *bi);
    if (!xn || !qn || !best || !bi) {
        st = GZ_ERR_NOMEM;
        goto done;
    }
    normalised_rows(X, xn);
    normalised_rows(Q, qn);
    double *out = scores->data;
    for (int64_t q = 0; q < m; q++) {
        int64_t have = 0;
        for (int64_t i = 0; i < n; i++) {
            double s = dot(qn + q * d, xn + i * d, d);
            if (have == knn && s <= best[have - 1])
                continue; /* ties keep the lower index */
            int64_t p = have < knn ? have++ : knn - 1;
            while (p > 0 && best[p - 1] < s) {
                best[p] = best[p - 1];
                bi[p] = bi[p - 1];
                p--;
            }
            best[p] = s;
            bi[p] = i;
        }
        double tot = 0;
        for (int64_t c = 0; c < classes; c++)
            out[q * classes + c] = 0;
        for (int64_t t = 0; t < have; t++) {
            double w = exp(best[t] / T);
            out[q * classes + y[bi[t]]] += w;
            tot += w;
        }
        for (int64_t c = 0; c < classes; c++)
            out[q * classes + c] /= tot;
    }
done:
    free(xn);
    free(qn);
    free(best);
    free(bi);
    return st;
}
