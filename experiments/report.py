"""Data files, tables and figures from runs.csv -- no network needed.

build(dir) turns one experiment directory's runs.csv into <exp>.dat,
summary.md and the figures; overview() does the same across experiments.
plot.py (make plots) calls both on every results/*/last.
"""

import csv
import os
import re
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
GNUPLOT_DIR = os.path.join(HERE, 'gnuplot')

MODES = ['none', 'plain', 'selective', 'truncate', 'elide-paper', 'elide']
WORKLOADS = ['table2', 'sizes', 'keepalive', 'pipelined', 'retrans', 'mixed',
             'table2-tls', 'keepalive-tls', 'table2-ipv6', 'campus']

# The paper's Table 2 (IOTS 2016): packets and bytes that reached the monitor.
PAPER = [('paper-no-elision', 7418, 10444377), ('paper-elision', 13, 9927)]

INT_FIELDS = ['cap_mbit', 'run', 'mirror_packets', 'mirror_bytes',
              'truth_packets', 'truth_bytes', 'conns', 'heads',
              'heads_covered', 'leaked_body_bytes', 'elided_body_bytes',
              'elided_other_bytes', 'other_mirror_packets',
              'other_mirror_bytes', 'transfers', 'sha_ok', 'body_bytes',
              'tcpdump_drops', 'mirror_qdisc_drops']


def fmt(v):
    if v is None:
        return ''
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return '%.10g' % v
    return str(v)


def _num(text):
    if text in ('', None):
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def read_runs(path):
    with open(path, newline='') as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        rec = {k: _num(v) if k not in ('experiment', 'case', 'mode', 'error',
                                       'raw', 'analyzer', 'variant') else v
               for k, v in r.items()}
        rec['cap_mbit'] = float(rec['cap_mbit'] or 0)
        out.append(rec)
    return out


def cap_label(mbit):
    return 'cap%g' % mbit if mbit else 'uncapped'


def variant(r):
    """The mode as run: 'elide-t65536', 'elide-budget8000000' in a study,
    else the mode."""
    return r.get('variant') or r['mode']


# ---------------------------------------------------------------- aggregates

