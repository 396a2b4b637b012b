/* libFuzzer target: the TLS record walker and hello parsers, and the SSH
 * walker, on any bytes in any split.  The input's first byte picks the
 * direction and the piece size; the same bytes walked whole and in pieces
 * must give the same events at the same offsets (what tests/unit/test_tls.c
 * checks on real captures), and a hello is parsed from exactly its bytes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh.h"
#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EV 64

struct trace {
    uint64_t at[MAX_EV];
    int kind[MAX_EV];
    int n;
};

static void
note(struct trace *t, int kind, uint64_t at)
{
    if (t->n < MAX_EV) {
        t->at[t->n] = at;
        t->kind[t->n++] = kind;
    }
}

static void
walk_tls(bool client, const uint8_t *b, size_t n, size_t piece, struct trace *t)
{
    struct tls_dir w;
    tls_dir_init(&w, client);
    size_t at = 0;
    while (at < n && !w.done) {
        size_t k = piece && n - at > piece ? piece : n - at, took = 0;
        while (took < k && !w.done) {
            struct tls_event ev;
            size_t m = tls_walk(&w, b + at + took, k - took, &ev);
            if (m > k - took || (ev.note == TLS_MORE && m != k - took)) {
                abort();
            }
            took += m;
            if (ev.note == TLS_HELLO) {
                /* An exact-size copy: the parser must stay inside it. */
                uint8_t *copy = malloc(ev.msg_len ? ev.msg_len : 1);
                memcpy(copy, ev.msg, ev.msg_len);
                struct tls_hello h;
                const char *bad = ev.hs_type == 1
                    ? tls_parse_client_hello(copy, ev.msg_len, &h)
                    : tls_parse_server_hello(copy, ev.msg_len, &h);
                if (!bad && (strlen(h.ja3) >= sizeof h.ja3
                             || strlen(h.sni) >= sizeof h.sni)) {
                    abort();
                }
                free(copy);
            }
            if (ev.note != TLS_MORE) {
                note(t, ev.note * 16 + ev.hs_type, at + took);
            }
        }
        at += took;
    }
    tls_dir_free(&w);
}

static void
walk_ssh(bool client, const uint8_t *b, size_t n, size_t piece, struct trace *t)
{
    struct ssh_dir w;
    ssh_dir_init(&w, client);
    size_t at = 0;
    while (at < n && !w.done) {
        size_t k = piece && n - at > piece ? piece : n - at, took = 0;
        while (took < k && !w.done) {
            struct ssh_event ev;
            size_t m = ssh_walk(&w, b + at + took, k - took, &ev);
            if (m > k - took || (ev.note == SSH_MORE && m != k - took)) {
                abort();
            }
            took += m;
            if (ev.note != SSH_MORE) {
                note(t, ev.note, at + took);
            }
        }
        at += took;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    bool client = data[0] & 1, ssh = data[0] & 2;
    size_t piece = (data[0] >> 2) + 1;
    struct trace whole = { .n = 0 }, pieces = { .n = 0 };
    if (ssh) {
        walk_ssh(client, data + 1, size - 1, 0, &whole);
        walk_ssh(client, data + 1, size - 1, piece, &pieces);
    } else {
        walk_tls(client, data + 1, size - 1, 0, &whole);
        walk_tls(client, data + 1, size - 1, piece, &pieces);
    }
    if (whole.n != pieces.n
        || memcmp(whole.at, pieces.at, sizeof whole.at[0] * (size_t) whole.n)
        || memcmp(whole.kind, pieces.kind, sizeof whole.kind[0] * (size_t) whole.n)) {
        abort();
    }
    return 0;
}
