/* Status codes and the thread-local last-error message.
 *
 * Contract: every core function that can fail returns a gz_status. On
 * failure it records a one-line human-readable message (without a trailing
 * newline, ideally naming the file, line and field) with gz_error_set();
 * callers read it with gz_error_message(). Core code never exits, prints,
 * or longjmps across its own frames. */
#ifndef GZ_ERROR_H
#define GZ_ERROR_H

#include <stddef.h>

typedef enum gz_status {
    GZ_OK = 0,
    GZ_ERR_IO,        /* file cannot be opened, read or written */
    GZ_ERR_FORMAT,    /* file content is malformed */
    GZ_ERR_ARG,       /* invalid argument or option */
    GZ_ERR_NOMEM,     /* allocation failed */
    GZ_ERR_LIMIT,     /* a documented size limit was exceeded */
    GZ_ERR_CANCELLED, /* work was cancelled through the cancel flag */
    GZ_ERR_INTERNAL   /* a library (oneDNN, libpng, ...) failed unexpectedly */
} gz_status;

/* Records a printf-style message for the calling thread and returns st,
 * so that failure paths read `return gz_error_set(GZ_ERR_IO, "%s: ...", path);`. */
gz_status gz_error_set(gz_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with "prefix: " (e.g. a file name added by
 * an outer layer). Returns st. */
gz_status gz_error_prefix(gz_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The calling thread's last message ("" when none). Valid until the next
 * gz_error_set on this thread. */
const char *gz_error_message(void);

/* Short name of a status ("io", "format", ...). */
const char *gz_status_name(gz_status st);

/* Allocation helpers that record GZ_ERR_NOMEM with the requested size.
 * gz_calloc checks n * size for overflow. Both return NULL on failure. */
void *gz_malloc(size_t size);
void *gz_calloc(size_t n, size_t size);

#endif
