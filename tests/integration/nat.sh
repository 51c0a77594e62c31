#!/usr/bin/env bash
# Full NAT (forwarding: nat) in the namespace lab, one-armed: backends with
# no xlb software answer connections from the load balancer's SNAT address
# (the lab's lb address), and their replies go back through xlb to the
# client as VIP:port. VIP port 8080 to backend port 80; IPv4 and IPv6 HTTP with a new connection per request
# and with keep-alive, UDP request/response, the counters in xlbctl stats,
# flows surviving an xlbd restart, least-connections counting live NAT
# flows, and a route change to a backend followed without a restart.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "nat$$" 3
{
	config_header | sed '$d'
	cat <<EOF
snat:
  addresses: [$LAB_LB_IP4, "$LAB_LB_IP6"]
  ports: 20000-29999
services:
  - name: web
    vip: $LAB_VIP4
    port: 8080
    forwarding: nat
    scheduler: round-robin
    health_check: { type: tcp, port: 80, interval: 1s, timeout: 500ms, rise: 1 }
    backends:
      - { address: $LAB_BE1_IP4, port: 80 }
      - { address: $LAB_BE2_IP4, port: 80 }
      - { address: $LAB_BE3_IP4, port: 80 }
  - name: web6
    vip: $LAB_VIP6
    port: 80
    forwarding: nat
    scheduler: round-robin
    backends:
      - { address: "$LAB_BE1_IP6" }
      - { address: "$LAB_BE2_IP6" }
  - name: echo
    vip: $LAB_VIP4
    port: 5353
    protocol: udp
    forwarding: nat
    backends:
      - { address: $LAB_BE1_IP4 }
  - name: lc
    vip: $LAB_VIP4
    port: 80
    forwarding: nat
    scheduler: least-connections
    backends:
      - { address: $LAB_BE1_IP4 }
EOF
} >"$CFG"
# the FIB lookup forwards as a router would
ip netns exec "$LAB_LB_NS" sysctl -qw net.ipv4.conf.all.forwarding=1 \
	net.ipv6.conf.all.forwarding=1
# the lb's neighbour entries of client and backends (ARP/ND once)
ip netns exec "$LAB_LB_NS" ping -c1 -W1 "$LAB_CLIENT_IP4" >/dev/null 2>&1
ip netns exec "$LAB_LB_NS" ping -6 -c1 -W1 "$LAB_CLIENT_IP6" >/dev/null 2>&1

xlbd_start || exit 1
check "backends resolved" wait_resolved

# new_conns URL BACKEND...: 30 requests, a new connection each, all
# answered, each backend among the answers (round-robin)
new_conns() {
	local url=$1 out
	shift
	out=$(http_many "$url" 30)
	[[ $(wc -l <<<"$out") -eq 30 ]] || { echo "got: $out"; return 1; }
	for b in "$@"; do
		grep -qx "$b" <<<"$out" || { echo "no answer from $b"; return 1; }
	done
}
check "IPv4: VIP port 8080 to backend port 80, 30 new connections, every backend" \
	new_conns "http://$LAB_VIP4:8080/" be1 be2 be3
check "IPv6: 30 new connections through NAT" \
	new_conns "http://[$LAB_VIP6]/" be1 be2

check "keep-alive: 20 requests on one NAT connection" keepalive "http://$LAB_VIP4:8080/"

udp_echo() {
	ip netns exec "$LAB_CLIENT_NS" python3 - "$LAB_VIP4" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(5):
    m = b"nat-%d" % i
    s.sendto(m, (sys.argv[1], 5353))
    d, a = s.recvfrom(2048)
    assert a == (sys.argv[1], 5353), a
    assert m in d, d
EOF
}
check "UDP request/response through NAT, reply from VIP:5353" udp_echo

n_fwd=$(global_stat nat_fwd) n_rev=$(global_stat nat_rev)
check "requests translated (nat_fwd $n_fwd)" test "${n_fwd:-0}" -gt 0
check "replies translated (nat_rev $n_rev)" test "${n_rev:-0}" -gt 0

# a keep-alive connection across an xlbd restart: the NAT maps are pinned
longconn_start ka "$LAB_VIP4" 8080
restart() {
	local first second
	first=$(longconn_wait ka 1)
	[[ $first == be? ]] || { echo "first: $first"; return 1; }
	xlbd_stop
	xlbd_start || return 1
	second=$(longconn_next ka 2)
	[[ $second == "$first" ]] || { echo "after: $second"; return 1; }
}
check "xlbd restart: a NAT connection goes on" restart

# --- least-connections over NAT flows -----------------------------------
# hold ID N: N connections to lc ($LAB_VIP4:80) opened one after another
# and held open, each answered once; ID.ready lists the backends that
# answered, ID.stop closes them all (the client's FIN) and ID.done follows.
hold() {
	local f=$ITEST_DIR/$1
	ip netns exec "$LAB_CLIENT_NS" python3 - "$LAB_VIP4" "$2" "$f" \
		>"$f.log" 2>&1 <<'PY' &
import os, socket, sys, time
vip, n, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socks, names = [], []
for i in range(n):
    s = socket.create_connection((vip, 80), timeout=3)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(4096)
    head, body = buf.split(b"\r\n\r\n", 1)
    cl = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
          if l.lower().startswith(b"content-length")][0]
    while len(body) < cl:
        body += s.recv(4096)
    names.append(body.decode().strip())
    socks.append(s)
