/* Parsing of the controller's options.  See config.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "units.h"

static const char *const mode_names[] = {
    "none", "plain", "selective", "truncate", "elide-paper", "elide",
};

const char *
ctl_mode_str(enum ctl_mode m)
{
    return mode_names[m];
}

/* The index of 's' in names[0..n), or -1. */
static int
name_index(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(s, names[i])) {
            return (int) i;
        }
    }
    return -1;
}

int
ctl_mode_parse(const char *s, enum ctl_mode *m)
{
    int i = name_index(s, mode_names, sizeof mode_names / sizeof *mode_names);
    if (i < 0) {
        return EINVAL;
    }
    *m = (enum ctl_mode) i;
    return 0;
}

static const char *const datapath_names[] = { "auto", "flows", "conntrack" };

const char *
ctl_datapath_str(enum ctl_datapath d)
{
    return datapath_names[d];
}

int
ctl_datapath_parse(const char *s, enum ctl_datapath *d)
{
    int i = name_index(s, datapath_names,
                       sizeof datapath_names / sizeof *datapath_names);
    if (i < 0) {
        return EINVAL;
    }
    *d = (enum ctl_datapath) i;
    return 0;
}

/* "tcp:80,443,udp:53": a protocol applies to the ports after it. */
int
ctl_parse_filters(const char *spec, struct ctl_cfg *cfg)
{
    char *copy = strdup(spec), *save = NULL;
    if (!copy) {
        return ENOMEM;
    }
    uint8_t proto = 0;
    int err = 0;
    cfg->n_filters = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok;
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
            err = EINVAL;
            break;
        }
        cfg->filters[cfg->n_filters++] = (struct ctl_filter) { proto, port };
    }
    free(copy);
    return err ? err : !cfg->n_filters ? EINVAL : 0;
}

int
ctl_parse_ports(const char *spec, struct ctl_cfg *cfg)
{
    return ctl_parse_proto_ports(spec, cfg, PROTO_HTTP);
}

int
ctl_parse_proto_ports(const char *spec, struct ctl_cfg *cfg,
                      enum conn_proto proto)
{
    return proto == PROTO_HTTP
           ? parse_port_list(spec, cfg->http_ports, CTL_MAX_HTTP_PORTS,
                             &cfg->n_http_ports)
           : proto == PROTO_TLS
           ? parse_port_list(spec, cfg->tls_ports, CTL_MAX_HTTP_PORTS,
                             &cfg->n_tls_ports)
           : parse_port_list(spec, cfg->ssh_ports, CTL_MAX_HTTP_PORTS,
                             &cfg->n_ssh_ports);
}

static const char *const tls_mode_names[] = { "elide", "slice", "off" };

int
ctl_tls_mode_parse(const char *s, enum enc_mode *m)
{
    int i = name_index(s, tls_mode_names,
                       sizeof tls_mode_names / sizeof *tls_mode_names);
    if (i < 0) {
        return EINVAL;
    }
    *m = (enum enc_mode) i;
    return 0;
}

const char *
ctl_tls_mode_str(enum enc_mode m)
{
    return tls_mode_names[m];
}

static bool
in_list(const uint16_t *ports, size_t n, uint16_t port)
{
    for (size_t i = 0; i < n; i++) {
        if (ports[i] == port) {
            return true;
        }
    }
    return false;
}

size_t
ctl_cfg_watch_list(const struct ctl_cfg *cfg, struct ctl_watch *w)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_http_ports; i++) {
        w[n++] = (struct ctl_watch) { cfg->http_ports[i], PROTO_HTTP };
    }
    if (cfg->mode == MODE_ELIDE) {
        for (size_t i = 0; i < cfg->n_tls_ports; i++) {
            w[n++] = (struct ctl_watch) { cfg->tls_ports[i], PROTO_TLS };
        }
        for (size_t i = 0; i < cfg->n_ssh_ports; i++) {
            w[n++] = (struct ctl_watch) { cfg->ssh_ports[i], PROTO_SSH };
        }
    }
    return n;
}

int
ctl_cfg_port_proto(const struct ctl_cfg *cfg, uint16_t port)
{
    if (in_list(cfg->http_ports, cfg->n_http_ports, port)) {
        return PROTO_HTTP;
    }
    if (cfg->mode != MODE_ELIDE) {
        return -1;
    }
    return in_list(cfg->tls_ports, cfg->n_tls_ports, port) ? PROTO_TLS
           : in_list(cfg->ssh_ports, cfg->n_ssh_ports, port) ? PROTO_SSH : -1;
}

bool
ctl_cfg_elides(const struct ctl_cfg *cfg)
{
    return cfg->mode == MODE_ELIDE || cfg->mode == MODE_ELIDE_PAPER;
}


bool
ctl_cfg_http_port(const struct ctl_cfg *cfg, uint16_t port)
{
    return in_list(cfg->http_ports, cfg->n_http_ports, port);
}