/* L2-L4 packet parser (see pkt.h).
 *
 * Each layer first checks that its whole header lies inside the buffer and
 * only then reads it, so a cut frame never reads past 'len'.  A layer's
 * fields are stored only once its header is known to be complete and valid,
 * which leaves the fields of a cut or malformed layer zero.  Lengths that
 * the IP header declares are checked before the captured length, so that
 * "invalid" does not depend on where a capture happened to stop. */
#include "pkt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#define ETH_HLEN      14
#define VLAN_HLEN     4
#define ARP_HLEN      8
#define IPV4_MIN_HLEN 20
#define IPV6_HLEN     40
#define IPV6_EXT_MIN  8
#define TCP_MIN_HLEN  20
#define UDP_HLEN      8

#define ETHTYPE_IPV4  0x0800
#define ETHTYPE_ARP   0x0806
#define ETHTYPE_VLAN  0x8100
#define ETHTYPE_QINQ  0x88a8
#define ETHTYPE_IPV6  0x86dd

/* True when the 'n' bytes at 'ofs' lie inside a buffer of 'len' bytes. */
static inline bool
have(size_t len, size_t ofs, size_t n)
{
    return ofs <= len && n <= len - ofs;
}

static inline uint16_t
be16(const uint8_t *b)
{
    return (uint16_t) (b[0] << 8 | b[1]);
}

