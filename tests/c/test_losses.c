/* Tests of losses.c: McGIP's multi-positive cosine and InfoNCE losses
 * against finite differences (float64) and closed forms, the identity
 * cases against the ordinary BYOL / MoCo losses, and the batch label and
 * queue target matrices against the pair rule of similarity.md section 6. */
#include "check.h"

#include <stdint.h>

#include "losses.h"
#include "nn.h"
#include "pairs.h"

static gz_tensor *mat(gz_dtype dt, int64_t r, int64_t c)
{
    int64_t shape[2] = {r, c};
    gz_tensor *t = NULL;
    if (gz_tensor_new(&t, dt, 2, shape) != GZ_OK)
        abort();
    return t;
}

static gz_tensor *randn(gz_dtype dt, int64_t r, int64_t c, uint64_t stream)
{
    gz_tensor *t = mat(dt, r, c);
    gz_tensor_fill_normal(t, 0, 1, 42, stream);
    return t;
}

static double at(const gz_tensor *t, int64_t i) { return gz_tensor_get_flat(t, i); }

/* A label matrix with some off-diagonal positives and a fractional weight. */
static gz_tensor *some_labels(int64_t B)
{
    gz_tensor *l = mat(GZ_F64, B, B);
    for (int64_t i = 0; i < B; i++)
        gz_tensor_set_flat(l, i * B + i, 1);
    gz_tensor_set_flat(l, 0 * B + 2, 1);
    gz_tensor_set_flat(l, 2 * B + 0, 1);
    gz_tensor_set_flat(l, 1 * B + 3, 0.5);
    gz_tensor_set_flat(l, 3 * B + 1, 0.5);
    return l;
}

typedef double (*loss_fn)(void *ctx);

/* Central differences of f over every element of x against the analytic g. */
static double max_fd_error(gz_tensor *x, const gz_tensor *g, loss_fn f, void *ctx)
{
    double worst = 0, h = 1e-6;
    for (int64_t i = 0; i < gz_tensor_numel(x); i++) {
        double v = at(x, i);
        gz_tensor_set_flat(x, i, v + h);
        double a = f(ctx);
        gz_tensor_set_flat(x, i, v - h);
        double b = f(ctx);
        gz_tensor_set_flat(x, i, v);
        double num = (a - b) / (2 * h);
        double err = fabs(num - at(g, i)) / fmax(1.0, fabs(num));
        if (err > worst)
            worst = err;
    }
    return worst;
}

struct cos_ctx {
    gz_tensor *p, *z, *label;
};

static double cos_loss(void *c)
{
    struct cos_ctx *x = c;
    double l = NAN;
    if (gz_loss_cosine(x->p, x->z, x->label, 1, &l, NULL, NULL) != GZ_OK)
        abort();
    return l;
}

static void test_cosine_gradients(void)
{
    int64_t B = 5, D = 7;
    struct cos_ctx c = {randn(GZ_F64, B, D, 1), randn(GZ_F64, B, D, 2), some_labels(B)};
    gz_tensor *dp = mat(GZ_F64, B, D), *dz = mat(GZ_F64, B, D);
    double l;
    CHECK(gz_loss_cosine(c.p, c.z, c.label, 1, &l, dp, dz) == GZ_OK);
    double ep = max_fd_error(c.p, dp, cos_loss, &c);
    double ez = max_fd_error(c.z, dz, cos_loss, &c);
    CHECK_MSG(ep < 1e-7, "dp finite-difference error %g", ep);
    CHECK_MSG(ez < 1e-7, "dz finite-difference error %g", ez);
    /* scale multiplies the gradient only */
    gz_tensor *dp3 = mat(GZ_F64, B, D);
    double l3;
    CHECK(gz_loss_cosine(c.p, c.z, c.label, 3, &l3, dp3, NULL) == GZ_OK);
    CHECK(l3 == l);
    for (int64_t i = 0; i < B * D; i++)
        CHECK_REL(at(dp3, i), 3 * at(dp, i), 1e-12);
    gz_tensor_free(dp3);
    gz_tensor_free(dp);
    gz_tensor_free(dz);
    gz_tensor_free(c.p);
    gz_tensor_free(c.z);
    gz_tensor_free(c.label);
}

