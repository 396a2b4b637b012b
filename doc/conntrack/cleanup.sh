#!/bin/sh
ovs-vsctl --if-exists del-br ctbr0
for s in a b; do ip netns del ctns-$s 2>/dev/null; ip link del ctv${s}1 2>/dev/null; done
true
