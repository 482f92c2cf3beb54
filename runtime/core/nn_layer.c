/* Layer objects, parameters, the per-shape cache and values: the generic
 * part of the engine; the kernels are in nn_conv.c, nn_bn.c, nn_simple.c. */
#include "nn_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[GZ_NN_KIND_COUNT] = {
    "conv2d", "batchnorm", "relu", "maxpool", "avgpool", "linear", "flatten", "add",
};

const char *gz_nn_kind_name(gz_nn_kind k)
{
    return (unsigned)k < GZ_NN_KIND_COUNT ? kind_names[k] : "?";
}

int gz_nn_kind_parse(const char *name)
{
    for (int i = 0; i < GZ_NN_KIND_COUNT; i++)
        if (!strcmp(name, kind_names[i]))
            return i;
    return -1;
}

static gz_status add_param(gz_nn_layer *l, int idx, const char *name, gz_dtype dt, int ndim,
                           const int64_t *shape, bool grad)
{
    gz_status st = gz_tensor_new(&l->param[idx], dt, ndim, shape);
    if (!st && grad)
        st = gz_tensor_new(&l->grad[idx], dt, ndim, shape);
    l->trainable[idx] = grad;
    l->pname[idx] = name;
    if (idx + 1 > l->nparam)
        l->nparam = idx + 1;
    return st;
}

gz_status gz_nn_layer_new(gz_nn_layer **out, const gz_nn_conf *c)
{
    *out = NULL;
    if ((unsigned)c->kind >= GZ_NN_KIND_COUNT)
        return gz_error_set(GZ_ERR_ARG, "nn: unknown layer kind %d", (int)c->kind);
    const char *k = gz_nn_kind_name(c->kind);
    switch (c->kind) {
    case GZ_NN_CONV2D:
    case GZ_NN_LINEAR:
        if (c->in < 1 || c->out < 1)
            return gz_error_set(GZ_ERR_ARG, "nn.%s: in and out must be >= 1 (got %lld, %lld)", k,
                                (long long)c->in, (long long)c->out);
        break;
    case GZ_NN_BATCHNORM:
        if (c->in < 1)
            return gz_error_set(GZ_ERR_ARG, "nn.batchnorm: channels must be >= 1 (got %lld)",
                                (long long)c->in);
        if (!(c->eps > 0) || !(c->momentum >= 0 && c->momentum <= 1))
            return gz_error_set(GZ_ERR_ARG, "nn.batchnorm: eps must be > 0 and momentum in [0, 1]");
        break;
    default: break;
    }
    if (c->kind == GZ_NN_CONV2D || c->kind == GZ_NN_MAXPOOL) {
        if (c->kernel < 1 || c->stride < 1 || c->pad < 0 || c->pad * 2 > c->kernel)
            return gz_error_set(GZ_ERR_ARG,
                                "nn.%s: need kernel >= 1, stride >= 1, 0 <= pad <= kernel/2 "
                                "(got kernel %d, stride %d, pad %d)",
                                k, c->kernel, c->stride, c->pad);
    }
    gz_nn_layer *l = gz_calloc(1, sizeof *l);
    if (!l)
        return GZ_ERR_NOMEM;
    l->c = *c;
    l->training = true;
    gz_status st = GZ_OK;
    if (c->kind == GZ_NN_CONV2D) {
        int64_t ws[4] = {c->out, c->in, c->kernel, c->kernel};
        st = add_param(l, P_WEIGHT, "weight", GZ_F32, 4, ws, true);
        if (!st && c->bias)
            st = add_param(l, P_BIAS, "bias", GZ_F32, 1, &c->out, true);
    } else if (c->kind == GZ_NN_LINEAR) {
        int64_t ws[2] = {c->out, c->in};
        st = add_param(l, P_WEIGHT, "weight", GZ_F32, 2, ws, true);
        if (!st && c->bias)
            st = add_param(l, P_BIAS, "bias", GZ_F32, 1, &c->out, true);
    } else if (c->kind == GZ_NN_BATCHNORM) {
        if (c->affine) {
            st = add_param(l, P_WEIGHT, "weight", GZ_F32, 1, &c->in, true);
            if (!st)
                st = add_param(l, P_BIAS, "bias", GZ_F32, 1, &c->in, true);
            for (int64_t i = 0; !st && i < c->in; i++)
                ((float *)l->param[P_WEIGHT]->data)[i] = 1.0f;
        }
        if (!st)
            st = add_param(l, P_RMEAN, "running_mean", GZ_F32, 1, &c->in, false);
        if (!st)
            st = add_param(l, P_RVAR, "running_var", GZ_F32, 1, &c->in, false);
        if (!st)
            st = add_param(l, P_NBT, "num_batches_tracked", GZ_I64, 0, NULL, false);
        for (int64_t i = 0; !st && i < c->in; i++)
            ((float *)l->param[P_RVAR]->data)[i] = 1.0f;
    }
    if (st) {
        gz_nn_layer_free(l);
        return st;
    }
    *out = l;
    return GZ_OK;
}

