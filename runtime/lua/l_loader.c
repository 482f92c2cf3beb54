/* gaze.Loader: the threaded batch loader for Lua (lib/gaze/data.lua wraps it).
 *   loader_new(opts, items, pipelines) -> gaze.Loader
 *       opts: batch, views, shuffle, drop_last, workers, prefetch, seed,
 *             channels, load_h, load_w, cache_mb (checked by data.lua; re-checked in C)
 *       items: list of {path =, index =, label =}; pipelines: one
 *       gaze.AugPipeline per view
 *   ld:set_image(i, t), ld:set_heat(i, t)     (i 0-based, before the first epoch)
 *   ld:start(epoch [, first]); ld:next() -> {views = {...}, indices =, labels =, n =, number =} | nil
 *   ld:batches(), ld:size(), ld:stats(), ld:close() */
#include <string.h>

#include "../core/loader.h"
#include "l_augment.h"
#include "l_tensor.h"
#include "lgaze.h"

#define LOADER_MT "gaze.Loader"

typedef struct loader_box {
    gz_loader *ld;
    gz_loader_batch pending; /* tensors not yet handed to Lua */
} loader_box;

static loader_box *check_box(lua_State *L)
{
    loader_box *b = luaL_checkudata(L, 1, LOADER_MT);
    if (!b->ld)
        luaL_argerror(L, 1, "the loader is closed");
    return b;
}

static lua_Integer opt_int(lua_State *L, int t, const char *key, lua_Integer dflt)
{
    lua_getfield(L, t, key);
    lua_Integer v = dflt;
    if (!lua_isnil(L, -1)) {
        int ok;
        v = lua_tointegerx(L, -1, &ok);
        if (!ok)
            luaL_error(L, "gaze.data.loader: %s must be an integer", key);
    }
    lua_pop(L, 1);
    return v;
}

static bool opt_bool(lua_State *L, int t, const char *key, bool dflt)
{
    lua_getfield(L, t, key);
    bool v = lua_isnil(L, -1) ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static int l_loader_new(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    gz_loader_opts o;
    memset(&o, 0, sizeof o);
    o.batch = (int)opt_int(L, 1, "batch", 32);
    o.views = (int)opt_int(L, 1, "views", 2);
    o.shuffle = opt_bool(L, 1, "shuffle", true);
    o.drop_last = opt_bool(L, 1, "drop_last", false);
    o.workers = (int)opt_int(L, 1, "workers", 2);
    o.prefetch = (int)opt_int(L, 1, "prefetch", 0);
    o.seed = (uint64_t)opt_int(L, 1, "seed", 0);
    o.channels = (int)opt_int(L, 1, "channels", 1);
    o.load_h = (int)opt_int(L, 1, "load_h", 0);
    o.load_w = (int)opt_int(L, 1, "load_w", 0);
    lua_Integer mb = opt_int(L, 1, "cache_mb", -1);
    o.cache_bytes = mb < 0 ? -1 : (mb > ((lua_Integer)1 << 40) ? ((int64_t)1 << 60) : mb << 20);
    if (o.views < 1 || o.views > GZ_LOADER_MAX_VIEWS)
        return luaL_error(L, "gaze.data.loader: views must be in 1..%d", GZ_LOADER_MAX_VIEWS);
    if (luaL_len(L, 3) != o.views)
        return luaL_error(L, "gaze.data.loader: %d pipelines for %d views", (int)luaL_len(L, 3),
                          o.views);
    const gz_aug_pipeline *pipes[GZ_LOADER_MAX_VIEWS];
    for (int v = 0; v < o.views; v++) {
        lua_geti(L, 3, v + 1);
        pipes[v] = gz_lua_checkpipeline(L, -1);
        lua_pop(L, 1); /* still referenced by the table at 3 */
    }
    lua_Integer n = luaL_len(L, 2);
    if (n < 0 || n > ((lua_Integer)1 << 31))
        return luaL_error(L, "gaze.data.loader: bad item count");
    /* Lua-owned scratch; path strings stay alive in the items table */
    size_t cnt = (size_t)(n > 0 ? n : 1);
    const char **paths = lua_newuserdatauv(L, sizeof(char *) * cnt, 0);
    int64_t *idx = lua_newuserdatauv(L, sizeof(int64_t) * cnt, 0);
    int64_t *lab = lua_newuserdatauv(L, sizeof(int64_t) * cnt, 0);
    for (lua_Integer i = 0; i < n; i++) {
        lua_geti(L, 2, i + 1);
        if (!lua_istable(L, -1))
            return luaL_error(L, "gaze.data.loader: item %d is not a table", (int)i + 1);
        lua_getfield(L, -1, "path");
        paths[i] = lua_isnil(L, -1) ? NULL : lua_tostring(L, -1);
        if (!paths[i] && !lua_isnil(L, -1))
            return luaL_error(L, "gaze.data.loader: item %d: path must be a string", (int)i + 1);
        lua_pop(L, 1);
        idx[i] = opt_int(L, -1, "index", i);
        lab[i] = opt_int(L, -1, "label", -1);
        lua_pop(L, 1);
    }
    loader_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, LOADER_MT);
    gz_status st = gz_loader_new(&b->ld, &o, (int64_t)n, paths, idx, lab, pipes);
    if (st)
        return gz_lua_raise(L, st);
    return 1;
}