def _mean(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return sum(xs) / len(xs) if xs else None


def aggregate(rows, key):
    """Groups rows by key(row), keeping first-seen order; per group: runs,
    mean/min/max of the mirror counts, means of the rest, coverage as
    covered heads over heads (None if the analyzer gave none)."""
    groups = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    out = []
    for k, rs in groups.items():
        g = {'key': k, 'runs': len(rs), 'rows': rs}
        for f in ('mirror_packets', 'mirror_bytes'):
            vals = [r[f] for r in rs if isinstance(r.get(f), int)]
            g[f] = _mean(vals)
            g[f + '_min'] = min(vals) if vals else None
            g[f + '_max'] = max(vals) if vals else None
        for f in ('truth_packets', 'truth_bytes', 'leaked_body_bytes',
                  'elided_body_bytes', 'elided_other_bytes',
                  'other_mirror_packets', 'other_mirror_bytes', 'seconds',
                  'goodput_mbit', 'mirror_qdisc_drops', 'tcpdump_drops',
                  'ev_elide_start', 'ev_alert'):
            g[f] = _mean([r.get(f) for r in rs])
        heads = [r.get('heads') for r in rs]
        if all(isinstance(h, int) for h in heads) and sum(heads) > 0:
            g['heads'] = sum(heads)
            g['heads_covered'] = sum(r['heads_covered'] for r in rs)
            g['coverage'] = g['heads_covered'] / g['heads']
        else:
            g['heads'] = g['heads_covered'] = g['coverage'] = None
        g['transfers'] = sum(r.get('transfers') or 0 for r in rs)
        g['sha_ok'] = sum(r.get('sha_ok') or 0 for r in rs)
        g['errors'] = sum(1 for r in rs if r.get('error'))
        out.append(g)
    return out


def _n(v, digits=0):
    """Thousands separators for tables; '-' for None."""
    if v is None:
        return '-'
    if digits:
        return '{:,.{}f}'.format(v, digits)
    return '{:,}'.format(int(round(v)))


def _range(g, f):
    lo, hi = g.get(f + '_min'), g.get(f + '_max')
    if lo is None or lo == hi:
        return _n(g.get(f))
    return '%s (%s-%s)' % (_n(g.get(f)), _n(lo), _n(hi))


def _cov(g):
    return '-' if g.get('coverage') is None else '%.1f %%' % (100 * g['coverage'])


def markdown_table(groups, with_case=True):
    head = (['case'] if with_case else []) + [
        'mirror', 'mode', 'runs', 'mirror pkts', 'mirror bytes', 'truth pkts',
        'truth bytes', 'header coverage', 'leaked body B', 'sha256 ok', 's']
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '|'.join('---' if i < (3 if with_case else 2) else '---:'
                            for i in range(len(head))) + '|']
    for g in groups:
        case, cap, mode = g['key']
        cells = ([case] if with_case else []) + [
            cap_label(cap), mode, str(g['runs']),
            _range(g, 'mirror_packets'), _range(g, 'mirror_bytes'),
            _n(g['truth_packets']), _n(g['truth_bytes']), _cov(g),
            _n(g['leaked_body_bytes']),
            '%d/%d' % (g['sha_ok'], g['transfers']), _n(g['seconds'], 1)]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def summary_table(records):
    """The table printed at the end of a run."""
    groups = aggregate(records, lambda r: (r['case'], r['cap_mbit'], variant(r)))
    cols = ['case', 'mirror', 'mode', 'n', 'mirror pkts', 'mirror bytes',
            'truth pkts', 'coverage', 'sha', 'err']
    rows = [[g['key'][0], cap_label(g['key'][1]), g['key'][2], str(g['runs']),
             _n(g['mirror_packets']), _n(g['mirror_bytes']),
             _n(g['truth_packets']), _cov(g),
             '%d/%d' % (g['sha_ok'], g['transfers']), str(g['errors'])]
            for g in groups]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    line = lambda cells: '  '.join(  # noqa: E731
        c.ljust(w) if i < 3 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths)))
    return '\n'.join([line(cols), line(['-' * w for w in widths])] +
                     [line(r) for r in rows])


# ------------------------------------------------------------- data files

def _write_dat(path, header, rows):
    with open(path, 'w') as f:
        # A header line, not a comment: gnuplot's columnhead reads it.
        f.write(' '.join(header) + '\n')
        for r in rows:
            f.write(' '.join('NaN' if v is None else
                             ('"%s"' % v if isinstance(v, str) else fmt(v))
                             for v in r) + '\n')


DAT_FIELDS = ['case', 'param', 'cap_mbit', 'mode', 'runs',
              'mirror_packets', 'mirror_packets_min', 'mirror_packets_max',
              'mirror_bytes', 'mirror_bytes_min', 'mirror_bytes_max',
              'truth_packets', 'truth_bytes', 'coverage',
              'leaked_body_bytes', 'elided_body_bytes', 'other_mirror_bytes',
              'mirror_qdisc_drops', 'seconds', 'goodput_mbit']


def write_case_dat(path, groups):
    rows = []
    for g in groups:
        case, cap, mode = g['key']
        param = g['rows'][0].get('param')
        rows.append([case, param, cap, mode, g['runs']] +
                    [g.get(f) for f in DAT_FIELDS[5:]])
    _write_dat(path, DAT_FIELDS, rows)


def table2_rows(groups):
    """[label, capped pkts, capped bytes, uncapped pkts, uncapped bytes,
    paper pkts, paper bytes]: a row per mode of the table2 case, then the
    paper's two rows."""
    by = {(g['key'][1] != 0, g['key'][2]): g for g in groups
          if g['key'][0] == 'table2'}
    rows = []
    for mode in MODES:
        c, u = by.get((True, mode)), by.get((False, mode))
        if c is None and u is None:
            continue
        rows.append([mode,
                     c and c['mirror_packets'], c and c['mirror_bytes'],
                     u and u['mirror_packets'], u and u['mirror_bytes'],
                     None, None])
    for label, p, b in PAPER:
        rows.append([label, None, None, None, None, p, b])
    return rows


