/* gaze.Relation: an N x N (or N x N x K) similarity matrix for Lua, with
 * element access, a tensor view, .npy save/load and a colour-mapped PNG. */
#include "l_relation.h"

#include <ctype.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/atomic_file.h"
#include "../core/image.h"
#include "../core/npy.h"
#include "l_tensor.h"
#include "../core/draw.h"
#include "lgaze.h"

typedef struct relation_box {
    gz_tensor *t;
} relation_box;

gz_tensor **gz_lua_newrelation(lua_State *L)
{
    relation_box *b = lua_newuserdatauv(L, sizeof *b, 1);
    b->t = NULL;
    luaL_setmetatable(L, GZ_RELATION_MT);
    return &b->t;
}

gz_tensor *gz_lua_checkrelation(lua_State *L, int idx)
{
    relation_box *b = luaL_checkudata(L, idx, GZ_RELATION_MT);
    if (!b->t)
        luaL_argerror(L, idx, "relation has been closed");
    return b->t;
}

gz_tensor *gz_lua_torelation_or_tensor(lua_State *L, int idx)
{
    relation_box *b = luaL_testudata(L, idx, GZ_RELATION_MT);
    if (b)
        return b->t;
    return gz_lua_totensor(L, idx);
}

/* N x N or N x N x K: the only shapes a relation has. */
static int relation_shape_ok(const gz_tensor *t)
{
    return (t->ndim == 2 || t->ndim == 3) && t->shape[0] == t->shape[1] &&
           (t->ndim == 2 || t->shape[2] >= 1);
}

/* A contiguous float64 copy of t (or a new reference when it already is). */
static gz_status as_f64(const gz_tensor *t, gz_tensor **out)
{
    if (t->dtype == GZ_F64 && gz_tensor_is_contiguous(t))
        return gz_tensor_view(out, t);
    gz_status st = gz_tensor_new(out, GZ_F64, t->ndim, t->shape);
    if (st)
        return st;
    int64_t n = gz_tensor_numel(t);
    double *d = (*out)->data;
    for (int64_t i = 0; i < n; i++)
        d[i] = gz_tensor_get_flat(t, i);
    return GZ_OK;
}

/* gaze.core.relation_from(tensor [, info]) -> Relation (float64 copy or view) */
static int l_relation_from(lua_State *L)
{
    gz_tensor *src = gz_lua_checktensor(L, 1);
    if (!relation_shape_ok(src))
        return luaL_argerror(L, 1, "a relation is N x N or N x N x K");
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TTABLE);
    gz_tensor **slot = gz_lua_newrelation(L);
    gz_status st = as_f64(src, slot);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

/* gaze.core.relation_load(path) -> Relation (without info) */
static int l_relation_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    gz_tensor **slot = gz_lua_newrelation(L);
    gz_tensor *t = NULL;
    gz_status st = gz_npy_read(path, &t);
    if (st)
        return gz_lua_raise(L, st);
    if (!relation_shape_ok(t)) {
        char shape[96];
        int k = snprintf(shape, sizeof shape, "(");
        for (int d = 0; d < t->ndim && k < 80; d++)
            k += snprintf(shape + k, sizeof shape - (size_t)k, d ? ", %lld" : "%lld",
                          (long long)t->shape[d]);
        snprintf(shape + k, sizeof shape - (size_t)k, ")");
        gz_tensor_free(t);
        return gz_lua_raise(L, gz_error_set(GZ_ERR_FORMAT,
                                            "%s: not a relation: shape %s is not N x N or N x N x K",
                                            path, shape));
    }
    st = as_f64(t, slot);
    gz_tensor_free(t);
    if (st)
        return gz_lua_raise(L, st);
    return 1;
}

static int m_size(lua_State *L)
{
    lua_pushinteger(L, gz_lua_checkrelation(L, 1)->shape[0]);
    return 1;
}

static int m_depth(lua_State *L)
{
    gz_tensor *t = gz_lua_checkrelation(L, 1);
    lua_pushinteger(L, t->ndim == 3 ? t->shape[2] : 1);
    return 1;
}

static int m_shape(lua_State *L)
{
    gz_tensor *t = gz_lua_checkrelation(L, 1);
    lua_createtable(L, t->ndim, 0);
    for (int d = 0; d < t->ndim; d++) {
        lua_pushinteger(L, t->shape[d]);
        lua_rawseti(L, -2, d + 1);
    }
    return 1;
}

