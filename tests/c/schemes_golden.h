/* Helpers shared by the heatmap-scheme tests (test_moments.c,
 * test_dhash.c, test_tima.c): the golden cases of
 * ../shared/testdata/golden/expected.json, their inputs loaded through
 * the project's readers (gz_image_read + gz_image_to_grey for PNGs,
 * gz_gaze_read for gaze files), and running a scheme through its vtable.
 */
#ifndef GZ_TEST_SCHEMES_GOLDEN_H
#define GZ_TEST_SCHEMES_GOLDEN_H

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gaze_io.h"
#include "image.h"
#include "scheme.h"

static inline char *golden_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

/* The parsed expected.json (NULL when the shared test data is missing). */
static inline cJSON *golden_load(void)
{
    char *text = golden_slurp(check_shared("testdata/golden/expected.json"), NULL);
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
 * back the same; integers without a decimal point). */
typedef struct golden_params {
    size_t n;
    const char *keys[16];
    const char *values[16];
    char buf[16][64];
} golden_params;

static inline void golden_params_from(golden_params *p, const cJSON *params)
{
    p->n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, params)
    {
        if (p->n >= 16)
            break;
        p->keys[p->n] = it->string;
        if (cJSON_IsString(it))
            snprintf(p->buf[p->n], 64, "%s", it->valuestring);
        else if (cJSON_IsNumber(it) && it->valuedouble == (double)(long long)it->valuedouble)
            snprintf(p->buf[p->n], 64, "%lld", (long long)it->valuedouble);
        else if (cJSON_IsNumber(it))
            snprintf(p->buf[p->n], 64, "%.17g", it->valuedouble);
        else if (cJSON_IsBool(it))
            snprintf(p->buf[p->n], 64, "%s", cJSON_IsTrue(it) ? "true" : "false");
        else
            snprintf(p->buf[p->n], 64, "?");
        p->values[p->n] = p->buf[p->n];
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
#define CHECK_GOLDEN(a, b, tol, id)                                                      \
    do {                                                                                 \
        double cg_a_ = (a), cg_b_ = (b);                                                 \
        int cg_ok_ = (isnan(cg_a_) && isnan(cg_b_)) ||                                   \
                     fabs(cg_a_ - cg_b_) <= (tol) * fmax(fabs(cg_b_), 1e-300) ||         \
                     (cg_b_ == 0.0 && fabs(cg_a_) <= (tol));                             \
        CHECK_MSG(cg_ok_, "%s: %s = %.17g, expected %.17g (rel tol %g)", id, #a, cg_a_, \
                  cg_b_, (double)(tol));                                                 \
    } while (0)

#endif
