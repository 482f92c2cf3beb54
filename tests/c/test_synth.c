/* Tests of the synthetic reader study (runtime/core/synth.h): labels and
 * splits, determinism (items, thread count, n), gaze ranges, that the
 * simulated gaze follows the findings, knee gap vs grade measured from
 * the images, and error paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "synth.h"

static gz_synth_params params(gz_synth_kind kind, int size, uint64_t seed, double noise)
{
    gz_synth_params p = {kind, size, seed, noise};
    return p;
}

static int same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = check_slurp(a, &la), *y = check_slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static void tmpdir(char *buf, size_t size, const char *tag)
{
    snprintf(buf, size, "/tmp/gz-test-synth-%d-%s", (int)getpid(), tag);
}

static void rmtree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void test_names(void)
{
    gz_synth_kind k;
    CHECK(gz_synth_kind_parse("mammo", &k) == GZ_OK && k == GZ_SYNTH_MAMMO);
    CHECK(gz_synth_kind_parse("dental", &k) == GZ_OK && k == GZ_SYNTH_DENTAL);
    CHECK(gz_synth_kind_parse("knee", &k) == GZ_OK && k == GZ_SYNTH_KNEE);
    CHECK(gz_synth_kind_parse("mamo", &k) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "mamo") != NULL);
    CHECK(gz_synth_nclasses(GZ_SYNTH_MAMMO) == 3 && gz_synth_nclasses(GZ_SYNTH_KNEE) == 5);
    CHECK(strcmp(gz_synth_class_name(GZ_SYNTH_MAMMO, 2), "malignant") == 0);
    CHECK(gz_synth_class_name(GZ_SYNTH_MAMMO, 3) == NULL);
    CHECK(gz_synth_ordinal(GZ_SYNTH_KNEE) && !gz_synth_ordinal(GZ_SYNTH_DENTAL));
    int w, h;
    gz_synth_canvas(GZ_SYNTH_MAMMO, &w, &h);
    CHECK(w == 800 && h == 800);
}

/* Balanced classes and 40/30/10/20 splits per class, independent of n. */
static void test_labels_splits(void)
{
    for (int kind = 0; kind < 3; kind++) {
        gz_synth_params p = params((gz_synth_kind)kind, 64, 7, 0.35);
        int K = gz_synth_nclasses(p.kind);
        int n = 10 * K * 6; /* whole groups: exact proportions */
        int counts[5][4] = {{0}};
        for (int i = 0; i < n; i++) {
            int l = gz_synth_label(&p, i);
            gz_synth_split s = gz_synth_split_of(&p, i);
            CHECK(l >= 0 && l < K);
            counts[l][s]++;
        }
        for (int l = 0; l < K; l++) {
            CHECK_MSG(counts[l][GZ_SPLIT_PRETRAIN] == 24 && counts[l][GZ_SPLIT_TRAIN] == 18 &&
                          counts[l][GZ_SPLIT_VAL] == 6 && counts[l][GZ_SPLIT_TEST] == 12,
                      "kind %d class %d splits %d/%d/%d/%d", kind, l, counts[l][0], counts[l][1],
                      counts[l][2], counts[l][3]);
        }
        /* any prefix is balanced within one item per class */
        int c[5] = {0};
        for (int i = 0; i < 101; i++)
            c[gz_synth_label(&p, i)]++;
        for (int l = 0; l < K; l++)
            CHECK_MSG(abs(c[l] * K - 101) <= K, "kind %d class %d: %d of 101", kind, l, c[l]);
        /* a different seed gives a different order */
        gz_synth_params q = p;
        q.seed = 8;
        int diff = 0;
        for (int i = 0; i < 60; i++)
            diff += gz_synth_label(&p, i) != gz_synth_label(&q, i);
        CHECK(diff > 10);
    }
}

