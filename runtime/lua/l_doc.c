/* gaze.core YAML and JSON functions: documents become plain Lua tables
 * (plus, for YAML, a table of source positions keyed by path) and Lua
 * values become documents for writing.
 *
 * Conventions (docs/formats-files.md):
 *   maps -> tables with string keys; sequences -> arrays marked with the
 *   gaze.array metatable (so that an empty one writes back as []);
 *   null -> gaze.core.null in sequences, omitted from maps (the key is
 *   still in meta), nil at the root;
 *   ints -> Lua integers, floats -> Lua floats.
 *
 * Memory: every C document or text lives in a "box" userdata whose __gc
 * frees it, so a Lua error (including out-of-memory inside the Lua API)
 * never leaks. */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "../core/doc.h"
#include "l_tensor.h"
#include "lgaze.h"

#define BOX_MT "gaze.doc_box"
#define ARRAY_MT "gaze.array"

static const char null_tag = 0;
#define NULL_SENTINEL ((void *)&null_tag)

typedef struct {
    gz_doc *doc;
    char *text;
} box;

static int box_gc(lua_State *L)
{
    box *b = luaL_checkudata(L, 1, BOX_MT);
    gz_doc_free(b->doc);
    b->doc = NULL;
    free(b->text);
    b->text = NULL;
    return 0;
}

static box *new_box(lua_State *L)
{
    box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->doc = NULL;
    b->text = NULL;
    luaL_setmetatable(L, BOX_MT);
    return b;
}

static void box_clear(box *b)
{
    gz_doc_free(b->doc);
    b->doc = NULL;
    free(b->text);
    b->text = NULL;
}

/* ---- document -> Lua ---- */

/* Records meta[path] = {line, col, text, quoted, kind [, key_line, key_col]}.
 * The path string is at the top of the stack; meta at index `meta`. */
static void record_meta(lua_State *L, int meta, const gz_doc *d, const gz_doc *key)
{
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, d->line);
    lua_setfield(L, -2, "line");
    lua_pushinteger(L, d->col);
    lua_setfield(L, -2, "col");
    if (d->text) {
        lua_pushstring(L, d->text);
        lua_setfield(L, -2, "text");
    }
    lua_pushboolean(L, d->quoted);
    lua_setfield(L, -2, "quoted");
    lua_pushstring(L, gz_doc_kind_name(d->kind));
    lua_setfield(L, -2, "kind");
    if (key) {
        lua_pushinteger(L, key->line);
        lua_setfield(L, -2, "key_line");
        lua_pushinteger(L, key->col);
        lua_setfield(L, -2, "key_col");
    }
    lua_pushvalue(L, -2); /* path */
    lua_insert(L, -2);
    lua_rawset(L, meta);
}

/* Pushes the Lua value of d. With meta != 0, the path of d is at the top
 * of the stack (consumed) and positions are recorded. */
static void push_doc(lua_State *L, const gz_doc *d, int meta, const gz_doc *key)
{
    luaL_checkstack(L, 8, "document too deep");
    if (meta) {
        record_meta(L, meta, d, key);
        /* path stays on the stack for the children; replaced below */
    }
    switch (d->kind) {
    case GZ_DOC_NULL: lua_pushlightuserdata(L, NULL_SENTINEL); break;
    case GZ_DOC_BOOL: lua_pushboolean(L, d->b); break;
    case GZ_DOC_INT: lua_pushinteger(L, (lua_Integer)d->i); break;
    case GZ_DOC_FLOAT: lua_pushnumber(L, d->f); break;
    case GZ_DOC_STRING: lua_pushlstring(L, d->s, d->len); break;
    case GZ_DOC_SEQ:
        lua_createtable(L, (int)(d->n < 1u << 30 ? d->n : 0), 0);
        luaL_setmetatable(L, ARRAY_MT);
        for (size_t k = 0; k < d->n; k++) {
            if (meta)
                lua_pushfstring(L, "%s[%I]", lua_tostring(L, -2), (lua_Integer)k);
            push_doc(L, d->items[k], meta, NULL);
            lua_rawseti(L, -2, (lua_Integer)k + 1);
        }
        break;
    case GZ_DOC_MAP:
        lua_createtable(L, 0, (int)(d->n < 1u << 30 ? d->n : 0));
        for (size_t k = 0; k < d->n; k++) {
            const gz_doc *kd = d->keys[k], *vd = d->items[k];
            if (meta) {
                const char *parent = lua_tostring(L, -2);
                if (*parent)
                    lua_pushfstring(L, "%s.%s", parent, kd->s);
                else
                    lua_pushstring(L, kd->s);
            }
            if (vd->kind == GZ_DOC_NULL) {
                if (meta) {
                    record_meta(L, meta, vd, kd);
                    lua_pop(L, 1);
                }
                continue;
            }
            lua_pushlstring(L, kd->s, kd->len);
            if (meta)
                lua_insert(L, -2); /* key below the child's path */
            push_doc(L, vd, meta, kd);
            lua_rawset(L, -3);
        }
        break;
    }
    if (meta)
        lua_remove(L, -2); /* the path */
}

