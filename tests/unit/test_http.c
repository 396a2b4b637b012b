/* Unit tests for the HTTP/1.1 head parser (controller/http.c).
 *
 * Every fixture is fed at every prefix length, each prefix copied into a
 * heap block of exactly that size so that AddressSanitizer catches any read
 * past the end (picohttpparser's test discipline).  A valid fixture must
 * give -2 until its head is complete and then the exact result; an invalid
 * one must give -2 until its offending byte is visible and -1 from then on.
 * http_find_head_end is checked on the same prefixes, from scratch and
 * resumed the way http.h documents. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

/* A string literal and its length, embedded NULs included. */
#define S(lit) lit, sizeof(lit) - 1

struct want_req {
    const char *method, *target;
    int minor;
    enum http_framing framing;
    uint64_t content_length;
    unsigned anomalies;
    bool is_head, is_connect, expect_continue, conn_close;
};

/* Returns a heap copy of s[0..n) in a block of exactly n bytes. */
static uint8_t *
exact(const char *s, size_t n)
{
    uint8_t *b = malloc(n);
    cr_assert(n == 0 || b != NULL);
    if (n > 0) {
        memcpy(b, s, n);
    }
    return b;
}

static const char *
anomalies(unsigned a)
{
    static char buf[128];
    return http_anomalies_str(a, buf, sizeof buf);
}

/* Grows a buffer 'step' bytes at a time, resuming http_find_head_end at
 * len - 3 after each miss, and checks it stops exactly at 'head_len'. */
static void
check_find_resumed(const char *s, size_t len, size_t head_len)
{
    static const size_t steps[] = { 1, 2, 3, 5, 16, 1460 };

    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        size_t n = 0, from = 0;
        if (len / steps[k] > 4096) {
            continue;       /* copying every small step would be quadratic */
        }
        long got;
        for (;;) {
            uint8_t *b = exact(s, n);
            got = http_find_head_end(b, n, from);
            free(b);
            if (got >= 0 || n == len) {
                break;
            }
            from = n >= 3 ? n - 3 : 0;
            n = n + steps[k] > len ? len : n + steps[k];
        }
        cr_assert_eq(got, (long) head_len, "step %zu: found %ld, want %zu",
                     steps[k], got, head_len);
    }
}

/* Checks a valid response whose head is s[0..head_len). */
static void
resp_ok(const char *s, size_t len, size_t head_len, bool req_head,
        bool req_connect, struct http_response want)
{
    for (size_t n = 0; n <= len; n++) {
        uint8_t *b = exact(s, n);
        struct http_response r;
        int got = http_parse_response(b, n, req_head, req_connect, &r);
        long end = http_find_head_end(b, n, 0);
        free(b);
        if (n < head_len) {
            cr_assert_eq(got, -2, "prefix %zu/%zu: %d", n, head_len, got);
            cr_assert_eq(end, -1, "prefix %zu/%zu: end %ld", n, head_len,
                         end);
            continue;
        }
        cr_assert_eq(got, (int) head_len, "len %zu: %d, want %zu", n, got,
                     head_len);
        cr_assert_eq(end, (long) head_len);
        cr_assert_eq(r.status, want.status);
        cr_assert_eq(r.minor_version, want.minor_version);
        cr_assert_eq(r.framing, want.framing, "framing %s, want %s",
                     http_framing_str(r.framing),
                     http_framing_str(want.framing));
        cr_assert_eq(r.content_length, want.content_length, "cl %llu",
                     (unsigned long long) r.content_length);
        cr_assert_eq(r.anomalies, want.anomalies, "anomalies '%s'",
                     anomalies(r.anomalies));
        cr_assert_eq(r.conn_close, want.conn_close);
    }
    check_find_resumed(s, len, head_len);
}

/* Checks a valid request whose head is s[0..head_len). */
static void
req_ok(const char *s, size_t len, size_t head_len, struct want_req want)
{
    for (size_t n = 0; n <= len; n++) {
        uint8_t *b = exact(s, n);
        struct http_request r;
        int got = http_parse_request(b, n, &r);
        long end = http_find_head_end(b, n, 0);
        if (n < head_len) {
            free(b);
            cr_assert_eq(got, -2, "prefix %zu/%zu: %d", n, head_len, got);
            cr_assert_eq(end, -1, "prefix %zu/%zu: end %ld", n, head_len,
                         end);
            continue;
        }
        cr_assert_eq(got, (int) head_len, "len %zu: %d, want %zu", n, got,
                     head_len);
        cr_assert_eq(end, (long) head_len);
        /* Results point into the caller's buffer. */
        cr_assert((const uint8_t *) r.method >= b
                  && (const uint8_t *) r.target + r.target_len <= b + n);
        cr_assert_eq(r.method_len, strlen(want.method));
        cr_assert(!memcmp(r.method, want.method, r.method_len));
        cr_assert_eq(r.target_len, strlen(want.target));
        cr_assert(!memcmp(r.target, want.target, r.target_len));
        free(b);
        cr_assert_eq(r.minor_version, want.minor);
        cr_assert_eq(r.framing, want.framing, "framing %s, want %s",
                     http_framing_str(r.framing),
                     http_framing_str(want.framing));
        cr_assert_eq(r.content_length, want.content_length);
        cr_assert_eq(r.anomalies, want.anomalies, "anomalies '%s'",
                     anomalies(r.anomalies));
        cr_assert_eq(r.is_head, want.is_head);
        cr_assert_eq(r.is_connect, want.is_connect);
        cr_assert_eq(r.expect_continue, want.expect_continue);
        cr_assert_eq(r.conn_close, want.conn_close);
    }
    check_find_resumed(s, len, head_len);
}

