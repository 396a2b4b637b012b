/* HTTP head walker (see hwalk.h).
 *
 * Each direction has a cursor 'pos', the stream offset where its next head
 * starts, and a window buf[0..HWALK_WINDOW) holding whatever bytes of
 * [pos, pos + HWALK_WINDOW) were fed ('have' says which).  Once a head is
 * complete, its framing moves 'pos' past the body; bytes the window
 * already holds move along, and bytes not fed yet will land in the new
 * window when they come.  Bytes of the new window that were fed earlier
 * but were outside the old window are lost: 'seen' (everything fed in
 * this pass) detects that, and the direction stalls until the next pass,
 * which starts with its cursor already in place. */
#include "hwalk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

struct req_info {
    bool is_head;
    bool is_connect;
};

struct dir {
    uint64_t pos;               /* where the next head starts */
    uint8_t *buf;               /* buf[i] is the byte at pos + i */
    size_t cap;                 /* allocated, <= HWALK_WINDOW */
    struct ivset have;          /* offsets held in buf */
    struct ivset seen;          /* offsets fed in this pass */
    bool done;                  /* walking stopped for good */
    bool stalled;               /* needs another pass */
    bool feeding;               /* takes bytes in this pass */
    bool partial;               /* ended with bytes of an unfinished head */
    const char *stop_reason;    /* NULL if the stream simply ended */
    uint64_t stop_off;
};

struct hwalk {
    uint64_t threshold;
    struct dir d[2];
    struct req_info *reqs;      /* request heads, in order */
    size_t n_reqs, cap_reqs;
    size_t next_req;            /* request the next response answers */
    bool c2s_exhausted;         /* no more requests will be found */
    struct hwalk_head *heads;
    size_t n_heads, cap_heads;
    struct ivset elidable;
};

struct hwalk *
hwalk_create(uint64_t threshold)
{
    struct hwalk *w = calloc(1, sizeof *w);

    if (w) {
        w->threshold = threshold;
        w->d[0].feeding = w->d[1].feeding = true;
    }
    return w;
}

static void
dir_free_window(struct dir *d)
{
    free(d->buf);
    d->buf = NULL;
    d->cap = 0;
    ivset_free(&d->have);
}

void
hwalk_release(struct hwalk *w)
{
    for (int i = 0; i < 2; i++) {
        dir_free_window(&w->d[i]);
        ivset_free(&w->d[i].seen);
    }
    free(w->reqs);
    w->reqs = NULL;
    w->n_reqs = w->cap_reqs = 0;
}

void
hwalk_destroy(struct hwalk *w)
{
    if (!w) {
        return;
    }
    hwalk_release(w);
    for (size_t i = 0; i < w->n_heads; i++) {
        free(w->heads[i].bytes);
    }
    free(w->heads);
    ivset_free(&w->elidable);
    free(w);
}

static void
stop(struct dir *d, const char *reason)
{
    if (!d->done) {
        d->done = true;
        d->stop_reason = reason;
        d->stop_off = d->pos;
        dir_free_window(d);
    }
}

/* Copies the part of [off, off + len) that falls in the window. */
static int
absorb(struct dir *d, uint64_t off, const uint8_t *data, size_t len)
{
    uint64_t lo = off > d->pos ? off : d->pos;
    uint64_t hi = off + len;

    if (hi > d->pos + HWALK_WINDOW) {
        hi = d->pos + HWALK_WINDOW;
    }
    if (lo >= hi) {
        return 0;
    }
    size_t need = (size_t) (hi - d->pos);
    if (need > d->cap) {
        /* Grow in steps so that a head arriving segment by segment is not
         * reallocated for every segment. */
        size_t cap = d->cap ? d->cap : 4096;
        while (cap < need) {
            cap *= 2;
        }
        if (cap > HWALK_WINDOW) {
            cap = HWALK_WINDOW;
        }
        uint8_t *b = realloc(d->buf, cap);
        if (!b) {
            return ENOMEM;
        }
        d->buf = b;
        d->cap = cap;
    }
    memcpy(d->buf + (lo - d->pos), data + (lo - off), (size_t) (hi - lo));
    return ivset_add(&d->have, lo, hi);
}

/* Moves the cursor to 'next' (>= pos), keeping the window bytes that stay
 * inside, then re-absorbs the segment being fed ('cur', may be empty),
 * which 'seen' does not hold yet. */
static int
move_to(struct dir *d, uint64_t next, uint64_t cur_off,
        const uint8_t *cur, size_t cur_len)
{
    uint64_t old_end = d->pos + HWALK_WINDOW;
    uint64_t shift = next - d->pos;

    if (shift < d->cap) {
        memmove(d->buf, d->buf + shift, d->cap - (size_t) shift);
    }
    ivset_trim_below(&d->have, next);
    d->pos = next;
    if (d->have.n == 0) {
        /* Nothing to keep: a cursor waiting past a large body costs no
         * memory. */
        dir_free_window(d);
    }
    uint64_t lo = next > old_end ? next : old_end;
    if (ivset_count(&d->seen, lo, next + HWALK_WINDOW) > 0) {
        d->stalled = true;
        dir_free_window(d);
        return 0;
    }
    return absorb(d, cur_off, cur, cur_len);
}

