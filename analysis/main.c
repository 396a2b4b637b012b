/* mirror-analyze: option parsing and output only; see analyze.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "units.h"

#ifndef ELIDE_VERSION
#define ELIDE_VERSION "unknown"
#endif

static void
usage(FILE *f)
{
    fprintf(f,
"usage: mirror-analyze --truth FILE.pcap --mirror FILE.pcap [OPTIONS]\n"
"Compares what a mirror port delivered (--mirror) with the ground truth\n"
"captured at a host (--truth), per HTTP connection: packets, bytes, HTTP\n"
"heads delivered, elided and leaked body bytes.\n"
"\n"
"  --truth FILE           ground truth capture (pcap/pcapng, Ethernet)\n"
"  --mirror FILE          capture at the mirror port's monitor\n"
"  --http-ports LIST      TCP server ports treated as HTTP (default 80)\n"
"  --threshold SIZE       bodies with Content-Length >= SIZE are elidable\n"
"                         (default 10M; K/M/G = 10^3/6/9, Ki/Mi/Gi = 2^10/20/30)\n"
"  --summary              print only the summary line\n"
"  --csv FILE             write one row per connection to FILE\n"
"  --missing              print the heads the mirror did not deliver whole\n"
"  --conn-filter IP:PORT  only connections with this endpoint\n"
"  --ignore-csum          take truth segments whatever their checksums; by\n"
"                         default a segment with a bad IPv4 header or TCP\n"
"                         checksum is counted but not reassembled (its\n"
"                         receiver dropped it).  For a truth captured on a\n"
"                         host with checksum offload, where outgoing\n"
"                         segments show unfilled checksums (a hint on\n"
"                         stderr says when most of a direction are bad)\n"
"  -h, --help             this help\n"
"  -V, --version          version\n"
"\n"
"Data in a SYN (TCP Fast Open) counts only if the peer acknowledged it.\n"
"Anomalies are notes on stderr.\n"
"\n"
"Exit status: 0 done, 1 unreadable or unsupported input, 2 bad options.\n");
}

static int
bad(const char *what, const char *val)
{
    fprintf(stderr, "mirror-analyze: invalid %s: '%s'\n", what, val);
    fprintf(stderr, "Try 'mirror-analyze --help'.\n");
    return 2;
}

static void
print_summary(FILE *f, const struct an_totals *t)
{
    const struct an_stats *s = &t->s;
    double cov = s->heads ? (double) s->heads_covered / (double) s->heads
                          : 1.0;

    fprintf(f, "mirror_packets=%llu mirror_bytes=%llu truth_packets=%llu "
            "truth_bytes=%llu conns=%llu heads=%llu heads_covered=%llu "
            "coverage=%.4f leaked_body_bytes=%llu elided_body_bytes=%llu "
            "elided_other_bytes=%llu other_mirror_packets=%llu "
            "other_mirror_bytes=%llu\n",
            (unsigned long long) s->mirror_packets,
            (unsigned long long) s->mirror_bytes,
            (unsigned long long) s->truth_packets,
            (unsigned long long) s->truth_bytes,
            (unsigned long long) t->conns,
            (unsigned long long) s->heads,
            (unsigned long long) s->heads_covered, cov,
            (unsigned long long) s->leaked_body_bytes,
            (unsigned long long) s->elided_body_bytes,
            (unsigned long long) s->elided_other_bytes,
            (unsigned long long) t->other_mirror_packets,
            (unsigned long long) t->other_mirror_bytes);
}

/* Columns after elided_other_bytes are extensions; new ones go last. */
static int
write_csv(const char *path, const struct an *a)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        perror(path);
        return -1;
    }
    fprintf(f, "client,server,truth_packets,truth_bytes,mirror_packets,"
            "mirror_bytes,heads,heads_covered,leaked_body_bytes,"
            "elided_body_bytes,elided_other_bytes,mirror_c2s_packets,"
            "mirror_s2c_packets,first_time,client_isn\n");
    for (size_t i = 0; i < an_n_conns(a); i++) {
        struct an_conn_info c;
        an_conn(a, i, &c);
        fprintf(f, "%s,%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,"
                "%llu,%llu,%lld.%06u,%u\n", c.client, c.server,
                (unsigned long long) c.s.truth_packets,
                (unsigned long long) c.s.truth_bytes,
                (unsigned long long) c.s.mirror_packets,
                (unsigned long long) c.s.mirror_bytes,
                (unsigned long long) c.s.heads,
                (unsigned long long) c.s.heads_covered,
                (unsigned long long) c.s.leaked_body_bytes,
                (unsigned long long) c.s.elided_body_bytes,
                (unsigned long long) c.s.elided_other_bytes,
                (unsigned long long) c.s.mirror_dir_packets[0],
                (unsigned long long) c.s.mirror_dir_packets[1],
                (long long) c.first_sec, (unsigned) c.first_usec,
                (unsigned) c.client_isn);
    }
    if (ferror(f) | fclose(f)) {
        perror(path);
        return -1;
    }
    return 0;
}

