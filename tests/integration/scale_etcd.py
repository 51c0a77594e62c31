#!/usr/bin/env python3
"""The scale lab's nodes over their control sockets (tests/integration/scale_etcd.sh).

  scale_etcd.py wait T0 MS SERVICE ADDRESS (in|out) SOCK...
      poll every node's status until ADDRESS is up in SERVICE's ring on
      every node (in) or in none (out) and the ring digests of every
      service are the same on all of them; prints the milliseconds it
      took since T0 (epoch ms: when the change was made); exit 1 at T0 + MS
      without that.
  scale_etcd.py snapshot SOCK...
      one line per node: the services' digests, backends, weights and
      states and the config revision it runs (what a refused config must
      leave alone).
  scale_etcd.py reachable (yes|no) SOCK...
      exit 0 when every node says etcd is (not) reachable.

The sockets are spoken to directly (one JSON line each way), not through
xlbctl, so one poll of three nodes costs milliseconds on a loaded machine.
"""
import json
import socket
import sys
import time


def status(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    s.connect(path)
    s.sendall(b'{"cmd":"status"}\n')
    buf = b""
    while not buf.endswith(b"\n"):
        c = s.recv(1 << 20)
        if not c:
            break
        buf += c
    s.close()
    r = json.loads(buf)
    if not r.get("ok"):
        raise OSError(r.get("error", "status failed"))
    return r["data"]


def digests(st):
    return sorted((s["name"], s["ring_digest"]) for s in st["services"])


def up_in(st, svc, addr):
    for s in st["services"]:
        if s["name"] == svc:
            return any(b["address"] == addr and b["state"] == "up"
                       for b in s["backends"])
    return False


def wait(t0, ms, svc, addr, want, socks):
    t0 /= 1000.0
    end = t0 + ms / 1000.0
    last = None
    while True:
        try:
            sts = [status(p) for p in socks]
            ok = all(up_in(st, svc, addr) == (want == "in") for st in sts)
            ok = ok and all(digests(st) == digests(sts[0]) for st in sts)
            last = [digests(st) for st in sts]
        except (OSError, ValueError) as e:
            ok, last = False, str(e)
        now = time.time()
        if ok:
            print(round((now - t0) * 1000))
            return 0
        if now >= end:
            print("not within %d ms: %s" % (ms, last))
            return 1
        time.sleep(0.01)


def snapshot(socks):
    for p in socks:
        st = status(p)
        svcs = [(s["name"], s["ring_digest"],
                 [(b["address"], b["weight"], b["state"])
                  for b in s["backends"]]) for s in st["services"]]
        print(json.dumps([st["node"]["etcd"]["revision"], svcs]))
    return 0


def reachable(want, socks):
    return 0 if all(status(p)["node"]["etcd"]["reachable"] == (want == "yes")
                    for p in socks) else 1


def main():
    a = sys.argv[1:]
    if a[0] == "wait":
        return wait(int(a[1]), int(a[2]), a[3], a[4], a[5], a[6:])
    if a[0] == "snapshot":
        return snapshot(a[1:])
    if a[0] == "reachable":
        try:
            return reachable(a[1], a[2:])
        except (OSError, ValueError):
            return 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
