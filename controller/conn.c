/* Per-connection elision logic.  See conn.h for the contract and README.md
 * ("Guarantees") for what it promises an IDS on the mirror port. */
#include "conn.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "addr6.h"
#include "reasm.h"
#include "ssh.h"
#include "tls.h"

struct conn_aux {
    struct reasm *ra[2];            /* head reassembly, C2S and S2C */
    struct hcopy *hc[2];            /* parsed heads not yet acknowledged */
    uint64_t dropped_lo[2], dropped_hi[2];  /* bytes not kept for parsing */
    uint64_t ooo_lo, ooo_hi;        /* client bytes seen past a hole in hi */
    uint64_t body_seen;             /* RS_BODY, once server bytes came past
                                     * a hole in the body: the end of those
                                     * seen from its start on (0: no hole) */
    uint64_t bo_lo, bo_hi;          /* the nearest range seen past it */
    struct enc_walk *enc;           /* TLS/SSH handshake being followed */
};

/* A TLS or SSH handshake, both directions: each is reassembled in ra[]
 * from its first byte on (bytes stay until the handshake is over, so a
 * retransmission with other content is a conflict) and walked in order. */
struct enc_walk {
    uint64_t walked[2];             /* bytes of each direction walked */
    bool done[2];                   /* the direction's handshake is over */
    bool client_hello, retry;       /* a ClientHello seen; a HelloRetry-
                                     * Request allows one more */
    bool retried;                   /* there was one (only one may be) */
    union {
        struct tls_dir tls[2];
        struct ssh_dir ssh[2];
    };
};

_Static_assert(CONN_MAX_PENDING == 32, "pend_head and pend_n are 5 and 6 bits");
_Static_assert(REASM_CHUNK == CONN_HEAD_MAX, "a head fits in the first chunk");

static struct reasm *
ra_of(const struct conn *c, enum conn_dir dir)
{
    return c->aux ? c->aux->ra[dir] : NULL;
}

static struct conn_aux *
aux_of(struct conn *c)
{
    if (!c->aux) {
        c->aux = xcalloc(1, sizeof *c->aux);
    }
    return c->aux;
}

