/* Benchmark of the multimatch scheme in McGIP mode (issue 4's speed
 * target): the full N x N relation matrix over N raw gaze lists of the
 * synthetic reader study (mammo kind: 100-400 samples each, 800 x 800
 * canvas) on T threads through the relation engine, plus the per-pair time
 * against tests/bench/multimatch_peer.py (plain Python/numpy reading of the
 * same definition) on the same files and the same first K pairs, in the
 * same run.
 *
 * Build and run from the checkout root (after `make BUILD=B`):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -ffp-contract=off -pthread -Iruntime/core \
 *      -I/usr/include/cjson tests/bench/multimatch_bench.c B/obj/runtime/core/\*.o \
 *      -lyaml -lpng16 -ljpeg -lcjson -lcairo -ldnnl -lm -lpthread -o B/multimatch_bench
 *   B/multimatch_bench [N=700] [THREADS=2] [PEER_PAIRS=2000] [PYTHON=/usr/bin/python3]
 * (tests/bench/multimatch.sh does both.) MM_BENCH_GROUPING=false in the
 * environment runs McGIP mode without simplification (longer paths). Prints key=value lines; the last
 * one is the summary. Exit 1 when the matrix takes longer than 30 s or the
 * C and numpy checksums disagree. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "gaze.h"
#include "multimatch.h"
#include "relation.h"
#include "scheme.h"
#include "synth.h"
#include "tensor.h"

/* The synthetic reader study, when linked in; otherwise a local generator
 * of the same shape (fixation clusters joined by saccades). */
#pragma weak gz_synth_item_make
#pragma weak gz_synth_item_clear

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

static double unif(uint64_t *s)
{
    return (double)lcg(s) / 9007199254740992.0;
}

static gz_gaze *local_record(int64_t index)
{
    uint64_t s = 0x9e3779b97f4a7c15ull ^ (uint64_t)index * 0xbf58476d1ce4e5b9ull;
    size_t n = 100 + (size_t)(unif(&s) * 301.0);
    gz_gaze *g = NULL;
    if (gz_gaze_new(&g, GZ_GAZE_SAMPLES, n, 0, 800, 800, GZ_UNIT_SAMPLES))
        return NULL;
    double cx = 400, cy = 400;
    size_t left = 0;
    for (size_t k = 0; k < n; k++) {
        if (left == 0) {
            cx = 100 + 600 * unif(&s);
            cy = 100 + 600 * unif(&s);
            left = 1 + (size_t)(unif(&s) * 15);
        }
        left--;
        g->x[k] = (double)(int)(cx + 20 * (unif(&s) - 0.5));
        g->y[k] = (double)(int)(cy + 20 * (unif(&s) - 0.5));
    }
    return g;
}

