/* Mirror analysis (see analyze.h).
 *
 * Connections are keyed canonically, client first: the server is the
 * endpoint whose port is an HTTP port, so both directions share an entry.
 * A 4-tuple reused by a later connection (new SYN, new ISN) gets a new
 * entry chained to the first one ("instances").
 *
 * Stream offsets: byte k of a direction's payload is at offset k, i.e. the
 * byte with sequence number ISN + 1 + k (RFC 9293 3.4: the SYN consumes
 * one sequence number).  32-bit sequence numbers are unwrapped into 64-bit
 * offsets relative to the highest offset seen so far, so streams beyond
 * 4 GiB and retransmissions across a wrap map correctly.
 *
 * The truth holds what was on the wire, which is not always what the
 * receiver took: a segment with a bad checksum (IPv4 header or TCP) is
 * dropped by the receiving host, so it is counted but its flags and
 * payload are skipped (--ignore-csum keeps them, for captures taken where
 * checksum offload leaves outgoing checksums unfilled); and data in a SYN
 * (TCP Fast Open, RFC 7413) is part of the stream only if the peer's
 * answer acknowledges it, so it is held until then. */
#include "analyze.h"
#include "units.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hwalk.h"
#include "ivset.h"
#include "pkt.h"

/* The capture is read again while some head was reordered past its window
 * (hwalk.h); each extra read finds at least one more head. */
#define MAX_PASSES 32

/* A mirror packet belongs to an instance when its offset is no further
 * than this outside what the truth saw of that direction. */
#define MATCH_SLACK (1u << 20)

#define NO_CONN SIZE_MAX

/* Per-connection notes printed before they are only counted. */
#define MAX_CONN_NOTES 20

struct key {
    uint8_t ipver;
    uint8_t cip[16], sip[16];
    uint16_t cport, sport;
};

/* Data carried by a SYN, until the peer's first ACK tells whether it was
 * accepted (RFC 7413 4.2.2: the server may acknowledge the SYN only, and
 * the client then sends the data again after the handshake). */
enum syn_data {
    SD_NONE = 0,
    SD_PENDING,                 /* held in syn_buf */
    SD_ACCEPTED,                /* the first syn_acked bytes */
    SD_REJECTED,
};

struct conn_dir {
    bool isn_known;
    bool syn_seen;              /* isn comes from a SYN, not the first packet */
    uint32_t isn;
    uint64_t tref;              /* unwrap reference: truth, first pass */
    uint64_t pref;              /* unwrap reference: truth, later passes */
    uint64_t mref;              /* unwrap reference: mirror */
    struct ivset truth;         /* payload offsets on the wire */
    struct ivset mirror;        /* payload offsets the mirror delivered */
    size_t *heads;              /* indexes into the walker's heads */
    size_t n_heads;
    uint8_t syn_data;           /* enum syn_data */
    uint32_t syn_acked;         /* SD_ACCEPTED: bytes the peer acknowledged */
    struct pkt syn_pkt;         /* SD_PENDING: the SYN, payload in syn_buf */
    uint8_t *syn_buf;
};

struct conn {
    struct key key;
    size_t next;                /* next instance of the same 4-tuple */
    size_t cursor;              /* first instance only: current instance */
    size_t mcursor;             /* first instance only: last mirror match */
    struct conn_dir d[2];
    struct hwalk *w;
    bool needs_pass;
    struct timeval first_ts;
    struct an_stats s;
};

struct notes {
    uint64_t truth_malformed, mirror_malformed;
    uint64_t truth_fragments, mirror_fragments;
    uint64_t truth_cut;             /* payload captured shorter than sent */
    uint64_t truth_filtered, mirror_filtered;
    uint64_t mirror_unknown_conn;   /* HTTP port, no such truth connection */
    uint64_t mirror_unmapped;       /* payload not placeable in a stream */
    uint64_t mirror_mismatch;       /* payload differs from a truth head */
    uint64_t mirror_cut_tcp;        /* cut inside the TCP header */
    uint64_t no_syn;                /* connections whose SYN truth lacks */
    uint64_t csum_checked[2];       /* truth segments per direction */
    uint64_t csum_bad[2];           /* ... with a bad checksum (skipped) */
    uint64_t syn_data_rejected;     /* SYN payloads the peer did not ack */
    uint64_t syn_data_unanswered;   /* ... nor answered in the capture */
    unsigned passes;
};

struct an {
    struct an_cfg cfg;
    struct conn **conns;
    size_t n_conns, cap_conns;
    size_t *table;              /* open addressing: first instances */
    size_t table_size;          /* power of two */
    size_t n_keys;
    unsigned pass;              /* truth pass being read, from 1 */
    struct an_totals t;
    struct notes notes;
    struct an_missing *missing;
    size_t n_missing, cap_missing;
};

/* ------------------------------------------------------------ options */

/* The controller's --http-ports grammar, from the same code. */
int
an_parse_ports(const char *s, struct an_cfg *cfg)
{
    return parse_port_list(s, cfg->http_ports, AN_MAX_PORTS, &cfg->n_http_ports);
}

