"""experiments/consumers.py against captures written here with scapy: one
HTTP connection in full (the truth) and mirrors that lack its response
head or carry a changed request.  Each consumer (tshark, httpry,
ndpiReader, p0f) really runs.

    /usr/bin/python3 -m unittest discover -s tests/py     (make test-py)
"""

import os
import shutil
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'experiments'))

import consumers  # noqa: E402

TOOLS = ['tshark', 'httpry', 'ndpiReader', 'p0f']
MISSING = [t for t in TOOLS if not shutil.which(t)]

try:
    from scapy.all import IP, TCP, Ether, Raw, wrpcap  # noqa: E402
except ImportError:     # pragma: no cover
    wrpcap = None       # setUp() says so

CLI, SRV, CPORT = '10.0.0.1', '10.0.0.2', 40000
REQ = b'GET /big.bin HTTP/1.1\r\nHost: www.elide.test\r\nUser-Agent: t\r\n\r\n'
RESP = (b'HTTP/1.1 200 OK\r\nServer: t\r\nContent-Type: text/plain\r\n'
        b'Content-Length: 2896\r\n\r\n')
OPTS = [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (1, 0)), ('NOP', None),
        ('WScale', 7)]


def connection(request=REQ, with_head=True):
    """Frames of one HTTP exchange; without its response head if asked."""
    c2s = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / \
        IP(src=CLI, dst=SRV, ttl=64, flags='DF', id=1)
    s2c = Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01') / \
        IP(src=SRV, dst=CLI, ttl=64, flags='DF', id=0)
    cs, ss = 1000, 5000
    f = [c2s / TCP(sport=CPORT, dport=80, flags='S', seq=cs, window=64240,
                   options=OPTS),
         s2c / TCP(sport=80, dport=CPORT, flags='SA', seq=ss, ack=cs + 1,
                   window=65160, options=OPTS),
         c2s / TCP(sport=CPORT, dport=80, flags='A', seq=cs + 1, ack=ss + 1),
         c2s / TCP(sport=CPORT, dport=80, flags='PA', seq=cs + 1, ack=ss + 1)
         / Raw(request)]
    cs += 1 + len(request)
    ss += 1
    if with_head:
        f.append(s2c / TCP(sport=80, dport=CPORT, flags='PA', seq=ss, ack=cs)
                 / Raw(RESP))
    ss += len(RESP)
    for _ in range(2):
        f.append(s2c / TCP(sport=80, dport=CPORT, flags='A', seq=ss, ack=cs)
                 / Raw(b'x' * 1448))
        ss += 1448
    f += [c2s / TCP(sport=CPORT, dport=80, flags='FA', seq=cs, ack=ss),
          s2c / TCP(sport=80, dport=CPORT, flags='FA', seq=ss, ack=cs + 1),
          c2s / TCP(sport=CPORT, dport=80, flags='A', seq=cs + 1, ack=ss + 1)]
    for i, p in enumerate(f):
        p.time = 1796000000 + i * 0.001
    return f


def hello(kind, sni=None):
    """A TLS 1.2 record with one ClientHello (kind 1, with server name
    'sni') or ServerHello (kind 2)."""
    body = b'\x03\x03' + bytes(range(32)) + b'\x00'
    if kind == 1:
        ext = b''
        if sni:
            name = sni.encode()
            sn = b'\x00' + len(name).to_bytes(2, 'big') + name
            sn = len(sn).to_bytes(2, 'big') + sn
            ext = b'\x00\x00' + len(sn).to_bytes(2, 'big') + sn
        body += b'\x00\x02\xc0\x2f\x01\x00' + len(ext).to_bytes(2, 'big') + ext
    else:
        body += b'\xc0\x2f\x00\x00\x00'
    hs = bytes([kind]) + len(body).to_bytes(3, 'big') + body
    return b'\x16\x03\x01' + len(hs).to_bytes(2, 'big') + hs


def tls_connection(misread=False):
    """A TLS connection on port 443: handshake, then server data; with
    'misread', that data holds bytes that parse as a ClientHello (as
    ciphertext now and then does for tshark)."""
    c2s = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02') / \
        IP(src=CLI, dst=SRV, ttl=64, flags='DF', id=1)
    s2c = Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01') / \
        IP(src=SRV, dst=CLI, ttl=64, flags='DF', id=0)
    ch, sh = hello(1, 'www.elide.test'), hello(2)
    data = hello(1) if misread else b'\x17\x03\x03\x00\x04abcd'
    cs, ss = 1000, 5000
    f = [c2s / TCP(sport=CPORT, dport=443, flags='S', seq=cs, options=OPTS),
         s2c / TCP(sport=443, dport=CPORT, flags='SA', seq=ss, ack=cs + 1,
                   options=OPTS),
         c2s / TCP(sport=CPORT, dport=443, flags='A', seq=cs + 1, ack=ss + 1),
         c2s / TCP(sport=CPORT, dport=443, flags='PA', seq=cs + 1,
                   ack=ss + 1) / Raw(ch),
         s2c / TCP(sport=443, dport=CPORT, flags='PA', seq=ss + 1,
                   ack=cs + 1 + len(ch)) / Raw(sh),
         s2c / TCP(sport=443, dport=CPORT, flags='PA', seq=ss + 1 + len(sh),
                   ack=cs + 1 + len(ch)) / Raw(data)]
    for i, p in enumerate(f):
        p.time = 1796000000 + i * 0.001
    return f


