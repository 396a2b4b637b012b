#include "loop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"

static int epfd = -1;
static uint64_t wake_at;

void
loop_wake_at(uint64_t deadline_ms)
{
    if (!wake_at || deadline_ms < wake_at) {
        wake_at = deadline_ms;
    }
}

int
loop_init(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    return epfd < 0 ? errno : 0;
}

void
loop_destroy(void)
{
    if (epfd >= 0) {
        close(epfd);
        epfd = -1;
    }
}

static int
ctl(int op, struct loop_handler *h, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = h };
    return epoll_ctl(epfd, op, h->fd, &ev) < 0 ? errno : 0;
}

int
loop_add(struct loop_handler *h, uint32_t events)
{
    return ctl(EPOLL_CTL_ADD, h, events);
}

int
loop_mod(struct loop_handler *h, uint32_t events)
{
    return ctl(EPOLL_CTL_MOD, h, events);
}

void
loop_del(struct loop_handler *h)
{
    if (epoll_ctl(epfd, EPOLL_CTL_DEL, h->fd, NULL) < 0) {
        vlog(LOG_WARN, "epoll_ctl(DEL, fd %d): %s", h->fd, strerror(errno));
    }
}

void
loop_run(int tick_ms, void (*tick)(void *), void *arg,
         volatile sig_atomic_t *stop)
{
    uint64_t next = time_ms() + (uint64_t) tick_ms;
    struct epoll_event evs[64];
    while (!*stop) {
        uint64_t now = time_ms();
        uint64_t due = wake_at && wake_at < next ? wake_at : next;
        int timeout = now >= due ? 0 : (int) (due - now);
        int n = epoll_wait(epfd, evs, 64, timeout);
        if (n < 0 && errno != EINTR) {
            vlog(LOG_ERR, "epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            struct loop_handler *h = evs[i].data.ptr;
            h->cb(h, evs[i].events);
        }
        now = time_ms();
        if (now >= next || (wake_at && now >= wake_at)) {
            wake_at = 0;
            tick(arg);
            if (now >= next) {
                next = now + (uint64_t) tick_ms;
            }
        }
    }
}
