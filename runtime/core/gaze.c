/* Gaze record allocation and unit handling. */
#include "gaze.h"

#include <stdlib.h>
#include <string.h>

gz_status gz_gaze_new(gz_gaze **out, gz_gaze_kind kind, size_t n, int with_time,
                      double canvas_w, double canvas_h, gz_time_unit unit)
{
    *out = NULL;
    gz_gaze *g = gz_calloc(1, sizeof *g);
    if (!g)
        return GZ_ERR_NOMEM;
    g->kind = kind;
    g->n = n;
    g->canvas_w = canvas_w;
    g->canvas_h = canvas_h;
    g->unit = unit;
    g->x = gz_calloc(n, sizeof(double));
    g->y = gz_calloc(n, sizeof(double));
    int ok = g->x && g->y;
    if (ok && with_time)
        ok = (g->t = gz_calloc(n, sizeof(double))) != NULL;
    if (ok && kind == GZ_GAZE_FIXATIONS)
        ok = (g->dur = gz_calloc(n, sizeof(double))) != NULL;
    if (!ok) {
        gz_gaze_free(g);
        return GZ_ERR_NOMEM;
    }
    *out = g;
    return GZ_OK;
}

void gz_gaze_free(gz_gaze *g)
{
    if (!g)
        return;
    free(g->x);
    free(g->y);
    free(g->t);
    free(g->dur);
    free(g);
}

gz_status gz_gaze_clone(gz_gaze **out, const gz_gaze *g)
{
    gz_status st = gz_gaze_new(out, g->kind, g->n, g->t != NULL, g->canvas_w, g->canvas_h, g->unit);
    if (st)
        return st;
    size_t bytes = g->n * sizeof(double);
    if (bytes) {
        memcpy((*out)->x, g->x, bytes);
        memcpy((*out)->y, g->y, bytes);
        if (g->t)
            memcpy((*out)->t, g->t, bytes);
        if (g->dur)
            memcpy((*out)->dur, g->dur, bytes);
    }
    return GZ_OK;
}

static double unit_seconds(gz_time_unit u)
{
    switch (u) {
    case GZ_UNIT_S: return 1.0;
    case GZ_UNIT_MS: return 1e-3;
    case GZ_UNIT_US: return 1e-6;
    case GZ_UNIT_SAMPLES: return 0.0;
    }
    return 0.0;
}

double gz_time_unit_factor(gz_time_unit from, gz_time_unit to)
{
    if (from == to)
        return 1.0;
    double a = unit_seconds(from), b = unit_seconds(to);
    if (a == 0.0 || b == 0.0)
        return 0.0;
    return a / b;
}

const char *gz_time_unit_name(gz_time_unit u)
{
    switch (u) {
    case GZ_UNIT_S: return "s";
    case GZ_UNIT_MS: return "ms";
    case GZ_UNIT_US: return "us";
    case GZ_UNIT_SAMPLES: return "samples";
    }
    return "?";
}

gz_status gz_time_unit_parse(const char *s, gz_time_unit *out)
{
    static const char *names[] = {"s", "ms", "us", "samples"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (gz_time_unit)i;
            return GZ_OK;
        }
    return gz_error_set(GZ_ERR_ARG, "unknown duration unit '%s' (expected s, ms, us or samples)", s);
}
