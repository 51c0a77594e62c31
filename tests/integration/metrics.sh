#!/usr/bin/env bash
# The Prometheus endpoint in the namespace lab: it listens on exactly
# metrics_listen; the scrape passes promtool's lint; every metric of the
# README table is in it and nothing else (docs and code cannot drift);
# the Grafana dashboard parses and queries only metrics that exist;
# counters move with traffic through the VIP; the health metrics flip
# when a backend dies; a scrape loop under load costs no request; the
# real Prometheus server (Debian's) scrapes xlbd and answers queries
# with the expected series and labels (and every dashboard expression);
# SIGHUP reloads are counted and rebind the endpoint or turn it off.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "mt$$" 3
LAB=$ROOT/tools/lab.sh
BE1=$LAB_BE1_IP4 BE2=$LAB_BE2_IP4 BE3=$LAB_BE3_IP4
METRICS=127.0.0.1:9641			# inside the lb namespace
PROM_ADDR=127.0.0.1:9090		# the Prometheus server, same namespace
README=$ROOT/README.md
DASH=$ROOT/tools/grafana/xlb-dashboard.json
HC="interval: 1s, timeout: 500ms, rise: 2, fall: 2"

write_config() {	# write_config [METRICS_LISTEN_LINE]
	config_header | sed "/^services:/i flow_scan_interval: 1s${1:+\\n$1}"
	cat <<EOF
  - name: web
    vip: $LAB_VIP4
    port: 80
    health_check: { type: http, $HC }
    backends:
      - { address: $BE1 }
      - { address: $BE2 }
      - { address: $BE3 }
  - name: web6
    vip: $LAB_VIP6
    port: 80
    health_check: { type: tcp, $HC }
    backends:
      - { address: $LAB_BE1_IP6 }
      - { address: $LAB_BE2_IP6 }
  - name: dns
    vip: $LAB_VIP4
    port: $LAB_UDP_PORT
    protocol: udp
    backends:
      - { address: $BE1 }
EOF
}
write_config "metrics_listen: $METRICS" >"$CFG"

# scrape [ADDR]: the text of /metrics, fails on anything but 200
scrape() {
	$LAB_LB_EXEC curl -sf -m 5 "http://${1:-$METRICS}/metrics"
}
# http_code URL [CURL ARGS]
http_code() {
	local url=$1
	shift
	$LAB_LB_EXEC curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" "$url"
}

# Exposition-format helper: prom.py CMD FILE ARGS
#   get FILE 'name{k="v",...}'  sum of the samples of name whose labels
#                               include the given ones ("none" if none)
#   families FILE               the names of the # TYPE lines
cat >"$ITEST_DIR/prom.py" <<'PY'
import re, sys
line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
lab_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

def samples(path):
    for l in open(path):
        l = l.rstrip("\n")
        if not l or l.startswith("#"):
            continue
        m = line_re.match(l)
        if not m:
            raise SystemExit("unparsable line: " + l)
        yield m.group(1), dict(lab_re.findall(m.group(3) or "")), float(m.group(4))

cmd, path = sys.argv[1], sys.argv[2]
if cmd == "families":
    for l in open(path):
        if l.startswith("# TYPE "):
            print(l.split()[2])
elif cmd == "get":
    m = re.match(r'^([^{]+)(\{(.*)\})?$', sys.argv[3])
    want = dict(lab_re.findall(m.group(3) or ""))
    vals = [v for n, l, v in samples(path) if n == m.group(1)
            and all(l.get(k) == x for k, x in want.items())]
    print("%.6f" % sum(vals) if vals else "none")
PY
pget() { python3 "$ITEST_DIR/prom.py" get "$1" "$2"; }
# ge A B / gt A B / le A B on decimals (A "none" is false)
ge() { [[ $1 != none ]] && awk "BEGIN { exit !($1 >= $2) }"; }
gt() { [[ $1 != none ]] && awk "BEGIN { exit !($1 > $2) }"; }
le() { [[ $1 != none ]] && awk "BEGIN { exit !($1 <= $2) }"; }
eq() { [[ $1 != none ]] && awk "BEGIN { exit !($1 == $2) }"; }

