/* Parameter-free layers: ReLU, max pooling, global average pooling,
 * flatten (the blocked -> plain edge) and residual addition (optionally
 * with a fused ReLU). */
#include "nn_internal.h"

static gz_status relu_fwd_desc(gz_dnn_prim *p, const dnnl_memory_desc_t *md, bool train)
{
    dnnl_eltwise_desc_t d;
    gz_status st = gz_dnn_check(
        dnnl_eltwise_forward_desc_init(&d, train ? dnnl_forward_training : dnnl_forward_inference,
                                       dnnl_eltwise_relu_use_dst_for_bwd, md, 0.f, 0.f),
        "relu forward desc");
    return st ? st : gz_dnn_prim_create(p, &d, NULL, NULL, "relu forward");
}

static gz_status relu_bwd_setup(gz_nn_entry *e, const gz_dnn_prim *hint)
{
    dnnl_eltwise_desc_t d;
    gz_status st = gz_dnn_check(dnnl_eltwise_backward_desc_init(&d, dnnl_eltwise_relu_use_dst_for_bwd,
                                                                &e->y.m.md, &e->y.m.md, 0.f, 0.f),
                                "relu backward desc");
    if (!st)
        st = gz_dnn_prim_create(&e->bwd, &d, NULL, hint->pd, "relu backward");
    if (!st)
        st = gz_nn__val_lent(&e->dx, gz_dnn_prim_md(&e->bwd, dnnl_query_diff_src_md, 0));
    return st;
}

static gz_status relu_bwd_exec(gz_nn_entry *e, const gz_nn_val *dy)
{
    const gz_dnn_mem *dyu;
    gz_status st = gz_nn__as_layout(&dy->m, gz_dnn_prim_md(&e->bwd, dnnl_query_diff_dst_md, 0),
                                    &e->r_dyd, &e->dyd, GZ_DNN_POOL_DYD, &dyu);
    if (st)
        return st;
    dnnl_exec_arg_t a[3] = {
        {DNNL_ARG_DST, e->y.m.mem}, {DNNL_ARG_DIFF_DST, dyu->mem}, {DNNL_ARG_DIFF_SRC, e->dx.m.mem}};
    return gz_dnn_exec(&e->bwd, 3, a);
}

static gz_status pool_setup(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x)
{
    const gz_nn_conf *c = &l->c;
    bool maxp = c->kind == GZ_NN_MAXPOOL;
    int64_t k[2], s[2], p[2], yd[4] = {x->dims[0], x->dims[1], 1, 1};
    if (maxp) {
        k[0] = k[1] = c->kernel;
        s[0] = s[1] = c->stride;
        p[0] = p[1] = c->pad;
        yd[2] = (x->dims[2] + 2 * c->pad - c->kernel) / c->stride + 1;
        yd[3] = (x->dims[3] + 2 * c->pad - c->kernel) / c->stride + 1;
    } else {
        k[0] = x->dims[2];
        k[1] = x->dims[3];
        s[0] = s[1] = 1;
        p[0] = p[1] = 0;
    }
    dnnl_dims_t strides = {s[0], s[1]}, kernel = {k[0], k[1]}, dil = {0, 0}, pad = {p[0], p[1]};
    dnnl_memory_desc_t ymd;
    gz_dnn_md_any(&ymd, 4, yd);
    dnnl_alg_kind_t alg = maxp ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding;
    dnnl_pooling_v2_desc_t d;
    gz_status st = gz_dnn_check(
        dnnl_pooling_v2_forward_desc_init(&d, e->infer ? dnnl_forward_inference : dnnl_forward_training,
                                          alg, &x->m.md, &ymd, strides, kernel, dil, pad, pad),
        "pooling forward desc");
    if (!st)
        st = gz_dnn_prim_create(&e->fwd, &d, NULL, NULL, "pooling forward");
    if (!st)
        st = gz_nn__val_out(l, &e->y, gz_dnn_prim_md(&e->fwd, dnnl_query_dst_md, 0));
    const dnnl_memory_desc_t *wsmd = gz_dnn_prim_md(&e->fwd, dnnl_query_workspace_md, 0);
    if (!st && wsmd && dnnl_memory_desc_get_size(wsmd) > 0)
        st = gz_dnn_mem_alloc(&e->ws, wsmd);
    if (st)
        return st;
    /* the backward primitive is made now too: it needs the same parameters */
    dnnl_pooling_v2_desc_t b;
    st = gz_dnn_check(dnnl_pooling_v2_backward_desc_init(&b, alg, &x->m.md, &e->y.m.md, strides,
                                                         kernel, dil, pad, pad),
                      "pooling backward desc");
    if (!st && !e->infer)
        st = gz_dnn_prim_create(&e->bwd, &b, NULL, e->fwd.pd, "pooling backward");
    return st;
}

