/* Gaze readers: the parts of gaze_io.h's contract that callers need beyond
 * gz_gaze_read (warning counts, the detected layout, McGIP's INbreast lines
 * files, writing records back), plus helpers shared by the readers
 * gaze_io.c, gaze_json.c, gaze_table.c and gaze_lines.c.
 *
 * Limits: a record holds at most GZ_GAZE_MAX_POINTS points and a gaze file
 * is at most GZ_GAZE_MAX_FILE bytes (GZ_ERR_LIMIT otherwise), checked
 * before the data is stored.
 *
 * Every error message reads "FILE:LINE:COL: message" (LINE and COL from 1;
 * COL counts bytes) or "FILE: message" when no position applies. */
#ifndef GZ_GAZE_READ_H
#define GZ_GAZE_READ_H

#include <stddef.h>

#include "error.h"
#include "gaze.h"
#include "gaze_io.h"

#define GZ_GAZE_MAX_POINTS ((size_t)10000000)
#define GZ_GAZE_MAX_FILE ((size_t)1 << 31)

/* What a read noticed besides the record (for warnings; the core never
 * prints). */
typedef struct gz_gaze_read_info {
    size_t track_loss_rows;  /* sample rows dropped: empty/NaN/./- in x, y or t */
    size_t skipped_rows;     /* event rows that are not fixations (REMoDNaV SACC, ...) */
    size_t outside;          /* points outside [0, canvas_w) x [0, canvas_h) (kept) */
    char layout[32];         /* "mcgip-json", "multimatch", "remodnav", "tobii-fixations",
                                "tobii-samples", "eyelink-fixations", "eyelink-samples",
                                "gazepoint", "reflacx-fixations", "reflacx-gaze",
                                "egd-cxr-fixations", "mapped" */
} gz_gaze_read_info;

/* gz_gaze_read plus the info above (info may be NULL). */
gz_status gz_gaze_read_ex(const char *path, const gz_gaze_read_options *opt, gz_gaze **out,
                          gz_gaze_read_info *info);

/* Parses a McGIP JSON document held in memory (`name` is used in messages). */
gz_status gz_gaze_parse_json(const char *name, const char *text, size_t len,
                             const gz_gaze_read_options *opt, gz_gaze **out,
                             gz_gaze_read_info *info);

/* Parses a TSV/CSV table held in memory. */
gz_status gz_gaze_parse_table(const char *name, const char *text, size_t len,
                              const gz_gaze_read_options *opt, gz_gaze **out,
                              gz_gaze_read_info *info);

/* One entry of a McGIP INbreast gaze-lines file
 * `path;label;[(x, y), (x, y), ...];...`: fields after the third are
 * ignored. `gaze` is a GZ_GAZE_SAMPLES record without timestamps on the
 * canvas given to gz_gaze_lines_read; it is borrowed for the duration of
 * the callback (clone it to keep it). */
typedef struct gz_gaze_line {
    size_t line;        /* 1-based line number in the file */
    const char *path;   /* first field, trimmed (image path as written) */
    const char *label;  /* second field, trimmed ("" when absent) */
    const gz_gaze *gaze;
} gz_gaze_line;

/* Returns non-zero to stop reading (the status returned is then GZ_OK). */
typedef int (*gz_gaze_line_fn)(void *ud, const gz_gaze_line *entry);

/* Reads every non-empty line of a lines file and calls fn for each.
 * canvas_w/h <= 0 mean 800 x 800. Errors name FILE:LINE:COL. */
gz_status gz_gaze_lines_read(const char *path, double canvas_w, double canvas_h,
                             gz_gaze_line_fn fn, void *ud);

/* Writes a record as a gaze file that gz_gaze_read reads back exactly
 * (numbers printed with %.17g), atomically:
 *   samples without time  -> McGIP JSON {"gaze": [[x, y], ...]}
 *   samples with time     -> TSV "t x y"
 *   fixations             -> TSV "start_x start_y duration" (+ "onset" when
 *                            the record has onsets)
 * Times and durations are converted to seconds (the tables' default unit);
 * a record in GZ_UNIT_SAMPLES keeps its counts (read it back with
 * duration_unit = samples).
 * The path's extension must agree (.json for the first form, .tsv/.csv
 * otherwise; .csv writes commas); GZ_ERR_ARG otherwise. */
gz_status gz_gaze_write(const char *path, const gz_gaze *g);

/* Number of points outside [0, canvas_w) x [0, canvas_h). */
size_t gz_gaze_count_outside(const gz_gaze *g);

/* ---- helpers shared by the readers ---- */

/* Growable point columns used while parsing. */
typedef struct gz_pointbuf {
    double *x, *y, *t, *dur;
    size_t n, cap;
    int with_t, with_dur;
} gz_pointbuf;

/* Appends one point (t / dur ignored unless enabled). GZ_ERR_LIMIT past
 * GZ_GAZE_MAX_POINTS (message names `name`). */
gz_status gz_pointbuf_push(gz_pointbuf *b, const char *name, double x, double y, double t,
                           double dur);
/* Moves the points into a new record; frees the buffer in every case. */
gz_status gz_pointbuf_finish(gz_pointbuf *b, gz_gaze_kind kind, double cw, double ch,
                             gz_time_unit unit, gz_gaze **out);
void gz_pointbuf_free(gz_pointbuf *b);

/* Line and column (from 1) of byte offset `off` in text. */
void gz_text_position(const char *text, size_t off, size_t *line, size_t *col);

/* Strict decimal number: optional sign, digits with an optional fraction,
 * optional exponent; no hex, no inf/nan, no surrounding spaces. Returns 1
 * and stores the value when s[0..len) is one and finite; 0 otherwise. */
int gz_parse_decimal(const char *s, size_t len, double *out);

#endif
