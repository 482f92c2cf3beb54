/* Every engine layer's forward and backward against a plain float64 C
 * reference on small random shapes. oneDNN computes in float32, so the
 * tolerance of each output element is derived from the shape: a sum of K
 * products of magnitude at most M has a float32 rounding error below
 * about K * M * 2^-23 (here: 4 * K * M * FLT_EPSILON + 1e-6). */
#include <float.h>
#include <stdint.h>

#include "check.h"
#include "nn.h"
#include "rng.h"

static gz_rng R;

static gz_tensor *rand_tensor(int nd, const int64_t *shape, double lo, double hi)
{
    gz_tensor *t;
    if (gz_tensor_new(&t, GZ_F32, nd, shape))
        abort();
    for (int64_t i = 0; i < gz_tensor_numel(t); i++)
        ((float *)t->data)[i] = (float)gz_rng_range(&R, lo, hi);
    return t;
}

static void fill_param(gz_nn_layer *l, const char *want, double lo, double hi)
{
    for (int i = 0; i < gz_nn_layer_nparams(l); i++) {
        const char *name;
        gz_tensor *p = gz_nn_layer_param(l, i, &name, NULL);
        if (!strcmp(name, want))
            for (int64_t j = 0; j < gz_tensor_numel(p); j++)
                ((float *)p->data)[j] = (float)gz_rng_range(&R, lo, hi);
    }
}

static gz_tensor *param(gz_nn_layer *l, const char *want, gz_tensor **grad)
{
    for (int i = 0; i < gz_nn_layer_nparams(l); i++) {
        const char *name;
        gz_tensor *g, *p = gz_nn_layer_param(l, i, &name, &g);
        if (!strcmp(name, want)) {
            if (grad)
                *grad = g;
            return p;
        }
    }
    return NULL;
}

static float F(const gz_tensor *t, int64_t i)
{
    return ((const float *)t->data)[i];
}

/* max |got - want| <= tol over n elements; reports the first offender */
static void compare(const char *what, const float *got, const double *want, int64_t n, double tol)
{
    for (int64_t i = 0; i < n; i++) {
        if (!(fabs(got[i] - want[i]) <= tol)) {
            CHECK_MSG(0, "%s[%lld] = %.9g, reference %.9g (tol %.3g)", what, (long long)i,
                      (double)got[i], want[i], tol);
            return;
        }
    }
}

static void compare_val(const char *what, const gz_nn_val *v, const double *want, double tol)
{
    gz_tensor *t;
    CHECK(gz_nn_val_to_tensor(v, &t) == GZ_OK);
    compare(what, t->data, want, gz_tensor_numel(t), tol);
    gz_tensor_free(t);
}

static double tolk(double k, double m)
{
    return 4.0 * k * m * FLT_EPSILON + 1e-6;
}

