/* elide-replay's core: the controller's code against an ideal switch.
 * See replay.h. */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr6.h"
#include "controller.h"
#include "events.h"
#include "l2.h"
#include "log.h"
#include "ofp.h"
#include "pkt.h"
#include "realize.h"
#include "rules.h"
#include "session.h"

#define TICK_MS 100             /* the controller's timers: as its loop (main.c) */
#define SWEEP_MS 1000           /* idle timeouts are looked at this often */
#define NO_ENTRY UINT32_MAX

/* One direction of a connection, as an entry matches it.  vlan 0: the
 * entry has no VLAN match (a wildcard: it matches tagged frames too). */
struct ekey {
    uint8_t src[16], dst[16];   /* IPv4: the first 4 bytes */
    uint16_t sport, dport;
    uint16_t vlan;              /* OFPVID_PRESENT | VID, or 0 */
    uint8_t v6;
    uint8_t pad;
};

struct entry {
    struct ekey key;
    uint64_t cookie;
    uint64_t packets, bytes;
    uint64_t last_ms;           /* its last packet (or its install) */
    uint32_t next;              /* hash chain, or free list */
    uint32_t slice;             /* ENTRY_FWD_SLICE: bytes mirrored */
    uint16_t idle_s;
    uint8_t kind;               /* enum entry_kind; ENTRY_NONE: free */
};

struct replay {
    struct ctl ctl;
    struct sw *sw;
    replay_mirror_fn *fn;
    void *aux;
    struct replay_stats st;
    uint64_t now_us, now_ms, next_tick_ms, next_sweep_ms;
    /* The frame being replayed, parsed, for the Packet-Outs that carry it. */
    const uint8_t *cur;
    const struct pkt *cur_pkt;
    uint32_t cur_caplen, cur_len;
    /* Entries: a pool with hash chains, and per connection slot the
     * entries of each direction (deletions by cookie). */
    struct entry *ent;
    uint32_t n_ent, cap_ent, free_ent, n_live;
    uint32_t *bucket;
    uint32_t n_bucket;          /* a power of 2 */
    uint32_t (*by_slot)[2];     /* entry index + 1 per direction */
    struct buf reply;           /* a flow-stats reply body being built */
};

/* ---- Entries ---- */

static uint32_t
ekey_hash(const struct ekey *k)
{
    /* FNV-1a over the key's bytes (padding is zeroed by the builders). */
    const uint8_t *b = (const uint8_t *) k;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < sizeof *k; i++) {
        h = (h ^ b[i]) * 16777619u;
    }
    return h;
}

static uint32_t
find_entry(const struct replay *r, const struct ekey *k)
{
    if (!r->n_live) {
        return NO_ENTRY;
    }
    for (uint32_t i = r->bucket[ekey_hash(k) & (r->n_bucket - 1)];
         i != NO_ENTRY; i = r->ent[i].next) {
        if (!memcmp(&r->ent[i].key, k, sizeof *k)) {
            return i;
        }
    }
    return NO_ENTRY;
}

static void
rehash(struct replay *r, uint32_t n_bucket)
{
    free(r->bucket);
    r->n_bucket = n_bucket;
    r->bucket = xcalloc(n_bucket, sizeof *r->bucket);
    memset(r->bucket, 0xff, n_bucket * sizeof *r->bucket);
    for (uint32_t i = 0; i < r->n_ent; i++) {
        struct entry *e = &r->ent[i];
        if (e->kind != ENTRY_NONE) {
            uint32_t *b = &r->bucket[ekey_hash(&e->key) & (n_bucket - 1)];
            e->next = *b;
            *b = i;
        }
    }
}

static uint32_t
add_entry(struct replay *r, const struct ekey *k)
{
    uint32_t i;
    if (r->free_ent != NO_ENTRY) {
        i = r->free_ent;
        r->free_ent = r->ent[i].next;
    } else {
        if (r->n_ent == r->cap_ent) {
            r->cap_ent = r->cap_ent ? 2 * r->cap_ent : 1024;
            r->ent = xrealloc(r->ent, r->cap_ent * sizeof *r->ent);
        }
        i = r->n_ent++;
    }
    struct entry *e = &r->ent[i];
    memset(e, 0, sizeof *e);
    e->key = *k;
    e->kind = ENTRY_FWD;        /* the caller sets it */
    r->n_live++;
    if (r->n_live > r->n_bucket / 2) {
        rehash(r, r->n_bucket * 2);     /* links e too */
    } else {
        uint32_t *b = &r->bucket[ekey_hash(k) & (r->n_bucket - 1)];
        e->next = *b;
        *b = i;
    }
    return i;
}