static void entry_free(gz_nn_entry *e)
{
    gz_dnn_prim *prims[] = {&e->fwd, &e->bwd, &e->bwdw, &e->aux, &e->r_x,
                            &e->r_dw, &e->r_dyd, &e->r_dyw};
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++)
        gz_dnn_prim_free(prims[i]);
    gz_dnn_mem *mems[] = {&e->xr, &e->dyd, &e->dyw, &e->dw, &e->db, &e->mean, &e->var,
                          &e->ws, &e->dscale, &e->dshift, &e->scale, &e->shift, &e->rmean,
                          &e->rvar, &e->alias};
    for (size_t i = 0; i < sizeof mems / sizeof *mems; i++)
        gz_dnn_mem_free(mems[i]);
    gz_nn__val_release(&e->y);
    gz_nn__val_release(&e->dx);
    free(e);
}

void gz_nn_layer_clear_cache(gz_nn_layer *l)
{
    while (l->entries) {
        gz_nn_entry *e = l->entries;
        l->entries = e->next;
        entry_free(e);
    }
    memset(l->last, 0, sizeof l->last);
    for (int i = 0; i < GZ_NN_WCOPIES; i++) {
        gz_dnn_mem_free(&l->wcopy[i].m);
        gz_dnn_prim_free(&l->wcopy[i].r);
        memset(&l->wcopy[i], 0, sizeof l->wcopy[i]);
    }
    gz_dnn_mem_free(&l->pw);
    gz_dnn_mem_free(&l->pb);
    gz_dnn_mem_free(&l->pdw);
}

void gz_nn_layer_free(gz_nn_layer *l)
{
    if (!l)
        return;
    gz_nn_layer_clear_cache(l);
    for (int i = 0; i < 5; i++) {
        gz_tensor_free(l->param[i]);
        gz_tensor_free(l->grad[i]);
    }
    free(l);
}

const gz_nn_conf *gz_nn_layer_conf(const gz_nn_layer *l)
{
    return &l->c;
}

int gz_nn_layer_nparams(const gz_nn_layer *l)
{
    int n = 0;
    for (int i = 0; i < l->nparam; i++)
        n += l->param[i] != NULL;
    return n;
}

bool gz_nn_layer_param_trainable(const gz_nn_layer *l, int i)
{
    for (int j = 0; j < l->nparam; j++) {
        if (!l->param[j])
            continue;
        if (i-- == 0)
            return l->trainable[j];
    }
    return false;
}

gz_tensor *gz_nn_layer_param(gz_nn_layer *l, int i, const char **name, gz_tensor **grad)
{
    for (int j = 0; j < l->nparam; j++) {
        if (!l->param[j])
            continue;
        if (i-- == 0) {
            if (name)
                *name = l->pname[j];
            if (grad)
                *grad = l->grad[j];
            return l->param[j];
        }
    }
    return NULL;
}

void gz_nn_layer_set_training(gz_nn_layer *l, bool training)
{
    l->training = training;
}

bool gz_nn_layer_training(const gz_nn_layer *l)
{
    return l->training;
}

