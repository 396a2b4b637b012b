/* Unit tests for the L2-L4 packet parser (controller/pkt.c).
 *
 * Every fixture is a hand-built frame.  Besides exact field values for the
 * whole frame, each fixture is fed at every prefix length, copied into a
 * heap buffer of exactly that size so that AddressSanitizer reports any
 * read past the end.  Addresses are the documentation ranges: RFC 7042
 * MACs, RFC 5737 IPv4, RFC 3849 IPv6.  Checksums are left zero because the
 * parser does not verify them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

#define BE16(x) ((x) >> 8) & 0xff, (x) & 0xff
#define BE32(x) ((x) >> 24) & 0xff, ((x) >> 16) & 0xff, BE16((x) & 0xffff)

#define MAC_A 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01
#define MAC_B 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02
#define IP4_A 192, 0, 2, 1
#define IP4_B 198, 51, 100, 2
#define IP6_A 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define IP6_B 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02

/* Ethernet II header from A to B. */
#define ETH(type) MAC_B, MAC_A, BE16(type)
/* IPv4 header without options, TTL 64, A to B. */
#define IPV4(total, frag, proto) \
    0x45, 0x00, BE16(total), 0x12, 0x34, BE16(frag), 64, proto, 0x00, 0x00, \
    IP4_A, IP4_B
/* IPv6 header, hop limit 64, A to B; traffic class and flow label set. */
#define IPV6(plen, nh) 0x6b, 0x81, 0x23, 0x45, BE16(plen), nh, 64, IP6_A, IP6_B
/* TCP header without options, window 64240. */
#define TCP(sport, dport, seq, ack, doff, flags) \
    BE16(sport), BE16(dport), BE32(seq), BE32(ack), (doff) << 4, flags, \
    BE16(64240), 0x00, 0x00, 0x00, 0x00
#define UDP(sport, dport, ulen) BE16(sport), BE16(dport), BE16(ulen), 0, 0

#define PAD2 0, 0
#define PAD6 0, 0, 0, 0, 0, 0
#define PAD16 PAD6, PAD6, 0, 0, 0, 0

struct fixture {
    const uint8_t *bytes;
    size_t len;
    enum pkt_result result;     /* of the whole frame */
    size_t l2_end, l3_end, l4_end;  /* where each header ends, 0: never */
    size_t settles;             /* shortest prefix that yields 'result';
                                 * every shorter one is truncated */
};

#define FIXTURE(arr, res, l2, l3, l4, settle) \
    ((struct fixture) { arr, sizeof arr, res, l2, l3, l4, settle })

/* ---- Fixtures ---------------------------------------------------------- */

/* SYN with MSS, SACK-permitted, timestamps, NOP and window scale options
 * (RFC 9293 3.2, RFC 7323); DF set, which is no fragmentation. */
static const uint8_t syn[] = {
    ETH(0x0800), IPV4(60, 0x4000, 6),
    TCP(49152, 80, 0x11223344, 0, 10, TCP_SYN),
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, BE32(0x01020304),
    BE32(0), 0x01, 0x03, 0x03, 0x07,
};

