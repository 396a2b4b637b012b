#!/usr/bin/python3
import struct, sys
import os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from ofc import session
def pad8(b): return b+b'\0'*((-len(b))%8)
def oxm(cls,field,val,mask=None):
    v=val+(mask or b''); return struct.pack('!HBB',cls,(field<<1)|(1 if mask else 0),len(v))+v
def match(*oxms):
    body=b''.join(oxms); m=struct.pack('!HH',1,4+len(body))+body; return pad8(m)
def ct(flags=1,zone=0,table=0xff,alg=0,nested=b'',zone_src=0,zone_ofs_nbits=None,exp=0x2320,subtype=35):
    a=struct.pack('!HHIHHIHB3xH',0xffff,24+len(nested),exp,subtype,flags,zone_src,zone if zone_ofs_nbits is None else zone_ofs_nbits,table,alg)
    return a+nested
def set_field(o): a=struct.pack('!HH',25,len(pad8(b'\0'*4+o)))+o; return pad8(a)
def output(p): return struct.pack('!HHIH6x',0,16,p,0xffff if p==0xfffffffd else 0)
def flowmod(m,acts,table=0,prio=10,cmd=0):
    ins=struct.pack('!HH4x',4,8+len(acts))+acts
    hdr=struct.pack('!BBHI',4,14,0,0)
    body=struct.pack('!QQBBHHHIIIH2x',0,0,table,cmd,0,0,prio,0xffffffff,0xffffffffffffffff & 0xffffffff,0xffffffff,0)
    return (hdr+body+m+ins).hex()
IP=oxm(0x8000,5,b'\x08\x00')
CTMARK=lambda v,m=None: oxm(1,107,struct.pack('!I',v),m and struct.pack('!I',m))
CTSTATE=lambda v,m=None: oxm(1,105,struct.pack('!I',v),m and struct.pack('!I',m))
probes={
 'ok_commit_table1_mark5': flowmod(match(IP), ct(1,0,1,0,set_field(CTMARK(5)))),
 'masked_setfield_of13': flowmod(match(IP), ct(1,0,0xff,0,set_field(CTMARK(1,0xff)))),
 'exec_set_eth_dst': flowmod(match(IP), ct(1,0,0xff,0,set_field(oxm(0x8000,3,bytes(6))))),
 'exec_without_commit': flowmod(match(IP), ct(0,0,0xff,0,set_field(CTMARK(5)))),
 'recirc_table_254': flowmod(match(IP), ct(1,0,254,0)),
 'recirc_table_0_from_table0': flowmod(match(IP), ct(0,0,0,0)),
 'unknown_flag_0x100': flowmod(match(IP), ct(0x101,0,1,0)),
 'alg_99': flowmod(match(IP), ct(1,0,1,99)),
 'no_ip_prereq': flowmod(match(), ct(1,0,1,0)),
 'bad_len_ct_20': flowmod(match(IP), bytes.fromhex('ffff001800002320002300010000000000000001000000000000')[:0]+struct.pack('!HHIHHIHB3xH',0xffff,24,0x2320,35,1,0,0,1,0)[:20]+b'\0'*4),
 'zone_src_bad_field': flowmod(match(IP), ct(1,0,1,0,zone_src=0x0001ff04,zone_ofs_nbits=15)),
 'bad_experimenter': flowmod(match(IP), ct(1,0,1,0,exp=0x00abcdef)),
 'bad_nicira_subtype': flowmod(match(IP), ct(1,0,1,0,subtype=250)),
 'match_ctstate_bad_bits': flowmod(match(IP,CTSTATE(0x1000000,0x1000000)), output(2), table=1),
 'match_ctstate_no_prereq_ok?': flowmod(match(CTSTATE(0x22,0x22)), output(2), table=1),
 'match_ctmark_est': flowmod(match(IP,CTSTATE(0x22,0x22),CTMARK(5,0xff)), output(2), table=1),
}
if False:
  sel=sys.argv[1:] or list(probes)
  for k in sel:
      print("=== probe",k); print('sent',probes[k]); session([probes[k]])
probes['bad_len_ct_20']=flowmod(match(IP), struct.pack('!HHIHHIHB3xH',0xffff,24,0x2320,35,1,0,0,1,0)[:2]+b'\x00\x14'+struct.pack('!HHIHHIHB3xH',0xffff,24,0x2320,35,1,0,0,1,0)[4:20]+b'\0'*4)
probes['ct_len_32_trailing_zero']=flowmod(match(IP), struct.pack('!HHIHHIHB3xH',0xffff,32,0x2320,35,1,0,0,1,0)+b'\0'*8)
if __name__=="__main__":
  import subprocess
  for k in (sys.argv[1:] or list(probes)):
      subprocess.run(['ovs-ofctl','-O','OpenFlow13','del-flows','ctbr0'])
      print("=== probe",k); print('sent',probes[k]); r=session([probes[k]])
      print('  stored:', subprocess.run(['ovs-ofctl','-O','OpenFlow13','dump-flows','ctbr0','--no-stats'],capture_output=True,text=True).stdout.strip().replace('\n',' | '))
