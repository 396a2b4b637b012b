/* The flow-entry realization of conn.c's verdicts.  See flows.h and
 * realize.h. */
#include "flows.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "addr6.h"
#include "controller.h"
#include "log.h"
#include "pkt.h"
#include "realize.h"
#include "rules.h"
#include "session.h"

#define HELD_LIMIT 65536            /* Packet-Outs waiting for barriers */

struct flows_held {                 /* a Packet-Out waiting for a barrier */
    uint32_t xid;
    uint64_t release_ms;            /* 0 until the barrier reply came */
    uint32_t centry;                /* connection slot + 1, 0 if none */
    uint16_t gen;                   /* its centry.gen: the slot may be reused */
    struct buf msg;
};

void
flows_sw_init(struct flows_sw *f, uint64_t now)
{
    memset(f, 0, sizeof *f);
    f->last_poll_ms = now;
    buf_init(&f->scratch);
}

void
flows_sw_free(struct flows_sw *f)
{
    for (size_t i = 0; i < f->n_held; i++) {
        buf_free(&f->held[i].msg);
    }
    free(f->held);
    buf_free(&f->scratch);
}

static struct centry *
centry_of(struct sw *sw, uint32_t slot)
{
    return &sw->ctl->conns.ce[slot];
}

/* ---- Entries ---- */

/* One direction of a connection, as its entries match it. */
static struct ofp_match_spec
entry_match(const struct conn *c, enum conn_dir dir)
{
    struct ofp_match_spec m = {
        .fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_IPV4_SRC
                  | OFPM_IPV4_DST | OFPM_TCP_SRC | OFPM_TCP_DST,
        .eth_type = 0x0800, .ip_proto = 6,
        .ipv4_src = dir == C2S ? c->cli_ip : c->srv_ip,
        .ipv4_dst = dir == C2S ? c->srv_ip : c->cli_ip,
        .tp_src = dir == C2S ? c->cli_port : c->srv_port,
        .tp_dst = dir == C2S ? c->srv_port : c->cli_port,
    };
    if (c->vlan) {
        m.fields |= OFPM_VLAN_VID;
        m.vlan_vid = c->vlan;
    }
    if (c->v6) {
        m.fields ^= OFPM_IPV4_SRC | OFPM_IPV4_DST | OFPM_IPV6_SRC
                    | OFPM_IPV6_DST;
        m.eth_type = 0x86dd;
        m.ipv4_src = m.ipv4_dst = 0;
        memcpy(m.ipv6_src, addr6_get(dir == C2S ? c->cli_ip : c->srv_ip), 16);
        memcpy(m.ipv6_dst, addr6_get(dir == C2S ? c->srv_ip : c->cli_ip), 16);
    }
    return m;
}

bool
flows_install(struct sw *sw, uint32_t slot, enum conn_dir dir, uint8_t kind)
{
    struct centry *e = centry_of(sw, slot);
    uint32_t out = dir == S2C ? e->cli_ofport : e->srv_ofport;
    if (!out) {
        conn_entry_not_installed(&e->c, dir);  /* port not known yet */
        return false;
    }
    e->installed = true;
    unsigned eseq = centry_next_eseq(e, dir);
    /* Its removal's counters are checked (conn_entry_removed()). */
    bool elides = kind == ENTRY_FWD || kind == ENTRY_FWD_SLICE;
    uint32_t mp = sw->ctl->cfg.mirror_port;
    struct ofp_act acts[2] = {
        OFP_OUTPUT(out),
        kind == ENTRY_FWD_SLICE ? OFP_OUTPUT_TRUNC(mp, conn_slice_len(&e->c, dir))
                                : OFP_OUTPUT(mp),
    };
    /* A body mirrored under --mirror-budget: forward here, the copy
     * through the meter (METER_TABLE). */
    bool metered = conn_entry_metered(&e->c, dir, kind) && sw->meter_ok;
    struct ofp_flow_mod_spec fm = {
        .cookie = conntab_cookie(&sw->ctl->conns, slot)
                  | CK_PUT(CK_DIR, dir == S2C) | CK_PUT(CK_ELIDE, elides)
                  | CK_PUT(CK_ESEQ, eseq),
        .table_id = sw->rlz->table[dir], .command = OFPFC_ADD,
        .idle_timeout = (uint16_t) sw->ctl->cfg.idle_timeout,
        .priority = PRIO_CONN, .flags = OFPFF_SEND_FLOW_REM,
        .match = entry_match(&e->c, dir),
        .acts = acts, .n_acts = kind == ENTRY_FWD || metered ? 1 : 2,
        .goto_table = metered ? METER_TABLE : 0,
    };
    sw_flow_mod(sw, &fm);
    return true;
}

