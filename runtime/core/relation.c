/* The relation engine: features once per record, then the upper triangle
 * in parallel, each pair written to its own slots (relation.h). */
#include "relation.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "runconfig.h"
#include "threadpool.h"

static gz_status run_dynamic(int64_t n, int threads, gz_range_fn fn, void *ctx)
{
    return gz_parallel_for_dynamic(n, threads, 1, fn, ctx);
}

/* The error of the lowest failing index (features: record i; pairs: row-major
 * (i, j)), so the reported message does not depend on the schedule. */
typedef struct first_error {
    pthread_mutex_t lock;
    int64_t key; /* -1: none yet */
    gz_status st;
    char msg[512];
} first_error;

static void first_error_note(first_error *e, int64_t key, gz_status st)
{
    pthread_mutex_lock(&e->lock);
    if (e->key < 0 || key < e->key) {
        e->key = key;
        e->st = st;
        snprintf(e->msg, sizeof e->msg, "%s", gz_error_message());
    }
    pthread_mutex_unlock(&e->lock);
}

typedef struct engine {
    const gz_scheme *scheme;
    const void *params;
    const gz_record *recs;
    int64_t n;
    void **features;
    double *out;          /* N x N x depth */
    size_t depth;         /* values per cell in out */
    size_t *pick;         /* depth indices into the scheme's values */
    double *scratch;      /* n_values per worker */
    int threads;
    gz_progress *progress;
    first_error err;
} engine;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *rec_name(const gz_record *r, char *buf, size_t cap, int64_t i)
{
    if (r->name && *r->name)
        return r->name;
    snprintf(buf, cap, "record %lld", (long long)i);
    return buf;
}

static gz_status features_range(void *ctx, int64_t begin, int64_t end, int worker)
{
    engine *e = ctx;
    (void)worker;
    for (int64_t i = begin; i < end; i++) {
        gz_status st = e->scheme->features_new(e->params, &e->recs[i], &e->features[i]);
        if (st) {
            e->features[i] = NULL;
            first_error_note(&e->err, i, st);
            return st;
        }
    }
    return GZ_OK;
}

static gz_status rows_range(void *ctx, int64_t begin, int64_t end, int worker)
{
    engine *e = ctx;
    const int64_t n = e->n;
    const size_t depth = e->depth;
    double *vals = e->scratch + (size_t)worker * e->scheme->n_values;
    for (int64_t i = begin; i < end; i++) {
        if (gz_cancel_requested())
            return gz_error_set(GZ_ERR_CANCELLED, "similarity matrix cancelled");
        const void *fi = e->features[i];
        for (int64_t j = i + 1; j < n; j++) {
            gz_status st = e->scheme->compare(e->params, fi, e->features[j], i, j, vals);
            if (st) {
                char b1[32], b2[32];
                gz_error_prefix(st, "%s vs %s", rec_name(&e->recs[i], b1, sizeof b1, i),
                                rec_name(&e->recs[j], b2, sizeof b2, j));
                first_error_note(&e->err, i * n + j, st);
                return st;
            }
            double *a = e->out + ((size_t)i * (size_t)n + (size_t)j) * depth;
            double *b = e->out + ((size_t)j * (size_t)n + (size_t)i) * depth;
            for (size_t k = 0; k < depth; k++)
                a[k] = b[k] = vals[e->pick[k]];
        }
        gz_progress_add(e->progress, n - 1 - i);
    }
    return GZ_OK;
}

size_t gz_relation_depth(const gz_scheme *scheme)
{
    return scheme->n_values > 1 ? scheme->n_values - 1 : 1;
}

