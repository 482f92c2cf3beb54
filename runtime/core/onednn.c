/* The oneDNN engine, stream, threads, memories, primitives and reorders
 * shared by the nn_*.c layer kernels (see onednn.h). */
#include "onednn.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "runconfig.h"

static dnnl_engine_t g_engine;
static dnnl_stream_t g_stream;
static int g_threads_set;      /* threads last given to OpenMP (0 = never) */
static int g_threads_wanted;   /* 0 = follow gz_runconfig_threads() */
static void *g_scratch;
static size_t g_scratch_bytes;
static unsigned g_scratch_gen = 1;
static long g_prims_created;
static long g_ref_prims; /* of which oneDNN's reference (slow, portable) kernels */
static size_t g_owned_bytes; /* gz_dnn_mem_alloc buffers alive */
static struct {
    void *data;
    size_t bytes;
    unsigned gen;
} g_pool[GZ_DNN_POOL_COUNT];

gz_status gz_dnn_check(dnnl_status_t s, const char *what)
{
    if (s == dnnl_success)
        return GZ_OK;
    const char *name = "error";
    switch (s) {
    case dnnl_out_of_memory: return gz_error_set(GZ_ERR_NOMEM, "oneDNN: %s: out of memory", what);
    case dnnl_invalid_arguments: name = "invalid arguments"; break;
    case dnnl_unimplemented: name = "unimplemented for these shapes/layouts"; break;
    case dnnl_runtime_error: name = "runtime error"; break;
    default: break;
    }
    return gz_error_set(GZ_ERR_INTERNAL, "oneDNN: %s: %s (status %d)", what, name, (int)s);
}

gz_status gz_dnn_init(void)
{
    if (g_stream)
        return GZ_OK;
    gz_status st = gz_dnn_check(dnnl_engine_create(&g_engine, dnnl_cpu, 0), "engine_create");
    if (st)
        return st;
    st = gz_dnn_check(dnnl_stream_create(&g_stream, g_engine, dnnl_stream_default_flags),
                      "stream_create");
    if (st) {
        dnnl_engine_destroy(g_engine);
        g_engine = NULL;
    }
    return st;
}

dnnl_engine_t gz_dnn_engine(void)
{
    return g_engine;
}

void gz_dnn_set_threads(int n)
{
    g_threads_wanted = n > 0 ? n : 0;
}

int gz_dnn_threads(void)
{
    return g_threads_wanted > 0 ? g_threads_wanted : gz_runconfig_threads();
}

/* libgomp is loaded by libdnnl; find omp_set_num_threads at run time so
 * the build needs no OpenMP flags. */
static void apply_threads(int n)
{
    if (n < 1)
        n = gz_dnn_threads();
    if (n == g_threads_set)
        return;
    typedef void (*set_fn)(int);
    static set_fn fn;
    static int looked;
    if (!looked) {
        looked = 1;
        void *sym = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
        memcpy(&fn, &sym, sizeof fn);
    }
    if (fn)
        fn(n);
    g_threads_set = n;
}

size_t gz_dnn_mem_bytes(const gz_dnn_mem *m)
{
    return dnnl_memory_desc_get_size(&m->md);
}

gz_status gz_dnn_mem_wrap(gz_dnn_mem *m, const dnnl_memory_desc_t *md, void *data)
{
    gz_status st = gz_dnn_init();
    if (st)
        return st;
    m->md = *md;
    m->data = data;
    m->owner = NULL;
    m->pool = 0;
    m->gen = 0;
    m->owned = 0;
    return gz_dnn_check(dnnl_memory_create(&m->mem, md, g_engine, data), "memory_create");
}

