/* TSV/CSV gaze tables with a header row: fixation tables (multimatch-gaze,
 * REMoDNaV events, Tobii Pro Lab, EyeLink, Gazepoint, REFLACX, EGD-CXR)
 * and raw sample exports, recognised from their column names or read
 * through an explicit column mapping.
 *
 * Fixation tables must hold finite numbers in every used cell (errors name
 * FILE:LINE:COL); sample exports treat empty, NaN, '.' and '-' cells as
 * track loss (the row is dropped and counted). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gaze_read.h"

#define MAX_COLUMNS 4096

/* A known export layout. Column names are compared case-sensitively after
 * trimming spaces and quotes. */
typedef struct layout {
    const char *name;
    const char *x, *y;
    const char *dur;     /* fixations: duration column (NULL: from end - time) */
    const char *time;    /* onset / timestamp (optional for fixations) */
    const char *end;     /* fixation end time (REFLACX) */
    const char *label;   /* event-type column; rows whose value != keep are skipped */
    const char *keep;
    const char *index;   /* consecutive rows with equal index are one fixation (Tobii) */
    const char *require; /* one more column that must exist for detection */
    int samples;         /* 1: raw sample export (track loss allowed) */
    int normalised;      /* x, y in 0..1 of the canvas */
    gz_time_unit unit;
    double cw, ch;       /* default canvas */
} layout;

static const layout LAYOUTS[] = {
    {"remodnav", "start_x", "start_y", "duration", "onset", NULL, "label", "FIXA", NULL, "label",
     0, 0, GZ_UNIT_S, 1280, 720},
    {"multimatch", "start_x", "start_y", "duration", "onset", NULL, NULL, NULL, NULL, NULL, 0, 0,
     GZ_UNIT_S, 1280, 720},
    {"tobii-fixations", "Fixation point X", "Fixation point Y", "Gaze event duration",
     "Recording timestamp", NULL, "Eye movement type", "Fixation", "Eye movement type index",
     NULL, 0, 0, GZ_UNIT_MS, 1920, 1080},
    {"tobii-samples", "Gaze point X", "Gaze point Y", NULL, "Recording timestamp", NULL, NULL,
     NULL, NULL, NULL, 1, 0, GZ_UNIT_MS, 1920, 1080},
    {"eyelink-fixations", "CURRENT_FIX_X", "CURRENT_FIX_Y", "CURRENT_FIX_DURATION",
     "CURRENT_FIX_START", NULL, NULL, NULL, NULL, NULL, 0, 0, GZ_UNIT_MS, 1920, 1080},
    {"eyelink-samples", "RIGHT_GAZE_X", "RIGHT_GAZE_Y", NULL, "TIMESTAMP", NULL, NULL, NULL,
     NULL, NULL, 1, 0, GZ_UNIT_MS, 1920, 1080},
    {"eyelink-samples", "LEFT_GAZE_X", "LEFT_GAZE_Y", NULL, "TIMESTAMP", NULL, NULL, NULL, NULL,
     NULL, 1, 0, GZ_UNIT_MS, 1920, 1080},
    {"egd-cxr-fixations", "X_ORIGINAL", "Y_ORIGINAL", "FPOGD", "FPOGS", NULL, NULL, NULL, NULL,
     "DICOM_ID", 0, 0, GZ_UNIT_S, 1920, 1080},
    {"gazepoint", "FPOGX", "FPOGY", "FPOGD", "FPOGS", NULL, NULL, NULL, NULL, NULL, 0, 1,
     GZ_UNIT_S, 1920, 1080},
    {"reflacx-fixations", "average_x_position", "average_y_position", NULL,
     "timestamp_start_fixation", "timestamp_end_fixation", NULL, NULL, NULL, NULL, 0, 0,
     GZ_UNIT_S, 1920, 1080},
    {"reflacx-gaze", "x_position", "y_position", NULL, "timestamp_sample", NULL, NULL, NULL, NULL,
     NULL, 1, 0, GZ_UNIT_S, 1920, 1080},
    {"gazelab-samples", "x", "y", NULL, "t", NULL, NULL, NULL, NULL, NULL, 1, 0, GZ_UNIT_S, 1920,
     1080},
};

