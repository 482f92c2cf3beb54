/* Direct Lua access to the heatmap schemes' steps, for tests and for
 * users who want to look inside a similarity (gaze.similarity.* compares
 * whole records; these show the features):
 *
 *   gaze.core.moments_features(heat | gaze [, {canvas=, kernel=}]) -> m00, hu1
 *   gaze.core.dhash_bits(heat | gaze [, {canvas=, kernel=}])       -> "0101..." (64)
 *   gaze.core.dhash_similarity(bits_a, bits_b)                     -> cosine
 *   gaze.core.sim_diff(a, b)                                       -> the spec's diff()
 *   gaze.core.tima_clusters(gaze [, {canvas=, div=, eps=}])        -> labels, n_clusters
 *   gaze.core.tima_features(gaze [, {canvas=, render=, kernel=, div=, eps=}])
 *                                                      -> { {m00, hu1}, ... }
 *   gaze.core.tima_dtw(fa, fb)                                     -> d, L
 *
 * `heat` is a gaze.Tensor (H x W grey map, any dtype); `gaze` a gaze.Gaze.
 * Options take the command-line keys of the scheme (similarity.md
 * section 7) with the same defaults; `canvas`/`render` are "WxH" or
 * {W, H}. tima_clusters labels are a list (index k+1 for point k) of
 * cluster numbers from 0, -1 for noise. An unknown option is an error
 * naming the nearest valid one. */
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/dhash.h"
#include "../core/moments.h"
#include "../core/scheme.h"
#include "../core/text.h"
#include "../core/tima.h"
#include "l_gaze.h"
#include "l_tensor.h"
#include "lgaze.h"

#define MAX_OPTS 8

/* Options gathered into fixed buffers: no heap, nothing to free on a raise. */
typedef struct optbuf {
    size_t n;
    const char *keys[MAX_OPTS];
    const char *values[MAX_OPTS];
    char kbuf[MAX_OPTS][32];
    char vbuf[MAX_OPTS][64];
} optbuf;

static void check_opts(lua_State *L, int idx, const char *fname, const char *const *allowed,
                       optbuf *ob)
{
    ob->n = 0;
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "%s: option names must be strings", fname);
        const char *key = lua_tostring(L, -2);
        int known = 0;
        for (size_t i = 0; allowed[i]; i++)
            known |= strcmp(allowed[i], key) == 0;
        if (!known) {
            const char *near = gz_nearest_name(key, allowed);
            if (near)
                luaL_error(L, "%s: unknown option '%s' (did you mean '%s'?)", fname, key, near);
            luaL_error(L, "%s: unknown option '%s'", fname, key);
        }
        size_t k = ob->n++;
        snprintf(ob->kbuf[k], sizeof ob->kbuf[k], "%s", key);
        char *v = ob->vbuf[k];
        if (lua_isinteger(L, -1))
            snprintf(v, 64, "%lld", (long long)lua_tointeger(L, -1));
        else if (lua_type(L, -1) == LUA_TNUMBER)
            snprintf(v, 64, "%.17g", lua_tonumber(L, -1));
        else if (lua_type(L, -1) == LUA_TSTRING) {
            if (lua_rawlen(L, -1) >= 64)
                luaL_error(L, "%s: option '%s' is too long", fname, key);
            snprintf(v, 64, "%s", lua_tostring(L, -1));
        }
        else if (lua_type(L, -1) == LUA_TTABLE) {
            lua_geti(L, -1, 1);
            lua_geti(L, -2, 2);
            if (!lua_isinteger(L, -2) || !lua_isinteger(L, -1))
                luaL_error(L, "%s: option '%s' must be \"WxH\" or {W, H} with integers", fname,
                           key);
            snprintf(v, 64, "%lldx%lld", (long long)lua_tointeger(L, -2),
                     (long long)lua_tointeger(L, -1));
            lua_pop(L, 2);
        } else
            luaL_error(L, "%s: option '%s' has a %s value", fname, key, luaL_typename(L, -1));
        ob->keys[k] = ob->kbuf[k];
        ob->values[k] = ob->vbuf[k];
        lua_pop(L, 1);
    }
}

