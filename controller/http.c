/* HTTP/1.1 message-head parser (RFC 9112); see http.h.
 *
 * Every function scans the caller's buffer left to right once, checking each
 * byte as it is reached, so an invalid byte is reported (-1) as soon as it
 * is visible and a head that merely stops early is reported as partial (-2).
 * Nothing is allocated and no state is kept between calls. */
#include "http.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* A server SHOULD ignore at least one empty line before the request-line
 * (RFC 9112 2.2); more than a few is garbage, not robustness. */
#define MAX_LEADING_EMPTY 4

/* Anomalies that make the body length untrustworthy. */
#define UNTRUSTED_MASK (HTTP_A_CL_TE | HTTP_A_CL_CONFLICT | HTTP_A_CL_INVALID \
                        | HTTP_A_CL_OVERFLOW | HTTP_A_CL_LEADING_ZERO       \
                        | HTTP_A_OBS_FOLD | HTTP_A_TE_NOT_CHUNKED)

/* What the header fields say about framing, before the start line (request
 * or response, status, version) is taken into account. */
struct fields {
    unsigned anomalies;
    bool cl_seen;           /* any Content-Length field, valid or not */
    bool cl_valid;          /* 'cl' holds the first valid value */
    uint64_t cl;
    bool te_seen;           /* any Transfer-Encoding field */
    bool te_chunked;        /* the last coding seen so far is chunked */
    bool te_chunked_params; /* some chunked had parameters (an error) */
    bool close;             /* Connection: close */
    bool keep_alive;        /* Connection: keep-alive */
    bool expect_continue;   /* Expect: 100-continue */
};

/* RFC 9110 5.6.2: tchar, the characters of a token. */
static bool
is_tchar(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 9110 5.5: field-vchar, SP or HTAB; the same set makes up a
 * reason-phrase (RFC 9112 4).  CR, LF, NUL and other CTLs are excluded. */
static bool
is_value_char(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool
is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Consumes a line ending at *pos: CRLF, or a bare LF, which a recipient MAY
 * recognise (RFC 9112 2.2).  Returns 1 if one was consumed, 0 if there is no
 * line ending at *pos, -2 if the buffer ends first, and -1 for a bare CR,
 * which RFC 9112 2.2 lets us treat as invalid. */
static int
eol(const uint8_t *buf, size_t len, size_t *pos)
{
    size_t p = *pos + (*pos < len && buf[*pos] == '\r');
    if (p >= len) {
        return -2;
    } else if (buf[p] != '\n') {
        return p > *pos ? -1 : 0;
    }
    *pos = p + 1;
    return 1;
}

/* Compares s[0..n) with the lower-case string 'lc' ignoring ASCII case, as
 * field names (RFC 9110 5.1) and most tokens are compared. */
static bool
ci_eq(const uint8_t *s, size_t n, const char *lc)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i];
        if (lc[i] == '\0' || c != (uint8_t) lc[i]) {
            return false;
        }
    }
    return lc[n] == '\0';
}

/* Cursor over a comma-separated #list (RFC 9110 5.6.1). */
struct list {
    const uint8_t *p, *end;
    bool done;
};

/* Yields the next list element with surrounding OWS removed; empty elements
 * are yielded too, because for Content-Length they are an error. */
static bool
list_next(struct list *l, const uint8_t **e, size_t *n)
{
    if (l->done) {
        return false;
    }
    const uint8_t *s = l->p, *c = l->p;
    while (c < l->end && *c != ',') {
        c++;
    }
    l->done = c == l->end;
    l->p = l->done ? c : c + 1;
    while (s < c && is_ows(*s)) {
        s++;
    }
    while (c > s && is_ows(c[-1])) {
        c--;
    }
    *e = s;
    *n = (size_t) (c - s);
    return true;
}

/* RFC 9110 8.6: Content-Length = 1*DIGIT.  A list of identical values MAY
 * be accepted as one value; anything else a peer might read differently
 * from us is flagged so that framing becomes untrusted. */
