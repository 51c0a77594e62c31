#!/usr/bin/env bash
# The load generator (build/tools/xlb_load) and tools/plot.sh against known
# servers, without the load balancer: a lab with 2 backends, the client
# targets the backends' node addresses directly and the counts must match
# what the servers are known to do. Prints PASS/FAIL per check and
# "N passed, N failed"; exit 1 on any failure.
# shellcheck disable=SC2317,SC2015 # checks run via check(); A && B || fail
set -euo pipefail

cd "$(dirname "$0")/../.."
LAB=tools/lab.sh
LOAD=build/tools/xlb_load
NAME=lg$$
PASSED=0
FAILED=0
TMP=$(mktemp -d)
OUT=$TMP/check.out
NOTE=$TMP/check.note

cleanup() {
	"$LAB" down --name "$NAME" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# check NAME CMD...: run CMD in a subshell with errexit in force, PASS if it
# succeeds (plus what it wrote to $NOTE), its output if not.
check() {
	local name=$1
	shift
	: >"$NOTE"
	("$@") >"$OUT" 2>&1 &
	if wait $!; then
		echo "PASS $name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL $name"
		sed 's/^/    /' "$OUT" | tail -n 25
		FAILED=$((FAILED + 1))
	fi
	if [ -s "$NOTE" ]; then
		sed 's/^/    note: /' "$NOTE"
	fi
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit
}

fail() {
	echo "$*"
	return 1
}

# load JSON ARGS...: run xlb_load in the client namespace, summary to JSON.
load() {
	local json=$1
	shift
	ip netns exec "$LAB_CLIENT_NS" "$LOAD" --json "$@" >"$json"
}

# jv FILE PATH: a value of the JSON summary; PATH is dot separated, a
# trailing '#' gives the number of entries (e.g. backends#).
jv() {
	python3 - "$1" "$2" <<-'EOF'
		import json, sys
		d = json.load(open(sys.argv[1]))
		path = sys.argv[2]
		count = path.endswith("#")
		for k in filter(None, path.rstrip("#").split(".")):
		    d = d[k]
		if count:
		    d = len(d)
		print(json.dumps(d) if isinstance(d, (dict, list, bool)) or d is None else d)
	EOF
}

# expect FILE PATH VALUE
expect() {
	local got
	got=$(jv "$1" "$2")
	[ "$got" = "$3" ] || fail "$2: expected $3, got $got ($(summary "$1"))"
}

summary() {
	python3 - "$1" <<-'EOF'
		import json, sys
		d = json.load(open(sys.argv[1]))
		f = {k: v for k, v in d["failures"].items() if v}
		print("sent %d ok %d failed %d failures %s backends %s" % (
		    d["sent"], d["ok"], d["failed"], f,
		    {k: v["ok"] for k, v in d["backends"].items()}))
	EOF
}

# ---- checks ----

t_up() {
	"$LAB" up --name "$NAME" --backends 2
}

t_bad_args() {
	local rc
	rc=0; "$LOAD" >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 2 ] || fail "no --target: exit $rc"
	rc=0; "$LOAD" --target 198.18.0.11:80 --rate 5 --concurrency 2 \
		>/dev/null 2>"$TMP/err" || rc=$?
	[ "$rc" -eq 2 ] && grep -q -- '--rate' "$TMP/err" || fail "rate+concurrency: exit $rc"
	rc=0; "$LOAD" --target 198.18.0.11 >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 2 ] || fail "no port: exit $rc"
	rc=0; "$LOAD" --target 198.18.0.11:80 --duration 601 >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 2 ] || fail "duration over the cap: exit $rc"
}

