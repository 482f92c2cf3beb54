/* Lua bindings of the encoder engine: gaze.nn.Layer and gaze.nn.Value
 * userdata, losses on plain tensors and safetensors files. The module tree
 * (sequential, ResNet, MLP) is Lua in lib/gaze/nn/.
 *
 *   gaze.core.nn_layer(kind, {in=, out=, kernel=, stride=, pad=, bias=,
 *                             affine=, relu=, eps=, momentum=}) -> Layer
 *   layer:forward(x [, slot [, x2]]) -> Value   (x: Value or float32 Tensor)
 *   layer:backward(dy [, slot [, want_dx]]) -> dx [, dx2]
 *   layer:params() -> { {name=, tensor=, grad=}, ... }  (tensors share storage)
 *   layer:train(bool), layer:zero_grad(), layer:clear_cache()
 *   gaze.core.nn_value(tensor) -> Value;  value:tensor() -> plain copy
 *
 * Lifetimes: a layer's forward keeps its inputs reachable (uservalue table
 * of the layer, by slot) until the next forward of that slot; a Value made
 * by a layer keeps the layer alive; a closed layer makes its Values raise. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/nn.h"
#include "../core/safetensors.h"
#include "../core/text.h"
#include "l_tensor.h"
#include "lgaze.h"

#define LAYER_MT "gaze.nn.Layer"
#define VALUE_MT "gaze.nn.Value"

typedef struct {
    gz_nn_layer *l;
} layer_box;

typedef struct {
    const gz_nn_val *v;
    gz_nn_val *own;       /* made here from a tensor: freed by __gc */
    layer_box *owner;     /* layer that owns v (NULL for own) */
} value_box;

static const char VALUE_CACHE_KEY = 'v';

static layer_box *check_layer(lua_State *L, int idx)
{
    layer_box *b = luaL_checkudata(L, idx, LAYER_MT);
    if (!b->l)
        luaL_argerror(L, idx, "layer has been closed");
    return b;
}

static const gz_nn_val *value_of(lua_State *L, value_box *b, int idx)
{
    if (b->owner && !b->owner->l)
        luaL_argerror(L, idx, "value of a closed layer");
    if (!b->v)
        luaL_argerror(L, idx, "value has been closed");
    return b->v;
}

/* A Value or Tensor at idx -> value (a Tensor is wrapped into a new Value
 * userdata that replaces it on the stack). */
static const gz_nn_val *check_value(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    value_box *b = luaL_testudata(L, idx, VALUE_MT);
    if (b)
        return value_of(L, b, idx);
    gz_tensor *t = gz_lua_totensor(L, idx);
    if (!t)
        luaL_typeerror(L, idx, "gaze.nn.Value or gaze.Tensor");
    value_box *nb = lua_newuserdatauv(L, sizeof *nb, 1);
    memset(nb, 0, sizeof *nb);
    luaL_setmetatable(L, VALUE_MT);
    gz_nn_val *v;
    gz_status st = gz_nn_val_from_tensor(&v, t);
    if (st)
        return gz_lua_raise(L, st), NULL;
    nb->v = nb->own = v;
    lua_replace(L, idx);
    return v;
}

/* Pushes the Value userdata of a layer-owned value (cached per pointer). */
static void push_layer_value(lua_State *L, int layer_idx, const gz_nn_val *v)
{
    layer_idx = lua_absindex(L, layer_idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &VALUE_CACHE_KEY);
    lua_rawgetp(L, -1, v);
    if (!lua_isnil(L, -1)) {
        value_box *b = lua_touserdata(L, -1);
        if (b->owner == lua_touserdata(L, layer_idx) && b->v == v) {
            lua_remove(L, -2);
            return;
        }
    }
    lua_pop(L, 1);
    value_box *b = lua_newuserdatauv(L, sizeof *b, 1);
    b->v = v;
    b->own = NULL;
    b->owner = lua_touserdata(L, layer_idx);
    luaL_setmetatable(L, VALUE_MT);
    lua_pushvalue(L, layer_idx);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, v);
    lua_remove(L, -2);
}

