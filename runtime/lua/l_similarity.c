/* Similarity bindings: the registered schemes, comparing two records,
 * relation matrices over many records, and pair selection.
 *
 * Records are Lua tables
 *   { name = "id", gaze = PATH | gaze.Gaze, heatmap = PATH | gaze.Tensor,
 *     label = INTEGER, canvas = {w, h}, duration_unit = "s"|"ms"|"us"|"samples",
 *     columns = {x=, y=, duration=, time=}, format = "auto"|"json"|"table",
 *     normalised = BOOL }
 * where every field is optional; canvas .. normalised apply when `gaze` is
 * a path. Scheme keys are a list of "key=value" strings, handed to the
 * scheme's params_new in that order.
 *
 * Bindings check every argument first (record fields are gathered into
 * scratch userdata, so nothing leaks on a raise), then load and compute,
 * and raise only after freeing. */
#include <lauxlib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/draw.h"
#include "../core/gaze_io.h"
#include "../core/image.h"
#include "../core/pairs.h"
#include "../core/relation.h"
#include "../core/scheme.h"
#include "../core/threadpool.h"
#include "l_gaze.h"
#include "l_relation.h"
#include "l_tensor.h"
#include "lgaze.h"

#define MAX_KEYS 64
#define REPORT_MT "gaze.PairsReport" /* internal: owns a gz_pairs_report */

static const gz_scheme *check_scheme(lua_State *L, int idx)
{
    const char *name = luaL_checkstring(L, idx);
    const gz_scheme *s = gz_scheme_find(name);
    if (!s) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (const gz_scheme *const *p = gz_scheme_all(); *p; p++) {
            if (p != gz_scheme_all())
                luaL_addstring(&b, ", ");
            luaL_addstring(&b, (*p)->name);
        }
        luaL_pushresult(&b);
        luaL_error(L, "unknown similarity scheme '%s' (known: %s)", name, lua_tostring(L, -1));
    }
    return s;
}

typedef struct keyset {
    const char *k[MAX_KEYS];
    const char *v[MAX_KEYS];
    size_t n;
    char buf[MAX_KEYS][128];
} keyset;

/* Splits the list of "key=value" strings at idx (nil = none) into ks. The
 * key part is copied into ks->buf; values point into the Lua strings. */
static void check_keys(lua_State *L, int idx, keyset *ks)
{
    ks->n = 0;
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n > MAX_KEYS)
        luaL_error(L, "too many scheme keys (%d > %d)", (int)n, MAX_KEYS);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        const char *w = lua_tostring(L, -1);
        const char *eq = w ? strchr(w, '=') : NULL;
        if (!w || !eq || eq == w || (size_t)(eq - w) >= sizeof ks->buf[0])
            luaL_error(L, "scheme key %d must be a 'key=value' string", (int)i);
        size_t kl = (size_t)(eq - w);
        memcpy(ks->buf[ks->n], w, kl);
        ks->buf[ks->n][kl] = '\0';
        ks->k[ks->n] = ks->buf[ks->n];
        ks->v[ks->n] = eq + 1; /* the string stays referenced by the table */
        ks->n++;
        lua_pop(L, 1);
    }
}