class ConsumersTest(unittest.TestCase):
    def setUp(self):
        # make test installs them (ci/install-deps.sh): a missing one fails.
        self.assertEqual(MISSING, [], 'consumers not installed')
        self.assertIsNotNone(wrpcap, 'python3-scapy not installed')
        self.tmp = tempfile.mkdtemp()
        self.truth = self.pcap('truth', connection())

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def pcap(self, name, frames):
        path = os.path.join(self.tmp, name + '.pcap')
        wrpcap(path, frames)
        return path

    def test_records_of_the_truth(self):
        t = consumers.tshark_records(self.truth, [80])
        conn = '%s:%d>%s:80' % (CLI, CPORT, SRV)
        self.assertEqual(t[('http_request', conn, 'GET', 'www.elide.test',
                            '/big.bin')], 1)
        self.assertEqual(t[('http_response', '%s:80>%s:%d' % (SRV, CLI, CPORT),
                            '200', 'text/plain')], 1)
        self.assertEqual(sum(t.values()), 2)
        h = consumers.httpry_records(self.truth, [80])
        self.assertEqual(sum(h.values()), 2)
        self.assertIn((CLI, str(CPORT), SRV, '80', '>', 'GET',
                       'www.elide.test', '/big.bin', 'HTTP/1.1', '-', '-'), h)
        n = consumers.ndpi_records(self.truth, [80])
        self.assertEqual(list(n), [(CLI, str(CPORT), SRV, '80', 'HTTP',
                                    'www.elide.test')])
        p = consumers.p0f_records(self.truth, [80])
        self.assertEqual(sorted(k[0] for k in p), ['mod=syn', 'mod=syn+ack'])

    def test_same_capture_full_recall(self):
        res = consumers.compare(self.truth, self.truth, [80])
        for name in consumers.CONSUMERS:
            self.assertEqual(res[name]['matched'], res[name]['truth'], name)
            self.assertEqual(res[name]['false'], 0, name)
            self.assertGreater(res[name]['truth'], 0, name)

    def test_mirror_without_the_response_head(self):
        mirror = self.pcap('mirror', connection(with_head=False))
        diff = os.path.join(self.tmp, 'diff.txt')
        res = consumers.compare(self.truth, mirror, [80], diff)
        self.assertEqual(res['tshark'], {'truth': 2, 'matched': 1, 'false': 0})
        self.assertEqual(res['httpry'], {'truth': 2, 'matched': 1, 'false': 0})
        self.assertEqual(res['p0f']['matched'], 2)
        with open(diff) as f:
            lines = f.read().splitlines()
        self.assertIn('tshark missing http_response\t%s:80>%s:%d\t200\t'
                      'text/plain' % (SRV, CLI, CPORT), lines)

    def test_changed_request_is_false(self):
        mirror = self.pcap('mirror', connection(
            request=REQ.replace(b'/big.bin', b'/other')))
        res = consumers.compare(self.truth, mirror, [80])
        self.assertEqual(res['tshark'], {'truth': 2, 'matched': 1, 'false': 1})
        self.assertEqual(res['httpry'], {'truth': 2, 'matched': 1, 'false': 1})

    def test_a_hello_from_the_wrong_side_is_no_record(self):
        """A ClientHello tshark reads in the server's data is not the
        client's: the truth's capture must not hold it against a mirror
        that lacks that data."""
        truth = self.pcap('tls-truth', tls_connection(misread=True))
        mirror = self.pcap('tls-mirror', tls_connection()[:5])
        t = consumers.tshark_records(truth, [80])
        self.assertEqual(sorted(k[0] for k in t),
                         ['tls_client_hello', 'tls_server_hello'])
        self.assertEqual(t[('tls_client_hello', '%s:%d>%s:443' % (CLI, CPORT, SRV),
                            'www.elide.test',
                            next(k[3] for k in t if k[0] == 'tls_client_hello'))], 1)
        res = consumers.compare(truth, mirror, [80])
        self.assertEqual(res['tshark'], {'truth': 2, 'matched': 2, 'false': 0})

    def test_bad_capture_is_an_error(self):
        bad = os.path.join(self.tmp, 'bad.pcap')
        with open(bad, 'wb') as f:
            f.write(b'not a pcap at all')
        res = consumers.compare(bad, self.truth, [80])
        self.assertIn('error', res['tshark'])

    def test_two_passes_print_what_one_does(self):
        """tshark_records() reads with -2 -R (consumers.tshark_command):
        tshark's output must be the one pass's, byte for byte."""
        import subprocess
        caps = [self.truth,
                self.pcap('nohead', connection(with_head=False)),
                self.pcap('changed', connection(
                    request=REQ.replace(b'/big.bin', b'/other')))]
        for cap in caps:
            one, two = (subprocess.run(
                consumers.tshark_command(cap, [80, 8080], two_pass=tp),
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
                for tp in (False, True))
            self.assertTrue(one)
            self.assertEqual(one, two, cap)

    def test_compare_on_one_thread_is_the_same(self):
        import concurrent.futures
        mirror = self.pcap('mirror', connection(with_head=False))
        d1, d2 = (os.path.join(self.tmp, n) for n in ('d1', 'd2'))
        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            one = consumers.compare(self.truth, mirror, [80], d1, ex)
        self.assertEqual(consumers.compare(self.truth, mirror, [80], d2), one)
        with open(d1) as f1, open(d2) as f2:
            self.assertEqual(f1.read(), f2.read())


if __name__ == '__main__':
    unittest.main()
