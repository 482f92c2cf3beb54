/* MultiMatch: the spec's studyforrest golden values, every multimatch case
 * of ../shared/testdata/golden/expected.json (values, saccade counts after
 * grouping, alignment path length and cost) through the scheme vtable with
 * inputs read by gz_gaze_read, the key=value rules of spec section 7, bad
 * inputs, and thread safety of compare. */
#include <cJSON.h>
#include <pthread.h>
#include <stdint.h>

#include "check.h"
#include "gaze_io.h"
#include "golden.h"
#include "multimatch.h"
#include "scheme.h"

/* Runs the scheme on two gaze records; keys/values as on the command line.
 * Also returns the features' saccade counts and the alignment details. */
typedef struct run_out {
    double v[6];
    size_t sac[2];
    gz_mm_detail det;
} run_out;

static gz_status run_pair(const gz_gaze *a, const gz_gaze *b, const char *const *keys,
                          const char *const *values, size_t n, run_out *r)
{
    const gz_scheme *s = &gz_scheme_multimatch;
    void *params = NULL, *fa = NULL, *fb = NULL;
    gz_record ra = {a, NULL, -1, "a"}, rb = {b, NULL, -1, "b"};
    memset(r, 0, sizeof *r);
    gz_status st = s->params_new(&params, keys, values, n);
    if (!st)
        st = s->features_new(params, &ra, &fa);
    if (!st)
        st = s->features_new(params, &rb, &fb);
    if (!st)
        st = s->compare(params, fa, fb, 0, 1, r->v);
    if (!st) {
        const gz_mm_path *pa = fa, *pb = fb;
        r->sac[0] = pa->n;
        r->sac[1] = pb->n;
        double tmp[5];
        st = gz_mm_compare(pa, pb, 1.0, 1.0, 0, tmp, &r->det);
    }
    s->features_free(fa);
    s->features_free(fb);
    if (params)
        s->params_free(params);
    return st;
}

static gz_gaze *read_or_null(const char *path)
{
    gz_gaze *g = NULL;
    gz_status st = gz_gaze_read(path, NULL, &g);
    CHECK_MSG(st == GZ_OK, "gz_gaze_read(%s): %s", path, gz_error_message());
    return st == GZ_OK ? g : NULL;
}

/* ---- the spec's MATLAB-verified values ------------------------------------ */

static void test_studyforrest_segment10(void)
{
    gz_gaze *a = read_or_null(check_shared("testdata/studyforrest/segment_10_sub-19.tsv"));
    gz_gaze *b = read_or_null(check_shared("testdata/studyforrest/segment_10_sub-01.tsv"));
    if (!a || !b) {
        gz_gaze_free(a);
        gz_gaze_free(b);
        return;
    }
    static const double plain[5] = {0.99082147, 0.69901736, 0.98927069, 0.94766886,
                                    0.65563298};
    static const double grouped[5] = {0.95075848, 0.95637549, 0.94082367, 0.94491164,
                                      0.78260870};
    run_out r;
    const char *k1[] = {"screen"}, *v1[] = {"1280x720"};
    CHECK(run_pair(a, b, k1, v1, 1, &r) == GZ_OK);
    for (int k = 0; k < 5; k++)
        CHECK_NEAR(r.v[k], plain[k], 5e-9); /* the spec prints 8 decimals */
    const char *k2[] = {"screen", "grouping", "tdir", "tdur", "tamp"};
    const char *v2[] = {"1280x720", "true", "45", "0.3", "146.8"};
    CHECK(run_pair(a, b, k2, v2, 5, &r) == GZ_OK);
    for (int k = 0; k < 5; k++)
        CHECK_NEAR(r.v[k], grouped[k], 5e-9);
    /* default score: 0.2 each, summed in order */
    double s = 0.0;
    for (int k = 0; k < 5; k++)
        s += 0.2 * r.v[k];
    CHECK(r.v[5] == s);
    gz_gaze_free(a);
    gz_gaze_free(b);
}

/* ---- every multimatch case of expected.json ------------------------------- */

