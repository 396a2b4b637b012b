/* L2-L4 packet parser shared by the controller and the pcap analyzers.
 *
 * Pure function over a buffer: every read is bounds-checked, nothing is
 * allocated, and a short or malformed frame is an outcome, never a crash.
 * References: IEEE 802.3/802.1Q, RFC 791 (IPv4), RFC 8200 (IPv6),
 * RFC 9293 (TCP), RFC 768 (UDP), RFC 826 (ARP). */
#ifndef PKT_H
#define PKT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pkt_result {
    PKT_OK = 0,        /* every layer present was parsed completely */
    PKT_TRUNCATED,     /* frame ends early (e.g. snaplen); fields valid up
                        * to the deepest layer flagged in 'layers' */
    PKT_INVALID,       /* a header is malformed (bad IHL, bad data offset,
                        * IP total length below header length, ...) */
};

/* Bits of struct pkt 'layers': which headers were parsed completely. */
#define PKT_L2   0x01   /* Ethernet (+ up to two 802.1Q/802.1ad tags) */
#define PKT_L3   0x02   /* IPv4, IPv6 or ARP */
#define PKT_L4   0x04   /* TCP or UDP header (not ICMP) */

/* TCP flag bits as on the wire (RFC 9293 3.1). */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* Checksum verdict of pkt_verify_csum(); pkt_parse() leaves it unknown. */
enum pkt_csum {
    PKT_CSUM_UNKNOWN = 0,   /* not checked, or not checkable: a fragment,
                             * a datagram not whole in the buffer */
    PKT_CSUM_OK,
    PKT_CSUM_BAD,           /* the IPv4 header or the TCP/UDP checksum is
                             * wrong: the receiver drops this packet */
};

struct pkt {
    uint8_t layers;             /* PKT_L2 | PKT_L3 | PKT_L4 */
    uint8_t csum;               /* enum pkt_csum */

    /* L2 */
    uint8_t eth_dst[6];
    uint8_t eth_src[6];
    uint16_t eth_type;          /* host order, after any VLAN tags */
    uint16_t vlan_tci;          /* outermost tag, host order */
    bool has_vlan;

    /* L3 */
    uint8_t ip_version;         /* 4, 6, or 0 when not IP */
    uint8_t ip_proto;           /* IPv4 protocol / IPv6 final next header */
    uint8_t ip_ttl;
    uint8_t ip_src[16];         /* IPv4 address in the first 4 bytes */
    uint8_t ip_dst[16];
    bool ip_frag;               /* IPv4 MF set or offset != 0; IPv6 fragment
                                 * header: L4 not parsed for later frags */
    uint16_t arp_op;            /* ARP: operation, host order */

    /* L4 */
    uint16_t sport, dport;      /* host order */
    uint32_t tcp_seq, tcp_ack;  /* host order */
    uint8_t tcp_flags;          /* TCP_* bits */
    uint16_t tcp_win;
    uint8_t tcp_hdr_len;        /* TCP data offset in bytes (20..60) */

    /* Offsets into the frame; 0 when the layer is absent. */
    uint16_t l3_ofs, l4_ofs;

    /* L4 payload. 'payload_len' is the length the IP header declares
     * (Ethernet padding excluded); 'payload_caplen' <= payload_len is what
     * the buffer really holds (less when the frame was truncated). */
    const uint8_t *payload;
    uint32_t payload_len;
    uint32_t payload_caplen;
};

/* Parses the Ethernet frame 'frame' of 'len' bytes into '*p'.  '*p' is
 * always fully initialised (zeroed first), whatever the outcome. */
enum pkt_result pkt_parse(const uint8_t *frame, size_t len, struct pkt *p);

/* Verifies the checksums of the frame 'p' was parsed from and sets
 * p->csum: the IPv4 header checksum (RFC 791 3.1), and for TCP and UDP the
 * checksum over the pseudo-header and the whole segment (RFC 9293 3.1,
 * RFC 768, RFC 8200 8.1).  A UDP checksum of 0 means none over IPv4 and is
 * invalid over IPv6.  Only what a receiver would check is checked, so a
 * verdict of BAD means the destination host discards the packet. */
void pkt_verify_csum(const uint8_t *frame, size_t len, struct pkt *p);

/* The Internet checksum (RFC 1071) of 'n' bytes, folded, not complemented,
 * starting from the partial sum 'sum'. */
uint32_t pkt_csum_add(uint32_t sum, const uint8_t *b, size_t n);
uint16_t pkt_csum_fold(uint32_t sum);

/* The SACK blocks (RFC 2018 3) of the TCP segment 'p' was parsed from, as
 * [left, right) sequence number pairs into 'blocks' (at most 4, the most an
 * option holds).  Returns how many; 0 for no option, a malformed option
 * list, or a packet that is not a whole TCP header. */
int pkt_tcp_sack(const struct pkt *p, uint32_t blocks[4][2]);

/* "a.b.c.d" or RFC 5952 IPv6 text for p->ip_src/ip_dst, into 'buf'
 * (>= 46 bytes).  Returns buf. */
const char *pkt_ip_str(const struct pkt *p, const uint8_t *addr, char *buf);

const char *pkt_result_str(enum pkt_result r);

#endif
