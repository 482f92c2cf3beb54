/* libFuzzer harness: dataset manifests through gaze.dataset.load (the YAML
 * reader plus the schema checks of lib/gaze/dataset.lua), then, for a
 * manifest that loads, every item's image and gaze record. The folder of
 * the manifest holds a small PNG (a.png), a gaze JSON (g.json) and a
 * fixation table (g.tsv) for the items to name. A failure must be a gaze
 * error whose lines carry no control characters; anything else (a Lua
 * error that is not a gaze error, a crash) is a bug. */
#include "fuzz_common.h"
#include "fuzz_lua.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *L;

static const char *SETUP =
    "local dir = ...\n"
    "local gaze = require 'gaze'\n"
    "local t = gaze.core.tensor({4, 6, 3}, 'float32')\n"
    "gaze.core.png_write(dir .. '/a.png', t)\n"
    "gaze.core.write_atomic(dir .. '/g.json', '{\"gaze\": [[1, 2], [30, 40], [50.5, 60]]}')\n"
    "gaze.core.write_atomic(dir .. '/g.tsv', 'start_x\\tstart_y\\tduration\\n1\\t2\\t0.2\\n30\\t40\\t0.3\\n')\n"
    "local ds = require 'gaze.dataset'\n"
    "-- a Lua runtime error inside the library is a bug; gaze errors and the\n"
    "-- bindings' one-line messages are expected\n"
    "local function bug(e)\n"
    "  return not gaze.is_error(e) and tostring(e):find('attempt to ', 1, true)\n"
    "end\n"
    "return function(path)\n"
    "  local ok, d = pcall(ds.load, path)\n"
    "  if not ok then\n"
    "    if bug(d) then error(d, 0) end\n"
    "    return gaze.is_error(d) and d or { message = tostring(d) }\n"
    "  end\n"
    "  for i = 1, d:size() do\n"
    "    local ok2, e = pcall(d.image, d, i)\n"
    "    if not ok2 and bug(e) then error(e, 0) end\n"
    "    ok2, e = pcall(d.gaze, d, i)\n"
    "    if not ok2 and bug(e) then error(e, 0) end\n"
    "  end\n"
    "  return nil\n"
    "end\n";

static void setup(void)
{
    L = fuzz_lua_new(NULL, NULL);
    fuzz_lua_setup(L, SETUP, fuzz_dir(), "fuzz.load");
}

/* Every line of a manifest error reads "FILE...: message" without control
 * characters; lines are joined by "\ngazelab: ". */
static void check_lines(const char *msg)
{
    const char *p = msg;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n == 0)
            abort();
        for (size_t k = 0; k < n; k++)
            if (((unsigned char)p[k] < 32 && p[k] != '\t') || p[k] == 127)
                abort();
        if (!nl)
            break;
        p = nl + 1;
        if (strncmp(p, "gazelab: ", 9) != 0)
            abort();
        p += 9;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!L)
        setup();
    const char *path = fuzz_file("manifest.yaml", data, size);
    lua_getfield(L, LUA_REGISTRYINDEX, "fuzz.load");
    lua_pushstring(L, path);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        fprintf(stderr, "not a gaze error: %s\n", lua_tostring(L, -1));
        abort();
    }
    if (!lua_isnil(L, -1)) {
        /* a gaze error object {message=, code=} */
        if (!lua_istable(L, -1))
            abort();
        lua_getfield(L, -1, "message");
        const char *m = lua_tostring(L, -1);
        if (!m)
            abort();
        check_lines(m);
        lua_pop(L, 1);
    }
    lua_settop(L, 0);
    lua_gc(L, LUA_GCSTEP, 0);
    return 0;
}
