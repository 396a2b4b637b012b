#!/usr/bin/env bash
# Tests of elide-replay.
#
#   tests/replay/run.sh [BINARY]          (default build/elide-replay)
#
# 1. Golden cases (cases.txt): exit status, summary, and mirror-analyze's
#    reading of the replayed mirror against the fixture, exactly as in
#    golden/NAME.out.  UPDATE=1 rewrites the golden files instead; review
#    the diff before committing them.
# 2. Agreement with the testbed: a client capture of a testbed run
#    (make experiment's sizes-100k, elide, uncapped) replayed gives frame
#    for frame the mirror the testbed captured.
# 3. Front end: the same frames as Linux cooked (SLL, SLL2), raw IP and
#    pcapng give the same replay as Ethernet; QinQ tags are carried.
# 4. A snap length too short for the heads: alerts, passthrough, every
#    frame mirrored, no crash.
# 5. --sweep: each row is what a replay at that threshold alone counts.
# 6. Bad files exit 1, bad options 2; the event log is JSON in trace time.
#
# Prints one PASS/FAIL line per check and "N passed, M failed"; exits 1 if
# any check failed.
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
AFIX=$ROOT/tests/analysis/fixtures
RFIX=$HERE/fixtures
GOLD=$HERE/golden
PY=/usr/bin/python3
AN=$ROOT/build/mirror-analyze

BIN=${1:-build/elide-replay}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
[ -x "$BIN" ] || { echo "no such binary: $BIN" >&2; exit 2; }
[ -x "$AN" ] || { echo "no analyzer: $AN (make analysis)" >&2; exit 2; }

TMP=$(mktemp -d /tmp/elide-replay-test.XXXXXX) || exit 2
trap 'rm -rf "$TMP"' EXIT

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s: %s\n' "$1" "$2"; }

