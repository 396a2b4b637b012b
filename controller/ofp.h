/* OpenFlow 1.3 codec (OpenFlow Switch Specification 1.3.5, "spec" below),
 * with the two Open vSwitch extensions the controller needs: the ONF
 * tcp_flags match field (EXT-109) and Nicira's output(port,max_len)
 * truncation action.
 *
 * Written here because Debian packages no C OpenFlow library.  The wire
 * structs give the layout (fixed-width fields, size asserted at compile
 * time); fields are read and written through offsetof() with explicit
 * big-endian helpers, never by casting unaligned socket memory.  Encoders
 * append one whole message to a struct buf; decoders check every length
 * and return 0 or a negative OFPDEC_* code. */
#ifndef OFP_H
#define OFP_H 1

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define OFP13_VERSION 0x04

/* Byte offset of a field in a wire struct below. */
#define OFS(type, field) offsetof(struct type, field)

/* Appends a zeroed message of 'len' bytes with its OpenFlow 1.3 header
 * filled in; returns its start. */
static inline uint8_t *
ofp_put_header(struct buf *b, uint8_t type, uint32_t xid, size_t len)
{
    uint8_t *h = buf_put_zeros(b, len);
    h[0] = OFP13_VERSION;
    h[1] = type;
    put_be16(h + 2, (uint16_t) len);
    put_be32(h + 4, xid);
    return h;
}

/* The message started at offset 'start' of 'b' is complete (it grew after
 * ofp_put_header()): set its length field. */
static inline void
ofp_finish(struct buf *b, size_t start)
{
    put_be16(b->data + start + 2, (uint16_t) (b->len - start));
}
#define OFP_HEADER_LEN 8
#define OFP_MAX_MSG_LEN 65535

#define OFP_ASSERT(expr) static_assert(expr, #expr)

enum ofp_type {
    OFPT_HELLO = 0, OFPT_ERROR = 1, OFPT_ECHO_REQUEST = 2,
    OFPT_ECHO_REPLY = 3, OFPT_EXPERIMENTER = 4, OFPT_FEATURES_REQUEST = 5,
    OFPT_FEATURES_REPLY = 6, OFPT_GET_CONFIG_REQUEST = 7,
    OFPT_GET_CONFIG_REPLY = 8, OFPT_SET_CONFIG = 9, OFPT_PACKET_IN = 10,
    OFPT_FLOW_REMOVED = 11, OFPT_PORT_STATUS = 12, OFPT_PACKET_OUT = 13,
    OFPT_FLOW_MOD = 14, OFPT_GROUP_MOD = 15, OFPT_PORT_MOD = 16,
    OFPT_TABLE_MOD = 17, OFPT_MULTIPART_REQUEST = 18,
    OFPT_MULTIPART_REPLY = 19, OFPT_BARRIER_REQUEST = 20,
    OFPT_BARRIER_REPLY = 21, OFPT_ROLE_REQUEST = 24, OFPT_ROLE_REPLY = 25,
    OFPT_GET_ASYNC_REQUEST = 26, OFPT_GET_ASYNC_REPLY = 27,
    OFPT_SET_ASYNC = 28, OFPT_METER_MOD = 29,
};

/* Reserved ports (spec 7.2.1). */
#define OFPP_MAX        0xffffff00u
#define OFPP_IN_PORT    0xfffffff8u
#define OFPP_TABLE      0xfffffff9u
#define OFPP_FLOOD      0xfffffffbu
#define OFPP_ALL        0xfffffffcu
#define OFPP_CONTROLLER 0xfffffffdu
#define OFPP_LOCAL      0xfffffffeu
#define OFPP_ANY        0xffffffffu
#define OFPG_ANY        0xffffffffu
#define OFPTT_ALL       0xff
#define OFP_NO_BUFFER   0xffffffffu
#define OFPCML_NO_BUFFER 0xffff

