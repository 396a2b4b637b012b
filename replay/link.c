/* Link types to Ethernet.  See link.h. */
#include "link.h"

#include <pcap/dlt.h>
#include <string.h>

#define ETH_HLEN 14
#define SLL_HLEN 16             /* tcpdump.org/linktypes/LINKTYPE_LINUX_SLL */
#define SLL2_HLEN 20            /* .../LINKTYPE_LINUX_SLL2 */

/* A locally administered unicast address for the destination a cooked
 * or raw capture does not record. */
static const uint8_t no_dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };

int
link_supported(int dlt)
{
    return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL
           || dlt == DLT_LINUX_SLL2 || dlt == DLT_RAW || dlt == DLT_IPV4
           || dlt == DLT_IPV6;
}

const char *
link_name(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB: return "Ethernet";
    case DLT_LINUX_SLL: return "Linux cooked (SLL)";
    case DLT_LINUX_SLL2: return "Linux cooked (SLL2)";
    case DLT_RAW: case DLT_IPV4: case DLT_IPV6: return "raw IP";
    default: return "unknown";
    }
}

static int
rebuild(const uint8_t *in, uint32_t caplen, uint32_t len, uint32_t hlen,
        const uint8_t *src, uint16_t proto, uint8_t *buf, const uint8_t **out,
        uint32_t *ocaplen, uint32_t *olen)
{
    if (caplen < hlen || caplen - hlen > LINK_MAX_FRAME - ETH_HLEN) {
        return -1;
    }
    memcpy(buf, no_dst, 6);
    memcpy(buf + 6, src, 6);
    buf[12] = (uint8_t) (proto >> 8);
    buf[13] = (uint8_t) proto;
    memcpy(buf + ETH_HLEN, in + hlen, caplen - hlen);
    *out = buf;
    *ocaplen = caplen - hlen + ETH_HLEN;
    *olen = (len > hlen ? len - hlen : 0) + ETH_HLEN;
    if (*olen < *ocaplen) {
        *olen = *ocaplen;
    }
    return 0;
}

int
link_to_eth(int dlt, const uint8_t *in, uint32_t caplen, uint32_t len,
            uint8_t *buf, const uint8_t **out, uint32_t *ocaplen,
            uint32_t *olen)
{
    static const uint8_t zero[6];
    uint8_t src[6];
    uint16_t proto;
    uint32_t hlen;

    switch (dlt) {
    case DLT_EN10MB:
        if (caplen < ETH_HLEN) {
            return -1;
        }
        *out = in;
        *ocaplen = caplen;
        *olen = len < caplen ? caplen : len;
        return 0;
    case DLT_LINUX_SLL:
        /* packet type, ARPHRD, address length, 8 address bytes, protocol */
        hlen = SLL_HLEN;
        if (caplen < hlen) {
            return -1;
        }
        memcpy(src, (in[4] << 8 | in[5]) == 6 ? in + 6 : zero, 6);
        proto = (uint16_t) (in[14] << 8 | in[15]);
        break;
    case DLT_LINUX_SLL2:
        /* protocol, reserved, ifindex, ARPHRD, packet type, address
         * length, 8 address bytes */
        hlen = SLL2_HLEN;
        if (caplen < hlen) {
            return -1;
        }
        memcpy(src, in[11] == 6 ? in + 12 : zero, 6);
        proto = (uint16_t) (in[0] << 8 | in[1]);
        break;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        hlen = 0;
        if (caplen < 1) {
            return -1;
        }
        memcpy(src, zero, 6);
        proto = in[0] >> 4 == 4 ? 0x0800 : in[0] >> 4 == 6 ? 0x86dd : 0;
        break;
    default:
        return -1;
    }
    /* Below 0x0600 a cooked protocol is no Ethertype (1: 802.3 frames,
     * 4: 802.2 LLC, ...): nothing a switch would parse as IP. */
    if (proto < 0x0600) {
        return -1;
    }
    return rebuild(in, caplen, len, hlen, src, proto, buf, out, ocaplen, olen);
}
