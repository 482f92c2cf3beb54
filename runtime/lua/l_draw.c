/* gaze.Canvas: the drawing canvas for Lua (runtime/core/draw.h).
 *
 * The C methods here take positional arguments and are named with a
 * leading underscore (_line, _text, ...); lib/gaze/draw.lua adds the
 * public methods that take checked option tables. Colours are accepted as
 * "#rrggbb", "#rrggbbaa", a name (see COLOR_NAMES), "none", or a table
 * {r, g, b [, a]} with components 0..255. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/draw.h"
#include "../core/text.h"
#include "l_tensor.h"
#include "lgaze.h"

#define CANVAS_MT "gaze.Canvas"

typedef struct {
    gz_canvas *c;
} canvas_box;

static gz_canvas *check_canvas(lua_State *L)
{
    canvas_box *b = luaL_checkudata(L, 1, CANVAS_MT);
    if (!b->c)
        luaL_argerror(L, 1, "canvas has been closed");
    return b->c;
}

static const char *const COLOR_NAMES[] = {
    "black", "white", "red", "green", "blue", "yellow", "cyan", "magenta",
    "grey", "gray", "orange", "purple", "none", "transparent", NULL,
};
static const unsigned char COLOR_VALUES[][4] = {
    {0, 0, 0, 255},     {255, 255, 255, 255}, {228, 26, 28, 255},   {77, 175, 74, 255},
    {55, 126, 184, 255}, {255, 221, 0, 255},  {0, 200, 220, 255},  {230, 0, 200, 255},
    {128, 128, 128, 255}, {128, 128, 128, 255}, {255, 127, 0, 255}, {152, 78, 163, 255},
    {0, 0, 0, 0},       {0, 0, 0, 0},
};

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Reads a colour at idx into *out; returns 0 on success, else pushes an
 * error message and returns 1 (caller raises). */
static int to_color(lua_State *L, int idx, gz_rgba *out)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        if (s[0] == '#') {
            size_t n = strlen(s + 1);
            int v[8] = {0, 0, 0, 0, 0, 0, 15, 15};
            if (n != 6 && n != 8)
                goto bad_hex;
            for (size_t i = 0; i < n; i++)
                if ((v[i] = hexval(s[1 + i])) < 0)
                    goto bad_hex;
            out->r = (v[0] * 16 + v[1]) / 255.0;
            out->g = (v[2] * 16 + v[3]) / 255.0;
            out->b = (v[4] * 16 + v[5]) / 255.0;
            out->a = (v[6] * 16 + v[7]) / 255.0;
            return 0;
        bad_hex:
            lua_pushfstring(L, "bad colour '%s' (expected #rrggbb or #rrggbbaa)", s);
            return 1;
        }
        for (int i = 0; COLOR_NAMES[i]; i++) {
            if (strcmp(s, COLOR_NAMES[i]) == 0) {
                out->r = COLOR_VALUES[i][0] / 255.0;
                out->g = COLOR_VALUES[i][1] / 255.0;
                out->b = COLOR_VALUES[i][2] / 255.0;
                out->a = COLOR_VALUES[i][3] / 255.0;
                return 0;
            }
        }
        char msg[256];
        gz_format_unknown(msg, sizeof msg, "colour", s, COLOR_NAMES);
        lua_pushstring(L, msg);
        return 1;
    }
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_Integer n = luaL_len(L, idx);
        double c[4] = {0, 0, 0, 255};
        if (n != 3 && n != 4) {
            lua_pushstring(L, "colour table must be {r, g, b} or {r, g, b, a} (0..255)");
            return 1;
        }
        for (lua_Integer i = 1; i <= n; i++) {
            lua_geti(L, idx, i);
            int isnum;
            double v = lua_tonumberx(L, -1, &isnum);
            lua_pop(L, 1);
            if (!isnum || !(v >= 0 && v <= 255)) {
                lua_pushstring(L, "colour components must be numbers 0..255");
                return 1;
            }
            c[i - 1] = v;
        }
        out->r = c[0] / 255.0;
        out->g = c[1] / 255.0;
        out->b = c[2] / 255.0;
        out->a = c[3] / 255.0;
        return 0;
    }
    lua_pushfstring(L, "colour must be a string or a table, got %s", luaL_typename(L, idx));
    return 1;
}

