#!/usr/bin/env bash
# Encapsulation (forwarding ipip and gue) with xlbd in the routed lab
# (tools/lab.sh up --topology routed): backends on two subnets behind a
# router, each running the decapsulator, and an L2 backend on the lb's
# segment. Checks: HTTP through the VIP to backends on both subnets with
# ipip and gue, IPv4 and IPv6; health checks through the tunnel
# (via_tunnel) bring them up; a route change to a backend subnet (moved to
# the router's other port, removed, added back) followed without an xlbd
# restart; a large TCP upload completes; a DF datagram one byte over the
# path MTU gets "fragmentation needed" / "packet too big" with the egress
# MTU less the encapsulation overhead; a backend without its decapsulator
# fails its via_tunnel check and is taken out (its new connections go
# elsewhere, none fails) while a plain check still passes it, and comes
# back with it (in tc mode: HTTP through it works as before); the L2
# service on the same xlbd keeps answering.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "enc$$" 1 --topology routed
IF=$LAB_LB_IF
HC="interval: 400ms, timeout: 300ms, rise: 1, fall: 2"
{
	config_header
	cat <<EOF
  - name: web4
    vip: $LAB_VIP4
    port: 80
    forwarding: gue
    scheduler: round-robin
    health_check: { type: http, path: /, $HC, via_tunnel: true }
    backends:
      - { address: $LAB_RA1_IP4 }
      - { address: $LAB_RA2_IP4 }
      - { address: $LAB_RB1_IP4 }
      - { address: $LAB_RB2_IP4 }
  - name: web6
    vip: "$LAB_VIP6"
    port: 80
    forwarding: ipip
    scheduler: round-robin
    health_check: { type: tcp, $HC, via_tunnel: true }
    backends:
      - { address: "$LAB_RA1_IP6" }
      - { address: "$LAB_RB2_IP6" }
  - name: ipip4
    vip: $LAB_VIP4_2
    port: 80
    forwarding: ipip
    scheduler: round-robin
    health_check: { type: http, $HC }
    backends:
      - { address: $LAB_RA2_IP4 }
      - { address: $LAB_RB2_IP4 }
  - name: gue6
    vip: "$LAB_VIP6_2"
    port: 80
    forwarding: gue
    scheduler: round-robin
    backends:
      - { address: "$LAB_RA2_IP6" }
      - { address: "$LAB_RB1_IP6" }
  - name: udp4
    vip: $LAB_VIP4
    port: 5353
    protocol: udp
    forwarding: gue
    backends:
      - { address: $LAB_RB1_IP4 }
  - name: udp6
    vip: "$LAB_VIP6"
    port: 5353
    protocol: udp
    forwarding: ipip
    backends:
      - { address: "$LAB_RB1_IP6" }
  - name: l2udp
    vip: $LAB_VIP4_2
    port: 5353
    protocol: udp
    backends:
      - { address: $LAB_BE1_IP4 }
EOF
} >"$CFG"
lb() { $LAB_LB_EXEC "$@"; }
# the lb's neighbour entries of client and L2 backend (ARP once)
lb ping -c1 -W1 "$LAB_CLIENT_IP4" >/dev/null 2>&1
lb ping -6 -c1 -W1 "$LAB_CLIENT_IP6" >/dev/null 2>&1

xlbd_start || exit 1
PID0=$XLBD_PID

# be_state SERVICE ADDRESS: the backend's health state in xlbctl status
be_state() {
	xlbctl --json status 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in d["services"]:
    if s["name"] == sys.argv[1]:
        for b in s["backends"]:
            if b["address"] == sys.argv[2]:
                print(b.get("health", {}).get("state", b["state"]))' "$1" "$2"
}
is_state() { [[ $(be_state "$1" "$2") == "$3" ]]; }
all_up() {
	for a in "$LAB_RA1_IP4" "$LAB_RA2_IP4" "$LAB_RB1_IP4" "$LAB_RB2_IP4"; do
		is_state web4 "$a" up || return 1
	done
	is_state web6 "$LAB_RA1_IP6" up && is_state web6 "$LAB_RB2_IP6" up &&
		is_state ipip4 "$LAB_RB2_IP4" up && is_state ipip4 "$LAB_RA2_IP4" up
}
stat() {
	xlbctl --json stats 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
g = d.get("global", d)
print(g.get(sys.argv[1], 0))' "$1"
}
check "backends resolved" wait_resolved
check "via_tunnel checks (http/gue IPv4, tcp/ipip IPv6) bring every backend up" \
	wait_for 10000 all_up
check "the probes go through the tc program (xlb_hct_egress on $IF)" \
	bash -c "$LAB_LB_EXEC tc filter show dev $IF egress | grep -q xlb_hct_egress"