static gz_gaze *synth_record(int64_t index)
{
    if (!gz_synth_item_make || !gz_synth_item_clear)
        return local_record(index);
    gz_synth_params p = {GZ_SYNTH_MAMMO, GZ_SYNTH_MIN_SIZE, 0, GZ_SYNTH_NOISE_MEDIUM};
    gz_synth_item it;
    memset(&it, 0, sizeof it);
    if (gz_synth_item_make(&p, index, &it))
        return NULL;
    gz_gaze *g = NULL;
    if (bench_raw_gaze(&it, &g))
        g = NULL;
    gz_synth_item_clear(&it);
    return g;
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 700;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    int64_t peer_pairs = argc > 3 ? atoll(argv[3]) : 2000;
    const char *python = argc > 4 ? argv[4] : "/usr/bin/python3";
    if (n < 2 || threads < 1)
        return 2;
    const gz_scheme *s = &gz_scheme_multimatch;
    /* MM_BENCH_GROUPING=false: McGIP mode without the simplification
     * (longer paths: a harder case for the alignment). */
    const char *grouping = getenv("MM_BENCH_GROUPING");
    int nogroup = grouping && !strcmp(grouping, "false");
    const char *keys[] = {"preset", "grouping"}, *values[] = {"mcgip", "false"};
    void *params = NULL;
    if (s->params_new(&params, keys, values, nogroup ? 2 : 1)) {
        fprintf(stderr, "multimatch_bench: %s\n", gz_error_message());
        return 1;
    }

    /* Inputs: records in memory and the same lists as JSON for the peer. */
    char dir[] = "/tmp/gz_mm_bench_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char listpath[256];
    snprintf(listpath, sizeof listpath, "%s/list.txt", dir);
    FILE *list = fopen(listpath, "w");
    gz_gaze **g = calloc((size_t)n, sizeof *g);
    gz_record *recs = calloc((size_t)n, sizeof *recs);
    char (*names)[64] = calloc((size_t)n, sizeof *names);
    size_t samples = 0;
    for (int64_t i = 0; i < n; i++) {
        g[i] = synth_record(i);
        if (!g[i] || !list)
            return 1;
        samples += g[i]->n;
        snprintf(names[i], 64, "rec%05lld", (long long)i);
        char path[512];
        snprintf(path, sizeof path, "%s/%s.json", dir, names[i]);
        if (bench_write_gaze_json(path, g[i]))
            return 1;
        fprintf(list, "%s\n", path);
        recs[i].gaze = g[i];
        recs[i].label = -1;
        recs[i].name = names[i];
    }
    fclose(list);
    printf("records=%lld samples_mean=%.1f source=%s\n", (long long)n, (double)samples / (double)n,
           gz_synth_item_make ? "synth-mammo" : "local");

    /* Full matrix through the relation engine. */
    double sf = 0, sp = 0, total = 0;
    if (bench_matrix(s, params, recs, n, threads, &total, &sf, &sp)) {
        fprintf(stderr, "multimatch_bench: %s\n", gz_error_message());
        return 1;
    }
    int64_t pairs = n * (n - 1) / 2;
    printf("matrix_seconds=%.3f features_seconds=%.3f pairs_seconds=%.3f threads=%d pairs=%lld "
           "matrix_cpu_us_per_pair=%.3f\n",
           total, sf, sp, threads, (long long)pairs, 1e6 * sp * threads / (double)pairs);

    /* Single-thread per-pair time over K pairs spread evenly over the
     * upper triangle (pair t = row-major pair number t * P / K), the same
     * pairs the peer runs; checksum = sum of the five values. */
    int64_t *pi, *pj;
    int64_t k_pairs = bench_spread_pairs(n, peer_pairs, &pi, &pj);
    void **feat = calloc((size_t)n, sizeof *feat);
    for (int64_t i = 0; i < n; i++)
        if (s->features_new(params, &recs[i], &feat[i]))
            return 1;
    double checksum = 0.0, out[6];
    int reps = 0;
    double c0 = now(), c_elapsed = 0.0;
    do {
        checksum = 0.0;
        for (int64_t t = 0; t < k_pairs; t++) {
            s->compare(params, feat[pi[t]], feat[pj[t]], pi[t], pj[t], out);
            checksum += out[0] + out[1] + out[2] + out[3] + out[4];
        }
        reps++;
        c_elapsed = now() - c0;
    } while (c_elapsed < 0.5);
    double c_us = 1e6 * c_elapsed / (double)(reps * k_pairs);
    printf("c_pairs=%lld c_us_per_pair=%.3f c_checksum=%.17g\n", (long long)k_pairs, c_us,
           checksum);

    /* The numpy peer on the same files and pairs. */
    char cmd[1024], line[512];
    snprintf(cmd, sizeof cmd, "%s tests/bench/multimatch_peer.py bench %s --pairs %lld%s", python,
             listpath, (long long)k_pairs, nogroup ? " --nogroup" : "");
    FILE *pp = popen(cmd, "r");
    double peer_us = 0.0, peer_sum = NAN;
    int bad = 0;
    while (pp && fgets(line, sizeof line, pp)) {
        fputs(line, stdout);
        const char *u = strstr(line, "peer_us_per_pair="), *c = strstr(line, "checksum=");
        if (u)
            peer_us = atof(u + 17);
        if (c)
            peer_sum = atof(c + 9);
    }
    if (pp)
        pclose(pp);
    int checks_ok = fabs(peer_sum - checksum) <= 1e-9 * fabs(checksum);
    if (peer_us > 0 && !checks_ok) {
        fprintf(stderr, "multimatch_bench: checksums differ: C %.17g, numpy %.17g\n", checksum,
                peer_sum);
        bad = 1;
    }
    if (total > 30.0)
        bad = 1;
    printf("summary: N=%lld threads=%d grouping=%s matrix=%.3fs (target 30 s) per_pair C=%.2fus numpy=%.1fus "
           "speedup=%.0fx checksums_%s\n",
           (long long)n, threads, nogroup ? "false" : "true", total, c_us, peer_us, peer_us > 0 ? peer_us / c_us : 0.0,
           peer_us > 0 ? (checks_ok ? "equal" : "DIFFER") : "unavailable");

    for (int64_t i = 0; i < n; i++) {
        s->features_free(feat[i]);
        gz_gaze_free(g[i]);
        char path[512];
        snprintf(path, sizeof path, "%s/%s.json", dir, names[i]);
        remove(path);
    }
    remove(listpath);
    rmdir(dir);
    free(feat);
    free(pi);
    free(pj);
    free(g);
    free(recs);
    free(names);
    s->params_free(params);
    return bad;
}
