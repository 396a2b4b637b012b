#!/usr/bin/env bash
# Controller benchmarks (issue 5): 1. cbench-style message rate and
# latency, our controller (none, elide) next to ovs-testcontroller and an
# os-ken learning switch (bench/osken_l2.py) in the same run; 4. memory
# per tracked connection.  Writes results/bench/:
# raw/ (every run's output, not committed), *.dat, figures (PNG + PDF),
# README.md.  bench/summarize.py and bench/plot.gp redo the tables and
# figures from the .dat files without rerunning anything.
#
# Every run starts a fresh controller pinned to CTL_CPU (taskset) and the
# load generator pinned to GEN_CPU.  For each size, switch count and
# repetition the controllers run back to back, so a slow moment of this
# shared machine hits all of them alike; medians over RUNS repetitions.
#
# Environment: RUNS (3), SWITCHES ("1 4 16 64"), SIZES ("64 1514 9000"),
# LAT_SIZES ("64"), DURATION (3 s measured), WARMUP (1 s), CTL_CPU (0),
# GEN_CPU (1), MEM_CONNS (1000000), QUICK=1 (one short pass, for checking
# the script), ONLY ("rate latency memory": a subset), CONTROLLER (our
# controller's binary), NOTE (a line for machine.txt and the README).
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2

if [ "${QUICK:-0}" = 1 ]; then
    : "${RUNS:=1}" "${SWITCHES:=1 16}" "${SIZES:=64}" "${DURATION:=1}"
    : "${WARMUP:=0.5}" "${MEM_CONNS:=200000}"
fi
RUNS=${RUNS:-3}
SWITCHES=${SWITCHES:-1 4 16 64}
SIZES=${SIZES:-64 1514 9000}
LAT_SIZES=${LAT_SIZES:-64}
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
CTL_CPU=${CTL_CPU:-0}
GEN_CPU=${GEN_CPU:-1}
MEM_CONNS=${MEM_CONNS:-1000000}
ONLY=${ONLY:-rate latency memory}
CONTROLLER=${CONTROLLER:-build/elide-controller}
FAKESWITCH=${FAKESWITCH:-build/fakeswitch}
OTC=${OTC:-ovs-testcontroller}
OSKEN=${OSKEN:-osken-manager}
MIRROR=9
OUT=results/bench
RAW=$OUT/raw

for f in "$CONTROLLER" "$FAKESWITCH"; do
    [ -x "$f" ] || { echo "bench: $f missing (make $f)" >&2; exit 2; }
done
command -v "$OTC" >/dev/null || { echo "bench: $OTC missing (apt-get install openvswitch-testcontroller)" >&2; exit 2; }
command -v "$OSKEN" >/dev/null || { echo "bench: $OSKEN missing (apt-get install python3-os-ken)" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "bench: gnuplot missing" >&2; exit 2; }
ncpu=$(nproc)
if [ "$CTL_CPU" -ge "$ncpu" ] || [ "$GEN_CPU" -ge "$ncpu" ]; then
    echo "bench: needs CPUs $CTL_CPU and $GEN_CPU, this machine has $ncpu" >&2
    exit 2
fi

mkdir -p "$RAW"
work=$(mktemp -d /tmp/bench.XXXXXX)
ctl_pid=
cleanup() {
    [ -n "$ctl_pid" ] && kill -9 "$ctl_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

wants() { [[ " $ONLY " == *" $1 "* ]]; }

# shellcheck source=tools/fakeswitch/listen.sh
. tools/fakeswitch/listen.sh

# start_ctl CONFIG PORT [EXTRA...]: sets ctl_pid.  Configurations:
#   otc    ovs-testcontroller -O OpenFlow13 (learning switch, flows)
#   osken  osken-manager bench/osken_l2.py (learning switch, flows)
#   none   our controller, --mode none (learning switch, flows)
#   elide  our controller, --mode elide --mirror-port 9
start_ctl() {
    local cfg=$1 port=$2
    shift 2
    case $cfg in
    otc)
        taskset -c "$CTL_CPU" "$OTC" -O OpenFlow13 \
            --unixctl="$work/otc.$port.ctl" "ptcp:$port:127.0.0.1" \
            2>"$work/ctl.err" &
        ;;
    osken)
        taskset -c "$CTL_CPU" "$OSKEN" --ofp-listen-host 127.0.0.1 \
            --ofp-tcp-listen-port "$port" bench/osken_l2.py \
            2>"$work/ctl.err" &
        ;;
    none)
        taskset -c "$CTL_CPU" "$CONTROLLER" --mode none \
            --listen "127.0.0.1:$port" "$@" 2>"$work/ctl.err" &
        ;;
    elide)
        taskset -c "$CTL_CPU" "$CONTROLLER" --mode elide --datapath flows \
            --mirror-port "$MIRROR" --listen "127.0.0.1:$port" "$@" \
            2>"$work/ctl.err" &
        ;;
    esac
    ctl_pid=$!
    wait_listen "$port" || { echo "bench: $cfg did not start" >&2; cat "$work/ctl.err" >&2; exit 1; }
}

stop_ctl() {
    kill -TERM "$ctl_pid" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$ctl_pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$ctl_pid" 2>/dev/null; then
        echo "bench: controller $ctl_pid did not exit on SIGTERM, killed" >&2
        kill -9 "$ctl_pid" 2>/dev/null
    fi
    { wait "$ctl_pid"; } 2>/dev/null
    ctl_pid=
}

