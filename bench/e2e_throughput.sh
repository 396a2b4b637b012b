#!/usr/bin/env bash
# Issue 5, benchmark 2: end to end on Open vSwitch.
#
#   bench/e2e_throughput.sh            (as root; OVS running)
#
# One HTTP GET per run (nginx in the server namespace -> curl in the client
# namespace, one connection), for each body size and each configuration:
#   nocontroller  no controller process at all: one static flow
#                 "priority=0,actions=NORMAL" on the same bridge
#   none plain elide-paper
#                 build/elide-controller --mode MODE (default threshold 10M)
#   elide-flows elide-ct
#                 --mode elide --datapath flows / conntrack
#   ct-only       no controller: "ip,actions=ct(table=1)" then NORMAL, the
#                 cost of Open vSwitch's connection tracker alone (not in
#                 the default CONFIGS)
# Configurations are interleaved round-robin within each repetition (the
# starting configuration rotates per repetition).  The mirror port is
# uncapped (E2E_CAP=0); nothing captures on the monitor, the mirror copies
# are delivered to the monitor namespace's veth and dropped there.
#
# Messages per connection: `ovs-ofctl snoop` on the bridge's snoop socket
# sees every OpenFlow message between the switch and its controller; it is
# attached after the controller has connected and installed its first flow
# (so the handshake is not counted) and detached 1 s after curl ends.  The
# counts therefore cover the ARP exchange plus the one TCP connection.
#
# Environment: REPS (3), SIZES ("36000000 200000000", SIZEs as for
# --threshold: 36M is the same), CONFIGS, OUT
# (results/bench/e2e), CONTROLLER (build/elide-controller); names
# E2E_BR=tpbr0 E2E_NS_PREFIX=tp E2E_CTL_PORT=19653 so the run does not
# touch the default e2e names.
# Writes OUT/throughput.dat (one line per run) and OUT/summary.md.
set -u -o pipefail

export E2E_BR=${E2E_BR:-tpbr0}
export E2E_NS_PREFIX=${E2E_NS_PREFIX:-tp}
export E2E_CTL_PORT=${E2E_CTL_PORT:-19653}
export E2E_CAP=0
# 4 MiB socket buffers for the datapath's ports (see E2E_RMEM in
# tests/e2e/lib.sh): with the 208 KiB default a single flow loses about a
# third of its segments inside OVS, and every ratio drowns in that loss.
# E2E_RMEM= (empty) measures with the system default.
export E2E_RMEM=${E2E_RMEM-4194304}

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/../tests/e2e/lib.sh"

REPS=${REPS:-3}
SIZES=${SIZES:-"36000000 200000000"}
CONFIGS=${CONFIGS:-"nocontroller none plain elide-paper elide-flows elide-ct"}
OUT=${OUT:-$E2E_ROOT/results/bench/e2e}
read -r -a SZ <<<"$SIZES"
# Sizes as the controller reads them (experiments/units.py): 36M is
# 36000000 bytes, not head -c's 36 MiB, and a bad one stops the run now,
# not in the summary at its end.
SZ_BYTES=$("$PY" "$E2E_ROOT/experiments/units.py" e2e_throughput.sh SIZES \
    "${SZ[@]}") || exit 2
read -r -a SZ <<<"$SZ_BYTES"
read -r -a CF <<<"$CONFIGS"

E2E_FILES=()
for s in "${SZ[@]}"; do E2E_FILES+=("b$s.bin:$s"); done

SNOOP_PID=""

snoop_start() {  # snoop_start FILE
    # ovs-ofctl prints the messages on stderr (vconn logging).
    ovs-ofctl -O OpenFlow13 snoop "$E2E_BR" >"$1" 2>&1 &
    SNOOP_PID=$!
    e2e_track "$SNOOP_PID"
    sleep 0.5
}

snoop_stop() {
    [ -n "$SNOOP_PID" ] || return 0
    e2e_kill_wait "$SNOOP_PID" 3 TERM
    SNOOP_PID=""
}

# msgs FILE TYPE: number of OpenFlow messages of TYPE in a snoop log.
msgs() { grep -c -- "$2" "$1" 2>/dev/null || true; }

ctl_cpu_ms() {  # utime+stime of the controller, ms
    local t
    t=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }')
    echo $(( ${t:-0} * 1000 / $(getconf CLK_TCK) ))
}