gz_status gz_dnn_mem_alloc(gz_dnn_mem *m, const dnnl_memory_desc_t *md)
{
    memset(m, 0, sizeof *m);
    size_t bytes = dnnl_memory_desc_get_size(md);
    int64_t n = (int64_t)((bytes + 63) / 4);
    if (n < 16)
        n = 16;
    gz_tensor *t;
    gz_status st = gz_tensor_new(&t, GZ_F32, 1, &n);
    if (st)
        return st;
    st = gz_dnn_mem_wrap(m, md, t->data);
    if (st) {
        gz_tensor_free(t);
        memset(m, 0, sizeof *m);
        return st;
    }
    m->owner = t;
    m->owned = (size_t)n * 4;
    g_owned_bytes += m->owned;
    return GZ_OK;
}

gz_status gz_dnn_mem_pooled(gz_dnn_mem *m, const dnnl_memory_desc_t *md, int pool)
{
    memset(m, 0, sizeof *m);
    size_t bytes = dnnl_memory_desc_get_size(md);
    if (bytes > g_pool[pool].bytes) {
        size_t want = (bytes + 4095) & ~(size_t)4095;
        void *p = NULL;
        if (posix_memalign(&p, 64, want) != 0)
            return gz_error_set(GZ_ERR_NOMEM, "out of memory for a %zu-byte engine buffer", want);
        memset(p, 0, want);
        free(g_pool[pool].data);
        g_pool[pool].data = p;
        g_pool[pool].bytes = want;
        g_pool[pool].gen++;
    }
    gz_status st = gz_dnn_mem_wrap(m, md, g_pool[pool].data);
    if (st) {
        memset(m, 0, sizeof *m);
        return st;
    }
    m->pool = pool + 1;
    m->gen = g_pool[pool].gen;
    return GZ_OK;
}

gz_status gz_dnn_mem_sync(gz_dnn_mem *m)
{
    if (!m->pool || m->gen == g_pool[m->pool - 1].gen)
        return GZ_OK;
    m->gen = g_pool[m->pool - 1].gen;
    return gz_dnn_mem_rebind(m, g_pool[m->pool - 1].data);
}

static struct lent {
    void *p;
    size_t bytes;
    bool busy;
} *g_lent;
static size_t g_nlent, g_lent_cap, g_lent_bytes;

void *gz_dnn_lend(size_t bytes)
{
    struct lent *best = NULL;
    for (size_t i = 0; i < g_nlent; i++) {
        struct lent *b = &g_lent[i];
        if (!b->busy && b->bytes >= bytes && (!best || b->bytes < best->bytes))
            best = b;
    }
    size_t want = bytes < 64 ? 64 : (bytes + 63) & ~(size_t)63;
    if (!best) {
        if (g_nlent == g_lent_cap) {
            size_t cap = g_lent_cap ? 2 * g_lent_cap : 32;
            struct lent *n = realloc(g_lent, cap * sizeof *n);
            if (!n)
                return NULL;
            g_lent = n;
            g_lent_cap = cap;
        }
        void *p = NULL;
        if (posix_memalign(&p, 64, want) != 0)
            return NULL;
        memset(p, 0, want);
        best = &g_lent[g_nlent++];
        *best = (struct lent){p, want, false};
        g_lent_bytes += want;
    }
    best->busy = true;
    return best->p;
}

void gz_dnn_unlend(void *p)
{
    for (size_t i = 0; p && i < g_nlent; i++)
        if (g_lent[i].p == p) {
            g_lent[i].busy = false;
            return;
        }
}

size_t gz_dnn_bytes(void)
{
    size_t n = g_owned_bytes + g_scratch_bytes + g_lent_bytes;
    for (int i = 0; i < GZ_DNN_POOL_COUNT; i++)
        n += g_pool[i].bytes;
    return n;
}

gz_status gz_dnn_mem_rebind(gz_dnn_mem *m, void *data)
{
    m->data = data;
    return gz_dnn_check(dnnl_memory_set_data_handle(m->mem, data), "memory_set_data_handle");
}