/* ---- Lua -> document ---- */

typedef struct {
    lua_State *L;
    const char *what; /* "yaml_dump", "json_encode", ... */
    struct {
        const char *key;
        lua_Integer index;
    } seg[GZ_DOC_MAX_DEPTH + 2];
    int depth;
} enc;

static gz_status enc_error(enc *e, const char *msg)
{
    char path[512];
    size_t n = 0;
    path[0] = '\0';
    for (int k = 0; k < e->depth && n < sizeof path - 32; k++) {
        if (e->seg[k].key)
            n += (size_t)snprintf(path + n, sizeof path - n, "%s%.100s", n ? "." : "",
                                  e->seg[k].key);
        else
            n += (size_t)snprintf(path + n, sizeof path - n, "[%lld]",
                                  (long long)e->seg[k].index);
    }
    if (n)
        return gz_error_set(GZ_ERR_ARG, "%s: %s: %s", e->what, path, msg);
    return gz_error_set(GZ_ERR_ARG, "%s: %s", e->what, msg);
}

/* Attaches node under parent (with key when parent is a map), or makes it
 * the root held by the box. Takes ownership of node. */
static gz_status attach(box *bx, gz_doc *parent, const char *key, size_t keylen, gz_doc *node)
{
    if (!node)
        return GZ_ERR_NOMEM;
    if (!parent) {
        bx->doc = node;
        return GZ_OK;
    }
    if (parent->kind == GZ_DOC_MAP)
        return gz_doc_map_set(parent, key, keylen, node);
    return gz_doc_append(parent, node);
}

static gz_status convert(enc *e, box *bx, int idx, gz_doc *parent, const char *key,
                         size_t keylen);

static double tensor_elem(const gz_tensor *t, const int64_t *ix, bool *is_int, int64_t *iv)
{
    int64_t off = 0;
    for (int d = 0; d < t->ndim; d++)
        off += ix[d] * t->stride[d];
    *is_int = true;
    switch (t->dtype) {
    case GZ_I64: *iv = ((const int64_t *)t->data)[off]; return (double)*iv;
    case GZ_U8: *iv = ((const unsigned char *)t->data)[off]; return (double)*iv;
    case GZ_F32: *is_int = false; return ((const float *)t->data)[off];
    case GZ_F64: *is_int = false; return ((const double *)t->data)[off];
    }
    return 0;
}

static gz_doc *tensor_scalar(const gz_tensor *t, const int64_t *ix)
{
    bool is_int;
    int64_t iv = 0;
    double v = tensor_elem(t, ix, &is_int, &iv);
    return is_int ? gz_doc_new_int(iv) : gz_doc_new_float(v);
}

static gz_status tensor_fill(const gz_tensor *t, gz_doc *seq, int dim, int64_t *ix)
{
    for (int64_t k = 0; k < t->shape[dim]; k++) {
        ix[dim] = k;
        gz_status st;
        if (dim == t->ndim - 1) {
            st = gz_doc_append(seq, tensor_scalar(t, ix));
        } else {
            gz_doc *sub = gz_doc_new(GZ_DOC_SEQ);
            st = gz_doc_append(seq, sub);
            if (!st)
                st = tensor_fill(t, sub, dim + 1, ix);
        }
        if (st)
            return st;
    }
    return GZ_OK;
}

typedef struct {
    const char *s;
    size_t len;
    int is_int;
    lua_Integer iv;
    lua_Integer rank; /* position in __order, or LUA_MAXINTEGER */
} keyref;