static int items_equal(const gz_synth_item *a, const gz_synth_item *b)
{
    int64_t n = gz_tensor_numel(a->image);
    if (n != gz_tensor_numel(b->image) || memcmp(a->image->data, b->image->data, (size_t)n * sizeof(float)))
        return 0;
    if (a->nfix != b->nfix || a->nraw != b->nraw || a->label != b->label)
        return 0;
    if (memcmp(a->fix_x, b->fix_x, a->nfix * sizeof(double)) ||
        memcmp(a->fix_dur, b->fix_dur, a->nfix * sizeof(double)))
        return 0;
    if (a->nraw && memcmp(a->raw_y, b->raw_y, a->nraw * sizeof(double)))
        return 0;
    return 1;
}

static void test_item_determinism(void)
{
    for (int kind = 0; kind < 3; kind++) {
        gz_synth_params p = params((gz_synth_kind)kind, 48, 3, 0.35);
        gz_synth_item a, b, c;
        CHECK(gz_synth_item_make(&p, 17, &a) == GZ_OK);
        CHECK(gz_synth_item_make(&p, 17, &b) == GZ_OK);
        CHECK(gz_synth_item_make(&p, 18, &c) == GZ_OK);
        CHECK(items_equal(&a, &b));
        CHECK(!items_equal(&a, &c));
        /* pixels are integers 0..255 */
        const float *px = a.image->data;
        int ok = 1;
        for (int64_t i = 0; i < gz_tensor_numel(a.image); i++)
            ok &= px[i] >= 0.0f && px[i] <= 255.0f && px[i] == floorf(px[i]);
        CHECK(ok);
        /* the reader does not change the image */
        gz_synth_params q = p;
        q.reader_noise = 1.0;
        gz_synth_item d;
        CHECK(gz_synth_item_make(&q, 17, &d) == GZ_OK);
        CHECK(memcmp(a.image->data, d.image->data, 48 * 48 * sizeof(float)) == 0);
        CHECK(a.label == d.label);
        gz_synth_item_clear(&a);
        gz_synth_item_clear(&a); /* twice is safe */
        gz_synth_item_clear(&b);
        gz_synth_item_clear(&c);
        gz_synth_item_clear(&d);
    }
}

static void test_gaze_ranges(void)
{
    gz_synth_params p = params(GZ_SYNTH_MAMMO, 32, 1, 0.35);
    size_t lo = 100000, hi = 0;
    int ok = 1;
    for (int i = 0; i < 300; i++) {
        gz_synth_item it;
        if (gz_synth_item_make(&p, i, &it) != GZ_OK) {
            CHECK(0);
            return;
        }
        if (it.nraw < lo) lo = it.nraw;
        if (it.nraw > hi) hi = it.nraw;
        for (size_t k = 0; k < it.nraw; k++)
            ok &= it.raw_x[k] >= 0 && it.raw_x[k] <= 800 && it.raw_y[k] >= 0 && it.raw_y[k] <= 800;
        CHECK(it.heatmap == NULL && it.nfix >= 5);
        gz_synth_item_clear(&it);
    }
    CHECK_MSG(lo >= GZ_SYNTH_MIN_SAMPLES && hi <= GZ_SYNTH_MAX_SAMPLES, "samples %zu..%zu", lo, hi);
    CHECK_MSG(hi - lo > 100, "samples should vary: %zu..%zu", lo, hi);
    CHECK(ok);
    /* knee fixations: seconds, on the 512 canvas; dental: a 256 x 256 heatmap, max 255 */
    gz_synth_params k = params(GZ_SYNTH_KNEE, 32, 1, 0.35), d = params(GZ_SYNTH_DENTAL, 32, 1, 0.35);
    gz_synth_item a, b;
    CHECK(gz_synth_item_make(&k, 4, &a) == GZ_OK);
    CHECK(a.nraw == 0 && a.heatmap == NULL && a.nfix > 3);
    for (size_t i = 0; i < a.nfix; i++)
        CHECK(a.fix_dur[i] >= 0.08 && a.fix_dur[i] <= 2.0 && a.fix_x[i] >= 0 && a.fix_x[i] <= 512);
    CHECK(gz_synth_item_make(&d, 4, &b) == GZ_OK);
    CHECK(b.heatmap && b.heatmap->shape[0] == 256 && b.heatmap->shape[1] == 256);
    double mx = 0;
    for (int64_t i = 0; i < 256 * 256; i++)
        mx = fmax(mx, ((double *)b.heatmap->data)[i]);
    CHECK_NEAR(mx, 255.0, 1e-9);
    gz_synth_item_clear(&a);
    gz_synth_item_clear(&b);
}