fixture() {
    case $1 in replay/*) echo "$RFIX/${1#replay/}" ;; *) echo "$AFIX/$1" ;; esac
}

# The value of OPTION in the words after it ("--threshold 10K ..."), or DEFAULT.
opt_of() {
    local want=$1 dflt=$2
    shift 2
    while [ $# -gt 0 ]; do
        if [ "$1" = "$want" ] && [ $# -gt 1 ]; then echo "$2"; return; fi
        shift
    done
    echo "$dflt"
}

# ------------------------------------------------------ 1. golden cases

run_case() {
    local name=$1 fix=$2 rc
    shift 2
    local in
    in=$(fixture "$fix")
    rm -f "$TMP/out.pcap"
    "$BIN" -q "$in" -o "$TMP/out.pcap" "$@" >"$TMP/stdout" 2>"$TMP/stderr"
    rc=$?
    printf '$ elide-replay %s -o OUT %s\nexit %s\n-- stderr\n' "$fix" "$*" "$rc"
    sed "s|$in|FIXTURE|g" "$TMP/stderr"
    if [ "$rc" = 0 ]; then
        printf -- '-- mirror-analyze\n'
        "$AN" --truth "$in" --mirror "$TMP/out.pcap" --summary \
            --threshold "$(opt_of --threshold 10M "$@")" \
            --http-ports "$(opt_of --http-ports 80 "$@")" 2>&1 \
            | sed "s|$in|FIXTURE|g"
    fi
}

check_golden() {
    local name fix rest n=0 bad=""
    while read -r name fix rest; do
        case $name in ''|'#'*) continue ;; esac
        n=$((n + 1))
        # shellcheck disable=SC2086
        run_case "$name" "$fix" $rest >"$TMP/$name.out"
        if [ "${UPDATE:-0}" = 1 ]; then
            cp "$TMP/$name.out" "$GOLD/$name.out"
        elif ! cmp -s "$TMP/$name.out" "$GOLD/$name.out"; then
            bad="$bad $name"
            diff -u "$GOLD/$name.out" "$TMP/$name.out" | head -20
        fi
    done <"$HERE/cases.txt"
    if [ -z "$bad" ]; then pass "golden cases ($n)"; else fail golden "differ:$bad"; fi
}

# ------------------------------------------------------ 2. the testbed

frames_equal() {    # A.pcap B.pcap: the same frames (bytes and lengths), in
                    # any order (the switch saw the two directions
                    # interleaved otherwise than the client did)
    "$PY" - "$1" "$2" <<'EOF'
import struct, sys
def frames(p):
    d = open(p, 'rb').read()
    e = '<' if struct.unpack('<I', d[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    o, out = 24, []
    while o + 16 <= len(d):
        _, _, cl, ln = struct.unpack(e + 'IIII', d[o:o + 16])
        out.append((ln, d[o + 16:o + 16 + cl]))
        o += 16 + cl
    return out
import collections
a = collections.Counter(frames(sys.argv[1]))
b = collections.Counter(frames(sys.argv[2]))
if a != b:
    print('%d and %d frames; %d only in the first, %d only in the second' % (
        sum(a.values()), sum(b.values()), sum((a - b).values()),
        sum((b - a).values())))
    sys.exit(1)
EOF
}

check_testbed() {
    "$BIN" -q "$RFIX/testbed-100k.truth.pcap" -o "$TMP/tb.pcap" 2>/dev/null
    if frames_equal "$RFIX/testbed-100k.mirror.pcap" "$TMP/tb.pcap" >"$TMP/why"; then
        pass "testbed sizes-100k: the replayed mirror is the captured one"
    else
        fail testbed "$(cat "$TMP/why")"
    fi
}

# ------------------------------------------------------ 3. link types

relink() {      # IN OUT KIND: Ethernet frames as KIND (sll, sll2, raw, qinq)
    "$PY" - "$@" <<'EOF'
import struct, sys
src, dst, kind = sys.argv[1:]
d = open(src, 'rb').read()
magic, vmaj, vmin, tz, sig, snap, lt = struct.unpack('<IHHiIII', d[:24])
assert magic == 0xa1b2c3d4 and lt == 1
lts = {'sll': 113, 'sll2': 276, 'raw': 101, 'qinq': 1}
out = [struct.pack('<IHHiIII', magic, vmaj, vmin, tz, sig, snap + 8, lts[kind])]
o = 24
while o + 16 <= len(d):
    s, us, cl, ln = struct.unpack('<IIII', d[o:o + 16])
    f = d[o + 16:o + 16 + cl]
    o += 16 + cl
    et, body, mac = f[12:14], f[14:], f[6:12]
    if kind == 'sll':
        h = struct.pack('>HHH', 0, 1, 6) + mac + b'\0\0' + et
    elif kind == 'sll2':
        h = et + b'\0\0' + struct.pack('>IHBB', 2, 1, 0, 6) + mac + b'\0\0'
    elif kind == 'raw':
        h = b''
    else:
        h = f[:12] + b'\x88\xa8\x00\x07\x81\x00\x00\x2a' + et
    if kind != 'qinq' and et not in (b'\x08\x00', b'\x86\xdd'):
        continue                        # ARP has no raw-IP form
    g = h + body
    out.append(struct.pack('<IIII', s, us, len(g), ln - cl + len(g)) + g)
open(dst, 'wb').write(b''.join(out))
EOF
}

check_links() {
    local in=$AFIX/keepalive.truth.pcap kind ref got
    ref=$("$BIN" -q "$in" --threshold 10K -o /dev/null 2>&1)
    for kind in sll sll2 raw; do
        relink "$in" "$TMP/$kind.pcap" "$kind" || { fail "link $kind" "convert"; continue; }
        got=$("$BIN" -q "$TMP/$kind.pcap" --threshold 10K -o /dev/null 2>&1)
        if [ "$got" = "$ref" ]; then pass "link type $kind: the Ethernet replay"
        else fail "link $kind" "$got (Ethernet: $ref)"; fi
    done
    if command -v editcap >/dev/null; then
        editcap -F pcapng "$in" "$TMP/ng.pcapng" 2>/dev/null
        got=$("$BIN" -q "$TMP/ng.pcapng" --threshold 10K -o /dev/null 2>&1)
        if [ "$got" = "$ref" ]; then pass "pcapng: the pcap replay"
        else fail pcapng "$got (pcap: $ref)"; fi
    fi
    # QinQ: the connection keeps its outer tag; entries and elision work.
    relink "$in" "$TMP/qinq.pcap" qinq
    got=$("$BIN" -q "$TMP/qinq.pcap" --threshold 10K -o "$TMP/qinq.out" 2>&1)
    if [ "$(sed 's/ ([0-9]* bytes)//g' <<<"$got")" = "$(sed 's/ ([0-9]* bytes)//g' <<<"$ref")" ]; then
        pass "QinQ: the same verdicts as untagged"
    else
        fail qinq "$got (untagged: $ref)"
    fi
}

# ------------------------------------------------------ 4. snap length

check_snaplen() {
    local in=$AFIX/keepalive.truth.pcap out n_in n_out
    command -v editcap >/dev/null || { fail snaplen "no editcap"; return; }
    editcap -s 80 "$in" "$TMP/snap.pcap" 2>/dev/null
    out=$("$BIN" -q "$TMP/snap.pcap" --threshold 10K -o "$TMP/snap.out" \
          --event-log "$TMP/snap.ev" 2>&1)
    rc=$?
    n_in=$(sed -n 's/.*: \([0-9]*\) packets in.*/\1/p' <<<"$out")
    n_out=$(sed -n 's/.*bytes), \([0-9]*\) out.*/\1/p' <<<"$out")
    if [ "$rc" = 0 ] && [ -n "$n_in" ] && [ "$n_in" = "$n_out" ] \
       && grep -q '"kind":"packet_cut"' "$TMP/snap.ev" \
       && grep -q '"event":"passthrough"' "$TMP/snap.ev"; then
        pass "snap length 80: packet_cut alert, passthrough, all $n_in frames mirrored"
    else
        fail snaplen "rc $rc: $out"
    fi
}

