/* Process-wide defaults for threads and seed. */
#include "runconfig.h"

#include <stdatomic.h>
#include <unistd.h>

static atomic_int default_threads = 0;
static _Atomic uint64_t default_seed = 0;
static atomic_int verbosity = 1;
static atomic_int interrupts_claimed = 0;

int gz_runconfig_threads(void)
{
    int n = atomic_load(&default_threads);
    if (n > 0)
        return n;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    if (c < 1)
        c = 1;
    if (c > 64)
        c = 64;
    return (int)c;
}

void gz_runconfig_set_threads(int n)
{
    atomic_store(&default_threads, n);
}

uint64_t gz_runconfig_seed(void)
{
    return atomic_load(&default_seed);
}

void gz_runconfig_set_seed(uint64_t seed)
{
    atomic_store(&default_seed, seed);
}

int gz_runconfig_verbosity(void)
{
    return atomic_load(&verbosity);
}

void gz_runconfig_set_verbosity(int level)
{
    atomic_store(&verbosity, level);
}

int gz_runconfig_interrupts_claimed(void)
{
    return atomic_load(&interrupts_claimed);
}

void gz_runconfig_claim_interrupts(int claimed)
{
    atomic_store(&interrupts_claimed, claimed ? 1 : 0);
}
