/* The connection table.  See conntab.h. */
#include "conntab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t
hash5(uint32_t sw_id, uint32_t scope, uint32_t cip, uint16_t cp, uint32_t sip,
      uint16_t sp)
{
    uint64_t h = ((uint64_t) sw_id << 32 | scope) * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t) cip << 32 | sip) * 0xbf58476d1ce4e5b9ull;
    h ^= ((uint64_t) cp << 16 | sp) * 0x94d049bb133111ebull;
    h ^= h >> 31;
    return (uint32_t) h;
}

static size_t
bucket_of(const struct conntab *t, const struct centry *e)
{
    return hash5(e->sw_id, conn_scope(&e->c), e->c.cli_ip, e->c.cli_port,
                 e->c.srv_ip, e->c.srv_port) & (t->n_buckets - 1);
}

int
conntab_init(struct conntab *t, size_t max)
{
    memset(t, 0, sizeof *t);
    t->max = max;
    t->n_buckets = 1;
    while (t->n_buckets < max) {
        t->n_buckets *= 2;
    }
    t->ce = calloc(max, sizeof *t->ce);
    t->buckets = calloc(t->n_buckets, sizeof *t->buckets);
    if (!t->ce || !t->buckets) {
        conntab_destroy(t);
        return ENOMEM;
    }
    return 0;
}

void
conntab_destroy(struct conntab *t)
{
    for (size_t i = 0; t->ce && i < t->used_top; i++) {
        if (t->ce[i].used) {
            conn_free(&t->ce[i].c);
        }
    }
    free(t->ce);
    free(t->buckets);
    memset(t, 0, sizeof *t);
}

static void
lru_unlink(struct conntab *t, uint32_t i)
{
    struct centry *e = &t->ce[i];
    if (e->lru_prev) {
        t->ce[e->lru_prev - 1].lru_next = e->lru_next;
    } else {
        t->lru_head = e->lru_next;
    }
    if (e->lru_next) {
        t->ce[e->lru_next - 1].lru_prev = e->lru_prev;
    } else {
        t->lru_tail = e->lru_prev;
    }
    e->lru_prev = e->lru_next = 0;
}

static void
lru_push(struct conntab *t, uint32_t i)
{
    struct centry *e = &t->ce[i];
    e->lru_prev = t->lru_tail;
    e->lru_next = 0;
    if (t->lru_tail) {
        t->ce[t->lru_tail - 1].lru_next = i + 1;
    } else {
        t->lru_head = i + 1;
    }
    t->lru_tail = i + 1;
}

uint32_t
conntab_find(const struct conntab *t, uint32_t sw_id, uint32_t scope,
             uint32_t cip, uint16_t cp, uint32_t sip, uint16_t sp)
{
    if (!t->n_buckets) {
        return 0;
    }
    size_t b = hash5(sw_id, scope, cip, cp, sip, sp) & (t->n_buckets - 1);
    for (uint32_t i = t->buckets[b]; i; i = t->ce[i - 1].hnext) {
        const struct centry *e = &t->ce[i - 1];
        if (e->sw_id == sw_id && conn_scope(&e->c) == scope && e->c.cli_ip == cip
            && e->c.cli_port == cp
            && e->c.srv_ip == sip && e->c.srv_port == sp) {
            return i;
        }
    }
    return 0;
}

bool
conntab_full(const struct conntab *t)
{
    return t->n == t->max;
}

uint32_t
conntab_insert(struct conntab *t, uint32_t sw_id, uint32_t scope,
               uint32_t cip, uint16_t cp, uint32_t sip, uint16_t sp)
{
    uint32_t i;
    if (t->free_head) {
        i = (uint32_t) t->free_head - 1;
        t->free_head = t->ce[i].hnext;
    } else {
        i = (uint32_t) t->used_top++;
    }
    struct centry *e = &t->ce[i];
    uint16_t gen = e->gen;
    memset(e, 0, sizeof *e);
    e->gen = gen;
    e->used = true;
    e->sw_id = sw_id;
    conn_init(&e->c, cip, cp, sip, sp);
    e->c.v6 = (scope & CONN_SCOPE_V6) != 0;
    e->c.vlan = (uint16_t) (scope & CONN_SCOPE_VLAN);
    size_t b = bucket_of(t, e);
    e->hnext = t->buckets[b];
    t->buckets[b] = i + 1;
    lru_push(t, i);
    t->n++;
    return i;
}

uint32_t
conntab_oldest(const struct conntab *t)
{
    return t->lru_head;
}

uint32_t
conntab_newer(const struct conntab *t, uint32_t slot)
{
    return t->ce[slot].lru_next;
}

void
conntab_touch(struct conntab *t, uint32_t slot, uint32_t now_ms)
{
    t->ce[slot].last_ms = now_ms;
    lru_unlink(t, slot);
    lru_push(t, slot);
}

void
conntab_remove(struct conntab *t, uint32_t i)
{
    struct centry *e = &t->ce[i];
    uint32_t *pp = &t->buckets[bucket_of(t, e)];
    while (*pp && *pp != i + 1) {
        pp = &t->ce[*pp - 1].hnext;
    }
    if (*pp) {
        *pp = e->hnext;
    }
    lru_unlink(t, i);
    conn_free(&e->c);
    e->used = false;
    e->gen++;
    e->hnext = (uint32_t) t->free_head;
    t->free_head = i + 1;
    t->n--;
}

uint64_t
conntab_cookie(const struct conntab *t, uint32_t slot)
{
    return CK_OF_KIND(CK_CONN) | CK_PUT(CK_GEN, t->ce[slot].gen)
           | CK_PUT(CK_SLOT, slot);
}

struct centry *
conntab_by_cookie(const struct conntab *t, uint32_t sw_id, uint64_t ck)
{
    if ((ck & CK_KIND_MASK_ALL) != CK_OF_KIND(CK_CONN)) {
        return NULL;
    }
    uint64_t i = CK_GET(CK_SLOT, ck);
    if (i >= t->used_top || !t->ce[i].used
        || t->ce[i].gen != CK_GET(CK_GEN, ck) || t->ce[i].sw_id != sw_id) {
        return NULL;
    }
    return &t->ce[i];
}