/* Share of gaze (samples, fixation time or heat) within 1.5 r of a point. */
static double near_share(const gz_synth_item *it, double fx, double fy, double r)
{
    double in = 0, all = 0, r2 = (1.5 * r) * (1.5 * r);
    if (it->nraw) {
        for (size_t k = 0; k < it->nraw; k++) {
            double dx = it->raw_x[k] - fx, dy = it->raw_y[k] - fy;
            in += dx * dx + dy * dy <= r2;
            all += 1;
        }
    } else if (it->heatmap) {
        const double *h = it->heatmap->data;
        int W = (int)it->heatmap->shape[1], H = (int)it->heatmap->shape[0];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double dx = x + 0.5 - fx, dy = y + 0.5 - fy, v = h[y * W + x];
                in += (dx * dx + dy * dy <= r2) * v;
                all += v;
            }
    } else {
        for (size_t k = 0; k < it->nfix; k++) {
            double dx = it->fix_x[k] - fx, dy = it->fix_y[k] - fy;
            in += (dx * dx + dy * dy <= r2) * it->fix_dur[k];
            all += it->fix_dur[k];
        }
    }
    return all > 0 ? in / all : 0;
}

/* Gaze lands on the finding far more than on another image's finding
 * position, but (with reader noise) not always. */
static void test_gaze_follows_findings(void)
{
    for (int kind = 0; kind < 2; kind++) {
        gz_synth_params p = params((gz_synth_kind)kind, 32, 5, 0.35);
        double own = 0, other = 0, seen = 0;
        int m = 0;
        double px = 0, py = 0, pr = 0;
        int have_prev = 0;
        for (int i = 0; i < 240; i++) {
            gz_synth_item it;
            if (gz_synth_item_make(&p, i, &it) != GZ_OK) {
                CHECK(0);
                return;
            }
            if (it.has_finding) {
                if (have_prev) {
                    own += near_share(&it, it.finding_x, it.finding_y, it.finding_r);
                    other += near_share(&it, px, py, pr);
                    seen += it.finding_seen;
                    m++;
                }
                px = it.finding_x;
                py = it.finding_y;
                pr = it.finding_r;
                have_prev = 1;
            }
            gz_synth_item_clear(&it);
        }
        own /= m;
        other /= m;
        seen /= m;
        CHECK_MSG(own > 2.0 * other, "kind %d: share near own finding %.3f vs another's %.3f", kind, own, other);
        CHECK_MSG(seen > 0.7 && seen < 0.95, "kind %d: finding seen in %.3f of abnormal items", kind, seen);
    }
    /* more noise, fewer findings seen */
    gz_synth_params lo = params(GZ_SYNTH_MAMMO, 16, 2, 0.0), hi = params(GZ_SYNTH_MAMMO, 16, 2, 1.0);
    int s_lo = 0, s_hi = 0, m = 0;
    for (int i = 0; i < 150; i++) {
        gz_synth_item a, b;
        CHECK(gz_synth_item_make(&lo, i, &a) == GZ_OK);
        CHECK(gz_synth_item_make(&hi, i, &b) == GZ_OK);
        if (a.has_finding) {
            s_lo += a.finding_seen;
            s_hi += b.finding_seen;
            m++;
        }
        gz_synth_item_clear(&a);
        gz_synth_item_clear(&b);
    }
    CHECK_MSG(s_lo == m, "noise 0: seen %d of %d", s_lo, m);
    CHECK_MSG(s_hi < 0.6 * m && s_hi > 0.2 * m, "noise 1: seen %d of %d", s_hi, m);
}

