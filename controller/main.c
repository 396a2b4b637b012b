/* elide-controller: option parsing and wiring only; see controller.h. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "log.h"
#include "loop.h"
#include "units.h"

#ifndef ELIDE_VERSION
#define ELIDE_VERSION "unknown"
#endif

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void) sig;
    stop = 1;
}

static void
usage(FILE *f)
{
    fprintf(f,
"usage: elide-controller [OPTIONS]\n"
"OpenFlow 1.3 controller: learning switch with plain, selective, truncated\n"
"and elided port mirroring.\n"
"\n"
"  --listen HOST:PORT     passive TCP listener (default 127.0.0.1:6653)\n"
"  --mode MODE            none|plain|selective|truncate|elide-paper|elide\n"
"                         (default elide)\n"
"  --mirror-port N        OpenFlow port of the mirror (monitor) port on every\n"
"                         switch; required for every mode but none\n"
"  --threshold SIZE       elide bodies of at least SIZE bytes (default 10M;\n"
"                         K/M/G = 10^3/6/9, Ki/Mi/Gi = 2^10/20/30)\n"
"  --mirror-budget RATE   elide: bits/s the mirror port may carry (SIZE\n"
"                         grammar: 8M = 8*10^6); the threshold starts at\n"
"                         --threshold-min, falls to a quarter when the\n"
"                         port's transmit rate (port statistics, every\n"
"                         --stats-interval) tops 90 %% of it or it drops\n"
"                         packets, and doubles under 50 %% (default off)\n"
"  --threshold-min SIZE   with --mirror-budget: the lowest threshold\n"
"                         (default 16Ki, at most --threshold)\n"
"  --entry-min SIZE       elide: a response with a smaller body gets no\n"
"                         connection entries, the controller forwards it\n"
"                         (default 64Ki; 0: entries for every response)\n"
"  --select FILTER        selective mode: e.g. tcp:80  tcp:80,443  udp:53\n"
"  --truncate-len N       truncate mode: bytes kept per mirror copy (default 128)\n"
"  --http-ports LIST      TCP server ports treated as HTTP (default 80)\n"
"  --tls-ports LIST       elide: TCP server ports treated as TLS (default 443)\n"
"  --ssh-ports LIST       elide: TCP server ports treated as SSH (default 22)\n"
"  --tls MODE             elide: after a TLS or SSH handshake (mirrored in\n"
"                         full): elide (forward the rest unmirrored but SYN,\n"
"                         FIN, RST; default), slice (mirror each packet cut\n"
"                         to its headers and 5 payload bytes), off (mirror\n"
"                         all)\n"
"  --idle-timeout S       idle timeout of flow entries (default 10)\n"
"  --conn-idle-timeout S  forget a connection without packets or entries\n"
"                         after S seconds (default 300: longer than servers'\n"
"                         keep-alive, whose closing FIN shows what passed)\n"
"  --stats-interval MS    flow-stats polling period (default 500)\n"
"  --settle-ms MS         wait after a barrier reply before releasing a held\n"
"                         request, for the datapath flow cache (default 20)\n"
"  --datapath DP          elide: where a connection's phase lives: flows\n"
"                         (per-connection flow entries, any OpenFlow 1.3\n"
"                         switch), conntrack (Open vSwitch's connection\n"
"                         tracker, ct_mark), auto (default: conntrack where\n"
"                         the switch accepts a ct rule, else flows)\n"
"  --max-conns N          connection table bound (default 1048576)\n"
"  --event-log FILE       append JSON-lines events to FILE\n"
"  -v, --verbose          debug lines too\n"
"  -h, --help             this help\n"
"  -V, --version          version\n");
}

static int
bad(const char *what, const char *val)
{
    fprintf(stderr, "elide-controller: invalid %s: '%s'\n", what, val);
    fprintf(stderr, "Try 'elide-controller --help'.\n");
    return 2;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (*s < '0' || *s > '9') {
        return EINVAL;
    }
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > max) {
        return EINVAL;
    }
    *out = v;
    return 0;
}

int
main(int argc, char *argv[])
{
    struct ctl_cfg cfg = {
        .mode = MODE_ELIDE, .threshold = 10000000, .threshold_min = 16384,
        .entry_min = 65536, .truncate_len = 128,
        .http_ports = { 80 }, .n_http_ports = 1, .tls_ports = { 443 },
        .n_tls_ports = 1, .ssh_ports = { 22 }, .n_ssh_ports = 1,
        .idle_timeout = 10,
        .stats_interval_ms = 500, .settle_ms = 20, .probe_interval_ms = 5000,
        .max_conns = 1048576, .conn_idle_s = 300,
    };
    char listen[256] = "127.0.0.1:6653";
    const char *event_log = NULL;
    bool have_mirror = false, have_select = false, have_thresh_min = false;
    enum { O_LISTEN = 256, O_MODE, O_MIRROR, O_THRESH, O_ENTRY_MIN, O_SELECT, O_TRUNC,
           O_HTTP, O_IDLE, O_STATS, O_EVLOG, O_MAXCONNS, O_SETTLE, O_CONN_IDLE, O_DATAPATH,
           O_TLS_PORTS, O_SSH_PORTS, O_TLS, O_BUDGET, O_THRESH_MIN };
    static const struct option opts[] = {
        { "listen", required_argument, NULL, O_LISTEN },
        { "mode", required_argument, NULL, O_MODE },
        { "mirror-port", required_argument, NULL, O_MIRROR },
        { "threshold", required_argument, NULL, O_THRESH },
        { "entry-min", required_argument, NULL, O_ENTRY_MIN },
        { "mirror-budget", required_argument, NULL, O_BUDGET },
        { "threshold-min", required_argument, NULL, O_THRESH_MIN },
        { "select", required_argument, NULL, O_SELECT },
        { "truncate-len", required_argument, NULL, O_TRUNC },
        { "http-ports", required_argument, NULL, O_HTTP },
        { "tls-ports", required_argument, NULL, O_TLS_PORTS },
        { "ssh-ports", required_argument, NULL, O_SSH_PORTS },
        { "tls", required_argument, NULL, O_TLS },
        { "idle-timeout", required_argument, NULL, O_IDLE },
        { "conn-idle-timeout", required_argument, NULL, O_CONN_IDLE },
        { "stats-interval", required_argument, NULL, O_STATS },
        { "event-log", required_argument, NULL, O_EVLOG },
        { "max-conns", required_argument, NULL, O_MAXCONNS },
        { "settle-ms", required_argument, NULL, O_SETTLE },
        { "datapath", required_argument, NULL, O_DATAPATH },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    unsigned long v;
    while ((c = getopt_long(argc, argv, "vhV", opts, NULL)) != -1) {
        switch (c) {
        case O_LISTEN:
            if (strlen(optarg) >= sizeof listen || !strrchr(optarg, ':')) {
                return bad("--listen (HOST:PORT)", optarg);
            }
            strcpy(listen, optarg);
            break;
        case O_MODE:
            if (ctl_mode_parse(optarg, &cfg.mode)) {
                return bad("--mode", optarg);
            }
            break;
        case O_MIRROR:
            if (parse_uint(optarg, 0xfeff, &v) || !v) {
                return bad("--mirror-port", optarg);
            }
            cfg.mirror_port = (uint32_t) v;
            have_mirror = true;
            break;
        case O_THRESH:
            if (parse_size(optarg, &cfg.threshold)) {
                return bad("--threshold", optarg);
            }
            break;
        case O_ENTRY_MIN:
            if (parse_size(optarg, &cfg.entry_min)) {
                return bad("--entry-min", optarg);
            }
            break;
        case O_BUDGET:
            if (parse_size(optarg, &cfg.mirror_budget) || !cfg.mirror_budget) {
                return bad("--mirror-budget", optarg);
            }
            break;
        case O_THRESH_MIN:
            if (parse_size(optarg, &cfg.threshold_min) || !cfg.threshold_min) {
                return bad("--threshold-min", optarg);
            }
            have_thresh_min = true;
            break;
        case O_SELECT:
            if (ctl_parse_filters(optarg, &cfg)) {
                return bad("--select", optarg);
            }
            have_select = true;
            break;
        case O_TRUNC:
            if (parse_uint(optarg, 65535, &v) || v < 14) {
                return bad("--truncate-len (14..65535)", optarg);
            }
            cfg.truncate_len = (uint32_t) v;
            break;
        case O_HTTP:
            if (ctl_parse_ports(optarg, &cfg)) {
                return bad("--http-ports", optarg);
            }
            break;
        case O_TLS_PORTS:
            if (ctl_parse_proto_ports(optarg, &cfg, PROTO_TLS)) {
                return bad("--tls-ports", optarg);
            }
            break;
        case O_SSH_PORTS:
            if (ctl_parse_proto_ports(optarg, &cfg, PROTO_SSH)) {
                return bad("--ssh-ports", optarg);
            }
            break;
        case O_TLS:
            if (ctl_tls_mode_parse(optarg, &cfg.tls_mode)) {
                return bad("--tls (elide, slice, off)", optarg);
            }
            break;
        case O_IDLE:
            if (parse_uint(optarg, 65535, &v) || !v) {
                return bad("--idle-timeout (1..65535 s)", optarg);
            }
            cfg.idle_timeout = (unsigned) v;
            break;
        case O_CONN_IDLE:
            if (parse_uint(optarg, 86400, &v) || !v) {
                return bad("--conn-idle-timeout (1..86400 s)", optarg);
            }
            cfg.conn_idle_s = (unsigned) v;
            break;
        case O_STATS:
            if (parse_uint(optarg, 3600000, &v) || v < 10) {
                return bad("--stats-interval (>= 10 ms)", optarg);
            }
            cfg.stats_interval_ms = (unsigned) v;
            break;
        case O_SETTLE:
            if (parse_uint(optarg, 10000, &v)) {
                return bad("--settle-ms (0..10000)", optarg);
            }
            cfg.settle_ms = (unsigned) v;
            break;
        case O_DATAPATH:
            if (ctl_datapath_parse(optarg, &cfg.datapath)) {
                return bad("--datapath (flows, conntrack, auto)", optarg);
            }
            break;
        case O_EVLOG:
            event_log = optarg;
            break;
        case O_MAXCONNS:
            if (parse_uint(optarg, 1ul << 31, &v) || v < 1) {
                return bad("--max-conns", optarg);
            }
            cfg.max_conns = v;
            break;
        case 'v':
            log_verbosity++;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("elide-controller %s (OpenFlow 1.3)\n", ELIDE_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        return bad("argument", argv[optind]);
    }
    if (cfg.mode != MODE_NONE && !have_mirror) {
        fprintf(stderr, "elide-controller: --mode %s needs --mirror-port\n",
                ctl_mode_str(cfg.mode));
        return 2;
    }
    struct ctl_watch w[CTL_MAX_WATCH];
    size_t nw = ctl_cfg_watch_list(&cfg, w);
    for (size_t i = 0; i < nw; i++) {
        for (size_t j = 0; j < i; j++) {
            if (w[i].port == w[j].port) {
                fprintf(stderr, "elide-controller: port %u is in two of "
                        "--http-ports, --tls-ports, --ssh-ports\n", w[i].port);
                return 2;
            }
        }
    }
    if (cfg.mirror_budget && cfg.mode != MODE_ELIDE) {
        fprintf(stderr, "elide-controller: --mirror-budget needs --mode "
                "elide\n");
        return 2;
    }
    if (have_thresh_min && cfg.threshold_min > cfg.threshold) {
        fprintf(stderr, "elide-controller: --threshold-min is above "
                "--threshold\n");
        return 2;
    }
    if (!have_thresh_min && cfg.threshold_min > cfg.threshold) {
        cfg.threshold_min = cfg.threshold;
    }
    if (cfg.mode == MODE_SELECTIVE && !have_select) {
        fprintf(stderr, "elide-controller: --mode selective needs --select\n");
        return 2;
    }
    int err = 0;
    if (event_log && (err = evlog_open(event_log))) {
        fprintf(stderr, "elide-controller: %s: %s\n", event_log,
                strerror(err));
        return 1;
    }

    char *colon = strrchr(listen, ':');
    *colon = '\0';
    char *host = listen;
    if (*host == '[' && colon[-1] == ']') {     /* [::1]:6653 */
        host++;
        colon[-1] = '\0';
    }
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct ctl *ctl;
    err = loop_init();
    if (err) {
        vlog(LOG_ERR, "epoll: %s", strerror(err));
        return 1;
    }
    if (ctl_start(&ctl, &cfg, host, colon + 1)) {
        return 1;
    }
    vlog(LOG_INFO, "listening on %s:%s, mode %s", host, colon + 1,
         ctl_mode_str(cfg.mode));
    loop_run(100, ctl_tick, ctl, &stop);
    vlog(LOG_INFO, "exiting");
    ctl_stop(ctl);
    loop_destroy();
    evlog_close();
    return 0;
}
