/* Batch loader: identical batches for 0, 1 and 2 workers (and any
 * prefetch depth) with the same seed; shuffles are permutations; labels
 * and indices travel with their images; drop_last; the cache and its
 * limit; errors for a missing file and for views of different sizes.
 * Fixture PNGs are written with gz_png_write into a temporary folder. */
#include <stdint.h>
#include <unistd.h>

#include "../../runtime/core/image.h"
#include "../../runtime/core/loader.h"
#include "aug_pipeline.h"
#include "check.h"

#define NIMG 21

static char dir[256];
static char paths_buf[NIMG][300];
static const char *paths[NIMG];
static int64_t labels[NIMG], indices[NIMG];

static int write_fixtures(void)
{
    snprintf(dir, sizeof dir, "/tmp/gz_test_loader_XXXXXX");
    if (!mkdtemp(dir))
        return 0;
    for (int i = 0; i < NIMG; i++) {
        int h = 40 + (i % 3) * 4, w = 48; /* sizes differ: pipelines must crop */
        int64_t shape[2] = {h, w};
        gz_tensor *t;
        if (gz_tensor_new(&t, GZ_F32, 2, shape))
            return 0;
        float *d = t->data;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                d[y * w + x] = (float)((x * 5 + y * 3 + i * 11) % 256);
        snprintf(paths_buf[i], sizeof paths_buf[i], "%s/img%02d.png", dir, i);
        paths[i] = paths_buf[i];
        gz_status st = gz_png_write(paths[i], t);
        gz_tensor_free(t);
        if (st)
            return 0;
        labels[i] = i % 3;
        indices[i] = 100 + i;
    }
    return 1;
}

static void remove_fixtures(void)
{
    for (int i = 0; i < NIMG; i++)
        unlink(paths[i]);
    rmdir(dir);
}

static gz_aug_pipeline *bench_pipeline(int size)
{
    gz_aug_pipeline *p = NULL;
    if (test_byol_pipeline(size, &p))
        return NULL;
    return p;
}

static gz_loader_opts base_opts(void)
{
    gz_loader_opts o;
    memset(&o, 0, sizeof o);
    o.batch = 4;
    o.views = 2;
    o.shuffle = true;
    o.seed = 42;
    o.channels = 1;
    o.cache_bytes = -1;
    return o;
}

typedef struct run {
    int64_t nb;
    gz_loader_batch b[2][8];
} run;

static int collect(gz_loader_opts o, gz_aug_pipeline *p, run *r)
{
    const gz_aug_pipeline *pipes[2] = {p, p};
    gz_loader *ld;
    if (gz_loader_new(&ld, &o, NIMG, paths, indices, labels, pipes)) {
        printf("# %s\n", gz_error_message());
        return 0;
    }
    r->nb = gz_loader_batches(ld);
    int ok = 1;
    for (int e = 0; e < 2; e++) {
        gz_loader_start(ld, (uint64_t)e, 0);
        for (int k = 0; k < 8; k++) {
            if (gz_loader_next(ld, &r->b[e][k])) {
                printf("# %s\n", gz_error_message());
                ok = 0;
            }
        }
    }
    gz_loader_free(ld);
    return ok;
}

static int batches_equal(const gz_loader_batch *a, const gz_loader_batch *b)
{
    if (a->n != b->n || a->number != b->number)
        return 0;
    if (a->n == 0)
        return 1;
    for (int v = 0; v < 2; v++)
        if (gz_tensor_numel(a->views[v]) != gz_tensor_numel(b->views[v]) ||
            memcmp(a->views[v]->data, b->views[v]->data,
                   sizeof(float) * (size_t)gz_tensor_numel(a->views[v])) != 0)
            return 0;
    return memcmp(a->indices->data, b->indices->data, sizeof(int64_t) * (size_t)a->n) == 0 &&
           memcmp(a->labels->data, b->labels->data, sizeof(int64_t) * (size_t)a->n) == 0;
}

