/* gaze.core image functions: image_read, image_to_grey, png_write. */
#include <lauxlib.h>

#include "../core/image.h"
#include "l_tensor.h"
#include "lgaze.h"

/* image_read(path) -> Tensor H x W x C float32, 0..255 */
static int l_image_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    gz_tensor *t;
    gz_status st = gz_image_read(path, &t);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, t);
    return 1;
}

/* image_to_grey(t) -> Tensor H x W float32 */
static int l_image_to_grey(lua_State *L)
{
    gz_tensor *img = gz_lua_checktensor(L, 1);
    gz_tensor *t;
    gz_status st = gz_image_to_grey(img, &t);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, t);
    return 1;
}

/* png_write(path, t [, bits = 8 | 16]): values on the 0..255 scale,
 * rounded and clamped (16 bits: scaled by 65535 / 255) */
static int l_png_write(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    gz_tensor *img = gz_lua_checktensor(L, 2);
    lua_Integer bits = luaL_optinteger(L, 3, 8);
    luaL_argcheck(L, bits == 8 || bits == 16, 3, "PNG bit depth must be 8 or 16");
    gz_status st = gz_png_write_depth(path, img, (int)bits);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

int gz_lua_open_image(lua_State *L);
int gz_lua_open_image(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"image_read", l_image_read},
        {"image_to_grey", l_image_to_grey},
        {"png_write", l_png_write},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