static void test_cosine_closed_form(void)
{
    /* loss = -sum w_ij cos_ij / sum w, computed directly */
    int64_t B = 4, D = 3;
    gz_tensor *p = randn(GZ_F64, B, D, 3), *z = randn(GZ_F64, B, D, 4), *w = some_labels(B);
    double num = 0, den = 0;
    for (int64_t i = 0; i < B; i++)
        for (int64_t j = 0; j < B; j++) {
            double pz = 0, pp = 0, zz = 0;
            for (int64_t d = 0; d < D; d++) {
                pz += at(p, i * D + d) * at(z, j * D + d);
                pp += at(p, i * D + d) * at(p, i * D + d);
                zz += at(z, j * D + d) * at(z, j * D + d);
            }
            num += at(w, i * B + j) * pz / sqrt(pp * zz);
            den += at(w, i * B + j);
        }
    double l;
    CHECK(gz_loss_cosine(p, z, w, 1, &l, NULL, NULL) == GZ_OK);
    CHECK_NEAR(l, -num / den, 1e-14);
    /* p = z with identity labels: perfect alignment, loss -1 */
    gz_tensor *id = mat(GZ_F32, B, B);
    for (int64_t i = 0; i < B; i++)
        gz_tensor_set_flat(id, i * B + i, 1);
    CHECK(gz_loss_cosine(p, p, id, 1, &l, NULL, NULL) == GZ_OK);
    CHECK_NEAR(l, -1, 1e-14);
    gz_tensor_free(id);
    gz_tensor_free(p);
    gz_tensor_free(z);
    gz_tensor_free(w);
}

static void test_cosine_identity_is_byol(void)
{
    /* identity labels: 2 + 2 L = mean(2 - 2 cos) of the engine's BYOL loss,
     * and 2 * dL/dp = its gradient (the constant does not change gradients) */
    int64_t B = 6, D = 16;
    gz_tensor *p = randn(GZ_F32, B, D, 5), *z = randn(GZ_F32, B, D, 6);
    gz_tensor *id = mat(GZ_U8, B, B);
    for (int64_t i = 0; i < B; i++)
        gz_tensor_set_flat(id, i * B + i, 1);
    gz_tensor *dp = mat(GZ_F32, B, D), *db = mat(GZ_F32, B, D);
    double l, lb;
    CHECK(gz_loss_cosine(p, z, id, 2.0, &l, dp, NULL) == GZ_OK);
    CHECK(gz_nn_byol_loss(p, z, 1.0, &lb, db) == GZ_OK);
    CHECK_NEAR(2 + 2 * l, lb, 1e-12);
    for (int64_t i = 0; i < B * D; i++)
        CHECK_NEAR(at(dp, i), at(db, i), 1e-6);
    gz_tensor_free(p);
    gz_tensor_free(z);
    gz_tensor_free(id);
    gz_tensor_free(dp);
    gz_tensor_free(db);
}

struct nce_ctx {
    gz_tensor *q, *k, *queue, *target;
    double tau;
};

static double nce_loss(void *c)
{
    struct nce_ctx *x = c;
    double l = NAN;
    if (gz_loss_infonce(x->q, x->k, x->queue, x->target, x->tau, 1, &l, NULL, NULL) != GZ_OK)
        abort();
    return l;
}

/* Rows of t normalised in place. */
static void normalise_rows(gz_tensor *t)
{
    int64_t n = t->shape[0], d = t->shape[1];
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t c = 0; c < d; c++)
            s += at(t, i * d + c) * at(t, i * d + c);
        for (int64_t c = 0; c < d; c++)
            gz_tensor_set_flat(t, i * d + c, at(t, i * d + c) / sqrt(s));
    }
}

