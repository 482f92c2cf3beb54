/* Optimizer updates and the EMA of a target network, one parameter tensor
 * at a time (the Lua optimizers in lib/gaze/nn/optim.lua loop over
 * parameter groups and call these).
 *
 * All tensors are contiguous float32 with the same number of elements.
 * Updates are plain sequential loops: the same inputs give bit-identical
 * results whatever the thread count. Conventions follow PyTorch (SGD, Adam,
 * AdamW) and mmselfsup (LARS). */
#ifndef GZ_OPTIM_H
#define GZ_OPTIM_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "tensor.h"

typedef enum gz_optim_kind { GZ_OPT_SGD = 0, GZ_OPT_LARS, GZ_OPT_ADAM, GZ_OPT_ADAMW } gz_optim_kind;

typedef struct gz_optim_conf {
    gz_optim_kind kind;
    double lr;
    double weight_decay;
    double momentum, dampening; /* SGD, LARS */
    bool nesterov;              /* SGD, LARS */
    double eta;                 /* LARS trust coefficient (mmselfsup: 0.001) */
    bool lars_exclude;          /* LARS: no adaptation and no decay (bias, BN) */
    double beta1, beta2, eps;   /* Adam(W); LARS eps */
    int64_t step;               /* Adam(W): 1 on the first update (bias correction) */
    double grad_scale;          /* gradient multiplied by this first (1 / accumulation steps) */
} gz_optim_conf;

/* One update of p from gradient g. State: SGD/LARS use s1 as the momentum
 * buffer (may be NULL when momentum is 0); Adam(W) use s1 = first moment,
 * s2 = second moment. `first`: the state is fresh (PyTorch initialises the
 * momentum buffer with the first gradient). GZ_ERR_ARG on mismatched
 * tensors or invalid hyper-parameters. */
gz_status gz_optim_step(const gz_optim_conf *c, gz_tensor *p, const gz_tensor *g, gz_tensor *s1,
                        gz_tensor *s2, bool first);

/* target = m * target + (1 - m) * online (BYOL's momentum update). */
gz_status gz_optim_ema(gz_tensor *target, const gz_tensor *online, double m);

#endif
