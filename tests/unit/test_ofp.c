/* Unit tests for the OpenFlow 1.3 codec (controller/ofp.c).
 *
 * Every message the controller encodes or decodes has a golden hex string
 * below, written field by field from the layouts of the OpenFlow Switch
 * Specification 1.3.5 section 7, and the text that Open vSwitch's own
 * decoder, `ovs-ofctl ofp-print HEX`, prints for it.  ovs-ofctl is the
 * independent check that the golden bytes are the message we mean: an
 * encoder must reproduce its golden string byte for byte, and a decoder must
 * read every field of its golden string back.
 *
 * Decoders are also fed every truncation of their golden message, each
 * copied into a heap buffer of exactly that size (so that AddressSanitizer
 * reports a read past its end) and again into the last bytes of a page
 * followed by an inaccessible one (so that the same read crashes without
 * sanitizers).  The header's length field is either fixed up to the
 * truncated length, which is what the framer hands over, or left as it was,
 * which a decoder must survive too.
 *
 * Addresses are the documentation ranges: RFC 7042 MACs, RFC 5737 IPv4. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hex.h"
#include "ofp.h"

/* ---- Hex, buffers and ovs-ofctl ---------------------------------------- */

/* The bytes of 'hex' (blanks between fields ignored) in a heap buffer of
 * exactly their number, stored in *lenp. */
static uint8_t *
unhex(const char *hex, size_t *lenp)
{
    size_t n = 0;
    int hi = -1;
    for (const char *c = hex; *c; c++) {
        if (*c == ' ') {
            continue;
        }
        cr_assert(hex_digit(*c) >= 0, "bad hex digit '%c' in golden", *c);
        if (hi < 0) {
            hi = 1;
        } else {
            n++;
            hi = -1;
        }
    }
    cr_assert(hi < 0, "odd number of hex digits in golden %s", hex);
    cr_assert(n > 0, "empty golden");
    uint8_t *p = malloc(n);
    cr_assert(p);
    n = 0;
    hi = -1;
    for (const char *c = hex; *c; c++) {
        if (*c == ' ') {
            continue;
        }
        if (hi < 0) {
            hi = hex_digit(*c);
        } else {
            p[n++] = (uint8_t) (hi << 4 | hex_digit(*c));
            hi = -1;
        }
    }
    *lenp = n;
    return p;
}

static char *
tohex(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    cr_assert(s);
    for (size_t i = 0; i < n; i++) {
        snprintf(s + 2 * i, 3, "%02x", p[i]);
    }
    s[2 * n] = '\0';
    return s;
}

static uint8_t *
exact_copy(const uint8_t *src, size_t n)
{
    uint8_t *p = malloc(n);
    cr_assert(p);
    memcpy(p, src, n);
    return p;
}

/* A copy of n bytes that ends where an inaccessible page begins. */
struct guarded {
    uint8_t *map;
    size_t map_len;
    uint8_t *p;
};

static uint8_t *
guarded_copy(struct guarded *g, const uint8_t *src, size_t n)
{
    size_t page = (size_t) sysconf(_SC_PAGESIZE);
    size_t data = (n + page - 1) / page * page;
    g->map_len = data + page;
    g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(g->map != MAP_FAILED);
    cr_assert_eq(mprotect(g->map + data, page, PROT_NONE), 0);
    g->p = g->map + data - n;
    memcpy(g->p, src, n);
    return g->p;
}

static void
guarded_free(struct guarded *g)
{
    munmap(g->map, g->map_len);
}

/* Drops blanks at the end of every line and blank lines at the end. */
static void
trim_trailing_blanks(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '\n') {
            while (w > s && (w[-1] == ' ' || w[-1] == '\t' || w[-1] == '\r')) {
                w--;
            }
        }
        *w++ = *r;
    }
    while (w > s && (w[-1] == ' ' || w[-1] == '\t' || w[-1] == '\r'
                     || w[-1] == '\n')) {
        w--;
    }
    *w = '\0';
}

/* What `ovs-ofctl ofp-print HEX` prints, stdout and stderr together so that
 * a warning about the message shows up as a mismatch. */
static char *
ofp_print(const char *hex)
{
    int st = system("command -v ovs-ofctl >/dev/null 2>&1");
    if (st != 0) {
        cr_assert_fail("ovs-ofctl not found: the golden messages are "
                       "checked with `ovs-ofctl ofp-print` from Open vSwitch "
                       "(package openvswitch-common; `make deps` installs "
                       "it)");
    }
    size_t hlen;
    uint8_t *bytes = unhex(hex, &hlen);
    char *compact = tohex(bytes, hlen);
    free(bytes);

    char *cmd = malloc(strlen(compact) + 64);
    cr_assert(cmd);
    sprintf(cmd, "ovs-ofctl ofp-print %s 2>&1", compact);
    FILE *f = popen(cmd, "r");
    cr_assert(f, "popen(%s) failed", cmd);
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    cr_assert(out);
    size_t got;
    while ((got = fread(out + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            cap *= 2;
            out = realloc(out, cap);
            cr_assert(out);
        }
    }
    out[len] = '\0';
    st = pclose(f);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "`%s` failed (status %d):\n%s", cmd, st, out);
    free(cmd);
    free(compact);
    trim_trailing_blanks(out);
    return out;
}

static void
assert_ofp_print(const char *hex, const char *expected)
{
    char *out = ofp_print(hex);
    cr_assert_str_eq(out, expected,
                     "ovs-ofctl ofp-print %s\nprinted:\n%s\nexpected:\n%s",
                     hex, out, expected);
    free(out);
}

/* The encoder's output in 'b' is the golden message 'hex', and ovs-ofctl
 * decodes the golden message to 'text'. */
static void
assert_encoded(struct buf *b, const char *hex, const char *text)
{
    size_t glen;
    uint8_t *g = unhex(hex, &glen);
    char *got = tohex(buf_head(b), buf_avail(b));
    char *want = tohex(g, glen);
    cr_assert(buf_avail(b) == glen && !memcmp(buf_head(b), g, glen),
              "encoded %zu bytes:\n%s\ngolden %zu bytes:\n%s",
              buf_avail(b), got, glen, want);
    free(got);
    free(want);
    free(g);
    assert_ofp_print(hex, text);
}

/* ---- Encoder goldens ---------------------------------------------------- */

/* Spec 7.5.1: HELLO with a version bitmap element listing only 1.3. */
#define HELLO_HEX "04 00 0010 00000001  0001 0008 00000010"
#define HELLO_TXT \
    "OFPT_HELLO (OF1.3) (xid=0x1):\n" \
    " version bitmap: 0x04"

/* Spec 7.4.4: HELLO_FAILED/INCOMPATIBLE carries an ASCII explanation. */
#define ERROR_HELLO_HEX \
    "04 01 001d 00000002  0000 0000  4f70656e466c6f7720312e33206f6e6c79"
#define ERROR_HELLO_TXT \
    "OFPT_ERROR (OF1.3) (xid=0x2): OFPHFC_INCOMPATIBLE\n" \
    "OpenFlow 1.3 only"

/* BAD_REQUEST/BAD_TYPE carries the offending request, here a
 * GET_CONFIG_REQUEST header. */
#define ERROR_BAD_TYPE_HEX \
    "04 01 0014 00000007  0001 0001  04 07 0008 00000007"
#define ERROR_BAD_TYPE_TXT \
    "OFPT_ERROR (OF1.3) (xid=0x7): OFPBRC_BAD_TYPE\n" \
    "OFPT_GET_CONFIG_REQUEST (OF1.3) (xid=0x7):"

#define ECHO_REQUEST_HEX "04 02 000c 00000003  70696e67"
#define ECHO_REQUEST_TXT \
    "OFPT_ECHO_REQUEST (OF1.3) (xid=0x3): 4 bytes of payload\n" \
    "00000000  70 69 6e 67                                     |ping            |"

/* The controller's keepalive probe has no data. */
#define ECHO_PROBE_HEX "04 02 0008 00000019"
#define ECHO_PROBE_TXT \
    "OFPT_ECHO_REQUEST (OF1.3) (xid=0x19): 0 bytes of payload"

/* The reply to the ECHO_REQUEST decoder golden below: same xid and data. */
#define ECHO_REPLY_HEX "04 03 0010 00000011  0001020304050607"
#define ECHO_REPLY_TXT \
    "OFPT_ECHO_REPLY (OF1.3) (xid=0x11): 8 bytes of payload\n" \
    "00000000  00 01 02 03 04 05 06 07-                        |........        |"

#define FEATURES_REQUEST_HEX "04 05 0008 00000004"
#define FEATURES_REQUEST_TXT "OFPT_FEATURES_REQUEST (OF1.3) (xid=0x4):"

#define BARRIER_REQUEST_HEX "04 14 0008 00000005"
#define BARRIER_REQUEST_TXT "OFPT_BARRIER_REQUEST (OF1.3) (xid=0x5):"

/* Spec 7.3.2: flags 0 (OFPC_FRAG_NORMAL), miss_send_len NO_BUFFER: whole
 * packets to the controller, as it asks for them. */
#define SET_CONFIG_HEX "04 09 000c 00000006  0000 ffff"
#define SET_CONFIG_TXT \
    "OFPT_SET_CONFIG (OF1.3) (xid=0x6): frags=normal miss_send_len=65535"

/* Spec 7.3.5.7: a multipart request of type PORT_DESC has no body; OVS
 * prints the port filter of its 1.4+ form as ANY. */
#define PORT_DESC_REQUEST_HEX "04 12 0010 00000008  000d 0000 00000000"
#define PORT_DESC_REQUEST_TXT \
    "OFPST_PORT_DESC request (OF1.3) (xid=0x8): port=ANY"

/* Spec 7.3.5.4: port_no, pad (--mirror-budget polls the mirror port). */
#define PORT_STATS_REQUEST_HEX \
    "04 12 0018 0000000b  0004 0000 00000000  00000001 00000000"
#define PORT_STATS_REQUEST_TXT \
    "OFPST_PORT request (OF1.3) (xid=0xb): port_no=1"

/* Spec 7.3.5.4 ofp_port_stats: port_no, pad, rx/tx packets, rx/tx bytes,
 * rx/tx dropped, rx/tx errors, frame, over, crc, collisions, duration. */
#define PORT_STATS_REPLY_HEX \
    "04 13 0080 0000000c  0004 0000 00000000  00000001 00000000 " \
    "0000000000000001 0000000000000064 0000000000000002 0000000000989680 " \
    "0000000000000003 0000000000000007 0000000000000004 0000000000000005 " \
    "0000000000000006 0000000000000008 0000000000000009 000000000000000a " \
    "0000002a 1dcd6500"
#define PORT_STATS_REPLY_TXT \
    "OFPST_PORT reply (OF1.3) (xid=0xc): 1 ports\n" \
    "  port  1: rx pkts=1, bytes=2, drop=3, errs=4, frame=6, over=8, crc=9\n" \
    "           tx pkts=100, bytes=10000000, drop=7, errs=5, coll=10\n" \
    "           duration=42.500s"

/* Spec 7.3.5.2: table_id, pad, out_port ANY, out_group ANY, pad, cookie,
 * cookie_mask, then an empty match (type OXM, length 4, padded to 8).
 * ofp-print does not show the cookie, so this one rests on the bytes:
 * cookie at offset 32, mask at 40. */
#define FLOW_STATS_REQUEST_HEX \
    "04 12 0038 00000009  0001 0000 00000000" \
    "  ff 000000 ffffffff ffffffff 00000000" \
    "  e1de000000000000 ffff000000000000" \
    "  0001 0004 00000000"
#define FLOW_STATS_REQUEST_TXT "OFPST_FLOW request (OF1.3) (xid=0x9):"

#define FLOW_STATS_REQUEST_T0_HEX \
    "04 12 0038 0000000a  0001 0000 00000000" \
    "  00 000000 ffffffff ffffffff 00000000" \
    "  0000000000000000 0000000000000000" \
    "  0001 0004 00000000"
#define FLOW_STATS_REQUEST_T0_TXT \
    "OFPST_FLOW request (OF1.3) (xid=0xa): table=0"

/* Spec 7.3.4.1 FLOW_MOD ADD: cookie, cookie_mask, table 0, command ADD,
 * idle 60, hard 300, priority 100, buffer NO_BUFFER, out_port ANY,
 * out_group ANY, flags SEND_FLOW_REM; a match with one OXM of every kind the
 * encoder knows, in its order (spec 7.2.3.7), the ONF tcp_flags experimenter
 * OXM (EXT-109: class 0xffff, field 42, hasmask, length 8 including the
 * experimenter id 0x4f4e4600) last, 83 bytes padded to 88; then one
 * APPLY_ACTIONS instruction (spec 7.2.4) with output:2, Nicira
 * output_trunc (NXAST_OUTPUT_TRUNC = 39, vendor 0x2320, 16-bit port 3,
 * max_len 128) and output:CONTROLLER with max_len NO_BUFFER. */
#define FLOW_MOD_ADD_TCP_HEX \
    "04 0e 00c0 0000000b" \
    "  e1de000000000001 0000000000000000 00 00 003c 012c 0064" \
    "  ffffffff ffffffff ffffffff 0001 0000" \
    "  0001 0053" \
    "  80000004 00000001" \
    "  80000606 00005e005302" \
    "  80000806 00005e005301" \
    "  80000a02 0800" \
    "  80001401 06" \
    "  80001604 c0000201" \
    "  80001804 c6336402" \
    "  80001a02 c000" \
    "  80001c02 0050" \
    "  ffff5508 4f4e4600 0008 0008" \
    "  0000000000" \
    "  0004 0038 00000000" \
    "  0000 0010 00000002 0000 000000000000" \
    "  ffff 0010 00002320 0027 0003 00000080" \
    "  0000 0010 fffffffd ffff 000000000000"
