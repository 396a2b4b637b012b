/* Load: cbench-style throughput and latency (issue 5, benchmark 1), the
 * connection flood for memory (benchmark 4; issue 4 "bounded state") and
 * the well-behaved watchdog switch that the hostile test runs alongside.
 *
 * Traffic.  Stations (MAC 02:00:<32-bit number>) live on fixed ports, so
 * the controller's MAC learning never sees a move and a Packet-In always
 * has an output port other than its input port.
 * - l2: IPv4/UDP frames between many distinct station pairs.
 * - http: TCP connections to a server on port 80, eight Packet-Ins each
 *   (handshake, request head, response head with a body that fills the
 *   frame, FIN both ways, last ACK), so the elide mode's connection table,
 *   reassembly and HTTP parser work on every connection.  A pool of client
 *   4-tuples is reused with new ISNs, as clients reuse ports. */
#include "fs.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pkt.h"

#define MAX_FRAME 9216
#define SERVER_IP 0x0a000050u       /* 10.0.0.80 */

enum traffic_kind { TR_L2, TR_HTTP };

struct traffic {
    enum traffic_kind kind;
    size_t size;                    /* frame bytes (data segments for http) */
    uint32_t macs;                  /* stations per switch */
    uint32_t conns;                 /* http: client 4-tuples per switch */
    uint32_t n_ports;
    /* http: payloads, built once for the frame size */
    uint8_t req[MAX_FRAME], resp[MAX_FRAME];
    size_t req_len, resp_len;
};

struct gen {
    uint64_t i;                     /* l2: message number */
    uint32_t conn, step, epoch;     /* http */
    uint32_t salt;                  /* per switch */
    uint8_t frame[MAX_FRAME];
};

static uint32_t
port_of(const struct traffic *t, uint32_t station)
{
    return 1 + station % t->n_ports;
}

/* HTTP clients use ports 1..n-1, the server port n. */
static uint32_t
client_port_of(const struct traffic *t, uint32_t station)
{
    return 1 + station % (t->n_ports - 1);
}

#define SERVER_STATION(t) ((t)->n_ports * 1000000u)

static void
traffic_init(struct traffic *t)
{
    if (t->kind != TR_HTTP) {
        return;
    }
    /* Request: padded with a header line so the frame has t->size bytes
     * (54 bytes of Ethernet/IPv4/TCP headers); the smallest is larger. */
    static const char rq[] = "GET /bench HTTP/1.1\r\nHost: bench\r\n";
    size_t want = t->size > 54 ? t->size - 54 : 0;
    size_t n = sizeof rq - 1;
    memcpy(t->req, rq, n);
    size_t min = n + 8 + 2;         /* "X-Pad: " + 1 + CRLF + CRLF */
    if (want > min) {
        memcpy(t->req + n, "X-Pad: ", 7);
        n += 7;
        size_t pad = want - min + 1;
        memset(t->req + n, 'a', pad);
        n += pad;
        memcpy(t->req + n, "\r\n", 2);
        n += 2;
    }
    memcpy(t->req + n, "\r\n", 2);
    t->req_len = n + 2;
    /* Response: a head and a body that fills the frame (far below any
     * elision threshold: the connection gets forward-and-mirror entries). */
    char head[96];
    size_t body = 0;
    for (int k = 0; k < 2; k++) {
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", body);
        body = want > (size_t) hl ? want - (size_t) hl : 0;
    }
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", body);
    memcpy(t->resp, head, (size_t) hl);
    memset(t->resp + hl, 'b', body);
    t->resp_len = (size_t) hl + body;
}

static void
gen_init(struct gen *g, uint32_t salt)
{
    memset(g, 0, sizeof *g);
    g->salt = salt;
    memset(g->frame, 0x5a, sizeof g->frame);
}

static void
put_l2(const struct traffic *t, struct gen *g, struct buf *out)
{
    uint64_t i = g->i++;
    uint32_t m = t->macs;
    uint32_t a = (uint32_t) (i % m);
    uint32_t b = (uint32_t) ((a + 1 + (i / m) % (m - 1)) % m);
    while (port_of(t, b + 1) == port_of(t, a + 1)) {
        b = (b + 1) % m;
    }
    size_t n = fs_frame_udp_hdr(g->frame, t->size, a + 1, b + 1,
                                (uint16_t) (1024 + i % 50000), 9);
    fs_put_packet_in(out, 0, port_of(t, a + 1), g->frame, n);
}