static void test_conv2d(void)
{
    struct { int64_t n, c, h, w, o; int k, s, p; bool bias; } cases[] = {
        {2, 3, 7, 6, 5, 3, 1, 1, true}, {3, 1, 9, 9, 4, 7, 2, 3, false},
        {2, 20, 5, 5, 17, 1, 2, 0, false}, {1, 16, 6, 6, 32, 3, 2, 1, true},
        /* channels-last (8 channels) and Winograd (64 channels, 3x3 stride 1) */
        {2, 8, 6, 6, 8, 3, 1, 1, false}, {2, 64, 8, 8, 64, 3, 1, 1, false},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        int64_t N = cases[ci].n, C = cases[ci].c, H = cases[ci].h, W = cases[ci].w, O = cases[ci].o;
        int K = cases[ci].k, S = cases[ci].s, P = cases[ci].p;
        gz_nn_conf cf = {.kind = GZ_NN_CONV2D, .in = C, .out = O, .kernel = K, .stride = S, .pad = P,
                         .bias = cases[ci].bias};
        gz_nn_layer *l;
        CHECK(gz_nn_layer_new(&l, &cf) == GZ_OK);
        fill_param(l, "weight", -1, 1);
        fill_param(l, "bias", -1, 1);
        int64_t xs[4] = {N, C, H, W};
        gz_tensor *x = rand_tensor(4, xs, -1, 1);
        gz_nn_val *xv;
        CHECK(gz_nn_val_from_tensor(&xv, x) == GZ_OK);
        const gz_nn_val *y;
        CHECK(gz_nn_forward(l, 0, xv, NULL, &y) == GZ_OK);
        int64_t OH = (H + 2 * P - K) / S + 1, OW = (W + 2 * P - K) / S + 1;
        int64_t yd[4];
        CHECK(gz_nn_val_shape(y, yd) == 4 && yd[1] == O && yd[2] == OH && yd[3] == OW);
        gz_tensor *gw, *gb = NULL;
        gz_tensor *w = param(l, "weight", &gw), *b = param(l, "bias", &gb);
        double *ref = calloc((size_t)(N * O * OH * OW), sizeof *ref);
        for (int64_t n = 0; n < N; n++)
            for (int64_t o = 0; o < O; o++)
                for (int64_t i = 0; i < OH; i++)
                    for (int64_t j = 0; j < OW; j++) {
                        double s = b ? F(b, o) : 0;
                        for (int64_t c = 0; c < C; c++)
                            for (int ki = 0; ki < K; ki++)
                                for (int kj = 0; kj < K; kj++) {
                                    int64_t hi = i * S - P + ki, wj = j * S - P + kj;
                                    if (hi < 0 || hi >= H || wj < 0 || wj >= W)
                                        continue;
                                    s += (double)F(x, ((n * C + c) * H + hi) * W + wj) *
                                         F(w, ((o * C + c) * K + ki) * K + kj);
                                }
                        ref[((n * O + o) * OH + i) * OW + j] = s;
                    }
        compare_val("conv y", y, ref, tolk((double)(C * K * K + 1), 1));
        /* backward */
        int64_t ys[4] = {N, O, OH, OW};
        gz_tensor *dy = rand_tensor(4, ys, -1, 1);
        gz_nn_val *dyv;
        CHECK(gz_nn_val_from_tensor(&dyv, dy) == GZ_OK);
        const gz_nn_val *dx, *dx2;
        gz_nn_layer_zero_grad(l);
        CHECK(gz_nn_backward(l, 0, dyv, true, &dx, &dx2) == GZ_OK);
        double *rdx = calloc((size_t)(N * C * H * W), sizeof *rdx);
        double *rdw = calloc((size_t)(O * C * K * K), sizeof *rdw);
        double *rdb = calloc((size_t)O, sizeof *rdb);
        for (int64_t n = 0; n < N; n++)
            for (int64_t o = 0; o < O; o++)
                for (int64_t i = 0; i < OH; i++)
                    for (int64_t j = 0; j < OW; j++) {
                        double g = F(dy, ((n * O + o) * OH + i) * OW + j);
                        rdb[o] += g;
                        for (int64_t c = 0; c < C; c++)
                            for (int ki = 0; ki < K; ki++)
                                for (int kj = 0; kj < K; kj++) {
                                    int64_t hi = i * S - P + ki, wj = j * S - P + kj;
                                    if (hi < 0 || hi >= H || wj < 0 || wj >= W)
                                        continue;
                                    int64_t xi = ((n * C + c) * H + hi) * W + wj;
                                    int64_t wi = ((o * C + c) * K + ki) * K + kj;
                                    rdx[xi] += g * F(w, wi);
                                    rdw[wi] += g * F(x, xi);
                                }
                    }
        compare_val("conv dx", dx, rdx, tolk((double)(O * K * K), 1));
        compare("conv dw", gw->data, rdw, O * C * K * K, tolk((double)(N * OH * OW), 1));
        if (gb)
            compare("conv db", gb->data, rdb, O, tolk((double)(N * OH * OW), 1));
        /* accumulation: a second backward doubles the gradient */
        CHECK(gz_nn_backward(l, 0, dyv, false, &dx, &dx2) == GZ_OK);
        for (int64_t i = 0; i < O * C * K * K; i++)
            rdw[i] *= 2;
        compare("conv dw accumulated", gw->data, rdw, O * C * K * K, 2 * tolk((double)(N * OH * OW), 1));
        free(ref); free(rdx); free(rdw); free(rdb);
        gz_nn_val_free(xv); gz_nn_val_free(dyv);
        gz_tensor_free(x); gz_tensor_free(dy);
        gz_nn_layer_free(l);
    }
}

