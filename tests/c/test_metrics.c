/* Tests of metrics.c (hand-computed values, brute-force AUC with ties)
 * and linprobe.c (optimality conditions of the logistic regression,
 * determinism, warm start, the kNN vote). */
#include "check.h"

#include <stdint.h>

#include "linprobe.h"
#include "metrics.h"
#include "rng.h"

static void test_hand_values(void)
{
    int64_t y[8] = {0, 0, 0, 1, 1, 2, 2, 2};
    int64_t p[8] = {0, 1, 0, 1, 2, 2, 2, 2};
    gz_metrics m;
    CHECK(gz_metrics_compute(y, p, NULL, 8, 3, 1, &m) == GZ_OK);
    CHECK_NEAR(m.accuracy, 6.0 / 8, 1e-15);
    CHECK_NEAR(m.balanced_accuracy, 13.0 / 18, 1e-15);
    CHECK_NEAR(m.macro_f1, (0.8 + 0.5 + 6.0 / 7) / 3, 1e-15);
    CHECK_NEAR(m.mae, 0.25, 1e-15);
    CHECK(isnan(m.auc));
    int64_t cm[9] = {2, 1, 0, 0, 1, 1, 0, 0, 3};
    for (int i = 0; i < 9; i++)
        CHECK_MSG(m.confusion[i] == cm[i], "confusion[%d] = %lld", i, (long long)m.confusion[i]);
    gz_metrics_free(&m);
    /* a class predicted but absent from y: in F1's average, not in recall's */
    int64_t y2[4] = {0, 0, 1, 1}, p2[4] = {0, 2, 1, 1};
    CHECK(gz_metrics_compute(y2, p2, NULL, 4, 3, 0, &m) == GZ_OK);
    CHECK_NEAR(m.balanced_accuracy, 0.75, 1e-15);
    CHECK_NEAR(m.macro_f1, 5.0 / 9, 1e-15);
    CHECK(isnan(m.mae));
    gz_metrics_free(&m);
    /* empty input: everything undefined, no failure */
    CHECK(gz_metrics_compute(y, p, NULL, 0, 3, 1, &m) == GZ_OK);
    CHECK(isnan(m.accuracy) && isnan(m.macro_f1));
    gz_metrics_free(&m);
}

static void test_auc_ties(void)
{
    double s[5] = {0.9, 0.5, 0.5, 0.5, 0.1};
    uint8_t pos[5] = {1, 1, 1, 0, 0};
    CHECK_NEAR(gz_metrics_auc(s, pos, 5, NULL), 5.0 / 6, 1e-15);
    uint8_t none[5] = {0};
    CHECK(isnan(gz_metrics_auc(s, none, 5, NULL)));
}

/* Probability that a positive outranks a negative, ties half, by pairs. */
static double brute_auc(const double *s, const uint8_t *pos, int n)
{
    double num = 0, den = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (pos[i] && !pos[j]) {
                num += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                den += 1;
            }
    return num / den;
}

