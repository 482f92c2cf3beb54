/* Tests of TIMA (similarity.md section 5): DBSCAN rules on hand-made
 * point sets, DTW and its traceback on hand-computed tables, the key
 * parsing, and every tima case of the golden file (clusters, per-cluster
 * features, DTW d and L, similarity). */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "golden.h"
#include "heatmap.h"
#include "moments.h"
#include "rng.h"
#include "tima.h"

/* Points on a 100 x 100 feature canvas; with n points, dt between
 * neighbours in index is 1/n. */
static void test_dbscan_basic(void)
{
    /* Two groups far apart in space, plus an isolated point, n = 10,
     * div 10 -> min_samples 2, eps 0.35 (dt is 0.1 per index step). Points
     * 7 and 9 sit at group A's place but too late in time to join cluster 0
     * (dt from 2 to 7 is 0.5), so they found cluster 2; point 8 is within
     * eps of point 5 (dt 0.3) and joins cluster 1. Point 6 is noise. */
    double x[10] = {10, 11, 12, 90, 91, 92, 50, 13, 93, 14};
    double y[10] = {10, 10, 11, 90, 90, 91, 50, 10, 90, 11};
    int labels[10];
    size_t nc = 99;
    CHECK(gz_tima_dbscan(x, y, 10, 100, 100, 10, 0.35, labels, &nc) == GZ_OK);
    CHECK(nc == 3);
    int want[10] = {0, 0, 0, 1, 1, 1, -1, 2, 1, 2};
    for (int k = 0; k < 10; k++)
        CHECK_MSG(labels[k] == want[k], "point %d: label %d, expected %d", k, labels[k], want[k]);
    /* Time separates: the same place at far-apart indices is two clusters
     * when eps is small in time. n = 10, eps 0.15: dt of 0.1 joins, 0.2 not. */
    double x2[10] = {50, 50, 0, 100, 0, 100, 0, 100, 50, 50};
    double y2[10] = {50, 50, 0, 0, 100, 100, 0, 100, 50, 50};
    CHECK(gz_tima_dbscan(x2, y2, 10, 100, 100, 10, 0.15, labels, &nc) == GZ_OK);
    CHECK(nc == 2);
    CHECK(labels[0] == 0 && labels[1] == 0 && labels[8] == 1 && labels[9] == 1);
    for (int k = 2; k < 8; k++)
        CHECK(labels[k] == -1);
}

/* A border point is in the eps-ball of core points of two clusters: it
 * belongs to the first cluster found (scan by index), even when it is
 * nearer to the second. Feature canvas 1 x 1, so features are (x, y, k/9);
 * n = 9, div 3 -> min_samples 4, eps 0.25; dt is 1/9 per index step.
 * A = points 0..3 at x 0; B = point 4 at x 0.2; C = points 5..8 at x 0.35.
 * Cores: 1, 2, 3 (A) and 5..8 (C); B has 3 neighbours (3, itself, 5), so
 * it is a border point of both; point 0 has 3 neighbours (border of A). */
static void test_dbscan_border_first_cluster(void)
{
    double x[9] = {0, 0, 0, 0, 0.2, 0.35, 0.35, 0.35, 0.35};
    double y[9] = {0};
    int labels[9];
    size_t nc = 0;
    CHECK(gz_tima_dbscan(x, y, 9, 1, 1, 3, 0.25, labels, &nc) == GZ_OK);
    CHECK(nc == 2);
    int want[9] = {0, 0, 0, 0, 0, 1, 1, 1, 1};
    for (int k = 0; k < 9; k++)
        CHECK_MSG(labels[k] == want[k], "point %d: label %d, expected %d", k, labels[k], want[k]);
    /* with min_samples 5 (div 2) nothing is core: all noise */
    CHECK(gz_tima_dbscan(x, y, 9, 1, 1, 2, 0.25, labels, &nc) == GZ_OK);
    CHECK(nc == 0);
    for (int k = 0; k < 9; k++)
        CHECK(labels[k] == -1);
}

/* Brute-force DBSCAN straight from the spec (all pairs, neighbour lists),
 * compared with the windowed implementation on random data. */
