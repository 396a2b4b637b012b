#!/usr/bin/python3
"""Writes the pcap fixtures of the mirror-analyze tests.

Usage: gen_fixtures.py OUTDIR            (the committed fixtures)
       gen_fixtures.py --big FILE MB     (a large capture for the speed and
                                          memory test; not committed)

Pure standard library, deterministic: fixed addresses (RFC 5737, RFC 3849,
RFC 7042), fixed ISNs and timestamps, so rerunning it reproduces the
committed files byte for byte (tests/analysis/run.sh checks that).

Each scenario builds the ground truth (what the client's interface saw) and
the mirror (what the monitor got) from the same frames, so a frame the
mirror holds is the very frame the truth holds, unless a scenario truncates
it on purpose.  Where the mirror got everything, no mirror file is written:
the tests pass the truth as the mirror.
"""
import os
import struct
import sys

T0 = 1700000000          # capture start, seconds

MAC_C = bytes.fromhex("00005e005301")
MAC_S = bytes.fromhex("00005e005302")
IP_C = bytes([192, 0, 2, 1])
IP_S = bytes([198, 51, 100, 2])
IP6_C = bytes.fromhex("20010db8000000000000000000000001")
IP6_S = bytes.fromhex("20010db8000000000000000000000002")

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MSS = 1460


def csum_sum(data):
    """The RFC 1071 sum of 'data', not folded."""
    if len(data) % 2:
        data += b"\0"
    return sum(struct.unpack("!%dH" % (len(data) // 2), data))


def csum(data, add=0):
    """The Internet checksum of 'data'; 'add' is the csum_sum() of bytes
    that follow it (at an even offset)."""
    s = csum_sum(data) + add
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b"",
              v6=False, vlan=None, smac=MAC_C, dmac=MAC_S, ipid=0,
              checksums=True, payload_sum=None, bad_tcp=False,
              bad_ip=False):
    """checksums=False leaves both checksums zero, "partial" writes the
    TCP checksum as offload leaves it (IPv4's is complete); payload_sum (csum_sum()
    of the payload) saves summing a payload used many times; bad_tcp and
    bad_ip write a wrong TCP or IPv4 header checksum (one the receiver
    drops: XOR 0x5555 changes the value by less than 0xFFFF, so it never
    equals the right one in one's complement)."""
    opts = b""
    if flags & SYN:
        opts = struct.pack("!BBH", 2, 4, MSS)   # MSS option
    hlen = 20 + len(opts)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, (hlen // 4) << 4, flags, 64240, 0,
                      0) + opts
    seg = tcp + payload
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
    else:
        pseudo = src + dst + struct.pack("!xBH", 6, len(seg))
    if checksums == "partial":
        # What a capture at the sender shows under checksum offload: the
        # pseudo-header's sum, for the NIC to complete.
        c = csum_sum(pseudo)
        while c >> 16:
            c = (c & 0xFFFF) + (c >> 16)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    elif checksums:
        if payload_sum is None:
            c = csum(pseudo + seg)
        else:
            c = csum(pseudo + tcp, payload_sum)
        if bad_tcp:
            c ^= 0x5555
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    if v6:
        ip = struct.pack("!IHBB", 0x60000000, len(seg), 6, 64) + src + dst
        etype = 0x86DD
    else:
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(seg), ipid, 0x4000,
                         64, 6, 0) + src + dst
        if checksums:
            c = csum(ip) ^ (0x5555 if bad_ip else 0)
            ip = ip[:10] + struct.pack("!H", c) + ip[12:]
        etype = 0x0800
    eth = dmac + smac
    if vlan is not None:
        eth += struct.pack("!HH", 0x8100, vlan)
    return eth + struct.pack("!H", etype) + ip + seg


def arp_frame():
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + MAC_C + IP_C \
        + b"\0" * 6 + IP_S
    return b"\xff" * 6 + MAC_C + b"\x08\x06" + body + b"\0" * 18


def udp_frame(payload):
    udp = struct.pack("!HHHH", 5353, 5353, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17,
                     0) + IP_C + IP_S
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return MAC_S + MAC_C + b"\x08\x00" + ip + udp


class Capture:
    """Frames with timestamps; write() makes a classic pcap file."""

    def __init__(self, linktype=1):
        self.recs = []       # (frame, caplen, origlen)
        self.linktype = linktype

    def add(self, frame, caplen=None, origlen=None):
        n = len(frame)
        self.recs.append((frame, n if caplen is None else caplen,
                          n if origlen is None else origlen))

    def data(self):
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144,
                           self.linktype)]
        for i, (frame, cap, orig) in enumerate(self.recs):
            usec = i * 1000
            out.append(struct.pack("<IIII", T0 + usec // 1000000,
                                   usec % 1000000, cap, orig))
            out.append(frame[:cap])
        return b"".join(out)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.data())


