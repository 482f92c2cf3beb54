/* Classification metrics of the downstream evaluation: accuracy,
 * balanced accuracy, macro-F1, AUC (binary, and macro one-vs-rest), mean
 * absolute error for ordinal labels (knee grades) and the confusion
 * matrix. Definitions follow scikit-learn's defaults:
 *
 *   accuracy           share of pred == y
 *   balanced_accuracy  mean recall over the classes present in y
 *   macro_f1           mean F1 over the classes present in y or pred
 *                      (F1 = 2 tp / (2 tp + fp + fn))
 *   auc                k = 2: Mann-Whitney AUC of scores[:, 1] for y == 1
 *                      against y == 0, ties counted half; k > 2: mean of
 *                      the one-vs-rest AUCs of scores[:, c] over classes c
 *                      that have both positives and negatives in y
 *                      (scikit-learn requires every class present; we
 *                      skip and report the count used in auc_classes)
 *   mae                ordinal: mean |pred - y| in grade steps
 *
 * Undefined values are NaN (n = 0, no scores, one class only, not ordinal).
 * Labels must lie in 0 .. k-1 (GZ_ERR_ARG naming the row otherwise); scores
 * must be finite. */
#ifndef GZ_METRICS_H
#define GZ_METRICS_H

#include <stdint.h>

#include "error.h"

typedef struct gz_metrics {
    int64_t n, k;
    double accuracy, balanced_accuracy, macro_f1, auc, mae;
    int64_t auc_classes;  /* classes averaged in auc (1 for binary) */
    int64_t *confusion;   /* k * k, row = true label, column = prediction */
} gz_metrics;

/* y, pred: n labels; scores: n x k row-major class scores (probabilities
 * or any monotone score) or NULL; ordinal: compute mae. On success the
 * caller frees out->confusion with gz_metrics_free. */
gz_status gz_metrics_compute(const int64_t *y, const int64_t *pred, const double *scores,
                             int64_t n, int64_t k, int ordinal, gz_metrics *out);
void gz_metrics_free(gz_metrics *m);

/* AUC of score for positive[i] != 0 against positive[i] == 0 (Mann-Whitney
 * U / (n_pos n_neg), ties half). NaN when a class is empty. *st is set to
 * GZ_ERR_NOMEM when its O(n) buffer cannot be allocated (then NaN). */
double gz_metrics_auc(const double *score, const uint8_t *positive, int64_t n, gz_status *st);

#endif
