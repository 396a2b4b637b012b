/* elide-controller: option parsing and wiring only; see controller.h. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "log.h"
#include "loop.h"
#include "options.h"

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

int
main(int argc, char *argv[])
{
    static const char prog[] = "elide-controller";
    struct ctl_opts o;
    ctl_opts_init(&o);
    struct ctl_cfg *cfg = &o.cfg;
    char listen[256] = "127.0.0.1:6653";
    enum { O_LISTEN = CO_OWN };
    struct option opts[CTL_N_OPTS + 5] = {
        { "listen", required_argument, NULL, O_LISTEN },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
    };
    memcpy(opts + 4, ctl_opt_table, sizeof ctl_opt_table);
    int c;
    while ((c = getopt_long(argc, argv, "vhV", opts, NULL)) != -1) {
        switch (c) {
        case O_LISTEN:
            if (strlen(optarg) >= sizeof listen || !strrchr(optarg, ':')) {
                return ctl_bad_opt(prog, "--listen (HOST:PORT)", optarg);
            }
            strcpy(listen, optarg);
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
            if (c < CO_MODE || c >= CO_OWN) {
                usage(stderr);
                return 2;
            }
            if (ctl_opt(&o, c, optarg, prog)) {
                return 2;
            }
        }
    }
    if (optind < argc) {
        return ctl_bad_opt(prog, "argument", argv[optind]);
    }
    if (cfg->mode != MODE_NONE && !o.have_mirror) {
        fprintf(stderr, "elide-controller: --mode %s needs --mirror-port\n",
                ctl_mode_str(cfg->mode));
        return 2;
    }
    if (ctl_opts_check(&o, prog)) {
        return 2;
    }
    const char *event_log = o.event_log;
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
    if (ctl_start(&ctl, cfg, host, colon + 1)) {
        return 1;
    }
    vlog(LOG_INFO, "listening on %s:%s, mode %s", host, colon + 1,
         ctl_mode_str(cfg->mode));
    loop_run(100, ctl_tick, ctl, &stop);
    vlog(LOG_INFO, "exiting");
    ctl_stop(ctl);
    loop_destroy();
    evlog_close();
    return 0;
}
