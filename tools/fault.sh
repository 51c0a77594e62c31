#!/usr/bin/env bash
# Fault injection on a running lab (tools/lab.sh). Every fault is undone by
# its counterpart, and `tools/lab.sh down` removes all of them.
#
#   tools/fault.sh [--name LAB] kill N          stop backend N's server (refused)
#   tools/fault.sh [--name LAB] restart N       start it again
#   tools/fault.sh [--name LAB] cut N           drop backend N's IP traffic
#                                               (silently: timeouts, not refusals;
#                                               ARP/ND still answered)
#   tools/fault.sh [--name LAB] restore N       undo cut
#   tools/fault.sh [--name LAB] delay N MS      add latency on N's link (tc netem)
#   tools/fault.sh [--name LAB] loss N PCT      drop PCT% on N's link (tc netem)
#   tools/fault.sh [--name LAB] clear N         undo delay/loss
#   tools/fault.sh [--name LAB] xlbd-stop CONFIG     SIGTERM the xlbd using CONFIG
#   tools/fault.sh [--name LAB] xlbd-start CONFIG    start xlbd in the lab's lb node
#   tools/fault.sh weight SOCKET SERVICE ADDR N      change a weight (xlbctl)
#   tools/fault.sh drain SOCKET SERVICE ADDR         drain a backend (xlbctl)
#   tools/fault.sh enable SOCKET SERVICE ADDR        undo drain (xlbctl)
#
# delay/loss need the kernel's netem qdisc; when it is missing (as on the
# development VM) they say so and exit 3 without changing anything.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NAME=xlb

die() { echo "fault: $*" >&2; exit "${2:-1}"; }
[[ ${1:-} == --name ]] && { NAME=$2; shift 2; }
cmd=${1:-}
[[ -n $cmd ]] || die "missing command (see the header of $0)" 2
shift

be_ns() {
	[[ ${1:-} =~ ^(be)?([0-9]+)$ ]] || die "backend \"${1:-}\" is not a number" 2
	local ns=$NAME-be${BASH_REMATCH[2]}
	[[ -e /run/netns/$ns ]] || die "no namespace $ns (is lab $NAME up?)"
	echo "$ns"
}

netem() {
	local ns=$1; shift
	if ! ip netns exec "$ns" tc qdisc replace dev eth0 root netem "$@" 2>/dev/null; then
		die "tc netem is not available in this kernel (no sch_netem)" 3
	fi
}

case $cmd in
kill) exec "$ROOT/tools/lab.sh" backend-stop --name "$NAME" "${1:?backend}" ;;
restart) exec "$ROOT/tools/lab.sh" backend-start --name "$NAME" "${1:?backend}" ;;
cut)
	ns=$(be_ns "${1:-}")
	ip netns exec "$ns" nft -f - <<-NFT
	table inet xlbfault
	delete table inet xlbfault
	table inet xlbfault {
		chain in {
			type filter hook input priority -300; policy drop;
			icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		}
		chain out {
			type filter hook output priority -300; policy drop;
			icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
		}
	}
	NFT
	;;
restore)
	ns=$(be_ns "${1:-}")
	ip netns exec "$ns" nft delete table inet xlbfault 2>/dev/null || true
	;;
delay) ns=$(be_ns "${1:-}"); netem "$ns" delay "${2:?milliseconds}ms" ;;
loss) ns=$(be_ns "${1:-}"); netem "$ns" loss "${2:?percent}%" ;;
clear)
	ns=$(be_ns "${1:-}")
	ip netns exec "$ns" tc qdisc del dev eth0 root 2>/dev/null || true
	;;
xlbd-stop)
	cfg=${1:?config file}
	pkill -TERM -f "xlbd -c $cfg( |$)" || die "no xlbd running with $cfg"
	for _ in $(seq 50); do
		pgrep -f "xlbd -c $cfg( |$)" >/dev/null || exit 0
		sleep 0.1
	done
	die "xlbd with $cfg did not exit"
	;;
xlbd-start)
	cfg=${1:?config file}
	[[ -e /run/netns/$NAME-lb ]] || die "no namespace $NAME-lb (is lab $NAME up?)"
	nsenter --net="/run/netns/$NAME-lb" "$ROOT/build/xlbd" -c "$cfg" \
		>>"${XLBD_LOG:-/dev/null}" 2>&1 &
	;;
weight) exec "$ROOT/build/xlbctl" -s "${1:?socket}" backend set "${2:?service}" "${3:?address}" --weight "${4:?weight}" ;;
drain) exec "$ROOT/build/xlbctl" -s "${1:?socket}" backend set "${2:?service}" "${3:?address}" --drain ;;
enable) exec "$ROOT/build/xlbctl" -s "${1:?socket}" backend set "${2:?service}" "${3:?address}" --enable ;;
*) die "unknown command \"$cmd\" (see the header of $0)" 2 ;;
esac
