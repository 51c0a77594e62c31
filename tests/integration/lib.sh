# Shared helpers for the namespace integration tests. Source it, then:
#   itest_init NAME [BACKENDS]   lab up + cleanup trap (unique NAME)
#   scale_init NAME [UP_ARGS..]  the same for the scale lab (--topology
#                                scale): its env, DIR a scratch directory
#   scale_all_hops VIP           the router's route to VIP has every node
#   scale_counter NAME SOCK      a node's global counter (xlbctl stats)
#   scale_requests VIP N         N requests through VIP, each its own
#                                connection
#   scale_reload_all SED         every node's file edited, SIGHUP, waited
#   wait_for MS CMD...           poll CMD every 50 ms for at most MS
#   check NAME CMD...            PASS/FAIL line per check
#   itest_finish                 "N passed, N failed" and exit status
# Every wait here is bounded; nothing leaves the lab's namespaces.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# XLB_BIN_DIR: another build of the programs (tests/san.sh: build/san)
XLB_BIN_DIR=${XLB_BIN_DIR:-$ROOT/build}
XLBD=$XLB_BIN_DIR/xlbd
XLBCTL=$XLB_BIN_DIR/xlbctl
. "$ROOT/tools/lib/xlb_lab.sh"
PASSED=0
FAILED=0

check() {
	local name=$1
	shift
	if "$@"; then
		echo "PASS $name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL $name"
		FAILED=$((FAILED + 1))
	fi
}

now_ms() { date +%s%3N; }

wait_for() {
	local until=$(($(now_ms) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[[ $(now_ms) -lt $until ]] || return 1
		sleep 0.05
	done
}

scale_cleanup() {
	set +e
	"$ROOT/tools/lab.sh" down --topology scale --name "$SCALE_NAME" \
		>/dev/null 2>&1
	rm -rf "$DIR"
}

scale_init() {
	SCALE_NAME=$1
	DIR=$(mktemp -d /tmp/xlbt-"$SCALE_NAME".XXXX)
	trap scale_cleanup EXIT
	if ! "$ROOT/tools/lab.sh" up --topology scale --name "$SCALE_NAME" \
		"${@:2}" >"$DIR/lab.log" 2>&1; then
		cat "$DIR/lab.log"
		echo "scale lab did not come up"
		echo "0 passed, 1 failed"
		exit 1
	fi
	eval "$("$ROOT/tools/lab.sh" env --topology scale --name "$SCALE_NAME")"
}

# scale_next_hops VIP: next hops of VIP's route on the router, sorted
scale_next_hops() {
	ip -n "$LAB_RT_NS" route show "$1" 2>/dev/null |
		sed -nE 's/.*(nexthop )?via ([0-9.]+) .*/\2/p' | sort
}

scale_all_hops() {
	[[ "$(scale_next_hops "$1")" == "$(printf '%s\n' "$LAB_N1_IP4" \
		"$LAB_N2_IP4" "$LAB_N3_IP4" | sort)" ]]
}

# scale_counter NAME SOCK: one of xlbctl stats' global counters of a node
scale_counter() {
	"$XLBCTL" -s "$2" --json stats | python3 -c '
import json, sys
print(json.load(sys.stdin)["global"][sys.argv[1]])' "$1"
}

# scale_requests VIP N: N HTTP requests from the client, each a new
# connection; fails at the first that fails
scale_requests() {
	local i
	for i in $(seq "$2"); do
		ip netns exec "$LAB_CLIENT_NS" curl -s -m 2 -o /dev/null \
			"http://$1/" || { echo "request $i failed"; return 1; }
	done
}

scale_reloaded_since() { [[ $(grep -c "reload done" "$1") -gt $2 ]]; }

# scale_reload_all SED: every node's config file edited by SED, reloaded
# (SIGHUP), each reload waited for
scale_reload_all() {
	local i p cfg log ns n
	for i in 1 2 3; do
		cfg=LAB_N${i}_CFG log=LAB_N${i}_LOG ns=LAB_N${i}_NS
		n=$(grep -c "reload done" "${!log}")
		sed -i "$1" "${!cfg}"
		for p in $(ip netns pids "${!ns}"); do
			[[ $(cat "/proc/$p/comm" 2>/dev/null) == xlbd ]] && kill -HUP "$p"
		done
		wait_for 5000 scale_reloaded_since "${!log}" "$n" ||
			! echo "n$i: no reload" || return 1
	done
}

itest_finish() {
	echo "$PASSED passed, $FAILED failed"
	[[ $FAILED -eq 0 ]]
}

itest_cleanup() {
	set +e
	xlbd_stop
	[[ -n "${CFG:-}" && -f "$CFG" && -n "${LAB_LB_EXEC:-}" ]] &&
		$LAB_LB_EXEC "$XLBD" -c "$CFG" --teardown >/dev/null 2>&1
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	"$ROOT/tools/lab.sh" down --name "$ITEST_NAME" >/dev/null 2>&1
	[[ -n ${XLBT_KEEP:-} ]] && cp -a "$ITEST_DIR" /tmp/kept-"$ITEST_NAME"
	rm -rf "$ITEST_DIR" "/run/xlbt-$ITEST_NAME"
}

# itest_init NAME [BACKENDS [LAB-UP-OPTIONS...]] (e.g. --topology routed)
itest_init() {
	ITEST_NAME=$1
	BG_PIDS=()
	ITEST_DIR=$(mktemp -d /tmp/xlbt-"$ITEST_NAME".XXXX)
	trap itest_cleanup EXIT
	"$ROOT/tools/lab.sh" up --name "$ITEST_NAME" --backends "${2:-3}" \
		"${@:3}" >"$ITEST_DIR/lab.log" 2>&1 || {
		cat "$ITEST_DIR/lab.log"
		echo "lab did not come up"
		echo "0 passed, 1 failed"
		exit 1
	}
	eval "$("$ROOT/tools/lab.sh" env --name "$ITEST_NAME")"
	SOCK=/run/xlbt-$ITEST_NAME/xlb.sock
	PIN=/sys/fs/bpf/xlbt-$ITEST_NAME
	CFG=$ITEST_DIR/xlb.yaml
	XLBD_LOG=$ITEST_DIR/xlbd.log
}

# Config header for this lab; append services after it.
config_header() { xlb_config_head "$SOCK" "$PIN"; }

xlbd_start() {
	$LAB_LB_EXEC "$XLBD" -c "$CFG" "$@" >>"$XLBD_LOG" 2>&1 &
	XLBD_PID=$!
	for _ in $(seq 100); do
		[[ -S $SOCK ]] && "$XLBCTL" -s "$SOCK" status >/dev/null 2>&1 &&
			return 0
		kill -0 "$XLBD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "xlbd did not start:"
	cat "$XLBD_LOG"
	return 1
}

xlbd_stop() {
	[[ -n "${XLBD_PID:-}" ]] || return 0
	kill "$XLBD_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$XLBD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$XLBD_PID" 2>/dev/null
	wait "$XLBD_PID" 2>/dev/null
	XLBD_PID=
}

xlbctl() {
	"$XLBCTL" -s "$SOCK" "$@"
}

# Wait until every backend of every service is resolved (bounded).
wait_resolved() {
	for _ in $(seq 50); do
		xlbctl --json status 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if all(b["state"] != "unresolved" for s in d["services"] for b in s["backends"]) else 1)' &&
			return 0
		sleep 0.2
	done
	xlbctl status
	return 1
}

# global_stat NAME: one global counter of xlbctl stats (0 when absent)
global_stat() {
	xlbctl --json stats 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("global", d).get(sys.argv[1], 0))' "$1"
}

