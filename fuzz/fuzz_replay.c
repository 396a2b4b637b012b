/* libFuzzer target: elide-replay's front end and core.  The input is a
 * capture file (pcap or pcapng, any link type), read through libpcap from
 * memory as elide-replay reads a file, its frames turned into Ethernet
 * (link.c) and replayed through the controller's code against the ideal
 * switch (replay.c) in mode elide, with a small connection table and a
 * small threshold so that entries, elisions and evictions all happen.
 * Any crash, leak or sanitizer report is a bug; the mirror's frames are
 * checked to be within what came in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "link.h"
#include "log.h"
#include "options.h"
#include "replay.h"

static uint64_t in_bytes, out_bytes;

static void
mirror(void *aux, uint64_t ts, const uint8_t *frame, uint32_t caplen,
       uint32_t len)
{
    (void) aux;
    (void) ts;
    if (caplen > len || caplen > LINK_MAX_FRAME) {
        abort();
    }
    volatile uint8_t x = caplen ? frame[caplen - 1] : 0;   /* readable */
    (void) x;
    out_bytes += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    log_verbosity = -1;
    FILE *f = fmemopen((void *) data, size, "rb");
    if (!f) {
        return 0;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_fopen_offline(f, err);    /* closes f */
    if (!in) {
        return 0;
    }
    int dlt = pcap_datalink(in);
    if (!link_supported(dlt)) {
        pcap_close(in);
        return 0;
    }
    struct ctl_opts o;
    ctl_opts_init(&o);
    o.cfg.threshold = 64;
    o.cfg.entry_min = 0;
    o.cfg.max_conns = 4;
    o.cfg.tls_ports[0] = 443;
    struct replay *r = replay_new(&o.cfg, mirror, NULL);
    static uint8_t buf[LINK_MAX_FRAME];
    struct pcap_pkthdr *h;
    const u_char *d;
    in_bytes = out_bytes = 0;
    uint64_t frames = 0;
    while (pcap_next_ex(in, &h, &d) == 1 && frames++ < 4096) {
        const uint8_t *fr;
        uint32_t caplen, len;
        if (link_to_eth(dlt, d, h->caplen, h->len, buf, &fr, &caplen, &len)) {
            continue;
        }
        if (caplen > len || (fr != d && fr != buf)) {
            abort();
        }
        replay_frame(r, (uint64_t) h->ts.tv_sec * 1000000
                        + (uint64_t) h->ts.tv_usec, fr, caplen, len);
        in_bytes += len;
    }
    replay_finish(r);
    const struct replay_stats *s = replay_stats(r);
    if (s->bytes_out != out_bytes || s->packets_in > frames) {
        abort();
    }
    replay_free(r);
    pcap_close(in);
    return 0;
}
