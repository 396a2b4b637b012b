#!/usr/bin/python3
"""Runs the mirroring experiments on a Mininet network and writes results.

    /usr/bin/python3 experiments/run.py                  # everything
    /usr/bin/python3 experiments/run.py --quick          # table2 + keepalive
    /usr/bin/python3 experiments/run.py --experiments table2 --modes elide \\
        --caps 10 --runs 5 --threshold 1M

One network is built per invocation and reused: the mirror cap is changed
with tc between the capped and uncapped phases, and only the controller is
restarted between modes (its flows are deleted before the next one starts).
For every case (one capture) and run: tcpdump on the monitor (what the
mirror delivered), on the clients (ground truth) and on the server; the
controller's events of the run, dump-flows, port and qdisc statistics;
every body's sha256 checked against the generator's.

Output: results/<experiment>/<UTC stamp>/ (args.txt, runs.csv, .dat files,
figures, summary.txt; raw/ holds pcaps and per-run logs, not committed) and
a `last` link per experiment; with more than one experiment also
results/overview/<stamp>/.  Exit status 1 if any transfer's sha256 was
wrong or any run failed.
"""

import argparse
import concurrent.futures
import csv
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import analyze            # noqa: E402
import consumers          # noqa: E402
import harness            # noqa: E402
import report             # noqa: E402
import units              # noqa: E402
import workloads          # noqa: E402
from harness import ROOT, log  # noqa: E402

MODES = ['none', 'plain', 'selective', 'truncate', 'elide-paper', 'elide']
QUICK_EXPERIMENTS = ['table2', 'keepalive']

RECORD_FIELDS = [
    'experiment', 'case', 'param', 'cap_mbit', 'mode', 'variant', 'threshold',
    'budget_bps', 'run', 'loss',
] + analyze.SUMMARY_FIELDS + ['mirrored_body_bytes', 'truth_body_bytes',
                              'bound_body_bytes', 'analytic_body_bytes',
    'analyzer', 'transfers', 'sha_ok', 'seconds', 'body_bytes',
    'goodput_mbit', 'tcpdump_drops', 'mirror_qdisc_drops',
    'ev_conn_open', 'ev_elide_start', 'ev_elide_end', 'ev_passthrough',
    'ev_alert', 'ev_openflow_error', 'ev_conn_close', 'ev_threshold',
    'tls_client_hello', 'tls_server_hello', 'tls_late',
] + consumers.FIELDS + ['consumer_seconds', 'error', 'raw']

TLSVIEW = os.path.join(ROOT, 'tests', 'e2e', 'tlsview.py')
# tshark options added to tlsview.py's own: neither changes a field of the
# frames it prints (one TLS port's): HTTP body reassembly concerns HTTP
# conversations (port 80) only, TCP time fields are not among its fields.
# They take its pass on a campus truth from 25 s to 17 s (output identical
# byte for byte).
TLSVIEW_TSHARK_OPTS = ['-o', 'http.desegment_body:FALSE',
                       '-o', 'tcp.calculate_timestamps:FALSE']


def tlsview_rows(mod, pcap, port):
    """What tlsview.py's rows(pcap, 'tls', port) gives, from the same
    tshark dissection, its fields printed as custom columns (-T tabs)
    rather than -T fields, which builds every frame's whole visible tree
    (half of tshark's time).  Occurrences are joined with ',' in both; the
    one difference, tcp.flags as 0x018 rather than 0x0018, is the same
    number to tlsview.py (int(x, 16)).  Same rows on every TLS capture of
    an experiment run (campus, table2-tls, keepalive-tls)."""
    fields = mod.FIELDS_TLS
    cols = ','.join('"c%d","%%Cus:%s:0:U"' % (i, f)
                    for i, f in enumerate(fields))
    cmd = ['tshark', '-r', pcap, '-n', '-o',
           'tcp.relative_sequence_numbers:FALSE'] + TLSVIEW_TSHARK_OPTS + [
        '-Y', 'tcp.port==%s' % port, '-d', 'tcp.port==%s,tls' % port,
        '-o', 'gui.column.format:' + cols, '-T', 'tabs']
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        v = line.split('\t')
        v += [''] * (len(fields) - len(v))
        rows.append(dict(zip(fields, v)))
    return rows


