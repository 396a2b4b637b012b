/* Interval sets over 64-bit stream offsets: which bytes of a TCP stream a
 * capture holds, without holding the bytes.
 *
 * A set is a sorted array of disjoint, non-adjacent half-open ranges
 * [start, end); adding a range merges it with every range it touches.  A
 * stream captured in order stays one range whatever its length, so a
 * 100 MB transfer costs a few bytes; each hole costs one range. */
#ifndef IVSET_H
#define IVSET_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ivrange {
    uint64_t start, end;        /* start < end */
};

struct ivset {
    struct ivrange *r;
    size_t n, cap;
};

#define IVSET_INIT { NULL, 0, 0 }

/* Adds [start, end) (nothing if start >= end).  Returns 0, or ENOMEM with
 * the set unchanged. */
int ivset_add(struct ivset *, uint64_t start, uint64_t end);

/* Removes every byte below 'off'. */
void ivset_trim_below(struct ivset *, uint64_t off);

void ivset_clear(struct ivset *);
void ivset_free(struct ivset *);

/* Total number of bytes in the set. */
uint64_t ivset_len(const struct ivset *);

/* Number of bytes of [start, end) in the set. */
uint64_t ivset_count(const struct ivset *, uint64_t start, uint64_t end);

/* True if every byte of [start, end) is in the set (true when empty). */
bool ivset_covers(const struct ivset *, uint64_t start, uint64_t end);

/* End of the run of set bytes that starts at 'off', or 'off' itself when
 * 'off' is not in the set. */
uint64_t ivset_run_end(const struct ivset *, uint64_t off);

/* |a intersect b|, in one merge walk. */
uint64_t ivset_inter_len(const struct ivset *a, const struct ivset *b);

/* Writes a intersect b into 'out' (cleared first; must be neither a nor b).
 * Returns 0 or ENOMEM. */
int ivset_intersect(const struct ivset *a, const struct ivset *b,
                    struct ivset *out);

#endif