def table2_markdown(groups):
    by = {(g['key'][1], g['key'][2]): g for g in groups
          if g['key'][0] == 'table2'}
    caps = sorted({k[0] for k in by}, key=lambda c: (c == 0, c))
    head = '| mode | ' + ' | '.join(
        '%s pkts | %s bytes | coverage' % ((cap_label(c),) * 2)
        for c in caps) + ' |'
    lines = [head, '|---|' + '---:|---:|---:|' * len(caps)]
    for mode in MODES:
        if not any((c, mode) in by for c in caps):
            continue
        cells = [mode]
        for c in caps:
            g = by.get((c, mode))
            cells += ([_range(g, 'mirror_packets'), _range(g, 'mirror_bytes'),
                       _cov(g)] if g else ['-', '-', '-'])
        lines.append('| ' + ' | '.join(cells) + ' |')
    for label, p, b in PAPER:
        lines.append('| ' + ' | '.join([label.replace('-', ' '), _n(p), _n(b),
                                       '-'] + ['', '', ''] * (len(caps) - 1))
                     + ' |')
    return '\n'.join(lines) + '\n'


def sizes_rows(groups):
    """[size, then per cap (capped, uncapped): mirror bytes of each mode,
    then the ground truth bytes (mean over every mode's runs)]."""
    sizes = sorted({g['rows'][0]['param'] for g in groups})
    by = {(g['rows'][0]['param'], g['key'][1] != 0, g['key'][2]): g
          for g in groups}
    rows = []
    for s in sizes:
        row = [s]
        for capped in (True, False):
            for mode in MODES:
                g = by.get((s, capped, mode))
                row.append(g['mirror_bytes'] if g else None)
            row.append(_mean([g['truth_bytes'] for (s2, c, _m), g in by.items()
                              if s2 == s and c == capped]))
        rows.append(row)
    header = ['size'] + ['%s_%s' % (c, m) for c in ('capped', 'uncapped')
                         for m in MODES + ['truth']]
    return header, rows


# ------------------------------------------------------------------ figures