static gz_status add_setup(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x, const gz_nn_val *x2)
{
    dnnl_binary_desc_t d;
    gz_status st = gz_dnn_check(dnnl_binary_desc_init(&d, dnnl_binary_add, &x->m.md, &x2->m.md,
                                                      &x->m.md),
                                "add desc");
    if (st)
        return st;
    dnnl_post_ops_t po = NULL;
    if (l->c.relu) {
        dnnl_post_ops_create(&po);
        dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, 0.f, 0.f);
    }
    st = gz_dnn_prim_create(&e->fwd, &d, po, NULL, "add");
    if (po)
        dnnl_post_ops_destroy(po);
    if (st)
        return st;
    if (l->c.inplace && !l->no_grad) { /* the output is the first input's buffer */
        if ((st = gz_dnn_mem_wrap(&e->y.m, &x->m.md, x->m.data)))
            return st;
        e->y.ndims = x->ndims;
        for (int i = 0; i < x->ndims; i++)
            e->y.dims[i] = x->dims[i];
        e->y.layer_owned = true;
        return GZ_OK;
    }
    return gz_nn__val_out(l, &e->y, gz_dnn_prim_md(&e->fwd, dnnl_query_dst_md, 0));
}

static gz_status flatten_setup(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x)
{
    int64_t d2[2] = {x->dims[0], x->dims[1] * x->dims[2] * x->dims[3]};
    dnnl_memory_desc_t md2, md4;
    gz_dnn_md_plain(&md2, 2, d2);
    gz_dnn_md_plain(&md4, 4, x->dims);
    gz_status st = gz_nn__val_out(l, &e->y, &md2);
    if (!st)
        st = gz_dnn_mem_wrap(&e->alias, &md4, e->y.m.data);
    e->fwd.p = NULL;
    return st;
}

gz_status gz_nn__simple_forward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x,
                                const gz_nn_val *x2)
{
    gz_status st = GZ_OK;
    bool ready = e->y.m.mem != NULL;
    e->src = &x->m;
    switch (l->c.kind) {
    case GZ_NN_RELU: {
        if (!ready) {
            if ((st = relu_fwd_desc(&e->fwd, &x->m.md, !e->infer)))
                return st;
            if ((st = gz_nn__val_out(l, &e->y, gz_dnn_prim_md(&e->fwd, dnnl_query_dst_md, 0))))
                return st;
        }
        dnnl_exec_arg_t a[2] = {{DNNL_ARG_SRC, x->m.mem}, {DNNL_ARG_DST, e->y.m.mem}};
        return gz_dnn_exec(&e->fwd, 2, a);
    }
    case GZ_NN_MAXPOOL:
    case GZ_NN_AVGPOOL: {
        if (!ready && (st = pool_setup(l, e, x)))
            return st;
        dnnl_exec_arg_t a[3] = {{DNNL_ARG_SRC, x->m.mem},
                                {DNNL_ARG_DST, e->y.m.mem},
                                {DNNL_ARG_WORKSPACE, e->ws.mem}};
        return gz_dnn_exec(&e->fwd, e->ws.mem ? 3 : 2, a);
    }
    case GZ_NN_FLATTEN:
        if (!ready && (st = flatten_setup(l, e, x)))
            return st;
        if (e->alias.data != e->y.m.data && (st = gz_dnn_mem_rebind(&e->alias, e->y.m.data)))
            return st; /* a lent output moves */
        return gz_dnn_reorder(&e->r_x, &x->m, &e->alias, false);
    case GZ_NN_ADD: {
        if (!ready && (st = add_setup(l, e, x, x2)))
            return st;
        if (l->c.inplace && !l->no_grad && e->y.m.data != x->m.data &&
            (st = gz_dnn_mem_rebind(&e->y.m, x->m.data)))
            return st;
        dnnl_exec_arg_t a[3] = {
            {DNNL_ARG_SRC_0, x->m.mem}, {DNNL_ARG_SRC_1, x2->m.mem}, {DNNL_ARG_DST, e->y.m.mem}};
        return gz_dnn_exec(&e->fwd, 3, a);
    }
    default:
        return gz_error_set(GZ_ERR_INTERNAL, "nn: kind %d is not a simple layer", (int)l->c.kind);
    }
}

