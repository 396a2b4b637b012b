/* TLS record walker and hello parsers (see tls.h). */
#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
tls_dir_init(struct tls_dir *w, bool client)
{
    memset(w, 0, sizeof *w);
    w->client = client;
}

void
tls_dir_free(struct tls_dir *w)
{
    free(w->msg);
    w->msg = NULL;
}

static size_t
stop(struct tls_dir *w, struct tls_event *ev, const char *reason,
     const char *detail, size_t taken)
{
    w->done = true;
    ev->note = TLS_BAD;
    ev->reason = reason;
    ev->detail = detail;
    return taken;
}

/* A whole record header: RFC 8446 5.1 (and RFC 5246 6.2.1). */
static const char *
check_header(struct tls_dir *w, const char **reason)
{
    uint8_t type = w->hdr[0];
    uint32_t len = (uint32_t) w->hdr[3] << 8 | w->hdr[4];
    *reason = w->started ? "tls_framing" : "not_tls";
    if (!w->started && type != TLS_CT_HANDSHAKE
        && (w->client || type != TLS_CT_ALERT)) {
        /* The first record of either side is a hello (RFC 8446 4.1), or
         * the server's refusal. */
        return "the first record is not a handshake record";
    }
    if (type < TLS_CT_CCS || type > TLS_CT_HEARTBEAT) {
        return "unknown content type";
    }
    if (w->hdr[1] != 3 || w->hdr[2] > 4) {
        return "record version is not 3.x";
    }
    if (len > TLS_RECORD_MAX) {
        return "record longer than 2^14 + 2048 (RFC 5246 6.2.3)";
    }
    if (len == 0 && type != TLS_CT_APPDATA) {
        /* RFC 8446 5.1: no zero-length handshake or alert fragments;
         * RFC 5246 7.1: ChangeCipherSpec is one byte. */
        return "zero-length record of a type that must have content";
    }
    if (type == TLS_CT_CCS && len != 1) {
        return "ChangeCipherSpec record of other than one byte";
    }
    if (w->hs_n && type != TLS_CT_HANDSHAKE) {
        /* RFC 8446 5.1: handshake messages are not interleaved with
         * other record types. */
        return "a record of another type inside a handshake message";
    }
    *reason = NULL;
    return NULL;
}

/* Handshake content of a record before ChangeCipherSpec: message headers
 * and, for hellos, their bodies into w->msg. */
static size_t
hs_bytes(struct tls_dir *w, const uint8_t *b, size_t n, struct tls_event *ev)
{
    size_t i = 0;
    while (i < n) {
        if (w->hs_n < 4) {
            w->hs_hdr[w->hs_n++] = b[i++];
            if (w->hs_n < 4) {
                continue;
            }
            w->hs_type = w->hs_hdr[0];
            w->hs_left = (uint32_t) w->hs_hdr[1] << 16
                         | (uint32_t) w->hs_hdr[2] << 8 | w->hs_hdr[3];
            bool hello = w->hs_type == 1 || w->hs_type == 2;
            if (hello && w->hs_type != (w->client ? 1 : 2)) {
                return stop(w, ev, "tls_framing",
                            "a hello of the other side's kind", i);
            }
            bool first = !w->hs_any;
            w->hs_any = true;
            if (first && !hello) {
                /* The first message (after one record header) is the
                 * direction's hello. */
                return stop(w, ev, w->client ? "not_tls" : "tls_framing",
                            "the first handshake message is no hello", i);
            }
            if (hello) {
                if (w->hs_left > TLS_HELLO_MAX) {
                    return stop(w, ev, "tls_hello_too_large",
                                "a hello longer than the bound", i);
                }
                free(w->msg);
                w->msg = xmalloc(w->hs_left ? w->hs_left : 1);
                w->msg_n = 0;
            }
        } else {
            size_t k = n - i < w->hs_left ? n - i : w->hs_left;
            if (w->msg) {
                memcpy(w->msg + w->msg_n, b + i, k);
                w->msg_n += (uint32_t) k;
            }
            i += k;
            w->hs_left -= (uint32_t) k;
        }
        if (w->hs_n == 4 && !w->hs_left) {
            w->hs_n = 0;                        /* message whole */
            if (w->msg) {
                ev->note = TLS_HELLO;
                ev->hs_type = w->hs_type;
                ev->msg = w->msg;
                ev->msg_len = w->msg_n;
                return i;
            }
        }
    }
    return i;
}

/* The current record is whole. */
static void
record_end(struct tls_dir *w, struct tls_event *ev)
{
    if (w->type == TLS_CT_APPDATA || (w->ccs && w->type != TLS_CT_CCS)) {
        w->done = true;
        ev->note = TLS_DONE;
    } else if (w->type == TLS_CT_CCS && !w->tls13) {
        w->ccs = true;
    } else if (w->type == TLS_CT_ALERT && !w->ccs) {
        w->done = true;
        ev->note = TLS_ALERT;
        ev->alert = (uint16_t) (w->alert[0] << 8 | w->alert[1]);
    }
}

