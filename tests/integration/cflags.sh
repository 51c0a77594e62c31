#!/usr/bin/env bash
# make CFLAGS=... LDFLAGS=..., the usual way to pass flags (and the way
# debian/rules passes dpkg-buildflags, with CPPFLAGS): the build still works, the user's
# flags reach every compile and the link instead of being added to or
# dropped, and the project's own flags (-std, include paths) stay.
# CFLAGS from the environment reach the compiler too.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

T=$(mktemp -d /tmp/xlbt-cflags.XXXX)
trap 'rm -rf "$T"' EXIT
B=$T/build

# -frecord-gcc-switches leaves the options each compile ran with in the
# object (.GCC.command.line): the flags are seen in what was built. The
# default CFLAGS is -O2 -g; these replace it.
make -s BUILD="$B" CFLAGS="-O1 -g0 -frecord-gcc-switches" \
	LDFLAGS="-Wl,-z,now" "$B/xlbd" "$B/xlbctl" >"$T/make.log" 2>&1
rc=$?
check "make CFLAGS=... LDFLAGS=... builds xlbd and xlbctl (exit $rc)" test $rc -eq 0
[[ $rc -eq 0 ]] || tail -n 20 "$T/make.log"

# every object compiled for the two programs: the user's -O1 -g0, not the
# default's -O2, and the project's -std=gnu11 alongside
objs=$(find "$B/user" -name '*.o' | sort)
bad=()
for o in $objs; do
	line=$(readelf -p .GCC.command.line "$o" 2>/dev/null | grep 'GNU C')
	[[ $line == *" -O1 "* && $line == *" -g0 "* && $line == *"-std=gnu11"* &&
		$line != *" -O2"* ]] || bad+=("${o#"$B"/}")
done
check "CFLAGS reach every compile, with the project's own flags ($(wc -w <<<"$objs") objects; wrong: ${bad[*]:-none})" \
	test -n "$objs" -a ${#bad[@]} -eq 0
check "-g0 replaced the default -g: xlbd has no debug info" \
	bash -c 'test -f "$1" && ! readelf -S "$1" | grep -q "\.debug_info"' _ "$B/xlbd"
for p in xlbd xlbctl; do
	check "LDFLAGS reach the link: $p is BIND_NOW" \
		bash -c 'readelf -d "$1" | grep -q "(FLAGS).*BIND_NOW"' _ "$B/$p"
done
check "the xlbd built with them runs: --check-config on the example" \
	"$B/xlbd" --check-config user/xlbd/xlb.yaml

# CFLAGS from the environment (CFLAGS ?=), CPPFLAGS (fortify, from
# dpkg-buildflags) on the command line: what make would run says so
line=$(CFLAGS=-DXLB_ENV_FLAG_PROBE make -n V=1 BUILD="$T/env" \
	CPPFLAGS=-DXLB_CPPFLAGS_PROBE "$T/env/user/lib/log.o" 2>&1 |
	grep -- ' -c user/lib/log.c')
check "CFLAGS from the environment reach the compiler" \
	bash -c '[[ $1 == *-DXLB_ENV_FLAG_PROBE* && $1 == *-Iinclude* ]]' _ "$line"
check "make CPPFLAGS=... reaches the compiler" \
	bash -c '[[ $1 == *-DXLB_CPPFLAGS_PROBE* ]]' _ "$line"

itest_finish