static void test_auc_random(void)
{
    enum { N = 300, K = 4 };
    gz_rng r;
    gz_rng_init(&r, 5, 1);
    double sc[N * K];
    int64_t y[N], p[N];
    for (int i = 0; i < N; i++) {
        y[i] = (int64_t)gz_rng_below(&r, K);
        int64_t best = 0;
        for (int c = 0; c < K; c++) {
            /* rounded scores give many ties; class y[i] a bit higher */
            sc[i * K + c] = round((gz_rng_double(&r) + (c == y[i] ? 0.3 : 0)) * 10) / 10;
            if (sc[i * K + c] > sc[i * K + best])
                best = c;
        }
        p[i] = best;
    }
    gz_metrics m;
    CHECK(gz_metrics_compute(y, p, sc, N, K, 0, &m) == GZ_OK);
    double sum = 0, s[N];
    uint8_t pos[N];
    for (int c = 0; c < K; c++) {
        for (int i = 0; i < N; i++) {
            s[i] = sc[i * K + c];
            pos[i] = y[i] == c;
        }
        double a = gz_metrics_auc(s, pos, N, NULL);
        CHECK_NEAR(a, brute_auc(s, pos, N), 1e-12);
        sum += a;
    }
    CHECK_NEAR(m.auc, sum / K, 1e-12);
    CHECK(m.auc_classes == K);
    CHECK_MSG(m.auc > 0.6 && m.auc < 0.95, "auc %g", m.auc);
    gz_metrics_free(&m);
    /* binary: the AUC of column 1 */
    int64_t yb[N];
    double sb[N * 2];
    for (int i = 0; i < N; i++) {
        yb[i] = y[i] >= 2;
        sb[2 * i] = 1 - sc[i * K];
        sb[2 * i + 1] = sc[i * K];
        s[i] = sc[i * K];
        pos[i] = (uint8_t)yb[i];
    }
    CHECK(gz_metrics_compute(yb, yb, sb, N, 2, 0, &m) == GZ_OK);
    CHECK_NEAR(m.auc, brute_auc(s, pos, N), 1e-12);
    CHECK(m.auc_classes == 1);
    gz_metrics_free(&m);
}

static void test_metric_errors(void)
{
    int64_t y[2] = {0, 3}, p[2] = {0, 1};
    gz_metrics m;
    CHECK(gz_metrics_compute(y, p, NULL, 2, 3, 0, &m) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "label[1] = 3 is not in 0..2") != NULL);
    CHECK(m.confusion == NULL);
    int64_t y2[2] = {0, 1};
    double sc[4] = {0.5, 0.5, NAN, 1};
    CHECK(gz_metrics_compute(y2, p, sc, 2, 2, 0, &m) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "score[1][0]") != NULL);
}

/* Two Gaussian blobs in d dimensions plus noise features. */
static gz_tensor *blobs(int64_t n, int64_t d, int64_t *y, uint64_t seed, double sep)
{
    int64_t shape[2] = {n, d};
    gz_tensor *X;
    if (gz_tensor_new(&X, GZ_F32, 2, shape))
        abort();
    gz_rng r;
    gz_rng_init(&r, seed, 3);
    for (int64_t i = 0; i < n; i++) {
        y[i] = i % 3;
        for (int64_t j = 0; j < d; j++) {
            double v = gz_rng_normal(&r) * 2 + 5;
            if (j == y[i])
                v += sep;
            gz_tensor_set_flat(X, i * d + j, v);
        }
    }
    return X;
}