static const char http_get[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
static const uint8_t http[] = {
    ETH(0x0800), IPV4(77, 0x4000, 6),
    TCP(49152, 80, 0x11223345, 0xaabbccdd, 5, TCP_PSH | TCP_ACK),
    'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1',
    '\r', '\n', 'H', 'o', 's', 't', ':', ' ', 'e', 'x', 'a', 'm', 'p', 'l',
    'e', '.', 'c', 'o', 'm', '\r', '\n', '\r', '\n',
};

/* A bare ACK is 54 bytes; Ethernet pads it to 60. */
static const uint8_t padded[] = {
    ETH(0x0800), IPV4(40, 0x4000, 6),
    TCP(80, 49152, 0xaabbccdd, 0x1122336a, 5, TCP_ACK), PAD6,
};

static const uint8_t vlan[] = {
    MAC_B, MAC_A, BE16(0x8100), BE16(0x6064), BE16(0x0800),
    IPV4(44, 0, 6), TCP(80, 49152, 1000, 2000, 5, TCP_PSH | TCP_ACK),
    'd', 'a', 't', 'a',
};

/* 802.1ad outer tag (VLAN 200), 802.1Q inner tag (PCP 1, VLAN 100). */
static const uint8_t qinq[] = {
    MAC_B, MAC_A, BE16(0x88a8), BE16(0x00c8), BE16(0x8100), BE16(0x2064),
    BE16(0x0800), IPV4(32, 0, 17), UDP(5353, 53, 12), 'p', 'i', 'n', 'g',
    PAD6,
};

/* Three tags: the third is left in eth_type. */
static const uint8_t triple_tag[] = {
    MAC_B, MAC_A, BE16(0x88a8), BE16(0x00c8), BE16(0x8100), BE16(0x0064),
    BE16(0x8100), BE16(0x0001), BE16(0x0800), IPV4(28, 0, 17),
    UDP(1, 2, 8), PAD6,
};

static const uint8_t ipv6_tcp[] = {
    ETH(0x86dd), IPV6(25, 6),
    TCP(443, 50000, 0xfedcba98, 0x01234567, 5, TCP_PSH | TCP_ACK),
    'h', 'e', 'l', 'l', 'o',
};

/* Hop-by-hop header holding one PadN option, then UDP. */
static const uint8_t ipv6_hbh[] = {
    ETH(0x86dd), IPV6(20, 0), 17, 0, 1, 4, 0, 0, 0, 0,
    UDP(5353, 53, 12), 'a', 'b', 'c', 'd',
};

/* Hop-by-hop, routing (experimental type 253, RFC 4727), 16-byte destination
 * options, then no next header. */
static const uint8_t ipv6_chain[] = {
    ETH(0x86dd), IPV6(32, 0),
    43, 0, 1, 4, 0, 0, 0, 0,
    60, 0, 253, 0, 0, 0, 0, 0,
    59, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Payload length 120, but the capture stops inside the TCP header. */
static const uint8_t ipv6_cut_hdr[] = {
    ETH(0x86dd), IPV6(120, 6), BE16(443), BE16(50000), BE32(1), BE32(2),
};

/* Payload length 120, but the capture stops after 10 payload bytes. */
static const uint8_t ipv6_snap[] = {
    ETH(0x86dd), IPV6(120, 6), TCP(443, 50000, 1, 2, 5, TCP_ACK),
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
};

static const uint8_t ipv4_udp[] = {
    ETH(0x0800), IPV4(40, 0, 17), UDP(5353, 53, 20),
    BE16(0xbeef), 0x01, 0x00, BE16(1), BE16(0), BE16(0), BE16(0), PAD6,
};

static const uint8_t arp[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, MAC_A, BE16(0x0806),
    BE16(1), BE16(0x0800), 6, 4, BE16(1), MAC_A, IP4_A, 0, 0, 0, 0, 0, 0,
    IP4_B, PAD16, PAD2,
};

/* IHL 6: one Router Alert option (RFC 2113). */
static const uint8_t ipv4_opts[] = {
    ETH(0x0800), 0x46, 0x00, BE16(35), 0x12, 0x34, BE16(0), 1, 17, 0, 0,
    IP4_A, IP4_B, 0x94, 0x04, 0x00, 0x00, UDP(5353, 53, 11), 'a', 'b', 'c',
    PAD6, PAD2, 0, 0, 0,
};

static const uint8_t icmp[] = {
    ETH(0x0800), IPV4(28, 0, 1), 8, 0, 0, 0, BE16(1), BE16(1), PAD16, PAD2,
};

static const uint8_t lldp[] = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, MAC_A, BE16(0x88cc),
    0x02, 0x07, 0x04, MAC_A, PAD16, PAD16, PAD6, 0, 0, 0,
};

/* First fragment (MF): UDP length 32 covers the whole datagram, but this
 * fragment carries only 16 payload bytes. */
static const uint8_t frag4_first[] = {
    ETH(0x0800), IPV4(44, 0x2000, 17), UDP(5353, 53, 32),
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e',
    'f', PAD2,
};

/* Last fragment at offset 16 bytes; its data looks like a UDP header, which
 * must not be parsed as one. */
static const uint8_t frag4_later[] = {
    ETH(0x0800), IPV4(28, 0x0002, 17), UDP(7, 9, 8), PAD16, PAD2,
};

static const uint8_t frag6_first[] = {
    ETH(0x86dd), IPV6(36, 44), 6, 0, BE16(0x0001), BE32(0xcafef00d),
    TCP(80, 49152, 5000, 6000, 5, TCP_ACK), 'a', 'b', 'c', 'd', 'e', 'f', 'g',
    'h',
};

/* Fragment at offset 1480, M clear; its data looks like a TCP header,
 * which must not be parsed as one. */
static const uint8_t frag6_later[] = {
    ETH(0x86dd), IPV6(32, 44), 6, 0, BE16(1480), BE32(0xcafef00d),
    TCP(7, 9, 1, 2, 5, TCP_SYN), 0, 0, 0, 0,
};

static const uint8_t bad_ihl[] = {
    ETH(0x0800), 0x44, 0x00, BE16(40), 0x12, 0x34, BE16(0), 64, 6, 0, 0,
    IP4_A, IP4_B, TCP(1, 2, 3, 4, 5, TCP_ACK),
};

static const uint8_t bad_version[] = {
    ETH(0x0800), 0x65, 0x00, BE16(40), 0x12, 0x34, BE16(0), 64, 6, 0, 0,
    IP4_A, IP4_B, TCP(1, 2, 3, 4, 5, TCP_ACK),
};

static const uint8_t bad_total_len[] = {
    ETH(0x0800), IPV4(16, 0, 6), TCP(1, 2, 3, 4, 5, TCP_ACK),
};

static const uint8_t bad_tcp_doff[] = {
    ETH(0x0800), IPV4(40, 0, 6), TCP(1, 2, 3, 4, 4, TCP_ACK),
};

/* Data offset 6 (24 bytes) in a 40-byte datagram: the Ethernet padding
 * would supply the missing bytes, but it is not part of the datagram. */
static const uint8_t tcp_beyond_ip[] = {
    ETH(0x0800), IPV4(40, 0, 6), TCP(1, 2, 3, 4, 6, TCP_ACK), PAD6,
};

/* IPv6 destination options header longer than the payload length. */
static const uint8_t ipv6_bad_ext[] = {
    ETH(0x86dd), IPV6(8, 60), 59, 1, 1, 12, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0,
};

/* ---- Helpers ----------------------------------------------------------- */

static uint8_t
layers_at(const struct fixture *fx, size_t n)
{
    return (fx->l2_end && fx->l2_end <= n ? PKT_L2 : 0)
           | (fx->l3_end && fx->l3_end <= n ? PKT_L3 : 0)
           | (fx->l4_end && fx->l4_end <= n ? PKT_L4 : 0);
}

/* Fields of the layers in 'layers' equal the full parse 'ref' (whose
 * buffer is 'ref_buf'); fields of the other layers are still zero. */
static void
expect_layers(const struct pkt *p, const uint8_t *buf, size_t n,
              const struct pkt *ref, const uint8_t *ref_buf, uint8_t layers)
{
    static const struct pkt zero;
    const struct pkt *l2 = layers & PKT_L2 ? ref : &zero;
    const struct pkt *l3 = layers & PKT_L3 ? ref : &zero;
    const struct pkt *l4 = layers & PKT_L4 ? ref : &zero;

    cr_assert_eq(p->layers, layers, "n=%zu", n);
    cr_assert_arr_eq(p->eth_dst, l2->eth_dst, 6, "n=%zu", n);
    cr_assert_arr_eq(p->eth_src, l2->eth_src, 6, "n=%zu", n);
    cr_assert_eq(p->eth_type, l2->eth_type, "n=%zu", n);
    cr_assert_eq(p->vlan_tci, l2->vlan_tci, "n=%zu", n);
    cr_assert_eq(p->has_vlan, l2->has_vlan, "n=%zu", n);

    cr_assert_eq(p->ip_version, l3->ip_version, "n=%zu", n);
    cr_assert_eq(p->ip_proto, l3->ip_proto, "n=%zu", n);
    cr_assert_eq(p->ip_ttl, l3->ip_ttl, "n=%zu", n);
    cr_assert_arr_eq(p->ip_src, l3->ip_src, 16, "n=%zu", n);
    cr_assert_arr_eq(p->ip_dst, l3->ip_dst, 16, "n=%zu", n);
    cr_assert_eq(p->ip_frag, l3->ip_frag, "n=%zu", n);
    cr_assert_eq(p->arp_op, l3->arp_op, "n=%zu", n);
    cr_assert_eq(p->l3_ofs, l3->l3_ofs, "n=%zu", n);

    cr_assert_eq(p->sport, l4->sport, "n=%zu", n);
    cr_assert_eq(p->dport, l4->dport, "n=%zu", n);
    cr_assert_eq(p->tcp_seq, l4->tcp_seq, "n=%zu", n);
    cr_assert_eq(p->tcp_ack, l4->tcp_ack, "n=%zu", n);
    cr_assert_eq(p->tcp_flags, l4->tcp_flags, "n=%zu", n);
    cr_assert_eq(p->tcp_win, l4->tcp_win, "n=%zu", n);
    cr_assert_eq(p->tcp_hdr_len, l4->tcp_hdr_len, "n=%zu", n);
    cr_assert_eq(p->l4_ofs, l4->l4_ofs, "n=%zu", n);

    if (layers & PKT_L4) {
        size_t ofs = (size_t) (ref->payload - ref_buf);
        size_t avail = n - ofs;

        cr_assert_eq(p->payload, buf + ofs, "n=%zu", n);
        cr_assert_eq(p->payload_len, ref->payload_len, "n=%zu", n);
        cr_assert_eq(p->payload_caplen,
                     avail < ref->payload_len ? avail : ref->payload_len,
                     "n=%zu", n);
    } else {
        cr_assert_null(p->payload, "n=%zu", n);
        cr_assert_eq(p->payload_len, 0, "n=%zu", n);
        cr_assert_eq(p->payload_caplen, 0, "n=%zu", n);
    }
}

static uint8_t *
copy_prefix(const struct fixture *fx, size_t n)
{
    uint8_t *buf = malloc(n);

    cr_assert(buf || !n);
    if (n) {
        memcpy(buf, fx->bytes, n);
    }
    return buf;
}

/* Parses every prefix of 'fx' from an exactly sized heap copy, checks it
 * against the full parse, then returns the full parse of the fixture
 * itself (so that 'payload' points into fx->bytes). */
static struct pkt
check(const struct fixture *fx)
{
    uint8_t *full_buf = copy_prefix(fx, fx->len);
    struct pkt full, p;

    cr_assert_eq(pkt_parse(full_buf, fx->len, &full), fx->result);
    for (size_t n = 0; n <= fx->len; n++) {
        uint8_t *buf = copy_prefix(fx, n);
        enum pkt_result want = n < fx->settles ? PKT_TRUNCATED : fx->result;
        enum pkt_result r = pkt_parse(buf, n, &p);

        cr_assert_eq(r, want, "n=%zu: %s, want %s", n, pkt_result_str(r),
                     pkt_result_str(want));
        expect_layers(&p, buf, n, &full, full_buf, layers_at(fx, n));
        free(buf);
    }
    free(full_buf);

    cr_assert_eq(pkt_parse(fx->bytes, fx->len, &p), fx->result);
    return p;
}

static const uint8_t mac_a[6] = { MAC_A };
static const uint8_t mac_b[6] = { MAC_B };

static void
expect_ips(const struct pkt *p, const char *src, const char *dst)
{
    char buf[46];

    cr_assert_str_eq(pkt_ip_str(p, p->ip_src, buf), src);
    cr_assert_str_eq(pkt_ip_str(p, p->ip_dst, buf), dst);
}

static void
expect_eth(const struct pkt *p, uint16_t type)
{
    cr_assert_arr_eq(p->eth_src, mac_a, 6);
    cr_assert_arr_eq(p->eth_dst, mac_b, 6);
    cr_assert_eq(p->eth_type, type);
}

static void
expect_v4(const struct pkt *p, uint8_t proto)
{
    expect_eth(p, 0x0800);
    cr_assert_eq(p->ip_version, 4);
    cr_assert_eq(p->ip_proto, proto);
    expect_ips(p, "192.0.2.1", "198.51.100.2");
}

static void
expect_v6(const struct pkt *p, uint8_t proto)
{
    expect_eth(p, 0x86dd);
    cr_assert_eq(p->ip_version, 6);
    cr_assert_eq(p->ip_proto, proto);
    cr_assert_eq(p->ip_ttl, 64);
    expect_ips(p, "2001:db8::1", "2001:db8::2");
}

static void
expect_ports(const struct pkt *p, uint16_t sport, uint16_t dport)
{
    cr_assert_eq(p->sport, sport);
    cr_assert_eq(p->dport, dport);
}

static void
expect_payload(const struct pkt *p, const uint8_t *frame, size_t ofs,
               uint32_t len, uint32_t caplen)
{
    cr_assert_eq(p->payload, frame + ofs);
    cr_assert_eq(p->payload_len, len);
    cr_assert_eq(p->payload_caplen, caplen);
}

/* ---- Valid frames ------------------------------------------------------ */

Test(pkt, tcp_syn_with_options)
{
    struct pkt p = check(&FIXTURE(syn, PKT_OK, 14, 34, 74, 74));

    expect_v4(&p, 6);
    cr_assert_eq(p.ip_ttl, 64);
    cr_assert_not(p.ip_frag);
    cr_assert_not(p.has_vlan);
    expect_ports(&p, 49152, 80);
    cr_assert_eq(p.tcp_seq, 0x11223344);
    cr_assert_eq(p.tcp_ack, 0);
    cr_assert_eq(p.tcp_flags, TCP_SYN);
    cr_assert_eq(p.tcp_win, 64240);
    cr_assert_eq(p.tcp_hdr_len, 40);
    cr_assert_eq(p.l3_ofs, 14);
    cr_assert_eq(p.l4_ofs, 34);
    expect_payload(&p, syn, 74, 0, 0);
}

Test(pkt, tcp_http_request)
{
    struct pkt p = check(&FIXTURE(http, PKT_OK, 14, 34, 54, 54));

    expect_v4(&p, 6);
    expect_ports(&p, 49152, 80);
    cr_assert_eq(p.tcp_seq, 0x11223345);
    cr_assert_eq(p.tcp_ack, 0xaabbccdd);
    cr_assert_eq(p.tcp_flags, TCP_PSH | TCP_ACK);
    cr_assert_eq(p.tcp_hdr_len, 20);
    expect_payload(&p, http, 54, 37, 37);
    cr_assert_eq(strlen(http_get), 37);
    cr_assert_arr_eq(p.payload, http_get, 37);
}

Test(pkt, ethernet_padding_is_not_payload)
{
    struct pkt p = check(&FIXTURE(padded, PKT_OK, 14, 34, 54, 54));

    cr_assert_eq(sizeof padded, 60);
    expect_v4(&p, 6);
    expect_ports(&p, 80, 49152);
    cr_assert_eq(p.tcp_ack, 0x1122336a);
    cr_assert_eq(p.tcp_flags, TCP_ACK);
    expect_payload(&p, padded, 54, 0, 0);
}

Test(pkt, vlan_tcp)
{
    struct pkt p = check(&FIXTURE(vlan, PKT_OK, 18, 38, 58, 58));

    expect_v4(&p, 6);
    cr_assert(p.has_vlan);
    cr_assert_eq(p.vlan_tci, 0x6064);
    cr_assert_eq(p.l3_ofs, 18);
    cr_assert_eq(p.l4_ofs, 38);
    expect_ports(&p, 80, 49152);
    cr_assert_eq(p.tcp_seq, 1000);
    cr_assert_eq(p.tcp_ack, 2000);
    expect_payload(&p, vlan, 58, 4, 4);
}

Test(pkt, double_tagged_udp)
{
    struct pkt p = check(&FIXTURE(qinq, PKT_OK, 22, 42, 50, 50));

    expect_v4(&p, 17);
    cr_assert(p.has_vlan);
    cr_assert_eq(p.vlan_tci, 0x00c8, "outermost tag");
    cr_assert_eq(p.l3_ofs, 22);
    expect_ports(&p, 5353, 53);
    cr_assert_eq(p.tcp_hdr_len, 0);
    expect_payload(&p, qinq, 50, 4, 4);
}

Test(pkt, third_tag_stops_l2)
{
    struct pkt p = check(&FIXTURE(triple_tag, PKT_OK, 22, 0, 0, 22));

    cr_assert_eq(p.layers, PKT_L2);
    cr_assert_eq(p.eth_type, 0x8100);
    cr_assert_eq(p.vlan_tci, 0x00c8);
}

Test(pkt, ipv6_tcp)
{
    struct pkt p = check(&FIXTURE(ipv6_tcp, PKT_OK, 14, 54, 74, 74));

    expect_v6(&p, 6);
    cr_assert_not(p.ip_frag);
    expect_ports(&p, 443, 50000);
    cr_assert_eq(p.tcp_seq, 0xfedcba98);
    cr_assert_eq(p.tcp_ack, 0x01234567);
    cr_assert_eq(p.tcp_flags, TCP_PSH | TCP_ACK);
    cr_assert_eq(p.l3_ofs, 14);
    cr_assert_eq(p.l4_ofs, 54);
    expect_payload(&p, ipv6_tcp, 74, 5, 5);
}

Test(pkt, ipv6_hop_by_hop_udp)
{
    struct pkt p = check(&FIXTURE(ipv6_hbh, PKT_OK, 14, 62, 70, 70));

    expect_v6(&p, 17);
    expect_ports(&p, 5353, 53);
    cr_assert_eq(p.l4_ofs, 62);
    expect_payload(&p, ipv6_hbh, 70, 4, 4);
}

Test(pkt, ipv6_extension_chain_no_next_header)
{
    struct pkt p = check(&FIXTURE(ipv6_chain, PKT_OK, 14, 86, 0, 86));

    expect_v6(&p, 59);
    cr_assert_eq(p.layers, PKT_L2 | PKT_L3);
    cr_assert_eq(p.l4_ofs, 0);
}

Test(pkt, ipv6_capture_ends_in_payload)
{
    struct pkt p = check(&FIXTURE(ipv6_snap, PKT_OK, 14, 54, 74, 74));

    expect_v6(&p, 6);
    expect_ports(&p, 443, 50000);
    expect_payload(&p, ipv6_snap, 74, 100, 10);
}

Test(pkt, ipv4_udp)
{
    struct pkt p = check(&FIXTURE(ipv4_udp, PKT_OK, 14, 34, 42, 42));

    expect_v4(&p, 17);
    expect_ports(&p, 5353, 53);
    cr_assert_eq(p.tcp_seq, 0);
    cr_assert_eq(p.tcp_flags, 0);
    expect_payload(&p, ipv4_udp, 42, 12, 12);
}

Test(pkt, arp_request)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    struct pkt p = check(&FIXTURE(arp, PKT_OK, 14, 42, 0, 42));

    cr_assert_arr_eq(p.eth_dst, bcast, 6);
    cr_assert_arr_eq(p.eth_src, mac_a, 6);
    cr_assert_eq(p.eth_type, 0x0806);
    cr_assert_eq(p.layers, PKT_L2 | PKT_L3);
    cr_assert_eq(p.arp_op, 1);
    cr_assert_eq(p.ip_version, 0);
    cr_assert_eq(p.l3_ofs, 14);
}