class TlsView:
    """TLS handshakes at the monitor against the truth (tests/e2e/
    tlsview.py's view(), as `tlsview.py tls TRUTH MIRROR 443` counts them):
    'T/M' ClientHellos and ServerHellos, and mirrored segments with payload
    after the handshakes' end.  Its two tshark passes (tlsview_rows()) go
    on executor, side by side with other work.  result(): the fields (''
    if it failed)."""

    def __init__(self, truth, mirror, executor, port=443):
        self.truth, self.mirror, self.port = truth, mirror, port
        spec = importlib.util.spec_from_file_location('elide_tlsview',
                                                      TLSVIEW)
        self.mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.mod)
        self.futs = [executor.submit(tlsview_rows, self.mod, p, port)
                     for p in (truth, mirror)]

    def result(self):
        try:
            truth, mirror = (f.result() for f in self.futs)
            v = self.mod.view(truth, mirror, 'tls', self.port)
        except Exception:  # noqa: BLE001 - a failed pass or dissection
            v = {}
        return {'tls_client_hello': v.get('client_hello', ''),
                'tls_server_hello': v.get('server_hello', ''),
                'tls_late': v.get('late', '')}


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--experiments', default=','.join(workloads.EXPERIMENTS),
                   help='comma list of %s (default all)'
                   % ','.join(workloads.EXPERIMENTS))
    p.add_argument('--quick', action='store_true',
                   help='table2 and keepalive, one run each')
    p.add_argument('--modes', default=','.join(MODES))
    p.add_argument('--caps', default='10,0',
                   help='mirror caps in Mbit/s, 0 = uncapped (default 10,0)')
    p.add_argument('--runs', type=int, default=1, help='runs per case')
    p.add_argument('--sweep-thresholds', dest='thresholds', default=[],
                   action=units.SizeList, metavar='SIZE,...',
                   help='the threshold study: elide once per SIZE (instead '
                   'of at --threshold), e.g. 16Ki,1M,100M')
    p.add_argument('--sweep-budget', dest='budget', default=None,
                   action=units.Size, metavar='RATE',
                   help='and once more with --mirror-budget RATE (bits/s), '
                   'between the smallest and largest --sweep-thresholds')
    p.add_argument('--runs-campus', type=int, default=None,
                   help='runs of the campus case (default --runs)')
    p.add_argument('--runs-table2', type=int, default=None,
                   help='runs of the table2 case (default --runs)')
    p.add_argument('--threshold', default='10M', action=units.SizeText,
                   metavar='SIZE',
                   help='elision threshold of controller and analyzer, a '
                   'SIZE: digits, then nothing, K/M/G (10^3/10^6/10^9) or '
                   'Ki/Mi/Gi (2^10/2^20/2^30) (default 10M)')
    p.add_argument('--http-ports', default='80')
    p.add_argument('--select', default='tcp:80', help='selective mode filter')
    p.add_argument('--truncate-len', type=int, default=128)
    p.add_argument('--datapath', default='flows',
                   choices=('flows', 'conntrack', 'auto'),
                   help="elide: the controller's --datapath (default flows: "
                        "the committed results' realization)")
    p.add_argument('--ctl-args', default='',
                   help='extra controller arguments (one string)')
    p.add_argument('--controller', default=os.path.join(ROOT, 'build',
                                                        'elide-controller'))
    p.add_argument('--ctl-port', type=int, default=46653)
    p.add_argument('--prefix', default='ex',
                   help='name prefix of switches, hosts, lock (default ex)')
    p.add_argument('--topo', default='elide_single',
                   choices=['elide_single', 'elide_two'])
    p.add_argument('--host-mbit', type=float, default=None,
                   help='cap on client and server links (default none)')
    p.add_argument('--seed', default='elide-exp')
    p.add_argument('--sizes', action=units.SizeList, metavar='SIZE,...',
                   default=','.join(str(s) for s in workloads.SIZES),
                   help='body sizes of the sizes experiment (SIZE as for '
                   '--threshold)')
    p.add_argument('--losses', default=','.join(str(x) for x in workloads.LOSSES))
    p.add_argument('--flow-csv', default=os.path.join(
        HERE, 'data', 'flow-sizes-agh2015.csv'),
                   help='flow-size CDF of mixed and campus (default the AGH '
                   '2015 one, experiments/data/)')
    p.add_argument('--mixed-clients', type=int, default=4)
    p.add_argument('--mixed-requests', type=int, default=200,
                   help='requests per mixed client')
    p.add_argument('--mixed-cap', default='40M', action=units.Size,
                   metavar='SIZE',
                   help='largest mixed size (default 40M)')
    p.add_argument('--mixed-weight', default='flows',
                   choices=['flows', 'packets', 'bytes'],
                   help='CDF column the mixed sizes are drawn from')
    p.add_argument('--campus-bytes', default='240M', action=units.Size,
                   metavar='SIZE', help='bytes of the campus sample; at '
                   'least 214M for one flow above 100M to carry the '
                   'distribution\'s 46.85 %% above it (default 240M)')
    p.add_argument('--campus-cap', default='200M', action=units.Size,
                   metavar='SIZE', help='largest campus connection; the '
                   'bytes of larger flows count in the top class '
                   '(default 200M)')
    p.add_argument('--campus-load', type=float, default=60.0,
                   metavar='MBIT', help='campus offered load, Mbit/s '
                   '(Poisson arrivals; default 60)')
    p.add_argument('--campus-clients', type=int, default=4)
    p.add_argument('--campus-keepalive', type=float, default=0.3,
                   help='share of campus connections under 16 KiB that '
                   'carry 2-4 responses (default 0.3)')
    p.add_argument('--campus-tls', type=float, default=0.85,
                   help='share of campus connections over HTTPS '
                   '(default 0.85)')
    p.add_argument('--quiet-ms', type=int, default=300,
                   help='wait after the clients end before stopping captures')
    p.add_argument('--results', default=os.path.join(ROOT, 'results'))
    p.add_argument('--name', default=None,
                   help='results directory name for all experiments '
                   '(default: one directory per experiment)')
    p.add_argument('--no-consumers', action='store_true',
                   help='skip tshark, httpry, nDPI and p0f on the captures '
                   '(consumers.py)')
    p.add_argument('--no-pcaps', action='store_true',
                   help='delete pcaps once analyzed')
    p.add_argument('--keep-pcaps', type=int, default=1, metavar='N',
                   help='pcaps are kept for the newest N invocations of each '
                   'experiment and deleted from older ones (default 1)')
    p.add_argument('--all-pcaps', action='store_true',
                   help='keep the pcaps of every run, not only of the first '
                   'run of each case, cap and mode (a full experiment '
                   'captures about 13 GB per run)')
    p.add_argument('--no-plots', action='store_true')
    p.add_argument('--reuse', default=None, metavar='DIR',
                   help='take the runs that an earlier invocation already '
                   'made from DIR (a results directory with runs.csv and '
                   'args.txt, or an experiment name: <results>/NAME/last) '
                   'instead of running them again: a run of the same '
                   'experiment, case, cap, mode, threshold, budget and run '
                   'number, without error, made with the same code, '
                   'versions and every option a run depends on (make '
                   'experiment: the study takes plain and elide at 10M on '
                   'campus from the main run)')
    p.add_argument('--reuse-since', default='', metavar='STAMP',
                   help='with --reuse: only from an invocation started at '
                   'or after STAMP (UTC, YYYYmmddTHHMMSSZ)')
    a = p.parse_args(argv)
    if a.quick:
        if a.experiments == ','.join(workloads.EXPERIMENTS):
            a.experiments = ','.join(QUICK_EXPERIMENTS)
    a.experiments = [e for e in a.experiments.split(',') if e]
    a.modes = [m for m in a.modes.split(',') if m]
    a.caps = [float(c) for c in a.caps.split(',') if c != '']
    a.losses = [float(x) for x in a.losses.split(',') if x]
    a.threshold_bytes = units.parse_size(a.threshold)
    # gnuplot runs in experiments/gnuplot/: the figures' paths must not be
    # relative (make experiment QUICK=1 gives build/results-quick).
    a.results = os.path.abspath(a.results)
    for m in a.modes:
        if m not in MODES:
            p.error('unknown mode %r' % m)
    for e in a.experiments:
        if e not in workloads.EXPERIMENTS:
            p.error('unknown experiment %r' % e)
    # getopt_long() takes any unambiguous prefix, down to --th.
    for word in a.ctl_args.split():
        opt = word.split('=', 1)[0]
        if len(opt) >= 4 and '--threshold'.startswith(opt):
            p.error('--ctl-args: give the threshold as --threshold, which '
                    'the analyzer reads too')
    if a.ctl_port in (6653, 16653, 26653, 36653):
        p.error('port %d belongs to other harnesses on this machine'
                % a.ctl_port)
    return a


