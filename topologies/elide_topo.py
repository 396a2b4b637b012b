"""Mininet topologies for the elided port mirroring experiments.

Usable from experiments/ (import this file) and from the command line:

    mn --custom topologies/elide_topo.py --topo elide_single,clients=2 \
       --controller remote,ip=127.0.0.1,port=46653

    build/elide-controller --listen 127.0.0.1:46653 --mode elide \
       --mirror-port 1

Beware: `mn` runs Mininet's global cleanup (`mn -c`) when it exits on an
exception or Ctrl-C, which deletes every OVS bridge on the machine and
kills every controller it knows by name.  On a machine shared with other
tests, use experiments/run.py (which cleans up only what it created).

Topologies:
  elide_single  one switch: clients, servers and a monitor host on the
                mirror port.
  elide_two     two switches joined by a trunk: clients and the monitor on
                the first, servers on the second (mirror_on=servers moves
                the monitor to the second), so the controller handles
                several datapaths.

Everything about these networks is fixed so that results are comparable:
OpenFlow port numbers (the monitor is always port MIRROR_PORT, which the
controller needs as --mirror-port), MAC and IP addresses, switch datapath
ids.  Every name starts with a prefix (default "ex") so that a network of
this file can run beside other experiments and test harnesses on the same
machine: switches PREFIXs1/PREFIXs2, hosts PREFIXc1.., PREFIXsv1..,
PREFIXmon.  Only Mininet's own start/stop touch what they created; nothing
here cleans up globally (no `mn -c`).

Facts of the machines these run on (see ../shared/ENVIRONMENT.md):
- the userspace datapath is chosen when the kernel has no openvswitch
  module (detected, not hard-coded);
- with the userspace datapath TCP over veth needs checksum offloads off on
  both ends of every veth;
- the mirror link is capped with tbf (TCLink, use_tbf) whose queue limit is
  rate * 12 ms + 15 KB = 30 KB at 10 Mbit/s.  A longer queue on the mirror
  port would fill the userspace datapath's shared AF_PACKET send buffer and
  make the forwarded traffic itself lose packets.
"""

import os
import sys

from mininet.link import Link, TCIntf
from mininet.node import Host, OVSSwitch
from mininet.topo import Topo
from mininet.util import errRun, quietRun

MIRROR_PORT = 1          # OpenFlow port of the monitor on its switch
CLIENT_PORT_BASE = 10    # client i (1-based) is on port CLIENT_PORT_BASE + i
SERVER_PORT_BASE = 20    # server j is on port SERVER_PORT_BASE + j
TRUNK_PORT = 30          # the inter-switch link, on both switches
MAX_HOSTS = 9            # per kind, so that port ranges never overlap

DEFAULT_PREFIX = 'ex'
DEFAULT_MIRROR_MBIT = 10.0


QOS_OWNER_KEY = 'elide-topo-owner'


def destroy_qos(switch_name):
    """Destroys the QoS rows that ESwitch switch_name created (by tag)."""
    uuids = quietRun('ovs-vsctl --timeout=5 --bare --columns=_uuid find qos '
                     'external-ids:%s=%s' % (QOS_OWNER_KEY, switch_name))
    for uuid in uuids.split():
        # A port that still refers to the row must drop it first.
        for port in quietRun('ovs-vsctl --timeout=5 --bare --columns=name '
                             'find port qos=%s' % uuid).split():
            quietRun('ovs-vsctl --timeout=5 clear port %s qos' % port)
        quietRun('ovs-vsctl --timeout=5 --if-exists destroy qos %s' % uuid)


def remove_leftovers(prefix=DEFAULT_PREFIX, nswitches=2):
    """Removes what a killed run with this prefix may have left in OVS and
    the root namespace: its bridges, their QoS rows and switch-side veths.
    Exact names only, so other bridges on the machine are never touched.
    Returns the names removed."""
    removed = []
    links = [line.split(':')[1].strip().split('@')[0]
             for line in quietRun('ip -o link show').splitlines()
             if line.count(':') >= 2]
    for n in range(1, nswitches + 1):
        sw = '%ss%d' % (prefix, n)
        _out, _err, code = errRun('ovs-vsctl --timeout=5 br-exists %s' % sw)
        if code == 0:
            quietRun('ovs-vsctl --timeout=5 --if-exists del-br %s' % sw)
            removed.append(sw)
        destroy_qos(sw)
        for name in links:
            if (name == sw or name.startswith(sw + '-eth')) and \
                    name not in removed:
                quietRun('ip link del %s' % name)
                removed.append(name)
    return removed


def detect_datapath():
    """'kernel' when the openvswitch module is loaded, else 'user'."""
    return 'kernel' if os.path.exists('/sys/module/openvswitch') else 'user'