static int keyref_cmp(const void *pa, const void *pb)
{
    const keyref *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->is_int != b->is_int)
        return a->is_int ? -1 : 1;
    if (a->is_int)
        return a->iv < b->iv ? -1 : a->iv > b->iv;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    if (c)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* Pushes the table's __order list (metatable field, else raw field) or nil. */
static void push_order(lua_State *L, int idx)
{
    if (lua_getmetatable(L, idx)) {
        lua_getfield(L, -1, "__order");
        lua_remove(L, -2);
        if (lua_istable(L, -1))
            return;
        lua_pop(L, 1);
    }
    lua_pushliteral(L, "__order");
    lua_rawget(L, idx);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
}

static gz_status convert_map(enc *e, box *bx, int idx, gz_doc *node)
{
    lua_State *L = e->L;
    luaL_checkstack(L, 12, "document too deep");
    push_order(L, idx);
    int order = lua_gettop(L);
    bool raw_order = false;
    if (!lua_isnil(L, order)) {
        lua_pushliteral(L, "__order");
        lua_rawget(L, idx);
        raw_order = lua_rawequal(L, -1, order);
        lua_pop(L, 1);
    }
    /* rank of each name in __order */
    lua_newtable(L);
    int ranks = lua_gettop(L);
    if (!lua_isnil(L, order)) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, order);
        for (lua_Integer k = 1; k <= n; k++) {
            lua_rawgeti(L, order, k);
            if (lua_type(L, -1) == LUA_TSTRING) {
                lua_pushinteger(L, k);
                lua_rawset(L, ranks);
            } else {
                lua_pop(L, 1);
            }
        }
    }
    /* collect keys as strings (kept alive in `names`) */
    lua_newtable(L);
    int names = lua_gettop(L);
    lua_Integer count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        int kt = lua_type(L, -1);
        if (kt == LUA_TSTRING && raw_order && strcmp(lua_tostring(L, -1), "__order") == 0)
            continue;
        if (kt == LUA_TNUMBER && lua_isinteger(L, -1)) {
            lua_pushvalue(L, -1);
        } else if (kt == LUA_TSTRING) {
            lua_pushvalue(L, -1);
        } else {
            lua_pop(L, 1);
            char msg[96];
            snprintf(msg, sizeof msg, "a table key of type %s cannot be written",
                     lua_typename(L, kt));
            return enc_error(e, msg);
        }
        lua_rawseti(L, names, ++count);
    }
    keyref *refs = lua_newuserdatauv(L, (size_t)(count ? count : 1) * sizeof *refs, 0);
    for (lua_Integer k = 0; k < count; k++) {
        lua_rawgeti(L, names, k + 1);
        keyref *r = &refs[k];
        r->is_int = lua_isinteger(L, -1);
        r->iv = r->is_int ? lua_tointeger(L, -1) : 0;
        if (r->is_int) {
            /* the string form, kept alive in names[-k] */
            lua_pushfstring(L, "%I", r->iv);
            lua_pushvalue(L, -1);
            lua_rawseti(L, names, -(k + 1));
        } else {
            lua_pushvalue(L, -1);
        }
        r->s = lua_tolstring(L, -1, &r->len);
        lua_pop(L, 1);
        lua_rawget(L, ranks);
        r->rank = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : LUA_MAXINTEGER;
        lua_pop(L, 1);
    }
    qsort(refs, (size_t)count, sizeof *refs, keyref_cmp);
    for (lua_Integer k = 0; k < count; k++) {
        keyref *r = &refs[k];
        if (r->is_int)
            lua_rawgeti(L, idx, r->iv);
        else {
            lua_pushlstring(L, r->s, r->len);
            lua_rawget(L, idx);
        }
        e->seg[e->depth - 1].key = r->s;
        gz_status st = convert(e, bx, lua_gettop(L), node, r->s, r->len);
        lua_pop(L, 1);
        if (st)
            return st;
    }
    lua_settop(L, order - 1);
    return GZ_OK;
}

