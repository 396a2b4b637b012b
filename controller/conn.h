/* Per-connection elision logic for one watched TCP connection (client <->
 * HTTP server), as pure functions: the caller hands in each packet that
 * reached the controller and gets back whether (and how much of it) to
 * mirror, and which flow entries to install or delete.  No sockets, no
 * OpenFlow: the controller's realization (realize.h) turns the verdicts
 * into messages, and the unit tests drive the same functions, through the
 * realization, with synthetic packets.
 *
 * Offsets: each direction's bytes are numbered from 0 at ISN+1 (RFC 9293
 * 3.4) and kept in 64 bits, so bodies larger than 4 GiB and sequence
 * wrap-around are handled by unwrapping against the highest offset seen. */
#ifndef CONN_H
#define CONN_H 1

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"

#define CONN_HEAD_MAX 16384     /* bound on one HTTP head; larger: alert */
#define CONN_MAX_PENDING 32     /* pipelined requests awaiting a response */

enum conn_dir { C2S = 0, S2C = 1 };

/* What a connection entry on the switch does with matching packets.
 * SLICE: forward, and mirror the first conn_slice_len() bytes. */
enum entry_kind { ENTRY_NONE = 0, ENTRY_FWD = 1, ENTRY_FWD_MIRROR = 2,
                  ENTRY_FWD_SLICE = 3 };

/* What a watched connection carries (from its server port): HTTP heads
 * and bodies, or a TLS or SSH handshake followed by encrypted bytes. */
enum conn_proto { PROTO_HTTP = 0, PROTO_TLS = 1, PROTO_SSH = 2 };

/* After a TLS or SSH handshake (--tls): forward without mirroring but
 * SYN, FIN and RST; mirror every packet cut to its headers and the first
 * SLICE_PAYLOAD payload bytes (a TLS record header); or mirror all. */
enum enc_mode { ENC_ELIDE = 0, ENC_SLICE = 1, ENC_OFF = 2 };
#define SLICE_PAYLOAD 5

struct conn_cfg {
    uint64_t threshold;     /* bodies of at least this many bytes are elided */
    uint64_t entry_min;     /* a response with fewer body bytes than this
                             * gets no entries: the rest of it goes through
                             * the controller (cheaper than an add and a
                             * delete on the switch); 0: entries always */
    bool paper;             /* elide-paper: the 2016 algorithm as published */
    /* Realizations that keep a connection's phase in the switch's
     * connection tracker (ct.c): */
    bool synack_unseen;     /* the switch forwards and mirrors the server's
                             * SYN-ACK and the client's segments without PSH
                             * before its first request by itself: after
                             * the client's SYN its direction has a forward-
                             * and-mirror entry, and the server's ISN is
                             * the client's first acknowledgment - 1 */
    bool teardown_in_switch; /* the first FIN outside an elided body closes
                             * the connection here and the switch forwards
                             * and mirrors the rest (a tracker's mark ends
                             * with its connection; no deletion to race) */
    enum enc_mode enc_mode; /* TLS and SSH connections */
};

/* Reassembly of one HTTP head that arrives in pieces. */
struct reasm;

struct half {
    uint64_t hi;            /* highest offset seen by the controller, + 1 */
    uint64_t ref;           /* unwrapping reference: >= hi, advanced by
                             * what the peer acknowledged or the switch
                             * counted for bytes the controller did not see */
    uint32_t isn;
    bool syn, fin, rst;
};

enum resp_state { RS_HEAD, RS_BODY, RS_PASS };

/* What a connection needs only now and then (reassembly, copies of heads
 * not yet acknowledged, ranges of bytes not kept): allocated on demand. */
struct conn_aux;

/* Laid out widest first: a controller tracks up to a million of these. */
struct conn {
    struct half h[2];               /* C2S, S2C */
    uint64_t past_hole[2];          /* start of the furthest segment of
                                     * each direction seen beyond its
                                     * frontier (a hole the controller
                                     * never saw filled), 0 if none */

    /* Requests (C2S stream). */
    uint64_t req_start;             /* offset where the next request head starts */
    uint64_t pend_bits;             /* ring of PEND_* flags, 2 bits each */

