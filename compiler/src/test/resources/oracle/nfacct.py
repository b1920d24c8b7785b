# Creates nfacct (extended accounting) objects in the current network namespace, as kube-proxy
# does before it loads rules that name them (-m nfacct --nfacct-name NAME), without the nfacct
# tool: one NFNL_MSG_ACCT_NEW message of nfnetlink_acct per name. Usage: nfacct.py NAME...
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_ACCT = 7
NFNL_MSG_ACCT_NEW = 0
NFACCT_NAME = 1
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE = 1, 4, 0x400


def add(sock, seq, name):
    n = name.encode() + b'\0'
    attr = struct.pack('=HH', 4 + len(n), NFACCT_NAME) + n
    attr += b'\0' * (-len(attr) % 4)
    body = struct.pack('=BBH', socket.AF_UNSPEC, 0, 0) + attr
    kind = (NFNL_SUBSYS_ACCT << 8) | NFNL_MSG_ACCT_NEW
    sock.send(struct.pack('=IHHII', 16 + len(body), kind,
                          NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, seq, 0) + body)
    answer = sock.recv(4096)
    err = struct.unpack('=i', answer[16:20])[0]
    if err != 0 and err != -17:  # EEXIST: there already
        sys.exit('nfacct ' + name + ': error ' + str(-err))


s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
s.bind((0, 0))
for i, a in enumerate(sys.argv[1:]):
    add(s, i + 1, a)