static uint32_t
cookie_slot(uint64_t cookie)
{
    return (uint32_t) CK_GET(CK_SLOT, cookie);
}

/* Takes entry 'i' out of the switch; with 'reason' (OFPRR_*) its
 * FLOW_REMOVED, with its final counters, goes to the controller. */
static void
remove_entry(struct replay *r, uint32_t i, int reason)
{
    struct entry *e = &r->ent[i];
    uint32_t *b = &r->bucket[ekey_hash(&e->key) & (r->n_bucket - 1)];
    while (*b != i) {
        b = &r->ent[*b].next;
    }
    *b = e->next;
    uint32_t slot = cookie_slot(e->cookie);
    int dir = CK_GET(CK_DIR, e->cookie) ? S2C : C2S;
    if (slot < r->ctl.conns.max && r->by_slot[slot][dir] == i + 1) {
        r->by_slot[slot][dir] = 0;
    }
    struct ofp_flow_removed_msg fr = {
        .cookie = e->cookie, .priority = PRIO_CONN, .reason = (uint8_t) reason,
        .idle_timeout = e->idle_s, .packet_count = e->packets,
        .byte_count = e->bytes,
    };
    e->kind = ENTRY_NONE;
    e->next = r->free_ent;
    r->free_ent = i;
    r->n_live--;
    ctl_flow_removed(r->sw, &fr);
}

/* ---- What the controller sends ---- */

static bool
match_key(const struct ofp_match_spec *m, struct ekey *k)
{
    memset(k, 0, sizeof *k);
    uint32_t ports = OFPM_TCP_SRC | OFPM_TCP_DST;
    if ((m->fields & ports) != ports || !(m->fields & OFPM_ETH_TYPE)
        || m->ip_proto != 6) {
        return false;
    }
    if (m->eth_type == 0x86dd) {
        k->v6 = 1;
        memcpy(k->src, m->ipv6_src, 16);
        memcpy(k->dst, m->ipv6_dst, 16);
    } else if (m->eth_type == 0x0800) {
        put_be32(k->src, m->ipv4_src);
        put_be32(k->dst, m->ipv4_dst);
    } else {
        return false;
    }
    k->sport = m->tp_src;
    k->dport = m->tp_dst;
    k->vlan = m->fields & OFPM_VLAN_VID ? m->vlan_vid : 0;
    return true;
}

static void
flow_mod(struct replay *r, const struct ofp_flow_mod_spec *fm)
{
    if (fm->command == OFPFC_DELETE) {
        /* By cookie: a connection's entries (flows_delete_all()), or a
         * wider sweep, which only a new session sends. */
        uint64_t want = fm->cookie & fm->cookie_mask;
        if ((fm->cookie_mask & CK_MASK(CK_SLOT)) == CK_MASK(CK_SLOT)
            && CK_GET(CK_KIND, fm->cookie) == CK_CONN) {
            uint32_t slot = cookie_slot(fm->cookie);
            for (int d = S2C; d >= C2S && slot < r->ctl.conns.max; d--) {
                uint32_t i = r->by_slot[slot][d];
                if (i && (r->ent[i - 1].cookie & fm->cookie_mask) == want) {
                    remove_entry(r, i - 1, OFPRR_DELETE);
                }
            }
            return;
        }
        for (uint32_t i = 0; i < r->n_ent; i++) {
            if (r->ent[i].kind && (r->ent[i].cookie & fm->cookie_mask) == want) {
                remove_entry(r, i, OFPRR_DELETE);
            }
        }
        return;
    }
    if (CK_GET(CK_KIND, fm->cookie) != CK_CONN && fm->command == OFPFC_ADD) {
        return;     /* learning-switch entries: l2_mirror_acts() stands in */
    }
    struct ekey k;
    if (fm->priority != PRIO_CONN || !match_key(&fm->match, &k)) {
        return;
    }
    uint32_t i = find_entry(r, &k);
    if (fm->command == OFPFC_DELETE_STRICT) {
        if (i != NO_ENTRY) {
            remove_entry(r, i, OFPRR_DELETE);
        }
        return;
    }
    if (fm->command != OFPFC_ADD) {
        return;
    }
    uint8_t kind = ENTRY_FWD;
    uint32_t slice = 0;
    for (size_t a = 0; a < fm->n_acts; a++) {
        if (fm->acts[a].port != REPLAY_MIRROR_PORT) {
            continue;
        }
        if (fm->acts[a].kind == OFPACT_OUTPUT_TRUNC) {
            kind = ENTRY_FWD_SLICE;
            slice = fm->acts[a].max_len;
        } else {
            kind = ENTRY_FWD_MIRROR;
        }
    }
    if (i == NO_ENTRY) {
        i = add_entry(r, &k);
    }
    /* An add over an entry keeps its counters (OpenFlow 1.3 6.4, no
     * OFPFF_RESET_COUNTS) and reports nothing. */
    struct entry *e = &r->ent[i];
    e->kind = kind;
    e->slice = slice;
    e->cookie = fm->cookie;
    e->idle_s = fm->idle_timeout;
    e->last_ms = r->now_ms;
    uint32_t slot = cookie_slot(fm->cookie);
    if (slot < r->ctl.conns.max) {
        r->by_slot[slot][CK_GET(CK_DIR, fm->cookie) ? S2C : C2S] = i + 1;
    }
}