class Conn:
    """One TCP connection; every method returns the frame it builds and
    advances the sender's sequence number."""

    def __init__(self, cport, sport=80, cisn=1000, sisn=5000, v6=False,
                 vlan=None):
        self.cport, self.sport, self.v6, self.vlan = cport, sport, v6, vlan
        self.c_ip, self.s_ip = (IP6_C, IP6_S) if v6 else (IP_C, IP_S)
        self.isn = {"c": cisn, "s": sisn}
        self.nxt = {"c": cisn, "s": sisn}
        self.ipid = 0
        self.c_checksums = True     # tcp_frame's 'checksums' for the client

    def frame(self, who, flags, payload=b"", seq=None, ack=None, **kw):
        src, dst = (self.c_ip, self.s_ip) if who == "c" else (self.s_ip, self.c_ip)
        sp, dp = (self.cport, self.sport) if who == "c" else (self.sport, self.cport)
        other = "s" if who == "c" else "c"
        self.ipid += 1
        if ack is None:
            ack = self.nxt[other] if flags & ACK else 0
        if who == "c" and self.c_checksums is not True:
            kw.setdefault("checksums", self.c_checksums)
        return tcp_frame(src, dst, sp, dp,
                         self.nxt[who] if seq is None else seq,
                         ack, flags,
                         payload, v6=self.v6, vlan=self.vlan,
                         smac=MAC_C if who == "c" else MAC_S,
                         dmac=MAC_S if who == "c" else MAC_C, ipid=self.ipid,
                         **kw)

    def syn(self):
        f = self.frame("c", SYN)
        self.nxt["c"] += 1
        return f

    def synack(self):
        f = self.frame("s", SYN | ACK)
        self.nxt["s"] += 1
        return f

    def ack(self, who):
        return self.frame(who, ACK)

    def send(self, who, payload):
        f = self.frame(who, PSH | ACK, payload)
        self.nxt[who] += len(payload)
        return f

    def segments(self, who, data, mss=MSS):
        return [self.send(who, data[i:i + mss])
                for i in range(0, len(data), mss)]

    def fin(self, who):
        f = self.frame(who, FIN | ACK)
        self.nxt[who] += 1
        return f

    def handshake(self):
        return [self.syn(), self.synack(), self.ack("c")]

    def teardown(self):
        return [self.fin("c"), self.fin("s"), self.ack("c")]


def body(n, seed=0):
    """n deterministic, not very compressible bytes."""
    out = bytearray(n)
    x = 2463534242 + seed
    for i in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = x & 0xFF
    return bytes(out)


def get(path, extra=b""):
    return b"GET " + path + b" HTTP/1.1\r\nHost: example.test\r\n" + extra \
        + b"User-Agent: fixture/1\r\nAccept: */*\r\n\r\n"


def ok(n, extra=b""):
    return b"HTTP/1.1 200 OK\r\nServer: fixture\r\nContent-Length: " \
        + str(n).encode() + b"\r\n" + extra \
        + b"Content-Type: application/octet-stream\r\n\r\n"


def pair(truth, mirror, frames, keep=True):
    for f in frames:
        truth.add(f)
        if keep:
            mirror.add(f)