def gnuplot(script, out_base, **variables):
    """Draws script into out_base.pdf and out_base.png (pdfcairo and
    pngcairo).  Returns False if gnuplot is not installed."""
    if not shutil.which('gnuplot'):
        return False
    for term, ext in (('pdf', 'pdf'), ('png', 'png')):
        assigns = ['%s=%s' % (k, _gp(v)) for k, v in variables.items()]
        assigns += ["term='%s'" % term, "out='%s.%s'" % (out_base, ext)]
        p = subprocess.run(['gnuplot', '-e', '; '.join(assigns),
                            script], cwd=GNUPLOT_DIR,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if p.returncode != 0:
            raise RuntimeError('gnuplot %s: %s' % (script, p.stderr.strip()))
        if ext == 'pdf':
            _pin_pdf_date('%s.%s' % (out_base, ext))
    return True


def _pin_pdf_date(path):
    """cairo stamps each PDF with the time it was drawn (and ignores
    SOURCE_DATE_EPOCH); the date of the run directory replaces it, so that
    redrawing unchanged data leaves committed figures unchanged.  Same
    length, so the PDF's byte offsets stay valid."""
    m = re.search(r'(\d{8})T(\d{6})Z', path)
    if not m:
        return
    with open(path, 'rb') as f:
        data = f.read()
    fixed = re.sub(rb'/CreationDate \(D:\d{14}Z\)',
                   b'/CreationDate (D:' + (m.group(1) + m.group(2)).encode() +
                   b'Z)', data)
    if fixed != data:
        with open(path, 'wb') as f:
            f.write(fixed)


def _gp(v):
    if v is None:
        return 'NaN'
    if isinstance(v, str):
        return "'%s'" % v.replace("'", "''")
    return fmt(v)


# -------------------------------------------------------------- directories

def build(d, plots=True):
    """Rebuilds the data files, summary.md and figures of one experiment
    directory from its runs.csv."""
    rows = read_runs(os.path.join(d, 'runs.csv'))
    if not rows:
        return
    name = os.path.basename(os.path.dirname(os.path.abspath(d)))
    groups = aggregate(rows, lambda r: (r['case'], r['cap_mbit'], variant(r)))
    write_case_dat(os.path.join(d, 'cases.dat'), groups)
    md = ['# %s (%s)\n' % (name, os.path.basename(os.path.abspath(d))),
          'Per case, mirror cap and mode; mean over runs, (min-max) when '
          'runs differ.  Header coverage = covered heads / heads over all '
          'runs.\n', markdown_table(groups)]
    experiments = {r['experiment'] for r in rows}
    if is_sweep(rows):
        write_sweep(d, rows, md, plots)
    if 'table2' in experiments:
        rows2 = table2_rows(groups)
        _write_dat(os.path.join(d, 'table2.dat'),
                   ['label', 'capped_packets', 'capped_bytes',
                    'uncapped_packets', 'uncapped_bytes', 'paper_packets',
                    'paper_bytes'], rows2)
        md += ['\n## Table 2: one 36 MB GET, next to the paper\n',
               table2_markdown(groups)]
        if plots:
            gnuplot('table2.gp', os.path.join(d, 'table2'),
                    dat=os.path.join(d, 'table2.dat'))
    if 'sizes' in experiments:
        header, rows3 = sizes_rows([g for g in groups
                                    if g['rows'][0]['experiment'] == 'sizes'])
        _write_dat(os.path.join(d, 'sizes.dat'), header, rows3)
        capped = any(v is not None for r in rows3 for v in r[1:len(MODES) + 1])
        if plots and capped:    # the figure's panels need capped runs
            gnuplot('sizes.gp', os.path.join(d, 'sizes'),
                    dat=os.path.join(d, 'sizes.dat'))
    if not is_sweep(rows):      # the study has its own, per threshold
        write_consumers(d, rows, md, plots)
    with open(os.path.join(d, 'summary.md'), 'w') as f:
        f.write('\n'.join(md))


def workload_matrix(rows, field, capped):
    """Per workload (row) and mode (column): for mirror_bytes the mean over
    runs of the sum over the workload's cases; for coverage the covered
    heads over the heads.  Plus the ground truth bytes as a first column."""
    out = []
    for wl in WORKLOADS:
        rs = [r for r in rows if r['experiment'] == wl and
              (r['cap_mbit'] != 0) == capped]
        if not rs:
            continue
        row = [wl]
        if field == 'mirror_bytes':
            row.append(_per_run_sum([r for r in rs if r['mode'] == 'none'] or rs,
                                    'truth_bytes'))
        for mode in MODES:
            mr = [r for r in rs if r['mode'] == mode]
            if not mr:
                row.append(None)
            elif field == 'coverage':
                heads = [r.get('heads') for r in mr]
                if all(isinstance(h, int) for h in heads) and sum(heads):
                    row.append(100.0 * sum(r['heads_covered'] for r in mr) /
                               sum(heads))
                else:
                    row.append(None)
            else:
                row.append(_per_run_sum(mr, field))
        out.append(row)
    return out


def _per_run_sum(rs, field):
    """Sum over cases of the mean over runs of each case."""
    by = {}
    for r in rs:
        if isinstance(r.get(field), (int, float)):
            by.setdefault(r['case'], []).append(r[field])
    return sum(sum(v) / len(v) for v in by.values()) if by else None


def overview(results, stamp, dirs, plots=True, name='overview'):
    """results/<name>/<stamp>/: every experiment's runs in one runs.csv,
    the cross-workload data files and figures, a `last` link."""
    d = os.path.join(results, name, stamp)
    os.makedirs(d, exist_ok=True)
    header, all_rows = None, []
    for exp in sorted(dirs):
        with open(os.path.join(dirs[exp], 'runs.csv'), newline='') as f:
            rd = csv.reader(f)
            h = next(rd)
            header = header or h
            all_rows += list(rd)
    with open(os.path.join(d, 'runs.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(all_rows)
    with open(os.path.join(d, 'sources.txt'), 'w') as f:
        for exp in sorted(dirs):
            f.write('%s\n' % os.path.relpath(dirs[exp], results))
    build_overview(d, plots)
    link = os.path.join(results, name, 'last')
    if os.path.islink(link) or os.path.exists(link):
        os.unlink(link)
    os.symlink(stamp, link)
    return d


def build_overview(d, plots=True):
    rows = read_runs(os.path.join(d, 'runs.csv'))
    md = ['# Overview (%s)\n' % os.path.basename(os.path.abspath(d))]
    drawn = []                  # the mirror_bytes_*.dat files with a row
    for capped in (True, False):
        tag = 'capped' if capped else 'uncapped'
        m = workload_matrix(rows, 'mirror_bytes', capped)
        _write_dat(os.path.join(d, 'mirror_bytes_%s.dat' % tag),
                   ['workload', 'truth'] + MODES, m)
        if m:
            drawn.append(tag)
            md += ['\n## Mirrored bytes per workload and mode, %s\n' % tag,
                   'Sum over the workload\'s cases of the mean over runs; '
                   '"truth" is what the client captured.\n',
                   _matrix_md(m, ['truth'] + MODES, _n)]
    cov = workload_matrix(rows, 'coverage', True)
    _write_dat(os.path.join(d, 'coverage_capped.dat'), ['workload'] + MODES,
               cov)
    if cov:
        md += ['\n## Header coverage (%) per workload and mode, mirror capped\n',
               _matrix_md(cov, MODES, lambda v: _n(v, 1))]
    write_consumers(d, rows, md, plots)
    groups = aggregate(rows, lambda r: (r['case'], r['cap_mbit'], variant(r)))
    md += ['\n## Every case\n', markdown_table(groups)]
    with open(os.path.join(d, 'summary.md'), 'w') as f:
        f.write('\n'.join(md))
    if plots:
        for capped in drawn:
            gnuplot('bytes_by_workload.gp',
                    os.path.join(d, 'mirror_bytes_%s' % capped),
                    dat=os.path.join(d, 'mirror_bytes_%s.dat' % capped),
                    title='Mirrored bytes per workload and mode, mirror %s'
                    % ('capped at 10 Mbit/s' if capped == 'capped'
                       else 'uncapped'))
        dat = os.path.join(d, 'coverage_capped.dat')
        if cov and any(v is not None for r in cov for v in r[1:]):
            gnuplot('coverage.gp', os.path.join(d, 'coverage_capped'), dat=dat)


CONSUMERS = ['tshark', 'httpry', 'ndpi', 'p0f']


def consumer_matrix(rows, capped):
    """Per consumer (row) and mode (column), over every run with the
    mirror capped (or not): recall in % (records of the mirror's output
    that match the truth's, over the truth's) and false records (in the
    mirror's output only), each None where the truth had no record."""
    recall, false = [], []
    for c in CONSUMERS:
        rr, ff = [c], [c]
        for mode in MODES:
            rs = [r for r in rows if r['mode'] == mode and
                  (r['cap_mbit'] != 0) == capped and
                  isinstance(r.get('cons_%s_truth' % c), int)]
            truth = sum(r['cons_%s_truth' % c] for r in rs)
            rr.append(100.0 * sum(r['cons_%s_matched' % c] for r in rs) / truth
                      if truth else None)
            ff.append(sum(r['cons_%s_false' % c] for r in rs) if rs else None)
        recall.append(rr)
        false.append(ff)
    return recall, false


def consumers_md(rows, capped):
    recall, false = consumer_matrix(rows, capped)
    if all(v is None for r in recall for v in r[1:]):
        return ''
    lines = ['| consumer | ' + ' | '.join(MODES) + ' |',
             '|---|' + '---:|' * len(MODES)]
    for rr, ff in zip(recall, false):
        cells = ['-' if v is None else '%.1f (%d)' % (v, f)
                 for v, f in zip(rr[1:], ff[1:])]
        lines.append('| %s | %s |' % (rr[0], ' | '.join(cells)))
    return '\n'.join(lines) + '\n'


def write_consumers(d, rows, md, plots):
    """consumers_{capped,uncapped}.dat, their tables in md, and the
    figure of recall under the cap."""
    for capped in (True, False):
        tag = 'capped' if capped else 'uncapped'
        recall, false = consumer_matrix(rows, capped)
        _write_dat(os.path.join(d, 'consumers_%s.dat' % tag),
                   ['consumer'] + MODES + ['false_' + m for m in MODES],
                   [r + f[1:] for r, f in zip(recall, false)])
        table = consumers_md(rows, capped)
        if table:
            md += ['\n## Independent consumers on the mirror, %s\n' % tag,
                   'Recall in % (records of the consumer\'s output on the '
                   'mirror that match its output on the ground truth, over '
                   'all runs) and, in parentheses, false records (on the '
                   'mirror only).  "-": the truth gave that consumer no '
                   'record.\n', table]
    dat = os.path.join(d, 'consumers_capped.dat')
    recall, _ = consumer_matrix(rows, True)
    if plots and any(v is not None for r in recall for v in r[1:]):
        gnuplot('consumers.gp', os.path.join(d, 'consumers_capped'), dat=dat)


# ------------------------------------------------------------ the study

SWEEP_FIELDS = ['threshold', 'mirror_bytes', 'coverage_pct', 'tshark',
                'httpry', 'ndpi', 'p0f', 'mirrored_body_bytes', 'bound_bytes',
                'analytic_bytes', 'runs']


def is_sweep(rows):
    ts = {r.get('threshold') for r in rows if r['mode'] == 'elide'}
    return len(ts) > 1 or any(r.get('budget_bps') for r in rows)


def _sweep_point(rs):
    """Means over runs of one variant (one threshold, plain, or the
    budget): mirrored bytes, head coverage in %, consumer recall in %,
    cleartext body bytes at the monitor, and the two bounds."""
    def mean(f):
        return _mean([r.get(f) for r in rs])
    heads = sum(r['heads'] for r in rs if isinstance(r.get('heads'), int))
    cov = (100.0 * sum(r['heads_covered'] for r in rs
                       if isinstance(r.get('heads_covered'), int)) / heads
           if heads else None)
    rec = []
    for c in CONSUMERS:
        t = sum(r['cons_%s_truth' % c] for r in rs
                if isinstance(r.get('cons_%s_truth' % c), int))
        rec.append(100.0 * sum(r['cons_%s_matched' % c] for r in rs
                               if isinstance(r.get('cons_%s_matched' % c), int))
                   / t if t else None)
    return [mean('mirror_bytes'), cov] + rec + [
        mean('mirrored_body_bytes'), mean('bound_body_bytes'),
        mean('analytic_body_bytes'), len(rs)]


def sweep_tables(rows):
    """Per cap: (threshold rows, plain row, budget row), each as
    SWEEP_FIELDS (see run.py for the bounds)."""
    out = {}
    for capped in (True, False):
        rs = [r for r in rows if (r['cap_mbit'] != 0) == capped]
        if not rs:
            continue
        pts = []
        for t in sorted({r['threshold'] for r in rs if r['mode'] == 'elide'
                         and not r.get('budget_bps')
                         and isinstance(r.get('threshold'), int)}):
            g = [r for r in rs if r['mode'] == 'elide' and r['threshold'] == t
                 and not r.get('budget_bps')]
            pts.append([t] + _sweep_point(g))
        plain = [r for r in rs if r['mode'] == 'plain']
        budget = [r for r in rs if r.get('budget_bps')]
        out['capped' if capped else 'uncapped'] = (
            pts, [None] + _sweep_point(plain) if plain else None,
            [None] + _sweep_point(budget) if budget else None)
    return out


def write_sweep(d, rows, md, plots):
    """sweep_{capped,uncapped}.dat (one line per threshold), the tables
    and the figure (plain and the budget as lines: their values go to
    gnuplot as variables, NaN when absent)."""
    tabs = sweep_tables(rows)
    for tag, (pts, plain, budget) in tabs.items():
        _write_dat(os.path.join(d, 'sweep_%s.dat' % tag), SWEEP_FIELDS,
                   pts + [r for r in (plain, budget) if r])
        lines = ['| threshold | mirrored bytes | heads covered % | tshark % | '
                 'httpry % | nDPI % | p0f % | body bytes at the monitor | '
                 'bound | distribution |', '|---|' + '---:|' * 9]
        for label, row in ([(units_label(p[0]), p) for p in pts] +
                           [('plain', plain), ('budget', budget)]):
            if row:
                lines.append('| %s | %s |' % (label, ' | '.join(
                    _n(v) if i in (0, 6, 7, 8) else _n(v, 1)
                    for i, v in enumerate(row[1:10]))))
        md += ['\n## The threshold study, mirror %s\n' % tag,
               'elide at each threshold, plain and the mirror budget on the '
               'same workload; means over runs.  Recall: each consumer\'s '
               'records kept on the mirror.  Body bytes: cleartext HTTP '
               'bodies the monitor received.  Bound: the cleartext bodies '
               'under the threshold that the run fetched (the most the '
               'monitor can get); distribution: the same expected from the '
               'flow-size distribution (its byte share under the threshold, '
               'times the sample\'s bytes and its cleartext share).\n',
               '\n'.join(lines) + '\n']
    off = read_offline_sweep(os.path.join(d, 'sweep_offline.dat'))
    if off:
        unc = {p[0]: p for p in tabs.get('uncapped', ([], None, None))[0]}
        lines = ['| threshold | mirrored packets | mirrored bytes | uncapped '
                 'testbed | body bytes mirrored | uncapped testbed | bodies '
                 'elided |', '|---|' + '---:|' * 6]
        for r in off['rows']:
            t = unc.get(r['threshold'])
            lines.append('| %s | %s | %s | %s | %s | %s | %s |' % (
                units_label(r['threshold']), _n(r['mirror_packets']),
                _n(r['mirror_bytes']), _n(t[1]) if t else '',
                _n(r['body_bytes_mirrored']), _n(t[7]) if t else '',
                _n(r['bodies_elided'])))
        md += ['\n## The threshold study offline\n',
               'elide-replay --sweep over the ground truth of one uncapped '
               'run (%s): the controller\'s code against an ideal switch, '
               'every threshold in one pass, next to the uncapped testbed\'s '
               'means.\n' % off['source'], '\n'.join(lines) + '\n']
    if plots and 'capped' in tabs and tabs['capped'][0]:
        var = {}
        for name, row in (('p', tabs['capped'][1]), ('b', tabs['capped'][2])):
            for i, f in ((1, 'bytes'), (2, 'cov'), (3, 'tshark'), (7, 'body')):
                var['%s_%s' % (name, f)] = row[i] if row else None
        udat = os.path.join(d, 'sweep_uncapped.dat')
        if 'uncapped' not in tabs:
            _write_dat(udat, SWEEP_FIELDS, [])
        gnuplot('sweep.gp', os.path.join(d, 'sweep'),
                dat=os.path.join(d, 'sweep_capped.dat'), udat=udat,
                odat=os.path.join(d, 'sweep_offline.dat') if off else '',
                **var)


def read_offline_sweep(path):
    """sweep_offline.dat (run.py offline_sweep()): {'source': its first
    comment, 'rows': [{column: int}]}, or None."""
    if not os.path.exists(path):
        return None
    source, head, rows = '', None, []
    with open(path) as f:
        for line in f:
            if line.startswith('#'):
                source = source or line[1:].strip()
            elif head is None:
                head = line.split()
            elif line.strip():
                rows.append(dict(zip(head, (int(v) for v in line.split()))))
    return {'source': source, 'rows': rows}


def units_label(n):
    for div, suf in ((1 << 30, 'Gi'), (1 << 20, 'Mi'), (1 << 10, 'Ki'),
                     (10**9, 'G'), (10**6, 'M'), (10**3, 'K')):
        if n >= div and n % div == 0:
            return '%d%s' % (n // div, suf)
    return str(n)


def _matrix_md(m, cols, f):
    lines = ['| workload | ' + ' | '.join(cols) + ' |',
             '|---|' + '---:|' * len(cols)]
    for r in m:
        lines.append('| ' + ' | '.join([r[0]] + [f(v) for v in r[1:]]) + ' |')
    return '\n'.join(lines) + '\n'