static void
content_length(struct fields *f, const uint8_t *v, size_t n)
{
    struct list l = { v, v + n, false };
    const uint8_t *e;
    size_t en;

    f->cl_seen = true;
    while (list_next(&l, &e, &en)) {
        uint64_t x = 0;
        bool overflow = false;
        size_t i;

        for (i = 0; i < en && e[i] >= '0' && e[i] <= '9'; i++) {
            unsigned d = e[i] - '0';
            if (x > ((uint64_t) INT64_MAX - d) / 10) {
                overflow = true;
            } else {
                x = x * 10 + d;
            }
        }
        if (en == 0 || i < en) {
            f->anomalies |= HTTP_A_CL_INVALID;
        } else if (overflow) {
            f->anomalies |= HTTP_A_CL_OVERFLOW;
        } else {
            if (en > 1 && e[0] == '0') {
                f->anomalies |= HTTP_A_CL_LEADING_ZERO;
            }
            if (!f->cl_valid) {
                f->cl_valid = true;
                f->cl = x;
            } else {
                f->anomalies |= f->cl == x ? HTTP_A_CL_DUPLICATE
                                           : HTTP_A_CL_CONFLICT;
            }
        }
    }
}

/* RFC 9112 6.1: Transfer-Encoding is a list of codings that may span several
 * field lines; only the final one matters for framing (RFC 9112 6.3).
 * RFC 9112 7.1: "The chunked coding does not define any parameters.  Their
 * presence SHOULD be treated as an error": "chunked;x=1" is not taken as
 * chunked (http-parser reads such a response until close, libhtp as
 * chunked), and an error it stays (HTTP_A_TE_NOT_CHUNKED, untrusted). */
static void
transfer_encoding(struct fields *f, const uint8_t *v, size_t n)
{
    struct list l = { v, v + n, false };
    const uint8_t *e;
    size_t en;

    f->te_seen = true;
    while (list_next(&l, &e, &en)) {
        size_t name = 0;
        while (name < en && e[name] != ';' && !is_ows(e[name])) {
            name++;
        }
        /* RFC 9110 5.6.1: empty list elements do not count. */
        if (en > 0) {
            bool chunked = ci_eq(e, name, "chunked");
            f->te_chunked_params |= chunked && name < en;
            f->te_chunked = chunked && name == en;
        }
    }
}

/* Applies one complete field line; unknown fields are ignored. */
static void
field(struct fields *f, const uint8_t *name, size_t nlen,
      const uint8_t *v, size_t vlen)
{
    struct list l = { v, v + vlen, false };
    const uint8_t *e;
    size_t en;

    if (ci_eq(name, nlen, "content-length")) {
        content_length(f, v, vlen);
    } else if (ci_eq(name, nlen, "transfer-encoding")) {
        transfer_encoding(f, v, vlen);
    } else if (ci_eq(name, nlen, "connection")) {
        /* RFC 9110 7.6.1: connection options are case-insensitive tokens. */
        while (list_next(&l, &e, &en)) {
            f->close |= ci_eq(e, en, "close");
            f->keep_alive |= ci_eq(e, en, "keep-alive");
        }
    } else if (ci_eq(name, nlen, "expect")) {
        /* RFC 9110 10.1.1: "100-continue" is matched case-insensitively. */
        while (list_next(&l, &e, &en)) {
            f->expect_continue |= ci_eq(e, en, "100-continue");
        }
    }
}

/* Scans a field value or obs-fold continuation from *pos through its line
 * ending, setting *end to the end of the value.  The OWS around the value
 * (RFC 9112 5.1) is left in: list_next() trims it from every element.
 * Returns 0, -1 or -2. */
static int
scan_value(const uint8_t *buf, size_t len, size_t *pos, size_t *end)
{
    size_t p = *pos;
    while (p < len && is_value_char(buf[p])) {
        p++;
    }
    *end = p;
    /* RFC 9110 5.5: CR, LF and NUL in a value are invalid, and so are the
     * other CTLs, which field-vchar excludes. */
    int r = eol(buf, len, &p);
    *pos = p;
    return r == 1 ? 0 : r == 0 ? -1 : r;
}

