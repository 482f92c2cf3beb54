/* Relation engine: layout, symmetry, diagonal, independence from the
 * thread count, all-values depth, deterministic errors; scheme registry. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "relation.h"
#include "runconfig.h"
#include "scheme.h"
#include "threadpool.h"

/* A toy scheme: features = the record's label as a double (and a counter of
 * live feature objects to catch leaks); values = (a - b, a * b, score),
 * score = 1 / (1 + |a - b|) + tiny asymmetric term i * 1e-9 so that the
 * engine's "record i first" is visible. */
static int live_features = 0;
static int fail_on = -1;     /* record index whose features fail */
static int fail_pair_i = -1; /* compare fails for (fail_pair_i, fail_pair_j) */
static int fail_pair_j = -1;

static const char *const toy_keys[] = {"k", NULL};
static const char *const toy_values[] = {"diff", "prod", "score"};

static gz_status toy_params_new(void **p, const char *const *k, const char *const *v, size_t n)
{
    (void)k;
    (void)v;
    (void)n;
    *p = NULL;
    return GZ_OK;
}
static void toy_params_free(void *p) { (void)p; }
static gz_status toy_describe(const void *p, char *buf, size_t cap)
{
    (void)p;
    snprintf(buf, cap, "k=0");
    return GZ_OK;
}
static gz_status toy_features(const void *p, const gz_record *r, void **f)
{
    (void)p;
    if (r->label == fail_on)
        return gz_error_set(GZ_ERR_ARG, "%s: no gaze", r->name);
    double *d = malloc(sizeof *d);
    *d = (double)r->label;
    __atomic_add_fetch(&live_features, 1, __ATOMIC_SEQ_CST);
    *f = d;
    return GZ_OK;
}
static void toy_features_free(void *f)
{
    __atomic_sub_fetch(&live_features, 1, __ATOMIC_SEQ_CST);
    free(f);
}
static gz_status toy_compare(const void *p, const void *fa, const void *fb, int64_t i, int64_t j,
                             double *out)
{
    (void)p;
    if (i == fail_pair_i && j == fail_pair_j)
        return gz_error_set(GZ_ERR_FORMAT, "bad pair");
    double a = *(const double *)fa, b = *(const double *)fb;
    /* some uneven work, so the dynamic schedule really interleaves */
    volatile double acc = 0;
    for (int64_t k = 0; k < (i % 7) * 50; k++)
        acc += (double)k;
    out[0] = a - b;
    out[1] = a * b;
    out[2] = 1.0 / (1.0 + fabs(a - b)) + (double)i * 1e-9 + acc * 0;
    return GZ_OK;
}

static const gz_scheme toy = {
    "toy", toy_keys, 3, toy_values, 2, toy_params_new, toy_params_free, toy_describe,
    toy_features, toy_features_free, toy_compare,
};

#define N 37

static gz_record recs[N];
static char names[N][16];

static void make_records(void)
{
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "item%02d", i);
        recs[i] = (gz_record){NULL, NULL, (int64_t)((i * 7919) % 23), names[i]};
    }
}

static void test_scalar_layout(void)
{
    make_records();
    gz_tensor *t = NULL;
    gz_relation_opts o = {.threads = 3};
    CHECK(gz_relation_compute(&toy, NULL, recs, N, &o, &t) == GZ_OK);
    if (!t)
        return;
    CHECK(t->dtype == GZ_F64 && t->ndim == 2 && t->shape[0] == N && t->shape[1] == N);
    const double *R = t->data;
    int bad = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double a = (double)recs[i].label, b = (double)recs[j].label;
            double want;
            if (i == j)
                want = 1.0;
            else if (i < j)
                want = 1.0 / (1.0 + fabs(a - b)) + (double)i * 1e-9;
            else
                want = 1.0 / (1.0 + fabs(b - a)) + (double)j * 1e-9;
            bad += R[i * N + j] != want;
        }
    CHECK_MSG(bad == 0, "%d cells differ from the definition", bad);
    CHECK(live_features == 0);
    gz_tensor_free(t);
}

static void test_thread_independence(void)
{
    make_records();
    gz_tensor *ref = NULL;
    gz_relation_opts o1 = {.threads = 1};
    CHECK(gz_relation_compute(&toy, NULL, recs, N, &o1, &ref) == GZ_OK);
    for (int th = 2; th <= 8; th += 3) {
        gz_tensor *t = NULL;
        gz_relation_opts o = {.threads = th};
        CHECK(gz_relation_compute(&toy, NULL, recs, N, &o, &t) == GZ_OK);
        if (t && ref)
            CHECK_MSG(memcmp(t->data, ref->data, sizeof(double) * N * N) == 0,
                      "%d threads differ from 1 thread", th);
        gz_tensor_free(t);
    }
    gz_tensor_free(ref);
}

