#!/usr/bin/env bash
# Smoke test of the lab itself (tools/lab.sh, xlb_httpd, xdp_pass), without
# the load balancer: addressing, backends on node IPs and VIPs, no ARP/ND
# for VIPs, offloads, backend-stop/start, idempotent up/down, a second lab
# alongside. Prints PASS/FAIL per check and "N passed, N failed".
# shellcheck disable=SC2317 # the checks are called through check()
set -euo pipefail

cd "$(dirname "$0")/../.."
LAB=tools/lab.sh
NAME=xt$$
NAME2=xu$$
PASSED=0
FAILED=0
OUT=$(mktemp)

cleanup() {
	"$LAB" down --name "$NAME" >/dev/null 2>&1 || true
	"$LAB" down --name "$NAME2" >/dev/null 2>&1 || true
	rm -f "$OUT"
}
trap cleanup EXIT

# check NAME CMD...: run CMD in a subshell with errexit in force (it would
# be ignored in an `if` condition), PASS if it succeeds; its output if not.
check() {
	local name=$1
	shift
	("$@") >"$OUT" 2>&1 &
	if wait $!; then
		echo "PASS $name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL $name"
		sed 's/^/    /' "$OUT" | tail -n 20
		FAILED=$((FAILED + 1))
	fi
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	if [ "$FAILED" -ne 0 ]; then
		exit 1
	fi
	exit 0
}

# grep -q in a pipeline can make the writer die of SIGPIPE (pipefail):
# read all of the input instead.
has() {
	grep "$@" >/dev/null
}

fail() {
	echo "$*"
	return 1
}

load_env() {
	local env
	if env=$("$LAB" env --name "$NAME" 2>/dev/null); then
		eval "$env"
	fi
}

# nsx NAMESPACE CMD...
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ---- checks ----

t_up() {
	"$LAB" up --name "$NAME"
	"$LAB" status --name "$NAME"
}

t_env() {
	local v
	for v in LAB_LB_NS LAB_LB_IF LAB_LB_IP4 LAB_LB_IP6 LAB_LB_MAC \
		LAB_LB_EXEC LAB_VIP4 LAB_VIP6 LAB_VIP4_2 LAB_VIP6_2 \
		LAB_CLIENT_NS LAB_CLIENT_IP4 LAB_CLIENT_IP6 LAB_SW_NS \
		LAB_HTTP_PORT LAB_UDP_PORT LAB_BE1_NS LAB_BE1_IP4 LAB_BE1_IP6 \
		LAB_BE1_MAC LAB_BE3_MAC LAB_BE1_PIDFILE; do
		[ -n "${!v:-}" ] || fail "$v missing"
	done
	[ "$LAB_VIP4" = 198.19.0.100 ] && [ "$LAB_VIP6" = 2001:2:0:100::100 ] &&
		[ "$LAB_BACKENDS" = 3 ] && [ "$LAB_CLIENTS" = 1 ] &&
		[ "$LAB_LB_NS" = "$NAME-lb" ] || fail "unexpected values"
}

t_namespaces() {
	local ns have
	have=$(ip netns list | awk '{ print $1 }')
	for ns in sw lb cl1 be1 be2 be3; do
		grep -qx "$NAME-$ns" <<<"$have" || fail "no $NAME-$ns"
	done
}

t_xdp_ports() {
	local port
	for port in lb cl1 be1 be2 be3; do
		ip -n "$LAB_SW_NS" -d link show "$port" | has 'prog/xdp' ||
			fail "no XDP on switch port $port"
	done
}

t_offloads() {
	local ns k
	for ns in "$LAB_LB_NS" "$LAB_CLIENT_NS" "$LAB_BE1_NS"; do
		k=$(nsx "$ns" ethtool -k eth0)
		grep -qx 'tx-checksumming: off' <<<"$k" ||
			fail "tx checksumming on in $ns"
	done
	k=$(nsx "$LAB_SW_NS" ethtool -k lb)
	grep -qx 'tx-checksumming: off' <<<"$k" ||
		fail "tx checksumming on on port lb"
}

t_macs() {
	ip -n "$LAB_LB_NS" link show "$LAB_LB_IF" |
		has "link/ether $LAB_LB_MAC " || fail "lb MAC"
	ip -n "$LAB_BE2_NS" link show eth0 |
		has "link/ether $LAB_BE2_MAC " || fail "be2 MAC"
}

