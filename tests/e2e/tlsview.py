#!/usr/bin/env python3
"""What a monitor got of TLS and SSH connections, against the truth.

    tlsview.py tls|ssh TRUTH.pcap MON.pcap PORT [SLICE_PAYLOAD]

tshark dissects both captures (TLS on PORT, or SSH on PORT).  Per
connection of the truth it finds where the handshake ends: TLS, the
client's first application_data record once the ServerHello chose 1.3,
else the client's first record after its ChangeCipherSpec (the encrypted
Finished), and the server's likewise, the later of the two; SSH, the later
of the two NEWKEYS.  Then it matches the monitor's segments to the truth's
by (direction, sequence number) and prints one line of key=value:

  conns             connections in the truth
  client_hello      "T/M": ClientHello (SSH: KEXINIT) messages in truth/mon
  server_hello      same for ServerHello (SSH: the server's KEXINIT)
  cert              TLS Certificate messages truth/mon (TLS 1.2 sends them
                    in clear)
  versions          SSH version lines truth/mon
  late              monitor segments with payload after the handshake's end
                    (elide: must be 0)
  late_long         of those, segments with more than SLICE_PAYLOAD payload
                    bytes captured (slice: must be 0)
  late_flags        SYN/FIN/RST segments after the end, truth/mon
  mon_payload       payload bytes the monitor captured
  truth_payload     payload bytes in the truth
Exit status 1 if the truth has no complete handshake (the test would
prove nothing), 0 otherwise."""
import subprocess
import sys
from collections import defaultdict

FIELDS_TLS = ['frame.number', 'tcp.stream', 'ip.src', 'tcp.srcport', 'tcp.seq_raw',
              'tcp.len', 'tcp.flags', 'frame.cap_len', 'tcp.hdr_len', 'ip.hdr_len',
              'ipv6.src',
              'tls.record.content_type', 'tls.record.opaque_type', 'tls.handshake.type',
              'tls.handshake.extensions.supported_version']
FIELDS_SSH = FIELDS_TLS[:11] + ['ssh.message_code', 'ssh.protocol']


def rows(pcap, proto, port):
    fields = FIELDS_TLS if proto == 'tls' else FIELDS_SSH
    dec = ['-d', 'tcp.port==%s,%s' % (port, proto)]
    cmd = ['tshark', '-r', pcap, '-n', '-o', 'tcp.relative_sequence_numbers:FALSE',
           '-Y', 'tcp.port==%s' % port, '-T', 'fields', '-E', 'separator=\t',
           '-E', 'aggregator=,'] + dec
    for f in fields:
        cmd += ['-e', f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        v = line.split('\t')
        v += [''] * (len(fields) - len(v))
        yield dict(zip(fields, v))


def ints(s):
    return [int(x, 0) for x in s.split(',') if x]


def view(truth_rows, mon_rows, proto, port, slice_payload=5):
    """The counts of the module's docstring, from rows() of the truth and
    of the monitor, as a dict in the order main() prints them."""
    conns = defaultdict(list)
    for r in truth_rows:
        conns[r['tcp.stream']].append(r)
    ends = {}                    # stream -> frame number where it ended
    ch = sh = cert = ver = 0
    for s, frames in conns.items():
        tls13 = False
        after_ccs = {True: False, False: False}
        end = {True: None, False: None}
        for r in frames:
            c2s = int(r['tcp.srcport']) != port
            n = int(r['frame.number'])
            if proto == 'tls':
                # tshark names the outer type of a TLS 1.3 record opaque_type
                types = ints(r['tls.record.content_type']) + ints(r['tls.record.opaque_type'])
                hs = ints(r['tls.handshake.type'])
                if end[c2s] is None:
                    # tshark may take ciphertext for a record after a
                    # capture's loss: only the handshake's own count
                    ch += hs.count(1) if c2s else 0
                    sh += hs.count(2) if not c2s else 0
                    cert += hs.count(11) if not c2s else 0
                if 0x0304 in ints(r['tls.handshake.extensions.supported_version']) \
                        and 2 in hs:
                    tls13 = True
                for t in types:
                    if end[c2s] is None and (t == 23 or (after_ccs[c2s] and t != 20)):
                        end[c2s] = n
                    if t == 20 and not tls13:
                        after_ccs[c2s] = True
            else:
                codes = ints(r['ssh.message_code'])
                if c2s:
                    ch += codes.count(20)
                else:
                    sh += codes.count(20)
                ver += 1 if r['ssh.protocol'] else 0
                if 21 in codes and end[c2s] is None:
                    end[c2s] = n
        if end[True] is not None and end[False] is not None:
            ends[s] = (max(end[True], end[False]), frames)
    # Monitor: (direction, seq) -> truth frame number of each stream.
    index = {}
    truth_payload = 0
    for s, frames in conns.items():
        for r in frames:
            c2s = int(r['tcp.srcport']) != port
            key = (r['ip.src'] or r['ipv6.src'], r['tcp.srcport'], int(r['tcp.seq_raw']))
            index.setdefault(key, (s, int(r['frame.number'])))
            truth_payload += int(r['tcp.len'] or 0)
    mch = msh = mcert = mver = 0
    late = late_long = late_flags_m = mon_payload = 0
    for r in mon_rows:
        c2s = int(r['tcp.srcport']) != port
        hdr = 14 + int(r['ip.hdr_len'] or (40 if r['ipv6.src'] else 20)) \
            + int(r['tcp.hdr_len'] or 20)
        captured = max(0, int(r['frame.cap_len']) - hdr)
        captured = min(captured, int(r['tcp.len'] or 0))
        mon_payload += captured
        key = (r['ip.src'] or r['ipv6.src'], r['tcp.srcport'], int(r['tcp.seq_raw']))
        s, n = index.get(key, (None, 0))
        in_hs = s in ends and n <= ends[s][0]
        if proto == 'tls':
            hs = ints(r['tls.handshake.type']) if in_hs else []
            mch += hs.count(1) if c2s else 0
            msh += hs.count(2) if not c2s else 0
            mcert += hs.count(11) if not c2s else 0
        else:
            codes = ints(r['ssh.message_code'])
            if c2s:
                mch += codes.count(20)
            else:
                msh += codes.count(20)
            mver += 1 if r['ssh.protocol'] else 0
        if s is None:
            continue
        if s in ends and n > ends[s][0]:
            if int(r['tcp.flags'], 16) & 0x07:
                late_flags_m += 1
            if captured:
                late += 1
                if captured > slice_payload:
                    late_long += 1
    late_flags_t = 0
    for s, (end, frames) in ends.items():
        late_flags_t += sum(1 for r in frames if int(r['frame.number']) > end
                            and int(r['tcp.flags'], 16) & 0x07)
    return {'conns': len(conns), 'handshakes': len(ends),
            'client_hello': '%d/%d' % (ch, mch),
            'server_hello': '%d/%d' % (sh, msh), 'cert': '%d/%d' % (cert, mcert),
            'versions': '%d/%d' % (ver, mver), 'late': late,
            'late_long': late_long,
            'late_flags': '%d/%d' % (late_flags_t, late_flags_m),
            'mon_payload': mon_payload, 'truth_payload': truth_payload}


def main():
    proto, truth, mon, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    slice_payload = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    v = view(rows(truth, proto, port), rows(mon, proto, port), proto, port,
             slice_payload)
    print(' '.join('%s=%s' % kv for kv in v.items()))
    return 0 if v['handshakes'] else 1


if __name__ == '__main__':
    sys.exit(main())
