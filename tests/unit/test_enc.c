/* TLS and SSH connections through the controller's own code and the
 * model switch (tests/simswitch.c), with both realizations (flows.c and
 * ct.c): the handshake reaches the controller and is mirrored whatever
 * its segmentation; then the entries take both directions (forward only,
 * or a slice), SYN/FIN/RST still come and are mirrored; what breaks the
 * walk is passthrough.  Streams: tests/fixtures/tls (see test_tls.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "simswitch.h"
#include "ssh.h"
#include "tcpframe.h"
#include "tlsfixture.h"

#define CLI_IP   0x0a000001u
#define SRV_IP   0x0a000002u
#define CLI_PORT 40000
#define MSS      1448
#define HDR      54             /* Ethernet, IPv4, TCP without options */

struct esim {
    struct simsw m;
    uint32_t isn[2], nxt[2];
    char log[8192];
    size_t log_len;
    uint32_t mirrored;          /* bytes of the last packet on the mirror */
    bool ctl;                   /* the last packet reached the controller */
};

static struct esim *cur;

static void
fail(const char *msg)
{
    cr_assert_fail("%s", msg);
}

static void
on_event(void *aux, const struct conn *c, const struct conn_event *e)
{
    (void) aux;
    (void) c;
    static const char *const names[] = {
        [CE_HTTP_REQUEST] = "request", [CE_HTTP_RESPONSE] = "response",
        [CE_ELIDE_START] = "elide_start", [CE_ELIDE_END] = "elide_end",
        [CE_ALERT] = "alert", [CE_PASSTHROUGH] = "pass",
        [CE_TLS_CLIENT_HELLO] = "client_hello",
        [CE_TLS_SERVER_HELLO] = "server_hello", [CE_SSH_VERSION] = "ssh",
    };
    cur->log_len += (size_t) snprintf(cur->log + cur->log_len,
                                      sizeof cur->log - cur->log_len, "%s%s%s%s",
                                      cur->log_len ? "; " : "", names[e->type],
                                      e->kind ? " " : "", e->kind ? e->kind : "");
    if (e->type == CE_ELIDE_END) {      /* and the bytes it reports */
        cur->log_len += (size_t) snprintf(cur->log + cur->log_len,
                                          sizeof cur->log - cur->log_len,
                                          " %llu", (unsigned long long) e->bytes);
    }
}

static void
esim_init(struct esim *e, enum conn_proto proto, enum enc_mode mode, bool ct)
{
    memset(e, 0, sizeof *e);
    cur = e;
    struct ctl_cfg cfg = {
        .mode = MODE_ELIDE, .datapath = ct ? DP_CONNTRACK : DP_FLOWS,
        .threshold = 1000000, .idle_timeout = 10, .stats_interval_ms = 1000,
        .probe_interval_ms = 5000, .max_conns = 4, .conn_idle_s = 300,
        .tls_mode = mode,
    };
    uint16_t port = proto == PROTO_TLS ? 443 : 22;
    if (proto == PROTO_TLS) {
        cfg.tls_ports[0] = port;
        cfg.n_tls_ports = 1;
    } else {
        cfg.ssh_ports[0] = port;
        cfg.n_ssh_ports = 1;
    }
    simsw_init(&e->m, &cfg, on_event, fail, CLI_IP, CLI_PORT, SRV_IP, port);
    cr_assert_eq(e->m.c->proto, proto);
    e->isn[0] = e->nxt[0] = 1000;
    e->isn[1] = e->nxt[1] = 500000;
}

