/* Unit tests of the mirror analyzer's modules: interval sets (ivset.c),
 * the HTTP head walker (hwalk.c) and option parsing (analyze.c).  Whole
 * captures are tested by run.sh against golden outputs.
 *
 * The walker is fed every two-segment split of each stream, in order and
 * in reverse, because a capture may cut a head anywhere and deliver the
 * pieces in any order. */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "units.h"
#include "config.h"
#include "hex.h"
#include "hwalk.h"
#include "ivset.h"

/* ---- ivset ------------------------------------------------------------ */

static void
expect_ranges(const struct ivset *s, const uint64_t *want, size_t n)
{
    cr_assert_eq(s->n, n, "ranges: %zu, want %zu", s->n, n);
    for (size_t i = 0; i < n; i++) {
        cr_expect_eq(s->r[i].start, want[2 * i], "range %zu start", i);
        cr_expect_eq(s->r[i].end, want[2 * i + 1], "range %zu end", i);
    }
}

Test(ivset, merges_overlapping_adjacent_and_contained)
{
    struct ivset s = IVSET_INIT;

    ivset_add(&s, 10, 20);
    ivset_add(&s, 30, 40);
    ivset_add(&s, 0, 5);
    expect_ranges(&s, (uint64_t[]) { 0, 5, 10, 20, 30, 40 }, 3);
    ivset_add(&s, 20, 30);              /* adjacent on both sides */
    expect_ranges(&s, (uint64_t[]) { 0, 5, 10, 40 }, 2);
    ivset_add(&s, 12, 15);              /* contained */
    ivset_add(&s, 7, 7);                /* empty */
    expect_ranges(&s, (uint64_t[]) { 0, 5, 10, 40 }, 2);
    ivset_add(&s, 3, 50);               /* swallows everything after 3 */
    expect_ranges(&s, (uint64_t[]) { 0, 50 }, 1);
    cr_expect_eq(ivset_len(&s), 50);
    ivset_free(&s);
}

Test(ivset, queries)
{
    struct ivset s = IVSET_INIT;

    ivset_add(&s, 10, 20);
    ivset_add(&s, 30, 40);
    cr_expect_eq(ivset_count(&s, 0, 100), 20);
    cr_expect_eq(ivset_count(&s, 15, 35), 10);
    cr_expect_eq(ivset_count(&s, 20, 30), 0);
    cr_expect(ivset_covers(&s, 10, 20));
    cr_expect(ivset_covers(&s, 5, 5));
    cr_expect_not(ivset_covers(&s, 10, 21));
    cr_expect_not(ivset_covers(&s, 19, 31));
    cr_expect_eq(ivset_run_end(&s, 12), 20);
    cr_expect_eq(ivset_run_end(&s, 20), 20);
    cr_expect_eq(ivset_run_end(&s, 25), 25);
    ivset_trim_below(&s, 15);
    expect_ranges(&s, (uint64_t[]) { 15, 20, 30, 40 }, 2);
    ivset_trim_below(&s, 35);
    expect_ranges(&s, (uint64_t[]) { 35, 40 }, 1);
    ivset_trim_below(&s, 100);
    cr_expect_eq(s.n, 0);
    ivset_free(&s);
}

/* Random sets against a bitmap model. */
Test(ivset, random_against_bitmap)
{
    enum { N = 512 };
    uint32_t x = 12345;

    for (int round = 0; round < 200; round++) {
        struct ivset a = IVSET_INIT, b = IVSET_INIT, c = IVSET_INIT;
        bool ma[N] = { false }, mb[N] = { false };

        for (int i = 0; i < 20; i++) {
            x = x * 1103515245 + 12345;
            uint64_t s = (x >> 8) % N;
            x = x * 1103515245 + 12345;
            uint64_t e = s + (x >> 8) % 40;
            if (e > N) {
                e = N;
            }
            bool to_a = i % 2;
            ivset_add(to_a ? &a : &b, s, e);
            for (uint64_t k = s; k < e; k++) {
                (to_a ? ma : mb)[k] = true;
            }
        }
        uint64_t la = 0, lab = 0;
        for (int k = 0; k < N; k++) {
            la += ma[k];
            lab += ma[k] && mb[k];
        }
        cr_assert_eq(ivset_len(&a), la);
        cr_assert_eq(ivset_inter_len(&a, &b), lab);
        cr_assert_eq(ivset_intersect(&a, &b, &c), 0);
        cr_assert_eq(ivset_len(&c), lab);
        for (size_t i = 0; i < a.n; i++) {
            cr_assert_lt(a.r[i].start, a.r[i].end);
            if (i) {
                cr_assert_gt(a.r[i].start, a.r[i - 1].end, "not merged");
            }
        }
        for (int k = 0; k < N; k++) {
            cr_assert_eq(ivset_count(&a, (uint64_t) k, (uint64_t) k + 1),
                         ma[k]);
        }
        ivset_free(&a);
        ivset_free(&b);
        ivset_free(&c);
    }
}

