/* Helpers shared by the tests that read the golden cases of
 * ../shared/testdata/golden/expected.json (test_moments.c, test_dhash.c,
 * test_tima.c, test_multimatch.c, test_mcgip.c): the parsed file, paths of
 * its inputs, the relative comparison its README states, a case's inputs
 * loaded through the project's readers (gz_image_read + gz_image_to_grey
 * for PNGs, gz_gaze_read for gaze files), its params as key=value strings,
 * running a scheme through its vtable, and the loop over one scheme's
 * cases that checks how many ran (golden_each_case, golden_each_pair_case,
 * golden_check_scheme).
 */
#ifndef GZ_TEST_GOLDEN_H
#define GZ_TEST_GOLDEN_H

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gaze_io.h"
#include "image.h"
#include "scheme.h"

/* The parsed expected.json (NULL when the shared test data is missing). */
static inline cJSON *golden_load(void)
{
    char *text = check_slurp(check_shared("testdata/golden/expected.json"), NULL);
    if (!text)
        return NULL;
    cJSON *doc = cJSON_Parse(text);
    free(text);
    return doc;
}

static inline const char *golden_path(const char *rel)
{
    static char buf[4][1024];
    static int slot = 0;
    char *out = buf[slot++ & 3];
    snprintf(out, 1024, "%s", check_shared("testdata/golden/"));
    strncat(out, rel, 1023 - strlen(out));
    return out;
}

/* A golden input as a record: PNG -> heatmap, anything else -> gaze. */
typedef struct golden_input {
    gz_record rec;
    gz_tensor *heat;
    gz_gaze *gaze;
} golden_input;

static inline gz_status golden_input_load(golden_input *in, const char *rel)
{
    memset(in, 0, sizeof *in);
    in->rec.label = -1;
    in->rec.name = rel;
    const char *path = golden_path(rel);
    size_t n = strlen(rel);
    if (n > 4 && strcmp(rel + n - 4, ".png") == 0) {
        gz_tensor *img = NULL;
        gz_status st = gz_image_read(path, &img);
        if (st != GZ_OK)
            return st;
        st = gz_image_to_grey(img, &in->heat);
        gz_tensor_free(img);
        in->rec.heatmap = in->heat;
        return st;
    }
    gz_status st = gz_gaze_read(path, NULL, &in->gaze);
    in->rec.gaze = in->gaze;
    return st;
}

static inline void golden_input_free(golden_input *in)
{
    gz_tensor_free(in->heat);
    gz_gaze_free(in->gaze);
    memset(in, 0, sizeof *in);
}

/* The case's params as key=value strings (numbers printed so they read
 * back the same; integers without a decimal point; an array of numbers as
 * "a,b,c"). */
typedef struct golden_params {
    size_t n;
    const char *keys[16];
    const char *values[16];
    char buf[16][128];
} golden_params;

static inline void golden_params_from(golden_params *p, const cJSON *params)
{
    p->n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, params)
    {
        if (p->n >= 16)
            break;
        char *o = p->buf[p->n];
        const size_t cap = sizeof p->buf[0];
        p->keys[p->n] = it->string;
        if (cJSON_IsString(it))
            snprintf(o, cap, "%s", it->valuestring);
        else if (cJSON_IsNumber(it) && it->valuedouble == (double)(long long)it->valuedouble)
            snprintf(o, cap, "%lld", (long long)it->valuedouble);
        else if (cJSON_IsNumber(it))
            snprintf(o, cap, "%.17g", it->valuedouble);
        else if (cJSON_IsBool(it))
            snprintf(o, cap, "%s", cJSON_IsTrue(it) ? "true" : "false");
        else if (cJSON_IsArray(it)) {
            o[0] = '\0';
            const cJSON *w;
            cJSON_ArrayForEach(w, it)
            {
                size_t len = strlen(o);
                snprintf(o + len, cap - len, "%s%.17g", len ? "," : "", w->valuedouble);
            }
        } else
            snprintf(o, cap, "?");
        p->values[p->n] = o;
        p->n++;
    }
}

/* Runs scheme s on two records with the given params; returns the status
 * and writes out[0 .. n_values). Features are freed. */
static inline gz_status golden_run(const gz_scheme *s, const golden_params *gp,
                                   const gz_record *a, const gz_record *b, double *out)
{
    void *params = NULL, *fa = NULL, *fb = NULL;
    gz_status st = s->params_new(&params, gp->keys, gp->values, gp->n);
    if (st == GZ_OK)
        st = s->features_new(params, a, &fa);
    if (st == GZ_OK)
        st = s->features_new(params, b, &fb);
    if (st == GZ_OK)
        st = s->compare(params, fa, fb, 0, 1, out);
    if (fa)
        s->features_free(fa);
    if (fb)
        s->features_free(fb);
    if (params)
        s->params_free(params);
    return st;
}