#define FLOW_MOD_ADD_TCP_TXT \
    "OFPT_FLOW_MOD (OF1.3) (xid=0xb): ADD priority=100,tcp,in_port=1," \
    "dl_src=00:00:5e:00:53:01,dl_dst=00:00:5e:00:53:02,nw_src=192.0.2.1," \
    "nw_dst=198.51.100.2,tp_src=49152,tp_dst=80,tcp_flags=+psh " \
    "cookie:0xe1de000000000001 idle:60 hard:300 send_flow_rem " \
    "actions=output:2,output(port=3,max_len=128),CONTROLLER:65535"

/* The UDP port OXMs, which cannot share a match with the TCP ones (their
 * prerequisites differ, spec 7.2.3.8). */
#define FLOW_MOD_ADD_UDP_HEX \
    "04 0e 0080 0000000c" \
    "  e1de000000000002 0000000000000000 00 00 0000 0000 0064" \
    "  ffffffff ffffffff ffffffff 0000 0000" \
    "  0001 0033" \
    "  80000004 00000001" \
    "  80000a02 0800" \
    "  80001401 11" \
    "  80001604 c0000201" \
    "  80001804 c6336402" \
    "  80001e02 14e9" \
    "  80002002 0035" \
    "  0000000000" \
    "  0004 0018 00000000" \
    "  0000 0010 00000002 0000 000000000000"
#define FLOW_MOD_ADD_UDP_TXT \
    "OFPT_FLOW_MOD (OF1.3) (xid=0xc): ADD priority=100,udp,in_port=1," \
    "nw_src=192.0.2.1,nw_dst=198.51.100.2,tp_src=5353,tp_dst=53 " \
    "cookie:0xe1de000000000002 actions=output:2"

/* DELETE of every flow whose cookie has the controller's top 16 bits, in
 * every table (OFPTT_ALL), with an empty match and no instructions. */
#define FLOW_MOD_DELETE_HEX \
    "04 0e 0038 0000000d" \
    "  e1de000000000000 ffff000000000000 ff 03 0000 0000 0000" \
    "  ffffffff ffffffff ffffffff 0000 0000" \
    "  0001 0004 00000000"
#define FLOW_MOD_DELETE_TXT \
    "OFPT_FLOW_MOD (OF1.3) (xid=0xd): DEL table:255 priority=0 " \
    "cookie:0xe1de000000000000/0xffff000000000000 actions=drop"

/* DELETE filtered by out_port (spec 7.3.4.2). */
#define FLOW_MOD_DELETE_OUT_HEX \
    "04 0e 0038 0000000e" \
    "  0000000000000000 0000000000000000 00 03 0000 0000 0000" \
    "  ffffffff 00000003 ffffffff 0000 0000" \
    "  0001 0004 00000000"
#define FLOW_MOD_DELETE_OUT_TXT \
    "OFPT_FLOW_MOD (OF1.3) (xid=0xe): DEL priority=0 out_port:3 actions=drop"

/* DELETE_STRICT of one connection's flow: the match and priority must be
 * exact; the actions passed in are not encoded. */
#define FLOW_MOD_DELETE_STRICT_HEX \
    "04 0e 0068 0000000f" \
    "  0000000000000000 0000000000000000 00 04 0000 0000 0064" \
    "  ffffffff ffffffff ffffffff 0000 0000" \
    "  0001 0033" \
    "  80000004 00000001" \
    "  80000a02 0800" \
    "  80001401 06" \
    "  80001604 c0000201" \
    "  80001804 c6336402" \
    "  80001a02 c000" \
    "  80001c02 0050" \
    "  0000000000"
#define FLOW_MOD_DELETE_STRICT_TXT \
    "OFPT_FLOW_MOD (OF1.3) (xid=0xf): DEL_STRICT priority=100,tcp,in_port=1," \
    "nw_src=192.0.2.1,nw_dst=198.51.100.2,tp_src=49152,tp_dst=80 " \
    "actions=drop"

/* ADD without instructions drops what it matches (spec 5.9). */
#define FLOW_MOD_DROP_HEX \
    "04 0e 0048 00000010" \
    "  e1de000000000003 0000000000000000 00 00 0000 000a 00c8" \
    "  ffffffff ffffffff ffffffff 0000 0000" \
    "  0001 0012" \
    "  80000004 00000001" \
    "  80000a02 0806" \
    "  000000000000"
#define FLOW_MOD_DROP_TXT \
    "OFPT_FLOW_MOD (OF1.3) (xid=0x10): ADD priority=200,arp,in_port=1 " \
    "cookie:0xe1de000000000003 hard:10 actions=drop"

/* An ARP request from A (192.0.2.1) for B (198.51.100.2), 42 bytes. */
#define ARP_FRAME_HEX \
    "00005e005302 00005e005301 0806" \
    "  0001 0800 06 04 0001 00005e005301 c0000201 000000000000 c6336402"
static const uint8_t arp_frame[] = {
    0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01,
    0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
    0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 192, 0, 2, 1,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 198, 51, 100, 2,
};

/* Spec 7.3.7: buffer NO_BUFFER, in_port CONTROLLER, actions_len 16,
 * output:2, then the frame. */
#define PACKET_OUT_HEX \
    "04 0d 0052 00000011  ffffffff fffffffd 0010 000000000000" \
    "  0000 0010 00000002 0000 000000000000" \
    "  " ARP_FRAME_HEX
#define PACKET_OUT_TXT \
    "OFPT_PACKET_OUT (OF1.3) (xid=0x11): in_port=CONTROLLER " \
    "actions=output:2 data_len=42\n" \
    "arp,vlan_tci=0x0000,dl_src=00:00:5e:00:53:01,dl_dst=00:00:5e:00:53:02," \
    "arp_spa=192.0.2.1,arp_tpa=198.51.100.2,arp_op=1," \
    "arp_sha=00:00:5e:00:53:01,arp_tha=00:00:00:00:00:00"

/* ---- Decoder goldens ---------------------------------------------------- */

/* Spec 7.3.1: datapath_id, n_buffers 256, n_tables 254, auxiliary_id 0,
 * capabilities FLOW_STATS|TABLE_STATS|PORT_STATS|GROUP_STATS|QUEUE_STATS. */
#define FEATURES_REPLY_HEX \
    "04 06 0020 00000004  0000aabbccddeeff 00000100 fe 00 0000" \
    "  0000004f 00000000"
#define FEATURES_REPLY_TXT \
    "OFPT_FEATURES_REPLY (OF1.3) (xid=0x4): dpid:0000aabbccddeeff\n" \
    "n_tables:254, n_buffers:256\n" \
    "capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS"

/* A TCP SYN from 192.0.2.1:49152 to 198.51.100.2:80, 54 bytes, checksums
 * left zero. */
#define SYN_FRAME_HEX \
    "00005e005302 00005e005301 0800" \
    "  4500 0028 1234 4000 40 06 0000 c0000201 c6336402" \
    "  c000 0050 11223344 00000000 50 02 faf0 0000 0000"

/* Spec 7.4.1: buffer NO_BUFFER, total_len 54, reason ACTION, table 0,
 * cookie, a match with in_port=1 (12 bytes padded to 16), 2 bytes of pad,
 * the frame. */
#define PACKET_IN_HEX \
    "04 0a 0060 00000000  ffffffff 0036 01 00 e1de000000000001" \
    "  0001 000c 80000004 00000001 00000000" \
    "  0000" \
    "  " SYN_FRAME_HEX
#define PACKET_IN_TXT \
    "OFPT_PACKET_IN (OF1.3) (xid=0x0): cookie=0xe1de000000000001 " \
    "total_len=54 in_port=1 (via action) data_len=54 (unbuffered)\n" \
    "tcp,vlan_tci=0x0000,dl_src=00:00:5e:00:53:01,dl_dst=00:00:5e:00:53:02," \
    "nw_src=192.0.2.1,nw_dst=198.51.100.2,nw_tos=0,nw_ecn=0,nw_ttl=64," \
    "nw_frag=no,tp_src=49152,tp_dst=80,tcp_flags=syn tcp_csum:0"
#define PACKET_IN_DATA_OFS 42

/* Spec 7.4.2: cookie, priority 100, reason HARD_TIMEOUT, table 0,
 * duration 61.5 s, idle 60, hard 300, 10 packets, 1500 bytes, the match of
 * the flow (51 bytes padded to 56). */
#define FLOW_REMOVED_HEX \
    "04 0b 0068 00000000  e1de000000000001 0064 01 00" \
    "  0000003d 1dcd6500 003c 012c 000000000000000a 00000000000005dc" \
    "  0001 0033" \
    "  80000004 00000001" \
    "  80000a02 0800" \
    "  80001401 06" \
    "  80001604 c0000201" \
    "  80001804 c6336402" \
    "  80001a02 c000" \
    "  80001c02 0050" \
    "  0000000000"
#define FLOW_REMOVED_TXT \
    "OFPT_FLOW_REMOVED (OF1.3) (xid=0x0): priority=100,tcp,in_port=1," \
    "nw_src=192.0.2.1,nw_dst=198.51.100.2,tp_src=49152,tp_dst=80 " \
    "reason=hard table_id=0 cookie:0xe1de000000000001 duration61.500s " \
    "idle60 hard300 pkts10 bytes1500"

/* Spec 7.2.1 ofp_port: port_no, pad, hw_addr, pad, name[16], config,
 * state, curr, advertised, supported, peer, curr_speed, max_speed (kbps). */
#define PORT3_HEX \
    "00000003 00000000 00005e005303 0000" \
    "  73312d6574683300 0000000000000000" \
    "  00000000 00000001 00000840 00000000 00000000 00000000" \
    "  00989680 00000000"
#define PORT1_HEX \
    "00000001 00000000 00005e005301 0000" \
    "  73312d6574683100 0000000000000000" \
    "  00000000 00000004 00000840 00000000 00000000 00000000" \
    "  00989680 00000000"
#define PORT_LOCAL_HEX \
    "fffffffe 00000000 00005e005300 0000" \
    "  7331000000000000 0000000000000000" \
    "  00000001 00000001 00000000 00000000 00000000 00000000" \
    "  00000000 00000000"

/* Spec 7.4.3: reason MODIFY, pad, the port (link down). */
#define PORT_STATUS_HEX \
    "04 0c 0050 00000000  02 00000000000000  " PORT3_HEX
#define PORT_STATUS_TXT \
    "OFPT_PORT_STATUS (OF1.3) (xid=0x0): MOD: 3(s1-eth3): " \
    "addr:00:00:5e:00:53:03\n" \
    "     config:     0\n" \
    "     state:      LINK_DOWN\n" \
    "     current:    10GB-FD COPPER\n" \
    "     speed: 10000 Mbps now, 0 Mbps max"

/* Spec 7.3.5.7: multipart reply PORT_DESC with port 1 and LOCAL. */
#define PORT_DESC_REPLY_HEX \
    "04 13 0090 00000008  000d 0000 00000000" \
    "  " PORT1_HEX \
    "  " PORT_LOCAL_HEX
#define PORT_DESC_REPLY_TXT \
    "OFPST_PORT_DESC reply (OF1.3) (xid=0x8):\n" \
    " 1(s1-eth1): addr:00:00:5e:00:53:01\n" \
    "     config:     0\n" \
    "     state:      LIVE\n" \
    "     current:    10GB-FD COPPER\n" \
    "     speed: 10000 Mbps now, 0 Mbps max\n" \
    " LOCAL(s1): addr:00:00:5e:00:53:00\n" \
    "     config:     PORT_DOWN\n" \
    "     state:      LINK_DOWN\n" \
    "     speed: 0 Mbps now, 0 Mbps max"

/* Spec 7.3.5.2: multipart reply FLOW, flag MORE, two ofp_flow_stats:
 * the connection's flow (128 bytes: 48 fixed, a 56-byte match, a 24-byte
 * APPLY_ACTIONS output:2) and the table-miss flow (80 bytes: empty match,
 * output:CONTROLLER). */
#define FLOW_STATS_ENTRY1_OFS 16
#define FLOW_STATS_ENTRY2_OFS (16 + 128)
#define FLOW_STATS_REPLY_HEX \
    "04 13 00e0 00000009  0001 0001 00000000" \
    "  0080 00 00 0000000c 00000000 0064 003c 012c 0001 00000000" \
    "  e1de000000000001 0000000000000003 00000000000000b4" \
    "  0001 0033" \
    "  80000004 00000001" \
    "  80000a02 0800" \
    "  80001401 06" \
    "  80001604 c0000201" \
    "  80001804 c6336402" \
    "  80001a02 c000" \
    "  80001c02 0050" \
    "  0000000000" \
    "  0004 0018 00000000  0000 0010 00000002 0000 000000000000" \
    "  0050 02 00 00000064 1dcd6500 0000 0000 0000 0000 00000000" \
    "  0000000000000000 0000000000000007 00000000000001a4" \
    "  0001 0004 00000000" \
    "  0004 0018 00000000  0000 0010 fffffffd ffff 000000000000"
#define FLOW_STATS_REPLY_TXT \
    "OFPST_FLOW reply (OF1.3) (xid=0x9): flags=[more]\n" \
    " cookie=0xe1de000000000001, duration=12s, table=0, n_packets=3, " \
    "n_bytes=180, idle_timeout=60, hard_timeout=300, send_flow_rem " \
    "priority=100,tcp,in_port=1,nw_src=192.0.2.1,nw_dst=198.51.100.2," \
    "tp_src=49152,tp_dst=80 actions=output:2\n" \
    " cookie=0x0, duration=100.500s, table=2, n_packets=7, n_bytes=420, " \
    "priority=0 actions=CONTROLLER:65535"

/* Spec 7.4.4: FLOW_MOD_FAILED/TABLE_FULL carrying the whole failed
 * FLOW_MOD (the drop flow above). */
#define ERROR_TABLE_FULL_HEX \
    "04 01 0054 00000010  0005 0001  " FLOW_MOD_DROP_HEX
#define ERROR_TABLE_FULL_TXT \
    "OFPT_ERROR (OF1.3) (xid=0x10): OFPFMFC_TABLE_FULL\n" \
    "OFPT_FLOW_MOD (OF1.3) (xid=0x10): ADD priority=200,arp,in_port=1 " \
    "cookie:0xe1de000000000003 hard:10 actions=drop"

