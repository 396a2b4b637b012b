/* The controller.  See controller.h and README.md for the modes. */
#include "controller.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr6.h"
#include "events.h"
#include "l2.h"
#include "log.h"
#include "ofp.h"
#include "pkt.h"
#include "realize.h"
#include "rules.h"
#include "session.h"

#define LINGER_MS 3000              /* closed connections absorb last ACKs */
#define EXPIRE_BUDGET 20000         /* connections looked at per tick */

/* ---- conn.c's events ---- */

static void
on_conn_event(void *aux, const struct conn *c, const struct conn_event *e)
{
    const struct sw *sw = aux;
    ev_conn_event(sw->dpid, sw->name, c, e);
}

struct conn_env
ctl_conn_env(struct sw *sw)
{
    const struct conn_cfg *cc = sw_tracker(sw) ? &sw->ctl->ccfg_ct
                                                       : &sw->ctl->ccfg;
    uint64_t t = sw->ctl->cfg.mirror_budget ? sw->budget.threshold
                                            : cc->threshold;
    return (struct conn_env) { cc, sw->ctl->conn_event, sw, t,
                               sw->ctl->cfg.mirror_budget && sw->meter_ok,
                               sw->ctl->cfg.threshold_min };
}

/* ---- Connections ---- */

/* The session a connection belongs to: alive, or closing (its
 * connections are released while it closes, before it is freed). */
static struct sw *
sw_by_id(struct ctl *ctl, uint32_t id)
{
    for (struct sw *sw = ctl->sws; sw; sw = sw->next) {
        if (sw->id == id) {
            return sw;
        }
    }
    return NULL;
}

/* Ends connection 'slot': what it left unaccounted is reported (to the
 * log of its switch, gone or not), its entries go (unless the switch is
 * gone), then its slot. */
static void
release_connection(struct ctl *ctl, uint32_t slot, const char *why)
{
    struct centry *e = &ctl->conns.ce[slot];
    struct sw *sw = sw_by_id(ctl, e->sw_id);
    if (sw) {
        struct conn_env env = ctl_conn_env(sw);
        conn_finish(&e->c, &env);
        if (sw_alive(sw)) {
            sw->rlz->released(sw, slot);
        }
        ev_conn_close(sw->dpid, &e->c, why);
    }
    conntab_remove(&ctl->conns, slot);
}

/* 'cip', 'sip': IPv4 addresses, or with 'v6' addr6.h handles whose
 * references the connection takes over. */
static uint32_t
add_connection(struct sw *sw, uint32_t scope, uint32_t cip, uint16_t cp,
               uint32_t sip, uint16_t sp)
{
    struct ctl *ctl = sw->ctl;
    if (conntab_full(&ctl->conns)) {
        uint32_t old = conntab_oldest(&ctl->conns) - 1;
        char s[128];
        ev_conn_str(&ctl->conns.ce[old].c, s, sizeof s);
        VLOG_RL(LOG_WARN, "connection table full (%zu): evicting %s",
                ctl->conns.max, s);
        release_connection(ctl, old, "evicted");
    }
    uint32_t slot = conntab_insert(&ctl->conns, sw->id, scope, cip, cp, sip,
                                   sp);
    ctl->conns.ce[slot].ct = sw_tracker(sw);
    ctl->conns.ce[slot].c.proto = (uint8_t) ctl_cfg_port_proto(&ctl->cfg, sp);
    ev_conn_open(sw->dpid, &ctl->conns.ce[slot].c);
    return slot;
}

/* The table's key of the packet's addresses ('to_server': the source is
 * the client).  IPv6: the handles of connections that hold them, or 0
 * (then no connection has them). */
static void
conn_addrs(const struct pkt *p, bool to_server, uint32_t *cip, uint32_t *sip)
{
    const uint8_t *c = to_server ? p->ip_src : p->ip_dst;
    const uint8_t *s = to_server ? p->ip_dst : p->ip_src;
    if (p->ip_version == 6) {
        *cip = addr6_find(c);
        *sip = addr6_find(s);
    } else {
        *cip = get_be32(c);
        *sip = get_be32(s);
    }
}

