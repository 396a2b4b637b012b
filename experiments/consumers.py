#!/usr/bin/python3
"""What independent monitors record from a capture, and how much of the
ground truth's record a mirror capture keeps.

    consumers.py TRUTH.pcap MIRROR.pcap [--http-ports 80,8080] [--diff F]

Four consumers, packaged in Debian and run as an operator would run them
on a mirror port, each on both captures:
- tshark: HTTP requests (method, host, URI) and responses (status, content
  type), TLS ClientHellos (server name, JA3), ServerHellos (JA3S), TLS 1.2
  certificates (their name strings), SSH version lines.  Bodies are not
  reassembled (http.desegment_body off: an IDS watching headers does not
  wait for 36 MB; heads split over segments are still reassembled).
- httpry: its HTTP log (one line per request and response head).
- ndpiReader (libndpi-bin): per flow, the protocol and the host name (SNI).
- p0f: SYN and SYN+ACK fingerprints.

Every record carries its connection's endpoints, and the timestamps are
dropped, so the two captures' records compare as multisets: a record of the
mirror matches one of the truth if equal; recall = matched / truth's;
false = the mirror's records that match none (a consumer misled by what
the mirror lacks).  Prints one line per consumer:
    tshark truth=12 matched=12 false=0
and with --diff writes the records that differ.
"""

import argparse
import collections
import concurrent.futures
import csv
import os
import subprocess
import sys
import tempfile

CONSUMERS = ['tshark', 'httpry', 'ndpi', 'p0f']

# tshark's fields; several occurrences in one frame (pipelined requests, a
# flight of TLS handshake messages) are joined with AGG.
AGG = '\x1f'
TSHARK_FIELDS = [
    'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport',
    'http.request.method', 'http.host', 'http.request.uri',
    'http.response.code', 'http.content_type',
    'tls.handshake.type', 'tls.handshake.extensions_server_name',
    'tls.handshake.ja3', 'tls.handshake.ja3s',
    'x509sat.uTF8String', 'x509sat.printableString', 'ssh.protocol',
]
TSHARK_OPTS = [
    '-o', 'http.desegment_body:FALSE',
    '-o', 'tcp.analyze_sequence_numbers:FALSE',
    '-o', 'tcp.calculate_timestamps:FALSE',
    '-o', 'tcp.check_checksum:FALSE',
]


TIMEOUT = 900


def _run(argv, **kw):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, errors='replace', timeout=TIMEOUT, **kw)
    except subprocess.TimeoutExpired:
        raise RuntimeError('%s: no result after %d s' % (argv[0], TIMEOUT))
    # A capture cut short (tcpdump stopped mid-write) still has its whole
    # packets: tshark says so and exits 2 after printing them.
    if p.returncode != 0 and 'cut short' not in p.stderr:
        raise RuntimeError('%s exited %d: %s' % (argv[0], p.returncode,
                                                  p.stderr.strip()[-300:]))
    return p.stdout


def _endpoint(ip4, ip6, port):
    ip = ip4 or ip6
    return '[%s]:%s' % (ip, port) if ':' in ip else '%s:%s' % (ip, port)


TSHARK_FILTER = ('http.request or http.response or tls.handshake.type '
                 'or ssh.protocol')


def tshark_command(pcap, http_ports, two_pass=True):
    """tshark's command line for tshark_records().  two_pass: the filter
    as read filter of a first pass (-2 -R), and again as display filter of
    the second: the first pass dissects every frame without building the
    visible tree that -T fields needs, the second builds it only for the
    frames that passed (and those they were reassembled from); its output
    is the one pass's, byte for byte (tests/py/test_consumers.py, and every
    capture of an experiment run), in half the time."""
    decode = []
    for port in http_ports:
        if port != 80:
            decode += ['-d', 'tcp.port==%d,http' % port]
    filters = (['-2', '-R', TSHARK_FILTER] if two_pass else []) + \
        ['-Y', TSHARK_FILTER]
    return ['tshark', '-n', '-r', pcap] + TSHARK_OPTS + decode + filters + [
        '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a',
        '-E', 'aggregator=' + AGG] + sum((['-e', f] for f in TSHARK_FIELDS),
                                          [])


