#!/usr/bin/env bash
# Install the Debian packages xlb needs, only those missing. Idempotent.
# One list for build, tests, demo and bench: add a package here when the
# project adopts it.
set -euo pipefail

PKGS=(
	make gcc clang llvm pkg-config           # build
	clang-format                             # make check: the tree's style
	libclang-rt-14-dev                       # make fuzz: libFuzzer, ASan, UBSan runtimes
	libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev
	libyaml-dev libjson-c-dev libmnl-dev     # config, control socket, netlink
	iproute2 ethtool procps curl python3     # lab and tests
	gnuplot-nox                              # load-test plots
	nftables                                 # fault injection (link cut)
	libmicrohttpd-dev                        # xlbd's Prometheus endpoint
	libssl-dev                               # flow sync: HMAC-SHA256 (libcrypto)
	prometheus                               # metrics test: a real scraper
	bird2                                    # scale-out lab: BGP + BFD (tools/bird)
	etcd-server                              # config_source: etcd, its tests and the lab
	libcurl4-openssl-dev                     # xlbd's etcd client (v3 JSON gateway)
	libsystemd-dev                           # xlbd: sd_notify (Type=notify)
	scdoc man-db groff-base                  # man pages: build, render check
	debhelper dpkg-dev fakeroot              # make deb
	systemd                                  # systemd-analyze verify in tests
	util-linux                               # setpriv, unshare, flock in tests
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root to install)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No service may start from a package install (prometheus ships one): a
# policy-rc.d answering 101 for the install only, unless one is there.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The tests run their own prometheus and etcd; the packaged services stay off.
for svc in prometheus etcd; do
	pkg=$svc
	[ "$svc" = etcd ] && pkg=etcd-server
	[[ " ${missing[*]} " == *" $pkg "* ]] || continue
	if [ -d /run/systemd/system ]; then
		systemctl disable --now "$svc" >/dev/null 2>&1 || true
	elif command -v update-rc.d >/dev/null; then
		update-rc.d "$svc" disable >/dev/null 2>&1 || true
	fi
done
