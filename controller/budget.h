/* --mirror-budget: an effective elision threshold that follows the mirror
 * port's load.  Pure logic over counter samples (the controller polls the
 * port's statistics every --stats-interval and feeds them here).
 *
 * The load is the port's transmitted bits per second over the last
 * interval, and its drops.  The threshold starts at the floor (heads first:
 * nothing is known of the load yet).  Near the budget (above BUDGET_HIGH
 * of it) or with any drop of the port's, it falls to a quarter, down to
 * the floor: more bodies are elided and their bytes leave the mirror to
 * the heads (the body meter's drops are not counted: they cost bodies
 * only their excess).  Well below it (under BUDGET_LOW) it doubles, up to
 * the ceiling, but only after BUDGET_HOLD samples without a lowering, so
 * that the load a lowering freed is seen before bodies come back: down
 * fast, up slowly.  A change applies to responses whose heads come after
 * it; bodies already elided or mirrored stay so.
 * A counter that goes backwards (a port re-added) starts over.  What the
 * port transmitted past a shaper is what it can carry: a budget below the
 * port's capacity keeps the queue from filling (a shaper's drops are not
 * in OpenFlow's counters; a switch that counts them drops the threshold
 * at once). */
#ifndef BUDGET_H
#define BUDGET_H 1

#include <stdbool.h>
#include <stdint.h>

#define BUDGET_HIGH_PCT 90
#define BUDGET_LOW_PCT 50
#define BUDGET_HOLD 3

struct budget_cfg {
    uint64_t rate_bps;          /* the budget */
    uint64_t floor, ceiling;    /* --threshold-min, --threshold */
};

struct budget {
    uint64_t threshold;         /* effective now */
    /* The body meter's rate: what the budget leaves after the rest of the
     * mirror's load (heads, handshakes, Packet-Outs), with a quarter of
     * that load's rate as headroom, between a sixteenth of the budget and
     * all of it.  meter_changed: the last sample moved it by more than an
     * eighth (the switch's meter is modified then). */
    uint64_t meter_bps;
    bool meter_changed;
    uint64_t meter_passed;      /* the last sample's */
    uint64_t load_bps;          /* over the last interval */
    uint64_t dropped;           /* drops over the last interval */
    uint64_t t_ms, tx_bytes, tx_dropped;    /* the last sample */
    bool primed;                /* a sample to difference against */
    unsigned calm;              /* samples since the last lowering */
    uint64_t bucket_us, bucket_bits;    /* budget_take()'s bucket */
    bool bucket_primed;
};

void budget_init(struct budget *, const struct budget_cfg *);

/* The mirror port's counters at 'now_ms', and the bytes the body meter let
 * through ('meter_passed': in minus dropped; 0 without a meter).  Returns
 * -1 if the threshold went down, +1 if up, 0 if not (then b->threshold is
 * unchanged). */
int budget_sample(struct budget *, const struct budget_cfg *, uint64_t now_ms,
                  uint64_t tx_bytes, uint64_t tx_dropped,
                  uint64_t meter_passed);

/* The body meter's burst at 'rate_bps': 10 ms of it, at least 32 kbit
 * (two full 1514-byte frames), so that a burst of body copies fits the mirror
 * port's queue beside the heads. */
uint64_t budget_burst_bits(uint64_t rate_bps);

/* The body meter's rate on the controller's own mirror copies of bodies
 * (Packet-Outs, which the switch's meter never sees): a token bucket
 * filled at b->meter_bps up to budget_burst_bits() of it.  True if a copy
 * of 'bytes' at 'now_us' (monotonic) fits, and takes it from the bucket;
 * false if it is to be dropped. */
bool budget_take(struct budget *, uint64_t now_us, uint64_t bytes);

#endif
