#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"

int log_verbosity = LOG_INFO;

static struct timespec wall_fixed;      /* time_wall_at(); 0: the real clock */

void
time_wall_at(int64_t sec, long nsec)
{
    wall_fixed = (struct timespec) { .tv_sec = sec, .tv_nsec = nsec };
}

static void
wall_now(struct timespec *ts)
{
    if (wall_fixed.tv_sec || wall_fixed.tv_nsec) {
        *ts = wall_fixed;
    } else {
        clock_gettime(CLOCK_REALTIME, ts);
    }
}

static uint64_t stopped_at;

void
time_stop_at(uint64_t ms)
{
    stopped_at = ms;
}

uint64_t
time_us(void)
{
    if (stopped_at) {
        return stopped_at * 1000;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

uint64_t
time_ms(void)
{
    return time_us() / 1000;
}

static const char *const level_names[] = { "ERR", "WARN", "INFO", "DBG" };

static void
vlog_va(enum log_level level, const char *fmt, va_list ap)
{
    struct timespec ts;
    wall_now(&ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%02d:%02d:%02d.%03ld %s ", tm.tm_hour, tm.tm_min,
            tm.tm_sec, ts.tv_nsec / 1000000, level_names[level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void
vlog(enum log_level level, const char *fmt, ...)
{
    if ((int) level > log_verbosity) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vlog_va(level, fmt, ap);
    va_end(ap);
}

void
vlog_rl(struct ratelimit *rl, enum log_level level, const char *fmt, ...)
{
    if ((int) level > log_verbosity) {
        return;
    }
    uint64_t sec = time_ms() / 1000;
    if (sec != rl->sec) {
        if (rl->dropped) {
            vlog(LOG_WARN, "(%" PRIu64 " similar messages suppressed)",
                 rl->dropped);
        }
        rl->sec = sec;
        rl->count = 0;
        rl->dropped = 0;
    }
    if (++rl->count > 20) {
        rl->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vlog_va(level, fmt, ap);
    va_end(ap);
}

static FILE *evlog_file;
static struct buf ev;
static bool ev_first;

int
evlog_open(const char *path)
{
    evlog_file = fopen(path, "a");
    return evlog_file ? 0 : errno;
}

void
evlog_close(void)
{
    if (evlog_file) {
        fclose(evlog_file);
        evlog_file = NULL;
    }
    buf_free(&ev);
}

bool
evlog_enabled(void)
{
    return evlog_file != NULL;
}

static void
put_str(const char *s)
{
    buf_put(&ev, s, strlen(s));
}

/* JSON string escaping (RFC 8259 7); bytes >= 0x80 are escaped too, so a
 * line is always valid JSON whatever a peer sent. */
static void
put_json(const char *s, size_t n)
{
    buf_put(&ev, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char) s[i];
        if (ch == '"' || ch == '\\') {
            char e[2] = { '\\', (char) ch };
            buf_put(&ev, e, 2);
        } else if (ch < 0x20 || ch >= 0x7f) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", ch);
            buf_put(&ev, e, 6);
        } else {
            buf_put(&ev, &s[i], 1);
        }
    }
    buf_put(&ev, "\"", 1);
}

static void
put_key(const char *key)
{
    if (!ev_first) {
        buf_put(&ev, ",", 1);
    }
    ev_first = false;
    put_json(key, strlen(key));
    buf_put(&ev, ":", 1);
}

void
ev_begin(uint64_t dpid, const char *event)
{
    if (!evlog_file) {
        return;
    }
    buf_clear(&ev);
    ev_first = true;
    put_str("{");
    struct timespec ts;
    wall_now(&ts);
    char t[40];
    snprintf(t, sizeof t, "%lld.%06ld", (long long) ts.tv_sec,
             ts.tv_nsec / 1000);
    put_key("time");
    put_str(t);
    char d[24];
    snprintf(d, sizeof d, "%016" PRIx64, dpid);
    ev_str("dpid", d);
    ev_str("event", event);
}

void
ev_strn(const char *key, const char *val, size_t n)
{
    if (evlog_file) {
        put_key(key);
        put_json(val, n);
    }
}

void
ev_str(const char *key, const char *val)
{
    ev_strn(key, val ? val : "", val ? strlen(val) : 0);
}

void
ev_u64(const char *key, uint64_t val)
{
    if (evlog_file) {
        char t[24];
        snprintf(t, sizeof t, "%" PRIu64, val);
        put_key(key);
        put_str(t);
    }
}

void
ev_i64(const char *key, int64_t val)
{
    if (evlog_file) {
        char t[24];
        snprintf(t, sizeof t, "%" PRId64, val);
        put_key(key);
        put_str(t);
    }
}

void
ev_bool(const char *key, bool val)
{
    if (evlog_file) {
        put_key(key);
        put_str(val ? "true" : "false");
    }
}

void
ev_end(void)
{
    if (!evlog_file) {
        return;
    }
    put_str("}\n");
    if (fwrite(ev.data, 1, ev.len, evlog_file) != ev.len
        || fflush(evlog_file)) {
        /* A full disk must not stop the controller; the gap is logged. */
        VLOG_RL(LOG_ERR, "event log: %s (an event was lost)",
                strerror(errno));
        clearerr(evlog_file);
    }
}