/* Checks that an invalid head gives -2 until s[bad] is visible, then -1. */
static void
bad(bool response, const char *s, size_t len, size_t bad_at)
{
    cr_assert_lt(bad_at, len);
    for (size_t n = 0; n <= len; n++) {
        uint8_t *b = exact(s, n);
        struct http_response resp;
        struct http_request req;
        int got = response ? http_parse_response(b, n, false, false, &resp)
                           : http_parse_request(b, n, &req);
        free(b);
        cr_assert_eq(got, n > bad_at ? -1 : -2, "prefix %zu (bad at %zu): %d",
                     n, bad_at, got);
    }
}

/* Offset of the first occurrence of 'needle' in s[0..len). */
static size_t
at(const char *s, size_t len, const char *needle)
{
    const char *p = needle[0] == '\0' ? memchr(s, '\0', len)
                                      : memmem(s, len, needle, strlen(needle));
    cr_assert_not_null(p, "'%s' not in fixture", needle);
    return (size_t) (p - s);
}

#define RESP_OK(lit, ...) resp_ok(S(lit), sizeof(lit) - 1, __VA_ARGS__)
#define REQ_OK(lit, ...) req_ok(S(lit), sizeof(lit) - 1, __VA_ARGS__)
#define RESP_V(v, ...) \
    ((struct http_response) { .minor_version = v, __VA_ARGS__ })
#define RESP(...) RESP_V(1, __VA_ARGS__)
#define REQ_V(v, ...) ((struct want_req) { .minor = v, __VA_ARGS__ })
#define REQ(...) REQ_V(1, __VA_ARGS__)
#define BAD_RESP(lit, needle) bad(true, S(lit), at(S(lit), needle))
#define BAD_REQ(lit, needle) bad(false, S(lit), at(S(lit), needle))

/* Responses. */

Test(http_response, nginx_large_content_length)
{
    RESP_OK("HTTP/1.1 200 OK\r\n"
            "Server: nginx/1.22.1\r\n"
            "Date: Mon, 06 May 2024 10:00:00 GMT\r\n"
            "Content-Type: application/octet-stream\r\n"
            "Content-Length: 36000000\r\n"
            "Last-Modified: Mon, 06 May 2024 09:00:00 GMT\r\n"
            "Connection: keep-alive\r\n"
            "ETag: \"6638a0d0-2255100\"\r\n"
            "Accept-Ranges: bytes\r\n"
            "\r\n",
            false, false,
            RESP(.status = 200, .framing = HTTP_BODY_LENGTH,
                 .content_length = 36000000));
}

Test(http_response, body_bytes_after_head_are_not_parsed)
{
    static const char s[] = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n"
                            "\0\r\n\r\nx \x7f";
    resp_ok(s, sizeof s - 1, sizeof s - 1 - 8, false, false,
            RESP(.status = 200, .framing = HTTP_BODY_LENGTH,
                 .content_length = 8));
}

Test(http_response, chunked)
{
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
            "Transfer-Encoding: chunked\r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_CHUNKED));
}

Test(http_response, te_final_coding_decides)
{
    RESP_OK("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n",
            false, false, RESP(.status = 200, .framing = HTTP_BODY_CHUNKED));
    RESP_OK("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
            false, false, RESP(.status = 200, .framing = HTTP_BODY_CHUNKED));
    /* RFC 9112 6.3 item 4: not chunked last, so read until close. */
    RESP_OK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
            "Transfer-Encoding: gzip\r\n\r\n",
            false, false, RESP(.status = 200, .framing = HTTP_BODY_CLOSE));
    RESP_OK("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            false, false, RESP(.status = 200, .framing = HTTP_BODY_CLOSE));
}

