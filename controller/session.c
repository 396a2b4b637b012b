/* One OpenFlow 1.3 session with a switch.  See session.h. */
#include "session.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "controller.h"
#include "l2.h"
#include "log.h"
#include "realize.h"

#define TX_LIMIT (32u << 20)        /* a peer that stops reading is dropped */
#define TX_PAUSE (1u << 20)         /* above this, stop reading the peer */
#define MAX_PORTS 4096              /* per switch */

/* ---- States ---- */

typedef void recv_fn(struct sw *, const uint8_t *msg, size_t len);
#define SW_STATE_DECL(NAME, RECV) static recv_fn RECV;
SW_STATES(SW_STATE_DECL)
#undef SW_STATE_DECL

static const struct {
    const char *name;
    recv_fn *recv;
} states[] = {
#define SW_STATE_ROW(NAME, RECV) [SW_##NAME] = { #NAME, RECV },
    SW_STATES(SW_STATE_ROW)
#undef SW_STATE_ROW
};

const char *
sw_state_name(enum sw_state s)
{
    return (size_t) s < sizeof states / sizeof *states ? states[s].name : "?";
}

/* ---- Sending ---- */

uint32_t
sw_next_xid(struct sw *sw)
{
    if (++sw->xid == 0) {
        sw->xid = 1;
    }
    return sw->xid;
}

void
sw_flush(struct sw *sw)
{
    if (sw->lh.fd < 0) {
        return;                 /* detached (sw_new()): tx stays */
    }
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
            VLOG_RL(LOG_WARN, "%s: send: %s", sw->name,
                    n < 0 ? strerror(errno) : "sent nothing");
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
    int err = loop_mod(&sw->lh, want);
    if (err) {
        vlog(LOG_ERR, "%s: epoll: %s", sw->name, strerror(err));
        sw_close(sw, "event loop failed");
        return;
    }
    if (buf_avail(&sw->tx) > TX_LIMIT) {
        sw_close(sw, "switch does not read: send queue over limit");
    }
}

void
sw_flow_mod(struct sw *sw, const struct ofp_flow_mod_spec *fm)
{
    ofp_put_flow_mod(&sw->tx, sw_next_xid(sw), fm);
    sw->n.flow_mod++;
}

uint32_t
sw_barrier(struct sw *sw)
{
    uint32_t xid = sw_next_xid(sw);
    ofp_put_simple(&sw->tx, OFPT_BARRIER_REQUEST, xid);
    return xid;
}

bool
sw_tracker(const struct sw *sw)
{
    return sw->rlz && sw->rlz->tracker;
}

void
sw_packet_out(struct sw *sw, struct buf *b, uint32_t in_port,
              uint32_t out_port, const struct ofp_act *extra, size_t n_extra,
              const uint8_t *data, size_t len)
{
    struct ofp_act acts[OFP_MAX_ACTS];
    size_t n = 0;
    uint32_t mirror_port = sw->ctl->cfg.mirror_port;
    /* A ct() action goes first: what it commits is in place before the
     * packet leaves (and before anything the packet causes comes back). */
    for (size_t i = 0; i < n_extra; i++) {
        if (extra[i].kind == OFPACT_CT) {
            acts[n++] = extra[i];
        }
    }
    size_t n_ct = n;
    if (out_port) {
        if (out_port != in_port) {
            acts[n++] = OFP_OUTPUT(out_port);
        }
    } else {
        /* Flooding never includes the mirror port: list the ports. */
        for (size_t i = 0; i < sw->n_ports && n < OFP_MAX_ACTS - 2; i++) {
            uint32_t p = sw->ports[i];
            if (p != in_port && p != mirror_port) {
                acts[n++] = OFP_OUTPUT(p);
            }
        }
    }
    for (size_t i = 0; i < n_extra && n < OFP_MAX_ACTS; i++) {
        if (extra[i].kind != OFPACT_CT) {
            acts[n++] = extra[i];
        }
    }
    if (n == n_ct) {
        return;
    }
    ofp_put_packet_out(b, sw_next_xid(sw), in_port, acts, n, data, len);
    sw->n.packet_out++;
}

/* ---- Ports ---- */

