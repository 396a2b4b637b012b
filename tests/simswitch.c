/* A model OpenFlow switch around the controller's own code.  See
 * simswitch.h. */
#include "simswitch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pkt.h"
#include "rules.h"
#include "session.h"

static void
check(const struct simsw *s, bool ok, const char *fmt, ...)
{
    if (ok) {
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->fail(msg);
    abort();                    /* 'fail' must not return */
}

struct simsw *
simsw_of(const void *sw)
{
    const struct sw *session = sw;
    return (struct simsw *) ((char *) session->ctl - offsetof(struct simsw, ctl));
}

static void
rec_packet(struct sw *sw, uint32_t slot, const struct conn_out *out,
           uint32_t in_port, uint32_t out_port, const struct pkt *p,
           const uint8_t *data, size_t len)
{
    struct simsw *s = simsw_of(sw);
    s->last = *out;
    s->at_verdict = sw->ctl->conns.ce[slot].c;
    s->have_last = true;
    s->base->packet(sw, slot, out, in_port, out_port, p, data, len);
}

static uint32_t
slot_of(const struct simsw *s)
{
    uint32_t idx = conntab_find(&s->ctl.conns, s->sw->id, false, s->cli_ip,
                                s->cli_port, s->srv_ip, s->srv_port);
    check(s, idx != 0, "the connection is not in the controller's table");
    return idx - 1;
}

void
simsw_init(struct simsw *s, const struct ctl_cfg *cfg_in, conn_event_fn *event,
           void (*fail)(const char *), uint32_t cli_ip, uint16_t cli_port,
           uint32_t srv_ip, uint16_t srv_port)
{
    memset(s, 0, sizeof *s);
    s->fail = fail;
    s->cli_ip = cli_ip;
    s->cli_port = cli_port;
    s->srv_ip = srv_ip;
    s->srv_port = srv_port;
    log_verbosity = LOG_WARN;           /* no session INFO lines */
    time_stop_at(1);
    struct ctl_cfg cfg = *cfg_in;
    cfg.mirror_port = SIMSW_MIRROR_PORT;
    if (ctl_cfg_port_proto(&cfg, srv_port) < 0) {
        cfg.http_ports[0] = srv_port;
        cfg.n_http_ports = 1;
    }
    cfg.settle_ms = 0;
    if (!cfg.max_conns) {
        cfg.max_conns = 4;
    }
    check(s, ctl_init(&s->ctl, &cfg) == 0, "ctl_init failed");
    check(s, s->ctl.elides, "not an elide mode");
    s->ctl.conn_event = event;
    s->ct = cfg.mode == MODE_ELIDE && cfg.datapath == DP_CONNTRACK;
    s->base = s->ct ? &realize_ct : &realize_flows;
    s->rlz = *s->base;
    s->rlz.packet = rec_packet;
    struct sw *sw = sw_new(&s->ctl, 1, "sim");
    sw->rlz = &s->rlz;
    sw->ct_gen = 0x5a;
    sw->state = SW_READY;
    sw->dpid = 1;
    sw->has_mirror = true;
    sw->ports = xcalloc(3, sizeof *sw->ports);
    sw->cap_ports = 3;
    sw->ports[sw->n_ports++] = SIMSW_CLI_PORT;
    sw->ports[sw->n_ports++] = SIMSW_SRV_PORT;
    sw->ports[sw->n_ports++] = SIMSW_MIRROR_PORT;
    s->ctl.sws = s->sw = sw;
    uint32_t slot = conntab_insert(&s->ctl.conns, sw->id, false, cli_ip, cli_port,
                                   srv_ip, srv_port);
    s->c = &s->ctl.conns.ce[slot].c;
    s->c->proto = (uint8_t) ctl_cfg_port_proto(&cfg, srv_port);
}

void
simsw_fini(struct simsw *s)
{
    ctl_fini(&s->ctl);
    time_stop_at(0);
}

static unsigned
mark_kind(const struct simsw *s, enum conn_dir d)
{
    return (s->mark & MARK_KIND_MASK(d)) >> MARK_KIND_SHIFT(d);
}

enum simsw_path
simsw_route(const struct simsw *s, enum conn_dir dir, uint8_t flags)
{
    if (s->ct && s->committed) {
        if (s->mark & MARK_DONE) {
            return SIMSW_PHASE;
        }
        if (dir == S2C && flags & TCP_SYN
            && mark_kind(s, C2S) == ENTRY_FWD_MIRROR) {
            return SIMSW_PHASE;
        }
        if (simsw_trapped(s, dir, flags)) {
            return SIMSW_TO_CTL;
        }
        unsigned k = mark_kind(s, dir);
        if (k == ENTRY_NONE) {
            return SIMSW_TO_CTL;
        }
        if (k == ENTRY_FWD_MIRROR) {
            return SIMSW_PHASE;
        }
    } else if (simsw_trapped(s, dir, flags)) {
        return SIMSW_TO_CTL;
    }
    return s->ent[dir].kind ? SIMSW_ENTRY : SIMSW_TO_CTL;
}

uint8_t
simsw_kind(const struct simsw *s, enum conn_dir d)
{
    if (s->ct && s->committed && mark_kind(s, d) != ENTRY_FWD) {
        return (uint8_t) mark_kind(s, d);
    }
    return s->ent[d].kind;
}

bool
simsw_trapped(const struct simsw *s, enum conn_dir dir, uint8_t flags)
{
    if (s->ctl.cfg.mode != MODE_ELIDE) {
        return false;
    }
    /* The client's PSH on HTTP ports only (flows.c, ct.c). */
    bool http = ctl_cfg_port_proto(&s->ctl.cfg, s->srv_port) == PROTO_HTTP;
    uint8_t traps = dir == C2S && http ? TCP_PSH | TCP_SYN | TCP_FIN | TCP_RST
                                       : TCP_SYN | TCP_FIN | TCP_RST;
    return flags & traps;
}

static void
report(struct simsw *s, const struct simsw_report *r)
{
    check(s, s->n_rep < sizeof s->rep / sizeof *s->rep, "report queue full");
    s->rep[s->n_rep++] = *r;
}

void
simsw_remove(struct simsw *s, enum conn_dir d, struct simsw_removal *rm)
{
    struct simsw_entry *e = &s->ent[d];
    if (e->kind != ENTRY_NONE) {
        *rm = (struct simsw_removal) { true, e->cookie, e->packets, e->bytes };
        s->ent_gone[d] = *e;
        memset(e, 0, sizeof *e);
    }
}

static void
removed(struct simsw *s, enum conn_dir d)
{
    struct simsw_removal rm = { 0 };
    simsw_remove(s, d, &rm);
    if (rm.any) {
        s->deletes++;
        struct simsw_report r = { .type = OFPT_FLOW_REMOVED };
        r.fr = (struct ofp_flow_removed_msg) {
            .cookie = rm.cookie, .priority = PRIO_CONN, .reason = OFPRR_DELETE,
            .packet_count = rm.packets, .byte_count = rm.bytes };
        report(s, &r);
    }
}

/* The direction a connection entry's match names. */
static enum conn_dir
match_dir(const struct simsw *s, const struct ofp_match_spec *m)
{
    uint32_t want = OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_IPV4_SRC
                    | OFPM_IPV4_DST | OFPM_TCP_SRC | OFPM_TCP_DST;
    check(s, m->fields == want, "connection entry match fields 0x%x",
          m->fields);
    check(s, m->eth_type == 0x0800 && m->ip_proto == 6, "not IPv4 TCP");
    if (m->ipv4_src == s->cli_ip && m->tp_src == s->cli_port) {
        check(s, m->ipv4_dst == s->srv_ip && m->tp_dst == s->srv_port,
              "entry for another connection");
        return C2S;
    }
    check(s, m->ipv4_src == s->srv_ip && m->tp_src == s->srv_port
          && m->ipv4_dst == s->cli_ip && m->tp_dst == s->cli_port,
          "entry for another connection");
    return S2C;
}

static void
flow_mod(struct simsw *s, const struct ofp_flow_mod_spec *fm,
         const struct ofp_msg *m)
{
    if (fm->command == OFPFC_DELETE) {
        check(s, fm->table_id == s->base->any_table, "delete in table %u",
              fm->table_id);
    } else {
        check(s, fm->table_id == s->base->table[match_dir(s, &fm->match)],
              "connection entry in table %u", fm->table_id);
    }
    if (fm->command == OFPFC_ADD) {
        check(s, fm->priority == PRIO_CONN, "add at priority %u", fm->priority);
        check(s, CK_GET(CK_KIND, fm->cookie) == CK_CONN, "not a connection cookie");
        check(s, fm->flags & OFPFF_SEND_FLOW_REM, "no OFPFF_SEND_FLOW_REM");
        enum conn_dir d = match_dir(s, &fm->match);
        check(s, CK_GET(CK_DIR, fm->cookie) == (d == S2C), "cookie direction");
        uint32_t out = d == S2C ? SIMSW_CLI_PORT : SIMSW_SRV_PORT;
        check(s, fm->n_acts >= 1 && fm->acts[0].kind == OFPACT_OUTPUT
              && fm->acts[0].port == out, "entry forwards elsewhere");
        uint8_t kind = ENTRY_FWD;
        uint32_t slice = 0;
        if (fm->n_acts == 2 && fm->acts[1].kind == OFPACT_OUTPUT_TRUNC) {
            check(s, fm->acts[1].port == SIMSW_MIRROR_PORT, "slice elsewhere");
            kind = ENTRY_FWD_SLICE;
            slice = fm->acts[1].max_len;
        } else if (fm->n_acts == 2) {
            check(s, fm->acts[1].kind == OFPACT_OUTPUT
                  && fm->acts[1].port == SIMSW_MIRROR_PORT, "second action");
            kind = ENTRY_FWD_MIRROR;
        } else {
            check(s, fm->n_acts == 1, "%zu actions", fm->n_acts);
        }
        check(s, !fm->goto_table || (fm->goto_table == METER_TABLE
                                     && kind == ENTRY_FWD && d == S2C),
              "goto_table %u", fm->goto_table);
        bool metered = fm->goto_table == METER_TABLE;
        if (metered) {
            kind = ENTRY_FWD_MIRROR;    /* the copy goes through the meter */
        }
        check(s, CK_GET(CK_ELIDE, fm->cookie)
                 == (kind == ENTRY_FWD || kind == ENTRY_FWD_SLICE),
              "cookie elide bit");
        s->ent[d].slice = slice;
        if (s->refuse_next) {
            /* OFPFMFC_TABLE_FULL, with the start of the request (7.5.4). */
            s->refuse_next = false;
            struct simsw_report r = { .type = OFPT_ERROR, .xid = m->xid };
            r.data_len = m->length < sizeof r.data ? m->length : sizeof r.data;
            memcpy(r.data, m->body - OFP_HEADER_LEN, r.data_len);
            report(s, &r);
            return;
        }
        s->ent[d].kind = kind;
        s->ent[d].cookie = fm->cookie;
        s->ent[d].metered = metered;
    } else if (fm->command == OFPFC_DELETE_STRICT) {
        check(s, fm->priority == PRIO_CONN, "delete at priority %u",
              fm->priority);
        removed(s, match_dir(s, &fm->match));
    } else if (fm->command == OFPFC_DELETE) {
        check(s, fm->match.fields == 0, "delete with a match");
        for (int d = S2C; d >= C2S; d--) {
            if (s->ent[d].kind
                && (s->ent[d].cookie & fm->cookie_mask)
                   == (fm->cookie & fm->cookie_mask)) {
                removed(s, (enum conn_dir) d);
            }
        }
    } else {
        check(s, false, "FLOW_MOD command %u", fm->command);
    }
}

static void
packet_out(struct simsw *s, const struct ofp_packet_out_msg *po)
{
    uint32_t mirrored = 0;
    for (size_t i = 0; i < po->n_acts; i++) {
        const struct ofp_act *a = &po->acts[i];
        if (a->kind == OFPACT_CT) {
            check(s, s->ct, "ct() in a Packet-Out of flows.c");
            check(s, i == 0, "ct() after an output");
            check(s, a->ct_commit && a->ct_set_mark
                  && a->ct_table == OFP_CT_NO_TABLE, "ct() that sets no mark");
            check(s, a->ct_mark >> MARK_GEN_SHIFT == s->sw->ct_gen,
                  "mark 0x%08x of another generation", a->ct_mark);
            s->mark = a->ct_mark;
            s->committed = true;
            s->commits++;
            continue;
        }
        if (a->port == SIMSW_MIRROR_PORT) {
            mirrored = a->kind == OFPACT_OUTPUT_TRUNC
                       && a->max_len < po->data_len
                       ? a->max_len : (uint32_t) po->data_len;
        }
    }
    s->po_count++;
    s->po_mirrored = mirrored;
}

void
simsw_pump(struct simsw *s)
{
    for (int rounds = 0; rounds < 100; rounds++) {
        struct buf *tx = &s->sw->tx;
        size_t ofs = 0;
        while (ofs < buf_avail(tx)) {
            int mlen = ofp_frame(buf_head(tx) + ofs, buf_avail(tx) - ofs);
            check(s, mlen > 0, "the controller sent a partial message");
            struct ofp_msg m;
            ofp_msg_init(&m, buf_head(tx) + ofs, (size_t) mlen);
            if (m.type == OFPT_FLOW_MOD) {
                struct ofp_flow_mod_msg fm;
                check(s, ofp_decode_flow_mod(&m, &fm) == 0, "bad FLOW_MOD");
                flow_mod(s, &fm.spec, &m);
            } else if (m.type == OFPT_PACKET_OUT) {
                struct ofp_packet_out_msg po;
                check(s, ofp_decode_packet_out(&m, &po) == 0, "bad PACKET_OUT");
                packet_out(s, &po);
            } else if (m.type == OFPT_BARRIER_REQUEST) {
                struct simsw_report r = { .type = OFPT_BARRIER_REPLY,
                                          .xid = m.xid };
                report(s, &r);
            } else {
                check(s, false, "unexpected %s", ofp_type_str(m.type));
            }
            ofs += (size_t) mlen;
        }
        buf_clear(tx);
        if (!s->n_rep) {
            return;
        }
        struct simsw_report rep[sizeof s->rep / sizeof *s->rep];
        size_t n = s->n_rep;
        memcpy(rep, s->rep, n * sizeof *rep);
        s->n_rep = 0;
        for (size_t i = 0; i < n; i++) {
            if (rep[i].type == OFPT_FLOW_REMOVED) {
                ctl_flow_removed(s->sw, &rep[i].fr);
            } else if (rep[i].type == OFPT_BARRIER_REPLY) {
                ctl_barrier_reply(s->sw, rep[i].xid);
            } else {
                struct ofp_error e = {
                    .xid = rep[i].xid, .type = OFPET_FLOW_MOD_FAILED,
                    .code = OFPFMFC_TABLE_FULL, .data = rep[i].data,
                    .data_len = rep[i].data_len,
                };
                ctl_error(s->sw, &e);
            }
        }
    }
    check(s, false, "the controller and the switch do not come to rest");
}

uint32_t
simsw_packet_in(struct simsw *s, enum conn_dir dir, const uint8_t *frame,
                size_t len)
{
    struct ofp_packet_in_msg pi = {
        .buffer_id = OFP_NO_BUFFER, .total_len = (uint16_t) len,
        .in_port = dir == C2S ? SIMSW_CLI_PORT : SIMSW_SRV_PORT,
        .data = frame, .data_len = len,
    };
    s->have_last = false;
    uint32_t po_before = s->po_count;
    ctl_packet_in(s->sw, &pi);
    check(s, s->have_last, "the packet got no verdict");
    s->c = &s->ctl.conns.ce[slot_of(s)].c;
    simsw_pump(s);
    check(s, s->po_count == po_before + 1, "%u Packet-Outs for one Packet-In",
          s->po_count - po_before);
    return s->po_mirrored;
}

uint32_t
simsw_forward(struct simsw *s, enum conn_dir dir, size_t len)
{
    struct simsw_entry *e = &s->ent[dir];
    check(s, e->kind != ENTRY_NONE, "no entry forwards it");
    e->packets++;
    e->bytes += len;
    return e->kind == ENTRY_FWD_MIRROR ? (uint32_t) len
           : e->kind == ENTRY_FWD_SLICE ? (uint32_t) (len < e->slice ? len
                                                                     : e->slice)
           : 0;
}

void
simsw_apply(struct simsw *s, const struct conn_out *o)
{
    s->sw->rlz->apply(s->sw, slot_of(s), o);
    simsw_pump(s);
}

void
simsw_deliver(struct simsw *s, const struct simsw_removal *rm, uint8_t reason)
{
    if (rm->any) {
        struct ofp_flow_removed_msg fr = {
            .cookie = rm->cookie, .priority = PRIO_CONN, .reason = reason,
            .packet_count = rm->packets, .byte_count = rm->bytes };
        ctl_flow_removed(s->sw, &fr);
        simsw_pump(s);
    }
}

bool
simsw_stats(struct simsw *s, uint64_t now_ms, unsigned interval_ms)
{
    const struct simsw_entry *e = &s->ent[S2C];
    uint8_t body[sizeof(struct ofp_flow_stats) + 8] = { 0 };
    put_be16(body + OFS(ofp_flow_stats, length), sizeof body);
    put_be16(body + OFS(ofp_flow_stats, priority), PRIO_CONN);
    put_be64(body + OFS(ofp_flow_stats, cookie), e->cookie);
    put_be64(body + OFS(ofp_flow_stats, packet_count), e->packets);
    put_be64(body + OFS(ofp_flow_stats, byte_count), e->bytes);
    put_be16(body + sizeof(struct ofp_flow_stats), 1);      /* OFPMT_OXM */
    put_be16(body + sizeof(struct ofp_flow_stats) + 2, 4);
    struct ofp_multipart_reply r = { OFPMP_FLOW, 0, body, sizeof body };
    time_stop_at(now_ms ? now_ms : 1);
    s->ctl.cfg.stats_interval_ms = interval_ms;
    uint32_t deletes = s->deletes;
    ctl_flow_stats(s->sw, &r);
    simsw_pump(s);
    return s->deletes != deletes;
}
