#!/usr/bin/env bash
# xlb lab: network namespaces on one L2 segment, for integration tests, the
# demo and load tests. Nothing is connected to the host's own namespace.
#
#   tools/lab.sh up     [--name NAME] [--backends N] [--clients N]
#   tools/lab.sh down   [--name NAME]
#   tools/lab.sh status [--name NAME]
#   tools/lab.sh env    [--name NAME]       shell assignments, for eval
#   tools/lab.sh backend-stop  [--name NAME] N
#   tools/lab.sh backend-start [--name NAME] N [-- EXTRA xlb_httpd ARGS]
#   tools/lab.sh exec   [--name NAME] NODE CMD...   (NODE: sw lb beN clN)
#   --topology scale (with up): router + BIRD + three xlb nodes (--etcd:
#   and an etcd they take their config from; etcd-stop, etcd-start), see
#   tools/lab_scale.sh; --topology routed [--routed N]: a router and two
#   backend subnets for ipip/gue, see tools/lab_routed.sh; later commands
#   find the topology in lab.conf
#
# Topology (NAME defaults to xlb; every namespace is prefixed with it):
#
#   NAME-sw   bridge br0; ports lb, be1.., cl1.. (veth ends, each with
#             build/xdp_pass.bpf.o attached: a veth drops frames that its
#             peer sends with XDP_TX/XDP_REDIRECT unless it runs XDP itself)
#   NAME-lb   eth0 198.18.0.1/24 2001:2::1/64             02:00:00:00:00:01
#   NAME-clI  eth0 198.18.0.(1+I) 2001:2::(1+I)           02:00:00:00:00:xx
#             routes 198.19.0.0/24 and 2001:2:0:100::/64 via the lb
#   NAME-beI  eth0 198.18.0.(10+I) 2001:2::(10+I)         02:00:00:00:00:xx
#             every lab VIP on lo, arp_ignore=1 arp_announce=2, rp_filter
#             off; xlb_httpd --name beI on TCP 80 and UDP echo 5353
#
# The MAC's last byte is the last byte of the node's IPv4 address (hex).
# Checksum offload is off on every veth (frames the lb bounces with XDP_TX
# keep the partial checksum of the sender otherwise), GRO is off, VLAN
# offloads are off (tags stay in the frame, where XDP sees them).
#
# Up to 9 clients and 200 backends. State (lab.conf, backend pidfiles and
# logs) lives in /run/xlb-lab/NAME/. `up` tears down whatever exists under
# NAME first (also leftovers of a crashed run), `down` kills every process
# still in the lab's namespaces and deletes them; both are idempotent.
# backend-stop N sends SIGTERM (SIGKILL after 3 s); backend-start N starts
# it again (no-op if running; extra xlb_httpd options such as --delay-ms
# after --); both return once done.
#
# env prints (eval "$(tools/lab.sh env --name NAME)"):
#   LAB_NAME LAB_RUN_DIR LAB_BACKENDS LAB_CLIENTS LAB_HTTPD LAB_XDP_PASS
#   LAB_NET4 LAB_NET6 LAB_VIP_NET4 LAB_VIP_NET6
#   LAB_VIP4 LAB_VIP6 LAB_VIP4_2 LAB_VIP6_2 LAB_HTTP_PORT LAB_UDP_PORT
#   LAB_SW_NS LAB_BRIDGE  (switch ports are named after the nodes)
#   LAB_LB_NS LAB_LB_IF LAB_LB_IP4 LAB_LB_IP6 LAB_LB_MAC LAB_LB_SW_PORT
#   LAB_LB_NETNS LAB_LB_EXEC
#   LAB_CL<i>_{NS,IP4,IP6,MAC,EXEC}  and  LAB_CLIENT_{NS,IP4,IP6,MAC,EXEC}
#   (the same for cl1)
#   LAB_BE<i>_{NAME,NS,IP4,IP6,MAC,PIDFILE,LOG,EXEC}
#   LAB_BE_IP4S LAB_BE_IP6S  (space separated)
# Plain assignments, not exported: `set -a; eval ...; set +a` to export.
#
# Commands in a namespace: `ip netns exec NAME-x ...` for simple things.
# Anything that needs the host's /sys/fs/bpf (ip netns exec remounts /sys)
# must use `nsenter --net=/run/netns/NAME-x ...` instead: LAB_LB_EXEC.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HTTPD=${XLB_HTTPD:-$ROOT/build/tools/xlb_httpd}
XDP_PASS=${XLB_XDP_PASS:-$ROOT/build/xdp_pass.bpf.o}
RUN_BASE=/run/xlb-lab

