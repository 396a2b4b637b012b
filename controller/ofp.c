/* OpenFlow 1.3 encoders and decoders.  See ofp.h. */
#include "ofp.h"

#include <string.h>


/* OXM (spec 7.2.3.2): class, field << 1 | hasmask, payload length. */
#define OFPXMC_OPENFLOW_BASIC 0x8000
#define OFPXMC_EXPERIMENTER   0xffff
#define ONF_EXPERIMENTER_ID   0x4f4e4600u
#define ONFOXM_ET_TCP_FLAGS   42
#define NX_VENDOR_ID          0x00002320u
#define NXAST_OUTPUT_TRUNC    39
#define NXAST_CT              35
#define NX_CT_F_COMMIT        0x0001
#define OFPXMC_NXM_1          0x0001
#define NXM_NX_CT_STATE       105
#define NXM_NX_CT_MARK        107
#define OFPAT_SET_FIELD       25

enum {
    OXM_IN_PORT = 0, OXM_ETH_DST = 3, OXM_ETH_SRC = 4, OXM_ETH_TYPE = 5,
    OXM_IP_PROTO = 10, OXM_IPV4_SRC = 11, OXM_IPV4_DST = 12,
    OXM_TCP_SRC = 13, OXM_TCP_DST = 14, OXM_UDP_SRC = 15, OXM_UDP_DST = 16,
    OXM_IPV6_SRC = 26, OXM_IPV6_DST = 27, OXM_VLAN_VID = 6,
};


void
ofp_put_hello(struct buf *b, uint32_t xid)
{
    /* A version bitmap element listing only 1.3 (spec 7.5.1). */
    uint8_t *h = ofp_put_header(b, OFPT_HELLO, xid, 16);
    put_be16(h + 8, 1);
    put_be16(h + 10, 8);
    put_be32(h + 12, 1u << OFP13_VERSION);
}

void
ofp_put_error(struct buf *b, uint32_t xid, uint16_t type, uint16_t code,
              const void *data, size_t len)
{
    size_t start = b->len;
    if (len > 64) {
        len = 64;   /* the spec asks for at least 64 bytes of the request */
    }
    uint8_t *h = ofp_put_header(b, OFPT_ERROR, xid, sizeof(struct ofp_error_msg));
    put_be16(h + OFS(ofp_error_msg, type), type);
    put_be16(h + OFS(ofp_error_msg, code), code);
    buf_put(b, data, len);
    ofp_finish(b, start);
}

void
ofp_put_echo(struct buf *b, uint8_t type, uint32_t xid, const void *data,
             size_t len)
{
    size_t start = b->len;
    if (len > OFP_MAX_MSG_LEN - OFP_HEADER_LEN) {
        len = OFP_MAX_MSG_LEN - OFP_HEADER_LEN;
    }
    ofp_put_header(b, type, xid, OFP_HEADER_LEN);
    buf_put(b, data, len);
    ofp_finish(b, start);
}

void
ofp_put_simple(struct buf *b, uint8_t type, uint32_t xid)
{
    ofp_put_header(b, type, xid, OFP_HEADER_LEN);
}

void
ofp_put_set_config(struct buf *b, uint32_t xid, uint16_t miss_send_len)
{
    uint8_t *h = ofp_put_header(b, OFPT_SET_CONFIG, xid,
                            sizeof(struct ofp_switch_config));
    put_be16(h + OFS(ofp_switch_config, miss_send_len), miss_send_len);
}

static uint8_t *
put_multipart_request(struct buf *b, uint32_t xid, uint16_t type,
                      size_t body_len)
{
    uint8_t *h = ofp_put_header(b, OFPT_MULTIPART_REQUEST, xid,
                            sizeof(struct ofp_multipart_header) + body_len);
    put_be16(h + OFS(ofp_multipart_header, type), type);
    return h + sizeof(struct ofp_multipart_header);
}

void
ofp_put_port_desc_request(struct buf *b, uint32_t xid)
{
    put_multipart_request(b, xid, OFPMP_PORT_DESC, 0);
}

void
ofp_put_port_stats_request(struct buf *b, uint32_t xid, uint32_t port_no)
{
    uint8_t *r = put_multipart_request(b, xid, OFPMP_PORT_STATS,
                                       sizeof(struct ofp_port_stats_request));
    put_be32(r + OFS(ofp_port_stats_request, port_no), port_no);
}

void
ofp_put_meter_mod(struct buf *b, uint32_t xid, uint16_t command,
                  uint32_t meter_id, uint32_t rate_kbps, uint32_t burst_kbits)
{
    size_t start = b->len;
    uint8_t *h = ofp_put_header(b, OFPT_METER_MOD, xid,
                                sizeof(struct ofp_meter_mod));
    uint16_t flags = OFPMF_KBPS | OFPMF_STATS | (burst_kbits ? OFPMF_BURST : 0);
    put_be16(h + OFS(ofp_meter_mod, command), command);
    put_be16(h + OFS(ofp_meter_mod, flags), command == OFPMC_DELETE ? 0 : flags);
    put_be32(h + OFS(ofp_meter_mod, meter_id), meter_id);
    if (command != OFPMC_DELETE) {
        uint8_t *d = buf_put_zeros(b, sizeof(struct ofp_meter_band_drop));
        put_be16(d + OFS(ofp_meter_band_drop, type), OFPMBT_DROP);
        put_be16(d + OFS(ofp_meter_band_drop, len),
                 sizeof(struct ofp_meter_band_drop));
        put_be32(d + OFS(ofp_meter_band_drop, rate), rate_kbps);
        put_be32(d + OFS(ofp_meter_band_drop, burst_size), burst_kbits);
    }
    ofp_finish(b, start);
}

void
ofp_put_meter_stats_request(struct buf *b, uint32_t xid, uint32_t meter_id)
{
    uint8_t *r = put_multipart_request(b, xid, OFPMP_METER,
                                       sizeof(struct ofp_meter_multipart_request));
    put_be32(r + OFS(ofp_meter_multipart_request, meter_id), meter_id);
}