Test(http_response, no_body_statuses_ignore_content_length)
{
    RESP_OK("HTTP/1.1 204 No Content\r\nContent-Length: 36000000\r\n\r\n",
            false, false, RESP(.status = 204, .framing = HTTP_BODY_NONE,
                               .content_length = 36000000));
    RESP_OK("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n"
            "Content-Length: 36000000\r\n\r\n",
            false, false, RESP(.status = 304, .framing = HTTP_BODY_NONE,
                               .content_length = 36000000));
}

Test(http_response, head_response)
{
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Length: 36000000\r\n\r\n",
            true, false, RESP(.status = 200, .framing = HTTP_BODY_NONE,
                              .content_length = 36000000));
}

Test(http_response, anomalies_recorded_but_no_body)
{
    RESP_OK("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n"
            "Transfer-Encoding: chunked\r\n\r\n", false, false,
            RESP(.status = 204, .framing = HTTP_BODY_NONE,
                 .content_length = 5, .anomalies = HTTP_A_CL_TE));
}

Test(http_response, informational)
{
    RESP_OK("HTTP/1.1 100 Continue\r\n\r\n", false, false,
            RESP(.status = 100, .framing = HTTP_BODY_NONE));
    RESP_OK("HTTP/1.1 103 Early Hints\r\n"
            "Link: </style.css>; rel=preload; as=style\r\n\r\n", false, false,
            RESP(.status = 103, .framing = HTTP_BODY_NONE));
}

Test(http_response, switching_protocols)
{
    RESP_OK("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            false, false, RESP(.status = 101, .framing = HTTP_BODY_TUNNEL));
}

Test(http_response, connect)
{
    RESP_OK("HTTP/1.1 200 Connection Established\r\n\r\n", false, true,
            RESP(.status = 200, .framing = HTTP_BODY_TUNNEL));
    /* Any 2xx to CONNECT is a tunnel, 204 included (RFC 9110 9.3.6): a
     * 204 tested as "no body" first would leave the tunnel parsed as
     * HTTP. */
    RESP_OK("HTTP/1.1 204 No Content\r\n\r\n", false, true,
            RESP(.status = 204, .framing = HTTP_BODY_TUNNEL));
    RESP_OK("HTTP/1.1 206 Partial Content\r\nContent-Length: 36000000\r\n\r\n",
            false, true, RESP(.status = 206, .framing = HTTP_BODY_TUNNEL,
                              .content_length = 36000000));
    /* A 1xx to CONNECT is interim; the final answer decides. */
    RESP_OK("HTTP/1.1 100 Continue\r\n\r\n", false, true,
            RESP(.status = 100, .framing = HTTP_BODY_NONE));
    /* A refused CONNECT is an ordinary response. */
    RESP_OK("HTTP/1.1 407 Proxy Authentication Required\r\n"
            "Content-Length: 12\r\n\r\n", false, true,
            RESP(.status = 407, .framing = HTTP_BODY_LENGTH,
                 .content_length = 12));
}

Test(http_response, cl_and_te)
{
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Length: 36000000\r\n"
            "Transfer-Encoding: chunked\r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_UNTRUSTED,
                 .content_length = 36000000, .anomalies = HTTP_A_CL_TE));
}

Test(http_response, differing_content_lengths)
{
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
            "Content-Length: 36000000\r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_UNTRUSTED,
                 .content_length = 10, .anomalies = HTTP_A_CL_CONFLICT));
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Length: 10, 36000000\r\n\r\n",
            false, false,
            RESP(.status = 200, .framing = HTTP_BODY_UNTRUSTED,
                 .content_length = 10, .anomalies = HTTP_A_CL_CONFLICT));
}

Test(http_response, identical_content_lengths)
{
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n"
            "content-length: 42\r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_LENGTH,
                 .content_length = 42, .anomalies = HTTP_A_CL_DUPLICATE));
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Length: 42,42 , 42\r\n\r\n",
            false, false,
            RESP(.status = 200, .framing = HTTP_BODY_LENGTH,
                 .content_length = 42, .anomalies = HTTP_A_CL_DUPLICATE));
}

