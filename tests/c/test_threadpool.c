/* Parallel loops: identical results for 1..8 threads (static and dynamic),
 * every index exactly once, worker ids in range, error propagation with the
 * worker's message, cancellation, nested and concurrent loops. */
#include "../../runtime/core/runconfig.h"
#include "../../runtime/core/threadpool.h"
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct sum_ctx {
    const double *x;
    double *out;        /* per index */
    _Atomic int *hits;  /* per index */
    int threads;
    atomic_int bad_worker;
} sum_ctx;

static gz_status square_range(void *vctx, int64_t b, int64_t e, int worker)
{
    sum_ctx *c = vctx;
    if (worker < 0 || worker >= c->threads)
        atomic_fetch_add(&c->bad_worker, 1);
    for (int64_t i = b; i < e; i++) {
        double v = c->x[i];
        for (int k = 0; k < (int)(i % 7); k++)
            v = v * 1.000001 + 0.5;
        c->out[i] = v;
        atomic_fetch_add(&c->hits[i], 1);
    }
    return GZ_OK;
}

static double run_sum(int64_t n, int threads, int64_t grain, int *ok)
{
    static double x[100003], out[100003];
    static _Atomic int hits[100003];
    for (int64_t i = 0; i < n; i++) {
        x[i] = (double)(i % 1000) / 7.0;
        out[i] = -1;
        atomic_store(&hits[i], 0);
    }
    sum_ctx c = {.x = x, .out = out, .hits = hits, .threads = threads};
    atomic_init(&c.bad_worker, 0);
    gz_status st = grain ? gz_parallel_for_dynamic(n, threads, grain, square_range, &c)
                         : gz_parallel_for(n, threads, square_range, &c);
    *ok = st == GZ_OK && atomic_load(&c.bad_worker) == 0;
    for (int64_t i = 0; i < n; i++)
        if (atomic_load(&hits[i]) != 1)
            *ok = 0;
    double s = 0;
    for (int64_t i = 0; i < n; i++)
        s += out[i]; /* summed in index order: must not depend on the split */
    return s;
}

static void test_sums_identical(void)
{
    const int64_t sizes[] = {1, 7, 100, 100003};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        int ok;
        double ref = run_sum(sizes[k], 1, 0, &ok);
        CHECK(ok);
        for (int t = 1; t <= 8; t++) {
            double s = run_sum(sizes[k], t, 0, &ok);
            CHECK_MSG(ok && s == ref, "static n=%lld t=%d", (long long)sizes[k], t);
            s = run_sum(sizes[k], t, 13, &ok);
            CHECK_MSG(ok && s == ref, "dynamic n=%lld t=%d", (long long)sizes[k], t);
            s = run_sum(sizes[k], t, 0 - 1, &ok); /* auto grain */
            CHECK_MSG(ok && s == ref, "dynamic auto n=%lld t=%d", (long long)sizes[k], t);
        }
    }
}

typedef struct split_ctx {
    int64_t begin[16], end[16];
    atomic_int calls;
} split_ctx;

static gz_status record_split(void *vctx, int64_t b, int64_t e, int worker)
{
    split_ctx *c = vctx;
    c->begin[worker] = b;
    c->end[worker] = e;
    atomic_fetch_add(&c->calls, 1);
    return GZ_OK;
}

static void test_static_split(void)
{
    split_ctx c;
    memset(&c, 0, sizeof c);
    CHECK(gz_parallel_for(10, 4, record_split, &c) == GZ_OK);
    CHECK(atomic_load(&c.calls) == 4);
    /* contiguous, nearly equal: 3 3 2 2 */
    CHECK(c.begin[0] == 0 && c.end[0] == 3);
    CHECK(c.begin[1] == 3 && c.end[1] == 6);
    CHECK(c.begin[2] == 6 && c.end[2] == 8);
    CHECK(c.begin[3] == 8 && c.end[3] == 10);
    /* more threads than indices: one index per worker */
    memset(&c, 0, sizeof c);
    CHECK(gz_parallel_for(3, 8, record_split, &c) == GZ_OK);
    CHECK(atomic_load(&c.calls) == 3);
    /* n = 0: no calls */
    memset(&c, 0, sizeof c);
    CHECK(gz_parallel_for(0, 4, record_split, &c) == GZ_OK);
    CHECK(atomic_load(&c.calls) == 0);
    CHECK(gz_parallel_for(-1, 4, record_split, &c) == GZ_ERR_ARG);
    CHECK(gz_parallel_for(5, 4, NULL, &c) == GZ_ERR_ARG);
}