gz_status gz_nn_layer_set_no_grad(gz_nn_layer *l, bool no_grad)
{
    if (l->no_grad == no_grad)
        return GZ_OK;
    gz_nn_layer_clear_cache(l);
    for (int i = 0; i < 5; i++) {
        if (!l->trainable[i])
            continue;
        gz_tensor_free(l->grad[i]);
        l->grad[i] = NULL;
        if (!no_grad) {
            gz_tensor *p = l->param[i];
            gz_status st = gz_tensor_new(&l->grad[i], p->dtype, p->ndim, p->shape);
            if (st)
                return st; /* no_grad stays set: the layer is consistent */
        }
    }
    l->no_grad = no_grad;
    return GZ_OK;
}

bool gz_nn_layer_no_grad(const gz_nn_layer *l)
{
    return l->no_grad;
}

void gz_nn_layer_zero_grad(gz_nn_layer *l)
{
    for (int i = 0; i < 5; i++)
        if (l->grad[i]) {
            memset(l->grad[i]->data, 0, (size_t)gz_tensor_numel(l->grad[i]) * gz_dtype_size(l->grad[i]->dtype));
            gz_tensor_touch(l->grad[i]);
        }
}

gz_status gz_nn__val_alloc(gz_nn_val *v, const dnnl_memory_desc_t *md)
{
    gz_status st = gz_dnn_mem_alloc(&v->m, md);
    if (st)
        return st;
    v->ndims = md->ndims;
    for (int d = 0; d < md->ndims && d < 4; d++)
        v->dims[d] = md->dims[d];
    v->layer_owned = true;
    return GZ_OK;
}

static void set_shape(gz_nn_val *v, const dnnl_memory_desc_t *md)
{
    v->ndims = md->ndims;
    for (int d = 0; d < md->ndims && d < 4; d++)
        v->dims[d] = md->dims[d];
    v->layer_owned = true;
}

gz_status gz_nn__val_lent(gz_nn_val *v, const dnnl_memory_desc_t *md)
{
    gz_status st = gz_dnn_mem_wrap(&v->m, md, NULL);
    if (st)
        return st;
    set_shape(v, md);
    v->lent = true;
    v->held = false;
    return gz_nn__val_acquire(v);
}

gz_status gz_nn__val_acquire(gz_nn_val *v)
{
    if (!v->lent)
        return GZ_OK;
    gz_nn_val_release(v);
    void *p = gz_dnn_lend(gz_dnn_mem_bytes(&v->m));
    if (!p)
        return gz_error_set(GZ_ERR_NOMEM, "out of memory for a %zu-byte engine buffer",
                            gz_dnn_mem_bytes(&v->m));
    v->held = true;
    return gz_dnn_mem_rebind(&v->m, p);
}

gz_status gz_nn__val_out(gz_nn_layer *l, gz_nn_val *v, const dnnl_memory_desc_t *md)
{
    return l->no_grad ? gz_nn__val_lent(v, md) : gz_nn__val_alloc(v, md);
}

void gz_nn_val_release(const gz_nn_val *cv)
{
    gz_nn_val *v = (gz_nn_val *)cv;
    if (!v || !v->lent || !v->held)
        return;
    gz_dnn_unlend(v->m.data);
    v->held = false;
}

bool gz_nn_val_readable(const gz_nn_val *v)
{
    return !v->lent || v->held;
}

void gz_nn__val_release(gz_nn_val *v)
{
    gz_nn_val_release(v);
    gz_dnn_mem_free(&v->m);
}

/* Bumped whenever a weight copy is reordered into the process-wide pool. */
static uint64_t g_wpool_stamp;

