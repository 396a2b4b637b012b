#!/usr/bin/python3
# run inside ctns-a. Per trial: Packet-Out ct(commit,exec(mark=M)) of the connection's ACK over the
# mgmt socket, then after DELAY the same ACK (IP id = trial) really sent on ctva0.
# Table-1 rules write dscp=mark, so a capture at the server shows which mark each real packet saw.
import socket, struct, sys, time
import os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probes import ct, set_field, CTMARK
from scapy.all import Ether, IP, TCP
from ofc import recvmsg
ack=Ether(bytes.fromhex(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ack1.hex')).read().strip()))
delay=float(sys.argv[1]); n=int(sys.argv[2]); base=int(sys.argv[3]); barrier=len(sys.argv)>4
s=socket.socket(socket.AF_UNIX); s.connect('/var/run/openvswitch/ctbr0.mgmt')
s.sendall(bytes.fromhex('04000008000000ff')); recvmsg(s)
raw=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); raw.bind(('ctva0',0))
def po(mark,xid):
    acts=ct(1,0,0xff,0,set_field(CTMARK(mark)))
    data=bytes(ack)
    body=struct.pack('!IIH6x',0xffffffff,0xfffffffd,len(acts))+acts+data
    return struct.pack('!BBHI',4,13,8+len(body),xid)+body
for i in range(n):
    mark=7 if i%2==0 else 8
    p=ack.copy(); p[IP].id=base+i; del p[IP].chksum; frame=bytes(p)
    if delay<0:
        raw.send(frame); time.sleep(-delay); s.sendall(po(mark,i))
    else:
        s.sendall(po(mark,i))
        if barrier:
            s.sendall(struct.pack('!BBHI',4,20,8,0x10000+i))
            while True:
                r=recvmsg(s)
                if r[1]==21: break
        if delay>0:
            t=time.perf_counter()+delay
            while time.perf_counter()<t: pass
        raw.send(frame)
    time.sleep(0.03)
print('done',n)