static gz_rgba check_color(lua_State *L, int idx)
{
    gz_rgba c;
    if (to_color(L, idx, &c))
        luaL_argerror(L, idx, lua_tostring(L, -1));
    return c;
}

/* nil/false = none, otherwise a colour; returns whether one was given. */
static int opt_color(lua_State *L, int idx, gz_rgba *out)
{
    if (lua_isnoneornil(L, idx) || (lua_isboolean(L, idx) && !lua_toboolean(L, idx)))
        return 0;
    *out = check_color(L, idx);
    return 1;
}

static double check_finite(lua_State *L, int idx)
{
    double v = luaL_checknumber(L, idx);
    luaL_argcheck(L, isfinite(v), idx, "must be a finite number");
    return v;
}

/* canvas_new(w, h [, background = "black"]) -> gaze.Canvas */
static int l_canvas_new(lua_State *L)
{
    lua_Integer w = luaL_checkinteger(L, 1), h = luaL_checkinteger(L, 2);
    gz_rgba bg = {0, 0, 0, 1};
    if (!lua_isnoneornil(L, 3))
        bg = check_color(L, 3);
    luaL_argcheck(L, w >= 1 && w <= GZ_CANVAS_MAX_SIDE, 1, "width out of range 1..32767");
    luaL_argcheck(L, h >= 1 && h <= GZ_CANVAS_MAX_SIDE, 2, "height out of range 1..32767");
    canvas_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->c = NULL;
    luaL_setmetatable(L, CANVAS_MT);
    gz_status st = gz_canvas_new(&b->c, (int)w, (int)h, bg);
    if (st)
        return gz_lua_raise(L, st);
    return 1;
}

/* parse_color(c) -> r, g, b, a (0..255) */
static int l_parse_color(lua_State *L)
{
    gz_rgba c = check_color(L, 1);
    lua_pushnumber(L, c.r * 255);
    lua_pushnumber(L, c.g * 255);
    lua_pushnumber(L, c.b * 255);
    lua_pushnumber(L, c.a * 255);
    return 4;
}

static gz_colormap check_cmap(lua_State *L, int idx)
{
    gz_colormap cm;
    if (gz_colormap_parse(luaL_checkstring(L, idx), &cm))
        luaL_argerror(L, idx, gz_error_message());
    return cm;
}

/* colormap(name, t) -> r, g, b, a (0..255) */
static int l_colormap(lua_State *L)
{
    gz_colormap cm = check_cmap(L, 1);
    gz_rgba c = gz_colormap_color(cm, luaL_checknumber(L, 2));
    lua_pushnumber(L, c.r * 255);
    lua_pushnumber(L, c.g * 255);
    lua_pushnumber(L, c.b * 255);
    lua_pushnumber(L, c.a * 255);
    return 4;
}

/* colorize(map, cmap [, lo, hi]) -> H x W x 3 float32 tensor (0..255) */
static int l_colorize(lua_State *L)
{
    gz_tensor *map = gz_lua_checktensor(L, 1);
    gz_colormap cm = check_cmap(L, 2);
    double lo = luaL_optnumber(L, 3, 0), hi = luaL_optnumber(L, 4, 0);
    gz_tensor *out;
    gz_status st = gz_colormap_apply(map, cm, lo, hi, &out);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, out);
    return 1;
}

