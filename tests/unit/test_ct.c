/* The conntrack realization (ct.c) through the model switch: which
 * packets reach the controller in each phase, the marks its Packet-Outs
 * commit, what stays on flow entries, and --datapath auto's probe. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "log.h"
#include "ofp.h"
#include "realize.h"
#include "rules.h"
#include "session.h"
#include "simswitch.h"
#include "tcpframe.h"

#define CLI_IP 0x0a000001u
#define SRV_IP 0x0a000002u
#define CLI_PORT 40000
#define SRV_PORT 80
#define SYN TCP_SYN
#define ACK TCP_ACK
#define PSH TCP_PSH
#define FIN TCP_FIN

struct t {
    struct simsw m;
    uint32_t nxt[2];            /* next sequence number of each side */
    unsigned pin;               /* Packet-Ins */
    unsigned mirrored_pkts;     /* packets on the mirror port */
    unsigned alerts;
    const char *last_alert;
};
static struct t T;

static void
on_event(void *aux, const struct conn *c, const struct conn_event *e)
{
    (void) aux;
    (void) c;
    if (e->type == CE_ALERT) {
        T.alerts++;
        T.last_alert = e->kind;
    }
}

static void
sim_fail(const char *msg)
{
    cr_assert_fail("switch model: %s", msg);
    abort();
}

static void
setup_cfg(enum ctl_datapath dp, uint64_t threshold)
{
    memset(&T, 0, sizeof T);
    struct ctl_cfg cfg = {
        .mode = MODE_ELIDE, .datapath = dp, .threshold = threshold,
        .entry_min = 65536, .idle_timeout = 10, .stats_interval_ms = 1000,
        .probe_interval_ms = 5000, .max_conns = 4, .conn_idle_s = 300,
    };
    simsw_init(&T.m, &cfg, on_event, sim_fail, CLI_IP, CLI_PORT, SRV_IP,
               SRV_PORT);
    T.nxt[C2S] = 1000;
    T.nxt[S2C] = 500000;
}

static void setup(void) { setup_cfg(DP_CONNTRACK, 1000000); }
static void teardown(void) { simsw_fini(&T.m); }

/* Side 'dir' sends 'len' bytes of 'data' with 'flags' (ACK of all the
 * peer sent); the switch takes it as the model routes it.  Returns the
 * path it took. */
static enum simsw_path
xmit(enum conn_dir dir, uint8_t flags, const char *data, size_t len)
{
    static const uint8_t cmac[6] = { 2, 0, 0, 0, 0, 1 };
    static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 2 };
    struct tcpframe f = {
        .src_mac = dir == C2S ? cmac : smac, .dst_mac = dir == C2S ? smac : cmac,
        .src_ip = dir == C2S ? CLI_IP : SRV_IP,
        .dst_ip = dir == C2S ? SRV_IP : CLI_IP,
        .sport = dir == C2S ? CLI_PORT : SRV_PORT,
        .dport = dir == C2S ? SRV_PORT : CLI_PORT,
        .seq = T.nxt[dir], .ack = flags & ACK ? T.nxt[!dir] : 0,
        .flags = flags, .payload = data, .len = len,
    };
    uint8_t buf[2048];
    cr_assert(tcpframe_len(&f) <= sizeof buf);
    size_t n = tcpframe_write(buf, &f);
    enum simsw_path path = simsw_route(&T.m, dir, flags);
    uint32_t mirrored;
    if (path == SIMSW_TO_CTL) {
        mirrored = simsw_packet_in(&T.m, dir, buf, n);
        T.pin++;
    } else if (path == SIMSW_ENTRY) {
        mirrored = simsw_forward(&T.m, dir, n);
    } else {
        mirrored = (uint32_t) n;
    }
    if (mirrored) {
        T.mirrored_pkts++;
    }
    T.nxt[dir] += (uint32_t) len + (flags & (SYN | FIN) ? 1 : 0);
    return path;
}

