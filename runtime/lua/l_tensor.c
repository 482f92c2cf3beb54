/* gaze.Tensor: N-d float32/float64/int64/uint8 arrays for Lua. */
#include "l_tensor.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>

#include "lgaze.h"

typedef struct {
    gz_tensor *t;
} tensor_box;

/* Makes the box (argument 1: the tensor as a light userdata); the box
 * owns the tensor only once nothing after can raise. */
static int new_box(lua_State *L)
{
    gz_tensor *t = lua_touserdata(L, 1);
    tensor_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->t = NULL;
    luaL_setmetatable(L, GZ_TENSOR_MT);
    b->t = t;
    return 1;
}

/* Tensor memory is allocated outside Lua, so the collector would see a
 * batch of megabytes as a box of a few bytes and let thousands pile up:
 * each new box adds its tensor's bytes to the collector's debt, as if Lua
 * had allocated them (whole KB; the remainder carries over). */
static _Thread_local size_t gc_pending;

static void account(lua_State *L, const gz_tensor *t)
{
    gc_pending += (size_t)gz_tensor_numel(t) * gz_dtype_size(t->dtype);
    if (gc_pending < 1024)
        return;
    size_t kb = gc_pending / 1024;
    if (kb > (size_t)1 << 30)
        kb = (size_t)1 << 30;
    gc_pending -= kb * 1024;
    lua_gc(L, LUA_GCSTEP, (int)kb);
}

void gz_lua_pushtensor(lua_State *L, gz_tensor *t)
{
    if (!lua_checkstack(L, 2)) {
        gz_tensor_free(t);
        luaL_error(L, "out of memory (Lua stack)");
    }
    lua_pushcfunction(L, new_box);
    lua_pushlightuserdata(L, t);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        gz_tensor_free(t);
        lua_error(L);
    }
    account(L, t);
}

gz_tensor *gz_lua_totensor(lua_State *L, int idx)
{
    tensor_box *b = luaL_testudata(L, idx, GZ_TENSOR_MT);
    return b ? b->t : NULL;
}

gz_tensor *gz_lua_checktensor(lua_State *L, int idx)
{
    tensor_box *b = luaL_checkudata(L, idx, GZ_TENSOR_MT);
    if (!b->t)
        luaL_argerror(L, idx, "tensor has been closed");
    return b->t;
}

static gz_dtype check_dtype(lua_State *L, int idx)
{
    static const char *const names[] = {"float32", "float64", "int64", "uint8", NULL};
    return (gz_dtype)luaL_checkoption(L, idx, "float64", names);
}

/* Reads a shape table {d0, d1, ...} at idx into shape; returns ndim. */
static int check_shape(lua_State *L, int idx, int64_t *shape)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_Integer n = luaL_len(L, idx);
    luaL_argcheck(L, n <= GZ_MAX_DIMS, idx, "too many dimensions");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        int isint;
        lua_Integer d = lua_tointegerx(L, -1, &isint);
        luaL_argcheck(L, isint && d >= 0, idx, "shape entries must be non-negative integers");
        shape[i - 1] = d;
        lua_pop(L, 1);
    }
    return (int)n;
}

/* gaze.core.tensor(shape [, dtype]) -> zero tensor */
static int l_tensor(lua_State *L)
{
    int64_t shape[GZ_MAX_DIMS];
    int nd = check_shape(L, 1, shape);
    gz_dtype dt = check_dtype(L, 2);
    gz_tensor *t;
    gz_status st = gz_tensor_new(&t, dt, nd, shape);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, t);
    return 1;
}

