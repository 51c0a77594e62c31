#!/usr/bin/env bash
# The libFuzzer targets (tests/fuzz/fuzz_*.c, built by `make fuzz-build`).
#   tests/fuzz/run.sh test   every target over its checked-in corpus, then
#                            FUZZ_SECONDS (default 10) of fuzzing each
#   tests/fuzz/run.sh fuzz   FUZZ_SECONDS (default 60) of fuzzing each
# FUZZ_TARGETS="config hc_http" picks targets; FUZZ_BUILD (build/fuzz) is
# where they were built. What lands where, under $FUZZ_BUILD:
#   crashes/<target>/   a failing input (crash-*, leak-*, timeout-*, oom-*):
#                       reproduce with `build/fuzz/tests/fuzz/fuzz_<target>
#                       FILE`; once fixed, copy it into
#                       tests/fuzz/corpus/<target>/ as a regression input
#   corpus/<target>/    inputs found that reach new code (kept between
#                       runs, so a longer run starts where the last ended)
#   logs/<target>.log   libFuzzer's output
# Ends with the "N passed, N failed" line tests/run.sh reads.
set -uo pipefail
cd "$(dirname "$0")/../.."

mode=${1:-test}
build=${FUZZ_BUILD:-build/fuzz}
if [[ $mode == test ]]; then
	secs=${FUZZ_SECONDS:-10}
else
	secs=${FUZZ_SECONDS:-60}
fi
pass=0 fail=0

targets=${FUZZ_TARGETS:-$(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||;s|\.c$||')}
for t in $targets; do
	bin=$build/tests/fuzz/fuzz_$t
	seeds=tests/fuzz/corpus/$t
	crashes=$build/crashes/$t
	work=$build/corpus/$t
	log=$build/logs/$t.log
	if [[ ! -x $bin ]]; then
		echo "FAIL fuzz/$t: $bin not built (make fuzz-build)"
		fail=$((fail + 1))
		continue
	fi
	mkdir -p "$crashes" "$work" "$(dirname "$log")"
	opts=(-timeout=10 -rss_limit_mb=2048 -max_len=65536
	      -artifact_prefix="$crashes/" -print_final_stats=1)
	[[ -f tests/fuzz/dict/$t.dict ]] && opts+=(-dict="tests/fuzz/dict/$t.dict")
	: >"$log"
	ok=true
	if [[ $mode == test ]]; then
		# the corpus: every input once (regressions included)
		if ! "$bin" "${opts[@]}" -runs=0 "$seeds" >>"$log" 2>&1; then
			ok=false
		fi
	fi
	if $ok && ! "$bin" "${opts[@]}" -max_total_time="$secs" \
		"$work" "$seeds" >>"$log" 2>&1; then
		ok=false
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if $ok; then
		echo "ok fuzz/$t: $(ls "$seeds" | wc -l) corpus inputs, ${runs:-?} runs in ${secs} s"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz/$t: see $log; the input is in $crashes/:"
		grep -E 'ERROR|property broken|SUMMARY|Test unit written|^    #[0-9] ' "$log" | head -n 25 | sed 's/^/  /'
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
