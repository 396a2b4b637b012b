/* Interned IPv6 addresses (controller/addr6.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "addr6.h"

static void
mk(uint8_t a[16], uint32_t i)
{
    memset(a, 0, 16);
    a[0] = 0xfd;
    a[12] = (uint8_t) (i >> 24);
    a[13] = (uint8_t) (i >> 16);
    a[14] = (uint8_t) (i >> 8);
    a[15] = (uint8_t) i;
}

Test(addr6, same_address_same_handle_until_released)
{
    uint8_t a[16], b[16];
    mk(a, 1);
    mk(b, 2);
    cr_assert_eq(addr6_find(a), 0);
    uint32_t h = addr6_ref(a), h2 = addr6_ref(a), g = addr6_ref(b);
    cr_assert(h && g && h != g);
    cr_assert_eq(h, h2);
    cr_assert_eq(addr6_find(a), h);
    cr_assert(!memcmp(addr6_get(h), a, 16));
    addr6_unref(h);
    cr_assert_eq(addr6_find(a), h, "one reference left");
    addr6_unref(h);
    cr_assert_eq(addr6_find(a), 0);
    cr_assert_eq(addr6_find(b), g);
    addr6_unref(g);
    cr_assert_eq(addr6_live(), 0);
    addr6_unref(g);                             /* a stale handle: ignored */
    addr6_unref(0);
}

/* Many addresses in and out (tombstones, rehashing, reuse of handles):
 * every live one is found with its own bytes. */
Test(addr6, churn)
{
    enum { N = 5000 };
    static uint32_t h[N];
    uint8_t a[16];
    for (int round = 0; round < 4; round++) {
        for (uint32_t i = 0; i < N; i++) {
            mk(a, i * 7 + (uint32_t) round);
            h[i] = addr6_ref(a);
        }
        for (uint32_t i = 0; i < N; i += 2) {
            addr6_unref(h[i]);
        }
        for (uint32_t i = 0; i < N; i++) {
            mk(a, i * 7 + (uint32_t) round);
            cr_assert_eq(addr6_find(a), i % 2 ? h[i] : 0, "round %d i %u", round, i);
            if (i % 2) {
                cr_assert(!memcmp(addr6_get(h[i]), a, 16));
            }
        }
        for (uint32_t i = 1; i < N; i += 2) {
            addr6_unref(h[i]);
        }
        cr_assert_eq(addr6_live(), 0);
    }
}

/* A connection of either family as the event log names it. */
#include "conn.h"
#include "events.h"

Test(addr6, conn_names)
{
    struct conn c;
    uint8_t a[16] = { 0xfd, 0, [15] = 1 }, b[16] = { 0xfd, 0, [15] = 2 };
    conn_init(&c, addr6_ref(a), 40000, addr6_ref(b), 443);
    c.v6 = true;
    char s[128];
    ev_conn_str(&c, s, sizeof s);
    cr_assert_str_eq(s, "[fd00::1]:40000-[fd00::2]:443");
    conn_free(&c);
    cr_assert_eq(addr6_live(), 0, "conn_free gives the handles back");
    conn_init(&c, 0x0a000001, 40000, 0x0a000002, 80);
    ev_conn_str(&c, s, sizeof s);
    cr_assert_str_eq(s, "10.0.0.1:40000-10.0.0.2:80");
    conn_free(&c);
}
