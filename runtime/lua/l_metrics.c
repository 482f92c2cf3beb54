/* Lua bindings of metrics.h and linprobe.h (gaze.core.metrics, auc,
 * linprobe_fit, knn_predict; gaze.LinearModel).
 *
 *   m = metrics(y, pred [, scores] [, {classes = k, ordinal = false}])
 *       -> {n, k, accuracy, balanced_accuracy, macro_f1, auc, auc_classes,
 *           mae, confusion = {{...}, ...}}   (undefined values are nil)
 *   a = auc(scores, positives)               lists or 1-D tensors
 *   model = linprobe_fit(X, y, k [, {l2 =, max_iter =, tol =, balanced =, init =}])
 *   P = model:predict(X)                     (n, k) float64 probabilities
 *   scores = knn_predict(X, y, classes, Q, k, T)
 *
 * Labels are 0-based class numbers, as a Lua list or an int64 tensor. */
#include <math.h>
#include <string.h>

#include "../core/linprobe.h"
#include "../core/metrics.h"
#include "l_tensor.h"
#include "lgaze.h"

#define LINMODEL_MT "gaze.LinearModel"

typedef struct {
    gz_linmodel *m;
} model_box;

static void set_num(lua_State *L, const char *key, double v)
{
    if (isnan(v))
        return;
    lua_pushnumber(L, v);
    lua_setfield(L, -2, key);
}

static int l_metrics(lua_State *L)
{
    int opt = 0, sidx = 0;
    if (lua_istable(L, 3) && !gz_lua_totensor(L, 3))
        opt = 3;
    else {
        if (!lua_isnoneornil(L, 3))
            sidx = 3;
        if (lua_istable(L, 4))
            opt = 4;
    }
    static const char *const keys[] = {"classes", "ordinal", NULL};
    int64_t k = -1;
    int ordinal = 0;
    if (opt) {
        gz_lua_check_options(L, opt, "metrics", keys);
        lua_getfield(L, opt, "classes");
        if (!lua_isnil(L, -1))
            k = (int64_t)luaL_checkinteger(L, -1);
        lua_getfield(L, opt, "ordinal");
        ordinal = lua_toboolean(L, -1);
        lua_pop(L, 2);
    }
    gz_tensor *sc = sidx ? gz_lua_checktensor(L, sidx) : NULL;
    lua_settop(L, 4);
    int64_t n, n2;
    int64_t *y = gz_lua_checkints(L, 1, &n, "labels", 0);
    int64_t *pred = gz_lua_checkints(L, 2, &n2, "predictions", 0);
    if (n2 != n)
        return luaL_error(L, "metrics: %d labels but %d predictions", (int)n, (int)n2);
    if (sc && (sc->ndim != 2 || sc->shape[0] != n))
        return luaL_error(L, "metrics: scores must be an (n, classes) tensor with n = %d", (int)n);
    if (k < 0) {
        k = sc ? sc->shape[1] : 1;
        for (int64_t i = 0; i < n; i++) {
            if (y[i] + 1 > k)
                k = y[i] + 1;
            if (pred[i] + 1 > k)
                k = pred[i] + 1;
        }
    }
    if (sc && sc->shape[1] != k)
        return luaL_error(L, "metrics: scores have %d columns for %d classes", (int)sc->shape[1],
                          (int)k);
    double *s = NULL;
    if (sc) {
        s = lua_newuserdatauv(L, (size_t)(n * k + 1) * sizeof *s, 0);
        for (int64_t i = 0; i < n * k; i++)
            s[i] = gz_tensor_get_flat(sc, i);
    }
    gz_metrics m;
    gz_status st = gz_metrics_compute(y, pred, s, n, k, ordinal, &m);
    if (st)
        return gz_lua_raise(L, st);
    /* copy the confusion matrix to Lua-owned memory before anything can raise */
    int64_t *cm = lua_newuserdatauv(L, (size_t)(k * k) * sizeof *cm, 0);
    memcpy(cm, m.confusion, (size_t)(k * k) * sizeof *cm);
    gz_metrics_free(&m);
    lua_createtable(L, 0, 10);
    lua_pushinteger(L, (lua_Integer)n);
    lua_setfield(L, -2, "n");
    lua_pushinteger(L, (lua_Integer)k);
    lua_setfield(L, -2, "classes");
    set_num(L, "accuracy", m.accuracy);
    set_num(L, "balanced_accuracy", m.balanced_accuracy);
    set_num(L, "macro_f1", m.macro_f1);
    set_num(L, "auc", m.auc);
    set_num(L, "mae", m.mae);
    if (!isnan(m.auc)) {
        lua_pushinteger(L, (lua_Integer)m.auc_classes);
        lua_setfield(L, -2, "auc_classes");
    }
    lua_createtable(L, (int)k, 0);
    for (int64_t r = 0; r < k; r++) {
        lua_createtable(L, (int)k, 0);
        for (int64_t c = 0; c < k; c++) {
            lua_pushinteger(L, (lua_Integer)cm[r * k + c]);
            lua_rawseti(L, -2, (lua_Integer)(c + 1));
        }
        lua_rawseti(L, -2, (lua_Integer)(r + 1));
    }
    lua_setfield(L, -2, "confusion");
    return 1;
}

