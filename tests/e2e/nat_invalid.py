#!/usr/bin/env python3
"""tests/e2e/nat_invalid.py - the packets of tests/e2e/nat-invalid.sh.

  nat_invalid.py capture IFACE PORT SECONDS OUT
      write one line "SRC SPORT FLAGS PAYLOAD_LEN" per IPv4 TCP packet to
      PORT seen on IFACE (AF_PACKET) until SECONDS pass, flushed each line.
  nat_invalid.py client DST PORT
      open a TCP connection to DST:PORT, send "hello" on it, then a segment
      with the same addresses and ports and SYN+FIN set (invalid: Linux's
      conntrack and FWL's judge it so whatever its sequence numbers), then
      "bye" on the connection; print the local address and port.
Every wait is bounded; errors exit non-zero with a sentence.
"""
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_segment(src, sport, dst, dport, seq, flags):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags,
                      65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0x1234, 0,
                     64, socket.IPPROTO_TCP, 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def capture(iface, port, seconds, out):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0))
    s.settimeout(0.2)
    end = time.monotonic() + seconds
    with open(out, "w") as f:
        while time.monotonic() < end:
            try:
                frame = s.recv(65535)
            except socket.timeout:
                continue
            ip = frame[14:]
            if len(ip) < 40 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_TCP:
                continue
            ihl = (ip[0] & 15) * 4
            tot = struct.unpack("!H", ip[2:4])[0]
            tcp = ip[ihl:]
            sport, dport = struct.unpack("!HH", tcp[:4])
            if dport != port:
                continue
            plen = tot - ihl - (tcp[12] >> 4) * 4
            f.write("%s %d %#04x %d\n" % (socket.inet_ntoa(ip[12:16]), sport,
                                          tcp[13], plen))
            f.flush()


def client(dst, port):
    c = socket.create_connection((dst, port), timeout=2)
    src, sport = c.getsockname()
    c.sendall(b"hello\n")
    time.sleep(0.3)
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.sendto(tcp_segment(src, sport, dst, port, 12345, 0x03), (dst, 0))
    time.sleep(0.3)
    c.sendall(b"bye\n")
    time.sleep(0.3)
    c.close()
    print(src, sport)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "capture":
        capture(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    elif len(sys.argv) == 4 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: nat_invalid.py capture IFACE PORT SECONDS OUT | "
                 "client DST PORT")


if __name__ == "__main__":
    main()