/* A segment at stream offset 'off' of 'dir'; through the model switch. */
static void
at(struct esim *e, enum conn_dir dir, uint8_t flags, uint64_t off,
   const void *data, size_t len)
{
    uint32_t seq = e->isn[dir] + (flags & TCP_SYN ? 0 : 1) + (uint32_t) off;
    uint32_t end = seq + (uint32_t) len + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
    if ((int32_t) (end - e->nxt[dir]) > 0) {
        e->nxt[dir] = end;
    }
    static const uint8_t cmac[6] = { 2, 0, 0, 0, 0, 1 }, smac[6] = { 2, 0, 0, 0, 0, 2 };
    struct tcpframe t = {
        .src_mac = dir == C2S ? cmac : smac, .dst_mac = dir == C2S ? smac : cmac,
        .src_ip = dir == C2S ? CLI_IP : SRV_IP, .dst_ip = dir == C2S ? SRV_IP : CLI_IP,
        .sport = dir == C2S ? CLI_PORT : e->m.srv_port,
        .dport = dir == C2S ? e->m.srv_port : CLI_PORT,
        .seq = seq, .ack = flags & TCP_ACK ? e->nxt[!dir] : 0, .flags = flags,
        .payload = data, .len = len,
    };
    uint8_t *f = malloc(tcpframe_len(&t));
    size_t n = tcpframe_write(f, &t);
    e->ctl = simsw_route(&e->m, dir, flags) == SIMSW_TO_CTL;
    if (e->ctl) {
        e->mirrored = simsw_packet_in(&e->m, dir, f, n);
    } else if (simsw_route(&e->m, dir, flags) == SIMSW_PHASE) {
        e->mirrored = (uint32_t) n;
    } else {
        e->mirrored = simsw_forward(&e->m, dir, n);
    }
    free(f);
}

static void
handshake_tcp(struct esim *e)
{
    at(e, C2S, TCP_SYN, 0, NULL, 0);
    at(e, S2C, TCP_SYN | TCP_ACK, 0, NULL, 0);
    at(e, C2S, TCP_ACK, 0, NULL, 0);
}

/* 'b' of 'dir' from offset 'from' to 'to' in MSS segments. */
static void
segs(struct esim *e, enum conn_dir dir, const uint8_t *b, size_t from, size_t to)
{
    for (size_t o = from; o < to; o += MSS) {
        size_t k = to - o < MSS ? to - o : MSS;
        at(e, dir, TCP_ACK | TCP_PSH, o, b + o, k);
        cr_assert(e->ctl, "handshake byte %zu of %s at the switch", o,
                  dir == C2S ? "c2s" : "s2c");
        cr_assert_eq(e->mirrored, HDR + k, "handshake segment mirrored in full");
    }
}


static size_t
record_end(const uint8_t *b)
{
    return 5 + (size_t) (b[3] << 8 | b[4]);
}

/* curl13: ClientHello; the server's flight; the client's CCS and Finished
 * (and its request, in the same stream) end the handshake. */
static void
tls13_handshake(struct esim *e, const uint8_t *c, size_t cn, const uint8_t *s,
                size_t sn)
{
    handshake_tcp(e);
    size_t ch = record_end(c);
    segs(e, C2S, c, 0, ch);
    segs(e, S2C, s, 0, sn);
    cr_assert(!e->m.c->enc_done);
    segs(e, C2S, c, ch, cn);
    cr_assert(e->m.c->enc_done, "%s", e->log);
}

