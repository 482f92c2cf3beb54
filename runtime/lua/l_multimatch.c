/* Lua bindings of MultiMatch and McGIP's fixation grouping:
 *
 *   gaze.core.mcgip_fixations(g [, ratio = 0.05 [, canvas = 800]]) -> Gaze
 *       g: a samples gaze.Gaze; result: fixations, durations in samples.
 *   gaze.core.multimatch(a, b [, opts]) -> values, details
 *       a, b: gaze.Gaze or a gaze file path (read with the defaults of
 *       gaze.core.read_gaze); opts: the scheme's keys (similarity.md
 *       section 7), values as strings, numbers, booleans, or for weights a
 *       list of five numbers. values = {vector =, direction =, length =,
 *       position =, duration =, score =} (NaN for short paths with
 *       short = "nan"); details = {saccades = {na, nb}, fixations =
 *       {fa, fb}, path_cells =, path_cost =}. */
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/gaze_io.h"
#include "../core/mcgip.h"
#include "../core/multimatch.h"
#include "l_gaze.h"
#include "lgaze.h"

#define MAX_OPTS 32

static int l_mcgip_fixations(lua_State *L)
{
    gz_gaze *g = gz_lua_checkgaze(L, 1);
    double ratio = luaL_optnumber(L, 2, 0.05);
    double canvas = luaL_optnumber(L, 3, 800.0);
    luaL_argcheck(L, g->kind == GZ_GAZE_SAMPLES, 1, "expected a samples record (raw gaze)");
    luaL_argcheck(L, ratio > 0.0 && isfinite(ratio), 2, "ratio must be a number > 0");
    luaL_argcheck(L, canvas > 0.0 && isfinite(canvas), 3, "canvas must be a number > 0");
    gz_gaze *out = NULL;
    gz_status st = gz_fix_mcgip(g, ratio, canvas, &out);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushgaze(L, out);
    return 1;
}

/* Pushes the option value at the top of the stack as a string (replacing
 * it). Raises for unsupported types. */
static void opt_to_string(lua_State *L, const char *key)
{
    char buf[512];
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: return;
    case LUA_TBOOLEAN: lua_pushstring(L, lua_toboolean(L, -1) ? "true" : "false"); break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, -1))
            snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, -1));
        else
            snprintf(buf, sizeof buf, "%.17g", lua_tonumber(L, -1));
        lua_pushstring(L, buf);
        break;
    case LUA_TTABLE: {
        size_t len = 0;
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        buf[0] = '\0';
        for (lua_Integer i = 1; i <= n && len < sizeof buf - 32; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_type(L, -1) != LUA_TNUMBER)
                luaL_error(L, "multimatch: option '%s': expected a list of numbers", key);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%.17g", i > 1 ? "," : "",
                                    lua_tonumber(L, -1));
            lua_pop(L, 1);
        }
        lua_pushstring(L, buf);
        break;
    }
    default:
        luaL_error(L, "multimatch: option '%s': expected a string, number, boolean or list",
                   key);
    }
    lua_remove(L, -2);
}

/* The record at idx: a gaze.Gaze (borrowed) or NULL when it is a path
 * string (read later). Raises for other types. */
static gz_gaze *arg_gaze(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TSTRING)
        return NULL;
    return gz_lua_checkgaze(L, idx);
}

static int l_multimatch(lua_State *L)
{
    /* 1. check every argument */
    gz_gaze *ga = arg_gaze(L, 1), *gb = arg_gaze(L, 2);
    const char *pa = ga ? NULL : lua_tostring(L, 1), *pb = gb ? NULL : lua_tostring(L, 2);
    const char *keys[MAX_OPTS], *values[MAX_OPTS];
    size_t n = 0;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_settop(L, 3);
        lua_newtable(L); /* 4: anchors the key and value strings */
        lua_pushnil(L);
        while (lua_next(L, 3)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_error(L, "multimatch: option keys must be strings");
            if (n == MAX_OPTS)
                return luaL_error(L, "multimatch: more than %d options", MAX_OPTS);
            opt_to_string(L, lua_tostring(L, -2));
            lua_rawseti(L, 4, (lua_Integer)(2 * n + 2)); /* value */
            lua_pushvalue(L, -1);
            lua_rawseti(L, 4, (lua_Integer)(2 * n + 1)); /* key */
            n++;
        }
        for (size_t k = 0; k < n; k++) {
            lua_rawgeti(L, 4, (lua_Integer)(2 * k + 1));
            keys[k] = lua_tostring(L, -1);
            lua_rawgeti(L, 4, (lua_Integer)(2 * k + 2));
            values[k] = lua_tostring(L, -1);
            lua_pop(L, 2); /* still referenced by the anchor table */
        }
    }
    const gz_scheme *s = &gz_scheme_multimatch;

    /* 2. allocate: params, records read from files, features */
    void *params = NULL, *fa = NULL, *fb = NULL;
    gz_gaze *ra = NULL, *rb = NULL;
    gz_status st = s->params_new(&params, keys, values, n);
    if (!st && pa)
        st = gz_gaze_read(pa, NULL, &ra);
    if (!st && pb)
        st = gz_gaze_read(pb, NULL, &rb);
    gz_record reca = {ga ? ga : ra, NULL, -1, pa ? pa : "a"};
    gz_record recb = {gb ? gb : rb, NULL, -1, pb ? pb : "b"};
    double out[6] = {0};
    gz_mm_detail det = {0, 0.0};
    size_t sac[2] = {0, 0}, nfix[2] = {0, 0};
    if (!st)
        st = s->features_new(params, &reca, &fa);
    if (!st)
        st = s->features_new(params, &recb, &fb);
    if (!st)
        st = s->compare(params, fa, fb, 0, 1, out);
    if (!st) {
        const gz_mm_path *x = fa, *y = fb;
        double tmp[5];
        sac[0] = x->n;
        sac[1] = y->n;
        nfix[0] = x->n_fix;
        nfix[1] = y->n_fix;
        st = gz_mm_compare(x, y, 1.0, 1.0, 0, tmp, &det);
    }
    s->features_free(fa);
    s->features_free(fb);
    if (params)
        s->params_free(params);
    gz_gaze_free(ra);
    gz_gaze_free(rb);

    /* 3. raise or push (no C memory held any more) */
    if (st)
        return gz_lua_raise(L, st);
    lua_createtable(L, 0, 6);
    for (size_t k = 0; k < 6; k++) {
        lua_pushnumber(L, out[k]);
        lua_setfield(L, -2, s->value_names[k]);
    }
    lua_createtable(L, 0, 4);
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, (lua_Integer)sac[0]);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, (lua_Integer)sac[1]);
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -2, "saccades");
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, (lua_Integer)nfix[0]);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, (lua_Integer)nfix[1]);
    lua_rawseti(L, -2, 2);
    lua_setfield(L, -2, "fixations");
    lua_pushinteger(L, (lua_Integer)det.path_cells);
    lua_setfield(L, -2, "path_cells");
    lua_pushnumber(L, det.path_cost);
    lua_setfield(L, -2, "path_cost");
    return 2;
}

int gz_lua_open_multimatch(lua_State *L);
int gz_lua_open_multimatch(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"mcgip_fixations", l_mcgip_fixations},
        {"multimatch", l_multimatch},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