# ------------------------------------------------------------- scenarios

def small_full(out):
    """One small GET, everything mirrored; ARP and UDP besides."""
    t, m = Capture(), Capture()
    c = Conn(40001)
    pair(t, m, [arp_frame()])
    pair(t, m, c.handshake())
    pair(t, m, [c.send("c", get(b"/small.bin")), c.ack("s")])
    pair(t, m, c.segments("s", ok(3000) + body(3000)))
    pair(t, m, [c.ack("c"), udp_frame(b"probe")])
    pair(t, m, c.teardown())
    t.write(out("small_full.truth.pcap"))


def big(out):
    """A 20000-byte body; the server's sequence numbers wrap inside it.
    Mirror 'big_elided': handshake, request, response head (own segment),
    teardown, no body.  Mirror 'big_leak': the same plus the first two body
    segments."""
    t, m, leak = Capture(), Capture(), Capture()
    c = Conn(40002, cisn=0x7FFFFFF0, sisn=0xFFFFF000)

    def both(frames, keep=True, leaked=None):
        for f in frames:
            t.add(f)
            if keep:
                m.add(f)
            if keep if leaked is None else leaked:
                leak.add(f)

    both(c.handshake())
    both([c.send("c", get(b"/big.bin")), c.ack("s")])
    both([c.send("s", ok(20000)), c.ack("c")])
    segs = c.segments("s", body(20000, 1))
    both(segs[:2], keep=False, leaked=True)
    both(segs[2:], keep=False, leaked=False)
    both([c.ack("c")])
    both(c.teardown())
    t.write(out("big.truth.pcap"))
    m.write(out("big_elided.mirror.pcap"))
    leak.write(out("big_leak.mirror.pcap"))


