/* The BYOL-like augmentation pipeline that test_augment.c and
 * test_loader.c both run: random resized crop to size x size (scale
 * 0.2-1), hflip, color jitter (brightness and contrast 0.6-1.4) inside a
 * random apply with p 0.8, Gaussian blur with p 0.5, normalize. It uses
 * every kind of draw (probability tests, crop parameters, jitter order
 * and factors, blur sigma), so equal outputs mean equal random streams. */
#ifndef GZ_TEST_AUG_PIPELINE_H
#define GZ_TEST_AUG_PIPELINE_H

#include "../../runtime/core/augment.h"

/* gz_aug_pipeline_new's status; *out is the new pipeline (caller frees). */
static inline gz_status test_byol_pipeline(int size, gz_aug_pipeline **out)
{
    gz_aug_op ops[6];
    ops[0] = gz_aug_op_default(GZ_AUG_RANDOM_RESIZED_CROP);
    ops[0].height = ops[0].width = size;
    ops[0].scale[0] = 0.2;
    ops[1] = gz_aug_op_default(GZ_AUG_HFLIP);
    ops[2] = gz_aug_op_default(GZ_AUG_RANDOM_APPLY);
    ops[2].p = 0.8;
    ops[2].span = 1;
    ops[3] = gz_aug_op_default(GZ_AUG_COLOR_JITTER);
    ops[3].brightness[0] = 0.6, ops[3].brightness[1] = 1.4;
    ops[3].contrast[0] = 0.6, ops[3].contrast[1] = 1.4;
    ops[4] = gz_aug_op_default(GZ_AUG_GAUSSIAN_BLUR);
    ops[4].p = 0.5;
    ops[5] = gz_aug_op_default(GZ_AUG_NORMALIZE);
    return gz_aug_pipeline_new(out, ops, 6);
}

#endif