Test(http_response, content_length_values)
{
    static const struct {
        const char *value;
        enum http_framing framing;
        uint64_t cl;
        unsigned anomalies;
    } cases[] = {
        { "+10", HTTP_BODY_UNTRUSTED, 0, HTTP_A_CL_INVALID },
        { "1 0", HTTP_BODY_UNTRUSTED, 0, HTTP_A_CL_INVALID },
        { "", HTTP_BODY_UNTRUSTED, 0, HTTP_A_CL_INVALID },
        { "abc", HTTP_BODY_UNTRUSTED, 0, HTTP_A_CL_INVALID },
        { "-1", HTTP_BODY_UNTRUSTED, 0, HTTP_A_CL_INVALID },
        { "0x10", HTTP_BODY_UNTRUSTED, 0, HTTP_A_CL_INVALID },
        { "42,", HTTP_BODY_UNTRUSTED, 42, HTTP_A_CL_INVALID },
        { "99999999999999999999", HTTP_BODY_UNTRUSTED, 0, HTTP_A_CL_OVERFLOW },
        { "9223372036854775808", HTTP_BODY_UNTRUSTED, 0, HTTP_A_CL_OVERFLOW },
        { "9223372036854775807", HTTP_BODY_LENGTH, INT64_MAX, 0 },
        { "007", HTTP_BODY_UNTRUSTED, 7, HTTP_A_CL_LEADING_ZERO },
        { "0", HTTP_BODY_LENGTH, 0, 0 },
        { "\t 5 \t", HTTP_BODY_LENGTH, 5, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char s[128];
        int n = snprintf(s, sizeof s, "HTTP/1.1 200 OK\r\n"
                         "Content-Length: %s\r\n\r\n", cases[i].value);
        cr_log_info("Content-Length: '%s'", cases[i].value);
        resp_ok(s, (size_t) n, (size_t) n, false, false,
                RESP(.status = 200, .framing = cases[i].framing,
                     .content_length = cases[i].cl,
                     .anomalies = cases[i].anomalies));
    }
}

Test(http_response, obs_fold)
{
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Folded: a\r\n"
            " b\r\n\tc\r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_UNTRUSTED,
                 .content_length = 10, .anomalies = HTTP_A_OBS_FOLD));
}

/* Found by the differential test (fuzz/DIFFERENTIAL.md): libhtp ends a
 * response head at a line of SP LF, which is a fold to http.c, so even a
 * response without a body leaves the next head's start uncertain; the
 * fold made that response "none" and the connection went on being
 * parsed (RFC 9112 5.2). */
Test(http_response, obs_fold_without_body)
{
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n \nX: y\r\n\r\n",
            true, false, RESP(.status = 200, .framing = HTTP_BODY_UNTRUSTED,
                              .content_length = 5,
                              .anomalies = HTTP_A_OBS_FOLD));
    RESP_OK("HTTP/1.1 204 No Content\r\nX: a\r\n\tb\r\n\r\n", false, false,
            RESP(.status = 204, .framing = HTTP_BODY_UNTRUSTED,
                 .anomalies = HTTP_A_OBS_FOLD));
    RESP_OK("HTTP/1.1 304 Not Modified\r\nX: a\r\n b\r\n\r\n", false, false,
            RESP(.status = 304, .framing = HTTP_BODY_UNTRUSTED,
                 .anomalies = HTTP_A_OBS_FOLD));
    RESP_OK("HTTP/1.1 103 Early Hints\r\nLink: a\r\n b\r\n\r\n", false, false,
            RESP(.status = 103, .framing = HTTP_BODY_UNTRUSTED,
                 .anomalies = HTTP_A_OBS_FOLD));
    RESP_OK("HTTP/1.1 101 Switching Protocols\r\nUpgrade: a\r\n b\r\n\r\n",
            false, false, RESP(.status = 101, .framing = HTTP_BODY_UNTRUSTED,
                               .anomalies = HTTP_A_OBS_FOLD));
    RESP_OK("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", false, true,
            RESP(.status = 200, .framing = HTTP_BODY_UNTRUSTED,
                 .anomalies = HTTP_A_OBS_FOLD));
}

/* RFC 9112 7.1: parameters on chunked SHOULD be treated as an error;
 * http.c used to take "chunked;x=1" as chunked, where http-parser reads
 * the response until close (found by the differential test). */
Test(http_response, chunked_with_parameters)
{
    RESP_OK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;x=1\r\n\r\n",
            false, false, RESP(.status = 200, .framing = HTTP_BODY_UNTRUSTED,
                               .anomalies = HTTP_A_TE_NOT_CHUNKED));
    RESP_OK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked ; x\r\n\r\n",
            false, false, RESP(.status = 200, .framing = HTTP_BODY_UNTRUSTED,
                               .anomalies = HTTP_A_TE_NOT_CHUNKED));
    /* An error anywhere in the list, even before a final plain chunked. */
    RESP_OK("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;x, chunked\r\n\r\n",
            false, false, RESP(.status = 200, .framing = HTTP_BODY_UNTRUSTED,
                               .anomalies = HTTP_A_TE_NOT_CHUNKED));
    /* Without a body it frames nothing (RFC 9112 6.3 item 1). */
    RESP_OK("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked;x\r\n\r\n",
            false, false, RESP(.status = 304, .framing = HTTP_BODY_NONE,
                               .anomalies = HTTP_A_TE_NOT_CHUNKED));
    /* Parameters on another coding are that coding's business. */
    RESP_OK("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip;q=1, chunked\r\n\r\n",
            false, false, RESP(.status = 200, .framing = HTTP_BODY_CHUNKED));
}

