#!/usr/bin/env bash
# config_source: etcd on one node of the namespace lab, against a real
# etcd in the load balancer's namespace: the document in PREFIX/config is
# what runs; a change is applied as a reload, a broken one refused with
# etcd:KEY:LINE and nothing changes; xlbctl changes are written back
# (compare-and-swap), a conflicting write is refused and said so; etcd
# stopped changes nothing in forwarding and is reported; the node record
# under PREFIX/nodes/NAME and cluster status.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "et$$" 3
URL=http://$LAB_VIP4/
KEY=/xlbt$$/config

etcd_cleanup() {
	etcd_down
	itest_cleanup
}
trap etcd_cleanup EXIT
# shellcheck disable=SC2086 # LAB_LB_EXEC is a command line
etcd_up "$ITEST_DIR/etcd" $LAB_LB_EXEC || {
	echo "0 passed, 1 failed"
	exit 1
}

cat >"$CFG" <<EOF
interface: $LAB_LB_IF
xdp_mode: native
control_socket: $SOCK
pin_dir: $PIN
metrics_listen: 127.0.0.1:19641
config_source: etcd
etcd:
  endpoints: [$ETCD_URL]
  prefix: /xlbt$$
  name: n1
EOF

doc() { # doc WEIGHT3: the cluster's document, be3's weight given
	cat <<EOF
hash_seed: 0x1234
services:
  - name: web
    vip: $LAB_VIP4
    port: 80
    backends:
      - { address: $LAB_BE1_IP4 }
      - { address: $LAB_BE2_IP4 }
      - { address: $LAB_BE3_IP4, weight: $1 }
EOF
}

