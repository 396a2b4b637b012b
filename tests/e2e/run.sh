#!/usr/bin/env bash
# End-to-end tests of the mirroring controller on a real OVS bridge.
#
#   tests/e2e/run.sh [-l] [CASE...]      (as root; default: every case)
#
# Environment: CONTROLLER (default build/elide-controller; the sanitizer
# build is build/san/elide-controller), E2E_KEEP=1 keeps the captures and
# logs, E2E_VERBOSE=1, E2E_CAP=0 never caps the mirror port; names and
# ports: see lib.sh.  Prints one PASS/FAIL line per case and last
# "N passed, M failed"; exits non-zero if any case failed.
#
# Topology: client 10.0.0.1 (OpenFlow port 1), server 10.0.0.2 (port 2,
# nginx), monitor (port 3, the mirror port, optionally capped at 10 Mbit/s).
# Captures: on the monitor (what the mirror delivered) and on the client
# (ground truth).
set -u -o pipefail

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

CASES=(none_small plain_small selective_small truncate_small
       elide_36m elide_keepalive elide_pipeline elide_paper_36m plain_36m
       rules_elide rules_conntrack tls13_36m tls12_36m tls_slice tls_off
       not_tls ssh_scp ipv6_http_36m ipv6_tls_36m vlan_36m budget_mid)

SRV=$E2E_SRV_IP
CLI=$E2E_CLI_IP
HTTP="tcp port 80"

# ------------------------------------------------------------ case helpers

CASE=""
CASE_DIR=""
CASE_FAILS=0
CASE_INFO=()
CASE_ALERTS_MUST_BE_ZERO=0
MON_PID=""
GT_PID=""

# expect DESCRIPTION COMMAND...: one assertion.
expect() {
    local what=$1; shift
    if "$@"; then
        e2e_dbg "  ok   $CASE: $what"
    else
        CASE_FAILS=$((CASE_FAILS + 1))
        printf '  FAIL %s: %s\n' "$CASE" "$what"
    fi
}

info() { CASE_INFO+=("$*"); }

# Caps or uncaps the mirror, starts the controller and both captures.
start_case() {
    local cap=$1 mode=$2; shift 2
    if [ "$cap" = capped ]; then
        e2e_mirror_cap "$E2E_MIRROR_RATE" || return 1
    else
        e2e_mirror_uncap
    fi
    info "mirror=$(e2e_mirror_qdisc | tr ' ' ':')"
    e2e_ctl_start "$CASE_DIR" "$mode" "$@" || return 1
    e2e_capture_start "$E2E_NS_MON" "$CASE_DIR/mon.pcap" || return 1
    MON_PID=$E2E_CAP_PID
    e2e_capture_start "$E2E_NS_CLI" "$CASE_DIR/cli.pcap" || return 1
    GT_PID=$E2E_CAP_PID
}

# Stops both captures once the mirror queue has drained.
stop_captures() {
    sleep 0.5
    if [ -n "$GT_PID" ]; then e2e_capture_stop "$GT_PID" "$CASE_DIR/cli.pcap"; fi
    if [ -n "$MON_PID" ]; then e2e_capture_stop "$MON_PID" "$CASE_DIR/mon.pcap"; fi
    GT_PID="" MON_PID=""
}

# count mon|truth [BPF]: "PACKETS BYTES" in the monitor or ground truth.
count() {
    local f=$CASE_DIR/mon.pcap
    [ "$1" = truth ] && f=$CASE_DIR/cli.pcap
    shift
    e2e_pcap_count "$f" "$@"
}

