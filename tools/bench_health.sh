#!/usr/bin/env bash
# Cost of health checks in xlbd: one lab backend node holds N extra IPv6
# addresses (xlb_httpd listens on all of them), xlbd checks each as its
# own backend every second, and the CPU time xlbd uses in steady state is
# read from /proc/PID/stat.
#
#   tools/bench_health.sh [--backends N] [--seconds S] [--type tcp|http]
#
# Defaults: 1000 backends, 20 s, http. Needs root and a built tree.
# Prints "xlbd: N backends, TYPE every 1s: X% of one core (..)", measured
# from 5 s after every backend is up; BENCH_DEBUG=1 also prints xlbd's
# CPU ticks (1/CLK_TCK s) of every second. The kernel work of the bridge
# and of the backend's side of each connection runs partly in xlbd's
# context (a veth delivers in the sender's softirq), so this is an upper
# bound of what xlbd costs against remote backends.
#
# 1000 neighbours exceed the kernel's default IPv6 neighbour table limit
# (gc_thresh3 1024, shared by all namespaces): while it runs, the host's
# net.ipv6.neigh.default.gc_thresh2/3 are raised to 4096/8192 if lower
# and restored on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/lib/xlb_lab.sh"
N=1000
SECS=20
TYPE=http
while [[ $# -gt 0 ]]; do
	case $1 in
	--backends) N=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--type) TYPE=$2; shift 2 ;;
	*) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 2 ;;
	esac
done
[[ $N =~ ^[0-9]+$ && $N -ge 1 && $N -le 4000 ]] || { echo "--backends: 1..4000"; exit 2; }
[[ $SECS =~ ^[0-9]+$ && $SECS -ge 1 && $SECS -le 600 ]] || { echo "--seconds: 1..600"; exit 2; }
[[ $TYPE == tcp || $TYPE == http ]] || { echo "--type: tcp or http"; exit 2; }

NAME=hcb$$
DIR=$(mktemp -d /tmp/xlb-bench-health.XXXX)
SOCK=/run/xlbt-$NAME/xlb.sock
PIN=/sys/fs/bpf/xlbt-$NAME
XLBD_PID=
G2=$(sysctl -n net.ipv6.neigh.default.gc_thresh2)
G3=$(sysctl -n net.ipv6.neigh.default.gc_thresh3)

cleanup() {
	set +e
	if [[ -n $XLBD_PID ]]; then
		kill "$XLBD_PID" 2>/dev/null
		wait "$XLBD_PID" 2>/dev/null
	fi
	[[ -n ${LAB_LB_EXEC:-} ]] &&
		$LAB_LB_EXEC "$ROOT/build/xlbd" -c "$DIR/xlb.yaml" --teardown \
			>/dev/null 2>&1
	"$ROOT/tools/lab.sh" down --name "$NAME" >/dev/null 2>&1
	sysctl -qw net.ipv6.neigh.default.gc_thresh2="$G2" \
		net.ipv6.neigh.default.gc_thresh3="$G3"
	rm -rf "$DIR"
}
trap cleanup EXIT

((G2 >= 4096)) || sysctl -qw net.ipv6.neigh.default.gc_thresh2=4096
((G3 >= 8192)) || sysctl -qw net.ipv6.neigh.default.gc_thresh3=8192

"$ROOT/tools/lab.sh" up --name "$NAME" --backends 1 >"$DIR/lab.log" 2>&1 ||
	{ cat "$DIR/lab.log"; exit 1; }
eval "$("$ROOT/tools/lab.sh" env --name "$NAME")"

# 2001:2::a:0 .. : on the lab's /64, all on be1's eth0
addr() { printf '2001:2::a:%x' "$1"; }
for ((i = 0; i < N; i++)); do
	echo "addr add $(addr "$i")/64 dev eth0 nodad"
done | ip -n "$LAB_BE1_NS" -b -

{
	xlb_config_head "$SOCK" "$PIN"
	cat <<-EOF
	  - name: bench
	    vip: $LAB_VIP6
	    port: 80
	    health_check:
	      type: $TYPE
	      interval: 1s
	      timeout: 500ms
	    backends:
	EOF
	for ((i = 0; i < N; i++)); do
		echo "      - { address: $(addr "$i") }"
	done
} >"$DIR/xlb.yaml"

$LAB_LB_EXEC "$ROOT/build/xlbd" -c "$DIR/xlb.yaml" >"$DIR/xlbd.log" 2>&1 &
XLBD_PID=$!

n_up() {
	local c
	c=$(xlb_up_count "$ROOT/build/xlbctl" "$SOCK") || c=0
	echo "${c% *}"
}

# calc EXPR: decimal arithmetic, 2 decimals
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }

# ticks of utime + stime (fields 14 and 15, after the ")" of comm)
cpu_ticks() {
	local stat
	stat=$(cat "/proc/$XLBD_PID/stat")
	stat=${stat##*) }
	awk '{ print $12 + $13 }' <<<"$stat"
}

t0=$(date +%s.%N)
up=0
for _ in $(seq 600); do
	sleep 0.5
	kill -0 "$XLBD_PID" 2>/dev/null || { cat "$DIR/xlbd.log"; exit 1; }
	up=$(n_up)
	((up == N)) && break
done
t_up=$(date +%s.%N)
c_up=$(cpu_ticks)
echo "all $up/$N backends up after $(calc "$t_up - $t0") s; xlbd CPU so far $(calc "$c_up / $(getconf CLK_TCK)") s"
((up == N)) || { echo "not all backends came up"; tail "$DIR/xlbd.log"; exit 1; }

# steady state: let the start-up publishes settle first
sleep 5
c0=$(cpu_ticks)
w0=$(date +%s.%N)
if [[ -n ${BENCH_DEBUG:-} ]]; then
	prev=$c0
	for ((i = 0; i < SECS; i++)); do
		sleep 1
		c=$(cpu_ticks)
		echo -n "$((c - prev)) "
		prev=$c
	done
	echo
else
	sleep "$SECS"
fi
c1=$(cpu_ticks)
w1=$(date +%s.%N)
up=$(n_up)
hz=$(getconf CLK_TCK)
pct=$(calc "($c1 - $c0) * 100 / $hz / ($w1 - $w0)")
echo "xlbd: $N backends, $TYPE every 1s for $SECS s: $pct% of one core ($(calc "($c1 - $c0) / $hz") s CPU), $up/$N up at the end"