Test(pkt, ipv4_options)
{
    struct pkt p = check(&FIXTURE(ipv4_opts, PKT_OK, 14, 38, 46, 46));

    cr_assert_eq(sizeof ipv4_opts, 60);
    expect_v4(&p, 17);
    cr_assert_eq(p.ip_ttl, 1);
    cr_assert_eq(p.l4_ofs, 38);
    expect_ports(&p, 5353, 53);
    expect_payload(&p, ipv4_opts, 46, 3, 3);
}

Test(pkt, icmp_is_not_l4)
{
    struct pkt p = check(&FIXTURE(icmp, PKT_OK, 14, 34, 0, 34));

    expect_v4(&p, 1);
    cr_assert_eq(p.layers, PKT_L2 | PKT_L3);
    cr_assert_null(p.payload);
}

Test(pkt, unknown_ethertype)
{
    struct pkt p = check(&FIXTURE(lldp, PKT_OK, 14, 0, 0, 14));

    cr_assert_eq(p.layers, PKT_L2);
    cr_assert_eq(p.eth_type, 0x88cc);
    cr_assert_eq(p.ip_version, 0);
}

Test(pkt, ipv4_first_fragment)
{
    struct pkt p = check(&FIXTURE(frag4_first, PKT_OK, 14, 34, 42, 42));

    expect_v4(&p, 17);
    cr_assert(p.ip_frag);
    expect_ports(&p, 5353, 53);
    expect_payload(&p, frag4_first, 42, 16, 16);
}