static void test_linprobe_optimality(void)
{
    int64_t n = 120, d = 6, k = 3, y[120];
    gz_tensor *X = blobs(n, d, y, 1, 6.0);
    gz_linprobe_opts o = {.l2 = 0.01, .tol = 1e-9, .max_iter = 2000};
    gz_linmodel *m;
    CHECK(gz_linprobe_fit(X, y, k, &o, &m) == GZ_OK);
    if (!m)
        return;
    /* KKT: mean_i (p_i - e_y) x'_i + l2 W = 0 and mean_i (p_i - e_y) = 0 */
    int64_t shape[2] = {n, k};
    gz_tensor *P;
    CHECK(gz_tensor_new(&P, GZ_F64, 2, shape) == GZ_OK);
    CHECK(gz_linprobe_predict(m, X, P) == GZ_OK);
    double worst = 0;
    for (int64_t c = 0; c < k; c++) {
        double gb = 0;
        for (int64_t j = 0; j < d; j++) {
            double g = 0;
            for (int64_t i = 0; i < n; i++) {
                double xs = (gz_tensor_get_flat(X, i * d + j) - m->mean[j]) / m->scale[j];
                g += (gz_tensor_get_flat(P, i * k + c) - (y[i] == c)) * xs / (double)n;
            }
            worst = fmax(worst, fabs(g + 0.01 * m->w[c * d + j]));
        }
        for (int64_t i = 0; i < n; i++)
            gb += (gz_tensor_get_flat(P, i * k + c) - (y[i] == c)) / (double)n;
        worst = fmax(worst, fabs(gb));
    }
    CHECK_MSG(worst < 1e-7, "gradient at the solution %g (%d iterations)", worst, m->iterations);
    /* standardisation: training mean and population std */
    double mu = 0;
    for (int64_t i = 0; i < n; i++)
        mu += gz_tensor_get_flat(X, i * d + 4);
    CHECK_NEAR(m->mean[4], mu / (double)n, 1e-9);
    /* separable enough: high training accuracy */
    int64_t correct = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t best = 0;
        for (int64_t c = 1; c < k; c++)
            if (gz_tensor_get_flat(P, i * k + c) > gz_tensor_get_flat(P, i * k + best))
                best = c;
        correct += best == y[i];
    }
    CHECK_MSG(correct > 110, "train accuracy %lld / 120", (long long)correct);
    /* deterministic, and a warm start lands on the same optimum */
    gz_linmodel *m2, *m3;
    CHECK(gz_linprobe_fit(X, y, k, &o, &m2) == GZ_OK);
    CHECK(memcmp(m->w, m2->w, (size_t)(k * d) * sizeof(double)) == 0);
    gz_linprobe_opts o3 = o;
    o3.l2 = 0.1;
    gz_linmodel *m4;
    CHECK(gz_linprobe_fit(X, y, k, &o3, &m4) == GZ_OK);
    o3.l2 = 0.01;
    o3.init = m4;
    CHECK(gz_linprobe_fit(X, y, k, &o3, &m3) == GZ_OK);
    for (int64_t t = 0; t < k * d; t++)
        CHECK_NEAR(m3->w[t], m->w[t], 1e-6);
    /* more L2, smaller weights */
    double n1 = 0, n4 = 0;
    for (int64_t t = 0; t < k * d; t++) {
        n1 += m->w[t] * m->w[t];
        n4 += m4->w[t] * m4->w[t];
    }
    CHECK(n4 < n1);
    gz_linmodel_free(m);
    gz_linmodel_free(m2);
    gz_linmodel_free(m3);
    gz_linmodel_free(m4);
    gz_tensor_free(P);
    gz_tensor_free(X);
}

static void test_linprobe_balanced(void)
{
    /* 3:1 imbalance, overlapping classes: balanced weights raise minority recall */
    int64_t n = 200, d = 2, y[200];
    int64_t shape[2] = {n, d};
    gz_tensor *X;
    CHECK(gz_tensor_new(&X, GZ_F64, 2, shape) == GZ_OK);
    gz_rng r;
    gz_rng_init(&r, 9, 0);
    for (int64_t i = 0; i < n; i++) {
        y[i] = i % 4 == 0;
        gz_tensor_set_flat(X, i * 2, gz_rng_normal(&r) + (y[i] ? 1.0 : 0.0));
        gz_tensor_set_flat(X, i * 2 + 1, gz_rng_normal(&r));
    }
    gz_linprobe_opts o = {.l2 = 1e-3};
    gz_linmodel *a, *b;
    CHECK(gz_linprobe_fit(X, y, 2, &o, &a) == GZ_OK);
    o.balanced = 1;
    CHECK(gz_linprobe_fit(X, y, 2, &o, &b) == GZ_OK);
    int64_t ps[2] = {n, 2};
    gz_tensor *Pa, *Pb;
    CHECK(gz_tensor_new(&Pa, GZ_F64, 2, ps) == GZ_OK && gz_tensor_new(&Pb, GZ_F64, 2, ps) == GZ_OK);
    gz_linprobe_predict(a, X, Pa);
    gz_linprobe_predict(b, X, Pb);
    int64_t ra = 0, rb = 0;
    for (int64_t i = 0; i < n; i++)
        if (y[i]) {
            ra += gz_tensor_get_flat(Pa, i * 2 + 1) > 0.5;
            rb += gz_tensor_get_flat(Pb, i * 2 + 1) > 0.5;
        }
    CHECK_MSG(rb > ra, "minority recall %lld (balanced) vs %lld", (long long)rb, (long long)ra);
    gz_linmodel_free(a);
    gz_linmodel_free(b);
    gz_tensor_free(Pa);
    gz_tensor_free(Pb);
    gz_tensor_free(X);
}