/* Shape of a nested table of numbers; returns ndim or -1 when ragged. */
static int nested_shape(lua_State *L, int idx, int64_t *shape)
{
    int nd = 0;
    lua_pushvalue(L, idx);
    while (lua_istable(L, -1)) {
        if (nd == GZ_MAX_DIMS) {
            lua_pop(L, 1);
            return -1;
        }
        shape[nd++] = (int64_t)luaL_len(L, -1);
        if (shape[nd - 1] == 0)
            break;
        lua_geti(L, -1, 1);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
    return nd;
}

/* Pushes element `flat`: a Lua integer for int64 (exact: int64 elements
 * go through gz_tensor_i64_at, not through double, so values beyond 2^53
 * survive; Lua 5.4 integers are 64-bit) and uint8, a float otherwise. */
static void push_elem(lua_State *L, const gz_tensor *t, int64_t flat)
{
    if (t->dtype == GZ_I64)
        lua_pushinteger(L, (lua_Integer)*gz_tensor_i64_at(t, flat));
    else if (t->dtype == GZ_U8)
        lua_pushinteger(L, (lua_Integer)gz_tensor_get_flat(t, flat));
    else
        lua_pushnumber(L, gz_tensor_get_flat(t, flat));
}

/* Stores the number at stack index idx (already checked) into element
 * `flat`: a Lua integer (or integral float) into int64 exactly, anything
 * else through double as before. */
static void set_elem(lua_State *L, gz_tensor *t, int64_t flat, int idx)
{
    int isint;
    lua_Integer v = lua_tointegerx(L, idx, &isint);
    if (t->dtype == GZ_I64 && isint) {
        *gz_tensor_i64_at(t, flat) = (int64_t)v;
        gz_tensor_touch(t);
    } else {
        gz_tensor_set_flat(t, flat, (double)lua_tonumber(L, idx));
    }
}

static int fill_nested(lua_State *L, gz_tensor *t, int dim, int64_t *flat)
{
    int64_t n = (int64_t)luaL_len(L, -1);
    if (n != t->shape[dim])
        return 0;
    for (int64_t i = 1; i <= n; i++) {
        lua_geti(L, -1, (lua_Integer)i);
        if (dim + 1 < t->ndim) {
            if (!lua_istable(L, -1) || !fill_nested(L, t, dim + 1, flat)) {
                lua_pop(L, 1);
                return 0;
            }
        } else {
            if (!lua_isnumber(L, -1)) {
                lua_pop(L, 1);
                return 0;
            }
            set_elem(L, t, (*flat)++, -1);
        }
        lua_pop(L, 1);
    }
    return 1;
}

/* gaze.core.tensor_from(nested_table [, dtype]) */
static int l_tensor_from(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    gz_dtype dt = check_dtype(L, 2);
    int64_t shape[GZ_MAX_DIMS];
    int nd = nested_shape(L, 1, shape);
    luaL_argcheck(L, nd >= 0, 1, "nesting too deep");
    gz_tensor *t;
    gz_status st = gz_tensor_new(&t, dt, nd, shape);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, t);
    lua_pushvalue(L, 1);
    int64_t flat = 0;
    int ok = fill_nested(L, t, 0, &flat);
    lua_pop(L, 1);
    if (!ok)
        return luaL_argerror(L, 1, "ragged table or non-number entry");
    return 1;
}

/* Flat index from Lua indices (1-based) at stack positions first.. */
static int64_t check_index(lua_State *L, const gz_tensor *t, int first, int count)
{
    if (count != t->ndim)
        luaL_error(L, "tensor of rank %d indexed with %d indices", t->ndim, count);
    int64_t flat = 0;
    for (int d = 0; d < t->ndim; d++) {
        lua_Integer i = luaL_checkinteger(L, first + d);
        if (i < 1 || i > t->shape[d])
            luaL_error(L, "index %d out of range: %d not in 1..%d", d + 1, (int)i,
                       (int)t->shape[d]);
        flat = flat * t->shape[d] + (i - 1);
    }
    return flat;
}

static int m_at(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1);
    int64_t f = check_index(L, t, 2, lua_gettop(L) - 1);
    push_elem(L, t, f);
    return 1;
}

static int m_set(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1);
    int top = lua_gettop(L);
    luaL_checknumber(L, top);
    int64_t f = check_index(L, t, 2, top - 2);
    set_elem(L, t, f, top);
    return 0;
}