static void test_linear(void)
{
    int64_t N = 5, I = 13, O = 7;
    gz_nn_conf cf = {.kind = GZ_NN_LINEAR, .in = I, .out = O, .bias = true};
    gz_nn_layer *l;
    CHECK(gz_nn_layer_new(&l, &cf) == GZ_OK);
    fill_param(l, "weight", -1, 1);
    fill_param(l, "bias", -1, 1);
    gz_tensor *gw, *gb, *w = param(l, "weight", &gw), *b = param(l, "bias", &gb);
    int64_t xs[2] = {N, I}, ys[2] = {N, O};
    gz_tensor *x = rand_tensor(2, xs, -1, 1), *dy = rand_tensor(2, ys, -1, 1);
    gz_nn_val *xv, *dyv;
    CHECK(gz_nn_val_from_tensor(&xv, x) == GZ_OK && gz_nn_val_from_tensor(&dyv, dy) == GZ_OK);
    const gz_nn_val *y, *dx, *dx2;
    CHECK(gz_nn_forward(l, 0, xv, NULL, &y) == GZ_OK);
    CHECK(gz_nn_val_is_plain(y));
    double ref[5 * 7], rdx[5 * 13] = {0}, rdw[7 * 13] = {0}, rdb[7] = {0};
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < O; o++) {
            double s = F(b, o);
            for (int64_t i = 0; i < I; i++)
                s += (double)F(x, n * I + i) * F(w, o * I + i);
            ref[n * O + o] = s;
            double g = F(dy, n * O + o);
            rdb[o] += g;
            for (int64_t i = 0; i < I; i++) {
                rdx[n * I + i] += g * F(w, o * I + i);
                rdw[o * I + i] += g * F(x, n * I + i);
            }
        }
    compare_val("linear y", y, ref, tolk((double)I + 1, 1));
    CHECK(gz_nn_backward(l, 0, dyv, true, &dx, &dx2) == GZ_OK);
    compare_val("linear dx", dx, rdx, tolk((double)O, 1));
    compare("linear dw", gw->data, rdw, O * I, tolk((double)N, 1));
    compare("linear db", gb->data, rdb, O, tolk((double)N, 1));
    gz_nn_val_free(xv); gz_nn_val_free(dyv);
    gz_tensor_free(x); gz_tensor_free(dy);
    gz_nn_layer_free(l);
}