void
ofp_put_meter_features_request(struct buf *b, uint32_t xid)
{
    put_multipart_request(b, xid, OFPMP_METER_FEATURES, 0);
}

static void
put_oxm_header(struct buf *b, uint16_t class, uint8_t field, bool mask,
               uint8_t len)
{
    uint8_t *p = buf_put_uninit(b, 4);
    put_be16(p, class);
    p[2] = (uint8_t) (field << 1 | mask);
    p[3] = len;
}

static void
put_oxm16(struct buf *b, uint8_t field, uint16_t v)
{
    put_oxm_header(b, OFPXMC_OPENFLOW_BASIC, field, false, 2);
    put_be16(buf_put_uninit(b, 2), v);
}

static void
put_oxm32(struct buf *b, uint8_t field, uint32_t v)
{
    put_oxm_header(b, OFPXMC_OPENFLOW_BASIC, field, false, 4);
    put_be32(buf_put_uninit(b, 4), v);
}

/* Appends an ofp_match with the OXM TLVs of 'm', padded to 8 bytes
 * (spec 7.2.3.1). */
static void
put_match(struct buf *b, const struct ofp_match_spec *m)
{
    size_t start = b->len;
    buf_put_zeros(b, sizeof(struct ofp_match));
    uint32_t f = m ? m->fields : 0;
    if (f & OFPM_IN_PORT) {
        put_oxm32(b, OXM_IN_PORT, m->in_port);
    }
    if (f & OFPM_ETH_DST) {
        put_oxm_header(b, OFPXMC_OPENFLOW_BASIC, OXM_ETH_DST, false, 6);
        buf_put(b, m->eth_dst, 6);
    }
    if (f & OFPM_ETH_SRC) {
        put_oxm_header(b, OFPXMC_OPENFLOW_BASIC, OXM_ETH_SRC, false, 6);
        buf_put(b, m->eth_src, 6);
    }
    if (f & OFPM_ETH_TYPE) {
        put_oxm16(b, OXM_ETH_TYPE, m->eth_type);
    }
    if (f & OFPM_VLAN_VID) {
        put_oxm16(b, OXM_VLAN_VID, m->vlan_vid);
    }
    if (f & OFPM_IP_PROTO) {
        put_oxm_header(b, OFPXMC_OPENFLOW_BASIC, OXM_IP_PROTO, false, 1);
        *(uint8_t *) buf_put_uninit(b, 1) = m->ip_proto;
    }
    if (f & OFPM_IPV4_SRC) {
        put_oxm32(b, OXM_IPV4_SRC, m->ipv4_src);
    }
    if (f & OFPM_IPV4_DST) {
        put_oxm32(b, OXM_IPV4_DST, m->ipv4_dst);
    }
    if (f & OFPM_IPV6_SRC) {
        put_oxm_header(b, OFPXMC_OPENFLOW_BASIC, OXM_IPV6_SRC, false, 16);
        buf_put(b, m->ipv6_src, 16);
    }
    if (f & OFPM_IPV6_DST) {
        put_oxm_header(b, OFPXMC_OPENFLOW_BASIC, OXM_IPV6_DST, false, 16);
        buf_put(b, m->ipv6_dst, 16);
    }
    if (f & OFPM_TCP_SRC) {
        put_oxm16(b, OXM_TCP_SRC, m->tp_src);
    }
    if (f & OFPM_TCP_DST) {
        put_oxm16(b, OXM_TCP_DST, m->tp_dst);
    }
    if (f & OFPM_UDP_SRC) {
        put_oxm16(b, OXM_UDP_SRC, m->tp_src);
    }
    if (f & OFPM_UDP_DST) {
        put_oxm16(b, OXM_UDP_DST, m->tp_dst);
    }
    if (f & OFPM_CT_STATE) {
        put_oxm_header(b, OFPXMC_NXM_1, NXM_NX_CT_STATE, true, 8);
        uint8_t *p = buf_put_uninit(b, 8);
        put_be32(p, m->ct_state);
        put_be32(p + 4, m->ct_state_mask);
    }
    if (f & OFPM_CT_MARK) {
        put_oxm_header(b, OFPXMC_NXM_1, NXM_NX_CT_MARK, true, 8);
        uint8_t *p = buf_put_uninit(b, 8);
        put_be32(p, m->ct_mark);
        put_be32(p + 4, m->ct_mark_mask);
    }
    if (f & OFPM_TCP_FLAGS) {
        /* ONF EXT-109 experimenter OXM, which OVS accepts in 1.3. */
        put_oxm_header(b, OFPXMC_EXPERIMENTER, ONFOXM_ET_TCP_FLAGS, true, 8);
        uint8_t *p = buf_put_uninit(b, 8);
        put_be32(p, ONF_EXPERIMENTER_ID);
        put_be16(p + 4, m->tcp_flags);
        put_be16(p + 6, m->tcp_flags_mask);
    }
    size_t len = b->len - start;
    put_be16(b->data + start, 1);               /* OFPMT_OXM */
    put_be16(b->data + start + 2, (uint16_t) len);
    buf_put_zeros(b, (8 - len % 8) % 8);
}

/* ct(...): the fixed part, then set_field(ct_mark) as its nested action. */
static void
put_ct(struct buf *b, const struct ofp_act *act)
{
    size_t start = b->len;
    uint8_t *a = buf_put_zeros(b, sizeof(struct nx_action_conntrack));
    put_be16(a + OFS(nx_action_conntrack, type), 0xffff);
    put_be32(a + OFS(nx_action_conntrack, vendor), NX_VENDOR_ID);
    put_be16(a + OFS(nx_action_conntrack, subtype), NXAST_CT);
    put_be16(a + OFS(nx_action_conntrack, flags),
             act->ct_commit ? NX_CT_F_COMMIT : 0);
    a[OFS(nx_action_conntrack, recirc_table)] = act->ct_table;
    if (act->ct_set_mark) {
        /* OFPAT_SET_FIELD: type, length, one OXM, padded to 8. */
        uint8_t *sf = buf_put_zeros(b, 16);
        put_be16(sf, OFPAT_SET_FIELD);
        put_be16(sf + 2, 16);
        put_be16(sf + 4, OFPXMC_NXM_1);
        sf[6] = NXM_NX_CT_MARK << 1;
        sf[7] = 4;
        put_be32(sf + 8, act->ct_mark);
    }
    put_be16(b->data + start + OFS(nx_action_conntrack, len),
             (uint16_t) (b->len - start));
}

