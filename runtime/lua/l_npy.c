/* gaze.core .npy functions: npy_load, npy_save. */
#include <lauxlib.h>

#include "../core/npy.h"
#include "l_tensor.h"
#include "lgaze.h"

/* npy_load(path) -> Tensor of the file's dtype and shape */
static int l_npy_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    gz_tensor *t;
    gz_status st = gz_npy_read(path, &t);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, t);
    return 1;
}

/* npy_save(path, t): atomic, C order */
static int l_npy_save(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    gz_tensor *t = gz_lua_checktensor(L, 2);
    gz_status st = gz_npy_write(path, t);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

int gz_lua_open_npy(lua_State *L);
int gz_lua_open_npy(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"npy_load", l_npy_load},
        {"npy_save", l_npy_save},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