void gz_dnn_mem_free(gz_dnn_mem *m)
{
    if (!m)
        return;
    if (m->mem)
        dnnl_memory_destroy(m->mem);
    g_owned_bytes -= m->owned;
    gz_tensor_free(m->owner);
    memset(m, 0, sizeof *m);
}

static const dnnl_format_tag_t plain_tags[] = {dnnl_a, dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd,
                                               dnnl_abcde};

void gz_dnn_md_plain(dnnl_memory_desc_t *md, int ndims, const int64_t *dims)
{
    dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, plain_tags[ndims]);
}

void gz_dnn_md_any(dnnl_memory_desc_t *md, int ndims, const int64_t *dims)
{
    dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, dnnl_format_tag_any);
}

void gz_dnn_md_tag(dnnl_memory_desc_t *md, int ndims, const int64_t *dims, dnnl_format_tag_t tag)
{
    dnnl_memory_desc_init_by_tag(md, ndims, dims, dnnl_f32, tag);
}

bool gz_dnn_md_equal(const dnnl_memory_desc_t *a, const dnnl_memory_desc_t *b)
{
    return dnnl_memory_desc_equal(a, b) != 0;
}

bool gz_dnn_md_is_plain(const dnnl_memory_desc_t *md)
{
    dnnl_memory_desc_t p;
    gz_dnn_md_plain(&p, md->ndims, md->dims);
    return gz_dnn_md_equal(&p, md);
}

/* Grows the shared scratchpad to hold md. */
static gz_status scratch_reserve(size_t bytes)
{
    if (bytes <= g_scratch_bytes)
        return GZ_OK;
    void *p = NULL;
    size_t want = (bytes + 4095) & ~(size_t)4095;
    if (posix_memalign(&p, 64, want) != 0)
        return gz_error_set(GZ_ERR_NOMEM, "out of memory for a %zu-byte oneDNN scratchpad", want);
    free(g_scratch);
    g_scratch = p;
    g_scratch_bytes = want;
    g_scratch_gen++;
    return GZ_OK;
}

/* Work below these runs on one thread (see onednn.h). */
#define SMALL_FLOPS 8e6 /* convolution, inner product: about 0.2 ms on one core */

static double md_numel(const dnnl_memory_desc_t *md)
{
    double n = md && md->ndims > 0 ? 1 : 0;
    for (int i = 0; md && i < md->ndims; i++)
        n *= (double)md->dims[i];
    return n;
}

/* Whether pd runs on one thread: memory-bound primitives (batch norm,
 * eltwise, pooling, binary, reorders) always do (they are a few percent of
 * a step; split over threads, the larger ones hit many barriers, each of
 * which costs a scheduling delay on a busy machine: 2 threads were 40x
 * slower than one for batch norm over 8 MB under load), convolutions and
 * inner products when their flops are few. */
static bool small_work(const_dnnl_primitive_desc_t pd)
{
    dnnl_primitive_kind_t kind = dnnl_undefined_primitive;
    dnnl_primitive_desc_query(pd, dnnl_query_primitive_kind, 0, &kind);
    if (kind != dnnl_convolution && kind != dnnl_inner_product)
        return true;
    const dnnl_memory_desc_t *w = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    if (!w || !w->ndims)
        w = dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 0);
    const dnnl_memory_desc_t *y = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    if (!y || !y->ndims)
        y = dnnl_primitive_desc_query_md(pd, dnnl_query_diff_dst_md, 0);
    double per_out = w && w->ndims ? md_numel(w) / (double)w->dims[0] : 0;
    return 2.0 * md_numel(y) * per_out < SMALL_FLOPS;
}

