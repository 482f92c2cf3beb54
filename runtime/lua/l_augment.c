/* gaze.AugPipeline and the augmentation helpers of gaze.core:
 *   augment_pipeline(ops) -> gaze.AugPipeline   (ops: the flat, checked list
 *       lib/gaze/augment.lua builds: {kind=, p=, height=, width=, ...})
 *   pipeline:apply(img, seed, stream [, heat]) -> Tensor C x H x W
 *   pipeline:size(), pipeline:out_size(h, w), pipeline:uses_heat()
 *   augment_stream(epoch, index, view) -> integer
 *   augment_from_image(img, channels) / augment_to_image(chw) -> Tensor
 *   augment_kinds() -> list of op names */
#include <string.h>

#include "../core/augment.h"
#include "l_augment.h"
#include "l_tensor.h"
#include "lgaze.h"

typedef struct pipe_box {
    gz_aug_pipeline *p;
} pipe_box;

gz_aug_pipeline *gz_lua_checkpipeline(lua_State *L, int idx)
{
    pipe_box *b = luaL_checkudata(L, idx, GZ_AUG_PIPELINE_MT);
    if (!b->p)
        luaL_argerror(L, idx, "the pipeline is closed");
    return b->p;
}

/* ---- reading one op table (at the top of the stack) ---- */