static void brute_dbscan(const double *x, const double *y, size_t n, double W, double H,
                         int div, double eps, int *labels, size_t *nc)
{
    size_t ms = n / (size_t)div + 1;
    int *core = calloc(n, sizeof(int));
    for (size_t i = 0; i < n; i++) {
        size_t cnt = 0;
        for (size_t j = 0; j < n; j++) {
            double dx = x[i] / W - x[j] / W, dy = y[i] / H - y[j] / H;
            double dt = (double)i / (double)n - (double)j / (double)n;
            if (sqrt(dx * dx + dy * dy + dt * dt) <= eps)
                cnt++;
        }
        core[i] = cnt >= ms;
        labels[i] = -1;
    }
    int cl = 0;
    size_t *queue = malloc(n * sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        if (labels[i] != -1 || !core[i])
            continue;
        size_t head = 0, tail = 0;
        labels[i] = cl;
        queue[tail++] = i;
        while (head < tail) {
            size_t p = queue[head++];
            if (!core[p])
                continue;
            for (size_t j = 0; j < n; j++) {
                double dx = x[p] / W - x[j] / W, dy = y[p] / H - y[j] / H;
                double dt = (double)p / (double)n - (double)j / (double)n;
                if (sqrt(dx * dx + dy * dy + dt * dt) <= eps && labels[j] == -1) {
                    labels[j] = cl;
                    queue[tail++] = j;
                }
            }
        }
        cl++;
    }
    *nc = (size_t)cl;
    free(core);
    free(queue);
}

static void test_dbscan_matches_brute_force(void)
{
    for (int trial = 0; trial < 40; trial++) {
        gz_rng r;
        gz_rng_init(&r, 7, (uint64_t)trial);
        size_t n = 1 + gz_rng_below(&r, 300);
        double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
        /* a few ROIs visited in turn, some samples off the canvas */
        double cx = 400, cy = 400;
        for (size_t k = 0; k < n; k++) {
            if (gz_rng_double(&r) < 0.05) {
                cx = gz_rng_range(&r, -50, 850);
                cy = gz_rng_range(&r, -50, 850);
            }
            x[k] = floor(cx + 30 * gz_rng_normal(&r));
            y[k] = floor(cy + 30 * gz_rng_normal(&r));
        }
        int div = trial % 2 ? 10 : 20;
        double eps = trial % 3 == 0 ? 0.1 : 0.2;
        int *la = malloc(n * sizeof(int)), *lb = malloc(n * sizeof(int));
        size_t na = 0, nb = 0;
        CHECK(gz_tima_dbscan(x, y, n, 800, 800, div, eps, la, &na) == GZ_OK);
        brute_dbscan(x, y, n, 800, 800, div, eps, lb, &nb);
        CHECK_MSG(na == nb, "trial %d: %zu clusters, brute force %zu", trial, na, nb);
        int same = memcmp(la, lb, n * sizeof(int)) == 0;
        CHECK_MSG(same, "trial %d: labels differ from brute force", trial);
        free(x);
        free(y);
        free(la);
        free(lb);
    }
}

static void test_dbscan_edges(void)
{
    int labels[4];
    size_t nc = 7;
    CHECK(gz_tima_dbscan(NULL, NULL, 0, 800, 800, 10, 0.2, labels, &nc) == GZ_OK);
    CHECK(nc == 0);
    double x[1] = {5}, y[1] = {5};
    CHECK(gz_tima_dbscan(x, y, 1, 800, 800, 10, 0.2, labels, &nc) == GZ_OK);
    CHECK(nc == 1 && labels[0] == 0); /* min_samples 1: a lone point is core */
    double xn[3] = {5, NAN, 5}, yn[3] = {5, 5, 5};
    CHECK(gz_tima_dbscan(xn, yn, 3, 800, 800, 10, 0.7, labels, &nc) == GZ_OK);
    CHECK(nc == 1 && labels[0] == 0 && labels[1] == -1 && labels[2] == 0);
    CHECK(gz_tima_dbscan(x, y, 1, 800, 800, 0, 0.2, labels, &nc) == GZ_ERR_ARG);
    CHECK(gz_tima_dbscan(x, y, 1, 0, 800, 10, 0.2, labels, &nc) == GZ_ERR_ARG);
}

static gz_tima_features *feats(size_t n, const double *m00, const double *hu1)
{
    gz_tima_features *f = calloc(1, sizeof *f);
    f->n_clusters = n;
    f->m00 = malloc(n * sizeof(double) + 1);
    f->hu1 = malloc(n * sizeof(double) + 1);
    memcpy(f->m00, m00, n * sizeof(double));
    memcpy(f->hu1, hu1, n * sizeof(double));
    return f;
}