def tshark_records(pcap, http_ports):
    """tshark's HTTP, TLS and SSH records of one capture."""
    out = _run(tshark_command(pcap, http_ports))
    recs = collections.Counter()
    # The TLS client of each connection: the sender of its first
    # ClientHello (or the receiver of its first ServerHello).  tshark
    # finds "handshakes" in ciphertext now and then (a ClientHello from
    # the server inside a 36 MB download); records against the client's
    # side are such misreadings, and the mirror, without that ciphertext,
    # could never match them.
    tls_client = {}
    for line in out.splitlines():
        v = dict(zip(TSHARK_FIELDS, line.split('\t')))
        if len(v) != len(TSHARK_FIELDS):
            continue
        src = _endpoint(v['ip.src'], v['ipv6.src'], v['tcp.srcport'])
        dst = _endpoint(v['ip.dst'], v['ipv6.dst'], v['tcp.dstport'])
        conn = '%s>%s' % (src, dst)
        split = lambda f: v[f].split(AGG) if v[f] else []
        methods, hosts, uris = (split('http.request.method'),
                                split('http.host'), split('http.request.uri'))
        for i, m in enumerate(methods):
            recs[('http_request', conn, m, hosts[i] if i < len(hosts) else '',
                  uris[i] if i < len(uris) else '')] += 1
        codes, ctypes = split('http.response.code'), split('http.content_type')
        for i, c in enumerate(codes):
            recs[('http_response', conn, c,
                  ctypes[i] if i < len(ctypes) else '')] += 1
        types = split('tls.handshake.type')
        pair = frozenset((src, dst))
        if '1' in types or '2' in types:
            tls_client.setdefault(pair, src if '1' in types else dst)
        if '1' in types and tls_client[pair] == src:
            recs[('tls_client_hello', conn,
                  v['tls.handshake.extensions_server_name'],
                  v['tls.handshake.ja3'])] += 1
        if '2' in types and tls_client[pair] == dst:
            recs[('tls_server_hello', conn, v['tls.handshake.ja3s'])] += 1
        if '11' in types:
            names = split('x509sat.uTF8String') + \
                split('x509sat.printableString')
            recs[('tls_certificate', conn, '|'.join(names))] += 1
        for proto in split('ssh.protocol'):
            recs[('ssh_version', conn, proto)] += 1
    return recs


def httpry_records(pcap, http_ports):
    """httpry's log lines, without their timestamps."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, 'httpry.log')
        bpf = ' or '.join('tcp port %d' % p for p in http_ports)
        _run(['httpry', '-q', '-r', pcap, '-o', log, '-f',
              'source-ip,source-port,dest-ip,dest-port,direction,method,host,'
              'request-uri,http-version,status-code,reason-phrase', bpf])
        recs = collections.Counter()
        if not os.path.exists(log):
            return recs
        with open(log, errors='replace') as f:
            for line in f:
                if line.startswith('#') or not line.strip():
                    continue
                recs[tuple(line.rstrip('\n').split('\t'))] += 1
        return recs


def ndpi_records(pcap, http_ports):
    """ndpiReader's flows: endpoints, protocol, host name."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'flows.csv')
        _run(['ndpiReader', '-q', '-i', pcap, '-C', out])
        recs = collections.Counter()
        if not os.path.exists(out):
            return recs
        with open(out, errors='replace', newline='') as f:
            rows = csv.reader(f)
            head = next(rows, None)
            if not head:
                return recs
            head[0] = head[0].lstrip('#')
            col = {name: i for i, name in enumerate(head)}
            need = ['src_ip', 'src_port', 'dst_ip', 'dst_port', 'ndpi_proto',
                    'server_name_sni']
            if any(n not in col for n in need + ['protocol']):
                raise RuntimeError('ndpiReader CSV lacks one of ' +
                                   ','.join(need + ['protocol']))
            last = max(col[n] for n in need + ['protocol'])
            for r in rows:
                if len(r) > last and r[col['protocol']] == '6':
                    recs[tuple(r[col[n]] for n in need)] += 1
        return recs