def cap_label(mbit):
    return 'cap%g' % mbit if mbit else 'uncapped'


def variants(a):
    """[(mode, threshold, budget_bps)] in run order: elide once per
    --sweep-thresholds value (else at --threshold), and with --sweep-budget
    once more with --mirror-budget (ceiling the largest threshold, floor the
    smallest)."""
    out = []
    for mode in a.modes:
        if mode == 'elide' and a.thresholds:
            out += [(mode, t, 0) for t in a.thresholds]
        else:
            out.append((mode, a.threshold_bytes, 0))
        if mode == 'elide' and a.budget:
            out.append((mode, max(a.thresholds or [a.threshold_bytes]),
                        a.budget))
    return out


def variant_label(mode, threshold, budget, a):
    """'elide', or with a sweep 'elide-t65536' / 'elide-budget8000000'."""
    if mode != 'elide' or not (a.thresholds or a.budget):
        return mode
    return '%s-budget%d' % (mode, budget) if budget else \
        '%s-t%d' % (mode, threshold)


def mode_args(a, mode, threshold=None, budget=0):
    threshold = a.threshold_bytes if threshold is None else threshold
    args = []
    if mode == 'selective':
        args += ['--select', a.select]
    elif mode == 'truncate':
        args += ['--truncate-len', str(a.truncate_len)]
    elif mode in ('elide-paper', 'elide'):
        # The byte count, not the text: the controller, the analyzer and
        # args.txt then hold the same number by construction.
        args += ['--threshold', str(threshold),
                 '--http-ports', a.http_ports]
        if mode == 'elide':
            args += ['--datapath', a.datapath]
        if budget:
            args += ['--mirror-budget', str(budget), '--threshold-min',
                     str(min(a.thresholds or [16384, threshold]))]
    return args + a.ctl_args.split()


def set_loss(host, p):
    """Random loss on the server's link, both directions, via iptables in
    the server's namespace (no netem on these machines)."""
    for chain, io in (('INPUT', '-i'), ('OUTPUT', '-o')):
        out = host.cmd('iptables -A %s %s %s-eth0 -m statistic --mode random '
                       '--probability %.6f -j DROP && echo ok'
                       % (chain, io, host.name, p))
        if 'ok' not in out:
            raise RuntimeError('iptables in %s: %s' % (host.name, out.strip()))


def clear_loss(host):
    host.cmd('iptables -F INPUT; iptables -F OUTPUT')


def count_events(text):
    counts = {}
    for line in text.splitlines():
        i = line.find('"event"')
        if i < 0:
            continue
        rest = line[i + 7:].lstrip(' :')
        if rest.startswith('"'):
            name = rest[1:rest.find('"', 1)]
            counts[name] = counts.get(name, 0) + 1
    return counts


class PhaseTimer:
    """Wall-clock seconds per phase of one run, in order (raw/timing.txt
    and the progress line): where a run's time goes."""

    def __init__(self):
        self.t = time.monotonic()
        self.phases = []

    def mark(self, name):
        now = time.monotonic()
        self.phases.append((name, now - self.t))
        self.t = now

    def total(self):
        return sum(s for _n, s in self.phases)

    def text(self):
        return ' '.join('%s=%.2f' % p for p in self.phases)


# args.txt lines that need not agree for a run to be taken by --reuse: the
# shape of the invocation (which runs it makes, where its results go), not
# how a run is made.  A run's threshold and budget are its record's.
REUSE_IGNORED = {
    'experiments', 'quick', 'modes', 'caps', 'runs', 'thresholds', 'budget',
    'runs_campus', 'runs_table2', 'threshold', 'threshold_bytes', 'ctl_port',
    'prefix', 'results', 'name', 'no_pcaps', 'keep_pcaps', 'all_pcaps',
    'no_plots', 'reuse', 'reuse_since', 'date (UTC)', 'command',
}


def reuse_key(experiment, case, cap, mode, threshold, budget, run):
    return (experiment, case, float(cap or 0), mode, int(threshold),
            int(budget or 0), int(run))


class Reuse:
    """The runs of an earlier invocation that --reuse may take: key ->
    (runs.csv row as written, its parsed record)."""

    def __init__(self, d, args_txt, since=''):
        self.dir = os.path.realpath(d)
        self.runs = {}
        self.why = None
        stamp = os.path.basename(self.dir)
        if not os.path.exists(os.path.join(self.dir, 'runs.csv')):
            self.why = 'no runs.csv in %s' % d
            return
        if since and stamp < since:
            self.why = '%s is older than %s' % (stamp, since)
            return
        if os.path.exists(os.path.join(self.dir, 'INCOMPLETE')):
            self.why = '%s is INCOMPLETE' % d
            return
        mine, theirs = self.settings(args_txt), self.settings(
            open(os.path.join(self.dir, 'args.txt')).read())
        differ = sorted(k for k in set(mine) | set(theirs)
                        if mine.get(k) != theirs.get(k))
        if differ:
            self.why = 'made otherwise (%s)' % ', '.join(differ)
            return
        with open(os.path.join(self.dir, 'runs.csv'), newline='') as f:
            rows = list(csv.DictReader(f))
        for row, rec in zip(rows, report.read_runs(
                os.path.join(self.dir, 'runs.csv'))):
            # A budget run's --threshold-min is the smallest of
            # --sweep-thresholds, which may differ: never taken.
            if rec.get('error') or rec.get('budget_bps'):
                continue
            try:
                key = reuse_key(rec['experiment'], rec['case'],
                                rec['cap_mbit'], rec['mode'],
                                rec['threshold'], rec['budget_bps'],
                                rec['run'])
            except (TypeError, ValueError):
                continue
            self.runs[key] = (row, rec)

    @staticmethod
    def settings(text):
        """args.txt's 'key: value' lines before the cases, less the
        ignored keys."""
        out = {}
        for line in text.splitlines():
            if line.startswith('case ') or line.startswith('files '):
                break
            k, sep, v = line.partition(': ')
            if sep and k not in REUSE_IGNORED:
                out[k] = v
        return out


