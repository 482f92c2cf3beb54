/* TIMA: DBSCAN over (x/W, y/H, k/n), per-cluster heatmap moments, DTW.
 *
 * DBSCAN never builds neighbour lists: since k/n grows with k, the points
 * that can lie within eps of point i form a window of indices around i,
 * and a candidate whose time gap alone exceeds eps is never a neighbour
 * (fl(sqrt(fl(dt*dt))) = |dt| and adding non-negative squares cannot
 * decrease a rounded sum), so the scan stops there without changing any
 * decision of the exact rule. */
#include "tima.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heatmap.h"
#include "moments.h"

void gz_tima_params_default(gz_tima_params *p)
{
    p->canvas_w = 800;
    p->canvas_h = 800;
    p->render_w = 800;
    p->render_h = 800;
    p->kernel = gz_heatmap_default_kernel(800);
    p->div = 10;
    p->eps = 0.2;
}

typedef struct feats {
    const double *fx, *fy, *ft;
    size_t n;
    double eps;
} feats;

static int within(const feats *f, size_t i, size_t j)
{
    double dx = f->fx[i] - f->fx[j], dy = f->fy[i] - f->fy[j], dt = f->ft[i] - f->ft[j];
    return sqrt(dx * dx + dy * dy + dt * dt) <= f->eps;
}

/* Calls visit(j) for every neighbour j of i (self included when finite);
 * returns the neighbour count. With visit NULL it only counts. */
static size_t neighbours(const feats *f, size_t i, int *labels, int cluster, size_t *stack,
                         size_t *top)
{
    size_t count = 0;
    for (size_t j = i + 1; j-- > 0;) {
        if (f->ft[i] - f->ft[j] > f->eps)
            break;
        if (within(f, i, j)) {
            count++;
            if (labels && labels[j] == -1) {
                labels[j] = cluster;
                stack[(*top)++] = j;
            }
        }
    }
    for (size_t j = i + 1; j < f->n; j++) {
        if (f->ft[j] - f->ft[i] > f->eps)
            break;
        if (within(f, i, j)) {
            count++;
            if (labels && labels[j] == -1) {
                labels[j] = cluster;
                stack[(*top)++] = j;
            }
        }
    }
    return count;
}

gz_status gz_tima_dbscan(const double *x, const double *y, size_t n, double feat_w,
                         double feat_h, int div, double eps, int *labels, size_t *n_clusters)
{
    *n_clusters = 0;
    if (div < 1)
        return gz_error_set(GZ_ERR_ARG, "tima: div must be >= 1, got %d", div);
    if (!(feat_w > 0.0) || !(feat_h > 0.0))
        return gz_error_set(GZ_ERR_ARG, "tima: feature canvas %gx%g must be positive", feat_w,
                            feat_h);
    if (n == 0)
        return GZ_OK;
    if (n > (size_t)0x7fffffff)
        return gz_error_set(GZ_ERR_LIMIT, "tima: %zu points is too many", n);
    double *buf = gz_malloc(3 * n * sizeof(double));
    unsigned char *core = gz_malloc(n);
    size_t *stack = gz_malloc(n * sizeof(size_t));
    if (!buf || !core || !stack) {
        free(buf);
        free(core);
        free(stack);
        return GZ_ERR_NOMEM;
    }
    double *fx = buf, *fy = buf + n, *ft = buf + 2 * n;
    for (size_t k = 0; k < n; k++) {
        fx[k] = x[k] / feat_w;
        fy[k] = y[k] / feat_h;
        ft[k] = (double)k / (double)n;
    }
    feats f = {fx, fy, ft, n, eps};
    size_t min_samples = n / (size_t)div + 1;
    for (size_t k = 0; k < n; k++) {
        labels[k] = -1;
        core[k] = neighbours(&f, k, NULL, 0, NULL, NULL) >= min_samples;
    }
    int cluster = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] != -1 || !core[i])
            continue;
        size_t top = 0;
        labels[i] = cluster;
        stack[top++] = i;
        while (top > 0) {
            size_t p = stack[--top];
            if (core[p])
                neighbours(&f, p, labels, cluster, stack, &top);
        }
        cluster++;
    }
    *n_clusters = (size_t)cluster;
    free(buf);
    free(core);
    free(stack);
    return GZ_OK;
}

void gz_tima_features_free(gz_tima_features *f)
{
    if (!f)
        return;
    free(f->m00);
    free(f->hu1);
    free(f);
}