static gz_status count_workers(void *vctx, int64_t b, int64_t e, int worker)
{
    (void)b;
    (void)e;
    atomic_int *maxw = vctx;
    int cur = atomic_load(maxw);
    while (worker > cur && !atomic_compare_exchange_weak(maxw, &cur, worker)) {
    }
    return GZ_OK;
}

static void test_default_threads(void)
{
    gz_runconfig_set_threads(3);
    atomic_int maxw;
    atomic_init(&maxw, -1);
    CHECK(gz_parallel_for(100, 0, count_workers, &maxw) == GZ_OK);
    CHECK(atomic_load(&maxw) == 2);
    gz_runconfig_set_threads(0);
}

static gz_status fail_at(void *vctx, int64_t b, int64_t e, int worker)
{
    (void)worker;
    int64_t bad = *(int64_t *)vctx;
    if (bad >= b && bad < e)
        return gz_error_set(GZ_ERR_FORMAT, "record %lld: bad value", (long long)bad);
    return GZ_OK;
}

static void test_error_propagation(void)
{
    for (int t = 1; t <= 4; t++) {
        int64_t bad = 97; /* in the last worker's chunk for t > 1 */
        gz_error_set(GZ_OK, "%s", "");
        CHECK(gz_parallel_for(100, t, fail_at, &bad) == GZ_ERR_FORMAT);
        CHECK_MSG(strcmp(gz_error_message(), "record 97: bad value") == 0, "t=%d: %s", t,
                  gz_error_message());
        gz_error_set(GZ_OK, "%s", "");
        CHECK(gz_parallel_for_dynamic(100, t, 5, fail_at, &bad) == GZ_ERR_FORMAT);
        CHECK(strcmp(gz_error_message(), "record 97: bad value") == 0);
    }
}

typedef struct cancel_ctx {
    atomic_llong done;
} cancel_ctx;

static gz_status cancel_midway(void *vctx, int64_t b, int64_t e, int worker)
{
    (void)worker;
    cancel_ctx *c = vctx;
    for (int64_t i = b; i < e; i++)
        if (i == 50)
            gz_cancel_request();
    atomic_fetch_add(&c->done, e - b);
    return GZ_OK;
}

static void test_cancel(void)
{
    cancel_ctx c;
    atomic_init(&c.done, 0);
    gz_cancel_clear();
    CHECK(gz_parallel_for_dynamic(100000, 4, 10, cancel_midway, &c) == GZ_ERR_CANCELLED);
    CHECK(strstr(gz_error_message(), "cancelled") != NULL);
    CHECK(atomic_load(&c.done) < 100000);
    CHECK(gz_cancel_requested());
    /* a loop started while cancelled does nothing */
    atomic_store(&c.done, 0);
    CHECK(gz_parallel_for(100, 2, cancel_midway, &c) == GZ_ERR_CANCELLED);
    CHECK(atomic_load(&c.done) == 0);
    gz_cancel_clear();
    CHECK(!gz_cancel_requested());
    CHECK(gz_parallel_for(10, 2, cancel_midway, &c) == GZ_OK);
}

static gz_status inner_loop(void *vctx, int64_t b, int64_t e, int worker)
{
    (void)worker;
    atomic_llong *total = vctx;
    atomic_fetch_add(total, e - b);
    return GZ_OK;
}

static gz_status outer_loop(void *vctx, int64_t b, int64_t e, int worker)
{
    (void)worker;
    for (int64_t i = b; i < e; i++) {
        gz_status st = gz_parallel_for(10, 4, inner_loop, vctx);
        if (st)
            return st;
    }
    return GZ_OK;
}

static void test_nested(void)
{
    atomic_llong total;
    atomic_init(&total, 0);
    CHECK(gz_parallel_for(20, 4, outer_loop, &total) == GZ_OK);
    CHECK(atomic_load(&total) == 200);
}

static void *concurrent_caller(void *arg)
{
    int *ok = arg;
    for (int r = 0; r < 20; r++) {
        atomic_llong total;
        atomic_init(&total, 0);
        if (gz_parallel_for_dynamic(1000, 3, 7, inner_loop, &total) != GZ_OK ||
            atomic_load(&total) != 1000)
            *ok = 0;
    }
    return NULL;
}

static void test_concurrent_callers(void)
{
    pthread_t t[3];
    int ok[3] = {1, 1, 1};
    for (int i = 0; i < 3; i++)
        CHECK(pthread_create(&t[i], NULL, concurrent_caller, &ok[i]) == 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK(ok[0] && ok[1] && ok[2]);
}

int main(void)
{
    RUN(test_sums_identical);
    RUN(test_static_split);
    RUN(test_default_threads);
    RUN(test_error_propagation);
    RUN(test_cancel);
    RUN(test_nested);
    RUN(test_concurrent_callers);
    return check_done();
}