int
an_parse_endpoint(const char *s, struct an_cfg *cfg)
{
    char host[INET6_ADDRSTRLEN];
    const char *colon = strrchr(s, ':');
    const char *h = s;
    size_t hlen;

    if (!colon) {
        return -1;
    }
    hlen = (size_t) (colon - s);
    if (hlen >= 2 && s[0] == '[' && colon[-1] == ']') {
        h = s + 1;
        hlen -= 2;
    } else if (memchr(s, ':', hlen)) {
        /* An IPv6 address needs brackets, or its last group would be
         * taken for the port. */
        return -1;
    }
    if (hlen == 0 || hlen >= sizeof host
        || parse_port(colon + 1, &cfg->filter_port)) {
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memset(cfg->filter_ip, 0, sizeof cfg->filter_ip);
    if (inet_pton(AF_INET, host, cfg->filter_ip) == 1) {
        cfg->filter_ipver = 4;
    } else if (inet_pton(AF_INET6, host, cfg->filter_ip) == 1) {
        cfg->filter_ipver = 6;
    } else {
        return -1;
    }
    cfg->filter = true;
    return 0;
}

/* ------------------------------------------------------ connection table */

struct an *
an_create(const struct an_cfg *cfg)
{
    struct an *a = calloc(1, sizeof *a);

    if (a) {
        a->cfg = *cfg;
    }
    return a;
}

static void
conn_free(struct conn *c)
{
    for (int i = 0; i < 2; i++) {
        ivset_free(&c->d[i].truth);
        ivset_free(&c->d[i].mirror);
        free(c->d[i].heads);
        free(c->d[i].syn_buf);
    }
    hwalk_destroy(c->w);
    free(c);
}

void
an_destroy(struct an *a)
{
    if (!a) {
        return;
    }
    for (size_t i = 0; i < a->n_conns; i++) {
        conn_free(a->conns[i]);
    }
    free(a->conns);
    free(a->table);
    free(a->missing);
    free(a);
}

/* FNV-1a over the key's bytes (the key is zeroed before it is filled, so
 * padding is deterministic). */
static size_t
key_hash(const struct key *k)
{
    const uint8_t *b = (const uint8_t *) k;
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < sizeof *k; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    return (size_t) (h ^ (h >> 32));
}

static size_t
lookup(const struct an *a, const struct key *k)
{
    if (!a->table_size) {
        return NO_CONN;
    }
    for (size_t i = key_hash(k) & (a->table_size - 1);;
         i = (i + 1) & (a->table_size - 1)) {
        size_t c = a->table[i];
        if (c == NO_CONN) {
            return NO_CONN;
        } else if (!memcmp(&a->conns[c]->key, k, sizeof *k)) {
            return c;
        }
    }
}

static void
table_put(size_t *table, size_t size, const struct key *k, size_t c)
{
    size_t i = key_hash(k) & (size - 1);

    while (table[i] != NO_CONN) {
        i = (i + 1) & (size - 1);
    }
    table[i] = c;
}

static int
grow_table(struct an *a)
{
    size_t size = a->table_size ? a->table_size * 2 : 1024;
    size_t *t = malloc(size * sizeof *t);

    if (!t) {
        return ENOMEM;
    }
    for (size_t i = 0; i < size; i++) {
        t[i] = NO_CONN;
    }
    for (size_t i = 0; i < a->table_size; i++) {
        if (a->table[i] != NO_CONN) {
            table_put(t, size, &a->conns[a->table[i]]->key, a->table[i]);
        }
    }
    free(a->table);
    a->table = t;
    a->table_size = size;
    return 0;
}

/* Appends a connection; 'first' is NO_CONN for a new 4-tuple. */
static struct conn *
new_conn(struct an *a, const struct key *k, size_t first)
{
    if (a->n_conns == a->cap_conns) {
        size_t cap = a->cap_conns ? a->cap_conns * 2 : 64;
        struct conn **v = realloc(a->conns, cap * sizeof *v);
        if (!v) {
            return NULL;
        }
        a->conns = v;
        a->cap_conns = cap;
    }
    if (first == NO_CONN && (a->n_keys + 1) * 2 > a->table_size
        && grow_table(a)) {
        return NULL;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c || !(c->w = hwalk_create(a->cfg.threshold))) {
        free(c);
        return NULL;
    }
    size_t idx = a->n_conns++;
    c->key = *k;
    c->next = NO_CONN;
    c->cursor = c->mcursor = idx;
    a->conns[idx] = c;
    if (first == NO_CONN) {
        table_put(a->table, a->table_size, k, idx);
        a->n_keys++;
    } else {
        size_t last = first;
        while (a->conns[last]->next != NO_CONN) {
            last = a->conns[last]->next;
        }
        a->conns[last]->next = idx;
        a->conns[first]->cursor = idx;
    }
    return c;
}

static bool
is_http_port(const struct an *a, uint16_t port)
{
    for (size_t i = 0; i < a->cfg.n_http_ports; i++) {
        if (a->cfg.http_ports[i] == port) {
            return true;
        }
    }
    return false;
}

static void
make_key(struct key *k, const struct pkt *p, bool src_is_client)
{
    size_t alen = p->ip_version == 6 ? 16 : 4;

    memset(k, 0, sizeof *k);
    k->ipver = p->ip_version;
    memcpy(k->cip, src_is_client ? p->ip_src : p->ip_dst, alen);
    memcpy(k->sip, src_is_client ? p->ip_dst : p->ip_src, alen);
    k->cport = src_is_client ? p->sport : p->dport;
    k->sport = src_is_client ? p->dport : p->sport;
}

/* Keys a TCP packet to an HTTP port; false for "other" traffic.  '*dir' is
 * HWALK_C2S when the packet's source is the client. */
static bool
classify(const struct an *a, const struct pkt *p, struct key *k,
         enum hwalk_dir *dir)
{
    if (!(p->layers & PKT_L3) || p->ip_proto != IPPROTO_TCP
        || (!p->sport && !p->dport)) {
        return false;
    }
    bool to_http = is_http_port(a, p->dport);
    bool from_http = is_http_port(a, p->sport);
    bool src_client;

    if (!to_http && !from_http) {
        return false;
    } else if (to_http && from_http) {
        /* Both ports are HTTP ports: an existing entry decides, then the
         * handshake, then the lower port is the server. */
        make_key(k, p, true);
        if (lookup(a, k) != NO_CONN) {
            src_client = true;
        } else {
            make_key(k, p, false);
            if (lookup(a, k) != NO_CONN) {
                src_client = false;
            } else if (p->tcp_flags & TCP_SYN) {
                src_client = !(p->tcp_flags & TCP_ACK);
            } else {
                src_client = p->dport <= p->sport;
            }
        }
    } else {
        src_client = to_http;
    }
    make_key(k, p, src_client);
    *dir = src_client ? HWALK_C2S : HWALK_S2C;
    return true;
}

static bool
filter_ok(const struct an *a, const struct key *k)
{
    const struct an_cfg *f = &a->cfg;
    size_t alen = f->filter_ipver == 6 ? 16 : 4;

    if (!f->filter) {
        return true;
    }
    return k->ipver == f->filter_ipver
           && ((k->cport == f->filter_port && !memcmp(k->cip, f->filter_ip, alen))
               || (k->sport == f->filter_port
                   && !memcmp(k->sip, f->filter_ip, alen)));
}

/* The truth connection of a packet: the instance current for its 4-tuple,
 * or a new one when a SYN starts a new connection.  Later passes replay
 * the same decisions over the instances the first pass made. */
static struct conn *
truth_conn(struct an *a, const struct key *k, enum hwalk_dir dir,
           const struct pkt *p, bool *err)
{
    size_t first = lookup(a, k);
    struct conn *c;

    *err = false;
    if (first == NO_CONN) {
        if (a->pass > 1 || !(c = new_conn(a, k, NO_CONN))) {
            *err = a->pass == 1;
            return NULL;
        }
        return c;
    }
    c = a->conns[a->conns[first]->cursor];
    if (dir == HWALK_C2S && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN
        && c->d[0].isn_known
        && !(c->d[0].syn_seen && c->d[0].isn == p->tcp_seq)) {
        /* A SYN with another ISN: the 4-tuple is reused. */
        if (a->pass == 1) {
            if (!(c = new_conn(a, k, first))) {
                *err = true;
            }
        } else if (c->next != NO_CONN) {
            size_t next = c->next;
            a->conns[first]->cursor = next;
            c = a->conns[next];
        }
    }
    return c;
}

/* Maps sequence number 'seq' of a segment to a signed stream offset,
 * updating the unwrap reference. */
static int64_t
stream_offset(uint64_t *ref, uint32_t isn, uint32_t seq, uint32_t len,
              bool update)
{
    uint32_t rel = seq - isn - 1;
    int32_t delta = (int32_t) (rel - (uint32_t) *ref);
    int64_t off = (int64_t) *ref + delta;

    if (update && off + (int64_t) len > (int64_t) *ref) {
        *ref = (uint64_t) (off + (int64_t) len);
    }
    return off;
}

/* First sequence number of a segment's data: a SYN consumes one. */
static uint32_t
data_seq(const struct pkt *p)
{
    return p->tcp_seq + ((p->tcp_flags & TCP_SYN) ? 1 : 0);
}

/* ------------------------------------------------------------ reading */

typedef int (*frame_fn)(struct an *, const struct pcap_pkthdr *,
                        const uint8_t *);

static void
fmt(char *err, size_t n, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    vsnprintf(err, n, f, ap);
    va_end(ap);
}

static int
read_pcap(struct an *a, const char *path, frame_fn fn, char *err, size_t n)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct pcap_pkthdr *h;
    const uint8_t *data;
    pcap_t *pc = pcap_open_offline(path, ebuf);
    int r;

    if (!pc) {
        /* libpcap names the file itself when the OS refused to open it. */
        bool named = !strncmp(ebuf, path, strlen(path));
        fmt(err, n, "%s%s%s", named ? "" : path, named ? "" : ": ", ebuf);
        return -1;
    }
    int dlt = pcap_datalink(pc);
    if (dlt != DLT_EN10MB) {
        const char *name = pcap_datalink_val_to_name(dlt);
        fmt(err, n, "%s: link type %s (%d) not supported, only Ethernet",
            path, name ? name : "unknown", dlt);
        pcap_close(pc);
        return -1;
    }
    while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
        if (fn(a, h, data)) {
            fmt(err, n, "%s: out of memory", path);
            pcap_close(pc);
            return -1;
        }
    }
    if (r == PCAP_ERROR) {
        fmt(err, n, "%s: %s", path, pcap_geterr(pc));
        pcap_close(pc);
        return -1;
    }
    pcap_close(pc);
    return 0;
}

