/* gaze.Gaze: gaze records for Lua, the gaze file readers and writer,
 * McGIP lines files, and the I-DT / I-VT fixation detectors.
 *
 *   gaze.core.read_gaze(path [, opts]) -> Gaze, info
 *       opts: format = "auto" | "json" | "table"; canvas = {w, h};
 *             duration_unit = "s" | "ms" | "us" | "samples";
 *             columns = {x =, y =, duration =, time =}; normalised = bool;
 *             warn = bool (default true: warnings on stderr at verbosity >= 1)
 *       info: {layout =, track_loss_rows =, skipped_rows =, outside =}
 *   gaze.core.gaze_new{kind =, x =, y =, t =, dur =, canvas = {w, h}, unit =}
 *   gaze.core.read_gaze_lines(path [, {canvas = {w, h}}]) -> {{line, path, label, gaze}, ...}
 *   gaze.core.idt_fixations(g, dispersion_px, min_duration_ms) -> Gaze
 *   gaze.core.ivt_fixations(g, velocity_px_s, min_duration_ms) -> Gaze */
#include "l_gaze.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fixdetect.h"
#include "../core/gaze_read.h"
#include "../core/runconfig.h"
#include "../core/text.h"
#include "lgaze.h"

typedef struct {
    gz_gaze *g;
} gaze_box;

void gz_lua_pushgaze(lua_State *L, gz_gaze *g)
{
    gaze_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->g = g;
    luaL_setmetatable(L, GZ_GAZE_MT);
}

gz_gaze *gz_lua_togaze(lua_State *L, int idx)
{
    gaze_box *b = luaL_testudata(L, idx, GZ_GAZE_MT);
    return b ? b->g : NULL;
}

gz_gaze *gz_lua_checkgaze(lua_State *L, int idx)
{
    gaze_box *b = luaL_checkudata(L, idx, GZ_GAZE_MT);
    if (!b->g)
        luaL_argerror(L, idx, "gaze record has been closed");
    return b->g;
}

static void check_canvas(lua_State *L, int idx, const char *what, double *w, double *h)
{
    lua_getfield(L, idx, "canvas");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1))
            luaL_error(L, "%s: canvas must be {w, h}", what);
        lua_geti(L, -1, 1);
        lua_geti(L, -2, 2);
        int okw, okh;
        *w = (double)lua_tonumberx(L, -2, &okw);
        *h = (double)lua_tonumberx(L, -1, &okh);
        if (!okw || !okh || !(*w > 0) || !(*h > 0) || !isfinite(*w) || !isfinite(*h))
            luaL_error(L, "%s: canvas must be {w, h} with positive numbers", what);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
}

static gz_time_unit check_unit(lua_State *L, int idx, const char *field, const char *what,
                               int *given, gz_time_unit dflt)
{
    static const char *const names[] = {"s", "ms", "us", "samples", NULL};
    lua_getfield(L, idx, field);
    gz_time_unit u = dflt;
    if (given)
        *given = 0;
    if (!lua_isnil(L, -1)) {
        const char *s = lua_tostring(L, -1);
        if (!s || gz_time_unit_parse(s, &u) != GZ_OK) {
            char buf[200];
            gz_format_unknown(buf, sizeof buf, "duration unit", s ? s : "?", names);
            luaL_error(L, "%s: %s", what, buf);
        }
        if (given)
            *given = 1;
    }
    lua_pop(L, 1);
    return u;
}

static const char *opt_string(lua_State *L, int idx, const char *field, const char *what)
{
    lua_getfield(L, idx, field);
    const char *s = NULL;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: %s must be a string", what, field);
        s = lua_tostring(L, -1); /* stays valid: the string is held by the table */
    }
    lua_pop(L, 1);
    return s;
}