    /* Responses (S2C stream).  A body starts where its head ends, so one
     * field serves both states. */
    union {
        uint64_t head_start;        /* RS_HEAD: where the head starts */
        uint64_t body_start;        /* RS_BODY: where the body starts */
    };
    uint64_t body_end;              /* RS_BODY: end of the body; elide-paper
                                     * counts it from the Content-Length */
    uint64_t prev_elided_start, prev_elided_end;   /* last elided body */
    uint64_t s2c_acked;             /* highest server offset the client ACKed */
    uint64_t c2s_acked;             /* highest client offset the server ACKed */
    uint64_t entry_base;            /* where the elision entry's counting
                                     * starts: the server bytes the
                                     * controller saw before it (conn.c
                                     * body_taken()), as an offset */
    struct conn_aux *aux;

    /* Accounting for the event log. */
    uint64_t elided_bytes_ctl, elided_bytes;   /* via the controller; total */
    uint64_t stats_bytes;                      /* last stats sample */
    uint32_t stats_ms;                         /* its time (ms, wraps) */
    uint32_t elided_pkts_ctl, elided_pkts;
    uint32_t resp_count, alert_count;
    uint32_t c2s_unacked;           /* client payload bytes the client's
                                     * forwarding-only entry counted, not
                                     * yet accounted for by the server's
                                     * acknowledgment */
    uint32_t s2c_unacked;           /* server bytes the elision entry
                                     * counted past the body's end, not yet
                                     * accounted for by the client's */

    /* Identity (set by the owner). */
    uint32_t cli_ip, srv_ip;        /* IPv4, host order; IPv6 (v6): the
                                     * handles of addr6.h */
    uint16_t cli_port, srv_port;

    uint16_t vlan;                  /* 802.1Q: OFPVID_PRESENT (0x1000) | VID
                                     * of the outer tag the connection's
                                     * packets carry at the switch; 0 none
                                     * (set by the owner) */
    uint8_t hdr_len[2];             /* L2-L4 header bytes of each side's
                                     * last segment seen: the switch's
                                     * byte counters include them */
    uint8_t entry[2];               /* enum entry_kind per direction */

    /* Small state in bit-fields: 3 bytes instead of 10 keep a table
     * entry (struct conn plus the controller's 31 bytes) at 256 bytes. */
    uint8_t rs : 2;                 /* enum resp_state */
    uint8_t pend_head : 5;          /* ring of CONN_MAX_PENDING (32) */
    uint8_t pend_n : 6;             /* 0..32 */
    bool established : 1;           /* saw the client's SYN */
    bool pass : 1;                  /* passthrough: mirror all, parse nothing */
    bool no_entries : 1;            /* the switch cannot take entries for it */
    bool closed : 1;
    bool body_elided : 1;
    bool s2c_elides : 1;            /* the S2C entry is a body elision */
    bool s2c_metered : 1;           /* the S2C entry mirrors a body through
                                     * the meter (conn_env.meter_bodies) */
    bool defer_elide : 1;           /* elision entry waits for the ACK */
    bool body_reported : 1;         /* elide_end already sent for this body */
    uint8_t fwd_ever : 2;           /* bit per direction: a forwarding-only
                                     * entry carried it at some point */
    uint8_t syn_data : 2;           /* bit per direction: its SYN carried
                                     * data the peer has not yet ACKed */
    uint8_t fin_acked : 2;          /* bit per direction: the peer ACKed
                                     * its FIN, and nothing past what the
                                     * controller accounted for */
    bool surplus_ended : 1;         /* the body s2c_unacked is about ended
                                     * at prev_elided_end */
    uint8_t proto : 2;              /* enum conn_proto (set by the owner) */
    bool v6 : 1;                    /* cli_ip, srv_ip are addr6.h handles */
    bool enc_done : 1;              /* TLS/SSH: the handshake is over */
    uint8_t enc_removed : 2;        /* TLS/SSH: bit per direction, its
                                     * entry after the handshake reported
                                     * its removal */
};

#define PEND_HEAD    0x01
#define PEND_CONNECT 0x02

