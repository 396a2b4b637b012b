/* The controller.  See ctl.h and README.md for the modes. */
#include "ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "conn.h"
#include "log.h"
#include "loop.h"
#include "ofp.h"
#include "pkt.h"
#include "units.h"


/* Cookies: the top 16 bits mark the controller's entries, so that a
 * (re)connection can delete exactly ours (spec 6.4, cookie_mask). */
#define COOKIE_MAGIC   0xe1de000000000000ull
#define COOKIE_SPACE   0xffff000000000000ull
#define COOKIE_KIND(k) ((uint64_t) (k) << 46)
#define COOKIE_KIND_MASK COOKIE_KIND(3)
enum { CK_BASE = 0, CK_L2 = 1, CK_CONN = 2 };
#define COOKIE_DIR     (1ull << 45)
#define COOKIE_ELIDE   (1ull << 44)     /* a forwarding-only entry: an elided
                                         * body's, or the client's beside it */
#define COOKIE_ESEQ_SHIFT 41
#define COOKIE_GEN_SHIFT 32

/* Flow priorities. */
#define PRIO_MISS     0
#define PRIO_L2       10
#define PRIO_SELECT   20
#define PRIO_WATCH    100
#define PRIO_CONN     200
#define PRIO_TRAP     300
#define PRIO_MIRROR_IN 1000

#define MAC_TABLE_SIZE 4096         /* per switch, power of 2 */
#define TX_LIMIT (32u << 20)        /* a peer that stops reading is dropped */
#define TX_PAUSE (1u << 20)         /* above this, stop reading the peer */
#define LINGER_MS 3000              /* closed connections absorb last ACKs */
#define MAX_PORTS 4096              /* per switch */
#define HELD_LIMIT 65536            /* Packet-Outs waiting for barriers */

struct mac_entry { uint8_t mac[6]; bool used; uint32_t port; };

struct held {                       /* a Packet-Out waiting for a barrier */
    uint32_t xid;
    uint64_t release_ms;            /* 0 until the barrier reply came */
    uint32_t centry;                /* connection index + 1, 0 if none */
    uint16_t gen;                   /* its centry.gen: the slot may be reused */
    struct buf msg;
};

struct sw {
    struct loop_handler lh;
    struct sw *next;
    uint32_t id;                    /* session id, unique per connection */
    bool dead;
    bool hello_seen, ready;
    uint64_t dpid;
    bool has_dpid;
    struct buf rx, tx;
    uint32_t xid;
    uint64_t last_rx_ms, last_poll_ms;
    bool probe_sent;
    bool paused;                    /* not reading it: it does not read us */
    bool has_mirror;
    uint32_t *ports;                /* physical ports (flooding) */
    size_t n_ports, cap_ports;
    struct mac_entry *macs;
    struct held *held;
    size_t n_held, cap_held;
    /* The newest barrier reply and its release time: a packet held
     * behind a barrier it confirms is released at that time, not at a
     * reply that may never come. */
    bool barrier_seen;
    uint32_t barrier_xid;
    uint64_t barrier_release_ms;
    uint32_t stats_xid;             /* outstanding flow-stats request */
    struct {                        /* messages, reported at disconnection */
        uint64_t packet_in, packet_out, flow_mod, stats_request;
    } n;
    char name[72];
};

struct centry {
    struct conn c;
    uint32_t sw_id;
    uint16_t cli_ofport, srv_ofport; /* 0: unknown (or beyond 16 bits) */
    uint32_t hold_xid;              /* Packet-Outs held behind this barrier */
    uint32_t hnext;                 /* hash chain / free list, index + 1 */
    uint32_t lru_prev, lru_next;    /* index + 1 */
    uint32_t last_ms;               /* time_ms(), wraps: compare by difference */
    uint16_t gen;
    bool used;
};
/* Issue 5's memory goal, per tracked connection (reassembly buffers, only
 * for heads in flight, come on top). */
_Static_assert(sizeof(struct centry) <= 256, "connection table entry over 256 bytes");

static struct {
    struct ctl_cfg cfg;
    struct conn_cfg ccfg;
    struct loop_handler listener;
    struct sw *sws;
    uint32_t next_sw_id;
    struct centry *ce;
    uint32_t *buckets;
    size_t n_buckets, n_conns, free_head, used_top;
    uint32_t lru_head, lru_tail;    /* oldest, newest (index + 1) */
    struct buf scratch;
} g;

static void sw_close(struct sw *, const char *why);

/* ---- Options ---- */

static const char *const mode_names[] = {
    "none", "plain", "selective", "truncate", "elide-paper", "elide",
};

const char *
ctl_mode_str(enum ctl_mode m)
{
    return mode_names[m];
}

int
ctl_mode_parse(const char *s, enum ctl_mode *m)
{
    for (size_t i = 0; i < sizeof mode_names / sizeof *mode_names; i++) {
        if (!strcmp(s, mode_names[i])) {
            *m = (enum ctl_mode) i;
            return 0;
        }
    }
    return -1;
}

/* "tcp:80,443,udp:53": a protocol applies to the ports after it. */
int
ctl_parse_filters(const char *spec, struct ctl_cfg *cfg)
{
    char *copy = strdup(spec), *save = NULL;
    uint8_t proto = 0;
    int err = 0;
    cfg->n_filters = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !err;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (colon) {
            *colon = '\0';
            proto = !strcasecmp(tok, "tcp") ? 6 : !strcasecmp(tok, "udp") ? 17 : 0;
            tok = colon + 1;
        }
        uint16_t port;
        if (!proto || parse_port(tok, &port)
            || cfg->n_filters == CTL_MAX_FILTERS) {
            err = -1;
            break;
        }
        cfg->filters[cfg->n_filters++] = (struct ctl_filter) { proto, port };
    }
    free(copy);
    return err || !cfg->n_filters ? -1 : 0;
}

int
ctl_parse_ports(const char *spec, struct ctl_cfg *cfg)
{
    return parse_port_list(spec, cfg->http_ports, CTL_MAX_HTTP_PORTS,
                           &cfg->n_http_ports);
}

static bool
is_elide(void)
{
    return g.cfg.mode == MODE_ELIDE || g.cfg.mode == MODE_ELIDE_PAPER;
}

static bool
is_http_port(uint16_t port)
{
    for (size_t i = 0; i < g.cfg.n_http_ports; i++) {
        if (g.cfg.http_ports[i] == port) {
            return true;
        }
    }
    return false;
}

/* ---- Sending ---- */

static uint32_t
next_xid(struct sw *sw)
{
    if (++sw->xid == 0) {
        sw->xid = 1;
    }
    return sw->xid;
}

static void
sw_flush(struct sw *sw)
{
    while (buf_avail(&sw->tx)) {
        ssize_t n = send(sw->lh.fd, buf_head(&sw->tx), buf_avail(&sw->tx),
                         MSG_NOSIGNAL);
        if (n > 0) {
            buf_consume(&sw->tx, (size_t) n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            sw_close(sw, "send failed");
            return;
        }
    }
    /* Back-pressure: a switch that does not read our replies is not read
     * either, so it cannot make us queue without bound; if it stays silent
     * that way, the inactivity probe ends it. */
    bool pause = buf_avail(&sw->tx) >= TX_PAUSE;
    if (pause != sw->paused) {
        sw->paused = pause;
        VLOG_RL(LOG_WARN, "%s: switch is not reading: input %s", sw->name,
                pause ? "paused" : "resumed");
    }
    uint32_t want = (pause ? 0 : EPOLLIN) | (buf_avail(&sw->tx) ? EPOLLOUT : 0);
    loop_mod(&sw->lh, want);
    if (buf_avail(&sw->tx) > TX_LIMIT) {
        sw_close(sw, "switch does not read: send queue over limit");
    }
}

static void
flow_mod(struct sw *sw, const struct ofp_flow_mod_spec *fm)
{
    ofp_put_flow_mod(&sw->tx, next_xid(sw), fm);
    sw->n.flow_mod++;
}

/* ---- Learning switch ---- */

static size_t
mac_hash(const uint8_t *mac)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 6; i++) {
        h = (h ^ mac[i]) * 16777619u;
    }
    return h & (MAC_TABLE_SIZE - 1);
}

