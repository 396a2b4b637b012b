/* Mirror analysis: compares what a mirror port delivered with the ground
 * truth, per HTTP connection.
 *
 * The ground truth (every frame as sent or received by a host) gives, per
 * TCP connection to an HTTP port, its initial sequence numbers, which
 * payload bytes were on the wire (as interval sets of stream offsets), the
 * HTTP message heads and the response bodies that an eliding mirror may
 * leave out (hwalk.h).  The mirror capture is then mapped onto the same
 * stream offsets.  Frames are parsed by the controller's own parser
 * (pkt.h); nothing stores payload beyond the heads. */
#ifndef ANALYZE_H
#define ANALYZE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define AN_MAX_PORTS 16

struct an_cfg {
    uint16_t http_ports[AN_MAX_PORTS];
    size_t n_http_ports;
    uint64_t threshold;         /* bodies with Content-Length >= this are
                                 * elidable */
    bool filter;                /* only connections with this endpoint */
    uint8_t filter_ipver;       /* 4 or 6 */
    uint8_t filter_ip[16];
    uint16_t filter_port;
    bool ignore_csum;           /* take truth segments whatever their
                                 * checksums (captures with offload) */
};

/* Metrics of one connection, or their sum. */
struct an_stats {
    uint64_t truth_packets, truth_bytes;    /* bytes: frame length on the
                                             * wire (pcap orig len) */
    uint64_t mirror_packets, mirror_bytes;
    uint64_t mirror_dir_packets[2];         /* client->server, server->client */
    uint64_t heads, heads_covered;
    uint64_t leaked_body_bytes;     /* mirrored bytes of elidable bodies */
    uint64_t elided_body_bytes;     /* elidable body bytes not mirrored */
    uint64_t elided_other_bytes;    /* any other payload not mirrored */
};

struct an_totals {
    struct an_stats s;          /* HTTP connections only */
    uint64_t conns;
    uint64_t other_mirror_packets, other_mirror_bytes;
    uint64_t other_truth_packets, other_truth_bytes;
};

struct an_conn_info {
    char client[64], server[64];    /* "IP:PORT", "[IPv6]:PORT" */
    int64_t first_sec;              /* time of its first truth packet */
    uint32_t first_usec;
    uint32_t client_isn;            /* tells apart reuses of a 4-tuple */
    struct an_stats s;
};

/* A head the mirror did not deliver whole. */
struct an_missing {
    size_t conn;                /* index for an_conn() */
    int dir;                    /* 0 client->server, 1 server->client */
    uint64_t offset, len;       /* in that direction's stream */
    uint64_t mirrored;          /* bytes of it the mirror did deliver */
    char first_line[256];       /* escaped: non-printable bytes as \xNN */
};

struct an;

struct an *an_create(const struct an_cfg *);
void an_destroy(struct an *);

/* Reads the ground truth, then the mirror capture, then computes the
 * metrics; in this order, once each.  Return 0, or -1 with a message in
 * 'err' (bad file, unsupported link type, read error, out of memory). */
int an_read_truth(struct an *, const char *path, char *err, size_t errlen);
int an_read_mirror(struct an *, const char *path, char *err, size_t errlen);
int an_finish(struct an *, char *err, size_t errlen);

size_t an_n_conns(const struct an *);
void an_conn(const struct an *, size_t i, struct an_conn_info *);
void an_get_totals(const struct an *, struct an_totals *);

size_t an_n_missing(const struct an *);
const struct an_missing *an_missing(const struct an *, size_t i);

/* Writes one "mirror-analyze: note: ..." line per anomaly worth knowing
 * (malformed frames, unmatched mirror packets, heads not found, ...). */
void an_print_notes(const struct an *, FILE *);

/* "K", "M", "G" (powers of 10) and "Ki", "Mi", "Gi" (powers of 2) after a
 * decimal number, as the controller's --threshold.  Returns 0 or -1. */

/* "80,8080".  Returns 0 or -1. */
int an_parse_ports(const char *, struct an_cfg *);

/* "IP:PORT" or "[IPv6]:PORT".  Returns 0 or -1. */
int an_parse_endpoint(const char *, struct an_cfg *);

#endif
