#!/usr/bin/env python3
"""tests/e2e/lb.py - the load-balancing e2e test's server and client
(tests/e2e/nat-lb.sh).

  lb.py serve NAME PORT        answer each line received with NAME, or
                               with the peer's address when NAME is "peer"
                               (10 minutes at most)
  lb.py client ADDR PORT SPORT N
                               one TCP connection from source port SPORT,
                               N lines, 0.1 s apart; print the answers on
                               one line ("-" for none)
  lb.py hash SADDR DADDR SPORT DPORT PROTO COUNT
                               fwl_nat_flow_hash (maps/nat.h) of the tuple,
                               modulo COUNT: the backend a flow gets
"""
import ipaddress
import socket
import socketserver
import sys
import threading


def flow_hash(saddr, daddr, sport, dport, proto):
    def a16(a):
        b = ipaddress.ip_address(a).packed
        return b + bytes(16 - len(b))
    h = 2166136261
    for x in (a16(saddr) + a16(daddr) + sport.to_bytes(2, "big") +
              dport.to_bytes(2, "big") + bytes([proto])):
        h = ((h ^ x) * 16777619) & 0xFFFFFFFF
    return h


def serve(name, port):
    class H(socketserver.StreamRequestHandler):
        def handle(self):
            self.connection.settimeout(10)
            me = self.client_address[0] if name == "peer" else name
            try:
                for _ in self.rfile:
                    self.wfile.write((me + "\n").encode())
            except OSError:
                pass

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    srv = socketserver.ThreadingTCPServer(("0.0.0.0", port), H)
    threading.Timer(600, srv.shutdown).start()
    srv.serve_forever()


def client(addr, port, sport, n):
    out = []
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(2)
        s.bind(("0.0.0.0", sport))
        s.connect((addr, port))
        f = s.makefile("rw")
        for _ in range(n):
            f.write("hi\n")
            f.flush()
            out.append(f.readline().strip() or "-")
            threading.Event().wait(0.1)
        s.close()
    except OSError:
        out.append("-")
    print(" ".join(out))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["serve"] and len(a) == 3:
        serve(a[1], int(a[2]))
    elif a[:1] == ["client"] and len(a) == 5:
        client(a[1], int(a[2]), int(a[3]), int(a[4]))
    elif a[:1] == ["hash"] and len(a) == 7:
        print(flow_hash(a[1], a[2], int(a[3]), int(a[4]), int(a[5])) %
              int(a[6]))
    else:
        sys.exit(__doc__)