static void warn_read(const char *path, const gz_gaze_read_info *info, const gz_gaze *g)
{
    if (gz_runconfig_verbosity() < 1)
        return;
    if (info->track_loss_rows)
        fprintf(stderr,
                "gazelab: warning: %s: %zu sample row%s dropped for track loss (empty, NaN, '.' "
                "or '-')\n",
                path, info->track_loss_rows, info->track_loss_rows == 1 ? "" : "s");
    if (info->outside)
        fprintf(stderr,
                "gazelab: warning: %s: %zu of %zu points outside the %gx%g canvas (kept; "
                "rendering cuts them)\n",
                path, info->outside, g->n, g->canvas_w, g->canvas_h);
}

static void push_info(lua_State *L, const gz_gaze_read_info *info)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, info->layout);
    lua_setfield(L, -2, "layout");
    lua_pushinteger(L, (lua_Integer)info->track_loss_rows);
    lua_setfield(L, -2, "track_loss_rows");
    lua_pushinteger(L, (lua_Integer)info->skipped_rows);
    lua_setfield(L, -2, "skipped_rows");
    lua_pushinteger(L, (lua_Integer)info->outside);
    lua_setfield(L, -2, "outside");
}

static int l_read_gaze(lua_State *L)
{
    static const char *const keys[] = {"format", "canvas", "duration_unit", "columns",
                                       "normalised", "warn", NULL};
    static const char *const colkeys[] = {"x", "y", "duration", "time", NULL};
    static const char *const formats[] = {"auto", "json", "table", NULL};
    const char *path = luaL_checkstring(L, 1);
    gz_gaze_read_options o;
    memset(&o, 0, sizeof o);
    int warn = 1;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        gz_lua_check_options(L, 2, "read_gaze", keys);
        lua_getfield(L, 2, "format");
        if (!lua_isnil(L, -1)) {
            int f = luaL_checkoption(L, -1, NULL, formats);
            o.format = f == 0 ? GZ_FMT_AUTO : f == 1 ? GZ_FMT_MCGIP_JSON : GZ_FMT_TABLE;
        }
        lua_pop(L, 1);
        check_canvas(L, 2, "read_gaze", &o.canvas_w, &o.canvas_h);
        o.duration_unit = check_unit(L, 2, "duration_unit", "read_gaze", &o.has_duration_unit,
                                     GZ_UNIT_S);
        lua_getfield(L, 2, "columns");
        if (!lua_isnil(L, -1)) {
            luaL_argcheck(L, lua_istable(L, -1), 2, "columns must be a table {x=, y=, ...}");
            int ci = lua_gettop(L);
            gz_lua_check_options(L, ci, "read_gaze columns", colkeys);
            o.col_x = opt_string(L, ci, "x", "read_gaze columns");
            o.col_y = opt_string(L, ci, "y", "read_gaze columns");
            o.col_duration = opt_string(L, ci, "duration", "read_gaze columns");
            o.col_time = opt_string(L, ci, "time", "read_gaze columns");
        }
        lua_pop(L, 1); /* the strings stay alive: opts table is argument 2 */
        lua_getfield(L, 2, "normalised");
        o.normalised = lua_toboolean(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, 2, "warn");
        if (!lua_isnil(L, -1))
            warn = lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    gz_gaze *g;
    gz_gaze_read_info info;
    gz_status st = gz_gaze_read_ex(path, &o, &g, &info);
    if (st)
        return gz_lua_raise(L, st);
    if (warn)
        warn_read(path, &info, g);
    gz_lua_pushgaze(L, g);
    push_info(L, &info);
    return 2;
}

/* Length of the number array at field (or -1 when absent); raises on
 * non-numbers. */
static lua_Integer check_numbers(lua_State *L, int idx, const char *field)
{
    lua_getfield(L, idx, field);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return -1;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "gaze_new: %s must be a list of numbers", field);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        int ok;
        double v = (double)lua_tonumberx(L, -1, &ok);
        if (!ok || !isfinite(v))
            luaL_error(L, "gaze_new: %s[%d] is not a finite number", field, (int)i);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}

