"""Sizes: experiments/units.py, experiments/run.py's options and both C
binaries against the shared table tests/sizes.txt (its header gives the
grammar and the line format; tests/analysis/test_analyze.c checks the C
parse_size() against the same lines).

    /usr/bin/python3 -m unittest discover -s tests/py     (make test-py)

No network, no root: the binaries only parse options (--version ends them
before they open anything), and run.py only runs parse_args().
"""

import os
import re
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
EXP = os.path.join(ROOT, 'experiments')
sys.path.insert(0, EXP)

import units  # noqa: E402

SIZES = os.path.join(ROOT, 'tests', 'sizes.txt')
CONTROLLER = os.path.join(ROOT, 'build', 'elide-controller')
ANALYZER = os.path.join(ROOT, 'build', 'mirror-analyze')

_ESCAPES = {b'\\': b'\\', b'"': b'"', b't': b'\t', b'n': b'\n'}
_LINE = re.compile(rb'[ \t]*"((?:[^"\\\n]|\\.)*)"[ \t]+([0-9]+|invalid)'
                   rb'[ \t]*(?:#.*)?\n?')


def _unescape(raw, where):
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c != b'\\':
            out += c
            i += 1
        elif raw[i + 1:i + 2] in _ESCAPES:
            out += _ESCAPES[raw[i + 1:i + 2]]
            i += 2
        elif raw[i + 1:i + 2] == b'x' and re.fullmatch(
                rb'[0-9a-fA-F]{2}', raw[i + 2:i + 4]) and raw[i + 2:i + 4] \
                != b'00':
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError('%s: bad escape in %r' % (where, raw))
    return bytes(out)


def load_cases(path=SIZES):
    """[(where, input as bytes, byte count or None for invalid)], read as
    the C test reads the file: a malformed line is an error, not a skip."""
    cases = []
    with open(path, 'rb') as f:
        for n, line in enumerate(f, 1):
            where = '%s:%d' % (os.path.relpath(path, ROOT), n)
            if re.fullmatch(rb'[ \t]*(#.*)?\n?', line):
                continue
            m = _LINE.fullmatch(line)
            if not m:
                raise ValueError('%s: malformed line: %r' % (where, line))
            want = None if m.group(2) == b'invalid' else int(m.group(2))
            cases.append((where, _unescape(m.group(1), where), want))
    return cases


def _text(arg):
    """An argument as Python's sys.argv holds it."""
    return os.fsdecode(arg)


class Table(unittest.TestCase):
    def setUp(self):
        self.cases = load_cases()

    def test_every_case(self):
        for where, arg, want in self.cases:
            with self.subTest(where=where, input=arg):
                if want is None:
                    self.assertRaises(ValueError, units.parse_size, _text(arg))
                else:
                    self.assertEqual(units.parse_size(_text(arg)), want)

    def test_table_is_whole(self):
        # An emptied or truncated table must not pass.
        valid = sum(1 for c in self.cases if c[2] is not None)
        self.assertGreaterEqual(valid, 30)
        self.assertGreaterEqual(len(self.cases) - valid, 80)

    def test_loader_is_strict(self):
        bad = os.path.join(ROOT, 'build', 'test-py-bad-sizes.txt')
        os.makedirs(os.path.dirname(bad), exist_ok=True)
        for line in (b'"5" 5 junk\n', b'"5 5\n', b'5 5\n', b'"5"5\n',
                     b'"\\x00" invalid\n', b'"\\q" invalid\n', b'"5" -5\n'):
            with open(bad, 'wb') as f:
                f.write(line)
            with self.subTest(line=line):
                self.assertRaises(ValueError, load_cases, bad)
        os.unlink(bad)

    def test_python_only_cases(self):
        # int() refuses more than 4300 digits; strtoull() does not care.
        self.assertEqual(units.parse_size('0' * 5000 + '64Ki'), 65536)
        self.assertRaises(ValueError, units.parse_size,
                          '0' * 5000 + '18446744073709551616')
        self.assertRaises(ValueError, units.parse_size, '9' * 5000)
        self.assertRaises(ValueError, units.parse_size, b'5')
        self.assertRaises(ValueError, units.parse_size, 5)
        self.assertRaises(ValueError, units.parse_size, None)

    def test_lists(self):
        self.assertEqual(units.parse_size_list('1K,64Ki,,2Mi,'),
                         [1000, 65536, 2097152])
        self.assertEqual(units.parse_size_list(''), [])
        self.assertRaises(ValueError, units.parse_size_list, '1M,5k')
        self.assertRaises(ValueError, units.parse_size_list, '1M, 2M')


@unittest.skipUnless(os.access(CONTROLLER, os.X_OK) and
                     os.access(ANALYZER, os.X_OK),
                     'build/elide-controller or build/mirror-analyze missing')
