#!/usr/bin/env bash
# xlbd and xlbctl with real TCP clients in the namespace lab: traffic
# spreads by weight, IPv6 works, backend del / drain behave, a restart of
# xlbd and a broken reload lose nothing, a bad CLI argument changes nothing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "xd$$" 3
VIP=$LAB_VIP4
URL=http://$VIP/

{
	config_header
	cat <<EOF
  - name: web
    vip: $VIP
    port: 80
    protocol: tcp
    backends:
      - { address: $LAB_BE1_IP4, weight: 100 }
      - { address: $LAB_BE2_IP4, weight: 200 }
      - { address: $LAB_BE3_IP4, weight: 300 }
  - name: web6
    vip: $LAB_VIP6
    port: 80
    backends:
      - { address: $LAB_BE1_IP6 }
      - { address: $LAB_BE2_IP6 }
      - { address: $LAB_BE3_IP6 }
EOF
} >"$CFG"

nsvc() {
	xlbctl --json status | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["services"]))'
}

check "config is valid" "$XLBD" --check-config "$CFG"
xlbd_start || { itest_finish; exit 1; }
check "backends resolved" wait_resolved

# 300 new connections, weights 1:2:3: expect 50/100/150. The flow hash
# spreads random client ports; +-30 is more than 3 standard deviations.
out=$(http_many "$URL" 300)
n=$(grep -c . <<<"$out")
c1=$(count_of be1 <<<"$out") c2=$(count_of be2 <<<"$out")
c3=$(count_of be3 <<<"$out")
echo "  300 requests: ok=$n be1=$c1 be2=$c2 be3=$c3"
check "300 requests all succeed" test "$n" -eq 300
near() { (($1 >= $2 - 30 && $1 <= $2 + 30)); }
spread_ok() { near "$c1" 50 && near "$c2" 100 && near "$c3" 150; }
check "spread follows weights 1:2:3" spread_ok

out6=$(http_many "http://[$LAB_VIP6]/" 60)
n6=$(grep -c . <<<"$out6")
echo "  IPv6: ok=$n6 be1=$(count_of be1 <<<"$out6") be2=$(count_of be2 <<<"$out6") be3=$(count_of be3 <<<"$out6")"
check "IPv6 VIP: 60 requests succeed" test "$n6" -eq 60
check "IPv6 VIP: all backends used" test "$(sort -u <<<"$out6" | grep -c be)" -eq 3

# A bad argument says what is wrong and changes nothing.
before=$(xlbctl --json status)
err=$(xlbctl backend add web not-an-address 2>&1)
rc=$?
check "bad address refused" test $rc -ne 0
check "bad address named in error" grep -q 'argument "not-an-address" is wrong' <<<"$err"
xlbctl backend set web "$LAB_BE1_IP4" --weight 70000 >/dev/null 2>&1
check "weight out of range refused" test $? -ne 0
xlbctl service add web2 "$VIP" >/dev/null 2>&1
check "VIP without port refused" test $? -ne 0
check "state unchanged after bad arguments" test "$before" = "$(xlbctl --json status)"

# Drain: an open keep-alive connection stays on its backend, new ones go
# elsewhere.
longconn_start lc1 "$VIP"
first=$(longconn_wait lc1 1)
check "long-lived connection established" grep -q '^be[0-9]$' <<<"$first"
first_ip=$(eval echo "\$LAB_BE${first#be}_IP4")
xlbctl backend set web "$first_ip" --drain
out=$(http_many "$URL" 60)
check "drained backend gets no new connections" test "$(count_of "$first" <<<"$out")" -eq 0
check "others take the new connections" test "$(grep -c . <<<"$out")" -eq 60
check "drained backend keeps its open connection" test "$(longconn_next lc1 2)" = "$first"
xlbctl backend set web "$first_ip" --enable
out=$(http_many "$URL" 60)
check "enabled backend gets connections again" test "$(count_of "$first" <<<"$out")" -gt 0

# backend del: no new connections to it.
other=be3
[[ $first == be3 ]] && other=be2
other_ip=$(eval echo "\$LAB_BE${other#be}_IP4")
xlbctl backend del web "$other_ip"
out=$(http_many "$URL" 60)
check "deleted backend gets no new connections" test "$(count_of "$other" <<<"$out")" -eq 0
check "service still answers after del" test "$(grep -c . <<<"$out")" -eq 60
xlbctl backend add web "$other_ip" --weight 300
wait_resolved >/dev/null

# xlbctl config is a config xlbd accepts.
xlbctl config >"$ITEST_DIR/saved.yaml"
check "xlbctl config output passes --check-config" "$XLBD" --check-config "$ITEST_DIR/saved.yaml"

