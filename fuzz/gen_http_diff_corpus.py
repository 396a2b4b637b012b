#!/usr/bin/python3
"""Writes the seed corpus of fuzz_http_diff (fuzz/corpus/http_diff/).

    fuzz/gen_http_diff_corpus.py [OUTDIR]

Each file is one flag byte (bit 0: the request was HEAD, bit 1: CONNECT;
see fuzz/http_diff.h) and one message head, sometimes with a few bytes
after it.  Three sources, all deterministic:
  - fuzz/corpus/http/*, the http.c fuzzer's seeds (flag byte 0);
  - every request and response head that tests/hostile/hostile.py scripts,
    each response flagged with the method of the request it answers;
  - EXTRA below: the framing cases of the issue (lying, duplicate,
    conflicting and invalid lengths, CL with TE, obs-fold, 1xx, 101,
    CONNECT, HEAD, bare LF, bare CR, ...), each a few bytes from a case
    where the parsers disagree.
Files are named by source (the hostile case) and number within it, so
that a rerun rewrites the same names; stale ones are removed.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "hostile"))
import hostile  # noqa: E402

GET, HEAD, CONNECT = 0, 1, 2
MAX_SEED = 24 * 1024        # the 1 MB endless heads are cut to this
AFTER = 16                  # bytes kept after a head (the body's start)

EXTRA = [
    # Content-Length values and lists (RFC 9110 8.6, RFC 9112 6.3).
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 42\r\nContent-Length: 42\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 42, 42\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 42,\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 10, 36000000\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: +10\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 1 0\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 10abc\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: \t 5 \t\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nCONTENT-LENGTH: 6\r\n\r\n"),
    # Transfer-Encoding (RFC 9112 6.1, 6.3 items 3 and 4).
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;x=1\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\n\r\n"),
    (GET, b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
    (GET, b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
    (GET, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
    (GET, b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
    (GET, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
    (GET, b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
    (GET, b"POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nhello"),
    # Obsolete line folding (RFC 9112 5.2).
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nX-Folded: a\r\n b\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length:\r\n 10\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 0\r\n\r\n"),
    (GET, b"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"),
    (GET, b"GET / HTTP/1.1\r\n Host: h\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\n Content-Length: 5\r\n\r\n"),
    # Line endings (RFC 9112 2.2).
    (GET, b"HTTP/1.1 200 OK\nContent-Length: 5\n\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 5\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\rContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nX: a\rContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n \n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\r\n"),
    (GET, b"GET / HTTP/1.1\nHost: h\n\n"),
    (GET, b"GET / HTTP/1.1\r\nHost: h\r\r\n\r\n"),
    (GET, b"\r\nGET / HTTP/1.1\r\n\r\n"),
    (GET, b"\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
    (GET, b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
    # Field syntax (RFC 9112 5.1, RFC 9110 5.1, 5.5).
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n"),
    (GET, b"GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
    (GET, b"GET / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello"),
    (GET, b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nX: \xe2\x9c\x93\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\n: empty\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nX(y): z\r\n\r\n"),
    (GET, b"GET / HTTP/1.1\r\nX\x00: y\r\n\r\n"),
    # Start lines (RFC 9112 2.3, 3, 4).
    (GET, b"HTTP/1.1 200\r\nContent-Length: 1\r\n\r\n"),
    (GET, b"HTTP/1.1 200 \r\n\r\n"),
    (GET, b"HTTP/1.1  200 OK\r\n\r\n"),
    (GET, b"HTTP/1.1 099 OK\r\n\r\n"),
    (GET, b"HTTP/1.1 2000 OK\r\n\r\n"),
    (GET, b"HTTP/1.1 20 OK\r\n\r\n"),
    (GET, b"HTTP/1.2 200 OK\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/2.0 200 OK\r\n\r\n"),
    (GET, b"http/1.1 200 OK\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\x01\r\n\r\n"),
    (GET, b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.0 200 OK\r\n\r\n"),
    (GET, b"GET  / HTTP/1.1\r\n\r\n"),
    (GET, b"GET / HTTP/1.1 \r\n\r\n"),
    (GET, b"GET /\r\n\r\n"),
    (GET, b"GET / HTTP/1.2\r\n\r\n"),
    (GET, b"FOO / HTTP/1.1\r\n\r\n"),
    (GET, b"get / HTTP/1.1\r\n\r\n"),
    (GET, b"GET foo{bar} HTTP/1.1\r\n\r\n"),
    (GET, b"GET /\xff HTTP/1.1\r\n\r\n"),
    (GET, b"GET\t/ HTTP/1.1\r\n\r\n"),
    (GET, b"OPTIONS * HTTP/1.1\r\n\r\n"),
    (GET, b"GET http://h/x HTTP/1.1\r\n\r\n"),
    # Statuses and methods without a body (RFC 9112 6.3 items 1-2, RFC
    # 9110 9.3.6, 15.2).
    (GET, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 103 Early Hints\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"),
    (GET, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 101 Switching Protocols\r\n\r\n"),
    (GET, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
    (HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n"),
    (HEAD, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
    (CONNECT, b"HTTP/1.1 200 Connection Established\r\n\r\n"),
    (CONNECT, b"HTTP/1.1 204 No Content\r\n\r\n"),
    (CONNECT, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
    (CONNECT, b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Type: multipart/byteranges; boundary=x\r\n\r\n"),
    # Found by fuzz_http_diff: one seed per class it found.
    (GET, b"G(T / HTTP/1.1\r\n\r\n"),
    (GET, b"GET /\x01 HTTP/1.1\r\n\r\n"),
    (GET, b"POST / HTTP/1.1\r\nTransfer-EncodingX: chunked\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-EncodingX: y\r\nContent-Length: 5\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked,\r\n\r\n"),
    (GET, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, \r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nX: a\n\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nX: a\r\n \nY"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n \nX: y\r\n\r\n"),
    (HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n \nX: y\r\n\r\n"),
    (GET, b"HTTP/1.1 100 Continue\r\nX: a\r\n \n  \r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: c,, \xfex, chunked\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,, chunked\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: c, chunked\r\n\r\n"),
    (GET, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-EncodingX: y\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nContent-Length: 5\t\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nX: a\r\n\x00b\r\n\r\n"),
    (GET, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;x=1\r\n\r\n"),
    (GET, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked;x=1\r\n\r\n"),
]


def heads(stream, response):
    """(offset, head) of every head in a byte stream: each start line
    found, cut at the first empty line after it."""
    pat = rb"HTTP/1\.[01] \d{3}" if response else \
        rb"(?m)^[A-Z]+ [^ \r\n]+ HTTP/1\.1\r$"
    out = []
    for m in re.finditer(pat, stream):
        start = m.start()
        end = stream.find(b"\r\n\r\n", start)
        end = len(stream) if end < 0 else end + 4
        out.append((start, stream[start:end]))
    return out


def stream_of(steps):
    """The bytes one side sends: its send steps in order, a head plan
    (several versions of some bytes) taken as its first version."""
    out = bytearray()
    for st in steps:
        if st[0] != "send":
            continue
        if "plan" in st[2]:
            buf = {}
            for off, d in st[2]["plan"]:
                for i, b in enumerate(d):
                    buf.setdefault(off + i, b)
            out += bytes(buf[i] for i in range(len(buf)))
        else:
            out += st[1]
    return bytes(out)


def hostile_seeds():
    seeds = []
    for case in sorted(hostile.CASES):
        for conv in hostile.CASES[case]():
            c2s, s2c = stream_of(conv.cli), stream_of(conv.srv)
            methods = []
            for off, h in heads(c2s, False):
                seeds.append((case, GET, c2s[off:off + len(h) + AFTER]))
                methods.append(h.split(b" ", 1)[0])
            for off, h in heads(s2c, True):
                status = int(h[9:12])
                m = methods.pop(0) if methods and not 100 <= status < 200 \
                    else b"GET"
                flag = HEAD if m == b"HEAD" else \
                    CONNECT if m == b"CONNECT" else GET
                seeds.append((case, flag, s2c[off:off + len(h) + AFTER]))
    return seeds


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(HERE, "corpus", "http_diff")
    os.makedirs(out, exist_ok=True)
    files = {}
    src = os.path.join(HERE, "corpus", "http")
    for name in sorted(os.listdir(src)):
        with open(os.path.join(src, name), "rb") as f:
            files["http-%s" % name] = bytes([GET]) + f.read()
    per_case = {}
    for case, flag, data in hostile_seeds():
        i = per_case[case] = per_case.get(case, -1) + 1
        files["hostile-%s-%02d" % (case, i)] = bytes([flag]) + data[:MAX_SEED]
    for i, (flag, data) in enumerate(EXTRA):
        files["extra-%03d" % i] = bytes([flag]) + data
    for name in os.listdir(out):
        if name not in files:
            os.unlink(os.path.join(out, name))
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(files), out))


if __name__ == "__main__":
    main()
