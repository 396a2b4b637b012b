#!/usr/bin/env bash
# Starts ovsdb-server and ovs-vswitchd unless ovs-vswitchd already runs.
# There is no systemd on the CI machines, so ovs-ctl starts the daemons
# directly.  Idempotent; fails with a message if OVS does not come up.
set -euo pipefail

OVS_CTL=/usr/share/openvswitch/scripts/ovs-ctl

if pidof ovs-vswitchd >/dev/null 2>&1 && ovs-vsctl --timeout=5 show >/dev/null 2>&1; then
    echo "start-ovs: ovs-vswitchd already running"
    exit 0
fi

if [ ! -x "$OVS_CTL" ]; then
    echo "start-ovs: $OVS_CTL not found; is openvswitch-switch installed?" >&2
    exit 1
fi

echo "start-ovs: starting Open vSwitch with $OVS_CTL"
"$OVS_CTL" --no-monitor --system-id=random start

for _ in $(seq 1 50); do
    if ovs-vsctl --timeout=2 show >/dev/null 2>&1 && pidof ovs-vswitchd >/dev/null 2>&1; then
        echo "start-ovs: Open vSwitch is up ($(ovs-vsctl --version | head -n1))"
        exit 0
    fi
    sleep 0.2
done

echo "start-ovs: Open vSwitch did not come up within 10 s" >&2
echo "start-ovs: see /var/log/openvswitch/ovs-vswitchd.log and ovsdb-server.log" >&2
exit 1
