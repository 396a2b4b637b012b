/* The three parsers behind one interface (see http_diff.h).
 *
 * Each adapter plays the part of the library's embedder as the library
 * documents it, and reduces what the library decided at the end of the
 * head to a verdict, a head length and a framing.  Nothing here second-
 * guesses a library: where it decides differently from http.c, the
 * difference is left for hd_classify() to name. */
#include "http_diff.h"

#include <htp/htp.h>
#include <http_parser.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* ---- http.c ------------------------------------------------------------ */

static enum hd_framing
from_http_c(enum http_framing f)
{
    switch (f) {
    case HTTP_BODY_NONE:      return HD_NONE;
    case HTTP_BODY_LENGTH:    return HD_LENGTH;
    case HTTP_BODY_CHUNKED:   return HD_CHUNKED;
    case HTTP_BODY_CLOSE:     return HD_CLOSE;
    case HTTP_BODY_TUNNEL:    return HD_TUNNEL;
    case HTTP_BODY_UNTRUSTED: return HD_UNTRUSTED;
    }
    abort();
}

void
hd_run_http_c(const struct hd_input *in, struct hd_result *r)
{
    int n;

    memset(r, 0, sizeof *r);
    r->status = -1;
    if (in->response) {
        struct http_response rs;
        n = http_parse_response(in->buf, in->len, in->req_head,
                                in->req_connect, &rs);
        if (n > 0) {
            r->framing = from_http_c(rs.framing);
            r->length = rs.content_length;
            r->status = rs.status;
            r->minor = rs.minor_version;
            r->flags = rs.anomalies;
        }
    } else {
        struct http_request rq;
        n = http_parse_request(in->buf, in->len, &rq);
        if (n > 0) {
            r->framing = from_http_c(rq.framing);
            r->length = rq.content_length;
            r->minor = rq.minor_version;
            r->flags = rq.anomalies;
        }
    }
    r->verdict = n > 0 ? HD_VALID : n == -1 ? HD_INVALID : HD_INCOMPLETE;
    r->head_len = n > 0 ? (size_t) n : 0;
}

/* ---- libhtp ------------------------------------------------------------ */

/* What the hooks saw of the first message, reached through the connection
 * parser's user data.  The headers hook takes a snapshot: what libhtp
 * does with later bytes (a body, the next message on the same transaction)
 * must not count against this head. */
struct htp_seen {
    bool line;              /* the request or response line hook ran */
    bool headers;           /* the request or response headers hook ran */
    htp_tx_t *tx;           /* the transaction they ran on: libhtp forgets
                             * it as current once it is complete */
    size_t head_len;        /* bytes of the chunk consumed at the hook */
    unsigned long long flags;
    int status, protocol;
    enum htp_transfer_coding_t coding;
    int64_t content_length;
    bool cl_seen, te_seen;
};

static bool
htp_has(const htp_table_t *headers, const char *name)
{
    return headers != NULL && htp_table_get_c(headers, name) != NULL;
}

/* The line hooks only note the transaction: later messages get another
 * one, which is ignored. */
static int
htp_line_hook(htp_tx_t *tx)
{
    struct htp_seen *s = htp_connp_get_user_data(tx->connp);
    if (s->tx == NULL) {
        s->tx = tx;
    }
    s->line |= s->tx == tx;
    return HTP_OK;
}

static int
htp_req_headers_hook(htp_tx_t *tx)
{
    struct htp_seen *s = htp_connp_get_user_data(tx->connp);
    if (!s->headers && s->tx == tx) {
        s->headers = true;
        s->head_len = htp_connp_req_data_consumed(tx->connp);
        s->flags = tx->flags;
        s->protocol = tx->request_protocol_number;
        s->coding = tx->request_transfer_coding;
        s->content_length = tx->request_content_length;
        s->cl_seen = htp_has(tx->request_headers, "content-length");
        s->te_seen = htp_has(tx->request_headers, "transfer-encoding");
    }
    return HTP_OK;
}

/* Runs at the end of libhtp's body decision (htp_connp_RES_BODY_DETERMINE),
 * so the transfer coding and length are set. */