/* R:at(i, j [, k]) with 1-based indices; k defaults to 1. */
static int m_at(lua_State *L)
{
    gz_tensor *t = gz_lua_checkrelation(L, 1);
    lua_Integer n = t->shape[0];
    lua_Integer depth = t->ndim == 3 ? t->shape[2] : 1;
    lua_Integer i = luaL_checkinteger(L, 2), j = luaL_checkinteger(L, 3);
    lua_Integer k = luaL_optinteger(L, 4, 1);
    if (i < 1 || i > n || j < 1 || j > n)
        return luaL_error(L, "relation index (%d, %d) out of range 1..%d", (int)i, (int)j, (int)n);
    if (k < 1 || k > depth)
        return luaL_error(L, "relation dimension %d out of range 1..%d", (int)k, (int)depth);
    const double *d = t->data;
    lua_pushnumber(L, d[((i - 1) * n + (j - 1)) * depth + (k - 1)]);
    return 1;
}

/* R:tensor() -> gaze.Tensor sharing the relation's storage */
static int m_tensor(lua_State *L)
{
    gz_tensor *t = gz_lua_checkrelation(L, 1);
    gz_tensor *v = NULL;
    gz_status st = gz_tensor_view(&v, t);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, v);
    return 1;
}

static int m_info(lua_State *L)
{
    luaL_checkudata(L, 1, GZ_RELATION_MT);
    lua_getiuservalue(L, 1, 1);
    return 1;
}

static int m_set_info(lua_State *L)
{
    luaL_checkudata(L, 1, GZ_RELATION_MT);
    if (!lua_isnil(L, 2))
        luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_setiuservalue(L, 1, 1);
    return 0;
}

/* The extension of `path` (the alphanumeric run after its last '.', as
 * `gazelab sim -o` reads it) compared case-insensitively with "npy":
 * writes the extension, or "" when there is none, to ext[0..cap). */
static int is_npy_name(const char *path, char *ext, size_t cap)
{
    size_t n = strlen(path), k = n;
    while (k > 0 && isalnum((unsigned char)path[k - 1]))
        k--;
    ext[0] = '\0';
    if (k == 0 || k == n || path[k - 1] != '.')
        return 0;
    snprintf(ext, cap, "%s", path + k);
    return n - k == 3 && tolower((unsigned char)ext[0]) == 'n' && tolower((unsigned char)ext[1]) == 'p' &&
           tolower((unsigned char)ext[2]) == 'y';
}

/* R:save(path): the matrix as a float64 .npy (atomic). When the relation
 * has an info table, require("gaze.relation").write_sidecar(path, info)
 * then writes PATH.yaml; if that fails the .npy is removed again. Any
 * name but *.npy is refused before anything is written (the bytes are
 * always .npy, so R.txt would lie about its content). */
static int m_save(lua_State *L)
{
    gz_tensor *t = gz_lua_checkrelation(L, 1);
    const char *path = luaL_checkstring(L, 2);
    char ext[32];
    if (!is_npy_name(path, ext, sizeof ext)) {
        if (ext[0])
            gz_error_set(GZ_ERR_ARG,
                         "%s: R:save: unsupported output format '.%s' (supported: .npy, a float64 matrix numpy reads)",
                         path, ext);
        else
            gz_error_set(GZ_ERR_ARG, "%s: R:save: no file extension (supported: .npy, a float64 matrix numpy reads)",
                         path);
        return gz_lua_raise(L, GZ_ERR_ARG);
    }
    gz_status st = gz_npy_write(path, t);
    if (st)
        return gz_lua_raise(L, st);
    lua_getiuservalue(L, 1, 1);
    if (lua_isnil(L, -1))
        return 0;
    int info = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "gaze.relation");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "write_sidecar");
    lua_pushvalue(L, 2);
    lua_pushvalue(L, info);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        remove(path);
        return lua_error(L);
    }
    return 0;
}

/* Colour of a normalised value: draw.h's viridis; NaN grey. */
static void colour(double v, unsigned char rgb[3])
{
    if (isnan(v)) {
        rgb[0] = rgb[1] = rgb[2] = 128;
        return;
    }
    gz_rgba c = gz_colormap_color(GZ_CMAP_VIRIDIS, v);
    rgb[0] = (unsigned char)lround(c.r * 255.0);
    rgb[1] = (unsigned char)lround(c.g * 255.0);
    rgb[2] = (unsigned char)lround(c.b * 255.0);
}