/* gaze.core.similarity_schemes() -> { {name=, keys={..}, values={..}, score=i}, ... } */
static int l_schemes(lua_State *L)
{
    lua_newtable(L);
    int k = 0;
    for (const gz_scheme *const *p = gz_scheme_all(); *p; p++) {
        const gz_scheme *s = *p;
        lua_createtable(L, 0, 4);
        lua_pushstring(L, s->name);
        lua_setfield(L, -2, "name");
        lua_newtable(L);
        for (int i = 0; s->keys && s->keys[i]; i++) {
            lua_pushstring(L, s->keys[i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "keys");
        lua_newtable(L);
        for (size_t i = 0; i < s->n_values; i++) {
            lua_pushstring(L, s->value_names[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "values");
        lua_pushinteger(L, (lua_Integer)s->score_index + 1);
        lua_setfield(L, -2, "score");
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

/* gaze.core.similarity_params(scheme, keys) -> description | nil, message
 * (never raises for bad keys: the command line maps them to exit 2). */
static int l_params(lua_State *L)
{
    const gz_scheme *s = check_scheme(L, 1);
    keyset *ks = lua_newuserdatauv(L, sizeof *ks, 0);
    check_keys(L, 2, ks);
    void *params = NULL;
    gz_status st = s->params_new(&params, ks->k, ks->v, ks->n);
    if (st) {
        lua_pushnil(L);
        lua_pushstring(L, gz_error_message());
        lua_pushstring(L, gz_status_name(st));
        return 3;
    }
    char desc[1024];
    st = s->params_describe(params, desc, sizeof desc);
    s->params_free(params);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushstring(L, desc);
    return 1;
}

/* --- records --------------------------------------------------------------- */

typedef struct rec_desc {
    const char *name;
    const char *gaze_path;
    const gz_gaze *gaze_obj;
    const char *heat_path;
    const gz_tensor *heat_obj;
    int64_t label;
    gz_gaze_read_options ropt;
} rec_desc;

typedef struct rec_loaded {
    gz_gaze *gaze;     /* owned when loaded from a path */
    gz_tensor *heat;   /* owned grey F32 map (loaded or converted), else NULL */
} rec_loaded;

static const char *opt_field_string(lua_State *L, int t, const char *field, const char *what)
{
    lua_getfield(L, t, field);
    const char *s = NULL;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "%s: %s must be a string", what, field);
        s = lua_tostring(L, -1);
    }
    lua_pop(L, 1); /* the string stays referenced by the record table */
    return s;
}

/* Reads the record table at idx into d (no allocation). */
static void check_record(lua_State *L, int idx, rec_desc *d, const char *what)
{
    memset(d, 0, sizeof *d);
    d->label = -1;
    if (lua_type(L, idx) == LUA_TSTRING) { /* a bare path */
        const char *p = lua_tostring(L, idx);
        const char *dot = strrchr(p, '.');
        if (dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") ||
                    !strcasecmp(dot, ".jpeg")))
            d->heat_path = p;
        else
            d->gaze_path = p;
        d->name = p;
        return;
    }
    if (!lua_istable(L, idx))
        luaL_error(L, "%s must be a record table or a path", what);
    d->name = opt_field_string(L, idx, "name", what);
    lua_getfield(L, idx, "gaze");
    if (lua_type(L, -1) == LUA_TSTRING)
        d->gaze_path = lua_tostring(L, -1);
    else if (!lua_isnil(L, -1) && !(d->gaze_obj = gz_lua_togaze(L, -1)))
        luaL_error(L, "%s: gaze must be a path or a gaze.Gaze", what);
    lua_pop(L, 1);
    lua_getfield(L, idx, "heatmap");
    if (lua_type(L, -1) == LUA_TSTRING) {
        d->heat_path = lua_tostring(L, -1);
    } else if (!lua_isnil(L, -1)) {
        const gz_tensor *t = gz_lua_totensor(L, -1);
        if (!t || (t->ndim != 2 && t->ndim != 3) || t->shape[0] < 1 || t->shape[1] < 1)
            luaL_error(L, "%s: heatmap must be a path or an H x W (x C) gaze.Tensor", what);
        d->heat_obj = t;
    }
    lua_pop(L, 1);
    lua_getfield(L, idx, "label");
    if (!lua_isnil(L, -1) && lua_toboolean(L, -1)) {
        int isint;
        lua_Integer v = lua_tointegerx(L, -1, &isint);
        if (!isint)
            luaL_error(L, "%s: label must be an integer", what);
        d->label = v < 0 ? -1 : (int64_t)v;
    }
    lua_pop(L, 1);
    lua_getfield(L, idx, "canvas");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1))
            luaL_error(L, "%s: canvas must be {w, h}", what);
        lua_rawgeti(L, -1, 1);
        lua_rawgeti(L, -2, 2);
        d->ropt.canvas_w = lua_tonumber(L, -2);
        d->ropt.canvas_h = lua_tonumber(L, -1);
        if (!(d->ropt.canvas_w > 0 && d->ropt.canvas_h > 0))
            luaL_error(L, "%s: canvas must be {w, h} with positive numbers", what);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    const char *unit = opt_field_string(L, idx, "duration_unit", what);
    if (unit) {
        if (gz_time_unit_parse(unit, &d->ropt.duration_unit))
            luaL_error(L, "%s: duration_unit must be s, ms, us or samples, got '%s'", what, unit);
        d->ropt.has_duration_unit = 1;
    }
    const char *fmt = opt_field_string(L, idx, "format", what);
    if (fmt) {
        if (!strcmp(fmt, "json"))
            d->ropt.format = GZ_FMT_MCGIP_JSON;
        else if (!strcmp(fmt, "table"))
            d->ropt.format = GZ_FMT_TABLE;
        else if (strcmp(fmt, "auto"))
            luaL_error(L, "%s: format must be auto, json or table, got '%s'", what, fmt);
    }
    lua_getfield(L, idx, "columns");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1))
            luaL_error(L, "%s: columns must be a table {x=, y=, duration=, time=}", what);
        int ci = lua_gettop(L);
        d->ropt.col_x = opt_field_string(L, ci, "x", what);
        d->ropt.col_y = opt_field_string(L, ci, "y", what);
        d->ropt.col_duration = opt_field_string(L, ci, "duration", what);
        d->ropt.col_time = opt_field_string(L, ci, "time", what);
    }
    lua_pop(L, 1);
    lua_getfield(L, idx, "normalised");
    d->ropt.normalised = lua_toboolean(L, -1);
    lua_pop(L, 1);
}

