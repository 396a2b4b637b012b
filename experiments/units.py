#!/usr/bin/python3
"""Sizes on the command line, read exactly as the controller reads them.

parse_size() is controller/units.c's parse_size() in Python: ASCII digits,
then nothing or K/M/G (10^3/10^6/10^9) or Ki/Mi/Gi (2^10/2^20/2^30),
case-sensitive, at most 2^64-1.  tests/sizes.txt holds the cases both are
checked against, so that a value the harness accepts is one the controller
and the analyzer accept, with the same byte count.

The argparse actions (Size, SizeList, SizeText) reject a value with the
controller's message and exit status 2:

    run.py: invalid --threshold: '5k'
    Try 'run.py --help'.

As a command, for shell scripts:

    /usr/bin/python3 experiments/units.py PROG WHAT SIZE...

prints the byte counts on one line, or PROG's message naming WHAT and
exits 2.
"""

import argparse
import re
import sys

UINT64_MAX = 2**64 - 1

# The pattern spells out [0-9] because \d and int() also take other
# scripts' digits, and fullmatch() because $ would take a trailing newline.
_SIZE = re.compile(r'([0-9]+)(K|M|G|Ki|Mi|Gi)?')
_MULT = {None: 1, 'K': 10**3, 'M': 10**6, 'G': 10**9,
         'Ki': 2**10, 'Mi': 2**20, 'Gi': 2**30}


def parse_size(text):
    """'64Ki' -> 65536; ValueError for anything controller/units.c rejects."""
    m = _SIZE.fullmatch(text) if isinstance(text, str) else None
    if not m:
        raise ValueError('invalid size: %r' % (text,))
    # Leading zeros are dropped first: int() refuses strings of more than
    # 4300 digits, and strtoull() reads any number of zeros.
    digits = m.group(1).lstrip('0') or '0'
    value = int(digits) * _MULT[m.group(2)] if len(digits) <= 20 else None
    if value is None or value > UINT64_MAX:
        raise ValueError('size out of range: %r' % (text,))
    return value


def parse_size_list(text):
    """'1K,64Ki' -> [1000, 65536]; empty elements are skipped."""
    return [parse_size(s) for s in text.split(',') if s]


def message(prog, what, value, hint=True):
    """The text of controller/main.c's bad(), for program prog."""
    text = "%s: invalid %s: '%s'\n" % (prog, what, value)
    if hint:
        text += "Try '%s --help'.\n" % prog
    return text


class Size(argparse.Action):
    """action=units.Size: a SIZE option, stored as its byte count.  A
    string default is converted too (an invalid one is a bug: ValueError).
    A type= function cannot give the controller's message, as argparse
    prints its usage and 'argument --threshold:' before the function's
    text; an action knows the option and the parser."""

    def __init__(self, option_strings, dest, default=None, **kw):
        if isinstance(default, str):
            default = self.convert(default)
        super().__init__(option_strings, dest, default=default, **kw)

    @staticmethod
    def convert(text):
        return parse_size(text)

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            value = self.convert(values)
        except ValueError:
            parser.exit(2, message(parser.prog, option_string or self.dest,
                                   values))
        setattr(namespace, self.dest, value)


class SizeList(Size):
    """action=units.SizeList: a comma list of SIZEs, stored as a list of
    byte counts; the message quotes the whole value, as the controller's
    does for --http-ports."""

    @staticmethod
    def convert(text):
        return parse_size_list(text)


class SizeText(Size):
    """action=units.SizeText: a SIZE option checked, but stored as written,
    for a value recorded as the user gave it (parse_size() of it cannot
    fail afterwards)."""

    @staticmethod
    def convert(text):
        parse_size(text)
        return text


def main(argv):
    if len(argv) < 2:
        sys.stderr.write('usage: units.py PROG WHAT SIZE...\n')
        return 2
    prog, what, values = argv[0], argv[1], argv[2:]
    out = []
    for v in values:
        try:
            out.append(str(parse_size(v)))
        except ValueError:
            sys.stderr.write(message(prog, what, v, hint=False))
            return 2
    print(' '.join(out))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
