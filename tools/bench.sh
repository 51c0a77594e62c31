#!/usr/bin/env bash
# `make bench`: per-packet cost of the XDP program (BPF_PROG_TEST_RUN) and
# Maglev table build time, measured by build/tools/xlb_bench.
#
#   tools/bench.sh [xlb_bench options]     e.g. -r 200000 -n 2000
#
# Prints one table on stdout (progress on stderr) and writes
# build/bench/bench.tsv and build/bench/bench.json. Needs root (re-runs
# itself under sudo otherwise). Takes about 10 s. Figures only: nothing
# fails on a number; it exits non-zero only when it could not measure
# (no root, not built, the program did not load).
#
# For steadier figures: an idle machine (the load average is printed with
# the table), and the "performance" CPU governor where there is one.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/build/tools/xlb_bench
OUT=$ROOT/build/bench

if [[ ! -x $BIN ]]; then
	echo "bench: $BIN missing (make build/tools/xlb_bench)" >&2
	exit 1
fi
if [[ $EUID -ne 0 ]]; then
	command -v sudo >/dev/null || { echo "bench: needs root" >&2; exit 1; }
	exec sudo -- "$0" "$@"
fi

mkdir -p "$OUT"
CPU=$(grep -m1 "model name" /proc/cpuinfo | sed "s/.*: //")
echo "bench: kernel $(uname -r), $(nproc) CPUs, ${CPU:-unknown CPU}"
exec "$BIN" -o "$OUT" "$@"