static struct mac_entry *
mac_find(struct sw *sw, const uint8_t *mac)
{
    size_t i = mac_hash(mac);
    for (size_t n = 0; n < 16; n++, i = (i + 1) & (MAC_TABLE_SIZE - 1)) {
        struct mac_entry *e = &sw->macs[i];
        if (!e->used) {
            return NULL;
        }
        if (!memcmp(e->mac, mac, 6)) {
            return e;
        }
    }
    return NULL;
}

static uint32_t
mac_port(struct sw *sw, const uint8_t *mac)
{
    struct mac_entry *e = mac_find(sw, mac);
    return e ? e->port : 0;
}

static void
mac_learn(struct sw *sw, const uint8_t *mac, uint32_t port)
{
    if (mac[0] & 1) {
        return;             /* a multicast source is not a station */
    }
    struct mac_entry *e = mac_find(sw, mac);
    if (e) {
        if (e->port != port) {
            vlog(LOG_INFO, "%s: %02x:%02x:%02x:%02x:%02x:%02x moved %u -> %u",
                 sw->name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
                 e->port, port);
            e->port = port;
            struct ofp_flow_mod_spec fm = {
                .cookie = COOKIE_MAGIC | COOKIE_KIND(CK_L2),
                .cookie_mask = COOKIE_SPACE | COOKIE_KIND_MASK,
                .table_id = 0, .command = OFPFC_DELETE,
                .match = { .fields = OFPM_ETH_DST },
            };
            memcpy(fm.match.eth_dst, mac, 6);
            flow_mod(sw, &fm);
        }
        return;
    }
    size_t i = mac_hash(mac);
    for (size_t n = 0; n < 16; n++, i = (i + 1) & (MAC_TABLE_SIZE - 1)) {
        if (!sw->macs[i].used) {
            sw->macs[i].used = true;
            memcpy(sw->macs[i].mac, mac, 6);
            sw->macs[i].port = port;
            return;
        }
    }
    VLOG_RL(LOG_WARN, "%s: MAC table neighbourhood full, not learning",
            sw->name);
}

/* The mirror action for a packet outside elision, per mode. */
static size_t
mirror_acts(const struct sw *sw, const struct pkt *p, struct ofp_act *a)
{
    if (!sw->has_mirror) {
        return 0;
    }
    switch (g.cfg.mode) {
    case MODE_NONE:
        return 0;
    case MODE_TRUNCATE:
        *a = (struct ofp_act) { OFPACT_OUTPUT_TRUNC, g.cfg.mirror_port,
                                g.cfg.truncate_len };
        return 1;
    case MODE_SELECTIVE:
        if (!p || !(p->layers & PKT_L4) || p->ip_version != 4) {
            return 0;
        }
        for (size_t i = 0; i < g.cfg.n_filters; i++) {
            const struct ctl_filter *f = &g.cfg.filters[i];
            if (f->proto == p->ip_proto
                && (f->port == p->sport || f->port == p->dport)) {
                *a = (struct ofp_act) { OFPACT_OUTPUT, g.cfg.mirror_port, 0 };
                return 1;
            }
        }
        return 0;
    default:
        *a = (struct ofp_act) { OFPACT_OUTPUT, g.cfg.mirror_port, 0 };
        return 1;
    }
}

static void
install_l2(struct sw *sw, const uint8_t *mac, uint32_t port)
{
    struct ofp_act acts[2] = { { OFPACT_OUTPUT, port, 0 } };
    size_t n = 1;
    if (g.cfg.mode != MODE_SELECTIVE) {
        n += mirror_acts(sw, NULL, &acts[1]);
    }
    struct ofp_flow_mod_spec fm = {
        .cookie = COOKIE_MAGIC | COOKIE_KIND(CK_L2), .command = OFPFC_ADD,
        .idle_timeout = (uint16_t) g.cfg.idle_timeout, .priority = PRIO_L2,
        .match = { .fields = OFPM_ETH_DST }, .acts = acts, .n_acts = n,
    };
    memcpy(fm.match.eth_dst, mac, 6);
    flow_mod(sw, &fm);
    if (g.cfg.mode != MODE_SELECTIVE || !sw->has_mirror) {
        return;
    }
    /* Selective mirroring: one entry per filter and direction. */
    acts[1] = (struct ofp_act) { OFPACT_OUTPUT, g.cfg.mirror_port, 0 };
    fm.n_acts = 2;
    fm.priority = PRIO_SELECT;
    for (size_t i = 0; i < g.cfg.n_filters; i++) {
        const struct ctl_filter *f = &g.cfg.filters[i];
        for (int side = 0; side < 2; side++) {
            uint32_t tp = f->proto == 6
                ? (side ? OFPM_TCP_SRC : OFPM_TCP_DST)
                : (side ? OFPM_UDP_SRC : OFPM_UDP_DST);
            fm.match.fields = OFPM_ETH_DST | OFPM_ETH_TYPE | OFPM_IP_PROTO | tp;
            fm.match.eth_type = 0x0800;
            fm.match.ip_proto = f->proto;
            fm.match.tp_src = fm.match.tp_dst = f->port;
            flow_mod(sw, &fm);
        }
    }
}

/* Packet-Out of 'data' to 'out_port' (0: flood) plus 'extra' actions. */
static void
packet_out(struct sw *sw, struct buf *b, uint32_t in_port, uint32_t out_port,
           const struct ofp_act *extra, size_t n_extra, const uint8_t *data,
           size_t len)
{
    struct ofp_act acts[OFP_MAX_ACTS];
    size_t n = 0;
    if (out_port) {
        if (out_port != in_port) {
            acts[n++] = (struct ofp_act) { OFPACT_OUTPUT, out_port, 0 };
        }
    } else {
        /* Flooding never includes the mirror port: list the ports. */
        for (size_t i = 0; i < sw->n_ports && n < OFP_MAX_ACTS - 2; i++) {
            uint32_t p = sw->ports[i];
            if (p != in_port && p != g.cfg.mirror_port) {
                acts[n++] = (struct ofp_act) { OFPACT_OUTPUT, p, 0 };
            }
        }
    }
    for (size_t i = 0; i < n_extra && n < OFP_MAX_ACTS; i++) {
        acts[n++] = extra[i];
    }
    if (!n) {
        return;
    }
    ofp_put_packet_out(b, next_xid(sw), in_port, acts, n, data, len);
    sw->n.packet_out++;
}

static void
l2_packet(struct sw *sw, uint32_t in_port, const struct pkt *p,
          const uint8_t *data, size_t len)
{
    struct ofp_act mirror[1];
    size_t nm = mirror_acts(sw, p, mirror);
    uint32_t out = 0;
    if (!(p->eth_dst[0] & 1)) {
        out = mac_port(sw, p->eth_dst);
        if (out) {
            install_l2(sw, p->eth_dst, out);
        }
    }
    packet_out(sw, &sw->tx, in_port, out, mirror, nm, data, len);
}

/* ---- Connection table ---- */

