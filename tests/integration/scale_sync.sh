#!/usr/bin/env bash
# Flow sync in the scale lab (tools/lab.sh up --topology scale): the
# nodes send each other the flows of web_rr (round-robin, flow_sync: true).
#   - every flow a node pins is inserted on both other nodes, none refused;
#   - a datagram without the key, or sealed with it but not from a peer,
#     is refused and counted, and inserts nothing;
#   - a node's link cut under 200 long-lived round-robin connections, 9 s
#     after they opened with flow_timeout_tcp 6s: none breaks or moves
#     backend (their copies on the peers were sent again before they
#     could idle out there);
#   - the same with flow_sync turned off (SIGHUP): connections do break,
#     so the previous check is the sync's doing.
# Every wait is a bounded poll; the lab is torn down on exit.
# shellcheck disable=SC2317 # the checks are called through check()
set -uo pipefail
. "$(dirname "$0")/lib.sh"

scale_init sy$$
NODE_SOCKS=("$LAB_N1_SOCK" "$LAB_N2_SOCK" "$LAB_N3_SOCK")

counter() { scale_counter "$@"; }

counter_above() { [[ $(counter "$1" "$2") -gt $3 ]]; }

three_hops() {
	[[ $(ip -n "$LAB_RT_NS" route show "$LAB_VIP4_2" | grep -c nexthop) -eq 3 ]]
}

# every record sent reached both peers: inserted (or kept) = 2 x sent
all_synced() {
	local sent=0 got=0 s
	for s in "${NODE_SOCKS[@]}"; do
		sent=$((sent + $(counter flow_sync_sent "$s")))
		got=$((got + $(counter flow_sync_inserted "$s") +
			$(counter flow_sync_kept_local "$s")))
	done
	[[ $sent -ge $1 && $got -eq $((2 * sent)) ]]
}

t_synced() {
	local s r
	wait_for 20000 three_hops || { echo "no ECMP route"; return 1; }
	scale_requests "$LAB_VIP4_2" 30 || return 1
	if ! wait_for 3000 all_synced 30; then
		for s in "${NODE_SOCKS[@]}"; do
			"$XLBCTL" -s "$s" stats | grep flow_sync_
		done
		return 1
	fi
	for s in "${NODE_SOCKS[@]}"; do
		for r in bad_mac replay stale not_peer malformed unknown; do
			case $r in unknown) r=flow_sync_unknown ;; *) r=flow_sync_rejected_$r ;; esac
			[[ $(counter "$r" "$s") -eq 0 ]] || { echo "$s: $r"; return 1; }
		done
	done
	echo "  $(counter flow_sync_sent "$LAB_N1_SOCK") records sent by n1," \
		"$(counter flow_sync_bytes_sent "$LAB_N1_SOCK") bytes of UDP payload to its 2 peers"
}

# forge MODE: a datagram to n1's sync port from be1 carrying one flow of
# client 10.99.9.9 (MODE key: sealed with the lab's key; nokey: another)
forge() {
	ip netns exec "$LAB_BE1_NS" python3 - "$1" "$LAB_SYNC_KEY" \
		"$LAB_N1_IP4" "$LAB_SYNC_PORT" "$LAB_N2_IP4" "$LAB_VIP4_2" \
		"$LAB_BE1_IP4" <<-'PY'
	import hashlib, hmac, socket, struct, sys, time
	mode, keyf, dst, port, sender, vip, be = sys.argv[1:]
	key = open(keyf, "rb").read().rstrip(b"\r\n")
	if mode == "nokey":
	    key = b"not-the-key-not-the-key"
	a = socket.inet_aton
	now = int(time.time() * 1000)
	hdr = (b"XLBS" + bytes([1, 4]) + struct.pack(">HHH", 1, int(port), 0)
	       + a(sender) + bytes(12) + struct.pack(">QQQ", (now + 10**9) * 1000, 1, now))
	rec = (bytes([4, 6, 0, 0]) + struct.pack(">HHH", 80, 4242, 0)
	       + a(vip) + a("10.99.9.9") + a(be) + a("0.0.0.0"))
	body = hdr + rec
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.sendto(body + hmac.new(key, body, hashlib.sha256).digest(), (dst, int(port)))
	PY
}

forged_flow_absent() {
	! "$XLBCTL" -s "$LAB_N1_SOCK" --json flows web_rr --limit 100000 |
		grep -q '10\.99\.9\.9'
}

