/* A plain main() for the libFuzzer harnesses: runs LLVMFuzzerTestOneInput
 * on every file named on the command line, so that the inputs kept in
 * tests/fuzz/regressions/<target>/ replay through the normal (and the ASan)
 * build in `make test`. Prints "ran N inputs"; a bug shows as a crash or
 * an abort, exactly as under libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int ran = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            return 2;
        }
        size_t cap = 1 << 16, n = 0;
        uint8_t *buf = malloc(cap);
        size_t got;
        while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
            n += got;
            if (n == cap) {
                uint8_t *nb = realloc(buf, cap * 2);
                if (!nb) {
                    free(buf);
                    buf = NULL;
                    break;
                }
                buf = nb;
                cap *= 2;
            }
        }
        fclose(f);
        if (!buf) {
            fprintf(stderr, "replay: out of memory reading %s\n", argv[i]);
            return 2;
        }
        /* an exact-size copy, so that ASan sees reads past the end */
        uint8_t *exact = malloc(n ? n : 1);
        if (!exact)
            return 2;
        for (size_t k = 0; k < n; k++)
            exact[k] = buf[k];
        free(buf);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
        ran++;
    }
    printf("ran %d inputs\n", ran);
    return 0;
}
