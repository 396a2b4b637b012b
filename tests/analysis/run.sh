#!/usr/bin/env bash
# Golden tests of mirror-analyze.
#
#   tests/analysis/run.sh [--perf] [BINARY]      (default build/mirror-analyze)
#
# 1. The committed fixtures are what gen_fixtures.py makes (byte for byte).
# 2. Every case of cases.txt gives exactly its golden/NAME.out (stdout,
#    stderr, CSV, exit status).  UPDATE=1 rewrites the golden files instead;
#    review the diff before committing them.
# 3. Cross-checks with independent decoders for the "x_" cases: tshark's
#    packet and byte counts (io,stat) for the HTTP ports and for the rest,
#    and tests/e2e/httpheads.py's head counts; for the "csum_" cases,
#    tshark's count of frames with a bad checksum.
# 4. Mutated fixtures are read or refused, never crash (use the sanitizer
#    build to make this strict).
# 5. --perf: a generated 200 MB capture (in a temp dir) is analyzed in a
#    few seconds with a small, size-independent resident set.
#
# Prints one PASS/FAIL line per check and "N passed, M failed"; exits 1 if
# any check failed.
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FIX=$HERE/fixtures
GOLD=$HERE/golden
PY=/usr/bin/python3

PERF=0
if [ "${1:-}" = --perf ]; then PERF=1; shift; fi
BIN=${1:-build/mirror-analyze}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
[ -x "$BIN" ] || { echo "no such binary: $BIN" >&2; exit 2; }

TMP=$(mktemp -d /tmp/mirror-analyze-test.XXXXXX) || exit 2
trap 'rm -rf "$TMP"' EXIT

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s: %s\n' "$1" "$2"; }

# ------------------------------------------------------ 1. fixtures

check_fixtures() {
    local f n=0 bad=""
    "$PY" "$HERE/gen_fixtures.py" "$TMP/fixtures" || { fail fixtures "generator failed"; return; }
    for f in "$TMP"/fixtures/*; do
        n=$((n + 1))
        cmp -s "$f" "$FIX/${f##*/}" || bad="$bad ${f##*/}"
    done
    [ "$n" = "$(find "$FIX" -name '*.pcap' | wc -l)" ] || bad="$bad (file count)"
    if [ -z "$bad" ]; then pass "fixtures reproducible ($n files)"; else fail fixtures "differ:$bad"; fi
}

# ------------------------------------------------------ 2. golden cases

# run_case NAME TRUTH MIRROR [OPTS...]: writes the case's report to stdout.
run_case() {
    local name=$1 truth=$2 mirror=$3 rc out=()
    shift 3
    [ "$mirror" = - ] && mirror=$truth
    case $name in
        report_*) ;;
        *) out=(--summary --missing --csv "$TMP/out.csv") ;;
    esac
    rm -f "$TMP/out.csv"
    (cd "$FIX" && "$BIN" --truth "$truth" --mirror "$mirror" "$@" "${out[@]}") \
        >"$TMP/stdout" 2>"$TMP/stderr"
    rc=$?
    printf '$ mirror-analyze --truth %s --mirror %s %s\n' "$truth" "$mirror" "$*"
    printf 'exit %s\n-- stdout\n' "$rc"
    cat "$TMP/stdout"
    printf -- '-- stderr\n'
    cat "$TMP/stderr"
    if [ -f "$TMP/out.csv" ]; then
        printf -- '-- csv\n'
        cat "$TMP/out.csv"
    fi
}

check_goldens() {
    local name truth mirror opts
    while read -r name truth mirror opts; do
        case $name in ''|'#'*) continue ;; esac
        # shellcheck disable=SC2086  # options are words by design
        run_case "$name" "$truth" "$mirror" $opts >"$TMP/$name.out"
        if [ "${UPDATE:-0}" = 1 ]; then
            cp "$TMP/$name.out" "$GOLD/$name.out"
        fi
        if diff -u "$GOLD/$name.out" "$TMP/$name.out" >"$TMP/$name.diff" 2>&1; then
            pass "$name"
        else
            fail "$name" "output differs from golden/$name.out:"
            sed 's/^/    /' "$TMP/$name.diff" | head -n 30
        fi
    done <"$HERE/cases.txt"
}

