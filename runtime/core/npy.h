/* NumPy .npy files (format versions 1.0 and 2.0; 3.0 is read too).
 *
 * Supported dtypes: float32 '<f4', float64 '<f8', int64 '<i8', uint8 '|u1'
 * (the byte-order character may be '<' or '|'; for uint8 any). Arrays are
 * C order only. Refused with a one-line "FILE: message" (GZ_ERR_FORMAT):
 * a bad magic string, an unknown version, a malformed header, Fortran
 * order, big-endian or other dtypes (object, structured, int32, ...), more
 * than GZ_MAX_DIMS dimensions, and a header whose shape does not match
 * the number of data bytes in the file (checked before allocating, so a
 * lying header never causes a large allocation or a read past the end). */
#ifndef GZ_NPY_H
#define GZ_NPY_H

#include "error.h"
#include "tensor.h"

/* Largest header the reader accepts (numpy itself refuses > 10000 by default). */
#define GZ_NPY_MAX_HEADER 65536

/* Reads path into a new contiguous tensor of the file's dtype and shape
 * (a 0-d array becomes a 0-d tensor). Caller frees *out. */
gz_status gz_npy_read(const char *path, gz_tensor **out);

/* Writes t (any strides) in C order as a version 1.0 file (with at most
 * GZ_MAX_DIMS dimensions the header always fits), data aligned to 64
 * bytes like numpy.save, atomically. numpy.load reads it back exactly. */
gz_status gz_npy_write(const char *path, const gz_tensor *t);

#endif
