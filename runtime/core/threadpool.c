/* Parallel loops on a persistent pthread pool.
 *
 * A process-wide pool is created on first use and grows to the largest
 * thread count asked for (threads sleep on a condition variable between
 * jobs). The calling thread always works as worker 0. The pool runs one job
 * at a time: a call made while it is busy (from another thread) runs on
 * freshly spawned threads instead, and a call made from inside a worker
 * (nested parallelism) runs serially in that worker, so no call ever waits
 * on another or deadlocks. The pool struct holds all its state, so nothing
 * prevents more pools later. */
#include "threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runconfig.h"

#define GZ_POOL_MAX_THREADS 1024

static atomic_bool cancel_flag = false;

void gz_cancel_request(void)
{
    atomic_store(&cancel_flag, true);
}

void gz_cancel_clear(void)
{
    atomic_store(&cancel_flag, false);
}

bool gz_cancel_requested(void)
{
    return atomic_load_explicit(&cancel_flag, memory_order_relaxed);
}

typedef struct job {
    gz_range_fn fn;
    void *ctx;
    int64_t n;
    int64_t grain;          /* 0: static split */
    int nworkers;
    _Atomic int64_t next;   /* dynamic: first index not yet handed out */
    atomic_bool stop;
    pthread_mutex_t err_lock;
    gz_status status;
    char message[1024];
} job;

/* > 0 while this thread runs a piece of a parallel loop. */
static _Thread_local int in_worker = 0;

static void job_fail(job *j, gz_status st, const char *msg)
{
    pthread_mutex_lock(&j->err_lock);
    if (j->status == GZ_OK) {
        j->status = st;
        snprintf(j->message, sizeof j->message, "%s", msg && *msg ? msg : gz_status_name(st));
    }
    pthread_mutex_unlock(&j->err_lock);
    atomic_store(&j->stop, true);
}

static void job_cancelled(job *j)
{
    job_fail(j, GZ_ERR_CANCELLED, "cancelled (interrupt or time limit)");
}

static void run_worker(job *j, int w)
{
    in_worker++;
    if (j->grain == 0) {
        int64_t base = j->n / j->nworkers, rem = j->n % j->nworkers;
        int64_t begin = (int64_t)w * base + (w < rem ? w : rem);
        int64_t end = begin + base + (w < rem ? 1 : 0);
        if (atomic_load(&j->stop)) {
            /* another worker failed before this one started */
        } else if (gz_cancel_requested()) {
            job_cancelled(j);
        } else if (begin < end) {
            gz_status st = j->fn(j->ctx, begin, end, w);
            if (st)
                job_fail(j, st, gz_error_message());
        }
    } else {
        for (;;) {
            if (atomic_load_explicit(&j->stop, memory_order_relaxed))
                break;
            if (gz_cancel_requested()) {
                job_cancelled(j);
                break;
            }
            int64_t i = atomic_fetch_add(&j->next, j->grain);
            if (i >= j->n)
                break;
            int64_t end = j->n - i > j->grain ? i + j->grain : j->n;
            gz_status st = j->fn(j->ctx, i, end, w);
            if (st) {
                job_fail(j, st, gz_error_message());
                break;
            }
        }
    }
    in_worker--;
}

/* ---- the pool ---- */

typedef struct pool pool;
typedef struct pool_thread {
    pool *owner;
    int id; /* 1 .. */
    uint64_t start_gen; /* generation when created: jobs after it are new */
    pthread_t tid;
} pool_thread;

struct pool {
    pthread_mutex_t use;   /* held by the caller that owns the pool for a job */
    pthread_mutex_t lock;  /* guards the fields below */
    pthread_cond_t work_cv, done_cv;
    uint64_t generation;
    job *current;
    int pending;
    int nthreads;
    pool_thread threads[GZ_POOL_MAX_THREADS];
};

static void *pool_main(void *arg)
{
    pool_thread *me = arg;
    pool *p = me->owner;
    uint64_t seen;
    pthread_mutex_lock(&p->lock);
    seen = me->start_gen;
    for (;;) {
        while (p->generation == seen)
            pthread_cond_wait(&p->work_cv, &p->lock);
        seen = p->generation;
        job *j = p->current;
        if (!j || me->id >= j->nworkers)
            continue;
        pthread_mutex_unlock(&p->lock);
        run_worker(j, me->id);
        pthread_mutex_lock(&p->lock);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done_cv);
    }
    return NULL; /* not reached: pool threads live as long as the process */
}

static pool default_pool = {
    .use = PTHREAD_MUTEX_INITIALIZER,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .work_cv = PTHREAD_COND_INITIALIZER,
    .done_cv = PTHREAD_COND_INITIALIZER,
};

/* Grows p to `want` helper threads (ids 1..want); returns how many exist.
 * Called with p->use held. */
