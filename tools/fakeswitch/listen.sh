# shellcheck shell=bash
# Local TCP listeners, for the scripts that start a controller and point
# build/fakeswitch at it (bench/run.sh, bench/profile.sh,
# tests/ofp-hostile/run.sh).  Sourced.

# pick_port PORT: PORT, or the next port above it nobody listens on.
pick_port() {
    local p=$1
    while ss -Hltn "sport = :$p" | grep -q .; do
        p=$((p + 1))
    done
    echo "$p"
}

# wait_listen PORT: until something listens on PORT (up to 10 s).
wait_listen() {
    local _
    for _ in $(seq 500); do
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.02
    done
    return 1
}
