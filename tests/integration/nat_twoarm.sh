#!/usr/bin/env bash
# Full NAT two-armed: clients on arm A (the lab's eth0), backends on arm B
# (a second interface of the load balancer, eth1, into a namespace of
# this test's own, 198.18.7.0/24 and 2001:2:0:7::/64). Requests come in
# on eth0 and leave through eth1, the backends' replies to the SNAT
# address (the lb's eth1 address) come in on eth1 (reply_interfaces) and
# leave through eth0. Without the program on eth1 the replies would reach
# the lb's kernel, which has no such connection (RST). Checked: HTTP new
# connections and keep-alive over IPv4 and IPv6, the redirect counters of
# both interfaces, an L2 service on arm A beside it, a restart adopting
# both interfaces mid-connection, and --teardown detaching both.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "nat2a$$" 1
ARMB_NS=$ITEST_NAME-armb
ARMB_IP4=198.18.7.1 ARMB_IP6=2001:2:0:7::1
BB1_IP4=198.18.7.11 BB1_IP6=2001:2:0:7::11
BB2_IP4=198.18.7.12 BB2_IP6=2001:2:0:7::12

armb_cleanup() {
	itest_cleanup
	ip netns pids "$ARMB_NS" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$ARMB_NS" 2>/dev/null
}
trap armb_cleanup EXIT

# arm B: lb eth1 <-> armb eth0, two backends (addresses) in one namespace
ip netns add "$ARMB_NS"
ip -n "$LAB_LB_NS" link add eth1 type veth peer name eth0 netns "$ARMB_NS"
for ns in "$LAB_LB_NS:eth1" "$ARMB_NS:eth0"; do
	ip netns exec "${ns%%:*}" ethtool -K "${ns#*:}" tx off gro off \
		>/dev/null 2>&1
	ip netns exec "${ns%%:*}" sysctl -qw \
		"net.ipv6.conf.${ns#*:}.accept_dad=0" \
		"net.ipv6.conf.${ns#*:}.accept_ra=0"
done
# the lb's redirects into eth1 are received by XDP on its peer
ip -n "$ARMB_NS" link set eth0 xdpdrv obj "$LAB_XDP_PASS" sec xdp
ip -n "$LAB_LB_NS" -b - <<EOF
addr add $ARMB_IP4/24 dev eth1
addr add $ARMB_IP6/64 dev eth1 nodad
link set eth1 up
EOF
ip -n "$ARMB_NS" -b - <<EOF
link set lo up
addr add $BB1_IP4/24 dev eth0
addr add $BB2_IP4/24 dev eth0
addr add $BB1_IP6/64 dev eth0 nodad
addr add $BB2_IP6/64 dev eth0 nodad
link set eth0 up
EOF
for b in 1 2; do
	ip4=BB${b}_IP4 ip6=BB${b}_IP6
	ip netns exec "$ARMB_NS" "$LAB_HTTPD" --name "armb$b" \
		--listen "${!ip4}" --listen "${!ip6}" --port 80 \
		--pidfile "$ITEST_DIR/armb$b.pid" >"$ITEST_DIR/armb$b.log" 2>&1 &
	BG_PIDS+=($!)
done
wait_for 5000 test -s "$ITEST_DIR/armb1.pid" -a -s "$ITEST_DIR/armb2.pid" ||
	{ echo "arm B backends did not start"; cat "$ITEST_DIR"/armb*.log; }

{
	config_header | sed '$d'
	cat <<EOF
reply_interfaces: [eth1]
snat:
  addresses: [$ARMB_IP4, "$ARMB_IP6"]
  ports: 30000-39999
services:
  - name: web
    vip: $LAB_VIP4
    port: 80
    forwarding: nat
    scheduler: round-robin
    backends:
      - { address: $BB1_IP4 }
      - { address: $BB2_IP4 }
  - name: web6
    vip: $LAB_VIP6
    port: 80
    forwarding: nat
    scheduler: round-robin
    backends:
      - { address: "$BB1_IP6" }
      - { address: "$BB2_IP6" }
  - name: l2
    vip: $LAB_VIP4_2
    port: 80
    backends:
      - { address: $LAB_BE1_IP4 }
EOF
} >"$CFG"
ip netns exec "$LAB_LB_NS" sysctl -qw net.ipv4.conf.all.forwarding=1 \
	net.ipv6.conf.all.forwarding=1