static inline uint32_t
be32(const uint8_t *b)
{
    return (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16
           | (uint32_t) b[2] << 8 | b[3];
}

/* IEEE 802.3 clause 3.2 (Ethernet II), IEEE 802.1Q clause 9 (tags).  Sets
 * '*l3' to the offset of the header that follows the last tag. */
static enum pkt_result
parse_eth(const uint8_t *f, size_t len, struct pkt *p, size_t *l3)
{
    size_t type_ofs = 12;
    uint16_t type, tci = 0;
    bool vlan = false;

    if (!have(len, 0, ETH_HLEN)) {
        return PKT_TRUNCATED;
    }
    type = be16(f + type_ofs);
    /* pkt.h promises at most two tags; a third stays in eth_type, so such
     * a frame is reported as L2 only rather than misparsed. */
    for (int i = 0; i < 2 && (type == ETHTYPE_VLAN || type == ETHTYPE_QINQ);
         i++) {
        if (!have(len, type_ofs + 2, VLAN_HLEN)) {
            return PKT_TRUNCATED;
        }
        if (!vlan) {
            tci = be16(f + type_ofs + 2);
            vlan = true;
        }
        type_ofs += VLAN_HLEN;
        type = be16(f + type_ofs);
    }

    memcpy(p->eth_dst, f, 6);
    memcpy(p->eth_src, f + 6, 6);
    p->eth_type = type;
    p->vlan_tci = tci;
    p->has_vlan = vlan;
    p->layers = PKT_L2;
    *l3 = type_ofs + 2;
    return PKT_OK;
}

/* RFC 826 "Packet format": 8 fixed bytes, then two hardware and two
 * protocol addresses whose sizes the fixed part gives. */
static enum pkt_result
parse_arp(const uint8_t *f, size_t len, size_t ofs, struct pkt *p)
{
    const uint8_t *h;

    if (!have(len, ofs, ARP_HLEN)) {
        return PKT_TRUNCATED;
    }
    h = f + ofs;
    if (!have(len, ofs, ARP_HLEN + 2 * ((size_t) h[4] + h[5]))) {
        return PKT_TRUNCATED;
    }
    p->arp_op = be16(h + 6);
    p->l3_ofs = (uint16_t) ofs;
    p->layers |= PKT_L3;
    return PKT_OK;
}

/* RFC 791 3.1: IHL counts 32-bit words and total length includes the
 * header.  Sets '*l4' to the transport header offset, or 0 when this packet
 * does not carry one, and '*end' to the end of the datagram. */
static enum pkt_result
parse_ipv4(const uint8_t *f, size_t len, size_t ofs, struct pkt *p,
           size_t *l4, size_t *end)
{
    const uint8_t *h;
    size_t hlen, total;
    uint16_t frag;

    if (!have(len, ofs, IPV4_MIN_HLEN)) {
        return PKT_TRUNCATED;
    }
    h = f + ofs;
    hlen = (size_t) (h[0] & 0x0f) * 4;
    total = be16(h + 2);
    if (h[0] >> 4 != 4 || hlen < IPV4_MIN_HLEN || total < hlen) {
        return PKT_INVALID;
    }
    if (!have(len, ofs, hlen)) {
        return PKT_TRUNCATED;
    }
    frag = be16(h + 6);

    p->ip_version = 4;
    p->ip_ttl = h[8];
    p->ip_proto = h[9];
    memcpy(p->ip_src, h + 12, 4);
    memcpy(p->ip_dst, h + 16, 4);
    /* MF (0x2000) or a non-zero offset; DF (0x4000) is no fragment. */
    p->ip_frag = (frag & 0x3fff) != 0;
    p->l3_ofs = (uint16_t) ofs;
    p->layers |= PKT_L3;
    /* Only the fragment at offset 0 starts with the transport header. */
    *l4 = (frag & 0x1fff) == 0 ? ofs + hlen : 0;
    *end = ofs + total;
    return PKT_OK;
}

/* RFC 8200 3: fixed header; payload length covers the extension headers,
 * which are walked here so that ip_proto is the final next header. */
static enum pkt_result
parse_ipv6(const uint8_t *f, size_t len, size_t ofs, struct pkt *p,
           size_t *l4, size_t *end)
{
    const uint8_t *h;
    size_t o = ofs + IPV6_HLEN, e;
    bool frag = false, later_frag = false;
    uint8_t nh;

    if (!have(len, ofs, IPV6_HLEN)) {
        return PKT_TRUNCATED;
    }
    h = f + ofs;
    if (h[0] >> 4 != 6) {
        return PKT_INVALID;
    }
    e = o + be16(h + 4);
    nh = h[6];
    while (!later_frag && (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING
                           || nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT)) {
        size_t n = IPV6_EXT_MIN;

        if (o + IPV6_EXT_MIN > e) {
            return PKT_INVALID;
        }
        if (!have(len, o, IPV6_EXT_MIN)) {
            return PKT_TRUNCATED;
        }
        if (nh == IPPROTO_FRAGMENT) {
            /* RFC 8200 4.5: fixed 8 bytes; offset in the top 13 bits. */
            frag = true;
            later_frag = (be16(f + o + 2) & 0xfff8) != 0;
        } else {
            /* RFC 8200 4.3, 4.4, 4.6: length in 8-byte units after the
             * first 8 bytes. */
            n = ((size_t) f[o + 1] + 1) * 8;
            if (o + n > e) {
                return PKT_INVALID;
            }
            if (!have(len, o, n)) {
                return PKT_TRUNCATED;
            }
        }
        nh = f[o];
        o += n;
    }
    /* l4_ofs is 16 bits wide; a header chain that long is no real packet. */
    if (o > UINT16_MAX) {
        return PKT_INVALID;
    }

    p->ip_version = 6;
    p->ip_proto = nh;
    p->ip_ttl = h[7];
    memcpy(p->ip_src, h + 8, 16);
    memcpy(p->ip_dst, h + 24, 16);
    p->ip_frag = frag;
    p->l3_ofs = (uint16_t) ofs;
    p->layers |= PKT_L3;
    /* RFC 8200 4.7: next header 59 means nothing follows. */
    *l4 = later_frag || nh == IPPROTO_NONE ? 0 : o;
    *end = e;
    return PKT_OK;
}

/* Parses the TCP or UDP header at 'ofs' of a datagram that ends at 'end'
 * (end >= ofs).  A header that the datagram cannot hold is invalid, except
 * in a first fragment, which may legitimately stop early. */
static enum pkt_result
parse_l4(const uint8_t *f, size_t len, size_t ofs, size_t end, struct pkt *p)
{
    enum pkt_result too_long = p->ip_frag ? PKT_OK : PKT_INVALID;
    size_t room = end - ofs, hlen, declared, captured;
    const uint8_t *h;

    if (p->ip_proto == IPPROTO_TCP) {
        /* RFC 9293 3.1: data offset counts 32-bit words, at least 5. */
        if (room < TCP_MIN_HLEN) {
            return too_long;
        }
        if (!have(len, ofs, TCP_MIN_HLEN)) {
            return PKT_TRUNCATED;
        }
        h = f + ofs;
        hlen = (size_t) (h[12] >> 4) * 4;
        if (hlen < TCP_MIN_HLEN) {
            return PKT_INVALID;
        }
        if (hlen > room) {
            return too_long;
        }
        if (!have(len, ofs, hlen)) {
            return PKT_TRUNCATED;
        }
        p->tcp_seq = be32(h + 4);
        p->tcp_ack = be32(h + 8);
        p->tcp_flags = h[13];
        p->tcp_win = be16(h + 14);
        p->tcp_hdr_len = (uint8_t) hlen;
    } else if (p->ip_proto == IPPROTO_UDP) {
        /* RFC 768: the UDP length field is not used, because the IP length
         * already bounds the payload and in a first fragment the UDP
         * length spans the whole reassembled datagram. */
        if (room < UDP_HLEN) {
            return too_long;
        }
        if (!have(len, ofs, UDP_HLEN)) {
            return PKT_TRUNCATED;
        }
        h = f + ofs;
        hlen = UDP_HLEN;
    } else {
        return PKT_OK;
    }

    p->sport = be16(h);
    p->dport = be16(h + 2);
    p->l4_ofs = (uint16_t) ofs;
    p->layers |= PKT_L4;
    /* The IP length, not the frame length, ends the payload: Ethernet pads
     * short frames to 60 bytes and the padding is no data. */
    declared = room - hlen;
    captured = len - ofs - hlen;
    p->payload = f + ofs + hlen;
    p->payload_len = (uint32_t) declared;
    p->payload_caplen = (uint32_t) (captured < declared ? captured : declared);
    return PKT_OK;
}

int
pkt_tcp_sack(const struct pkt *p, uint32_t blocks[4][2])
{
    if (!(p->layers & PKT_L4) || p->ip_proto != IPPROTO_TCP
        || p->tcp_hdr_len <= TCP_MIN_HLEN) {
        return 0;
    }
    /* pkt_parse() checked that the whole header is in the buffer, and the
     * payload starts right after it. */
    const uint8_t *o = p->payload - (p->tcp_hdr_len - TCP_MIN_HLEN);
    size_t n = p->tcp_hdr_len - TCP_MIN_HLEN, i = 0;
    while (i < n) {
        uint8_t kind = o[i];
        if (kind == 0) {                        /* end of option list */
            break;
        }
        if (kind == 1) {                        /* no-operation */
            i++;
            continue;
        }
        if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i) {
            return 0;                           /* malformed */
        }
        uint8_t olen = o[i + 1];
        if (kind == 5) {
            /* RFC 2018 3: length 8n + 2, n blocks of two 32-bit edges. */
            if ((olen - 2) % 8 || olen < 10) {
                return 0;
            }
            int nb = (olen - 2) / 8;
            nb = nb > 4 ? 4 : nb;
            for (int b = 0; b < nb; b++) {
                blocks[b][0] = be32(o + i + 2 + 8 * b);
                blocks[b][1] = be32(o + i + 6 + 8 * b);
            }
            return nb;
        }
        i += olen;
    }
    return 0;
}