# every_backend URL N NAME...: N new connections, all answered, each NAME
# among the answers, no other
every_backend() {
	local url=$1 n=$2 out
	shift 2
	out=$(http_many "$url" "$n")
	[[ $(grep -c . <<<"$out") -eq $n ]] || {
		echo "$url: $(grep -c . <<<"$out")/$n answered"
		return 1
	}
	for b in "$@"; do
		grep -qx "$b" <<<"$out" || {
			echo "$url: no answer from $b: $(sort <<<"$out" | uniq -c)"
			return 1
		}
	done
	! grep -qvxF -f <(printf '%s\n' "$@") <<<"$out"
}
check "gue IPv4: HTTP through the VIP to both subnets (ra1 ra2 rb1 rb2)" \
	every_backend "http://$LAB_VIP4/" 20 ra1 ra2 rb1 rb2
check "ipip IPv6: HTTP through the VIP to both subnets (ra1 rb2)" \
	every_backend "http://[$LAB_VIP6]/" 10 ra1 rb2
check "ipip IPv4: HTTP to both subnets (ra2 rb2)" \
	every_backend "http://$LAB_VIP4_2/" 10 ra2 rb2
check "gue IPv6: HTTP to both subnets (ra2 rb1)" \
	every_backend "http://[$LAB_VIP6_2]/" 10 ra2 rb1
check "counted per mode (gue_encap, ipip_encap)" \
	test "$(stat gue_encap)" -gt 0 -a "$(stat ipip_encap)" -gt 0
l2_echo() {
	ip netns exec "$LAB_CLIENT_NS" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"hello", (sys.argv[1], 5353))
print(s.recv(100).decode())' "$LAB_VIP4_2" 2>/dev/null | grep -q '^be1'
}
check "the L2 service on the same xlbd answers (be1, UDP)" l2_echo

# ---- route changes, followed without a restart ----
rt_rx() { ip netns exec "$LAB_RT_NS" cat /sys/class/net/eth1/statistics/rx_packets; }
rx0=$(rt_rx)
lb ip route replace "$LAB_SUBNET_B4" via "$LAB_RT_IP4_2"
check "route to subnet b moved to the router's other port: every backend answers" \
	every_backend "http://$LAB_VIP4/" 20 ra1 ra2 rb1 rb2
check "... and subnet b's packets took the new path (router eth1)" \
	test $(($(rt_rx) - rx0)) -ge 10
nr0=$(stat gue_no_route)
lb ip route del "$LAB_SUBNET_B4"
http_many "http://$LAB_VIP4/" 8 >/dev/null
check "route removed: subnet b's packets counted gue_no_route" \
	test "$(stat gue_no_route)" -gt "$nr0"
lb ip route add "$LAB_SUBNET_B4" via "$LAB_RT_IP4"
check "route back: every backend up again" wait_for 10000 all_up
check "... every backend answers" \
	every_backend "http://$LAB_VIP4/" 20 ra1 ra2 rb1 rb2
check "xlbd was not restarted" test "$XLBD_PID" = "$PID0"

