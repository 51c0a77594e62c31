#!/usr/bin/env python3
"""df_probe.py ADDR PORT SIZE: one UDP datagram with DF (IPv4) or without
fragmentation (IPv6) whose IP packet is SIZE bytes, to ADDR:PORT. Prints
"reply" and exits 0 on an answer; prints "icmp TYPE CODE MTU" and exits 0
on an ICMP error about it (fragmentation needed / packet too big carry the
MTU); prints "cached MTU" when the kernel refuses to send it because it
already knows a smaller path MTU; exits 1 after 3 s with none of these.
For tests/integration/encap.sh."""
import errno
import select
import socket
import struct
import sys

IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_RECVERR = 10, 2, 11
IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO, IPV6_RECVERR = 23, 2, 25
IP_MTU, IPV6_MTU = 14, 24


def main():
    addr, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    v6 = ":" in addr
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                      socket.SOCK_DGRAM)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
        payload = size - 40 - 8
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        payload = size - 20 - 8
    s.connect((addr, port))
    try:
        s.send(b"x" * payload)
    except OSError as e:
        if e.errno != errno.EMSGSIZE:
            raise
        print("cached %d" % (s.getsockopt(socket.IPPROTO_IPV6, IPV6_MTU)
                             if v6 else s.getsockopt(socket.IPPROTO_IP,
                                                     IP_MTU)))
        return 0
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLERR)
    if not p.poll(3000):
        return 1
    try:
        s.recv(65536)
        print("reply")
        return 0
    except OSError:
        pass
    _, anc, _, _ = s.recvmsg(65536, 512, socket.MSG_ERRQUEUE)
    for level, typ, data in anc:
        if typ in (IP_RECVERR, IPV6_RECVERR) and len(data) >= 16:
            _, _, etype, ecode, _, info, _ = struct.unpack("=IBBBBII",
                                                           data[:16])
            print("icmp %d %d %d" % (etype, ecode, info))
            return 0
    return 1


sys.exit(main())
