#!/usr/bin/env python3
"""Clients and a backend server for tests/integration/nat_scale.sh.

  nat_scale.py serve NAME PORT
      Backend server (threads, IPv4 and IPv6). Per connection, lines:
        "E TOKEN"     -> "NAME TOKEN"             (echo: who answered what)
        "D N SEED"    -> N bytes of Random(SEED)  (download)
        "U N"         -> N bytes read, then the sha256 hex of them (upload)
  nat_scale.py hold ADDR PORT N DIR [--proto http|echo] [--names a,b]
      Opens N connections (--conc at a time), asks one request on each and
      keeps every answered one open. A connection not answered within
      --timeout is retried with a new socket up to --retries times.
      --sports LO-HI: each socket's source port is the next one of LO-HI
      (bound, not the kernel's pick), for waves of many connections: the
      kernel's connect() walks the ephemeral range past every port in use
      or in TIME_WAIT, seconds of the client's time once a range is
      mostly taken (its answers then wait unread past --timeout). Writes
      DIR/held.json, then waits (bounded) for DIR/close; echo: asks a
      second request on every held connection; closes them all and writes
      DIR/closed.json. An answer is correct when it names a backend of
      --names and, for echo, carries the request's own token.
  nat_scale.py xfer ADDR PORT {up|down} BYTES RATE OUT
      One transfer at about RATE bytes/s (0: unpaced); writes OUT.progress
      (bytes so far) while running and OUT (JSON: ok, bytes, detail).
Every wait is bounded.
"""
import hashlib
import json
import os
import random
import resource
import selectors
import socket
import socketserver
import sys
import threading
import time

CHUNK = 65536


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def write_json(path, obj):
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    os.rename(path + ".tmp", path)


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


# ---- server ----


def recv_exact(f, n, sink):
    while n:
        b = f.read(min(n, CHUNK))
        if not b:
            raise IOError("short")
        sink(b)
        n -= len(b)


