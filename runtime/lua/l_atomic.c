/* gaze.core.write_atomic(path, data): whole-file atomic writes from Lua. */
#include "../core/atomic_file.h"
#include "lgaze.h"

/* write_atomic(path, string) -> true; raises "PATH: reason" on failure. */
static int l_write_atomic(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    gz_status st = gz_atomic_write(path, data, len);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushboolean(L, 1);
    return 1;
}

int gz_lua_open_atomic(lua_State *L);
int gz_lua_open_atomic(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"write_atomic", l_write_atomic},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
