/* gaze.core bindings of the synthetic reader study (runtime/core/synth.h):
 *
 *   gaze.core.synth_info(kind)      -> {kind=, classes={...}, ordinal=,
 *                                       canvas={w, h}, version=, delivered=}
 *   gaze.core.synth_write(kind, n, dir, size, seed, reader_noise [, threads])
 *   gaze.core.synth_item(kind, index, size, seed, reader_noise) -> table
 *   gaze.core.synth_label(kind, index, seed) -> label, split
 *
 * Argument checking with friendly messages and option tables lives in
 * lib/gaze/synth.lua; these functions check types and ranges again. */
#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "../core/synth.h"
#include "l_gaze.h"
#include "l_tensor.h"
#include "lgaze.h"

#define ITEMBOX_MT "gaze.SynthItemBox"

/* Holds C memory while a result is built, so a Lua error cannot leak it. */
typedef struct item_box {
    gz_synth_item item;
    gz_gaze *gaze;
    int live;
} item_box;

static int itembox_gc(lua_State *L)
{
    item_box *b = luaL_checkudata(L, 1, ITEMBOX_MT);
    if (b->live) {
        gz_synth_item_clear(&b->item);
        gz_gaze_free(b->gaze);
        b->gaze = NULL;
        b->live = 0;
    }
    return 0;
}

static gz_synth_kind check_kind(lua_State *L, int idx)
{
    static const char *const names[] = {"mammo", "dental", "knee", NULL};
    return (gz_synth_kind)luaL_checkoption(L, idx, NULL, names);
}

static void check_params(lua_State *L, int first, gz_synth_kind kind, gz_synth_params *p)
{
    lua_Integer size = luaL_checkinteger(L, first);
    lua_Integer seed = luaL_checkinteger(L, first + 1);
    lua_Number noise = luaL_checknumber(L, first + 2);
    luaL_argcheck(L, size >= GZ_SYNTH_MIN_SIZE && size <= GZ_SYNTH_MAX_SIZE, first,
                  "size outside 16..2048");
    luaL_argcheck(L, seed >= 0, first + 1, "seed must be >= 0");
    luaL_argcheck(L, noise >= 0.0 && noise <= 1.0, first + 2, "reader_noise outside 0..1");
    p->kind = kind;
    p->size = (int)size;
    p->seed = (uint64_t)seed;
    p->reader_noise = (double)noise;
}

static int l_synth_info(lua_State *L)
{
    gz_synth_kind kind = check_kind(L, 1);
    int K = gz_synth_nclasses(kind), w, h;
    gz_synth_canvas(kind, &w, &h);
    lua_createtable(L, 0, 6);
    lua_pushstring(L, gz_synth_kind_name(kind));
    lua_setfield(L, -2, "kind");
    lua_createtable(L, K, 0);
    for (int k = 0; k < K; k++) {
        lua_pushstring(L, gz_synth_class_name(kind, k));
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "classes");
    lua_pushboolean(L, gz_synth_ordinal(kind));
    lua_setfield(L, -2, "ordinal");
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, w);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, h);
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -2, "canvas");
    lua_pushinteger(L, GZ_SYNTH_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushstring(L, kind == GZ_SYNTH_MAMMO ? "raw" : (kind == GZ_SYNTH_DENTAL ? "heatmap" : "fixations"));
    lua_setfield(L, -2, "delivered");
    return 1;
}