/* Feeds the captured payload of a truth segment to the walker and, in the
 * first pass, records which bytes were on the wire. */
static int
truth_payload(struct an *a, struct conn *c, enum hwalk_dir dir,
              const struct pkt *p)
{
    struct conn_dir *d = &c->d[dir];
    uint64_t *ref = a->pass == 1 ? &d->tref : &d->pref;
    int64_t off = stream_offset(ref, d->isn, data_seq(p), p->payload_len,
                                true);
    int64_t end = off + p->payload_len;
    uint32_t skip = off < 0 ? (uint32_t) (end <= 0 ? p->payload_len : -off) : 0;

    if (end <= 0) {
        return 0;
    }
    if (a->pass == 1) {
        if (ivset_add(&d->truth, (uint64_t) off + skip, (uint64_t) end)) {
            return ENOMEM;
        }
        if (p->payload_caplen < p->payload_len) {
            a->notes.truth_cut++;
        }
    }
    if (p->payload_caplen > skip) {
        /* An out-of-memory walker stops itself; the counts stay right. */
        hwalk_feed(c->w, dir, (uint64_t) off + skip, p->payload + skip,
                   p->payload_caplen - skip);
    }
    return 0;
}

/* Feeds the first 'n' payload bytes of SYN 'p' (data at the SYN's
 * sequence number + 1). */
