/* The options elide-controller and elide-replay share.  See options.h. */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "units.h"

const struct option ctl_opt_table[CTL_N_OPTS] = {
    { "mode", required_argument, NULL, CO_MODE },
    { "mirror-port", required_argument, NULL, CO_MIRROR },
    { "threshold", required_argument, NULL, CO_THRESH },
    { "entry-min", required_argument, NULL, CO_ENTRY_MIN },
    { "mirror-budget", required_argument, NULL, CO_BUDGET },
    { "threshold-min", required_argument, NULL, CO_THRESH_MIN },
    { "select", required_argument, NULL, CO_SELECT },
    { "truncate-len", required_argument, NULL, CO_TRUNC },
    { "http-ports", required_argument, NULL, CO_HTTP },
    { "tls-ports", required_argument, NULL, CO_TLS_PORTS },
    { "ssh-ports", required_argument, NULL, CO_SSH_PORTS },
    { "tls", required_argument, NULL, CO_TLS },
    { "idle-timeout", required_argument, NULL, CO_IDLE },
    { "conn-idle-timeout", required_argument, NULL, CO_CONN_IDLE },
    { "stats-interval", required_argument, NULL, CO_STATS },
    { "settle-ms", required_argument, NULL, CO_SETTLE },
    { "datapath", required_argument, NULL, CO_DATAPATH },
    { "max-conns", required_argument, NULL, CO_MAXCONNS },
    { "event-log", required_argument, NULL, CO_EVLOG },
};

void
ctl_opts_init(struct ctl_opts *o)
{
    *o = (struct ctl_opts) { .cfg = {
        .mode = MODE_ELIDE, .threshold = 10000000, .threshold_min = 16384,
        .entry_min = 65536, .truncate_len = 128,
        .http_ports = { 80 }, .n_http_ports = 1, .tls_ports = { 443 },
        .n_tls_ports = 1, .ssh_ports = { 22 }, .n_ssh_ports = 1,
        .idle_timeout = 10,
        .stats_interval_ms = 500, .settle_ms = 20, .probe_interval_ms = 5000,
        .max_conns = 1048576, .conn_idle_s = 300,
    } };
}

int
ctl_bad_opt(const char *prog, const char *what, const char *val)
{
    fprintf(stderr, "%s: invalid %s: '%s'\n", prog, what, val);
    fprintf(stderr, "Try '%s --help'.\n", prog);
    return 2;
}

int
ctl_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (*s < '0' || *s > '9') {
        return EINVAL;
    }
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v > max) {
        return EINVAL;
    }
    *out = v;
    return 0;
}

/* An unsigned option in [lo, hi]; 'what' names it and its range. */
static int
uint_opt(const char *prog, const char *what, const char *arg,
         unsigned long lo, unsigned long hi, unsigned long *v)
{
    if (ctl_parse_uint(arg, hi, v) || *v < lo) {
        return ctl_bad_opt(prog, what, arg);
    }
    return 0;
}