static int l_synth_write(lua_State *L)
{
    gz_synth_kind kind = check_kind(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *dir = luaL_checkstring(L, 3);
    gz_synth_params p;
    check_params(L, 4, kind, &p);
    lua_Integer threads = luaL_optinteger(L, 7, 0);
    luaL_argcheck(L, n >= 1 && n <= GZ_SYNTH_MAX_N, 2, "n outside 1..1000000");
    luaL_argcheck(L, threads >= 0 && threads <= 1024, 7, "threads outside 0..1024");
    gz_status st = gz_synth_write(&p, (int64_t)n, dir, (int)threads);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

static int l_synth_label(lua_State *L)
{
    gz_synth_kind kind = check_kind(L, 1);
    lua_Integer index = luaL_checkinteger(L, 2);
    lua_Integer seed = luaL_checkinteger(L, 3);
    luaL_argcheck(L, index >= 0, 2, "index must be >= 0");
    luaL_argcheck(L, seed >= 0, 3, "seed must be >= 0");
    gz_synth_params p = {kind, 64, (uint64_t)seed, 0.0};
    lua_pushinteger(L, gz_synth_label(&p, (int64_t)index));
    lua_pushstring(L, gz_synth_split_name(gz_synth_split_of(&p, (int64_t)index)));
    return 2;
}

static void set_number(lua_State *L, const char *key, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, key);
}

/* Moves the item's image (or heatmap) tensor into Lua. */
static void push_owned_tensor(lua_State *L, gz_tensor **slot)
{
    gz_tensor *t = *slot;
    *slot = NULL;
    gz_lua_pushtensor(L, t); /* frees t itself if it raises */
}

static void push_gaze(lua_State *L, item_box *b, gz_gaze_kind kind, size_t n, const double *x,
                      const double *y, const double *dur, int cw, int ch)
{
    gz_gaze *g;
    gz_status st = gz_gaze_new(&g, kind, n, 0, cw, ch, GZ_UNIT_S);
    if (st)
        gz_lua_raise(L, st); /* nothing new held: the box owns the rest */
    memcpy(g->x, x, n * sizeof(double));
    memcpy(g->y, y, n * sizeof(double));
    if (dur && g->dur)
        memcpy(g->dur, dur, n * sizeof(double));
    b->gaze = g;
    gz_lua_pushgaze(L, g);
    b->gaze = NULL; /* owned by the userdata now */
}

static int l_synth_item(lua_State *L)
{
    gz_synth_kind kind = check_kind(L, 1);
    lua_Integer index = luaL_checkinteger(L, 2);
    gz_synth_params p;
    check_params(L, 3, kind, &p);
    luaL_argcheck(L, index >= 0, 2, "index must be >= 0");
    item_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, ITEMBOX_MT);
    int box = lua_gettop(L);
    gz_status st = gz_synth_item_make(&p, (int64_t)index, &b->item);
    if (st)
        return gz_lua_raise(L, st);
    b->live = 1;
    gz_synth_item *it = &b->item;
    int cw, ch;
    gz_synth_canvas(kind, &cw, &ch);
    lua_createtable(L, 0, 12);
    lua_pushinteger(L, (lua_Integer)it->index);
    lua_setfield(L, -2, "index");
    lua_pushinteger(L, it->label);
    lua_setfield(L, -2, "label");
    lua_pushstring(L, gz_synth_class_name(kind, it->label));
    lua_setfield(L, -2, "class");
    lua_pushstring(L, gz_synth_split_name(it->split));
    lua_setfield(L, -2, "split");
    push_owned_tensor(L, &it->image);
    lua_setfield(L, -2, "image");
    push_gaze(L, b, GZ_GAZE_FIXATIONS, it->nfix, it->fix_x, it->fix_y, it->fix_dur, cw, ch);
    lua_setfield(L, -2, "fixations");
    if (it->nraw) {
        push_gaze(L, b, GZ_GAZE_SAMPLES, it->nraw, it->raw_x, it->raw_y, NULL, cw, ch);
        lua_setfield(L, -2, "samples");
    }
    if (it->heatmap) {
        push_owned_tensor(L, &it->heatmap);
        lua_setfield(L, -2, "heatmap");
    }
    lua_pushboolean(L, it->has_finding);
    lua_setfield(L, -2, "has_finding");
    if (it->has_finding) {
        lua_createtable(L, 0, 3);
        set_number(L, "x", it->finding_x);
        set_number(L, "y", it->finding_y);
        set_number(L, "r", it->finding_r);
        lua_setfield(L, -2, "finding");
    }
    lua_pushboolean(L, it->finding_seen);
    lua_setfield(L, -2, "finding_seen");
    if (kind == GZ_SYNTH_KNEE)
        set_number(L, "gap_px", it->gap_px);
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, cw);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, ch);
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -2, "canvas");
    /* release the rest of the C memory now rather than at the next GC */
    gz_synth_item_clear(&b->item);
    b->live = 0;
    lua_remove(L, box);
    return 1;
}

int gz_lua_open_synth(lua_State *L);
int gz_lua_open_synth(lua_State *L)
{
    static const luaL_Reg meta[] = {{"__gc", itembox_gc}, {NULL, NULL}};
    gz_lua_newclass(L, ITEMBOX_MT, NULL, meta);
    static const luaL_Reg fns[] = {
        {"synth_info", l_synth_info},
        {"synth_write", l_synth_write},
        {"synth_item", l_synth_item},
        {"synth_label", l_synth_label},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
