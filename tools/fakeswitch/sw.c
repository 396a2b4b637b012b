/* One fake switch session: the switch side of the OpenFlow 1.3 handshake
 * (HELLO, FEATURES_REPLY, PORT_DESC), automatic answers to BARRIER, ECHO,
 * GET_CONFIG and multipart requests, and per-type counters. */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t
fs_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

long
fs_rss_kb(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    long kb = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6)) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

double
fs_cpu_s(int pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    /* Fields 14 and 15 (utime, stime) follow the ")" that ends comm. */
    char *p = ok ? strrchr(line, ')') : NULL;
    unsigned long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                     &ut, &st) != 2) {
        return -1;
    }
    return (double) (ut + st) / (double) sysconf(_SC_CLK_TCK);
}

void
fsw_init(struct fsw *s, const struct fs_opts *o, uint64_t dpid)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->o = o;
    s->dpid = dpid;
    s->auto_answer = true;
    buf_init(&s->rx);
    buf_init(&s->tx);
}

void
fsw_free(struct fsw *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    buf_free(&s->rx);
    buf_free(&s->tx);
}

int
fsw_connect(struct fsw *s, int rcvbuf)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV };
    struct addrinfo *ai;
    int rc = getaddrinfo(s->o->host, s->o->port, &hints, &ai);
    if (rc) {
        fprintf(stderr, "fakeswitch: %s:%s: %s\n", s->o->host, s->o->port,
                gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && rcvbuf) {
        /* Before connect, so the window is small from the start. */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
        fprintf(stderr, "fakeswitch: connect %s:%s: %s\n", s->o->host,
                s->o->port, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    s->fd = fd;
    return 0;
}

uint32_t
fsw_next_xid(struct fsw *s)
{
    if (++s->xid == 0) {
        s->xid = 1;
    }
    return s->xid;
}

/* A FLOW_MOD whose match holds a field outside OpenFlow basic and the ONF
 * experimenter class (Open vSwitch's NXM ct_state, ct_mark): an OpenFlow
 * 1.3 switch without those extensions refuses it, OFPBMC_BAD_FIELD (spec
 * 7.4.4), which is how --datapath auto learns that it has no tracker. */
static bool
foreign_match(const struct ofp_msg *m)
{
    const size_t at = 40;           /* struct ofp_match in the body */
    if (m->body_len < at + 4) {
        return false;
    }
    size_t mlen = get_be16(m->body + at + 2);
    if (mlen < 4 || at + mlen > m->body_len) {
        return false;
    }
    for (size_t o = 4; o + 4 <= mlen; o += 4u + m->body[at + o + 3]) {
        uint16_t class = get_be16(m->body + at + o);
        if (class != 0x8000 && class != 0xffff) {
            return true;
        }
    }
    return false;
}

static void
answer(struct fsw *s, const struct ofp_msg *m)
{
    switch (m->type) {
    case OFPT_FLOW_MOD:
        if (foreign_match(m)) {
            size_t n = OFP_HEADER_LEN + m->body_len;
            ofp_put_error(&s->tx, m->xid, OFPET_BAD_MATCH, 6 /* BAD_FIELD */,
                          m->body - OFP_HEADER_LEN, n < 64 ? n : 64);
        }
        break;
    case OFPT_HELLO:
        s->hello_rcvd = true;
        break;
    case OFPT_FEATURES_REQUEST:
        fs_put_features_reply(&s->tx, m->xid, s->dpid);
        if (!s->features_sent) {
            /* The controller handles messages in order: once this echo
             * comes back, it has the datapath id and the ports. */
            s->features_sent = true;
            s->ready_xid = fsw_next_xid(s);
            ofp_put_echo(&s->tx, OFPT_ECHO_REQUEST, s->ready_xid, NULL, 0);
        }
        break;
    case OFPT_ECHO_REQUEST:
        ofp_put_echo(&s->tx, OFPT_ECHO_REPLY, m->xid, m->body, m->body_len);
        break;
    case OFPT_BARRIER_REQUEST:
        if (!s->hold_barriers) {
            ofp_put_simple(&s->tx, OFPT_BARRIER_REPLY, m->xid);
        }
        break;
    case OFPT_GET_CONFIG_REQUEST:
        fs_put_get_config_reply(&s->tx, m->xid);
        break;
    case OFPT_MULTIPART_REQUEST: {
        uint16_t type = m->body_len >= 2 ? get_be16(m->body) : 0xffff;
        if (type == OFPMP_PORT_DESC) {
            uint32_t ports[258];
            size_t n = 0;
            for (uint32_t p = 1; p <= s->o->n_ports && n < 256; p++) {
                ports[n++] = p;
            }
            if (s->o->mirror_port) {
                ports[n++] = s->o->mirror_port;
            }
            ports[n++] = OFPP_LOCAL;
            fs_put_port_desc_reply(&s->tx, m->xid, ports, n, 0);
        } else if (type == OFPMP_DESC) {
            uint8_t desc[1056] = { 0 };
            snprintf((char *) desc, 256, "fakeswitch");
            fs_put_multipart_reply(&s->tx, m->xid, type, 0, desc, sizeof desc);
        } else {
            /* Flow stats and the rest: an empty reply. */
            fs_put_multipart_reply(&s->tx, m->xid, type, 0, NULL, 0);
        }
        break;
    }
    default:
        break;
    }
}

static void
handle(struct fsw *s, const uint8_t *msg, size_t len)
{
    struct ofp_msg m;
    ofp_msg_init(&m, msg, len);
    if (m.type < FS_TYPES) {
        s->rx_type[m.type]++;
    } else {
        s->rx_other++;
    }
    if (m.type == OFPT_ERROR && m.body_len >= 4) {
        s->err_type = get_be16(m.body);
        s->err_code = get_be16(m.body + 2);
        s->err_xid = m.xid;
    } else if (m.type == OFPT_ECHO_REPLY) {
        s->echo_xid = m.xid;
        s->echo_len = m.body_len;
        if (s->features_sent && m.xid == s->ready_xid) {
            s->ready = true;
        }
    }
    if (s->auto_answer) {
        answer(s, &m);
    }
    if (s->on_msg) {
        s->on_msg(s, msg, len);
    }
}

int
fsw_process(struct fsw *s)
{
    for (;;) {
        int n = ofp_frame(buf_head(&s->rx), buf_avail(&s->rx));
        if (n < 0) {
            s->corrupt = true;
            return -1;
        }
        if (n == 0) {
            return 0;
        }
        handle(s, buf_head(&s->rx), (size_t) n);
        buf_consume(&s->rx, (size_t) n);
    }
}

long
fsw_recv(struct fsw *s, size_t max)
{
    buf_reserve(&s->rx, max);
    ssize_t n = recv(s->fd, s->rx.data + s->rx.len, max, 0);
    if (n > 0) {
        s->rx.len += (size_t) n;
        s->rx_bytes += (uint64_t) n;
        return n;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return 0;
    }
    s->closed = true;
    return -1;
}

int
fsw_flush(struct fsw *s)
{
    while (buf_avail(&s->tx)) {
        ssize_t n = send(s->fd, buf_head(&s->tx), buf_avail(&s->tx),
                         MSG_NOSIGNAL);
        if (n > 0) {
            buf_consume(&s->tx, (size_t) n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            s->closed = true;
            return -1;
        }
    }
    return 0;
}

/* One round of poll, send and receive. */
int
fsw_pump(struct fsw *s, int timeout_ms)
{
    if (s->closed) {
        return -1;
    }
    struct pollfd pfd = { .fd = s->fd,
                          .events = POLLIN | (buf_avail(&s->tx) ? POLLOUT : 0) };
    int n = poll(&pfd, 1, timeout_ms);
    if (n < 0 && errno != EINTR) {
        return -1;
    }
    if (n > 0 && pfd.revents & POLLOUT && fsw_flush(s)) {
        return -1;
    }
    if (n > 0 && pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
        long r;
        while ((r = fsw_recv(s, 65536)) > 0) {
        }
        fsw_process(s);
        if (fsw_flush(s) || r < 0) {
            return -1;
        }
    }
    return 0;
}

/* Runs the loop until cond(s, arg) holds (0) or the deadline passes or
 * the peer closes (-1). */
static int
pump_until(struct fsw *s, bool (*cond)(const struct fsw *, uint64_t),
           uint64_t arg, int timeout_ms)
{
    uint64_t end = fs_now_ns() + (uint64_t) timeout_ms * 1000000u;
    for (;;) {
        if (cond(s, arg)) {
            return 0;
        }
        uint64_t now = fs_now_ns();
        if (now >= end) {
            return -1;
        }
        if (fsw_pump(s, (int) ((end - now) / 1000000u) + 1)) {
            return cond(s, arg) ? 0 : -1;
        }
    }
}

static bool
is_ready(const struct fsw *s, uint64_t arg)
{
    (void) arg;
    return s->ready;
}

static bool
has_echo(const struct fsw *s, uint64_t xid)
{
    return s->echo_xid == xid;
}

static bool
has_type(const struct fsw *s, uint64_t type_count)
{
    return s->rx_type[type_count >> 56] > (type_count & ((1ull << 56) - 1));
}

static bool
is_closed(const struct fsw *s, uint64_t arg)
{
    (void) arg;
    return s->closed;
}

static bool
tx_empty(const struct fsw *s, uint64_t arg)
{
    (void) arg;
    return !buf_avail(&s->tx);
}

int
fsw_handshake(struct fsw *s, int timeout_ms)
{
    ofp_put_hello(&s->tx, fsw_next_xid(s));
    return pump_until(s, is_ready, 0, timeout_ms);
}

int
fsw_echo(struct fsw *s, size_t body_len, int timeout_ms)
{
    uint32_t xid = fsw_next_xid(s);
    uint8_t *body = xcalloc(1, body_len ? body_len : 1);
    for (size_t i = 0; i < body_len; i++) {
        body[i] = (uint8_t) (i * 7);
    }
    ofp_put_echo(&s->tx, OFPT_ECHO_REQUEST, xid, body, body_len);
    free(body);
    return pump_until(s, has_echo, xid, timeout_ms);
}

int
fsw_wait_type(struct fsw *s, uint8_t type, uint64_t count_before,
              int timeout_ms)
{
    return pump_until(s, has_type, (uint64_t) type << 56 | count_before,
                      timeout_ms);
}

int
fsw_wait_closed(struct fsw *s, int timeout_ms)
{
    return pump_until(s, is_closed, 0, timeout_ms);
}

int
fsw_send_all(struct fsw *s, int timeout_ms)
{
    return pump_until(s, tx_empty, 0, timeout_ms);
}
