/* Gaze readers: real studyforrest files, golden McGIP lists, the export
 * layouts in tests/data/gaze, error messages with positions, limits and
 * the writer's round trip. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "gaze_read.h"

static char tmpdir[256];

static const char *tmpfile_with(const char *name, const char *content)
{
    static char path[4][512];
    static int slot = 0;
    char *p = path[slot++ & 3];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    fputs(content, f);
    fclose(f);
    return p;
}

/* Reads content as file `name`; returns the status and copies the message. */
static gz_status read_text(const char *name, const char *content, gz_gaze **g, char *msg,
                           size_t cap)
{
    const char *p = tmpfile_with(name, content);
    gz_status st = gz_gaze_read(p, NULL, g);
    snprintf(msg, cap, "%s", st ? gz_error_message() : "");
    /* strip the temp folder so expectations read "name:LINE:COL: ..." */
    size_t tl = strlen(tmpdir) + 1;
    if (strncmp(msg, tmpdir, tl - 1) == 0)
        memmove(msg, msg + tl, strlen(msg + tl) + 1);
    return st;
}

#define EXPECT_ERROR(name, content, want)                                               \
    do {                                                                                \
        gz_gaze *g_ = NULL;                                                             \
        char m_[300];                                                                  \
        gz_status st_ = read_text(name, content, &g_, m_, sizeof m_);                   \
        CHECK(st_ != GZ_OK);                                                            \
        CHECK(g_ == NULL);                                                              \
        CHECK_MSG(strcmp(m_, want) == 0, "message '%s', expected '%s'", m_, want);      \
        gz_gaze_free(g_);                                                               \
    } while (0)

static void test_studyforrest_counts(void)
{
    const char *dir = check_shared("testdata/studyforrest");
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        size_t L = strlen(e->d_name);
        if (L < 4 || strcmp(e->d_name + L - 4, ".tsv"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        char line[4096];
        size_t rows = 0, fixa = 0;
        int first = 1;
        while (fgets(line, sizeof line, f)) {
            if (first) {
                first = 0;
                continue;
            }
            rows++;
            if (strstr(line, "\tFIXA\t"))
                fixa++;
        }
        fclose(f);
        gz_gaze *g = NULL;
        gz_gaze_read_info info;
        gz_status st = gz_gaze_read_ex(path, NULL, &g, &info);
        CHECK_MSG(st == GZ_OK, "%s: %s", e->d_name, gz_error_message());
        if (st)
            continue;
        int events = strstr(e->d_name, "_events") != NULL;
        size_t want = events ? fixa : rows;
        CHECK_MSG(g->n == want, "%s: %zu fixations, expected %zu", e->d_name, g->n, want);
        CHECK(g->kind == GZ_GAZE_FIXATIONS);
        CHECK(g->unit == GZ_UNIT_S);
        CHECK(g->canvas_w == 1280 && g->canvas_h == 720);
        CHECK(strcmp(info.layout, events ? "remodnav" : "multimatch") == 0);
        if (events)
            CHECK(info.skipped_rows == rows - fixa && g->t != NULL);
        gz_gaze_free(g);
        files++;
    }
    closedir(d);
    CHECK(files == 112);
}

static void test_studyforrest_values(void)
{
    gz_gaze *g;
    CHECK(gz_gaze_read(check_shared("testdata/studyforrest/segment_0_sub-01.tsv"), NULL, &g) == 0);
    CHECK_NEAR(g->x[0], 656.3, 1e-12);
    CHECK_NEAR(g->y[0], 553.2, 1e-12);
    CHECK_NEAR(g->dur[0], 0.321, 1e-15);
    CHECK(g->t == NULL);
    gz_gaze_free(g);
    CHECK(gz_gaze_read(check_shared("testdata/studyforrest/sub-01_task-movie_run-1_events.tsv"),
                       NULL, &g) == 0);
    /* first FIXA row: onset 0, duration 0.043, start 780.8 505.1; second at 0.059 */
    CHECK_NEAR(g->x[0], 780.8, 1e-12);
    CHECK_NEAR(g->dur[0], 0.043, 1e-15);
    CHECK_NEAR(g->t[1], 0.059, 1e-15);
    CHECK_NEAR(g->x[1], 656.3, 1e-12);
    gz_gaze_free(g);
}

static void test_golden_json(void)
{
    gz_gaze *g;
    gz_gaze_read_info info;
    CHECK(gz_gaze_read_ex(check_shared("testdata/golden/raw/edge_empty.json"), NULL, &g, &info) == 0);
    CHECK(g->n == 0 && g->kind == GZ_GAZE_SAMPLES && g->canvas_w == 800 && g->canvas_h == 800);
    CHECK(strcmp(info.layout, "mcgip-json") == 0);
    gz_gaze_free(g);
    CHECK(gz_gaze_read(check_shared("testdata/golden/raw/edge_one.json"), NULL, &g) == 0);
    CHECK(g->n == 1 && g->x[0] == 481 && g->y[0] == 364 && g->t == NULL);
    gz_gaze_free(g);
    CHECK(gz_gaze_read(check_shared("testdata/golden/raw/raw_01_n79_roi1.json"), NULL, &g) == 0);
    CHECK(g->n == 79 && g->x[0] == 379 && g->y[0] == 483);
    gz_gaze_free(g);
    CHECK(gz_gaze_read(check_shared("testdata/golden/raw/edge_long_n2000.json"), NULL, &g) == 0);
    CHECK(g->n == 2000);
    gz_gaze_free(g);
    CHECK(gz_gaze_read_ex(check_shared("testdata/golden/raw/edge_outside.json"), NULL, &g, &info) == 0);
    CHECK(info.outside > 0 && info.outside == gz_gaze_count_outside(g));
    gz_gaze_free(g);
    /* every golden fixation table loads (1280x720, seconds) */
    const char *fix[] = {"edge_fix_one", "edge_fix_two", "edge_fix_three", "fix_02_n5"};
    size_t want[] = {1, 2, 3, 5};
    for (int i = 0; i < 4; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "testdata/golden/fix/%s.tsv", fix[i]);
        CHECK(gz_gaze_read(check_shared(rel), NULL, &g) == 0);
        CHECK_MSG(g->n == want[i], "%s: n = %zu", fix[i], g->n);
        gz_gaze_free(g);
    }
}