size_t
tls_walk(struct tls_dir *w, const uint8_t *b, size_t n, struct tls_event *ev)
{
    memset(ev, 0, sizeof *ev);
    if (w->msg && !w->hs_n) {
        free(w->msg);                           /* the last event's hello */
        w->msg = NULL;
        w->msg_n = 0;
    }
    size_t i = 0;
    while (i < n && !w->done) {
        if (!w->left && w->hdr_n < 5) {
            w->hdr[w->hdr_n++] = b[i++];
            w->pos++;
            if (w->hdr_n == 1 && !w->started && b[i - 1] != TLS_CT_HANDSHAKE
                && (w->client || b[i - 1] != TLS_CT_ALERT)) {
                return stop(w, ev, "not_tls",
                            "the first record is not a handshake record", i);
            }
            if (w->hdr_n < 5) {
                continue;
            }
            const char *reason, *why = check_header(w, &reason);
            if (why) {
                return stop(w, ev, reason, why, i);
            }
            w->hdr_n = 0;
            w->started = true;
            w->type = w->hdr[0];
            w->left = (uint32_t) w->hdr[3] << 8 | w->hdr[4];
            w->alert_n = 0;
            if (!w->left) {
                record_end(w, ev);              /* empty application data */
                if (ev->note) {
                    return i;
                }
            }
            continue;
        }
        size_t k = n - i < w->left ? n - i : w->left;
        size_t took = k;
        if (w->type == TLS_CT_HANDSHAKE && !w->ccs) {
            took = hs_bytes(w, b + i, k, ev);
        } else if (w->type == TLS_CT_ALERT) {
            for (size_t j = 0; j < k && w->alert_n < 2; j++) {
                w->alert[w->alert_n++] = b[i + j];
            }
        } else if (w->type == TLS_CT_CCS && b[i] != 1) {
            /* RFC 5246 7.1, RFC 8446 5: its one byte is 1. */
            return stop(w, ev, "tls_framing",
                        "ChangeCipherSpec of other than 1", i);
        }
        i += took;
        w->pos += took;
        w->left -= (uint32_t) took;
        if (ev->note == TLS_BAD) {
            return i;
        }
        if (!w->left) {
            if (w->type == TLS_CT_ALERT && w->alert_n < 2 && !w->ccs) {
                return stop(w, ev, "tls_framing", "an alert of one byte", i);
            }
            /* After a hello that ended its record this says nothing: a
             * handshake record before ChangeCipherSpec ends nothing. */
            record_end(w, ev);
        }
        if (ev->note) {
            return i;
        }
    }
    return i;
}

/* ---- Hellos ---- */

struct rd {
    const uint8_t *p;
    size_t n;
    bool bad;
};

static uint32_t
rd_n(struct rd *r, size_t k)
{
    uint32_t v = 0;
    if (r->n < k) {
        r->bad = true;
        r->n = 0;
        return 0;
    }
    for (size_t i = 0; i < k; i++) {
        v = v << 8 | r->p[i];
    }
    r->p += k;
    r->n -= k;
    return v;
}

/* A sub-reader of a length-prefixed vector ('k'-byte length). */
static struct rd
rd_vec(struct rd *r, size_t k)
{
    uint32_t len = rd_n(r, k);
    struct rd s = { r->p, len, r->bad };
    if (r->bad || len > r->n) {
        r->bad = s.bad = true;
        s.n = 0;
        r->n = 0;
        return s;
    }
    r->p += len;
    r->n -= len;
    return s;
}

/* RFC 8701: 0x0a0a, 0x1a1a, ..., 0xfafa. */
static bool
grease(uint32_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Appends to a bounded string; a full buffer keeps what fits. */
struct sb {
    char *s;
    size_t cap, len;
};

static void
sb_add(struct sb *b, const char *fmt, unsigned v)
{
    if (b->len + 1 < b->cap) {
        int k = snprintf(b->s + b->len, b->cap - b->len, fmt, v);
        if (k > 0) {
            b->len += (size_t) k < b->cap - b->len ? (size_t) k
                                                    : b->cap - b->len - 1;
        }
    }
}

/* Printable ASCII of a name, others as '?'. */
static void
copy_name(char *dst, size_t cap, size_t *at, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n && *at + 1 < cap; i++) {
        dst[(*at)++] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"'
                       && s[i] != '\\' ? (char) s[i] : '?';
    }
    dst[*at] = '\0';
}

/* A list of 'k'-byte values into 'b', '-'-separated, GREASE left out. */
static void
ja3_list(struct sb *b, struct rd v, size_t k)
{
    bool first = true;
    while (v.n >= k) {
        uint32_t x = rd_n(&v, k);
        if (k == 2 && grease(x)) {
            continue;
        }
        sb_add(b, first ? "%u" : "-%u", x);
        first = false;
    }
}