# wait_cmp OP 'SERIES' VALUE SECONDS: poll the scrape every 0.2 s
# (bounded) until SERIES OP VALUE (OP: eq, ge, gt)
wait_cmp() {
	local i v
	for ((i = 0; i < $4 * 5; i++)); do
		scrape >"$ITEST_DIR/w.prom" 2>/dev/null &&
			v=$(pget "$ITEST_DIR/w.prom" "$2") && "$1" "$v" "$3" &&
			return 0
		sleep 0.2
	done
	echo "  $2 = ${v:-?}, expected $1 $3"
	return 1
}
wait_metric() { wait_cmp eq "$@"; }

check "config with metrics_listen is valid" "$XLBD" --check-config "$CFG"
xlbd_start || { itest_finish; exit 1; }
wait_resolved

# ---- the endpoint ----
up() {
	for _ in $(seq 50); do
		scrape >"$ITEST_DIR/s0.prom" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
check "GET /metrics answers 200" up
ctype=$($LAB_LB_EXEC curl -s -m 5 -o /dev/null -w '%{content_type}' "http://$METRICS/metrics")
check "content type is the text format 0.0.4" \
	test "$ctype" = "text/plain; version=0.0.4; charset=utf-8"
check "other paths: 404" test "$(http_code "http://$METRICS/")" = 404
check "/metrics/x: 404" test "$(http_code "http://$METRICS/metrics/x")" = 404
check "POST /metrics: 405" test "$(http_code "http://$METRICS/metrics" -X POST -d x)" = 405
check "HEAD /metrics: 200" test "$(http_code "http://$METRICS/metrics" -I)" = 200
# xlbd's listening TCP sockets in the lb namespace: exactly the one
listeners() {
	$LAB_LB_EXEC ss -Hltnp 2>/dev/null | grep "pid=$XLBD_PID," |
		awk '{ print $4 }' | sort | tr '\n' ' '
}
l=$(listeners)
echo "  xlbd listens on: $l"
check "listens on exactly metrics_listen, not all interfaces" test "$l" = "$METRICS "
check "promtool check metrics: no problem" \
	$LAB_LB_EXEC promtool check metrics <"$ITEST_DIR/s0.prom"

# ---- docs and dashboard against the scrape ----
python3 "$ITEST_DIR/prom.py" families "$ITEST_DIR/s0.prom" | sort -u >"$ITEST_DIR/families"
echo "  $(wc -l <"$ITEST_DIR/families") metric families in the scrape"
# the README table: rows "| `xlb_...` | type | ..." of the Metrics section
awk '/^## Metrics/ { on = 1; next } /^## / { on = 0 } on' "$README" |
	sed -nE 's/^\| `(xlb_[a-z0-9_]+)` \| ([a-z]+) \|.*/\1 \2/p' |
	sort -u >"$ITEST_DIR/readme"
echo "  $(wc -l <"$ITEST_DIR/readme") metrics in the README table"
check "README lists metrics" test "$(wc -l <"$ITEST_DIR/readme")" -ge 20
docs_match() {
	local bad=0 n t
	while read -r n t; do
		grep -qx "$n" "$ITEST_DIR/families" ||
			{ echo "  in README, not scraped: $n"; bad=1; }
		grep -qx "# TYPE $n $t" "$ITEST_DIR/s0.prom" ||
			{ echo "  README type of $n is not $t in the scrape"; bad=1; }
	done <"$ITEST_DIR/readme"
	while read -r n; do
		grep -q "^$n " "$ITEST_DIR/readme" ||
			{ echo "  scraped, not in README: $n"; bad=1; }
	done <"$ITEST_DIR/families"
	return $bad
}
check "every README metric is scraped with its type, and vice versa" docs_match
check "dashboard is valid JSON" python3 -m json.tool "$DASH" /dev/null
# metric names in the dashboard's expressions and variable queries
python3 - "$DASH" >"$ITEST_DIR/dash_exprs" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
out = []
def walk(p):
    for t in p.get("targets", []):
        out.append(t["expr"])
    for c in p.get("panels", []):
        walk(c)
for p in d["panels"]:
    walk(p)
for v in d["templating"]["list"]:
    if v.get("type") == "query":
        out.append(v["definition"])
for a in d["annotations"]["list"]:
    if "expr" in a:
        out.append(a["expr"])
print("\n".join(out))
PY
grep -o 'xlb_[a-z0-9_]*' "$ITEST_DIR/dash_exprs" | sort -u >"$ITEST_DIR/dash_names"
dash_ok() {
	local bad=0 n
	[[ -s $ITEST_DIR/dash_names ]] || return 1
	while read -r n; do
		grep -q "^$n[{ ]" "$ITEST_DIR/s0.prom" ||
			{ echo "  dashboard queries $n: not in the scrape"; bad=1; }
	done <"$ITEST_DIR/dash_names"
	return $bad
}
check "every metric the dashboard queries is scraped ($(wc -l <"$ITEST_DIR/dash_names"))" dash_ok
dash_panels() {
	python3 - "$DASH" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	exprs = " ".join(t["expr"] for p in d["panels"] for t in p.get("targets", []))
	need = ["xlb_service_packets_total", "xlb_service_bytes_total",
	        "xlb_service_new_flows_total", "xlb_backend_packets_total",
	        "xlb_backend_bytes_total", "xlb_backend_new_flows_total",
	        "xlb_backend_active_flows", "xlb_backend_healthy",
	        "xlb_dataplane_packets_total", "drop_",
	        "xlb_backend_health_check_duration_seconds_bucket",
	        "xlb_config_reloads_total"]
	miss = [n for n in need if n not in exprs]
	if miss:
	    print("  dashboard lacks", miss)
	sys.exit(1 if miss else 0)
	PY
}
check "dashboard has rates, flows, health, drops, latency, reloads" dash_panels

# ---- static values ----
s=$ITEST_DIR/s0.prom
check "build info" eq "$(pget "$s" 'xlb_build_info')" 1
check "flow table capacity 1048576" eq "$(pget "$s" xlb_flow_table_capacity)" 1048576
check "uptime small and positive" le "$(pget "$s" xlb_uptime_seconds)" 60
start=$(pget "$s" xlb_start_time_seconds)
check "start time within the last minute" \
	awk "BEGIN { exit !($start > $(date +%s) - 60 && $start <= $(date +%s) + 1) }"
check "service info labels" eq "$(pget "$s" "xlb_service_info{service=\"dns\",vip=\"$LAB_VIP4\",port=\"$LAB_UDP_PORT\",protocol=\"udp\",scheduler=\"maglev\"}")" 1
check "IPv6 backend label" test "$(pget "$s" "xlb_backend_weight{service=\"web6\",backend=\"$LAB_BE2_IP6\"}")" != none
check "no check: healthy, no health-check series" \
	test "$(pget "$s" "xlb_backend_healthy{service=\"dns\",backend=\"$BE1\"}") $(pget "$s" "xlb_backend_health_check_failures_total{service=\"dns\"}")" = "1.000000 none"
n_global=$(xlbctl --json stats | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["global"]))')
check "every global counter ($n_global) as a reason" \
	test "$(grep -c '^xlb_dataplane_packets_total{reason=' "$s")" -eq "$n_global"

