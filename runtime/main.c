/* gazelab: the host program. Modelled on lua.c: one Lua state, the gaze.core
 * module preloaded, the whole run under lua_pcall with a message handler.
 * Command-line parsing and dispatch live in Lua (lib/gaze/cli), so that
 * every command is also reachable from recipes and tests.
 *
 * Exit status: 0 success, 1 bad data or a failing recipe, 2 bad command
 * line. Errors are printed as one line "gazelab: message" on stderr; the
 * Lua traceback is printed only with --verbose. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/runconfig.h"
#include "core/threadpool.h"

int luaopen_gaze_core(lua_State *L);

static int verbose_errors = 0;
static lua_State *global_state = NULL;

/* Hook set by the SIGINT handler: raises {message = "interrupted", code = 130}
 * in the running Lua code (as lua.c does). */
static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    lua_createtable(L, 0, 2);
    lua_pushliteral(L, "interrupted");
    lua_setfield(L, -2, "message");
    lua_pushinteger(L, 130);
    lua_setfield(L, -2, "code");
    lua_error(L);
}

/* First Ctrl-C: set the cancel flag that C kernels poll; unless Lua code
 * claimed interrupts (a trainer saving a checkpoint), also interrupt the
 * Lua code. A second Ctrl-C kills the process. */
static void on_sigint(int sig)
{
    signal(sig, SIG_DFL);
    gz_cancel_request();
    if (!gz_runconfig_interrupts_claimed() && global_state)
        lua_sethook(global_state, interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* Message handler: turns the error object into "message" (+ traceback when
 * --verbose). Error objects raised by gaze.fail are tables
 * {message = ..., code = N}; they are kept as tables so that the exit code
 * survives, with the traceback appended to the message. */
static int message_handler(lua_State *L)
{
    if (lua_istable(L, 1)) {
        if (verbose_errors) {
            lua_getfield(L, 1, "message");
            const char *m = lua_tostring(L, -1);
            luaL_traceback(L, L, m ? m : "(error)", 1);
            lua_setfield(L, 1, "message");
            lua_pop(L, 1);
        }
        lua_settop(L, 1);
        return 1;
    }
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    if (verbose_errors)
        luaL_traceback(L, L, msg, 1);
    else
        lua_pushstring(L, msg);
    return 1;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Finds the folder that holds gaze/init.lua: $GAZELAB_LIB, else
 * <exe>/../lib (build tree), else <exe>/../share/gazelab/lib (installed). */
static void find_lib_dir(char *out, size_t cap)
{
    const char *env = getenv("GAZELAB_LIB");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(out, cap, "lib");
        return;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/../lib/gaze/init.lua", exe);
    const char *suffix = file_exists(probe) ? "/../lib" : "/../share/gazelab/lib";
    if (strlen(exe) + strlen(suffix) + 1 > cap) {
        snprintf(out, cap, "lib");
        return;
    }
    strcpy(out, exe);
    strcat(out, suffix);
}

static int run_main(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = (char **)lua_touserdata(L, 2);
    luaL_openlibs(L);

    /* package.preload["gaze.core"] = luaopen_gaze_core */
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_gaze_core);
    lua_setfield(L, -2, "gaze.core");
    lua_pop(L, 1);

    char lib[PATH_MAX];
    find_lib_dir(lib, sizeof lib);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", lib, lib, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 2);

    lua_newtable(L);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_setglobal(L, "arg");

    lua_getglobal(L, "require");
    lua_pushliteral(L, "gaze.cli");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "main");
    lua_newtable(L);
    for (int i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_call(L, 1, 1);
    return 1;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--verbose") == 0)
            verbose_errors = 1;
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "gazelab: cannot create the Lua state (out of memory)\n");
        return 1;
    }
    global_state = L;
    signal(SIGINT, on_sigint);
    lua_pushcfunction(L, message_handler);
    lua_pushcfunction(L, run_main);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    int status = lua_pcall(L, 2, 1, 1);
    int code = 0;
    if (status != LUA_OK) {
        code = 1;
        const char *msg;
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "code");
            if (lua_isinteger(L, -1))
                code = (int)lua_tointeger(L, -1);
            lua_pop(L, 1);
            lua_getfield(L, -1, "message");
            msg = lua_tostring(L, -1);
        } else {
            msg = lua_tostring(L, -1);
        }
        fflush(stdout);
        fprintf(stderr, "gazelab: %s\n", msg ? msg : "(no message)");
    } else if (lua_isinteger(L, -1)) {
        code = (int)lua_tointeger(L, -1);
    }
    fflush(stdout);
    signal(SIGINT, SIG_DFL);
    global_state = NULL;
    lua_close(L);
    return code;
}