void
flows_delete_dir(struct sw *sw, uint32_t slot, enum conn_dir dir)
{
    struct ofp_flow_mod_spec fm = {
        .command = OFPFC_DELETE_STRICT, .priority = PRIO_CONN,
        .table_id = sw->rlz->table[dir],
        .match = entry_match(&centry_of(sw, slot)->c, dir),
    };
    sw_flow_mod(sw, &fm);
}

void
flows_delete_all(struct sw *sw, uint32_t slot)
{
    struct ofp_flow_mod_spec fm = {
        .cookie = conntab_cookie(&sw->ctl->conns, slot),
        .cookie_mask = CK_KIND_MASK_ALL | CK_MASK(CK_GEN) | CK_MASK(CK_SLOT),
        .table_id = sw->rlz->any_table, .command = OFPFC_DELETE,
    };
    sw_flow_mod(sw, &fm);
}

/* ---- Barriers and held packets ---- */

static void release_held(struct sw *, uint64_t now);

/* Messages sent to 'sw' since 'xid' (ours grow by one per message, modulo
 * 2^32).  Comparing ages rather than signed xid differences stays right
 * across the wrap for xids up to 2^32 messages old, not 2^31: the newest
 * barrier reply can be old when no connection held for long. */
static uint32_t
xid_age(const struct sw *sw, uint32_t xid)
{
    return sw->xid - xid;
}

/* The connection a held packet belongs to, or NULL: none, or its slot was
 * released (and perhaps reused) while the packet waited. */
static struct centry *
held_conn(struct sw *sw, const struct flows_held *h)
{
    if (!h->centry) {
        return NULL;
    }
    struct centry *e = centry_of(sw, h->centry - 1);
    return e->used && e->gen == h->gen && e->sw_id == sw->id ? e : NULL;
}

static void
hold(struct sw *sw, uint32_t xid, uint32_t slot, const struct buf *msg)
{
    struct flows_sw *f = &sw->flows;
    if (f->n_held == HELD_LIMIT) {
        /* A switch that never answers barriers must not grow us. */
        sw_close(sw, "too many packets held for barrier replies");
        return;
    }
    if (f->n_held == f->cap_held) {
        f->cap_held = f->cap_held ? 2 * f->cap_held : 16;
        f->held = xrealloc(f->held, f->cap_held * sizeof *f->held);
    }
    struct flows_held *h = &f->held[f->n_held++];
    h->xid = xid;
    h->centry = slot + 1;
    h->gen = centry_of(sw, slot)->gen;
    /* A packet of a connection whose barrier was answered already (in the
     * same read, or during --settle-ms) waits for no further reply: it
     * gets that reply's release time, or no reply might ever release it
     * and, release being in order, everything held after it. */
    h->release_ms = f->barrier_seen
                    && xid_age(sw, xid) >= xid_age(sw, f->barrier_xid)
                    ? f->barrier_release_ms : 0;
    buf_init(&h->msg);
    buf_put(&h->msg, buf_head(msg), buf_avail(msg));
    if (h->release_ms) {
        /* Due already (--settle-ms 0, or the window is over): out now if
         * nothing before it waits, not at the next tick. */
        release_held(sw, time_ms());
    }
}

/* Sends the held packets that are due, in order: nothing overtakes a
 * packet still held.  Asks for a wake-up when the first one left is due. */
static void
release_held(struct sw *sw, uint64_t now)
{
    struct flows_sw *f = &sw->flows;
    size_t j = 0;
    while (j < f->n_held && f->held[j].release_ms
           && f->held[j].release_ms <= now) {
        struct flows_held *h = &f->held[j++];
        buf_put(&sw->tx, buf_head(&h->msg), buf_avail(&h->msg));
        buf_free(&h->msg);
        struct centry *e = held_conn(sw, h);
        if (e && e->hold_xid == h->xid) {
            e->hold_xid = 0;
        }
    }
    if (j) {
        f->n_held -= j;
        memmove(f->held, f->held + j, f->n_held * sizeof *f->held);
        /* A connection cleared above whose packets still wait (behind
         * another connection's) holds on: a packet sent directly would
         * overtake them. */
        for (size_t k = 0; k < f->n_held; k++) {
            struct centry *e = held_conn(sw, &f->held[k]);
            if (e && !e->hold_xid) {
                e->hold_xid = f->held[k].xid;
            }
        }
    }
    if (f->n_held && f->held[0].release_ms) {
        loop_wake_at(f->held[0].release_ms);
    }
}

