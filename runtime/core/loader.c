/* The batch loader: an in-memory image cache, persistent worker threads,
 * and a ring of `prefetch` slots that hands batches out in order
 * (contract in loader.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image.h"
#include "loader.h"
#include "rng.h"

typedef struct item {
    char *path;
    int64_t index, label;
    gz_tensor *img;  /* cached C x H x W float32 on 0..1, or NULL */
    gz_tensor *heat; /* H' x W' float32, or NULL */
    bool given;      /* img came from gz_loader_set_image */
} item;

typedef struct slot {
    int64_t number; /* batch number held, -1 when empty */
    bool ready;
    gz_status st;
    char msg[512];
    gz_loader_batch b;
} slot;

struct gz_loader {
    gz_loader_opts o;
    int64_t n;
    item *items;
    gz_aug_pipeline *pipes[GZ_LOADER_MAX_VIEWS];
    gz_aug_pipeline *resize; /* the once-only load resize, or NULL */
    gz_aug_work **work;      /* one per worker (index 0 also serves workers == 0) */
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_ready;
    bool quit, started, active;
    uint64_t epoch, gen;
    int64_t *order;
    int64_t nbatches, next_claim, next_give;
    int depth;
    slot *slots;
    int64_t cache_used;
    gz_loader_stats stats;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void gz_loader_batch_free(gz_loader_batch *b)
{
    if (!b)
        return;
    for (int v = 0; v < GZ_LOADER_MAX_VIEWS; v++)
        gz_tensor_free(b->views[v]);
    gz_tensor_free(b->indices);
    gz_tensor_free(b->labels);
    memset(b, 0, sizeof *b);
}

/* ---- images ---- */

static gz_status convert(gz_loader *ld, const gz_tensor *raw, gz_tensor **out)
{
    gz_tensor *chw;
    gz_status st = gz_aug_from_image(raw, ld->o.channels, &chw);
    if (st || !ld->resize) {
        *out = chw;
        return st;
    }
    st = gz_aug_apply(ld->resize, chw, NULL, 0, 0, out);
    gz_tensor_free(chw);
    return st;
}

/* The image of item i: *img is either the cached tensor (*owned = false)
 * or a fresh one the caller frees. */
static gz_status get_image(gz_loader *ld, int64_t i, gz_tensor **img, bool *owned)
{
    item *it = &ld->items[i];
    pthread_mutex_lock(&ld->mu);
    gz_tensor *c = it->img;
    pthread_mutex_unlock(&ld->mu);
    if (c) {
        *img = c;
        *owned = false;
        return GZ_OK;
    }
    if (!it->path)
        return gz_error_set(GZ_ERR_ARG, "loader: item %lld has neither an image file nor an image",
                            (long long)i);
    gz_tensor *raw, *t;
    gz_status st = gz_image_read(it->path, &raw);
    if (st)
        return st;
    st = convert(ld, raw, &t);
    gz_tensor_free(raw);
    if (st)
        return gz_error_prefix(st, "%s", it->path);
    int64_t bytes = gz_tensor_numel(t) * (int64_t)sizeof(float);
    pthread_mutex_lock(&ld->mu);
    ld->stats.decodes++;
    if (it->img) { /* another worker was faster */
        gz_tensor_free(t);
        t = it->img;
        *owned = false;
    } else if (ld->cache_used + bytes <= ld->o.cache_bytes) {
        it->img = t;
        ld->cache_used += bytes;
        ld->stats.cached_images++;
        *owned = false;
    } else {
        *owned = true;
    }
    pthread_mutex_unlock(&ld->mu);
    *img = t;
    return GZ_OK;
}

/* ---- one batch ---- */

static gz_status prepare(gz_loader *ld, const int64_t *pos, int64_t m, uint64_t epoch,
                         gz_aug_work *w, gz_loader_batch *b)
{
    memset(b, 0, sizeof *b);
    int64_t one[1] = {m};
    gz_status st = gz_tensor_new(&b->indices, GZ_I64, 1, one);
    if (!st)
        st = gz_tensor_new(&b->labels, GZ_I64, 1, one);
    if (st)
        return st;
    int64_t c = 0, h = 0, wd = 0;
    for (int64_t j = 0; j < m && !st; j++) {
        item *it = &ld->items[pos[j]];
        ((int64_t *)b->indices->data)[j] = it->index;
        ((int64_t *)b->labels->data)[j] = it->label;
        gz_tensor *img = NULL;
        bool owned = false;
        st = get_image(ld, pos[j], &img, &owned);
        if (st)
            break;
        gz_aug_image src = {img->data, (int)img->shape[0], (int)img->shape[1],
                            (int)img->shape[2]};
        gz_aug_image heat = {NULL, 1, 0, 0};
        if (it->heat) {
            heat.data = it->heat->data;
            heat.h = (int)it->heat->shape[0];
            heat.w = (int)it->heat->shape[1];
        }
        for (int v = 0; v < ld->o.views && !st; v++) {
            gz_aug_image res;
            st = gz_aug_apply_work(ld->pipes[v], &src, it->heat ? &heat : NULL, ld->o.seed,
                                   gz_aug_stream(epoch, (uint64_t)it->index, (uint64_t)v), w,
                                   &res);
            if (st) {
                gz_error_prefix(st, "%s (view %d)", it->path ? it->path : "image", v + 1);
                break;
            }
            if (!b->views[v]) {
                if (v == 0) {
                    c = res.c, h = res.h, wd = res.w;
                }
                if (res.c == c && res.h == h && res.w == wd) {
                    int64_t shape[4] = {m, c, h, wd};
                    st = gz_tensor_new(&b->views[v], GZ_F32, 4, shape);
                    if (st)
                        break;
                }
            }
            if (res.c != c || res.h != h || res.w != wd) {
                st = gz_error_set(GZ_ERR_ARG,
                                  "%s: view %d is %d x %d x %d but the batch's first is %lld x "
                                  "%lld x %lld; end the pipeline with a crop or resize of "
                                  "fixed size",
                                  it->path ? it->path : "image", v + 1, res.c, res.h, res.w,
                                  (long long)c, (long long)h, (long long)wd);
                break;
            }
            int64_t plane = c * h * wd;
            memcpy((float *)b->views[v]->data + j * plane, res.data,
                   sizeof(float) * (size_t)plane);
        }
        if (owned)
            gz_tensor_free(img);
    }
    if (st) {
        gz_loader_batch_free(b);
        return st;
    }
    b->n = m;
    return GZ_OK;
}

/* Positions of batch k of the current epoch (under the lock). */
static int64_t batch_items(gz_loader *ld, int64_t k, int64_t *pos)
{
    int64_t start = k * ld->o.batch;
    int64_t m = ld->n - start;
    if (m > ld->o.batch)
        m = ld->o.batch;
    memcpy(pos, ld->order + start, sizeof(int64_t) * (size_t)m);
    return m;
}

typedef struct worker_arg {
    gz_loader *ld;
    int id;
} worker_arg;

static void *worker_main(void *p)
{
    worker_arg *wa = p;
    gz_loader *ld = wa->ld;
    int id = wa->id;
    free(wa);
    int64_t *pos = malloc(sizeof(int64_t) * (size_t)ld->o.batch);
    pthread_mutex_lock(&ld->mu);
    for (;;) {
        while (!ld->quit && !(ld->active && ld->next_claim < ld->nbatches &&
                              ld->next_claim < ld->next_give + ld->depth))
            pthread_cond_wait(&ld->cv_work, &ld->mu);
        if (ld->quit)
            break;
        int64_t k = ld->next_claim++;
        uint64_t gen = ld->gen, epoch = ld->epoch;
        int64_t m = pos ? batch_items(ld, k, pos) : 0;
        pthread_mutex_unlock(&ld->mu);

        double t0 = now_seconds();
        gz_loader_batch b;
        gz_status st = pos ? prepare(ld, pos, m, epoch, ld->work[id], &b)
                           : gz_error_set(GZ_ERR_NOMEM, "loader: out of memory");
        b.number = k;
        double dt = now_seconds() - t0;

        pthread_mutex_lock(&ld->mu);
        ld->stats.prepare_seconds += dt;
        if (gen == ld->gen) {
            slot *s = &ld->slots[k % ld->depth];
            s->number = k;
            s->ready = true;
            s->st = st;
            s->msg[0] = 0;
            if (st)
                snprintf(s->msg, sizeof s->msg, "%s", gz_error_message());
            s->b = b;
            pthread_cond_broadcast(&ld->cv_ready);
        } else if (!st) {
            gz_loader_batch_free(&b);
        }
    }
    pthread_mutex_unlock(&ld->mu);
    free(pos);
    return NULL;
}

/* ---- life cycle ---- */

static gz_status copy_pipeline(const gz_aug_pipeline *p, gz_aug_pipeline **out)
{
    int n = gz_aug_pipeline_size(p);
    return gz_aug_pipeline_new(out, n > 0 ? gz_aug_pipeline_op(p, 0) : NULL, n);
}

gz_status gz_loader_new(gz_loader **out, const gz_loader_opts *opts, int64_t n,
                        const char *const *paths, const int64_t *indices, const int64_t *labels,
                        const gz_aug_pipeline *const *pipes)
{
    *out = NULL;
    gz_loader_opts o = *opts;
    if (n < 0 || n > ((int64_t)1 << 40))
        return gz_error_set(GZ_ERR_ARG, "loader: bad item count %lld", (long long)n);
    if (o.batch < 1)
        return gz_error_set(GZ_ERR_ARG, "loader: batch must be >= 1, got %d", o.batch);
    if (o.views < 1 || o.views > GZ_LOADER_MAX_VIEWS)
        return gz_error_set(GZ_ERR_ARG, "loader: views must be in 1..%d, got %d",
                            GZ_LOADER_MAX_VIEWS, o.views);
    if (o.workers < 0 || o.workers > GZ_LOADER_MAX_WORKERS)
        return gz_error_set(GZ_ERR_ARG, "loader: workers must be in 0..%d, got %d",
                            GZ_LOADER_MAX_WORKERS, o.workers);
    if (o.channels != 1 && o.channels != 3)
        return gz_error_set(GZ_ERR_ARG, "loader: channels must be 1 or 3, got %d", o.channels);
    if (o.load_h < 0 || o.load_h > GZ_AUG_MAX_SIDE || o.load_w < 0 || o.load_w > GZ_AUG_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG, "loader: load size must be in 0..%d, got %d x %d",
                            GZ_AUG_MAX_SIDE, o.load_h, o.load_w);
    if (o.cache_bytes < 0)
        o.cache_bytes = GZ_LOADER_CACHE_BYTES;
    if (o.prefetch <= 0)
        o.prefetch = o.workers > 0 ? 2 * o.workers : 1;
    if (o.prefetch > 1024)
        o.prefetch = 1024;
    for (int v = 0; v < o.views; v++)
        if (!pipes || !pipes[v])
            return gz_error_set(GZ_ERR_ARG, "loader: no pipeline for view %d", v + 1);

    gz_loader *ld = gz_calloc(1, sizeof *ld);
    if (!ld)
        return GZ_ERR_NOMEM;
    ld->o = o;
    ld->n = n;
    ld->depth = o.prefetch;
    pthread_mutex_init(&ld->mu, NULL);
    pthread_cond_init(&ld->cv_work, NULL);
    pthread_cond_init(&ld->cv_ready, NULL);
    gz_status st = GZ_OK;
    ld->items = gz_calloc((size_t)(n > 0 ? n : 1), sizeof(item));
    ld->order = ld->items ? gz_calloc((size_t)(n > 0 ? n : 1), sizeof(int64_t)) : NULL;
    ld->slots = ld->order ? gz_calloc((size_t)ld->depth, sizeof(slot)) : NULL;
    int nwork = o.workers > 0 ? o.workers : 1;
    ld->work = ld->slots ? gz_calloc((size_t)nwork, sizeof(gz_aug_work *)) : NULL;
    ld->threads = ld->work ? gz_calloc((size_t)nwork, sizeof(pthread_t)) : NULL;
    if (!ld->threads)
        st = GZ_ERR_NOMEM;
    for (int64_t i = 0; i < n && !st; i++) {
        item *it = &ld->items[i];
        it->index = indices ? indices[i] : i;
        it->label = labels ? labels[i] : -1;
        if (paths && paths[i]) {
            it->path = strdup(paths[i]);
            if (!it->path)
                st = gz_error_set(GZ_ERR_NOMEM, "loader: out of memory");
        }
    }
    for (int k = 0; k < ld->depth && !st; k++)
        ld->slots[k].number = -1;
    for (int v = 0; v < o.views && !st; v++)
        st = copy_pipeline(pipes[v], &ld->pipes[v]);
    if (!st && o.load_h > 0) {
        gz_aug_op rs = gz_aug_op_default(GZ_AUG_RESIZE);
        rs.height = o.load_h;
        rs.width = o.load_w;
        st = gz_aug_pipeline_new(&ld->resize, &rs, 1);
    }
    for (int k = 0; k < nwork && !st; k++)
        st = gz_aug_work_new(&ld->work[k]);
    for (int k = 0; k < o.workers && !st; k++) {
        worker_arg *wa = gz_malloc(sizeof *wa);
        if (!wa) {
            st = GZ_ERR_NOMEM;
            break;
        }
        wa->ld = ld;
        wa->id = k;
        if (pthread_create(&ld->threads[k], NULL, worker_main, wa) != 0) {
            free(wa);
            st = gz_error_set(GZ_ERR_INTERNAL, "loader: cannot start worker thread %d", k + 1);
            break;
        }
        ld->nthreads++;
    }
    if (st) {
        gz_loader_free(ld);
        return st;
    }
    *out = ld;
    return GZ_OK;
}

void gz_loader_free(gz_loader *ld)
{
    if (!ld)
        return;
    pthread_mutex_lock(&ld->mu);
    ld->quit = true;
    pthread_cond_broadcast(&ld->cv_work);
    pthread_mutex_unlock(&ld->mu);
    for (int k = 0; k < ld->nthreads; k++)
        pthread_join(ld->threads[k], NULL);
    if (ld->slots)
        for (int k = 0; k < ld->depth; k++)
            if (ld->slots[k].ready)
                gz_loader_batch_free(&ld->slots[k].b);
    if (ld->items) {
        for (int64_t i = 0; i < ld->n; i++) {
            free(ld->items[i].path);
            gz_tensor_free(ld->items[i].img);
            gz_tensor_free(ld->items[i].heat);
        }
    }
    if (ld->work) {
        int nwork = ld->o.workers > 0 ? ld->o.workers : 1;
        for (int k = 0; k < nwork; k++)
            gz_aug_work_free(ld->work[k]);
    }
    for (int v = 0; v < GZ_LOADER_MAX_VIEWS; v++)
        gz_aug_pipeline_free(ld->pipes[v]);
    gz_aug_pipeline_free(ld->resize);
    free(ld->items);
    free(ld->order);
    free(ld->slots);
    free(ld->work);
    free(ld->threads);
    pthread_mutex_destroy(&ld->mu);
    pthread_cond_destroy(&ld->cv_work);
    pthread_cond_destroy(&ld->cv_ready);
    free(ld);
}

gz_status gz_loader_set_image(gz_loader *ld, int64_t i, const gz_tensor *img)
{
    if (i < 0 || i >= ld->n)
        return gz_error_set(GZ_ERR_ARG, "loader: no item %lld (%lld items)", (long long)i,
                            (long long)ld->n);
    if (ld->started)
        return gz_error_set(GZ_ERR_ARG, "loader: images can only be set before the first epoch");
    gz_tensor *t;
    gz_status st = convert(ld, img, &t);
    if (st)
        return st;
    item *it = &ld->items[i];
    if (it->img)
        ld->cache_used -= gz_tensor_numel(it->img) * (int64_t)sizeof(float);
    else
        ld->stats.cached_images++;
    gz_tensor_free(it->img);
    it->img = t;
    it->given = true;
    ld->cache_used += gz_tensor_numel(t) * (int64_t)sizeof(float);
    return GZ_OK;
}

gz_status gz_loader_set_heat(gz_loader *ld, int64_t i, const gz_tensor *heat)
{
    if (i < 0 || i >= ld->n)
        return gz_error_set(GZ_ERR_ARG, "loader: no item %lld (%lld items)", (long long)i,
                            (long long)ld->n);
    if (ld->started)
        return gz_error_set(GZ_ERR_ARG, "loader: heat maps can only be set before the first epoch");
    if (heat->ndim != 2 || heat->shape[0] < 1 || heat->shape[1] < 1 ||
        heat->shape[0] > GZ_AUG_MAX_SIDE || heat->shape[1] > GZ_AUG_MAX_SIDE)
        return gz_error_set(GZ_ERR_ARG, "loader: a heat map must be H x W");
    gz_tensor *t;
    gz_status st = gz_tensor_to(&t, heat, GZ_F32);
    if (st)
        return st;
    gz_tensor_free(ld->items[i].heat);
    ld->items[i].heat = t;
    return GZ_OK;
}

int64_t gz_loader_size(const gz_loader *ld)
{
    return ld->n;
}

int64_t gz_loader_batches(const gz_loader *ld)
{
    int64_t b = ld->o.batch;
    return ld->o.drop_last ? ld->n / b : (ld->n + b - 1) / b;
}

gz_status gz_loader_start(gz_loader *ld, uint64_t epoch, int64_t first)
{
    if (first < 0)
        return gz_error_set(GZ_ERR_ARG, "loader: negative first batch %lld", (long long)first);
    pthread_mutex_lock(&ld->mu);
    ld->started = true;
    ld->gen++;
    for (int k = 0; k < ld->depth; k++) {
        slot *s = &ld->slots[k];
        if (s->ready)
            gz_loader_batch_free(&s->b);
        s->ready = false;
        s->number = -1;
    }
    for (int64_t i = 0; i < ld->n; i++)
        ld->order[i] = i;
    if (ld->o.shuffle && ld->n > 1) {
        gz_rng r;
        gz_rng_init(&r, ld->o.seed, gz_rng_stream(GZ_LOADER_SHUFFLE_PURPOSE, epoch, 0, 0));
        for (int64_t i = ld->n - 1; i > 0; i--) {
            int64_t j = (int64_t)gz_rng_below(&r, (uint64_t)i + 1);
            int64_t t = ld->order[i];
            ld->order[i] = ld->order[j];
            ld->order[j] = t;
        }
    }
    ld->epoch = epoch;
    ld->nbatches = gz_loader_batches(ld);
    ld->next_claim = ld->next_give = first < ld->nbatches ? first : ld->nbatches;
    ld->active = true;
    pthread_cond_broadcast(&ld->cv_work);
    pthread_mutex_unlock(&ld->mu);
    return GZ_OK;
}

gz_status gz_loader_next(gz_loader *ld, gz_loader_batch *b)
{
    memset(b, 0, sizeof *b);
    if (!ld->active)
        return gz_error_set(GZ_ERR_ARG, "loader: start an epoch before asking for batches");
    if (ld->next_give >= ld->nbatches)
        return GZ_OK;
    gz_status st;
    if (ld->o.workers == 0) {
        int64_t *pos = gz_malloc(sizeof(int64_t) * (size_t)ld->o.batch);
        if (!pos)
            return GZ_ERR_NOMEM;
        int64_t k = ld->next_give++;
        int64_t m = batch_items(ld, k, pos);
        double t0 = now_seconds();
        st = prepare(ld, pos, m, ld->epoch, ld->work[0], b);
        b->number = k;
        free(pos);
        double dt = now_seconds() - t0;
        ld->stats.prepare_seconds += dt;
        ld->stats.wait_seconds += dt;
    } else {
        double t0 = now_seconds();
        pthread_mutex_lock(&ld->mu);
        int64_t k = ld->next_give;
        slot *s = &ld->slots[k % ld->depth];
        while (!(s->ready && s->number == k))
            pthread_cond_wait(&ld->cv_ready, &ld->mu);
        *b = s->b;
        st = s->st;
        char msg[sizeof s->msg];
        memcpy(msg, s->msg, sizeof msg);
        memset(&s->b, 0, sizeof s->b);
        s->ready = false;
        s->number = -1;
        ld->next_give++;
        pthread_cond_broadcast(&ld->cv_work);
        ld->stats.wait_seconds += now_seconds() - t0;
        pthread_mutex_unlock(&ld->mu);
        if (st)
            gz_error_set(st, "%s", msg);
    }
    if (st) {
        gz_loader_batch_free(b);
        return st;
    }
    ld->stats.batches++;
    ld->stats.images += b->n;
    return GZ_OK;
}

void gz_loader_get_stats(gz_loader *ld, gz_loader_stats *s)
{
    pthread_mutex_lock(&ld->mu);
    *s = ld->stats;
    s->cached_bytes = ld->cache_used;
    pthread_mutex_unlock(&ld->mu);
}
