/* The connection-tracker realization of conn.c's verdicts (realize.h):
 * Open vSwitch's ct() keeps each watched connection's phase in its
 * ct_mark (layout in rules.h), a few wildcard rules act on the phase, and
 * the Packet-Out of the packet that ends a phase commits the next one, so
 * that every packet this one causes (the response to a request) meets the
 * new phase: no Flow-Mod, no barrier, no --settle-ms.  Elided bodies keep
 * per-connection flow entries (flows.c, in CT_TABLE), whose counters are
 * conn.c's overrun check.  Design and measured facts: doc/conntrack/.
 *
 * Table 0:  watched TCP -> ct(table=CT_TABLE); IP fragments (ports 0) ->
 *           controller, as in flows.c.
 * CT_TABLE, by priority:
 *   PRIO_INVALID+1  a server SYN the tracker calls invalid: mirror,
 *                 forward, notify the controller (the SYN's commit did not
 *                 take: tracker full)
 *   PRIO_INVALID  +trk+inv -> mirror, forward (never dropped)
 *   PRIO_DONE     phase done (passthrough, closed) -> mirror, forward
 *   PRIO_WATCH    to the direction's table (CT_C2S_TABLE, CT_S2C_TABLE)
 * A direction's table, by priority:
 *   PRIO_HANDSHAKE  (server) SYN while the client's kind is forward-and-
 *                 mirror (after its SYN) -> mirror, forward
 *   PRIO_TRAP     client PSH/SYN/FIN/RST, server SYN/FIN/RST -> controller
 *   PRIO_PHASE    kind none -> controller; kind forward-and-mirror ->
 *                 mirror, forward (kind forward-only has no rule: the
 *                 elided body's flow entry below acts)
 *   PRIO_CONN     elided bodies' flow entries (forward only, counted)
 *   PRIO_WATCH    everything else (mark 0: a connection this session never
 *                 committed; another generation) -> controller
 * FWD_TABLE: the learning switch's eth_dst entries without mirroring; miss
 *           -> controller (forwarded, not mirrored again). */
#include "realize.h"

#include <inttypes.h>
#include <string.h>

#include "controller.h"
#include "flows.h"
#include "l2.h"
#include "log.h"
#include "pkt.h"
#include "rules.h"
#include "session.h"

static struct centry *
centry_of(struct sw *sw, uint32_t slot)
{
    return &sw->ctl->conns.ce[slot];
}

static uint32_t
gen_bits(const struct sw *sw)
{
    return (uint32_t) sw->ct_gen << MARK_GEN_SHIFT;
}

/* The phase conn.c's state asks for after a verdict.  A connection closed
 * after an elided body stays at the controller (both kinds none) until
 * the peers have acknowledged both FINs: the last ACK settles what the
 * entries counted past the body (retransmissions count again) or names
 * it, as with flows; done would mirror it in the switch, unseen. */
static uint8_t
target_phase(const struct conn *c)
{
    if (c->pass || (c->closed && !conn_awaits_final_acks(c))) {
        return MARK_DONE;
    }
    if (c->closed) {
        return ENTRY_NONE << MARK_KIND_SHIFT(C2S)
               | ENTRY_NONE << MARK_KIND_SHIFT(S2C);
    }
    /* A body mirrored through the meter is a flow entry's (forward, then
     * METER_TABLE), as an elided one is: no phase rule for it. */
    uint8_t s2c = conn_entry_metered(c, S2C, c->entry[S2C]) ? ENTRY_FWD
                                                       : c->entry[S2C];
    return (uint8_t) (c->entry[C2S] << MARK_KIND_SHIFT(C2S)
                      | s2c << MARK_KIND_SHIFT(S2C));
}

/* The entry operations that need flow entries: an elided body's (forward
 * only; conn.c checks their counters) always, forward-and-mirror ones when
 * no packet carries the phase ('commit' false).  A flow entry that a
 * phase replaces goes (its removal reports the counters). */
