"""A minimal TCP endpoint over a raw IPv4 socket, for the hostile tests.

The kernel decides how a normal socket segments, flags and retransmits
data; an attacker does not have to.  This endpoint lets a test send exactly
the segments it wants (any order, any size, with or without PSH, the same
sequence range twice with different bytes) and still completes the
transfer: whatever the peer has not acknowledged is retransmitted from the
*canonical* stream, the first copy of each byte that was sent.

It speaks just enough TCP (RFC 9293) for Linux on the other side: MSS
option only (no window scaling, SACK or timestamps, so the peer's window is
plain 16 bits), an ACK for every data segment, go-back-N retransmission.
The kernel of the host running it answers the peer's segments with RSTs
(no socket owns the port); the caller drops those with iptables, sparing
the segments marked MARK (SO_MARK), which are this endpoint's own.

Sequence numbers are kept as unbounded integers relative to the ISN and
converted modulo 2^32 on the wire.
"""
import os
import select
import socket
import struct
import time

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MSS = 1448
WINDOW = 65535
RTO = 0.3
MARK = 0x4057       # SO_MARK of every segment this endpoint sends


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class TcpError(Exception):
    pass


class RawTCP:
    def __init__(self, local_ip, local_port):
        self.lip, self.lport = local_ip, local_port
        self.rip = self.rport = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                  socket.IPPROTO_TCP)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # RCVBUFFORCE
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        # The caller's rules drop the kernel's RSTs for these ports, but
        # not the packets of this socket (iptables -m mark).
        self.sock.setsockopt(socket.SOL_SOCKET, 36, MARK)        # SO_MARK
        self.sock.bind((local_ip, 0))
        self.iss = int.from_bytes(os.urandom(4), "big")
        self.irs = None
        # Send side: offsets from iss + 1.
        self.canon = bytearray()        # first copy of every byte sent
        self.una = 0                    # lowest unacknowledged offset
        self.nxt = 0                    # highest offset sent + 1
        self.peer_wnd = WINDOW
        self.fin_sent = False
        self.fin_acked = False
        # Receive side.
        self.rcv = bytearray()          # in-order bytes received
        self.ooo = {}                   # offset -> bytes, out of order
        self.peer_fin_at = None         # offset of the peer's FIN
        self.peer_fin = False
        self.last_progress = time.monotonic()
        self.dupacks = 0
        self.in_plan = False            # no retransmission while True
        self.flag_runs = []             # (start offset, flags) of the data
        self.syn_data_acked = 0         # bytes of SYN data the peer took

    # ---------------------------------------------------------- wire

    def _send(self, flags, off=None, data=b"", seq_abs=None, opts=b"",
              bad_csum=False, no_ack=False):
        """One segment.  bad_csum writes a checksum the peer rejects (the
        right one XOR 0x5555: it differs by less than 0xFFFF, so it is never
        the same value in one's complement); no_ack leaves ACK out."""
        seq = seq_abs if seq_abs is not None else self.iss + 1 + off
        ack = (self.irs + 1 + len(self.rcv) + (1 if self.peer_fin else 0)
               if self.irs is not None and not no_ack else 0)
        if self.irs is not None and not no_ack:
            flags |= ACK
        hl = 20 + len(opts)
        hdr = struct.pack("!HHIIBBHHH", self.lport, self.rport,
                          seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, (hl // 4) << 4,
                          flags, WINDOW, 0, 0) + opts
        pseudo = struct.pack("!4s4sBBH", socket.inet_aton(self.lip),
                             socket.inet_aton(self.rip), 0, 6, hl + len(data))
        c = _csum(pseudo + hdr + data) ^ (0x5555 if bad_csum else 0)
        hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
        try:
            self.sock.sendto(hdr + data, (self.rip, 0))
        except PermissionError:
            pass        # dropped by a netfilter rule (the tests' loss)

    def _ack(self):
        # After our FIN, the next sequence number is one past it.
        self._send(0, off=self.nxt + (1 if self.fin_sent else 0))

    def _recv_one(self, timeout):
        """Returns (flags, seq, ack, wnd, payload) of the next segment of
        this connection (or of a SYN to our port), None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            pkt = self.sock.recv(65535)
            ihl = (pkt[0] & 0x0F) * 4
            src = socket.inet_ntoa(pkt[12:16])
            sport, dport, seq, ack, off, flags, wnd = struct.unpack(
                "!HHIIBBH", pkt[ihl:ihl + 16])
            if dport != self.lport:
                continue
            if self.rip is not None and (src != self.rip or sport != self.rport):
                continue
            if self.rip is None:
                self.rip, self.rport = src, sport
            payload = pkt[ihl + (off >> 4) * 4:]
            tot = struct.unpack("!H", pkt[2:4])[0]
            payload = payload[:max(0, tot - ihl - (off >> 4) * 4)]
            return flags, seq, ack, wnd, payload

    def _process(self, seg):
        flags, seq, ack, wnd, payload = seg
        if flags & RST:
            raise TcpError("connection reset by peer")
        if flags & SYN:
            # A retransmitted SYN or SYN-ACK: our answer was lost.
            if self.irs is not None:
                if flags & ACK:
                    self._ack()
                else:
                    self._send(SYN, seq_abs=self.iss, opts=_mss_opt())
            return
        if flags & ACK:
            a = (ack - (self.iss + 1)) & 0xFFFFFFFF
            if a > 0x7FFFFFFF:
                a = -1                          # acknowledges the SYN only
            sent_end = self.nxt + (1 if self.fin_sent else 0)
            # Offsets are unwrapped against una (transfers here < 2 GiB).
            if a == self.una < self.nxt and not payload and wnd == self.peer_wnd:
                # Three duplicate ACKs: the segment at una was lost (fast
                # retransmit, RFC 5681 3.2).
                self.dupacks += 1
                if self.dupacks == 3 and not self.in_plan:
                    self._resend(self.una, min(self.una + MSS, self.nxt))
            if self.una <= a <= sent_end:
                if a > self.una or wnd != self.peer_wnd:
                    self.last_progress = time.monotonic()
                    self.dupacks = 0
                if self.fin_sent and a == sent_end:
                    self.fin_acked = True
                    a = self.nxt
                self.una = max(self.una, min(a, self.nxt))
            self.peer_wnd = wnd
        if payload or flags & FIN:
            o = (seq - (self.irs + 1)) & 0xFFFFFFFF
            if o > 0x7FFFFFFF:
                o -= 1 << 32
            if payload:
                self._accept_data(o, payload)
            if flags & FIN:
                self.peer_fin_at = o + len(payload)
            if self.peer_fin_at is not None and len(self.rcv) == self.peer_fin_at:
                self.peer_fin = True
            self._ack()         # ACK every data segment

    def _accept_data(self, o, data):
        have = len(self.rcv)
        if o + len(data) <= have:
            return                              # duplicate: keep the first
        if o > have:
            if o not in self.ooo or len(self.ooo[o]) < len(data):
                self.ooo[o] = data
            return
        self.rcv += data[have - o:]
        while True:
            have = len(self.rcv)
            hit = [k for k in self.ooo if k <= have]
            if not hit:
                break
            for k in sorted(hit):
                d = self.ooo.pop(k)
                if k + len(d) > len(self.rcv):
                    self.rcv += d[len(self.rcv) - k:]

    def poll(self, timeout=0.0):
        """Processes every segment that arrives within 'timeout'."""
        seg = self._recv_one(timeout)
        while seg is not None:
            self._process(seg)
            seg = self._recv_one(0)

    # --------------------------------------------------- handshakes

    def accept(self, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            seg = self._recv_one(deadline - time.monotonic())
            if seg is None:
                raise TcpError("no SYN")
            flags, seq, _, wnd, _ = seg
            if flags & SYN and not flags & ACK:
                break
            self.rip = self.rport = None
        self.irs = seq
        self.peer_wnd = wnd
        while True:
            self._send(SYN, seq_abs=self.iss, opts=_mss_opt())
            seg = self._recv_one(0.5)
            if time.monotonic() > deadline:
                raise TcpError("handshake timed out")
            if seg is None:
                continue
            flags, seq, ack, wnd, payload = seg
            if flags & SYN:
                continue
            if flags & ACK and ack == (self.iss + 1) & 0xFFFFFFFF:
                self._process(seg)
                return

    def connect(self, rip, rport, timeout=20, syn_data=b""):
        """Active open.  'syn_data' rides in the SYN (TCP Fast Open without
        a cookie option, RFC 7413): if the SYN-ACK acknowledges it, it is
        the first data sent; if it acknowledges the SYN only (a server
        without Fast Open), it was never part of the stream."""
        self.rip, self.rport = rip, rport
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._send(SYN, seq_abs=self.iss, opts=_mss_opt(), data=syn_data)
            end = time.monotonic() + 0.5
            while time.monotonic() < end:
                seg = self._recv_one(end - time.monotonic())
                if seg is None:
                    break
                flags, seq, ack, wnd, _ = seg
                if flags & RST:
                    raise TcpError("connection refused")
                took = (ack - (self.iss + 1)) & 0xFFFFFFFF
                if (flags & (SYN | ACK) == SYN | ACK
                        and took in (0, len(syn_data))):
                    self.irs = seq
                    self.peer_wnd = wnd
                    if took:
                        self.canon += syn_data
                        self.flag_runs.append((0, PSH))
                        self.una = self.nxt = took
                    self.syn_data_acked = took
                    self._send(0, off=self.nxt)
                    return
        raise TcpError("connect timed out")

    # --------------------------------------------------------- send

    def send_plan(self, segments, gap=0.0, flags=PSH):
        """Sends explicit segments: (offset, bytes) pairs relative to the
        end of what was sent before.  They may come in any order, overlap
        and disagree; the first copy of each byte becomes canonical (what
        a retransmission repeats).  The segments must cover a contiguous
        block starting at offset 0."""
        base = len(self.canon)
        block = {}
        for off, data in segments:
            for i, b in enumerate(data):
                block.setdefault(off + i, b)
        n = max(block) + 1 if block else 0
        if sorted(block) != list(range(n)):
            raise ValueError("plan leaves a hole")
        self.canon += bytes(block[i] for i in range(n))
        self.flag_runs.append((base, flags))
        # The peer answers the holes with duplicate ACKs: expected here,
        # and a retransmission would fill the holes before the plan does.
        self.in_plan = True
        for off, data in segments:
            self._send(flags, off=base + off, data=data)
            self.nxt = max(self.nxt, base + off + len(data))
            self.poll(gap)
        self.in_plan = False
        self.nxt = base + n
        self.last_progress = time.monotonic()

    def send_decoy(self, data, flags=PSH):
        """Sends 'data' where the next bytes go, with a bad checksum: the
        peer's kernel drops it, so it is neither canonical nor counted as
        sent (an observer that does not check checksums sees it, though)."""
        self._send(flags, off=len(self.canon), data=data, bad_csum=True)

    def send_stream(self, data, seg=MSS, flags=PSH, gap=0.0):
        """Sends 'data' after what was sent before, in segments of at most
        'seg' bytes, within the peer's window."""
        base = len(self.canon)
        self.canon += data
        self.flag_runs.append((base, flags))
        end = base + len(data)
        while self.nxt < end:
            self._retransmit_if_stalled()
            room = self.una + min(self.peer_wnd, WINDOW) - self.nxt
            if room <= 0:
                self.poll(0.05)
                continue
            n = min(seg, room, end - self.nxt)
            self._send(flags, off=self.nxt,
                       data=bytes(self.canon[self.nxt:self.nxt + n]))
            if self.una == self.nxt:
                self.last_progress = time.monotonic()
            self.nxt += n
            self.poll(gap)

    def _retransmit_if_stalled(self, seg=MSS):
        if self.in_plan:
            return
        if self.una >= self.nxt and not (self.fin_sent and not self.fin_acked):
            self.last_progress = time.monotonic()
            return
        if time.monotonic() - self.last_progress < RTO:
            return
        o = self.una
        end = min(self.nxt, self.una + max(self.peer_wnd, seg))
        while o < end:
            o = self._resend(o, min(o + seg, end))
        if self.fin_sent and not self.fin_acked and self.una >= self.nxt:
            self._send(FIN, off=self.nxt)
        self.last_progress = time.monotonic()

    def _resend(self, o, end):
        """Retransmits canonical bytes from o, up to 'end' but not across a
        change of flags (data sent without PSH stays without PSH);
        returns where it stopped."""
        flags, stop = PSH, end
        for start, f in self.flag_runs:
            if start <= o:
                flags = f
            elif start < stop:
                stop = start
                break
        self._send(flags, off=o, data=bytes(self.canon[o:stop]))
        return stop

    def flush(self, timeout=30):
        """Waits until the peer acknowledged everything sent."""
        deadline = time.monotonic() + timeout
        while self.una < self.nxt:
            if time.monotonic() > deadline:
                raise TcpError("peer did not acknowledge %d bytes"
                               % (self.nxt - self.una))
            self.poll(0.05)
            self._retransmit_if_stalled()

    # ------------------------------------------------------ receive

    def recv_until(self, n, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.rcv) < n and not self.peer_fin:
            if time.monotonic() > deadline:
                raise TcpError("received %d of %d bytes" % (len(self.rcv), n))
            self.poll(0.05)
            self._retransmit_if_stalled()
        return len(self.rcv) >= n

    def quiet(self, timeout=30, wait_fin=True):
        """Ends without FIN: waits until the peer acknowledged everything
        sent and, with 'wait_fin', until the peer's FIN came (acknowledged
        like any segment), then keeps answering retransmissions for a
        moment and stops."""
        self.flush(timeout)
        deadline = time.monotonic() + timeout
        while wait_fin and not self.peer_fin:
            if time.monotonic() > deadline:
                raise TcpError("no FIN from the peer")
            self.poll(0.05)
        self.poll(0.3)
        self.sock.close()

    def abort(self, timeout=30, no_ack=True):
        """Ends with a bare RST (no ACK unless no_ack is False) at the true
        next sequence number, once the peer acknowledged everything sent."""
        self.flush(timeout)
        self._send(RST, off=self.nxt, no_ack=no_ack)
        self.sock.close()

    def close(self, timeout=30):
        """Sends FIN after the data, waits for it to be acknowledged and
        for the peer's FIN."""
        self.flush(timeout)
        self.fin_sent = True
        self._send(FIN, off=self.nxt)
        self.last_progress = time.monotonic()
        deadline = time.monotonic() + timeout
        while not (self.fin_acked and self.peer_fin):
            if time.monotonic() > deadline:
                raise TcpError("close timed out (fin acked %s, peer fin %s)"
                               % (self.fin_acked, self.peer_fin))
            self.poll(0.05)
            self._retransmit_if_stalled()
        # Our last ACK went out when the peer's FIN arrived; a lost one is
        # answered when the peer retransmits its FIN, for a little while.
        self.poll(0.3)
        self.sock.close()


def _mss_opt():
    return struct.pack("!BBH", 2, 4, MSS)