# ---- path MTU ----
# (ip -n: under nsenter /sys is the host's)
MTU=$(ip -n "$LAB_LB_NS" -o link show "$IF" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
probe() { ip netns exec "$LAB_CLIENT_NS" python3 "$ROOT/tests/integration/df_probe.py" "$@"; }
check "DF datagram of the path MTU ($((MTU - 28)), gue IPv4) is answered" \
	test "$(probe "$LAB_VIP4" 5353 $((MTU - 28)))" = reply
tb0=$(stat gue_too_big)
out=$(probe "$LAB_VIP4" 5353 $((MTU - 27)))
check "one byte more: fragmentation needed, mtu $((MTU - 28)) (got '$out')" \
	test "$out" = "icmp 3 4 $((MTU - 28))"
check "... counted gue_too_big" test "$(stat gue_too_big)" -gt "$tb0"
out=$(probe "$LAB_VIP4" 5353 $((MTU - 27)))
check "... and the client's stack took it: its path MTU to the VIP is $((MTU - 28)) (got '$out')" \
	test "$out" = "cached $((MTU - 28))"
check "... (ip route get shows it)" bash -c \
	"ip -n $LAB_CLIENT_NS route get $LAB_VIP4 | grep -q ' mtu $((MTU - 28))'"
check "IPv6 datagram of the path MTU ($((MTU - 40)), ipip) is answered" \
	test "$(probe "$LAB_VIP6" 5353 $((MTU - 40)))" = reply
out=$(probe "$LAB_VIP6" 5353 $((MTU - 39)))
check "one byte more: packet too big, mtu $((MTU - 40)) (got '$out')" \
	test "$out" = "icmp 2 0 $((MTU - 40))"

# A TCP upload from a client that does not know the path MTU yet: its
# full-size segments get the ICMP, it lowers its MSS and goes on (PMTU
# discovery; the backends' MSS is not lowered).
flush_pmtu() {
	ip -n "$LAB_CLIENT_NS" route flush cache
	ip -n "$LAB_CLIENT_NS" -6 route flush cache
	! ip -n "$LAB_CLIENT_NS" route get "$LAB_VIP4" | grep -q ' mtu ' &&
		! ip -n "$LAB_CLIENT_NS" -6 route get "$LAB_VIP6" | grep -q ' mtu '

}
upload() {
	local f=$ITEST_DIR/upload out
	[[ -f $f ]] || head -c $((4 << 20)) /dev/zero >"$f"
	out=$(ip netns exec "$LAB_CLIENT_NS" curl -s -m 30 --data-binary @"$f" \
		-H 'Content-Type: application/octet-stream' "$1")
	[[ $out =~ ^r[ab][0-9]$ ]] || { echo "upload to $1: '$out'"; return 1; }
}
check "client's path MTU cache flushed" flush_pmtu
tb0=$(stat gue_too_big)
check "a 4 MiB TCP upload through gue IPv4 completes" upload "http://$LAB_VIP4/"
check "... after fragmentation needed from xlb (gue_too_big)" \
	test "$(stat gue_too_big)" -gt "$tb0"
tb0=$(stat ipip_too_big)
check "a 4 MiB TCP upload through ipip IPv6 completes" upload "http://[$LAB_VIP6]/"
check "... after packet too big from xlb (ipip_too_big)" \
	test "$(stat ipip_too_big)" -gt "$tb0"

# ---- a backend without its decapsulator ----
decap() { $LAB_RB2_EXEC "$XLBCTL" decap "$@" >/dev/null 2>&1; }
decap detach "$LAB_LB_IF"
check "rb2 without its decapsulator: its via_tunnel check fails, it is taken out (IPv4 gue)" \
	wait_for 5000 is_state web4 "$LAB_RB2_IP4" down
check "... and its IPv6 ipip check too" \
	wait_for 5000 is_state web6 "$LAB_RB2_IP6" down
check "a plain check to rb2's own address still passes it" \
	is_state ipip4 "$LAB_RB2_IP4" up
check "after the fall, new connections go to the others, none fails" \
	every_backend "http://$LAB_VIP4/" 30 ra1 ra2 rb1
check "... IPv6 too" every_backend "http://[$LAB_VIP6]/" 10 ra1
# back in tc mode (xlb_backend.sh up --mode tc): the tc decapsulator
# serves the same services
check "rb2: xlb_backend.sh up --mode tc" \
	$LAB_RB2_EXEC "$LAB_BACKEND_SETUP" up "$LAB_LB_IF" --mode tc \
	"$LAB_VIP4" "$LAB_VIP4_2" "$LAB_VIP6" "$LAB_VIP6_2"
check "decapsulator back (tc mode): rb2 comes back up" wait_for 5000 all_up
check "rb2 in tc mode: gue IPv4 HTTP reaches every backend" \
	every_backend "http://$LAB_VIP4/" 20 ra1 ra2 rb1 rb2
check "rb2 in tc mode: ipip IPv6 HTTP too" \
	every_backend "http://[$LAB_VIP6]/" 10 ra1 rb2
check "rb2 in tc mode: ipip IPv4 HTTP too" \
	every_backend "http://$LAB_VIP4_2/" 10 ra2 rb2
check "rb2's decapsulator: tc mode, frames stripped" \
	bash -c "$LAB_RB2_EXEC $XLBCTL --json decap status $LAB_LB_IF | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(not (d[\"mode\"] == \"tc\" and d[\"stripped\"] > 0))'"
check "the L2 service still answers" l2_echo

# ---- gue_port changed by a reload: the probes follow it ----
# (the backends' decapsulators take GUE on 6080 only: the gue checks fail)
sed -i '$a gue_port: 7000' "$CFG"
kill -HUP "$XLBD_PID"
check "gue_port 7000 by SIGHUP: the gue via_tunnel probes use it (backends down)" \
	wait_for 8000 is_state web4 "$LAB_RA1_IP4" down
check "... the ipip checks are unaffected" is_state web6 "$LAB_RA1_IP6" up
sed -i '/^gue_port: 7000$/d' "$CFG"
kill -HUP "$XLBD_PID"
check "gue_port back to 6080: every backend up again" wait_for 8000 all_up

itest_finish
