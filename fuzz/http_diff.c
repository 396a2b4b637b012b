/* Comparison and classification of parser results (see http_diff.h). */
#include "http_diff.h"

#include <htp/htp.h>
#include <http_parser.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

static const struct {
    const char *name, *libs, *rfc;
} classes[] = {
    [HD_AGREE] = { "agree", "", "" },
#define HD_CLASS(name, libs, rfc) [HD_C_##name] = { #name, libs, rfc },
#include "http_diff_classes.h"
#undef HD_CLASS
    [HD_UNEXPLAINED] = { "UNEXPLAINED", "", "" },
};

const char *
hd_class_name(enum hd_class c)
{
    return classes[c].name;
}

const char *
hd_class_rfc(enum hd_class c)
{
    return classes[c].rfc;
}

const char *
hd_result_str(const struct hd_result *r, char *buf, size_t n)
{
    if (r->verdict != HD_VALID) {
        snprintf(buf, n, "%s (error %d, status %d, flags 0x%llx)",
                 hd_verdict_str(r->verdict), r->error, r->status, r->flags);
    } else {
        snprintf(buf, n, "valid head %zu %s %llu (status %d, flags 0x%llx)",
                 r->head_len, hd_framing_str(r->framing),
                 (unsigned long long) r->length, r->status, r->flags);
    }
    return buf;
}

/* ---- what a head holds ------------------------------------------------- */

static bool
is_ws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static bool
ci_prefix(const uint8_t *s, size_t n, const char *lc)
{
    size_t l = strlen(lc);
    if (n < l) {
        return false;
    }
    for (size_t i = 0; i < l; i++) {
        uint8_t c = s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i];
        if (c != (uint8_t) lc[i]) {
            return false;
        }
    }
    return true;
}

static bool
ci_contains(const uint8_t *s, size_t n, const char *lc)
{
    for (size_t i = 0; i < n; i++) {
        if (ci_prefix(s + i, n - i, lc)) {
            return true;
        }
    }
    return false;
}

/* Calls fn for each field line of the head in buf[0..len) whose name is
 * 'name' (ASCII case-insensitive), with its value; lines are split at LF
 * and lose a CR before it, whatever else is wrong with them.  The first
 * non-empty line is the start line.  Returns whether any line matched. */
static bool
each_field(const uint8_t *buf, size_t len, const char *name,
           bool (*fn)(const uint8_t *v, size_t n, void *arg), void *arg)
{
    size_t nl = strlen(name), p = 0;
    bool start = true, any = false;

    while (p < len) {
        const uint8_t *lf = memchr(buf + p, '\n', len - p);
        size_t e = lf ? (size_t) (lf - buf) : len, l = e;
        if (l > p && buf[l - 1] == '\r') {
            l--;
        }
        if (l == p && !start) {
            break;                  /* the empty line ending the head */
        }
        if (l > p && start) {
            start = false;
        } else if (l > p && l - p > nl && ci_prefix(buf + p, l - p, name)) {
            size_t c = p + nl;
            while (c < l && is_ws(buf[c])) {
                c++;
            }
            if (c < l && buf[c] == ':') {
                any = true;
                if (fn != NULL && fn(buf + c + 1, l - c - 1, arg)) {
                    return true;
                }
            }
        }
        p = e + 1;
    }
    return fn == NULL && any;
}

static bool
value_contains(const uint8_t *v, size_t n, void *lc)
{
    return ci_contains(v, n, lc);
}

/* A field name that starts with 'name' (lower case) but is longer. */
static bool
has_longer_name(const struct hd_input *in, const char *name)
{
    size_t nl = strlen(name);
    for (size_t p = 0; p + nl < in->len; p++) {
        if ((p == 0 || in->buf[p - 1] == '\n')
            && ci_prefix(in->buf + p, in->len - p, name)
            && in->buf[p + nl] != ':' && !is_ws(in->buf[p + nl])) {
            return true;
        }
    }
    return false;
}

/* The field 'name' is present. */
static bool
has_field(const struct hd_input *in, const char *name)
{
    return each_field(in->buf, in->len, name, NULL, NULL);
}

/* A value of field 'name' contains 'lc' (lower case). */
static bool
field_contains(const struct hd_input *in, const char *name, const char *lc)
{
    return each_field(in->buf, in->len, name, value_contains, (void *) lc);
}

