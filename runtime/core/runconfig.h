/* Process-wide run settings chosen on the command line (--threads, --seed)
 * before a recipe starts. Kernels take their thread count and seed as
 * arguments; these are only the defaults that bindings pass when a recipe
 * does not say otherwise. */
#ifndef GZ_RUNCONFIG_H
#define GZ_RUNCONFIG_H

#include <stdint.h>

#define GZ_VERSION "0.1.0"

/* Default worker threads (>= 1; initially the number of online CPUs, at
 * most 64). */
int gz_runconfig_threads(void);
void gz_runconfig_set_threads(int n);

/* Default seed (initially 0). */
uint64_t gz_runconfig_seed(void);
void gz_runconfig_set_seed(uint64_t seed);

/* Progress and informational messages on stderr: 0 quiet, 1 normal,
 * 2 verbose (initially 1). Warnings are printed at levels >= 1 too. */
int gz_runconfig_verbosity(void);
void gz_runconfig_set_verbosity(int level);

/* Whether Lua code handles Ctrl-C itself (a trainer that saves a checkpoint
 * polls the cancel flag of threadpool.h); when not claimed, the host
 * program interrupts the running Lua code on SIGINT. */
int gz_runconfig_interrupts_claimed(void);
void gz_runconfig_claim_interrupts(int claimed);

#endif
