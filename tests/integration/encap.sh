#!/usr/bin/env bash
# Encapsulation (forwarding ipip and gue) with xlbd in the routed lab
# (tools/lab.sh up --topology routed): backends on two subnets behind a
# router, each running the decapsulator. Health checks through the tunnel
# (via_tunnel): a backend without its decapsulator fails its check and is
# taken out while a plain check still passes it; it comes back with its
# decapsulator.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "enc$$" 1 --topology routed
IF=$LAB_LB_IF
{
	config_header
	cat <<EOF
  - name: web4
    vip: $LAB_VIP4
    port: 80
    forwarding: gue
    scheduler: round-robin
    health_check: { type: http, path: /, interval: 400ms, timeout: 300ms, rise: 1, fall: 2, via_tunnel: true }
    backends:
      - { address: $LAB_RA1_IP4 }
      - { address: $LAB_RA2_IP4 }
      - { address: $LAB_RB1_IP4 }
      - { address: $LAB_RB2_IP4 }
  - name: web6
    vip: "$LAB_VIP6"
    port: 80
    forwarding: ipip
    scheduler: round-robin
    health_check: { type: tcp, interval: 400ms, timeout: 300ms, rise: 1, fall: 2, via_tunnel: true }
    backends:
      - { address: "$LAB_RA1_IP6" }
      - { address: "$LAB_RB2_IP6" }
  - name: plain4
    vip: $LAB_VIP4_2
    port: 80
    forwarding: ipip
    health_check: { type: http, interval: 400ms, timeout: 300ms, rise: 1, fall: 2 }
    backends:
      - { address: $LAB_RB2_IP4 }
EOF
} >"$CFG"

xlbd_start || exit 1

# be_state SERVICE ADDRESS: the backend's health state in xlbctl status
be_state() {
	xlbctl --json status 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in d["services"]:
    if s["name"] == sys.argv[1]:
        for b in s["backends"]:
            if b["address"] == sys.argv[2]:
                print(b.get("health", {}).get("state", b["state"]))' "$1" "$2"
}
is_state() { [[ $(be_state "$1" "$2") == "$3" ]]; }
all_up() {
	for a in "$LAB_RA1_IP4" "$LAB_RA2_IP4" "$LAB_RB1_IP4" "$LAB_RB2_IP4"; do
		is_state web4 "$a" up || return 1
	done
	is_state web6 "$LAB_RA1_IP6" up && is_state web6 "$LAB_RB2_IP6" up &&
		is_state plain4 "$LAB_RB2_IP4" up
}
check "via_tunnel checks (http/gue IPv4, tcp/ipip IPv6) bring every backend up" \
	wait_for 10000 all_up
check "the probes go through the tc program (xlb_hct_egress on $IF)" \
	bash -c "$LAB_LB_EXEC tc filter show dev $IF egress | grep -q xlb_hct_egress"

decap() { $LAB_RB2_EXEC "$XLBCTL" decap "$@" >/dev/null 2>&1; }
decap detach "$LAB_LB_IF"
check "rb2 without its decapsulator: its via_tunnel check fails, it is taken out (IPv4 gue)" \
	wait_for 5000 is_state web4 "$LAB_RB2_IP4" down
check "... and its IPv6 ipip check too" \
	wait_for 5000 is_state web6 "$LAB_RB2_IP6" down
check "a plain check to rb2's own address still passes it" \
	is_state plain4 "$LAB_RB2_IP4" up
both_up() { is_state web4 "$LAB_RA1_IP4" up && is_state web4 "$LAB_RB1_IP4" up; }
check "the other backends stay up" both_up
decap attach "$LAB_LB_IF" --vip "$LAB_VIP4" --vip "$LAB_VIP4_2" \
	--vip "$LAB_VIP6" --vip "$LAB_VIP6_2"
check "decapsulator back: rb2 comes back up" wait_for 5000 all_up

itest_finish