static int m_shape(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1);
    lua_createtable(L, t->ndim, 0);
    for (int d = 0; d < t->ndim; d++) {
        lua_pushinteger(L, t->shape[d]);
        lua_rawseti(L, -2, d + 1);
    }
    return 1;
}

static int m_dtype(lua_State *L)
{
    lua_pushstring(L, gz_dtype_name(gz_lua_checktensor(L, 1)->dtype));
    return 1;
}

static int m_numel(lua_State *L)
{
    lua_pushinteger(L, gz_tensor_numel(gz_lua_checktensor(L, 1)));
    return 1;
}

static void push_nested(lua_State *L, const gz_tensor *t, int dim, int64_t *flat)
{
    if (dim == t->ndim) {
        push_elem(L, t, (*flat)++);
        return;
    }
    lua_createtable(L, (int)t->shape[dim], 0);
    for (int64_t i = 0; i < t->shape[dim]; i++) {
        push_nested(L, t, dim + 1, flat);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static int m_to_table(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1);
    luaL_checkstack(L, t->ndim + 4, "tensor too deep");
    int64_t flat = 0;
    push_nested(L, t, 0, &flat);
    return 1;
}

static int mm_gc(lua_State *L)
{
    tensor_box *b = luaL_checkudata(L, 1, GZ_TENSOR_MT);
    gz_tensor_free(b->t);
    b->t = NULL;
    return 0;
}

static int mm_tostring(lua_State *L)
{
    tensor_box *b = luaL_checkudata(L, 1, GZ_TENSOR_MT);
    if (!b->t) {
        lua_pushliteral(L, "gaze.Tensor(closed)");
        return 1;
    }
    luaL_Buffer buf;
    luaL_buffinit(L, &buf);
    luaL_addstring(&buf, "gaze.Tensor(");
    for (int d = 0; d < b->t->ndim; d++) {
        if (d)
            luaL_addstring(&buf, "x");
        lua_pushinteger(L, b->t->shape[d]);
        luaL_addvalue(&buf);
    }
    luaL_addstring(&buf, b->t->ndim ? ", " : "scalar, ");
    luaL_addstring(&buf, gz_dtype_name(b->t->dtype));
    luaL_addstring(&buf, ")");
    luaL_pushresult(&buf);
    return 1;
}

static int mm_len(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1);
    lua_pushinteger(L, t->ndim ? t->shape[0] : 0);
    return 1;
}

/* ---- operations (tensor_ops.c) ---- */

/* t is read after the call that fills it (argument order is unspecified) */
static int push_new(lua_State *L, gz_status st, gz_tensor **t)
{
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, *t);
    return 1;
}

static int m_clone(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1), *o;
    return push_new(L, gz_tensor_to(&o, t, t->dtype), &o);
}

static int m_to(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1), *o;
    gz_dtype dt = check_dtype(L, 2);
    return push_new(L, gz_tensor_to(&o, t, dt), &o);
}

static int m_copy(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1), *s = gz_lua_checktensor(L, 2);
    gz_status st = gz_tensor_copy(t, s);
    if (st)
        return gz_lua_raise(L, st);
    lua_settop(L, 1);
    return 1;
}

static int m_reshape(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1), *o;
    int64_t shape[GZ_MAX_DIMS];
    int nd = check_shape(L, 2, shape);
    return push_new(L, gz_tensor_reshape(&o, t, nd, shape), &o);
}

/* t:narrow(dim, start, len) with 1-based dim and start */
static int m_narrow(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1), *o;
    lua_Integer d = luaL_checkinteger(L, 2), s = luaL_checkinteger(L, 3), n = luaL_checkinteger(L, 4);
    return push_new(L, gz_tensor_narrow(&o, t, (int)(d - 1), s - 1, n), &o);
}

static int m_fill(lua_State *L)
{
    gz_tensor *t = gz_lua_checktensor(L, 1);
    double v = luaL_checknumber(L, 2);
    int isint;
    lua_Integer iv = lua_tointegerx(L, 2, &isint);
    if (t->dtype == GZ_I64 && isint) { /* exact beyond 2^53 */
        int64_t n = gz_tensor_numel(t);
        for (int64_t i = 0; i < n; i++)
            *gz_tensor_i64_at(t, i) = (int64_t)iv;
        gz_tensor_touch(t);
    } else {
        gz_tensor_fill(t, v);
    }
    lua_settop(L, 1);
    return 1;
}