static void test_dtw(void)
{
    /* Identical sequences: d = 0, the diagonal path, L = n. */
    double m[3] = {100, 200, 300}, h[3] = {0.1, 0.2, 0.3};
    gz_tima_features *a = feats(3, m, h), *b = feats(3, m, h);
    double d, sim;
    size_t L;
    CHECK(gz_tima_dtw(a, b, &d, &L) == GZ_OK);
    CHECK(d == 0.0 && L == 3);
    CHECK(gz_tima_similarity(a, b, &sim) == GZ_OK && sim == 1.0);
    gz_tima_features_free(b);
    /* One cluster against three: the only path has 3 cells. */
    double m1[1] = {100}, h1[1] = {0.1};
    b = feats(1, m1, h1);
    CHECK(gz_tima_dtw(a, b, &d, &L) == GZ_OK);
    /* costs: (100,.1)->0; (200,.2)->0.7*.5+0.3*.5=.5; (300,.3)->0.7*2/3+0.3*2/3 */
    CHECK_NEAR(d, 0.5 + 2.0 / 3.0, 1e-15);
    CHECK(L == 3);
    CHECK(gz_tima_similarity(a, b, &sim) == GZ_OK);
    CHECK_NEAR(sim, 1.0 - (0.5 + 2.0 / 3.0) / 3.0, 1e-15);
    gz_tima_features_free(b);
    /* Ties: a = (x, x), b = (x): from (1,0) only "up" exists; L = 2.
     * a = (x, y), b = (y, x) with all costs 1 off-diagonal and 0... set
     * up a table where diagonal and up tie at the end: the diagonal wins. */
    double mt[2] = {100, 100}, ht[2] = {0.1, 0.1};
    gz_tima_features *c = feats(2, mt, ht), *e = feats(2, mt, ht);
    CHECK(gz_tima_dtw(c, e, &d, &L) == GZ_OK);
    CHECK(d == 0.0 && L == 2); /* all zero: the diagonal is preferred */
    gz_tima_features_free(e);
    /* a = (A, B), b = (A, A, B): D = [[0, 0, c], [c, c, 0]] with c = cost(A,B):
     * the end (1,2): diag D[0][1] = 0, up D[0][2] = c, left D[1][1] = c:
     * diagonal -> (0,1), then only left -> (0,0): L = 3. */
    double ma[2] = {100, 200}, ha[2] = {0.1, 0.2};
    double mb[3] = {100, 100, 200}, hb[3] = {0.1, 0.1, 0.2};
    gz_tima_features_free(c);
    c = feats(2, ma, ha);
    e = feats(3, mb, hb);
    CHECK(gz_tima_dtw(c, e, &d, &L) == GZ_OK);
    CHECK(d == 0.0 && L == 3);
    gz_tima_features_free(c);
    gz_tima_features_free(e);
    /* Empty: similarity 0 with anything, including another empty record. */
    gz_tima_features empty = {0, NULL, NULL};
    CHECK(gz_tima_similarity(&empty, a, &sim) == GZ_OK && sim == 0.0);
    CHECK(gz_tima_similarity(a, &empty, &sim) == GZ_OK && sim == 0.0);
    CHECK(gz_tima_similarity(&empty, &empty, &sim) == GZ_OK && sim == 0.0);
    CHECK(gz_tima_dtw(&empty, a, &d, &L) == GZ_ERR_ARG);
    /* A cluster rendered entirely off the canvas: m00 0, hu1 NaN -> diff 1. */
    double mz[1] = {0}, hz[1] = {NAN};
    b = feats(1, mz, hz);
    c = feats(1, mz, hz);
    CHECK(gz_tima_similarity(b, c, &sim) == GZ_OK);
    CHECK_NEAR(sim, 0.7, 1e-15); /* 1 - (0.7 * 0 + 0.3 * 1) */
    gz_tima_features_free(a);
    gz_tima_features_free(b);
    gz_tima_features_free(c);
    /* A long pair exercises the heap-allocated table. */
    double big_m[40], big_h[40];
    for (int k = 0; k < 40; k++) {
        big_m[k] = 100 + k;
        big_h[k] = 0.1;
    }
    a = feats(40, big_m, big_h);
    b = feats(30, big_m, big_h);
    CHECK(gz_tima_dtw(a, b, &d, &L) == GZ_OK);
    CHECK(L >= 40 && L <= 69 && d > 0.0);
    gz_tima_features_free(a);
    gz_tima_features_free(b);
}

