/* gaze.Rng: the seeded counter-based generator for Lua, plus the pure
 * functions of (seed, stream, index). Seeds, streams and indices are Lua
 * integers read as 64-bit patterns (a negative integer is a value >= 2^63);
 * stream components may also be strings, hashed with 64-bit FNV-1a. */
#include "../core/rng.h"
#include "lgaze.h"

#define RNG_MT "gaze.Rng"

static gz_rng *check_rng(lua_State *L)
{
    return luaL_checkudata(L, 1, RNG_MT);
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* An integer, or a string hashed with FNV-1a; absent = 0 when opt. */
static uint64_t check_word(lua_State *L, int idx, int opt)
{
    if (opt && lua_isnoneornil(L, idx))
        return 0;
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return fnv1a(s, n);
    }
    return (uint64_t)luaL_checkinteger(L, idx);
}

/* rng_new(seed [, stream]) -> gaze.Rng */
static int l_rng_new(lua_State *L)
{
    uint64_t seed = (uint64_t)luaL_checkinteger(L, 1);
    uint64_t stream = check_word(L, 2, 1);
    gz_rng *r = lua_newuserdatauv(L, sizeof *r, 0);
    gz_rng_init(r, seed, stream);
    luaL_setmetatable(L, RNG_MT);
    return 1;
}

/* rng_uniform(seed, stream, index) -> [0, 1) */
static int l_rng_uniform(lua_State *L)
{
    uint64_t seed = (uint64_t)luaL_checkinteger(L, 1);
    uint64_t stream = check_word(L, 2, 0);
    uint64_t index = (uint64_t)luaL_checkinteger(L, 3);
    lua_pushnumber(L, gz_rng_uniform(seed, stream, index));
    return 1;
}

/* rng_stream(a [, b [, c [, d]]]) -> integer stream id */
static int l_rng_stream(lua_State *L)
{
    uint64_t a = check_word(L, 1, 0), b = check_word(L, 2, 1), c = check_word(L, 3, 1),
             d = check_word(L, 4, 1);
    lua_pushinteger(L, (lua_Integer)gz_rng_stream(a, b, c, d));
    return 1;
}

/* philox(seed, stream, index) -> four 32-bit words */
static int l_philox(lua_State *L)
{
    uint64_t seed = (uint64_t)luaL_checkinteger(L, 1);
    uint64_t stream = check_word(L, 2, 0);
    uint64_t index = (uint64_t)luaL_checkinteger(L, 3);
    uint32_t w[4];
    gz_philox4x32(seed, stream, index, w);
    for (int i = 0; i < 4; i++)
        lua_pushinteger(L, (lua_Integer)w[i]);
    return 4;
}

/* :uniform() -> [0, 1); :uniform(hi) -> [0, hi); :uniform(lo, hi) -> [lo, hi) */
static int m_uniform(lua_State *L)
{
    gz_rng *r = check_rng(L);
    int n = lua_gettop(L);
    if (n == 1) {
        lua_pushnumber(L, gz_rng_double(r));
        return 1;
    }
    double lo = 0, hi;
    if (n == 2) {
        hi = luaL_checknumber(L, 2);
    } else {
        lo = luaL_checknumber(L, 2);
        hi = luaL_checknumber(L, 3);
    }
    luaL_argcheck(L, lo <= hi, n == 2 ? 2 : 3, "empty range: hi < lo");
    lua_pushnumber(L, lo == hi ? lo : gz_rng_range(r, lo, hi));
    return 1;
}

/* :normal([mean = 0 [, sd = 1]]) */
static int m_normal(lua_State *L)
{
    gz_rng *r = check_rng(L);
    double mean = luaL_optnumber(L, 2, 0.0), sd = luaL_optnumber(L, 3, 1.0);
    luaL_argcheck(L, sd >= 0, 3, "standard deviation must be >= 0");
    lua_pushnumber(L, mean + sd * gz_rng_normal(r));
    return 1;
}