/* ---- why http.c rejected a head ----------------------------------------- */

enum reason {
    R_UNKNOWN,
    R_BARE_CR,          /* CR not followed by LF */
    R_LEADING_EMPTY,    /* empty lines before the start line */
    R_REQUEST_LINE_WS,  /* other whitespace than one SP between parts */
    R_METHOD,           /* method is not a token */
    R_TARGET,           /* CTL in the request-target */
    R_VERSION,          /* not HTTP/1.x, or missing */
    R_STATUS_LINE_WS,
    R_STATUS,           /* status code is not 3 digits from 100 */
    R_REASON,           /* CTL in the reason-phrase */
    R_WS_AFTER_START,   /* first field line starts with whitespace */
    R_NO_COLON,
    R_EMPTY_NAME,
    R_WS_BEFORE_COLON,
    R_NAME,             /* field name is not a token */
    R_VALUE,            /* CTL, NUL or DEL in a field value */
};

static int
hc_parse(const struct hd_input *in, size_t n)
{
    struct http_response rs;
    struct http_request rq;
    return in->response ? http_parse_response(in->buf, n, in->req_head,
                                              in->req_connect, &rs)
                        : http_parse_request(in->buf, n, &rq);
}

/* The offset of the byte that makes http.c reject the head: it answers
 * -2 on every shorter prefix and -1 from there on (tests/unit/
 * test_http.c holds it to that). */
static size_t
hc_error_at(const struct hd_input *in)
{
    size_t lo = 0, hi = in->len;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hc_parse(in, mid) == -1) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo > 0 ? lo - 1 : 0;
}

static bool
is_tchar(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static enum reason
start_line_reason(const struct hd_input *in, size_t sl, size_t e)
{
    const uint8_t *b = in->buf;
    uint8_t c = b[e];

    if (in->response) {
        size_t i = e - sl;
        if (i < 8) {
            return R_VERSION;
        } else if (i == 8) {
            return c >= '0' && c <= '9' ? R_VERSION : R_STATUS_LINE_WS;
        } else if (i == 9) {
            return is_ws(c) ? R_STATUS_LINE_WS : R_STATUS;
        } else if (i == 12 && c == '\t') {
            return R_STATUS_LINE_WS;
        }
        return i <= 12 ? R_STATUS : R_REASON;
    }
    size_t m = sl;
    while (m < in->len && is_tchar(b[m])) {
        m++;
    }
    if (e <= m) {
        return e == sl || is_ws(c) || c == '\v' || c == '\f'
               ? R_REQUEST_LINE_WS : R_METHOD;
    }
    size_t t = m + 1;
    while (t < in->len && b[t] > 0x20 && b[t] != 0x7f) {
        t++;
    }
    if (e <= t) {
        if (e == m + 1 && c == ' ') {
            return R_REQUEST_LINE_WS;
        }
        return is_ws(c) || c == '\v' || c == '\f' ? R_REQUEST_LINE_WS
               : c == '\r' || c == '\n' ? R_VERSION : R_TARGET;
    }
    return e >= t + 1 + 8 && is_ws(c) ? R_REQUEST_LINE_WS : R_VERSION;
}

static enum reason
hc_reason(const struct hd_input *in, size_t e)
{
    const uint8_t *b = in->buf;
    size_t sl = 0, empty = 0;

    if (e >= in->len) {
        return R_UNKNOWN;
    }
    uint8_t c = b[e];
    if (e > 0 && b[e - 1] == '\r' && c != '\n') {
        return R_BARE_CR;
    }
    /* Empty lines before the start line. */
    for (;;) {
        size_t p = sl + (sl < in->len && b[sl] == '\r');
        if (p < in->len && b[p] == '\n') {
            sl = p + 1;
            empty++;
        } else {
            break;
        }
    }
    if (in->response ? e == 0 && (c == '\r' || c == '\n')
                     : empty > 4 && e < sl) {
        return R_LEADING_EMPTY;
    }
    const uint8_t *lf = memchr(b + sl, '\n', in->len - sl);
    size_t sle = lf ? (size_t) (lf - b) : in->len;
    if (e <= sle) {
        return start_line_reason(in, sl, e);
    }
    size_t ls = e;
    while (ls > 0 && b[ls - 1] != '\n') {
        ls--;
    }
    if (is_ws(b[ls])) {
        return ls == sle + 1 ? R_WS_AFTER_START : R_VALUE;
    }
    const uint8_t *colon = memchr(b + ls, ':', e - ls);
    if (colon != NULL) {
        return R_VALUE;
    }
    if (c == ':') {
        return e == ls ? R_EMPTY_NAME : R_UNKNOWN;
    }
    if (c == '\r' || c == '\n') {
        return R_NO_COLON;
    }
    if (is_ws(c)) {
        size_t w = e;
        while (w < in->len && is_ws(b[w])) {
            w++;
        }
        return w < in->len && b[w] == ':' ? R_WS_BEFORE_COLON : R_NAME;
    }
    return R_NAME;
}

/* ---- the classes -------------------------------------------------------- */

/* One comparison: http.c's result and one library's. */
struct hd_case {
    const struct hd_input *in;
    enum hd_lib lib;
    const struct hd_result *hc, *lr;
    enum reason reason;     /* hc rejected and the library did not */
    size_t err;             /* then: the offset of the byte hc rejected */
};

#define HC_VALID(k) ((k)->hc->verdict == HD_VALID)
#define LR_VALID(k) ((k)->lr->verdict == HD_VALID)
/* http.c rejected a byte that the library took as part of its head: the
 * library accepted what http.c did not (and not merely ended its head
 * before it). */
#define HC_INVALID_LR_VALID(k) ((k)->hc->verdict == HD_INVALID && LR_VALID(k) \
                                && (k)->lr->head_len > (k)->err)