static void free_run(run *r)
{
    for (int e = 0; e < 2; e++)
        for (int k = 0; k < 8; k++)
            gz_loader_batch_free(&r->b[e][k]);
}

static void test_workers_identical(void)
{
    gz_aug_pipeline *p = bench_pipeline(32);
    static run r0, r1, r2;
    gz_loader_opts o = base_opts();
    o.workers = 0;
    CHECK(collect(o, p, &r0));
    o.workers = 1;
    CHECK(collect(o, p, &r1));
    o.workers = 2;
    o.prefetch = 3;
    CHECK(collect(o, p, &r2));
    CHECK(r0.nb == 6); /* 21 items, batch 4, last batch of 1 */
    int diff1 = 0, diff2 = 0;
    for (int e = 0; e < 2; e++)
        for (int k = 0; k < 8; k++) {
            diff1 += !batches_equal(&r0.b[e][k], &r1.b[e][k]);
            diff2 += !batches_equal(&r0.b[e][k], &r2.b[e][k]);
        }
    CHECK_MSG(diff1 == 0, "%d batches differ between 0 and 1 workers", diff1);
    CHECK_MSG(diff2 == 0, "%d batches differ between 0 and 2 workers", diff2);
    /* shape, end of epoch, permutation, labels follow indices */
    CHECK(r0.b[0][0].views[0]->ndim == 4 && r0.b[0][0].views[0]->shape[0] == 4 &&
          r0.b[0][0].views[0]->shape[1] == 1 && r0.b[0][0].views[0]->shape[2] == 32 &&
          r0.b[0][0].views[0]->shape[3] == 32);
    CHECK(r0.b[0][5].n == 1 && r0.b[0][6].n == 0 && r0.b[0][7].n == 0);
    int seen[NIMG] = {0}, mislabelled = 0;
    for (int k = 0; k < 6; k++) {
        const gz_loader_batch *b = &r0.b[0][k];
        for (int64_t j = 0; j < b->n; j++) {
            int64_t idx = ((int64_t *)b->indices->data)[j];
            if (idx >= 100 && idx < 100 + NIMG)
                seen[idx - 100]++;
            mislabelled += ((int64_t *)b->labels->data)[j] != (idx - 100) % 3;
        }
    }
    int once = 0;
    for (int i = 0; i < NIMG; i++)
        once += seen[i] == 1;
    CHECK(once == NIMG);
    CHECK(mislabelled == 0);
    /* epochs differ in order and views; the two views differ */
    CHECK(!batches_equal(&r0.b[0][0], &r0.b[1][0]));
    CHECK(memcmp(r0.b[0][0].views[0]->data, r0.b[0][0].views[1]->data, 32 * 32 * 4) != 0);
    free_run(&r0);
    free_run(&r1);
    free_run(&r2);
    gz_aug_pipeline_free(p);
}

static void test_order_and_drop_last(void)
{
    gz_aug_pipeline *p = bench_pipeline(16);
    gz_loader_opts o = base_opts();
    o.shuffle = false;
    o.drop_last = true;
    o.batch = 5;
    o.workers = 2;
    const gz_aug_pipeline *pipes[2] = {p, p};
    gz_loader *ld;
    CHECK(gz_loader_new(&ld, &o, NIMG, paths, indices, labels, pipes) == GZ_OK);
    CHECK(gz_loader_batches(ld) == 4);
    gz_loader_start(ld, 0, 0);
    int64_t expect = 100, got = 0;
    gz_loader_batch b;
    while (gz_loader_next(ld, &b) == GZ_OK && b.n > 0) {
        for (int64_t j = 0; j < b.n; j++)
            CHECK(((int64_t *)b.indices->data)[j] == expect++);
        got += b.n;
        gz_loader_batch_free(&b);
    }
    CHECK(got == 20);
    /* an abandoned epoch: start again in the middle */
    gz_loader_start(ld, 1, 0);
    CHECK(gz_loader_next(ld, &b) == GZ_OK && b.n == 5);
    gz_loader_batch_free(&b);
    gz_loader_start(ld, 1, 0);
    CHECK(gz_loader_next(ld, &b) == GZ_OK && b.n == 5 && b.number == 0);
    gz_loader_batch_free(&b);
    gz_loader_stats s;
    gz_loader_get_stats(ld, &s);
    CHECK(s.cached_images == NIMG - 1); /* item 20 is never used with drop_last */
    CHECK(s.decodes == s.cached_images);
    gz_loader_free(ld);
    /* no cache: every use decodes again */
    o.cache_bytes = 0;
    CHECK(gz_loader_new(&ld, &o, NIMG, paths, indices, labels, pipes) == GZ_OK);
    for (int e = 0; e < 2; e++) {
        gz_loader_start(ld, (uint64_t)e, 0);
        while (gz_loader_next(ld, &b) == GZ_OK && b.n > 0)
            gz_loader_batch_free(&b);
    }
    gz_loader_get_stats(ld, &s);
    CHECK(s.cached_images == 0 && s.decodes == 40);
    gz_loader_free(ld);
    gz_aug_pipeline_free(p);
}

