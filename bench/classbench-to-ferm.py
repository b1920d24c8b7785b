#!/usr/bin/env python3
"""Writes a ClassBench filter set as a ferm configuration with the rules that
`policyc import --format classbench` makes of it, in the same order: filter INPUT with policy
DROP (in both families, as policyc's ip6tables file has it), one ACCEPT rule per filter with its
label (1-based line number) as the comment; a filter of any protocol that restricts ports becomes
one rule per port protocol (tcp, udp, dccp, sctp), and one whose port-less protocol restricts
ports matches nothing and is left out.

Usage: classbench-to-ferm.py FILTERS > ferm.conf"""
import sys

NAMES = {1: "icmp", 6: "tcp", 17: "udp", 33: "dccp", 47: "gre", 50: "esp", 89: "ospf",
         132: "sctp"}
PORT_PROTOCOLS = (6, 17, 33, 132)
ALL_PORTS = (0, 65535)


def port_range(lo, hi):
    return str(lo) if lo == hi else f"{lo}:{hi}"


def rules(label, line):
    f = line.strip().lstrip("@").split("\t")
    sport, dport = (tuple(int(x) for x in col.split(":")) for col in (f[2], f[3]))
    value, mask = (int(x, 16) for x in f[4].split("/"))
    restricts = sport != ALL_PORTS or dport != ALL_PORTS
    if mask == 0xFF:
        if restricts and value not in PORT_PROTOCOLS:
            return []
        protos = [value]
    else:
        protos = list(PORT_PROTOCOLS) if restricts else [0]
    out = []
    for proto in protos:
        words = []
        for key, net in (("saddr", f[0]), ("daddr", f[1])):
            if not net.endswith("/0"):
                words.append(f"{key} {net}")
        if proto:
            words.append(f"proto {NAMES.get(proto, proto)}")
        if proto in PORT_PROTOCOLS:
            if sport != ALL_PORTS:
                words.append("sport " + port_range(*sport))
            if dport != ALL_PORTS:
                words.append("dport " + port_range(*dport))
        words.append(f'mod comment comment "{label}" ACCEPT;')
        out.append(" ".join(words))
    return out


def main():
    print("domain ip table filter chain INPUT {")
    print("    policy DROP;")
    with open(sys.argv[1]) as filters:
        for label, line in enumerate(filters, 1):
            for rule in rules(label, line):
                print("    " + rule)
    print("}")
    print("domain ip6 table filter chain INPUT policy DROP;")


main()