Test(pkt, ipv4_later_fragment)
{
    struct pkt p = check(&FIXTURE(frag4_later, PKT_OK, 14, 34, 0, 34));

    expect_v4(&p, 17);
    cr_assert(p.ip_frag);
    cr_assert_eq(p.layers, PKT_L2 | PKT_L3);
    expect_ports(&p, 0, 0);
    cr_assert_null(p.payload);
}

Test(pkt, ipv6_first_fragment)
{
    struct pkt p = check(&FIXTURE(frag6_first, PKT_OK, 14, 62, 82, 82));

    expect_v6(&p, 6);
    cr_assert(p.ip_frag);
    expect_ports(&p, 80, 49152);
    cr_assert_eq(p.tcp_seq, 5000);
    expect_payload(&p, frag6_first, 82, 8, 8);
}

Test(pkt, ipv6_later_fragment)
{
    struct pkt p = check(&FIXTURE(frag6_later, PKT_OK, 14, 62, 0, 62));

    expect_v6(&p, 6);
    cr_assert(p.ip_frag);
    cr_assert_eq(p.layers, PKT_L2 | PKT_L3);
    expect_ports(&p, 0, 0);
}

/* ---- Truncated and invalid frames -------------------------------------- */

Test(pkt, ipv6_capture_ends_in_tcp_header)
{
    struct pkt p = check(&FIXTURE(ipv6_cut_hdr, PKT_TRUNCATED, 14, 54, 0,
                                  sizeof ipv6_cut_hdr));

    expect_v6(&p, 6);
    cr_assert_eq(p.layers, PKT_L2 | PKT_L3);
    expect_ports(&p, 0, 0);
}