#define ECHO_IN_HEX "04 02 0010 00000011  0001020304050607"
#define ECHO_IN_TXT \
    "OFPT_ECHO_REQUEST (OF1.3) (xid=0x11): 8 bytes of payload\n" \
    "00000000  00 01 02 03 04 05 06 07-                        |........        |"

/* Spec 7.5.1 HELLO.  What Open vSwitch 3.1 sends: header version 1.5 and a
 * bitmap of 1.0 to 1.5. */
#define HELLO_OVS_HEX "06 00 0010 00000012  0001 0008 0000007e"
#define HELLO_OVS_TXT \
    "OFPT_HELLO (OF1.5) (xid=0x12):\n" \
    " version bitmap: 0x01, 0x02, 0x03, 0x04, 0x05, 0x06"
/* A 1.3 HELLO without elements. */
#define HELLO_BARE13_HEX "04 00 0008 00000013"
#define HELLO_BARE13_TXT \
    "OFPT_HELLO (OF1.3) (xid=0x13):\n" \
    " version bitmap: 0x01, 0x02, 0x03, 0x04"
/* Header 1.5 but a bitmap of 1.0, 1.4 and 1.5: no common version. */
#define HELLO_NO13_HEX "06 00 0010 00000014  0001 0008 00000062"
#define HELLO_NO13_TXT \
    "OFPT_HELLO (OF1.5) (xid=0x14):\n" \
    " version bitmap: 0x01, 0x05, 0x06"
/* A 1.0 HELLO, which has no elements: the peer speaks 1.0 at most. */
#define HELLO_V10_HEX "01 00 0008 00000015"
#define HELLO_V10_TXT \
    "OFPT_HELLO (xid=0x15):\n" \
    " version bitmap: 0x01"
/* A 1.5 HELLO without a bitmap: the peer supports every version up to 1.5,
 * so 1.3 is common. */
#define HELLO_V15_HEX "06 00 0008 00000016"
#define HELLO_V15_TXT \
    "OFPT_HELLO (OF1.5) (xid=0x16):\n" \
    " version bitmap: 0x01, 0x02, 0x03, 0x04, 0x05, 0x06"
/* An element of unknown type 2 (length 5, padded to 8), which spec 7.5.1
 * says to skip, then a bitmap of 1.0 and 1.3.  OVS honours the bitmap too
 * but reports the element as unknown data. */
#define HELLO_UNKNOWN_HEX \
    "06 00 0018 00000017  0002 0005 00 000000  0001 0008 00000012"
#define HELLO_UNKNOWN_TXT \
    "OFPT_HELLO (OF1.5) (xid=0x17):\n" \
    " version bitmap: 0x01, 0x04\n" \
    " unknown data in hello:\n" \
    "00000000  06 00 00 18 00 00 00 17-00 02 00 05 00 00 00 00 |................|\n" \
    "00000010  00 01 00 08 00 00 00 12-                        |........        |"

#define BARRIER_REPLY_HEX "04 15 0008 00000005"
#define BARRIER_REPLY_TXT "OFPT_BARRIER_REPLY (OF1.3) (xid=0x5):"

/* ---- Encoders ----------------------------------------------------------- */

static const struct ofp_act tcp_acts[] = {
    { .kind = OFPACT_OUTPUT, .port = 2 },
    { .kind = OFPACT_OUTPUT_TRUNC, .port = 3, .max_len = 128 },
    { .kind = OFPACT_OUTPUT, .port = OFPP_CONTROLLER,
      .max_len = OFPCML_NO_BUFFER },
};

static const struct ofp_match_spec tcp_match = {
    .fields = OFPM_IN_PORT | OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_IPV4_SRC
              | OFPM_IPV4_DST | OFPM_TCP_SRC | OFPM_TCP_DST,
    .in_port = 1, .eth_type = 0x0800, .ip_proto = 6,
    .ipv4_src = 0xc0000201, .ipv4_dst = 0xc6336402,
    .tp_src = 49152, .tp_dst = 80,
};

static void
put_flow_mod_add_tcp(struct buf *b)
{
    struct ofp_flow_mod_spec fm = {
        .cookie = 0xe1de000000000001ull, .table_id = 0, .command = OFPFC_ADD,
        .idle_timeout = 60, .hard_timeout = 300, .priority = 100,
        .flags = OFPFF_SEND_FLOW_REM,
        .match = tcp_match,
        .acts = tcp_acts, .n_acts = 3,
    };
    fm.match.fields |= OFPM_ETH_DST | OFPM_ETH_SRC | OFPM_TCP_FLAGS;
    memcpy(fm.match.eth_dst, (uint8_t[6]) { 0, 0, 0x5e, 0, 0x53, 2 }, 6);
    memcpy(fm.match.eth_src, (uint8_t[6]) { 0, 0, 0x5e, 0, 0x53, 1 }, 6);
    fm.match.tcp_flags = 0x008;         /* PSH */
    fm.match.tcp_flags_mask = 0x008;
    ofp_put_flow_mod(b, 0xb, &fm);
}

static void
put_packet_out(struct buf *b)
{
    ofp_put_packet_out(b, 0x11, OFPP_CONTROLLER, tcp_acts, 1,
                       arp_frame, sizeof arp_frame);
}

Test(encode, hello)
{
    struct buf b;
    buf_init(&b);
    ofp_put_hello(&b, 1);
    assert_encoded(&b, HELLO_HEX, HELLO_TXT);
    buf_free(&b);
}

Test(encode, error_hello_failed)
{
    static const char why[] = "OpenFlow 1.3 only";
    struct buf b;
    buf_init(&b);
    ofp_put_error(&b, 2, OFPET_HELLO_FAILED, OFPHFC_INCOMPATIBLE,
                  why, strlen(why));
    assert_encoded(&b, ERROR_HELLO_HEX, ERROR_HELLO_TXT);
    buf_free(&b);
}

Test(encode, error_bad_type)
{
    static const uint8_t req[] = { 0x04, 0x07, 0x00, 0x08, 0, 0, 0, 7 };
    struct buf b;
    buf_init(&b);
    ofp_put_error(&b, 7, OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE, req, sizeof req);
    assert_encoded(&b, ERROR_BAD_TYPE_HEX, ERROR_BAD_TYPE_TXT);
    buf_free(&b);
}

/* The reply to a malformed 96-byte PACKET_IN carries its first 64 bytes
 * (spec 7.4.4), which OVS reports as a truncated message. */
Test(encode, error_keeps_64_bytes_of_request)
{
    size_t n;
    uint8_t *req = unhex(PACKET_IN_HEX, &n);
    struct buf b;
    buf_init(&b);
    ofp_put_error(&b, 0, OFPET_BAD_REQUEST, OFPBRC_BAD_LEN, req, n);
    assert_encoded(&b,
        "04 01 004c 00000000  0001 0006"
        "  040a0060 00000000 ffffffff 0036 01 00 e1de000000000001"
        "  0001000c 80000004 00000001 00000000 0000"
        "  00005e005302 00005e005301 0800 4500 0028 1234 4000",
        "OFPT_ERROR (OF1.3) (xid=0x0): OFPBRC_BAD_LEN\n"
        "OFPT_PACKET_IN (OF1.3) (xid=0x0):\n"
        "(***truncated to 64 bytes from 96***)\n"
        "00000000  04 0a 00 60 00 00 00 00-ff ff ff ff 00 36 01 00 |...`.........6..|\n"
        "00000010  e1 de 00 00 00 00 00 01-00 01 00 0c 80 00 00 04 |................|\n"
        "00000020  00 00 00 01 00 00 00 00-00 00 00 00 5e 00 53 02 |............^.S.|\n"
        "00000030  00 00 5e 00 53 01 08 00-45 00 00 28 12 34 40 00 |..^.S...E..(.4@.|");
    buf_free(&b);
    free(req);
}

Test(encode, echo_request)
{
    struct buf b;
    buf_init(&b);
    ofp_put_echo(&b, OFPT_ECHO_REQUEST, 3, "ping", 4);
    assert_encoded(&b, ECHO_REQUEST_HEX, ECHO_REQUEST_TXT);
    buf_free(&b);
}

Test(encode, echo_request_without_data)
{
    struct buf b;
    buf_init(&b);
    ofp_put_echo(&b, OFPT_ECHO_REQUEST, 0x19, NULL, 0);
    assert_encoded(&b, ECHO_PROBE_HEX, ECHO_PROBE_TXT);
    buf_free(&b);
}

/* The controller answers an ECHO_REQUEST with its xid and data. */
Test(encode, echo_reply)
{
    size_t n;
    uint8_t *req = unhex(ECHO_IN_HEX, &n);
    struct ofp_msg m;
    ofp_msg_init(&m, req, n);
    struct buf b;
    buf_init(&b);
    ofp_put_echo(&b, OFPT_ECHO_REPLY, m.xid, m.body, m.body_len);
    assert_encoded(&b, ECHO_REPLY_HEX, ECHO_REPLY_TXT);
    buf_free(&b);
    free(req);
}

Test(encode, features_request)
{
    struct buf b;
    buf_init(&b);
    ofp_put_simple(&b, OFPT_FEATURES_REQUEST, 4);
    assert_encoded(&b, FEATURES_REQUEST_HEX, FEATURES_REQUEST_TXT);
    buf_free(&b);
}

Test(encode, barrier_request)
{
    struct buf b;
    buf_init(&b);
    ofp_put_simple(&b, OFPT_BARRIER_REQUEST, 5);
    assert_encoded(&b, BARRIER_REQUEST_HEX, BARRIER_REQUEST_TXT);
    buf_free(&b);
}

Test(encode, set_config)
{
    struct buf b;
    buf_init(&b);
    ofp_put_set_config(&b, 6, OFPCML_NO_BUFFER);
    assert_encoded(&b, SET_CONFIG_HEX, SET_CONFIG_TXT);
    buf_free(&b);
}

Test(encode, port_desc_request)
{
    struct buf b;
    buf_init(&b);
    ofp_put_port_desc_request(&b, 8);
    assert_encoded(&b, PORT_DESC_REQUEST_HEX, PORT_DESC_REQUEST_TXT);
    buf_free(&b);
}

Test(encode, port_stats_request)
{
    struct buf b;
    buf_init(&b);
    ofp_put_port_stats_request(&b, 0xb, 1);
    assert_encoded(&b, PORT_STATS_REQUEST_HEX, PORT_STATS_REQUEST_TXT);
    buf_free(&b);
}

Test(encode, flow_stats_request)
{
    struct buf b;
    buf_init(&b);
    ofp_put_flow_stats_request(&b, 9, OFPTT_ALL, 0xe1de000000000000ull,
                               0xffff000000000000ull);
    assert_encoded(&b, FLOW_STATS_REQUEST_HEX, FLOW_STATS_REQUEST_TXT);
    cr_assert_eq(get_be64(buf_head(&b) + 32), 0xe1de000000000000ull);
    cr_assert_eq(get_be64(buf_head(&b) + 40), 0xffff000000000000ull);
    buf_free(&b);
}

Test(encode, flow_stats_request_table_0)
{
    struct buf b;
    buf_init(&b);
    ofp_put_flow_stats_request(&b, 0xa, 0, 0, 0);
    assert_encoded(&b, FLOW_STATS_REQUEST_T0_HEX, FLOW_STATS_REQUEST_T0_TXT);
    buf_free(&b);
}

Test(encode, flow_mod_add_every_match_field)
{
    struct buf b;
    buf_init(&b);
    put_flow_mod_add_tcp(&b);
    assert_encoded(&b, FLOW_MOD_ADD_TCP_HEX, FLOW_MOD_ADD_TCP_TXT);
    buf_free(&b);
}

Test(encode, flow_mod_add_udp_ports)
{
    struct ofp_flow_mod_spec fm = {
        .cookie = 0xe1de000000000002ull, .command = OFPFC_ADD,
        .priority = 100, .match = tcp_match, .acts = tcp_acts, .n_acts = 1,
    };
    fm.match.fields &= ~(uint32_t) (OFPM_TCP_SRC | OFPM_TCP_DST);
    fm.match.fields |= OFPM_UDP_SRC | OFPM_UDP_DST;
    fm.match.ip_proto = 17;
    fm.match.tp_src = 5353;
    fm.match.tp_dst = 53;
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0xc, &fm);
    assert_encoded(&b, FLOW_MOD_ADD_UDP_HEX, FLOW_MOD_ADD_UDP_TXT);
    buf_free(&b);
}

Test(encode, flow_mod_delete_by_cookie_in_all_tables)
{
    struct ofp_flow_mod_spec fm = {
        .cookie = 0xe1de000000000000ull, .cookie_mask = 0xffff000000000000ull,
        .table_id = OFPTT_ALL, .command = OFPFC_DELETE,
    };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0xd, &fm);
    assert_encoded(&b, FLOW_MOD_DELETE_HEX, FLOW_MOD_DELETE_TXT);
    buf_free(&b);
}

Test(encode, flow_mod_delete_by_out_port)
{
    struct ofp_flow_mod_spec fm = { .command = OFPFC_DELETE, .out_port = 3 };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0xe, &fm);
    assert_encoded(&b, FLOW_MOD_DELETE_OUT_HEX, FLOW_MOD_DELETE_OUT_TXT);
    buf_free(&b);
}

Test(encode, flow_mod_delete_strict)
{
    struct ofp_flow_mod_spec fm = {
        .command = OFPFC_DELETE_STRICT, .priority = 100, .match = tcp_match,
        .acts = tcp_acts, .n_acts = 3,
    };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0xf, &fm);
    assert_encoded(&b, FLOW_MOD_DELETE_STRICT_HEX, FLOW_MOD_DELETE_STRICT_TXT);
    buf_free(&b);
}

Test(encode, flow_mod_add_drop)
{
    struct ofp_flow_mod_spec fm = {
        .cookie = 0xe1de000000000003ull, .command = OFPFC_ADD,
        .hard_timeout = 10, .priority = 200,
        .match = { .fields = OFPM_IN_PORT | OFPM_ETH_TYPE, .in_port = 1,
                   .eth_type = 0x0806 },
    };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0x10, &fm);
    assert_encoded(&b, FLOW_MOD_DROP_HEX, FLOW_MOD_DROP_TXT);
    buf_free(&b);
}

