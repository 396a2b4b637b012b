#!/bin/sh
# snap.sh LABEL CMD...: table-1 counter diff around CMD
L=$1; shift; O="ovs-ofctl -O OpenFlow13"
$O dump-flows ctbr0 table=1 | sed 's/duration=[^,]*, //;s/cookie=0x0, //;/OFPST/d' > /tmp/ctsnap_b; "$@"; sleep 1.3
$O dump-flows ctbr0 table=1 | sed 's/duration=[^,]*, //;s/cookie=0x0, //;/OFPST/d' > /tmp/ctsnap_a
echo "## $L"; diff /tmp/ctsnap_b /tmp/ctsnap_a | grep '^>' ; true