static void test_layouts(void)
{
    gz_gaze *g;
    gz_gaze_read_info info;
    CHECK(gz_gaze_read_ex("tests/data/gaze/tobii_fixations.tsv", NULL, &g, &info) == 0);
    CHECK(strcmp(info.layout, "tobii-fixations") == 0);
    CHECK(g->n == 3 && g->kind == GZ_GAZE_FIXATIONS && g->unit == GZ_UNIT_MS);
    CHECK(g->x[0] == 512 && g->y[0] == 384 && g->dur[0] == 250 && g->t[0] == 1000);
    CHECK(g->x[1] == 900 && g->dur[1] == 400 && g->t[1] == 1067);
    CHECK(g->x[2] == 1300 && g->dur[2] == 120);
    CHECK(info.skipped_rows == 2);
    gz_gaze_free(g);

    CHECK(gz_gaze_read_ex("tests/data/gaze/tobii_samples.tsv", NULL, &g, &info) == 0);
    CHECK(strcmp(info.layout, "tobii-samples") == 0);
    CHECK(g->n == 4 && g->kind == GZ_GAZE_SAMPLES && g->t && g->t[2] == 33);
    CHECK(info.track_loss_rows == 2);
    CHECK(info.outside == 1);
    gz_gaze_free(g);

    CHECK(gz_gaze_read_ex("tests/data/gaze/eyelink_fixations.txt", NULL, &g, &info) == 0);
    CHECK(strcmp(info.layout, "eyelink-fixations") == 0);
    CHECK(g->n == 3 && g->dur[2] == 410 && g->t[1] == 260 && g->x[0] == 960.5);
    gz_gaze_free(g);

    CHECK(gz_gaze_read_ex("tests/data/gaze/eyelink_samples.txt", NULL, &g, &info) == 0);
    CHECK(strcmp(info.layout, "eyelink-samples") == 0);
    CHECK(g->n == 3 && info.track_loss_rows == 1 && g->t[2] == 5006);
    gz_gaze_free(g);

    CHECK(gz_gaze_read_ex("tests/data/gaze/gazepoint_fixations.csv", NULL, &g, &info) == 0);
    CHECK(strcmp(info.layout, "gazepoint") == 0);
    CHECK(g->n == 3 && g->x[0] == 960 && g->y[0] == 540 && g->x[1] == 480 && g->y[1] == 810);
    CHECK(g->dur[1] == 0.3 && g->unit == GZ_UNIT_S);
    CHECK(info.outside == 1);
    gz_gaze_free(g);

    /* the same file on another canvas scales the normalised coordinates */
    gz_gaze_read_options o;
    memset(&o, 0, sizeof o);
    o.canvas_w = 100;
    o.canvas_h = 200;
    CHECK(gz_gaze_read("tests/data/gaze/gazepoint_fixations.csv", &o, &g) == 0);
    CHECK(g->x[0] == 50 && g->y[0] == 100 && g->canvas_w == 100);
    gz_gaze_free(g);
}