enum pkt_result
pkt_parse(const uint8_t *frame, size_t len, struct pkt *p)
{
    size_t l3, l4 = 0, end = 0;
    enum pkt_result r;

    memset(p, 0, sizeof *p);
    r = parse_eth(frame, len, p, &l3);
    if (r != PKT_OK) {
        return r;
    }
    switch (p->eth_type) {
    case ETHTYPE_IPV4:
        r = parse_ipv4(frame, len, l3, p, &l4, &end);
        break;
    case ETHTYPE_IPV6:
        r = parse_ipv6(frame, len, l3, p, &l4, &end);
        break;
    case ETHTYPE_ARP:
        return parse_arp(frame, len, l3, p);
    default:
        return PKT_OK;
    }
    return r != PKT_OK || !l4 ? r : parse_l4(frame, len, l4, end, p);
}

uint32_t
pkt_csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
    /* RFC 1071: the sum of 16-bit big-endian words, an odd last byte
     * padded with zero.  Summed in the host's byte order (2(B): the sum is
     * byte-order independent, swapped once at the end) as 64-bit words
     * whose carries out are counted and added back (2(C)). */
    uint64_t acc = 0, carries = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        acc += w;
        carries += acc < w;
    }
    acc = (acc & 0xffffffff) + (acc >> 32) + carries;
    for (; i + 2 <= n; i += 2) {
        uint16_t w;
        memcpy(&w, b + i, 2);
        acc += w;
    }
    if (i < n) {
        uint8_t last[2] = { b[i], 0 };
        uint16_t w;
        memcpy(&w, last, 2);
        acc += w;
    }
    while (acc >> 16) {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    uint16_t host = (uint16_t) acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    host = (uint16_t) (host >> 8 | host << 8);
#endif
    uint64_t total = (uint64_t) sum + host;
    return (uint32_t) ((total & 0xffffffff) + (total >> 32));
}

