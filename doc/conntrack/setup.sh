#!/bin/sh
# topology: ctns-a (10.77.0.1, port 1) -- ctbr0 -- ctns-b (10.77.0.2, port 2)
set -e
ovs-vsctl add-br ctbr0 -- set bridge ctbr0 datapath_type=netdev protocols=OpenFlow13 fail_mode=secure
for s in a b; do
  ip netns add ctns-$s
  ip link add ctv${s}0 type veth peer name ctv${s}1
  ip link set ctv${s}0 netns ctns-$s
  ip link set ctv${s}1 up
done
ip -n ctns-a addr add 10.77.0.1/24 dev ctva0
ip -n ctns-b addr add 10.77.0.2/24 dev ctvb0
for s in a b; do
  ip -n ctns-$s link set ctv${s}0 up; ip -n ctns-$s link set lo up
  ip netns exec ctns-$s ethtool -K ctv${s}0 tx off rx off tso off gso off gro off >/dev/null
  ethtool -K ctv${s}1 tx off rx off tso off gso off gro off >/dev/null
done
ovs-vsctl add-port ctbr0 ctva1 -- set interface ctva1 ofport_request=1
ovs-vsctl add-port ctbr0 ctvb1 -- set interface ctvb1 ofport_request=2
