#!/usr/bin/env bash
# Runs one test command against the ASan+UBSan build (make SANITIZE=1,
# build/san): the integration scripts take their xlbd and xlbctl from
# XLB_BIN_DIR. Every sanitizer report of every process (xlbd, xlbctl, the
# test binary) is written under build/san/reports; any report fails the
# run, whatever the command's own verdict, and is shown.
# Usage: tests/san.sh COMMAND [ARG...]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
reports=$root/build/san/reports

rm -rf "$reports"
mkdir -p "$reports"
export XLB_BIN_DIR=$root/build/san
# halt at the first error; leaks checked at every sanitized exit
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:log_path=$reports/asan
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan
export LSAN_OPTIONS=log_path=$reports/lsan

if [[ ! -x $XLB_BIN_DIR/xlbd ]]; then
	echo "no sanitizer build in $XLB_BIN_DIR: make SANITIZE=1"
	exit 1
fi
cmd=$1
shift
case $cmd in
*/*) ;;
*) cmd=$XLB_BIN_DIR/tests/$cmd ;; # test_unit
esac
"$cmd" "$@"
rc=$?
found=$(find "$reports" -type f | sort)
if [[ -n $found ]]; then
	echo "sanitizer reports ($(wc -l <<<"$found")):"
	for f in $found; do
		echo "--- $f"
		head -n 40 "$f"
	done
	echo "0 passed, $(wc -l <<<"$found") failed"
	exit 1
fi
exit $rc