# run_one REP CONFIG SIZE: one GET; appends a line to the .dat file.
run_one() {
    local rep=$1 cfg=$2 size=$3 name="b$3.bin"
    local d=$E2E_TMP/run-$rep-$cfg-$size line ok cpu=0
    mkdir -p "$d"
    if [ "$cfg" = nocontroller ]; then
        e2e_flows_reset
        ovs-ofctl -O OpenFlow13 add-flow "$E2E_BR" "priority=0,actions=NORMAL" || return 1
    elif [ "$cfg" = ct-only ]; then
        e2e_flows_reset
        ovs-ofctl -O OpenFlow13 add-flow "$E2E_BR" "priority=1,ip,actions=ct(table=1)" || return 1
        ovs-ofctl -O OpenFlow13 add-flow "$E2E_BR" "priority=0,actions=NORMAL" || return 1
        ovs-ofctl -O OpenFlow13 add-flow "$E2E_BR" "table=1,priority=0,actions=NORMAL" || return 1
    else
        case $cfg in
        elide-flows) e2e_ctl_start "$d" elide --datapath flows || return 1 ;;
        elide-ct) e2e_ctl_start "$d" elide --datapath conntrack || return 1 ;;
        *) e2e_ctl_start "$d" "$cfg" || return 1 ;;
        esac
    fi
    snoop_start "$d/snoop.txt"
    line=$(ip netns exec "$E2E_NS_CLI" env -u http_proxy -u HTTP_PROXY -u all_proxy \
        curl --http1.1 --noproxy '*' -sS -f --max-time 300 \
        -w '%{time_total} %{speed_download} %{time_starttransfer} %{num_connects} %{size_download}' \
        -o "$d/$name" "http://$E2E_SRV_IP/$name" 2>"$d/curl.err")
    local crc=$?
    sleep 1
    snoop_stop
    if [ "$cfg" != nocontroller ] && [ "$cfg" != ct-only ]; then
        cpu=$(ctl_cpu_ms "$E2E_CTL_PID")
        e2e_ctl_stop || e2e_log "controller $cfg exited non-zero"
    fi
    if [ $crc -eq 0 ] && e2e_sha_ok "$d/$name" "$name"; then ok=1; else ok=0; fi
    [ $crc -eq 0 ] || { e2e_err "curl $cfg $size: $(cat "$d/curl.err")"; line="0 0 0 0 0"; }
    [ $ok = 1 ] || e2e_err "sha256 mismatch or failed download: $cfg $size rep $rep"
    # rep config size time_total speed_Bps ttfb connects bytes sha_ok
    # packet_in packet_out flow_mod stats_req ctl_cpu_ms
    printf '%s %s %s %s %s %s %s %s %s %s\n' "$rep" "$cfg" "$size" "$line" "$ok" \
        "$(msgs "$d/snoop.txt" 'OFPT_PACKET_IN (')" \
        "$(msgs "$d/snoop.txt" 'OFPT_PACKET_OUT (')" \
        "$(msgs "$d/snoop.txt" 'OFPT_FLOW_MOD (')" \
        "$(msgs "$d/snoop.txt" 'OFPST_FLOW request')" \
        "$cpu" >>"$DAT"
    e2e_log "rep $rep $cfg $size: $(tail -n1 "$DAT")"
    rm -f "$d/$name"
}

summarize() {
    "$PY" - "$DAT" <<'EOF'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.startswith('#')]
cfgs, sizes, by = [], [], {}
for r in rows:
    rep, cfg, size = r[0], r[1], int(r[2])
    if cfg not in cfgs: cfgs.append(cfg)
    if size not in sizes: sizes.append(size)
    by.setdefault((cfg, size), []).append(r)
print('| config | size | runs ok | median Mbit/s (min-max) | ratio to nocontroller | median time s | median TTFB ms | Packet-In | Packet-Out | Flow-Mod | flow-stats req | ctl CPU ms |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|')
for size in sorted(sizes):
    base = None
    for cfg in cfgs:
        rs = [r for r in by.get((cfg, size), []) if r[8] == '1']
        if not rs: print(f'| {cfg} | {size/1e6:g} MB | 0 | - | - | - | - | - | - | - | - | - |'); continue
        mb = [float(r[4]) * 8 / 1e6 for r in rs]
        med = st.median(mb)
        if cfg == 'nocontroller': base = med
        ratio = f'{med / base * 100:.1f} %' if base else '-'
        t = st.median(float(r[3]) for r in rs)
        ttfb = st.median(float(r[5]) for r in rs) * 1000
        m = lambda i: '%g' % st.median(int(r[i]) for r in rs)
        print(f'| {cfg} | {size/1e6:g} MB | {len(rs)}/{len(by[(cfg, size)])} | {med:.0f} ({min(mb):.0f}-{max(mb):.0f}) | {ratio} | {t:.2f} | {ttfb:.1f} | {m(9)} | {m(10)} | {m(11)} | {m(12)} | {m(13)} |')
EOF
}

main() {
    e2e_init || exit 1
    mkdir -p "$OUT" || exit 1
    DAT=$OUT/throughput.dat
    {
        echo "# bench/e2e_throughput.sh  $(date -u +%FT%TZ)  git $(git -C "$E2E_ROOT" rev-parse --short HEAD)$(git -C "$E2E_ROOT" diff --quiet HEAD -- controller || echo -dirty)"
        echo "# REPS=$REPS SIZES=\"$SIZES\" CONFIGS=\"$CONFIGS\" E2E_BR=$E2E_BR E2E_DATAPATH=$E2E_DATAPATH E2E_CAP=$E2E_CAP E2E_RMEM=${E2E_RMEM:-default($(sysctl -n net.core.rmem_default))}"
        echo "# nproc $(nproc) cpu '$(lscpu | sed -n 's/^Model name: *//p')' kernel $(uname -r) $(ovs-vswitchd --version | head -n1) loadavg_start $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "# rep config size time_total_s speed_Bps ttfb_s connects bytes sha_ok packet_in packet_out flow_mod flowstats_req ctl_cpu_ms"
    } >"$DAT"
    e2e_log "generating ${E2E_FILES[*]}"
    e2e_files_make || exit 1
    e2e_topo_up || { e2e_err "cannot build the topology"; exit 1; }
    e2e_mirror_uncap
    e2e_nginx_start || exit 1
    local rep i j n=${#CF[@]} size
    for ((rep = 1; rep <= REPS; rep++)); do
        for size in "${SZ[@]}"; do
            for ((j = 0; j < n; j++)); do
                i=$(( (j + rep - 1) % n ))
                run_one "$rep" "${CF[$i]}" "$size" || e2e_err "run $rep ${CF[$i]} $size failed"
            done
        done
    done
    echo "# loadavg_end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$DAT"
    e2e_nginx_stop
    summarize | tee "$OUT/summary.md"
}

main "$@"