static int
feed_syn(struct an *a, struct conn *c, enum hwalk_dir dir,
         const struct pkt *p, uint32_t n)
{
    struct pkt q = *p;

    if (q.payload_len > n) {
        q.payload_len = n;
    }
    if (q.payload_caplen > n) {
        q.payload_caplen = n;
    }
    return q.payload_len ? truth_payload(a, c, dir, &q) : 0;
}

/* The payload of a SYN of 'dir' (its first one, or a copy with the same
 * ISN).  The first pass holds it until the peer answers; later passes know
 * the answer. */
static int
syn_payload(struct an *a, struct conn *c, enum hwalk_dir dir,
            const struct pkt *p)
{
    struct conn_dir *d = &c->d[dir];

    switch (d->syn_data) {
    case SD_NONE:
        if (a->pass > 1) {
            return 0;
        }
        d->syn_buf = malloc(p->payload_caplen ? p->payload_caplen : 1);
        if (!d->syn_buf) {
            return ENOMEM;
        }
        memcpy(d->syn_buf, p->payload, p->payload_caplen);
        d->syn_pkt = *p;
        d->syn_pkt.payload = d->syn_buf;
        d->syn_data = SD_PENDING;
        return 0;
    case SD_ACCEPTED:
        return feed_syn(a, c, dir, p, d->syn_acked);
    default:
        return 0;           /* pending (a copy) or rejected */
    }
}

/* The peer's first ACK after a SYN of 'dir' that carried data: the data
 * it acknowledges is part of the stream, the rest was dropped. */
static int
syn_data_answer(struct an *a, struct conn *c, enum hwalk_dir dir,
                uint32_t ack)
{
    struct conn_dir *d = &c->d[dir];
    int32_t acked = (int32_t) (ack - d->isn - 1);
    int r = 0;

    if (acked > 0) {
        d->syn_data = SD_ACCEPTED;
        d->syn_acked = (uint32_t) acked;
        r = feed_syn(a, c, dir, &d->syn_pkt, d->syn_acked);
    } else {
        d->syn_data = SD_REJECTED;
        a->notes.syn_data_rejected++;
    }
    free(d->syn_buf);
    d->syn_buf = NULL;
    return r;
}

