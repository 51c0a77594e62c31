#!/usr/bin/env bash
# Shared config through etcd in the scale lab (tools/lab.sh up --topology
# scale --etcd): three nodes with config_source: etcd, one etcd.
#   - every node runs etcd's document: the same revision and digests;
#   - a backend removed with xlbctl on one node, then added on another:
#     out of / in every node's ring within 1 s, the digests identical, and
#     cluster status agrees;
#   - a broken document written to etcd: every node refuses it and logs
#     etcd:KEY:LINE, nothing changes (revision, rings, backends), requests
#     through both VIPs keep being answered;
#   - etcd stopped for 10 s under long-lived connections and a stream of
#     new ones through the VIP: 0 failures; every node reports etcd
#     unreachable (status, log), then reachable again once it is back,
#     on the same config.
# Every wait is a bounded poll (the machine is loaded); the lab is torn
# down on exit.
# shellcheck disable=SC2317 # the checks are called through check()
set -uo pipefail
. "$(dirname "$0")/lib.sh"

scale_init se$$ --etcd
SOCKS=("$LAB_N1_SOCK" "$LAB_N2_SOCK" "$LAB_N3_SOCK")
LOGS=("$LAB_N1_LOG" "$LAB_N2_LOG" "$LAB_N3_LOG")
# shellcheck disable=SC2034 # etcd_put and etcd_get read them
ETCD_URL=$LAB_ETCD_URL
# shellcheck disable=SC2034,SC2206 # a command line, for etcd_put
ETCD_EXEC=($LAB_ETCD_EXEC)
BE=$LAB_BE3_IP4

# on_nodes CMD ARGS...: tests/integration/scale_etcd.py CMD over the nodes
on_nodes() {
	python3 "$ROOT/tests/integration/scale_etcd.py" "$@" "${SOCKS[@]}"
}

# all_logged RE: every node's log has a line matching RE
all_logged() {
	local log
	for log in "${LOGS[@]}"; do
		grep -qE "$1" "$log" || return 1
	done
}

t_same() {
	local snap
	wait_for 20000 scale_all_hops "$LAB_VIP4" &&
		wait_for 20000 scale_all_hops "$LAB_VIP4_2" ||
		{ echo "no ECMP route"; return 1; }
	on_nodes wait "$(now_ms)" 10000 web "$BE" in >/dev/null || return 1
	snap=$(on_nodes snapshot) || return 1
	[[ $(sort -u <<<"$snap" | wc -l) -eq 1 ]] || { echo "$snap"; return 1; }
	grep -q "\"web_rr\"" <<<"$snap"
}

# change_on SOCK IN_OUT CMD...: xlbctl CMD on one node; the backend is
# in (out of) every node's ring within 1 s with the same digests
change_on() {
	local t0 ms
	t0=$(now_ms)
	"$XLBCTL" -s "$1" "${@:3}" >/dev/null || return 1
	ms=$(on_nodes wait "$t0" 5000 web "$BE" "$2") || { echo "  $ms"; return 1; }
	echo "  on every node after ${ms} ms (bound 1000 ms)"
	[[ $ms -le 1000 ]]
}

t_del() { change_on "$LAB_N1_SOCK" out backend del web "$BE"; }
t_add() { change_on "$LAB_N2_SOCK" in backend add web "$BE"; }

agree() {
	"$XLBCTL" -s "$LAB_N3_SOCK" --json cluster status | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if len(d["nodes"]) == 3 and not d["disagreements"] else 1)'
}

t_agree() {
	wait_for 5000 agree || { "$XLBCTL" -s "$LAB_N3_SOCK" cluster status; return 1; }
}

# requests VIP N: N new connections through VIP, all answered
requests() {
	local n
	n=$(http_many "http://$1/" "$2" | grep -c be)
	[[ $n -eq $2 ]] || { echo "  $1: $n of $2 answered"; return 1; }
}

