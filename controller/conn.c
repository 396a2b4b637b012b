/* Per-connection elision logic.  See conn.h for the contract and README.md
 * ("Guarantees") for what it promises an IDS on the mirror port. */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"

/* Reassembly window for one direction of the byte stream, anchored where
 * the next HTTP head starts.  Packet-Ins reach the controller out of order
 * (the switch's upcall threads, retransmissions), so bytes past the head
 * are kept too: after the head is parsed the window moves to where the next
 * head starts (ra_rebase) and whatever already arrived there is parsed from
 * here.  Allocated only while needed, in chunks; the first chunk is the
 * head bound, so a head is always contiguous in memory.  Bytes beyond the
 * window, or beyond the global budget, are dropped and remembered: a head
 * that may lie among them is not parsed (the connection falls back to
 * mirroring everything). */
#define RA_CHUNK CONN_HEAD_MAX
#define RA_CHUNKS 16
#define RA_WIN ((uint64_t) RA_CHUNK * RA_CHUNKS)
#define RA_BUDGET 4096              /* chunks, all connections (~72 MB) */

struct ra_chunk {
    uint8_t data[RA_CHUNK];
    uint8_t have[RA_CHUNK / 8];
};

_Static_assert(CONN_MAX_PENDING == 32, "pend_head and pend_n are 5 and 6 bits");

struct reasm {
    uint64_t start;                 /* stream offset of position 0 */
    uint32_t contig;                /* positions [0, contig) all present */
    uint32_t scan;                  /* head-end search resumes here */
    uint32_t end;                   /* highest position held + 1 */
    struct ra_chunk *ch[RA_CHUNKS];
};

static size_t ra_chunks_live;

static struct reasm *
reasm_new(uint64_t start)
{
    struct reasm *ra = xcalloc(1, sizeof *ra);
    ra->start = start;
    return ra;
}

static bool
ra_has(const struct reasm *ra, uint32_t pos)
{
    const struct ra_chunk *ch = ra->ch[pos / RA_CHUNK];
    pos %= RA_CHUNK;
    return ch && ch->have[pos / 8] & (1u << (pos % 8));
}

static void
reasm_free(struct reasm **rap)
{
    struct reasm *ra = *rap;
    if (ra) {
        for (int i = 0; i < RA_CHUNKS; i++) {
            if (ra->ch[i]) {
                free(ra->ch[i]);
                ra_chunks_live--;
            }
        }
        free(ra);
        *rap = NULL;
    }
}

/* Stores bytes at stream offset 'off'.  A byte already held that differs
 * from the new one (an overlapping retransmission with other data) keeps
 * the first copy, as most TCP stacks do, and sets *conflict.  Returns the
 * number of bytes dropped (beyond the window or the budget). */
static size_t
reasm_add(struct reasm *ra, uint64_t off, const uint8_t *data, size_t len,
          bool *conflict)
{
    size_t dropped = 0;
    for (size_t i = 0; i < len; i++) {
        if (off + i < ra->start) {
            continue;
        }
        uint64_t pos = off + i - ra->start;
        if (pos >= RA_WIN) {
            dropped += len - i;
            break;
        }
        struct ra_chunk **chp = &ra->ch[pos / RA_CHUNK];
        if (!*chp) {
            if (ra_chunks_live >= RA_BUDGET) {
                dropped++;
                continue;
            }
            *chp = xcalloc(1, sizeof **chp);
            ra_chunks_live++;
        }
        uint32_t p = (uint32_t) (pos % RA_CHUNK);
        uint8_t bit = 1u << (p % 8);
        if ((*chp)->have[p / 8] & bit) {
            if ((*chp)->data[p] != data[i]) {
                *conflict = true;
            }
        } else {
            (*chp)->data[p] = data[i];
            (*chp)->have[p / 8] |= bit;
            if (pos + 1 > ra->end) {
                ra->end = (uint32_t) (pos + 1);
            }
        }
    }
    while (ra->contig < RA_WIN && ra_has(ra, ra->contig)) {
        ra->contig++;
    }
    return dropped;
}

/* Moves the window to start at 'start' (>= its start), keeping the bytes
 * held from there on; frees it when none remain. */
static void
ra_rebase(struct reasm **rap, uint64_t start)
{
    struct reasm *ra = *rap;
    if (!ra || start == ra->start) {
        return;
    }
    if (start < ra->start || start - ra->start >= ra->end) {
        reasm_free(rap);
        return;
    }
    struct reasm *nr = reasm_new(start);
    uint32_t shift = (uint32_t) (start - ra->start);
    bool conflict = false;
    for (uint32_t pos = shift; pos < ra->end; pos++) {
        if (ra_has(ra, pos)) {
            const uint8_t *b = &ra->ch[pos / RA_CHUNK]->data[pos % RA_CHUNK];
            reasm_add(nr, ra->start + pos, b, 1, &conflict);
        }
    }
    reasm_free(rap);
    *rap = nr->end ? nr : (reasm_free(&nr), NULL);
}