enum ofp_flow_mod_command {
    OFPFC_ADD = 0, OFPFC_MODIFY = 1, OFPFC_MODIFY_STRICT = 2,
    OFPFC_DELETE = 3, OFPFC_DELETE_STRICT = 4,
};
#define OFPFF_SEND_FLOW_REM 0x0001
#define OFPFF_CHECK_OVERLAP 0x0002

enum ofp_flow_removed_reason {
    OFPRR_IDLE_TIMEOUT = 0, OFPRR_HARD_TIMEOUT = 1, OFPRR_DELETE = 2,
    OFPRR_GROUP_DELETE = 3, OFPRR_METER_DELETE = 4, OFPRR_EVICTION = 5,
};
enum ofp_packet_in_reason {
    OFPR_NO_MATCH = 0, OFPR_ACTION = 1, OFPR_INVALID_TTL = 2,
};
enum ofp_port_reason { OFPPR_ADD = 0, OFPPR_DELETE = 1, OFPPR_MODIFY = 2 };
#define OFPPC_PORT_DOWN 0x1
#define OFPPS_LINK_DOWN 0x1

enum ofp_multipart_type { OFPMP_DESC = 0, OFPMP_FLOW = 1, OFPMP_PORT_STATS = 4,
                          OFPMP_METER = 9, OFPMP_METER_FEATURES = 11,
                          OFPMP_PORT_DESC = 13 };

/* Meters (spec 7.3.4.5): one drop band, rates in kbit/s. */
enum ofp_meter_mod_command { OFPMC_ADD = 0, OFPMC_MODIFY = 1, OFPMC_DELETE = 2 };
enum ofp_meter_flags { OFPMF_KBPS = 1 << 0, OFPMF_PKTPS = 1 << 1,
                       OFPMF_BURST = 1 << 2, OFPMF_STATS = 1 << 3 };
#define OFPMBT_DROP 1
#define OFPM_ALL 0xffffffffu
#define OFPMPF_MORE 0x0001

enum ofp_error_type {
    OFPET_HELLO_FAILED = 0, OFPET_BAD_REQUEST = 1, OFPET_BAD_ACTION = 2,
    OFPET_BAD_INSTRUCTION = 3, OFPET_BAD_MATCH = 4, OFPET_FLOW_MOD_FAILED = 5,
    OFPET_GROUP_MOD_FAILED = 6, OFPET_PORT_MOD_FAILED = 7,
    OFPET_TABLE_MOD_FAILED = 8, OFPET_QUEUE_OP_FAILED = 9,
    OFPET_SWITCH_CONFIG_FAILED = 10, OFPET_ROLE_REQUEST_FAILED = 11,
    OFPET_METER_MOD_FAILED = 12, OFPET_TABLE_FEATURES_FAILED = 13,
    OFPET_EXPERIMENTER = 0xffff,
};
#define OFPHFC_INCOMPATIBLE 0
#define OFPBRC_BAD_VERSION 0
#define OFPBRC_BAD_TYPE 1
#define OFPBRC_BAD_LEN 6
#define OFPFMFC_TABLE_FULL 1

/* ---- Wire layouts (spec section 7) ---- */

struct ofp_header {
    uint8_t version;
    uint8_t type;
    uint16_t length;
    uint32_t xid;
};
OFP_ASSERT(sizeof(struct ofp_header) == 8);

struct ofp_hello_elem_versionbitmap {
    uint16_t type;              /* OFPHET_VERSIONBITMAP = 1 */
    uint16_t length;
    uint32_t bitmaps[1];
};
OFP_ASSERT(sizeof(struct ofp_hello_elem_versionbitmap) == 8);

struct ofp_switch_features {
    struct ofp_header header;
    uint64_t datapath_id;
    uint32_t n_buffers;
    uint8_t n_tables;
    uint8_t auxiliary_id;
    uint8_t pad[2];
    uint32_t capabilities;
    uint32_t reserved;
};
OFP_ASSERT(sizeof(struct ofp_switch_features) == 32);

struct ofp_switch_config {
    struct ofp_header header;
    uint16_t flags;
    uint16_t miss_send_len;
};
OFP_ASSERT(sizeof(struct ofp_switch_config) == 12);

