/* The learning switch.  See l2.h. */
#include "l2.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "log.h"
#include "pkt.h"
#include "realize.h"
#include "rules.h"
#include "session.h"

#define MAC_TABLE_SIZE 4096         /* per switch, power of 2 */
#define MAC_PROBES 16               /* linear probing, bounded */

struct mac_entry { uint8_t mac[6]; bool used; uint32_t port; };
struct l2_table { struct mac_entry e[MAC_TABLE_SIZE]; };

struct l2_table *
l2_create(void)
{
    return xcalloc(1, sizeof(struct l2_table));
}

void
l2_destroy(struct l2_table *t)
{
    free(t);
}

static size_t
mac_hash(const uint8_t *mac)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 6; i++) {
        h = (h ^ mac[i]) * 16777619u;
    }
    return h & (MAC_TABLE_SIZE - 1);
}

static struct mac_entry *
mac_find(const struct l2_table *t, const uint8_t *mac)
{
    size_t i = mac_hash(mac);
    for (size_t n = 0; n < MAC_PROBES; n++, i = (i + 1) & (MAC_TABLE_SIZE - 1)) {
        const struct mac_entry *e = &t->e[i];
        if (!e->used) {
            return NULL;
        }
        if (!memcmp(e->mac, mac, 6)) {
            return (struct mac_entry *) e;
        }
    }
    return NULL;
}

uint32_t
l2_port(const struct l2_table *t, const uint8_t *mac)
{
    const struct mac_entry *e = mac_find(t, mac);
    return e ? e->port : 0;
}

void
l2_port_deleted(struct l2_table *t, uint32_t port)
{
    for (size_t i = 0; i < MAC_TABLE_SIZE; i++) {
        if (t->e[i].used && t->e[i].port == port) {
            t->e[i].port = 0;       /* keeps the probe chain intact */
        }
    }
}

void
l2_learn(struct sw *sw, const uint8_t *mac, uint32_t port)
{
    if (mac[0] & 1) {
        return;             /* a multicast source is not a station */
    }
    struct mac_entry *e = mac_find(sw->l2, mac);
    if (e) {
        if (e->port != port) {
            vlog(LOG_INFO, "%s: %02x:%02x:%02x:%02x:%02x:%02x moved %u -> %u",
                 sw->name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
                 e->port, port);
            e->port = port;
            struct ofp_flow_mod_spec fm = {
                .cookie = CK_OF_KIND(CK_L2), .cookie_mask = CK_KIND_MASK_ALL,
                .table_id = OFPTT_ALL, .command = OFPFC_DELETE,
                .match = { .fields = OFPM_ETH_DST },
            };
            memcpy(fm.match.eth_dst, mac, 6);
            sw_flow_mod(sw, &fm);
        }
        return;
    }
    size_t i = mac_hash(mac);
    for (size_t n = 0; n < MAC_PROBES; n++, i = (i + 1) & (MAC_TABLE_SIZE - 1)) {
        struct mac_entry *f = &sw->l2->e[i];
        if (!f->used) {
            f->used = true;
            memcpy(f->mac, mac, 6);
            f->port = port;
            return;
        }
    }
    VLOG_RL(LOG_WARN, "%s: MAC table neighbourhood full, not learning",
            sw->name);
}

/* The mirror action for a packet outside elision, per mode ('p' NULL: for
 * an eth_dst entry, which matches every packet to it). */
size_t
l2_mirror_acts(const struct sw *sw, const struct pkt *p, struct ofp_act *a)
{
    const struct ctl_cfg *cfg = &sw->ctl->cfg;
    if (!sw->has_mirror) {
        return 0;
    }
    switch (cfg->mode) {
    case MODE_NONE:
        return 0;
    case MODE_TRUNCATE:
        *a = OFP_OUTPUT_TRUNC(cfg->mirror_port, cfg->truncate_len);
        return 1;
    case MODE_SELECTIVE:
        if (!p || !(p->layers & PKT_L4) || p->ip_version != 4) {
            return 0;
        }
        for (size_t i = 0; i < cfg->n_filters; i++) {
            const struct ctl_filter *f = &cfg->filters[i];
            if (f->proto == p->ip_proto
                && (f->port == p->sport || f->port == p->dport)) {
                *a = OFP_OUTPUT(cfg->mirror_port);
                return 1;
            }
        }
        return 0;
    default:
        *a = OFP_OUTPUT(cfg->mirror_port);
        return 1;
    }
}

void
l2_install_fwd(struct sw *sw, const uint8_t *mac, uint32_t port)
{
    struct ofp_act out = OFP_OUTPUT(port);
    struct ofp_flow_mod_spec fm = {
        .cookie = CK_OF_KIND(CK_L2), .command = OFPFC_ADD,
        .table_id = FWD_TABLE,
        .idle_timeout = (uint16_t) sw->ctl->cfg.idle_timeout,
        .priority = PRIO_L2, .match = { .fields = OFPM_ETH_DST },
        .acts = &out, .n_acts = 1,
    };
    memcpy(fm.match.eth_dst, mac, 6);
    sw_flow_mod(sw, &fm);
}

static void
install_l2(struct sw *sw, const uint8_t *mac, uint32_t port)
{
    if (sw_tracker(sw)) {
        l2_install_fwd(sw, mac, port);
    }
    const struct ctl_cfg *cfg = &sw->ctl->cfg;
    struct ofp_act acts[2] = { OFP_OUTPUT(port) };
    size_t n = 1;
    if (cfg->mode != MODE_SELECTIVE) {
        n += l2_mirror_acts(sw, NULL, &acts[1]);
    }
    struct ofp_flow_mod_spec fm = {
        .cookie = CK_OF_KIND(CK_L2), .command = OFPFC_ADD,
        .idle_timeout = (uint16_t) cfg->idle_timeout, .priority = PRIO_L2,
        .match = { .fields = OFPM_ETH_DST }, .acts = acts, .n_acts = n,
    };
    memcpy(fm.match.eth_dst, mac, 6);
    sw_flow_mod(sw, &fm);
    if (cfg->mode != MODE_SELECTIVE || !sw->has_mirror) {
        return;
    }
    /* Selective mirroring: one entry per filter and direction. */
    acts[1] = OFP_OUTPUT(cfg->mirror_port);
    fm.n_acts = 2;
    fm.priority = PRIO_SELECT;
    for (size_t i = 0; i < cfg->n_filters; i++) {
        const struct ctl_filter *f = &cfg->filters[i];
        for (int side = 0; side < 2; side++) {
            uint32_t tp = f->proto == 6
                ? (side ? OFPM_TCP_SRC : OFPM_TCP_DST)
                : (side ? OFPM_UDP_SRC : OFPM_UDP_DST);
            fm.match.fields = OFPM_ETH_DST | OFPM_ETH_TYPE | OFPM_IP_PROTO | tp;
            fm.match.eth_type = 0x0800;
            fm.match.ip_proto = f->proto;
            fm.match.tp_src = fm.match.tp_dst = f->port;
            sw_flow_mod(sw, &fm);
        }
    }
}

void
l2_packet(struct sw *sw, uint32_t in_port, const struct pkt *p,
          const uint8_t *data, size_t len)
{
    struct ofp_act mirror[1];
    size_t nm = l2_mirror_acts(sw, p, mirror);
    uint32_t out = 0;
    if (!(p->eth_dst[0] & 1)) {
        out = l2_port(sw->l2, p->eth_dst);
        if (out) {
            install_l2(sw, p->eth_dst, out);
        }
    }
    sw_packet_out(sw, &sw->tx, in_port, out, mirror, nm, data, len);
}
