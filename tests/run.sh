#!/usr/bin/env bash
# Runs every test suite (unit, BPF packet tests, namespace integration
# tests) and ends with the totals line CI reads: "N passed, N failed".
# Usage: tests/run.sh [SUITE-PREFIX]   e.g. tests/run.sh integration
# (a prefix of the suite name: "integration/xlbd" is not "san/integration/xlbd")
set -uo pipefail
cd "$(dirname "$0")/.."

filter=${1:-}
total_pass=0 total_fail=0 total_skip=0
failed_suites=()

run_suite() {
	local name=$1; shift
	[[ -n "$filter" && "$name" != "$filter"* ]] && return 0
	echo "=== $name"
	local out rc
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	local line p f s
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	if [[ -n "$line" ]]; then
		p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
		s=$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")
	else
		p=0 f=1 s=0
		echo "$name: no summary line (exit code $rc)"
	fi
	if [[ $rc -ne 0 && $f -eq 0 ]]; then
		f=1
		echo "$name: exited with $rc"
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + ${s:-0}))
	[[ $f -ne 0 ]] && failed_suites+=("$name")
	rm -f "$out"
}

if [[ $(id -u) -ne 0 ]]; then
	echo "tests need root (BPF, network namespaces)" >&2
	exit 1
fi

run_suite unit ./build/tests/test_unit
run_suite bpf ./build/tests/test_bpf
# libFuzzer targets (make fuzz-build): corpus, then a short run each
run_suite fuzz ./tests/fuzz/run.sh test
# the ASan+UBSan build (make SANITIZE=1): any sanitizer report fails
run_suite san/unit ./tests/san.sh test_unit
run_suite san/integration/xlbd ./tests/san.sh tests/integration/xlbd.sh
run_suite san/integration/daemon ./tests/san.sh tests/integration/daemon.sh
for t in tests/integration/*.sh; do
	[[ -x "$t" ]] || continue
	run_suite "integration/$(basename "$t" .sh)" "$t"
done

echo
[[ ${#failed_suites[@]} -gt 0 ]] && echo "failing suites: ${failed_suites[*]}"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[[ $total_fail -eq 0 ]]
