#!/usr/bin/env bash
# Benchmark 6: elide-replay's throughput on one core, next to tcpdump and
# tshark reading the same file in the same run.
#
#   bash bench/replay.sh [CAPTURE]
#
# CAPTURE defaults to build/bench/replay-campus.pcap, a testbed ground
# truth of at least 1 GB: if it is missing it is made by the testbed
# (experiments/run.py campus, mode none, uncapped, --campus-bytes 1200M:
# the clients' capture, about 1.3 GB; root, Open vSwitch, 3 minutes).
# Each tool reads the file (from the page cache, read once before) REPS
# times (default 5; tshark TSHARK_REPS, default 3) pinned to CPU 1:
#   tcpdump -r IN -w /dev/null
#   tshark -r IN -T fields -e frame.len
#   elide-replay -q IN -o /dev/null            (mode elide, threshold 10M)
#   elide-replay -q --sweep 16Ki,64Ki,1Mi,10M,100M IN   (5 replays, one read)
# Medians, packets and bytes per second, and the ratios to tcpdump go to
# results/bench/replay/summary.md; every time to times.tsv.
set -eu -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/results/bench/replay
REPS=${REPS:-5}
TSHARK_REPS=${TSHARK_REPS:-3}
CPU=${CPU:-1}
IN=${1:-$ROOT/build/bench/replay-campus.pcap}
REPLAY=$ROOT/build/elide-replay

[ -x "$REPLAY" ] || make -C "$ROOT" build/elide-replay >/dev/null
if [ ! -s "$IN" ]; then
    echo "== making $IN with the testbed (campus, 1200M, mode none)"
    tmp=$(mktemp -d /tmp/replay-bench.XXXXXX)
    /usr/bin/python3 "$ROOT/experiments/run.py" --experiments campus \
        --modes none --caps 0 --campus-bytes 1200M --no-consumers \
        --no-plots --results "$tmp" --name capture >&2 || true
    src=$(ls "$tmp"/capture/last/raw/*/clients.pcap 2>/dev/null | head -1)
    [ -n "$src" ] || { echo "the testbed made no capture (see above)" >&2; exit 1; }
    mkdir -p "$(dirname "$IN")"
    mv "$src" "$IN"
    rm -rf "$tmp"
fi
mkdir -p "$OUT"
cat "$IN" >/dev/null                     # into the page cache
size=$(stat -c %s "$IN")
packets=$(capinfos -M -c "$IN" 2>/dev/null | awk -F': *' '/Number of packets/ {print $2}')

t_of() {    # runs the command, prints its elapsed seconds
    local t0 t1
    t0=$(date +%s.%N)
    taskset -c "$CPU" "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}

: >"$OUT/times.tsv.new"
echo -e "tool\trep\tseconds" >>"$OUT/times.tsv.new"
run() {     # NAME REPS CMD...
    local name=$1 n=$2 i
    shift 2
    for ((i = 1; i <= n; i++)); do
        echo -e "$name\t$i\t$(t_of "$@")" >>"$OUT/times.tsv.new"
    done
}
# Interleaved, so that a slow moment of the machine hits every tool.
for ((r = 1; r <= REPS; r++)); do
    run tcpdump 1 tcpdump -r "$IN" -w /dev/null
    run elide-replay 1 "$REPLAY" -q "$IN" -o /dev/null
    run elide-replay-sweep5 1 "$REPLAY" -q --sweep 16Ki,64Ki,1Mi,10M,100M "$IN"
    if [ "$r" -le "$TSHARK_REPS" ]; then
        run tshark 1 tshark -r "$IN" -T fields -e frame.len
    fi
done
mv "$OUT/times.tsv.new" "$OUT/times.tsv"
"$REPLAY" -q "$IN" -o /dev/null 2>"$OUT/replay-summary.txt" || true

/usr/bin/python3 - "$OUT" "$size" "$packets" "$IN" "$CPU" "$REPLAY" <<'EOF'
import csv, os, statistics, subprocess, sys
out, size, packets, path, cpu, replay = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
t = {}
for r in csv.DictReader(open(os.path.join(out, 'times.tsv')), delimiter='\t'):
    t.setdefault(r['tool'], []).append(float(r['seconds']))
med = {k: statistics.median(v) for k, v in t.items()}
# The binary's own version (the tree's would count this script's outputs).
commit = subprocess.run([replay, '--version'], capture_output=True,
                        text=True).stdout.strip()
lines = ['# Benchmark 6: elide-replay throughput (one core)', '',
         'Capture: %s, %d packets, %d bytes (a testbed ground truth, campus).'
         % (os.path.basename(path), packets, size),
         '%s; each tool pinned to CPU %s, file in the page cache; '
         'medians of %s runs, interleaved.' % (commit, cpu,
                                               '/'.join(str(len(v)) for v in t.values())),
         '', '| tool | median s | runs (s) | packets/s | MB/s | time / tcpdump |',
         '|---|---:|---|---:|---:|---:|']
for k in ('tcpdump', 'elide-replay', 'elide-replay-sweep5', 'tshark'):
    if k not in med:
        continue
    m = med[k]
    lines.append('| %s | %.2f | %s | %.2f M | %.0f | %.2fx |' % (
        k, m, ' '.join('%.2f' % x for x in t[k]), packets / m / 1e6,
        size / m / 1e6, m / med['tcpdump']))
lines += ['', 'Commands: `tcpdump -r IN -w /dev/null`; `tshark -r IN -T fields '
          '-e frame.len`; `elide-replay -q IN -o /dev/null` (elide, 10M); '
          '`elide-replay -q --sweep 16Ki,64Ki,1Mi,10M,100M IN`.',
          '', 'elide-replay\'s summary of the file:', '',
          '    ' + open(os.path.join(out, 'replay-summary.txt')).read().strip().splitlines()[-1]]
open(os.path.join(out, 'summary.md'), 'w').write('\n'.join(lines) + '\n')
print('\n'.join(lines))
EOF