# ---- counters move with traffic ----
all_up() {
	local b
	for b in "$BE1" "$BE2" "$BE3"; do
		wait_metric "xlb_backend_healthy{service=\"web\",backend=\"$b\"}" 1 5 ||
			return 1
	done
}
check "web backends healthy in the metrics" all_up
scrape >"$ITEST_DIR/s1.prom"
N=60
out=$(http_many "http://$LAB_VIP4/" $N)
check "$N requests through the VIP succeed" test "$(grep -c . <<<"$out")" -eq $N
scrape >"$ITEST_DIR/s2.prom"
d() {	# d SERIES: its increase from s1 to s2
	awk "BEGIN { printf \"%d\", $(pget "$ITEST_DIR/s2.prom" "$1") - $(pget "$ITEST_DIR/s1.prom" "$1") }"
}
sp=$(d 'xlb_service_packets_total{service="web"}')
sb=$(d 'xlb_service_bytes_total{service="web"}')
sf=$(d 'xlb_service_new_flows_total{service="web"}')
echo "  web: +$sp packets, +$sb bytes, +$sf new flows for $N requests"
check "service packets: >= 4 per connection" test "$sp" -ge $((4 * N))
check "service bytes: >= 60 per packet" test "$sb" -ge $((60 * sp))
check "service new flows: one per connection" test "$sf" -ge $N -a "$sf" -le $((N + 3))
per_be() {
	local i b n bf bp sum=0 sump=0
	for i in 1 2 3; do
		b=$(eval echo "\$LAB_BE${i}_IP4")
		n=$(count_of "be$i" <<<"$out")
		bf=$(d "xlb_backend_new_flows_total{service=\"web\",backend=\"$b\"}")
		bp=$(d "xlb_backend_packets_total{service=\"web\",backend=\"$b\"}")
		echo "  be$i: served $n, +$bf new flows, +$bp packets"
		((bf >= n && bf <= n + 3)) || return 1
		((n == 0 || bp >= 4 * n)) || return 1
		sum=$((sum + bf)) sump=$((sump + bp))
	done
	((sum == sf && sump == sp))
}
check "backend counters match who served, sum to the service's" per_be
check "dataplane tx grows with the packets" \
	ge "$(d 'xlb_dataplane_packets_total{reason="tx"}')" "$sp"
