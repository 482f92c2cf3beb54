/* The synthetic reader study: kinds, labels and splits, one item (image +
 * simulated gaze in the kind's delivered form), and the dataset writer
 * (PNG images, gaze files, manifest.yaml). Images are in synth_scene.c, the
 * reader in synth_reader.c. */
#include "synth.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "atomic_file.h"
#include "heatmap.h"
#include "image.h"
#include "synth_internal.h"
#include "threadpool.h"

static const char *const kind_names[] = {"mammo", "dental", "knee"};
static const char *const mammo_classes[] = {"normal", "benign", "malignant"};
static const char *const dental_classes[] = {"normal", "displaced", "lesion"};
static const char *const knee_classes[] = {"grade0", "grade1", "grade2", "grade3", "grade4"};
static const char *const split_names[] = {"pretrain", "train", "val", "test"};

/* Split of the 10 blocks of a group: 4 pretrain, 3 train, 1 val, 2 test. */
static const gz_synth_split split_slots[10] = {
    GZ_SPLIT_PRETRAIN, GZ_SPLIT_PRETRAIN, GZ_SPLIT_PRETRAIN, GZ_SPLIT_PRETRAIN, GZ_SPLIT_TRAIN,
    GZ_SPLIT_TRAIN,    GZ_SPLIT_TRAIN,    GZ_SPLIT_VAL,      GZ_SPLIT_TEST,     GZ_SPLIT_TEST};

gz_status gz_synth_kind_parse(const char *name, gz_synth_kind *out)
{
    for (int k = 0; k < 3; k++)
        if (name && strcmp(name, kind_names[k]) == 0) {
            *out = (gz_synth_kind)k;
            return GZ_OK;
        }
    return gz_error_set(GZ_ERR_ARG, "synth: unknown kind '%s' (expected mammo, dental or knee)",
                        name ? name : "(null)");
}

const char *gz_synth_kind_name(gz_synth_kind kind)
{
    return (unsigned)kind < 3 ? kind_names[kind] : "?";
}

int gz_synth_nclasses(gz_synth_kind kind)
{
    return kind == GZ_SYNTH_KNEE ? 5 : 3;
}

const char *gz_synth_class_name(gz_synth_kind kind, int label)
{
    if (label < 0 || label >= gz_synth_nclasses(kind))
        return NULL;
    switch (kind) {
    case GZ_SYNTH_MAMMO: return mammo_classes[label];
    case GZ_SYNTH_DENTAL: return dental_classes[label];
    case GZ_SYNTH_KNEE: return knee_classes[label];
    }
    return NULL;
}

int gz_synth_ordinal(gz_synth_kind kind)
{
    return kind == GZ_SYNTH_KNEE;
}

void gz_synth_canvas(gz_synth_kind kind, int *w, int *h)
{
    int s = kind == GZ_SYNTH_MAMMO ? 800 : (kind == GZ_SYNTH_DENTAL ? 256 : 512);
    *w = s;
    *h = s;
}

const char *gz_synth_split_name(gz_synth_split split)
{
    return (unsigned)split < 4 ? split_names[split] : "?";
}

uint64_t synth_stream(gz_synth_kind kind, int64_t index, int purpose, int sub)
{
    return gz_rng_stream(0x73796e7468ULL + (uint64_t)kind, (uint64_t)index, (uint64_t)purpose,
                         (uint64_t)sub);
}

