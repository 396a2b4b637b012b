/* elide-replay's front end: a trace's frames, whatever their link type,
 * as the Ethernet frames a switch would see. */
#ifndef LINK_H
#define LINK_H 1

#include <stddef.h>
#include <stdint.h>

/* The largest frame: libpcap's largest snap length and a header. */
#define LINK_MAX_FRAME (262144 + 64)

/* True for a link type (pcap's DLT_ values) link_to_eth() takes. */
int link_supported(int dlt);
const char *link_name(int dlt);

/* The frame of 'caplen' captured bytes of 'len' ('in') as Ethernet:
 * '*out' points at 'in' itself (Ethernet) or at 'buf' (at least
 * LINK_MAX_FRAME bytes), where a Linux cooked header (SLL, SLL2) or none
 * (raw IP) is replaced by an Ethernet header with the sender's address (a
 * cooked header's) and the protocol; the lengths change by as much.
 * Returns 0, or -1 when the link header itself is cut short or names no
 * protocol an Ethernet frame can carry. */
int link_to_eth(int dlt, const uint8_t *in, uint32_t caplen, uint32_t len,
                uint8_t *buf, const uint8_t **out, uint32_t *ocaplen,
                uint32_t *olen);

#endif
