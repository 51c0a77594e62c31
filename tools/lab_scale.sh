# shellcheck shell=bash
# Scale-out topology of the lab: sourced by tools/lab.sh when it is given
# `--topology scale` (after its own functions, which this file reuses or
# replaces). Not a command of its own.
#
#   tools/lab.sh up --topology scale [--name NAME] [--backends N] [--etcd]
#   tools/lab.sh down --topology scale [--name NAME]     (also env, status)
#   tools/lab.sh etcd-stop|etcd-start [--name NAME]      (an --etcd lab)
#
#   NAME-cl1  eth0 10.99.0.2/24, default via the router
#       |  (veth pair)
#   NAME-rt   eth1 10.99.0.1/24; eth0 198.18.0.254/24 on the switch.
#             BIRD (tools/bird/router.conf): eBGP + BFD with every node,
#             `merge paths on`: one ECMP route per VIP;
#             fib_multipath_hash_policy=1 (L4 hash), forwarding on
#   NAME-sw   bridge br0: rt, n1 n2 n3, be1..beN (xdp_pass on each port;
#             no unknown-unicast flooding to n1..n3)
#   NAME-nI   eth0 198.18.0.(1+I)/24, I = 1..3: xlbd (XDP on eth0,
#             announce_table 100) and BIRD (tools/bird/node.conf)
#   NAME-beI  eth0 198.18.0.(10+I)/24, VIPs on lo, default via the router
#             (replies go straight back to the client: DSR)
#   NAME-et   (--etcd) eth0 198.18.0.250/24: one etcd, client port 2379
#
# Without --etcd every node's file (run dir nI.yaml) holds the whole
# config. With --etcd the nodes run config_source: etcd: nI.yaml holds
# only the node's own keys, the cluster's part (hash_seed, services) is
# the document in etcd key /xlb/config (also in run dir cluster.yaml, as
# first written), and each node publishes itself under /xlb/nodes/nI.
# etcd-stop stops etcd (SIGTERM), etcd-start starts it again on its data.
#
# Every node runs the same xlbd config: service web,
# 198.19.0.100:80 maglev over every backend, TCP health checks every
# 500 ms (fall 2, rise 1), hash_seed 0x5eed; service web_rr the same
# with round-robin on 198.19.0.101 and flow_sync on: the nodes send each
# other its flows (UDP port 7800 of each node's address, run dir sync.key
# the shared key); service web_nat the same as web_rr on 198.19.0.102
# with forwarding: nat, each node's SNAT address 198.20.0.(1+I) (snat),
# announced over BGP like the VIPs, the peers' as backups; the backends
# and the nodes route 198.20.0.0/24 and the client's net via the router
# (which sends no ICMP redirects). Control sockets: run dir nI.sock;
# BIRD sockets: rt.bird.ctl, nI.bird.ctl (birdc -s SOCK show route).
#
# env adds: LAB_TOPOLOGY=scale LAB_NODES="n1 n2 n3" LAB_RT_NS LAB_RT_IP4
#   LAB_RT_BIRD_SOCK LAB_CLIENT_IP4 (10.99.0.2)
#   LAB_N<i>_{NS,IP4,SOCK,CFG,PIN,LOG,BIRD_SOCK,EXEC,SNAT4} LAB_VIP4_NAT
#   LAB_ETCD (0 or 1) and with it LAB_ETCD_{NS,URL,PREFIX,KEY,EXEC,LOG}
# Processes (xlbd, BIRD, backends) are stopped by `down` like the rest.

. "$ROOT/tools/lib/xlb_lab.sh"	# etcd_up, etcd_put

SCALE_NODES=3
SCALE_TABLE=100
SCALE_RT_IP4=198.18.0.254
SCALE_CL_NET=10.99.0.0/24
SCALE_CL_RT=10.99.0.1
SCALE_CL_IP4=10.99.0.2
SCALE_SYNC_PORT=7800
SCALE_VIP_NAT=198.19.0.102
SCALE_SNAT_NET=198.20.0.0/24
SCALE_ETCD_PORT=2379
SCALE_ETCD_PREFIX=/xlb
XLBD_BIN=${XLBD:-$ROOT/build/xlbd}
BIRD_BIN=${BIRD:-/usr/sbin/bird}