Test(encode, packet_out)
{
    struct buf b;
    buf_init(&b);
    put_packet_out(&b);
    assert_encoded(&b, PACKET_OUT_HEX, PACKET_OUT_TXT);
    buf_free(&b);
}

static void
assert_bytes_at(const struct buf *b, size_t ofs, const char *hex)
{
    size_t n;
    uint8_t *g = unhex(hex, &n);
    cr_assert(buf_avail(b) >= ofs + n, "buffer holds %zu bytes, expected "
              "%zu at offset %zu", buf_avail(b), n, ofs);
    char *got = tohex(buf_head(b) + ofs, n);
    char *want = tohex(g, n);
    cr_assert(!memcmp(buf_head(b) + ofs, g, n),
              "at offset %zu:\n%s\nexpected:\n%s", ofs, got, want);
    free(got);
    free(want);
    free(g);
}

/* Encoders append: messages queued one after another come out whole. */
Test(encode, appends_to_a_queue)
{
    struct buf b;
    buf_init(&b);
    ofp_put_hello(&b, 1);
    put_flow_mod_add_tcp(&b);
    ofp_put_simple(&b, OFPT_BARRIER_REQUEST, 5);
    put_packet_out(&b);
    assert_bytes_at(&b, 0, HELLO_HEX);
    assert_bytes_at(&b, 16, FLOW_MOD_ADD_TCP_HEX);
    assert_bytes_at(&b, 16 + 192, BARRIER_REQUEST_HEX);
    assert_bytes_at(&b, 16 + 192 + 8, PACKET_OUT_HEX);
    cr_assert_eq(buf_avail(&b), 16 + 192 + 8 + 82);
    buf_free(&b);
}

/* The controller encodes straight into a switch's send queue, which a
 * partial send() leaves with bytes consumed from the front; when the next
 * message then makes the queue grow, buf_reserve() moves what is queued to
 * the front.  The message must come out whole all the same.  Try every fill
 * level up to 512 bytes with every number of bytes sent. */
Test(encode, appends_to_a_partly_sent_queue)
{
    size_t glen;
    uint8_t *g = unhex(FLOW_MOD_ADD_TCP_HEX, &glen);
    for (size_t fill = 2; fill <= 512; fill++) {
        for (size_t sent = 1; sent < fill; sent++) {
            struct buf b;
            buf_init(&b);
            memset(buf_put_uninit(&b, fill), 0xaa, fill);
            buf_consume(&b, sent);
            size_t queued = buf_avail(&b);
            put_flow_mod_add_tcp(&b);
            bool same = buf_avail(&b) == queued + glen
                        && !memcmp(buf_head(&b) + queued, g, glen);
            if (!same) {
                char *got = tohex(buf_head(&b) + queued,
                                  buf_avail(&b) - queued);
                char *want = tohex(g, glen);
                cr_assert_fail("queue of %zu bytes with %zu sent: appended\n"
                               "%s\nexpected\n%s", fill, sent, got, want);
            }
            for (size_t i = 0; i < queued; i++) {
                cr_assert_eq(buf_head(&b)[i], 0xaa, "queued byte %zu changed "
                             "(fill %zu, sent %zu)", i, fill, sent);
            }
            buf_free(&b);
        }
    }
    free(g);
}

/* ---- Decoders ----------------------------------------------------------- */

/* The golden message 'hex', checked against ovs-ofctl, in a heap buffer of
 * exactly its size, framed into *m. */
static uint8_t *
load(const char *hex, const char *text, struct ofp_msg *m)
{
    assert_ofp_print(hex, text);
    size_t n;
    uint8_t *p = unhex(hex, &n);
    cr_assert_eq(ofp_frame(p, n), (int) n);
    ofp_msg_init(m, p, n);
    cr_assert_eq(m->length, n);
    cr_assert_eq(m->body, p + OFP_HEADER_LEN);
    cr_assert_eq(m->body_len, n - OFP_HEADER_LEN);
    return p;
}

Test(decode, features_reply)
{
    struct ofp_msg m;
    uint8_t *p = load(FEATURES_REPLY_HEX, FEATURES_REPLY_TXT, &m);
    cr_assert_eq(m.version, OFP13_VERSION);
    cr_assert_eq(m.type, OFPT_FEATURES_REPLY);
    cr_assert_eq(m.xid, 4);
    struct ofp_features f;
    memset(&f, 0x5a, sizeof f);
    cr_assert_eq(ofp_decode_features(&m, &f), OFPDEC_OK);
    cr_assert_eq(f.datapath_id, 0x0000aabbccddeeffull);
    cr_assert_eq(f.n_buffers, 256);
    cr_assert_eq(f.n_tables, 254);
    cr_assert_eq(f.auxiliary_id, 0);
    cr_assert_eq(f.capabilities, 0x4f);
    free(p);
}

Test(decode, packet_in)
{
    struct ofp_msg m;
    uint8_t *p = load(PACKET_IN_HEX, PACKET_IN_TXT, &m);
    cr_assert_eq(m.type, OFPT_PACKET_IN);
    cr_assert_eq(m.xid, 0);
    struct ofp_packet_in_msg pi;
    memset(&pi, 0x5a, sizeof pi);
    cr_assert_eq(ofp_decode_packet_in(&m, &pi), OFPDEC_OK);
    cr_assert_eq(pi.buffer_id, OFP_NO_BUFFER);
    cr_assert_eq(pi.total_len, 54);
    cr_assert_eq(pi.reason, OFPR_ACTION);
    cr_assert_eq(pi.table_id, 0);
    cr_assert_eq(pi.cookie, 0xe1de000000000001ull);
    cr_assert_eq(pi.in_port, 1);
    cr_assert_eq(pi.data, p + PACKET_IN_DATA_OFS);
    cr_assert_eq(pi.data_len, 54);
    size_t flen;
    uint8_t *frame = unhex(SYN_FRAME_HEX, &flen);
    cr_assert_eq(flen, 54);
    cr_assert_arr_eq(pi.data, frame, flen);
    free(frame);
    free(p);
}

Test(decode, flow_removed)
{
    struct ofp_msg m;
    uint8_t *p = load(FLOW_REMOVED_HEX, FLOW_REMOVED_TXT, &m);
    cr_assert_eq(m.type, OFPT_FLOW_REMOVED);
    struct ofp_flow_removed_msg fr;
    memset(&fr, 0x5a, sizeof fr);
    cr_assert_eq(ofp_decode_flow_removed(&m, &fr), OFPDEC_OK);
    cr_assert_eq(fr.cookie, 0xe1de000000000001ull);
    cr_assert_eq(fr.priority, 100);
    cr_assert_eq(fr.reason, OFPRR_HARD_TIMEOUT);
    cr_assert_eq(fr.table_id, 0);
    cr_assert_eq(fr.duration_sec, 61);
    cr_assert_eq(fr.duration_nsec, 500000000);
    cr_assert_eq(fr.idle_timeout, 60);
    cr_assert_eq(fr.hard_timeout, 300);
    cr_assert_eq(fr.packet_count, 10);
    cr_assert_eq(fr.byte_count, 1500);
    free(p);
}

static void
assert_port(const struct ofp_port_info *pi, uint32_t port_no, uint8_t mac_low,
            const char *name, uint32_t config, uint32_t state)
{
    const uint8_t mac[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, mac_low };
    cr_assert_eq(pi->port_no, port_no);
    cr_assert_arr_eq(pi->hw_addr, mac, 6);
    cr_assert_str_eq(pi->name, name);
    cr_assert_eq(pi->config, config, "port %s config", name);
    cr_assert_eq(pi->state, state, "port %s state", name);
}

Test(decode, port_status)
{
    struct ofp_msg m;
    uint8_t *p = load(PORT_STATUS_HEX, PORT_STATUS_TXT, &m);
    cr_assert_eq(m.type, OFPT_PORT_STATUS);
    struct ofp_port_status_msg ps;
    memset(&ps, 0x5a, sizeof ps);
    cr_assert_eq(ofp_decode_port_status(&m, &ps), OFPDEC_OK);
    cr_assert_eq(ps.reason, OFPPR_MODIFY);
    assert_port(&ps.port, 3, 0x03, "s1-eth3", 0, OFPPS_LINK_DOWN);
    free(p);
}

/* A name that fills all 16 bytes has no NUL on the wire (spec 7.2.1 says
 * it is null-terminated, but a peer need not be right). */
Test(decode, port_status_name_without_nul)
{
    size_t n;
    uint8_t *p = unhex(PORT_STATUS_HEX, &n);
    memcpy(p + 16 + 16, "0123456789abcdef", 16);
    struct ofp_msg m;
    ofp_msg_init(&m, p, n);
    struct ofp_port_status_msg ps;
    cr_assert_eq(ofp_decode_port_status(&m, &ps), OFPDEC_OK);
    cr_assert_str_eq(ps.port.name, "0123456789abcdef");
    free(p);
}

Test(decode, multipart_port_desc)
{
    struct ofp_msg m;
    uint8_t *p = load(PORT_DESC_REPLY_HEX, PORT_DESC_REPLY_TXT, &m);
    cr_assert_eq(m.type, OFPT_MULTIPART_REPLY);
    struct ofp_multipart_reply r;
    cr_assert_eq(ofp_decode_multipart_reply(&m, &r), OFPDEC_OK);
    cr_assert_eq(r.type, OFPMP_PORT_DESC);
    cr_assert_eq(r.flags, 0);
    cr_assert_eq(r.body, p + 16);
    cr_assert_eq(r.body_len, 128);
    size_t ofs = 0;
    struct ofp_port_info pi;
    cr_assert_eq(ofp_next_port(&r, &ofs, &pi), 1);
    assert_port(&pi, 1, 0x01, "s1-eth1", 0, 0x4);      /* OFPPS_LIVE */
    cr_assert_eq(ofs, 64);
    cr_assert_eq(ofp_next_port(&r, &ofs, &pi), 1);
    assert_port(&pi, OFPP_LOCAL, 0x00, "s1", OFPPC_PORT_DOWN, OFPPS_LINK_DOWN);
    cr_assert_eq(ofs, 128);
    cr_assert_eq(ofp_next_port(&r, &ofs, &pi), 0);
    cr_assert_eq(ofs, 128);
    free(p);
}

Test(decode, multipart_port_stats)
{
    struct ofp_msg m;
    uint8_t *p = load(PORT_STATS_REPLY_HEX, PORT_STATS_REPLY_TXT, &m);
    struct ofp_multipart_reply r;
    cr_assert_eq(ofp_decode_multipart_reply(&m, &r), OFPDEC_OK);
    cr_assert_eq(r.type, OFPMP_PORT_STATS);
    size_t ofs = 0;
    struct ofp_port_stats_entry e;
    cr_assert_eq(ofp_next_port_stats(&r, &ofs, &e), 1);
    cr_assert_eq(e.port_no, 1);
    cr_assert_eq(e.tx_packets, 100);
    cr_assert_eq(e.tx_bytes, 10000000);
    cr_assert_eq(e.tx_dropped, 7);
    cr_assert_eq(e.duration_ms, 42500);
    cr_assert_eq(ofs, 112);
    cr_assert_eq(ofp_next_port_stats(&r, &ofs, &e), 0);
    /* A body that is not a whole number of entries. */
    r.body_len = 111;
    ofs = 0;
    cr_assert_eq(ofp_next_port_stats(&r, &ofs, &e), OFPDEC_BAD_LEN);
    free(p);
}

Test(decode, multipart_flow_stats)
{
    struct ofp_msg m;
    uint8_t *p = load(FLOW_STATS_REPLY_HEX, FLOW_STATS_REPLY_TXT, &m);
    struct ofp_multipart_reply r;
    cr_assert_eq(ofp_decode_multipart_reply(&m, &r), OFPDEC_OK);
    cr_assert_eq(r.type, OFPMP_FLOW);
    cr_assert_eq(r.flags, OFPMPF_MORE);
    cr_assert_eq(r.body_len, 208);
    size_t ofs = 0;
    struct ofp_flow_stats_entry e;
    memset(&e, 0x5a, sizeof e);
    cr_assert_eq(ofp_next_flow_stats(&r, &ofs, &e), 1);
    cr_assert_eq(ofs, 128);
    cr_assert_eq(e.table_id, 0);
    cr_assert_eq(e.duration_sec, 12);
    cr_assert_eq(e.duration_nsec, 0);
    cr_assert_eq(e.priority, 100);
    cr_assert_eq(e.idle_timeout, 60);
    cr_assert_eq(e.hard_timeout, 300);
    cr_assert_eq(e.flags, OFPFF_SEND_FLOW_REM);
    cr_assert_eq(e.cookie, 0xe1de000000000001ull);
    cr_assert_eq(e.packet_count, 3);
    cr_assert_eq(e.byte_count, 180);
    memset(&e, 0x5a, sizeof e);
    cr_assert_eq(ofp_next_flow_stats(&r, &ofs, &e), 1);
    cr_assert_eq(ofs, 208);
    cr_assert_eq(e.table_id, 2);
    cr_assert_eq(e.duration_sec, 100);
    cr_assert_eq(e.duration_nsec, 500000000);
    cr_assert_eq(e.priority, 0);
    cr_assert_eq(e.idle_timeout, 0);
    cr_assert_eq(e.hard_timeout, 0);
    cr_assert_eq(e.flags, 0);
    cr_assert_eq(e.cookie, 0);
    cr_assert_eq(e.packet_count, 7);
    cr_assert_eq(e.byte_count, 420);
    cr_assert_eq(ofp_next_flow_stats(&r, &ofs, &e), 0);
    cr_assert_eq(ofs, 208);
    free(p);
}

