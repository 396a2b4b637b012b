# shellcheck shell=bash
# End-to-end test harness: an OVS bridge, three network namespaces, nginx,
# tcpdump captures and the controller under test.  Sourced by run.sh.
#
# Everything this file creates carries a name from the variables below, so
# several harnesses (or other experiments) can share the machine: set
# E2E_BR, E2E_NS_PREFIX and E2E_CTL_PORT to run a second copy in parallel.
# Only processes whose PIDs this shell recorded are ever signalled.
#
# The library does not use `set -e`: every step that can fail is checked,
# and a failing case must not skip the teardown of the next one.

E2E_BR=${E2E_BR:-e2ebr0}                    # OVS bridge; also veth prefix
E2E_NS_PREFIX=${E2E_NS_PREFIX:-e2e}
E2E_NS_CLI=${E2E_NS_CLI:-$E2E_NS_PREFIX-cli}
E2E_NS_SRV=${E2E_NS_SRV:-$E2E_NS_PREFIX-srv}
E2E_NS_MON=${E2E_NS_MON:-$E2E_NS_PREFIX-mon}
E2E_CTL_ADDR=${E2E_CTL_ADDR:-127.0.0.1}
E2E_CTL_PORT=${E2E_CTL_PORT:-16653}
E2E_CTL_DATAPATH=${E2E_CTL_DATAPATH:-auto}  # the controller's --datapath (flows, conntrack, auto)
E2E_CLI_IP=${E2E_CLI_IP:-10.0.0.1}
E2E_SRV_IP=${E2E_SRV_IP:-10.0.0.2}
E2E_MON_IP=${E2E_MON_IP:-10.0.0.3}         # assigned to nobody; see topo_up
E2E_CLI_IP6=${E2E_CLI_IP6:-fd00:e2e::1}     # IPv6 cases only (e2e_ipv6_on)
E2E_SRV_IP6=${E2E_SRV_IP6:-fd00:e2e::2}
E2E_CLI_PORT=1                              # OpenFlow port numbers
E2E_SRV_PORT=2
E2E_MON_PORT=3
# "netdev" (userspace) works everywhere; "system" needs the kernel module.
E2E_DATAPATH=${E2E_DATAPATH:-netdev}
E2E_MIRROR_RATE=${E2E_MIRROR_RATE:-10mbit}  # rate cap toward the monitor
E2E_MIRROR_LIMIT=${E2E_MIRROR_LIMIT:-30000} # tbf queue, bytes (see e2e_mirror_cap)
E2E_CAP=${E2E_CAP:-1}                       # 0: never cap the mirror port
E2E_KEEP=${E2E_KEEP:-0}                     # 1: keep the temp dir; fail: if a case failed
E2E_VERBOSE=${E2E_VERBOSE:-0}
E2E_SEED=${E2E_SEED:-elide-e2e}
# Receive buffer of the sockets the userspace datapath reads each port with
# (net.core.rmem_default when the port is added; OVS sets no SO_RCVBUF).
# Empty: leave the system default (212992 B on Debian 12), with which a
# single TCP flow loses about a third of its segments inside OVS.  Set,
# the sysctl is raised while e2e_topo_up adds the ports, then restored.
E2E_RMEM=${E2E_RMEM:-}
E2E_RMEM_SAVED=""

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_ROOT=$(cd "$E2E_DIR/../.." && pwd)
PY=/usr/bin/python3

E2E_TMP=""          # per-run temp dir, made by e2e_init
E2E_PIDS=()         # every background process this shell started
E2E_LOCK_FD=""

# Switch-side veth names (root namespace); the namespace side is "eth0".
e2e_if() { printf '%s-%s' "$E2E_BR" "$1"; }

e2e_log() { printf '[e2e %s] %s\n' "$(date +%T)" "$*" >&2; }
e2e_dbg() { [ "$E2E_VERBOSE" = 1 ] && e2e_log "$@"; return 0; }
e2e_err() { printf '[e2e %s] ERROR: %s\n' "$(date +%T)" "$*" >&2; }

# PIDs are also written, with their start times, to a state file next to
# the lock, so that a run killed with SIGKILL (no EXIT trap) has its
# processes reaped by the next run with the same names -- and only those:
# a PID whose start time differs has been reused by someone else.
E2E_STATE=/run/lock/elide-e2e-$E2E_BR.pids

e2e_starttime() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

