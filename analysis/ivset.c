/* Interval sets (see ivset.h). */
#include "ivset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Index of the first range whose end is >= 'off': the first range that
 * 'off' can touch or extend (ranges are merged when adjacent). */
static size_t
first_touching(const struct ivset *s, uint64_t off)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->r[mid].end < off) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static int
reserve(struct ivset *s, size_t n)
{
    if (n <= s->cap) {
        return 0;
    }
    size_t cap = s->cap ? s->cap * 2 : 4;
    while (cap < n) {
        cap *= 2;
    }
    struct ivrange *r = realloc(s->r, cap * sizeof *r);
    if (!r) {
        return ENOMEM;
    }
    s->r = r;
    s->cap = cap;
    return 0;
}

int
ivset_add(struct ivset *s, uint64_t start, uint64_t end)
{
    if (start >= end) {
        return 0;
    }
    /* The common case, data arriving in order, extends the last range. */
    if (s->n && s->r[s->n - 1].end >= start && s->r[s->n - 1].start <= start) {
        if (end > s->r[s->n - 1].end) {
            s->r[s->n - 1].end = end;
        }
        return 0;
    }
    size_t i = first_touching(s, start);
    size_t j = i;
    /* Ranges i..j-1 touch [start, end) and are absorbed into it. */
    while (j < s->n && s->r[j].start <= end) {
        j++;
    }
    if (i == j) {
        if (reserve(s, s->n + 1)) {
            return ENOMEM;
        }
        memmove(s->r + i + 1, s->r + i, (s->n - i) * sizeof *s->r);
        s->r[i] = (struct ivrange) { start, end };
        s->n++;
        return 0;
    }
    struct ivrange m = { start, end };
    if (s->r[i].start < m.start) {
        m.start = s->r[i].start;
    }
    if (s->r[j - 1].end > m.end) {
        m.end = s->r[j - 1].end;
    }
    s->r[i] = m;
    memmove(s->r + i + 1, s->r + j, (s->n - j) * sizeof *s->r);
    s->n -= j - i - 1;
    return 0;
}

void
ivset_trim_below(struct ivset *s, uint64_t off)
{
    size_t i = 0;

    while (i < s->n && s->r[i].end <= off) {
        i++;
    }
    memmove(s->r, s->r + i, (s->n - i) * sizeof *s->r);
    s->n -= i;
    if (s->n && s->r[0].start < off) {
        s->r[0].start = off;
    }
}

void
ivset_clear(struct ivset *s)
{
    s->n = 0;
}

void
ivset_free(struct ivset *s)
{
    free(s->r);
    *s = (struct ivset) IVSET_INIT;
}

uint64_t
ivset_len(const struct ivset *s)
{
    uint64_t t = 0;

    for (size_t i = 0; i < s->n; i++) {
        t += s->r[i].end - s->r[i].start;
    }
    return t;
}

uint64_t
ivset_count(const struct ivset *s, uint64_t start, uint64_t end)
{
    uint64_t t = 0;

    for (size_t i = first_touching(s, start); i < s->n && s->r[i].start < end;
         i++) {
        uint64_t a = s->r[i].start > start ? s->r[i].start : start;
        uint64_t b = s->r[i].end < end ? s->r[i].end : end;
        if (a < b) {
            t += b - a;
        }
    }
    return t;
}

bool
ivset_covers(const struct ivset *s, uint64_t start, uint64_t end)
{
    return start >= end || ivset_run_end(s, start) >= end;
}

uint64_t
ivset_run_end(const struct ivset *s, uint64_t off)
{
    size_t i = first_touching(s, off);

    /* r[i].end == off means the range stops just before 'off'. */
    if (i < s->n && s->r[i].start <= off && s->r[i].end > off) {
        return s->r[i].end;
    }
    return off;
}

/* Calls the walk over a intersect b; 'out' may be NULL to only count. */
static int
intersect(const struct ivset *a, const struct ivset *b, struct ivset *out,
          uint64_t *len)
{
    size_t i = 0, j = 0;

    *len = 0;
    while (i < a->n && j < b->n) {
        uint64_t lo = a->r[i].start > b->r[j].start ? a->r[i].start
                                                    : b->r[j].start;
        uint64_t hi = a->r[i].end < b->r[j].end ? a->r[i].end : b->r[j].end;
        if (lo < hi) {
            *len += hi - lo;
            if (out && ivset_add(out, lo, hi)) {
                return ENOMEM;
            }
        }
        if (a->r[i].end < b->r[j].end) {
            i++;
        } else {
            j++;
        }
    }
    return 0;
}

uint64_t
ivset_inter_len(const struct ivset *a, const struct ivset *b)
{
    uint64_t len;

    intersect(a, b, NULL, &len);
    return len;
}

int
ivset_intersect(const struct ivset *a, const struct ivset *b,
                struct ivset *out)
{
    uint64_t len;

    ivset_clear(out);
    return intersect(a, b, out, &len);
}