static uint32_t
conn_hash(uint32_t sw_id, uint32_t cip, uint16_t cp, uint32_t sip, uint16_t sp)
{
    uint64_t h = sw_id * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t) cip << 32 | sip) * 0xbf58476d1ce4e5b9ull;
    h ^= ((uint64_t) cp << 16 | sp) * 0x94d049bb133111ebull;
    h ^= h >> 31;
    return (uint32_t) h;
}

static size_t
bucket_of(const struct centry *e)
{
    return conn_hash(e->sw_id, e->c.cli_ip, e->c.cli_port, e->c.srv_ip,
                     e->c.srv_port) & (g.n_buckets - 1);
}

static void
lru_unlink(uint32_t i)
{
    struct centry *e = &g.ce[i];
    if (e->lru_prev) {
        g.ce[e->lru_prev - 1].lru_next = e->lru_next;
    } else {
        g.lru_head = e->lru_next;
    }
    if (e->lru_next) {
        g.ce[e->lru_next - 1].lru_prev = e->lru_prev;
    } else {
        g.lru_tail = e->lru_prev;
    }
    e->lru_prev = e->lru_next = 0;
}

static void
lru_push(uint32_t i)
{
    struct centry *e = &g.ce[i];
    e->lru_prev = g.lru_tail;
    e->lru_next = 0;
    if (g.lru_tail) {
        g.ce[g.lru_tail - 1].lru_next = i + 1;
    } else {
        g.lru_head = i + 1;
    }
    g.lru_tail = i + 1;
}

static struct sw *
sw_by_id(uint32_t id)
{
    for (struct sw *sw = g.sws; sw; sw = sw->next) {
        if (sw->id == id && !sw->dead) {
            return sw;
        }
    }
    return NULL;
}

static void
conn_str(const struct conn *c, char *buf, size_t n)
{
    snprintf(buf, n, "%u.%u.%u.%u:%u-%u.%u.%u.%u:%u",
             c->cli_ip >> 24, c->cli_ip >> 16 & 255, c->cli_ip >> 8 & 255,
             c->cli_ip & 255, c->cli_port,
             c->srv_ip >> 24, c->srv_ip >> 16 & 255, c->srv_ip >> 8 & 255,
             c->srv_ip & 255, c->srv_port);
}

static void
ev_conn(uint64_t dpid, const char *event, const struct conn *c)
{
    if (!evlog_enabled()) {
        return;
    }
    char s[64];
    conn_str(c, s, sizeof s);
    ev_begin(dpid, event);
    ev_str("conn", s);
}

static uint64_t
conn_cookie(uint32_t i)
{
    return COOKIE_MAGIC | COOKIE_KIND(CK_CONN)
           | (uint64_t) (g.ce[i].gen & 0x1ff) << COOKIE_GEN_SHIFT | i;
}

static void
conn_delete_entries(struct sw *sw, uint32_t i)
{
    struct ofp_flow_mod_spec fm = {
        .cookie = conn_cookie(i),
        .cookie_mask = COOKIE_SPACE | COOKIE_KIND_MASK
                       | 0x1ffull << COOKIE_GEN_SHIFT | 0xffffffffull,
        .table_id = 0, .command = OFPFC_DELETE,
    };
    flow_mod(sw, &fm);
}

/* conn.c's events go to the log of the connection's switch. */
struct event_ctx { struct sw *sw; };
static conn_event_fn on_conn_event;

static void
conn_release(uint32_t i, const char *why)
{
    struct centry *e = &g.ce[i];
    struct sw *sw = sw_by_id(e->sw_id);
    if (sw) {
        struct event_ctx ctx = { sw };
        struct conn_env env = { &g.ccfg, on_conn_event, &ctx };
        conn_finish(&e->c, &env);
        if (e->c.entry[C2S] || e->c.entry[S2C]) {
            conn_delete_entries(sw, i);
        }
        ev_conn(sw->dpid, "conn_close", &e->c);
        ev_str("reason", why);
        ev_u64("responses", e->c.resp_count);
        ev_u64("elided_packets", e->c.elided_pkts + e->c.elided_pkts_ctl);
        ev_u64("elided_bytes", e->c.elided_bytes + e->c.elided_bytes_ctl);
        ev_u64("alerts", e->c.alert_count);
        ev_end();
    }
    /* Unlink from the hash chain. */
    uint32_t *pp = &g.buckets[bucket_of(e)];
    while (*pp && *pp != i + 1) {
        pp = &g.ce[*pp - 1].hnext;
    }
    if (*pp) {
        *pp = e->hnext;
    }
    lru_unlink(i);
    conn_free(&e->c);
    e->used = false;
    e->gen++;
    e->hnext = (uint32_t) g.free_head;
    g.free_head = i + 1;
    g.n_conns--;
}

static uint32_t
conn_lookup(uint32_t sw_id, uint32_t cip, uint16_t cp, uint32_t sip,
            uint16_t sp)
{
    size_t b = conn_hash(sw_id, cip, cp, sip, sp) & (g.n_buckets - 1);
    for (uint32_t i = g.buckets[b]; i; i = g.ce[i - 1].hnext) {
        const struct centry *e = &g.ce[i - 1];
        if (e->sw_id == sw_id && e->c.cli_ip == cip && e->c.cli_port == cp
            && e->c.srv_ip == sip && e->c.srv_port == sp) {
            return i;
        }
    }
    return 0;
}

static uint32_t
conn_create(struct sw *sw, uint32_t cip, uint16_t cp, uint32_t sip,
            uint16_t sp)
{
    if (g.n_conns == g.cfg.max_conns) {
        uint32_t old = g.lru_head - 1;
        char s[64];
        conn_str(&g.ce[old].c, s, sizeof s);
        VLOG_RL(LOG_WARN, "connection table full (%zu): evicting %s",
                g.cfg.max_conns, s);
        conn_release(old, "evicted");
    }
    uint32_t i;
    if (g.free_head) {
        i = (uint32_t) g.free_head - 1;
        g.free_head = g.ce[i].hnext;
    } else {
        i = (uint32_t) g.used_top++;
    }
    struct centry *e = &g.ce[i];
    uint16_t gen = e->gen;
    memset(e, 0, sizeof *e);
    e->gen = gen;
    e->used = true;
    e->sw_id = sw->id;
    conn_init(&e->c, cip, cp, sip, sp);
    size_t b = bucket_of(e);
    e->hnext = g.buckets[b];
    g.buckets[b] = i + 1;
    lru_push(i);
    g.n_conns++;
    ev_conn(sw->dpid, "conn_open", &e->c);
    ev_end();
    return i;
}

static void
on_conn_event(void *aux, const struct conn *c, const struct conn_event *e)
{
    struct event_ctx *ctx = aux;
    static const char *const names[] = {
        [CE_HTTP_REQUEST] = "http_request", [CE_HTTP_RESPONSE] = "http_response",
        [CE_ELIDE_START] = "elide_start", [CE_ELIDE_END] = "elide_end",
        [CE_ALERT] = "alert", [CE_PASSTHROUGH] = "passthrough",
    };
    if (e->type == CE_ALERT) {
        char s[64];
        conn_str(c, s, sizeof s);
        VLOG_RL(LOG_WARN, "%s: alert %s on %s: %s (%" PRIu64 " bytes)",
                ctx->sw->name, e->kind, s, e->detail ? e->detail : "",
                e->bytes);
    }
    if (!evlog_enabled()) {
        return;
    }
    ev_conn(ctx->sw->dpid, names[e->type], c);
    switch (e->type) {
    case CE_HTTP_REQUEST:
        ev_strn("method", e->method, e->method_len);
        ev_strn("target", e->target, e->target_len > 256 ? 256 : e->target_len);
        break;
    case CE_HTTP_RESPONSE:
        ev_u64("status", (uint64_t) e->status);
        ev_str("framing", e->framing);
        if (!strcmp(e->framing, "length")) {
            ev_u64("content_length", e->content_length);
        }
        break;
    case CE_ELIDE_START:
        ev_u64("content_length", e->content_length);
        break;
    case CE_ELIDE_END:
        ev_str("reason", e->kind);
        ev_u64("bytes", e->bytes);
        ev_u64("packets", e->packets);
        break;
    case CE_ALERT:
        ev_str("kind", e->kind);
        ev_u64("bytes", e->bytes);
        ev_str("detail", e->detail);
        break;
    case CE_PASSTHROUGH:
        ev_str("reason", e->kind);
        break;
    }
    ev_end();
}

