/* The connection table: the connections the controller follows, per
 * switch session, in one array with hash chains, an LRU list (least
 * recently active first) and a free list.  Bounded: full, the caller
 * evicts the oldest.  The table knows nothing of switches or OpenFlow;
 * its owner (controller.c) ends a connection before removing it. */
#ifndef CONNTAB_H
#define CONNTAB_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "rules.h"

struct centry {
    struct conn c;
    uint32_t sw_id;                 /* the switch session it belongs to */
    uint16_t cli_ofport, srv_ofport; /* 0: unknown (or beyond 16 bits) */
    uint32_t hold_xid;              /* Packet-Outs held behind this barrier */
    uint32_t hnext;                 /* hash chain / free list, slot + 1 */
    uint32_t lru_prev, lru_next;    /* slot + 1 */
    uint32_t last_ms;               /* time_ms(), wraps: compare by difference */
    uint16_t gen : CK_GEN_BITS;     /* bumped per reuse of the slot */
    uint16_t eseq_c2s : CK_ESEQ_BITS; /* install sequence per direction */
    uint16_t eseq_s2c : CK_ESEQ_BITS; /* (cookie field CK_ESEQ, rules.h) */
    uint8_t used : 1;
    uint8_t installed : 1;          /* an entry was ever installed for it */
    /* ct.c */
    uint8_t ct : 1;                 /* on a switch realized by ct.c: */
    uint8_t fe : 2;                 /* bit per direction: a flow entry */
    uint8_t committed : 1;          /* a Packet-Out set its mark, */
    uint8_t ct_lost : 1;            /* the tracker has no mark for it */
    uint8_t phase;                  /* the mark's low bits last committed */
};
/* Issue 5's memory goal, per tracked connection (reassembly buffers, only
 * for heads in flight, come on top). */
_Static_assert(sizeof(struct centry) <= 256, "connection table entry over 256 bytes");

struct conntab {
    struct centry *ce;
    uint32_t *buckets;
    size_t n_buckets, max, n, free_head, used_top;
    uint32_t lru_head, lru_tail;    /* oldest, newest (slot + 1) */
};

/* 0, or ENOMEM. */
int conntab_init(struct conntab *, size_t max);
void conntab_destroy(struct conntab *);

/* Slot + 1 of the connection, or 0.  'scope': conn_scope() (family and
 * VLAN); addresses: IPv4 in host order, or IPv6 the handles of addr6.h. */
uint32_t conntab_find(const struct conntab *, uint32_t sw_id, uint32_t scope,
                      uint32_t cip, uint16_t cp, uint32_t sip, uint16_t sp);

/* A new connection in a free slot (the table must not be full): its slot.
 * An IPv6 connection's handles are the caller's references, which the
 * connection keeps (conn_free gives them back). */
uint32_t conntab_insert(struct conntab *, uint32_t sw_id, uint32_t scope,
                        uint32_t cip, uint16_t cp, uint32_t sip, uint16_t sp);
bool conntab_full(const struct conntab *);
/* The least recently active connection's slot + 1, 0 when empty; and the
 * next more recent one's. */
uint32_t conntab_oldest(const struct conntab *);
uint32_t conntab_newer(const struct conntab *, uint32_t slot);

/* Active now: to the back of the LRU list. */
void conntab_touch(struct conntab *, uint32_t slot, uint32_t now_ms);

/* Frees the slot (conn_free() included); the slot's generation changes. */
void conntab_remove(struct conntab *, uint32_t slot);

/* The connection cookie of 'slot' (kind, generation, slot), and the live
 * connection a cookie names for session 'sw_id' (NULL: stale). */
uint64_t conntab_cookie(const struct conntab *, uint32_t slot);
struct centry *conntab_by_cookie(const struct conntab *, uint32_t sw_id,
                                 uint64_t cookie);

static inline unsigned
centry_eseq(const struct centry *e, enum conn_dir dir)
{
    return dir == C2S ? e->eseq_c2s : e->eseq_s2c;
}

/* A new install of 'dir': its sequence number. */
static inline unsigned
centry_next_eseq(struct centry *e, enum conn_dir dir)
{
    if (dir == C2S) {
        return ++e->eseq_c2s;
    }
    return ++e->eseq_s2c;
}

static inline uint32_t
conntab_slot(const struct conntab *t, const struct centry *e)
{
    return (uint32_t) (e - t->ce);
}

#endif