Test(decode, error)
{
    struct ofp_msg m;
    uint8_t *p = load(ERROR_TABLE_FULL_HEX, ERROR_TABLE_FULL_TXT, &m);
    cr_assert_eq(m.type, OFPT_ERROR);
    cr_assert_eq(m.xid, 0x10);
    struct ofp_error e;
    memset(&e, 0x5a, sizeof e);
    cr_assert_eq(ofp_decode_error(&m, &e), OFPDEC_OK);
    cr_assert_eq(e.type, OFPET_FLOW_MOD_FAILED);
    cr_assert_eq(e.code, OFPFMFC_TABLE_FULL);
    cr_assert_str_eq(ofp_error_type_str(e.type), "FLOW_MOD_FAILED");
    size_t fmlen;
    uint8_t *fm = unhex(FLOW_MOD_DROP_HEX, &fmlen);
    cr_assert_eq(e.data, p + 12);
    cr_assert_eq(e.data_len, fmlen);
    cr_assert_arr_eq(e.data, fm, fmlen);
    free(fm);
    free(p);
}

Test(decode, echo_request)
{
    struct ofp_msg m;
    uint8_t *p = load(ECHO_IN_HEX, ECHO_IN_TXT, &m);
    cr_assert_eq(m.version, OFP13_VERSION);
    cr_assert_eq(m.type, OFPT_ECHO_REQUEST);
    cr_assert_eq(m.length, 16);
    cr_assert_eq(m.xid, 0x11);
    cr_assert_eq(m.body_len, 8);
    cr_assert_arr_eq(m.body, ((uint8_t[]) { 0, 1, 2, 3, 4, 5, 6, 7 }), 8);
    free(p);
}

Test(decode, barrier_reply)
{
    struct ofp_msg m;
    uint8_t *p = load(BARRIER_REPLY_HEX, BARRIER_REPLY_TXT, &m);
    cr_assert_eq(m.version, OFP13_VERSION);
    cr_assert_eq(m.type, OFPT_BARRIER_REPLY);
    cr_assert_eq(m.length, 8);
    cr_assert_eq(m.xid, 5);
    cr_assert_eq(m.body_len, 0);
    free(p);
}

static void
assert_negotiates(const char *hex, const char *text, uint8_t version)
{
    struct ofp_msg m;
    uint8_t *p = load(hex, text, &m);
    cr_assert_eq(m.type, OFPT_HELLO);
    cr_assert_eq(ofp_hello_negotiate(&m), version, "HELLO %s", hex);
    free(p);
}

Test(hello, from_ovs_with_bitmap)
{
    assert_negotiates(HELLO_OVS_HEX, HELLO_OVS_TXT, OFP13_VERSION);
}

Test(hello, our_own)
{
    assert_negotiates(HELLO_HEX, HELLO_TXT, OFP13_VERSION);
}

Test(hello, version_1_3_without_bitmap)
{
    assert_negotiates(HELLO_BARE13_HEX, HELLO_BARE13_TXT, OFP13_VERSION);
}

Test(hello, bitmap_without_1_3)
{
    assert_negotiates(HELLO_NO13_HEX, HELLO_NO13_TXT, 0);
}

Test(hello, version_1_0_without_bitmap)
{
    assert_negotiates(HELLO_V10_HEX, HELLO_V10_TXT, 0);
}

Test(hello, version_1_5_without_bitmap)
{
    assert_negotiates(HELLO_V15_HEX, HELLO_V15_TXT, OFP13_VERSION);
}

Test(hello, unknown_element_before_bitmap)
{
    assert_negotiates(HELLO_UNKNOWN_HEX, HELLO_UNKNOWN_TXT, OFP13_VERSION);
}

/* ---- Truncations -------------------------------------------------------- */

/* Whatever a decoder hands back lies inside the message it was given. */
static void
assert_inside(const struct ofp_msg *m, const uint8_t *p, size_t len)
{
    uintptr_t lo = (uintptr_t) (m->body - OFP_HEADER_LEN);
    uintptr_t hi = (uintptr_t) (m->body + m->body_len);
    uintptr_t at = (uintptr_t) p;
    cr_assert(at >= lo && at <= hi && len <= hi - at,
              "decoded span [%td, %td) lies outside the %zu-byte buffer",
              (ptrdiff_t) (at - lo), (ptrdiff_t) (at - lo + len),
              m->body_len + OFP_HEADER_LEN);
}

typedef int decode_fn(const struct ofp_msg *);

static int
dec_features(const struct ofp_msg *m)
{
    struct ofp_features f;
    return ofp_decode_features(m, &f);
}

static int
dec_error(const struct ofp_msg *m)
{
    struct ofp_error e;
    int err = ofp_decode_error(m, &e);
    if (!err) {
        assert_inside(m, e.data, e.data_len);
    }
    return err;
}

static int
dec_packet_in(const struct ofp_msg *m)
{
    struct ofp_packet_in_msg pi;
    int err = ofp_decode_packet_in(m, &pi);
    if (!err) {
        assert_inside(m, pi.data, pi.data_len);
    }
    return err;
}

static int
dec_flow_removed(const struct ofp_msg *m)
{
    struct ofp_flow_removed_msg fr;
    return ofp_decode_flow_removed(m, &fr);
}

static int
dec_port_status(const struct ofp_msg *m)
{
    struct ofp_port_status_msg ps;
    return ofp_decode_port_status(m, &ps);
}

/* Walks the entries of a multipart reply as the controller does; every
 * step must move forward and stay inside the body. */
static int
dec_multipart(const struct ofp_msg *m, bool flows)
{
    struct ofp_multipart_reply r;
    int err = ofp_decode_multipart_reply(m, &r);
    if (err) {
        return err;
    }
    assert_inside(m, r.body, r.body_len);
    size_t ofs = 0;
    for (;;) {
        size_t before = ofs;
        struct ofp_port_info pi;
        struct ofp_flow_stats_entry e;
        int ret = flows ? ofp_next_flow_stats(&r, &ofs, &e)
                        : ofp_next_port(&r, &ofs, &pi);
        if (ret <= 0) {
            return ret;
        }
        cr_assert(ofs > before && ofs <= r.body_len,
                  "entry walk went from %zu to %zu in a %zu-byte body",
                  before, ofs, r.body_len);
    }
}

static int
dec_port_desc(const struct ofp_msg *m)
{
    return dec_multipart(m, false);
}

static int
dec_flow_stats(const struct ofp_msg *m)
{
    return dec_multipart(m, true);
}

static int
dec_hello(const struct ofp_msg *m)
{
    uint8_t v = ofp_hello_negotiate(m);
    cr_assert(v == 0 || v == OFP13_VERSION, "negotiated version %u", v);
    return 0;
}

struct trunc_case {
    const char *hex;
    decode_fn *decode;
    size_t ok_from;         /* prefixes this long or longer decode */
    size_t ok_at[2];        /* shorter ones that decode too (whole entries) */
};

static int
decode_prefix(const uint8_t *msg, size_t n, bool fix_len, decode_fn *decode,
              bool guard)
{
    struct guarded g;
    uint8_t *p = guard ? guarded_copy(&g, msg, n) : exact_copy(msg, n);
    if (fix_len) {
        put_be16(p + 2, (uint16_t) n);
    }
    struct ofp_msg m;
    ofp_msg_init(&m, p, n);
    int ret = decode(&m);
    if (guard) {
        guarded_free(&g);
    } else {
        free(p);
    }
    return ret;
}

/* Feeds every prefix of at least a header.  With 'fix_len' the length field
 * says the prefix's length, so a prefix decodes exactly when it holds whole
 * fixed parts and entries; otherwise the field still says the whole
 * message's length, and the decoder may return anything but must stay
 * inside the buffer. */
static void
truncations(const struct trunc_case *tc, bool fix_len)
{
    size_t full;
    uint8_t *msg = unhex(tc->hex, &full);
    for (size_t n = OFP_HEADER_LEN; n <= full; n++) {
        for (int guard = 0; guard < 2; guard++) {
            int ret = decode_prefix(msg, n, fix_len, tc->decode, guard);
            cr_assert(ret <= 0, "prefix %zu: returned %d", n, ret);
            bool ok = n >= tc->ok_from || n == tc->ok_at[0]
                      || n == tc->ok_at[1];
            if (fix_len || n == full) {
                cr_assert_eq(ret == OFPDEC_OK, ok,
                             "%zu-byte prefix of %zu: returned %d (%s)",
                             n, full, ret, ofp_dec_str(ret));
            }
        }
    }
    free(msg);
}

