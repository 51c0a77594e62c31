#!/usr/bin/env bash
# xlbctl stats --watch against a live xlbd in the namespace lab: rates are
# 0 with no traffic, nonzero for the service and every backend while the
# client sends new connections through the VIP, and 0 again after; one
# JSON line (or one text block, no escape codes) per refresh; --count
# stops it, SIGTERM ends it with 0, the daemon going away with 1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "sw$$" 3
# lib.sh's cleanup, then the socket's directory xlbd made.
trap 'itest_cleanup; rmdir "$(dirname "$SOCK")" 2>/dev/null' EXIT
VIP=$LAB_VIP4
LOAD=$ROOT/build/tools/xlb_load

{
	config_header
	cat <<EOF
  - name: web
    vip: $VIP
    port: 80
    protocol: tcp
    backends:
      - { address: $LAB_BE1_IP4 }
      - { address: $LAB_BE2_IP4 }
      - { address: $LAB_BE3_IP4 }
EOF
} >"$CFG"

# watch ARGS...: xlbctl stats --watch with a hard time bound.
watch() {
	timeout 30 "$XLBCTL" -s "$SOCK" "$@"
}

# rates_ok FILE FIRST EXPR: every JSON line of FILE from line FIRST (0-based)
# on parses and satisfies the Python expression EXPR over r (the line), g
# (global rates), svc (the first service) and bes (its backends).
rates_ok() {
	python3 - "$@" <<-'PY'
	import json, sys
	path, first, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	lines = [json.loads(l) for l in open(path)][first:]
	def ok(r):
	    svc = r["services"][0]
	    env = {"r": r, "g": r["global"], "svc": svc, "bes": svc["backends"]}
	    return eval("(" + expr + ")", {"abs": abs, "sum": sum, "all": all}, env)
	bad = [r for r in lines if not ok(r)]
	for r in bad:
	    print("   ", json.dumps(r))
	sys.exit(0 if lines and not bad else 1)
	PY
}

nlines() { grep -c . "$1"; }

check "config is valid" "$XLBD" --check-config "$CFG"
xlbd_start || { itest_finish; exit 1; }
check "backends resolved" wait_resolved

# Idle: nothing goes to the VIP, every rate is 0.
IDLE=$ITEST_DIR/idle.jsonl
watch --json stats --watch 0.5 --count 2 >"$IDLE"
check "idle: --count 2 prints 2 lines" test "$(nlines "$IDLE")" -eq 2
check "idle: service and backend rates are 0" rates_ok "$IDLE" 0 \
	'svc["packets"] == 0 and svc["bytes"] == 0 and svc["new_flows"] == 0 and
	 len(bes) == 3 and all(b["packets"] == 0 and b["bits"] == 0 for b in bes)'
check "idle: tx and redirect rates are 0" rates_ok "$IDLE" 0 \
	'g["tx"] == 0 and g["redirect"] == 0'

# Traffic: 200 new connections/s from the client through the VIP.
ip netns exec "$LAB_CLIENT_NS" "$LOAD" --target "$VIP:80" --rate 200 \
	--duration 6 --timeout 1000 --json >"$ITEST_DIR/load.json" 2>&1 &
load=$!
BG_PIDS+=("$load")
sleep 1
BUSY=$ITEST_DIR/busy.jsonl
watch --json stats --watch 0.5 --count 3 >"$BUSY"
rc=$?
python3 - "$BUSY" <<-'PY'
	import json, sys
	for l in open(sys.argv[1]):
	    r = json.loads(l)
	    s = r["services"][0]
	    print("  %s pkt/s, backends %s, new flows/s %s" % (s["packets"],
	          " ".join(str(b["packets"]) for b in s["backends"]), s["new_flows"]))
	PY
check "busy: exit 0 after --count 3" test "$rc" -eq 0
check "busy: --count 3 prints 3 lines" test "$(nlines "$BUSY")" -eq 3
check "busy: interval 0.5, elapsed about 0.5 s" rates_ok "$BUSY" 0 \
	'r["interval"] == 0.5 and 0.4 <= r["elapsed"] <= 1.0'
check "busy: service packets/s, bytes/s, new flows/s > 0" rates_ok "$BUSY" 1 \
	'svc["packets"] > 0 and svc["bytes"] > 0 and svc["new_flows"] > 0 and
	 abs(svc["bits"] - 8 * svc["bytes"]) < 1'
