#!/usr/bin/env bash
# A SYN flood must not break established connections. Long-lived keep-alive
# connections through a round-robin service (a scheduler that cannot find a
# flow again once its entry is gone), then a bounded flood of SYNs from
# random spoofed sources at the same VIP:port from the lab's client
# namespace (tools/synflood.py: bounded in count and time, lab VIPs only).
# Every connection must still be answered by its backend, and the flood
# must have stayed out of the main flow table (it holds confirmed flows
# only). Then the same flood with new_flow_rate_limit set: the excess is
# dropped and counted.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "sf$$" 3
NCONN=6
FLOOD=20000

write_config() {
	{
		config_header | sed '$d'
		[[ -n ${1:-} ]] && echo "new_flow_rate_limit: $1"
		cat <<EOF
services:
  - name: web
    vip: $LAB_VIP4
    port: 80
    scheduler: round-robin
    backends:
      - { address: $LAB_BE1_IP4 }
      - { address: $LAB_BE2_IP4 }
      - { address: $LAB_BE3_IP4 }
EOF
	} >"$CFG"
}
write_config
xlbd_start || { itest_finish; exit 1; }
check "backends resolved" wait_resolved

gstat() {
	xlbctl --json stats | python3 -c '
import json, sys
print(json.load(sys.stdin)["global"][sys.argv[1]])' "$1"
}
main_flows() {
	xlbctl --json flows --limit 1 | python3 -c '
import json, sys
print(json.load(sys.stdin)["total"])'
}

declare -A first
for i in $(seq "$NCONN"); do longconn_start "c$i" "$LAB_VIP4"; done
ok=1
for i in $(seq "$NCONN"); do
	first[$i]=$(longconn_wait "c$i" 1)
	[[ ${first[$i]} == be* ]] || ok=0
done
check "$NCONN long-lived connections answered" test $ok -eq 1
echo "  backends: ${first[*]}"

# same_backends K: request K on every connection, answered as the first was
same_backends() {
	local i got same=0
	for i in $(seq "$NCONN"); do
		got=$(longconn_next "c$i" "$1")
		[[ $got == "${first[$i]}" ]] || {
			same=1
			echo "  c$i: ${first[$i]} -> $got"
		}
	done
	return $same
}

flood() {
	ip netns exec "$LAB_CLIENT_NS" timeout 40 python3 \
		"$ROOT/tools/synflood.py" --dst "$LAB_VIP4" --port 80 \
		--count "$FLOOD" --seconds 20 --seed "$1"
}
nf0=$(gstat new_flow)
sent=$(flood 1)
nf1=$(gstat new_flow)
echo "  flood: $sent SYNs sent, new_flow +$((nf1 - nf0))"
check "flood sent" test "${sent:-0}" -ge $((FLOOD / 2))
check "flood reached the program (new flows counted)" \
	test $((nf1 - nf0)) -ge $((${sent:-0} * 9 / 10))

check "every connection still answered by its backend" same_backends 2
n=$(main_flows)
echo "  main flow table: $n entries"
check "flood stayed out of the main flow table" test "${n:-99999}" -lt 1000

# With a limit: beyond it round-robin drops the excess, counted.
write_config 1000
kill -HUP "$XLBD_PID"
for _ in $(seq 50); do
	grep -q "new flows limited to 1000" "$XLBD_LOG" && break
	sleep 0.1
done
check "reload applied the limit" grep -q "new flows limited to 1000" "$XLBD_LOG"
d0=$(gstat drop_flow_rate)
sent=$(flood 2)
d1=$(gstat drop_flow_rate)
echo "  limited flood: $sent sent, drop_flow_rate +$((d1 - d0))"
check "excess new flows dropped and counted" test $((d1 - d0)) -gt 0
check "xlbctl stats shows the counter" bash -c \
	"'$XLBCTL' -s '$SOCK' stats | grep -q drop_flow_rate"
check "connections unaffected by the limit" same_backends 3
for i in $(seq "$NCONN"); do touch "$ITEST_DIR/c$i.stop"; done

itest_finish
