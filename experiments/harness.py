"""Processes, network, controller and captures of one experiment session.

Everything a session starts is recorded (PID and kernel start time) in a
state file under /run/lock, named after the session's prefix; the next
session with the same prefix kills what a SIGKILLed one left behind -- and
only that: a PID whose start time differs belongs to someone else now.
Nothing is ever killed by name, and nothing global is cleaned (no `mn -c`):
other engineers' bridges and namespaces share this machine.
"""

import fcntl
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'topologies'))

import elide_topo  # noqa: E402  (path set just above)


def log(msg):
    sys.stdout.write('[%s] %s\n' % (time.strftime('%H:%M:%S'), msg))
    sys.stdout.flush()


def run(cmd, check=True, **kw):
    """Runs a command in the root namespace; returns its stdout."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, shell=isinstance(cmd, str), **kw)
    if check and p.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (cmd, p.returncode,
                                                p.stderr.strip()))
    return p.stdout


def _starttime(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[19]
    except (OSError, IndexError):
        return None


class Session:
    """Lock, state file and process table for one prefix."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.lock_path = '/run/lock/elide-exp-%s.lock' % prefix
        self.state_path = '/run/lock/elide-exp-%s.pids' % prefix
        self.procs = {}          # pid -> (Popen or None, what)
        self.paths = []          # temporary paths to remove at the end
        self._lock_fd = None

    # -- lock and leftovers

    def acquire(self, wait=900):
        os.makedirs('/run/lock', exist_ok=True)
        self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.time() + wait
        said = False
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not said:
                    log('another session with prefix %r holds %s; waiting'
                        % (self.prefix, self.lock_path))
                    said = True
                if time.time() > deadline:
                    raise RuntimeError('lock %s busy' % self.lock_path)
                time.sleep(1)
        self._reap_stale()
        removed = elide_topo.remove_leftovers(self.prefix)
        if removed:
            log('removed leftovers of a killed run: %s' % ' '.join(removed))
        self._write_state()

    def _reap_stale(self):
        try:
            with open(self.state_path) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return
        for line in lines:
            kind, _, rest = line.partition(' ')
            if kind == 'path':
                if rest.startswith('/dev/shm/elide-exp-') and os.path.isdir(rest):
                    subprocess.run(['rm', '-rf', '--', rest])
                continue
            if kind != 'pid':
                continue
            pid, st = rest.split()[:2]
            if _starttime(int(pid)) == st:
                log('killing pid %s left by a killed run' % pid)
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        os.unlink(self.state_path)

    def _write_state(self):
        tmp = self.state_path + '.tmp'
        with open(tmp, 'w') as f:
            for path in self.paths:
                f.write('path %s\n' % path)
            for pid in self.procs:
                st = _starttime(pid)
                if st:
                    f.write('pid %d %s\n' % (pid, st))
        os.replace(tmp, self.state_path)

    def release(self):
        self.stop_all()
        for path in self.paths:
            subprocess.run(['rm', '-rf', '--', path])
        self.paths = []
        if os.path.exists(self.state_path):
            os.unlink(self.state_path)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def tmpdir(self):
        path = '/dev/shm/elide-exp-%s' % self.prefix
        subprocess.run(['rm', '-rf', '--', path])
        os.makedirs(path)
        self.paths.append(path)
        self._write_state()
        return path

    # -- processes

    def track(self, popen, what):
        self.procs[popen.pid] = (popen, what)
        self._write_state()
        return popen

    def track_pid(self, pid, what):
        self.procs[pid] = (None, what)
        self._write_state()

    def stop(self, popen, sig=signal.SIGTERM, timeout=5.0):
        """Signals a tracked process, waits, SIGKILLs if needed; returns the
        exit status (None if it had to be killed)."""
        rc = None
        if popen.poll() is None:
            try:
                popen.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                rc = popen.wait(timeout)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
        else:
            rc = popen.returncode
        self.procs.pop(popen.pid, None)
        self._write_state()
        return rc

    def stop_popens(self):
        """Stops the processes started with track() (servers, captures,
        clients, controller), not the Mininet shells."""
        for popen, _what in list(self.procs.values()):
            if popen is not None:
                self.stop(popen, signal.SIGTERM, 3.0)

    def stop_all(self):
        for pid, (popen, what) in list(self.procs.items()):
            if popen is not None:
                self.stop(popen, signal.SIGTERM, 3.0)
            else:
                if _starttime(pid) is not None:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                self.procs.pop(pid, None)
        self._write_state()


