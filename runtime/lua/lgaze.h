/* Shared helpers for the Lua bindings of runtime/core.
 *
 * Each binding file runtime/lua/l_NAME.c defines
 *     int gz_lua_open_NAME(lua_State *L);
 * which is called by luaopen_gaze_core with the gaze.core table on top of
 * the stack; it adds its functions and registers its metatables, and must
 * leave the stack as it found it. The Makefile generates the list of
 * modules from the file names, so adding a binding needs no other edit.
 *
 * Binding rules (design.md): check every argument first, allocate second,
 * raise last; never hold C memory across a raise. */
#ifndef GZ_LGAZE_H
#define GZ_LGAZE_H

#include <lauxlib.h>
#include <lua.h>

#include "../core/error.h"

/* Raises a Lua error whose message is gz_error_message() (or the status
 * name when empty). Never returns. */
int gz_lua_raise(lua_State *L, gz_status st);

/* Creates metatable `tname` (e.g. "gaze.Tensor") with __name, __index set
 * to a fresh table holding `methods`, and the metamethods in `meta`.
 * Leaves the stack unchanged. */
void gz_lua_newclass(lua_State *L, const char *tname, const luaL_Reg *methods,
                     const luaL_Reg *meta);

/* Checks that the table at idx has only string keys listed in the
 * NULL-terminated `names`; raises "WHERE: unknown option 'k' (did you mean
 * 'x'?)" or "WHERE: option keys must be strings". */
void gz_lua_check_options(lua_State *L, int idx, const char *where, const char *const *names);

/* Adds the functions in `fns` to the table on top of the stack. */
void gz_lua_setfuncs(lua_State *L, const luaL_Reg *fns);

#endif