/* Record from a gaze.Tensor (heatmap) or a gaze.Gaze at idx. */
static void check_record(lua_State *L, int idx, int allow_heat, gz_record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->label = -1;
    rec->name = "argument";
    rec->heatmap = allow_heat ? gz_lua_totensor(L, idx) : NULL;
    if (!rec->heatmap) {
        if (allow_heat && !gz_lua_togaze(L, idx))
            luaL_typeerror(L, idx, "gaze.Tensor or gaze.Gaze");
        rec->gaze = gz_lua_checkgaze(L, idx);
    }
}

/* Runs scheme s's params_new + features_new; raises (after freeing) on
 * failure. The caller frees *params and *features. */
static void make_features(lua_State *L, const gz_scheme *s, const optbuf *ob, const gz_record *rec,
                          void **params, void **features)
{
    *params = NULL;
    *features = NULL;
    gz_status st = s->params_new(params, ob->keys, ob->values, ob->n);
    if (st != GZ_OK)
        gz_lua_raise(L, st);
    st = s->features_new(*params, rec, features);
    if (st != GZ_OK) {
        s->params_free(*params);
        *params = NULL;
        gz_lua_raise(L, st);
    }
}

static int l_moments_features(lua_State *L)
{
    static const char *const allowed[] = {"canvas", "kernel", NULL};
    gz_record rec;
    optbuf ob;
    check_record(L, 1, 1, &rec);
    check_opts(L, 2, "moments_features", allowed, &ob);
    void *params, *f;
    make_features(L, &gz_scheme_moments, &ob, &rec, &params, &f);
    double m00 = ((double *)f)[0], hu1 = ((double *)f)[1];
    gz_scheme_moments.features_free(f);
    gz_scheme_moments.params_free(params);
    lua_pushnumber(L, m00);
    lua_pushnumber(L, hu1);
    return 2;
}

static int l_dhash_bits(lua_State *L)
{
    static const char *const allowed[] = {"canvas", "kernel", NULL};
    gz_record rec;
    optbuf ob;
    check_record(L, 1, 1, &rec);
    check_opts(L, 2, "dhash_bits", allowed, &ob);
    void *params, *f;
    make_features(L, &gz_scheme_dhash, &ob, &rec, &params, &f);
    char s[65];
    gz_dhash_string(*(uint64_t *)f, s);
    gz_scheme_dhash.features_free(f);
    gz_scheme_dhash.params_free(params);
    lua_pushstring(L, s);
    return 1;
}

static uint64_t check_bits(lua_State *L, int idx)
{
    size_t len;
    const char *s = luaL_checklstring(L, idx, &len);
    uint64_t bits = 0;
    if (len != 64)
        luaL_argerror(L, idx, "expected 64 characters '0'/'1'");
    for (int k = 0; k < 64; k++) {
        if (s[k] != '0' && s[k] != '1')
            luaL_argerror(L, idx, "expected 64 characters '0'/'1'");
        if (s[k] == '1')
            bits |= (uint64_t)1 << k;
    }
    return bits;
}

static int l_dhash_similarity(lua_State *L)
{
    uint64_t a = check_bits(L, 1), b = check_bits(L, 2);
    lua_pushnumber(L, gz_dhash_similarity(a, b));
    return 1;
}

static int l_sim_diff(lua_State *L)
{
    double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
    lua_pushnumber(L, gz_sim_diff(a, b));
    return 1;
}

