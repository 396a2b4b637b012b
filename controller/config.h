/* The controller's configuration: the mirroring mode and every option of
 * the command line (main.c fills a struct ctl_cfg; see README.md). */
#ifndef CONFIG_H
#define CONFIG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"

enum ctl_mode {
    MODE_NONE, MODE_PLAIN, MODE_SELECTIVE, MODE_TRUNCATE, MODE_ELIDE_PAPER,
    MODE_ELIDE,
};

/* Where elide keeps a connection's phase (README "Datapaths"): per-
 * connection flow entries (any OpenFlow 1.3 switch), or the mark of Open
 * vSwitch's connection tracker; auto: conntrack where the switch accepts
 * a ct rule. */
enum ctl_datapath { DP_AUTO, DP_FLOWS, DP_CONNTRACK };

#define CTL_MAX_FILTERS 32
#define CTL_MAX_HTTP_PORTS 16

struct ctl_filter { uint8_t proto; uint16_t port; };   /* 6 TCP, 17 UDP */

struct ctl_cfg {
    enum ctl_mode mode;
    enum ctl_datapath datapath;     /* elide (elide-paper: always flows) */
    uint32_t mirror_port;           /* 0: none */
    uint64_t threshold;
    uint64_t mirror_budget;         /* bits/s, 0: off (see budget.h) */
    uint64_t threshold_min;         /* the budget's lowest threshold */
    uint64_t entry_min;             /* see struct conn_cfg */
    struct ctl_filter filters[CTL_MAX_FILTERS];
    size_t n_filters;
    uint32_t truncate_len;
    uint16_t http_ports[CTL_MAX_HTTP_PORTS];
    size_t n_http_ports;
    uint16_t tls_ports[CTL_MAX_HTTP_PORTS];     /* elide only */
    size_t n_tls_ports;
    uint16_t ssh_ports[CTL_MAX_HTTP_PORTS];     /* elide only */
    size_t n_ssh_ports;
    enum enc_mode tls_mode;         /* --tls: after TLS and SSH handshakes */
    unsigned idle_timeout;          /* seconds, flow entries */
    unsigned stats_interval_ms;
    unsigned settle_ms;             /* barrier reply -> held request */
    unsigned probe_interval_ms;     /* echo when the switch is silent */
    size_t max_conns;               /* connection table bound */
    unsigned conn_idle_s;           /* state without entries expires */
    bool ignore_csum;               /* elide-replay --ignore-csum: segments
                                     * are parsed whatever their checksums
                                     * (a capture on a host with offload) */
};

/* Option parsers: 0, or EINVAL for a malformed argument. */
const char *ctl_mode_str(enum ctl_mode);
int ctl_mode_parse(const char *, enum ctl_mode *);
const char *ctl_datapath_str(enum ctl_datapath);
int ctl_datapath_parse(const char *, enum ctl_datapath *);
int ctl_parse_filters(const char *, struct ctl_cfg *);
int ctl_parse_ports(const char *, struct ctl_cfg *);
/* --http-ports, --tls-ports, --ssh-ports: the list of 'proto'. */
int ctl_parse_proto_ports(const char *, struct ctl_cfg *, enum conn_proto);
int ctl_tls_mode_parse(const char *, enum enc_mode *);
const char *ctl_tls_mode_str(enum enc_mode);

/* Modes that follow connections (elide, elide-paper). */
bool ctl_cfg_elides(const struct ctl_cfg *);
bool ctl_cfg_http_port(const struct ctl_cfg *, uint16_t port);

/* The watched server ports: HTTP's, and in elide TLS's and SSH's. */
struct ctl_watch { uint16_t port; uint8_t proto; };   /* enum conn_proto */
#define CTL_MAX_WATCH (3 * CTL_MAX_HTTP_PORTS)
size_t ctl_cfg_watch_list(const struct ctl_cfg *, struct ctl_watch *);
/* The protocol of a watched server port, or -1. */
int ctl_cfg_port_proto(const struct ctl_cfg *, uint16_t port);

#endif