# Restart xlbd under load: no request lost, the long-lived connection lives.
http_many "$URL" 400 >"$ITEST_DIR/loop.out" &
loop=$!
sleep 0.5
xlbd_stop
check "data plane forwards with xlbd stopped" test "$(http_many "$URL" 20 | grep -c .)" -eq 20
xlbd_start
wait "$loop"
n=$(grep -c . "$ITEST_DIR/loop.out")
echo "  request loop across restart: $n/400 ok"
check "restart loses no request" test "$n" -eq 400
check "long-lived connection survives restart" test "$(longconn_next lc1 3)" = "$first"
check "restart adopted the running program" grep -q "adopted running XDP program" "$XLBD_LOG"

# SIGHUP with a broken file: refused with file:line, traffic keeps flowing.
cp "$CFG" "$ITEST_DIR/good.yaml"
printf '  - name: broken\n    vip: 300.1.1.1\n    port: 80\n' >>"$CFG"
kill -HUP "$XLBD_PID"
sleep 0.5
check "broken reload refused with file and line" grep -q "reload refused: $CFG:[0-9]*:" "$XLBD_LOG"
check "traffic flows after refused reload" test "$(http_many "$URL" 30 | grep -c .)" -eq 30
check "services unchanged after refused reload" test "$(nsvc)" -eq 2

# SIGHUP with a file nested 50,000 deep (libyaml alone takes seconds): the
# event loop is not held; the control socket answers at once, the file is
# refused with file:line and reason, and nothing changes.
layout() {
	xlbctl --json status | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([(s["name"], sorted(b["address"] for b in s["backends"])) for s in d["services"]])'
}
before=$(layout)
{
	cat "$ITEST_DIR/good.yaml"
	printf '  - name: deep\n    vip: %s\n    port: 81\n    health_check: ' "$VIP"
	python3 -c 'print("[" * 50000 + "]" * 50000)'
} >"$CFG"
t0=$(date +%s%N)
kill -HUP "$XLBD_PID"
timeout 2 "$XLBCTL" -s "$SOCK" status >/dev/null
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "status answers right after a SIGHUP with a 50,000-deep file (rc $rc, $ms ms; at most 2 s)" \
	test $rc -eq 0
deep_refused() {
	grep -q "reload refused: $CFG:$(($(wc -l <"$ITEST_DIR/good.yaml") + 4)): lists and mappings nested more than 64 deep" "$XLBD_LOG"
}
for _ in $(seq 50); do deep_refused && break; sleep 0.1; done
ms=$((($(date +%s%N) - t0) / 1000000))
check "deep reload refused with file, line and reason ($ms ms after the SIGHUP)" deep_refused
check "deep reload: services and backends unchanged" test "$(layout)" = "$before"
check "traffic flows after the deep reload" test "$(http_many "$URL" 30 | grep -c .)" -eq 30

# SIGHUP with a file at the bounds that takes a while to load (990,000
# nodes, refused for an unknown key once loaded): the load runs beside the
# event loop, so status answers while it is still going on.
{
	cat "$ITEST_DIR/good.yaml"
	echo "bulk:"
	python3 -c 'import sys; sys.stdout.write("- 1\n" * 990000)'
} >"$CFG"
bulk_refused() {
	grep -q "reload refused: $CFG:$(($(wc -l <"$ITEST_DIR/good.yaml") + 1)): unknown key 'bulk' in the top level" "$XLBD_LOG"
}
t0=$(date +%s%N)
kill -HUP "$XLBD_PID"
timeout 5 "$XLBCTL" -s "$SOCK" status >/dev/null
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
early=yes
bulk_refused && early=no
check "status answers while a large reload loads (rc $rc, $ms ms, before the refusal: $early)" \
	test $rc -eq 0 -a $early = yes
# meanwhile a good file (without web6) and another SIGHUP: it waits its turn
sed "/name: web6/,\$d" "$ITEST_DIR/good.yaml" >"$ITEST_DIR/next.yaml"
mv "$ITEST_DIR/next.yaml" "$CFG"
kill -HUP "$XLBD_PID"
for _ in $(seq 300); do bulk_refused && break; sleep 0.1; done
ms=$((($(date +%s%N) - t0) / 1000000))
check "large reload refused with file, line and reason ($ms ms after the SIGHUP)" bulk_refused
check "a SIGHUP during the large reload waits for it" \
	grep -q "SIGHUP: a reload is running; another follows it" "$XLBD_LOG"
for _ in $(seq 50); do [[ $(nsvc) -eq 1 ]] && break; sleep 0.1; done
check "the reload after it applies the newer file (web6 removed)" test "$(nsvc)" -eq 1

# SIGHUP with a good file: applied as a diff.
cp "$ITEST_DIR/good.yaml" "$CFG"
sed -i "/name: web6/,\$d" "$CFG"
kill -HUP "$XLBD_PID"
sleep 0.5
check "good reload removes web6" test "$(nsvc)" -eq 1
check "web keeps serving after reload" test "$(http_many "$URL" 30 | grep -c .)" -eq 30
check "long-lived connection survives reload" test "$(longconn_next lc1 4)" = "$first"
touch "$ITEST_DIR/lc1.stop"

itest_finish
