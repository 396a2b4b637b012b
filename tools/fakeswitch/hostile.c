/* Hostile switch scenarios (issue 4, "Malformed OpenFlow and switch
 * faults").  Each connects to a running controller, misbehaves in one way
 * and checks on the wire what the controller did: an OFPT_ERROR for a
 * message it ignores, a closed connection for a stream it cannot trust,
 * and in every case that it still answers an echo afterwards (on this
 * connection when it stays open).  The log line each scenario must cause
 * is listed with it (`fakeswitch hostile --list`), for the test script to
 * find in the controller's stderr next to the name printed as logname=. */
#include "fs.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pkt.h"

#define T_REPLY 3000        /* ms: an answer the controller owes us */
#define T_CLOSE 5000        /* ms: a close it owes us */

struct hctx {
    const struct fs_opts *o;
    uint64_t dpid;
    int rss_limit_mb;
    unsigned settle_ms;     /* the controller's --settle-ms (held-*) */
    struct fsw s;
};

static int
fail(const char *why)
{
    printf("FAIL: %s\n", why);
    return 1;
}

static void
print_logname_addr(struct hctx *h)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (!getsockname(h->s.fd, (struct sockaddr *) &ss, &sl)
        && ss.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *) &ss;
        uint32_t a = ntohl(sin->sin_addr.s_addr);
        printf("logname=%u.%u.%u.%u:%u\n", a >> 24, a >> 16 & 255, a >> 8 & 255,
               a & 255, ntohs(sin->sin_port));
    }
}

static void
print_logname_dpid(uint64_t dpid)
{
    printf("logname=%016" PRIx64 "\n", dpid);
}

/* Connected, nothing sent yet: the controller still names us by address. */
static int
connect_only(struct hctx *h)
{
    fsw_init(&h->s, h->o, h->dpid);
    if (fsw_connect(&h->s, 0)) {
        return fail("cannot connect");
    }
    print_logname_addr(h);
    return 0;
}

static int
connect_ready(struct hctx *h)
{
    fsw_init(&h->s, h->o, h->dpid);
    if (fsw_connect(&h->s, 0)) {
        return fail("cannot connect");
    }
    if (fsw_handshake(&h->s, T_REPLY)) {
        return fail("handshake did not complete");
    }
    print_logname_dpid(h->dpid);
    return 0;
}

static int
expect_alive(struct hctx *h)
{
    if (fsw_echo(&h->s, 0, T_REPLY)) {
        return fail(h->s.closed ? "connection closed, expected it open"
                                      : "no echo reply");
    }
    return 0;
}

static int
expect_closed(struct hctx *h, int timeout_ms)
{
    if (fsw_wait_closed(&h->s, timeout_ms)) {
        return fail("the controller did not close the connection");
    }
    printf("closed by the controller\n");
    return 0;
}

/* Sends 'len' raw bytes. */
static int
send_raw(struct hctx *h, const void *p, size_t len)
{
    buf_put(&h->s.tx, p, len);
    if (fsw_send_all(&h->s, T_REPLY)) {
        return fail("could not send");
    }
    return 0;
}

/* The message at the end of tx with its xid; the controller must answer
 * it with OFPT_ERROR type/code carrying the same xid and keep the
 * connection. */
static int
expect_error(struct hctx *h, uint32_t xid, uint16_t type, uint16_t code)
{
    uint64_t before = h->s.rx_type[OFPT_ERROR];
    if (fsw_send_all(&h->s, T_REPLY)
        || fsw_wait_type(&h->s, OFPT_ERROR, before, T_REPLY)) {
        return fail(h->s.closed ? "connection closed, expected an ERROR"
                                      : "no ERROR reply");
    }
    if (h->s.err_xid != xid || h->s.err_type != type || h->s.err_code != code) {
        char d[128];
        snprintf(d, sizeof d, "ERROR xid 0x%x type %u code %u, expected "
                 "xid 0x%x type %u code %u", h->s.err_xid, h->s.err_type,
                 h->s.err_code, xid, type, code);
        return fail(d);
    }
    printf("ERROR %s/%u received\n", ofp_error_type_str(type), code);
    return expect_alive(h);
}