Test(pkt, ipv4_ihl_below_5)
{
    struct pkt p = check(&FIXTURE(bad_ihl, PKT_INVALID, 14, 0, 0, 34));

    cr_assert_eq(p.layers, PKT_L2);
    cr_assert_eq(p.ip_version, 0);
}

Test(pkt, ipv4_wrong_version)
{
    check(&FIXTURE(bad_version, PKT_INVALID, 14, 0, 0, 34));
}

Test(pkt, ipv4_total_length_below_header)
{
    check(&FIXTURE(bad_total_len, PKT_INVALID, 14, 0, 0, 34));
}

Test(pkt, tcp_data_offset_below_5)
{
    struct pkt p = check(&FIXTURE(bad_tcp_doff, PKT_INVALID, 14, 34, 0, 54));

    cr_assert_eq(p.layers, PKT_L2 | PKT_L3);
    expect_ports(&p, 0, 0);
}

Test(pkt, tcp_header_beyond_ip_length)
{
    check(&FIXTURE(tcp_beyond_ip, PKT_INVALID, 14, 34, 0, 54));
}

Test(pkt, ipv6_extension_beyond_payload_length)
{
    check(&FIXTURE(ipv6_bad_ext, PKT_INVALID, 14, 0, 0, 62));
}

/* ---- API --------------------------------------------------------------- */

