/* libFuzzer target with an oracle for the per-connection logic (conn.c).
 *
 * One watched TCP connection between two model endpoints, through the
 * model switch of tests/simswitch.h around the controller's own code
 * (its Packet-In path, conn.c, the realization flows.c, the OpenFlow
 * messages they send).
 * The input scripts the conversation (requests and responses from
 * templates: GET, HEAD, CONNECT, POST, pipelining, 1xx, 101, 204, 304,
 * chunked, lying lengths, garbage) and what an attacker controls: how the
 * bytes are cut into segments, PSH, retransmissions with other bytes, bad
 * checksums, data in the SYN (accepted or not), IP fragments, FIN and RST
 * from either side (RST at the right sequence number or not), reordering of
 * Packet-Ins, flow-stats samples and idle expiry of entries at any time,
 * and endings where both sides fall quiet.  The endpoints' TCP is honest:
 * every segment acknowledges what its sender has received.
 *
 * Model receiver: keeps the first copy of each byte, or (a per-side
 * choice) lets a later copy replace bytes not yet delivered, as Linux's
 * out-of-order queue does; drops segments with a bad checksum; takes a
 * RST only at exactly the next expected sequence number (RFC 5961 3.2);
 * takes SYN data only if the server accepts TCP Fast Open.
 *
 * The model switch (tests/simswitch.h): a connection entry per direction
 * (forward, or forward and mirror) with counters; in mode elide, client
 * PSH, every SYN, FIN and RST and IP fragments reach the controller above
 * the entries; deletions take effect at once (the ideal switch: --settle-ms
 * covers Open vSwitch's lag) and each removal is reported at once with
 * exact counters; a refused install comes back as OFPFMFC_TABLE_FULL.
 *
 * Oracle (README.md, "Threat model and guarantees"), checked in mode
 * elide; any violation aborts:
 *  1. every packet with SYN, FIN or RST reaches the mirror;
 *  2. every byte of every HTTP head in what the receiving endpoint
 *     delivered (walked by the analyzer's hwalk.c) reached the mirror with
 *     the content delivered, or the connection raised an alert;
 *  3. once the connection is passthrough, every packet is mirrored whole
 *     and no forwarding-only entry remains;
 *  4. no packet's mirrored payload lies wholly inside the current or the
 *     previous elided body (the documented exceptions stay possible: a
 *     segment holding a body's end and more, body bytes that reach the
 *     controller before their head is parsed, a segment with a bad
 *     checksum, which is mirrored whole and never parsed);
 *  5. the controller's idea of its entries is the switch's.
 * A bit of the input picks the realization: flows.c, or ct.c with the
 * model switch routing by the connection's ct_mark (simsw_route()).
 * Mode elide-paper runs too, without the oracle (the 2016 algorithm is
 * known not to guarantee this), for memory safety only.
 *
 * ORACLE_TRACE=1 in the environment prints every step (for triage:
 * `ORACLE_TRACE=1 build/fuzz/fuzz_conn crash-...`). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "hwalk.h"
#include "pkt.h"
#include "rules.h"
#include "simswitch.h"
#include "tcpframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXS  65536             /* bytes of each direction's stream */
#define MSS   1448
#define THRESHOLD 1000          /* bodies of >= 1000 bytes are elided */
#define MAXQ  8                 /* Packet-Ins held back (reordering) */
#define CLI_IP 0x0a000001u
#define SRV_IP 0x0a000002u

/* ---- Input reader ---- */

struct in {
    const uint8_t *p;
    size_t n;
};

static unsigned
take(struct in *in)
{
    if (!in->n) {
        return 0;
    }
    in->n--;
    return *in->p++;
}

/* ---- Model state ---- */

struct side {                   /* one endpoint */
    uint8_t out[MAXS];          /* the stream it sends */
    uint32_t out_len, nxt;      /* script length; next new offset */
    uint32_t isn;
    bool fin_sent;
    /* What it received of the other side's stream. */
    uint8_t in[MAXS], have[MAXS];
    uint32_t rcv_nxt;
    bool rcv_fin, dead, last_copy, syn_seen;
};

