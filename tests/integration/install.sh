#!/usr/bin/env bash
# Installing xlb: make install into a DESTDIR (every file where the unit,
# man and bash-completion look), the unit accepted by systemd-analyze
# verify, the man pages rendered without warnings, make uninstall removing
# it all; make deb built with Debian's tools and installed into a scratch
# root, where the installed xlbd runs --version and --check-config.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

T=$(mktemp -d /tmp/xlbt-install.XXXX)
trap 'rm -rf "$T"' EXIT
D=$T/destdir
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
rev=$(git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)

# --- make install / uninstall, default PREFIX ---------------------------
make -s install DESTDIR="$D" >"$T/install.log" 2>&1
check "make install succeeds" test $? -eq 0
want=(usr/local/sbin/xlbd usr/local/sbin/xlbctl usr/local/lib/xlb/xlb.bpf.o
      usr/local/lib/systemd/system/xlbd.service
      usr/local/share/bash-completion/completions/xlbctl
      usr/local/share/man/man8/xlbd.8.gz usr/local/share/man/man8/xlbctl.8.gz
      usr/local/share/man/man5/xlb.yaml.5.gz etc/xlb/xlb.yaml)
missing=()
for f in "${want[@]}"; do [[ -e $D/$f ]] || missing+=("$f"); done
check "installed: ${#want[@]} files in place (missing: ${missing[*]:-none})" \
	test ${#missing[@]} -eq 0
check "xlbd --version: $version and git $rev" \
	grep -qx "xlbd $version (git $rev)" <("$D/usr/local/sbin/xlbd" --version)
check "xlbctl --version: $version and git $rev" \
	grep -qx "xlbctl $version (git $rev)" <("$D/usr/local/sbin/xlbctl" --version)
check "the unit runs the installed xlbd" \
	grep -q '^ExecStart=/usr/local/sbin/xlbd ' \
	"$D/usr/local/lib/systemd/system/xlbd.service"
# the example config is valid as shipped
check "example config passes --check-config" \
	"$D/usr/local/sbin/xlbd" --check-config "$D/etc/xlb/xlb.yaml"

# verify sees the unit where systemd would (/usr/local in a private mount
# namespace), with the host's targets, and finds its man: documentation
unshare -m --propagation private sh -c \
	"mount --bind '$D/usr/local' /usr/local &&
	 systemd-analyze verify /usr/local/lib/systemd/system/xlbd.service" \
	>"$T/verify.log" 2>&1
rc=$?
check "systemd-analyze verify xlbd.service (incl. man pages)" test $rc -eq 0
[[ $rc -eq 0 ]] || cat "$T/verify.log"

# the bash completion offers the CLI's commands and a service's verbs
compl() {
	PATH=$D/usr/local/sbin:$PATH bash -c '
		. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_xlbctl; echo "${COMPREPLY[*]}"' _ \
		"$D/usr/local/share/bash-completion/completions/xlbctl" "$@"
}
check "completion: xlbctl s<TAB> -> service stats status" \
	test "$(compl xlbctl s | tr ' ' '\n' | sort | xargs)" = "service stats status"
check "completion: xlbctl backend <TAB> -> add del set" \
	test "$(compl xlbctl backend '' | tr ' ' '\n' | sort | xargs)" = "add del set"

# an operator's edit survives make install and make uninstall
echo "# edited" >>"$D/etc/xlb/xlb.yaml"
make -s install DESTDIR="$D" >/dev/null 2>&1
check "make install keeps an edited config" grep -q "# edited" "$D/etc/xlb/xlb.yaml"
make -s uninstall DESTDIR="$D" >"$T/uninstall.log" 2>&1
left=$(cd "$D" && find . -type f ! -path ./etc/xlb/xlb.yaml | xargs)
check "make uninstall removes every installed file (left: ${left:-none})" test -z "$left"
check "make uninstall keeps the edited config" test -f "$D/etc/xlb/xlb.yaml"
make -s install DESTDIR="$T/d2" PREFIX=/opt/xlb >/dev/null 2>&1 &&
	make -s uninstall DESTDIR="$T/d2" PREFIX=/opt/xlb >/dev/null 2>&1
check "PREFIX=/opt/xlb: install then uninstall leaves no file" \
	test -z "$(find "$T/d2" -type f)"

# --- man pages: render without a warning --------------------------------
for m in build/man/*.[1-8]; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	check "man -l $(basename "$m") renders without warnings${w:+: $w}" test -z "$w"
done
check "xlbd(8) shows its options" \
	grep -q -- "--check-config" <(MANWIDTH=80 man -l build/man/xlbd.8 2>/dev/null)

# --- make deb, installed into a scratch root ----------------------------
before=$(git status --porcelain --ignored 2>&1)
make -s deb DEBDIR="$T/deb" >"$T/deb.log" 2>&1
deb=$(ls "$T"/deb/xlb_*.deb 2>/dev/null | head -n 1)
check "make deb builds a package" test -n "$deb"
[[ -n $deb ]] || cat "$T/deb.log"
check "make deb leaves the source tree as it was (git status, ignored files too)" \
	test "$before" = "$(git status --porcelain --ignored 2>&1)"
deps=$(dpkg-deb -f "$deb" Depends 2>/dev/null)
check "Depends from what the binaries link (libbpf1, libxdp1, libsystemd0): $deps" \
	bash -c '[[ $1 == *libbpf1* && $1 == *libxdp1* && $1 == *libsystemd0* && $1 == *libyaml* ]]' _ "$deps"
# debian/rules hands dpkg-buildflags to make as CPPFLAGS=... CFLAGS=...
# LDFLAGS=...: the packaged programs carry Debian's hardening, which gcc
# alone does not add
X=$T/extracted
dpkg-deb -x "$deb" "$X" 2>/dev/null
hardened() { # CFLAGS: stack protector; CPPFLAGS: fortify; LDFLAGS: now
	local syms dyn
	syms=$(nm -D "$1") && dyn=$(readelf -d "$1") || return 1
	grep -q ' U __stack_chk_fail@' <<<"$syms" &&
		grep -q ' U __[a-z]*printf_chk@' <<<"$syms" &&
		grep -q '(FLAGS).*BIND_NOW' <<<"$dyn"
}
for p in xlbd xlbctl; do
	check "the package's $p is built with dpkg-buildflags (BIND_NOW, stack protector, fortify)" \
		hardened "$X/usr/sbin/$p"
done
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
touch "$R/var/lib/dpkg/status"
# the scratch root has no libraries: dependencies are the host's, below
dpkg --root="$R" --force-depends --force-not-root --log=/dev/null \
	-i "$deb" >"$T/dpkg.log" 2>&1
check "dpkg --root installs the package" test $? -eq 0
check "dpkg records /etc/xlb/xlb.yaml as a conffile" \
	grep -q '^/etc/xlb/xlb.yaml$' "$R/var/lib/dpkg/info/xlb.conffiles"
# run the installed xlbd inside the root: the host's shared libraries
# bound in (read-only, private mounts), nothing else of the host
mkdir -p "$R/usr/lib/x86_64-linux-gnu" "$R/usr/lib64" "$R/proc"
ln -sfn usr/lib "$R/lib"; ln -sfn usr/lib64 "$R/lib64"
inroot() {
	unshare -m --propagation private sh -c '
		r=$1; shift
		mount --bind -o ro /usr/lib/x86_64-linux-gnu "$r/usr/lib/x86_64-linux-gnu" &&
		mount --bind -o ro /usr/lib64 "$r/usr/lib64" &&
		exec chroot "$r" "$@"' _ "$R" "$@"
}
out=$(inroot /usr/sbin/xlbd --version 2>&1)
check "chroot: /usr/sbin/xlbd --version says $version ($out)" \
	grep -q "^xlbd $version (git " <<<"$out"
out=$(inroot /usr/sbin/xlbd --check-config /etc/xlb/xlb.yaml 2>&1)
rc=$?
check "chroot: xlbd --check-config /etc/xlb/xlb.yaml passes" test $rc -eq 0
echo "$out" | sed 's/^/  | /'
check "chroot: xlbctl --version" grep -q "^xlbctl $version" <(inroot /usr/sbin/xlbctl --version 2>&1)

itest_finish