/* The connection table's scope of a packet (conn_scope()). */
static uint32_t
pkt_scope(const struct pkt *p)
{
    return (p->ip_version == 6 ? CONN_SCOPE_V6 : 0)
           | (p->has_vlan ? 0x1000u | (p->vlan_tci & 0xfffu) : 0);
}

static uint32_t
find_connection(struct sw *sw, const struct pkt *p, bool to_server)
{
    uint32_t cip, sip;
    conn_addrs(p, to_server, &cip, &sip);
    if (p->ip_version == 6 && (!cip || !sip)) {
        return 0;
    }
    return conntab_find(&sw->ctl->conns, sw->id, pkt_scope(p), cip,
                        to_server ? p->sport : p->dport, sip,
                        to_server ? p->dport : p->sport);
}

/* A TCP segment (or the first fragment of one) of a watched connection;
 * 'p' had its checksums verified. */
static void
watched_packet_in(struct sw *sw, uint32_t in_port, bool to_server,
                  const struct pkt *p, const uint8_t *data, size_t len)
{
    struct ctl *ctl = sw->ctl;
    uint16_t cp = to_server ? p->sport : p->dport;
    uint16_t sp = to_server ? p->dport : p->sport;
    enum conn_dir dir = to_server ? C2S : S2C;

    uint32_t idx = find_connection(sw, p, to_server);
    if (idx && !p->ip_frag && conn_new_syn(&ctl->conns.ce[idx - 1].c, dir, p)) {
        /* A new connection on this 4-tuple: the old one is over. */
        release_connection(ctl, idx - 1, "new_syn");
        idx = 0;
    }
    uint32_t slot;
    if (idx) {
        slot = idx - 1;
    } else {
        bool v6 = p->ip_version == 6;
        uint32_t cip, sip;
        if (v6) {
            cip = addr6_ref(to_server ? p->ip_src : p->ip_dst);
            sip = addr6_ref(to_server ? p->ip_dst : p->ip_src);
        } else {
            conn_addrs(p, to_server, &cip, &sip);
        }
        slot = add_connection(sw, pkt_scope(p), cip, cp, sip, sp);
    }
    struct centry *e = &ctl->conns.ce[slot];
    uint16_t ofport = in_port < 0xff00 ? (uint16_t) in_port : 0;
    if (dir == C2S) {
        e->cli_ofport = ofport;
    } else {
        e->srv_ofport = ofport;
    }
    /* The time of the receive, read once per receive, not per packet. */
    conntab_touch(&ctl->conns, slot, (uint32_t) sw->last_rx_ms);

    struct conn_env env = ctl_conn_env(sw);
    struct conn_out out;
    if (p->ip_frag) {
        conn_fragment(&e->c, &env, &out);
    } else if (p->payload_caplen < p->payload_len) {
        conn_cut(&e->c, &env, &out);
    } else {
        conn_packet(&e->c, &env, dir, p, &out);
    }
    sw->rlz->packet(sw, slot, &out, in_port, l2_port(sw->l2, p->eth_dst), p,
                    data, len);
}

/* ct.c's FWD_TABLE had no entry for the destination: the packet was
 * mirrored (or not) by its phase already, so it is only forwarded. */
static void
forward_only(struct sw *sw, uint32_t in_port, const struct pkt *p,
             const uint8_t *data, size_t len)
{
    uint32_t out = 0;
    if (!(p->eth_dst[0] & 1) && (out = l2_port(sw->l2, p->eth_dst))) {
        l2_install_fwd(sw, p->eth_dst, out);
    }
    sw_packet_out(sw, &sw->tx, in_port, out, NULL, 0, data, len);
}

/* ct.c's notification: a server's SYN-ACK the tracker called invalid
 * after the client's SYN was committed (the tracker could not take the
 * connection: full).  The switch forwards and mirrors such a connection's
 * packets (+inv); here it becomes passthrough, with the alert. */