static void test_params(void)
{
    const gz_scheme *s = &gz_scheme_tima;
    void *p = NULL;
    char desc[256];
    CHECK(s->params_new(&p, NULL, NULL, 0) == GZ_OK);
    CHECK(s->params_describe(p, desc, sizeof desc) == GZ_OK);
    CHECK_MSG(strcmp(desc, "canvas=800x800 render=800x800 kernel=80 div=10 eps=0.2") == 0, "%s",
              desc);
    s->params_free(p);
    /* render defaults to the canvas, kernel to int(H/10) of the render canvas */
    const char *k1[] = {"canvas", "render"};
    const char *v1[] = {"800x800", "1920x1080"};
    CHECK(s->params_new(&p, k1, v1, 2) == GZ_OK);
    CHECK(s->params_describe(p, desc, sizeof desc) == GZ_OK);
    CHECK_MSG(strcmp(desc, "canvas=800x800 render=1920x1080 kernel=108 div=10 eps=0.2") == 0, "%s",
              desc);
    s->params_free(p);
    const char *k2[] = {"eps", "canvas", "div"};
    const char *v2[] = {"0.15", "1280x720", "20"};
    CHECK(s->params_new(&p, k2, v2, 3) == GZ_OK);
    CHECK(s->params_describe(p, desc, sizeof desc) == GZ_OK);
    CHECK_MSG(strcmp(desc, "canvas=1280x720 render=1280x720 kernel=72 div=20 eps=0.15") == 0, "%s",
              desc);
    s->params_free(p);
    p = NULL;
    const char *k3[] = {"x"};
    const char *v3[] = {"1"};
    CHECK(s->params_new(&p, k3, v3, 1) == GZ_ERR_ARG && p == NULL);
    CHECK_MSG(strcmp(gz_error_message(), "unknown key 'x' for scheme tima") == 0, "%s",
              gz_error_message());
    const char *k4[] = {"ep"};
    CHECK(s->params_new(&p, k4, v3, 1) == GZ_ERR_ARG);
    CHECK_MSG(strcmp(gz_error_message(), "unknown key 'ep' for scheme tima (did you mean 'eps'?)") ==
                  0,
              "%s", gz_error_message());
    const char *k5[] = {"w_hu"};
    CHECK(s->params_new(&p, k5, v3, 1) == GZ_ERR_ARG);
    const char *k6[] = {"div"};
    const char *v6[] = {"0"};
    CHECK(s->params_new(&p, k6, v6, 1) == GZ_ERR_ARG);
    const char *v7[] = {"2.5"};
    CHECK(s->params_new(&p, k6, v7, 1) == GZ_ERR_ARG);
    const char *k8[] = {"eps"};
    const char *v8[] = {"-1"};
    CHECK(s->params_new(&p, k8, v8, 1) == GZ_ERR_ARG);
    const char *v9[] = {"nan"};
    CHECK(s->params_new(&p, k8, v9, 1) == GZ_ERR_ARG);
    /* tima needs gaze, a heatmap alone is not enough */
    CHECK(s->params_new(&p, NULL, NULL, 0) == GZ_OK);
    gz_tensor *t = NULL;
    int64_t shape[2] = {8, 8};
    gz_tensor_new(&t, GZ_F32, 2, shape);
    gz_record rec = {.gaze = NULL, .heatmap = t, .label = -1, .name = "img3"};
    void *f = NULL;
    CHECK(s->features_new(p, &rec, &f) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), "img3") != NULL);
    gz_tensor_free(t);
    s->params_free(p);
}

