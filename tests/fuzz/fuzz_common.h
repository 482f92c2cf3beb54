/* Helpers shared by the libFuzzer harnesses in tests/fuzz (built by
 * `make fuzz`, replayed by tests/lua/test_fuzz_regressions.lua).
 *
 * Readers that take a path get the fuzz input through a file in a private
 * folder under $TMPDIR (default /tmp), one per process, so that harnesses
 * running at the same time never share a file. */
#ifndef GZ_FUZZ_COMMON_H
#define GZ_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The private folder (created on first use). */
__attribute__((unused)) static const char *fuzz_dir(void)
{
    static char dir[512];
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/gazelab-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir))
            abort();
    }
    return dir;
}

/* Writes data to DIR/name and returns the path (static buffer). */
__attribute__((unused)) static const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[640];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f) != 0)
        abort();
    return path;
}

/* A failing reader must leave a one-line message: an empty message or one
 * with a control character (a newline, a carriage return, an escape copied
 * from the input) is a bug the harness reports as a crash. */
__attribute__((unused)) static void fuzz_check_message(const char *msg)
{
    if (!msg || !msg[0])
        abort();
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
        if ((*p < 32 && *p != '\t') || *p == 127)
            abort();
}

#endif