static void
tracker_lost(struct sw *sw, const struct pkt *p)
{
    struct ctl *ctl = sw->ctl;
    uint32_t idx = find_connection(sw, p, false);
    if (!idx) {
        VLOG_RL(LOG_WARN, "%s: the connection tracker called a SYN-ACK "
                "invalid on a connection the controller does not follow (its "
                "SYN was invalid too: the tracker still holds an older "
                "connection on that 4-tuple, or is full); the switch mirrors "
                "it", sw->name);
        return;
    }
    struct centry *e = &ctl->conns.ce[idx - 1];
    if (!e->ct_lost) {
        e->ct_lost = true;
        VLOG_RL(LOG_WARN, "%s: connection tracker full: its connections are "
                "mirrored in full", sw->name);
        struct conn_env env = ctl_conn_env(sw);
        conn_tracker_lost(&e->c, &env);
    }
}

void
ctl_packet_in(struct sw *sw, const struct ofp_packet_in_msg *pi)
{
    const struct ctl_cfg *cfg = &sw->ctl->cfg;
    struct pkt p;
    enum pkt_result pr = pkt_parse(pi->data, pi->data_len, &p);
    if (pr == PKT_INVALID || !(p.layers & PKT_L2)) {
        VLOG_RL(LOG_DBG, "%s: unparsable packet (%s) from port %u dropped",
                sw->name, pkt_result_str(pr), pi->in_port);
        return;
    }
    if (sw->has_mirror && pi->in_port == cfg->mirror_port) {
        return;
    }
    l2_learn(sw, p.eth_src, pi->in_port);
    if (sw_tracker(sw) && pi->table_id != 0) {
        if (pi->table_id == FWD_TABLE) {
            forward_only(sw, pi->in_port, &p, pi->data, pi->data_len);
            return;
        }
        if (pi->cookie == CK_NOTIFY) {
            if (p.layers & PKT_L4 && p.ip_proto == 6) {
                tracker_lost(sw, &p);
            }
            return;
        }
    }
    /* A first fragment has ports: elide mode makes its connection
     * passthrough; later ones go the L2 way (forwarded, mirrored). */
    bool to_server = false;
    if (sw->rlz && sw->has_mirror && p.layers & PKT_L4
        && (p.ip_version == 4 || p.ip_version == 6) && p.ip_proto == 6
        && (!p.ip_frag || cfg->mode == MODE_ELIDE)
        && ((to_server = ctl_cfg_port_proto(cfg, p.dport) >= 0)
            || ctl_cfg_port_proto(cfg, p.sport) >= 0)) {
        if (!cfg->ignore_csum) {
            pkt_verify_csum(pi->data, pi->data_len, &p);
        }
        if (log_verbosity >= LOG_DBG) {
            char a[46], b[46];
            vlog(LOG_DBG, "%s: packet-in table %u port %u %s:%u > %s:%u flags "
                 "0x%02x seq %" PRIu32 " len %u ct_state 0x%02" PRIx32
                 " ct_mark 0x%08" PRIx32, sw->name, pi->table_id, pi->in_port,
                 pkt_ip_str(&p, p.ip_src, a), p.sport,
                 pkt_ip_str(&p, p.ip_dst, b), p.dport, p.tcp_flags, p.tcp_seq,
                 (unsigned) p.payload_len, pi->ct_state, pi->ct_mark);
        }
        watched_packet_in(sw, pi->in_port, to_server, &p, pi->data,
                          pi->data_len);
    } else {
        l2_packet(sw, pi->in_port, &p, pi->data, pi->data_len);
    }
}

void
ctl_flow_removed(struct sw *sw, const struct ofp_flow_removed_msg *fr)
{
    if (sw->rlz) {
        sw->rlz->flow_removed(sw, fr);
    }
}

/* ---- --mirror-budget ---- */

static struct budget_cfg
budget_cfg_of(const struct ctl_cfg *cfg)
{
    return (struct budget_cfg) { .rate_bps = cfg->mirror_budget,
                                 .floor = cfg->threshold_min,
                                 .ceiling = cfg->threshold };
}

/* The mirror port's counters, every --stats-interval. */
static void
poll_mirror_port(struct sw *sw, uint64_t now)
{
    unsigned interval = sw->ctl->cfg.stats_interval_ms;
    if (now - sw->budget_poll_ms < interval) {
        return;
    }
    sw->budget_poll_ms = now;
    sw->n.stats_request++;
    if (sw->meter_ok) {
        /* before the port's: its reply is there when the port's is read */
        ofp_put_meter_stats_request(&sw->tx, sw_next_xid(sw), BODY_METER);
    }
    ofp_put_port_stats_request(&sw->tx, sw_next_xid(sw),
                               sw->ctl->cfg.mirror_port);
}

