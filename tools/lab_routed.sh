# shellcheck shell=bash
# Routed topology of the lab: sourced by tools/lab.sh when it is given
# `--topology routed` (after its own functions, which this file reuses or
# replaces). Not a command of its own. For forwarding: ipip and gue.
#
#   tools/lab.sh up --topology routed [--name NAME] [--backends N] [--routed N]
#   tools/lab.sh down [--name NAME]                   (also env, status, exec)
#
# The single topology's L2 segment (NAME-sw: lb, cl1.., be1..beN, default
# N 1 here, for L2 services), plus a router and two backend subnets:
#
#   NAME-lb   as in the single topology; forwarding=1 on eth0 (IPv4 and
#             IPv6: bpf_fib_lookup answers only for a forwarding ingress
#             interface), routes to both subnets via the router's eth0
#   NAME-rt   eth0 198.18.0.254/24 2001:2::fe/64   02:00:00:00:00:fe
#             eth1 198.18.0.253/24 2001:2::fd/64   02:00:00:00:00:fd
#             (both on the switch: a second path for route changes)
#             bra 198.18.1.1/24 2001:2:0:1::1/64  bridge of subnet a
#             brb 198.18.2.1/24 2001:2:0:2::1/64  bridge of subnet b
#             forwarding on, arp_ignore=1 (each address answers on its port)
#   NAME-raI  eth0 198.18.1.(10+I)/24 2001:2:0:1::(10+I)/64, default via
#   NAME-rbI  the router (198.18.2.x, 2001:2:0:2::x for subnet b);
#             I = 1..--routed (default 2). Set up by tools/xlb_backend.sh:
#             the lab's VIPs on lo, arp_ignore/announce, rp_filter loose,
#             the decapsulator (xlbctl decap) on eth0; xlb_httpd --name raI
#             on TCP 80 and UDP 5353, answering from the VIP (DSR: the
#             replies go through the router straight to the client)
#
# Checksum offload, GRO and VLAN offloads are off on every veth as in the
# single topology. Processes are stopped by `down` like the rest.
#
# env adds: LAB_TOPOLOGY=routed LAB_ROUTED (per subnet) LAB_RT_NS
#   LAB_RT_IP4 LAB_RT_IP6 (eth0) LAB_RT_IP4_2 LAB_RT_IP6_2 (eth1)
#   LAB_RT_MAC LAB_RT_MAC_2 LAB_RT_EXEC
#   LAB_SUBNET_A4 LAB_SUBNET_A6 LAB_SUBNET_B4 LAB_SUBNET_B6
#   LAB_RA<i>_{NAME,NS,IP4,IP6,PIDFILE,LOG,EXEC} and the same for LAB_RB<i>
#   LAB_RA_IP4S LAB_RA_IP6S LAB_RB_IP4S LAB_RB_IP6S (space separated)
#   LAB_BACKEND_SETUP (tools/xlb_backend.sh)
# LAB_R*_EXEC is nsenter (the decapsulator needs the host's /sys/fs/bpf).

ROUTED_DEFAULT=2
ROUTED_MAX=20
RT_IP4=198.18.0.254
RT_IP6=2001:2::fe
RT_IP4_2=198.18.0.253
RT_IP6_2=2001:2::fd
XLBCTL_BIN=${XLBCTL:-$ROOT/build/xlbctl}
BACKEND_SETUP=$ROOT/tools/xlb_backend.sh

octet_of() {
	case $1 in
	lb) echo 1 ;;
	cl*) echo $((1 + ${1#cl})) ;;
	be*) echo $((10 + ${1#be})) ;;
	ra* | rb*) echo $((10 + ${1#r?})) ;;
	rt) echo 254 ;;
	*) die "no such node: $1" ;;
	esac
}

# Subnet number of a routed backend: ra -> 1, rb -> 2.
subnet_of() {
	case $1 in
	ra*) echo 1 ;;
	rb*) echo 2 ;;
	esac
}

ip4_of() {
	case $1 in
	r[ab]*) echo "198.18.$(subnet_of "$1").$(octet_of "$1")" ;;
	*) echo "198.18.0.$(octet_of "$1")" ;;
	esac
}

ip6_of() {
	case $1 in
	r[ab]*) echo "2001:2:0:$(subnet_of "$1")::$(octet_of "$1")" ;;
	rt) echo "$RT_IP6" ;;
	*) echo "2001:2::$(octet_of "$1")" ;;
	esac
}

mac_of() {
	case $1 in
	r[ab]*) printf '02:00:00:00:0%s:%02x\n' "$(subnet_of "$1")" \
		"$(octet_of "$1")" ;;
	*) printf '02:00:00:00:00:%02x\n' "$(octet_of "$1")" ;;
	esac
}

