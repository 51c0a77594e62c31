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