static void
emit(struct replay *r, const uint8_t *frame, uint32_t caplen, uint32_t len,
     const struct pkt *p)
{
    r->st.packets_out++;
    r->st.bytes_out += len;
    if (p && p->layers & PKT_L4 && p->payload_len) {
        size_t ofs = (size_t) (p->payload - frame);
        if (len > ofs) {
            uint64_t got = len - ofs;
            got = got < p->payload_len ? got : p->payload_len;
            r->st.payload_mirrored += got;
            const struct ctl_cfg *cfg = &r->ctl.cfg;
            if (ctl_cfg_port_proto(cfg, p->dport) < 0
                && ctl_cfg_port_proto(cfg, p->sport) == PROTO_HTTP) {
                r->st.resp_payload_mirrored += got;
            }
        }
    }
    if (r->fn) {
        r->fn(r->aux, r->now_us, frame, caplen, len);
    }
}

static void
packet_out(struct replay *r, const struct ofp_packet_out_msg *po)
{
    for (size_t a = 0; a < po->n_acts; a++) {
        const struct ofp_act *act = &po->acts[a];
        if (act->port != REPLAY_MIRROR_PORT
            || (act->kind != OFPACT_OUTPUT && act->kind != OFPACT_OUTPUT_TRUNC)) {
            continue;
        }
        /* The frame being replayed, or one released from a hold: only
         * the first carries its wire length beyond the snap length. */
        uint32_t caplen = (uint32_t) po->data_len, len = caplen;
        bool cur = r->cur && po->data_len == r->cur_caplen
                   && !memcmp(po->data, r->cur, po->data_len);
        if (cur) {
            len = r->cur_len;
        }
        if (act->kind == OFPACT_OUTPUT_TRUNC && act->max_len < len) {
            len = act->max_len;
            caplen = caplen < len ? caplen : len;
        }
        /* Its payload offsets: the current frame's parse, moved to the
         * message's copy, else a parse of the copy (a released hold). */
        struct pkt p;
        if (cur) {
            p = *r->cur_pkt;
            if (p.payload) {
                p.payload = po->data + (p.payload - r->cur);
            }
        } else if (pkt_parse(po->data, po->data_len, &p) == PKT_INVALID) {
            emit(r, po->data, caplen, len, NULL);
            return;
        }
        emit(r, po->data, caplen, len, &p);
        return;         /* one copy per Packet-Out */
    }
}

/* A flow-stats request: the counters of every connection entry whose
 * cookie matches, in one reply. */
