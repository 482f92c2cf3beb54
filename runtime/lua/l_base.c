/* gaze.core basics: version strings of gazelab and the libraries it links,
 * and process-wide run settings (threads, seed). */
#include <stdio.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <dnnl.h>
#include <jpeglib.h>
#include <png.h>
#include <stdio.h>
#include <yaml.h>

#include "../core/runconfig.h"
#include "../core/threadpool.h"
#include "lgaze.h"

static int l_versions(lua_State *L)
{
    char buf[64];
    lua_newtable(L);
    lua_pushstring(L, GZ_VERSION);
    lua_setfield(L, -2, "gazelab");
    lua_pushstring(L, LUA_RELEASE);
    lua_setfield(L, -2, "lua");
    const dnnl_version_t *dv = dnnl_version();
    snprintf(buf, sizeof buf, "%d.%d.%d", dv->major, dv->minor, dv->patch);
    lua_pushstring(L, buf);
    lua_setfield(L, -2, "onednn");
    lua_pushstring(L, png_get_libpng_ver(NULL));
    lua_setfield(L, -2, "libpng");
#ifdef LIBJPEG_TURBO_VERSION
#define GZ_STR2(x) #x
#define GZ_STR(x) GZ_STR2(x)
    snprintf(buf, sizeof buf, "libjpeg-turbo %s (API %d)", GZ_STR(LIBJPEG_TURBO_VERSION), JPEG_LIB_VERSION);
#else
    snprintf(buf, sizeof buf, "API %d", JPEG_LIB_VERSION);
#endif
    lua_pushstring(L, buf);
    lua_setfield(L, -2, "libjpeg");
    lua_pushstring(L, yaml_get_version_string());
    lua_setfield(L, -2, "libyaml");
    lua_pushstring(L, cJSON_Version());
    lua_setfield(L, -2, "cjson");
    return 1;
}

static int l_set_threads(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 1 && n <= 1024, 1, "thread count must be 1..1024");
    gz_runconfig_set_threads((int)n);
    return 0;
}

static int l_threads(lua_State *L)
{
    lua_pushinteger(L, gz_runconfig_threads());
    return 1;
}

static int l_set_seed(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0, 1, "seed must be >= 0");
    gz_runconfig_set_seed((uint64_t)n);
    return 0;
}

static int l_seed(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gz_runconfig_seed());
    return 1;
}

static int l_set_verbosity(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0 && n <= 2, 1, "verbosity must be 0, 1 or 2");
    gz_runconfig_set_verbosity((int)n);
    return 0;
}

static int l_verbosity(lua_State *L)
{
    lua_pushinteger(L, gz_runconfig_verbosity());
    return 1;
}

/* listdir(path) -> sorted array of entry names (without . and ..), or
 * nil, message. */
static int l_listdir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *d = opendir(path);
    if (!d) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_newtable(L);
    lua_Integer i = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, -2, ++i);
    }
    closedir(d);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, -3);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    return 1;
}

/* cancelled() -> true after Ctrl-C (or a cancel request) until cleared */
static int l_cancelled(lua_State *L)
{
    lua_pushboolean(L, gz_cancel_requested());
    return 1;
}

static int l_cancel_clear(lua_State *L)
{
    (void)L;
    gz_cancel_clear();
    return 0;
}

/* claim_interrupts(bool): true when the caller polls cancelled() itself
 * (e.g. to save a checkpoint); otherwise Ctrl-C interrupts Lua code. */
static int l_claim_interrupts(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TBOOLEAN);
    gz_runconfig_claim_interrupts(lua_toboolean(L, 1));
    return 0;
}

int gz_lua_open_base(lua_State *L);
int gz_lua_open_base(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"versions", l_versions},
        {"set_threads", l_set_threads},
        {"threads", l_threads},
        {"set_seed", l_set_seed},
        {"seed", l_seed},
        {"set_verbosity", l_set_verbosity},
        {"verbosity", l_verbosity},
        {"listdir", l_listdir},
        {"cancelled", l_cancelled},
        {"cancel_clear", l_cancel_clear},
        {"claim_interrupts", l_claim_interrupts},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