static void
tls13_then_bulk(bool ct, enum enc_mode mode)
{
    struct esim e;
    esim_init(&e, PROTO_TLS, mode, ct);
    size_t cn, sn;
    uint8_t *c = tlsfixture("curl13.c2s", &cn), *s = tlsfixture("curl13.s2c", &sn);
    tls13_handshake(&e, c, cn, s, sn);
    cr_assert_str_eq(e.log, "client_hello; server_hello; elide_start");
    uint8_t want = mode == ENC_SLICE ? ENTRY_FWD_SLICE : ENTRY_FWD;
    cr_assert_eq(simsw_kind(&e.m, C2S), want);
    cr_assert_eq(simsw_kind(&e.m, S2C), want);
    /* Bulk both ways, PSH on the client's too: the entries carry it. */
    uint8_t blob[MSS];
    memset(blob, 0x77, sizeof blob);
    for (int i = 0; i < 100; i++) {
        at(&e, S2C, TCP_ACK | TCP_PSH, sn + (size_t) i * MSS, blob, MSS);
        cr_assert(!e.ctl);
        cr_assert_eq(e.mirrored, mode == ENC_SLICE ? HDR + SLICE_PAYLOAD : 0);
        at(&e, C2S, TCP_ACK | TCP_PSH, cn + (size_t) i * 10, blob, 10);
        cr_assert(!e.ctl);
        cr_assert_eq(e.mirrored, mode == ENC_SLICE ? HDR + SLICE_PAYLOAD : 0);
    }
    /* FINs: trapped and mirrored; the entries stay to idle out. */
    at(&e, S2C, TCP_ACK | TCP_FIN, sn + 100 * MSS, NULL, 0);
    cr_assert(e.ctl);
    cr_assert_eq(e.mirrored, HDR);
    at(&e, C2S, TCP_ACK | TCP_FIN, cn + 1000, NULL, 0);
    cr_assert(e.ctl);
    cr_assert_eq(e.mirrored, HDR);
    cr_assert(e.m.c->closed);
    cr_assert(conn_lingers(e.m.c));
    /* Their removal reports what they carried. */
    struct simsw_removal rm;
    for (int d = 0; d < 2; d++) {
        if (!e.m.ent[d].kind) {
            continue;       /* ct: the FIN's phase (done) ranks above them */
        }
        simsw_remove(&e.m, (enum conn_dir) d, &rm);
        simsw_deliver(&e.m, &rm, OFPRR_IDLE_TIMEOUT);
    }
    cr_assert(!conn_lingers(e.m.c));
    /* The entries' payload (with --tls slice, the mirrored 5 bytes of each
     * packet included, README "Event log"). */
    char end[64];
    snprintf(end, sizeof end, "elide_end idle_timeout %u", 100 * MSS + 100 * 10);
    cr_assert(strstr(e.log, end), "%s", e.log);
    cr_assert_eq(e.m.c->elided_bytes, 100 * MSS + 100 * 10, "%lu",
                 (unsigned long) e.m.c->elided_bytes);
    free(c);
    free(s);
    simsw_fini(&e.m);
}

Test(enc, tls13_elide_flows) { tls13_then_bulk(false, ENC_ELIDE); }
Test(enc, tls13_elide_conntrack) { tls13_then_bulk(true, ENC_ELIDE); }
Test(enc, tls13_slice_flows) { tls13_then_bulk(false, ENC_SLICE); }
Test(enc, tls13_slice_conntrack) { tls13_then_bulk(true, ENC_SLICE); }

/* --tls off: the handshake's end makes forward-and-mirror entries. */
Test(enc, tls_off_mirrors_all)
{
    struct esim e;
    esim_init(&e, PROTO_TLS, ENC_OFF, false);
    size_t cn, sn;
    uint8_t *c = tlsfixture("curl12.c2s", &cn), *s = tlsfixture("curl12.s2c", &sn);
    handshake_tcp(&e);
    size_t ch = record_end(c);
    segs(&e, C2S, c, 0, ch);
    segs(&e, S2C, s, 0, sn);
    segs(&e, C2S, c, ch, cn);
    cr_assert_str_eq(e.log, "client_hello; server_hello");
    cr_assert_eq(simsw_kind(&e.m, S2C), ENTRY_FWD_MIRROR);
    free(c);
    free(s);
    simsw_fini(&e.m);
}

/* The post-quantum ClientHello in 1-byte segments, last byte first: one
 * client_hello, once every byte is there. */
Test(enc, hello_one_byte_reversed)
{
    struct esim e;
    esim_init(&e, PROTO_TLS, ENC_ELIDE, false);
    size_t cn, sn;
    uint8_t *c = tlsfixture("curl13-pq.c2s", &cn), *s = tlsfixture("curl13-pq.s2c", &sn);
    handshake_tcp(&e);
    size_t ch = record_end(c);
    for (size_t o = ch; o-- > 0;) {
        at(&e, C2S, TCP_ACK, o, c + o, 1);
        cr_assert(e.ctl);
        cr_assert_eq(e.mirrored, HDR + 1);
        cr_assert_str_eq(e.log, o ? "" : "client_hello", "at %zu", o);
    }
    segs(&e, S2C, s, 0, sn);
    segs(&e, C2S, c, ch, cn);
    cr_assert_str_eq(e.log, "client_hello; server_hello; elide_start");
    free(c);
    free(s);
    simsw_fini(&e.m);
}

