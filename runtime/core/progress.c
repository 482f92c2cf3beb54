/* Progress reporting on stderr: a redrawn bar on a terminal, periodic plain
 * lines otherwise, nothing at verbosity 0. The only core module that
 * prints. gz_progress_add is lock-free except when it is time to print, and
 * then only one thread prints (trylock); others just count. */
#include "progress.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runconfig.h"

#define BAR_WIDTH 24

struct gz_progress {
    char label[96];
    char unit[32];
    int64_t total;
    _Atomic int64_t count;
    _Atomic int64_t next_print_ns; /* earliest time of the next redraw */
    int64_t start_ns;
    int64_t interval_ns;
    FILE *out;
    bool tty;
    int printed;                   /* lines or redraws so far */
    pthread_mutex_t print_lock;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void human(char *buf, size_t cap, double v)
{
    const char *suffix = "";
    if (v >= 1e9) {
        v /= 1e9;
        suffix = "G";
    } else if (v >= 1e6) {
        v /= 1e6;
        suffix = "M";
    } else if (v >= 1e4) {
        v /= 1e3;
        suffix = "k";
    }
    if (v >= 100 || *suffix == '\0')
        snprintf(buf, cap, "%.0f%s", v, suffix);
    else
        snprintf(buf, cap, "%.1f%s", v, suffix);
}

static void duration(char *buf, size_t cap, double s)
{
    if (!(s >= 0) || s > 359999)
        s = 359999;
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else
        snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

gz_progress *gz_progress_new_to(const char *label, int64_t total, const char *unit,
                                FILE *out, int tty, double interval)
{
    if (gz_runconfig_verbosity() <= 0 || !out)
        return NULL;
    gz_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->label, sizeof p->label, "%s", label ? label : "");
    snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "");
    p->total = total > 0 ? total : 0;
    p->out = out;
    p->tty = tty < 0 ? isatty(fileno(out)) != 0 : tty != 0;
    if (interval <= 0)
        interval = p->tty ? 0.1 : 5.0;
    p->interval_ns = (int64_t)(interval * 1e9);
    p->start_ns = now_ns();
    atomic_init(&p->count, 0);
    atomic_init(&p->next_print_ns, p->start_ns + p->interval_ns);
    pthread_mutex_init(&p->print_lock, NULL);
    return p;
}

gz_progress *gz_progress_new(const char *label, int64_t total, const char *unit)
{
    return gz_progress_new_to(label, total, unit, stderr, -1, 0);
}

int64_t gz_progress_count(const gz_progress *p)
{
    return p ? atomic_load(&((gz_progress *)p)->count) : 0;
}

/* Prints the current state; final = the done line. Called with print_lock. */
static void print_state(gz_progress *p, int64_t now, bool final)
{
    int64_t c = atomic_load(&p->count);
    double elapsed = (double)(now - p->start_ns) * 1e-9;
    double rate = elapsed > 0 ? (double)c / elapsed : 0;
    char rate_s[32], count_s[32], total_s[32], eta_s[32], el_s[32];
    human(rate_s, sizeof rate_s, rate);
    snprintf(count_s, sizeof count_s, "%lld", (long long)c);
    snprintf(total_s, sizeof total_s, "%lld", (long long)p->total);
    const char *sp = *p->unit ? " " : "";
    char line[512];
    if (final) {
        if (p->tty && p->total > 0) {
            char bar[BAR_WIDTH + 1];
            memset(bar, '#', BAR_WIDTH);
            bar[BAR_WIDTH] = 0;
            duration(el_s, sizeof el_s, elapsed);
            snprintf(line, sizeof line, "\r%s [%s] %3d%% %s/%s%s%s  %s%s%s/s  in %s\033[K\n",
                     p->label, bar, c >= p->total ? 100 : (int)(100.0 * (double)c / (double)p->total),
                     count_s, total_s, sp, p->unit, rate_s, sp, p->unit, el_s);
        } else {
            snprintf(line, sizeof line, "%s%s: done, %s%s%s in %.1f s (%s%s%s/s)%s\n",
                     p->tty ? "\r" : "", p->label, count_s, sp, p->unit, elapsed, rate_s, sp,
                     p->unit, p->tty ? "\033[K" : "");
        }
    } else if (p->tty) {
        if (p->total > 0) {
            double frac = (double)c / (double)p->total;
            if (frac > 1)
                frac = 1;
            char bar[BAR_WIDTH + 1];
            int fill = (int)(frac * BAR_WIDTH);
            for (int i = 0; i < BAR_WIDTH; i++)
                bar[i] = i < fill ? '#' : '-';
            bar[BAR_WIDTH] = 0;
            if (rate > 0)
                duration(eta_s, sizeof eta_s, (double)(p->total - c) / rate);
            else
                snprintf(eta_s, sizeof eta_s, "?");
            snprintf(line, sizeof line, "\r%s [%s] %3d%% %s/%s%s%s  %s%s%s/s  ETA %s\033[K",
                     p->label, bar, (int)(100 * frac), count_s, total_s, sp, p->unit, rate_s,
                     sp, p->unit, eta_s);
        } else {
            duration(el_s, sizeof el_s, elapsed);
            snprintf(line, sizeof line, "\r%s %s%s%s  %s%s%s/s  %s\033[K", p->label, count_s,
                     sp, p->unit, rate_s, sp, p->unit, el_s);
        }
    } else {
        if (p->total > 0) {
            double frac = (double)c / (double)p->total;
            if (rate > 0)
                duration(eta_s, sizeof eta_s, (double)(p->total - c) / rate);
            else
                snprintf(eta_s, sizeof eta_s, "?");
            snprintf(line, sizeof line, "%s: %s/%s%s%s (%.0f%%), %s%s%s/s, ETA %s\n", p->label,
                     count_s, total_s, sp, p->unit, 100 * frac, rate_s, sp, p->unit, eta_s);
        } else {
            snprintf(line, sizeof line, "%s: %s%s%s, %s%s%s/s\n", p->label, count_s, sp,
                     p->unit, rate_s, sp, p->unit);
        }
    }
    fputs(line, p->out);
    fflush(p->out);
    p->printed++;
}

void gz_progress_add(gz_progress *p, int64_t n)
{
    if (!p)
        return;
    atomic_fetch_add_explicit(&p->count, n, memory_order_relaxed);
    int64_t next = atomic_load_explicit(&p->next_print_ns, memory_order_relaxed);
    int64_t now = now_ns();
    if (now < next)
        return;
    if (pthread_mutex_trylock(&p->print_lock) != 0)
        return; /* another thread is printing */
    if (now >= atomic_load(&p->next_print_ns)) {
        atomic_store(&p->next_print_ns, now + p->interval_ns);
        print_state(p, now, false);
    }
    pthread_mutex_unlock(&p->print_lock);
}

void gz_progress_done(gz_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->print_lock);
    print_state(p, now_ns(), true);
    pthread_mutex_unlock(&p->print_lock);
    pthread_mutex_destroy(&p->print_lock);
    free(p);
}

void gz_progress_abandon(gz_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->print_lock);
    if (p->tty && p->printed > 0) {
        fputc('\n', p->out);
        fflush(p->out);
    }
    pthread_mutex_unlock(&p->print_lock);
    pthread_mutex_destroy(&p->print_lock);
    free(p);
}