/* batch norm of (N, C[, H, W]) in training and evaluation modes */
static void bn_case(int nd, int64_t N, int64_t C, int64_t HW, bool relu)
{
    gz_nn_conf cf = {.kind = GZ_NN_BATCHNORM, .in = C, .affine = true, .relu = relu, .eps = 1e-5,
                     .momentum = 0.1};
    gz_nn_layer *l;
    CHECK(gz_nn_layer_new(&l, &cf) == GZ_OK);
    fill_param(l, "weight", 0.5, 1.5);
    fill_param(l, "bias", -0.5, 0.5);
    gz_tensor *gw, *gb, *g = param(l, "weight", &gw), *b = param(l, "bias", &gb);
    int64_t H = nd == 4 ? 2 : 1, W = nd == 4 ? HW / 2 : 1;
    int64_t xs[4] = {N, C, H, W};
    gz_tensor *x = rand_tensor(nd, xs, -2, 3), *dy = rand_tensor(nd, xs, -1, 1);
    gz_nn_val *xv, *dyv;
    CHECK(gz_nn_val_from_tensor(&xv, x) == GZ_OK && gz_nn_val_from_tensor(&dyv, dy) == GZ_OK);
    const gz_nn_val *y, *dx, *dx2;
    CHECK(gz_nn_forward(l, 0, xv, NULL, &y) == GZ_OK);
    int64_t M = N * H * W, tot = N * C * H * W;
    double *ry = calloc((size_t)tot, sizeof *ry), *rdx = calloc((size_t)tot, sizeof *rdx);
    double *rdg = calloc((size_t)C, sizeof *rdg), *rdb = calloc((size_t)C, sizeof *rdb);
    double *rrm = calloc((size_t)C, sizeof *rrm), *rrv = calloc((size_t)C, sizeof *rrv);
#define IDX(n, c, s) (((n) * C + (c)) * H * W + (s))
    for (int64_t c = 0; c < C; c++) {
        double mean = 0, var = 0;
        for (int64_t n = 0; n < N; n++)
            for (int64_t s = 0; s < H * W; s++)
                mean += F(x, IDX(n, c, s));
        mean /= (double)M;
        for (int64_t n = 0; n < N; n++)
            for (int64_t s = 0; s < H * W; s++)
                var += (F(x, IDX(n, c, s)) - mean) * (F(x, IDX(n, c, s)) - mean);
        var /= (double)M;
        rrm[c] = 0.1 * mean;
        rrv[c] = 0.9 + 0.1 * var * (double)M / (double)(M - 1);
        double inv = 1 / sqrt(var + 1e-5), sg = 0, sgx = 0;
        for (int64_t n = 0; n < N; n++)
            for (int64_t s = 0; s < H * W; s++) {
                int64_t i = IDX(n, c, s);
                double xh = (F(x, i) - mean) * inv, v = F(g, c) * xh + F(b, c);
                double gy = F(dy, i);
                if (relu && v <= 0)
                    gy = 0;
                ry[i] = relu && v < 0 ? 0 : v;
                rdg[c] += gy * xh;
                rdb[c] += gy;
                sg += gy;
                sgx += gy * xh;
            }
        for (int64_t n = 0; n < N; n++)
            for (int64_t s = 0; s < H * W; s++) {
                int64_t i = IDX(n, c, s);
                double xh = (F(x, i) - mean) * inv, v = F(g, c) * xh + F(b, c);
                double gy = relu && v <= 0 ? 0 : F(dy, i);
                rdx[i] = F(g, c) * inv * (gy - sg / (double)M - xh * sgx / (double)M);
            }
    }
    double t = tolk((double)M, 3);
    compare_val("bn y", y, ry, t * 4);
    gz_tensor *rm = param(l, "running_mean", NULL), *rv = param(l, "running_var", NULL);
    compare("bn running_mean", rm->data, rrm, C, t);
    compare("bn running_var", rv->data, rrv, C, t * 4);
    CHECK(((int64_t *)param(l, "num_batches_tracked", NULL)->data)[0] == 1);
    CHECK(gz_nn_backward(l, 0, dyv, true, &dx, &dx2) == GZ_OK);
    compare_val("bn dx", dx, rdx, t * 16);
    compare("bn dweight", gw->data, rdg, C, t * 4);
    compare("bn dbias", gb->data, rdb, C, t);
    /* evaluation mode: running statistics */
    gz_nn_layer_set_training(l, false);
    CHECK(gz_nn_forward(l, 0, xv, NULL, &y) == GZ_OK);
    for (int64_t c = 0; c < C; c++)
        for (int64_t n = 0; n < N; n++)
            for (int64_t s = 0; s < H * W; s++) {
                int64_t i = IDX(n, c, s);
                double v = F(g, c) * (F(x, i) - F(rm, c)) / sqrt(F(rv, c) + 1e-5) + F(b, c);
                ry[i] = relu && v < 0 ? 0 : v;
            }
#undef IDX
    compare_val("bn eval y", y, ry, t);
    CHECK(((int64_t *)param(l, "num_batches_tracked", NULL)->data)[0] == 1);
    free(ry); free(rdx); free(rdg); free(rdb); free(rrm); free(rrv);
    gz_nn_val_free(xv); gz_nn_val_free(dyv);
    gz_tensor_free(x); gz_tensor_free(dy);
    gz_nn_layer_free(l);
}