static int
add_head(struct hwalk *w, enum hwalk_dir dir, const uint8_t *buf, size_t len)
{
    struct dir *d = &w->d[dir];

    if (w->n_heads == w->cap_heads) {
        size_t cap = w->cap_heads ? w->cap_heads * 2 : 4;
        struct hwalk_head *h = realloc(w->heads, cap * sizeof *h);
        if (!h) {
            return ENOMEM;
        }
        w->heads = h;
        w->cap_heads = cap;
    }
    uint8_t *copy = malloc(len);
    if (!copy) {
        return ENOMEM;
    }
    memcpy(copy, buf, len);
    w->heads[w->n_heads++] = (struct hwalk_head) {
        d->pos, d->pos + len, copy, dir,
    };
    return 0;
}

static int
add_req(struct hwalk *w, const struct http_request *req)
{
    if (w->n_reqs == w->cap_reqs) {
        size_t cap = w->cap_reqs ? w->cap_reqs * 2 : 4;
        struct req_info *r = realloc(w->reqs, cap * sizeof *r);
        if (!r) {
            return ENOMEM;
        }
        w->reqs = r;
        w->cap_reqs = cap;
    }
    w->reqs[w->n_reqs++] = (struct req_info) { req->is_head, req->is_connect };
    return 0;
}

/* Bytes held contiguously from the cursor. */
static size_t
contiguous(const struct dir *d)
{
    return (size_t) (ivset_run_end(&d->have, d->pos) - d->pos);
}

/* One step in the client->server stream: 1 if the cursor moved, 0 if it
 * waits for bytes (or stopped), or ENOMEM as a negative value. */
static int
step_request(struct hwalk *w, uint64_t cur_off, const uint8_t *cur,
             size_t cur_len)
{
    struct dir *d = &w->d[HWALK_C2S];
    size_t have = contiguous(d);
    struct http_request req;
    uint64_t next;

    if (have == 0) {
        return 0;
    }
    int r = http_parse_request(d->buf, have, &req);
    if (r == -2) {
        if (have == HWALK_WINDOW) {
            stop(d, "head longer than the window");
        }
        return 0;
    } else if (r < 0) {
        stop(d, "invalid request head");
        return 0;
    }
    if (add_head(w, HWALK_C2S, d->buf, (size_t) r) || add_req(w, &req)) {
        return -ENOMEM;
    }
    switch (req.framing) {
    case HTTP_BODY_NONE:
        next = d->pos + (uint64_t) r;
        break;
    case HTTP_BODY_LENGTH:
        next = d->pos + (uint64_t) r + req.content_length;
        break;
    case HTTP_BODY_CHUNKED:
        d->pos += (uint64_t) r;
        stop(d, "chunked request body");
        return 0;
    default:
        d->pos += (uint64_t) r;
        stop(d, "untrusted request framing");
        return 0;
    }
    if (req.is_connect) {
        /* What follows a CONNECT depends on the answer; a tunnel is not
         * HTTP, so the walk ends here either way. */
        d->pos = next;
        stop(d, "CONNECT");
        return 0;
    }
    if (move_to(d, next, cur_off, cur, cur_len)) {
        return -ENOMEM;
    }
    return d->stalled ? 0 : 1;
}

