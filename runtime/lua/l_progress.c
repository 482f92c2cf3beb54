/* gaze.Progress: progress reporting from Lua (gaze.core.progress_new). */
#include "../core/progress.h"
#include "lgaze.h"

#define PROGRESS_MT "gaze.Progress"

typedef struct {
    gz_progress *p; /* NULL when quiet or finished */
    int finished;
    lua_Integer total;
} progress_box;

static progress_box *check_progress(lua_State *L)
{
    return luaL_checkudata(L, 1, PROGRESS_MT);
}

/* progress_new(label, total [, unit]) -> gaze.Progress */
static int l_progress_new(lua_State *L)
{
    const char *label = luaL_checkstring(L, 1);
    lua_Integer total = luaL_optinteger(L, 2, 0);
    const char *unit = luaL_optstring(L, 3, "");
    progress_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->p = NULL;
    b->finished = 0;
    b->total = total;
    luaL_setmetatable(L, PROGRESS_MT);
    b->p = gz_progress_new(label, total, unit); /* never fails; NULL when quiet */
    return 1;
}

/* :add([n = 1]) */
static int m_add(lua_State *L)
{
    progress_box *b = check_progress(L);
    lua_Integer n = luaL_optinteger(L, 2, 1);
    luaL_argcheck(L, !b->finished, 1, "progress already done");
    gz_progress_add(b->p, n);
    return 0;
}

/* :done() prints the final line; a second call does nothing. */
static int m_done(lua_State *L)
{
    progress_box *b = check_progress(L);
    if (!b->finished) {
        b->finished = 1;
        gz_progress_done(b->p);
        b->p = NULL;
    }
    return 0;
}

/* :count() -> work counted so far (0 when quiet) */
static int m_count(lua_State *L)
{
    progress_box *b = check_progress(L);
    lua_pushinteger(L, (lua_Integer)gz_progress_count(b->p));
    return 1;
}

/* __close(err): done on a normal exit, abandoned (no done line) on error */
static int mm_close(lua_State *L)
{
    progress_box *b = check_progress(L);
    if (!b->finished) {
        b->finished = 1;
        if (lua_isnoneornil(L, 2))
            gz_progress_done(b->p);
        else
            gz_progress_abandon(b->p);
        b->p = NULL;
    }
    return 0;
}

static int mm_gc(lua_State *L)
{
    progress_box *b = check_progress(L);
    if (!b->finished) {
        b->finished = 1;
        gz_progress_abandon(b->p);
        b->p = NULL;
    }
    return 0;
}

static int mm_tostring(lua_State *L)
{
    progress_box *b = check_progress(L);
    lua_pushfstring(L, "gaze.Progress(%I/%I%s)", (lua_Integer)gz_progress_count(b->p), b->total,
                    b->finished ? ", done" : "");
    return 1;
}

int gz_lua_open_progress(lua_State *L);
int gz_lua_open_progress(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"add", m_add},
        {"done", m_done},
        {"count", m_count},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__close", mm_close},
        {"__gc", mm_gc},
        {"__tostring", mm_tostring},
        {NULL, NULL},
    };
    gz_lua_newclass(L, PROGRESS_MT, methods, meta);
    static const luaL_Reg fns[] = {
        {"progress_new", l_progress_new},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