Test(http_response, bare_lf)
{
    RESP_OK("HTTP/1.1 200 OK\nContent-Length: 36000000\n"
            "Server: x\r\n\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_LENGTH,
                 .content_length = 36000000));
    RESP_OK("HTTP/1.1 200 OK\nContent-Length: 3\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_LENGTH,
                 .content_length = 3));
}

Test(http_response, http10)
{
    RESP_OK("HTTP/1.0 200 OK\r\nContent-Length: 36000000\r\n\r\n",
            false, false, RESP_V(0, .status = 200,
                               .framing = HTTP_BODY_LENGTH,
                               .content_length = 36000000,
                               .conn_close = true));
    RESP_OK("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
            "Content-Length: 36000000\r\n\r\n",
            false, false, RESP_V(0, .status = 200,
                               .framing = HTTP_BODY_LENGTH,
                               .content_length = 36000000));
    RESP_OK("HTTP/1.0 200 OK\r\n\r\n", false, false,
            RESP_V(0, .status = 200,
                 .framing = HTTP_BODY_CLOSE, .conn_close = true));
    /* RFC 9112 6.1: TE in an HTTP/1.0 message means faulty framing. */
    RESP_OK("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            false, false, RESP_V(0, .status = 200,
                               .framing = HTTP_BODY_UNTRUSTED,
                               .anomalies = HTTP_A_TE_NOT_CHUNKED,
                               .conn_close = true));
}

Test(http_response, connection_close)
{
    RESP_OK("HTTP/1.1 200 OK\r\nConnection: keep-alive, CLOSE\r\n"
            "Content-Length: 1\r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_LENGTH,
                 .content_length = 1, .conn_close = true));
    RESP_OK("HTTP/1.1 200 OK\r\nConnection: closed\r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_CLOSE));
}

Test(http_response, names_and_tokens_match_whole)
{
    RESP_OK("HTTP/1.1 200 OK\r\nContent-Lengt: 5\r\nConnection: clos\r\n"
            "Transfer-Encodings: chunked\r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_CLOSE));
    REQ_OK("POST / HTTP/1.1\r\nTransfer-Encoding: chunk\r\n"
           "Expect: 100-continu\r\n\r\n",
           REQ(.method = "POST", .target = "/",
               .framing = HTTP_BODY_UNTRUSTED,
               .anomalies = HTTP_A_TE_NOT_CHUNKED));
}

Test(http_response, status_line_variants)
{
    RESP_OK("HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_LENGTH,
                 .content_length = 1));
    RESP_OK("HTTP/1.1 200 \r\n\r\n", false, false,
            RESP(.status = 200, .framing = HTTP_BODY_CLOSE));
    RESP_OK("HTTP/1.1 599 Odd\tbut \xe2\x9c\x93 ok\r\n\r\n", false, false,
            RESP(.status = 599, .framing = HTTP_BODY_CLOSE));
    /* RFC 9112 2.5: a higher minor version is handled as 1.1. */
    RESP_OK("HTTP/1.2 200 OK\r\n\r\n", false, false,
            RESP_V(2, .status = 200,
                 .framing = HTTP_BODY_CLOSE));
}

Test(http_response, invalid)
{
    BAD_RESP("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n", " :");
    BAD_RESP("HTTP/1.1 200 OK\r\nContent-Length\t: 5\r\n\r\n", "\t:");
    BAD_RESP("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", "\0");
    BAD_RESP("HTTP/1.1 200 OK\r\nX\0: ab\r\n\r\n", "\0");
    BAD_RESP("HTTP/1.1 200 \0OK\r\n\r\n", "\0");
    BAD_RESP("HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", "\x01");
    BAD_RESP("HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", "\x7f");
    BAD_RESP("HTTP/1.1 200 OK\r\nX: a\rY: b\r\n\r\n", "Y");
    BAD_RESP("HTTP/1.1 200 OK\r\n\rX: a\r\n\r\n", "X");
    BAD_RESP("HTTP/1.1 200 OK\r\n: a\r\n\r\n", ": a");
    BAD_RESP("HTTP/1.1 200 OK\r\n Content-Length: 5\r\n\r\n", " Content");
    BAD_RESP("HTTP/2.0 200 OK\r\n\r\n", "2.0");
    BAD_RESP("http/1.1 200 OK\r\n\r\n", "http");
    BAD_RESP("HTTP/1.1 20 OK\r\n\r\n", " OK");
    BAD_RESP("HTTP/1.1 2000 OK\r\n\r\n", "0 OK");
    BAD_RESP("HTTP/1.1 099 OK\r\n\r\n", "099");
    BAD_RESP("HTTP/1.1  200 OK\r\n\r\n", " 200");
    BAD_RESP("\r\nHTTP/1.1 200 OK\r\n\r\n", "\r");
}