static void
put_actions(struct buf *b, const struct ofp_act *acts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (acts[i].kind == OFPACT_CT) {
            put_ct(b, &acts[i]);
            continue;
        }
        uint8_t *a = buf_put_zeros(b, 16);
        if (acts[i].kind == OFPACT_OUTPUT_TRUNC) {
            put_be16(a + OFS(nx_action_output_trunc, type), 0xffff);
            put_be16(a + OFS(nx_action_output_trunc, len), 16);
            put_be32(a + OFS(nx_action_output_trunc, vendor), NX_VENDOR_ID);
            put_be16(a + OFS(nx_action_output_trunc, subtype),
                     NXAST_OUTPUT_TRUNC);
            put_be16(a + OFS(nx_action_output_trunc, port),
                     (uint16_t) acts[i].port);
            put_be32(a + OFS(nx_action_output_trunc, max_len),
                     acts[i].max_len);
        } else {
            put_be16(a + OFS(ofp_action_output, type), 0);
            put_be16(a + OFS(ofp_action_output, len), 16);
            put_be32(a + OFS(ofp_action_output, port), acts[i].port);
            put_be16(a + OFS(ofp_action_output, max_len),
                     (uint16_t) acts[i].max_len);
        }
    }
}

void
ofp_put_flow_stats_request(struct buf *b, uint32_t xid, uint8_t table_id,
                           uint64_t cookie, uint64_t cookie_mask)
{
    size_t start = b->len;
    uint8_t *r = put_multipart_request(b, xid, OFPMP_FLOW,
                                       sizeof(struct ofp_flow_stats_request));
    r[OFS(ofp_flow_stats_request, table_id)] = table_id;
    put_be32(r + OFS(ofp_flow_stats_request, out_port), OFPP_ANY);
    put_be32(r + OFS(ofp_flow_stats_request, out_group), OFPG_ANY);
    put_be64(r + OFS(ofp_flow_stats_request, cookie), cookie);
    put_be64(r + OFS(ofp_flow_stats_request, cookie_mask), cookie_mask);
    put_match(b, NULL);
    ofp_finish(b, start);
}

void
ofp_put_flow_mod(struct buf *b, uint32_t xid, const struct ofp_flow_mod_spec *fm)
{
    size_t start = b->len;
    uint8_t *h = ofp_put_header(b, OFPT_FLOW_MOD, xid, sizeof(struct ofp_flow_mod));
    put_be64(h + OFS(ofp_flow_mod, cookie), fm->cookie);
    put_be64(h + OFS(ofp_flow_mod, cookie_mask), fm->cookie_mask);
    h[OFS(ofp_flow_mod, table_id)] = fm->table_id;
    h[OFS(ofp_flow_mod, command)] = fm->command;
    put_be16(h + OFS(ofp_flow_mod, idle_timeout), fm->idle_timeout);
    put_be16(h + OFS(ofp_flow_mod, hard_timeout), fm->hard_timeout);
    put_be16(h + OFS(ofp_flow_mod, priority), fm->priority);
    put_be32(h + OFS(ofp_flow_mod, buffer_id), OFP_NO_BUFFER);
    put_be32(h + OFS(ofp_flow_mod, out_port),
             fm->out_port ? fm->out_port : OFPP_ANY);
    put_be32(h + OFS(ofp_flow_mod, out_group), OFPG_ANY);
    put_be16(h + OFS(ofp_flow_mod, flags), fm->flags);
    put_match(b, &fm->match);
    bool del = fm->command == OFPFC_DELETE || fm->command == OFPFC_DELETE_STRICT;
    if (!del && fm->meter_id) {
        uint8_t *m = buf_put_zeros(b, 8);
        put_be16(m, 6);                         /* OFPIT_METER */
        put_be16(m + 2, 8);
        put_be32(m + 4, fm->meter_id);
    }
    if (!del && fm->n_acts) {
        size_t ins = b->len;
        buf_put_zeros(b, sizeof(struct ofp_instruction_actions));
        put_actions(b, fm->acts, fm->n_acts);
        put_be16(b->data + ins, 4);             /* OFPIT_APPLY_ACTIONS */
        put_be16(b->data + ins + 2, (uint16_t) (b->len - ins));
    }
    if (!del && fm->goto_table) {
        uint8_t *g = buf_put_zeros(b, 8);
        put_be16(g, 1);                         /* OFPIT_GOTO_TABLE */
        put_be16(g + 2, 8);
        g[4] = fm->goto_table;
    }
    ofp_finish(b, start);
}

void
ofp_put_packet_out(struct buf *b, uint32_t xid, uint32_t in_port,
                   const struct ofp_act *acts, size_t n_acts,
                   const void *data, size_t len)
{
    size_t start = b->len;
    uint8_t *h = ofp_put_header(b, OFPT_PACKET_OUT, xid,
                            sizeof(struct ofp_packet_out));
    put_be32(h + OFS(ofp_packet_out, buffer_id), OFP_NO_BUFFER);
    put_be32(h + OFS(ofp_packet_out, in_port), in_port);
    size_t acts_start = b->len;
    put_actions(b, acts, n_acts);
    put_be16(b->data + start + OFS(ofp_packet_out, actions_len),
             (uint16_t) (b->len - acts_start));
    buf_put(b, data, len);
    ofp_finish(b, start);
}

/* ---- Decoding ---- */

