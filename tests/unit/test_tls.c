/* The TLS record walker and hello parsers (controller/tls.c), and the SSH
 * walker (controller/ssh.c), on streams captured from openssl s_client,
 * curl and openssl s_server (tests/fixtures/tls; curl13-pq is curl13 with
 * a post-quantum key share, make-pq.py), fed whole, in every two-piece
 * split and byte by byte: the same events at the same offsets each time.
 * Expected values are tshark's (tls.handshake.ja3_full, ja3s_full,
 * extensions_server_name, alpn_str) on the capture the fixtures came from. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh.h"
#include "tls.h"
#include "tlsfixture.h"


/* Walks 'b' in pieces: [0, cut) then the rest (cut 0: whole), or byte by
 * byte (cut SIZE_MAX).  Returns the events as "hello1@N;done@M" where N,
 * M are the stream offsets just after each, with the hello parsed into
 * 'h'. */
static char *
walk(bool client, const uint8_t *b, size_t n, size_t cut, struct tls_hello *h,
     char *out, size_t cap)
{
    struct tls_dir w;
    tls_dir_init(&w, client);
    size_t at = 0, len = 0;
    out[0] = '\0';
    while (at < n && !w.done) {
        size_t piece = cut == SIZE_MAX ? 1 : cut && at < cut ? cut - at : n - at;
        size_t took = 0;
        while (took < piece && !w.done) {
            struct tls_event ev;
            size_t k = tls_walk(&w, b + at + took, piece - took, &ev);
            took += k;
            const char *name = NULL;
            char tmp[64];
            switch (ev.note) {
            case TLS_MORE:
                break;
            case TLS_HELLO:
                cr_assert_null(ev.hs_type == 1
                               ? tls_parse_client_hello(ev.msg, ev.msg_len, h)
                               : tls_parse_server_hello(ev.msg, ev.msg_len, h));
                snprintf(tmp, sizeof tmp, "hello%u", ev.hs_type);
                name = tmp;
                break;
            case TLS_DONE:
                name = "done";
                break;
            case TLS_ALERT:
                snprintf(tmp, sizeof tmp, "alert%04x", ev.alert);
                name = tmp;
                break;
            case TLS_BAD:
                snprintf(tmp, sizeof tmp, "%s", ev.reason);
                name = tmp;
                break;
            }
            if (name) {
                len += (size_t) snprintf(out + len, cap - len, "%s%s@%zu",
                                         len ? ";" : "", name, at + took);
            }
            if (ev.note == TLS_MORE) {
                cr_assert_eq(k, piece - (took - k), "MORE takes everything");
            }
        }
        at += took;
    }
    tls_dir_free(&w);
    return out;
}

struct fixture {
    const char *name;
    const char *sni, *alpn, *versions, *ja3;    /* ClientHello */
    uint16_t version, cipher;                   /* ServerHello */
    const char *ja3s;
};

static const struct fixture fixtures[] = {
    { "openssl13", "www.example.org", "http/1.1", "0x0304",
      "771,4866-4867-4865-255,0-11-10-35-16-22-23-13-43-45-51,"
      "29-23-30-25-24-256-257-258-259-260,0-1-2", 0x0304, 4866, "771,4866,43-51" },
    { "openssl12", "tls12.example.org", "http/1.1", "",
      "771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-"
      "49187-49191-103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,"
      "0-11-10-35-16-22-23-13,29-23-30-25-24,0-1-2", 0x0303, 49200,
      "771,49200,65281-11-35-16-23" },
    { "curl13", "curl.example.org", "h2,http/1.1", "0x0304,0x0303,0x0302,0x0301",
      "771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-49199-158-"
      "49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-156-"
      "61-60-53-47-255,0-11-10-16-22-23-49-13-43-45-51-21,"
      "29-23-30-25-24-256-257-258-259-260,0-1-2", 0x0304, 4866, "771,4866,43-51" },
    { "curl13-pq", "curl.example.org", "h2,http/1.1",
      "0x0304,0x0303,0x0302,0x0301",
      "771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-49199-158-"
      "49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-156-"
      "61-60-53-47-255,0-11-10-16-22-23-49-13-43-45-51-21,"
      "29-23-30-25-24-256-257-258-259-260,0-1-2", 0x0304, 4866, "771,4866,43-51" },
    { "curl12", "curl12.example.org", "h2,http/1.1", "",
      "771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-"
      "49187-49191-103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,"
      "0-11-10-16-22-23-13,29-23-30-25-24,0-1-2", 0x0303, 49200,
      "771,49200,65281-11-23" },
};

