#!/usr/bin/env bash
# The backends' decapsulator loader (xlbctl decap) on a veth pair: a
# "load balancer" namespace sends what xlb's ipip and gue forwarding send
# (tests/integration/tunnel_ping.py: an echo request to the VIP, wrapped),
# the backend namespace holds the VIP on lo and runs the decapsulator.
# Replies come from the VIP only for frames to the backend's own address
# whose inner destination is an attached --vip; a second attach updates
# the VIPs in place; after detach nothing is stripped. The same in tc mode
# (--mode tc, beside another XDP program): its filter is the only one it
# adds and removes. Bad arguments say what is wrong. Prints PASS/FAIL per
# check and "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
XLBCTL=${XLB_BIN_DIR:-$ROOT/build}/xlbctl
PING=$ROOT/tests/integration/tunnel_ping.py
LB=xdc$$-lb
BE=xdc$$-be
PASSED=0
FAILED=0

cleanup() {
	ip netns del "$LB" 2>/dev/null
	ip netns del "$BE" 2>/dev/null
}
trap cleanup EXIT

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
# says PATTERN CMD...: CMD fails and its stderr matches PATTERN
says() {
	local pat=$1 err
	shift
	err=$("$@" 2>&1 >/dev/null) && return 1
	grep -q -- "$pat" <<<"$err"
}

ip netns add "$LB"
ip netns add "$BE"
ip -n "$LB" link add eth0 type veth peer name eth0 netns "$BE"
for ns in "$LB" "$BE"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
done
ip -n "$LB" -b - <<-EOF
	link set lo up
	addr add 10.77.0.1/24 dev eth0
	addr add fd77::1/64 dev eth0 nodad
	link set eth0 up
EOF
ip -n "$BE" -b - <<-EOF
	link set lo up
	addr add 10.77.0.2/24 dev eth0
	addr add fd77::2/64 dev eth0 nodad
	addr add 198.19.0.100/32 dev lo
	addr add 198.19.0.101/32 dev lo
	addr add fd77:100::100/128 dev lo
	link set eth0 up
EOF
BEX="nsenter --net=/run/netns/$BE $XLBCTL"
ping_() { ip netns exec "$LB" python3 "$PING" "$@"; }
for _ in $(seq 50); do
	ip netns exec "$LB" ping -c1 -W1 fd77::2 >/dev/null 2>&1 && break
	sleep 0.1
done

check "without the decapsulator: no reply through ipip" \
	not ping_ ipip 10.77.0.2 10.77.0.1 198.19.0.100
check "attach refused without --vip" not $BEX decap attach eth0
check "attach eth0 --vip 198.19.0.100 --vip fd77:100::100" \
	$BEX decap attach eth0 --vip 198.19.0.100 --vip fd77:100::100