static gz_status prim_finish(gz_dnn_prim *out, const char *what)
{
    gz_status st = gz_dnn_check(dnnl_primitive_create(&out->p, out->pd), what);
    if (st)
        return st;
    const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(out->pd, dnnl_query_scratchpad_md, 0);
    size_t bytes = smd ? dnnl_memory_desc_get_size(smd) : 0;
    if (bytes) {
        if ((st = scratch_reserve(bytes)))
            return st;
        if ((st = gz_dnn_check(dnnl_memory_create(&out->scratch, smd, g_engine, g_scratch),
                               "scratchpad memory_create")))
            return st;
        out->gen = g_scratch_gen;
    }
    g_prims_created++;
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(out->pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success &&
        impl && !strncmp(impl, "ref", 3))
        g_ref_prims++;
    return GZ_OK;
}

/* Whether pd is an implementation that oneDNN 2.6 gets wrong: the brgemm
 * inner-product backward-data kernel reads address 0 on 2+ threads for
 * some shapes (mb 32, ic 32, oc 4096: an MLP over 32 features with a
 * 4096-wide hidden layer). */
static bool broken_impl(const_dnnl_primitive_desc_t pd)
{
    const char *impl = NULL;
    return dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success &&
           impl && strncmp(impl, "brgemm_bwd_d", 12) == 0;
}

/* Replaces a broken pd by the next implementation oneDNN offers for the
 * same operation (all compute the same product); keeps pd when there is
 * none. */
static void skip_broken_impl(dnnl_primitive_desc_t *pd, const void *op_desc,
                             const_dnnl_primitive_attr_t attr, const_dnnl_primitive_desc_t hint)
{
    if (!broken_impl(*pd))
        return;
    dnnl_primitive_desc_iterator_t it = NULL;
    if (dnnl_primitive_desc_iterator_create(&it, op_desc, attr, g_engine, hint) != dnnl_success)
        return;
    do {
        dnnl_primitive_desc_t cand = dnnl_primitive_desc_iterator_fetch(it);
        if (cand && !broken_impl(cand)) {
            dnnl_primitive_desc_destroy(*pd);
            *pd = cand;
            break;
        }
        if (cand)
            dnnl_primitive_desc_destroy(cand);
    } while (dnnl_primitive_desc_iterator_next(it) == dnnl_success);
    dnnl_primitive_desc_iterator_destroy(it);
}

static size_t g_max_scratch; /* 0: no cap (gz_dnn_prim_create_capped) */

gz_status gz_dnn_prim_create_capped(gz_dnn_prim *out, const void *op_desc,
                                    const_dnnl_post_ops_t post_ops,
                                    const_dnnl_primitive_desc_t hint, const char *what,
                                    size_t max_scratch)
{
    g_max_scratch = max_scratch;
    gz_status st = gz_dnn_prim_create(out, op_desc, post_ops, hint, what);
    g_max_scratch = 0;
    return st;
}

gz_status gz_dnn_prim_create(gz_dnn_prim *out, const void *op_desc, const_dnnl_post_ops_t post_ops,
                             const_dnnl_primitive_desc_t hint, const char *what)
{
    memset(out, 0, sizeof *out);
    gz_status st = gz_dnn_init();
    if (st)
        return st;
    dnnl_primitive_attr_t attr;
    if ((st = gz_dnn_check(dnnl_primitive_attr_create(&attr), "primitive_attr_create")))
        return st;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (post_ops)
        dnnl_primitive_attr_set_post_ops(attr, post_ops);
    out->nthr = gz_dnn_threads();
    apply_threads(out->nthr);
    st = gz_dnn_check(dnnl_primitive_desc_create(&out->pd, op_desc, attr, g_engine, hint), what);
    if (!st && out->nthr > 1 && small_work(out->pd)) {
        dnnl_primitive_desc_destroy(out->pd);
        out->pd = NULL;
        out->nthr = 1;
        apply_threads(1);
        st = gz_dnn_check(dnnl_primitive_desc_create(&out->pd, op_desc, attr, g_engine, hint), what);
    }
    if (!st)
        skip_broken_impl(&out->pd, op_desc, attr, hint);
    dnnl_primitive_attr_destroy(attr);
    if (!st && g_max_scratch) {
        const dnnl_memory_desc_t *smd =
            dnnl_primitive_desc_query_md(out->pd, dnnl_query_scratchpad_md, 0);
        if (smd && dnnl_memory_desc_get_size(smd) > g_max_scratch)
            st = GZ_ERR_LIMIT;
    }
    if (!st)
        st = prim_finish(out, what);
    if (st)
        gz_dnn_prim_free(out);
    return st;
}

