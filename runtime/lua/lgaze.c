/* Shared binding helpers and luaopen_gaze_core, which opens every binding
 * listed in the generated modules.h. */
#include "lgaze.h"

#include "../core/text.h"

#include <string.h>

int gz_lua_raise(lua_State *L, gz_status st)
{
    const char *msg = gz_error_message();
    if (!msg || !*msg)
        msg = gz_status_name(st);
    lua_pushstring(L, msg);
    return lua_error(L);
}

void gz_lua_newclass(lua_State *L, const char *tname, const luaL_Reg *methods,
                     const luaL_Reg *meta)
{
    if (!luaL_newmetatable(L, tname)) {
        lua_pop(L, 1);
        return;
    }
    if (meta)
        luaL_setfuncs(L, meta, 0);
    lua_newtable(L);
    if (methods)
        luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

void gz_lua_check_options(lua_State *L, int idx, const char *where, const char *const *names)
{
    idx = lua_absindex(L, idx);
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: option keys must be strings", where);
        const char *k = lua_tostring(L, -1);
        int ok = 0;
        for (int i = 0; names[i]; i++)
            ok |= strcmp(k, names[i]) == 0;
        if (!ok) {
            char buf[256];
            gz_format_unknown(buf, sizeof buf, "option", k, names);
            luaL_error(L, "%s: %s", where, buf);
        }
    }
}

void gz_lua_setfuncs(lua_State *L, const luaL_Reg *fns)
{
    luaL_setfuncs(L, fns, 0);
}

#define GZ_LUA_MODULE(name) int gz_lua_open_##name(lua_State *L);
#include "modules.h"
#undef GZ_LUA_MODULE

int luaopen_gaze_core(lua_State *L);
int luaopen_gaze_core(lua_State *L)
{
    lua_newtable(L);
#define GZ_LUA_MODULE(name) gz_lua_open_##name(L);
#include "modules.h"
#undef GZ_LUA_MODULE
    return 1;
}
