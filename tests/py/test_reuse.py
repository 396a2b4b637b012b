"""experiments/run.py --reuse: which runs of an earlier invocation the
threshold study may take instead of running them again (make experiment:
plain and elide at 10M on campus, from the main run).

    /usr/bin/python3 -m unittest discover -s tests/py     (make test-py)

No network: Reuse only reads args.txt and runs.csv.
"""

import csv
import os
import shutil
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'experiments'))

import run  # noqa: E402

ARGS = """git commit: abc
tree: clean
experiment code: experiments/ and topologies/ as committed
controller: elide-controller abc
date (UTC): %(stamp)s
command: /usr/bin/python3 experiments/run.py %(cmd)s
campus_bytes: 240000000
datapath: flows
experiments: %(exps)s
modes: %(modes)s
seed: elide-exp
thresholds: %(thr)s
mirror port: 1
case campus (campus): loss 0, ...
files (sha256 name size):
"""


class ReuseTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.stamp = '20260101T000000Z'
        self.d = os.path.join(self.tmp, 'campus', self.stamp)
        os.makedirs(self.d)
        with open(os.path.join(self.d, 'args.txt'), 'w') as f:
            f.write(ARGS % dict(stamp=self.stamp, cmd='main', exps="['x']",
                                modes="['plain', 'elide']", thr='[]'))
        with open(os.path.join(self.d, 'runs.csv'), 'w', newline='') as f:
            w = csv.writer(f)
            w.writerow(run.RECORD_FIELDS)
            for mode, err, budget in (('plain', '', 0), ('elide', '', 0),
                                      ('none', 'boom', 0),
                                      ('elide', '', 8000000)):
                rec = dict(experiment='campus', case='campus', cap_mbit=10,
                           mode=mode, variant=mode, threshold=10000000,
                           budget_bps=budget, run=1, error=err,
                           mirror_packets=7, coverage=0.9983,
                           raw='campus/%s/raw/cap10-%s-campus-r1'
                           % (self.stamp, mode))
                w.writerow([run.report.fmt(rec.get(k))
                            for k in run.RECORD_FIELDS])

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def mine(self, **kw):
        v = dict(stamp='20260101T010000Z', cmd='sweep', exps="['campus']",
                 modes="['plain', 'elide']", thr='[16384, 10000000]')
        v.update(kw)
        return ARGS % v

    def test_takes_the_same_runs_without_error(self):
        r = run.Reuse(self.d, self.mine())
        self.assertIsNone(r.why)
        self.assertEqual(sorted(r.runs), [
            ('campus', 'campus', 10.0, 'elide', 10000000, 0, 1),
            ('campus', 'campus', 10.0, 'plain', 10000000, 0, 1)])
        row, rec = r.runs['campus', 'campus', 10.0, 'plain', 10000000, 0, 1]
        self.assertEqual(row['coverage'], '0.9983')
        self.assertEqual(rec['mirror_packets'], 7)
        key = run.reuse_key('campus', 'campus', 10, 'elide', 10000000, 0, 1)
        self.assertIn(key, r.runs)
        self.assertNotIn(run.reuse_key('campus', 'campus', 0, 'elide',
                                       10000000, 0, 1), r.runs)

    def test_other_settings_take_nothing(self):
        r = run.Reuse(self.d, self.mine().replace('seed: elide-exp',
                                                  'seed: other'))
        self.assertIn('seed', r.why)
        self.assertEqual(r.runs, {})
        r = run.Reuse(self.d, self.mine().replace('abc', 'def'))
        self.assertIn('git commit', r.why)

    def test_older_or_incomplete_takes_nothing(self):
        r = run.Reuse(self.d, self.mine(), since='20260101T000001Z')
        self.assertIn('older', r.why)
        open(os.path.join(self.d, 'INCOMPLETE'), 'w').close()
        self.assertIn('INCOMPLETE', run.Reuse(self.d, self.mine()).why)


if __name__ == '__main__':
    unittest.main()