octet_of() {
	case $1 in
	rt) echo 254 ;;
	n*) echo $((1 + ${1#n})) ;;
	cl*) echo $((100 + ${1#cl})) ;;	# not on the switch: unused
	be*) echo $((10 + ${1#be})) ;;
	et) echo 250 ;;
	*) die "no such node: $1" ;;
	esac
}

lab_namespaces() {
	ip netns list 2>/dev/null | awk '{ print $1 }' |
		grep -E "^${NAME}-(sw|rt|et|n[0-9]+|be[0-9]+|cl[0-9]+)\$" || true
}

nodes() {
	local i
	echo rt
	[ "${ETCD:-0}" = 1 ] && echo et
	for i in $(seq "$SCALE_NODES"); do echo "n$i"; done
	for i in $(seq "$BACKENDS"); do echo "be$i"; done
}

scale_pin() { echo "/sys/fs/bpf/xlbs-$NAME-$1"; }

# The node's copy of an example BIRD config: only the addresses differ.
scale_bird_conf() {
	local node=$1 out
	out="$(run_dir)/$node.bird.conf"
	if [ "$node" = rt ]; then
		cp "$ROOT/tools/bird/router.conf" "$out"
	else
		sed "s/\\b198\\.18\\.0\\.2\\b/$(ip4_of "$node")/g" \
			"$ROOT/tools/bird/node.conf" >"$out"
	fi
	"$BIRD_BIN" -p -c "$out" || die "$out: BIRD refuses it"
	echo "$out"
}

scale_bird_start() {
	local node=$1 conf
	conf=$(scale_bird_conf "$node")
	spawn "$(run_dir)/$node.bird.log" ip netns exec "$(ns_of "$node")" \
		"$BIRD_BIN" -f -c "$conf" -s "$(run_dir)/$node.bird.ctl" \
		-P "$(run_dir)/$node.bird.pid"
}

# The node's own keys: all of its config in a file lab, its bootstrap
# file in an --etcd lab.
scale_node_conf() {
	local node=$1 i key
	key="$(run_dir)/sync.key"
	[ -s "$key" ] || head -c 32 /dev/urandom | base64 >"$key"
	cat <<-EOF
	interface: $NODE_IF
	control_socket: $(run_dir)/$node.sock
	pin_dir: $(scale_pin "$node")
	announce_table: $SCALE_TABLE
	snat:
	  addresses: [$(scale_snat_of "$node")]
	flow_sync:
	  address: $(ip4_of "$node"):$SCALE_SYNC_PORT
	  key_file: $key
	  peers:
	EOF
	for i in $(seq "$SCALE_NODES"); do
		[ "n$i" = "$node" ] ||
			echo "    - $(ip4_of "n$i"):$SCALE_SYNC_PORT"
	done
	[ "${ETCD:-0}" = 1 ] || return 0
	cat <<-EOF
	config_source: etcd
	etcd:
	  endpoints: [$(scale_etcd_url)]
	  prefix: $SCALE_ETCD_PREFIX
	  name: $node
	EOF
}

# A node's SNAT address (full NAT), in SCALE_SNAT_NET.
scale_snat_of() { echo "198.20.0.$(octet_of "$1")"; }

# The cluster's keys, the same on every node.
scale_cluster_conf() {
	local i
	echo "hash_seed: 0x5eed"
	echo "services:"
	for svc in "web $VIP4 maglev false l2" \
		"web_rr $VIP4_2 round-robin true l2" \
		"web_nat $SCALE_VIP_NAT round-robin true nat"; do
		set -- $svc
		cat <<-EOF
		  - name: $1
		    vip: $2
		    port: $HTTP_PORT
		    scheduler: $3
		    flow_sync: $4
		    forwarding: $5
		    health_check: { type: tcp, interval: 500ms, timeout: 400ms, rise: 1, fall: 2 }
		    backends:
		EOF
		for i in $(seq "$BACKENDS"); do
			echo "      - address: $(ip4_of "be$i")"
		done
	done
}

scale_xlbd_conf() {
	scale_node_conf "$1"
	[ "${ETCD:-0}" = 1 ] || scale_cluster_conf
}

scale_etcd_url() { echo "http://$(ip4_of et):$SCALE_ETCD_PORT"; }

# etcd in its namespace (tools/lib/xlb_lab.sh's etcd_up, on the lab's
# spawn), on its data in the run dir.
scale_etcd_start() {
	local dir
	dir="$(run_dir)/etcd"
	mkdir -p "$dir"
	echo "$SCALE_ETCD_PORT" >"$dir/port"
	ETCD_HOST=$(ip4_of et) etcd_up "$dir" ip netns exec "$(ns_of et)" ||
		die "etcd did not start"
	echo "$ETCD_PID" >"$(run_dir)/etcd.pid"
}

# The pid in etcd.pid while it still is etcd.
scale_etcd_pid() {
	local pid
	pid=$(tr -cd 0-9 <"$(run_dir)/etcd.pid" 2>/dev/null) || return 0
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = etcd ] &&
		echo "$pid"
	return 0
}

scale_etcd_stop() {
	ETCD_PID=$(scale_etcd_pid)
	etcd_down || true
	rm -f "$(run_dir)/etcd.pid"
}

scale_xlbd_start() {
	local node=$1 cfg sock i
	cfg="$(run_dir)/$node.yaml"
	sock="$(run_dir)/$node.sock"
	scale_xlbd_conf "$node" >"$cfg"
	spawn "$(run_dir)/$node.xlbd.log" nsenter \
		--net="/run/netns/$(ns_of "$node")" "$XLBD_BIN" -c "$cfg"
	for i in $(seq 100); do
		[ -S "$sock" ] && return 0
		sleep 0.1
	done
	tail -n 5 "$(run_dir)/$node.xlbd.log" >&2 || true
	die "$node: xlbd did not start"
}

cmd_up() {
	local sw rt cl i
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	[[ $BACKENDS =~ ^[0-9]+$ ]] && [ "$BACKENDS" -ge 1 ] &&
		[ "$BACKENDS" -le 50 ] || die "--backends: 1..50"
	[ -x "$BIRD_BIN" ] || die "no $BIRD_BIN: install bird2 (make deps)"
	[ -x "$XLBD_BIN" ] || die "no $XLBD_BIN: make all"
	CLIENTS=1
	[ "${ETCD:-0}" = 0 ] || command -v etcd >/dev/null ||
		die "no etcd: install etcd-server (make deps)"
	up_begin "$(printf 'BACKENDS=%s\nCLIENTS=1\nTOPOLOGY=scale\nETCD=%s' \
		"$BACKENDS" "${ETCD:-0}")"
	sw=$(ns_of sw)

	# router: switch side by add_node, client side by hand
	add_node rt
	rt=$(ns_of rt)
	cl=$(ns_of cl1)
	# no redirects: a backend told to send a reply to an SNAT address
	# straight to its node would keep doing so once that node is dead
	in_ns "$rt" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv6.fib_multipath_hash_policy=1 \
		net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.$NODE_IF.send_redirects=0
	ip netns add "$cl"
	ip -n "$rt" link add eth1 address 02:00:00:00:02:01 type veth \
		peer name "$NODE_IF" address 02:00:00:00:02:02 netns "$cl"
	offloads_off "$rt" eth1
	offloads_off "$cl" "$NODE_IF"
	ip -n "$rt" -b - <<-EOF
		addr add $SCALE_CL_RT/24 dev eth1
		link set eth1 up
	EOF
	ip -n "$cl" -b - <<-EOF
		link set lo up
		addr add $SCALE_CL_IP4/24 dev $NODE_IF
		link set $NODE_IF up
		route add default via $SCALE_CL_RT
	EOF

	# A node's port gets no flooded unknown unicast: a real NIC drops
	# frames for another MAC, but XDP on a veth sees them before that
	# check. xlb passes VIP frames for another MAC to the kernel (which
	# drops them), so a flood after a dead node's port goes down no
	# longer hands its traffic to the live nodes; without the flood the
	# live nodes' counters show no such frames either.
	for i in $(seq "$SCALE_NODES"); do
		add_node "n$i"
		in_ns "$sw" bridge link set dev "n$i" flood off
		# full NAT's replies go to the client through the router;
		# the program's FIB lookups need forwarding on
		ip -n "$(ns_of "n$i")" route add $SCALE_CL_NET via $SCALE_RT_IP4
		in_ns "$(ns_of "n$i")" sysctl -qw net.ipv4.ip_forward=1
	done
	[ "${ETCD:-0}" = 0 ] || add_node et
	for i in $(seq "$BACKENDS"); do
		setup_backend "be$i"
		ip -n "$(ns_of "be$i")" route add $SCALE_CL_NET via $SCALE_RT_IP4
		ip -n "$(ns_of "be$i")" route add $SCALE_SNAT_NET via $SCALE_RT_IP4
	done
	# shellcheck disable=SC2046
	wait_links $(nodes)
	for i in $(seq "$BACKENDS"); do backend_start "be$i"; done
	if [ "${ETCD:-0}" = 1 ]; then
		scale_etcd_start
		scale_cluster_conf >"$(run_dir)/cluster.yaml"
		etcd_put "$SCALE_ETCD_PREFIX/config" <"$(run_dir)/cluster.yaml" ||
			die "cannot write $SCALE_ETCD_PREFIX/config to etcd"
	fi
	scale_bird_start rt
	for i in $(seq "$SCALE_NODES"); do
		scale_bird_start "n$i"
		scale_xlbd_start "n$i"
	done
	UP_DONE=1
	echo "lab: $NAME up (scale): router, $SCALE_NODES xlb nodes," \
		"$BACKENDS backend(s); eval \"\$(tools/lab.sh env --topology scale --name $NAME)\"" >&2
}

# lab.sh's teardown, plus the maps xlbd pinned in the host's bpffs
# (a namespace's end takes the program with its veth, not the pins).
eval "lab_teardown() $(declare -f teardown | sed 1d)"
teardown() {
	local i
	lab_teardown
	for i in $(seq "$SCALE_NODES"); do
		rm -rf "$(scale_pin "n$i")"
	done
}

cmd_env() {
	local i node up be4=()
	load_conf_etcd
	emit LAB_TOPOLOGY scale
	emit LAB_NAME "$NAME"
	emit LAB_RUN_DIR "$(run_dir)"
	emit LAB_BACKENDS "$BACKENDS"
	emit LAB_VIP4 "$VIP4"
	emit LAB_VIP4_2 "$VIP4_2"
	emit LAB_VIP4_NAT "$SCALE_VIP_NAT"
	emit LAB_HTTP_PORT "$HTTP_PORT"
	emit LAB_SW_NS "$(ns_of sw)"
	emit LAB_RT_NS "$(ns_of rt)"
	emit LAB_RT_IP4 "$SCALE_RT_IP4"
	emit LAB_RT_BIRD_SOCK "$(run_dir)/rt.bird.ctl"
	emit LAB_CLIENT_NS "$(ns_of cl1)"
	emit LAB_CLIENT_IP4 "$SCALE_CL_IP4"
	emit LAB_CLIENT_EXEC "ip netns exec $(ns_of cl1)"
	emit LAB_TABLE "$SCALE_TABLE"
	emit LAB_SYNC_PORT "$SCALE_SYNC_PORT"
	emit LAB_SYNC_KEY "$(run_dir)/sync.key"
	emit LAB_NODES "$(seq -f 'n%g' -s ' ' "$SCALE_NODES")"
	for i in $(seq "$SCALE_NODES"); do
		node=n$i
		up=LAB_N$i
		emit "${up}_NS" "$(ns_of "$node")"
		emit "${up}_IP4" "$(ip4_of "$node")"
		emit "${up}_SOCK" "$(run_dir)/$node.sock"
		emit "${up}_CFG" "$(run_dir)/$node.yaml"
		emit "${up}_PIN" "$(scale_pin "$node")"
		emit "${up}_LOG" "$(run_dir)/$node.xlbd.log"
		emit "${up}_BIRD_SOCK" "$(run_dir)/$node.bird.ctl"
		emit "${up}_EXEC" "nsenter --net=/run/netns/$(ns_of "$node")"
		emit "${up}_SNAT4" "$(scale_snat_of "$node")"
	done
	for i in $(seq "$BACKENDS"); do
		emit "LAB_BE${i}_IP4" "$(ip4_of "be$i")"
		emit "LAB_BE${i}_NS" "$(ns_of "be$i")"
		be4+=("$(ip4_of "be$i")")
	done
	emit LAB_BE_IP4S "${be4[*]}"
	emit LAB_ETCD "$ETCD"
	[ "$ETCD" = 1 ] || return 0
	emit LAB_ETCD_NS "$(ns_of et)"
	emit LAB_ETCD_URL "$(scale_etcd_url)"
	emit LAB_ETCD_PREFIX "$SCALE_ETCD_PREFIX"
	emit LAB_ETCD_KEY "$SCALE_ETCD_PREFIX/config"
	emit LAB_ETCD_EXEC "ip netns exec $(ns_of et)"
	emit LAB_ETCD_LOG "$(run_dir)/etcd/etcd.log"
}

# lab.conf's ETCD (0: a lab without etcd)
load_conf_etcd() {
	load_conf
	ETCD=$(sed -n 's/^ETCD=\([01]\)$/\1/p' "$(run_dir)/lab.conf")
	ETCD=${ETCD:-0}
}

cmd_etcd() {
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	load_conf_etcd
	[ "$ETCD" = 1 ] || die "lab '$NAME' has no etcd (up --etcd)"
	lock
	case $1 in
	stop) scale_etcd_stop ;;
	start) [ -n "$(scale_etcd_pid)" ] || scale_etcd_start ;;
	esac
}
