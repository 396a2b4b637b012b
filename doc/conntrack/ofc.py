#!/usr/bin/python3
# Minimal OpenFlow 1.3 client on the bridge's mgmt socket: send raw hex messages,
# then a barrier, print every reply (hex + ovs-ofctl ofp-print decode).
import socket, struct, sys, subprocess
SOCK='/var/run/openvswitch/ctbr0.mgmt'
def recvmsg(s):
    h=b''
    while len(h)<8: h+=s.recv(8-len(h))
    n=struct.unpack('!H',h[2:4])[0]; b=h
    while len(b)<n: b+=s.recv(n-len(b))
    return b
def session(msgs, quiet=False):
    s=socket.socket(socket.AF_UNIX); s.connect(SOCK)
    s.sendall(bytes.fromhex('04000008000000ff')); recvmsg(s)  # hello
    out=[]
    for i,m in enumerate(msgs):
        b=bytearray(bytes.fromhex(m)); struct.pack_into('!HI',b,2,len(b),0x100+i); s.sendall(b)
    s.sendall(bytes.fromhex('041400080000ffff'))
    while True:
        r=recvmsg(s); out.append(r)
        if r[1]==0x15 and r[4:8]==b'\0\0\xff\xff': break
    s.close()
    for r in out:
        dec=subprocess.run(['ovs-ofctl','ofp-print',r.hex()],capture_output=True,text=True).stdout.strip()
        print('reply', r.hex()); print('  ', dec.replace('\n','\n   '))
    return out
if __name__=='__main__':
    session(sys.argv[1:])