#define HTP(k) ((k)->lib == HD_LIBHTP)
#define HP(k) ((k)->lib == HD_HTTP_PARSER)
#define HC_UNTRUSTED_BY(k, bit) \
    (HC_VALID(k) && (k)->hc->framing == HD_UNTRUSTED \
     && ((k)->hc->flags & (bit)))
#define SAME_HEAD(k) (HC_VALID(k) && LR_VALID(k) \
                      && (k)->hc->head_len == (k)->lr->head_len)

/* Every predicate below is one documented class (fuzz/DIFFERENTIAL.md
 * has the same names): it names a difference whose resolution is known,
 * with the rule that decides it. */

/* -- http.c rejects what the library accepts, for a reason the RFC gives.
 * A rejected head makes the controller mirror the connection in full, so
 * none of these can hide bytes from the monitor. */

/* RFC 9112 2.2: a recipient of a bare CR MUST consider the element
 * invalid or replace each bare CR with SP.  libhtp ends a line at a bare
 * CR (responses) or drops CRs before LF; http-parser, built without
 * HTTP_PARSER_STRICT, takes whatever byte follows a CR for the LF. */
static bool
bare_cr(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_BARE_CR;
}

/* RFC 9112 2.2: a server SHOULD ignore at least one empty line before the
 * request-line (http.c: up to four); nothing allows empty lines before a
 * status-line.  Both libraries skip any number, before either. */
static bool
leading_empty_lines(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_LEADING_EMPTY;
}

/* RFC 9112 3: request-line = method SP request-target SP HTTP-version;
 * parsing on other whitespace is a MAY that "can result in request
 * smuggling".  Both libraries accept runs of SP, libhtp also HTAB. */
static bool
request_line_ws(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_REQUEST_LINE_WS;
}

/* RFC 9112 3.1: method = token (RFC 9110 5.6.2). */
static bool
method_not_token(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_METHOD;
}

/* RFC 9112 3.2: the request-target has no whitespace or CTL (RFC 3986
 * characters; http.c allows obs-text beyond them). */
static bool
target_ctl(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_TARGET;
}

/* RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive,
 * and only major version 1 has this framing (RFC 9112 2.5); a request-line
 * without a version is HTTP/0.9, which RFC 9112 does not define.
 * http-parser takes any major version and HTTP/0.9 requests, libhtp an
 * HTTP/0.9 request followed by field lines. */
static bool
version(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_VERSION;
}

/* RFC 9112 4: status-line = HTTP-version SP status-code SP
 * [ reason-phrase ]. */
static bool
status_line_ws(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_STATUS_LINE_WS;
}

/* RFC 9112 4: status-code = 3DIGIT; RFC 9110 15: valid codes are
 * 100..599 (http.c accepts up to 999).  http-parser takes 1 to 3 digits,
 * libhtp any number from 100 to 999 with whitespace around it. */