const char *
ofp_dec_str(int err)
{
    switch (err) {
    case OFPDEC_OK: return "ok";
    case OFPDEC_SHORT: return "message too short";
    case OFPDEC_BAD_LEN: return "inconsistent inner length";
    case OFPDEC_BAD_MATCH: return "malformed match";
    case OFPDEC_BAD_VALUE: return "impossible field value";
    default: return "unknown decode error";
    }
}

int
ofp_frame(const uint8_t *buf, size_t len)
{
    if (len < OFP_HEADER_LEN) {
        return 0;
    }
    uint16_t mlen = get_be16(buf + 2);
    if (mlen < OFP_HEADER_LEN) {
        return -1;
    }
    return len >= mlen ? mlen : 0;
}

void
ofp_msg_init(struct ofp_msg *m, const uint8_t *msg, size_t len)
{
    memset(m, 0, sizeof *m);
    if (len < OFP_HEADER_LEN) {
        m->body = msg;
        return;     /* length 0: every decoder reports OFPDEC_SHORT */
    }
    m->version = msg[0];
    m->type = msg[1];
    /* Decoders trust only what is both declared and present. */
    uint16_t declared = get_be16(msg + 2);
    m->length = declared < len ? declared : (uint16_t) len;
    m->xid = get_be32(msg + 4);
    m->body = msg + OFP_HEADER_LEN;
    m->body_len = m->length >= OFP_HEADER_LEN ? m->length - OFP_HEADER_LEN : 0;
}

uint8_t
ofp_hello_negotiate(const struct ofp_msg *m)
{
    /* Hello elements (spec 7.5.1): a version bitmap, if present, is
     * authoritative; otherwise the header's version is the sender's
     * highest. */
    const uint8_t *p = m->body;
    size_t left = m->body_len;
    while (left >= 4) {
        uint16_t type = get_be16(p), elen = get_be16(p + 2);
        if (elen < 4 || elen > left) {
            break;
        }
        if (type == 1 && elen >= 8) {
            uint32_t bm = get_be32(p + 4);
            return (bm & (1u << OFP13_VERSION)) ? OFP13_VERSION : 0;
        }
        size_t padded = (elen + 7u) / 8 * 8;
        if (padded > left) {
            break;
        }
        p += padded;
        left -= padded;
    }
    return m->version >= OFP13_VERSION ? OFP13_VERSION : 0;
}

int
ofp_decode_features(const struct ofp_msg *m, struct ofp_features *f)
{
    if (m->length < sizeof(struct ofp_switch_features)) {
        return OFPDEC_SHORT;
    }
    const uint8_t *h = m->body - OFP_HEADER_LEN;
    f->datapath_id = get_be64(h + OFS(ofp_switch_features, datapath_id));
    f->n_buffers = get_be32(h + OFS(ofp_switch_features, n_buffers));
    f->n_tables = h[OFS(ofp_switch_features, n_tables)];
    f->auxiliary_id = h[OFS(ofp_switch_features, auxiliary_id)];
    f->capabilities = get_be32(h + OFS(ofp_switch_features, capabilities));
    return OFPDEC_OK;
}

int
ofp_decode_error(const struct ofp_msg *m, struct ofp_error *e)
{
    if (m->length < sizeof(struct ofp_error_msg)) {
        return OFPDEC_SHORT;
    }
    const uint8_t *h = m->body - OFP_HEADER_LEN;
    e->xid = m->xid;
    e->type = get_be16(h + OFS(ofp_error_msg, type));
    e->code = get_be16(h + OFS(ofp_error_msg, code));
    e->data = h + sizeof(struct ofp_error_msg);
    e->data_len = m->length - sizeof(struct ofp_error_msg);
    return OFPDEC_OK;
}

const char *
ofp_error_type_str(uint16_t type)
{
    static const char *const names[] = {
        "HELLO_FAILED", "BAD_REQUEST", "BAD_ACTION", "BAD_INSTRUCTION",
        "BAD_MATCH", "FLOW_MOD_FAILED", "GROUP_MOD_FAILED",
        "PORT_MOD_FAILED", "TABLE_MOD_FAILED", "QUEUE_OP_FAILED",
        "SWITCH_CONFIG_FAILED", "ROLE_REQUEST_FAILED", "METER_MOD_FAILED",
        "TABLE_FEATURES_FAILED",
    };
    if (type < sizeof names / sizeof *names) {
        return names[type];
    }
    return type == OFPET_EXPERIMENTER ? "EXPERIMENTER" : "UNKNOWN";
}

/* An ofp_match of type OXM (spec 7.2.3): 'fn' gets each TLV's class,
 * field, payload and payload length, and may refuse it. */
typedef int oxm_fn(void *arg, uint16_t class, uint8_t field,
                   const uint8_t *v, uint8_t len);

static int
walk_match(const uint8_t *p, size_t len, size_t *consumed, oxm_fn *fn,
           void *arg)
{
    if (len < sizeof(struct ofp_match)) {
        return OFPDEC_SHORT;
    }
    uint16_t type = get_be16(p), mlen = get_be16(p + 2);
    size_t padded = (mlen + 7u) / 8 * 8;
    if (type != 1 || mlen < 4 || padded > len) {
        return OFPDEC_BAD_MATCH;
    }
    for (size_t o = 4; o < mlen; ) {
        if (mlen - o < 4) {
            return OFPDEC_BAD_MATCH;
        }
        uint8_t plen = p[o + 3];
        if (plen > mlen - o - 4) {
            return OFPDEC_BAD_MATCH;
        }
        int err = fn(arg, get_be16(p + o), p[o + 2] >> 1, p + o + 4, plen);
        if (err) {
            return err;
        }
        o += 4 + plen;
    }
    *consumed = padded;
    return OFPDEC_OK;
}

/* A switch's match (Packet-In): in_port, ct_state and ct_mark are read,
 * every other field skipped. */