static double num_field(lua_State *L, int k, const char *key, double dflt)
{
    lua_getfield(L, -1, key);
    double v = dflt;
    if (!lua_isnil(L, -1)) {
        if (!lua_isnumber(L, -1))
            luaL_error(L, "augment op %d: %s must be a number", k, key);
        v = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

static int int_field(lua_State *L, int k, const char *key, int dflt)
{
    double v = num_field(L, k, key, dflt);
    if (!(v >= -2147483647.0 && v <= 2147483647.0) || v != (double)(int)v)
        luaL_error(L, "augment op %d: %s must be an integer", k, key);
    return (int)v;
}

static void pair_field(lua_State *L, int k, const char *key, double out[2])
{
    lua_getfield(L, -1, key);
    if (lua_isnumber(L, -1)) {
        out[0] = out[1] = lua_tonumber(L, -1);
    } else if (lua_istable(L, -1)) {
        if (luaL_len(L, -1) != 2)
            luaL_error(L, "augment op %d: %s must be {lo, hi}", k, key);
        for (int i = 0; i < 2; i++) {
            lua_geti(L, -1, i + 1);
            if (!lua_isnumber(L, -1))
                luaL_error(L, "augment op %d: %s must be {lo, hi}", k, key);
            out[i] = lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "augment op %d: %s must be {lo, hi}", k, key);
    }
    lua_pop(L, 1);
}

static int list_field(lua_State *L, int k, const char *key, double *out, int max)
{
    lua_getfield(L, -1, key);
    int n = 0;
    if (lua_isnumber(L, -1)) {
        out[0] = lua_tonumber(L, -1);
        n = 1;
    } else if (lua_istable(L, -1)) {
        lua_Integer len = luaL_len(L, -1);
        if (len < 1 || len > max)
            luaL_error(L, "augment op %d: %s needs 1 to %d numbers", k, key, max);
        for (int i = 0; i < (int)len; i++) {
            lua_geti(L, -1, i + 1);
            if (!lua_isnumber(L, -1))
                luaL_error(L, "augment op %d: %s must hold numbers", k, key);
            out[i] = lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
        n = (int)len;
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "augment op %d: %s must be a number or a list", k, key);
    }
    lua_pop(L, 1);
    return n;
}

static void read_op(lua_State *L, int k, gz_aug_op *op)
{
    lua_getfield(L, -1, "kind");
    const char *name = lua_tostring(L, -1);
    int kind = -1;
    for (int i = 0; name && i < GZ_AUG_KIND_COUNT; i++)
        if (strcmp(name, gz_aug_kind_name((gz_aug_kind)i)) == 0)
            kind = i;
    if (kind < 0)
        luaL_error(L, "augment op %d: unknown kind '%s'", k, name ? name : "?");
    lua_pop(L, 1);
    *op = gz_aug_op_default((gz_aug_kind)kind);
    op->p = num_field(L, k, "p", op->p);
    op->height = int_field(L, k, "height", op->height);
    op->width = int_field(L, k, "width", op->width);
    pair_field(L, k, "scale", op->scale);
    pair_field(L, k, "ratio", op->ratio);
    lua_getfield(L, -1, "interpolation");
    if (!lua_isnil(L, -1)) {
        static const char *const names[] = {"nearest", "bilinear", "bicubic", NULL};
        const char *s = lua_tostring(L, -1);
        int found = -1;
        for (int i = 0; s && names[i]; i++)
            if (strcmp(s, names[i]) == 0)
                found = i;
        if (found < 0)
            luaL_error(L, "augment op %d: interpolation must be nearest, bilinear or bicubic", k);
        op->interp = (gz_interp)found;
    }
    lua_pop(L, 1);
    lua_getfield(L, -1, "antialias");
    if (!lua_isnil(L, -1))
        op->antialias = lua_toboolean(L, -1);
    lua_pop(L, 1);
    pair_field(L, k, "degrees", op->degrees);
    op->fill = num_field(L, k, "fill", op->fill);
    pair_field(L, k, "brightness", op->brightness);
    pair_field(L, k, "contrast", op->contrast);
    pair_field(L, k, "saturation", op->saturation);
    pair_field(L, k, "hue", op->hue);
    pair_field(L, k, "sigma", op->sigma);
    op->threshold = num_field(L, k, "threshold", op->threshold);
    int nm = list_field(L, k, "mean", op->mean, 4);
    int ns = list_field(L, k, "std", op->std, 4);
    if (nm || ns) {
        if (nm != ns)
            luaL_error(L, "augment op %d: mean has %d values but std has %d", k, nm, ns);
        op->nmean = nm;
    }
    op->min_mass = num_field(L, k, "min_mass", op->min_mass);
    op->attempts = int_field(L, k, "attempts", op->attempts);
    op->span = int_field(L, k, "span", op->span);
}

/* augment_pipeline(ops) -> gaze.AugPipeline */
static int l_augment_pipeline(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    if (n < 0 || n > 4096)
        return luaL_error(L, "augment: a pipeline has 0..4096 ops, got %d", (int)n);
    /* Lua-owned scratch: nothing leaks if reading raises */
    gz_aug_op *ops = lua_newuserdatauv(L, sizeof(gz_aug_op) * (size_t)(n > 0 ? n : 1), 0);
    for (int k = 0; k < (int)n; k++) {
        lua_geti(L, 1, k + 1);
        luaL_checktype(L, -1, LUA_TTABLE);
        read_op(L, k + 1, &ops[k]);
        lua_pop(L, 1);
    }
    pipe_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->p = NULL;
    luaL_setmetatable(L, GZ_AUG_PIPELINE_MT);
    gz_status st = gz_aug_pipeline_new(&b->p, ops, (int)n);
    if (st)
        return gz_lua_raise(L, st);
    return 1;
}

/* pipeline:apply(img, seed, stream [, heat]) -> Tensor */
static int m_apply(lua_State *L)
{
    gz_aug_pipeline *p = gz_lua_checkpipeline(L, 1);
    gz_tensor *img = gz_lua_checktensor(L, 2);
    uint64_t seed = (uint64_t)luaL_checkinteger(L, 3);
    uint64_t stream = (uint64_t)luaL_checkinteger(L, 4);
    gz_tensor *heat = lua_isnoneornil(L, 5) ? NULL : gz_lua_checktensor(L, 5);
    gz_tensor *out;
    gz_status st = gz_aug_apply(p, img, heat, seed, stream, &out);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, out);
    return 1;
}

static int m_size(lua_State *L)
{
    lua_pushinteger(L, gz_aug_pipeline_size(gz_lua_checkpipeline(L, 1)));
    return 1;
}

static int m_uses_heat(lua_State *L)
{
    lua_pushboolean(L, gz_aug_pipeline_uses_heat(gz_lua_checkpipeline(L, 1)));
    return 1;
}

/* pipeline:out_size(h, w) -> h, w */
static int m_out_size(lua_State *L)
{
    gz_aug_pipeline *p = gz_lua_checkpipeline(L, 1);
    lua_Integer h = luaL_checkinteger(L, 2), w = luaL_checkinteger(L, 3);
    luaL_argcheck(L, h >= 1 && h <= GZ_AUG_MAX_SIDE, 2, "height out of range");
    luaL_argcheck(L, w >= 1 && w <= GZ_AUG_MAX_SIDE, 3, "width out of range");
    int oh, ow;
    gz_aug_pipeline_out_size(p, (int)h, (int)w, &oh, &ow);
    lua_pushinteger(L, oh);
    lua_pushinteger(L, ow);
    return 2;
}

static int mm_gc(lua_State *L)
{
    pipe_box *b = luaL_checkudata(L, 1, GZ_AUG_PIPELINE_MT);
    gz_aug_pipeline_free(b->p);
    b->p = NULL;
    return 0;
}

static int mm_tostring(lua_State *L)
{
    pipe_box *b = luaL_checkudata(L, 1, GZ_AUG_PIPELINE_MT);
    if (!b->p) {
        lua_pushliteral(L, "gaze.AugPipeline(closed)");
        return 1;
    }
    luaL_Buffer buf;
    luaL_buffinit(L, &buf);
    luaL_addstring(&buf, "gaze.AugPipeline(");
    int n = gz_aug_pipeline_size(b->p);
    for (int k = 0; k < n; k++) {
        if (k)
            luaL_addstring(&buf, ", ");
        luaL_addstring(&buf, gz_aug_kind_name(gz_aug_pipeline_op(b->p, k)->kind));
    }
    luaL_addstring(&buf, ")");
    luaL_pushresult(&buf);
    return 1;
}

/* augment_stream(epoch, index, view) -> integer */
static int l_augment_stream(lua_State *L)
{
    uint64_t e = (uint64_t)luaL_checkinteger(L, 1);
    uint64_t i = (uint64_t)luaL_checkinteger(L, 2);
    uint64_t v = (uint64_t)luaL_checkinteger(L, 3);
    lua_pushinteger(L, (lua_Integer)gz_aug_stream(e, i, v));
    return 1;
}

static int l_augment_from_image(lua_State *L)
{
    gz_tensor *img = gz_lua_checktensor(L, 1);
    lua_Integer c = luaL_optinteger(L, 2, 1);
    luaL_argcheck(L, c == 1 || c == 3, 2, "channels must be 1 or 3");
    gz_tensor *out;
    gz_status st = gz_aug_from_image(img, (int)c, &out);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, out);
    return 1;
}

static int l_augment_to_image(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1);
    gz_tensor *out;
    gz_status st = gz_aug_to_image(t, &out);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, out);
    return 1;
}

static int l_augment_kinds(lua_State *L)
{
    lua_createtable(L, GZ_AUG_KIND_COUNT, 0);
    for (int i = 0; i < GZ_AUG_KIND_COUNT; i++) {
        lua_pushstring(L, gz_aug_kind_name((gz_aug_kind)i));
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

int gz_lua_open_augment(lua_State *L);
int gz_lua_open_augment(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"apply", m_apply},       {"size", m_size},   {"out_size", m_out_size},
        {"uses_heat", m_uses_heat}, {"close", mm_gc}, {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", mm_gc}, {"__close", mm_gc}, {"__tostring", mm_tostring}, {NULL, NULL},
    };
    gz_lua_newclass(L, GZ_AUG_PIPELINE_MT, methods, meta);
    static const luaL_Reg fns[] = {
        {"augment_pipeline", l_augment_pipeline},
        {"augment_stream", l_augment_stream},
        {"augment_from_image", l_augment_from_image},
        {"augment_to_image", l_augment_to_image},
        {"augment_kinds", l_augment_kinds},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