/* Verdict for one packet. */
#define MIRROR_FULL UINT32_MAX
#define CONN_OP_INSTALL_S2C 0x01    /* install 'kind[S2C]' for server->client */
#define CONN_OP_INSTALL_C2S 0x02    /* install 'kind[C2S]' for client->server */
#define CONN_OP_DELETE_S2C  0x04    /* remove the server->client entry */
#define CONN_OP_HOLD        0x08    /* send this packet (and the following of
                                     * this connection) only once the switch
                                     * confirmed the deletions (barrier) */
#define CONN_OP_CLOSE       0x10    /* connection over: delete its entries */
#define CONN_OP_DELETE_C2S  0x20

struct conn_out {
    uint32_t mirror_len;    /* 0: not mirrored; MIRROR_FULL; else keep the
                             * first mirror_len bytes of the frame */
    bool metered;           /* the mirror copy holds only bytes of a
                             * mirrored body of at least conn_env.meter_min
                             * (conn_env.meter_bodies): it goes out at the
                             * body meter's rate, or not at all */
    unsigned ops;
    uint8_t kind[2];        /* entry kinds for the INSTALL ops */
};

enum conn_event_type {
    CE_HTTP_REQUEST, CE_HTTP_RESPONSE, CE_ELIDE_START, CE_ELIDE_END,
    CE_ALERT, CE_PASSTHROUGH, CE_TLS_CLIENT_HELLO, CE_TLS_SERVER_HELLO,
    CE_SSH_VERSION,
};

struct tls_hello;

struct conn_event {
    enum conn_event_type type;
    const char *kind;           /* ALERT: what; PASSTHROUGH/ELIDE_END: reason */
    const char *method; size_t method_len;    /* HTTP_REQUEST */
    const char *target; size_t target_len;
    int status;                 /* HTTP_RESPONSE */
    const char *framing;
    uint64_t content_length;
    uint64_t bytes, packets;    /* ALERT: unseen bytes; ELIDE_*: sizes;
                                 * HTTP_*: the head's length */
    const char *detail;
    const struct tls_hello *hello;  /* TLS_*_HELLO */
    const char *text;               /* SSH_VERSION: the version line */
    const char *proto;              /* ELIDE_START/END: "tls", "ssh"; NULL
                                     * for an HTTP body */
};

typedef void conn_event_fn(void *aux, const struct conn *,
                           const struct conn_event *);

struct conn_env {
    const struct conn_cfg *cfg;
    conn_event_fn *event;
    void *aux;
    uint64_t threshold;     /* elide bodies of at least this: cfg's, or the
                             * switch's --mirror-budget one (budget.h) */
    bool meter_bodies;      /* mirrored bodies go through the switch's
                             * body meter (--mirror-budget, rules.h) */
    uint64_t meter_min;     /* ... those of at least this many bytes (the
                             * floor: smaller ones every threshold mirrors) */
};

/* An entry of 'kind' for 'dir' carries a body mirrored through the
 * switch's body meter (conn_env.meter_bodies when it was asked for). */
static inline bool
conn_entry_metered(const struct conn *c, int dir, uint8_t kind)
{
    return dir == S2C && kind == ENTRY_FWD_MIRROR && c->s2c_metered;
}

void conn_init(struct conn *, uint32_t cli_ip, uint16_t cli_port,
               uint32_t srv_ip, uint16_t srv_port);

/* What besides the 4-tuple tells connections apart: the family and the
 * 802.1Q tag (the connection table's key). */
#define CONN_SCOPE_VLAN 0x1fffu         /* OFPVID_PRESENT | VID */
#define CONN_SCOPE_V6   0x10000u
static inline uint32_t
conn_scope(const struct conn *c)
{
    return (c->v6 ? CONN_SCOPE_V6 : 0) | c->vlan;
}

/* Bytes of each frame of 'dir' an ENTRY_FWD_SLICE entry mirrors: the
 * L2-L4 headers of the direction's last segment seen here, and
 * SLICE_PAYLOAD payload bytes. */
uint32_t conn_slice_len(const struct conn *, enum conn_dir);
void conn_free(struct conn *);

/* A packet of this connection reached the controller.  'p' has PKT_L4;
 * its p->csum, if the caller verified it (pkt_verify_csum), makes a
 * segment the receiver discards (PKT_CSUM_BAD) pass unparsed: forwarded
 * and mirrored, never trusted. */
