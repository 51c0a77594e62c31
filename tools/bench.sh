#!/usr/bin/env bash
# `make bench`: every benchmark, one table per part on stdout (progress on
# stderr), the same figures in build/bench/*.tsv and *.json:
#
#   1. build/tools/xlb_bench -> bench.{tsv,json}
#      per packet (BPF_PROG_TEST_RUN: SYN, established, UDP, IPv6, VLAN,
#      non-VIP, against a MAC-swap reference; ipip, gue and nat, nat's
#      replies too, beside l2), scale (backends, services,
#      flows), each scheduler's new-flow and established cost, control
#      plane (backend change -> visible to the data plane, ring builds),
#      memory (a service's ring, the flow table)
#   2. tools/bench_e2e.sh -> e2e.{tsv,json} and pps.{tsv,json}
#      end to end in the namespace lab: HTTP req/s, p50/p99 latency and the
#      load balancer's CPU through a backend directly, xlb, HAProxy, nginx
#      (stream) and nftables DNAT; small-UDP packets/s the lb node
#      forwards, xlb against nftables
#
#   tools/bench.sh [xlb_bench options]     e.g. -r 200000 -n 2000
#   BENCH_E2E=0 tools/bench.sh             part 1 only
#   BENCH_E2E_ARGS="--duration 10" tools/bench.sh
#
# Needs root (re-runs itself under sudo otherwise). Takes about 4 minutes
# (plus installing haproxy/nginx/nftables from Debian the first time).
# Figures only: nothing fails on a number; it exits non-zero only when a
# part could not measure at all (no root, not built, a program did not
# load).
#
# For steadier figures: an idle machine (the load average is printed with
# each table), and the "performance" CPU governor where there is one.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/build/tools/xlb_bench
OUT=$ROOT/build/bench

# shellcheck source=lib/tool_root.sh
. "$ROOT/tools/lib/tool_root.sh"
tool_need_built bench "$BIN" "make build/tools/xlb_bench"
tool_as_root bench "$@"

mkdir -p "$OUT"
CPU=$(grep -m1 "model name" /proc/cpuinfo | sed "s/.*: //")
echo "bench: kernel $(uname -r), $(nproc) CPUs, ${CPU:-unknown CPU}," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
T0=$SECONDS
rc=0
"$BIN" -o "$OUT" "$@" || rc=1
if [[ ${BENCH_E2E:-1} != 0 ]]; then
	# shellcheck disable=SC2086 # word splitting of the extra arguments
	BENCH_OUT=$OUT "$ROOT/tools/bench_e2e.sh" ${BENCH_E2E_ARGS:-} || rc=1
fi
echo
echo "bench: done in $((SECONDS - T0)) s; load average now" \
	"$(cut -d' ' -f1-3 /proc/loadavg); tables in $OUT/{bench,e2e,pps}.{tsv,json}"
exit $rc