# ------------------------------------------------------ 5. sweep

check_sweep() {
    local in t row single bad=""
    for in in "$AFIX/keepalive.truth.pcap" "$AFIX/big.truth.pcap" \
              "$RFIX/testbed-100k.truth.pcap"; do
        "$BIN" -q --sweep 1K,10K,64Ki,10M "$in" >"$TMP/sweep" 2>/dev/null \
            || { bad="$bad exit:${in##*/}"; continue; }
        for t in 1000 10000 65536 10000000; do
            row=$(awk -v t=$t '$1 == t { print $2 " out (" $3 " bytes)" }' "$TMP/sweep")
            single=$("$BIN" -q "$in" --threshold "$t" 2>&1 \
                     | sed -n 's/.*bytes), \([0-9]* out ([0-9]* bytes)\).*/\1/p')
            [ -n "$row" ] && [ "$row" = "$single" ] || bad="$bad ${in##*/}@$t($row|$single)"
        done
    done
    if [ -z "$bad" ]; then pass "--sweep rows are the single runs' counts"
    else fail sweep "$bad"; fi
}

# ------------------------------------------------------ 6. errors, events

expect_rc() {   # WANT LABEL ARGS...
    local want=$1 label=$2 rc
    shift 2
    "$BIN" "$@" >/dev/null 2>"$TMP/err"
    rc=$?
    if [ "$rc" = "$want" ] && [ -s "$TMP/err" ]; then pass "$label: exit $want"
    else fail "$label" "exit $rc, want $want: $(head -c 200 "$TMP/err")"; fi
}

check_errors() {
    local k=$AFIX/keepalive.truth.pcap
    expect_rc 1 "missing file" "$TMP/nonexistent.pcap"
    expect_rc 1 "not a capture" "$AFIX/notpcap.pcap"
    expect_rc 1 "bad record" "$AFIX/badrecord.pcap"
    expect_rc 1 "unwritable output" "$k" -o /nonexistent/dir/x.pcap
    expect_rc 2 "no file" --mode elide
    expect_rc 2 "two files" "$k" "$k"
    expect_rc 2 "bad threshold" "$k" --threshold 10X
    expect_rc 2 "bad mode" "$k" --mode mirror
    expect_rc 2 "bad sweep" --sweep 1K,,x "$k"
    expect_rc 2 "sweep with -o" --sweep 1K "$k" -o "$TMP/x.pcap"
    expect_rc 2 "sweep in plain mode" --sweep 1K --mode plain "$k"
    expect_rc 2 "budget not modeled" "$k" --mirror-budget 8M
    expect_rc 2 "conntrack not modeled" "$k" --datapath conntrack
    expect_rc 2 "selective without --select" "$k" --mode selective
    expect_rc 2 "port in two lists" "$k" --tls-ports 80
}

check_events() {
    local in=$AFIX/keepalive.truth.pcap
    rm -f "$TMP/ev"
    "$BIN" -q "$in" --threshold 10K --event-log "$TMP/ev" -o /dev/null 2>/dev/null
    if "$PY" - "$TMP/ev" "$in" <<'EOF'
import json, struct, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
d = open(sys.argv[2], 'rb').read()
ts, o = [], 24
while o + 16 <= len(d):
    s, us, cl, _ = struct.unpack('<IIII', d[o:o + 16])
    ts.append(s + us / 1e6)
    o += 16 + cl
kinds = {e['event'] for e in ev}
assert {'conn_open', 'http_request', 'http_response', 'elide_start',
        'elide_end', 'conn_close'} <= kinds, kinds
assert all(min(ts) - 1e-6 <= float(e['time']) <= max(ts) + 1e-6 for e in ev)
EOF
    then pass "event log: JSON lines, in trace time"
    else fail events "$(head -c 300 "$TMP/ev")"; fi
}

check_golden
check_testbed
check_links
check_snaplen
check_sweep
check_errors
check_events

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
