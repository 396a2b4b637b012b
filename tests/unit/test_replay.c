/* elide-replay's switch model (replay/replay.c) over frames built here:
 * where each frame goes (Packet-In, a connection entry, the mirror), in
 * trace time.  The golden tests of tests/replay/ check whole captures;
 * these check the model's rules one by one. */
#include <criterion/criterion.h>
#include <string.h>

#include "options.h"
#include "replay.h"
#include "tcpframe.h"

#define CLI_IP 0x0a000001u      /* 10.0.0.1 */
#define SRV_IP 0x0a000002u      /* 10.0.0.2 */
#define CPORT 40000
#define ISN_C 1000u
#define ISN_S 500000u
#define MSS 1448
#define BODY 100000
#define T0 1700000000000000ull  /* microseconds */

static const uint8_t cli_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t srv_mac[6] = { 2, 0, 0, 0, 0, 2 };

static const char req[] = "GET /big HTTP/1.1\r\nHost: s\r\n\r\n";
static const char head[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";

/* The mirror port's frames, as their TCP payload bytes (sum) and count. */
struct mirror {
    unsigned frames;
    uint64_t payload;
    unsigned heads;             /* frames holding a whole head */
    unsigned fins;
    uint32_t last_caplen, last_len;
};

static void
on_mirror(void *aux, uint64_t ts_us, const uint8_t *frame, uint32_t caplen,
          uint32_t len)
{
    (void) ts_us;
    struct mirror *m = aux;
    struct pkt p;
    m->frames++;
    m->last_caplen = caplen;
    m->last_len = len;
    if (pkt_parse(frame, caplen, &p) == PKT_OK && p.ip_proto == 6) {
        m->payload += p.payload_caplen;
        if ((p.payload_caplen == strlen(req)
             && !memcmp(p.payload, req, strlen(req)))
            || (p.payload_caplen == strlen(head)
                && !memcmp(p.payload, head, strlen(head)))) {
            m->heads++;
        }
        if (p.tcp_flags & TCP_FIN) {
            m->fins++;
        }
    }
}

struct t {
    struct ctl_opts o;
    struct replay *r;
    struct mirror m;
    uint32_t nxt[2];            /* next sequence number: client, server */
    uint64_t us;                /* trace time */
};

static void
t_init(struct t *t, const char *mode, const char *threshold)
{
    memset(t, 0, sizeof *t);
    ctl_opts_init(&t->o);
    cr_assert_eq(ctl_opt(&t->o, CO_MODE, mode, "test"), 0);
    if (threshold) {
        cr_assert_eq(ctl_opt(&t->o, CO_THRESH, threshold, "test"), 0);
    }
    cr_assert_eq(ctl_opts_check(&t->o, "test"), 0);
    t->r = replay_new(&t->o.cfg, on_mirror, &t->m);
    cr_assert(t->r);
    t->nxt[0] = ISN_C;
    t->nxt[1] = ISN_S;
    t->us = T0;
}

/* A segment of the client (srv false) or the server, 'dt_us' after the
 * last one, acknowledging everything the other side sent. */
static void
seg(struct t *t, bool srv, uint8_t flags, const void *data, size_t len,
    uint64_t dt_us)
{
    uint8_t f[1600];
    struct tcpframe tf = {
        .src_mac = srv ? srv_mac : cli_mac, .dst_mac = srv ? cli_mac : srv_mac,
        .src_ip = srv ? SRV_IP : CLI_IP, .dst_ip = srv ? CLI_IP : SRV_IP,
        .sport = srv ? 80 : CPORT, .dport = srv ? CPORT : 80,
        .seq = t->nxt[srv], .ack = flags & TCP_ACK ? t->nxt[!srv] : 0,
        .flags = flags, .payload = data, .len = len,
    };
    size_t n = tcpframe_write(f, &tf);
    t->nxt[srv] += (uint32_t) len + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
    t->us += dt_us;
    replay_frame(t->r, t->us, f, (uint32_t) n, (uint32_t) n);
}

static void
handshake_and_head(struct t *t)
{
    seg(t, false, TCP_SYN, NULL, 0, 0);
    seg(t, true, TCP_SYN | TCP_ACK, NULL, 0, 100);
    seg(t, false, TCP_ACK, NULL, 0, 100);
    seg(t, false, TCP_PSH | TCP_ACK, req, strlen(req), 100);
    seg(t, true, TCP_ACK, NULL, 0, 100);
    seg(t, true, TCP_PSH | TCP_ACK, head, strlen(head), 100);
}

/* 'n' body bytes of the server, MSS a segment. */
static void
body(struct t *t, size_t n, uint64_t dt_us)
{
    static uint8_t b[MSS];
    memset(b, 'x', sizeof b);
    while (n) {
        size_t k = n < MSS ? n : MSS;
        seg(t, true, TCP_ACK, b, k, dt_us);
        n -= k;
    }
}

static void
teardown(struct t *t)
{
    seg(t, false, TCP_FIN | TCP_ACK, NULL, 0, 100);
    seg(t, true, TCP_FIN | TCP_ACK, NULL, 0, 100);
    seg(t, false, TCP_ACK, NULL, 0, 100);
}

static void
t_fini(struct t *t)
{
    replay_free(t->r);
}

#define BODY_SEGS ((BODY + MSS - 1) / MSS)

/* The teardown, the end of the trace, and what an elided GET leaves on the
 * mirror: both heads, no body byte, no alert. */
static void
finish_elided(struct t *t)
{
    teardown(t);
    replay_finish(t->r);
    cr_assert_eq(t->m.payload, strlen(req) + strlen(head));
    cr_assert_eq(replay_stats(t->r)->alerts, 0);
    t_fini(t);
}

/* The client's ACK of the head lets the elision entries in; every body
 * segment after it passes them, counted and unmirrored; the teardown and
 * both heads are mirrored, and nothing of the body. */
Test(replay, big_body_through_the_entries)
{
    struct t t;
    t_init(&t, "elide", "16Ki");
    handshake_and_head(&t);
    seg(&t, false, TCP_ACK, NULL, 0, 100);
    const struct replay_stats *st = replay_stats(t.r);
    uint64_t ins = st->packet_ins;
    cr_assert_eq(st->entry_packets, 0);
    body(&t, BODY, 10);
    cr_assert_eq(st->entry_packets, BODY_SEGS, "%lu",
                 (unsigned long) st->entry_packets);
    cr_assert_eq(st->packet_ins, ins);
    teardown(&t);
    replay_finish(t.r);
    cr_assert_eq(t.m.heads, 2);
    cr_assert_eq(t.m.payload, strlen(req) + strlen(head));
    cr_assert_eq(t.m.fins, 2);
    cr_assert_eq(st->bodies_elided, 1);
    cr_assert_eq(st->alerts, 0);
    cr_assert_eq(st->conns, 1);
    cr_assert_eq(st->packets_in, 10 + BODY_SEGS);
    cr_assert_eq(st->packets_out, t.m.frames);
    t_fini(&t);
}

/* Body segments before the client's ACK of the head reach the controller
 * (no entry yet), which recognises them and mirrors none; the entry
 * applies from the frame after the ACK. */
Test(replay, entry_from_the_next_frame)
{
    struct t t;
    t_init(&t, "elide", "16Ki");
    handshake_and_head(&t);
    const struct replay_stats *st = replay_stats(t.r);
    uint64_t ins = st->packet_ins;
    body(&t, 3 * MSS, 10);
    cr_assert_eq(st->packet_ins, ins + 3);
    cr_assert_eq(st->entry_packets, 0);
    seg(&t, false, TCP_ACK, NULL, 0, 10);
    body(&t, BODY - 3 * MSS, 10);
    cr_assert_eq(st->entry_packets, BODY_SEGS - 3);
    finish_elided(&t);
}

/* Flow statistics are polled in trace time (--stats-interval, 500 ms):
 * once they show the body over, the entries go, and the client's next
 * bare ACK is a Packet-In; before that, it passes the client's entry. */
Test(replay, stats_in_trace_time)
{
    struct t t;
    t_init(&t, "elide", "16Ki");
    handshake_and_head(&t);
    seg(&t, false, TCP_ACK, NULL, 0, 100);
    body(&t, BODY, 10);
    const struct replay_stats *st = replay_stats(t.r);
    uint64_t ins = st->packet_ins, through = st->entry_packets;
    seg(&t, false, TCP_ACK, NULL, 0, 10);
    cr_assert_eq(st->entry_packets, through + 1);
    seg(&t, false, TCP_ACK, NULL, 0, 1200 * 1000);
    cr_assert_eq(st->packet_ins, ins + 1);
    cr_assert_eq(st->entry_packets, through + 1);
    finish_elided(&t);
}

/* Entries idle out after --idle-timeout (10 s) of trace time: the body's
 * next segment after such a pause is a Packet-In, still not mirrored. */
Test(replay, idle_timeout_in_trace_time)
{
    struct t t;
    t_init(&t, "elide", "16Ki");
    handshake_and_head(&t);
    seg(&t, false, TCP_ACK, NULL, 0, 100);
    body(&t, 10 * MSS, 10);
    const struct replay_stats *st = replay_stats(t.r);
    uint64_t ins = st->packet_ins, through = st->entry_packets;
    cr_assert_eq(through, 10);
    body(&t, MSS, 11 * 1000 * 1000ull);
    cr_assert_eq(st->packet_ins, ins + 1);
    cr_assert_eq(st->entry_packets, through);
    body(&t, BODY - 11 * MSS, 10);
    finish_elided(&t);
}

/* Under the threshold nothing is elided: the mirror gets every frame. */
Test(replay, small_body_mirrored)
{
    struct t t;
    t_init(&t, "elide", "1M");
    handshake_and_head(&t);
    seg(&t, false, TCP_ACK, NULL, 0, 100);
    body(&t, BODY, 10);
    teardown(&t);
    replay_finish(t.r);
    const struct replay_stats *st = replay_stats(t.r);
    cr_assert_eq(t.m.payload, strlen(req) + strlen(head) + BODY);
    cr_assert_eq(st->packets_out, st->packets_in);
    cr_assert_eq(st->bytes_out, st->bytes_in);
    cr_assert_eq(st->bodies_elided, 0);
    t_fini(&t);
}

/* Modes without a connection logic: plain mirrors every frame in full,
 * truncate cuts each to --truncate-len (128 by default). */
Test(replay, plain_and_truncate)
{
    struct t t;
    t_init(&t, "plain", NULL);
    handshake_and_head(&t);
    body(&t, 2 * MSS, 10);
    replay_finish(t.r);
    cr_assert_eq(t.m.frames, 8);
    cr_assert_eq(t.m.payload, strlen(req) + strlen(head) + 2 * MSS);
    t_fini(&t);

    t_init(&t, "truncate", NULL);
    handshake_and_head(&t);
    body(&t, MSS, 10);
    replay_finish(t.r);
    cr_assert_eq(t.m.frames, 7);
    cr_assert_eq(t.m.last_caplen, t.o.cfg.truncate_len);
    cr_assert_eq(t.m.last_len, t.o.cfg.truncate_len);
    t_fini(&t);
}