# The configurations: controller and traffic.  ovs-testcontroller gets the
# HTTP traffic too, as the reference for elide on the same packets.
CONFIGS=("otc l2" "osken l2" "none l2" "otc http" "elide http")

# bench_one CONFIG TRAFFIC MODE SIZE SWITCHES RUN [CDF]
bench_one() {
    local cfg=$1 traffic=$2 mode=$3 size=$4 n=$5 run=$6 cdf=${7:-}
    local port
    port=$(pick_port 56700)
    start_ctl "$cfg" "$port"
    local args=(--switches "$n" --mode "$mode" --traffic "$traffic"
                --size "$size" --warmup "$WARMUP" --duration "$DURATION"
                --label "$cfg-$traffic")
    [ -n "$cdf" ] && args+=(--cdf "$cdf")
    local line
    line=$(taskset -c "$GEN_CPU" "$FAKESWITCH" --connect "127.0.0.1:$port" \
               --mirror-port "$MIRROR" --ctl-pid "$ctl_pid" bench "${args[@]}" \
               --ctl-core "$CTL_CPU" \
               2>"$work/gen.err")
    local rc=$?
    stop_ctl
    if [ $rc != 0 ] || [ -z "$line" ]; then
        echo "bench: $cfg $traffic $mode size $size switches $n failed: $(tail -1 "$work/gen.err")" >&2
        line="label=$cfg-$traffic traffic=$traffic mode=$mode switches=$n size=$size failed=1"
    fi
    echo "run=$run load=$(cut -d' ' -f1 /proc/loadavg) $line"
}

machine() {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "git: $(git describe --always --dirty 2>/dev/null)"
    echo "nproc: $ncpu"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "kernel: $(uname -r)"
    echo "mem_total_kb: $(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
    echo "ovs-testcontroller: $("$OTC" --version | head -1)"
    echo "os-ken: $("$OSKEN" --version 2>&1 | tail -1)"
    echo "cc: $(${CC:-cc} --version | head -1)"
    echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "pinning: controller cpu $CTL_CPU, load generator cpu $GEN_CPU"
    echo "controller: $CONTROLLER"
    [ -n "${NOTE:-}" ] && echo "note: $NOTE"
    echo "params: RUNS=$RUNS SWITCHES=\"$SWITCHES\" SIZES=\"$SIZES\" LAT_SIZES=\"$LAT_SIZES\" DURATION=$DURATION WARMUP=$WARMUP MEM_CONNS=$MEM_CONNS"
}

machine >"$OUT/machine.txt"
echo "bench: $(tail -2 "$OUT/machine.txt" | head -1)"

# ---- 1. rate (throughput mode) and latency ----
if wants rate; then
    : >"$RAW/rate.txt"
    for run in $(seq "$RUNS"); do
        for size in $SIZES; do
            for n in $SWITCHES; do
                for c in "${CONFIGS[@]}"; do
                    read -r cfg traffic <<<"$c"
                    bench_one "$cfg" "$traffic" throughput "$size" "$n" "$run" \
                        | tee -a "$RAW/rate.txt" | sed 's/^/rate: /' | cut -c1-160
                done
            done
        done
    done
fi
if wants latency; then
    : >"$RAW/latency.txt"
    for run in $(seq "$RUNS"); do
        for size in $LAT_SIZES; do
            for n in $SWITCHES; do
                for c in "${CONFIGS[@]}"; do
                    read -r cfg traffic <<<"$c"
                    bench_one "$cfg" "$traffic" latency "$size" "$n" "$run" \
                        "$RAW/cdf-$cfg-$traffic-s$size-n$n-r$run.dat" \
                        | tee -a "$RAW/latency.txt" | sed 's/^/latency: /' | cut -c1-160
                done
            done
        done
    done
fi

# ---- 4. memory per tracked connection ----
# a) default table (1,048,576): MEM_CONNS new connections (RSS every 5 %),
#    their close (half FIN both ways, half RST), then MEM_CONNS new ones;
# b) --max-conns 100000: the same flood stays at the bound (eviction).
mem_run() {
    local name=$1
    shift
    local port
    port=$(pick_port 56800)
    start_ctl elide "$port" "$@"
    local base
    base=$(awk '/VmRSS/ { print $2 }' "/proc/$ctl_pid/status")
    taskset -c "$GEN_CPU" "$FAKESWITCH" --connect "127.0.0.1:$port" \
        --mirror-port "$MIRROR" --ctl-pid "$ctl_pid" flood \
        --conns "$MEM_CONNS" --step $((MEM_CONNS / 20)) --close mixed \
        --settle 5 --reopen >"$RAW/memory-$name.txt" 2>"$work/gen.err" \
        || echo "bench: memory $name failed: $(tail -1 "$work/gen.err")" >&2
    echo "# controller args: --mode elide --mirror-port $MIRROR $*; RSS before the switch connected: $base kB" \
        >>"$RAW/memory-$name.txt"
    grep -c 'connection table full' "$work/ctl.err" \
        | sed 's/^/# eviction log lines: /' >>"$RAW/memory-$name.txt"
    stop_ctl
    echo "memory $name: $(grep -E '^(open|reopen)' "$RAW/memory-$name.txt" | tail -1)"
}
if wants memory; then
    mem_run default
    mem_run bounded --max-conns 100000
fi

echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
/usr/bin/python3 bench/summarize.py "$OUT" && gnuplot -e "dir='$OUT'" bench/plot.gp
echo "bench: results in $OUT/README.md"
