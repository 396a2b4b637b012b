#!/usr/bin/python3
"""Redraws every table and figure from the data files, without a network.

    /usr/bin/python3 experiments/plot.py [RESULTS_DIR_OR_RUN_DIR...]

With no argument: every results/*/last.  Each directory's runs.csv is
aggregated again into its .dat files and summary.md, and gnuplot draws the
PDF and PNG figures from the .dat files.
"""

import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import report  # noqa: E402

ROOT = os.path.dirname(HERE)


def redraw(d):
    d = os.path.realpath(d)
    if not os.path.exists(os.path.join(d, 'runs.csv')):
        return False
    if os.path.basename(os.path.dirname(d)).startswith('overview'):
        report.build_overview(d)
    else:
        report.build(d)
    print('redrew %s' % os.path.relpath(d, ROOT))
    return True


def main(argv):
    dirs = argv or sorted(glob.glob(os.path.join(ROOT, 'results', '*', 'last')))
    if not dirs:
        sys.exit('plot.py: no results/*/last; run make experiment first')
    n = sum(1 for d in dirs if redraw(d))
    if n == 0:
        sys.exit('plot.py: no runs.csv in %s' % ' '.join(dirs))


if __name__ == '__main__':
    main(sys.argv[1:])
