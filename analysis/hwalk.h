/* HTTP/1.x head walker over the two reassembled streams of one TCP
 * connection, for the mirror analyzer.
 *
 * The walker finds every request head in the client->server stream and
 * every response head in the server->client stream, skipping bodies by
 * their framing, without storing the streams: each direction keeps only a
 * window of HTTPW_WINDOW bytes starting at the offset where its next head
 * is expected.  Bytes are fed at their stream offsets in capture order
 * (retransmitted, overlapping and out-of-order segments are fine).
 *
 * Windows make one read of the capture enough unless bytes of a head
 * arrive before the walker knows that a head starts there (reordering
 * across a whole body).  The walker notices that, marks the direction
 * "stalled", and the caller reads the capture again for it: see
 * hwalk_begin_pass().
 *
 * Framing follows RFC 9112 6.3 via http.h.  Responses are paired with
 * requests in order (RFC 9112 9.3), which decides HEAD and CONNECT
 * framing; interim 1xx responses do not consume a request. */
#ifndef HWALK_H
#define HWALK_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ivset.h"

#define HWALK_WINDOW (64 * 1024)   /* bytes kept at each expected head */

enum hwalk_dir { HWALK_C2S = 0, HWALK_S2C = 1 };

/* One message head: bytes [start, end) of its direction's stream. */
struct hwalk_head {
    uint64_t start, end;
    uint8_t *bytes;             /* end - start bytes, owned by the walker */
    enum hwalk_dir dir;
};

struct hwalk;

struct hwalk *hwalk_create(uint64_t threshold);
void hwalk_destroy(struct hwalk *);

/* Feeds bytes [off, off + len) of direction 'dir'.  Returns 0 or ENOMEM
 * (the walker then stops, see hwalk_stop_reason()). */
int hwalk_feed(struct hwalk *, enum hwalk_dir dir, uint64_t off,
               const uint8_t *data, size_t len);

/* Multi-pass protocol.  Every direction takes bytes in the first pass.
 * hwalk_end_pass() is called after the last packet of a pass; it returns
 * true if another pass is needed, for which the caller calls
 * hwalk_begin_pass() and feeds the capture again from its start (only the
 * stalled directions take the bytes).  'last' forbids another pass: the
 * stalled directions stop with reason "reordering". */
bool hwalk_end_pass(struct hwalk *, bool last);
void hwalk_begin_pass(struct hwalk *);

/* Frees the windows once no more bytes will be fed; heads and body
 * ranges stay. */
void hwalk_release(struct hwalk *);

/* Heads found, in the order found (per direction, by stream offset). */
const struct hwalk_head *hwalk_heads(const struct hwalk *, size_t *n);

/* Response body ranges whose framing is a length >= threshold. */
const struct ivset *hwalk_elidable(const struct hwalk *);

/* Why walking 'dir' stopped early ("chunked", "invalid head", ...), or
 * NULL if it did not (the stream simply ended); '*off' gets the offset. */
const char *hwalk_stop_reason(const struct hwalk *, enum hwalk_dir dir,
                              uint64_t *off);

/* True if 'dir' ended waiting inside a head: bytes after the last complete
 * head that never formed a head (capture cut, or a hole in the capture). */
bool hwalk_partial(const struct hwalk *, enum hwalk_dir dir, uint64_t *off);

#endif