static void test_batchnorm(void)
{
    bn_case(4, 4, 5, 6, false);
    bn_case(4, 3, 19, 8, true);
    bn_case(2, 8, 7, 1, false);
    bn_case(2, 6, 33, 1, true);
}

static void test_pool_relu_flatten_add(void)
{
    int64_t N = 2, C = 3, H = 7, W = 6;
    int64_t xs[4] = {N, C, H, W};
    gz_tensor *x = rand_tensor(4, xs, -1, 1), *x2 = rand_tensor(4, xs, -1, 1);
    gz_nn_val *xv, *x2v;
    CHECK(gz_nn_val_from_tensor(&xv, x) == GZ_OK && gz_nn_val_from_tensor(&x2v, x2) == GZ_OK);
    int64_t tot = N * C * H * W;
    double *ref = calloc((size_t)tot, sizeof *ref), *rdx = calloc((size_t)tot, sizeof *rdx);
    const gz_nn_val *y, *dx, *dx2;
    /* max pool k3 s2 p1 */
    {
        gz_nn_conf cf = {.kind = GZ_NN_MAXPOOL, .kernel = 3, .stride = 2, .pad = 1};
        gz_nn_layer *l;
        CHECK(gz_nn_layer_new(&l, &cf) == GZ_OK);
        CHECK(gz_nn_forward(l, 0, xv, NULL, &y) == GZ_OK);
        int64_t OH = (H + 2 - 3) / 2 + 1, OW = (W + 2 - 3) / 2 + 1, ys[4] = {N, C, OH, OW};
        gz_tensor *dy = rand_tensor(4, ys, -1, 1);
        gz_nn_val *dyv;
        CHECK(gz_nn_val_from_tensor(&dyv, dy) == GZ_OK);
        double *ry = calloc((size_t)(N * C * OH * OW), sizeof *ry);
        for (int64_t i = 0; i < tot; i++)
            rdx[i] = 0;
        for (int64_t nc = 0; nc < N * C; nc++)
            for (int64_t i = 0; i < OH; i++)
                for (int64_t j = 0; j < OW; j++) {
                    double m = -INFINITY;
                    int64_t arg = -1;
                    for (int a = 0; a < 3; a++)
                        for (int bb = 0; bb < 3; bb++) {
                            int64_t h = i * 2 - 1 + a, w = j * 2 - 1 + bb;
                            if (h < 0 || h >= H || w < 0 || w >= W)
                                continue;
                            if (F(x, (nc * H + h) * W + w) > m) {
                                m = F(x, (nc * H + h) * W + w);
                                arg = (nc * H + h) * W + w;
                            }
                        }
                    ry[(nc * OH + i) * OW + j] = m;
                    rdx[arg] += F(dy, (nc * OH + i) * OW + j);
                }
        compare_val("maxpool y", y, ry, 0);
        CHECK(gz_nn_backward(l, 0, dyv, true, &dx, &dx2) == GZ_OK);
        compare_val("maxpool dx", dx, rdx, tolk(9, 1));
        free(ry);
        gz_nn_val_free(dyv);
        gz_tensor_free(dy);
        gz_nn_layer_free(l);
    }
    /* global average pool, then flatten */
    {
        gz_nn_conf cf = {.kind = GZ_NN_AVGPOOL}, cf2 = {.kind = GZ_NN_FLATTEN};
        gz_nn_layer *l, *f;
        CHECK(gz_nn_layer_new(&l, &cf) == GZ_OK && gz_nn_layer_new(&f, &cf2) == GZ_OK);
        const gz_nn_val *p;
        CHECK(gz_nn_forward(l, 0, xv, NULL, &p) == GZ_OK);
        CHECK(gz_nn_forward(f, 0, p, NULL, &y) == GZ_OK);
        int64_t yd[4];
        CHECK(gz_nn_val_shape(y, yd) == 2 && yd[0] == N && yd[1] == C && gz_nn_val_is_plain(y));
        double ry[6];
        int64_t ys[2] = {N, C};
        gz_tensor *dy = rand_tensor(2, ys, -1, 1);
        gz_nn_val *dyv;
        CHECK(gz_nn_val_from_tensor(&dyv, dy) == GZ_OK);
        for (int64_t nc = 0; nc < N * C; nc++) {
            double s = 0;
            for (int64_t i = 0; i < H * W; i++) {
                s += F(x, nc * H * W + i);
                rdx[nc * H * W + i] = F(dy, nc) / (double)(H * W);
            }
            ry[nc] = s / (double)(H * W);
        }
        compare_val("avgpool+flatten y", y, ry, tolk((double)(H * W), 1));
        const gz_nn_val *dp;
        CHECK(gz_nn_backward(f, 0, dyv, true, &dp, &dx2) == GZ_OK);
        CHECK(gz_nn_backward(l, 0, dp, true, &dx, &dx2) == GZ_OK);
        compare_val("avgpool dx", dx, rdx, 1e-6);
        gz_nn_val_free(dyv);
        gz_tensor_free(dy);
        gz_nn_layer_free(l);
        gz_nn_layer_free(f);
    }
    /* relu, and add with fused relu */
    for (int fused = 0; fused < 2; fused++) {
        gz_nn_conf cf = {.kind = fused ? GZ_NN_ADD : GZ_NN_RELU, .relu = true};
        gz_nn_layer *l;
        CHECK(gz_nn_layer_new(&l, &cf) == GZ_OK);
        CHECK(gz_nn_forward(l, 0, xv, fused ? x2v : NULL, &y) == GZ_OK);
        gz_tensor *dy = rand_tensor(4, xs, -1, 1);
        gz_nn_val *dyv;
        CHECK(gz_nn_val_from_tensor(&dyv, dy) == GZ_OK);
        for (int64_t i = 0; i < tot; i++) {
            double v = F(x, i) + (fused ? F(x2, i) : 0);
            ref[i] = v > 0 ? v : 0;
            rdx[i] = v > 0 ? F(dy, i) : 0;
        }
        compare_val(fused ? "add+relu y" : "relu y", y, ref, 1e-6);
        CHECK(gz_nn_backward(l, 0, dyv, true, &dx, &dx2) == GZ_OK);
        compare_val(fused ? "add+relu dx" : "relu dx", dx, rdx, 0);
        if (fused)
            compare_val("add+relu dx2", dx2, rdx, 0);
        gz_nn_val_free(dyv);
        gz_tensor_free(dy);
        gz_nn_layer_free(l);
    }
    free(ref);
    free(rdx);
    gz_nn_val_free(xv);
    gz_nn_val_free(x2v);
    gz_tensor_free(x);
    gz_tensor_free(x2);
}