# Client -> every backend's node address, IPv4 and IPv6.
t_client_backends() {
	local i ns ip4 ip6 body hdr
	for i in 1 2 3; do
		ip4=LAB_BE${i}_IP4
		ip6=LAB_BE${i}_IP6
		body=$(nsx "$LAB_CLIENT_NS" curl -sS -m 2 "http://${!ip4}/")
		[ "$body" = "be$i" ] || fail "v4 be$i: '$body'"
		hdr=$(nsx "$LAB_CLIENT_NS" curl -sS -m 2 -D - -o /dev/null \
			"http://[${!ip6}]/x")
		grep -q "^X-Backend: be$i" <<<"$hdr" || fail "v6 be$i: $hdr"
	done
}

# The client learnt the backends' deterministic MACs over ARP/ND.
t_neigh_macs() {
	local i mac ip4
	for i in 1 2 3; do
		mac=LAB_BE${i}_MAC
		ip4=LAB_BE${i}_IP4
		ip -n "$LAB_CLIENT_NS" neigh show to "${!ip4}" |
			has "lladdr ${!mac}" || fail "be$i neigh"
	done
}

t_status_code() {
	local code
	code=$(nsx "$LAB_CLIENT_NS" curl -s -m 2 -o /dev/null -w '%{http_code}' \
		"http://$LAB_BE1_IP4/status/503")
	[ "$code" = 503 ] || fail "got $code"
}

t_udp_echo() {
	nsx "$LAB_CLIENT_NS" python3 - "$LAB_BE2_IP4" "$LAB_BE2_IP6" \
		"$LAB_UDP_PORT" <<-'EOF'
		import socket, sys
		for fam, addr in ((socket.AF_INET, sys.argv[1]),
		                  (socket.AF_INET6, sys.argv[2])):
		    s = socket.socket(fam, socket.SOCK_DGRAM)
		    s.settimeout(2)
		    s.sendto(b"ping", (addr, int(sys.argv[3])))
		    data, _ = s.recvfrom(100)
		    assert data == b"be2 ping", data
		EOF
}

# Every backend serves every VIP locally.
t_backend_vips() {
	local i ns body vip url
	for i in 1 2 3; do
		ns=LAB_BE${i}_NS
		for vip in "$LAB_VIP4" "$LAB_VIP4_2" "[$LAB_VIP6]" "[$LAB_VIP6_2]"; do
			url="http://$vip/"
			body=$(nsx "${!ns}" curl -sS -m 2 "$url")
			[ "$body" = "be$i" ] || fail "be$i $url: '$body'"
		done
	done
}

