/* libFuzzer harness: gz_npy_read on arbitrary bytes; an array that loads
 * is written back and read again (must give the same bytes). */
#include "fuzz_common.h"

#include "../../runtime/core/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("in.npy", data, size);
    gz_tensor *t = NULL;
    if (gz_npy_read(path, &t)) {
        fuzz_check_message(gz_error_message());
        return 0;
    }
    char out[640];
    snprintf(out, sizeof out, "%s/out.npy", fuzz_dir());
    if (gz_npy_write(out, t))
        abort();
    gz_tensor *back = NULL;
    if (gz_npy_read(out, &back))
        abort();
    if (back->dtype != t->dtype || back->ndim != t->ndim)
        abort();
    size_t bytes = (size_t)gz_tensor_numel(t) * gz_dtype_size(t->dtype);
    if (gz_tensor_numel(back) != gz_tensor_numel(t) || (bytes && memcmp(back->data, t->data, bytes) != 0))
        abort();
    gz_tensor_free(back);
    gz_tensor_free(t);
    return 0;
}