/* t:fill_uniform(lo, hi, seed [, stream]); t:fill_normal(mean, std, seed [, stream]) */
static int m_fill_random(lua_State *L, bool normal)
{
    gz_tensor *t = gz_lua_checktensor(L, 1);
    double a = luaL_checknumber(L, 2), b = luaL_checknumber(L, 3);
    uint64_t seed = (uint64_t)luaL_checkinteger(L, 4), stream = (uint64_t)luaL_optinteger(L, 5, 0);
    if (normal)
        gz_tensor_fill_normal(t, a, b, seed, stream);
    else
        gz_tensor_fill_uniform(t, a, b, seed, stream);
    lua_settop(L, 1);
    return 1;
}
static int m_fill_uniform(lua_State *L) { return m_fill_random(L, false); }
static int m_fill_normal(lua_State *L) { return m_fill_random(L, true); }

static int arith(lua_State *L, gz_tensor_op op)
{
    gz_tensor *o, *a = gz_lua_totensor(L, 1);
    if (!a) { /* number op tensor (metamethods): only + and * commute */
        a = gz_lua_checktensor(L, 2);
        luaL_argcheck(L, op == GZ_OP_ADD || op == GZ_OP_MUL, 1, "tensor expected on the left");
        return push_new(L, gz_tensor_scalar(&o, a, luaL_checknumber(L, 1), op), &o);
    }
    if (lua_isnumber(L, 2))
        return push_new(L, gz_tensor_scalar(&o, a, lua_tonumber(L, 2), op), &o);
    return push_new(L, gz_tensor_binary(&o, a, gz_lua_checktensor(L, 2), op), &o);
}
static int m_add(lua_State *L) { return arith(L, GZ_OP_ADD); }
static int m_sub(lua_State *L) { return arith(L, GZ_OP_SUB); }
static int m_mul(lua_State *L) { return arith(L, GZ_OP_MUL); }
static int m_div(lua_State *L) { return arith(L, GZ_OP_DIV); }
static int m_maximum(lua_State *L) { return arith(L, GZ_OP_MAX); }
static int m_minimum(lua_State *L) { return arith(L, GZ_OP_MIN); }

static int m_unm(lua_State *L)
{
    gz_tensor *o, *a = gz_lua_checktensor(L, 1);
    return push_new(L, gz_tensor_scalar(&o, a, -1.0, GZ_OP_MUL), &o);
}

/* a:axpy(alpha, b): a += alpha * b in place */
static int m_axpy(lua_State *L)
{
    gz_tensor *a = gz_lua_checktensor(L, 1);
    double alpha = luaL_checknumber(L, 2);
    gz_status st = gz_tensor_axpy(a, alpha, gz_lua_checktensor(L, 3));
    if (st)
        return gz_lua_raise(L, st);
    lua_settop(L, 1);
    return 1;
}

/* t:sum(), t:max(), t:min() of an int64 tensor are exact Lua integers
 * (a sum outside int64 raises "tensor sum: int64 overflow: ..."); the
 * max/min of an empty tensor stay NaN as for every dtype. Other dtypes,
 * mean and norm are floats computed in double; t:op(dim) is a float64
 * tensor. */