/* The body meter at 'bps', with budget_burst_bits() of it as its burst. */
static uint32_t
put_meter(struct sw *sw, uint16_t command, uint64_t bps)
{
    uint64_t kbps = bps / 1000;
    uint32_t rate = kbps > UINT32_MAX ? UINT32_MAX : kbps ? (uint32_t) kbps : 1;
    uint64_t kbits = budget_burst_bits((uint64_t) rate * 1000) / 1000;
    uint32_t burst = kbits > UINT32_MAX ? UINT32_MAX : (uint32_t) kbits;
    ofp_put_meter_mod(&sw->tx, sw_next_xid(sw), command, BODY_METER, rate,
                      burst);
    return rate;
}

static void
install_meter(struct sw *sw)
{
    const struct ctl_cfg *cfg = &sw->ctl->cfg;
    /* An earlier session's, if any (an error for an unknown one is fine) */
    sw->meter_del_xid = sw_next_xid(sw);
    ofp_put_meter_mod(&sw->tx, sw->meter_del_xid, OFPMC_DELETE, BODY_METER,
                      0, 0);
    uint32_t rate = put_meter(sw, OFPMC_ADD, sw->budget.meter_bps);
    /* Below the metered rule, the same without the meter: if the switch
     * refuses the meter (and so the rule), bodies are mirrored unmetered,
     * not lost. */
    struct ofp_act mirror = OFP_OUTPUT(cfg->mirror_port);
    struct ofp_flow_mod_spec fm = {
        .cookie = CK_OF_KIND(CK_BASE), .command = OFPFC_ADD,
        .table_id = METER_TABLE, .priority = PRIO_MISS,
        .acts = &mirror, .n_acts = 1,
    };
    sw_flow_mod(sw, &fm);
    fm.priority = PRIO_MISS + 1;
    fm.meter_id = BODY_METER;
    sw_flow_mod(sw, &fm);
    sw->meter_ok = true;
    sw->meter_dropped = sw->meter_passed = sw->bucket_dropped = 0;
    sw->meter_raw_dropped = sw->meter_raw_passed = 0;
    sw->meter_base_xid = 0;
    vlog(LOG_INFO, "%s: mirrored bodies go through meter %u at %" PRIu32
         " kbit/s, what the rest of the mirror's load leaves of the budget",
         sw->name, BODY_METER, rate);
}

void
ctl_meter_features(struct sw *sw, const struct ofp_multipart_reply *r)
{
    struct ofp_meter_features_info f;
    if (!sw->ctl->cfg.mirror_budget || sw->meter_ok) {
        return;
    }
    if (ofp_decode_meter_features(r, &f)) {
        vlog(LOG_WARN, "%s: malformed meter features", sw->name);
        return;
    }
    if (f.max_meter < BODY_METER || !(f.band_types & 1u << OFPMBT_DROP)
        || !(f.capabilities & OFPMF_KBPS) || !f.max_bands) {
        vlog(LOG_WARN, "%s: no kbit/s drop meter (max_meter %" PRIu32
             ", band types 0x%" PRIx32 ", capabilities 0x%" PRIx32 "): "
             "mirrored bodies are not held to --mirror-budget", sw->name,
             f.max_meter, f.band_types, f.capabilities);
        return;
    }
    install_meter(sw);
}

/* The growth of a counter that a MODIFY (or the switch) may have zeroed. */
static uint64_t
grown(uint64_t now, uint64_t before)
{
    return now >= before ? now - before : now;
}

void
ctl_meter_stats(struct sw *sw, const struct ofp_multipart_reply *r,
                uint32_t xid)
{
    struct ofp_meter_stats_entry e;
    size_t ofs = 0;
    int rc;
    while ((rc = ofp_next_meter_stats(r, &ofs, &e)) > 0) {
        if (e.meter_id != BODY_METER) {
            continue;
        }
        uint64_t passed = e.bytes_in > e.band_bytes
                          ? e.bytes_in - e.band_bytes : 0;
        if (xid != sw->meter_base_xid || !xid) {
            sw->meter_dropped += grown(e.band_packets, sw->meter_raw_dropped);
            sw->meter_passed += grown(passed, sw->meter_raw_passed);
        }
        sw->meter_raw_dropped = e.band_packets;
        sw->meter_raw_passed = passed;
    }
    if (rc < 0) {
        vlog(LOG_WARN, "%s: malformed meter statistics (%d)", sw->name, rc);
    }
}