/* Frees the aux part once nothing in it is live. */
static void
aux_gc(struct conn *c)
{
    struct conn_aux *x = c->aux;
    if (x && !x->ra[C2S] && !x->ra[S2C] && !x->hc[C2S] && !x->hc[S2C]
        && !x->enc
        && x->dropped_hi[C2S] <= x->dropped_lo[C2S]
        && x->dropped_hi[S2C] <= x->dropped_lo[S2C]
        && x->ooo_hi <= x->ooo_lo && !x->body_seen) {
        free(x);
        c->aux = NULL;
    }
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

static void
enc_free(struct conn *c)
{
    struct conn_aux *x = c->aux;
    if (x && x->enc) {
        if (c->proto == PROTO_TLS) {
            tls_dir_free(&x->enc->tls[C2S]);
            tls_dir_free(&x->enc->tls[S2C]);
        }
        free(x->enc);
        x->enc = NULL;
    }
}

void
conn_free(struct conn *c)
{
    if (c->v6) {
        addr6_unref(c->cli_ip);
        addr6_unref(c->srv_ip);
        c->v6 = false;
        c->cli_ip = c->srv_ip = 0;
    }
    struct conn_aux *x = c->aux;
    if (x) {
        for (int d = 0; d < 2; d++) {
            reasm_free(&x->ra[d]);
            hcopy_free(&x->hc[d]);
        }
        enc_free(c);
        free(x);
        c->aux = NULL;
    }
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

static void report_open(struct conn *, const struct conn_env *);

/* Stop parsing this connection: from now on everything is mirrored.  No
 * check runs after this, so whatever is still open is reported first. */
/* Each direction without an entry (the switch could not take it yet,
 * conn_entry_not_installed(), or it idled out) asks for one of 'kind'
 * again, with each packet that comes.  Returns the directions asked for,
 * a bit each. */
static unsigned
ask_entries(struct conn *c, struct conn_out *out, uint8_t kind)
{
    unsigned asked = 0;
    for (int d = C2S; d <= S2C && !c->no_entries && !c->closed; d++) {
        if (c->entry[d] == ENTRY_NONE) {
            out->ops |= d == C2S ? CONN_OP_INSTALL_C2S : CONN_OP_INSTALL_S2C;
            out->kind[d] = c->entry[d] = kind;
            asked |= 1u << d;
            if (d == S2C) {
                c->s2c_metered = false;
            }
        }
    }
    return asked;
}

/* From now on everything is mirrored, by forward-and-mirror entries. */
static void
mirror_all(struct conn *c, const struct conn_env *env, struct conn_out *out)
{
    c->pass = true;
    c->rs = RS_PASS;
    if (c->aux) {
        for (int d = 0; d < 2; d++) {
            reasm_free(&c->aux->ra[d]);
            hcopy_free(&c->aux->hc[d]);
        }
        enc_free(c);
    }
    /* A connection that is over gets no entries: they could outlive it
     * and meet the next connection on the same 4-tuple. */
    if (!env->cfg->paper && !c->no_entries && !c->closed) {
        if (c->entry[S2C] == ENTRY_FWD && c->s2c_elides) {
            /* Deleted, not overwritten: its removal reports elide_end. */
            out->ops |= CONN_OP_DELETE_S2C;
        }
        if (c->proto != PROTO_HTTP && c->enc_done
            && (c->entry[C2S] || c->entry[S2C])) {
            /* Past a TLS or SSH handshake: the same for both entries. */
            out->ops |= CONN_OP_DELETE_S2C | CONN_OP_DELETE_C2S;
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
        c->s2c_metered = false;
    }
}

/* Stop parsing this connection: from now on everything is mirrored.  No
 * check runs after this, so whatever is still open is reported first. */
static void
go_pass(struct conn *c, const struct conn_env *env, const char *reason,
        struct conn_out *out)
{
    if (c->pass) {
        return;
    }
    report_open(c, env);
    struct conn_event e = { .type = CE_PASSTHROUGH, .kind = reason };
    emit(env, c, &e);
    mirror_all(c, env, out);
}

static const char *
unseen_kind(enum conn_dir dir)
{
    return dir == C2S ? "unseen_request_bytes" : "unseen_response_bytes";
}

/* Stream offset of 'seq' in direction 'h' (RFC 9293 3.4: sequence numbers
 * compare modulo 2^32, so unwrap against a nearby reference). */
static int64_t
unwrap(const struct half *h, uint32_t seq)
{
    uint32_t base = h->isn + 1 + (uint32_t) h->ref;
    return (int64_t) h->ref + (int32_t) (seq - base);
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
    const struct reasm *ra = ra_of(c, dir);
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

/* Server bytes [off, end) of the current body reached the controller.
 * Inside a body 'hi' jumps to the furthest byte seen, holes or not (the
 * body is accounted for whatever passes); the bytes in those holes (Packet-
 * Ins the switch dropped: its queue to a slow controller is bounded, and
 * the server sends them again) may later pass an entry and be counted, so
 * where an entry takes over is the count of body bytes seen, not the
 * furthest one (see body_taken()): before the entry, and for the
 * Packet-Ins that left before it went in.  One range past the first hole is
 * kept; bytes past a second hole count as not seen until it fills, so the
 * estimate errs low, never high (the client's acknowledgments remain the
 * check of what passed). */
static void
body_bytes(struct conn *c, uint64_t off, uint64_t end)
{
    uint64_t hi = c->h[S2C].hi > c->body_start ? c->h[S2C].hi : c->body_start;
    struct conn_aux *x = c->aux;
    if (c->entry_base >= c->body_start && c->entry[S2C] != ENTRY_FWD) {
        /* An entry carried part of this body and is gone: the estimate
         * of where it stopped may be far off (see AMBIGUOUS_PKTS), and
         * what the controller sees now is where the body is. */
        if (x) {
            x->body_seen = x->bo_lo = x->bo_hi = 0;
        }
        return;
    }
    if (end <= off || (off <= hi && !(x && x->body_seen))) {
        return;                         /* nothing, or in order */
    }
    if (!x || !x->body_seen) {
        x = aux_of(c);
        x->body_seen = hi;              /* the first hole */
        x->bo_lo = off;
        x->bo_hi = end;
        return;
    }
    if (off <= x->body_seen) {
        if (end > x->body_seen) {
            x->body_seen = end;
        }
        if (x->bo_hi > x->bo_lo && x->body_seen >= x->bo_lo) {
            if (x->bo_hi > x->body_seen) {
                x->body_seen = x->bo_hi;    /* the hole filled */
            }
            x->bo_lo = x->bo_hi = 0;
        }
        if (x->body_seen >= hi && x->body_seen >= end) {
            x->body_seen = 0;           /* no hole left below 'hi' */
        }
    } else if (x->bo_hi <= x->bo_lo || end < x->bo_lo) {
        x->bo_lo = off;                 /* the first range, or a nearer one */
        x->bo_hi = end;
    } else if (off <= x->bo_hi) {
        x->bo_lo = off < x->bo_lo ? off : x->bo_lo;     /* join */
        x->bo_hi = end > x->bo_hi ? end : x->bo_hi;
    }
}

/* Where, counted in body bytes seen, an entry installed now takes over
 * the server's stream: see body_bytes(). */
static uint64_t
body_taken(const struct conn *c)
{
    uint64_t hi = c->h[S2C].hi > c->body_start ? c->h[S2C].hi : c->body_start;
    const struct conn_aux *x = c->aux;
    if (!x || !x->body_seen) {
        return hi;
    }
    return x->body_seen + (x->bo_hi > x->bo_lo ? x->bo_hi - x->bo_lo : 0);
}

/* The controller saw [off, end) of 'dir' (a FIN counts as its sequence
 * byte): 'hi' grows only contiguously with what is accounted for (a hole
 * is not seen, whatever lies beyond it), 'ref' to the furthest byte.
 * Bytes seen past a hole are remembered (past_hole) until the hole fills;
 * client bytes past one are also kept as one range, joined once the hole
 * fills; a second disjoint range keeps the nearer one (the error is then a
 * false alert, never a missed one).  The server's bytes past a hole before
 * a head are held in the head reassembly window (see frontier()). */
static void
advance(struct conn *c, enum conn_dir dir, uint64_t off, uint64_t end)
{
    struct half *h = &c->h[dir];
    if (end > h->ref) {
        h->ref = end;
    }
    if (off <= frontier(c, dir)) {
        if (dir == S2C && c->rs == RS_BODY) {
            body_bytes(c, off, end);
        }
        if (end > h->hi) {
            h->hi = end;
        }
        struct conn_aux *x = c->aux;
        if (dir == C2S && x && x->ooo_hi > x->ooo_lo && x->ooo_lo <= h->hi) {
            if (x->ooo_hi > h->hi) {
                h->hi = x->ooo_hi;
            }
            x->ooo_lo = x->ooo_hi = 0;
        }
        if (h->fin && h->ref == frontier(c, dir) + 1) {
            /* The FIN came before the last bytes (Open vSwitch delivers
             * Packet-Ins out of order): they filled the hole up to it. */
            h->hi = h->ref;
        }
        return;
    }
    if (off > c->past_hole[dir]) {
        c->past_hole[dir] = off;
    }
    if (dir == C2S && end > off) {
        struct conn_aux *x = aux_of(c);
        if (x->ooo_hi <= x->ooo_lo || end < x->ooo_lo) {
            x->ooo_lo = off;            /* the first, or a nearer one */
            x->ooo_hi = end;
        } else if (off <= x->ooo_hi) {
            x->ooo_lo = off < x->ooo_lo ? off : x->ooo_lo;     /* join */
            x->ooo_hi = end > x->ooo_hi ? end : x->ooo_hi;
        }
    }
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

/* Remembers stream bytes [lo, hi) of 'dir' that passed without being kept
 * for parsing; a head that may lie among them cannot be parsed. */
static void
note_dropped(struct conn *c, enum conn_dir dir, uint64_t lo, uint64_t hi)
{
    struct conn_aux *x = aux_of(c);
    if (x->dropped_hi[dir] <= x->dropped_lo[dir]) {
        x->dropped_lo[dir] = lo;
        x->dropped_hi[dir] = hi;
    } else {
        x->dropped_lo[dir] = lo < x->dropped_lo[dir] ? lo : x->dropped_lo[dir];
        x->dropped_hi[dir] = hi > x->dropped_hi[dir] ? hi : x->dropped_hi[dir];
    }
}

/* True when bytes of 'dir' not kept for parsing may hold part of a head
 * starting at 'start'. */
static bool
head_dropped(const struct conn *c, enum conn_dir dir, uint64_t start)
{
    const struct conn_aux *x = c->aux;
    return x && x->dropped_hi[dir] > start
           && x->dropped_lo[dir] < start + CONN_HEAD_MAX;
}

/* Two copies of the same stream bytes with different content: which one
 * the receiving host kept is unknowable from here (Linux's out-of-order
 * queue may take a later covering copy, other stacks the first), so no
 * parse of this connection can be trusted any longer. */
static void
conflict(struct conn *c, const struct conn_env *env, struct conn_out *out)
{
    alert(c, env, "overlap_conflict", 0,
          "retransmitted head bytes differ from the first copy");
    go_pass(c, env, "overlap_conflict", out);
}

/* Bytes [off, off+len) of 'dir' before the current parse point arrived
 * again: compared with the copies of the heads parsed there. */
static void
check_old(struct conn *c, const struct conn_env *env, enum conn_dir dir,
          uint64_t off, const uint8_t *data, size_t len, struct conn_out *out)
{
    if (c->aux && hcopy_differs(c->aux->hc[dir], off, data, len)) {
        conflict(c, env, out);
    }
}

/* Keeps a copy of the head just parsed at [start, start+hl) until the
 * peer acknowledges it. */
static void
keep_head(struct conn *c, const struct conn_env *env, enum conn_dir dir,
          uint64_t start, const uint8_t *head, long hl, struct conn_out *out)
{
    if (hcopy_add(&aux_of(c)->hc[dir], start, head, (uint32_t) hl)) {
        go_pass(c, env, "head_copies", out);
    }
}

/* Adds payload [a, a+len) to the head of 'dir' starting at 'start' and
 * gives the head if complete: returns its length and points *head at its
 * bytes, 0 if it is still incomplete, -1 if it exceeds the bound.  A
 * conflict with bytes already held ends parsing (c->pass). */
static long
collect_head(struct conn *c, const struct conn_env *env, enum conn_dir dir,
             uint64_t start, uint64_t a, const uint8_t *data, size_t len,
             const uint8_t **head, struct conn_out *out)
{
    struct reasm **rap = &aux_of(c)->ra[dir];
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
    bool differ = false;
    size_t dropped = reasm_add(*rap, a, data, len, &differ);
    if (dropped) {
        note_dropped(c, dir, a + len - dropped, a + len);
    }
    if (differ) {
        conflict(c, env, out);
        return 0;
    }
    return reasm_head(*rap, head);
}

/* Framing that cannot be trusted (http.h): never elided, no more parsed. */
static void
untrusted(struct conn *c, const struct conn_env *env, const char *kind,
          unsigned anomalies, struct conn_out *out)
{
    char names[128];
    alert(c, env, kind, 0, http_anomalies_str(anomalies, names, sizeof names));
    go_pass(c, env, kind, out);
}

static void install_for_response(struct conn *, const struct conn_env *,
                                 struct conn_out *, bool elided,
                                 uint64_t body_len);

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
            /* A request body, or a retransmission of heads parsed. */
            uint64_t e = start < b ? start : b;
            check_old(c, env, C2S, a, data + (a - off), (size_t) (e - a), out);
            a = e;
            continue;
        }
        if (head_dropped(c, C2S, start)) {
            go_pass(c, env, "reorder_window", out);
            return;
        }
        if (a < b) {
            bool buffered = ra_of(c, C2S) || a != start;
            hl = collect_head(c, env, C2S, start, a, data + (a - off), b - a,
                              &head, out);
            a = buffered || hl <= 0 ? b : start + (uint64_t) hl;
        } else if (ra_of(c, C2S)) {
            hl = reasm_head(ra_of(c, C2S), &head);
        } else {
            break;
        }
        if (c->pass) {
            return;
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
                                .content_length = rq.content_length,
                                .bytes = (uint64_t) hl };
        emit(env, c, &e);
        if (!pend_push(c, (rq.is_head ? PEND_HEAD : 0)
                          | (rq.is_connect ? PEND_CONNECT : 0))) {
            alert(c, env, "too_many_pipelined", 0,
                  "more pipelined requests than the controller tracks");
            go_pass(c, env, "too_many_pipelined", out);
            return;
        }
        if (rq.framing == HTTP_BODY_UNTRUSTED) {
            untrusted(c, env, "request_framing", rq.anomalies, out);
            return;
        }
        if (rq.framing == HTTP_BODY_CHUNKED) {
            /* Request boundaries after a chunked body are not tracked. */
            go_pass(c, env, "chunked_request", out);
            return;
        }
        keep_head(c, env, C2S, start, head, hl, out);
        if (c->pass) {
            return;
        }
        c->req_start = start + (uint64_t) hl
                       + (rq.framing == HTTP_BODY_LENGTH ? rq.content_length : 0);
        struct reasm *ra = ra_of(c, C2S);
        if (ra) {
            /* What the window held contiguously was seen. */
            uint64_t seen = ra->start + ra->contig;
            if (ra->start <= c->h[C2S].hi && seen > c->h[C2S].hi) {
                c->h[C2S].hi = seen;
            }
            reasm_rebase(&c->aux->ra[C2S], c->req_start);
        }
    }
}

/* A forwarding-only entry is in place: what passes it never comes here. */
static bool
has_fwd_entry(const struct conn *c)
{
    return c->entry[C2S] == ENTRY_FWD || c->entry[S2C] == ENTRY_FWD;
}

/* Forwarding-only entries carry retransmissions unseen, so they wait until
 * the client has acknowledged everything before the body and the server
 * every client byte seen: until then a later copy of those bytes (a head,
 * a small body; with other content, or data first sent in a SYN and not
 * taken) could slip through, and be the copy the receiver keeps. */
static bool
elide_ready(const struct conn *c)
{
    uint64_t cli = frontier(c, C2S);
    if (c->req_start > cli) {
        cli = c->req_start;     /* parsed, perhaps from data not taken */
    }
    return c->s2c_acked >= c->body_start && c->c2s_acked >= cli;
}

/* Entries once a final response head is parsed and no request is waiting
 * for its response (a waiting one means the next head may follow the body
 * at once, so the server's packets must keep coming to the controller).
 * A forwarding-only entry also waits for elide_ready(). */
static void
install_for_response(struct conn *c, const struct conn_env *env,
                     struct conn_out *out, bool elided, uint64_t body_len)
{
    c->defer_elide = false;
    if (c->pend_n || c->no_entries || c->closed) {
        return;
    }
    if (!elided && body_len < env->cfg->entry_min) {
        return;     /* a few more Packet-Ins cost the switch less */
    }
    if (elided && !elide_ready(c)) {
        c->defer_elide = true;
        return;
    }
    uint8_t kind = elided ? ENTRY_FWD : ENTRY_FWD_MIRROR;
    c->entry_base = body_taken(c);
    out->ops |= CONN_OP_INSTALL_S2C | CONN_OP_INSTALL_C2S;
    out->kind[S2C] = out->kind[C2S] = kind;
    c->entry[S2C] = c->entry[C2S] = kind;
    c->s2c_elides = elided;
    c->s2c_metered = !elided && env->meter_bodies;
    if (elided) {
        c->fwd_ever = 3;
    }
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
                            .content_length = rs.content_length,
                            .bytes = (uint64_t) hl };
    emit(env, c, &e);
    uint64_t start = c->head_start;
    keep_head(c, env, S2C, start, head, hl, out);
    if (c->pass) {
        return;
    }
    c->head_start = start + (uint64_t) hl;
    if (rs.framing == HTTP_BODY_UNTRUSTED) {
        /* Even an interim one: where its head ends is in doubt. */
        untrusted(c, env, "response_framing", rs.anomalies, out);
        return;
    }
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
        c->body_elided = rs.content_length >= env->threshold;
        c->body_reported = false;
        if (c->body_elided) {
            struct conn_event s = { .type = CE_ELIDE_START,
                                    .content_length = rs.content_length };
            emit(env, c, &s);
        }
        install_for_response(c, env, out, c->body_elided, rs.content_length);
        break;
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

/* A client ACK that acknowledges bytes of the current or the last elided
 * body: one of the ACKs the elision entry forwards unmirrored, also when
 * the entries went before the client had the whole body (the switch's
 * counters run ahead of the client: retransmitted bytes count twice). */
static bool
acks_elided(const struct conn *c, const struct pkt *p)
{
    if (!(p->tcp_flags & TCP_ACK) || !c->h[S2C].syn) {
        return false;
    }
    int64_t ack = unwrap(&c->h[S2C], p->tcp_ack);
    if (ack <= 0) {
        return false;
    }
    uint64_t last = (uint64_t) ack - 1;     /* the last byte acknowledged */
    if (c->rs == RS_BODY && c->body_elided) {
        return last >= c->body_start && last < c->body_end;
    }
    return in_prev_elided(c, last);
}

/* Bytes [a, e) before the current head or body: retransmissions.  Those
 * of the last elided body stay elided; anything else (a head, a mirrored
 * body) is mirrored again, and compared with the heads parsed there.
 * Returns e. */
static uint64_t
old_bytes(struct conn *c, const struct conn_env *env, uint64_t a, uint64_t e,
          const uint8_t *data, uint64_t *need, bool *elided_any,
          struct conn_out *out)
{
    if (in_prev_elided(c, a) && in_prev_elided(c, e - 1)) {
        *elided_any = true;
    } else {
        *need = e;
        check_old(c, env, S2C, a, data, (size_t) (e - a), out);
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
        c->surplus_ended = c->s2c_unacked != 0;
        if (!c->s2c_elides) {
            elide_done_without_entry(c, env);
        }
        c->body_reported = false;
    }
    c->rs = RS_HEAD;
    c->head_start = c->body_end;
    if (c->aux) {
        c->aux->body_seen = c->aux->bo_lo = c->aux->bo_hi = 0;
    }
    if (c->h[S2C].hi < c->body_end) {
        c->h[S2C].hi = c->body_end;     /* the body is accounted for */
    }
    if (c->aux) {
        reasm_rebase(&c->aux->ra[S2C], c->head_start);
    }
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
        struct reasm *ra = ra_of(c, S2C);
        if (c->rs == RS_BODY) {
            if (a < b && a < c->body_start) {
                a = old_bytes(c, env, a, c->body_start < b ? c->body_start : b,
                              data + (a - off), &need, &elided_any, out);
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
            if (a < b || (ra && ra->start + ra->end > c->body_end)) {
                end_body(c, env);
                continue;
            }
            break;
        }
        /* RS_HEAD */
        if (a < b && a < c->head_start) {
            a = old_bytes(c, env, a, c->head_start < b ? c->head_start : b,
                          data + (a - off), &need, &elided_any, out);
            continue;
        }
        uint64_t start = c->head_start;
        if (head_dropped(c, S2C, start)) {
            /* Bytes of this head may have passed without being kept. */
            go_pass(c, env, "reorder_window", out);
            continue;
        }
        const uint8_t *head;
        long hl;
        if (a < b) {
            hl = collect_head(c, env, S2C, start, a, data + (a - off), b - a,
                              &head, out);
            if (hl <= 0) {
                need = b;
                a = b;
            }
        } else if (ra) {
            hl = reasm_head(ra, &head);
        } else {
            break;
        }
        if (c->pass) {
            continue;
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
        if (c->aux) {
            reasm_rebase(&c->aux->ra[S2C],
                         c->rs == RS_BODY ? c->body_end : c->head_start);
        }
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
        int hl = http_parse_request(d, n, &rq);
        if (hl > 0) {
            struct conn_event e = { .type = CE_HTTP_REQUEST,
                                    .method = rq.method,
                                    .method_len = rq.method_len,
                                    .target = rq.target,
                                    .target_len = rq.target_len,
                                    .bytes = (uint64_t) hl };
            emit(env, c, &e);
        }
    } else if (n >= 5 && dir == S2C && !memcmp(d, "HTTP/", 5)) {
        struct http_response rs;
        int hl = http_parse_response(d, n, false, false, &rs);
        if (hl > 0) {
            struct conn_event e = { .type = CE_HTTP_RESPONSE,
                                    .status = rs.status,
                                    .framing = http_framing_str(rs.framing),
                                    .content_length = rs.content_length,
                                    .bytes = (uint64_t) hl };
            emit(env, c, &e);
            if (rs.has_content_length && rs.content_length >= env->threshold
                && c->entry[S2C] == ENTRY_NONE && !c->no_entries) {
                c->body_end = rs.content_length;
                c->stats_bytes = c->stats_ms = 0;
                struct conn_event s = { .type = CE_ELIDE_START,
                                        .content_length = rs.content_length };
                emit(env, c, &s);
                out->ops |= CONN_OP_INSTALL_S2C | CONN_OP_INSTALL_C2S;
                out->kind[S2C] = out->kind[C2S] = ENTRY_FWD;
                c->entry[S2C] = c->entry[C2S] = ENTRY_FWD;
                c->s2c_elides = true;
                c->s2c_metered = false;
            }
        }
    }
    if (p->tcp_flags & TCP_RST || (c->h[dir].fin && c->h[!dir].fin)) {
        c->closed = true;
    }
}

bool
conn_new_syn(const struct conn *c, enum conn_dir dir, const struct pkt *p)
{
    /* A retransmitted SYN carries the same ISN (RFC 9293 3.8.1). */
    return dir == C2S && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN
           && p->csum != PKT_CSUM_BAD && c->h[C2S].syn
           && p->tcp_seq != c->h[C2S].isn;
}

/* Evidence that bytes passed the switch without reaching the controller
 * may have held an HTTP head: each check names how many, then the
 * connection stops trusting its parse.  Two signs:
 * - the peer's ACK covers bytes of the other direction past their
 *   frontier (OpenFlow cannot match payload length, so a client segment
 *   without PSH passes an entry meant for ACKs);
 * - this segment (data, FIN, RST, or the sequence number of an ACK)
 *   starts past its direction's frontier while an entry carries that
 *   direction (without an entry a gap is only reordering or loss: the
 *   peer's ACK decides, or conn_finish() if nothing ever does).
 * Returns the passthrough reason, or NULL. */
/* An alert named what passed unseen in 'dir': its pending evidence is
 * spent. */
static void
settle(struct conn *c, enum conn_dir dir)
{
    c->past_hole[dir] = 0;
    if (dir == C2S) {
        c->c2s_unacked = 0;
    } else {
        c->s2c_unacked = 0;
        c->surplus_ended = false;
    }
}

/* Reports, as alerts, every sign of bytes that may have passed unseen and
 * that nothing has settled: bytes seen past a hole in a direction a
 * forwarding-only entry carried, and counter payload no acknowledgment
 * accounted for.  Called when nothing more will be checked: the
 * connection's end, or an alert's passthrough. */
static void
report_open(struct conn *c, const struct conn_env *env)
{
    /* One alert per direction, the larger of its two signs (they may name
     * the same bytes). */
    for (int d = C2S; d <= S2C; d++) {
        uint64_t f = frontier(c, (enum conn_dir) d);
        uint64_t hole = c->fwd_ever & (1u << d) && c->past_hole[d] > f
                        ? c->past_hole[d] - f : 0;
        uint64_t counted = d == C2S ? c->c2s_unacked : c->s2c_unacked;
        if (hole && hole >= counted) {
            alert(c, env, unseen_kind((enum conn_dir) d), hole,
                  "bytes before a segment seen never reached the controller, "
                  "and a forwarding-only entry carried this direction");
        } else if (counted && d == C2S) {
            alert(c, env, "unseen_request_bytes", counted,
                  "the client's forwarding-only entry counted payload that no "
                  "acknowledgment of the server accounted for (TCP options "
                  "of ACKs count too: up to that many)");
        } else if (counted) {
            alert(c, env, "unseen_response_bytes", counted,
                  "the switch counted bytes past the end of an elided body "
                  "(retransmitted body bytes count too) that no "
                  "acknowledgment of the client accounted for");
        }
        settle(c, (enum conn_dir) d);
    }
}

/* Further behind than this, a sequence number is no retransmission: TCP
 * windows reach 2^30 bytes at most (RFC 7323 2.3). */
#define DESYNC (1ull << 30)

/* How many of the bytes [seen, ack) of 'dir' the controller never saw:
 * client bytes it saw past the hole (parked in the out-of-order range) do
 * not count. */
static uint64_t
unseen_count(const struct conn *c, enum conn_dir dir, uint64_t seen,
             uint64_t ack)
{
    const struct conn_aux *x = c->aux;
    if (dir == C2S && x && x->ooo_hi > x->ooo_lo && x->ooo_lo > seen
        && x->ooo_lo < ack) {
        return x->ooo_lo - seen + (ack > x->ooo_hi ? ack - x->ooo_hi : 0);
    }
    return ack - seen;
}

/* Client bytes past 'ack' that the server's SACK blocks (RFC 2018) say it
 * holds and the controller never saw: when a loss leaves a hole in what
 * the server took, bytes that passed unseen beyond it are acknowledged
 * only selectively, and a count of [seen, ack) alone would fall short.
 * Bytes seen past the hole (the out-of-order range) do not count; blocks
 * that overlap each other, or a range forgotten for a nearer one, make an
 * overcount, never an undercount. */
static uint64_t
sack_unseen(const struct conn *c, const struct pkt *p, uint64_t ack)
{
    const struct half *o = &c->h[C2S];
    const struct conn_aux *x = c->aux;
    uint32_t b[4][2];
    uint64_t n = 0;
    for (int i = pkt_tcp_sack(p, b) - 1; i >= 0; i--) {
        int64_t l = unwrap(o, b[i][0]), r = unwrap(o, b[i][1]);
        if (r <= l || r <= (int64_t) ack || r - l > (int64_t) DESYNC) {
            continue;                   /* old (D-SACK), empty or absurd */
        }
        uint64_t lo = (uint64_t) l > ack ? (uint64_t) l : ack, hi = r;
        n += hi - lo;
        if (x && x->ooo_hi > x->ooo_lo) {
            uint64_t a = lo > x->ooo_lo ? lo : x->ooo_lo;
            uint64_t e = hi < x->ooo_hi ? hi : x->ooo_hi;
            n -= e > a ? e - a : 0;
        }
    }
    return n;
}

static const char *
unseen_check(struct conn *c, const struct conn_env *env, enum conn_dir dir,
             const struct pkt *p, uint64_t off, bool *take_down)
{
    const char *unseen = NULL;
    struct half *o = &c->h[!dir];
    if (p->tcp_flags & TCP_ACK && o->syn) {
        int64_t ack = unwrap(o, p->tcp_ack);
        if (c->syn_data & (1u << !dir)) {
            /* The first ACK of a SYN with data (TCP Fast Open): data it
             * does not cover was not taken (RFC 7413 4.2), and will come
             * again; until then it is not seen, whatever was parsed. */
            c->syn_data &= ~(1u << !dir);
            if (ack >= 0 && (uint64_t) ack < o->hi) {
                o->hi = (uint64_t) ack;
            }
        }
        uint64_t seen = frontier(c, !dir);
        if (ack < 0 || (uint64_t) ack + DESYNC < o->ref) {
            /* Before the stream's start, or further behind than any TCP
             * window: the controller's numbering is not the peer's (a
             * second SYN-ACK with another ISN, or a reference that lost
             * track), and nothing it parses can be trusted. */
            alert(c, env, "sequence_desync", 0,
                  "an acknowledgment outside the stream as numbered here");
            unseen = "sequence_desync";
        } else if ((uint64_t) ack > seen) {
            uint64_t n = unseen_count(c, !dir, seen, ack);
            if (dir == S2C) {
                n += sack_unseen(c, p, (uint64_t) ack);
            }
            alert(c, env, unseen_kind(!dir), n,
                  "bytes acknowledged by the peer never reached the controller");
            unseen = "unseen_bytes";
            settle(c, !dir);
        } else if (o->fin && (uint64_t) ack == seen) {
            /* The peer took exactly the bytes accounted for and the FIN
             * after them: that stream is over, nothing of it passed
             * unseen, and counters that report later say nothing more. */
            c->fin_acked |= 1u << !dir;
            if (dir == S2C) {
                c->c2s_unacked = 0;
            } else {
                c->s2c_unacked = 0;
            }
        } else if (dir == S2C && (uint64_t) ack == seen) {
            /* The server acknowledged exactly the client bytes seen: what
             * the client's entry counted beyond them was no payload the
             * server took (SACK options on ACKs count as bytes too). */
            c->c2s_unacked = 0;
        } else if (dir == C2S && c->s2c_unacked
                   && (p->tcp_flags & TCP_RST
                       || (c->surplus_ended
                           && (uint64_t) ack > c->prev_elided_end))) {
            /* After the counters showed bytes past an elided body's end,
             * the client acknowledges no more than is accounted for, and
             * either this is its last word (a RST: it takes nothing more)
             * or it acknowledges bytes after that body that the controller
             * saw, so it was not still waiting for what passed (an ACK
             * sent before they came says nothing).  They were body bytes
             * counted twice (retransmitted). */
            settle(c, S2C);
        }
        if (ack > 0 && (uint64_t) ack > o->ref) {
            o->ref = (uint64_t) ack;
        }
        if (dir == C2S && ack > 0 && (uint64_t) ack > c->s2c_acked) {
            c->s2c_acked = (uint64_t) ack;
        }
        if (dir == S2C && ack > 0 && (uint64_t) ack > c->c2s_acked) {
            c->c2s_acked = (uint64_t) ack;
        }
        if (ack > 0 && c->aux) {
            hcopy_ack(&c->aux->hc[!dir], (uint64_t) ack);
        }
    }
    uint64_t f = frontier(c, dir);
    if (off > f && off > c->past_hole[dir]) {
        c->past_hole[dir] = off;
    }
    if (dir == C2S && p->tcp_flags & TCP_RST && off == f) {
        /* A server takes a RST only at exactly its next sequence number
         * (RFC 5961 3.2), so the client's stream ended at the bytes seen,
         * as after an acknowledged FIN (counters that report later say
         * nothing more); a server that has more sends a challenge ACK,
         * which is news to the check above. */
        c->c2s_unacked = 0;
        c->fin_acked |= 1u << C2S;
    }
    if (off > f && c->entry[dir] != ENTRY_NONE && dir == S2C) {
        /* No server data reaches the controller while the elision entry
         * is in place, so the bytes before this FIN or RST passed it. */
        if (c->entry[dir] == ENTRY_FWD) {
            alert(c, env, unseen_kind(dir), off - f,
                  "bytes passed a forwarding-only entry unseen");
            settle(c, dir);
        }
        unseen = "unseen_bytes";
    } else if (off > f && c->entry[dir] != ENTRY_NONE
               && !(p->tcp_flags & TCP_RST)) {
        /* A client segment past the bytes seen: they passed the client's
         * entry (no PSH), or they are a request whose Packet-In this one
         * overtook (Open vSwitch sends a packet that misses its datapath
         * cache the slow way).  The entries go, so that whatever the
         * client sends next is seen; the server's acknowledgment, or the
         * connection's end, tells which it was. */
        *take_down = true;
    }
    return unseen;
}

static uint64_t counted_payload(const struct conn *, enum conn_dir,
                                uint64_t packets, uint64_t bytes);

/* ---- TLS and SSH ----
 *
 * Every packet of the connection comes here until both directions'
 * handshakes are over (tls.c, ssh.c: what "over" means); all of it is
 * mirrored.  Then entries take both directions: forward only, with SYN,
 * FIN and RST still coming here (the switch's traps) to be mirrored
 * (ENC_ELIDE); forward and mirror a slice of each packet (ENC_SLICE); or
 * forward and mirror (ENC_OFF).  What breaks the walk (not TLS or SSH,
 * broken framing, an alert, a second handshake, a retransmission with
 * other content, a handshake over the reassembly bound) is passthrough. */

uint32_t
conn_slice_len(const struct conn *c, enum conn_dir dir)
{
    return c->hdr_len[dir] + SLICE_PAYLOAD;
}

static const char *
proto_name(const struct conn *c)
{
    return c->proto == PROTO_TLS ? "tls" : "ssh";
}

/* Both directions' handshakes are over. */
static void
enc_over(struct conn *c, const struct conn_env *env, struct conn_out *out)
{
    const struct enc_walk *w = c->aux->enc;
    uint64_t hs = w->walked[C2S] + w->walked[S2C];
    enc_free(c);
    for (int d = 0; d < 2; d++) {
        reasm_free(&c->aux->ra[d]);
    }
    c->enc_done = true;
    if (env->cfg->enc_mode == ENC_OFF) {
        c->body_reported = true;        /* nothing is elided: no elide_end */
        mirror_all(c, env, out);
        return;
    }
    struct conn_event e = { .type = CE_ELIDE_START, .proto = proto_name(c),
                            .bytes = hs };
    emit(env, c, &e);
}

/* A hello is whole: its event, and what it allows next. */
static const char *
tls_hello(struct conn *c, const struct conn_env *env, struct enc_walk *w,
          const struct tls_event *ev)
{
    struct tls_hello h;
    const char *bad = ev->hs_type == 1
                      ? tls_parse_client_hello(ev->msg, ev->msg_len, &h)
                      : tls_parse_server_hello(ev->msg, ev->msg_len, &h);
    if (bad) {
        alert(c, env, "tls_framing", 0, bad);
        return "tls_framing";
    }
    if (ev->hs_type == 1) {
        if (w->client_hello && !w->retry) {
            alert(c, env, "tls_second_hello", 0,
                  "a second ClientHello without a HelloRetryRequest");
            return "tls_second_hello";
        }
        w->retry = false;
        w->client_hello = true;
    } else {
        if (h.hrr && w->retried) {
            /* RFC 8446 4.1.4: a second HelloRetryRequest aborts. */
            alert(c, env, "tls_second_hello", 0,
                  "a second HelloRetryRequest");
            return "tls_second_hello";
        }
        w->retry = w->retried = h.hrr;
        if (h.version == 0x0304) {
            /* TLS 1.3: ChangeCipherSpec is for middleboxes only (RFC 8446
             * D.4) and encrypts nothing; application_data records do. */
            w->tls[C2S].tls13 = w->tls[S2C].tls13 = true;
        }
    }
    struct conn_event e = { .type = ev->hs_type == 1 ? CE_TLS_CLIENT_HELLO
                                                      : CE_TLS_SERVER_HELLO,
                            .hello = &h };
    emit(env, c, &e);
    return NULL;
}

/* Walks what is contiguous of 'dir' past what was walked.  Returns a
 * passthrough reason, or NULL. */
static const char *
enc_walk_dir(struct conn *c, const struct conn_env *env, enum conn_dir dir)
{
    struct enc_walk *w = c->aux->enc;
    struct reasm *ra = c->aux->ra[dir];
    while (!w->done[dir] && w->walked[dir] < ra->start + ra->contig) {
        const uint8_t *b = NULL;
        size_t n = reasm_peek(ra, w->walked[dir], &b);
        const char *why = NULL;
        if (c->proto == PROTO_TLS) {
            struct tls_event ev;
            w->walked[dir] += tls_walk(&w->tls[dir], b, n, &ev);
            switch (ev.note) {
            case TLS_MORE:
                break;
            case TLS_HELLO:
                why = tls_hello(c, env, w, &ev);
                break;
            case TLS_ALERT:
                why = "tls_alert";
                break;
            case TLS_DONE:
                w->done[dir] = true;
                break;
            case TLS_BAD:
                alert(c, env, ev.reason, 0, ev.detail);
                why = ev.reason;
                break;
            }
        } else {
            struct ssh_event ev;
            w->walked[dir] += ssh_walk(&w->ssh[dir], b, n, &ev);
            if (ev.note == SSH_VERSION) {
                struct conn_event e = {
                    .type = CE_SSH_VERSION, .text = ev.version,
                    .kind = dir == C2S ? "client" : "server",
                };
                emit(env, c, &e);
            } else if (ev.note == SSH_DONE) {
                w->done[dir] = true;
            } else if (ev.note == SSH_BAD) {
                alert(c, env, ev.reason, 0, ev.detail);
                why = ev.reason;
            }
        }
        if (why) {
            return why;
        }
    }
    return NULL;
}

/* Payload of 'dir' at stream offset 'off' during the handshake. */
static void
enc_bytes(struct conn *c, const struct conn_env *env, enum conn_dir dir,
          uint64_t off, const uint8_t *data, size_t len, struct conn_out *out)
{
    struct conn_aux *x = aux_of(c);
    if (!x->enc) {
        x->enc = xcalloc(1, sizeof *x->enc);
        if (c->proto == PROTO_TLS) {
            tls_dir_init(&x->enc->tls[C2S], true);
            tls_dir_init(&x->enc->tls[S2C], false);
        } else {
            ssh_dir_init(&x->enc->ssh[C2S], true);
            ssh_dir_init(&x->enc->ssh[S2C], false);
        }
    }
    if (!x->ra[dir]) {
        x->ra[dir] = reasm_new(0);
    }
    bool conflict = false;
    size_t dropped = reasm_add(x->ra[dir], off, data, len, &conflict);
    const char *why = NULL;
    if (conflict) {
        alert(c, env, "handshake_conflict", len,
              "handshake bytes sent again with other content");
        why = "handshake_conflict";
    } else if (dropped) {
        alert(c, env, "handshake_too_large", dropped,
              "a handshake longer than the reassembly bound");
        why = "handshake_too_large";
    } else {
        why = enc_walk_dir(c, env, dir);
    }
    if (why) {
        go_pass(c, env, why, out);
    } else if (x->enc->done[C2S] && x->enc->done[S2C]) {
        enc_over(c, env, out);
    }
}

/* The entries of a connection past its handshake, asked for again by any
 * packet that finds one missing (idled out, or not installed yet). */
static void
enc_entries(struct conn *c, const struct conn_env *env, struct conn_out *out)
{
    unsigned asked = ask_entries(c, out, env->cfg->enc_mode == ENC_SLICE
                                         ? ENTRY_FWD_SLICE : ENTRY_FWD);
    c->fwd_ever |= asked;
    c->enc_removed &= ~asked;           /* their removal is to come */
}

static void
enc_packet(struct conn *c, const struct conn_env *env, enum conn_dir dir,
           const struct pkt *p, uint64_t off, const uint8_t *data, size_t len,
           struct conn_out *out)
{
    uint8_t fl = p->tcp_flags;
    uint32_t hdr = p->l4_ofs + p->tcp_hdr_len;
    if (!c->pass && !c->enc_done) {
        out->mirror_len = MIRROR_FULL;
        if (len) {
            enc_bytes(c, env, dir, off, data, len, out);
        }
        if (c->enc_done && !c->pass) {
            enc_entries(c, env, out);
        }
    } else if (!c->pass) {
        /* Past the handshake: in flight before the entries, or trapped. */
        if (env->cfg->enc_mode == ENC_SLICE) {
            out->mirror_len = conn_slice_len(c, dir);
        } else {
            out->mirror_len = fl & (TCP_SYN | TCP_FIN | TCP_RST) ? hdr : 0;
        }
        /* What of it the mirror does not get: all its payload but the
         * slice's (a FIN or RST is mirrored as its headers). */
        uint32_t kept = env->cfg->enc_mode == ENC_SLICE
                        ? (p->payload_len < SLICE_PAYLOAD ? p->payload_len
                                                          : SLICE_PAYLOAD)
                        : 0;
        if (!out->mirror_len || p->payload_len > kept) {
            c->elided_pkts_ctl++;
            c->elided_bytes_ctl += p->payload_len - kept;
        }
        enc_entries(c, env, out);
    }
    if (c->pass) {
        ask_entries(c, out, ENTRY_FWD_MIRROR);
    }
    if (!c->enc_done) {
        advance(c, dir, off, off + len + ((fl & TCP_FIN) ? 1 : 0));
    }
    /* The entries stay through a FIN (a half-closed connection may carry
     * bulk the other way).  At the connection's end, entries past the
     * handshake are left to idle out: their removal then reports counters
     * that cover every packet (Open vSwitch refreshes a rule's counters
     * about every 0.5 s, so a deletion right after the last packets
     * reports fewer), and the connection waits for it (conn_lingers());
     * a new SYN on the 4-tuple comes here first and removes them. */
    if (fl & TCP_RST || (c->h[C2S].fin && c->h[S2C].fin)) {
        out->ops &= ~(unsigned) (CONN_OP_INSTALL_S2C | CONN_OP_INSTALL_C2S);
        if (!c->closed) {
            c->closed = true;
            if (!conn_lingers(c)) {
                out->ops |= CONN_OP_CLOSE;
                c->entry[C2S] = c->entry[S2C] = ENTRY_NONE;
            }
        }
    }
    aux_gc(c);
}

bool
conn_awaits_final_acks(const struct conn *c)
{
    return c->proto == PROTO_HTTP && c->closed && !c->pass && c->fwd_ever
           && !c->h[C2S].rst && !c->h[S2C].rst && (c->fin_acked & 3) != 3;
}

bool
conn_lingers(const struct conn *c)
{
    return c->proto != PROTO_HTTP && c->enc_done && !c->pass && c->closed
           && (c->entry[C2S] || c->entry[S2C]);
}

/* An entry past the handshake went: its counters are elided bytes, and
 * once both directions' entries have gone, elide_end says how many. */
static void
enc_entry_removed(struct conn *c, const struct conn_env *env,
                  enum conn_dir dir, const char *reason, uint64_t packets,
                  uint64_t bytes)
{
    c->elided_pkts += packets;
    c->elided_bytes += counted_payload(c, dir, packets, bytes);
    c->enc_removed |= 1u << dir;
    if (c->enc_removed == 3 && (c->closed || c->pass) && !c->body_reported) {
        c->body_reported = true;
        struct conn_event e = { .type = CE_ELIDE_END, .kind = reason,
                                .proto = proto_name(c),
                                .packets = c->elided_pkts + c->elided_pkts_ctl,
                                .bytes = c->elided_bytes + c->elided_bytes_ctl };
        emit(env, c, &e);
    }
}

void
conn_packet(struct conn *c, const struct conn_env *env, enum conn_dir dir,
            const struct pkt *p, struct conn_out *out)
{
    memset(out, 0, sizeof *out);
    out->mirror_len = MIRROR_FULL;
    if (p->csum == PKT_CSUM_BAD) {
        /* The receiver discards it (RFC 9293 3.10.7.4 checks the checksum
         * first), so nothing in it happened: forwarded and mirrored, for
         * the monitor to see the attempt, and not parsed. */
        return;
    }
    struct half *h = &c->h[dir];
    uint8_t fl = p->tcp_flags;
    uint32_t hdr = p->l4_ofs + p->tcp_hdr_len;
    bool inflight = false;      /* server bytes past the elision entry */
    uint64_t taken = 0;         /* body_taken() before them */
    uint64_t furthest = 0;      /* the furthest server byte seen before */

    bool syn_conflict = false;
    if (fl & TCP_SYN && !h->syn) {
        h->syn = true;
        h->isn = p->tcp_seq;
        h->hi = h->ref = 0;
        if (dir == C2S) {
            c->established = true;
        }
    } else if (fl & TCP_SYN && p->tcp_seq != h->isn) {
        /* Another ISN on the same side (a client's goes to conn_new_syn()
         * first): which numbering the peer took is unknown, e.g. a server
         * whose first SYN-ACK the client refused. */
        syn_conflict = true;
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
    if (env->cfg->synack_unseen && dir == C2S && c->established
        && !c->h[S2C].syn && fl & TCP_ACK && !(fl & TCP_SYN)) {
        /* The SYN-ACK went through the switch: the client acknowledges
         * the server's ISN + 1 before the server sends data (what a
         * server sends first comes here and, without this, is midstream). */
        c->h[S2C].syn = true;
        c->h[S2C].isn = p->tcp_ack - 1;
        c->h[S2C].hi = c->h[S2C].ref = 0;
    }
    if (env->cfg->synack_unseen && dir == S2C && !h->syn && c->established
        && !(fl & (TCP_SYN | TCP_FIN | TCP_RST)) && !p->payload_len) {
        /* A server ACK before any of the client's reached the controller
         * (the SYN-ACK and the handshake's ACK stayed in the switch): the
         * server's answer to a retransmitted SYN that crossed its own
         * retransmitted SYN-ACK (RFC 9293 3.10.7.4).  It holds no stream
         * byte, and its sequence number cannot number the stream (only the
         * client's acknowledgment says where what it takes begins), so it
         * is forwarded and mirrored, and the connection is not midstream.
         * What it acknowledges, later server packets acknowledge too. */
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
    if (syn_conflict && !c->pass) {
        alert(c, env, "syn_conflict", 0, "a SYN with another ISN on this side");
        go_pass(c, env, "syn_conflict", out);
    }
    if (hdr <= UINT8_MAX) {
        c->hdr_len[dir] = (uint8_t) hdr;
    }

    /* Data in a SYN (TCP Fast Open, RFC 7413) starts after the SYN's own
     * sequence number (RFC 9293 3.4). */
    int64_t soff = unwrap(h, p->tcp_seq + (fl & TCP_SYN ? 1 : 0));
    const uint8_t *data = p->payload;
    size_t len = p->payload_caplen;
    if (!c->pass && !c->enc_done
        && (soff < 0 || (uint64_t) soff + DESYNC < h->ref)) {
        /* Before the stream's start, or further behind than a window:
         * see unseen_check(). */
        alert(c, env, "sequence_desync", 0,
              "a segment outside the stream as numbered here");
        go_pass(c, env, "sequence_desync", out);
    }
    if (soff < 0) {         /* bytes before the stream start */
        size_t skip = (size_t) -soff < len ? (size_t) -soff : len;
        data += skip;
        len -= skip;
        soff = 0;
    }
    uint64_t off = (uint64_t) soff;
    bool flags = fl & (TCP_SYN | TCP_FIN | TCP_RST);
    if (fl & TCP_SYN && len && off == 0) {
        c->syn_data |= 1u << dir;
    }
    if (c->proto != PROTO_HTTP) {
        /* Past the handshake the controller sees few packets of the
         * connection and numbers none of them (the entries carried the
         * rest): no sequence checks. */
        enc_packet(c, env, dir, p, off, data, len, out);
        return;
    }

    bool take_down = false;
    if (!c->pass) {
        uint32_t alerts = c->alert_count;
        const char *unseen = unseen_check(c, env, dir, p, off, &take_down);
        if (unseen) {
            if (c->alert_count != alerts) {
                /* Passthrough ends all checks: whatever else is known to
                 * be open is named now. */
                report_open(c, env);
            }
            go_pass(c, env, unseen, out);
        }
    }

    if (c->pass) {
        out->mirror_len = MIRROR_FULL;
        if (!env->cfg->paper) {
            ask_entries(c, out, ENTRY_FWD_MIRROR);
        }
    } else if (dir == C2S) {
        /* Every client payload byte is mirrored; a request must see the
         * next response head, so remove a server->client entry first. */
        if (len || take_down) {
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
            if (c->defer_elide && elide_ready(c) && in_elided_body(c)) {
                install_for_response(c, env, out, true, c->body_end - c->body_start);
            }
            if (!flags && (in_elided_body(c) || acks_elided(c, p))) {
                out->mirror_len = 0;    /* an ACK of an elided body */
            }
        }
    } else {
        inflight = len && c->s2c_elides && c->entry[S2C] == ENTRY_FWD;
        taken = inflight ? body_taken(c) : 0;
        furthest = c->h[S2C].hi;
        /* Only bytes of a mirrored body: the next head is not in it. */
        bool body = env->meter_bodies && len && !flags && c->rs == RS_BODY
                    && !c->body_elided && off >= c->body_start
                    && off + len <= c->body_end
                    && c->body_end - c->body_start >= env->meter_min;
        if (len) {
            uint64_t need = resp_bytes(c, env, off, data, len,
                                       hdr + p->payload_len, out);
            if (c->pass) {
                out->mirror_len = MIRROR_FULL;
            } else if (need >= off + len) {
                out->mirror_len = MIRROR_FULL;
                out->metered = body;
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
    if (inflight && c->rs == RS_BODY) {
        /* Server bytes here although the elision entry is in place: their
         * Packet-In left before it went in, and its counters will never
         * hold them, so the body bytes among them new to the controller
         * move the base its counters start from (see body_bytes()).  Not
         * counting them would hide as many bytes past the body's end;
         * counting bytes twice would show a surplus. */
        uint64_t t = body_taken(c);
        c->entry_base += t > taken ? t - taken : 0;
    } else if (inflight && off + len > furthest) {
        /* It ended the body (and its hole state): its bytes past the
         * furthest seen before it (a hole it filled errs low). */
        c->entry_base += off + len - (off > furthest ? off : furthest);
    }

    if (env->cfg->synack_unseen && fl & TCP_SYN && dir == C2S && !c->pass
        && !c->closed && !c->no_entries && !c->h[S2C].syn
        && c->entry[C2S] == ENTRY_NONE && !(c->syn_data & 1)) {
        /* The client's first SYN: until its first request, the switch
         * forwards and mirrors its segments without PSH (the handshake's
         * ACK) and the server's SYN-ACK.  Data in the SYN keeps both
         * coming here (what the SYN-ACK acknowledges of it matters). */
        out->ops |= CONN_OP_INSTALL_C2S;
        out->kind[C2S] = c->entry[C2S] = ENTRY_FWD_MIRROR;
    }

    /* Teardown: once a FIN shows the transfer is over, the remaining
     * packets (the other FIN, the last ACKs) come to the controller and
     * are mirrored, instead of racing the entries' removal. */
    if (fl & TCP_FIN && !c->pass && !c->closed
        && (c->entry[C2S] || c->entry[S2C])
        && !in_elided_body(c)) {
        if (env->cfg->teardown_in_switch && !c->fwd_ever) {
            /* Nothing is left to parse: no request waits for a response
             * head (entries are only in place then), and after a client's
             * FIN no request comes, after a server's no response.  The
             * switch forwards and mirrors the rest.  Not after an elided
             * body: what its entries counted waits for the peer's
             * acknowledgments, which must come here. */
            c->closed = true;
            out->ops |= CONN_OP_CLOSE;
        } else {
            /* Entries this very packet asked for (a head in the FIN
             * segment) are not installed either: deletions go first
             * (flows.c).  After a forwarding-only entry, the FIN waits
             * until its deletion is in the datapath: the peer's answer
             * (its FIN, the last ACK, which settles what the counters
             * showed past a body's end) must come here. */
            out->ops |= CONN_OP_DELETE_C2S | CONN_OP_DELETE_S2C;
            if (has_fwd_entry(c)) {
                out->ops |= CONN_OP_HOLD;
            }
        }
        out->ops &= ~(unsigned) (CONN_OP_INSTALL_S2C | CONN_OP_INSTALL_C2S);
        c->entry[C2S] = c->entry[S2C] = ENTRY_NONE;
    }

    if (fl & TCP_RST || (c->h[C2S].fin && c->h[S2C].fin)) {
        if (!c->closed) {
            c->closed = true;
            out->ops |= CONN_OP_CLOSE;
            if (!(fl & TCP_RST) && has_fwd_entry(c)) {
                out->ops |= CONN_OP_HOLD;   /* as for the first FIN */
            }
        }
        /* Nothing is installed on a connection that is over. */
        out->ops &= ~(unsigned) (CONN_OP_INSTALL_S2C | CONN_OP_INSTALL_C2S);
        c->entry[C2S] = c->entry[S2C] = ENTRY_NONE;
        c->defer_elide = false;
    }
    aux_gc(c);
}

/* Payload bytes in a switch entry's counters: its byte count holds the
 * L2-L4 headers of every packet too, taken as those of the last segment of
 * that direction the controller saw.  Retransmissions through the entry
 * count again; Ethernet padding of frames under 60 bytes would count as
 * payload (see README, threat model). */
static uint64_t
counted_payload(const struct conn *c, enum conn_dir dir, uint64_t packets,
                uint64_t bytes)
{
    uint64_t per_pkt = c->hdr_len[dir] ? c->hdr_len[dir] : 54;
    return bytes > packets * per_pkt ? bytes - packets * per_pkt : 0;
}

/* Packets of an entry past which its header estimate may be off by 2^30
 * bytes: L2-L4 headers run from 54 to 142 bytes (two VLAN tags, IPv4 and
 * TCP options). */
#define AMBIGUOUS_PKTS ((1ull << 30) / (142 - 54))

/* The elision entry's counters reach stream offset 'pos' of the server's
 * stream.  Past the body's end they are either body bytes sent twice (a
 * retransmission counts again) or bytes after the body, which may hold the
 * next head, unmirrored and unparsed.  The client's next acknowledgment
 * tells: more than is accounted for is an alert (unseen_check()), no more
 * settles it; conn_finish() reports what nothing settled. */
static void
past_body(struct conn *c, uint64_t pos)
{
    uint64_t end = c->rs == RS_BODY ? c->body_end : c->prev_elided_end;
    if (c->pass || pos <= end || c->fin_acked & (1u << S2C)) {
        return;
    }
    uint64_t n = pos - end;
    if (n > c->s2c_unacked) {
        c->s2c_unacked = n > UINT32_MAX ? UINT32_MAX : (uint32_t) n;
    }
    if (c->rs != RS_BODY) {
        c->surplus_ended = true;
    }
}

void
conn_entry_removed(struct conn *c, const struct conn_env *env,
                   enum conn_dir dir, bool elides, bool current,
                   const char *reason, uint64_t packets, uint64_t bytes,
                   struct conn_out *out)
{
    memset(out, 0, sizeof *out);
    if (current) {
        c->entry[dir] = ENTRY_NONE;
        if (dir == S2C) {
            c->s2c_elides = false;
        }
    }
    if (c->proto != PROTO_HTTP) {
        if (c->enc_done && elides) {
            enc_entry_removed(c, env, dir, reason, packets, bytes);
        }
        return;
    }
    if (!env->cfg->paper && elides && dir == C2S && !c->pass
        && !(c->fin_acked & (1u << C2S))) {
        /* The client's forwarding-only entry (current or not: payload is
         * counted from 0 whatever the base) is meant for ACKs; payload in
         * its counters is either request bytes nobody parsed or TCP
         * options (SACK) of ACKs.  The server's next acknowledgment tells
         * (see unseen_check()); conn_finish() reports what stays open. */
        uint64_t pl = counted_payload(c, C2S, packets, bytes);
        if (pl) {
            uint64_t sum = c->c2s_unacked + pl;
            c->c2s_unacked = sum > UINT32_MAX ? UINT32_MAX : (uint32_t) sum;
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
    emit(env, c, &e);
    if (!env->cfg->paper && current && c->body_elided) {
        /* The switch counted these bytes: advance the unwrapping reference
         * so that later segments of a body > 2 GiB unwrap correctly; past
         * the body's end, see past_body().  An older entry's counters (not
         * current) started from a base no longer known. */
        uint64_t pos = c->entry_base + counted_payload(c, S2C, packets, bytes);
        past_body(c, pos);
        struct half *h = &c->h[S2C];
        if (c->rs == RS_BODY) {
            if (pos > c->body_end) {
                pos = c->body_end;
            }
            if (pos > h->ref) {
                h->ref = pos;
            }
        }
        if ((c->rs != RS_BODY || pos >= c->body_end) && c->entry[C2S]
            && !c->pass) {
            c->entry[C2S] = ENTRY_NONE;
            out->ops = CONN_OP_DELETE_C2S;      /* see conn_stats() */
        }
    }
}

void
conn_stats(struct conn *c, const struct conn_env *env, uint64_t packets,
           uint64_t bytes, uint64_t now_ms, uint64_t interval_ms,
           struct conn_out *out)
{
    memset(out, 0, sizeof *out);
    if (c->entry[S2C] != ENTRY_FWD || !c->s2c_elides || c->proto != PROTO_HTTP) {
        return;
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
            return;
        }
        c->entry[S2C] = c->entry[C2S] = ENTRY_NONE;
        out->ops = CONN_OP_DELETE_S2C | CONN_OP_DELETE_C2S;
        return;
    }
    /* Ours: remove once the payload the switch counted, from where the
     * entry took over, covers the body; payload past its end may be unseen
     * bytes (a request without PSH passes the client's entry, and its
     * response then this one): see past_body().  The counters lag (Open
     * vSwitch refreshes them about every 0.5 s), so bytes of the last
     * moments before the removal are caught by the client's next ACK
     * alone. */
    uint64_t pos = c->entry_base + counted_payload(c, S2C, packets, bytes);
    struct half *h = &c->h[S2C];
    past_body(c, pos);
    if (c->rs == RS_BODY && pos > h->ref) {
        h->ref = pos < c->body_end ? pos : c->body_end;
    }
    if (c->rs == RS_BODY && pos < c->body_end) {
        if (packets > AMBIGUOUS_PKTS) {
            /* So many packets that their headers, taken as the last seen
             * segment's, may put the estimate a GiB off (segments of other
             * sizes): the reference would lose the stream.  The entries
             * go; the body comes through the controller, which sees where
             * it is, until the client's next ACK lets new ones in. */
            c->entry[S2C] = c->entry[C2S] = ENTRY_NONE;
            c->defer_elide = true;
            out->ops = CONN_OP_DELETE_S2C | CONN_OP_DELETE_C2S;
        }
        return;
    }
    /* The body is over: both entries go.  The client's forwarding-only one
     * was for the body's ACKs; the next request's first segments may come
     * without PSH (a head longer than a segment), and must be seen. */
    c->entry[S2C] = c->entry[C2S] = ENTRY_NONE;
    out->ops = CONN_OP_DELETE_S2C | CONN_OP_DELETE_C2S;
}

void
conn_entry_not_installed(struct conn *c, enum conn_dir dir)
{
    c->entry[dir] = ENTRY_NONE;
}

/* The switch cannot hold what the connection needs: passthrough without
 * entries, with an alert. */
static void
switch_refused(struct conn *c, const struct conn_env *env, const char *kind,
               const char *detail)
{
    if (c->no_entries) {
        return;
    }
    c->no_entries = true;
    alert(c, env, kind, 0, detail);
    struct conn_out out;
    memset(&out, 0, sizeof out);
    go_pass(c, env, kind, &out);
    c->entry[C2S] = c->entry[S2C] = ENTRY_NONE;
    c->s2c_elides = c->defer_elide = false;
}

void
conn_table_full(struct conn *c, const struct conn_env *env)
{
    switch_refused(c, env, "table_full",
                   "the switch refused a connection entry: mirroring "
                   "everything through the controller");
}

void
conn_tracker_lost(struct conn *c, const struct conn_env *env)
{
    switch_refused(c, env, "conntrack_full",
                   "the switch's connection tracker holds no state for the "
                   "connection (full, flushed or expired): the switch "
                   "mirrors it");
}

/* A segment whose bytes cannot be parsed: mirrored as it came, and the
 * connection in full from now on, with the alert 'kind' (elide-paper
 * mirrors it and goes on). */
static void
unparsable(struct conn *c, const struct conn_env *env, const char *kind,
           const char *detail, struct conn_out *out)
{
    memset(out, 0, sizeof *out);
    out->mirror_len = MIRROR_FULL;
    if (env->cfg->paper || c->pass) {
        return;
    }
    alert(c, env, kind, 0, detail);
    go_pass(c, env, kind, out);
}

void
conn_fragment(struct conn *c, const struct conn_env *env, struct conn_out *out)
{
    unparsable(c, env, "ip_fragment",
               "a fragmented segment: the controller does not reassemble IP",
               out);
}

void
conn_cut(struct conn *c, const struct conn_env *env, struct conn_out *out)
{
    unparsable(c, env, "packet_cut", "a segment reached the controller cut "
               "short (a capture's snap length): its bytes cannot be parsed",
               out);
}

void
conn_finish(struct conn *c, const struct conn_env *env)
{
    if (c->proto != PROTO_HTTP) {
        if (c->enc_done && !c->body_reported) {
            /* Entries that never reported (the switch went, or they are
             * still in place): what the controller knows. */
            c->body_reported = true;
            struct conn_event e = {
                .type = CE_ELIDE_END, .kind = "finish", .proto = proto_name(c),
                .packets = c->elided_pkts + c->elided_pkts_ctl,
                .bytes = c->elided_bytes + c->elided_bytes_ctl,
            };
            emit(env, c, &e);
        }
        return;
    }
    if (!env->cfg->paper && !c->pass) {
        report_open(c, env);
    }
}