static bool
status_code(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_STATUS;
}

/* RFC 9112 4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ). */
static bool
reason_ctl(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_REASON;
}

/* RFC 9112 2.2: whitespace between the start-line and the first field
 * MUST be rejected, or the line consumed without further processing
 * (which would hide a field from http.c). */
static bool
ws_after_start_line(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_WS_AFTER_START;
}

/* RFC 9112 5.1: no whitespace is allowed between field name and colon; a
 * server MUST reject such a request, a proxy MUST remove it from a
 * response.  http-parser (non-strict) ignores it. */
static bool
ws_before_colon(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_WS_BEFORE_COLON;
}

/* RFC 9110 5.1: field-name = token. */
static bool
field_name_not_token(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_NAME;
}

/* RFC 9110 5.5: field values with CR, LF or NUL are invalid and a
 * recipient MUST reject or replace them; other CTLs are outside
 * field-vchar.  libhtp keeps any byte in a value. */
static bool
value_ctl(const struct hd_case *k)
{
    return HC_INVALID_LR_VALID(k) && k->reason == R_VALUE;
}

/* -- http.c does not trust framing that a peer could read otherwise
 * (HTTP_BODY_UNTRUSTED: never elide, stop parsing the connection), where a
 * library picks one reading.  Intended, stricter; whatever the library
 * made of the rest of the head, http.c no longer follows the stream. */

/* RFC 9112 6.3 item 3: with both, TE overrides CL, but "such a message
 * might indicate an attempt to perform request smuggling". */
static bool
untrusted_cl_te(const struct hd_case *k)
{
    return HC_UNTRUSTED_BY(k, HTTP_A_CL_TE) && LR_VALID(k);
}

/* RFC 9110 8.6, RFC 9112 6.3 item 5: differing Content-Length values are
 * an unrecoverable framing error.  libhtp uses the first value. */
static bool
untrusted_cl_conflict(const struct hd_case *k)
{
    return HC_UNTRUSTED_BY(k, HTTP_A_CL_CONFLICT) && LR_VALID(k);
}

/* RFC 9110 8.6: Content-Length = 1*DIGIT; RFC 9112 6.3 item 5: an invalid
 * one is an unrecoverable error.  libhtp skips junk before and after the
 * digits ("+10", "10abc", "1 0"). */
static bool
untrusted_cl_invalid(const struct hd_case *k)
{
    return HC_UNTRUSTED_BY(k, HTTP_A_CL_INVALID) && LR_VALID(k);
}

/* RFC 9112 6.3 item 5 and RFC 9110 8.6 (recipients MUST anticipate large
 * values and prevent overflow): http.c stops at 2^63-1, http-parser near
 * 2^64. */
static bool
untrusted_cl_overflow(const struct hd_case *k)
{
    return HC_UNTRUSTED_BY(k, HTTP_A_CL_OVERFLOW) && LR_VALID(k);
}

/* RFC 9110 8.6 allows "007", but implementations have read leading zeros
 * as octal; http.c refuses to guess. */
static bool
untrusted_cl_leading_zero(const struct hd_case *k)
{
    return HC_UNTRUSTED_BY(k, HTTP_A_CL_LEADING_ZERO) && LR_VALID(k);
}

/* RFC 9112 6.1: TE in an HTTP/1.0 message MUST be treated as faulty
 * framing; RFC 9112 6.3 item 4: a request whose final coding is not
 * chunked cannot be delimited; RFC 9112 7.1: parameters on chunked SHOULD
 * be treated as an error.  Both libraries read chunked from 1.0. */
static bool
untrusted_te_not_chunked(const struct hd_case *k)
{
    return HC_UNTRUSTED_BY(k, HTTP_A_TE_NOT_CHUNKED) && LR_VALID(k);
}

/* RFC 9112 5.2: obs-fold is deprecated; a server MUST reject or unfold
 * it, a proxy discard or unfold it.  Recipients disagree on what a fold
 * is: libhtp ends a response head at a line of SP LF. */
static bool
untrusted_obs_fold(const struct hd_case *k)
{
    return HC_UNTRUSTED_BY(k, HTTP_A_OBS_FOLD) && LR_VALID(k);
}

/* -- http.c is right by the RFC and the library is not (or is lenient in
 * a way http.c does not need). */

static bool
is_no_body_status(int s)
{
    return (s >= 100 && s < 200 && s != 101) || s == 204 || s == 304;
}