/* A grey F32 H x W map from an image tensor (any dtype, C = 1..4). */
static gz_status grey_of(const gz_tensor *t, gz_tensor **out)
{
    *out = NULL;
    gz_tensor *f = NULL;
    gz_status st = gz_tensor_new(&f, GZ_F32, t->ndim, t->shape);
    if (st)
        return st;
    int64_t n = gz_tensor_numel(t);
    float *d = f->data;
    for (int64_t i = 0; i < n; i++)
        d[i] = (float)gz_tensor_get_flat(t, i);
    if (t->ndim == 2) {
        *out = f;
        return GZ_OK;
    }
    st = gz_image_to_grey(f, out);
    gz_tensor_free(f);
    return st;
}

static gz_status load_one(const rec_desc *d, rec_loaded *l, gz_record *r)
{
    r->name = d->name;
    r->label = d->label;
    r->gaze = d->gaze_obj;
    r->heatmap = NULL;
    gz_status st;
    if (d->gaze_path) {
        if ((st = gz_gaze_read(d->gaze_path, &d->ropt, &l->gaze)))
            return st;
        r->gaze = l->gaze;
    }
    if (d->heat_path) {
        gz_tensor *img = NULL;
        if ((st = gz_image_read(d->heat_path, &img)))
            return st;
        st = gz_image_to_grey(img, &l->heat);
        gz_tensor_free(img);
        if (st)
            return gz_error_prefix(st, "%s", d->heat_path);
        r->heatmap = l->heat;
    } else if (d->heat_obj) {
        const gz_tensor *t = d->heat_obj;
        if (t->ndim == 2 && t->dtype == GZ_F32 && gz_tensor_is_contiguous(t)) {
            r->heatmap = t;
        } else {
            if ((st = grey_of(t, &l->heat)))
                return st;
            r->heatmap = l->heat;
        }
    }
    return GZ_OK;
}

static void unload(rec_loaded *l, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        gz_gaze_free(l[i].gaze);
        gz_tensor_free(l[i].heat);
        l[i].gaze = NULL;
        l[i].heat = NULL;
    }
}

typedef struct loader {
    const rec_desc *descs;
    rec_loaded *loaded;
    gz_record *recs;
    pthread_mutex_t lock;
    int64_t bad; /* lowest failing index, -1 none */
    gz_status st;
    char msg[512];
} loader;

static gz_status load_range(void *ctx, int64_t begin, int64_t end, int worker)
{
    loader *ld = ctx;
    (void)worker;
    for (int64_t i = begin; i < end; i++) {
        gz_status st = load_one(&ld->descs[i], &ld->loaded[i], &ld->recs[i]);
        if (st) {
            pthread_mutex_lock(&ld->lock);
            if (ld->bad < 0 || i < ld->bad) {
                ld->bad = i;
                ld->st = st;
                snprintf(ld->msg, sizeof ld->msg, "%s", gz_error_message());
            }
            pthread_mutex_unlock(&ld->lock);
            return st;
        }
    }
    return GZ_OK;
}