# http_many URL N: N requests, a new connection each, from the client.
# Prints one backend name per successful request.
http_many() {
	local url=$1 n=$2 args=() i
	for ((i = 0; i < n; i++)); do args+=("$url"); done
	ip netns exec "$LAB_CLIENT_NS" curl -s --connect-timeout 2 -m 30 \
		-H 'Connection: close' "${args[@]}" 2>/dev/null
}

# keepalive URL: 20 requests on one connection from the client, all
# answered by one backend (fails printing what came back)
keepalive() {
	local args=() out
	for _ in $(seq 20); do args+=("$1"); done
	out=$(ip netns exec "$LAB_CLIENT_NS" curl -s -m 20 "${args[@]}")
	[[ $(wc -l <<<"$out") -eq 20 && $(sort -u <<<"$out" | wc -l) -eq 1 ]] ||
		{ echo "got: $out"; return 1; }
}

# count NAME < names
count_of() { grep -cx "$1" || true; }

# A long-lived keep-alive connection from the client, driven by files.
# Call longconn_start in the main shell (not in $(...)): it starts a
# background process. Then:
#   longconn_wait ID 1   -> backend that answered the first request
#   longconn_next ID K   -> K-th request on the same connection
longconn_start() {
	local id=$1 host=$2 port=${3:-80}
	ip netns exec "$LAB_CLIENT_NS" python3 - "$host" "$port" \
		"$ITEST_DIR/$id" >"$ITEST_DIR/$id.log" 2>&1 <<-'PY' &
	import os, socket, sys, time
	host, port, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	fam = socket.AF_INET6 if ":" in host else socket.AF_INET
	s = socket.socket(fam, socket.SOCK_STREAM)
	s.settimeout(3)
	s.connect((host, port))
	def ask(k):
	    try:
	        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	        buf = b""
	        while b"\r\n\r\n" not in buf:
	            c = s.recv(4096)
	            if not c:
	                raise IOError("closed")
	            buf += c
	        head, body = buf.split(b"\r\n\r\n", 1)
	        n = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
	             if l.lower().startswith(b"content-length")][0]
	        while len(body) < n:
	            body += s.recv(4096)
	        res = body.decode().strip()
	    except Exception as e:
	        res = "ERROR " + str(e)
	    with open("%s.%d.tmp" % (base, k), "w") as f:
	        f.write(res + "\n")
	    os.rename("%s.%d.tmp" % (base, k), "%s.%d" % (base, k))
	ask(1)
	k = 2
	# bounded, but long enough for a slow test on a busy machine; the
	# test ends it sooner with .stop (or its cleanup kills it)
	deadline = time.time() + 600
	while time.time() < deadline:
	    if os.path.exists("%s.go%d" % (base, k)):
	        ask(k)
	        k += 1
	    if os.path.exists(base + ".stop"):
	        break
	    time.sleep(0.05)
	PY
	BG_PIDS+=($!)
}

longconn_wait() {
	local f=$ITEST_DIR/$1.$2
	for _ in $(seq 100); do
		[[ -f $f ]] && { cat "$f"; return 0; }
		sleep 0.05
	done
	echo "TIMEOUT"
}

longconn_next() {
	touch "$ITEST_DIR/$1.go$2"
	longconn_wait "$1" "$2"
}