static void test_mapping(void)
{
    const char *p = tmpfile_with("custom.csv",
                                 "\"Fix X\",\"Fix Y\",\"Dur (ms)\",\"Start\"\n"
                                 "10.5,20,100,0\n"
                                 "\"30\",40,200,150\n");
    gz_gaze_read_options o;
    memset(&o, 0, sizeof o);
    o.col_x = "Fix X";
    o.col_y = "Fix Y";
    o.col_duration = "Dur (ms)";
    o.col_time = "Start";
    gz_gaze *g;
    gz_gaze_read_info info;
    CHECK(gz_gaze_read_ex(p, &o, &g, &info) == 0);
    CHECK(strcmp(info.layout, "mapped") == 0);
    CHECK(g->n == 2 && g->x[0] == 10.5 && g->x[1] == 30 && g->dur[1] == 200 && g->t[1] == 150);
    CHECK(g->unit == GZ_UNIT_MS && g->canvas_w == 1920);
    gz_gaze_free(g);
    /* a mapped column that is missing names the nearest */
    o.col_duration = "Dur(ms)";
    CHECK(gz_gaze_read(p, &o, &g) == GZ_ERR_FORMAT);
    CHECK_MSG(strstr(gz_error_message(), "custom.csv:1:1: missing column 'Dur(ms)' (did you mean 'Dur (ms)'?)") != NULL,
              "%s", gz_error_message());
    /* x and y only: raw samples without timestamps */
    memset(&o, 0, sizeof o);
    o.col_x = "Fix X";
    o.col_y = "Fix Y";
    CHECK(gz_gaze_read(p, &o, &g) == 0);
    CHECK(g->kind == GZ_GAZE_SAMPLES && g->t == NULL && g->n == 2);
    gz_gaze_free(g);
}