/* A retransmission of handshake bytes with other content. */
Test(enc, conflicting_retransmission)
{
    struct esim e;
    esim_init(&e, PROTO_TLS, ENC_ELIDE, false);
    size_t cn;
    uint8_t *c = tlsfixture("curl13.c2s", &cn);
    handshake_tcp(&e);
    at(&e, C2S, TCP_ACK, 0, c, 200);
    uint8_t other[50];
    memcpy(other, c + 100, 50);
    other[10] ^= 1;
    at(&e, C2S, TCP_ACK, 100, other, 50);
    cr_assert_str_eq(e.log, "alert handshake_conflict; pass handshake_conflict");
    cr_assert_eq(simsw_kind(&e.m, C2S), ENTRY_FWD_MIRROR);
    free(c);
    simsw_fini(&e.m);
}

/* Cleartext on the TLS port; an alert record during the handshake. */
Test(enc, not_tls_and_alert)
{
    struct esim e;
    esim_init(&e, PROTO_TLS, ENC_ELIDE, false);
    handshake_tcp(&e);
    at(&e, C2S, TCP_ACK | TCP_PSH, 0, "GET / HTTP/1.1\r\n\r\n", 18);
    cr_assert_str_eq(e.log, "alert not_tls; pass not_tls");
    cr_assert_eq(e.mirrored, HDR + 18);
    simsw_fini(&e.m);

    esim_init(&e, PROTO_TLS, ENC_ELIDE, false);
    size_t cn;
    uint8_t *c = tlsfixture("curl13.c2s", &cn);
    handshake_tcp(&e);
    size_t ch = record_end(c);
    segs(&e, C2S, c, 0, ch);
    static const uint8_t alert[] = { 21, 3, 3, 0, 2, 2, 40 };
    at(&e, S2C, TCP_ACK | TCP_PSH, 0, alert, sizeof alert);
    cr_assert_str_eq(e.log, "client_hello; pass tls_alert");
    free(c);
    simsw_fini(&e.m);
}

/* SSH: version lines, KEXINIT, NEWKEYS each way, then elided. */
static size_t
ssh_packet(uint8_t *b, uint8_t type, size_t plen)
{
    size_t pad = 8 - (5 + plen) % 8;
    pad = pad < 4 ? pad + 8 : pad;
    size_t len = 1 + plen + pad;
    b[0] = 0;
    b[1] = (uint8_t) (len >> 16);
    b[2] = (uint8_t) (len >> 8);
    b[3] = (uint8_t) len;
    b[4] = (uint8_t) pad;
    b[5] = type;
    memset(b + 6, 0, plen - 1 + pad);
    return 4 + len;
}

static void
ssh_elided(bool ct)
{
    struct esim e;
    esim_init(&e, PROTO_SSH, ENC_ELIDE, ct);
    handshake_tcp(&e);
    uint8_t b[2][4096];
    size_t n[2];
    for (int d = 0; d < 2; d++) {
        n[d] = (size_t) sprintf((char *) b[d], "SSH-2.0-%s\r\n", d ? "srv" : "cli");
        n[d] += ssh_packet(b[d] + n[d], SSH_MSG_KEXINIT, 800);
        n[d] += ssh_packet(b[d] + n[d], d ? 31 : 30, 1200);
        n[d] += ssh_packet(b[d] + n[d], SSH_MSG_NEWKEYS, 1);
    }
    segs(&e, S2C, b[S2C], 0, n[S2C]);
    segs(&e, C2S, b[C2S], 0, n[C2S]);
    cr_assert_str_eq(e.log, "ssh server; ssh client; elide_start");
    cr_assert_eq(simsw_kind(&e.m, C2S), ENTRY_FWD);
    cr_assert_eq(simsw_kind(&e.m, S2C), ENTRY_FWD);
    uint8_t blob[MSS] = { 0 };
    at(&e, S2C, TCP_ACK | TCP_PSH, n[S2C], blob, MSS);
    cr_assert(!e.ctl);
    cr_assert_eq(e.mirrored, 0);
    simsw_fini(&e.m);
}

