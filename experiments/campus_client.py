#!/usr/bin/python3
"""Campus client: opens connections at their planned times, each over HTTP
or HTTPS, and fetches its responses in order (one, or several on one
keep-alive connection).

    campus_client.py SERVER_IP TLS_NAME PLAN

PLAN has one line per connection: start offset in seconds, http|https,
then the names to GET.  Prints one line per request as it completes:
"name status sha256" (status 0 and sha256 "-" if the request failed; why
goes to stderr).  Exit status 1 if any request failed.

Connections run concurrently (a thread each, started on time), so elephant
downloads overlap the mice that arrive meanwhile.  HTTPS: TLS 1.2 or 1.3 as
the server prefers, server name TLS_NAME, ALPN http/1.1, the certificate
unchecked (made per run).
"""

import hashlib
import socket
import ssl
import sys
import threading
import time

from pipeline_client import content_length, read_head

TIMEOUT = 120


def fetch(sock, host, name, last):
    """One request on sock; returns (status, sha256 hex)."""
    req = ('GET /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: elide-campus\r\n%s\r\n'
           % (name, host, 'Connection: close\r\n' if last else ''))
    sock.sendall(req.encode())
    rest = bytearray()
    status, length = content_length(read_head(sock, rest))
    if length is None:
        raise ValueError('response without Content-Length')
    digest = hashlib.sha256()
    body, rest = rest[:length], rest[length:]
    digest.update(body)
    got = len(body)
    while got < length:
        chunk = sock.recv(min(1 << 20, length - got))
        if not chunk:
            raise EOFError('connection closed %d bytes before the end'
                           % (length - got))
        digest.update(chunk)
        got += len(chunk)
    if rest:
        raise ValueError('bytes after the response (none was asked for)')
    return status, digest.hexdigest()


def emit(lock, line):
    """One result line, written at once: a client killed later keeps it."""
    with lock:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()


def connection(server, tls_name, https, names, lock, failed):
    done, raw = 0, None
    try:
        raw = socket.create_connection((server, 443 if https else 80),
                                       timeout=TIMEOUT)
        sock = raw
        if https:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(['http/1.1'])
            sock = ctx.wrap_socket(raw, server_hostname=tls_name)
        host = tls_name if https else server
        with sock:
            for i, name in enumerate(names):
                status, sha = fetch(sock, host, name, i == len(names) - 1)
                emit(lock, '%s %d %s' % (name, status, sha))
                done += 1
    except (OSError, ValueError, EOFError, IndexError) as e:
        if raw is not None:
            raw.close()
        for name in names[done:]:
            emit(lock, '%s 0 -' % name)
        with lock:
            failed.append('%s: %s' % (' '.join(names[done:]), e))


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    server, tls_name, plan_path = argv[1:]
    plan = []
    with open(plan_path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 3 and w[1] in ('http', 'https'):
                plan.append((float(w[0]), w[1] == 'https', w[2:]))
    failed, lock, threads = [], threading.Lock(), []
    t0 = time.monotonic()
    for start, https, names in sorted(plan, key=lambda p: p[0]):
        delay = t0 + start - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        t = threading.Thread(target=connection, args=(
            server, tls_name, https, names, lock, failed), daemon=True)
        t.start()
        threads.append(t)
    deadline = time.monotonic() + TIMEOUT * 2     # for all, not each
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        failed.append('%d connections still running after %d s'
                      % (sum(t.is_alive() for t in threads), TIMEOUT * 2))
    for msg in failed:
        sys.stderr.write('campus_client: %s\n' % msg)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