static void fill(lua_State *L, int idx, const char *field, double *dst, lua_Integer n)
{
    lua_getfield(L, idx, field);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        dst[i - 1] = (double)lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int l_gaze_new(lua_State *L)
{
    static const char *const keys[] = {"kind", "x", "y", "t", "dur", "canvas", "unit", NULL};
    static const char *const kinds[] = {"samples", "fixations", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    gz_lua_check_options(L, 1, "gaze_new", keys);
    lua_getfield(L, 1, "kind");
    int kind = luaL_checkoption(L, -1, "samples", kinds);
    lua_pop(L, 1);
    double cw = 800, ch = 800;
    check_canvas(L, 1, "gaze_new", &cw, &ch);
    gz_time_unit unit = check_unit(L, 1, "unit", "gaze_new", NULL,
                                   kind ? GZ_UNIT_S : GZ_UNIT_SAMPLES);
    lua_Integer nx = check_numbers(L, 1, "x"), ny = check_numbers(L, 1, "y");
    lua_Integer nt = check_numbers(L, 1, "t"), nd = check_numbers(L, 1, "dur");
    if (nx < 0)
        nx = 0;
    if (ny < 0)
        ny = 0;
    if (nx != ny)
        return luaL_error(L, "gaze_new: x has %d values, y has %d", (int)nx, (int)ny);
    if (nt >= 0 && nt != nx)
        return luaL_error(L, "gaze_new: t has %d values, x has %d", (int)nt, (int)nx);
    if (kind == 1 && nd != nx)
        return luaL_error(L, "gaze_new: fixations need dur with %d values (got %d)", (int)nx,
                          (int)(nd < 0 ? 0 : nd));
    if (kind == 0 && nd >= 0)
        return luaL_error(L, "gaze_new: samples have no dur (use kind = \"fixations\")");
    if ((size_t)nx > GZ_GAZE_MAX_POINTS)
        return luaL_error(L, "gaze_new: more than %d points (limit)", (int)GZ_GAZE_MAX_POINTS);
    gz_gaze *g;
    gz_status st = gz_gaze_new(&g, kind ? GZ_GAZE_FIXATIONS : GZ_GAZE_SAMPLES, (size_t)nx,
                               nt >= 0, cw, ch, unit);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushgaze(L, g); /* Lua owns it from here */
    fill(L, 1, "x", g->x, nx);
    fill(L, 1, "y", g->y, nx);
    if (nt >= 0)
        fill(L, 1, "t", g->t, nx);
    if (kind == 1)
        fill(L, 1, "dur", g->dur, nx);
    return 1;
}

/* ---- methods ---- */

static int m_kind(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1);
    lua_pushstring(L, g->kind == GZ_GAZE_FIXATIONS ? "fixations" : "samples");
    return 1;
}

static int m_size(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gz_lua_checkgaze(L, 1)->n);
    return 1;
}

static int m_canvas(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1);
    lua_pushnumber(L, g->canvas_w);
    lua_pushnumber(L, g->canvas_h);
    return 2;
}

static int m_unit(lua_State *L)
{
    lua_pushstring(L, gz_time_unit_name(gz_lua_checkgaze(L, 1)->unit));
    return 1;
}

static int m_has_time(lua_State *L)
{
    lua_pushboolean(L, gz_lua_checkgaze(L, 1)->t != NULL);
    return 1;
}

static int m_point(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2);
    luaL_argcheck(L, i >= 1 && (size_t)i <= g->n, 2, "point index out of range");
    size_t k = (size_t)(i - 1);
    lua_pushnumber(L, g->x[k]);
    lua_pushnumber(L, g->y[k]);
    if (g->t)
        lua_pushnumber(L, g->t[k]);
    else
        lua_pushnil(L);
    if (g->dur)
        lua_pushnumber(L, g->dur[k]);
    else
        lua_pushnil(L);
    return 4;
}

