#!/usr/bin/env bash
# Next hops of encapsulated services kept resolved by xlbd (managed
# neighbour entries) in the routed lab (tools/lab.sh up --topology routed).
# Checks: at start xlbd makes the router (the backends' gateway) a managed
# neighbour entry tagged as its own, IPv4 and IPv6, and HTTP through ipip
# reaches the backends behind it; with the router's entry flushed on the lb
# while the router does not answer ARP, a new connection's first packets
# are counted ipip_no_neigh (dropped, never sent to a zero MAC), and the
# connection succeeds once the router answers again and the kernel has
# resolved xlbd's entry, with no ping or other traffic from the test; a
# route moved to the router's other port gets the new gateway managed and
# the old one, no longer anyone's next hop, removed; at exit xlbd leaves
# its entries ordinary (not managed) and the data plane keeps forwarding.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "enn$$" 1 --topology routed --routed 1
IF=$LAB_LB_IF
{
	config_header
	cat <<EOF2
  - name: ipip4
    vip: $LAB_VIP4
    port: 80
    forwarding: ipip
    backends:
      - { address: $LAB_RB1_IP4 }
  - name: ipip6
    vip: "$LAB_VIP6"
    port: 80
    forwarding: ipip
    backends:
      - { address: "$LAB_RB1_IP6" }
EOF2
} >"$CFG"
lb() { $LAB_LB_EXEC "$@"; }
# the lb's entry of ADDR on IF, as `ip -d neigh` shows it ("" if none)
nb() { ip -n "$LAB_LB_NS" -d neigh show to "$1" dev "$IF"; }
managed() { nb "$1" | grep -q ' managed' && nb "$1" | grep -Eq 'proto (177|0xb1)'; }
reachable_managed() { managed "$1" && nb "$1" | grep -q REACHABLE; }
unresolved_managed() { managed "$1" && nb "$1" | grep -Eq 'INCOMPLETE|FAILED'; }
not() { ! "$@"; }
answers() {
	local out
	out=$(http_many "$1" "$2")
	[[ $(grep -cx rb1 <<<"$out") -eq $2 ]] || {
		echo "$1: '$out'"
		return 1
	}
}
lb ping -c1 -W1 "$LAB_CLIENT_IP4" >/dev/null 2>&1
lb ping -6 -c1 -W1 "$LAB_CLIENT_IP6" >/dev/null 2>&1
# whatever lab set-up traffic left: xlbd starts without a router entry
lb ip neigh flush to "$LAB_RT_IP4" dev "$IF"
lb ip neigh flush to "$LAB_RT_IP6" dev "$IF"

xlbd_start || exit 1
check "backends resolved" wait_resolved
check "the router (IPv4 gateway) is a managed entry of xlbd's, resolved" \
	wait_for 5000 reachable_managed "$LAB_RT_IP4"
check "... and the IPv6 gateway" \
	wait_for 5000 reachable_managed "$LAB_RT_IP6"
check "ipip IPv4 and IPv6 through the router answer" \
	bash -c "$(declare -f answers http_many); LAB_CLIENT_NS=$LAB_CLIENT_NS;
		answers http://$LAB_VIP4/ 4 && answers 'http://[$LAB_VIP6]/' 4"

# ---- an unresolved next hop: counted, then resolved by the kernel ----
arp_ignore() { ip netns exec "$LAB_RT_NS" sysctl -qw "net.ipv4.conf.eth0.arp_ignore=$1"; }
arp_ignore 8 # the router answers no ARP request on eth0
lb ip neigh flush to "$LAB_RT_IP4" dev "$IF"
check "router's entry flushed: xlbd makes it again, unresolved (no ARP answer)" \
	wait_for 8000 unresolved_managed "$LAB_RT_IP4"
nn0=$(global_stat ipip_no_neigh)
ip netns exec "$LAB_CLIENT_NS" curl -s --connect-timeout 40 -m 45 \
	-H 'Connection: close' "http://$LAB_VIP4/" >"$ITEST_DIR/curl.out" 2>&1 &
CURL=$!
BG_PIDS+=("$CURL")
no_neigh_counted() { [[ $(global_stat ipip_no_neigh) -gt $nn0 ]]; }
check "a new connection's first packets are counted ipip_no_neigh" \
	wait_for 10000 no_neigh_counted
check "... and the connection is still waiting (nothing reached the backend)" \
	kill -0 "$CURL"
arp_ignore 1
check "router answers ARP again: the kernel resolves xlbd's entry by itself" \
	wait_for 15000 reachable_managed "$LAB_RT_IP4"
curl_done() { ! kill -0 "$CURL" 2>/dev/null; }
wait_for 45000 curl_done
check "... and the waiting connection succeeds (answer from rb1)" \
	grep -qx rb1 "$ITEST_DIR/curl.out"

# ---- a route moved to another gateway ----
lb ip route replace "$LAB_SUBNET_B4" via "$LAB_RT_IP4_2"
check "route to subnet b via the router's other port: that gateway is managed" \
	wait_for 5000 reachable_managed "$LAB_RT_IP4_2"
check "... the old one, nobody's next hop now, is no longer xlbd's" \
	wait_for 5000 not managed "$LAB_RT_IP4"
check "... HTTP takes the new path" answers "http://$LAB_VIP4/" 4

# ---- exit ----
xlbd_stop
check "at exit xlbd's entries are left ordinary, not managed" \
	bash -c "! ip -n $LAB_LB_NS -d neigh show dev $IF | grep -q ' managed'"
check "... and still resolved: the data plane keeps forwarding" \
	answers "http://$LAB_VIP4/" 2

itest_finish