static int
in_port_oxm(void *arg, uint16_t class, uint8_t field, const uint8_t *v,
            uint8_t len)
{
    struct ofp_match_fields *mf = arg;
    if (class == OFPXMC_OPENFLOW_BASIC && field == OXM_IN_PORT) {
        if (len != 4) {
            return OFPDEC_BAD_MATCH;
        }
        mf->has_in_port = true;
        mf->in_port = get_be32(v);
    } else if (class == OFPXMC_NXM_1
               && (field == NXM_NX_CT_STATE || field == NXM_NX_CT_MARK)) {
        /* Open vSwitch 3.1 sends ct_state with a mask (value/mask). */
        if (len != 4 && len != 8) {
            return OFPDEC_BAD_MATCH;
        }
        uint32_t val = get_be32(v) & (len == 8 ? get_be32(v + 4) : UINT32_MAX);
        if (field == NXM_NX_CT_STATE) {
            mf->has_ct_state = true;
            mf->ct_state = val;
        } else {
            mf->has_ct_mark = true;
            mf->ct_mark = val;
        }
    }
    return OFPDEC_OK;
}

int
ofp_decode_match(const uint8_t *p, size_t len, size_t *consumed,
                 struct ofp_match_fields *mf)
{
    memset(mf, 0, sizeof *mf);
    return walk_match(p, len, consumed, in_port_oxm, mf);
}

int
ofp_decode_packet_in(const struct ofp_msg *m, struct ofp_packet_in_msg *pi)
{
    if (m->length < sizeof(struct ofp_packet_in) + 8 + 2) {
        return OFPDEC_SHORT;
    }
    const uint8_t *h = m->body - OFP_HEADER_LEN;
    pi->buffer_id = get_be32(h + OFS(ofp_packet_in, buffer_id));
    pi->total_len = get_be16(h + OFS(ofp_packet_in, total_len));
    pi->reason = h[OFS(ofp_packet_in, reason)];
    pi->table_id = h[OFS(ofp_packet_in, table_id)];
    pi->cookie = get_be64(h + OFS(ofp_packet_in, cookie));

    size_t ofs = sizeof(struct ofp_packet_in), consumed;
    struct ofp_match_fields mf;
    int err = ofp_decode_match(h + ofs, m->length - ofs, &consumed, &mf);
    if (err) {
        return err;
    }
    if (!mf.has_in_port) {
        return OFPDEC_BAD_MATCH;
    }
    pi->in_port = mf.in_port;
    /* Open vSwitch leaves out fields that are zero: a tracked packet has
     * ct_state (+trk at least); its mark is 0 when absent. */
    pi->has_ct = mf.has_ct_state;
    pi->ct_state = mf.ct_state;
    pi->ct_mark = mf.ct_mark;
    ofs += consumed;
    if (m->length - ofs < 2) {      /* 2 bytes of padding precede data */
        return OFPDEC_BAD_LEN;
    }
    ofs += 2;
    pi->data = h + ofs;
    pi->data_len = m->length - ofs;
    return OFPDEC_OK;
}

int
ofp_decode_flow_removed(const struct ofp_msg *m, struct ofp_flow_removed_msg *fr)
{
    if (m->length < sizeof(struct ofp_flow_removed) + 8) {
        return OFPDEC_SHORT;
    }
    const uint8_t *h = m->body - OFP_HEADER_LEN;
    fr->cookie = get_be64(h + OFS(ofp_flow_removed, cookie));
    fr->priority = get_be16(h + OFS(ofp_flow_removed, priority));
    fr->reason = h[OFS(ofp_flow_removed, reason)];
    fr->table_id = h[OFS(ofp_flow_removed, table_id)];
    fr->duration_sec = get_be32(h + OFS(ofp_flow_removed, duration_sec));
    fr->duration_nsec = get_be32(h + OFS(ofp_flow_removed, duration_nsec));
    fr->idle_timeout = get_be16(h + OFS(ofp_flow_removed, idle_timeout));
    fr->hard_timeout = get_be16(h + OFS(ofp_flow_removed, hard_timeout));
    fr->packet_count = get_be64(h + OFS(ofp_flow_removed, packet_count));
    fr->byte_count = get_be64(h + OFS(ofp_flow_removed, byte_count));
    size_t consumed;
    struct ofp_match_fields mf;
    return ofp_decode_match(h + sizeof(struct ofp_flow_removed),
                            m->length - sizeof(struct ofp_flow_removed),
                            &consumed, &mf);
}

static void
decode_port(const uint8_t *p, struct ofp_port_info *pi)
{
    pi->port_no = get_be32(p + OFS(ofp_port, port_no));
    memcpy(pi->hw_addr, p + OFS(ofp_port, hw_addr), 6);
    memcpy(pi->name, p + OFS(ofp_port, name), 16);
    pi->name[16] = '\0';
    pi->config = get_be32(p + OFS(ofp_port, config));
    pi->state = get_be32(p + OFS(ofp_port, state));
}

int
ofp_decode_port_status(const struct ofp_msg *m, struct ofp_port_status_msg *ps)
{
    if (m->length < sizeof(struct ofp_port_status)) {
        return OFPDEC_SHORT;
    }
    const uint8_t *h = m->body - OFP_HEADER_LEN;
    ps->reason = h[OFS(ofp_port_status, reason)];
    decode_port(h + OFS(ofp_port_status, desc), &ps->port);
    return OFPDEC_OK;
}

int
ofp_decode_multipart_reply(const struct ofp_msg *m, struct ofp_multipart_reply *r)
{
    if (m->length < sizeof(struct ofp_multipart_header)) {
        return OFPDEC_SHORT;
    }
    const uint8_t *h = m->body - OFP_HEADER_LEN;
    r->type = get_be16(h + OFS(ofp_multipart_header, type));
    r->flags = get_be16(h + OFS(ofp_multipart_header, flags));
    r->body = h + sizeof(struct ofp_multipart_header);
    r->body_len = m->length - sizeof(struct ofp_multipart_header);
    return OFPDEC_OK;
}

int
ofp_next_port(const struct ofp_multipart_reply *r, size_t *ofs,
              struct ofp_port_info *pi)
{
    if (*ofs == r->body_len) {
        return 0;
    }
    if (r->body_len - *ofs < sizeof(struct ofp_port)) {
        return OFPDEC_BAD_LEN;
    }
    decode_port(r->body + *ofs, pi);
    *ofs += sizeof(struct ofp_port);
    return 1;
}

