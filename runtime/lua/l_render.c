/* Heatmap rendering and the spec's bilinear resize for Lua
 * (runtime/core/heatmap.h, shared/spec/similarity.md section 2).
 *
 *   gaze.core.render(src, W, H [, g]) -> GZ_F64 tensor H x W
 *       src: a gaze.Gaze (weight = duration for fixations, 1 for samples)
 *            or a list of points {{x, y [, w]}, ...} (w defaults to 1);
 *       g: kernel side (default int(H / 10); g <= 0 gives an all-zero map).
 *   gaze.core.resize(t, w, h) -> GZ_F64 tensor h x w (t: 2-d tensor, any dtype) */
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/heatmap.h"
#include "../core/tensor.h"
#include "l_gaze.h"
#include "l_tensor.h"
#include "lgaze.h"

static int check_side(lua_State *L, int idx, const char *what)
{
    lua_Integer v = luaL_checkinteger(L, idx);
    if (v < 1 || v > GZ_HEATMAP_MAX_SIDE)
        luaL_error(L, "render: %s must be 1..%d, got %d", what, GZ_HEATMAP_MAX_SIDE, (int)v);
    return (int)v;
}

/* Points table at idx: checks every entry; returns the count. */
static size_t check_points(lua_State *L, int idx)
{
    size_t n = (size_t)lua_rawlen(L, idx);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i);
        if (!lua_istable(L, -1))
            luaL_error(L, "render: point %d must be {x, y [, w]}", (int)i);
        for (int k = 1; k <= 3; k++) {
            lua_rawgeti(L, -1, k);
            int ok;
            lua_tonumberx(L, -1, &ok);
            if (!ok && !(k == 3 && lua_isnil(L, -1)))
                luaL_error(L, "render: point %d: entry %d must be a number", (int)i, k);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    return n;
}

static int l_render(lua_State *L)
{
    gz_gaze *g = gz_lua_togaze(L, 1);
    if (!g && !lua_istable(L, 1))
        return luaL_argerror(L, 1, "expected a gaze.Gaze or a list of points {{x, y [, w]}, ...}");
    if (g)
        gz_lua_checkgaze(L, 1); /* raises when closed */
    int W = check_side(L, 2, "canvas width"), H = check_side(L, 3, "canvas height");
    lua_Integer k = luaL_optinteger(L, 4, gz_heatmap_default_kernel(H));
    if (k > 4 * GZ_HEATMAP_MAX_SIDE)
        return luaL_error(L, "render: kernel side %d too large", (int)k);
    size_t n = g ? g->n : check_points(L, 1);
    int64_t shape[2] = {H, W};
    gz_tensor *t;
    gz_status st = gz_tensor_new(&t, GZ_F64, 2, shape);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, t); /* Lua owns the output from here */
    double *xs = NULL;
    if (g) {
        const double *w = g->kind == GZ_GAZE_FIXATIONS ? g->dur : NULL;
        st = gz_heatmap_render(g->x, g->y, w, g->n, W, H, (int)(k < 0 ? 0 : k), t->data);
    } else {
        xs = malloc((n ? n : 1) * 3 * sizeof(double));
        if (!xs)
            return luaL_error(L, "render: out of memory");
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, 1, (lua_Integer)i + 1);
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            lua_rawgeti(L, -3, 3);
            xs[i] = lua_tonumber(L, -3);
            xs[n + i] = lua_tonumber(L, -2);
            xs[2 * n + i] = lua_isnil(L, -1) ? 1.0 : lua_tonumber(L, -1);
            lua_pop(L, 4);
        }
        st = gz_heatmap_render(xs, xs + n, xs + 2 * n, n, W, H, (int)(k < 0 ? 0 : k), t->data);
        free(xs);
    }
    if (st)
        return gz_lua_raise(L, st);
    return 1;
}

static int l_resize(lua_State *L)
{
    gz_tensor *src = gz_lua_checktensor(L, 1);
    lua_Integer w = luaL_checkinteger(L, 2), h = luaL_checkinteger(L, 3);
    luaL_argcheck(L, src->ndim == 2, 1, "resize needs a 2-d tensor (H x W)");
    luaL_argcheck(L, src->shape[0] >= 1 && src->shape[1] >= 1, 1, "resize: empty tensor");
    luaL_argcheck(L, w >= 1 && w <= GZ_HEATMAP_MAX_SIDE, 2, "width must be 1..16384");
    luaL_argcheck(L, h >= 1 && h <= GZ_HEATMAP_MAX_SIDE, 3, "height must be 1..16384");
    luaL_argcheck(L, src->shape[0] <= 65535 && src->shape[1] <= 65535, 1, "resize: tensor too large");
    int sh = (int)src->shape[0], sw = (int)src->shape[1];
    int64_t shape[2] = {h, w};
    gz_tensor *dst;
    gz_status st = gz_tensor_new(&dst, GZ_F64, 2, shape);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, dst);
    const double *data;
    double *copy = NULL;
    if (src->dtype == GZ_F64 && gz_tensor_is_contiguous(src)) {
        data = src->data;
    } else {
        copy = malloc((size_t)sw * (size_t)sh * sizeof(double));
        if (!copy)
            return luaL_error(L, "resize: out of memory");
        for (int64_t i = 0; i < (int64_t)sw * sh; i++)
            copy[i] = gz_tensor_get_flat(src, i);
        data = copy;
    }
    gz_resize_bilinear(data, sw, sh, dst->data, (int)w, (int)h);
    free(copy);
    return 1;
}

int gz_lua_open_render(lua_State *L);
int gz_lua_open_render(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"render", l_render},
        {"resize", l_resize},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
