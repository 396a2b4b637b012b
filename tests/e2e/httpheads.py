#!/usr/bin/python3
"""Did the mirror deliver every HTTP message head?  (e2e test oracle)

Usage: httpheads.py GROUND.pcap MIRROR.pcap [SERVER-PORT]

GROUND is a capture at the client (every byte of every connection); MIRROR
is what the monitor received.  For each TCP connection to SERVER-PORT
(default 80), the ground truth is reassembled and split into HTTP/1.1
messages (heads end at CRLF CRLF, bodies are Content-Length bytes).  A head
counts as mirrored when the mirror holds every one of its bytes, at the same
stream offset, with the same content.  Offsets come from TCP sequence
numbers, which both captures share.

Prints one line per connection and a last line
  total requests=R requests_mirrored=RM responses=S responses_mirrored=SM
        c2s_mirrored=B s2c_mirrored=B
where c2s/s2c_mirrored count distinct payload bytes the mirror delivered
per direction (retransmissions count once).  Exits 2 if the ground truth
itself has a hole, which would make the comparison meaningless.

Pure standard library: it reads pcap (not pcapng) with Ethernet framing.
"""
import re
import struct
import sys


def packets(path):
    """Yields (src, sport, dst, dport, seq, flags, payload) of TCP/IPv4."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit("%s: not a pcap file" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit("%s: link type %d, expected Ethernet" % (path, linktype))
    off = 24
    rec = struct.Struct(end + "IIII")
    while off + 16 <= len(data):
        _, _, incl, _ = rec.unpack_from(data, off)
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 14:
            continue
        etype = struct.unpack_from("!H", frame, 12)[0]
        l3 = 14
        if etype == 0x8100 and len(frame) >= 18:
            etype = struct.unpack_from("!H", frame, 16)[0]
            l3 = 18
        if etype != 0x0800 or len(frame) < l3 + 20:
            continue
        ihl = (frame[l3] & 0x0F) * 4
        total = struct.unpack_from("!H", frame, l3 + 2)[0]
        if frame[l3 + 9] != 6 or len(frame) < l3 + ihl + 20:
            continue
        src = ".".join(str(b) for b in frame[l3 + 12:l3 + 16])
        dst = ".".join(str(b) for b in frame[l3 + 16:l3 + 20])
        l4 = l3 + ihl
        sport, dport, seq = struct.unpack_from("!HHI", frame, l4)
        doff = (frame[l4 + 12] >> 4) * 4
        flags = frame[l4 + 13]
        # The IP length bounds the payload (Ethernet padding is not data);
        # the capture length bounds it too (truncated frames).
        pend = min(l3 + total, len(frame))
        payload = frame[l4 + doff:pend] if pend > l4 + doff else b""
        yield src, sport, dst, dport, seq, flags, payload


FIN, SYN = 0x01, 0x02


def collect(path, port):
    """{(client, cport, server): {"c2s": [...], "s2c": [...], isn...}}"""
    conns = {}
    for src, sport, dst, dport, seq, flags, payload in packets(path):
        if dport == port:
            key, d = (src, sport, dst), "c2s"
        elif sport == port:
            key, d = (dst, dport, src), "s2c"
        else:
            continue
        c = conns.setdefault(key, {"c2s": [], "s2c": [],
                                   "isn_c2s": None, "isn_s2c": None,
                                   "fin_c2s": None, "fin_s2c": None})
        if flags & SYN:
            c["isn_" + d] = (seq + 1) & 0xFFFFFFFF
        if flags & FIN:
            c["fin_" + d] = (seq + len(payload)) & 0xFFFFFFFF
        if payload:
            c[d].append((seq, payload))
    return conns


def place(segments, isn):
    """[(offset, bytes)] relative to the first payload byte."""
    return [(((seq - isn) & 0xFFFFFFFF), p) for seq, p in segments]


def assemble(placed, end=None):
    """The stream as bytes, and the list of holes (start, end); 'end' is
    where the stream ends (its FIN), if known."""
    size = max((o + len(p) for o, p in placed), default=0)
    if end is not None:
        size = max(size, end)
    stream = bytearray(size)
    have = merge((o, o + len(p)) for o, p in placed)
    for o, p in placed:
        stream[o:o + len(p)] = p
    holes, pos = [], 0
    for a, b in have + [[size, size]]:
        if a > pos:
            holes.append((pos, a))
        pos = max(pos, b)
    return bytes(stream), holes


def merge(intervals):
    out = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


CL = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*(\d+)", re.I)


def heads(stream, response):
    """[(offset, length)] of the HTTP/1.1 heads in a complete stream."""
    out, pos = [], 0
    while pos < len(stream):
        end = stream.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        end += 4
        out.append((pos, end - pos))
        m = CL.search(stream, pos, end)
        body = int(m.group(1)) if m else 0
        if response and stream[pos + 9:pos + 12] in (b"204", b"304"):
            body = 0
        pos = end + body
    return out


def mirrored(head, placed, stream):
    """True if the mirror segments hold all bytes of head, correctly."""
    o, n = head
    got = bytearray(n)
    mask = bytearray(n)
    for so, p in placed:
        a, b = max(o, so), min(o + n, so + len(p))
        if a < b:
            got[a - o:b - o] = p[a - so:b - so]
            mask[a - o:b - o] = b"\x01" * (b - a)
    return all(mask) and bytes(got) == stream[o:o + n]


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    port = int(sys.argv[3]) if len(sys.argv) == 4 else 80
    ground = collect(sys.argv[1], port)
    mirror = collect(sys.argv[2], port)
    tot = dict(requests=0, requests_mirrored=0, responses=0,
               responses_mirrored=0, c2s_mirrored=0, s2c_mirrored=0)
    broken = False
    for key in sorted(ground):
        g, m = ground[key], mirror.get(key, {"c2s": [], "s2c": []})
        line = ["conn %s:%d-%s:%d" % (key[0], key[1], key[2], port)]
        for d, kind in (("c2s", "requests"), ("s2c", "responses")):
            isn = g["isn_" + d]
            if isn is None:
                print("conn %s:%d: no SYN in ground truth" % key[:2])
                broken = True
                continue
            gp = place(g[d], isn)
            fin = g["fin_" + d]
            stream, holes = assemble(
                gp, None if fin is None else (fin - isn) & 0xFFFFFFFF)
            if holes:
                print("conn %s:%d %s: ground truth has %d holes, first %s"
                      % (key[0], key[1], d, len(holes), holes[0]))
                broken = True
            mp = place(m[d], isn)
            hs = heads(stream, d == "s2c")
            ok = sum(1 for h in hs if mirrored(h, mp, stream))
            cov = sum(b - a for a, b in merge((o, o + len(p)) for o, p in mp))
            tot[kind] += len(hs)
            tot[kind + "_mirrored"] += ok
            tot[d + "_mirrored"] += cov
            line.append("%s=%d %s_mirrored=%d %s_mirrored=%d"
                        % (kind, len(hs), kind, ok, d, cov))
        print(" ".join(line))
    print("total " + " ".join("%s=%d" % kv for kv in tot.items()))
    sys.exit(2 if broken else 0)


if __name__ == "__main__":
    main()