static void push_array(lua_State *L, const double *a, size_t n)
{
    lua_createtable(L, (int)(n < 0x7fffffff ? n : 0), 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushnumber(L, a[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* g:columns() -> {x = {...}, y = {...}, t = {...} | nil, dur = {...} | nil} */
static int m_columns(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1);
    lua_createtable(L, 0, 4);
    push_array(L, g->x, g->n);
    lua_setfield(L, -2, "x");
    push_array(L, g->y, g->n);
    lua_setfield(L, -2, "y");
    if (g->t) {
        push_array(L, g->t, g->n);
        lua_setfield(L, -2, "t");
    }
    if (g->dur) {
        push_array(L, g->dur, g->n);
        lua_setfield(L, -2, "dur");
    }
    return 1;
}

static int m_clone(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1), *c;
    gz_status st = gz_gaze_clone(&c, g);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushgaze(L, c);
    return 1;
}

/* g:with_canvas(w, h [, scale]) -> copy on canvas w x h; scale = true also
 * rescales the coordinates (x * w / old_w, y * h / old_h). */
static int m_with_canvas(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1), *c;
    double w = luaL_checknumber(L, 2), h = luaL_checknumber(L, 3);
    int scale = lua_toboolean(L, 4);
    luaL_argcheck(L, w > 0 && isfinite(w), 2, "canvas width must be positive");
    luaL_argcheck(L, h > 0 && isfinite(h), 3, "canvas height must be positive");
    gz_status st = gz_gaze_clone(&c, g);
    if (st)
        return gz_lua_raise(L, st);
    if (scale)
        for (size_t i = 0; i < c->n; i++) {
            c->x[i] = c->x[i] * w / g->canvas_w;
            c->y[i] = c->y[i] * h / g->canvas_h;
        }
    c->canvas_w = w;
    c->canvas_h = h;
    gz_lua_pushgaze(L, c);
    return 1;
}

/* g:convert(unit) -> copy with timestamps and durations in `unit` (an
 * error when the units are not convertible, e.g. samples <-> ms). */
static int m_convert(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1), *c;
    gz_time_unit to;
    if (gz_time_unit_parse(luaL_checkstring(L, 2), &to))
        return gz_lua_raise(L, GZ_ERR_ARG);
    double k = gz_time_unit_factor(g->unit, to);
    if (k == 0.0)
        return luaL_error(L, "cannot convert durations in %s to %s", gz_time_unit_name(g->unit),
                          gz_time_unit_name(to));
    gz_status st = gz_gaze_clone(&c, g);
    if (st)
        return gz_lua_raise(L, st);
    for (size_t i = 0; i < c->n; i++) {
        if (c->t)
            c->t[i] *= k;
        if (c->dur)
            c->dur[i] *= k;
    }
    c->unit = to;
    gz_lua_pushgaze(L, c);
    return 1;
}

static int m_save(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1);
    const char *path = luaL_checkstring(L, 2);
    gz_status st = gz_gaze_write(path, g);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

static int m_outside(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gz_gaze_count_outside(gz_lua_checkgaze(L, 1)));
    return 1;
}

static int mm_gc(lua_State *L)
{
    gaze_box *b = luaL_checkudata(L, 1, GZ_GAZE_MT);
    gz_gaze_free(b->g);
    b->g = NULL;
    return 0;
}

static int mm_tostring(lua_State *L)
{
    gaze_box *b = luaL_checkudata(L, 1, GZ_GAZE_MT);
    if (!b->g) {
        lua_pushliteral(L, "gaze.Gaze (closed)");
        return 1;
    }
    gz_gaze *g = b->g;
    lua_pushfstring(L, "gaze.Gaze(%s, n=%d, canvas %dx%d, %s%s)",
                    g->kind == GZ_GAZE_FIXATIONS ? "fixations" : "samples", (int)g->n,
                    (int)g->canvas_w, (int)g->canvas_h, gz_time_unit_name(g->unit),
                    g->t ? ", timed" : "");
    return 1;
}

/* ---- lines files ---- */

typedef struct line_entry {
    size_t line;
    char *path, *label;
    gz_gaze *gaze;
} line_entry;

typedef struct lines_box {
    line_entry *e;
    size_t n, cap, pushed;
    int failed;
} lines_box;

