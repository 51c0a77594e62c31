#!/usr/bin/env bash
# Full NAT across nodes in the scale lab (tools/lab.sh up --topology
# scale): web_nat (forwarding: nat, round-robin, flow_sync: true), each
# node with its own SNAT address, announced over BGP.
#   - each node's SNAT address is routed by the router to that node only;
#   - every NAT flow a node makes reaches both other nodes (inserted, then
#     refreshed when it is established), none refused, and each node
#     announces the peers' SNAT addresses as backups (the router holds
#     them as alternatives, one AS longer);
#   - a node's link cut under 200 long-lived NAT connections and a stream
#     of new ones, 9 s after they opened with tcp_established_timeout 6s
#     (the copies on the peers live only because they are sent again):
#     none breaks or moves backend, new-connection failures end within
#     BFD detection + 1 s, the router sends the dead node's SNAT address
#     to the survivors, which translate its replies;
#   - the same with flow_sync turned off (SIGHUP): connections do break,
#     so the previous check is the sync's doing.
# Every wait is a bounded poll; the lab is torn down on exit.
# shellcheck disable=SC2317 # the checks are called through check()
set -uo pipefail
. "$(dirname "$0")/lib.sh"

scale_init na$$
NODE_SOCKS=("$LAB_N1_SOCK" "$LAB_N2_SOCK" "$LAB_N3_SOCK")
NODE_SNAT=("$LAB_N1_SNAT4" "$LAB_N2_SNAT4" "$LAB_N3_SNAT4")
NODE_IP4=("$LAB_N1_IP4" "$LAB_N2_IP4" "$LAB_N3_IP4")
# BFD of tools/bird (100 ms x 3)
BFD_MS=300

counter() { scale_counter "$@"; }

# the router's route to each node's SNAT address: that node alone
owners_only() {
	local i
	for i in 0 1 2; do
		[[ "$(scale_next_hops "${NODE_SNAT[$i]}")" == "${NODE_IP4[$i]}" ]] ||
			return 1
	done
}

t_owner_routes() {
	wait_for 20000 scale_all_hops "$LAB_VIP4_NAT" || {
		echo "no ECMP route to $LAB_VIP4_NAT"
		return 1
	}
	wait_for 10000 owners_only || {
		ip -n "$LAB_RT_NS" route show | grep -A3 198.20
		return 1
	}
}

# every record sent reached both peers: inserted (or refreshed, or kept)
all_synced() {
	local sent=0 got=0 s
	for s in "${NODE_SOCKS[@]}"; do
		sent=$((sent + $(counter flow_sync_sent "$s")))
		got=$((got + $(counter flow_sync_inserted "$s") +
			$(counter flow_sync_refreshed "$s") +
			$(counter flow_sync_kept_local "$s")))
	done
	[[ $sent -ge $1 && $got -eq $((2 * sent)) ]]
}

# node I (0..2) holds both peers' SNAT addresses as backups in its table
backups_of() {
	local i=$1 j ns=LAB_N$(($1 + 1))_NS
	for j in 0 1 2; do
		[[ $j -eq $i ]] && continue
		ip -n "${!ns}" route show table "$LAB_TABLE" "${NODE_SNAT[$j]}" |
			grep -q "metric 2048" || return 1
	done
}

# the router's BIRD has each SNAT address from all three nodes
router_alternatives() {
	local a
	for a in "${NODE_SNAT[@]}"; do
		[[ $(birdc -s "$LAB_RT_BIRD_SOCK" show route for "$a/32" |
			grep -c "via 198.18.0") -eq 3 ]] || return 1
	done
}

t_synced() {
	local i s r
	scale_requests "$LAB_VIP4_NAT" 30 || return 1
	if ! wait_for 3000 all_synced 60; then
		for s in "${NODE_SOCKS[@]}"; do
			"$XLBCTL" -s "$s" stats | grep flow_sync_
		done
		return 1
	fi
	for s in "${NODE_SOCKS[@]}"; do
		for r in flow_sync_unknown flow_sync_insert_failed \
			flow_sync_nat_own_snat flow_sync_rejected_malformed; do
			[[ $(counter "$r" "$s") -eq 0 ]] || { echo "$s: $r"; return 1; }
		done
	done
	for i in 0 1 2; do
		wait_for 3000 backups_of "$i" || {
			echo "n$((i + 1)) does not announce its peers' SNAT addresses as backups"
			ip -n "$(eval echo "\$LAB_N$((i + 1))_NS")" route show table "$LAB_TABLE"
			return 1
		}
	done
	wait_for 5000 router_alternatives || {
		birdc -s "$LAB_RT_BIRD_SOCK" show route for "${NODE_SNAT[1]}/32" all
		return 1
	}
	owners_only || { echo "a backup won over an owner"; return 1; }
	echo "  $(counter flow_sync_sent "$LAB_N1_SOCK") records sent by n1"
}

