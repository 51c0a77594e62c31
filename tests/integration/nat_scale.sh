#!/usr/bin/env bash
# Full NAT (forwarding: nat) at scale in the one-armed namespace lab:
# 10,000 concurrent connections hold 10,000 distinct (SNAT address, port,
# backend) tuples (read from the pinned NAT conntrack map); once they close
# their ports go back to the pool and a second wave of 10,000 takes them
# again; a large upload and a large download arrive byte-exact, also across
# an xlbd restart in the middle; a pool of 16 ports under 100 concurrent
# connections drops new flows, counts them, and answers every answered
# request correctly. Clients and the transfer/echo server:
# tests/integration/nat_scale.py.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

PY=$ROOT/tests/integration/nat_scale.py
WAVE=${NAT_SCALE_CONNS:-10000}
XFER_PORT=9000
POOL=10000-31999 # below the lb's ephemeral ports (its health checks)

itest_init "natsc$$" 3

# config POOL: one pool for the node; web (xlb_httpd on every backend) and
# blob (nat_scale.py serve on be1)
config() {
	{
		config_header | sed '$d'
		cat <<-EOF
		flow_scan_interval: 1s
		snat:
		  addresses: [$LAB_LB_IP4]
		  ports: $1
		  tcp_closing_timeout: 2s
		services:
		  - name: web
		    vip: $LAB_VIP4
		    port: 80
		    forwarding: nat
		    scheduler: round-robin
		    backends:
		      - { address: $LAB_BE1_IP4 }
		      - { address: $LAB_BE2_IP4 }
		      - { address: $LAB_BE3_IP4 }
		  - name: blob
		    vip: $LAB_VIP4
		    port: $XFER_PORT
		    forwarding: nat
		    backends:
		      - { address: $LAB_BE1_IP4 }
		EOF
	} >"$CFG"
}
config "$POOL"
ip netns exec "$LAB_LB_NS" sysctl -qw net.ipv4.conf.all.forwarding=1
ip netns exec "$LAB_LB_NS" ping -c1 -W1 "$LAB_CLIENT_IP4" >/dev/null 2>&1
for b in $LAB_BE_IP4S; do
	ip netns exec "$LAB_LB_NS" ping -c1 -W1 "$b" >/dev/null 2>&1
done
# the client's ports outside the SNAT pool (room for both waves, the
# first one's in TIME_WAIT; each wave binds its own half, see wave_start)
ip netns exec "$LAB_CLIENT_NS" sysctl -qw \
	net.ipv4.ip_local_port_range="32768 60999"
ip netns exec "$LAB_BE1_NS" python3 "$PY" serve be1 "$XFER_PORT" \
	>"$ITEST_DIR/serve.log" 2>&1 &
BG_PIDS+=($!)
wait_for 10000 grep -qx ready "$ITEST_DIR/serve.log"

xlbd_start || exit 1
check "backends resolved" wait_resolved

# result_ok MS FILE LOG EXPR: FILE (JSON, r; under ITEST_DIR) appears
# within MS and EXPR holds for it; LOG is shown when it does not appear
result_ok() {
	wait_for "$1" test -f "$ITEST_DIR/$2" ||
		{ echo "no result"; cat "$ITEST_DIR/$3"; return 1; }
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print("   ", r)
sys.exit(0 if eval(sys.argv[2]) else 1)' "$ITEST_DIR/$2" "$4"
}

# nat_tuples OUT: the NAT flows of VIP:80 in the pinned forward map, one
# "SNAT-address SNAT-port backend-address state" line each, to OUT
nat_tuples() {
	bpftool -j map dump pinned "$PIN/xlb_nat_fwd" 2>/dev/null |
		python3 -c '
import ipaddress, json, sys
vip = ipaddress.ip_address(sys.argv[1]).packed

def raw(h):
    return bytes(int(x, 16) for x in h)

for e in json.load(sys.stdin):
    k, v = raw(e["key"]), raw(e["value"])
    # struct xlb_flow_key: svc { vip[16] port[2] proto family pad }, src[16], sport[2] ...
    if k[0:4] != vip or int.from_bytes(k[16:18], "big") != 80:
        continue
    # struct xlb_nat_fwd: snat_addr[16] be_addr[16] snat_port[2] be_port[2] ...
    snat = ipaddress.ip_address(v[0:4])
    be = ipaddress.ip_address(v[16:20])
    print(snat, int.from_bytes(v[32:34], "big"), be)
' "$LAB_VIP4" >"$1"
}

# wave NAME PORTS: WAVE connections to VIP:80 from the client's source
# ports PORTS (LO-HI), all held open until NAME/close; their result in
# NAME/held.json. Each wave binds its own ports: left to the kernel, the
# second wave's connect() calls walk past the first wave's 10,000
# TIME_WAIT ports (55 s of the client's time, measured), and answers
# then wait unread past the client's timeout.
wave_start() {
	mkdir -p "$ITEST_DIR/$1"
	ip netns exec "$LAB_CLIENT_NS" python3 "$PY" hold "$LAB_VIP4" 80 \
		"$WAVE" "$ITEST_DIR/$1" --names be1,be2,be3 --wait 400 \
		--sports "$2" >"$ITEST_DIR/$1.log" 2>&1 &
	BG_PIDS+=($!)
}

# held NAME: every connection of the wave answered by a backend, none wrong
held() {
	result_ok 300000 "$1/held.json" "$1.log" \
		"r['answered'] == $WAVE and r['wrong'] == 0"
}

