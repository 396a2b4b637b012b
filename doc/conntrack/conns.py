#!/usr/bin/python3
# conns.py N: open N TCP connections to 10.77.0.2:8080, echo 'hi' on each, report, keep open HOLD s
import socket, sys, time
n=int(sys.argv[1]); hold=float(sys.argv[2]) if len(sys.argv)>2 else 0; ss=[]
for i in range(n):
    s=socket.socket(); s.settimeout(3)
    try:
        s.connect(('10.77.0.2',8080)); s.sendall(b'hi'); r=s.recv(10); print(i,'port',s.getsockname()[1],'ok',r,flush=True)
    except Exception as e: print(i,'port',s.getsockname()[1],'FAIL',e,flush=True)
    ss.append(s)
time.sleep(hold)