# A backend that answers exactly 50 requests, then exits: the remaining 30
# connect to a closed port. The 51st request may reach the listener just
# before the exiting server closes it (then reset, not refused): at most one.
t_max_requests() {
	local j=$TMP/max.json refused reset
	"$LAB" backend-stop --name "$NAME" 1
	"$LAB" backend-start --name "$NAME" 1 -- --max-requests 50
	load "$j" --target "$LAB_BE1_IP4:80" --requests 80 --concurrency 1
	expect "$j" sent 80
	expect "$j" ok 50
	expect "$j" failed 30
	expect "$j" backends# 1
	expect "$j" backends.be1.ok 50
	refused=$(jv "$j" failures.refused)
	reset=$(jv "$j" failures.reset)
	[ $((refused + reset)) -eq 30 ] && [ "$refused" -ge 29 ] ||
		fail "want 30 refused (one may be reset): $(summary "$j")"
	echo "refused $refused, reset $reset" >"$NOTE"
}

t_restore_be1() {
	# the server exits by itself once its 50 answers are flushed
	for _ in $(seq 50); do
		[ ! -e "$LAB_BE1_PIDFILE" ] && break
		sleep 0.1
	done
	"$LAB" backend-stop --name "$NAME" 1
	"$LAB" backend-start --name "$NAME" 1
	[ -s "$LAB_BE1_PIDFILE" ] || fail "be1 not restarted"
}

t_refused() {
	local j=$TMP/refused.json
	load "$j" --target "$LAB_BE2_IP4:81" --requests 20
	expect "$j" sent 20
	expect "$j" ok 0
	expect "$j" failed 20
	expect "$j" failures.refused 20
	expect "$j" backends# 0
	expect "$j" failure_window.failures 20
}

t_http() {
	local j=$TMP/http.json
	load "$j" --target "$LAB_BE2_IP4:80" --requests 200
	expect "$j" sent 200
	expect "$j" ok 200
	expect "$j" failed 0
	expect "$j" backends# 1
	expect "$j" backends.be2.ok 200
	expect "$j" backends.be2.pct 100.0
	expect "$j" failure_window.failures 0
}

t_http_keepalive() {
	local j=$TMP/ka.json
	load "$j" --target "$LAB_BE1_IP4:80" --requests 200 --keepalive
	expect "$j" keepalive true
	expect "$j" ok 200
	expect "$j" failed 0
	expect "$j" backends# 1
	expect "$j" backends.be1.pct 100.0
}

t_http_ipv6() {
	local j=$TMP/v6.json
	load "$j" --target "[$LAB_BE2_IP6]:80" --requests 50 --concurrency 4
	expect "$j" ok 50
	expect "$j" failed 0
	expect "$j" backends.be2.ok 50
}

# Nobody holds the address: no ARP answer, every request times out.
t_timeout() {
	local j=$TMP/timeout.json
	load "$j" --target 198.18.0.99:80 --requests 4 --concurrency 4 \
		--timeout 200
	expect "$j" ok 0
	expect "$j" failed 4
	expect "$j" failures.timeout 4
}

t_udp() {
	local j=$TMP/udp.json
	load "$j" --proto udp --target "$LAB_BE2_IP4:$LAB_UDP_PORT" \
		--requests 100
	expect "$j" sent 100
	expect "$j" ok 100
	expect "$j" failed 0
	expect "$j" backends.be2.pct 100.0
}

# ICMP port unreachable comes back as ECONNREFUSED on the connected
# socket; the kernel rate-limits these ICMP errors per peer (a burst of
# about 6, then 1/s), so a longer run would see timeouts as well.
t_udp_closed() {
	local j=$TMP/udpc.json icmp timeout
	load "$j" --proto udp --target "$LAB_BE2_IP4:5354" --requests 5 \
		--concurrency 1 --timeout 300
	expect "$j" ok 0
	expect "$j" failed 5
	icmp=$(jv "$j" failures.icmp-unreach)
	timeout=$(jv "$j" failures.timeout)
	[ $((icmp + timeout)) -eq 5 ] && [ "$icmp" -ge 1 ] ||
		fail "want icmp-unreach (and timeout): $(summary "$j")"
	echo "icmp-unreach $icmp, timeout $timeout" >"$NOTE"
}

# A line server in be2's namespace: "be2 <line>" per line, then closes.
t_tcp_line() {
	local j=$TMP/tcp.json pid rc=0
	ip netns exec "$LAB_BE2_NS" python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7000))
