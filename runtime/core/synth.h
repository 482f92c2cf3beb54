/* The synthetic reader study: the embedded default dataset of gazelab.
 *
 * Three kinds, modelled on the papers' three settings (docs/synthetic.md):
 *   GZ_SYNTH_MAMMO   textured breast-tissue patches, classes normal / benign
 *                    (round, smooth mass) / malignant (irregular, spiculated);
 *                    gaze delivered as RAW samples without timestamps on an
 *                    800 x 800 canvas (McGIP's INbreast JSON form).
 *   GZ_SYNTH_DENTAL  panoramic-like rows of teeth, classes normal / displaced
 *                    (one tooth out of line) / lesion (one tooth with a
 *                    periapical lesion and caries); gaze delivered ONLY as a
 *                    heatmap image (like the Tufts Dental Database).
 *   GZ_SYNTH_KNEE    knee joint, ordinal grades 0-4 of joint-space narrowing
 *                    with osteophytes; gaze delivered as fixations
 *                    (x, y, duration in seconds).
 *
 * Every item is a pure function of (kind, seed, index, size, reader_noise):
 * random draws come from the counter-based generator of rng.h with streams
 * derived from (kind, index, purpose), so an item does not depend on n, on
 * other items or on the thread count. Scene geometry is defined in
 * normalised image coordinates, so `size` only changes the sampling
 * resolution of the image; the gaze does not depend on size. The image
 * streams and the reader streams are separate, so reader_noise changes the
 * gaze but never the images, labels or splits.
 *
 * GZ_SYNTH_VERSION is written into every manifest and is bumped on any
 * change that alters output. */
#ifndef GZ_SYNTH_H
#define GZ_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "tensor.h"

#define GZ_SYNTH_VERSION 1

#define GZ_SYNTH_MIN_SIZE 16
#define GZ_SYNTH_MAX_SIZE 2048
#define GZ_SYNTH_MAX_N 1000000

/* Raw-sample count of every mammo record lies in this range. */
#define GZ_SYNTH_MIN_SAMPLES 100
#define GZ_SYNTH_MAX_SAMPLES 400

/* Named reader-noise levels. */
#define GZ_SYNTH_NOISE_LOW 0.15
#define GZ_SYNTH_NOISE_MEDIUM 0.35
#define GZ_SYNTH_NOISE_HIGH 0.6

typedef enum gz_synth_kind { GZ_SYNTH_MAMMO = 0, GZ_SYNTH_DENTAL, GZ_SYNTH_KNEE } gz_synth_kind;

typedef enum gz_synth_split {
    GZ_SPLIT_PRETRAIN = 0,
    GZ_SPLIT_TRAIN,
    GZ_SPLIT_VAL,
    GZ_SPLIT_TEST
} gz_synth_split;

typedef struct gz_synth_params {
    gz_synth_kind kind;
    int size;            /* image side in pixels, GZ_SYNTH_MIN_SIZE..GZ_SYNTH_MAX_SIZE */
    uint64_t seed;
    double reader_noise; /* 0..1 */
} gz_synth_params;

/* One generated item. Coordinates of gaze and ground truth are in pixels
 * of the kind's display canvas (gz_synth_canvas), origin top-left. */
typedef struct gz_synth_item {
    int64_t index;
    int label;               /* 0 .. gz_synth_nclasses(kind) - 1 */
    gz_synth_split split;
    gz_tensor *image;        /* size x size GZ_F32, integer values 0..255 (as in the PNG) */
    /* The simulated reader's fixations (every kind has them). */
    size_t nfix;
    double *fix_x, *fix_y, *fix_dur; /* canvas pixels; durations in seconds */
    /* Mammo only: raw samples (the delivered gaze); otherwise 0 / NULL. */
    size_t nraw;
    double *raw_x, *raw_y;
    /* Dental only: canvas_h x canvas_w GZ_F64 map 0..255 (the delivered
     * gaze, before 8-bit rounding); otherwise NULL. */
    gz_tensor *heatmap;
    /* Ground truth, for tests and pictures. */
    int has_finding;         /* 1 when the image has a finding (lesion, tooth, narrowing) */
    double finding_x, finding_y, finding_r; /* canvas pixels */
    int finding_seen;        /* 1 when the simulated reader dwelt on it */
    double gap_px;           /* knee: mean joint-space width in image pixels; else 0 */
} gz_synth_item;

/* "mammo" | "dental" | "knee". */
gz_status gz_synth_kind_parse(const char *name, gz_synth_kind *out);
const char *gz_synth_kind_name(gz_synth_kind kind);

int gz_synth_nclasses(gz_synth_kind kind);
/* Class name of label (NULL when out of range). */
const char *gz_synth_class_name(gz_synth_kind kind, int label);
/* 1 for knee (ordered grades). */
int gz_synth_ordinal(gz_synth_kind kind);
/* Display canvas of the gaze coordinates: mammo 800 x 800, dental 256 x 256
 * (also the heatmap size), knee 512 x 512. */
void gz_synth_canvas(gz_synth_kind kind, int *w, int *h);
const char *gz_synth_split_name(gz_synth_split split);

/* Label and split of item `index`: balanced blocks of nclasses items, each a
 * seeded permutation of the classes; blocks are assigned to splits in
 * groups of 10 (4 pretrain, 3 train, 1 val, 2 test, seeded order), so every
 * class is split 40/30/10/20 and nothing depends on n. */
int gz_synth_label(const gz_synth_params *p, int64_t index);
gz_synth_split gz_synth_split_of(const gz_synth_params *p, int64_t index);

/* Checks p (kind, size range, reader_noise in 0..1, finite). */
gz_status gz_synth_params_check(const gz_synth_params *p);

/* Generates item `index` (>= 0) into *out (overwritten; on failure it is
 * left empty). Caller releases with gz_synth_item_clear. */
gz_status gz_synth_item_make(const gz_synth_params *p, int64_t index, gz_synth_item *out);

/* Frees what the item owns and zeroes it; safe to call twice. */
void gz_synth_item_clear(gz_synth_item *it);

/* Writes items 0 .. n-1 (1 <= n <= GZ_SYNTH_MAX_N) into dir: images/ID.png
 * (8-bit grey), the gaze (mammo gaze/ID.json {"gaze": [[x, y], ...]}, knee
 * gaze/ID.tsv "start_x start_y duration", dental heat/ID.png 8-bit grey)
 * and dir/manifest.yaml last (shared/spec/manifest.md form plus a
 * `generator:` record). Creates dir and its subfolders as needed. Every file
 * is written atomically; on failure files already written stay but the
 * manifest is not written. threads <= 0 means the run default. */
gz_status gz_synth_write(const gz_synth_params *p, int64_t n, const char *dir, int threads);

#endif