static void test_table_errors(void)
{
    EXPECT_ERROR("nan.tsv", "start_x\tstart_y\tduration\n1\t2\t0.5\n3\t4\tNaN\n",
                 "nan.tsv:3:5: duration: 'NaN' is not a finite number");
    EXPECT_ERROR("inf.tsv", "start_x\tstart_y\tduration\n1\tinf\t0.5\n",
                 "inf.tsv:2:3: start_y: 'inf' is not a finite number");
    EXPECT_ERROR("text.csv", "start_x,start_y,duration\n1,2,0.5\n1,abc,0.5\n",
                 "text.csv:3:3: start_y: 'abc' is not a finite number");
    EXPECT_ERROR("empty_cell.tsv", "start_x\tstart_y\tduration\n1\t\t0.5\n",
                 "empty_cell.tsv:2:3: start_y: empty cell (expected a finite number)");
    EXPECT_ERROR("missing.tsv", "start_x\tstart_y\tduratoin\n1\t2\t3\n",
                 "missing.tsv:1:1: missing column 'duration' (did you mean 'duratoin'?) "
                 "(multimatch-gaze tables have start_x, start_y, duration)");
    EXPECT_ERROR("dup.tsv", "start_x\tstart_y\tduration\tstart_y\n1\t2\t3\t4\n",
                 "dup.tsv:1:26: duplicate column 'start_y' (also column 2)");
    EXPECT_ERROR("short.tsv", "start_x\tstart_y\tduration\n1\t2\n",
                 "short.tsv:2:4: row has 2 fields, the header has 3");
    EXPECT_ERROR("long.tsv", "start_x\tstart_y\tduration\n1\t2\t3\t4\n",
                 "long.tsv:2:7: row has 4 fields, the header has 3");
    EXPECT_ERROR("unknown.csv", "a,b\n1,2\n",
                 "unknown.csv:1:1: unknown table layout (columns 'a', 'b'); give a column "
                 "mapping (x=, y=, duration= or time=)");
    EXPECT_ERROR("empty.tsv", "", "empty.tsv:1:1: empty file (expected a header row)");
    EXPECT_ERROR("neg.tsv", "start_x\tstart_y\tduration\n1\t2\t-0.5\n",
                 "neg.tsv:2:5: negative fixation duration");
    EXPECT_ERROR("quote.csv", "start_x,start_y,duration\n\"1,2,3\n",
                 "quote.csv:2:1: unterminated quoted field");
    /* blank lines and CRLF are fine; a header-only table is an empty record */
    gz_gaze *g;
    char m[512];
    CHECK(read_text("crlf.tsv", "start_x\tstart_y\tduration\r\n\r\n1\t2\t3\r\n\r\n", &g, m, sizeof m) == 0);
    CHECK(g && g->n == 1 && g->dur[0] == 3);
    gz_gaze_free(g);
    CHECK(read_text("hdr.tsv", "start_x\tstart_y\tduration\n", &g, m, sizeof m) == 0);
    CHECK(g && g->n == 0);
    gz_gaze_free(g);
}

static void test_json_errors(void)
{
    EXPECT_ERROR("nan.json", "{\"gaze\": [[1, 2], [NaN, 3]]}",
                 "nan.json:1:20: non-finite number NaN");
    EXPECT_ERROR("inf.json", "{\"gaze\": [[1, 2],\n [3, -Infinity]]}",
                 "inf.json:2:6: non-finite number -Infinity");
    EXPECT_ERROR("big.json", "{\"gaze\": [[1e999, 2]]}",
                 "big.json:1:12: number out of range: 1e999");
    EXPECT_ERROR("str.json", "{\"gaze\": [[1, \"2\"]]}",
                 "str.json:1:15: gaze[0]: y must be a number");
    EXPECT_ERROR("null.json", "{\"gaze\": [[null, 2]]}",
                 "null.json:1:12: gaze[0]: x is null (must be a finite number)");
    EXPECT_ERROR("one.json", "{\"gaze\": [[1, 2], [3]]}",
                 "one.json:1:19: gaze[1] must be a pair [x, y]");
    EXPECT_ERROR("three.json", "{\"gaze\": [[1, 2, 3]]}",
                 "three.json:1:11: gaze[0] must be a pair [x, y] (more than 2 values)");
    EXPECT_ERROR("trunc.json", "{\"gaze\": [[1, 2], [3, 4]",
                 "trunc.json:1:25: unexpected end of file in gaze list");
    EXPECT_ERROR("nogaze.json", "{\"img\": \"a.png\", \"gt\": 1}",
                 "nogaze.json:1:1: no \"gaze\" member (expected {\"gaze\": [[x, y], ...]})");
    EXPECT_ERROR("twice.json", "{\"gaze\": [], \"gaze\": []}",
                 "twice.json:1:14: duplicate member \"gaze\"");
    EXPECT_ERROR("list.json", "[[1, 2]]",
                 "list.json:1:1: expected a JSON object {\"gaze\": [...]}");
    EXPECT_ERROR("after.json", "{\"gaze\": []} x",
                 "after.json:1:14: unexpected data after the JSON object");
    EXPECT_ERROR("empty.json", "", "empty.json:1:1: empty file, expected a JSON object {\"gaze\": [...]}");
    EXPECT_ERROR("badstr.json", "{\"img\": \"a\\q\", \"gaze\": []}",
                 "badstr.json:1:11: bad escape in string");
    /* McGIP's extra members are skipped, whatever they hold */
    gz_gaze *g;
    char m[512];
    CHECK(read_text("full.json",
                    "{\"gaze\": [[1.5, 2], [3, 4e2]], \"img\": \"22614236_bbfb.png\", "
                    "\"case\": \"x\\u00e9\", \"gt\": 2, \"extra\": {\"a\": [true, false, null, -0.5]}}",
                    &g, m, sizeof m) == 0);
    CHECK_MSG(g && g->n == 2 && g->x[0] == 1.5 && g->y[1] == 400, "%s", m);
    gz_gaze_free(g);
    /* a JSON gaze file without the .json extension is detected from content */
    CHECK(read_text("noext", "  {\"gaze\": [[1, 2]]}", &g, m, sizeof m) == 0);
    CHECK(g && g->n == 1);
    gz_gaze_free(g);
}