/* One cell: [start, end) into the text, already unquoted when quoted
 * (quoted cells with doubled quotes are copied into `buf`). */
typedef struct cell {
    const char *s;
    size_t len;
    size_t col; /* 1-based byte column of the cell's start in its line */
} cell;

typedef struct tscan {
    const char *name;
    const char *text;
    size_t len, pos;
    size_t line; /* line number of the current record */
    char sep;    /* '\t', ',', ';' or ' ' (runs of spaces) */
    cell *cells;
    size_t ncells;
    char *quotebuf;
    size_t quotecap, quotelen;
} tscan;

static gz_status terr(tscan *t, size_t line, size_t col, const char *fmt, const char *a,
                      const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return gz_error_set(GZ_ERR_FORMAT, "%s:%zu:%zu: %s", t->name, line, col, msg);
}

/* Splits the line at t->pos into cells; advances to the next line.
 * Returns 0 at end of text, 1 for a line, -1 on error (set). */
static int next_line(tscan *t, gz_status *st)
{
    if (t->pos >= t->len)
        return 0;
    size_t start = t->pos;
    size_t end = start;
    /* find the end of the line, honouring quotes for comma/semicolon files */
    int inq = 0;
    while (end < t->len) {
        char c = t->text[end];
        if (c == '"' && t->sep != ' ')
            inq = !inq;
        else if (c == '\n' && !inq)
            break;
        end++;
    }
    size_t next = end < t->len ? end + 1 : end;
    size_t lend = end;
    if (lend > start && t->text[lend - 1] == '\r')
        lend--;
    t->ncells = 0;
    t->quotelen = 0;
    if (lend - start + 1 > t->quotecap) {
        size_t cap = lend - start + 1;
        char *p = realloc(t->quotebuf, cap);
        if (!p) {
            *st = gz_error_set(GZ_ERR_NOMEM, "%s: out of memory", t->name);
            return -1;
        }
        t->quotebuf = p;
        t->quotecap = cap;
    }
    size_t i = start;
    const char *s = t->text;
    int more = 1;
    while (more) {
        if (t->ncells == MAX_COLUMNS) {
            *st = terr(t, t->line, i - start + 1, "more than 4096 columns%s%s", NULL, NULL);
            return -1;
        }
        if (t->sep == ' ')
            while (i < lend && (s[i] == ' ' || s[i] == '\t'))
                i++;
        size_t cstart = i;
        cell c = {s + i, 0, i - start + 1};
        /* skip leading spaces inside a delimited cell */
        size_t j = i;
        while (j < lend && s[j] == ' ' && t->sep != ' ')
            j++;
        if (j < lend && s[j] == '"') {
            /* quoted cell: copy with "" -> " (quotebuf holds a whole line) */
            size_t qstart = t->quotelen;
            j++;
            int closed = 0;
            while (j < lend) {
                if (s[j] == '"') {
                    if (j + 1 < lend && s[j + 1] == '"') {
                        j += 2;
                        t->quotebuf[t->quotelen++] = '"';
                        continue;
                    }
                    closed = 1;
                    j++;
                    break;
                }
                t->quotebuf[t->quotelen++] = s[j++];
            }
            if (!closed) {
                *st = terr(t, t->line, cstart - start + 1, "unterminated quoted field%s%s", NULL,
                           NULL);
                return -1;
            }
            c.s = t->quotebuf + qstart;
            c.len = t->quotelen - qstart;
            while (j < lend && s[j] == ' ')
                j++;
            if (j < lend && s[j] != t->sep && t->sep != ' ') {
                *st = terr(t, t->line, j - start + 1, "text after a closing quote%s%s", NULL, NULL);
                return -1;
            }
            i = j;
        } else {
            while (i < lend && !(t->sep == ' ' ? (s[i] == ' ' || s[i] == '\t') : s[i] == t->sep))
                i++;
            c.len = (size_t)(s + i - c.s);
            /* trim spaces */
            while (c.len && (c.s[0] == ' ')) {
                c.s++;
                c.len--;
                c.col++;
            }
            while (c.len && (c.s[c.len - 1] == ' '))
                c.len--;
        }
        t->cells[t->ncells++] = c;
        if (t->sep == ' ') {
            while (i < lend && (s[i] == ' ' || s[i] == '\t'))
                i++;
            more = i < lend;
        } else if (i < lend && s[i] == t->sep) {
            i++;
        } else {
            more = 0;
        }
    }
    t->pos = next;
    return 1;
}