check "dataplane new_flow grows" ge "$(d 'xlb_dataplane_packets_total{reason="new_flow"}')" $N
check "scrapes counted" eq "$(d xlb_metrics_scrapes_total)" 1

# ---- active flows (flow-table scan every second) ----
longconn_start lc1 "$LAB_VIP4"
lb=$(longconn_wait lc1 1)
lba=$(eval echo "\${LAB_${lb^^}_IP4:-none}")
echo "  keep-alive connection to $lb ($lba)"
check "open connection: backend active flows >= 1" \
	wait_cmp ge "xlb_backend_active_flows{service=\"web\",backend=\"$lba\"}" 1 4
scrape >"$ITEST_DIR/f.prom"
check "service active flows >= 1" ge "$(pget "$ITEST_DIR/f.prom" 'xlb_service_active_flows{service="web"}')" 1
check "flow table entries >= 1" ge "$(pget "$ITEST_DIR/f.prom" xlb_flow_table_entries)" 1
# The scan runs every second: its timestamp moves on (waited for, so a
# busy machine delaying one scan does not fail this) and is wall-clock
# time: a clock mix-up is off by years, a busy machine's scrape and the
# readers here by seconds.
t_scan=$(pget "$ITEST_DIR/f.prom" xlb_flow_table_last_scan_timestamp_seconds)
check "flow-table scans go on: last-scan timestamp advances" \
	wait_cmp gt xlb_flow_table_last_scan_timestamp_seconds "$t_scan" 5
check "last flow-table scan timestamp is now (within 10 s)" \
	awk "BEGIN { exit !($(pget "$ITEST_DIR/w.prom" xlb_flow_table_last_scan_timestamp_seconds) > $(date +%s.%N) - 10) }"
touch "$ITEST_DIR/lc1.stop"

# ---- a backend dies: the health metrics flip ----
scrape >"$ITEST_DIR/s3.prom"
"$LAB" backend-stop --name "$ITEST_NAME" 2
B2="service=\"web\",backend=\"$BE2\""
check "be2 killed: xlb_backend_healthy 0" wait_metric "xlb_backend_healthy{$B2}" 0 6
scrape >"$ITEST_DIR/s4.prom"
check "be2: state down" eq "$(pget "$ITEST_DIR/s4.prom" "xlb_backend_state{$B2,state=\"down\"}")" 1
check "be2: state up 0" eq "$(pget "$ITEST_DIR/s4.prom" "xlb_backend_state{$B2,state=\"up\"}")" 0
check "be2: one state at a time" eq "$(pget "$ITEST_DIR/s4.prom" "xlb_backend_state{$B2}")" 1
check "be2: failures counted (>= fall)" \
	ge "$(pget "$ITEST_DIR/s4.prom" "xlb_backend_health_check_failures_total{$B2}")" 2
check "be2: transition counted" eq "$(awk "BEGIN { print $(pget "$ITEST_DIR/s4.prom" "xlb_backend_health_transitions_total{$B2}") - $(pget "$ITEST_DIR/s3.prom" "xlb_backend_health_transitions_total{$B2}") }")" 1
check "web: table swapped" gt "$(pget "$ITEST_DIR/s4.prom" 'xlb_service_table_swaps_total{service="web"}')" \
	"$(pget "$ITEST_DIR/s3.prom" 'xlb_service_table_swaps_total{service="web"}')"
check "be2 on web6 (tcp check) down too" \
	wait_metric "xlb_backend_healthy{service=\"web6\",backend=\"$LAB_BE2_IP6\"}" 0 6
hcount() { pget "$1" "xlb_backend_health_check_duration_seconds_count{service=\"web\",backend=\"$BE1\"}"; }
check "health checks counted (histogram _count grows)" \
	gt "$(hcount "$ITEST_DIR/s4.prom")" "$(hcount "$ITEST_DIR/s1.prom")"
