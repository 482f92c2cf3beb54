/* Content hashes for caches: 64-bit FNV-1a over bytes, printed as 16 hex
 * digits. Not cryptographic; it only tells whether inputs changed.
 *
 *   gaze.core.hash_file(path [, seed_hex]) -> "0123456789abcdef" | nil, message
 *   gaze.core.hash_string(s [, seed_hex])  -> "0123456789abcdef"
 * A seed (the hex result of an earlier call) chains hashes, so that
 * hash_string(b, hash_string(a)) == hash_string(a .. b). */
#include <errno.h>
#include <inttypes.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgaze.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

static uint64_t check_seed(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx))
        return FNV_OFFSET;
    const char *s = luaL_checkstring(L, idx);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    luaL_argcheck(L, *s && !*end && errno == 0 && strlen(s) == 16, idx,
                  "seed must be 16 hex digits (an earlier hash)");
    return (uint64_t)v;
}

static void push_hex(lua_State *L, uint64_t h)
{
    char buf[17];
    snprintf(buf, sizeof buf, "%016" PRIx64, h);
    lua_pushstring(L, buf);
}

static int l_hash_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    uint64_t h = check_seed(L, 2);
    FILE *f = fopen(path, "rb");
    if (!f) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    unsigned char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        h = fnv1a(h, buf, got);
    int err = ferror(f);
    fclose(f);
    if (err) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: read error", path);
        return 2;
    }
    push_hex(L, h);
    return 1;
}

static int l_hash_string(lua_State *L)
{
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    uint64_t h = check_seed(L, 2);
    push_hex(L, fnv1a(h, (const unsigned char *)s, n));
    return 1;
}

int gz_lua_open_hash(lua_State *L);
int gz_lua_open_hash(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"hash_file", l_hash_file},
        {"hash_string", l_hash_string},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
