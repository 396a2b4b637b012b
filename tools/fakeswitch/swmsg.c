/* Switch-side OpenFlow 1.3 messages (spec 7.3.1, 7.4) and synthetic
 * frames.  Layouts come from the wire structs in ofp.h, fields are written
 * through OFS() and ofp_put_header() from ofp.h, as controller/ofp.c does. */
#include "fs.h"

#include <stdio.h>
#include <string.h>


void
fs_put_features_reply(struct buf *b, uint32_t xid, uint64_t dpid)
{
    uint8_t *h = ofp_put_header(b, OFPT_FEATURES_REPLY, xid,
                            sizeof(struct ofp_switch_features));
    put_be64(h + OFS(ofp_switch_features, datapath_id), dpid);
    put_be32(h + OFS(ofp_switch_features, n_buffers), 0);
    h[OFS(ofp_switch_features, n_tables)] = 254;
    put_be32(h + OFS(ofp_switch_features, capabilities), 0x4f);
}

void
fs_fill_port(uint8_t *p, uint32_t port_no)
{
    memset(p, 0, sizeof(struct ofp_port));
    put_be32(p + OFS(ofp_port, port_no), port_no);
    uint8_t *mac = p + OFS(ofp_port, hw_addr);
    mac[0] = 0x0a;
    put_be32(mac + 2, port_no);
    snprintf((char *) p + OFS(ofp_port, name), 16, "fs-p%u", port_no);
    put_be32(p + OFS(ofp_port, curr), 0x820);        /* 10GB_FD | COPPER */
    put_be32(p + OFS(ofp_port, curr_speed), 10000000);
    put_be32(p + OFS(ofp_port, max_speed), 10000000);
}

void
fs_put_multipart_reply(struct buf *b, uint32_t xid, uint16_t type,
                       uint16_t flags, const void *body, size_t len)
{
    size_t start = b->len;
    uint8_t *h = ofp_put_header(b, OFPT_MULTIPART_REPLY, xid,
                            sizeof(struct ofp_multipart_header));
    put_be16(h + OFS(ofp_multipart_header, type), type);
    put_be16(h + OFS(ofp_multipart_header, flags), flags);
    buf_put(b, body, len);
    ofp_finish(b, start);
}

void
fs_put_port_desc_reply(struct buf *b, uint32_t xid, const uint32_t *ports,
                       size_t n, uint16_t flags)
{
    size_t start = b->len;
    uint8_t *h = ofp_put_header(b, OFPT_MULTIPART_REPLY, xid,
                            sizeof(struct ofp_multipart_header));
    put_be16(h + OFS(ofp_multipart_header, type), OFPMP_PORT_DESC);
    put_be16(h + OFS(ofp_multipart_header, flags), flags);
    for (size_t i = 0; i < n; i++) {
        fs_fill_port(buf_put_uninit(b, sizeof(struct ofp_port)), ports[i]);
    }
    ofp_finish(b, start);
}

/* The match of a Packet-In: OXM in_port only (spec 7.4.1), padded. */
void
fs_put_packet_in(struct buf *b, uint32_t xid, uint32_t in_port,
                 const uint8_t *frame, size_t len)
{
    size_t start = b->len;
    uint8_t *h = ofp_put_header(b, OFPT_PACKET_IN, xid,
                            sizeof(struct ofp_packet_in) + 16 + 2);
    put_be32(h + OFS(ofp_packet_in, buffer_id), OFP_NO_BUFFER);
    put_be16(h + OFS(ofp_packet_in, total_len), (uint16_t) len);
    h[OFS(ofp_packet_in, reason)] = OFPR_NO_MATCH;
    uint8_t *m = h + sizeof(struct ofp_packet_in);
    put_be16(m, 1);                 /* OFPMT_OXM */
    put_be16(m + 2, 12);
    put_be16(m + 4, 0x8000);        /* OFPXMC_OPENFLOW_BASIC */
    m[6] = 0;                       /* OXM_OF_IN_PORT, no mask */
    m[7] = 4;
    put_be32(m + 8, in_port);
    buf_put(b, frame, len);
    ofp_finish(b, start);
}

void
fs_put_port_status(struct buf *b, uint32_t xid, uint8_t reason,
                   uint32_t port_no)
{
    uint8_t *h = ofp_put_header(b, OFPT_PORT_STATUS, xid,
                            sizeof(struct ofp_port_status));
    h[OFS(ofp_port_status, reason)] = reason;
    fs_fill_port(h + OFS(ofp_port_status, desc), port_no);
}