static int pool_grow(pool *p, int want)
{
    while (p->nthreads < want) {
        pool_thread *t = &p->threads[p->nthreads];
        t->owner = p;
        t->id = p->nthreads + 1;
        t->start_gen = p->generation; /* stable: p->use is held */
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t->tid, &attr, pool_main, t);
        pthread_attr_destroy(&attr);
        if (rc != 0)
            break;
        pthread_mutex_lock(&p->lock);
        p->nthreads++;
        pthread_mutex_unlock(&p->lock);
    }
    return p->nthreads;
}

/* Runs j on p (caller = worker 0). Called with p->use held. */
static void pool_run(pool *p, job *j)
{
    pthread_mutex_lock(&p->lock);
    p->current = j;
    p->pending = j->nworkers - 1;
    p->generation++;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->lock);
    run_worker(j, 0);
    pthread_mutex_lock(&p->lock);
    while (p->pending > 0)
        pthread_cond_wait(&p->done_cv, &p->lock);
    p->current = NULL;
    pthread_mutex_unlock(&p->lock);
}

/* ---- fallback: threads spawned for one call ---- */

typedef struct spawn_arg {
    job *j;
    int id;
} spawn_arg;

static void *spawn_main(void *arg)
{
    spawn_arg *a = arg;
    run_worker(a->j, a->id);
    return NULL;
}

static void spawn_run(job *j)
{
    int extra = j->nworkers - 1;
    pthread_t *tids = calloc((size_t)extra, sizeof *tids);
    spawn_arg *args = calloc((size_t)extra, sizeof *args);
    int started = 0;
    if (tids && args) {
        for (int i = 0; i < extra; i++) {
            args[i].j = j;
            args[i].id = i + 1;
            if (pthread_create(&tids[i], NULL, spawn_main, &args[i]) != 0)
                break;
            started++;
        }
    }
    run_worker(j, 0);
    /* workers that could not be started: their share runs here */
    for (int i = started; i < extra; i++)
        run_worker(j, i + 1);
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    free(args);
}

static gz_status run_job(int64_t n, int threads, int64_t grain, gz_range_fn fn, void *ctx)
{
    if (!fn)
        return gz_error_set(GZ_ERR_ARG, "parallel loop: no function");
    if (n < 0)
        return gz_error_set(GZ_ERR_ARG, "parallel loop: negative count %lld", (long long)n);
    if (gz_cancel_requested())
        return gz_error_set(GZ_ERR_CANCELLED, "cancelled (interrupt or time limit)");
    if (n == 0)
        return GZ_OK;
    if (threads <= 0)
        threads = gz_runconfig_threads();
    if (threads > GZ_POOL_MAX_THREADS)
        threads = GZ_POOL_MAX_THREADS;
    if (grain > 0) {
        int64_t chunks = (n + grain - 1) / grain;
        if (threads > chunks)
            threads = (int)chunks;
    } else if (threads > n) {
        threads = (int)n;
    }
    if (in_worker)
        threads = 1; /* nested loop: run serially inside this worker */

    job j;
    memset(&j, 0, sizeof j);
    j.fn = fn;
    j.ctx = ctx;
    j.n = n;
    j.grain = grain;
    j.nworkers = threads;
    atomic_init(&j.next, 0);
    atomic_init(&j.stop, false);
    pthread_mutex_init(&j.err_lock, NULL);
    j.status = GZ_OK;

    if (threads == 1) {
        run_worker(&j, 0);
    } else if (pthread_mutex_trylock(&default_pool.use) == 0) {
        int have = pool_grow(&default_pool, threads - 1);
        if (have < threads - 1) {
            /* could not start enough threads: the static split would lose
             * chunks, so use fewer workers */
            j.nworkers = have + 1;
        }
        if (j.nworkers == 1)
            run_worker(&j, 0);
        else
            pool_run(&default_pool, &j);
        pthread_mutex_unlock(&default_pool.use);
    } else {
        spawn_run(&j);
    }
    pthread_mutex_destroy(&j.err_lock);
    if (j.status != GZ_OK)
        return gz_error_set(j.status, "%s", j.message);
    return GZ_OK;
}

gz_status gz_parallel_for(int64_t n, int threads, gz_range_fn fn, void *ctx)
{
    return run_job(n, threads, 0, fn, ctx);
}

gz_status gz_parallel_for_dynamic(int64_t n, int threads, int64_t grain, gz_range_fn fn,
                                  void *ctx)
{
    if (grain <= 0) {
        int t = threads > 0 ? threads : gz_runconfig_threads();
        grain = n / ((int64_t)t * 16);
        if (grain < 1)
            grain = 1;
    }
    return run_job(n, threads, grain, fn, ctx);
}