static const char *const conf_keys[] = {"in", "out", "kernel", "stride", "pad", "bias",
                                        "affine", "relu", "eps", "momentum", "inplace", NULL};

static int l_nn_layer(lua_State *L)
{
    const char *kname = luaL_checkstring(L, 1);
    int kind = gz_nn_kind_parse(kname);
    if (kind < 0) {
        static const char *const kinds[] = {"conv2d", "batchnorm", "relu", "maxpool", "avgpool",
                                            "linear", "flatten", "add", NULL};
        return gz_lua_raise(L, gz_error_unknown("nn.layer", "layer kind", kname, kinds));
    }
    gz_nn_conf c = {.kind = (gz_nn_kind)kind, .kernel = 1, .stride = 1, .eps = 1e-5,
                    .momentum = 0.1, .affine = true};
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            int which = -1;
            for (int i = 0; conf_keys[i]; i++)
                if (!strcmp(k, conf_keys[i]))
                    which = i;
            if (which < 0)
                return gz_lua_raise(L, gz_error_unknown("nn.layer", "option", k, conf_keys));
            if (which <= 4) {
                int isint;
                lua_Integer v = lua_tointegerx(L, -1, &isint);
                if (!isint || v < 0 || v > (1 << 30))
                    return luaL_error(L, "nn.layer: option '%s' must be a non-negative integer", k);
                if (which == 0) c.in = v;
                else if (which == 1) c.out = v;
                else if (which == 2) c.kernel = (int)v;
                else if (which == 3) c.stride = (int)v;
                else c.pad = (int)v;
            } else if (which <= 7 || which == 10) {
                if (!lua_isboolean(L, -1))
                    return luaL_error(L, "nn.layer: option '%s' must be a boolean", k);
                bool v = lua_toboolean(L, -1);
                if (which == 5) c.bias = v;
                else if (which == 6) c.affine = v;
                else if (which == 7) c.relu = v;
                else c.inplace = v;
            } else {
                if (!lua_isnumber(L, -1))
                    return luaL_error(L, "nn.layer: option '%s' must be a number", k);
                if (which == 8) c.eps = lua_tonumber(L, -1);
                else c.momentum = lua_tonumber(L, -1);
            }
            lua_pop(L, 1);
        }
    }
    layer_box *b = lua_newuserdatauv(L, sizeof *b, 1);
    b->l = NULL;
    luaL_setmetatable(L, LAYER_MT);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
    gz_status st = gz_nn_layer_new(&b->l, &c);
    if (st)
        return gz_lua_raise(L, st);
    return 1;
}

static int check_slot(lua_State *L, int idx)
{
    lua_Integer s = luaL_optinteger(L, idx, 0);
    luaL_argcheck(L, s >= 0 && s < GZ_NN_SLOTS, idx, "slot out of range 0..7");
    return (int)s;
}

static int m_forward(lua_State *L)
{
    layer_box *b = check_layer(L, 1);
    int slot = check_slot(L, 3);
    const gz_nn_val *x = check_value(L, 2);
    const gz_nn_val *x2 = NULL;
    if (!lua_isnoneornil(L, 4))
        x2 = check_value(L, 4);
    lua_settop(L, 4);
    const gz_nn_val *y;
    gz_status st = gz_nn_forward(b->l, slot, x, x2, &y);
    if (st)
        return gz_lua_raise(L, st);
    /* keep the inputs reachable for backward */
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, slot + 1);
    lua_pushvalue(L, 4);
    lua_rawseti(L, -2, slot + 1 + GZ_NN_SLOTS);
    lua_pop(L, 1);
    push_layer_value(L, 1, y);
    return 1;
}