static uint32_t
mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* Client 'j': 11.0.0.0/8 addresses, ports 10000..59999. */
static void
client_tuple(uint32_t j, uint32_t *ip, uint16_t *port)
{
    *ip = 0x0b000000u + j / 50000;
    *port = (uint16_t) (10000 + j % 50000);
}

/* One TCP segment of connection j in direction c2s. */
static void
put_tcp(const struct traffic *t, struct gen *g, struct buf *out, uint32_t j,
        bool c2s, uint32_t seq, uint32_t ack, uint8_t flags,
        const uint8_t *payload, size_t plen)
{
    uint32_t cip;
    uint16_t cport;
    client_tuple(j, &cip, &cport);
    uint32_t cst = 1 + j % t->macs, sst = SERVER_STATION(t);
    struct fs_tcp seg = {
        .src_station = c2s ? cst : sst, .dst_station = c2s ? sst : cst,
        .sip = c2s ? cip : SERVER_IP, .dip = c2s ? SERVER_IP : cip,
        .sport = c2s ? cport : 80, .dport = c2s ? 80 : cport,
        .seq = seq, .ack = ack, .flags = flags,
    };
    size_t n = fs_frame_tcp(g->frame, &seg, payload, plen);
    if (n < 64) {
        memset(g->frame + n, 0, 64 - n);    /* Ethernet padding */
        n = 64;
    }
    fs_put_packet_in(out, 0, c2s ? client_port_of(t, cst) : t->n_ports,
                     g->frame, n);
}

static void
put_http(const struct traffic *t, struct gen *g, struct buf *out)
{
    uint32_t j = g->conn;
    uint32_t ic = mix32(j ^ g->salt ^ g->epoch * 0x9e3779b9u);
    uint32_t is = mix32(ic + 1);
    uint32_t q = (uint32_t) t->req_len, r = (uint32_t) t->resp_len;
    switch (g->step) {
    case 0:
        put_tcp(t, g, out, j, true, ic, 0, TCP_SYN, NULL, 0);
        break;
    case 1:
        put_tcp(t, g, out, j, false, is, ic + 1, TCP_SYN | TCP_ACK, NULL, 0);
        break;
    case 2:
        put_tcp(t, g, out, j, true, ic + 1, is + 1, TCP_ACK, NULL, 0);
        break;
    case 3:
        put_tcp(t, g, out, j, true, ic + 1, is + 1, TCP_PSH | TCP_ACK, t->req, q);
        break;
    case 4:
        put_tcp(t, g, out, j, false, is + 1, ic + 1 + q, TCP_PSH | TCP_ACK,
                t->resp, r);
        break;
    case 5:
        put_tcp(t, g, out, j, true, ic + 1 + q, is + 1 + r, TCP_FIN | TCP_ACK,
                NULL, 0);
        break;
    case 6:
        put_tcp(t, g, out, j, false, is + 1 + r, ic + 2 + q, TCP_FIN | TCP_ACK,
                NULL, 0);
        break;
    default:
        put_tcp(t, g, out, j, true, ic + 2 + q, is + 2 + r, TCP_ACK, NULL, 0);
        break;
    }
    if (++g->step == 8) {
        g->step = 0;
        if (++g->conn == t->conns) {
            g->conn = 0;
            g->epoch++;
        }
    }
}

static void
gen_msg(const struct traffic *t, struct gen *g, struct buf *out)
{
    if (t->kind == TR_HTTP) {
        put_http(t, g, out);
    } else {
        put_l2(t, g, out);
    }
}

static int
parse_traffic(const char *s, enum traffic_kind *k)
{
    if (!strcmp(s, "l2")) {
        *k = TR_L2;
    } else if (!strcmp(s, "http")) {
        *k = TR_HTTP;
    } else {
        return -1;
    }
    return 0;
}

/* ---- Bench: N switches in one epoll loop ---- */

struct engine;

struct lsw {
    struct fsw s;
    struct gen g;
    struct engine *e;
    uint64_t t_sent;                /* latency: outstanding since (ns), 0 */
    uint64_t pin_sent;
};