/* Seeded permutation of 0..n-1 (Fisher-Yates), n <= 16. */
static void permutation(uint64_t seed, uint64_t stream, int n, int *perm)
{
    gz_rng r;
    gz_rng_init(&r, seed, stream);
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)gz_rng_below(&r, (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

int gz_synth_label(const gz_synth_params *p, int64_t index)
{
    int K = gz_synth_nclasses(p->kind), perm[16];
    permutation(p->seed, synth_stream(p->kind, index / K, SYNTH_P_LABEL, 0), K, perm);
    return perm[index % K];
}

gz_synth_split gz_synth_split_of(const gz_synth_params *p, int64_t index)
{
    int64_t block = index / gz_synth_nclasses(p->kind);
    int perm[16];
    permutation(p->seed, synth_stream(p->kind, block / 10, SYNTH_P_SPLIT, 0), 10, perm);
    return split_slots[perm[block % 10]];
}

gz_status gz_synth_params_check(const gz_synth_params *p)
{
    if ((unsigned)p->kind > 2)
        return gz_error_set(GZ_ERR_ARG, "synth: unknown kind %d", (int)p->kind);
    if (p->size < GZ_SYNTH_MIN_SIZE || p->size > GZ_SYNTH_MAX_SIZE)
        return gz_error_set(GZ_ERR_ARG, "synth: size %d outside %d..%d", p->size, GZ_SYNTH_MIN_SIZE,
                            GZ_SYNTH_MAX_SIZE);
    if (!(p->reader_noise >= 0.0 && p->reader_noise <= 1.0))
        return gz_error_set(GZ_ERR_ARG, "synth: reader_noise %g outside 0..1", p->reader_noise);
    return GZ_OK;
}

void gz_synth_item_clear(gz_synth_item *it)
{
    if (!it)
        return;
    gz_tensor_free(it->image);
    gz_tensor_free(it->heatmap);
    free(it->fix_x);
    free(it->fix_y);
    free(it->fix_dur);
    free(it->raw_x);
    free(it->raw_y);
    memset(it, 0, sizeof *it);
}

/* Raw samples of a scanpath, McGIP style (no timestamps): each fixation
 * becomes round(duration * rate) samples scattered around it (fixational
 * jitter), with an occasional sample on the saccade to the next one. The
 * rate (nominally 45 Hz) is adjusted so that the count lies in
 * GZ_SYNTH_MIN_SAMPLES..GZ_SYNTH_MAX_SAMPLES. */
static gz_status raw_samples(const gz_synth_params *p, int64_t index, const synth_path *path,
                             int cw, int ch, gz_synth_item *it)
{
    double total = 0.0;
    for (int k = 0; k < path->n; k++)
        total += path->d[k];
    double rate = 45.0;
    if (total * rate < GZ_SYNTH_MIN_SAMPLES + 10)
        rate = (GZ_SYNTH_MIN_SAMPLES + 10) / total;
    if (total * rate > GZ_SYNTH_MAX_SAMPLES - 10 - path->n)
        rate = (GZ_SYNTH_MAX_SAMPLES - 10 - path->n) / total;
    size_t cap = GZ_SYNTH_MAX_SAMPLES;
    it->raw_x = gz_malloc(cap * sizeof(double));
    it->raw_y = gz_malloc(cap * sizeof(double));
    if (!it->raw_x || !it->raw_y)
        return GZ_ERR_NOMEM;
    gz_rng r;
    gz_rng_init(&r, p->seed, synth_stream(p->kind, index, SYNTH_P_READER, 1));
    size_t n = 0;
    for (int k = 0; k < path->n && n < cap; k++) {
        int c = (int)floor(path->d[k] * rate + 0.5);
        if (c < 1)
            c = 1;
        for (int j = 0; j < c && n < cap; j++) {
            it->raw_x[n] = (path->x[k] + 0.004 * gz_rng_normal(&r)) * cw;
            it->raw_y[n] = (path->y[k] + 0.004 * gz_rng_normal(&r)) * ch;
            n++;
        }
        if (k + 1 < path->n && n < cap && gz_rng_double(&r) < 0.5) {
            double f = gz_rng_range(&r, 0.2, 0.8);
            it->raw_x[n] = (path->x[k] + f * (path->x[k + 1] - path->x[k])) * cw;
            it->raw_y[n] = (path->y[k] + f * (path->y[k + 1] - path->y[k])) * ch;
            n++;
        }
    }
    /* safety net for extreme paths: repeat the last sample */
    while (n < GZ_SYNTH_MIN_SAMPLES && n > 0) {
        it->raw_x[n] = it->raw_x[n - 1];
        it->raw_y[n] = it->raw_y[n - 1];
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        /* on the canvas, one decimal, as written to the JSON file */
        it->raw_x[i] = round(fmin(fmax(it->raw_x[i], 0.0), (double)cw) * 10.0) / 10.0;
        it->raw_y[i] = round(fmin(fmax(it->raw_y[i], 0.0), (double)ch) * 10.0) / 10.0;
    }
    it->nraw = n;
    return GZ_OK;
}

gz_status gz_synth_item_make(const gz_synth_params *p, int64_t index, gz_synth_item *out)
{
    memset(out, 0, sizeof *out);
    gz_status st = gz_synth_params_check(p);
    if (st)
        return st;
    if (index < 0)
        return gz_error_set(GZ_ERR_ARG, "synth: negative item index %lld", (long long)index);
    int S = p->size, cw, ch;
    gz_synth_canvas(p->kind, &cw, &ch);
    out->index = index;
    out->label = gz_synth_label(p, index);
    out->split = gz_synth_split_of(p, index);
    double *img = gz_malloc((size_t)S * (size_t)S * sizeof(double));
    synth_scene *sc = gz_malloc(sizeof *sc);
    synth_path path;
    memset(&path, 0, sizeof path);
    int64_t shape[2] = {S, S};
    if (!img || !sc) {
        st = GZ_ERR_NOMEM;
        goto fail;
    }
    if ((st = synth_scene_make(p, index, out->label, img, sc)))
        goto fail;
    if ((st = gz_tensor_new(&out->image, GZ_F32, 2, shape)))
        goto fail;
    float *pix = out->image->data;
    for (int i = 0; i < S * S; i++)
        pix[i] = (float)img[i];
    if ((st = synth_reader_run(p, index, out->label, sc, &path)))
        goto fail;
    size_t nf = (size_t)path.n;
    out->fix_x = gz_malloc((nf ? nf : 1) * sizeof(double));
    out->fix_y = gz_malloc((nf ? nf : 1) * sizeof(double));
    out->fix_dur = gz_malloc((nf ? nf : 1) * sizeof(double));
    if (!out->fix_x || !out->fix_y || !out->fix_dur) {
        st = GZ_ERR_NOMEM;
        goto fail;
    }
    for (size_t k = 0; k < nf; k++) {
        /* the precision written to the files */
        out->fix_x[k] = round(path.x[k] * cw * 100.0) / 100.0;
        out->fix_y[k] = round(path.y[k] * ch * 100.0) / 100.0;
        out->fix_dur[k] = round(path.d[k] * 10000.0) / 10000.0;
    }
    out->nfix = nf;
    if (p->kind == GZ_SYNTH_MAMMO && (st = raw_samples(p, index, &path, cw, ch, out)))
        goto fail;
    if (p->kind == GZ_SYNTH_DENTAL) {
        int64_t hs[2] = {ch, cw};
        if ((st = gz_tensor_new(&out->heatmap, GZ_F64, 2, hs)))
            goto fail;
        if ((st = gz_heatmap_render(out->fix_x, out->fix_y, out->fix_dur, nf, cw, ch,
                                    gz_heatmap_default_kernel(ch), out->heatmap->data)))
            goto fail;
    }
    out->has_finding = sc->finding >= 0;
    if (out->has_finding) {
        const synth_roi *f = &sc->roi[sc->finding];
        out->finding_x = f->x * cw;
        out->finding_y = f->y * ch;
        out->finding_r = f->r * cw;
    }
    out->finding_seen = path.seen;
    out->gap_px = sc->gap_px;
    synth_path_free(&path);
    free(sc);
    free(img);
    return GZ_OK;
fail:
    synth_path_free(&path);
    free(sc);
    free(img);
    gz_synth_item_clear(out);
    return st;
}

/* ---- files --------------------------------------------------------------- */

static gz_status make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            return GZ_OK;
        return gz_error_set(GZ_ERR_IO, "%s: exists and is not a folder", path);
    }
    return gz_error_set(GZ_ERR_IO, "%s: cannot create folder: %s", path, strerror(errno));
}