/* RFC 9112 6.3 item 1: a response to HEAD or with 1xx, 204 or 304 ends at
 * the empty line whatever its fields say; item 2: a 2xx to CONNECT
 * becomes a tunnel.  Both libraries still check the syntax of
 * Content-Length and Transfer-Encoding there; http.c records the anomaly
 * and frames no body. */
static bool
no_body_cl_syntax(const struct hd_case *k)
{
    return k->in->response && HC_VALID(k)
           && (k->hc->framing == HD_NONE || k->hc->framing == HD_TUNNEL)
           && k->hc->flags != 0 && k->lr->verdict == HD_INVALID;
}

/* RFC 9112 6.3 item 1 again: both libraries read a Content-Length or
 * chunked body after 1xx, 204 and 304 heads (libhtp: "browsers interpret
 * content sent by the server as such"). */
static bool
no_body_status(const struct hd_case *k)
{
    return k->in->response && SAME_HEAD(k) && k->hc->framing == HD_NONE
           && is_no_body_status(k->hc->status)
           && (k->lr->cl_seen || k->lr->te_seen
               || has_field(k->in, "content-length")
               || has_field(k->in, "transfer-encoding"));
}

/* RFC 9110 15.2.2: after a 101 the connection speaks the protocol named
 * in Upgrade, right after the empty line; RFC 9112 6.3 item 1: a 1xx has
 * no body.  http-parser switches only when Upgrade and Connection: upgrade
 * are both present, and reads a Content-Length body first; libhtp reads a
 * body if there is Content-Length or Transfer-Encoding. */
static bool
status_101(const struct hd_case *k)
{
    return k->in->response && SAME_HEAD(k) && k->hc->framing == HD_TUNNEL
           && k->hc->status == 101;
}

/* RFC 9110 7.8: a server switches protocols only with a 101 response;
 * RFC 9110 9.3.6: a CONNECT tunnel starts with the 2xx response.
 * http-parser's request parser stops at the head of a request with
 * Upgrade and Connection: upgrade, or of any CONNECT; http.c frames the
 * request itself (no body) and leaves the switch to the response. */
static bool
request_upgrade(const struct hd_case *k)
{
    return !k->in->response && HP(k) && SAME_HEAD(k)
           && k->lr->framing == HD_TUNNEL;
}

/* RFC 9112 6.3 item 4: a response whose final coding is not chunked is
 * delimited by close.  libhtp reads chunked when "chunked" appears
 * anywhere in the value ("chunked, gzip", "xchunked"). */
static bool
te_chunked_not_final(const struct hd_case *k)
{
    return k->in->response && HTP(k) && SAME_HEAD(k)
           && k->hc->framing == HD_CLOSE && k->lr->framing == HD_CHUNKED
           && field_contains(k->in, "transfer-encoding", "chunked");
}

/* RFC 9110 8.6 (RFC 7230 3.3.2 before it): a recipient of identical
 * Content-Length values (one list or several fields) may replace them
 * with one value instead of rejecting the message.  http-parser rejects them,
 * libhtp flags HTP_REQUEST_SMUGGLING but frames the same length. */
static bool
cl_duplicate(const struct hd_case *k)
{
    return HC_VALID(k) && (k->hc->flags & HTTP_A_CL_DUPLICATE)
           && !(k->hc->flags & ~(unsigned long long) HTTP_A_CL_DUPLICATE)
           && (k->lr->verdict == HD_INVALID
               || (SAME_HEAD(k) && k->lr->framing == HD_UNTRUSTED));
}

/* RFC 9112 5.1: OWS (SP or HTAB) may surround a field value.
 * http-parser rejects HTAB after a Content-Length value's digits. */
static bool
cl_htab(const struct hd_case *k)
{
    return HP(k) && HC_VALID(k) && k->lr->verdict == HD_INVALID
           && k->lr->error == HPE_INVALID_CONTENT_LENGTH
           && field_contains(k->in, "content-length", "\t");
}

/* RFC 9110 9.1: methods are case-sensitive tokens and extensible (RFC
 * 9110 16.1); http-parser knows a fixed list of upper-case names. */
static bool
unknown_method(const struct hd_case *k)
{
    return !k->in->response && HP(k) && HC_VALID(k)
           && k->lr->verdict == HD_INVALID
           && k->lr->error == HPE_INVALID_METHOD;
}