# neighbour entries of the client and both arms' backends
for a in "$LAB_CLIENT_IP4" "$BB1_IP4" "$BB2_IP4" "$LAB_BE1_IP4"; do
	ip netns exec "$LAB_LB_NS" ping -c1 -W1 "$a" >/dev/null 2>&1
done
for a in "$LAB_CLIENT_IP6" "$BB1_IP6" "$BB2_IP6"; do
	ip netns exec "$LAB_LB_NS" ping -6 -c1 -W1 "$a" >/dev/null 2>&1
done

xlbd_start || exit 1
check "backends resolved" wait_resolved
attached() { ip -n "$LAB_LB_NS" link show "$1" | grep -q ' xdp'; }
check "program attached to eth0 and to the reply interface eth1" \
	eval 'attached eth0 && attached eth1'

# xdp_redirect IF: XDP_REDIRECTs of the lb's veth IF (ethtool -S)
xdp_redirect() {
	ip netns exec "$LAB_LB_NS" ethtool -S "$1" |
		awk '/xdp_redirect:/ { n += $2 } END { print n + 0 }'
}
red0=$(xdp_redirect eth0) red1=$(xdp_redirect eth1)

new_conns() {
	local out
	out=$(http_many "$1" 20)
	[[ $(wc -l <<<"$out") -eq 20 ]] || { echo "got: $out"; return 1; }
	grep -qx armb1 <<<"$out" && grep -qx armb2 <<<"$out" ||
		{ echo "not both backends: $out"; return 1; }
}
check "IPv4: 20 new connections in on eth0, replies in on eth1, both backends" \
	new_conns "http://$LAB_VIP4/"
check "IPv6: 20 new connections across both arms" \
	new_conns "http://[$LAB_VIP6]/"
check "keep-alive: 20 requests on one connection across both arms" keepalive "http://$LAB_VIP4/"

# every request left eth0's program through eth1, every reply eth1's
# through eth0: at least one redirect per packet of the 40+20 requests
d0=$(($(xdp_redirect eth0) - red0)) d1=$(($(xdp_redirect eth1) - red1))
check "eth0 redirected the requests to eth1 ($d0 >= 120)" test "$d0" -ge 120
check "eth1 redirected the replies to eth0 ($d1 >= 120)" test "$d1" -ge 120
n_fwd=$(global_stat nat_fwd) n_rev=$(global_stat nat_rev)
n_red=$(global_stat redirect)
check "nat_fwd $n_fwd, nat_rev $n_rev, redirect $n_red: both directions" \
	test "$n_fwd" -gt 0 -a "$n_rev" -gt 0 -a "$n_red" -ge $((n_fwd + n_rev))
check "no packet of a NAT flow went to the kernel (nat_no_state 0)" \
	test "$(global_stat nat_no_state)" -eq 0

l2_svc() {
	local out
	out=$(http_many "http://$LAB_VIP4_2/" 5)
	[[ $(grep -cx "$LAB_BE1_NAME" <<<"$out") -eq 5 ]] ||
		{ echo "got: $out"; return 1; }
}
check "an L2 service on arm A keeps working beside it" l2_svc

longconn_start ka "$LAB_VIP4" 80
restart() {
	local first second
	first=$(longconn_wait ka 1)
	[[ $first == armb? ]] || { echo "first: $first"; return 1; }
	xlbd_stop
	xlbd_start || return 1
	grep -q "adopted XDP program .* on reply interface eth1" "$XLBD_LOG" ||
		{ echo "no adoption of eth1 logged"; return 1; }
	second=$(longconn_next ka 2)
	[[ $second == "$first" ]] || { echo "after: $second"; return 1; }
}
check "xlbd restart adopts both interfaces, the connection goes on" restart
touch "$ITEST_DIR/ka.stop"

teardown() {
	xlbd_stop
	$LAB_LB_EXEC "$XLBD" -c "$CFG" --teardown >>"$XLBD_LOG" 2>&1 || return 1
	! attached eth0 && ! attached eth1
}
check "--teardown detaches eth0 and eth1" teardown

itest_finish
