/* Helpers shared by the similarity benchmarks (multimatch_bench.c,
 * schemes_bench.c): a monotonic clock, the timed full matrix through the
 * relation engine, the K pairs spread evenly over an upper triangle that
 * the C loop and the numpy peer both run, a synthetic item's raw samples
 * as a gaze, and the JSON gaze files the peers read. Header-only, so each
 * benchmark still builds from one .c file (tests/bench/schemes.sh,
 * multimatch.sh). */
#ifndef GZ_BENCH_H
#define GZ_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gaze.h"
#include "relation.h"
#include "scheme.h"
#include "synth.h"
#include "tensor.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The N x N matrix of scheme s over recs on `threads` threads, timed:
 * *total the wall seconds, *sf and *sp the engine's features and pairs
 * seconds. The matrix is freed; the engine's status is returned. */
static gz_status bench_matrix(const gz_scheme *s, const void *params, const gz_record *recs,
                              int64_t n, int threads, double *total, double *sf, double *sp)
{
    gz_relation_opts o = {threads, 0, NULL, sf, sp};
    gz_tensor *R = NULL;
    double t0 = now();
    gz_status st = gz_relation_compute(s, params, recs, n, &o, &R);
    *total = now() - t0;
    gz_tensor_free(R);
    return st;
}

/* min(k, m (m - 1) / 2) pairs (pi[t], pj[t]) of the first m records:
 * pair t is row-major pair number t * P / K of the upper triangle (P
 * pairs). New arrays in *pi and *pj (free()); returns their length. */
static int64_t bench_spread_pairs(int64_t m, int64_t k, int64_t **pi, int64_t **pj)
{
    int64_t pairs = m * (m - 1) / 2;
    int64_t kp = k < pairs ? k : pairs;
    *pi = calloc((size_t)kp, sizeof **pi);
    *pj = calloc((size_t)kp, sizeof **pj);
    for (int64_t i = 0, q = 0, t = 0; i < m && t < kp; i++)
        for (int64_t j = i + 1; j < m && t < kp; j++, q++)
            if (q == t * pairs / kp) {
                (*pi)[t] = i;
                (*pj)[t] = j;
                t++;
            }
    return kp;
}

/* The raw samples of a mammo item as a new samples-kind gaze on its
 * 800 x 800 canvas (*out: caller frees); gz_gaze_new's status. */
static gz_status bench_raw_gaze(const gz_synth_item *it, gz_gaze **out)
{
    gz_status st = gz_gaze_new(out, GZ_GAZE_SAMPLES, it->nraw, 0, 800, 800, GZ_UNIT_SAMPLES);
    if (st == GZ_OK) {
        memcpy((*out)->x, it->raw_x, it->nraw * sizeof(double));
        memcpy((*out)->y, it->raw_y, it->nraw * sizeof(double));
    }
    return st;
}

/* Writes g's points as {"gaze":[[x,y],...]} (all digits) for the numpy
 * peers; 0 on success, else -1 or fclose's EOF. */
static int bench_write_gaze_json(const char *path, const gz_gaze *g)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("{\"gaze\":[", f);
    for (size_t k = 0; k < g->n; k++)
        fprintf(f, "%s[%.17g,%.17g]", k ? "," : "", g->x[k], g->y[k]);
    fputs("]}\n", f);
    return fclose(f);
}

#endif
