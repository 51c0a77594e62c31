#!/usr/bin/env bash
# Several xlb nodes behind one ECMP router (tools/lab.sh up --topology
# scale): what a user of a cluster relies on.
#   - every node's VIP is one ECMP route on the router, a next hop a node;
#   - a node whose backends all fail withdraws its VIPs within one
#     health-check fall (interval x fall + timeout) + 1 s, and announces
#     them again when they are back;
#   - every node has the same ring digests;
#   - xlbctl node drain on a node under long-lived connections: its next
#     hop leaves the router's route, none breaks, and what still reaches
#     it (a client address the router sends to it whatever BGP says) is
#     forwarded: long-lived and new connections; undrain brings it back;
#   - a node's link cut under 200 long-lived connections and a stream of
#     new ones: no long-lived maglev connection breaks or moves backend,
#     and new connections stop failing within BFD detection + 1 s;
#   - SIGTERM of a node's xlbd under long-lived connections: its routes
#     are gone when it has exited, its next hop leaves the router's
#     route, none breaks, and its data plane goes on forwarding what
#     still reaches it.
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

# every service's VIP: web (maglev), web_rr, web_nat (full NAT)
VIPS=("$LAB_VIP4" "$LAB_VIP4_2" "$LAB_VIP4_NAT")

t_ecmp() {
	local vip
	for vip in "${VIPS[@]}"; do
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
	# every VIP and n1's SNAT address (it follows web_nat's VIP): each
	# service's checks have their own random phase, so web_nat's may
	# fall up to an interval after the others'
	for vip in "${VIPS[@]}" "$LAB_N1_SNAT4"; do
		if ! wait_for 10000 without_hop "$vip" "$LAB_N1_IP4"; then
			echo "$vip still routed to n1"
			return 1
		fi
	done
	ms=$(($(now_ms) - t0))
	echo "  withdrawn on the router after ${ms} ms (bound ${bound} ms)"
	# the others keep announcing them
	for vip in "${VIPS[@]}"; do
		[[ $(next_hops "$vip" | wc -l) -eq 2 ]] || return 1
	done
	# the router learns a withdrawal after xlbd made it: nothing is left
	"$XLBCTL" -s "$LAB_N1_SOCK" status | grep -q '^node: .*announced: none' ||
		{ "$XLBCTL" -s "$LAB_N1_SOCK" status | grep '^node:'; return 1; }
	[[ $ms -le $bound ]]
}

# all_hops_all MS: every VIP's route has every node again within MS
all_hops_all() {
	local vip
	for vip in "${VIPS[@]}"; do
		wait_for "$1" all_hops "$vip" || { echo "$vip: $(next_hops "$vip")"; return 1; }
	done
}

t_reannounce() {
	hc_unblock || return 1
	all_hops_all 10000
}

# A second client address whose packets to the maglev VIP the router
# sends to n1 whatever BGP says: what still reaches a node that withdrew.
PIN_TABLE=77
PIN_IP4=${LAB_CLIENT_IP4%.*}.200
t_pin() {
	local dev
	dev=$(ip -n "$LAB_CLIENT_NS" -o -4 addr show |
		awk -v a="$LAB_CLIENT_IP4/" 'index($4, a) == 1 { print $2 }')
	ip -n "$LAB_CLIENT_NS" addr add "$PIN_IP4/24" dev "$dev" &&
		ip -n "$LAB_RT_NS" rule add from "$PIN_IP4" lookup $PIN_TABLE &&
		ip -n "$LAB_RT_NS" route add "$LAB_VIP4/32" via "$LAB_N1_IP4" \
			table $PIN_TABLE
}

# conns NAME FAULT ARGS...: scale_conns.py through the maglev VIP for 8 s,
# FAULT's commands 2 s in, its JSON in $DIR/NAME.json
conns() {
	local name=$1 fault=$2
	shift 2
	ip netns exec "$LAB_CLIENT_NS" timeout 40 python3 \
		"$ROOT/tests/integration/scale_conns.py" "$LAB_VIP4" \
		"$LAB_HTTP_PORT" --duration 8 --fault-at 2 "$@" \
		-- bash "$fault" >"$DIR/$name.json"
}

