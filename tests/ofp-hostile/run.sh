#!/usr/bin/env bash
# Malformed OpenFlow and misbehaving switches against the controller
# (issue 4, "Malformed OpenFlow and switch faults"), with build/fakeswitch.
#
# One controller (the sanitizer build unless CONTROLLER=...) runs in elide
# mode on a free loopback port with an event log.  A well-behaved switch
# (fakeswitch watch) does echo and Packet-In round trips the whole time.
# Each scenario of `fakeswitch hostile --list` then runs; it passes when
#   - the fake switch saw the answer it expects on the wire (an ERROR for
#     an ignored message, a close for a corrupt stream, then an echo),
#   - the controller's stderr has the scenario's line, naming that switch,
#   - the controller is alive and the watchdog's echoes kept coming.
# At the end: the watchdog never waited 2 s for an echo, the controller
# exits 0 on SIGTERM, and its stderr has no sanitizer report.
#
# Held Packet-Outs (issue 9): the held-* scenarios (a barrier reply in the
# same write as, or just before, segments of held connections; see
# tools/fakeswitch/held.c) run above with the default --settle-ms 20, and
# again against the normal build (NORMAL_CONTROLLER) with 20 ms and
# against both builds with --settle-ms 0, where a held packet must not
# wait for a timer tick.  Each of those controllers must exit 0 on SIGTERM
# without a sanitizer report.
#
# Memory: a second controller (normal build, MEM_CONTROLLER) with
# --max-conns 100000 gets 1,000,000 new connections (SYN Packet-Ins), then
# their close (FIN or RST) and 1,000,000 more: its RSS must stay below
# MEM_BOUND_KB (documented below), with eviction log lines, and not grow
# when connections close.  RSS under ASan says little (shadow memory,
# quarantine), hence the normal build there.
#
# Usage: run.sh [-l] [-k] [SCENARIO...]   (-l list, -k keep the work dir)
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 2

CONTROLLER=${CONTROLLER:-build/san/elide-controller}
MEM_CONTROLLER=${MEM_CONTROLLER:-build/elide-controller}
NORMAL_CONTROLLER=${NORMAL_CONTROLLER:-build/elide-controller}
FAKESWITCH=${FAKESWITCH:-build/fakeswitch}
BASE_PORT=${PORT:-56653}
MIRROR=9
MEM_CONNS=${MEM_CONNS:-1000000}
MEM_MAX=100000
# Bound: the table (MEM_MAX entries of at most 320 bytes with its hash
# bucket; the goal is 256) plus 32 MiB for everything else (buffers,
# allocator, code).  Measured: about 34 MB.
MEM_BOUND_KB=$(( (MEM_MAX * 320) / 1024 + 32 * 1024 ))

keep=0
if [ "${1:-}" = -l ]; then
    "$FAKESWITCH" hostile --list | cut -f1,3 | column -t -s $'\t'
    echo "memory-flood"
    exit 0
fi
if [ "${1:-}" = -k ]; then
    keep=1
    shift
fi
for f in "$CONTROLLER" "$MEM_CONTROLLER" "$NORMAL_CONTROLLER" "$FAKESWITCH"; do
    [ -x "$f" ] || { echo "run.sh: $f missing (make $f)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/ofp-hostile.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill -9 "$p" 2>/dev/null
    done
    if [ "$keep" = 1 ] || [ "$failed" -gt 0 ]; then
        echo "artifacts in $work"
    else
        rm -rf "$work"
    fi
}
passed=0
failed=0
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

# shellcheck source=tools/fakeswitch/listen.sh
. tools/fakeswitch/listen.sh
# stop PID: SIGTERM, up to 10 s; sets stopped_rc to the exit status, or
# to 124 if it hung (then SIGKILL).  Not in $(...): wait needs the parent.
stop() {
    kill -TERM "$1" 2>/dev/null
    for _ in $(seq 200); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$1" 2>/dev/null; then
        kill -9 "$1" 2>/dev/null
        { wait "$1"; } 2>/dev/null
        stopped_rc=124
        return
    fi
    wait "$1"
    stopped_rc=$?
}
echoes() { sed -n 's/^echoes=\([0-9]*\).*/\1/p' "$work/watch.state" 2>/dev/null || echo 0; }

# ---- the controller and the watchdog switch ----
port=$(pick_port "$BASE_PORT")
ctl_log=$work/controller.log
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$CONTROLLER" --listen "127.0.0.1:$port" --mode elide --datapath flows \
    --mirror-port "$MIRROR" --event-log "$work/events.jsonl" 2>"$ctl_log" &