static int m_backward(lua_State *L)
{
    layer_box *b = check_layer(L, 1);
    int slot = check_slot(L, 3);
    bool want = lua_isnoneornil(L, 4) ? true : lua_toboolean(L, 4);
    const gz_nn_val *dy = check_value(L, 2);
    const gz_nn_val *dx = NULL, *dx2 = NULL;
    gz_status st = gz_nn_backward(b->l, slot, dy, want, &dx, &dx2);
    if (st)
        return gz_lua_raise(L, st);
    if (!want)
        return 0;
    /* dx may be dy itself (addition passes the gradient through) */
    if (dx == dy)
        lua_pushvalue(L, 2);
    else
        push_layer_value(L, 1, dx);
    if (!dx2)
        return 1;
    if (dx2 == dy)
        lua_pushvalue(L, 2);
    else
        push_layer_value(L, 1, dx2);
    return 2;
}

static void push_view(lua_State *L, gz_tensor *t)
{
    gz_tensor *v;
    gz_status st = gz_tensor_view(&v, t);
    if (st)
        gz_lua_raise(L, st);
    gz_lua_pushtensor(L, v);
}

static int m_params(lua_State *L)
{
    layer_box *b = check_layer(L, 1);
    int n = gz_nn_layer_nparams(b->l);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        const char *name;
        gz_tensor *g, *p = gz_nn_layer_param(b->l, i, &name, &g);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
        push_view(L, p);
        lua_setfield(L, -2, "tensor");
        if (g) {
            push_view(L, g);
            lua_setfield(L, -2, "grad");
        }
        lua_pushboolean(L, gz_nn_layer_param_trainable(b->l, i));
        lua_setfield(L, -2, "trainable");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int m_train(lua_State *L)
{
    layer_box *b = check_layer(L, 1);
    gz_nn_layer_set_training(b->l, lua_isnoneornil(L, 2) ? true : lua_toboolean(L, 2));
    return 0;
}

static int m_training(lua_State *L)
{
    lua_pushboolean(L, gz_nn_layer_training(check_layer(L, 1)->l));
    return 1;
}

static int m_zero_grad(lua_State *L)
{
    gz_nn_layer_zero_grad(check_layer(L, 1)->l);
    return 0;
}

/* Values of layer b become invalid: drop them from the value cache. */
static void drop_values(lua_State *L, layer_box *b)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &VALUE_CACHE_KEY);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        value_box *vb = lua_touserdata(L, -1);
        if (vb && vb->owner == b) {
            vb->v = NULL;
            /* forget it too: a new value may get the same address */
            lua_pushvalue(L, -2);
            lua_pushnil(L);
            lua_rawset(L, -5);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int m_clear_cache(lua_State *L)
{
    layer_box *b = check_layer(L, 1);
    drop_values(L, b);
    gz_nn_layer_clear_cache(b->l);
    return 0;
}

/* layer:no_grad([flag]) -> flag: sets (when given) and returns whether the
 * layer runs without gradients (its slots then share one cache entry and
 * its gradient tensors are freed: call params() again afterwards). */
static int m_no_grad(lua_State *L)
{
    layer_box *b = check_layer(L, 1);
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TBOOLEAN);
        bool flag = lua_toboolean(L, 2);
        if (flag != gz_nn_layer_no_grad(b->l))
            drop_values(L, b);
        gz_status st = gz_nn_layer_set_no_grad(b->l, flag);
        if (st)
            return gz_lua_raise(L, st);
    }
    lua_pushboolean(L, gz_nn_layer_no_grad(b->l));
    return 1;
}

static int m_kind(lua_State *L)
{
    lua_pushstring(L, gz_nn_kind_name(gz_nn_layer_conf(check_layer(L, 1)->l)->kind));
    return 1;
}

static int layer_gc(lua_State *L)
{
    layer_box *b = luaL_checkudata(L, 1, LAYER_MT);
    gz_nn_layer_free(b->l);
    b->l = NULL;
    return 0;
}

