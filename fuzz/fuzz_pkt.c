/* libFuzzer target: the L2-L4 parser on arbitrary frames. */
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pkt p;
    if (pkt_parse(data, size, &p) == PKT_OK && p.payload_len) {
        /* The payload the parser promises must be readable. */
        volatile uint8_t sum = 0;
        for (uint32_t i = 0; i < p.payload_caplen; i++) {
            sum += p.payload[i];
        }
        (void) sum;
    }
    return 0;
}