class Runner:
    def __init__(self, a, stamp):
        self.a = a
        self.stamp = stamp
        self.reuse = None
        self.session = harness.Session(a.prefix)
        self.records = []
        self.failures = []
        self.dirs = {}          # experiment -> results dir of this invocation
        self.net = None
        self.ctl = None

    # -- results directories

    def exp_dir(self, exp):
        name = self.a.name or exp
        if self.a.topo != 'elide_single' and not self.a.name:
            name += '-twoswitch'
        if name not in self.dirs:
            d = os.path.join(self.a.results, name, self.stamp)
            os.makedirs(os.path.join(d, 'raw'), exist_ok=True)
            self.dirs[name] = d
            with open(os.path.join(d, 'runs.csv'), 'w', newline='') as f:
                csv.writer(f).writerow(RECORD_FIELDS)
        return self.dirs[name]

    def write_record(self, rec, row=None):
        """Appends rec to its runs.csv; row: the text of a reused run's
        fields, written as they were but for variant and raw."""
        self.records.append(rec)
        d = self.exp_dir(rec['experiment'])
        cells = [report.fmt(rec.get(k)) for k in RECORD_FIELDS]
        if row is not None:
            cells = [report.fmt(rec[k]) if k in ('variant', 'raw') else
                     row.get(k, '') for k in RECORD_FIELDS]
        with open(os.path.join(d, 'runs.csv'), 'a', newline='') as f:
            csv.writer(f).writerow(cells)

    def load_reuse(self):
        a = self.a
        if not a.reuse:
            return
        d = a.reuse if os.sep in a.reuse else os.path.join(
            a.results, a.reuse, 'last')
        with open(os.path.join(self.exp_dir(a.experiments[0]),
                               'args.txt')) as f:
            mine = f.read()
        self.reuse = Reuse(d, mine, a.reuse_since)
        if self.reuse.why:
            log('--reuse %s: nothing taken: %s' % (a.reuse, self.reuse.why))
        else:
            log('--reuse %s: %d runs of %s may be taken'
                % (a.reuse, len(self.reuse.runs),
                   os.path.relpath(self.reuse.dir, ROOT)))

    def reused(self, case, r, cap, mode, threshold, budget, label):
        """The record of a run taken from --reuse (its raw/ directory
        linked into this one's), or None."""
        if self.reuse is None:
            return None
        got = self.reuse.runs.get(reuse_key(case.experiment, case.name, cap,
                                            mode, threshold, budget, r))
        if got is None:
            return None
        row, rec = dict(got[0]), dict(got[1])
        tag = '%s-%s-%s-r%d' % (cap_label(cap), label, case.name, r)
        raw = os.path.join(self.exp_dir(case.experiment), 'raw', tag)
        src = os.path.join(self.reuse.dir, 'raw', os.path.basename(row['raw']))
        if not os.path.lexists(raw):
            os.symlink(os.path.relpath(src, os.path.dirname(raw)), raw)
        rec['variant'] = label
        rec['raw'] = os.path.relpath(raw, self.a.results)
        rec['reused'] = os.path.relpath(src, ROOT)
        return rec, row

    # -- main

    def main(self):
        state = harness.tree_state()
        if state != 'clean':
            # First: a result from an uncommitted tree cannot be reproduced
            # from its commit.
            log('WARNING: the tree is %s; these results record it' % state)
        self.session.acquire()
        try:
            self._run_all()
        finally:
            self._teardown()
        return self._finish()

    def _run_all(self):
        a = self.a
        tmp = self.session.tmpdir()
        files = workloads.FileSet(os.path.join(tmp, 'www'), a.seed)
        self.cases = workloads.build_cases(a.experiments, files, a)
        nclients = max(c.nclients() for c in self.cases)
        t0 = time.time()
        files.make()
        log('generated %d files, %.0f MB, in %.1f s'
            % (len(files.sizes), sum(files.sizes.values()) / 1e6,
               time.time() - t0))
        self.files = files
        self.dl_dir = os.path.join(tmp, 'dl')
        os.makedirs(self.dl_dir)
        for exp in a.experiments:
            self.write_args(self.exp_dir(exp), files, exp)
        for case in self.cases:
            if case.experiment == 'campus':
                # The sample's byte shares next to the distribution's.
                sizes = [sum(self.files.sizes[n] for n in names)
                         for j in case.jobs for _t, _h, names in j.conns]
                text = workloads.campus_report(a.flow_csv, sizes)
                with open(os.path.join(self.exp_dir('campus'),
                                       'campus-shares.txt'), 'w') as f:
                    conns = [c for j in case.jobs for c in j.conns]
                    f.write('# %d connections, %d responses, %.0f MB, '
                            '%d over HTTPS\n%s' % (
                                len(conns), sum(len(c[2]) for c in conns),
                                sum(sizes) / 1e6,
                                sum(1 for c in conns if c[1]), text))
                log('campus: %d connections, %.0f MB; byte share above each '
                    'threshold, sample vs distribution:\n%s'
                    % (len(sizes), sum(sizes) / 1e6, text.rstrip()))

        t0 = time.time()
        self.net = harness.Network(self.session, a.topo, a.ctl_port,
                                   clients=nclients, servers=1,
                                   mirror_mbit=a.caps[0] or None,
                                   host_mbit=a.host_mbit)
        self.net.start()
        log('network %s up in %.1f s: switches %s, mirror %s port %d'
            % (a.topo, time.time() - t0,
               ' '.join(s.name for s in self.net.switches),
               self.net.mirror_intf.name, harness.elide_topo.MIRROR_PORT))
        self.ipv6 = any(c.experiment in workloads.IPV6_EXPERIMENTS
                        for c in self.cases)
        if self.ipv6:
            self.setup_ipv6()
        self.nginx = self.start_nginx(tmp, files.root)

        vs = variants(a)
        total = len(a.caps) * len(vs) * sum(self.runs_of(c)
                                            for c in self.cases)
        self.load_reuse()
        k = 0
        for cap in a.caps:
            self.net.set_cap(cap or None)
            for mode, threshold, budget in vs:
                label = variant_label(mode, threshold, budget, a)
                todo = []
                for case in self.cases:
                    for r in range(1, self.runs_of(case) + 1):
                        got = self.reused(case, r, cap, mode, threshold,
                                          budget, label)
                        if got:
                            k += 1
                            self.write_record(*got)
                            log('[%d/%d] %s %s %s run %d: taken from %s'
                                % (k, total, case.name, cap_label(cap),
                                   label, r, got[0]['reused']))
                        else:
                            todo.append((case, r))
                if not todo:
                    continue
                ctldir = os.path.join(self.exp_dir(a.experiments[0]), 'raw',
                                      'ctl-%s-%s' % (cap_label(cap), label))
                os.makedirs(ctldir, exist_ok=True)
                self.ctl = harness.Controller(
                    self.session, self.net, a.controller, mode,
                    mode_args(a, mode, threshold, budget), ctldir)
                t_ctl = time.monotonic()
                self.ctl.start()
                log('controller %s %s up in %.2f s' % (
                    cap_label(cap), label, time.monotonic() - t_ctl))
                for case, r in todo:
                    k += 1
                    rec = self.run_case(case, r, cap, mode, threshold,
                                        budget, label)
                    self.write_record(rec)
                    self.progress(k, total, rec)
                    if not self.ctl.alive():
                        self.failures.append('controller %s died during %s'
                                             % (mode, case.name))
                        log('controller died; restarting it')
                        self.ctl.popen = None
                        self.ctl.start()
                rc = self.ctl.stop()
                self.ctl = None
                if rc != 0:
                    self.failures.append('controller %s exited %s on SIGTERM'
                                         % (mode, rc))

    def runs_of(self, case):
        if case.experiment == 'table2' and self.a.runs_table2:
            return self.a.runs_table2
        if case.experiment == 'campus' and self.a.runs_campus:
            return self.a.runs_campus
        return self.a.runs

    def setup_ipv6(self):
        """IPv6 on the server and the clients (only for runs with an IPv6
        case: the others' captures stay free of ND and MLD), with static
        neighbours, so that no Neighbour Discovery precedes a transfer."""
        hosts = [self.net.servers[0]] + list(self.net.clients)
        addrs = [workloads.SERVER_IP6] + ['fd00:e1de::%x' % (i + 1)
                                          for i in range(len(self.net.clients))]
        for h, ip in zip(hosts, addrs):
            intf = h.defaultIntf().name
            for k, v in (('accept_ra', 0), ('router_solicitations', 0),
                         ('disable_ipv6', 0)):
                h.cmd('sysctl -qw net.ipv6.conf.%s.%s=%d' % (intf, k, v))
            h.cmd('sysctl -qw net.ipv6.conf.all.disable_ipv6=0')
            h.cmd('ip -6 addr add %s/64 dev %s nodad' % (ip, intf))
        for h, ip in zip(hosts, addrs):
            for o, oip in zip(hosts, addrs):
                if o is not h:
                    h.cmd('ip -6 neigh replace %s lladdr %s dev %s nud permanent'
                          % (oip, o.defaultIntf().MAC(), h.defaultIntf().name))

    def start_nginx(self, tmp, www):
        d = os.path.join(tmp, 'nginx')
        os.makedirs(os.path.join(d, 'logs'))
        server = self.net.servers[0]
        conf = os.path.join(d, 'nginx.conf')
        # HTTPS with a certificate made for this run (curl does not check it).
        harness.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                     '-keyout', os.path.join(d, 'tls.key'), '-out',
                     os.path.join(d, 'tls.crt'), '-days', '2', '-subj',
                     '/CN=' + workloads.TLS_NAME])
        listen6 = ''
        if self.ipv6:
            listen6 = 'listen [%s]:80;' % workloads.SERVER_IP6
        with open(conf, 'w') as f:
            f.write(NGINX_CONF % dict(dir=d, ip=server.IP(), www=www,
                                      listen6=listen6))
        p = self.session.track(server.popen(
            ['nginx', '-e', os.path.join(d, 'logs', 'error.log'), '-p', d,
             '-c', conf], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL), 'nginx')
        for _ in range(100):
            if ':80 ' in server.cmd('ss -Hltn'):
                # The workers outlive a SIGKILLed master: a killed session's
                # successor must find them in the state file too.
                try:
                    with open('/proc/%d/task/%d/children' % (p.pid, p.pid)) as f:
                        for child in f.read().split():
                            self.session.track_pid(int(child), 'nginx worker')
                except OSError:
                    pass
                return p
            if p.poll() is not None:
                break
            time.sleep(0.05)
        with open(os.path.join(d, 'logs', 'error.log')) as f:
            raise RuntimeError('nginx did not start: ' + f.read())

    def _teardown(self):
        if self.ctl is not None:
            self.ctl.stop()
        if self.net is not None:
            # nginx and captures live in the hosts' namespaces: stop them
            # before the hosts go.
            self.session.stop_popens()
            self.net.stop()
        self.session.release()

    # -- one run

    def run_case(self, case, r, cap, mode, threshold=None, budget=0,
                 label=None):
        a, net, ctl = self.a, self.net, self.ctl
        threshold = a.threshold_bytes if threshold is None else threshold
        tag = '%s-%s-%s-r%d' % (cap_label(cap), label or mode, case.name, r)
        raw = os.path.join(self.exp_dir(case.experiment), 'raw', tag)
        os.makedirs(raw, exist_ok=True)
        rec = dict(experiment=case.experiment, case=case.name,
                   param=case.param, cap_mbit=cap, mode=mode,
                   variant=label or mode,
                   threshold=threshold, budget_bps=budget, run=r,
                   loss=case.loss, raw=os.path.relpath(raw, a.results),
                   error='')
        server = net.servers[0]
        tm = PhaseTimer()
        try:
            net.flush_arp()
            if case.loss:
                set_loss(server, case.loss)
            used = sorted({j.client for j in case.jobs})
            specs = [(net.monitor, net.monitor.name + '-eth0',
                      os.path.join(raw, 'mirror.pcap')),
                     (server, server.name + '-eth0',
                      os.path.join(raw, 'server.pcap'))]
            specs += [(net.clients[c], net.clients[c].name + '-eth0',
                       os.path.join(raw, 'client%d.pcap' % (c + 1)))
                      for c in used]
            ports0, qd0, ev0 = net.dump_ports(), net.qdisc_drops(), ctl.log_size()
            tm.mark('setup')
            caps = harness.start_captures(self.session, specs)
            tm.mark('capstart')
            try:
                transfers, secs, errors = workloads.run_jobs(
                    net, self.session, case.jobs, self.dl_dir)
                tm.mark('traffic')
                time.sleep(a.quiet_ms / 1000.0)
            finally:
                drops = harness.stop_captures(caps)
                if case.loss:
                    clear_loss(server)
                tm.mark('capstop')
            events = ctl.read_events(ev0)
            with open(os.path.join(raw, 'events.jsonl'), 'w') as f:
                f.write(events)
            with open(os.path.join(raw, 'flows.txt'), 'w') as f:
                f.write(net.dump_flows())
            with open(os.path.join(raw, 'ports.txt'), 'w') as f:
                f.write('# before\n' + ports0 + '# after\n' + net.dump_ports())
            with open(os.path.join(raw, 'qdisc.txt'), 'w') as f:
                f.write(net.cap_state() + '\n' + net.qdisc_stats())
            ok = sum(1 for _k, n, sha in transfers if sha == self.files.sha[n])
            with open(os.path.join(raw, 'transfers.txt'), 'w') as f:
                for k, n, sha in transfers:
                    f.write('job%d %s %s %s\n' % (k, n, sha, 'ok' if sha ==
                                                  self.files.sha[n] else 'BAD'))
            body = sum(self.files.sizes[n] for _k, n, _s in transfers)
            # The cleartext body bytes under the threshold that the run
            # fetched: the most the monitor can receive of bodies (elide);
            # for campus the same expected from the distribution: its byte
            # share in flows under the threshold, times the sample's bytes
            # and its cleartext share.
            clear = [self.files.sizes[n] for j in case.jobs
                     for n in j.cleartext()]
            rec['bound_body_bytes'] = sum(s for s in clear if s < threshold)
            if case.experiment == 'campus':
                rec['analytic_body_bytes'] = int(
                    (1 - a.campus_tls) * case.param *
                    (1 - workloads.byte_share_above(a.flow_csv, threshold)))
            rec.update(transfers=len(transfers), sha_ok=ok, seconds=secs,
                       body_bytes=body,
                       goodput_mbit=body * 8 / secs / 1e6 if secs else 0,
                       tcpdump_drops=sum(drops),
                       mirror_qdisc_drops=net.qdisc_drops() - qd0)
            ev = count_events(events)
            for name in ('conn_open', 'elide_start', 'elide_end',
                         'passthrough', 'alert', 'openflow_error',
                         'conn_close', 'threshold'):
                rec['ev_' + name] = ev.get(name, 0)
            tm.mark('dumps')
            truth = self.truth_pcap(raw, used)
            tm.mark('merge')
            # TLS cases: the analyzer counts port 443's packets and bytes
            # (it finds no HTTP head there); tls_view() the handshakes.
            tls = case.experiment in workloads.TLS_EXPERIMENTS
            ports = '443' if tls else a.http_ports
            if case.experiment in workloads.MIXED_TLS_EXPERIMENTS:
                tls, ports = True, a.http_ports + ',443'
            mirror = os.path.join(raw, 'mirror.pcap')
            # The analyzer (twice), tlsview's tshark passes and the
            # consumers' tool runs read the captures only: they run side by
            # side, one per CPU, longest first; the record is filled in the
            # order they ran in one after the other (an analyzer error
            # leaves the later fields empty).
            # (cancel_futures: an interrupted run leaves no tool queued)
            ex = concurrent.futures.ThreadPoolExecutor(consumers.workers())
            try:
                tv = TlsView(truth, mirror, ex) if tls else None
                f_summary = ex.submit(analyze.analyze, truth, mirror, ports,
                                      str(threshold),
                                      os.path.join(raw, 'conns.csv'))
                # Every body counts as elidable at threshold 1: its
                # "leaked" bytes are all the body bytes the monitor
                # received (what an IDS can extract files from; cleartext
                # HTTP only).
                f_every = ex.submit(analyze.analyze, truth, mirror, ports,
                                    '1')
                # written below only if some head is missing
                f_missing = ex.submit(analyze.missing_heads, truth, mirror,
                                      ports, str(threshold))
                res = None
                if not a.no_consumers:
                    # tshark, httpry, nDPI and p0f on both captures
                    # (consumers.py): what an independent monitor records.
                    t0 = time.monotonic()
                    res = consumers.compare(
                        truth, mirror,
                        [int(x) for x in a.http_ports.split(',') if x],
                        os.path.join(raw, 'consumers-diff.txt'), ex)
                    cons_seconds = round(time.monotonic() - t0, 2)
                summary, which = f_summary.result()
                every, _ = f_every.result()
                tv_fields = tv.result() if tv else None
            finally:
                ex.shutdown(cancel_futures=True)
            tm.mark('post')
            rec.update(summary)
            rec['analyzer'] = which
            rec['mirrored_body_bytes'] = every.get('leaked_body_bytes', '')
            if isinstance(every.get('elided_body_bytes'), int) and \
                    isinstance(every.get('leaked_body_bytes'), int):
                rec['truth_body_bytes'] = every['leaked_body_bytes'] + \
                    every['elided_body_bytes']
            if tv_fields:
                rec.update(tv_fields)
            if res is not None:
                rec.update(consumers.record_fields(res))
                rec['consumer_seconds'] = cons_seconds
                bad = ['%s: %s' % (n, r['error']) for n, r in res.items()
                       if 'error' in r]
                if bad:
                    rec['error'] = 'consumer failed: ' + '; '.join(bad)
            if summary.get('heads') and summary.get('heads_covered') != \
                    summary.get('heads'):
                with open(os.path.join(raw, 'missing-heads.txt'), 'w') as f:
                    f.write(f_missing.result())
                tm.mark('missing')
            with open(os.path.join(raw, 'summary.txt'), 'w') as f:
                f.write(' '.join('%s=%s' % (k, summary[k])
                                 for k in analyze.SUMMARY_FIELDS) + '\n')
            if a.no_pcaps or (r > 1 and not a.all_pcaps) or self.low_disk():
                for name in os.listdir(raw):
                    if name.endswith('.pcap'):
                        os.unlink(os.path.join(raw, name))
            if errors:
                rec['error'] = '; '.join(
                    ([rec['error']] if rec['error'] else []) + errors)
            if ok != len(transfers) or len(transfers) != sum(
                    len(j.names) for j in case.jobs):
                rec['error'] = (rec['error'] + '; ' if rec['error'] else '') + \
                    'sha256 mismatch: %d of %d bodies correct' % (
                        ok, sum(len(j.names) for j in case.jobs))
            tm.mark('finish')
        except KeyboardInterrupt:
            raise
        except Exception as e:  # one failed run must not lose the others
            rec['error'] = '%s: %s' % (type(e).__name__, e)
            with open(os.path.join(raw, 'error.txt'), 'w') as f:
                f.write(traceback.format_exc())
        self.timing = tm
        with open(os.path.join(raw, 'timing.txt'), 'w') as f:
            f.write('%s total=%.2f\n' % (tm.text(), tm.total()))
        if rec['error']:
            self.failures.append('%s: %s' % (tag, rec['error']))
        return rec

    def low_disk(self, min_free=5e9):
        """True (and said once) when the results' file system has less than
        min_free bytes left: from then on pcaps are deleted once analyzed."""
        st = os.statvfs(self.a.results)
        if st.f_bavail * st.f_frsize >= min_free:
            return False
        if not getattr(self, '_said_low_disk', False):
            log('less than %.0f GB free in %s: pcaps are deleted once analyzed'
                % (min_free / 1e9, self.a.results))
            self._said_low_disk = True
        return True

    def truth_pcap(self, raw, used):
        if len(used) == 1:
            return os.path.join(raw, 'client%d.pcap' % (used[0] + 1))
        merged = os.path.join(raw, 'clients.pcap')
        parts = [os.path.join(raw, 'client%d.pcap' % (c + 1)) for c in used]
        harness.run(['mergecap', '-F', 'pcap', '-w', merged] + parts)
        for p in parts:
            os.unlink(p)
        return merged

    def progress(self, k, total, rec):
        cov = rec.get('coverage')
        log('[%d/%d] %s %s %s run %d: mirror %s pkts %s B, truth %s pkts, '
            'coverage %s, sha %s/%s, %.1f s%s'
            % (k, total, rec['experiment'], cap_label(rec['cap_mbit']),
               rec['mode'] + ' ' + rec['case'] if rec['case'] !=
               rec['experiment'] else rec['mode'], rec['run'],
               report.fmt(rec.get('mirror_packets')),
               report.fmt(rec.get('mirror_bytes')),
               report.fmt(rec.get('truth_packets')),
               '-' if cov is None else '%.1f%%' % (100 * cov),
               rec.get('sha_ok', '-'), rec.get('transfers', '-'),
               rec.get('seconds') or 0,
               '  ERROR ' + rec['error'] if rec['error'] else ''))
        tm = getattr(self, 'timing', None)
        if tm is not None:
            log('    %.1f s: %s' % (tm.total(), tm.text()))

    # -- outputs

    def write_args(self, d, files, exp):
        """args.txt: versions, every parameter, and the cases and files of
        experiment exp (all of them when one directory holds several)."""
        a = self.a
        cases = [c for c in self.cases if self.a.name or c.experiment == exp]
        names = sorted({n for c in cases for n in c.files()})
        versions = {
            'git commit': harness.git_describe(),
            'tree': harness.tree_state(),
            'experiment code': harness.run(
                ['git', '-C', ROOT, 'status', '--short', '--', 'experiments',
                 'topologies'], check=False).strip() or
            'experiments/ and topologies/ as committed',
            'controller': harness.run([a.controller, '--version'],
                                      check=False).strip(),
            'analyzer': analyze.ANALYZER if os.access(analyze.ANALYZER, os.X_OK)
            else 'absent (fallback: packet and byte counts only)',
            'kernel': os.uname().release,
            'ovs': harness.run('ovs-vsctl --version', check=False).splitlines()[0],
            'datapath': harness.elide_topo.detect_datapath(),
            'nginx': harness.run('nginx -v 2>&1', check=False).strip(),
            'curl': harness.run('curl --version', check=False).splitlines()[0],
            'date (UTC)': self.stamp,
            'command': ' '.join([sys.executable] + sys.argv),
        }
        with open(os.path.join(d, 'args.txt'), 'w') as f:
            for k, v in versions.items():
                f.write('%s: %s\n' % (k, v))
            for k, v in sorted(vars(a).items()):
                f.write('%s: %s\n' % (k, v))
            f.write('mirror port: %d\n' % harness.elide_topo.MIRROR_PORT)
            for case in cases:
                f.write('case %s (%s): loss %g, %s\n' % (
                    case.name, case.experiment, case.loss, '; '.join(
                        '%s client %d: %s' % (j.kind, j.client + 1,
                                              ' '.join(j.names))
                        for j in case.jobs)))
            f.write('files (sha256 name size):\n' + files.manifest(names))

    def prune_pcaps(self):
        freed = 0
        for name in self.dirs:
            base = os.path.join(self.a.results, name)
            stamps = sorted(s for s in os.listdir(base)
                            if len(s) == 16 and s.endswith('Z') and
                            os.path.isdir(os.path.join(base, s)))
            old = stamps[:-self.a.keep_pcaps] if self.a.keep_pcaps > 0 \
                else stamps
            for stamp in old:
                for dirpath, _dirs, names in os.walk(os.path.join(base, stamp,
                                                                  'raw')):
                    for n in names:
                        if n.endswith('.pcap'):
                            path = os.path.join(dirpath, n)
                            freed += os.path.getsize(path)
                            os.unlink(path)
        if freed:
            log('deleted %.1f GB of pcaps of older runs (--keep-pcaps %d)'
                % (freed / 1e9, self.a.keep_pcaps))

    def offline_sweep(self, d):
        """The threshold study offline: elide-replay --sweep over the
        ground truth of one uncapped run of this study (the first whose
        clients' capture is kept), with the controller's options, into
        sweep_offline.dat (drawn with the testbed's points, report.py).
        False when it could not run (said in the log)."""
        a = self.a
        replay = os.path.join(os.path.dirname(a.controller), 'elide-replay')
        raws = sorted(os.path.join(d, 'raw', n)
                      for n in os.listdir(os.path.join(d, 'raw'))
                      if n.startswith('uncapped-'))
        truth = next((os.path.join(r, f) for r in raws
                      for f in ('clients.pcap', 'client1.pcap')
                      if os.path.exists(os.path.join(r, f))), None)
        if not os.access(replay, os.X_OK) or truth is None:
            log('offline sweep skipped: %s' % (
                'no %s' % replay if truth else
                'no uncapped ground truth kept'))
            return False
        cmd = [replay, '--sweep', ','.join(str(t) for t in a.thresholds),
               '--http-ports', a.http_ports] + a.ctl_args.split() + [truth]
        t0 = time.monotonic()
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            self.failures.append('elide-replay --sweep: exit %d: %s'
                                 % (p.returncode, p.stderr.strip()[-300:]))
            return False
        version = harness.run([replay, '--version']).strip()
        rel = os.path.relpath(truth, d)
        with open(os.path.join(d, 'sweep_offline.dat'), 'w') as f:
            f.write('# %s --sweep over %s (%d bytes)\n# %s\n' % (
                version, rel, os.path.getsize(truth),
                ' '.join([os.path.basename(replay)] + cmd[1:-1] + [rel])))
            # elide-replay's header line and rows, as columns for gnuplot.
            f.write(p.stdout.replace('\t', ' '))
        log('offline sweep: elide-replay over %s in %.1f s'
            % (rel, time.monotonic() - t0))
        return True

    def _finish(self):
        if not self.records:
            return 1
        for name, d in self.dirs.items():
            if self.a.thresholds:
                self.offline_sweep(d)
            report.build(d, plots=not self.a.no_plots)
            link = os.path.join(self.a.results, name, 'last')
            if os.path.islink(link) or os.path.exists(link):
                os.unlink(link)
            os.symlink(self.stamp, link)
        self.prune_pcaps()
        if len(self.dirs) > 1 and not self.a.name:
            report.overview(self.a.results, self.stamp, self.dirs,
                            plots=not self.a.no_plots,
                            name='overview' + ('' if self.a.topo ==
                                               'elide_single' else '-twoswitch'))
        sys.stdout.write('\n' + report.summary_table(self.records) + '\n')
        for name, d in sorted(self.dirs.items()):
            log('results: %s' % os.path.relpath(d, ROOT))
        if self.failures:
            log('%d FAILURES:' % len(self.failures))
            for f in self.failures:
                sys.stdout.write('  ' + f + '\n')
            return 1
        return 0