void
fs_put_flow_removed(struct buf *b, uint32_t xid, uint64_t cookie,
                    uint8_t reason)
{
    uint8_t *h = ofp_put_header(b, OFPT_FLOW_REMOVED, xid,
                            sizeof(struct ofp_flow_removed) + 8);
    put_be64(h + OFS(ofp_flow_removed, cookie), cookie);
    h[OFS(ofp_flow_removed, reason)] = reason;
    uint8_t *m = h + sizeof(struct ofp_flow_removed);
    put_be16(m, 1);
    put_be16(m + 2, 4);             /* empty match */
}

void
fs_put_get_config_reply(struct buf *b, uint32_t xid)
{
    uint8_t *h = ofp_put_header(b, OFPT_GET_CONFIG_REPLY, xid,
                            sizeof(struct ofp_switch_config));
    put_be16(h + OFS(ofp_switch_config, miss_send_len), OFPCML_NO_BUFFER);
}

/* ---- Frames ---- */

void
fs_mac(uint8_t mac[6], uint32_t station)
{
    mac[0] = 0x02;                  /* locally administered, unicast */
    mac[1] = 0x00;
    put_be32(mac + 2, station);
}

/* RFC 1071 sum of 'len' bytes added to 's': 16-bit big-endian words, an
 * odd last byte padded with zero. */
static uint32_t
csum_add(uint32_t s, const uint8_t *p, size_t len)
{
    size_t i = 0;
    for (; i + 1 < len; i += 2) {
        s += get_be16(p + i);
        s = (s & 0xffff) + (s >> 16);
    }
    if (i < len) {
        s += (uint32_t) p[i] << 8;
        s = (s & 0xffff) + (s >> 16);
    }
    return s;
}

static uint16_t
csum_finish(uint32_t s)
{
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return (uint16_t) ~s;
}

static uint16_t
ip_csum(const uint8_t *h, size_t len)
{
    return csum_finish(csum_add(0, h, len));
}

static uint8_t *
put_eth_ipv4(uint8_t *out, uint32_t src_station, uint32_t dst_station,
             uint32_t sip, uint32_t dip, uint8_t proto, size_t ip_len)
{
    fs_mac(out, dst_station);
    fs_mac(out + 6, src_station);
    put_be16(out + 12, 0x0800);
    uint8_t *ip = out + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put_be16(ip + 2, (uint16_t) ip_len);
    put_be16(ip + 6, 0x4000);       /* DF */
    ip[8] = 64;
    ip[9] = proto;
    put_be32(ip + 12, sip);
    put_be32(ip + 16, dip);
    put_be16(ip + 10, ip_csum(ip, 20));
    return ip + 20;
}

size_t
fs_frame_udp_hdr(uint8_t *out, size_t size, uint32_t src_station,
                 uint32_t dst_station, uint16_t sport, uint16_t dport)
{
    if (size < 42) {
        size = 42;
    }
    uint8_t *udp = put_eth_ipv4(out, src_station, dst_station,
                                0x0a000000u | (src_station & 0xffffff),
                                0x0a000000u | (dst_station & 0xffffff), 17,
                                size - 14);
    put_be16(udp, sport);
    put_be16(udp + 2, dport);
    put_be16(udp + 4, (uint16_t) (size - 34));
    put_be16(udp + 6, 0);
    return size;
}

size_t
fs_frame_udp(uint8_t *out, size_t size, uint32_t src_station,
             uint32_t dst_station, uint16_t sport, uint16_t dport)
{
    size = fs_frame_udp_hdr(out, size, src_station, dst_station, sport, dport);
    memset(out + 42, 0x5a, size - 42);
    return size;
}

size_t
fs_frame_tcp(uint8_t *out, const struct fs_tcp *t, const void *payload,
             size_t plen)
{
    uint8_t *tcp = put_eth_ipv4(out, t->src_station, t->dst_station, t->sip,
                                t->dip, 6, 40 + plen);
    put_be16(tcp, t->sport);
    put_be16(tcp + 2, t->dport);
    put_be32(tcp + 4, t->seq);
    put_be32(tcp + 8, t->ack);
    tcp[12] = 5 << 4;
    tcp[13] = t->flags;
    put_be16(tcp + 14, 65535);
    put_be16(tcp + 16, 0);
    put_be16(tcp + 18, 0);
    if (payload) {
        memcpy(tcp + 20, payload, plen);
    } else {
        memset(tcp + 20, 0, plen);
    }
    /* The controller verifies checksums (a bad one is not data): the
     * pseudo-header (RFC 9293 3.1) and the segment. */
    uint8_t ph[12];
    memcpy(ph, out + 26, 8);        /* IPv4 source and destination */
    ph[8] = 0;
    ph[9] = 6;
    put_be16(ph + 10, (uint16_t) (20 + plen));
    put_be16(tcp + 16, csum_finish(csum_add(csum_add(0, ph, sizeof ph), tcp,
                                            20 + plen)));
    return 54 + plen;
}
