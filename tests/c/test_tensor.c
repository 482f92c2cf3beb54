/* Exact int64 reductions (gz_tensor_reduce_all_i64): values beyond 2^53,
 * strided views, the overflow rule of the sum (the exact result decides,
 * not the partial sums) and the refusals, next to the double path of
 * gz_tensor_reduce_all that rounds them. */
#include <stdint.h>

#include "../../runtime/core/tensor.h"
#include "check.h"

static gz_tensor *i64_vector(const int64_t *v, int64_t n)
{
    gz_tensor *t = NULL;
    if (gz_tensor_new(&t, GZ_I64, 1, &n) != GZ_OK)
        return NULL;
    for (int64_t i = 0; i < n; i++)
        *gz_tensor_i64_at(t, i) = v[i];
    return t;
}

static void test_beyond_2_53(void)
{
    const int64_t big = (INT64_C(1) << 62) + 1;
    const int64_t v[3] = {big, 3, -1};
    gz_tensor *t = i64_vector(v, 3);
    CHECK(t != NULL);
    if (!t)
        return;
    int64_t r = 0;
    CHECK(gz_tensor_reduce_all_i64(t, GZ_RED_SUM, &r) == GZ_OK && r == big + 2);
    CHECK(gz_tensor_reduce_all_i64(t, GZ_RED_MAX, &r) == GZ_OK && r == big);
    CHECK(gz_tensor_reduce_all_i64(t, GZ_RED_MIN, &r) == GZ_OK && r == -1);
    /* the double path rounds 2^62 + 3 to 2^62 (this is what was fixed) */
    CHECK((int64_t)gz_tensor_reduce_all(t, GZ_RED_SUM) != big + 2);
    /* max and min that differ only below double's resolution */
    const int64_t w[2] = {big, big - 1};
    gz_tensor *u = i64_vector(w, 2);
    CHECK(gz_tensor_reduce_all_i64(u, GZ_RED_MAX, &r) == GZ_OK && r == big);
    CHECK(gz_tensor_reduce_all_i64(u, GZ_RED_MIN, &r) == GZ_OK && r == big - 1);
    gz_tensor_free(u);
    gz_tensor_free(t);
}

static void test_strided_view(void)
{
    /* a 3 x 2 int64 matrix, narrowed to column 2: elements 2, 4, 6 (+2^60) */
    int64_t shape[2] = {3, 2};
    gz_tensor *m = NULL, *col = NULL;
    CHECK(gz_tensor_new(&m, GZ_I64, 2, shape) == GZ_OK);
    for (int64_t i = 0; i < 6; i++)
        *gz_tensor_i64_at(m, i) = (INT64_C(1) << 60) + i + 1;
    CHECK(gz_tensor_narrow(&col, m, 1, 1, 1) == GZ_OK && !gz_tensor_is_contiguous(col));
    int64_t r = 0;
    CHECK(gz_tensor_reduce_all_i64(col, GZ_RED_SUM, &r) == GZ_OK && r == 3 * (INT64_C(1) << 60) + 12);
    CHECK(gz_tensor_reduce_all_i64(col, GZ_RED_MIN, &r) == GZ_OK && r == (INT64_C(1) << 60) + 2);
    CHECK(gz_tensor_reduce_all_i64(col, GZ_RED_MAX, &r) == GZ_OK && r == (INT64_C(1) << 60) + 6);
    gz_tensor_free(col);
    gz_tensor_free(m);
}

static void test_sum_overflow(void)
{
    int64_t r = 42;
    /* the result does not fit: an error naming the op, *out untouched */
    const int64_t up[2] = {INT64_MAX, 1};
    gz_tensor *t = i64_vector(up, 2);
    CHECK(gz_tensor_reduce_all_i64(t, GZ_RED_SUM, &r) == GZ_ERR_LIMIT && r == 42);
    CHECK_MSG(strcmp(gz_error_message(), "tensor sum: int64 overflow: the exact sum of the 2 elements is above "
                                         "2^63-1 (convert to float64 first for an approximate sum)") == 0,
              "%s", gz_error_message());
    gz_tensor_free(t);
    const int64_t down[3] = {INT64_MIN, 0, -1};
    t = i64_vector(down, 3);
    CHECK(gz_tensor_reduce_all_i64(t, GZ_RED_SUM, &r) == GZ_ERR_LIMIT && r == 42);
    CHECK(strstr(gz_error_message(), "is below -2^63") != NULL);
    gz_tensor_free(t);
    /* partial sums leave the range but the result fits: exact, no error */
    const int64_t back[4] = {INT64_MAX, INT64_MAX, -INT64_MAX, -5};
    t = i64_vector(back, 4);
    CHECK(gz_tensor_reduce_all_i64(t, GZ_RED_SUM, &r) == GZ_OK && r == INT64_MAX - 5);
    gz_tensor_free(t);
    const int64_t neg[3] = {INT64_MIN, INT64_MIN, INT64_MAX};
    t = i64_vector(neg, 3);
    r = 42;
    CHECK(gz_tensor_reduce_all_i64(t, GZ_RED_SUM, &r) == GZ_ERR_LIMIT && r == 42); /* -2^63 - 1 */
    gz_tensor_free(t);
    const int64_t edge[3] = {INT64_MIN, INT64_MAX, INT64_MIN + 1};
    t = i64_vector(edge, 3);
    CHECK(gz_tensor_reduce_all_i64(t, GZ_RED_SUM, &r) == GZ_OK && r == INT64_MIN);
    gz_tensor_free(t);
}

static void test_empty_and_refusals(void)
{
    int64_t zero = 0, r = 7;
    gz_tensor *e = NULL;
    CHECK(gz_tensor_new(&e, GZ_I64, 1, &zero) == GZ_OK);
    CHECK(gz_tensor_reduce_all_i64(e, GZ_RED_SUM, &r) == GZ_OK && r == 0);
    r = 7;
    CHECK(gz_tensor_reduce_all_i64(e, GZ_RED_MAX, &r) == GZ_ERR_ARG && r == 7);
    CHECK(strcmp(gz_error_message(), "tensor max: an empty tensor has no maximum") == 0);
    CHECK(gz_tensor_reduce_all_i64(e, GZ_RED_MIN, &r) == GZ_ERR_ARG && r == 7);
    CHECK(isnan(gz_tensor_reduce_all(e, GZ_RED_MAX)));
    CHECK(gz_tensor_reduce_all_i64(e, GZ_RED_MEAN, &r) == GZ_ERR_ARG);
    gz_tensor_free(e);
    int64_t two = 2;
    gz_tensor *f = NULL;
    CHECK(gz_tensor_new(&f, GZ_F64, 1, &two) == GZ_OK);
    CHECK(gz_tensor_reduce_all_i64(f, GZ_RED_SUM, &r) == GZ_ERR_ARG && r == 7);
    CHECK(strcmp(gz_error_message(), "tensor sum: an exact integer sum needs an int64 tensor, not float64") == 0);
    gz_tensor_free(f);
}

int main(void)
{
    RUN(test_beyond_2_53);
    RUN(test_strided_view);
    RUN(test_sum_overflow);
    RUN(test_empty_and_refusals);
    return check_done();
}