NGINX_CONF = """# Generated by experiments/run.py; everything lives in %(dir)s.
user root root;
worker_processes 1;
daemon off;
pid %(dir)s/nginx.pid;
error_log %(dir)s/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %(dir)s/body;
    default_type application/octet-stream;
    server_tokens off;
    sendfile on;
    tcp_nopush off;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    server {
        listen %(ip)s:80;
        %(listen6)s
        root %(www)s;
        location / { }
    }
    server {
        listen %(ip)s:443 ssl;
        ssl_certificate %(dir)s/tls.crt;
        ssl_certificate_key %(dir)s/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root %(www)s;
        location / { }
    }
}
"""


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0:
        sys.exit('run.py: must run as root (Mininet, OVS, tcpdump)')
    for tool in ('ovs-vsctl', 'ovs-ofctl', 'tcpdump', 'nginx', 'curl', 'tc',
                 'iptables', 'ethtool', 'mergecap', 'mnexec'):
        if not shutil.which(tool):
            sys.exit('run.py: %s missing; run ci/install-deps.sh' % tool)
    if not os.access(a.controller, os.X_OK):
        sys.exit('run.py: no controller at %s; run make' % a.controller)
    harness.raise_on_signals()
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    runner = Runner(a, stamp)
    try:
        return runner.main()
    except KeyboardInterrupt:
        for d in runner.dirs.values():
            with open(os.path.join(d, 'INCOMPLETE'), 'w') as f:
                f.write('interrupted at %s UTC; runs.csv holds the runs done '
                        'before\n' % time.strftime('%H:%M:%S', time.gmtime()))
        log('interrupted; everything this run started has been stopped; '
            'partial results (marked INCOMPLETE) in %s'
            % ' '.join(os.path.relpath(d, ROOT) for d in runner.dirs.values()))
        return 130


if __name__ == '__main__':
    sys.exit(main())