const char *
tls_parse_client_hello(const uint8_t *m, size_t n, struct tls_hello *h)
{
    memset(h, 0, sizeof *h);
    struct rd r = { m, n, false };
    h->legacy_version = (uint16_t) rd_n(&r, 2);
    rd_n(&r, 32);                               /* random */
    struct rd sid = rd_vec(&r, 1);
    struct rd ciphers = rd_vec(&r, 2);
    struct rd comp = rd_vec(&r, 1);
    if (r.bad || sid.n > 32 || ciphers.n < 2 || ciphers.n % 2 || comp.n < 1) {
        return "malformed ClientHello";
    }
    struct rd exts = { NULL, 0, false }, groups = exts, formats = exts;
    if (r.n) {
        exts = rd_vec(&r, 2);
        if (r.bad || r.n) {
            return "malformed ClientHello extensions";
        }
    }
    struct sb ja3 = { h->ja3, sizeof h->ja3, 0 };
    h->ja3[0] = '\0';
    sb_add(&ja3, "%u,", h->legacy_version);
    ja3_list(&ja3, ciphers, 2);
    sb_add(&ja3, ",", 0);
    bool first = true;
    size_t alpn_at = 0, ver_at = 0;
    while (exts.n) {
        uint32_t type = rd_n(&exts, 2);
        struct rd d = rd_vec(&exts, 2);
        if (exts.bad) {
            return "malformed ClientHello extension";
        }
        if (!grease(type)) {
            sb_add(&ja3, first ? "%u" : "-%u", type);
            first = false;
        }
        if (type == 0 && !h->sni[0]) {          /* server_name, RFC 6066 3 */
            struct rd list = rd_vec(&d, 2);
            while (list.n && !list.bad) {
                uint32_t kind = rd_n(&list, 1);
                struct rd name = rd_vec(&list, 2);
                if (!list.bad && kind == 0) {
                    size_t at = 0;
                    copy_name(h->sni, sizeof h->sni, &at, name.p, name.n);
                    break;
                }
            }
        } else if (type == 16) {                /* ALPN, RFC 7301 3.1 */
            struct rd list = rd_vec(&d, 2);
            while (list.n && !list.bad) {
                struct rd proto = rd_vec(&list, 1);
                if (list.bad) {
                    break;
                }
                if (alpn_at && alpn_at + 1 < sizeof h->alpn) {
                    h->alpn[alpn_at++] = ',';
                }
                copy_name(h->alpn, sizeof h->alpn, &alpn_at, proto.p, proto.n);
            }
        } else if (type == 43) {                /* supported_versions */
            struct rd list = rd_vec(&d, 1);
            while (list.n >= 2) {
                uint32_t v = rd_n(&list, 2);
                if (!grease(v) && ver_at + 8 < sizeof h->versions) {
                    ver_at += (size_t) snprintf(h->versions + ver_at,
                                                sizeof h->versions - ver_at,
                                                "%s0x%04x", ver_at ? "," : "",
                                                v);
                }
            }
        } else if (type == 10) {                /* supported_groups */
            groups = rd_vec(&d, 2);
        } else if (type == 11) {                /* ec_point_formats */
            formats = rd_vec(&d, 1);
        }
    }
    sb_add(&ja3, ",", 0);
    ja3_list(&ja3, groups, 2);
    sb_add(&ja3, ",", 0);
    ja3_list(&ja3, formats, 1);
    return NULL;
}

/* RFC 8446 4.1.3: the random of a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
    0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
    0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

const char *
tls_parse_server_hello(const uint8_t *m, size_t n, struct tls_hello *h)
{
    memset(h, 0, sizeof *h);
    struct rd r = { m, n, false };
    h->legacy_version = h->version = (uint16_t) rd_n(&r, 2);
    h->hrr = r.n >= 32 && !memcmp(r.p, hrr_random, 32);
    rd_n(&r, 32);
    struct rd sid = rd_vec(&r, 1);
    h->cipher = (uint16_t) rd_n(&r, 2);
    rd_n(&r, 1);                                /* compression */
    if (r.bad || sid.n > 32) {
        return "malformed ServerHello";
    }
    struct rd exts = { NULL, 0, false };
    if (r.n) {
        exts = rd_vec(&r, 2);
        if (r.bad || r.n) {
            return "malformed ServerHello extensions";
        }
    }
    struct sb ja3 = { h->ja3, sizeof h->ja3, 0 };
    h->ja3[0] = '\0';
    sb_add(&ja3, "%u,", h->legacy_version);
    sb_add(&ja3, "%u,", h->cipher);
    bool first = true;
    while (exts.n) {
        uint32_t type = rd_n(&exts, 2);
        struct rd d = rd_vec(&exts, 2);
        if (exts.bad) {
            return "malformed ServerHello extension";
        }
        sb_add(&ja3, first ? "%u" : "-%u", type);
        first = false;
        if (type == 43 && d.n == 2) {           /* selected version */
            h->version = (uint16_t) rd_n(&d, 2);
        }
    }
    return NULL;
}

const char *
tls_version_str(uint16_t v, char *buf)
{
    if (v >= 0x0301 && v <= 0x0304) {
        snprintf(buf, 8, "TLS 1.%u", (unsigned) (v - 0x0301));
    } else if (v == 0x0300) {
        snprintf(buf, 8, "SSL 3.0");
    } else {
        snprintf(buf, 8, "0x%04x", v);
    }
    return buf;
}