static void
add_port(struct sw *sw, const struct ofp_port_info *pi)
{
    uint32_t mirror_port = sw->ctl->cfg.mirror_port;
    if (mirror_port && pi->port_no == mirror_port) {
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
del_port(struct sw *sw, uint32_t port)
{
    for (size_t i = 0; i < sw->n_ports; i++) {
        if (sw->ports[i] == port) {
            sw->ports[i] = sw->ports[--sw->n_ports];
            break;
        }
    }
    l2_port_deleted(sw->l2, port);
}

/* ---- Receiving: one handler per message type ----
 * Each returns 0 or an OFPDEC_* code (ofp.h) for a malformed message. */

typedef int msg_fn(struct sw *, const struct ofp_msg *);

static int
on_echo_request(struct sw *sw, const struct ofp_msg *m)
{
    ofp_put_echo(&sw->tx, OFPT_ECHO_REPLY, m->xid, m->body, m->body_len);
    return 0;
}

static int
on_echo_reply(struct sw *sw, const struct ofp_msg *m)
{
    (void) m;
    sw->probe_sent = false;
    return 0;
}

static int
on_ignored(struct sw *sw, const struct ofp_msg *m)
{
    (void) sw;
    (void) m;
    return 0;
}

static int
on_features_reply(struct sw *sw, const struct ofp_msg *m)
{
    struct ofp_features f;
    int err = ofp_decode_features(m, &f);
    if (err || sw->state != SW_FEATURES) {
        return err;
    }
    /* The same datapath reconnecting: the new session wins, the old one is
     * presumably half-open. */
    ctl_datapath_claimed(sw->ctl, sw, f.datapath_id);
    sw->dpid = f.datapath_id;
    sw->state = SW_PORTS;
    snprintf(sw->name, sizeof sw->name, "%016" PRIx64, sw->dpid);
    ofp_put_set_config(&sw->tx, sw_next_xid(sw), OFPCML_NO_BUFFER);
    ofp_put_port_desc_request(&sw->tx, sw_next_xid(sw));
    return 0;
}

static int
on_port_desc(struct sw *sw, const struct ofp_multipart_reply *r)
{
    size_t ofs = 0;
    struct ofp_port_info pi;
    int rc;
    while ((rc = ofp_next_port(r, &ofs, &pi)) > 0) {
        add_port(sw, &pi);
    }
    if (!(r->flags & OFPMPF_MORE) && sw->state == SW_PORTS) {
        sw->state = SW_READY;
        ctl_switch_ready(sw);
    }
    return rc < 0 ? rc : 0;
}

static int
on_multipart_reply(struct sw *sw, const struct ofp_msg *m)
{
    struct ofp_multipart_reply r;
    int err = ofp_decode_multipart_reply(m, &r);
    if (err) {
        return err;
    }
    if (r.type == OFPMP_PORT_DESC) {
        return on_port_desc(sw, &r);
    }
    if (r.type == OFPMP_FLOW) {
        ctl_flow_stats(sw, &r);
    }
    if (r.type == OFPMP_PORT_STATS) {
        ctl_port_stats(sw, &r);
    }
    if (r.type == OFPMP_METER_FEATURES) {
        ctl_meter_features(sw, &r);
    }
    if (r.type == OFPMP_METER) {
        ctl_meter_stats(sw, &r, m->xid);
    }
    return 0;
}

static int
on_packet_in(struct sw *sw, const struct ofp_msg *m)
{
    struct ofp_packet_in_msg pi;
    int err = ofp_decode_packet_in(m, &pi);
    if (err) {
        return err;
    }
    sw->n.packet_in++;
    if (sw->state == SW_READY) {
        ctl_packet_in(sw, &pi);
    }
    return 0;
}

static int
on_flow_removed(struct sw *sw, const struct ofp_msg *m)
{
    struct ofp_flow_removed_msg fr;
    int err = ofp_decode_flow_removed(m, &fr);
    if (!err) {
        ctl_flow_removed(sw, &fr);
    }
    return err;
}

static int
on_port_status(struct sw *sw, const struct ofp_msg *m)
{
    struct ofp_port_status_msg ps;
    int err = ofp_decode_port_status(m, &ps);
    if (err) {
        return err;
    }
    if (ps.reason == OFPPR_DELETE) {
        del_port(sw, ps.port.port_no);
    } else {
        add_port(sw, &ps.port);
    }
    return 0;
}

static int
on_barrier_reply(struct sw *sw, const struct ofp_msg *m)
{
    ctl_barrier_reply(sw, m->xid);
    return 0;
}

static int
on_error(struct sw *sw, const struct ofp_msg *m)
{
    struct ofp_error e;
    int err = ofp_decode_error(m, &e);
    if (err) {
        return err;
    }
    char what[32] = "";
    if (e.data_len >= 2) {
        snprintf(what, sizeof what, " in reply to %s", ofp_type_str(e.data[1]));
    }
    VLOG_RL(LOG_WARN, "%s: OpenFlow error xid=0x%08" PRIx32 " type=%s(%u) code=%u%s",
            sw->name, m->xid, ofp_error_type_str(e.type), e.type, e.code, what);
    ctl_error(sw, &e);
    ev_openflow_error(sw->dpid, m->xid, e.type, e.code, false);
    return 0;
}

static msg_fn *const handlers[] = {
    [OFPT_HELLO] = on_ignored,
    [OFPT_ERROR] = on_error,
    [OFPT_ECHO_REQUEST] = on_echo_request,
    [OFPT_ECHO_REPLY] = on_echo_reply,
    [OFPT_FEATURES_REPLY] = on_features_reply,
    [OFPT_GET_CONFIG_REPLY] = on_ignored,
    [OFPT_PACKET_IN] = on_packet_in,
    [OFPT_FLOW_REMOVED] = on_flow_removed,
    [OFPT_PORT_STATUS] = on_port_status,
    [OFPT_MULTIPART_REPLY] = on_multipart_reply,
    [OFPT_BARRIER_REPLY] = on_barrier_reply,
    [OFPT_ROLE_REPLY] = on_ignored,
    [OFPT_GET_ASYNC_REPLY] = on_ignored,
};

/* SW_HELLO: only the switch's HELLO, with a version in common. */
static void
recv_hello(struct sw *sw, const uint8_t *msg, size_t len)
{
    struct ofp_msg m;
    ofp_msg_init(&m, msg, len);
    if (m.type != OFPT_HELLO) {
        vlog(LOG_WARN, "%s: %s before HELLO", sw->name, ofp_type_str(m.type));
        sw_close(sw, "message before HELLO");
        return;
    }
    if (!ofp_hello_negotiate(&m)) {
        vlog(LOG_WARN, "%s: switch does not speak OpenFlow 1.3 (version 0x%02x)",
             sw->name, m.version);
        static const char text[] = "only OpenFlow 1.3 is supported";
        ofp_put_error(&sw->tx, m.xid, OFPET_HELLO_FAILED, OFPHFC_INCOMPATIBLE,
                      text, sizeof text - 1);
        ev_openflow_error(0, m.xid, OFPET_HELLO_FAILED, OFPHFC_INCOMPATIBLE,
                          true);
        sw_flush(sw);
        sw_close(sw, "version negotiation failed");
        return;
    }
    sw->state = SW_FEATURES;
    ofp_put_simple(&sw->tx, OFPT_FEATURES_REQUEST, sw_next_xid(sw));
}

/* After HELLO: per message type. */
static void
recv_session(struct sw *sw, const uint8_t *msg, size_t len)
{
    struct ofp_msg m;
    ofp_msg_init(&m, msg, len);
    if (m.version != OFP13_VERSION) {
        VLOG_RL(LOG_WARN, "%s: message with version 0x%02x ignored", sw->name,
                m.version);
        ofp_put_error(&sw->tx, m.xid, OFPET_BAD_REQUEST, OFPBRC_BAD_VERSION,
                      msg, len);
        return;
    }
    msg_fn *fn = m.type < sizeof handlers / sizeof *handlers
                 ? handlers[m.type] : NULL;
    if (!fn) {
        VLOG_RL(LOG_WARN, "%s: unexpected message type %u (%s), ignored",
                sw->name, m.type, ofp_type_str(m.type));
        ofp_put_error(&sw->tx, m.xid, OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE, msg, len);
        return;
    }
    int err = fn(sw, &m);
    if (err) {
        VLOG_RL(LOG_WARN, "%s: malformed %s (xid 0x%08" PRIx32 ", %zu bytes): %s",
                sw->name, ofp_type_str(m.type), m.xid, len, ofp_dec_str(err));
        ofp_put_error(&sw->tx, m.xid, OFPET_BAD_REQUEST, OFPBRC_BAD_LEN, msg, len);
    }
}

static void
recv_dead(struct sw *sw, const uint8_t *msg, size_t len)
{
    (void) sw;
    (void) msg;
    (void) len;
}

/* Reads and handles what the switch sent: a bounded number of reads per
 * event, and none while our replies to it queue up. */
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
            VLOG_RL(LOG_WARN, "%s: receive: %s", sw->name, strerror(errno));
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
            states[sw->state].recv(sw, buf_head(&sw->rx) + done, (size_t) mlen);
            if (!sw_alive(sw)) {
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
    if (!sw_alive(sw)) {
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        sw_input(sw);
    }
    if (sw_alive(sw) && events & EPOLLOUT) {
        sw_flush(sw);
    }
}

/* ---- Life cycle ---- */

struct sw *
sw_new(struct ctl *ctl, uint32_t id, const char *name)
{
    struct sw *sw = xcalloc(1, sizeof *sw);
    sw->ctl = ctl;
    sw->lh.cb = sw_event;
    sw->lh.fd = -1;
    sw->id = id;
    sw->state = SW_HELLO;
    sw->l2 = l2_create();
    sw->last_rx_ms = time_ms();
    flows_sw_init(&sw->flows, sw->last_rx_ms);
    snprintf(sw->name, sizeof sw->name, "%s", name);
    buf_init(&sw->rx);
    buf_init(&sw->tx);
    return sw;
}

struct sw *
sw_open(struct ctl *ctl, uint32_t id, int fd, const struct sockaddr *sa,
        socklen_t sl)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one)) {
        VLOG_RL(LOG_WARN, "TCP_NODELAY: %s", strerror(errno));
    }
    char host[INET6_ADDRSTRLEN] = "?", port[8] = "?", name[72];
    int rc = getnameinfo(sa, sl, host, sizeof host, port, sizeof port,
                         NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc) {
        VLOG_RL(LOG_WARN, "getnameinfo: %s", gai_strerror(rc));
    }
    snprintf(name, sizeof name, "%s:%s", host, port);
    struct sw *sw = sw_new(ctl, id, name);
    sw->lh.fd = fd;
    int err = loop_add(&sw->lh, EPOLLIN);
    if (err) {
        vlog(LOG_ERR, "%s: epoll: %s", sw->name, strerror(err));
        sw_free(sw);
        errno = err;
        return NULL;
    }
    ofp_put_hello(&sw->tx, sw_next_xid(sw));
    sw_flush(sw);
    return sw;
}

