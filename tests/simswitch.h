/* A model OpenFlow switch around the controller's own code, for the unit
 * tests of the connection logic (tests/unit/test_conn.c) and its oracle
 * fuzzer (fuzz/fuzz_conn.c): one watched connection, client on port 1,
 * server on port 2, mirror on port 3, no socket.
 *
 * Packets that reach the controller go in as Packet-Ins (ctl_packet_in():
 * parsing, checksums, the connection table, conn.c, the realization
 * flows.c); what the controller sends is decoded and taken in order:
 * FLOW_MOD adds (match, output port, mirror action and cookie checked),
 * strict and cookie deletes, barriers, Packet-Outs (their mirror actions
 * give the mirrored bytes).  The switch's reports (FLOW_REMOVED of each
 * deleted entry with its counters, barrier replies, a TABLE_FULL error)
 * go back to the controller's handlers right after, as do flow-stats
 * replies.  Deletions take effect at once (the ideal switch: --settle-ms
 * covers Open vSwitch's lag); an add over an existing entry keeps its
 * counters (OpenFlow 1.3 6.4 without OFPFF_RESET_COUNTS).
 *
 * With --datapath conntrack (ct.c) the model also keeps the connection's
 * ct_mark, set by the ct(commit) of a Packet-Out, and routes each packet
 * as ct.c's base rules do (simsw_route()); connection entries must be in
 * CT_TABLE. */
#ifndef SIMSWITCH_H
#define SIMSWITCH_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "controller.h"
#include "ofp.h"
#include "realize.h"

#define SIMSW_CLI_PORT    1
#define SIMSW_SRV_PORT    2
#define SIMSW_MIRROR_PORT 3

struct simsw_entry {
    uint8_t kind;               /* enum entry_kind; ENTRY_NONE: absent */
    uint64_t cookie;            /* as the controller sent it */
    uint64_t packets, bytes;    /* the switch's counters */
    uint32_t slice;             /* ENTRY_FWD_SLICE: bytes mirrored */
    bool metered;               /* ENTRY_FWD_MIRROR through METER_TABLE */
};

/* A message of the switch waiting to be delivered to the controller. */
struct simsw_report {
    uint8_t type;               /* OFPT_FLOW_REMOVED, _BARRIER_REPLY, _ERROR */
    uint32_t xid;
    struct ofp_flow_removed_msg fr;
    uint8_t data[64];           /* ERROR: the start of the refused request */
    size_t data_len;
};

struct simsw {
    struct ctl ctl;             /* the controller's own code and state */
    struct sw *sw;              /* its session with the model switch */
    const struct realize *base; /* realize_flows */
    struct realize rlz;         /* base, verdicts recorded */
    struct conn *c;             /* the connection, in the controller's table */
    uint32_t cli_ip, srv_ip;
    uint16_t cli_port, srv_port;
    struct conn_out last;       /* the verdict of the last Packet-In */
    struct conn at_verdict;     /* the connection as that verdict left it,
                                 * before the switch's reports (a shallow
                                 * copy: read its scalar fields only) */
    bool have_last;
    uint32_t po_count;          /* Packet-Outs taken */
    uint32_t po_mirrored;       /* mirrored bytes of the last one */
    uint32_t deletes;           /* entries the controller deleted */
    struct simsw_report rep[64];
    size_t n_rep;
    struct simsw_entry ent[2];  /* C2S, S2C */
    struct simsw_entry ent_gone[2]; /* the last one removed, as it was */
    bool refuse_next;           /* the next add fails: OFPFMFC_TABLE_FULL */
    bool ct;                    /* realization ct.c: */
    bool committed;             /* a Packet-Out set the mark */
    uint32_t mark;              /* the connection's ct_mark */
    uint32_t commits;           /* Packet-Outs that changed it */
    void (*fail)(const char *msg);  /* a broken expectation; must not return */
};

/* 'cfg': mode, threshold and options (mirror_port and http_ports are set
 * here); 'event': conn.c's events, with the session as aux (simsw_of()). */
void simsw_init(struct simsw *, const struct ctl_cfg *, conn_event_fn *event,
                void (*fail)(const char *), uint32_t cli_ip, uint16_t cli_port,
                uint32_t srv_ip, uint16_t srv_port);
void simsw_fini(struct simsw *);
struct simsw *simsw_of(const void *sw);

/* In mode elide, client PSH and every SYN, FIN and RST reach the
 * controller above the connection entries. */
bool simsw_trapped(const struct simsw *, enum conn_dir, uint8_t tcp_flags);

/* What the switch does with a packet of 'dir' with 'tcp_flags': */
enum simsw_path {
    SIMSW_TO_CTL,               /* to the controller (simsw_packet_in()) */
    SIMSW_ENTRY,                /* through its connection entry (simsw_forward()) */
    SIMSW_PHASE,                /* ct.c: forwarded and mirrored by its phase */
};
enum simsw_path simsw_route(const struct simsw *, enum conn_dir,
                            uint8_t tcp_flags);
/* The kind of forwarding the switch applies to 'dir' outside traps
 * (a phase's, else the entry's): what the controller must believe. */
uint8_t simsw_kind(const struct simsw *, enum conn_dir);

/* A frame the controller gets as a Packet-In; the switch then runs until
 * it rests.  Returns the bytes of it on the mirror port; the verdict is in
 * 'last'. */
uint32_t simsw_packet_in(struct simsw *, enum conn_dir, const uint8_t *frame,
                         size_t len);
/* A frame through the entry of its direction: counted; mirrored bytes. */
uint32_t simsw_forward(struct simsw *, enum conn_dir, size_t len);

/* A verdict of conn.c obtained directly, carried out by the realization. */
void simsw_apply(struct simsw *, const struct conn_out *);

/* Takes the entry of 'dir' out of the switch without a report, and what
 * its FLOW_REMOVED would say; then (perhaps altered) delivers that. */
struct simsw_removal { bool any; uint64_t cookie, packets, bytes; };
void simsw_remove(struct simsw *, enum conn_dir, struct simsw_removal *);
void simsw_deliver(struct simsw *, const struct simsw_removal *,
                   uint8_t reason);

/* A flow-stats reply with the S2C entry's counters, at time 'now_ms';
 * true when the controller deleted entries after it. */
bool simsw_stats(struct simsw *, uint64_t now_ms, unsigned interval_ms);

/* Runs the exchange until nothing is left to send or report. */
void simsw_pump(struct simsw *);

#endif