# ------------------------------------------------------ 3. cross-checks

# summary_field FILE KEY: a value of the summary line in a golden report.
summary_field() {
    grep -m1 '^mirror_packets=' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# io_stat FILE FILTER: "frames bytes" of the frames FILTER matches.
io_stat() {
    tshark -r "$1" -q -z "io,stat,0,$2" 2>/dev/null \
        | awk -F'|' '/<>/ { gsub(/ /, "", $3); gsub(/ /, "", $4); print $3, $4 }'
}

# ports_of "OPTS": the --http-ports list of a case, as a tshark filter.
ports_filter() {
    local ports=80 o prev=""
    for o in $1; do
        [ "$prev" = --http-ports ] && ports=$o
        prev=$o
    done
    printf '(%s)' "$(printf '%s' "$ports" | sed 's/\([0-9]\+\)/tcp.port==\1/g; s/,/||/g')"
}

check_tshark() {
    local name truth mirror opts f got want
    if ! command -v tshark >/dev/null; then
        fail tshark "tshark not installed"
        return
    fi
    while read -r name truth mirror opts; do
        case $name in x_*) ;; *) continue ;; esac
        [ "$mirror" = - ] && mirror=$truth
        f=$(ports_filter "$opts")
        want="$(io_stat "$FIX/$truth" "$f") $(io_stat "$FIX/$mirror" "$f") $(io_stat "$FIX/$mirror" "!$f")"
        got=""
        for k in truth_packets truth_bytes mirror_packets mirror_bytes \
                 other_mirror_packets other_mirror_bytes; do
            got="$got $(summary_field "$GOLD/$name.out" "$k")"
        done
        got=${got# }
        if [ "$got" = "$want" ]; then
            pass "$name totals = tshark io,stat ($got)"
        else
            fail "$name" "totals '$got', tshark says '$want'"
        fi
    done <"$HERE/cases.txt"
}