void
ctl_port_stats(struct sw *sw, const struct ofp_multipart_reply *r)
{
    const struct ctl_cfg *cfg = &sw->ctl->cfg;
    if (!cfg->mirror_budget || sw->state != SW_READY) {
        return;
    }
    struct budget_cfg bc = budget_cfg_of(cfg);
    struct ofp_port_stats_entry e;
    size_t ofs = 0;
    int rc;
    while ((rc = ofp_next_port_stats(r, &ofs, &e)) > 0) {
        if (e.port_no != cfg->mirror_port) {
            continue;
        }
        /* The switch's clock (the port's age), not the reply's arrival:
         * replies queued behind Packet-Ins would shorten the interval. */
        uint64_t before = sw->budget.threshold;
        /* The body meter's drops are not the port's: they cost bodies
         * only the bytes beyond their share, never a head.  Lowering the
         * threshold for them elided bodies the meter had room for (on
         * campus at 8 Mbit/s: thresholds of 16Ki-256Ki most of a run, 1.0
         * MB of bodies at the monitor instead of 1.7-2.0 MB). */
        int moved = budget_sample(&sw->budget, &bc, e.duration_ms, e.tx_bytes,
                                  e.tx_dropped, sw->meter_passed);
        if (sw->meter_ok && sw->budget.meter_changed) {
            vlog(LOG_INFO, "%s: body meter at %" PRIu64 " bit/s",
                 sw->name, sw->budget.meter_bps);
            put_meter(sw, OFPMC_MODIFY, sw->budget.meter_bps);
            sw->meter_base_xid = sw_next_xid(sw);
            ofp_put_meter_stats_request(&sw->tx, sw->meter_base_xid,
                                        BODY_METER);
        }
        if (moved) {
            vlog(LOG_INFO, "%s: mirror port at %" PRIu64 " bit/s (budget %"
                 PRIu64 "), %" PRIu64 " dropped: threshold %" PRIu64 " -> %"
                 PRIu64, sw->name, sw->budget.load_bps, cfg->mirror_budget,
                 sw->budget.dropped, before, sw->budget.threshold);
            ev_threshold(sw->dpid, sw->budget.threshold, before,
                         sw->budget.load_bps, cfg->mirror_budget,
                         sw->budget.dropped);
        }
    }
    if (rc < 0) {
        vlog(LOG_WARN, "%s: malformed port statistics (%d)", sw->name, rc);
    }
}

void
ctl_flow_stats(struct sw *sw, const struct ofp_multipart_reply *r)
{
    if (sw->rlz) {
        sw->rlz->flow_stats(sw, r);
    }
}

static void probe_done(struct sw *);

void
ctl_barrier_reply(struct sw *sw, uint32_t xid)
{
    if (sw->probe_barrier && xid == sw->probe_barrier) {
        probe_done(sw);
    } else if (sw->rlz) {
        sw->rlz->barrier_reply(sw, xid);
    }
}

void
ctl_error(struct sw *sw, const struct ofp_error *e)
{
    if (sw->probe_xid && e->xid == sw->probe_xid) {
        sw->probe_refused = true;   /* the probe's barrier reply follows */
    } else if (e->xid == sw->meter_del_xid && sw->meter_del_xid) {
        return;
    } else if (e->type == OFPET_METER_MOD_FAILED
               || (e->xid == sw->meter_xid && sw->meter_xid)) {
        if (sw->meter_ok || e->xid == sw->meter_xid) {
            vlog(LOG_WARN, "%s: the switch refused the body meter%s: "
                 "mirrored bodies are not held to --mirror-budget", sw->name,
                 e->xid == sw->meter_xid ? " (its features request)" : "");
        }
        sw->meter_ok = false;
    } else if (sw->rlz) {
        sw->rlz->error(sw, e);
    }
}

