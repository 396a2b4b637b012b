/* libFuzzer target: OpenFlow framing and every decoder the controller uses,
 * on arbitrary bytes as they would arrive from a switch. */
#include <stddef.h>
#include <stdint.h>

#include "ofp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    while (size) {
        int len = ofp_frame(data, size);
        if (len <= 0) {
            break;
        }
        struct ofp_msg m;
        ofp_msg_init(&m, data, (size_t) len);
        struct ofp_features f;
        struct ofp_error e;
        struct ofp_packet_in_msg pi;
        struct ofp_flow_removed_msg fr;
        struct ofp_port_status_msg ps;
        struct ofp_multipart_reply r;
        (void) ofp_hello_negotiate(&m);
        (void) ofp_decode_features(&m, &f);
        (void) ofp_decode_error(&m, &e);
        (void) ofp_decode_packet_in(&m, &pi);
        (void) ofp_decode_flow_removed(&m, &fr);
        (void) ofp_decode_port_status(&m, &ps);
        if (!ofp_decode_multipart_reply(&m, &r)) {
            size_t ofs = 0;
            struct ofp_port_info port;
            while (ofp_next_port(&r, &ofs, &port) > 0) {
                continue;
            }
            ofs = 0;
            struct ofp_flow_stats_entry fs;
            while (ofp_next_flow_stats(&r, &ofs, &fs) > 0) {
                continue;
            }
        }
        data += len;
        size -= (size_t) len;
    }
    return 0;
}