static uint8_t
phase(void)
{
    cr_assert(T.m.committed, "no mark committed");
    return (uint8_t) T.m.mark;
}

#define KINDS(C, S) ((uint8_t) ((C) << MARK_KIND_SHIFT(C2S) | (S) << MARK_KIND_SHIFT(S2C)))

static void
handshake(void)
{
    cr_assert_eq(xmit(C2S, SYN, NULL, 0), SIMSW_TO_CTL);
    cr_assert_eq(phase(), KINDS(ENTRY_FWD_MIRROR, ENTRY_NONE),
                 "the SYN's Packet-Out commits the client's kind");
    cr_assert_eq(T.m.mark >> MARK_GEN_SHIFT, T.m.sw->ct_gen);
    cr_assert_eq(xmit(S2C, SYN | ACK, NULL, 0), SIMSW_PHASE,
                 "the SYN-ACK stays in the switch");
    cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_PHASE,
                 "so does the handshake's ACK");
}

static const char GET[] = "GET /small HTTP/1.1\r\nHost: x\r\n\r\n";
static const char HEAD_SMALL[] = "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n";
static const char HEAD_BIG[] = "HTTP/1.1 200 OK\r\nContent-Length: 3000000\r\n\r\n";

TestSuite(ct, .init = setup, .fini = teardown);

Test(ct, short_connection_costs_four_packet_ins_and_no_flow_mod)
{
    handshake();
    cr_assert_eq(xmit(C2S, PSH | ACK, GET, strlen(GET)), SIMSW_TO_CTL);
    cr_assert_eq(phase(), KINDS(ENTRY_NONE, ENTRY_NONE),
                 "the request sends the server's next packet here");
    cr_assert_eq(xmit(S2C, PSH | ACK, HEAD_SMALL, strlen(HEAD_SMALL)),
                 SIMSW_TO_CTL);
    cr_assert_eq(phase(), KINDS(ENTRY_FWD_MIRROR, ENTRY_FWD_MIRROR),
                 "a small body is forwarded and mirrored by its phase");
    static char body[1000];
    cr_assert_eq(xmit(S2C, ACK, body, sizeof body), SIMSW_PHASE);
    cr_assert_eq(xmit(S2C, PSH | ACK, body, sizeof body), SIMSW_PHASE,
                 "server PSH is no trap");
    cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_PHASE);
    cr_assert_eq(xmit(C2S, FIN | ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert(phase() & MARK_DONE, "the first FIN ends the watch");
    cr_assert_eq(xmit(S2C, FIN | ACK, NULL, 0), SIMSW_PHASE);
    cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_PHASE);
    cr_assert_eq(T.pin, 4, "%u Packet-Ins", T.pin);
    cr_assert_eq(T.m.ent[C2S].kind | T.m.ent[S2C].kind, ENTRY_NONE,
                 "no connection entry");
    cr_assert_eq(T.mirrored_pkts, 11, "every packet mirrored");
    cr_assert_eq(T.alerts, 0);
    cr_assert(T.m.c->closed);
}

Test(ct, keepalive_request_reopens_the_head_phase)
{
    handshake();
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(xmit(C2S, PSH | ACK, GET, strlen(GET)), SIMSW_TO_CTL);
        cr_assert_eq(phase(), KINDS(ENTRY_NONE, ENTRY_NONE));
        cr_assert_eq(xmit(S2C, PSH | ACK, HEAD_SMALL, strlen(HEAD_SMALL)),
                     SIMSW_TO_CTL);
        static char body[1000];
        cr_assert_eq(xmit(S2C, ACK, body, sizeof body), SIMSW_PHASE);
        cr_assert_eq(xmit(S2C, PSH | ACK, body, sizeof body), SIMSW_PHASE);
        cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_PHASE);
    }
    cr_assert_eq(T.pin, 1 + 3 * 2, "%u Packet-Ins", T.pin);
    cr_assert_eq(T.alerts, 0);
}