struct engine {
    struct traffic t;
    struct lsw *sw;
    int n_sw;
    bool latency, measuring;
    uint32_t *lat;                  /* ns */
    size_t n_lat, cap_lat;
    uint64_t lost;
    int epfd;
};

static void
send_one(struct lsw *l)
{
    gen_msg(&l->e->t, &l->g, &l->s.tx);
    l->pin_sent++;
    l->t_sent = fs_now_ns();
}

static void
bench_on_msg(struct fsw *s, const uint8_t *msg, size_t len)
{
    (void) len;
    struct lsw *l = s->aux;
    struct engine *e = l->e;
    if (msg[1] != OFPT_PACKET_OUT || !e->latency || !l->t_sent) {
        return;
    }
    uint64_t d = fs_now_ns() - l->t_sent;
    if (e->measuring) {
        if (e->n_lat == e->cap_lat) {
            e->cap_lat = e->cap_lat ? 2 * e->cap_lat : 65536;
            e->lat = xrealloc(e->lat, e->cap_lat * sizeof *e->lat);
        }
        e->lat[e->n_lat++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t) d;
    }
    send_one(l);
}

struct totals { uint64_t pin, pout, fmod, other, bytes; };

static void
totals(const struct engine *e, struct totals *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < e->n_sw; i++) {
        const struct fsw *s = &e->sw[i].s;
        t->pin += e->sw[i].pin_sent;
        t->pout += s->rx_type[OFPT_PACKET_OUT];
        t->fmod += s->rx_type[OFPT_FLOW_MOD];
        t->bytes += s->rx_bytes;
        for (int k = 0; k < FS_TYPES; k++) {
            if (k != OFPT_PACKET_OUT && k != OFPT_FLOW_MOD) {
                t->other += s->rx_type[k];
            }
        }
    }
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    return x < y ? -1 : x > y;
}

static double
quantile_us(const uint32_t *v, size_t n, double q)
{
    if (!n) {
        return NAN;
    }
    size_t k = (size_t) (q * (double) (n - 1) + 0.5);
    return v[k] / 1000.0;
}

static double
cpu_self_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
           + (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Jiffies of one CPU from /proc/stat: user nice system idle iowait irq
 * softirq steal.  The controller's own CPU time misses the softirq work
 * of loopback TCP that runs on its core, and other processes share the
 * core on a busy machine: the core's idle share says whether the
 * controller was the limit. */
struct core_stat { unsigned long long v[8]; };

static bool
core_read(int cpu, struct core_stat *cs)
{
    char want[16], line[512];
    snprintf(want, sizeof want, "cpu%d ", cpu);
    FILE *f = fopen("/proc/stat", "r");
    bool ok = false;
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, want, strlen(want))) {
            ok = sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu",
                        &cs->v[0], &cs->v[1], &cs->v[2], &cs->v[3], &cs->v[4],
                        &cs->v[5], &cs->v[6], &cs->v[7]) == 8;
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return ok;
}

static int
engine_step(struct engine *e, int timeout_ms)
{
    struct epoll_event evs[128];
    int n = epoll_wait(e->epfd, evs, 128, timeout_ms);
    if (n < 0 && errno != EINTR) {
        perror("epoll_wait");
        return -1;
    }
    for (int k = 0; k < n; k++) {
        struct lsw *l = evs[k].data.ptr;
        struct fsw *s = &l->s;
        if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
            long r = 0;
            for (int rounds = 0; rounds < 16 && (r = fsw_recv(s, 262144)) > 0;
                 rounds++) {
                if (fsw_process(s)) {
                    fprintf(stderr, "fakeswitch: switch %d: corrupt stream "
                            "from the controller\n", (int) (l - e->sw));
                    return -1;
                }
            }
            if (r < 0) {
                fprintf(stderr, "fakeswitch: switch %d: controller closed the "
                        "connection\n", (int) (l - e->sw));
                return -1;
            }
        }
        if (!e->latency) {
            /* Keep about 128 KiB queued: the controller always has input,
             * and our answers (barrier, echo) stay close behind. */
            while (buf_avail(&s->tx) < 131072) {
                gen_msg(&e->t, &l->g, &s->tx);
                l->pin_sent++;
            }
        }
        if (buf_avail(&s->tx) && fsw_flush(s)) {
            fprintf(stderr, "fakeswitch: switch %d: send failed\n",
                    (int) (l - e->sw));
            return -1;
        }
        if (e->latency) {
            struct epoll_event ev = {
                .events = EPOLLIN | (buf_avail(&s->tx) ? EPOLLOUT : 0),
                .data.ptr = l };
            epoll_ctl(e->epfd, EPOLL_CTL_MOD, s->fd, &ev);
        }
    }
    return 0;
}

