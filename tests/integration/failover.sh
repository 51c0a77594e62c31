#!/usr/bin/env bash
# A failover scenario as a user would run it: steady new connections
# through xlb, one backend's server killed with tools/fault.sh. The load
# generator's timeline must show a failure window no longer than the
# health check's interval x fall + timeout, nothing failing after it, and
# the plot must exist. Also checks the fault tool's link cut.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "fo$$" 3
INTERVAL_MS=1000 FALL=2 TIMEOUT_MS=500 DURATION_S=10
BOUND_MS=$((INTERVAL_MS * FALL + TIMEOUT_MS))

{
	config_header
	cat <<EOF
  - name: web
    vip: $LAB_VIP4
    port: 80
    health_check: { type: http, interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, rise: 2, fall: $FALL }
    backends:
      - { address: $LAB_BE1_IP4 }
      - { address: $LAB_BE2_IP4 }
      - { address: $LAB_BE3_IP4 }
EOF
} >"$CFG"
xlbd_start || { itest_finish; exit 1; }
all_up() { xlb_all_up "$XLBCTL" "$SOCK"; }
for _ in $(seq 50); do all_up && break; sleep 0.2; done
check "all backends up" all_up

OUT=$ITEST_DIR/fo
ip netns exec "$LAB_CLIENT_NS" "$ROOT/build/tools/xlb_load" \
	--target "$LAB_VIP4:80" --rate 200 --duration $DURATION_S --timeout 500 \
	--csv "$OUT" --json >"$OUT.json" 2>/dev/null &
load=$!
BG_PIDS+=("$load")
sleep 3
"$ROOT/tools/fault.sh" --name "$ITEST_NAME" kill 2 >/dev/null
wait "$load"

read -r sent ok failed window < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
fw = s["failure_window"]
print(s["sent"], s["ok"], s["failed"], fw["window_ms"] or 0)' "$OUT.json")
echo "  sent=$sent ok=$ok failed=$failed failure window=${window}ms (bound ${BOUND_MS}ms)"
check "load ran" test "$sent" -ge 1800
check "some requests failed when the server died" test "$failed" -gt 0
check "failures stay within interval x fall + timeout" \
	python3 -c "import sys; sys.exit(0 if $window <= $BOUND_MS else 1)"
# Recovered and stays so: the run goes on at least 3 s past its last
# failure with nothing failing. Timed from the failures themselves, not
# from the kill, whose start a busy machine may delay by a second or two.
check "no failure in the last 3 s of the run" python3 - "$OUT.json" "$DURATION_S" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
last = s["failure_window"]["last_ms"] or 0
sys.exit(0 if int(sys.argv[2]) * 1000 - last >= 3000 else 1)
PY
"$ROOT/tools/plot.sh" "$OUT" "failover test" >/dev/null 2>&1
check "timeline plot is a non-empty PNG" python3 -c "
import os, sys
sys.exit(0 if os.path.getsize('$OUT.png') > 1000 and open('$OUT.png','rb').read(8) == b'\x89PNG\r\n\x1a\n' else 1)"

# fault.sh cut: silent drops (timeouts), restore brings the backend back.
"$ROOT/tools/fault.sh" --name "$ITEST_NAME" cut 3
ip netns exec "$LAB_CLIENT_NS" curl -s -m 1 "http://$LAB_BE3_IP4/" >/dev/null 2>&1
check "cut backend times out" test $? -eq 28
"$ROOT/tools/fault.sh" --name "$ITEST_NAME" restore 3
check "restored backend answers" test "$(ip netns exec "$LAB_CLIENT_NS" curl -s -m 2 "http://$LAB_BE3_IP4/")" = be3
"$ROOT/tools/fault.sh" --name "$ITEST_NAME" delay 3 50 2>/dev/null
rc=$?
check "delay works or says netem is missing" test $rc -eq 0 -o $rc -eq 3
"$ROOT/tools/fault.sh" --name "$ITEST_NAME" clear 3

itest_finish
