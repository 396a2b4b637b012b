"""Served files, workloads and the clients that fetch them.

Every served file's content comes from a seeded generator, so its sha256
is known before the run and every transfer is checked against it.  A
workload is a list of cases; a case is what one capture covers: a set of
client jobs that run concurrently (one job = one client program on one
client host), optionally with random loss on the server's link.
"""

import csv
import hashlib
import math
import os
import random
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PIPELINE_CLIENT = os.path.join(HERE, 'pipeline_client.py')
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
        else:
            raise ValueError('unknown experiment %r' % exp)
    return cases


EXPERIMENTS = ['table2', 'sizes', 'keepalive', 'pipelined', 'retrans', 'mixed',
               'table2-tls', 'keepalive-tls', 'table2-ipv6']
# Cases over TLS (handshake coverage by tshark, tests/e2e/tlsview.py) and
# over IPv6 (the server gets SERVER_IP6).
TLS_EXPERIMENTS = {'table2-tls', 'keepalive-tls'}
IPV6_EXPERIMENTS = {'table2-ipv6'}
