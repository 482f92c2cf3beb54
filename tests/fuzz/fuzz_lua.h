/* Lua state for the harnesses that drive the Lua layer (fuzz_manifest,
 * fuzz_recipe): the standard libraries, gaze.core preloaded and
 * package.path pointing at lib/ (GZ_FUZZ_LIB, set by the Makefile to the
 * checkout's lib folder; $GAZELAB_LIB overrides). */
#ifndef GZ_FUZZ_LUA_H
#define GZ_FUZZ_LUA_H

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdlib.h>

#ifndef GZ_FUZZ_LIB
#define GZ_FUZZ_LIB "lib"
#endif

int luaopen_gaze_core(lua_State *L);

__attribute__((unused)) static lua_State *fuzz_lua_new(lua_Alloc alloc, void *ud)
{
    lua_State *L = alloc ? lua_newstate(alloc, ud) : luaL_newstate();
    if (!L)
        abort();
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_gaze_core);
    lua_setfield(L, -2, "gaze.core");
    lua_pop(L, 1);
    const char *lib = getenv("GAZELAB_LIB");
    if (!lib || !*lib)
        lib = GZ_FUZZ_LIB;
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua", lib, lib);
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
    return L;
}

/* Runs `code` (a chunk of this harness, not fuzz data); aborts on error. */
__attribute__((unused)) static void fuzz_lua_do(lua_State *L, const char *code)
{
    if (luaL_dostring(L, code) != LUA_OK) {
        fprintf(stderr, "harness setup failed: %s\n", lua_tostring(L, -1));
        abort();
    }
}

/* Runs `code` (a chunk of this harness, not fuzz data) with the harness's
 * scratch folder `dir` as its argument and keeps the function it returns in
 * the registry under `key`; aborts on error. */
__attribute__((unused)) static void fuzz_lua_setup(lua_State *L, const char *code, const char *dir,
                                                   const char *key)
{
    if (luaL_loadstring(L, code) != LUA_OK)
        abort();
    lua_pushstring(L, dir);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        fprintf(stderr, "harness setup failed: %s\n", lua_tostring(L, -1));
        abort();
    }
    lua_setfield(L, LUA_REGISTRYINDEX, key);
}

#endif