check "others stay up" eq "$(pget "$ITEST_DIR/s4.prom" "xlb_backend_healthy{service=\"web\",backend=\"$BE1\"}")" 1
"$LAB" backend-start --name "$ITEST_NAME" 2
check "be2 restarted: xlb_backend_healthy 1" wait_metric "xlb_backend_healthy{$B2}" 1 6

# ---- scraping during load costs no request ----
ip netns exec "$LAB_CLIENT_NS" "$ROOT/build/tools/xlb_load" \
	--target "$LAB_VIP4:80" --rate 200 --duration 6 --timeout 1000 --json \
	>"$ITEST_DIR/load.json" 2>"$ITEST_DIR/load.err" &
load=$!
BG_PIDS+=("$load")
sleep 0.3
ok=0 bad=0
for _ in $(seq 100); do	# 100 scrapes, 20 a second: the load's 5 s
	if scrape >/dev/null 2>&1; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
	sleep 0.05
done
wait "$load"
read -r sent lok lfail < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["sent"], d["ok"], d["failed"])' "$ITEST_DIR/load.json")
echo "  during load: $ok scrapes ok, $bad failed; load sent $sent, ok $lok, failed $lfail"
check "every scrape during load answered" test "$ok" -eq 100
check "load ran (>= 1000 requests)" test "${sent:-0}" -ge 1000
check "no request failed while scraping" test "${lfail:-1}" -eq 0
scrape >"$ITEST_DIR/s5.prom"
rs=$(pget "$ITEST_DIR/s5.prom" xlb_metrics_render_duration_seconds)
echo "  render time of a scrape: $rs s"
check "a scrape renders in < 50 ms" le "$rs" 0.05

# ---- the real Prometheus server scrapes xlbd ----
mkdir -p "$ITEST_DIR/prom-data"
cat >"$ITEST_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: xlb
    static_configs:
      - targets: ["$METRICS"]
EOF
$LAB_LB_EXEC prometheus --config.file="$ITEST_DIR/prometheus.yml" \
	--storage.tsdb.path="$ITEST_DIR/prom-data" \
	--web.listen-address="$PROM_ADDR" --log.level=warn \
	>"$ITEST_DIR/prometheus.log" 2>&1 &
PROM_PID=$!
BG_PIDS+=("$PROM_PID")
# pq 'QUERY': the /api/v1/query result as "label=v,... value" lines
pq() {
	$LAB_LB_EXEC curl -sf -m 5 -G "http://$PROM_ADDR/api/v1/query" \
		--data-urlencode "query=$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"] == "success", d
for r in d["data"]["result"]:
    m = r["metric"]
    lab = ",".join("%s=%s" % (k, m[k]) for k in sorted(m)
                   if k not in ("job", "instance", "__name__"))
    v = r["value"][1] if "value" in r else r["values"][-1][1]
    print(lab, v)'
}
prom_up() {
	for _ in $(seq 60); do	# bounded: 30 s
		[[ $(pq 'up{job="xlb"}' 2>/dev/null) == *" 1" ]] &&
			[[ -n $(pq 'xlb_service_packets_total' 2>/dev/null) ]] &&
			return 0
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.5
	done
	tail -5 "$ITEST_DIR/prometheus.log"
	return 1
}
check "prometheus scrapes xlbd: up == 1" prom_up
r=$(pq 'xlb_backend_healthy{service="web"}')
echo "$r" | sed 's/^/  /'
check "prometheus: 3 web backends, backend labels right" test "$(awk '{ print $1 }' <<<"$r" | sort | tr '\n' ' ')" = \
	"backend=$BE1,service=web backend=$BE2,service=web backend=$BE3,service=web "
check "prometheus: all healthy again" test "$(awk '{ s += $2 } END { print s }' <<<"$r")" = 3
check "prometheus: drop/pass reasons" test "$(pq 'xlb_dataplane_packets_total{reason=~"drop_.*|pass_.*"}' | wc -l)" -ge 7
check "prometheus: packets counted for web" gt "$(pq 'xlb_service_packets_total{service="web"}' | awk '{ print $2 }')" 0
check "prometheus: backend state label" test "$(pq "xlb_backend_state{service=\"web6\",backend=\"$LAB_BE1_IP6\",state=\"up\"}" | awk '{ print $2 }')" = 1
check "prometheus: histogram_quantile of the health-check latency" \
	test -n "$(pq 'histogram_quantile(0.9, sum by (le) (xlb_backend_health_check_duration_seconds_bucket))' | awk '$2 != "NaN"')"