/* mkdir -p */
static gz_status make_dirs(const char *path)
{
    size_t len = strlen(path);
    char *buf = gz_malloc(len + 1);
    if (!buf)
        return GZ_ERR_NOMEM;
    memcpy(buf, path, len + 1);
    gz_status st = GZ_OK;
    for (size_t i = 1; i <= len && !st; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (buf[i - 1] != '/')
                st = make_dir(buf);
            buf[i] = c;
        }
    }
    free(buf);
    return st;
}

typedef struct write_ctx {
    const gz_synth_params *p;
    const char *dir;
    int width; /* digits of the ids */
} write_ctx;

static void item_id(char *buf, size_t size, int width, int64_t index)
{
    int w = width < 4 ? 4 : (width > 8 ? 8 : width); /* n <= GZ_SYNTH_MAX_N needs <= 7 */
    snprintf(buf, size, "%0*lld", w, (long long)index);
}

static gz_status write_json(const char *path, const gz_synth_item *it)
{
    gz_atomic_file *f;
    gz_status st = gz_atomic_open(&f, path);
    if (st)
        return st;
    FILE *fp = gz_atomic_stream(f);
    fputs("{\"gaze\": [", fp);
    for (size_t i = 0; i < it->nraw; i++)
        fprintf(fp, "%s[%.1f, %.1f]", i ? ", " : "", it->raw_x[i], it->raw_y[i]);
    fputs("]}\n", fp);
    if (ferror(fp)) {
        gz_atomic_abort(f);
        return gz_error_set(GZ_ERR_IO, "%s: write failed", path);
    }
    return gz_atomic_commit(f);
}