/* Length of the complete head at the window's start, 0 if incomplete, -1
 * if the bound is full without an end. */
static long
ra_head(struct reasm *ra, const uint8_t **head)
{
    uint32_t n = ra->contig < RA_CHUNK ? ra->contig : RA_CHUNK;
    if (n > ra->scan) {
        size_t from = ra->scan >= 3 ? ra->scan - 3 : 0;
        long e = http_find_head_end(ra->ch[0]->data, n, from);
        ra->scan = n;
        if (e > 0) {
            *head = ra->ch[0]->data;
            return e;
        }
    }
    return ra->contig >= RA_CHUNK ? -1 : 0;
}

void
conn_init(struct conn *c, uint32_t cli_ip, uint16_t cli_port,
          uint32_t srv_ip, uint16_t srv_port)
{
    memset(c, 0, sizeof *c);
    c->cli_ip = cli_ip;
    c->cli_port = cli_port;
    c->srv_ip = srv_ip;
    c->srv_port = srv_port;
    c->rs = RS_HEAD;
}

void
conn_free(struct conn *c)
{
    reasm_free(&c->req_ra);
    reasm_free(&c->resp_ra);
}

static void
emit(const struct conn_env *env, const struct conn *c, struct conn_event *e)
{
    if (env->event) {
        env->event(env->aux, c, e);
    }
}

static void
alert(struct conn *c, const struct conn_env *env, const char *kind,
      uint64_t bytes, const char *detail)
{
    c->alert_count++;
    struct conn_event e = { .type = CE_ALERT, .kind = kind, .bytes = bytes,
                            .detail = detail };
    emit(env, c, &e);
}

/* Stop parsing this connection: from now on everything is mirrored. */
static void
go_pass(struct conn *c, const struct conn_env *env, const char *reason,
        struct conn_out *out)
{
    if (c->pass) {
        return;
    }
    c->pass = true;
    c->rs = RS_PASS;
    reasm_free(&c->req_ra);
    reasm_free(&c->resp_ra);
    struct conn_event e = { .type = CE_PASSTHROUGH, .kind = reason };
    emit(env, c, &e);
    if (!env->cfg->paper && !c->no_entries) {
        if (c->entry[S2C] == ENTRY_FWD && c->s2c_elides) {
            /* Deleted, not overwritten: its removal reports elide_end. */
            out->ops |= CONN_OP_DELETE_S2C;
        }
        if (c->entry[S2C] == ENTRY_FWD) {
            /* Until the replacement is in the datapath, a response to this
             * packet could still pass the old entry unmirrored. */
            out->ops |= CONN_OP_HOLD;
        }
        out->ops |= CONN_OP_INSTALL_S2C | CONN_OP_INSTALL_C2S;
        out->kind[S2C] = out->kind[C2S] = ENTRY_FWD_MIRROR;
        c->entry[S2C] = c->entry[C2S] = ENTRY_FWD_MIRROR;
        c->s2c_elides = false;
    }
}

/* Stream offset of 'seq' in direction 'h' (RFC 9293 3.4: sequence numbers
 * compare modulo 2^32, so unwrap against a nearby reference). */
static int64_t
unwrap(const struct half *h, uint32_t seq)
{
    uint32_t base = h->isn + 1 + (uint32_t) h->ref;
    return (int64_t) h->ref + (int32_t) (seq - base);
}

/* The controller saw [off, end) of 'dir': 'hi' grows only contiguously (a
 * hole is not seen, whatever lies beyond it), 'ref' to the furthest byte.
 * Client bytes seen past a hole (Packet-Ins arrive out of order) are kept
 * as one range, joined once the hole fills; a second disjoint range keeps
 * the nearer one (the error is then a false alert, never a missed one).
 * The server's side needs no such range: its bytes past a hole are held
 * in the head reassembly window (see frontier()). */
static void
advance(struct conn *c, enum conn_dir dir, uint64_t off, uint64_t end)
{
    struct half *h = &c->h[dir];
    if (end > h->ref) {
        h->ref = end;
    }
    if (off <= h->hi) {
        if (end > h->hi) {
            h->hi = end;
        }
        if (dir == C2S && c->ooo_hi > c->ooo_lo && c->ooo_lo <= h->hi) {
            if (c->ooo_hi > h->hi) {
                h->hi = c->ooo_hi;
            }
            c->ooo_lo = c->ooo_hi = 0;
        }
    } else if (dir == C2S && end > off) {
        if (c->ooo_hi <= c->ooo_lo || end < c->ooo_lo) {
            c->ooo_lo = off;            /* the first, or a nearer one */
            c->ooo_hi = end;
        } else if (off <= c->ooo_hi) {
            c->ooo_lo = off < c->ooo_lo ? off : c->ooo_lo;     /* join */
            c->ooo_hi = end > c->ooo_hi ? end : c->ooo_hi;
        }
    }
}