def raise_on_signals():
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every finally: runs."""
    def handler(signum, _frame):
        raise KeyboardInterrupt('signal %d' % signum)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


# ------------------------------------------------------------------ network

class Network:
    """A Mininet network of topologies/elide_topo.py and its helpers."""

    def __init__(self, session, topo_name, ctl_port, clients, servers,
                 mirror_mbit, host_mbit=None):
        from mininet.net import Mininet
        from mininet.node import RemoteController
        from mininet.log import setLogLevel
        setLogLevel('warning')
        self.session = session
        cls = elide_topo.topos[topo_name]
        self.topo = cls(clients=clients, servers=servers,
                        mirror_bw=mirror_mbit, host_bw=host_mbit,
                        prefix=session.prefix)
        self.topo_name = topo_name
        self.ctl_port = ctl_port
        self.mirror_mbit = mirror_mbit
        self.net = Mininet(topo=self.topo, controller=None, build=False,
                           autoSetMacs=False, autoStaticArp=False,
                           waitConnected=False)

        class LateController(RemoteController):
            """The controller starts later, once per mode: no warning that
            nothing listens yet."""
            def checkListening(self):
                pass

        self.net.addController(LateController(
            session.prefix + 'ctl', ip='127.0.0.1', port=ctl_port))
        self.started = False

    def start(self):
        self.started = True
        self.net.build()
        for node in self.net.hosts + self.net.switches:
            if getattr(node, 'pid', None):
                self.session.track_pid(node.pid, 'mininet shell ' + node.name)
        self.net.start()
        for sw in self.net.switches:
            sw.check()
        self.clients = [self.net.get(n) for n in self.topo.client_names]
        self.servers = [self.net.get(n) for n in self.topo.server_names]
        self.monitor = self.net.get(self.topo.monitor_name)
        self.switches = list(self.net.switches)
        mon_sw = self.net.get(self.topo.mirror_switches[0])
        self.mirror_intf = self._mirror_intf(mon_sw)
        self.set_cap(self.mirror_mbit)

    @staticmethod
    def _mirror_intf(sw):
        for intf, port in sw.ports.items():
            if port == elide_topo.MIRROR_PORT:
                return intf
        raise RuntimeError('%s has no port %d' % (sw, elide_topo.MIRROR_PORT))

    def stop(self):
        if self.started:
            self.net.stop()
            self.started = False
        for node in getattr(self.net, 'hosts', []) + getattr(self.net, 'switches', []):
            if getattr(node, 'pid', None):
                self.session.procs.pop(node.pid, None)
        self.session._write_state()

    # -- mirror cap

    def set_cap(self, mbit):
        """tbf on the switch side of the mirror link, or no qdisc at all.
        The tbf queue is rate * 12 ms + 15 KB (Mininet's use_tbf), 30 KB at
        10 Mbit/s; see topologies/elide_topo.py for why it must stay short."""
        dev = self.mirror_intf.name
        if mbit:
            latency = 15.0 * 8 / mbit
            run('tc qdisc replace dev %s root handle 5: tbf rate %fMbit '
                'burst 15000 latency %fms' % (dev, mbit, latency))
        else:
            run('tc qdisc del dev %s root' % dev, check=False)
        self.mirror_mbit = mbit
        got = self.cap_state()
        if bool(mbit) != got.startswith('tbf'):
            raise RuntimeError('mirror qdisc on %s is %r, wanted %s'
                               % (dev, got, mbit or 'none'))

    def cap_state(self):
        """'tbf RATE', or the kind of whatever other root qdisc is there."""
        line = run('tc qdisc show dev %s root' % self.mirror_intf.name,
                   check=False).strip()
        words = line.split()
        if len(words) < 2:
            return 'none'
        rate = re.search(r' rate (\S+)', line)
        return words[1] + (' ' + rate.group(1) if rate else '')

    def qdisc_stats(self):
        return run('tc -s qdisc show dev %s' % self.mirror_intf.name,
                   check=False)

    def qdisc_drops(self):
        m = re.search(r'dropped (\d+)', self.qdisc_stats())
        return int(m.group(1)) if m else 0

    # -- OpenFlow state

    def dump_flows(self):
        return ''.join('== %s\n%s' % (sw.name, run(
            ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', sw.name],
            check=False)) for sw in self.switches)

    def dump_ports(self):
        return ''.join('== %s\n%s' % (sw.name, run(
            ['ovs-ofctl', '-O', 'OpenFlow13', 'dump-ports', sw.name],
            check=False)) for sw in self.switches)

    def flow_count(self, sw):
        out = run(['ovs-ofctl', '-O', 'OpenFlow13', 'dump-flows', sw.name],
                  check=False)
        return sum(1 for line in out.splitlines() if 'actions=' in line)

    def del_flows(self):
        for sw in self.switches:
            run(['ovs-ofctl', '-O', 'OpenFlow13', 'del-flows', sw.name],
                check=False)
        # The previous controller session's datapath flows go too: in the
        # userspace datapath, megaflows that send to the controller
        # outlived their rules and black-holed packets until they idled out
        # (tests/e2e/lib.sh, e2e_flows_reset).
        for dp in ('netdev@ovs-netdev', 'system@ovs-system'):
            run(['ovs-appctl', 'dpctl/del-flows', dp], check=False)

    def flush_arp(self):
        for h in self.clients + self.servers:
            h.cmd('ip neigh flush all')


# ---------------------------------------------------------------- controller

class Controller:
    """build/elide-controller in the root namespace, one per mode."""

    def __init__(self, session, network, binary, mode, args, outdir):
        self.session, self.network = session, network
        self.mode = mode
        self.event_log = os.path.join(outdir, 'events.jsonl')
        self.log_path = os.path.join(outdir, 'controller.log')
        self.cmd = [binary, '--listen', '127.0.0.1:%d' % network.ctl_port,
                    '--mode', mode, '--mirror-port',
                    str(elide_topo.MIRROR_PORT), '--event-log',
                    self.event_log] + list(args)
        self.popen = None

    def start(self, timeout=15.0):
        if run('ss -Hltn "sport = :%d"' % self.network.ctl_port,
               check=False).strip():
            raise RuntimeError('127.0.0.1:%d is in use; choose another '
                               '--ctl-port' % self.network.ctl_port)
        # Flows of the previous mode's controller go first, so that nothing
        # of it survives into this mode even if the new one kept them.
        self.network.del_flows()
        open(self.event_log, 'a').close()
        with open(self.log_path, 'a') as logf:
            self.popen = self.session.track(subprocess.Popen(
                self.cmd, stdout=logf, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL), 'controller ' + self.mode)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError('controller exited with %s; see %s'
                                   % (self.popen.returncode, self.log_path))
            if all(self.network.flow_count(sw) > 0
                   for sw in self.network.switches) and \
                    self.events('switch_connected') >= len(self.network.switches):
                return
            time.sleep(0.1)
        raise RuntimeError('switches did not connect to the controller in '
                           '%.0f s; see %s' % (timeout, self.log_path))

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def stop(self):
        """SIGTERM; the controller must exit 0."""
        if self.popen is None:
            return 0
        rc = self.session.stop(self.popen, signal.SIGTERM, 10.0)
        self.popen = None
        return rc

    def log_size(self):
        try:
            return os.path.getsize(self.event_log)
        except OSError:
            return 0

    def read_events(self, start=0, end=None):
        with open(self.event_log, 'rb') as f:
            f.seek(start)
            data = f.read() if end is None else f.read(end - start)
        return data.decode('utf-8', 'replace')

    def events(self, name):
        pat = re.compile(r'"event"\s*:\s*"%s"' % re.escape(name))
        return sum(1 for line in self.read_events().splitlines()
                   if pat.search(line))


# ------------------------------------------------------------------ captures

class Capture:
    """tcpdump -U -s 0 on a host's interface, full frames."""

    def __init__(self, session, host, intf, path):
        self.session, self.path = session, path
        self.err_path = path + '.stderr'
        with open(self.err_path, 'w') as err:
            self.popen = session.track(host.popen(
                ['tcpdump', '-i', intf, '-n', '-U', '--immediate-mode',
                 '-s', '0', '-B', '32768', '-Z', 'root', '-w', path],
                stdout=subprocess.DEVNULL, stderr=err), 'tcpdump ' + path)

    def wait_listening(self, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.err_path) as f:
                if 'listening on' in f.read():
                    return
            if self.popen.poll() is not None:
                break
            time.sleep(0.02)
        with open(self.err_path) as f:
            raise RuntimeError('tcpdump %s did not start: %s'
                               % (self.path, f.read().strip()))

    def interrupt(self):
        """SIGINT without waiting (stop() then waits): captures stop at
        once rather than one after the other."""
        self.interrupted = True
        if self.popen.poll() is None:
            try:
                self.popen.send_signal(signal.SIGINT)
            except ProcessLookupError:
                pass

    def stop(self):
        """Stops tcpdump; returns the kernel drop count it reported."""
        if getattr(self, 'interrupted', False):
            # signalled once: waits as session.stop() would, no second
            # SIGINT (it might cut the statistics short)
            try:
                self.popen.wait(10.0)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
            self.session.procs.pop(self.popen.pid, None)
            self.session._write_state()
        else:
            self.session.stop(self.popen, signal.SIGINT, 10.0)
        with open(self.err_path) as f:
            m = re.search(r'(\d+) packets dropped by kernel', f.read())
        os.unlink(self.err_path)
        return int(m.group(1)) if m else 0


def stop_captures(caps):
    """Stops them all; returns their drop counts."""
    for c in caps:
        c.interrupt()
    return [c.stop() for c in caps]


def start_captures(session, specs):
    """specs: [(host, intf, path)]; starts them all, then waits for each."""
    caps = [Capture(session, h, i, p) for h, i, p in specs]
    for c in caps:
        c.wait_listening()
    return caps


def git_describe():
    """The commit, '-dirty' when tree_state() is: what runs write into
    results/ (and build/) does not make the next run's code dirty."""
    commit = run('git -C %s describe --always' % ROOT,
                 check=False).strip()
    if not commit:
        return 'unknown'
    return commit if tree_state() == 'clean' else commit + '-dirty'


def tree_state():
    """'clean', or 'dirty: N files differ from the commit (...)' (tracked
    and untracked files outside build/ and results/)."""
    out = run(['git', '-C', ROOT, 'status', '--porcelain', '--', '.',
               ':!results', ':!build'], check=False)
    files = [l[3:] for l in out.splitlines() if l.strip()]
    if not files:
        return 'clean'
    return 'dirty: %d files differ from the commit (%s%s)' % (
        len(files), ', '.join(files[:5]), ', ...' if len(files) > 5 else '')
