#!/usr/bin/env python3
"""Agreement of elide-replay with the testbed.

    agree.py RESULTS_DIR [--replay build/elide-replay] [--out FILE]
             [--cases table2,sizes,...] [--keep]

For every uncapped run of an experiment invocation (RESULTS_DIR holds its
runs.csv, args.txt and raw/ with the pcaps: run.py --all-pcaps), replays
the clients' ground-truth capture through build/elide-replay with the
run's mode and options, then compares the replayed mirror with the mirror
the testbed captured:

  - both through build/mirror-analyze against the same truth, with the
    run's ports and threshold: totals, and per connection (client, server,
    client ISN) the heads covered, the leaked and the elided body bytes and
    the mirrored packets;
  - frame by frame: the frames (their bytes) both mirrors hold, and those
    only one holds.

Prints a line per run (stderr) and the table of results/README.md, the runs
summed per experiment and mode (stdout); --out writes the runs as TSV.
"""
import argparse
import collections
import csv
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import analyze     # noqa: E402
import workloads   # noqa: E402

COMPARED = ('heads_covered', 'leaked_body_bytes', 'elided_body_bytes',
            'mirror_packets')


def frame_diff(a, b):
    """(frames in both, only in a, only in b): multisets of frame bytes."""
    def frames(path):
        return collections.Counter(
            hashlib.blake2b(x, digest_size=12).digest() + struct.pack('>I', n)
            for x, n in analyze.pcap_records(path))
    ca, cb = frames(a), frames(b)
    both = sum((ca & cb).values())
    return both, sum(ca.values()) - both, sum(cb.values()) - both


def read_args(path):
    args = {}
    with open(path) as f:
        for line in f:
            if ': ' in line:
                k, v = line.rstrip('\n').split(': ', 1)
                args.setdefault(k, v)
    return args


def replay_args(args, row):
    mode = row['mode']
    cmd = ['--mode', mode, '--http-ports', args.get('http_ports', '80')]
    if mode == 'selective':
        cmd += ['--select', args.get('select', 'tcp:80')]
    elif mode == 'truncate':
        cmd += ['--truncate-len', args.get('truncate_len', '128')]
    elif mode in ('elide', 'elide-paper'):
        cmd += ['--threshold', row['threshold']]
    return cmd + args.get('ctl_args', '').split()


def conn_rows(path):
    with open(path) as f:
        return {(r['client'], r['server'], r['client_isn']): r
                for r in csv.DictReader(f)}


def truth_of(raw):
    for name in ('clients.pcap', 'client1.pcap'):
        p = os.path.join(raw, name)
        if os.path.exists(p):
            return p
    return None


def compare(results, row, args, replay, keep):
    raw = os.path.join(results, 'raw', os.path.basename(row['raw']))
    truth, mirror = truth_of(raw), os.path.join(raw, 'mirror.pcap')
    if not truth or not os.path.exists(mirror):
        return None
    exp = row['experiment']
    ports = '443' if exp in workloads.TLS_EXPERIMENTS else args.get(
        'http_ports', '80')
    if exp in workloads.MIXED_TLS_EXPERIMENTS:
        ports = args.get('http_ports', '80') + ',443'
    out = os.path.join(raw, 'replay.pcap') if keep else tempfile.mktemp(
        suffix='.pcap')
    cmd = [replay, '-q', truth, '-o', out] + replay_args(args, row)
    p = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    if p.returncode:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(cmd), p.returncode,
                                                p.stderr[-400:]))
    try:
        with tempfile.TemporaryDirectory() as td:
            tb_csv, rp_csv = os.path.join(td, 'tb.csv'), os.path.join(td,
                                                                      'rp.csv')
            tb, _ = analyze.analyze(truth, mirror, ports, row['threshold'],
                                    tb_csv)
            rp, _ = analyze.analyze(truth, out, ports, row['threshold'],
                                    rp_csv)
            ctb, crp = conn_rows(tb_csv), conn_rows(rp_csv)
        differ = [k for k in ctb if k not in crp or any(
            ctb[k][f] != crp[k][f] for f in COMPARED)]
        differ += [k for k in crp if k not in ctb]
        both, only_tb, only_rp = frame_diff(mirror, out)
    finally:
        if not keep:
            os.unlink(out)
    diff_fields = collections.Counter(
        f for k in differ if k in ctb and k in crp
        for f in COMPARED if ctb[k][f] != crp[k][f])
    return dict(
        experiment=exp, case=row['case'], mode=row['mode'],
        conns=tb['conns'],
        tb_packets=tb['mirror_packets'], rp_packets=rp['mirror_packets'],
        tb_bytes=tb['mirror_bytes'], rp_bytes=rp['mirror_bytes'],
        heads=tb['heads'], tb_heads=tb['heads_covered'],
        rp_heads=rp['heads_covered'],
        tb_leaked=tb['leaked_body_bytes'], rp_leaked=rp['leaked_body_bytes'],
        tb_elided=tb['elided_body_bytes'], rp_elided=rp['elided_body_bytes'],
        conns_differ=len(differ),
        differ_fields=','.join('%s:%d' % kv for kv in sorted(
            diff_fields.items())) or '-',
        frames_both=both, frames_testbed_only=only_tb,
        frames_replay_only=only_rp)