/* Where the bytes of 'dir' stop being accounted for: seen here, parked in
 * a reassembly window, or legitimately unseen (a body that passes an
 * entry).  The peer acknowledging more, or a segment starting beyond it
 * while an entry could have carried the bytes in between, means bytes
 * passed unseen. */
static uint64_t
frontier(const struct conn *c, enum conn_dir dir)
{
    uint64_t f = c->h[dir].hi;
    const struct reasm *ra = dir == C2S ? c->req_ra : c->resp_ra;
    if (ra && ra->start <= f && ra->start + ra->contig > f) {
        f = ra->start + ra->contig;
    }
    if (dir == S2C) {
        uint64_t acct = c->rs == RS_BODY ? c->body_end : c->head_start;
        if (ra && c->rs == RS_HEAD && ra->start == c->head_start) {
            acct = ra->start + ra->contig;
        }
        if (acct > f) {
            f = acct;
        }
    }
    return f;
}

static bool
pend_push(struct conn *c, uint8_t flags)
{
    if (c->pend_n == CONN_MAX_PENDING) {
        return false;
    }
    unsigned slot = (c->pend_head + c->pend_n) % CONN_MAX_PENDING;
    c->pend_bits &= ~(3ull << (2 * slot));
    c->pend_bits |= (uint64_t) (flags & 3) << (2 * slot);
    c->pend_n++;
    return true;
}

static uint8_t
pend_front(const struct conn *c)
{
    return c->pend_n ? (c->pend_bits >> (2 * c->pend_head)) & 3 : 0;
}

static void
pend_pop(struct conn *c)
{
    if (c->pend_n) {
        c->pend_head = (c->pend_head + 1) % CONN_MAX_PENDING;
        c->pend_n--;
    }
}

/* Remembers stream bytes [lo, hi) that passed without being kept for
 * parsing; a head that may lie among them cannot be parsed. */
static void
note_dropped(struct conn *c, uint64_t lo, uint64_t hi)
{
    if (c->dropped_hi <= c->dropped_lo) {
        c->dropped_lo = lo;
        c->dropped_hi = hi;
    } else {
        c->dropped_lo = lo < c->dropped_lo ? lo : c->dropped_lo;
        c->dropped_hi = hi > c->dropped_hi ? hi : c->dropped_hi;
    }
}

/* Adds payload [a, a+len) to the head starting at 'start' and gives the
 * head if complete: returns its length and points *head at its bytes, 0 if
 * it is still incomplete, -1 if it exceeds the bound. */
static long
collect_head(struct conn *c, const struct conn_env *env, struct reasm **rap,
             uint64_t start, uint64_t a, const uint8_t *data, size_t len,
             const uint8_t **head)
{
    if (!*rap && a == start) {
        /* Fast path: the whole head in one segment, no copy. */
        long e = http_find_head_end(data, len, 0);
        if (e > 0) {
            *head = data;
            return e;
        }
    }
    if (!*rap) {
        *rap = reasm_new(start);
    }
    bool conflict = false;
    size_t dropped = reasm_add(*rap, a, data, len, &conflict);
    if (dropped) {
        note_dropped(c, a + len - dropped, a + len);
    }
    if (conflict) {
        alert(c, env, "overlap_conflict", 0,
              "retransmitted head bytes differ from the first copy");
    }
    return (*rap)->ch[0] ? ra_head(*rap, head) : 0;
}

