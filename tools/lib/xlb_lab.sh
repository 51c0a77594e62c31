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