static void test_infonce_gradients(void)
{
    int64_t B = 4, D = 6, K = 9;
    struct nce_ctx c = {randn(GZ_F64, B, D, 7), randn(GZ_F64, B, D, 8), randn(GZ_F64, K, D, 9),
                        mat(GZ_F64, B, 1 + K), 0.2};
    normalise_rows(c.queue);
    for (int64_t i = 0; i < B; i++)
        gz_tensor_set_flat(c.target, i * (1 + K), 1);
    gz_tensor_set_flat(c.target, 0 * (1 + K) + 3, 1);
    gz_tensor_set_flat(c.target, 0 * (1 + K) + 7, 1);
    gz_tensor_set_flat(c.target, 2 * (1 + K) + 1, 1);
    gz_tensor *dq = mat(GZ_F64, B, D), *kn = mat(GZ_F64, B, D);
    double l;
    CHECK(gz_loss_infonce(c.q, c.k, c.queue, c.target, c.tau, 1, &l, dq, kn) == GZ_OK);
    double e = max_fd_error(c.q, dq, nce_loss, &c);
    CHECK_MSG(e < 1e-7, "dq finite-difference error %g", e);
    /* kn: unit rows parallel to k */
    for (int64_t i = 0; i < B; i++) {
        double s = 0, dot = 0, kk = 0;
        for (int64_t d = 0; d < D; d++) {
            s += at(kn, i * D + d) * at(kn, i * D + d);
            dot += at(kn, i * D + d) * at(c.k, i * D + d);
            kk += at(c.k, i * D + d) * at(c.k, i * D + d);
        }
        CHECK_NEAR(s, 1, 1e-12);
        CHECK_NEAR(dot, sqrt(kk), 1e-12);
    }
    /* closed form: global normalisation over every target entry */
    double num = 0, den = 0;
    for (int64_t i = 0; i < B; i++) {
        double lg[16], m = -INFINITY, se = 0;
        double qq = 0;
        for (int64_t d = 0; d < D; d++)
            qq += at(c.q, i * D + d) * at(c.q, i * D + d);
        for (int64_t j = 0; j <= K; j++) {
            double s = 0;
            for (int64_t d = 0; d < D; d++)
                s += at(c.q, i * D + d) * (j == 0 ? at(kn, i * D + d) : at(c.queue, (j - 1) * D + d));
            lg[j] = s / sqrt(qq) / c.tau;
            m = fmax(m, lg[j]);
        }
        for (int64_t j = 0; j <= K; j++)
            se += exp(lg[j] - m);
        for (int64_t j = 0; j <= K; j++) {
            double t = at(c.target, i * (1 + K) + j);
            num += t * (lg[j] - m - log(se));
            den += t;
        }
    }
    CHECK_NEAR(l, -num / den, 1e-12);
    gz_tensor_free(dq);
    gz_tensor_free(kn);
    gz_tensor_free(c.q);
    gz_tensor_free(c.k);
    gz_tensor_free(c.queue);
    gz_tensor_free(c.target);
}

static void test_infonce_identity_is_cross_entropy(void)
{
    /* one-hot column 0: MoCo's mean cross-entropy with label 0 */
    int64_t B = 3, D = 5, K = 4;
    gz_tensor *q = randn(GZ_F32, B, D, 10), *k = randn(GZ_F32, B, D, 11), *qu = randn(GZ_F32, K, D, 12);
    normalise_rows(qu);
    gz_tensor *t = mat(GZ_F32, B, 1 + K), *kn = mat(GZ_F32, B, D);
    for (int64_t i = 0; i < B; i++)
        gz_tensor_set_flat(t, i * (1 + K), 1);
    double l;
    CHECK(gz_loss_infonce(q, k, qu, t, 0.07, 1, &l, NULL, kn) == GZ_OK);
    double qn[5], ce = 0;
    for (int64_t i = 0; i < B; i++) {
        double s = 0;
        for (int64_t d = 0; d < D; d++)
            s += at(q, i * D + d) * at(q, i * D + d);
        for (int64_t d = 0; d < D; d++)
            qn[d] = at(q, i * D + d) / sqrt(s);
        double lg[5], se = 0;
        for (int64_t j = 0; j <= K; j++) {
            double dot = 0;
            for (int64_t d = 0; d < D; d++)
                dot += qn[d] * (j == 0 ? at(kn, i * D + d) : at(qu, (j - 1) * D + d));
            lg[j] = dot / 0.07;
            se += exp(lg[j]);
        }
        ce += log(se) - lg[0];
    }
    CHECK_NEAR(l, ce / (double)B, 1e-6);
    /* an empty queue: the only logit is the positive, loss 0 */
    gz_tensor *empty = mat(GZ_F32, 0, D), *t0 = mat(GZ_F32, B, 1);
    for (int64_t i = 0; i < B; i++)
        gz_tensor_set_flat(t0, i, 1);
    CHECK(gz_loss_infonce(q, k, empty, t0, 0.2, 1, &l, NULL, NULL) == GZ_OK);
    CHECK_NEAR(l, 0, 1e-15);
    gz_tensor_free(empty);
    gz_tensor_free(t0);
    gz_tensor_free(q);
    gz_tensor_free(k);
    gz_tensor_free(qu);
    gz_tensor_free(t);
    gz_tensor_free(kn);
}