static void test_losses(void)
{
    int64_t N = 4, D = 9, sh[2] = {N, D};
    gz_tensor *x = rand_tensor(2, sh, -1, 1), *z = rand_tensor(2, sh, -1, 1);
    gz_tensor *y, *dy = rand_tensor(2, sh, -1, 1), *dx;
    CHECK(gz_tensor_new(&y, GZ_F32, 2, sh) == GZ_OK && gz_tensor_new(&dx, GZ_F32, 2, sh) == GZ_OK);
    CHECK(gz_nn_l2norm_forward(x, y, 1e-12) == GZ_OK);
    CHECK(gz_nn_l2norm_backward(x, dy, dx, 1e-12) == GZ_OK);
    /* finite differences of sum(y * dy) in double through the float path */
    for (int64_t i = 0; i < N * D; i += 5) {
        double h = 1e-3, fp = 0, fm = 0;
        float keep = ((float *)x->data)[i];
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            ((float *)x->data)[i] = keep + (float)(sgn * h);
            gz_nn_l2norm_forward(x, y, 1e-12);
            double s = 0;
            for (int64_t j = 0; j < N * D; j++)
                s += (double)F(y, j) * F(dy, j);
            if (sgn < 0) fm = s; else fp = s;
        }
        ((float *)x->data)[i] = keep;
        CHECK_NEAR(F(dx, i), (fp - fm) / (2 * h), 2e-3);
    }
    double loss, lp, lm;
    CHECK(gz_nn_byol_loss(x, z, 1.0, &loss, dx) == GZ_OK);
    CHECK(loss >= 0 && loss <= 4);
    for (int64_t i = 0; i < N * D; i += 4) {
        float keep = ((float *)x->data)[i];
        ((float *)x->data)[i] = keep + 1e-3f;
        gz_nn_byol_loss(x, z, 1.0, &lp, NULL);
        ((float *)x->data)[i] = keep - 1e-3f;
        gz_nn_byol_loss(x, z, 1.0, &lm, NULL);
        ((float *)x->data)[i] = keep;
        CHECK_NEAR(F(dx, i), (lp - lm) / 2e-3, 2e-3);
    }
    /* cross-entropy */
    gz_tensor *lab;
    CHECK(gz_tensor_new(&lab, GZ_I64, 1, &N) == GZ_OK);
    for (int64_t i = 0; i < N; i++)
        ((int64_t *)lab->data)[i] = (i * 7) % D;
    CHECK(gz_nn_softmax_ce(x, lab, &loss, dx) == GZ_OK);
    double ref = 0;
    for (int64_t i = 0; i < N; i++) {
        double s = 0;
        for (int64_t j = 0; j < D; j++)
            s += exp(F(x, i * D + j));
        ref += log(s) - F(x, i * D + (i * 7) % D);
    }
    CHECK_NEAR(loss, ref / (double)N, 1e-6);
    for (int64_t i = 0; i < N * D; i += 3) {
        float keep = ((float *)x->data)[i];
        ((float *)x->data)[i] = keep + 1e-3f;
        gz_nn_softmax_ce(x, lab, &lp, NULL);
        ((float *)x->data)[i] = keep - 1e-3f;
        gz_nn_softmax_ce(x, lab, &lm, NULL);
        ((float *)x->data)[i] = keep;
        CHECK_NEAR(F(dx, i), (lp - lm) / 2e-3, 1e-4);
    }
    ((int64_t *)lab->data)[1] = D;
    CHECK(gz_nn_softmax_ce(x, lab, &loss, dx) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "label 9 of row 1") != NULL);
    gz_tensor_free(lab);
    gz_tensor_free(x); gz_tensor_free(z); gz_tensor_free(y); gz_tensor_free(dy); gz_tensor_free(dx);
}

