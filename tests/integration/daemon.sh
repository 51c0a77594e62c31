#!/usr/bin/env bash
# xlbd as a service: ready (sd_notify READY=1) only once attached with its
# config applied and its socket open; journald priorities under systemd;
# a second daemon on the same pin directory or interface refused before it
# touches anything while the first keeps forwarding; a restart with another
# xdp_mode or interface refused with the reason (and applied after
# --teardown); the runtime model (change replies as status shows them, a
# reload that undoes an xlbctl change says so, once per change, and undoes
# it, drains included); xlbd --help lists every option main.c parses.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

itest_init "dm$$" 3
VIP=$LAB_VIP4
URL=http://$VIP/

write_config() { # MODE IFACE
	{
		config_header | sed -e "s/^xdp_mode: .*/xdp_mode: $1/" \
			-e "s/^interface: .*/interface: $2/"
		cat <<-EOF
		  - name: web
		    vip: $VIP
		    port: 80
		    backends:
		      - address: $LAB_BE1_IP4
		      - address: $LAB_BE2_IP4
		EOF
	} >"$CFG"
}
write_config native "$LAB_LB_IF"

# xlbd_once LOG ARGS...: one xlbd run that should end by itself (bounded),
# its stderr in LOG as its journal stream; shows LOG, returns its status
xlbd_once() {
	local log=$1 rc
	shift
	: >"$log"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$log") timeout 20 \
		$LAB_LB_EXEC "$XLBD" "$@" 2>>"$log" >/dev/null
	rc=$?
	sed 's/^/  | /' "$log"
	return $rc
}

# --- xlbd --help: every option of main.c's table, one line each --------
help=$("$XLBD" --help)
src=$ROOT/user/xlbd/main.c
table=$(sed -n '/struct xlb_opt opts\[\]/,/};/p' "$src")
longs=$(sed -n 's/.*{ "\([a-z-]*\)".*/\1/p' <<<"$table")
shorts=$(sed -n "s/.*{ \"[a-z-]*\", '\\(.\\)', true,.*/\\1/p" <<<"$table" | tr -d '\n')
bad=()
for o in $longs; do
	n=$(grep -cE -- "^  (-[a-zA-Z], |    )--$o( |$)" <<<"$help")
	[[ $n -eq 1 ]] || bad+=("--$o:$n")