/* Loads n records in parallel; on failure everything is freed and the
 * lowest failing record's message is current. */
static gz_status load_all(const rec_desc *d, rec_loaded *l, gz_record *r, int64_t n, int threads)
{
    loader ld = {.descs = d, .loaded = l, .recs = r, .bad = -1};
    pthread_mutex_init(&ld.lock, NULL);
    gz_status st = gz_parallel_for_dynamic(n, threads, 1, load_range, &ld);
    pthread_mutex_destroy(&ld.lock);
    if (st) {
        if (ld.bad >= 0)
            st = gz_error_set(ld.st, "%s", ld.msg);
        unload(l, n);
    }
    return st;
}

/* --- compare two ------------------------------------------------------------ */

/* gaze.core.similarity_compare(scheme, keys, a, b) -> { name = value, ... }, {v1, v2, ...} */
static int l_compare(lua_State *L)
{
    const gz_scheme *s = check_scheme(L, 1);
    keyset *ks = lua_newuserdatauv(L, sizeof *ks, 0);
    check_keys(L, 2, ks);
    rec_desc d[2];
    check_record(L, 3, &d[0], "first record");
    check_record(L, 4, &d[1], "second record");
    lua_createtable(L, 0, (int)s->n_values); /* results, pushed before any allocation */
    lua_createtable(L, (int)s->n_values, 0);

    rec_loaded l[2] = {{NULL, NULL}, {NULL, NULL}};
    gz_record r[2];
    void *params = NULL, *fa = NULL, *fb = NULL;
    double vals[32];
    gz_status st = GZ_OK;
    if (s->n_values > 32)
        st = gz_error_set(GZ_ERR_INTERNAL, "scheme %s has too many values", s->name);
    if (!st)
        st = s->params_new(&params, ks->k, ks->v, ks->n);
    if (!st && !(st = load_one(&d[0], &l[0], &r[0])) && !(st = load_one(&d[1], &l[1], &r[1])) &&
        !(st = s->features_new(params, &r[0], &fa)) && !(st = s->features_new(params, &r[1], &fb)))
        st = s->compare(params, fa, fb, 0, 1, vals);
    if (fa)
        s->features_free(fa);
    if (fb)
        s->features_free(fb);
    if (params)
        s->params_free(params);
    unload(l, 2);
    if (st)
        return gz_lua_raise(L, st);
    for (size_t i = 0; i < s->n_values; i++) {
        lua_pushnumber(L, vals[i]);
        lua_setfield(L, -3, s->value_names[i]);
        lua_pushnumber(L, vals[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 2;
}

/* --- matrix ----------------------------------------------------------------- */

static int opt_int(lua_State *L, int t, const char *field, int def)
{
    lua_getfield(L, t, field);
    int isint = 1;
    lua_Integer v = lua_isnil(L, -1) ? def : lua_tointegerx(L, -1, &isint);
    if (!isint)
        luaL_error(L, "similarity_matrix: %s must be an integer", field);
    lua_pop(L, 1);
    return (int)v;
}

/* gaze.core.similarity_matrix(scheme, keys, records, opts) -> Relation, timings
 * opts: threads (default: gaze.core.threads()), all_values (bool),
 * progress (label string or nil). timings = {load=, features=, pairs=} s. */
static int l_matrix(lua_State *L)
{
    const gz_scheme *s = check_scheme(L, 1);
    keyset *ks = lua_newuserdatauv(L, sizeof *ks, 0);
    check_keys(L, 2, ks);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 3);
    gz_relation_opts ro = {0};
    const char *label = NULL;
    if (!lua_isnoneornil(L, 4)) {
        luaL_checktype(L, 4, LUA_TTABLE);
        ro.threads = opt_int(L, 4, "threads", 0);
        lua_getfield(L, 4, "all_values");
        ro.all_values = lua_toboolean(L, -1);
        lua_pop(L, 1);
        label = opt_field_string(L, 4, "progress", "similarity_matrix");
    }
    if (ro.threads < 0 || ro.threads > 1024)
        return luaL_error(L, "similarity_matrix: threads must be 1..1024");
    ro.label = label;
    size_t cnt = n > 0 ? (size_t)n : 1;
    rec_desc *d = lua_newuserdatauv(L, cnt * sizeof *d, 0);
    rec_loaded *l = lua_newuserdatauv(L, cnt * sizeof *l, 0);
    gz_record *r = lua_newuserdatauv(L, cnt * sizeof *r, 0);
    memset(l, 0, cnt * sizeof *l);
    for (lua_Integer i = 1; i <= n; i++) {
        char what[48];
        snprintf(what, sizeof what, "record %d", (int)i);
        lua_rawgeti(L, 3, i);
        check_record(L, lua_gettop(L), &d[i - 1], what);
        lua_pop(L, 1); /* the record stays referenced by the records table */
    }
    gz_tensor **slot = gz_lua_newrelation(L);
    lua_createtable(L, 0, 3);

    double t_load = 0, t_feat = 0, t_pairs = 0;
    ro.seconds_features = &t_feat;
    ro.seconds_pairs = &t_pairs;
    void *params = NULL;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    gz_status st = s->params_new(&params, ks->k, ks->v, ks->n);
    if (!st)
        st = load_all(d, l, r, n, ro.threads);
    clock_gettime(CLOCK_MONOTONIC, &b);
    t_load = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
    if (!st) {
        st = gz_relation_compute(s, params, r, n, &ro, slot);
        unload(l, n);
    }
    if (params)
        s->params_free(params);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushnumber(L, t_load);
    lua_setfield(L, -2, "load");
    lua_pushnumber(L, t_feat);
    lua_setfield(L, -2, "features");
    lua_pushnumber(L, t_pairs);
    lua_setfield(L, -2, "pairs");
    return 2;
}

/* --- pairs ------------------------------------------------------------------ */

static void push_num_or_nil(lua_State *L, double v, const char *field)
{
    if (isnan(v))
        lua_pushnil(L);
    else
        lua_pushnumber(L, v);
    lua_setfield(L, -2, field);
}

/* gaze.core.similarity_pairs(R, opts) -> report table
 * R: Relation or 2-D gaze.Tensor. opts: threshold | count, drop, seed,
 * labels (list of N integers; negative, false or nil = unknown), list (bool).
 * The report's pair_list holds {i, j} with 1-based indices, per_image the
 * kept pairs of each image. */
static int l_pairs(lua_State *L)
{
    gz_tensor *R = gz_lua_torelation_or_tensor(L, 1);
    if (!R)
        return luaL_argerror(L, 1, "expected a gaze.Relation or gaze.Tensor");
    luaL_checktype(L, 2, LUA_TTABLE);
    gz_pairs_opts o = {.threshold = NAN, .count = -1};
    lua_getfield(L, 2, "threshold");
    if (!lua_isnil(L, -1))
        o.threshold = luaL_checknumber(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 2, "count");
    if (!lua_isnil(L, -1)) {
        int isint;
        lua_Integer c = lua_tointegerx(L, -1, &isint);
        if (!isint || c < 0)
            return luaL_error(L, "pairs: count must be a non-negative integer");
        o.count = (int64_t)c;
    }
    lua_pop(L, 1);
    if ((o.count >= 0) == !isnan(o.threshold))
        return luaL_error(L, "pairs: give exactly one of threshold and count");
    lua_getfield(L, 2, "drop");
    o.drop = lua_isnil(L, -1) ? 0.0 : luaL_checknumber(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 2, "seed");
    if (!lua_isnil(L, -1)) {
        int isint;
        lua_Integer sd = lua_tointegerx(L, -1, &isint);
        if (!isint || sd < 0)
            return luaL_error(L, "pairs: seed must be a non-negative integer");
        o.seed = (uint64_t)sd;
    }
    lua_pop(L, 1);
    lua_getfield(L, 2, "list");
    o.want_list = lua_toboolean(L, -1);
    lua_pop(L, 1);
    int64_t n = R->ndim >= 1 ? R->shape[0] : 0;
    lua_getfield(L, 2, "labels");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1))
            return luaL_error(L, "pairs: labels must be a list of integers");
        int li = lua_gettop(L);
        int64_t *labels = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *labels, 0);
        for (int64_t i = 0; i < n; i++) {
            lua_rawgeti(L, li, (lua_Integer)i + 1);
            int isint = 1;
            lua_Integer v = lua_toboolean(L, -1) ? lua_tointegerx(L, -1, &isint) : -1;
            if (!isint)
                return luaL_error(L, "pairs: labels[%d] is not an integer", (int)i + 1);
            labels[i] = v < 0 ? -1 : (int64_t)v;
            lua_pop(L, 1);
        }
        o.labels = labels; /* kept alive on the stack */
    }
    /* the report lives in a userdata whose __gc frees its arrays, so a
     * memory error while building the Lua table cannot leak them */
    gz_pairs_report *rep_box = lua_newuserdatauv(L, sizeof *rep_box, 0);
    memset(rep_box, 0, sizeof *rep_box);
    luaL_setmetatable(L, REPORT_MT);
    lua_newtable(L);
    gz_status st = gz_pairs_compute(R, &o, rep_box);
    if (st)
        return gz_lua_raise(L, st);
    const gz_pairs_report rep = *rep_box;
    lua_Integer np = (lua_Integer)rep.pairs;
    lua_pushinteger(L, np);
    lua_setfield(L, -2, "pairs");
    lua_pushinteger(L, (lua_Integer)rep.candidates);
    lua_setfield(L, -2, "candidates");
    push_num_or_nil(L, rep.threshold, "threshold");
    lua_pushnumber(L, o.drop);
    lua_setfield(L, -2, "drop");
    lua_pushinteger(L, (lua_Integer)o.seed);
    lua_setfield(L, -2, "seed");
    lua_pushinteger(L, (lua_Integer)rep.n);
    lua_setfield(L, -2, "n");
    lua_pushnumber(L, rep.per_image_mean);
    lua_setfield(L, -2, "per_image_mean");
    lua_pushinteger(L, (lua_Integer)rep.per_image_min);
    lua_setfield(L, -2, "per_image_min");
    lua_pushinteger(L, (lua_Integer)rep.per_image_max);
    lua_setfield(L, -2, "per_image_max");
    lua_pushinteger(L, (lua_Integer)rep.images_without_pairs);
    lua_setfield(L, -2, "images_without_pairs");
    if (rep.has_labels) {
        push_num_or_nil(L, rep.purity, "purity");
        push_num_or_nil(L, rep.purity_chance, "purity_chance");
        push_num_or_nil(L, rep.auc, "auc");
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "has_labels");
    }
    lua_createtable(L, (int)(rep.n > 0 ? rep.n : 0), 0);
    for (int64_t i = 0; i < rep.n; i++) {
        lua_pushinteger(L, (lua_Integer)rep.degree[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "per_image");
    if (o.want_list) {
        lua_createtable(L, (int)np, 0);
        for (lua_Integer k = 0; k < np; k++) {
            lua_createtable(L, 2, 0);
            lua_pushinteger(L, (lua_Integer)rep.list[2 * k] + 1);
            lua_rawseti(L, -2, 1);
            lua_pushinteger(L, (lua_Integer)rep.list[2 * k + 1] + 1);
            lua_rawseti(L, -2, 2);
            lua_rawseti(L, -2, k + 1);
        }
        lua_setfield(L, -2, "pair_list");
    }
    gz_pairs_report_free(rep_box);
    return 1;
}

static int report_gc(lua_State *L)
{
    gz_pairs_report_free(luaL_checkudata(L, 1, REPORT_MT));
    return 0;
}

/* --- histogram ---------------------------------------------------------------- */

static void hist_bars(gz_canvas *c, const double *share, int bins, double x0, double y0,
                      double w, double h, double ymax, gz_rgba fill)
{
    double bw = w / bins;
    for (int b = 0; b < bins; b++) {
        double bh = ymax > 0 ? h * share[b] / ymax : 0;
        if (bh > 0)
            gz_canvas_rect(c, x0 + b * bw, y0 + h - bh, bw, bh, &fill, NULL, 0);
    }
}

/* gaze.core.similarity_histogram(R, path, {threshold=, labels=, bins=, title=, dim=})
 * PNG of the upper-triangle values: the share of pairs per bin, for all
 * pairs or, with labels, for same-label and different-label pairs. */
static int l_histogram(lua_State *L)
{
    gz_tensor *R = gz_lua_torelation_or_tensor(L, 1);
    if (!R || (R->ndim != 2 && R->ndim != 3) || R->shape[0] != R->shape[1])
        return luaL_argerror(L, 1, "expected an N x N gaze.Relation or gaze.Tensor");
    const char *path = luaL_checkstring(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_getfield(L, 3, "threshold");
    double thr = lua_isnil(L, -1) ? NAN : luaL_checknumber(L, -1);
    lua_pop(L, 1);
    int bins = opt_int(L, 3, "bins", 50);
    int dim = opt_int(L, 3, "dim", 1);
    const char *title = opt_field_string(L, 3, "title", "similarity_histogram");
    int64_t n = R->shape[0], depth = R->ndim == 3 ? R->shape[2] : 1;
    if (bins < 2 || bins > 1000)
        return luaL_error(L, "similarity_histogram: bins must be 2..1000");
    if (dim < 1 || dim > depth)
        return luaL_error(L, "similarity_histogram: dim must be 1..%d", (int)depth);
    int64_t *labels = NULL;
    lua_getfield(L, 3, "labels");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1))
            return luaL_error(L, "similarity_histogram: labels must be a list");
        int li = lua_gettop(L);
        labels = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *labels, 0);
        for (int64_t i = 0; i < n; i++) {
            lua_rawgeti(L, li, (lua_Integer)i + 1);
            int isint = 1;
            lua_Integer v = lua_toboolean(L, -1) ? lua_tointegerx(L, -1, &isint) : -1;
            labels[i] = isint && v >= 0 ? (int64_t)v : -1;
            lua_pop(L, 1);
        }
    }
    /* counts: [0] all or same label, [1] different label */
    double *counts = lua_newuserdatauv(L, 2 * (size_t)bins * sizeof *counts, 0);
    memset(counts, 0, 2 * (size_t)bins * sizeof *counts);
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) {
            double v = gz_tensor_get_flat(R, (i * n + j) * depth + (dim - 1));
            if (isfinite(v)) {
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        }
    if (!(lo <= hi))
        lo = 0, hi = 1;
    if (isfinite(thr)) {
        lo = thr < lo ? thr : lo;
        hi = thr > hi ? thr : hi;
    }
    if (hi - lo < 1e-12)
        lo -= 0.5, hi += 0.5;
    double total[2] = {0, 0};
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) {
            double v = gz_tensor_get_flat(R, (i * n + j) * depth + (dim - 1));
            if (!isfinite(v))
                continue;
            int cls = 0;
            if (labels) {
                if (labels[i] < 0 || labels[j] < 0)
                    continue;
                cls = labels[i] == labels[j] ? 0 : 1;
            }
            int b = (int)((v - lo) / (hi - lo) * bins);
            b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
            counts[cls * bins + b] += 1;
            total[cls] += 1;
        }
    double ymax = 0;
    for (int cls = 0; cls < 2; cls++)
        for (int b = 0; b < bins; b++) {
            if (total[cls] > 0)
                counts[cls * bins + b] /= total[cls];
            ymax = counts[cls * bins + b] > ymax ? counts[cls * bins + b] : ymax;
        }

    const int W = 720, H = 420;
    const double x0 = 70, y0 = 50, pw = W - 70 - 30, ph = H - 50 - 60;
    gz_canvas *c = NULL;
    gz_rgba white = {1, 1, 1, 1}, black = {0, 0, 0, 1}, grey = {0.5, 0.5, 0.5, 1};
    gz_rgba same = {0.90, 0.45, 0.10, 0.65}, diff = {0.15, 0.35, 0.75, 0.65};
    gz_rgba red = {0.85, 0.1, 0.1, 1};
    gz_status st = gz_canvas_new(&c, W, H, white);
    if (st)
        return gz_lua_raise(L, st);
    if (labels) {
        hist_bars(c, counts + bins, bins, x0, y0, pw, ph, ymax, diff);
        hist_bars(c, counts, bins, x0, y0, pw, ph, ymax, same);
    } else {
        gz_rgba all = {0.25, 0.45, 0.65, 1};
        hist_bars(c, counts, bins, x0, y0, pw, ph, ymax, all);
    }
    gz_canvas_line(c, x0, y0 + ph, x0 + pw, y0 + ph, 1.5, black);
    gz_canvas_line(c, x0, y0, x0, y0 + ph, 1.5, black);
    char buf[160];
    for (int k = 0; k <= 4; k++) {
        double x = x0 + pw * k / 4.0;
        gz_canvas_line(c, x, y0 + ph, x, y0 + ph + 5, 1, black);
        snprintf(buf, sizeof buf, "%.3g", lo + (hi - lo) * k / 4.0);
        gz_canvas_text(c, x, y0 + ph + 8, buf, 13, black, NULL, GZ_ALIGN_CENTER, false);
    }
    snprintf(buf, sizeof buf, "%.3g", ymax);
    gz_canvas_text(c, x0 - 6, y0 - 6, buf, 13, black, NULL, GZ_ALIGN_RIGHT, false);
    gz_canvas_text(c, x0 - 6, y0 + ph - 12, "0", 13, black, NULL, GZ_ALIGN_RIGHT, false);
    gz_canvas_text(c, x0 + pw / 2, H - 28, "similarity R[i][j], i < j", 14, black, NULL,
                   GZ_ALIGN_CENTER, false);
    gz_canvas_text(c, 8, y0 + ph / 2, "share", 14, grey, NULL, GZ_ALIGN_LEFT, false);
    if (title)
        gz_canvas_text(c, W / 2.0, 12, title, 16, black, NULL, GZ_ALIGN_CENTER, true);
    if (labels) {
        gz_canvas_rect(c, x0 + 10, y0 + 4, 14, 14, &same, NULL, 0);
        gz_canvas_text(c, x0 + 30, y0 + 4, "same label", 13, black, NULL, GZ_ALIGN_LEFT, false);
        gz_canvas_rect(c, x0 + 10, y0 + 24, 14, 14, &diff, NULL, 0);
        gz_canvas_text(c, x0 + 30, y0 + 24, "different label", 13, black, NULL, GZ_ALIGN_LEFT,
                       false);
    }
    if (isfinite(thr)) {
        double x = x0 + pw * (thr - lo) / (hi - lo);
        gz_canvas_line(c, x, y0, x, y0 + ph, 2, red);
        snprintf(buf, sizeof buf, "t = %.4g", thr);
        gz_canvas_text(c, x + 4, y0 - 18, buf, 13, red, NULL, GZ_ALIGN_LEFT, false);
    }
    st = gz_canvas_save_png(c, path, false);
    gz_canvas_free(c);
    if (st)
        return gz_lua_raise(L, st);
    return 0;
}

