/* HTTP/1.1 message-head parser (RFC 9112) for the elision logic.
 *
 * Stateless, in the style of picohttpparser: the caller owns the buffer
 * (the reassembled bytes of one request or response head, starting at its
 * first byte), nothing is allocated, and the parser is called again with
 * the longer buffer when more bytes arrive.  Results point into the
 * caller's buffer.
 *
 * Return value of the two parse functions:
 *   > 0   the head is complete; the value is its length in bytes, up to and
 *         including the empty line that ends it (CRLF CRLF, or bare LF LF,
 *         RFC 9112 2.2);
 *   -2    the head is incomplete (no error so far; call again with more);
 *   -1    the head is invalid (syntax that RFC 9112 says must be rejected).
 *
 * Framing (RFC 9112 6.3) is decided by the parser; anomalies that make the
 * body length untrustworthy (smuggling vectors) are reported as bits and
 * always force HTTP_BODY_UNTRUSTED. */
#ifndef HTTP_H
#define HTTP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_framing {
    HTTP_BODY_NONE,       /* no body: HEAD response, 1xx, 204, 304, or a
                           * request with neither CL nor TE */
    HTTP_BODY_LENGTH,     /* Content-Length bytes follow the head */
    HTTP_BODY_CHUNKED,    /* Transfer-Encoding with final coding chunked */
    HTTP_BODY_CLOSE,      /* response delimited by connection close */
    HTTP_BODY_TUNNEL,     /* 101 Switching Protocols, or 2xx to CONNECT:
                           * what follows is not HTTP */
    HTTP_BODY_UNTRUSTED,  /* framing cannot be trusted (see anomalies):
                           * never elide, stop parsing this connection */
};

/* Anomaly bits. */
#define HTTP_A_CL_TE          0x0001  /* both Content-Length and TE */
#define HTTP_A_CL_CONFLICT    0x0002  /* several Content-Length values differ */
#define HTTP_A_CL_INVALID     0x0004  /* not 1*DIGIT: sign, space inside,
                                       * empty, non-digit */
#define HTTP_A_CL_OVERFLOW    0x0008  /* does not fit in 63 bits */
#define HTTP_A_CL_LEADING_ZERO 0x0010 /* "007": valid grammar, but parsed
                                       * differently across implementations */
#define HTTP_A_TE_NOT_CHUNKED 0x0020  /* request TE whose final coding is not
                                       * chunked (RFC 9112 6.3 item 4), TE
                                       * in HTTP/1.0 (RFC 9112 6.1), or
                                       * chunked with parameters (RFC 9112
                                       * 7.1) */
#define HTTP_A_OBS_FOLD       0x0040  /* obsolete line folding: untrusted
                                       * framing even without a body */
#define HTTP_A_CL_DUPLICATE   0x0080  /* several identical CL values
                                       * (accepted, reported) */

struct http_request {
    const char *method;     size_t method_len;
    const char *target;     size_t target_len;
    int minor_version;      /* HTTP/1.x: x */
    enum http_framing framing;   /* NONE, LENGTH, CHUNKED or UNTRUSTED */
    uint64_t content_length;     /* valid when framing == HTTP_BODY_LENGTH */
    unsigned anomalies;
    bool is_head;           /* method is HEAD */
    bool is_connect;        /* method is CONNECT */
    bool expect_continue;   /* Expect: 100-continue */
    bool conn_close;        /* Connection: close */
};

struct http_response {
    int minor_version;
    int status;                  /* 100..999 */
    enum http_framing framing;
    uint64_t content_length;     /* valid when framing == HTTP_BODY_LENGTH */
    bool has_content_length;     /* a valid Content-Length value was given,
                                  * whatever the framing (elide-paper uses
                                  * it as the 2016 system did) */
    unsigned anomalies;
    bool conn_close;             /* Connection: close (or HTTP/1.0 without
                                  * keep-alive) */
};

/* Parses a request head in buf[0..len). */
int http_parse_request(const uint8_t *buf, size_t len,
                       struct http_request *req);

/* Parses a response head in buf[0..len).  'req_head' and 'req_connect' say
 * whether the request this answers was HEAD or CONNECT: they decide the
 * framing (RFC 9112 6.3 items 1 and 2). */
int http_parse_response(const uint8_t *buf, size_t len, bool req_head,
                        bool req_connect, struct http_response *resp);

/* Returns the offset just past the first empty line (end of head) in
 * buf[0..len), searching from 'from' (a previous return of -1 may be
 * passed back as len - 3 to resume cheaply), or -1 if there is none yet. */
long http_find_head_end(const uint8_t *buf, size_t len, size_t from);

const char *http_framing_str(enum http_framing f);

/* Writes a comma-separated list of anomaly names ("cl_te,cl_conflict") into
 * buf of size n; returns buf. */
const char *http_anomalies_str(unsigned anomalies, char *buf, size_t n);

#endif
