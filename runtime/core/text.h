/* Small text helpers for checking names on the C side (scheme parameters
 * "key=value", option keys): Levenshtein distance, the nearest valid name,
 * and the standard "unknown key 'x' (did you mean 'y'?)" message.
 *
 * The nearness rule matches lib/gaze/util.lua's util.nearest: a candidate
 * is offered only when its distance is <= max(2, strlen(word) / 2). */
#ifndef GZ_TEXT_H
#define GZ_TEXT_H

#include <stddef.h>

#include "error.h"

/* Levenshtein distance (insert, delete, substitute; bytes, not code
 * points). Returns (size_t)-1 only when memory runs out for long strings. */
size_t gz_edit_distance(const char *a, const char *b);

/* The candidate nearest to word, or NULL when none is close enough.
 * candidates is a NULL-terminated array; ties go to the earliest. The
 * result points into candidates (borrowed). */
const char *gz_nearest_name(const char *word, const char *const *candidates);

/* Writes "unknown KIND 'word' (did you mean 'x'?)" into buf (the
 * parenthesis only when a near candidate exists; kind defaults to "key"
 * when NULL). Always NUL-terminates when cap > 0; returns buf. */
char *gz_format_unknown(char *buf, size_t cap, const char *kind, const char *word,
                        const char *const *candidates);

/* Sets the thread's error to "WHERE: unknown KIND 'word' (did you mean
 * 'x'?)" (no "WHERE: " when where is NULL or empty) and returns GZ_ERR_ARG. */
gz_status gz_error_unknown(const char *where, const char *kind, const char *word,
                           const char *const *candidates);

#endif
