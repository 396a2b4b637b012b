"""Compares a mirror capture with the ground truth.

The work is done by build/mirror-analyze (analysis/, C, libpcap), whose
--summary line is parsed here.  Without that binary, a stdlib fallback
counts packets and bytes only (HTTP = TCP with a port in --http-ports, the
rest "other"); the header coverage and body fields are then None, and the
run says so in its record ("analyzer=fallback").
"""

import os
import struct
import subprocess

from harness import ROOT

ANALYZER = os.path.join(ROOT, 'build', 'mirror-analyze')

SUMMARY_FIELDS = [
    'mirror_packets', 'mirror_bytes', 'truth_packets', 'truth_bytes',
    'conns', 'heads', 'heads_covered', 'coverage', 'leaked_body_bytes',
    'elided_body_bytes', 'elided_other_bytes', 'other_mirror_packets',
    'other_mirror_bytes',
]


def parse_summary(line):
    out = {}
    for word in line.split():
        key, sep, value = word.partition('=')
        if not sep:
            continue
        try:
            out[key] = float(value) if key == 'coverage' else int(value)
        except ValueError:
            out[key] = value
    missing = [k for k in SUMMARY_FIELDS if k not in out]
    if missing:
        raise ValueError('analyzer summary lacks %s: %r' % (missing, line))
    return out


def analyze(truth, mirror, http_ports, threshold, csv_path=None):
    """Returns (summary dict, which analyzer)."""
    if os.access(ANALYZER, os.X_OK):
        cmd = [ANALYZER, '--truth', truth, '--mirror', mirror,
               '--http-ports', http_ports, '--threshold', threshold,
               '--summary']
        if csv_path:
            cmd += ['--csv', csv_path]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if p.returncode != 0:
            raise RuntimeError('%s: exit %d: %s' % (' '.join(cmd), p.returncode,
                                                    p.stderr.strip()[-500:]))
        lines = [l for l in p.stdout.splitlines() if 'mirror_packets=' in l]
        if not lines:
            raise RuntimeError('%s printed no summary: %r'
                               % (ANALYZER, p.stdout[-500:]))
        return parse_summary(lines[-1]), 'mirror-analyze'
    ports = {int(x) for x in http_ports.split(',') if x}
    t_http, _t_other = count(truth, ports)
    m_http, m_other = count(mirror, ports)
    summary = dict.fromkeys(SUMMARY_FIELDS)
    summary.update(mirror_packets=m_http[0], mirror_bytes=m_http[1],
                   truth_packets=t_http[0], truth_bytes=t_http[1],
                   other_mirror_packets=m_other[0],
                   other_mirror_bytes=m_other[1])
    return summary, 'fallback'


def missing_heads(truth, mirror, http_ports, threshold):
    """The analyzer's list of heads the mirror did not deliver whole."""
    if not os.access(ANALYZER, os.X_OK):
        return ''
    p = subprocess.run([ANALYZER, '--truth', truth, '--mirror', mirror,
                        '--http-ports', http_ports, '--threshold', threshold,
                        '--missing'], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return p.stdout


def pcap_records(path):
    """(frame bytes as captured, length on the wire) of each record of a
    pcap file (micro- or nanosecond, either byte order), in order."""
    with open(path, 'rb') as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = head[:4]
        endian = {b'\xd4\xc3\xb2\xa1': '<', b'\x4d\x3c\xb2\xa1': '<',
                  b'\xa1\xb2\xc3\xd4': '>', b'\xa1\xb2\x3c\x4d': '>'}.get(magic)
        if endian is None:
            raise ValueError('%s: not a pcap file' % path)
        rec = struct.Struct(endian + 'IIII')
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            _s, _us, caplen, wirelen = rec.unpack(h)
            yield f.read(caplen), wirelen


def count(path, http_ports):
    """((packets, bytes) of HTTP frames, (packets, bytes) of the others),
    bytes being on-wire frame lengths.  Ethernet (+802.1Q) / IPv4 / TCP."""
    http, other = [0, 0], [0, 0]
    for data, wirelen in pcap_records(path):
        bucket = http if _is_http(data, http_ports) else other
        bucket[0] += 1
        bucket[1] += wirelen
    return tuple(http), tuple(other)


def _is_http(frame, ports):
    off, ethertype = 12, None
    while len(frame) >= off + 2:
        ethertype = struct.unpack_from('!H', frame, off)[0]
        if ethertype == 0x8100:
            off += 4
            continue
        off += 2
        break
    if ethertype != 0x0800 or len(frame) < off + 20:
        return False
    ihl = (frame[off] & 0x0f) * 4
    if frame[off + 9] != 6 or len(frame) < off + ihl + 4:
        return False
    sport, dport = struct.unpack_from('!HH', frame, off + ihl)
    return sport in ports or dport in ports