# idle NAT flows end within seconds: a peer's copy must be sent again
t_short_timeout() {
	scale_reload_all 's/^snat:/&\n  tcp_established_timeout: 6s/; s/^services:/flow_scan_interval: 1s\n&/'
}

# n2's SNAT address on the router: via the survivors only
snat_moved() {
	local hops
	hops=$(scale_next_hops "$LAB_N2_SNAT4")
	[[ -n $hops ]] && ! grep -qx "$LAB_N2_IP4" <<<"$hops"
}

# node_lost WANT AT: long-lived web_nat connections, n2's link cut AT s
# after they opened; WANT zero: none broken; some: at least 10 broken
node_lost() {
	local out=$DIR/conns.$1.json fault=$DIR/fault.sh at=$2
	local rev0 bound=$((BFD_MS + 1000))
	# the fault: n2's count of the NAT flows it made, then its link cut
	cat >"$fault" <<-EOF
	"$XLBCTL" -s "$LAB_N2_SOCK" --json stats >"$DIR/n2.stats" || true
	ip -n "$LAB_SW_NS" link set n2 down
	EOF
	wait_for 20000 scale_all_hops "$LAB_VIP4_NAT" ||
		{ echo "n2 not back in the route"; return 1; }
	wait_for 10000 owners_only || { echo "n2 does not own its SNAT address"; return 1; }
	rev0=$(($(counter nat_rev "$LAB_N1_SOCK") + $(counter nat_rev "$LAB_N3_SOCK")))
	ip netns exec "$LAB_CLIENT_NS" timeout 40 python3 \
		"$ROOT/tests/integration/scale_conns.py" "$LAB_VIP4_NAT" \
		"$LAB_HTTP_PORT" --long 200 --rate 50 --duration $((at + 4)) \
		--fault-at "$at" -- bash "$fault" >"$out" || { cat "$out"; return 1; }
	echo "  $(cut -c1-240 "$out")"
	for s in "${NODE_SOCKS[@]}"; do
		echo "  $s: $(counter flow_sync_resent "$s") resent," \
			"$(counter flow_sync_refreshed "$s") refreshed," \
			"$(counter nat_rev "$s") replies translated"
	done
	[[ $1 == some ]] || snat_moved || {
		echo "  n2's SNAT address still routed to n2:"
		ip -n "$LAB_RT_NS" route show "$LAB_N2_SNAT4"
		return 1
	}
	python3 - "$out" "$1" "$bound" "$DIR/n2.stats" "$rev0" \
		"$(($(counter nat_rev "$LAB_N1_SOCK") + $(counter nat_rev "$LAB_N3_SOCK")))" <<-'PY'
	import json, sys
	r = json.load(open(sys.argv[1]))
	want_zero, bound = sys.argv[2] == "zero", int(sys.argv[3])
	n2 = json.load(open(sys.argv[4]))["global"]
	rev0, rev1 = int(sys.argv[5]), int(sys.argv[6])
	ok = True
	def want(cond, what):
	    global ok
	    if not cond:
	        print("  not so:", what)
	        ok = False
	want(n2["new_flow"] >= 20, "n2 made NAT flows before the cut (%d)" % n2["new_flow"])
	if want_zero:
	    want(r["broken"] == 0, "no long-lived connection broken")
	    want(len(r["long_backends"]) == 3, "long-lived flows on every backend")
	    want(r["long_answers"] >= 4 * r["long"], "long-lived connections kept asking")
	    want(r["new_after_fault"] >= 100, "new connections kept coming")
	    last = r["last_fail_ms"]
	    want(last is None or last <= bound,
	         "last new-connection failure within %d ms of the cut" % bound)
	    want(rev1 > rev0, "the survivors translated replies")
	else:
	    want(r["broken"] >= 10, "connections broken without flow sync")
	sys.exit(0 if ok else 1)
	PY
}

t_node_lost_synced() { node_lost zero 9; }

# flow_sync: false on every node, n2's link back up
t_sync_off() {
	ip -n "$LAB_SW_NS" link set n2 up
	scale_reload_all 's/flow_sync: true/flow_sync: false/'
}

t_node_lost_unsynced() { node_lost some 2; }

check "each node's SNAT address routed to that node alone" t_owner_routes
check "every NAT flow reaches both other nodes, none refused; the peers' SNAT addresses announced as backups" \
	t_synced
check "tcp_established_timeout 6s, flow_scan_interval 1s on every node (SIGHUP)" \
	t_short_timeout
check "node link cut 9 s on: 0 long-lived NAT connections broken, new-connection failures end within BFD + 1 s, replies to its SNAT address translated by the survivors" \
	t_node_lost_synced
check "flow_sync turned off by SIGHUP on every node" t_sync_off
check "the same cut without flow sync breaks NAT connections (the check above can fail)" \
	t_node_lost_unsynced
itest_finish
