/* One OpenFlow 1.3 session with a switch: framing, HELLO and FEATURES,
 * the port list, echo (inactivity probe) and back-pressure.  Messages that
 * concern the application (Packet-In, flow removal and statistics,
 * barriers, errors) go to controller.c, which owns the learning switch,
 * the connection table and the realization of conn.c's verdicts. */
#ifndef SESSION_H
#define SESSION_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "budget.h"
#include "buf.h"
#include "events.h"
#include "flows.h"
#include "loop.h"
#include "ofp.h"

struct ctl;
struct l2_table;

/* The session's states, once for the enum, the names and the dispatch (as
 * Open vSwitch's lib/rconn.c): X(NAME, receive function). */
#define SW_STATES(X)                                                       \
    X(HELLO,    recv_hello)     /* sent HELLO, waiting for the switch's */ \
    X(FEATURES, recv_session)   /* sent FEATURES_REQUEST */                \
    X(PORTS,    recv_session)   /* knows the datapath, asked for ports */  \
    X(READY,    recv_session)   /* base rules sent: Packet-Ins count */    \
    X(DEAD,     recv_dead)      /* closed; freed at the next tick */

enum sw_state {
#define SW_STATE_ENUM(NAME, RECV) SW_##NAME,
    SW_STATES(SW_STATE_ENUM)
#undef SW_STATE_ENUM
};

const char *sw_state_name(enum sw_state);

struct sw {
    struct loop_handler lh;
    struct sw *next;
    struct ctl *ctl;
    uint32_t id;                    /* session id, unique per connection */
    enum sw_state state;
    uint64_t dpid;                  /* from SW_PORTS on */
    struct buf rx, tx;
    uint32_t xid;                   /* the last one sent */
    uint64_t last_rx_ms;
    bool probe_sent;
    bool paused;                    /* not reading it: it does not read us */
    bool has_mirror;
    uint32_t *ports;                /* physical ports (flooding) */
    size_t n_ports, cap_ports;
    struct l2_table *l2;
    /* elide: how verdicts are realized in this switch (NULL until known,
     * --datapath auto probes first) and that realization's state. */
    const struct realize *rlz;
    uint32_t probe_xid, probe_barrier;  /* the ct probe rule, its barrier */
    bool probe_refused;
    uint8_t ct_gen;                 /* ct.c: this session's mark generation */
    struct flows_sw flows;
    struct ev_sw_counts n;          /* messages, reported at disconnection */
    struct budget budget;           /* --mirror-budget's threshold */
    uint64_t budget_poll_ms;        /* the last port-stats request */
    uint32_t meter_xid;             /* the meter-features request */
    uint32_t meter_del_xid;         /* the stale meter's deletion */
    bool meter_ok;                  /* BODY_METER is in the switch */
    uint64_t meter_dropped;         /* packets it dropped (meter stats) */
    uint64_t bucket_dropped;        /* copies the controller did not mirror
                                     * at the meter's rate (budget_take()) */
    uint64_t meter_passed;          /* bytes it let through */
    /* The meter's counters as last read: a MODIFY zeroes them in Open
     * vSwitch, so the totals above add differences, and the reply to the
     * request sent right after a MODIFY ('meter_base_xid') is a new base. */
    uint64_t meter_raw_dropped, meter_raw_passed;
    uint32_t meter_base_xid;
    char name[72];                  /* "host:port", then the dpid */
};

/* A session on the accepted socket 'fd' (non-blocking): sends HELLO.
 * NULL, with errno, when it cannot start. */
struct sw *sw_open(struct ctl *, uint32_t id, int fd,
                   const struct sockaddr *, socklen_t);
/* A session without a socket (tests): what it sends stays in sw->tx. */
struct sw *sw_new(struct ctl *, uint32_t id, const char *name);
/* Ends the session (idempotent): state DEAD, the socket closed, the
 * disconnection logged; controller.c releases its connections. */
void sw_close(struct sw *, const char *why);
void sw_free(struct sw *);

/* Its connections' phases are in its connection tracker (ct.c). */
bool sw_tracker(const struct sw *);

static inline bool
sw_alive(const struct sw *sw)
{
    return sw->state != SW_DEAD;
}

/* Inactivity probe (echo after probe_ms of silence, close after three
 * times that); returns false when it closed the session. */
bool sw_probe(struct sw *, uint64_t now, uint64_t probe_ms);

/* Sends what is queued, as far as the socket takes it. */
void sw_flush(struct sw *);

uint32_t sw_next_xid(struct sw *);
void sw_flow_mod(struct sw *, const struct ofp_flow_mod_spec *);
/* Barrier request; its xid. */
uint32_t sw_barrier(struct sw *);
/* Packet-Out of 'data' into 'b' (the send queue or a holding buffer) to
 * 'out_port' (0: flood to every port but the input and the mirror) plus
 * 'extra' actions; nothing when there is nowhere to send it. */
void sw_packet_out(struct sw *, struct buf *b, uint32_t in_port,
                   uint32_t out_port, const struct ofp_act *extra,
                   size_t n_extra, const uint8_t *data, size_t len);

#endif