/* ---- hwalk ------------------------------------------------------------ */

struct want_head {
    enum hwalk_dir dir;
    uint64_t start, end;
};

static struct hwalk *
walk_new(uint64_t threshold)
{
    struct hwalk *w = hwalk_create(threshold);
    cr_assert_not_null(w);
    return w;
}

static void
expect_heads(const struct hwalk *w, const struct want_head *want, size_t n)
{
    size_t got;
    const struct hwalk_head *h = hwalk_heads(w, &got);

    cr_assert_eq(got, n, "heads: %zu, want %zu", got, n);
    for (size_t i = 0; i < n; i++) {
        cr_expect_eq(h[i].dir, want[i].dir, "head %zu dir", i);
        cr_expect_eq(h[i].start, want[i].start, "head %zu start", i);
        cr_expect_eq(h[i].end, want[i].end, "head %zu end", i);
    }
}

/* Heads of one direction, in order, whatever the other direction did. */
static void
expect_dir_heads(const struct hwalk *w, enum hwalk_dir dir,
                 const uint64_t *ranges, size_t n)
{
    size_t got, k = 0;
    const struct hwalk_head *h = hwalk_heads(w, &got);

    for (size_t i = 0; i < got; i++) {
        if (h[i].dir != dir) {
            continue;
        }
        cr_assert_lt(k, n, "more heads than expected in dir %d", dir);
        cr_expect_eq(h[i].start, ranges[2 * k], "dir %d head %zu start", dir, k);
        cr_expect_eq(h[i].end, ranges[2 * k + 1], "dir %d head %zu end", dir, k);
        k++;
    }
    cr_expect_eq(k, n, "dir %d: %zu heads, want %zu", dir, k, n);
}

#define STR(s) (const uint8_t *) (s), sizeof(s) - 1

static const char REQS[] =
    "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"                         /* 0..28 */
    "HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n"                        /* ..57 */
    "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" /* ..105, 110 */
    "GET /d HTTP/1.1\r\nHost: x\r\n\r\n";                        /* ..138 */

