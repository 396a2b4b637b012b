"""experiments/workloads.py's campus sample against the AGH 2015 flow-size
distribution (experiments/data/flow-sizes-agh2015.csv): the byte share above
every threshold of the study, the seed, the arrivals and keep-alive split.

    /usr/bin/python3 -m unittest discover -s tests/py     (make test-py)
"""

import os
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'experiments'))

import workloads  # noqa: E402

CSV = os.path.join(ROOT, 'experiments', 'data', 'flow-sizes-agh2015.csv')


class CampusTest(unittest.TestCase):
    def sample(self, seed='elide-exp', total=240_000_000):
        return workloads.campus_sizes(CSV, seed, total, 200_000_000)

    def test_byte_shares_above_each_threshold(self):
        for seed in ('elide-exp', 'other', '7'):
            sizes = self.sample(seed)
            self.assertAlmostEqual(sum(sizes) / 240e6, 1.0, delta=0.01)
            for t in workloads.STUDY_THRESHOLDS:
                got = sum(s for s in sizes if s > t) / sum(sizes)
                want = workloads.byte_share_above(CSV, t)
                self.assertAlmostEqual(got, want, delta=0.01,
                                       msg='seed %s, above %d' % (seed, t))
            self.assertLessEqual(max(sizes), 200_000_000)
            self.assertGreaterEqual(min(sizes), 100)

    def test_distribution_shares(self):
        # The CSV's own points: 78.2 % of bytes in flows over 10 MB.
        self.assertAlmostEqual(workloads.byte_share_above(CSV, 10_000_000),
                               1 - 0.217954, places=6)
        self.assertAlmostEqual(workloads.byte_share_above(CSV, 1e9),
                               1 - 0.902202, places=6)

    def test_seeded(self):
        self.assertEqual(self.sample(), self.sample())
        self.assertNotEqual(self.sample(), self.sample('other'))

    def test_mice_outnumber_elephants(self):
        sizes = self.sample()
        small = sum(1 for s in sizes if s <= 16384)
        self.assertGreater(small / len(sizes), 0.9)
        self.assertGreaterEqual(sum(1 for s in sizes if s > 100_000_000), 1)

    def test_connections(self):
        sizes = self.sample()
        conns = workloads.campus_connections(sizes, 'elide-exp', 60, 0.3, 0.85,
                                             16384)
        self.assertEqual(sorted(sum(c[2]) for c in conns), sorted(sizes))
        starts = [c[0] for c in conns]
        self.assertEqual(starts, sorted(starts))
        # Poisson arrivals at 60 Mbit/s on average: the sample's bytes
        # over its duration, within 15 %.
        rate = sum(sizes) * 8 / starts[-1] / 1e6
        self.assertAlmostEqual(rate / 60, 1.0, delta=0.15)
        tls = sum(1 for c in conns if c[1]) / len(conns)
        self.assertAlmostEqual(tls, 0.85, delta=0.03)
        split = [c for c in conns if len(c[2]) > 1]
        self.assertTrue(split)
        for c in split:
            self.assertLess(sum(c[2]), 16384)
            self.assertTrue(all(p > 0 for p in c[2]))
        big = [c for c in conns if sum(c[2]) >= 16384]
        self.assertTrue(all(len(c[2]) == 1 for c in big))


if __name__ == '__main__':
    unittest.main()