gz_status gz_nn__weights(gz_nn_layer *l, const dnnl_memory_desc_t *md, bool transient,
                         const gz_dnn_mem **out)
{
    if (gz_dnn_md_equal(md, &l->pw.md)) {
        *out = &l->pw;
        return GZ_OK;
    }
    gz_nn_wcopy *hit = NULL, *victim = NULL;
    for (int i = 0; i < GZ_NN_WCOPIES && !hit; i++) {
        gz_nn_wcopy *w = &l->wcopy[i];
        /* a transient request may use a kept copy of the same layout
         * (linear layers: backward data wants the forward's layout) */
        if (w->m.mem && gz_dnn_md_equal(&w->m.md, md) && (!w->m.pool || transient))
            hit = w;
        else if (!victim || (victim->m.mem && (!w->m.mem || w->used < victim->used)))
            victim = w;
    }
    gz_status st;
    if (!hit) {
        hit = victim;
        gz_dnn_mem_free(&hit->m);
        gz_dnn_prim_free(&hit->r);
        hit->version = hit->stamp = 0;
        st = transient ? gz_dnn_mem_pooled(&hit->m, md, GZ_DNN_POOL_W) : gz_dnn_mem_alloc(&hit->m, md);
        if (st)
            return st;
    }
    hit->used = ++l->wclock;
    uint64_t ver = gz_tensor_version(l->param[P_WEIGHT]);
    bool pooled = hit->m.pool != 0;
    if (pooled && (st = gz_dnn_mem_sync(&hit->m)))
        return st;
    if (hit->version != ver || (pooled && hit->stamp != g_wpool_stamp)) {
        if ((st = gz_dnn_reorder(&hit->r, &l->pw, &hit->m, false)))
            return st;
        hit->version = ver;
        if (pooled)
            hit->stamp = ++g_wpool_stamp;
    }
    *out = &hit->m;
    return GZ_OK;
}

gz_status gz_nn__as_layout(const gz_dnn_mem *in, const dnnl_memory_desc_t *want, gz_dnn_prim *r,
                           gz_dnn_mem *buf, int pool, const gz_dnn_mem **use)
{
    if (gz_dnn_md_equal(&in->md, want)) {
        *use = in;
        return GZ_OK;
    }
    gz_status st;
    if (!buf->mem || !gz_dnn_md_equal(&buf->md, want)) {
        gz_dnn_mem_free(buf);
        gz_dnn_prim_free(r);
        if ((st = pool >= 0 ? gz_dnn_mem_pooled(buf, want, pool) : gz_dnn_mem_alloc(buf, want)))
            return st;
    } else if ((st = gz_dnn_mem_sync(buf))) {
        return st;
    }
    if (r->p) {
        const dnnl_memory_desc_t *src = gz_dnn_prim_md(r, dnnl_query_src_md, 0);
        if (!src || !gz_dnn_md_equal(src, &in->md))
            gz_dnn_prim_free(r);
    }
    if ((st = gz_dnn_reorder(r, in, buf, false)))
        return st;
    *use = buf;
    return GZ_OK;
}

static void shape_str(char *buf, size_t n, const gz_nn_val *v)
{
    int k = snprintf(buf, n, "(");
    for (int d = 0; d < v->ndims && k > 0 && (size_t)k < n; d++)
        k += snprintf(buf + k, n - (size_t)k, d ? ", %lld" : "%lld", (long long)v->dims[d]);
    if (k > 0 && (size_t)k < n)
        snprintf(buf + k, n - (size_t)k, ")");
}

