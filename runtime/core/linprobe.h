/* Probes on frozen features: multinomial logistic regression with L2
 * (the linear probe) and weighted k-nearest neighbours (mmselfsup's kNN).
 *
 * Linear probe. Features X (n, d), any float dtype, contiguous; labels y
 * in 0 .. k-1. Features are standardised with the training mean and
 * standard deviation (a constant feature gets scale 1); the model is
 * softmax(W x' + b) with x' = (x - mean) / scale, minimising
 *     f(W, b) = sum_i w_i CE_i / sum_i w_i + (l2 / 2) ||W||^2
 * (b is not penalised; scikit-learn's C corresponds to l2 = 1 / (C n) with
 * unit weights) by L-BFGS (memory 10, Armijo backtracking) in double, in
 * plain sequential loops: the same input gives the same bits on any
 * thread count. Sample weights w_i are 1, or n / (k n_{y_i}) with
 * `balanced` (scikit-learn's class_weight="balanced"). It stops when
 * ||grad||_inf <= tol or after max_iter iterations; the model records
 * the iterations used and the final objective.
 *
 * kNN. Rows of both matrices are L2-normalised; for each query the k
 * training rows of highest cosine similarity (ties: lower index first)
 * vote with weight exp(sim / T); scores[c] = the summed weight of class c
 * divided by the total (a distribution used for AUC). */
#ifndef GZ_LINPROBE_H
#define GZ_LINPROBE_H

#include <stdint.h>

#include "error.h"
#include "tensor.h"

typedef struct gz_linmodel {
    int64_t d, k;
    double *w;      /* k x d, on standardised features */
    double *b;      /* k */
    double *mean;   /* d */
    double *scale;  /* d */
    int iterations;
    double objective;
} gz_linmodel;

typedef struct gz_linprobe_opts {
    double l2;      /* >= 0 */
    int max_iter;   /* <= 0: 500 */
    double tol;     /* <= 0: 1e-6 */
    int balanced;   /* class-balanced sample weights */
    const gz_linmodel *init; /* warm start (same d, k) or NULL */
} gz_linprobe_opts;

/* Fits a new model; caller frees with gz_linmodel_free. GZ_ERR_ARG on
 * bad shapes, labels outside 0..k-1, non-finite features, n = 0 or k < 2. */
gz_status gz_linprobe_fit(const gz_tensor *X, const int64_t *y, int64_t k,
                          const gz_linprobe_opts *opts, gz_linmodel **out);
void gz_linmodel_free(gz_linmodel *m);

/* probs (n, k) float64 contiguous <- softmax of the model on X (n, d). */
gz_status gz_linprobe_predict(const gz_linmodel *m, const gz_tensor *X, gz_tensor *probs);

/* scores (m, classes) float64 contiguous <- kNN class distribution of each
 * row of Q (m, d) among the rows of X (n, d) with labels y. knn >= 1
 * (clamped to n), T > 0. */
gz_status gz_knn_predict(const gz_tensor *X, const int64_t *y, int64_t classes,
                         const gz_tensor *Q, int64_t knn, double T, gz_tensor *scores);

#endif