/* RFC 9112 3.2: request-target forms; an invalid request-line SHOULD get
 * a 400 from a server.  http.c is not a server: it checks only that the
 * target has no whitespace or CTL, which is what delimits it; its form
 * does not frame anything.  http-parser checks the URL's form. */
static bool
target_form(const struct hd_case *k)
{
    int e = k->lr->error;
    return !k->in->response && HP(k) && HC_VALID(k)
           && k->lr->verdict == HD_INVALID
           && (e == HPE_INVALID_URL || e == HPE_INVALID_HOST
               || e == HPE_INVALID_PORT || e == HPE_INVALID_PATH
               || e == HPE_INVALID_QUERY_STRING
               || e == HPE_INVALID_FRAGMENT);
}

/* RFC 9110 2.5: a higher minor version than implemented SHOULD be handled
 * as the highest one implemented (HTTP/1.2 as 1.1).  libhtp knows only
 * 1.0 and 1.1 and flags others as invalid. */
static bool
minor_version(const struct hd_case *k)
{
    return HTP(k) && HC_VALID(k) && k->hc->minor >= 2
           && k->lr->verdict == HD_INVALID
           && !(k->lr->flags & (HTP_FIELD_UNPARSEABLE | HTP_FIELD_INVALID
                                | HTP_INVALID_FOLDING | HTP_REQUEST_INVALID));
}

/* RFC 9112 6.3 item 8: without CL or TE a response is delimited by close;
 * multipart/byteranges no longer delimits itself (RFC 9112 removed it).
 * libhtp refuses such a response. */
static bool
multipart_byteranges(const struct hd_case *k)
{
    return k->in->response && HTP(k) && HC_VALID(k)
           && k->lr->verdict == HD_INVALID
           && field_contains(k->in, "content-type", "multipart/byteranges");
}

/* RFC 9112 6.1, 6.3 item 4: Transfer-Encoding is a list whose final
 * coding must be chunked in a request.  libhtp accepts exactly "chunked"
 * and refuses "gzip, chunked" (and chunked split over two fields). */
static bool
request_te_list(const struct hd_case *k)
{
    return !k->in->response && HTP(k) && HC_VALID(k)
           && k->hc->framing == HD_CHUNKED && k->lr->verdict == HD_INVALID
           && (k->lr->flags & HTP_REQUEST_INVALID_T_E);
}

/* RFC 9110 5.1: field names are compared whole.  http-parser marks a
 * message as having Transfer-Encoding as soon as a field name begins
 * with "Transfer-Encoding" ("Transfer-EncodingX: y"), and (Debian's fix
 * for CVE-2020-8287) forgets a chunked seen before; it then rejects a
 * request (no final chunked), rejects it with Content-Length, or reads a
 * response until close. */
static bool
te_name_prefix(const struct hd_case *k)
{
    return HP(k) && HC_VALID(k) && has_longer_name(k->in, "transfer-encoding")
           && (k->lr->verdict == HD_INVALID || k->lr->framing == HD_CLOSE);
}

/* RFC 9112 2.2: a line ends at CRLF or a bare LF, so LF CR LF is a line
 * end followed by an empty line.  libhtp's response parser takes LF CR as
 * one line end ("LFCRCRLFCRLF"), so a head that http.c ends at LF CR LF
 * goes on for libhtp, or has an invalid fold in it. */
static bool
lf_cr(const struct hd_case *k)
{
    size_t n = k->in->len;
    if (HC_VALID(k)) {
        n = k->hc->head_len + 1 < n ? k->hc->head_len + 1 : n;
    }
    if (k->hc->verdict == HD_INVALID) {
        /* Only where libhtp's head ended before the byte http.c rejected. */
        if (!LR_VALID(k) || k->err < k->lr->head_len) {
            return false;
        }
        n = k->lr->head_len + 1 < n ? k->lr->head_len + 1 : n;
    }
    return k->in->response && HTP(k)
           && memmem(k->in->buf, n, "\n\r", 2) != NULL;
}

/* RFC 9112 5.2: a line of whitespace after a field line is obs-fold (an
 * empty continuation).  libhtp ends a response head at a line of SP or
 * HTAB and LF not followed by LF; http.c reads on, and either rejects a
 * later line or waits for the empty line and then does not trust the head
 * (untrusted_obs_fold). */
