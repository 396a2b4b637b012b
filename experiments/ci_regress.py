#!/usr/bin/python3
"""CI regression: a quick experiment checked against results/baseline.json.

    /usr/bin/python3 experiments/ci_regress.py            # check
    /usr/bin/python3 experiments/ci_regress.py --measure 10
        # N runs per case; prints the spread and a baseline to commit

Runs table2 and keepalive, mirror capped at 10 Mbit/s, modes elide and
plain, elide once per realization (--datapath flows and conntrack, both
against the same baseline), at the default threshold (10M; the baseline is for that value, so
THRESHOLD does not apply here), and asserts:
  - elide: mirrored packets and bytes of each case within the baseline's
    stated tolerance;
  - elide: 100 % header coverage (every request and response head of the
    ground truth fully present on the mirror), no payload other than
    elided bodies missing from the mirror (elided_other_bytes = 0), and
    at most the baseline's max_leaked_body_bytes of elided bodies on it;
  - every body's sha256 equal to the generator's, and no run failed;
  - plain: packets were lost on the capped mirror (mirror packets < truth
    packets), a loose bound since plain mode's figures vary with timing.
Exits 1 with one line per violated assertion.  Uses its own names
(prefix cr, controller port 46654) so it can run beside `make experiment`.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import report  # noqa: E402
import run     # noqa: E402
from harness import ROOT, git_describe, log  # noqa: E402

BASELINE = os.path.join(ROOT, 'results', 'baseline.json')
CASES = ['table2', 'keepalive']
CAP = 10


DATAPATHS = ['flows', 'conntrack']


def run_experiment(results, runs, name, datapath='flows', modes='elide,plain'):
    argv = ['--experiments', ','.join(CASES), '--modes', modes,
            '--caps', str(CAP), '--runs', str(runs), '--threshold', '10M',
            '--name', name, '--prefix', 'cr', '--ctl-port', '46654',
            '--results', results, '--no-pcaps', '--no-plots',
            '--datapath', datapath]
    rc = run.main(argv)
    d = os.path.join(results, name, 'last')
    return rc, report.read_runs(os.path.join(d, 'runs.csv')), d


def check(rows, base):
    """Returns the list of violated assertions (empty: pass)."""
    bad = []
    for r in rows:
        tag = '%s/%s/run%d' % (r['case'], r['mode'], r['run'])
        if r.get('error'):
            bad.append('%s: run failed: %s' % (tag, r['error']))
        if r.get('sha_ok') != r.get('transfers') or not r.get('transfers'):
            bad.append('%s: sha256: %s of %s bodies correct'
                       % (tag, r.get('sha_ok'), r.get('transfers')))
        if r['mode'] == 'elide':
            want = base['elide'].get(r['case'])
            if want is None:
                bad.append('%s: no baseline for this case' % tag)
                continue
            for field in ('mirror_packets', 'mirror_bytes'):
                value, tol = want[field]['value'], want[field]['tolerance']
                got = r.get(field)
                if not isinstance(got, int) or abs(got - value) > tol:
                    bad.append('%s: %s = %s, baseline %d +- %d (drift %+d)'
                               % (tag, field, got, value, tol,
                                  (got or 0) - value))
            if r.get('heads') is None or r.get('heads_covered') != r.get('heads') \
                    or not r.get('heads'):
                bad.append('%s: header coverage %s of %s heads, expected all'
                           % (tag, r.get('heads_covered'), r.get('heads')))
            if r.get('elided_other_bytes') != 0:
                bad.append('%s: %s bytes of payload other than elided bodies '
                           'missing from the mirror, expected 0'
                           % (tag, r.get('elided_other_bytes')))
            leak = r.get('leaked_body_bytes')
            if not isinstance(leak, int) or leak > want['max_leaked_body_bytes']:
                bad.append('%s: %s bytes of elided bodies reached the mirror, '
                           'baseline allows %d' % (tag, leak,
                                                   want['max_leaked_body_bytes']))
        elif r['mode'] == 'plain':
            if not (isinstance(r.get('mirror_packets'), int) and
                    r['mirror_packets'] < r['truth_packets']):
                bad.append('%s: plain mirror under a %d Mbit/s cap delivered '
                           '%s of %s packets; expected losses'
                           % (tag, CAP, r.get('mirror_packets'),
                              r.get('truth_packets')))
    for case in CASES:
        for mode in ('elide', 'plain'):
            if not any(r['case'] == case and r['mode'] == mode for r in rows):
                bad.append('%s/%s: no run recorded' % (case, mode))
    return bad


def spread(rows):
    """Per elide case: min, max and values of the mirror counts."""
    out = {}
    for case in CASES:
        rs = [r for r in rows if r['case'] == case and r['mode'] == 'elide'
              and not r.get('error')]
        out[case] = {f: sorted(r[f] for r in rs)
                     for f in ('mirror_packets', 'mirror_bytes')}
    return out


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--runs', type=int, default=2, help='runs per case (2)')
    p.add_argument('--baseline', default=BASELINE)
    p.add_argument('--results', default=os.path.join(ROOT, 'results'))
    p.add_argument('--measure', type=int, metavar='N',
                   help='run N times per case and print the spread instead '
                   'of checking')
    a = p.parse_args(argv)

    if a.measure:
        rc, rows, d = run_experiment(a.results, a.measure, 'ci-measure')
        s = spread(rows)
        print(json.dumps({'runs': a.measure, 'commit': git_describe(),
                          'dir': os.path.relpath(os.path.realpath(d), ROOT),
                          'elide': s}, indent=2))
        return rc

    with open(a.baseline) as f:
        base = json.load(f)
    bad, dirs, n_runs = [], [], 0
    for dp in DATAPATHS:
        # plain does not depend on the realization: once.
        modes = 'elide,plain' if dp == DATAPATHS[0] else 'elide'
        rc, rows, d = run_experiment(a.results, a.runs,
                                     os.path.join('ci-regress', dp), dp, modes)
        n_runs += len(rows)
        if dp != DATAPATHS[0]:
            rows += [r for r in prev if r['mode'] == 'plain']
        prev = rows
        dirs.append(d)
        bad += ['%s: %s' % (dp, b) for b in check(rows, base)]
        if rc != 0:
            bad.append('%s: the experiment exited %d; see %s' % (dp, rc, d))
    if bad:
        log('ci-regress: FAILED against %s:' % os.path.relpath(a.baseline, ROOT))
        for b in bad:
            sys.stdout.write('  ' + b + '\n')
        sys.stdout.write('  (runs in %s; a deliberate change of these numbers '
                         'needs a new baseline: see results/README.md)\n'
                         % ' and '.join(os.path.relpath(os.path.realpath(x), ROOT)
                                        for x in dirs))
        return 1
    log('ci-regress: passed: elide mirrored packets and bytes within the '
        'baseline tolerance, 100 %% header coverage, all sha256 equal, plain '
        'lost packets under the cap (%s; %d runs)'
        % (', '.join(DATAPATHS), n_runs))
    return 0


if __name__ == '__main__':
    sys.exit(main())