/* One direction of a connection, as its entries match it. */
static struct ofp_match_spec
conn_match(const struct conn *c, enum conn_dir dir)
{
    return (struct ofp_match_spec) {
        .fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_IPV4_SRC
                  | OFPM_IPV4_DST | OFPM_TCP_SRC | OFPM_TCP_DST,
        .eth_type = 0x0800, .ip_proto = 6,
        .ipv4_src = dir == C2S ? c->cli_ip : c->srv_ip,
        .ipv4_dst = dir == C2S ? c->srv_ip : c->cli_ip,
        .tp_src = dir == C2S ? c->cli_port : c->srv_port,
        .tp_dst = dir == C2S ? c->srv_port : c->cli_port,
    };
}

static void
conn_install(struct sw *sw, uint32_t i, enum conn_dir dir, uint8_t kind)
{
    struct centry *e = &g.ce[i];
    struct conn *c = &e->c;
    uint32_t out = dir == S2C ? e->cli_ofport : e->srv_ofport;
    if (!out) {
        c->entry[dir] = ENTRY_NONE;     /* port not known yet: stay on Packet-In */
        return;
    }
    c->entry_seq[dir] = (c->entry_seq[dir] + 1) & 7;
    /* Its removal's counters are checked (conn_entry_removed()). */
    bool elides = kind == ENTRY_FWD;
    struct ofp_act acts[2] = { { OFPACT_OUTPUT, out, 0 },
                               { OFPACT_OUTPUT, g.cfg.mirror_port, 0 } };
    struct ofp_flow_mod_spec fm = {
        .cookie = conn_cookie(i) | (dir == S2C ? COOKIE_DIR : 0)
                  | (elides ? COOKIE_ELIDE : 0)
                  | (uint64_t) c->entry_seq[dir] << COOKIE_ESEQ_SHIFT,
        .command = OFPFC_ADD, .idle_timeout = (uint16_t) g.cfg.idle_timeout,
        .priority = PRIO_CONN, .flags = OFPFF_SEND_FLOW_REM,
        .match = conn_match(c, dir),
        .acts = acts, .n_acts = kind == ENTRY_FWD_MIRROR ? 2 : 1,
    };
    flow_mod(sw, &fm);
}

static void
conn_delete_dir(struct sw *sw, uint32_t i, enum conn_dir dir)
{
    const struct conn *c = &g.ce[i].c;
    struct ofp_flow_mod_spec fm = {
        .command = OFPFC_DELETE_STRICT, .priority = PRIO_CONN, .table_id = 0,
        .match = conn_match(c, dir),
    };
    flow_mod(sw, &fm);
}

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
held_conn(const struct sw *sw, const struct held *h)
{
    if (!h->centry) {
        return NULL;
    }
    struct centry *e = &g.ce[h->centry - 1];
    return e->used && e->gen == h->gen && e->sw_id == sw->id ? e : NULL;
}

static void
hold(struct sw *sw, uint32_t xid, uint32_t centry, const struct buf *msg)
{
    if (sw->n_held == HELD_LIMIT) {
        /* A switch that never answers barriers must not grow us. */
        sw_close(sw, "too many packets held for barrier replies");
        return;
    }
    if (sw->n_held == sw->cap_held) {
        sw->cap_held = sw->cap_held ? 2 * sw->cap_held : 16;
        sw->held = xrealloc(sw->held, sw->cap_held * sizeof *sw->held);
    }
    struct held *h = &sw->held[sw->n_held++];
    h->xid = xid;
    h->centry = centry;
    h->gen = centry ? g.ce[centry - 1].gen : 0;
    /* A packet of a connection whose barrier was answered already (in the
     * same read, or during --settle-ms) waits for no further reply: it
     * gets that reply's release time, or no reply might ever release it
     * and, release being in order, everything held after it. */
    h->release_ms = sw->barrier_seen
                    && xid_age(sw, xid) >= xid_age(sw, sw->barrier_xid)
                    ? sw->barrier_release_ms : 0;
    buf_init(&h->msg);
    buf_put(&h->msg, buf_head(msg), buf_avail(msg));
    if (h->release_ms) {
        /* Due already (--settle-ms 0, or the window is over): out now if
         * nothing before it waits, not at the next tick. */
        release_held(sw, time_ms());
    }
}

/* Carries out a verdict's entry operations for connection 'i': the one
 * place that turns conn.c's ops into messages, whatever produced them (a
 * packet, a stats sample, an entry's removal). */
static void
conn_apply(struct sw *sw, uint32_t i, const struct conn_out *out)
{
    struct centry *e = &g.ce[i];
    if (out->ops & CONN_OP_CLOSE && (e->c.entry_seq[C2S] || e->c.entry_seq[S2C])) {
        conn_delete_entries(sw, i);
        e->c.entry[C2S] = e->c.entry[S2C] = ENTRY_NONE;
    }
    if (out->ops & CONN_OP_DELETE_S2C) {
        conn_delete_dir(sw, i, S2C);
    }
    if (out->ops & CONN_OP_DELETE_C2S) {
        conn_delete_dir(sw, i, C2S);
    }
    if (out->ops & CONN_OP_INSTALL_S2C) {
        conn_install(sw, i, S2C, out->kind[S2C]);
    }
    if (out->ops & CONN_OP_INSTALL_C2S) {
        conn_install(sw, i, C2S, out->kind[C2S]);
    }
    if (out->ops & CONN_OP_HOLD
        && (!e->hold_xid
            || (sw->barrier_seen
                && xid_age(sw, e->hold_xid) >= xid_age(sw, sw->barrier_xid)))) {
        /* Later packets of this connection wait for this barrier: a new
         * one when the one they waited for already confirmed older
         * deletions, not these. */
        e->hold_xid = next_xid(sw);
        ofp_put_simple(&sw->tx, OFPT_BARRIER_REQUEST, e->hold_xid);
    }
}

/* A TCP segment (or the first fragment of one) of a watched connection;
 * 'p' had its checksums verified. */