static int set_tensor(lua_State *L, bool heat)
{
    loader_box *b = check_box(L);
    lua_Integer i = luaL_checkinteger(L, 2);
    gz_tensor *t = gz_lua_checktensor(L, 3);
    gz_status st = heat ? gz_loader_set_heat(b->ld, (int64_t)i, t)
                        : gz_loader_set_image(b->ld, (int64_t)i, t);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

static int m_set_image(lua_State *L) { return set_tensor(L, false); }
static int m_set_heat(lua_State *L) { return set_tensor(L, true); }

static int m_start(lua_State *L)
{
    loader_box *b = check_box(L);
    lua_Integer e = luaL_checkinteger(L, 2);
    lua_Integer first = luaL_optinteger(L, 3, 0);
    gz_status st = gz_loader_start(b->ld, (uint64_t)e, (int64_t)first);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

/* Moves one tensor from the pending batch to Lua (ownership first, so a
 * failing push frees it and the rest stays pending). */
static void push_pending(lua_State *L, gz_tensor **slot)
{
    gz_tensor *t = *slot;
    *slot = NULL;
    gz_lua_pushtensor(L, t);
}

static int m_next(lua_State *L)
{
    loader_box *b = check_box(L);
    gz_loader_batch_free(&b->pending);
    lua_Integer views = 0;
    gz_status st = gz_loader_next(b->ld, &b->pending);
    if (st)
        return gz_lua_raise(L, st);
    if (b->pending.n == 0) {
        lua_pushnil(L);
        return 1;
    }
    for (int v = 0; v < GZ_LOADER_MAX_VIEWS; v++)
        if (b->pending.views[v])
            views = v + 1;
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, (lua_Integer)b->pending.n);
    lua_setfield(L, -2, "n");
    lua_pushinteger(L, (lua_Integer)b->pending.number + 1);
    lua_setfield(L, -2, "number");
    lua_createtable(L, (int)views, 0);
    for (int v = 0; v < (int)views; v++) {
        push_pending(L, &b->pending.views[v]);
        lua_rawseti(L, -2, v + 1);
    }
    lua_setfield(L, -2, "views");
    push_pending(L, &b->pending.indices);
    lua_setfield(L, -2, "indices");
    push_pending(L, &b->pending.labels);
    lua_setfield(L, -2, "labels");
    b->pending.n = 0;
    return 1;
}

static int m_batches(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gz_loader_batches(check_box(L)->ld));
    return 1;
}

static int m_size(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gz_loader_size(check_box(L)->ld));
    return 1;
}

static int m_stats(lua_State *L)
{
    gz_loader_stats s;
    gz_loader_get_stats(check_box(L)->ld, &s);
    lua_createtable(L, 0, 7);
    lua_pushnumber(L, s.wait_seconds);
    lua_setfield(L, -2, "wait_s");
    lua_pushnumber(L, s.prepare_seconds);
    lua_setfield(L, -2, "prepare_s");
    lua_pushinteger(L, (lua_Integer)s.batches);
    lua_setfield(L, -2, "batches");
    lua_pushinteger(L, (lua_Integer)s.images);
    lua_setfield(L, -2, "images");
    lua_pushinteger(L, (lua_Integer)s.cached_images);
    lua_setfield(L, -2, "cached_images");
    lua_pushinteger(L, (lua_Integer)s.cached_bytes);
    lua_setfield(L, -2, "cached_bytes");
    lua_pushinteger(L, (lua_Integer)s.decodes);
    lua_setfield(L, -2, "decodes");
    return 1;
}

static int mm_gc(lua_State *L)
{
    loader_box *b = luaL_checkudata(L, 1, LOADER_MT);
    gz_loader_batch_free(&b->pending);
    gz_loader_free(b->ld);
    b->ld = NULL;
    return 0;
}

static int mm_tostring(lua_State *L)
{
    loader_box *b = luaL_checkudata(L, 1, LOADER_MT);
    if (!b->ld)
        lua_pushliteral(L, "gaze.Loader(closed)");
    else
        lua_pushfstring(L, "gaze.Loader(%d items, %d batches)", (int)gz_loader_size(b->ld),
                        (int)gz_loader_batches(b->ld));
    return 1;
}

int gz_lua_open_loader(lua_State *L);
int gz_lua_open_loader(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"set_image", m_set_image}, {"set_heat", m_set_heat}, {"start", m_start},
        {"next", m_next},           {"batches", m_batches},   {"size", m_size},
        {"stats", m_stats},         {"close", mm_gc},         {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", mm_gc}, {"__close", mm_gc}, {"__tostring", mm_tostring}, {NULL, NULL},
    };
    gz_lua_newclass(L, LOADER_MT, methods, meta);
    static const luaL_Reg fns[] = {{"loader_new", l_loader_new}, {NULL, NULL}};
    gz_lua_setfuncs(L, fns);
    return 0;
}
