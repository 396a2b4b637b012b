#!/usr/bin/python3
"""Redraws every table and figure from the data files, without a network.

    /usr/bin/python3 experiments/plot.py [--results DIR] [RUN_DIR...]

With no run directory: every DIR/*/last (DIR: results/ of the checkout
unless --results names another copy, e.g. to redraw a copy of the
committed results).  Each directory's runs.csv is aggregated again into
its .dat files and summary.md, and gnuplot draws the PDF and PNG figures
from the .dat files.
"""

import argparse
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
    rel = os.path.relpath(d, ROOT)
    print('redrew %s' % (d if rel.startswith('..') else rel))
    return True


def main(argv):
    ap = argparse.ArgumentParser(
        prog='plot.py', description='Redraws every table and figure from '
        'the data files, without a network.')
    ap.add_argument('--results', default=os.path.join(ROOT, 'results'),
                    metavar='DIR', help='redraw every DIR/*/last (default: '
                    'results/ of the checkout)')
    ap.add_argument('dirs', nargs='*', metavar='RUN_DIR',
                    help='redraw these run directories instead')
    a = ap.parse_args(argv)
    dirs = a.dirs or sorted(glob.glob(os.path.join(a.results, '*', 'last')))
    if not dirs:
        sys.exit('plot.py: no %s/*/last; run make experiment first'
                 % a.results)
    n = sum(1 for d in dirs if redraw(d))
    if n == 0:
        sys.exit('plot.py: no runs.csv in %s' % ' '.join(dirs))


if __name__ == '__main__':
    main(sys.argv[1:])