static void
check_dir(const struct fixture *fx, bool client)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%s", fx->name, client ? "c2s" : "s2c");
    size_t n;
    uint8_t *b = tlsfixture(name, &n);
    struct tls_hello h;
    char whole[256], other[256];
    walk(client, b, n, 0, &h, whole, sizeof whole);
    /* The hello, then the end of the handshake, and nothing else. */
    cr_assert(!strncmp(whole, client ? "hello1@" : "hello2@", 7), "%s: %s",
              name, whole);
    cr_assert(strstr(whole, ";done@") && !strchr(strchr(whole, ';') + 1, ';'),
              "%s: %s", name, whole);
    if (client) {
        cr_assert_str_eq(h.sni, fx->sni, "%s", name);
        cr_assert_str_eq(h.alpn, fx->alpn, "%s", name);
        cr_assert_str_eq(h.versions, fx->versions, "%s", name);
        cr_assert_str_eq(h.ja3, fx->ja3, "%s", name);
    } else {
        cr_assert_eq(h.version, fx->version, "%s", name);
        cr_assert_eq(h.cipher, fx->cipher, "%s", name);
        cr_assert_str_eq(h.ja3, fx->ja3s, "%s", name);
        cr_assert(!h.hrr);
    }
    /* Every split, and byte by byte: the same events at the same places. */
    for (size_t cut = 1; cut < n; cut++) {
        walk(client, b, n, cut, &h, other, sizeof other);
        cr_assert_str_eq(other, whole, "%s cut at %zu", name, cut);
    }
    walk(client, b, n, SIZE_MAX, &h, other, sizeof other);
    cr_assert_str_eq(other, whole, "%s byte by byte", name);
    free(b);
}

Test(tls, fixtures_every_split)
{
    for (size_t i = 0; i < sizeof fixtures / sizeof *fixtures; i++) {
        check_dir(&fixtures[i], true);
        check_dir(&fixtures[i], false);
    }
}

/* The post-quantum hello is longer than one Ethernet segment. */
Test(tls, pq_hello_spans_segments)
{
    size_t n;
    uint8_t *b = tlsfixture("curl13-pq.c2s", &n);
    cr_assert_gt((size_t) (b[3] << 8 | b[4]), 1448);
    free(b);
}

/* TLS 1.3 ends a direction at its first application_data record; 1.2 at
 * the record after ChangeCipherSpec (the encrypted Finished). */
Test(tls, where_the_handshake_ends)
{
    size_t n;
    struct tls_hello h;
    char out[256];
    uint8_t *b = tlsfixture("openssl12.c2s", &n);
    walk(true, b, n, 0, &h, out, sizeof out);
    /* ClientHello, then ClientKeyExchange, CCS, Finished (45 bytes here). */
    size_t done = strtoul(strstr(out, "done@") + 5, NULL, 10);
    cr_assert_eq(b[done - 45], 22, "%s", out);        /* Finished */
    cr_assert_eq(b[done - 45 - 6], 20, "%s", out);    /* the CCS record */
    free(b);
}

static char *
walk_bytes(bool client, const void *b, size_t n, char *out, size_t cap)
{
    struct tls_hello h;
    return walk(client, b, n, 0, &h, out, cap);
}

/* A record header followed by content. */
static size_t
rec(uint8_t *b, uint8_t type, uint16_t ver, size_t len)
{
    b[0] = type;
    b[1] = (uint8_t) (ver >> 8);
    b[2] = (uint8_t) ver;
    b[3] = (uint8_t) (len >> 8);
    b[4] = (uint8_t) len;
    return 5;
}

Test(tls, hostile_records)
{
    uint8_t b[32768] = { 0 };
    char out[256];
    /* Cleartext HTTP on a TLS port: said at its first byte. */
    cr_assert_str_eq(walk_bytes(true, "GET / HTTP/1.1\r\n", 16, out, sizeof out),
                     "not_tls@1");
    /* Application data first. */
    rec(b, 23, 0x0303, 10);
    cr_assert_str_eq(walk_bytes(true, b, 15, out, sizeof out), "not_tls@1");
    /* A record longer than 2^14 + 2048. */
    rec(b, 22, 0x0301, TLS_RECORD_MAX + 1);
    cr_assert_str_eq(walk_bytes(true, b, 32768, out, sizeof out), "not_tls@5");
    /* Zero-length handshake record. */
    rec(b, 22, 0x0301, 0);
    cr_assert_str_eq(walk_bytes(true, b, 5, out, sizeof out), "not_tls@5");
    /* Not version 3.x. */
    rec(b, 22, 0x0201, 4);
    cr_assert_str_eq(walk_bytes(true, b, 9, out, sizeof out), "not_tls@5");
    /* A first message that is no hello. */
    rec(b, 22, 0x0301, 4);
    b[5] = 11;
    cr_assert_str_eq(walk_bytes(true, b, 9, out, sizeof out), "not_tls@9");
    /* The server sending a ClientHello. */
    b[5] = 1;
    cr_assert_str_eq(walk_bytes(false, b, 9, out, sizeof out), "tls_framing@9");
    /* A hello longer than the bound. */
    b[5] = 1;
    b[6] = 1;                                   /* 65536 + ... */
    cr_assert_str_eq(walk_bytes(true, b, 9, out, sizeof out),
                     "tls_hello_too_large@9");
}