static gz_status convert(enc *e, box *bx, int idx, gz_doc *parent, const char *key,
                         size_t keylen)
{
    lua_State *L = e->L;
    int t = lua_type(L, idx);
    switch (t) {
    case LUA_TNIL:
        return attach(bx, parent, key, keylen, gz_doc_new(GZ_DOC_NULL));
    case LUA_TBOOLEAN:
        return attach(bx, parent, key, keylen, gz_doc_new_bool(lua_toboolean(L, idx)));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return attach(bx, parent, key, keylen, gz_doc_new_int(lua_tointeger(L, idx)));
        return attach(bx, parent, key, keylen, gz_doc_new_float(lua_tonumber(L, idx)));
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        return attach(bx, parent, key, keylen, gz_doc_new_string(s, n));
    }
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL_SENTINEL)
            return attach(bx, parent, key, keylen, gz_doc_new(GZ_DOC_NULL));
        break;
    case LUA_TUSERDATA: {
        gz_tensor *ten = gz_lua_totensor(L, idx);
        if (!ten)
            break;
        int64_t ix[GZ_MAX_DIMS] = {0};
        if (ten->ndim == 0)
            return attach(bx, parent, key, keylen, tensor_scalar(ten, ix));
        if (e->depth + ten->ndim > GZ_DOC_MAX_DEPTH)
            return enc_error(e, "nesting deeper than 64 levels");
        gz_doc *seq = gz_doc_new(GZ_DOC_SEQ);
        gz_status st = attach(bx, parent, key, keylen, seq);
        return st ? st : tensor_fill(ten, seq, 0, ix);
    }
    case LUA_TTABLE: {
        if (e->depth >= GZ_DOC_MAX_DEPTH)
            return enc_error(e, "nesting deeper than 64 levels (a table that contains itself?)");
        luaL_checkstack(L, 8, "document too deep");
        bool is_seq = false;
        lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
        if (lua_getmetatable(L, idx)) {
            luaL_getmetatable(L, ARRAY_MT);
            is_seq = lua_rawequal(L, -1, -2);
            lua_pop(L, 2);
        }
        if (!is_seq && n > 0) {
            /* an array when its keys are exactly 1..n */
            lua_Integer total = 0;
            lua_pushnil(L);
            while (lua_next(L, idx)) {
                lua_pop(L, 1);
                total++;
            }
            is_seq = total == n;
        }
        gz_doc *node = gz_doc_new(is_seq ? GZ_DOC_SEQ : GZ_DOC_MAP);
        gz_status st = attach(bx, parent, key, keylen, node);
        if (st)
            return st;
        e->depth++;
        if (is_seq) {
            for (lua_Integer k = 1; k <= n && !st; k++) {
                lua_rawgeti(L, idx, k);
                e->seg[e->depth - 1].key = NULL;
                e->seg[e->depth - 1].index = k - 1;
                st = convert(e, bx, lua_gettop(L), node, NULL, 0);
                lua_pop(L, 1);
            }
        } else {
            st = convert_map(e, bx, idx, node);
        }
        if (!st)
            e->depth--;
        return st;
    }
    default:
        break;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "a %s value cannot be written", luaL_typename(L, idx));
    return enc_error(e, msg);
}

/* Converts the value at idx into bx->doc; raises (after freeing) on error. */
static void to_doc(lua_State *L, int idx, box *bx, const char *what)
{
    int top = lua_gettop(L);
    enc *e = lua_newuserdatauv(L, sizeof *e, 0);
    memset(e, 0, sizeof *e);
    e->L = L;
    e->what = what;
    gz_status st = convert(e, bx, idx, NULL, NULL, 0);
    lua_settop(L, top);
    if (st) {
        box_clear(bx);
        gz_lua_raise(L, st);
    }
}

/* ---- functions ---- */

static int finish_load(lua_State *L, box *bx, gz_status st, bool with_meta)
{
    if (st)
        return gz_lua_raise(L, st);
    int meta = 0;
    if (with_meta) {
        lua_newtable(L);
        meta = lua_gettop(L);
        lua_pushliteral(L, "");
    }
    if (bx->doc->kind == GZ_DOC_NULL) {
        if (meta) {
            record_meta(L, meta, bx->doc, NULL);
            lua_pop(L, 1);
        }
        lua_pushnil(L);
    } else {
        push_doc(L, bx->doc, meta, NULL);
    }
    box_clear(bx);
    if (with_meta) {
        lua_insert(L, -2); /* data, meta */
        return 2;
    }
    return 1;
}

/* yaml_load(path) -> data, meta */
static int l_yaml_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    box *bx = new_box(L);
    return finish_load(L, bx, gz_yaml_read(path, &bx->doc), true);
}

/* yaml_parse(text [, name]) -> data, meta */
static int l_yaml_parse(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "<string>");
    box *bx = new_box(L);
    return finish_load(L, bx, gz_yaml_parse(name, text, len, &bx->doc), true);
}

