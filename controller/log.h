/* Two outputs: a human log on stderr (levels, rate-limited warnings) and
 * the machine-readable event log, one JSON object a line. */
#ifndef LOG_H
#define LOG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DBG };
extern int log_verbosity;       /* messages above this level are dropped */

void vlog(enum log_level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Like vlog, but at most 'burst' lines per second from one call site:
 * a peer that misbehaves on every message cannot flood the log. */
struct ratelimit { uint64_t sec; unsigned count; uint64_t dropped; };
void vlog_rl(struct ratelimit *, enum log_level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define VLOG_RL(LEVEL, ...) do {                   \
        static struct ratelimit rl_;               \
        vlog_rl(&rl_, LEVEL, __VA_ARGS__);         \
    } while (0)

uint64_t time_ms(void);         /* monotonic */
uint64_t time_us(void);         /* the same clock in microseconds */
/* Tests: time_ms() returns 'ms' from now on, time_us() as many
 * milliseconds (0: the real clock again), as Open vSwitch's time/stop and
 * time/warp do for its tests. */
void time_stop_at(uint64_t ms);
/* The time of log lines and events ("time"): 'sec' and 'nsec' since the
 * epoch from now on (elide-replay: the trace's), 0 and 0 the real clock. */
void time_wall_at(int64_t sec, long nsec);

/* Event log.  ev_begin() opens a record with "time", "dpid" and "event";
 * the ev_* calls add fields; ev_end() writes the line.  Without an open
 * event log file the calls do nothing. */
int evlog_open(const char *path);        /* 0 or errno */
void evlog_close(void);
bool evlog_enabled(void);
void ev_begin(uint64_t dpid, const char *event);
void ev_str(const char *key, const char *val);
void ev_strn(const char *key, const char *val, size_t n);
void ev_u64(const char *key, uint64_t val);
void ev_i64(const char *key, int64_t val);
void ev_bool(const char *key, bool val);
void ev_end(void);

#endif