Test(pkt, zeroes_result_even_for_empty_input)
{
    static const struct pkt zero;
    struct pkt p;

    memset(&p, 0xa5, sizeof p);
    cr_assert_eq(pkt_parse(NULL, 0, &p), PKT_TRUNCATED);
    cr_assert_eq(memcmp(&p, &zero, sizeof p), 0);
}

Test(pkt, ip_str_rfc5952)
{
    static const struct {
        uint8_t addr[16];
        const char *text;
    } cases[] = {
        { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 },
          "2001:db8:0:1:1:1:1:1" },     /* 4.2.2: one 0 field stays */
        { { 0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 },
          "2001:0:0:1::1" },            /* 4.2.3: longest run */
        { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1 },
          "2001:db8::1:0:0:1" },        /* 4.2.3: first of equal runs */
        { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab },
          "2001:db8::ab" },             /* 4.1, 4.3: no leading 0, lower */
    };
    struct pkt p = { .ip_version = 6 };
    char buf[46];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_str_eq(pkt_ip_str(&p, cases[i].addr, buf), cases[i].text);
    }
    p.ip_version = 4;
    cr_assert_str_eq(pkt_ip_str(&p, (const uint8_t[]) { 10, 0, 0, 255 }, buf),
                     "10.0.0.255");
}