/* ---- Switches ---- */

void
ctl_datapath_claimed(struct ctl *ctl, struct sw *sw, uint64_t dpid)
{
    for (struct sw *o = ctl->sws; o; o = o->next) {
        if (o != sw && sw_alive(o) && o->state >= SW_PORTS && o->dpid == dpid) {
            vlog(LOG_WARN, "%s: new connection from the same datapath, "
                 "closing the old one", o->name);
            sw_close(o, "replaced by a new connection");
        }
    }
}

/* The switch takes rules now that the realization is known ('rlz' NULL:
 * no elision here). */
static void
switch_realized(struct sw *sw, const struct realize *rlz)
{
    const struct ctl_cfg *cfg = &sw->ctl->cfg;
    sw->rlz = rlz;
    if (rlz && rlz->tracker) {
        /* A generation per session, never 0 (mark 0: never committed):
         * marks of an earlier session match none of this one's phases. */
        struct ctl *ctl = sw->ctl;
        ctl->ct_gen = ctl->ct_gen % 255 + 1;
        sw->ct_gen = ctl->ct_gen;
    }
    if (rlz) {
        rlz->install_base(sw);
    }
    sw_barrier(sw);
    vlog(LOG_INFO, "%s: connected, %zu ports, mirror %s, datapath %s", sw->name,
         sw->n_ports, sw->has_mirror ? "present" : "absent",
         rlz ? rlz->name : "none");
    ev_switch_connected(sw->dpid, sw->n_ports, sw->has_mirror, cfg->mode,
                        rlz ? rlz->name : "none");
}

/* The probe's barrier reply: an error came before it, or the switch took
 * the ct rule. */
static void
probe_done(struct sw *sw)
{
    bool refused = sw->probe_refused;
    sw->probe_barrier = sw->probe_xid = 0;
    if (refused && sw->ctl->cfg.datapath == DP_CONNTRACK) {
        vlog(LOG_ERR, "%s: the switch refuses ct rules (--datapath "
             "conntrack)", sw->name);
        sw_close(sw, "no connection tracker (--datapath conntrack)");
        return;
    }
    if (!refused) {
        struct ofp_flow_mod_spec del = {
            .cookie = CK_OF_KIND(CK_BASE), .cookie_mask = CK_KIND_MASK_ALL,
            .table_id = PROBE_TABLE, .command = OFPFC_DELETE,
        };
        sw_flow_mod(sw, &del);
    }
    switch_realized(sw, refused ? &realize_flows : &realize_ct);
}

/* Does the switch take a rule with a ct_state match and a ct action (Open
 * vSwitch with a connection tracker in its datapath)?  One in an unused
 * table, then a barrier: an error before the reply says no. */
static void
probe_ct(struct sw *sw)
{
    struct ofp_act ct = { .kind = OFPACT_CT, .ct_commit = true,
                          .ct_set_mark = true, .ct_table = OFP_CT_NO_TABLE };
    struct ofp_flow_mod_spec fm = {
        .cookie = CK_OF_KIND(CK_BASE), .command = OFPFC_ADD,
        .table_id = PROBE_TABLE,
        .match = { .fields = OFPM_ETH_TYPE | OFPM_CT_STATE, .eth_type = 0x0800,
                   .ct_state = OFP_CS_TRK, .ct_state_mask = OFP_CS_TRK },
        .acts = &ct, .n_acts = 1,
    };
    sw_flow_mod(sw, &fm);
    sw->probe_xid = sw->xid;
    sw->probe_refused = false;
    sw->probe_barrier = sw_barrier(sw);
}

