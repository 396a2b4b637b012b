/* The event log's schema: one emitter per event type, each writing the
 * fields README.md documents ("Event log").  log.c writes the JSON. */
#ifndef EVENTS_H
#define EVENTS_H 1

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct conn;
struct conn_event;

/* The counters a switch session reports when it ends. */
struct ev_sw_counts { uint64_t packet_in, packet_out, flow_mod, stats_request; };

void ev_switch_connected(uint64_t dpid, uint64_t ports, bool mirror,
                         enum ctl_mode, const char *datapath);
void ev_switch_disconnected(uint64_t dpid, const char *reason,
                            const struct ev_sw_counts *);

/* 'sent': an error the controller sent (e.g. HELLO_FAILED), not one the
 * switch reported. */
void ev_openflow_error(uint64_t dpid, uint32_t xid, uint16_t type,
                       uint16_t code, bool sent);

/* --mirror-budget moved the threshold: the mirror port's load (bit/s)
 * and drops over the last interval. */
void ev_threshold(uint64_t dpid, uint64_t threshold, uint64_t previous,
                  uint64_t load_bps, uint64_t budget_bps, uint64_t dropped);

void ev_conn_open(uint64_t dpid, const struct conn *);
void ev_conn_close(uint64_t dpid, const struct conn *, const char *reason);

/* conn.c's events (http_request, http_response, elide_start, elide_end,
 * alert, passthrough); alerts also go to the human log under 'name'. */
void ev_conn_event(uint64_t dpid, const char *name, const struct conn *,
                   const struct conn_event *);

/* "10.0.0.1:40000-10.0.0.2:80" into 'buf' (at least 64 bytes). */
void ev_conn_str(const struct conn *, char *buf, size_t n);

#endif