/* Requests. */

Test(http_request, get)
{
    REQ_OK("GET /index.html?q=a%20b&x=1 HTTP/1.1\r\nHost: example.com\r\n"
           "User-Agent: curl/8.0\r\nAccept: */*\r\n\r\n",
           REQ(.method = "GET", .target = "/index.html?q=a%20b&x=1",
               .framing = HTTP_BODY_NONE));
}

Test(http_request, head)
{
    REQ_OK("HEAD /big.iso HTTP/1.1\r\nHost: example.com\r\n\r\n",
           REQ(.method = "HEAD", .target = "/big.iso",
               .framing = HTTP_BODY_NONE, .is_head = true));
    /* RFC 9110 9.1: methods are case-sensitive, so this is not HEAD. */
    REQ_OK("head / HTTP/1.1\r\n\r\n",
           REQ(.method = "head", .target = "/",
               .framing = HTTP_BODY_NONE));
}

Test(http_request, connect)
{
    REQ_OK("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
           REQ(.method = "CONNECT", .target = "example.com:443",
               .framing = HTTP_BODY_NONE, .is_connect = true));
}

Test(http_request, post_content_length)
{
    static const char s[] = "POST /upload HTTP/1.1\r\nHost: h\r\n"
                            "Content-Length: 5\r\n\r\nhello";
    req_ok(S(s), sizeof s - 1 - 5,
           REQ(.method = "POST", .target = "/upload",
               .framing = HTTP_BODY_LENGTH, .content_length = 5));
    REQ_OK("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
           REQ(.method = "POST", .target = "/",
               .framing = HTTP_BODY_LENGTH, .content_length = 0));
}

Test(http_request, post_chunked)
{
    REQ_OK("POST /upload HTTP/1.1\r\nHost: h\r\n"
           "Transfer-Encoding: chunked\r\n\r\n",
           REQ(.method = "POST", .target = "/upload",
               .framing = HTTP_BODY_CHUNKED));
}

Test(http_request, te_not_chunked)
{
    REQ_OK("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
           REQ(.method = "POST", .target = "/",
               .framing = HTTP_BODY_UNTRUSTED,
               .anomalies = HTTP_A_TE_NOT_CHUNKED));
    REQ_OK("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
           REQ(.method = "POST", .target = "/",
               .framing = HTTP_BODY_UNTRUSTED,
               .anomalies = HTTP_A_TE_NOT_CHUNKED));
}

/* RFC 9112 7.1, as for responses (chunked_with_parameters). */
Test(http_request, chunked_with_parameters)
{
    REQ_OK("POST / HTTP/1.1\r\nTransfer-Encoding: chunked;x=1\r\n\r\n",
           REQ(.method = "POST", .target = "/",
               .framing = HTTP_BODY_UNTRUSTED,
               .anomalies = HTTP_A_TE_NOT_CHUNKED));
}

Test(http_request, cl_and_te)
{
    REQ_OK("POST / HTTP/1.1\r\nContent-Length: 4\r\n"
           "Transfer-Encoding: chunked\r\n\r\n",
           REQ(.method = "POST", .target = "/",
               .framing = HTTP_BODY_UNTRUSTED, .content_length = 4,
               .anomalies = HTTP_A_CL_TE));
}

Test(http_request, expect_continue)
{
    REQ_OK("PUT /f HTTP/1.1\r\nExpect: 100-Continue\r\n"
           "Content-Length: 36000000\r\n\r\n",
           REQ(.method = "PUT", .target = "/f", .framing = HTTP_BODY_LENGTH,
               .content_length = 36000000, .expect_continue = true));
}

Test(http_request, connection)
{
    REQ_OK("GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
           REQ(.method = "GET", .target = "/", .framing = HTTP_BODY_NONE,
               .conn_close = true));
    REQ_OK("GET / HTTP/1.0\r\n\r\n",
           REQ_V(0, .method = "GET", .target = "/",
               .framing = HTTP_BODY_NONE, .conn_close = true));
    REQ_OK("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
           REQ_V(0, .method = "GET", .target = "/",
               .framing = HTTP_BODY_NONE));
}

Test(http_request, obs_fold)
{
    REQ_OK("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
           REQ(.method = "GET", .target = "/",
               .framing = HTTP_BODY_UNTRUSTED, .anomalies = HTTP_A_OBS_FOLD));
}

Test(http_request, leading_empty_lines)
{
    REQ_OK("\r\n\nGET / HTTP/1.1\r\n\r\n",
           REQ(.method = "GET", .target = "/", .framing = HTTP_BODY_NONE));
    REQ_OK("\r\n\r\n\r\n\r\nGET / HTTP/1.1\nHost: h\n\n",
           REQ(.method = "GET", .target = "/", .framing = HTTP_BODY_NONE));
    /* The fifth empty line is one too many. */
    bad(false, S("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"), 9);
}