int
ofp_next_port_stats(const struct ofp_multipart_reply *r, size_t *ofs,
                    struct ofp_port_stats_entry *e)
{
    if (*ofs == r->body_len) {
        return 0;
    }
    if (r->body_len - *ofs < sizeof(struct ofp_port_stats)) {
        return OFPDEC_BAD_LEN;
    }
    const uint8_t *p = r->body + *ofs;
    e->port_no = get_be32(p + OFS(ofp_port_stats, port_no));
    e->tx_packets = get_be64(p + OFS(ofp_port_stats, tx_packets));
    e->tx_bytes = get_be64(p + OFS(ofp_port_stats, tx_bytes));
    e->tx_dropped = get_be64(p + OFS(ofp_port_stats, tx_dropped));
    e->duration_ms = (uint64_t) get_be32(p + OFS(ofp_port_stats, duration_sec))
                     * 1000
                     + get_be32(p + OFS(ofp_port_stats, duration_nsec))
                     / 1000000;
    *ofs += sizeof(struct ofp_port_stats);
    return 1;
}

int
ofp_next_meter_stats(const struct ofp_multipart_reply *r, size_t *ofs,
                     struct ofp_meter_stats_entry *e)
{
    if (*ofs == r->body_len) {
        return 0;
    }
    const uint8_t *p = r->body + *ofs;
    size_t left = r->body_len - *ofs;
    if (left < sizeof(struct ofp_meter_stats)) {
        return OFPDEC_BAD_LEN;
    }
    uint16_t len = get_be16(p + OFS(ofp_meter_stats, len));
    if (len < sizeof(struct ofp_meter_stats) || len > left
        || (len - sizeof(struct ofp_meter_stats)) % 16) {
        return OFPDEC_BAD_LEN;
    }
    e->meter_id = get_be32(p + OFS(ofp_meter_stats, meter_id));
    e->flow_count = get_be32(p + OFS(ofp_meter_stats, flow_count));
    e->packets_in = get_be64(p + OFS(ofp_meter_stats, packet_in_count));
    e->bytes_in = get_be64(p + OFS(ofp_meter_stats, byte_in_count));
    e->duration_ms = (uint64_t) get_be32(p + OFS(ofp_meter_stats, duration_sec))
                     * 1000
                     + get_be32(p + OFS(ofp_meter_stats, duration_nsec))
                     / 1000000;
    e->band_packets = e->band_bytes = 0;
    if (len > sizeof(struct ofp_meter_stats)) {
        e->band_packets = get_be64(p + sizeof(struct ofp_meter_stats));
        e->band_bytes = get_be64(p + sizeof(struct ofp_meter_stats) + 8);
    }
    *ofs += len;
    return 1;
}

int
ofp_decode_meter_features(const struct ofp_multipart_reply *r,
                          struct ofp_meter_features_info *f)
{
    if (r->type != OFPMP_METER_FEATURES) {
        return OFPDEC_BAD_VALUE;
    }
    if (r->body_len < sizeof(struct ofp_meter_features)) {
        return OFPDEC_SHORT;
    }
    const uint8_t *p = r->body;
    f->max_meter = get_be32(p + OFS(ofp_meter_features, max_meter));
    f->band_types = get_be32(p + OFS(ofp_meter_features, band_types));
    f->capabilities = get_be32(p + OFS(ofp_meter_features, capabilities));
    f->max_bands = p[OFS(ofp_meter_features, max_bands)];
    return OFPDEC_OK;
}

int
ofp_next_flow_stats(const struct ofp_multipart_reply *r, size_t *ofs,
                    struct ofp_flow_stats_entry *e)
{
    if (*ofs == r->body_len) {
        return 0;
    }
    const uint8_t *p = r->body + *ofs;
    size_t left = r->body_len - *ofs;
    if (left < sizeof(struct ofp_flow_stats) + 8) {
        return OFPDEC_BAD_LEN;
    }
    uint16_t len = get_be16(p + OFS(ofp_flow_stats, length));
    if (len < sizeof(struct ofp_flow_stats) + 8 || len > left) {
        return OFPDEC_BAD_LEN;
    }
    e->table_id = p[OFS(ofp_flow_stats, table_id)];
    e->duration_sec = get_be32(p + OFS(ofp_flow_stats, duration_sec));
    e->duration_nsec = get_be32(p + OFS(ofp_flow_stats, duration_nsec));
    e->priority = get_be16(p + OFS(ofp_flow_stats, priority));
    e->idle_timeout = get_be16(p + OFS(ofp_flow_stats, idle_timeout));
    e->hard_timeout = get_be16(p + OFS(ofp_flow_stats, hard_timeout));
    e->flags = get_be16(p + OFS(ofp_flow_stats, flags));
    e->cookie = get_be64(p + OFS(ofp_flow_stats, cookie));
    e->packet_count = get_be64(p + OFS(ofp_flow_stats, packet_count));
    e->byte_count = get_be64(p + OFS(ofp_flow_stats, byte_count));
    size_t consumed;
    struct ofp_match_fields mf;
    int err = ofp_decode_match(p + sizeof(struct ofp_flow_stats),
                               len - sizeof(struct ofp_flow_stats),
                               &consumed, &mf);
    if (err) {
        return err;
    }
    *ofs += len;
    return 1;
}

