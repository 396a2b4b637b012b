/* Differential testing of controller/http.c against two other HTTP/1.1
 * parsers that Debian packages: libhtp (Suricata's, 0.5.42) and
 * http-parser (nodejs's old one, 2.9.4).  See fuzz/DIFFERENTIAL.md.
 *
 * Each parser is run on one buffer that holds a request head, or a response
 * head together with what the request was (HEAD, CONNECT, anything else),
 * and its answer is reduced to the same four things: the verdict, where the
 * head ends, the body's framing and its length.  http_diff_classify() then
 * compares http.c with one library and names the documented class of the
 * difference, if any. */
#ifndef HTTP_DIFF_H
#define HTTP_DIFF_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hd_verdict {
    HD_INCOMPLETE,      /* no decision yet: the head has not ended */
    HD_INVALID,         /* rejected, or (libhtp) parsed but flagged as
                         * malformed */
    HD_VALID,
};

enum hd_framing {
    HD_NONE,            /* no body */
    HD_LENGTH,          /* 'length' bytes */
    HD_CHUNKED,
    HD_CLOSE,           /* until the connection closes */
    HD_TUNNEL,          /* not HTTP after the head */
    HD_UNTRUSTED,       /* the parser flags the framing as a smuggling
                         * vector (http.c's HTTP_BODY_UNTRUSTED, libhtp's
                         * HTP_REQUEST_SMUGGLING) */
};

enum hd_lib { HD_LIBHTP, HD_HTTP_PARSER, HD_NLIBS };

/* One message to parse. */
struct hd_input {
    const uint8_t *buf;
    size_t len;
    bool response;
    bool req_head;      /* responses: the request was HEAD */
    bool req_connect;   /* responses: the request was CONNECT */
};

/* What one parser made of it. */
struct hd_result {
    enum hd_verdict verdict;
    size_t head_len;            /* HD_VALID: bytes up to the empty line */
    enum hd_framing framing;    /* HD_VALID */
    uint64_t length;            /* HD_LENGTH */
    int status;                 /* responses, when the status line parsed */
    int minor;                  /* http.c: HTTP/1.x minor version */
    unsigned long long flags;   /* http.c anomalies, libhtp tx flags,
                                 * http-parser F_* flags */
    int error;                  /* http-parser errno, libhtp stream status,
                                 * http.c: 0 */
    bool cl_seen;               /* a Content-Length field was seen */
    bool te_seen;               /* a Transfer-Encoding field was seen */
};

void hd_run_http_c(const struct hd_input *in, struct hd_result *r);
void hd_run_libhtp(const struct hd_input *in, struct hd_result *r);
void hd_run_http_parser(const struct hd_input *in, struct hd_result *r);

const char *hd_lib_name(enum hd_lib lib);
const char *hd_verdict_str(enum hd_verdict v);
const char *hd_framing_str(enum hd_framing f);

/* Classes of difference.  HD_AGREE: no difference; HD_UNEXPLAINED: a
 * difference that no documented class covers (a bug to triage). */
enum hd_class {
    HD_AGREE,
#define HD_CLASS(name, libs, rfc) HD_C_##name,
#include "http_diff_classes.h"
#undef HD_CLASS
    HD_UNEXPLAINED,
    HD_NCLASSES
};

const char *hd_class_name(enum hd_class c);
const char *hd_class_rfc(enum hd_class c);

/* Compares http.c's result with one library's on the same input. */
enum hd_class hd_classify(const struct hd_input *in, enum hd_lib lib,
                          const struct hd_result *hc,
                          const struct hd_result *lr);

/* Runs all three parsers on 'in' and classifies both comparisons; 'cls'
 * receives one class per library.  Returns true if neither is
 * HD_UNEXPLAINED. */
bool hd_check(const struct hd_input *in, enum hd_class cls[HD_NLIBS],
              struct hd_result res[1 + HD_NLIBS]);

/* Writes a one-line description of a result to buf[0..n). */
const char *hd_result_str(const struct hd_result *r, char *buf, size_t n);

/* The first input byte of the fuzz target and of the corpus files holds
 * what the request was: bit 0 HEAD, bit 1 CONNECT (HEAD wins). */
#define HD_FLAG_HEAD 0x01
#define HD_FLAG_CONNECT 0x02

#endif