def client_ip(i):
    return '10.0.0.%d' % i


def server_ip(j):
    return '10.0.0.%d' % (100 + j)


def _mac(kind, n):
    return '02:e1:de:00:%02x:%02x' % (kind, n)


class EIntf(TCIntf):
    """A TCIntf with every offload off and IPv6 disabled.

    Offloads: TCP through the userspace datapath over veth breaks unless
    checksum offload is off on both ends; with TSO/GSO/GRO off too,
    segments stay at MTU size, so packet counts mean the same thing in
    every capture.  IPv6: router solicitations, MLD and DAD would otherwise
    appear on the wire (and on the mirror) at random moments.
    """

    def config(self, **params):
        params.update(txo=False, rxo=False, gro=False)
        result = TCIntf.config(self, **params)
        self.cmd('ethtool -K', self, 'tx off rx off tso off gso off gro off',
                 '>/dev/null 2>&1')
        self.cmd('sysctl -qw net.ipv6.conf.%s.disable_ipv6=1' % self,
                 '>/dev/null 2>&1')
        return result


class ELink(Link):
    """A link whose two interfaces are EIntf (TCLink with offloads off)."""

    def __init__(self, node1, node2, **params):
        # Mininet.addLink passes its own default interface class; ours wins.
        for key in ('intf', 'cls1', 'cls2'):
            params.pop(key, None)
        Link.__init__(self, node1, node2, intf=EIntf, cls1=EIntf, cls2=EIntf,
                      **params)


class EHost(Host):
    """A host with IPv6 off, so that it sends only what a workload sends."""

    def config(self, **params):
        result = Host.config(self, **params)
        for key in ('all', 'default', 'lo'):
            self.cmd('sysctl -qw net.ipv6.conf.%s.disable_ipv6=1' % key,
                     '>/dev/null 2>&1')
        return result


class ESwitch(OVSSwitch):
    """OVSSwitch with this project's defaults.

    OpenFlow 1.3 only, fail-mode secure (no forwarding without the
    controller), out-of-band control, datapath by detection.  Ports that
    carry a tc configuration (the mirror) get an OVS QoS of type
    linux-noop: without it OVS puts its default qdisc back whenever any
    bridge on the machine is reconfigured, and the cap would silently
    vanish while other engineers' tests add and delete their bridges.
    """

    def __init__(self, name, **params):
        params.setdefault('protocols', 'OpenFlow13')
        params.setdefault('failMode', 'secure')
        params.setdefault('datapath', detect_datapath())
        params.setdefault('reconnectms', 1000)  # OVS's minimum
        OVSSwitch.__init__(self, name, **params)

    def _shaped_intfs(self):
        return [i for i in self.intfList()
                if isinstance(i, TCIntf) and i.params.get('bw')]

    def start(self, controllers):
        batch = self.batch
        OVSSwitch.start(self, controllers)
        # In batch mode (Mininet's default for OVS) these join the single
        # ovs-vsctl transaction that creates the bridge, and
        # OVSSwitch.batchStartup reapplies the tc configuration afterwards.
        # The QoS rows outlive their bridge unless destroyed; the owner tag
        # finds them again, even after a crash.
        for intf in self._shaped_intfs():
            self.vsctl('-- set port %s qos=@q' % intf,
                       '-- --id=@q create qos type=linux-noop',
                       'external-ids:%s=%s' % (QOS_OWNER_KEY, self.name))
            if not batch:
                intf.config(**intf.params)

    def stop(self, deleteIntfs=True):
        OVSSwitch.stop(self, deleteIntfs)
        destroy_qos(self.name)

    @classmethod
    def batchShutdown(cls, switches, run=None):
        kwargs = {'run': run} if run else {}
        result = super().batchShutdown(switches, **kwargs)
        for switch in switches:
            destroy_qos(switch.name)
        return result

    def check(self):
        """Raises RuntimeError unless the bridge exists with every port on
        its requested OpenFlow port number, and silences the bridge's
        internal port.  Mininet ignores ovs-vsctl's exit status, so a failed
        start would otherwise go unnoticed."""
        for intf, port in self.ports.items():
            if intf.name == 'lo' or intf.IP():
                continue
            got = self.cmd('ovs-vsctl --timeout=5 get interface %s ofport'
                           % intf).strip()
            if got != str(port):
                raise RuntimeError('%s: interface %s has ofport %r, '
                                   'expected %d (bridge not created?)'
                                   % (self, intf, got, port))
        self.cmd('sysctl -qw net.ipv6.conf.%s.disable_ipv6=1' % self,
                 '>/dev/null 2>&1')