def keepalive(out):
    """Seven requests on one connection, exercising response framing:
    GET 200+CL, HEAD (CL but no body), POST with 100-continue, 304, 204,
    chunked (ends the response walk), and a GET after it.  The mirror lacks
    the 12000-byte body and the last response."""
    t, m = Capture(), Capture()
    c = Conn(40003)
    pair(t, m, c.handshake())
    pair(t, m, [c.send("c", get(b"/a")), c.send("s", ok(500) + body(500, 2))])
    pair(t, m, [c.send("c", get(b"/b").replace(b"GET", b"HEAD", 1)),
                c.send("s", ok(99999))])
    pair(t, m, [c.send("c", b"POST /c HTTP/1.1\r\nHost: example.test\r\n"
                       b"Expect: 100-continue\r\nContent-Length: 300\r\n\r\n"),
                c.send("s", b"HTTP/1.1 100 Continue\r\n\r\n"),
                c.send("c", body(300, 3)),
                c.send("s", ok(12000))])
    pair(t, m, c.segments("s", body(12000, 4)), keep=False)
    pair(t, m, [c.ack("c")])
    pair(t, m, [c.send("c", get(b"/d", b"If-None-Match: \"x\"\r\n")),
                c.send("s", b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n"
                       b"Content-Length: 50\r\n\r\n")])
    pair(t, m, [c.send("c", get(b"/e")),
                c.send("s", b"HTTP/1.1 204 No Content\r\n\r\n")])
    pair(t, m, [c.send("c", get(b"/f")),
                c.send("s", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                       b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n")])
    pair(t, m, [c.send("c", get(b"/g"))])
    pair(t, m, [c.send("s", ok(10) + b"0123456789")], keep=False)
    pair(t, m, [c.ack("c")])
    pair(t, m, c.teardown())
    t.write(out("keepalive.truth.pcap"))
    m.write(out("keepalive.mirror.pcap"))


def missing_head(out):
    """The mirror lacks the handshake's SYN and SYN-ACK (the ISNs come from
    the truth) and the response head."""
    t, m = Capture(), Capture()
    c = Conn(40004, cisn=123456789, sisn=987654321)
    hs = c.handshake()
    pair(t, m, hs[:2], keep=False)
    pair(t, m, hs[2:])
    pair(t, m, [c.send("c", get(b"/page.html")), c.ack("s")])
    pair(t, m, [c.send("s", ok(1000, b"Connection: close\r\n"))], keep=False)
    pair(t, m, [c.send("s", body(1000, 5)), c.ack("c")])
    pair(t, m, c.teardown())
    t.write(out("missing_head.truth.pcap"))
    m.write(out("missing_head.mirror.pcap"))


def truncated_mirror(out):
    """Mirror copies cut at 96 bytes (pcap caplen < len), as a snaplen
    does; a head longer than the 42 payload bytes kept is not delivered,
    a short one is.  Two frames are cut by the switch instead (their
    recorded length is the cut length): a body segment, and a SYN cut
    inside its TCP options."""
    t, m = Capture(), Capture()
    c1, c2 = Conn(40005), Conn(40006, cisn=77, sisn=88)
    frames = c1.handshake() + [c1.send("c", get(b"/long-request-target")),
                               c1.send("s", ok(1460))]
    cut_by_switch = c1.send("s", body(1460, 6))
    frames2 = [c1.ack("c")] + c1.teardown() + c2.handshake() + [
        c2.send("c", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        c2.send("s", b"HTTP/1.1 204 No Content\r\n\r\n"), c2.ack("c")
    ] + c2.teardown()
    for f in frames:
        t.add(f)
        m.add(f, caplen=min(96, len(f)))
    t.add(cut_by_switch)
    m.add(cut_by_switch[:100])
    syn2 = frames2[4]
    for f in frames2:
        t.add(f)
        if f is syn2:
            m.add(f[:56])
        else:
            m.add(f, caplen=min(96, len(f)))
    t.write(out("truncated.truth.pcap"))
    m.write(out("truncated.mirror.pcap"))


def reorder(out):
    """Ground truth with retransmissions and reordering.  The client's
    sequence numbers wrap inside its first request, whose two segments
    arrive in reverse order and once more as a retransmission.  The first
    response head (before a 70000-byte body) was lost and arrives last,
    after the body and the pipelined second response: its bytes were seen
    before the walker knew a head started there, so the truth is read
    twice.  A body segment is retransmitted with another segmentation."""
    t, m = Capture(), Capture()
    c = Conn(40007, cisn=0xFFFFFFE0, sisn=42)
    pair(t, m, c.handshake())
    req1 = get(b"/first")
    s1 = c.frame("c", PSH | ACK, req1[:40])
    s2 = c.frame("c", PSH | ACK, req1[40:], seq=c.nxt["c"] + 40)
    c.nxt["c"] += len(req1)
    req2 = c.send("c", get(b"/second"))
    pair(t, m, [s2, s1, s1, req2])
    c.nxt["s"] += len(ok(70000))      # the head's segment was lost
    body1 = body(70000, 7)
    segs = c.segments("s", body1)
    pair(t, m, segs[:3])
    base = c.isn["s"] + 1 + len(ok(70000))
    # Retransmission of bytes 1000..3500 of the body in one segment.
    pair(t, m, [c.frame("s", PSH | ACK, body1[1000:3500], seq=base + 1000)])
    pair(t, m, segs[3:])
    pair(t, m, [c.send("s", ok(100) + body(100, 8))])
    pair(t, m, [c.frame("s", PSH | ACK, ok(70000), seq=c.isn["s"] + 1),
                c.ack("c")])
    pair(t, m, c.teardown())
    t.write(out("reorder.truth.pcap"))


def reuse(out):
    """The same 4-tuple twice (new SYN, new ISNs).  The mirror lacks the
    first connection's response head."""
    t, m = Capture(), Capture()
    a = Conn(40008, cisn=1000, sisn=2000)
    b = Conn(40008, cisn=3000000, sisn=4000000)
    pair(t, m, a.handshake() + [a.send("c", get(b"/one"))])
    pair(t, m, [a.send("s", ok(100))], keep=False)
    pair(t, m, [a.send("s", body(100, 9)), a.ack("c")] + a.teardown())
    pair(t, m, b.handshake() + [b.send("c", get(b"/two")),
                                b.send("s", ok(200) + body(200, 10)),
                                b.ack("c")] + b.teardown())
    t.write(out("reuse.truth.pcap"))
    m.write(out("reuse.mirror.pcap"))


def v6vlan(out):
    """IPv6 in an 802.1Q tag to port 8080, and IPv4 to port 80."""
    t, m = Capture(), Capture()
    c6 = Conn(40009, sport=8080, v6=True, vlan=100)
    c4 = Conn(40010)
    pair(t, m, c6.handshake() + c4.handshake())
    pair(t, m, [c6.send("c", get(b"/six")), c4.send("c", get(b"/four")),
                c6.send("s", ok(50) + body(50, 11)),
                c4.send("s", ok(60) + body(60, 12))])
    pair(t, m, c6.teardown() + c4.teardown())
    t.write(out("v6vlan.truth.pcap"))


def badcsum(out):
    """Segments the receiver dropped for a bad checksum, each followed by
    the copy it did take.  The client sends "GET /big.bin?" with a bad TCP
    checksum, then "HEAD /big.bin" (as long) at the same offset; the
    server's response to HEAD has a head only, with a Content-Length that
    the bad copy would make a 20 MB body to come.  Then a GET /small,
    whose response the server first sends with a bad IPv4 header checksum
    and other bytes ("204"), then right."""
    t = Capture()
    c = Conn(40012, cisn=3000, sisn=7000)
    rest = b" HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n"
    decoy, head = b"GET /big.bin?" + rest, b"HEAD /big.bin" + rest
    assert len(decoy) == len(head)
    pair(t, Capture(), c.handshake())
    pair(t, Capture(), [c.frame("c", PSH | ACK, decoy, bad_tcp=True),
                        c.send("c", head), c.ack("s"),
                        c.send("s", ok(20000000)), c.ack("c"),
                        c.send("c", get(b"/small"))])
    real = ok(10) + b"0123456789"
    fake = real.replace(b"200 OK", b"204 OK", 1)
    pair(t, Capture(), [c.frame("s", PSH | ACK, fake, bad_ip=True),
                        c.send("s", real), c.ack("c")])
    pair(t, Capture(), c.teardown())
    t.write(out("badcsum.truth.pcap"))


def offload(out):
    """small_full captured at a client with checksum offload: its own
    segments carry partial TCP checksums."""
    t = Capture()
    c = Conn(40016)
    c.c_checksums = "partial"
    pair(t, Capture(), c.handshake())
    pair(t, Capture(), [c.send("c", get(b"/small.bin")), c.ack("s")])
    pair(t, Capture(), c.segments("s", ok(3000) + body(3000)))
    pair(t, Capture(), [c.ack("c")] + c.teardown())
    t.write(out("offload.truth.pcap"))


def tfo(out):
    """TCP Fast Open (RFC 7413): data in the SYN.  Connection 40013: the
    server accepts it (its SYN-ACK acknowledges the data), which holds the
    only copy of the request.  Connection 40014: the server acknowledges
    the SYN only, and the client sends, at the same offset, another request
    as long ("HEAD /big.bin" after "GET /big.bin?"), which the server
    answers with a head only.  Connection 40015: a SYN with data, never
    answered.  The mirror lacks 40013's SYN."""
    t, m = Capture(), Capture()
    a = Conn(40013, cisn=11000, sisn=12000)
    req = get(b"/fast")
    syn = a.frame("c", SYN, req)
    a.nxt["c"] += 1 + len(req)
    pair(t, m, [syn], keep=False)
    pair(t, m, [a.synack()])
    pair(t, m, [a.ack("c"), a.send("s", ok(100) + body(100, 15)), a.ack("c")]
         + a.teardown())
    b = Conn(40014, cisn=13000, sisn=14000)
    rest = b" HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n"
    decoy, head = b"GET /big.bin?" + rest, b"HEAD /big.bin" + rest
    pair(t, m, [b.frame("c", SYN, decoy)])
    b.nxt["c"] += 1
    pair(t, m, [b.synack(), b.ack("c"), b.send("c", head), b.ack("s"),
                b.send("s", ok(20000000)), b.ack("c"),
                b.send("c", get(b"/small")), b.send("s", ok(10) + b"0123456789"),
                b.ack("c")] + b.teardown())
    n = Conn(40015, cisn=15000, sisn=16000)
    pair(t, m, [n.frame("c", SYN, get(b"/lost"))])
    t.write(out("tfo.truth.pcap"))
    m.write(out("tfo.mirror.pcap"))


def bad_inputs(out):
    """Files that must be refused (exit 1) or survived (malformed frames)."""
    with open(out("notpcap.pcap"), "wb") as f:
        f.write(b"this is not a capture file\n" * 4)
    t = Capture()
    c = Conn(40011)
    pair(t, Capture(), c.handshake() + [c.send("c", get(b"/x"))])
    data = t.data()
    with open(out("cut.pcap"), "wb") as f:
        f.write(data[:-10])                 # ends inside the last frame
    sll = Capture(linktype=113)              # Linux cooked capture
    sll.add(b"\0" * 16 + c.syn()[14:])
    sll.write(out("linktype.pcap"))
    # A record claiming a frame larger than any snaplen libpcap accepts.
    bad = t.data()[:24] + struct.pack("<IIII", T0, 0, 0x7FFFFFF0, 0x7FFFFFF0) \
        + b"\0" * 64
    with open(out("badrecord.pcap"), "wb") as f:
        f.write(bad)
    # A valid file whose frames are garbage: the analyzer counts and skips
    # them.  Random bytes, a 5-byte frame, IPv4 with IHL 3, TCP with data
    # offset 2, an IP total length past the frame, and TCP cut in its
    # header.
    g = Capture()
    junk = body(300, 13)
    g.add(junk[:100])
    g.add(junk[100:105])
    good = c.send("c", get(b"/y"))
    bad_ihl = bytearray(good)
    bad_ihl[14] = 0x43
    g.add(bytes(bad_ihl))
    bad_doff = bytearray(good)
    bad_doff[14 + 20 + 12] = 0x20
    g.add(bytes(bad_doff))
    g.add(good[:14 + 20 + 10])
    g.add(good)
    g.write(out("garbage.pcap"))


def big_capture(path, mb):
    """One GET whose body makes the file about 'mb' megabytes.  Every body
    segment carries the same bytes, summed once for the checksums."""
    n = mb * 1000000
    c = Conn(40100)
    chunk = body(MSS, 14)
    chunk_sum = csum_sum(chunk)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))

        def put(frame):
            f.write(struct.pack("<IIII", T0, 0, len(frame), len(frame)))
            f.write(frame)
        for fr in c.handshake() + [c.send("c", get(b"/huge"))]:
            put(fr)
        nseg = n // (MSS + 70)
        put(c.send("s", ok(nseg * MSS)))
        for i in range(nseg):
            s = c.nxt["s"]
            put(tcp_frame(IP_S, IP_C, 80, 40100, s, c.nxt["c"], ACK, chunk,
                          smac=MAC_S, dmac=MAC_C, payload_sum=chunk_sum))
            c.nxt["s"] = s + MSS
            if i % 2:
                put(tcp_frame(IP_C, IP_S, 40100, 80, c.nxt["c"], c.nxt["s"],
                              ACK))
        for fr in c.teardown():
            put(fr)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--big":
        big_capture(sys.argv[2], int(sys.argv[3]))
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)

    def out(name):
        return os.path.join(outdir, name)
    for scenario in (small_full, big, keepalive, missing_head,
                     truncated_mirror, reorder, reuse, v6vlan, bad_inputs,
                     badcsum, offload, tfo):
        scenario(out)


if __name__ == "__main__":
    main()