Test(http_request, pipelined)
{
    static const char s[] = "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n"
                            "GET /b HTTP/1.1\r\nHost: example.com\r\n\r\n";
    size_t first = (sizeof s - 1) / 2;

    req_ok(S(s), first, REQ(.method = "GET", .target = "/a",
                            .framing = HTTP_BODY_NONE));
    req_ok(s + first, sizeof s - 1 - first, sizeof s - 1 - first,
           REQ(.method = "GET", .target = "/b", .framing = HTTP_BODY_NONE));
}

Test(http_request, invalid)
{
    BAD_REQ("GET  / HTTP/1.1\r\n\r\n", " / ");
    BAD_REQ("GET / HTTP/1.1 \r\n\r\n", " \r");
    BAD_REQ("GET /\x01 HTTP/1.1\r\n\r\n", "\x01");
    BAD_REQ("GET /\x7f HTTP/1.1\r\n\r\n", "\x7f");
    BAD_REQ(" / HTTP/1.1\r\n\r\n", " ");
    BAD_REQ("G(T / HTTP/1.1\r\n\r\n", "(");
    BAD_REQ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", " :");
    BAD_REQ("GET / HTTP/1.1\r\nHost: h\0\r\n\r\n", "\0");
    BAD_REQ("GET / HTTP/1.1\r\n\tHost: h\r\n\r\n", "\t");
    BAD_REQ("GET / HTTP/1.1\r\r\n\r\n", "\r\n");
    BAD_REQ("GET / HTTP/1.x\r\n\r\n", "x");
    BAD_REQ("GET / FTP/1.1\r\n\r\n", "F");
    BAD_REQ("GET /\r\n\r\n", "\r");
}

/* Sizes. */