static void test_all_values(void)
{
    make_records();
    gz_tensor *t = NULL;
    gz_relation_opts o = {.threads = 2, .all_values = 1};
    CHECK(gz_relation_depth(&toy) == 2);
    CHECK(gz_relation_compute(&toy, NULL, recs, N, &o, &t) == GZ_OK);
    if (!t)
        return;
    CHECK(t->ndim == 3 && t->shape[0] == N && t->shape[1] == N && t->shape[2] == 2);
    const double *R = t->data;
    /* (i, j) with i < j holds compare(i, j); (j, i) mirrors it */
    int i = 3, j = 20;
    double a = (double)recs[i].label, b = (double)recs[j].label;
    CHECK(R[(i * N + j) * 2 + 0] == a - b);
    CHECK(R[(i * N + j) * 2 + 1] == a * b);
    CHECK(R[(j * N + i) * 2 + 0] == a - b);
    CHECK(R[(5 * N + 5) * 2 + 0] == 1.0 && R[(5 * N + 5) * 2 + 1] == 1.0);
    gz_tensor_free(t);
}

static void test_small_sizes(void)
{
    make_records();
    gz_tensor *t = NULL;
    CHECK(gz_relation_compute(&toy, NULL, recs, 0, NULL, &t) == GZ_OK);
    CHECK(t && t->ndim == 2 && t->shape[0] == 0);
    gz_tensor_free(t);
    t = NULL;
    CHECK(gz_relation_compute(&toy, NULL, recs, 1, NULL, &t) == GZ_OK);
    CHECK(t && t->shape[0] == 1 && ((double *)t->data)[0] == 1.0);
    gz_tensor_free(t);
}

static void test_feature_error_is_lowest_record(void)
{
    make_records();
    /* labels 11 and 4 occur at several indices; the lowest index must be
     * reported whatever the schedule */
    int first = -1;
    for (int i = 0; i < N; i++)
        if (recs[i].label == 11 && first < 0)
            first = i;
    fail_on = 11;
    for (int rep = 0; rep < 5; rep++) {
        gz_tensor *t = (gz_tensor *)1;
        gz_relation_opts o = {.threads = 4};
        gz_status st = gz_relation_compute(&toy, NULL, recs, N, &o, &t);
        CHECK(st == GZ_ERR_ARG);
        CHECK(t == NULL);
        char want[64];
        snprintf(want, sizeof want, "%s: no gaze", names[first]);
        CHECK_MSG(strcmp(gz_error_message(), want) == 0, "message '%s', want '%s'",
                  gz_error_message(), want);
    }
    fail_on = -1;
    CHECK(live_features == 0);
}

static void test_compare_error_names_both(void)
{
    make_records();
    fail_pair_i = 2;
    fail_pair_j = 30;
    gz_tensor *t = NULL;
    gz_relation_opts o = {.threads = 3};
    CHECK(gz_relation_compute(&toy, NULL, recs, N, &o, &t) == GZ_ERR_FORMAT);
    CHECK(t == NULL);
    CHECK_MSG(strcmp(gz_error_message(), "item02 vs item30: bad pair") == 0, "message '%s'",
              gz_error_message());
    fail_pair_i = fail_pair_j = -1;
    CHECK(live_features == 0);
}

static void test_cancel(void)
{
    make_records();
    gz_cancel_request();
    gz_tensor *t = NULL;
    gz_relation_opts o = {.threads = 2};
    gz_status st = gz_relation_compute(&toy, NULL, recs, N, &o, &t);
    gz_cancel_clear();
    CHECK(st == GZ_ERR_CANCELLED);
    CHECK(t == NULL);
    CHECK(live_features == 0);
}

static void test_registry(void)
{
    const gz_scheme *const *all = gz_scheme_all();
    int count = 0;
    for (const gz_scheme *const *s = all; *s; s++) {
        count++;
        CHECK(gz_scheme_find((*s)->name) == *s);
        CHECK((*s)->n_values >= 1 && (*s)->score_index < (*s)->n_values);
        CHECK((*s)->params_new && (*s)->compare && (*s)->features_new);
    }
    CHECK(count <= 6);
    CHECK(gz_scheme_find("no-such-scheme") == NULL);
    CHECK(gz_scheme_find(NULL) == NULL);
    printf("# registered schemes: %d\n", count);
}

int main(void)
{
    RUN(test_scalar_layout);
    RUN(test_thread_independence);
    RUN(test_all_values);
    RUN(test_small_sizes);
    RUN(test_feature_error_is_lowest_record);
    RUN(test_compare_error_names_both);
    RUN(test_cancel);
    RUN(test_registry);
    return check_done();
}
