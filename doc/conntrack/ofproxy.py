#!/usr/bin/python3
# MITM logger: tcp 127.0.0.1:PORT <-> unix OVS mgmt socket; logs each OpenFlow message as hex.
import socket, sys, threading, struct
port=int(sys.argv[1]); path=sys.argv[2]; log=open(sys.argv[3],'a',buffering=1)
def pump(a,b,tag):
    buf=b''
    while True:
        d=a.recv(65536)
        if not d: break
        b.sendall(d); buf+=d
        while len(buf)>=8:
            n=struct.unpack('!H',buf[2:4])[0]
            if len(buf)<n: break
            log.write('%s %s\n'%(tag,buf[:n].hex())); buf=buf[n:]
    try: b.shutdown(socket.SHUT_WR)
    except: pass
ls=socket.socket(); ls.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); ls.bind(('127.0.0.1',port)); ls.listen(5)
while True:
    c,_=ls.accept(); u=socket.socket(socket.AF_UNIX); u.connect(path)
    log.write('--- new connection\n')
    threading.Thread(target=pump,args=(c,u,'C>S'),daemon=True).start()
    threading.Thread(target=pump,args=(u,c,'S>C'),daemon=True).start()