Test(ct, elided_body_keeps_flow_entries_in_ct_table)
{
    handshake();
    xmit(C2S, PSH | ACK, GET, strlen(GET));
    cr_assert_eq(xmit(S2C, PSH | ACK, HEAD_BIG, strlen(HEAD_BIG)), SIMSW_TO_CTL);
    /* The elision waits for the client's acknowledgment of the head. */
    cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert_eq(phase(), KINDS(ENTRY_FWD, ENTRY_FWD),
                 "forward-only kinds defer to the entries");
    cr_assert_eq(T.m.ent[S2C].kind, ENTRY_FWD);
    cr_assert_eq(T.m.ent[C2S].kind, ENTRY_FWD);
    static char body[1448];
    uint32_t before = T.mirrored_pkts;
    for (int i = 0; i < 10; i++) {
        cr_assert_eq(xmit(S2C, ACK, body, sizeof body), SIMSW_ENTRY);
        cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_ENTRY);
    }
    cr_assert_eq(T.mirrored_pkts, before, "the body bypassed the mirror");
    /* A request during the body: its Packet-Out sends the server's next
     * packets here at once (the phase ranks above the entries). */
    cr_assert_eq(xmit(C2S, PSH | ACK, GET, strlen(GET)), SIMSW_TO_CTL);
    cr_assert_eq(phase(), KINDS(ENTRY_NONE, ENTRY_NONE));
    cr_assert_eq(T.m.ent[S2C].kind, ENTRY_NONE, "the elision entry went");
    cr_assert_eq(xmit(S2C, ACK, body, sizeof body), SIMSW_TO_CTL);
}

/* An elided body of 1000 segments on its entries, 'resent' of them sent
 * twice (Open vSwitch's userspace datapath drops packets: the server
 * retransmits) and counted twice. */
static const char HEAD_ELIDED[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 1448000\r\n\r\n";
#define SEG 1448
#define SEG_HDR 54              /* tcpframe: Ethernet, IPv4, TCP */
static char seg[SEG];

static void
elided_body(unsigned resent)
{
    handshake();
    xmit(C2S, PSH | ACK, GET, strlen(GET));
    cr_assert_eq(xmit(S2C, PSH | ACK, HEAD_ELIDED, strlen(HEAD_ELIDED)),
                 SIMSW_TO_CTL);
    cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert_eq(phase(), KINDS(ENTRY_FWD, ENTRY_FWD));
    for (unsigned i = 0; i < 1000; i++) {
        cr_assert_eq(xmit(S2C, ACK, seg, sizeof seg), SIMSW_ENTRY);
        if (i % 2) {
            cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_ENTRY);
        }
    }
    T.m.ent[S2C].packets += resent;
    T.m.ent[S2C].bytes += resent * (SEG_HDR + SEG);
}

/* Then the stats sample that finds the body's end: the entries go, and
 * the counters past the end wait for the client's acknowledgment. */
static void
elided_body_then_stats(unsigned resent)
{
    elided_body(resent);
    cr_assert(simsw_stats(&T.m, 1000, 1000), "the sample ends the body");
    cr_assert_eq(T.m.ent[S2C].kind | T.m.ent[C2S].kind, ENTRY_NONE);
    cr_assert_eq(T.m.c->s2c_unacked, resent * SEG, "surplus %u",
                 T.m.c->s2c_unacked);
}

static void
finish(void)
{
    struct conn_env env = ctl_conn_env(T.m.sw);
    conn_finish(T.m.c, &env);
}

/* Found on Open vSwitch (tests/e2e budget_mid, 1 run in 6): retransmitted
 * body segments put the counters past the last elided body's end, and the
 * client closes first.  Its FIN acknowledges the body only (it cannot tell
 * bytes still in flight), so its acknowledgment of the server's FIN is what
 * settles the surplus: the FIN that closes the connection must not commit
 * done, or that ACK passes mirrored in the switch, never seen here, and
 * the connection's end names a false unseen_response_bytes. */
