/* Progress reporting on stderr. [CONTRACT: implemented by the
 * infrastructure work]
 *
 * A bar with rate and ETA when stderr is a terminal, a plain line at most
 * every few seconds otherwise, nothing at verbosity 0
 * (gz_runconfig_verbosity). gz_progress_add is thread-safe. */
#ifndef GZ_PROGRESS_H
#define GZ_PROGRESS_H

#include <stdint.h>

typedef struct gz_progress gz_progress;

/* label e.g. "similarity tima", unit e.g. "pairs". Never fails: returns
 * NULL when quiet or out of memory, and every call accepts NULL. */
gz_progress *gz_progress_new(const char *label, int64_t total, const char *unit);
void gz_progress_add(gz_progress *p, int64_t n);
/* Prints the final line and frees. */
void gz_progress_done(gz_progress *p);

#endif
