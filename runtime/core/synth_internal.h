/* Internal interface between the parts of the synthetic reader study
 * (synth.c: labels, splits, files, manifest; synth_scene.c: images;
 * synth_reader.c: the simulated reader). Not for use outside synth*.c. */
#ifndef GZ_SYNTH_INTERNAL_H
#define GZ_SYNTH_INTERNAL_H

#include <stdint.h>

#include "rng.h"
#include "synth.h"

/* Stream purposes: each item uses gz_rng_stream(kind tag, index, purpose, sub). */
enum {
    SYNTH_P_LABEL = 1,
    SYNTH_P_SPLIT,
    SYNTH_P_SCENE,
    SYNTH_P_TEXTURE,
    SYNTH_P_READER
};

#define SYNTH_MAX_ROI 24

typedef enum { ROI_FINDING = 0, ROI_LANDMARK, ROI_DISTRACTOR } synth_roi_kind;

/* A region the reader may look at; normalised image coordinates (0..1). */
typedef struct synth_roi {
    double x, y, r;
    synth_roi_kind kind;
    double weight; /* relative importance (dwell multiplier) */
} synth_roi;

/* What the scene generator tells the reader. */
typedef struct synth_scene {
    double bx0, by0, bx1, by1;    /* anatomy box (survey area), normalised */
    int nroi;
    synth_roi roi[SYNTH_MAX_ROI];
    int finding;                  /* index into roi of the main finding, -1 when none */
    /* dental: the two rows of teeth, as polylines of tooth centres */
    int nteeth;
    double upper_x[16], upper_y[16], lower_x[16], lower_y[16];
    /* knee */
    double knee_cx, knee_jl, knee_hw;
    int medial_left;              /* 1 when the medial compartment is on the left */
    double gap_px;                /* mean gap width in image pixels */
} synth_scene;

/* Stream id for (kind, index, purpose, sub). */
uint64_t synth_stream(gz_synth_kind kind, int64_t index, int purpose, int sub);

/* Renders the image of item index with label into img (size x size doubles,
 * row-major, values 0..255 rounded to integers) and fills scene. Fails only
 * on allocation. */
gz_status synth_scene_make(const gz_synth_params *p, int64_t index, int label, double *img,
                           synth_scene *scene);

/* A growable list of fixations in normalised coordinates, durations in s. */
typedef struct synth_path {
    int n, cap;
    double *x, *y, *d;
    int seen; /* the reader dwelt on the main finding */
} synth_path;

/* Simulates the reader on a scene; fills path (caller frees with
 * synth_path_free). Fails only on allocation. */
gz_status synth_reader_run(const gz_synth_params *p, int64_t index, int label,
                           const synth_scene *scene, synth_path *path);
void synth_path_free(synth_path *path);

#endif