static gz_status check_input(const gz_nn_layer *l, const gz_nn_val *x, const gz_nn_val *x2)
{
    const gz_nn_conf *c = &l->c;
    char s[96];
    shape_str(s, sizeof s, x);
    const char *k = gz_nn_kind_name(c->kind);
    switch (c->kind) {
    case GZ_NN_CONV2D:
        if (x->ndims != 4 || x->dims[1] != c->in)
            return gz_error_set(GZ_ERR_ARG, "nn.conv2d: input %s is not (N, %lld, H, W)", s,
                                (long long)c->in);
        if (x->dims[2] + 2 * c->pad < c->kernel || x->dims[3] + 2 * c->pad < c->kernel)
            return gz_error_set(GZ_ERR_ARG, "nn.conv2d: input %s smaller than kernel %d", s,
                                c->kernel);
        break;
    case GZ_NN_MAXPOOL:
        if (x->ndims != 4 || x->dims[2] + 2 * c->pad < c->kernel ||
            x->dims[3] + 2 * c->pad < c->kernel)
            return gz_error_set(GZ_ERR_ARG, "nn.maxpool: input %s is not (N, C, H, W) with H, W >= kernel %d", s, c->kernel);
        break;
    case GZ_NN_AVGPOOL:
    case GZ_NN_FLATTEN:
        if (x->ndims != 4)
            return gz_error_set(GZ_ERR_ARG, "nn.%s: input %s is not (N, C, H, W)", k, s);
        break;
    case GZ_NN_LINEAR:
        if (x->ndims != 2 || x->dims[1] != c->in)
            return gz_error_set(GZ_ERR_ARG, "nn.linear: input %s is not (N, %lld)", s,
                                (long long)c->in);
        break;
    case GZ_NN_BATCHNORM:
        if ((x->ndims != 2 && x->ndims != 4) || x->dims[1] != c->in)
            return gz_error_set(GZ_ERR_ARG, "nn.batchnorm: input %s is not (N, %lld[, H, W])", s,
                                (long long)c->in);
        break;
    case GZ_NN_ADD: {
        if (!x2)
            return gz_error_set(GZ_ERR_ARG, "nn.add: needs two inputs");
        bool same = x2->ndims == x->ndims;
        for (int d = 0; same && d < x->ndims; d++)
            same = x->dims[d] == x2->dims[d];
        if (!same) {
            char s2[96];
            shape_str(s2, sizeof s2, x2);
            return gz_error_set(GZ_ERR_ARG, "nn.add: input shapes %s and %s differ", s, s2);
        }
        break;
    }
    default: break;
    }
    if (x->ndims != 2 && x->ndims != 4)
        return gz_error_set(GZ_ERR_ARG, "nn.%s: input %s must be 2-D or 4-D", k, s);
    for (int d = 0; d < x->ndims; d++)
        if (x->dims[d] < 1)
            return gz_error_set(GZ_ERR_ARG, "nn.%s: empty input %s", k, s);
    return GZ_OK;
}

gz_status gz_nn_forward(gz_nn_layer *l, int slot, const gz_nn_val *x, const gz_nn_val *x2,
                        const gz_nn_val **y)
{
    *y = NULL;
    if (slot < 0 || slot >= GZ_NN_SLOTS)
        return gz_error_set(GZ_ERR_ARG, "nn: slot %d not in 0..%d", slot, GZ_NN_SLOTS - 1);
    if (!gz_nn_val_readable(x) || (x2 && !gz_nn_val_readable(x2)))
        return gz_error_set(GZ_ERR_ARG, "nn.%s: input value has been released",
                            gz_nn_kind_name(l->c.kind));
    gz_status st = check_input(l, x, x2);
    if (st)
        return st;
    int key_slot = l->no_grad ? 0 : slot; /* no backward: the slots share everything */
    gz_nn_entry *e = l->entries;
    for (; e; e = e->next) {
        if (e->slot == key_slot && e->train == l->training && gz_dnn_md_equal(&e->key, &x->m.md) &&
            (!x2 || gz_dnn_md_equal(&e->key2, &x2->m.md)))
            break;
    }
    if (!e) {
        e = gz_calloc(1, sizeof *e);
        if (!e)
            return GZ_ERR_NOMEM;
        e->slot = key_slot;
        e->train = l->training;
        e->infer = !l->training || l->no_grad;
        e->key = x->m.md;
        if (x2)
            e->key2 = x2->m.md;
        e->next = l->entries;
        l->entries = e;
    }
    l->last[slot] = NULL;
    e->x = x;
    e->x2 = x2;
    if ((st = gz_nn__val_acquire(&e->y))) /* lent outputs: a fresh buffer (set up: below) */
        return st;
    switch (l->c.kind) {
    case GZ_NN_CONV2D:
    case GZ_NN_LINEAR: st = gz_nn__conv_forward(l, e, x); break;
    case GZ_NN_BATCHNORM: st = gz_nn__bn_forward(l, e, x); break;
    default: st = gz_nn__simple_forward(l, e, x, x2); break;
    }
    if (st)
        return st;
    l->last[slot] = e;
    *y = &e->y;
    return GZ_OK;
}