typedef struct {
    int n;
    size_t sizes[8];
    char labels[8][16];
    char paths[8][128];
    double x0;
} lines_seen;

static int on_line(void *ud, const gz_gaze_line *e)
{
    lines_seen *s = ud;
    if (s->n < 8) {
        s->sizes[s->n] = e->gaze->n;
        snprintf(s->labels[s->n], 16, "%s", e->label);
        snprintf(s->paths[s->n], 128, "%s", e->path);
        if (s->n == 0)
            s->x0 = e->gaze->x[0];
    }
    s->n++;
    return 0;
}

static void test_lines(void)
{
    lines_seen s;
    memset(&s, 0, sizeof s);
    CHECK(gz_gaze_lines_read("tests/data/gaze/mcgip_lines.txt", 0, 0, on_line, &s) == 0);
    CHECK(s.n == 3);
    CHECK(s.sizes[0] == 5 && s.sizes[1] == 0 && s.sizes[2] == 2);
    CHECK(strcmp(s.labels[0], "2") == 0 && strcmp(s.labels[2], "1") == 0);
    CHECK(strcmp(s.paths[0], "D:\\INbreast\\gaze\\2\\22614236_bbfb.png") == 0);
    CHECK(s.x0 == 412);
    const char *bad = tmpfile_with("bad_lines.txt", "a.png;1;[(1, 2), (3, nan)]\n");
    memset(&s, 0, sizeof s);
    CHECK(gz_gaze_lines_read(bad, 0, 0, on_line, &s) == GZ_ERR_FORMAT);
    CHECK_MSG(strstr(gz_error_message(), "bad_lines.txt:1:22: point 1: y 'nan' is not a finite number"),
              "%s", gz_error_message());
    bad = tmpfile_with("bad_lines2.txt", "a.png;1;[(1, 2)]\nb.png;0;(3, 4)\n");
    CHECK(gz_gaze_lines_read(bad, 0, 0, on_line, &s) == GZ_ERR_FORMAT);
    CHECK_MSG(strstr(gz_error_message(), "bad_lines2.txt:2:9: expected '[' starting the gaze list"),
              "%s", gz_error_message());
    bad = tmpfile_with("bad_lines3.txt", "just a path\n");
    CHECK(gz_gaze_lines_read(bad, 0, 0, on_line, &s) == GZ_ERR_FORMAT);
    CHECK_MSG(strstr(gz_error_message(), "bad_lines3.txt:1:12: expected 'path;label;[(x, y), ...]' (no ';')"),
              "%s", gz_error_message());
}