HTTP_PORT=80
UDP_PORT=5353
NET4=198.18.0.0/24
NET6=2001:2::/64
VIP_NET4=198.19.0.0/24
VIP_NET6=2001:2:0:100::/64
VIP4=198.19.0.100
VIP6=2001:2:0:100::100
VIP4_2=198.19.0.101
VIP6_2=2001:2:0:100::101
LB_IP4=198.18.0.1
LB_IP6=2001:2::1
NODE_IF=eth0
BRIDGE=br0
MAX_BACKENDS=200
MAX_CLIENTS=9

NAME=xlb
BACKENDS=3
CLIENTS=1

die() {
	echo "lab: $*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
	exit "${1:-2}"
}

# ---- naming and addressing ----

ns_of() { echo "$NAME-$1"; }

# Last IPv4 byte of a node: lb, clI, beI.
octet_of() {
	case $1 in
	lb) echo 1 ;;
	cl*) echo $((1 + ${1#cl})) ;;
	be*) echo $((10 + ${1#be})) ;;
	*) die "no such node: $1" ;;
	esac
}

ip4_of() { echo "198.18.0.$(octet_of "$1")"; }
# The IPv6 host part uses the same decimal digits: be1 -> 2001:2::11.
ip6_of() { echo "2001:2::$(octet_of "$1")"; }
mac_of() { printf '02:00:00:00:00:%02x\n' "$(octet_of "$1")"; }
port_mac_of() { printf '02:00:00:00:01:%02x\n' "$(octet_of "$1")"; }

run_dir() { echo "$RUN_BASE/$NAME"; }
pidfile_of() { echo "$(run_dir)/$1.pid"; }

# Namespaces of this lab that exist now (also leftovers of a crashed run).
lab_namespaces() {
	ip netns list 2>/dev/null | awk '{ print $1 }' |
		grep -E "^${NAME}-(sw|lb|be[0-9]+|cl[0-9]+)\$" || true
}

# conf_num KEY: the number KEY=N of the lab's lab.conf, or nothing.
conf_num() {
	sed -n "s/^$1=\([0-9]\{1,\}\)\$/\1/p" "$(run_dir)/lab.conf"
}

load_conf() {
	local conf
	conf="$(run_dir)/lab.conf"
	[ -f "$conf" ] || die "lab '$NAME' is not up (no $conf)"
	BACKENDS=$(conf_num BACKENDS)
	CLIENTS=$(conf_num CLIENTS)
	[ -n "$BACKENDS" ] && [ -n "$CLIENTS" ] || die "bad $conf"
}

lock() {
	mkdir -p "$RUN_BASE"
	exec 9>"$RUN_BASE/$NAME.lock"
	flock -w 60 9 || die "lab '$NAME' is locked by another lab.sh"
}

# After down: leave nothing behind.
forget_lock() {
	rm -f "$RUN_BASE/$NAME.lock"
	rmdir "$RUN_BASE" 2>/dev/null || true
}

# grep -q in a pipeline can make the writer die of SIGPIPE (pipefail):
# read all of the input instead.
has() {
	grep "$@" >/dev/null
}

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ---- processes ----

# Run a command detached: own session, no inherited descriptors (a test
# harness reading our stdout must not wait for a backend to exit).
spawn() {
	local log=$1
	shift
	(
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			if [ "$fd" -gt 2 ] 2>/dev/null; then
				eval "exec $fd>&-"
			fi
		done
		exec setsid "$@" </dev/null >>"$log" 2>&1
	) &
}

# Running (a zombie child of ours does not count).
pid_alive() {
	local stat state
	[ -n "$1" ] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	state=${stat##*) }
	[ "${state:0:1}" != Z ]
}

# PID from a backend pidfile, only if it is still that backend.
backend_pid() {
	local be=$1 pf pid
	pf=$(pidfile_of "$be")
	[ -f "$pf" ] || return 0
	pid=$(head -n1 "$pf" 2>/dev/null | tr -cd 0-9)
	[ -n "$pid" ] || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
		has -- " --name $be .*--pidfile $pf" || return 0
	echo "$pid"
}

# pids_gone TENTHS PID...: wait up to TENTHS tenths of a second until
# none of the PIDs is alive.
pids_gone() {
	local n=$1 pid i alive
	shift
	for i in $(seq "$n"); do
		alive=0
		for pid in "$@"; do
			pid_alive "$pid" && alive=1
		done
		[ $alive -eq 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# TERM, wait up to ~3 s, then KILL.
stop_pids() {
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	pids_gone 30 "$@" && return 0
	kill -KILL "$@" 2>/dev/null || true
	pids_gone 20 "$@" || true
}

backend_start() {
	local be=$1 ns pf log i pid
	shift
	ns=$(ns_of "$be")
	pf=$(pidfile_of "$be")
	log="$(run_dir)/$be.log"
	ip netns list | awk '{ print $1 }' | has -x -- "$ns" ||
		die "no namespace $ns"
	[ -n "$(backend_pid "$be")" ] && return 0
	rm -f "$pf"
	spawn "$log" ip netns exec "$ns" "$HTTPD" --name "$be" \
		--port "$HTTP_PORT" --udp-port "$UDP_PORT" --pidfile "$pf" "$@"
	pid=$!
	# The pidfile appears once every socket is bound.
	for i in $(seq 100); do
		[ -n "$(backend_pid "$be")" ] && return 0
		pid_alive "$pid" || break
		sleep 0.05
	done
	tail -n 5 "$log" >&2 || true
	die "$be: xlb_httpd did not start (log: $log)"
}

backend_stop() {
	local be=$1 pid
	pid=$(backend_pid "$be")
	[ -n "$pid" ] && stop_pids "$pid"
	rm -f "$(pidfile_of "$be")"
}

# ---- bring-up ----

ensure_built() {
	[ -x "$HTTPD" ] && [ -f "$XDP_PASS" ] && return 0
	echo "lab: building $HTTPD and $XDP_PASS" >&2
	make -C "$ROOT" --no-print-directory \
		"${XDP_PASS#"$ROOT"/}" "${HTTPD#"$ROOT"/}" >&2 ||
		die "build failed: make build/xdp_pass.bpf.o build/tools/xlb_httpd"
}

# Offloads off on one veth end. tx off is required (see the header); the
# others keep frames on the wire exactly as sent.
offloads_off() {
	local ns=$1 dev=$2
	in_ns "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 ||
		die "$ns: ethtool -K $dev tx off failed"
	in_ns "$ns" ethtool -K "$dev" gro off >/dev/null 2>&1 || true
	in_ns "$ns" ethtool -K "$dev" rxvlan off txvlan off \
		>/dev/null 2>&1 || true
}

# ns_add NS [SYSCTL=V...]: namespace NS, its IPv6 quiet (no DAD, router
# advertisements or solicitations: addresses usable at once, routes only
# ours), and the SYSCTLs given.
ns_add() {
	local ns=$1
	shift
	ip netns add "$ns"
	in_ns "$ns" sysctl -qw \
		net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.default.router_solicitations=0 "$@"
}

# Create node NODE: namespace, veth into the switch, addresses.
add_node() {
	local node=$1 ns sw port
	ns=$(ns_of "$node")
	sw=$(ns_of sw)
	port=$node

	ns_add "$ns" net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0

	ip -n "$sw" link add "$port" address "$(port_mac_of "$node")" \
		type veth peer name "$NODE_IF" address "$(mac_of "$node")" \
		netns "$ns"
	ip -n "$sw" link set "$port" master "$BRIDGE"
	ip -n "$sw" link set dev "$port" xdpdrv obj "$XDP_PASS" sec xdp
	offloads_off "$sw" "$port"
	offloads_off "$ns" "$NODE_IF"
	in_ns "$ns" sysctl -qw \
		"net.ipv6.conf.$NODE_IF.accept_dad=0" \
		"net.ipv6.conf.$NODE_IF.accept_ra=0" \
		"net.ipv6.conf.$NODE_IF.router_solicitations=0" \
		"net.ipv4.conf.$NODE_IF.rp_filter=0" \
		net.ipv4.conf.lo.rp_filter=0

	ip -n "$ns" -b - <<-EOF
		link set lo up
		addr add $(ip4_of "$node")/24 dev $NODE_IF
		addr add $(ip6_of "$node")/64 dev $NODE_IF nodad
		link set $NODE_IF up
	EOF
	ip -n "$sw" link set "$port" up
}

setup_lb() {
	add_node lb
}

setup_client() {
	local node=$1 ns
	ns=$(ns_of "$node")
	add_node "$node"
	ip -n "$ns" -b - <<-EOF
		route add $VIP_NET4 via $LB_IP4 dev $NODE_IF
		route add $VIP_NET6 via $LB_IP6 dev $NODE_IF
	EOF
}

setup_backend() {
	local node=$1 ns
	ns=$(ns_of "$node")
	add_node "$node"
	# Hold the VIPs but never answer ARP for them (arp_ignore=1: only
	# for addresses on the receiving interface; arp_announce=2: ARP
	# requests carry the eth0 address). IPv6 answers neighbour
	# solicitations only for addresses on the receiving interface, so
	# VIPs on lo stay silent without further settings.
	in_ns "$ns" sysctl -qw \
		net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 \
		"net.ipv4.conf.$NODE_IF.arp_ignore=1" \
		"net.ipv4.conf.$NODE_IF.arp_announce=2"
	ip -n "$ns" -b - <<-EOF
		addr add $VIP4/32 dev lo
		addr add $VIP4_2/32 dev lo
		addr add $VIP6/128 dev lo
		addr add $VIP6_2/128 dev lo
	EOF
}

# All node interfaces carrying frames, bounded.
wait_links() {
	local node i down
	for i in $(seq 100); do
		down=0
		for node in "$@"; do
			ip -n "$(ns_of "$node")" link show "$NODE_IF" |
				has 'LOWER_UP' || down=1
		done
		[ $down -eq 0 ] && return 0
		sleep 0.05
	done
	die "links did not come up"
}

nodes() {
	local i
	echo lb
	for i in $(seq "$CLIENTS"); do echo "cl$i"; done
	for i in $(seq "$BACKENDS"); do echo "be$i"; done
}

# up_begin LAB_CONF: the start of every topology's bring-up: programs
# built, the lab locked and any earlier one torn down, a failed bring-up
# torn down on exit, LAB_CONF (load_conf's lines) written to the run
# dir, and the switch namespace with its bridge.
up_begin() {
	local sw
	ensure_built
	lock
	teardown
	UP_DONE=0
	trap '[ $UP_DONE -eq 1 ] || { echo "lab: bring-up of $NAME failed, tearing down" >&2; teardown; forget_lock; }' EXIT

	mkdir -p "$(run_dir)"
	printf '%s\n' "$1" >"$(run_dir)/lab.conf"

	sw=$(ns_of sw)
	ip netns add "$sw"
	in_ns "$sw" sysctl -qw \
		net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$sw" link set lo up
	ip -n "$sw" link add "$BRIDGE" type bridge stp_state 0 \
		forward_delay 0 mcast_snooping 0
	ip -n "$sw" link set "$BRIDGE" up
}

cmd_up() {
	local i
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	[[ $BACKENDS =~ ^[0-9]+$ ]] && [ "$BACKENDS" -ge 1 ] &&
		[ "$BACKENDS" -le $MAX_BACKENDS ] ||
		die "--backends: 1..$MAX_BACKENDS"
	[[ $CLIENTS =~ ^[0-9]+$ ]] && [ "$CLIENTS" -ge 1 ] &&
		[ "$CLIENTS" -le $MAX_CLIENTS ] ||
		die "--clients: 1..$MAX_CLIENTS"
	up_begin "$(printf 'BACKENDS=%s\nCLIENTS=%s' "$BACKENDS" "$CLIENTS")"

	setup_lb
	for i in $(seq "$CLIENTS"); do setup_client "cl$i"; done
	for i in $(seq "$BACKENDS"); do setup_backend "be$i"; done
	# shellcheck disable=SC2046
	wait_links $(nodes)
	for i in $(seq "$BACKENDS"); do backend_start "be$i"; done
	UP_DONE=1
	echo "lab: $NAME up: lb, $CLIENTS client(s), $BACKENDS backend(s);" \
		"eval \"\$(tools/lab.sh env --name $NAME)\"" >&2
}

# ---- tear-down ----

teardown() {
	local ns pids pid i f
	if [ -d "$(run_dir)" ]; then
		for f in "$(run_dir)"/be*.pid; do
			[ -e "$f" ] || continue
			f=${f##*/}
			backend_stop "${f%.pid}"
		done
	fi
	# Whatever else still runs in the lab (xlbd, clients, tests) would
	# keep a deleted namespace and its interfaces alive.
	for ns in $(lab_namespaces); do
		pids=()
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] || pids+=("$pid")
		done
		[ ${#pids[@]} -gt 0 ] && stop_pids "${pids[@]}"
	done
	for ns in $(lab_namespaces); do
		for i in 1 2 3; do
			ip netns del "$ns" 2>/dev/null && break
			sleep 0.1
		done
	done
	[ -z "$(lab_namespaces)" ] ||
		die "could not delete: $(lab_namespaces | tr '\n' ' ')"
	rm -rf "$(run_dir)"
}

cmd_down() {
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	lock
	teardown
	forget_lock
}

# ---- queries ----

# One shell assignment; quote only what needs it.
emit() {
	if [[ $2 =~ ^[A-Za-z0-9_./:,@+=-]*$ ]]; then
		printf '%s=%s\n' "$1" "$2"
	else
		printf "%s='%s'\n" "$1" "$2"
	fi
}

# emit_server PREFIX NODE EXEC: what a test needs of a node that runs a
# server (a backend, a routed node): its name, namespace, addresses, the
# server's pidfile and log, and how to run a command in it.
emit_server() {
	emit "$1_NAME" "$2"
	emit "$1_NS" "$(ns_of "$2")"
	emit "$1_IP4" "$(ip4_of "$2")"
	emit "$1_IP6" "$(ip6_of "$2")"
	emit "$1_PIDFILE" "$(pidfile_of "$2")"
	emit "$1_LOG" "$(run_dir)/$2.log"
	emit "$1_EXEC" "$3"
}

cmd_env() {
	local i node up be4 be6
	load_conf
	emit LAB_NAME "$NAME"
	emit LAB_RUN_DIR "$(run_dir)"
	emit LAB_BACKENDS "$BACKENDS"
	emit LAB_CLIENTS "$CLIENTS"
	emit LAB_HTTPD "$HTTPD"
	emit LAB_XDP_PASS "$XDP_PASS"
	emit LAB_NET4 "$NET4"
	emit LAB_NET6 "$NET6"
	emit LAB_VIP_NET4 "$VIP_NET4"
	emit LAB_VIP_NET6 "$VIP_NET6"
	emit LAB_VIP4 "$VIP4"
	emit LAB_VIP6 "$VIP6"
	emit LAB_VIP4_2 "$VIP4_2"
	emit LAB_VIP6_2 "$VIP6_2"
	emit LAB_HTTP_PORT "$HTTP_PORT"
	emit LAB_UDP_PORT "$UDP_PORT"
	emit LAB_SW_NS "$(ns_of sw)"
	emit LAB_BRIDGE "$BRIDGE"
	emit LAB_LB_NS "$(ns_of lb)"
	emit LAB_LB_IF "$NODE_IF"
	emit LAB_LB_IP4 "$(ip4_of lb)"
	emit LAB_LB_IP6 "$(ip6_of lb)"
	emit LAB_LB_MAC "$(mac_of lb)"
	emit LAB_LB_SW_PORT lb
	emit LAB_LB_NETNS "/run/netns/$(ns_of lb)"
	emit LAB_LB_EXEC "nsenter --net=/run/netns/$(ns_of lb)"
	for i in $(seq "$CLIENTS"); do
		node=cl$i
		up=LAB_CL$i
		emit "${up}_NS" "$(ns_of "$node")"
		emit "${up}_IP4" "$(ip4_of "$node")"
		emit "${up}_IP6" "$(ip6_of "$node")"
		emit "${up}_MAC" "$(mac_of "$node")"
		emit "${up}_EXEC" "ip netns exec $(ns_of "$node")"
	done
	emit LAB_CLIENT_NS "$(ns_of cl1)"
	emit LAB_CLIENT_IP4 "$(ip4_of cl1)"
	emit LAB_CLIENT_IP6 "$(ip6_of cl1)"
	emit LAB_CLIENT_MAC "$(mac_of cl1)"
	emit LAB_CLIENT_EXEC "ip netns exec $(ns_of cl1)"
	be4=()
	be6=()
	for i in $(seq "$BACKENDS"); do
		node=be$i
		up=LAB_BE$i
		emit_server "$up" "$node" "ip netns exec $(ns_of "$node")"
		emit "${up}_MAC" "$(mac_of "$node")"
		be4+=("$(ip4_of "$node")")
		be6+=("$(ip6_of "$node")")
	done
	emit LAB_BE_IP4S "${be4[*]}"
	emit LAB_BE_IP6S "${be6[*]}"
}

# status_load: the lab's config loaded, or fail saying the lab is down
# (and which of its namespaces are left over).
status_load() {
	local have
	if [ ! -f "$(run_dir)/lab.conf" ]; then
		have=$(lab_namespaces | tr '\n' ' ')
		echo "lab $NAME: down${have:+ (leftover namespaces: $have)}"
		return 1
	fi
	load_conf
}

# ns_present NS HAVE: true when NS is one of the lines of HAVE; otherwise
# says it is missing.
ns_present() {
	grep -qx -- "$1" <<<"$2" && return
	echo "  $1: missing"
	return 1
}

cmd_status() {
	local ok=0 node ns sw pid have
	sw=$(ns_of sw)
	status_load || return 1
	echo "lab $NAME: $CLIENTS client(s), $BACKENDS backend(s)," \
		"run dir $(run_dir)"
	have=$(lab_namespaces)
	ns_present "$sw" "$have" || ok=1
	for node in $(nodes); do
		ns=$(ns_of "$node")
		ns_present "$ns" "$have" || { ok=1; continue; }
		local state xdp="no xdp_pass" extra=""
		state=$(ip -n "$ns" -o link show "$NODE_IF" 2>/dev/null |
			grep -o 'state [A-Z]*' || echo "no $NODE_IF")
		ip -n "$sw" -d link show "$node" 2>/dev/null |
			has 'prog/xdp' && xdp="xdp_pass"
		[ "$xdp" = xdp_pass ] || ok=1
		if [[ $node == be* ]]; then
			pid=$(backend_pid "$node")
			if [ -n "$pid" ]; then
				extra=" xlb_httpd pid $pid"
			else
				extra=" xlb_httpd stopped"
			fi
		fi
		printf '  %-10s %-16s %-24s %s, port %s%s\n' "$ns" \
			"$(ip4_of "$node")" "$(ip6_of "$node")" "$state" "$xdp" \
			"$extra"
	done
	return $ok
}

node_arg() {
	local n=$1
	[[ $n =~ ^(be)?([0-9]+)$ ]] || die "backend: N or beN, got '$n'"
	n=${BASH_REMATCH[2]}
	load_conf
	[ "$n" -ge 1 ] && [ "$n" -le "$BACKENDS" ] ||
		die "backend $n: lab '$NAME' has 1..$BACKENDS"
	echo "be$n"
}

# ---- main ----

[ $# -ge 1 ] || usage
CMD=$1
shift
ARGS=()
while [ $# -gt 0 ]; do
	case $1 in
	--name) NAME=${2:?--name needs a value}; shift 2 ;;
	--name=*) NAME=${1#--name=}; shift ;;
	--backends) BACKENDS=${2:?--backends needs a value}; BACKENDS_GIVEN=$BACKENDS; shift 2 ;;
	--backends=*) BACKENDS=${1#--backends=}; BACKENDS_GIVEN=$BACKENDS; shift ;;
	--routed) ROUTED=${2:?--routed needs a value}; shift 2 ;;
	--routed=*) ROUTED=${1#--routed=}; shift ;;
	--clients) CLIENTS=${2:?--clients needs a value}; shift 2 ;;
	--clients=*) CLIENTS=${1#--clients=}; shift ;;
	--etcd) ETCD=1; shift ;;
	--topology) TOPOLOGY=${2:?--topology needs a value}; shift 2 ;;
	--topology=*) TOPOLOGY=${1#--topology=}; shift ;;
	-h|--help) usage 0 ;;
	--) shift; ARGS+=("$@"); break ;;
	*)
		if [ "$CMD" = exec ] && [ ${#ARGS[@]} -ge 1 ]; then
			ARGS+=("$@")
			break
		fi
		ARGS+=("$1")
		shift
		;;
	esac
done
[[ $NAME =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$ ]] ||
	die "--name: letters, digits, _ and - (max 24), got '$NAME'"

# Other topologies replace some of the functions above (a file each); a lab
# that is up remembers its own.
[ -n "${TOPOLOGY:-}" ] || TOPOLOGY=$(sed -n 's/^TOPOLOGY=\([a-z]*\)$/\1/p' \
	"$(run_dir)/lab.conf" 2>/dev/null || true)
case ${TOPOLOGY:-single} in
single) ;;
scale) . "$ROOT/tools/lab_scale.sh" ;;
routed) . "$ROOT/tools/lab_routed.sh" ;;
*) die "--topology: single, scale or routed, got '$TOPOLOGY'" ;;
esac