def serve(name, port):
    class H(socketserver.StreamRequestHandler):
        def handle(self):
            for line in self.rfile:
                w = line.split()
                if len(w) == 2 and w[0] == b"E":
                    self.wfile.write(b"%s %s\n" % (name.encode(), w[1]))
                elif len(w) == 3 and w[0] == b"D":
                    data = random.Random(int(w[2])).randbytes(int(w[1]))
                    self.wfile.write(data)
                elif len(w) == 2 and w[0] == b"U":
                    h = hashlib.sha256()
                    recv_exact(self.rfile, int(w[1]), h.update)
                    self.wfile.write(h.hexdigest().encode() + b"\n")
                else:
                    return
                self.wfile.flush()

    class S4(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 1024

    class S6(S4):
        address_family = socket.AF_INET6

        def server_bind(self):
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            super().server_bind()

    servers = [S4(("0.0.0.0", port), H), S6(("::", port), H)]
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("ready", flush=True)
    servers[0].serve_forever()


# ---- many held connections ----


class Conn:
    def __init__(self, i, attempt, addr, proto, sport):
        self.i = i
        self.attempt = attempt
        self.token = b"c%d-%d" % (i, attempt)
        if proto == "http":
            self.req = b"GET /?c=%s HTTP/1.1\r\nHost: x\r\n\r\n" % self.token
        else:
            self.req = b"E %s\n" % self.token
        self.s = socket.socket(family_of(addr[0]), socket.SOCK_STREAM)
        self.s.setblocking(False)
        if sport:
            self.s.bind(("::" if ":" in addr[0] else "0.0.0.0", sport))
        t = time.monotonic()
        self.s.connect_ex(addr)
        self.started = time.monotonic()
        self.connect_s = self.started - t
        self.sent = False
        self.buf = b""
        self.backend = None


def http_answer(buf):
    """(backend, complete) of an HTTP reply in buf; backend None: bad."""
    if b"\r\n\r\n" not in buf:
        return None, False
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    n, be = 0, None
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
        elif k.strip().lower() == b"x-backend":
            be = v.strip().decode()
    if len(body) < n:
        return None, False
    ok = lines[0].startswith(b"HTTP/1.1 200") and body.strip().decode() == be
    return (be if ok else None), True


def answer_of(c, proto):
    """(backend or None for a wrong answer, complete)."""
    if proto == "http":
        return http_answer(c.buf)
    if b"\n" not in c.buf:
        return None, False
    w = c.buf.split(b"\n", 1)[0].split()
    if len(w) == 2 and w[1] == c.token:
        return w[0].decode(), True
    return None, True


def hold(addr, port, n, out, proto, names, conc, timeout, retries, wait,
         sports):
    raise_nofile()
    sel = selectors.DefaultSelector()
    todo = [(i, 0) for i in range(n)]
    todo.reverse()
    active = {}
    held = []
    res = {"asked": n, "answered": 0, "failed": 0, "wrong": 0,
           "retries": 0, "backends": {}, "errors": {}, "connect_s": 0}
    deadline = time.monotonic() + wait
    lat = []  # seconds from connect() to the answer
    next_sport = [sports[0] if sports else 0]

    def finish(c, again, why=None):
        if why:
            res["errors"][why] = res["errors"].get(why, 0) + 1
        sel.unregister(c.s)
        del active[c.s.fileno()]
        if again:
            c.s.close()
            if c.attempt < retries:
                res["retries"] += 1
                todo.append((c.i, c.attempt + 1))
            else:
                res["failed"] += 1

    while (todo or active) and time.monotonic() < deadline:
        while todo and len(active) < conc:
            i, a = todo.pop()
            sport = 0
            if sports:
                if not sports[0] <= next_sport[0] <= sports[1]:
                    res["failed"] += 1
                    res["errors"]["no client port"] = \
                        res["errors"].get("no client port", 0) + 1
                    continue
                sport = next_sport[0]
                next_sport[0] += 1
            c = Conn(i, a, (addr, port), proto, sport)
            res["connect_s"] += c.connect_s
            active[c.s.fileno()] = c
            sel.register(c.s, selectors.EVENT_WRITE, c)
        for key, _ in sel.select(0.05):
            c = key.data
            try:
                if not c.sent:
                    err = c.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise OSError(err, os.strerror(err))
                    c.s.send(c.req)
                    c.sent = True
                    sel.modify(c.s, selectors.EVENT_READ, c)
                    continue
                b = c.s.recv(4096)
                if not b:
                    raise OSError("closed")
                c.buf += b
            except OSError as e:
                finish(c, True, ("sent " if c.sent else "connect ") +
                       (os.strerror(e.errno) if e.errno else str(e)))
                continue
            be, complete = answer_of(c, proto)
            if not complete:
                continue
            finish(c, False)
            if be is None or (names and be not in names):
                res["wrong"] += 1
                c.s.close()
                continue
            res["answered"] += 1
            lat.append(time.monotonic() - c.started)
            res["backends"][be] = res["backends"].get(be, 0) + 1
            c.backend = be
            c.buf = b""
            held.append(c)
        now = time.monotonic()
        for c in [c for c in active.values() if now - c.started > timeout]:
            finish(c, True, "timeout " + ("answer" if c.sent else "connect"))
    res["failed"] += len(todo) + len(active)
    res["connect_s"] = round(res["connect_s"], 2)
    lat.sort()
    if lat:
        res["latency_p50_p99_max"] = [
            round(lat[int(q * (len(lat) - 1))], 3) for q in (0.5, 0.99, 1)]
    write_json(os.path.join(out, "held.json"), res)

    while not os.path.exists(os.path.join(out, "close")):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    again = {"asked": len(held), "answered": 0, "wrong": 0, "failed": 0}
    if proto == "echo":
        # a second request on every held connection: still the same
        # backend, still its own answer
        for c in held:
            c.s.setblocking(True)
            c.s.settimeout(3)
            try:
                c.s.sendall(c.req)
                while b"\n" not in c.buf:
                    b = c.s.recv(4096)
                    if not b:
                        raise OSError("closed")
                    c.buf += b
                be, _ = answer_of(c, proto)
                if be == c.backend:
                    again["answered"] += 1
                else:
                    again["wrong"] += 1
            except OSError:
                again["failed"] += 1
    for c in held:
        c.s.close()
    write_json(os.path.join(out, "closed.json"), again)


# ---- one large transfer ----


def xfer(addr, port, way, nbytes, rate, out):
    seed = 1234567
    res = {"ok": False, "bytes": 0, "detail": ""}
    got = 0
    t0 = time.monotonic()
    last = 0

    def pace():
        nonlocal last
        if got - last >= 1 << 20:
            with open(out + ".progress.tmp", "w") as f:
                f.write("%d\n" % got)
            os.rename(out + ".progress.tmp", out + ".progress")
            last = got
        if rate:
            ahead = got / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)

    try:
        s = socket.create_connection((addr, port), timeout=10)
        s.settimeout(20)
        data = random.Random(seed).randbytes(nbytes)
        if way == "down":
            s.sendall(b"D %d %d\n" % (nbytes, seed))
            h = hashlib.sha256()
            while got < nbytes:
                b = s.recv(min(CHUNK, nbytes - got))
                if not b:
                    raise IOError("closed after %d bytes" % got)
                h.update(b)
                got += len(b)
                pace()
            ok = h.hexdigest() == hashlib.sha256(data).hexdigest()
            res["detail"] = "sha256 %s" % ("equal" if ok else "differs")
        else:
            s.sendall(b"U %d\n" % nbytes)
            while got < nbytes:
                s.sendall(data[got:got + CHUNK])
                got += min(CHUNK, nbytes - got)
                pace()
            line = s.makefile("rb").readline().strip().decode()
            ok = line == hashlib.sha256(data).hexdigest()
            res["detail"] = "backend's sha256 %s" % (
                "equal" if ok else "differs: " + line)
        res["ok"] = ok
    except (OSError, IOError) as e:
        res["detail"] = str(e)
    res["bytes"] = got
    res["seconds"] = round(time.monotonic() - t0, 2)
    write_json(out, res)


def main():
    a = sys.argv[1:]
    if a and a[0] == "serve":
        serve(a[1], int(a[2]))
    elif a and a[0] == "hold":
        opt = {"--proto": "http", "--names": "", "--conc": "256",
               "--timeout": "3", "--retries": "2", "--wait": "300",
               "--sports": ""}
        pos = []
        i = 1
        while i < len(a):
            if a[i] in opt:
                opt[a[i]] = a[i + 1]
                i += 2
            else:
                pos.append(a[i])
                i += 1
        names = set(x for x in opt["--names"].split(",") if x)
        hold(pos[0], int(pos[1]), int(pos[2]), pos[3], opt["--proto"], names,
             int(opt["--conc"]), float(opt["--timeout"]),
             int(opt["--retries"]), float(opt["--wait"]),
             [int(x) for x in opt["--sports"].split("-")] if opt["--sports"]
             else None)
    elif a and a[0] == "xfer":
        xfer(a[1], int(a[2]), a[3], int(a[4]), float(a[5]), a[6])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