const char *
ofp_type_str(uint8_t type)
{
    static const char *const names[] = {
        "HELLO", "ERROR", "ECHO_REQUEST", "ECHO_REPLY", "EXPERIMENTER",
        "FEATURES_REQUEST", "FEATURES_REPLY", "GET_CONFIG_REQUEST",
        "GET_CONFIG_REPLY", "SET_CONFIG", "PACKET_IN", "FLOW_REMOVED",
        "PORT_STATUS", "PACKET_OUT", "FLOW_MOD", "GROUP_MOD", "PORT_MOD",
        "TABLE_MOD", "MULTIPART_REQUEST", "MULTIPART_REPLY",
        "BARRIER_REQUEST", "BARRIER_REPLY", "QUEUE_GET_CONFIG_REQUEST",
        "QUEUE_GET_CONFIG_REPLY", "ROLE_REQUEST", "ROLE_REPLY",
        "GET_ASYNC_REQUEST", "GET_ASYNC_REPLY", "SET_ASYNC", "METER_MOD",
    };
    return type < sizeof names / sizeof *names ? names[type] : "UNKNOWN";
}

/* ---- Decoding what a controller sends (the switch's side: the unit
 * tests' switch model, tools) ---- */

/* The match fields that put_match() writes, back into a spec; any other
 * field is refused. */
static int
spec_oxm(void *arg, uint16_t class, uint8_t field, const uint8_t *v,
         uint8_t len)
{
    struct ofp_match_spec *m = arg;
    if (class == OFPXMC_NXM_1) {
        if (len != 8 || (field != NXM_NX_CT_STATE && field != NXM_NX_CT_MARK)) {
            return OFPDEC_BAD_MATCH;
        }
        if (field == NXM_NX_CT_STATE) {
            m->fields |= OFPM_CT_STATE;
            m->ct_state = get_be32(v);
            m->ct_state_mask = get_be32(v + 4);
        } else {
            m->fields |= OFPM_CT_MARK;
            m->ct_mark = get_be32(v);
            m->ct_mark_mask = get_be32(v + 4);
        }
        return OFPDEC_OK;
    }
    if (class == OFPXMC_EXPERIMENTER) {
        if (len != 8 || get_be32(v) != ONF_EXPERIMENTER_ID
            || field != ONFOXM_ET_TCP_FLAGS) {
            return OFPDEC_BAD_MATCH;
        }
        m->fields |= OFPM_TCP_FLAGS;
        m->tcp_flags = get_be16(v + 4);
        m->tcp_flags_mask = get_be16(v + 6);
        return OFPDEC_OK;
    }
    static const struct { uint8_t field, len; uint32_t flag; } oxms[] = {
        { OXM_IN_PORT, 4, OFPM_IN_PORT }, { OXM_ETH_DST, 6, OFPM_ETH_DST },
        { OXM_ETH_TYPE, 2, OFPM_ETH_TYPE }, { OXM_IP_PROTO, 1, OFPM_IP_PROTO },
        { OXM_IPV4_SRC, 4, OFPM_IPV4_SRC }, { OXM_IPV4_DST, 4, OFPM_IPV4_DST },
        { OXM_TCP_SRC, 2, OFPM_TCP_SRC }, { OXM_TCP_DST, 2, OFPM_TCP_DST },
        { OXM_UDP_SRC, 2, OFPM_UDP_SRC }, { OXM_UDP_DST, 2, OFPM_UDP_DST },
        { OXM_IPV6_SRC, 16, OFPM_IPV6_SRC }, { OXM_IPV6_DST, 16, OFPM_IPV6_DST },
        { OXM_VLAN_VID, 2, OFPM_VLAN_VID },
    };
    size_t k = 0;
    while (k < sizeof oxms / sizeof *oxms && oxms[k].field != field) {
        k++;
    }
    if (class != OFPXMC_OPENFLOW_BASIC || k == sizeof oxms / sizeof *oxms
        || oxms[k].len != len) {
        return OFPDEC_BAD_MATCH;
    }
    m->fields |= oxms[k].flag;
    switch (field) {
    case OXM_IN_PORT: m->in_port = get_be32(v); break;
    case OXM_ETH_DST: memcpy(m->eth_dst, v, 6); break;
    case OXM_ETH_TYPE: m->eth_type = get_be16(v); break;
    case OXM_IP_PROTO: m->ip_proto = v[0]; break;
    case OXM_IPV4_SRC: m->ipv4_src = get_be32(v); break;
    case OXM_IPV4_DST: m->ipv4_dst = get_be32(v); break;
    case OXM_IPV6_SRC: memcpy(m->ipv6_src, v, 16); break;
    case OXM_VLAN_VID: m->vlan_vid = get_be16(v); break;
    case OXM_IPV6_DST: memcpy(m->ipv6_dst, v, 16); break;
    case OXM_TCP_SRC: case OXM_UDP_SRC: m->tp_src = get_be16(v); break;
    default: m->tp_dst = get_be16(v); break;
    }
    return OFPDEC_OK;
}

static int
decode_match_spec(const uint8_t *p, size_t len, size_t *consumed,
                  struct ofp_match_spec *m)
{
    memset(m, 0, sizeof *m);
    return walk_match(p, len, consumed, spec_oxm, m);
}

/* ct(...) as put_ct() writes it: zone 0, no ALG, at most a set_field of
 * ct_mark as its nested action. */
static int
decode_ct(const uint8_t *a, size_t len, struct ofp_act *act)
{
    if (len < sizeof(struct nx_action_conntrack)
        || get_be32(a + OFS(nx_action_conntrack, zone_src))
        || get_be16(a + OFS(nx_action_conntrack, zone_imm))
        || get_be16(a + OFS(nx_action_conntrack, alg))) {
        return OFPDEC_BAD_VALUE;
    }
    uint16_t flags = get_be16(a + OFS(nx_action_conntrack, flags));
    if (flags & ~NX_CT_F_COMMIT) {
        return OFPDEC_BAD_VALUE;
    }
    *act = (struct ofp_act) {
        .kind = OFPACT_CT, .ct_commit = flags & NX_CT_F_COMMIT,
        .ct_table = a[OFS(nx_action_conntrack, recirc_table)],
    };
    const uint8_t *n = a + sizeof(struct nx_action_conntrack);
    size_t nlen = len - sizeof(struct nx_action_conntrack);
    if (!nlen) {
        return OFPDEC_OK;
    }
    if (nlen != 16 || get_be16(n) != OFPAT_SET_FIELD || get_be16(n + 2) != 16
        || get_be16(n + 4) != OFPXMC_NXM_1 || n[6] != NXM_NX_CT_MARK << 1
        || n[7] != 4) {
        return OFPDEC_BAD_VALUE;
    }
    act->ct_set_mark = true;
    act->ct_mark = get_be32(n + 8);
    return OFPDEC_OK;
}