static gz_status write_tsv(const char *path, const gz_synth_item *it)
{
    gz_atomic_file *f;
    gz_status st = gz_atomic_open(&f, path);
    if (st)
        return st;
    FILE *fp = gz_atomic_stream(f);
    fputs("start_x\tstart_y\tduration\n", fp);
    for (size_t i = 0; i < it->nfix; i++)
        fprintf(fp, "%.2f\t%.2f\t%.4f\n", it->fix_x[i], it->fix_y[i], it->fix_dur[i]);
    if (ferror(fp)) {
        gz_atomic_abort(f);
        return gz_error_set(GZ_ERR_IO, "%s: write failed", path);
    }
    return gz_atomic_commit(f);
}

static gz_status write_range(void *vctx, int64_t begin, int64_t end, int worker)
{
    (void)worker;
    const write_ctx *c = vctx;
    size_t plen = strlen(c->dir) + 64;
    char *path = gz_malloc(plen);
    if (!path)
        return GZ_ERR_NOMEM;
    gz_status st = GZ_OK;
    for (int64_t i = begin; i < end && !st; i++) {
        if (gz_cancel_requested()) {
            st = gz_error_set(GZ_ERR_CANCELLED, "synth: cancelled");
            break;
        }
        gz_synth_item it;
        char id[32];
        item_id(id, sizeof id, c->width, i);
        if ((st = gz_synth_item_make(c->p, i, &it)))
            break;
        snprintf(path, plen, "%s/images/%s.png", c->dir, id);
        st = gz_png_write(path, it.image);
        if (!st) {
            switch (c->p->kind) {
            case GZ_SYNTH_MAMMO:
                snprintf(path, plen, "%s/gaze/%s.json", c->dir, id);
                st = write_json(path, &it);
                break;
            case GZ_SYNTH_KNEE:
                snprintf(path, plen, "%s/gaze/%s.tsv", c->dir, id);
                st = write_tsv(path, &it);
                break;
            case GZ_SYNTH_DENTAL:
                snprintf(path, plen, "%s/heat/%s.png", c->dir, id);
                st = gz_png_write(path, it.heatmap);
                break;
            }
        }
        gz_synth_item_clear(&it);
    }
    free(path);
    return st;
}