e2e_state_write() {
    local p
    {
        printf 'tmp %s\n' "$E2E_TMP"
        for p in "${E2E_PIDS[@]}"; do
            printf '%s %s\n' "$p" "$(e2e_starttime "$p")"
        done
    } >"$E2E_STATE.tmp" && mv "$E2E_STATE.tmp" "$E2E_STATE"
}

e2e_track() { E2E_PIDS+=("$1"); e2e_state_write; }
e2e_untrack() {
    local p keep=()
    for p in "${E2E_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    E2E_PIDS=("${keep[@]}")
    e2e_state_write
}

# Called with the lock held, before anything else.
e2e_reap_stale() {
    local pid st
    [ -s "$E2E_STATE" ] || return 0
    while read -r pid st; do
        if [ "$pid" = tmp ]; then
            case $st in /tmp/elide-e2e.*) rm -rf "$st" ;; esac
            continue
        fi
        if [ -n "$st" ] && [ "$(e2e_starttime "$pid")" = "$st" ]; then
            e2e_log "killing pid $pid left by a killed run: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
            kill -s KILL "$pid" 2>/dev/null
        fi
    done <"$E2E_STATE"
    rm -f "$E2E_STATE"
}

# Sends SIGTERM to a PID this shell started, waits up to $2 s, then SIGKILL.
# Prints nothing; returns the process's exit status (or 137 if killed).
e2e_kill_wait() {
    local pid=$1 t=${2:-5} sig=${3:-TERM} i rc
    kill -s "$sig" "$pid" 2>/dev/null
    for ((i = 0; i < t * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -s KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    rc=$?
    e2e_untrack "$pid"
    return $rc
}

e2e_check_tools() {
    local t missing=()
    for t in ovs-vsctl ovs-ofctl ip ss tc ethtool sysctl ping tcpdump tshark \
             nginx curl openssl sha256sum flock "$PY"; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    if [ ${#missing[@]} -ne 0 ]; then
        e2e_err "missing tools: ${missing[*]} (run ci/install-deps.sh)"
        return 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        e2e_err "must run as root (namespaces, OVS, tcpdump)"
        return 1
    fi
    if ! ovs-vsctl --timeout=5 show >/dev/null 2>&1; then
        e2e_err "Open vSwitch is not running (run ci/start-ovs.sh)"
        return 1
    fi
    if [ ${#E2E_BR} -gt 11 ]; then
        e2e_err "E2E_BR '$E2E_BR' too long: veth names are E2E_BR-xxx (15 max)"
        return 1
    fi
}

# One harness per name set at a time: a second run with the same names
# waits here instead of tearing down the first one's topology.
e2e_lock() {
    local f=/run/lock/elide-e2e-$E2E_BR.lock
    mkdir -p /run/lock || return 1
    exec {E2E_LOCK_FD}>"$f" || return 1
    if ! flock -n "$E2E_LOCK_FD"; then
        e2e_log "another e2e run holds $f; waiting (up to 15 min)"
        flock -w 900 "$E2E_LOCK_FD" || { e2e_err "lock $f busy"; return 1; }
    fi
}

# e2e_select_cases ARG...: a runner's command line.  -l lists CASES, -h
# prints the usage; otherwise each CASE named needs a case_CASE function.
# Sets the caller's 'sel' to the cases named, or to all of CASES.
e2e_select_cases() {
    local c usage="usage: $0 [-l] [CASE...]"
    case ${1:-} in
        -l) printf '%s\n' "${CASES[@]}"; exit 0 ;;
        -h|--help) printf '%s\ncases: %s\n' "$usage" "${CASES[*]}"; exit 0 ;;
    esac
    sel=()
    for c in "$@"; do
        if ! declare -F "case_$c" >/dev/null; then
            printf 'unknown case: %s\n%s\ncases: %s\n' "$c" "$usage" "${CASES[*]}" >&2
            exit 2
        fi
        sel+=("$c")
    done
    [ ${#sel[@]} -gt 0 ] || sel=("${CASES[@]}")
}

e2e_init() {
    e2e_check_tools || return 1
    e2e_lock || return 1
    e2e_reap_stale
    E2E_TMP=$(mktemp -d /tmp/elide-e2e.XXXXXX) || return 1
    chmod 755 "$E2E_TMP"
    e2e_state_write
    trap 'e2e_cleanup' EXIT
    trap 'e2e_log "interrupted"; exit 130' INT
    trap 'e2e_log "terminated"; exit 143' TERM
    e2e_dbg "temp dir $E2E_TMP"
}

# Runs on every exit path (EXIT trap).  Idempotent.
e2e_cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    for p in "${E2E_PIDS[@]}"; do
        e2e_kill_wait "$p" 3 TERM
    done
    e2e_topo_down
    e2e_rmem_restore
    rm -f "$E2E_STATE"
    if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
        if [ "$E2E_KEEP" = 1 ]; then
            e2e_log "artifacts kept in $E2E_TMP"
        else
            rm -rf "$E2E_TMP"
        fi
    fi
    exit $rc
}

# ---------------------------------------------------------------- topology

e2e_rmem_restore() {
    if [ -n "$E2E_RMEM_SAVED" ]; then
        sysctl -qw net.core.rmem_default="$E2E_RMEM_SAVED" >/dev/null
        E2E_RMEM_SAVED=""
    fi
}

e2e_ns_sysctl() { ip netns exec "$1" sysctl -qw "$2" >/dev/null; }

e2e_offloads_off() {
    # The userspace datapath passes no checksum metadata between veths:
    # with offloads on, TCP checksums are never filled in.
    local ns=$1 ifname=$2
    if [ -n "$ns" ]; then
        ip netns exec "$ns" ethtool -K "$ifname" tx off rx off tso off \
            gso off gro off >/dev/null 2>&1
    else
        ethtool -K "$ifname" tx off rx off tso off gso off gro off \
            >/dev/null 2>&1
    fi
}

# e2e_host NAME NS OFPORT IP MAC: a namespace joined to the bridge by a veth.
e2e_host() {
    local name=$1 ns=$2 ofport=$3 ipaddr=$4 mac=$5
    local sw; sw=$(e2e_if "$name")
    ip netns add "$ns" || return 1
    # IPv6 off before any interface comes up: no ND, MLD or RS on the wire.
    e2e_ns_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1 || return 1
    e2e_ns_sysctl "$ns" net.ipv6.conf.default.disable_ipv6=1 || return 1
    ip link add "$sw" type veth peer name "${sw}n" || return 1
    sysctl -qw "net.ipv6.conf.$sw.disable_ipv6=1" >/dev/null || return 1
    ip link set "${sw}n" netns "$ns" || return 1
    ip -n "$ns" link set "${sw}n" name eth0 address "$mac" || return 1
    e2e_ns_sysctl "$ns" net.ipv6.conf.eth0.disable_ipv6=1 || return 1
    e2e_offloads_off "" "$sw" || return 1
    e2e_offloads_off "$ns" eth0 || return 1
    ip -n "$ns" link set lo up || return 1
    if [ -n "$ipaddr" ]; then
        ip -n "$ns" addr add "$ipaddr/24" dev eth0 || return 1
    fi
    ip -n "$ns" link set eth0 up || return 1
    ip link set "$sw" up || return 1
    ovs-vsctl add-port "$E2E_BR" "$sw" \
        -- set interface "$sw" ofport_request="$ofport" || return 1
}

e2e_topo_up() {
    # Leftovers of a killed run with our names (the lock says no live run
    # owns them) are removed first.
    e2e_topo_down
    if [ -n "$E2E_RMEM" ]; then
        [ -n "$E2E_RMEM_SAVED" ] || E2E_RMEM_SAVED=$(sysctl -n net.core.rmem_default)
        sysctl -qw net.core.rmem_default="$E2E_RMEM" >/dev/null || return 1
    fi
    ovs-vsctl add-br "$E2E_BR" \
        -- set bridge "$E2E_BR" datapath_type="$E2E_DATAPATH" \
               protocols=OpenFlow13 fail-mode=secure \
               other-config:disable-in-band=true \
        -- --id=@c create controller \
               target="\"tcp:$E2E_CTL_ADDR:$E2E_CTL_PORT\"" max_backoff=1000 \
        -- set bridge "$E2E_BR" controller=@c >/dev/null || return 1
    # The bridge's own local port stays down and silent.
    sysctl -qw "net.ipv6.conf.$E2E_BR.disable_ipv6=1" >/dev/null 2>&1
    # The monitor has no IP traffic of its own; $E2E_MON_IP is reserved
    # for it but not configured, so it never answers ARP.
    e2e_host cli "$E2E_NS_CLI" $E2E_CLI_PORT "$E2E_CLI_IP" 02:e2:e0:00:00:01 || return 1
    e2e_host srv "$E2E_NS_SRV" $E2E_SRV_PORT "$E2E_SRV_IP" 02:e2:e0:00:00:02 || return 1
    e2e_host mon "$E2E_NS_MON" $E2E_MON_PORT ""            02:e2:e0:00:00:03 || return 1
    e2e_rmem_restore        # the ports' sockets exist now
    # linux-noop: OVS must not replace the qdisc we put on the mirror port
    # (without it, every bridge reconfiguration restores the default one).
    ovs-vsctl set port "$(e2e_if mon)" qos=@q \
        -- --id=@q create qos type=linux-noop >/dev/null || return 1
    local p got
    for p in cli:$E2E_CLI_PORT srv:$E2E_SRV_PORT mon:$E2E_MON_PORT; do
        got=$(ovs-vsctl get interface "$(e2e_if "${p%%:*}")" ofport)
        if [ "$got" != "${p#*:}" ]; then
            e2e_err "$(e2e_if "${p%%:*}") got ofport $got, wanted ${p#*:}"
            return 1
        fi
    done
    e2e_dbg "topology up: bridge $E2E_BR ($E2E_DATAPATH), namespaces $E2E_NS_CLI $E2E_NS_SRV $E2E_NS_MON"
}

e2e_topo_down() {
    local ns h q
    q=$(ovs-vsctl --if-exists get port "$(e2e_if mon)" qos 2>/dev/null)
    # The access bridges of run.sh's VLAN case, if one was cut short.
    ovs-vsctl --if-exists del-br "$E2E_BR" -- --if-exists del-br "${E2E_BR}c" \
        -- --if-exists del-br "${E2E_BR}s" 2>/dev/null
    if [ -n "$q" ] && [ "$q" != "[]" ]; then
        ovs-vsctl --if-exists destroy qos "$q" 2>/dev/null
    fi
    for h in cli srv mon; do
        ip link del "$(e2e_if $h)" 2>/dev/null
    done
    for ns in "$E2E_NS_CLI" "$E2E_NS_SRV" "$E2E_NS_MON"; do
        if ip netns list | grep -qw -- "^$ns"; then
            ip netns del "$ns" 2>/dev/null
        fi
    done
    return 0
}

# Caps the switch's egress toward the monitor (the mirror port).
#
# The queue is kept short on purpose.  The userspace datapath sends on every
# port through one shared AF_PACKET socket, and each frame waiting in this
# qdisc is charged to that socket's send buffer (212 KB by default).  With a
# tbf limit of 80 KB the buffer fills, OVS gets EAGAIN on the client and
# server ports too, and the forwarded TCP transfer itself loses segments:
# measured, a 36 MB GET under plain mirroring took 12.6 s instead of 1.1 s.
# With 30 KB (about 20 frames) only the mirror drops, as on a real switch.
e2e_mirror_cap() {
    local rate=${1:-$E2E_MIRROR_RATE} dev; dev=$(e2e_if mon)
    if [ "$E2E_CAP" = 0 ]; then
        e2e_mirror_uncap; return 0
    fi
    tc qdisc replace dev "$dev" root tbf rate "$rate" burst 16kb \
        limit "$E2E_MIRROR_LIMIT" || return 1
}

e2e_mirror_uncap() {
    tc qdisc del dev "$(e2e_if mon)" root 2>/dev/null
    return 0
}

# Prints "tbf RATE" or "none": what the mirror port's egress qdisc is now.
e2e_mirror_qdisc() {
    local line
    line=$(tc qdisc show dev "$(e2e_if mon)" root 2>/dev/null | head -n1)
    case $line in
        *tbf*) printf 'tbf %s\n' "$(sed -n 's/.* rate \([^ ]*\).*/\1/p' <<<"$line")" ;;
        *) echo none ;;
    esac
}

e2e_flows_reset() {
    ovs-ofctl -O OpenFlow13 del-flows "$E2E_BR" 2>/dev/null
    ovs-ofctl -O OpenFlow13 del-groups "$E2E_BR" 2>/dev/null
    ovs-ofctl -O OpenFlow13 del-meters "$E2E_BR" 2>/dev/null
    # Datapath flows of the previous controller session go too: in the
    # userspace datapath, megaflows whose action sends to the controller
    # (userspace(controller(recirc_id=...))) outlived the rules they were
    # made from, and their packets reached nobody until the flow idled out
    # (10 s without a packet; TCP's backoff kept some alive for 27 s).
    # This flushes the whole datapath (every bridge of this type): other
    # bridges' packets take one upcall each to rebuild theirs.
    ovs-appctl dpctl/del-flows "$E2E_DATAPATH@ovs-$E2E_DATAPATH" >/dev/null 2>&1
    local ns
    # Every case starts with empty ARP caches, so it sees ARP resolution.
    for ns in "$E2E_NS_CLI" "$E2E_NS_SRV"; do
        ip -n "$ns" neigh flush all 2>/dev/null
    done
    return 0
}

e2e_flow_count() {
    ovs-ofctl -O OpenFlow13 dump-flows "$E2E_BR" 2>/dev/null \
        | grep -c 'actions=' || true
}

# ------------------------------------------------------------------ files

# e2e_gen FILE SIZE SEED: deterministic bytes (AES-128-CTR keystream).
e2e_gen() {
    local f=$1 size=$2 seed=$3 key
    key=$(printf '%s' "$seed" | sha256sum | cut -c1-32)
    { openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000 \
          -nosalt -in /dev/zero 2>/dev/null || true; } | head -c "$size" >"$f"
    [ "$(stat -c %s "$f")" = "$size" ]
}

# Served files: name size.  Their sha256 go to $E2E_TMP/www.sha256.
E2E_FILES=(small.bin:100000 big.bin:36000000 big2.bin:36000000 tiny.bin:1000
           mid.bin:3000000)

e2e_files_make() {
    local spec name size
    mkdir -p "$E2E_TMP/www" || return 1
    for spec in "${E2E_FILES[@]}"; do
        name=${spec%%:*} size=${spec#*:}
        e2e_gen "$E2E_TMP/www/$name" "$size" "$E2E_SEED-$name" || {
            e2e_err "cannot generate $name"; return 1; }
    done
    (cd "$E2E_TMP/www" && sha256sum -- *) >"$E2E_TMP/www.sha256" || return 1
    chmod -R a+rX "$E2E_TMP/www"
}

e2e_sha_of() {  # served sha256 of file NAME
    awk -v n="$1" '$2 == n || $2 == "*"n { print $1 }' "$E2E_TMP/www.sha256"
}

# e2e_ipv6_on: IPv6 on the client's and the server's eth0 for one case
# (off otherwise: no ND, MLD or RS in the other cases' captures), with
# static neighbours, so that no Neighbour Discovery precedes a transfer;
# e2e_ipv6_off takes it away again (addresses go with it).
e2e_ipv6_on() {
    local ns ip peer mac
    while read -r ns ip peer mac; do
        e2e_ns_sysctl "$ns" net.ipv6.conf.eth0.accept_ra=0 || return 1
        e2e_ns_sysctl "$ns" net.ipv6.conf.eth0.router_solicitations=0 || return 1
        e2e_ns_sysctl "$ns" net.ipv6.conf.eth0.disable_ipv6=0 || return 1
        e2e_ns_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=0 || return 1
        ip -n "$ns" -6 addr add "$ip/64" dev eth0 nodad || return 1
        ip -n "$ns" -6 neigh replace "$peer" lladdr "$mac" dev eth0 nud permanent \
            || return 1
    done <<EOF
$E2E_NS_CLI $E2E_CLI_IP6 $E2E_SRV_IP6 02:e2:e0:00:00:02
$E2E_NS_SRV $E2E_SRV_IP6 $E2E_CLI_IP6 02:e2:e0:00:00:01
EOF
}

e2e_ipv6_off() {
    local ns
    for ns in "$E2E_NS_CLI" "$E2E_NS_SRV"; do
        e2e_ns_sysctl "$ns" net.ipv6.conf.eth0.disable_ipv6=1
        e2e_ns_sysctl "$ns" net.ipv6.conf.all.disable_ipv6=1
    done
    return 0
}

# ------------------------------------------------------------------ nginx

E2E_NGINX_PID=""
E2E_NGINX_CONNS=${E2E_NGINX_CONNS:-256}     # worker_connections
E2E_TLS_NAME=${E2E_TLS_NAME:-www.e2e.test}  # its certificate's name (SNI)

# e2e_nginx_start [DIR ADDR]: nginx in the server's namespace on ADDR
# (default $E2E_SRV_IP; "[v6]" for IPv6) ports 80 and 443, its files in
# $E2E_TMP/DIR (default nginx); sets E2E_NGINX_PID (the first's also
# E2E_NGINX_PID0 for e2e_nginx_stop).
e2e_nginx_start() {
    local d=$E2E_TMP/${1:-nginx} i E2E_NGINX_ADDR=${2:-$E2E_SRV_IP}
    mkdir -p "$d/tmp" "$d/logs" || return 1
    # HTTPS on 443 with a certificate made now (RSA 2048, one day).
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/tls.key" \
        -out "$d/tls.crt" -days 1 -subj "/CN=$E2E_TLS_NAME" \
        -addext "subjectAltName=DNS:$E2E_TLS_NAME" >/dev/null 2>&1 || {
        e2e_err "openssl cannot make a certificate"; return 1; }
    cat >"$d/nginx.conf" <<EOF
# Generated by tests/e2e/lib.sh; everything lives in $d.
# Workers stay root so they can read the temp dir wherever it is.
user root root;
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections $E2E_NGINX_CONNS; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/tmp/body;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush off;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 10000;
    server {
        listen $E2E_NGINX_ADDR:80;
        root $E2E_TMP/www;
        location / { }
    }
    server {
        listen $E2E_NGINX_ADDR:443 ssl;
        ssl_certificate $d/tls.crt;
        ssl_certificate_key $d/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $E2E_TMP/www;
        location / { }
    }
}
EOF
    ip netns exec "$E2E_NS_SRV" nginx -e "$d/logs/error.log" -p "$d" \
        -c "$d/nginx.conf" >"$d/logs/stdout.log" 2>&1 &
    E2E_NGINX_PID=$!
    e2e_track "$E2E_NGINX_PID"
    for ((i = 0; i < 50; i++)); do
        if ip netns exec "$E2E_NS_SRV" ss -Hltn "src $E2E_NGINX_ADDR:80" 2>/dev/null \
                | grep -q LISTEN; then
            e2e_dbg "nginx listening on $E2E_SRV_IP:80 (pid $E2E_NGINX_PID)"
            return 0
        fi
        kill -0 "$E2E_NGINX_PID" 2>/dev/null || break
        sleep 0.1
    done
    e2e_err "nginx did not start:"; cat "$d/logs/error.log" "$d/logs/stdout.log" >&2
    return 1
}

e2e_nginx_stop() {
    [ -n "$E2E_NGINX_PID" ] || return 0
    e2e_kill_wait "$E2E_NGINX_PID" 5 QUIT
    E2E_NGINX_PID=""
}

# --------------------------------------------------------------- captures

E2E_CAP_PID=""

# e2e_capture_start NS FILE: tcpdump on NS's eth0, all of every frame.
# Sets E2E_CAP_PID.  Waits until tcpdump says it is listening.
e2e_capture_start() {
    local ns=$1 f=$2 i
    ip netns exec "$ns" tcpdump -i eth0 -n -U --immediate-mode -s 0 -B 16384 -Z root \
        -w "$f" >"$f.stdout" 2>"$f.stderr" &
    E2E_CAP_PID=$!
    e2e_track "$E2E_CAP_PID"
    for ((i = 0; i < 100; i++)); do
        grep -q 'listening on' "$f.stderr" 2>/dev/null && return 0
        kill -0 "$E2E_CAP_PID" 2>/dev/null || break
        sleep 0.05
    done
    e2e_err "tcpdump on $ns did not start:"; cat "$f.stderr" >&2
    return 1
}

# e2e_capture_stop PID FILE: stops it cleanly; warns about kernel drops,
# which would make the capture an unreliable witness.
e2e_capture_stop() {
    local pid=$1 f=$2 drops
    e2e_kill_wait "$pid" 10 INT
    drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$f.stderr")
    if [ -n "$drops" ] && [ "$drops" != 0 ]; then
        e2e_log "WARNING: tcpdump dropped $drops packets in $f"
    fi
    return 0
}

# --------------------------------------------------------------- counting

# e2e_pcap_count FILE [BPF-FILTER]: prints "PACKETS BYTES", bytes being the
# sum of the frames' on-wire lengths (tshark's frame.len).  tcpdump reads a
# 36 MB capture in 0.2 s where tshark takes 3.5 s.
e2e_pcap_count() {
    local f=$1; shift
    if [ ! -s "$f" ]; then echo "0 0"; return 0; fi
    tcpdump -r "$f" -nn -e -q "$@" 2>/dev/null \
        | awk 'match($0, /, length [0-9]+/) {
                   n++; b += substr($0, RSTART + 9, RLENGTH - 9) }
               END { printf "%d %d\n", n, b }'
}

# e2e_pcap_count_df FILE [DISPLAY-FILTER]: the same with a Wireshark
# display filter, for what BPF cannot express.
e2e_pcap_count_df() {
    local f=$1 filt=${2:-}
    if [ ! -s "$f" ]; then echo "0 0"; return 0; fi
    tshark -r "$f" ${filt:+-Y "$filt"} -T fields -e frame.len 2>/dev/null \
        | awk '{ n++; b += $1 } END { printf "%d %d\n", n, b }'
}

# e2e_pcap_max_len FILE: the largest on-wire frame length.
e2e_pcap_max_len() {
    local f=$1
    if [ ! -s "$f" ]; then echo 0; return 0; fi
    tcpdump -r "$f" -nn -e -q 2>/dev/null \
        | awk 'BEGIN { m = 0 }
               match($0, /, length [0-9]+/) {
                   l = substr($0, RSTART + 9, RLENGTH - 9) + 0; if (l > m) m = l }
               END { print m }'
}

# ------------------------------------------------------------- controller

CONTROLLER=${CONTROLLER:-build/elide-controller}
E2E_CTL_PID=""
E2E_CTL_LOG=""
E2E_CTL_EVENTS=""

# e2e_ctl_start DIR MODE [ARGS...]: starts the controller and waits until
# the switch is connected to it.
#
# E2E_FAKE_CTL=1 replaces the controller by static flows that imitate the
# modes none, plain, selective (tcp:80) and truncate (128), and "plain" for
# the elide modes, plus an idle stand-in process.  It exists to test the
# harness itself (topology, captures, checks) without the controller.
e2e_ctl_start() {
    local dir=$1 mode=$2; shift 2
    local bin=$CONTROLLER
    case $bin in /*) ;; *) bin=$E2E_ROOT/$bin ;; esac
    E2E_CTL_LOG=$dir/controller.log
    E2E_CTL_EVENTS=$dir/events.jsonl
    : >"$E2E_CTL_EVENTS"
    e2e_flows_reset
    if [ "${E2E_FAKE_CTL:-0}" = 1 ]; then
        bash -c 'sleep 1000000 & s=$!; trap "kill \$s; exit 0" TERM; wait' \
            >"$E2E_CTL_LOG" 2>&1 &
        E2E_CTL_PID=$!
        e2e_track "$E2E_CTL_PID"
        e2e_fake_flows "$mode"
        return
    fi
    if ss -Hltn "src $E2E_CTL_ADDR:$E2E_CTL_PORT" 2>/dev/null | grep -q LISTEN; then
        e2e_err "$E2E_CTL_ADDR:$E2E_CTL_PORT already in use (set E2E_CTL_PORT)"
        return 1
    fi
    if [ ! -x "$bin" ]; then e2e_err "no controller at $bin"; return 1; fi
    "$bin" --listen "$E2E_CTL_ADDR:$E2E_CTL_PORT" --mode "$mode" \
        --mirror-port "$E2E_MON_PORT" --event-log "$E2E_CTL_EVENTS" \
        --datapath "$E2E_CTL_DATAPATH" "$@" >"$E2E_CTL_LOG" 2>&1 &
    E2E_CTL_PID=$!
    e2e_track "$E2E_CTL_PID"
    e2e_dbg "controller pid $E2E_CTL_PID: mode $mode $*"
    e2e_wait_switch || {
        e2e_err "switch did not connect to the controller; its log:"
        tail -n 20 "$E2E_CTL_LOG" >&2
        return 1
    }
}

e2e_fake_flows() {
    local c=$E2E_CLI_PORT s=$E2E_SRV_PORT m=$E2E_MON_PORT
    local tom=",output:$m" flows=()
    case $1 in
        none) tom="" ;;
        truncate) tom=",output(port=$m,max_len=128)" ;;
    esac
    flows+=("priority=10,in_port=$c,actions=output:$s$tom")
    flows+=("priority=10,in_port=$s,actions=output:$c$tom")
    if [ "$1" = selective ]; then
        flows=("priority=10,in_port=$c,actions=output:$s"
               "priority=10,in_port=$s,actions=output:$c"
               "priority=20,tcp,in_port=$c,tp_dst=80,actions=output:$s,output:$m"
               "priority=20,tcp,in_port=$s,tp_src=80,actions=output:$c,output:$m")
    fi
    printf '%s\n' "${flows[@]}" \
        | ovs-ofctl -O OpenFlow13 add-flows "$E2E_BR" - || return 1
}

# Connected means: OVS reports the controller connection up and the
# controller has installed its first flow (the table-miss entry), so
# traffic sent now meets the controller's flow table, not an empty one.
e2e_wait_switch() {
    local i conn=""
    for ((i = 0; i < 100; i++)); do
        kill -0 "$E2E_CTL_PID" 2>/dev/null || { e2e_err "controller exited"; return 1; }
        if [ "$(e2e_flow_count)" -gt 0 ]; then
            return 0
        fi
        sleep 0.1
    done
    conn=$(ovs-vsctl --bare --columns=is_connected find controller \
               "target=\"tcp:$E2E_CTL_ADDR:$E2E_CTL_PORT\"" 2>/dev/null)
    [ "$conn" = true ] && e2e_err "connected, but no flow installed in 10 s"
    return 1
}

e2e_ctl_alive() { [ -n "$E2E_CTL_PID" ] && kill -0 "$E2E_CTL_PID" 2>/dev/null; }

# Stops the controller with SIGTERM; returns its exit status (0 expected).
e2e_ctl_stop() {
    local rc
    [ -n "$E2E_CTL_PID" ] || return 0
    e2e_kill_wait "$E2E_CTL_PID" 10 TERM
    rc=$?
    E2E_CTL_PID=""
    return $rc
}

# Number of events of one type in the event log.
e2e_events() {
    local type=$1
    [ -f "$E2E_CTL_EVENTS" ] || { echo 0; return 0; }
    grep -cE "\"event\" *: *\"$type\"" "$E2E_CTL_EVENTS" || true
}

# ---------------------------------------------------------------- traffic

# e2e_fetch DIR NAME...: one curl, one connection, all NAMEs in order.
# Writes DIR/NAME.out and DIR/curl.stats: per URL "num_connects seconds".
e2e_fetch() {
    local dir=$1; shift
    local args=() n
    for n in "$@"; do
        args+=("http://$E2E_SRV_IP/$n" -o "$dir/$n.out")
    done
    ip netns exec "$E2E_NS_CLI" env -u http_proxy -u HTTP_PROXY -u all_proxy \
        curl --http1.1 --noproxy '*' -sS -f --max-time 120 \
        -w '%{num_connects} %{time_total}\n' "${args[@]}" \
        >"$dir/curl.stats" 2>"$dir/curl.err"
}

# e2e_fetch_paced DIR RATE NAME COUNT: COUNT GETs of NAME on one
# connection, each paced by curl at RATE (bytes/s, curl's suffixes), into
# DIR/NAME.1.out ... DIR/NAME.COUNT.out.
e2e_fetch_paced() {
    local dir=$1 rate=$2 name=$3 count=$4 args=() i
    for ((i = 1; i <= count; i++)); do
        args+=("http://$E2E_SRV_IP/$name" -o "$dir/$name.$i.out")
    done
    ip netns exec "$E2E_NS_CLI" env -u http_proxy -u HTTP_PROXY -u all_proxy \
        curl --http1.1 --noproxy '*' -sS -f --max-time 120 --limit-rate "$rate" \
        -w '%{num_connects} %{time_total}\n' "${args[@]}" \
        >"$dir/curl.stats" 2>"$dir/curl.err"
}

# e2e_fetch_tls DIR VERSION NAME: one HTTPS GET (curl, TLS VERSION 1.2 or
# 1.3, the certificate's name as SNI) into DIR/NAME.out.
e2e_fetch_tls() {
    local dir=$1 v=$2 name=$3
    ip netns exec "$E2E_NS_CLI" env -u https_proxy -u HTTPS_PROXY -u all_proxy \
        curl --http1.1 --noproxy '*' -sS -f --max-time 120 \
        --cacert "$E2E_TMP/nginx/tls.crt" --tlsv"$v" --tls-max "$v" ${E2E_CURL_EXTRA:-} \
        --resolve "$E2E_TLS_NAME:443:$E2E_SRV_IP" \
        -w '%{num_connects} %{time_total}\n' \
        "https://$E2E_TLS_NAME/$name" -o "$dir/$name.out" \
        >>"$dir/curl.stats" 2>>"$dir/curl.err"
}

# e2e_pipeline DIR NAME...: N requests written back to back on one
# connection, then N responses read; prints "NAME STATUS LEN SHA256" lines
# to DIR/pipeline.out.
e2e_pipeline() {
    local dir=$1; shift
    ip netns exec "$E2E_NS_CLI" "$PY" "$E2E_ROOT/experiments/pipeline_client.py" "$E2E_SRV_IP" 80 "$@" \
        >"$dir/pipeline.out" 2>"$dir/pipeline.err"
}

# e2e_sha_ok FILE NAME: FILE has the served content of NAME.
e2e_sha_ok() {
    local got want
    [ -f "$1" ] || return 1
    got=$(sha256sum <"$1" | cut -d' ' -f1)
    want=$(e2e_sha_of "$2")
    [ -n "$want" ] && [ "$got" = "$want" ]
}
