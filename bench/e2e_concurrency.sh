#!/usr/bin/env bash
# Issue 5, benchmark 3: many connections.
#
#   bench/e2e_concurrency.sh            (as root; OVS running)
#
# The `mixed` workload of the experiments (sizes drawn from the AGH 2015
# flow-size CDF, flow-weighted, seed fixed, capped at 40 MB: see
# experiments/workloads.py) at rising concurrency: for each level N, one
# curl in the client namespace runs N transfers at a time
# (`--parallel --parallel-max N`), N * PER_CLIENT requests in all (at least
# MIN_REQS), each on a new TCP connection (`Connection: close`), against
# nginx in the server namespace.  Every transfer's sha256 is checked.
#
# The mirror port is not capped by default (CAP=0): the load offered to it
# is measured and reported against E2E_MIRROR_RATE (10 Mbit/s, the paper's
# saturated mirror).  CAP=1 puts the tbf cap on it, but in the userspace
# datapath that measures an artefact as well: OVS sends on every port
# through one shared AF_PACKET socket, and the cap's backlog of small
# frames fills that socket's send buffer, so sends to the *other* ports
# fail with EAGAIN ("error sending Ethernet packet" in ovs-vswitchd.log)
# and forwarded packets are lost (SYN-ACKs among them: 1 s stalls).
#
# Configurations, interleaved per level: nocontroller (NORMAL, no mirror),
# plain, elide-paper, elide-flows and elide-ct (elide with --datapath
# flows and conntrack: per-connection flow entries, or phases in Open
# vSwitch's ct_mark; build/elide-controller, a fresh process per run); on
# request also elide (--datapath auto) and elide-entries (elide --datapath
# flows --entry-min 0: entries after every response).  For each run it records, over the wall time of the curl run:
#   - completed requests/s, goodput, per-transfer time p50/p99;
#   - CPU of each component, in % of one core: the controller process,
#     the ovs-vswitchd main thread (which, in the userspace datapath,
#     polls the ports, forwards, runs the upcalls and speaks OpenFlow),
#     its other threads, nginx, curl; and the machine's CPU (% of all);
#   - the Packet-In path: Packet-Ins the controller received (its
#     switch_disconnected event), per request, and OVS's rconn_overflow
#     counter (messages dropped on a full queue to the controller,
#     controller_queue_size 100).  (The n_packets of the controller-bound
#     entries is no witness: it both over- and under-counts here.)
#   - the mirror link: bytes sent to the mirror port (its veth's tx_bytes),
#     as Mbit/s and as utilisation of E2E_MIRROR_RATE; with CAP=1 also
#     the packets the tbf dropped.
#
# Environment: LEVELS ("1 4 16 64 256"), CONFIGS, CAP (0), PER_CLIENT (50),
# MIN_REQS (2000), DRAWS (400 sizes in the list), CTL_ARGS (more controller
# options, e.g. "--entry-min 0"), OUT
# (results/bench/concurrency), CONTROLLER.  Names E2E_BR=ccbr0
# E2E_NS_PREFIX=cc E2E_CTL_PORT=19654.
set -u -o pipefail

export E2E_BR=${E2E_BR:-ccbr0}
export E2E_NS_PREFIX=${E2E_NS_PREFIX:-cc}
export E2E_CTL_PORT=${E2E_CTL_PORT:-19654}
export E2E_CAP=${CAP:-0}
export E2E_RMEM=${E2E_RMEM-4194304}        # as in e2e_throughput.sh
export E2E_NGINX_CONNS=4096

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/../tests/e2e/lib.sh"

LEVELS=${LEVELS:-"1 4 16 64 256"}
CONFIGS=${CONFIGS:-"nocontroller plain elide-paper elide-flows elide-ct"}
PER_CLIENT=${PER_CLIENT:-50}
MIN_REQS=${MIN_REQS:-2000}
DRAWS=${DRAWS:-400}
SEED=${SEED:-elide-bench3}
FLOW_CSV=${FLOW_CSV:-$E2E_ROOT/../shared/data/flow-sizes-agh2015.csv}
OUT=${OUT:-$E2E_ROOT/results/bench/concurrency}
read -r -a LV <<<"$LEVELS"
read -r -a CF <<<"$CONFIGS"
CLK=$(getconf CLK_TCK)