static int l_auc(lua_State *L)
{
    int64_t n, n2;
    lua_settop(L, 2);
    gz_tensor *t = gz_lua_totensor(L, 1);
    double *s;
    if (t) {
        if (t->ndim != 1)
            luaL_argerror(L, 1, "expected a 1-D tensor");
        n = t->shape[0];
        s = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *s, 0);
        for (int64_t i = 0; i < n; i++)
            s[i] = gz_tensor_get_flat(t, i);
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        n = (int64_t)luaL_len(L, 1);
        s = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *s, 0);
        for (int64_t i = 0; i < n; i++) {
            lua_geti(L, 1, (lua_Integer)(i + 1));
            s[i] = luaL_checknumber(L, -1);
            lua_pop(L, 1);
        }
    }
    uint8_t *pos = lua_newuserdatauv(L, (size_t)(n + 1), 0);
    if (lua_istable(L, 2)) {
        n2 = (int64_t)luaL_len(L, 2);
        for (int64_t i = 0; i < n2 && i < n; i++) {
            lua_geti(L, 2, (lua_Integer)(i + 1));
            pos[i] = lua_isboolean(L, -1) ? (uint8_t)lua_toboolean(L, -1)
                                          : (uint8_t)(luaL_checknumber(L, -1) != 0);
            lua_pop(L, 1);
        }
    } else {
        gz_tensor *p = gz_lua_checktensor(L, 2);
        n2 = gz_tensor_numel(p);
        for (int64_t i = 0; i < n2 && i < n; i++)
            pos[i] = gz_tensor_get_flat(p, i) != 0;
    }
    if (n2 != n)
        return luaL_error(L, "auc: %d scores but %d labels", (int)n, (int)n2);
    gz_status st;
    double a = gz_metrics_auc(s, pos, n, &st);
    if (st)
        return gz_lua_raise(L, st);
    if (isnan(a))
        lua_pushnil(L);
    else
        lua_pushnumber(L, a);
    return 1;
}

static model_box *check_model(lua_State *L, int idx)
{
    model_box *b = luaL_checkudata(L, idx, LINMODEL_MT);
    if (!b->m)
        luaL_argerror(L, idx, "linear model has been closed");
    return b;
}

static gz_tensor *check_features(lua_State *L, int idx)
{
    gz_tensor *t = gz_lua_checktensor(L, idx);
    if ((t->dtype != GZ_F32 && t->dtype != GZ_F64) || t->ndim != 2 || !gz_tensor_is_contiguous(t))
        luaL_argerror(L, idx, "expected a contiguous 2-D float tensor (n, d)");
    return t;
}

static int l_linprobe_fit(lua_State *L)
{
    gz_tensor *X = check_features(L, 1);
    int64_t k = (int64_t)luaL_checkinteger(L, 3);
    gz_linprobe_opts o = {0};
    if (!lua_isnoneornil(L, 4)) {
        static const char *const keys[] = {"l2", "max_iter", "tol", "balanced", "init", NULL};
        gz_lua_check_options(L, 4, "linprobe_fit", keys);
        lua_getfield(L, 4, "l2");
        o.l2 = luaL_optnumber(L, -1, 0);
        lua_getfield(L, 4, "max_iter");
        o.max_iter = (int)luaL_optinteger(L, -1, 0);
        lua_getfield(L, 4, "tol");
        o.tol = luaL_optnumber(L, -1, 0);
        lua_getfield(L, 4, "balanced");
        o.balanced = lua_toboolean(L, -1);
        lua_getfield(L, 4, "init");
        if (!lua_isnil(L, -1))
            o.init = check_model(L, lua_gettop(L))->m;
        lua_pop(L, 5);
    }
    lua_settop(L, 4);
    int64_t n;
    int64_t *y = gz_lua_checkints(L, 2, &n, "labels", 0);
    if (n != X->shape[0])
        return luaL_error(L, "linprobe_fit: %d labels for %d feature rows", (int)n,
                          (int)X->shape[0]);
    model_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->m = NULL;
    luaL_setmetatable(L, LINMODEL_MT);
    gz_status st = gz_linprobe_fit(X, y, k, &o, &b->m);
    if (st)
        return gz_lua_raise(L, st);
    return 1;
}