static void test_linprobe_errors(void)
{
    int64_t y[4] = {0, 1, 2, 1};
    int64_t shape[2] = {4, 2};
    gz_tensor *X;
    CHECK(gz_tensor_new(&X, GZ_F32, 2, shape) == GZ_OK);
    gz_linmodel *m = (gz_linmodel *)1;
    CHECK(gz_linprobe_fit(X, y, 2, NULL, &m) == GZ_ERR_ARG);
    CHECK(m == NULL);
    CHECK(strstr(gz_error_message(), "label of row 2 is 2") != NULL);
    CHECK(gz_linprobe_fit(X, y, 1, NULL, &m) == GZ_ERR_ARG);
    gz_tensor_set_flat(X, 3, NAN);
    CHECK(gz_linprobe_fit(X, y, 3, NULL, &m) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "feature [1][1] is not finite") != NULL);
    gz_tensor_free(X);
}

static void test_knn(void)
{
    /* train rows at angles; query near row 0 */
    double tr[8] = {1, 0, 0.8, 0.6, 0, 1, -1, 0};
    int64_t y[4] = {0, 0, 1, 1};
    int64_t s1[2] = {4, 2}, s2[2] = {1, 2}, s3[2] = {1, 2};
    gz_tensor *X, *Q, *S;
    CHECK(gz_tensor_new(&X, GZ_F64, 2, s1) == GZ_OK && gz_tensor_new(&Q, GZ_F64, 2, s2) == GZ_OK &&
          gz_tensor_new(&S, GZ_F64, 2, s3) == GZ_OK);
    for (int i = 0; i < 8; i++)
        gz_tensor_set_flat(X, i, tr[i]);
    gz_tensor_set_flat(Q, 0, 2); /* (2, 1): unnormalised */
    gz_tensor_set_flat(Q, 1, 1);
    CHECK(gz_knn_predict(X, y, 2, Q, 3, 0.5, S) == GZ_OK);
    /* cosines: 0.894, 0.984, 0.447, -0.894 -> top 3 = rows 1, 0, 2 */
    double q0 = 2 / sqrt(5), q1 = 1 / sqrt(5);
    double w0 = exp((q0) / 0.5), w1 = exp((0.8 * q0 + 0.6 * q1) / 0.5), w2 = exp(q1 / 0.5);
    CHECK_NEAR(gz_tensor_get_flat(S, 0), (w0 + w1) / (w0 + w1 + w2), 1e-12);
    CHECK_NEAR(gz_tensor_get_flat(S, 1), w2 / (w0 + w1 + w2), 1e-12);
    /* k larger than n is clamped */
    CHECK(gz_knn_predict(X, y, 2, Q, 50, 0.5, S) == GZ_OK);
    CHECK(gz_knn_predict(X, y, 2, Q, 3, 0, S) == GZ_ERR_ARG);
    gz_tensor_free(X);
    gz_tensor_free(Q);
    gz_tensor_free(S);
}

int main(void)
{
    RUN(test_hand_values);
    RUN(test_auc_ties);
    RUN(test_auc_random);
    RUN(test_metric_errors);
    RUN(test_linprobe_optimality);
    RUN(test_linprobe_balanced);
    RUN(test_linprobe_errors);
    RUN(test_knn);
    return check_done();
}