struct ofp_match {              /* followed by OXM TLVs, padded to 8 */
    uint16_t type;              /* OFPMT_OXM = 1 */
    uint16_t length;            /* excluding padding */
};
OFP_ASSERT(sizeof(struct ofp_match) == 4);

struct ofp_flow_mod {
    struct ofp_header header;
    uint64_t cookie;
    uint64_t cookie_mask;
    uint8_t table_id;
    uint8_t command;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint16_t priority;
    uint32_t buffer_id;
    uint32_t out_port;
    uint32_t out_group;
    uint16_t flags;
    uint8_t pad[2];
    /* struct ofp_match match; instructions */
};
OFP_ASSERT(sizeof(struct ofp_flow_mod) == 48);

struct ofp_instruction_actions {
    uint16_t type;              /* OFPIT_APPLY_ACTIONS = 4 */
    uint16_t len;
    uint8_t pad[4];
};
OFP_ASSERT(sizeof(struct ofp_instruction_actions) == 8);

struct ofp_action_output {
    uint16_t type;              /* OFPAT_OUTPUT = 0 */
    uint16_t len;               /* 16 */
    uint32_t port;
    uint16_t max_len;
    uint8_t pad[6];
};
OFP_ASSERT(sizeof(struct ofp_action_output) == 16);

/* Open vSwitch extension: output(port=N,max_len=M) (NXAST_OUTPUT_TRUNC). */
struct nx_action_output_trunc {
    uint16_t type;              /* OFPAT_EXPERIMENTER = 0xffff */
    uint16_t len;               /* 16 */
    uint32_t vendor;            /* NX_VENDOR_ID = 0x00002320 */
    uint16_t subtype;           /* NXAST_OUTPUT_TRUNC = 39 */
    uint16_t port;
    uint32_t max_len;
};
OFP_ASSERT(sizeof(struct nx_action_output_trunc) == 16);

/* Open vSwitch extension: ct(...) (NXAST_CT), the connection tracker;
 * followed by nested actions (here: set_field of ct_mark), 'len'
 * covering them (lib/ofp-actions.c, struct nx_action_conntrack). */
struct nx_action_conntrack {
    uint16_t type;              /* OFPAT_EXPERIMENTER = 0xffff */
    uint16_t len;               /* 24 + nested actions */
    uint32_t vendor;            /* NX_VENDOR_ID */
    uint16_t subtype;           /* NXAST_CT = 35 */
    uint16_t flags;             /* NX_CT_F_COMMIT = 1, NX_CT_F_FORCE = 2 */
    uint32_t zone_src;          /* 0: zone_imm is the zone */
    uint16_t zone_imm;
    uint8_t recirc_table;       /* 0xff: none */
    uint8_t pad[3];
    uint16_t alg;               /* 0: none */
};
OFP_ASSERT(sizeof(struct nx_action_conntrack) == 24);

struct ofp_packet_in {
    struct ofp_header header;
    uint32_t buffer_id;
    uint16_t total_len;
    uint8_t reason;
    uint8_t table_id;
    uint64_t cookie;
    /* struct ofp_match match; uint8_t pad[2]; uint8_t data[] */
};
OFP_ASSERT(sizeof(struct ofp_packet_in) == 24);

struct ofp_packet_out {
    struct ofp_header header;
    uint32_t buffer_id;
    uint32_t in_port;
    uint16_t actions_len;
    uint8_t pad[6];
    /* actions; data */
};
OFP_ASSERT(sizeof(struct ofp_packet_out) == 24);

struct ofp_flow_removed {
    struct ofp_header header;
    uint64_t cookie;
    uint16_t priority;
    uint8_t reason;
    uint8_t table_id;
    uint32_t duration_sec;
    uint32_t duration_nsec;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint64_t packet_count;
    uint64_t byte_count;
    /* struct ofp_match match; */
};
OFP_ASSERT(sizeof(struct ofp_flow_removed) == 48);