/* R:save_image(path, vmin, vmax, dim, scale): PNG of dimension `dim`
 * (1-based), each cell a scale x scale block, value v drawn with the
 * colour map at (v - vmin) / (vmax - vmin). */
static int m_save_image(lua_State *L)
{
    gz_tensor *t = gz_lua_checkrelation(L, 1);
    const char *path = luaL_checkstring(L, 2);
    double vmin = luaL_optnumber(L, 3, 0), vmax = luaL_optnumber(L, 4, 1);
    lua_Integer dim = luaL_optinteger(L, 5, 1);
    lua_Integer scale = luaL_optinteger(L, 6, 1);
    int64_t n = t->shape[0], depth = t->ndim == 3 ? t->shape[2] : 1;
    luaL_argcheck(L, dim >= 1 && dim <= depth, 5, "dimension out of range");
    luaL_argcheck(L, scale >= 1 && scale <= 4096, 6, "scale must be 1..4096");
    luaL_argcheck(L, isfinite(vmin) && isfinite(vmax) && vmax > vmin, 4, "need vmin < vmax");
    int64_t side = n * scale;
    if (side > GZ_IMAGE_MAX_SIDE || side * side > GZ_IMAGE_MAX_PIXELS)
        return gz_lua_raise(L, gz_error_set(GZ_ERR_LIMIT,
                                            "%s: image of %lld x %lld pixels is too large (use a smaller scale)",
                                            path, (long long)side, (long long)side));
    int64_t shape[3] = {side, side, 3};
    gz_tensor *img = NULL;
    gz_status st = gz_tensor_new(&img, GZ_U8, 3, shape);
    if (st)
        return gz_lua_raise(L, st);
    const double *d = t->data;
    unsigned char *px = img->data;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) {
            unsigned char rgb[3];
            colour((d[(i * n + j) * depth + (dim - 1)] - vmin) / (vmax - vmin), rgb);
            for (int64_t a = 0; a < scale; a++)
                for (int64_t b = 0; b < scale; b++) {
                    unsigned char *p = px + ((i * scale + a) * side + (j * scale + b)) * 3;
                    p[0] = rgb[0];
                    p[1] = rgb[1];
                    p[2] = rgb[2];
                }
        }
    st = gz_png_write(path, img);
    gz_tensor_free(img);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

static int mm_gc(lua_State *L)
{
    relation_box *b = luaL_checkudata(L, 1, GZ_RELATION_MT);
    gz_tensor_free(b->t);
    b->t = NULL;
    return 0;
}

static int mm_len(lua_State *L)
{
    lua_pushinteger(L, gz_lua_checkrelation(L, 1)->shape[0]);
    return 1;
}

static int mm_tostring(lua_State *L)
{
    relation_box *b = luaL_checkudata(L, 1, GZ_RELATION_MT);
    if (!b->t) {
        lua_pushliteral(L, "gaze.Relation (closed)");
        return 1;
    }
    const char *scheme = NULL;
    lua_getiuservalue(L, 1, 1);
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "scheme");
        scheme = lua_tostring(L, -1);
    }
    if (b->t->ndim == 3)
        lua_pushfstring(L, "gaze.Relation(%I x %I x %I%s%s)", (lua_Integer)b->t->shape[0],
                        (lua_Integer)b->t->shape[1], (lua_Integer)b->t->shape[2],
                        scheme ? ", " : "", scheme ? scheme : "");
    else
        lua_pushfstring(L, "gaze.Relation(%I x %I%s%s)", (lua_Integer)b->t->shape[0],
                        (lua_Integer)b->t->shape[1], scheme ? ", " : "", scheme ? scheme : "");
    return 1;
}

int gz_lua_open_relation(lua_State *L);
int gz_lua_open_relation(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"size", m_size},         {"depth", m_depth},   {"shape", m_shape},
        {"at", m_at},             {"tensor", m_tensor}, {"info", m_info},
        {"set_info", m_set_info}, {"save", m_save},     {"save_image", m_save_image},
        {"close", mm_gc},         {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", mm_gc}, {"__close", mm_gc}, {"__len", mm_len}, {"__tostring", mm_tostring},
        {NULL, NULL},
    };
    static const luaL_Reg fns[] = {
        {"relation_from", l_relation_from}, {"relation_load", l_relation_load},
        {NULL, NULL},
    };
    gz_lua_newclass(L, GZ_RELATION_MT, methods, meta);
    gz_lua_setfuncs(L, fns);
    return 0;
}