/* JSON number or null (NaN). */
static inline double golden_num(const cJSON *v)
{
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Relative check as the golden README states: |a - b| <= tol * |b|, with
 * an absolute floor of tol for values at 0 (NaN equals NaN). */
static inline int golden_close(double a, double b, double tol)
{
    return (isnan(a) && isnan(b)) || fabs(a - b) <= tol * fmax(fabs(b), 1e-300) ||
           (b == 0.0 && fabs(a) <= tol);
}

#define CHECK_GOLDEN(a, b, tol, id)                                                      \
    do {                                                                                 \
        double cg_a_ = (a), cg_b_ = (b);                                                 \
        CHECK_MSG(golden_close(cg_a_, cg_b_, (tol)),                                     \
                  "%s: %s = %.17g, expected %.17g (rel tol %g)", id, #a, cg_a_, cg_b_,   \
                  (double)(tol));                                                        \
    } while (0)

/* Whether case c is one of scheme `scheme`. */
static inline int golden_case_is(const cJSON *c, const char *scheme)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(c, "scheme"));
    return s && strcmp(s, scheme) == 0;
}

/* A two-input case: its id, tolerance, details, expected similarity (NaN
 * when null or absent), params and loaded inputs. */
typedef struct golden_case {
    const char *id;
    double tol;
    const cJSON *details;
    double want;
    golden_params gp;
    golden_input in[2];
} golden_case;

/* Fills gc from case c and loads its two inputs; the status of the first
 * load that failed (gz_error_message() says why). Release with
 * golden_case_close whatever it returned. */
static inline gz_status golden_case_open(golden_case *gc, const cJSON *c)
{
    memset(gc, 0, sizeof *gc);
    gc->id = cJSON_GetStringValue(cJSON_GetObjectItem(c, "id"));
    gc->tol = golden_num(cJSON_GetObjectItem(c, "tolerance"));
    gc->details = cJSON_GetObjectItem(c, "details");
    gc->want = golden_num(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "expected"), "similarity"));
    golden_params_from(&gc->gp, cJSON_GetObjectItem(c, "params"));
    const cJSON *inputs = cJSON_GetObjectItem(c, "inputs");
    gz_status st = golden_input_load(&gc->in[0], cJSON_GetArrayItem(inputs, 0)->valuestring);
    if (st == GZ_OK)
        st = golden_input_load(&gc->in[1], cJSON_GetArrayItem(inputs, 1)->valuestring);
    return st;
}

static inline void golden_case_close(golden_case *gc)
{
    golden_input_free(&gc->in[0]);
    golden_input_free(&gc->in[1]);
}

/* Runs fn(c, user) on every case of `scheme` in expected.json (a failed
 * CHECK when the file cannot be read) and checks that fn ran `want` of
 * them: fn returns 1 when it checked case c, 0 when it could not (an
 * input failed to load; fn has reported why). */
typedef int (*golden_case_fn)(const cJSON *c, void *user);

static inline void golden_each_case(const char *scheme, int want, golden_case_fn fn, void *user)
{
    cJSON *doc = golden_load();
    CHECK(doc != NULL);
    if (!doc)
        return;
    int count = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases"))
    {
        if (golden_case_is(c, scheme))
            count += fn(c, user);
    }
    CHECK_MSG(count == want, "ran %d %s cases, expected %d", count, scheme, want);
    cJSON_Delete(doc);
}

/* The two-input cases of `scheme`: each is opened with golden_case_open
 * (a failed CHECK naming the case when an input does not load), given to
 * fn when it loaded, and closed; `want` of them must load and run. */
typedef void (*golden_pair_fn)(const golden_case *gc);

static inline int golden_pair_case_(const cJSON *c, void *user)
{
    const golden_pair_fn *fn = user;
    golden_case gc;
    gz_status st = golden_case_open(&gc, c);
    CHECK_MSG(st == GZ_OK, "%s: %s", gc.id, gz_error_message());
    if (st == GZ_OK)
        (*fn)(&gc);
    golden_case_close(&gc);
    return st == GZ_OK;
}

static inline void golden_each_pair_case(const char *scheme, int want, golden_pair_fn fn)
{
    golden_each_case(scheme, want, golden_pair_case_, &fn);
}

/* The check of a scheme whose per-record features have golden values
 * (moments, dhash): each input's features, made with the case's params,
 * go to check(gc, k, features) for input k = 0, 1; then the pair's
 * similarity through golden_run must match gc->want within gc->tol. */
typedef void (*golden_features_fn)(const golden_case *gc, int k, const void *features);

static inline void golden_check_scheme(const gz_scheme *s, const golden_case *gc,
                                       golden_features_fn check)
{
    void *params = NULL;
    CHECK(s->params_new(&params, gc->gp.keys, gc->gp.values, gc->gp.n) == GZ_OK);
    for (int k = 0; k < 2 && params; k++) {
        void *f = NULL;
        CHECK(s->features_new(params, &gc->in[k].rec, &f) == GZ_OK);
        if (!f)
            continue;
        check(gc, k, f);
        s->features_free(f);
    }
    s->params_free(params);
    double out = NAN;
    CHECK(golden_run(s, &gc->gp, &gc->in[0].rec, &gc->in[1].rec, &out) == GZ_OK);
    CHECK_GOLDEN(out, gc->want, gc->tol, gc->id);
}

#endif