gz_status gz_nn_backward(gz_nn_layer *l, int slot, const gz_nn_val *dy, bool want_dx,
                         const gz_nn_val **dx, const gz_nn_val **dx2)
{
    *dx = NULL;
    if (dx2)
        *dx2 = NULL;
    if (slot < 0 || slot >= GZ_NN_SLOTS)
        return gz_error_set(GZ_ERR_ARG, "nn: slot %d not in 0..%d", slot, GZ_NN_SLOTS - 1);
    gz_nn_entry *e = l->last[slot];
    const char *k = gz_nn_kind_name(l->c.kind);
    if (l->no_grad)
        return gz_error_set(GZ_ERR_ARG, "nn.%s: backward of a layer without gradients (no_grad)", k);
    if (!e)
        return gz_error_set(GZ_ERR_ARG, "nn.%s: backward of slot %d without a forward", k, slot);
    bool same = dy->ndims == e->y.ndims;
    for (int d = 0; same && d < dy->ndims; d++)
        same = dy->dims[d] == e->y.dims[d];
    if (!same) {
        char s1[96], s2[96];
        shape_str(s1, sizeof s1, dy);
        shape_str(s2, sizeof s2, &e->y);
        return gz_error_set(GZ_ERR_ARG, "nn.%s: gradient %s does not match output %s", k, s1, s2);
    }
    if (!gz_nn_val_readable(dy))
        return gz_error_set(GZ_ERR_ARG, "nn.%s: gradient value has been released", k);
    /* a lent dx: the previous one is given back, a fresh one taken */
    gz_status st = want_dx ? gz_nn__val_acquire(&e->dx) : GZ_OK;
    if (!want_dx)
        gz_nn_val_release(&e->dx);
    if (st)
        return st;
    switch (l->c.kind) {
    case GZ_NN_CONV2D:
    case GZ_NN_LINEAR:
        st = gz_nn__conv_backward(l, e, dy, want_dx);
        if (!st && want_dx)
            *dx = &e->dx;
        break;
    case GZ_NN_BATCHNORM:
        st = gz_nn__bn_backward(l, e, dy, want_dx);
        if (!st && want_dx)
            *dx = &e->dx;
        break;
    default: {
        const gz_nn_val *a = NULL, *b = NULL;
        st = gz_nn__simple_backward(l, e, dy, want_dx, &a, &b);
        if (!st && want_dx) {
            *dx = a;
            if (dx2)
                *dx2 = b;
        }
        break;
    }
    }
    return st;
}

gz_status gz_nn_val_from_tensor(gz_nn_val **out, const gz_tensor *t)
{
    *out = NULL;
    if (t->dtype != GZ_F32 || (t->ndim != 2 && t->ndim != 4) || !gz_tensor_is_contiguous(t))
        return gz_error_set(GZ_ERR_ARG,
                            "nn: input must be a contiguous float32 tensor of rank 2 or 4 "
                            "(got rank %d %s)",
                            t->ndim, gz_dtype_name(t->dtype));
    for (int d = 0; d < t->ndim; d++)
        if (t->shape[d] < 1)
            return gz_error_set(GZ_ERR_ARG, "nn: input tensor has an empty dimension");
    gz_nn_val *v = gz_calloc(1, sizeof *v);
    if (!v)
        return GZ_ERR_NOMEM;
    dnnl_memory_desc_t md;
    gz_dnn_md_plain(&md, t->ndim, t->shape);
    gz_tensor *view = NULL;
    gz_status st = gz_tensor_view(&view, t);
    if (!st)
        st = gz_dnn_mem_wrap(&v->m, &md, t->data);
    if (st) {
        gz_tensor_free(view);
        free(v);
        return st;
    }
    v->m.owner = view;
    v->ndims = t->ndim;
    for (int d = 0; d < t->ndim; d++)
        v->dims[d] = t->shape[d];
    *out = v;
    return GZ_OK;
}