/* Joint-space width measured from the pixels: in each column of the two
 * compartments, the run of dark pixels around the darkest pixel of the
 * middle band (threshold halfway between the column's min and max). */
static double measure_gap(const gz_tensor *img)
{
    int S = (int)img->shape[0];
    const float *px = img->data;
    double widths[256];
    int nw = 0;
    for (int c = (int)(0.3 * S); c < (int)(0.7 * S) && nw < 256; c++) {
        if (c > 0.42 * S && c < 0.58 * S)
            continue; /* intercondylar notch */
        int r0 = (int)(0.3 * S), r1 = (int)(0.7 * S), rmin = r0;
        float lo = 1e9f, hi = -1e9f;
        for (int r = r0; r < r1; r++) {
            float v = px[r * S + c];
            if (v < lo) {
                lo = v;
                rmin = r;
            }
            if (v > hi)
                hi = v;
        }
        float t = 0.5f * (lo + hi);
        int a = rmin, b = rmin;
        while (a > r0 && px[(a - 1) * S + c] < t)
            a--;
        while (b < r1 - 1 && px[(b + 1) * S + c] < t)
            b++;
        widths[nw++] = b - a + 1;
    }
    /* median */
    for (int i = 1; i < nw; i++)
        for (int j = i; j > 0 && widths[j] < widths[j - 1]; j--) {
            double t = widths[j];
            widths[j] = widths[j - 1];
            widths[j - 1] = t;
        }
    return nw ? widths[nw / 2] : 0;
}

static void test_knee_gap_by_grade(void)
{
    gz_synth_params p = params(GZ_SYNTH_KNEE, 128, 11, 0.35);
    double sum[5] = {0}, truth[5] = {0}, dwell[5] = {0};
    int cnt[5] = {0};
    for (int i = 0; i < 150; i++) {
        gz_synth_item it;
        if (gz_synth_item_make(&p, i, &it) != GZ_OK) {
            CHECK(0);
            return;
        }
        sum[it.label] += measure_gap(it.image);
        truth[it.label] += it.gap_px;
        for (size_t k = 0; k < it.nfix; k++)
            dwell[it.label] += it.fix_dur[k];
        cnt[it.label]++;
        gz_synth_item_clear(&it);
    }
    for (int g = 0; g < 5; g++) {
        CHECK(cnt[g] == 30);
        sum[g] /= cnt[g];
        truth[g] /= cnt[g];
        dwell[g] /= cnt[g];
    }
    for (int g = 1; g < 5; g++) {
        CHECK_MSG(sum[g] < sum[g - 1], "measured gap grade %d %.2f px >= grade %d %.2f px", g, sum[g],
                  g - 1, sum[g - 1]);
        CHECK(truth[g] < truth[g - 1]);
    }
    CHECK_MSG(sum[0] > 1.8 * sum[4], "gap grade 0 %.2f px vs grade 4 %.2f px", sum[0], sum[4]);
    /* the reader looks longer at worse knees */
    CHECK_MSG(dwell[4] > dwell[0] * 1.3, "reading time grade 0 %.2f s, grade 4 %.2f s", dwell[0], dwell[4]);
}