lab_namespaces() {
	ip netns list 2>/dev/null | awk '{ print $1 }' |
		grep -E "^${NAME}-(sw|lb|rt|be[0-9]+|cl[0-9]+|r[ab][0-9]+)\$" ||
		true
}

routed_backends() {
	local i
	for i in $(seq "$ROUTED"); do echo "ra$i"; done
	for i in $(seq "$ROUTED"); do echo "rb$i"; done
}

nodes() {
	local i
	echo lb
	echo rt
	for i in $(seq "$CLIENTS"); do echo "cl$i"; done
	for i in $(seq "$BACKENDS"); do echo "be$i"; done
	routed_backends
}

eval "lab_load_conf() $(declare -f load_conf | sed 1d)"
load_conf() {
	lab_load_conf
	ROUTED=$(conf_num ROUTED)
	[ -n "$ROUTED" ] || die "bad $(run_dir)/lab.conf"
}

# The router: two ports on the switch, a bridge per backend subnet.
setup_router() {
	local rt sw
	rt=$(ns_of rt)
	sw=$(ns_of sw)
	add_node rt
	ip -n "$sw" link add rt2 address 02:00:00:00:01:fd type veth \
		peer name eth1 address 02:00:00:00:00:fd netns "$rt"
	ip -n "$sw" link set rt2 master "$BRIDGE"
	ip -n "$sw" link set dev rt2 xdpdrv obj "$XDP_PASS" sec xdp
	offloads_off "$sw" rt2
	offloads_off "$rt" eth1
	in_ns "$rt" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 \
		net.ipv6.conf.eth1.accept_dad=0
	ip -n "$rt" -b - <<-EOF
		addr add $RT_IP4_2/24 dev eth1
		addr add $RT_IP6_2/64 dev eth1 nodad
		link set eth1 up
		link add bra type bridge stp_state 0 forward_delay 0
		link add brb type bridge stp_state 0 forward_delay 0
		addr add 198.18.1.1/24 dev bra
		addr add 2001:2:0:1::1/64 dev bra nodad
		addr add 198.18.2.1/24 dev brb
		addr add 2001:2:0:2::1/64 dev brb nodad
		link set bra up
		link set brb up
	EOF
	ip -n "$sw" link set rt2 up
}

# A backend on subnet a or b: a port of the router's bridge.
setup_routed_backend() {
	local node=$1 ns rt s
	ns=$(ns_of "$node")
	rt=$(ns_of rt)
	s=$(subnet_of "$node")
	ns_add "$ns"
	ip -n "$rt" link add "$node" type veth peer name "$NODE_IF" \
		address "$(mac_of "$node")" netns "$ns"
	ip -n "$rt" link set "$node" master "br$(subnet_of "$node" |
		tr 12 ab)"
	offloads_off "$rt" "$node"
	offloads_off "$ns" "$NODE_IF"
	ip -n "$ns" -b - <<-EOF
		link set lo up
		addr add $(ip4_of "$node")/24 dev $NODE_IF
		addr add $(ip6_of "$node")/64 dev $NODE_IF nodad
		link set $NODE_IF up
		route add default via 198.18.$s.1
		route add default via 2001:2:0:$s::1
	EOF
	ip -n "$rt" link set "$node" up
	nsenter --net="/run/netns/$ns" env XLBCTL="$XLBCTL_BIN" \
		"$BACKEND_SETUP" up "$NODE_IF" "$VIP4" "$VIP4_2" "$VIP6" \
		"$VIP6_2" || die "$node: $BACKEND_SETUP failed"
}