void gz_nn_val_free(gz_nn_val *v)
{
    if (!v || v->layer_owned)
        return;
    gz_dnn_mem_free(&v->m);
    free(v);
}

int gz_nn_val_shape(const gz_nn_val *v, int64_t *dims)
{
    for (int d = 0; d < v->ndims; d++)
        dims[d] = v->dims[d];
    return v->ndims;
}

bool gz_nn_val_is_plain(const gz_nn_val *v)
{
    return gz_dnn_md_is_plain(&v->m.md);
}

const char *gz_nn_val_layout(const gz_nn_val *v)
{
    static _Thread_local char buf[64];
    if (gz_nn_val_is_plain(v))
        return "plain";
    const dnnl_memory_desc_t *md = &v->m.md;
    dnnl_memory_desc_t cl;
    if (v->ndims == 4) {
        gz_dnn_md_tag(&cl, 4, v->dims, dnnl_acdb);
        if (gz_dnn_md_equal(&cl, md))
            return "channels_last";
    }
    if (md->format_kind != dnnl_blocked)
        return "opaque";
    int k = snprintf(buf, sizeof buf, "blocked");
    const dnnl_blocking_desc_t *b = &md->format_desc.blocking;
    for (int i = 0; i < b->inner_nblks && k > 0 && (size_t)k < sizeof buf; i++)
        k += snprintf(buf + k, sizeof buf - (size_t)k, ":%lld%c", (long long)b->inner_blks[i],
                      (char)('a' + b->inner_idxs[i]));
    return buf;
}

static gz_status copy_between(const gz_nn_val *v, gz_tensor *t, bool to_tensor)
{
    if (gz_nn_val_is_plain(v)) { /* same bytes: no primitive needed */
        size_t bytes = (size_t)gz_tensor_numel(t) * sizeof(float);
        if (to_tensor)
            memcpy(t->data, v->m.data, bytes);
        else
            memcpy(v->m.data, t->data, bytes);
        return GZ_OK;
    }
    dnnl_memory_desc_t md;
    gz_dnn_md_plain(&md, v->ndims, v->dims);
    gz_dnn_mem tm = {0};
    gz_dnn_prim r = {0};
    gz_status st = gz_dnn_mem_wrap(&tm, &md, t->data);
    if (!st) {
        if (to_tensor)
            st = gz_dnn_reorder(&r, &v->m, &tm, false);
        else
            st = gz_dnn_reorder(&r, &tm, (gz_dnn_mem *)&v->m, false);
    }
    gz_dnn_prim_free(&r);
    gz_dnn_mem_free(&tm);
    return st;
}

gz_status gz_nn_val_to_tensor(const gz_nn_val *v, gz_tensor **out)
{
    *out = NULL;
    if (!gz_nn_val_readable(v))
        return gz_error_set(GZ_ERR_ARG, "nn: value has been released");
    gz_status st = gz_tensor_new(out, GZ_F32, v->ndims, v->dims);
    if (st)
        return st;
    if ((st = copy_between(v, *out, true))) {
        gz_tensor_free(*out);
        *out = NULL;
    }
    return st;
}

gz_status gz_nn_val_load(gz_nn_val *v, const gz_tensor *t)
{
    bool same = t->dtype == GZ_F32 && t->ndim == v->ndims && gz_tensor_is_contiguous(t);
    for (int d = 0; same && d < t->ndim; d++)
        same = t->shape[d] == v->dims[d];
    if (!same)
        return gz_error_set(GZ_ERR_ARG, "nn: tensor does not match the value's shape");
    return copy_between(v, (gz_tensor *)t, false);
}

long gz_nn_prims_created(void)
{
    return gz_dnn_prims_created();
}

long gz_nn_ref_prims(void)
{
    return gz_dnn_ref_prims();
}

size_t gz_nn_engine_bytes(void)
{
    return gz_dnn_bytes();
}

void gz_nn_set_threads(int n)
{
    gz_dnn_set_threads(n);
}