/* Client-to-server payload [off, off+len): requests. */
static void
req_bytes(struct conn *c, const struct conn_env *env, uint64_t off,
          const uint8_t *data, size_t len, struct conn_out *out)
{
    uint64_t a = off, b = off + len;
    while (!c->pass) {
        uint64_t start = c->req_start;
        const uint8_t *head;
        long hl;
        if (a < b && a < start) {
            a = start < b ? start : b;      /* request body */
            continue;
        }
        if (a < b) {
            bool buffered = c->req_ra || a != start;
            hl = collect_head(c, env, &c->req_ra, start, a, data + (a - off),
                              b - a, &head);
            a = buffered || hl <= 0 ? b : start + (uint64_t) hl;
        } else if (c->req_ra && c->req_ra->ch[0]) {
            hl = ra_head(c->req_ra, &head);
        } else {
            break;
        }
        if (hl < 0) {
            alert(c, env, "header_too_large", CONN_HEAD_MAX,
                  "request head exceeds the bound");
            go_pass(c, env, "header_too_large", out);
            return;
        }
        if (hl == 0) {
            if (a >= b) {
                break;
            }
            continue;
        }
        struct http_request rq;
        int r = http_parse_request(head, (size_t) hl, &rq);
        if (r <= 0) {
            alert(c, env, "invalid_request_head", (uint64_t) hl,
                  "request head does not parse");
            go_pass(c, env, "invalid_request", out);
            return;
        }
        struct conn_event e = { .type = CE_HTTP_REQUEST,
                                .method = rq.method,
                                .method_len = rq.method_len,
                                .target = rq.target,
                                .target_len = rq.target_len,
                                .framing = http_framing_str(rq.framing),
                                .content_length = rq.content_length };
        emit(env, c, &e);
        if (!pend_push(c, (rq.is_head ? PEND_HEAD : 0)
                          | (rq.is_connect ? PEND_CONNECT : 0))) {
            alert(c, env, "too_many_pipelined", 0,
                  "more pipelined requests than the controller tracks");
            go_pass(c, env, "too_many_pipelined", out);
            return;
        }
        if (rq.framing == HTTP_BODY_UNTRUSTED) {
            char names[128];
            alert(c, env, "request_framing", 0,
                  http_anomalies_str(rq.anomalies, names, sizeof names));
            go_pass(c, env, "request_framing", out);
            return;
        }
        if (rq.framing == HTTP_BODY_CHUNKED) {
            /* Request boundaries after a chunked body are not tracked. */
            go_pass(c, env, "chunked_request", out);
            return;
        }
        c->req_start = start + (uint64_t) hl
                       + (rq.framing == HTTP_BODY_LENGTH ? rq.content_length : 0);
        if (c->req_ra) {
            /* What the window held contiguously was seen. */
            uint64_t seen = c->req_ra->start + c->req_ra->contig;
            if (c->req_ra->start <= c->h[C2S].hi && seen > c->h[C2S].hi) {
                c->h[C2S].hi = seen;
            }
        }
        ra_rebase(&c->req_ra, c->req_start);
    }
}

/* Entries once a final response head is parsed and no request is waiting
 * for its response (a waiting one means the next head may follow the body
 * at once, so the server's packets must keep coming to the controller).
 * A forwarding-only entry also waits until the client has acknowledged
 * everything before the body: until then a retransmission of earlier,
 * mirrored bytes (a head, a small body) must not slip through it. */
static void
install_for_response(struct conn *c, const struct conn_env *env,
                     struct conn_out *out, bool elided, uint64_t body_len)
{
    c->defer_elide = false;
    if (c->pend_n || c->no_entries) {
        return;
    }
    if (!elided && body_len < env->cfg->entry_min) {
        return;     /* a few more Packet-Ins cost the switch less */
    }
    if (elided && c->s2c_acked < c->body_start) {
        c->defer_elide = true;
        return;
    }
    uint8_t kind = elided ? ENTRY_FWD : ENTRY_FWD_MIRROR;
    c->entry_base = c->h[S2C].hi > c->body_start ? c->h[S2C].hi : c->body_start;
    out->ops |= CONN_OP_INSTALL_S2C | CONN_OP_INSTALL_C2S;
    out->kind[S2C] = out->kind[C2S] = kind;
    c->entry[S2C] = c->entry[C2S] = kind;
    c->s2c_elides = elided;
}

static void
elide_done_without_entry(struct conn *c, const struct conn_env *env)
{
    if (c->body_reported && !c->elided_pkts_ctl) {
        return;     /* the entry's removal reported all of this body */
    }
    struct conn_event e = { .type = CE_ELIDE_END, .kind = "body_complete",
                            .packets = c->elided_pkts_ctl,
                            .bytes = c->elided_bytes_ctl };
    c->elided_pkts += c->elided_pkts_ctl;
    c->elided_bytes += c->elided_bytes_ctl;
    c->elided_pkts_ctl = c->elided_bytes_ctl = 0;
    emit(env, c, &e);
}