Test(http_size, many_fields_64k)
{
    size_t cap = 70 * 1024, n = 0;
    char *s = malloc(cap);

    n += (size_t) sprintf(s, "GET / HTTP/1.1\r\n");
    for (int i = 0; n < 64 * 1024 - 64; i++) {
        n += (size_t) sprintf(s + n, "X-Field-%05d: value %d, %s\r\n", i, i,
                              "abcdefghijklmnopqrstuvwxyz");
    }
    n += (size_t) sprintf(s + n, "Content-Length: 36000000\r\n\r\n");
    cr_assert_gt(n, 64 * 1024);

    uint8_t *b = exact(s, n);
    struct http_request r;
    cr_assert_eq(http_parse_request(b, n, &r), (int) n);
    cr_assert_eq(r.framing, HTTP_BODY_LENGTH);
    cr_assert_eq(r.content_length, 36000000);
    cr_assert_eq(http_find_head_end(b, n, 0), (long) n);
    free(b);
    for (size_t m = 0; m < n; m += 997) {
        b = exact(s, m);
        cr_assert_eq(http_parse_request(b, m, &r), -2, "prefix %zu", m);
        free(b);
    }
    check_find_resumed(s, n, n);
    free(s);
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

Test(http_size, huge_unterminated_value)
{
    static const char start[] = "HTTP/1.1 200 OK\r\nX-Big: ";
    size_t n = sizeof start - 1 + (1u << 20);
    uint8_t *b = malloc(n);
    struct http_response r;

    memcpy(b, start, sizeof start - 1);
    memset(b + sizeof start - 1, 'a', n - (sizeof start - 1));
    double t = now();
    cr_assert_eq(http_parse_response(b, n, false, false, &r), -2);
    cr_assert_eq(http_find_head_end(b, n, 0), -1);
    /* Resumed search as the controller does it, one segment at a time:
     * linear in total. */
    for (size_t m = 1460; m < n; m += 1460) {
        cr_assert_eq(http_find_head_end(b, m, m - 3), -1);
    }
    t = now() - t;
    cr_assert_lt(t, 1.0, "took %.3f s", t);
    free(b);
}

/* Random edits of valid heads: whatever the bytes, the parsers never read
 * outside the buffer, a prefix's result only moves from -2 to a final value,
 * and http_find_head_end (which the controller uses to cut the head before
 * parsing it) agrees with the parsers. */
Test(http_fuzz, find_and_parse_agree)
{
    static const char *const seeds[] = {
        "GET /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nbody",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n",
        "\r\nPOST / HTTP/1.0\nA: b\n c\nContent-Length: 1, 1\n\n",
        "HTTP/1.0 204\nConnection: close\r\n\r\n",
    };
    static const char alphabet[] = "\r\n \t:,\0aH0";
    uint32_t rng = 2463534242u;

    for (int iter = 0; iter < 4000; iter++) {
        char s[128];
        const char *seed = seeds[iter % (sizeof seeds / sizeof *seeds)];
        size_t len = strlen(seed);
        memcpy(s, seed, len);
        for (int k = 0; k < 1 + iter % 3; k++) {
            rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
            size_t pos = rng % len;
            char c = alphabet[(rng >> 8) % (sizeof alphabet - 1)];
            if ((rng >> 16) % 3 == 0 && len < sizeof s) {
                memmove(s + pos + 1, s + pos, len++ - pos);
            } else if ((rng >> 16) % 3 == 1 && len > 1) {
                memmove(s + pos, s + pos + 1, --len - pos);
                continue;
            }
            s[pos] = c;
        }
        for (int resp = 0; resp < 2; resp++) {
            int prev = -2;
            size_t from = 0;
            for (size_t n = 0; n <= len; n++) {
                struct http_request rq;
                struct http_response rs;
                uint8_t *b = exact(s, n);
                int r = resp ? http_parse_response(b, n, false, false, &rs)
                             : http_parse_request(b, n, &rq);
                long e = http_find_head_end(b, n, 0);
                /* Resuming is valid only while nothing was found. */
                long er = from == SIZE_MAX ? e
                                           : http_find_head_end(b, n, from);
                free(b);
                from = e >= 0 ? SIZE_MAX : n >= 3 ? n - 3 : 0;
                cr_assert(prev == -2 || r == prev, "iter %d n %zu: %d then %d",
                          iter, n, prev, r);
                prev = r;
                cr_assert_eq(er, e, "iter %d n %zu: resumed %ld, fresh %ld",
                             iter, n, er, e);
                if (e < 0) {
                    cr_assert(r == -1 || r == -2, "iter %d n %zu: %d", iter,
                              n, r);
                    continue;
                }
                cr_assert(r == -1 || r == e, "iter %d n %zu: %d, end %ld",
                          iter, n, r, e);
                b = exact(s, (size_t) e);
                int re = resp ? http_parse_response(b, (size_t) e, false,
                                                    false, &rs)
                              : http_parse_request(b, (size_t) e, &rq);
                free(b);
                cr_assert_eq(re, r, "iter %d: %d on the head alone, %d", iter,
                             re, r);
            }
        }
    }
}

/* Helpers. */

Test(http_find_head_end, from_is_clamped)
{
    static const char s[] = "GET / HTTP/1.1\r\n\r\nrest";
    const uint8_t *b = (const uint8_t *) s;

    cr_assert_eq(http_find_head_end(b, sizeof s - 1, 0), 18);
    cr_assert_eq(http_find_head_end(b, sizeof s - 1, 15), 18);
    cr_assert_eq(http_find_head_end(b, sizeof s - 1, 1000), -1);
    cr_assert_eq(http_find_head_end(NULL, 0, 0), -1);
    cr_assert_eq(http_find_head_end(b, 17, 14), -1);
}

Test(http_strings, framing)
{
    cr_assert_str_eq(http_framing_str(HTTP_BODY_NONE), "none");
    cr_assert_str_eq(http_framing_str(HTTP_BODY_LENGTH), "length");
    cr_assert_str_eq(http_framing_str(HTTP_BODY_CHUNKED), "chunked");
    cr_assert_str_eq(http_framing_str(HTTP_BODY_CLOSE), "close");
    cr_assert_str_eq(http_framing_str(HTTP_BODY_TUNNEL), "tunnel");
    cr_assert_str_eq(http_framing_str(HTTP_BODY_UNTRUSTED), "untrusted");
}

Test(http_strings, anomalies)
{
    static const char all[] = "cl_te,cl_conflict,cl_invalid,cl_overflow,"
                              "cl_leading_zero,te_not_chunked,obs_fold,"
                              "cl_duplicate";
    char buf[sizeof all];

    cr_assert_str_eq(http_anomalies_str(0, buf, sizeof buf), "");
    cr_assert_str_eq(http_anomalies_str(HTTP_A_CL_TE | HTTP_A_CL_CONFLICT,
                                        buf, sizeof buf),
                     "cl_te,cl_conflict");
    cr_assert_str_eq(http_anomalies_str(0xff, buf, sizeof buf), all);
    cr_assert_str_eq(http_anomalies_str(0xffffffffu, buf, sizeof buf), all);
    /* Small buffers are truncated, never overrun, always terminated. */
    for (size_t n = 1; n <= sizeof all; n++) {
        char *small = malloc(n);
        cr_assert_eq(http_anomalies_str(0xff, small, n), small);
        cr_assert_eq(strlen(small), n - 1);
        cr_assert(!strncmp(small, all, n - 1));
        free(small);
    }
    cr_assert_eq(http_anomalies_str(0xff, buf, 0), buf);
}
