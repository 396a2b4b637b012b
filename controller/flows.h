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
#include "conn.h"

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

/* For ct.c, which keeps elided bodies on flow entries (in its table) and
 * shares the reports' handling: */
struct ofp_act;
struct ofp_error;
struct ofp_flow_removed_msg;
struct ofp_multipart_reply;
struct conn_out;
struct sw;
/* The entry of 'kind' for one direction; false (and conn.c told) when
 * the direction's output port is not known yet. */
bool flows_install(struct sw *, uint32_t slot, enum conn_dir, uint8_t kind);
void flows_delete_dir(struct sw *, uint32_t slot, enum conn_dir);
/* Every entry of the connection, whatever its direction and sequence. */
void flows_delete_all(struct sw *, uint32_t slot);
void flows_hold(struct sw *, uint32_t slot);
/* The Packet-Out of a connection's packet, now or held behind its
 * connection's barrier. */
void flows_send(struct sw *, uint32_t slot, uint32_t in_port,
                uint32_t out_port, const struct ofp_act *, size_t n_acts,
                const uint8_t *data, size_t len);
/* The mirror action of a verdict for a 'len'-byte frame; 0 or 1.  A
 * metered copy (conn_out.metered) beyond the body meter's rate gets none
 * (budget_take(); counted in sw->bucket_dropped). */
size_t flows_mirror_act(struct sw *, const struct conn_out *,
                        size_t len, struct ofp_act *);
void flows_barrier_reply(struct sw *, uint32_t xid);
void flows_flow_removed(struct sw *, const struct ofp_flow_removed_msg *);
void flows_flow_stats(struct sw *, const struct ofp_multipart_reply *);
void flows_error(struct sw *, const struct ofp_error *);
void flows_tick(struct sw *, uint64_t now);

#endif