struct seg {
    enum conn_dir dir;
    uint8_t flags;
    uint32_t off;               /* stream offset of the payload */
    uint16_t len;
    bool bad, syn;
    bool frag;                  /* sent as IP fragments (all trapped) */
    uint8_t data[MSS];
};

struct mlog {                   /* payload that reached the mirror */
    enum conn_dir dir;
    uint32_t off;
    uint16_t len;
    uint8_t data[MSS];
};

static struct {
    struct side s[2];           /* [C2S] = client, [S2C] = server */
    struct simsw sim;           /* the controller and the switch */
    bool paper;
    bool tfo_accept, oracle, trace;
    uint8_t opt;                /* TCP option bytes (0 or 12) */
    struct seg held[MAXQ];
    size_t n_held, hold_next;
    struct mlog *mirror;
    size_t n_mirror, cap_mirror;
    uint64_t now_ms;
    unsigned alerts;
} m;

static void
fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ORACLE VIOLATION: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

static void
sim_fail(const char *msg)
{
    fail("switch model: %s", msg);
}

static void
trace(const char *fmt, ...)
{
    if (!m.trace) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static void
on_event(void *aux, const struct conn *c, const struct conn_event *e)
{
    (void) aux;
    (void) c;
    static const char *const names[] = {
        "http_request", "http_response", "elide_start", "elide_end", "alert",
        "passthrough",
    };
    if (e->type == CE_ALERT) {
        m.alerts++;
    }
    trace("    event %s %s %llu\n", names[e->type], e->kind ? e->kind : "",
          (unsigned long long) (e->type == CE_ALERT ? e->bytes
                                : e->content_length));
}

/* ---- Scripts: the conversation ---- */

static void
put(struct side *sd, const void *p, size_t n)
{
    if (sd->out_len + n > MAXS) {
        n = MAXS - sd->out_len;
    }
    memcpy(sd->out + sd->out_len, p, n);
    sd->out_len += (uint32_t) n;
}

static void
putf(struct side *sd, const char *fmt, ...)
{
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    put(sd, b, n > 0 && (size_t) n < sizeof b ? (size_t) n : 0);
}

/* Body bytes; some look like heads, to tempt a parser that lost track. */
static void
body(struct side *sd, size_t n, unsigned seed)
{
    static const char fake[] = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"
                               "GET /x HTTP/1.1\r\n\r\n";
    for (size_t i = 0; i < n && sd->out_len < MAXS; i++) {
        uint8_t b = (uint8_t) ((seed * 131 + i * 7) & 0xff);
        if (seed & 1) {
            b = (uint8_t) fake[(i + seed) % (sizeof fake - 1)];
        }
        sd->out[sd->out_len++] = b;
    }
}

static void
gen_request(struct side *sd, unsigned t, unsigned p)
{
    switch (t % 8) {
    case 0:
        putf(sd, "GET /s%u HTTP/1.1\r\nHost: a\r\n\r\n", p);
        break;
    case 1:
        putf(sd, "HEAD /big HTTP/1.1\r\nHost: a\r\n\r\n");
        break;
    case 2:
        putf(sd, "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n");
        break;
    case 3:
        putf(sd, "POST /p HTTP/1.1\r\nContent-Length: %u\r\n\r\n", p * 4);
        body(sd, p * 4, p);
        break;
    case 4:
        putf(sd, "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n0\r\n\r\n");
        break;
    case 5: {
        /* Long heads; from p >= 160 past the 16 KiB bound. */
        putf(sd, "GET /l HTTP/1.1\r\nX-Pad: ");
        body(sd, p * 100, 2);
        putf(sd, "\r\n\r\n");
        break;
    }
    case 6:
        body(sd, p % 64 + 1, p | 1);    /* garbage, or a fake head */
        break;
    default:
        putf(sd, "GET /big%u HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n", p);
        break;
    }
}

static void
gen_response(struct side *sd, unsigned t, unsigned p)
{
    unsigned small = p * 3, big = THRESHOLD + p * 150;
    switch (t % 12) {
    case 0:
        putf(sd, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", small);
        body(sd, small, p);
        break;
    case 1:
    case 2:
        putf(sd, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n", big);
        body(sd, big, p);
        break;
    case 3:
        putf(sd, "HTTP/1.1 204 No Content\r\n\r\n");
        break;
    case 4:
        putf(sd, "HTTP/1.1 304 Not Modified\r\nContent-Length: %u\r\n\r\n", big);
        break;
    case 5:
        putf(sd, "HTTP/1.1 100 Continue\r\n\r\n");
        break;
    case 6:
        putf(sd, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n");
        body(sd, small, p | 1);
        break;
    case 7:
        putf(sd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "3\r\nabc\r\n0\r\n\r\n");
        break;
    case 8: {
        /* A lying length: the body is shorter or longer. */
        int delta = (int) (p % 16) - 8;
        putf(sd, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", big);
        body(sd, (size_t) ((int) big + delta * 100), p);
        break;
    }
    case 9:
        /* What a HEAD gets: a length and no body. */
        putf(sd, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", big);
        break;
    case 10:
        putf(sd, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n", big);
        body(sd, big, p);
        break;
    default:
        body(sd, p % 64 + 1, p | 1);
        break;
    }
}

/* ---- The model switch ---- */

/* The segment's frame, with correct checksums, or a wrong TCP one. */
static size_t
frame(uint8_t *f, const struct seg *sg, uint32_t seq, uint32_t ack)
{
    static const uint8_t cli_mac[6] = { 2, 0, 0, 0, 0, 1 };
    static const uint8_t srv_mac[6] = { 2, 0, 0, 0, 0, 2 };
    struct tcpframe t = {
        .src_mac = sg->dir == C2S ? cli_mac : srv_mac,
        .dst_mac = sg->dir == C2S ? srv_mac : cli_mac,
        .src_ip = sg->dir == C2S ? CLI_IP : SRV_IP,
        .dst_ip = sg->dir == C2S ? SRV_IP : CLI_IP,
        .sport = sg->dir == C2S ? 40000 : 80,
        .dport = sg->dir == C2S ? 80 : 40000,
        .seq = seq, .ack = ack, .flags = sg->flags, .opt = m.opt,
        .payload = sg->data, .len = sg->len,
    };
    size_t n = tcpframe_write(f, &t);
    if (sg->bad) {
        tcpframe_spoil(f);
    }
    return n;
}

static void
log_mirror(enum conn_dir dir, uint32_t off, const uint8_t *d, size_t len)
{
    if (!len) {
        return;
    }
    if (m.n_mirror == m.cap_mirror) {
        m.cap_mirror = m.cap_mirror ? 2 * m.cap_mirror : 64;
        m.mirror = realloc(m.mirror, m.cap_mirror * sizeof *m.mirror);
        if (!m.mirror) {
            abort();
        }
    }
    struct mlog *ml = &m.mirror[m.n_mirror++];
    ml->dir = dir;
    ml->off = off;
    ml->len = (uint16_t) len;
    memcpy(ml->data, d, len);
}

/* The receiving endpoint of 'sg'. */
static void
receive(const struct seg *sg)
{
    struct side *r = &m.s[!sg->dir];
    if (sg->bad || r->dead) {
        return;
    }
    if (sg->flags & TCP_RST) {
        if (sg->off == r->rcv_nxt + (r->rcv_fin ? 1 : 0)) {
            r->dead = true;     /* RFC 5961 3.2: exactly the next sequence */
        }
        return;
    }
    if (sg->syn) {
        r->syn_seen = true;
        if (sg->dir == C2S && !m.tfo_accept) {
            return;             /* SYN data not taken; resent later */
        }
    }
    if (r->rcv_fin) {
        return;
    }
    for (uint32_t i = 0; i < sg->len; i++) {
        uint32_t o = sg->off + i;
        if (o < r->rcv_nxt || o >= MAXS) {
            continue;
        }
        if (!r->have[o]) {
            r->have[o] = 1;
            r->in[o] = sg->data[i];
        } else if (r->last_copy) {
            r->in[o] = sg->data[i];
        }
    }
    while (r->rcv_nxt < MAXS && r->have[r->rcv_nxt]) {
        r->rcv_nxt++;
    }
    if (sg->flags & TCP_FIN && sg->off + sg->len == r->rcv_nxt) {
        r->rcv_fin = true;
    }
}

static void
check_entries(void)
{
    for (int d = 0; d < 2; d++) {
        /* ct.c: a closed or passthrough connection's phase is done. */
        if (m.sim.ct && m.sim.committed && m.sim.mark & MARK_DONE) {
            continue;
        }
        uint8_t k = simsw_kind(&m.sim, (enum conn_dir) d);
        if (m.sim.c->entry[d] != k) {
            fail("the controller believes entry[%d] = %u, the switch has %u",
                 d, m.sim.c->entry[d], k);
        }
    }
    if (m.oracle && m.sim.c->pass
        && (m.sim.ent[C2S].kind == ENTRY_FWD
            || m.sim.ent[S2C].kind == ENTRY_FWD)) {
        fail("passthrough with a forwarding-only entry in place");
    }
}

static void
remove_entry(enum conn_dir d)
{
    struct simsw_removal rm = { 0 };
    simsw_remove(&m.sim, d, &rm);
    if (rm.any) {
        trace("  %s entry idles out (%llu pkts %llu bytes)\n",
              d == C2S ? "c2s" : "s2c", (unsigned long long) rm.packets,
              (unsigned long long) rm.bytes);
        simsw_deliver(&m.sim, &rm, OFPRR_IDLE_TIMEOUT);
        check_entries();
    }
}

static bool
inside(uint64_t a, uint64_t b, uint64_t lo, uint64_t hi)
{
    return lo < hi && a >= lo && b <= hi;
}

/* A packet the controller handles. */
static void
controller(const struct seg *sg)
{
    struct side *snd = &m.s[sg->dir], *rcv = &m.s[sg->dir == C2S ? S2C : C2S];
    (void) rcv;
    uint32_t seq = sg->syn ? snd->isn : snd->isn + 1 + sg->off;
    /* The sender acknowledges what it has received now. */
    const struct side *peer = &m.s[!sg->dir];
    uint32_t ack = peer->isn + 1 + snd->rcv_nxt + (snd->rcv_fin ? 1 : 0);
    uint8_t f[14 + 20 + 60 + MSS];
    size_t n = frame(f, sg, seq, sg->flags & TCP_ACK ? ack : 0);
    struct pkt p;
    if (pkt_parse(f, n, &p) != PKT_OK) {
        abort();
    }
    if (sg->frag) {
        tcpframe_first_fragment(f);
    }
    size_t hdr = n - sg->len;
    size_t mir = simsw_packet_in(&m.sim, sg->dir, f, n);
    size_t pm = mir > hdr ? mir - hdr : 0;
    trace("  ctl %s flags %02x off %u len %u%s%s: mirrored %zu ops 0x%x%s\n",
          sg->dir == C2S ? "c2s" : "s2c", sg->flags, sg->off, sg->len,
          sg->bad ? " (bad csum)" : "", sg->frag ? " (fragment)" : "", mir,
          m.sim.last.ops, m.sim.c->pass ? " pass" : "");
    if (sg->flags & (TCP_SYN | TCP_FIN | TCP_RST) && !mir) {
        fail("a SYN, FIN or RST (flags %02x) was not mirrored", sg->flags);
    }
    /* Checked against the state this packet's verdict was made in: the
     * switch's answers to it (a TABLE_FULL) come after it left. */
    const struct conn *c = &m.sim.at_verdict;
    if (m.oracle && c->pass && mir != n) {
        fail("passthrough, but %zu of %zu bytes mirrored", mir, n);
    }
    if (m.oracle && !c->pass && sg->dir == S2C && pm && !sg->bad) {
        uint64_t a = sg->off, b = a + pm;
        if ((c->rs == RS_BODY && c->body_elided
             && inside(a, b, c->body_start, c->body_end))
            || inside(a, b, c->prev_elided_start, c->prev_elided_end)) {
            fail("bytes [%llu, %llu) of an elided body mirrored",
                 (unsigned long long) a, (unsigned long long) b);
        }
    }
    log_mirror(sg->dir, sg->off, sg->data, pm < sg->len ? pm : sg->len);
    check_entries();
    receive(sg);
}

/* A packet arrives at the switch. */
static void
arrive(const struct seg *sg)
{
    enum simsw_path path = sg->frag && !m.paper
                           ? SIMSW_TO_CTL
                           : simsw_route(&m.sim, sg->dir, sg->flags);
    if (path == SIMSW_PHASE) {
        /* ct.c: the connection's phase forwards and mirrors it. */
        trace("  sw  %s flags %02x off %u len %u via phase 0x%08x\n",
              sg->dir == C2S ? "c2s" : "s2c", sg->flags, sg->off, sg->len,
              m.sim.mark);
        log_mirror(sg->dir, sg->off, sg->data, sg->len);
        receive(sg);
        return;
    }
    const struct simsw_entry *e = &m.sim.ent[sg->dir];
    if (path == SIMSW_ENTRY) {
        simsw_forward(&m.sim, sg->dir, 54 + m.opt + sg->len);
        trace("  sw  %s flags %02x off %u len %u via %s entry\n",
              sg->dir == C2S ? "c2s" : "s2c", sg->flags, sg->off, sg->len,
              e->kind == ENTRY_FWD ? "fwd" : "fwd+mirror");
        if (e->kind == ENTRY_FWD_MIRROR) {
            log_mirror(sg->dir, sg->off, sg->data, sg->len);
        } else if (m.oracle && sg->flags & (TCP_SYN | TCP_FIN | TCP_RST)) {
            fail("a SYN, FIN or RST passed a forwarding-only entry");
        }
        receive(sg);
        return;
    }
    if (m.hold_next && m.n_held < MAXQ) {
        m.hold_next--;
        m.held[m.n_held++] = *sg;       /* a Packet-In that comes late */
        return;
    }
    controller(sg);
}

static void
release_held(void)
{
    while (m.n_held) {
        struct seg sg = m.held[--m.n_held];     /* the latest first */
        controller(&sg);
    }
}

/* Side 'd' sends [off, off+len) of its stream (clipped to what exists). */
static bool frag_next;          /* the next data segment goes fragmented */

static void
send_range(enum conn_dir d, uint32_t off, uint32_t len, uint8_t flags,
           bool bad, bool mutate)
{
    struct side *sd = &m.s[d];
    struct seg sg = { .dir = d, .flags = flags | TCP_ACK, .off = off,
                      .bad = bad, .frag = frag_next && !m.paper };
    frag_next = false;
    if (off > sd->out_len) {
        off = sg.off = sd->out_len;
    }
    if (len > MSS) {
        len = MSS;
    }
    if (len > sd->out_len - off) {
        len = sd->out_len - off;
    }
    if (sd->fin_sent && off + len >= sd->nxt) {
        sg.flags |= TCP_FIN;            /* the FIN goes with the last bytes */
    }
    sg.len = (uint16_t) len;
    memcpy(sg.data, sd->out + off, len);
    if (mutate && len) {
        sg.data[(off * 7 + len) % len] ^= 0x20;
    }
    if (off + len > sd->nxt) {
        sd->nxt = off + len;
    }
    arrive(&sg);
}

static void
send_new(enum conn_dir d, uint32_t len, uint8_t flags, bool bad)
{
    struct side *sd = &m.s[d];
    if (sd->fin_sent) {
        return;
    }
    send_range(d, sd->nxt, len, flags, bad, false);
}

static void
send_flags(enum conn_dir d, uint8_t flags, bool old)
{
    struct side *sd = &m.s[d];
    struct seg sg = { .dir = d, .flags = flags, .off = sd->nxt };
    if (flags & TCP_FIN) {
        if (!sd->fin_sent) {
            sd->fin_sent = true;
        }
    } else if (sd->fin_sent) {
        sg.off++;
    }
    if (old && sg.off) {
        sg.off /= 2;
    }
    arrive(&sg);
}

static void
handshake(bool tfo)
{
    struct side *c = &m.s[C2S];
    struct seg syn = { .dir = C2S, .flags = TCP_SYN, .off = 0, .syn = true };
    if (tfo) {
        syn.len = (uint16_t) (c->out_len < 200 ? c->out_len : 200);
        memcpy(syn.data, c->out, syn.len);
        c->nxt = syn.len;
    }
    arrive(&syn);
    struct seg synack = { .dir = S2C, .flags = TCP_SYN | TCP_ACK, .syn = true };
    arrive(&synack);
    struct seg a = { .dir = C2S, .flags = TCP_ACK, .off = c->nxt };
    arrive(&a);
}

/* ---- The oracle's end-of-run check ---- */

static void
check_heads(void)
{
    struct hwalk *w = hwalk_create(THRESHOLD);
    if (!w) {
        abort();
    }
    for (int d = 0; d < 2; d++) {
        const struct side *r = &m.s[!d];        /* receiver of direction d */
        if (r->rcv_nxt) {
            hwalk_feed(w, (enum hwalk_dir) d, 0, r->in, r->rcv_nxt);
        }
    }
    hwalk_end_pass(w, true);
    size_t nh;
    const struct hwalk_head *h = hwalk_heads(w, &nh);
    for (size_t k = 0; k < nh && !m.sim.c->alert_count; k++) {
        enum conn_dir d = h[k].dir == HWALK_C2S ? C2S : S2C;
        const struct side *r = &m.s[!d];
        for (uint64_t o = h[k].start; o < h[k].end; o++) {
            bool ok = false;
            for (size_t i = 0; i < m.n_mirror && !ok; i++) {
                const struct mlog *ml = &m.mirror[i];
                ok = ml->dir == d && o >= ml->off && o < ml->off + ml->len
                     && ml->data[o - ml->off] == r->in[o];
            }
            if (!ok) {
                fail("%s head [%llu, %llu): byte %llu never reached the "
                     "mirror as delivered, and no alert",
                     d == C2S ? "request" : "response",
                     (unsigned long long) h[k].start,
                     (unsigned long long) h[k].end, (unsigned long long) o);
            }
        }
    }
    hwalk_destroy(w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = { data, size };
    memset(&m.s, 0, sizeof m.s);
    m.n_held = m.hold_next = 0;
    m.n_mirror = 0;
    m.now_ms = 0;
    frag_next = false;
    m.alerts = 0;
    m.trace = getenv("ORACLE_TRACE") != NULL;

    unsigned c0 = take(&in), c1 = take(&in);
    m.paper = c0 & 1;
    struct ctl_cfg cfg = {
        .mode = m.paper ? MODE_ELIDE_PAPER : MODE_ELIDE,
        .threshold = THRESHOLD, .entry_min = c0 & 2 ? 500 : 0,
        .idle_timeout = 10, .stats_interval_ms = 500,
        .probe_interval_ms = 5000, .max_conns = 4, .conn_idle_s = 300,
        .datapath = c1 & 128 ? DP_CONNTRACK : DP_FLOWS,
    };
    m.oracle = !m.paper;
    m.s[C2S].last_copy = c0 & 4;
    m.s[S2C].last_copy = c0 & 8;
    bool tfo = c0 & 16;
    m.tfo_accept = c0 & 32;
    m.opt = c0 & 64 ? 12 : 0;
    uint32_t near_wrap = c0 & 128 ? 0xffffff00u : 1000;
    m.s[C2S].isn = near_wrap + c1;
    m.s[S2C].isn = near_wrap * 3 + c1 * 77;

    /* The conversation: up to 8 requests and 8 responses, or up to 40
     * pipelined small GETs. */
    unsigned c2 = take(&in);
    unsigned nrq = take(&in) % 8 + 1, nrs = take(&in) % 8 + 1;
    if (c2 & 1) {
        nrq += 32;
    }
    for (unsigned i = 0; i < nrq; i++) {
        unsigned t = take(&in);
        gen_request(&m.s[C2S], t, take(&in));
    }
    for (unsigned i = 0; i < nrs; i++) {
        unsigned t = take(&in);
        gen_response(&m.s[S2C], t, take(&in));
    }
    simsw_init(&m.sim, &cfg, on_event, sim_fail, CLI_IP, 40000, SRV_IP, 80);
    trace("client %u bytes, server %u bytes, %s, %s\n", m.s[C2S].out_len,
          m.s[S2C].out_len, m.paper ? "elide-paper" : "elide",
          m.sim.ct ? "conntrack" : "flows");
    if (c2 & 2) {
        /* Mid-stream: the controller first sees the connection after its
         * handshake (it restarted, or the state was dropped). */
        for (int d = 0; d < 2; d++) {
            m.s[d].syn_seen = true;
        }
    } else {
        handshake(tfo);
    }

    while (in.n) {
        unsigned op = take(&in), a = take(&in);
        enum conn_dir d = op & 0x80 ? S2C : C2S;
        bool bad = (op & 0x40) && (a & 1);
        switch (op & 0x0f) {
        case 0:
        case 1:         /* the next bytes, PSH or not */
            send_new(d, a % 64 == 0 ? MSS : a * 6, op & 0x10 ? TCP_PSH : 0, bad);
            break;
        case 2:         /* a run of full segments */
            for (unsigned k = 0; k <= a % 32; k++) {
                send_new(d, MSS, 0, false);
            }
            break;
        case 3:         /* a retransmission, perhaps with other bytes */
        case 4: {
            unsigned back = take(&in) * 8u, len = a * 6u + 1;
            uint32_t nx = m.s[d].nxt;
            send_range(d, back > nx ? 0 : nx - back, len,
                       op & 0x10 ? TCP_PSH : 0, bad, op & 0x20);
            break;
        }
        case 5: {       /* a flow-stats sample of the elision entry */
            const struct simsw_entry *e = &m.sim.ent[S2C];
            if (e->kind == ENTRY_FWD && m.sim.c->s2c_elides) {
                m.now_ms += 500;
                trace("  stats %llu pkts %llu bytes\n",
                      (unsigned long long) e->packets,
                      (unsigned long long) e->bytes);
                simsw_stats(&m.sim, m.now_ms, 500);
                check_entries();
            }
            break;
        }
        case 6:         /* an entry idles out */
            remove_entry(d);
            break;
        case 7:         /* the next Packet-Ins come late */
            m.hold_next = a % 4 + 1;
            break;
        case 8:
            release_held();
            break;
        case 9:         /* a pure ACK */
            send_flags(d, TCP_ACK, false);
            break;
        case 10:        /* FIN */
            send_flags(d, TCP_FIN | TCP_ACK, false);
            break;
        case 11:        /* RST, at the next sequence number or an older one */
            send_flags(d, TCP_RST | (a & 2 ? TCP_ACK : 0), a & 4);
            break;
        case 12:        /* the next data segment in IP fragments */
            frag_next = true;
            break;
        case 13:        /* the flow table refuses the next install */
            m.sim.refuse_next = true;
            break;
        case 15: {      /* a SYN-ACK with another ISN (the client ignores it) */
            struct seg sg = { .dir = S2C, .flags = TCP_SYN | TCP_ACK,
                              .syn = true };
            uint32_t isn = m.s[S2C].isn;
            m.s[S2C].isn += 1 + a * 1000u;
            bool seen = m.s[C2S].syn_seen;
            arrive(&sg);
            m.s[S2C].isn = isn;
            m.s[C2S].syn_seen = seen;
            break;
        }
        case 14: {      /* bytes far ahead of the stream (never taken) */
            struct seg sg = { .dir = d, .flags = TCP_ACK | (op & 0x10 ? TCP_PSH : 0),
                              .off = m.s[d].nxt + 200000 + a * 400, .len = 600 };
            memset(sg.data, 'x', sg.len);
            arrive(&sg);
            break;
        }
        default:        /* both sides quiet for a while */
            break;
        }
    }
    /* The end: late Packet-Ins arrive, everything falls quiet, the entries
     * idle out and the controller forgets the connection. */
    release_held();
    remove_entry(S2C);
    remove_entry(C2S);
    struct conn_env env = ctl_conn_env(m.sim.sw);
    conn_finish(m.sim.c, &env);
    if (m.oracle) {
        check_heads();
    }
    simsw_fini(&m.sim);
    return 0;
}
