/* A tiny harness for the C unit tests. Each tests/c/test_MODULE.c is one
 * program:
 *
 *     static void test_something(void) { CHECK(x == 1); CHECK_NEAR(a, b, 1e-9); }
 *     int main(void) { RUN(test_something); SKIP(test_other, "why"); return check_done(); }
 *
 * Output lines are read by tests/run.sh: "ok FILE: NAME",
 * "FAIL FILE: NAME: message", "skip FILE: NAME: reason". A failing CHECK
 * reports and the test continues; the program exits 1 when any failed.
 * Fixtures: check_shared(path) gives ../shared/<path> (or $GZ_SHARED/<path>),
 * paths inside the checkout are relative to its root (tests run there);
 * check_tmpdir / check_tmp / check_tmpdir_remove give a scratch folder. */
#ifndef GZ_CHECK_H
#define GZ_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures_total = 0;
static int check_failures_current = 0;
static const char *check_current = "";

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            check_failures_current++;                                                    \
            printf("FAIL %s: %s: %s:%d: CHECK(%s)\n", __FILE__, check_current, __FILE__, \
                   __LINE__, #cond);                                                     \
        }                                                                                \
    } while (0)

#define CHECK_MSG(cond, ...)                                                            \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            char check_buf_[512];                                                       \
            snprintf(check_buf_, sizeof check_buf_, __VA_ARGS__);                       \
            check_failures_current++;                                                   \
            printf("FAIL %s: %s: %s:%d: %s\n", __FILE__, check_current, __FILE__,       \
                   __LINE__, check_buf_);                                               \
        }                                                                               \
    } while (0)

/* |a - b| <= tol (absolute), NaN equal to NaN. */
#define CHECK_NEAR(a, b, tol)                                                           \
    do {                                                                                \
        double check_a_ = (double)(a), check_b_ = (double)(b);                          \
        int check_ok_ = (isnan(check_a_) && isnan(check_b_)) ||                         \
                        fabs(check_a_ - check_b_) <= (tol);                             \
        CHECK_MSG(check_ok_, "%s = %.17g, expected %.17g (tol %g)", #a, check_a_,       \
                  check_b_, (double)(tol));                                             \
    } while (0)

/* Relative tolerance: |a - b| <= tol * max(1, |b|). */
#define CHECK_REL(a, b, tol)                                                            \
    do {                                                                                \
        double check_b2_ = (double)(b);                                                 \
        CHECK_NEAR(a, check_b2_, (tol) * fmax(1.0, fabs(check_b2_)));                   \
    } while (0)

#define RUN(fn)                                                                         \
    do {                                                                                \
        check_current = #fn;                                                            \
        check_failures_current = 0;                                                     \
        fn();                                                                           \
        if (check_failures_current == 0)                                                \
            printf("ok %s: %s\n", __FILE__, #fn);                                       \
        check_failures_total += check_failures_current;                                 \
        fflush(stdout);                                                                 \
    } while (0)

#define SKIP(fn, reason)                                                                \
    do {                                                                                \
        (void)fn;                                                                       \
        printf("skip %s: %s: %s\n", __FILE__, #fn, reason);                             \
    } while (0)

static inline int check_done(void)
{
    return check_failures_total ? 1 : 0;
}

/* Whole file as a NUL-terminated malloc'ed buffer (caller frees), length
 * in *len when len is not NULL; NULL when the file cannot be read. */
static inline char *check_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

/* A temporary folder for the whole test program: check_tmpdir("gz_test_x")
 * creates /tmp/gz_test_x_XXXXXX (NULL, after perror, when it cannot);
 * check_tmp(name) is the path of `name` inside it (one of 4 rotating
 * buffers); check_tmpdir_remove() deletes the folder and all it holds. */
static inline char *check_tmpdir_path_(void)
{
    static char dir[64];
    return dir;
}

static inline const char *check_tmpdir(const char *prefix)
{
    char *dir = check_tmpdir_path_();
    snprintf(dir, 64, "/tmp/%s_XXXXXX", prefix);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return NULL;
    }
    return dir;
}

static inline const char *check_tmp(const char *name)
{
    static char buf[4][256];
    static int slot = 0;
    char *out = buf[slot++ & 3];
    snprintf(out, 256, "%s/%s", check_tmpdir_path_(), name);
    return out;
}

static inline void check_tmpdir_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", check_tmpdir_path_());
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", check_tmpdir_path_());
}

static inline const char *check_shared(const char *rel)
{
    static char buf[4][1024];
    static int slot = 0;
    const char *root = getenv("GZ_SHARED");
    char *out = buf[slot++ & 3];
    snprintf(out, 1024, "%s/%s", root && *root ? root : "../shared", rel);
    return out;
}

#endif