# conns_ok NAME [pinned]: none broken, every one kept asking; pinned: every
# new connection answered, and n1 holds a flow of each long-lived one
conns_ok() {
	echo "  $1: $(cut -c1-240 "$DIR/$1.json")"
	"$XLBCTL" -s "$LAB_N1_SOCK" --json flows web --limit 100000 \
		>"$DIR/$1.n1flows" 2>/dev/null || true
	python3 - "$DIR/$1.json" "${2:-}" "$PIN_IP4" "$DIR/$1.n1flows" <<-'PY'
	import json, sys
	r = json.load(open(sys.argv[1]))
	ok = r["broken"] == 0 and r["long_answers"] >= 4 * r["long"]
	if sys.argv[2] == "pinned":
	    ok = ok and r["new_failed"] == 0 and r["new_after_fault"] > 0
	    try:
	        fl = json.load(open(sys.argv[4]))["flows"]
	    except (OSError, ValueError, KeyError):
	        fl = None
	    # n1's flows (its xlbd may be gone: then the answers are the proof)
	    if fl is not None:
	        n = sum(1 for f in fl if f["client"] == sys.argv[3])
	        print("  n1 holds %d flows of %s" % (n, sys.argv[3]))
	        ok = ok and n >= r["long"]
	sys.exit(0 if ok else 1)
	PY
}

# xlbctl node drain on n1 under long-lived connections (pinned and ECMP)
t_drain() {
	local pinned vip
	echo true >"$DIR/nothing.sh"
	echo "\"$XLBCTL\" -s $LAB_N1_SOCK node drain >/dev/null" >"$DIR/drain.sh"
	conns drain_pinned "$DIR/nothing.sh" --long 50 --rate 10 \
		--source "$PIN_IP4" &
	pinned=$!
	conns drain_ecmp "$DIR/drain.sh" --long 200 --rate 50
	wait "$pinned"
	# withdrawn within the run (6 s after the drain)
	for vip in "${VIPS[@]}" "$LAB_N1_SNAT4"; do
		without_hop "$vip" "$LAB_N1_IP4" ||
			{ echo "n1 still in the route to $vip after its drain"; return 1; }
	done
	"$XLBCTL" -s "$LAB_N1_SOCK" status |
		grep -q '^node: drained, .*announced: none' ||
		{ "$XLBCTL" -s "$LAB_N1_SOCK" status | grep '^node:'; return 1; }
	conns_ok drain_ecmp && conns_ok drain_pinned pinned
}

t_undrain() {
	"$XLBCTL" -s "$LAB_N1_SOCK" node undrain >/dev/null || return 1
	all_hops_all 10000
}

# the pid of the xlbd in namespace NS
xlbd_pid() {
	local p
	for p in $(ip netns pids "$1"); do
		[[ $(cat "/proc/$p/comm" 2>/dev/null) == xlbd ]] && echo "$p"
	done
}

# SIGTERM of n1's xlbd under long-lived connections (pinned and ECMP)
t_sigterm() {
	local pid pinned
	pid=$(xlbd_pid "$LAB_N1_NS")
	[[ -n $pid ]] || { echo "no xlbd in $LAB_N1_NS"; return 1; }
	# the fault: SIGTERM, then (not holding the connections up) n1's
	# routes as the moment it is gone finds them: nothing else removes
	# them, so none there means it withdrew them before exiting
	cat >"$DIR/term.sh" <<-EOF
	kill -TERM $pid
	(
		for i in \$(seq 100); do
			[ -e /proc/$pid ] || break
			sleep 0.05
		done
		[ -e /proc/$pid ] && echo alive >"$DIR/term.alive"
		ip -n "$LAB_N1_NS" route show table $LAB_TABLE proto 177 >"$DIR/term.routes"
	) &
	EOF
	conns term_pinned "$DIR/nothing.sh" --long 50 --rate 10 \
		--source "$PIN_IP4" &
	pinned=$!
	conns term_ecmp "$DIR/term.sh" --long 200 --rate 50
	wait "$pinned"
	[[ -e $DIR/term.routes && ! -e $DIR/term.alive ]] ||
		{ echo "xlbd did not exit within 5 s of SIGTERM"; return 1; }
	[[ ! -s $DIR/term.routes ]] ||
		{ echo "routes left after exit:"; cat "$DIR/term.routes"; return 1; }
	without_hop "$LAB_VIP4" "$LAB_N1_IP4" ||
		{ echo "n1 still in the route after xlbd's exit"; return 1; }
	conns_ok term_ecmp && conns_ok term_pinned pinned
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
check "a client address the router sends to n1 whatever BGP says" t_pin
check "xlbctl node drain: n1 leaves the route, 0 long-lived connections broken, what still reaches it is forwarded" \
	t_drain
check "xlbctl node undrain: n1 back in the route" t_undrain
check "node link cut: 0 long-lived maglev connections broken, new-connection failures end within BFD + 1 s" \
	t_node_lost
check "the dead node is out of the ECMP route" t_dead_node_out
# (the dead node's own health checks fail: its rings lose the backends)
check "the live nodes still agree on their digests" \
	t_digests "$LAB_N1_SOCK" "$LAB_N3_SOCK"
check "SIGTERM of xlbd: routes gone before exit, n1 leaves the route, 0 connections broken, its data plane still forwards" \
	t_sigterm
itest_finish
