"""Served files, workloads and the clients that fetch them.

Every served file's content comes from a seeded generator, so its sha256
is known before the run and every transfer is checked against it.  A
workload is a list of cases; a case is what one capture covers: a set of
client jobs that run concurrently (one job = one client program on one
client host), optionally with random loss on the server's link.
"""

import collections
import csv
import hashlib
import math
import os
import random
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PIPELINE_CLIENT = os.path.join(HERE, 'pipeline_client.py')
CAMPUS_CLIENT = os.path.join(HERE, 'campus_client.py')
PY = '/usr/bin/python3'

# ------------------------------------------------------------------ files


def human(n):
    """1000 -> '1k', 36000000 -> '36m' (decimal units, as the file names)."""
    for div, suffix in ((10**9, 'g'), (10**6, 'm'), (10**3, 'k')):
        if n >= div and n % div == 0:
            return '%d%s' % (n // div, suffix)
    return str(n)


def generate(path, name, size, seed):
    """Writes size bytes of the stream seeded by (seed, name); returns the
    sha256.  random.Random seeded with a str is stable across Python 3
    versions (seed version 2), and so is randbytes()."""
    rng = random.Random('%s:%s' % (seed, name))
    digest = hashlib.sha256()
    left = size
    with open(path, 'wb') as f:
        while left > 0:
            chunk = rng.randbytes(min(left, 1 << 20))
            f.write(chunk)
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


class FileSet:
    """name -> size of every file some case fetches, generated on demand."""

    def __init__(self, root, seed):
        self.root, self.seed = root, seed
        self.sizes = {}
        self.sha = {}
        os.makedirs(root, exist_ok=True)

    def want(self, name, size):
        if self.sizes.get(name, size) != size:
            raise ValueError('file %s wanted with two sizes' % name)
        self.sizes[name] = size

    def make(self):
        for name in sorted(self.sizes):
            if name not in self.sha:
                self.sha[name] = generate(os.path.join(self.root, name), name,
                                          self.sizes[name], self.seed)
        os.chmod(self.root, 0o755)

    def manifest(self, names=None):
        return ''.join('%s  %s  %d\n' % (self.sha[n], n, self.sizes[n])
                       for n in sorted(names or self.sha))


# ------------------------------------------------------------ client jobs


class Job:
    """One client program on one client host."""

    def __init__(self, client, names):
        self.client = client        # index into the network's clients
        self.names = list(names)

    def cleartext(self):
        """The names fetched over cleartext HTTP."""
        return self.names


# The server's IPv6 address and the TLS server name of the experiments
# (run.py configures both when a case needs them).
SERVER_IP6 = 'fd00:e1de::100'
TLS_NAME = 'www.elide.test'


class CurlJob(Job):
    """curl fetching names in order; keep-alive (one connection for all) by
    default, or one connection per request (Connection: close); over HTTP
    or HTTPS (TLS 1.3, server name TLS_NAME), over IPv4 or IPv6."""

    def __init__(self, client, names, keepalive=True, https=False, family=4):
        Job.__init__(self, client, names)
        self.keepalive = keepalive
        self.https = https
        self.family = family

    kind = 'curl'

    def cleartext(self):
        return [] if self.https else self.names

    def command(self, server_ip, outdir):
        cmd = ['env', '-u', 'http_proxy', '-u', 'HTTP_PROXY', '-u',
               'all_proxy', '-u', 'ALL_PROXY', '-u', 'https_proxy',
               '-u', 'HTTPS_PROXY',
               'curl', '--http1.1', '--noproxy', '*', '-sS', '-f', '-g',
               '--max-time', '300', '-A', 'elide-exp',
               '-w', '%{url_effective} %{http_code} %{size_download} '
                     '%{num_connects} %{time_total}\\n']
        if not self.keepalive:
            cmd += ['-H', 'Connection: close']
        ip = '[%s]' % SERVER_IP6 if self.family == 6 else server_ip
        host = ip
        if self.https:
            # The certificate is made per run (run.py): not checked.
            cmd += ['-k', '--tlsv1.3', '--resolve', '%s:443:%s' % (TLS_NAME, ip)]
            host = TLS_NAME
        for i, name in enumerate(self.names):
            cmd += ['%s://%s/%s' % ('https' if self.https else 'http', host,
                                    name),
                    '-o', os.path.join(outdir, '%04d-%s' % (i, name))]
        return cmd

    def results(self, outdir, stdout):
        """[(name, sha256 or None)] in request order; deletes the bodies."""
        out = []
        for i, name in enumerate(self.names):
            path = os.path.join(outdir, '%04d-%s' % (i, name))
            out.append((name, sha256_file(path)))
            if os.path.exists(path):
                os.unlink(path)
        return out


class PipelineJob(Job):
    """pipeline_client.py: every request written back to back, then the
    responses read in order (curl cannot pipeline)."""

    kind = 'pipeline'

    def command(self, server_ip, _outdir):
        return [PY, PIPELINE_CLIENT, server_ip, '80'] + self.names

    def results(self, _outdir, stdout):
        got = {}
        order = []
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) == 4:
                order.append((parts[0], parts[3]))
        for i, name in enumerate(self.names):
            got[i] = order[i][1] if i < len(order) and order[i][0] == name \
                else None
        return [(name, got[i]) for i, name in enumerate(self.names)]