Test(enc, ssh_flows) { ssh_elided(false); }
Test(enc, ssh_conntrack) { ssh_elided(true); }

/* RFC 8446 4.1.4: after a HelloRetryRequest (a ServerHello with its
 * special random) the client sends a second ClientHello, which is no
 * second handshake; a second one without it is. */
Test(enc, hello_retry_request)
{
    static const uint8_t hrr_random[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
        0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
        0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
    };
    size_t cn, sn;
    uint8_t *c = tlsfixture("curl13.c2s", &cn), *s = tlsfixture("curl13.s2c", &sn);
    size_t ch = record_end(c), sh = record_end(s);
    /* Client: hello, hello again, then the rest; server: the retry
     * request (its ServerHello record with the retry random), then its
     * real flight. */
    uint8_t *c2 = malloc(cn + ch), *s2 = malloc(sh + sn);
    memcpy(c2, c, ch);
    memcpy(c2 + ch, c, cn);
    memcpy(s2, s, sh);
    memcpy(s2 + 11, hrr_random, 32);
    memcpy(s2 + sh, s, sn);
    struct esim e;
    esim_init(&e, PROTO_TLS, ENC_ELIDE, false);
    handshake_tcp(&e);
    segs(&e, C2S, c2, 0, ch);
    segs(&e, S2C, s2, 0, sh);
    segs(&e, C2S, c2, ch, 2 * ch);
    segs(&e, S2C, s2, sh, sh + sn);
    segs(&e, C2S, c2, 2 * ch, ch + cn);
    cr_assert_str_eq(e.log, "client_hello; server_hello; client_hello; "
                            "server_hello; elide_start");
    simsw_fini(&e.m);

    /* Without the retry request. */
    esim_init(&e, PROTO_TLS, ENC_ELIDE, false);
    handshake_tcp(&e);
    segs(&e, C2S, c2, 0, 2 * ch);
    cr_assert_str_eq(e.log, "client_hello; alert tls_second_hello; "
                            "pass tls_second_hello");
    simsw_fini(&e.m);
    free(c);
    free(s);
    free(c2);
    free(s2);
}

/* Both entries idle out during a pause; the next packet puts them back;
 * at the end one elide_end counts what both periods carried. */
Test(enc, entries_idle_out_and_come_back)
{
    struct esim e;
    esim_init(&e, PROTO_TLS, ENC_ELIDE, false);
    size_t cn, sn;
    uint8_t *c = tlsfixture("curl13.c2s", &cn), *s = tlsfixture("curl13.s2c", &sn);
    tls13_handshake(&e, c, cn, s, sn);
    uint8_t blob[MSS];
    memset(blob, 0x33, sizeof blob);
    size_t off = sn;
    for (int i = 0; i < 10; i++, off += MSS) {
        at(&e, S2C, TCP_ACK, off, blob, MSS);
    }
    struct simsw_removal rm;
    for (int d = 0; d < 2; d++) {
        simsw_remove(&e.m, (enum conn_dir) d, &rm);
        simsw_deliver(&e.m, &rm, OFPRR_IDLE_TIMEOUT);
    }
    cr_assert(!strstr(e.log, "elide_end"), "%s", e.log);
    at(&e, S2C, TCP_ACK, off, blob, MSS);   /* back: not mirrored, entries again */
    off += MSS;
    cr_assert(e.ctl);
    cr_assert_eq(e.mirrored, 0);
    cr_assert_eq(simsw_kind(&e.m, S2C), ENTRY_FWD);
    cr_assert_eq(simsw_kind(&e.m, C2S), ENTRY_FWD);
    for (int i = 0; i < 5; i++, off += MSS) {
        at(&e, S2C, TCP_ACK, off, blob, MSS);
        cr_assert(!e.ctl);
    }
    at(&e, S2C, TCP_ACK | TCP_FIN, off, NULL, 0);
    at(&e, C2S, TCP_ACK | TCP_FIN, cn, NULL, 0);
    for (int d = 0; d < 2; d++) {
        simsw_remove(&e.m, (enum conn_dir) d, &rm);
        simsw_deliver(&e.m, &rm, OFPRR_IDLE_TIMEOUT);
    }
    cr_assert_eq(e.m.c->elided_bytes, 15 * MSS);
    char want[64];
    /* 15 segments the entries carried, 1 the controller forwarded. */
    snprintf(want, sizeof want, "elide_end idle_timeout %u", 16 * MSS);
    cr_assert(strstr(e.log, want), "%s", e.log);
    cr_assert_eq(strstr(e.log, "elide_end") - e.log,
                 strrchr(e.log, ';') - e.log + 2, "one elide_end, last: %s", e.log);
    free(c);
    free(s);
    simsw_fini(&e.m);
}