/* A complete response head of 'hl' bytes at c->head_start. */
static void
response_head(struct conn *c, const struct conn_env *env, const uint8_t *head,
              long hl, struct conn_out *out)
{
    uint8_t req = pend_front(c);
    struct http_response rs;
    int r = http_parse_response(head, hl, req & PEND_HEAD, req & PEND_CONNECT,
                                &rs);
    if (r <= 0) {
        alert(c, env, "invalid_response_head", (uint64_t) hl,
              "response head does not parse");
        go_pass(c, env, "invalid_response", out);
        return;
    }
    struct conn_event e = { .type = CE_HTTP_RESPONSE, .status = rs.status,
                            .framing = http_framing_str(rs.framing),
                            .content_length = rs.content_length };
    emit(env, c, &e);
    uint64_t start = c->head_start;
    c->head_start = start + (uint64_t) hl;
    if (rs.status >= 100 && rs.status < 200 && rs.status != 101) {
        return;     /* interim response: the final one follows (RFC 9110 15.2) */
    }
    if (!c->pend_n) {
        /* Pairing responses with requests (HEAD, CONNECT) is lost. */
        alert(c, env, "response_without_request", 0,
              "the server sent a response no seen request asked for");
        go_pass(c, env, "response_without_request", out);
        return;
    }
    pend_pop(c);
    c->resp_count++;
    switch (rs.framing) {
    case HTTP_BODY_NONE:
        install_for_response(c, env, out, false, 0);
        break;
    case HTTP_BODY_LENGTH:
        if (rs.content_length == 0) {
            install_for_response(c, env, out, false, 0);
            break;
        }
        c->rs = RS_BODY;            /* body_start is head_start: the head's end */
        c->body_end = c->body_start + rs.content_length;
        c->body_elided = rs.content_length >= env->cfg->threshold;
        c->body_reported = false;
        if (c->body_elided) {
            struct conn_event s = { .type = CE_ELIDE_START,
                                    .content_length = rs.content_length };
            emit(env, c, &s);
        }
        install_for_response(c, env, out, c->body_elided, rs.content_length);
        break;
    case HTTP_BODY_UNTRUSTED: {
        char names[128];
        alert(c, env, "response_framing", 0,
              http_anomalies_str(rs.anomalies, names, sizeof names));
        go_pass(c, env, "response_framing", out);
        break;
    }
    default:
        go_pass(c, env, http_framing_str(rs.framing), out);
        break;
    }
}

/* Inside an elided body that the client has not fully acknowledged. */
static bool
in_elided_body(const struct conn *c)
{
    return c->rs == RS_BODY && c->body_elided && c->h[S2C].ref < c->body_end;
}

static bool
in_prev_elided(const struct conn *c, uint64_t x)
{
    return x >= c->prev_elided_start && x < c->prev_elided_end;
}

/* Bytes [a, e) before the current head or body: retransmissions.  Those
 * of the last elided body stay elided; anything else (a head, a mirrored
 * body) is mirrored again.  Returns e. */
static uint64_t
old_bytes(const struct conn *c, uint64_t a, uint64_t e, uint64_t *need,
          bool *elided_any)
{
    if (in_prev_elided(c, a) && in_prev_elided(c, e - 1)) {
        *elided_any = true;
    } else {
        *need = e;
    }
    return e;
}

/* The current body is over: the next head starts at its end. */
static void
end_body(struct conn *c, const struct conn_env *env)
{
    if (c->body_elided) {
        c->prev_elided_start = c->body_start;
        c->prev_elided_end = c->body_end;
        if (!c->s2c_elides) {
            elide_done_without_entry(c, env);
        }
        c->body_reported = false;
    }
    c->rs = RS_HEAD;
    c->head_start = c->body_end;
    if (c->h[S2C].hi < c->body_end) {
        c->h[S2C].hi = c->body_end;     /* the body is accounted for */
    }
    ra_rebase(&c->resp_ra, c->head_start);
}

/* Server-to-client payload [off, off+len), and whatever earlier segments
 * left in the reassembly window that the parse now reaches.  Returns the
 * end offset of the bytes the mirror must receive (off if none): heads,
 * bodies that are not elided, and bytes not yet classified. */
static uint64_t
resp_bytes(struct conn *c, const struct conn_env *env, uint64_t off,
           const uint8_t *data, size_t len, uint32_t frame_len,
           struct conn_out *out)
{
    uint64_t a = off, b = off + len, need = off;
    bool elided_any = false;
    for (;;) {
        if (c->rs == RS_PASS) {
            need = b;
            break;
        }
        if (c->rs == RS_BODY) {
            if (a < b && a < c->body_start) {
                a = old_bytes(c, a, c->body_start < b ? c->body_start : b,
                              &need, &elided_any);
                continue;
            }
            if (a < b && a < c->body_end) {
                uint64_t e = b < c->body_end ? b : c->body_end;
                if (c->body_elided) {
                    elided_any = true;
                } else {
                    need = e;
                }
                a = e;
                continue;
            }
            if (a < b || (c->resp_ra
                          && c->resp_ra->start + c->resp_ra->end > c->body_end)) {
                end_body(c, env);
                continue;
            }
            break;
        }
        /* RS_HEAD */
        if (a < b && a < c->head_start) {
            a = old_bytes(c, a, c->head_start < b ? c->head_start : b,
                          &need, &elided_any);
            continue;
        }
        uint64_t start = c->head_start;
        if (c->dropped_hi > start && c->dropped_lo < start + CONN_HEAD_MAX) {
            /* Bytes of this head may have passed without being kept. */
            go_pass(c, env, "reorder_window", out);
            continue;
        }
        const uint8_t *head;
        long hl;
        if (a < b) {
            hl = collect_head(c, env, &c->resp_ra, start, a, data + (a - off),
                              b - a, &head);
            if (hl <= 0) {
                need = b;
                a = b;
            }
        } else if (c->resp_ra && c->resp_ra->ch[0]) {
            hl = ra_head(c->resp_ra, &head);
        } else {
            break;
        }
        if (hl < 0) {
            alert(c, env, "header_too_large", CONN_HEAD_MAX,
                  "response head exceeds the bound");
            go_pass(c, env, "header_too_large", out);
            continue;
        }
        if (hl == 0) {
            if (a >= b) {
                break;
            }
            continue;
        }
        uint64_t head_end = start + (uint64_t) hl;
        if (a < b) {
            uint64_t e = head_end < b ? head_end : b;
            if (e > need) {
                need = e;
            }
            if (a < head_end) {
                a = e;
            }
        }
        response_head(c, env, head, hl, out);
        ra_rebase(&c->resp_ra, c->rs == RS_BODY ? c->body_end : c->head_start);
    }
    if (elided_any && need == off) {
        c->elided_pkts_ctl++;
        c->elided_bytes_ctl += frame_len;
    }
    return need;
}