s.listen(128)
while True:
    c, _ = s.accept()
    f = c.makefile("rb")
    line = f.readline()
    c.sendall(b"be2 " + line)
    f.close()
    c.close()
' >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		ip netns exec "$LAB_BE2_NS" ss -Htln 'sport = :7000' |
			grep -q . && break
		sleep 0.05
	done
	load "$j" --proto tcp --target "$LAB_BE2_IP4:7000" --requests 30 \
		--concurrency 1 || rc=$?
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ "$rc" -eq 0 ] || fail "xlb_load exit $rc"
	expect "$j" ok 30
	expect "$j" failed 0
	expect "$j" backends.be2.ok 30
}

# Open loop: 100/s for 2 s starts about 200 requests (a count, not timing).
t_rate() {
	local j=$TMP/rate.json sent
	load "$j" --target "$LAB_BE1_IP4:80" --rate 100 --duration 2
	expect "$j" mode rate
	sent=$(jv "$j" sent)
	[ "$sent" -ge 180 ] && [ "$sent" -le 220 ] || fail "sent $sent, want 200 +-10%"
	expect "$j" ok "$sent"
	expect "$j" failed 0
	expect "$j" timeline# 2
}

t_csv() {
	local p=$TMP/run header sum
	ip netns exec "$LAB_CLIENT_NS" "$LOAD" --target "$LAB_BE2_IP4:80" \
		--rate 200 --duration 1.5 --csv "$p" >"$TMP/run.txt"
	grep -q '^elapsed .* sent 300, ok 300, failed 0' "$TMP/run.txt" ||
		fail "text summary: $(cat "$TMP/run.txt")"
	[ -s "$p.timeline.csv" ] && [ -s "$p.latency.csv" ] &&
		[ -s "$p.summary.json" ] || fail "missing output files"
	header=$(head -n 1 "$p.timeline.csv")
	[ "$header" = "second,ok,failed,refused,reset,timeout,unreachable,bad-response,http-status,closed,icmp-unreach,local,be2" ] ||
		fail "timeline header: $header"
	[ "$(wc -l <"$p.timeline.csv")" -eq 3 ] || fail "want 2 seconds of rows"
	sum=$(awk -F, 'NR > 1 { ok += $2; be += $13; f += $3 } END { print ok, be, f }' \
		"$p.timeline.csv")
	[ "$sum" = "300 300 0" ] || fail "timeline sums (ok be2 failed): $sum"
	header=$(head -n 1 "$p.latency.csv")
	[ "$header" = "second,ok,mean_ms,p50_ms,p90_ms,p99_ms,max_ms" ] ||
		fail "latency header: $header"
	expect "$p.summary.json" ok 300
}

t_plot() {
	local p=$TMP/run magic
	tools/plot.sh "$p" "load_gen test" >/dev/null
	[ -s "$p.png" ] || fail "no PNG"
	magic=$(head -c 4 "$p.png" | od -An -c | tr -d ' ')
	[ "$magic" = "211PNG" ] || fail "not a PNG: $magic"
}

if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL load_gen_root (needs root)"
	FAILED=1
	finish
fi
if [ ! -x "$LOAD" ]; then
	echo "FAIL load_gen_built (no $LOAD: make build/tools/xlb_load)"
	FAILED=1
	finish
fi

check lg_bad_args t_bad_args
check lg_lab_up t_up
eval "$("$LAB" env --name "$NAME" 2>/dev/null)" || true
if [ "$FAILED" -ne 0 ] || [ -z "${LAB_NAME:-}" ]; then
	finish
fi
check lg_max_requests_50_of_80 t_max_requests
check lg_restore_backend t_restore_be1
check lg_refused_closed_port t_refused
check lg_http_200 t_http
check lg_http_keepalive_200 t_http_keepalive
check lg_http_ipv6 t_http_ipv6
check lg_timeout_no_host t_timeout
check lg_udp_echo t_udp
check lg_udp_closed_port t_udp_closed
check lg_tcp_line t_tcp_line
check lg_rate_100_for_2s t_rate
check lg_csv_files t_csv
check lg_plot_png t_plot
finish
