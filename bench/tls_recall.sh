#!/usr/bin/env bash
# What a monitor keeps of TLS handshakes when the mirror port saturates
# (issue 11's shape): one 36 MB HTTPS download from nginx while 40 short
# HTTPS connections (100 KB each, every one with its own server name) run,
# mirror capped at 10 Mbit/s, per controller mode.
#
#   bash bench/tls_recall.sh            (as root; REPS=3 MODES="plain elide")
#
# Per run: ClientHello recall (distinct server names in the monitor's
# capture / in the client's, by tshark), the mirror's packets and bytes,
# and every transfer's sha256.  Prints one line per run and the medians;
# writes results/bench/tls-recall/{runs.csv,summary.txt,args.txt}.
# Runs beside the tests: its own bridge (trbr0), namespaces (tr-*) and
# controller port (17853).
set -u -o pipefail

export E2E_BR=${E2E_BR:-trbr0}
export E2E_NS_PREFIX=${E2E_NS_PREFIX:-tr}
export E2E_CTL_PORT=${E2E_CTL_PORT:-17853}
CONTROLLER=${CONTROLLER:-build/elide-controller}
REPS=${REPS:-3}
MODES=${MODES:-plain elide}
DATAPATHS=${DATAPATHS:-flows conntrack}
SHORT=${SHORT:-40}

. "$(dirname "$0")/../tests/e2e/lib.sh"
E2E_FILES=(big.bin:36000000 small.bin:100000)
OUT=$E2E_ROOT/results/bench/tls-recall

# names in a capture: the server names of its ClientHellos, sorted, unique
snis() {
    tshark -r "$1" -Y 'tcp.dstport == 443 && tls.handshake.type == 1' -T fields \
        -e tls.handshake.extensions_server_name 2>/dev/null | sort -u
}

one_run() {
    local mode=$1 dp=$2 rep=$3 dir=$E2E_TMP/$1-$2-$3 i ok=1 pids=()
    mkdir -p "$dir"
    e2e_mirror_cap "$E2E_MIRROR_RATE" || return 1
    E2E_CTL_DATAPATH=$dp e2e_ctl_start "$dir" "$mode" --http-ports 80 \
        --tls-ports 443 --idle-timeout 2 || return 1
    e2e_capture_start "$E2E_NS_MON" "$dir/mon.pcap" || return 1
    local mon=$E2E_CAP_PID
    e2e_capture_start "$E2E_NS_CLI" "$dir/cli.pcap" || return 1
    local cli=$E2E_CAP_PID
    e2e_fetch_tls "$dir" 1.3 big.bin &
    pids+=($!)
    for ((i = 0; i < SHORT; i++)); do
        ip netns exec "$E2E_NS_CLI" curl --http1.1 --noproxy '*' -sS -f -k \
            --max-time 60 --resolve "s$i.e2e.test:443:$E2E_SRV_IP" \
            "https://s$i.e2e.test/small.bin" -o "$dir/small-$i.out" \
            2>>"$dir/curl.err" &
        pids+=($!)
        if (( i % 8 == 7 )); then wait "${pids[@]:1}"; pids=("${pids[0]}"); fi
    done
    wait "${pids[@]}" || ok=0
    sleep 1
    e2e_capture_stop "$cli" "$dir/cli.pcap"
    e2e_capture_stop "$mon" "$dir/mon.pcap"
    e2e_ctl_stop
    e2e_sha_ok "$dir/big.bin.out" big.bin || ok=0
    for ((i = 0; i < SHORT; i++)); do
        e2e_sha_ok "$dir/small-$i.out" small.bin || ok=0
    done
    local t m both mp mb
    t=$(snis "$dir/cli.pcap" | wc -l)
    m=$(comm -12 <(snis "$dir/cli.pcap") <(snis "$dir/mon.pcap") | wc -l)
    read -r mp mb <<<"$(e2e_pcap_count "$dir/mon.pcap" "tcp port 443")"
    printf '%s,%s,%d,%d,%d,%s,%s,%d\n' "$mode" "$dp" "$rep" "$t" "$m" "$mp" "$mb" "$ok" \
        | tee -a "$OUT/runs.csv"
    rm -rf "$dir"
}

main() {
    e2e_init || exit 1
    e2e_files_make || exit 1
    e2e_topo_up || exit 1
    e2e_nginx_start || exit 1
    mkdir -p "$OUT"
    {
        echo "command: bash bench/tls_recall.sh (REPS=$REPS MODES='$MODES' DATAPATHS='$DATAPATHS' SHORT=$SHORT)"
        echo "git: $(git -C "$E2E_ROOT" describe --always --dirty)"
        echo "date: $(date -u +%FT%TZ)"
        echo "mirror: $E2E_MIRROR_RATE; one 36 MB HTTPS download (TLS 1.3) and $SHORT HTTPS GETs of 100 KB, 8 at a time, each its own SNI"
    } >"$OUT/args.txt"
    echo "mode,datapath,rep,truth_hellos,mon_hellos,mon_packets,mon_bytes,sha_ok" >"$OUT/runs.csv"
    local mode dp rep
    for mode in $MODES; do
        for dp in $DATAPATHS; do
            [ "$mode" = elide ] || [ "$dp" = flows ] || continue  # datapath: elide only
            for ((rep = 1; rep <= REPS; rep++)); do
                one_run "$mode" "$dp" "$rep" || e2e_err "run $mode $dp $rep failed"
            done
        done
    done
    e2e_nginx_stop
    # Medians per mode and datapath.
    awk -F, 'NR > 1 { k = $1 "," $2; n[k]++; r[k, n[k]] = $5 / $4; p[k, n[k]] = $6;
                      b[k, n[k]] = $7; ok[k] += $8 }
        function med(a, k, m,   i, j, t, v) {
            for (i = 1; i <= m; i++) v[i] = a[k, i]
            for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
                if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
            return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2 }
        END { printf "%-8s %-10s %5s %14s %12s %14s %s\n", "mode", "datapath", "runs",
                     "hello_recall", "mon_packets", "mon_bytes", "sha_ok"
              for (k in n) { split(k, f, ",")
                  printf "%-8s %-10s %5d %14.3f %12d %14d %d/%d\n", f[1], f[2], n[k],
                         med(r, k, n[k]), med(p, k, n[k]), med(b, k, n[k]), ok[k], n[k] } }' \
        "$OUT/runs.csv" | tee "$OUT/summary.txt"
}

main "$@"