static int cell_is(const cell *c, const char *name)
{
    return name && strlen(name) == c->len && memcmp(c->s, name, c->len) == 0;
}

static int find_col(const tscan *t, const cell *hdr, size_t nh, const char *name)
{
    (void)t;
    if (!name)
        return -1;
    for (size_t i = 0; i < nh; i++)
        if (cell_is(&hdr[i], name))
            return (int)i;
    return -1;
}

static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > 64 || lb > 64)
        return 99;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = (a[i - 1] == b[j - 1] ||
                           (a[i - 1] | 32) == (b[j - 1] | 32)) ? 0 : 1;
            size_t v = prev[j - 1] + cost;
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            cur[j] = v;
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

/* " (did you mean 'X'?)" for the header cell nearest to name, or "". */
static void nearest_hint(const cell *hdr, size_t nh, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t best = 99, bi = 0, ln = strlen(name);
    for (size_t i = 0; i < nh; i++) {
        size_t d = edit_distance(hdr[i].s, hdr[i].len, name, ln);
        if (d < best) {
            best = d;
            bi = i;
        }
    }
    size_t lim = ln / 2 > 2 ? ln / 2 : 2;
    if (best <= lim && nh)
        snprintf(out, cap, " (did you mean '%.*s'?)", (int)hdr[bi].len, hdr[bi].s);
}

static void header_list(const cell *hdr, size_t nh, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < nh && used + 8 < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s'%.*s'", i ? ", " : "", (int)hdr[i].len,
                         hdr[i].s);
        if (w < 0)
            break;
        used += (size_t)w;
        if (used >= cap) {
            used = cap - 1;
            break;
        }
    }
    if (used >= cap - 8 && cap > 4)
        memcpy(out + cap - 4, "...", 4);
}

/* Track loss marker in a sample export. */
static int is_missing(const cell *c)
{
    if (c->len == 0)
        return 1;
    if (c->len == 1 && (c->s[0] == '.' || c->s[0] == '-'))
        return 1;
    if (c->len == 3 && strncasecmp(c->s, "nan", 3) == 0)
        return 1;
    if (c->len == 2 && strncasecmp(c->s, "na", 2) == 0)
        return 1;
    return 0;
}

static gz_status bad_number(tscan *t, const cell *c, const char *what)
{
    char shown[48];
    size_t m = c->len < 40 ? c->len : 40;
    memcpy(shown, c->s, m);
    shown[m] = '\0';
    if (c->len == 0)
        return terr(t, t->line, c->col, "%s: empty cell (expected a finite number)%s", what, NULL);
    return terr(t, t->line, c->col, "%s: '%s' is not a finite number", what, shown);
}