uint16_t
pkt_csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t) sum;
}

void
pkt_verify_csum(const uint8_t *frame, size_t len, struct pkt *p)
{
    p->csum = PKT_CSUM_UNKNOWN;
    if (!(p->layers & PKT_L3) || (p->ip_version != 4 && p->ip_version != 6)) {
        return;
    }
    const uint8_t *ip = frame + p->l3_ofs;
    if (p->ip_version == 4) {
        size_t hlen = (size_t) (ip[0] & 0x0f) * 4;
        if (pkt_csum_fold(pkt_csum_add(0, ip, hlen)) != 0xffff) {
            p->csum = PKT_CSUM_BAD;
            return;
        }
    }
    if (!(p->layers & PKT_L4) || p->ip_frag
        || p->payload_caplen < p->payload_len) {
        p->csum = p->ip_version == 4 && !(p->layers & PKT_L4)
                  ? PKT_CSUM_OK : PKT_CSUM_UNKNOWN;
        return;
    }
    size_t l4_len = (size_t) (p->payload - (frame + p->l4_ofs)) + p->payload_len;
    const uint8_t *l4 = frame + p->l4_ofs;
    if (p->l4_ofs + l4_len > len) {
        return;
    }
    if (p->ip_proto == IPPROTO_UDP && be16(l4 + 6) == 0) {
        p->csum = p->ip_version == 4 ? PKT_CSUM_OK : PKT_CSUM_BAD;
        return;
    }
    /* Pseudo-header: the addresses (contiguous in either IP header), the
     * protocol and the transport length, as 16-bit words. */
    uint32_t sum = p->ip_version == 4 ? pkt_csum_add(0, ip + 12, 8)
                                      : pkt_csum_add(0, ip + 8, 32);
    sum += p->ip_proto + (uint32_t) (l4_len >> 16) + (uint32_t) (l4_len & 0xffff);
    sum = pkt_csum_add(sum, l4, l4_len);
    p->csum = pkt_csum_fold(sum) == 0xffff ? PKT_CSUM_OK : PKT_CSUM_BAD;
}

const char *
pkt_ip_str(const struct pkt *p, const uint8_t *addr, char *buf)
{
    /* glibc's inet_ntop writes the RFC 5952 section 4 form (lower case,
     * longest zero run compressed, a single zero field kept). */
    if (!inet_ntop(p->ip_version == 6 ? AF_INET6 : AF_INET, addr, buf,
                   INET6_ADDRSTRLEN)) {
        buf[0] = '\0';
    }
    return buf;
}

const char *
pkt_result_str(enum pkt_result r)
{
    switch (r) {
    case PKT_OK:
        return "ok";
    case PKT_TRUNCATED:
        return "truncated";
    case PKT_INVALID:
        return "invalid";
    }
    return "?";
}