static void
flow_stats(struct replay *r, const struct ofp_msg *m)
{
    const size_t req = sizeof(struct ofp_multipart_header)
                       - sizeof(struct ofp_header)
                       + sizeof(struct ofp_flow_stats_request);
    if (m->body_len < req || get_be16(m->body) != OFPMP_FLOW) {
        return;
    }
    const uint8_t *q = m->body + 8;
    uint64_t cookie = get_be64(q + OFS(ofp_flow_stats_request, cookie));
    uint64_t mask = get_be64(q + OFS(ofp_flow_stats_request, cookie_mask));
    buf_clear(&r->reply);
    const size_t len = sizeof(struct ofp_flow_stats) + 8;
    for (uint32_t i = 0; i < r->n_ent; i++) {
        const struct entry *e = &r->ent[i];
        if (!e->kind || (e->cookie & mask) != (cookie & mask)) {
            continue;
        }
        uint8_t fs[sizeof(struct ofp_flow_stats) + 8] = { 0 };
        put_be16(fs + OFS(ofp_flow_stats, length), (uint16_t) len);
        put_be16(fs + OFS(ofp_flow_stats, priority), PRIO_CONN);
        put_be16(fs + OFS(ofp_flow_stats, idle_timeout), e->idle_s);
        put_be64(fs + OFS(ofp_flow_stats, cookie), e->cookie);
        put_be64(fs + OFS(ofp_flow_stats, packet_count), e->packets);
        put_be64(fs + OFS(ofp_flow_stats, byte_count), e->bytes);
        put_be16(fs + sizeof(struct ofp_flow_stats), 1);    /* OFPMT_OXM */
        put_be16(fs + sizeof(struct ofp_flow_stats) + 2, 4);
        buf_put(&r->reply, fs, len);
    }
    size_t n = buf_avail(&r->reply);
    struct ofp_multipart_reply rep = { OFPMP_FLOW, 0,
                                       n ? buf_head(&r->reply) : NULL, n };
    ctl_flow_stats(r->sw, &rep);
}

/* Carries out what the controller sent, and what that causes, until it
 * rests.  Reports (removals, barrier replies, statistics) go back at once
 * and may make it send more, which the next round takes. */
static void
pump(struct replay *r)
{
    struct buf *tx = &r->sw->tx;
    struct buf work;
    buf_init(&work);
    for (int rounds = 0; buf_avail(tx); rounds++) {
        if (rounds == 1000) {
            VLOG_RL(LOG_ERR, "the controller and the model switch do not "
                    "come to rest: %zu bytes of messages dropped",
                    buf_avail(tx));
            buf_clear(tx);
            break;
        }
        /* Handlers below append to tx: take what is there first. */
        buf_clear(&work);
        buf_put(&work, buf_head(tx), buf_avail(tx));
        buf_clear(tx);
        size_t ofs = 0;
        while (ofs < buf_avail(&work)) {
            int mlen = ofp_frame(buf_head(&work) + ofs, buf_avail(&work) - ofs);
            if (mlen <= 0) {
                VLOG_RL(LOG_ERR, "the controller sent a broken message");
                break;
            }
            struct ofp_msg m;
            ofp_msg_init(&m, buf_head(&work) + ofs, (size_t) mlen);
            ofs += (size_t) mlen;
            if (m.type == OFPT_PACKET_OUT) {
                struct ofp_packet_out_msg po;
                if (!ofp_decode_packet_out(&m, &po)) {
                    packet_out(r, &po);
                }
            } else if (m.type == OFPT_FLOW_MOD) {
                struct ofp_flow_mod_msg fm;
                if (!ofp_decode_flow_mod(&m, &fm)) {
                    flow_mod(r, &fm.spec);
                }
            } else if (m.type == OFPT_BARRIER_REQUEST) {
                ctl_barrier_reply(r->sw, m.xid);
            } else if (m.type == OFPT_MULTIPART_REQUEST) {
                flow_stats(r, &m);
            }
        }
    }
    buf_free(&work);
}

/* ---- Time ---- */

static void
sweep_idle(struct replay *r)
{
    for (uint32_t i = 0; i < r->n_ent; i++) {
        const struct entry *e = &r->ent[i];
        if (e->kind && e->idle_s
            && r->now_ms - e->last_ms >= (uint64_t) e->idle_s * 1000) {
            remove_entry(r, i, OFPRR_IDLE_TIMEOUT);
        }
    }
}

static void
set_time(struct replay *r, uint64_t ts_us)
{
    if (ts_us < r->now_us) {
        ts_us = r->now_us;      /* a trace out of order: time stands */
    }
    r->now_us = ts_us;
    r->now_ms = ts_us / 1000;
    time_stop_at(r->now_ms ? r->now_ms : 1);
    time_wall_at((int64_t) (ts_us / 1000000), (long) (ts_us % 1000000) * 1000);
    r->sw->last_rx_ms = r->now_ms;      /* the switch is never silent */
    if (r->now_ms >= r->next_sweep_ms) {
        r->next_sweep_ms = r->now_ms + SWEEP_MS;
        sweep_idle(r);
        pump(r);
    }
    if (r->now_ms >= r->next_tick_ms) {
        r->next_tick_ms = r->now_ms + TICK_MS;
        ctl_tick(&r->ctl);
        pump(r);
    }
}

