#!/usr/bin/env bash
# make deb: build the Debian package with dpkg-buildpackage in a copy of
# the tracked (and new, not ignored) files, so the source tree gets no
# debian/xlb, .debhelper or build artefacts. Usage: tools/deb.sh OUTDIR REV
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "$1") rev=$2
work=$(mktemp -d /tmp/xlb-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/xlb" "$out"
git ls-files -z --cached --others --exclude-standard |
	xargs -0 tar -cf - | tar -xf - -C "$work/xlb"
# the inner build is its own: no variables of the make that called us
unset MAKEFLAGS MFLAGS MAKELEVEL
# the copy is not a git clone: the revision travels in the environment
(cd "$work/xlb" && GIT_REV=$rev DEB_BUILD_OPTIONS="nocheck parallel=2" \
	dpkg-buildpackage -b -us -uc -rfakeroot >"$work/build.log" 2>&1) || {
	tail -n 40 "$work/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log above)" >&2
	exit 1
}
for f in "$work"/*.deb; do
	cp "$f" "$out/"
	echo "deb: $out/$(basename "$f")"
done
