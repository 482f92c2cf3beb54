/* libFuzzer harness: McGIP INbreast gaze-lines files (gz_gaze_lines_read)
 * on arbitrary bytes; every entry's record is checked for finite points. */
#include <math.h>

#include "fuzz_common.h"

#include "../../runtime/core/gaze_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_entry(void *ud, const gz_gaze_line *e)
{
    size_t *count = ud;
    (*count)++;
    if (!e->path || !e->label || !e->gaze)
        abort();
    for (size_t k = 0; k < e->gaze->n; k++)
        if (!isfinite(e->gaze->x[k]) || !isfinite(e->gaze->y[k]))
            abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("lines.txt", data, size);
    size_t count = 0;
    if (gz_gaze_lines_read(path, 0, 0, on_entry, &count))
        fuzz_check_message(gz_error_message());
    return 0;
}