void
ctl_switch_ready(struct sw *sw)
{
    const struct ctl_cfg *cfg = &sw->ctl->cfg;
    struct budget_cfg bc = budget_cfg_of(cfg);
    budget_init(&sw->budget, &bc);
    /* Delete everything in our cookie space: stale entries from an earlier
     * session (or an earlier controller process) would bypass the mirror. */
    struct ofp_flow_mod_spec del = {
        .cookie = CK_PUT(CK_MAGIC, CK_MAGIC_VALUE), .cookie_mask = CK_MASK(CK_MAGIC),
        .table_id = OFPTT_ALL, .command = OFPFC_DELETE,
    };
    sw_flow_mod(sw, &del);

    struct ofp_act to_ctl = OFP_TO_CONTROLLER;
    struct ofp_flow_mod_spec miss = {
        .cookie = CK_OF_KIND(CK_BASE), .command = OFPFC_ADD,
        .priority = PRIO_MISS, .acts = &to_ctl, .n_acts = 1,
    };
    sw_flow_mod(sw, &miss);         /* explicit table-miss (spec 5.4) */

    if (!sw->has_mirror || !ctl_cfg_elides(cfg)) {
        switch_realized(sw, NULL);
        return;
    }
    /* The monitor only listens: nothing it sends enters the network. */
    struct ofp_flow_mod_spec drop = {
        .cookie = CK_OF_KIND(CK_BASE), .command = OFPFC_ADD,
        .priority = PRIO_MIRROR_IN,
        .match = { .fields = OFPM_IN_PORT, .in_port = cfg->mirror_port },
    };
    sw_flow_mod(sw, &drop);
    sw->meter_ok = false;
    if (cfg->mirror_budget) {
        sw->meter_xid = sw_next_xid(sw);
        ofp_put_meter_features_request(&sw->tx, sw->meter_xid);
    }
    if (cfg->mode == MODE_ELIDE_PAPER || cfg->datapath == DP_FLOWS) {
        switch_realized(sw, &realize_flows);
    } else {
        probe_ct(sw);               /* switch_realized() on its reply */
    }
}

void
ctl_switch_closed(struct sw *sw)
{
    /* sw is closing: release_connection reports, and sends nothing. */
    struct conntab *t = &sw->ctl->conns;
    for (size_t i = 0; i < t->used_top; i++) {
        if (t->ce[i].used && t->ce[i].sw_id == sw->id) {
            release_connection(sw->ctl, (uint32_t) i, "switch_disconnected");
        }
    }
}

static void
accept_event(struct loop_handler *lh, uint32_t events)
{
    (void) events;
    struct ctl *ctl = (struct ctl *) ((char *) lh - offsetof(struct ctl, listener));
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lh->fd, (struct sockaddr *) &ss, &sl,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                VLOG_RL(LOG_WARN, "accept: %s", strerror(errno));
            }
            return;
        }
        uint32_t id = ++ctl->next_sw_id ? ctl->next_sw_id : ++ctl->next_sw_id;
        struct sw *sw = sw_open(ctl, id, fd, (struct sockaddr *) &ss, sl);
        if (!sw) {
            close(fd);
            continue;
        }
        sw->next = ctl->sws;
        ctl->sws = sw;
    }
}

/* ---- Timers ---- */

/* Walks the least recently active connections (bounded work per tick):
 * closed ones go after a linger that absorbs the last ACKs, idle ones
 * without entries after conn_idle_s.  One that is still busy behind its
 * entries moves to the back, so it does not block the walk. */
static void
expire_conns(struct ctl *ctl, uint64_t now)
{
    struct conntab *t = &ctl->conns;
    uint64_t idle_ms = (uint64_t) ctl->cfg.conn_idle_s * 1000;
    uint32_t next;
    for (uint32_t idx = conntab_oldest(t), budget = EXPIRE_BUDGET;
         idx && budget; idx = next, budget--) {
        uint32_t i = idx - 1;
        struct centry *e = &t->ce[i];
        next = conntab_newer(t, i);
        uint32_t age = (uint32_t) now - e->last_ms;
        if (age < LINGER_MS) {
            break;
        }
        if (e->c.closed && conn_lingers(&e->c)
            && age < ((uint64_t) ctl->cfg.idle_timeout + 2) * 1000) {
            continue;           /* its entries' removal is coming */
        }
        if (e->c.closed) {
            release_connection(ctl, i, "closed");
        } else if (age >= idle_ms) {
            /* Entries keep it; a tracker's mark does not (it never
             * elides, and it outlives the connection's state here). */
            if (e->ct ? !e->fe : !e->c.entry[C2S] && !e->c.entry[S2C]) {
                release_connection(ctl, i, "idle");
            } else {
                conntab_touch(t, i, (uint32_t) now);
            }
        }
    }
}

