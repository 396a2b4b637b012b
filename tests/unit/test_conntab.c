/* Unit tests for the connection table (controller/conntab.c): lookup,
 * the LRU order that eviction and expiry walk, slot reuse and the
 * cookies that name a slot's current connection only. */
#include <criterion/criterion.h>

#include "conntab.h"

#define IP(n) (0x0a000000u | (n))

Test(conntab, insert_find_remove)
{
    struct conntab t;
    cr_assert_eq(conntab_init(&t, 8), 0);
    uint32_t a = conntab_insert(&t, 1, false, IP(1), 40000, IP(2), 80);
    uint32_t b = conntab_insert(&t, 1, false, IP(1), 40001, IP(2), 80);
    cr_assert_neq(a, b);
    cr_assert_eq(conntab_find(&t, 1, false, IP(1), 40000, IP(2), 80), a + 1);
    cr_assert_eq(conntab_find(&t, 1, false, IP(1), 40001, IP(2), 80), b + 1);
    /* Another session, or the reverse tuple, is another connection. */
    cr_assert_eq(conntab_find(&t, 2, false, IP(1), 40000, IP(2), 80), 0);
    cr_assert_eq(conntab_find(&t, 1, false, IP(2), 80, IP(1), 40000), 0);
    cr_assert_eq(t.ce[a].c.cli_port, 40000);
    conntab_remove(&t, a);
    cr_assert_eq(conntab_find(&t, 1, false, IP(1), 40000, IP(2), 80), 0);
    cr_assert_eq(conntab_find(&t, 1, false, IP(1), 40001, IP(2), 80), b + 1);
    cr_assert_eq(t.n, 1);
    conntab_destroy(&t);
}

Test(conntab, lru_order_and_touch)
{
    struct conntab t;
    cr_assert_eq(conntab_init(&t, 4), 0);
    uint32_t s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = conntab_insert(&t, 1, false, IP(1), (uint16_t) (1000 + i), IP(2), 80);
    }
    cr_assert(conntab_full(&t));
    cr_assert_eq(conntab_oldest(&t), s[0] + 1);
    conntab_touch(&t, s[0], 5);
    conntab_touch(&t, s[2], 6);
    /* Oldest first: 1, 3, 0, 2. */
    uint32_t want[4] = { s[1], s[3], s[0], s[2] };
    uint32_t idx = conntab_oldest(&t);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(idx, want[i] + 1, "position %d", i);
        idx = conntab_newer(&t, idx - 1);
    }
    cr_assert_eq(idx, 0);
    cr_assert_eq(t.ce[s[2]].last_ms, 6);
    /* Removing from the middle keeps the list whole. */
    conntab_remove(&t, s[3]);
    cr_assert(!conntab_full(&t));
    cr_assert_eq(conntab_oldest(&t), s[1] + 1);
    cr_assert_eq(conntab_newer(&t, s[1]), s[0] + 1);
    conntab_destroy(&t);
}

/* A reused slot gets another generation: cookies of the connection that
 * held it (a late FLOW_REMOVED, a stats reply) name nothing. */
Test(conntab, cookies_name_the_current_connection_only)
{
    struct conntab t;
    cr_assert_eq(conntab_init(&t, 2), 0);
    uint32_t a = conntab_insert(&t, 7, false, IP(1), 40000, IP(2), 80);
    uint64_t ck = conntab_cookie(&t, a);
    cr_assert_eq(CK_GET(CK_KIND, ck), CK_CONN);
    cr_assert_eq(CK_GET(CK_SLOT, ck), a);
    uint64_t with_bits = ck | CK_PUT(CK_DIR, 1) | CK_PUT(CK_ELIDE, 1)
                         | CK_PUT(CK_ESEQ, 5);
    cr_assert_eq(conntab_by_cookie(&t, 7, with_bits), &t.ce[a]);
    cr_assert_null(conntab_by_cookie(&t, 8, ck), "another session's");
    cr_assert_null(conntab_by_cookie(&t, 7, ck ^ CK_PUT(CK_KIND, 3)));
    cr_assert_null(conntab_by_cookie(&t, 7, CK_OF_KIND(CK_CONN)
                                             | CK_PUT(CK_SLOT, 1000)),
                   "a slot beyond the table");
    conntab_remove(&t, a);
    cr_assert_null(conntab_by_cookie(&t, 7, ck), "a free slot");
    uint32_t b = conntab_insert(&t, 7, false, IP(1), 40001, IP(2), 80);
    cr_assert_eq(b, a, "the free slot is reused");
    cr_assert_null(conntab_by_cookie(&t, 7, ck), "the old generation");
    cr_assert_eq(conntab_by_cookie(&t, 7, conntab_cookie(&t, b)), &t.ce[b]);
    conntab_destroy(&t);
}

/* The install sequence per direction wraps in its 3 cookie bits. */
Test(conntab, install_sequence_wraps_in_its_field)
{
    struct conntab t;
    cr_assert_eq(conntab_init(&t, 1), 0);
    uint32_t a = conntab_insert(&t, 1, false, IP(1), 40000, IP(2), 80);
    struct centry *e = &t.ce[a];
    for (unsigned i = 1; i <= 20; i++) {
        cr_assert_eq(centry_next_eseq(e, S2C), i % 8);
    }
    cr_assert_eq(centry_eseq(e, C2S), 0, "the other direction's own");
    conntab_destroy(&t);
}