# Sets HEADS_* from httpheads.py (which also checks the ground truth).
heads() {
    local line k v
    HEADS_requests=0 HEADS_requests_mirrored=0 HEADS_responses=0
    HEADS_responses_mirrored=0 HEADS_s2c_mirrored=0
    "$PY" "$E2E_DIR/httpheads.py" "$CASE_DIR/cli.pcap" "$CASE_DIR/mon.pcap" 80 \
        >"$CASE_DIR/heads.txt" 2>&1
    HEADS_rc=$?
    line=$(grep '^total ' "$CASE_DIR/heads.txt")
    for kv in ${line#total }; do
        k=${kv%%=*} v=${kv#*=}
        printf -v "HEADS_$k" '%s' "$v"
    done
}

sha_ok() { e2e_sha_ok "$CASE_DIR/$1.out" "$1"; }

connects() { cut -d' ' -f1 "$CASE_DIR/curl.stats" | tr '\n' ' '; }
connects_are() { [ "$(connects)" = "$1" ]; }

# The case's transfer time(s) for the report line.
note_time() {
    info "curl=$(cut -d' ' -f2 "$CASE_DIR/curl.stats" | sed 's/$/s/' | paste -sd+)"
}

between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

all_eq() {  # all_eq WANT V...: every V equals WANT
    local want=$1 v; shift
    for v in "$@"; do [ "$v" -eq "$want" ] || return 1; done
}

ping_ok() {
    ip netns exec "$E2E_NS_CLI" ping -n -q -c 3 -i 0.2 -W 2 "$SRV" >/dev/null
}

within_pct() {  # within_pct A B P: |A-B| <= P% of B
    local a=$1 b=$2 p=$3 d
    d=$((a > b ? a - b : b - a))
    [ "$b" -gt 0 ] && [ $((d * 100)) -le $((b * p)) ]
}

pipeline_sha_ok() {
    local name status sha n=0
    while read -r name status _ sha; do
        [ "$status" = 200 ] && [ "$sha" = "$(e2e_sha_of "$name")" ] || return 1
        n=$((n + 1))
    done <"$CASE_DIR/pipeline.out"
    [ "$n" = "$1" ]
}

# Records monitor and ground-truth numbers for the report line.
note_counts() {
    local m t
    m=$(count mon "$HTTP"); t=$(count truth "$HTTP")
    info "mon=${m% *}pkt/${m#* }B truth=${t% *}pkt/${t#* }B"
    MON_PKTS=${m% *} MON_BYTES=${m#* } GT_PKTS=${t% *}
}

# ------------------------------------------------------------------- cases

case_none_small() {
    start_case uncapped none || return 1
    expect "curl small.bin" e2e_fetch "$CASE_DIR" small.bin
    stop_captures
    note_time
    expect "small.bin sha256" sha_ok small.bin
    local all; all=$(count mon)
    info "mon_all=${all% *}pkt"; note_counts
    expect "no packet on the monitor (got ${all% *})" [ "${all% *}" -eq 0 ]
}

case_plain_small() {
    start_case uncapped plain || return 1
    expect "curl small.bin" e2e_fetch "$CASE_DIR" small.bin
    stop_captures
    note_time
    expect "small.bin sha256" sha_ok small.bin
    note_counts
    local c2s s2c
    c2s=$(count mon "$HTTP and src host $CLI"); s2c=$(count mon "$HTTP and src host $SRV")
    expect "client->server packets mirrored (${c2s% *})" [ "${c2s% *}" -gt 0 ]
    expect "server->client packets mirrored (${s2c% *})" [ "${s2c% *}" -gt 0 ]
    expect "mirror TCP count $MON_PKTS within 2% of ground truth $GT_PKTS" \
        within_pct "$MON_PKTS" "$GT_PKTS" 2
}

case_selective_small() {
    start_case uncapped selective --select tcp:80 || return 1
    expect "curl small.bin" e2e_fetch "$CASE_DIR" small.bin
    # Non-matching traffic: ICMP echo and UDP datagrams to the server.
    expect "ping client->server through the switch" ping_ok
    local i
    for i in 1 2 3; do
        ip netns exec "$E2E_NS_CLI" bash -c "echo probe-$i >/dev/udp/$SRV/5353"
        sleep 0.05
    done
    stop_captures
    note_time
    expect "small.bin sha256" sha_ok small.bin
    note_counts
    local c2s s2c icmp udp ticmp tudp
    c2s=$(count mon "$HTTP and src host $CLI"); s2c=$(count mon "$HTTP and src host $SRV")
    icmp=$(count mon icmp); udp=$(count mon udp)
    ticmp=$(count truth icmp); tudp=$(count truth udp)
    info "mon_icmp=${icmp% *} mon_udp=${udp% *} truth_icmp=${ticmp% *} truth_udp=${tudp% *}"
    info "mon_other=$(count mon "not ($HTTP)" | cut -d' ' -f1)"
    expect "client->server port 80 mirrored (${c2s% *})" [ "${c2s% *}" -gt 0 ]
    expect "server->client port 80 mirrored (${s2c% *})" [ "${s2c% *}" -gt 0 ]
    expect "UDP probes were on the wire (${tudp% *})" [ "${tudp% *}" -ge 3 ]
    expect "no ICMP on the monitor (${icmp% *})" [ "${icmp% *}" -eq 0 ]
    expect "no UDP on the monitor (${udp% *})" [ "${udp% *}" -eq 0 ]
}

case_truncate_small() {
    start_case uncapped truncate --truncate-len 128 || return 1
    expect "curl small.bin" e2e_fetch "$CASE_DIR" small.bin
    stop_captures
    note_time
    expect "small.bin sha256" sha_ok small.bin
    note_counts
    local max; max=$(e2e_pcap_max_len "$CASE_DIR/mon.pcap")
    info "mon_max_len=$max"
    expect "packets mirrored ($MON_PKTS)" [ "$MON_PKTS" -gt 0 ]
    expect "every mirrored frame <= 128 bytes (max $max)" [ "$max" -le 128 ]
}

case_elide_36m() {
    CASE_ALERTS_MUST_BE_ZERO=1
    start_case capped elide --threshold 10M --http-ports 80 || return 1
    expect "curl big.bin" e2e_fetch "$CASE_DIR" big.bin
    stop_captures
    note_time
    expect "big.bin sha256" sha_ok big.bin
    note_counts
    heads
    info "heads req=$HEADS_requests_mirrored/$HEADS_requests resp=$HEADS_responses_mirrored/$HEADS_responses"
    expect "ground truth complete (httpheads rc $HEADS_rc)" [ "$HEADS_rc" -eq 0 ]
    # SYN, SYN-ACK, ACK, GET, [server ACK: may ride on the head], head,
    # FIN, FIN, ACK: the teardown comes to the controller by design.
    expect "8..10 TCP packets mirrored ($MON_PKTS)" between "$MON_PKTS" 8 10
    expect "< 1500 bytes mirrored ($MON_BYTES)" [ "$MON_BYTES" -lt 1500 ]
    expect "request head mirrored" \
        all_eq 1 "$HEADS_requests" "$HEADS_requests_mirrored"
    expect "response head mirrored" \
        all_eq 1 "$HEADS_responses" "$HEADS_responses_mirrored"
    expect "tshark decodes the mirrored GET and 200" tshark_sees_http
}

# Independent oracle for the heads: Wireshark's HTTP dissector.
tshark_sees_http() {
    local req resp
    req=$(tshark -r "$CASE_DIR/mon.pcap" -o http.desegment_body:FALSE \
              -Y 'http.request.method == "GET"' -T fields -e frame.number 2>/dev/null | wc -l)
    resp=$(tshark -r "$CASE_DIR/mon.pcap" -o http.desegment_body:FALSE \
              -Y 'http.response.code == 200' -T fields -e frame.number 2>/dev/null | wc -l)
    [ "$req" -ge 1 ] && [ "$resp" -ge 1 ]
}

case_elide_keepalive() {
    CASE_ALERTS_MUST_BE_ZERO=1
    # Uncapped: the 100 KB body must reach the monitor whole, and at line
    # rate it would overflow a 10 Mbit/s mirror queue.
    start_case uncapped elide --threshold 10M --http-ports 80 || return 1
    expect "curl big.bin small.bin big2.bin" \
        e2e_fetch "$CASE_DIR" big.bin small.bin big2.bin
    stop_captures
    note_time
    expect "one connection reused (num_connects $(connects))" \
        connects_are "1 0 0 "
    expect "big.bin sha256" sha_ok big.bin
    expect "small.bin sha256" sha_ok small.bin
    expect "big2.bin sha256" sha_ok big2.bin
    note_counts
    heads
    info "heads req=$HEADS_requests_mirrored/$HEADS_requests resp=$HEADS_responses_mirrored/$HEADS_responses s2c_payload=$HEADS_s2c_mirrored"
    expect "ground truth complete (httpheads rc $HEADS_rc)" [ "$HEADS_rc" -eq 0 ]
    expect "3 request heads mirrored ($HEADS_requests_mirrored/$HEADS_requests)" \
        all_eq 3 "$HEADS_requests" "$HEADS_requests_mirrored"
    expect "3 response heads mirrored ($HEADS_responses_mirrored/$HEADS_responses)" \
        all_eq 3 "$HEADS_responses" "$HEADS_responses_mirrored"
    expect "server->client payload mirrored >= 100 KB and < 1 MB ($HEADS_s2c_mirrored)" \
        between "$HEADS_s2c_mirrored" 100000 999999
}

case_elide_pipeline() {
    CASE_ALERTS_MUST_BE_ZERO=1
    # Uncapped for the same reason as elide_keepalive.
    start_case uncapped elide --threshold 10M --http-ports 80 || return 1
    local t0=$EPOCHREALTIME
    expect "pipelined GET big.bin small.bin big2.bin" \
        e2e_pipeline "$CASE_DIR" big.bin small.bin big2.bin
    info "pipeline=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", b - a }')"
    stop_captures
    expect "3 responses, sha256 correct" pipeline_sha_ok 3
    note_counts
    heads
    info "heads req=$HEADS_requests_mirrored/$HEADS_requests resp=$HEADS_responses_mirrored/$HEADS_responses s2c_payload=$HEADS_s2c_mirrored"
    expect "ground truth complete (httpheads rc $HEADS_rc)" [ "$HEADS_rc" -eq 0 ]
    expect "3 request heads mirrored ($HEADS_requests_mirrored/$HEADS_requests)" \
        all_eq 3 "$HEADS_requests" "$HEADS_requests_mirrored"
    expect "3 response heads mirrored ($HEADS_responses_mirrored/$HEADS_responses)" \
        all_eq 3 "$HEADS_responses" "$HEADS_responses_mirrored"
}

# --mirror-budget: eight 3 MB GETs paced at 2 MB/s (16 Mbit/s) on one
# connection, under the 10 Mbit/s cap.  The threshold starts at the floor
# (1Mi: the first bodies are elided), doubles while the mirror port's load
# (port statistics) stays low, until a body is mirrored; its copy goes
# through the body meter (1 Mbit/s: it drops the excess, so the heads find
# room), whose drops send the threshold down to a quarter (each change an
# event), and so on.  The floor of 1Mi keeps the climb to 4Mi within the
# first bodies, however fast the transfers run.
case_budget_mid() {
    CASE_ALERTS_MUST_BE_ZERO=1
    start_case capped elide --threshold 10M --threshold-min 1Mi \
        --mirror-budget 1M --http-ports 80 || return 1
    expect "curl 8 x mid.bin at 2 MB/s" e2e_fetch_paced "$CASE_DIR" 2M mid.bin 8
    # The body meter: at the budget, and what it dropped (bodies mirrored
    # past it lose their excess there, not in the mirror port's queue).
    ovs-ofctl -O OpenFlow13 dump-meters "$E2E_BR" >"$CASE_DIR/meters.txt" 2>&1
    ovs-ofctl -O OpenFlow13 meter-stats "$E2E_BR" >>"$CASE_DIR/meters.txt" 2>&1
    ovs-ofctl -O OpenFlow13 --no-stats dump-flows "$E2E_BR" table=6 \
        >"$CASE_DIR/meter-table.txt" 2>&1
    stop_captures
    expect "meter 1 in kbit/s" grep -q 'meter=1 kbps burst stats' "$CASE_DIR/meters.txt"
    expect "its band" grep -Eq 'type=drop rate=[0-9]+ burst_size=[0-9]+' "$CASE_DIR/meters.txt"
    expect "table 6 mirrors through it" grep -q "actions=meter:1,output:$E2E_MON_PORT" \
        "$CASE_DIR/meter-table.txt"
    local dropped
    dropped=$(sed -n 's/.*0: packet_count:\([0-9]*\).*/\1/p' "$CASE_DIR/meters.txt" | head -1)
    info "meter dropped ${dropped:-?} packets"
    heads
    expect "8 response heads mirrored whole ($HEADS_responses_mirrored/$HEADS_responses)" \
        all_eq 8 "$HEADS_responses" "$HEADS_responses_mirrored"

    local i ok=0
    for ((i = 1; i <= 8; i++)); do
        e2e_sha_ok "$CASE_DIR/mid.bin.$i.out" mid.bin && ok=$((ok + 1))
    done
    expect "8 bodies, sha256 correct ($ok)" [ "$ok" -eq 8 ]
    note_counts
    local steps
    steps=$("$PY" - "$CASE_DIR/events.jsonl" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
th = [e for e in ev if e['event'] == 'threshold']
ok = all(1048576 <= e['threshold'] <= 10000000 and e["budget_bps"] == 1000000
         and (e['threshold'] == max(e['previous'] // 4, 1048576)
              or e['threshold'] == min(e['previous'] * 2, 10000000))
         for e in th)
down = sum(1 for e in th if e['threshold'] < e['previous'])
up = len(th) - down
low = sum(1 for e in ev if e['event'] == 'elide_start'
          and e['content_length'] == 3000000)
print(down, up, low, int(ok), min([e['threshold'] for e in th] or [0]))
PYEOF
)
    read -r B_DOWN B_UP B_ELIDED B_OK B_MIN <<<"$steps"
    info "threshold down=$B_DOWN up=$B_UP min=$B_MIN elided_3m=$B_ELIDED"
    expect "the threshold went down ($B_DOWN)" [ "${B_DOWN:-0}" -ge 1 ]
    expect "every change quarters or doubles within [1Mi, 10M]" [ "${B_OK:-0}" -eq 1 ]
    expect "3 MB bodies elided below the 10M threshold ($B_ELIDED)" [ "${B_ELIDED:-0}" -ge 1 ]
}

case_elide_paper_36m() {
    CASE_ALERTS_MUST_BE_ZERO=1
    start_case capped elide-paper --threshold 10M --http-ports 80 || return 1
    expect "curl big.bin" e2e_fetch "$CASE_DIR" big.bin
    stop_captures
    note_time
    expect "big.bin sha256" sha_ok big.bin
    note_counts
    # The paper's end estimate compares switch byte counts, refreshed about
    # every 0.5 s, with Content-Length, and may give the body back to
    # Packet-In (mirrored) long before its end: how much depends on timing.
    # Deterministic: the heads are mirrored and elision happened at all.
    heads
    expect "request and response heads mirrored" \
        all_eq 1 "$HEADS_requests" "$HEADS_requests_mirrored" \
        "$HEADS_responses" "$HEADS_responses_mirrored"
    expect "elision: mirror < half of ground truth ($MON_PKTS < $GT_PKTS / 2)" \
        [ "$((MON_PKTS * 2))" -lt "$GT_PKTS" ]
    info "paper elide_end: $(grep -o '"reason":"[a-z_]*","bytes":[0-9]*' "$CASE_DIR/events.jsonl" | head -1)"
}

case_plain_36m() {
    start_case capped plain || return 1
    expect "curl big.bin" e2e_fetch "$CASE_DIR" big.bin
    stop_captures
    note_time
    expect "big.bin sha256" sha_ok big.bin
    note_counts
    expect "capped mirror lost packets ($MON_PKTS < $GT_PKTS)" [ "$MON_PKTS" -lt "$GT_PKTS" ]
}

# ------------------------------------------------------------------ runner

# The base rules of mode elide as Open vSwitch holds them
# (tests/e2e/rules-elide.golden: `ovs-ofctl --no-stats dump-flows` of the
# controller's base cookie, sorted), and what the switch does with a few
# packets (ofproto/trace): the realization's rules checked by the switch.
trace_actions() {
    ovs-appctl ofproto/trace "$E2E_BR" "$1" 2>&1 \
        | sed -n 's/^Datapath actions: //p'
}

# dump_base GOLDEN: the controller's base rules once their count stops
# changing, sorted, a ct_mark's generation (its top byte, random per
# session) written GG; compared with tests/e2e/GOLDEN.
dump_base() {
    local base="cookie=0xe1de000000000000/0xffffc00000000000" n=-1 m i
    for ((i = 0; i < 50; i++)); do
        m=$(ovs-ofctl -O OpenFlow13 dump-flows "$E2E_BR" "$base" | grep -c actions=)
        [ "$m" = "$n" ] && [ "$m" -gt 0 ] && break
        n=$m
        sleep 0.2
    done
    ovs-ofctl -O OpenFlow13 --no-stats dump-flows "$E2E_BR" "$base" \
        | grep actions= | sed 's/^ *//' \
        | perl -pe 's/ct_mark=0x([0-9a-f]+)/sprintf("ct_mark=0xGG%06x", hex($1) & 0xffffff)/ge' \
        | LC_ALL=C sort >"$CASE_DIR/rules.txt"
    info "rules=$(wc -l <"$CASE_DIR/rules.txt")"
    expect "base rules as in tests/e2e/$1: $(diff \
            "$E2E_ROOT/tests/e2e/$1" "$CASE_DIR/rules.txt" | head -c 400)" \
        cmp -s "$E2E_ROOT/tests/e2e/$1" "$CASE_DIR/rules.txt"
}

case_rules_elide() {
    e2e_mirror_uncap
    e2e_ctl_start "$CASE_DIR" elide --datapath flows || return 1
    dump_base rules-elide.golden
    local tcp="tcp,nw_src=$CLI,nw_dst=$SRV" a
    a=$(trace_actions "in_port=1,$tcp,tp_src=40000,tp_dst=80,tcp_flags=psh|ack")
    expect "client PSH to port 80 goes to the controller ($a)" \
        grep -q 'controller' <<<"$a"
    a=$(trace_actions "in_port=2,tcp,nw_src=$SRV,nw_dst=$CLI,tp_src=80,tp_dst=40000,tcp_flags=ack")
    expect "server ACK of a watched port goes to the controller ($a)" \
        grep -q 'controller' <<<"$a"
    a=$(trace_actions "in_port=1,$tcp,nw_frag=first,tp_src=0,tp_dst=0")
    expect "an IP fragment goes to the controller ($a)" \
        grep -q 'controller' <<<"$a"
    a=$(trace_actions "in_port=3,$tcp,tp_src=40000,tp_dst=80")
    expect "what the monitor sends is dropped ($a)" [ "$a" = drop ]
}

# The rule (table.priority) that decides a packet of a phase in ct.c's
# tables (CT_TABLE, then the direction's table): ofproto/trace with the
# tracker's answer (--ct-next) and the connection's ct_mark.  The last
# rule before the learning switch's table (4) decides.
ct_prio() {  # ct_prio FLOW CT_STATE
    ovs-appctl ofproto/trace "$E2E_BR" "$1" --ct-next "$2" 2>&1 \
        | sed -n 's/^ *\([1-3]\)\. .*, priority \([0-9]*\),.*/\1.\2/p' | tail -1
}

case_rules_conntrack() {
    e2e_mirror_uncap
    e2e_ctl_start "$CASE_DIR" elide --datapath conntrack || return 1
    expect "switch_connected says datapath conntrack" \
        grep -q '"datapath":"conntrack"' "$E2E_CTL_EVENTS"
    dump_base rules-conntrack.golden
    local g m c s p
    m=$(ovs-ofctl -O OpenFlow13 dump-flows "$E2E_BR" table=1 \
            | sed -n 's/.*priority=900,ct_mark=\(0x[0-9a-f]*\)\/.*/\1/p' | head -n 1)
    g=$(( m >> 24 ))
    info "generation=$g"
    mk() { printf 'ct_mark=0x%x' $(( (${2:-$g} << 24) | $1 )); }
    c="in_port=1,tcp,nw_src=$CLI,nw_dst=$SRV,tp_src=40000,tp_dst=80"
    s="in_port=2,tcp,nw_src=$SRV,nw_dst=$CLI,tp_src=80,tp_dst=40000"
    # Tables (rules.h): 1 CT_TABLE, 2 client to server, 3 server to client.
    p=$(ct_prio "$c,tcp_flags=syn" trk,new)
    expect "client SYN: trap to the controller ($p)" [ "$p" = 2.300 ]
    p=$(ct_prio "$s,tcp_flags=syn|ack,$(mk 0x8)" trk,est,rpl)
    expect "SYN-ACK after the SYN: mirrored in the switch ($p)" [ "$p" = 3.350 ]
    p=$(ct_prio "$c,tcp_flags=ack,$(mk 0x8)" trk,est)
    expect "client ACK before its request: mirrored in the switch ($p)" [ "$p" = 2.250 ]
    p=$(ct_prio "$c,tcp_flags=psh|ack,$(mk 0xa)" trk,est)
    expect "client PSH in any phase: trap ($p)" [ "$p" = 2.300 ]
    p=$(ct_prio "$s,tcp_flags=ack,$(mk 0x0)" trk,est,rpl)
    expect "server data awaiting a head: controller ($p)" [ "$p" = 3.250 ]
    p=$(ct_prio "$s,tcp_flags=ack,$(mk 0xa)" trk,est,rpl)
    expect "server data of a small body: mirrored in the switch ($p)" [ "$p" = 3.250 ]
    p=$(ct_prio "$s,tcp_flags=ack,$(mk 0x5)" trk,est,rpl)
    expect "elided phase without its entry: controller ($p)" [ "$p" = 3.100 ]
    p=$(ct_prio "$s,tcp_flags=fin|ack,$(mk 0x10)" trk,est,rpl)
    expect "phase done: mirrored in the switch, FIN too ($p)" [ "$p" = 1.900 ]
    p=$(ct_prio "$s,tcp_flags=ack,$(mk 0xa $(( g % 255 + 1 )))" trk,est,rpl)
    expect "another generation's mark: controller ($p)" [ "$p" = 3.100 ]
    p=$(ct_prio "${c/tp_dst=80/tp_dst=443},tcp_flags=psh|ack,$(mk 0x5)" trk,est)
    expect "client PSH to a TLS port past the handshake: its entry, no trap ($p)" [ "$p" = 2.100 ]
    p=$(ct_prio "$c,tcp_flags=psh|ack,$(mk 0x10)" trk,inv)
    expect "invalid: mirrored, never dropped ($p)" [ "$p" = 1.950 ]
    p=$(ct_prio "$s,tcp_flags=syn|ack,$(mk 0x0 0)" trk,inv)
    expect "invalid SYN-ACK (tracker full): mirrored and notified ($p)" [ "$p" = 1.951 ]
    local a
    a=$(trace_actions "in_port=3,tcp,nw_src=$CLI,nw_dst=$SRV,tp_src=40000,tp_dst=80")
    expect "what the monitor sends is dropped ($a)" [ "$a" = drop ]
}

# ------------------------------------------------------------ TLS and SSH

# tlsview tls|ssh PORT: sets TV_* from tlsview.py (what the monitor got of
# each handshake, against the truth; see there).
tlsview() {
    local line kv
    "$PY" "$E2E_DIR/tlsview.py" "$1" "$CASE_DIR/cli.pcap" "$CASE_DIR/mon.pcap" \
        "$2" >"$CASE_DIR/tlsview.txt" 2>&1
    TV_rc=$?
    line=$(tail -n 1 "$CASE_DIR/tlsview.txt")
    for kv in $line; do printf -v "TV_${kv%%=*}" '%s' "${kv#*=}"; done
    info "${line% mon_payload*} mon=${TV_mon_payload:-?}B/${TV_truth_payload:-?}B"
}

# ev_field EVENT FIELD: the string FIELD of the first EVENT in the log.
ev_field() {
    grep "\"event\":\"$1\"" "$E2E_CTL_EVENTS" | head -n 1 \
        | sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p"
}

# Waits (up to 5 s) for N events of TYPE: the removals that report
# elide_end follow the connection's end.
wait_events() {
    local i
    for ((i = 0; i < 50; i++)); do
        [ "$(e2e_events "$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

ja3_is_tsharks() {
    local ja3
    ja3=$(tshark -r "$CASE_DIR/cli.pcap" -Y 'tls.handshake.type == 1' \
              -T fields -e tls.handshake.ja3_full 2>/dev/null | head -n 1)
    [ -n "$ja3" ] && [ "$(ev_field tls_client_hello ja3)" = "$ja3" ]
}

# tls_download VERSION MODE [FILE]: one HTTPS download (curl, nginx, TLS
# VERSION) of FILE (default the 36 MB big.bin), uncapped mirror; the
# checks every --tls MODE shares.
tls_download() {
    local v=$1 mode=$2 file=${3:-big.bin} sni ver b
    CASE_ALERTS_MUST_BE_ZERO=1
    # Entries idle out 1 s after the transfer, with counters that cover it.
    start_case uncapped elide --http-ports 80 --tls-ports 443 --tls "$mode" \
        --idle-timeout 1 || return 1
    expect "curl https $file" e2e_fetch_tls "$CASE_DIR" "$v" "$file"
    stop_captures
    note_time
    expect "$file sha256" sha_ok "$file"
    tlsview tls 443
    expect "the truth holds a whole handshake (tlsview rc $TV_rc)" [ "$TV_rc" -eq 0 ]
    expect "every ClientHello at the monitor ($TV_client_hello)" [ "$TV_client_hello" = 1/1 ]
    expect "every ServerHello at the monitor ($TV_server_hello)" [ "$TV_server_hello" = 1/1 ]
    if [ "$v" = 1.2 ]; then
        expect "the Certificate at the monitor ($TV_cert)" [ "$TV_cert" = 1/1 ]
    fi
    expect "tls_client_hello's JA3 is tshark's ($(ev_field tls_client_hello ja3))" ja3_is_tsharks
    sni=$(ev_field tls_client_hello sni)
    expect "tls_client_hello sni ($sni)" [ "$sni" = "$E2E_TLS_NAME" ]
    ver=$(ev_field tls_server_hello version)
    expect "tls_server_hello version ($ver)" [ "$ver" = "TLS $v" ]
    expect "SYN, FIN and RST after the handshake mirrored ($TV_late_flags)" \
        [ "${TV_late_flags%/*}" = "${TV_late_flags#*/}" ]
    if [ "$mode" != off ]; then
        expect "elide_start" [ "$(e2e_events elide_start)" -eq 1 ]
        expect "elide_end" wait_events elide_end 1
        b=$(grep '"event":"elide_end"' "$E2E_CTL_EVENTS" \
                | sed -n 's/.*"bytes":\([0-9]*\).*/\1/p')
        info "elided=${b:-0}B"
        expect "elide_end counts the body (${b:-0} >= 36000000)" [ "${b:-0}" -ge 36000000 ]
    fi
}

case_tls13_36m() {
    tls_download 1.3 elide || return 1
    expect "nothing after the handshake mirrored but SYN/FIN/RST ($TV_late)" [ "$TV_late" -eq 0 ]
    expect "< 20 KB mirrored ($TV_mon_payload)" [ "$TV_mon_payload" -lt 20000 ]
}

case_tls12_36m() {
    local n
    tls_download 1.2 elide || return 1
    expect "nothing after the handshake mirrored but SYN/FIN/RST ($TV_late)" [ "$TV_late" -eq 0 ]
    n=$(tshark -r "$CASE_DIR/mon.pcap" -Y 'tls.record.content_type == 23' 2>/dev/null | wc -l)
    expect "no application_data record at the monitor ($n)" [ "$n" -eq 0 ]
    expect "< 20 KB mirrored ($TV_mon_payload)" [ "$TV_mon_payload" -lt 20000 ]
}

# slice: every later packet at the monitor, cut to headers + 5 bytes.
case_tls_slice() {
    tls_download 1.3 slice || return 1
    expect "later packets mirrored ($TV_late)" [ "$TV_late" -gt 20000 ]
    expect "each cut to at most 5 payload bytes ($TV_late_long longer)" [ "$TV_late_long" -eq 0 ]
    expect "< 1 MB mirrored ($TV_mon_payload)" [ "$TV_mon_payload" -lt 1000000 ]
}

# (100 KB: a 36 MB capture at full speed could lose frames in tcpdump.)
case_tls_off() {
    tls_download 1.3 off small.bin || return 1
    expect "everything mirrored ($TV_mon_payload of $TV_truth_payload)" \
        [ "$TV_mon_payload" -eq "$TV_truth_payload" ]
}

# Cleartext HTTP on the TLS port: not_tls, passthrough, all mirrored.
case_not_tls() {
    local n m t
    start_case uncapped elide --http-ports 80 --tls-ports 443 || return 1
    ip netns exec "$E2E_NS_CLI" curl -s --max-time 10 -o "$CASE_DIR/resp.out" \
        "http://$SRV:443/small.bin" 2>"$CASE_DIR/curl.err"
    stop_captures
    n=$(grep -c '"kind":"not_tls"' "$E2E_CTL_EVENTS")
    expect "alert not_tls ($n)" [ "$n" -eq 1 ]
    expect "passthrough not_tls" \
        grep -q '"event":"passthrough".*"reason":"not_tls"' "$E2E_CTL_EVENTS"
    expect "nginx answered 400 (HTTP on its HTTPS port)" grep -q "400" "$CASE_DIR/resp.out"
    m=$(count mon "tcp port 443"); t=$(count truth "tcp port 443")
    expect "every packet mirrored (${m% *} of ${t% *})" [ "${m% *}" = "${t% *}" ]
}

SSHD_PID=""

# sshd in the server's namespace, root login by a key made now.
sshd_start() {
    local d=$E2E_TMP/ssh i
    mkdir -p "$d" /run/sshd || return 1
    rm -f "$d/host" "$d/client"
    ssh-keygen -q -t ed25519 -N '' -f "$d/host" || return 1
    ssh-keygen -q -t ed25519 -N '' -f "$d/client" || return 1
    cp "$d/client.pub" "$d/authorized_keys"
    printf '%s\n' "ListenAddress $SRV:22" "HostKey $d/host" "PidFile $d/sshd.pid" \
        "AuthorizedKeysFile $d/authorized_keys" "PermitRootLogin prohibit-password" \
        "PasswordAuthentication no" "KbdInteractiveAuthentication no" "UsePAM no" \
        "StrictModes no" "Subsystem sftp /usr/lib/openssh/sftp-server" \
        >"$d/sshd_config"
    ip netns exec "$E2E_NS_SRV" /usr/sbin/sshd -D -e -f "$d/sshd_config" \
        >"$d/sshd.log" 2>&1 &
    SSHD_PID=$!
    e2e_track "$SSHD_PID"
    for ((i = 0; i < 50; i++)); do
        ip netns exec "$E2E_NS_SRV" ss -Hltn "src $SRV:22" 2>/dev/null \
            | grep -q LISTEN && return 0
        sleep 0.1
    done
    e2e_err "sshd did not start:"; cat "$d/sshd.log" >&2
    return 1
}

sshd_stop() {
    [ -n "$SSHD_PID" ] || return 0
    e2e_kill_wait "$SSHD_PID" 5 TERM
    e2e_untrack "$SSHD_PID"
    SSHD_PID=""
}

# scp of the 36 MB file from the server: banners and key exchange at the
# monitor, the encrypted rest not.
case_ssh_scp() {
    local d=$E2E_TMP/ssh n
    CASE_ALERTS_MUST_BE_ZERO=1
    sshd_start || return 1
    start_case uncapped elide --http-ports 80 --ssh-ports 22 --idle-timeout 1 \
        || { sshd_stop; return 1; }
    expect "scp big.bin" ip netns exec "$E2E_NS_CLI" scp -q -i "$d/client" \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
        "root@$SRV:$E2E_TMP/www/big.bin" "$CASE_DIR/big.bin.out"
    stop_captures
    sshd_stop
    expect "big.bin sha256" sha_ok big.bin
    tlsview ssh 22
    expect "the truth holds a whole key exchange (tlsview rc $TV_rc)" [ "$TV_rc" -eq 0 ]
    expect "both version lines at the monitor ($TV_versions)" [ "$TV_versions" = 2/2 ]
    expect "the client's KEXINIT at the monitor ($TV_client_hello)" [ "$TV_client_hello" = 1/1 ]
    expect "the server's KEXINIT at the monitor ($TV_server_hello)" [ "$TV_server_hello" = 1/1 ]
    expect "nothing after NEWKEYS mirrored but SYN/FIN/RST ($TV_late)" [ "$TV_late" -eq 0 ]
    expect "SYN, FIN and RST after it mirrored ($TV_late_flags)" \
        [ "${TV_late_flags%/*}" = "${TV_late_flags#*/}" ]
    expect "< 20 KB mirrored ($TV_mon_payload)" [ "$TV_mon_payload" -lt 20000 ]
    n=$(grep -c '"event":"ssh_version"' "$E2E_CTL_EVENTS")
    expect "ssh_version events ($n)" [ "$n" -eq 2 ]
    expect "elide_start" [ "$(e2e_events elide_start)" -eq 1 ]
}

# one_download_heads: mirror-analyze on the case's captures (it reads IPv6
# and tagged frames); AN_* from its summary; one request and one response
# head, both mirrored.
one_download_heads() {
    local line kv
    "$E2E_ROOT/build/mirror-analyze" --truth "$CASE_DIR/cli.pcap" \
        --mirror "$CASE_DIR/mon.pcap" --http-ports 80 --threshold 10M --summary \
        >"$CASE_DIR/analyze.txt" 2>&1
    line=$(grep '^mirror_packets=' "$CASE_DIR/analyze.txt")
    for kv in $line; do printf -v "AN_${kv%%=*}" '%s' "${kv#*=}"; done
    info "an: $line"
    expect "both heads mirrored (mirror-analyze heads ${AN_heads_covered:-?}/${AN_heads:-?})" \
        [ "${AN_heads:-0}" = 2 ] && [ "${AN_heads_covered:-0}" = 2 ]
}

# ------------------------------------------------------------------ IPv6

NGINX6_PID=""

# IPv6 on the client and the server for this case, and a second nginx on
# the server's IPv6 address (its own certificate, same files).
ipv6_up() {
    local main=$E2E_NGINX_PID
    e2e_ipv6_on || return 1
    e2e_nginx_start nginx6 "[$E2E_SRV_IP6]" || { E2E_NGINX_PID=$main; return 1; }
    NGINX6_PID=$E2E_NGINX_PID E2E_NGINX_PID=$main
}

ipv6_down() {
    if [ -n "$NGINX6_PID" ]; then
        e2e_kill_wait "$NGINX6_PID" 5 QUIT
        e2e_untrack "$NGINX6_PID"
        NGINX6_PID=""
    fi
    e2e_ipv6_off
}

# fetch6 http|https NAME: one GET over IPv6 into CASE_DIR/NAME.out.
fetch6() {
    local url="http://[$E2E_SRV_IP6]/$2" extra=()
    if [ "$1" = https ]; then
        url="https://$E2E_TLS_NAME/$2"
        extra=(--cacert "$E2E_TMP/nginx6/tls.crt" --tlsv1.3
               --resolve "$E2E_TLS_NAME:443:[$E2E_SRV_IP6]")
    fi
    ip netns exec "$E2E_NS_CLI" env -u http_proxy -u https_proxy -u all_proxy \
        curl -g --http1.1 --noproxy '*' -sS -f --max-time 120 "${extra[@]}" \
        -w '%{num_connects} %{time_total}\n' "$url" -o "$CASE_DIR/$2.out" \
        >>"$CASE_DIR/curl.stats" 2>>"$CASE_DIR/curl.err"
}

conn_is_v6() {
    grep -q "\"conn\":\"\\[$E2E_CLI_IP6\\]:[0-9]*-\\[$E2E_SRV_IP6\\]:$1\"" "$E2E_CTL_EVENTS"
}

# The 36 MB download of table 2 over IPv6: the head mirrored (the
# analyzer reads IPv6), the body not.
case_ipv6_http_36m() {
    CASE_ALERTS_MUST_BE_ZERO=1
    ipv6_up || return 1
    start_case capped elide --threshold 10M --http-ports 80 || { ipv6_down; return 1; }
    expect "curl big.bin over IPv6" fetch6 http big.bin
    stop_captures
    ipv6_down
    note_time
    expect "big.bin sha256" sha_ok big.bin
    expect "the connection's events name it [client]:port-[server]:80" conn_is_v6 80
    expect "elide_start" [ "$(e2e_events elide_start)" -eq 1 ]
    one_download_heads
    local m; m=$(count mon "tcp port 80")
    expect "< 3000 bytes mirrored (${m#* })" [ "${m#* }" -lt 3000 ]
}

case_ipv6_tls_36m() {
    CASE_ALERTS_MUST_BE_ZERO=1
    ipv6_up || return 1
    start_case uncapped elide --http-ports 80 --tls-ports 443 --idle-timeout 1 \
        || { ipv6_down; return 1; }
    expect "curl https big.bin over IPv6" fetch6 https big.bin
    stop_captures
    ipv6_down
    expect "big.bin sha256" sha_ok big.bin
    expect "the connection's events name it [client]:port-[server]:443" conn_is_v6 443
    tlsview tls 443
    expect "the truth holds a whole handshake (tlsview rc $TV_rc)" [ "$TV_rc" -eq 0 ]
    expect "every ClientHello at the monitor ($TV_client_hello)" [ "$TV_client_hello" = 1/1 ]
    expect "every ServerHello at the monitor ($TV_server_hello)" [ "$TV_server_hello" = 1/1 ]
    expect "nothing after the handshake mirrored but SYN/FIN/RST ($TV_late)" [ "$TV_late" -eq 0 ]
    expect "< 20 KB mirrored ($TV_mon_payload)" [ "$TV_mon_payload" -lt 20000 ]
    expect "elide_end" wait_events elide_end 1
}

# ------------------------------------------------------------------ VLAN

VLAN_ID=100

# 802.1Q-tagged traffic at the switch, as trunks from other switches bring
# it (this kernel has no 8021q module, nor tc's vlan action): the client's
# and the server's veths move to two access bridges (VLAN 100, standalone,
# Open vSwitch's NORMAL switching), each joined to the switch under test
# by a patch port that takes the host's old OpenFlow port number: a trunk.
vlan_br() { printf '%s%s' "$E2E_BR" "$1"; }     # e2ebr0c, e2ebr0s

vlan_up() {
    local h port br
    for h in cli:$E2E_CLI_PORT srv:$E2E_SRV_PORT; do
        port=${h#*:} h=${h%%:*} br=$(vlan_br "${h:0:1}")
        ovs-vsctl del-port "$E2E_BR" "$(e2e_if "$h")" \
            -- add-br "$br" -- set bridge "$br" datapath_type="$E2E_DATAPATH" \
               fail-mode=standalone other-config:disable-in-band=true \
            -- add-port "$br" "$(e2e_if "$h")" tag=$VLAN_ID \
            -- add-port "$br" "$br-t" -- set interface "$br-t" type=patch \
               options:peer="$br-u" \
            -- add-port "$E2E_BR" "$br-u" -- set interface "$br-u" type=patch \
               options:peer="$br-t" ofport_request="$port" || return 1
        sysctl -qw "net.ipv6.conf.$br.disable_ipv6=1" >/dev/null 2>&1
    done
}

vlan_down() {
    local h port br
    for h in cli:$E2E_CLI_PORT srv:$E2E_SRV_PORT; do
        port=${h#*:} h=${h%%:*} br=$(vlan_br "${h:0:1}")
        ovs-vsctl --if-exists del-port "$E2E_BR" "$br-u" \
            -- --if-exists del-br "$br" \
            -- --may-exist add-port "$E2E_BR" "$(e2e_if "$h")" \
            -- set interface "$(e2e_if "$h")" ofport_request="$port"
    done
    return 0
}

# tagged FILE: TCP frames on port 80 in FILE, and how many carry VID 100.
tagged() {
    local all tag
    all=$(tshark -r "$1" -Y 'tcp.port == 80' 2>/dev/null | wc -l)
    tag=$(tshark -r "$1" -Y "tcp.port == 80 && vlan.id == $VLAN_ID" 2>/dev/null | wc -l)
    echo "$all $tag"
}

# Table 2's download on VLAN 100: elided like untagged traffic, its
# entries match the tag, the mirror keeps it, the analyzer reads it.
case_vlan_36m() {
    local t m
    CASE_ALERTS_MUST_BE_ZERO=1
    vlan_up || { vlan_down; return 1; }
    start_case capped elide --threshold 10M --http-ports 80 || { vlan_down; return 1; }
    # The body's entries live while it flows (0.5 s or more): one dump
    # every 20 ms shows them with their tag.
    timeout 20 bash -c 'until ovs-ofctl -O OpenFlow13 dump-flows "$1" \
        | grep -q "priority=200,.*dl_vlan=$2"; do sleep 0.02; done' _ \
        "$E2E_BR" "$VLAN_ID" &
    local poll=$!
    expect "curl big.bin on VLAN $VLAN_ID" e2e_fetch "$CASE_DIR" big.bin
    kill "$poll" 2>/dev/null
    wait "$poll"
    expect "its entries matched the tag (dl_vlan=$VLAN_ID seen in a dump)" [ $? -eq 0 ]
    stop_captures
    vlan_down
    note_time
    expect "big.bin sha256" sha_ok big.bin
    expect "conn_open says vlan $VLAN_ID" grep -q "\"event\":\"conn_open\".*\"vlan\":$VLAN_ID" "$E2E_CTL_EVENTS"
    expect "elide_start" [ "$(e2e_events elide_start)" -eq 1 ]
    one_download_heads
    expect "< 3000 bytes mirrored (${AN_mirror_bytes:-?})" [ "${AN_mirror_bytes:-99999}" -lt 3000 ]
    m=$(tagged "$CASE_DIR/mon.pcap")
    info "tagged at the mirror: ${m#* }/${m% *}"
    expect "the mirror keeps the tags (${m#* } of ${m% *})" [ "${m% *}" -gt 0 ] && [ "${m#* }" = "${m% *}" ]
}

run_case() {
    CASE=$1 CASE_DIR=$E2E_TMP/cases/$1 CASE_FAILS=0 CASE_INFO=()
    CASE_ALERTS_MUST_BE_ZERO=0 MON_PID="" GT_PID=""
    mkdir -p "$CASE_DIR"
    local t0=$SECONDS rc
    "case_$CASE"
    rc=$?
    [ $rc -eq 0 ] || expect "case setup" false
    # Whatever happened, no capture survives its case.
    stop_captures
    if [ -n "$E2E_CTL_PID" ]; then
        expect "controller alive at the end" e2e_ctl_alive
        e2e_ctl_stop
        rc=$?
        expect "controller exit status 0 on SIGTERM (got $rc)" [ $rc -eq 0 ]
    fi
    if [ "$CASE_ALERTS_MUST_BE_ZERO" = 1 ]; then
        local alerts; alerts=$(e2e_events alert)
        expect "no alert events ($alerts)" [ "$alerts" -eq 0 ]
    fi
    info "events: start=$(e2e_events elide_start) end=$(e2e_events elide_end) alert=$(e2e_events alert)"
    info "$((SECONDS - t0))s"
    if [ "$CASE_FAILS" -eq 0 ]; then
        printf 'PASS %s (%s)\n' "$CASE" "${CASE_INFO[*]}"
        PASSED=$((PASSED + 1))
    else
        printf 'FAIL %s (%s)\n' "$CASE" "${CASE_INFO[*]}"
        FAILED=$((FAILED + 1))
        if [ -s "${E2E_CTL_LOG:-/dev/null}" ]; then
            echo "  controller log (last lines):"
            tail -n 5 "$E2E_CTL_LOG" | sed 's/^/    /'
        fi
        if [ -s "${E2E_CTL_EVENTS:-/dev/null}" ]; then
            echo "  alert events:"
            grep -E '"event" *: *"alert"' "$E2E_CTL_EVENTS" | head -n 5 | sed 's/^/    /'
        fi
        [ "$E2E_KEEP" = fail ] && E2E_KEEP=1
    fi
}

main() {
    local c sel=()
    e2e_select_cases "$@"

    e2e_init || exit 1
    local t0=$SECONDS
    e2e_log "controller: ${E2E_FAKE_CTL:+(fake) }$CONTROLLER; cases: ${sel[*]}"
    e2e_files_make || exit 1
    e2e_topo_up || { e2e_err "cannot build the topology"; exit 1; }
    e2e_nginx_start || exit 1

    PASSED=0 FAILED=0
    for c in "${sel[@]}"; do
        run_case "$c"
    done
    e2e_nginx_stop
    e2e_log "done in $((SECONDS - t0)) s"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}

main "$@"