gz_status gz_dnn_prim_reorder(gz_dnn_prim *out, const dnnl_memory_desc_t *src_md,
                              const dnnl_memory_desc_t *dst_md, bool accumulate)
{
    memset(out, 0, sizeof *out);
    gz_status st = gz_dnn_init();
    if (st)
        return st;
    dnnl_primitive_attr_t attr;
    if ((st = gz_dnn_check(dnnl_primitive_attr_create(&attr), "primitive_attr_create")))
        return st;
    dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    dnnl_post_ops_t po = NULL;
    if (accumulate) {
        dnnl_post_ops_create(&po);
        dnnl_post_ops_append_sum(po, 1.0f);
        dnnl_primitive_attr_set_post_ops(attr, po);
    }
    out->nthr = 1; /* memory-bound: see small_work */
    apply_threads(out->nthr);
    st = gz_dnn_check(dnnl_reorder_primitive_desc_create(&out->pd, src_md, g_engine, dst_md,
                                                         g_engine, attr),
                      "reorder");
    dnnl_primitive_attr_destroy(attr);
    if (po)
        dnnl_post_ops_destroy(po);
    if (!st)
        st = prim_finish(out, "reorder");
    if (st)
        gz_dnn_prim_free(out);
    return st;
}

const dnnl_memory_desc_t *gz_dnn_prim_md(const gz_dnn_prim *p, dnnl_query_t what, int index)
{
    return dnnl_primitive_desc_query_md(p->pd, what, index);
}

bool gz_dnn_prim_ok(const gz_dnn_prim *p)
{
    return p->p != NULL;
}

void gz_dnn_prim_free(gz_dnn_prim *p)
{
    if (!p)
        return;
    if (p->p)
        dnnl_primitive_destroy(p->p);
    if (p->pd)
        dnnl_primitive_desc_destroy(p->pd);
    if (p->scratch)
        dnnl_memory_destroy(p->scratch);
    memset(p, 0, sizeof *p);
}

gz_status gz_dnn_exec(gz_dnn_prim *p, int nargs, dnnl_exec_arg_t *args)
{
    dnnl_exec_arg_t all[16];
    if (nargs > 15)
        return gz_error_set(GZ_ERR_INTERNAL, "too many oneDNN arguments (%d)", nargs);
    memcpy(all, args, (size_t)nargs * sizeof *args);
    if (p->scratch) {
        if (p->gen != g_scratch_gen) {
            dnnl_memory_set_data_handle(p->scratch, g_scratch);
            p->gen = g_scratch_gen;
        }
        all[nargs].arg = DNNL_ARG_SCRATCHPAD;
        all[nargs].memory = p->scratch;
        nargs++;
    }
    apply_threads(p->nthr);
    gz_status st = gz_dnn_check(dnnl_primitive_execute(p->p, g_stream, nargs, all), "execute");
    if (!st)
        st = gz_dnn_check(dnnl_stream_wait(g_stream), "stream_wait");
    return st;
}

gz_status gz_dnn_reorder(gz_dnn_prim *cache, const gz_dnn_mem *src, gz_dnn_mem *dst, bool accumulate)
{
    gz_status st;
    if (!cache->p && (st = gz_dnn_prim_reorder(cache, &src->md, &dst->md, accumulate)))
        return st;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, src->mem}, {DNNL_ARG_TO, dst->mem}};
    return gz_dnn_exec(cache, 2, args);
}

long gz_dnn_prims_created(void)
{
    return g_prims_created;
}

long gz_dnn_ref_prims(void)
{
    return g_ref_prims;
}