/* Kinds that flow entries realize (below the phases); the others are in
 * the mark. */
static bool
in_flows(uint8_t kind)
{
    return kind == ENTRY_FWD || kind == ENTRY_FWD_SLICE;
}

static void
entries(struct sw *sw, uint32_t slot, const struct conn_out *out, bool commit)
{
    struct centry *e = centry_of(sw, slot);
    bool deleted = false;
    if (out->ops & CONN_OP_CLOSE && e->fe) {
        flows_delete_all(sw, slot);
        e->fe = 0;
        deleted = true;
    }
    for (int d = C2S; d <= S2C; d++) {
        unsigned bit = 1u << d;
        unsigned del = d == C2S ? CONN_OP_DELETE_C2S : CONN_OP_DELETE_S2C;
        unsigned ins = d == C2S ? CONN_OP_INSTALL_C2S : CONN_OP_INSTALL_S2C;
        bool entry = out->ops & ins
                     && (in_flows(out->kind[d]) || !commit
                         || conn_entry_metered(&e->c, d, out->kind[d]));
        if (e->fe & bit && (out->ops & del || (out->ops & ins && !entry))) {
            flows_delete_dir(sw, slot, (enum conn_dir) d);
            e->fe &= ~bit;
            deleted = true;
        }
        unsigned k = (e->phase & MARK_KIND_MASK(d)) >> MARK_KIND_SHIFT(d);
        if (!entry) {
            continue;
        }
        if (!commit && e->committed && e->phase & MARK_DONE) {
            continue;           /* the phase mirrors all */
        }
        if (!commit && e->committed && !in_flows((uint8_t) k)
            && !conn_entry_metered(&e->c, d, out->kind[d])) {
            /* The committed phase ranks above flow entries and cannot
             * change without a packet: it already mirrors, or it sends
             * the direction here, where a packet will carry the change. */
            if (k != out->kind[d]) {
                conn_entry_not_installed(&e->c, (enum conn_dir) d);
            }
        } else if (flows_install(sw, slot, (enum conn_dir) d, out->kind[d])) {
            e->fe |= bit;
        }
    }
    /* A committed phase ranks above flow entries (PRIO_PHASE, PRIO_DONE >
     * PRIO_CONN): only a deletion without one waits for the barrier. */
    if (out->ops & CONN_OP_HOLD && deleted && !commit) {
        flows_hold(sw, slot);
    }
}

static void
ct_apply(struct sw *sw, uint32_t slot, const struct conn_out *out)
{
    entries(sw, slot, out, false);
}

static void
ct_packet(struct sw *sw, uint32_t slot, const struct conn_out *out,
          uint32_t in_port, uint32_t out_port, const struct pkt *p,
          const uint8_t *data, size_t len)
{
    struct centry *e = centry_of(sw, slot);
    /* A fragment is not tracked as its connection; a segment the receiver
     * discards, or a connection the tracker lost, changes no phase. */
    bool commit = !e->ct_lost && !p->ip_frag && p->csum != PKT_CSUM_BAD;
    entries(sw, slot, out, commit);
    struct ofp_act acts[2];
    size_t n = 0;
    uint8_t phase = target_phase(&e->c);
    if (commit && (!e->committed || phase != e->phase)) {
        acts[n++] = (struct ofp_act) {
            .kind = OFPACT_CT, .ct_commit = true, .ct_set_mark = true,
            .ct_table = OFP_CT_NO_TABLE, .ct_mark = gen_bits(sw) | phase,
        };
        e->phase = phase;
        e->committed = true;
    }
    n += flows_mirror_act(sw, out, len, &acts[n]);
    flows_send(sw, slot, in_port, out_port, acts, n, data, len);
}

static void
ct_released(struct sw *sw, uint32_t slot)
{
    /* Its mark stays with the tracker's connection: it never elides (a
     * kind in a mark is none or forward-and-mirror), so a packet that
     * comes later finds passthrough or a new connection here. */
    if (centry_of(sw, slot)->fe) {
        flows_delete_all(sw, slot);
    }
}