#define TRUNCATIONS(name, ...)                                          \
    static const struct trunc_case trunc_##name = { __VA_ARGS__ };      \
    Test(truncated, name##_length_fixed)                                \
    {                                                                   \
        truncations(&trunc_##name, true);                               \
    }                                                                   \
    Test(truncated, name##_length_kept)                                 \
    {                                                                   \
        truncations(&trunc_##name, false);                              \
    }

TRUNCATIONS(features_reply, FEATURES_REPLY_HEX, dec_features, 32, { 0, 0 })
TRUNCATIONS(error, ERROR_TABLE_FULL_HEX, dec_error, 12, { 0, 0 })
/* A PACKET_IN whose data is cut short is still one (max_len does that). */
TRUNCATIONS(packet_in, PACKET_IN_HEX, dec_packet_in, PACKET_IN_DATA_OFS,
            { 0, 0 })
TRUNCATIONS(flow_removed, FLOW_REMOVED_HEX, dec_flow_removed, 104, { 0, 0 })
TRUNCATIONS(port_status, PORT_STATUS_HEX, dec_port_status, 80, { 0, 0 })
TRUNCATIONS(port_desc, PORT_DESC_REPLY_HEX, dec_port_desc, 144, { 16, 80 })
TRUNCATIONS(flow_stats, FLOW_STATS_REPLY_HEX, dec_flow_stats, 224,
            { 16, 16 + 128 })
TRUNCATIONS(hello_ovs, HELLO_OVS_HEX, dec_hello, 8, { 0, 0 })
TRUNCATIONS(hello_no_1_3, HELLO_NO13_HEX, dec_hello, 8, { 0, 0 })
TRUNCATIONS(hello_unknown, HELLO_UNKNOWN_HEX, dec_hello, 8, { 0, 0 })

/* ---- Malformed matches (spec 7.2.3) ------------------------------------- */

/* The match of FLOW_REMOVED_HEX, 51 bytes padded to 56. */
#define TCP_MATCH_HEX \
    "0001 0033" \
    "  80000004 00000001" \
    "  80000a02 0800" \
    "  80001401 06" \
    "  80001604 c0000201" \
    "  80001804 c6336402" \
    "  80001a02 c000" \
    "  80001c02 0050" \
    "  0000000000"

/* ofp_decode_match() on an exact-size copy of 'hex'. */
static int
decode_match_hex(const char *hex, size_t *consumed,
                 struct ofp_match_fields *mf)
{
    size_t n;
    uint8_t *p = unhex(hex, &n);
    *consumed = 0xdead;
    int ret = ofp_decode_match(p, n, consumed, mf);
    if (ret == OFPDEC_OK) {
        cr_assert(*consumed <= n, "consumed %zu of %zu", *consumed, n);
    }
    free(p);
    return ret;
}

Test(match, in_port)
{
    size_t consumed;
    struct ofp_match_fields mf;
    cr_assert_eq(decode_match_hex("0001 000c 80000004 00000007 00000000",
                                  &consumed, &mf), OFPDEC_OK);
    cr_assert_eq(consumed, 16);
    cr_assert(mf.has_in_port);
    cr_assert_eq(mf.in_port, 7);
}

Test(match, empty)
{
    size_t consumed;
    struct ofp_match_fields mf;
    cr_assert_eq(decode_match_hex("0001 0004 00000000", &consumed, &mf),
                 OFPDEC_OK);
    cr_assert_eq(consumed, 8);
    cr_assert_not(mf.has_in_port);
}

Test(match, every_field)
{
    size_t consumed;
    struct ofp_match_fields mf;
    cr_assert_eq(decode_match_hex(TCP_MATCH_HEX, &consumed, &mf), OFPDEC_OK);
    cr_assert_eq(consumed, 56);
    cr_assert(mf.has_in_port);
    cr_assert_eq(mf.in_port, 1);
}

Test(match, malformed)
{
    static const struct {
        const char *why, *hex;
        int ret;
    } cases[] = {
        { "shorter than a match header", "0001 00", OFPDEC_SHORT },
        { "OFPMT_STANDARD (1.0 style) match", "0000 0004 00000000",
          OFPDEC_BAD_MATCH },
        { "match length 0", "0001 0000 00000000", OFPDEC_BAD_MATCH },
        { "match length 3", "0001 0003 00000000", OFPDEC_BAD_MATCH },
        { "padding missing", "0001 000c 80000004 00000007",
          OFPDEC_BAD_MATCH },
        { "match length beyond the buffer",
          "0001 0018 80000004 00000007 00000000", OFPDEC_BAD_MATCH },
        { "OXM payload beyond the match length",
          "0001 000c 80000008 00000007 00000000", OFPDEC_BAD_MATCH },
        { "OXM payload length 255", "0001 000c 800000ff 00000007 00000000",
          OFPDEC_BAD_MATCH },
        { "OXM header cut by the match length", "0001 0006 8000 0000",
          OFPDEC_BAD_MATCH },
        { "OXM header cut after a whole OXM",
          "0001 000e 80000004 00000007 8000 0000000000000000",
          OFPDEC_BAD_MATCH },
        { "in_port of 2 bytes", "0001 000a 80000002 0007 000000000000",
          OFPDEC_BAD_MATCH },
        { "masked in_port", "0001 0010 80000108 00000007 ffffffff",
          OFPDEC_BAD_MATCH },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t consumed;
        struct ofp_match_fields mf;
        int ret = decode_match_hex(cases[i].hex, &consumed, &mf);
        cr_assert_eq(ret, cases[i].ret, "%s: returned %d (%s)",
                     cases[i].why, ret, ofp_dec_str(ret));
    }
}

/* Every value of the match length field, on an exact-size buffer. */
Test(match, every_match_length)
{
    size_t n;
    uint8_t *g = unhex(TCP_MATCH_HEX, &n);
    for (uint32_t len = 0; len <= 0xffff; len++) {
        uint8_t *p = exact_copy(g, n);
        put_be16(p + 2, (uint16_t) len);
        size_t consumed = 0;
        struct ofp_match_fields mf;
        int ret = ofp_decode_match(p, n, &consumed, &mf);
        size_t padded = (len + 7) / 8 * 8;
        if (len == 0x33) {
            cr_assert_eq(ret, OFPDEC_OK);
        }
        if (len < 4 || padded > n) {
            cr_assert_eq(ret, OFPDEC_BAD_MATCH, "length %u: returned %d",
                         len, ret);
        }
        if (ret == OFPDEC_OK) {
            cr_assert_eq(consumed, padded, "length %u: consumed %zu", len,
                         consumed);
        }
        free(p);
    }
    free(g);
}

/* Every value of every OXM's length byte, on an exact-size buffer. */
Test(match, every_oxm_length)
{
    size_t n;
    uint8_t *g = unhex(TCP_MATCH_HEX, &n);
    for (size_t o = 4; o < get_be16(g + 2); o += 4 + g[o + 3]) {
        for (unsigned len = 0; len <= 0xff; len++) {
            uint8_t *p = exact_copy(g, n);
            p[o + 3] = (uint8_t) len;
            size_t consumed = 0;
            struct ofp_match_fields mf;
            int ret = ofp_decode_match(p, n, &consumed, &mf);
            cr_assert(ret == OFPDEC_OK || ret == OFPDEC_BAD_MATCH,
                      "OXM at %zu, length %u: returned %d", o, len, ret);
            if (len == g[o + 3]) {
                cr_assert_eq(ret, OFPDEC_OK);
            }
            if (ret == OFPDEC_OK) {
                cr_assert_eq(consumed, 56);
            }
            free(p);
        }
    }
    free(g);
}

static int
decode_patched(const char *hex, size_t ofs, const uint8_t *bytes, size_t len,
               decode_fn *decode)
{
    size_t n;
    uint8_t *p = unhex(hex, &n);
    cr_assert(ofs + len <= n);
    memcpy(p + ofs, bytes, len);
    struct ofp_msg m;
    ofp_msg_init(&m, p, n);
    int ret = decode(&m);
    free(p);
    return ret;
}

#define PATCH(...) (const uint8_t[]) { __VA_ARGS__ }, \
    sizeof (const uint8_t[]) { __VA_ARGS__ }

Test(match, in_packet_in)
{
    /* The match header is at offset 24, its in_port OXM at 28. */
    cr_assert_eq(decode_patched(PACKET_IN_HEX, 31, PATCH(0x08),
                                dec_packet_in), OFPDEC_BAD_MATCH);
    cr_assert_eq(decode_patched(PACKET_IN_HEX, 31, PATCH(0xff),
                                dec_packet_in), OFPDEC_BAD_MATCH);
    cr_assert_eq(decode_patched(PACKET_IN_HEX, 26, PATCH(0x00, 0x5c),
                                dec_packet_in), OFPDEC_BAD_MATCH);
    cr_assert_eq(decode_patched(PACKET_IN_HEX, 26, PATCH(0xff, 0xff),
                                dec_packet_in), OFPDEC_BAD_MATCH);
    cr_assert_eq(decode_patched(PACKET_IN_HEX, 26, PATCH(0x00, 0x02),
                                dec_packet_in), OFPDEC_BAD_MATCH);
    /* The controller needs in_port: eth_type=0x0800 instead is an error. */
    cr_assert_eq(decode_patched(PACKET_IN_HEX, 26,
                                PATCH(0x00, 0x0a, 0x80, 0x00, 0x0a, 0x02,
                                      0x08, 0x00, 0, 0),
                                dec_packet_in), OFPDEC_BAD_MATCH);
}

Test(match, in_flow_removed)
{
    /* The match is at offset 48; its first OXM's length byte at 55. */
    cr_assert_eq(decode_patched(FLOW_REMOVED_HEX, 55, PATCH(0x60),
                                dec_flow_removed), OFPDEC_BAD_MATCH);
    cr_assert_eq(decode_patched(FLOW_REMOVED_HEX, 50, PATCH(0x00, 0x39),
                                dec_flow_removed), OFPDEC_BAD_MATCH);
    cr_assert_eq(decode_patched(FLOW_REMOVED_HEX, 48, PATCH(0x00, 0x00),
                                dec_flow_removed), OFPDEC_BAD_MATCH);
}

/* ---- Multipart entries with bad lengths --------------------------------- */

/* Decodes the multipart reply 'hex' with 'bytes' written at 'ofs' and walks
 * its entries: returns how many decoded, and the walk's last result in
 * *end. */
static size_t
walk_patched(const char *hex, size_t ofs, const uint8_t *bytes, size_t len,
             bool flows, int *end)
{
    size_t n;
    uint8_t *p = unhex(hex, &n);
    cr_assert(ofs + len <= n);
    memcpy(p + ofs, bytes, len);
    struct ofp_msg m;
    ofp_msg_init(&m, p, n);
    struct ofp_multipart_reply r;
    cr_assert_eq(ofp_decode_multipart_reply(&m, &r), OFPDEC_OK);
    size_t count = 0, at = 0;
    int ret;
    for (;;) {
        size_t before = at;
        struct ofp_port_info pi;
        struct ofp_flow_stats_entry e;
        ret = flows ? ofp_next_flow_stats(&r, &at, &e)
                    : ofp_next_port(&r, &at, &pi);
        if (ret != 1) {
            cr_assert_eq(at, before, "a failed step moved the offset");
            break;
        }
        cr_assert(at > before && at <= r.body_len,
                  "entry walk went from %zu to %zu", before, at);
        count++;
    }
    free(p);
    *end = ret;
    return count;
}

Test(flow_stats, entry_lengths)
{
    static const struct {
        const char *why;
        size_t ofs;
        uint16_t len;
        size_t entries;     /* decoded before the error */
    } cases[] = {
        { "first entry length 0", FLOW_STATS_ENTRY1_OFS, 0, 0 },
        { "first entry length 8", FLOW_STATS_ENTRY1_OFS, 8, 0 },
        { "first entry without a match", FLOW_STATS_ENTRY1_OFS, 48, 0 },
        { "first entry cutting its match", FLOW_STATS_ENTRY1_OFS, 56, 0 },
        { "first entry beyond the body", FLOW_STATS_ENTRY1_OFS, 209, 0 },
        { "first entry length 65535", FLOW_STATS_ENTRY1_OFS, 0xffff, 0 },
        { "second entry length 0", FLOW_STATS_ENTRY2_OFS, 0, 1 },
        { "second entry length 55", FLOW_STATS_ENTRY2_OFS, 55, 1 },
        { "second entry beyond the body", FLOW_STATS_ENTRY2_OFS, 81, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint8_t len[2] = { cases[i].len >> 8, cases[i].len & 0xff };
        int end;
        size_t count = walk_patched(FLOW_STATS_REPLY_HEX, cases[i].ofs, len,
                                    2, true, &end);
        cr_assert_eq(count, cases[i].entries, "%s: %zu entries",
                     cases[i].why, count);
        cr_assert_lt(end, 0, "%s: walk ended with %d", cases[i].why, end);
    }
}

Test(flow_stats, entry_with_bad_match)
{
    int end;
    /* The first entry's match starts at 16 + 48; its in_port OXM length
     * byte is 7 bytes in. */
    size_t count = walk_patched(FLOW_STATS_REPLY_HEX, 16 + 48 + 7,
                                PATCH(0x7f), true, &end);
    cr_assert_eq(count, 0);
    cr_assert_eq(end, OFPDEC_BAD_MATCH);
}

/* Bytes after the last whole entry, fewer than the smallest entry, are an
 * error, not a silent end. */
static void
assert_trailing_bytes_rejected(const char *hex, bool flows, size_t entries)
{
    size_t n;
    uint8_t *g = unhex(hex, &n);
    for (size_t extra = 1; extra < 56; extra++) {
        uint8_t *p = malloc(n + extra);
        cr_assert(p);
        memcpy(p, g, n);
        memset(p + n, 0, extra);
        put_be16(p + 2, (uint16_t) (n + extra));
        struct ofp_msg m;
        ofp_msg_init(&m, p, n + extra);
        struct ofp_multipart_reply r;
        cr_assert_eq(ofp_decode_multipart_reply(&m, &r), OFPDEC_OK);
        size_t at = 0, count = 0;
        int ret;
        struct ofp_port_info pi;
        struct ofp_flow_stats_entry e;
        while ((ret = flows ? ofp_next_flow_stats(&r, &at, &e)
                            : ofp_next_port(&r, &at, &pi)) == 1) {
            cr_assert_leq(++count, entries);
        }
        cr_assert_eq(count, entries, "%zu extra bytes", extra);
        cr_assert_lt(ret, 0, "%zu extra bytes: walk ended with %d", extra,
                     ret);
        free(p);
    }
    free(g);
}

Test(flow_stats, trailing_bytes)
{
    assert_trailing_bytes_rejected(FLOW_STATS_REPLY_HEX, true, 2);
}

Test(port_desc, trailing_bytes)
{
    assert_trailing_bytes_rejected(PORT_DESC_REPLY_HEX, false, 2);
}

/* ---- Framing ------------------------------------------------------------ */

static const char *const every_golden[] = {
    HELLO_HEX, ERROR_HELLO_HEX, ERROR_BAD_TYPE_HEX, ECHO_REQUEST_HEX,
    ECHO_PROBE_HEX, ECHO_REPLY_HEX, FEATURES_REQUEST_HEX, BARRIER_REQUEST_HEX,
    SET_CONFIG_HEX, PORT_DESC_REQUEST_HEX, FLOW_STATS_REQUEST_HEX,
    FLOW_STATS_REQUEST_T0_HEX, FLOW_MOD_ADD_TCP_HEX, FLOW_MOD_ADD_UDP_HEX,
    FLOW_MOD_DELETE_HEX, FLOW_MOD_DELETE_OUT_HEX, FLOW_MOD_DELETE_STRICT_HEX,
    FLOW_MOD_DROP_HEX, PACKET_OUT_HEX, FEATURES_REPLY_HEX, PACKET_IN_HEX,
    FLOW_REMOVED_HEX, PORT_STATUS_HEX, PORT_DESC_REPLY_HEX,
    FLOW_STATS_REPLY_HEX, ERROR_TABLE_FULL_HEX, ECHO_IN_HEX, HELLO_OVS_HEX,
    HELLO_BARE13_HEX, HELLO_NO13_HEX, HELLO_V10_HEX, HELLO_V15_HEX,
    HELLO_UNKNOWN_HEX, BARRIER_REPLY_HEX,
};

static int
frame_copy(const uint8_t *src, size_t n)
{
    uint8_t *p = exact_copy(src, n ? n : 1);
    int ret = ofp_frame(p, n);
    free(p);
    return ret;
}

/* Every prefix of every golden message is partial, the whole message is
 * one frame, and so is it when the next message follows. */
Test(frame, every_prefix_of_every_golden)
{
    for (size_t i = 0; i < sizeof every_golden / sizeof *every_golden; i++) {
        size_t n;
        uint8_t *g = unhex(every_golden[i], &n);
        for (size_t len = 0; len < n; len++) {
            cr_assert_eq(frame_copy(g, len), 0, "%zu of %zu bytes of %s",
                         len, n, every_golden[i]);
        }
        cr_assert_eq(frame_copy(g, n), (int) n, "%s", every_golden[i]);
        uint8_t *two = malloc(2 * n);
        cr_assert(two);
        memcpy(two, g, n);
        memcpy(two + n, g, n);
        for (size_t len = n; len <= 2 * n; len++) {
            cr_assert_eq(frame_copy(two, len), (int) n);
        }
        free(two);
        free(g);
    }
}

Test(frame, length_below_header)
{
    for (uint16_t len = 0; len < OFP_HEADER_LEN; len++) {
        uint8_t h[16] = { OFP13_VERSION, OFPT_HELLO, 0, 0, 0, 0, 0, 1 };
        put_be16(h + 2, len);
        cr_assert_eq(frame_copy(h, 8), -1, "length field %u", len);
        cr_assert_eq(frame_copy(h, 16), -1, "length field %u", len);
        /* Fewer than 8 bytes: the header is not complete yet. */
        cr_assert_eq(frame_copy(h, 7), 0, "length field %u", len);
    }
}

Test(frame, largest_message)
{
    uint8_t h[8] = { OFP13_VERSION, OFPT_PACKET_IN, 0xff, 0xff, 0, 0, 0, 1 };
    cr_assert_eq(frame_copy(h, 8), 0);
    uint8_t *big = calloc(1, OFP_MAX_MSG_LEN);
    cr_assert(big);
    memcpy(big, h, 8);
    cr_assert_eq(frame_copy(big, OFP_MAX_MSG_LEN), OFP_MAX_MSG_LEN);
    free(big);
}

/* ---- Names -------------------------------------------------------------- */

Test(names, types_errors_and_decode_results)
{
    cr_assert_str_eq(ofp_type_str(OFPT_HELLO), "HELLO");
    cr_assert_str_eq(ofp_type_str(OFPT_PACKET_IN), "PACKET_IN");
    cr_assert_str_eq(ofp_type_str(OFPT_MULTIPART_REPLY), "MULTIPART_REPLY");
    cr_assert_str_eq(ofp_type_str(OFPT_BARRIER_REPLY), "BARRIER_REPLY");
    cr_assert_str_eq(ofp_type_str(OFPT_ROLE_REQUEST), "ROLE_REQUEST");
    cr_assert_str_eq(ofp_type_str(OFPT_METER_MOD), "METER_MOD");
    cr_assert_str_eq(ofp_type_str(30), "UNKNOWN");
    cr_assert_str_eq(ofp_type_str(255), "UNKNOWN");
    cr_assert_str_eq(ofp_error_type_str(OFPET_HELLO_FAILED), "HELLO_FAILED");
    cr_assert_str_eq(ofp_error_type_str(OFPET_TABLE_FEATURES_FAILED),
                     "TABLE_FEATURES_FAILED");
    cr_assert_str_eq(ofp_error_type_str(14), "UNKNOWN");
    cr_assert_str_eq(ofp_error_type_str(OFPET_EXPERIMENTER), "EXPERIMENTER");
    cr_assert_str_eq(ofp_dec_str(OFPDEC_OK), "ok");
    cr_assert_str_eq(ofp_dec_str(OFPDEC_BAD_MATCH), "malformed match");
    cr_assert_str_eq(ofp_dec_str(-99), "unknown decode error");
}

/* ---- Decoding what the controller sends (the unit tests' switch model) */

static void
decode_one(const struct buf *b, struct ofp_msg *m)
{
    int len = ofp_frame(b->data, b->len);
    cr_assert_eq(len, (int) b->len);
    ofp_msg_init(m, b->data, b->len);
}

Test(decode_sent, flow_mod_round_trip)
{
    struct ofp_act acts[2] = { OFP_OUTPUT(2),
                               OFP_OUTPUT_TRUNC(3, 128) };
    struct ofp_flow_mod_spec in = {
        .cookie = 0xe1de8000000a0007ull, .cookie_mask = 0, .table_id = 0,
        .command = OFPFC_ADD, .idle_timeout = 10, .hard_timeout = 0,
        .priority = 300, .flags = OFPFF_SEND_FLOW_REM,
        .match = { .fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_IPV4_SRC
                             | OFPM_IPV4_DST | OFPM_TCP_SRC | OFPM_TCP_DST
                             | OFPM_TCP_FLAGS,
                   .eth_type = 0x0800, .ip_proto = 6, .ipv4_src = 0x0a000001,
                   .ipv4_dst = 0x0a000002, .tp_src = 40000, .tp_dst = 80,
                   .tcp_flags = 0x08, .tcp_flags_mask = 0x08 },
        .acts = acts, .n_acts = 2,
    };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 7, &in);
    struct ofp_msg m;
    decode_one(&b, &m);
    struct ofp_flow_mod_msg out;
    cr_assert_eq(ofp_decode_flow_mod(&m, &out), 0);
    const struct ofp_flow_mod_spec *o = &out.spec;
    cr_assert_eq(o->cookie, in.cookie);
    cr_assert_eq(o->command, OFPFC_ADD);
    cr_assert_eq(o->idle_timeout, 10);
    cr_assert_eq(o->priority, 300);
    cr_assert_eq(o->flags, OFPFF_SEND_FLOW_REM);
    cr_assert_eq(o->out_port, OFPP_ANY);
    cr_assert_eq(o->match.fields, in.match.fields);
    cr_assert_eq(o->match.ipv4_src, in.match.ipv4_src);
    cr_assert_eq(o->match.ipv4_dst, in.match.ipv4_dst);
    cr_assert_eq(o->match.tp_src, 40000);
    cr_assert_eq(o->match.tp_dst, 80);
    cr_assert_eq(o->match.tcp_flags, 0x08);
    cr_assert_eq(o->match.tcp_flags_mask, 0x08);
    cr_assert_eq(o->n_acts, 2);
    cr_assert(o->acts[0].kind == OFPACT_OUTPUT && o->acts[0].port == 2);
    cr_assert(o->acts[1].kind == OFPACT_OUTPUT_TRUNC && o->acts[1].port == 3
              && o->acts[1].max_len == 128);
    /* Every truncation of it is refused or, cut where the instructions
     * begin, a valid rule without actions; never read past (ASan). */
    for (size_t n = 8; n < b.len; n++) {
        uint8_t *cut = malloc(n);
        cr_assert(cut);
        memcpy(cut, b.data, n);
        put_be16(cut + 2, (uint16_t) n);
        struct ofp_msg mc;
        ofp_msg_init(&mc, cut, n);
        int rc = ofp_decode_flow_mod(&mc, &out);
        cr_assert(rc != 0 || out.spec.n_acts == 0, "%zu bytes", n);
        free(cut);
    }
    buf_free(&b);
}

Test(decode_sent, delete_and_packet_out)
{
    struct ofp_flow_mod_spec del = {
        .cookie = 0xe1de000000000000ull, .cookie_mask = 0xffff000000000000ull,
        .table_id = OFPTT_ALL, .command = OFPFC_DELETE,
    };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 1, &del);
    struct ofp_msg m;
    decode_one(&b, &m);
    struct ofp_flow_mod_msg fm;
    cr_assert_eq(ofp_decode_flow_mod(&m, &fm), 0);
    cr_assert_eq(fm.spec.command, OFPFC_DELETE);
    cr_assert_eq(fm.spec.cookie_mask, del.cookie_mask);
    cr_assert_eq(fm.spec.table_id, OFPTT_ALL);
    cr_assert_eq(fm.spec.match.fields, 0);
    cr_assert_eq(fm.spec.n_acts, 0);

    buf_clear(&b);
    static const uint8_t frame[60] = { 1, 2, 3 };
    struct ofp_act acts[2] = { OFP_OUTPUT(1),
                               OFP_OUTPUT_TRUNC(3, 54) };
    ofp_put_packet_out(&b, 2, 2, acts, 2, frame, sizeof frame);
    decode_one(&b, &m);
    struct ofp_packet_out_msg po;
    cr_assert_eq(ofp_decode_packet_out(&m, &po), 0);
    cr_assert_eq(po.in_port, 2);
    cr_assert_eq(po.n_acts, 2);
    cr_assert(po.acts[1].kind == OFPACT_OUTPUT_TRUNC && po.acts[1].max_len == 54);
    cr_assert_eq(po.data_len, sizeof frame);
    cr_assert_eq(memcmp(po.data, frame, sizeof frame), 0);
    /* An actions length past the message. */
    put_be16(b.data + 16, 0x400);
    cr_assert_eq(ofp_decode_packet_out(&m, &po), OFPDEC_BAD_LEN);
    buf_free(&b);
}

/* ---- Open vSwitch's connection tracker (the conntrack realization) ---- */

/* A rule of a phase: tracked established TCP whose ct_mark is 5 in its low
 * byte recirculates through ct(commit) into table 2, setting ct_mark 6 on
 * the way, and goes out on port 2.  Wire form as Open vSwitch's own
 * ovs-ofctl sends it (captured: NXM_NX_CT_STATE 0001d308, NXM_NX_CT_MARK
 * 0001d708, NXAST_CT with a nested OFPAT_SET_FIELD). */
#define FLOW_MOD_CT_HEX \
    "04 0e 0098 00000021  e1de000000000001 0000000000000000 01 00" \
    "  0000 0000 012c ffffffff ffffffff ffffffff 0000 0000" \
    "  0001 0027  80000a02 0800  80001401 06" \
    "    0001d308 00000022 00000022  0001d708 00000005 000000ff  00" \
    "  0004 0040 00000000" \
    "    ffff 0028 00002320 0023 0001 00000000 0000 02 000000 0000" \
    "      0019 0010 0001d604 00000006 00000000" \
    "    0000 0010 00000002 0000 000000000000"
#define FLOW_MOD_CT_TXT \
    "OFPT_FLOW_MOD (OF1.3) (xid=0x21): ADD table:1 priority=300," \
    "ct_state=+est+trk,ct_mark=0x5/0xff,tcp cookie:0xe1de000000000001 " \
    "actions=ct(commit,table=2,exec(set_field:0x6->ct_mark)),output:2"

static const struct ofp_act ct_acts[] = {
    { .kind = OFPACT_CT, .ct_commit = true, .ct_table = 2,
      .ct_set_mark = true, .ct_mark = 6 },
    { .kind = OFPACT_OUTPUT, .port = 2 },
};

static const struct ofp_flow_mod_spec ct_flow_mod = {
    .cookie = 0xe1de000000000001ull, .table_id = 1, .command = OFPFC_ADD,
    .priority = 300,
    .match = { .fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_CT_STATE
                         | OFPM_CT_MARK,
               .eth_type = 0x0800, .ip_proto = 6,
               .ct_state = OFP_CS_TRK | OFP_CS_EST,
               .ct_state_mask = OFP_CS_TRK | OFP_CS_EST,
               .ct_mark = 5, .ct_mark_mask = 0xff },
    .acts = ct_acts, .n_acts = 2,
};

Test(encode, flow_mod_ct_match_and_action)
{
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0x21, &ct_flow_mod);
    assert_encoded(&b, FLOW_MOD_CT_HEX, FLOW_MOD_CT_TXT);
    buf_free(&b);
}

/* A Packet-Out that commits its connection with a new mark: the phase
 * changes with the packet that ends the old one (issue 10). */
#define PACKET_OUT_CT_HEX \
    "04 0d 007a 00000022  ffffffff 00000001 0038 000000000000" \
    "  ffff 0028 00002320 0023 0001 00000000 0000 ff 000000 0000" \
    "    0019 0010 0001d604 00000009 00000000" \
    "  0000 0010 00000002 0000 000000000000" \
    "  " ARP_FRAME_HEX
#define PACKET_OUT_CT_TXT \
    "OFPT_PACKET_OUT (OF1.3) (xid=0x22): in_port=1 " \
    "actions=ct(commit,exec(set_field:0x9->ct_mark)),output:2 data_len=42\n" \
    "arp,vlan_tci=0x0000,dl_src=00:00:5e:00:53:01,dl_dst=00:00:5e:00:53:02," \
    "arp_spa=192.0.2.1,arp_tpa=198.51.100.2,arp_op=1," \
    "arp_sha=00:00:5e:00:53:01,arp_tha=00:00:00:00:00:00"

Test(encode, packet_out_ct_commit)
{
    const struct ofp_act acts[] = {
        { .kind = OFPACT_CT, .ct_commit = true, .ct_table = OFP_CT_NO_TABLE,
          .ct_set_mark = true, .ct_mark = 9 },
        OFP_OUTPUT(2),
    };
    struct buf b;
    buf_init(&b);
    ofp_put_packet_out(&b, 0x22, 1, acts, 2, arp_frame, sizeof arp_frame);
    assert_encoded(&b, PACKET_OUT_CT_HEX, PACKET_OUT_CT_TXT);
    buf_free(&b);
}

Test(decode_sent, ct_round_trip)
{
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0x21, &ct_flow_mod);
    struct ofp_msg m;
    decode_one(&b, &m);
    struct ofp_flow_mod_msg fm;
    cr_assert_eq(ofp_decode_flow_mod(&m, &fm), 0);
    const struct ofp_match_spec *mt = &fm.spec.match;
    cr_assert_eq(mt->fields, ct_flow_mod.match.fields);
    cr_assert(mt->ct_state == 0x22 && mt->ct_state_mask == 0x22);
    cr_assert(mt->ct_mark == 5 && mt->ct_mark_mask == 0xff);
    cr_assert_eq(fm.spec.n_acts, 2);
    const struct ofp_act *a = &fm.spec.acts[0];
    cr_assert(a->kind == OFPACT_CT && a->ct_commit && a->ct_table == 2
              && a->ct_set_mark && a->ct_mark == 6);
    cr_assert(fm.spec.acts[1].kind == OFPACT_OUTPUT
              && fm.spec.acts[1].port == 2);
    /* A zone, an ALG or unknown flags are not what the controller sends. */
    size_t ct_at = b.len - 16 - 40;
    cr_assert_eq(get_be16(b.data + ct_at + 8), 0x0023);
    b.data[ct_at + 17] = 1;                 /* zone_imm = 1 */
    cr_assert_eq(ofp_decode_flow_mod(&m, &fm), OFPDEC_BAD_VALUE);
    buf_free(&b);
}

/* A phase rule of ct.c: table 1, forward and mirror by going on to table
 * 2 (OFPIT_GOTO_TABLE after the apply-actions instruction). */
#define FLOW_MOD_GOTO_HEX \
    "04 0e 0078 00000023  e1de000000000000 0000000000000000 01 00" \
    "  0000 0000 00fa ffffffff ffffffff ffffffff 0000 0000" \
    "  0001 0021  80000a02 0800  80001401 06  80001c02 0050" \
    "    0001d708 5a000008 ff00001c  00000000000000" \
    "  0004 0018 00000000  0000 0010 00000003 0000 000000000000" \
    "  0001 0008 02 000000"
#define FLOW_MOD_GOTO_TXT \
    "OFPT_FLOW_MOD (OF1.3) (xid=0x23): ADD table:1 priority=250," \
    "ct_mark=0x5a000008/0xff00001c,tcp,tp_dst=80 " \
    "cookie:0xe1de000000000000 actions=output:3,goto_table:2"

Test(encode, flow_mod_goto_table)
{
    const struct ofp_act out = OFP_OUTPUT(3);
    const struct ofp_flow_mod_spec fm = {
        .cookie = 0xe1de000000000000ull, .table_id = 1, .command = OFPFC_ADD,
        .priority = 250,
        .match = { .fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_TCP_DST
                             | OFPM_CT_MARK,
                   .eth_type = 0x0800, .ip_proto = 6, .tp_dst = 80,
                   .ct_mark = 0x5a000008, .ct_mark_mask = 0xff00001c },
        .acts = &out, .n_acts = 1, .goto_table = 2,
    };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0x23, &fm);
    assert_encoded(&b, FLOW_MOD_GOTO_HEX, FLOW_MOD_GOTO_TXT);
    struct ofp_msg m;
    decode_one(&b, &m);
    struct ofp_flow_mod_msg d;
    cr_assert_eq(ofp_decode_flow_mod(&m, &d), 0);
    cr_assert_eq(d.spec.goto_table, 2);
    cr_assert_eq(d.spec.n_acts, 1);
    /* Going back (to a table at or before its own) is refused. */
    b.data[b.len - 4] = 1;
    cr_assert_eq(ofp_decode_flow_mod(&m, &d), OFPDEC_BAD_VALUE);
    buf_free(&b);
}