gz_status gz_tima_features_new(const gz_tima_params *p, const double *x, const double *y,
                               size_t n, gz_tima_features **out)
{
    *out = NULL;
    gz_tima_features *f = gz_calloc(1, sizeof *f);
    int *labels = gz_malloc((n ? n : 1) * sizeof(int));
    double *px = gz_malloc((n ? n : 1) * sizeof(double));
    double *py = gz_malloc((n ? n : 1) * sizeof(double));
    gz_status st = GZ_ERR_NOMEM;
    if (!f || !labels || !px || !py)
        goto fail;
    size_t nc = 0;
    st = gz_tima_dbscan(x, y, n, (double)p->canvas_w, (double)p->canvas_h, p->div, p->eps,
                        labels, &nc);
    if (st != GZ_OK)
        goto fail;
    if (nc > 0) {
        st = GZ_ERR_NOMEM;
        f->m00 = gz_malloc(nc * sizeof(double));
        f->hu1 = gz_malloc(nc * sizeof(double));
        if (!f->m00 || !f->hu1)
            goto fail;
    }
    for (size_t c = 0; c < nc; c++) {
        size_t m = 0;
        for (size_t k = 0; k < n; k++)
            if (labels[k] == (int)c) {
                px[m] = x[k];
                py[m] = y[k];
                m++;
            }
        double small[GZ_MOMENTS_SIDE * GZ_MOMENTS_SIDE];
        st = gz_moments_render_resized(px, py, NULL, m, p->render_w, p->render_h, p->kernel,
                                       small, GZ_MOMENTS_SIDE, GZ_MOMENTS_SIDE);
        if (st != GZ_OK)
            goto fail;
        gz_moments_of(small, GZ_MOMENTS_SIDE, GZ_MOMENTS_SIDE, &f->m00[c], &f->hu1[c]);
    }
    f->n_clusters = nc;
    free(labels);
    free(px);
    free(py);
    *out = f;
    return GZ_OK;
fail:
    gz_tima_features_free(f);
    free(labels);
    free(px);
    free(py);
    return st;
}

double gz_tima_cost(double m00_a, double hu1_a, double m00_b, double hu1_b)
{
    return 0.7 * gz_sim_diff(m00_a, m00_b) + 0.3 * gz_sim_diff(hu1_a, hu1_b);
}

gz_status gz_tima_dtw(const gz_tima_features *a, const gz_tima_features *b, double *d,
                      size_t *L)
{
    size_t na = a->n_clusters, nb = b->n_clusters;
    if (na == 0 || nb == 0)
        return gz_error_set(GZ_ERR_ARG, "tima: DTW needs two non-empty cluster sequences");
    double stackbuf[256];
    double *D = stackbuf;
    if (na > 256 / nb) {
        D = gz_calloc(na * nb, sizeof(double));
        if (!D)
            return GZ_ERR_NOMEM;
    }
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) {
            double c = gz_tima_cost(a->m00[i], a->hu1[i], b->m00[j], b->hu1[j]);
            double best;
            if (i == 0 && j == 0)
                best = 0.0;
            else {
                best = INFINITY;
                if (i > 0 && j > 0 && D[(i - 1) * nb + j - 1] < best)
                    best = D[(i - 1) * nb + j - 1];
                if (i > 0 && D[(i - 1) * nb + j] < best)
                    best = D[(i - 1) * nb + j];
                if (j > 0 && D[i * nb + j - 1] < best)
                    best = D[i * nb + j - 1];
            }
            D[i * nb + j] = c + best;
        }
    *d = D[na * nb - 1];
    size_t i = na - 1, j = nb - 1, len = 1;
    while (i > 0 || j > 0) {
        double diag = i > 0 && j > 0 ? D[(i - 1) * nb + j - 1] : INFINITY;
        double up = i > 0 ? D[(i - 1) * nb + j] : INFINITY;
        double left = j > 0 ? D[i * nb + j - 1] : INFINITY;
        if (diag <= up && diag <= left && i > 0 && j > 0) {
            i--;
            j--;
        } else if (up <= left && i > 0) {
            i--;
        } else {
            j--;
        }
        len++;
    }
    *L = len;
    if (D != stackbuf)
        free(D);
    return GZ_OK;
}

gz_status gz_tima_similarity(const gz_tima_features *a, const gz_tima_features *b,
                             double *sim)
{
    if (a->n_clusters == 0 || b->n_clusters == 0) {
        *sim = 0.0;
        return GZ_OK;
    }
    double d;
    size_t L;
    gz_status st = gz_tima_dtw(a, b, &d, &L);
    if (st != GZ_OK)
        return st;
    *sim = 1.0 - d / (double)L;
    return GZ_OK;
}
