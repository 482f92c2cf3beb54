/* Edit distance and nearest-name suggestions for C-side key checking. */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t gz_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la == 0)
        return lb;
    if (lb == 0)
        return la;
    size_t stack[2][128];
    size_t *prev = stack[0], *cur = stack[1], *heap = NULL;
    if (lb + 1 > 128) {
        heap = malloc(2 * (lb + 1) * sizeof *heap);
        if (!heap)
            return (size_t)-1;
        prev = heap;
        cur = heap + lb + 1;
    }
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t v = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            cur[j] = v;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(heap);
    return d;
}

const char *gz_nearest_name(const char *word, const char *const *candidates)
{
    if (!word || !candidates)
        return NULL;
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; candidates[i]; i++) {
        size_t d = gz_edit_distance(word, candidates[i]);
        if (d < bestd) {
            bestd = d;
            best = candidates[i];
        }
    }
    size_t limit = strlen(word) / 2;
    if (limit < 2)
        limit = 2;
    return best && bestd <= limit ? best : NULL;
}

char *gz_format_unknown(char *buf, size_t cap, const char *kind, const char *word,
                        const char *const *candidates)
{
    if (!buf || cap == 0)
        return buf;
    const char *near = gz_nearest_name(word, candidates);
    if (!kind)
        kind = "key";
    if (near)
        snprintf(buf, cap, "unknown %s '%s' (did you mean '%s'?)", kind, word ? word : "",
                 near);
    else
        snprintf(buf, cap, "unknown %s '%s'", kind, word ? word : "");
    return buf;
}

gz_status gz_error_unknown(const char *where, const char *kind, const char *word,
                           const char *const *candidates)
{
    char msg[512];
    gz_format_unknown(msg, sizeof msg, kind, word, candidates);
    if (where && *where)
        return gz_error_set(GZ_ERR_ARG, "%s: %s", where, msg);
    return gz_error_set(GZ_ERR_ARG, "%s", msg);
}
