/* The byte-level memory of one direction of a watched TCP connection:
 *
 *  - a reassembly window for HTTP heads that arrive in pieces, out of
 *    order or retransmitted (Packet-Ins reach the controller out of order:
 *    the switch's upcall threads, retransmissions);
 *  - copies of the heads already parsed and not yet acknowledged by the
 *    peer, so that a later copy of the same bytes with other content
 *    (an overlapping retransmission, data first sent in a SYN, an inserted
 *    segment) is noticed even when the first copy was parsed straight from
 *    one segment.
 *
 * Both are allocated only while needed and bounded per direction and in
 * total, so that no peer can make the controller grow without limit.
 * Offsets are 64-bit stream offsets (conn.h). */
#ifndef REASM_H
#define REASM_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REASM_CHUNK 16384               /* = CONN_HEAD_MAX, one head */
#define REASM_CHUNKS 16
#define REASM_WIN ((uint64_t) REASM_CHUNK * REASM_CHUNKS)

struct reasm_chunk {
    uint8_t data[REASM_CHUNK];
    uint8_t have[REASM_CHUNK / 8];
};

/* Anchored where the next head starts; the first chunk is the head bound,
 * so a head is always contiguous in memory. */
struct reasm {
    uint64_t start;                     /* stream offset of position 0 */
    uint32_t contig;                    /* positions [0, contig) all present */
    uint32_t scan;                      /* head-end search resumes here */
    uint32_t end;                       /* highest position held + 1 */
    struct reasm_chunk *ch[REASM_CHUNKS];
};

struct reasm *reasm_new(uint64_t start);
void reasm_free(struct reasm **);

/* Stores bytes at stream offset 'off'.  A byte already held that differs
 * from the new one keeps the first copy and sets *conflict.  Returns the
 * number of bytes dropped (beyond the window or the global budget); they
 * are always the last ones of the range. */
size_t reasm_add(struct reasm *, uint64_t off, const uint8_t *data, size_t len,
                 bool *conflict);

/* Moves the window to start at 'start' (>= its start), keeping the bytes
 * held from there on; frees it when none remain. */
void reasm_rebase(struct reasm **, uint64_t start);

/* The bytes held contiguously from stream offset 'off' within one chunk
 * (pointing *p at them): 0 if 'off' is not in [start, start + contig). */
size_t reasm_peek(const struct reasm *, uint64_t off, const uint8_t **p);

/* Length of the complete head at the window's start (pointing *head at
 * it), 0 if incomplete, -1 if the bound is full without an end. */
long reasm_head(struct reasm *, const uint8_t **head);

/* Copies of parsed heads, oldest first. */
struct hcopy;

#define HCOPY_MAX 40                    /* per direction: 32 pipelined + 1xx */

/* Keeps a copy of head bytes [start, start + len).  Returns 0, or ENOSPC
 * when the direction's or the global bound is reached (nothing kept). */
int hcopy_add(struct hcopy **, uint64_t start, const uint8_t *data,
              uint32_t len);

/* True when any byte of [off, off + len) that a copy holds differs. */
bool hcopy_differs(const struct hcopy *, uint64_t off, const uint8_t *data,
                   size_t len);

/* The peer acknowledged everything before 'acked': a later copy of those
 * bytes is discarded by its TCP, so their copies go. */
void hcopy_ack(struct hcopy **, uint64_t acked);

void hcopy_free(struct hcopy **);

/* Memory held by all windows and copies (for tests and benchmarks). */
size_t reasm_bytes_live(void);

#endif