/* Parses field lines from 'pos' through the empty line ending the head
 * (RFC 9112 2.1); returns the head length, -1 or -2. */
static int
parse_fields(const uint8_t *buf, size_t len, size_t pos, struct fields *f)
{
    bool first = true;

    for (;;) {
        size_t start = pos, end;
        int r = eol(buf, len, &pos);
        if (r < 0) {
            return r;
        } else if (r == 1) {
            break;
        }
        if (is_ows(buf[pos])) {
            /* RFC 9112 2.2: whitespace between the start-line and the first
             * field MUST be rejected (or the line ignored, which would hide
             * a field from us). */
            if (first) {
                return -1;
            }
            /* RFC 9112 5.2: obs-fold; peers disagree on it, so it is
             * reported rather than unfolded. */
            f->anomalies |= HTTP_A_OBS_FOLD;
            if ((r = scan_value(buf, len, &pos, &end)) != 0) {
                return r;
            }
            continue;
        }
        while (pos < len && is_tchar(buf[pos])) {
            pos++;
        }
        if (pos >= len) {
            return -2;
        }
        /* RFC 9112 5.1: no whitespace is allowed between the field name and
         * the colon, and a server MUST reject a request that has some. */
        if (pos == start || buf[pos] != ':') {
            return -1;
        }
        size_t colon = pos++;
        if ((r = scan_value(buf, len, &pos, &end)) != 0) {
            return r;
        }
        field(f, buf + start, colon - start, buf + colon + 1, end - colon - 1);
        first = false;
    }
    return pos > INT_MAX ? -1 : (int) pos;
}

/* RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive;
 * only major version 1 has this framing. */
static int
parse_version(const uint8_t *buf, size_t len, size_t *pos, int *minor)
{
    static const char prefix[] = "HTTP/1.";
    size_t p = *pos;

    for (size_t i = 0; i < sizeof prefix; i++, p++) {
        if (p >= len) {
            return -2;
        } else if (i < sizeof prefix - 1 ? buf[p] != (uint8_t) prefix[i]
                   : buf[p] < '0' || buf[p] > '9') {
            return -1;
        }
    }
    *minor = buf[p - 1] - '0';
    *pos = p;
    return 0;
}

/* Scans a non-empty run of bytes accepted by 'ok' that must end in SP, and
 * consumes the SP.  Returns 0, -1 or -2. */
static int
scan_to_sp(const uint8_t *buf, size_t len, size_t *pos, bool (*ok)(uint8_t))
{
    size_t p = *pos;
    while (p < len && ok(buf[p])) {
        p++;
    }
    if (p >= len) {
        return -2;
    } else if (p == *pos || buf[p] != ' ') {
        return -1;
    }
    *pos = p + 1;
    return 0;
}

/* RFC 9112 3.2: the request-target contains no whitespace or CTL. */
static bool
is_target_char(uint8_t c)
{
    return c > 0x20 && c != 0x7f;
}

/* Framing bits shared by requests and responses. */
static void
common_anomalies(struct fields *f, int minor)
{
    /* RFC 9112 6.3 item 3: with both, TE wins, but a peer that picks CL
     * instead is how requests are smuggled. */
    if (f->cl_seen && f->te_seen) {
        f->anomalies |= HTTP_A_CL_TE;
    }
    /* RFC 9112 6.1: TE in an HTTP/1.0 message MUST be treated as faulty
     * framing, since 1.0 has no chunked coding to end on. */
    if ((f->te_seen && minor == 0) || f->te_chunked_params) {
        f->anomalies |= HTTP_A_TE_NOT_CHUNKED;
    }
}

/* RFC 9112 9.3: a connection persists unless "close" is given, or, for
 * HTTP/1.0, unless "keep-alive" is. */
static bool
conn_close(const struct fields *f, int minor)
{
    return f->close || (minor == 0 && !f->keep_alive);
}

