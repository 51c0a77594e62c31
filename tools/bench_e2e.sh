#!/usr/bin/env bash
# End-to-end benchmark in the namespace lab, and packets per second.
#
#   tools/bench_e2e.sh [--duration S] [--pairs N] [--concurrency C]
#                      [--no-e2e] [--no-pps]
#                      [--targets "xlb xlb-nat haproxy nginx nftables"]
#
# 1. HTTP requests/s, p50/p99 latency and the load balancer's CPU per 100k
#    requests, with the same client load (build/tools/xlb_load, closed
#    loop, C requests in flight (16), S seconds (3) a run; keep-alive, then
#    a new connection per request) through, one after another on the same 3
#    backends (build/tools/xlb_httpd):
#      backend   the client straight to one backend: the baseline, run
#                right before each run of the others (N pairs, 3, per
#                target and mode; ratios are the medians of the pairs')
#      xlb       xlbd in the lb namespace (maglev, HTTP health checks, as in
#                tools/demo.sh); XDP_TX, backends answer the client directly
#      xlb-nat   xlbd, forwarding: nat (SNAT the lb's address) to a second
#                xlb_httpd on port 8080 of each backend; replies back
#                through the lb
#      haproxy   HAProxy, mode tcp, roundrobin, in the lb namespace
#      nginx     nginx stream module (proxy_pass to an upstream of 3)
#      nftables  DNAT to numgen random mod 3 (kube-proxy style) and SNAT
#                to an lb address (masquerade), so replies come back
#                through the lb
#    Every load balancer listens on the lab VIP (198.19.0.100:80), which the
#    client routes via the lb node.
# 2. Small-UDP packets/s the lb node forwards, xlb against nftables:
#    build/tools/xlb_pps (frames injected into the lb's XDP path with
#    BPF_PROG_TEST_RUN live frames, counted at the lb's switch port).
#
# Installs haproxy, nginx + libnginx-mod-stream and nftables from Debian
# when missing (and keeps their system services disabled and stopped); a
# peer whose package cannot be installed is reported as such. The proxies
# run as our own processes with our own config files in a temp dir, inside
# the lab's lb namespace only. Prints one table per part and writes
# build/bench/e2e.{tsv,json} and build/bench/pps.{tsv,json}. Figures only:
# it never fails on a number. Takes about 4 minutes.
# shellcheck disable=SC2317 # cleanup and helpers run from traps and indirectly
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/lib/xlb_lab.sh"
OUT=${BENCH_OUT:-$ROOT/build/bench}
LOAD=$ROOT/build/tools/xlb_load
PPS=$ROOT/build/tools/xlb_pps
XLBD=$ROOT/build/xlbd
XLBCTL=$ROOT/build/xlbctl
NAME=xbe2e$$
DURATION=3
PAIRS=3
CONC=16
DO_E2E=1
DO_PPS=1
TARGETS="xlb xlb-nat haproxy nginx nftables"

while [[ $# -gt 0 ]]; do
	case $1 in
	--duration) DURATION=$2; shift 2 ;;
	--pairs) PAIRS=$2; shift 2 ;;
	--concurrency) CONC=$2; shift 2 ;;
	--no-e2e) DO_E2E=0; shift ;;
	--no-pps) DO_PPS=0; shift ;;
	--targets) TARGETS=$2; shift 2 ;;
	-h|--help) sed -n '2,/^# shellcheck/{/^# shellcheck/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "bench_e2e: unknown option $1" >&2; exit 2 ;;
	esac
done
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 && $DURATION -le 60 ]] ||
	{ echo "bench_e2e: --duration 1..60" >&2; exit 2; }
[[ $PAIRS =~ ^[0-9]+$ && $PAIRS -ge 1 && $PAIRS -le 9 ]] ||
	{ echo "bench_e2e: --pairs 1..9" >&2; exit 2; }
[[ $CONC =~ ^[0-9]+$ && $CONC -ge 1 && $CONC -le 1000 ]] ||
	{ echo "bench_e2e: --concurrency 1..1000" >&2; exit 2; }

if [[ $EUID -ne 0 ]]; then
	echo "bench_e2e: needs root" >&2
	exit 1
fi
for f in "$LOAD" "$PPS" "$XLBD" "$XLBCTL" "$ROOT/build/tools/xlb_httpd" \
	"$ROOT/build/xdp_pass.bpf.o"; do
	[[ -e $f ]] || { echo "bench_e2e: $f missing (make)" >&2; exit 1; }