done
for ((i = 0; i < ${#shorts}; i++)); do
	o=${shorts:i:1}
	n=$(grep -cE -- "^  -$o, --" <<<"$help")
	[[ $n -eq 1 ]] || bad+=("-$o:$n")
done
check "xlbd --help: the $(wc -w <<<"$longs") options main.c parses, one line each (wrong: ${bad[*]:-none})" \
	test -n "$longs" -a ${#bad[@]} -eq 0
check "xlbd --help: no option listed that main.c does not parse" \
	test "$(grep -oE -- '^  (-[a-zA-Z], |    )--[a-z-]+' <<<"$help" | sed 's/.*--//' | sort | xargs)" = \
	"$(sort <<<"$longs" | xargs)"

# --- --check-config looks at this host too ---------------------------------
out=$($LAB_LB_EXEC "$XLBD" --check-config "$CFG" 2>&1)
rc=$?
check "check-config: the lab's config passes without a warning" \
	bash -c '[[ $1 -eq 0 && $2 != *warning* ]]' _ $rc "$out"
{
	config_header | sed "s/^interface: .*/interface: nosuch$$/"
	cat <<-EOF
	  - name: web
	    vip: $VIP
	    port: 80
	    backends:
	      - address: $LAB_BE1_IP4
	      - address: 203.0.113.9
	  - name: web6
	    vip: $LAB_VIP6
	    port: 80
	    backends:
	      - address: 2001:db8:ffff::9
	EOF
} >"$ITEST_DIR/host.yaml"
out=$($LAB_LB_EXEC "$XLBD" --check-config "$ITEST_DIR/host.yaml" 2>&1)
rc=$?
echo "$out" | sed 's/^/  | /'
check "check-config: host warnings do not fail the file (exit $rc)" test $rc -eq 0
check "check-config: a missing interface: the daemon will refuse to start" \
	grep -q "^$ITEST_DIR/host.yaml: warning: interface nosuch$$ does not exist on this host: xlbd will refuse to start" <<<"$out"
check "check-config: an off-net IPv4 backend named with its line" \
	grep -q "^$ITEST_DIR/host.yaml:$(grep -n 203.0.113.9 "$ITEST_DIR/host.yaml" | cut -d: -f1): warning: service web: backend 203.0.113.9 is not usable on this host" <<<"$out"
check "check-config: an off-net IPv6 backend named with its line" \
	grep -q "^$ITEST_DIR/host.yaml:$(grep -n 2001:db8:ffff::9 "$ITEST_DIR/host.yaml" | cut -d: -f1): warning: service web6: backend 2001:db8:ffff::9 is not usable on this host" <<<"$out"
check "check-config: the on-link backend is not warned about" \
	test "$(grep -c "$LAB_BE1_IP4" <<<"$out")" -eq 0
# a gateway route to it: still not directly connected
$LAB_LB_EXEC ip route add 203.0.113.0/24 via "$LAB_BE2_IP4"
out=$($LAB_LB_EXEC "$XLBD" --check-config "$ITEST_DIR/host.yaml" 2>&1)
$LAB_LB_EXEC ip route del 203.0.113.0/24 via "$LAB_BE2_IP4"
check "check-config: a backend behind a gateway: not on a directly connected network" \
	grep -q "backend 203.0.113.9 is not usable on this host (not on a directly connected network)" <<<"$out"

# --- sd_notify and journald prefixes -------------------------------------
# A notify socket of our own; on READY=1 it records what a client sees
# right then: the daemon's log so far and xlbctl status.
NOTIFY=$ITEST_DIR/notify.sock
python3 - "$NOTIFY" "$ITEST_DIR" "$XLBCTL" "$SOCK" "$XLBD_LOG" \
	>"$ITEST_DIR/notify.log" 2>&1 <<-'PY' &
	import os, socket, subprocess, sys, time
	path, out, ctl, sock, log = sys.argv[1:]
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(path)
	s.settimeout(1)
	deadline = time.time() + 120
	n = 0
	while time.time() < deadline:
	    try:
	        msg = s.recv(4096).decode()
	    except socket.timeout:
	        continue
	    n += 1
	    with open(os.path.join(out, "notify.msgs"), "a") as f:
	        f.write(msg.replace("\n", " ") + "\n")
	    if "READY=1" in msg and not os.path.exists(os.path.join(out, "ready.status")):
	        with open(log) as f:
	            open(os.path.join(out, "ready.log"), "w").write(f.read())
	        st = subprocess.run([ctl, "-s", sock, "--json", "status"],
	                            capture_output=True, text=True)
	        open(os.path.join(out, "ready.status"), "w").write(st.stdout)
	    if "STOPPING=1" in msg:
	        break
	PY
BG_PIDS+=($!)
for _ in $(seq 50); do [[ -S $NOTIFY ]] && break; sleep 0.1; done

# the daemon's stderr is "the journal stream": its device and inode
: >"$XLBD_LOG"
export NOTIFY_SOCKET=$NOTIFY
export JOURNAL_STREAM=$(stat -c '%d:%i' "$XLBD_LOG")
xlbd_start || { itest_finish; exit 1; }
FIRST_PID=$XLBD_PID
unset NOTIFY_SOCKET JOURNAL_STREAM
check "backends resolved" wait_resolved
for _ in $(seq 50); do [[ -f $ITEST_DIR/ready.status ]] && break; sleep 0.1; done
check "sd_notify: READY=1 received" grep -q "READY=1" "$ITEST_DIR/notify.msgs"
check "sd_notify: READY=1 came after the attach" \
	grep -q "attached XDP program .* to $LAB_LB_IF in native mode" "$ITEST_DIR/ready.log"
check "sd_notify: at READY=1 the socket answers with the config applied" \
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if [s["name"] for s in d["services"]] == ["web"] and len(d["services"][0]["backends"]) == 2 else 1)' \
	"$ITEST_DIR/ready.status"
check "sd_notify: STATUS names services and interface" \
	grep -q "STATUS=1 services on $LAB_LB_IF" "$ITEST_DIR/notify.msgs"
nolevel=$(grep -v '^<[0-7]>xlbd: ' "$XLBD_LOG" | head -n 3)
check "journald: every log line starts with its <N> priority (not: ${nolevel:-none})" \
	test -z "$nolevel" -a -s "$XLBD_LOG"
check "journald: info lines are <6>" grep -q '^<6>xlbd: info: running: 1 services' "$XLBD_LOG"
# without JOURNAL_STREAM (or with stderr elsewhere) no prefix
out=$("$XLBD" --teardown -c /nonexistent.yaml 2>&1)
check "no prefix when not under systemd" grep -q '^xlbd: error: ' <<<"$out"
out=$(JOURNAL_STREAM=1:1 "$XLBD" --teardown -c /nonexistent.yaml 2>&1)
check "no prefix when stderr is not the journal stream" grep -q '^xlbd: error: ' <<<"$out"

out=$(http_many "$URL" 40)
check "first daemon forwards (40 requests)" test "$(grep -c . <<<"$out")" -eq 40

# --- a second daemon ----------------------------------------------------
# Its config points at other backends: had it taken over, be3 would serve.
# what the first serves: services and backends with their ids and weights
served() {
	xlbctl --json status | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(json.dumps([(s["name"], s["id"], [(b["address"], b["id"], b["config_weight"]) for b in s["backends"]]) for s in d["services"]]))'
}
before=$(served)
C2=$ITEST_DIR/second.yaml
{
	config_header | sed "s|^control_socket: .*|control_socket: $ITEST_DIR/second.sock|"
	cat <<-EOF
	  - name: web
	    vip: $VIP
	    port: 80
	    backends:
	      - address: $LAB_BE3_IP4
	EOF
} >"$C2"
xlbd_once "$ITEST_DIR/second.log" -c "$C2"
rc=$?
check "second xlbd, same pin dir: refused (exit $rc)" test $rc -eq 1
check "second xlbd, same pin dir: names the first's pid and socket" \
	grep -q "^<3>xlbd: error: pin directory $PIN is in use by xlbd pid $FIRST_PID (control socket $SOCK); not starting" \
	"$ITEST_DIR/second.log"
check "second xlbd: opened no control socket" test ! -e "$ITEST_DIR/second.sock"

# same interface, another pin directory: refused too, and made no pin dir
PIN2=$PIN-second
sed -e "s|^pin_dir: .*|pin_dir: $PIN2|" "$C2" >"$ITEST_DIR/second2.yaml"
xlbd_once "$ITEST_DIR/second2.log" -c "$ITEST_DIR/second2.yaml"
rc=$?
check "second xlbd, same interface: refused (exit $rc)" test $rc -eq 1
check "second xlbd, same interface: names the first's pid and socket" \
	grep -q "^<3>xlbd: error: interface $LAB_LB_IF is in use by xlbd pid $FIRST_PID (control socket $SOCK); not starting" \
	"$ITEST_DIR/second2.log"
check "second xlbd: touched no pin directory" test ! -e "$PIN2"
rmdir "$PIN2" 2>/dev/null
check "first xlbd still running" kill -0 "$FIRST_PID"
after=$(served)
check "first xlbd's status unchanged" test "$before" = "$after"
out=$(http_many "$URL" 60)
echo "  after the refusals: be1=$(count_of be1 <<<"$out") be2=$(count_of be2 <<<"$out") be3=$(count_of be3 <<<"$out")"
check "first keeps forwarding to its own backends (60 requests, none to be3)" \
	test "$(grep -c . <<<"$out")" -eq 60 -a "$(count_of be3 <<<"$out")" -eq 0 \
	-a "$(count_of be1 <<<"$out")" -gt 0 -a "$(count_of be2 <<<"$out")" -gt 0

# --- the runtime model ----------------------------------------------------
# every change command answers with the changed object as status shows it
same_as_status() { # REPLY-JSON SERVICE [BACKEND]
	python3 - "$1" "$2" "${3:-}" "$(xlbctl --json status)" <<-'PY'
	import json, sys
	rep, svc, be, st = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
	keep = ("name", "vip", "port", "protocol", "scheduler", "table_size", "id")
	bkeep = ("address", "config_weight", "id")
	def strip(s, only=None):
	    o = {k: s.get(k) for k in keep}
	    o["backends"] = [{k: b.get(k) for k in bkeep} for b in s["backends"]
	                     if not only or b["address"] == only]
	    return o
	if not rep.get("change") or len(rep.get("services", [])) != 1:
	    sys.exit("reply is not one changed service: %s" % sys.argv[1])
	mine = [s for s in st["services"] if s["name"] == svc]
	want = strip(mine[0], be) if mine else None
	got = strip(rep["services"][0], be)
	if rep["change"] != "removed" and got != want:
	    sys.exit("reply %s != status %s" % (got, want))
	if be and len(got["backends"]) != 1:
	    sys.exit("reply has %d backends, want the changed one" % len(got["backends"]))
	PY
}
r=$(xlbctl --json backend add web "$LAB_BE3_IP4" --weight 50)
check "backend add answers with the backend as status shows it" same_as_status "$r" web "$LAB_BE3_IP4"
r=$(xlbctl --json backend set web "$LAB_BE1_IP4" --weight 70)
check "backend set answers with the backend as status shows it" same_as_status "$r" web "$LAB_BE1_IP4"
r=$(xlbctl --json service add extra "$LAB_VIP4_2:80")
check "service add answers with the service as status shows it" same_as_status "$r" extra
r=$(xlbctl --json service del extra)
check "service del answers with the removed service (not {})" same_as_status "$r" extra
check "service del: it is gone" test "$(xlbctl --json status | grep -c '"extra"')" -eq 0
xlbctl backend add web "$LAB_BE3_IP4" >/dev/null 2>&1 # already there
r=$(xlbctl --json backend del web "$LAB_BE2_IP4")
check "backend del answers with the removed backend" same_as_status "$r" web "$LAB_BE2_IP4"
txt=$(xlbctl backend add web "$LAB_BE2_IP4")
check "backend add (text): says what changed and shows it" \
	bash -c '[[ $1 == added:* && $1 == *"$2"* ]]' _ "$txt" "$LAB_BE2_IP4"

xlbctl backend set web "$LAB_BE2_IP4" --drain >/dev/null
xlbctl service add extra "$LAB_VIP4_2:80" >/dev/null

st=$(xlbctl status)
echo "$st" | sed -n '/changed at runtime/,$p' | sed 's/^/  | /'
check "status lists the added backend a reload would remove" \
	grep -q "service web: backend $LAB_BE3_IP4 is not in the file: removed" <<<"$st"
check "status lists the weight a reload would put back" \
	grep -q "service web: backend $LAB_BE1_IP4: weight 70 -> 100" <<<"$st"
check "status lists the drain a reload would undo" \
	grep -q "service web: backend $LAB_BE2_IP4: weight 0 -> 100" <<<"$st"
check "status lists the added service a reload would delete" \
	grep -q "service extra is not in the file: deleted with its 0 backends" <<<"$st"
listed=$(xlbctl --json status | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["reload_undoes"]))')
n0=$(grep -c . "$XLBD_LOG")
kill -HUP "$XLBD_PID"
for _ in $(seq 50); do grep -q "reload done" "$XLBD_LOG" && break; sleep 0.1; done
tail -n +$((n0 + 1)) "$XLBD_LOG" >"$ITEST_DIR/reload.log"
sed 's/^/  | /' "$ITEST_DIR/reload.log"
check "reload warns it removes the xlbctl-added backend (service, backend named, <4>)" \
	grep -q "^<4>xlbd: warning: reload: service web: backend $LAB_BE3_IP4 is not in the file: removed (undoes a change made with xlbctl)" \
	"$ITEST_DIR/reload.log"
check "reload warns it puts the weight back" \
	grep -q "^<4>xlbd: warning: reload: service web: backend $LAB_BE1_IP4: weight 70 -> 100 (undoes" \
	"$ITEST_DIR/reload.log"
check "reload warns it undoes the drain" \
	grep -q "^<4>xlbd: warning: reload: service web: backend $LAB_BE2_IP4: weight 0 -> 100 (undoes" \
	"$ITEST_DIR/reload.log"
check "reload warns it deletes the xlbctl-added service" \
	grep -q "^<4>xlbd: warning: reload: service extra is not in the file: deleted with its 0 backends (undoes" \
	"$ITEST_DIR/reload.log"
warned=$(grep -c "(undoes a change made with xlbctl)" "$ITEST_DIR/reload.log")
check "one reload warning per change status listed ($warned warnings, $listed listed, 4 made)" \
	test "$warned" -eq 4 -a "$listed" -eq 4
# what runs now is the file again
check "after the reload: the file's backends and weights, none drained" \
	python3 -c '
import json, sys
d = json.load(sys.stdin)
got = [(s["name"], sorted((b["address"], b["config_weight"], b["state"] == "drained") for b in s["backends"])) for s in d["services"]]
want = [("web", sorted([(sys.argv[1], 100, False), (sys.argv[2], 100, False)]))]
print("  ", got)
sys.exit(0 if got == want else 1)' "$LAB_BE1_IP4" "$LAB_BE2_IP4" <<<"$(xlbctl --json status)"
check "after the reload status lists no runtime change" \
	test "$(xlbctl --json status | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["reload_undoes"]))')" -eq 0

# --- restart with another xdp_mode, then another interface ---------------
xlbd_stop
check "sd_notify: STOPPING=1 on exit" grep -q "STOPPING=1" "$ITEST_DIR/notify.msgs"
write_config generic "$LAB_LB_IF"
xlbd_once "$ITEST_DIR/mode.log" -c "$CFG"
rc=$?
check "restart with xdp_mode: generic over a native program: refused (exit $rc)" test $rc -eq 1
check "xdp_mode refusal says why and what to do (<3>)" \
	grep -q "^<3>xlbd: error: XDP program id [0-9]* runs on $LAB_LB_IF in native mode; the config says xdp_mode: generic: run xlbd --teardown first" \
	"$ITEST_DIR/mode.log"
check "refused restart: still forwarding in the old mode" \
	test "$(http_many "$URL" 20 | grep -c .)" -eq 20
write_config native "$LAB_LB_IF"
$LAB_LB_EXEC "$XLBD" -c "$CFG" --teardown >/dev/null 2>&1
write_config generic "$LAB_LB_IF"
: >"$XLBD_LOG"
xlbd_start || { itest_finish; exit 1; }
check "after --teardown: xdp_mode generic applied" \
	grep -q "attached XDP program .* to $LAB_LB_IF in generic mode" "$XLBD_LOG"
wait_resolved >/dev/null
check "generic mode forwards (20 requests)" test "$(http_many "$URL" 20 | grep -c .)" -eq 20
xlbd_stop

DUM=xd${$}
ip -n "$LAB_LB_NS" link add "$DUM" type veth peer name "${DUM}p" &&
	ip -n "$LAB_LB_NS" link set "$DUM" up
write_config generic "$DUM"
xlbd_once "$ITEST_DIR/if.log" -c "$CFG"
rc=$?
check "restart with another interface while the old one runs: refused (exit $rc)" test $rc -eq 1
check "interface refusal names the pin dir, the old and the new interface" \
	grep -q "^<3>xlbd: error: pin directory $PIN still serves interface $LAB_LB_IF (XDP program id [0-9]* attached); the config says $DUM: run xlbd --teardown with the old config first" \
	"$ITEST_DIR/if.log"
check "refused restart: the old interface still forwards" \
	test "$(http_many "$URL" 20 | grep -c .)" -eq 20
ip -n "$LAB_LB_NS" link del "$DUM"
write_config generic "$LAB_LB_IF"

# --- --bpf-object: another build of the program, checked before loading --
$LAB_LB_EXEC "$XLBD" -c "$CFG" --teardown >/dev/null 2>&1
xdp_on() { $LAB_LB_EXEC ip link show "$LAB_LB_IF" | grep -q 'prog/xdp'; }
no_xdp() { ! xdp_on; }
check "after --teardown no XDP program on $LAB_LB_IF" no_xdp
obj_refused() { # OBJECT PATTERN
	xlbd_once "$ITEST_DIR/obj.log" -c "$CFG" --bpf-object "$1"
	[[ $? -eq 1 ]] && grep -q "^<3>xlbd: error: cannot open the XDP object $1: $2" \
		"$ITEST_DIR/obj.log" && ! xdp_on
}
check "--bpf-object: a missing file refused, nothing attached" \
	obj_refused "$ITEST_DIR/none.bpf.o" "No such file or directory"
check "--bpf-object: another program refused, nothing attached" \
	obj_refused "$ROOT/build/xdp_pass.bpf.o" "its program or one of its maps is not this xlbd's"
# the same source with a smaller flow table: the maps disagree
clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -I"$ROOT/include" \
	-I"$ROOT/bpf" -I/usr/include/"$(uname -m)"-linux-gnu -DXLB_MAX_FLOWS=4096 \
	-c "$ROOT/bpf/xlb.bpf.c" -o "$ITEST_DIR/small.bpf.o"
check "--bpf-object: a build with other map sizes refused, naming the map" \
	obj_refused "$ITEST_DIR/small.bpf.o" "map xlb_flows is type [0-9]*, key [0-9]*, value [0-9]*, 4096 entries; this xlbd's is type [0-9]*, key [0-9]*, value [0-9]*, 1048576 entries"
cp "$ROOT/build/xlb.bpf.o" "$ITEST_DIR/copy.bpf.o"
: >"$XLBD_LOG"
xlbd_start --bpf-object "$ITEST_DIR/copy.bpf.o" || { itest_finish; exit 1; }
check "--bpf-object: this build's object from a file is loaded" \
	grep -q "attached XDP program .* to $LAB_LB_IF in generic mode, object $ITEST_DIR/copy.bpf.o" "$XLBD_LOG"
wait_resolved >/dev/null
check "--bpf-object: it forwards (20 requests)" test "$(http_many "$URL" 20 | grep -c .)" -eq 20
xlbd_stop

itest_finish
