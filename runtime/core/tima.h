/* TIMA, temporal image moment analysis (GzPT; similarity.md section 5).
 *
 * A record of n points (raw samples or fixation positions, weight 1) is
 * clustered with DBSCAN over the features (x / W, y / H, k / n) of the
 * feature canvas W x H; each cluster, in cluster order, is rendered on the
 * render canvas and reduced to its moment features (m00, hu1) of section 3;
 * two records compare by DTW over their cluster sequences. */
#ifndef GZ_TIMA_H
#define GZ_TIMA_H

#include <stddef.h>

#include "error.h"
#include "scheme.h"

typedef struct gz_tima_params {
    int canvas_w, canvas_h; /* feature canvas (default 800 x 800) */
    int render_w, render_h; /* render canvas (default = feature canvas) */
    int kernel;             /* splat side g (default int(render_h / 10)) */
    int div;                /* min_samples = int(n / div) + 1 (default 10) */
    double eps;             /* neighbourhood radius (default 0.2) */
} gz_tima_params;

/* The defaults above. */
void gz_tima_params_default(gz_tima_params *p);

/* DBSCAN of section 5 over (x[k] / feat_w, y[k] / feat_h, k / n):
 * neighbours when sqrt(dx^2 + dy^2 + dt^2) <= eps (summed in that order);
 * a point is core when at least int(n / div) + 1 points, itself included,
 * are neighbours; clusters are numbered 0, 1, ... in the order found when
 * scanning points by index; a border point joins the first cluster that
 * reaches it. labels[k] receives the cluster or -1 (noise); *n_clusters
 * the count. A point with a non-finite coordinate is nobody's neighbour
 * (not even its own), hence noise. div >= 1 and feat_w, feat_h > 0, else
 * GZ_ERR_ARG. Uses no memory beyond labels besides O(n) scratch. */
gz_status gz_tima_dbscan(const double *x, const double *y, size_t n, double feat_w,
                         double feat_h, int div, double eps, int *labels, size_t *n_clusters);

/* A record's features: per-cluster (m00, hu1), in cluster order. */
typedef struct gz_tima_features {
    size_t n_clusters;
    double *m00, *hu1; /* n_clusters each (NULL when 0) */
} gz_tima_features;

/* Clusters the points and computes each cluster's (m00, hu1) (points of
 * the cluster, weight 1, rendered on the render canvas with p->kernel, then
 * resized to 32 x 32). Caller frees with gz_tima_features_free. */
gz_status gz_tima_features_new(const gz_tima_params *p, const double *x, const double *y,
                               size_t n, gz_tima_features **out);
void gz_tima_features_free(gz_tima_features *f);

/* Local cost: 0.7 * diff(m00_a, m00_b) + 0.3 * diff(hu1_a, hu1_b). */
double gz_tima_cost(double m00_a, double hu1_a, double m00_b, double hu1_b);

/* DTW over the two cluster sequences (both non-empty): *d = D[last][last],
 * *L = the number of cells on the traceback path (from the end, minimum of
 * diagonal, up (i-1, j), left (i, j-1), preferring them in that order on
 * ties). GZ_ERR_ARG when either is empty; GZ_ERR_NOMEM. */
gz_status gz_tima_dtw(const gz_tima_features *a, const gz_tima_features *b, double *d,
                      size_t *L);

/* sim = 1 - d / L; 0 when either record has no cluster. */
gz_status gz_tima_similarity(const gz_tima_features *a, const gz_tima_features *b,
                             double *sim);

/* The tima scheme (vtable in scheme_heatmap.c). */
extern const gz_scheme gz_scheme_tima;

#endif