/* The barrier reply 'xid' confirms everything sent before it, the
 * deletions included (a switch answers barriers in order).  Open vSwitch
 * applies deletions to its datapath flow cache asynchronously
 * (revalidation), so the held packets go out --settle-ms later. */
void
flows_barrier_reply(struct sw *sw, uint32_t xid)
{
    struct flows_sw *f = &sw->flows;
    if (xid_age(sw, xid) >= 1u << 31) {
        /* Most likely ahead of sw->xid: remembered, it would confirm
         * barriers not sent yet. */
        VLOG_RL(LOG_WARN, "%s: barrier reply xid 0x%08" PRIx32 " answers no "
                "request sent, ignored", sw->name, xid);
        return;
    }
    /* Remembered even when nothing is held: a connection may hold (a
     * barrier for deletions a flow removal or stats reply caused) before
     * any of its packets comes. */
    uint64_t now = time_ms(), at = now + sw->ctl->cfg.settle_ms;
    if (!f->barrier_seen || xid_age(sw, xid) < xid_age(sw, f->barrier_xid)) {
        f->barrier_seen = true;
        f->barrier_xid = xid;
        f->barrier_release_ms = at;
    }
    for (size_t j = 0; j < f->n_held; j++) {
        struct flows_held *h = &f->held[j];
        if (!h->release_ms && xid_age(sw, h->xid) >= xid_age(sw, xid)) {
            h->release_ms = at;
        }
    }
    /* With --settle-ms 0 they go out now; else it asks for the wake-up. */
    release_held(sw, now);
}

/* ---- Verdicts ---- */

/* Later packets of connection 'slot' wait for a barrier (CONN_OP_HOLD):
 * a new one when the one they waited for already confirmed older
 * deletions, not these. */
void
flows_hold(struct sw *sw, uint32_t slot)
{
    struct centry *e = centry_of(sw, slot);
    struct flows_sw *f = &sw->flows;
    if (!e->hold_xid
        || (f->barrier_seen
            && xid_age(sw, e->hold_xid) >= xid_age(sw, f->barrier_xid))) {
        e->hold_xid = sw_barrier(sw);
    }
}

/* Carries out a verdict's entry operations for connection 'slot': the one
 * place that turns conn.c's ops into messages, whatever produced them (a
 * packet, a stats sample, an entry's removal). */
static void
apply(struct sw *sw, uint32_t slot, const struct conn_out *out)
{
    struct centry *e = centry_of(sw, slot);
    if (out->ops & CONN_OP_CLOSE && e->installed) {
        flows_delete_all(sw, slot);
    }
    if (out->ops & CONN_OP_DELETE_S2C) {
        flows_delete_dir(sw, slot, S2C);
    }
    if (out->ops & CONN_OP_DELETE_C2S) {
        flows_delete_dir(sw, slot, C2S);
    }
    if (out->ops & CONN_OP_INSTALL_S2C) {
        flows_install(sw, slot, S2C, out->kind[S2C]);
    }
    if (out->ops & CONN_OP_INSTALL_C2S) {
        flows_install(sw, slot, C2S, out->kind[C2S]);
    }
    if (out->ops & CONN_OP_HOLD) {
        flows_hold(sw, slot);
    }
}

void
flows_send(struct sw *sw, uint32_t slot, uint32_t in_port, uint32_t out_port,
           const struct ofp_act *acts, size_t n_acts, const uint8_t *data,
           size_t len)
{
    struct centry *e = centry_of(sw, slot);
    if (e->hold_xid) {
        struct buf *b = &sw->flows.scratch;
        buf_clear(b);
        sw_packet_out(sw, b, in_port, out_port, acts, n_acts, data, len);
        hold(sw, e->hold_xid, slot, b);
    } else {
        sw_packet_out(sw, &sw->tx, in_port, out_port, acts, n_acts, data, len);
    }
}

size_t
flows_mirror_act(struct sw *sw, const struct conn_out *out, size_t len,
                 struct ofp_act *a)
{
    uint32_t mirror_port = sw->ctl->cfg.mirror_port;
    if (out->metered) {
        /* The switch's meter drops the excess of the bodies its entries
         * mirror; this is the same for the copies sent from here. */
        if (!budget_take(&sw->budget, time_us(), len)) {
            sw->bucket_dropped++;
            return 0;
        }
        /* What passes is the rest of the mirror's load for the switch's
         * meter (budget.h): the two share the body's part of the budget. */
    }
    if (out->mirror_len == MIRROR_FULL || out->mirror_len >= len) {
        *a = OFP_OUTPUT(mirror_port);
        return 1;
    }
    if (out->mirror_len) {
        *a = OFP_OUTPUT_TRUNC(mirror_port, out->mirror_len);
        return 1;
    }
    return 0;
}

