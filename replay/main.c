/* elide-replay: the controller's logic over a capture, at trace speed.
 * Options, the pcap files, the sweep, the summary; see replay.h for the
 * switch it models and README.md for the tool. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "link.h"
#include "log.h"
#include "options.h"
#include "replay.h"
#include "units.h"

#ifndef ELIDE_VERSION
#define ELIDE_VERSION "unknown"
#endif

#define MAX_SWEEP 64

static const char prog[] = "elide-replay";

static void
usage(FILE *f)
{
    fprintf(f,
"usage: elide-replay [OPTIONS] IN.pcap [-o MIRROR.pcap]\n"
"       elide-replay [OPTIONS] --sweep SIZE,... IN.pcap\n"
"Runs the controller's logic over a capture (pcap or pcapng; Ethernet,\n"
"802.1Q/QinQ, Linux cooked, raw IP) against an ideal OpenFlow switch, and\n"
"writes the frames its mirror port would carry.\n"
"\n"
"  -o, --output FILE      the mirror's frames (pcap, Ethernet; '-': stdout)\n"
"  --sweep SIZE,...       one pass, one row per threshold on stdout (no pcap)\n"
"  --mode MODE            none|plain|selective|truncate|elide-paper|elide\n"
"                         (default elide)\n"
"  --threshold SIZE       elide bodies of at least SIZE bytes (default 10M;\n"
"                         K/M/G = 10^3/6/9, Ki/Mi/Gi = 2^10/20/30)\n"
"  --entry-min SIZE       elide: smaller bodies get no entries (default 64Ki)\n"
"  --select FILTER        selective mode: e.g. tcp:80  tcp:80,443  udp:53\n"
"  --truncate-len N       truncate mode: bytes kept per copy (default 128)\n"
"  --http-ports LIST      TCP server ports treated as HTTP (default 80)\n"
"  --tls-ports LIST       elide: TLS server ports (default 443)\n"
"  --ssh-ports LIST       elide: SSH server ports (default 22)\n"
"  --tls MODE             elide: after a TLS or SSH handshake: elide, slice,\n"
"                         off (default elide)\n"
"  --idle-timeout S       idle timeout of entries, trace time (default 10)\n"
"  --conn-idle-timeout S  forget an idle connection (default 300)\n"
"  --stats-interval MS    flow-stats polling, trace time (default 500)\n"
"  --datapath flows       the only one modeled\n"
"  --max-conns N          connection table bound (default 1048576)\n"
"  --event-log FILE       append JSON-lines events (trace time)\n"
"  --ignore-csum          parse segments whatever their checksums (a capture\n"
"                         on a host with checksum offload); by default a\n"
"                         segment the receiver would drop is forwarded and\n"
"                         mirrored but not parsed, as by the controller\n"
"  -q, --quiet            no progress lines\n"
"  -v, --verbose          debug lines too\n"
"  -h, --help, -V, --version\n"
"Bad files exit 1, bad options 2.\n");
}

/* ---- The mirror file ---- */

struct out {
    pcap_dumper_t *d;
};

static void
write_frame(void *aux, uint64_t ts_us, const uint8_t *frame, uint32_t caplen,
            uint32_t len)
{
    struct out *o = aux;
    struct pcap_pkthdr h = {
        .ts = { .tv_sec = (time_t) (ts_us / 1000000),
                .tv_usec = (suseconds_t) (ts_us % 1000000) },
        .caplen = caplen, .len = len,
    };
    pcap_dump((u_char *) o->d, &h, frame);
}

/* ---- Progress ---- */

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
summary(FILE *f, const char *label, const struct replay_stats *s,
        uint64_t skipped)
{
    fprintf(f, "%s%s: %" PRIu64 " packets in (%" PRIu64 " bytes), %" PRIu64
            " out (%" PRIu64 " bytes), %" PRIu64 " connections, %" PRIu64
            " heads, %" PRIu64 " alerts", prog, label, s->packets_in,
            s->bytes_in, s->packets_out, s->bytes_out, s->conns,
            s->requests + s->responses + s->hellos, s->alerts);
    if (s->packet_ins) {
        fprintf(f, "; %" PRIu64 " packet-ins, %" PRIu64 " through entries, %"
                PRIu64 " bodies elided", s->packet_ins, s->entry_packets,
                s->bodies_elided);
    }
    if (s->cut) {
        fprintf(f, "; %" PRIu64 " watched packets cut by the snap length",
                s->cut);
    }
    if (skipped) {
        fprintf(f, "; %" PRIu64 " frames without a usable link header",
                skipped);
    }
    fputc('\n', f);
}

