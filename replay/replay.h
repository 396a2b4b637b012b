/* elide-replay's core: the controller's own code (controller.c, conn.c,
 * flows.c, l2.c) run over a trace's frames against a model of an ideal
 * OpenFlow switch, which gives the frames its mirror port would carry.
 *
 * The switch: ports 1 (clients' side), 2 (servers' side) and 3 (the
 * mirror).  A frame of a watched connection (a TCP port in --http-ports,
 * --tls-ports, --ssh-ports) goes as the controller's base rules say
 * (flows.c): to the controller (a Packet-In) when it carries a trapped
 * flag (elide: every SYN, FIN and RST, and PSH to an HTTP port) or when
 * no connection entry matches it, else through the entry (counted; the
 * mirror gets the frame, a slice of it or nothing).  What the controller
 * sends is decoded and carried out at once, in order: entry adds and
 * deletes (each deletion reported with its counters, FLOW_REMOVED),
 * barriers (answered), Packet-Outs (their mirror action gives a mirror
 * frame), flow-stats requests (answered with the counters of the entries
 * they name).  So an entry applies from the next frame of its connection:
 * the ideal switch, with no race between an install and the frames
 * behind it.  Entries idle out after their idle timeout of trace time.
 * Every other frame is mirrored as the mode's learning-switch entries
 * would (l2.c's mirror action: in full, cut to --truncate-len, by
 * --select, or not at all).
 *
 * Time is the trace's: the controller's clock (time_ms(), its timers,
 * statistics polling, its event log) reads the timestamp of the frame
 * being replayed. */
#ifndef REPLAY_H
#define REPLAY_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define REPLAY_CLI_PORT    1
#define REPLAY_SRV_PORT    2
#define REPLAY_MIRROR_PORT 3

/* A frame on the mirror port: the first 'caplen' bytes of 'frame', which
 * was 'len' bytes long on the wire there (a cut copy is shorter). */
typedef void replay_mirror_fn(void *aux, uint64_t ts_us, const uint8_t *frame,
                              uint32_t caplen, uint32_t len);

struct replay_stats {
    uint64_t packets_in, bytes_in;      /* frames replayed; wire bytes */
    uint64_t packets_out, bytes_out;    /* mirror frames; wire bytes */
    uint64_t packet_ins;                /* frames sent to the controller */
    uint64_t entry_packets;             /* frames through connection entries */
    uint64_t conns;                     /* watched connections opened */
    uint64_t requests, responses;       /* HTTP heads parsed (and mirrored) */
    uint64_t hellos;                    /* TLS ClientHello/ServerHello, SSH
                                         * version lines */
    uint64_t alerts, passthrough;
    uint64_t bodies_elided;             /* elide_start events */
    uint64_t payload_bytes;             /* TCP payload of watched frames */
    uint64_t payload_mirrored;          /* ... of it on the mirror port */
    uint64_t resp_payload_mirrored;     /* ... of it from HTTP servers */
    uint64_t resp_head_bytes;           /* the response heads parsed */
    uint64_t cut;                       /* watched frames with a payload
                                         * cut short by the snap length */
};

struct replay;

/* A replay with 'cfg' (mode, threshold, ports, ...; the mirror port and
 * the switch-dependent options are set here); mirror frames go to 'fn'
 * (may be NULL).  NULL, with a message on stderr, when the controller's
 * state cannot be allocated. */
struct replay *replay_new(const struct ctl_cfg *cfg, replay_mirror_fn *fn,
                          void *aux);
/* One Ethernet frame of the trace (802.1Q and QinQ tags included), its
 * first 'caplen' bytes of 'len', at trace time 'ts_us' (microseconds since
 * the epoch; not decreasing: an earlier timestamp counts as the last). */
void replay_frame(struct replay *, uint64_t ts_us, const uint8_t *frame,
                  uint32_t caplen, uint32_t len);
/* The trace is over: every connection is finished (what it left
 * unaccounted is reported, as when the controller drops it). */
void replay_finish(struct replay *);
const struct replay_stats *replay_stats(const struct replay *);
void replay_free(struct replay *);

#endif