/* json_load(path) -> data */
static int l_json_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    box *bx = new_box(L);
    return finish_load(L, bx, gz_json_read(path, &bx->doc), false);
}

/* json_decode(text [, name]) -> data */
static int l_json_decode(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "<string>");
    box *bx = new_box(L);
    return finish_load(L, bx, gz_json_parse(name, text, len, &bx->doc), false);
}

/* yaml_dump(value [, path]) -> text, or writes path atomically */
static int l_yaml_dump(lua_State *L)
{
    const char *path = luaL_optstring(L, 2, NULL);
    lua_settop(L, 2);
    box *bx = new_box(L);
    to_doc(L, 1, bx, path ? path : "yaml_dump");
    gz_status st;
    if (path) {
        st = gz_yaml_write(path, bx->doc);
        box_clear(bx);
        return st ? gz_lua_raise(L, st) : 0;
    }
    size_t len;
    st = gz_yaml_emit(bx->doc, &bx->text, &len);
    if (st) {
        box_clear(bx);
        return gz_lua_raise(L, st);
    }
    lua_pushlstring(L, bx->text, len);
    box_clear(bx);
    return 1;
}

static int check_indent(lua_State *L, int idx, int dflt)
{
    lua_Integer n = luaL_optinteger(L, idx, dflt);
    luaL_argcheck(L, n >= 0 && n <= 16, idx, "indent must be 0..16");
    return (int)n;
}

/* json_encode(value [, indent]) -> text (compact when indent is 0/absent) */
static int l_json_encode(lua_State *L)
{
    int indent = check_indent(L, 2, 0);
    lua_settop(L, 2);
    box *bx = new_box(L);
    to_doc(L, 1, bx, "json_encode");
    size_t len;
    gz_status st = gz_json_emit(bx->doc, indent, &bx->text, &len);
    if (st) {
        box_clear(bx);
        return gz_lua_raise(L, st);
    }
    lua_pushlstring(L, bx->text, len);
    box_clear(bx);
    return 1;
}

/* json_dump(value, path [, indent = 2]) writes path atomically */
static int l_json_dump(lua_State *L)
{
    const char *path = luaL_checkstring(L, 2);
    int indent = check_indent(L, 3, 2);
    lua_settop(L, 3);
    box *bx = new_box(L);
    to_doc(L, 1, bx, path);
    gz_status st = gz_json_write(path, bx->doc, indent);
    box_clear(bx);
    return st ? gz_lua_raise(L, st) : 0;
}

/* doc_array(t) -> t, marked as a sequence (so {} writes as []) */
static int l_doc_array(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getmetatable(L, 1)) {
        luaL_getmetatable(L, ARRAY_MT);
        if (!lua_rawequal(L, -1, -2))
            return luaL_argerror(L, 1, "table already has a metatable");
        lua_pop(L, 2);
    }
    lua_settop(L, 1);
    luaL_setmetatable(L, ARRAY_MT);
    return 1;
}

/* doc_is_array(t) -> boolean: t carries the sequence mark */
static int l_doc_is_array(lua_State *L)
{
    bool yes = false;
    if (lua_istable(L, 1) && lua_getmetatable(L, 1)) {
        luaL_getmetatable(L, ARRAY_MT);
        yes = lua_rawequal(L, -1, -2);
    }
    lua_pushboolean(L, yes);
    return 1;
}

int gz_lua_open_doc(lua_State *L);
int gz_lua_open_doc(lua_State *L)
{
    static const luaL_Reg box_meta[] = {{"__gc", box_gc}, {"__close", box_gc}, {NULL, NULL}};
    gz_lua_newclass(L, BOX_MT, NULL, box_meta);
    if (luaL_newmetatable(L, ARRAY_MT)) {
        lua_pushliteral(L, "gaze.array");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    static const luaL_Reg fns[] = {
        {"yaml_load", l_yaml_load},     {"yaml_parse", l_yaml_parse},
        {"yaml_dump", l_yaml_dump},     {"json_load", l_json_load},
        {"json_decode", l_json_decode}, {"json_encode", l_json_encode},
        {"json_dump", l_json_dump},     {"doc_array", l_doc_array},
        {"doc_is_array", l_doc_is_array}, {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    lua_pushlightuserdata(L, NULL_SENTINEL);
    lua_setfield(L, -2, "null");
    return 0;
}