static bool
sp_lf_head_end(const struct hd_case *k)
{
    size_t e = k->lr->head_len;
    return k->in->response && HTP(k) && LR_VALID(k)
           && (k->hc->verdict == HD_INCOMPLETE
               || (k->hc->verdict == HD_INVALID && k->err >= e))
           && e >= 2 && k->in->buf[e - 1] == '\n'
           && is_ws(k->in->buf[e - 2]);
}

/* Notes the last non-empty element of a list value in *(struct span *). */
struct span {
    const uint8_t *p;
    size_t n;
};

static bool
last_element(const uint8_t *v, size_t n, void *arg)
{
    struct span *last = arg;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != ',') {
            j++;
        }
        size_t a = i, b = j;
        while (a < b && is_ws(v[a])) {
            a++;
        }
        while (b > a && is_ws(v[b - 1])) {
            b--;
        }
        if (b > a) {
            last->p = v + a;
            last->n = b - a;
        }
        i = j + 1;
    }
    return false;
}

/* RFC 9112 6.1, 6.3 item 3; RFC 9110 5.6.1: Transfer-Encoding is a list
 * of codings, over all its field lines, whose final (non-empty) element
 * decides; empty elements do not count.  Where that element is exactly
 * "chunked" (checked here on the bytes, apart from http.c), http-parser
 * can still miss it: its matcher swallows the comma after an element it
 * was matching against "chunked" ("c, chunked", "chunked, chunked",
 * "chunked,"), and gives up on a value at an empty element or one that
 * does not start with a token character ("gzip,, chunked", ", chunked"),
 * and then reads the response until close (a request it rejects).  Both
 * framings are passed through unelided by the controller. */
static bool
te_list_misread(const struct hd_case *k)
{
    struct span last = { NULL, 0 };
    each_field(k->in->buf, k->in->len, "transfer-encoding", last_element,
               &last);
    return HP(k) && HC_VALID(k) && k->hc->framing == HD_CHUNKED
           && (k->lr->verdict == HD_INVALID || k->lr->framing == HD_CLOSE)
           && last.n == 7 && ci_prefix(last.p, 7, "chunked");
}

static const struct {
    enum hd_class cls;
    bool (*match)(const struct hd_case *);
} preds[] = {
#define HD_CLASS(name, libs, rfc) { HD_C_##name, name },
#include "http_diff_classes.h"
#undef HD_CLASS
};

enum hd_class
hd_classify(const struct hd_input *in, enum hd_lib lib,
            const struct hd_result *hc, const struct hd_result *lr)
{
    struct hd_case k = { in, lib, hc, lr, R_UNKNOWN, 0 };

    /* No difference: neither has a head (an early rejection and a later
     * one are the same answer), http.c's untrusted framing and the
     * library's rejection (neither frames the body), or the same head,
     * framing and length. */
    if (hc->verdict != HD_VALID && lr->verdict != HD_VALID) {
        return HD_AGREE;
    }
    if (hc->verdict == HD_VALID && hc->framing == HD_UNTRUSTED
        && lr->verdict == HD_INVALID) {
        return HD_AGREE;
    }
    if (SAME_HEAD(&k) && hc->framing == lr->framing
        && (hc->framing != HD_LENGTH || hc->length == lr->length)) {
        return HD_AGREE;
    }
    if (hc->verdict == HD_INVALID) {
        k.err = hc_error_at(in);
        k.reason = hc_reason(in, k.err);
    }
    for (size_t i = 0; i < sizeof preds / sizeof *preds; i++) {
        if (preds[i].match(&k)) {
            return preds[i].cls;
        }
    }
    return HD_UNEXPLAINED;
}

bool
hd_check(const struct hd_input *in, enum hd_class cls[HD_NLIBS],
         struct hd_result res[1 + HD_NLIBS])
{
    bool ok = true;

    hd_run_http_c(in, &res[0]);
    hd_run_libhtp(in, &res[1 + HD_LIBHTP]);
    hd_run_http_parser(in, &res[1 + HD_HTTP_PARSER]);
    for (int l = 0; l < HD_NLIBS; l++) {
        cls[l] = hd_classify(in, (enum hd_lib) l, &res[0], &res[1 + l]);
        ok = ok && cls[l] != HD_UNEXPLAINED;
    }
    return ok;
}