# the last scrape's sample count, against the sample lines of one of ours
n_prom=$(pq 'scrape_samples_scraped{job="xlb"}' | awk '{ print $NF }')
n_ours=$(scrape | grep -vc '^#')
echo "  prometheus took $n_prom samples per scrape; a scrape has $n_ours"
check "prometheus: every sample of a scrape ingested" test "$n_prom" = "$n_ours"
# Every dashboard expression, with Grafana's variables filled in, is
# valid PromQL, and those on services/backends return series.
dash_queries() {
	local e q bad=0 n=0
	while read -r e; do
		[[ -n $e ]] || continue
		[[ $e == label_values* ]] && continue
		q=${e//\$__rate_interval/5s}
		q=${q//\$__range/1m}
		q=${q//\$service/.*}
		q=${q//\$backend/.*}
		n=$((n + 1))
		pq "$q" >/dev/null 2>&1 || { echo "  rejected: $q"; bad=1; }
	done <"$ITEST_DIR/dash_exprs"
	echo "  $n dashboard expressions evaluated"
	return $bad
}
check "prometheus accepts every dashboard expression" dash_queries
kill "$PROM_PID" 2>/dev/null
for _ in $(seq 50); do kill -0 "$PROM_PID" 2>/dev/null || break; sleep 0.1; done

# ---- reloads ----
rl() { scrape >"$ITEST_DIR/r.prom" && pget "$ITEST_DIR/r.prom" "$1"; }
t0=$(rl xlb_config_last_reload_success_timestamp_seconds)
sleep 0.1
kill -HUP "$XLBD_PID"
check "SIGHUP: success counted" wait_metric 'xlb_config_reloads_total{result="success"}' 1 3
check "success timestamp advanced" gt "$(rl xlb_config_last_reload_success_timestamp_seconds)" "$t0"
cp "$CFG" "$ITEST_DIR/good.yaml"
echo "bogus: [" >>"$CFG"
kill -HUP "$XLBD_PID"
check "broken file: failure counted" wait_metric 'xlb_config_reloads_total{result="failure"}' 1 3
check "broken file: last reload unsuccessful" eq "$(rl xlb_config_last_reload_successful)" 0
cp "$ITEST_DIR/good.yaml" "$CFG"
kill -HUP "$XLBD_PID"
check "fixed file: last reload successful" wait_metric xlb_config_last_reload_successful 1 3
# rebind: to IPv6 loopback
NEW='[::1]:9642'
write_config "metrics_listen: \"$NEW\"" >"$CFG"
kill -HUP "$XLBD_PID"
moved() {
	for _ in $(seq 30); do
		scrape "$NEW" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
check "metrics_listen changed: served on $NEW" moved
check "old address closed" test "$(http_code "http://$METRICS/metrics")" = 000
check "listens on exactly the new address" test "$(listeners)" = "$NEW "
# an address that cannot be bound: the old endpoint stays
write_config "metrics_listen: 192.0.2.1:9641" >"$CFG"
kill -HUP "$XLBD_PID"
sleep 0.5
check "unbindable address: old endpoint kept" eval 'scrape "$NEW" >/dev/null' 
scrape "$NEW" >"$ITEST_DIR/r.prom"
check "unbindable address: reload failure counted" \
	eq "$(pget "$ITEST_DIR/r.prom" 'xlb_config_reloads_total{result="failure"}')" 2
check "unbindable address: logged" grep -q 'metrics: cannot listen on 192.0.2.1:9641' "$XLBD_LOG"
check "xlbctl config still shows the working address" \
	grep -q "metrics_listen: \"\?\[::1\]:9642" <(xlbctl config)
# metrics_listen removed: endpoint off, no listener left
write_config "" >"$CFG"
kill -HUP "$XLBD_PID"
off() {
	for _ in $(seq 30); do
		[[ -z $(listeners) ]] && return 0
		sleep 0.1
	done
	return 1
}
check "metrics_listen removed: endpoint off, nothing listens" off
check "xlbd still serves the control socket" xlbctl status >/dev/null

itest_finish