ctl=$!
pids+=("$ctl")
wait_listen "$port" || { echo "controller did not start"; cat "$ctl_log"; exit 1; }
fs=("$FAKESWITCH" --connect "127.0.0.1:$port" --mirror-port "$MIRROR"
    --ctl-pid "$ctl")
"${fs[@]}" --dpid 7777 watch --state "$work/watch.state" \
    >"$work/watch.out" 2>&1 &
watch=$!
pids+=("$watch")
for _ in $(seq 100); do
    [ -s "$work/watch.state" ] && break
    sleep 0.05
done
echo "controller $CONTROLLER on 127.0.0.1:$port (pid $ctl), work dir $work"

# Checks the controller's log for a scenario: a line naming the switch
# and matching the pattern ("-": none expected).
check_log() {
    local name=$1 pattern=$2
    [ "$pattern" = - ] && return 0
    [ -n "$name" ] || return 1
    for _ in $(seq 20); do
        grep -F -- "$name" "$ctl_log" | grep -Eq -- "$pattern" && return 0
        sleep 0.05
    done
    return 1
}

# Runs scenario $1 with log pattern $2; the fakeswitch output is kept.
run_scenario() {
    local sc=$1 pattern=$2 out=$work/$1.out before
    before=$(echoes)
    "${fs[@]}" --dpid b000 hostile "$sc" >"$out" 2>&1
    local rc=$?
    finish_scenario "$sc" "$pattern" "$rc" "$before"
}

finish_scenario() {
    local sc=$1 pattern=$2 rc=$3 before=$4 out=$work/$1.out name
    name=$(sed -n 's/^logname=//p' "$out" | tail -1)
    if [ "$rc" != 0 ]; then
        fail "$sc" "$(grep -m1 '^FAIL:' "$out" || echo "fakeswitch exit $rc")"
    elif ! kill -0 "$ctl" 2>/dev/null; then
        fail "$sc" "the controller died"
    elif ! check_log "$name" "$pattern"; then
        fail "$sc" "no log line for $name matching /$pattern/"
    elif ! kill -0 "$watch" 2>/dev/null; then
        fail "$sc" "the watchdog switch lost the controller: $(cat "$work/watch.out")"
    else
        local n
        for _ in $(seq 40); do
            n=$(echoes)
            [ "${n:-0}" -gt "$before" ] && break
            sleep 0.05
        done
        if [ "${n:-0}" -le "$before" ]; then
            fail "$sc" "the watchdog switch got no echo reply meanwhile"
        else
            pass "$sc"
        fi
    fi
}

selected() {
    [ ${#want[@]} -eq 0 ] && return 0
    local w
    for w in "${want[@]}"; do
        [ "$w" = "$1" ] && return 0
    done
    return 1
}
want=("$@")

mapfile -t scenarios < <("$FAKESWITCH" hostile --list)
# The stalled stream takes the controller's probe timeout (about 15 s):
# it runs in the background while the others go on.
stall_pid=
stall_before=$(echoes)
for line in "${scenarios[@]}"; do
    IFS=$'\t' read -r sc pattern _ <<<"$line"
    if [ "$sc" = length-long-stall ] && selected "$sc"; then
        "${fs[@]}" --dpid b000 hostile "$sc" >"$work/$sc.out" 2>&1 &
        stall_pid=$!
        pids+=("$stall_pid")
        stall_pattern=$pattern
    fi
done
for line in "${scenarios[@]}"; do
    IFS=$'\t' read -r sc pattern _ <<<"$line"
    if [ "$sc" = length-long-stall ] || ! selected "$sc"; then
        continue
    fi
    run_scenario "$sc" "$pattern"
    # Warnings are rate-limited per call site and second: after a noisy
    # scenario, the next one's line must not fall into the same second.
    case $sc in garbage-*|port-flood) sleep 1.1 ;; esac
done
if [ -n "$stall_pid" ]; then
    wait "$stall_pid"
    finish_scenario length-long-stall "$stall_pattern" $? "$stall_before"
fi

# ---- the end of the session ----
if selected watchdog; then
    stop "$watch"
    if [ "$stopped_rc" != 0 ]; then
        fail watchdog "$(cat "$work/watch.out")"
    else
        pass "watchdog ($(tail -1 "$work/watch.out"))"
    fi
fi
stop "$ctl"
if [ "$stopped_rc" = 0 ]; then
    pass "controller-sigterm"
else
    fail "controller-sigterm" "exit status $stopped_rc (124: did not exit within 10 s)"
fi
if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ctl_log"; then
    fail "sanitizers" "$(grep -Em1 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ctl_log")"
else
    pass "sanitizers (no report in the controller's stderr)"
fi

