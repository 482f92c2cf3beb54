/* Lua bindings of the optimizer updates and the EMA (runtime/core/optim.h).
 *
 *   gaze.core.optim_step(kind, conf, params, grads, s1, s2, first)
 *       kind: "sgd" | "lars" | "adam" | "adamw"; conf: {lr=, weight_decay=,
 *       momentum=, dampening=, nesterov=, eta=, lars_exclude=, beta1=,
 *       beta2=, eps=, step=, grad_scale=}; params, grads, s1, s2: arrays of
 *       float32 tensors of equal length (s1/s2 may be nil when unused).
 *   gaze.core.ema(targets, onlines, m)  arrays of tensors, in place. */
#include <lauxlib.h>
#include <string.h>

#include "../core/optim.h"
#include "../core/text.h"
#include "l_tensor.h"
#include "lgaze.h"

static const char *const keys[] = {"lr", "weight_decay", "momentum", "dampening", "nesterov",
                                   "eta", "lars_exclude", "beta1", "beta2", "eps", "step",
                                   "grad_scale", NULL};

static gz_tensor *list_item(lua_State *L, int idx, lua_Integer i)
{
    if (lua_isnoneornil(L, idx))
        return NULL;
    lua_geti(L, idx, i);
    gz_tensor *t = gz_lua_checktensor(L, -1);
    lua_pop(L, 1); /* the list keeps it alive */
    return t;
}

static int l_optim_step(lua_State *L)
{
    static const char *const kinds[] = {"sgd", "lars", "adam", "adamw", NULL};
    gz_optim_conf c = {.kind = (gz_optim_kind)luaL_checkoption(L, 1, NULL, kinds), .eta = 0.001,
                       .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .step = 1, .grad_scale = 1};
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        int w = -1;
        for (int i = 0; keys[i]; i++)
            if (!strcmp(keys[i], k))
                w = i;
        if (w < 0)
            return gz_lua_raise(L, gz_error_unknown("optim", "option", k, keys));
        if (w == 4 || w == 6) {
            if (!lua_isboolean(L, -1))
                return luaL_error(L, "optim: option '%s' must be a boolean", k);
            if (w == 4) c.nesterov = lua_toboolean(L, -1);
            else c.lars_exclude = lua_toboolean(L, -1);
        } else {
            if (!lua_isnumber(L, -1))
                return luaL_error(L, "optim: option '%s' must be a number", k);
            double v = lua_tonumber(L, -1);
            switch (w) {
            case 0: c.lr = v; break;
            case 1: c.weight_decay = v; break;
            case 2: c.momentum = v; break;
            case 3: c.dampening = v; break;
            case 5: c.eta = v; break;
            case 7: c.beta1 = v; break;
            case 8: c.beta2 = v; break;
            case 9: c.eps = v; break;
            case 10: c.step = (int64_t)v; break;
            default: c.grad_scale = v; break;
            }
        }
        lua_pop(L, 1);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    luaL_checktype(L, 4, LUA_TTABLE);
    bool first = lua_toboolean(L, 7);
    lua_Integer n = luaL_len(L, 3);
    luaL_argcheck(L, luaL_len(L, 4) == n, 4, "as many gradients as parameters");
    for (int idx = 5; idx <= 6; idx++)
        if (!lua_isnoneornil(L, idx)) {
            luaL_checktype(L, idx, LUA_TTABLE);
            luaL_argcheck(L, luaL_len(L, idx) == n, idx, "as many state tensors as parameters");
        }
    for (lua_Integer i = 1; i <= n; i++) {
        gz_tensor *p = list_item(L, 3, i), *g = list_item(L, 4, i);
        gz_tensor *s1 = list_item(L, 5, i), *s2 = list_item(L, 6, i);
        gz_status st = gz_optim_step(&c, p, g, s1, s2, first);
        if (st)
            return gz_lua_raise(L, st);
    }
    return 0;
}

static int l_ema(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    double m = luaL_checknumber(L, 3);
    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, luaL_len(L, 2) == n, 2, "as many online tensors as target tensors");
    for (lua_Integer i = 1; i <= n; i++) {
        gz_status st = gz_optim_ema(list_item(L, 1, i), list_item(L, 2, i), m);
        if (st)
            return gz_lua_raise(L, st);
    }
    return 0;
}

int gz_lua_open_optim(lua_State *L);
int gz_lua_open_optim(lua_State *L)
{
    static const luaL_Reg fns[] = {{"optim_step", l_optim_step}, {"ema", l_ema}, {NULL, NULL}};
    gz_lua_setfuncs(L, fns);
    return 0;
}