void conn_packet(struct conn *, const struct conn_env *, enum conn_dir,
                 const struct pkt *, struct conn_out *);

/* True when 'p' (of direction 'dir') opens a new connection on the 4-tuple
 * of 'c': a client SYN whose sequence number is not the tracked ISN (port
 * reuse, or a connection whose end the controller never saw).  The caller
 * then finishes 'c' (conn_finish, conn_free) and starts a new one. */
bool conn_new_syn(const struct conn *, enum conn_dir, const struct pkt *);

/* The switch's connection tracker lost this connection's phase (full,
 * flushed or expired: its packets are mirrored in the switch, unseen here):
 * passthrough with an alert, and no entries from now on. */
void conn_tracker_lost(struct conn *, const struct conn_env *);

/* An IPv4 or IPv6 fragment of this connection: the controller does not
 * reassemble, so the connection is mirrored in full from now on, with an
 * alert; 'out' says what to do with the fragment and the entries. */
void conn_fragment(struct conn *, const struct conn_env *, struct conn_out *);

/* A segment of this connection that reached the controller cut short
 * (its payload only in part: a capture's snap length in elide-replay, a
 * switch that cuts Packet-Ins): it is mirrored as it came, and the
 * connection in full from now on, with an alert, since its heads cannot
 * be read.  elide-paper mirrors it and goes on. */
void conn_cut(struct conn *, const struct conn_env *, struct conn_out *);

/* The switch removed an entry of this connection for 'dir' (FLOW_REMOVED)
 * with its final counters.  'elides' says whether that entry forwarded
 * without mirroring (from its cookie: an elided body's, or the client's
 * beside it), 'current' whether it is the entry last installed for 'dir'
 * (an older one may report after its replacement was installed); 'reason'
 * names why ("idle_timeout", "delete", ...).  The counters are checked:
 * payload past the end of an elided body, or in the client's entry, is
 * held against the peer's next acknowledgment (see conn_finish()).
 * out->ops: the client's entry goes too once the body is over. */
void conn_entry_removed(struct conn *, const struct conn_env *, enum conn_dir,
                        bool elides, bool current, const char *reason,
                        uint64_t packets, uint64_t bytes, struct conn_out *);

/* The entry that the last verdict asked for in 'dir' could not be
 * installed (its output port is not known yet): the connection's packets
 * of that direction keep coming to the controller. */
void conn_entry_not_installed(struct conn *, enum conn_dir);

/* The switch refused an entry of this connection (flow table full): the
 * connection is mirrored in full through the controller from now on, with
 * an alert. */
void conn_table_full(struct conn *, const struct conn_env *);

/* A flow-stats sample of the S2C entry at time 'now_ms'; 'interval_ms'
 * is the polling period.  out->ops: the entries to delete now (CONN_OP_
 * DELETE_S2C, and in elide-paper CONN_OP_DELETE_C2S too) because the body
 * is (estimated to be) about to end. */
void conn_stats(struct conn *, const struct conn_env *, uint64_t packets,
                uint64_t bytes, uint64_t now_ms, uint64_t interval_ms,
                struct conn_out *);

/* A closed TLS or SSH connection whose entries past the handshake are
 * left to idle out, for their removal to report every elided byte: the
 * owner keeps it until they have (or for the idle timeout and a margin),
 * then releases it (which deletes what is left). */
bool conn_lingers(const struct conn *);

/* A closed HTTP connection that had an elided body and whose FINs the
 * peers have not both acknowledged at exactly the bytes accounted for
 * (neither side reset it): the teardown's last acknowledgments (the
 * client's of the server's FIN, and the server's of the client's) are what
 * settles an elision entry's counters past a body's end, or names them
 * (unseen_check()), so a realization that keeps the phase in the switch
 * must still send the connection's packets here until they came. */
bool conn_awaits_final_acks(const struct conn *);

/* The controller drops the connection's state (closed, idle, evicted,
 * replaced by a new SYN, switch gone).  Bytes that may have passed an
 * entry unseen and that nothing has accounted for since are reported now
 * (alerts), as this is the last chance. */
void conn_finish(struct conn *, const struct conn_env *);

#endif
