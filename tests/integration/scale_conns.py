#!/usr/bin/env python3
"""Connections through the scale lab while a node is lost (tests/integration/scale.sh).

Run in the client's namespace:
  scale_conns.py VIP PORT --long N --rate R --duration S --fault-at T
                 [--source ADDR] -- CMD...

- N long-lived HTTP/1.1 keep-alive connections, each asking one request
  about every second (staggered). A connection is broken when a request
  fails (reset, close, no answer within --answer-timeout) or is answered
  by a different backend than its first request (X-Backend).
- A stream of new connections, R per second (one request each, connect
  + answer within --new-timeout); each attempt is logged with its start.
- At T seconds CMD runs (the fault); its time is the reference.

Prints one JSON object: long-lived totals and broken ones with reasons,
new-connection counts and the start of the last failed attempt relative to
the fault (ms). Bounded: runs --duration seconds plus one answer timeout.
"""
import argparse
import json
import selectors
import socket
import subprocess
import sys
import threading
import time

REQ = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def backend_of(head):
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"x-backend:"):
            return line.split(b":", 1)[1].strip().decode()
    return "?"


def parse(buf):
    """(backend, rest) when buf holds one complete response, else None."""
    if b"\r\n\r\n" not in buf:
        return None
    head, body = buf.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":", 1)[1])
    if len(body) < n:
        return None
    return backend_of(head), body[n:]


class Long:
    def __init__(self, i, addr, period, stagger, source):
        self.i = i
        self.s = socket.create_connection(addr, timeout=3,
                                          source_address=source)
        self.s.setblocking(False)
        self.buf = b""
        self.backend = None
        self.sent_at = None
        self.next_at = time.monotonic() + stagger
        self.period = period
        self.broken = None
        self.broken_at = None
        self.answers = 0
        self.port = self.s.getsockname()[1]

    def send(self, now):
        try:
            self.s.send(REQ)
        except OSError as e:
            self.broken = "send: %s" % e
            return
        self.sent_at = now

    def readable(self, now):
        try:
            c = self.s.recv(4096)
        except BlockingIOError:
            return
        except OSError as e:
            self.broken = "recv: %s" % e
            return
        if not c:
            self.broken = "closed by peer"
            return
        self.buf += c
        r = parse(self.buf)
        if r is None:
            return
        be, self.buf = r
        if self.backend is None:
            self.backend = be
        elif be != self.backend:
            self.broken = "moved from %s to %s" % (self.backend, be)
        self.answers += 1
        self.sent_at = None
        self.next_at = now + self.period


def new_stream(addr, rate, until, timeout, log, source):
    gap = 1.0 / rate
    t = time.monotonic()
    threads = []

    def one(start):
        ok = False
        try:
            s = socket.create_connection(addr, timeout=timeout,
                                         source_address=source)
            s.settimeout(max(0.05, start + timeout - time.monotonic()))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            buf = b""
            while parse(buf) is None:
                c = s.recv(4096)
                if not c:
                    break
                buf += c
            ok = parse(buf) is not None
            s.close()
        except OSError:
            pass
        log.append((start, ok))

    while t < until:
        now = time.monotonic()
        if now < t:
            time.sleep(t - now)
        th = threading.Thread(target=one, args=(time.monotonic(),))
        th.start()
        threads.append(th)
        t += gap
    for th in threads:
        th.join(timeout + 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vip")
    ap.add_argument("port", type=int)
    ap.add_argument("--long", type=int, default=200)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--duration", type=float, default=6)
    ap.add_argument("--fault-at", type=float, default=2)
    ap.add_argument("--answer-timeout", type=float, default=5)
    ap.add_argument("--new-timeout", type=float, default=0.5)
    ap.add_argument("--source", help="the client address to connect from")
    argv = sys.argv[1:]
    if "--" not in argv:
        ap.error("missing -- CMD (the fault)")
    cut = argv.index("--")
    a = ap.parse_args(argv[:cut])
    cmd = argv[cut + 1:]
    addr = (a.vip, a.port)

    source = (a.source, 0) if a.source else None
    conns = [Long(i, addr, 1.0, i / a.long, source) for i in range(a.long)]
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.s, selectors.EVENT_READ, c)
    t0 = time.monotonic()
    end = t0 + a.duration
    fault_t = None
    log = []
    stream = threading.Thread(
        target=new_stream, args=(addr, a.rate, end, a.new_timeout, log, source))
    stream.start()
    while True:
        now = time.monotonic()
        if fault_t is None and now >= t0 + a.fault_at:
            fault_t = time.monotonic()
            subprocess.run(cmd, check=True)
        live = [c for c in conns if c.broken is None]
        waiting = [c for c in live if c.sent_at is not None]
        if now >= end and not waiting:
            break
        for c in live:
            if c.sent_at is None and now < end and now >= c.next_at:
                c.send(now)
            elif c.sent_at is not None and now - c.sent_at > a.answer_timeout:
                c.broken = "no answer in %.1f s" % a.answer_timeout
        for key, _ in sel.select(0.02):
            c = key.data
            if c.broken is None:
                c.readable(time.monotonic())
        for c in live:
            if c.broken and c.broken_at is None:
                c.broken_at = time.monotonic()
    stream.join()
    broken = [c for c in conns if c.broken]
    fails = [s for s, ok in log if not ok]
    out = {
        "long": len(conns),
        "long_answers": sum(c.answers for c in conns),
        "long_backends": sorted({c.backend for c in conns if c.backend}),
        "broken": len(broken),
        "broken_reasons": sorted({c.broken for c in broken}),
        "new": len(log),
        "new_failed": len(fails),
        "new_after_fault": sum(1 for s, _ in log if s > fault_t),
        "last_fail_ms": round((max(fails) - fault_t) * 1000) if fails else None,
        # to find them in the nodes' flow tables (client port, first
        # backend, when it broke after the fault in ms, why)
        "broken_detail": [[c.port, c.backend,
                           round((c.broken_at - fault_t) * 1000)
                           if c.broken_at and fault_t else None, c.broken]
                          for c in broken],
    }
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