static void
conn_packet_in(struct sw *sw, uint32_t in_port, const struct pkt *p,
               const uint8_t *data, size_t len)
{
    uint32_t src = get_be32(p->ip_src), dst = get_be32(p->ip_dst);
    bool to_server = is_http_port(p->dport);
    uint32_t cip = to_server ? src : dst, sip = to_server ? dst : src;
    uint16_t cp = to_server ? p->sport : p->dport;
    uint16_t sp = to_server ? p->dport : p->sport;
    enum conn_dir dir = to_server ? C2S : S2C;

    uint32_t idx = conn_lookup(sw->id, cip, cp, sip, sp);
    if (idx && !p->ip_frag && conn_new_syn(&g.ce[idx - 1].c, dir, p)) {
        /* A new connection on this 4-tuple: the old one is over. */
        conn_release(idx - 1, "new_syn");
        idx = 0;
    }
    uint32_t i = idx ? idx - 1 : conn_create(sw, cip, cp, sip, sp);
    struct centry *e = &g.ce[i];
    if (dir == C2S) {
        e->cli_ofport = in_port < 0xff00 ? (uint16_t) in_port : 0;
    } else {
        e->srv_ofport = in_port < 0xff00 ? (uint16_t) in_port : 0;
    }
    e->last_ms = (uint32_t) sw->last_rx_ms;    /* read once per receive, not per packet */
    lru_unlink(i);
    lru_push(i);

    struct event_ctx ctx = { sw };
    struct conn_env env = { &g.ccfg, on_conn_event, &ctx };
    struct conn_out out;
    if (p->ip_frag) {
        conn_fragment(&e->c, &env, &out);
    } else {
        conn_packet(&e->c, &env, dir, p, &out);
    }
    conn_apply(sw, i, &out);

    struct ofp_act mirror[1];
    size_t nm = 0;
    if (out.mirror_len == MIRROR_FULL || out.mirror_len >= len) {
        mirror[nm++] = (struct ofp_act) { OFPACT_OUTPUT, g.cfg.mirror_port, 0 };
    } else if (out.mirror_len) {
        mirror[nm++] = (struct ofp_act) { OFPACT_OUTPUT_TRUNC,
                                          g.cfg.mirror_port, out.mirror_len };
    }
    uint32_t out_port = mac_port(sw, p->eth_dst);
    if (e->hold_xid) {
        buf_clear(&g.scratch);
        packet_out(sw, &g.scratch, in_port, out_port, mirror, nm, data, len);
        hold(sw, e->hold_xid, i + 1, &g.scratch);
    } else {
        packet_out(sw, &sw->tx, in_port, out_port, mirror, nm, data, len);
    }
}

/* The barrier reply 'xid' confirms everything sent before it, the
 * deletions included (a switch answers barriers in order).  Open vSwitch
 * applies deletions to its datapath flow cache asynchronously
 * (revalidation), so the held packets go out --settle-ms later. */
static void
barrier_reply(struct sw *sw, uint32_t xid)
{
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
    uint64_t now = time_ms(), at = now + g.cfg.settle_ms;
    if (!sw->barrier_seen || xid_age(sw, xid) < xid_age(sw, sw->barrier_xid)) {
        sw->barrier_seen = true;
        sw->barrier_xid = xid;
        sw->barrier_release_ms = at;
    }
    for (size_t j = 0; j < sw->n_held; j++) {
        struct held *h = &sw->held[j];
        if (!h->release_ms && xid_age(sw, h->xid) >= xid_age(sw, xid)) {
            h->release_ms = at;
        }
    }
    /* With --settle-ms 0 they go out now; else it asks for the wake-up. */
    release_held(sw, now);
}

/* Sends the held packets that are due, in order: nothing overtakes a
 * packet still held.  Asks for a wake-up when the first one left is due. */
static void
release_held(struct sw *sw, uint64_t now)
{
    size_t j = 0;
    while (j < sw->n_held && sw->held[j].release_ms
           && sw->held[j].release_ms <= now) {
        struct held *h = &sw->held[j++];
        buf_put(&sw->tx, buf_head(&h->msg), buf_avail(&h->msg));
        buf_free(&h->msg);
        struct centry *e = held_conn(sw, h);
        if (e && e->hold_xid == h->xid) {
            e->hold_xid = 0;
        }
    }
    if (j) {
        sw->n_held -= j;
        memmove(sw->held, sw->held + j, sw->n_held * sizeof *sw->held);
        /* A connection cleared above whose packets still wait (behind
         * another connection's) holds on: a packet sent directly would
         * overtake them. */
        for (size_t k = 0; k < sw->n_held; k++) {
            struct centry *e = held_conn(sw, &sw->held[k]);
            if (e && !e->hold_xid) {
                e->hold_xid = sw->held[k].xid;
            }
        }
    }
    if (sw->n_held && sw->held[0].release_ms) {
        loop_wake_at(sw->held[0].release_ms);
    }
}

/* ---- Switch session ---- */

static void
install_base(struct sw *sw)
{
    /* Delete everything in our cookie space: stale entries from an earlier
     * session (or an earlier controller process) would bypass the mirror. */
    struct ofp_flow_mod_spec del = {
        .cookie = COOKIE_MAGIC, .cookie_mask = COOKIE_SPACE,
        .table_id = OFPTT_ALL, .command = OFPFC_DELETE,
    };
    flow_mod(sw, &del);

    struct ofp_act to_ctl = { OFPACT_OUTPUT, OFPP_CONTROLLER, OFPCML_NO_BUFFER };
    struct ofp_flow_mod_spec fm = {
        .cookie = COOKIE_MAGIC | COOKIE_KIND(CK_BASE), .command = OFPFC_ADD,
        .priority = PRIO_MISS, .acts = &to_ctl, .n_acts = 1,
    };
    flow_mod(sw, &fm);          /* explicit table-miss (spec 5.4) */

    if (sw->has_mirror) {
        /* The monitor only listens: nothing it sends enters the network. */
        struct ofp_flow_mod_spec drop = {
            .cookie = COOKIE_MAGIC | COOKIE_KIND(CK_BASE), .command = OFPFC_ADD,
            .priority = PRIO_MIRROR_IN,
            .match = { .fields = OFPM_IN_PORT, .in_port = g.cfg.mirror_port },
        };
        flow_mod(sw, &drop);
    }
    if (!is_elide() || !sw->has_mirror) {
        return;
    }
    fm.match.fields = OFPM_ETH_TYPE | OFPM_IP_PROTO;
    fm.match.eth_type = 0x0800;
    fm.match.ip_proto = 6;
    static const uint16_t c2s_traps[] = { TCP_PSH, TCP_SYN, TCP_FIN, TCP_RST };
    for (size_t i = 0; i < g.cfg.n_http_ports; i++) {
        for (int side = 0; side < 2; side++) {
            uint32_t tp = side ? OFPM_TCP_SRC : OFPM_TCP_DST;
            fm.priority = PRIO_WATCH;
            fm.match.fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | tp;
            fm.match.tp_src = fm.match.tp_dst = g.cfg.http_ports[i];
            flow_mod(sw, &fm);
            if (g.cfg.mode != MODE_ELIDE) {
                continue;
            }
            /* Packets that may carry a request, and every SYN, FIN and
             * RST, always reach the controller, above connection entries.
             * Server PSH is not trapped: body segments carry it too. */
            fm.priority = PRIO_TRAP;
            fm.match.fields |= OFPM_TCP_FLAGS;
            for (size_t k = side; k < 4; k++) {
                fm.match.tcp_flags = fm.match.tcp_flags_mask = c2s_traps[k];
                flow_mod(sw, &fm);
            }
        }
    }
    if (g.cfg.mode == MODE_ELIDE) {
        /* IP fragments: a switch looks them up with TCP ports 0 (OpenFlow
         * 1.0 figure 3, which Open vSwitch keeps for every version in its
         * "normal" fragment handling), so no connection entry matches
         * them; they come here, where a first fragment makes its
         * connection passthrough (conn_fragment()). */
        fm.priority = PRIO_TRAP;
        fm.match.fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_TCP_SRC
                          | OFPM_TCP_DST;
        fm.match.tp_src = fm.match.tp_dst = 0;
        flow_mod(sw, &fm);
    }
}

