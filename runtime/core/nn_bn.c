/* Batch normalisation (2-D and 1-D), optionally with a fused ReLU:
 * training mode normalises with the batch statistics and updates the
 * running ones PyTorch's way (momentum, unbiased variance, a batch
 * counter); evaluation mode uses the running statistics. Works directly on
 * the input's layout (blocked stays blocked). */
#include "nn_internal.h"

static unsigned bn_flags(const gz_nn_layer *l, const gz_nn_entry *e)
{
    unsigned f = 0;
    if (!e->train)
        f |= dnnl_use_global_stats;
    if (l->c.affine)
        f |= dnnl_use_scale | dnnl_use_shift;
    if (l->c.relu)
        f |= dnnl_fuse_norm_relu;
    return f;
}

static gz_status setup_forward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x)
{
    dnnl_batch_normalization_desc_t d;
    dnnl_prop_kind_t prop = e->train ? dnnl_forward_training : dnnl_forward_inference;
    gz_status st = gz_dnn_check(dnnl_batch_normalization_forward_desc_init(
                                    &d, prop, &x->m.md, (float)l->c.eps, bn_flags(l, e)),
                                "batchnorm forward desc");
    if (!st)
        st = gz_dnn_prim_create(&e->fwd, &d, NULL, NULL, "batchnorm forward");
    if (st)
        return st;
    if ((st = gz_nn__val_out(l, &e->y, gz_dnn_prim_md(&e->fwd, dnnl_query_dst_md, 0))))
        return st;
    dnnl_memory_desc_t cmd;
    int64_t cd[1] = {l->c.in};
    gz_dnn_md_plain(&cmd, 1, cd);
    if ((st = gz_dnn_mem_alloc(&e->mean, &cmd)) || (st = gz_dnn_mem_alloc(&e->var, &cmd)))
        return st;
    if ((st = gz_dnn_mem_wrap(&e->rmean, &cmd, l->param[P_RMEAN]->data)) ||
        (st = gz_dnn_mem_wrap(&e->rvar, &cmd, l->param[P_RVAR]->data)))
        return st;
    if (l->c.affine) {
        if ((st = gz_dnn_mem_wrap(&e->scale, &cmd, l->param[P_WEIGHT]->data)) ||
            (st = gz_dnn_mem_wrap(&e->shift, &cmd, l->param[P_BIAS]->data)))
            return st;
    }
    const dnnl_memory_desc_t *wsmd = gz_dnn_prim_md(&e->fwd, dnnl_query_workspace_md, 0);
    if (wsmd && dnnl_memory_desc_get_size(wsmd) > 0 && (st = gz_dnn_mem_alloc(&e->ws, wsmd)))
        return st;
    return GZ_OK;
}

gz_status gz_nn__bn_forward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x)
{
    gz_status st;
    if (!gz_dnn_prim_ok(&e->fwd) && (st = setup_forward(l, e, x)))
        return st;
    dnnl_exec_arg_t a[7];
    int n = 0;
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, x->m.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DST, e->y.m.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_MEAN, e->train ? e->mean.mem : e->rmean.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_VARIANCE, e->train ? e->var.mem : e->rvar.mem};
    if (l->c.affine) {
        a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCALE, e->scale.mem};
        a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SHIFT, e->shift.mem};
    }
    if (e->ws.mem)
        a[n++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, e->ws.mem};
    e->src = &x->m;
    if ((st = gz_dnn_exec(&e->fwd, n, a)))
        return st;
    if (!e->train)
        return GZ_OK;
    /* running statistics, PyTorch's convention: unbiased variance */
    int64_t count = x->dims[0];
    for (int d = 2; d < x->ndims; d++)
        count *= x->dims[d];
    double m = l->c.momentum, unbias = count > 1 ? (double)count / (double)(count - 1) : 1.0;
    float *rm = l->param[P_RMEAN]->data, *rv = l->param[P_RVAR]->data;
    const float *bm = e->mean.data, *bv = e->var.data;
    for (int64_t c = 0; c < l->c.in; c++) {
        rm[c] = (float)((1.0 - m) * rm[c] + m * bm[c]);
        rv[c] = (float)((1.0 - m) * rv[c] + m * bv[c] * unbias);
    }
    ((int64_t *)l->param[P_NBT]->data)[0] += 1;
    gz_tensor_touch(l->param[P_RMEAN]);
    gz_tensor_touch(l->param[P_RVAR]);
    gz_tensor_touch(l->param[P_NBT]);
    return GZ_OK;
}

static gz_status setup_backward(gz_nn_layer *l, gz_nn_entry *e)
{
    dnnl_batch_normalization_desc_t d;
    dnnl_prop_kind_t prop = l->c.affine ? dnnl_backward : dnnl_backward_data;
    gz_status st = gz_dnn_check(dnnl_batch_normalization_backward_desc_init(
                                    &d, prop, &e->y.m.md, &e->src->md, (float)l->c.eps,
                                    bn_flags(l, e)),
                                "batchnorm backward desc");
    if (!st)
        st = gz_dnn_prim_create(&e->bwd, &d, NULL, e->fwd.pd, "batchnorm backward");
    if (st)
        return st;
    if ((st = gz_nn__val_lent(&e->dx, gz_dnn_prim_md(&e->bwd, dnnl_query_diff_src_md, 0))))
        return st;
    if (l->c.affine) {
        if ((st = gz_dnn_mem_alloc(&e->dscale, &e->mean.md)) ||
            (st = gz_dnn_mem_alloc(&e->dshift, &e->mean.md)))
            return st;
    }
    e->bwd_ready = true;
    return GZ_OK;
}

gz_status gz_nn__bn_backward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *dy, bool want_dx)
{
    (void)want_dx; /* the statistics' gradient needs the full pass anyway */
    gz_status st;
    if (!e->bwd_ready && (st = setup_backward(l, e)))
        return st;
    const gz_dnn_mem *dyu;
    st = gz_nn__as_layout(&dy->m, gz_dnn_prim_md(&e->bwd, dnnl_query_diff_dst_md, 0), &e->r_dyd,
                          &e->dyd, GZ_DNN_POOL_DYD, &dyu);
    if (st)
        return st;
    dnnl_exec_arg_t a[10];
    int n = 0;
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, e->src->mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_MEAN, e->train ? e->mean.mem : e->rmean.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_VARIANCE, e->train ? e->var.mem : e->rvar.mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, dyu->mem};
    a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SRC, e->dx.m.mem};
    if (l->c.affine) {
        a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SCALE, e->scale.mem};
        a[n++] = (dnnl_exec_arg_t){DNNL_ARG_SHIFT, e->shift.mem};
        a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SCALE, e->dscale.mem};
        a[n++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_SHIFT, e->dshift.mem};
    }
    if (e->ws.mem)
        a[n++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, e->ws.mem};
    if ((st = gz_dnn_exec(&e->bwd, n, a)))
        return st;
    if (l->c.affine) {
        float *gw = l->grad[P_WEIGHT]->data, *gb = l->grad[P_BIAS]->data;
        const float *ds = e->dscale.data, *dh = e->dshift.data;
        for (int64_t c = 0; c < l->c.in; c++) {
            gw[c] += ds[c];
            gb[c] += dh[c];
        }
        gz_tensor_touch(l->grad[P_WEIGHT]);
        gz_tensor_touch(l->grad[P_BIAS]);
    }
    return GZ_OK;
}
