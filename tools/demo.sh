#!/usr/bin/env bash
# make demo: a namespace lab with 3 backends and a client, xlbd with health
# checks, steady load through the VIP, one backend killed mid-load and
# brought back; prints what happened and where the plot is. Cleans up
# everything on exit, also when interrupted.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. tools/lib/xlb_lab.sh

LAB=xlbdemo
OUT=$ROOT/build/demo
RATE=${DEMO_RATE:-300}		# new connections per second
DURATION=24			# seconds of load
KILL_AT=6 RESTART_AT=14		# seconds into the load
mkdir -p "$OUT"
rm -f "$OUT"/*

cleanup() {
	set +e
	[[ -n "${XLBD_PID:-}" ]] && kill "$XLBD_PID" 2>/dev/null && wait "$XLBD_PID" 2>/dev/null
	[[ -n "${LB_EXEC:-}" ]] && $LB_EXEC build/xlbd -c "$OUT/xlb.yaml" --teardown >/dev/null 2>&1
	[[ -n "${LOAD_PID:-}" ]] && kill "$LOAD_PID" 2>/dev/null
	tools/lab.sh down --name "$LAB" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted, cleaning up"; exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1/5 lab: switch, load balancer, 3 backends, 1 client (network namespaces)"
tools/lab.sh up --name "$LAB" --backends 3
eval "$(tools/lab.sh env --name "$LAB")"
LB_EXEC=$LAB_LB_EXEC
SOCK=/run/xlb-$LAB/xlb.sock

{
	xlb_config_head "$SOCK" "/sys/fs/bpf/xlb-$LAB"
	xlb_web_service
} >"$OUT/xlb.yaml"

say "2/5 xlbd: attach XDP to $LAB_LB_IF in $LAB_LB_NS, config $OUT/xlb.yaml"
$LB_EXEC build/xlbd -c "$OUT/xlb.yaml" 2>"$OUT/xlbd.log" &
XLBD_PID=$!
echo "waiting for xlbd's control socket and its health checks to bring every backend up (at most 20 s)"
rc=0
xlb_wait_all_up build/xlbctl "$SOCK" "$XLBD_PID" 20 || rc=$?
if ((rc == 1)); then
	XLBD_PID=
	echo "demo: xlbd exited; its log:" >&2
	sed 's/^/  /' "$OUT/xlbd.log" >&2
	exit 1
elif ((rc == 2)); then
	if c=$(xlb_up_count build/xlbctl "$SOCK"); then
		c="${c/ / of } backends up"
	else
		c="xlbd does not answer on $SOCK"
	fi
	echo "demo: after 20 s, $c; going on" >&2
fi
build/xlbctl -s "$SOCK" status

say "3/5 load: $RATE new HTTP connections/s to $LAB_VIP4:80 for ${DURATION}s; be2 killed at ${KILL_AT}s, restarted at ${RESTART_AT}s"
ip netns exec "$LAB_CLIENT_NS" build/tools/xlb_load --target "$LAB_VIP4:80" \
	--rate "$RATE" --duration "$DURATION" --timeout 500 \
	--csv "$OUT/failover" --json >"$OUT/summary.json" &
LOAD_PID=$!
sleep "$KILL_AT"
echo "t=${KILL_AT}s: killing be2's server"
tools/lab.sh backend-stop --name "$LAB" 2 >/dev/null
sleep $((RESTART_AT - KILL_AT))
echo "t=${RESTART_AT}s: restarting be2's server"
tools/lab.sh backend-start --name "$LAB" 2 >/dev/null
wait "$LOAD_PID"
LOAD_PID=

say "4/5 what xlbd saw"
grep -E -e "-> (up|down)" "$OUT/xlbd.log" | sed 's/^/  /' || true
build/xlbctl -s "$SOCK" stats web

say "5/5 what the clients saw"
python3 - "$OUT/failover.timeline.csv" "$OUT/summary.json" "$KILL_AT" "$RESTART_AT" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
s = json.load(open(sys.argv[2]))
kill, back = int(sys.argv[3]), int(sys.argv[4])
bes = sorted(k for k in rows[0] if k.startswith("be"))
def share(lo, hi):
    sel = [r for r in rows if lo <= int(r["second"]) < hi]
    tot = {b: sum(int(r[b]) for r in sel) for b in bes}
    n = sum(tot.values()) or 1
    fail = sum(int(r["failed"]) for r in sel)
    return "  ".join("%s %4.1f%%" % (b, 100.0 * tot[b] / n) for b in bes) + \
        "   failed %d" % fail
print("requests %d, succeeded %d, failed %d" % (s["sent"], s["ok"], s["failed"]))
print("latency p50 %.2f ms, p99 %.2f ms" % (s["latency_ms"]["p50"], s["latency_ms"]["p99"]))
print("before the kill   (0-%ds):   %s" % (kill, share(0, kill)))
print("be2 dead          (%d-%ds):  %s" % (kill, back, share(kill, back)))
print("after the restart (%d-%ds): %s" % (back + 3, len(rows), share(back + 3, len(rows) + 1)))
fw = s["failure_window"]
if fw["failures"]:
    print("failover: %d failed requests, all within %.0f ms of each other "
          "(health check: interval 1s x fall 2 + timeout 0.5s = 2.5s)"
          % (fw["failures"], fw["window_ms"]))
else:
    print("failover: no request failed")
PY
tools/plot.sh "$OUT/failover" "xlb demo: be2 killed at ${KILL_AT}s, restarted at ${RESTART_AT}s" >/dev/null 2>&1 || true
echo
echo "plot: $OUT/failover.png   timeline: $OUT/failover.timeline.csv   xlbd log: $OUT/xlbd.log"