static void test_errors(void)
{
    gz_nn_conf cf = {.kind = GZ_NN_CONV2D, .in = 3, .out = 4, .kernel = 3, .stride = 1, .pad = 1};
    gz_nn_layer *l;
    CHECK(gz_nn_layer_new(&l, &cf) == GZ_OK);
    int64_t xs[4] = {2, 2, 5, 5};
    gz_tensor *x = rand_tensor(4, xs, -1, 1);
    gz_nn_val *xv;
    CHECK(gz_nn_val_from_tensor(&xv, x) == GZ_OK);
    const gz_nn_val *y, *dx;
    CHECK(gz_nn_forward(l, 0, xv, NULL, &y) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "input (2, 2, 5, 5) is not (N, 3, H, W)") != NULL);
    CHECK(gz_nn_backward(l, 1, xv, true, &dx, NULL) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "without a forward") != NULL);
    CHECK(gz_nn_forward(l, 9, xv, NULL, &y) == GZ_ERR_ARG);
    gz_nn_val_free(xv);
    gz_nn_layer_free(l);
    cf.pad = 2;
    CHECK(gz_nn_layer_new(&l, &cf) == GZ_ERR_ARG);
    gz_tensor *t3;
    int64_t s3[3] = {1, 2, 3};
    CHECK(gz_tensor_new(&t3, GZ_F32, 3, s3) == GZ_OK);
    CHECK(gz_nn_val_from_tensor(&xv, t3) == GZ_ERR_ARG || (gz_nn_val_free(xv), 0));
    gz_tensor_free(t3);
    gz_nn_val_free(xv);
    gz_tensor_free(x);
}

int main(void)
{
    gz_rng_init(&R, 1234, 5);
    RUN(test_conv2d);
    RUN(test_linear);
    RUN(test_batchnorm);
    RUN(test_pool_relu_flatten_add);
    RUN(test_losses);
    RUN(test_errors);
    return check_done();
}
