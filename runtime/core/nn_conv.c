/* Convolution and linear (inner product) layers: forward, backward data,
 * backward weights. Weights live as plain PyTorch tensors; the primitives
 * pick blocked layouts (format_tag_any) and the weights are reordered into
 * them when the tensor changed (gz_nn__weights: once per optimizer step,
 * shared by the slots), their gradient accumulated back with one
 * accumulating reorder per backward from a process-wide scratch. */
#include "nn_internal.h"

#include <string.h>

/* Winograd's transforms of large inputs need a big scratchpad (120 MB for
 * 64 channels at 32x32, batch 32): beyond this, direct instead. */
#define WINO_SCRATCH ((size_t)48 << 20)

static gz_status setup_forward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x)
{
    const gz_nn_conf *c = &l->c;
    bool lin = c->kind == GZ_NN_LINEAR;
    /* forward_training even without gradients: the same kernels as the
     * online network, so a no-grad copy gives bit-identical outputs */
    dnnl_prop_kind_t prop = e->train ? dnnl_forward_training : dnnl_forward_inference;
    dnnl_memory_desc_t src, w, b, y, wplain;
    int64_t bdims[1] = {c->out};
    gz_dnn_md_plain(&b, 1, bdims);
    gz_status st;
    if (!lin) {
        int64_t oh = (x->dims[2] + 2 * c->pad - c->kernel) / c->stride + 1;
        int64_t ow = (x->dims[3] + 2 * c->pad - c->kernel) / c->stride + 1;
        int64_t wd[4] = {c->out, c->in, c->kernel, c->kernel};
        int64_t yd[4] = {x->dims[0], c->out, oh, ow};
        /* Channel counts that are not a multiple of 16 (narrow encoders,
         * width 8): oneDNN's own choice would be a plain NCHW input, whose
         * backward passes only have reference kernels (10x slower), or a
         * padded nChw16c, whose forward has none; channels-last (NHWC) in
         * and out has fast kernels in all three directions. Once a
         * network is channels-last it stays so (mixed layouts would put
         * reorders, and reference kernels for the residual additions,
         * between layers). Image inputs (1-3 channels) feeding 16k
         * channels keep the first-layer kernels (plain in, blocked out). */
        dnnl_memory_desc_t nhwc;
        gz_dnn_md_tag(&nhwc, 4, x->dims, dnnl_acdb);
        bool cl = (c->in > 3 && c->in % 16) || c->out % 16 ||
                  (x->dims[1] > 1 && gz_dnn_md_equal(&x->m.md, &nhwc)); /* 1 channel: NHWC = NCHW */
        if (cl) {
            src = nhwc;
            gz_dnn_md_tag(&y, 4, yd, dnnl_acdb);
        } else {
            gz_dnn_md_any(&src, 4, x->dims);
            gz_dnn_md_any(&y, 4, yd);
        }
        gz_dnn_md_any(&w, 4, wd);
        gz_dnn_md_plain(&wplain, 4, wd);
        dnnl_dims_t strides = {c->stride, c->stride}, pad = {c->pad, c->pad};
        /* Winograd F(4x4, 3x3) for the wide 3x3 stride-1 convolutions of
         * training (3-4x faster than direct at 8x8-16x16 outputs, slower
         * below 4x4; slightly different rounding: evaluation keeps the
         * direct algorithm, whose results match PyTorch's more closely) */
        e->wino = e->train && c->kernel == 3 && c->stride == 1 && c->pad == 1 && !cl &&
                  c->in >= 64 && c->out >= 64 && oh >= 4 && ow >= 4;
        for (;;) {
            dnnl_convolution_desc_t d;
            st = gz_dnn_check(dnnl_convolution_forward_desc_init(
                                  &d, prop, e->wino ? dnnl_convolution_winograd : dnnl_convolution_direct,
                                  &src, &w, c->bias ? &b : NULL, &y, strides, pad, pad),
                              "conv2d forward desc");
            if (!st && e->wino)
                st = gz_dnn_prim_create_capped(&e->fwd, &d, NULL, NULL, "conv2d forward", WINO_SCRATCH);
            else if (!st)
                st = gz_dnn_prim_create(&e->fwd, &d, NULL, NULL, "conv2d forward");
            if (!st || !e->wino)
                break;
            e->wino = false; /* not available for this shape: direct */
        }
    } else {
        int64_t wd[2] = {c->out, c->in};
        int64_t yd[2] = {x->dims[0], c->out};
        gz_dnn_md_any(&src, 2, x->dims);
        gz_dnn_md_any(&w, 2, wd);
        gz_dnn_md_plain(&wplain, 2, wd);
        gz_dnn_md_plain(&y, 2, yd);
        dnnl_inner_product_desc_t d;
        st = gz_dnn_check(dnnl_inner_product_forward_desc_init(&d, prop, &src, &w,
                                                               c->bias ? &b : NULL, &y),
                          "linear forward desc");
        if (!st)
            st = gz_dnn_prim_create(&e->fwd, &d, NULL, NULL, "linear forward");
    }
    if (st)
        return st;
    if ((st = gz_nn__val_out(l, &e->y, gz_dnn_prim_md(&e->fwd, dnnl_query_dst_md, 0))))
        return st;
    if (!l->pw.mem && (st = gz_dnn_mem_wrap(&l->pw, &wplain, l->param[P_WEIGHT]->data)))
        return st;
    if (c->bias && !l->pb.mem && (st = gz_dnn_mem_wrap(&l->pb, &b, l->param[P_BIAS]->data)))
        return st;
    return GZ_OK;
}

