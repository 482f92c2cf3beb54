/* gaze.Relation userdata, shared by the similarity bindings.
 *
 * A Relation owns one GZ_F64 tensor of shape N x N (scalar similarity) or
 * N x N x K (one value per dimension, multimatch dims=all) and one Lua
 * user value: its info table (ids, scheme, params, inputs_hash, ...), or
 * nil. */
#ifndef GZ_L_RELATION_H
#define GZ_L_RELATION_H

#include <lua.h>

#include "../core/tensor.h"

#define GZ_RELATION_MT "gaze.Relation"

/* Pushes a new, empty Relation (no tensor yet) and returns the slot for
 * its tensor; may raise (out of memory) before anything is owned, so call
 * it before allocating the tensor. Set *slot to hand the tensor over. */
gz_tensor **gz_lua_newrelation(lua_State *L);

/* The tensor of the Relation at idx (raises when not a live Relation). */
gz_tensor *gz_lua_checkrelation(lua_State *L, int idx);

/* The tensor at idx when it is a live Relation or a gaze.Tensor, else NULL. */
gz_tensor *gz_lua_torelation_or_tensor(lua_State *L, int idx);

#endif
