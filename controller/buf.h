/* Growable byte buffer used to build OpenFlow messages and to queue bytes
 * for a socket.  Allocation failure aborts (as OVS's xmalloc does): a
 * controller that cannot allocate a few KB cannot do anything useful. */
#ifndef BUF_H
#define BUF_H 1

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
    uint8_t *data;
    size_t len;        /* bytes used */
    size_t cap;        /* bytes allocated */
    size_t ofs;        /* bytes already consumed from the front */
};

void buf_init(struct buf *);
void buf_free(struct buf *);
void buf_reserve(struct buf *, size_t extra);
void buf_put(struct buf *, const void *, size_t n);
void buf_consume(struct buf *, size_t n);   /* drop n bytes from the front */
void buf_clear(struct buf *);

/* Appends n bytes and returns where they start (the fast path inline:
 * encoders call this several times per message). */
static inline void *
buf_put_uninit(struct buf *b, size_t n)
{
    if (b->cap - b->len < n) {
        buf_reserve(b, n);
    }
    void *p = b->data + b->len;
    b->len += n;
    return p;
}

static inline void *
buf_put_zeros(struct buf *b, size_t n)
{
    return memset(buf_put_uninit(b, n), 0, n);
}

static inline size_t buf_avail(const struct buf *b) { return b->len - b->ofs; }
static inline uint8_t *buf_head(const struct buf *b) { return b->data + b->ofs; }

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);

/* Big-endian stores and loads on possibly unaligned memory. */
static inline void put_be16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}
static inline void put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, v >> 32); put_be32(p + 4, (uint32_t) v);
}
static inline uint16_t get_be16(const uint8_t *p) { return (uint16_t) (p[0] << 8 | p[1]); }
static inline uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}
static inline uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t) get_be32(p) << 32 | get_be32(p + 4);
}

#endif
