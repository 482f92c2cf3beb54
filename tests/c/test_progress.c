/* Progress output: quiet at verbosity 0, plain lines and terminal bar
 * formats, rate limiting, exact counts under concurrent adds. */
#include "../../runtime/core/progress.h"
#include "../../runtime/core/runconfig.h"
#include "../../runtime/core/threadpool.h"
#include "check.h"

#include <time.h>

static char text[8192];

static const char *read_back(FILE *fp)
{
    fflush(fp);
    rewind(fp);
    size_t n = fread(text, 1, sizeof text - 1, fp);
    text[n] = 0;
    return text;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static void test_quiet(void)
{
    gz_runconfig_set_verbosity(0);
    CHECK(gz_progress_new("x", 10, "items") == NULL);
    FILE *fp = tmpfile();
    CHECK(gz_progress_new_to("x", 10, "items", fp, 0, 0) == NULL);
    fclose(fp);
    gz_runconfig_set_verbosity(1);
    /* every call accepts NULL */
    gz_progress_add(NULL, 5);
    gz_progress_done(NULL);
    CHECK(gz_progress_count(NULL) == 0);
}

static void test_plain_lines(void)
{
    FILE *fp = tmpfile();
    gz_progress *p = gz_progress_new_to("similarity tima", 100, "pairs", fp, 0, 0.02);
    CHECK(p != NULL);
    gz_progress_add(p, 10);
    CHECK(read_back(fp)[0] == 0); /* too soon */
    fseek(fp, 0, SEEK_END);
    sleep_ms(30);
    gz_progress_add(p, 40);
    CHECK(gz_progress_count(p) == 50);
    gz_progress_done(p);
    const char *s = read_back(fp);
    CHECK_MSG(strncmp(s, "similarity tima: 50/100 pairs (50%), ", 37) == 0, "got [%s]", s);
    CHECK(strstr(s, "pairs/s, ETA ") != NULL);
    CHECK(strstr(s, "\nsimilarity tima: done, 50 pairs in ") != NULL);
    CHECK(count_char(s, '\n') == 2);
    CHECK(strchr(s, '\r') == NULL && strchr(s, '\033') == NULL);
    fclose(fp);
}

static void test_unknown_total(void)
{
    FILE *fp = tmpfile();
    gz_progress *p = gz_progress_new_to("reading", 0, "", fp, 0, 0.01);
    sleep_ms(20);
    gz_progress_add(p, 7);
    gz_progress_done(p);
    const char *s = read_back(fp);
    CHECK_MSG(strncmp(s, "reading: 7, ", 12) == 0, "got [%s]", s);
    CHECK(strstr(s, "reading: done, 7 in ") != NULL);
    CHECK(strstr(s, "ETA") == NULL);
    fclose(fp);
}

static void test_tty_bar(void)
{
    FILE *fp = tmpfile();
    gz_progress *p = gz_progress_new_to("epoch 1", 8, "batches", fp, 1, 0.01);
    sleep_ms(15);
    gz_progress_add(p, 2);
    sleep_ms(15);
    gz_progress_add(p, 6);
    gz_progress_done(p);
    const char *s = read_back(fp);
    CHECK_MSG(strstr(s, "\repoch 1 [######------------------]  25% 2/8 batches") != NULL,
              "got [%s]", s);
    CHECK(strstr(s, "ETA ") != NULL);
    CHECK(strstr(s, "\repoch 1 [########################] 100% 8/8 batches") != NULL);
    CHECK(count_char(s, '\n') == 1 && s[strlen(s) - 1] == '\n');
    fclose(fp);
}

static void test_rate_limited(void)
{
    FILE *fp = tmpfile();
    gz_progress *p = gz_progress_new_to("fast", 1000000, "items", fp, 1, 1.0);
    for (int i = 0; i < 1000000; i++)
        gz_progress_add(p, 1);
    /* a million adds well under a second: no redraw yet */
    CHECK(read_back(fp)[0] == 0);
    fseek(fp, 0, SEEK_END);
    gz_progress_done(p);
    CHECK(count_char(read_back(fp), '\r') == 1);
    fclose(fp);
}

static gz_status add_each(void *ctx, int64_t b, int64_t e, int worker)
{
    (void)worker;
    for (int64_t i = b; i < e; i++)
        gz_progress_add(ctx, 1);
    return GZ_OK;
}

static void test_threaded_count(void)
{
    FILE *fp = tmpfile();
    gz_progress *p = gz_progress_new_to("par", 200000, "items", fp, 1, 0.0001);
    CHECK(gz_parallel_for_dynamic(200000, 4, 1000, add_each, p) == GZ_OK);
    CHECK(gz_progress_count(p) == 200000);
    gz_progress_done(p);
    const char *s = read_back(fp);
    CHECK(strstr(s, "100% 200000/200000 items") != NULL);
    fclose(fp);
}

static void test_abandon(void)
{
    FILE *fp = tmpfile();
    gz_progress *p = gz_progress_new_to("gone", 10, "items", fp, 0, 0);
    gz_progress_add(p, 3);
    gz_progress_abandon(p);
    CHECK(read_back(fp)[0] == 0); /* no done line */
    fclose(fp);
    fp = tmpfile();
    p = gz_progress_new_to("gone", 10, "items", fp, 1, 0.001);
    sleep_ms(2);
    gz_progress_add(p, 3);
    gz_progress_abandon(p);
    const char *s = read_back(fp);
    CHECK(strstr(s, "30% 3/10 items") != NULL && s[strlen(s) - 1] == '\n');
    fclose(fp);
    gz_progress_abandon(NULL);
}

int main(void)
{
    RUN(test_quiet);
    RUN(test_plain_lines);
    RUN(test_unknown_total);
    RUN(test_tty_bar);
    RUN(test_rate_limited);
    RUN(test_threaded_count);
    RUN(test_abandon);
    return check_done();
}