int
http_parse_request(const uint8_t *buf, size_t len, struct http_request *req)
{
    struct fields f = { 0 };
    size_t pos = 0;
    int skipped = 0, r;

    memset(req, 0, sizeof *req);
    /* RFC 9112 2.2: ignore a few empty lines before the request-line. */
    while ((r = eol(buf, len, &pos)) == 1) {
        if (++skipped > MAX_LEADING_EMPTY) {
            return -1;
        }
    }
    if (r < 0) {
        return r;
    }
    /* RFC 9112 3: request-line = method SP request-target SP HTTP-version. */
    size_t method = pos;
    if ((r = scan_to_sp(buf, len, &pos, is_tchar)) != 0) {
        return r;
    }
    size_t target = pos;
    if ((r = scan_to_sp(buf, len, &pos, is_target_char)) != 0) {
        return r;
    }
    req->method = (const char *) buf + method;
    req->method_len = target - 1 - method;
    req->target = (const char *) buf + target;
    req->target_len = pos - 1 - target;
    if ((r = parse_version(buf, len, &pos, &req->minor_version)) != 0) {
        return r;
    } else if ((r = eol(buf, len, &pos)) != 1) {
        return r == 0 ? -1 : r;
    }

    if ((r = parse_fields(buf, len, pos, &f)) < 0) {
        return r;
    }
    /* RFC 9110 9.1: method names are case-sensitive. */
    req->is_head = req->method_len == 4 && !memcmp(req->method, "HEAD", 4);
    req->is_connect = req->method_len == 7
                      && !memcmp(req->method, "CONNECT", 7);
    req->expect_continue = f.expect_continue;
    req->conn_close = conn_close(&f, req->minor_version);

    /* RFC 9112 6.3 item 4: a request whose TE does not end in chunked
     * cannot be delimited, so the server MUST reject it; we stop trusting
     * it. */
    common_anomalies(&f, req->minor_version);
    if (f.te_seen && !f.te_chunked) {
        f.anomalies |= HTTP_A_TE_NOT_CHUNKED;
    }
    req->anomalies = f.anomalies;
    req->content_length = f.cl_valid ? f.cl : 0;
    /* A request without CL or TE has no body (RFC 9112 6.3 item 7); CL 0 is
     * reported as LENGTH 0, as sent. */
    req->framing = f.anomalies & UNTRUSTED_MASK ? HTTP_BODY_UNTRUSTED
                   : f.te_seen ? HTTP_BODY_CHUNKED
                   : f.cl_seen ? HTTP_BODY_LENGTH
                   : HTTP_BODY_NONE;
    return r;
}

int
http_parse_response(const uint8_t *buf, size_t len, bool req_head,
                    bool req_connect, struct http_response *resp)
{
    struct fields f = { 0 };
    size_t pos = 0;
    int r;

    memset(resp, 0, sizeof *resp);
    /* RFC 9112 4: status-line = HTTP-version SP status-code SP
     * [ reason-phrase ]; a missing SP after an empty reason is tolerated
     * because some servers send "HTTP/1.1 200\r\n". */
    if ((r = parse_version(buf, len, &pos, &resp->minor_version)) != 0) {
        return r;
    } else if (pos >= len) {
        return -2;
    } else if (buf[pos++] != ' ') {
        return -1;
    }
    for (int i = 0; i < 3; i++, pos++) {
        if (pos >= len) {
            return -2;
        } else if (buf[pos] < (i == 0 ? '1' : '0') || buf[pos] > '9') {
            return -1;
        }
        resp->status = resp->status * 10 + (buf[pos] - '0');
    }
    if ((r = eol(buf, len, &pos)) == 0) {
        if (buf[pos++] != ' ') {
            return -1;
        }
        while (pos < len && is_value_char(buf[pos])) {
            pos++;
        }
        r = eol(buf, len, &pos);
    }
    if (r != 1) {
        return r == 0 ? -1 : r;
    }
    if ((r = parse_fields(buf, len, pos, &f)) < 0) {
        return r;
    }
    resp->conn_close = conn_close(&f, resp->minor_version);
    common_anomalies(&f, resp->minor_version);
    resp->anomalies = f.anomalies;
    resp->content_length = f.cl_valid ? f.cl : 0;
    resp->has_content_length = f.cl_valid;

    int s = resp->status;
    if (f.anomalies & HTTP_A_OBS_FOLD) {
        /* RFC 9112 5.2: recipients disagree on what a fold is (libhtp
         * ends a response head at a line of SP LF, which is a fold here),
         * so where this head ends, and so where the next one starts, is
         * uncertain even when no body follows: nothing after it is
         * trusted, whatever the status. */
        resp->framing = HTTP_BODY_UNTRUSTED;
    } else if (s == 101) {
        /* RFC 9110 15.2.2: the new protocol starts right after the head,
         * whatever the request was. */
        resp->framing = HTTP_BODY_TUNNEL;
    } else if (req_connect && s >= 200 && s < 300) {
        /* RFC 9110 9.3.6 and RFC 9112 6.3 item 2: any 2xx to CONNECT,
         * 204 included, turns the connection into a tunnel right after
         * the head. */
        resp->framing = HTTP_BODY_TUNNEL;
    } else if (req_head || s < 200 || s == 204 || s == 304) {
        /* RFC 9112 6.3 item 1: no body, whatever CL or TE say. */
        resp->framing = HTTP_BODY_NONE;
    } else if (f.anomalies & UNTRUSTED_MASK) {
        resp->framing = HTTP_BODY_UNTRUSTED;
    } else if (f.te_seen) {
        /* RFC 9112 6.3 items 3-4: chunked if it is the final coding,
         * otherwise the body runs until the server closes. */
        resp->framing = f.te_chunked ? HTTP_BODY_CHUNKED : HTTP_BODY_CLOSE;
    } else {
        /* RFC 9112 6.3 items 5-8. */
        resp->framing = f.cl_seen ? HTTP_BODY_LENGTH : HTTP_BODY_CLOSE;
    }
    return r;
}