static void
flows_packet(struct sw *sw, uint32_t slot, const struct conn_out *out,
             uint32_t in_port, uint32_t out_port, const struct pkt *p,
             const uint8_t *data, size_t len)
{
    (void) p;
    apply(sw, slot, out);
    struct ofp_act mirror[1];
    size_t nm = flows_mirror_act(sw, out, len, mirror);
    flows_send(sw, slot, in_port, out_port, mirror, nm, data, len);
}

static void
flows_released(struct sw *sw, uint32_t slot)
{
    struct centry *e = centry_of(sw, slot);
    if (e->c.entry[C2S] || e->c.entry[S2C]) {
        flows_delete_all(sw, slot);
    }
}

/* ---- Reports of the switch ---- */

void
flows_flow_removed(struct sw *sw, const struct ofp_flow_removed_msg *fr)
{
    struct centry *e = conntab_by_cookie(&sw->ctl->conns, sw->id, fr->cookie);
    if (!e) {
        return;
    }
    enum conn_dir dir = CK_GET(CK_DIR, fr->cookie) ? S2C : C2S;
    static const char *const reasons[] = {
        "idle_timeout", "hard_timeout", "delete", "group_delete",
        "meter_delete", "eviction",
    };
    const char *why = fr->reason < 6 ? reasons[fr->reason] : "unknown";
    struct conn_env env = ctl_conn_env(sw);
    struct conn_out out;
    conn_entry_removed(&e->c, &env, dir, CK_GET(CK_ELIDE, fr->cookie),
                       CK_GET(CK_ESEQ, fr->cookie) == centry_eseq(e, dir), why,
                       fr->packet_count, fr->byte_count, &out);
    sw->rlz->apply(sw, conntab_slot(&sw->ctl->conns, e), &out);
}

void
flows_flow_stats(struct sw *sw, const struct ofp_multipart_reply *r)
{
    size_t ofs = 0;
    struct ofp_flow_stats_entry fs;
    int rc;
    uint64_t now = time_ms();
    while ((rc = ofp_next_flow_stats(r, &ofs, &fs)) > 0) {
        uint64_t ck = fs.cookie;
        struct centry *e = conntab_by_cookie(&sw->ctl->conns, sw->id, ck);
        if (!e || !CK_GET(CK_DIR, ck) || !CK_GET(CK_ELIDE, ck)
            || CK_GET(CK_ESEQ, ck) != centry_eseq(e, S2C)) {
            continue;
        }
        struct conn_env env = ctl_conn_env(sw);
        struct conn_out out;
        conn_stats(&e->c, &env, fs.packet_count, fs.byte_count, now,
                   sw->ctl->cfg.stats_interval_ms, &out);
        sw->rlz->apply(sw, conntab_slot(&sw->ctl->conns, e), &out);
    }
    if (rc < 0) {
        VLOG_RL(LOG_WARN, "%s: bad flow stats reply: %s", sw->name,
                ofp_dec_str(rc));
    }
    if (!(r->flags & OFPMPF_MORE)) {
        sw->flows.stats_xid = 0;
    }
}

/* A FLOW_MOD the switch refused for lack of room: the error carries the
 * start of our request (spec 7.5.4), hence its cookie.  The connection
 * falls back to mirroring everything through the controller. */
void
flows_error(struct sw *sw, const struct ofp_error *e)
{
    if (e->type != OFPET_FLOW_MOD_FAILED || e->code != OFPFMFC_TABLE_FULL
        || e->data_len < OFS(ofp_flow_mod, cookie_mask)
        || e->data[1] != OFPT_FLOW_MOD) {
        return;
    }
    uint64_t ck = get_be64(e->data + OFS(ofp_flow_mod, cookie));
    struct centry *ce = conntab_by_cookie(&sw->ctl->conns, sw->id, ck);
    if (!ce) {
        return;
    }
    struct conn_env env = ctl_conn_env(sw);
    conn_table_full(&ce->c, &env);
    flows_delete_all(sw, conntab_slot(&sw->ctl->conns, ce));  /* what got in */
}