/* R over 6 images: pairs (0,1) 0.9, (2,3) 0.8, (1,4) 0.5, rest 0.1. */
static gz_tensor *small_relation(void)
{
    int64_t N = 6;
    gz_tensor *R = mat(GZ_F64, N, N);
    for (int64_t i = 0; i < N; i++)
        for (int64_t j = 0; j < N; j++)
            gz_tensor_set_flat(R, i * N + j, i == j ? 1 : 0.1);
    double v[3][3] = {{0, 1, 0.9}, {2, 3, 0.8}, {1, 4, 0.5}};
    for (int k = 0; k < 3; k++) {
        int64_t a = (int64_t)v[k][0], b = (int64_t)v[k][1];
        gz_tensor_set_flat(R, a * N + b, v[k][2]);
        gz_tensor_set_flat(R, b * N + a, v[k][2]);
    }
    return R;
}

static void test_batch_labels(void)
{
    gz_tensor *R = small_relation();
    int64_t idx[5] = {4, 1, 0, 3, 2};
    gz_tensor *L = mat(GZ_F32, 5, 5);
    gz_pair_policy pol = {R, 0.6, 0, 7, 0, 0};
    int64_t pairs = -1;
    CHECK(gz_loss_batch_labels(&pol, idx, 5, L, &pairs) == GZ_OK);
    CHECK(pairs == 2);
    /* rows: 4,1,0,3,2 -> (1,0) at (1,2); (3,2) at (3,4) */
    for (int64_t i = 0; i < 5; i++)
        for (int64_t j = 0; j < 5; j++) {
            int want = i == j || (i == 1 && j == 2) || (i == 2 && j == 1) || (i == 3 && j == 4) ||
                       (i == 4 && j == 3);
            CHECK_MSG(at(L, i * 5 + j) == want, "label[%lld][%lld] = %g", (long long)i,
                      (long long)j, at(L, i * 5 + j));
        }
    /* threshold is strict: 0.5 is not > 0.5 */
    pol.threshold = 0.5;
    CHECK(gz_loss_batch_labels(&pol, idx, 5, L, &pairs) == GZ_OK);
    CHECK(pairs == 2);
    pol.threshold = 0.4;
    CHECK(gz_loss_batch_labels(&pol, idx, 5, L, &pairs) == GZ_OK);
    CHECK(pairs == 3 && at(L, 0 * 5 + 1) == 1 && at(L, 1 * 5 + 0) == 1);
    /* drop 1 keeps none; NULL policy is the identity */
    pol.drop = 1;
    CHECK(gz_loss_batch_labels(&pol, idx, 5, L, &pairs) == GZ_OK);
    CHECK(pairs == 0);
    CHECK(gz_loss_batch_labels(NULL, idx, 5, L, &pairs) == GZ_OK);
    CHECK(pairs == 0 && gz_tensor_reduce_all(L, GZ_RED_SUM) == 5);
    /* duplicate image rows are positives but not counted as gaze pairs */
    int64_t dup[3] = {5, 5, 2};
    gz_tensor *L3 = mat(GZ_F64, 3, 3);
    CHECK(gz_loss_batch_labels(&pol, dup, 3, L3, &pairs) == GZ_OK);
    CHECK(pairs == 0 && at(L3, 1) == 1 && at(L3, 3) == 1 && at(L3, 2) == 0);
    gz_tensor_free(L3);
    gz_tensor_free(L);
    gz_tensor_free(R);
}

static void test_batch_labels_drop_draws(void)
{
    /* every candidate pair, drop 0.5: the kept set is exactly gz_pair_kept's,
     * the same for the same (seed, epoch, iteration), different otherwise */
    int64_t N = 40;
    gz_tensor *R = mat(GZ_F64, N, N);
    gz_tensor_fill(R, 1);
    int64_t idx[40];
    for (int64_t i = 0; i < N; i++)
        idx[i] = (i * 7) % N;
    gz_tensor *A = mat(GZ_F32, N, N), *Bm = mat(GZ_F32, N, N);
    gz_pair_policy pol = {R, 0.5, 0.5, 3, 2, 11};
    int64_t pa, pb;
    CHECK(gz_loss_batch_labels(&pol, idx, N, A, &pa) == GZ_OK);
    int64_t expect = 0;
    int mismatch = 0;
    for (int64_t i = 0; i < N; i++)
        for (int64_t j = 0; j < N; j++) {
            int want = i == j ? 1 : gz_pair_kept(3, 2, 11, idx[i], idx[j], 0.5);
            if (i < j)
                expect += want;
            mismatch += at(A, i * N + j) != want;
        }
    CHECK(mismatch == 0);
    CHECK(pa == expect);
    CHECK_MSG(pa > 300 && pa < 480, "kept %lld of 780 pairs at drop 0.5", (long long)pa);
    CHECK(gz_loss_batch_labels(&pol, idx, N, Bm, &pb) == GZ_OK);
    CHECK(pb == pa);
    pol.iteration = 12;
    CHECK(gz_loss_batch_labels(&pol, idx, N, Bm, &pb) == GZ_OK);
    int differ = 0;
    for (int64_t i = 0; i < N * N; i++)
        differ += at(A, i) != at(Bm, i);
    CHECK_MSG(differ > 100, "only %d entries changed with the iteration", differ);
    gz_tensor_free(A);
    gz_tensor_free(Bm);
    gz_tensor_free(R);
}