long
http_find_head_end(const uint8_t *buf, size_t len, size_t from)
{
    size_t start = 0;

    /* Empty lines the request parser skips (RFC 9112 2.2) do not end the
     * head, so the search for LF [CR] LF starts after them. */
    for (int i = 0; i < MAX_LEADING_EMPTY && eol(buf, len, &start) == 1; i++) {
        continue;
    }
    for (size_t p = from > start ? from : start; p < len; p++) {
        if (buf[p] != '\n') {
            continue;
        }
        size_t i = p + 1;
        if (i < len && buf[i] == '\r') {
            i++;
        }
        if (i < len && buf[i] == '\n') {
            return (long) (i + 1);
        }
    }
    return -1;
}

const char *
http_framing_str(enum http_framing f)
{
    switch (f) {
    case HTTP_BODY_NONE:      return "none";
    case HTTP_BODY_LENGTH:    return "length";
    case HTTP_BODY_CHUNKED:   return "chunked";
    case HTTP_BODY_CLOSE:     return "close";
    case HTTP_BODY_TUNNEL:    return "tunnel";
    case HTTP_BODY_UNTRUSTED: return "untrusted";
    }
    return "unknown";
}

/* Names in bit order, HTTP_A_CL_TE (bit 0) to HTTP_A_CL_DUPLICATE (bit 7). */
static const char *const anomaly_names[] = {
    "cl_te", "cl_conflict", "cl_invalid", "cl_overflow", "cl_leading_zero",
    "te_not_chunked", "obs_fold", "cl_duplicate",
};
_Static_assert(HTTP_A_CL_TE == 1u << 0 && HTTP_A_CL_DUPLICATE == 1u << 7
               && HTTP_A_OBS_FOLD == 1u << 6,
               "anomaly_names must follow the HTTP_A_* bits");

const char *
http_anomalies_str(unsigned anomalies, char *buf, size_t n)
{
    size_t used = 0;

    if (n == 0) {
        return buf;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof anomaly_names / sizeof *anomaly_names; i++) {
        if (anomalies & (1u << i)) {
            int w = snprintf(buf + used, n - used, "%s%s", used ? "," : "",
                             anomaly_names[i]);
            if (w < 0 || (size_t) w >= n - used) {
                break;          /* truncated, but snprintf NUL-terminated */
            }
            used += (size_t) w;
        }
    }
    return buf;
}