gz_status gz_relation_compute(const gz_scheme *scheme, const void *params, const gz_record *recs,
                              int64_t n, const gz_relation_opts *opts, gz_tensor **out)
{
    *out = NULL;
    if (!scheme || n < 0 || (n > 0 && !recs))
        return gz_error_set(GZ_ERR_ARG, "relation: bad arguments");
    if (scheme->n_values < 1 || scheme->score_index >= scheme->n_values)
        return gz_error_set(GZ_ERR_INTERNAL, "relation: scheme %s declares no score value",
                            scheme->name);
    gz_relation_opts def = {0};
    if (!opts)
        opts = &def;
    if (opts->seconds_features)
        *opts->seconds_features = 0;
    if (opts->seconds_pairs)
        *opts->seconds_pairs = 0;

    engine e;
    memset(&e, 0, sizeof e);
    e.scheme = scheme;
    e.params = params;
    e.recs = recs;
    e.n = n;
    e.threads = opts->threads > 0 ? opts->threads : gz_runconfig_threads();
    if (e.threads < 1)
        e.threads = 1;
    e.depth = opts->all_values ? gz_relation_depth(scheme) : 1;
    pthread_mutex_init(&e.err.lock, NULL);
    e.err.key = -1;

    gz_tensor *t = NULL;
    gz_status st;
    /* refuse a matrix larger than the machine's memory with a clear
     * message instead of an allocation failure or the OOM killer */
    double need = (double)n * (double)n * (double)e.depth * 8.0;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    double have = pages > 0 && psize > 0 ? (double)pages * (double)psize : 0;
    if (have > 0 && need > have) {
        pthread_mutex_destroy(&e.err.lock);
        return gz_error_set(GZ_ERR_LIMIT,
                            "a relation of %lld x %lld x %d float64 values needs %.1f GiB, more "
                            "than this machine's memory (%.1f GiB)",
                            (long long)n, (long long)n, (int)e.depth, need / 1073741824.0,
                            have / 1073741824.0);
    }
    int64_t shape[3] = {n, n, (int64_t)e.depth};
    if ((st = gz_tensor_new(&t, GZ_F64, opts->all_values ? 3 : 2, shape)))
        goto done;
    e.out = t->data;
    e.pick = gz_calloc(e.depth, sizeof *e.pick);
    e.scratch = gz_calloc((size_t)e.threads * scheme->n_values, sizeof *e.scratch);
    e.features = gz_calloc(n > 0 ? (size_t)n : 1, sizeof *e.features);
    if (!e.pick || !e.scratch || !e.features) {
        st = GZ_ERR_NOMEM;
        goto done;
    }
    if (!opts->all_values || scheme->n_values == 1) {
        e.pick[0] = scheme->score_index;
    } else {
        size_t k = 0;
        for (size_t v = 0; v < scheme->n_values; v++)
            if (v != scheme->score_index)
                e.pick[k++] = v;
    }

    double t0 = now_seconds();
    st = run_dynamic(n, e.threads, features_range, &e);
    double t1 = now_seconds();
    if (opts->seconds_features)
        *opts->seconds_features = t1 - t0;
    if (st)
        goto done;

    if (opts->label && n > 1)
        e.progress = gz_progress_new(opts->label, n * (n - 1) / 2, "pairs");
    st = run_dynamic(n > 1 ? n - 1 : 0, e.threads, rows_range, &e);
    gz_progress_done(e.progress);
    if (opts->seconds_pairs)
        *opts->seconds_pairs = now_seconds() - t1;
    if (st)
        goto done;

    for (int64_t i = 0; i < n; i++)
        for (size_t k = 0; k < e.depth; k++)
            e.out[((size_t)i * (size_t)n + (size_t)i) * e.depth + k] = 1.0;

done:
    if (st && e.err.key >= 0)
        gz_error_set(e.err.st, "%s", e.err.msg), st = e.err.st;
    if (e.features) {
        for (int64_t i = 0; i < n; i++)
            if (e.features[i])
                scheme->features_free(e.features[i]);
        free(e.features);
    }
    free(e.scratch);
    free(e.pick);
    pthread_mutex_destroy(&e.err.lock);
    if (st) {
        gz_tensor_free(t);
        return st;
    }
    *out = t;
    return GZ_OK;
}
