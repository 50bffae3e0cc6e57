#!/usr/bin/env python3
"""tests/e2e/ftp.py - a minimal passive-mode FTP exchange for tests/e2e/ftp.sh.

  ftp.py server PORT            answer PASV with 227 (or EPSV with 229) and
                                send b"fwl-data-ok" on the data connection
  ftp.py client ADDR PORT [epsv]  prints DATA-OK or DATA-FAIL: why

Every socket operation has a timeout; the server handles one control
connection at a time and exits after 60 s without one.
"""
import re
import socket
import sys


def server(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(4)
    ls.settimeout(60)
    while True:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            return
        c.settimeout(5)
        try:
            c.sendall(b"220 fwl test ftp\r\n")
            cmd = c.recv(128).strip().upper()
            ds = socket.socket()
            ds.bind(("0.0.0.0", 0))
            ds.listen(1)
            ds.settimeout(5)
            dport = ds.getsockname()[1]
            host = c.getsockname()[0]
            if cmd == b"EPSV":
                c.sendall(b"229 Entering Extended Passive Mode (|||%d|)\r\n"
                          % dport)
            else:
                c.sendall(b"227 Entering Passive Mode (%s,%d,%d).\r\n" %
                          (host.replace(".", ",").encode(), dport >> 8,
                           dport & 255))
            try:
                d, _ = ds.accept()
                d.sendall(b"fwl-data-ok")
                d.close()
            except socket.timeout:
                pass
            ds.close()
        except OSError:
            pass
        c.close()


def client(addr, port, epsv):
    c = socket.create_connection((addr, port), timeout=3)
    c.settimeout(3)
    c.recv(128)
    c.sendall(b"EPSV\r\n" if epsv else b"PASV\r\n")
    reply = c.recv(256).decode()
    m = re.search(r"\(\|\|\|(\d+)\|\)", reply) if epsv else \
        re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", reply)
    if not m:
        print("DATA-FAIL: no passive reply: %r" % reply)
        return
    if epsv:
        host, dport = addr, int(m.group(1))
    else:
        g = m.groups()
        host, dport = ".".join(g[:4]), int(g[4]) * 256 + int(g[5])
    try:
        d = socket.create_connection((host, dport), timeout=3)
        d.settimeout(3)
        data = d.recv(64)
        print("DATA-OK" if data == b"fwl-data-ok" else
              "DATA-FAIL: got %r" % data)
    except OSError as e:
        print("DATA-FAIL: %s" % e)
    c.close()


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]))
    else:
        client(sys.argv[2], int(sys.argv[3]), len(sys.argv) > 4)