def p0f_records(pcap, http_ports):
    """p0f's SYN and SYN+ACK fingerprints."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, 'p0f.log')
        _run(['p0f', '-r', pcap, '-o', log, 'tcp'])
        recs = collections.Counter()
        if not os.path.exists(log):
            return recs
        with open(log, errors='replace') as f:
            for line in f:
                body = line.split('] ', 1)[-1].strip()
                kv = body.split('|')
                if kv and kv[0] in ('mod=syn', 'mod=syn+ack'):
                    recs[tuple(kv)] += 1
        return recs


READERS = {'tshark': tshark_records, 'httpry': httpry_records,
           'ndpi': ndpi_records, 'p0f': p0f_records}


def workers():
    """Tool runs at once: the CPUs, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def compare(truth, mirror, http_ports, diff_path=None, executor=None):
    """{consumer: {'truth': n, 'matched': n, 'false': n}}; a consumer that
    failed gets 'error'.  The eight runs (four tools, two captures) go on
    executor (a concurrent.futures one; default: one of workers() threads),
    tshark first (the longest); results and diff are those of running them
    one after the other."""
    own = executor is None
    ex = concurrent.futures.ThreadPoolExecutor(workers()) if own else executor
    try:
        futs = {(name, which): ex.submit(READERS[name], pcap, http_ports)
                for name in ('tshark', 'ndpi', 'p0f', 'httpry')
                for which, pcap in (('truth', truth), ('mirror', mirror))}
        got = {}
        for key, fut in futs.items():
            try:
                got[key] = (fut.result(), None)
            except Exception as e:  # noqa: BLE001 - reported per consumer
                got[key] = (None, e)
    finally:
        if own:
            ex.shutdown()
    result, diffs = {}, []
    for name in CONSUMERS:
        (t, et), (m, em) = got[name, 'truth'], got[name, 'mirror']
        if et or em:
            # one consumer must not end the run; the truth's error first,
            # as when the truth ran first and the mirror only after it
            e = et or em
            result[name] = {'error': '%s: %s' % (type(e).__name__, e)}
            continue
        matched = sum((t & m).values())
        result[name] = {'truth': sum(t.values()), 'matched': matched,
                        'false': sum((m - t).values())}
        for rec in sorted((t - m).elements()):
            diffs.append('%s missing %s' % (name, '\t'.join(rec)))
        for rec in sorted((m - t).elements()):
            diffs.append('%s false %s' % (name, '\t'.join(rec)))
    if diff_path:
        with open(diff_path, 'w') as f:
            f.write(''.join(d + '\n' for d in diffs))
    return result


def record_fields(result):
    """Flat fields for runs.csv: cons_<name>_{truth,matched,false}."""
    out = {}
    for name in CONSUMERS:
        r = result.get(name, {})
        for k in ('truth', 'matched', 'false'):
            out['cons_%s_%s' % (name, k)] = r.get(k, '')
    return out


FIELDS = ['cons_%s_%s' % (n, k) for n in CONSUMERS
          for k in ('truth', 'matched', 'false')]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('truth')
    ap.add_argument('mirror')
    ap.add_argument('--http-ports', default='80')
    ap.add_argument('--diff', help='write the records that differ here')
    a = ap.parse_args(argv)
    ports = [int(p) for p in a.http_ports.split(',') if p]
    res = compare(a.truth, a.mirror, ports, a.diff)
    rc = 0
    for name in CONSUMERS:
        r = res[name]
        if 'error' in r:
            print('%s error=%s' % (name, r['error']))
            rc = 1
        else:
            print('%s truth=%d matched=%d false=%d' % (
                name, r['truth'], r['matched'], r['false']))
    return rc


if __name__ == '__main__':
    sys.exit(main())