static void test_golden_cases(void)
{
    cJSON *doc = golden_load();
    CHECK_MSG(doc != NULL, "cannot read %s", golden_path("expected.json"));
    if (!doc)
        return;
    static const char *names[6] = {"vector", "direction", "length", "position", "duration",
                                   "score"};
    int count = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases"))
    {
        const cJSON *scheme = cJSON_GetObjectItem(c, "scheme");
        if (!cJSON_IsString(scheme) || strcmp(scheme->valuestring, "multimatch"))
            continue;
        count++;
        const char *id = cJSON_GetObjectItem(c, "id")->valuestring;
        const cJSON *inputs = cJSON_GetObjectItem(c, "inputs");
        gz_gaze *a = read_or_null(golden_path(cJSON_GetArrayItem(inputs, 0)->valuestring));
        gz_gaze *b = read_or_null(golden_path(cJSON_GetArrayItem(inputs, 1)->valuestring));
        if (!a || !b) {
            gz_gaze_free(a);
            gz_gaze_free(b);
            continue;
        }
        golden_params gp;
        golden_params_from(&gp, cJSON_GetObjectItem(c, "params"));
        double tol = cJSON_GetObjectItem(c, "tolerance")->valuedouble;
        run_out r;
        gz_status st = run_pair(a, b, gp.keys, gp.values, gp.n, &r);
        CHECK_MSG(st == GZ_OK, "%s: %s", id, gz_error_message());
        const cJSON *exp = cJSON_GetObjectItem(c, "expected");
        for (int k = 0; k < 6; k++) {
            const cJSON *e = cJSON_GetObjectItem(exp, names[k]);
            if (!e)
                continue;
            double want = cJSON_IsNumber(e) ? e->valuedouble : NAN;
            CHECK_MSG(golden_close(r.v[k], want, tol), "%s: %s = %.17g, expected %.17g", id,
                      names[k], r.v[k], want);
        }
        const cJSON *det = cJSON_GetObjectItem(c, "details");
        const cJSON *sac = cJSON_GetObjectItem(det, "saccades");
        if (sac) {
            CHECK_MSG(r.sac[0] == (size_t)cJSON_GetArrayItem(sac, 0)->valueint &&
                          r.sac[1] == (size_t)cJSON_GetArrayItem(sac, 1)->valueint,
                      "%s: saccades %zu, %zu", id, r.sac[0], r.sac[1]);
            size_t cells = (size_t)cJSON_GetObjectItem(det, "path_cells")->valueint;
            double cost = cJSON_GetObjectItem(det, "path_cost")->valuedouble;
            CHECK_MSG(r.det.path_cells == cells, "%s: path cells %zu, expected %zu", id,
                      r.det.path_cells, cells);
            CHECK_MSG(golden_close(r.det.path_cost, cost, 1e-12), "%s: path cost %.17g vs %.17g",
                      id, r.det.path_cost, cost);
        }
        gz_gaze_free(a);
        gz_gaze_free(b);
    }
    CHECK_MSG(count == 21, "%d multimatch cases, expected 21", count);
    cJSON_Delete(doc);
}

/* ---- keys and values ------------------------------------------------------ */

static gz_status params_of(const char *const *keys, const char *const *values, size_t n,
                           char *desc, size_t cap)
{
    void *p = NULL;
    gz_status st = gz_scheme_multimatch.params_new(&p, keys, values, n);
    if (st)
        return st;
    st = gz_scheme_multimatch.params_describe(p, desc, cap);
    gz_scheme_multimatch.params_free(p);
    return st;
}

