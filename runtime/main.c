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
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/runconfig.h"
#include "core/threadpool.h"

int luaopen_gaze_core(lua_State *L);

static int verbose_errors = 0;
static lua_State *global_state = NULL;

/* ---- resource limits (--max-memory, --max-time; lib/gaze/cli/run.lua) ----
 * Memory is counted in the allocator of the Lua state (every Lua object,
 * checked on each allocation) and, every 10000 Lua instructions and every
 * 16 allocations but at most every 10 ms, as the C heap in use that glibc
 * reports (mallinfo2: tensors and kernel buffers too; it reads 0 under
 * sanitizers). Not
 * RLIMIT_AS, which breaks sanitizers and counts reserved address space.
 * Time: a count hook compares the monotonic clock with the deadline, and
 * SIGALRM at the deadline sets the cancel flag that long C kernels poll. */
typedef struct {
    size_t used, peak;  /* bytes held by the Lua state */
    size_t limit;       /* 0 = none */
    double deadline;    /* monotonic seconds; 0 = none */
    double max_time;    /* seconds, for the message */
    volatile sig_atomic_t time_hit;
    int mem_hit, locked;
    unsigned grows;     /* growing allocations, to sample the C heap */
    char label[512];    /* the recipe, for the messages */
} limits_t;
static limits_t limits;

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t c_heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* The C heap over the limit? mallinfo2 walks the heap's bins (up to
 * ~100 us on a fragmented heap), so it runs at most every 10 ms. */
static int heap_over_limit(limits_t *m)
{
    static double last;
    double now = mono_now();
    if (now - last < 0.01)
        return 0;
    last = now;
    return c_heap_in_use() > m->limit;
}

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    limits_t *m = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        m->used -= old;
        return NULL;
    }
    if (m->limit && nsize > old) {
        /* sticky: Lua retries a failed allocation after a full collection */
        if (m->mem_hit || m->used - old + nsize > m->limit) {
            m->mem_hit = 1;
            return NULL;
        }
        /* every 16 growing allocations, the C heap too (tensors are made
         * in C, each with a Lua box) */
        if ((++m->grows & 15) == 0 && heap_over_limit(m)) {
            m->mem_hit = 1;
            return NULL;
        }
    }
    void *p = realloc(ptr, nsize);
    if (!p)
        return NULL;
    m->used = m->used - old + nsize;
    if (m->used > m->peak)
        m->peak = m->used;
    return p;
}

static int on_panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "gazelab: unprotected Lua error: %s\n", msg ? msg : "(no message)");
    return 0; /* then abort() */
}

/* Once a limit is hit the hook fires on every instruction, so that a
 * recipe that catches the error (pcall in a loop) is stopped anyway: the
 * error comes back as soon as its code runs again. */
static void limits_hook(lua_State *L, lua_Debug *ar);
static void limit_error(lua_State *L, const char *what)
{
    lua_sethook(L, limits_hook, LUA_MASKCOUNT, 1);
    lua_pushfstring(L, "%s: %s", limits.label, what);
    lua_error(L);
}

/* Count hook: the deadline and the C heap. */
static void limits_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (limits.mem_hit)
        limit_error(L, "memory limit exceeded");
    if (limits.deadline > 0 && (limits.time_hit || mono_now() >= limits.deadline)) {
        limits.time_hit = 1;
        limit_error(L, "time limit exceeded");
    }
    /* the C heap includes the Lua state's own blocks (0 under sanitizers) */
    if (limits.limit && (limits.used > limits.limit || heap_over_limit(&limits))) {
        limits.mem_hit = 1;
        limit_error(L, "memory limit exceeded");
    }
}

static void on_sigalrm(int sig)
{
    (void)sig;
    limits.time_hit = 1;
    gz_cancel_request();
    if (global_state)
        lua_sethook(global_state, limits_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* gaze.host.set_limits{memory = bytes, time = seconds, label = text}:
 * once only (a recipe cannot lift the limits it runs under). */
static int host_set_limits(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (limits.locked)
        return luaL_error(L, "limits are already set");
    lua_getfield(L, 1, "memory");
    lua_Integer mem = luaL_optinteger(L, -1, 0);
    lua_getfield(L, 1, "time");
    double secs = luaL_optnumber(L, -1, 0);
    lua_getfield(L, 1, "label");
    const char *label = luaL_optstring(L, -1, "gazelab");
    luaL_argcheck(L, mem >= 0, 1, "memory must be >= 0");
    luaL_argcheck(L, secs >= 0 && secs < 1e9, 1, "time must be between 0 and 1e9 seconds");
    snprintf(limits.label, sizeof limits.label, "%s", label);
    limits.locked = 1;
    limits.limit = (size_t)mem;
    limits.max_time = secs;
    if (secs > 0) {
        limits.deadline = mono_now() + secs;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigalrm;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval it;
        memset(&it, 0, sizeof it);
        it.it_value.tv_sec = (time_t)secs;
        it.it_value.tv_usec = (suseconds_t)((secs - (double)(time_t)secs) * 1e6);
        if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
            it.it_value.tv_usec = 1;
        setitimer(ITIMER_REAL, &it, NULL);
    }
    if (mem > 0 || secs > 0)
        lua_sethook(L, limits_hook, LUA_MASKCOUNT, 10000);
    return 0;
}

/* gaze.host.memory() -> bytes held by the Lua state, its peak, C heap in use */
static int host_memory(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)limits.used);
    lua_pushinteger(L, (lua_Integer)limits.peak);
    lua_pushinteger(L, (lua_Integer)c_heap_in_use());
    return 3;
}

/* gaze.host.realpath(path) -> absolute path with symlinks resolved, or nil
 * when it does not exist (the sandbox's path checks). */
static int host_realpath(lua_State *L)
{
    const char *p = luaL_checkstring(L, 1);
    char *r = realpath(p, NULL);
    if (!r) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, r);
    free(r);
    return 1;
}

static int luaopen_gaze_host(lua_State *L)
{
    static const luaL_Reg fns[] = {{"set_limits", host_set_limits},
                                   {"memory", host_memory},
                                   {"realpath", host_realpath},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* "512 MiB", "1.5 GiB", "100000 bytes" */
static void format_bytes(char *buf, size_t cap, size_t n)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, cap, u ? "%.4g %s" : "%.0f %s", v, units[u]);
}

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
    lua_pushcfunction(L, luaopen_gaze_host);
    lua_setfield(L, -2, "gaze.host");
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
    lua_State *L = lua_newstate(counting_alloc, &limits);
    if (L)
        lua_atpanic(L, on_panic);
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
        char what[96];
        if (limits.mem_hit) {
            format_bytes(what, sizeof what, limits.limit);
            fprintf(stderr, "gazelab: %s: memory limit of %s exceeded\n", limits.label, what);
            code = 1;
        } else if (limits.time_hit) {
            fprintf(stderr, "gazelab: %s: time limit of %g s exceeded\n", limits.label,
                    limits.max_time);
            code = 1;
        } else {
            fprintf(stderr, "gazelab: %s\n", msg ? msg : "(no message)");
        }
    } else if (lua_isinteger(L, -1)) {
        code = (int)lua_tointeger(L, -1);
    }
    fflush(stdout);
    signal(SIGINT, SIG_DFL);
    if (limits.deadline > 0) {
        struct itimerval off;
        memset(&off, 0, sizeof off);
        setitimer(ITIMER_REAL, &off, NULL);
    }
    global_state = NULL;
    lua_sethook(L, NULL, 0, 0); /* finalizers run without the limits */
    limits.limit = 0;
    lua_close(L);
    return code;
}
