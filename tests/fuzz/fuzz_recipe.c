/* libFuzzer harness: recipe chunks in the sandbox. The input is loaded as
 * a text chunk (binary chunks are refused) into a strict recipe
 * environment with --sandbox on (lib/gaze/sandbox.lua) and run with at
 * most 200000 Lua instructions and 64 MiB of Lua memory. Any error is
 * fine; a crash, an abort or an escape is not: after each run the harness
 * checks that no file appeared outside the recipe's folder (a canary
 * folder next to it stays empty) and that os.execute is still refused.
 * The chunk receives the harness folder as its argument (...), so seeds can
 * aim at DIR/canary. */
#include <dirent.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "fuzz_lua.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *L;
static size_t mem_used;
static char canary[600];

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        mem_used -= old;
        return NULL;
    }
    if (nsize > old && mem_used - old + nsize > ((size_t)64 << 20))
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        mem_used = mem_used - old + nsize;
    return p;
}

static void budget_hook(lua_State *l, lua_Debug *ar)
{
    (void)ar;
    luaL_error(l, "instruction budget exhausted");
}

static int host_realpath(lua_State *l)
{
    char *r = realpath(luaL_checkstring(l, 1), NULL);
    if (!r) {
        lua_pushnil(l);
        return 1;
    }
    lua_pushstring(l, r);
    free(r);
    return 1;
}

static int open_host(lua_State *l)
{
    lua_newtable(l);
    lua_pushcfunction(l, host_realpath);
    lua_setfield(l, -2, "realpath");
    return 1;
}

static const char *SETUP =
    "local dir = ...\n"
    "os.execute('mkdir -p ' .. dir .. '/recipe ' .. dir .. '/canary')\n"
    "local sb = require 'gaze.sandbox'\n"
    "sb.enable({ recipe = dir .. '/recipe/r.lua', out = dir .. '/recipe/run' })\n"
    "return function(text)\n"
    "  local env = sb.recipe_env()\n"
    "  local f = load(text, '=recipe', 't', env)\n"
    "  -- the chunk gets the fuzz folder (...) so that seeds can aim at the canary\n"
    "  if f then pcall(f, dir) end\n"
    "  local ok = pcall(os.execute, 'true')\n"
    "  if ok then error('os.execute escaped the sandbox') end\n"
    "end\n";

static void setup(void)
{
    L = fuzz_lua_new(limited_alloc, NULL);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, open_host);
    lua_setfield(L, -2, "gaze.host");
    lua_pop(L, 1);
    snprintf(canary, sizeof canary, "%s/canary", fuzz_dir());
    fuzz_lua_setup(L, SETUP, fuzz_dir(), "fuzz.run");
}

static int canary_empty(void)
{
    DIR *d = opendir(canary);
    if (!d)
        return 0;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!L)
        setup();
    lua_getfield(L, LUA_REGISTRYINDEX, "fuzz.run");
    lua_pushlstring(L, (const char *)data, size);
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 200000);
    int st = lua_pcall(L, 1, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    if (st != LUA_OK) {
        const char *m = lua_tostring(L, -1);
        if (m && strstr(m, "escaped the sandbox")) {
            fprintf(stderr, "%s\n", m);
            abort();
        }
    }
    lua_settop(L, 0);
    if (!canary_empty()) {
        fprintf(stderr, "a file appeared in %s\n", canary);
        abort();
    }
    lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}