static void
paper_packet(struct conn *c, const struct conn_env *env, enum conn_dir dir,
             const struct pkt *p, struct conn_out *out)
{
    /* The published algorithm: everything that reaches the controller is
     * mirrored; the response head is looked for in single segments only,
     * and any Content-Length >= threshold installs forwarding-only entries
     * (HEAD, 304 and pipelining are not considered). */
    out->mirror_len = MIRROR_FULL;
    const uint8_t *d = p->payload;
    size_t n = p->payload_caplen;
    if (n && dir == C2S) {
        struct http_request rq;
        if (http_parse_request(d, n, &rq) > 0) {
            struct conn_event e = { .type = CE_HTTP_REQUEST,
                                    .method = rq.method,
                                    .method_len = rq.method_len,
                                    .target = rq.target,
                                    .target_len = rq.target_len };
            emit(env, c, &e);
        }
    } else if (n >= 5 && dir == S2C && !memcmp(d, "HTTP/", 5)) {
        struct http_response rs;
        if (http_parse_response(d, n, false, false, &rs) > 0) {
            struct conn_event e = { .type = CE_HTTP_RESPONSE,
                                    .status = rs.status,
                                    .framing = http_framing_str(rs.framing),
                                    .content_length = rs.content_length };
            emit(env, c, &e);
            if (rs.has_content_length && rs.content_length >= env->cfg->threshold
                && c->entry[S2C] == ENTRY_NONE) {
                c->body_end = rs.content_length;
                c->stats_bytes = c->stats_ms = 0;
                struct conn_event s = { .type = CE_ELIDE_START,
                                        .content_length = rs.content_length };
                emit(env, c, &s);
                out->ops |= CONN_OP_INSTALL_S2C | CONN_OP_INSTALL_C2S;
                out->kind[S2C] = out->kind[C2S] = ENTRY_FWD;
                c->entry[S2C] = c->entry[C2S] = ENTRY_FWD;
                c->s2c_elides = true;
            }
        }
    }
    if (p->tcp_flags & TCP_RST || (c->h[dir].fin && c->h[!dir].fin)) {
        c->closed = true;
    }
}