static void
print_missing(FILE *f, const struct an *a)
{
    for (size_t i = 0; i < an_n_missing(a); i++) {
        const struct an_missing *m = an_missing(a, i);
        struct an_conn_info c;
        an_conn(a, m->conn, &c);
        fprintf(f, "missing client=%s server=%s dir=%s offset=%llu len=%llu "
                "mirrored=%llu first_line=%s\n", c.client, c.server,
                m->dir ? "s2c" : "c2s", (unsigned long long) m->offset,
                (unsigned long long) m->len,
                (unsigned long long) m->mirrored, m->first_line);
    }
}

/* Without an output option: one line per connection, then the summary. */
static void
print_report(FILE *f, const struct an *a, const struct an_totals *t)
{
    for (size_t i = 0; i < an_n_conns(a); i++) {
        struct an_conn_info c;
        an_conn(a, i, &c);
        fprintf(f, "conn client=%s server=%s truth=%llupkt/%lluB "
                "mirror=%llupkt/%lluB heads=%llu/%llu leaked_body=%llu "
                "elided_body=%llu elided_other=%llu\n", c.client, c.server,
                (unsigned long long) c.s.truth_packets,
                (unsigned long long) c.s.truth_bytes,
                (unsigned long long) c.s.mirror_packets,
                (unsigned long long) c.s.mirror_bytes,
                (unsigned long long) c.s.heads_covered,
                (unsigned long long) c.s.heads,
                (unsigned long long) c.s.leaked_body_bytes,
                (unsigned long long) c.s.elided_body_bytes,
                (unsigned long long) c.s.elided_other_bytes);
    }
    print_summary(f, t);
}

int
main(int argc, char *argv[])
{
    enum { OPT_TRUTH = 256, OPT_MIRROR, OPT_PORTS, OPT_THRESHOLD,
           OPT_SUMMARY, OPT_CSV, OPT_MISSING, OPT_FILTER, OPT_IGNORE_CSUM };
    static const struct option longopts[] = {
        { "truth", required_argument, NULL, OPT_TRUTH },
        { "mirror", required_argument, NULL, OPT_MIRROR },
        { "http-ports", required_argument, NULL, OPT_PORTS },
        { "threshold", required_argument, NULL, OPT_THRESHOLD },
        { "summary", no_argument, NULL, OPT_SUMMARY },
        { "csv", required_argument, NULL, OPT_CSV },
        { "missing", no_argument, NULL, OPT_MISSING },
        { "conn-filter", required_argument, NULL, OPT_FILTER },
        { "ignore-csum", no_argument, NULL, OPT_IGNORE_CSUM },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct an_cfg cfg = {
        .http_ports = { 80 }, .n_http_ports = 1, .threshold = 10000000,
    };
    const char *truth = NULL, *mirror = NULL, *csv = NULL;
    bool summary = false, missing = false;
    int opt;

    /* getopt's own messages would name argv[0], which differs between
     * builds; ours are the same everywhere. */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_TRUTH:
            truth = optarg;
            break;
        case OPT_MIRROR:
            mirror = optarg;
            break;
        case OPT_PORTS:
            if (an_parse_ports(optarg, &cfg)) {
                return bad("--http-ports", optarg);
            }
            break;
        case OPT_THRESHOLD:
            if (parse_size(optarg, &cfg.threshold)) {
                return bad("--threshold", optarg);
            }
            break;
        case OPT_SUMMARY:
            summary = true;
            break;
        case OPT_CSV:
            csv = optarg;
            break;
        case OPT_MISSING:
            missing = true;
            break;
        case OPT_FILTER:
            if (an_parse_endpoint(optarg, &cfg)) {
                return bad("--conn-filter", optarg);
            }
            break;
        case OPT_IGNORE_CSUM:
            cfg.ignore_csum = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("mirror-analyze %s\n", ELIDE_VERSION);
            return 0;
        case ':':
            return bad("option (value missing)", argv[optind - 1]);
        default:
            return bad("option", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return bad("argument", argv[optind]);
    }
    if (!truth || !mirror) {
        fprintf(stderr, "mirror-analyze: --truth and --mirror are required\n");
        fprintf(stderr, "Try 'mirror-analyze --help'.\n");
        return 2;
    }

    char err[512];
    struct an_totals t;
    struct an *a = an_create(&cfg);
    if (!a) {
        fprintf(stderr, "mirror-analyze: out of memory\n");
        return 1;
    }
    if (an_read_truth(a, truth, err, sizeof err)
        || an_read_mirror(a, mirror, err, sizeof err)
        || an_finish(a, err, sizeof err)) {
        fprintf(stderr, "mirror-analyze: %s\n", err);
        an_destroy(a);
        return 1;
    }
    an_get_totals(a, &t);
    an_print_notes(a, stderr);

    int rc = 0;
    if (csv && write_csv(csv, a)) {
        rc = 1;
    }
    if (missing) {
        print_missing(stdout, a);
    }
    if (summary) {
        print_summary(stdout, &t);
    } else if (!missing && !csv) {
        print_report(stdout, a, &t);
    }
    if (fflush(stdout)) {
        perror("mirror-analyze: stdout");
        rc = 1;
    }
    an_destroy(a);
    return rc;
}
