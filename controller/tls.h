/* TLS record walker and hello parsers for the elision of encrypted
 * connections (README "TLS and SSH").
 *
 * Pure functions over bytes, in the style of http.h: nothing is allocated
 * but the walker's bounded hello buffer, every length is checked before it
 * is used, and malformed input is an outcome with a reason, never a crash.
 * The walker follows one direction of a connection, fed its bytes in
 * order in pieces of any size (1-byte segments included), and says when
 * that direction's handshake is over.  References: RFC 8446 (TLS 1.3)
 * sections 4 and 5, RFC 5246 (TLS 1.2) sections 6 and 7, RFC 6066 3 (SNI),
 * RFC 7301 3.1 (ALPN), RFC 8701 (GREASE); JA3 as defined by its authors
 * (salesforce/ja3: version, ciphers, extensions, groups, point formats;
 * GREASE values left out), which is what tshark's tls.handshake.ja3_full
 * prints. */
#ifndef TLS_H
#define TLS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 5246 6.2.3: TLSCiphertext.length is at most 2^14 + 2048 (RFC 8446
 * 5.2 lowers it to 2^14 + 256 for TLS 1.3; a 1.2 peer may use the rest). */
#define TLS_RECORD_MAX (16384 + 2048)
/* Hello messages are held whole for parsing up to this size (a ClientHello
 * with a post-quantum key share is about 1.8 KB). */
#define TLS_HELLO_MAX 16384

enum tls_ct {                   /* ContentType, RFC 8446 5.1 */
    TLS_CT_CCS = 20, TLS_CT_ALERT = 21, TLS_CT_HANDSHAKE = 22,
    TLS_CT_APPDATA = 23, TLS_CT_HEARTBEAT = 24,
};

enum tls_note {
    TLS_MORE = 0,               /* all bytes taken, nothing to say */
    TLS_HELLO,                  /* a ClientHello or ServerHello is whole:
                                 * ev->msg, ev->msg_len (body, after the
                                 * 4-byte header), ev->hs_type */
    TLS_ALERT,                  /* an alert record before the handshake's
                                 * end: ev->alert = level << 8 | description */
    TLS_DONE,                   /* this direction's handshake is over: it
                                 * sent an application_data record, or a
                                 * record after ChangeCipherSpec (TLS 1.2's
                                 * encrypted Finished) */
    TLS_BAD,                    /* not TLS, or broken framing: ev->reason */
};

struct tls_event {
    enum tls_note note;
    const char *reason;         /* TLS_BAD: "not_tls", "tls_framing", ... */
    const char *detail;         /* TLS_BAD: what was wrong */
    uint8_t hs_type;            /* TLS_HELLO: 1 ClientHello, 2 ServerHello */
    const uint8_t *msg;         /* TLS_HELLO: valid until the next call */
    uint32_t msg_len;
    uint16_t alert;
};

/* One direction of a connection. Zero it (tls_dir_init) before the first
 * byte; tls_dir_free releases the hello buffer. */
struct tls_dir {
    uint64_t pos;               /* bytes taken so far */
    uint32_t left;              /* content bytes left in the current record */
    uint32_t hs_left;           /* body bytes left in the current message */
    uint32_t msg_n;             /* hello body bytes held */
    uint8_t hdr[5], hdr_n;      /* record header being read */
    uint8_t hs_hdr[4], hs_n;    /* handshake message header being read */
    uint8_t type;               /* current record's content type */
    uint8_t hs_type;            /* current handshake message's type */
    bool client;                /* client-to-server direction */
    bool started;               /* a whole record header was read */
    bool ccs;                   /* ChangeCipherSpec seen: records opaque */
    bool tls13;                 /* set by the caller once the ServerHello
                                 * chose TLS 1.3: ChangeCipherSpec records
                                 * are then ignored (RFC 8446 D.4), only
                                 * application_data ends the handshake */
    bool done;
    bool hs_any;                /* a handshake message was begun */
    uint8_t *msg;               /* hello being held, TLS_HELLO_MAX */
    uint8_t alert[2], alert_n;
};

void tls_dir_init(struct tls_dir *, bool client);
void tls_dir_free(struct tls_dir *);

/* Takes bytes [b, b + n) of the direction, which follow those of the
 * previous calls.  Stops at the first thing to say: returns how many bytes
 * were taken (all of them with TLS_MORE), and 'ev' says what.  Call again
 * with the rest.  After TLS_DONE or TLS_BAD nothing more is taken. */
size_t tls_walk(struct tls_dir *, const uint8_t *b, size_t n,
                struct tls_event *ev);

/* What a hello says. */
struct tls_hello {
    uint16_t legacy_version;
    uint16_t version;           /* ServerHello: the negotiated one (its
                                 * supported_versions, else legacy) */
    uint16_t cipher;            /* ServerHello */
    bool hrr;                   /* ServerHello: a HelloRetryRequest
                                 * (RFC 8446 4.1.3) */
    char sni[256];              /* ClientHello: host_name, "" if none */
    char alpn[256];             /* ClientHello: protocols, comma-separated */
    char versions[64];          /* ClientHello: supported_versions, e.g.
                                 * "0x0304,0x0303" */
    char ja3[2048];             /* JA3 string (ServerHello: JA3S) */
};

/* Parses a ClientHello or ServerHello body (RFC 8446 4.1.2, 4.1.3; RFC
 * 5246 7.4.1).  Returns NULL, or what is malformed. */
const char *tls_parse_client_hello(const uint8_t *m, size_t n,
                                   struct tls_hello *);
const char *tls_parse_server_hello(const uint8_t *m, size_t n,
                                   struct tls_hello *);

/* "TLS 1.3" for 0x0304 etc., "0xNNNN" otherwise (into 'buf', >= 8). */
const char *tls_version_str(uint16_t v, char *buf);

#endif