Test(pkt, result_str)
{
    cr_assert_str_eq(pkt_result_str(PKT_OK), "ok");
    cr_assert_str_eq(pkt_result_str(PKT_TRUNCATED), "truncated");
    cr_assert_str_eq(pkt_result_str(PKT_INVALID), "invalid");
}

/* ---- Checksums --------------------------------------------------------- */

/* Frames written by scapy 2.5 (an independent implementation of RFC 1071
 * and the pseudo-headers), checksums included. */
static const char csum_tcp4[] =
    "02000000000202000000000108004500005112344000400614710a0000010a000002"
    "9c400050000003e90007a1215018ffff822c0000474554202f6269672e62696e2048"
    "5454502f312e310d0a486f73743a2031302e302e302e320d0a0d0a";
static const char csum_tcp6[] =
    "02000000000202000000000186dd600000000033064020010db80000000000000000"
    "0000000120010db80000000000000000000000029c400050000003e90007a1218018"
    "ffff82e700000101080a0000000100000002474554202f20485454502f312e310d0a"
    "0d0a78";
static const char csum_udp4[] =
    "02000000000202000000000108004500001f00010000401166cb0a0000010a000002"
    "14e90035000b1255616263";

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    cr_assert(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t) v;
    }
    return n;
}

static enum pkt_csum
csum_of(const uint8_t *f, size_t n)
{
    struct pkt p;
    cr_assert_neq(pkt_parse(f, n, &p), PKT_INVALID);
    cr_assert_eq(p.csum, PKT_CSUM_UNKNOWN, "pkt_parse leaves it unknown");
    pkt_verify_csum(f, n, &p);
    return (enum pkt_csum) p.csum;
}

Test(pkt, csum_valid_frames)
{
    static const char *const frames[] = { csum_tcp4, csum_tcp6, csum_udp4 };
    for (size_t i = 0; i < 3; i++) {
        uint8_t f[256];
        size_t n = unhex(frames[i], f, sizeof f);
        cr_assert_eq(csum_of(f, n), PKT_CSUM_OK, "frame %zu", i);
        /* Every single-bit change of the IP header or the segment is seen
         * (not covered: the Ethernet header; in IPv6, which has no header
         * checksum, the traffic class, flow label and hop limit). */
        for (size_t b = 14; b < n; b++) {
            if (f[12] == 0x86 && (b < 18 || b == 21)) {
                continue;
            }
            uint8_t save = f[b];
            f[b] ^= 0x10;
            struct pkt p;
            if (pkt_parse(f, n, &p) == PKT_OK && (p.layers & PKT_L4)
                && !p.ip_frag) {
                pkt_verify_csum(f, n, &p);
                /* BAD, or UNKNOWN where the change made the datagram
                 * longer than the frame. */
                cr_assert_neq(p.csum, PKT_CSUM_OK, "frame %zu byte %zu", i, b);
            }
            f[b] = save;
        }
        /* Ethernet padding after the datagram is not data. */
        uint8_t pad[300];
        memcpy(pad, f, n);
        memset(pad + n, 0xee, 8);
        cr_assert_eq(csum_of(pad, n + 8), PKT_CSUM_OK, "frame %zu", i);
        /* A cut segment cannot be checked. */
        cr_assert_eq(csum_of(f, n - 1), PKT_CSUM_UNKNOWN, "frame %zu", i);
    }
}