/* Shortest %g form that reads back as the same double. */
static void shortest_double(char *buf, size_t size, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static gz_status write_manifest(const gz_synth_params *p, int64_t n, const char *dir, int width)
{
    size_t plen = strlen(dir) + 32;
    char *path = gz_malloc(plen);
    if (!path)
        return GZ_ERR_NOMEM;
    snprintf(path, plen, "%s/manifest.yaml", dir);
    gz_atomic_file *f;
    gz_status st = gz_atomic_open(&f, path);
    if (st) {
        free(path);
        return st;
    }
    FILE *fp = gz_atomic_stream(f);
    int cw, ch, K = gz_synth_nclasses(p->kind);
    gz_synth_canvas(p->kind, &cw, &ch);
    const char *kn = gz_synth_kind_name(p->kind);
    char noise[40];
    shortest_double(noise, sizeof noise, p->reader_noise);
    fprintf(fp, "# gazelab synthetic reader study (docs/synthetic.md); written by 'gazelab synth'\n");
    fprintf(fp, "name: synth-%s\n", kn);
    fprintf(fp, "canvas: [%d, %d]\n", cw, ch);
    fprintf(fp, "classes: [");
    for (int k = 0; k < K; k++)
        fprintf(fp, "%s%s", k ? ", " : "", gz_synth_class_name(p->kind, k));
    fprintf(fp, "]\n");
    fprintf(fp, "ordinal: %s\n", gz_synth_ordinal(p->kind) ? "true" : "false");
    if (p->kind == GZ_SYNTH_KNEE)
        fprintf(fp, "gaze_format:\n  duration_unit: s\n");
    fprintf(fp,
            "generator: {name: gazelab-synth, version: %d, kind: %s, seed: %llu, n: %lld, "
            "size: %d, reader_noise: %s}\n",
            GZ_SYNTH_VERSION, kn, (unsigned long long)p->seed, (long long)n, p->size, noise);
    fprintf(fp, "items:\n");
    for (int64_t i = 0; i < n; i++) {
        char id[32];
        item_id(id, sizeof id, width, i);
        fprintf(fp, "  - id: \"%s\"\n    image: images/%s.png\n", id, id);
        if (p->kind == GZ_SYNTH_MAMMO)
            fprintf(fp, "    gaze: gaze/%s.json\n", id);
        else if (p->kind == GZ_SYNTH_KNEE)
            fprintf(fp, "    gaze: gaze/%s.tsv\n", id);
        else
            fprintf(fp, "    heatmap: heat/%s.png\n", id);
        fprintf(fp, "    label: %d\n    split: %s\n", gz_synth_label(p, i),
                gz_synth_split_name(gz_synth_split_of(p, i)));
    }
    if (ferror(fp)) {
        gz_atomic_abort(f);
        st = gz_error_set(GZ_ERR_IO, "%s: write failed", path);
    } else {
        st = gz_atomic_commit(f);
    }
    free(path);
    return st;
}

gz_status gz_synth_write(const gz_synth_params *p, int64_t n, const char *dir, int threads)
{
    gz_status st = gz_synth_params_check(p);
    if (st)
        return st;
    if (n < 1 || n > GZ_SYNTH_MAX_N)
        return gz_error_set(GZ_ERR_ARG, "synth: n = %lld outside 1..%d", (long long)n, GZ_SYNTH_MAX_N);
    if (!dir || !*dir)
        return gz_error_set(GZ_ERR_ARG, "synth: empty output folder name");
    size_t plen = strlen(dir) + 16;
    char *sub = gz_malloc(plen);
    if (!sub)
        return GZ_ERR_NOMEM;
    st = make_dirs(dir);
    if (!st) {
        snprintf(sub, plen, "%s/images", dir);
        st = make_dir(sub);
    }
    if (!st) {
        snprintf(sub, plen, "%s/%s", dir, p->kind == GZ_SYNTH_DENTAL ? "heat" : "gaze");
        st = make_dir(sub);
    }
    free(sub);
    if (st)
        return st;
    int width = 4;
    for (int64_t m = 10000; m <= n - 1; m *= 10)
        width++;
    write_ctx c = {p, dir, width};
    if ((st = gz_parallel_for(n, threads, write_range, &c)))
        return st;
    return write_manifest(p, n, dir, width);
}