gz_status gz_gaze_parse_table(const char *name, const char *text, size_t len,
                              const gz_gaze_read_options *opt, gz_gaze **out,
                              gz_gaze_read_info *info)
{
    *out = NULL;
    gz_gaze_read_options defaults;
    if (!opt) {
        memset(&defaults, 0, sizeof defaults);
        opt = &defaults;
    }
    gz_gaze_read_info local;
    if (!info)
        info = &local;
    tscan t;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.text = text;
    t.len = len;
    if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        t.pos = 3;
    gz_pointbuf b;
    memset(&b, 0, sizeof b);
    cell *hdr = NULL;
    gz_status st = GZ_OK;
    char *hdrtext = NULL;
    t.cells = malloc(MAX_COLUMNS * sizeof(cell));
    if (!t.cells)
        return gz_error_set(GZ_ERR_NOMEM, "%s: out of memory", name);

    /* header: the first non-blank line */
    size_t hdr_line = 0;
    for (;;) {
        size_t p = t.pos;
        while (p < len && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r'))
            p++;
        if (p >= len) {
            st = gz_error_set(GZ_ERR_FORMAT, "%s:1:1: empty file (expected a header row)", name);
            goto done;
        }
        t.line++;
        if (text[p] == '\n') {
            t.pos = p + 1;
            continue;
        }
        break;
    }
    hdr_line = t.line;
    {
        size_t e = t.pos;
        while (e < len && text[e] != '\n')
            e++;
        const char *h = text + t.pos;
        size_t hl = e - t.pos;
        if (memchr(h, '\t', hl))
            t.sep = '\t';
        else if (memchr(h, ',', hl))
            t.sep = ',';
        else if (memchr(h, ';', hl))
            t.sep = ';';
        else
            t.sep = ' ';
    }
    if (next_line(&t, &st) < 0)
        goto done;
    size_t nh = t.ncells;
    hdr = malloc(nh * sizeof(cell));
    if (!hdr) {
        st = gz_error_set(GZ_ERR_NOMEM, "%s: out of memory", name);
        goto done;
    }
    memcpy(hdr, t.cells, nh * sizeof(cell));
    /* header cells that were quoted live in quotebuf, which the next line
     * reuses: copy them out */
    {
        size_t total = 0;
        for (size_t i = 0; i < nh; i++)
            total += hdr[i].len + 1;
        hdrtext = malloc(total + 1);
        if (!hdrtext) {
            st = gz_error_set(GZ_ERR_NOMEM, "%s: out of memory", name);
            goto done;
        }
        size_t at = 0;
        for (size_t i = 0; i < nh; i++) {
            memcpy(hdrtext + at, hdr[i].s, hdr[i].len);
            hdrtext[at + hdr[i].len] = '\0';
            hdr[i].s = hdrtext + at;
            at += hdr[i].len + 1;
        }
    }
    for (size_t i = 0; i < nh; i++) {
        if (hdr[i].len == 0)
            continue;
        for (size_t k = 0; k < i; k++)
            if (hdr[k].len == hdr[i].len && memcmp(hdr[k].s, hdr[i].s, hdr[i].len) == 0) {
                char colbuf[24];
                snprintf(colbuf, sizeof colbuf, "%zu", k + 1);
                st = terr(&t, hdr_line, hdr[i].col, "duplicate column '%s' (also column %s)",
                          hdr[i].s, colbuf);
                goto done_hdr;
            }
    }

    /* choose the layout */
    const layout *lay = NULL;
    for (size_t k = 0; k < sizeof LAYOUTS / sizeof LAYOUTS[0]; k++) {
        const layout *L = &LAYOUTS[k];
        if (find_col(&t, hdr, nh, L->x) < 0 || find_col(&t, hdr, nh, L->y) < 0)
            continue;
        if (L->dur && find_col(&t, hdr, nh, L->dur) < 0)
            continue;
        if (L->samples && find_col(&t, hdr, nh, L->time) < 0)
            continue;
        if (L->end && (find_col(&t, hdr, nh, L->end) < 0 || find_col(&t, hdr, nh, L->time) < 0))
            continue;
        if (L->require && find_col(&t, hdr, nh, L->require) < 0)
            continue;
        lay = L;
        break;
    }
    layout m;
    int mapped = opt->col_x || opt->col_y || opt->col_duration || opt->col_time;
    if (mapped) {
        if (lay) {
            m = *lay;
        } else {
            memset(&m, 0, sizeof m);
            m.unit = GZ_UNIT_MS;
            m.cw = 1920;
            m.ch = 1080;
            m.samples = 1;
        }
        m.name = "mapped";
        if (opt->col_x)
            m.x = opt->col_x;
        if (opt->col_y)
            m.y = opt->col_y;
        if (opt->col_duration) {
            m.dur = opt->col_duration;
            m.end = NULL;
            m.samples = 0;
        }
        if (opt->col_time)
            m.time = opt->col_time;
        if (!m.dur && !m.end)
            m.samples = 1;
        if (!m.x || !m.y) {
            char hint[160];
            header_list(hdr, nh, hint, sizeof hint);
            st = terr(&t, hdr_line, 1, "column mapping lacks '%s' (columns: %s)", m.x ? "y" : "x",
                      hint);
            goto done_hdr;
        }
        const char *need[3] = {m.x, m.y, m.dur};
        for (int k = 0; k < 3; k++) {
            if (need[k] && find_col(&t, hdr, nh, need[k]) < 0) {
                char hint[160];
                nearest_hint(hdr, nh, need[k], hint, sizeof hint);
                st = terr(&t, hdr_line, 1, "missing column '%s'%s", need[k], hint);
                goto done_hdr;
            }
        }
        if (opt->col_time && find_col(&t, hdr, nh, opt->col_time) < 0) {
            char hint[160];
            nearest_hint(hdr, nh, opt->col_time, hint, sizeof hint);
            st = terr(&t, hdr_line, 1, "missing column '%s'%s", opt->col_time, hint);
            goto done_hdr;
        }
        if (opt->normalised)
            m.normalised = 1;
        lay = &m;
    } else if (!lay) {
        /* name the column that is closest to a known layout */
        char hint[160] = "";
        if (find_col(&t, hdr, nh, "start_x") >= 0 && find_col(&t, hdr, nh, "start_y") >= 0) {
            nearest_hint(hdr, nh, "duration", hint, sizeof hint);
            st = terr(&t, hdr_line, 1, "missing column 'duration'%s (multimatch-gaze tables "
                      "have start_x, start_y, duration)", hint, NULL);
            goto done_hdr;
        }
        char cols[200];
        header_list(hdr, nh, cols, sizeof cols);
        st = terr(&t, hdr_line, 1,
                  "unknown table layout (columns %s); give a column mapping "
                  "(x=, y=, duration= or time=)%s", cols, NULL);
        goto done_hdr;
    }
    snprintf(info->layout, sizeof info->layout, "%s", lay->name);

    int cx = find_col(&t, hdr, nh, lay->x), cy = find_col(&t, hdr, nh, lay->y);
    int cd = find_col(&t, hdr, nh, lay->dur), ct = find_col(&t, hdr, nh, lay->time);
    int ce = find_col(&t, hdr, nh, lay->end), cl = find_col(&t, hdr, nh, lay->label);
    int ci = find_col(&t, hdr, nh, lay->index);
    int samples = lay->samples;
    int maxcol = cx;
    int used[5] = {cy, cd, ct, ce, cl};
    for (int k = 0; k < 5; k++)
        if (used[k] > maxcol)
            maxcol = used[k];
    if (ci > maxcol)
        maxcol = ci;
    b.with_t = ct >= 0;
    b.with_dur = !samples;
    double cw = opt->canvas_w > 0 ? opt->canvas_w : lay->cw;
    double ch = opt->canvas_h > 0 ? opt->canvas_h : lay->ch;
    gz_time_unit unit = opt->has_duration_unit ? opt->duration_unit : lay->unit;

    /* rows */
    int have_prev_index = 0;
    char prev_index[64] = "";
    for (;;) {
        /* skip blank lines */
        while (t.pos < len) {
            size_t p = t.pos;
            while (p < len && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r'))
                p++;
            if (p < len && text[p] == '\n') {
                t.pos = p + 1;
                t.line++;
                continue;
            }
            if (p >= len)
                t.pos = len;
            break;
        }
        if (t.pos >= len)
            break;
        t.line++;
        size_t line_start = t.pos;
        int r = next_line(&t, &st);
        if (r < 0)
            goto done_hdr;
        /* quoted newlines inside a row advance the line count */
        for (size_t p = line_start; p + 1 < t.pos; p++)
            if (text[p] == '\n')
                t.line++;
        if ((int)t.ncells <= maxcol) {
            char a[24], bb[24];
            snprintf(a, sizeof a, "%zu", t.ncells);
            snprintf(bb, sizeof bb, "%zu", nh);
            size_t col = t.ncells ? t.cells[t.ncells - 1].col + t.cells[t.ncells - 1].len : 1;
            st = terr(&t, t.line, col, "row has %s fields, the header has %s", a, bb);
            goto done_hdr;
        }
        if (t.ncells > nh) {
            int extra = 0;
            for (size_t k = nh; k < t.ncells; k++)
                if (t.cells[k].len)
                    extra = 1;
            if (extra) {
                char a[24], bb[24];
                snprintf(a, sizeof a, "%zu", t.ncells);
                snprintf(bb, sizeof bb, "%zu", nh);
                st = terr(&t, t.line, t.cells[nh].col, "row has %s fields, the header has %s", a,
                          bb);
                goto done_hdr;
            }
        }
        if (cl >= 0 && !cell_is(&t.cells[cl], lay->keep)) {
            info->skipped_rows++;
            have_prev_index = 0;
            continue;
        }
        if (ci >= 0) {
            const cell *c = &t.cells[ci];
            size_t m2 = c->len < sizeof prev_index - 1 ? c->len : sizeof prev_index - 1;
            if (have_prev_index && strlen(prev_index) == m2 && memcmp(prev_index, c->s, m2) == 0)
                continue; /* same fixation, next sample row */
            memcpy(prev_index, c->s, m2);
            prev_index[m2] = '\0';
            have_prev_index = 1;
        }
        const cell *cells = t.cells;
        double x = 0, y = 0, tv = 0, dv = 0;
        if (samples) {
            int lost = is_missing(&cells[cx]) || is_missing(&cells[cy]) ||
                       (ct >= 0 && is_missing(&cells[ct]));
            if (lost) {
                info->track_loss_rows++;
                continue;
            }
        }
        if (!gz_parse_decimal(cells[cx].s, cells[cx].len, &x)) {
            st = bad_number(&t, &cells[cx], lay->x);
            goto done_hdr;
        }
        if (!gz_parse_decimal(cells[cy].s, cells[cy].len, &y)) {
            st = bad_number(&t, &cells[cy], lay->y);
            goto done_hdr;
        }
        if (ct >= 0 && !gz_parse_decimal(cells[ct].s, cells[ct].len, &tv)) {
            st = bad_number(&t, &cells[ct], lay->time);
            goto done_hdr;
        }
        if (!samples) {
            if (cd >= 0) {
                if (!gz_parse_decimal(cells[cd].s, cells[cd].len, &dv)) {
                    st = bad_number(&t, &cells[cd], lay->dur);
                    goto done_hdr;
                }
            } else {
                double ev;
                if (!gz_parse_decimal(cells[ce].s, cells[ce].len, &ev)) {
                    st = bad_number(&t, &cells[ce], lay->end);
                    goto done_hdr;
                }
                dv = ev - tv;
            }
            if (dv < 0) {
                st = terr(&t, t.line, cd >= 0 ? cells[cd].col : cells[ce].col,
                          "negative fixation duration%s%s", NULL, NULL);
                goto done_hdr;
            }
        }
        if (lay->normalised) {
            x *= cw;
            y *= ch;
        }
        if ((st = gz_pointbuf_push(&b, name, x, y, tv, dv)))
            goto done_hdr;
    }
    st = gz_pointbuf_finish(&b, samples ? GZ_GAZE_SAMPLES : GZ_GAZE_FIXATIONS, cw, ch, unit, out);
done_hdr:
    free(hdrtext);
done:
    gz_pointbuf_free(&b);
    free(hdr);
    free(t.cells);
    free(t.quotebuf);
    return st;
}