# ------------------------------------------------------------ workload

SIZES_FILE=""
draw_sizes() {
    "$PY" - "$E2E_ROOT/experiments" "$FLOW_CSV" "$SEED" "$DRAWS" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import workloads
for s in workloads.draw_sizes(sys.argv[2], 'flows', sys.argv[3],
                              int(sys.argv[4]), 40 * 10**6):
    print(s)
EOF
}

# curl_config N FILE DIR: the request list of level N as a curl config.
curl_config() {
    local n=$1 f=$2 dir=$3 reqs
    reqs=$(( n * PER_CLIENT > MIN_REQS ? n * PER_CLIENT : MIN_REQS ))
    awk -v reqs="$reqs" -v ip="$E2E_SRV_IP" -v dir="$dir" '
        { size[NR - 1] = $1 } END {
            for (k = 0; k < reqs; k++) {
                s = size[k % NR]
                printf "url = \"http://%s/m%d.bin\"\noutput = \"%s/%d.m%d.bin\"\n", ip, s, dir, k, s
            }
        }' "$SIZES_FILE" >"$f"
    echo "$reqs"
}

# ------------------------------------------------------------ counters

OVS_PID=$(cat /var/run/openvswitch/ovs-vswitchd.pid 2>/dev/null)

ticks() {  # ticks PID: utime+stime of a process (all its threads)
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

ovs_threads() {  # "main other": ovs-vswitchd's main thread and the rest
    local t comm v main=0 other=0
    for t in /proc/"$OVS_PID"/task/*; do
        comm=$(cat "$t/comm" 2>/dev/null) || continue
        v=$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{ print $12 + $13 }')
        [ -n "$v" ] || continue
        if [ "$comm" = ovs-vswitchd ]; then main=$((main + v)); else other=$((other + v)); fi
    done
    echo "$main $other"
}

machine_busy() {  # "busy total" jiffies, all CPUs
    awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i
                   print t - $5 - $6, t }' /proc/stat
}

nginx_ticks() {
    local p s=0 v
    for p in "$E2E_NGINX_PID" $(pgrep -P "$E2E_NGINX_PID" 2>/dev/null); do
        v=$(ticks "$p"); s=$((s + ${v:-0}))
    done
    echo "$s"
}

mirror_tx() {  # "bytes drops": sent to the mirror port; dropped by its tbf
    local dev; dev=$(e2e_if mon)
    echo "$(cat "/sys/class/net/$dev/statistics/tx_bytes")" \
         "$(tc -s qdisc show dev "$dev" root 2>/dev/null \
                | awk '/tbf/ { t = 1 } t && /Sent/ { d = $7; sub(/,/, "", d) } END { print d + 0 }')"
}

snap() {  # one line of counters
    local m o; read -r m o <<<"$(ovs_threads)"
    echo "$(date +%s.%N) $(machine_busy) $m $o $(nginx_ticks) $(mirror_tx)" \
         "$(ovs-appctl coverage/read-counter rconn_overflow 2>/dev/null || echo 0)" \
         "$( [ -n "$E2E_CTL_PID" ] && ticks "$E2E_CTL_PID" || echo 0)"
}

# ------------------------------------------------------------ one run

# run_one LEVEL CONFIG: appends a line to $DAT.
run_one() {
    local n=$1 cfg=$2 d=$E2E_TMP/run-$1-$2 shm reqs
    shm=$(mktemp -d /dev/shm/elide-cc.XXXXXX) || return 1
    mkdir -p "$d"
    e2e_flows_reset
    if [ "$cfg" = nocontroller ]; then
        E2E_CTL_PID=""
        ovs-ofctl -O OpenFlow13 add-flow "$E2E_BR" "priority=0,actions=NORMAL" || return 1
    else
        local mode=$cfg extra=""
        case $cfg in
        elide-entries) mode=elide extra="--datapath flows --entry-min 0" ;;
        elide-flows) mode=elide extra="--datapath flows" ;;
        elide-ct) mode=elide extra="--datapath conntrack" ;;
        esac
        # shellcheck disable=SC2086  # CTL_ARGS, extra: words
        e2e_ctl_start "$d" "$mode" $extra ${CTL_ARGS:-} || return 1
    fi
    e2e_mirror_cap || return 1
    reqs=$(curl_config "$n" "$d/curl.cfg" "$shm")
    local s0 s1 tcurl
    s0=$(snap)
    tcurl=$( { TIMEFORMAT='%R %U %S'; time ip netns exec "$E2E_NS_CLI" \
        env -u http_proxy -u HTTP_PROXY -u all_proxy \
        curl --http1.1 --noproxy '*' -sS -f --max-time 120 \
             --parallel --parallel-immediate --parallel-max "$n" \
             -H 'Connection: close' \
             -w '%{http_code} %{size_download} %{time_total} %{time_connect} %{filename_effective}\n' \
             -K "$d/curl.cfg" >"$d/transfers.txt" 2>"$d/curl.err"; } 2>&1 )
    s1=$(snap)
    local pin=0
    if [ "$cfg" != nocontroller ]; then
        e2e_ctl_stop || e2e_log "controller $cfg exited non-zero"
        pin=$(grep '"event":"switch_disconnected"' "$E2E_CTL_EVENTS" | tail -n1 \
                  | sed -n 's/.*"packet_in":\([0-9]*\).*/\1/p')
    fi
    # Every transfer: status 200, and the sha256 of what it served.
    local ok bad
    (cd "$shm" && find . -name '*.bin' -printf '%f\0' | xargs -0 -r sha256sum) >"$d/got.sha256"
    read -r ok bad <<<"$(awk -v want="$E2E_TMP/www.sha256" '
        BEGIN { while ((getline l < want) > 0) { split(l, a, /[ *]+/); sha[a[2]] = a[1] } }
        { f = $2; sub(/^\*/, "", f); sub(/^[0-9]+\./, "", f)
          if (sha[f] == $1) ok++; else bad++ }
        END { print ok + 0, bad + 0 }' "$d/got.sha256")"
    local non200
    non200=$(awk '$1 != 200' "$d/transfers.txt" | wc -l)
    rm -rf "$shm"
    [ "$ok" = "$reqs" ] && [ "$bad" = 0 ] && [ "$non200" = 0 ] \
        || e2e_err "$cfg N=$n: $ok of $reqs transfers intact, $bad corrupt, $non200 not 200: $(head -c 300 "$d/curl.err")"
    # level config reqs ok wall_s req_per_s goodput_mbit p50_ms p99_ms
    # cpu%: machine(all cores) controller ovs_main ovs_other nginx curl
    # packet_in pktin_per_req rconn_overflow mirror_bytes mirror_drops mirror_util%
    "$PY" - "$n" "$cfg" "$reqs" "$ok" "$s0" "$s1" "$tcurl" "$CLK" "${pin:-0}" \
          "$E2E_MIRROR_RATE" "$d/transfers.txt" >>"$DAT" <<'EOF'
import sys, statistics as st
n, cfg, reqs, ok, s0, s1, tcurl, clk, pin, rate, tf = sys.argv[1:]
a, b = [list(map(float, x.split())) for x in (s0, s1)]
clk = float(clk)
wall = b[0] - a[0]
d = [y - x for x, y in zip(a, b)]
# fields: 0 time, 1 busy, 2 total, 3 ovs main, 4 ovs other, 5 nginx,
#         6 mirror bytes, 7 tbf drops, 8 rconn_overflow, 9 controller
pct = lambda ticks: 100.0 * ticks / clk / wall
machine = 100.0 * d[1] / d[2] if d[2] else 0
cw = tcurl.split()
curl_cpu = 100.0 * (float(cw[1]) + float(cw[2])) / wall if len(cw) == 3 else 0
rows = [l.split() for l in open(tf) if l.strip()]
times = sorted(float(r[2]) * 1000 for r in rows if r[0] == '200')
body = sum(int(r[1]) for r in rows if r[0] == '200')
q = lambda p: times[min(len(times) - 1, int(p * len(times)))] if times else 0
r = float(rate.replace('mbit', 'e6').replace('kbit', 'e3'))
util = 100.0 * d[6] * 8 / r / wall
print(f'{n} {cfg} {reqs} {ok} {wall:.3f} {int(ok) / wall:.1f} {body * 8 / wall / 1e6:.2f} '
      f'{q(0.5):.2f} {q(0.99):.2f} {machine:.1f} {pct(d[9]):.1f} {pct(d[3]):.1f} '
      f'{pct(d[4]):.1f} {pct(d[5]):.1f} {curl_cpu:.1f} {pin} {int(pin) / int(reqs):.1f} {int(d[8])} '
      f'{int(d[6])} {int(d[7])} {util:.1f}')
EOF
    e2e_log "N=$n $cfg: $(tail -n1 "$DAT")"
}

summarize() {
    "$PY" - "$DAT" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.startswith('#')]
print('| config | N | requests ok | req/s | Mbit/s | p50 / p99 ms | machine CPU % | controller % | ovs main % | ovs other % | nginx % | curl % | Packet-In (per request) | rconn overflow | mirror util % (drops) |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
cfgs = []
for r in rows:
    if r[1] not in cfgs: cfgs.append(r[1])
for c in cfgs:
    for r in sorted((r for r in rows if r[1] == c), key=lambda r: int(r[0])):
        print(f'| {c} | {r[0]} | {r[3]}/{r[2]} | {r[5]} | {r[6]} | {r[7]} / {r[8]} | {r[9]} | {r[10]} | {r[11]} | {r[12]} | {r[13]} | {r[14]} | {r[15]} ({r[16]}) | {r[17]} | {r[20]} ({r[19]}) |')
EOF
}

main() {
    [ -n "$OVS_PID" ] && [ -d "/proc/$OVS_PID" ] || { echo "bench: ovs-vswitchd not running" >&2; exit 1; }
    [ -r "$FLOW_CSV" ] || { echo "bench: no flow-size CSV at $FLOW_CSV" >&2; exit 1; }
    e2e_init || exit 1
    mkdir -p "$OUT" || exit 1
    DAT=$OUT/concurrency.dat
    SIZES_FILE=$E2E_TMP/sizes.txt
    draw_sizes >"$SIZES_FILE" || exit 1
    local s
    E2E_FILES=()
    for s in $(sort -nu "$SIZES_FILE"); do E2E_FILES+=("m$s.bin:$s"); done
    {
        echo "# bench/e2e_concurrency.sh  $(date -u +%FT%TZ)  git $(git -C "$E2E_ROOT" rev-parse --short HEAD)$(git -C "$E2E_ROOT" diff --quiet HEAD -- controller || echo -dirty)"
        echo "# LEVELS=\"$LEVELS\" CONFIGS=\"$CONFIGS\" CAP=$E2E_CAP PER_CLIENT=$PER_CLIENT MIN_REQS=$MIN_REQS DRAWS=$DRAWS SEED=$SEED E2E_MIRROR_RATE=$E2E_MIRROR_RATE E2E_RMEM=${E2E_RMEM:-default} E2E_DATAPATH=$E2E_DATAPATH"
        echo "# workload: $(wc -l <"$SIZES_FILE") draws, $(awk '{ s += $1 } END { print s }' "$SIZES_FILE") bytes, ${#E2E_FILES[@]} distinct sizes, median $(sort -n "$SIZES_FILE" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') B"
        echo "# nproc $(nproc) cpu '$(lscpu | sed -n 's/^Model name: *//p')' kernel $(uname -r) $(ovs-vswitchd --version | head -n1) $(curl --version | head -n1 | cut -d' ' -f1-2) loadavg_start $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "# level config reqs ok wall_s req_per_s goodput_mbit p50_ms p99_ms cpu_machine_pct cpu_ctl_pct cpu_ovs_main_pct cpu_ovs_other_pct cpu_nginx_pct cpu_curl_pct pktin_received pktin_per_req rconn_overflow mirror_bytes mirror_drops mirror_util_pct"
    } >"$DAT"
    e2e_log "generating ${#E2E_FILES[@]} files"
    e2e_files_make || exit 1
    e2e_topo_up || { e2e_err "cannot build the topology"; exit 1; }
    e2e_nginx_start || exit 1
    local n j i k=0 nc=${#CF[@]}
    for n in "${LV[@]}"; do
        for ((j = 0; j < nc; j++)); do
            i=$(( (j + k) % nc ))
            run_one "$n" "${CF[$i]}" || e2e_err "run N=$n ${CF[$i]} failed"
        done
        k=$((k + 1))
    done
    echo "# loadavg_end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$DAT"
    e2e_nginx_stop
    summarize | tee "$OUT/summary.md"
}

main "$@"
