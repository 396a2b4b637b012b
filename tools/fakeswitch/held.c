/* Held Packet-Outs (issue 9).  In elide mode, a request that arrives while
 * its connection has entries makes the controller delete them, send a
 * BARRIER_REQUEST and hold that connection's Packet-Outs until the reply
 * plus --settle-ms.  These scenarios play the switch: HTTP connections
 * through Packet-Ins (handshake, GET, a response head whose body is far
 * above any elision threshold, the client's ACK after which the controller
 * installs the entries), a pipelined request that starts the hold, and
 * barrier replies that this switch sends itself, in the same write as, or
 * right before, further segments of held connections.
 *
 * A scenario passes when every Packet-In comes back as exactly one
 * Packet-Out, in the order of its connection's Packet-Ins, and every held
 * one within 1 s of the write that releases it, but not before --settle-ms
 * after the reply to its barrier; with --settle-ms 0, before the reply to
 * the echo sent at the end of that write (no timer tick may delay it). */
#include "fs.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

#define T_REPLY 3000            /* ms: an answer the controller owes us */
#define T_RELEASE 1000          /* ms: bound on a release after its write */
#define MAX_SEGS 64
#define MAX_BARRIERS 16
#define N_CONNS 2
#define SERVER_IP 0x0a000050u   /* 10.0.0.80 */
#define SERVER_STATION 100
#define CLIENT_OFPORT 1
#define SERVER_OFPORT 2
#define BODY_SEG 1000           /* payload of a body segment */