static int
truth_frame(struct an *a, const struct pcap_pkthdr *h, const uint8_t *frame)
{
    struct pkt p;
    struct key k;
    enum hwalk_dir dir;
    bool err;
    enum pkt_result r = pkt_parse(frame, h->caplen, &p);
    bool first = a->pass == 1;

    if (r != PKT_OK || !classify(a, &p, &k, &dir) || p.ip_frag) {
        if (first) {
            a->notes.truth_malformed += r != PKT_OK;
            a->notes.truth_fragments += r == PKT_OK && p.ip_frag;
            a->t.other_truth_packets++;
            a->t.other_truth_bytes += h->len;
        }
        return 0;
    }
    if (!filter_ok(a, &k)) {
        a->notes.truth_filtered += first;
        return 0;
    }
    bool bad = false;
    if (!a->cfg.ignore_csum) {
        pkt_verify_csum(frame, h->caplen, &p);
        bad = p.csum == PKT_CSUM_BAD;
        if (first && p.csum != PKT_CSUM_UNKNOWN) {
            a->notes.csum_checked[dir]++;
            a->notes.csum_bad[dir] += bad;
        }
    }
    struct conn *c;
    if (bad) {
        /* Counted in its connection (it was on the wire), but it neither
         * starts a new instance of the 4-tuple nor carries anything. */
        size_t f = lookup(a, &k);
        if (f != NO_CONN) {
            c = a->conns[a->conns[f]->cursor];
        } else if (!first || !(c = new_conn(a, &k, NO_CONN))) {
            return first ? ENOMEM : 0;
        }
        if (first) {
            if (c->s.truth_packets == 0) {
                c->first_ts = h->ts;
            }
            c->s.truth_packets++;
            c->s.truth_bytes += h->len;
        }
        return 0;
    }
    c = truth_conn(a, &k, dir, &p, &err);
    if (!c) {
        return err ? ENOMEM : 0;
    }
    struct conn_dir *d = &c->d[dir];
    if (first) {
        if (c->s.truth_packets == 0) {
            c->first_ts = h->ts;
        }
        c->s.truth_packets++;
        c->s.truth_bytes += h->len;
    }
    if (first && p.tcp_flags & TCP_ACK
        && c->d[!dir].syn_data == SD_PENDING) {
        int rc = syn_data_answer(a, c, (enum hwalk_dir) !dir, p.tcp_ack);
        if (rc) {
            return rc;
        }
    }
    if (first) {
        if (p.tcp_flags & TCP_SYN) {
            if (!d->syn_seen) {
                d->isn_known = d->syn_seen = true;
                d->isn = p.tcp_seq;
                d->tref = 0;
            }
        } else if (!d->isn_known) {
            /* No SYN (the capture started late): the first byte seen is
             * offset 0. */
            d->isn_known = true;
            d->isn = p.tcp_seq - 1;
        }
    } else if (!c->needs_pass) {
        return 0;
    }
    if (p.payload_len == 0 || !d->isn_known) {
        return 0;
    }
    if (p.tcp_flags & TCP_SYN && d->syn_seen && p.tcp_seq == d->isn) {
        return syn_payload(a, c, dir, &p);
    }
    return truth_payload(a, c, dir, &p);
}

int
an_read_truth(struct an *a, const char *path, char *err, size_t errlen)
{
    bool again = true;

    for (a->pass = 1; again; a->pass++) {
        if (a->pass > 1) {
            for (size_t i = 0; i < a->n_conns; i++) {
                struct conn *c = a->conns[i];
                c->cursor = i;
                c->d[0].pref = c->d[1].pref = 0;
                if (c->needs_pass) {
                    hwalk_begin_pass(c->w);
                }
            }
        }
        if (read_pcap(a, path, truth_frame, err, errlen)) {
            return -1;
        }
        if (a->pass == 1) {
            /* SYN data nobody answered: not known to be in the stream. */
            for (size_t i = 0; i < a->n_conns; i++) {
                for (int dir = 0; dir < 2; dir++) {
                    struct conn_dir *d = &a->conns[i]->d[dir];
                    if (d->syn_data == SD_PENDING) {
                        d->syn_data = SD_REJECTED;
                        a->notes.syn_data_unanswered++;
                        free(d->syn_buf);
                        d->syn_buf = NULL;
                    }
                }
            }
        }
        a->notes.passes = a->pass;
        again = false;
        for (size_t i = 0; i < a->n_conns; i++) {
            struct conn *c = a->conns[i];
            if (a->pass == 1 || c->needs_pass) {
                c->needs_pass = hwalk_end_pass(c->w, a->pass == MAX_PASSES);
                again |= c->needs_pass;
            }
        }
    }

    /* Per-direction head indexes, in stream order, for the mirror pass. */
    for (size_t i = 0; i < a->n_conns; i++) {
        struct conn *c = a->conns[i];
        size_t n;
        const struct hwalk_head *hd = hwalk_heads(c->w, &n);

        hwalk_release(c->w);
        c->cursor = c->mcursor = i;
        c->s.heads = n;
        a->t.conns++;
        a->notes.no_syn += !c->d[0].syn_seen || !c->d[1].syn_seen;
        for (int dir = 0; dir < 2; dir++) {
            struct conn_dir *d = &c->d[dir];
            if (n && !(d->heads = malloc(n * sizeof *d->heads))) {
                fmt(err, errlen, "out of memory");
                return -1;
            }
            for (size_t j = 0; j < n; j++) {
                if ((int) hd[j].dir == dir) {
                    d->heads[d->n_heads++] = j;
                }
            }
        }
    }
    return 0;
}

