/* Registry of the similarity schemes (scheme.h).
 *
 * Each scheme lives in its own file and defines one `const gz_scheme`
 * object. The references below are weak, so the program links while a
 * scheme's file is still missing; a missing scheme is simply not listed.
 * The order here is the order of gz_scheme_all() (and of `gazelab help sim`). */
#include "scheme.h"

#include <pthread.h>
#include <string.h>

extern const gz_scheme gz_scheme_multimatch __attribute__((weak));
extern const gz_scheme gz_scheme_moments __attribute__((weak));
extern const gz_scheme gz_scheme_dhash __attribute__((weak));
extern const gz_scheme gz_scheme_tima __attribute__((weak));
extern const gz_scheme gz_scheme_label __attribute__((weak));
extern const gz_scheme gz_scheme_random __attribute__((weak));

#define GZ_N_SCHEMES 6

static const gz_scheme *registry[GZ_N_SCHEMES + 1];
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static void registry_init(void)
{
    const gz_scheme *const candidates[GZ_N_SCHEMES] = {
        &gz_scheme_multimatch, &gz_scheme_moments, &gz_scheme_dhash,
        &gz_scheme_tima,       &gz_scheme_label,   &gz_scheme_random,
    };
    size_t k = 0;
    for (size_t i = 0; i < GZ_N_SCHEMES; i++)
        if (candidates[i] && candidates[i]->name)
            registry[k++] = candidates[i];
    registry[k] = NULL;
}

const gz_scheme *const *gz_scheme_all(void)
{
    pthread_once(&registry_once, registry_init);
    return registry;
}

const gz_scheme *gz_scheme_find(const char *name)
{
    if (!name)
        return NULL;
    for (const gz_scheme *const *s = gz_scheme_all(); *s; s++)
        if (strcmp((*s)->name, name) == 0)
            return *s;
    return NULL;
}
