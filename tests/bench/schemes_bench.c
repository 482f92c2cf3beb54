/* Benchmark of the heatmap schemes (issue 4's speed targets): for each
 * case (scheme x input kind) the full N x N relation matrix on T threads
 * through the relation engine, then single-thread per-record (features)
 * and per-pair (compare) times against tests/bench/schemes_peer.py (plain
 * numpy reading of the same definitions) on the same first M records and
 * the same K pairs, in the same run, with checksums compared.
 *
 * Inputs come from the synthetic reader study: "heat" = dental items'
 * heatmaps (256 x 256, the Tufts-like setting; fed as tensors, to the peer
 * as .npy), "raw" = mammo items' raw gaze lists (100-400 samples, 800 x 800
 * canvas; the peer reads the same lists as JSON).
 *
 * Build and run from the checkout root (tests/bench/schemes.sh does both):
 *   B/schemes_bench [N=700] [THREADS=2] [M=100] [K=2000] [PYTHON] [CASES]
 * CASES is a comma list of moments-heat, dhash-heat, moments-raw,
 * dhash-raw, tima-raw (default all). Prints key=value lines and one
 * "summary:" line per case. Exit 1 when a target is missed (moments and
 * dhash 2 s, tima 10 s) or checksums disagree. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "dhash.h"
#include "gaze.h"
#include "moments.h"
#include "relation.h"
#include "scheme.h"
#include "synth.h"
#include "tensor.h"
#include "tima.h"

typedef struct dataset {
    int64_t n;
    gz_record *recs;
    gz_gaze **gazes;
    gz_tensor **heats;
    char (*names)[64];
} dataset;

static int make_dataset(dataset *d, int64_t n, int heat)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->recs = calloc((size_t)n, sizeof *d->recs);
    d->gazes = calloc((size_t)n, sizeof *d->gazes);
    d->heats = calloc((size_t)n, sizeof *d->heats);
    d->names = calloc((size_t)n, sizeof *d->names);
    gz_synth_params p = {heat ? GZ_SYNTH_DENTAL : GZ_SYNTH_MAMMO, GZ_SYNTH_MIN_SIZE, 0,
                         GZ_SYNTH_NOISE_MEDIUM};
    for (int64_t i = 0; i < n; i++) {
        gz_synth_item it;
        memset(&it, 0, sizeof it);
        if (gz_synth_item_make(&p, i, &it))
            return -1;
        snprintf(d->names[i], 64, "rec%05lld", (long long)i);
        d->recs[i].label = it.label;
        d->recs[i].name = d->names[i];
        if (heat) {
            d->heats[i] = it.heatmap;
            it.heatmap = NULL;
            d->recs[i].heatmap = d->heats[i];
        } else {
            if (bench_raw_gaze(&it, &d->gazes[i]))
                return -1;
            d->recs[i].gaze = d->gazes[i];
        }
        gz_synth_item_clear(&it);
    }
    return 0;
}

static void free_dataset(dataset *d)
{
    for (int64_t i = 0; i < d->n; i++) {
        gz_gaze_free(d->gazes[i]);
        gz_tensor_free(d->heats[i]);
    }
    free(d->recs);
    free(d->gazes);
    free(d->heats);
    free(d->names);
}

/* Writes the first m records for the peer; returns the list file path. */
static int write_peer_inputs(const dataset *d, int64_t m, const char *dir, char *listpath,
                             size_t cap)
{
    snprintf(listpath, cap, "%s/list.txt", dir);
    FILE *list = fopen(listpath, "w");
    if (!list)
        return -1;
    for (int64_t i = 0; i < m; i++) {
        char path[512];
        if (d->heats[i]) {
            const gz_tensor *t = d->heats[i];
            snprintf(path, sizeof path, "%s/%s.npy", dir, d->names[i]);
            FILE *f = fopen(path, "wb");
            if (!f)
                return -1;
            char header[128];
            int hl = snprintf(header, sizeof header,
                              "{'descr': '<f8', 'fortran_order': False, 'shape': (%lld, %lld), }",
                              (long long)t->shape[0], (long long)t->shape[1]);
            int total = 10 + hl + 1;
            int pad = (64 - total % 64) % 64;
            fwrite("\x93NUMPY\x01\x00", 1, 8, f);
            unsigned short hlen = (unsigned short)(hl + pad + 1);
            fputc(hlen & 0xff, f);
            fputc(hlen >> 8, f);
            fwrite(header, 1, (size_t)hl, f);
            for (int k = 0; k < pad; k++)
                fputc(' ', f);
            fputc('\n', f);
            for (int64_t k = 0; k < gz_tensor_numel(t); k++) {
                double v = gz_tensor_get_flat(t, k);
                fwrite(&v, sizeof v, 1, f);
            }
            fclose(f);
        } else {
            snprintf(path, sizeof path, "%s/%s.json", dir, d->names[i]);
            if (bench_write_gaze_json(path, d->gazes[i]))
                return -1;
        }
        fprintf(list, "%s\n", path);
    }
    return fclose(list);
}