struct ofp_port {
    uint32_t port_no;
    uint8_t pad[4];
    uint8_t hw_addr[6];
    uint8_t pad2[2];
    char name[16];
    uint32_t config;
    uint32_t state;
    uint32_t curr, advertised, supported, peer;
    uint32_t curr_speed, max_speed;
};
OFP_ASSERT(sizeof(struct ofp_port) == 64);

struct ofp_port_status {
    struct ofp_header header;
    uint8_t reason;
    uint8_t pad[7];
    struct ofp_port desc;
};
OFP_ASSERT(sizeof(struct ofp_port_status) == 80);

struct ofp_multipart_header {
    struct ofp_header header;
    uint16_t type;
    uint16_t flags;
    uint8_t pad[4];
};
OFP_ASSERT(sizeof(struct ofp_multipart_header) == 16);

struct ofp_flow_stats_request {
    uint8_t table_id;
    uint8_t pad[3];
    uint32_t out_port;
    uint32_t out_group;
    uint8_t pad2[4];
    uint64_t cookie;
    uint64_t cookie_mask;
    /* struct ofp_match match; */
};
OFP_ASSERT(sizeof(struct ofp_flow_stats_request) == 32);

struct ofp_flow_stats {
    uint16_t length;
    uint8_t table_id;
    uint8_t pad;
    uint32_t duration_sec;
    uint32_t duration_nsec;
    uint16_t priority;
    uint16_t idle_timeout;
    uint16_t hard_timeout;
    uint16_t flags;
    uint8_t pad2[4];
    uint64_t cookie;
    uint64_t packet_count;
    uint64_t byte_count;
    /* struct ofp_match match; instructions */
};
OFP_ASSERT(sizeof(struct ofp_flow_stats) == 48);

struct ofp_port_stats_request {
    uint32_t port_no;
    uint8_t pad[4];
};
OFP_ASSERT(sizeof(struct ofp_port_stats_request) == 8);

struct ofp_meter_mod {
    struct ofp_header header;
    uint16_t command, flags;
    uint32_t meter_id;
    /* struct ofp_meter_band_drop bands[] */
};
OFP_ASSERT(sizeof(struct ofp_meter_mod) == 16);

struct ofp_meter_band_drop {
    uint16_t type, len;
    uint32_t rate, burst_size;
    uint8_t pad[4];
};
OFP_ASSERT(sizeof(struct ofp_meter_band_drop) == 16);

struct ofp_meter_multipart_request {
    uint32_t meter_id;
    uint8_t pad[4];
};
OFP_ASSERT(sizeof(struct ofp_meter_multipart_request) == 8);

struct ofp_meter_stats {
    uint32_t meter_id;
    uint16_t len;
    uint8_t pad[6];
    uint32_t flow_count;
    uint64_t packet_in_count, byte_in_count;
    uint32_t duration_sec, duration_nsec;
    /* struct ofp_meter_band_stats { uint64_t packet_band_count,
     * byte_band_count; } band_stats[] */
};
OFP_ASSERT(sizeof(struct ofp_meter_stats) == 40);

struct ofp_meter_features {
    uint32_t max_meter, band_types, capabilities;
    uint8_t max_bands, max_color;
    uint8_t pad[2];
};
OFP_ASSERT(sizeof(struct ofp_meter_features) == 16);

struct ofp_port_stats {
    uint32_t port_no;
    uint8_t pad[4];
    uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
    uint64_t rx_dropped, tx_dropped, rx_errors, tx_errors;
    uint64_t rx_frame_err, rx_over_err, rx_crc_err, collisions;
    uint32_t duration_sec, duration_nsec;
};
OFP_ASSERT(sizeof(struct ofp_port_stats) == 112);

struct ofp_error_msg {
    struct ofp_header header;
    uint16_t type;
    uint16_t code;
    /* data */
};
OFP_ASSERT(sizeof(struct ofp_error_msg) == 12);

/* ---- Match and actions as the controller describes them ---- */