/* ---- Events ---- */

static void
on_event(void *aux, const struct conn *c, const struct conn_event *e)
{
    struct sw *sw = aux;
    struct replay *r = (struct replay *) ((char *) sw->ctl
                                          - offsetof(struct replay, ctl));
    switch (e->type) {
    case CE_HTTP_REQUEST:
        r->st.requests++;
        break;
    case CE_HTTP_RESPONSE:
        r->st.responses++;
        r->st.resp_head_bytes += e->bytes;
        break;
    case CE_TLS_CLIENT_HELLO:
    case CE_TLS_SERVER_HELLO:
    case CE_SSH_VERSION:
        r->st.hellos++;
        break;
    case CE_ALERT:
        r->st.alerts++;
        break;
    case CE_PASSTHROUGH:
        r->st.passthrough++;
        break;
    case CE_ELIDE_START:
        r->st.bodies_elided++;
        break;
    default:
        break;
    }
    ev_conn_event(sw->dpid, sw->name, c, e);
}

/* ---- Frames ---- */

struct replay *
replay_new(const struct ctl_cfg *cfg_in, replay_mirror_fn *fn, void *aux)
{
    struct replay *r = xcalloc(1, sizeof *r);
    struct ctl_cfg cfg = *cfg_in;
    cfg.mirror_port = REPLAY_MIRROR_PORT;
    cfg.datapath = DP_FLOWS;
    cfg.settle_ms = 0;              /* an ideal switch applies at once */
    cfg.mirror_budget = 0;
    time_stop_at(1);
    if (ctl_init(&r->ctl, &cfg)) {
        free(r);
        return NULL;
    }
    r->fn = fn;
    r->aux = aux;
    r->ctl.conn_event = on_event;
    struct sw *sw = sw_new(&r->ctl, 1, "replay");
    sw->state = SW_READY;
    sw->dpid = 1;
    sw->has_mirror = cfg.mode != MODE_NONE;
    sw->ports = xcalloc(3, sizeof *sw->ports);
    sw->cap_ports = 3;
    sw->ports[sw->n_ports++] = REPLAY_CLI_PORT;
    sw->ports[sw->n_ports++] = REPLAY_SRV_PORT;
    sw->ports[sw->n_ports++] = REPLAY_MIRROR_PORT;
    if (r->ctl.elides) {
        sw->rlz = &realize_flows;
        r->by_slot = xcalloc(r->ctl.conns.max, sizeof *r->by_slot);
    }
    r->ctl.sws = r->sw = sw;
    r->free_ent = NO_ENTRY;
    rehash(r, 1024);
    buf_init(&r->reply);
    return r;
}

/* A frame of watched TCP (or a TCP fragment, which elide's base rules
 * send to the controller): its path through the switch. */