static int
htp_res_headers_hook(htp_tx_t *tx)
{
    struct htp_seen *s = htp_connp_get_user_data(tx->connp);
    if (!s->headers && s->tx == tx) {
        s->headers = true;
        s->head_len = htp_connp_res_data_consumed(tx->connp);
        s->flags = tx->flags;
        s->protocol = tx->response_protocol_number;
        s->status = tx->response_status_number;
        s->coding = tx->response_transfer_coding;
        s->content_length = tx->response_content_length;
        s->cl_seen = htp_has(tx->response_headers, "content-length");
        s->te_seen = htp_has(tx->response_headers, "transfer-encoding");
    }
    return HTP_OK;
}

/* Suricata's default: the IDS personality. */
static htp_cfg_t *
htp_cfg(void)
{
    static htp_cfg_t *cfg;

    if (cfg == NULL) {
        cfg = htp_config_create();
        if (cfg == NULL
            || htp_config_set_server_personality(cfg, HTP_SERVER_IDS)
               != HTP_OK) {
            abort();
        }
        htp_config_set_log_level(cfg, HTP_LOG_NONE);
        htp_config_register_request_line(cfg, htp_line_hook);
        htp_config_register_request_headers(cfg, htp_req_headers_hook);
        htp_config_register_response_line(cfg, htp_line_hook);
        htp_config_register_response_headers(cfg, htp_res_headers_hook);
    }
    return cfg;
}

/* Flags that mean libhtp found the head malformed (Suricata raises an
 * event for each) although it went on parsing it. */
#define HTP_MALFORMED (HTP_FIELD_UNPARSEABLE | HTP_FIELD_INVALID             \
                       | HTP_INVALID_FOLDING | HTP_REQUEST_INVALID           \
                       | HTP_REQUEST_INVALID_T_E | HTP_REQUEST_INVALID_C_L   \
                       | HTP_STATUS_LINE_INVALID | HTP_HEADERS_TOO_MANY)

static bool
htp_protocol_ok(int p)
{
    return p == HTP_PROTOCOL_1_0 || p == HTP_PROTOCOL_1_1;
}

static htp_connp_t *
htp_open(struct htp_seen *s)
{
    htp_connp_t *c = htp_connp_create(htp_cfg());

    if (c == NULL) {
        abort();
    }
    htp_connp_open(c, "192.0.2.1", 40000, "192.0.2.2", 80, NULL);
    *s = (struct htp_seen) { .status = -1 };
    htp_connp_set_user_data(c, s);
    return c;
}

/* Feeds a request libhtp accepts, of the method in->req_head and
 * in->req_connect name, and then in->buf[0..len) as its response; returns
 * the connection parser (the caller destroys it) and the stream status. */