static void test_keys(void)
{
    const gz_scheme *s = gz_scheme_find("multimatch");
    CHECK(s == &gz_scheme_multimatch);
    CHECK(s->n_values == 6 && s->score_index == 5);
    CHECK(!strcmp(s->value_names[0], "vector") && !strcmp(s->value_names[5], "score"));
    size_t nk = 0;
    while (s->keys[nk])
        nk++;
    CHECK(nk == 15);

    char d[1024];
    CHECK(params_of(NULL, NULL, 0, d, sizeof d) == GZ_OK);
    CHECK_MSG(!strcmp(d, "screen=1280x720 grouping=false tdir=0 tdur=0 tamp=0 short=zero "
                         "weights=0.2,0.2,0.2,0.2,0.2 fixations=auto mcgip_ratio=0.05 "
                         "mcgip_canvas=800 idt_dispersion=25 idt_min_duration=50 "
                         "ivt_min_duration=50"),
              "defaults: %.300s", d);

    /* preset=mcgip, with an explicit key overriding it (whatever the order) */
    const char *k1[] = {"tamp", "preset"}, *v1[] = {"150", "mcgip"};
    CHECK(params_of(k1, v1, 2, d, sizeof d) == GZ_OK);
    CHECK_MSG(strstr(d, "screen=1920x1080 grouping=true tdir=45 tdur=100 tamp=150 short=zero") &&
                  strstr(d, "fixations=mcgip"),
              "preset: %.300s", d);

    /* describe reads back to the same parameters */
    const char *k2[] = {"weights", "screen", "ivt_velocity", "fixations"};
    const char *v2[] = {"0.1,0.1,0.1,0.1,0.6", "1024x768.5", "1000", "ivt"};
    CHECK(params_of(k2, v2, 4, d, sizeof d) == GZ_OK);
    CHECK_MSG(strstr(d, "weights=0.1,0.1,0.1,0.1,0.6") && strstr(d, "screen=1024x768.5") &&
                  strstr(d, "ivt_velocity=1000") && strstr(d, "fixations=ivt"),
              "%.300s", d);
    {
        const char *keys[16], *values[16];
        char copy[1024], d2[1024];
        snprintf(copy, sizeof copy, "%s", d);
        size_t n = 0;
        for (char *tok = strtok(copy, " "); tok && n < 16; tok = strtok(NULL, " ")) {
            char *eq = strchr(tok, '=');
            *eq = '\0';
            keys[n] = tok;
            values[n++] = eq + 1;
        }
        CHECK(params_of(keys, values, n, d2, sizeof d2) == GZ_OK);
        CHECK_MSG(!strcmp(d, d2), "round trip: %.200s vs %.200s", d, d2);
    }

    /* unknown key names the nearest valid one */
    const char *k3[] = {"tdirr"}, *v3[] = {"45"};
    CHECK(params_of(k3, v3, 1, d, sizeof d) == GZ_ERR_ARG);
    CHECK_MSG(strstr(gz_error_message(), "unknown key 'tdirr'") &&
                  strstr(gz_error_message(), "'tdir'"),
              "%s", gz_error_message());
    const char *k4[] = {"dims"}, *v4[] = {"all"};
    CHECK(params_of(k4, v4, 1, d, sizeof d) == GZ_ERR_ARG);

    struct {
        const char *k, *v, *msg;
    } bad[] = {
        {"screen", "1280", "screen=1280"},   {"screen", "0x720", "screen=0x720"},
        {"grouping", "maybe", "grouping"},   {"tdir", "abc", "tdir=abc"},
        {"tdur", "-1", "tdur=-1"},           {"tamp", "nan", "tamp=nan"},
        {"short", "none", "short=none"},     {"weights", "1,2,3", "weights=1,2,3"},
        {"weights", "1,2,3,4,5,6", "weights"}, {"fixations", "dbscan", "fixations=dbscan"},
        {"mcgip_ratio", "0", "mcgip_ratio"}, {"preset", "gzpt", "preset=gzpt"},
        {"fixations", "ivt", "ivt_velocity"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *kk[] = {bad[i].k}, *vv[] = {bad[i].v};
        gz_status st = params_of(kk, vv, 1, d, sizeof d);
        CHECK_MSG(st == GZ_ERR_ARG && strstr(gz_error_message(), bad[i].msg),
                  "%s=%s: status %d, message '%s'", bad[i].k, bad[i].v, (int)st,
                  gz_error_message());
    }
    const char *k5[] = {"tdir", "tdir"}, *v5[] = {"1", "2"};
    CHECK(params_of(k5, v5, 2, d, sizeof d) == GZ_ERR_ARG);
    CHECK(params_of(NULL, NULL, 0, d, 10) == GZ_ERR_LIMIT);
}

/* ---- records and edge cases ----------------------------------------------- */

static gz_gaze *make_fix(size_t n, const double *xyd)
{
    gz_gaze *g = NULL;
    if (gz_gaze_new(&g, GZ_GAZE_FIXATIONS, n, 0, 1280, 720, GZ_UNIT_S))
        return NULL;
    for (size_t k = 0; k < n; k++) {
        g->x[k] = xyd[3 * k];
        g->y[k] = xyd[3 * k + 1];
        g->dur[k] = xyd[3 * k + 2];
    }
    return g;
}

static void test_edges(void)
{
    static const double p3[] = {100, 100, 0.2, 300, 120, 0.3, 320, 400, 0.1};
    static const double p2[] = {100, 100, 0.2, 300, 120, 0.3};
    gz_gaze *a = make_fix(3, p3), *b = make_fix(2, p2);
    run_out r;
    CHECK(run_pair(a, a, NULL, NULL, 0, &r) == GZ_OK);
    for (int k = 0; k < 5; k++)
        CHECK(r.v[k] == 1.0);
    CHECK(r.v[5] == 0.2 + 0.2 + 0.2 + 0.2 + 0.2 || fabs(r.v[5] - 1.0) < 1e-15);
    CHECK(r.det.path_cells == 2 && r.det.path_cost == 0.0);
    /* fewer than 3 fixations: zero (default) or NaN */
    CHECK(run_pair(a, b, NULL, NULL, 0, &r) == GZ_OK);
    for (int k = 0; k < 6; k++)
        CHECK(r.v[k] == 0.0);
    const char *ks[] = {"short"}, *vs[] = {"nan"};
    CHECK(run_pair(b, a, ks, vs, 1, &r) == GZ_OK);
    for (int k = 0; k < 6; k++)
        CHECK(isnan(r.v[k]));
    /* an empty record is short too */
    gz_gaze *e = make_fix(0, NULL);
    CHECK(run_pair(e, a, NULL, NULL, 0, &r) == GZ_OK);
    CHECK(r.v[0] == 0.0);
    /* all fixations at one point: zero-length saccades, zero durations */
    static const double same[] = {5, 5, 0, 5, 5, 0, 5, 5, 0, 5, 5, 0};
    gz_gaze *z = make_fix(4, same);
    const char *kg[] = {"grouping", "tdir", "tdur", "tamp"};
    const char *vg[] = {"true", "45", "0.3", "100"};
    CHECK(run_pair(z, z, kg, vg, 4, &r) == GZ_OK);
    for (int k = 0; k < 6; k++)
        CHECK(isfinite(r.v[k]));
    CHECK(r.v[4] == 1.0); /* 0/0 durations count as equal */
    CHECK(run_pair(z, a, NULL, NULL, 0, &r) == GZ_OK);
    for (int k = 0; k < 6; k++)
        CHECK(isfinite(r.v[k]) && r.v[k] >= 0.0 && r.v[k] <= 1.0);
    /* non-finite input is an error naming the record and fixation */
    a->x[1] = NAN;
    CHECK(run_pair(a, a, NULL, NULL, 0, &r) == GZ_ERR_ARG);
    CHECK_MSG(strstr(gz_error_message(), "a: fixation 2"), "%s", gz_error_message());
    a->x[1] = 300;
    a->dur[2] = -1;
    CHECK(run_pair(a, a, NULL, NULL, 0, &r) == GZ_ERR_ARG);
    a->dur[2] = 0.1;
    /* fixation tables take no fixation detector */
    const char *kf[] = {"fixations"}, *vf[] = {"mcgip"};
    CHECK(run_pair(a, a, kf, vf, 1, &r) == GZ_ERR_ARG);
    CHECK_MSG(strstr(gz_error_message(), "fixations=mcgip needs raw samples"), "%s",
              gz_error_message());
    /* a record without gaze */
    {
        void *p = NULL, *f = NULL;
        gz_record none = {NULL, NULL, -1, "item7"};
        CHECK(gz_scheme_multimatch.params_new(&p, NULL, NULL, 0) == GZ_OK);
        CHECK(gz_scheme_multimatch.features_new(p, &none, &f) == GZ_ERR_ARG);
        CHECK(strstr(gz_error_message(), "item7") != NULL);
        gz_scheme_multimatch.params_free(p);
    }
    gz_gaze_free(a);
    gz_gaze_free(b);
    gz_gaze_free(e);
    gz_gaze_free(z);
}

/* Raw lists: the default fixations=auto is McGIP's grouping; none makes
 * every sample a fixation of duration 1. */
static void test_raw_modes(void)
{
    gz_gaze *s = NULL;
    CHECK(gz_gaze_new(&s, GZ_GAZE_SAMPLES, 6, 0, 800, 800, GZ_UNIT_SAMPLES) == GZ_OK);
    static const double xs[] = {10, 12, 200, 201, 400, 402}, ys[] = {10, 11, 10, 300, 300, 12};
    for (int k = 0; k < 6; k++) {
        s->x[k] = xs[k];
        s->y[k] = ys[k];
    }
    void *p = NULL, *f = NULL;
    gz_record rec = {s, NULL, -1, "raw"};
    CHECK(gz_scheme_multimatch.params_new(&p, NULL, NULL, 0) == GZ_OK);
    CHECK(gz_scheme_multimatch.features_new(p, &rec, &f) == GZ_OK);
    /* McGIP: (10,10,2) (200,10,1) (201,300,2) [open group (400,300)... not emitted] */
    CHECK(((gz_mm_path *)f)->n_fix == 4);
    gz_scheme_multimatch.features_free(f);
    gz_scheme_multimatch.params_free(p);
    const char *k[] = {"fixations"}, *v[] = {"none"};
    CHECK(gz_scheme_multimatch.params_new(&p, k, v, 1) == GZ_OK);
    CHECK(gz_scheme_multimatch.features_new(p, &rec, &f) == GZ_OK);
    const gz_mm_path *path = f;
    CHECK(path->n_fix == 6 && path->n == 5 && path->dur[0] == 1.0 && path->dur[4] == 1.0);
    CHECK(path->lenx[1] == 188.0 && path->leny[2] == 290.0);
    gz_scheme_multimatch.features_free(f);
    gz_scheme_multimatch.params_free(p);
    gz_gaze_free(s);
}

/* ---- large paths (heap scratch) and threads --------------------------------- */

typedef struct thr_job {
    const gz_mm_path *a, *b;
    double out[5];
    gz_status st;
} thr_job;

static void *thr_run(void *arg)
{
    thr_job *j = arg;
    for (int rep = 0; rep < 20 && !j->st; rep++)
        j->st = gz_mm_compare(j->a, j->b, 1920, 1080, 0, j->out, NULL);
    return NULL;
}

static void test_large_and_threads(void)
{
    /* 300 and 250 fixations on a deterministic pseudo-random walk */
    size_t na = 300, nb = 250;
    double *buf = calloc(3 * (na + nb), sizeof(double));
    uint64_t s = 12345;
    for (size_t k = 0; k < 3 * (na + nb); k++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        buf[k] = (double)(s >> 40) / (double)(1u << 24) * 1000.0;
    }
    double *ax = buf, *ay = buf + na, *ad = buf + 2 * na;
    double *bx = buf + 3 * na, *by = bx + nb, *bd = by + nb;
    gz_mm_path *a = NULL, *b = NULL;
    CHECK(gz_mm_path_new(ax, ay, ad, na, NULL, &a) == GZ_OK);
    CHECK(gz_mm_path_new(bx, by, bd, nb, NULL, &b) == GZ_OK);
    if (!a || !b) {
        free(buf);
        return;
    }
    double ref[5];
    gz_mm_detail det;
    CHECK(gz_mm_compare(a, b, 1920, 1080, 0, ref, &det) == GZ_OK);
    CHECK(det.path_cells >= na - 1 && det.path_cells <= na + nb - 3);
    for (int k = 0; k < 5; k++)
        CHECK(ref[k] > 0.0 && ref[k] <= 1.0);
    thr_job jobs[4];
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {
        jobs[t].a = (t & 1) ? b : a;
        jobs[t].b = (t & 1) ? a : b;
        jobs[t].st = GZ_OK;
        pthread_create(&th[t], NULL, thr_run, &jobs[t]);
    }
    for (int t = 0; t < 4; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < 4; t += 2) {
        CHECK(jobs[t].st == GZ_OK);
        for (int k = 0; k < 5; k++)
            CHECK(jobs[t].out[k] == ref[k]);
    }
    CHECK(jobs[1].st == GZ_OK && jobs[3].st == GZ_OK);
    for (int k = 0; k < 5; k++)
        CHECK(jobs[1].out[k] == jobs[3].out[k]);
    /* the grouping passes terminate on a long path */
    gz_mm_grouping g = {1, 45.0, 500.0, 300.0};
    gz_mm_path *c = NULL;
    CHECK(gz_mm_path_new(ax, ay, ad, na, &g, &c) == GZ_OK);
    CHECK(c && c->n >= 1 && c->n < na - 1);
    gz_mm_path_free(a);
    gz_mm_path_free(b);
    gz_mm_path_free(c);
    free(buf);
}

int main(void)
{
    RUN(test_studyforrest_segment10);
    RUN(test_golden_cases);
    RUN(test_keys);
    RUN(test_edges);
    RUN(test_raw_modes);
    RUN(test_large_and_threads);
    return check_done();
}
