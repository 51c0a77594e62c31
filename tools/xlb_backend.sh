#!/usr/bin/env bash
# Set up (or undo) a backend of an xlb ipip or gue service: the host that
# xlb's encapsulated packets reach, on any subnet behind any router.
# Run it on the backend, as root (in the lab: inside the backend's network
# namespace, with nsenter so /sys/fs/bpf stays the host's):
#
#   tools/xlb_backend.sh up   DEV [--mode xdp|generic|tc] VIP...
#                             [-- XLBCTL-DECAP-OPTIONS]
#   tools/xlb_backend.sh down DEV VIP...
#
# up, step by step (README "Backends on another subnet"):
#   1. each VIP on lo (/32 or /128): the stack accepts the inner packets
#      and the replies leave from the VIP, straight to the client (DSR);
#   2. arp_ignore=1, arp_announce=2 (all and DEV): the backend never
#      answers ARP for a VIP nor announces one (IPv6 answers neighbour
#      solicitations only for addresses on the receiving interface, so a
#      VIP on lo stays silent without a setting);
#   3. rp_filter=2 (loose; all and DEV): the inner source, a client, is
#      checked against any route, not only DEV's;
#   4. xlbctl decap attach DEV --vip VIP...: the decapsulator, which
#      strips xlb's IPIP/IP6IP6/GUE headers from frames to this host whose
#      inner destination is a VIP, in --mode xdp (the default), generic
#      or tc (a tc ingress filter: drivers without XDP, or DEV already
#      runs another XDP program); options after --, such as --gue-port
#      N, go to it.
# down detaches the decapsulator (whatever its mode) and removes the VIPs
# from lo; the sysctls
# stay (they are harmless without VIPs). Both are idempotent.
# XLBCTL: the xlbctl to use (default: build/xlbctl next to this script,
# else xlbctl on PATH).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${XLBCTL:-}" ]; then
	XLBCTL=$ROOT/build/xlbctl
	[ -x "$XLBCTL" ] || XLBCTL=xlbctl
fi

die() {
	echo "xlb_backend: $*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
	exit "${1:-2}"
}

[ $# -ge 1 ] && { [ "$1" = -h ] || [ "$1" = --help ]; } && usage 0
[ $# -ge 3 ] || usage
CMD=$1
DEV=$2
shift 2
VIPS=()
MODE=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	if [ "$1" = --mode ]; then
		[ $# -ge 2 ] || die "--mode needs a value: xdp, generic or tc"
		case $2 in
		xdp | generic | tc) MODE=(--mode "$2") ;;
		*) die "--mode $2: the modes are xdp, generic and tc" ;;
		esac
		shift 2
		continue
	fi
	VIPS+=("$1")
	shift
done
[ $# -gt 0 ] && shift
[ ${#VIPS[@]} -ge 1 ] || usage
ip link show dev "$DEV" >/dev/null 2>&1 || die "no interface $DEV"

prefix_of() {
	case $1 in
	*:*) echo "$1/128" ;;
	*.*) echo "$1/32" ;;
	*) die "not an address: $1" ;;
	esac
}

case $CMD in
up)
	ip link set lo up
	for v in "${VIPS[@]}"; do
		ip addr replace "$(prefix_of "$v")" dev lo
	done
	sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 \
		"net.ipv4.conf.$DEV.arp_ignore=1" \
		"net.ipv4.conf.$DEV.arp_announce=2" \
		net.ipv4.conf.all.rp_filter=2 \
		"net.ipv4.conf.$DEV.rp_filter=2"
	args=()
	for v in "${VIPS[@]}"; do args+=(--vip "$v"); done
	"$XLBCTL" decap attach "$DEV" "${MODE[@]}" "${args[@]}" "$@" >/dev/null ||
		die "xlbctl decap attach $DEV failed"
	;;
down)
	"$XLBCTL" decap detach "$DEV" >/dev/null 2>&1 || true
	for v in "${VIPS[@]}"; do
		ip addr del "$(prefix_of "$v")" dev lo 2>/dev/null || true
	done
	;;
*)
	usage
	;;
esac