def sha256_file(path):
    if not os.path.exists(path):
        return None
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            digest.update(chunk)
    return digest.hexdigest()


def run_jobs(network, session, jobs, outdir, timeout=360):
    """Runs jobs concurrently, each on its client host; returns
    (transfers, seconds, errors): transfers = [(job_index, name, sha)]."""
    server_ip = network.servers[0].IP()
    procs = []
    t0 = time.time()
    for k, job in enumerate(jobs):
        jdir = os.path.join(outdir, 'job%d' % k)
        os.makedirs(jdir, exist_ok=True)
        host = network.clients[job.client]
        p = host.popen(job.command(server_ip, jdir), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
        session.track(p, '%s on %s' % (job.kind, host.name))
        procs.append((job, jdir, p))
    transfers, errors = [], []
    for k, (job, jdir, p) in enumerate(procs):
        try:
            out, err = p.communicate(timeout=max(1.0, t0 + timeout - time.time()))
        except subprocess.TimeoutExpired:
            session.stop(p)
            out, err = '', 'timed out after %d s' % timeout
        else:
            session.procs.pop(p.pid, None)
        if p.returncode:
            errors.append('%s job %d exit %s: %s' % (job.kind, k, p.returncode,
                                                     err.strip()[-300:]))
        for name, sha in job.results(jdir, out):
            transfers.append((k, name, sha))
        if not os.listdir(jdir):
            os.rmdir(jdir)
    return transfers, time.time() - t0, errors


# -------------------------------------------------------------- workloads


class Case:
    """What one capture covers."""

    def __init__(self, experiment, name, jobs, loss=0.0, param=''):
        self.experiment = experiment
        self.name = name
        self.jobs = jobs
        self.loss = loss            # drop probability on the server's link
        self.param = param          # plotted x value (size, loss, ...)

    def files(self):
        return sorted({n for j in self.jobs for n in j.names})

    def nclients(self):
        return max(j.client for j in self.jobs) + 1


TABLE2_SIZE = 36_000_000   # the paper's "about 36 MB" binary
SIZES = [int(m * 10**e) for e in range(3, 9) for m in (1, 3)][:-1]
KEEPALIVE = [2_000, 15_000_000, 20_000, 12_000_000, 11_000_000, 1_000]
LOSSES = [0.005, 0.02]


def _sized(prefix, size):
    return '%s-%s.bin' % (prefix, human(size))


def cdf_points(path, column):
    """[(size, cumulative fraction)] from the AGH flow-size CSV."""
    col = {'flows': 'pct_flows', 'packets': 'pct_packets',
           'bytes': 'pct_bytes'}[column]
    with open(path) as f:
        rows = list(csv.DictReader(l for l in f if not l.startswith('#')))
    return [(float(r['size_bytes']), float(r[col]) / 100.0) for r in rows]


def draw_sizes(path, column, seed, n, cap, floor=100):
    """n sizes by inverse transform sampling of the CSV's CDF, log-linear
    between its points (the CSV has one point per size decade or so), then
    clamped to [floor, cap].  The tail above the last point is treated as
    ending at 10x that point."""
    pts = [(1.0, 0.0)] + cdf_points(path, column)
    pts.append((pts[-1][0] * 10, 1.0))
    rng = random.Random('%s:mixed' % seed)
    out = []
    for _ in range(n):
        u = rng.random()
        for (s0, c0), (s1, c1) in zip(pts, pts[1:]):
            if u <= c1:
                f = (u - c0) / (c1 - c0) if c1 > c0 else 0.0
                size = math.exp(math.log(s0) + f * (math.log(s1) - math.log(s0)))
                break
        out.append(int(min(max(size, floor), cap)))
    return out


# Thresholds of the study (make sweep): the campus sample reproduces the
# distribution's byte share above each.
STUDY_THRESHOLDS = [16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20,
                    10_000_000, 32 << 20, 100_000_000]


def _cdf_at(pts, x):
    """Cumulative fraction at size x, log-linear between the points."""
    if x <= pts[0][0]:
        return pts[0][1]
    for (s0, c0), (s1, c1) in zip(pts, pts[1:]):
        if x <= s1:
            return c0 + (c1 - c0) * math.log(x / s0) / math.log(s1 / s0)
    return pts[-1][1]


def _size_at(pts, u):
    """Inverse of _cdf_at()."""
    for (s0, c0), (s1, c1) in zip(pts, pts[1:]):
        if u <= c1:
            f = (u - c0) / (c1 - c0) if c1 > c0 else 0.0
            return math.exp(math.log(s0) + f * math.log(s1 / s0))
    return pts[-1][0]


def byte_share_above(path, t):
    """The distribution's share of bytes in flows larger than t."""
    return 1.0 - _cdf_at([(1.0, 0.0)] + cdf_points(path, 'bytes'), t)


def campus_sizes(path, seed, total, cap, floor=100,
                 thresholds=STUDY_THRESHOLDS):
    """Flow sizes, stratified so that the sample's bytes in each size class
    (between consecutive points of the CSV and thresholds of the study, up
    to cap) are the distribution's share of total; the bytes of flows
    above cap count in the top class, those below floor in the lowest.
    Within a class (a, b], sizes are drawn from the flow-count CDF
    restricted to it (log-linear, seeded), as many as the class's bytes
    need on average (at least one), then scaled to sum to those bytes
    (clamped to the class: a class whose bytes are less than a gets one
    flow of a + 1, so total must be large enough for the top class).  The sample keeps the byte share above every boundary; its
    flow counts follow the distribution within each class.  Returns the
    sizes, shuffled."""
    fl = [(1.0, 0.0)] + cdf_points(path, 'flows')
    by = [(1.0, 0.0)] + cdf_points(path, 'bytes')
    bounds = sorted({floor, cap} | {int(s) for s, _ in fl[1:]
                                    if floor < s < cap}
                    | {t for t in thresholds if floor < t < cap})
    rng = random.Random('%s:campus' % seed)
    out = []
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        lo = 0.0 if i == 0 else _cdf_at(by, a)
        hi = 1.0 if b == cap else _cdf_at(by, b)
        budget = (hi - lo) * total
        fa, fb = _cdf_at(fl, a), _cdf_at(fl, b)
        # the class's mean flow size, by its CDF (numerically)
        steps = 64
        mean = sum(_size_at(fl, fa + (fb - fa) * (k + 0.5) / steps)
                   for k in range(steps)) / steps
        n = max(1, int(round(budget / mean)))
        sizes = [min(max(_size_at(fl, fa + (fb - fa) * rng.random()), a + 1), b)
                 for _ in range(n)]
        for _ in range(8):          # scale to the budget within [a, b]
            free = [k for k, v in enumerate(sizes) if a < v < b]
            left = budget - sum(sizes)
            if abs(left) < 1 or not free:
                break
            f = 1 + left / sum(sizes[k] for k in free)
            for k in free:
                sizes[k] = min(max(sizes[k] * f, a + 1), b)
        out += [max(int(round(v)), floor) for v in sizes]
    rng.shuffle(out)
    return out


def campus_connections(sizes, seed, load_mbit, keepalive, tls, split_below):
    """[(start_s, https, [sizes])]: Poisson arrivals at load_mbit on
    average (the mean over the sample); a 'keepalive' share of the
    connections below split_below carry their size as 2-4 responses (so
    every response at or above it is a whole flow of the sample); a 'tls'
    share over HTTPS."""
    rng = random.Random('%s:campus-conns' % seed)
    rate = load_mbit * 1e6 / 8 / (sum(sizes) / len(sizes))    # conns/s
    t, out = 0.0, []
    for s in sizes:
        parts = [s]
        if s < split_below and rng.random() < keepalive and s >= 400:
            k = rng.randint(2, 4)
            cuts = sorted(rng.randint(100, s - 100) for _ in range(k - 1))
            parts = [b - a for a, b in zip([0] + cuts, cuts + [s])]
            parts = [p for p in parts if p > 0]
        out.append((round(t, 4), rng.random() < tls, parts))
        t += rng.expovariate(rate)
    return out


def campus_report(path, sizes, thresholds=STUDY_THRESHOLDS):
    """Lines: threshold, the sample's byte share above it, the
    distribution's."""
    total = sum(sizes)
    lines = ['# threshold_bytes sample_share_above distribution_share_above']
    for t in thresholds:
        lines.append('%d %.4f %.4f' % (t, sum(s for s in sizes if s > t) / total,
                                       byte_share_above(path, t)))
    return '\n'.join(lines) + '\n'


class CampusJob(Job):
    """campus_client.py: connections started at their arrival times, each
    over HTTP or HTTPS, one or more requests (keep-alive)."""

    kind = 'campus'

    def __init__(self, client, conns):
        Job.__init__(self, client, [n for _t, _h, names in conns for n in names])
        self.conns = conns

    def cleartext(self):
        return [n for _t, https, names in self.conns if not https
                for n in names]

    def command(self, server_ip, outdir):
        plan = os.path.join(outdir, 'plan.txt')
        with open(plan, 'w') as f:
            for t, https, names in self.conns:
                f.write('%s %s %s\n' % (t, 'https' if https else 'http',
                                        ' '.join(names)))
        return [PY, CAMPUS_CLIENT, server_ip, TLS_NAME, plan]

    def results(self, outdir, stdout):
        got = collections.defaultdict(list)
        for line in stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] == '200':
                got[parts[0]].append(parts[2])
        plan = os.path.join(outdir, 'plan.txt')
        if os.path.exists(plan):
            os.unlink(plan)
        return [(n, got[n].pop() if got[n] else None) for n in self.names]