/* The actions put_actions() writes: output, truncated output, ct. */
static int
decode_actions(const uint8_t *p, size_t len, struct ofp_act *acts,
               size_t *n_acts)
{
    size_t n = 0;
    for (size_t o = 0; o < len; ) {
        if (len - o < 8 || n == OFP_MAX_ACTS) {
            return OFPDEC_BAD_LEN;
        }
        const uint8_t *a = p + o;
        uint16_t type = get_be16(a), alen = get_be16(a + 2);
        if (alen < 8 || alen % 8 || alen > len - o) {
            return OFPDEC_BAD_LEN;
        }
        bool nx = type == 0xffff && alen >= 10
                  && get_be32(a + 4) == NX_VENDOR_ID;
        uint16_t subtype = nx ? get_be16(a + 8) : 0;
        if (type == 0 && alen == 16) {
            acts[n++] = (struct ofp_act) {
                .kind = OFPACT_OUTPUT,
                .port = get_be32(a + OFS(ofp_action_output, port)),
                .max_len = get_be16(a + OFS(ofp_action_output, max_len)) };
        } else if (nx && subtype == NXAST_OUTPUT_TRUNC && alen == 16) {
            acts[n++] = (struct ofp_act) {
                .kind = OFPACT_OUTPUT_TRUNC,
                .port = get_be16(a + OFS(nx_action_output_trunc, port)),
                .max_len = get_be32(a + OFS(nx_action_output_trunc, max_len)) };
        } else if (nx && subtype == NXAST_CT) {
            int err = decode_ct(a, alen, &acts[n++]);
            if (err) {
                return err;
            }
        } else {
            return OFPDEC_BAD_VALUE;
        }
        o += alen;
    }
    *n_acts = n;
    return OFPDEC_OK;
}

int
ofp_decode_flow_mod(const struct ofp_msg *m, struct ofp_flow_mod_msg *fm)
{
    memset(fm, 0, sizeof *fm);
    if (m->length < sizeof(struct ofp_flow_mod) + sizeof(struct ofp_match)) {
        return OFPDEC_SHORT;
    }
    const uint8_t *h = m->body - OFP_HEADER_LEN;
    struct ofp_flow_mod_spec *s = &fm->spec;
    s->cookie = get_be64(h + OFS(ofp_flow_mod, cookie));
    s->cookie_mask = get_be64(h + OFS(ofp_flow_mod, cookie_mask));
    s->table_id = h[OFS(ofp_flow_mod, table_id)];
    s->command = h[OFS(ofp_flow_mod, command)];
    s->idle_timeout = get_be16(h + OFS(ofp_flow_mod, idle_timeout));
    s->hard_timeout = get_be16(h + OFS(ofp_flow_mod, hard_timeout));
    s->priority = get_be16(h + OFS(ofp_flow_mod, priority));
    s->out_port = get_be32(h + OFS(ofp_flow_mod, out_port));
    s->flags = get_be16(h + OFS(ofp_flow_mod, flags));
    size_t ofs = sizeof(struct ofp_flow_mod), consumed;
    int err = decode_match_spec(h + ofs, m->length - ofs, &consumed, &s->match);
    if (err) {
        return err;
    }
    ofs += consumed;
    while (ofs < m->length) {
        if (m->length - ofs < sizeof(struct ofp_instruction_actions)) {
            return OFPDEC_BAD_LEN;
        }
        uint16_t type = get_be16(h + ofs), ilen = get_be16(h + ofs + 2);
        if (ilen < 8 || ilen > m->length - ofs) {
            return OFPDEC_BAD_LEN;
        }
        if (type == 6 && ilen == 8 && !s->meter_id && !s->n_acts) {
            s->meter_id = get_be32(h + ofs + 4);        /* METER, first */
            if (!s->meter_id) {
                return OFPDEC_BAD_VALUE;
            }
            ofs += ilen;
            continue;
        }
        if (type == 1 && ilen == 8 && !s->goto_table) {  /* GOTO_TABLE */
            s->goto_table = h[ofs + 4];
            if (!s->goto_table || s->goto_table <= s->table_id) {
                return OFPDEC_BAD_VALUE;    /* only forward (spec 5.1) */
            }
            ofs += ilen;
            continue;
        }
        if (type != 4 || s->n_acts) {   /* one OFPIT_APPLY_ACTIONS */
            return OFPDEC_BAD_VALUE;
        }
        err = decode_actions(h + ofs + 8, ilen - 8u, fm->acts, &s->n_acts);
        if (err) {
            return err;
        }
        ofs += ilen;
    }
    s->acts = fm->acts;
    return OFPDEC_OK;
}

int
ofp_decode_packet_out(const struct ofp_msg *m, struct ofp_packet_out_msg *po)
{
    memset(po, 0, sizeof *po);
    if (m->length < sizeof(struct ofp_packet_out)) {
        return OFPDEC_SHORT;
    }
    const uint8_t *h = m->body - OFP_HEADER_LEN;
    po->buffer_id = get_be32(h + OFS(ofp_packet_out, buffer_id));
    po->in_port = get_be32(h + OFS(ofp_packet_out, in_port));
    size_t alen = get_be16(h + OFS(ofp_packet_out, actions_len));
    if (alen > m->length - sizeof(struct ofp_packet_out)) {
        return OFPDEC_BAD_LEN;
    }
    int err = decode_actions(h + sizeof(struct ofp_packet_out), alen, po->acts,
                             &po->n_acts);
    if (err) {
        return err;
    }
    po->data = h + sizeof(struct ofp_packet_out) + alen;
    po->data_len = m->length - sizeof(struct ofp_packet_out) - alen;
    return OFPDEC_OK;
}