static int layer_tostring(lua_State *L)
{
    layer_box *b = luaL_checkudata(L, 1, LAYER_MT);
    if (!b->l) {
        lua_pushliteral(L, "gaze.nn.Layer(closed)");
        return 1;
    }
    const gz_nn_conf *c = gz_nn_layer_conf(b->l);
    lua_pushfstring(L, "gaze.nn.Layer(%s, in=%d, out=%d)", gz_nn_kind_name(c->kind), (int)c->in,
                    (int)c->out);
    return 1;
}

/* ---- values ---- */

static int l_nn_value(lua_State *L)
{
    gz_lua_checktensor(L, 1);
    check_value(L, 1);
    lua_settop(L, 1);
    return 1;
}

static int v_tensor(lua_State *L)
{
    const gz_nn_val *v = value_of(L, luaL_checkudata(L, 1, VALUE_MT), 1);
    gz_tensor *t;
    gz_status st = gz_nn_val_to_tensor(v, &t);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, t);
    return 1;
}

static int v_shape(lua_State *L)
{
    const gz_nn_val *v = value_of(L, luaL_checkudata(L, 1, VALUE_MT), 1);
    int64_t d[4];
    int n = gz_nn_val_shape(v, d);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushinteger(L, d[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int v_layout(lua_State *L)
{
    lua_pushstring(L, gz_nn_val_layout(value_of(L, luaL_checkudata(L, 1, VALUE_MT), 1)));
    return 1;
}

static int value_gc(lua_State *L)
{
    value_box *b = luaL_checkudata(L, 1, VALUE_MT);
    gz_nn_val_free(b->own);
    b->own = NULL;
    b->v = NULL;
    return 0;
}

static int value_tostring(lua_State *L)
{
    value_box *b = luaL_checkudata(L, 1, VALUE_MT);
    if (!b->v || (b->owner && !b->owner->l)) {
        lua_pushliteral(L, "gaze.nn.Value(closed)");
        return 1;
    }
    int64_t d[4];
    int n = gz_nn_val_shape(b->v, d);
    luaL_Buffer buf;
    luaL_buffinit(L, &buf);
    luaL_addstring(&buf, "gaze.nn.Value(");
    for (int i = 0; i < n; i++) {
        if (i)
            luaL_addstring(&buf, "x");
        lua_pushinteger(L, d[i]);
        luaL_addvalue(&buf);
    }
    luaL_addstring(&buf, ", ");
    luaL_addstring(&buf, gz_nn_val_layout(b->v));
    luaL_addstring(&buf, ")");
    luaL_pushresult(&buf);
    return 1;
}

/* ---- losses on plain tensors ---- */

/* A 2-D float32 tensor from a Tensor or Value argument (new reference
 * pushed on the stack top; the returned pointer lives while it stays). */
static gz_tensor *check_plain(lua_State *L, int idx)
{
    gz_tensor *t = gz_lua_totensor(L, idx);
    if (t && t->dtype == GZ_F32 && gz_tensor_is_contiguous(t)) {
        lua_pushvalue(L, idx);
        return t;
    }
    if (t)
        luaL_argerror(L, idx, "expected a contiguous float32 tensor");
    value_box *b = luaL_testudata(L, idx, VALUE_MT);
    if (!b)
        luaL_typeerror(L, idx, "gaze.Tensor or gaze.nn.Value");
    gz_tensor *o;
    gz_status st = gz_nn_val_to_tensor(value_of(L, b, idx), &o);
    if (st)
        gz_lua_raise(L, st);
    gz_lua_pushtensor(L, o);
    return o;
}

static gz_tensor *new_like(lua_State *L, const gz_tensor *t)
{
    gz_tensor *o;
    gz_status st = gz_tensor_new(&o, GZ_F32, t->ndim, t->shape);
    if (st)
        gz_lua_raise(L, st);
    gz_lua_pushtensor(L, o);
    return o;
}

static int l_l2norm(lua_State *L)
{
    double eps = luaL_optnumber(L, 2, 1e-12);
    gz_tensor *x = check_plain(L, 1);
    gz_tensor *y = new_like(L, x);
    gz_status st = gz_nn_l2norm_forward(x, y, eps);
    return st ? gz_lua_raise(L, st) : 1;
}

static int l_l2norm_backward(lua_State *L)
{
    double eps = luaL_optnumber(L, 3, 1e-12);
    gz_tensor *x = check_plain(L, 1), *dy = check_plain(L, 2);
    gz_tensor *dx = new_like(L, x);
    gz_status st = gz_nn_l2norm_backward(x, dy, dx, eps);
    return st ? gz_lua_raise(L, st) : 1;
}

static int l_cross_entropy(lua_State *L)
{
    gz_tensor *lab = gz_lua_checktensor(L, 2);
    gz_tensor *z = check_plain(L, 1);
    gz_tensor *g = new_like(L, z);
    double loss;
    gz_status st = gz_nn_softmax_ce(z, lab, &loss, g);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushnumber(L, loss);
    lua_insert(L, -2);
    return 2;
}

static int l_byol_loss(lua_State *L)
{
    double scale = luaL_optnumber(L, 3, 1.0);
    gz_tensor *p = check_plain(L, 1), *z = check_plain(L, 2);
    gz_tensor *g = new_like(L, p);
    double loss;
    gz_status st = gz_nn_byol_loss(p, z, scale, &loss, g);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushnumber(L, loss);
    lua_insert(L, -2);
    return 2;
}

static int l_prims_created(lua_State *L)
{
    lua_pushinteger(L, gz_nn_prims_created());
    return 1;
}

/* gaze.core.nn_release(v): gives back the lent buffer of a gradient or
 * no-grad output once nothing reads it (anything else: ignored) */
static int l_release(lua_State *L)
{
    value_box *b = luaL_testudata(L, 1, VALUE_MT);
    if (b && b->v && (!b->owner || b->owner->l))
        gz_nn_val_release(b->v);
    return 0;
}

/* gaze.core.nn_ref_prims() -> primitives on oneDNN's reference kernels */
static int l_ref_prims(lua_State *L)
{
    lua_pushinteger(L, gz_nn_ref_prims());
    return 1;
}

/* gaze.core.nn_engine_bytes() -> bytes held by the engine's buffers */
static int l_engine_bytes(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gz_nn_engine_bytes());
    return 1;
}

/* Monotonic wall-clock seconds (for benchmarks and training logs). */
static int l_clock(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
    return 1;
}

static int l_set_threads(lua_State *L)
{
    gz_nn_set_threads((int)luaL_checkinteger(L, 1));
    return 0;
}

/* ---- safetensors ---- */

/* safetensors_save(path, names, tensors [, meta]) */
static int l_st_save(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 2);
    luaL_argcheck(L, luaL_len(L, 3) == n, 3, "as many tensors as names");
    luaL_argcheck(L, n < 100000, 2, "too many tensors");
    int nm = 0;
    if (!lua_isnoneornil(L, 4)) {
        luaL_checktype(L, 4, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 4)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                return luaL_argerror(L, 4, "metadata must map strings to strings");
            nm++;
            lua_pop(L, 1);
        }
    }
    /* arrays as userdata so a raise frees them */
    const char **names = lua_newuserdatauv(L, sizeof *names * (size_t)(n + 1), 0);
    const gz_tensor **ts = lua_newuserdatauv(L, sizeof *ts * (size_t)(n + 1), 0);
    const char **mk = lua_newuserdatauv(L, sizeof *mk * (size_t)(nm + 1), 0);
    const char **mv = lua_newuserdatauv(L, sizeof *mv * (size_t)(nm + 1), 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        names[i - 1] = lua_tostring(L, -1);
        if (!names[i - 1])
            return luaL_argerror(L, 2, "names must be strings");
        lua_pop(L, 1); /* still referenced by the table */
        lua_geti(L, 3, i);
        ts[i - 1] = gz_lua_checktensor(L, -1);
        lua_pop(L, 1);
    }
    if (nm) {
        int k = 0;
        lua_pushnil(L);
        while (lua_next(L, 4)) {
            mk[k] = lua_tostring(L, -2);
            mv[k++] = lua_tostring(L, -1);
            lua_pop(L, 1);
        }
    }
    gz_status st = gz_safetensors_save(path, (int)n, names, ts, nm, mk, mv);
    return st ? gz_lua_raise(L, st) : 0;
}

