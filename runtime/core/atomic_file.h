/* Atomic file writes. [CONTRACT: implemented by the infrastructure work]
 *
 * Every file gazelab writes goes through here: the data goes to a temporary
 * file in the same folder (".NAME.tmp-XXXXXX"), is flushed and fsync'ed,
 * then renamed over NAME, so a killed run never leaves a half-written file.
 *
 *   gz_atomic_file *f;
 *   if ((st = gz_atomic_open(&f, path))) return st;
 *   fwrite(..., gz_atomic_stream(f));
 *   if (failed) { gz_atomic_abort(f); return st; }
 *   return gz_atomic_commit(f);
 */
#ifndef GZ_ATOMIC_FILE_H
#define GZ_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

typedef struct gz_atomic_file gz_atomic_file;

gz_status gz_atomic_open(gz_atomic_file **out, const char *path);
FILE *gz_atomic_stream(gz_atomic_file *f);
/* Flushes, fsyncs, closes and renames; frees f in every case. On failure
 * the temporary file is removed and NAME is untouched. */
gz_status gz_atomic_commit(gz_atomic_file *f);
/* Removes the temporary file and frees f; NULL is ignored. */
void gz_atomic_abort(gz_atomic_file *f);

/* Convenience: writes `size` bytes atomically. */
gz_status gz_atomic_write(const char *path, const void *data, size_t size);

#endif