/* Body mirroring under a meter (--mirror-budget): table 0 forwards and goes
 * on; the next table meters, then mirrors.  OFPIT_METER comes first (spec
 * 5.9: the meter applies before the actions). */
#define FLOW_MOD_METER_HEX \
    "04 0e 0058 00000024  0000000000000000 0000000000000000 06 00" \
    "  0000 0000 0001 ffffffff ffffffff ffffffff 0000 0000" \
    "  0001 0004 00000000" \
    "  0006 0008 00000001" \
    "  0004 0018 00000000  0000 0010 00000001 0000 000000000000"
#define FLOW_MOD_METER_TXT \
    "OFPT_FLOW_MOD (OF1.3) (xid=0x24): ADD table:6 priority=1 " \
    "actions=meter:1,output:1"

Test(encode, flow_mod_meter)
{
    const struct ofp_act out = OFP_OUTPUT(1);
    const struct ofp_flow_mod_spec fm = {
        .table_id = 6, .command = OFPFC_ADD, .priority = 1,
        .acts = &out, .n_acts = 1, .meter_id = 1,
    };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0x24, &fm);
    assert_encoded(&b, FLOW_MOD_METER_HEX, FLOW_MOD_METER_TXT);
    struct ofp_msg m;
    decode_one(&b, &m);
    struct ofp_flow_mod_msg d;
    cr_assert_eq(ofp_decode_flow_mod(&m, &d), 0);
    cr_assert_eq(d.spec.meter_id, 1);
    cr_assert_eq(d.spec.n_acts, 1);
    b.data[b.len - 25] = 0;                 /* meter 0 does not exist */
    cr_assert_eq(ofp_decode_flow_mod(&m, &d), OFPDEC_BAD_VALUE);
    buf_free(&b);
}

