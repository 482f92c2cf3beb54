/* Atomic file writes: data goes to ".NAME.tmp-XXXXXX" in NAME's folder
 * (mkstemp), is flushed and fsync'ed, then renamed over NAME; the folder is
 * fsync'ed after the rename so the new name survives a crash. A failure at
 * any step removes the temporary file and leaves NAME untouched. */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct gz_atomic_file {
    FILE *stream;
    char *path;     /* final name, as given */
    char *tmp;      /* temporary name */
    char *dir;      /* folder of path ("." when none) */
};

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = gz_malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void free_file(gz_atomic_file *f)
{
    free(f->path);
    free(f->tmp);
    free(f->dir);
    free(f);
}

gz_status gz_atomic_open(gz_atomic_file **out, const char *path)
{
    *out = NULL;
    if (!path || !*path)
        return gz_error_set(GZ_ERR_ARG, "atomic write: empty file name");
    size_t len = strlen(path);
    if (path[len - 1] == '/')
        return gz_error_set(GZ_ERR_ARG, "%s: is a folder name, not a file name", path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = slash ? (size_t)(slash - path) : 0;

    gz_atomic_file *f = gz_calloc(1, sizeof *f);
    if (!f)
        return GZ_ERR_NOMEM;
    f->path = dup_string(path);
    /* dir + "/." + base + ".tmp-XXXXXX" + NUL */
    f->tmp = gz_malloc(len + 16);
    f->dir = gz_malloc(dirlen + 2);
    if (!f->path || !f->tmp || !f->dir) {
        free_file(f);
        return GZ_ERR_NOMEM;
    }
    if (slash) {
        if (dirlen == 0) {
            strcpy(f->dir, "/");
        } else {
            memcpy(f->dir, path, dirlen);
            f->dir[dirlen] = '\0';
        }
        snprintf(f->tmp, len + 16, "%.*s/.%s.tmp-XXXXXX", (int)dirlen, path, base);
    } else {
        strcpy(f->dir, ".");
        snprintf(f->tmp, len + 16, ".%s.tmp-XXXXXX", base);
    }

    int fd = mkstemp(f->tmp);
    if (fd < 0) {
        int e = errno;
        gz_status st = gz_error_set(GZ_ERR_IO, "%s: cannot create a temporary file in %s: %s",
                                    path, f->dir, strerror(e));
        free_file(f);
        return st;
    }
    /* mkstemp makes 0600; give the file the usual umask-derived mode. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    f->stream = fdopen(fd, "wb");
    if (!f->stream) {
        int e = errno;
        close(fd);
        unlink(f->tmp);
        gz_status st = gz_error_set(GZ_ERR_IO, "%s: %s", path, strerror(e));
        free_file(f);
        return st;
    }
    *out = f;
    return GZ_OK;
}

FILE *gz_atomic_stream(gz_atomic_file *f)
{
    return f ? f->stream : NULL;
}

static void sync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: some file systems refuse it */
        close(dfd);
    }
}

gz_status gz_atomic_commit(gz_atomic_file *f)
{
    if (!f)
        return gz_error_set(GZ_ERR_ARG, "atomic write: commit of a NULL file");
    gz_status st = GZ_OK;
    int err = 0;
    if (ferror(f->stream))
        err = EIO;
    if (!err && fflush(f->stream) != 0)
        err = errno ? errno : EIO;
    if (!err && fsync(fileno(f->stream)) != 0 && errno != EINVAL && errno != EROFS)
        err = errno;
    if (fclose(f->stream) != 0 && !err)
        err = errno ? errno : EIO;
    f->stream = NULL;
    if (err) {
        st = gz_error_set(GZ_ERR_IO, "%s: write failed: %s", f->path, strerror(err));
        unlink(f->tmp);
        free_file(f);
        return st;
    }
    if (rename(f->tmp, f->path) != 0) {
        int e = errno;
        st = gz_error_set(GZ_ERR_IO, "%s: cannot rename the temporary file into place: %s",
                          f->path, strerror(e));
        unlink(f->tmp);
        free_file(f);
        return st;
    }
    sync_dir(f->dir);
    free_file(f);
    return GZ_OK;
}

void gz_atomic_abort(gz_atomic_file *f)
{
    if (!f)
        return;
    if (f->stream)
        fclose(f->stream);
    unlink(f->tmp);
    free_file(f);
}

gz_status gz_atomic_write(const char *path, const void *data, size_t size)
{
    gz_atomic_file *f;
    gz_status st = gz_atomic_open(&f, path);
    if (st)
        return st;
    if (size && fwrite(data, 1, size, f->stream) != size) {
        int e = errno;
        gz_atomic_abort(f);
        return gz_error_set(GZ_ERR_IO, "%s: write failed: %s", path, strerror(e ? e : EIO));
    }
    return gz_atomic_commit(f);
}