/* :below(n) -> integer in [0, n) */
static int m_below(lua_State *L)
{
    gz_rng *r = check_rng(L);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 1, 2, "n must be >= 1");
    lua_pushinteger(L, (lua_Integer)gz_rng_below(r, (uint64_t)n));
    return 1;
}

/* :u32() -> next 32-bit word */
static int m_u32(lua_State *L)
{
    gz_rng *r = check_rng(L);
    lua_pushinteger(L, (lua_Integer)gz_rng_u32(r));
    return 1;
}

/* :permutation(n) -> a shuffled list of 1..n (Fisher-Yates, i from n down
 * to 2 swaps with below(i) + 1) */
static int m_permutation(lua_State *L)
{
    gz_rng *r = check_rng(L);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0 && n <= (1 << 26), 2, "n must be 0 .. 2^26");
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_pushinteger(L, i);
        lua_rawseti(L, -2, i);
    }
    for (lua_Integer i = n; i >= 2; i--) {
        lua_Integer j = (lua_Integer)gz_rng_below(r, (uint64_t)i) + 1;
        lua_rawgeti(L, -1, i);
        lua_rawgeti(L, -2, j);
        lua_rawseti(L, -3, i);
        lua_rawseti(L, -2, j);
    }
    return 1;
}

/* :state() -> {seed=, stream=, index=, left=} */
static int m_state(lua_State *L)
{
    gz_rng *r = check_rng(L);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)r->seed);
    lua_setfield(L, -2, "seed");
    lua_pushinteger(L, (lua_Integer)r->stream);
    lua_setfield(L, -2, "stream");
    lua_pushinteger(L, (lua_Integer)r->index);
    lua_setfield(L, -2, "index");
    lua_pushinteger(L, r->left);
    lua_setfield(L, -2, "left");
    return 1;
}

static lua_Integer state_field(lua_State *L, const char *name)
{
    lua_getfield(L, 2, name);
    int isint;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (!isint)
        luaL_error(L, "rng state: field '%s' must be an integer", name);
    lua_pop(L, 1);
    return v;
}

/* :set_state(t) restores what :state() returned */
static int m_set_state(lua_State *L)
{
    gz_rng *r = check_rng(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer seed = state_field(L, "seed"), stream = state_field(L, "stream"),
                index = state_field(L, "index"), left = state_field(L, "left");
    if (left < 0 || left > 4 || (left > 0 && index == 0))
        return luaL_error(L, "rng state: 'left' must be 0..4 (0 when index is 0)");
    gz_rng_restore(r, (uint64_t)seed, (uint64_t)stream, (uint64_t)index, (int)left);
    return 0;
}

/* :clone() -> an independent copy at the same position */
static int m_clone(lua_State *L)
{
    gz_rng *r = check_rng(L);
    gz_rng *c = lua_newuserdatauv(L, sizeof *c, 0);
    *c = *r;
    luaL_setmetatable(L, RNG_MT);
    return 1;
}

static int mm_tostring(lua_State *L)
{
    gz_rng *r = check_rng(L);
    lua_pushfstring(L, "gaze.Rng(seed=%I, stream=%I, index=%I)", (lua_Integer)r->seed,
                    (lua_Integer)r->stream, (lua_Integer)r->index);
    return 1;
}

static int mm_noop(lua_State *L)
{
    (void)check_rng(L);
    return 0;
}

int gz_lua_open_rng(lua_State *L);
int gz_lua_open_rng(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"uniform", m_uniform},   {"normal", m_normal}, {"below", m_below},
        {"u32", m_u32},           {"permutation", m_permutation},
        {"state", m_state},       {"set_state", m_set_state},
        {"clone", m_clone},       {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__tostring", mm_tostring},
        {"__close", mm_noop},
        {"__gc", mm_noop},
        {NULL, NULL},
    };
    gz_lua_newclass(L, RNG_MT, methods, meta);
    static const luaL_Reg fns[] = {
        {"rng_new", l_rng_new},
        {"rng_uniform", l_rng_uniform},
        {"rng_stream", l_rng_stream},
        {"philox", l_philox},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