static void test_errors(void)
{
    gz_aug_pipeline *p = bench_pipeline(16);
    gz_aug_op flip = gz_aug_op_default(GZ_AUG_HFLIP);
    gz_aug_pipeline *nocrop;
    CHECK(gz_aug_pipeline_new(&nocrop, &flip, 1) == GZ_OK);
    const char *bad[NIMG];
    for (int i = 0; i < NIMG; i++)
        bad[i] = paths[i];
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.png", dir);
    bad[1] = missing;
    gz_loader_opts o = base_opts();
    o.shuffle = false;
    o.workers = 2;
    const gz_aug_pipeline *pipes[2] = {p, p};
    gz_loader *ld;
    CHECK(gz_loader_new(&ld, &o, NIMG, bad, NULL, NULL, pipes) == GZ_OK);
    gz_loader_start(ld, 0, 0);
    gz_loader_batch b;
    CHECK(gz_loader_next(ld, &b) != GZ_OK);
    CHECK_MSG(strstr(gz_error_message(), "missing.png") != NULL, "message: %s",
              gz_error_message());
    CHECK(b.n == 0 && b.views[0] == NULL);
    CHECK(gz_loader_next(ld, &b) == GZ_OK && b.n == 4); /* the next batch is fine */
    CHECK(((int64_t *)b.indices->data)[0] == 4 && ((int64_t *)b.labels->data)[0] == -1);
    gz_loader_batch_free(&b);
    gz_loader_free(ld);
    /* sizes differ after a pipeline without a crop */
    const gz_aug_pipeline *pn[2] = {nocrop, nocrop};
    o.workers = 0;
    CHECK(gz_loader_new(&ld, &o, NIMG, paths, NULL, NULL, pn) == GZ_OK);
    gz_loader_start(ld, 0, 0);
    CHECK(gz_loader_next(ld, &b) == GZ_ERR_ARG);
    CHECK_MSG(strstr(gz_error_message(), "end the pipeline with a crop or resize") != NULL,
              "message: %s", gz_error_message());
    gz_loader_free(ld);
    /* but a load size makes them equal at decode time */
    o.load_h = o.load_w = 24;
    CHECK(gz_loader_new(&ld, &o, NIMG, paths, NULL, NULL, pn) == GZ_OK);
    gz_loader_start(ld, 0, 0);
    CHECK(gz_loader_next(ld, &b) == GZ_OK && b.views[1]->shape[2] == 24);
    gz_loader_batch_free(&b);
    gz_loader_free(ld);
    /* shorter side 20: 40 x 48 becomes 20 x 24 */
    o.load_h = 20, o.load_w = 0;
    CHECK(gz_loader_new(&ld, &o, 1, paths, NULL, NULL, pn) == GZ_OK);
    gz_loader_start(ld, 0, 0);
    CHECK(gz_loader_next(ld, &b) == GZ_OK && b.views[0]->shape[2] == 20 &&
          b.views[0]->shape[3] == 24);
    gz_loader_batch_free(&b);
    gz_loader_free(ld);
    /* bad options */
    o.views = 0;
    CHECK(gz_loader_new(&ld, &o, NIMG, paths, NULL, NULL, pn) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "views") != NULL);
    o.views = 2;
    o.channels = 2;
    CHECK(gz_loader_new(&ld, &o, NIMG, paths, NULL, NULL, pn) == GZ_ERR_ARG);
    gz_aug_pipeline_free(nocrop);
    gz_aug_pipeline_free(p);
}

