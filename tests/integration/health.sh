#!/usr/bin/env bash
# Health checks with real traffic in the namespace lab: a killed server
# leaves the ring within interval x fall + timeout and comes back within
# interval x rise, keep-alive connections to the others never break, a
# cut link is detected by timeout, http status and udp ICMP failures take
# backends out, flapping faster than fall is not thrashed, every backend
# down drops (or keeps the last set with on_all_down: keep_last), slow
# start ramps the weight in effect, a drained backend stays drained.
#
# Every check runs with interval 1s, timeout 500ms, rise 2, fall 2, so:
#   detection after a kill      <= interval x fall + timeout = 2.5 s
#   back after a restart        <= interval x rise + 1 s slack = 3 s
#   (probes run every interval +-10%, the slack covers it and sampling)
# Outages shorter than 0.9 x interval (the smallest gap between two
# probes) can fail one probe at most, so with fall 2 they cause exactly
# no transition.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "hc$$" 3
INTERVAL=1 TIMEOUT=0.5 RISE=2 FALL=2
# calc EXPR: decimal arithmetic (awk: no bc needed), 3 decimals
calc() { awk "BEGIN { printf \"%.3f\", $* }"; }
BOUND_DOWN=$(calc "$INTERVAL * $FALL + $TIMEOUT")	# 2.5
BOUND_UP=$(calc "$INTERVAL * $RISE + 1")		# 3
HC="interval: ${INTERVAL}s, timeout: 500ms, rise: $RISE, fall: $FALL"
LAB=$ROOT/tools/lab.sh
BE1=$LAB_BE1_IP4 BE2=$LAB_BE2_IP4 BE3=$LAB_BE3_IP4

# web: http check; web2: tcp check, slow start, keep_last; web6: IPv6,
# body check, be3 overridden to a path answering 503; dns: udp check,
# be2 overridden to port 9 where nothing listens. announce_table: the
# node's VIP routes (no BGP here), withdrawn when every backend is down.
ANN_TABLE=100
{
	config_header | sed '$d'
	echo "announce_table: $ANN_TABLE"
	echo "services:"
	cat <<EOF
  - name: web
    vip: $LAB_VIP4
    port: 80
    health_check: { type: http, path: /, $HC }
    backends:
      - { address: $BE1 }
      - { address: $BE2 }
      - { address: $BE3 }
  - name: web2
    vip: $LAB_VIP4_2
    port: 80
    on_all_down: keep_last
    slow_start: 4s
    health_check: { type: tcp, $HC }
    backends:
      - { address: $BE1 }
      - { address: $BE2 }
      - { address: $BE3 }
  - name: web6
    vip: $LAB_VIP6
    port: 80
    health_check: { type: http, expect_body: be, $HC }
    backends:
      - { address: $LAB_BE1_IP6 }
      - { address: $LAB_BE2_IP6 }
      - address: $LAB_BE3_IP6
        health_check: { path: /status/503 }
  - name: dns
    vip: $LAB_VIP4
    port: $LAB_UDP_PORT
    protocol: udp
    health_check: { type: udp, payload: ping, expect: ping, $HC }
    backends:
      - { address: $BE1 }
      - address: $BE2
        health_check: { port: 9 }
      - { address: $BE3 }
EOF
} >"$CFG"

now() { date +%s.%N; }
# le A B: A <= B for decimals
le() { awk "BEGIN { exit !($1 <= $2) }"; }
lt() { awk "BEGIN { exit !($1 < $2) }"; }

# hq SVC ADDR: "STATE HEALTH_STATE WEIGHT CONFIG_WEIGHT RESULT..." of a
# backend in `xlbctl --json status` (RESULT may hold spaces: read it last)
hq() {
	xlbctl --json status 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in d["services"]:
    for b in s["backends"]:
        if s["name"] == sys.argv[1] and b["address"] == sys.argv[2]:
            h = b.get("health") or {}
            print(b["state"], h.get("state", "-"), b["weight"],
                  b["config_weight"], h.get("result", "-"))
' "$1" "$2"
}

# wait_health SVC ADDR up|down SECONDS: poll every 0.1 s (bounded).
# WH_AT: when the poll that saw the state began. xlbctl reads the state
# first thing; what follows (python's start-up, the parse) can take a
# few hundred ms on a saturated machine and is not the daemon's time.
wait_health() {
	local st hs w cw res t_end t0
	t_end=$(calc "$(now) + $4")
	while lt "$(now)" "$t_end"; do
		t0=$(now)
		read -r st hs w cw res < <(hq "$1" "$2")
		[[ $hs == "$3" ]] && WH_AT=$t0 && return 0
		sleep 0.1
	done
	return 1
}