static int
parse_sweep(const char *arg, uint64_t *t, size_t *n)
{
    char buf[1024];
    if (strlen(arg) >= sizeof buf) {
        return EINVAL;
    }
    strcpy(buf, arg);
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (*n == MAX_SWEEP || parse_size(tok, &t[*n])) {
            return EINVAL;
        }
        ++*n;
    }
    return *n ? 0 : EINVAL;
}

int
main(int argc, char *argv[])
{
    struct ctl_opts o;
    ctl_opts_init(&o);
    struct ctl_cfg *cfg = &o.cfg;
    const char *out_path = NULL;
    uint64_t sweep[MAX_SWEEP];
    size_t n_sweep = 0;
    bool quiet = false;
    log_verbosity = LOG_WARN;
    enum { O_SWEEP = CO_OWN, O_CSUM };
    struct option opts[CTL_N_OPTS + 8] = {
        { "output", required_argument, NULL, 'o' },
        { "sweep", required_argument, NULL, O_SWEEP },
        { "ignore-csum", no_argument, NULL, O_CSUM },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
    };
    memcpy(opts + 7, ctl_opt_table, sizeof ctl_opt_table);
    int c;
    while ((c = getopt_long(argc, argv, "o:qvhV", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out_path = optarg;
            break;
        case O_SWEEP:
            if (parse_sweep(optarg, sweep, &n_sweep)) {
                return ctl_bad_opt(prog, "--sweep (SIZE,... at most 64)",
                                   optarg);
            }
            break;
        case O_CSUM:
            cfg->ignore_csum = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'v':
            log_verbosity++;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("elide-replay %s\n", ELIDE_VERSION);
            return 0;
        case CO_MIRROR:
        case CO_BUDGET:
        case CO_THRESH_MIN:
        case CO_SETTLE:
            fprintf(stderr, "%s: --%s is not modeled (an ideal switch, no "
                    "port statistics)\n", prog, ctl_opt_table[c - CO_MODE].name);
            return 2;
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
    if (optind + 1 != argc) {
        fprintf(stderr, "%s: one capture file expected\nTry '%s --help'.\n",
                prog, prog);
        return 2;
    }
    if (ctl_opts_check(&o, prog)) {
        return 2;
    }
    if (cfg->datapath == DP_CONNTRACK) {
        fprintf(stderr, "%s: --datapath conntrack is not modeled: flows "
                "only (in an ideal switch both mirror the same)\n", prog);
        return 2;
    }
    if (n_sweep && (out_path || o.event_log)) {
        fprintf(stderr, "%s: --sweep writes no pcap and no event log\n", prog);
        return 2;
    }
    if (n_sweep && !ctl_cfg_elides(cfg)) {
        fprintf(stderr, "%s: --sweep needs --mode elide or elide-paper\n",
                prog);
        return 2;
    }
    const char *in_path = argv[optind];

    char err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *in = pcap_open_offline_with_tstamp_precision(
        in_path, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!in) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 1;
    }
    int dlt = pcap_datalink(in);
    if (!link_supported(dlt)) {
        fprintf(stderr, "%s: %s: link type %d (%s) is not supported: "
                "Ethernet, Linux cooked or raw IP\n", prog, in_path, dlt,
                pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt)
                                               : "?");
        pcap_close(in);
        return 1;
    }
    int rc = 0;
    if (o.event_log && (rc = evlog_open(o.event_log))) {
        fprintf(stderr, "%s: %s: %s\n", prog, o.event_log, strerror(rc));
        pcap_close(in);
        return 1;
    }
    struct out out = { NULL };
    pcap_t *dead = NULL;
    if (out_path) {
        int snap = pcap_snapshot(in);
        dead = pcap_open_dead(DLT_EN10MB, snap > 0 ? snap + 64 : 262144);
        out.d = dead ? pcap_dump_open(dead, out_path) : NULL;
        if (!out.d) {
            fprintf(stderr, "%s: %s: %s\n", prog, out_path,
                    dead ? pcap_geterr(dead) : "out of memory");
            if (dead) {
                pcap_close(dead);
            }
            pcap_close(in);
            evlog_close();
            return 1;
        }
    }

    struct replay *rp[MAX_SWEEP];
    size_t n_rp = n_sweep ? n_sweep : 1;
    for (size_t i = 0; i < n_rp; i++) {
        struct ctl_cfg ci = *cfg;
        if (n_sweep) {
            ci.threshold = sweep[i];
            ci.threshold_min = sweep[i] < ci.threshold_min ? sweep[i]
                                                           : ci.threshold_min;
        }
        rp[i] = replay_new(&ci, out.d ? write_frame : NULL, &out);
        if (!rp[i]) {
            return 1;
        }
    }

    static uint8_t buf[LINK_MAX_FRAME];
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t skipped = 0, n = 0, bytes = 0, first_us = 0, last_us = 0;
    double t0 = now_s(), next_progress = t0 + 1;
    int r;
    while ((r = pcap_next_ex(in, &h, &data)) == 1) {
        const uint8_t *f;
        uint32_t caplen, len;
        if (link_to_eth(dlt, data, h->caplen, h->len, buf, &f, &caplen,
                        &len)) {
            skipped++;
            continue;
        }
        uint64_t ts = (uint64_t) h->ts.tv_sec * 1000000
                      + (uint64_t) h->ts.tv_usec;
        if (!n) {
            first_us = ts;
        }
        last_us = ts > last_us ? ts : last_us;
        n++;
        bytes += len;
        for (size_t i = 0; i < n_rp; i++) {
            replay_frame(rp[i], ts, f, caplen, len);
        }
        if (!quiet && !(n & 0xfff) && now_s() >= next_progress) {
            double t = now_s();
            next_progress = t + 1;
            fprintf(stderr, "%s: %" PRIu64 " packets, %.1f MB, %.1f s of "
                    "trace, %.1f s\n", prog, n, bytes / 1e6,
                    (last_us - first_us) / 1e6, t - t0);
        }
    }
    if (r == -1) {
        fprintf(stderr, "%s: %s: %s (after %" PRIu64 " packets)\n", prog,
                in_path, pcap_geterr(in), n + skipped);
        rc = 1;
    }
    for (size_t i = 0; i < n_rp; i++) {
        replay_finish(rp[i]);
    }
    if (n_sweep) {
        printf("# elide-replay %s --sweep on %s: %" PRIu64 " packets, %"
               PRIu64 " bytes\n", ELIDE_VERSION, in_path, n, bytes);
        printf("threshold\tmirror_packets\tmirror_bytes\theads\t"
               "bodies_elided\tbody_bytes_mirrored\tpayload_mirrored\t"
               "payload_unmirrored\n");
        for (size_t i = 0; i < n_rp; i++) {
            const struct replay_stats *s = replay_stats(rp[i]);
            uint64_t body = s->resp_payload_mirrored > s->resp_head_bytes
                            ? s->resp_payload_mirrored - s->resp_head_bytes : 0;
            printf("%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%"
                   PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n",
                   sweep[i], s->packets_out, s->bytes_out,
                   s->requests + s->responses + s->hellos, s->bodies_elided,
                   body, s->payload_mirrored,
                   s->payload_bytes - s->payload_mirrored);
        }
    }
    for (size_t i = 0; i < n_rp; i++) {
        char label[48] = "";
        if (n_sweep) {
            snprintf(label, sizeof label, " (threshold %" PRIu64 ")",
                     sweep[i]);
        }
        summary(stderr, label, replay_stats(rp[i]), skipped);
        replay_free(rp[i]);
    }
    if (out.d) {
        if (pcap_dump_flush(out.d)) {
            fprintf(stderr, "%s: %s: write error\n", prog, out_path);
            rc = 1;
        }
        pcap_dump_close(out.d);
        pcap_close(dead);
    }
    pcap_close(in);
    evlog_close();
    return rc;
}
