#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing need.
# The last line is what the e2e harness runs that a minimal image may lack:
# the openssl CLI (test data), sysctl, flock.
# Idempotent: dpkg-query decides what is missing, and apt-get runs (with one
# `apt-get update`) only when something is, so a rerun takes a second.
set -euo pipefail

PACKAGES=(
    build-essential pkg-config libcriterion-dev libpcap-dev
    openvswitch-switch openvswitch-testcontroller mininet
    tcpdump tshark nginx-light curl iproute2 iptables ethtool iputils-ping
    gnuplot-nox python3-scapy clang libclang-rt-14-dev
    # libhtp (Suricata's parser) and http-parser (nodejs's old one), the
    # other two parsers of fuzz_http_diff and test-http-diff
    libhtp-dev libhttp-parser-dev
    openssl procps util-linux
    # TLS and SSH elision tests: sshd runs in a test namespace only
    openssh-server openssh-client
    # independent consumers of the captures (experiments/consumers.py)
    httpry libndpi-bin p0f
)
# `make bench` also profiles (bench/profile.sh) and runs an os-ken learning
# switch (bench/osken_l2.py): EXTRA_PACKAGES="valgrind linux-perf python3-os-ken".
read -r -a extra <<<"${EXTRA_PACKAGES:-}"
PACKAGES+=("${extra[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    if [ "$status" != installed ]; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root to install them" >&2
    exit 1
fi

echo "install-deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer before installing.
echo "wireshark-common wireshark-common/install-setuid boolean false" \
    | debconf-set-selections
# Packages' services (sshd) are not started: the tests start their own.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
fi
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: done"