#define OFPM_IN_PORT   0x0001
#define OFPM_ETH_DST   0x0002
#define OFPM_ETH_SRC   0x0004
#define OFPM_ETH_TYPE  0x0008
#define OFPM_IP_PROTO  0x0010
#define OFPM_IPV4_SRC  0x0020
#define OFPM_IPV4_DST  0x0040
#define OFPM_TCP_SRC   0x0080
#define OFPM_TCP_DST   0x0100
#define OFPM_UDP_SRC   0x0200
#define OFPM_UDP_DST   0x0400
#define OFPM_TCP_FLAGS 0x0800   /* ONF extension, value/mask */
#define OFPM_CT_STATE  0x1000   /* Nicira NXM_NX_CT_STATE, value/mask */
#define OFPM_CT_MARK   0x2000   /* Nicira NXM_NX_CT_MARK, value/mask */
#define OFPM_IPV6_SRC  0x4000
#define OFPM_IPV6_DST  0x8000
#define OFPM_VLAN_VID  0x10000  /* OFPVID_PRESENT (0x1000) | VID: tagged */

/* ct_state bits (Open vSwitch, lib/packets.h CS_*). */
#define OFP_CS_NEW 0x01
#define OFP_CS_EST 0x02
#define OFP_CS_REL 0x04
#define OFP_CS_RPL 0x08
#define OFP_CS_INV 0x10
#define OFP_CS_TRK 0x20

/* A match: the fields flagged in 'fields'.  The encoder emits them in the
 * order above; the caller includes prerequisites (spec 7.2.3.6). */
struct ofp_match_spec {
    uint32_t fields;
    uint32_t in_port;
    uint8_t eth_dst[6], eth_src[6];
    uint16_t eth_type;
    uint16_t vlan_vid;
    uint8_t ip_proto;
    uint32_t ipv4_src, ipv4_dst;    /* host order */
    uint8_t ipv6_src[16], ipv6_dst[16];
    uint16_t tp_src, tp_dst;        /* TCP or UDP, per the flags */
    uint16_t tcp_flags, tcp_flags_mask;
    uint32_t ct_state, ct_state_mask;
    uint32_t ct_mark, ct_mark_mask;
};

/* OFPACT_CT: ct(zone=0[,commit][,table=ct_table][,exec(set_field:
 * ct_mark->ct_mark)]) of Open vSwitch; 'ct_table' OFP_CT_NO_TABLE for no
 * recirculation. */
enum ofp_act_kind { OFPACT_OUTPUT, OFPACT_OUTPUT_TRUNC, OFPACT_CT };
#define OFP_CT_NO_TABLE 0xff
struct ofp_act {
    uint8_t kind;
    uint32_t port;
    uint32_t max_len;       /* OUTPUT: controller max_len; TRUNC: bytes */
    bool ct_commit;
    bool ct_set_mark;
    uint8_t ct_table;
    uint32_t ct_mark;
};
#define OFP_MAX_ACTS 64
#define OFP_OUTPUT(PORT) \
    ((struct ofp_act) { .kind = OFPACT_OUTPUT, .port = (PORT) })
#define OFP_OUTPUT_TRUNC(PORT, LEN) \
    ((struct ofp_act) { .kind = OFPACT_OUTPUT_TRUNC, .port = (PORT), \
                        .max_len = (LEN) })
#define OFP_TO_CONTROLLER \
    ((struct ofp_act) { .kind = OFPACT_OUTPUT, .port = OFPP_CONTROLLER, \
                        .max_len = OFPCML_NO_BUFFER })

struct ofp_flow_mod_spec {
    uint64_t cookie, cookie_mask;
    uint8_t table_id;
    uint8_t command;
    uint16_t idle_timeout, hard_timeout;
    uint16_t priority;
    uint16_t flags;
    uint32_t out_port;              /* DELETE filters; else OFPP_ANY */
    struct ofp_match_spec match;
    const struct ofp_act *acts;     /* apply-actions; none for DELETE or drop */
    size_t n_acts;
    uint8_t goto_table;             /* then OFPIT_GOTO_TABLE; 0: none */
    uint32_t meter_id;              /* first OFPIT_METER; 0: none */
};