Test(ct, retransmitted_body_settled_by_the_last_ack)
{
    elided_body_then_stats(5);
    cr_assert_eq(xmit(C2S, FIN | ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert_eq(T.m.c->s2c_unacked, 5 * SEG, "a FIN at the body's end "
                 "settles nothing");
    cr_assert_eq(xmit(S2C, FIN | ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert(T.m.c->closed);
    cr_assert_eq(phase(), KINDS(ENTRY_NONE, ENTRY_NONE),
                 "closed, its last ACK still to come here");
    cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_TO_CTL,
                 "the client's ACK of the server's FIN reaches the controller");
    cr_assert_eq(T.m.c->s2c_unacked, 0, "and settles the surplus");
    cr_assert(phase() & MARK_DONE, "then the switch mirrors the rest");
    cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_PHASE);
    finish();
    cr_assert_eq(T.alerts, 0, "alert %s", T.last_alert);
}

/* The same when the server closes first: the client's FIN acknowledges
 * the server's (settled there), the server's last ACK the client's. */
Test(ct, retransmitted_body_server_closes_first)
{
    elided_body_then_stats(5);
    cr_assert_eq(xmit(S2C, FIN | ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert_eq(xmit(C2S, FIN | ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert(T.m.c->closed);
    cr_assert_eq(T.m.c->s2c_unacked, 0);
    cr_assert_eq(xmit(S2C, ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert(phase() & MARK_DONE);
    finish();
    cr_assert_eq(T.alerts, 0, "alert %s", T.last_alert);
}

/* The guarantee stays: a server sends bytes past the body through its
 * entry, and they are still on their way when the client's FIN (the body
 * acknowledged, no more) takes the entries down; the server's FIN after
 * them starts past what the controller saw, and the client's ACK of it
 * names them at once. */
Test(ct, bytes_past_the_last_body_named_by_the_last_ack)
{
    elided_body(0);
    uint32_t body_end = T.nxt[S2C];
    for (unsigned i = 0; i < 3; i++) {
        cr_assert_eq(xmit(S2C, ACK, seg, sizeof seg), SIMSW_ENTRY);
    }
    uint32_t sent = T.nxt[S2C];
    T.nxt[S2C] = body_end;          /* what the client's FIN acknowledges */
    cr_assert_eq(xmit(C2S, FIN | ACK, NULL, 0), SIMSW_TO_CTL);
    T.nxt[S2C] = sent;
    cr_assert_eq(T.m.ent[S2C].kind | T.m.ent[C2S].kind, ENTRY_NONE);
    cr_assert_eq(T.m.c->s2c_unacked, 3 * SEG, "the removal's counters");
    cr_assert_eq(T.alerts, 0);
    cr_assert_eq(xmit(S2C, FIN | ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert(T.m.c->closed);
    cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_TO_CTL);
    cr_assert_eq(T.alerts, 1);
    cr_assert_str_eq(T.last_alert, "unseen_response_bytes");
    cr_assert(phase() & MARK_DONE, "passthrough");
    finish();
    cr_assert_eq(T.alerts, 1, "named once");
}

/* tests/hostile loss_cl_invalid: the server's SYN-ACK was lost and sent
 * again when the client's own timer sent its SYN again; the two crossed,
 * so the server answered the second SYN with an ACK (RFC 9293 3.10.7.4)
 * that, the server's kind being none, reached the controller before any
 * acknowledgment of the client (the handshake's ACK stays in the switch).
 * It holds no stream bytes: the connection is not midstream, and its
 * response is parsed. */
Test(ct, server_ack_before_the_clients_first_ack_is_not_midstream)
{
    handshake();
    T.nxt[C2S]--;
    cr_assert_eq(xmit(C2S, SYN, NULL, 0), SIMSW_TO_CTL, "the SYN again");
    cr_assert_eq(xmit(S2C, ACK, NULL, 0), SIMSW_TO_CTL, "the server's answer");
    cr_assert(!T.m.c->pass, "no passthrough (midstream)");
    cr_assert_eq(T.alerts, 0);
    cr_assert_eq(xmit(C2S, PSH | ACK, GET, strlen(GET)), SIMSW_TO_CTL);
    static const char bad[] = "HTTP/1.1 200 OK\r\nContent-Length: +1200000\r\n\r\n";
    cr_assert_eq(xmit(S2C, PSH | ACK, bad, strlen(bad)), SIMSW_TO_CTL);
    cr_assert_eq(T.alerts, 1);
    cr_assert_str_eq(T.last_alert, "response_framing");
    cr_assert(phase() & MARK_DONE);
}

/* Data from the server before the client acknowledged anything: where
 * the client's stream of it starts is unknown (only the client's
 * acknowledgment says), so the connection stays midstream. */
Test(ct, server_data_before_the_clients_first_ack_is_midstream)
{
    handshake();
    cr_assert_eq(xmit(S2C, PSH | ACK, HEAD_BIG, strlen(HEAD_BIG)), SIMSW_TO_CTL);
    cr_assert(T.m.c->pass);
    cr_assert(phase() & MARK_DONE);
}

Test(ct, syn_with_data_keeps_the_handshake_at_the_controller)
{
    cr_assert_eq(xmit(C2S, SYN, GET, strlen(GET)), SIMSW_TO_CTL);
    cr_assert_eq(phase(), KINDS(ENTRY_NONE, ENTRY_NONE));
    cr_assert_eq(xmit(S2C, SYN | ACK, NULL, 0), SIMSW_TO_CTL,
                 "what the SYN-ACK acknowledges of the SYN's data matters");
}

Test(ct, passthrough_is_the_done_phase)
{
    handshake();
    xmit(C2S, PSH | ACK, GET, strlen(GET));
    static const char bad[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                              "Content-Length: 7\r\n\r\n";
    cr_assert_eq(xmit(S2C, PSH | ACK, bad, strlen(bad)), SIMSW_TO_CTL);
    cr_assert(T.m.c->pass);
    cr_assert(phase() & MARK_DONE);
    cr_assert_eq(xmit(C2S, PSH | ACK, GET, strlen(GET)), SIMSW_PHASE,
                 "nothing more reaches the controller");
}

Test(ct, invalid_syn_ack_notification_makes_passthrough)
{
    cr_assert_eq(xmit(C2S, SYN, NULL, 0), SIMSW_TO_CTL);
    /* The switch's notification (CK_NOTIFY): the SYN-ACK was +inv. */
    static const uint8_t cmac[6] = { 2, 0, 0, 0, 0, 1 };
    static const uint8_t smac[6] = { 2, 0, 0, 0, 0, 2 };
    struct tcpframe f = {
        .src_mac = smac, .dst_mac = cmac, .src_ip = SRV_IP, .dst_ip = CLI_IP,
        .sport = SRV_PORT, .dport = CLI_PORT, .seq = T.nxt[S2C],
        .ack = T.nxt[C2S], .flags = SYN | ACK,
    };
    uint8_t buf[128];
    size_t n = tcpframe_write(buf, &f);
    struct ofp_packet_in_msg pi = {
        .buffer_id = OFP_NO_BUFFER, .total_len = (uint16_t) n,
        .table_id = CT_TABLE, .cookie = CK_NOTIFY, .in_port = SIMSW_SRV_PORT,
        .data = buf, .data_len = n,
    };
    uint32_t po = T.m.po_count;
    ctl_packet_in(T.m.sw, &pi);
    simsw_pump(&T.m);
    cr_assert_eq(T.m.po_count, po, "a notification is not sent again");
    cr_assert(T.m.c->pass);
    cr_assert_str_eq(T.last_alert, "conntrack_full");
}

/* ---- --datapath auto: the probe ---- */

static struct ctl C;

static void
probe_setup(void)
{
    log_verbosity = LOG_ERR;
    struct ctl_cfg cfg = {
        .mode = MODE_ELIDE, .datapath = DP_AUTO, .mirror_port = 3,
        .threshold = 1000000, .http_ports = { 80 }, .n_http_ports = 1,
        .idle_timeout = 10, .stats_interval_ms = 500,
        .probe_interval_ms = 5000, .max_conns = 4, .conn_idle_s = 300,
    };
    cr_assert_eq(ctl_init(&C, &cfg), 0);
}

static void probe_teardown(void) { ctl_fini(&C); }

/* The messages in sw->tx: counts of FLOW_MODs in 'table', the xid of the
 * last FLOW_MOD to PROBE_TABLE and of the last barrier. */
static void
scan(struct sw *sw, unsigned *in_table, uint8_t table, uint32_t *probe,
     uint32_t *barrier)
{
    size_t ofs = 0;
    *in_table = 0;
    while (ofs < buf_avail(&sw->tx)) {
        int len = ofp_frame(buf_head(&sw->tx) + ofs, buf_avail(&sw->tx) - ofs);
        cr_assert_gt(len, 0);
        struct ofp_msg m;
        ofp_msg_init(&m, buf_head(&sw->tx) + ofs, (size_t) len);
        if (m.type == OFPT_FLOW_MOD) {
            struct ofp_flow_mod_msg fm;
            cr_assert_eq(ofp_decode_flow_mod(&m, &fm), 0);
            if (fm.spec.command == OFPFC_ADD && fm.spec.table_id == table) {
                (*in_table)++;
            }
            if (fm.spec.table_id == PROBE_TABLE
                && fm.spec.command == OFPFC_ADD) {
                *probe = m.xid;
            }
        } else if (m.type == OFPT_BARRIER_REQUEST) {
            *barrier = m.xid;
        }
        ofs += (size_t) len;
    }
    buf_clear(&sw->tx);
}

static struct sw *
ready_switch(uint32_t id)
{
    struct sw *sw = sw_new(&C, id, "probe");
    sw->state = SW_READY;
    sw->has_mirror = true;
    ctl_switch_ready(sw);
    return sw;
}

Test(probe, a_refused_ct_rule_means_flows, .init = probe_setup,
     .fini = probe_teardown)
{
    struct sw *sw = ready_switch(1);
    C.sws = sw;
    unsigned n;
    uint32_t probe = 0, barrier = 0;
    scan(sw, &n, CT_TABLE, &probe, &barrier);
    cr_assert(probe && barrier, "a probe rule and its barrier");
    cr_assert_null(sw->rlz, "no realization before the answer");
    /* Open vSwitch without a tracker: NXBAC_CT_DATAPATH_SUPPORT. */
    struct ofp_error e = { .xid = probe, .type = OFPET_EXPERIMENTER };
    ctl_error(sw, &e);
    ctl_barrier_reply(sw, barrier);
    cr_assert_eq(sw->rlz, &realize_flows);
    scan(sw, &n, 0, &probe, &barrier);
    cr_assert_gt(n, 0, "flows.c's base rules in table 0");
}

Test(probe, an_accepted_ct_rule_means_conntrack, .init = probe_setup,
     .fini = probe_teardown)
{
    struct sw *sw = ready_switch(1);
    C.sws = sw;
    unsigned n;
    uint32_t probe = 0, barrier = 0;
    scan(sw, &n, CT_TABLE, &probe, &barrier);
    ctl_barrier_reply(sw, barrier);
    cr_assert_eq(sw->rlz, &realize_ct);
    cr_assert_neq(sw->ct_gen, 0, "generation 0 is never used");
    scan(sw, &n, CT_S2C_TABLE, &probe, &barrier);
    cr_assert_gt(n, 5, "ct.c's rules in table %u (%u)", CT_S2C_TABLE, n);
}

Test(probe, generations_differ_per_session, .init = probe_setup,
     .fini = probe_teardown)
{
    uint8_t g[300];
    for (int i = 0; i < 300; i++) {
        struct sw *sw = ready_switch((uint32_t) i + 1);
        unsigned n;
        uint32_t probe = 0, barrier = 0;
        scan(sw, &n, CT_TABLE, &probe, &barrier);
        ctl_barrier_reply(sw, barrier);
        g[i] = sw->ct_gen;
        cr_assert_neq(g[i], 0);
        if (i) {
            cr_assert_neq(g[i], g[i - 1], "consecutive sessions share a generation");
        }
        sw_free(sw);
    }
}

/* --mirror-budget with the switch's body meter: a mirrored body (between
 * entry_min and the threshold) is a flow entry's, forward then METER_TABLE,
 * and no phase rule: the mark says forward-only for the server's side. */
static const char HEAD_MID[] = "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n";

static void
metered_body(bool meter)
{
    T.m.ctl.cfg.mirror_budget = 8000000;
    T.m.sw->meter_ok = meter;
    T.m.sw->budget.threshold = 1000000;
    handshake();
    xmit(C2S, PSH | ACK, GET, strlen(GET));
    cr_assert_eq(xmit(S2C, PSH | ACK, HEAD_MID, strlen(HEAD_MID)), SIMSW_TO_CTL);
    static char body[1448];
    for (int i = 0; i < 10; i++) {
        cr_assert_eq(xmit(S2C, ACK, body, sizeof body),
                     meter ? SIMSW_ENTRY : SIMSW_PHASE);
        cr_assert_eq(xmit(C2S, ACK, NULL, 0), SIMSW_PHASE);
    }
    cr_assert_eq(T.alerts, 0);
}

Test(ct, budget_meters_a_mirrored_body_on_a_flow_entry)
{
    metered_body(true);
    cr_assert_eq(phase(), KINDS(ENTRY_FWD_MIRROR, ENTRY_FWD));
    cr_assert_eq(T.m.ent[S2C].kind, ENTRY_FWD_MIRROR);
    cr_assert(T.m.ent[S2C].metered, "through METER_TABLE");
    cr_assert_eq(T.m.ent[C2S].kind, ENTRY_NONE, "the client's is the phase's");
    /* The next request: back to the controller, the entry goes. */
    cr_assert_eq(xmit(C2S, PSH | ACK, GET, strlen(GET)), SIMSW_TO_CTL);
    cr_assert_eq(phase(), KINDS(ENTRY_NONE, ENTRY_NONE));
    cr_assert_eq(T.m.ent[S2C].kind, ENTRY_NONE);
    cr_assert_eq(xmit(S2C, PSH | ACK, HEAD_SMALL, strlen(HEAD_SMALL)),
                 SIMSW_TO_CTL);
    cr_assert_eq(T.alerts, 0);
}

Test(ct, budget_without_a_meter_mirrors_in_the_phase)
{
    metered_body(false);
    cr_assert_eq(phase(), KINDS(ENTRY_FWD_MIRROR, ENTRY_FWD_MIRROR));
    cr_assert_eq(T.m.ent[S2C].kind, ENTRY_NONE);
}

Test(ct, budget_flows_datapath_meters_the_server_entry)
{
    simsw_fini(&T.m);
    setup_cfg(DP_FLOWS, 1000000);
    T.m.ctl.cfg.mirror_budget = 8000000;
    T.m.sw->meter_ok = true;
    T.m.sw->budget.threshold = 1000000;
    xmit(C2S, SYN, NULL, 0);
    xmit(S2C, SYN | ACK, NULL, 0);
    xmit(C2S, ACK, NULL, 0);
    xmit(C2S, PSH | ACK, GET, strlen(GET));
    cr_assert_eq(xmit(S2C, PSH | ACK, HEAD_MID, strlen(HEAD_MID)), SIMSW_TO_CTL);
    cr_assert_eq(T.m.ent[S2C].kind, ENTRY_FWD_MIRROR);
    cr_assert(T.m.ent[S2C].metered);
    cr_assert_eq(T.m.ent[C2S].kind, ENTRY_FWD_MIRROR);
    cr_assert(!T.m.ent[C2S].metered, "the client's side is not metered");
    static char body[1448];
    cr_assert_eq(xmit(S2C, ACK, body, sizeof body), SIMSW_ENTRY);
    cr_assert_eq(T.alerts, 0);
}

/* A mirrored body below entry_min goes through the controller (flows.c):
 * its Packet-Out copies get the body meter's rate, those beyond the
 * bucket are not mirrored (sw->bucket_dropped); the segment
 * with the head, and a body below the floor (--threshold-min), always
 * are. */
static unsigned
body_segments(size_t n_bytes)
{
    static char body[1448];
    unsigned mirrored = 0;
    while (n_bytes) {
        size_t n = n_bytes < sizeof body ? n_bytes : sizeof body;
        unsigned before = T.mirrored_pkts;
        cr_assert_eq(xmit(S2C, ACK, body, n), SIMSW_TO_CTL);
        mirrored += T.mirrored_pkts - before;
        xmit(C2S, ACK, NULL, 0);
        n_bytes -= n;
    }
    return mirrored;
}

Test(ct, budget_meters_the_controllers_copies_of_a_body)
{
    static const char head_40k[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n";
    static const char head_10k[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n";
    simsw_fini(&T.m);
    setup_cfg(DP_FLOWS, 1000000);
    T.m.ctl.cfg.mirror_budget = 8000000;
    T.m.ctl.cfg.threshold_min = 16384;
    T.m.sw->meter_ok = true;
    T.m.sw->budget.threshold = 1000000;
    T.m.sw->budget.meter_bps = 100000;      /* burst 32 kbit: two frames */
    time_stop_at(5000);                     /* no refill */
    xmit(C2S, SYN, NULL, 0);
    xmit(S2C, SYN | ACK, NULL, 0);
    xmit(C2S, ACK, NULL, 0);
    xmit(C2S, PSH | ACK, GET, strlen(GET));
    unsigned m = T.mirrored_pkts;
    cr_assert_eq(xmit(S2C, PSH | ACK, head_40k, strlen(head_40k)),
                 SIMSW_TO_CTL);
    cr_assert_eq(T.mirrored_pkts, m + 1, "the head is mirrored");
    cr_assert_eq(T.m.ent[S2C].kind, ENTRY_NONE, "below entry_min");
    cr_assert_eq(body_segments(20 * 1448), 2, "two frames of the bucket");
    cr_assert_eq(T.m.sw->bucket_dropped, 18);
    cr_assert_eq(T.m.sw->meter_passed, 0, "the rest of the load, to the meter");
    time_stop_at(6000);                     /* a second: full again */
    /* 7 frames of 1502 bytes and one of 958: the last fits in what two
     * left */
    cr_assert_eq(body_segments(40000 - 20 * 1448), 3);
    cr_assert_eq(T.m.sw->bucket_dropped, 18 + 5);
    /* Below the floor: every threshold mirrors it, so does the meter. */
    xmit(C2S, PSH | ACK, GET, strlen(GET));
    xmit(S2C, PSH | ACK, head_10k, strlen(head_10k));
    cr_assert_eq(body_segments(10000), 7);
    cr_assert_eq(T.m.sw->bucket_dropped, 23);
    time_stop_at(0);
    cr_assert_eq(T.alerts, 0);
}