static const char get_big[] = "GET /big HTTP/1.1\r\nHost: held\r\n\r\n";
static const char get_next[] = "GET /next HTTP/1.1\r\nHost: held\r\n\r\n";
/* 100 MB: elided under any --threshold up to 100M. */
static const char head_big[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n";

struct seg {                    /* one Packet-In we sent */
    int conn;
    bool c2s;
    uint8_t flags;
    uint32_t seq;
    size_t plen;
    int barrier;                /* index in barriers[] it is held behind, -1 */
    uint32_t release_marker;    /* marker of the write that releases it, 0 */
    int out;                    /* rank among the Packet-Outs, -1: none yet */
    int dups;                   /* further copies */
    uint64_t out_ns;
    uint32_t seen_echo;         /* newest echo answered when it came */
};

struct hconn {
    uint32_t c_next, s_next;    /* next sequence numbers */
    int barrier;                /* the barrier its Packet-Outs wait for, -1 */
};

struct held_ctx {
    struct fsw s;
    unsigned settle_ms;
    struct hconn c[N_CONNS];
    struct seg segs[MAX_SEGS];
    int n_segs, n_out, n_stray;
    uint32_t barriers[MAX_BARRIERS];
    uint64_t replied_ns[MAX_BARRIERS];  /* 0: not answered yet */
    int n_barriers;
    int pending[MAX_BARRIERS];          /* replies in the write being built */
    int n_pending;
    uint32_t marker;                    /* echo xid ending the last write */
    uint64_t write_ns;                  /* when the last write was sent */
    int problems;
    char first[200];                    /* the first problem */
};

static int
fail(const char *why)
{
    printf("FAIL: %s\n", why);
    return 1;
}

/* A problem found by the final checks about Packet-In 'id': all are
 * printed, the first is repeated in the FAIL line. */
static void problem(struct held_ctx *, int id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
problem(struct held_ctx *h, int id, const char *fmt, ...)
{
    const struct seg *g = &h->segs[id];
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    printf("  conn %d: Packet-In #%d (%s seq %" PRIu32 ", %zu bytes) %s\n",
           g->conn, id, g->c2s ? "c2s" : "s2c", g->seq, g->plen, what);
    if (!h->problems++) {
        snprintf(h->first, sizeof h->first, "conn %d, Packet-In #%d %s",
                 g->conn, id, what);
    }
}

static uint16_t
client_tport(int k)
{
    return (uint16_t) (40000 + k);
}

static uint32_t
client_ip(int k)
{
    return 0x0a000001u + (uint32_t) k;
}

/* The Packet-In that a Packet-Out carries, by connection, direction,
 * sequence number, flags and length (each is sent once). */
static void
packet_out(struct held_ctx *h, const uint8_t *msg, size_t len)
{
    if (len < sizeof(struct ofp_packet_out)) {
        h->n_stray++;
        return;
    }
    size_t alen = get_be16(msg + OFS(ofp_packet_out, actions_len));
    if (sizeof(struct ofp_packet_out) + alen > len) {
        h->n_stray++;
        return;
    }
    const uint8_t *f = msg + sizeof(struct ofp_packet_out) + alen;
    size_t flen = len - sizeof(struct ofp_packet_out) - alen;
    const uint8_t *ip = f + 14;
    size_t ihl = flen >= 54 ? (size_t) (ip[0] & 15) * 4 : 0;
    size_t tot = flen >= 54 ? get_be16(ip + 2) : 0;
    if (flen < 54 || get_be16(f + 12) != 0x0800 || ip[9] != 6 || ihl < 20
        || tot < ihl + 20 || 14 + tot > flen) {
        h->n_stray++;
        return;
    }
    const uint8_t *tcp = ip + ihl;
    size_t thl = (size_t) (tcp[12] >> 4) * 4;
    if (thl < 20 || ihl + thl > tot) {
        h->n_stray++;
        return;
    }
    bool c2s = get_be16(tcp + 2) == 80;
    uint16_t tport = c2s ? get_be16(tcp) : get_be16(tcp + 2);
    uint32_t seq = get_be32(tcp + 4);
    size_t plen = tot - ihl - thl;
    for (int i = 0; i < h->n_segs; i++) {
        struct seg *g = &h->segs[i];
        if (client_tport(g->conn) == tport && g->c2s == c2s && g->seq == seq
            && g->plen == plen && g->flags == tcp[13]) {
            if (g->out >= 0) {
                g->dups++;
            } else {
                g->out = h->n_out++;
                g->out_ns = fs_now_ns();
                /* Echoes are answered in order, and our xids grow. */
                g->seen_echo = h->s.echo_xid;
            }
            return;
        }
    }
    h->n_stray++;
}

static void
on_msg(struct fsw *s, const uint8_t *msg, size_t len)
{
    struct held_ctx *h = s->aux;
    uint32_t xid = get_be32(msg + 4);
    switch (msg[1]) {
    case OFPT_BARRIER_REQUEST:
        if (h->n_barriers < MAX_BARRIERS) {
            h->barriers[h->n_barriers++] = xid;
        }
        break;
    case OFPT_PACKET_OUT:
        packet_out(h, msg, len);
        break;
    default:
        break;
    }
}

/* Queues a Packet-In of connection k; returns its index. */
static int
put_seg(struct held_ctx *h, int k, bool c2s, uint8_t flags, const void *payload,
        size_t plen)
{
    struct hconn *c = &h->c[k];
    if (h->n_segs == MAX_SEGS) {
        fprintf(stderr, "fakeswitch: held: more than %d segments\n", MAX_SEGS);
        exit(2);
    }
    struct fs_tcp t = {
        .src_station = c2s ? 1 + (uint32_t) k : SERVER_STATION,
        .dst_station = c2s ? SERVER_STATION : 1 + (uint32_t) k,
        .sip = c2s ? client_ip(k) : SERVER_IP,
        .dip = c2s ? SERVER_IP : client_ip(k),
        .sport = c2s ? client_tport(k) : 80,
        .dport = c2s ? 80 : client_tport(k),
        .seq = c2s ? c->c_next : c->s_next,
        .ack = c2s ? c->s_next : c->c_next,
        .flags = flags,
    };
    uint8_t frame[54 + BODY_SEG];
    size_t n = fs_frame_tcp(frame, &t, payload, plen);
    fs_put_packet_in(&h->s.tx, 0, c2s ? CLIENT_OFPORT : SERVER_OFPORT, frame, n);
    uint32_t adv = (uint32_t) plen + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
    if (c2s) {
        c->c_next += adv;
    } else {
        c->s_next += adv;
    }
    int id = h->n_segs++;
    h->segs[id] = (struct seg) {
        .conn = k, .c2s = c2s, .flags = flags, .seq = t.seq, .plen = plen,
        .barrier = c->barrier, .out = -1,
    };
    return id;
}

static int
put_body(struct held_ctx *h, int k)
{
    uint8_t body[BODY_SEG];
    memset(body, 'b', sizeof body);
    return put_seg(h, k, false, TCP_ACK, body, sizeof body);
}

static void
put_barrier_reply(struct held_ctx *h, int b)
{
    ofp_put_simple(&h->s.tx, OFPT_BARRIER_REPLY, h->barriers[b]);
    h->pending[h->n_pending++] = b;
}

/* Sends what is queued as one write, ended by a marker echo. */
static int
send_write(struct held_ctx *h)
{
    h->marker = fsw_next_xid(&h->s);
    ofp_put_echo(&h->s.tx, OFPT_ECHO_REQUEST, h->marker, NULL, 0);
    h->write_ns = fs_now_ns();
    for (int i = 0; i < h->n_pending; i++) {
        h->replied_ns[h->pending[i]] = h->write_ns;
    }
    h->n_pending = 0;
    if (fsw_send_all(&h->s, T_REPLY)) {
        return fail("could not send");
    }
    return 0;
}

/* Marks segment 'id' as released by the last write. */
static void
released_by_write(struct held_ctx *h, int id)
{
    h->segs[id].release_marker = h->marker;
}

static int
echo(struct held_ctx *h)
{
    if (fsw_echo(&h->s, 0, T_REPLY)) {
        return fail(h->s.closed ? "the controller closed the connection"
                                : "no echo reply");
    }
    return 0;
}

static bool
all_out(const struct held_ctx *h, const int *ids, int n)
{
    for (int i = 0; i < n; i++) {
        if (h->segs[ids[i]].out < 0) {
            return false;
        }
    }
    return true;
}

/* Pumps until the segments 'ids' came out, at most T_RELEASE ms after the
 * last write.  Returns false if some did not. */
static bool
wait_out(struct held_ctx *h, const int *ids, int n)
{
    uint64_t end = h->write_ns + (uint64_t) T_RELEASE * 1000000u;
    while (!all_out(h, ids, n)) {
        uint64_t now = fs_now_ns();
        if (now >= end || fsw_pump(&h->s, (int) ((end - now) / 1000000u) + 1)) {
            return all_out(h, ids, n);
        }
    }
    return true;
}

/* The switch is ready, its setup barrier answered; from now on this
 * scenario answers barriers. */
static int
start(struct held_ctx *h, const struct fs_opts *o, uint64_t dpid,
      unsigned settle_ms)
{
    memset(h, 0, sizeof *h);
    h->settle_ms = settle_ms;
    for (int k = 0; k < N_CONNS; k++) {
        h->c[k] = (struct hconn) { .c_next = 1000000u + (uint32_t) k * 7919u,
                                   .s_next = 3000000u + (uint32_t) k * 104729u,
                                   .barrier = -1 };
    }
    fsw_init(&h->s, o, dpid);
    h->s.on_msg = on_msg;
    h->s.aux = h;
    if (!o->mirror_port) {
        return fail("needs --mirror-port (the controller's)");
    }
    if (fsw_connect(&h->s, 0) || fsw_handshake(&h->s, T_REPLY)) {
        return fail("handshake did not complete");
    }
    printf("logname=%016" PRIx64 "\n", dpid);
    /* The controller sends its setup barrier once it has our ports: after
     * this round trip it has, and our automatic answer went out. */
    if (echo(h)) {
        return 1;
    }
    h->s.hold_barriers = true;
    h->n_barriers = 0;
    return 0;
}

/* Connection k up to an elided body whose entries are installed. */
static int
open_conn(struct held_ctx *h, int k)
{
    int first = h->n_segs;
    put_seg(h, k, true, TCP_SYN, NULL, 0);
    put_seg(h, k, false, TCP_SYN | TCP_ACK, NULL, 0);
    put_seg(h, k, true, TCP_ACK, NULL, 0);
    put_seg(h, k, true, TCP_PSH | TCP_ACK, get_big, sizeof get_big - 1);
    put_seg(h, k, false, TCP_PSH | TCP_ACK, head_big, sizeof head_big - 1);
    if (echo(h)) {
        return 1;
    }
    uint64_t fm = h->s.rx_type[OFPT_FLOW_MOD];
    /* The client acknowledged the head: the forwarding-only entries go in. */
    put_seg(h, k, true, TCP_ACK, NULL, 0);
    if (echo(h)) {
        return 1;
    }
    if (h->s.rx_type[OFPT_FLOW_MOD] < fm + 2) {
        return fail("no entries installed for the response (elide mode? "
                    "--threshold above 100M?)");
    }
    for (int i = first; i < h->n_segs; i++) {
        if (h->segs[i].out < 0) {
            return fail("a Packet-In before the hold got no Packet-Out");
        }
    }
    return 0;
}

/* The pipelined request of connection k: the controller deletes the
 * entries, sends a barrier and holds.  Further segments queued with it
 * ('extra_body' body segments of connection 'extra_conn') go in the same
 * write.  Returns the request's index, -1 on failure. */
static int
start_hold(struct held_ctx *h, int k, int extra_conn, int extra_body)
{
    int nb = h->n_barriers;
    h->c[k].barrier = nb;           /* the barrier about to come */
    int id = put_seg(h, k, true, TCP_PSH | TCP_ACK, get_next,
                     sizeof get_next - 1);
    for (int i = 0; i < extra_body; i++) {
        put_body(h, extra_conn);
    }
    if (echo(h)) {
        return -1;
    }
    if (h->n_barriers != nb + 1) {
        fail("no BARRIER_REQUEST for the pipelined request");
        return -1;
    }
    if (h->segs[id].out >= 0) {
        fail("the pipelined request was not held");
        return -1;
    }
    printf("conn %d: request held behind barrier 0x%08" PRIx32 "\n", k,
           h->barriers[nb]);
    return id;
}

/* Every Packet-In came out once; per connection in order; held ones not
 * before --settle-ms after their barrier's reply; with --settle-ms 0
 * before the marker of the write that released them. */
static int
final_checks(struct held_ctx *h)
{
    int ids[MAX_SEGS];
    for (int i = 0; i < h->n_segs; i++) {
        ids[i] = i;
    }
    if (!wait_out(h, ids, h->n_segs)) {
        for (int i = 0; i < h->n_segs; i++) {
            if (h->segs[i].out < 0) {
                problem(h, i, "got no Packet-Out within 1 s");
            }
        }
    }
    if (echo(h)) {
        return 1;
    }
    for (int k = 0; k < N_CONNS; k++) {
        int last = -1, last_id = -1;
        for (int i = 0; i < h->n_segs; i++) {
            const struct seg *g = &h->segs[i];
            if (g->conn != k || g->out < 0) {
                continue;
            }
            if (g->out < last) {
                problem(h, i, "came out before #%d of its connection", last_id);
            }
            last = g->out;
            last_id = i;
        }
    }
    for (int i = 0; i < h->n_segs; i++) {
        const struct seg *g = &h->segs[i];
        if (g->dups) {
            problem(h, i, "came out more than once");
        }
        if (g->out < 0) {
            continue;
        }
        if (g->barrier >= 0 && h->settle_ms) {
            uint64_t r = h->replied_ns[g->barrier];
            /* time_ms() truncates: a release may look up to 1 ms early. */
            if (!r || g->out_ns + 2000000u < r + h->settle_ms * 1000000ull) {
                problem(h, i, "released %.1f ms after the reply to its "
                        "barrier (settle %u ms)",
                        r ? ((double) g->out_ns - (double) r) / 1e6 : -1.0,
                        h->settle_ms);
            }
        }
        if (!h->settle_ms && g->release_marker
            && g->seen_echo >= g->release_marker) {
            problem(h, i, "came out after the echo that followed its "
                    "release: it waited for a timer tick");
        }
    }
    int held = 0;
    double lo = 1e9, hi = 0;
    for (int i = 0; i < h->n_segs; i++) {
        const struct seg *g = &h->segs[i];
        if (g->barrier >= 0 && g->out >= 0 && h->replied_ns[g->barrier]) {
            double ms = ((double) g->out_ns - (double) h->replied_ns[g->barrier])
                        / 1e6;
            lo = ms < lo ? ms : lo;
            hi = ms > hi ? ms : hi;
            held++;
        }
    }
    printf("%d Packet-Ins, %d Packet-Outs matched them, %d others; %d held "
           "ones out %.1f to %.1f ms after their barrier's reply\n",
           h->n_segs, h->n_out, h->n_stray, held, held ? lo : 0.0, hi);
    if (h->problems) {
        char d[256];
        snprintf(d, sizeof d, "%d problem%s with held Packet-Outs, first: %s",
                 h->problems, h->problems > 1 ? "s" : "", h->first);
        return fail(d);
    }
    return 0;
}

/* The reply to the barrier and a body segment of the held connection in
 * one write: the controller reads both at once. */
static int
same_write(struct held_ctx *h)
{
    if (open_conn(h, 0)) {
        return 1;
    }
    int req = start_hold(h, 0, 0, 0);
    if (req < 0) {
        return 1;
    }
    put_barrier_reply(h, h->c[0].barrier);
    int body = put_body(h, 0);
    if (send_write(h)) {
        return 1;
    }
    released_by_write(h, req);
    released_by_write(h, body);
    return final_checks(h);
}

/* The reply, then a body segment in the next write, well within the
 * settle window. */
static int
in_settle(struct held_ctx *h)
{
    if (open_conn(h, 0)) {
        return 1;
    }
    int req = start_hold(h, 0, 0, 0);
    if (req < 0) {
        return 1;
    }
    put_barrier_reply(h, h->c[0].barrier);
    if (send_write(h)) {
        return 1;
    }
    released_by_write(h, req);
    uint64_t t_reply = h->write_ns;
    int body = put_body(h, 0);
    if (send_write(h)) {
        return 1;
    }
    released_by_write(h, body);
    double gap = (double) (h->write_ns - t_reply) / 1e6;
    printf("segment sent %.2f ms after the reply\n", gap);
    if (h->settle_ms && gap >= h->settle_ms) {
        printf("note: after the settle window, the case was not exercised\n");
    }
    return final_checks(h);
}

/* Connections A and B held at once, A's packets on both sides of B's
 * request in the held queue; A's barrier answered first.  A's first
 * packet goes out, its second still waits behind B's request: a new
 * packet of A must not overtake it.  Then B's reply, in the same write as
 * one more segment of each. */
static int
two_conns(struct held_ctx *h)
{
    enum { A = 0, B = 1 };
    if (open_conn(h, A) || open_conn(h, B)) {
        return 1;
    }
    int a1 = start_hold(h, A, A, 0);
    if (a1 < 0) {
        return 1;
    }
    int b1 = start_hold(h, B, A, 1);    /* B's request, then A2 */
    if (b1 < 0) {
        return 1;
    }
    int a2 = b1 + 1;
    if (h->segs[a2].out >= 0) {
        return fail("A's body segment behind its barrier was not held");
    }
    put_barrier_reply(h, h->c[A].barrier);
    if (send_write(h)) {
        return 1;
    }
    released_by_write(h, a1);
    if (!wait_out(h, &a1, 1)) {
        return fail("A's request not released within 1 s of its barrier reply");
    }
    int a3 = put_body(h, A);
    if (echo(h)) {
        return 1;
    }
    put_barrier_reply(h, h->c[B].barrier);
    int b2 = put_body(h, B);
    int a4 = put_body(h, A);
    if (send_write(h)) {
        return 1;
    }
    int later[] = { b1, a2, a3, b2, a4 };
    for (size_t i = 0; i < sizeof later / sizeof *later; i++) {
        released_by_write(h, later[i]);
    }
    return final_checks(h);
}

int
fs_held_scenario(const struct fs_opts *o, uint64_t dpid, enum fs_held_case hc,
                 unsigned settle_ms)
{
    struct held_ctx *h = xmalloc(sizeof *h);
    int rc = start(h, o, dpid, settle_ms);
    if (!rc) {
        switch (hc) {
        case FS_HELD_SAME_WRITE:
            rc = same_write(h);
            break;
        case FS_HELD_IN_SETTLE:
            rc = in_settle(h);
            break;
        case FS_HELD_TWO_CONNS:
            rc = two_conns(h);
            break;
        }
    }
    fsw_free(&h->s);
    free(h);
    return rc;
}
