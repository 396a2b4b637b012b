/* The controller: switch sessions (session.c) on one listener, the
 * learning switch (l2.c), the connection table (conntab.c) with conn.c's
 * logic per connection, and its realization in the switches (realize.h).
 * main.c parses options into a struct ctl_cfg and runs the loop. */
#ifndef CONTROLLER_H
#define CONTROLLER_H 1

#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "conntab.h"
#include "loop.h"

struct ofp_error;
struct ofp_flow_removed_msg;
struct ofp_multipart_reply;
struct ofp_packet_in_msg;
struct realize;
struct sw;

struct ctl {
    struct ctl_cfg cfg;
    struct conn_cfg ccfg;           /* flows.c's switches */
    struct conn_cfg ccfg_ct;        /* ct.c's */
    bool elides;                    /* elide modes: connections followed */
    uint8_t ct_gen;                 /* the last mark generation given */
    struct loop_handler listener;
    struct sw *sws;
    uint32_t next_sw_id;
    struct conntab conns;           /* elide modes only */
    conn_event_fn *conn_event;      /* conn.c's events (aux: the switch) */
};

/* Listens on host:port.  0 and *ctlp set, or a positive errno (logged). */
int ctl_start(struct ctl **ctlp, const struct ctl_cfg *, const char *host,
              const char *port);
void ctl_tick(void *ctl);
void ctl_stop(struct ctl *);

/* The parts without a listener (ctl_start() is these plus listening): for
 * tests that drive the controller's code through switches they model. */
int ctl_init(struct ctl *, const struct ctl_cfg *);
void ctl_fini(struct ctl *);

/* For conn.c's calls on a connection of 'sw': its events go to the log
 * with the switch's datapath id. */
struct conn_env ctl_conn_env(struct sw *);

/* ---- Called by session.c ---- */
void ctl_datapath_claimed(struct ctl *, struct sw *, uint64_t dpid);
void ctl_switch_ready(struct sw *);
void ctl_switch_closed(struct sw *);
void ctl_packet_in(struct sw *, const struct ofp_packet_in_msg *);
void ctl_flow_removed(struct sw *, const struct ofp_flow_removed_msg *);
void ctl_flow_stats(struct sw *, const struct ofp_multipart_reply *);
void ctl_port_stats(struct sw *, const struct ofp_multipart_reply *);
/* --mirror-budget's body meter: the switch's meter features (the meter
 * goes in if it has kbit/s drop bands), and the meter's statistics. */
void ctl_meter_features(struct sw *, const struct ofp_multipart_reply *);
void ctl_meter_stats(struct sw *, const struct ofp_multipart_reply *,
                     uint32_t xid);
void ctl_barrier_reply(struct sw *, uint32_t xid);
void ctl_error(struct sw *, const struct ofp_error *);

#endif
