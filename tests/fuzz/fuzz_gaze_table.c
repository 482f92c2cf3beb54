/* libFuzzer harness: TSV/CSV fixation and sample tables
 * (gz_gaze_parse_table) on arbitrary bytes. The first byte picks the
 * options (duration unit, normalised coordinates, mapped columns), the rest
 * is the table. */
#include "fuzz_common.h"

#include "../../runtime/core/gaze_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    gz_gaze_read_options o;
    memset(&o, 0, sizeof o);
    o.format = GZ_FMT_TABLE;
    if (sel & 1) {
        o.has_duration_unit = 1;
        o.duration_unit = (gz_time_unit)((sel >> 1) & 3);
    }
    o.normalised = (sel >> 3) & 1;
    if (sel & 16) {
        o.col_x = "x";
        o.col_y = "y";
        o.col_duration = (sel & 32) ? "duration" : NULL;
        o.col_time = (sel & 64) ? "t" : NULL;
    }
    if (sel & 128) {
        o.canvas_w = 1920;
        o.canvas_h = 1080;
    }
    const char *name = (sel & 2) ? "in.csv" : "in.tsv";
    gz_gaze *g = NULL;
    gz_gaze_read_info info;
    if (gz_gaze_parse_table(name, (const char *)data + 1, size - 1, &o, &g, &info)) {
        fuzz_check_message(gz_error_message());
        return 0;
    }
    gz_gaze_free(g);
    return 0;
}
