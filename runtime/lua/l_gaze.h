/* gaze.Gaze userdata: one gaze record (runtime/core/gaze.h) for Lua,
 * shared with other bindings (similarity schemes, rendering, plots). */
#ifndef GZ_L_GAZE_H
#define GZ_L_GAZE_H

#include <lua.h>

#include "../core/gaze.h"

#define GZ_GAZE_MT "gaze.Gaze"

/* Pushes a gaze.Gaze that takes ownership of g (g is freed with the
 * userdata; if Lua cannot allocate the userdata, memory is exhausted and
 * the error is raised). */
void gz_lua_pushgaze(lua_State *L, gz_gaze *g);

/* The record at idx (borrowed; raises a type error otherwise or when the
 * record has been closed). */
gz_gaze *gz_lua_checkgaze(lua_State *L, int idx);

/* The record at idx or NULL when it is not a live gaze.Gaze. */
gz_gaze *gz_lua_togaze(lua_State *L, int idx);

#endif