check "busy: every backend carries traffic, packets/s > 0" rates_ok "$BUSY" 1 \
	'len(bes) == 3 and all(b["packets"] > 0 and b["new_flows"] > 0 for b in bes)'
# xlbd reads the counters one map after the other while packets flow: a
# few packets of skew between them.
check "busy: backends add up to the service" rates_ok "$BUSY" 1 \
	'abs(sum(b["packets"] for b in bes) - svc["packets"]) <= 0.05 * svc["packets"] + 10'
check "busy: global tx rate counts the VIP traffic" rates_ok "$BUSY" 1 \
	'g["tx"] + g["redirect"] >= 0.9 * svc["packets"]'

# Text when stdout is not a terminal: one block per refresh, no escapes.
TEXT=$ITEST_DIR/busy.txt
watch stats --watch 0.5 --count 2 >"$TEXT"
check "text: 2 blocks" test "$(grep -c '^xlb stats .* every 0.5s$' "$TEXT")" -eq 2
check "text: no escape codes" bash -c "! grep -q $'\033' '$TEXT'"
check "text: service and backend rows" \
	grep -q "^  $LAB_BE1_IP4 " "$TEXT"
check "text: a rate column header" grep -q '^SERVICE *PKT/s *BYTES/s *BIT/s *NEW_FLOWS/s$' "$TEXT"

# One service only.
ONE=$ITEST_DIR/one.jsonl
watch --json stats web --watch 0.5 --count 1 >"$ONE"
check "stats web --watch: that service only" rates_ok "$ONE" 0 \
	'len(r["services"]) == 1 and svc["name"] == "web"'
for _ in $(seq 100); do kill -0 "$load" 2>/dev/null || break; sleep 0.1; done
wait "$load"
echo "  load: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("sent", s["sent"], "ok", s["ok"])' "$ITEST_DIR/load.json" 2>/dev/null)"

# Traffic over (the load tool lingers for the FINs): back to 0.
sleep 1
AFTER=$ITEST_DIR/after.jsonl
watch --json stats --watch 0.5 --count 2 >"$AFTER"
check "after traffic: rates back to 0" rates_ok "$AFTER" 0 \
	'svc["packets"] == 0 and all(b["packets"] == 0 for b in bes)'

# Wrong arguments: a clear message, exit 1, nothing run.
err=$(watch stats --watch 0 2>&1)
check "interval 0 refused" test $? -eq 1
check "interval 0: says why" grep -q 'argument "0" is wrong: the interval must be more than 0 seconds' <<<"$err"
err=$(watch stats --watch soon 5 2>&1)
check "garbage refused" test $? -eq 1
check "garbage: names the argument" grep -q 'argument "5" is wrong: unexpected argument' <<<"$err"
err=$(watch stats --count 2 2>&1)
check "--count without --watch refused" grep -q 'argument "--count" is wrong: only with --watch' <<<"$err"

# Without --count: runs until SIGTERM, then exits 0.
"$XLBCTL" -s "$SOCK" --json stats --watch 0.5 >"$ITEST_DIR/term.jsonl" 2>&1 &
w=$!
for _ in $(seq 50); do [[ -s $ITEST_DIR/term.jsonl ]] && break; sleep 0.1; done
kill -TERM "$w"
for _ in $(seq 50); do kill -0 "$w" 2>/dev/null || break; sleep 0.1; done
kill -0 "$w" 2>/dev/null && kill -9 "$w"
wait "$w"
rc=$?
check "SIGTERM: exit 0" test "$rc" -eq 0
check "SIGTERM: printed refreshes" rates_ok "$ITEST_DIR/term.jsonl" 0 'True'

# The daemon goes away: said so, exit 1.
"$XLBCTL" -s "$SOCK" --json stats --watch 0.5 >"$ITEST_DIR/gone.out" \
	2>"$ITEST_DIR/gone.err" &
w=$!
for _ in $(seq 50); do [[ -s $ITEST_DIR/gone.out ]] && break; sleep 0.1; done
xlbd_stop
for _ in $(seq 50); do kill -0 "$w" 2>/dev/null || break; sleep 0.1; done
kill -0 "$w" 2>/dev/null && kill -9 "$w"
wait "$w"
rc=$?
sed 's/^/  /' "$ITEST_DIR/gone.err"
check "daemon gone: exit 1" test "$rc" -eq 1
check "daemon gone: says so" grep -q '^Error: xlbd went away: ' "$ITEST_DIR/gone.err"

itest_finish