Test(pkt, csum_udp_zero)
{
    uint8_t f[256];
    size_t n = unhex(csum_udp4, f, sizeof f);
    f[40] = f[41] = 0;          /* no checksum: allowed over IPv4 only */
    cr_assert_eq(csum_of(f, n), PKT_CSUM_OK);
}

Test(pkt, csum_fragment_unknown)
{
    uint8_t f[256];
    size_t n = unhex(csum_tcp4, f, sizeof f);
    /* MF set: the IP header is checked (fixed up here), the segment is not
     * whole. */
    f[20] = 0x20;
    f[21] = 0x00;
    f[24] = f[25] = 0;
    uint16_t s = (uint16_t) ~pkt_csum_fold(pkt_csum_add(0, f + 14, 20));
    f[24] = (uint8_t) (s >> 8);
    f[25] = (uint8_t) s;
    cr_assert_eq(csum_of(f, n), PKT_CSUM_UNKNOWN);
    f[25] ^= 1;
    cr_assert_eq(csum_of(f, n), PKT_CSUM_BAD);
}

/* pkt_csum_add() against RFC 1071's definition, byte by byte, for every
 * length up to 300 and every start alignment, in two pieces too. */
static uint16_t
csum_ref(const uint8_t *b, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s += i % 2 ? b[i] : (uint32_t) b[i] << 8;
    }
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return (uint16_t) s;
}

Test(pkt, csum_add_matches_rfc1071)
{
    uint8_t buf[320];
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] = (uint8_t) (i * 167 + 13);
    }
    memset(buf + 100, 0xff, 40);        /* carries */
    for (size_t a = 0; a < 8; a++) {
        for (size_t n = 0; n + a <= 300; n++) {
            cr_assert_eq(pkt_csum_fold(pkt_csum_add(0, buf + a, n)),
                         csum_ref(buf + a, n), "align %zu length %zu", a, n);
            size_t h = n / 2 & ~(size_t) 1;     /* an even first piece */
            uint32_t s = pkt_csum_add(pkt_csum_add(0, buf + a, h), buf + a + h,
                                      n - h);
            cr_assert_eq(pkt_csum_fold(s), csum_ref(buf + a, n),
                         "align %zu length %zu in two", a, n);
        }
    }
}

/* SACK blocks (RFC 2018 3) after other options; a malformed option list
 * yields none. */
Test(pkt, tcp_sack_blocks)
{
    uint8_t f[14 + 20 + 40] = { 0 };
    f[12] = 0x08;
    uint8_t *ip = f + 14, *h = ip + 20;
    ip[0] = 0x45;
    ip[3] = 20 + 40;
    ip[8] = 64;
    ip[9] = 6;
    h[12] = 10 << 4;                            /* 40-byte header */
    h[13] = 0x10;
    static const uint8_t opt[20] = {
        1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,    /* NOP NOP timestamps */
        1, 1, 5, 18,                            /* SACK, two blocks ... */
    };
    memcpy(h + 20, opt, sizeof opt);
    static const uint8_t blk[16] = { 0, 0, 0x10, 0, 0, 0, 0x20, 0,
                                     0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0x10 };
    memcpy(h + 36, blk, 4);                     /* ... truncated by hlen */
    struct pkt p;
    uint32_t b[4][2];
    cr_assert_eq(pkt_parse(f, sizeof f, &p), PKT_OK);
    cr_assert_eq(pkt_tcp_sack(&p, b), 0, "an option past the header");
    /* One block fits: SACK length 10 at offset 12. */
    h[35] = 10;
    cr_assert_eq(pkt_tcp_sack(&p, b), 0, "a header too short for it");
    h[12] = 15 << 4;                            /* 60 bytes */
    uint8_t g[14 + 20 + 40 + 20] = { 0 };
    memcpy(g, f, sizeof f);
    g[14 + 3] = 20 + 60;
    h = g + 34;
    h[35] = 18;
    memcpy(h + 36, blk, sizeof blk);
    cr_assert_eq(pkt_parse(g, sizeof g, &p), PKT_OK);
    cr_assert_eq(pkt_tcp_sack(&p, b), 2);
    cr_assert_eq(b[0][0], 0x1000);
    cr_assert_eq(b[0][1], 0x2000);
    cr_assert_eq(b[1][0], 0xfffffff0u);
    cr_assert_eq(b[1][1], 0x10);
    h[35] = 17;                                 /* not 8n + 2 */
    cr_assert_eq(pkt_tcp_sack(&p, b), 0);
    h[35] = 1;                                  /* below 2 */
    cr_assert_eq(pkt_tcp_sack(&p, b), 0);
}