/* safetensors_load(path) -> {name = tensor}, {names in order}, {meta} */
static int l_st_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    gz_safetensors *f;
    gz_status st = gz_safetensors_load(&f, path);
    if (st)
        return gz_lua_raise(L, st);
    int n = gz_safetensors_count(f);
    /* views first (they may fail), then Lua objects that may raise */
    gz_tensor **views = calloc((size_t)n + 1, sizeof *views);
    for (int i = 0; views && i < n && !st; i++)
        st = gz_tensor_view(&views[i], gz_safetensors_tensor(f, i));
    if (!views || st) {
        for (int i = 0; views && i < n; i++)
            gz_tensor_free(views[i]);
        free(views);
        gz_safetensors_free(f);
        return gz_lua_raise(L, views ? st : GZ_ERR_NOMEM);
    }
    /* lua_pushstring may raise on memory: accept the leak risk only of
     * strings; tensors are handed over one by one */
    lua_createtable(L, 0, n);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        gz_lua_pushtensor(L, views[i]);
        views[i] = NULL;
        lua_setfield(L, -3, gz_safetensors_name(f, i));
        lua_pushstring(L, gz_safetensors_name(f, i));
        lua_rawseti(L, -2, i + 1);
    }
    free(views);
    lua_createtable(L, 0, 4);
    for (int i = 0; i < gz_safetensors_meta_count(f); i++) {
        const char *k = gz_safetensors_meta_key(f, i);
        lua_pushstring(L, gz_safetensors_meta(f, k));
        lua_setfield(L, -2, k);
    }
    gz_safetensors_free(f);
    return 3;
}