void
conn_packet(struct conn *c, const struct conn_env *env, enum conn_dir dir,
            const struct pkt *p, struct conn_out *out)
{
    memset(out, 0, sizeof *out);
    out->mirror_len = MIRROR_FULL;
    struct half *h = &c->h[dir];
    uint8_t fl = p->tcp_flags;
    uint32_t hdr = p->l4_ofs + p->tcp_hdr_len;

    if (fl & TCP_SYN) {
        if (dir == C2S && !(fl & TCP_ACK) && c->h[C2S].syn
            && p->tcp_seq != c->h[C2S].isn && c->closed) {
            /* A new connection on the same 4-tuple (port reuse). */
            uint32_t ci = c->cli_ip, si = c->srv_ip;
            uint16_t cp = c->cli_port, sp = c->srv_port;
            conn_free(c);
            conn_init(c, ci, cp, si, sp);
        }
        if (!h->syn) {
            h->syn = true;
            h->isn = p->tcp_seq;
            h->hi = h->ref = 0;
            if (dir == C2S) {
                c->established = true;
            }
        }
    }
    if (fl & TCP_FIN) {
        h->fin = true;
    }
    if (fl & TCP_RST) {
        h->rst = true;
    }
    if (env->cfg->paper) {
        paper_packet(c, env, dir, p, out);
        return;
    }
    if (!h->syn || !c->established) {
        /* Mid-stream (e.g. the controller restarted): where HTTP messages
         * start is unknown, so nothing may be elided. */
        h->syn = true;
        h->isn = p->tcp_seq - 1;
        go_pass(c, env, "midstream", out);
    }
    if (p->payload_caplen < p->payload_len) {
        alert(c, env, "truncated_packet_in", p->payload_len - p->payload_caplen,
              "the switch sent fewer bytes than the packet holds");
        go_pass(c, env, "truncated_packet_in", out);
    }

    int64_t soff = unwrap(h, p->tcp_seq);
    const uint8_t *data = p->payload;
    size_t len = p->payload_caplen;
    if (soff < 0) {         /* bytes before the stream start (SYN's seq) */
        size_t skip = (size_t) -soff < len ? (size_t) -soff : len;
        data += skip;
        len -= skip;
        soff = 0;
    }
    uint64_t off = (uint64_t) soff;
    bool flags = fl & (TCP_SYN | TCP_FIN | TCP_RST);

    /* Bytes that passed without the controller seeing them may have held
     * an HTTP head: each check below names how many, then the connection
     * stops trusting its parse.  Two signs:
     * - the peer's ACK covers bytes of the other direction past their
     *   frontier (OpenFlow cannot match payload length, so a client
     *   segment without PSH passes an entry meant for ACKs);
     * - this segment starts past its direction's frontier while an entry
     *   carries that direction (without an entry a gap is only reordering
     *   or loss, and the ACK decides). */
    const char *unseen = NULL;
    struct half *o = &c->h[!dir];
    if (fl & TCP_ACK && o->syn && !c->pass) {
        int64_t ack = unwrap(o, p->tcp_ack) - (o->fin ? 1 : 0);
        uint64_t seen = frontier(c, !dir);
        if (ack > 0 && (uint64_t) ack > seen) {
            alert(c, env, dir == S2C ? "unseen_request_bytes"
                                     : "unseen_response_bytes",
                  (uint64_t) ack - seen,
                  "bytes acknowledged by the peer never reached the controller");
            unseen = "unseen_bytes";
        }
        if (ack > 0 && (uint64_t) ack > o->ref) {
            o->ref = (uint64_t) ack;
        }
        if (dir == C2S && ack > 0 && (uint64_t) ack > c->s2c_acked) {
            c->s2c_acked = (uint64_t) ack;
        }
    }
    if (len && !c->pass && c->entry[dir] != ENTRY_NONE) {
        uint64_t f = frontier(c, dir);
        if (off > f) {
            if (c->entry[dir] == ENTRY_FWD) {
                alert(c, env, dir == C2S ? "unseen_request_bytes"
                                         : "unseen_response_bytes", off - f,
                      "bytes passed a forwarding-only entry unseen");
            }
            unseen = "unseen_bytes";
        }
    }
    if (unseen) {
        go_pass(c, env, unseen, out);
    }

    if (c->pass) {
        out->mirror_len = MIRROR_FULL;
    } else if (dir == C2S) {
        /* Every client payload byte is mirrored; a request must see the
         * next response head, so remove a server->client entry first. */
        if (len) {
            req_bytes(c, env, off, data, len, out);
            if ((c->entry[S2C] || c->entry[C2S]) && !c->pass) {
                /* The client's ACKs must reach the controller again too:
                 * they tell when an elision entry may be installed. */
                out->ops |= CONN_OP_DELETE_S2C | CONN_OP_DELETE_C2S
                            | CONN_OP_HOLD;
                c->entry[S2C] = c->entry[C2S] = ENTRY_NONE;
            }
            if (c->pend_n) {
                c->defer_elide = false;
            }
        } else {
            if (c->defer_elide && c->s2c_acked >= c->body_start
                && in_elided_body(c)) {
                install_for_response(c, env, out, true, c->body_end - c->body_start);
            }
            if (!flags && in_elided_body(c)) {
                out->mirror_len = 0;    /* an ACK of an elided body */
            }
        }
    } else {
        if (p->tcp_hdr_len) {
            c->tcp_hdr_len = p->tcp_hdr_len;
        }
        if (len) {
            uint64_t need = resp_bytes(c, env, off, data, len,
                                       hdr + p->payload_len, out);
            if (c->pass) {
                out->mirror_len = MIRROR_FULL;
            } else if (need >= off + len) {
                out->mirror_len = MIRROR_FULL;
            } else if (need > off) {
                out->mirror_len = hdr + (uint32_t) (need - off);
            } else {
                out->mirror_len = flags ? hdr : 0;
            }
        } else if (!flags && in_elided_body(c)) {
            out->mirror_len = 0;
        }
    }
    advance(c, dir, off, off + len + ((fl & TCP_FIN) ? 1 : 0));

    /* Teardown: once a FIN shows the transfer is over, the remaining
     * packets (the other FIN, the last ACKs) come to the controller and
     * are mirrored, instead of racing the entries' removal. */
    if (fl & TCP_FIN && !c->pass && !c->closed
        && (c->entry[C2S] || c->entry[S2C])
        && !in_elided_body(c)) {
        out->ops |= CONN_OP_DELETE_C2S | CONN_OP_DELETE_S2C;
        c->entry[C2S] = c->entry[S2C] = ENTRY_NONE;
    }

    if (fl & TCP_RST || (c->h[C2S].fin && c->h[S2C].fin)) {
        if (!c->closed) {
            c->closed = true;
            out->ops |= CONN_OP_CLOSE;
        }
        /* Nothing is installed on a connection that is over. */
        out->ops &= ~(unsigned) (CONN_OP_INSTALL_S2C | CONN_OP_INSTALL_C2S);
        c->entry[C2S] = c->entry[S2C] = ENTRY_NONE;
        c->defer_elide = false;
    }
}