with open(base + ".tmp", "w") as f:
    f.write("\n".join(names) + "\n")
os.rename(base + ".tmp", base + ".ready")
deadline = time.time() + 120  # bounded; the test stops it sooner
while time.time() < deadline and not os.path.exists(base + ".stop"):
    time.sleep(0.05)
for s in socks:
    s.close()
open(base + ".done", "w").close()
PY
	BG_PIDS+=($!)
}
# wait_file PATH: it appears within 10 s
wait_file() {
	for _ in $(seq 200); do [[ -f $1 ]] && return 0; sleep 0.05; done
	return 1
}
# held ID N FROM: ID's connections are open, N of them answered by FROM
held() {
	wait_file "$ITEST_DIR/$1.ready" &&
		[[ $(count_of "$3" <"$ITEST_DIR/$1.ready") -eq $2 ]]
}
# spread WANT_FEW: 20 new connections, all answered, at most 2 by WANT_FEW
spread() {
	local names n
	names=$(http_many "http://$LAB_VIP4/" 20)
	n=$(count_of "$1" <<<"$names")
	echo "  20 new connections: $1 answered $n"
	[[ $(wc -l <<<"$names") -eq 20 && $n -le 2 ]]
}
hold a 10
check "least-connections nat: 10 held connections on be1, its only backend" \
	held a 10 be1
xlbctl backend add lc "$LAB_BE2_IP4" >/dev/null
check "be2 added and resolved" wait_resolved
check "new connections go to the backend with fewer live NAT flows (be2)" \
	spread be1
hold b 6
check "6 more held connections: all on be2 (be1 holds 10)" \
	held b 6 be2
touch "$ITEST_DIR/a.stop"
check "be1's 10 connections closed" wait_file "$ITEST_DIR/a.done"
check "the backend whose NAT flows ended (be1) gets the new ones again" \
	spread be2
touch "$ITEST_DIR/b.stop"

# --- a route change, followed without a restart (the next-hop cache) ---
# be1's address routed through be2 (forwarding on there): NAT packets to
# be1 take the new next hop, and the direct one again once the route
# goes; be2's forwarded datagrams tell the path. be1 must stay in the
# ring throughout: the first round after each change is checked at once
# (xlbd used to take be1 out for a second or more when the route moved
# and its managed neighbour entry went).
# fwd_dgrams 4|6: be2's forwarded datagrams (Ip ForwDatagrams,
# Ip6OutForwDatagrams)
fwd_dgrams() {
	if [[ $1 == 4 ]]; then
		ip netns exec "$LAB_BE2_NS" awk '/^Ip: [0-9]/ { print $7 }' \
			/proc/net/snmp
	else
		ip netns exec "$LAB_BE2_NS" awk '$1 == "Ip6OutForwDatagrams" \
			{ print $2 }' /proc/net/snmp6
	fi
}
at_least() { echo "  be2 forwarded $1 datagrams"; [[ $1 -ge $2 ]]; }
# not_via_be2 4|6 URL BACKEND...: a round of new connections during which
# be2 forwards (almost) nothing (the first round after the change may
# still carry the previous round's last packets)
not_via_be2() {
	local f1 d fam=$1
	shift
	f1=$(fwd_dgrams "$fam")
	new_conns "$@" || return 1
	d=$(($(fwd_dgrams "$fam") - f1))
	echo "be2 forwarded $d datagrams"
	[[ $d -lt 5 ]]
}
# route_change 4|6 BE1 BE2 URL BACKEND...: be1 through be2 and back, new
# connections answered by every backend at once after each change
route_change() {
	local fam=$1 be1=$2 be2=$3 f0
	shift 3
	f0=$(fwd_dgrams "$fam")
	ip -n "$LAB_LB_NS" -"$fam" route add "$be1" via "$be2"
	check "IPv$fam route to be1 through be2: new connections, every backend" \
		new_conns "$@"
	# each connection to be1 is ~5 packets to forward (10 or 15 of
	# them: ~50 or ~75), a few less if the first went before the change
	# was seen (the cache's 128 ms); direct, only be1's health checks
	# would pass be2 (a few)
	check "... be1's NAT packets went through be2" \
		at_least $(($(fwd_dgrams "$fam") - f0)) 25
	ip -n "$LAB_LB_NS" -"$fam" route del "$be1" via "$be2"
	check "IPv$fam route removed: new connections, every backend" \
		new_conns "$@"
	check "... and none through be2 any more" \
		wait_for 20000 not_via_be2 "$fam" "$@"
}
# redirects off: the lb would learn be1 direct for its own traffic
ip netns exec "$LAB_BE2_NS" sysctl -qw net.ipv4.conf.all.forwarding=1 \
	net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.eth0.send_redirects=0
route_change 4 "$LAB_BE1_IP4" "$LAB_BE2_IP4" "http://$LAB_VIP4:8080/" be1 be2 be3
route_change 6 "$LAB_BE1_IP6" "$LAB_BE2_IP6" "http://[$LAB_VIP6]/" be1 be2
ip netns exec "$LAB_BE2_NS" sysctl -qw net.ipv4.conf.all.forwarding=0 \
	net.ipv6.conf.all.forwarding=0

itest_finish