/* ---- Base rules ---- */

static void
add_rule(struct sw *sw, uint8_t table, uint16_t prio, uint64_t cookie,
         const struct ofp_match_spec *m, const struct ofp_act *acts,
         size_t n_acts, bool forward)
{
    struct ofp_flow_mod_spec fm = {
        .cookie = cookie, .command = OFPFC_ADD, .table_id = table,
        .priority = prio, .match = *m, .acts = acts, .n_acts = n_acts,
        .goto_table = forward ? FWD_TABLE : 0,
    };
    sw_flow_mod(sw, &fm);
}

/* The base rules of one family (eth_type 0x0800 or 0x86dd); the table-
 * miss rules are the same for both (an identical add replaces). */
static void
ct_base_family(struct sw *sw, uint16_t eth_type)
{
    const struct ctl_cfg *cfg = &sw->ctl->cfg;
    uint64_t ck = CK_OF_KIND(CK_BASE);
    struct ofp_act to_ctl = OFP_TO_CONTROLLER;
    struct ofp_act mirror = OFP_OUTPUT(cfg->mirror_port);
    struct ofp_act to_ct = { .kind = OFPACT_CT, .ct_table = CT_TABLE };
    struct ofp_act notify[2] = { OFP_OUTPUT(cfg->mirror_port), OFP_TO_CONTROLLER };
    uint32_t gen = gen_bits(sw);
    const struct ofp_match_spec tcp = {
        .fields = OFPM_ETH_TYPE | OFPM_IP_PROTO, .eth_type = eth_type,
        .ip_proto = 6,
    };
    struct ofp_match_spec m;

    /* IP fragments: see flows.c. */
    m = tcp;
    m.fields |= OFPM_TCP_SRC | OFPM_TCP_DST;
    add_rule(sw, 0, PRIO_TRAP, ck, &m, &to_ctl, 1, false);

    /* CT_TABLE: invalid packets, whatever their phase; phase done. */
    m = tcp;
    m.fields |= OFPM_CT_STATE;
    m.ct_state = m.ct_state_mask = OFP_CS_TRK | OFP_CS_INV;
    add_rule(sw, CT_TABLE, PRIO_INVALID, ck, &m, &mirror, 1, true);
    m = tcp;
    m.fields |= OFPM_CT_MARK;
    m.ct_mark = gen | MARK_DONE;
    m.ct_mark_mask = MARK_GEN_MASK | MARK_DONE;
    add_rule(sw, CT_TABLE, PRIO_DONE, ck, &m, &mirror, 1, true);

    struct ctl_watch wl[CTL_MAX_WATCH];
    size_t nw = ctl_cfg_watch_list(cfg, wl);
    for (size_t i = 0; i < nw; i++) {
        for (int side = C2S; side <= S2C; side++) {
            struct ofp_match_spec w = tcp;
            w.fields |= side == C2S ? OFPM_TCP_DST : OFPM_TCP_SRC;
            w.tp_src = w.tp_dst = wl[i].port;
            add_rule(sw, 0, PRIO_WATCH, ck, &w, &to_ct, 1, false);
            struct ofp_flow_mod_spec fm = {
                .cookie = ck, .command = OFPFC_ADD, .table_id = CT_TABLE,
                .priority = PRIO_WATCH, .match = w,
                .goto_table = side == C2S ? CT_C2S_TABLE : CT_S2C_TABLE,
            };
            sw_flow_mod(sw, &fm);
            if (side == S2C) {
                /* A SYN-ACK the tracker calls invalid: the client's SYN
                 * was committed, so the tracker could not keep it. */
                m = w;
                m.fields |= OFPM_TCP_FLAGS | OFPM_CT_STATE;
                m.tcp_flags = m.tcp_flags_mask = TCP_SYN;
                m.ct_state = m.ct_state_mask = OFP_CS_TRK | OFP_CS_INV;
                add_rule(sw, CT_TABLE, PRIO_INVALID + 1, CK_NOTIFY, &m,
                         notify, 2, true);
            }
        }
    }
    add_rule(sw, CT_TABLE, PRIO_MISS, ck, &(struct ofp_match_spec) { 0 },
             &to_ctl, 1, false);

    /* Each direction's table: traps, phases, then (PRIO_CONN) elided
     * bodies' entries, then the controller. */
    static const uint16_t traps[] = { TCP_PSH, TCP_SYN, TCP_FIN, TCP_RST };
    for (int side = C2S; side <= S2C; side++) {
        uint8_t table = side == C2S ? CT_C2S_TABLE : CT_S2C_TABLE;
        m = tcp;
        m.fields |= OFPM_TCP_FLAGS;
        for (size_t k = 1; k < 4; k++) {
            m.tcp_flags = m.tcp_flags_mask = traps[k];
            add_rule(sw, table, PRIO_TRAP, ck, &m, &to_ctl, 1, false);
        }
        /* The client's PSH on HTTP ports only (TLS and SSH entries carry
         * encrypted bytes either way). */
        for (size_t i = 0; i < nw && side == C2S; i++) {
            if (wl[i].proto == PROTO_HTTP) {
                m.fields |= OFPM_TCP_DST;
                m.tp_dst = wl[i].port;
                m.tcp_flags = m.tcp_flags_mask = TCP_PSH;
                add_rule(sw, table, PRIO_TRAP, ck, &m, &to_ctl, 1, false);
                m.fields &= ~(uint32_t) OFPM_TCP_DST;
            }
        }
        if (side == S2C) {
            /* The SYN-ACK after the client's SYN: conn.c takes its ISN
             * from the client's acknowledgment (synack_unseen). */
            m.fields |= OFPM_CT_MARK;
            m.tcp_flags = m.tcp_flags_mask = TCP_SYN;
            m.ct_mark = gen | ENTRY_FWD_MIRROR << MARK_KIND_SHIFT(C2S);
            m.ct_mark_mask = MARK_GEN_MASK | MARK_KIND_MASK(C2S);
            add_rule(sw, table, PRIO_HANDSHAKE, ck, &m, &mirror, 1, true);
        }
        /* Phases: kind none -> controller, forward-and-mirror -> mirror
         * and forward. */
        m = tcp;
        m.fields |= OFPM_CT_MARK;
        m.ct_mark_mask = MARK_GEN_MASK | MARK_DONE | MARK_KIND_MASK(side);
        m.ct_mark = gen | ENTRY_NONE << MARK_KIND_SHIFT(side);
        add_rule(sw, table, PRIO_PHASE, ck, &m, &to_ctl, 1, false);
        m.ct_mark = gen | ENTRY_FWD_MIRROR << MARK_KIND_SHIFT(side);
        add_rule(sw, table, PRIO_PHASE, ck, &m, &mirror, 1, true);
        add_rule(sw, table, PRIO_WATCH, ck, &tcp, &to_ctl, 1, false);
        add_rule(sw, table, PRIO_MISS, ck, &(struct ofp_match_spec) { 0 },
                 &to_ctl, 1, false);
    }
    add_rule(sw, FWD_TABLE, PRIO_MISS, ck, &(struct ofp_match_spec) { 0 },
             &to_ctl, 1, false);
}

static void
ct_install_base(struct sw *sw)
{
    ct_base_family(sw, 0x0800);
    ct_base_family(sw, 0x86dd);
}

const struct realize realize_ct = {
    .name = "conntrack",
    .table = { CT_C2S_TABLE, CT_S2C_TABLE }, .any_table = OFPTT_ALL,
    .tracker = true,
    .install_base = ct_install_base,
    .packet = ct_packet,
    .apply = ct_apply,
    .released = ct_released,
    .barrier_reply = flows_barrier_reply,
    .flow_removed = flows_flow_removed,
    .flow_stats = flows_flow_stats,
    .error = flows_error,
    .tick = flows_tick,
};