t_backend_sysctls() {
	local i ns
	for i in 1 2 3; do
		ns=LAB_BE${i}_NS
		[ "$(nsx "${!ns}" sysctl -n net.ipv4.conf.all.arp_ignore)" = 1 ] &&
			[ "$(nsx "${!ns}" sysctl -n net.ipv4.conf.all.arp_announce)" = 2 ] &&
			[ "$(nsx "${!ns}" sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ] &&
			[ "$(nsx "${!ns}" sysctl -n net.ipv4.conf.eth0.rp_filter)" = 0 ] ||
			fail "be$i sysctls"
	done
}

t_client_routes() {
	ip -n "$LAB_CLIENT_NS" route get "$LAB_VIP4" | has "via $LAB_LB_IP4 " &&
		ip -n "$LAB_CLIENT_NS" -6 route get "$LAB_VIP6" |
		has "via $LAB_LB_IP6 " || fail "VIP routes"
}

# With an on-link route to the VIPs the client has to ARP/ND for them:
# nobody may answer (backends hold them on lo, the lb not at all).
t_no_vip_arp() {
	local ns=$LAB_CLIENT_NS rc=0
	ip -n "$ns" route add "$LAB_VIP4/32" dev eth0
	ip -n "$ns" -6 route add "$LAB_VIP6/128" dev eth0
	nsx "$ns" curl -s -m 1 "http://$LAB_VIP4/" >/dev/null &
	nsx "$ns" curl -s -m 1 "http://[$LAB_VIP6]/" >/dev/null &
	wait || true
	ip -n "$ns" neigh show to "$LAB_VIP4" | has lladdr &&
		{ echo "ARP answered: $(ip -n "$ns" neigh show to "$LAB_VIP4")"; rc=1; }
	ip -n "$ns" -6 neigh show to "$LAB_VIP6" | has lladdr &&
		{ echo "ND answered: $(ip -n "$ns" -6 neigh show to "$LAB_VIP6")"; rc=1; }
	ip -n "$ns" route del "$LAB_VIP4/32" dev eth0
	ip -n "$ns" -6 route del "$LAB_VIP6/128" dev eth0
	ip -n "$ns" neigh flush to "$LAB_VIP4" || true
	ip -n "$ns" -6 neigh flush to "$LAB_VIP6" || true
	return "$rc"
}

# Without a load balancer VIP traffic goes nowhere (the lb does not route).
t_vip_unreachable() {
	! nsx "$LAB_CLIENT_NS" curl -s -m 1 "http://$LAB_VIP4/" >/dev/null
}

t_lb_exec() {
	# shellcheck disable=SC2086
	$LAB_LB_EXEC ip -o addr show dev "$LAB_LB_IF" | has "$LAB_LB_IP4/24"
}

t_backend_stop() {
	local pid
	pid=$(cat "$LAB_BE2_PIDFILE")
	"$LAB" backend-stop --name "$NAME" 2
	[ ! -e "$LAB_BE2_PIDFILE" ] || fail "pidfile left"
	kill -0 "$pid" 2>/dev/null &&
		! grep -q '^State:.*Z' "/proc/$pid/status" && fail "still running"
	! nsx "$LAB_CLIENT_NS" curl -s -m 1 "http://$LAB_BE2_IP4/" ||
		fail "be2 still answers"
	# the others are untouched
	[ "$(nsx "$LAB_CLIENT_NS" curl -sS -m 2 "http://$LAB_BE1_IP4/")" = be1 ]
}

t_backend_start() {
	"$LAB" backend-start --name "$NAME" 2
	"$LAB" backend-start --name "$NAME" 2	# already running: no-op
	[ -s "$LAB_BE2_PIDFILE" ] || fail "no pidfile"
	[ "$(nsx "$LAB_CLIENT_NS" curl -sS -m 2 "http://$LAB_BE2_IP4/")" = be2 ]
}

t_second_lab() {
	"$LAB" up --name "$NAME2" --backends 1 --clients 2
	eval "$("$LAB" env --name "$NAME2" | sed 's/^LAB_/L2_/')"
	[ "$(nsx "$L2_CL2_NS" curl -sS -m 2 "http://$L2_BE1_IP4/")" = be1 ] ||
		fail "second lab"
	"$LAB" down --name "$NAME2"
	# the first lab is unaffected
	[ "$(nsx "$LAB_CLIENT_NS" curl -sS -m 2 "http://$LAB_BE3_IP4/")" = be3 ]
}

# A crashed run leaves namespaces and backends but no state: up recovers.
t_up_after_crash() {
	local pid
	pid=$(cat "$LAB_BE1_PIDFILE")
	rm -rf "$LAB_RUN_DIR"
	"$LAB" up --name "$NAME"
	[ "$(cat "$LAB_BE1_PIDFILE")" != "$pid" ] || fail "old backend kept"
	! kill -0 "$pid" 2>/dev/null ||
		has '^State:.*Z' "/proc/$pid/status" || fail "old backend runs"
	[ "$(nsx "$LAB_CLIENT_NS" curl -sS -m 2 "http://$LAB_BE1_IP4/")" = be1 ]
}

t_down_twice() {
	local pid
	pid=$(cat "$LAB_BE1_PIDFILE")
	"$LAB" down --name "$NAME"
	"$LAB" down --name "$NAME"
	! ip netns list | has "^$NAME-" || fail "namespaces left"
	[ ! -e "$LAB_RUN_DIR" ] || fail "run dir left"
	! "$LAB" env --name "$NAME" >/dev/null 2>&1 || fail "env after down"
	kill -0 "$pid" 2>/dev/null &&
		! grep -q '^State:.*Z' "/proc/$pid/status" && fail "backend left"
	return 0
}

if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL lab_root (needs root)"
	FAILED=1
	finish
fi

check lab_up t_up
load_env
if [ "$FAILED" -ne 0 ] || [ -z "${LAB_NAME:-}" ]; then
	finish
fi
check lab_up_twice t_up
load_env
check lab_env t_env
check lab_namespaces t_namespaces
check lab_xdp_on_switch_ports t_xdp_ports
check lab_tx_csum_off t_offloads
check lab_macs t_macs
check lab_client_to_backends_v4_v6 t_client_backends
check lab_backend_macs_via_arp t_neigh_macs
check lab_httpd_status_code t_status_code
check lab_udp_echo t_udp_echo
check lab_backends_serve_vips t_backend_vips
check lab_backend_sysctls t_backend_sysctls
check lab_client_vip_routes t_client_routes
check lab_no_arp_nd_for_vips t_no_vip_arp
check lab_vip_unreachable_without_lb t_vip_unreachable
check lab_lb_exec t_lb_exec
check lab_backend_stop t_backend_stop
check lab_backend_start t_backend_start
check lab_second_lab t_second_lab
check lab_up_after_crash t_up_after_crash
load_env
check lab_down_twice t_down_twice
finish
