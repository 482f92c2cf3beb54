/* Thread-local error messages and checked allocation. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GZ_ERROR_CAP 1024

static _Thread_local char error_buffer[GZ_ERROR_CAP];

/* Messages quote bytes from input files (column names, header fields,
 * numbers): control characters become '?' so that a message stays one
 * printable line whatever the file holds (found by tests/fuzz). */
static void make_printable(char *s)
{
    for (; *s; s++)
        if (((unsigned char)*s < 32 && *s != '\t') || *s == 127)
            *s = '?';
}

gz_status gz_error_set(gz_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_buffer, sizeof error_buffer, fmt, ap);
    va_end(ap);
    make_printable(error_buffer);
    return st;
}

gz_status gz_error_prefix(gz_status st, const char *fmt, ...)
{
    char prefix[GZ_ERROR_CAP];
    char old[GZ_ERROR_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, error_buffer, sizeof old);
    /* over-long messages are truncated at the buffer's end */
    size_t lp = strnlen(prefix, sizeof prefix - 1);
    size_t cap = sizeof error_buffer - 1;
    size_t at = lp < cap ? lp : cap;
    memcpy(error_buffer, prefix, at);
    if (at + 2 <= cap) {
        memcpy(error_buffer + at, ": ", 2);
        at += 2;
    }
    size_t lo = strnlen(old, sizeof old - 1);
    if (lo > cap - at)
        lo = cap - at;
    memcpy(error_buffer + at, old, lo);
    error_buffer[at + lo] = '\0';
    make_printable(error_buffer);
    return st;
}

const char *gz_error_message(void)
{
    return error_buffer;
}

const char *gz_status_name(gz_status st)
{
    switch (st) {
    case GZ_OK: return "ok";
    case GZ_ERR_IO: return "io";
    case GZ_ERR_FORMAT: return "format";
    case GZ_ERR_ARG: return "argument";
    case GZ_ERR_NOMEM: return "out of memory";
    case GZ_ERR_LIMIT: return "limit";
    case GZ_ERR_CANCELLED: return "cancelled";
    case GZ_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}

void *gz_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        gz_error_set(GZ_ERR_NOMEM, "out of memory allocating %zu bytes", size);
    return p;
}

void *gz_calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size) {
        gz_error_set(GZ_ERR_NOMEM, "allocation of %zu x %zu bytes overflows", n, size);
        return NULL;
    }
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        gz_error_set(GZ_ERR_NOMEM, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}
