#!/usr/bin/env python3
"""genpolicy.py N [SEED] - a generated policy of N arms over mixed fields
(IPv4/IPv6 CIDRs, TCP/UDP port ranges, protocols, interfaces, ct.state),
ending with `_ -> Drop`.  Used by the checker benchmark (bench.sh)."""
import random
import sys

n = int(sys.argv[1])
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
out = ["interface wan : WAN dynamic",
       "interface lan : LAN cidr4 = { 10.0.0.0/8 } cidr6 = { fd00::/16 }",
       "interface dmz : LAN cidr4 = { 192.168.0.0/16 }",
       "",
       "policy forward : Frame<{}>",
       "  on hook = Forward, table = Filter, priority = Filter",
       "  where"]


def v4():
    plen = rng.choice([8, 12, 16, 20, 24, 24, 28, 32])
    a = rng.getrandbits(32) & ((0xffffffff << (32 - plen)) & 0xffffffff)
    return "%d.%d.%d.%d/%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                               a & 255, plen)


def v6():
    plen = rng.choice([32, 48, 56, 64])
    a = (0x2001 << 112) | (rng.getrandbits(plen - 16) << (128 - plen))
    groups = ["%x" % ((a >> (112 - 16 * i)) & 0xffff) for i in range(8)]
    return ":".join(groups) + "/%d" % plen


for i in range(n - 1):
    ifs = rng.choice(["_", "_", "wan -> lan", "lan -> wan", "wan -> dmz"])
    fam = 6 if rng.random() < 0.2 else 4
    fields = []
    if rng.random() < 0.8:
        fields.append("src ∈ " + (v4() if fam == 4 else v6()))
    if rng.random() < 0.4:
        fields.append("dst ∈ " + (v4() if fam == 4 else v6()))
    hdr = ("ip" if fam == 4 else "ip6") + (
        " { " + ", ".join(fields) + " }" if fields else "")
    proto = rng.choice(["TCP", "TCP", "UDP", "ICMP", "_"])
    if proto in ("TCP", "UDP"):
        lo = rng.randrange(0, 65536)
        hi = min(65535, lo + rng.choice([0, 0, 10, 100, 1000]))
        port = ":%d" % lo if lo == hi else ":%d-%d" % (lo, hi)
        l4 = "%s(%s { dport ∈ %s }, _)" % (proto, proto.lower(), port)
    elif proto == "ICMP":
        l4 = "ICMP(_, _)" if fam == 4 else "ICMPv6(_, _)"
    else:
        l4 = "_"
    guard = " if ct.state == New" if rng.random() < 0.1 else ""
    act = rng.choice(["Allow", "Drop"])
    out.append("  | Frame(%s, Ether(_, IPv%d(%s, %s)))%s -> %s"
               % (ifs, fam, hdr, l4, guard, act))
out.append("  | _ -> Drop")
print("\n".join(out))
