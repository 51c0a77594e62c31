#!/usr/bin/env bash
# Plot an xlb_load timeline: tools/plot.sh PREFIX [TITLE]
#
# Reads PREFIX.timeline.csv (xlb_load --csv PREFIX) and writes PREFIX.png:
# x = seconds since the start of the run (by request start), one line per
# backend (requests/s it served), the total of successes (dashed) and the
# failures per second (red bars), so a failover reads at a glance: one
# backend's line drops to zero, the others absorb its share, failures spike
# and stop. If PREFIX.summary.json exists, the failure window goes into the
# subtitle. Needs gnuplot (Debian: gnuplot-nox); uses the pngcairo terminal,
# or the libgd png terminal where cairo is missing.
set -euo pipefail

die() {
	echo "plot: $*" >&2
	exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 PREFIX [TITLE]" >&2
	exit 2
fi
PREFIX=$1
CSV=$PREFIX.timeline.csv
PNG=$PREFIX.png
JSON=$PREFIX.summary.json
TITLE=${2:-$(basename -- "$PREFIX")}

[ -s "$CSV" ] || die "no $CSV (run xlb_load --csv $PREFIX first)"
command -v gnuplot >/dev/null || die "gnuplot missing (tools/deps.sh installs gnuplot-nox)"

# Columns: second,ok,failed, the failure reasons, then one per backend.
header=$(head -n 1 "$CSV")
[[ $header == second,ok,failed,* ]] || die "$CSV: unexpected header '$header'"
REASONS=" refused reset timeout unreachable bad-response http-status closed icmp-unreach local "
IFS=, read -r -a cols <<<"$header"
be_cols=()
for i in "${!cols[@]}"; do
	[ "$i" -ge 3 ] || continue
	[[ $REASONS == *" ${cols[$i]} "* ]] && continue
	be_cols+=("$((i + 1))")
done
rows=$(($(wc -l <"$CSV") - 1))
[ "$rows" -ge 1 ] || die "$CSV: no data rows"

# Subtitle from the summary (its layout is xlb_load's own, one key a line).
sub=""
if [ -s "$JSON" ]; then
	sent=$(sed -n 's/^  "sent": \([0-9]*\),$/\1/p' "$JSON")
	ok=$(sed -n 's/^  "ok": \([0-9]*\),$/\1/p' "$JSON")
	failed=$(sed -n 's/^  "failed": \([0-9]*\),$/\1/p' "$JSON")
	window=$(sed -n 's/.*"failure_window": {.*"window_ms": \([0-9.]*\)}.*/\1/p' "$JSON")
	gap=$(sed -n 's/^  "max_ok_gap_ms": \([0-9.]*\),$/\1/p' "$JSON")
	sub="sent ${sent:-?}, ok ${ok:-?}, failed ${failed:-?}"
	[ -n "$gap" ] && gap=$(printf '%.1f' "$gap")
	[ -n "$window" ] && window=$(printf '%.1f' "$window")
	if [ "${failed:-0}" != 0 ]; then
		sub="$sub; failure window ${window:-?} ms"
	fi
	sub="$sub; longest gap between successes ${gap:-?} ms"
fi

if gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1; then
	TERM_CMD="set terminal pngcairo size 1200,600 noenhanced font 'Sans,11'"
else
	TERM_CMD="set terminal png size 1200,600 noenhanced"
fi

# gnuplot single-quoted strings: a quote is written twice.
gq() {
	printf "'%s'" "${1//\'/\'\'}"
}

colors=(0x1f77b4 0x2ca02c 0xff7f0e 0x9467bd 0x8c564b 0x17becf 0xbcbd22
	0xe377c2 0x7f7f7f 0x393b79 0x637939 0x8c6d31)

plot="plot $(gq "$CSV") using (\$1+0.5):3 with boxes lc rgb 0xd62728 fs solid 0.45 noborder title 'failed/s'"
[ ${#be_cols[@]} -gt 1 ] &&
	plot="$plot, '' using (\$1+0.5):2 with lines dt 2 lw 1.5 lc rgb 0x555555 title 'ok/s (total)'"
n=0
for c in "${be_cols[@]}"; do
	color=${colors[$((n % ${#colors[@]}))]}
	plot="$plot, '' using (\$1+0.5):$c with linespoints lw 2.5 pt 7 ps 0.6 lc rgb $color title columnheader($c)"
	n=$((n + 1))
done

# The title goes into a double-quoted gnuplot string ("\n": new line).
tq=${TITLE//\\/\\\\}
tq=${tq//\"/\\\"}
[ -n "$sub" ] && tq="$tq\\n$sub"

gnuplot <<EOF || die "gnuplot failed"
$TERM_CMD
set output $(gq "$PNG")
set datafile separator ','
set title "$tq"
set xlabel 'seconds since start (by request start)'
set ylabel 'requests per second'
set xrange [0:$rows]
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set boxwidth 0.9
set grid ytics lc rgb 0xdddddd
set key outside right top
set xtics nomirror
set ytics nomirror
set border 3
$plot
EOF
[ -s "$PNG" ] || die "no output in $PNG"
echo "$PNG"