/* A real ClientHello, then records that break the framing after it. */
Test(tls, hostile_after_hello)
{
    size_t n;
    uint8_t *ch = tlsfixture("openssl13.c2s", &n);
    size_t hl = 5 + (size_t) (ch[3] << 8 | ch[4]);
    uint8_t b[4096];
    char out[256], want[64];
    memcpy(b, ch, hl);
    /* An unknown content type. */
    rec(b + hl, 99, 0x0303, 2);
    walk_bytes(true, b, hl + 7, out, sizeof out);
    snprintf(want, sizeof want, "hello1@%zu;tls_framing@%zu", hl, hl + 5);
    cr_assert_str_eq(out, want);
    /* An alert record while the handshake is watched. */
    rec(b + hl, 21, 0x0303, 2);
    b[hl + 5] = 2;
    b[hl + 6] = 40;
    walk_bytes(true, b, hl + 7, out, sizeof out);
    snprintf(want, sizeof want, "hello1@%zu;alert0228@%zu", hl, hl + 7);
    cr_assert_str_eq(out, want);
    /* A ChangeCipherSpec of two bytes. */
    rec(b + hl, 20, 0x0303, 2);
    walk_bytes(true, b, hl + 7, out, sizeof out);
    snprintf(want, sizeof want, "hello1@%zu;tls_framing@%zu", hl, hl + 5);
    cr_assert_str_eq(out, want);
    /* A handshake message cut by an alert (interleaving, RFC 8446 5.1). */
    size_t at = hl;
    at += rec(b + at, 22, 0x0303, 4);
    b[at++] = 11;                                /* Certificate, 100 bytes */
    b[at++] = 0;
    b[at++] = 0;
    b[at++] = 100;
    at += rec(b + at, 21, 0x0303, 2);
    walk_bytes(true, b, at + 2, out, sizeof out);
    snprintf(want, sizeof want, "hello1@%zu;tls_framing@%zu", hl, at);
    cr_assert_str_eq(out, want);
    /* Empty application data ends the direction's handshake. */
    rec(b + hl, 23, 0x0303, 0);
    walk_bytes(true, b, hl + 5, out, sizeof out);
    snprintf(want, sizeof want, "hello1@%zu;done@%zu", hl, hl + 5);
    cr_assert_str_eq(out, want);
    free(ch);
}

/* Every prefix of a hello body parses or says it is malformed, never
 * reads past it (AddressSanitizer checks the exact-size copies). */
Test(tls, hello_prefixes)
{
    size_t n;
    uint8_t *ch = tlsfixture("curl13-pq.c2s", &n);
    size_t body = (size_t) (ch[6] << 16 | ch[7] << 8 | ch[8]);
    struct tls_hello h;
    for (size_t k = 0; k <= body; k++) {
        uint8_t *m = malloc(k ? k : 1);
        memcpy(m, ch + 9, k);
        const char *r = tls_parse_client_hello(m, k, &h);
        cr_assert(k == body ? r == NULL : r != NULL || k >= 2 + 32 + 1, "k=%zu", k);
        free(m);
    }
    free(ch);
    ch = tlsfixture("curl12.s2c", &n);
    body = (size_t) (ch[6] << 16 | ch[7] << 8 | ch[8]);
    for (size_t k = 0; k <= body; k++) {
        uint8_t *m = malloc(k ? k : 1);
        memcpy(m, ch + 9, k);
        (void) tls_parse_server_hello(m, k, &h);
        free(m);
    }
    cr_assert_null(tls_parse_server_hello(ch + 9, body, &h));
    free(ch);
}

/* ---- SSH ---- */

