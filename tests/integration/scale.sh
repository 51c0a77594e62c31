#!/usr/bin/env bash
# Several xlb nodes behind one ECMP router (tools/lab.sh up --topology
# scale): what a user of a cluster relies on.
#   - every node's VIP is one ECMP route on the router, a next hop a node;
#   - a node whose backends all fail withdraws its VIPs within one
#     health-check fall (interval x fall + timeout) + 1 s, and announces
#     them again when they are back;
#   - every node has the same ring digests;
#   - a node's link cut under 200 long-lived connections and a stream of
#     new ones: no long-lived maglev connection breaks or moves backend,
#     and new connections stop failing within BFD detection + 1 s.
# Every wait is a bounded poll; the lab is torn down on exit.
# shellcheck disable=SC2317 # the checks are called through check()
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# the lab's health check (tools/lab_scale.sh) and BFD (tools/bird)
HC_INTERVAL_MS=500 HC_FALL=2 HC_TIMEOUT_MS=400 BFD_MS=300
scale_init sc$$
NODE_SOCKS=("$LAB_N1_SOCK" "$LAB_N2_SOCK" "$LAB_N3_SOCK")

next_hops() { scale_next_hops "$1"; }
all_hops() { scale_all_hops "$1"; }

without_hop() { ! next_hops "$1" | grep -qx "$2"; }

t_ecmp() {
	local vip
	for vip in "$LAB_VIP4" "$LAB_VIP4_2"; do
		# BGP sessions come up within a few seconds of the lab
		if ! wait_for 20000 all_hops "$vip"; then
			echo "route to $vip on the router:"
			ip -n "$LAB_RT_NS" route show "$vip"
			return 1
		fi
	done
}

# service name -> ring digest, one line per service, of one node
digests() {
	"$XLBCTL" -s "$1" --json status | python3 -c '
import json, sys
for s in json.load(sys.stdin)["services"]:
    print(s["name"], s["ring_digest"])'
}

# t_digests SOCK...: the nodes' digests of every service (web, web_rr,
# web_nat) are the same
t_digests() {
	local d1 d sock
	d1=$(digests "$1") || return 1
	[[ $(wc -l <<<"$d1") -eq 3 ]] || { echo "$1: $d1"; return 1; }
	for sock in "${@:2}"; do
		d=$(digests "$sock") || return 1
		[[ "$d" == "$d1" ]] || {
			echo "$1:" $d1 "/ $sock:" $d
			return 1
		}
	done
}

# n1's health checks fail for every backend (its probes dropped on the way
# out; what it forwards in XDP never meets netfilter).
hc_block() {
	ip netns exec "$LAB_N1_NS" nft -f - <<-EOF
	table ip xlbt_$SCALE_NAME {
		chain out {
			type filter hook output priority 0;
			ip daddr { ${LAB_BE_IP4S// /, } } tcp dport $LAB_HTTP_PORT drop
		}
	}
	EOF
}
hc_unblock() { ip netns exec "$LAB_N1_NS" nft delete table ip "xlbt_$SCALE_NAME"; }

t_withdraw() {
	local t0 ms bound vip
	bound=$((HC_INTERVAL_MS * HC_FALL + HC_TIMEOUT_MS + 1000))
	t0=$(now_ms)
	hc_block || return 1
	for vip in "$LAB_VIP4" "$LAB_VIP4_2"; do
		if ! wait_for 10000 without_hop "$vip" "$LAB_N1_IP4"; then
			echo "$vip still routed to n1"
			return 1
		fi
	done
	ms=$(($(now_ms) - t0))
	echo "  withdrawn on the router after ${ms} ms (bound ${bound} ms)"
	# the others keep announcing it
	[[ $(next_hops "$LAB_VIP4" | wc -l) -eq 2 ]] || return 1
	"$XLBCTL" -s "$LAB_N1_SOCK" status | grep -q '^node: .*announced: none' ||
		{ "$XLBCTL" -s "$LAB_N1_SOCK" status | grep '^node:'; return 1; }
	[[ $ms -le $bound ]]
}

t_reannounce() {
	hc_unblock || return 1
	wait_for 10000 all_hops "$LAB_VIP4" && wait_for 5000 all_hops "$LAB_VIP4_2"
}

# open maglev flows of node SOCK
open_flows() {
	"$XLBCTL" -s "$1" --json flows web --limit 10000 | python3 -c '
import json, sys
print(sum(1 for f in json.load(sys.stdin)["flows"] if f["state"] == "open"))'
}

t_node_lost() {
	local out=$DIR/conns.json bound=$((BFD_MS + 1000)) fault=$DIR/fault.sh
	# the fault: note where the long-lived flows are, then cut n2's link
	cat >"$fault" <<-EOF
	for s in ${NODE_SOCKS[*]}; do
		"$XLBCTL" -s "\$s" --json flows web --limit 10000 >"\$s.flows" || true
	done
	ip -n "$LAB_SW_NS" link set n2 down
	EOF
	ip netns exec "$LAB_CLIENT_NS" timeout 30 python3 \
		"$ROOT/tests/integration/scale_conns.py" "$LAB_VIP4" \
		"$LAB_HTTP_PORT" --long 200 --rate 50 --duration 6 --fault-at 2 \
		-- bash "$fault" >"$out" || { cat "$out"; return 1; }
	echo "  $(cat "$out")"
	python3 - "$out" "$bound" "${NODE_SOCKS[@]}" <<-'PY'
	import json, sys
	r = json.load(open(sys.argv[1]))
	bound = int(sys.argv[2])
	per_node = []
	for s in sys.argv[3:]:
	    flows = json.load(open(s + ".flows"))["flows"]
	    per_node.append(sum(1 for f in flows if f["state"] == "open"))
	print("  open maglev flows per node at the cut:", per_node)
	ok = True
	def want(cond, what):
	    global ok
	    if not cond:
	        print("  not so:", what)
	        ok = False
	want(all(n > 0 for n in per_node), "every node carried long-lived flows")
	want(len(r["long_backends"]) == 3, "long-lived flows on every backend")
	want(r["broken"] == 0, "no long-lived connection broken")
	want(r["long_answers"] >= 4 * r["long"], "long-lived connections kept asking")
	want(r["new_after_fault"] >= 100, "new connections kept coming")
	last = r["last_fail_ms"]
	want(last is None or last <= bound,
	     "last new-connection failure within %d ms of the cut" % bound)
	sys.exit(0 if ok else 1)
	PY
}

t_dead_node_out() {
	[[ "$(next_hops "$LAB_VIP4")" == "$(printf '%s\n' "$LAB_N1_IP4" \
		"$LAB_N3_IP4" | sort)" ]]
}

check "one ECMP route per VIP on the router, a next hop per node" t_ecmp
check "identical ring digests on every node" t_digests "${NODE_SOCKS[@]}"
check "a node whose backends all fail withdraws within fall + 1 s" t_withdraw
check "it announces again when they are back" t_reannounce
check "node link cut: 0 long-lived maglev connections broken, new-connection failures end within BFD + 1 s" \
	t_node_lost
check "the dead node is out of the ECMP route" t_dead_node_out
# (the dead node's own health checks fail: its rings lose the backends)
check "the live nodes still agree on their digests" \
	t_digests "$LAB_N1_SOCK" "$LAB_N3_SOCK"
itest_finish