cmd_up() {
	local i lb node
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	BACKENDS=${BACKENDS_GIVEN:-1}
	ROUTED=${ROUTED:-$ROUTED_DEFAULT}
	[[ $BACKENDS =~ ^[0-9]+$ ]] && [ "$BACKENDS" -ge 1 ] &&
		[ "$BACKENDS" -le 9 ] || die "--backends: 1..9"
	[[ $ROUTED =~ ^[0-9]+$ ]] && [ "$ROUTED" -ge 1 ] &&
		[ "$ROUTED" -le $ROUTED_MAX ] || die "--routed: 1..$ROUTED_MAX"
	[[ $CLIENTS =~ ^[0-9]+$ ]] && [ "$CLIENTS" -ge 1 ] &&
		[ "$CLIENTS" -le $MAX_CLIENTS ] ||
		die "--clients: 1..$MAX_CLIENTS"
	[ -x "$XLBCTL_BIN" ] || die "no $XLBCTL_BIN: make all"
	up_begin "$(printf 'BACKENDS=%s\nCLIENTS=%s\nROUTED=%s\nTOPOLOGY=routed' \
		"$BACKENDS" "$CLIENTS" "$ROUTED")"

	setup_lb
	lb=$(ns_of lb)
	in_ns "$lb" sysctl -qw "net.ipv4.conf.$NODE_IF.forwarding=1" \
		"net.ipv6.conf.$NODE_IF.forwarding=1"
	ip -n "$lb" -b - <<-EOF
		route add 198.18.1.0/24 via $RT_IP4
		route add 198.18.2.0/24 via $RT_IP4
		route add 2001:2:0:1::/64 via $RT_IP6
		route add 2001:2:0:2::/64 via $RT_IP6
	EOF
	setup_router
	for i in $(seq "$CLIENTS"); do setup_client "cl$i"; done
	for i in $(seq "$BACKENDS"); do setup_backend "be$i"; done
	for node in $(routed_backends); do setup_routed_backend "$node"; done
	# shellcheck disable=SC2046
	wait_links $(nodes)
	for i in $(seq "$BACKENDS"); do backend_start "be$i"; done
	for node in $(routed_backends); do backend_start "$node"; done
	UP_DONE=1
	echo "lab: $NAME up (routed): lb, router, $CLIENTS client(s)," \
		"$BACKENDS L2 backend(s), $ROUTED backend(s) on each of 2 subnets;" \
		"eval \"\$(tools/lab.sh env --name $NAME)\"" >&2
}

# lab.sh's teardown also stops the routed backends' xlb_httpd (every
# process in the lab's namespaces); their pidfiles go with the run dir.
eval "lab_teardown() $(declare -f teardown | sed 1d)"
teardown() {
	local f
	if [ -d "$(run_dir)" ]; then
		for f in "$(run_dir)"/r[ab]*.pid; do
			[ -e "$f" ] || continue
			f=${f##*/}
			backend_stop "${f%.pid}"
		done
	fi
	lab_teardown
}

eval "lab_env() $(declare -f cmd_env | sed 1d)"
cmd_env() {
	local node up sub ip4s ip6s
	lab_env
	emit LAB_TOPOLOGY routed
	emit LAB_ROUTED "$ROUTED"
	emit LAB_RT_NS "$(ns_of rt)"
	emit LAB_RT_IP4 "$RT_IP4"
	emit LAB_RT_IP6 "$RT_IP6"
	emit LAB_RT_IP4_2 "$RT_IP4_2"
	emit LAB_RT_IP6_2 "$RT_IP6_2"
	emit LAB_RT_MAC "$(mac_of rt)"
	emit LAB_RT_MAC_2 02:00:00:00:00:fd
	emit LAB_RT_EXEC "ip netns exec $(ns_of rt)"
	emit LAB_SUBNET_A4 198.18.1.0/24
	emit LAB_SUBNET_A6 2001:2:0:1::/64
	emit LAB_SUBNET_B4 198.18.2.0/24
	emit LAB_SUBNET_B6 2001:2:0:2::/64
	emit LAB_BACKEND_SETUP "$BACKEND_SETUP"
	for sub in a b; do
		ip4s=()
		ip6s=()
		for i in $(seq "$ROUTED"); do
			node=r$sub$i
			up=LAB_R${sub^^}$i
			emit_server "$up" "$node" \
				"nsenter --net=/run/netns/$(ns_of "$node")"
			ip4s+=("$(ip4_of "$node")")
			ip6s+=("$(ip6_of "$node")")
		done
		emit "LAB_R${sub^^}_IP4S" "${ip4s[*]}"
		emit "LAB_R${sub^^}_IP6S" "${ip6s[*]}"
	done
}

cmd_status() {
	local ok=0 node ns have state pid
	status_load || return 1
	echo "lab $NAME (routed): $CLIENTS client(s), $BACKENDS L2" \
		"backend(s), $ROUTED per subnet, run dir $(run_dir)"
	have=$(lab_namespaces)
	for node in sw $(nodes); do
		ns=$(ns_of "$node")
		ns_present "$ns" "$have" || { ok=1; continue; }
		state=""
		if [[ $node == r[ab]* || $node == be* ]]; then
			pid=$(backend_pid "$node")
			state=" xlb_httpd ${pid:-stopped}"
		fi
		if [[ $node == r[ab]* ]]; then
			# XDP mode, or tc mode (xlb_backend.sh --mode tc)
			{ ip -n "$ns" -d link show "$NODE_IF" | has 'prog/xdp' ||
				ip netns exec "$ns" tc filter show dev "$NODE_IF" \
					ingress | has xlb_decap_tc; } &&
				state+=", decapsulator" || state+=", no decapsulator"
		fi
		printf '  %-10s %s\n' "$ns" "${state# }"
	done
	return $ok
}