/* Passthrough after the handshake (an IP fragment): the entries are
 * deleted, and their removal's elide_end says what they carried. */
Test(enc, passthrough_after_handshake_reports)
{
    struct esim e;
    esim_init(&e, PROTO_TLS, ENC_ELIDE, false);
    size_t cn, sn;
    uint8_t *c = tlsfixture("curl13.c2s", &cn), *s = tlsfixture("curl13.s2c", &sn);
    tls13_handshake(&e, c, cn, s, sn);
    uint8_t blob[MSS];
    memset(blob, 0x44, sizeof blob);
    for (int i = 0; i < 4; i++) {
        at(&e, S2C, TCP_ACK, sn + (size_t) i * MSS, blob, MSS);
    }
    static const uint8_t cmac[6] = { 2, 0, 0, 0, 0, 1 }, smac[6] = { 2, 0, 0, 0, 0, 2 };
    struct tcpframe t = {
        .src_mac = cmac, .dst_mac = smac, .src_ip = CLI_IP, .dst_ip = SRV_IP,
        .sport = CLI_PORT, .dport = 443, .seq = e.nxt[C2S], .ack = e.nxt[S2C],
        .flags = TCP_ACK, .payload = blob, .len = 100,
    };
    uint8_t *f = malloc(tcpframe_len(&t));
    size_t n = tcpframe_write(f, &t);
    tcpframe_first_fragment(f);
    simsw_packet_in(&e.m, C2S, f, n);
    free(f);
    cr_assert(strstr(e.log, "pass ip_fragment"), "%s", e.log);
    char want[64];
    snprintf(want, sizeof want, "elide_end delete %u", 4 * MSS);
    cr_assert(strstr(e.log, want), "%s", e.log);
    cr_assert_eq(simsw_kind(&e.m, S2C), ENTRY_FWD_MIRROR);
    free(c);
    free(s);
    simsw_fini(&e.m);
}

/* A second HelloRetryRequest aborts (RFC 8446 4.1.4): passthrough. */
Test(enc, second_retry_request)
{
    static const uint8_t hrr_random[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
        0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
        0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
    };
    size_t cn, sn;
    uint8_t *c = tlsfixture("curl13.c2s", &cn), *s = tlsfixture("curl13.s2c", &sn);
    size_t ch = record_end(c), sh = record_end(s);
    uint8_t *s2 = malloc(2 * sh);
    memcpy(s2, s, sh);
    memcpy(s2 + 11, hrr_random, 32);
    memcpy(s2 + sh, s2, sh);
    struct esim e;
    esim_init(&e, PROTO_TLS, ENC_ELIDE, false);
    handshake_tcp(&e);
    segs(&e, C2S, c, 0, ch);
    segs(&e, S2C, s2, 0, sh);
    at(&e, C2S, TCP_ACK | TCP_PSH, ch, c, ch);
    segs(&e, S2C, s2, sh, 2 * sh);
    cr_assert_str_eq(e.log, "client_hello; server_hello; client_hello; "
                            "alert tls_second_hello; pass tls_second_hello");
    simsw_fini(&e.m);
    free(c);
    free(s);
    free(s2);
}
