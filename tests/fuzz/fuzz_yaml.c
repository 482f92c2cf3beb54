/* libFuzzer harness: YAML and JSON documents (gz_yaml_parse,
 * gz_json_parse) on arbitrary bytes. A document that parses is emitted and
 * parsed again: the emitters must write text their own parser reads back
 * (the round-trip contract of doc.h). The first byte chooses the parser. */
#include "fuzz_common.h"

#include "../../runtime/core/doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const gz_doc *d)
{
    char *text = NULL;
    size_t len = 0;
    if (gz_yaml_emit(d, &text, &len) == GZ_OK) {
        gz_doc *back = NULL;
        if (gz_yaml_parse("emitted.yaml", text, len, &back))
            abort(); /* the emitter wrote something its parser refuses */
        gz_doc_free(back);
        free(text);
    }
    text = NULL;
    if (gz_json_emit(d, 0, &text, &len) == GZ_OK) {
        gz_doc *back = NULL;
        if (gz_json_parse("emitted.json", text, len, &back))
            abort();
        gz_doc_free(back);
        free(text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int json = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    gz_doc *d = NULL;
    gz_status st = json ? gz_json_parse("in.json", text, len, &d)
                        : gz_yaml_parse("in.yaml", text, len, &d);
    if (st) {
        fuzz_check_message(gz_error_message());
        return 0;
    }
    round_trip(d);
    gz_doc_free(d);
    return 0;
}