status_json() { xlbctl --json status; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
weight_of() { # weight_of ADDR
	status_json | py "print([b['weight'] for s in d['services'] for b in s['backends'] if b['address']=='$1'][0])" 2>/dev/null
}
n_backends() { status_json | py "print(len(d['services'][0]['backends']))" 2>/dev/null; }
revision() { status_json | py 'print(d["node"]["etcd"]["revision"])'; }
wait_for() { # wait_for CMD...: true within 5 s
	for _ in $(seq 50); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

check "the bootstrap file is valid" "$XLBD" --check-config "$CFG"
doc 100 | etcd_put "$KEY"
xlbd_start || {
	itest_finish
	exit 1
}
check "backends resolved" wait_resolved
check "services from etcd" test "$(n_backends)" = 3
check "hash_seed from etcd" test "$(status_json | py 'print(d["node"]["hash_seed"])')" = 4660
out=$(http_many "$URL" 30)
check "30 requests through the etcd config" test "$(grep -c be <<<"$out")" -eq 30

# a change in etcd: applied as a reload
doc 0 | etcd_put "$KEY"
w3_0() { test "$(weight_of "$LAB_BE3_IP4")" = 0; }
check "a change in etcd is applied" wait_for w3_0
check "logged as a reload from etcd" grep -q "etcd: reloading etcd:$KEY" "$XLBD_LOG"

# a broken document: refused with etcd:KEY:LINE, nothing changes
before=$(status_json | py 'print(json.dumps(d["services"]))')
printf 'services:\n  - name: web\n    vip: %s\n    port: 99999\n' "$LAB_VIP4" |
	etcd_put "$KEY"
refused() { grep -q "reload refused: etcd:$KEY:4: " "$XLBD_LOG"; }
check "a broken document is refused with etcd:KEY:LINE" wait_for refused
grep "reload refused: etcd:" "$XLBD_LOG" | head -2 | sed 's/^/  /'
after=$(status_json | py 'print(json.dumps(d["services"]))')
check "the running config stays" test "$before" = "$after"
printf 'interface: eth9\nservices: []\n' | etcd_put "$KEY"
nodekey() { grep -q "etcd:$KEY:1: 'interface' is this node's own" "$XLBD_LOG"; }
check "a node's own key in etcd is refused" wait_for nodekey
check "still 3 backends" test "$(n_backends)" = 3

# xlbctl writes back: the change is in etcd and applied
doc 100 | etcd_put "$KEY"
w3_100() { test "$(weight_of "$LAB_BE3_IP4")" = 100; }
check "a good document again" wait_for w3_100
check "xlbctl backend set is written back" \
	xlbctl backend set web "$LAB_BE2_IP4" --weight 7
in_etcd() { etcd_get "$KEY" | grep -q "$LAB_BE2_IP4, weight: 7 "; }
check "the change is in etcd" in_etcd
w2_7() { test "$(weight_of "$LAB_BE2_IP4")" = 7; }
check "and runs" w2_7
rev=$(revision)
check "xlbctl service add is written back" \
	xlbctl service add web2 "$LAB_VIP4:8080"
has_web2() { etcd_get "$KEY" | grep -q 'name: web2'; }
check "the service is in etcd" has_web2
newrev() { test "$(revision)" -gt "$rev"; }
check "the node runs the new revision" wait_for newrev
# two changes at once: the second builds on the first's write, no conflict
xlbctl backend set web "$LAB_BE1_IP4" --weight 11 >"$ITEST_DIR/q1.out" 2>&1 &
q1=$!
xlbctl backend set web "$LAB_BE3_IP4" --weight 13 >"$ITEST_DIR/q2.out" 2>&1
q2=$?
wait "$q1"
q1=$?
cat "$ITEST_DIR/q1.out" "$ITEST_DIR/q2.out" | grep -i etcd | sed 's/^/  /'
check "two changes at once are both written" test "$q1$q2" = 00
both() { etcd_get "$KEY" | grep -q "$LAB_BE1_IP4, weight: 11 " &&
	etcd_get "$KEY" | grep -q "$LAB_BE3_IP4, weight: 13 "; }
check "both are in etcd" both
both_run() { test "$(weight_of "$LAB_BE1_IP4")/$(weight_of "$LAB_BE3_IP4")" = 11/13; }
check "and both run" wait_for both_run

# A conflict: etcd changes while the node cannot see it (stopped), then
# an xlbctl change on the node: the compare fails, the user is told, the
# node applies etcd's document (nothing lost on either side).
doc 100 | etcd_put "$KEY"
w2_100() { test "$(weight_of "$LAB_BE2_IP4")" = 100; }
check "etcd's document again" wait_for w2_100
kill -STOP "$XLBD_PID"
doc 50 | etcd_put "$KEY"
timeout 10 "$XLBCTL" -s "$SOCK" backend set web "$LAB_BE1_IP4" \
	--weight 9 >"$ITEST_DIR/cas.out" 2>&1 &
cpid=$!
sleep 0.3
kill -CONT "$XLBD_PID"
wait "$cpid"
out=$(cat "$ITEST_DIR/cas.out")
echo "  $out"
w3_50() { test "$(weight_of "$LAB_BE3_IP4")" = 50; }
check "the node applies the document written behind it" wait_for w3_50
in_etcd9() { etcd_get "$KEY" | grep -q "$LAB_BE1_IP4, weight: 9 "; }
in_etcd50() { etcd_get "$KEY" | grep -q "$LAB_BE3_IP4, weight: 50 "; }
if grep -q conflict <<<"$out"; then
	check "a conflict is reported, etcd keeps the other write" in_etcd50
else
	check "written on the newest revision: both changes in etcd" \
		eval 'in_etcd9 && in_etcd50'
fi

# etcd stalled (SIGSTOP: it accepts connections and answers nothing, so
# each request waits out its timeout): a write-back and four cluster
# status wait in the etcd worker, 7.5 s in all, while the event loop goes
# on: another control request answers at once and a backend whose server
# stops is taken down by its health check in its own time (fall 2 x
# 200 ms; 3 s on a loaded machine), before the worker is through.
doc 100 | sed 's/^    port: 80$/&\n    health_check: { type: http, path: \/, interval: 200ms, timeout: 150ms, rise: 1, fall: 2 }/' |
	etcd_put "$KEY"
hc_on() { status_json | py 'sys.exit(0 if all(b.get("health") and b["state"] == "up" for b in d["services"][0]["backends"]) else 1)'; }
check "health checks from etcd, every backend up" wait_for hc_on
kill -STOP "$ETCD_PID"
xlbctl backend set web "$LAB_BE2_IP4" --weight 8 >"$ITEST_DIR/stall.out" 2>&1 &
stalled=($!)
for i in 1 2 3 4; do
	xlbctl cluster status >"$ITEST_DIR/cs$i.out" 2>&1 &
	stalled+=($!)
done
waiting() { status_json | py 'sys.exit(0 if d["node"]["etcd"]["requests_waiting"] >= 3 else 1)'; }
check "etcd stalled: the requests wait in the etcd worker" wait_for waiting
t0=$(now_ms)
xlbctl status >/dev/null
dt=$(($(now_ms) - t0))
echo "  xlbctl status answered in $dt ms with $(status_json | py 'print(d["node"]["etcd"]["requests_waiting"])') etcd requests waiting"
check "etcd stalled: xlbctl status answers within 1 s" test "$dt" -lt 1000
# timed from when the server is gone (backend-stop waits for its exit)
"$ROOT/tools/lab.sh" backend-stop --name "$ITEST_NAME" 1 >/dev/null 2>&1
t0=$(now_ms)
be1_down() { status_json | py "sys.exit(0 if [b for b in d['services'][0]['backends'] if b['address'] == '$LAB_BE1_IP4'][0]['state'] == 'down' else 1)"; }
wait_for be1_down
dt=$(($(now_ms) - t0))
left=$(status_json | py 'print(d["node"]["etcd"]["requests_waiting"])')
echo "  be1 down $dt ms after its server stopped, $left etcd requests still waiting"
check "etcd stalled: a health check takes be1 down within 3 s" test "$dt" -lt 3000
check "... while etcd requests still wait" test "$left" -ge 1
for p in "${stalled[@]}"; do wait "$p"; done
kill -CONT "$ETCD_PID"
sed 's/^/  /' "$ITEST_DIR/stall.out" "$ITEST_DIR/cs1.out"
check "the stalled write-back fails, and says so" grep -q "not written" "$ITEST_DIR/stall.out"
check "the stalled cluster status fails, and says so" grep -q "etcd:" "$ITEST_DIR/cs4.out"
"$ROOT/tools/lab.sh" backend-start --name "$ITEST_NAME" 1 >/dev/null 2>&1
check "be1 back up" wait_for hc_on

# etcd stopped: forwarding goes on, the node says so, and comes back
etcd_down
unreach() { status_json | py 'sys.exit(0 if not d["node"]["etcd"]["reachable"] else 1)'; }
check "etcd down: status says unreachable" wait_for unreach
check "etcd down: logged" grep -q "etcd: unreachable" "$XLBD_LOG"
metric() { $LAB_LB_EXEC curl -s -m 2 http://127.0.0.1:19641/metrics | grep "^$1 "; }
check "etcd down: xlb_etcd_reachable 0" test "$(metric xlb_etcd_reachable)" = "xlb_etcd_reachable 0"
xlbctl status | grep UNREACHABLE | sed 's/^/  /'
out=$(http_many "$URL" 30)
check "etcd down: 30 requests succeed" test "$(grep -c be <<<"$out")" -eq 30
out=$(xlbctl backend set web "$LAB_BE1_IP4" --weight 5 2>&1)
echo "  $out"
check "etcd down: an xlbctl change is refused" grep -q "not written" <<<"$out"
# shellcheck disable=SC2086
etcd_up "$ITEST_DIR/etcd" $LAB_LB_EXEC
reach() { status_json | py 'sys.exit(0 if d["node"]["etcd"]["reachable"] else 1)'; }
check "etcd back: reachable again" wait_for reach
check "etcd back: xlb_etcd_reachable 1" test "$(metric xlb_etcd_reachable)" = "xlb_etcd_reachable 1"
# five changes went to etcd: four written, the fifth written or refused
# (the stalled one and the one with etcd down were not written)
wb() { metric "xlb_etcd_write_backs_total{result=\"$1\"}" | awk '{ print $2 }'; }
check "write-backs counted: 5 (success + conflict)" \
	test "$(($(wb success) + $(wb conflict)))" -eq 5

# cluster status: this node's record
cs() { xlbctl --json cluster status | py 'sys.exit(0 if d["nodes"][0]["name"] == "n1" else 1)'; }
check "cluster status lists the node" wait_for cs
xlbctl cluster status | sed 's/^/  /'
check "xlbd is still running" kill -0 "$XLBD_PID"
itest_finish