t_forged() {
	local mac0 peer0 ins0
	mac0=$(counter flow_sync_rejected_bad_mac "$LAB_N1_SOCK")
	peer0=$(counter flow_sync_rejected_not_peer "$LAB_N1_SOCK")
	ins0=$(counter flow_sync_inserted "$LAB_N1_SOCK")
	forge nokey && forge key || return 1
	wait_for 2000 counter_above flow_sync_rejected_not_peer "$LAB_N1_SOCK" \
		"$peer0" || true
	[[ $(counter flow_sync_rejected_bad_mac "$LAB_N1_SOCK") -eq $((mac0 + 1)) ]] ||
		{ echo "bad MAC not counted"; return 1; }
	[[ $(counter flow_sync_rejected_not_peer "$LAB_N1_SOCK") -eq $((peer0 + 1)) ]] ||
		{ echo "sealed datagram from be1 not refused as not_peer"; return 1; }
	[[ $(counter flow_sync_inserted "$LAB_N1_SOCK") -eq "$ins0" ]] ||
		{ echo "a forged flow was inserted"; return 1; }
	forged_flow_absent || { echo "client 10.99.9.9 in n1's flow table"; return 1; }
}

# node_lost WANT AT: long-lived web_rr connections, n2's link cut AT s
# after they opened; WANT zero: none broken; some: at least 10 broken
node_lost() {
	local out=$DIR/conns.$1.json fault=$DIR/fault.sh at=$2 s
	# the fault: every node's web_rr flows (to explain a broken
	# connection), then n2's link cut
	{
		for s in "${NODE_SOCKS[@]}"; do
			echo "\"$XLBCTL\" -s $s --json flows web_rr --limit 100000 >$s.$1.flows || true"
		done
		echo "ip -n $LAB_SW_NS link set n2 down"
	} >"$fault"
	wait_for 20000 three_hops || { echo "n2 not back in the route"; return 1; }
	ip netns exec "$LAB_CLIENT_NS" timeout 30 python3 \
		"$ROOT/tests/integration/scale_conns.py" "$LAB_VIP4_2" \
		"$LAB_HTTP_PORT" --long 200 --rate 50 --duration $((at + 4)) \
		--fault-at "$at" -- bash "$fault" >"$out" || { cat "$out"; return 1; }
	echo "  $(cut -c1-200 "$out")"
	for s in "${NODE_SOCKS[@]}"; do
		echo "  $s: $(counter flow_sync_resent "$s") resent," \
			"$(counter flow_sync_refreshed "$s") refreshed"
	done
	python3 - "$out" "$1" "${NODE_SOCKS[@]}" <<-'PY'
	import json, sys
	r = json.load(open(sys.argv[1]))
	if sys.argv[2] == "zero":
	    ok = r["broken"] == 0 and len(r["long_backends"]) == 3 and \
	        r["long_answers"] >= 4 * r["long"]
	    # each broken connection as every node held it at the cut
	    for port, be, at, why in r["broken_detail"]:
	        print("  broken: client port %s (%s), %s ms after the cut: %s" %
	              (port, be, at, why))
	        for s in sys.argv[3:]:
	            try:
	                fl = json.load(open(s + "." + sys.argv[2] + ".flows"))["flows"]
	            except (OSError, ValueError, KeyError):
	                continue
	            for f in fl:
	                if f["client_port"] == port:
	                    print("    %s: %s" % (s.rsplit("/", 1)[-1], f))
	else:
	    ok = r["broken"] >= 10
	sys.exit(0 if ok else 1)
	PY
	local rc=$?
	# a backend a node's health checks took down meanwhile moves flows too
	[[ $rc -eq 0 ]] || grep -h 'web_rr: backend .* -> ' "$LAB_N1_LOG" "$LAB_N3_LOG" | tail -n 5
	return $rc
}

t_node_lost_synced() { node_lost zero 9; }

# idle flows leave within seconds: a peer's copy must be sent again
t_short_timeout() {
	scale_reload_all 's/^services:/flow_timeout_tcp: 6s\nflow_scan_interval: 1s\n&/'
}

# flow_sync: false for web_rr on every node, n2's link back up
t_sync_off() {
	ip -n "$LAB_SW_NS" link set n2 up
	scale_reload_all 's/flow_sync: true/flow_sync: false/'
}

t_node_lost_unsynced() { node_lost some 2; }

check "every web_rr flow is inserted on both other nodes, none refused" t_synced
check "datagrams without the key or not from a peer: refused, counted, nothing inserted" t_forged
check "flow_timeout_tcp 6s, flow_scan_interval 1s on every node (SIGHUP)" \
	t_short_timeout
check "node link cut 9 s on: 0 long-lived round-robin connections broken (flow sync)" \
	t_node_lost_synced
check "flow_sync turned off by SIGHUP on every node" t_sync_off
check "the same cut without flow sync breaks connections (the check above can fail)" \
	t_node_lost_unsynced
itest_finish