gz_status gz_nn__simple_backward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *dy, bool want_dx,
                                 const gz_nn_val **dx, const gz_nn_val **dx2)
{
    gz_status st = GZ_OK;
    if (!want_dx)
        return GZ_OK; /* no parameters */
    switch (l->c.kind) {
    case GZ_NN_RELU:
        if (!e->bwd_ready) {
            if ((st = relu_bwd_setup(e, &e->fwd)))
                return st;
            e->bwd_ready = true;
        }
        if ((st = relu_bwd_exec(e, dy)))
            return st;
        *dx = &e->dx;
        return GZ_OK;
    case GZ_NN_MAXPOOL:
    case GZ_NN_AVGPOOL: {
        if (!gz_dnn_prim_ok(&e->bwd))
            return gz_error_set(GZ_ERR_ARG, "nn.%s: backward needs a training-mode forward",
                                gz_nn_kind_name(l->c.kind));
        if (!e->bwd_ready) {
            if ((st = gz_nn__val_lent(&e->dx, gz_dnn_prim_md(&e->bwd, dnnl_query_diff_src_md, 0))))
                return st;
            e->bwd_ready = true;
        }
        const gz_dnn_mem *dyu;
        st = gz_nn__as_layout(&dy->m, gz_dnn_prim_md(&e->bwd, dnnl_query_diff_dst_md, 0),
                              &e->r_dyd, &e->dyd, GZ_DNN_POOL_DYD, &dyu);
        if (st)
            return st;
        dnnl_exec_arg_t a[3] = {{DNNL_ARG_DIFF_DST, dyu->mem},
                                {DNNL_ARG_DIFF_SRC, e->dx.m.mem},
                                {DNNL_ARG_WORKSPACE, e->ws.mem}};
        if ((st = gz_dnn_exec(&e->bwd, e->ws.mem ? 3 : 2, a)))
            return st;
        *dx = &e->dx;
        return GZ_OK;
    }
    case GZ_NN_FLATTEN: {
        if (!e->bwd_ready) {
            if ((st = gz_nn__val_lent(&e->dx, &e->key)))
                return st;
            if ((st = gz_dnn_mem_wrap(&e->dyw, &e->alias.md, dy->m.data)))
                return st;
            e->bwd_ready = true;
        }
        const gz_dnn_mem *dyu;
        if ((st = gz_nn__as_layout(&dy->m, &e->y.m.md, &e->r_dyd, &e->dyd, GZ_DNN_POOL_DYD, &dyu)))
            return st;
        if ((st = gz_dnn_mem_rebind(&e->dyw, dyu->data)))
            return st;
        if ((st = gz_dnn_reorder(&e->r_dyw, &e->dyw, &e->dx.m, false)))
            return st;
        *dx = &e->dx;
        return GZ_OK;
    }
    case GZ_NN_ADD: {
        const gz_nn_val *g = dy;
        if (l->c.relu) {
            if (!e->bwd_ready) {
                if ((st = relu_fwd_desc(&e->aux, &e->y.m.md, true)) || (st = relu_bwd_setup(e, &e->aux)))
                    return st;
                e->bwd_ready = true;
            }
            if ((st = relu_bwd_exec(e, dy)))
                return st;
            g = &e->dx;
        }
        *dx = g;
        *dx2 = g;
        return GZ_OK;
    }
    default:
        return gz_error_set(GZ_ERR_INTERNAL, "nn: kind %d is not a simple layer", (int)l->c.kind);
    }
}