static void test_roundtrip(void)
{
    gz_gaze *g, *r;
    CHECK(gz_gaze_new(&g, GZ_GAZE_FIXATIONS, 3, 1, 1000, 500, GZ_UNIT_MS) == 0);
    double xs[] = {0.1, 1e-7, 999.5}, ys[] = {1.0 / 3.0, 250, -4}, ds[] = {120, 0, 333.25},
           ts[] = {0, 150, 900};
    for (int i = 0; i < 3; i++) {
        g->x[i] = xs[i];
        g->y[i] = ys[i];
        g->dur[i] = ds[i];
        g->t[i] = ts[i];
    }
    char path[512];
    snprintf(path, sizeof path, "%s/rt.tsv", tmpdir);
    CHECK(gz_gaze_write(path, g) == 0);
    gz_gaze_read_options o;
    memset(&o, 0, sizeof o);
    o.canvas_w = 1000;
    o.canvas_h = 500;
    CHECK(gz_gaze_read(path, &o, &r) == 0);
    CHECK(r->n == 3 && r->unit == GZ_UNIT_S && r->t != NULL);
    for (int i = 0; i < 3; i++) {
        CHECK(r->x[i] == xs[i] && r->y[i] == ys[i]);
        CHECK_REL(r->dur[i], ds[i] / 1000, 1e-15);
        CHECK_REL(r->t[i], ts[i] / 1000, 1e-15);
    }
    gz_gaze_free(r);
    CHECK(gz_gaze_write(path, g) == 0);
    snprintf(path, sizeof path, "%s/rt.json", tmpdir);
    CHECK(gz_gaze_write(path, g) == GZ_ERR_ARG);
    gz_gaze_free(g);
    /* a raw list goes to JSON and back exactly */
    CHECK(gz_gaze_new(&g, GZ_GAZE_SAMPLES, 2, 0, 800, 800, GZ_UNIT_SAMPLES) == 0);
    g->x[0] = 0.1;
    g->y[0] = 2;
    g->x[1] = -3;
    g->y[1] = 1e300;
    CHECK(gz_gaze_write(path, g) == 0);
    CHECK(gz_gaze_read(path, NULL, &r) == 0);
    CHECK(r->n == 2 && r->x[0] == 0.1 && r->y[1] == 1e300 && r->t == NULL);
    gz_gaze_free(r);
    gz_gaze_free(g);
}

static void test_limits(void)
{
    gz_pointbuf b;
    memset(&b, 0, sizeof b);
    b.n = b.cap = GZ_GAZE_MAX_POINTS; /* pretend full: the limit is checked before growing */
    CHECK(gz_pointbuf_push(&b, "big.json", 1, 2, 0, 0) == GZ_ERR_LIMIT);
    CHECK(strcmp(gz_error_message(), "big.json: more than 10000000 points in one record (limit)") == 0);
    CHECK(b.x == NULL);
    gz_gaze *g;
    CHECK(gz_gaze_read("/nonexistent/x.json", NULL, &g) == GZ_ERR_IO);
    CHECK(strstr(gz_error_message(), "/nonexistent/x.json: cannot open") != NULL);
    double v;
    CHECK(gz_parse_decimal("1.5e3", 5, &v) && v == 1500);
    CHECK(!gz_parse_decimal("0x10", 4, &v));
    CHECK(gz_parse_decimal("1.", 2, &v) && v == 1); /* digits before the point suffice */
    CHECK(!gz_parse_decimal(".", 1, &v));
    CHECK(!gz_parse_decimal("1e", 2, &v));
    CHECK(!gz_parse_decimal("nan", 3, &v));
    CHECK(!gz_parse_decimal("1 ", 2, &v));
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gz_test_gaze_io_%d", (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", tmpdir);
    if (system(cmd) != 0)
        return 1;
    RUN(test_studyforrest_counts);
    RUN(test_studyforrest_values);
    RUN(test_golden_json);
    RUN(test_layouts);
    RUN(test_mapping);
    RUN(test_table_errors);
    RUN(test_json_errors);
    RUN(test_lines);
    RUN(test_roundtrip);
    RUN(test_limits);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        return 1;
    return check_done();
}
