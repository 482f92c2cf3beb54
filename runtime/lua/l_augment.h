/* gaze.AugPipeline userdata, shared with the loader binding. */
#ifndef GZ_L_AUGMENT_H
#define GZ_L_AUGMENT_H

#include <lua.h>

#include "../core/augment.h"

#define GZ_AUG_PIPELINE_MT "gaze.AugPipeline"

/* The pipeline at idx (raises a type error otherwise, or when closed);
 * borrowed: valid while the userdata lives. */
gz_aug_pipeline *gz_lua_checkpipeline(lua_State *L, int idx);

#endif