static void
sw_ready(struct sw *sw)
{
    sw->ready = true;
    install_base(sw);
    ofp_put_simple(&sw->tx, OFPT_BARRIER_REQUEST, next_xid(sw));
    vlog(LOG_INFO, "%s: connected, %zu ports, mirror %s", sw->name,
         sw->n_ports, sw->has_mirror ? "present" : "absent");
    ev_begin(sw->dpid, "switch_connected");
    ev_u64("ports", sw->n_ports);
    ev_bool("mirror", sw->has_mirror);
    ev_str("mode", ctl_mode_str(g.cfg.mode));
    ev_end();
}

static void
sw_add_port(struct sw *sw, const struct ofp_port_info *pi)
{
    if (pi->port_no == g.cfg.mirror_port && g.cfg.mirror_port) {
        sw->has_mirror = true;
    }
    if (pi->port_no >= OFPP_MAX) {
        return;
    }
    for (size_t i = 0; i < sw->n_ports; i++) {
        if (sw->ports[i] == pi->port_no) {
            return;
        }
    }
    if (sw->n_ports == MAX_PORTS) {
        VLOG_RL(LOG_WARN, "%s: more than %d ports, port %u ignored", sw->name,
                MAX_PORTS, pi->port_no);
        return;
    }
    if (sw->n_ports == sw->cap_ports) {
        sw->cap_ports = sw->cap_ports ? 2 * sw->cap_ports : 16;
        sw->ports = xrealloc(sw->ports, sw->cap_ports * sizeof *sw->ports);
    }
    sw->ports[sw->n_ports++] = pi->port_no;
}

static void
sw_del_port(struct sw *sw, uint32_t port)
{
    for (size_t i = 0; i < sw->n_ports; i++) {
        if (sw->ports[i] == port) {
            sw->ports[i] = sw->ports[--sw->n_ports];
            break;
        }
    }
    for (size_t i = 0; i < MAC_TABLE_SIZE; i++) {
        if (sw->macs[i].used && sw->macs[i].port == port) {
            sw->macs[i].port = 0;   /* keeps the probe chain intact */
        }
    }
}

/* The live connection of this switch that 'ck' names, or NULL: a stale
 * cookie (released, reused slot, another session) names none. */
static struct centry *
conn_of_cookie(const struct sw *sw, uint64_t ck)
{
    if ((ck & COOKIE_SPACE) != COOKIE_MAGIC
        || (ck & COOKIE_KIND_MASK) != COOKIE_KIND(CK_CONN)) {
        return NULL;
    }
    uint32_t i = (uint32_t) ck;
    uint16_t gen = (ck >> COOKIE_GEN_SHIFT) & 0x1ff;
    if (i >= g.used_top || !g.ce[i].used || (g.ce[i].gen & 0x1ff) != gen
        || g.ce[i].sw_id != sw->id) {
        return NULL;
    }
    return &g.ce[i];
}

static void
handle_flow_removed(struct sw *sw, const struct ofp_flow_removed_msg *fr)
{
    struct centry *e = conn_of_cookie(sw, fr->cookie);
    if (!e) {
        return;
    }
    enum conn_dir dir = fr->cookie & COOKIE_DIR ? S2C : C2S;
    uint8_t eseq = (fr->cookie >> COOKIE_ESEQ_SHIFT) & 7;
    static const char *const reasons[] = {
        "idle_timeout", "hard_timeout", "delete", "group_delete",
        "meter_delete", "eviction",
    };
    const char *why = fr->reason < 6 ? reasons[fr->reason] : "unknown";
    struct event_ctx ctx = { sw };
    struct conn_env env = { &g.ccfg, on_conn_event, &ctx };
    struct conn_out out;
    conn_entry_removed(&e->c, &env, dir, fr->cookie & COOKIE_ELIDE,
                       eseq == e->c.entry_seq[dir], why, fr->packet_count,
                       fr->byte_count, &out);
    conn_apply(sw, (uint32_t) (e - g.ce), &out);
}

static void
handle_flow_stats(struct sw *sw, const struct ofp_multipart_reply *r)
{
    size_t ofs = 0;
    struct ofp_flow_stats_entry fs;
    int rc;
    uint64_t now = time_ms();
    while ((rc = ofp_next_flow_stats(r, &ofs, &fs)) > 0) {
        uint64_t ck = fs.cookie;
        struct centry *e = conn_of_cookie(sw, ck);
        if (!e || !(ck & COOKIE_DIR) || !(ck & COOKIE_ELIDE)
            || ((ck >> COOKIE_ESEQ_SHIFT) & 7) != e->c.entry_seq[S2C]) {
            continue;
        }
        uint32_t i = (uint32_t) (e - g.ce);
        struct event_ctx ctx = { sw };
        struct conn_env env = { &g.ccfg, on_conn_event, &ctx };
        struct conn_out out;
        conn_stats(&g.ce[i].c, &env, fs.packet_count, fs.byte_count, now,
                   g.cfg.stats_interval_ms, &out);
        conn_apply(sw, i, &out);
    }
    if (rc < 0) {
        VLOG_RL(LOG_WARN, "%s: bad flow stats reply: %s", sw->name,
                ofp_dec_str(rc));
    }
}

/* A FLOW_MOD the switch refused for lack of room: the error carries the
 * start of our request (spec 7.5.4), hence its cookie.  The connection
 * falls back to mirroring everything through the controller. */
static void
table_full(struct sw *sw, const struct ofp_error *e)
{
    if (e->data_len < OFS(ofp_flow_mod, cookie_mask) || e->data[1] != OFPT_FLOW_MOD) {
        return;
    }
    struct centry *ce = conn_of_cookie(sw, get_be64(e->data
                                                    + OFS(ofp_flow_mod, cookie)));
    if (!ce) {
        return;
    }
    uint32_t i = (uint32_t) (ce - g.ce);
    struct event_ctx ctx = { sw };
    struct conn_env env = { &g.ccfg, on_conn_event, &ctx };
    conn_table_full(&g.ce[i].c, &env);
    conn_delete_entries(sw, i);     /* whatever did get in */
}

