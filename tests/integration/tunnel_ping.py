#!/usr/bin/env python3
# tunnel_ping.py MODE OUTER_DST SRC VIP [GUE_PORT]: what xlb's ipip or gue
# forwarding sends a backend, built by hand: an ICMP (ICMPv6) echo request
# from SRC to VIP, wrapped in an outer IP header (MODE ipip; protocol 4 or
# 41 after the inner family) or outer IP + UDP to GUE_PORT (MODE gue,
# default 6080), to OUTER_DST; the outer family follows OUTER_DST. Waits a
# second for the echo reply from VIP (the backend answers directly) and
# exits 0 if it came, 1 if not. For the decapsulator's integration tests.
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def echo(src, vip):
    ident, data = 0x5A5A, b"xlb-tunnel-ping" * 2
    if ":" not in vip:
        icmp = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + data
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0,
                         64, socket.IPPROTO_ICMP, 0, socket.inet_aton(src),
                         socket.inet_aton(vip))
        return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + icmp
    s6 = socket.inet_pton(socket.AF_INET6, src)
    d6 = socket.inet_pton(socket.AF_INET6, vip)
    icmp = struct.pack("!BBHHH", 128, 0, 0, ident, 1) + data
    pseudo = s6 + d6 + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(icmp), 58, 64, s6, d6)
    return ip + icmp


def main():
    mode, outer, src, vip = sys.argv[1:5]
    port = int(sys.argv[5]) if len(sys.argv) > 5 else 6080
    ofam = socket.AF_INET6 if ":" in outer else socket.AF_INET
    if ":" in vip:
        rx = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                           socket.IPPROTO_ICMPV6)
        want = 129
    else:
        rx = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                           socket.IPPROTO_ICMP)
        want = 0
    rx.settimeout(0.2)
    pkt = echo(src, vip)
    if mode == "gue":
        tx = socket.socket(ofam, socket.SOCK_DGRAM)
        tx.sendto(pkt, (outer, port))
    else:
        tx = socket.socket(ofam, socket.SOCK_RAW, 41 if ":" in vip else 4)
        tx.sendto(pkt, (outer, 0))
    end = time.time() + 1
    while time.time() < end:
        try:
            d, a = rx.recvfrom(4096)
        except socket.timeout:
            continue
        if ":" not in vip:
            d = d[(d[0] & 15) * 4:]
        if a[0] == vip and d[0] == want:
            print("echo reply from", vip)
            return 0
    print("no echo reply from", vip)
    return 1


sys.exit(main())