# strips MODE: every tunnel kind to a VIP answered, the rest not; the
# status says MODE, counts stripped 6, not_vip 1 and lists the two VIPs
strips() {
	local m=$1
	check "$m: ipip (IPv4 in IPv4): echo reply from the VIP" \
		ping_ ipip 10.77.0.2 10.77.0.1 198.19.0.100
	check "$m: ip6ip6: echo reply from the VIP" \
		ping_ ipip fd77::2 fd77::1 fd77:100::100
	check "$m: IPv4 in IPv6: echo reply from the VIP" \
		ping_ ipip fd77::2 10.77.0.1 198.19.0.100
	check "$m: IPv6 in IPv4: echo reply from the VIP" \
		ping_ ipip 10.77.0.2 fd77::1 fd77:100::100
	check "$m: gue over IPv4, inner IPv6: echo reply from the VIP" \
		ping_ gue 10.77.0.2 fd77::1 fd77:100::100
	check "$m: gue over IPv6, inner IPv4: echo reply from the VIP" \
		ping_ gue fd77::2 10.77.0.1 198.19.0.100
	check "$m: gue to another UDP port: not stripped" \
		not ping_ gue 10.77.0.2 10.77.0.1 198.19.0.100 6081
	check "$m: inner destination not a --vip (though on lo): not stripped" \
		not ping_ ipip 10.77.0.2 10.77.0.1 198.19.0.101
	check "$m: status: $m mode, stripped 6, not_vip 1, the two VIPs" \
		bash -c "$BEX --json decap status eth0 | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(not (d[\"mode\"] == \"$m\" and d[\"stripped\"] == 6 and
              d[\"not_vip\"] == 1 and
              sorted(d[\"vips\"]) == [\"198.19.0.100\", \"fd77:100::100\"]))'"
}
strips xdp
check "attach again with --vip 198.19.0.101 only: updated in place" \
	bash -c "$BEX decap attach eth0 --vip 198.19.0.101 | grep -q 'updated'"
check "now 198.19.0.101 is stripped" \
	ping_ ipip 10.77.0.2 10.77.0.1 198.19.0.101
check "and 198.19.0.100 no longer" \
	not ping_ ipip 10.77.0.2 10.77.0.1 198.19.0.100
check "detach" $BEX decap detach eth0
check "after detach: no reply" not ping_ ipip 10.77.0.2 10.77.0.1 198.19.0.101
check "detach again fails: nothing attached" not $BEX decap detach eth0
check "generic mode attach" \
	$BEX decap attach eth0 --vip 198.19.0.100 --mode generic
check "generic mode: echo reply from the VIP" \
	ping_ gue 10.77.0.2 10.77.0.1 198.19.0.100
check "detach (generic mode)" $BEX decap detach eth0

# ---- bad arguments ----
check "--mode foo: refused, saying the modes" \
	says 'argument "foo" is wrong: --mode is xdp, generic .* or tc' \
	$BEX decap attach eth0 --vip 198.19.0.100 --mode foo
check "attach without DEV: refused, saying DEV is missing" \
	says 'DEV (the interface) is missing' \
	$BEX decap attach --vip 198.19.0.100 --mode tc
check "detach with --mode: refused" \
	says '--mode and --gue-port are for attach' \
	$BEX decap detach eth0 --mode tc

# ---- tc mode, beside another XDP program and another tc filter ----
# (grep without -q: under pipefail an early exit would fail the pipe)
tcf() { ip netns exec "$BE" tc filter show dev eth0 ingress | grep "$1"; }
ours() { tcf 'handle 0xdeca xlb_decap_tc'; }
ip -n "$BE" link set dev eth0 xdpgeneric obj "$ROOT/build/xdp_pass.bpf.o" sec xdp
ip netns exec "$BE" tc qdisc add dev eth0 clsact
# another's filter: the same program unconfigured (strips nothing)
ip netns exec "$BE" tc filter add dev eth0 ingress prio 9 bpf da \
	obj "$ROOT/build/xlb_decap.bpf.o" sec tc
check "tc mode attach (another XDP program runs)" \
	$BEX decap attach eth0 --mode tc --vip 198.19.0.100 --vip fd77:100::100
check "tc: our filter, handle 0xdeca, on eth0 ingress" ours
strips tc
check "tc: attach again (no --mode): updated in place, stays in tc mode" \
	bash -c "$BEX decap attach eth0 --vip 198.19.0.101 | grep -q 'tc mode.*updated.*keeps its mode'"
check "tc: now 198.19.0.101 is stripped" \
	ping_ ipip 10.77.0.2 10.77.0.1 198.19.0.101
check "tc: detach" $BEX decap detach eth0
check "tc: after detach no filter of ours is left" not ours
check "... the other filter stays" tcf 'pref 9 bpf'
check "... and the other XDP program" \
	bash -c "ip -n $BE -d link show eth0 | grep prog/xdp"
check "tc: after detach no reply" \
	not ping_ ipip 10.77.0.2 10.77.0.1 198.19.0.101
check "tc: detach again fails: nothing attached" not $BEX decap detach eth0
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