void
conn_entry_removed(struct conn *c, const struct conn_env *env,
                   enum conn_dir dir, bool elides, bool current,
                   const char *reason, uint64_t packets, uint64_t bytes)
{
    if (current) {
        c->entry[dir] = ENTRY_NONE;
        if (dir == S2C) {
            c->s2c_elides = false;
        }
    }
    if (!elides || dir != S2C) {
        return;
    }
    c->body_reported = true;
    struct conn_event e = { .type = CE_ELIDE_END, .kind = reason,
                            .packets = packets + c->elided_pkts_ctl,
                            .bytes = bytes + c->elided_bytes_ctl };
    c->elided_pkts += e.packets;
    c->elided_bytes += e.bytes;
    c->elided_pkts_ctl = c->elided_bytes_ctl = 0;
    if (!env->cfg->paper && c->rs == RS_BODY && c->body_elided) {
        /* The switch counted these bytes: advance the unwrapping reference
         * so that later segments of a body > 2 GiB unwrap correctly. */
        uint32_t per_pkt = 14 + 20 + (c->tcp_hdr_len ? c->tcp_hdr_len : 20);
        uint64_t est = bytes > packets * per_pkt ? bytes - packets * per_pkt : 0;
        uint64_t pos = c->entry_base + est;
        struct half *h = &c->h[S2C];
        if (pos > c->body_end) {
            pos = c->body_end;
        }
        if (pos > h->ref) {
            h->ref = pos;
        }
    }
    emit(env, c, &e);
}

unsigned
conn_stats(struct conn *c, const struct conn_env *env, uint64_t packets,
           uint64_t bytes, uint64_t now_ms, uint64_t interval_ms)
{
    if (c->entry[S2C] != ENTRY_FWD || !c->s2c_elides) {
        return 0;
    }
    uint64_t rate = 0;       /* bytes per ms over the last interval */
    uint32_t dt = (uint32_t) now_ms - c->stats_ms;
    if (c->stats_ms && dt && bytes >= c->stats_bytes) {
        rate = (bytes - c->stats_bytes) / dt;
    }
    c->stats_bytes = bytes;
    c->stats_ms = (uint32_t) now_ms ? (uint32_t) now_ms : 1;
    if (env->cfg->paper) {
        /* As published: byte_count (which includes L2-L4 headers) against
         * Content-Length, removing both entries one polling period before
         * the estimated end, so that Packet-In resumes for the next
         * request. */
        if (bytes + rate * interval_ms < c->body_end) {
            return 0;
        }
        c->entry[S2C] = c->entry[C2S] = ENTRY_NONE;
        return CONN_OP_DELETE_S2C | CONN_OP_DELETE_C2S;
    }
    /* Ours: remove once the payload the switch counted, from where the
     * entry took over, covers the body.  Nothing depends on the timing:
     * the next head cannot come before the next request, which reaches the
     * controller anyway. */
    uint32_t per_pkt = 14 + 20 + (c->tcp_hdr_len ? c->tcp_hdr_len : 20);
    uint64_t est = bytes > packets * per_pkt ? bytes - packets * per_pkt : 0;
    uint64_t pos = c->entry_base + est;
    struct half *h = &c->h[S2C];
    if (pos > c->body_end) {
        pos = c->body_end;
    }
    if (pos > h->ref) {
        h->ref = pos;
    }
    if (c->rs == RS_BODY && pos < c->body_end) {
        return 0;
    }
    c->entry[S2C] = ENTRY_NONE;
    return CONN_OP_DELETE_S2C;
}

void
conn_table_full(struct conn *c, const struct conn_env *env)
{
    if (c->no_entries) {
        return;
    }
    c->no_entries = true;
    alert(c, env, "table_full", 0,
          "the switch refused a connection entry: mirroring everything "
          "through the controller");
    struct conn_out out;
    memset(&out, 0, sizeof out);
    go_pass(c, env, "table_full", &out);
    c->entry[C2S] = c->entry[S2C] = ENTRY_NONE;
    c->s2c_elides = c->defer_elide = false;
}
