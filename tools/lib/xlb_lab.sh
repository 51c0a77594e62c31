# shellcheck shell=bash
# xlbd on a tools/lab.sh lab, for the tools and the integration tests:
# the config a lab's load balancer starts from and the reading of its
# backends' states. Source it; the config functions read the variables
# of `eval "$(tools/lab.sh env ...)"` (LAB_LB_IF, LAB_VIP4, LAB_BE*_IP4).

# xlb_config_head SOCK PIN: the global part of an xlbd config for the
# lab's load balancer, ending in "services:"; the services follow.
xlb_config_head() {
	cat <<-EOF
	interface: $LAB_LB_IF
	xdp_mode: native
	control_socket: $1
	pin_dir: $2
	services:
	EOF
}

# xlb_web_service: service web, $LAB_VIP4:80 TCP, maglev over the lab's
# first three backends with an HTTP health check every second.
xlb_web_service() {
	cat <<-EOF
	  - name: web
	    vip: $LAB_VIP4
	    port: 80
	    protocol: tcp
	    scheduler: maglev
	    health_check: { type: http, path: /, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }
	    backends:
	      - { address: $LAB_BE1_IP4, weight: 100 }
	      - { address: $LAB_BE2_IP4, weight: 100 }
	      - { address: $LAB_BE3_IP4, weight: 100 }
	EOF
}

# xlb_up_count XLBCTL SOCK: "UP TOTAL", the backends (of all services)
# that are up and all of them; fails when xlbd does not answer.
xlb_up_count() {
	"$1" -s "$2" --json status 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
st = [b["state"] for s in d["services"] for b in s["backends"]]
print(st.count("up"), len(st))' 2>/dev/null
}

# xlb_all_up XLBCTL SOCK: true when every backend of every service is up.
xlb_all_up() {
	local c
	c=$(xlb_up_count "$1" "$2") || return 1
	[[ ${c% *} == "${c#* }" ]]
}

# xlb_wait_all_up XLBCTL SOCK PID SECONDS: wait, polling every 0.2 s, until
# xlbd (process PID) answers on SOCK with every backend up. Returns 0 then,
# 1 as soon as PID has exited, 2 once SECONDS have passed (by the clock:
# on a busy machine one poll may take a second). Quiet: a daemon not yet
# listening, or a reply not yet complete, is only a reason to poll again.
xlb_wait_all_up() {
	local end=$((SECONDS + $4))
	while ((SECONDS < end)); do
		xlb_all_up "$1" "$2" && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.2
	done
	xlb_all_up "$1" "$2" && return 0
	return 2
}

# etcd_up DIR [EXEC...]: one etcd (Debian etcd-server) for the lab and the
# tests, its data and log in DIR, on ETCD_HOST (default 127.0.0.1) of the
# namespace EXEC runs in (none: this one) on a random port (the same one
# again when DIR's etcd is restarted; DIR/port may name one); waits
# (bounded) until it answers. Started through the caller's spawn when it
# has one (tools/lab.sh: detached, no inherited descriptors). Sets
# ETCD_URL and ETCD_PID; etcd_down stops it.
etcd_up() {
	local dir=$1 cport pport host=${ETCD_HOST:-127.0.0.1} args
	shift
	mkdir -p "$dir"
	[[ -f $dir/port ]] || echo $((20000 + RANDOM % 20000)) >"$dir/port"
	cport=$(<"$dir/port")
	pport=$((cport + 1))
	args=(--name xlb --data-dir "$dir/data"
		--listen-client-urls "http://$host:$cport"
		--advertise-client-urls "http://$host:$cport"
		--listen-peer-urls "http://127.0.0.1:$pport"
		--initial-advertise-peer-urls "http://127.0.0.1:$pport"
		--initial-cluster "xlb=http://127.0.0.1:$pport")
	if declare -F spawn >/dev/null; then
		spawn "$dir/etcd.log" "$@" etcd "${args[@]}"
	else
		"$@" etcd "${args[@]}" >>"$dir/etcd.log" 2>&1 &
	fi
	ETCD_PID=$!
	ETCD_URL=http://$host:$cport
	ETCD_EXEC=("$@")
	for _ in $(seq 200); do
		"$@" curl -s -m 1 "$ETCD_URL/health" 2>/dev/null |
			grep -q '"health":"true"' && return 0
		kill -0 "$ETCD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "etcd did not start:" >&2
	tail -5 "$dir/etcd.log" >&2
	return 1
}

etcd_down() {
	[[ -n "${ETCD_PID:-}" ]] || return 0
	kill "$ETCD_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$ETCD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$ETCD_PID" 2>/dev/null
	wait "$ETCD_PID" 2>/dev/null
	ETCD_PID=
}

# etcd_put KEY < VALUE: write a key (base64 over the JSON gateway).
etcd_put() {
	local k v
	k=$(printf %s "$1" | base64 -w0)
	v=$(base64 -w0)
	"${ETCD_EXEC[@]}" curl -s -m 2 -X POST "$ETCD_URL/v3/kv/put" \
		-d "{\"key\":\"$k\",\"value\":\"$v\"}" | grep -q header
}

# etcd_get KEY: the value (empty if none).
etcd_get() {
	local k
	k=$(printf %s "$1" | base64 -w0)
	"${ETCD_EXEC[@]}" curl -s -m 2 -X POST "$ETCD_URL/v3/kv/range" \
		-d "{\"key\":\"$k\"}" | python3 -c '
import base64, json, sys
kvs = json.load(sys.stdin).get("kvs", [])
sys.stdout.write(base64.b64decode(kvs[0].get("value", "")).decode() if kvs else "")'
}