FIELDS = ['experiment', 'case', 'mode', 'conns', 'tb_packets', 'rp_packets',
          'tb_bytes', 'rp_bytes', 'heads', 'tb_heads', 'rp_heads',
          'tb_leaked', 'rp_leaked', 'tb_elided', 'rp_elided', 'conns_differ',
          'differ_fields', 'frames_both', 'frames_testbed_only',
          'frames_replay_only']


def table(rows):
    """The rows summed per experiment and mode (mode none, which mirrors
    nothing in both, left out): results/README.md's table, in markdown."""
    groups = collections.OrderedDict()
    order = ['plain', 'selective', 'truncate', 'elide-paper', 'elide']
    for r in sorted(rows, key=lambda r: (r['experiment'], order.index(r['mode'])
                                         if r['mode'] in order else 9)):
        if r['mode'] != 'none':
            groups.setdefault((r['experiment'], r['mode']), []).append(r)

    def tot(rs, k):
        return sum(int(r[k]) for r in rs)
    out = ['| experiment | mode | runs | conns (differing) | frames in both | '
           'testbed only | replay only | heads covered testbed / replay (of) '
           '| leaked body bytes testbed / replay |',
           '|---|---|---:|---:|---:|---:|---:|---|---|']
    for (exp, mode), rs in groups.items():
        t = {k: tot(rs, k) for k in FIELDS[3:] if k != 'differ_fields'}
        out.append('| {} | {} | {} | {conns} ({conns_differ}) | '
                   '{frames_both:,} | {frames_testbed_only} | '
                   '{frames_replay_only} | {tb_heads} / {rp_heads} ({heads}) | '
                   '{tb_leaked:,} / {rp_leaked:,} |'.format(exp, mode, len(rs),
                                                            **t))
    return '\n'.join(out) + '\n'


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('results')
    p.add_argument('--replay', default=os.path.join(ROOT, 'build',
                                                    'elide-replay'))
    p.add_argument('--out', default=None, help='TSV of the rows')
    p.add_argument('--cases', default=None,
                   help='comma list of experiments (default all)')
    p.add_argument('--modes', default=None, help='comma list of modes')
    p.add_argument('--keep', action='store_true',
                   help='keep each replayed mirror as raw/*/replay.pcap')
    a = p.parse_args(argv)
    args = read_args(os.path.join(a.results, 'args.txt'))
    want = set(a.cases.split(',')) if a.cases else None
    modes = set(a.modes.split(',')) if a.modes else None
    rows = []
    with open(os.path.join(a.results, 'runs.csv')) as f:
        for row in csv.DictReader(f):
            if float(row['cap_mbit']) != 0 or row.get('error'):
                continue
            if want and row['experiment'] not in want:
                continue
            if modes and row['mode'] not in modes:
                continue
            r = compare(a.results, row, args, a.replay, a.keep)
            if r:
                rows.append(r)
                print('%s %s %s: %s' % (r['experiment'], r['case'], r['mode'],
                                        ' '.join('%s=%s' % (k, r[k])
                                                 for k in FIELDS[3:])),
                      file=sys.stderr, flush=True)
    if a.out:
        with open(a.out, 'w') as f:
            w = csv.DictWriter(f, FIELDS, delimiter='\t')
            w.writeheader()
            w.writerows(rows)
    sys.stdout.write(table(rows))
    return 0


if __name__ == '__main__':
    sys.exit(main())
