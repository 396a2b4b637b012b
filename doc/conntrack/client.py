#!/usr/bin/python3
# reads commands from a fifo: "send TEXT", "bulk N", "close"; logs to stdout
import socket, sys, time
fifo=sys.argv[1]; port=int(sys.argv[2]) if len(sys.argv)>2 else 8080
s=socket.create_connection(('10.77.0.2',port)); print('connected',s.getsockname(),flush=True)
while True:
    for line in open(fifo):
        cmd=line.split()
        if not cmd: continue
        if cmd[0]=='send': s.sendall(cmd[1].encode()); print('echo',s.recv(100),flush=True)
        elif cmd[0]=='bulk':
            n=int(cmd[1]); s.sendall(b'BULK %d'%n); got=0
            while got<n: got+=len(s.recv(65536))
            print('bulk got',got,flush=True)
        elif cmd[0]=='close': s.close(); print('closed',flush=True); sys.exit(0)
