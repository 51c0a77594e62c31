#!/usr/bin/env bash
# The capabilities xlbd.service grants (CapabilityBoundingSet, read from
# the unit) are enough for all the daemon does: a first start (load, pin,
# attach), traffic, a reload, a stop and a restart that adopts the running
# program, --teardown. And each one is needed: without CAP_NET_ADMIN the
# first start is refused, without CAP_SYS_ADMIN the restart that adopts
# and --teardown (CAP_BPF and CAP_PERFMON given instead), each naming the
# capability; no refusal stops the forwarding. xlbd runs as root with its bounding set cut, as under the unit.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "cap$$" 2
URL=http://$LAB_VIP4/
write_config() { # BACKEND...
	config_header
	echo "  - name: web"
	echo "    vip: $LAB_VIP4"
	echo "    port: 80"
	echo "    backends:"
	for b in "$@"; do echo "      - address: $b"; done
}
write_config "$LAB_BE1_IP4" >"$CFG"

unit=$ROOT/user/xlbd/xlbd.service.in
bset=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
aset=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
check "the unit's bounding and ambient sets are the same: $bset" \
	test -n "$bset" -a "$bset" = "$aset"
# "CAP_NET_ADMIN CAP_SYS_ADMIN" -> setpriv's "-all,+net_admin,+sys_admin"
setpriv_set() { # CAP...
	local s=-all c
	for c in "$@"; do
		c=${c#CAP_}
		s+=,+${c,,}
	done
	echo "$s"
}
# with_caps CAP...: LAB_LB_EXEC runs its command with only these
# capabilities (bounding set; root's permitted and effective follow it)
LB_EXEC=$LAB_LB_EXEC
with_caps() {
	LAB_LB_EXEC="$LB_EXEC setpriv --inh-caps=-all --bounding-set=$(setpriv_set "$@") --"
}
# the capability numbers of linux/capability.h, for /proc/PID/status
declare -A capnr=([CAP_NET_ADMIN]=12 [CAP_SYS_ADMIN]=21 [CAP_PERFMON]=38 [CAP_BPF]=39)
capmask() {
	local m=0 c
	for c in "$@"; do m=$((m | 1 << ${capnr[$c]})); done
	printf '%016x' "$m"
}
capeff() { sed -n 's/^CapEff:\t*//p' "/proc/$1/status"; }
xdp_on() { $LB_EXEC ip link show "$LAB_LB_IF" | grep -q 'prog/xdp'; }
no_xdp() { ! xdp_on; }
served() { http_many "$URL" "$1" | grep -c .; }

# --- the unit's set: first start ------------------------------------------
# shellcheck disable=SC2086
with_caps $bset
xlbd_start || { LAB_LB_EXEC=$LB_EXEC; itest_finish; exit 1; }
# shellcheck disable=SC2086
check "xlbd runs with exactly the unit's capabilities ($(capeff "$XLBD_PID"))" \
	test "$(capeff "$XLBD_PID")" = "$(capmask $bset)"
check "first start: attached" \
	grep -q "attached XDP program .* to $LAB_LB_IF in native mode" "$XLBD_LOG"
check "first start: backend resolved (netlink)" wait_resolved
check "first start: forwards (20 requests)" test "$(served 20)" -eq 20

# a reload that adds a backend
write_config "$LAB_BE1_IP4" "$LAB_BE2_IP4" >"$CFG"
kill -HUP "$XLBD_PID"
for _ in $(seq 50); do grep -q "reload done" "$XLBD_LOG" && break; sleep 0.1; done
check "reload: applied" grep -q "reload done: 1 services" "$XLBD_LOG"
check "reload: the new backend resolved" wait_resolved
out=$(http_many "$URL" 40)
check "reload: both backends serve (be1=$(count_of be1 <<<"$out") be2=$(count_of be2 <<<"$out"))" \
	test "$(count_of be1 <<<"$out")" -gt 0 -a "$(count_of be2 <<<"$out")" -gt 0

# stop, then a restart that adopts the running program
xlbd_stop
check "stop: the data plane keeps forwarding (10 requests)" test "$(served 10)" -eq 10
: >"$XLBD_LOG"
xlbd_start || { LAB_LB_EXEC=$LB_EXEC; itest_finish; exit 1; }
check "restart: adopted the running program" \
	grep -q "adopted running XDP program" "$XLBD_LOG"
check "restart: forwards (20 requests)" test "$(served 20)" -eq 20
xlbd_stop

# --- without CAP_SYS_ADMIN (CAP_BPF and CAP_PERFMON instead) --------------
with_caps CAP_NET_ADMIN CAP_BPF CAP_PERFMON
: >"$XLBD_LOG"
$LAB_LB_EXEC timeout 20 "$XLBD" -c "$CFG" >>"$XLBD_LOG" 2>&1
rc=$?
sed 's/^/  | /' "$XLBD_LOG"
check "no CAP_SYS_ADMIN: the restart over a running program is refused (exit $rc)" \
	test $rc -ne 0 -a $rc -ne 124
check "no CAP_SYS_ADMIN: the error names the missing capability" \
	grep -q "^xlbd: error: cannot read the XDP program attached to $LAB_LB_IF: Operation not permitted; adopting a running program needs CAP_SYS_ADMIN" \
	"$XLBD_LOG"
check "no CAP_SYS_ADMIN: still forwarding (10 requests)" test "$(served 10)" -eq 10
$LAB_LB_EXEC "$XLBD" -c "$CFG" --teardown >"$ITEST_DIR/teardown.log" 2>&1
rc=$?
sed 's/^/  | /' "$ITEST_DIR/teardown.log"
check "no CAP_SYS_ADMIN: --teardown refused (exit $rc), naming the capability" \
	grep -q "^xlbd: error: cannot read the XDP program attached to $LAB_LB_IF: .*; --teardown needs CAP_SYS_ADMIN" \
	"$ITEST_DIR/teardown.log"
check "no CAP_SYS_ADMIN: --teardown left program and maps (still forwarding)" \
	test $rc -ne 0 -a -e "$PIN" -a "$(served 10)" -eq 10

# --- --teardown with the unit's set ---------------------------------------
# shellcheck disable=SC2086
with_caps $bset
$LAB_LB_EXEC "$XLBD" -c "$CFG" --teardown >"$ITEST_DIR/teardown.log" 2>&1
rc=$?
check "--teardown with the unit's capabilities (exit $rc)" test $rc -eq 0
check "--teardown: no XDP program left" no_xdp
check "--teardown: pinned maps removed" test ! -e "$PIN"

# --- without CAP_NET_ADMIN: a first start --------------------------------
with_caps CAP_SYS_ADMIN
: >"$XLBD_LOG"
$LAB_LB_EXEC timeout 20 "$XLBD" -c "$CFG" >>"$XLBD_LOG" 2>&1
rc=$?
sed 's/^/  | /' "$XLBD_LOG"
check "no CAP_NET_ADMIN: the first start is refused (exit $rc)" test $rc -ne 0 -a $rc -ne 124
check "no CAP_NET_ADMIN: the error names the missing capability" \
	grep -q "^xlbd: error: cannot attach XDP to $LAB_LB_IF in native mode: Operation not permitted; attaching needs CAP_NET_ADMIN" \
	"$XLBD_LOG"
check "no CAP_NET_ADMIN: nothing attached" no_xdp

LAB_LB_EXEC=$LB_EXEC
itest_finish