static void
handle_msg(struct sw *sw, const uint8_t *msg, size_t len)
{
    struct ofp_msg m;
    ofp_msg_init(&m, msg, len);
    if (!sw->hello_seen) {
        if (m.type != OFPT_HELLO) {
            vlog(LOG_WARN, "%s: %s before HELLO", sw->name, ofp_type_str(m.type));
            sw_close(sw, "message before HELLO");
            return;
        }
        if (!ofp_hello_negotiate(&m)) {
            vlog(LOG_WARN, "%s: switch does not speak OpenFlow 1.3 (version 0x%02x)",
                 sw->name, m.version);
            ev_begin(0, "openflow_error");
            ev_str("switch", sw->name);
            ev_str("error", "HELLO_FAILED/INCOMPATIBLE (sent)");
            ev_end();
            static const char text[] = "only OpenFlow 1.3 is supported";
            ofp_put_error(&sw->tx, m.xid, OFPET_HELLO_FAILED,
                          OFPHFC_INCOMPATIBLE, text, sizeof text - 1);
            sw_flush(sw);
            sw_close(sw, "version negotiation failed");
            return;
        }
        sw->hello_seen = true;
        ofp_put_simple(&sw->tx, OFPT_FEATURES_REQUEST, next_xid(sw));
        return;
    }
    if (m.version != OFP13_VERSION) {
        VLOG_RL(LOG_WARN, "%s: message with version 0x%02x ignored", sw->name,
                m.version);
        ofp_put_error(&sw->tx, m.xid, OFPET_BAD_REQUEST, OFPBRC_BAD_VERSION,
                      msg, len);
        return;
    }
    int err = 0;
    switch (m.type) {
    case OFPT_HELLO:
        break;
    case OFPT_ECHO_REQUEST:
        ofp_put_echo(&sw->tx, OFPT_ECHO_REPLY, m.xid, m.body, m.body_len);
        break;
    case OFPT_ECHO_REPLY:
        sw->probe_sent = false;
        break;
    case OFPT_FEATURES_REPLY: {
        struct ofp_features f;
        if ((err = ofp_decode_features(&m, &f))) {
            break;
        }
        if (sw->has_dpid) {
            break;
        }
        /* The same datapath reconnecting: the new session wins, the old
         * one is presumably half-open. */
        for (struct sw *o = g.sws; o; o = o->next) {
            if (o != sw && !o->dead && o->has_dpid && o->dpid == f.datapath_id) {
                vlog(LOG_WARN, "%s: new connection from the same datapath, "
                     "closing the old one", o->name);
                sw_close(o, "replaced by a new connection");
            }
        }
        sw->dpid = f.datapath_id;
        sw->has_dpid = true;
        snprintf(sw->name, sizeof sw->name, "%016" PRIx64, sw->dpid);
        ofp_put_set_config(&sw->tx, next_xid(sw), OFPCML_NO_BUFFER);
        ofp_put_port_desc_request(&sw->tx, next_xid(sw));
        break;
    }
    case OFPT_MULTIPART_REPLY: {
        struct ofp_multipart_reply r;
        if ((err = ofp_decode_multipart_reply(&m, &r))) {
            break;
        }
        if (r.type == OFPMP_PORT_DESC) {
            size_t ofs = 0;
            struct ofp_port_info pi;
            int rc;
            while ((rc = ofp_next_port(&r, &ofs, &pi)) > 0) {
                sw_add_port(sw, &pi);
            }
            err = rc < 0 ? rc : 0;
            if (!(r.flags & OFPMPF_MORE) && !sw->ready && sw->has_dpid) {
                sw_ready(sw);
            }
        } else if (r.type == OFPMP_FLOW) {
            handle_flow_stats(sw, &r);
            if (!(r.flags & OFPMPF_MORE)) {
                sw->stats_xid = 0;
            }
        }
        break;
    }
    case OFPT_PACKET_IN: {
        struct ofp_packet_in_msg pi;
        if ((err = ofp_decode_packet_in(&m, &pi))) {
            break;
        }
        sw->n.packet_in++;
        if (!sw->ready) {
            break;
        }
        struct pkt p;
        enum pkt_result pr = pkt_parse(pi.data, pi.data_len, &p);
        if (pr == PKT_INVALID || !(p.layers & PKT_L2)) {
            VLOG_RL(LOG_DBG, "%s: unparsable packet (%s) from port %u dropped",
                    sw->name, pkt_result_str(pr), pi.in_port);
            break;
        }
        if (sw->has_mirror && pi.in_port == g.cfg.mirror_port) {
            break;
        }
        mac_learn(sw, p.eth_src, pi.in_port);
        /* A first fragment has ports: elide mode makes its connection
         * passthrough; later ones go the L2 way (forwarded, mirrored). */
        if (is_elide() && sw->has_mirror && p.layers & PKT_L4
            && p.ip_version == 4 && p.ip_proto == 6
            && (!p.ip_frag || g.cfg.mode == MODE_ELIDE)
            && (is_http_port(p.dport) || is_http_port(p.sport))) {
            pkt_verify_csum(pi.data, pi.data_len, &p);
            conn_packet_in(sw, pi.in_port, &p, pi.data, pi.data_len);
        } else {
            l2_packet(sw, pi.in_port, &p, pi.data, pi.data_len);
        }
        break;
    }
    case OFPT_FLOW_REMOVED: {
        struct ofp_flow_removed_msg fr;
        if (!(err = ofp_decode_flow_removed(&m, &fr))) {
            handle_flow_removed(sw, &fr);
        }
        break;
    }
    case OFPT_PORT_STATUS: {
        struct ofp_port_status_msg ps;
        if ((err = ofp_decode_port_status(&m, &ps))) {
            break;
        }
        if (ps.reason == OFPPR_DELETE) {
            sw_del_port(sw, ps.port.port_no);
        } else {
            sw_add_port(sw, &ps.port);
        }
        break;
    }
    case OFPT_BARRIER_REPLY:
        barrier_reply(sw, m.xid);
        break;
    case OFPT_ERROR: {
        struct ofp_error e;
        if ((err = ofp_decode_error(&m, &e))) {
            break;
        }
        char what[32] = "";
        if (e.data_len >= 2) {
            snprintf(what, sizeof what, " in reply to %s", ofp_type_str(e.data[1]));
        }
        VLOG_RL(LOG_WARN, "%s: OpenFlow error xid=0x%08" PRIx32 " type=%s(%u) code=%u%s",
                sw->name, m.xid, ofp_error_type_str(e.type), e.type, e.code, what);
        if (e.type == OFPET_FLOW_MOD_FAILED && e.code == OFPFMFC_TABLE_FULL) {
            table_full(sw, &e);
        }
        ev_begin(sw->dpid, "openflow_error");
        ev_u64("xid", m.xid);
        ev_str("type", ofp_error_type_str(e.type));
        ev_u64("code", e.code);
        ev_end();
        break;
    }
    case OFPT_GET_CONFIG_REPLY:
    case OFPT_ROLE_REPLY:
    case OFPT_GET_ASYNC_REPLY:
        break;
    default:
        VLOG_RL(LOG_WARN, "%s: unexpected message type %u (%s), ignored",
                sw->name, m.type, ofp_type_str(m.type));
        ofp_put_error(&sw->tx, m.xid, OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE, msg, len);
        break;
    }
    if (err) {
        VLOG_RL(LOG_WARN, "%s: malformed %s (xid 0x%08" PRIx32 ", %zu bytes): %s",
                sw->name, ofp_type_str(m.type), m.xid, len, ofp_dec_str(err));
        ofp_put_error(&sw->tx, m.xid, OFPET_BAD_REQUEST, OFPBRC_BAD_LEN, msg, len);
    }
}

static void
sw_input(struct sw *sw)
{
    for (int round = 0; round < 16; round++) {
        buf_reserve(&sw->rx, 65536);
        ssize_t n = recv(sw->lh.fd, sw->rx.data + sw->rx.len,
                         sw->rx.cap - sw->rx.len, 0);
        if (n == 0) {
            sw_close(sw, "connection closed by switch");
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            if (errno == EINTR) {
                continue;
            }
            sw_close(sw, "receive failed");
            return;
        }
        sw->rx.len += (size_t) n;
        sw->last_rx_ms = time_ms();
        sw->probe_sent = false;
        /* Consume once per receive: compacting per message would move
         * the buffer's bytes once per message. */
        size_t done = 0;
        for (;;) {
            int mlen = ofp_frame(buf_head(&sw->rx) + done,
                                 buf_avail(&sw->rx) - done);
            if (mlen < 0) {
                vlog(LOG_WARN, "%s: OpenFlow length field < 8: stream is "
                     "corrupt", sw->name);
                sw_close(sw, "bad framing");
                return;
            }
            if (mlen == 0) {
                break;
            }
            handle_msg(sw, buf_head(&sw->rx) + done, (size_t) mlen);
            if (sw->dead) {
                return;
            }
            done += (size_t) mlen;
        }
        buf_consume(&sw->rx, done);
        if (buf_avail(&sw->tx) > TX_PAUSE) {
            break;
        }
    }
    sw_flush(sw);
}