static htp_connp_t *
htp_feed_response(const struct hd_input *in, size_t len, struct htp_seen *s,
                  int *rc)
{
    static const char get[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    static const char head[] = "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n";
    static const char conn[] = "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n";
    const char *req = in->req_head ? head : in->req_connect ? conn : get;
    htp_connp_t *c = htp_open(s);

    htp_connp_req_data(c, NULL, req, strlen(req));
    *s = (struct htp_seen) { .status = -1 };
    *rc = len > 0 ? htp_connp_res_data(c, NULL, in->buf, len)
                  : HTP_STREAM_DATA;
    return c;
}

/* libhtp takes an interim 100 (Continue) in stride: it goes back to read
 * the final response line without running the headers hook.  The end of
 * that head is then the shortest prefix after which it has done so, less
 * the byte libhtp had to peek at when that prefix does not end in LF (an
 * empty line of a lone CR, or its line of SP LF, needs the next byte to
 * be known not to be LF). */
static size_t
htp_100_prefix(const struct hd_input *in)
{
    size_t lo = 1, hi = in->len;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct htp_seen s;
        int rc;
        htp_connp_t *c = htp_feed_response(in, mid, &s, &rc);
        bool seen = s.tx != NULL && s.tx->seen_100continue > 0;
        htp_connp_destroy_all(c);
        if (seen) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* Reduces what libhtp made of the response in in->buf[0..len). */
static void
htp_response_prefix(const struct hd_input *in, size_t len,
                    struct hd_result *r)
{
    struct htp_seen s;
    int rc;
    htp_connp_t *c = htp_feed_response(in, len, &s, &rc);

    r->error = rc;
    if (s.tx != NULL && s.tx->seen_100continue > 0) {
        /* An interim 100 head ended (libhtp cleared its fields); the
         * caller finds where. */
        r->flags = s.tx->flags;
        r->verdict = (s.tx->flags & HTP_MALFORMED) ? HD_INVALID : HD_VALID;
        r->head_len = len;
        r->framing = HD_NONE;
        r->status = 100;
    } else if (!s.headers) {
        /* libhtp never rejects a status line: a first line that does not
         * start with "HTTP" is taken as body data of a response without a
         * head (what browsers do), so no head has ended yet.  An invalid
         * Content-Length and multipart/byteranges are refused before the
         * headers hook runs. */
        r->verdict = rc == HTP_STREAM_ERROR ? HD_INVALID : HD_INCOMPLETE;
        if (s.tx != NULL) {
            r->flags = s.tx->flags;
            r->status = s.tx->response_status_number;
        }
    } else {
        r->flags = s.flags;
        r->status = s.status;
        r->cl_seen = s.cl_seen;
        r->te_seen = s.te_seen;
        r->verdict = (s.flags & HTP_MALFORMED) || !htp_protocol_ok(s.protocol)
                     ? HD_INVALID : HD_VALID;
        r->head_len = s.head_len;
        if (in->req_connect && s.status >= 200 && s.status <= 299) {
            r->framing = HD_TUNNEL;
        } else if (s.status == 101 && !s.cl_seen && !s.te_seen) {
            r->framing = HD_TUNNEL;
        } else if (s.flags & HTP_REQUEST_SMUGGLING) {
            r->framing = HD_UNTRUSTED;
        } else if (s.coding == HTP_CODING_CHUNKED) {
            r->framing = HD_CHUNKED;
        } else if (s.coding == HTP_CODING_IDENTITY) {
            r->framing = s.content_length >= 0 ? HD_LENGTH : HD_CLOSE;
            r->length = s.content_length >= 0 ? (uint64_t) s.content_length
                                              : 0;
        } else {
            r->framing = HD_NONE;
        }
    }
    htp_connp_destroy_all(c);
}

static void
htp_response(const struct hd_input *in, struct hd_result *r)
{
    htp_response_prefix(in, in->len, r);
    if (r->status == 100 && r->head_len == in->len) {
        /* The 100 head may end before the buffer does: find where, and
         * what libhtp thought of that head alone. */
        size_t p = htp_100_prefix(in);
        htp_response_prefix(in, p, r);
        if (r->head_len == p && p > 1 && in->buf[p - 1] != '\n') {
            r->head_len = p - 1;
        }
    }
}

static void
htp_request(const struct hd_input *in, struct hd_result *r)
{
    struct htp_seen s;
    htp_connp_t *c = htp_open(&s);
    int rc = in->len > 0 ? htp_connp_req_data(c, NULL, in->buf, in->len)
                         : HTP_STREAM_DATA;

    r->error = rc;
    if (s.line && !s.headers && s.tx != NULL
        && !htp_protocol_ok(s.tx->request_protocol_number)) {
        /* No version (HTTP/0.9), or one libhtp does not know, and no
         * field lines followed. */
        r->verdict = HD_INVALID;
        r->flags = s.tx->flags;
    } else if (!s.headers) {
        r->verdict = rc == HTP_STREAM_ERROR ? HD_INVALID : HD_INCOMPLETE;
    } else {
        r->flags = s.flags;
        r->cl_seen = s.cl_seen;
        r->te_seen = s.te_seen;
        /* A request-line without a version followed by field lines is
         * still parsed ("missing protocol"), as HTTP/0.9. */
        r->verdict = (s.flags & HTP_MALFORMED) || !htp_protocol_ok(s.protocol)
                     ? HD_INVALID : HD_VALID;
        r->head_len = s.head_len;
        if (s.flags & HTP_REQUEST_SMUGGLING) {
            r->framing = HD_UNTRUSTED;
        } else if (s.coding == HTP_CODING_CHUNKED) {
            r->framing = HD_CHUNKED;
        } else if (s.coding == HTP_CODING_IDENTITY) {
            r->framing = HD_LENGTH;
            r->length = (uint64_t) s.content_length;
        } else {
            r->framing = HD_NONE;
        }
    }
    htp_connp_destroy_all(c);
}

void
hd_run_libhtp(const struct hd_input *in, struct hd_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = -1;
    if (in->response) {
        htp_response(in, r);
    } else {
        htp_request(in, r);
    }
}

/* ---- http-parser ------------------------------------------------------- */

struct hp_seen {
    const struct hd_input *in;
    bool headers;
};

/* The embedder's part (http_parser.h): 1 means "no body" (a response to
 * HEAD), 2 "no body and the connection is no longer HTTP" (a 2xx to
 * CONNECT, which carries no Upgrade field).  The parser is paused so that
 * http_parser_execute() returns at the head's last LF. */
static int
hp_on_headers_complete(http_parser *p)
{
    struct hp_seen *s = p->data;
    int ret = 0;

    s->headers = true;
    if (p->type == HTTP_RESPONSE) {
        if (s->in->req_head) {
            ret = 1;
        } else if (s->in->req_connect && p->status_code / 100 == 2) {
            ret = 2;
        }
    }
    http_parser_pause(p, 1);
    return ret;
}

void
hd_run_http_parser(const struct hd_input *in, struct hd_result *r)
{
    static http_parser_settings settings;
    struct hp_seen s = { in, false };
    http_parser p;

    memset(r, 0, sizeof *r);
    r->status = -1;
    settings.on_headers_complete = hp_on_headers_complete;
    http_parser_init(&p, in->response ? HTTP_RESPONSE : HTTP_REQUEST);
    p.data = &s;
    size_t n = in->len > 0
               ? http_parser_execute(&p, &settings, (const char *) in->buf,
                                     in->len)
               : 0;
    enum http_errno e = HTTP_PARSER_ERRNO(&p);

    if (!s.headers) {
        r->error = e;
        r->verdict = e == HPE_OK ? HD_INCOMPLETE : HD_INVALID;
        return;
    }
    if (e != HPE_PAUSED) {
        /* on_headers_complete ran but the parser did not stop in it. */
        r->error = e;
        r->verdict = HD_INVALID;
        return;
    }
    /* n is the offset of the head's last LF; let the parser take it, which
     * is where it checks the framing (s_headers_done). */
    http_parser_pause(&p, 0);
    http_parser_execute(&p, &settings, (const char *) in->buf + n, 1);
    e = HTTP_PARSER_ERRNO(&p);
    r->error = e;
    r->flags = p.flags;
    r->status = in->response ? (int) p.status_code : -1;
    r->cl_seen = (p.flags & F_CONTENTLENGTH) != 0;
    r->te_seen = p.uses_transfer_encoding;
    if (e != HPE_OK && e != HPE_PAUSED) {
        r->verdict = HD_INVALID;
        return;
    }
    r->verdict = HD_VALID;
    r->head_len = n + 1;

    /* The decision of s_headers_done, in its order. */
    bool has_body = (p.flags & F_CHUNKED)
                    || (p.content_length > 0
                        && p.content_length != ULLONG_MAX);
    if (p.upgrade && (p.method == HTTP_CONNECT || (p.flags & F_SKIPBODY)
                      || !has_body)) {
        r->framing = HD_TUNNEL;
    } else if (p.flags & F_SKIPBODY) {
        r->framing = HD_NONE;
    } else if (p.flags & F_CHUNKED) {
        r->framing = HD_CHUNKED;
    } else if (p.uses_transfer_encoding) {
        r->framing = HD_CLOSE;      /* requests were rejected above */
    } else if (p.content_length != ULLONG_MAX) {
        r->framing = HD_LENGTH;
        r->length = p.content_length;
    } else if (in->response && p.status_code / 100 != 1
               && p.status_code != 204 && p.status_code != 304) {
        r->framing = HD_CLOSE;
    } else {
        r->framing = HD_NONE;
    }
}

/* ---- names ------------------------------------------------------------- */

const char *
hd_lib_name(enum hd_lib lib)
{
    return lib == HD_LIBHTP ? "libhtp" : "http-parser";
}

const char *
hd_verdict_str(enum hd_verdict v)
{
    return v == HD_VALID ? "valid" : v == HD_INVALID ? "invalid"
                                                     : "incomplete";
}

const char *
hd_framing_str(enum hd_framing f)
{
    static const char *const names[] = {
        "none", "length", "chunked", "close", "tunnel", "untrusted",
    };
    return (unsigned) f < sizeof names / sizeof *names ? names[f] : "?";
}