static int reduce(lua_State *L, gz_tensor_reduce r)
{
    gz_tensor *t = gz_lua_checktensor(L, 1), *o;
    if (lua_isnoneornil(L, 2)) {
        if (t->dtype == GZ_I64 &&
            (r == GZ_RED_SUM || ((r == GZ_RED_MAX || r == GZ_RED_MIN) && gz_tensor_numel(t) > 0))) {
            int64_t v;
            gz_status st = gz_tensor_reduce_all_i64(t, r, &v);
            if (st)
                return gz_lua_raise(L, st);
            lua_pushinteger(L, (lua_Integer)v);
            return 1;
        }
        lua_pushnumber(L, gz_tensor_reduce_all(t, r));
        return 1;
    }
    return push_new(L, gz_tensor_reduce_dim(&o, t, (int)(luaL_checkinteger(L, 2) - 1), r), &o);
}
static int m_sum(lua_State *L) { return reduce(L, GZ_RED_SUM); }
static int m_mean(lua_State *L) { return reduce(L, GZ_RED_MEAN); }
static int m_max(lua_State *L) { return reduce(L, GZ_RED_MAX); }
static int m_min(lua_State *L) { return reduce(L, GZ_RED_MIN); }
static int m_norm(lua_State *L) { return reduce(L, GZ_RED_NORM); }

static int m_matmul(lua_State *L)
{
    gz_tensor *o;
    return push_new(L, gz_tensor_matmul(&o, gz_lua_checktensor(L, 1), gz_lua_checktensor(L, 2)), &o);
}

static int m_is_contiguous(lua_State *L)
{
    lua_pushboolean(L, gz_tensor_is_contiguous(gz_lua_checktensor(L, 1)));
    return 1;
}

int64_t *gz_lua_checkints(lua_State *L, int idx, int64_t *n, const char *what, int int64_only)
{
    gz_tensor *t = gz_lua_totensor(L, idx);
    if (t) {
        if (t->ndim != 1 || (int64_only && t->dtype != GZ_I64))
            luaL_argerror(L, idx, int64_only ? "expected a 1-D int64 tensor" : "expected a 1-D tensor");
        *n = t->shape[0];
        int64_t *buf = lua_newuserdatauv(L, (size_t)(*n > 0 ? *n : 1) * sizeof *buf, 0);
        for (int64_t i = 0; i < *n; i++)
            buf[i] = t->dtype == GZ_I64 ? *gz_tensor_i64_at(t, i) : (int64_t)gz_tensor_get_flat(t, i);
        return buf;
    }
    luaL_checktype(L, idx, LUA_TTABLE);
    *n = (int64_t)luaL_len(L, idx);
    int64_t *buf = lua_newuserdatauv(L, (size_t)(*n > 0 ? *n : 1) * sizeof *buf, 0);
    for (int64_t i = 0; i < *n; i++) {
        lua_geti(L, idx, (lua_Integer)(i + 1));
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint)
            luaL_error(L, "%s[%d] is not an integer", what, (int)(i + 1));
        buf[i] = (int64_t)v;
        lua_pop(L, 1);
    }
    return buf;
}

int gz_lua_open_tensor(lua_State *L);
int gz_lua_open_tensor(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"at", m_at}, {"set", m_set}, {"shape", m_shape}, {"dtype", m_dtype},
        {"numel", m_numel}, {"to_table", m_to_table}, {"close", mm_gc},
        {"clone", m_clone}, {"to", m_to}, {"copy", m_copy}, {"reshape", m_reshape},
        {"narrow", m_narrow}, {"fill", m_fill}, {"fill_uniform", m_fill_uniform},
        {"fill_normal", m_fill_normal}, {"add", m_add}, {"sub", m_sub}, {"mul", m_mul},
        {"div", m_div}, {"maximum", m_maximum}, {"minimum", m_minimum}, {"axpy", m_axpy},
        {"sum", m_sum}, {"mean", m_mean}, {"max", m_max}, {"min", m_min}, {"norm", m_norm},
        {"matmul", m_matmul}, {"is_contiguous", m_is_contiguous}, {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", mm_gc}, {"__close", mm_gc}, {"__tostring", mm_tostring}, {"__len", mm_len},
        {"__add", m_add}, {"__sub", m_sub}, {"__mul", m_mul}, {"__div", m_div}, {"__unm", m_unm},
        {NULL, NULL},
    };
    gz_lua_newclass(L, GZ_TENSOR_MT, methods, meta);
    static const luaL_Reg fns[] = {
        {"tensor", l_tensor}, {"tensor_from", l_tensor_from}, {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