static void
sw_event(struct loop_handler *lh, uint32_t events)
{
    struct sw *sw = (struct sw *) lh;
    if (sw->dead) {
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        sw_input(sw);
    }
    if (!sw->dead && events & EPOLLOUT) {
        sw_flush(sw);
    }
}

static void
sw_close(struct sw *sw, const char *why)
{
    if (sw->dead) {
        return;
    }
    sw->dead = true;
    loop_del(&sw->lh);
    close(sw->lh.fd);
    vlog(LOG_INFO, "%s: disconnected (%s); received %" PRIu64 " packet-ins, "
         "sent %" PRIu64 " packet-outs, %" PRIu64 " flow-mods, %" PRIu64
         " flow-stats requests", sw->name, why, sw->n.packet_in,
         sw->n.packet_out, sw->n.flow_mod, sw->n.stats_request);
    ev_begin(sw->dpid, "switch_disconnected");
    ev_str("reason", why);
    ev_u64("packet_in", sw->n.packet_in);
    ev_u64("packet_out", sw->n.packet_out);
    ev_u64("flow_mod", sw->n.flow_mod);
    ev_u64("stats_request", sw->n.stats_request);
    ev_end();
    /* sw is dead: conn_release sends nothing for these. */
    for (size_t i = 0; i < g.used_top; i++) {
        if (g.ce[i].used && g.ce[i].sw_id == sw->id) {
            conn_release((uint32_t) i, "switch_disconnected");
        }
    }
}

static void
sw_free(struct sw *sw)
{
    buf_free(&sw->rx);
    buf_free(&sw->tx);
    for (size_t i = 0; i < sw->n_held; i++) {
        buf_free(&sw->held[i].msg);
    }
    free(sw->held);
    free(sw->ports);
    free(sw->macs);
    free(sw);
}

static void
accept_event(struct loop_handler *lh, uint32_t events)
{
    (void) events;
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
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct sw *sw = xcalloc(1, sizeof *sw);
        sw->lh.cb = sw_event;
        sw->lh.fd = fd;
        sw->id = ++g.next_sw_id ? g.next_sw_id : ++g.next_sw_id;
        sw->macs = xcalloc(MAC_TABLE_SIZE, sizeof *sw->macs);
        sw->last_rx_ms = sw->last_poll_ms = time_ms();
        char host[INET6_ADDRSTRLEN] = "?", port[8] = "?";
        getnameinfo((struct sockaddr *) &ss, sl, host, sizeof host, port,
                    sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
        snprintf(sw->name, sizeof sw->name, "%s:%s", host, port);
        buf_init(&sw->rx);
        buf_init(&sw->tx);
        sw->next = g.sws;
        g.sws = sw;
        loop_add(&sw->lh, EPOLLIN);
        ofp_put_hello(&sw->tx, next_xid(sw));
        sw_flush(sw);
    }
}

/* ---- Timers ---- */

static void
poll_stats(struct sw *sw, uint64_t now)
{
    if (g.cfg.mode != MODE_ELIDE && g.cfg.mode != MODE_ELIDE_PAPER) {
        return;
    }
    if (now - sw->last_poll_ms < g.cfg.stats_interval_ms) {
        return;
    }
    if (sw->stats_xid && now - sw->last_poll_ms < 10 * g.cfg.stats_interval_ms) {
        return;     /* the previous reply is still coming */
    }
    sw->last_poll_ms = now;
    sw->stats_xid = next_xid(sw);
    uint64_t ck = COOKIE_MAGIC | COOKIE_KIND(CK_CONN) | COOKIE_DIR | COOKIE_ELIDE;
    sw->n.stats_request++;
    ofp_put_flow_stats_request(&sw->tx, sw->stats_xid, 0, ck,
                               COOKIE_SPACE | COOKIE_KIND_MASK | COOKIE_DIR
                               | COOKIE_ELIDE);
}

/* Walks the least recently active connections (bounded work per tick):
 * closed ones go after a linger that absorbs the last ACKs, idle ones
 * without entries after conn_idle_s.  One that is still busy behind its
 * entries moves to the back, so it does not block the walk. */
static void
expire_conns(uint64_t now)
{
    uint64_t idle_ms = (uint64_t) g.cfg.conn_idle_s * 1000;
    uint32_t next;
    for (uint32_t idx = g.lru_head, budget = 20000; idx && budget; idx = next, budget--) {
        uint32_t i = idx - 1;
        struct centry *e = &g.ce[i];
        next = e->lru_next;
        uint32_t age = (uint32_t) now - e->last_ms;
        if (age < LINGER_MS) {
            break;
        }
        if (e->c.closed) {
            conn_release(i, "closed");
        } else if (age >= idle_ms) {
            if (!e->c.entry[C2S] && !e->c.entry[S2C]) {
                conn_release(i, "idle");
            } else {
                e->last_ms = (uint32_t) now;
                lru_unlink(i);
                lru_push(i);
            }
        }
    }
}

void
ctl_tick(void *arg)
{
    (void) arg;
    uint64_t now = time_ms();
    for (struct sw **pp = &g.sws; *pp; ) {
        struct sw *sw = *pp;
        if (sw->dead) {
            *pp = sw->next;
            sw_free(sw);
            continue;
        }
        pp = &sw->next;
        uint64_t silent = now - sw->last_rx_ms;
        if (silent > 3ull * g.cfg.probe_interval_ms) {
            sw_close(sw, "inactivity probe timed out");
            continue;
        }
        if (silent > g.cfg.probe_interval_ms && !sw->probe_sent) {
            ofp_put_echo(&sw->tx, OFPT_ECHO_REQUEST, next_xid(sw), NULL, 0);
            sw->probe_sent = true;
        }
        if (sw->n_held) {
            release_held(sw, now);
        }
        if (sw->ready && sw->has_mirror) {
            poll_stats(sw, now);
        }
        sw_flush(sw);
    }
    expire_conns(now);
}

int
ctl_start(const struct ctl_cfg *cfg, const char *host, const char *port)
{
    memset(&g, 0, sizeof g);
    g.cfg = *cfg;
    g.ccfg.threshold = cfg->threshold;
    g.ccfg.entry_min = cfg->entry_min;
    g.ccfg.paper = cfg->mode == MODE_ELIDE_PAPER;
    if (is_elide()) {
        g.ce = xcalloc(cfg->max_conns, sizeof *g.ce);
        g.n_buckets = 1;
        while (g.n_buckets < cfg->max_conns) {
            g.n_buckets *= 2;
        }
        g.buckets = xcalloc(g.n_buckets, sizeof *g.buckets);
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) {
        vlog(LOG_ERR, "cannot resolve %s:%s: %s", host, port, gai_strerror(rc));
        return -EINVAL;
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
        return -err;
    }
    freeaddrinfo(ai);
    g.listener.cb = accept_event;
    g.listener.fd = fd;
    loop_add(&g.listener, EPOLLIN);
    return 0;
}

void
ctl_stop(void)
{
    for (struct sw *sw = g.sws; sw; ) {
        struct sw *next = sw->next;
        if (!sw->dead) {
            sw_flush(sw);
            sw_close(sw, "controller exiting");
        }
        sw_free(sw);
        sw = next;
    }
    g.sws = NULL;
    for (size_t i = 0; i < g.used_top; i++) {
        if (g.ce[i].used) {
            conn_free(&g.ce[i].c);
        }
    }
    free(g.ce);
    free(g.buckets);
    buf_free(&g.scratch);
    if (g.listener.fd > 0) {
        loop_del(&g.listener);
        close(g.listener.fd);
    }
}
