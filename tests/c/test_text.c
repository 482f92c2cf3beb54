/* Edit distance, nearest name and the unknown-key message. */
#include "../../runtime/core/text.h"
#include "check.h"

static void test_edit_distance(void)
{
    CHECK(gz_edit_distance("", "") == 0);
    CHECK(gz_edit_distance("abc", "") == 3);
    CHECK(gz_edit_distance("", "ab") == 2);
    CHECK(gz_edit_distance("kitten", "sitting") == 3);
    CHECK(gz_edit_distance("flaw", "lawn") == 2);
    CHECK(gz_edit_distance("sigma", "sigma") == 0);
    CHECK(gz_edit_distance("sgima", "sigma") == 2);
    CHECK(gz_edit_distance("ab", "ba") == 2);
    /* long strings take the heap path */
    char a[301], b[301];
    memset(a, 'x', 300);
    a[300] = 0;
    memcpy(b, a, 301);
    b[150] = 'y';
    CHECK(gz_edit_distance(a, b) == 1);
    b[299] = 0;
    CHECK(gz_edit_distance(a, b) == 2);
}

static void test_nearest(void)
{
    static const char *const keys[] = {"sigma", "threshold", "bins", "normalize", NULL};
    static const char *const none[] = {NULL};
    CHECK(gz_nearest_name("sigam", keys) == keys[0]);
    CHECK(gz_nearest_name("treshold", keys) == keys[1]);
    CHECK(gz_nearest_name("bin", keys) == keys[2]);
    CHECK(gz_nearest_name("normalise", keys) == keys[3]);
    CHECK(gz_nearest_name("completely-different", keys) == NULL);
    CHECK(gz_nearest_name("x", none) == NULL);
    CHECK(gz_nearest_name("x", NULL) == NULL);
    /* ties go to the earliest */
    static const char *const tie[] = {"ab", "ac", NULL};
    CHECK(gz_nearest_name("aa", tie) == tie[0]);
}

static void test_messages(void)
{
    static const char *const keys[] = {"sigma", "bins", NULL};
    char buf[128];
    CHECK(strcmp(gz_format_unknown(buf, sizeof buf, NULL, "sigam", keys),
                 "unknown key 'sigam' (did you mean 'sigma'?)") == 0);
    CHECK(strcmp(gz_format_unknown(buf, sizeof buf, "parameter", "zzzzzzzz", keys),
                 "unknown parameter 'zzzzzzzz'") == 0);
    CHECK(gz_error_unknown("scheme tima", NULL, "bns", keys) == GZ_ERR_ARG);
    CHECK(strcmp(gz_error_message(), "scheme tima: unknown key 'bns' (did you mean 'bins'?)") == 0);
    CHECK(gz_error_unknown(NULL, "scheme", "q", keys) == GZ_ERR_ARG);
    CHECK(strcmp(gz_error_message(), "unknown scheme 'q'") == 0);
    /* truncation keeps a terminated string */
    char small[8];
    gz_format_unknown(small, sizeof small, NULL, "sigam", keys);
    CHECK(strlen(small) == 7);
}

int main(void)
{
    RUN(test_edit_distance);
    RUN(test_nearest);
    RUN(test_messages);
    return check_done();
}