def build_cases(experiments, files, opts):
    """The cases of each named experiment, in run order; registers every
    file they need in files."""
    cases = []

    def add(case):
        for job in case.jobs:
            for name in job.names:
                files.want(name, case_sizes[name])
        cases.append(case)

    case_sizes = {}

    def f(prefix, size):
        name = _sized(prefix, size)
        case_sizes[name] = size
        return name

    table2 = f('table2', TABLE2_SIZE)
    ka = [f('ka', s) for s in KEEPALIVE]
    for exp in experiments:
        if exp == 'table2':
            add(Case(exp, 'table2', [CurlJob(0, [table2])],
                     param=TABLE2_SIZE))
        elif exp == 'sizes':
            for s in opts.sizes:
                add(Case(exp, 'sizes-' + human(s), [CurlJob(0, [f('sz', s)])],
                         param=s))
        elif exp == 'keepalive':
            add(Case(exp, 'keepalive', [CurlJob(0, ka)], param=sum(KEEPALIVE)))
        elif exp == 'table2-tls':
            add(Case(exp, 'table2-tls', [CurlJob(0, [table2], https=True)],
                     param=TABLE2_SIZE))
        elif exp == 'keepalive-tls':
            add(Case(exp, 'keepalive-tls', [CurlJob(0, ka, https=True)],
                     param=sum(KEEPALIVE)))
        elif exp == 'table2-ipv6':
            add(Case(exp, 'table2-ipv6', [CurlJob(0, [table2], family=6)],
                     param=TABLE2_SIZE))
        elif exp == 'pipelined':
            add(Case(exp, 'pipelined', [PipelineJob(0, ka)],
                     param=sum(KEEPALIVE)))
        elif exp == 'retrans':
            for loss in opts.losses:
                tag = '%gpct' % (loss * 100)
                add(Case(exp, 'retrans-table2-' + tag, [CurlJob(0, [table2])],
                         loss=loss, param=loss))
                add(Case(exp, 'retrans-keepalive-' + tag, [CurlJob(0, ka)],
                         loss=loss, param=loss))
        elif exp == 'mixed':
            sizes = draw_sizes(opts.flow_csv, opts.mixed_weight, opts.seed,
                               opts.mixed_clients * opts.mixed_requests,
                               opts.mixed_cap)
            jobs = []
            for c in range(opts.mixed_clients):
                mine = sizes[c::opts.mixed_clients]
                jobs.append(CurlJob(c, [f('mx', s) for s in mine],
                                    keepalive=False))
            add(Case(exp, 'mixed', jobs, param=sum(sizes)))
        elif exp == 'campus':
            sizes = campus_sizes(opts.flow_csv, opts.seed, opts.campus_bytes,
                                 opts.campus_cap)
            conns = campus_connections(sizes, opts.seed, opts.campus_load,
                                       opts.campus_keepalive, opts.campus_tls,
                                       STUDY_THRESHOLDS[0])
            jobs = []
            for c in range(opts.campus_clients):
                mine = [(t, h, [f('cp', s) for s in parts])
                        for t, h, parts in conns[c::opts.campus_clients]]
                jobs.append(CampusJob(c, mine))
            add(Case(exp, 'campus', jobs, param=sum(sizes)))
        else:
            raise ValueError('unknown experiment %r' % exp)
    return cases


EXPERIMENTS = ['table2', 'sizes', 'keepalive', 'pipelined', 'retrans', 'mixed',
               'table2-tls', 'keepalive-tls', 'table2-ipv6', 'campus']
# Cases over TLS (handshake coverage by tshark, tests/e2e/tlsview.py) and
# over IPv6 (the server gets SERVER_IP6).
TLS_EXPERIMENTS = {'table2-tls', 'keepalive-tls'}
IPV6_EXPERIMENTS = {'table2-ipv6'}
# HTTP and HTTPS side by side: the analyzer reads both ports.
MIXED_TLS_EXPERIMENTS = {'campus'}
