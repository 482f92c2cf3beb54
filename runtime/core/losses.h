/* McGIP's multi-positive contrastive losses with their backward passes,
 * and the label matrices that gaze pairs give a batch
 * (shared/spec/similarity.md section 6).
 *
 * Tensors: p, z, q, k are contiguous 2-D (B, D) float32 or float64; rows
 * are L2-normalised inside the losses (x / max(||x||, 1e-12), as PyTorch's
 * F.normalize), so callers pass raw network outputs and receive gradients
 * with respect to those raw outputs. Every sum is accumulated in double;
 * gradients are written into caller-provided tensors of the input's shape
 * and dtype (any of them may be NULL when not wanted), multiplied by
 * `scale` (e.g. 2 for BYOL's factor, 1 / update_interval, ...).
 * Labels and targets are 2-D tensors of any dtype with values >= 0 (a
 * label is a weight; 0/1 in practice); their total must be > 0.
 *
 * Failures: GZ_ERR_ARG naming the function and the offending tensor
 * (shape, dtype, a negative or non-finite weight, an all-zero label
 * matrix, tau <= 0); GZ_ERR_NOMEM. Nothing is written on failure. */
#ifndef GZ_LOSSES_H
#define GZ_LOSSES_H

#include <stdint.h>

#include "error.h"
#include "tensor.h"

/* Multi-positive cosine loss (BYOL, SimSiam; McGIP):
 *     L = -sum_ij label_ij cos(p_i, z_j) / sum_ij label_ij
 * p: (B, D) online predictions, z: (B, D) targets, label: (B, B).
 * With the identity label it is -mean_i cos(p_i, z_i). The method adds
 * the view-symmetric terms (BYOL 2 (L12 + L21), SimSiam 0.5 (L12 + L21));
 * see docs/methods.md for the relation to BYOL's "2 - 2 cos" form (they
 * differ by a constant only). dp = scale * dL/dp, dz = scale * dL/dz
 * (z is normally a constant: pass dz = NULL). */
gz_status gz_loss_cosine(const gz_tensor *p, const gz_tensor *z, const gz_tensor *label,
                         double scale, double *loss, gz_tensor *dp, gz_tensor *dz);

/* Multi-positive InfoNCE (MoCo v2; McGIP):
 *     logits_i = [qn_i . kn_i, qn_i . queue_1, ..., qn_i . queue_K] / tau
 *     L = -sum_ij target_ij log softmax(logits_i)_j / sum_ij target_ij
 * q: (B, D) queries, k: (B, D) keys (a constant), queue: (K, D) stored
 * keys (used as given: the trainer stores normalised keys; K may be 0),
 * target: (B, 1 + K), column 0 = the positive key. With target = one-hot
 * column 0 it is MoCo's mean cross-entropy. dq = scale * dL/dq; kn
 * (optional, (B, D)) receives the normalised keys for the queue. */
gz_status gz_loss_infonce(const gz_tensor *q, const gz_tensor *k, const gz_tensor *queue,
                          const gz_tensor *target, double tau, double scale, double *loss,
                          gz_tensor *dq, gz_tensor *kn);

/* Where the gaze pairs of a batch come from. R: the N x N relation (any
 * dtype; entries read as double); a pair of images a != b is a candidate
 * when R[a][b] > threshold (strict; NaN never) and is kept when
 * gz_pair_kept(seed, epoch, iteration, a, b, drop) (pairs.h): the drop
 * is drawn afresh for every (seed, epoch, iteration, a, b). */
typedef struct gz_pair_policy {
    const gz_tensor *R;
    double threshold;
    double drop;
    uint64_t seed, epoch, iteration;
} gz_pair_policy;

/* Batch label matrix for the cosine loss: idx holds the B dataset indices
 * of the batch (0 <= idx < N). out (B, B), float32 or float64, is set to
 * label[i][i] = 1, label[i][j] = label[j][i] = 1 for kept pairs of
 * (idx_i, idx_j), 0 otherwise; two rows of the same image are positives.
 * pol == NULL gives the identity. *pairs (may be NULL) = kept pairs i < j
 * in the batch, counting only distinct images. */
gz_status gz_loss_batch_labels(const gz_pair_policy *pol, const int64_t *idx, int64_t B,
                               gz_tensor *out, int64_t *pairs);

/* Target matrix for the InfoNCE loss: out (B, 1 + K), column 0 = 1; column
 * 1 + j = 1 when queue entry j holds image qidx[j] >= 0 (-1: an empty
 * slot), qidx[j] != idx_i and (idx_i, qidx[j]) is a kept pair, else 0.
 * pol == NULL gives one-hot column 0. *positives (may be NULL) = number
 * of queue entries marked over the whole batch. */
gz_status gz_loss_queue_targets(const gz_pair_policy *pol, const int64_t *idx, int64_t B,
                                const int64_t *qidx, int64_t K, gz_tensor *out,
                                int64_t *positives);

#endif
