/* Lua bindings of losses.h: McGIP's multi-positive losses and the batch
 * label / queue target matrices (gaze.core.loss_*).
 *
 *   loss, dp [, dz] = loss_cosine(p, z, label [, scale [, want_dz]])
 *   loss, dq, kn    = loss_infonce(q, k, queue, target, tau [, scale])
 *   label, pairs    = loss_batch_labels(idx, policy | nil)
 *   target, npos    = loss_queue_targets(idx, qidx, policy | nil)
 *
 * Tensors are 2-D float32/float64 (results take the input's dtype; label
 * and target matrices are float32). idx / qidx are 0-based image indices,
 * as a Lua list of integers or an int64 tensor (qidx -1 = empty slot).
 * policy = {relation = gaze.Relation | N x N tensor, threshold = t,
 * drop = 0, seed = 0, epoch = 0, iteration = 0}. */
#include <string.h>

#include "../core/losses.h"
#include "l_relation.h"
#include "l_tensor.h"
#include "lgaze.h"

static gz_tensor *check_rows(lua_State *L, int idx)
{
    gz_tensor *t = gz_lua_checktensor(L, idx);
    if ((t->dtype != GZ_F32 && t->dtype != GZ_F64) || t->ndim != 2 || !gz_tensor_is_contiguous(t))
        luaL_argerror(L, idx, "expected a contiguous 2-D float32 or float64 tensor");
    return t;
}

/* A new tensor pushed on the stack (owned by Lua from the start). */
static gz_tensor *push_new(lua_State *L, gz_dtype dt, int64_t rows, int64_t cols)
{
    int64_t shape[2] = {rows, cols};
    gz_tensor *o;
    gz_status st = gz_tensor_new(&o, dt, 2, shape);
    if (st)
        gz_lua_raise(L, st);
    gz_lua_pushtensor(L, o);
    return o;
}

static int l_loss_cosine(lua_State *L)
{
    gz_tensor *p = check_rows(L, 1), *z = check_rows(L, 2);
    gz_tensor *label = gz_lua_checktensor(L, 3);
    double scale = luaL_optnumber(L, 4, 1.0);
    int want_dz = lua_toboolean(L, 5);
    lua_settop(L, 5);
    gz_tensor *dp = push_new(L, p->dtype, p->shape[0], p->shape[1]);
    gz_tensor *dz = want_dz ? push_new(L, z->dtype, z->shape[0], z->shape[1]) : NULL;
    double loss;
    gz_status st = gz_loss_cosine(p, z, label, scale, &loss, dp, dz);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushnumber(L, loss);
    lua_pushvalue(L, 6);
    if (want_dz)
        lua_pushvalue(L, 7);
    return want_dz ? 3 : 2;
}

static int l_loss_infonce(lua_State *L)
{
    gz_tensor *q = check_rows(L, 1), *k = check_rows(L, 2), *queue = check_rows(L, 3);
    gz_tensor *target = gz_lua_checktensor(L, 4);
    double tau = luaL_checknumber(L, 5);
    double scale = luaL_optnumber(L, 6, 1.0);
    lua_settop(L, 6);
    gz_tensor *dq = push_new(L, q->dtype, q->shape[0], q->shape[1]);
    gz_tensor *kn = push_new(L, k->dtype, k->shape[0], k->shape[1]);
    double loss;
    gz_status st = gz_loss_infonce(q, k, queue, target, tau, scale, &loss, dq, kn);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushnumber(L, loss);
    lua_pushvalue(L, 7);
    lua_pushvalue(L, 8);
    return 3;
}

static const char *const policy_keys[] = {"relation", "threshold", "drop", "seed",
                                          "epoch",    "iteration", NULL};

static double opt_number(lua_State *L, int idx, const char *key, double def, int required)
{
    lua_getfield(L, idx, key);
    int isnum;
    double v = (double)lua_tonumberx(L, -1, &isnum);
    if (lua_isnil(L, -1)) {
        if (required)
            luaL_error(L, "pair policy: '%s' is required", key);
        v = def;
    } else if (!isnum)
        luaL_error(L, "pair policy: '%s' must be a number", key);
    lua_pop(L, 1);
    return v;
}

static uint64_t opt_count(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    int isint;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (lua_isnil(L, -1))
        v = 0;
    else if (!isint || v < 0)
        luaL_error(L, "pair policy: '%s' must be an integer >= 0", key);
    lua_pop(L, 1);
    return (uint64_t)v;
}

/* Reads the policy table at idx; returns NULL for nil. */
static gz_pair_policy *check_policy(lua_State *L, int idx, gz_pair_policy *pol)
{
    if (lua_isnoneornil(L, idx))
        return NULL;
    gz_lua_check_options(L, idx, "pair policy", policy_keys);
    memset(pol, 0, sizeof *pol);
    lua_getfield(L, idx, "relation");
    int rel = lua_gettop(L);
    pol->R = gz_lua_torelation_or_tensor(L, rel);
    if (!pol->R)
        luaL_error(L, "pair policy: 'relation' must be a gaze.Relation or an N x N tensor");
    lua_pop(L, 1); /* the policy table keeps the relation alive */
    pol->threshold = opt_number(L, idx, "threshold", 0, 1);
    pol->drop = opt_number(L, idx, "drop", 0, 0);
    pol->seed = opt_count(L, idx, "seed");
    pol->epoch = opt_count(L, idx, "epoch");
    pol->iteration = opt_count(L, idx, "iteration");
    return pol;
}

static int l_loss_batch_labels(lua_State *L)
{
    gz_pair_policy buf;
    gz_pair_policy *pol = check_policy(L, 2, &buf);
    lua_settop(L, 2);
    int64_t B;
    int64_t *idx = gz_lua_checkints(L, 1, &B, "idx", 1);
    gz_tensor *out = push_new(L, GZ_F32, B, B);
    int64_t pairs = 0;
    gz_status st = gz_loss_batch_labels(pol, idx, B, out, &pairs);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushinteger(L, (lua_Integer)pairs);
    return 2;
}

static int l_loss_queue_targets(lua_State *L)
{
    gz_pair_policy buf;
    gz_pair_policy *pol = check_policy(L, 3, &buf);
    lua_settop(L, 3);
    int64_t B, K;
    int64_t *idx = gz_lua_checkints(L, 1, &B, "idx", 1);
    int64_t *qidx = gz_lua_checkints(L, 2, &K, "qidx", 1);
    gz_tensor *out = push_new(L, GZ_F32, B, 1 + K);
    int64_t npos = 0;
    gz_status st = gz_loss_queue_targets(pol, idx, B, qidx, K, out, &npos);
    if (st)
        return gz_lua_raise(L, st);
    lua_pushinteger(L, (lua_Integer)npos);
    return 2;
}

int gz_lua_open_losses(lua_State *L);
int gz_lua_open_losses(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"loss_cosine", l_loss_cosine},
        {"loss_infonce", l_loss_infonce},
        {"loss_batch_labels", l_loss_batch_labels},
        {"loss_queue_targets", l_loss_queue_targets},
        {NULL, NULL},
    };
    gz_lua_setfuncs(L, fns);
    return 0;
}