static void test_given_images_and_heat(void)
{
    /* images given as tensors (no files) and a heat map for the gaze crop */
    gz_aug_op op = gz_aug_op_default(GZ_AUG_GAZE_CROP);
    op.height = op.width = 8;
    op.scale[0] = 0.05, op.scale[1] = 0.1;
    op.min_mass = 0.99;
    op.attempts = 200; /* a 3% chance each: near-certain success */
    op.interp = GZ_INTERP_NEAREST;
    gz_aug_pipeline *p;
    CHECK(gz_aug_pipeline_new(&p, &op, 1) == GZ_OK);
    gz_loader_opts o = base_opts();
    o.views = 1;
    o.batch = 2;
    const gz_aug_pipeline *pipes[1] = {p};
    gz_loader *ld;
    CHECK(gz_loader_new(&ld, &o, 2, NULL, NULL, NULL, pipes) == GZ_OK);
    int64_t shape[2] = {64, 64};
    gz_tensor *img, *heat;
    gz_tensor_new(&img, GZ_F32, 2, shape);
    gz_tensor_new(&heat, GZ_F32, 2, shape);
    float *d = img->data, *hm = heat->data;
    for (int y = 44; y < 52; y++) /* bright where the gaze is */
        for (int x = 44; x < 52; x++)
            hm[y * 64 + x] = 1.0f, d[y * 64 + x] = 255.0f;
    CHECK(gz_loader_set_image(ld, 0, img) == GZ_OK);
    CHECK(gz_loader_set_image(ld, 1, img) == GZ_OK);
    CHECK(gz_loader_set_heat(ld, 0, heat) == GZ_OK);
    int gazed_ok = 0, plain_hits = 0;
    gz_loader_batch b;
    for (int e = 0; e < 10; e++) {
        gz_loader_start(ld, (uint64_t)e, 0);
        CHECK(gz_loader_next(ld, &b) == GZ_OK && b.n == 2);
        if (b.n == 2) {
            /* crops are 14..20 pixels wide, sampled 8 x 8: the whole gazed
             * block inside gives at least 3 x 3 bright samples */
            const float *v = b.views[0]->data;
            int64_t first = ((int64_t *)b.indices->data)[0];
            double s[2] = {0, 0};
            for (int i = 0; i < 128; i++)
                s[i / 64] += v[i];
            gazed_ok += s[first == 0 ? 0 : 1] >= 9.0;
            plain_hits += s[first == 0 ? 1 : 0] > 0.0;
        }
        gz_loader_batch_free(&b);
    }
    CHECK_MSG(gazed_ok == 10, "gaze crops held the gazed block in %d of 10 epochs", gazed_ok);
    CHECK_MSG(plain_hits < 6, "plain crops met the block in %d of 10 epochs", plain_hits);
    CHECK(gz_loader_set_image(ld, 0, img) == GZ_ERR_ARG); /* only before the first epoch */
    gz_loader_free(ld);
    gz_tensor_free(img);
    gz_tensor_free(heat);
    gz_aug_pipeline_free(p);
}

int main(void)
{
    if (!write_fixtures()) {
        printf("FAIL %s: fixtures: %s\n", __FILE__, gz_error_message());
        return 1;
    }
    RUN(test_workers_identical);
    RUN(test_order_and_drop_last);
    RUN(test_errors);
    RUN(test_given_images_and_heat);
    remove_fixtures();
    return check_done();
}