static int m_predict(lua_State *L)
{
    model_box *b = check_model(L, 1);
    gz_tensor *X = check_features(L, 2);
    int64_t shape[2] = {X->shape[0], b->m->k};
    gz_tensor *P;
    gz_status st = gz_tensor_new(&P, GZ_F64, 2, shape);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, P);
    st = gz_linprobe_predict(b->m, X, P);
    return st ? gz_lua_raise(L, st) : 1;
}

static void push_vec(lua_State *L, const double *v, int64_t rows, int64_t cols)
{
    int64_t shape[2] = {rows, cols};
    gz_tensor *t;
    gz_status st = gz_tensor_new(&t, GZ_F64, cols ? 2 : 1, shape);
    if (st)
        gz_lua_raise(L, st);
    gz_lua_pushtensor(L, t);
    memcpy(t->data, v, (size_t)(rows * (cols ? cols : 1)) * sizeof *v);
}

/* info() -> {d, classes, iterations, objective, weight (k x d), bias, mean, scale} */
static int m_info(lua_State *L)
{
    model_box *b = check_model(L, 1);
    gz_linmodel *m = b->m;
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, (lua_Integer)m->d);
    lua_setfield(L, -2, "d");
    lua_pushinteger(L, (lua_Integer)m->k);
    lua_setfield(L, -2, "classes");
    lua_pushinteger(L, m->iterations);
    lua_setfield(L, -2, "iterations");
    lua_pushnumber(L, m->objective);
    lua_setfield(L, -2, "objective");
    push_vec(L, m->w, m->k, m->d);
    lua_setfield(L, -2, "weight");
    push_vec(L, m->b, m->k, 0);
    lua_setfield(L, -2, "bias");
    push_vec(L, m->mean, m->d, 0);
    lua_setfield(L, -2, "mean");
    push_vec(L, m->scale, m->d, 0);
    lua_setfield(L, -2, "scale");
    return 1;
}

static int mm_gc(lua_State *L)
{
    model_box *b = luaL_checkudata(L, 1, LINMODEL_MT);
    gz_linmodel_free(b->m);
    b->m = NULL;
    return 0;
}

static int mm_tostring(lua_State *L)
{
    model_box *b = luaL_checkudata(L, 1, LINMODEL_MT);
    if (!b->m)
        lua_pushliteral(L, "gaze.LinearModel (closed)");
    else
        lua_pushfstring(L, "gaze.LinearModel(%d features, %d classes)", (int)b->m->d,
                        (int)b->m->k);
    return 1;
}

static int l_knn_predict(lua_State *L)
{
    gz_tensor *X = check_features(L, 1);
    int64_t classes = (int64_t)luaL_checkinteger(L, 3);
    gz_tensor *Q = check_features(L, 4);
    int64_t k = (int64_t)luaL_checkinteger(L, 5);
    double T = luaL_checknumber(L, 6);
    lua_settop(L, 6);
    int64_t n;
    int64_t *y = gz_lua_checkints(L, 2, &n, "labels", 0);
    if (n != X->shape[0])
        return luaL_error(L, "knn_predict: %d labels for %d feature rows", (int)n, (int)X->shape[0]);
    int64_t shape[2] = {Q->shape[0], classes > 0 ? classes : 0};
    gz_tensor *S;
    gz_status st = gz_tensor_new(&S, GZ_F64, 2, shape);
    if (st)
        return gz_lua_raise(L, st);
    gz_lua_pushtensor(L, S);
    st = gz_knn_predict(X, y, classes, Q, k, T, S);
    return st ? gz_lua_raise(L, st) : 1;
}

int gz_lua_open_metrics(lua_State *L);
int gz_lua_open_metrics(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"predict", m_predict}, {"info", m_info}, {"close", mm_gc}, {NULL, NULL}};
    static const luaL_Reg meta[] = {
        {"__gc", mm_gc}, {"__close", mm_gc}, {"__tostring", mm_tostring}, {NULL, NULL}};
    gz_lua_newclass(L, LINMODEL_MT, methods, meta);
    static const luaL_Reg fns[] = {
        {"metrics", l_metrics},
        {"auc", l_auc},
        {"linprobe_fit", l_linprobe_fit},
        {"knn_predict", l_knn_predict},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