case $CMD in
up)
	[ ${#ARGS[@]} -eq 0 ] || usage
	cmd_up
	;;
down)
	[ ${#ARGS[@]} -eq 0 ] || usage
	cmd_down
	;;
status)
	cmd_status
	;;
env)
	cmd_env
	;;
backend-stop | backend-start)
	[ ${#ARGS[@]} -ge 1 ] || usage
	[ "$CMD" = backend-start ] || [ ${#ARGS[@]} -eq 1 ] || usage
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	be=$(node_arg "${ARGS[0]}")
	lock
	if [ "$CMD" = backend-stop ]; then
		backend_stop "$be"
	else
		backend_start "$be" "${ARGS[@]:1}"
	fi
	;;
etcd-stop | etcd-start)
	[ ${#ARGS[@]} -eq 0 ] || usage
	declare -F cmd_etcd >/dev/null || die "$CMD: a scale lab's command"
	cmd_etcd "${CMD#etcd-}"
	;;
exec)
	[ ${#ARGS[@]} -ge 2 ] || usage
	node=${ARGS[0]}
	[[ $node =~ ^(sw|lb|rt|et|be[0-9]+|cl[0-9]+|r[ab][0-9]+)$ ]] ||
		die "no such node: $node"
	exec ip netns exec "$(ns_of "$node")" "${ARGS[@]:1}"
	;;
help)
	usage 0
	;;
*)
	usage
	;;
esac