/* :_image(t, x, y, w, h, smooth) */
static int m_image(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    gz_tensor *t = gz_lua_checktensor(L, 2);
    double x = check_finite(L, 3), y = check_finite(L, 4), w = check_finite(L, 5),
           h = check_finite(L, 6);
    int smooth = lua_toboolean(L, 7);
    gz_status st = gz_canvas_image(c, t, x, y, w, h, smooth);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

/* :_line(x0, y0, x1, y1, width, color) */
static int m_line(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    double x0 = check_finite(L, 2), y0 = check_finite(L, 3), x1 = check_finite(L, 4),
           y1 = check_finite(L, 5), w = check_finite(L, 6);
    gz_rgba col = check_color(L, 7);
    gz_canvas_line(c, x0, y0, x1, y1, w, col);
    return 0;
}

/* :_circle(x, y, r, fill, stroke, width) */
static int m_circle(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    double x = check_finite(L, 2), y = check_finite(L, 3), r = check_finite(L, 4);
    gz_rgba fill, stroke;
    int hf = opt_color(L, 5, &fill), hs = opt_color(L, 6, &stroke);
    double w = check_finite(L, 7);
    gz_canvas_circle(c, x, y, r, hf ? &fill : NULL, hs ? &stroke : NULL, w);
    return 0;
}

/* :_rect(x, y, w, h, fill, stroke, width) */
static int m_rect(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    double x = check_finite(L, 2), y = check_finite(L, 3), w = check_finite(L, 4),
           h = check_finite(L, 5);
    gz_rgba fill, stroke;
    int hf = opt_color(L, 6, &fill), hs = opt_color(L, 7, &stroke);
    double lw = check_finite(L, 8);
    gz_canvas_rect(c, x, y, w, h, hf ? &fill : NULL, hs ? &stroke : NULL, lw);
    return 0;
}

/* :_polyline(points, closed, fill, stroke, width); points = {x1, y1, x2,
 * y2, ...} or {{x1, y1}, {x2, y2}, ...} */
static int m_polyline(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    int closed = lua_toboolean(L, 3);
    gz_rgba fill, stroke;
    int hf = opt_color(L, 4, &fill), hs = opt_color(L, 5, &stroke);
    double lw = check_finite(L, 6);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
    luaL_argcheck(L, n <= 10000000, 2, "too many points");
    int nested = n > 0 && (lua_rawgeti(L, 2, 1), lua_istable(L, -1));
    lua_pop(L, n > 0 ? 1 : 0);
    lua_Integer npts = nested ? n : n / 2;
    luaL_argcheck(L, nested || n % 2 == 0, 2, "flat point list needs an even length");
    /* check every coordinate before allocating (raw access: no metamethod
     * can raise while xy is held) */
    for (lua_Integer k = 1; k <= n; k++) {
        lua_rawgeti(L, 2, k);
        if (nested) {
            luaL_argcheck(L, lua_istable(L, -1) && lua_rawlen(L, -1) == 2, 2,
                          "points must be {x, y} pairs");
            for (int d = 1; d <= 2; d++) {
                lua_rawgeti(L, -1, d);
                luaL_argcheck(L, lua_isnumber(L, -1) && isfinite(lua_tonumber(L, -1)), 2,
                              "point coordinates must be finite numbers");
                lua_pop(L, 1);
            }
        } else {
            luaL_argcheck(L, lua_isnumber(L, -1) && isfinite(lua_tonumber(L, -1)), 2,
                          "point coordinates must be finite numbers");
        }
        lua_pop(L, 1);
    }
    if (npts < 2)
        return 0;
    double *xy = malloc((size_t)npts * 2 * sizeof *xy);
    if (!xy)
        return luaL_error(L, "out of memory for %I points", npts);
    for (lua_Integer k = 0; k < npts; k++) {
        if (nested) {
            lua_rawgeti(L, 2, k + 1);
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            xy[2 * k] = lua_tonumber(L, -2);
            xy[2 * k + 1] = lua_tonumber(L, -1);
            lua_pop(L, 3);
        } else {
            lua_rawgeti(L, 2, 2 * k + 1);
            lua_rawgeti(L, 2, 2 * k + 2);
            xy[2 * k] = lua_tonumber(L, -2);
            xy[2 * k + 1] = lua_tonumber(L, -1);
            lua_pop(L, 2);
        }
    }
    gz_canvas_polyline(c, xy, (int)npts, closed, hf ? &fill : NULL, hs ? &stroke : NULL, lw);
    free(xy);
    return 0;
}

static gz_align check_align(lua_State *L, int idx)
{
    static const char *const names[] = {"left", "center", "right", NULL};
    return (gz_align)luaL_checkoption(L, idx, "left", names);
}

/* :_text(x, y, s, size, color, halo, align, bold) */
static int m_text(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    double x = check_finite(L, 2), y = check_finite(L, 3);
    const char *s = luaL_checkstring(L, 4);
    double size = check_finite(L, 5);
    luaL_argcheck(L, size > 0 && size <= 1000, 5, "font size must be in (0, 1000]");
    gz_rgba col = check_color(L, 6), halo;
    int hh = opt_color(L, 7, &halo);
    gz_align al = check_align(L, 8);
    int bold = lua_toboolean(L, 9);
    gz_canvas_text(c, x, y, s, size, col, hh ? &halo : NULL, al, bold);
    return 0;
}

/* :_text_size(s, size, bold) -> w, h */
static int m_text_size(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    const char *s = luaL_checkstring(L, 2);
    double size = check_finite(L, 3);
    luaL_argcheck(L, size > 0 && size <= 1000, 3, "font size must be in (0, 1000]");
    double w, h;
    gz_canvas_text_size(c, s, size, lua_toboolean(L, 4), &w, &h);
    lua_pushnumber(L, w);
    lua_pushnumber(L, h);
    return 2;
}

/* :_heat(map, x, y, w, h, cmap, alpha, lo, hi, alpha_by_value, smooth) */
static int m_heat(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    gz_tensor *map = gz_lua_checktensor(L, 2);
    gz_heat_opts o = gz_heat_defaults();
    double x = check_finite(L, 3), y = check_finite(L, 4), w = check_finite(L, 5),
           h = check_finite(L, 6);
    o.cmap = check_cmap(L, 7);
    o.alpha = luaL_checknumber(L, 8);
    o.lo = luaL_optnumber(L, 9, 0);
    o.hi = luaL_optnumber(L, 10, 0);
    o.alpha_by_value = lua_toboolean(L, 11);
    o.smooth = lua_toboolean(L, 12);
    gz_status st = gz_canvas_heat(c, map, x, y, w, h, &o);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

/* :_to_tensor(alpha) -> H x W x 3|4 float32 (0..255) */
static int m_to_tensor(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    gz_tensor *t;
    gz_status st = gz_canvas_to_tensor(c, lua_toboolean(L, 2) ? 4 : 3, &t);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, t);
    return 1;
}

/* :_save(path, alpha) */
static int m_save(lua_State *L)
{
    gz_canvas *c = check_canvas(L);
    const char *path = luaL_checkstring(L, 2);
    gz_status st = gz_canvas_save_png(c, path, lua_toboolean(L, 3));
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

static int m_width(lua_State *L)
{
    lua_pushinteger(L, gz_canvas_width(check_canvas(L)));
    return 1;
}

static int m_height(lua_State *L)
{
    lua_pushinteger(L, gz_canvas_height(check_canvas(L)));
    return 1;
}

/* :close() / __close / __gc: frees the pixels; safe to call twice */
static int m_close(lua_State *L)
{
    canvas_box *b = luaL_checkudata(L, 1, CANVAS_MT);
    gz_canvas_free(b->c);
    b->c = NULL;
    return 0;
}

static int mm_tostring(lua_State *L)
{
    canvas_box *b = luaL_checkudata(L, 1, CANVAS_MT);
    if (!b->c)
        lua_pushstring(L, "gaze.Canvas(closed)");
    else
        lua_pushfstring(L, "gaze.Canvas(%d x %d)", gz_canvas_width(b->c),
                        gz_canvas_height(b->c));
    return 1;
}

int gz_lua_open_draw(lua_State *L);
int gz_lua_open_draw(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"_image", m_image},
        {"_line", m_line},
        {"_circle", m_circle},
        {"_rect", m_rect},
        {"_polyline", m_polyline},
        {"_text", m_text},
        {"_text_size", m_text_size},
        {"_heat", m_heat},
        {"_to_tensor", m_to_tensor},
        {"_save", m_save},
        {"width", m_width},
        {"height", m_height},
        {"close", m_close},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__close", m_close},
        {"__gc", m_close},
        {"__tostring", mm_tostring},
        {NULL, NULL},
    };
    gz_lua_newclass(L, CANVAS_MT, methods, meta);
    static const luaL_Reg fns[] = {
        {"canvas_new", l_canvas_new},
        {"parse_color", l_parse_color},
        {"colormap", l_colormap},
        {"colorize", l_colorize},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