void
sw_close(struct sw *sw, const char *why)
{
    if (!sw_alive(sw)) {
        return;
    }
    sw->state = SW_DEAD;
    if (sw->lh.fd >= 0) {
        loop_del(&sw->lh);
        if (close(sw->lh.fd)) {
            VLOG_RL(LOG_WARN, "%s: close: %s", sw->name, strerror(errno));
        }
        sw->lh.fd = -1;
    }
    vlog(LOG_INFO, "%s: disconnected (%s); received %" PRIu64 " packet-ins, "
         "sent %" PRIu64 " packet-outs, %" PRIu64 " flow-mods, %" PRIu64
         " flow-stats requests", sw->name, why, sw->n.packet_in,
         sw->n.packet_out, sw->n.flow_mod, sw->n.stats_request);
    if (sw->meter_ok) {
        vlog(LOG_INFO, "%s: the body meter dropped %" PRIu64 " mirror copies "
             "of bodies, the controller %" PRIu64 " of its own", sw->name,
             sw->meter_dropped, sw->bucket_dropped);
    }
    ev_switch_disconnected(sw->dpid, why, &sw->n);
    ctl_switch_closed(sw);
}

void
sw_free(struct sw *sw)
{
    buf_free(&sw->rx);
    buf_free(&sw->tx);
    flows_sw_free(&sw->flows);
    free(sw->ports);
    l2_destroy(sw->l2);
    free(sw);
}

bool
sw_probe(struct sw *sw, uint64_t now, uint64_t probe_ms)
{
    uint64_t silent = now - sw->last_rx_ms;
    if (silent > 3 * probe_ms) {
        sw_close(sw, "inactivity probe timed out");
        return false;
    }
    if (silent > probe_ms && !sw->probe_sent) {
        ofp_put_echo(&sw->tx, OFPT_ECHO_REQUEST, sw_next_xid(sw), NULL, 0);
        sw->probe_sent = true;
    }
    return true;
}