static volatile sig_atomic_t stop_flag;

static void
on_stop(int sig)
{
    (void) sig;
    stop_flag = 1;
}

int
fs_bench_main(const struct fs_opts *o, int argc, char **argv)
{
    struct engine e = { .t = { .kind = TR_L2, .size = 64, .macs = 1000,
                               .conns = 10000, .n_ports = o->n_ports } };
    int n_sw = 1;
    double warmup = 1, duration = 3, timeout_ms = 100;
    int ctl_core = -1;
    struct core_stat ca = { { 0 } }, cb = { { 0 } };
    const char *cdf = NULL, *label = "controller";
    static const struct option opts[] = {
        { "switches", required_argument, NULL, 'n' },
        { "mode", required_argument, NULL, 'm' },
        { "traffic", required_argument, NULL, 't' },
        { "size", required_argument, NULL, 's' },
        { "macs", required_argument, NULL, 'a' },
        { "conns", required_argument, NULL, 'c' },
        { "warmup", required_argument, NULL, 'w' },
        { "duration", required_argument, NULL, 'd' },
        { "cdf", required_argument, NULL, 'f' },
        { "label", required_argument, NULL, 'L' },
        { "timeout-ms", required_argument, NULL, 'T' },
        { "ctl-core", required_argument, NULL, 'C' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': n_sw = atoi(optarg); break;
        case 'm':
            if (strcmp(optarg, "throughput") && strcmp(optarg, "latency")) {
                fprintf(stderr, "fakeswitch: --mode throughput|latency\n");
                return 2;
            }
            e.latency = !strcmp(optarg, "latency");
            break;
        case 't':
            if (parse_traffic(optarg, &e.t.kind)) {
                fprintf(stderr, "fakeswitch: --traffic l2|http\n");
                return 2;
            }
            break;
        case 's': e.t.size = (size_t) atol(optarg); break;
        case 'a': e.t.macs = (uint32_t) atol(optarg); break;
        case 'c': e.t.conns = (uint32_t) atol(optarg); break;
        case 'w': warmup = atof(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'f': cdf = optarg; break;
        case 'L': label = optarg; break;
        case 'T': timeout_ms = atof(optarg); break;
        case 'C': ctl_core = atoi(optarg); break;
        default: return 2;
        }
    }
    if (n_sw < 1 || n_sw > 4096 || e.t.size < 60 || e.t.size > MAX_FRAME
        || e.t.macs < 2 || e.t.conns < 1 || e.t.conns > 2500000
        || e.t.n_ports < 2 || duration <= 0) {
        fprintf(stderr, "fakeswitch bench: invalid parameters\n");
        return 2;
    }
    traffic_init(&e.t);
    e.n_sw = n_sw;
    e.sw = xcalloc((size_t) n_sw, sizeof *e.sw);
    e.epfd = epoll_create1(EPOLL_CLOEXEC);
    int rc = 0;
    for (int i = 0; i < n_sw; i++) {
        struct lsw *l = &e.sw[i];
        fsw_init(&l->s, o, o->dpid + (uint64_t) i);
        gen_init(&l->g, mix32((uint32_t) i + 1));
        l->e = &e;
        l->s.aux = l;
        l->s.on_msg = bench_on_msg;
        if (fsw_connect(&l->s, 0) || fsw_handshake(&l->s, 5000)) {
            fprintf(stderr, "fakeswitch: switch %d: handshake failed\n", i);
            n_sw = e.n_sw = i + 1;
            rc = 1;
            goto out;
        }
        struct epoll_event ev = {
            .events = EPOLLIN | (e.latency ? 0 : EPOLLOUT), .data.ptr = l };
        epoll_ctl(e.epfd, EPOLL_CTL_ADD, l->s.fd, &ev);
    }
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    if (e.latency) {
        for (int i = 0; i < n_sw; i++) {
            send_one(&e.sw[i]);
            fsw_flush(&e.sw[i].s);
        }
    }
    uint64_t t0 = fs_now_ns();
    uint64_t t_meas = t0 + (uint64_t) (warmup * 1e9);
    uint64_t t_end = t_meas + (uint64_t) (duration * 1e9);
    uint64_t tmo = (uint64_t) (timeout_ms * 1e6);
    struct totals a = { 0 }, b;
    double cpu_a = 0, ctl_a = 0;
    uint64_t lost_a = 0;
    for (;;) {
        uint64_t now = fs_now_ns();
        if (stop_flag) {
            rc = 1;
            goto out;
        }
        if (!e.measuring && now >= t_meas) {
            e.measuring = true;
            totals(&e, &a);
            cpu_a = cpu_self_s();
            ctl_a = o->ctl_pid ? fs_cpu_s(o->ctl_pid) : 0;
            lost_a = e.lost;
            if (ctl_core >= 0) {
                core_read(ctl_core, &ca);
            }
            t_meas = now;
        }
        if (now >= t_end) {
            break;
        }
        if (engine_step(&e, 1)) {
            rc = 1;
            goto out;
        }
        if (e.latency) {
            /* A Packet-In that got no Packet-Out (none is owed for some
             * packets): count it and go on. */
            now = fs_now_ns();
            for (int i = 0; i < n_sw; i++) {
                struct lsw *l = &e.sw[i];
                if (l->t_sent && now - l->t_sent > tmo) {
                    e.lost++;
                    send_one(l);
                    fsw_flush(&l->s);
                }
            }
        }
    }
    totals(&e, &b);
    double core[8] = { NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN };
    if (ctl_core >= 0 && core_read(ctl_core, &cb)) {
        unsigned long long sum = 0;
        for (int k = 0; k < 8; k++) {
            sum += cb.v[k] - ca.v[k];
        }
        for (int k = 0; k < 8 && sum; k++) {
            core[k] = (double) (cb.v[k] - ca.v[k]) / (double) sum;
        }
    }
    double secs = (double) (fs_now_ns() - t_meas) / 1e9;
    double cpu = (cpu_self_s() - cpu_a) / secs;
    double ctl_cpu = o->ctl_pid ? (fs_cpu_s(o->ctl_pid) - ctl_a) / secs : NAN;
    if (e.n_lat) {
        qsort(e.lat, e.n_lat, sizeof *e.lat, cmp_u32);
    }
    printf("label=%s traffic=%s mode=%s switches=%d size=%zu secs=%.2f "
           "pin_per_s=%.0f pout_per_s=%.0f fmod_per_s=%.0f resp_per_s=%.0f "
           "other_per_s=%.0f rx_MBps=%.1f lost=%" PRIu64 " samples=%zu "
           "p50_us=%.1f p99_us=%.1f p999_us=%.1f gen_cpu=%.2f ctl_cpu=%.2f "
           "ctl_rss_kb=%ld core_user=%.2f core_nice=%.2f core_sys=%.2f "
           "core_softirq=%.2f core_idle=%.2f\n",
           label, e.t.kind == TR_HTTP ? "http" : "l2",
           e.latency ? "latency" : "throughput", n_sw, e.t.size, secs,
           (double) (b.pin - a.pin) / secs, (double) (b.pout - a.pout) / secs,
           (double) (b.fmod - a.fmod) / secs,
           (double) (b.pout - a.pout + b.fmod - a.fmod) / secs,
           (double) (b.other - a.other) / secs,
           (double) (b.bytes - a.bytes) / secs / 1e6, e.lost - lost_a,
           e.n_lat, quantile_us(e.lat, e.n_lat, 0.5),
           quantile_us(e.lat, e.n_lat, 0.99), quantile_us(e.lat, e.n_lat, 0.999),
           cpu, ctl_cpu, o->ctl_pid ? fs_rss_kb(o->ctl_pid) : -1L, core[0],
           core[1], core[2], core[6], core[3] + core[4]);
    if (cdf && e.n_lat) {
        FILE *f = fopen(cdf, "w");
        if (!f) {
            perror(cdf);
            rc = 1;
            goto out;
        }
        fprintf(f, "# latency_us fraction (%zu samples, %s)\n", e.n_lat, label);
        for (int k = 0; k <= 1000; k++) {
            double q = k / 1000.0;
            fprintf(f, "%.2f %.3f\n", quantile_us(e.lat, e.n_lat, q), q);
        }
        for (int k = 1; k <= 100; k++) {        /* the tail, finer */
            double q = 0.999 + k / 100000.0;
            fprintf(f, "%.2f %.5f\n", quantile_us(e.lat, e.n_lat, q), q);
        }
        fclose(f);
    }
out:
    for (int i = 0; i < n_sw; i++) {
        fsw_free(&e.sw[i].s);
    }
    free(e.sw);
    free(e.lat);
    close(e.epfd);
    return rc;
}

/* SYN Packet-Ins for the flood's client connections [from, from + n), in
 * batches that an echo round trip confirms. */
int
fs_syn_flood(struct fsw *s, uint32_t from, uint32_t n, int timeout_ms)
{
    struct traffic t = { .kind = TR_HTTP, .size = 64, .macs = 1000,
                         .n_ports = s->o->n_ports };
    struct gen *g = xmalloc(sizeof *g);
    gen_init(g, 1);
    int rc = 0;
    for (uint32_t j = from; j < from + n && !rc; j++) {
        uint32_t ic = mix32(j);
        put_tcp(&t, g, &s->tx, j, true, ic, 0, TCP_SYN, NULL, 0);
        if ((j - from + 1) % 2000 == 0 || j + 1 == from + n) {
            rc = fsw_echo(s, 0, timeout_ms);
        }
    }
    free(g);
    return rc;
}

/* ---- Flood: many new connections, for the controller's memory ---- */

struct flood {
    struct fsw s;
    struct traffic t;
    struct gen g;
    int pid;
    uint32_t batch;
    uint32_t echo_sent, echo_done;  /* batch markers */
    uint32_t first_xid;
};

static void
flood_on_msg(struct fsw *s, const uint8_t *msg, size_t len)
{
    (void) len;
    struct flood *f = s->aux;
    if (msg[1] == OFPT_ECHO_REPLY && get_be32(msg + 4) >= f->first_xid) {
        f->echo_done++;
    }
}

/* Queues a batch marker and pumps until at most 'depth' batches are
 * outstanding.  Returns -1 if the controller went away. */
static int
flood_sync(struct flood *f, uint32_t depth)
{
    ofp_put_echo(&f->s.tx, OFPT_ECHO_REQUEST, f->first_xid + f->echo_sent++,
                 NULL, 0);
    uint64_t start = fs_now_ns();
    while (f->echo_sent - f->echo_done > depth) {
        if (fsw_pump(&f->s, 100)) {
            fprintf(stderr, "fakeswitch flood: the controller closed the "
                    "connection\n");
            return -1;
        }
        if (fs_now_ns() - start > 60000000000ull) {
            fprintf(stderr, "fakeswitch flood: no answer for 60 s\n");
            return -1;
        }
    }
    return 0;
}

enum flood_op { FL_OPEN, FL_CLOSE_FIN, FL_CLOSE_RST };

static void
flood_conn(struct flood *f, uint32_t j, enum flood_op op)
{
    struct traffic *t = &f->t;
    struct gen *g = &f->g;
    struct buf *b = &f->s.tx;
    uint32_t ic = mix32(j), is = mix32(ic + 1);
    switch (op) {
    case FL_OPEN:
        put_tcp(t, g, b, j, true, ic, 0, TCP_SYN, NULL, 0);
        break;
    case FL_CLOSE_RST:
        put_tcp(t, g, b, j, true, ic + 1, 0, TCP_RST, NULL, 0);
        break;
    case FL_CLOSE_FIN:
        put_tcp(t, g, b, j, false, is, ic + 1, TCP_SYN | TCP_ACK, NULL, 0);
        put_tcp(t, g, b, j, true, ic + 1, is + 1, TCP_FIN | TCP_ACK, NULL, 0);
        put_tcp(t, g, b, j, false, is + 1, ic + 2, TCP_FIN | TCP_ACK, NULL, 0);
        put_tcp(t, g, b, j, true, ic + 2, is + 2, TCP_ACK, NULL, 0);
        break;
    }
}

/* Runs 'op' over connections [from, to), printing a sample every 'step'. */
static int
flood_phase(struct flood *f, const char *phase, uint32_t from, uint32_t to,
            enum flood_op op, bool mixed_close, uint32_t step, uint64_t *done)
{
    uint64_t t0 = fs_now_ns();
    for (uint32_t j = from; j < to; j++) {
        enum flood_op o = op;
        if (mixed_close && op != FL_OPEN) {
            o = j % 2 ? FL_CLOSE_RST : FL_CLOSE_FIN;
        }
        flood_conn(f, j, o);
        if ((j - from + 1) % f->batch == 0 && flood_sync(f, 2)) {
            return -1;
        }
        if ((j - from + 1) % step == 0 || j + 1 == to) {
            if (flood_sync(f, 0)) {
                return -1;
            }
            *done = j - from + 1;
            printf("%s %" PRIu64 " %ld %.2f\n", phase, *done,
                   f->pid ? fs_rss_kb(f->pid) : -1L,
                   (double) (fs_now_ns() - t0) / 1e9);
            fflush(stdout);
        }
    }
    return 0;
}

int
fs_flood_main(const struct fs_opts *o, int argc, char **argv)
{
    uint32_t n = 100000, step = 0;
    const char *close_mode = "none";
    double settle = 0;
    bool reopen = false;
    struct flood f;
    memset(&f, 0, sizeof f);
    f.batch = 5000;
    static const struct option opts[] = {
        { "conns", required_argument, NULL, 'n' },
        { "step", required_argument, NULL, 's' },
        { "close", required_argument, NULL, 'c' },
        { "settle", required_argument, NULL, 'S' },
        { "reopen", no_argument, NULL, 'r' },
        { "batch", required_argument, NULL, 'b' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': n = (uint32_t) atol(optarg); break;
        case 's': step = (uint32_t) atol(optarg); break;
        case 'c': close_mode = optarg; break;
        case 'S': settle = atof(optarg); break;
        case 'r': reopen = true; break;
        case 'b': f.batch = (uint32_t) atol(optarg); break;
        default: return 2;
        }
    }
    bool do_close = strcmp(close_mode, "none") != 0;
    if (!n || n > 2000000000u || !f.batch
        || (do_close && strcmp(close_mode, "fin") && strcmp(close_mode, "rst")
            && strcmp(close_mode, "mixed"))) {
        fprintf(stderr, "fakeswitch flood: invalid parameters\n");
        return 2;
    }
    if (!step) {
        step = n / 10 ? n / 10 : n;
    }
    f.t = (struct traffic) { .kind = TR_HTTP, .size = 64, .macs = 1000,
                             .n_ports = o->n_ports };
    if (f.t.n_ports < 2) {
        fprintf(stderr, "fakeswitch flood: needs --ports >= 2\n");
        return 2;
    }
    gen_init(&f.g, 1);
    f.pid = o->ctl_pid;
    fsw_init(&f.s, o, o->dpid);
    f.s.aux = &f;
    f.s.on_msg = flood_on_msg;
    int rc = 1;
    if (fsw_connect(&f.s, 0) || fsw_handshake(&f.s, 5000)) {
        fprintf(stderr, "fakeswitch flood: handshake failed\n");
        goto out;
    }
    /* Batch markers are echoes with xids from first_xid on; the
     * handshake's echo reply (counted before first_xid was set) is not. */
    f.first_xid = f.s.xid + 1000;
    f.s.xid = f.first_xid + 2000000000u;
    f.echo_done = 0;
    printf("# phase conns ctl_rss_kb elapsed_s\n");
    uint64_t done = 0;
    if (flood_sync(&f, 0)) {
        goto out;
    }
    printf("start 0 %ld 0\n", f.pid ? fs_rss_kb(f.pid) : -1L);
    /* Every switch's base flows and our learning entries first: stations
     * learned, so that a Packet-Out never floods. */
    if (flood_phase(&f, "open", 0, n, FL_OPEN, false, step, &done)) {
        goto out;
    }
    if (do_close) {
        enum flood_op op = !strcmp(close_mode, "rst") ? FL_CLOSE_RST
                                                      : FL_CLOSE_FIN;
        if (flood_phase(&f, "close", 0, n, op, !strcmp(close_mode, "mixed"),
                        step, &done)) {
            goto out;
        }
    }
    if (settle > 0) {
        uint64_t end = fs_now_ns() + (uint64_t) (settle * 1e9);
        while (fs_now_ns() < end) {
            if (fsw_pump(&f.s, 100)) {
                goto out;
            }
        }
        if (flood_sync(&f, 0)) {
            goto out;
        }
        printf("settled %" PRIu64 " %ld %.2f\n", done,
               f.pid ? fs_rss_kb(f.pid) : -1L, settle);
    }
    if (reopen && flood_phase(&f, "reopen", n, 2 * n, FL_OPEN, false, step,
                              &done)) {
        goto out;
    }
    rc = 0;
out:
    fsw_free(&f.s);
    return rc;
}

/* ---- Watch: a well-behaved switch next to the hostile ones ---- */

struct watch {
    uint64_t echo_sent_ns;
    uint32_t echo_xid;
    uint64_t echoes, max_rtt_ns;
};

static void
write_state(const char *path, const struct watch *w, const struct fsw *s)
{
    if (!path) {
        return;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        return;
    }
    fprintf(f, "echoes=%" PRIu64 " packet_outs=%" PRIu64 " max_rtt_ms=%.1f\n",
            w->echoes, s->rx_type[OFPT_PACKET_OUT], w->max_rtt_ns / 1e6);
    fclose(f);
    rename(tmp, path);
}

int
fs_watch_main(const struct fs_opts *o, int argc, char **argv)
{
    const char *state = NULL;
    int stall_ms = 2000, interval_ms = 20;
    static const struct option opts[] = {
        { "state", required_argument, NULL, 's' },
        { "stall-ms", required_argument, NULL, 'S' },
        { "interval-ms", required_argument, NULL, 'i' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': state = optarg; break;
        case 'S': stall_ms = atoi(optarg); break;
        case 'i': interval_ms = atoi(optarg); break;
        default: return 2;
        }
    }
    struct sigaction sa = { .sa_handler = on_stop };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct fsw s;
    fsw_init(&s, o, o->dpid);
    struct watch w = { 0 };
    int rc = 1;
    if (fsw_connect(&s, 0) || fsw_handshake(&s, 5000)) {
        fprintf(stderr, "fakeswitch watch: handshake failed\n");
        goto out;
    }
    struct traffic t = { .kind = TR_L2, .size = 64, .macs = 16,
                         .n_ports = o->n_ports };
    struct gen g;
    gen_init(&g, 7);
    uint64_t last_state = 0, last_send = 0;
    while (!stop_flag) {
        uint64_t now = fs_now_ns();
        if (w.echo_xid && s.echo_xid == w.echo_xid) {
            uint64_t rtt = now - w.echo_sent_ns;
            if (rtt > w.max_rtt_ns) {
                w.max_rtt_ns = rtt;
            }
            w.echoes++;
            w.echo_xid = 0;
        }
        if (w.echo_xid && now - w.echo_sent_ns > (uint64_t) stall_ms * 1000000u) {
            fprintf(stderr, "fakeswitch watch: no echo reply for %d ms\n",
                    stall_ms);
            goto out;
        }
        if (!w.echo_xid && now - last_send >= (uint64_t) interval_ms * 1000000u) {
            w.echo_xid = fsw_next_xid(&s);
            w.echo_sent_ns = now;
            ofp_put_echo(&s.tx, OFPT_ECHO_REQUEST, w.echo_xid, NULL, 0);
            gen_msg(&t, &g, &s.tx);
            last_send = now;
        }
        if (now - last_state > 100000000u) {
            write_state(state, &w, &s);
            last_state = now;
        }
        if (fsw_pump(&s, 5) && !stop_flag) {
            fprintf(stderr, "fakeswitch watch: connection lost\n");
            goto out;
        }
    }
    rc = 0;
out:
    write_state(state, &w, &s);
    printf("watch: %" PRIu64 " echoes, %" PRIu64 " packet-outs, max echo rtt "
           "%.1f ms\n", w.echoes, s.rx_type[OFPT_PACKET_OUT], w.max_rtt_ns / 1e6);
    fsw_free(&s);
    return rc;
}