/* The instance of 'first's chain that a mirror segment belongs to: the
 * one whose ISN makes it fall inside (or next to) what the truth saw. */
static struct conn *
mirror_conn(struct an *a, size_t first, enum hwalk_dir dir,
            const struct pkt *p)
{
    struct conn *f = a->conns[first];
    struct conn *pref = a->conns[f->mcursor];

    if (f->next == NO_CONN) {
        return f;
    }
    for (int round = 0; round < 2; round++) {
        for (size_t i = first; i != NO_CONN; i = a->conns[i]->next) {
            struct conn *c = a->conns[i];
            struct conn_dir *d = &c->d[dir];
            if ((round == 0) != (c == pref) || !d->isn_known) {
                continue;
            }
            if (p->tcp_flags & TCP_SYN) {
                if (d->syn_seen && d->isn == p->tcp_seq) {
                    f->mcursor = i;
                    return c;
                }
                continue;
            }
            uint64_t ref = d->mref;
            int64_t off = stream_offset(&ref, d->isn, data_seq(p), 0, false);
            uint64_t end = d->truth.n ? d->truth.r[d->truth.n - 1].end : 0;
            if (off >= -(int64_t) MATCH_SLACK
                && off <= (int64_t) (end + MATCH_SLACK)) {
                f->mcursor = i;
                return c;
            }
        }
    }
    return pref;
}

/* True if the bytes agree with every truth head they overlap. */
static bool
heads_agree(const struct conn *c, enum hwalk_dir dir, uint64_t off,
            const uint8_t *data, size_t len)
{
    const struct conn_dir *d = &c->d[dir];
    size_t n, lo = 0, hi = d->n_heads;
    const struct hwalk_head *hd = hwalk_heads(c->w, &n);

    /* First head that ends after 'off'. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hd[d->heads[mid]].end <= off) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (size_t i = lo; i < d->n_heads && hd[d->heads[i]].start < off + len;
         i++) {
        const struct hwalk_head *h = &hd[d->heads[i]];
        uint64_t a = h->start > off ? h->start : off;
        uint64_t b = h->end < off + len ? h->end : off + len;
        if (memcmp(h->bytes + (a - h->start), data + (a - off), b - a)) {
            return false;
        }
    }
    return true;
}

/* A mirror copy cut inside its TCP header (a switch truncating to 64
 * bytes cuts TCP options) is reported truncated, with the IP layer
 * complete.  Its ports are still there, in the first 4 bytes after the IP
 * header: reading them lets the copy count for its connection. */
static bool
cut_tcp_ports(const uint8_t *f, size_t len, struct pkt *p)
{
    size_t l4;

    if (!(p->layers & PKT_L3) || p->ip_proto != IPPROTO_TCP || p->ip_frag) {
        return false;
    } else if (p->ip_version == 4) {
        l4 = p->l3_ofs + (size_t) (f[p->l3_ofs] & 0x0f) * 4;
    } else if (p->ip_version == 6 && f[p->l3_ofs + 6] == IPPROTO_TCP) {
        l4 = p->l3_ofs + 40u;           /* no extension header */
    } else {
        return false;
    }
    if (l4 + 4 > len) {
        return false;
    }
    p->sport = (uint16_t) (f[l4] << 8 | f[l4 + 1]);
    p->dport = (uint16_t) (f[l4 + 2] << 8 | f[l4 + 3]);
    return true;
}

static int
mirror_frame(struct an *a, const struct pcap_pkthdr *h, const uint8_t *frame)
{
    struct pkt p;
    struct key k;
    enum hwalk_dir dir;
    enum pkt_result r = pkt_parse(frame, h->caplen, &p);

    if (r == PKT_TRUNCATED && cut_tcp_ports(frame, h->caplen, &p)) {
        a->notes.mirror_cut_tcp++;
        r = PKT_OK;
    }
    if (r != PKT_OK || !classify(a, &p, &k, &dir) || p.ip_frag) {
        a->notes.mirror_malformed += r != PKT_OK;
        a->notes.mirror_fragments += r == PKT_OK && p.ip_frag;
        a->t.other_mirror_packets++;
        a->t.other_mirror_bytes += h->len;
        return 0;
    }
    if (!filter_ok(a, &k)) {
        a->notes.mirror_filtered++;
        return 0;
    }
    size_t first = lookup(a, &k);
    if (first == NO_CONN) {
        /* HTTP traffic the truth never saw: counted, not placed. */
        a->notes.mirror_unknown_conn++;
        a->t.s.mirror_packets++;
        a->t.s.mirror_bytes += h->len;
        a->t.s.mirror_dir_packets[dir]++;
        return 0;
    }
    struct conn *c = mirror_conn(a, first, dir, &p);
    struct conn_dir *d = &c->d[dir];
    c->s.mirror_packets++;
    c->s.mirror_bytes += h->len;
    c->s.mirror_dir_packets[dir]++;
    if (p.payload_caplen == 0) {
        return 0;
    }
    if (!d->isn_known) {
        a->notes.mirror_unmapped++;
        return 0;
    }
    int64_t off = stream_offset(&d->mref, d->isn, data_seq(&p),
                                p.payload_caplen, true);
    int64_t end = off + p.payload_caplen;
    if (end <= 0) {
        a->notes.mirror_unmapped++;
        return 0;
    }
    uint32_t skip = off < 0 ? (uint32_t) -off : 0;
    uint64_t start = (uint64_t) off + skip;
    if (!heads_agree(c, dir, start, p.payload + skip,
                     p.payload_caplen - skip)) {
        a->notes.mirror_mismatch++;
        return 0;
    }
    return ivset_add(&d->mirror, start, (uint64_t) end);
}

int
an_read_mirror(struct an *a, const char *path, char *err, size_t errlen)
{
    return read_pcap(a, path, mirror_frame, err, errlen);
}

/* ------------------------------------------------------------ metrics */

static void
first_line(const uint8_t *b, size_t n, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < n && b[i] != '\n' && b[i] != '\r'; i++) {
        if (o + 5 > outlen) {
            break;
        }
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\') {
            out[o++] = (char) b[i];
        } else {
            o += (size_t) snprintf(out + o, outlen - o, "\\x%02x", b[i]);
        }
    }
    out[o] = '\0';
}