/* ---- Encoders: each appends one message to 'b' ---- */
void ofp_put_hello(struct buf *b, uint32_t xid);
void ofp_put_error(struct buf *b, uint32_t xid, uint16_t type, uint16_t code,
                   const void *data, size_t len);
void ofp_put_echo(struct buf *b, uint8_t type, uint32_t xid,
                  const void *data, size_t len);
void ofp_put_simple(struct buf *b, uint8_t type, uint32_t xid);
void ofp_put_set_config(struct buf *b, uint32_t xid, uint16_t miss_send_len);
void ofp_put_port_desc_request(struct buf *b, uint32_t xid);
/* Counters of one port (OFPP_ANY: all). */
void ofp_put_port_stats_request(struct buf *b, uint32_t xid, uint32_t port_no);
/* A meter with one drop band of 'rate_kbps' and 'burst_kbits' (0: no
 * burst flag, the switch's default); DELETE ignores both. */
void ofp_put_meter_mod(struct buf *b, uint32_t xid, uint16_t command,
                       uint32_t meter_id, uint32_t rate_kbps,
                       uint32_t burst_kbits);
void ofp_put_meter_stats_request(struct buf *b, uint32_t xid, uint32_t meter_id);
void ofp_put_meter_features_request(struct buf *b, uint32_t xid);
void ofp_put_flow_stats_request(struct buf *b, uint32_t xid, uint8_t table_id,
                                uint64_t cookie, uint64_t cookie_mask);
void ofp_put_flow_mod(struct buf *b, uint32_t xid,
                      const struct ofp_flow_mod_spec *);
void ofp_put_packet_out(struct buf *b, uint32_t xid, uint32_t in_port,
                        const struct ofp_act *acts, size_t n_acts,
                        const void *data, size_t len);

/* ---- Decoders ---- */
enum {
    OFPDEC_OK = 0,
    OFPDEC_SHORT = -1,      /* shorter than its fixed part */
    OFPDEC_BAD_LEN = -2,    /* an inner length is inconsistent */
    OFPDEC_BAD_MATCH = -3,  /* malformed ofp_match / OXM */
    OFPDEC_BAD_VALUE = -4,  /* a field has an impossible value */
};
const char *ofp_dec_str(int err);

/* Framing of a byte stream: returns the length of the complete message at
 * buf[0..len) (>= 8), 0 if more bytes are needed, or -1 if the header's
 * length field is below 8 (the stream cannot be resynchronised). */
int ofp_frame(const uint8_t *buf, size_t len);

struct ofp_msg {
    uint8_t version, type;
    uint16_t length;
    uint32_t xid;
    const uint8_t *body;    /* after the 8-byte header */
    size_t body_len;
};
void ofp_msg_init(struct ofp_msg *, const uint8_t *msg, size_t len);

/* HELLO: highest common version with our 1.3 (spec 7.5.1), using the
 * version bitmap when present; returns 0 if none. */
uint8_t ofp_hello_negotiate(const struct ofp_msg *);

struct ofp_features { uint64_t datapath_id; uint32_t n_buffers; uint8_t n_tables, auxiliary_id; uint32_t capabilities; };
int ofp_decode_features(const struct ofp_msg *, struct ofp_features *);

struct ofp_error { uint32_t xid; uint16_t type, code; const uint8_t *data; size_t data_len; };
int ofp_decode_error(const struct ofp_msg *, struct ofp_error *);
const char *ofp_error_type_str(uint16_t type);

/* Fields the controller reads from a match: in_port, and the connection
 * tracker's state and mark that Open vSwitch adds to a Packet-In's match
 * (NXM_NX_CT_STATE, NXM_NX_CT_MARK) when the packet went through ct(). */
struct ofp_match_fields {
    bool has_in_port, has_ct_state, has_ct_mark;
    uint32_t in_port, ct_state, ct_mark;
};
int ofp_decode_match(const uint8_t *p, size_t len, size_t *consumed,
                     struct ofp_match_fields *);