void
ctl_tick(void *arg)
{
    struct ctl *ctl = arg;
    uint64_t now = time_ms();
    for (struct sw **pp = &ctl->sws; *pp; ) {
        struct sw *sw = *pp;
        if (!sw_alive(sw)) {
            *pp = sw->next;
            sw_free(sw);
            continue;
        }
        pp = &sw->next;
        if (!sw_probe(sw, now, ctl->cfg.probe_interval_ms)) {
            continue;
        }
        if (sw->rlz) {
            sw->rlz->tick(sw, now);
        }
        if (ctl->cfg.mirror_budget && sw->state == SW_READY
            && sw->has_mirror) {
            poll_mirror_port(sw, now);
        }
        sw_flush(sw);
    }
    if (ctl->elides) {
        expire_conns(ctl, now);
    }
}

/* ---- Start and stop ---- */

static int
listen_on(struct ctl *ctl, const char *host, const char *port)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) {
        vlog(LOG_ERR, "cannot resolve %s:%s: %s", host, port, gai_strerror(rc));
        return EINVAL;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)
        || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64)) {
        int err = errno;
        vlog(LOG_ERR, "cannot listen on %s:%s: %s", host, port, strerror(err));
        if (fd >= 0) {
            close(fd);
        }
        freeaddrinfo(ai);
        return err;
    }
    freeaddrinfo(ai);
    ctl->listener.cb = accept_event;
    ctl->listener.fd = fd;
    int err = loop_add(&ctl->listener, EPOLLIN);
    if (err) {
        vlog(LOG_ERR, "epoll: %s", strerror(err));
        close(fd);
        ctl->listener.fd = -1;
        return err;
    }
    return 0;
}

int
ctl_init(struct ctl *ctl, const struct ctl_cfg *cfg)
{
    memset(ctl, 0, sizeof *ctl);
    ctl->cfg = *cfg;
    ctl->listener.fd = -1;
    ctl->conn_event = on_conn_event;
    ctl->ccfg.threshold = cfg->threshold;
    ctl->ccfg.entry_min = cfg->entry_min;
    ctl->ccfg.paper = cfg->mode == MODE_ELIDE_PAPER;
    ctl->ccfg.enc_mode = cfg->tls_mode;
    /* A phase in a mark costs the switch nothing: entries for every
     * response; the handshake and the teardown stay in the switch. */
    ctl->ccfg_ct = ctl->ccfg;
    ctl->ccfg_ct.entry_min = 0;
    ctl->ccfg_ct.synack_unseen = ctl->ccfg_ct.teardown_in_switch = true;
    /* Generations start anywhere: a restarted controller's first is most
     * likely not its predecessor's last. */
    ctl->ct_gen = (uint8_t) (time_ms() ^ (uint64_t) getpid());
    if (ctl_cfg_elides(cfg)) {
        ctl->elides = true;
        int err = conntab_init(&ctl->conns, cfg->max_conns);
        if (err) {
            vlog(LOG_ERR, "connection table of %zu entries: %s",
                 cfg->max_conns, strerror(err));
            return err;
        }
    }
    return 0;
}

int
ctl_start(struct ctl **ctlp, const struct ctl_cfg *cfg, const char *host,
          const char *port)
{
    struct ctl *ctl = xcalloc(1, sizeof *ctl);
    int err = ctl_init(ctl, cfg);
    if (!err) {
        err = listen_on(ctl, host, port);
    }
    if (err) {
        ctl_stop(ctl);
        return err;
    }
    *ctlp = ctl;
    return 0;
}

void
ctl_stop(struct ctl *ctl)
{
    if (ctl) {
        ctl_fini(ctl);
        free(ctl);
    }
}

void
ctl_fini(struct ctl *ctl)
{
    for (struct sw *sw = ctl->sws; sw; ) {
        struct sw *next = sw->next;
        if (sw_alive(sw)) {
            sw_flush(sw);
            sw_close(sw, "controller exiting");
        }
        sw_free(sw);
        sw = next;
    }
    ctl->sws = NULL;
    conntab_destroy(&ctl->conns);
    if (ctl->listener.fd >= 0) {
        loop_del(&ctl->listener);
        close(ctl->listener.fd);
        ctl->listener.fd = -1;
    }
}
