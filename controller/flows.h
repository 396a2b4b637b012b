/* The flow-entry realization of conn.c's verdicts (realize.h): per
 * connection, one entry per direction (forward and mirror, or forward
 * only for an elided body), deleted behind a barrier before the next
 * head, whose packets wait ("held") for the barrier reply plus
 * --settle-ms; elided bodies' counters polled (flow statistics). */
#ifndef FLOWS_H
#define FLOWS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct flows_held;

/* Per switch. */
struct flows_sw {
    struct flows_held *held;        /* Packet-Outs waiting for barriers */
    size_t n_held, cap_held;
    /* The newest barrier reply and its release time: a packet held
     * behind a barrier it confirms is released at that time, not at a
     * reply that may never come. */
    bool barrier_seen;
    uint32_t barrier_xid;
    uint64_t barrier_release_ms;
    uint32_t stats_xid;             /* outstanding flow-stats request */
    uint64_t last_poll_ms;
    struct buf scratch;             /* a Packet-Out being held */
};

void flows_sw_init(struct flows_sw *, uint64_t now);
void flows_sw_free(struct flows_sw *);

#endif