struct ofp_packet_in_msg {
    uint32_t buffer_id;
    uint16_t total_len;
    uint8_t reason, table_id;
    uint64_t cookie;
    uint32_t in_port;       /* from the match; required */
    bool has_ct;            /* ct_state and ct_mark came in the match */
    uint32_t ct_state, ct_mark;
    const uint8_t *data;
    size_t data_len;
};
int ofp_decode_packet_in(const struct ofp_msg *, struct ofp_packet_in_msg *);

struct ofp_flow_removed_msg {
    uint64_t cookie;
    uint16_t priority;
    uint8_t reason, table_id;
    uint32_t duration_sec, duration_nsec;
    uint16_t idle_timeout, hard_timeout;
    uint64_t packet_count, byte_count;
};
int ofp_decode_flow_removed(const struct ofp_msg *, struct ofp_flow_removed_msg *);

struct ofp_port_info {
    uint32_t port_no;
    uint8_t hw_addr[6];
    char name[17];
    uint32_t config, state;
};
struct ofp_port_status_msg { uint8_t reason; struct ofp_port_info port; };
int ofp_decode_port_status(const struct ofp_msg *, struct ofp_port_status_msg *);

struct ofp_multipart_reply {
    uint16_t type, flags;
    const uint8_t *body;
    size_t body_len;
};
int ofp_decode_multipart_reply(const struct ofp_msg *, struct ofp_multipart_reply *);

/* A PORT_STATS reply's entry: the counters --mirror-budget reads. */
struct ofp_port_stats_entry {
    uint32_t port_no;
    uint64_t tx_packets, tx_bytes, tx_dropped;
    uint64_t duration_ms;           /* how long the port has been up */
};
int ofp_next_port_stats(const struct ofp_multipart_reply *, size_t *ofs,
                        struct ofp_port_stats_entry *);

/* A METER reply's entry: what went in, and what its first band dropped. */
struct ofp_meter_stats_entry {
    uint32_t meter_id, flow_count;
    uint64_t packets_in, bytes_in;
    uint64_t band_packets, band_bytes;      /* 0 if no band */
    uint64_t duration_ms;
};
int ofp_next_meter_stats(const struct ofp_multipart_reply *, size_t *ofs,
                         struct ofp_meter_stats_entry *);

/* A METER_FEATURES reply (its body is one struct). */
struct ofp_meter_features_info {
    uint32_t max_meter, band_types, capabilities;
    uint8_t max_bands;
};
int ofp_decode_meter_features(const struct ofp_multipart_reply *,
                              struct ofp_meter_features_info *);

/* Iterate the entries of a PORT_DESC / FLOW multipart reply body: returns
 * 1 with the entry filled and *ofs advanced, 0 at the end, <0 on error. */
int ofp_next_port(const struct ofp_multipart_reply *, size_t *ofs,
                  struct ofp_port_info *);
struct ofp_flow_stats_entry {
    uint8_t table_id;
    uint16_t priority, idle_timeout, hard_timeout, flags;
    uint32_t duration_sec, duration_nsec;
    uint64_t cookie, packet_count, byte_count;
};
int ofp_next_flow_stats(const struct ofp_multipart_reply *, size_t *ofs,
                        struct ofp_flow_stats_entry *);

/* What a controller sends, decoded as a switch would (the messages
 * ofp_put_flow_mod() and ofp_put_packet_out() write: OXM matches of the
 * fields in struct ofp_match_spec, output and truncated-output actions). */
struct ofp_flow_mod_msg {
    struct ofp_flow_mod_spec spec;  /* spec.acts points into acts */
    struct ofp_act acts[OFP_MAX_ACTS];
};
int ofp_decode_flow_mod(const struct ofp_msg *, struct ofp_flow_mod_msg *);

struct ofp_packet_out_msg {
    uint32_t buffer_id, in_port;
    struct ofp_act acts[OFP_MAX_ACTS];
    size_t n_acts;
    const uint8_t *data;
    size_t data_len;
};
int ofp_decode_packet_out(const struct ofp_msg *, struct ofp_packet_out_msg *);

const char *ofp_type_str(uint8_t type);

#endif