static int
add_missing(struct an *a, size_t ci, const struct hwalk_head *h,
            uint64_t mirrored)
{
    if (a->n_missing == a->cap_missing) {
        size_t cap = a->cap_missing ? a->cap_missing * 2 : 16;
        struct an_missing *m = realloc(a->missing, cap * sizeof *m);
        if (!m) {
            return ENOMEM;
        }
        a->missing = m;
        a->cap_missing = cap;
    }
    struct an_missing *m = &a->missing[a->n_missing++];
    m->conn = ci;
    m->dir = (int) h->dir;
    m->offset = h->start;
    m->len = h->end - h->start;
    m->mirrored = mirrored;
    first_line(h->bytes, (size_t) m->len, m->first_line, sizeof m->first_line);
    return 0;
}

static void
stats_add(struct an_stats *t, const struct an_stats *s)
{
    t->truth_packets += s->truth_packets;
    t->truth_bytes += s->truth_bytes;
    t->mirror_packets += s->mirror_packets;
    t->mirror_bytes += s->mirror_bytes;
    t->mirror_dir_packets[0] += s->mirror_dir_packets[0];
    t->mirror_dir_packets[1] += s->mirror_dir_packets[1];
    t->heads += s->heads;
    t->heads_covered += s->heads_covered;
    t->leaked_body_bytes += s->leaked_body_bytes;
    t->elided_body_bytes += s->elided_body_bytes;
    t->elided_other_bytes += s->elided_other_bytes;
}

int
an_finish(struct an *a, char *err, size_t errlen)
{
    static const struct ivset none = IVSET_INIT;
    struct ivset te = IVSET_INIT;

    for (size_t ci = 0; ci < a->n_conns; ci++) {
        struct conn *c = a->conns[ci];
        size_t n;
        const struct hwalk_head *hd = hwalk_heads(c->w, &n);

        for (int dir = 0; dir < 2; dir++) {
            const struct ivset *t = &c->d[dir].truth;
            const struct ivset *m = &c->d[dir].mirror;
            const struct ivset *e = dir == HWALK_S2C ? hwalk_elidable(c->w)
                                                     : &none;
            if (ivset_intersect(t, e, &te)) {
                goto oom;
            }
            /* T\M = elided body (T&E \ M) + elided other (T\E \ M). */
            uint64_t body = ivset_len(&te) - ivset_inter_len(&te, m);
            c->s.leaked_body_bytes += ivset_inter_len(m, e);
            c->s.elided_body_bytes += body;
            c->s.elided_other_bytes += ivset_len(t) - ivset_inter_len(t, m)
                                       - body;
        }
        for (size_t j = 0; j < n; j++) {
            const struct ivset *m = &c->d[hd[j].dir].mirror;
            if (ivset_covers(m, hd[j].start, hd[j].end)) {
                c->s.heads_covered++;
            } else if (add_missing(a, ci, &hd[j],
                                   ivset_count(m, hd[j].start, hd[j].end))) {
                goto oom;
            }
        }
        stats_add(&a->t.s, &c->s);
    }
    ivset_free(&te);
    return 0;

oom:
    ivset_free(&te);
    fmt(err, errlen, "out of memory");
    return -1;
}

/* ------------------------------------------------------------ results */

size_t
an_n_conns(const struct an *a)
{
    return a->n_conns;
}