/* ---- Base rules and timers ---- */

/* The base rules of one family (eth_type 0x0800 or 0x86dd). */
static void
install_base_family(struct sw *sw, uint16_t eth_type)
{
    const struct ctl_cfg *cfg = &sw->ctl->cfg;
    struct ofp_act to_ctl = OFP_TO_CONTROLLER;
    struct ofp_flow_mod_spec fm = {
        .cookie = CK_OF_KIND(CK_BASE), .command = OFPFC_ADD,
        .acts = &to_ctl, .n_acts = 1,
        .match = { .eth_type = eth_type, .ip_proto = 6 },
    };
    static const uint16_t c2s_traps[] = { TCP_PSH, TCP_SYN, TCP_FIN, TCP_RST };
    struct ctl_watch w[CTL_MAX_WATCH];
    size_t nw = ctl_cfg_watch_list(cfg, w);
    for (size_t i = 0; i < nw; i++) {
        for (int side = 0; side < 2; side++) {
            uint32_t tp = side ? OFPM_TCP_SRC : OFPM_TCP_DST;
            fm.priority = PRIO_WATCH;
            fm.match.fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | tp;
            fm.match.tp_src = fm.match.tp_dst = w[i].port;
            sw_flow_mod(sw, &fm);
            if (cfg->mode != MODE_ELIDE) {
                continue;
            }
            /* Packets that may carry a request, and every SYN, FIN and
             * RST, always reach the controller, above connection entries.
             * Server PSH is not trapped: body segments carry it too; nor
             * is PSH on TLS and SSH ports, whose entries carry encrypted
             * bytes either way. */
            fm.priority = PRIO_TRAP;
            fm.match.fields |= OFPM_TCP_FLAGS;
            size_t k0 = side || w[i].proto != PROTO_HTTP ? 1 : 0;
            for (size_t k = k0; k < 4; k++) {
                fm.match.tcp_flags = fm.match.tcp_flags_mask = c2s_traps[k];
                sw_flow_mod(sw, &fm);
            }
        }
    }
    if (cfg->mode == MODE_ELIDE) {
        /* IP fragments: a switch looks them up with TCP ports 0 (OpenFlow
         * 1.0 figure 3, which Open vSwitch keeps for every version in its
         * "normal" fragment handling, IPv6 too), so no connection entry
         * matches them; they come here, where a first fragment makes its
         * connection passthrough (conn_fragment()). */
        fm.priority = PRIO_TRAP;
        fm.match.fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_TCP_SRC
                          | OFPM_TCP_DST;
        fm.match.tp_src = fm.match.tp_dst = 0;
        sw_flow_mod(sw, &fm);
    }
}

static void
flows_install_base(struct sw *sw)
{
    install_base_family(sw, 0x0800);
    install_base_family(sw, 0x86dd);
}

/* Elided bodies' counters: one flow-stats request for every forwarding-
 * only server entry, every --stats-interval. */
static void
poll_stats(struct sw *sw, uint64_t now)
{
    struct flows_sw *f = &sw->flows;
    unsigned interval = sw->ctl->cfg.stats_interval_ms;
    if (now - f->last_poll_ms < interval) {
        return;
    }
    if (f->stats_xid && now - f->last_poll_ms < 10ull * interval) {
        return;     /* the previous reply is still coming */
    }
    f->last_poll_ms = now;
    f->stats_xid = sw_next_xid(sw);
    uint64_t ck = CK_OF_KIND(CK_CONN) | CK_PUT(CK_DIR, 1) | CK_PUT(CK_ELIDE, 1);
    sw->n.stats_request++;
    ofp_put_flow_stats_request(&sw->tx, f->stats_xid, sw->rlz->table[S2C], ck,
                               CK_KIND_MASK_ALL | CK_MASK(CK_DIR)
                               | CK_MASK(CK_ELIDE));
}

void
flows_tick(struct sw *sw, uint64_t now)
{
    if (sw->flows.n_held) {
        release_held(sw, now);
    }
    if (sw->state == SW_READY && sw->has_mirror) {
        poll_stats(sw, now);
    }
}

const struct realize realize_flows = {
    .name = "flows",
    .table = { 0, 0 }, .any_table = 0,
    .install_base = flows_install_base,
    .packet = flows_packet,
    .apply = apply,
    .released = flows_released,
    .barrier_reply = flows_barrier_reply,
    .flow_removed = flows_flow_removed,
    .flow_stats = flows_flow_stats,
    .error = flows_error,
    .tick = flows_tick,
};
