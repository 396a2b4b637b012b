/* The event log's schema.  See events.h and README.md ("Event log"). */
#include "events.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "addr6.h"
#include "conn.h"
#include "log.h"
#include "tls.h"
#include "ofp.h"

void
ev_switch_connected(uint64_t dpid, uint64_t ports, bool mirror,
                    enum ctl_mode mode, const char *datapath)
{
    ev_begin(dpid, "switch_connected");
    ev_u64("ports", ports);
    ev_bool("mirror", mirror);
    ev_str("mode", ctl_mode_str(mode));
    ev_str("datapath", datapath);
    ev_end();
}

void
ev_switch_disconnected(uint64_t dpid, const char *reason,
                       const struct ev_sw_counts *n)
{
    ev_begin(dpid, "switch_disconnected");
    ev_str("reason", reason);
    ev_u64("packet_in", n->packet_in);
    ev_u64("packet_out", n->packet_out);
    ev_u64("flow_mod", n->flow_mod);
    ev_u64("stats_request", n->stats_request);
    ev_end();
}

void
ev_threshold(uint64_t dpid, uint64_t threshold, uint64_t previous,
             uint64_t load_bps, uint64_t budget_bps, uint64_t dropped)
{
    ev_begin(dpid, "threshold");
    ev_u64("threshold", threshold);
    ev_u64("previous", previous);
    ev_u64("load_bps", load_bps);
    ev_u64("budget_bps", budget_bps);
    ev_u64("dropped", dropped);
    ev_end();
}

void
ev_openflow_error(uint64_t dpid, uint32_t xid, uint16_t type, uint16_t code,
                  bool sent)
{
    ev_begin(dpid, "openflow_error");
    ev_u64("xid", xid);
    ev_str("type", ofp_error_type_str(type));
    ev_u64("code", code);
    ev_bool("sent", sent);
    ev_end();
}

void
ev_conn_str(const struct conn *c, char *buf, size_t n)
{
    if (c->v6) {
        char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, addr6_get(c->cli_ip), a, sizeof a);
        inet_ntop(AF_INET6, addr6_get(c->srv_ip), b, sizeof b);
        snprintf(buf, n, "[%s]:%u-[%s]:%u", a, c->cli_port, b, c->srv_port);
        return;
    }
    snprintf(buf, n, "%u.%u.%u.%u:%u-%u.%u.%u.%u:%u",
             c->cli_ip >> 24, c->cli_ip >> 16 & 255, c->cli_ip >> 8 & 255,
             c->cli_ip & 255, c->cli_port,
             c->srv_ip >> 24, c->srv_ip >> 16 & 255, c->srv_ip >> 8 & 255,
             c->srv_ip & 255, c->srv_port);
}

/* Opens a connection event: "conn" comes first after the common fields. */
static bool
begin_conn(uint64_t dpid, const char *event, const struct conn *c)
{
    if (!evlog_enabled()) {
        return false;
    }
    char s[128];
    ev_conn_str(c, s, sizeof s);
    ev_begin(dpid, event);
    ev_str("conn", s);
    return true;
}

void
ev_conn_open(uint64_t dpid, const struct conn *c)
{
    if (begin_conn(dpid, "conn_open", c)) {
        if (c->vlan) {
            ev_u64("vlan", c->vlan & 0xfffu);
        }
        ev_end();
    }
}

void
ev_conn_close(uint64_t dpid, const struct conn *c, const char *reason)
{
    if (!begin_conn(dpid, "conn_close", c)) {
        return;
    }
    ev_str("reason", reason);
    ev_u64("responses", c->resp_count);
    ev_u64("elided_packets", c->elided_pkts + c->elided_pkts_ctl);
    ev_u64("elided_bytes", c->elided_bytes + c->elided_bytes_ctl);
    ev_u64("alerts", c->alert_count);
    ev_end();
}

static void
emit_http_request(uint64_t dpid, const struct conn *c,
                  const struct conn_event *e)
{
    if (begin_conn(dpid, "http_request", c)) {
        ev_strn("method", e->method, e->method_len);
        ev_strn("target", e->target, e->target_len > 256 ? 256 : e->target_len);
        ev_end();
    }
}