int
ctl_opt(struct ctl_opts *o, int opt, const char *arg, const char *prog)
{
    struct ctl_cfg *cfg = &o->cfg;
    unsigned long v;
    switch (opt) {
    case CO_MODE:
        return ctl_mode_parse(arg, &cfg->mode)
               ? ctl_bad_opt(prog, "--mode", arg) : 0;
    case CO_MIRROR:
        if (uint_opt(prog, "--mirror-port", arg, 1, 0xfeff, &v)) {
            return 2;
        }
        cfg->mirror_port = (uint32_t) v;
        o->have_mirror = true;
        return 0;
    case CO_THRESH:
        return parse_size(arg, &cfg->threshold)
               ? ctl_bad_opt(prog, "--threshold", arg) : 0;
    case CO_ENTRY_MIN:
        return parse_size(arg, &cfg->entry_min)
               ? ctl_bad_opt(prog, "--entry-min", arg) : 0;
    case CO_BUDGET:
        return parse_size(arg, &cfg->mirror_budget) || !cfg->mirror_budget
               ? ctl_bad_opt(prog, "--mirror-budget", arg) : 0;
    case CO_THRESH_MIN:
        o->have_thresh_min = true;
        return parse_size(arg, &cfg->threshold_min) || !cfg->threshold_min
               ? ctl_bad_opt(prog, "--threshold-min", arg) : 0;
    case CO_SELECT:
        o->have_select = true;
        return ctl_parse_filters(arg, cfg)
               ? ctl_bad_opt(prog, "--select", arg) : 0;
    case CO_TRUNC:
        if (uint_opt(prog, "--truncate-len (14..65535)", arg, 14, 65535, &v)) {
            return 2;
        }
        cfg->truncate_len = (uint32_t) v;
        return 0;
    case CO_HTTP:
        return ctl_parse_ports(arg, cfg)
               ? ctl_bad_opt(prog, "--http-ports", arg) : 0;
    case CO_TLS_PORTS:
        return ctl_parse_proto_ports(arg, cfg, PROTO_TLS)
               ? ctl_bad_opt(prog, "--tls-ports", arg) : 0;
    case CO_SSH_PORTS:
        return ctl_parse_proto_ports(arg, cfg, PROTO_SSH)
               ? ctl_bad_opt(prog, "--ssh-ports", arg) : 0;
    case CO_TLS:
        return ctl_tls_mode_parse(arg, &cfg->tls_mode)
               ? ctl_bad_opt(prog, "--tls (elide, slice, off)", arg) : 0;
    case CO_IDLE:
        if (uint_opt(prog, "--idle-timeout (1..65535 s)", arg, 1, 65535, &v)) {
            return 2;
        }
        cfg->idle_timeout = (unsigned) v;
        return 0;
    case CO_CONN_IDLE:
        if (uint_opt(prog, "--conn-idle-timeout (1..86400 s)", arg, 1, 86400,
                     &v)) {
            return 2;
        }
        cfg->conn_idle_s = (unsigned) v;
        return 0;
    case CO_STATS:
        if (uint_opt(prog, "--stats-interval (>= 10 ms)", arg, 10, 3600000,
                     &v)) {
            return 2;
        }
        cfg->stats_interval_ms = (unsigned) v;
        return 0;
    case CO_SETTLE:
        if (uint_opt(prog, "--settle-ms (0..10000)", arg, 0, 10000, &v)) {
            return 2;
        }
        cfg->settle_ms = (unsigned) v;
        return 0;
    case CO_DATAPATH:
        return ctl_datapath_parse(arg, &cfg->datapath)
               ? ctl_bad_opt(prog, "--datapath (flows, conntrack, auto)", arg)
               : 0;
    case CO_MAXCONNS:
        if (uint_opt(prog, "--max-conns", arg, 1, 1ul << 31, &v)) {
            return 2;
        }
        cfg->max_conns = v;
        return 0;
    case CO_EVLOG:
        o->event_log = arg;
        return 0;
    default:
        return ctl_bad_opt(prog, "option", "?");
    }
}

int
ctl_opts_check(struct ctl_opts *o, const char *prog)
{
    struct ctl_cfg *cfg = &o->cfg;
    struct ctl_watch w[CTL_MAX_WATCH];
    size_t nw = ctl_cfg_watch_list(cfg, w);
    for (size_t i = 0; i < nw; i++) {
        for (size_t j = 0; j < i; j++) {
            if (w[i].port == w[j].port) {
                fprintf(stderr, "%s: port %u is in two of --http-ports, "
                        "--tls-ports, --ssh-ports\n", prog, w[i].port);
                return 2;
            }
        }
    }
    if (cfg->mirror_budget && cfg->mode != MODE_ELIDE) {
        fprintf(stderr, "%s: --mirror-budget needs --mode elide\n", prog);
        return 2;
    }
    if (o->have_thresh_min && cfg->threshold_min > cfg->threshold) {
        fprintf(stderr, "%s: --threshold-min is above --threshold\n", prog);
        return 2;
    }
    if (!o->have_thresh_min && cfg->threshold_min > cfg->threshold) {
        cfg->threshold_min = cfg->threshold;
    }
    if (cfg->mode == MODE_SELECTIVE && !o->have_select) {
        fprintf(stderr, "%s: --mode selective needs --select\n", prog);
        return 2;
    }
    return 0;
}
