/* The flow entries the controller installs: their priorities, and their
 * cookies field by field.
 *
 * Cookie:
 *   63..48  magic 0xe1de: the controller's entries, so that a (re)connection
 *           deletes exactly ours (OpenFlow 1.3 6.4, cookie_mask)
 *   47..46  kind: base rule, learning-switch entry, connection entry
 *   45      connection entries: 1 for the server-to-client direction
 *   44      connection entries: a forwarding-only entry (an elided body's,
 *           or the client's beside it)
 *   43..41  connection entries: install sequence per direction, so that a
 *           removal reported after a newer install is told apart
 *   40..32  connection entries: generation of the table slot (a slot
 *           reused for another connection gets another cookie)
 *   31..0   connection entries: the slot in the connection table
 */
#ifndef RULES_H
#define RULES_H 1

#include <stdint.h>

#define CK_MAGIC_SHIFT 48
#define CK_MAGIC_BITS  16
#define CK_KIND_SHIFT  46
#define CK_KIND_BITS   2
#define CK_DIR_SHIFT   45
#define CK_DIR_BITS    1
#define CK_ELIDE_SHIFT 44
#define CK_ELIDE_BITS  1
#define CK_ESEQ_SHIFT  41
#define CK_ESEQ_BITS   3
#define CK_GEN_SHIFT   32
#define CK_GEN_BITS    9
#define CK_SLOT_SHIFT  0
#define CK_SLOT_BITS   32

#define CK_ONES(F)     ((1ull << F##_BITS) - 1)
#define CK_PUT(F, V)   (((uint64_t) (V) & CK_ONES(F)) << F##_SHIFT)
#define CK_GET(F, CK)  ((uint64_t) (CK) >> F##_SHIFT & CK_ONES(F))
#define CK_MASK(F)     (CK_ONES(F) << F##_SHIFT)

#define CK_MAGIC_VALUE 0xe1deu
enum { CK_BASE = 0, CK_L2 = 1, CK_CONN = 2 };

/* Cookie and mask of every entry of one kind. */
#define CK_OF_KIND(K)  (CK_PUT(CK_MAGIC, CK_MAGIC_VALUE) | CK_PUT(CK_KIND, K))
#define CK_KIND_MASK_ALL (CK_MASK(CK_MAGIC) | CK_MASK(CK_KIND))

/* Base rules whose Packet-Ins only notify: the switch forwarded and
 * mirrored the packet already (ct.c: a SYN-ACK the tracker calls invalid). */
#define CK_NOTIFY (CK_OF_KIND(CK_BASE) | 1)

/* Tables.  flows: everything in table 0.  conntrack (ct.c): table 0 sends
 * watched TCP through ct(table=CT_TABLE), which mirrors what the tracker
 * calls invalid and what is done, and hands each direction to its own
 * table, where the rules act on the connection's phase (its ct_mark):
 * apart, a server packet is never matched against the client's PSH trap,
 * so that Open vSwitch caches a server's head and its body segments in one
 * datapath flow and sends them to the controller in order.  Rules that
 * forward go on to FWD_TABLE, the learning switch's entries without
 * mirroring (goto_table only goes forward, spec 5.1). */
#define CT_TABLE       1
#define CT_C2S_TABLE   2
#define CT_S2C_TABLE   3
#define FWD_TABLE      4
#define PROBE_TABLE    5        /* --datapath auto: does the switch take ct? */
/* --mirror-budget: mirrored bodies' server entries forward, then go on to
 * METER_TABLE, whose one rule sends the copy through meter BODY_METER to
 * the mirror port: a body never takes more of the mirror than the budget,
 * and heads (mirrored without the meter) find room. */
#define METER_TABLE    6
#define BODY_METER     1

/* ct_mark of a watched connection (ct.c):
 *   31..24  generation: the switch session's (a mark of another session
 *           matches no phase rule)
 *   4       done: forward and mirror everything (passthrough, closed)
 *   3..2    client-to-server kind, 1..0 server-to-client kind: conn.c's
 *           enum entry_kind; only ENTRY_FWD_MIRROR is ever in a mark */
#define MARK_GEN_SHIFT 24
#define MARK_GEN_MASK  0xff000000u
#define MARK_DONE      0x10u
#define MARK_KIND_SHIFT(DIR) ((DIR) == 0 ? 2 : 0)   /* C2S, S2C */
#define MARK_KIND_MASK(DIR)  (3u << MARK_KIND_SHIFT(DIR))

/* Priorities. */
#define PRIO_MISS      0        /* table-miss: to the controller */
#define PRIO_L2        10       /* learning switch: eth_dst */
#define PRIO_SELECT    20       /* selective mirroring beside L2 */
#define PRIO_WATCH     100      /* watched TCP: to the controller */
#define PRIO_PHASE     250      /* CT_TABLE: a phase (above PRIO_CONN) */
#define PRIO_CONN      200      /* connection entries */
#define PRIO_TRAP      300      /* what must reach the controller anyway */
#define PRIO_HANDSHAKE 350      /* CT_TABLE: the SYN-ACK in the switch */
#define PRIO_DONE      900      /* CT_TABLE: phase done */
#define PRIO_INVALID   950      /* CT_TABLE: what the tracker calls invalid */
#define PRIO_MIRROR_IN 1000     /* drop what the monitor sends */

#endif
