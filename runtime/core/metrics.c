/* Classification metrics (accuracy, balanced accuracy, macro-F1, AUC with
 * ties, ordinal MAE, confusion matrix); definitions in metrics.h. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double s;
    uint8_t pos;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x > y) - (x < y);
}

double gz_metrics_auc(const double *score, const uint8_t *positive, int64_t n, gz_status *st)
{
    if (st)
        *st = GZ_OK;
    int64_t np = 0;
    for (int64_t i = 0; i < n; i++)
        np += positive[i] != 0;
    int64_t nn = n - np;
    if (np == 0 || nn == 0)
        return NAN;
    scored *v = gz_malloc((size_t)n * sizeof *v);
    if (!v) {
        if (st)
            *st = GZ_ERR_NOMEM;
        return NAN;
    }
    for (int64_t i = 0; i < n; i++) {
        v[i].s = score[i];
        v[i].pos = positive[i] != 0;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_scored);
    /* sum of the (1-based, tie-averaged) ranks of the positives */
    double rank_sum = 0;
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        while (j < n && v[j].s == v[i].s)
            j++;
        double avg = (double)(i + 1 + j) / 2.0; /* ranks i+1 .. j */
        for (int64_t t = i; t < j; t++)
            if (v[t].pos)
                rank_sum += avg;
        i = j;
    }
    free(v);
    double u = rank_sum - (double)np * (double)(np + 1) / 2.0;
    return u / ((double)np * (double)nn);
}

void gz_metrics_free(gz_metrics *m)
{
    if (m) {
        free(m->confusion);
        m->confusion = NULL;
    }
}

gz_status gz_metrics_compute(const int64_t *y, const int64_t *pred, const double *scores,
                             int64_t n, int64_t k, int ordinal, gz_metrics *out)
{
    out->confusion = NULL;
    out->n = n;
    out->k = k;
    out->accuracy = out->balanced_accuracy = out->macro_f1 = out->auc = out->mae = NAN;
    out->auc_classes = 0;
    if (k < 1 || n < 0)
        return gz_error_set(GZ_ERR_ARG, "metrics: need k >= 1 classes and n >= 0 (got k = %lld)",
                            (long long)k);
    for (int64_t i = 0; i < n; i++) {
        if (y[i] < 0 || y[i] >= k)
            return gz_error_set(GZ_ERR_ARG, "metrics: label[%lld] = %lld is not in 0..%lld",
                                (long long)i, (long long)y[i], (long long)(k - 1));
        if (pred[i] < 0 || pred[i] >= k)
            return gz_error_set(GZ_ERR_ARG, "metrics: prediction[%lld] = %lld is not in 0..%lld",
                                (long long)i, (long long)pred[i], (long long)(k - 1));
        if (scores)
            for (int64_t c = 0; c < k; c++)
                if (!isfinite(scores[i * k + c]))
                    return gz_error_set(GZ_ERR_ARG, "metrics: score[%lld][%lld] is not finite",
                                        (long long)i, (long long)c);
    }
    int64_t *cm = gz_calloc((size_t)(k * k), sizeof *cm);
    if (!cm)
        return GZ_ERR_NOMEM;
    for (int64_t i = 0; i < n; i++)
        cm[y[i] * k + pred[i]]++;
    out->confusion = cm;
    if (n == 0)
        return GZ_OK;

    int64_t correct = 0;
    double abs_err = 0;
    for (int64_t i = 0; i < n; i++) {
        correct += y[i] == pred[i];
        abs_err += (double)llabs(y[i] - pred[i]);
    }
    out->accuracy = (double)correct / (double)n;
    if (ordinal)
        out->mae = abs_err / (double)n;

    double recall_sum = 0, f1_sum = 0;
    int64_t present = 0, in_union = 0;
    for (int64_t c = 0; c < k; c++) {
        int64_t tp = cm[c * k + c], support = 0, predicted = 0;
        for (int64_t j = 0; j < k; j++) {
            support += cm[c * k + j];
            predicted += cm[j * k + c];
        }
        if (support > 0) {
            recall_sum += (double)tp / (double)support;
            present++;
        }
        if (support > 0 || predicted > 0) {
            int64_t fp = predicted - tp, fn = support - tp;
            f1_sum += 2.0 * (double)tp / (double)(2 * tp + fp + fn);
            in_union++;
        }
    }
    out->balanced_accuracy = recall_sum / (double)present;
    out->macro_f1 = f1_sum / (double)in_union;

    if (scores && k >= 2) {
        double *s = gz_malloc((size_t)n * sizeof *s);
        uint8_t *pos = gz_malloc((size_t)n);
        if (!s || !pos) {
            free(s);
            free(pos);
            gz_metrics_free(out);
            return GZ_ERR_NOMEM;
        }
        double sum = 0;
        int64_t used = 0;
        gz_status st = GZ_OK;
        for (int64_t c = (k == 2 ? 1 : 0); c < k && !st; c++) {
            for (int64_t i = 0; i < n; i++) {
                s[i] = scores[i * k + c];
                pos[i] = y[i] == c;
            }
            double a = gz_metrics_auc(s, pos, n, &st);
            if (!isnan(a)) {
                sum += a;
                used++;
            }
        }
        free(s);
        free(pos);
        if (st) {
            gz_metrics_free(out);
            return st;
        }
        out->auc_classes = used;
        out->auc = used ? sum / (double)used : NAN;
    }
    return GZ_OK;
}