reason_of() { local st hs w cw res; read -r st hs w cw res < <(hq "$1" "$2"); echo "$res"; }
state_of() { local st hs w cw res; read -r st hs w cw res < <(hq "$1" "$2"); echo "$st"; }

# transitions SVC ADDR: health_transitions from `xlbctl --json stats`
transitions() {
	xlbctl --json stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([b["health_transitions"] for s in d["services"] for b in s["backends"]
       if s["name"] == sys.argv[1] and b["address"] == sys.argv[2]][0])
' "$1" "$2"
}

gstat() {
	xlbctl --json stats | python3 -c '
import json, sys
print(json.load(sys.stdin)["global"][sys.argv[1]])' "$1"
}

# New HTTP connections at a steady rate, each request's start time and
# result in OUT: "T ok beN" or "T FAIL why". Bounded: DUR + 1.5 s.
cat >"$ITEST_DIR/load.py" <<'PY'
import socket, sys, threading, time
host, port, rate, dur, out = (sys.argv[1], int(sys.argv[2]),
                              float(sys.argv[3]), float(sys.argv[4]),
                              sys.argv[5])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
res, lock = [], threading.Lock()

def one():
    t0 = time.time()
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(1.5)
    try:
        s.connect((host, port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        buf = b""
        while True:
            c = s.recv(4096)
            if not c:
                break
            buf += c
        head, _, body = buf.partition(b"\r\n\r\n")
        r = ("ok " + body.decode().strip() if head.startswith(b"HTTP/1.1 200")
             else "FAIL bad-response")
    except Exception as e:
        r = "FAIL " + type(e).__name__
    finally:
        s.close()
    with lock:
        res.append("%.3f %s" % (t0, r))

start, ths, i = time.time(), [], 0
while start + i / rate < start + dur:
    d = start + i / rate - time.time()
    if d > 0:
        time.sleep(d)
    th = threading.Thread(target=one)
    th.start()
    ths.append(th)
    i += 1
for th in ths:
    th.join()
with open(out, "w") as f:
    f.write("\n".join(sorted(res)) + "\n")
PY

# conns HOST PORT N TIMEOUT: N parallel connects; prints "refused",
# "timeout" or "ok" per connection and the slowest one's seconds
conns() {
	ip netns exec "$LAB_CLIENT_NS" python3 - "$@" <<'PY'
import socket, sys, threading, time
host, port, n, to = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
out, slow = [], [0.0]
def one():
    t0 = time.time()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(to)
    try:
        s.connect((host, port))
        r = "ok"
    except ConnectionRefusedError:
        r = "refused"
    except socket.timeout:
        r = "timeout"
    except Exception as e:
        r = type(e).__name__
    s.close()
    out.append(r)
    slow[0] = max(slow[0], time.time() - t0)
ths = [threading.Thread(target=one) for _ in range(n)]
[t.start() for t in ths]
[t.join() for t in ths]
print(" ".join(sorted(out)), "%.3f" % slow[0])
PY
}

# udp_many N: N datagrams to the dns VIP, each from its own socket;
# prints the first word of each reply (the backend) or "none"
udp_many() {
	ip netns exec "$LAB_CLIENT_NS" python3 - "$LAB_VIP4" "$LAB_UDP_PORT" "$1" <<'PY'
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    s.sendto(b"ping", (host, port))
    try:
        print(s.recv(2048).split()[0].decode())
    except Exception:
        print("none")
    s.close()
PY
}

check "config is valid" "$XLBD" --check-config "$CFG"
xlbd_start || { itest_finish; exit 1; }

# ---- start: new backends come up on their first successful probe ----
# Seen up with one success, less than rise: the second probe comes
# interval/2 or more after the first. State and count come from one
# status read, so a slow poll cannot see the second success instead.
up_successes() {
	xlbctl --json status | python3 -c '
import json, sys
d = json.load(sys.stdin)
h = [b.get("health") or {} for s in d["services"] for b in s["backends"]
     if s["name"] == sys.argv[1] and b["address"] == sys.argv[2]][0]
print(h.get("state", "-"), h.get("successes", -1))
' "$1" "$2"
}
first_up() {
	local i hs n
	for i in $(seq 30); do
		read -r hs n < <(up_successes web "$BE1")
		[[ $hs == up ]] && { [[ $n == 1 ]]; return; }
		sleep 0.1
	done
	return 1
}
check "new backend up after its first success (rise 2)" first_up
all_settled() {
	wait_health web "$BE1" up 5 && wait_health web "$BE2" up 5 &&
		wait_health web "$BE3" up 5 && wait_health web2 "$BE3" up 5 &&
		wait_health web2 "$BE1" up 5 && wait_health web2 "$BE2" up 5 &&
		wait_health web6 "$LAB_BE2_IP6" up 5 &&
		wait_health dns "$BE3" up 5 && wait_health dns "$BE1" up 5
}
check "every healthy backend comes up" all_settled

# ---- 4. http status and udp ICMP failures ----
check "web6 be3 (/status/503) down" wait_health web6 "$LAB_BE3_IP6" down 3
check "web6 be3 reason 'status 503'" test "$(reason_of web6 "$LAB_BE3_IP6")" = "status 503"
check "web6 be3 state down although TCP connects" test "$(state_of web6 "$LAB_BE3_IP6")" = down
out=$(http_many "http://[$LAB_VIP6]/" 30)
check "web6: 30 requests succeed" test "$(grep -c . <<<"$out")" -eq 30
check "web6: none reaches the 503 backend" test "$(count_of be3 <<<"$out")" -eq 0
check "dns be2 (port 9) down" wait_health dns "$BE2" down 3
check "dns be2 reason 'icmp port unreachable'" test "$(reason_of dns "$BE2")" = "icmp port unreachable"
out=$(udp_many 30)
check "dns: 30 datagrams answered" test "$(grep -c '^be' <<<"$out")" -eq 30
check "dns: none answered by be2" test "$(count_of be2 <<<"$out")" -eq 0
text=$(xlbctl status)
check "xlbctl status shows health" grep -q 'type=http state=down result=status 503' <<<"$text"

# ---- hot restart: backends adopted up stay up, no transition ----
log_mark=$(wc -l <"$XLBD_LOG")
xlbd_stop
xlbd_start
adopted_up() {
	local b
	for b in "$BE1" "$BE2" "$BE3"; do
		[[ $(state_of web "$b") == up ]] || return 1
	done
}
check "hot restart: adopted backends up at once" adopted_up
read -r st hs w cw res < <(hq web2 "$BE1")
echo "  after the restart: web2 weight $w/$cw (slow start 4s)"
check "hot restart: 503 backend starts down" test "$(state_of web6 "$LAB_BE3_IP6")" = down
sleep 1.5
no_flips() {
	local b
	for b in "$BE1" "$BE2" "$BE3"; do
		[[ $(transitions web "$b") == 0 ]] || return 1
	done
	[[ $(transitions web6 "$LAB_BE3_IP6") == 0 ]]
}
check "hot restart: no transition" no_flips

# ---- 1 + 2 + 7. kill a server under load, restart it ----
# Long-lived keep-alive connections; those on be2/be3 must survive.
keep=()
for i in 1 2 3 4 5 6; do
	longconn_start "lc$i" "$LAB_VIP4"
	b=$(longconn_wait "lc$i" 1)
	if [[ $b == be2 || $b == be3 ]]; then
		keep+=("lc$i:$b")
	else
		touch "$ITEST_DIR/lc$i.stop"
	fi
done
check "long-lived connections to be2/be3 open" test "${#keep[@]}" -gt 0

ip netns exec "$LAB_CLIENT_NS" python3 "$ITEST_DIR/load.py" "$LAB_VIP4" 80 \
	50 14 "$ITEST_DIR/load.out" &
load=$!
BG_PIDS+=("$load")
sleep 2
# Timed from when the server is gone (backend-stop returns once it has
# exited, which on a busy machine can take a second or two); failures
# before the stop began would be the test's fault, not the kill's.
t_stop=$(now)
"$LAB" backend-stop --name "$ITEST_NAME" 1
t_kill=$(now)
check "killed backend marked down" wait_health web "$BE1" down 5
t_down=$(calc "$WH_AT - $t_kill")
check "reason 'connection refused'" test "$(reason_of web "$BE1")" = "connection refused"
left=$(calc "$t_kill + 6 - $(now)")
lt 0 "$left" && sleep "$left"
t_restart=$(now)
"$LAB" backend-start --name "$ITEST_NAME" 1
# slow start (web2, 4 s): the weight in effect ramps, config_weight stays
ramp=()
for _ in $(seq 32); do
	read -r st hs w cw res < <(hq web2 "$BE1")
	[[ $hs == up ]] && ramp+=("$w/$cw")
	sleep 0.25
done
wait "$load"
echo "  kill: marked down after $t_down s; web2 weight after restart: ${ramp[*]}"

read -r n_req n_fail fail_before last_fail fail_after back < <(python3 - \
	"$ITEST_DIR/load.out" "$t_kill" "$t_restart" "$BOUND_DOWN" "$t_stop" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
tk, tr, bound = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
ts = float(sys.argv[5])
fails = [float(r[0]) for r in rows if r[1] == "FAIL"]
back = [float(r[0]) - tr for r in rows
        if r[1] == "ok" and r[2] == "be1" and float(r[0]) > tr]
print(len(rows), len(fails), sum(t < ts for t in fails),
      "%.3f" % (max(fails) - tk) if fails else -1,
      sum(t > tk + bound for t in fails), "%.3f" % min(back) if back else 999)
PY
)
echo "  load: $n_req requests, $n_fail failed; last failure $last_fail s after the kill; be1 serving again $back s after its restart"
check "load ran (>= 600 requests)" test "$n_req" -ge 600
check "no failure before the kill" test "$fail_before" -eq 0
check "failures stop within interval x fall + timeout ($BOUND_DOWN s)" le "$last_fail" "$BOUND_DOWN"
check "no request fails after that" test "$fail_after" -eq 0
check "restarted backend serves within interval x rise + 1 s ($BOUND_UP s)" le "$back" "$BOUND_UP"
unbroken=0
for k in "${keep[@]}"; do
	id=${k%%:*} b=${k#*:}
	[[ $(longconn_next "$id" 2) == "$b" ]] && unbroken=$((unbroken + 1))
	touch "$ITEST_DIR/$id.stop"
done
echo "  long-lived connections to be2/be3: $unbroken of ${#keep[@]} unbroken"
check "long-lived connections to the others unbroken" test "$unbroken" -eq "${#keep[@]}"
ramp_ok() {
	local first=${ramp[0]:-} last=${ramp[-1]:-} prev=0 r w
	[[ -n $first ]] || return 1
	for r in "${ramp[@]}"; do
		w=${r%/*}
		((w >= prev)) || return 1
		[[ ${r#*/} == 100 ]] || return 1
		prev=$w
	done
	((${first%/*} <= 50)) && [[ $last == 100/100 ]]
}
check "slow start: weight ramps from <= half to full, config_weight stays" ramp_ok

# ---- 5. flapping faster than fall: no transition ----
# The server refuses (TCP reset from an nft rule in be3's namespace) for
# 0.3 s, three times: one nft call each way, so a busy machine stretches
# the outage far less than stopping and starting the server would. Timed
# from before the rule goes in to after it is gone (an upper bound).
flap() { ip netns exec "$LAB_BE3_NS" nft "$@"; }
flap -f - <<'NFT'
table inet xlbflap {
	chain in { type filter hook input priority 0; }
}
NFT
tr0=$(transitions web "$BE3")
outages=()
for _ in 1 2 3; do
	t=$(now)
	flap add rule inet xlbflap in tcp dport 80 reject with tcp reset
	sleep 0.3
	flap flush chain inet xlbflap in
	outages+=("$(calc "$(now) - $t")")
	sleep 1.7
done
flap delete table inet xlbflap
sleep 1.2
tr1=$(transitions web "$BE3")
echo "  flapping be3: outages ${outages[*]} s; transitions $tr0 -> $tr1"
short() { for o in "${outages[@]}"; do lt "$o" 0.9 || return 1; done; }
check "flap outages shorter than 0.9 x interval" short
check "flapping backend: health_transitions unchanged" test "$tr1" -eq "$tr0"
check "flapping backend still up" test "$(state_of web "$BE3")" = up

# ---- 3. cut link (packets dropped, not refused), drained stays drained ----
# Blackhole routes in be2's namespace drop its replies to the lb (health
# checks) and the client (DSR traffic) silently; ARP keeps working, so
# the lb sees pure timeouts.
xlbctl backend set web2 "$BE2" --drain
cut() { ip -n "$LAB_BE2_NS" route "$1" blackhole "$LAB_LB_IP4/32" &&
	ip -n "$LAB_BE2_NS" route "$1" blackhole "$LAB_CLIENT_IP4/32"; }
t_cut=$(now)
cut add
check "cut backend marked down" wait_health web "$BE2" down 5
t_det=$(calc "$WH_AT - $t_cut")
check "cut backend reason 'timeout'" test "$(reason_of web "$BE2")" = timeout
echo "  link cut detected after $t_det s"
check "cut detected within interval x fall + 1 s (timeouts) " le "$t_det" 3.5
out=$(http_many "http://$LAB_VIP4/" 30)
check "with be2 cut: 30 requests succeed, none on be2" \
	test "$(grep -c . <<<"$out")" -eq 30 -a "$(count_of be2 <<<"$out")" -eq 0
t_res=$(now)
cut del
check "restored backend comes back" wait_health web "$BE2" up 5
t_back=$(calc "$WH_AT - $t_res")
echo "  restored link: up after $t_back s"
check "restored within $BOUND_UP s" le "$t_back" "$BOUND_UP"
check "drained + down + back up: health up" wait_health web2 "$BE2" up 5
read -r st hs w cw res < <(hq web2 "$BE2")
check "drained + down + back up: still drained, weight 0" test "$st $w" = "drained 0"
xlbctl backend set web2 "$BE2" --enable
check "enabled again" test "$(state_of web2 "$BE2")" = up

# ---- 6. every backend down ----
# announced VIP4 VIP...: xlbctl status's announced VIPs are exactly these
# ("none" for none)
announced() {
	local got
	got=$(xlbctl status | sed -n 's/^node: .*announced: //p')
	[[ $(tr ' ' '\n' <<<"$got" | sort) == $(printf '%s\n' "$@" | sort) ]] ||
		{ echo "  announced: $got (expected $*)"; return 1; }
}
check "every VIP announced while its services have backends up" \
	announced "$LAB_VIP4" "$LAB_VIP4_2" "$LAB_VIP6"
stops=()
for i in 1 2 3; do
	"$LAB" backend-stop --name "$ITEST_NAME" "$i" &
	stops+=($!)
done
wait "${stops[@]}"
all_down() {
	for b in "$BE1" "$BE2" "$BE3"; do
		wait_health web "$b" down 5 && wait_health web2 "$b" down 5 ||
			return 1
	done
}
check "every backend down" all_down
# web's and dns's VIP is withdrawn (drop), and web2's too: keep_last keeps
# its ring for what still arrives, but no backend in it is healthy
# (min_up_backends). web6's fall may come later than the others'.
none_announced() { wait_for 5000 announced none || announced none; }
check "every backend down: no VIP announced, keep_last's neither" \
	none_announced
# keep_last (web2): the last set is kept, the dead backends refuse
d0=$(gstat drop_no_backend)
res=$(conns "$LAB_VIP4_2" 80 10 2)
d1=$(gstat drop_no_backend)
echo "  keep_last: $res; drop_no_backend $d0 -> $d1"
check "keep_last: connections refused by the kept backends" \
	test "$(grep -o refused <<<"$res" | wc -l)" -eq 10
check "keep_last: refused fast (< 0.5 s)" lt "${res##* }" 0.5
check "keep_last: drop_no_backend unchanged" test "$d1" -eq "$d0"
# drop (web, the default): no-backend state, SYNs dropped and counted
res=$(conns "$LAB_VIP4" 80 10 1)
d2=$(gstat drop_no_backend)
echo "  drop: $res; drop_no_backend $d1 -> $d2"
check "drop: no connection succeeds" test "$(grep -o ok <<<"$res" | wc -l)" -eq 0
check "drop: drop_no_backend grows by >= 10" test $((d2 - d1)) -ge 10

# ---- one log line per transition ----
lines_ok() {
	# the log since the restart: counters start at 0 in each process
	tail -n +$((log_mark + 1)) "$XLBD_LOG" >"$ITEST_DIR/log.tail"
	python3 - "$ITEST_DIR/log.tail" <<'PY' "$(xlbctl --json stats)"
import json, re, sys
log = open(sys.argv[1]).read()
d = json.loads(sys.argv[2])
bad = 0
for s in d["services"]:
    for b in s["backends"]:
        n = len(re.findall(r"service %s: backend %s (up|down) -> (up|down) \(" %
                           (re.escape(s["name"]), re.escape(b["address"])), log))
        if n != b["health_transitions"]:
            print("  %s %s: %d log lines, %d transitions" %
                  (s["name"], b["address"], n, b["health_transitions"]))
            bad += 1
sys.exit(1 if bad else 0)
PY
}
check "exactly one log line per transition" lines_ok

itest_finish