/* features_new renders each cluster: compare with a full render. */
static void test_cluster_features_full_render(void)
{
    gz_rng r;
    gz_rng_init(&r, 3, 0);
    size_t n = 150;
    double x[150], y[150];
    for (size_t k = 0; k < n; k++) {
        double cx = k < 75 ? 200 : 600;
        x[k] = floor(cx + 20 * gz_rng_normal(&r));
        y[k] = floor(300 + 20 * gz_rng_normal(&r));
    }
    gz_tima_params p;
    gz_tima_params_default(&p);
    p.render_w = 1920;
    p.render_h = 1080;
    p.kernel = 108;
    gz_tima_features *f = NULL;
    CHECK(gz_tima_features_new(&p, x, y, n, &f) == GZ_OK);
    if (!f)
        return;
    CHECK(f->n_clusters == 2);
    int labels[150];
    size_t nc;
    gz_tima_dbscan(x, y, n, 800, 800, 10, 0.2, labels, &nc);
    double *full = malloc(1920 * 1080 * sizeof(double));
    for (size_t c = 0; c < nc && c < f->n_clusters; c++) {
        double px[150], py[150], small[32 * 32], m00, hu1;
        size_t m = 0;
        for (size_t k = 0; k < n; k++)
            if (labels[k] == (int)c) {
                px[m] = x[k];
                py[m++] = y[k];
            }
        gz_heatmap_render(px, py, NULL, m, 1920, 1080, 108, full);
        gz_resize_bilinear(full, 1920, 1080, small, 32, 32);
        gz_moments_of(small, 32, 32, &m00, &hu1);
        CHECK(f->m00[c] == m00);
        CHECK(f->hu1[c] == hu1);
    }
    free(full);
    gz_tima_features_free(f);
}

/* Each input's clusters and their (m00, hu1), DTW's d and L when given,
 * and the similarity. */
static void check_tima_case(const golden_case *gc)
{
    const char *id = gc->id;
    const cJSON *details = gc->details;
    double tol = gc->tol;
    void *params = NULL;
    gz_tima_features *f[2] = {NULL, NULL};
    CHECK(gz_scheme_tima.params_new(&params, gc->gp.keys, gc->gp.values, gc->gp.n) == GZ_OK);
    for (int k = 0; k < 2 && params; k++) {
        void *fv = NULL;
        CHECK_MSG(gz_scheme_tima.features_new(params, &gc->in[k].rec, &fv) == GZ_OK,
                  "%s: %s", id, gz_error_message());
        f[k] = fv;
        if (!f[k])
            continue;
        int want_nc = (int)golden_num(
            cJSON_GetArrayItem(cJSON_GetObjectItem(details, "clusters"), k));
        CHECK_MSG((int)f[k]->n_clusters == want_nc, "%s: record %d has %zu clusters, expected %d",
                  id, k, f[k]->n_clusters, want_nc);
        const cJSON *fl = cJSON_GetArrayItem(cJSON_GetObjectItem(details, "features_m00_hu1"), k);
        for (size_t q = 0; q < f[k]->n_clusters && (int)q < want_nc; q++) {
            const cJSON *e = cJSON_GetArrayItem(fl, (int)q);
            CHECK_GOLDEN(f[k]->m00[q], golden_num(cJSON_GetArrayItem(e, 0)), tol, id);
            CHECK_GOLDEN(f[k]->hu1[q], golden_num(cJSON_GetArrayItem(e, 1)), tol, id);
        }
    }
    const cJSON *dd = cJSON_GetObjectItem(details, "dtw_d");
    if (dd && f[0] && f[1] && f[0]->n_clusters && f[1]->n_clusters) {
        double d;
        size_t L;
        CHECK(gz_tima_dtw(f[0], f[1], &d, &L) == GZ_OK);
        CHECK_GOLDEN(d, golden_num(dd), tol, id);
        CHECK_MSG((double)L == golden_num(cJSON_GetObjectItem(details, "dtw_L")),
                  "%s: L = %zu", id, L);
    }
    double out = NAN;
    if (f[0] && f[1])
        CHECK(gz_scheme_tima.compare(params, f[0], f[1], 0, 1, &out) == GZ_OK);
    CHECK_GOLDEN(out, gc->want, tol, id);
    gz_tima_features_free(f[0]);
    gz_tima_features_free(f[1]);
    gz_scheme_tima.params_free(params);
}

static void test_golden_cases(void)
{
    golden_each_pair_case("tima", 10, check_tima_case);
}

int main(void)
{
    RUN(test_dbscan_basic);
    RUN(test_dbscan_border_first_cluster);
    RUN(test_dbscan_matches_brute_force);
    RUN(test_dbscan_edges);
    RUN(test_dtw);
    RUN(test_params);
    RUN(test_cluster_features_full_render);
    RUN(test_golden_cases);
    return check_done();
}
