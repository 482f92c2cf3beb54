/* Pair selection: strict threshold, wanted count with ties, seeded drop,
 * per-image counts, purity and AUC with ties, bad input. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "pairs.h"
#include "tensor.h"

/* shared testdata/golden/rel/relation_5.npy (entries k/8) */
static const double R5[25] = {
    1, 0.5, 0.875, 0.625, 0.5,   0.5, 1, 0.125, 0.625, 0.625, 0.875, 0.125, 1, 0.5, 0,
    0.625, 0.625, 0.5, 1, 0.125, 0.5, 0.625, 0, 0.125, 1,
};

static gz_tensor *matrix_of(const double *v, int64_t n)
{
    gz_tensor *t = NULL;
    int64_t shape[2] = {n, n};
    if (gz_tensor_new(&t, GZ_F64, 2, shape))
        return NULL;
    memcpy(t->data, v, sizeof(double) * (size_t)(n * n));
    return t;
}

static gz_pairs_opts opts_t(double t)
{
    gz_pairs_opts o = {.threshold = t, .count = -1, .drop = 0, .seed = 0, .labels = NULL,
                       .want_list = 1};
    return o;
}

static void test_golden_thresholds(void)
{
    gz_tensor *R = matrix_of(R5, 5);
    gz_pairs_report r;
    gz_pairs_opts o = opts_t(0.5);
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    CHECK(r.pairs == 4 && r.candidates == 4);
    int64_t want[8] = {0, 2, 0, 3, 1, 3, 1, 4};
    CHECK(r.list && memcmp(r.list, want, sizeof want) == 0);
    CHECK(r.per_image_mean == 8.0 / 5.0);
    CHECK(r.per_image_min == 1 && r.per_image_max == 2 && r.images_without_pairs == 0);
    CHECK(!r.has_labels && isnan(r.purity) && isnan(r.auc));
    gz_pairs_report_free(&r);

    o = opts_t(0.625);
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    CHECK(r.pairs == 1 && r.list[0] == 0 && r.list[1] == 2);
    CHECK(r.images_without_pairs == 3 && r.per_image_min == 0 && r.per_image_max == 1);
    gz_pairs_report_free(&r);

    o = opts_t(0.1);
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    CHECK(r.pairs == 9);
    gz_pairs_report_free(&r);
    gz_tensor_free(R);
}

static void test_count_mode_ties_keep_fewer(void)
{
    gz_tensor *R = matrix_of(R5, 5);
    /* upper values sorted: .875 .625 .625 .625 .5 .5 .5 .125 .125 0 */
    struct { int64_t k; int64_t pairs; double t; } cases[] = {
        {0, 0, 0.875}, {1, 1, 0.625}, {2, 1, 0.625}, {3, 1, 0.625}, {4, 4, 0.5},
        {5, 4, 0.5},   {7, 7, 0.125}, {9, 9, 0.0},   {10, 10, -1},  {50, 10, -1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gz_pairs_opts o = opts_t(0);
        o.count = cases[c].k;
        gz_pairs_report r;
        CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
        CHECK_MSG(r.pairs == cases[c].pairs, "K=%lld gives %lld pairs, want %lld",
                  (long long)cases[c].k, (long long)r.pairs, (long long)cases[c].pairs);
        if (cases[c].t >= 0)
            CHECK_MSG(r.threshold == cases[c].t, "K=%lld threshold %g", (long long)cases[c].k,
                      r.threshold);
        else
            CHECK(r.threshold < 0 && r.threshold > -1e-300);
        gz_pairs_report_free(&r);
    }
    gz_tensor_free(R);
}

static void test_nan_entries_never_pairs(void)
{
    double v[9] = {1, NAN, 0.9, NAN, 1, 0.2, 0.9, 0.2, 1};
    gz_tensor *R = matrix_of(v, 3);
    gz_pairs_opts o = opts_t(-1e300);
    gz_pairs_report r;
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    CHECK(r.pairs == 2);
    gz_pairs_report_free(&r);
    o.count = 1;
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    CHECK(r.pairs == 1 && r.threshold == 0.2 && r.list[0] == 0 && r.list[1] == 2);
    gz_pairs_report_free(&r);
    gz_tensor_free(R);
}

static void test_drop_seeded(void)
{
    enum { n = 200 };
    static double v[n * n];
    for (int i = 0; i < n * n; i++)
        v[i] = 1.0;
    gz_tensor *R = matrix_of(v, n);
    gz_pairs_opts o = opts_t(0.5);
    o.drop = 0.3;
    o.seed = 42;
    gz_pairs_report a, b, c;
    CHECK(gz_pairs_compute(R, &o, &a) == GZ_OK);
    CHECK(gz_pairs_compute(R, &o, &b) == GZ_OK);
    o.seed = 43;
    CHECK(gz_pairs_compute(R, &o, &c) == GZ_OK);
    int64_t total = n * (n - 1) / 2;
    CHECK(a.candidates == total);
    CHECK(a.pairs == b.pairs && memcmp(a.list, b.list, sizeof(int64_t) * 2 * (size_t)a.pairs) == 0);
    CHECK(a.pairs != c.pairs || memcmp(a.list, c.list, sizeof(int64_t) * 2 * (size_t)a.pairs) != 0);
    double kept = (double)a.pairs / (double)total; /* ~0.7, sd ~0.0033 */
    CHECK_MSG(fabs(kept - 0.7) < 0.02, "kept share %g", kept);
    /* the kept set is exactly gz_pair_kept's */
    int64_t k = 0, mism = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++)
            if (gz_pair_kept(42, 0, 0, i, j, 0.3)) {
                mism += k >= a.pairs || a.list[2 * k] != i || a.list[2 * k + 1] != j;
                k++;
            }
    CHECK(k == a.pairs && mism == 0);
    CHECK(gz_pair_kept(42, 0, 0, 5, 9, 0.3) == gz_pair_kept(42, 0, 0, 9, 5, 0.3));
    CHECK(gz_pair_kept(1, 0, 0, 1, 2, 0.0) == 1 && gz_pair_kept(1, 0, 0, 1, 2, 1.0) == 0);
    gz_pairs_report_free(&a);
    gz_pairs_report_free(&b);
    gz_pairs_report_free(&c);
    gz_tensor_free(R);
}