static void
emit_http_response(uint64_t dpid, const struct conn *c,
                   const struct conn_event *e)
{
    if (begin_conn(dpid, "http_response", c)) {
        ev_u64("status", (uint64_t) e->status);
        ev_str("framing", e->framing);
        if (!strcmp(e->framing, "length")) {
            ev_u64("content_length", e->content_length);
        }
        ev_end();
    }
}

static void
emit_elide_start(uint64_t dpid, const struct conn *c,
                 const struct conn_event *e)
{
    if (begin_conn(dpid, "elide_start", c)) {
        if (e->proto) {
            ev_str("proto", e->proto);
            ev_u64("handshake_bytes", e->bytes);
        } else {
            ev_u64("content_length", e->content_length);
        }
        ev_end();
    }
}

static void
emit_elide_end(uint64_t dpid, const struct conn *c, const struct conn_event *e)
{
    if (begin_conn(dpid, "elide_end", c)) {
        if (e->proto) {
            ev_str("proto", e->proto);
        }
        ev_str("reason", e->kind);
        ev_u64("bytes", e->bytes);
        ev_u64("packets", e->packets);
        ev_end();
    }
}

static void
emit_alert(uint64_t dpid, const struct conn *c, const struct conn_event *e)
{
    if (begin_conn(dpid, "alert", c)) {
        ev_str("kind", e->kind);
        ev_u64("bytes", e->bytes);
        ev_str("detail", e->detail);
        ev_end();
    }
}

static void
emit_passthrough(uint64_t dpid, const struct conn *c,
                 const struct conn_event *e)
{
    if (begin_conn(dpid, "passthrough", c)) {
        ev_str("reason", e->kind);
        ev_end();
    }
}

static void
emit_tls_client_hello(uint64_t dpid, const struct conn *c,
                      const struct conn_event *e)
{
    if (begin_conn(dpid, "tls_client_hello", c)) {
        ev_str("sni", e->hello->sni);
        ev_str("alpn", e->hello->alpn);
        ev_str("versions", e->hello->versions);
        ev_str("ja3", e->hello->ja3);
        ev_end();
    }
}

static void
emit_tls_server_hello(uint64_t dpid, const struct conn *c,
                      const struct conn_event *e)
{
    char v[8];
    if (begin_conn(dpid, "tls_server_hello", c)) {
        ev_str("version", tls_version_str(e->hello->version, v));
        ev_u64("cipher", e->hello->cipher);
        ev_str("ja3s", e->hello->ja3);
        if (e->hello->hrr) {
            ev_str("retry", "true");
        }
        ev_end();
    }
}

static void
emit_ssh_version(uint64_t dpid, const struct conn *c,
                 const struct conn_event *e)
{
    if (begin_conn(dpid, "ssh_version", c)) {
        ev_str("side", e->kind);
        ev_str("version", e->text);
        ev_end();
    }
}

void
ev_conn_event(uint64_t dpid, const char *name, const struct conn *c,
              const struct conn_event *e)
{
    static void (*const emitters[])(uint64_t, const struct conn *,
                                    const struct conn_event *) = {
        [CE_HTTP_REQUEST] = emit_http_request,
        [CE_HTTP_RESPONSE] = emit_http_response,
        [CE_ELIDE_START] = emit_elide_start,
        [CE_ELIDE_END] = emit_elide_end,
        [CE_ALERT] = emit_alert,
        [CE_PASSTHROUGH] = emit_passthrough,
        [CE_TLS_CLIENT_HELLO] = emit_tls_client_hello,
        [CE_TLS_SERVER_HELLO] = emit_tls_server_hello,
        [CE_SSH_VERSION] = emit_ssh_version,
    };
    if (e->type == CE_ALERT) {
        char s[128];
        ev_conn_str(c, s, sizeof s);
        VLOG_RL(LOG_WARN, "%s: alert %s on %s: %s (%" PRIu64 " bytes)",
                name, e->kind, s, e->detail ? e->detail : "", e->bytes);
    }
    if ((size_t) e->type < sizeof emitters / sizeof *emitters
        && emitters[e->type]) {
        emitters[e->type](dpid, c, e);
    }
}