# ---- held Packet-Outs: the normal build, and --settle-ms 0 ----
# held_run CONTROLLER SETTLE_MS PORT: the held-* scenarios against a fresh
# controller with that --settle-ms.
held_run() {
    local hctl=$1 settle=$2 hport tag log pid sc out rc
    tag="$hctl, settle $settle"
    log=$work/controller-held-$settle-$(basename "$(dirname "$hctl")").log
    hport=$(pick_port "$3")
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
        "$hctl" --listen "127.0.0.1:$hport" --mode elide --datapath flows \
        --mirror-port "$MIRROR" --settle-ms "$settle" 2>"$log" &
    pid=$!
    pids+=("$pid")
    if ! wait_listen "$hport"; then
        fail "held ($tag)" "controller did not start"
        return
    fi
    for sc in "${held_scenarios[@]}"; do
        out=$work/$sc-$settle-$(basename "$(dirname "$hctl")").out
        "$FAKESWITCH" --connect "127.0.0.1:$hport" --mirror-port "$MIRROR" \
            --dpid b000 hostile "$sc" --settle-ms "$settle" >"$out" 2>&1
        rc=$?
        if [ "$rc" != 0 ]; then
            fail "$sc ($tag)" "$(grep -m1 '^FAIL:' "$out" || echo "fakeswitch exit $rc")"
        elif ! kill -0 "$pid" 2>/dev/null; then
            fail "$sc ($tag)" "the controller died"
        else
            pass "$sc ($tag): $(grep -m1 'Packet-Ins' "$out")"
        fi
    done
    stop "$pid"
    if [ "$stopped_rc" != 0 ]; then
        fail "held ($tag)" "controller exit status $stopped_rc"
    elif grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
        fail "held ($tag)" "$(grep -Em1 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log")"
    else
        pass "held ($tag): exit 0 on SIGTERM, no sanitizer report"
    fi
}
held_scenarios=()
for line in "${scenarios[@]}"; do
    IFS=$'\t' read -r sc _ <<<"$line"
    case $sc in held-*) selected "$sc" && held_scenarios+=("$sc") ;; esac
done
if [ ${#held_scenarios[@]} -gt 0 ]; then
    held_run "$NORMAL_CONTROLLER" 20 $((port + 2))
    held_run "$NORMAL_CONTROLLER" 0 $((port + 3))
    held_run "$CONTROLLER" 0 $((port + 4))
fi

# ---- bounded memory under a connection flood ----
if selected memory-flood; then
    mport=$(pick_port $((port + 1)))
    mlog=$work/controller-mem.log
    "$MEM_CONTROLLER" --listen "127.0.0.1:$mport" --mode elide --datapath flows \
        --mirror-port "$MIRROR" --max-conns "$MEM_MAX" 2>"$mlog" &
    mctl=$!
    pids+=("$mctl")
    if ! wait_listen "$mport"; then
        fail memory-flood "controller did not start"
    else
        "$FAKESWITCH" --connect "127.0.0.1:$mport" --mirror-port "$MIRROR" \
            --ctl-pid "$mctl" flood --conns "$MEM_CONNS" \
            --step $((MEM_CONNS / 10)) --close mixed --reopen \
            >"$work/memory-flood.out" 2>&1
        frc=$?
        max_kb=$(awk '$1 != "#" && $3 > m { m = $3 } END { print m + 0 }' \
                 "$work/memory-flood.out")
        closed_kb=$(awk '$1 == "close" { v = $3 } END { print v + 0 }' \
                    "$work/memory-flood.out")
        reopen_kb=$(awk '$1 == "reopen" { v = $3 } END { print v + 0 }' \
                    "$work/memory-flood.out")
        evictions=$(grep -c 'connection table full' "$mlog")
        stop "$mctl"
        detail="$MEM_CONNS conns, --max-conns $MEM_MAX: max RSS $max_kb kB (bound $MEM_BOUND_KB), after close $closed_kb, after reopen $reopen_kb, $evictions eviction lines"
        if [ "$frc" != 0 ]; then
            fail memory-flood "flood failed: $(tail -1 "$work/memory-flood.out")"
        elif [ "$max_kb" -le 0 ] || [ "$max_kb" -gt "$MEM_BOUND_KB" ]; then
            fail memory-flood "$detail"
        elif [ "$evictions" -lt 1 ]; then
            fail memory-flood "no eviction log line: $detail"
        elif [ "$reopen_kb" -gt $((closed_kb + 1024)) ]; then
            fail memory-flood "RSS grew after the connections closed: $detail"
        elif [ "$stopped_rc" != 0 ]; then
            fail memory-flood "controller exit status $stopped_rc after the flood (124: hung)"
        else
            pass "memory-flood ($detail)"
        fi
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
