/* fakeswitch: a fake OpenFlow 1.3 switch and load generator for testing
 * and benchmarking OpenFlow controllers (our elide-controller and
 * ovs-testcontroller).  Messages are encoded with the controller's own
 * codec (controller/ofp.[ch], buf.[ch]) where it has an encoder, and with
 * the switch-side encoders below where it has not (FEATURES_REPLY,
 * PACKET_IN, ...: a controller never sends those).
 *
 * Modules: swmsg.c (switch-side messages and Ethernet/IPv4/TCP/UDP
 * frames), sw.c (one switch session: handshake answers, counters, blocking
 * helpers), hostile.c (malformed input scenarios), held.c (Packet-Outs
 * held behind barriers, scenarios of hostile.c), load.c (throughput,
 * latency, connection flood, the well-behaved watchdog), main.c (options). */
#ifndef FS_H
#define FS_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ofp.h"

/* ---- Options shared by every subcommand ---- */
struct fs_opts {
    const char *host, *port;        /* controller address */
    uint64_t dpid;                  /* first datapath id */
    uint32_t n_ports;               /* host ports 1..n_ports */
    uint32_t mirror_port;           /* also listed in PORT_DESC; 0: none */
    int ctl_pid;                    /* controller PID for RSS samples; 0 */
    bool verbose;
};

uint64_t fs_now_ns(void);
long fs_rss_kb(int pid);            /* VmRSS of 'pid', -1 if unknown */
/* CPU time (user + system) of 'pid' in seconds, -1 if unknown. */
double fs_cpu_s(int pid);

/* ---- Switch-side messages (swmsg.c) ---- */
void fs_put_features_reply(struct buf *, uint32_t xid, uint64_t dpid);
/* One ofp_port (64 bytes) at 'p'. */
void fs_fill_port(uint8_t *p, uint32_t port_no);
void fs_put_port_desc_reply(struct buf *, uint32_t xid, const uint32_t *ports,
                            size_t n, uint16_t flags);
void fs_put_multipart_reply(struct buf *, uint32_t xid, uint16_t type,
                            uint16_t flags, const void *body, size_t len);
void fs_put_packet_in(struct buf *, uint32_t xid, uint32_t in_port,
                      const uint8_t *frame, size_t len);
void fs_put_port_status(struct buf *, uint32_t xid, uint8_t reason,
                        uint32_t port_no);
void fs_put_flow_removed(struct buf *, uint32_t xid, uint64_t cookie,
                         uint8_t reason);
void fs_put_get_config_reply(struct buf *, uint32_t xid);

/* Frames.  MACs and IPv4 addresses are derived from small integers so
 * that every station lives on a fixed port and pairs are distinct. */
void fs_mac(uint8_t mac[6], uint32_t station);
/* Ethernet/IPv4/UDP frame of exactly 'size' bytes (>= 42) into 'out';
 * the _hdr variant writes the 42 header bytes only (the payload a
 * generator filled once stays). */
size_t fs_frame_udp(uint8_t *out, size_t size, uint32_t src_station,
                    uint32_t dst_station, uint16_t sport, uint16_t dport);
size_t fs_frame_udp_hdr(uint8_t *out, size_t size, uint32_t src_station,
                        uint32_t dst_station, uint16_t sport, uint16_t dport);
struct fs_tcp {
    uint32_t src_station, dst_station;  /* MACs */
    uint32_t sip, dip;                  /* host order */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;                      /* TCP_* from pkt.h */
};
/* Ethernet/IPv4/TCP frame with 'payload' (may be NULL: zeros), into 'out'
 * of at least 54 + plen bytes; returns the frame length. */
size_t fs_frame_tcp(uint8_t *out, const struct fs_tcp *, const void *payload,
                    size_t plen);

/* ---- One switch session (sw.c) ---- */
enum { FS_TYPES = 32 };

struct fsw {
    int fd;
    uint64_t dpid;
    const struct fs_opts *o;
    struct buf rx, tx;
    uint32_t xid;
    bool hello_rcvd, features_sent, ready, closed, corrupt;
    bool auto_answer;               /* answer requests (default true) */
    bool hold_barriers;             /* but leave BARRIER_REQUESTs to on_msg */
    uint32_t ready_xid;             /* echo sent after FEATURES_REPLY */
    uint64_t rx_type[FS_TYPES];     /* messages received, per type */
    uint64_t rx_other;              /* types >= FS_TYPES */
    uint64_t rx_bytes;
    /* Last ERROR received. */
    uint16_t err_type, err_code;
    uint32_t err_xid;
    /* Last ECHO_REPLY received. */
    uint32_t echo_xid;
    size_t echo_len;
    /* Called for each message received (after the automatic answer). */
    void (*on_msg)(struct fsw *, const uint8_t *msg, size_t len);
    void *aux;
};

void fsw_init(struct fsw *, const struct fs_opts *, uint64_t dpid);
void fsw_free(struct fsw *);
/* Blocking TCP connect to the controller, then non-blocking.  Optional
 * receive buffer size (0: default).  Returns 0 or -1 (message printed). */
int fsw_connect(struct fsw *, int rcvbuf);
uint32_t fsw_next_xid(struct fsw *);
/* Handles every complete message in rx.  Returns -1 if the stream is
 * corrupt (a length field below 8 from the controller). */
int fsw_process(struct fsw *);
/* One non-blocking receive into rx (up to 'max' bytes): bytes read, 0 if
 * nothing was available, -1 if the peer closed or reset. */
long fsw_recv(struct fsw *, size_t max);
/* Sends what it can of tx: 0, or -1 if the peer is gone. */
int fsw_flush(struct fsw *);

/* Blocking helpers (poll), for the scenarios and the watchdog.  Each
 * returns 0 when its condition holds, -1 on timeout or closed peer. */
int fsw_pump(struct fsw *, int timeout_ms);
int fsw_handshake(struct fsw *, int timeout_ms);
int fsw_echo(struct fsw *, size_t body_len, int timeout_ms);
int fsw_wait_type(struct fsw *, uint8_t type, uint64_t count_before,
                  int timeout_ms);
/* Waits until the controller closes the connection. */
int fsw_wait_closed(struct fsw *, int timeout_ms);
int fsw_send_all(struct fsw *, int timeout_ms);

/* SYN Packet-Ins (client to port 80) for connections [from, from + n),
 * confirmed by echo round trips every 2000 (load.c). */
int fs_syn_flood(struct fsw *, uint32_t from, uint32_t n, int timeout_ms);

/* ---- Held Packet-Outs (held.c) ---- */
/* Scenarios of the hostile command in which the controller (elide mode)
 * holds a connection's Packet-Outs behind a barrier: the switch answers
 * the barrier together with, or just before, more segments of held
 * connections.  'settle_ms' is the controller's --settle-ms.  Returns 0
 * (PASS) or 1 (a FAIL: line printed). */
enum fs_held_case {
    FS_HELD_SAME_WRITE,     /* barrier reply and a segment in one write */
    FS_HELD_IN_SETTLE,      /* the segment right after, within settle */
    FS_HELD_TWO_CONNS,      /* two held connections interleaved */
};
int fs_held_scenario(const struct fs_opts *, uint64_t dpid, enum fs_held_case,
                     unsigned settle_ms);

/* ---- Subcommands ---- */
int fs_hostile_main(const struct fs_opts *, int argc, char **argv);
int fs_bench_main(const struct fs_opts *, int argc, char **argv);
int fs_flood_main(const struct fs_opts *, int argc, char **argv);
int fs_watch_main(const struct fs_opts *, int argc, char **argv);

#endif
