/* Tests of the control schemes: label (1 when labels are equal, an item
 * without a label is an error naming it) and random (seeded uniform draws,
 * a documented function of (seed, i, j)). */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "rng.h"
#include "runconfig.h"
#include "scheme.h"

extern const gz_scheme gz_scheme_label;
extern const gz_scheme gz_scheme_random;

static double run_pair(const gz_scheme *s, void *p, const gz_record *a, const gz_record *b,
                       int64_t i, int64_t j)
{
    void *fa = NULL, *fb = NULL;
    double out = NAN;
    CHECK(s->features_new(p, a, &fa) == GZ_OK);
    CHECK(s->features_new(p, b, &fb) == GZ_OK);
    if (fa && fb)
        CHECK(s->compare(p, fa, fb, i, j, &out) == GZ_OK);
    s->features_free(fa);
    s->features_free(fb);
    return out;
}

static void test_registry(void)
{
    CHECK(gz_scheme_find("label") == &gz_scheme_label);
    CHECK(gz_scheme_find("random") == &gz_scheme_random);
    CHECK(gz_scheme_find("moments") != NULL);
    CHECK(gz_scheme_find("dhash") != NULL);
    CHECK(gz_scheme_find("tima") != NULL);
    CHECK(gz_scheme_label.n_values == 1 && strcmp(gz_scheme_label.value_names[0], "similarity") == 0);
}

static void test_label(void)
{
    const gz_scheme *s = &gz_scheme_label;
    void *p = NULL;
    CHECK(s->params_new(&p, NULL, NULL, 0) == GZ_OK);
    char desc[16] = "x";
    CHECK(s->params_describe(p, desc, sizeof desc) == GZ_OK && desc[0] == '\0');
    gz_record a = {.gaze = NULL, .heatmap = NULL, .label = 2, .name = "a"};
    gz_record b = {.gaze = NULL, .heatmap = NULL, .label = 2, .name = "b"};
    gz_record c = {.gaze = NULL, .heatmap = NULL, .label = 0, .name = "c"};
    CHECK(run_pair(s, p, &a, &b, 0, 1) == 1.0);
    CHECK(run_pair(s, p, &a, &c, 0, 1) == 0.0);
    CHECK(run_pair(s, p, &c, &c, 3, 4) == 1.0);
    gz_record u = {.gaze = NULL, .heatmap = NULL, .label = -1, .name = "scan_17"};
    void *f = NULL;
    CHECK(s->features_new(p, &u, &f) == GZ_ERR_ARG && f == NULL);
    CHECK_MSG(strstr(gz_error_message(), "scan_17: no label") != NULL, "%s", gz_error_message());
    s->params_free(p);
    p = NULL;
    const char *k[] = {"seed"};
    const char *v[] = {"1"};
    CHECK(s->params_new(&p, k, v, 1) == GZ_ERR_ARG && p == NULL);
    CHECK_MSG(strcmp(gz_error_message(), "unknown key 'seed' for scheme label (it takes no keys)") == 0,
              "%s", gz_error_message());
}

static void test_random(void)
{
    const gz_scheme *s = &gz_scheme_random;
    const char *k[] = {"seed"};
    const char *v[] = {"12345"};
    void *p = NULL;
    CHECK(s->params_new(&p, k, v, 1) == GZ_OK);
    char desc[64];
    CHECK(s->params_describe(p, desc, sizeof desc) == GZ_OK && strcmp(desc, "seed=12345") == 0);
    gz_record r = {.gaze = NULL, .heatmap = NULL, .label = -1, .name = "x"};
    /* the documented stream */
    double u = run_pair(s, p, &r, &r, 3, 9);
    CHECK(u == gz_rng_uniform(12345, gz_rng_stream(0x72616e64u, 3, 9, 0), 0));
    /* symmetric, deterministic, in [0, 1) */
    CHECK(run_pair(s, p, &r, &r, 9, 3) == u);
    CHECK(run_pair(s, p, &r, &r, 3, 9) == u);
    /* a roughly uniform spread over many pairs, and different pairs differ */
    void *f = NULL;
    CHECK(s->features_new(p, &r, &f) == GZ_OK);
    double sum = 0, lo = 1, hi = 0, prev = -1;
    int distinct = 0, n = 0;
    for (int64_t i = 0; i < 100; i++)
        for (int64_t j = i + 1; j < 100; j++) {
            double x;
            s->compare(p, f, f, i, j, &x);
            CHECK(x >= 0.0 && x < 1.0);
            sum += x;
            lo = fmin(lo, x);
            hi = fmax(hi, x);
            distinct += x != prev;
            prev = x;
            n++;
        }
    CHECK_NEAR(sum / n, 0.5, 0.02);
    CHECK(lo < 0.01 && hi > 0.99);
    CHECK(distinct == n);
    s->features_free(f);
    s->params_free(p);
    /* another seed gives other values */
    const char *v2[] = {"12346"};
    CHECK(s->params_new(&p, k, v2, 1) == GZ_OK);
    CHECK(run_pair(s, p, &r, &r, 3, 9) != u);
    s->params_free(p);
    /* the default seed is the run seed */
    uint64_t old = gz_runconfig_seed();
    gz_runconfig_set_seed(12345);
    CHECK(s->params_new(&p, NULL, NULL, 0) == GZ_OK);
    CHECK(s->params_describe(p, desc, sizeof desc) == GZ_OK && strcmp(desc, "seed=12345") == 0);
    CHECK(run_pair(s, p, &r, &r, 3, 9) == u);
    s->params_free(p);
    gz_runconfig_set_seed(old);
    /* bad values and keys */
    const char *bad[] = {"-1", "abc", "", "1.5", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = NULL;
        CHECK_MSG(s->params_new(&p, k, &bad[i], 1) == GZ_ERR_ARG && p == NULL, "seed=%s accepted",
                  bad[i]);
    }
    const char *v3[] = {"18446744073709551615"};
    CHECK(s->params_new(&p, k, v3, 1) == GZ_OK);
    s->params_free(p);
    const char *k4[] = {"sed"};
    CHECK(s->params_new(&p, k4, v, 1) == GZ_ERR_ARG);
    CHECK_MSG(strcmp(gz_error_message(), "unknown key 'sed' for scheme random (did you mean 'seed'?)") == 0,
              "%s", gz_error_message());
}

int main(void)
{
    RUN(test_registry);
    RUN(test_label);
    RUN(test_random);
    return check_done();
}
