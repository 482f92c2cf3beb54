/* libFuzzer harness: McGIP gaze JSON records (gz_gaze_parse_json) on
 * arbitrary bytes; a record that loads is written back with gz_gaze_write
 * and read again (same number of points). */
#include "fuzz_common.h"

#include "../../runtime/core/gaze_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gz_gaze *g = NULL;
    gz_gaze_read_info info;
    if (gz_gaze_parse_json("in.json", (const char *)data, size, NULL, &g, &info)) {
        fuzz_check_message(gz_error_message());
        return 0;
    }
    char out[640];
    snprintf(out, sizeof out, "%s/out.json", fuzz_dir());
    if (gz_gaze_write(out, g))
        abort();
    gz_gaze *back = NULL;
    if (gz_gaze_read(out, NULL, &back))
        abort();
    if (back->n != g->n)
        abort();
    gz_gaze_free(back);
    gz_gaze_free(g);
    return 0;
}
