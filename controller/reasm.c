/* Reassembly windows and copies of parsed heads (see reasm.h). */
#include "reasm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"

/* Global bounds, all connections: ~72 MB of windows, 16 MB of copies. */
#define REASM_BUDGET 4096               /* chunks */
#define HCOPY_BUDGET (16u << 20)        /* bytes */

static size_t chunks_live;
static size_t copy_bytes_live;

struct hcopy {
    struct hcopy *next;
    uint64_t start;
    uint32_t len;
    uint8_t data[];
};

struct reasm *
reasm_new(uint64_t start)
{
    struct reasm *ra = xcalloc(1, sizeof *ra);
    ra->start = start;
    return ra;
}

static bool
ra_has(const struct reasm *ra, uint32_t pos)
{
    const struct reasm_chunk *ch = ra->ch[pos / REASM_CHUNK];
    pos %= REASM_CHUNK;
    return ch && ch->have[pos / 8] & (1u << (pos % 8));
}

void
reasm_free(struct reasm **rap)
{
    struct reasm *ra = *rap;
    if (ra) {
        for (int i = 0; i < REASM_CHUNKS; i++) {
            if (ra->ch[i]) {
                free(ra->ch[i]);
                chunks_live--;
            }
        }
        free(ra);
        *rap = NULL;
    }
}

size_t
reasm_add(struct reasm *ra, uint64_t off, const uint8_t *data, size_t len,
          bool *conflict)
{
    size_t dropped = 0;
    for (size_t i = 0; i < len; i++) {
        if (off + i < ra->start) {
            continue;
        }
        uint64_t pos = off + i - ra->start;
        if (pos >= REASM_WIN) {
            dropped += len - i;
            break;
        }
        struct reasm_chunk **chp = &ra->ch[pos / REASM_CHUNK];
        if (!*chp) {
            if (chunks_live >= REASM_BUDGET) {
                /* The rest of this range lands in this chunk or beyond. */
                dropped += len - i;
                break;
            }
            *chp = xcalloc(1, sizeof **chp);
            chunks_live++;
        }
        uint32_t p = (uint32_t) (pos % REASM_CHUNK);
        uint8_t bit = 1u << (p % 8);
        if ((*chp)->have[p / 8] & bit) {
            if ((*chp)->data[p] != data[i]) {
                *conflict = true;
            }
        } else {
            (*chp)->data[p] = data[i];
            (*chp)->have[p / 8] |= bit;
            if (pos + 1 > ra->end) {
                ra->end = (uint32_t) (pos + 1);
            }
        }
    }
    while (ra->contig < REASM_WIN && ra_has(ra, ra->contig)) {
        ra->contig++;
    }
    return dropped;
}

size_t
reasm_peek(const struct reasm *ra, uint64_t off, const uint8_t **p)
{
    if (off < ra->start || off - ra->start >= ra->contig) {
        return 0;
    }
    uint32_t pos = (uint32_t) (off - ra->start);
    uint32_t chunk_end = (pos / REASM_CHUNK + 1) * REASM_CHUNK;
    *p = &ra->ch[pos / REASM_CHUNK]->data[pos % REASM_CHUNK];
    return (ra->contig < chunk_end ? ra->contig : chunk_end) - pos;
}

void
reasm_rebase(struct reasm **rap, uint64_t start)
{
    struct reasm *ra = *rap;
    if (!ra || start == ra->start) {
        return;
    }
    if (start < ra->start || start - ra->start >= ra->end) {
        reasm_free(rap);
        return;
    }
    struct reasm *nr = reasm_new(start);
    uint32_t shift = (uint32_t) (start - ra->start);
    bool conflict = false;
    for (uint32_t pos = shift; pos < ra->end; pos++) {
        if (ra_has(ra, pos)) {
            const uint8_t *b = &ra->ch[pos / REASM_CHUNK]->data[pos % REASM_CHUNK];
            reasm_add(nr, ra->start + pos, b, 1, &conflict);
        }
    }
    reasm_free(rap);
    *rap = nr->end ? nr : (reasm_free(&nr), NULL);
}

long
reasm_head(struct reasm *ra, const uint8_t **head)
{
    if (!ra->ch[0]) {
        return 0;
    }
    uint32_t n = ra->contig < REASM_CHUNK ? ra->contig : REASM_CHUNK;
    if (n > ra->scan) {
        size_t from = ra->scan >= 3 ? ra->scan - 3 : 0;
        long e = http_find_head_end(ra->ch[0]->data, n, from);
        ra->scan = n;
        if (e > 0) {
            *head = ra->ch[0]->data;
            return e;
        }
    }
    return ra->contig >= REASM_CHUNK ? -1 : 0;
}

int
hcopy_add(struct hcopy **list, uint64_t start, const uint8_t *data,
          uint32_t len)
{
    size_t n = 0;
    struct hcopy **pp = list;
    for (; *pp; pp = &(*pp)->next) {
        n++;
    }
    if (n >= HCOPY_MAX || copy_bytes_live + len > HCOPY_BUDGET) {
        return ENOSPC;
    }
    struct hcopy *hc = xmalloc(sizeof *hc + len);
    hc->next = NULL;
    hc->start = start;
    hc->len = len;
    memcpy(hc->data, data, len);
    copy_bytes_live += len;
    *pp = hc;
    return 0;
}

bool
hcopy_differs(const struct hcopy *hc, uint64_t off, const uint8_t *data,
              size_t len)
{
    uint64_t end = off + len;
    for (; hc; hc = hc->next) {
        uint64_t a = off > hc->start ? off : hc->start;
        uint64_t b = end < hc->start + hc->len ? end : hc->start + hc->len;
        if (a < b && memcmp(data + (a - off), hc->data + (a - hc->start),
                            (size_t) (b - a))) {
            return true;
        }
    }
    return false;
}

void
hcopy_ack(struct hcopy **list, uint64_t acked)
{
    while (*list && (*list)->start + (*list)->len <= acked) {
        struct hcopy *hc = *list;
        *list = hc->next;
        copy_bytes_live -= hc->len;
        free(hc);
    }
}

void
hcopy_free(struct hcopy **list)
{
    hcopy_ack(list, UINT64_MAX);
}

size_t
reasm_bytes_live(void)
{
    return chunks_live * sizeof(struct reasm_chunk) + copy_bytes_live;
}
