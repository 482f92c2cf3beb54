/* Progress reporting on stderr. [CONTRACT: implemented by the
 * infrastructure work]
 *
 * A bar with rate and ETA when stderr is a terminal, a plain line at most
 * every few seconds otherwise, nothing at verbosity 0
 * (gz_runconfig_verbosity). gz_progress_add is thread-safe. */
#ifndef GZ_PROGRESS_H
#define GZ_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct gz_progress gz_progress;

/* label e.g. "similarity tima", unit e.g. "pairs". Never fails: returns
 * NULL when quiet or out of memory, and every call accepts NULL. */
gz_progress *gz_progress_new(const char *label, int64_t total, const char *unit);
void gz_progress_add(gz_progress *p, int64_t n);
/* Prints the final line and frees. */
void gz_progress_done(gz_progress *p);

/* Output format (every line starts with the label):
 *   terminal: "\rLABEL [#####-----]  45% 2250/5000 pairs  1.2k pairs/s  ETA 0:02"
 *             redrawn at most 10 times a second, a newline at done;
 *   otherwise: "LABEL: 2250/5000 pairs (45%), 1.2k pairs/s, ETA 0:02" at most
 *             every 5 s; then "LABEL: done, 5000 pairs in 4.1 s (1.2k pairs/s)".
 * total <= 0 means unknown: no bar, percentage or ETA. */

/* For tests and embedding: explicit output stream, mode and interval.
 * tty < 0 decides with isatty(fileno(out)); interval <= 0 picks 0.1 s for
 * a terminal and 5 s otherwise. Still NULL at verbosity 0. */
gz_progress *gz_progress_new_to(const char *label, int64_t total, const char *unit,
                                FILE *out, int tty, double interval);

/* Frees without the final "done" line (work abandoned after an error); on
 * a terminal a bar already drawn is ended with a newline. */
void gz_progress_abandon(gz_progress *p);

/* Work counted so far (0 for NULL). */
int64_t gz_progress_count(const gz_progress *p);

#endif