static int l_tima_clusters(lua_State *L)
{
    static const char *const allowed[] = {"canvas", "div", "eps", NULL};
    gz_record rec;
    optbuf ob;
    check_record(L, 1, 0, &rec);
    check_opts(L, 2, "tima_clusters", allowed, &ob);
    void *params = NULL;
    gz_status st = gz_scheme_tima.params_new(&params, ob.keys, ob.values, ob.n);
    if (st != GZ_OK)
        return gz_lua_raise(L, st);
    gz_tima_params p = *(gz_tima_params *)params;
    gz_scheme_tima.params_free(params);
    const gz_gaze *g = rec.gaze;
    /* labels live in a userdata: collected even if something below raises */
    int *labels = lua_newuserdatauv(L, (g->n ? g->n : 1) * sizeof(int), 0);
    size_t nc = 0;
    st = gz_tima_dbscan(g->x, g->y, g->n, (double)p.canvas_w, (double)p.canvas_h, p.div, p.eps,
                        labels, &nc);
    if (st != GZ_OK)
        return gz_lua_raise(L, st);
    lua_createtable(L, (int)g->n, 0);
    for (size_t k = 0; k < g->n; k++) {
        lua_pushinteger(L, labels[k]);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_pushinteger(L, (lua_Integer)nc);
    return 2;
}

static int l_tima_features(lua_State *L)
{
    static const char *const allowed[] = {"canvas", "render", "kernel", "div", "eps", NULL};
    gz_record rec;
    optbuf ob;
    check_record(L, 1, 0, &rec);
    check_opts(L, 2, "tima_features", allowed, &ob);
    /* Lua-owned room for the results first (a record has at most one
     * cluster per point), so nothing below raises while C memory is held. */
    double *copy = lua_newuserdatauv(L, (2 * rec.gaze->n + 1) * sizeof(double), 0);
    void *params, *f;
    make_features(L, &gz_scheme_tima, &ob, &rec, &params, &f);
    gz_scheme_tima.params_free(params);
    gz_tima_features *tf = f;
    size_t nc = tf->n_clusters;
    for (size_t c = 0; c < nc; c++) {
        copy[2 * c] = tf->m00[c];
        copy[2 * c + 1] = tf->hu1[c];
    }
    gz_tima_features_free(tf);
    lua_createtable(L, (int)nc, 0);
    for (size_t c = 0; c < nc; c++) {
        lua_createtable(L, 2, 0);
        lua_pushnumber(L, copy[2 * c]);
        lua_rawseti(L, -2, 1);
        lua_pushnumber(L, copy[2 * c + 1]);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    return 1;
}

/* A list of {m00, hu1} at idx into a userdata-backed gz_tima_features. */
static void check_cluster_list(lua_State *L, int idx, gz_tima_features *out)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_Integer n = luaL_len(L, idx);
    if (n < 1 || n > 1000000)
        luaL_argerror(L, idx, "expected a non-empty list of {m00, hu1}");
    double *buf = lua_newuserdatauv(L, 2 * (size_t)n * sizeof(double), 0);
    for (lua_Integer c = 1; c <= n; c++) {
        if (lua_geti(L, idx, c) != LUA_TTABLE)
            luaL_argerror(L, idx, "expected a list of {m00, hu1}");
        lua_geti(L, -1, 1);
        lua_geti(L, -2, 2);
        if (!lua_isnumber(L, -2) || !lua_isnumber(L, -1))
            luaL_argerror(L, idx, "expected a list of {m00, hu1} numbers");
        buf[c - 1] = lua_tonumber(L, -2);
        buf[n + c - 1] = lua_tonumber(L, -1);
        lua_pop(L, 3);
    }
    out->n_clusters = (size_t)n;
    out->m00 = buf;
    out->hu1 = buf + n;
}

static int l_tima_dtw(lua_State *L)
{
    gz_tima_features a, b;
    check_cluster_list(L, 1, &a);
    check_cluster_list(L, 2, &b);
    double d;
    size_t len;
    gz_status st = gz_tima_dtw(&a, &b, &d, &len);
    if (st != GZ_OK)
        return gz_lua_raise(L, st);
    lua_pushnumber(L, d);
    lua_pushinteger(L, (lua_Integer)len);
    return 2;
}

int gz_lua_open_schemes(lua_State *L);

int gz_lua_open_schemes(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"moments_features", l_moments_features},
        {"dhash_bits", l_dhash_bits},
        {"dhash_similarity", l_dhash_similarity},
        {"sim_diff", l_sim_diff},
        {"tima_clusters", l_tima_clusters},
        {"tima_features", l_tima_features},
        {"tima_dtw", l_tima_dtw},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