static void
watched_frame(struct replay *r, const struct pkt *p, bool to_server,
              const uint8_t *frame, uint32_t caplen, uint32_t len)
{
    const struct ctl_cfg *cfg = &r->ctl.cfg;
    r->st.payload_bytes += p->payload_len;
    r->st.cut += p->payload_caplen < p->payload_len;
    bool trapped = cfg->mode == MODE_ELIDE
                   && (p->ip_frag || p->tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST)
                       || (p->tcp_flags & TCP_PSH
                           && ctl_cfg_port_proto(cfg, p->dport) == PROTO_HTTP));
    if (!trapped && !p->ip_frag) {
        struct ekey k = { .sport = p->sport, .dport = p->dport,
                          .v6 = p->ip_version == 6 };
        memcpy(k.src, p->ip_src, k.v6 ? 16 : 4);
        memcpy(k.dst, p->ip_dst, k.v6 ? 16 : 4);
        uint32_t i = NO_ENTRY;
        if (p->has_vlan) {
            k.vlan = 0x1000 | (p->vlan_tci & 0xfff);
            i = find_entry(r, &k);
            k.vlan = 0;
        }
        if (i == NO_ENTRY) {
            i = find_entry(r, &k);
        }
        if (i != NO_ENTRY) {
            struct entry *e = &r->ent[i];
            e->packets++;
            e->bytes += len;
            e->last_ms = r->now_ms;
            r->st.entry_packets++;
            if (e->kind == ENTRY_FWD_MIRROR) {
                emit(r, frame, caplen, len, p);
            } else if (e->kind == ENTRY_FWD_SLICE) {
                uint32_t l = len < e->slice ? len : e->slice;
                emit(r, frame, caplen < l ? caplen : l, l, p);
            }
            return;
        }
    }
    struct ofp_packet_in_msg pi = {
        .buffer_id = OFP_NO_BUFFER,
        .total_len = (uint16_t) (len > 0xffff ? 0xffff : len),
        .in_port = to_server ? REPLAY_CLI_PORT : REPLAY_SRV_PORT,
        .data = frame, .data_len = caplen,
    };
    r->st.packet_ins++;
    r->sw->n.packet_in++;      /* as on_packet_in() counts it */
    r->cur = frame;
    r->cur_pkt = p;
    r->cur_caplen = caplen;
    r->cur_len = len;
    uint64_t conns = r->ctl.conns.n;
    ctl_packet_in(r->sw, &pi);
    if (r->ctl.conns.n > conns) {
        r->st.conns += r->ctl.conns.n - conns;
    }
    pump(r);
    r->cur = NULL;
}

void
replay_frame(struct replay *r, uint64_t ts_us, const uint8_t *frame,
             uint32_t caplen, uint32_t len)
{
    if (caplen > len) {
        len = caplen;
    }
    r->st.packets_in++;
    r->st.bytes_in += len;
    set_time(r, ts_us);
    struct pkt p;
    enum pkt_result pr = pkt_parse(frame, caplen, &p);
    const struct ctl_cfg *cfg = &r->ctl.cfg;
    if (r->ctl.elides && pr != PKT_INVALID && p.layers & PKT_L3
        && p.ip_proto == 6 && (p.ip_version == 4 || p.ip_version == 6)) {
        bool to_server = false;
        if (p.ip_frag ? cfg->mode == MODE_ELIDE
            : p.layers & PKT_L4
              && ((to_server = ctl_cfg_port_proto(cfg, p.dport) >= 0)
                  || ctl_cfg_port_proto(cfg, p.sport) >= 0)) {
            watched_frame(r, &p, to_server || p.ip_frag, frame, caplen, len);
            return;
        }
    }
    struct ofp_act a;
    if (pr == PKT_INVALID || !(p.layers & PKT_L2)) {
        /* What the controller would not parse: a switch's entries would
         * still mirror it, as its mode mirrors everything (selective:
         * what it cannot match, it does not mirror). */
        if (cfg->mode == MODE_SELECTIVE || cfg->mode == MODE_NONE) {
            return;
        }
        a = cfg->mode == MODE_TRUNCATE
            ? OFP_OUTPUT_TRUNC(REPLAY_MIRROR_PORT, cfg->truncate_len)
            : OFP_OUTPUT(REPLAY_MIRROR_PORT);
    } else if (!l2_mirror_acts(r->sw, &p, &a)) {
        return;
    }
    if (a.kind == OFPACT_OUTPUT_TRUNC && a.max_len < len) {
        emit(r, frame, caplen < a.max_len ? caplen : a.max_len, a.max_len, NULL);
    } else {
        emit(r, frame, caplen, len, NULL);
    }
}

void
replay_finish(struct replay *r)
{
    pump(r);
    /* After the trace, the entries left idle out: their counters reach
     * the controller.  Then it lets go of every connection, as when its
     * switch disconnects, reporting what each left unaccounted. */
    for (uint32_t i = 0; i < r->n_ent; i++) {
        if (r->ent[i].kind) {
            remove_entry(r, i, OFPRR_IDLE_TIMEOUT);
            pump(r);
        }
    }
    sw_close(r->sw, "end of trace");
    buf_clear(&r->sw->tx);
}

const struct replay_stats *
replay_stats(const struct replay *r)
{
    return &r->st;
}

void
replay_free(struct replay *r)
{
    if (!r) {
        return;
    }
    ctl_fini(&r->ctl);
    free(r->ent);
    free(r->bucket);
    free(r->by_slot);
    buf_free(&r->reply);
    free(r);
}