/* One step in the server->client stream, as step_request(). */
static int
step_response(struct hwalk *w, uint64_t cur_off, const uint8_t *cur,
              size_t cur_len)
{
    struct dir *d = &w->d[HWALK_S2C];
    size_t have = contiguous(d);
    struct http_response resp;
    struct req_info req = { false, false };
    uint64_t next;

    if (have == 0) {
        return 0;
    }
    if (w->next_req < w->n_reqs) {
        req = w->reqs[w->next_req];
    } else if (!w->c2s_exhausted) {
        /* The framing of this response depends on a request not found
         * yet; the head waits in the window. */
        return 0;
    }
    /* Past the known requests, a response (e.g. 408 Request Timeout) is
     * read as answering a GET. */
    int r = http_parse_response(d->buf, have, req.is_head, req.is_connect,
                                &resp);
    if (r == -2) {
        if (have == HWALK_WINDOW) {
            stop(d, "head longer than the window");
        }
        return 0;
    } else if (r < 0) {
        stop(d, "invalid response head");
        return 0;
    }
    if (add_head(w, HWALK_S2C, d->buf, (size_t) r)) {
        return -ENOMEM;
    }
    uint64_t body = d->pos + (uint64_t) r;
    if (resp.status >= 100 && resp.status < 200 && resp.status != 101) {
        /* Interim response (RFC 9110 15.2): the final one follows for
         * the same request. */
        next = body;
    } else {
        w->next_req++;
        switch (resp.framing) {
        case HTTP_BODY_NONE:
            next = body;
            break;
        case HTTP_BODY_LENGTH:
            next = body + resp.content_length;
            if (resp.content_length >= w->threshold
                && ivset_add(&w->elidable, body, next)) {
                return -ENOMEM;
            }
            break;
        case HTTP_BODY_TUNNEL:
            d->pos = body;
            stop(d, "tunnel");
            stop(&w->d[HWALK_C2S], "tunnel");
            return 0;
        case HTTP_BODY_CHUNKED:
            d->pos = body;
            stop(d, "chunked response body");
            return 0;
        case HTTP_BODY_CLOSE:
            d->pos = body;
            stop(d, "close-delimited response body");
            return 0;
        default:
            d->pos = body;
            stop(d, "untrusted response framing");
            return 0;
        }
    }
    if (move_to(d, next, cur_off, cur, cur_len)) {
        return -ENOMEM;
    }
    return d->stalled ? 0 : 1;
}

/* Walks 'dir' as far as the window allows; 'cur' is the segment being fed.
 * A new request may unblock the response walk, so it is retried. */
static int
advance(struct hwalk *w, enum hwalk_dir dir, uint64_t cur_off,
        const uint8_t *cur, size_t cur_len)
{
    int r;

    if (dir == HWALK_C2S) {
        size_t before = w->n_reqs;
        while (!w->d[HWALK_C2S].done && !w->d[HWALK_C2S].stalled
               && (r = step_request(w, cur_off, cur, cur_len)) != 0) {
            if (r < 0) {
                return -r;
            }
        }
        if (w->n_reqs == before) {
            return 0;
        }
        /* The response walk takes no bytes here: its window is already
         * filled with what it was fed. */
        cur_len = 0;
    }
    while (!w->d[HWALK_S2C].done && !w->d[HWALK_S2C].stalled
           && (r = step_response(w, cur_off, cur, cur_len)) != 0) {
        if (r < 0) {
            return -r;
        }
    }
    return 0;
}

int
hwalk_feed(struct hwalk *w, enum hwalk_dir dir, uint64_t off,
           const uint8_t *data, size_t len)
{
    struct dir *d = &w->d[dir];
    int err = 0;

    if (len == 0 || d->done || !d->feeding) {
        return 0;
    }
    if (!d->stalled) {
        err = absorb(d, off, data, len);
        if (!err) {
            err = advance(w, dir, off, data, len);
        }
    }
    if (!err && !d->done) {
        err = ivset_add(&d->seen, off, off + len);
    }
    if (err) {
        stop(&w->d[0], "out of memory");
        stop(&w->d[1], "out of memory");
    }
    return err;
}

bool
hwalk_end_pass(struct hwalk *w, bool last)
{
    bool again = false;

    if (!w->d[HWALK_C2S].stalled && !w->c2s_exhausted) {
        /* Every request the capture holds has been found: responses past
         * them need not wait any more. */
        w->c2s_exhausted = true;
        if (advance(w, HWALK_S2C, 0, NULL, 0)) {
            stop(&w->d[0], "out of memory");
            stop(&w->d[1], "out of memory");
        }
    }
    for (int i = 0; i < 2; i++) {
        struct dir *d = &w->d[i];
        if (d->stalled && last) {
            d->stalled = false;
            stop(d, "reordering beyond the window");
        }
        again |= d->stalled;
    }
    if (!again) {
        for (int i = 0; i < 2; i++) {
            struct dir *d = &w->d[i];
            d->partial = !d->done && d->have.n > 0;
        }
    }
    return again;
}

void
hwalk_begin_pass(struct hwalk *w)
{
    for (int i = 0; i < 2; i++) {
        struct dir *d = &w->d[i];
        d->feeding = d->stalled;
        if (d->stalled) {
            d->stalled = false;
            ivset_clear(&d->have);
            ivset_clear(&d->seen);
        }
    }
}

const struct hwalk_head *
hwalk_heads(const struct hwalk *w, size_t *n)
{
    *n = w->n_heads;
    return w->heads;
}

const struct ivset *
hwalk_elidable(const struct hwalk *w)
{
    return &w->elidable;
}

const char *
hwalk_stop_reason(const struct hwalk *w, enum hwalk_dir dir, uint64_t *off)
{
    *off = w->d[dir].stop_off;
    return w->d[dir].stop_reason;
}

bool
hwalk_partial(const struct hwalk *w, enum hwalk_dir dir, uint64_t *off)
{
    *off = w->d[dir].pos;
    return w->d[dir].partial;
}