def _check_counts(clients, servers):
    for what, n in (('clients', clients), ('servers', servers)):
        if not 1 <= n <= MAX_HOSTS:
            raise ValueError('%s must be 1..%d, not %d' % (what, MAX_HOSTS, n))


def _mirror_params(mirror_bw):
    """Link parameters of the mirror link: tbf at mirror_bw Mbit/s, or none."""
    if mirror_bw:
        return dict(bw=float(mirror_bw), use_tbf=True)
    return {}


def _host_params(host_bw):
    return dict(bw=float(host_bw)) if host_bw else {}


class _ElideTopo(Topo):
    """Common parts: names, hosts and the monitor."""

    def _names(self, prefix):
        self.prefix = prefix
        self.client_names = []
        self.server_names = []
        self.monitor_name = prefix + 'mon'

    def _switch(self, n):
        return self.addSwitch('%ss%d' % (self.prefix, n), cls=ESwitch,
                              dpid='%016x' % (0xe1de00 + n))

    def _client(self, sw, i, host_bw):
        name = '%sc%d' % (self.prefix, i)
        self.addHost(name, cls=EHost, ip=client_ip(i) + '/24',
                     mac=_mac(1, i))
        self.addLink(name, sw, port1=0, port2=CLIENT_PORT_BASE + i,
                     cls=ELink, **_host_params(host_bw))
        self.client_names.append(name)

    def _server(self, sw, j, host_bw):
        name = '%ssv%d' % (self.prefix, j)
        self.addHost(name, cls=EHost, ip=server_ip(j) + '/24',
                     mac=_mac(2, j))
        self.addLink(name, sw, port1=0, port2=SERVER_PORT_BASE + j,
                     cls=ELink, **_host_params(host_bw))
        self.server_names.append(name)

    def _monitor(self, sw, mirror_bw):
        # No IP address: the monitor only listens, and never answers ARP.
        self.addHost(self.monitor_name, cls=EHost, ip=None, mac=_mac(3, 1))
        self.addLink(self.monitor_name, sw, port1=0, port2=MIRROR_PORT,
                     cls=ELink, **_mirror_params(mirror_bw))


class ElideSingle(_ElideTopo):
    """One switch PREFIXs1: clients on ports 11.., servers on 21..,
    the monitor on port 1 (MIRROR_PORT), whose link is capped at
    mirror_bw Mbit/s (0 or None: uncapped).  host_bw caps the client and
    server links (None: uncapped)."""

    def build(self, clients=1, servers=1, mirror_bw=DEFAULT_MIRROR_MBIT,
              host_bw=None, prefix=DEFAULT_PREFIX):
        clients, servers = int(clients), int(servers)
        _check_counts(clients, servers)
        self._names(prefix)
        s1 = self._switch(1)
        self._monitor(s1, mirror_bw)
        for i in range(1, clients + 1):
            self._client(s1, i, host_bw)
        for j in range(1, servers + 1):
            self._server(s1, j, host_bw)
        self.mirror_switches = [s1]


class ElideTwo(_ElideTopo):
    """Clients on PREFIXs1, servers on PREFIXs2, a trunk on port 30 of
    both.  The monitor is on port 1 of PREFIXs1 (mirror_on='clients') or
    of PREFIXs2 (mirror_on='servers'); the other switch has no port 1, so
    the controller's mirror output there goes nowhere.  Every
    client-server packet crosses both switches, so the controller must
    keep its per-connection decisions consistent on two datapaths."""

    def build(self, clients=1, servers=1, mirror_bw=DEFAULT_MIRROR_MBIT,
              host_bw=None, prefix=DEFAULT_PREFIX, mirror_on='clients'):
        clients, servers = int(clients), int(servers)
        _check_counts(clients, servers)
        if mirror_on not in ('clients', 'servers'):
            raise ValueError("mirror_on must be 'clients' or 'servers'")
        self._names(prefix)
        s1, s2 = self._switch(1), self._switch(2)
        self.addLink(s1, s2, port1=TRUNK_PORT, port2=TRUNK_PORT, cls=ELink)
        self._monitor(s1 if mirror_on == 'clients' else s2, mirror_bw)
        for i in range(1, clients + 1):
            self._client(s1, i, host_bw)
        for j in range(1, servers + 1):
            self._server(s2, j, host_bw)
        self.mirror_switches = [s1 if mirror_on == 'clients' else s2]


# For `mn --custom`.
topos = {'elide_single': ElideSingle, 'elide_two': ElideTwo}
switches = {'elide_ovs': ESwitch}
links = {'elide_link': ELink}
hosts = {'elide_host': EHost}


if __name__ == '__main__':
    sys.stdout.write(__doc__)
