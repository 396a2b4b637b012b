#!/usr/bin/python3
"""HTTP/1.1 pipelining client (curl cannot pipeline).

Usage: pipeline_client.py HOST PORT PATH...

Writes one GET per PATH in a single send, then reads the responses in
order, splitting them by Content-Length (RFC 9112 section 6.3), and hashes
each body.  Prints one line per response: "PATH STATUS LENGTH SHA256".
Exits 1 on a protocol error: no Content-Length, a short body, or the
connection closed early.
"""

import hashlib
import socket
import sys


def read_head(sock, buf):
    """A response head from sock (bytes, with its blank line); what came
    after it stays in buf (a bytearray)."""
    while b'\r\n\r\n' not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError('connection closed before a response head')
        buf += chunk
        if len(buf) > 1 << 20 and b'\r\n\r\n' not in buf:
            raise ValueError('no end of a response head in 1 MiB')
    end = buf.index(b'\r\n\r\n') + 4
    head = bytes(buf[:end])
    del buf[:end]
    return head


def content_length(head):
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split(' ')[1])
    for line in lines[1:]:
        name, _, value = line.partition(':')
        if name.strip().lower() == 'content-length':
            return status, int(value.strip())
    return status, None


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    host, port, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    requests = b''.join(
        b'GET /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: elide-exp-pipeline\r\n'
        b'Accept: */*\r\n\r\n' % (p.lstrip('/').encode(), host.encode())
        for p in paths)
    sock = socket.create_connection((host, port), timeout=120)
    sock.sendall(requests)
    buf = bytearray()
    try:
        for path in paths:
            status, length = content_length(read_head(sock, buf))
            if length is None:
                sys.exit('%s: response without Content-Length' % path)
            digest = hashlib.sha256()
            take = min(length, len(buf))
            digest.update(buf[:take])
            del buf[:take]
            left = length - take
            while left > 0:
                chunk = sock.recv(min(left, 1 << 20))
                if not chunk:
                    sys.exit('%s: connection closed %d bytes before the end'
                             % (path, left))
                digest.update(chunk)
                left -= len(chunk)
            print(path, status, length, digest.hexdigest(), flush=True)
    except (EOFError, OSError, ValueError) as e:
        sys.exit('%s' % e)
    sock.close()


if __name__ == '__main__':
    main()