#define METER_MOD_ADD_HEX \
    "04 1d 0020 0000000d  0000 000d 00000001" \
    "  0001 0010 00001f40 00000040 00000000"
#define METER_MOD_ADD_TXT \
    "OFPT_METER_MOD (OF1.3) (xid=0xd): ADD meter=1 kbps burst stats bands=\n" \
    "type=drop rate=8000 burst_size=64"
#define METER_MOD_DEL_HEX "04 1d 0010 0000000e  0002 0000 00000001"
#define METER_MOD_DEL_TXT "OFPT_METER_MOD (OF1.3) (xid=0xe): DEL meter=1 bands="
#define METER_MOD_NOBURST_TXT \
    "OFPT_METER_MOD (OF1.3) (xid=0xf): MOD meter=2 kbps stats bands=\n" \
    "type=drop rate=1000"

Test(encode, meter_mod)
{
    struct buf b;
    buf_init(&b);
    ofp_put_meter_mod(&b, 0xd, OFPMC_ADD, 1, 8000, 64);
    assert_encoded(&b, METER_MOD_ADD_HEX, METER_MOD_ADD_TXT);
    buf_clear(&b);
    ofp_put_meter_mod(&b, 0xe, OFPMC_DELETE, 1, 8000, 64);
    assert_encoded(&b, METER_MOD_DEL_HEX, METER_MOD_DEL_TXT);
    buf_clear(&b);
    ofp_put_meter_mod(&b, 0xf, OFPMC_MODIFY, 2, 1000, 0);
    assert_encoded(&b, "04 1d 0020 0000000f  0001 0009 00000002"
                   "  0001 0010 000003e8 00000000 00000000",
                   METER_MOD_NOBURST_TXT);
    buf_free(&b);
}

#define METER_STATS_REQUEST_HEX "04 12 0018 00000007  0009 0000 00000000 ffffffff 00000000"
#define METER_STATS_REQUEST_TXT "OFPST_METER request (OF1.3) (xid=0x7): meter=all"
#define METER_FEATURES_REQUEST_HEX "04 12 0010 00000008  000b 0000 00000000"
#define METER_FEATURES_REQUEST_TXT "OFPST_METER_FEATURES request (OF1.3) (xid=0x8):"

Test(encode, meter_requests)
{
    struct buf b;
    buf_init(&b);
    ofp_put_meter_stats_request(&b, 7, OFPM_ALL);
    assert_encoded(&b, METER_STATS_REQUEST_HEX, METER_STATS_REQUEST_TXT);
    buf_clear(&b);
    ofp_put_meter_features_request(&b, 8);
    assert_encoded(&b, METER_FEATURES_REQUEST_HEX, METER_FEATURES_REQUEST_TXT);
    buf_free(&b);
}

/* Spec 7.3.5.13: meter_id, len, pad, flow_count, packets and bytes in,
 * duration, then one ofp_meter_band_stats per band. */
#define METER_STATS_REPLY_HEX \
    "04 13 0048 00000007  0009 0000 00000000" \
    "  00000001 0038 000000000000 00000002 000000000000000a" \
    "  0000000000003a98 0000002a 1dcd6500" \
    "  0000000000000003 00000000000011a0"
#define METER_STATS_REPLY_TXT \
    "OFPST_METER reply (OF1.3) (xid=0x7):\n" \
    "meter:1 flow_count:2 packet_in_count:10 byte_in_count:15000 " \
    "duration:42.500s bands:\n" \
    "0: packet_count:3 byte_count:4512"
#define METER_FEATURES_REPLY_HEX \
    "04 13 0020 00000008  000b 0000 00000000" \
    "  00040000 00000002 0000000f 08 00 0000"
#define METER_FEATURES_REPLY_TXT \
    "OFPST_METER_FEATURES reply (OF1.3) (xid=0x8):\n" \
    "max_meter:262144 max_bands:8 max_color:0\n" \
    "band_types: drop\n" \
    "capabilities: kbps pktps burst stats"

Test(decode, multipart_meter_stats)
{
    char *txt = ofp_print(METER_STATS_REPLY_HEX);
    cr_assert_str_eq(txt, METER_STATS_REPLY_TXT);
    free(txt);
    size_t n;
    uint8_t *p = unhex(METER_STATS_REPLY_HEX, &n);
    struct ofp_msg m;
    ofp_msg_init(&m, p, n);
    struct ofp_multipart_reply r;
    cr_assert_eq(ofp_decode_multipart_reply(&m, &r), 0);
    cr_assert_eq(r.type, OFPMP_METER);
    size_t ofs = 0;
    struct ofp_meter_stats_entry e;
    cr_assert_eq(ofp_next_meter_stats(&r, &ofs, &e), 1);
    cr_assert_eq(e.meter_id, 1);
    cr_assert_eq(e.flow_count, 2);
    cr_assert_eq(e.packets_in, 10);
    cr_assert_eq(e.bytes_in, 15000);
    cr_assert_eq(e.band_packets, 3);
    cr_assert_eq(e.band_bytes, 4512);
    cr_assert_eq(e.duration_ms, 42500);
    cr_assert_eq(ofp_next_meter_stats(&r, &ofs, &e), 0);
    /* A band cut short, a length past the body: errors, not reads. */
    p[16 + 5] = 0x3c;
    ofs = 0;
    cr_assert_lt(ofp_next_meter_stats(&r, &ofs, &e), 0);
    p[16 + 5] = 0x50;
    ofs = 0;
    cr_assert_lt(ofp_next_meter_stats(&r, &ofs, &e), 0);
    free(p);
}

Test(decode, multipart_meter_features)
{
    char *txt = ofp_print(METER_FEATURES_REPLY_HEX);
    cr_assert_str_eq(txt, METER_FEATURES_REPLY_TXT);
    free(txt);
    size_t n;
    uint8_t *p = unhex(METER_FEATURES_REPLY_HEX, &n);
    struct ofp_msg m;
    ofp_msg_init(&m, p, n);
    struct ofp_multipart_reply r;
    cr_assert_eq(ofp_decode_multipart_reply(&m, &r), 0);
    struct ofp_meter_features_info f;
    cr_assert_eq(ofp_decode_meter_features(&r, &f), 0);
    cr_assert_eq(f.max_meter, 262144);
    cr_assert_eq(f.band_types, 1u << OFPMBT_DROP);
    cr_assert_eq(f.max_bands, 8);
    r.body_len = 15;
    cr_assert_eq(ofp_decode_meter_features(&r, &f), OFPDEC_SHORT);
    free(p);
}

/* What Open vSwitch 3.1 sends for a packet that went through ct():
 * ct_state with a mask (NXM_NX_CT_STATE_W), ct_mark when not zero. */
#define PACKET_IN_CT_HEX \
    "04 0a 0064 00000005  ffffffff 002a 01 01 e1de000000000000" \
    "  0001 0020 80000004 00000001 0001d308 00000022 000000ff" \
    "    0001d604 5a000008  0000" \
    "  ffffffffffff 00005e005301 0806 0001 0800 06 04 0001 00005e005301" \
    "    c0000201 000000000000 c6336402"
#define PACKET_IN_CT_TXT \
    "OFPT_PACKET_IN (OF1.3) (xid=0x5): table_id=1 cookie=0xe1de000000000000 " \
    "total_len=42 ct_state=est|trk,ct_mark=0x5a000008,in_port=1 (via action) " \
    "data_len=42 (unbuffered)\n" \
    "arp,vlan_tci=0x0000,dl_src=00:00:5e:00:53:01,dl_dst=ff:ff:ff:ff:ff:ff," \
    "arp_spa=192.0.2.1,arp_tpa=198.51.100.2,arp_op=1," \
    "arp_sha=00:00:5e:00:53:01,arp_tha=00:00:00:00:00:00"

Test(decode, packet_in_ct_state_and_mark)
{
    assert_ofp_print(PACKET_IN_CT_HEX, PACKET_IN_CT_TXT);
    size_t n;
    uint8_t *raw = unhex(PACKET_IN_CT_HEX, &n);
    struct ofp_msg m;
    ofp_msg_init(&m, raw, n);
    struct ofp_packet_in_msg pi;
    cr_assert_eq(ofp_decode_packet_in(&m, &pi), 0);
    cr_assert(pi.has_ct);
    cr_assert_eq(pi.ct_state, OFP_CS_TRK | OFP_CS_EST);
    cr_assert_eq(pi.ct_mark, 0x5a000008);
    cr_assert_eq(pi.table_id, 1);
    cr_assert_eq(pi.in_port, 1);
    cr_assert_eq(pi.data_len, 42);
    /* A ct_state of another length is malformed. */
    raw[39] = 6;
    cr_assert_eq(ofp_decode_packet_in(&m, &pi), OFPDEC_BAD_MATCH);
    free(raw);
}

/* An IPv6 connection's slice entry (flows.c: entry_match of a v6
 * connection, ENTRY_FWD_SLICE's truncated mirror output). */
#define FLOW_MOD_V6_HEX "040e00a000000021e1de80000000000500000000000000000000000a000000c8ffffffffffffffffffffffff000100000001004380000a0286dd800014010680003410fd000e2e00000000000000000000000280003610fd000e2e00000000000000000000000180001a0201bb80001c029c400000000000000400280000000000000010000000010000000000000000ffff0010000023200027000300000047"
#define FLOW_MOD_V6_TXT "OFPT_FLOW_MOD (OF1.3) (xid=0x21): ADD priority=200,tcp6,ipv6_src=fd00:e2e::2,ipv6_dst=fd00:e2e::1,tp_src=443,tp_dst=40000 cookie:0xe1de800000000005 idle:10 send_flow_rem actions=output:1,output(port=3,max_len=71)"

Test(encode, flow_mod_ipv6_slice)
{
    struct ofp_act a[2] = { OFP_OUTPUT(1), OFP_OUTPUT_TRUNC(3, 71) };
    struct ofp_flow_mod_spec fm = {
        .cookie = 0xe1de800000000005ull, .command = OFPFC_ADD,
        .idle_timeout = 10, .priority = 200, .flags = OFPFF_SEND_FLOW_REM,
        .match = {
            .fields = OFPM_ETH_TYPE | OFPM_IP_PROTO | OFPM_IPV6_SRC
                      | OFPM_IPV6_DST | OFPM_TCP_SRC | OFPM_TCP_DST,
            .eth_type = 0x86dd, .ip_proto = 6,
            .ipv6_src = { 0xfd, 0, 0x0e, 0x2e, [15] = 2 },
            .ipv6_dst = { 0xfd, 0, 0x0e, 0x2e, [15] = 1 },
            .tp_src = 443, .tp_dst = 40000,
        },
        .acts = a, .n_acts = 2,
    };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0x21, &fm);
    assert_encoded(&b, FLOW_MOD_V6_HEX, FLOW_MOD_V6_TXT);
    buf_free(&b);
}

/* A connection entry of 802.1Q-tagged traffic (VID 100) matches its tag. */
#define FLOW_MOD_VLAN_HEX "040e008000000022e1de90000000000700000000000000000000000a000000c8ffffffffffffffffffffffff000100000001003180000a02080080000c0210648000140106800016040a000001800018040a00000280001a029c4080001c02005000000000000000000400180000000000000010000000020000000000000000"
#define FLOW_MOD_VLAN_TXT "OFPT_FLOW_MOD (OF1.3) (xid=0x22): ADD priority=200,tcp,dl_vlan=100,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=40000,tp_dst=80 cookie:0xe1de900000000007 idle:10 send_flow_rem actions=output:2"

Test(encode, flow_mod_vlan)
{
    struct ofp_act a[1] = { OFP_OUTPUT(2) };
    struct ofp_flow_mod_spec fm = {
        .cookie = 0xe1de900000000007ull, .command = OFPFC_ADD,
        .idle_timeout = 10, .priority = 200, .flags = OFPFF_SEND_FLOW_REM,
        .match = {
            .fields = OFPM_ETH_TYPE | OFPM_VLAN_VID | OFPM_IP_PROTO
                      | OFPM_IPV4_SRC | OFPM_IPV4_DST | OFPM_TCP_SRC
                      | OFPM_TCP_DST,
            .eth_type = 0x0800, .vlan_vid = 0x1064, .ip_proto = 6,
            .ipv4_src = 0x0a000001, .ipv4_dst = 0x0a000002,
            .tp_src = 40000, .tp_dst = 80,
        },
        .acts = a, .n_acts = 1,
    };
    struct buf b;
    buf_init(&b);
    ofp_put_flow_mod(&b, 0x22, &fm);
    assert_encoded(&b, FLOW_MOD_VLAN_HEX, FLOW_MOD_VLAN_TXT);
    buf_free(&b);
}
