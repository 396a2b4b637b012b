/* Ethernet/IPv4/TCP frames for the connection logic's tests: the switch
 * simulator of tests/unit/test_conn.c and the oracle fuzzer of
 * fuzz/fuzz_conn.c build their segments with it.  Checksums are right
 * (pkt_verify_csum() accepts the frame) unless the caller spoils one. */
#ifndef TCPFRAME_H
#define TCPFRAME_H 1

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"

#define TCPFRAME_TS_OPT 12      /* NOP, NOP, timestamps (RFC 7323) */
#define TCPFRAME_SACK_OPT 12    /* NOP, NOP, one SACK block (RFC 2018) */

struct tcpframe {
    const uint8_t *src_mac, *dst_mac;
    uint32_t src_ip, dst_ip;    /* host order */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    size_t opt;                 /* 0, TCPFRAME_TS_OPT or TCPFRAME_SACK_OPT */
    uint32_t sack[2];           /* with TCPFRAME_SACK_OPT: [left, right) */
    const void *payload;
    size_t len;
};

static inline void
tcpframe_put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

static inline void
tcpframe_put32(uint8_t *p, uint32_t v)
{
    tcpframe_put16(p, v >> 16);
    tcpframe_put16(p + 2, v & 0xffff);
}

/* Length of the frame of 't'. */
static inline size_t
tcpframe_len(const struct tcpframe *t)
{
    return 14 + 20 + 20 + t->opt + t->len;
}

/* Writes the frame of 't' to 'f' (tcpframe_len() bytes); returns its
 * length. */
static inline size_t
tcpframe_write(uint8_t *f, const struct tcpframe *t)
{
    size_t tl = 20 + t->opt + t->len, n = 34 + tl;
    memset(f, 0, 54 + t->opt);
    memcpy(f, t->dst_mac, 6);
    memcpy(f + 6, t->src_mac, 6);
    tcpframe_put16(f + 12, 0x0800);
    uint8_t *ip = f + 14, *h = ip + 20;
    ip[0] = 0x45;
    tcpframe_put16(ip + 2, (uint16_t) (20 + tl));
    tcpframe_put16(ip + 4, 0x1234);
    tcpframe_put16(ip + 6, 0x4000);        /* DF */
    ip[8] = 64;
    ip[9] = 6;
    tcpframe_put32(ip + 12, t->src_ip);
    tcpframe_put32(ip + 16, t->dst_ip);
    tcpframe_put16(h, t->sport);
    tcpframe_put16(h + 2, t->dport);
    tcpframe_put32(h + 4, t->seq);
    tcpframe_put32(h + 8, t->ack);
    h[12] = (uint8_t) (((20 + t->opt) / 4) << 4);
    h[13] = t->flags;
    tcpframe_put16(h + 14, 65535);
    if (t->opt && t->sack[0] != t->sack[1]) {
        h[20] = 1;
        h[21] = 1;
        h[22] = 5;
        h[23] = 10;
        tcpframe_put32(h + 24, t->sack[0]);
        tcpframe_put32(h + 28, t->sack[1]);
    } else if (t->opt) {
        h[20] = 1;
        h[21] = 1;
        h[22] = 8;
        h[23] = 10;
        tcpframe_put32(h + 24, 0x01020304);
        tcpframe_put32(h + 28, 0x05060708);
    }
    if (t->len) {
        memcpy(h + 20 + t->opt, t->payload, t->len);
    }
    tcpframe_put16(ip + 10,
                   (uint16_t) ~pkt_csum_fold(pkt_csum_add(0, ip, 20)));
    uint32_t sum = pkt_csum_add(0, ip + 12, 8) + 6 + (uint32_t) tl;
    tcpframe_put16(h + 16,
                   (uint16_t) ~pkt_csum_fold(pkt_csum_add(sum, h, tl)));
    return n;
}

/* Spoils the TCP checksum of a frame tcpframe_write() wrote. */
static inline void
tcpframe_spoil(uint8_t *f)
{
    f[14 + 20 + 17] ^= 0x5a;
}

/* Makes the frame a first IP fragment (MF set, offset 0: it keeps its TCP
 * header), with its IPv4 header checksum redone. */
static inline void
tcpframe_first_fragment(uint8_t *f)
{
    uint8_t *ip = f + 14;
    tcpframe_put16(ip + 6, 0x2000);        /* MF, offset 0 */
    tcpframe_put16(ip + 10, 0);
    tcpframe_put16(ip + 10,
                   (uint16_t) ~pkt_csum_fold(pkt_csum_add(0, ip, 20)));
}

#endif
