#!/usr/bin/env bash
# vmcored analyze on arm64 dumps next to x86_64 dumps of the same guest
# (512 MiB of RAM, one vCPU, Debian 6.1, makedumpfile -l -d 31 in the
# capture kernel): wall time (median of RUNS) and peak RSS, on this machine.
# The arm64 dumps are the ones tests/e2e/test-arm64.sh leaves in its work
# directory (KIND.vmcore, and SYSRQ.vmcore.elf); the x86_64 ones are the
# shared fixtures.
# Usage: bench-arm64.sh VMCORED ARM64_WORK_DIR SHARED_DIR [--runs N]
set -euo pipefail
vmcored=$1 a64=$2 shared=$3
shift 3
runs=5
[ "${1:-}" = --runs ] && runs=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure LABEL FILE: median wall and peak RSS of vmcored analyze --json FILE.
measure() {
	local label=$1 file=$2 walls=() rss=0 w m
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%e %M' -o "$work/time" "$vmcored" analyze --json "$file" >"$work/out" 2>"$work/err" ||
			{ echo "$label: vmcored failed: $(head -c 300 "$work/err")" >&2; return 1; }
		read -r w m <"$work/time"
		walls+=("$w")
		[ "$m" -gt "$rss" ] && rss=$m
	done
	printf '  %-28s %-10s %7.1f MiB  %6.2f s  %6.1f MiB   %s\n' "$label" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dump"]["format"])' "$work/out")" \
		"$(echo "$(stat -c %s "$file") / 1048576" | bc -l)" \
		"$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")" \
		"$(echo "$rss / 1024" | bc -l)" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["title"])' "$work/out")"
}

echo "vmcored analyze --json, median of $runs runs, peak RSS ($(nproc) CPUs, $(uname -m))"
printf '  %-28s %-10s %11s  %8s  %10s   %s\n' dump format size wall rss title
for k in BUG WARNING SYSRQ; do
	[ -f "$shared/fixtures/vmcores/$k/vmcore" ] && measure "x86_64 $k" "$shared/fixtures/vmcores/$k/vmcore"
done
for k in BUG WARNING SYSRQ NULL SOFTLOCKUP; do
	[ -f "$a64/$k.vmcore" ] && measure "arm64 $k" "$a64/$k.vmcore"
done
[ -f "$a64/SYSRQ.vmcore.elf" ] && measure "arm64 SYSRQ (ELF, -E -d 31)" "$a64/SYSRQ.vmcore.elf"
exit 0