static void test_write_deterministic(void)
{
    char a[256], b[256], c[256], fa[512], fb[512];
    tmpdir(a, sizeof a, "a");
    tmpdir(b, sizeof b, "b/nested");
    tmpdir(c, sizeof c, "c");
    for (int kind = 0; kind < 3; kind++) {
        gz_synth_params p = params((gz_synth_kind)kind, 24, 1, 0.35);
        CHECK(gz_synth_write(&p, 20, a, 1) == GZ_OK);
        CHECK(gz_synth_write(&p, 20, b, 3) == GZ_OK); /* other thread count */
        CHECK(gz_synth_write(&p, 27, c, 2) == GZ_OK); /* larger n */
        CHECK(same_file(strcat(strcpy(fa, a), "/manifest.yaml"), strcat(strcpy(fb, b), "/manifest.yaml")));
        const char *gz = kind == GZ_SYNTH_MAMMO ? "gaze/%04d.json" : (kind == GZ_SYNTH_KNEE ? "gaze/%04d.tsv" : "heat/%04d.png");
        int same = 1;
        for (int i = 0; i < 20; i++) {
            char rel[64];
            snprintf(fa, sizeof fa, "%s/images/%04d.png", a, i);
            snprintf(fb, sizeof fb, "%s/images/%04d.png", b, i);
            same &= same_file(fa, fb);
            snprintf(fb, sizeof fb, "%s/images/%04d.png", c, i);
            same &= same_file(fa, fb);
            snprintf(rel, sizeof rel, gz, i);
            snprintf(fa, sizeof fa, "%s/%s", a, rel);
            snprintf(fb, sizeof fb, "%s/%s", b, rel);
            same &= same_file(fa, fb);
            snprintf(fb, sizeof fb, "%s/%s", c, rel);
            same &= same_file(fa, fb);
        }
        CHECK_MSG(same, "kind %d: files differ between runs", kind);
        size_t len = 0;
        snprintf(fa, sizeof fa, "%s/manifest.yaml", c);
        char *m = check_slurp(fa, &len);
        CHECK(m && strstr(m, "n: 27,") && strstr(m, "  - id: \"0026\"\n") && !strstr(m, "\"0027\""));
        CHECK(m && strstr(m, "version: 1,"));
        if (kind == GZ_SYNTH_DENTAL)
            CHECK(m && strstr(m, "    heatmap: heat/0000.png\n") && !strstr(m, "gaze:"));
        if (kind == GZ_SYNTH_KNEE)
            CHECK(m && strstr(m, "ordinal: true\n") && strstr(m, "duration_unit: s"));
        free(m);
    }
    rmtree(a);
    tmpdir(b, sizeof b, "b");
    rmtree(b);
    rmtree(c);
}

static void test_errors(void)
{
    gz_synth_params p = params(GZ_SYNTH_MAMMO, 8, 1, 0.35);
    gz_synth_item it;
    CHECK(gz_synth_item_make(&p, 0, &it) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "size 8") != NULL);
    CHECK(it.image == NULL);
    p.size = 32;
    p.reader_noise = 1.5;
    CHECK(gz_synth_item_make(&p, 0, &it) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "reader_noise") != NULL);
    p.reader_noise = NAN;
    CHECK(gz_synth_item_make(&p, 0, &it) == GZ_ERR_ARG);
    p.reader_noise = 0.2;
    CHECK(gz_synth_item_make(&p, -1, &it) == GZ_ERR_ARG);
    CHECK(gz_synth_write(&p, 0, "/tmp/never", 1) == GZ_ERR_ARG);
    CHECK(gz_synth_write(&p, 5, "", 1) == GZ_ERR_ARG);
    /* the output folder is a file */
    char f[256];
    tmpdir(f, sizeof f, "file");
    FILE *fp = fopen(f, "w");
    if (fp)
        fclose(fp);
    CHECK(gz_synth_write(&p, 2, f, 1) == GZ_ERR_IO);
    CHECK(strstr(gz_error_message(), "not a folder") != NULL);
    remove(f);
}

int main(void)
{
    RUN(test_names);
    RUN(test_labels_splits);
    RUN(test_item_determinism);
    RUN(test_gaze_ranges);
    RUN(test_gaze_follows_findings);
    RUN(test_knee_gap_by_grade);
    RUN(test_write_deterministic);
    RUN(test_errors);
    return check_done();
}
