/* The learning switch: a bounded MAC table per switch, its eth_dst
 * entries (mirrored per mode), and the forwarding of packets that no
 * connection logic claims. */
#ifndef L2_H
#define L2_H 1

#include <stddef.h>
#include <stdint.h>

struct l2_table;
struct pkt;
struct sw;

struct l2_table *l2_create(void);
void l2_destroy(struct l2_table *);

/* The port 'mac' was learnt on, 0 if unknown. */
uint32_t l2_port(const struct l2_table *, const uint8_t *mac);
/* 'mac' was seen on 'port' of 'sw': learnt; a station that moved loses
 * its entries on the switch. */
void l2_learn(struct sw *, const uint8_t *mac, uint32_t port);
void l2_port_deleted(struct l2_table *, uint32_t port);

/* A packet the learning switch handles: forwarded (its destination's
 * entries installed when known, else flooded) and mirrored per mode. */
void l2_packet(struct sw *, uint32_t in_port, const struct pkt *,
               const uint8_t *data, size_t len);

/* The mirror action, 0 or 1, of a packet outside elision, per mode; 'p'
 * NULL: of an eth_dst entry, which matches every packet to it
 * (selective: none, its filters' entries mirror). */
struct ofp_act;
size_t l2_mirror_acts(const struct sw *, const struct pkt *, struct ofp_act *);

/* ct.c's switches: the entry of FWD_TABLE (rules.h) for 'mac', which
 * forwards watched TCP without mirroring it. */
void l2_install_fwd(struct sw *, const uint8_t *mac, uint32_t port);

#endif
