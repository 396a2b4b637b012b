#!/usr/bin/env bash
# Benchmark 5: where the Packet-In path spends its time.  For `none` (L2
# traffic) and `elide` (HTTP traffic), 64-byte frames, 4 switches in
# throughput mode (build/fakeswitch):
#   - perf record (cpu-clock sampling: this VM has no hardware counters)
#     of the controller pinned to CTL_CPU: self time per symbol, kernel
#     included;
#   - valgrind --tool=callgrind: instructions per Packet-In (total over
#     the Packet-Ins the controller says it received), and per
#     function.  Instruction counts do not depend on the machine's load,
#     so they compare before and after a change even on a shared machine.
# Writes results/bench/profile-<mode>.txt.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 2

CONTROLLER=${CONTROLLER:-build/elide-controller}
FAKESWITCH=${FAKESWITCH:-build/fakeswitch}
CTL_CPU=${CTL_CPU:-0}
GEN_CPU=${GEN_CPU:-1}
DURATION=${DURATION:-5}
OUT=${OUT:-results/bench}
MODES=${MODES:-none elide}
mkdir -p "$OUT"
work=$(mktemp -d /tmp/profile.XXXXXX)
trap 'rm -rf "$work"' EXIT

for tool in perf valgrind callgrind_annotate; do
    command -v "$tool" >/dev/null || { echo "profile: $tool missing" >&2; exit 2; }
done

# shellcheck source=tools/fakeswitch/listen.sh
. tools/fakeswitch/listen.sh

for mode in $MODES; do
    case $mode in
    none) traffic=l2; args=(--mode none) ;;
    elide) traffic=http; args=(--mode elide --datapath flows --mirror-port 9) ;;
    *) echo "profile: unknown mode $mode" >&2; exit 2 ;;
    esac
    report=$OUT/profile-$mode.txt
    gen=(bench --switches 4 --traffic "$traffic" --size 64 --warmup 0)
    {
        echo "# Packet-In path of: $CONTROLLER ${args[*]}"
        echo "# git $(git describe --always --dirty), $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "# load: fakeswitch ${gen[*]} (throughput mode, core $GEN_CPU; controller core $CTL_CPU)"
    } >"$report"

    # ---- perf: wall-clock profile ----
    port=$(pick_port 56900)
    taskset -c "$CTL_CPU" perf record -q -e cpu-clock -F 1999 -o "$work/perf.data" \
        -- "$CONTROLLER" "${args[@]}" --listen "127.0.0.1:$port" \
        2>"$work/ctl.err" >/dev/null &
    prec=$!
    wait_listen "$port" || { echo "profile: controller did not start" >&2; exit 1; }
    line=$(taskset -c "$GEN_CPU" "$FAKESWITCH" --connect "127.0.0.1:$port" \
               --mirror-port 9 "${gen[@]}" --duration "$DURATION" \
               --ctl-core "$CTL_CPU" 2>&1)
    kill -INT "$(pgrep -P "$prec" -f "127.0.0.1:$port" || echo "$prec")" 2>/dev/null
    wait "$prec"
    {
        echo
        echo "## perf record -e cpu-clock (self time, top 30 symbols)"
        echo "# run: $line"
        perf report -i "$work/perf.data" --no-children --sort dso,symbol \
            --stdio 2>/dev/null | grep -Ev '^#|^$' | head -30
    } >>"$report"

    # ---- callgrind: instructions ----
    port=$(pick_port 56950)
    taskset -c "$CTL_CPU" valgrind --tool=callgrind \
        --callgrind-out-file="$work/cg.out" "$CONTROLLER" "${args[@]}" \
        --listen "127.0.0.1:$port" 2>"$work/vg.err" >/dev/null &
    vg=$!
    wait_listen "$port" || { echo "profile: controller under valgrind did not start" >&2; exit 1; }
    line=$(taskset -c "$GEN_CPU" "$FAKESWITCH" --connect "127.0.0.1:$port" \
               --mirror-port 9 "${gen[@]}" --duration "$DURATION" \
               --timeout-ms 1000 2>&1)
    kill -INT "$vg"
    wait "$vg"
    total=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/vg.err")
    # Packet-Ins the controller received: its disconnect log lines, one
    # per switch.
    pins=$(sed -n 's/.*received \([0-9]*\) packet-ins.*/\1/p' "$work/vg.err" | awk '{ n += $1 } END { print n + 0 }')
    {
        echo
        echo "## valgrind --tool=callgrind"
        echo "# run: $line"
        echo "instructions: $total, Packet-Ins received: $pins"
        if [ -n "$pins" ] && [ "$pins" -gt 0 ]; then
            echo "instructions per Packet-In: $((total / pins)) (startup included: an upper bound)"
        fi
        echo
        echo "# self instructions per function (top 30), then per Packet-In"
        callgrind_annotate "$work/cg.out" 2>/dev/null \
            | sed -n '/file:function/,/^$/p' | grep -E '^ *[0-9]' | head -30 \
            | awk -v n="${pins:-0}" '{ ir = $1; gsub(",", "", ir);
                  printf "%s  %6.0f per Packet-In\n", $0, n ? ir / n : 0 }'
        echo
        echo "# inclusive: the callers that matter"
        callgrind_annotate --inclusive=yes "$work/cg.out" 2>/dev/null \
            | sed -n '/file:function/,/^$/p' | grep -E '^ *[0-9]' | head -25
    } >>"$report"
    echo "profile $mode: $(grep -m1 'instructions per Packet-In' "$report")"
done
