#!/usr/bin/python3
"""HTTP/1.1 pipelining client for the e2e tests (curl cannot pipeline).

Usage: pipeline.py HOST PORT PATH...

Writes one GET per PATH back to back in a single send, then reads the
responses in order, splitting them by Content-Length.  Prints one line per
response: "PATH STATUS CONTENT-LENGTH SHA256".  Exits 1 on any protocol
error (no Content-Length, short body, connection closed early).
"""
import hashlib
import socket
import sys


def read_head(sock, buf):
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed before a response head")
        buf += chunk
    end = buf.index(b"\r\n\r\n") + 4
    head = bytes(buf[:end])
    del buf[:end]
    return head


def main():
    host, port, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    if not paths:
        sys.exit("usage: pipeline.py HOST PORT PATH...")
    reqs = b"".join(
        b"GET /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: e2e-pipeline\r\n"
        b"Accept: */*\r\n\r\n" % (p.lstrip("/").encode(), host.encode())
        for p in paths)
    sock = socket.create_connection((host, port), timeout=60)
    sock.sendall(reqs)
    buf = bytearray()
    for path in paths:
        head = read_head(sock, buf)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            sys.exit("%s: response without Content-Length" % path)
        digest = hashlib.sha256()
        remaining = length
        take = min(remaining, len(buf))
        digest.update(buf[:take])
        del buf[:take]
        remaining -= take
        while remaining > 0:
            chunk = sock.recv(min(remaining, 1 << 20))
            if not chunk:
                sys.exit("%s: connection closed %d bytes before the end"
                         % (path, remaining))
            digest.update(chunk)
            remaining -= len(chunk)
        print(path, status, length, digest.hexdigest(), flush=True)
    sock.close()


if __name__ == "__main__":
    main()