static void remove_peer_inputs(const dataset *d, int64_t m, const char *dir)
{
    for (int64_t i = 0; i < m; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.%s", dir, d->names[i], d->heats[i] ? "npy" : "json");
        remove(path);
    }
    char listpath[512];
    snprintf(listpath, sizeof listpath, "%s/list.txt", dir);
    remove(listpath);
}

static double feature_checksum(const gz_scheme *s, const void *f)
{
    if (s == &gz_scheme_moments)
        return ((const double *)f)[0];
    if (s == &gz_scheme_dhash)
        return (double)__builtin_popcountll(*(const uint64_t *)f);
    const gz_tima_features *t = f;
    double sum = 0;
    for (size_t c = 0; c < t->n_clusters; c++)
        sum += t->m00[c];
    return sum;
}

static int run_case(const char *name, int64_t n, int threads, int64_t m, int64_t k_pairs,
                    const char *python)
{
    char scheme_name[32];
    snprintf(scheme_name, sizeof scheme_name, "%s", name);
    char *dash = strchr(scheme_name, '-');
    if (!dash)
        return 1;
    *dash = '\0';
    int heat = strcmp(dash + 1, "heat") == 0;
    const gz_scheme *s = gz_scheme_find(scheme_name);
    if (!s)
        return 1;
    double target = strcmp(scheme_name, "tima") == 0 ? 10.0 : 2.0;
    void *params = NULL;
    if (s->params_new(&params, NULL, NULL, 0)) {
        fprintf(stderr, "schemes_bench: %s\n", gz_error_message());
        return 1;
    }
    char desc[256];
    s->params_describe(params, desc, sizeof desc);
    dataset d;
    if (make_dataset(&d, n, heat)) {
        fprintf(stderr, "schemes_bench: %s\n", gz_error_message());
        return 1;
    }
    /* Full matrix through the relation engine. */
    double sf = 0, sp = 0, total = 0;
    if (bench_matrix(s, params, d.recs, n, threads, &total, &sf, &sp)) {
        fprintf(stderr, "schemes_bench: %s\n", gz_error_message());
        return 1;
    }
    printf("case=%s params=\"%s\" records=%lld threads=%d matrix_seconds=%.3f "
           "features_seconds=%.3f pairs_seconds=%.3f\n",
           name, desc, (long long)n, threads, total, sf, sp);

    /* Single-thread per-record and per-pair times over the first m records. */
    if (m > n)
        m = n;
    void **feat = calloc((size_t)m, sizeof *feat);
    double fsum = 0;
    double f0 = now();
    for (int64_t i = 0; i < m; i++)
        if (s->features_new(params, &d.recs[i], &feat[i]))
            return 1;
    double c_feat_us = 1e6 * (now() - f0) / (double)m;
    for (int64_t i = 0; i < m; i++)
        fsum += feature_checksum(s, feat[i]);
    int64_t *pi, *pj;
    int64_t kp = bench_spread_pairs(m, k_pairs, &pi, &pj);
    double checksum = 0, out[1];
    int reps = 0;
    double c0 = now(), el = 0;
    do {
        checksum = 0;
        for (int64_t t = 0; t < kp; t++) {
            s->compare(params, feat[pi[t]], feat[pj[t]], pi[t], pj[t], out);
            checksum += out[0];
        }
        reps++;
        el = now() - c0;
    } while (el < 0.3);
    double c_pair_us = 1e6 * el / (double)(reps * kp);
    printf("c_records=%lld c_us_per_record=%.1f c_pairs=%lld c_us_per_pair=%.4f "
           "feature_checksum=%.17g checksum=%.17g\n",
           (long long)m, c_feat_us, (long long)kp, c_pair_us, fsum, checksum);

    /* The numpy peer on the same inputs and pairs. */
    char dir[] = "/tmp/gz_schemes_bench_XXXXXX";
    double peer_rec = 0, peer_pair = 0, peer_fsum = NAN, peer_sum = NAN;
    if (mkdtemp(dir)) {
        char listpath[512], cmd[1024], line[1024];
        if (write_peer_inputs(&d, m, dir, listpath, sizeof listpath) == 0) {
            snprintf(cmd, sizeof cmd,
                     "%s tests/bench/schemes_peer.py bench %s --scheme %s --pairs %lld", python,
                     listpath, scheme_name, (long long)kp);
            FILE *pp = popen(cmd, "r");
            while (pp && fgets(line, sizeof line, pp)) {
                fputs(line, stdout);
                const char *a = strstr(line, "peer_us_per_record="),
                           *b = strstr(line, "peer_us_per_pair="),
                           *c = strstr(line, "feature_checksum="), *e = strstr(line, " checksum=");
                if (a)
                    peer_rec = atof(a + 19);
                if (b)
                    peer_pair = atof(b + 17);
                if (c)
                    peer_fsum = atof(c + 17);
                if (e)
                    peer_sum = atof(e + 10);
            }
            if (pp)
                pclose(pp);
        }
        remove_peer_inputs(&d, m, dir);
        rmdir(dir);
    }
    int have_peer = peer_rec > 0;
    int sums_ok = fabs(peer_sum - checksum) <= 1e-9 * fmax(1.0, fabs(checksum)) &&
                  fabs(peer_fsum - fsum) <= 1e-9 * fmax(1.0, fabs(fsum));
    int bad = total > target || (have_peer && !sums_ok);
    printf("summary: %s N=%lld threads=%d matrix=%.3fs (target %.0f s) per_record C=%.1fus "
           "numpy=%.0fus (%.0fx) per_pair C=%.4fus numpy=%.2fus (%.0fx) checksums_%s\n",
           name, (long long)n, threads, total, target, c_feat_us, peer_rec,
           have_peer ? peer_rec / c_feat_us : 0.0, c_pair_us, peer_pair,
           have_peer ? peer_pair / c_pair_us : 0.0,
           have_peer ? (sums_ok ? "equal" : "DIFFER") : "unavailable");
    fflush(stdout);
    for (int64_t i = 0; i < m; i++)
        s->features_free(feat[i]);
    free(feat);
    free(pi);
    free(pj);
    free_dataset(&d);
    s->params_free(params);
    return bad;
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 700;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    int64_t m = argc > 3 ? atoll(argv[3]) : 100;
    int64_t k = argc > 4 ? atoll(argv[4]) : 2000;
    const char *python = argc > 5 ? argv[5] : "/usr/bin/python3";
    const char *cases = argc > 6 ? argv[6] : "moments-heat,dhash-heat,moments-raw,dhash-raw,tima-raw";
    if (n < 2 || threads < 1 || m < 2 || k < 1)
        return 2;
    int bad = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", cases);
    for (char *save = NULL, *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save))
        bad |= run_case(c, n, threads, m, k, python);
    return bad;
}