t_broken() {
	local before after good line rev0
	before=$(on_nodes snapshot) || return 1
	good=$(etcd_get "$LAB_ETCD_KEY")
	[[ -n $good ]] || { echo "no document in etcd"; return 1; }
	# the first service's port out of range, at its line
	line=$(grep -n -m1 '^ *port:' <<<"$good" | cut -d: -f1)
	sed "${line}s/port: .*/port: 99999/" <<<"$good" | etcd_put "$LAB_ETCD_KEY" ||
		return 1
	if ! wait_for 10000 all_logged "reload refused: etcd:$LAB_ETCD_KEY:$line: "; then
		grep -H "reload" "${LOGS[@]}" | tail -n 6
		return 1
	fi
	grep -h "reload refused: etcd:" "$LAB_N1_LOG" | tail -n 1 | sed 's/^/  n1: /'
	requests "$LAB_VIP4" 30 && requests "$LAB_VIP4_2" 30 || return 1
	after=$(on_nodes snapshot) || return 1
	[[ "$before" == "$after" ]] || {
		echo "before: $before"
		echo "after:  $after"
		return 1
	}
	# the good one again: applied everywhere (a newer revision, same rings)
	printf '%s\n' "$good" | etcd_put "$LAB_ETCD_KEY" || return 1
	rev0=$(head -n1 <<<"$before" | sed 's/^\[\([0-9]*\),.*/\1/')
	wait_for 10000 newer_than "$rev0" || { echo "the good document is not applied"; return 1; }
}

# newer_than REV: every node runs a config revision above REV
newer_than() {
	on_nodes snapshot | python3 -c '
import json, sys
revs = [json.loads(l)[0] for l in sys.stdin]
sys.exit(0 if len(revs) == 3 and min(revs) > int(sys.argv[1]) else 1)' "$1"
}

etcd_gone() { ! kill -0 "$1" 2>/dev/null; }

t_etcd_down() {
	local pid out=$DIR/conns.json before after t_stop cpid
	pid=$(<"$LAB_RUN_DIR/etcd.pid")
	before=$(on_nodes snapshot) || return 1
	# long-lived and new connections through the VIP; etcd stopped at 1 s
	ip netns exec "$LAB_CLIENT_NS" timeout 40 python3 \
		"$ROOT/tests/integration/scale_conns.py" "$LAB_VIP4_2" \
		"$LAB_HTTP_PORT" --long 30 --rate 10 --duration 15 --fault-at 1 \
		--new-timeout 2 -- kill "$pid" >"$out" &
	cpid=$!
	wait_for 10000 etcd_gone "$pid" || { echo "etcd did not stop"; return 1; }
	t_stop=$(now_ms)
	if ! wait_for 8000 on_nodes reachable no; then
		echo "  not every node reports etcd unreachable"
		"$XLBCTL" -s "$LAB_N1_SOCK" status | grep '^config:'
		return 1
	fi
	"$XLBCTL" -s "$LAB_N1_SOCK" status | grep '^config:' | sed 's/^/  n1: /'
	all_logged "etcd: unreachable" || { echo "  not logged"; return 1; }
	# 10 s without etcd
	while [[ $(now_ms) -lt $((t_stop + 10000)) ]]; do sleep 0.1; done
	"$ROOT/tools/lab.sh" etcd-start --name "$SCALE_NAME" >/dev/null ||
		{ echo "etcd did not start again"; return 1; }
	echo "  etcd back after $(($(now_ms) - t_stop)) ms"
	wait_for 10000 on_nodes reachable yes || { echo "  still unreachable"; return 1; }
	all_logged "etcd: reachable again" || { echo "  recovery not logged"; return 1; }
	wait "$cpid"
	echo "  $(cut -c1-240 "$out")"
	python3 - "$out" <<-'PY' || return 1
	import json, sys
	r = json.load(open(sys.argv[1]))
	ok = (r["broken"] == 0 and r["new_failed"] == 0 and r["new"] >= 100
	      and r["long_answers"] >= 10 * r["long"])
	sys.exit(0 if ok else 1)
	PY
	after=$(on_nodes snapshot) || return 1
	[[ "$before" == "$after" ]] || {
		echo "before: $before"
		echo "after:  $after"
		return 1
	}
}

check "every node runs etcd's document: same revision, digests and backends" t_same
check "xlbctl backend del on n1: out of every node's ring within 1 s, same digests" t_del
check "xlbctl backend add on n2: in every node's ring within 1 s, same digests" t_add
check "cluster status: 3 nodes, no disagreement" t_agree
check "a broken document in etcd: refused by every node (etcd:KEY:LINE), nothing changes, forwarding goes on" \
	t_broken
check "etcd stopped 10 s: 0 failed connections through the VIP, every node says unreachable, then recovers on the same config" \
	t_etcd_down
check "cluster status after etcd's return: 3 nodes, no disagreement" t_agree
itest_finish