static int lines_gc(lua_State *L)
{
    lines_box *b = lua_touserdata(L, 1);
    for (size_t i = b->pushed; i < b->n; i++) {
        free(b->e[i].path);
        free(b->e[i].label);
        gz_gaze_free(b->e[i].gaze);
    }
    free(b->e);
    b->e = NULL;
    b->n = b->cap = b->pushed = 0;
    return 0;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

static int collect_line(void *ud, const gz_gaze_line *entry)
{
    lines_box *b = ud;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        line_entry *p = realloc(b->e, cap * sizeof *p);
        if (!p) {
            b->failed = 1;
            return 1;
        }
        b->e = p;
        b->cap = cap;
    }
    line_entry *e = &b->e[b->n];
    e->line = entry->line;
    e->path = dup_str(entry->path);
    e->label = dup_str(entry->label);
    e->gaze = NULL;
    if (!e->path || !e->label || gz_gaze_clone(&e->gaze, entry->gaze)) {
        free(e->path);
        free(e->label);
        b->failed = 1;
        return 1;
    }
    b->n++;
    return 0;
}

static int l_read_gaze_lines(lua_State *L)
{
    static const char *const keys[] = {"canvas", NULL};
    const char *path = luaL_checkstring(L, 1);
    double cw = 800, ch = 800;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        gz_lua_check_options(L, 2, "read_gaze_lines", keys);
        check_canvas(L, 2, "read_gaze_lines", &cw, &ch);
    }
    lines_box *b = lua_newuserdatauv(L, sizeof *b, 0); /* frees entries on any raise */
    memset(b, 0, sizeof *b);
    lua_newtable(L);
    lua_pushcfunction(L, lines_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    int box = lua_gettop(L);
    gz_status st = gz_gaze_lines_read(path, cw, ch, collect_line, b);
    if (st == GZ_OK && b->failed)
        st = gz_error_set(GZ_ERR_NOMEM, "%s: out of memory", path);
    if (st)
        return gz_lua_raise(L, st); /* the box's __gc frees what was collected */
    lua_createtable(L, (int)b->n, 0);
    for (size_t i = 0; i < b->n; i++) {
        line_entry *e = &b->e[i];
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, (lua_Integer)e->line);
        lua_setfield(L, -2, "line");
        lua_pushstring(L, e->path);
        lua_setfield(L, -2, "path");
        lua_pushstring(L, e->label);
        lua_setfield(L, -2, "label");
        gz_gaze *g = e->gaze;
        e->gaze = NULL;
        free(e->path);
        free(e->label);
        e->path = e->label = NULL;
        b->pushed = i + 1;
        gz_lua_pushgaze(L, g);
        lua_setfield(L, -2, "gaze");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_remove(L, box);
    return 1;
}

/* ---- fixation detection ---- */

static int l_idt(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1);
    double disp = luaL_optnumber(L, 2, 25.0), mind = luaL_optnumber(L, 3, 50.0);
    gz_gaze *out;
    gz_status st = gz_fix_idt(g, disp, mind, &out);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushgaze(L, out);
    return 1;
}

static int l_ivt(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1);
    double vel = luaL_checknumber(L, 2), mind = luaL_optnumber(L, 3, 50.0);
    gz_gaze *out;
    gz_status st = gz_fix_ivt(g, vel, mind, &out);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushgaze(L, out);
    return 1;
}

int gz_lua_open_gaze(lua_State *L);
int gz_lua_open_gaze(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"kind", m_kind},         {"size", m_size},           {"canvas", m_canvas},
        {"unit", m_unit},         {"has_time", m_has_time},   {"point", m_point},
        {"columns", m_columns},   {"clone", m_clone},         {"with_canvas", m_with_canvas},
        {"convert", m_convert},   {"save", m_save},           {"outside", m_outside},
        {"close", mm_gc},         {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", mm_gc}, {"__close", mm_gc}, {"__tostring", mm_tostring}, {"__len", m_size},
        {NULL, NULL},
    };
    gz_lua_newclass(L, GZ_GAZE_MT, methods, meta);
    static const luaL_Reg fns[] = {
        {"read_gaze", l_read_gaze},
        {"gaze_new", l_gaze_new},
        {"read_gaze_lines", l_read_gaze_lines},
        {"idt_fixations", l_idt},
        {"ivt_fixations", l_ivt},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
