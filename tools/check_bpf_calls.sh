#!/usr/bin/env bash
# Guard against a merged map-lookup call site in the translated XDP program.
#
# clang may fold lookups on two different maps into one call instruction
# (the map pointer chosen by a branch before it). The verifier then cannot
# bind that call to one map's ops: it leaves the generic helper
# bpf_map_lookup_elem, which calls map->ops->map_lookup_elem indirectly
# (~9 ns on every packet that passes there) instead of the direct or inlined
# lookup. Load the program the way the kernel sees it and refuse any call
# to the generic helper.
#
#   tools/check_bpf_calls.sh [build/xlb.bpf.o]     (needs root)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OBJ=${1:-$ROOT/build/xlb.bpf.o}
BPFTOOL=${BPFTOOL:-bpftool}

# shellcheck source=lib/tool_root.sh
. "$ROOT/tools/lib/tool_root.sh"
tool_need_built check_bpf_calls "$OBJ" "make all"
tool_as_root check_bpf_calls "$@"

# Load in a private mount namespace with a fresh bpffs on /sys/fs/bpf:
# bpftool pins LIBBPF_PIN_BY_NAME maps under /sys/fs/bpf, and would
# otherwise reuse (or refuse, after a layout change) whatever xlb_* maps an
# earlier run or another tool left there. Everything goes with the namespace.
# libbpf retries the inner-map template without BTF: that notice is noise.
if ! xlated=$(unshare -m --propagation private env BPFTOOL="$BPFTOOL" OBJ="$OBJ" sh -c '
	mount -t bpf bpf /sys/fs/bpf || exit 1
	"$BPFTOOL" prog load "$OBJ" /sys/fs/bpf/xlb_check_calls type xdp >/tmp/.xlb_check_calls.$$ 2>&1 ||
		{ cat /tmp/.xlb_check_calls.$$ >&2; rm -f /tmp/.xlb_check_calls.$$; exit 1; }
	rm -f /tmp/.xlb_check_calls.$$
	"$BPFTOOL" prog dump xlated pinned /sys/fs/bpf/xlb_check_calls'); then
	echo "check_bpf_calls: $OBJ did not load (see above)" >&2
	exit 1
fi
calls=$(grep -o 'call [A-Za-z_0-9]*' <<<"$xlated" | sort | uniq -c)
# The direct forms are e.g. array_map_lookup_elem, __htab_map_lookup_elem;
# only a call site the verifier could not bind keeps the generic name.
if grep -q 'call bpf_map_lookup_elem\b' <<<"$xlated"; then
	echo "check_bpf_calls: FAIL: $(basename "$OBJ") has a map lookup call" \
		"site shared by two maps (generic bpf_map_lookup_elem, an indirect" \
		"call); calls in the translated program:" >&2
	echo "$calls" >&2
	exit 1
fi
n=$(grep -c 'map_lookup_elem' <<<"$calls" || true)
echo "check_bpf_calls: ok: $(basename "$OBJ"): every map lookup bound to one map" \
	"($n distinct lookup targets)"
