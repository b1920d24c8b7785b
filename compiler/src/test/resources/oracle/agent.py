"""Packet agent of the policyc kernel oracle.

Runs inside one network namespace the oracle created, reads one JSON command per line on
stdin and answers one JSON line on stdout:

  {"op": "send", "via": "l2", "pkt": {...}}   craft with scapy, send on the veth (AF_PACKET)
  {"op": "send", "via": "l3", "pkt": {...}}   craft with scapy, send through a raw IP socket,
                                              so the packet takes the host's OUTPUT path
  {"op": "drain"}                             frames received on the veth since the last drain
  {"op": "ping"}

Packet fields: family (4|6), src, dst, proto, sport, dport, icmp_type, icmp_code, flags (TCP),
tos, ttl, length (total, IPv6: payload + 40), frag (IPv4: a non-first fragment).
"""

import json
import socket
import sys
import threading
import time

from scapy.all import Ether, IP, IPv6, TCP, UDP, ICMP, Raw, conf
from scapy.layers.inet6 import ICMPv6Unknown
from scapy.layers.sctp import SCTP, SCTPChunkInit

conf.verb = 0

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def craft(p):
    fam = p["family"]
    proto = p["proto"]
    if fam == 4:
        ip = IP(src=p["src"], dst=p["dst"], tos=p["tos"], ttl=p["ttl"], id=p.get("id", 1))
        if p.get("frag"):
            ip.frag = 185  # offset in 8-byte units: a second-or-later fragment
            ip.flags = 0
            ip.proto = proto
            pkt = ip / Raw(b"\x00" * 8)
            return pad(pkt, p["length"])
    else:
        ip = IPv6(src=p["src"], dst=p["dst"], tc=p["tos"], hlim=p["ttl"])
    if proto == 6:
        l4 = TCP(sport=p["sport"], dport=p["dport"], flags=p["flags"],
                 seq=p.get("tcp_seq", 1000), ack=p.get("tcp_ack", 0), window=1024)
    elif proto == 17:
        l4 = UDP(sport=p["sport"], dport=p["dport"])
    elif proto == 132:
        l4 = SCTP(sport=p["sport"], dport=p["dport"], tag=0) / SCTPChunkInit(init_tag=7)
    elif proto == 1:
        l4 = ICMP(type=p["icmp_type"], code=p["icmp_code"], id=7, seq=1)
    elif proto == 58:
        l4 = ICMPv6Unknown(type=p["icmp_type"], code=p["icmp_code"], msgbody=b"\x00" * 4)
    else:
        if fam == 4:
            ip.proto = proto
        else:
            ip.nh = proto
        # 8 bytes: a GRE header and more; NAT refuses to rewrite a shorter one (gre_manip_pkt)
        l4 = Raw(b"\x00" * 8)
    return pad(ip / l4, p["length"])


def pad(pkt, length):
    have = len(bytes(pkt))
    if length > have:
        pkt = pkt / Raw(b"\x00" * (length - have))
    return pkt


def describe(frame):
    """The fields of a captured frame that the oracle compares."""
    eth = Ether(frame)
    out = {"len": len(frame)}
    if eth.type == 0x0800 and IP in eth:
        ip = eth[IP]
        out.update(family=4, src=ip.src, dst=ip.dst, proto=ip.proto, ttl=ip.ttl, tos=ip.tos,
                   frag=ip.frag)
        body = ip.payload
    elif eth.type == 0x86DD and IPv6 in eth:
        ip = eth[IPv6]
        out.update(family=6, src=ip.src, dst=ip.dst, proto=ip.nh, ttl=ip.hlim, tos=ip.tc,
                   frag=0)
        body = ip.payload
    else:
        out.update(family=0)
        return out
    if TCP in body:
        out.update(sport=body[TCP].sport, dport=body[TCP].dport, flags=int(body[TCP].flags))
    elif UDP in body:
        out.update(sport=body[UDP].sport, dport=body[UDP].dport)
    elif SCTP in body:
        out.update(sport=body[SCTP].sport, dport=body[SCTP].dport)
    elif ICMP in body:
        out.update(icmp_type=body[ICMP].type, icmp_code=body[ICMP].code)
    return out


class Agent:
    def __init__(self, iface, peer_mac):
        self.iface = iface
        self.peer_mac = peer_mac
        self.frames = []
        self.lock = threading.Lock()
        self.sock = None
        if iface:
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.sock.bind((iface, 0))
            self.mac = self.sock.getsockname()[4]
            threading.Thread(target=self.capture, daemon=True).start()
        self.raw4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.raw6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)

    def capture(self):
        while True:
            data, addr = self.sock.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue
            with self.lock:
                self.frames.append(data)

    def send(self, cmd):
        pkt = craft(cmd["pkt"])
        if cmd["via"] == "l2":
            ethertype = 0x0800 if cmd["pkt"]["family"] == 4 else 0x86DD
            frame = Ether(src=self.mac, dst=self.peer_mac, type=ethertype) / pkt
            self.sock.send(bytes(frame))
        else:
            sock = self.raw4 if cmd["pkt"]["family"] == 4 else self.raw6
            try:
                sock.sendto(bytes(pkt), (cmd["pkt"]["dst"], 0))
            except OSError as e:
                # a packet the OUTPUT path drops or rejects fails the send (EPERM and friends)
                return {"ok": True, "sent": len(bytes(pkt)), "errno": e.errno}
        return {"ok": True, "sent": len(bytes(pkt))}

    def drain(self):
        with self.lock:
            frames, self.frames = self.frames, []
        return {"ok": True, "frames": [describe(f) for f in frames]}


def main():
    iface = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != "-" else None
    peer = sys.argv[2] if len(sys.argv) > 2 else None
    agent = Agent(iface, peer)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            op = cmd["op"]
            if op == "send":
                res = agent.send(cmd)
            elif op == "drain":
                res = agent.drain()
            elif op == "ping":
                res = {"ok": True}
            else:
                res = {"ok": False, "error": "unknown op " + op}
        except Exception as e:  # report, keep serving
            res = {"ok": False, "error": repr(e)}
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