/* gaze.core.similarity_hash(string) -> 32 hex digits: two independent
 * 64-bit FNV-1a hashes (offsets 0xcbf29ce484222325 and 0x84222325cbf29ce4),
 * used for cache keys and sidecars; not cryptographic. */
static int l_hash(lua_State *L)
{
    size_t len;
    const unsigned char *p = (const unsigned char *)luaL_checklstring(L, 1, &len);
    uint64_t h1 = 0xcbf29ce484222325ull, h2 = 0x84222325cbf29ce4ull;
    for (size_t i = 0; i < len; i++) {
        h1 = (h1 ^ p[i]) * 0x100000001b3ull;
        h2 = (h2 ^ p[len - 1 - i]) * 0x100000001b3ull;
    }
    char out[33];
    snprintf(out, sizeof out, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
    lua_pushstring(L, out);
    return 1;
}

int gz_lua_open_similarity(lua_State *L);
int gz_lua_open_similarity(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"similarity_schemes", l_schemes}, {"similarity_params", l_params},
        {"similarity_compare", l_compare}, {"similarity_matrix", l_matrix},
        {"similarity_pairs", l_pairs},     {"similarity_hash", l_hash},
        {"similarity_histogram", l_histogram},
        {NULL, NULL},
    };
    static const luaL_Reg report_meta[] = {{"__gc", report_gc}, {NULL, NULL}};
    gz_lua_newclass(L, REPORT_MT, NULL, report_meta);
    gz_lua_setfuncs(L, fns);
    return 0;
}
