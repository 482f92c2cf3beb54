/* gaze.Tensor userdata, shared with other bindings. */
#ifndef GZ_L_TENSOR_H
#define GZ_L_TENSOR_H

#include <lua.h>

#include "../core/tensor.h"

#define GZ_TENSOR_MT "gaze.Tensor"

/* Pushes a gaze.Tensor that takes ownership of t (on allocation failure t
 * is freed, then the error is raised). The tensor's bytes are added to
 * the Lua collector's debt (lua_gc LUA_GCSTEP), so that garbage tensors
 * are collected at the pace new ones are made. */
void gz_lua_pushtensor(lua_State *L, gz_tensor *t);

/* The tensor at idx (raises a type error otherwise, or when freed). */
gz_tensor *gz_lua_checktensor(lua_State *L, int idx);

/* The tensor at idx or NULL when it is not a live gaze.Tensor. */
gz_tensor *gz_lua_totensor(lua_State *L, int idx);

/* Reads an integer list at idx (a Lua table of integers, or a 1-D tensor:
 * of dtype int64 when int64_only, else any dtype) into a buffer owned by a
 * userdata pushed on the stack; returns it with its length in *n. Raises
 * naming `what` ("labels[3] is not an integer"). */
int64_t *gz_lua_checkints(lua_State *L, int idx, int64_t *n, const char *what, int int64_only);

#endif
