# shellcheck shell=bash
# For the tools' scripts that need a build output and root: source it
# after setting ROOT.

# tool_need_built NAME PATH HOW: exit 1, saying so, unless PATH (a build
# output) exists; HOW tells how to build it.
tool_need_built() {
	if [[ ! -e $2 ]]; then
		echo "$1: $2 missing ($3)" >&2
		exit 1
	fi
}

# tool_as_root NAME ARGS...: as root, return; otherwise run the calling
# script again under sudo with ARGS (its own "$@"), or exit 1 without sudo.
tool_as_root() {
	local name=$1
	shift
	[[ $EUID -eq 0 ]] && return
	command -v sudo >/dev/null || { echo "$name: needs root" >&2; exit 1; }
	exec sudo -- "$0" "$@"
}
