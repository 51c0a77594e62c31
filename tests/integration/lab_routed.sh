#!/usr/bin/env bash
# Smoke test of the routed lab (tools/lab.sh up --topology routed) without
# xlbd: the backends on both subnets are reached through the router, each
# runs the decapsulator set up by tools/xlb_backend.sh, so what ipip and
# gue forwarding will send (tests/integration/tunnel_ping.py from the load
# balancer's namespace) is answered from the VIP, directly (DSR, through
# the router); the load balancer forwards on eth0; a backend whose
# decapsulator is gone stops answering; `down` leaves nothing behind.
# Prints PASS/FAIL per check and "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LAB=$ROOT/tools/lab.sh
PING=$ROOT/tests/integration/tunnel_ping.py
NAME=xr$$
PASSED=0
FAILED=0

trap '"$LAB" down --name "$NAME" >/dev/null 2>&1' EXIT

check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "PASS $name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL $name"
		FAILED=$((FAILED + 1))
	fi
}
not() { ! "$@"; }

if ! "$LAB" up --topology routed --name "$NAME" >/tmp/"$NAME".log 2>&1; then
	cat /tmp/"$NAME".log
	rm -f /tmp/"$NAME".log
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f /tmp/"$NAME".log
eval "$("$LAB" env --name "$NAME")"
ping_() { $LAB_LB_EXEC python3 "$PING" "$@"; }

check "env: routed topology, 2 backends per subnet" \
	test "$LAB_TOPOLOGY $LAB_ROUTED" = "routed 2"
check "lb forwards on $LAB_LB_IF (IPv4 and IPv6)" bash -c "
	[ \$($LAB_LB_EXEC cat /proc/sys/net/ipv4/conf/$LAB_LB_IF/forwarding) = 1 ] &&
	[ \$($LAB_LB_EXEC cat /proc/sys/net/ipv6/conf/$LAB_LB_IF/forwarding) = 1 ]"
for b in ra1 ra2 rb1 rb2; do
	up=LAB_${b^^}
	ip4=${up}_IP4
	ip6=${up}_IP6
	ex=${up}_EXEC
	check "$b: HTTP to its own IPv4 address from the lb, through the router" \
		bash -c "$LAB_LB_EXEC curl -sf -m 3 http://${!ip4}/ | grep -qx $b"
	check "$b: HTTP to its own IPv6 address from the lb" \
		bash -c "$LAB_LB_EXEC curl -sf -m 3 'http://[${!ip6}]/' | grep -qx $b"
	check "$b: ipip IPv4 to the VIP answered from the VIP" \
		ping_ ipip "${!ip4}" "$LAB_LB_IP4" "$LAB_VIP4"
	check "$b: ipip IPv6 (ip6ip6) answered from the VIP" \
		ping_ ipip "${!ip6}" "$LAB_LB_IP6" "$LAB_VIP6"
	check "$b: gue IPv4 in IPv6 answered from the VIP" \
		ping_ gue "${!ip6}" "$LAB_LB_IP4" "$LAB_VIP4"
	check "$b: VIPs on lo, arp_ignore 1, rp_filter loose" bash -c "
		${!ex} ip -o addr show dev lo | grep -q ' $LAB_VIP4/32 ' &&
		${!ex} ip -o addr show dev lo | grep -q ' $LAB_VIP6/128 ' &&
		[ \$(${!ex} cat /proc/sys/net/ipv4/conf/all/arp_ignore) = 1 ] &&
		[ \$(${!ex} cat /proc/sys/net/ipv4/conf/all/rp_filter) = 2 ]"
done
check "the client reaches the L2 backend be1 directly" \
	bash -c "$LAB_CLIENT_EXEC curl -sf -m 3 http://$LAB_BE1_IP4/ | grep -qx be1"
check "rb1: xlb_backend.sh down (decapsulator off): no answer through ipip" \
	bash -c "$LAB_RB1_EXEC $LAB_BACKEND_SETUP down eth0 $LAB_VIP4 &&
		! $LAB_LB_EXEC python3 $PING ipip $LAB_RB1_IP4 $LAB_LB_IP4 $LAB_VIP4"
check "rb1: xlb_backend.sh up again: answers" \
	bash -c "$LAB_RB1_EXEC $LAB_BACKEND_SETUP up eth0 $LAB_VIP4 $LAB_VIP6 &&
		$LAB_LB_EXEC python3 $PING ipip $LAB_RB1_IP4 $LAB_LB_IP4 $LAB_VIP4"
check "status lists every node, decapsulators on" \
	bash -c "[ \$('$LAB' status --name $NAME | grep -c ', decapsulator$') = 4 ]"
check "down removes every namespace" bash -c "
	'$LAB' down --name $NAME &&
	! ip netns list | grep -q '^$NAME-'"
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