static void test_labels_purity_auc(void)
{
    gz_tensor *R = matrix_of(R5, 5);
    int64_t labels[5] = {0, 1, 0, 1, -1};
    gz_pairs_opts o = opts_t(0.5);
    o.labels = labels;
    gz_pairs_report r;
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    /* kept (0,2) (0,3) (1,3) (1,4): known (0,2)=eq (0,3)=ne (1,3)=eq -> 2/3 */
    CHECK(r.has_labels);
    CHECK_NEAR(r.purity, 2.0 / 3.0, 1e-15);
    /* all known pairs among 0..3: (0,1)ne (0,2)eq (0,3)ne (1,2)ne (1,3)eq (2,3)ne -> 2/6 */
    CHECK_NEAR(r.purity_chance, 2.0 / 6.0, 1e-15);
    /* positives .875 (0,2), .625 (1,3); negatives .5 .625 .125 .5:
     * .875 beats 4; .625 beats 3 and ties 1 -> (4 + 3.5) / 8 */
    CHECK_NEAR(r.auc, 7.5 / 8.0, 1e-15);
    gz_pairs_report_free(&r);

    /* more positives than negatives: the other branch of the AUC */
    int64_t lab2[5] = {0, 0, 0, 0, 1};
    o.labels = lab2;
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    /* pos: .5 .875 .625 .125 .625 .5 ; neg: .5 .625 0 .125
     * 2U = sum over pos of 2*wins + ties:
     * .5 -> wins {0,.125}=2, ties 1 -> 5; .875 -> 4 wins -> 8; .625 -> 3 wins 1 tie -> 7;
     * .125 -> wins {0} 1, tie 1 -> 3; .625 -> 7; .5 -> 5; total 35 -> 35 / 48 */
    CHECK_NEAR(r.auc, 35.0 / 48.0, 1e-15);
    gz_pairs_report_free(&r);

    int64_t one_class[5] = {3, 3, 3, 3, 3};
    o.labels = one_class;
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    CHECK(r.has_labels && r.purity == 1.0 && r.purity_chance == 1.0 && isnan(r.auc));
    gz_pairs_report_free(&r);

    int64_t none[5] = {-1, -1, -1, -1, -1};
    o.labels = none;
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    CHECK(!r.has_labels && isnan(r.purity_chance));
    gz_pairs_report_free(&r);

    o = opts_t(2.0);
    o.labels = labels;
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_OK);
    CHECK(r.pairs == 0 && isnan(r.purity) && r.images_without_pairs == 5);
    gz_pairs_report_free(&r);
    gz_tensor_free(R);
}

static void test_other_dtypes_and_errors(void)
{
    gz_tensor *t = NULL;
    int64_t shape[2] = {5, 5};
    CHECK(gz_tensor_new(&t, GZ_F32, 2, shape) == GZ_OK);
    for (int i = 0; i < 25; i++)
        gz_tensor_set_flat(t, i, R5[i]);
    gz_pairs_opts o = opts_t(0.5);
    gz_pairs_report r;
    CHECK(gz_pairs_compute(t, &o, &r) == GZ_OK);
    CHECK(r.pairs == 4);
    gz_pairs_report_free(&r);
    gz_tensor_free(t);

    int64_t s3[3] = {2, 2, 5};
    CHECK(gz_tensor_new(&t, GZ_F64, 3, s3) == GZ_OK);
    CHECK(gz_pairs_compute(t, &o, &r) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "N x N x K") != NULL);
    gz_tensor_free(t);

    int64_t s2[2] = {2, 3};
    CHECK(gz_tensor_new(&t, GZ_F64, 2, s2) == GZ_OK);
    CHECK(gz_pairs_compute(t, &o, &r) == GZ_ERR_ARG);
    gz_tensor_free(t);

    gz_tensor *R = matrix_of(R5, 5);
    o.drop = 1.5;
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_ERR_ARG);
    o.drop = NAN;
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_ERR_ARG);
    o = opts_t(NAN);
    CHECK(gz_pairs_compute(R, &o, &r) == GZ_ERR_ARG);
    gz_tensor_free(R);

    /* empty and single-image relations */
    int64_t s0[2] = {0, 0};
    CHECK(gz_tensor_new(&t, GZ_F64, 2, s0) == GZ_OK);
    o = opts_t(0.5);
    CHECK(gz_pairs_compute(t, &o, &r) == GZ_OK);
    CHECK(r.pairs == 0 && r.per_image_mean == 0);
    gz_pairs_report_free(&r);
    o.count = 3;
    CHECK(gz_pairs_compute(t, &o, &r) == GZ_OK);
    CHECK(r.pairs == 0 && isnan(r.threshold));
    gz_pairs_report_free(&r);
    gz_tensor_free(t);
}

int main(void)
{
    RUN(test_golden_thresholds);
    RUN(test_count_mode_ties_keep_fewer);
    RUN(test_nan_entries_never_pairs);
    RUN(test_drop_seeded);
    RUN(test_labels_purity_auc);
    RUN(test_other_dtypes_and_errors);
    return check_done();
}
