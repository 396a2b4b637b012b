/* Interned IPv6 addresses (see addr6.h): open addressing over a power-of-
 * two index, entries in an array with a free list. */
#include "addr6.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct a6 {
    uint8_t a[16];
    uint32_t refs;          /* 0: free (next free in 'next') */
    uint32_t next;
};

static struct a6 *ents;     /* handle h is ents[h - 1] */
static uint32_t n_ents, cap_ents, free_head, live;
static uint32_t *idx;       /* handle or 0; tombstone UINT32_MAX */
static uint32_t idx_cap, idx_used;

static uint32_t
hash16(const uint8_t a[16])
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, a + 8, 8);
    uint64_t h = (x ^ y * 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
    return (uint32_t) (h ^ h >> 29);
}

/* Slot of 'a' in idx, or of the first free or tombstone one on its probe
 * path (*found says which). */
static uint32_t
probe(const uint8_t a[16], bool *found)
{
    uint32_t m = idx_cap - 1, i = hash16(a) & m, tomb = UINT32_MAX;
    for (;; i = (i + 1) & m) {
        uint32_t h = idx[i];
        if (!h) {
            *found = false;
            return tomb != UINT32_MAX ? tomb : i;
        }
        if (h == UINT32_MAX) {
            if (tomb == UINT32_MAX) {
                tomb = i;
            }
        } else if (!memcmp(ents[h - 1].a, a, 16)) {
            *found = true;
            return i;
        }
    }
}

static void
rehash(uint32_t cap)
{
    uint32_t *old = idx, old_cap = idx_cap;
    idx = xcalloc(cap, sizeof *idx);
    idx_cap = cap;
    idx_used = 0;
    for (uint32_t i = 0; i < old_cap; i++) {
        if (old[i] && old[i] != UINT32_MAX) {
            bool f;
            idx[probe(ents[old[i] - 1].a, &f)] = old[i];
            idx_used++;
        }
    }
    free(old);
}

uint32_t
addr6_find(const uint8_t a[16])
{
    bool f;
    if (!idx_cap) {
        return 0;
    }
    uint32_t i = probe(a, &f);
    return f ? idx[i] : 0;
}

uint32_t
addr6_ref(const uint8_t a[16])
{
    if ((uint64_t) (idx_used + 1) * 2 > idx_cap) {
        /* Full of live entries or of tombstones: a rebuild drops these. */
        uint32_t cap = 64;
        while (cap < 4 * ((uint64_t) live + 1)) {
            cap *= 2;
        }
        rehash(cap);
    }
    bool f;
    uint32_t i = probe(a, &f);
    if (f) {
        ents[idx[i] - 1].refs++;
        return idx[i];
    }
    uint32_t h;
    if (free_head) {
        h = free_head;
        free_head = ents[h - 1].next;
    } else {
        if (n_ents == cap_ents) {
            cap_ents = cap_ents ? cap_ents * 2 : 64;
            ents = xrealloc(ents, cap_ents * sizeof *ents);
        }
        h = ++n_ents;
    }
    memcpy(ents[h - 1].a, a, 16);
    ents[h - 1].refs = 1;
    if (idx[i] != UINT32_MAX) {
        idx_used++;             /* a fresh slot, not a tombstone reused */
    }
    idx[i] = h;
    live++;
    return h;
}

void
addr6_unref(uint32_t h)
{
    if (!h || h > n_ents || !ents[h - 1].refs) {
        return;
    }
    if (--ents[h - 1].refs) {
        return;
    }
    bool f;
    uint32_t i = probe(ents[h - 1].a, &f);
    if (f) {
        idx[i] = UINT32_MAX;    /* tombstone: counted in idx_used */
    }
    ents[h - 1].next = free_head;
    free_head = h;
    live--;
    if (!live) {                /* nothing lives: start over, tombstones gone */
        free(idx);
        free(ents);
        ents = NULL;
        idx = NULL;
        n_ents = cap_ents = free_head = idx_cap = idx_used = 0;
    }
}

const uint8_t *
addr6_get(uint32_t h)
{
    static const uint8_t zero[16];
    return h && h <= n_ents ? ents[h - 1].a : zero;
}

size_t
addr6_live(void)
{
    return live;
}