static void test_queue_targets(void)
{
    gz_tensor *R = small_relation();
    int64_t idx[2] = {0, 3};
    int64_t qidx[5] = {1, -1, 0, 2, 4};
    gz_tensor *T = mat(GZ_F64, 2, 6);
    gz_pair_policy pol = {R, 0.6, 0, 1, 0, 0};
    int64_t pos = -1;
    CHECK(gz_loss_queue_targets(&pol, idx, 2, qidx, 5, T, &pos) == GZ_OK);
    /* query image 0: positive key, queue entry 0 (image 1); entry 2 is image 0 itself: no */
    double want[12] = {1, 1, 0, 0, 0, 0, /* image 3: entry 3 (image 2) */ 1, 0, 0, 0, 1, 0};
    for (int i = 0; i < 12; i++)
        CHECK_MSG(at(T, i) == want[i], "target %d = %g, expected %g", i, at(T, i), want[i]);
    CHECK(pos == 2);
    CHECK(gz_loss_queue_targets(NULL, idx, 2, qidx, 5, T, &pos) == GZ_OK);
    CHECK(pos == 0 && gz_tensor_reduce_all(T, GZ_RED_SUM) == 2);
    gz_tensor_free(T);
    gz_tensor_free(R);
}

static void test_errors(void)
{
    gz_tensor *p = randn(GZ_F32, 3, 4, 1), *z = randn(GZ_F32, 3, 4, 2), *zb = randn(GZ_F32, 2, 4, 3);
    gz_tensor *zero = mat(GZ_F32, 3, 3), *neg = mat(GZ_F32, 3, 3), *bad = mat(GZ_F32, 2, 2);
    gz_tensor_set_flat(neg, 0, -1);
    gz_tensor_set_flat(neg, 4, 2);
    double l;
    CHECK(gz_loss_cosine(p, z, zero, 1, &l, NULL, NULL) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "all zero") != NULL);
    CHECK(gz_loss_cosine(p, z, neg, 1, &l, NULL, NULL) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "label[0][0] = -1") != NULL);
    CHECK(gz_loss_cosine(p, zb, zero, 1, &l, NULL, NULL) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "p is (3, 4) but z is (2, 4)") != NULL);
    CHECK(gz_loss_cosine(p, z, bad, 1, &l, NULL, NULL) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "label must have shape (3, 3)") != NULL);
    gz_tensor *t = mat(GZ_F32, 3, 1);
    gz_tensor_fill(t, 1);
    gz_tensor *qu = mat(GZ_F32, 0, 4);
    CHECK(gz_loss_infonce(p, z, qu, t, 0, 1, &l, NULL, NULL) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "temperature") != NULL);
    gz_tensor *R = small_relation();
    gz_pair_policy pol = {R, 0.5, 0, 0, 0, 0};
    int64_t idx[2] = {0, 6};
    CHECK(gz_loss_batch_labels(&pol, idx, 2, bad, NULL) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "idx[1] = 6") != NULL);
    pol.drop = 1.5;
    idx[1] = 1;
    CHECK(gz_loss_batch_labels(&pol, idx, 2, bad, NULL) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "drop") != NULL);
    gz_tensor_free(R);
    gz_tensor_free(t);
    gz_tensor_free(qu);
    gz_tensor_free(p);
    gz_tensor_free(z);
    gz_tensor_free(zb);
    gz_tensor_free(zero);
    gz_tensor_free(neg);
    gz_tensor_free(bad);
}

int main(void)
{
    RUN(test_cosine_gradients);
    RUN(test_cosine_closed_form);
    RUN(test_cosine_identity_is_byol);
    RUN(test_infonce_gradients);
    RUN(test_infonce_identity_is_cross_entropy);
    RUN(test_batch_labels);
    RUN(test_batch_labels_drop_draws);
    RUN(test_queue_targets);
    RUN(test_errors);
    return check_done();
}
