/* SGD (momentum, Nesterov, weight decay), LARS, Adam, AdamW and the EMA
 * update, as plain loops over float32 tensors (see optim.h). */
#include "optim.h"

#include <math.h>

static gz_status check_same(const gz_tensor *p, const gz_tensor *o, const char *what)
{
    if (!o)
        return gz_error_set(GZ_ERR_ARG, "optim: missing %s tensor", what);
    if (o->dtype != GZ_F32 || !gz_tensor_is_contiguous(o) || gz_tensor_numel(o) != gz_tensor_numel(p))
        return gz_error_set(GZ_ERR_ARG,
                            "optim: %s must be a contiguous float32 tensor of %lld elements",
                            what, (long long)gz_tensor_numel(p));
    return GZ_OK;
}

gz_status gz_optim_step(const gz_optim_conf *c, gz_tensor *p, const gz_tensor *g, gz_tensor *s1,
                        gz_tensor *s2, bool first)
{
    gz_status st;
    if ((st = check_same(p, p, "parameter")) || (st = check_same(p, g, "gradient")))
        return st;
    if (!(c->lr >= 0) || !(c->weight_decay >= 0) || !(c->momentum >= 0))
        return gz_error_set(GZ_ERR_ARG, "optim: lr, weight_decay and momentum must be >= 0");
    int64_t n = gz_tensor_numel(p);
    gz_tensor_touch(p);
    float *w = p->data;
    const float *gr = g->data;
    double gs = c->grad_scale > 0 ? c->grad_scale : 1.0;
    double wd = c->weight_decay, mom = c->momentum, damp = c->dampening, lr = c->lr;
    switch (c->kind) {
    case GZ_OPT_SGD:
    case GZ_OPT_LARS: {
        float *buf = NULL;
        if (mom != 0) {
            if ((st = check_same(p, s1, "momentum buffer")))
                return st;
            buf = s1->data;
            gz_tensor_touch(s1);
        }
        double scale = lr; /* multiplies the decayed gradient */
        bool decay = wd != 0;
        if (c->kind == GZ_OPT_LARS) {
            if (c->lars_exclude) {
                decay = false;
            } else {
                double wn = 0, gn = 0;
                for (int64_t i = 0; i < n; i++) {
                    wn += (double)w[i] * w[i];
                    gn += (double)gr[i] * gs * gr[i] * gs;
                }
                wn = sqrt(wn);
                gn = sqrt(gn);
                double eps = c->eps > 0 ? c->eps : 1e-8;
                if (wn > 0 && gn > 0)
                    scale = lr * c->eta * wn / (gn + wd * wn + eps);
            }
        }
        for (int64_t i = 0; i < n; i++) {
            double d = gr[i] * gs;
            if (decay)
                d += wd * w[i];
            if (c->kind == GZ_OPT_LARS)
                d *= scale; /* mmselfsup: the trust ratio scales before momentum */
            if (buf) {
                double b = first ? d : mom * buf[i] + (1.0 - damp) * d;
                buf[i] = (float)b;
                d = c->nesterov ? d + mom * b : b;
            }
            w[i] = (float)(w[i] - (c->kind == GZ_OPT_LARS ? d : lr * d));
        }
        return GZ_OK;
    }
    case GZ_OPT_ADAM:
    case GZ_OPT_ADAMW: {
        if ((st = check_same(p, s1, "first moment")) || (st = check_same(p, s2, "second moment")))
            return st;
        if (c->step < 1)
            return gz_error_set(GZ_ERR_ARG, "optim: Adam step must start at 1");
        double b1 = c->beta1, b2 = c->beta2, eps = c->eps;
        double bc1 = 1.0 - pow(b1, (double)c->step), bc2 = 1.0 - pow(b2, (double)c->step);
        float *m = s1->data, *v = s2->data;
        gz_tensor_touch(s1);
        gz_tensor_touch(s2);
        for (int64_t i = 0; i < n; i++) {
            double d = gr[i] * gs;
            if (c->kind == GZ_OPT_ADAMW)
                w[i] = (float)(w[i] * (1.0 - lr * wd));
            else
                d += wd * w[i];
            m[i] = (float)(b1 * m[i] + (1.0 - b1) * d);
            v[i] = (float)(b2 * v[i] + (1.0 - b2) * d * d);
            double denom = sqrt(v[i] / bc2) + eps;
            w[i] = (float)(w[i] - lr * (m[i] / bc1) / denom);
        }
        return GZ_OK;
    }
    }
    return gz_error_set(GZ_ERR_ARG, "optim: unknown kind %d", (int)c->kind);
}

gz_status gz_optim_ema(gz_tensor *target, const gz_tensor *online, double m)
{
    gz_status st;
    if ((st = check_same(target, target, "target")) || (st = check_same(target, online, "online")))
        return st;
    if (!(m >= 0 && m <= 1))
        return gz_error_set(GZ_ERR_ARG, "ema: momentum %g not in [0, 1]", m);
    gz_tensor_touch(target);
    float *t = target->data;
    const float *o = online->data;
    int64_t n = gz_tensor_numel(target);
    float mf = (float)m, rf = (float)(1.0 - m);
    for (int64_t i = 0; i < n; i++)
        t[i] = mf * t[i] + rf * o[i];
    return GZ_OK;
}
