/* libFuzzer harness: gz_image_read (PNG and JPEG, detected from the
 * signature) on arbitrary bytes; a decoded image is also converted to grey. */
#include "fuzz_common.h"

#include "../../runtime/core/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("in.img", data, size);
    gz_tensor *img = NULL;
    gz_status st = gz_image_read(path, &img);
    if (st) {
        fuzz_check_message(gz_error_message());
        return 0;
    }
    gz_tensor *grey = NULL;
    if (gz_image_to_grey(img, &grey) == GZ_OK)
        gz_tensor_free(grey);
    gz_tensor_free(img);
    return 0;
}