static char *
ssh_walk_all(bool client, const uint8_t *b, size_t n, size_t cut, char *out,
             size_t cap)
{
    struct ssh_dir w;
    ssh_dir_init(&w, client);
    size_t at = 0, len = 0;
    out[0] = '\0';
    while (at < n && !w.done) {
        size_t piece = cut == SIZE_MAX ? 1 : cut && at < cut ? cut - at : n - at;
        size_t took = 0;
        while (took < piece && !w.done) {
            struct ssh_event ev;
            took += ssh_walk(&w, b + at + took, piece - took, &ev);
            const char *name = ev.note == SSH_VERSION ? ev.version
                               : ev.note == SSH_KEXINIT ? "kexinit"
                               : ev.note == SSH_DONE ? "newkeys"
                               : ev.note == SSH_BAD ? ev.reason : NULL;
            if (name) {
                len += (size_t) snprintf(out + len, cap - len, "%s%s@%zu",
                                         len ? ";" : "", name, at + took);
            }
        }
        at += took;
    }
    return out;
}

/* An SSH binary packet of message 'type' with 'plen' payload bytes. */
static size_t
ssh_pkt(uint8_t *b, uint8_t type, size_t plen)
{
    size_t pad = 8 - (5 + plen) % 8;
    pad = pad < 4 ? pad + 8 : pad;
    size_t len = 1 + plen + pad;
    b[0] = (uint8_t) (len >> 24);
    b[1] = (uint8_t) (len >> 16);
    b[2] = (uint8_t) (len >> 8);
    b[3] = (uint8_t) len;
    b[4] = (uint8_t) pad;
    b[5] = type;
    memset(b + 6, 0xab, plen - 1 + pad);
    return 4 + len;
}

Test(ssh, kex_every_split)
{
    uint8_t b[4096];
    size_t n = 0;
    static const char ver[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
    memcpy(b, ver, sizeof ver - 1);
    n += sizeof ver - 1;
    n += ssh_pkt(b + n, SSH_MSG_KEXINIT, 1000);
    size_t kex = n;
    n += ssh_pkt(b + n, 30, 1200);              /* KEX_ECDH_INIT, PQ size */
    n += ssh_pkt(b + n, SSH_MSG_NEWKEYS, 1);
    size_t nk = n;
    memset(b + n, 0x5a, 100);                   /* encrypted from here */
    n += 100;
    char whole[256], other[256], want[256];
    ssh_walk_all(true, b, n, 0, whole, sizeof whole);
    snprintf(want, sizeof want,
             "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3@%zu;kexinit@%zu;newkeys@%zu",
             sizeof ver - 1, kex, nk);
    cr_assert_str_eq(whole, want);
    for (size_t cut = 1; cut < n; cut++) {
        ssh_walk_all(true, b, n, cut, other, sizeof other);
        cr_assert_str_eq(other, whole, "cut at %zu", cut);
    }
    ssh_walk_all(true, b, n, SIZE_MAX, other, sizeof other);
    cr_assert_str_eq(other, whole);
}

Test(ssh, hostile)
{
    char out[256];
    uint8_t b[64];
    /* HTTP on the SSH port. */
    ssh_walk_all(true, (const uint8_t *) "GET / HTTP/1.1\r\n", 16, 0, out,
                 sizeof out);
    cr_assert_str_eq(out, "not_ssh@1");
    /* SSH 1.5. */
    ssh_walk_all(false, (const uint8_t *) "SSH-1.5-old\r\n", 13, 0, out,
                 sizeof out);
    cr_assert_str_eq(out, "not_ssh@13");
    /* A server may send other lines first; a client may not. */
    static const char pre[] = "hello\r\nSSH-2.0-x\r\n";
    ssh_walk_all(false, (const uint8_t *) pre, sizeof pre - 1, 0, out, sizeof out);
    cr_assert_str_eq(out, "SSH-2.0-x@18");
    ssh_walk_all(true, (const uint8_t *) pre, sizeof pre - 1, 0, out, sizeof out);
    cr_assert_str_eq(out, "not_ssh@1");
    /* A line without end. */
    uint8_t line[400];
    memcpy(line, "SSH-2.0-", 8);
    memset(line + 8, 'a', sizeof line - 8);
    ssh_walk_all(true, line, sizeof line, 0, out, sizeof out);
    cr_assert_str_eq(out, "not_ssh@255");
    /* Packet lengths out of bounds. */
    memcpy(b, "SSH-2.0-x\n", 10);
    memcpy(b + 10, "\x7f\xff\xff\xff\x04\x14", 6);
    ssh_walk_all(true, b, 16, 0, out, sizeof out);
    cr_assert_str_eq(out, "SSH-2.0-x@10;ssh_framing@16");
    memcpy(b + 10, "\x00\x00\x00\x0c\x02\x14", 6);       /* padding < 4 */
    ssh_walk_all(true, b, 16, 0, out, sizeof out);
    cr_assert_str_eq(out, "SSH-2.0-x@10;ssh_framing@16");
}