# distinct NAME: the map holds a NAT flow for every held connection of
# the wave, and their (SNAT address, port, backend) tuples are distinct
distinct() {
	local n d
	nat_tuples "$ITEST_DIR/$1.tuples"
	n=$(wc -l <"$ITEST_DIR/$1.tuples")
	d=$(sort -u "$ITEST_DIR/$1.tuples" | wc -l)
	echo "    $n NAT flows, $d distinct tuples (wave $WAVE)"
	[[ $d -eq $n && $n -ge $WAVE ]]
}

# closed NAME: the wave's connections closed, and their NAT flows are
# gone from the map (their ports back in the pool)
flows_gone() {
	nat_tuples "$ITEST_DIR/left"
	[[ ! -s $ITEST_DIR/left ]]
}
closed() {
	touch "$ITEST_DIR/$1/close"
	wait_for 120000 test -f "$ITEST_DIR/$1/closed.json" ||
		{ echo "not closed"; return 1; }
	wait_for 60000 flows_gone
	local rc=$?
	echo "    $(wc -l <"$ITEST_DIR/left") NAT flows left"
	return $rc
}

wave_start w1 32768-46999
check "$WAVE concurrent connections through NAT, all answered" held w1
check "NAT flows of the wave hold distinct (SNAT address, port, backend)" \
	distinct w1
check "closed: their NAT flows expire, the ports go back to the pool" \
	closed w1

# the second wave can only reuse ports when the first one gave them back
reused() {
	local r
	r=$(sort -u "$ITEST_DIR/w1.tuples" "$ITEST_DIR/w2.tuples" | wc -l)
	r=$(($(wc -l <"$ITEST_DIR/w1.tuples") + $(wc -l <"$ITEST_DIR/w2.tuples") - r))
	echo "    $r tuples of the first wave taken again"
	[[ $r -gt 0 ]]
}
wave_start w2 47000-60999
check "second wave of $WAVE connections, all answered" held w2
check "second wave: distinct tuples" distinct w2
check "second wave took ports the first gave back" reused
check "second wave closed, its flows expire" closed w2

# ---- large transfers ----

# xfer ID up|down BYTES RATE: one transfer through the blob service
xfer_start() {
	rm -f "$ITEST_DIR/$1" "$ITEST_DIR/$1.progress"
	ip netns exec "$LAB_CLIENT_NS" python3 "$PY" xfer "$LAB_VIP4" \
		"$XFER_PORT" "$2" "$3" "$4" "$ITEST_DIR/$1" \
		>"$ITEST_DIR/$1.log" 2>&1 &
	BG_PIDS+=($!)
}
xfer_ok() {
	result_ok 120000 "$1" "$1.log" "r['ok'] and r['bytes'] == $2"
}
# progressed ID BYTES: at least BYTES moved so far
progressed() {
	[[ -f $ITEST_DIR/$1.progress && $(<"$ITEST_DIR/$1.progress") -ge $2 ]]
}

BIG=$((48 << 20))
xfer_start up1 up $BIG 0
xfer_start down1 down $BIG 0
check "48 MiB upload through NAT, byte-exact" xfer_ok up1 $BIG
check "48 MiB download through NAT, byte-exact" xfer_ok down1 $BIG

# paced (about 8 s each) so that the restart falls in the middle
SLOW=$((32 << 20))
xfer_start up2 up $SLOW $((4 << 20))
xfer_start down2 down $SLOW $((4 << 20))
restart_mid() {
	wait_for 30000 progressed up2 $((2 << 20)) &&
		wait_for 30000 progressed down2 $((2 << 20)) ||
		{ echo "transfers did not start"; return 1; }
	xlbd_stop
	[[ ! -f $ITEST_DIR/up2 && ! -f $ITEST_DIR/down2 ]] ||
		{ echo "a transfer ended before the restart"; return 1; }
	xlbd_start
}
check "xlbd restart in the middle of an upload and a download" restart_mid
check "upload across the restart, byte-exact" xfer_ok up2 $SLOW
check "download across the restart, byte-exact" xfer_ok down2 $SLOW

# ---- a pool of 16 ports under 100 connections ----

xlbd_stop
$LAB_LB_EXEC "$XLBD" -c "$CFG" --teardown >>"$XLBD_LOG" 2>&1
config 20000-20015
xlbd_start || exit 1
check "backends resolved (16 ports)" wait_resolved
exhausted0=$(global_stat nat_pool_exhausted)
mkdir -p "$ITEST_DIR/p16"
ip netns exec "$LAB_CLIENT_NS" python3 "$PY" hold "$LAB_VIP4" "$XFER_PORT" \
	100 "$ITEST_DIR/p16" --proto echo --names be1 --conc 100 \
	--retries 0 --timeout 3 --wait 120 >"$ITEST_DIR/p16.log" 2>&1 &
BG_PIDS+=($!)
pool16() {
	result_ok 60000 p16/held.json p16.log "1 <= r['answered'] <= 16 and \
		r['wrong'] == 0 and r['answered'] + r['failed'] == 100"
}
check "16 ports, 100 connections: at most 16 answered, each correctly" pool16
exhausted=$(global_stat nat_pool_exhausted)
check "pool exhaustion counted (nat_pool_exhausted $exhausted0 -> $exhausted)" \
	test "${exhausted:-0}" -gt "${exhausted0:-0}"
pool16_again() {
	touch "$ITEST_DIR/p16/close"
	result_ok 30000 p16/closed.json p16.log \
		"r['answered'] == r['asked'] > 0"
}
check "the held connections answer again, each its own request" pool16_again

itest_finish