check_httpheads() {
    local name truth mirror opts line h c got want
    local oracle=$ROOT/tests/e2e/httpheads.py
    if [ ! -f "$oracle" ]; then
        fail httpheads "$oracle missing"
        return
    fi
    while read -r name truth mirror opts; do
        case $name in x_*) ;; *) continue ;; esac
        [ "$mirror" = - ] && mirror=$truth
        line=$("$PY" "$oracle" "$FIX/$truth" "$FIX/$mirror" 80 | grep '^total ')
        h=0 c=0
        for kv in ${line#total }; do
            case $kv in
                requests=*|responses=*) h=$((h + ${kv#*=})) ;;
                requests_mirrored=*|responses_mirrored=*) c=$((c + ${kv#*=})) ;;
            esac
        done
        want="$h $c"
        got="$(summary_field "$GOLD/$name.out" heads) $(summary_field "$GOLD/$name.out" heads_covered)"
        if [ "$got" = "$want" ]; then
            pass "$name heads/covered = httpheads.py ($got)"
        else
            fail "$name" "heads/covered '$got', httpheads.py says '$want'"
        fi
    done <"$HERE/cases.txt"
}

# Bad checksums: tshark, verifying IPv4 and TCP checksums, finds as many
# bad frames (on the case's HTTP ports) as the analyzer's note counts
# (none counted with --ignore-csum), and the same totals.
check_csum() {
    local name truth mirror opts f got want tot
    command -v tshark >/dev/null || { fail csum "tshark not installed"; return; }
    while read -r name truth mirror opts; do
        case $name in csum_*) ;; *) continue ;; esac
        f=$(ports_filter "$opts")
        want=$(tshark -r "$FIX/$truth" -o tcp.check_checksum:TRUE \
                   -o ip.check_checksum:TRUE -T fields -e frame.number \
                   -Y "$f && (tcp.checksum.status == 0 || ip.checksum.status == 0)" \
                   2>/dev/null | wc -l)
        case " $opts " in *" --ignore-csum "*) want=0 ;; esac
        got=$(sed -n 's/^mirror-analyze: note: \([0-9]*\) truth segments with a bad checksum.*/\1/p' \
                  "$GOLD/$name.out")
        got=${got:-0}
        tot="$(summary_field "$GOLD/$name.out" truth_packets) $(summary_field "$GOLD/$name.out" truth_bytes)"
        if [ "$got" = "$want" ] && [ "$tot" = "$(io_stat "$FIX/$truth" "$f")" ]; then
            pass "$name bad checksums = tshark ($got), totals = tshark io,stat ($tot)"
        else
            fail "$name" "bad checksums $got, tshark says $want; totals '$tot', tshark says '$(io_stat "$FIX/$truth" "$f")'"
        fi
    done <"$HERE/cases.txt"
}

# ------------------------------------------------------ 4. mutants

# Seeded byte flips and cuts of the fixtures, as truth and as mirror: the
# analyzer either reads them (exit 0) or refuses them (exit 1), and a
# sanitizer build reports nothing.
check_mutants() {
    local f n=0 bad=0 rc
    "$PY" - "$FIX" "$TMP/mut" <<'PYEOF' || { fail mutants "generator"; return; }
import glob, os, random, sys
random.seed(20161)
src = sorted(glob.glob(os.path.join(sys.argv[1], "*.*.pcap")))
os.makedirs(sys.argv[2])
for i in range(60):
    d = bytearray(open(src[i % len(src)], "rb").read())
    for _ in range(random.randint(1, 16)):
        d[random.randrange(24, len(d))] = random.randrange(256)
    if i % 5 == 0:
        d = d[:random.randrange(24, len(d))]
    open(os.path.join(sys.argv[2], "m%02d.pcap" % i), "wb").write(d)
PYEOF
    for f in "$TMP"/mut/*.pcap; do
        for side in truth mirror; do
            n=$((n + 1))
            if [ $side = truth ]; then
                "$BIN" --truth "$f" --mirror "$FIX/keepalive.mirror.pcap" --summary --missing
            else
                "$BIN" --truth "$FIX/keepalive.truth.pcap" --mirror "$f" --threshold 1 --summary
            fi >/dev/null 2>"$TMP/mut.err"
            rc=$?
            if [ $rc -gt 1 ] || grep -qE 'Sanitizer|runtime error' "$TMP/mut.err"; then
                bad=$((bad + 1))
                [ $bad -le 3 ] && sed 's/^/    /' "$TMP/mut.err" | head -n 5
            fi
        done
    done
    if [ $bad -eq 0 ]; then pass "mutants: $n runs, exit 0 or 1, no sanitizer report"; else fail mutants "$bad of $n runs"; fi
}

# ------------------------------------------------------ 5. speed, memory

check_perf() {
    local mb=200 t rss sum
    "$PY" "$HERE/gen_fixtures.py" --big "$TMP/big.pcap" "$mb" || { fail perf "generator"; return; }
    /usr/bin/time -f '%e %M' -o "$TMP/time" \
        "$BIN" --truth "$TMP/big.pcap" --mirror "$TMP/big.pcap" --summary >"$TMP/perf.out" 2>&1
    read -r t rss <"$TMP/time"
    sum=$(cat "$TMP/perf.out")
    rm -f "$TMP/big.pcap"
    # The ground truth holds one 200 MB body: memory must not grow with it.
    if [ "$rss" -lt 32768 ] && awk -v t="$t" 'BEGIN { exit !(t < 10) }' \
       && printf '%s' "$sum" | grep -q 'heads=2 heads_covered=2 coverage=1.0000'; then
        pass "perf: $mb MB analyzed (twice) in ${t}s, max RSS ${rss} KiB"
    else
        fail perf "time ${t}s, max RSS ${rss} KiB, output: $sum"
    fi
}

check_fixtures
check_goldens
check_tshark
check_httpheads
check_csum
check_mutants
[ "$PERF" = 1 ] && check_perf
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
