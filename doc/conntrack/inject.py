#!/usr/bin/python3
# inject.py c2s|s2c SEQ ACK PAYLEN [FLAGS]   (run in the sender's namespace)
import sys, socket
from scapy.all import Ether, IP, TCP, Raw
d,seq,ack,n=sys.argv[1],int(sys.argv[2])%2**32,int(sys.argv[3])%2**32,int(sys.argv[4]); fl=sys.argv[5] if len(sys.argv)>5 else 'PA'
C=('6a:c3:62:c0:03:ee','10.77.0.1',56900); S=('7a:3f:0d:2e:92:bd','10.77.0.2',8080)
a,b=(C,S) if d=='c2s' else (S,C)
p=Ether(src=a[0],dst=b[0])/IP(src=a[1],dst=b[1])/TCP(sport=a[2],dport=b[2],seq=seq,ack=ack,flags=fl,window=85)/Raw(b'Q'*n)
s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW); s.bind(('ctva0' if d=='c2s' else 'ctvb0',0)); s.send(bytes(Ether(bytes(p))))