/* An 8-byte header, then 'body_len' bytes of 'body' (zeros if NULL); the
 * length field says 8 + body_len unless 'declared' is nonzero. */
static uint32_t
put_msg(struct hctx *h, uint8_t version, uint8_t type, const void *body,
        size_t body_len, uint16_t declared)
{
    uint32_t xid = fsw_next_xid(&h->s);
    uint8_t *p = buf_put_zeros(&h->s.tx, 8 + body_len);
    p[0] = version;
    p[1] = type;
    put_be16(p + 2, declared ? declared : (uint16_t) (8 + body_len));
    put_be32(p + 4, xid);
    if (body) {
        memcpy(p + 8, body, body_len);
    }
    return xid;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
    /* xorshift64*: deterministic, so a failing case replays exactly. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---- HELLO and framing ---- */

/* A HELLO the controller must refuse: HELLO_FAILED, then the close. */
static int
hello_refused(struct hctx *h, uint8_t version, const uint8_t *elem,
              size_t len)
{
    if (connect_only(h)) {
        return 1;
    }
    uint64_t before = h->s.rx_type[OFPT_ERROR];
    put_msg(h, version, OFPT_HELLO, elem, len, 0);
    if (fsw_send_all(&h->s, T_REPLY)
        || fsw_wait_type(&h->s, OFPT_ERROR, before, T_REPLY)
        || h->s.err_type != OFPET_HELLO_FAILED) {
        return fail("no HELLO_FAILED error");
    }
    printf("ERROR HELLO_FAILED received\n");
    return expect_closed(h, T_CLOSE);
}

static int
sc_hello_version(struct hctx *h)
{
    return hello_refused(h, 0x01, NULL, 0);
}

static int
sc_hello_bitmap(struct hctx *h)
{
    /* Version 1.3 in the header, but a bitmap that lists only 1.0. */
    static const uint8_t elem[8] = { 0, 1, 0, 8, 0, 0, 0, 1 << 1 };
    return hello_refused(h, OFP13_VERSION, elem, sizeof elem);
}

static int
sc_hello_bad_elem(struct hctx *h)
{
    if (connect_only(h)) {
        return 1;
    }
    /* A bitmap element whose length runs past the message: ignored, the
     * header's version decides (spec 7.5.1). */
    uint8_t elem[8] = { 0, 1, 0, 200, 0, 0, 0, 1 << 4 };
    put_msg(h, OFP13_VERSION, OFPT_HELLO, elem, sizeof elem, 0);
    /* Not fsw_handshake, which sends its own HELLO: wait for readiness. */
    if (fsw_send_all(&h->s, T_REPLY)) {
        return fail("could not send");
    }
    for (int i = 0; i < 100 && !h->s.ready; i++) {
        if (fsw_pump(&h->s, 50)) {
            return fail("connection closed during the handshake");
        }
    }
    if (!h->s.ready) {
        return fail("handshake did not complete");
    }
    print_logname_dpid(h->dpid);
    return expect_alive(h);
}

static int
sc_version_msg(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    uint32_t xid = put_msg(h, 0x05, OFPT_ECHO_REQUEST, NULL, 0, 0);
    return expect_error(h, xid, OFPET_BAD_REQUEST, OFPBRC_BAD_VERSION);
}

static int
sc_unknown_type(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    uint8_t body[16] = { 0 };
    uint32_t xid = put_msg(h, OFP13_VERSION, 200, body, sizeof body, 0);
    return expect_error(h, xid, OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE);
}

static int
sc_controller_type(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    /* A FLOW_MOD is a controller-to-switch message. */
    uint8_t body[48] = { 0 };
    uint32_t xid = put_msg(h, OFP13_VERSION, OFPT_FLOW_MOD, body, sizeof body, 0);
    return expect_error(h, xid, OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE);
}

static int
sc_length_short(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    put_msg(h, OFP13_VERSION, OFPT_ECHO_REQUEST, NULL, 0, 4);
    if (fsw_send_all(&h->s, T_REPLY) && !h->s.closed) {
        return fail("could not send");
    }
    return expect_closed(h, T_CLOSE);
}

static int
sc_length_short_prehello(struct hctx *h)
{
    if (connect_only(h)) {
        return 1;
    }
    uint8_t hdr[8] = { OFP13_VERSION, OFPT_HELLO, 0, 0, 0, 0, 0, 1 };
    if (send_raw(h, hdr, sizeof hdr) && !h->s.closed) {
        return 1;
    }
    return expect_closed(h, T_CLOSE);
}

static int
sc_length_long_close(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    uint8_t body[92] = { 0 };
    put_msg(h, OFP13_VERSION, OFPT_ECHO_REQUEST, body, sizeof body, 1000);
    if (fsw_send_all(&h->s, T_REPLY)) {
        return fail("could not send");
    }
    shutdown(h->s.fd, SHUT_WR);
    printf("sent 100 of 1000 declared bytes, then FIN\n");
    return expect_closed(h, T_CLOSE);
}

/* The controller must neither wait forever for the rest of a message nor
 * keep the session: its inactivity probe (an echo the stalled stream
 * cannot answer) drops it. */
static int
sc_length_long_stall(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    uint8_t body[92] = { 0 };
    put_msg(h, OFP13_VERSION, OFPT_ECHO_REQUEST, body, sizeof body, 65535);
    if (fsw_send_all(&h->s, T_REPLY)) {
        return fail("could not send");
    }
    /* Our answers would complete the pending message: send nothing more. */
    h->s.auto_answer = false;
    uint64_t t0 = fs_now_ns();
    printf("sent 100 of 65535 declared bytes, stalling\n");
    int rc = expect_closed(h, 30000);
    printf("closed after %.1f s\n", (double) (fs_now_ns() - t0) / 1e9);
    return rc;
}

static int
before_hello(struct hctx *h, uint8_t type)
{
    if (connect_only(h)) {
        return 1;
    }
    if (type == OFPT_FEATURES_REPLY) {
        fs_put_features_reply(&h->s.tx, 1, h->dpid);
    } else {
        uint8_t frame[64];
        size_t n = fs_frame_udp(frame, sizeof frame, 1, 2, 1000, 2000);
        fs_put_packet_in(&h->s.tx, 1, 1, frame, n);
    }
    if (fsw_send_all(&h->s, T_REPLY) && !h->s.closed) {
        return fail("could not send");
    }
    return expect_closed(h, T_CLOSE);
}

static int
sc_before_hello_features(struct hctx *h)
{
    return before_hello(h, OFPT_FEATURES_REPLY);
}

static int
sc_before_hello_packet_in(struct hctx *h)
{
    return before_hello(h, OFPT_PACKET_IN);
}

/* ---- Truncated and inconsistent bodies ---- */

/* Sends the message built in 'b' (one message, any xid) with a fresh
 * xid and expects ERROR BAD_REQUEST/BAD_LEN for it. */
static int
send_expect_bad_len(struct hctx *h, struct buf *b)
{
    uint32_t xid = fsw_next_xid(&h->s);
    put_be32(b->data + 4, xid);
    buf_put(&h->s.tx, b->data, b->len);
    buf_free(b);
    return expect_error(h, xid, OFPET_BAD_REQUEST, OFPBRC_BAD_LEN);
}

/* The message in 'b' shortened to 'len' bytes, length field included. */
static void
cut(struct buf *b, size_t len)
{
    b->len = len;
    put_be16(b->data + 2, (uint16_t) len);
}

static int
sc_trunc_features(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    buf_init(&b);
    fs_put_features_reply(&b, 0, h->dpid);
    cut(&b, 16);
    return send_expect_bad_len(h, &b);
}

static void
packet_in(struct buf *b)
{
    uint8_t frame[64];
    size_t n = fs_frame_udp(frame, sizeof frame, 1, 2, 1000, 2000);
    buf_init(b);
    fs_put_packet_in(b, 0, 1, frame, n);
}

static int
sc_trunc_packet_in(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    packet_in(&b);
    cut(&b, 20);                    /* inside the fixed part */
    return send_expect_bad_len(h, &b);
}

static int
sc_trunc_packet_in_match(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    packet_in(&b);
    cut(&b, 24 + 8);                /* the match header says 12, 8 remain */
    return send_expect_bad_len(h, &b);
}

static int
sc_packet_in_match_len(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    packet_in(&b);
    put_be16(b.data + 24 + 2, 2000);    /* match length past the message */
    return send_expect_bad_len(h, &b);
}

static int
sc_packet_in_oxm_len(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    packet_in(&b);
    b.data[24 + 7] = 60;            /* OXM payload past the match */
    return send_expect_bad_len(h, &b);
}

static int
sc_packet_in_no_in_port(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    packet_in(&b);
    b.data[24 + 6] = 5 << 1;        /* eth_type instead of in_port */
    b.data[24 + 7] = 2;
    put_be16(b.data + 24 + 2, 10);
    return send_expect_bad_len(h, &b);
}

static int
sc_trunc_packet_in_pad(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    packet_in(&b);
    cut(&b, 24 + 16 + 1);           /* the 2 pad bytes before data missing */
    return send_expect_bad_len(h, &b);
}

static int
sc_trunc_flow_removed(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    buf_init(&b);
    fs_put_flow_removed(&b, 0, 0, OFPRR_IDLE_TIMEOUT);
    cut(&b, 40);
    return send_expect_bad_len(h, &b);
}

static int
sc_flow_removed_match_len(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    buf_init(&b);
    fs_put_flow_removed(&b, 0, 0, OFPRR_IDLE_TIMEOUT);
    put_be16(b.data + 48 + 2, 100);
    return send_expect_bad_len(h, &b);
}

static int
sc_trunc_port_status(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    buf_init(&b);
    fs_put_port_status(&b, 0, OFPPR_ADD, 77);
    cut(&b, 40);
    return send_expect_bad_len(h, &b);
}

static int
sc_trunc_multipart(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    buf_init(&b);
    fs_put_multipart_reply(&b, 0, OFPMP_PORT_DESC, 0, NULL, 0);
    cut(&b, 12);
    return send_expect_bad_len(h, &b);
}

static int
sc_trunc_port_desc(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    buf_init(&b);
    uint32_t ports[2] = { 70, 71 };
    fs_put_port_desc_reply(&b, 0, ports, 2, 0);
    cut(&b, 16 + 64 + 10);          /* the second port cut short */
    return send_expect_bad_len(h, &b);
}

static int
sc_trunc_error(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct buf b;
    buf_init(&b);
    ofp_put_error(&b, 0, OFPET_BAD_REQUEST, 0, NULL, 0);
    cut(&b, 10);
    return send_expect_bad_len(h, &b);
}

/* A flow stats reply comes in answer to the controller's own polling;
 * a bad one is logged and dropped (no ERROR: the switch did not ask). */
static int
flow_stats(struct hctx *h, int how)
{
    if (connect_ready(h)) {
        return 1;
    }
    uint8_t body[56 + 8] = { 0 };
    put_be16(body, sizeof body);                /* entry length */
    uint8_t *m = body + 48;
    put_be16(m, 1);
    put_be16(m + 2, 4);
    size_t blen = sizeof body;
    switch (how) {
    case 0:
        blen = 30;                              /* shorter than an entry */
        break;
    case 1:
        put_be16(body, 1000);                   /* entry past the reply */
        break;
    case 2:
        put_be16(body, 0);                      /* zero: no progress */
        break;
    default:
        put_be16(m + 2, 200);                   /* match past the entry */
        break;
    }
    fs_put_multipart_reply(&h->s.tx, fsw_next_xid(&h->s), OFPMP_FLOW, 0, body,
                           blen);
    if (fsw_send_all(&h->s, T_REPLY)) {
        return fail("could not send");
    }
    return expect_alive(h);
}

static int
sc_flow_stats_short(struct hctx *h)
{
    return flow_stats(h, 0);
}

static int
sc_flow_stats_len(struct hctx *h)
{
    return flow_stats(h, 1);
}

static int
sc_flow_stats_zero(struct hctx *h)
{
    return flow_stats(h, 2);
}

static int
sc_flow_stats_match(struct hctx *h)
{
    return flow_stats(h, 3);
}

/* ECHO has no fixed body to cut: the empty and the largest echo must both
 * come back exactly. */
static int
echo_case(struct hctx *h, size_t len)
{
    if (connect_ready(h)) {
        return 1;
    }
    if (fsw_echo(&h->s, len, T_REPLY)) {
        return fail("no echo reply");
    }
    if (h->s.echo_len != len) {
        char d[64];
        snprintf(d, sizeof d, "echo reply body %zu bytes, expected %zu",
                 h->s.echo_len, len);
        return fail(d);
    }
    printf("echo of %zu bytes answered\n", len);
    return expect_alive(h);
}

static int
sc_echo_empty(struct hctx *h)
{
    return echo_case(h, 0);
}

static int
sc_echo_max(struct hctx *h)
{
    return echo_case(h, OFP_MAX_MSG_LEN - OFP_HEADER_LEN);
}

/* ---- Sessions ---- */

static int
sc_dup_dpid(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    struct fsw second;
    fsw_init(&second, h->o, h->dpid);
    if (fsw_connect(&second, 0) || fsw_handshake(&second, T_REPLY)) {
        fsw_free(&second);
        return fail("second connection: handshake did not complete");
    }
    int rc = expect_closed(h, T_CLOSE);
    if (!rc && fsw_echo(&second, 0, T_REPLY)) {
        rc = fail("the new connection does not answer");
    }
    if (!rc) {
        printf("old connection closed, new one answers\n");
    }
    fsw_free(&second);
    return rc;
}

/* Sessions that go away while the controller tracks their connections
 * (elide mode): each disconnect releases them, and the table must stay
 * consistent for the sessions that follow. */
static int
sc_disconnect_with_conns(struct hctx *h)
{
    for (int round = 0; round < 4; round++) {
        fsw_init(&h->s, h->o, h->dpid);
        if (fsw_connect(&h->s, 0) || fsw_handshake(&h->s, T_REPLY)) {
            return fail(round ? "handshake after a disconnect did not complete"
                              : "handshake did not complete");
        }
        if (fs_syn_flood(&h->s, 0, 20000, T_REPLY)) {
            return fail("no echo reply during the SYN Packet-Ins");
        }
        printf("round %d: 20000 connections opened, disconnecting\n", round);
        fsw_free(&h->s);
    }
    fsw_init(&h->s, h->o, h->dpid);
    if (fsw_connect(&h->s, 0) || fsw_handshake(&h->s, T_REPLY)
        || fs_syn_flood(&h->s, 0, 20000, T_REPLY)) {
        return fail("the controller stopped answering after the disconnects");
    }
    print_logname_dpid(h->dpid);
    return expect_alive(h);
}

static int
sc_garbage_prehello(struct hctx *h)
{
    if (connect_only(h)) {
        return 1;
    }
    rng_state = 0x1234567;
    uint8_t *g = xmalloc(65536);
    for (size_t i = 0; i < 65536; i++) {
        g[i] = (uint8_t) rng();
    }
    buf_put(&h->s.tx, g, 65536);
    free(g);
    fsw_send_all(&h->s, T_REPLY);
    return expect_closed(h, T_CLOSE);
}

/* 64 KiB of random bytes in the middle of a session, then 64 KiB + 8
 * zero bytes: whatever the controller made of the random part (messages
 * of other versions, a partial message it waits for), the zeros complete
 * it and then read as a length field of 0, which it must not accept. */
static int
sc_garbage_stream(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    rng_state = 0xfeedface;
    uint8_t *g = xmalloc(65536);
    for (size_t i = 0; i < 65536; i++) {
        g[i] = (uint8_t) rng();
    }
    buf_put(&h->s.tx, g, 65536);
    free(g);
    buf_put_zeros(&h->s.tx, 65536 + 8);
    fsw_send_all(&h->s, T_REPLY);
    return expect_closed(h, T_CLOSE);
}

/* 20,000 well-framed OpenFlow 1.3 messages of random type and random
 * body: every decoder sees nonsense; the session must survive. */
static int
sc_garbage_framed(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    rng_state = 0xabcdef;
    for (int i = 0; i < 20000; i++) {
        uint64_t r = rng();
        uint8_t type = (uint8_t) (r % 32);
        size_t len = (r >> 8) % 256;
        if (type == OFPT_ECHO_REQUEST) {
            type = OFPT_PORT_STATUS;
        }
        uint8_t body[256];
        for (size_t k = 0; k < len; k++) {
            body[k] = (uint8_t) rng();
        }
        put_msg(h, OFP13_VERSION, type, body, len, 0);
        if (h->s.tx.len > (1u << 20) && fsw_send_all(&h->s, T_REPLY)) {
            return fail(h->s.closed ? "connection closed" : "could not send");
        }
    }
    if (fsw_send_all(&h->s, T_REPLY)) {
        return fail(h->s.closed ? "connection closed" : "could not send");
    }
    printf("20000 random messages sent, %" PRIu64 " errors received\n",
           h->s.rx_type[OFPT_ERROR]);
    return expect_alive(h);
}

/* Many ports: a real switch has at most a few thousand; the controller
 * must not spend quadratic time on more. */
static int
sc_port_flood(struct hctx *h)
{
    if (connect_ready(h)) {
        return 1;
    }
    const uint32_t n = 50000;
    uint64_t t0 = fs_now_ns();
    for (uint32_t i = 0; i < n; i++) {
        fs_put_port_status(&h->s.tx, fsw_next_xid(&h->s), OFPPR_ADD, 1000 + i);
        if (h->s.tx.len > (1u << 20) && fsw_send_all(&h->s, 10000)) {
            return fail("could not send");
        }
    }
    if (fsw_send_all(&h->s, 10000) || fsw_echo(&h->s, 0, 30000)) {
        return fail("no echo reply after the port flood");
    }
    double s = (double) (fs_now_ns() - t0) / 1e9;
    printf("%u PORT_STATUS adds answered in %.2f s\n", n, s);
    if (s > 2.0) {
        return fail("the controller took more than 2 s");
    }
    return 0;
}

/* A peer that stops reading but keeps sending Packet-Ins (jumbo frames to
 * an unknown destination: each causes a flooding Packet-Out of the whole
 * frame).  The controller must not block and must bound its queue: it
 * stops reading a peer whose replies pile up past 1 MiB, so the peer goes
 * silent and the inactivity probe drops it. */
static int
sc_no_read(struct hctx *h)
{
    fsw_init(&h->s, h->o, h->dpid);
    if (fsw_connect(&h->s, 4096) || fsw_handshake(&h->s, T_REPLY)) {
        return fail("handshake did not complete");
    }
    print_logname_dpid(h->dpid);
    int pid = h->o->ctl_pid;
    long base = pid ? fs_rss_kb(pid) : -1, max = base;
    uint8_t frame[9000];
    uint64_t sent = 0, t0 = fs_now_ns(), last_sample = 0;
    struct buf msg;
    buf_init(&msg);
    for (uint32_t k = 0; k < 64; k++) {
        size_t n = fs_frame_udp(frame, sizeof frame, 1, 100 + k, 1000, 2000);
        fs_put_packet_in(&msg, 0, 1, frame, n);
    }
    size_t ofs = 0;
    bool closed = false;
    while (fs_now_ns() - t0 < 30000000000ull) {
        struct pollfd pfd = { .fd = h->s.fd, .events = POLLOUT };
        poll(&pfd, 1, 20);
        if (pfd.revents & (POLLERR | POLLHUP)) {
            closed = true;
            break;
        }
        if (pfd.revents & POLLOUT) {
            ssize_t w = send(h->s.fd, msg.data + ofs, msg.len - ofs,
                             MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                closed = true;
                break;
            }
            if (w > 0) {
                sent += (uint64_t) w;
                ofs = (ofs + (size_t) w) % msg.len;
            }
        }
        uint64_t now = fs_now_ns();
        if (pid && now - last_sample > 20000000) {
            long kb = fs_rss_kb(pid);
            if (kb > max) {
                max = kb;
            }
            last_sample = now;
        }
    }
    buf_free(&msg);
    printf("sent %.1f MB of Packet-Ins without reading in %.1f s\n",
           (double) sent / 1e6, (double) (fs_now_ns() - t0) / 1e9);
    if (pid) {
        printf("controller RSS %ld kB before, %ld kB max (+%ld kB)\n", base, max,
               max - base);
    }
    if (!closed) {
        return fail("the controller never dropped the peer");
    }
    printf("dropped by the controller\n");
    if (pid && max - base > (long) h->rss_limit_mb * 1024) {
        return fail("controller RSS grew past the limit");
    }
    return 0;
}

/* ---- Held Packet-Outs (held.c) ---- */

static int
sc_held_same_write(struct hctx *h)
{
    return fs_held_scenario(h->o, h->dpid, FS_HELD_SAME_WRITE, h->settle_ms);
}

static int
sc_held_in_settle(struct hctx *h)
{
    return fs_held_scenario(h->o, h->dpid, FS_HELD_IN_SETTLE, h->settle_ms);
}

static int
sc_held_two_conns(struct hctx *h)
{
    return fs_held_scenario(h->o, h->dpid, FS_HELD_TWO_CONNS, h->settle_ms);
}

struct scenario {
    const char *name;
    const char *log;        /* ERE for the controller's log line; "-": none */
    const char *what;
    int (*run)(struct hctx *);
};

static const struct scenario scenarios[] = {
    { "hello-version", "does not speak OpenFlow 1.3",
      "HELLO version 0x01 without bitmap: HELLO_FAILED, close",
      sc_hello_version },
    { "hello-bitmap", "does not speak OpenFlow 1.3",
      "HELLO whose bitmap lists only 1.0: HELLO_FAILED, close",
      sc_hello_bitmap },
    { "hello-bad-elem", "-",
      "HELLO element length past the message: ignored, handshake completes",
      sc_hello_bad_elem },
    { "version-msg", "message with version 0x05 ignored",
      "ECHO_REQUEST with version 0x05 after the handshake: BAD_VERSION",
      sc_version_msg },
    { "unknown-type", "unexpected message type 200",
      "message type 200: BAD_TYPE", sc_unknown_type },
    { "controller-type", "unexpected message type 14",
      "FLOW_MOD sent by the switch: BAD_TYPE", sc_controller_type },
    { "length-short", "length field < 8",
      "header length 4 after the handshake: close", sc_length_short },
    { "length-short-prehello", "length field < 8",
      "header length 1 as the first message: close",
      sc_length_short_prehello },
    { "length-long-close", "disconnected \\(connection closed by switch\\)",
      "length 1000, 100 bytes sent, then FIN: close",
      sc_length_long_close },
    { "length-long-stall", "inactivity probe timed out",
      "length 65535, 100 bytes sent, then silence: dropped by the probe",
      sc_length_long_stall },
    { "before-hello-features", "FEATURES_REPLY before HELLO",
      "FEATURES_REPLY as the first message: close",
      sc_before_hello_features },
    { "before-hello-packet-in", "PACKET_IN before HELLO",
      "PACKET_IN as the first message: close", sc_before_hello_packet_in },
    { "trunc-features", "malformed FEATURES_REPLY",
      "FEATURES_REPLY of 16 bytes: BAD_LEN", sc_trunc_features },
    { "trunc-packet-in", "malformed PACKET_IN",
      "PACKET_IN of 20 bytes: BAD_LEN", sc_trunc_packet_in },
    { "trunc-packet-in-match", "malformed PACKET_IN",
      "PACKET_IN cut inside its match: BAD_LEN", sc_trunc_packet_in_match },
    { "packet-in-match-len", "malformed PACKET_IN",
      "PACKET_IN match length 2000: BAD_LEN", sc_packet_in_match_len },
    { "packet-in-oxm-len", "malformed PACKET_IN",
      "PACKET_IN OXM payload past its match: BAD_LEN", sc_packet_in_oxm_len },
    { "packet-in-no-in-port", "malformed PACKET_IN",
      "PACKET_IN match without in_port: BAD_LEN", sc_packet_in_no_in_port },
    { "trunc-packet-in-pad", "malformed PACKET_IN",
      "PACKET_IN ending before the pad that precedes data: BAD_LEN",
      sc_trunc_packet_in_pad },
    { "trunc-flow-removed", "malformed FLOW_REMOVED",
      "FLOW_REMOVED of 40 bytes: BAD_LEN", sc_trunc_flow_removed },
    { "flow-removed-match-len", "malformed FLOW_REMOVED",
      "FLOW_REMOVED match length past the message: BAD_LEN",
      sc_flow_removed_match_len },
    { "trunc-port-status", "malformed PORT_STATUS",
      "PORT_STATUS of 40 bytes: BAD_LEN", sc_trunc_port_status },
    { "trunc-multipart", "malformed MULTIPART_REPLY",
      "MULTIPART_REPLY of 12 bytes: BAD_LEN", sc_trunc_multipart },
    { "trunc-port-desc", "malformed MULTIPART_REPLY",
      "PORT_DESC reply whose second port is cut: BAD_LEN", sc_trunc_port_desc },
    { "trunc-error", "malformed ERROR", "ERROR of 10 bytes: BAD_LEN",
      sc_trunc_error },
    { "flow-stats-short", "bad flow stats reply",
      "flow stats reply with a 30-byte entry: dropped", sc_flow_stats_short },
    { "flow-stats-len", "bad flow stats reply",
      "flow stats entry length past the reply: dropped", sc_flow_stats_len },
    { "flow-stats-zero", "bad flow stats reply",
      "flow stats entry length 0: dropped (no endless loop)",
      sc_flow_stats_zero },
    { "flow-stats-match", "bad flow stats reply",
      "flow stats entry whose match runs past it: dropped",
      sc_flow_stats_match },
    { "echo-empty", "-", "ECHO_REQUEST without body: answered",
      sc_echo_empty },
    { "echo-max", "-", "ECHO_REQUEST of 65535 bytes: answered in full",
      sc_echo_max },
    { "dup-dpid", "new connection from the same datapath",
      "second connection with the same datapath id: the old one is closed",
      sc_dup_dpid },
    { "garbage-prehello", "before HELLO|length field < 8|does not speak",
      "64 KiB of random bytes instead of HELLO: close",
      sc_garbage_prehello },
    { "garbage-stream", "length field < 8",
      "64 KiB of random bytes after the handshake, then zeros: close",
      sc_garbage_stream },
    { "garbage-framed", "malformed|unexpected message type",
      "20,000 framed 1.3 messages of random type and body",
      sc_garbage_framed },
    { "port-flood", "more than [0-9]+ ports",
      "50,000 PORT_STATUS adds: bounded, answered within 2 s", sc_port_flood },
    { "no-read", "not reading: input paused",
      "stops reading, keeps sending Packet-Ins: input paused, then dropped "
      "by the inactivity probe, RSS bounded",
      sc_no_read },
    { "disconnect-with-conns", "disconnected \\(connection closed by switch\\)",
      "4 sessions each open 20,000 connections and disconnect; a 5th works",
      sc_disconnect_with_conns },
    { "held-same-write", "-",
      "barrier reply and a segment of the held connection in one write: "
      "both released within 1 s", sc_held_same_write },
    { "held-in-settle", "-",
      "a segment of the held connection right after the barrier reply: "
      "released with the request", sc_held_in_settle },
    { "held-two-conns", "-",
      "two held connections interleaved: released within 1 s, in order per "
      "connection", sc_held_two_conns },
};

int
fs_hostile_main(const struct fs_opts *o, int argc, char **argv)
{
    struct hctx h = { .o = o, .rss_limit_mb = 256, .settle_ms = 20 };
    static const struct option opts[] = {
        { "list", no_argument, NULL, 'l' },
        { "rss-limit-mb", required_argument, NULL, 'r' },
        { "settle-ms", required_argument, NULL, 's' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    /* 0, not 1: glibc then parses afresh, without the '+' (stop at the
     * first non-option) of main's parse, so options may follow NAME. */
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
                printf("%s\t%s\t%s\n", scenarios[i].name, scenarios[i].log,
                       scenarios[i].what);
            }
            return 0;
        case 'r':
            h.rss_limit_mb = atoi(optarg);
            break;
        case 's':
            h.settle_ms = (unsigned) atoi(optarg);
            break;
        default:
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: fakeswitch [OPTIONS] hostile --list | NAME "
                "[--rss-limit-mb M] [--settle-ms MS]\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof scenarios / sizeof *scenarios; i++) {
        if (!strcmp(argv[optind], scenarios[i].name)) {
            h.dpid = o->dpid + i;
            printf("scenario %s: %s\n", scenarios[i].name, scenarios[i].what);
            fflush(stdout);
            int rc = scenarios[i].run(&h);
            fsw_free(&h.s);
            printf("%s\n", rc ? "FAIL" : "PASS");
            return rc ? 1 : 0;
        }
    }
    fprintf(stderr, "fakeswitch: unknown scenario '%s'\n", argv[optind]);
    return 2;
}
