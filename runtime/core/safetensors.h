/* The safetensors container: an 8-byte little-endian header length N, N
 * bytes of JSON ({"name": {"dtype": "F32", "shape": [...], "data_offsets":
 * [begin, end]}, ..., "__metadata__": {"key": "value"}}), then the raw
 * little-endian tensor bytes (offsets relative to the end of the header).
 * Used for model weights with PyTorch's parameter names and for
 * checkpoints. dtypes: F32, F64, I64, U8 (float32, float64, int64, uint8).
 *
 * Writes go through atomic_file.h (no partial file on failure). Reading
 * checks every offset against the file size: a truncated or corrupt file
 * is GZ_ERR_FORMAT naming the file and the tensor. */
#ifndef GZ_SAFETENSORS_H
#define GZ_SAFETENSORS_H

#include "error.h"
#include "tensor.h"

/* Writes n tensors (any strides; written C-contiguous) under names, plus
 * n_meta string pairs meta_keys/meta_values (may be 0/NULL). Names must be
 * unique and not "__metadata__". */
gz_status gz_safetensors_save(const char *path, int n, const char *const *names,
                              const gz_tensor *const *tensors, int n_meta,
                              const char *const *meta_keys, const char *const *meta_values);

typedef struct gz_safetensors gz_safetensors;

/* Reads a whole file. Caller frees with gz_safetensors_free. */
gz_status gz_safetensors_load(gz_safetensors **out, const char *path);
void gz_safetensors_free(gz_safetensors *f);

/* Tensors in file order; the tensor is borrowed (valid until free). */
int gz_safetensors_count(const gz_safetensors *f);
const char *gz_safetensors_name(const gz_safetensors *f, int i);
gz_tensor *gz_safetensors_tensor(const gz_safetensors *f, int i);
/* Index of a name or -1. */
int gz_safetensors_find(const gz_safetensors *f, const char *name);
/* Metadata value or NULL; gz_safetensors_meta_count/_key enumerate keys. */
const char *gz_safetensors_meta(const gz_safetensors *f, const char *key);
int gz_safetensors_meta_count(const gz_safetensors *f);
const char *gz_safetensors_meta_key(const gz_safetensors *f, int i);

#endif