int gz_lua_open_nn(lua_State *L);
int gz_lua_open_nn(lua_State *L)
{
    static const luaL_Reg layer_methods[] = {
        {"forward", m_forward}, {"backward", m_backward}, {"params", m_params},
        {"train", m_train}, {"training", m_training}, {"zero_grad", m_zero_grad},
        {"clear_cache", m_clear_cache}, {"no_grad", m_no_grad}, {"kind", m_kind},
        {"close", layer_gc}, {NULL, NULL},
    };
    static const luaL_Reg layer_meta[] = {
        {"__gc", layer_gc}, {"__close", layer_gc}, {"__tostring", layer_tostring}, {NULL, NULL},
    };
    static const luaL_Reg value_methods[] = {
        {"tensor", v_tensor}, {"shape", v_shape}, {"layout", v_layout}, {"release", l_release},
        {NULL, NULL},
    };
    static const luaL_Reg value_meta[] = {
        {"__gc", value_gc}, {"__close", value_gc}, {"__tostring", value_tostring}, {NULL, NULL},
    };
    gz_lua_newclass(L, LAYER_MT, layer_methods, layer_meta);
    gz_lua_newclass(L, VALUE_MT, value_methods, value_meta);
    /* weak-valued cache of layer-owned Value userdata */
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "v");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &VALUE_CACHE_KEY);
    static const luaL_Reg fns[] = {
        {"nn_layer", l_nn_layer},
        {"nn_value", l_nn_value},
        {"nn_l2norm", l_l2norm},
        {"nn_l2norm_backward", l_l2norm_backward},
        {"nn_cross_entropy", l_cross_entropy},
        {"nn_byol_loss", l_byol_loss},
        {"nn_prims_created", l_prims_created},
        {"nn_engine_bytes", l_engine_bytes},
        {"nn_ref_prims", l_ref_prims},
        {"nn_release", l_release},
        {"nn_set_threads", l_set_threads},
        {"nn_clock", l_clock},
        {"safetensors_save", l_st_save},
        {"safetensors_load", l_st_load},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
