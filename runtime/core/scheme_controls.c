/* The control schemes of the ablations (scheme.h vtables):
 *
 * label:  similarity 1 when the two items' class labels are equal, else 0
 *         (the supervised upper bound, "sup" in the papers). Every item
 *         must have a label: an item without one (label < 0) is GZ_ERR_ARG
 *         naming it when its features are made. No keys.
 *
 * random: a uniform draw in [0, 1) that carries no information, a pure
 *         function of (seed, i, j) so matrices do not depend on thread
 *         count or order:
 *             u = gz_rng_uniform(seed,
 *                     gz_rng_stream(0x72616e64 ("rand"), min(i, j), max(i, j), 0), 0)
 *         (symmetric in i and j; a single pair compares as i = 0, j = 1).
 *         Key `seed` (unsigned decimal), default the run seed
 *         (gz_runconfig_seed(), `--seed`) at the time the params are made. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "runconfig.h"
#include "scheme.h"
#include "text.h"

#define RANDOM_STREAM_PURPOSE 0x72616e64u /* "rand" */

static const char *const value_names[] = {"similarity", NULL};

static gz_status unknown_key(const char *scheme, const char *const *keys, const char *key)
{
    const char *near = gz_nearest_name(key, keys);
    if (near)
        return gz_error_set(GZ_ERR_ARG, "unknown key '%s' for scheme %s (did you mean '%s'?)",
                            key, scheme, near);
    if (!keys[0])
        return gz_error_set(GZ_ERR_ARG, "unknown key '%s' for scheme %s (it takes no keys)", key,
                            scheme);
    return gz_error_set(GZ_ERR_ARG, "unknown key '%s' for scheme %s", key, scheme);
}

static void *tiny_alloc(void)
{
    return gz_malloc(sizeof(int64_t));
}

/* --- label ----------------------------------------------------------------- */

static const char *const label_keys[] = {NULL};

static gz_status label_params_new(void **out, const char *const *keys, const char *const *values,
                                  size_t n)
{
    (void)values;
    *out = NULL;
    if (n > 0)
        return unknown_key("label", label_keys, keys[0]);
    void *p = tiny_alloc();
    if (!p)
        return GZ_ERR_NOMEM;
    *out = p;
    return GZ_OK;
}

static gz_status label_params_describe(const void *params, char *buf, size_t cap)
{
    (void)params;
    if (cap < 1)
        return gz_error_set(GZ_ERR_ARG, "scheme parameters do not fit in %zu bytes", cap);
    buf[0] = '\0';
    return GZ_OK;
}

static gz_status label_features_new(const void *params, const gz_record *rec, void **out)
{
    (void)params;
    *out = NULL;
    if (rec->label < 0)
        return gz_error_set(GZ_ERR_ARG,
                            "%s: no label (scheme label needs a class label for every item)",
                            rec->name ? rec->name : "record");
    int64_t *f = tiny_alloc();
    if (!f)
        return GZ_ERR_NOMEM;
    *f = rec->label;
    *out = f;
    return GZ_OK;
}

static gz_status label_compare(const void *params, const void *fa, const void *fb, int64_t i,
                               int64_t j, double *out)
{
    (void)params;
    (void)i;
    (void)j;
    out[0] = *(const int64_t *)fa == *(const int64_t *)fb ? 1.0 : 0.0;
    return GZ_OK;
}

const gz_scheme gz_scheme_label = {
    .name = "label",
    .keys = label_keys,
    .n_values = 1,
    .value_names = value_names,
    .score_index = 0,
    .params_new = label_params_new,
    .params_free = free,
    .params_describe = label_params_describe,
    .features_new = label_features_new,
    .features_free = free,
    .compare = label_compare,
};

/* --- random ---------------------------------------------------------------- */

static const char *const random_keys[] = {"seed", NULL};

static gz_status random_params_new(void **out, const char *const *keys,
                                   const char *const *values, size_t n)
{
    *out = NULL;
    uint64_t seed = gz_runconfig_seed();
    for (size_t i = 0; i < n; i++) {
        if (strcmp(keys[i], "seed") != 0)
            return unknown_key("random", random_keys, keys[i]);
        const char *v = values[i] ? values[i] : "";
        char *end = NULL;
        errno = 0;
        unsigned long long s = strtoull(v, &end, 10);
        if (!*v || *v == '-' || *v == '+' || *end != '\0' || errno == ERANGE)
            return gz_error_set(GZ_ERR_ARG,
                                "scheme random: seed='%s' is not an integer in 0..2^64-1", v);
        seed = (uint64_t)s;
    }
    uint64_t *p = tiny_alloc();
    if (!p)
        return GZ_ERR_NOMEM;
    *p = seed;
    *out = p;
    return GZ_OK;
}

static gz_status random_params_describe(const void *params, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "seed=%llu", (unsigned long long)*(const uint64_t *)params);
    if (n < 0 || (size_t)n >= cap)
        return gz_error_set(GZ_ERR_ARG, "scheme parameters do not fit in %zu bytes", cap);
    return GZ_OK;
}

static gz_status random_features_new(const void *params, const gz_record *rec, void **out)
{
    (void)params;
    (void)rec;
    *out = tiny_alloc();
    return *out ? GZ_OK : GZ_ERR_NOMEM;
}

static gz_status random_compare(const void *params, const void *fa, const void *fb, int64_t i,
                                int64_t j, double *out)
{
    (void)fa;
    (void)fb;
    uint64_t seed = *(const uint64_t *)params;
    uint64_t lo = (uint64_t)(i < j ? i : j), hi = (uint64_t)(i < j ? j : i);
    out[0] = gz_rng_uniform(seed, gz_rng_stream(RANDOM_STREAM_PURPOSE, lo, hi, 0), 0);
    return GZ_OK;
}

const gz_scheme gz_scheme_random = {
    .name = "random",
    .keys = random_keys,
    .n_values = 1,
    .value_names = value_names,
    .score_index = 0,
    .params_new = random_params_new,
    .params_free = free,
    .params_describe = random_params_describe,
    .features_new = random_features_new,
    .features_free = free,
    .compare = random_compare,
};
