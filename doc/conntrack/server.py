#!/usr/bin/python3
# echo server; "BULK n\n" -> sends n bytes
import socket, threading, sys
def h(c):
    while True:
        d=c.recv(65536)
        if not d: break
        if d.startswith(b'BULK'):
            n=int(d.split()[1]); c.sendall(b'z'*n)
        else: c.sendall(d)
    c.close()
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(('10.77.0.2',int(sys.argv[1]) if len(sys.argv)>1 else 8080)); s.listen(50)
while True:
    c,_=s.accept(); threading.Thread(target=h,args=(c,),daemon=True).start()