static const char RESPS[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"            /* 0..38, 41 */
    "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n"             /* ..81 */
    "HTTP/1.1 100 Continue\r\n\r\n"                              /* ..106 */
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"    /* ..145, 155 */
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n";    /* ..203 */

static const uint64_t REQ_HEADS[] = { 0, 28, 28, 57, 57, 105, 110, 138 };
static const uint64_t RESP_HEADS[] = {
    0, 38, 41, 81, 81, 106, 106, 145, 155, 203,
};

/* Feeds 'len' bytes of 'dir' as two segments split at 'cut', the second
 * first when 'reverse'. */
static void
feed_split(struct hwalk *w, enum hwalk_dir dir, const char *s, size_t len,
           size_t cut, bool reverse)
{
    const uint8_t *b = (const uint8_t *) s;

    if (reverse) {
        hwalk_feed(w, dir, cut, b + cut, len - cut);
        hwalk_feed(w, dir, 0, b, cut);
    } else {
        hwalk_feed(w, dir, 0, b, cut);
        hwalk_feed(w, dir, cut, b + cut, len - cut);
    }
}

Test(hwalk, pairing_head_interim_and_no_body_statuses_at_every_split)
{
    size_t rl = sizeof REQS - 1, sl = sizeof RESPS - 1;

    for (int rev = 0; rev < 2; rev++) {
        for (size_t cut = 0; cut <= sl; cut++) {
            struct hwalk *w = walk_new(1000);
            /* Responses first: they wait for the requests they answer. */
            feed_split(w, HWALK_S2C, RESPS, sl, cut, rev);
            feed_split(w, HWALK_C2S, REQS, rl, cut % (rl + 1), rev);
            cr_assert_not(hwalk_end_pass(w, false));
            expect_dir_heads(w, HWALK_C2S, REQ_HEADS, 4);
            expect_dir_heads(w, HWALK_S2C, RESP_HEADS, 5);
            /* The HEAD response's Content-Length 999 is no body. */
            cr_expect_eq(ivset_len(hwalk_elidable(w)), 0);
            uint64_t off;
            cr_expect_null(hwalk_stop_reason(w, HWALK_S2C, &off));
            cr_expect_not(hwalk_partial(w, HWALK_S2C, &off));
            hwalk_destroy(w);
        }
    }
}

Test(hwalk, heads_keep_their_bytes)
{
    struct hwalk *w = walk_new(1000);
    size_t n;

    hwalk_feed(w, HWALK_C2S, 0, STR(REQS));
    const struct hwalk_head *h = hwalk_heads(w, &n);
    cr_assert_eq(n, 4);
    cr_expect_eq(memcmp(h[2].bytes, REQS + 57, 48), 0);
    hwalk_destroy(w);
}

Test(hwalk, elidable_body_at_threshold)
{
    static const char r[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"       /* 0..40 */
        "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n";       /* 140..179 */
    char buf[400];
    size_t n = 0;

    memcpy(buf, r, 40);
    memset(buf + 40, 'x', 100);
    memcpy(buf + 140, r + 40, 39);
    memset(buf + 179, 'y', 99);
    n = 179 + 99;

    struct hwalk *w = walk_new(100);
    hwalk_feed(w, HWALK_C2S, 0, STR("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"));
    hwalk_feed(w, HWALK_S2C, 0, (const uint8_t *) buf, n);
    expect_dir_heads(w, HWALK_S2C, (uint64_t[]) { 0, 40, 140, 179 }, 2);
    const struct ivset *e = hwalk_elidable(w);
    expect_ranges(e, (uint64_t[]) { 40, 140 }, 1);
    hwalk_destroy(w);
}

Test(hwalk, response_past_known_requests_waits_for_end_of_pass)
{
    struct hwalk *w = walk_new(1000);

    /* A 408 without a request: read as answering a GET once it is known
     * that no request will come. */
    hwalk_feed(w, HWALK_S2C, 0,
               STR("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n"));
    size_t n;
    hwalk_heads(w, &n);
    cr_expect_eq(n, 0);
    cr_expect_not(hwalk_end_pass(w, false));
    expect_heads(w, (struct want_head[]) { { HWALK_S2C, 0, 51 } }, 1);
    hwalk_destroy(w);
}

Test(hwalk, chunked_and_close_stop_the_response_walk)
{
    struct hwalk *w = walk_new(1000);
    uint64_t off;

    hwalk_feed(w, HWALK_C2S, 0,
               STR("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"));
    hwalk_feed(w, HWALK_S2C, 0,
               STR("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"));
    hwalk_end_pass(w, false);
    expect_dir_heads(w, HWALK_C2S, (uint64_t[]) { 0, 19, 19, 38 }, 2);
    expect_dir_heads(w, HWALK_S2C, (uint64_t[]) { 0, 47 }, 1);
    cr_expect_str_eq(hwalk_stop_reason(w, HWALK_S2C, &off),
                     "chunked response body");
    cr_expect_eq(off, 47);
    hwalk_destroy(w);

    w = walk_new(1000);
    hwalk_feed(w, HWALK_C2S, 0, STR("GET / HTTP/1.0\r\n\r\n"));
    hwalk_feed(w, HWALK_S2C, 0, STR("HTTP/1.0 200 OK\r\n\r\nbody..."));
    hwalk_end_pass(w, false);
    cr_expect_str_eq(hwalk_stop_reason(w, HWALK_S2C, &off),
                     "close-delimited response body");
    hwalk_destroy(w);
}

Test(hwalk, chunked_request_stops_requests_only)
{
    struct hwalk *w = walk_new(1000);
    uint64_t off;

    hwalk_feed(w, HWALK_C2S, 0,
               STR("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "0\r\n\r\n"));
    hwalk_feed(w, HWALK_S2C, 0,
               STR("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
                   "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    hwalk_end_pass(w, false);
    cr_expect_str_eq(hwalk_stop_reason(w, HWALK_C2S, &off),
                     "chunked request body");
    /* The second response answers a request we could not see: read as a
     * GET. */
    expect_dir_heads(w, HWALK_S2C, (uint64_t[]) { 0, 43, 43, 81 }, 2);
    hwalk_destroy(w);
}

Test(hwalk, upgrade_and_connect_end_both_walks)
{
    struct hwalk *w = walk_new(1000);
    uint64_t off;

    hwalk_feed(w, HWALK_C2S, 0,
               STR("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\n\r\n"));
    hwalk_feed(w, HWALK_S2C, 0,
               STR("HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x05hello"));
    hwalk_feed(w, HWALK_C2S, 61, STR("\x81\x85xxxxhello"));
    hwalk_end_pass(w, false);
    cr_expect_str_eq(hwalk_stop_reason(w, HWALK_S2C, &off), "tunnel");
    cr_expect_str_eq(hwalk_stop_reason(w, HWALK_C2S, &off), "tunnel");
    size_t n;
    hwalk_heads(w, &n);
    cr_expect_eq(n, 2);
    hwalk_destroy(w);

    w = walk_new(1000);
    hwalk_feed(w, HWALK_C2S, 0,
               STR("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n\x16\x03\x01"));
    cr_expect_str_eq(hwalk_stop_reason(w, HWALK_C2S, &off), "CONNECT");
    hwalk_destroy(w);
}

Test(hwalk, invalid_and_oversized_heads_stop)
{
    struct hwalk *w = walk_new(1000);
    uint64_t off;

    hwalk_feed(w, HWALK_C2S, 0, STR("\x16\x03\x01\x02\x00 TLS, not HTTP"));
    cr_expect_str_eq(hwalk_stop_reason(w, HWALK_C2S, &off),
                     "invalid request head");
    hwalk_destroy(w);

    w = walk_new(1000);
    static uint8_t big[HWALK_WINDOW + 100];
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    memset(big + 19, 'a', sizeof big - 19);
    for (size_t o = 0; o < sizeof big; o += 1000) {
        size_t n = sizeof big - o < 1000 ? sizeof big - o : 1000;
        hwalk_feed(w, HWALK_C2S, o, big + o, n);
    }
    cr_expect_str_eq(hwalk_stop_reason(w, HWALK_C2S, &off),
                     "head longer than the window");
    hwalk_destroy(w);
}

Test(hwalk, unfinished_head_is_reported)
{
    struct hwalk *w = walk_new(1000);
    uint64_t off;

    hwalk_feed(w, HWALK_C2S, 0, STR("GET / HTTP/1.1\r\n\r\nGET /x HTT"));
    hwalk_end_pass(w, false);
    cr_expect(hwalk_partial(w, HWALK_C2S, &off));
    cr_expect_eq(off, 18);
    cr_expect_null(hwalk_stop_reason(w, HWALK_C2S, &off));
    hwalk_destroy(w);
}

/* Bytes past a large body that arrive before the head announcing the body:
 * one more pass finds the second head. */
static void
feed_reordered_keepalive(struct hwalk *w, const uint8_t *s2c, size_t len,
                         size_t head1)
{
    /* Everything after the first head, then the first head. */
    for (size_t o = head1; o < len; o += 1400) {
        size_t n = len - o < 1400 ? len - o : 1400;
        hwalk_feed(w, HWALK_S2C, o, s2c + o, n);
    }
    hwalk_feed(w, HWALK_S2C, 0, s2c, head1);
}

Test(hwalk, reordering_past_the_window_takes_another_pass)
{
    static const char h1[] = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
    static const char h2[] = "HTTP/1.1 204 No Content\r\n\r\n";
    size_t l1 = sizeof h1 - 1, l2 = sizeof h2 - 1;
    size_t len = l1 + 100000 + l2;
    uint8_t *s = malloc(len);

    cr_assert_not_null(s);
    memcpy(s, h1, l1);
    memset(s + l1, 'b', 100000);
    memcpy(s + l1 + 100000, h2, l2);

    struct hwalk *w = walk_new(1000);
    hwalk_feed(w, HWALK_C2S, 0,
               STR("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"));
    feed_reordered_keepalive(w, s, len, l1);
    expect_dir_heads(w, HWALK_S2C, (uint64_t[]) { 0, l1 }, 1);
    cr_assert(hwalk_end_pass(w, false), "a second pass is needed");
    hwalk_begin_pass(w);
    /* Requests are not fed again: that direction was complete. */
    feed_reordered_keepalive(w, s, len, l1);
    cr_assert_not(hwalk_end_pass(w, false));
    expect_dir_heads(w, HWALK_S2C,
                     (uint64_t[]) { 0, l1, l1 + 100000, len }, 2);
    expect_ranges(hwalk_elidable(w), (uint64_t[]) { l1, l1 + 100000 }, 1);

    /* With no pass left, the walk ends with a reason instead. */
    struct hwalk *w2 = walk_new(1000);
    uint64_t off;
    hwalk_feed(w2, HWALK_C2S, 0,
               STR("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"));
    feed_reordered_keepalive(w2, s, len, l1);
    cr_assert_not(hwalk_end_pass(w2, true));
    cr_expect_str_eq(hwalk_stop_reason(w2, HWALK_S2C, &off),
                     "reordering beyond the window");
    hwalk_destroy(w2);
    hwalk_destroy(w);
    free(s);
}

Test(hwalk, retransmissions_and_overlaps)
{
    struct hwalk *w = walk_new(1000);
    const uint8_t *r = (const uint8_t *) REQS;

    hwalk_feed(w, HWALK_C2S, 10, r + 10, 30);
    hwalk_feed(w, HWALK_C2S, 10, r + 10, 30);
    hwalk_feed(w, HWALK_C2S, 0, r, 15);
    hwalk_feed(w, HWALK_C2S, 30, r + 30, sizeof REQS - 31);
    hwalk_feed(w, HWALK_C2S, 0, r, sizeof REQS - 1);
    expect_dir_heads(w, HWALK_C2S, REQ_HEADS, 4);
    hwalk_destroy(w);
}

/* ---- options ---------------------------------------------------------- */

/* --threshold: the controller and the analyzer share parse_size(), and
 * experiments/units.py reimplements it; tests/sizes.txt holds the cases
 * all of them are checked against (its header gives the line format). */
#define SIZES_FILE "tests/sizes.txt"

/* One line of SIZES_FILE: 0 with the case in in, *valid and *want; 1 for
 * a blank or comment line; -1 for a malformed one, which fails the test
 * rather than being skipped, so that a typo cannot drop a case. */
static int
size_case(const char *p, char *in, size_t cap, bool *valid, uint64_t *want)
{
    size_t n = 0;

    p += strspn(p, " \t");
    if (*p == '\0' || *p == '\n' || *p == '#') {
        return 1;
    }
    if (*p++ != '"') {
        return -1;
    }
    for (;;) {
        char c = *p++;
        if (c == '\0' || c == '\n') {
            return -1;
        }
        if (c == '"') {
            break;
        }
        if (c == '\\') {
            switch (*p++) {
            case '\\': c = '\\'; break;
            case '"': c = '"'; break;
            case 't': c = '\t'; break;
            case 'n': c = '\n'; break;
            case 'x': {
                int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
                /* A NUL would end the C string early but not Python's. */
                if (lo < 0 || (hi | lo) == 0) {
                    return -1;
                }
                c = (char) (hi << 4 | lo);
                p += 2;
                break;
            }
            default:
                return -1;
            }
        }
        if (n + 1 >= cap) {
            return -1;
        }
        in[n++] = c;
    }
    in[n] = '\0';
    if (*p != ' ' && *p != '\t') {
        return -1;
    }
    p += strspn(p, " \t");
    size_t len = strcspn(p, " \t\n#");
    if (len == 7 && !strncmp(p, "invalid", 7)) {
        *valid = false;
        *want = 0;
    } else {
        /* The expectation is read without parse_size(), which it checks. */
        char *end;
        if (len == 0 || strspn(p, "0123456789") != len) {
            return -1;
        }
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno || end != p + len) {
            return -1;
        }
        *valid = true;
        *want = v;
    }
    p += len;
    p += strspn(p, " \t");
    return *p == '\0' || *p == '\n' || *p == '#' ? 0 : -1;
}

Test(options, size_values)
{
    FILE *f = fopen(SIZES_FILE, "r");
    cr_assert_not_null(f, "%s: %s (the tests run from the repository root)",
                       SIZES_FILE, strerror(errno));

    char *line = NULL, in[256];
    size_t linecap = 0, n_valid = 0, n_invalid = 0;
    unsigned lineno = 0;
    while (getline(&line, &linecap, f) != -1) {
        bool valid;
        uint64_t want, v = 7;

        lineno++;
        int rc = size_case(line, in, sizeof in, &valid, &want);
        cr_expect_geq(rc, 0, "%s:%u: malformed line: %s", SIZES_FILE, lineno,
                      line);
        if (rc) {
            continue;
        }
        rc = parse_size(in, &v);
        if (valid) {
            n_valid++;
            cr_expect(rc == 0 && v == want, "%s:%u: '%s': rc %d, %" PRIu64
                      ", want %" PRIu64, SIZES_FILE, lineno, in, rc, v, want);
        } else {
            n_invalid++;
            /* A rejected value must leave the option's default alone. */
            cr_expect(rc == EINVAL && v == 7, "%s:%u: '%s': rc %d, %" PRIu64
                      ", want invalid", SIZES_FILE, lineno, in, rc, v);
        }
    }
    free(line);
    fclose(f);
    /* An emptied or truncated table must not pass. */
    cr_expect_geq(n_valid, 30, "%zu valid cases in %s", n_valid, SIZES_FILE);
    cr_expect_geq(n_invalid, 80, "%zu invalid cases in %s", n_invalid,
                  SIZES_FILE);
}

Test(options, ports_parity_with_controller)
{
    static const char *const in[] = {
        "80", "80,8080", "80,,8080", ",80", "80,", "", ",", "0", "65535",
        "65536", "80x", "-80", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
        "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
    };

    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        struct an_cfg a = { .n_http_ports = 0 };
        struct ctl_cfg c = { .n_http_ports = 0 };
        int ra = an_parse_ports(in[i], &a), rc = ctl_parse_ports(in[i], &c);
        cr_expect_eq(ra == 0, rc == 0, "'%s': %d vs controller %d", in[i],
                     ra, rc);
        if (ra == 0 && rc == 0) {
            cr_expect_eq(a.n_http_ports, c.n_http_ports, "'%s'", in[i]);
            for (size_t k = 0; k < a.n_http_ports; k++) {
                cr_expect_eq(a.http_ports[k], c.http_ports[k]);
            }
        }
    }
}

Test(options, endpoints)
{
    struct an_cfg c = { .n_http_ports = 0 };

    cr_assert_eq(an_parse_endpoint("192.0.2.1:80", &c), 0);
    cr_expect_eq(c.filter_ipver, 4);
    cr_expect_eq(c.filter_port, 80);
    cr_expect_eq(memcmp(c.filter_ip, (uint8_t[]) { 192, 0, 2, 1 }, 4), 0);
    cr_assert_eq(an_parse_endpoint("[2001:db8::2]:8080", &c), 0);
    cr_expect_eq(c.filter_ipver, 6);
    cr_expect_eq(c.filter_port, 8080);
    cr_expect_eq(c.filter_ip[15], 2);
    cr_expect_eq(an_parse_endpoint("2001:db8::2:8080", &c), -1,
                 "IPv6 needs brackets");
    cr_expect_eq(an_parse_endpoint("192.0.2.1", &c), -1);
    cr_expect_eq(an_parse_endpoint("192.0.2.1:", &c), -1);
    cr_expect_eq(an_parse_endpoint("192.0.2.1:0", &c), -1);
    cr_expect_eq(an_parse_endpoint("192.0.2.1:65536", &c), -1);
    cr_expect_eq(an_parse_endpoint("host:80", &c), -1);
    cr_expect_eq(an_parse_endpoint(":80", &c), -1);
}
