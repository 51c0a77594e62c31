#!/usr/bin/env bash
# Flow-sync traffic in the scale lab (the README's "per 1,000 new flows/s"
# figure): 3,000 new TCP connections to web_rr (round-robin, flow_sync:
# true) from the client at 1,000 a second, spread over the three nodes by
# the router's ECMP; every node's flow-sync counters before and after.
#   - every connection's flow was sent exactly once (records sent = the
#     connections made; none lost in the ring buffer, none dropped);
#   - the bytes are what the wire format gives (user/lib/flow_sync_wire.h:
#     per datagram and peer a 52-byte header and a 32-byte MAC, per IPv4
#     record 26 bytes), so the figure below is the wire's;
#   - printed: records, datagrams and UDP payload bytes per 1,000 flows,
#     for the cluster and per node, and with the 28 bytes of IPv4 and UDP
#     headers per datagram, the bytes on the wire.
# Every wait is a bounded poll; the lab is torn down on exit.
# shellcheck disable=SC2317 # the checks are called through check()
set -uo pipefail
. "$(dirname "$0")/lib.sh"

FLOWS=${SYNC_RATE_FLOWS:-3000}
RATE=${SYNC_RATE:-1000}
scale_init sr$$
NODE_SOCKS=("$LAB_N1_SOCK" "$LAB_N2_SOCK" "$LAB_N3_SOCK")
FIELDS=(flow_sync_sent flow_sync_resent flow_sync_datagrams_sent flow_sync_bytes_sent
	flow_sync_send_dropped flow_sync_lost flow_sync_send_errors)

# totals SOCK: the FIELDS of one node, in that order
totals() {
	"$XLBCTL" -s "$1" --json stats | python3 -c '
import json, sys
g = json.load(sys.stdin)["global"]
print(" ".join(str(g.get(f, 0)) for f in sys.argv[1:]))' "${FIELDS[@]}"
}

three_hops() {
	[[ $(ip -n "$LAB_RT_NS" route show "$LAB_VIP4_2" | grep -c nexthop) -eq 3 ]]
}

# quiet SOCK: the node sent nothing for a second
quiet() {
	local a b
	a=$(totals "$1")
	sleep 1
	b=$(totals "$1")
	[[ $a == "$b" ]]
}

t_rate() {
	local i before=() after=() made
	wait_for 20000 three_hops || { echo "no ECMP route"; return 1; }
	for i in 0 1 2; do before[i]=$(totals "${NODE_SOCKS[i]}"); done
	made=$(ip netns exec "$LAB_CLIENT_NS" timeout 60 python3 - \
		"$LAB_VIP4_2" "$LAB_HTTP_PORT" "$FLOWS" "$RATE" <<-'PY'
	# FLOWS connections opened at RATE a second (non-blocking, paced),
	# each closed once connected; prints "made failed seconds"
	import selectors, socket, sys, time
	vip, port, n, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
	sel = selectors.DefaultSelector()
	t0 = time.monotonic()
	started = ok = failed = 0
	while started < n or sel.get_map():
	    now = time.monotonic()
	    while started < n and now - t0 >= started / rate:
	        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	        s.setblocking(False)
	        s.connect_ex((vip, port))
	        sel.register(s, selectors.EVENT_WRITE, now)
	        started += 1
	    for key, _ in sel.select(timeout=0.001):
	        s = key.fileobj
	        sel.unregister(s)
	        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
	            ok += 1
	        else:
	            failed += 1
	        s.close()
	    for key in list(sel.get_map().values()):
	        if now - key.data > 3:
	            sel.unregister(key.fileobj)
	            key.fileobj.close()
	            failed += 1
	print(ok, failed, round(time.monotonic() - t0, 2))
	PY
	) || { echo "client failed"; return 1; }
	read -r ok failed secs <<<"$made"
	echo "  $ok connections made, $failed failed, in $secs s"
	for i in 0 1 2; do wait_for 5000 quiet "${NODE_SOCKS[i]}"; done
	for i in 0 1 2; do after[i]=$(totals "${NODE_SOCKS[i]}"); done
	python3 - "$((ok + failed))" "$secs" "${before[@]}" "${after[@]}" <<-'PY'
	import sys
	flows, secs = int(sys.argv[1]), float(sys.argv[2])
	v = [list(map(int, a.split())) for a in sys.argv[3:]]
	d = [[a - b for a, b in zip(v[i + 3], v[i])] for i in range(3)]
	ok = True
	for i, (rec, resent, dgr, byt, drop, lost, err) in enumerate(d):
	    new = rec - resent
	    print(f"  n{i + 1}: {new} flows sent in {dgr // 2} datagrams "
	          f"({dgr} to its 2 peers), {byt} bytes of UDP payload")
	    # per peer: 84 per datagram, 26 per IPv4 record
	    if byt != 84 * dgr + 26 * 2 * rec:
	        print(f"  n{i + 1}: {byt} bytes, the wire format gives "
	              f"{84 * dgr + 26 * 2 * rec}")
	        ok = False
	    if drop or lost or err:
	        print(f"  n{i + 1}: {drop} dropped, {lost} lost, {err} send errors")
	        ok = False
	new = sum(x[0] - x[1] for x in d)
	dgr = sum(x[2] for x in d)
	byt = sum(x[3] for x in d)
	if new != flows:
	    print(f"  {new} flows sent for {flows} connections")
	    ok = False
	k = 1000 / flows
	print(f"  per 1,000 new flows ({flows / secs:.0f}/s over 3 nodes): "
	      f"{dgr * k:.0f} datagrams, {byt * k / 1000:.1f} KB of UDP payload, "
	      f"{(byt + 28 * dgr) * k / 1000:.1f} KB on the wire (IPv4 + UDP), "
	      f"{byt / (new * 2):.1f} payload bytes per flow and peer")
	sys.exit(0 if ok else 1)
	PY
}

check "$FLOWS new round-robin flows at $RATE/s: each sent once, bytes as the wire format says" t_rate
itest_finish