gz_status gz_nn__conv_forward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *x)
{
    gz_status st;
    if (!gz_dnn_prim_ok(&e->fwd) && (st = setup_forward(l, e, x)))
        return st;
    const gz_dnn_mem *src, *wm;
    /* the reordered input is kept for backward weights, unless none follows */
    st = gz_nn__as_layout(&x->m, gz_dnn_prim_md(&e->fwd, dnnl_query_src_md, 0), &e->r_x, &e->xr,
                          e->infer ? GZ_DNN_POOL_DYD : -1, &src);
    if (st)
        return st;
    if ((st = gz_nn__weights(l, gz_dnn_prim_md(&e->fwd, dnnl_query_weights_md, 0), l->no_grad, &wm)))
        return st;
    dnnl_exec_arg_t args[4] = {
        {DNNL_ARG_SRC, src->mem},
        {DNNL_ARG_WEIGHTS, wm->mem},
        {DNNL_ARG_DST, e->y.m.mem},
        {DNNL_ARG_BIAS, l->pb.mem},
    };
    e->src = src;
    return gz_dnn_exec(&e->fwd, l->c.bias ? 4 : 3, args);
}

static gz_status create_bwd(gz_nn_layer *l, gz_nn_entry *e, bool weights, bool any_dst)
{
    const gz_nn_conf *c = &l->c;
    bool lin = c->kind == GZ_NN_LINEAR;
    dnnl_memory_desc_t w, b, dst, src;
    const dnnl_memory_desc_t *smd = gz_dnn_prim_md(&e->fwd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *ymd = gz_dnn_prim_md(&e->fwd, dnnl_query_dst_md, 0);
    const dnnl_memory_desc_t *wmd = gz_dnn_prim_md(&e->fwd, dnnl_query_weights_md, 0);
    gz_dnn_md_any(&w, wmd->ndims, wmd->dims);
    int64_t bd[1] = {c->out};
    gz_dnn_md_plain(&b, 1, bd);
    if (any_dst)
        gz_dnn_md_any(&dst, ymd->ndims, ymd->dims);
    else
        dst = *ymd;
    src = *smd;
    if (any_dst && !weights)
        gz_dnn_md_any(&src, smd->ndims, smd->dims);
    dnnl_dims_t strides = {c->stride, c->stride}, pad = {c->pad, c->pad};
    gz_status st;
    if (!lin) {
        /* the forward's algorithm, else direct */
        for (int k = e->wino ? 0 : 1; k < 2; k++) {
            dnnl_alg_kind_t alg = k ? dnnl_convolution_direct : dnnl_convolution_winograd;
            dnnl_convolution_desc_t d;
            if (weights)
                st = gz_dnn_check(dnnl_convolution_backward_weights_desc_init(
                                      &d, alg, &src, &w, c->bias ? &b : NULL, &dst, strides, pad, pad),
                                  "conv2d backward weights desc");
            else
                st = gz_dnn_check(dnnl_convolution_backward_data_desc_init(
                                      &d, alg, &src, &w, &dst, strides, pad, pad),
                                  "conv2d backward data desc");
            if (!st)
                st = gz_dnn_prim_create_capped(weights ? &e->bwdw : &e->bwd, &d, NULL, e->fwd.pd,
                                               "conv2d backward", k ? 0 : WINO_SCRATCH);
            if (!st)
                break;
        }
    } else {
        dnnl_inner_product_desc_t d;
        if (weights)
            st = gz_dnn_check(dnnl_inner_product_backward_weights_desc_init(
                                  &d, &src, &w, c->bias ? &b : NULL, &dst),
                              "linear backward weights desc");
        else
            st = gz_dnn_check(dnnl_inner_product_backward_data_desc_init(&d, &src, &w, &dst),
                              "linear backward data desc");
        if (!st)
            st = gz_dnn_prim_create(weights ? &e->bwdw : &e->bwd, &d, NULL, e->fwd.pd,
                                    "linear backward");
    }
    return st;
}

/* Backward data and dL/dx, made on the first backward that wants dx (the
 * first layer of a network never does; its backward data may only have a
 * reference kernel). */
static gz_status setup_backward_data(gz_nn_layer *l, gz_nn_entry *e)
{
    gz_status st;
    if ((st = create_bwd(l, e, false, false)) && (st = create_bwd(l, e, false, true)))
        return st;
    return gz_nn__val_lent(&e->dx, gz_dnn_prim_md(&e->bwd, dnnl_query_diff_src_md, 0));
}

static gz_status setup_backward(gz_nn_layer *l, gz_nn_entry *e)
{
    gz_status st = create_bwd(l, e, true, false);
    if (st && (st = create_bwd(l, e, true, true)))
        return st;
    if ((st = gz_dnn_mem_pooled(&e->dw, gz_dnn_prim_md(&e->bwdw, dnnl_query_diff_weights_md, 0),
                                GZ_DNN_POOL_DW)))
        return st;
    if (!l->pdw.mem && (st = gz_dnn_mem_wrap(&l->pdw, &l->pw.md, l->grad[P_WEIGHT]->data)))
        return st;
    if (l->c.bias) {
        if ((st = gz_dnn_mem_alloc(&e->db, &l->pb.md)))
            return st;
    }
    e->bwd_ready = true;
    return GZ_OK;
}

gz_status gz_nn__conv_backward(gz_nn_layer *l, gz_nn_entry *e, const gz_nn_val *dy, bool want_dx)
{
    gz_status st;
    if (!e->bwd_ready && (st = setup_backward(l, e)))
        return st;
    if (want_dx && !gz_dnn_prim_ok(&e->bwd) && (st = setup_backward_data(l, e)))
        return st;
    const gz_dnn_mem *dyw, *dyd;
    const dnnl_memory_desc_t *want_w = gz_dnn_prim_md(&e->bwdw, dnnl_query_diff_dst_md, 0);
    const dnnl_memory_desc_t *want_src = gz_dnn_prim_md(&e->bwdw, dnnl_query_src_md, 0);
    if (!gz_dnn_md_equal(want_src, &e->src->md))
        return gz_error_set(GZ_ERR_INTERNAL, "nn.%s: backward weights wants another src layout",
                            gz_nn_kind_name(l->c.kind));
    if ((st = gz_nn__as_layout(&dy->m, want_w, &e->r_dyw, &e->dyw, GZ_DNN_POOL_DYW, &dyw)))
        return st;
    if ((st = gz_dnn_mem_sync(&e->dw)))
        return st;
    dnnl_exec_arg_t aw[4] = {
        {DNNL_ARG_SRC, e->src->mem},
        {DNNL_ARG_DIFF_DST, dyw->mem},
        {DNNL_ARG_DIFF_WEIGHTS, e->dw.mem},
        {DNNL_ARG_DIFF_BIAS, e->db.mem},
    };
    if ((st = gz_dnn_exec(&e->bwdw, l->c.bias ? 4 : 3, aw)))
        return st;
    if ((st = gz_dnn_reorder(&e->r_dw, &e->dw, &l->pdw, true)))
        return st;
    gz_tensor_touch(l->grad[P_WEIGHT]);
    if (l->c.bias) {
        float *g = l->grad[P_BIAS]->data;
        const float *d = e->db.data;
        for (int64_t i = 0; i < l->c.out; i++)
            g[i] += d[i];
        gz_tensor_touch(l->grad[P_BIAS]);
    }
    if (!want_dx)
        return GZ_OK;
    const dnnl_memory_desc_t *want_d = gz_dnn_prim_md(&e->bwd, dnnl_query_diff_dst_md, 0);
    if (gz_dnn_md_equal(want_d, want_w))
        dyd = dyw;
    else if ((st = gz_nn__as_layout(&dy->m, want_d, &e->r_dyd, &e->dyd, GZ_DNN_POOL_DYD, &dyd)))
        return st;
    const gz_dnn_mem *wm;
    if ((st = gz_nn__weights(l, gz_dnn_prim_md(&e->bwd, dnnl_query_weights_md, 0), true, &wm)))
        return st;
    dnnl_exec_arg_t ad[3] = {
        {DNNL_ARG_DIFF_DST, dyd->mem},
        {DNNL_ARG_WEIGHTS, wm->mem},
        {DNNL_ARG_DIFF_SRC, e->dx.m.mem},
    };
    return gz_dnn_exec(&e->bwd, 3, ad);
}
