/* Similarity schemes: the common interface every scheme implements, so
 * that one matrix engine, one command line and one Lua API serve them all.
 * Definitions: shared/spec/similarity.md.
 *
 * A scheme turns each record into features once (features_new), then
 * compares pairs (compare). compare must be pure and thread-safe: the
 * matrix engine calls it from several threads at once.
 *
 * Values: every comparison yields n_values doubles named value_names
 * (multimatch: vector, direction, length, position, duration, score;
 * the others: similarity); score_index is the one a scalar relation
 * matrix holds. */
#ifndef GZ_SCHEME_H
#define GZ_SCHEME_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "gaze.h"
#include "tensor.h"

/* One item's inputs; fields a scheme does not use may be NULL / -1. */
typedef struct gz_record {
    const gz_gaze *gaze;       /* sequence input (raw list or fixations) */
    const gz_tensor *heatmap;  /* grey heatmap image: GZ_F32, H x W, 0..255 */
    int64_t label;             /* class label, -1 when unknown */
    const char *name;          /* item id or file, for error messages */
} gz_record;

typedef struct gz_scheme {
    const char *name;
    /* NULL-terminated list of the key=value keys this scheme accepts
     * (similarity.md section 7), for messages and nearest-key hints. */
    const char *const *keys;
    size_t n_values;
    const char *const *value_names;
    size_t score_index;
    /* Parses key=value pairs (strings as given on the command line) into a
     * params object with defaults applied. An unknown key or a bad value
     * is GZ_ERR_ARG with a message naming the key (and the nearest valid
     * key for unknown ones). */
    gz_status (*params_new)(void **params, const char *const *keys, const char *const *values,
                            size_t n);
    void (*params_free)(void *params);
    /* Writes the fully resolved parameters as "key=value key=value ..." in
     * a fixed key order (used in sidecars and cache keys). */
    gz_status (*params_describe)(const void *params, char *buf, size_t cap);
    /* Per-record features. A record the scheme cannot use (e.g. no gaze)
     * is GZ_ERR_ARG naming rec->name. */
    gz_status (*features_new)(const void *params, const gz_record *rec, void **features);
    void (*features_free)(void *features);
    /* Compares records i and j (i < j in a matrix; i = 0, j = 1 for a
     * single pair), writing n_values doubles to out. */
    gz_status (*compare)(const void *params, const void *fa, const void *fb, int64_t i,
                         int64_t j, double *out);
} gz_scheme;

/* The scheme called `name`, or NULL. */
const gz_scheme *gz_scheme_find(const char *name);

/* NULL-terminated list of all registered schemes. */
const gz_scheme *const *gz_scheme_all(void);

#endif
