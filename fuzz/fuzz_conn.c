/* libFuzzer target: the per-connection logic driven by an arbitrary
 * sequence of segments in both directions (flags, sequence deltas and
 * payload from the input), in both elide modes. */
#include <stdint.h>
#include <string.h>

#include "conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_event(void *aux, const struct conn *c, const struct conn_event *e)
{
    (void) aux;
    (void) c;
    (void) e;
}

/* Builds an Ethernet/IPv4/TCP frame and parses it. */
static void
segment(struct conn *c, const struct conn_env *env, int dir, uint8_t flags,
        uint32_t seq, uint32_t ack, const uint8_t *pl, size_t n)
{
    uint8_t f[14 + 20 + 20 + 1500];
    if (n > 1500) {
        n = 1500;
    }
    memset(f, 0, 54);
    f[12] = 0x08;
    f[14] = 0x45;
    uint16_t tot = (uint16_t) (40 + n);
    f[16] = tot >> 8;
    f[17] = (uint8_t) tot;
    f[22] = 64;
    f[23] = 6;
    uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
    memcpy(f + 26, dir ? srv : cli, 4);
    memcpy(f + 30, dir ? cli : srv, 4);
    uint16_t cp = 40000, sp = 80;
    f[34] = (dir ? sp : cp) >> 8;
    f[35] = (uint8_t) (dir ? sp : cp);
    f[36] = (dir ? cp : sp) >> 8;
    f[37] = (uint8_t) (dir ? cp : sp);
    f[38] = seq >> 24; f[39] = seq >> 16; f[40] = seq >> 8; f[41] = (uint8_t) seq;
    f[42] = ack >> 24; f[43] = ack >> 16; f[44] = ack >> 8; f[45] = (uint8_t) ack;
    f[46] = 0x50;
    f[47] = flags;
    memcpy(f + 54, pl, n);
    struct pkt p;
    if (pkt_parse(f, 54 + n, &p) != PKT_OK) {
        return;
    }
    struct conn_out out;
    conn_packet(c, env, dir ? S2C : C2S, &p, &out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    /* Bit 0: elide-paper; bit 1: --entry-min 500 (below the threshold). */
    struct conn_cfg cfg = { .threshold = 1000, .paper = data[0] & 1,
                            .entry_min = data[0] & 2 ? 500 : 0 };
    struct conn_env env = { &cfg, on_event, NULL };
    struct conn c;
    conn_init(&c, 0x0a000001, 40000, 0x0a000002, 80);
    uint32_t seq[2] = { 1000, 0xfffff000u };
    data++;
    size--;
    /* Record: dir/flags byte, seq delta (2 bytes, signed), length byte,
     * then that many payload bytes. */
    while (size >= 4) {
        int dir = data[0] >> 7;
        uint8_t flags = data[0] & 0x3f;
        int16_t delta = (int16_t) (data[1] << 8 | data[2]);
        size_t n = data[3];
        data += 4;
        size -= 4;
        if (n > size) {
            n = size;
        }
        seq[dir] += (uint32_t) (int32_t) delta;
        segment(&c, &env, dir, flags, seq[dir], seq[!dir], data, n);
        if (flags & 0x20) {
            conn_stats(&c, &env, n, n * 1000, n * 10, 500);
        }
        if (flags & 0x04 && n & 1) {
            conn_entry_removed(&c, &env, dir ? S2C : C2S, n & 2, n & 4,
                               "delete", n, n * 100);
        }
        seq[dir] += (uint32_t) n;
        data += n;
        size -= n;
    }
    conn_free(&c);
    return 0;
}