class Binaries(unittest.TestCase):
    """The table against the programs themselves, message included."""

    def check(self, prog, option, arg, want):
        # --version comes after the option, so a value that parses ends
        # the program there with status 0, before it opens anything.
        p = subprocess.run([prog, option, arg, '--version'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        name = os.path.basename(prog)
        if want is None:
            self.assertEqual((p.returncode, p.stdout), (2, b''))
            self.assertEqual(p.stderr, os.fsencode(
                units.message(name, option, _text(arg))))
        else:
            self.assertEqual((p.returncode, p.stderr), (0, b''))

    def test_table(self):
        for where, arg, want in load_cases():
            for prog, option in ((CONTROLLER, '--threshold'),
                                 (CONTROLLER, '--entry-min'),
                                 (ANALYZER, '--threshold')):
                with self.subTest(where=where, input=arg, prog=prog,
                                  option=option):
                    self.check(prog, option, arg, want)

    def test_long_leading_zeros(self):
        for prog in (CONTROLLER, ANALYZER):
            self.check(prog, '--threshold', b'0' * 5000 + b'64Ki', 65536)


def parse_run(*argv):
    """experiments/run.py's parse_args() alone, in a child named run.py:
    exit status, stdout, stderr.  Only parse_args() runs, so a value that
    wrongly parses cannot start an experiment."""
    code = ('import sys; sys.argv[0] = "experiments/run.py"; '
            'sys.path.insert(0, "experiments"); import run; '
            'a = run.parse_args(sys.argv[1:]); '
            'print(a.threshold, a.threshold_bytes, a.mixed_cap, a.sizes, '
            'run.mode_args(a, "elide"))')
    p = subprocess.run([sys.executable, '-c', code] + list(argv), cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    return p.returncode, p.stdout, p.stderr


class RunOptions(unittest.TestCase):
    def test_accepts_the_controllers_sizes(self):
        rc, out, err = parse_run('--threshold', '64Ki', '--mixed-cap', '1Gi',
                                 '--sizes', '1K,64Ki,,3Mi')
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, "64Ki 65536 1073741824 [1000, 65536, 3145728] "
                         "['--threshold', '65536', '--http-ports', '80', "
                         "'--datapath', 'flows']\n")

    def test_defaults(self):
        sys.path.insert(0, EXP)
        import workloads
        rc, out, err = parse_run()
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, "10M 10000000 40000000 %s ['--threshold', "
                         "'10000000', '--http-ports', '80', '--datapath', 'flows']\n"
                         % workloads.SIZES)

    def test_rejects_with_the_controllers_message(self):
        for argv, what, value in (
                (['--threshold', '5k'], '--threshold', '5k'),
                (['--threshold', '5.5M'], '--threshold', '5.5M'),
                (['--threshold=64KiB'], '--threshold', '64KiB'),
                (['--threshold', ''], '--threshold', ''),
                (['--threshold', ' 5'], '--threshold', ' 5'),
                (['--threshold', '-1'], '--threshold', '-1'),
                (['--thresh', '5k'], '--threshold', '5k'),
                (['--mixed-cap', '40m'], '--mixed-cap', '40m'),
                (['--sizes', '1M,5k'], '--sizes', '1M,5k'),
                (['--experiments', 'table2', '--threshold', '5k'],
                 '--threshold', '5k')):
            with self.subTest(argv=argv):
                self.assertEqual(parse_run(*argv), (
                    2, '', units.message('run.py', what, value)))

    def test_threshold_only_through_threshold(self):
        # The analyzer would not see a threshold given in --ctl-args.
        for ctl in ('--threshold 1M', '--entry-min 0 --thr=1M'):
            rc, out, err = parse_run('--ctl-args', ctl)
            self.assertEqual((rc, out), (2, ''))
            self.assertIn('give the threshold as --threshold', err)
        rc, out, err = parse_run('--ctl-args', '--entry-min 0 -v')
        self.assertEqual((rc, err), (0, ''))
        self.assertTrue(out.endswith("'--entry-min', '0', '-v']\n"), out)


class Command(unittest.TestCase):
    def run_units(self, *argv):
        p = subprocess.run([sys.executable, os.path.join(EXP, 'units.py')]
                           + list(argv), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        return p.returncode, p.stdout, p.stderr

    def test_command(self):
        self.assertEqual(self.run_units('x.sh', 'SIZES', '36M', '1Ki', '7'),
                         (0, '36000000 1024 7\n', ''))
        self.assertEqual(self.run_units('x.sh', 'SIZES', '36M', '36m'),
                         (2, '', "x.sh: invalid SIZES: '36m'\n"))
        self.assertEqual(self.run_units('x.sh')[0], 2)


if __name__ == '__main__':
    unittest.main()
