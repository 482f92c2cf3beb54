/* Gaze file readers. [CONTRACT: implemented by the gaze-data work]
 *
 * Formats (detected from the extension and header unless forced):
 *   GZ_FMT_MCGIP_JSON   {"gaze": [[x, y], ...], ...}: raw samples, no time
 *   GZ_FMT_TABLE        TSV/CSV fixation or sample table with a header
 *                       (multimatch-gaze start_x/start_y/duration, REMoDNaV
 *                       events (FIXA rows), or mapped columns)
 * Errors name file, line and column: "FILE:LINE:COL: message". */
#ifndef GZ_GAZE_IO_H
#define GZ_GAZE_IO_H

#include "error.h"
#include "gaze.h"

typedef enum gz_gaze_format {
    GZ_FMT_AUTO = 0,
    GZ_FMT_MCGIP_JSON,
    GZ_FMT_TABLE
} gz_gaze_format;

typedef struct gz_gaze_read_options {
    gz_gaze_format format;      /* GZ_FMT_AUTO: from extension + header */
    double canvas_w, canvas_h;  /* 0: the format's default (McGIP 800x800) */
    int has_duration_unit;      /* 1 when duration_unit below is set */
    gz_time_unit duration_unit; /* unit of durations/timestamps in the file */
    /* Column mapping for tables (NULL = the format's defaults). */
    const char *col_x, *col_y, *col_duration, *col_time;
    int normalised;             /* 1: x, y in 0..1 of the canvas (Gazepoint) */
} gz_gaze_read_options;

/* opt may be NULL (all defaults). Caller frees *out with gz_gaze_free. */
gz_status gz_gaze_read(const char *path, const gz_gaze_read_options *opt, gz_gaze **out);

#endif
