#include "buf.h"

#include <stdio.h>
#include <stdlib.h>

static void
out_of_memory(size_t n)
{
    fprintf(stderr, "elide-controller: out of memory (%zu bytes)\n", n);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        out_of_memory(n);
    }
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        out_of_memory(n * size);
    }
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        out_of_memory(n);
    }
    return p;
}

void
buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = b->cap = b->ofs = 0;
}

void
buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

void
buf_reserve(struct buf *b, size_t extra)
{
    if (b->cap - b->len >= extra) {
        return;
    }
    /* Never moves bytes already in the buffer: an encoder may hold offsets
     * into it while it appends.  buf_consume() reclaims the front. */
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra) {
        cap *= 2;
    }
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void
buf_put(struct buf *b, const void *src, size_t n)
{
    if (n) {
        memcpy(buf_put_uninit(b, n), src, n);
    }
}

void
buf_consume(struct buf *b, size_t n)
{
    b->ofs += n;
    if (b->ofs >= b->len) {
        b->ofs = b->len = 0;
    } else if (b->ofs >= 4096 && b->ofs * 2 >= b->len) {
        /* Reclaim the drained front of a queue once it dominates. */
        memmove(b->data, b->data + b->ofs, b->len - b->ofs);
        b->len -= b->ofs;
        b->ofs = 0;
    }
}

void
buf_clear(struct buf *b)
{
    b->len = b->ofs = 0;
}
