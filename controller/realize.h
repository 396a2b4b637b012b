/* A realization carries out conn.c's verdicts in a switch: which packets
 * of a watched connection reach the controller, which are mirrored in the
 * datapath and which bypass the mirror.  conn.c decides; a realization
 * only turns its struct conn_out into OpenFlow messages and feeds the
 * switch's reports (entry removals, statistics, errors) back to it.
 *
 * flows.c realizes verdicts with per-connection flow entries (any
 * OpenFlow 1.3 switch); ct.c keeps a connection's phase in the mark of
 * Open vSwitch's connection tracker, set by the Packet-Outs that change it,
 * with flow entries left only for elided bodies (their counters). */
#ifndef REALIZE_H
#define REALIZE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn_out;
struct pkt;
struct ofp_error;
struct ofp_flow_removed_msg;
struct ofp_multipart_reply;
struct sw;

struct realize {
    const char *name;               /* "flows", "conntrack" */
    uint8_t table[2];               /* where connection entries go, per
                                     * direction (C2S, S2C) */
    uint8_t any_table;              /* all of them (deletes by cookie) */
    bool tracker;                   /* phases in the connection tracker */
    /* The switch is ready: rules that send watched TCP to the controller. */
    void (*install_base)(struct sw *);
    /* The verdict 'out' for a packet of connection 'slot': its entry
     * operations, then the packet itself (to 'out_port', 0 to flood),
     * mirrored as 'out' says. */
    void (*packet)(struct sw *, uint32_t slot, const struct conn_out *out,
                   uint32_t in_port, uint32_t out_port, const struct pkt *p,
                   const uint8_t *data, size_t len);
    /* A verdict's entry operations alone (conn.c verdicts that come with
     * no packet go through the reports below; the unit tests' switch
     * model drives verdicts of its own through this). */
    void (*apply)(struct sw *, uint32_t slot, const struct conn_out *out);
    /* The connection leaves the table: whatever it has in the switch goes. */
    void (*released)(struct sw *, uint32_t slot);
    /* Reports of the switch. */
    void (*barrier_reply)(struct sw *, uint32_t xid);
    void (*flow_removed)(struct sw *, const struct ofp_flow_removed_msg *);
    void (*flow_stats)(struct sw *, const struct ofp_multipart_reply *);
    void (*error)(struct sw *, const struct ofp_error *);
    /* Timers (held packets, statistics polling). */
    void (*tick)(struct sw *, uint64_t now);
};

extern const struct realize realize_flows;
extern const struct realize realize_ct;

#endif
