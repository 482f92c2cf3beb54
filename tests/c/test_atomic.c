/* Atomic file writes: content, replacement, no temporary leftovers, abort,
 * and error messages that name the path. */
#include "../../runtime/core/atomic_file.h"
#include "check.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gz_test_atomic_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(1);
    }
}

/* Number of entries in tmpdir (without . and ..). */
static int count_entries(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *e;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_write_and_replace(void)
{
    char path[512];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/a.txt", tmpdir);
    CHECK(gz_atomic_write(path, "hello", 5) == GZ_OK);
    char *s = check_slurp(path, &n);
    CHECK(s && n == 5 && memcmp(s, "hello", 5) == 0);
    free(s);
    CHECK(gz_atomic_write(path, "bye", 3) == GZ_OK);
    s = check_slurp(path, &n);
    CHECK(s && n == 3 && memcmp(s, "bye", 3) == 0);
    free(s);
    CHECK(count_entries() == 1);
    /* permissions follow the umask, not mkstemp's 0600 */
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    mode_t mask = umask(0);
    umask(mask);
    CHECK((sb.st_mode & 0777) == (0666 & ~mask));
    /* empty content */
    CHECK(gz_atomic_write(path, "", 0) == GZ_OK);
    s = check_slurp(path, &n);
    CHECK(s && n == 0);
    free(s);
    unlink(path);
}

static void test_stream_commit(void)
{
    char path[512];
    size_t n = 0;
    gz_atomic_file *f;
    snprintf(path, sizeof path, "%s/b.txt", tmpdir);
    CHECK(gz_atomic_open(&f, path) == GZ_OK);
    fprintf(gz_atomic_stream(f), "x=%d\n", 42);
    /* before commit: NAME does not exist, one temporary does */
    CHECK(access(path, F_OK) != 0);
    CHECK(count_entries() == 1);
    CHECK(gz_atomic_commit(f) == GZ_OK);
    char *s = check_slurp(path, &n);
    CHECK(s && n == 5 && memcmp(s, "x=42\n", 5) == 0);
    free(s);
    CHECK(count_entries() == 1);
    unlink(path);
}

static void test_abort_keeps_old(void)
{
    char path[512];
    size_t n = 0;
    gz_atomic_file *f;
    snprintf(path, sizeof path, "%s/c.txt", tmpdir);
    CHECK(gz_atomic_write(path, "old", 3) == GZ_OK);
    CHECK(gz_atomic_open(&f, path) == GZ_OK);
    fputs("new content", gz_atomic_stream(f));
    CHECK(count_entries() == 2);
    gz_atomic_abort(f);
    CHECK(count_entries() == 1);
    char *s = check_slurp(path, &n);
    CHECK(s && n == 3 && memcmp(s, "old", 3) == 0);
    free(s);
    gz_atomic_abort(NULL);
    unlink(path);
}

static void test_errors_name_path(void)
{
    gz_atomic_file *f = (gz_atomic_file *)1;
    CHECK(gz_atomic_open(&f, "/nonexistent-dir-gz/x.bin") == GZ_ERR_IO);
    CHECK(f == NULL);
    CHECK(strstr(gz_error_message(), "/nonexistent-dir-gz/x.bin") != NULL);
    CHECK(gz_atomic_write("", "a", 1) == GZ_ERR_ARG);
    char path[512];
    snprintf(path, sizeof path, "%s/d/", tmpdir);
    CHECK(gz_atomic_write(path, "a", 1) == GZ_ERR_ARG);
    CHECK(strstr(gz_error_message(), path) != NULL);
    /* rename over a non-empty folder fails: the temp must be removed */
    snprintf(path, sizeof path, "%s/sub", tmpdir);
    CHECK(mkdir(path, 0700) == 0);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/keep", path);
    CHECK(gz_atomic_write(inner, "k", 1) == GZ_OK);
    CHECK(gz_atomic_write(path, "a", 1) == GZ_ERR_IO);
    CHECK(strstr(gz_error_message(), path) != NULL);
    CHECK(count_entries() == 1);
    unlink(inner);
    rmdir(path);
}

static void test_relative_name(void)
{
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(tmpdir) == 0);
    CHECK(gz_atomic_write("rel.txt", "r", 1) == GZ_OK);
    CHECK(access("rel.txt", F_OK) == 0);
    CHECK(count_entries() == 1);
    unlink("rel.txt");
    CHECK(chdir(cwd) == 0);
}

int main(void)
{
    make_tmpdir();
    RUN(test_write_and_replace);
    RUN(test_stream_commit);
    RUN(test_abort_keeps_old);
    RUN(test_errors_name_path);
    RUN(test_relative_name);
    rmdir(tmpdir);
    return check_done();
}