static void
endpoint_str(const struct key *k, const uint8_t *ip, uint16_t port,
             char *out, size_t n)
{
    struct pkt p = { .ip_version = k->ipver };
    char buf[INET6_ADDRSTRLEN + 1];

    pkt_ip_str(&p, ip, buf);
    snprintf(out, n, k->ipver == 6 ? "[%s]:%u" : "%s:%u", buf, port);
}

void
an_conn(const struct an *a, size_t i, struct an_conn_info *info)
{
    const struct conn *c = a->conns[i];

    endpoint_str(&c->key, c->key.cip, c->key.cport, info->client,
                 sizeof info->client);
    endpoint_str(&c->key, c->key.sip, c->key.sport, info->server,
                 sizeof info->server);
    info->first_sec = (int64_t) c->first_ts.tv_sec;
    info->first_usec = (uint32_t) c->first_ts.tv_usec;
    info->client_isn = c->d[HWALK_C2S].isn;
    info->s = c->s;
}

void
an_get_totals(const struct an *a, struct an_totals *t)
{
    *t = a->t;
}

size_t
an_n_missing(const struct an *a)
{
    return a->n_missing;
}

const struct an_missing *
an_missing(const struct an *a, size_t i)
{
    return &a->missing[i];
}

static void
note(FILE *f, uint64_t n, const char *what)
{
    if (n) {
        fprintf(f, "mirror-analyze: note: %llu %s\n", (unsigned long long) n,
                what);
    }
}

void
an_print_notes(const struct an *a, FILE *f)
{
    const struct notes *n = &a->notes;

    note(f, n->truth_malformed, "malformed or cut frames in the truth (skipped)");
    note(f, n->mirror_malformed,
         "malformed or cut frames in the mirror (skipped, counted as other)");
    note(f, n->truth_fragments, "IP fragments in the truth (not reassembled)");
    note(f, n->mirror_fragments, "IP fragments in the mirror (not reassembled)");
    note(f, n->truth_cut,
         "truth segments captured shorter than sent (heads may be missed)");
    note(f, n->no_syn, "connections whose truth lacks a SYN in a direction");
    note(f, n->csum_bad[0] + n->csum_bad[1],
         "truth segments with a bad checksum (dropped by the receiver; "
         "skipped)");
    for (int dir = 0; dir < 2; dir++) {
        if (n->csum_bad[dir] * 2 > n->csum_checked[dir]) {
            fprintf(f, "mirror-analyze: hint: %llu of %llu %s truth segments "
                    "have a bad checksum: a capture taken with checksum "
                    "offload? --ignore-csum takes them as they are\n",
                    (unsigned long long) n->csum_bad[dir],
                    (unsigned long long) n->csum_checked[dir],
                    dir ? "server->client" : "client->server");
        }
    }
    note(f, n->syn_data_rejected,
         "SYN payloads the peer did not acknowledge (not in the stream)");
    note(f, n->syn_data_unanswered,
         "SYN payloads the capture holds no answer to (not in the stream)");
    note(f, n->mirror_cut_tcp,
         "mirror frames cut inside the TCP header (counted, no payload)");
    note(f, n->mirror_unknown_conn,
         "mirror packets of HTTP ports with no truth connection");
    note(f, n->mirror_unmapped, "mirror segments outside the truth's streams");
    note(f, n->mirror_mismatch,
         "mirror segments whose bytes differ from the truth's heads (ignored)");
    note(f, n->truth_filtered + n->mirror_filtered,
         "packets (truth and mirror) excluded by --conn-filter");
    if (n->passes > 1) {
        fprintf(f, "mirror-analyze: note: truth read %u times (heads reordered "
                "past the %u KiB window)\n", n->passes, HWALK_WINDOW / 1024);
    }
    /* Per direction, a few lines, then a count: a capture of many chunked
     * responses must not bury the rest. */
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < a->n_conns; i++) {
        const struct conn *c = a->conns[i];

        for (int dir = 0; dir < 2; dir++) {
            struct an_conn_info info;
            uint64_t off, poff;
            const char *why = hwalk_stop_reason(c->w, (enum hwalk_dir) dir,
                                                &off);
            if (!why && !hwalk_partial(c->w, (enum hwalk_dir) dir, &poff)) {
                continue;
            } else if (shown == MAX_CONN_NOTES) {
                more++;
                continue;
            }
            shown++;
            an_conn(a, i, &info);
            if (why) {
                fprintf(f, "mirror-analyze: note: %s %s %s: heads not searched "
                        "past offset %llu: %s\n", info.client, info.server,
                        dir ? "s2c" : "c2s", (unsigned long long) off, why);
            } else {
                fprintf(f, "mirror-analyze: note: %s %s %s: unfinished head at "
                        "offset %llu\n", info.client, info.server,
                        dir ? "s2c" : "c2s", (unsigned long long) poff);
            }
        }
    }
    note(f, more, "more directions with heads not searched to the end");
}