done

log() { echo "bench_e2e: [$(date +%T)] $*" >&2; }

TMP=$(mktemp -d /tmp/xlb-bench-e2e.XXXXXX)
PIDS=()			# our background processes, by pid
XLBD_PID='' XLBD_CFG='' LB=''
HZ=$(getconf CLK_TCK)

cleanup() {
	set +e
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [[ -n $XLBD_CFG && -n $LB ]]; then
		nsenter --net="/run/netns/$LB" "$XLBD" -c "$XLBD_CFG" --teardown \
			>/dev/null 2>&1
	fi
	[[ -n $LB ]] && ip netns exec "$LB" nft delete table ip xlb_bench \
		>/dev/null 2>&1
	"$ROOT/tools/lab.sh" down --name "$NAME" >/dev/null 2>&1
	# xlbd leaves its (empty) control-socket directory behind
	rmdir "/run/xlb-$NAME" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

stop_pid() {
	local p=$1 i
	kill "$p" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	local keep=()
	for i in "${PIDS[@]}"; do [[ $i == "$p" ]] || keep+=("$i"); done
	PIDS=("${keep[@]}")
}

# ---- peers: Debian packages ------------------------------------------------

NGINX_MOD=/usr/lib/nginx/modules/ngx_stream_module.so
declare -A MISSING=()

have_haproxy() { command -v haproxy >/dev/null; }
have_nginx() { command -v nginx >/dev/null && [[ -f $NGINX_MOD ]]; }
have_nft() { command -v nft >/dev/null; }

# Installing a package must not leave its service running or enabled.
quiet_services() {
	local s
	for s in "$@"; do
		systemctl disable "$s" >/dev/null 2>&1 || true
		systemctl stop "$s" >/dev/null 2>&1 || true
		if [[ -f /run/$s.pid ]] && kill -0 "$(cat "/run/$s.pid")" 2>/dev/null; then
			service "$s" stop >/dev/null 2>&1 || true
		fi
	done
}

install_peers() {
	local pkgs=() svcs=()
	have_haproxy || { pkgs+=(haproxy); svcs+=(haproxy); }
	have_nginx || { pkgs+=(nginx libnginx-mod-stream); svcs+=(nginx); }
	have_nft || pkgs+=(nftables)
	[[ ${#pkgs[@]} -eq 0 ]] && return 0
	log "installing ${pkgs[*]} (Debian packages; services kept disabled)"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${pkgs[@]}" >"$TMP/apt.log" 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$TMP/apt.log" 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${pkgs[@]}" >>"$TMP/apt.log" 2>&1 ||
			{ log "apt-get install failed:"; tail -n 3 "$TMP/apt.log" >&2; }
	fi
	if [[ ${#svcs[@]} -gt 0 ]]; then quiet_services "${svcs[@]}"; fi
	have_haproxy || MISSING[haproxy]="package haproxy could not be installed"
	have_nginx || MISSING[nginx]="nginx with the stream module could not be installed"
	have_nft || MISSING[nftables]="package nftables could not be installed"
	return 0
}

# ---- lab ------------------------------------------------------------------------

lab_up() {
	log "lab $NAME: 3 backends, 1 client"
	"$ROOT/tools/lab.sh" up --name "$NAME" --backends 3 --clients 1 \
		>"$TMP/lab.log" 2>&1 || { cat "$TMP/lab.log" >&2; exit 1; }
	eval "$("$ROOT/tools/lab.sh" env --name "$NAME")"
	LB=$LAB_LB_NS
	CL=$LAB_CLIENT_NS
	# many short connections: the whole port range, TIME_WAIT reuse
	local ns
	for ns in "$CL" "$LB"; do
		ip netns exec "$ns" sysctl -qw \
			net.ipv4.ip_local_port_range="1024 65000" \
			net.ipv4.tcp_tw_reuse=1
	done
	# the proxies listen on the VIP; the lb forwards only for nftables
	ip -n "$LB" addr add "$LAB_VIP4/32" dev lo
	ip netns exec "$LB" sysctl -qw net.ipv4.ip_forward=0 \
		net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0 \
		"net.ipv4.conf.$LAB_LB_IF.send_redirects=0"
	BE_PIDS=()
	local i
	for i in $(seq "$LAB_BACKENDS"); do
		local pf=LAB_BE${i}_PIDFILE
		BE_PIDS+=("$(head -n1 "${!pf}")")
	done
}

# ---- measuring ------------------------------------------------------------------

# CPU ticks (utime + stime) of the given pids, summed.
proc_ticks() {
	local p sum=0 t
	for p in "$@"; do
		t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || continue
		sum=$((sum + ${t:-0}))
	done
	echo "$sum"
}

# Softirq ticks of the whole machine (all CPUs).
softirq_ticks() { awk '/^cpu / { print $8 }' /proc/stat; }

# XDP program on the lb's interface: "run_time_ns run_cnt".
xdp_stats() {
	[[ -n ${XDP_ID:-} ]] || { echo "0 0"; return; }
	bpftool -j prog show id "$XDP_ID" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("run_time_ns", 0), d.get("run_cnt", 0))' 2>/dev/null || echo "0 0"
}

RESULTS=$TMP/results.tsv
printf 'run\tpair\ttarget\tmode\tjson\tlb_ticks\tsoftirq_ticks\tserver_ticks\txdp_ns\txdp_cnt\tnote\n' >"$RESULTS"
RUN=0

# one_run TARGET MODE ADDR PAIR PIDS...: one load run against ADDR:80 with
# connection MODE (keepalive|close); PAIR: the run id of the baseline run
# just before it; PIDS: the load balancer's processes (none: no process).
one_run() {
	local target=$1 mode=$2 addr=$3 pair=$4 args=() j l0 l1 s0 s1 b0 b1 \
		x0 x1 x0c x1c note=""
	shift 4
	RUN=$((RUN + 1))
	[[ $mode == keepalive ]] && args=(--keepalive)
	j=$TMP/run$RUN.json
	log "$target, ${mode/close/new connection per request}: $CONC in flight, ${DURATION}s"
	l0=$(proc_ticks "$@")
	s0=$(softirq_ticks)
	b0=$(proc_ticks "${BE_PIDS[@]}")
	read -r x0 x0c < <(xdp_stats)
	if ! ip netns exec "$CL" "$LOAD" --target "$addr:80" \
		--concurrency "$CONC" --duration "$DURATION" \
		--timeout 2000 --json "${args[@]}" >"$j" 2>"$TMP/load.err"; then
		note="xlb_load failed: $(tail -n1 "$TMP/load.err" | tr '\t' ' ')"
		log "$note"
		echo '{}' >"$j"
	fi
	l1=$(proc_ticks "$@")
	s1=$(softirq_ticks)
	b1=$(proc_ticks "${BE_PIDS[@]}")
	read -r x1 x1c < <(xdp_stats)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$RUN" "$pair" \
		"$target" "$mode" "$j" "$((l1 - l0))" "$((s1 - s0))" \
		"$((b1 - b0))" "$((x1 - x0))" "$((x1c - x0c))" "$note" >>"$RESULTS"
}

# measure TARGET ADDR PIDS...: both connection modes through TARGET, each
# right after a baseline run (client straight to be1), so that every
# ratio compares runs a few seconds apart: other jobs on the machine
# change the figures from one minute to the next.
measure() {
	local target=$1 addr=$2 mode
	shift 2
	# warm-up: ARP, caches, the proxies' first connections
	ip netns exec "$CL" "$LOAD" --target "$addr:80" --concurrency "$CONC" \
		--requests 2000 --keepalive --timeout 2000 >/dev/null 2>&1 || true
	for mode in keepalive close; do
		for _ in $(seq "$PAIRS"); do
			one_run backend "$mode" "$LAB_BE1_IP4" ""
			one_run "$target" "$mode" "$addr" "$RUN" "$@"
		done
	done
}

skip() {
	local mode
	for mode in keepalive close; do
		RUN=$((RUN + 1))
		printf '%s\t\t%s\t%s\t\t\t\t\t\t\t%s\n' "$RUN" "$1" "$mode" \
			"$2" >>"$RESULTS"
	done
	log "$1: skipped: $2"
}

wait_listen() {	# wait_listen NS ADDR:PORT
	local i
	for i in $(seq 50); do
		ip netns exec "$1" ss -Hltn "src $2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

xlbd_start() {	# xlbd_start CONFIG
	XLBD_CFG=$1
	nsenter --net="/run/netns/$LB" "$XLBD" -c "$XLBD_CFG" \
		>>"$TMP/xlbd.log" 2>&1 &
	XLBD_PID=$!
	PIDS+=("$XLBD_PID")
	if xlb_wait_all_up "$XLBCTL" "$SOCK" "$XLBD_PID" 20; then
		XDP_ID=$(ip -n "$LB" -d link show "$LAB_LB_IF" |
			sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n1)
		return 0
	fi
	tail -n 5 "$TMP/xlbd.log" >&2
	return 1
}

xlbd_stop() {
	if [[ -n $XLBD_PID ]]; then stop_pid "$XLBD_PID"; fi
	nsenter --net="/run/netns/$LB" "$XLBD" -c "$XLBD_CFG" --teardown \
		>>"$TMP/xlbd.log" 2>&1 || true
	XLBD_PID='' XLBD_CFG='' XDP_ID=''
}

config_head() { xlb_config_head "$SOCK" "$PIN"; }

run_xlb() {
	local holder
	{ config_head; xlb_web_service; } >"$TMP/xlb.yaml"
	if ! xlbd_start "$TMP/xlb.yaml"; then
		xlbd_stop
		skip xlb "xlbd did not start"
		return
	fi
	# bpf run-time statistics on while we measure (off again when the
	# holder exits, whatever happens)
	"$PPS" --stats-hold 300 >"$TMP/stats.out" 2>&1 &
	holder=$!
	PIDS+=("$holder")
	for _ in $(seq 20); do grep -q "stats on" "$TMP/stats.out" && break; sleep 0.1; done
	measure xlb "$LAB_VIP4"
	stop_pid "$holder"
	xlbd_stop
}

# xlb-nat: forwarding nat to a second xlb_httpd on port 8080 of each
# backend (SNAT the lb's address; no health check: its connections would
# share the lb's ports with the pool); the replies come back through the lb
run_xlb_nat() {
	local holder i pids=() keep=("${BE_PIDS[@]}")
	for i in $(seq "$LAB_BACKENDS"); do
		local ns=LAB_BE${i}_NS
		ip netns exec "${!ns}" "$LAB_HTTPD" --name "be$i" --port 8080 \
			--pidfile "$TMP/be$i-8080.pid" >>"$TMP/be8080.log" 2>&1 &
		pids+=($!)
		PIDS+=($!)
	done
	for i in $(seq "$LAB_BACKENDS"); do
		local ns=LAB_BE${i}_NS
		wait_listen "${!ns}" ":8080" ||
			{ skip xlb-nat "be$i: port 8080 did not listen"; return; }
	done
	BE_PIDS+=("${pids[@]}")
	ip netns exec "$LB" sysctl -qw net.ipv4.ip_forward=1
	# the FIB lookup needs the neighbours (XDP takes the packets that
	# would make the kernel resolve them)
	for i in "$LAB_CLIENT_IP4" $LAB_BE_IP4S; do
		ip netns exec "$LB" ping -c1 -W1 "$i" >/dev/null 2>&1 || true
	done
	{
		config_head | sed '$d'
		printf 'snat:\n  addresses: [%s]\n  ports: 1024-65000\n' "$LAB_LB_IP4"
		printf 'services:\n  - name: web\n    vip: %s\n    port: 80\n' "$LAB_VIP4"
		printf '    forwarding: nat\n    scheduler: maglev\n    backends:\n'
		for i in $LAB_BE_IP4S; do
			printf '      - { address: %s, port: 8080 }\n' "$i"
		done
	} >"$TMP/xlb-nat.yaml"
	if xlbd_start "$TMP/xlb-nat.yaml"; then
		"$PPS" --stats-hold 300 >"$TMP/stats.out" 2>&1 &
		holder=$!
		PIDS+=("$holder")
		for _ in $(seq 20); do grep -q "stats on" "$TMP/stats.out" && break; sleep 0.1; done
		measure xlb-nat "$LAB_VIP4"
		stop_pid "$holder"
	else
		skip xlb-nat "xlbd did not start"
	fi
	xlbd_stop
	ip netns exec "$LB" sysctl -qw net.ipv4.ip_forward=0
	for i in "${pids[@]}"; do stop_pid "$i"; done
	BE_PIDS=("${keep[@]}")
}

run_haproxy() {
	local pid i
	have_haproxy || { skip haproxy "${MISSING[haproxy]:-haproxy not installed}"; return; }
	{
		printf 'global\n\tmaxconn 4096\n\tnbthread %s\n' "$(nproc)"
		printf 'defaults\n\tmode tcp\n\ttimeout connect 2s\n'
		printf '\ttimeout client 30s\n\ttimeout server 30s\n'
		printf 'frontend fe\n\tbind %s:80\n\tdefault_backend be\n' "$LAB_VIP4"
		printf 'backend be\n\tbalance roundrobin\n'
		for i in $(seq "$LAB_BACKENDS"); do
			local ip=LAB_BE${i}_IP4
			printf '\tserver be%s %s:80\n' "$i" "${!ip}"
		done
	} >"$TMP/haproxy.cfg"
	ip netns exec "$LB" haproxy -f "$TMP/haproxy.cfg" -db \
		>"$TMP/haproxy.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	if ! wait_listen "$LB" "$LAB_VIP4:80"; then
		stop_pid "$pid"
		skip haproxy "haproxy did not start: $(tail -n1 "$TMP/haproxy.log")"
		return
	fi
	measure haproxy "$LAB_VIP4" "$pid"
	stop_pid "$pid"
}

run_nginx() {
	local pid i workers
	have_nginx || { skip nginx "${MISSING[nginx]:-nginx not installed}"; return; }
	mkdir -p "$TMP/nginx"
	{
		printf 'load_module %s;\n' "$NGINX_MOD"
		printf 'daemon off;\nmaster_process on;\nworker_processes %s;\n' "$(nproc)"
		printf 'pid %s/nginx/nginx.pid;\nerror_log %s/nginx/error.log;\n' "$TMP" "$TMP"
		printf 'events { worker_connections 4096; }\n'
		printf 'stream {\n\tupstream be {\n'
		for i in $(seq "$LAB_BACKENDS"); do
			local ip=LAB_BE${i}_IP4
			printf '\t\tserver %s:80;\n' "${!ip}"
		done
		printf '\t}\n\tserver {\n\t\tlisten %s:80;\n\t\tproxy_pass be;\n\t}\n}\n' "$LAB_VIP4"
	} >"$TMP/nginx/nginx.conf"
	ip netns exec "$LB" nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" \
		-c "$TMP/nginx/nginx.conf" >"$TMP/nginx.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	if ! wait_listen "$LB" "$LAB_VIP4:80"; then
		stop_pid "$pid"
		skip nginx "nginx did not start: $(tail -n1 "$TMP/nginx/error.log" 2>/dev/null)"
		return
	fi
	# the master and its workers
	workers=$(ps -o pid= --ppid "$pid" | tr -s ' \n' ' ')
	# shellcheck disable=SC2086
	measure nginx "$LAB_VIP4" "$pid" $workers
	stop_pid "$pid"
}

# Source address of the NATed connections: a second address of the lb.
# Masquerading to the lb's own 198.18.0.1 would reuse (lb:port, backend:80)
# pairs that the proxies' own connections left in TIME_WAIT on the
# backends, with unrelated sequence numbers and timestamps: the backends
# would drop some SYNs (PAWS) and those connections wait 1 s to retry.
NFT_SNAT=198.18.0.250

nft_up() {	# the kube-proxy-style table in the lb namespace
	local map="" i
	for i in $(seq "$LAB_BACKENDS"); do
		local ip=LAB_BE${i}_IP4
		map+="${map:+, }$((i - 1)) : ${!ip}"
	done
	ip -n "$LB" addr replace "$NFT_SNAT/24" dev "$LAB_LB_IF"
	ip netns exec "$LB" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$LB" nft -f - <<-EOF
	table ip xlb_bench {
		chain prerouting {
			type nat hook prerouting priority dstnat; policy accept;
			ip daddr $LAB_VIP4 tcp dport 80 dnat to numgen random mod $LAB_BACKENDS map { $map }
			ip daddr $LAB_VIP4 udp dport $LAB_UDP_PORT dnat to numgen random mod $LAB_BACKENDS map { $map }
		}
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			ct status dnat snat to $NFT_SNAT
		}
	}
	EOF
}

nft_down() {
	ip netns exec "$LB" nft delete table ip xlb_bench 2>/dev/null || true
	ip netns exec "$LB" sysctl -qw net.ipv4.ip_forward=0
	ip -n "$LB" addr del "$NFT_SNAT/24" dev "$LAB_LB_IF" 2>/dev/null || true
}

run_nftables() {
	have_nft || { skip nftables "${MISSING[nftables]:-nftables not installed}"; return; }
	if ! nft_up 2>"$TMP/nft.err"; then
		skip nftables "nft: $(head -n1 "$TMP/nft.err")"
		return
	fi
	measure nftables "$LAB_VIP4"
	nft_down
}

# ---- packets per second -----------------------------------------------------------

run_pps() {
	local i modes=drop,ref
	config_head >"$TMP/pps.yaml"
	cat >>"$TMP/pps.yaml" <<-EOF
	  - name: udp
	    vip: $LAB_VIP4
	    port: $LAB_UDP_PORT
	    protocol: udp
	    backends:
	      - { address: $LAB_BE1_IP4 }
	      - { address: $LAB_BE2_IP4 }
	      - { address: $LAB_BE3_IP4 }
	EOF
	# the sink drops everything the lb sends, ARP included: fixed
	# neighbour entries keep the kernel path forwarding meanwhile
	for i in $(seq "$LAB_BACKENDS"); do
		local ip=LAB_BE${i}_IP4 mac=LAB_BE${i}_MAC
		ip -n "$LB" neigh replace "${!ip}" lladdr "${!mac}" nud permanent \
			dev "$LAB_LB_IF"
	done
	if xlbd_start "$TMP/pps.yaml"; then
		modes+=,xlb
	else
		log "xlbd did not start: no xlb row"
	fi
	if have_nft && nft_up 2>"$TMP/nft.err"; then
		modes+=,nft
	else
		log "no nftables row"
	fi
	log "packets/s: $modes, 1 and $(nproc) threads, 5 rounds of 1 s"
	"$PPS" --lb-ns "/run/netns/$LB" --lb-if "$LAB_LB_IF" \
		--sink-ns "/run/netns/$LAB_SW_NS" --sink-if "$LAB_LB_SW_PORT" \
		--src-mac "$LAB_CLIENT_MAC" --src "$LAB_CLIENT_IP4" \
		--dst "$LAB_VIP4" --dport "$LAB_UDP_PORT" --modes "$modes" \
		--threads "1,$(nproc)" --duration 1 --rounds 5 --pin-dir "$PIN" \
		-o "$OUT" 2>"$TMP/pps.err" || { log "xlb_pps failed:"; tail -n 5 "$TMP/pps.err" >&2; }
	nft_down
	if [[ -n $XLBD_PID ]]; then xlbd_stop; fi
}

# ---- report ---------------------------------------------------------------------------

report() {
	python3 - "$RESULTS" "$OUT" "$HZ" "$CONC" "$DURATION" "$(nproc)" \
		"$(cut -d' ' -f1-3 /proc/loadavg)" "$(uname -r)" "$PAIRS" <<-'PY'
	import csv, json, statistics, sys
	res, out, hz, conc, dur, ncpu, load, kernel, pairs = sys.argv[1:10]
	hz = float(hz)
	rows = list(csv.DictReader(open(res), delimiter="\t"))
	what = {
	    "backend": "no load balancer: the client straight to be1",
	    "xlb": "XDP program run time (bpf_stats run_time_ns of the program on the lb's eth0)",
	    "xlb-nat": "XDP program run time, as for xlb (both directions cross it)",
	    "haproxy": "haproxy process CPU time (utime+stime, /proc/PID/stat)",
	    "nginx": "nginx master+workers CPU time (utime+stime, /proc/PID/stat)",
	    "nftables": "softirq time of the whole machine (/proc/stat) above the paired baseline's",
	}
	conn = {"keepalive": "keep-alive", "close": "new per request"}
	runs = {}
	for r in rows:
	    d = {}
	    if r["json"]:
	        try:
	            d = json.load(open(r["json"]))
	        except Exception:
	            d = {}
	    ok = d.get("ok", 0) or 0
	    lat = d.get("latency_ms") or {}
	    o = {
	        "run": int(r["run"]), "target": r["target"], "mode": r["mode"],
	        "connection": conn[r["mode"]], "requests": ok, "failed": d.get("failed"),
	        "req_s": d.get("ok_per_s"), "p50_ms": lat.get("p50"), "p99_ms": lat.get("p99"),
	        "note": r["note"] or ("" if ok else "no request succeeded"),
	        "baseline_run": int(r["pair"]) if r["pair"] else None,
	    }
	    per = 100000.0 / ok if ok else None
	    def sec(ticks):
	        return None if not ticks or per is None else int(ticks) / hz * per
	    o["softirq_s_per_100k"] = sec(r["softirq_ticks"])
	    o["server_cpu_s_per_100k"] = sec(r["server_ticks"])
	    o["lb_cpu_s_per_100k"] = None
	    if r["target"] in ("haproxy", "nginx"):
	        o["lb_cpu_s_per_100k"] = sec(r["lb_ticks"])
	    elif r["target"] in ("xlb", "xlb-nat") and per and int(r["xdp_cnt"] or 0) > 0:
	        o["lb_cpu_s_per_100k"] = int(r["xdp_ns"]) / 1e9 * per
	        o["xdp_ns_per_packet"] = int(r["xdp_ns"]) / int(r["xdp_cnt"])
	        o["xdp_packets_per_request"] = int(r["xdp_cnt"]) / ok
	    o["lb_cpu_measured_as"] = what.get(r["target"], "")
	    runs[o["run"]] = o
	def ratio(v, w):
	    return v / w if v is not None and w else None
	def med(v):
	    v = [x for x in v if x is not None]
	    return statistics.median(v) if v else None
	for o in runs.values():
	    if o["target"] == "backend":
	        continue
	    b = runs.get(o["baseline_run"]) or {}
	    for k in ("req_s", "p50_ms", "p99_ms"):
	        o[k + "_x_base"] = ratio(o.get(k), b.get(k))
	    o["extra_softirq_s_per_100k"] = (
	        o["softirq_s_per_100k"] - b["softirq_s_per_100k"]
	        if o["softirq_s_per_100k"] is not None and b.get("softirq_s_per_100k") is not None
	        else None)
	    if o["target"] == "nftables":
	        o["lb_cpu_s_per_100k"] = o["extra_softirq_s_per_100k"]
	    o["lb_cpu_x_server"] = ratio(o["lb_cpu_s_per_100k"], b.get("server_cpu_s_per_100k"))
	# one row per target and mode: medians over its runs (pairs)
	table = []
	order = []
	for o in sorted(runs.values(), key=lambda o: o["run"]):
	    if (o["target"], o["mode"]) not in order:
	        order.append((o["target"], o["mode"]))
	order.sort(key=lambda k: k[0] != "backend")
	for target, mode in order:
	    rs = [o for o in runs.values() if o["target"] == target and o["mode"] == mode]
	    good = [o for o in rs if o["req_s"] is not None]
	    row = {"target": target, "mode": mode, "connection": conn[mode],
	           "runs": [o["run"] for o in rs],
	           "requests": sum(o["requests"] for o in rs),
	           "failed": sum(o["failed"] or 0 for o in good) if good else None,
	           "lb_cpu_measured_as": what.get(target, ""),
	           "note": "" if good else "; ".join(sorted(set(o["note"] for o in rs)))}
	    keys = ["req_s", "p50_ms", "p99_ms", "softirq_s_per_100k", "server_cpu_s_per_100k"]
	    if target != "backend":
	        keys += ["req_s_x_base", "p50_ms_x_base", "p99_ms_x_base", "lb_cpu_s_per_100k",
	                 "lb_cpu_x_server", "extra_softirq_s_per_100k", "xdp_ns_per_packet",
	                 "xdp_packets_per_request"]
	    for k in keys:
	        row[k] = med([o.get(k) for o in good])
	    if good:
	        row["req_s_min"] = min(o["req_s"] for o in good)
	        row["req_s_max"] = max(o["req_s"] for o in good)
	    table.append(row)
	targets = [o for o in table if o["target"] != "backend"]

	def f(v, fmt):
	    return "-" if v is None else fmt % v
	print()
	print("== end to end: HTTP through the lab (3 backends, 1 client, xlb_load closed loop, "
	      "%s in flight, %s s per run); kernel %s, %s CPUs, load average %s"
	      % (conc, dur, kernel, ncpu, load))
	print("%-9s %-15s %9s %5s %7s %5s %7s %5s %9s %6s %10s %6s" % (
	    "target", "connection", "req/s", "x", "p50 ms", "x", "p99 ms", "x",
	    "LB CPU s", "x srv", "+softirq s", "failed"))
	for o in table:
	    if o["target"] != "backend" and o["note"]:
	        print("%-9s %-15s %s" % (o["target"], o["connection"], "not measured: " + o["note"]))
	        continue
	    print("%-9s %-15s %9s %5s %7s %5s %7s %5s %9s %6s %10s %6s" % (
	        o["target"], o["connection"], f(o["req_s"], "%.0f"),
	        f(o.get("req_s_x_base"), "%.2f"), f(o["p50_ms"], "%.3f"),
	        f(o.get("p50_ms_x_base"), "%.2f"), f(o["p99_ms"], "%.3f"),
	        f(o.get("p99_ms_x_base"), "%.2f"),
	        f(o.get("lb_cpu_s_per_100k"), "%.3f"), f(o.get("lb_cpu_x_server"), "%.2f"),
	        f(o.get("extra_softirq_s_per_100k"), "%.2f"), f(o["failed"], "%d")))
	print("Figures: medians, over %s run(s) per load balancer and connection mode, and over all "
	      "the baseline runs (backend: the client straight to be1, right before each other run)."
	      % pairs)
	print("x: median ratio to the paired baseline run (same connection mode, seconds apart). "
	      "CPU figures: seconds per 100k requests.")
	print("LB CPU s, the load balancer's own CPU:")
	for t in ("xlb", "xlb-nat", "haproxy", "nginx", "nftables"):
	    print("  %-9s %s" % (t, what[t]))
	print("x srv: LB CPU over the baseline's server CPU (xlb_httpd utime+stime) per request.")
	print("+softirq s: softirq time of the whole machine (all namespaces; other jobs too) above "
	      "the paired baseline's: the kernel work of the extra hops (lb, switch) per path.")
	for o in targets:
	    if o.get("xdp_ns_per_packet"):
	        print("%s %s: %.0f ns per packet in XDP, %.1f packets per request"
	              % (o["target"], o["connection"], o["xdp_ns_per_packet"], o["xdp_packets_per_request"]))
	cols = ["target", "connection", "requests", "failed", "req_s", "req_s_x_base",
	        "p50_ms", "p50_ms_x_base", "p99_ms", "p99_ms_x_base", "lb_cpu_s_per_100k",
	        "lb_cpu_x_server", "lb_cpu_measured_as", "softirq_s_per_100k",
	        "extra_softirq_s_per_100k", "server_cpu_s_per_100k", "note"]
	allruns = sorted(runs.values(), key=lambda o: o["run"])
	with open(out + "/e2e.tsv", "w") as t:
	    t.write("\t".join(cols) + "\n")
	    for o in table:
	        t.write("\t".join("" if o.get(c) is None else
	                          ("%.4f" % o[c] if isinstance(o[c], float) else str(o[c]))
	                          for c in cols) + "\n")
	with open(out + "/e2e.json", "w") as j:
	    json.dump({"tool": "tools/bench_e2e.sh", "kernel": kernel, "cpus": int(ncpu),
	               "loadavg": load, "concurrency": int(conc), "seconds_per_run": int(dur),
	               "pairs": int(pairs),
	               "results": table, "runs": allruns}, j, indent=2)
	    j.write("\n")
	print("written: %s/e2e.tsv %s/e2e.json" % (out, out))
	PY
}

# ---- main ---------------------------------------------------------------------------

mkdir -p "$OUT"
rm -f "$OUT/e2e.tsv" "$OUT/e2e.json" "$OUT/pps.tsv" "$OUT/pps.json"
if [[ $DO_E2E -eq 1 ]]; then install_peers; fi
have_nft || install_peers
lab_up
SOCK=/run/xlb-$NAME/xlb.sock
PIN=/sys/fs/bpf/xlb-$NAME

if [[ $DO_E2E -eq 1 ]]; then
	for t in $TARGETS; do
		case $t in
		xlb|haproxy|nginx|nftables) "run_$t" ;;
		xlb-nat) run_xlb_nat ;;
		*) log "unknown target $t" ;;
		esac
	done
	report
fi
if [[ $DO_PPS -eq 1 ]]; then
	run_pps
	if [[ -f $OUT/pps.tsv ]]; then echo "written: $OUT/pps.tsv $OUT/pps.json"; fi
fi
exit 0
